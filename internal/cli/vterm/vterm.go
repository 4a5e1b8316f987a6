// Package vterm holds the virtual terminal commands, clients of pvmd's
// REST API like pvmctl:
//
//   - mkvterm opens a partition's console: on the terminal it runs in
//     (leave with ~.), or with --vnc --local as a VNC server on localhost
//     whose port it prints on its first line (the server is a long-lived
//     mkvtermutil process, which pypowervm finds with pgrep);
//   - rmvterm closes a partition's open console from anywhere (the
//     CloseVterm job);
//   - mkvtermutil is the VNC server mkvterm starts: it holds the console
//     stream and draws its text on a framebuffer served over RFB 3.8.
//
// The flags are NovaLink's (--id, --vnc, --local, --consolesettings
// codepage=N) and the HMC's (-m SYSTEM, -p NAME). Exit codes: 0 ok, 1
// failed (among others: no such partition), 2 usage, 3 the console is
// already open (NovaLink's code, which pypowervm reads), 4 refused by the
// server, 5 server error or unreachable.
package vterm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/version"
	"github.com/novalink-project/novalink/uom"
)

// Exit codes of the virtual terminal commands.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
	ExitInUse  = 3 // the console is already open (NovaLink's mkvterm)
)

// IO is the outside world of one command run.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Main runs command name (mkvterm, rmvterm, mkvtermutil) with args and
// returns its exit status.
func Main(name string, args []string, o IO) int {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	env := app.Env{Stdout: o.Stdout, Stderr: o.Stderr, Getenv: o.Getenv,
		User: func() (app.User, error) { return app.User{Name: o.Getenv("USER")}, nil }}
	r := &run{name: name, io: o, a: app.New(context.Background(), env)}
	cmd := r.command()
	cmd.SetArgs(args)
	cmd.SetOut(o.Stdout)
	cmd.SetErr(o.Stderr)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err == nil {
		return r.code
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.msg != "" {
			fmt.Fprintln(o.Stderr, ex.msg)
		}
		return ex.code
	}
	e := app.Classify(err)
	if e.Code == app.ExitUsage || isFlagError(err) {
		fmt.Fprintf(o.Stderr, "%s: %s\n", name, usageText(e, err))
		fmt.Fprintf(o.Stderr, "Usage: %s\n", usageLine(name))
		return ExitUsage
	}
	if e.Code == app.ExitNotFound {
		// 3 is "already open" for these commands.
		e.Code = ExitFailed
	}
	fmt.Fprintf(o.Stderr, "%s: %s\n", name, e.Error())
	return e.Code
}

func usageText(e *app.Error, err error) string {
	if isFlagError(err) {
		return "[PVME01040123-0060] " + err.Error()
	}
	return e.Error()
}

// isFlagError tells the errors of the flag parser (unknown flag, missing
// value, bad number).
func isFlagError(err error) bool {
	var e *app.Error
	if errors.As(err, &e) {
		return false
	}
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "bad flag", "unknown command"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func usageLine(name string) string {
	switch name {
	case "mkvterm":
		return "mkvterm {--id ID | -p NAME} [-m SYSTEM] [--vnc --local] [--consolesettings codepage=NNN]"
	case "rmvterm":
		return "rmvterm {--id ID | -p NAME} [-m SYSTEM]"
	}
	return "mkvtermutil {--id ID | -p NAME} [-m SYSTEM] --vnc --local [--codepage NNN]"
}

// longHelp is what --help says of each command.
var longHelp = map[string]string{
	"mkvterm": `Opens the virtual terminal (console) of a partition: on this terminal
(leave with ~. at the start of a line), or with --vnc --local as a VNC
server on localhost whose port is printed on the first line of output.
A partition has one open virtual terminal at a time: a second mkvterm
exits 3 saying who holds it (a VNC console's port on standard output).
rmvterm closes it from anywhere. Exit codes: 0 ok, 1 failed, 2 usage,
3 already open, 4 refused, 5 server unreachable.`,
	"rmvterm": `Closes the open virtual terminal of a partition, from anywhere (the
CloseVterm job); with none open it does nothing.`,
	"mkvtermutil": `The VNC server mkvterm --vnc --local starts: it holds the partition's
console and serves it over RFB 3.8 on localhost, without a password,
until the console is closed (rmvterm). The first port tried is 5901
(PVM_VTERM_VNC_PORT changes it; 0 takes any free port).`,
}

// exitError ends a command with a message (may be empty) and a code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usage(format string, args ...any) error {
	return app.Usage("PVME01040123-0061", format, args...)
}

type run struct {
	name string
	io   IO
	a    *app.App
	code int

	id       int
	partName string
	system   string
	vnc      bool
	local    bool
	settings string
	codepage string
}

func (r *run) command() *cobra.Command {
	cmd := &cobra.Command{
		Use:     usageLine(r.name),
		Long:    longHelp[r.name],
		Version: version.String(r.name),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch r.name {
			case "mkvterm":
				return r.mkvterm(cmd)
			case "rmvterm":
				return r.rmvterm(cmd)
			}
			return r.mkvtermutil(cmd)
		},
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	f := cmd.Flags()
	f.IntVar(&r.id, "id", 0, "the ID of the partition")
	f.StringVarP(&r.partName, "partition", "p", "", "the name of the partition")
	f.StringVarP(&r.system, "managed-system", "m", "", "the managed system (its name or MTMS tttt-mmm*ssssssss)")
	switch r.name {
	case "mkvterm":
		f.BoolVar(&r.vnc, "vnc", false, "serve the console as a VNC server instead of on this terminal")
		f.BoolVar(&r.local, "local", false, "with --vnc: listen on localhost only")
		f.StringVar(&r.settings, "consolesettings", "", "console settings of an IBM i partition: codepage=NNN")
	case "mkvtermutil":
		f.BoolVar(&r.vnc, "vnc", false, "serve the console as a VNC server")
		f.BoolVar(&r.local, "local", false, "listen on localhost only")
		f.StringVar(&r.codepage, "codepage", "", "IBM i console code page")
	}
	return cmd
}

// target is the partition a command works on.
type target struct {
	entry *uom.Entry
	uuid  string
	id    int
	name  string
	typ   string // PartitionType
	state string
}

func (t *target) isIBMi() bool { return strings.EqualFold(t.typ, "OS400") }

// resolve finds the partition named by --id or -p (and checks -m).
func (r *run) resolve(cmd *cobra.Command) (*target, error) {
	hasID := cmd.Flags().Changed("id")
	hasName := cmd.Flags().Changed("partition")
	switch {
	case hasID && hasName:
		return nil, usage("The -p and the --id options are mutually exclusive.")
	case !hasID && !hasName:
		return nil, usage("Name the partition with --id ID or -p NAME.")
	case hasID && r.id <= 0:
		return nil, usage("The partition ID %d is not valid: partition IDs start at 1.", r.id)
	case hasName && strings.TrimSpace(r.partName) == "":
		return nil, usage("The partition name given with -p is empty.")
	}
	if r.system != "" {
		sys, err := app.System(r.a)
		if err != nil {
			return nil, err
		}
		name, _ := sys.Content.FindText("SystemName")
		mtms := ""
		if mt, ok := sys.Content.FindText("MachineTypeModelAndSerialNumber/MachineType"); ok {
			model, _ := sys.Content.FindText("MachineTypeModelAndSerialNumber/Model")
			serial, _ := sys.Content.FindText("MachineTypeModelAndSerialNumber/SerialNumber")
			mtms = mt + "-" + model + "*" + serial
		}
		if r.system != name && !strings.EqualFold(r.system, mtms) {
			return nil, &app.Error{ID: "PVME01040124-0062", Code: ExitFailed,
				Msg: fmt.Sprintf("The managed system %s is not found: this server manages %s (%s).", r.system, name, mtms)}
		}
	}
	spec := "id=" + strconv.Itoa(r.id)
	flag := "--id"
	if hasName {
		spec, flag = "name="+r.partName, "-p"
	}
	e, err := app.FindPartition(r.a, flag, spec)
	if err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && ae.Code == app.ExitNotFound {
			if hasID {
				return nil, &app.Error{ID: "PVME01040124-0063", Code: ExitFailed, Msg: fmt.Sprintf("The partition with ID %d is not found.", r.id)}
			}
			return nil, &app.Error{ID: "PVME01040124-0063", Code: ExitFailed, Msg: fmt.Sprintf("The partition %s is not found.", r.partName)}
		}
		return nil, err
	}
	t := &target{entry: e, uuid: e.ID}
	if c := e.Content; c != nil {
		t.name, _ = c.FindText("PartitionName")
		t.typ, _ = c.FindText("PartitionType")
		t.state, _ = c.FindText("PartitionState")
		if v, ok := c.FindText("PartitionID"); ok {
			t.id, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return t, nil
}

// rmHint is how the messages tell to close the console.
func (r *run) rmHint(t *target) string {
	return fmt.Sprintf("Use 'rmvterm --id %d' to close it.", t.id)
}

// inUse turns a refusal for a console in use into NovaLink's answer:
// exit 3; a VNC holder's port on standard output.
func (r *run) inUse(t *target, busy *client.VtermInUse) error {
	if busy.Kind == client.VtermVNC && busy.Port != 0 {
		fmt.Fprintln(r.io.Stdout, busy.Port)
		return &exitError{code: ExitInUse, msg: fmt.Sprintf("\nVNC server is already started on port %d. %s", busy.Port, r.rmHint(t))}
	}
	return &exitError{code: ExitInUse, msg: fmt.Sprintf("The vterm is currently in use by process %d.  %s", busy.PID, r.rmHint(t))}
}

// parseCodepage reads --consolesettings codepage=NNN.
func parseCodepage(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	cp := ""
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "codepage") {
			return "", usage("The console setting %q is not valid: use codepage=NNN (an IBM i code page such as 037).", kv)
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 || strings.Trim(v, "0123456789") != "" {
			return "", usage("The code page %q is not valid: use a number such as 037.", v)
		}
		cp = v
	}
	return cp, nil
}

// rmvterm closes the partition's open console (none open: nothing to do).
func (r *run) rmvterm(cmd *cobra.Command) error {
	t, err := r.resolve(cmd)
	if err != nil {
		return err
	}
	cl, err := r.a.Client()
	if err != nil {
		return err
	}
	_, err = cl.RunJob(r.a.Context(), app.PartitionPath(t.entry), "CloseVterm", nil, nil)
	return err
}
