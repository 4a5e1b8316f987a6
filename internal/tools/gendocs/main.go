// Command gendocs writes the man pages and shell completions the Debian
// packages ship (scripts/deb.sh runs it): pvmctl's from its cobra commands
// (one page per object and verb, bash/zsh/fish completions), the other
// commands' from their --help output, rendered by go-md2man.
//
//	go run ./internal/tools/gendocs -bin bin -man DIR -completion DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	md2man "github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra/doc"

	"github.com/novalink-project/novalink/internal/cli"
)

// helpPages are the commands documented from their --help: name, section,
// one-line description.
var helpPages = []struct{ name, section, what string }{
	{"pvmd", "8", "the NovaLink daemon: pvm-core and pvm-rest"},
	{"pvm-install", "8", "install or repair the NovaLink partition, the VIOSes and the management network"},
	{"viosvrcmd", "1", "run a command on a Virtual I/O Server"},
	{"bkprofdata", "1", "back up the partition configuration"},
	{"rstprofdata", "1", "restore the partition configuration"},
	{"ldfware", "1", "update the server firmware"},
	{"chcomgmt", "1", "change the co-management master (HMC side)"},
	{"lscomgmt", "1", "list the co-management settings (HMC side)"},
	{"lssyscfg", "1", "list the system configuration (HMC side)"},
	{"chsyscfg", "1", "change the system configuration (HMC side)"},
	{"updlic", "1", "update the licensed internal code (HMC side)"},
}

func main() {
	bin := flag.String("bin", "bin", "directory of the built binaries (for the --help pages)")
	man := flag.String("man", "", "directory to write man pages into (man1/, man8/)")
	comp := flag.String("completion", "", "directory to write completions into (bash/, zsh/, fish/)")
	flag.Parse()
	if err := run(*bin, *man, *comp); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(bin, man, comp string) error {
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err == nil {
			date = time.Unix(sec, 0).UTC()
		}
	}
	root := cli.DocCommand()
	if man != "" {
		dir := filepath.Join(man, "man1")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		hdr := &doc.GenManHeader{Title: "PVMCTL", Section: "1", Source: "novalink", Manual: "NovaLink commands", Date: &date}
		root.DisableAutoGenTag = true
		if err := doc.GenManTree(root, hdr, dir); err != nil {
			return fmt.Errorf("pvmctl man pages: %w", err)
		}
		for _, p := range helpPages {
			if err := helpPage(bin, man, p.name, p.section, p.what, date); err != nil {
				return err
			}
		}
	}
	if comp != "" {
		for _, d := range []string{"bash", "zsh", "fish"} {
			if err := os.MkdirAll(filepath.Join(comp, d), 0o755); err != nil {
				return err
			}
		}
		if err := root.GenBashCompletionFileV2(filepath.Join(comp, "bash", "pvmctl"), true); err != nil {
			return err
		}
		if err := root.GenZshCompletionFile(filepath.Join(comp, "zsh", "_pvmctl")); err != nil {
			return err
		}
		if err := root.GenFishCompletionFile(filepath.Join(comp, "fish", "pvmctl.fish"), true); err != nil {
			return err
		}
	}
	return nil
}

// helpPage renders a command's --help as its man page. A command missing
// from bin is an error: every packaged command has a page.
func helpPage(bin, man, name, section, what string, date time.Time) error {
	path := filepath.Join(bin, name)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s: %w (build the commands first)", name, err)
	}
	var out bytes.Buffer
	cmd := exec.Command(path, "--help")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "COLUMNS=80")
	cmd.Run() // flag-based commands exit 0 or 2 on --help; the text is what counts
	help := strings.TrimSpace(out.String())
	if help == "" {
		return fmt.Errorf("%s --help printed nothing", name)
	}
	var md strings.Builder
	fmt.Fprintf(&md, "%s %s %q \"novalink\" \"NovaLink commands\"\n", strings.ToUpper(name), section, date.Format("2006-01-02"))
	fmt.Fprintf(&md, "=====\n\n# NAME\n\n%s - %s\n\n# DESCRIPTION\n\n```\n%s\n```\n\n# SEE ALSO\n\npvmctl(1)\n", name, what, help)
	dir := filepath.Join(man, "man"+section)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+"."+section), md2man.Render([]byte(md.String())), 0o644)
}
