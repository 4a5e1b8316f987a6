// Command gendocs writes the man pages and shell completions the Debian
// packages ship (scripts/deb.sh and make man run it): the pages of pvmctl
// (one per object and verb), pvmd and the console commands from their
// cobra commands with cobra's doc generator, pvm-install's from its --help
// output rendered by go-md2man; pvmctl's bash/zsh/fish completions.
//
//	go run ./internal/tools/gendocs -bin bin -man DIR -completion DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	md2man "github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/novalink-project/novalink/internal/cli"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/console"
	"github.com/novalink-project/novalink/internal/daemon"
)

// helpPages are the commands documented from their --help (those without
// a cobra command): name, section, one-line description.
var helpPages = []struct{ name, section, what string }{
	{"pvm-install", "8", "install or repair the NovaLink partition, the VIOSes and the management network"},
	{"mkvterm", "1", "open a partition's virtual terminal"},
	{"rmvterm", "1", "close a partition's virtual terminal"},
	{"mkvtermutil", "1", "the VNC server of a partition's virtual terminal"},
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
		if _, err := cobraPages(man, date); err != nil {
			return err
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
	_ = cmd.Run() // flag-based commands exit 0 or 2 on --help; the text is what counts
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

// cobraCommands are the commands whose pages come from their cobra
// commands, by section: pvmctl and the console commands (1), pvmd (8).
func cobraCommands() map[string][]*cobra.Command {
	env := app.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	return map[string][]*cobra.Command{
		"1": append([]*cobra.Command{cli.DocCommand()}, console.Commands(env)...),
		"8": {daemon.Command()},
	}
}

// cobraPages writes the pages of the cobra commands (and of each of their
// subcommands) into man/manN and returns their paths.
func cobraPages(man string, date time.Time) ([]string, error) {
	var written []string
	for section, cmds := range cobraCommands() {
		dir := filepath.Join(man, "man"+section)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		for _, c := range cmds {
			prepare(c)
			hdr := &doc.GenManHeader{Title: strings.ToUpper(c.Name()), Section: section, Source: "novalink", Manual: "NovaLink commands", Date: &date}
			if err := doc.GenManTree(c, hdr, dir); err != nil {
				return nil, fmt.Errorf("%s man pages: %w", c.Name(), err)
			}
		}
		files, err := filepath.Glob(filepath.Join(dir, "*."+section))
		if err != nil {
			return nil, err
		}
		written = append(written, files...)
	}
	return written, nil
}

// prepare drops cobra's "generated by" line and escapes what the Markdown
// the pages go through would take for HTML (<state-dir>).
func prepare(c *cobra.Command) {
	c.DisableAutoGenTag = true
	c.Long = escape(c.Long)
	c.Example = escape(c.Example)
	c.Flags().VisitAll(func(f *pflag.Flag) { f.Usage = escape(f.Usage) })
	for _, s := range c.Commands() {
		prepare(s)
	}
}

func escape(s string) string { return strings.ReplaceAll(s, "<", `\<`) }
