package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestExternalModuleImportsClientAndUOM builds a small program in a module
// of its own that imports the public packages (client, uom) the way another
// project would after `go get`: by the module path in go.mod, here replaced
// by this checkout. It fails if the module path is not importable (no dot
// in its first element), if a public package reaches into internal/, or if
// go.mod asks for a newer Go than the one building it.
func TestExternalModuleImportsClientAndUOM(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	modPath := readModulePath(t, filepath.Join(root, "go.mod"))
	if first, _, _ := strings.Cut(modPath, "/"); !strings.Contains(first, ".") {
		t.Fatalf("module path %q has no dot in its first element: go get cannot fetch it", modPath)
	}
	dir := t.TempDir()
	goMod := "module example.com/pvmuser\n\ngo 1.25.0\n\nrequire " + modPath + " v0.0.0\n\nreplace " + modPath + " => " + root + "\n"
	mainGo := `package main

import (
	"fmt"

	"` + modPath + `/client"
	"` + modPath + `/uom"
)

func main() {
	var c *client.Client
	fmt.Println(c == nil, uom.NSUOM != "")
}
`
	sums, err := os.ReadFile(filepath.Join(root, "go.sum")) // the checksums another module would fetch
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"go.mod": goMod, "main.go": mainGo, "go.sum": string(sums)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // the toolchain that runs the tests builds what they run
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", filepath.Join(dir, "pvmuser"), "."}} {
		cmd := exec.Command(gobin, args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in an external module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, err := exec.Command(filepath.Join(dir, "pvmuser")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "true true" {
		t.Fatalf("the external program printed %q (%v), want \"true true\"", out, err)
	}
}

func readModulePath(t *testing.T, goMod string) string {
	t.Helper()
	data, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("%s has no module line", goMod)
	return ""
}
