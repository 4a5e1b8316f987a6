// Command pvm-install is the NovaLink installer: the wizard (install or
// repair) on a terminal, or --config FILE (install) and --repair without
// one. See internal/install.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/novalink-project/novalink/internal/install"
	"github.com/novalink-project/novalink/internal/version"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	p := install.DefaultPaths()
	fs := flag.NewFlagSet("pvm-install", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: pvm-install [--config FILE | --repair] [options]

With no --config and no --repair, the wizard runs on the terminal: install
(a new managed system in the layout asked for: the NovaLink partition's
network, the Virtual I/O Servers and their rootvg disks, the management
VLAN, a shared storage pool) or repair. The answers are kept in
<log-dir>/novalink-install.cfg, the log in <log-dir>/pvm-install.log.

Options:`)
		fs.PrintDefaults()
	}
	cfg := fs.String("config", "", "install without questions from this novalink-install.cfg (the automated/netboot install)")
	repair := fs.Bool("repair", false, "repair without questions from <log-dir>/novalink-install.cfg (or --config's file)")
	fs.StringVar(&p.StateDir, "state-dir", p.StateDir, "pvm-core's state directory")
	fs.StringVar(&p.BackupDir, "backup-dir", p.BackupDir, "pvm-core's backup directory")
	fs.StringVar(&p.LogDir, "log-dir", "/var/log/pvm-install", "install log directory (novalink-install.cfg, pvm-install.log)")
	fs.StringVar(&p.Services, "services", p.Services, "how pvm-core and pvm-rest are stopped and started: systemd, or none (development)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Println(version.String("pvm-install"))
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "pvm-install: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	if p.Services != "systemd" && p.Services != "none" {
		fmt.Fprintf(os.Stderr, "pvm-install: --services %q: systemd or none\n", p.Services)
		return 2
	}
	r, err := install.NewRunner(p, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pvm-install:", err)
		return 1
	}
	defer r.Close()
	switch {
	case *repair:
		path := *cfg
		if path == "" {
			path = p.CfgPath()
		}
		c, err := install.ReadConfig(path)
		if err == nil {
			_, err = r.Repair(c)
		}
		return fail(err)
	case *cfg != "":
		c, err := install.ReadConfig(*cfg)
		if err == nil {
			err = r.Install(c)
		}
		return fail(err)
	}
	err = install.RunWizard(r, os.Stdin, os.Stdout)
	if errors.Is(err, install.ErrCancelled) {
		return 1
	}
	return fail(err)
}

func fail(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "pvm-install:", err)
	return 1
}
