package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryBinaryHelpAndVersion: every command of cmd/ answers --help (a
// usage, exit 0) and --version (its name and the build, exit 0), without a
// server. A command TestMain does not build fails here.
func TestEveryBinaryHelpAndVersion(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(binDir, name)
			if _, err := os.Stat(bin); err != nil {
				t.Fatalf("TestMain did not build %s: %v", name, err)
			}
			env := append(os.Environ(), "PVM_URL=http://127.0.0.1:1", "PVMCTL_LOG=off", "PVM_LAYOUT=development")
			cmd := exec.Command(bin, "--help")
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(strings.ToLower(string(out)), "usage") {
				t.Errorf("%s --help: %v\n%s", name, err, out)
			}
			cmd = exec.Command(bin, "--version")
			cmd.Env = env
			out, err = cmd.CombinedOutput()
			if err != nil || !strings.HasPrefix(string(out), name+" (novalink) ") {
				t.Errorf("%s --version: %v\n%s", name, err, out)
			}
		})
	}
}
