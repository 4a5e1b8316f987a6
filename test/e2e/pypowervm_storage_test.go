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

// TestPypowervmStorage runs testdata/pypowervm_storage.py, which drives
// pvmd's storage with the real pypowervm library as nova-powervm does: an
// image LU uploaded, a linked clone of it mapped to an LPAR, a config ISO
// uploaded and mapped, everything unmapped and removed, and a pair of
// WWPNs asked for. It runs when PYPOWERVM_SRC names a directory holding
// the pypowervm package and python3 has its dependencies.
func TestPypowervmStorage(t *testing.T) {
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
	script, err := filepath.Abs(filepath.Join("testdata", "pypowervm_storage.py"))
	if err != nil {
		t.Fatal(err)
	}
	d := startPVMD(t, t.TempDir(), startOpts{})
	_, port, ok := strings.Cut(d.HTTP, ":")
	if !ok {
		t.Fatalf("bad HTTP address %q", d.HTTP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
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
	t.Logf("pypowervm storage test (%v):\n%s", time.Since(start).Round(time.Millisecond), stdout.String())
	if err != nil || !strings.Contains(stdout.String(), "pypowervm storage test passed") {
		t.Fatalf("pypowervm storage test failed: %v\nstderr:\n%s\npvmd stderr:\n%s", err, tail(stderr.String(), 8000), tail(d.Stderr(), 4000))
	}
	// Nothing the uploads wrote is left behind: the image and the ISO went
	// with the logical units and the media they became.
	var left []string
	filepath.Walk(filepath.Join(d.Dir, "files"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("files left under the files directory: %v", left)
	}
}
