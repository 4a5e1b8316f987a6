package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestCobraPages: a page for every command of pvmctl (its objects and
// verbs included), pvmd and the console commands, each a man page that
// man renders (where man is installed) with the command's synopsis, the
// <state-dir> placeholders kept.
func TestCobraPages(t *testing.T) {
	man := t.TempDir()
	files, err := cobraPages(man, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for section, cmds := range cobraCommands() {
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			if !c.IsAvailableCommand() && c.Parent() != nil {
				return
			}
			want = append(want, filepath.Join(man, "man"+section, strings.ReplaceAll(c.CommandPath(), " ", "-")+"."+section))
			for _, s := range c.Commands() {
				walk(s)
			}
		}
		for _, c := range cmds {
			walk(c)
		}
	}
	if len(files) != len(want) || len(files) < 90 {
		t.Fatalf("%d pages, want %d", len(files), len(want))
	}
	for _, p := range append(want, filepath.Join(man, "man8", "pvmd.8"), filepath.Join(man, "man1", "pvmctl-lpar-power-on.1"),
		filepath.Join(man, "man1", "rstprofdata.1"), filepath.Join(man, "man1", "pvmctl-ssp-create.1")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("no page %s: %v", p, err)
		}
		if !strings.HasPrefix(string(b), ".nh\n.TH ") || !strings.Contains(string(b), ".SH SYNOPSIS") {
			t.Fatalf("%s is not a man page:\n%s", p, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(man, "man8", "pvmd.8")); !strings.Contains(string(b), "state-dir>/padmin.password") {
		t.Errorf("pvmd.8 lost the <state-dir> placeholders:\n%s", b)
	}
	manCmd, err := exec.LookPath("man")
	if err != nil {
		t.Log("man is not installed: the pages are checked as text only")
		return
	}
	for _, p := range []string{"man8/pvmd.8", "man1/pvmctl.1", "man1/pvmctl-lpar-list.1", "man1/ldfware.1"} {
		cmd := exec.Command(manCmd, "-l", filepath.Join(man, p))
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SYNOPSIS") {
			t.Errorf("man -l %s: %v\n%s", p, err, out)
		}
	}
}
