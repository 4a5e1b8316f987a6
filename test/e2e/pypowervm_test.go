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

// TestPypowervm runs testdata/pypowervm_smoke.py, which drives pvmd with
// the real pypowervm library. It runs when PYPOWERVM_SRC names a directory
// holding the pypowervm package and python3 has its dependencies.
func TestPypowervm(t *testing.T) {
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
	script, err := filepath.Abs(filepath.Join("testdata", "pypowervm_smoke.py"))
	if err != nil {
		t.Fatal(err)
	}
	d := startPVMD(t, t.TempDir(), startOpts{})
	_, port, ok := strings.Cut(d.HTTP, ":")
	if !ok {
		t.Fatalf("bad HTTP address %q", d.HTTP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "--port", port, "--password", adminPassword)
	env := []string{"PYTHONPATH=" + src, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONPATH=") && !strings.HasPrefix(kv, "PVMD_ADMIN_PASSWORD=") &&
			!strings.HasPrefix(kv, "PYPOWERVM_SESSION_CONFIG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("pypowervm smoke test (%v):\n%s", time.Since(start).Round(time.Millisecond), stdout.String())
	if err != nil || !strings.Contains(stdout.String(), "pypowervm smoke test passed") {
		t.Fatalf("pypowervm smoke test failed: %v\nstderr:\n%s\npvmd stderr:\n%s", err, tail(stderr.String(), 8000), tail(d.Stderr(), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
