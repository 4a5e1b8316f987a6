package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const python = "/usr/bin/python3"

// runPypowervm runs testdata/<script> with the real pypowervm library
// against a fresh pvmd (`--port P --password ADMIN` and args), and fails
// unless it exits 0 having printed "<label> passed". It skips unless
// PYPOWERVM_SRC names a directory holding the pypowervm package and
// python3 has its dependencies. It returns the pvmd, for checks after.
func runPypowervm(t *testing.T, script, label string, timeout time.Duration, args ...string) *daemon {
	t.Helper()
	src := os.Getenv("PYPOWERVM_SRC")
	if src == "" {
		t.Skip("PYPOWERVM_SRC is not set (a directory containing the pypowervm package)")
	}
	if fi, err := os.Stat(filepath.Join(src, "pypowervm", "__init__.py")); err != nil || fi.IsDir() {
		t.Skipf("PYPOWERVM_SRC=%s has no pypowervm package", src)
	}
	if out, err := exec.Command(python, "-c", "import lxml, requests, oslo_log, taskflow").CombinedOutput(); err != nil {
		t.Skipf("%s lacks pypowervm's dependencies: %v\n%s", python, err, out)
	}
	path, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	d := startPVMD(t, t.TempDir(), startOpts{})
	_, port, ok := strings.Cut(d.HTTP, ":")
	if !ok {
		t.Fatalf("bad HTTP address %q", d.HTTP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{path, "--port", port, "--password", adminPassword}, args...)...)
	env := []string{"PYTHONPATH=" + src, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONPATH=") && !strings.HasPrefix(kv, "PVMD_") && !strings.HasPrefix(kv, "PYPOWERVM_SESSION_CONFIG=") {
			env = append(env, kv)
		}
	}
	cmd.Env, cmd.Dir = env, t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("%s (%v):\n%s", label, time.Since(start).Round(time.Millisecond), stdout.String())
	if err != nil || !strings.Contains(stdout.String(), label+" passed") {
		t.Fatalf("%s failed: %v\nstderr:\n%s\npvmd stderr:\n%s", label, err, tail(stderr.String(), 8000), tail(d.Stderr(), 4000))
	}
	return d
}

// TestPypowervm runs testdata/pypowervm_smoke.py, which drives pvmd with
// the real pypowervm library.
func TestPypowervm(t *testing.T) {
	runPypowervm(t, "pypowervm_smoke.py", "pypowervm smoke test", 90*time.Second)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
