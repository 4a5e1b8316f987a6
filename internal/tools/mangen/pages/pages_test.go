package pages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestWrite: a page for every command of every binary (pvmctl's objects and
// verbs included), each a man page that man renders (where man is
// installed) with the command's synopsis.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	n, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.Parent() != nil {
			return
		}
		want = append(want, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1")
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	for _, c := range Commands() {
		walk(c)
	}
	if n != len(want) || n < 90 {
		t.Fatalf("%d pages, want %d", n, len(want))
	}
	for _, name := range append(want, "pvmd.1", "pvmctl-lpar-power-on.1", "rstprofdata.1", "pvmctl-ssp-create.1") {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("no page %s: %v", name, err)
		}
		if !strings.HasPrefix(string(b), ".nh\n.TH ") || !strings.Contains(string(b), ".SH SYNOPSIS") {
			t.Fatalf("%s is not a man page:\n%s", name, b)
		}
	}
	man, err := exec.LookPath("man")
	if err != nil {
		t.Log("man is not installed: the pages are checked as text only")
		return
	}
	for _, name := range []string{"pvmd.1", "pvmctl.1", "pvmctl-lpar-list.1", "ldfware.1"} {
		cmd := exec.Command(man, "-l", filepath.Join(dir, name))
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SYNOPSIS") || strings.Contains(string(out), "warning") {
			t.Errorf("man -l %s: %v\n%s", name, err, out)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "pvmd.1"))
	if !strings.Contains(string(b), "<state-dir>") && !strings.Contains(string(b), `\\<state-dir>`) && !strings.Contains(string(b), "state-dir>") {
		t.Errorf("pvmd.1 lost the <state-dir> placeholders:\n%s", b)
	}
}
