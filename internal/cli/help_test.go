package cli

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/cli/app"
)

var updateHelp = flag.Bool("update", false, "rewrite the golden help texts in testdata/help")

// runLocal runs pvmctl in-process without a server (help, completion).
func runLocal(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	env := map[string]string{"PVM_LAYOUT": "development", "PVMCTL_LOG": "off", "PVMCTL_SESSION_DIR": "off", "PVM_URL": "http://127.0.0.1:1"}
	code := Main(args, app.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Width:  func() int { return 0 },
		User:   func() (app.User, error) { return app.User{Name: "tester", UID: 1000}, nil },
		Now:    time.Now,
	})
	return out.String(), errb.String(), code
}

// TestHelpOfEveryVerb: "pvmctl OBJECT VERB --help" answers with the verb's
// help for every verb, those not supported yet included (which say so),
// compared with testdata/help/OBJECT_VERB.txt (-update rewrites them); a
// verb without a golden text fails.
func TestHelpOfEveryVerb(t *testing.T) {
	root := Root(app.Env{Getenv: func(string) string { return "" }})
	seen := map[string]bool{}
	n := 0
	for _, obj := range root.Commands() {
		if obj.Name() == "help" || obj.Name() == "completion" {
			continue
		}
		for _, verb := range obj.Commands() {
			n++
			name := obj.Name() + "_" + verb.Name() + ".txt"
			seen[name] = true
			t.Run(obj.Name()+"/"+verb.Name(), func(t *testing.T) {
				out, errOut, code := runLocal(obj.Name(), verb.Name(), "--help")
				if code != 0 || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if !strings.Contains(out, "Usage:\n  pvmctl "+obj.Name()+" "+verb.Name()) {
					t.Fatalf("no usage line:\n%s", out)
				}
				if verb.Annotations[app.NotSupportedAnnotation] != "" && !strings.Contains(out, "does not support yet") {
					t.Fatalf("a verb not supported yet does not say so:\n%s", out)
				}
				if f := verb.Flags().Lookup("set-fields"); f != nil && strings.Contains(f.Usage, "FIELD=VALUE") && !strings.Contains(out, "--set-fields can change") {
					t.Fatalf("update --help does not list the settable fields:\n%s", out)
				}
				golden := filepath.Join("testdata", "help", name)
				if *updateHelp {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v: run go test ./internal/cli -run TestHelpOfEveryVerb -update to write it, and read it", err)
				}
				if string(want) != out {
					t.Fatalf("pvmctl %s %s --help differs from %s (-update rewrites it):\n--- got\n%s--- want\n%s", obj.Name(), verb.Name(), golden, out, want)
				}
			})
		}
	}
	if n < 60 {
		t.Fatalf("only %d verbs", n)
	}
	// No golden text of a verb that is gone.
	files, _ := filepath.Glob(filepath.Join("testdata", "help", "*.txt"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			if *updateHelp {
				os.Remove(f)
				continue
			}
			t.Errorf("%s is the help of no verb", f)
		}
	}
}

// TestUpdateHelpListsSettableFields: update --help lists the fields -s can
// change and not the read-only ones.
func TestUpdateHelpListsSettableFields(t *testing.T) {
	out, _, code := runLocal("lpar", "update", "--help")
	if code != 0 || !strings.Contains(out, "PartitionMemoryConfiguration.desired") || strings.Contains(out, "LogicalPartition.state ") {
		t.Fatalf("lpar update --help:\n%s", out)
	}
}

// TestVersion: --version names the program and the build.
func TestVersion(t *testing.T) {
	out, errOut, code := runLocal("--version")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "pvmctl (novalink) ") {
		t.Fatalf("--version: exit %d %q %q", code, out, errOut)
	}
}

// TestCompletion: "pvmctl completion SHELL" prints a script for bash, zsh
// and fish (bash's checked by bash -n, zsh's by zsh -n where zsh is
// installed), and the completions they ask pvmctl for list the objects, an
// object's verbs and a verb's flags.
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, errOut, code := runLocal("completion", sh)
		if code != 0 || errOut != "" || !strings.Contains(out, "pvmctl") || len(out) < 1000 {
			t.Fatalf("completion %s: exit %d, stderr %q, %d bytes", sh, code, errOut, len(out))
		}
		if path, err := exec.LookPath(sh); err == nil && sh != "fish" {
			f := filepath.Join(t.TempDir(), "pvmctl."+sh)
			os.WriteFile(f, []byte(out), 0o644)
			if b, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n on the %s completion: %v\n%s", sh, sh, err, b)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", ""}, []string{"lpar\t", "vios\t", "vswitch\t"}},
		{[]string{"__complete", "lpar", ""}, []string{"power-on\t", "list\t", "create\t"}},
		{[]string{"__complete", "lpar", "list", "--"}, []string{"--where\t", "--output\t", "--display-fields\t"}},
	} {
		out, _, code := runLocal(c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d", c.args, code)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v does not offer %q:\n%s", c.args, w, out)
			}
		}
	}
}
