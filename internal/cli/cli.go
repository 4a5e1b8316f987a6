// Package cli is pvmctl: "pvmctl OBJECT VERB [options]" over the REST API.
// Each object lives in its own folder (internal/cli/lpar, vios, sys ...);
// internal/cli/app holds what they share. Verbs an object does not offer
// answer "not supported yet".
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	ioslot "github.com/novalink-project/novalink/internal/cli/io"
	"github.com/novalink-project/novalink/internal/cli/lgrp"
	"github.com/novalink-project/novalink/internal/cli/lpar"
	"github.com/novalink-project/novalink/internal/cli/lu"
	"github.com/novalink-project/novalink/internal/cli/lv"
	"github.com/novalink-project/novalink/internal/cli/nbr"
	"github.com/novalink-project/novalink/internal/cli/pv"
	"github.com/novalink-project/novalink/internal/cli/scsi"
	"github.com/novalink-project/novalink/internal/cli/sea"
	simcli "github.com/novalink-project/novalink/internal/cli/sim"
	sriovcli "github.com/novalink-project/novalink/internal/cli/sriov"
	"github.com/novalink-project/novalink/internal/cli/ssp"
	"github.com/novalink-project/novalink/internal/cli/sys"
	"github.com/novalink-project/novalink/internal/cli/vea"
	"github.com/novalink-project/novalink/internal/cli/vfc"
	"github.com/novalink-project/novalink/internal/cli/vios"
	"github.com/novalink-project/novalink/internal/cli/vmr"
	"github.com/novalink-project/novalink/internal/cli/vnet"
	"github.com/novalink-project/novalink/internal/cli/vom"
	"github.com/novalink-project/novalink/internal/cli/vswitch"
	"github.com/novalink-project/novalink/internal/version"
)

// Defs returns every pvmctl object, in the order cli.md lists them.
func Defs() []app.Def {
	return []app.Def{
		sys.Def(), lpar.Def(), vios.Def(),
		ssp.Def(),
		ioslot.Def(),
		lgrp.Def(),
		lu.Def(),
		lv.Def(),
		nbr.Def(),
		pv.Def(),
		sea.Def(),
		vea.Def(),
		vfc.Def(),
		vmr.Def(),
		vnet.Def(),
		vom.Def(),
		scsi.Def(),
		vswitch.Def(),
		simcli.Def(),
		sriovcli.PortDef(), sriovcli.LPDef(), sriovcli.VNICDef(),
	}
}

// AdminGroup is the group whose members may run pvmctl (besides root)
// in the production layout.
const AdminGroup = "pvm_admin"

// DefaultLog is where every invocation is recorded in the production
// layout.
const DefaultLog = "/var/log/pvm/pvmctl.log"

// ProductionStateDir is pvmd's state directory in the production layout
// (a NovaLink installation): its presence on this host is what puts
// pvmctl in the production layout.
const ProductionStateDir = "/var/lib/pvm"

// The two layouts pvmctl knows (PVM_LAYOUT chooses one; by default it is
// production when ProductionStateDir exists on this host).
const (
	LayoutProduction  = "production"
	LayoutDevelopment = "development"
)

// Layout returns pvmctl's layout: PVM_LAYOUT when set, else production
// when the production state directory exists, else development. In the
// production layout only root and members of pvm_admin may run pvmctl and
// runs are logged in /var/log/pvm; in the development layout anyone may
// (the server decides what their session may do) and runs are logged in
// the user's own state directory.
func Layout(env app.Env) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(env.Getenv("PVM_LAYOUT"))); v {
	case LayoutProduction, LayoutDevelopment:
		return v, nil
	case "":
	default:
		return "", app.Usage("PVME01040140-0003", "PVM_LAYOUT=%s is not valid: use production or development.", env.Getenv("PVM_LAYOUT"))
	}
	if fi, err := os.Stat(ProductionStateDir); err == nil && fi.IsDir() {
		return LayoutProduction, nil
	}
	return LayoutDevelopment, nil
}

// Main runs pvmctl with args (without the program name) and returns the
// exit status.
func Main(args []string, env app.Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.User == nil {
		env.User = CurrentUser
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	code, msg := run(args, env)
	if len(args) == 0 || !strings.HasPrefix(args[0], "__complete") { // not each <Tab> of a shell
		logInvocation(env, args, code, msg)
	}
	return code
}

func run(args []string, env app.Env) (int, string) {
	fail := func(err error) (int, string) {
		e := app.Classify(err)
		fmt.Fprintln(env.Stderr, e.Error())
		return e.Code, e.Error()
	}
	layout, err := Layout(env)
	if err != nil {
		return fail(err)
	}
	if layout == LayoutProduction {
		if err := checkAllowed(env); err != nil {
			return fail(err)
		}
	}
	ctx, stop := app.SignalContext(context.Background(), env)
	defer stop()
	a := app.New(ctx, env)
	root := newRoot(a, objectDefs(args))
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	if err := root.Execute(); err != nil {
		return fail(translate(err))
	}
	return app.ExitOK, ""
}

// Root returns pvmctl's command tree for env, as Main runs it: help,
// completion scripts, man pages and tests walk it.
func Root(env app.Env) *cobra.Command {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.User == nil {
		env.User = CurrentUser
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	return newRoot(app.New(context.Background(), env), Defs())
}

// objectDefs returns the definitions a command line needs: that of the
// object its first argument names (by name or alias, in any case), all
// when it names none (help, completion, a flag, an unknown object). The
// other objects' commands are most of the tree's cost (some 5,000
// allocations in all).
func objectDefs(args []string) []app.Def {
	defs := Defs()
	if len(args) == 0 {
		return defs
	}
	for _, d := range defs {
		if strings.EqualFold(args[0], d.Object.Name) || slices.ContainsFunc(d.Object.Aliases, func(al string) bool { return strings.EqualFold(args[0], al) }) {
			return []app.Def{d}
		}
	}
	return defs
}

// newRoot builds the command tree of the objects defs defines.
func newRoot(a *app.App, defs []app.Def) *cobra.Command {
	cobra.EnableCaseInsensitive = true
	root := &cobra.Command{
		Use:           "pvmctl OBJECT VERB [options]",
		Short:         "Manage a PowerVM server through NovaLink",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return app.Usage("PVME01040123-0001", "The object %s is not valid. Objects: %s.", args[0], objectList())
		},
	}
	root.Version = version.String("pvmctl")
	root.SetVersionTemplate("{{.Version}}\n")
	// "pvmctl completion bash|zsh|fish|powershell" prints a completion
	// script (cobra's, completing objects, verbs and flags).
	root.CompletionOptions.HiddenDefaultCmd = false
	for _, d := range defs {
		d := d
		o := d.Object
		names := append([]string{strings.ToLower(o.Name)}, o.Aliases...)
		oc := &cobra.Command{
			Use:     names[1] + " VERB",
			Aliases: append([]string{o.Name}, names[2:]...),
			Short:   o.Names() + ": " + strings.Join(o.Verbs, ", "),
			Args:    cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return app.Usage("PVME01040123-0002", "A verb is needed for %s. Verbs: %s.", o.Name, strings.Join(o.Verbs, ", "))
				}
				return app.Usage("PVME01040123-0003", "The verb %s is not valid for %s. Verbs: %s.", args[0], o.Name, strings.Join(o.Verbs, ", "))
			},
		}
		if len(names) > 1 {
			oc.Aliases = append(oc.Aliases, names[0])
		}
		oc.AddCommand(d.Verbs(a, o)...)
		oc.Short = objectShort(o, oc)
		root.AddCommand(oc)
	}
	var setFlagErr func(*cobra.Command)
	setFlagErr = func(c *cobra.Command) {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
		for _, sc := range c.Commands() {
			setFlagErr(sc)
		}
	}
	setFlagErr(root)
	return root
}

// objectShort is an object's line in "pvmctl --help": its names, its
// verbs, and those not supported yet.
func objectShort(o *app.Object, oc *cobra.Command) string {
	var verbs, missing []string
	for _, c := range oc.Commands() {
		if c.Annotations[app.NotSupportedAnnotation] != "" {
			missing = append(missing, c.Name())
		} else {
			verbs = append(verbs, c.Name())
		}
	}
	s := o.Names() + ": " + strings.Join(verbs, ", ")
	if len(missing) > 0 {
		s += " (not supported yet: " + strings.Join(missing, ", ") + ")"
	}
	return s
}

func objectList() string {
	var names []string
	for _, d := range Defs() {
		names = append(names, d.Object.Names())
	}
	return strings.Join(names, ", ")
}

var (
	unknownFlagRE  = regexp.MustCompile(`^unknown flag: (\S+)`)
	unknownShortRE = regexp.MustCompile(`^unknown shorthand flag: '(.)'`)
	needsArgRE     = regexp.MustCompile(`^flag needs an argument: (?:'(.)' in )?(\S+)`)
	invalidArgRE   = regexp.MustCompile(`^invalid argument "(.*)" for "(\S+?)" flag: (.*)`)
)

// flagError turns pflag's messages into pvmctl's.
func flagError(err error) error {
	msg := err.Error()
	if m := unknownFlagRE.FindStringSubmatch(msg); m != nil {
		return app.Usage("PVME01040123-0009", "Parameter %s is not valid.", m[1])
	}
	if m := unknownShortRE.FindStringSubmatch(msg); m != nil {
		return app.Usage("PVME01040123-0009", "Parameter -%s is not valid.", m[1])
	}
	if m := needsArgRE.FindStringSubmatch(msg); m != nil {
		name := m[2]
		if m[1] != "" {
			name = "-" + m[1]
		}
		return app.Usage("PVME01040123-0038", "Parameter %s needs a value.", name)
	}
	if m := invalidArgRE.FindStringSubmatch(msg); m != nil {
		flag := m[2]
		if i := strings.Index(flag, ", "); i >= 0 {
			flag = flag[i+2:]
		}
		what := "a value of the right type"
		switch {
		case strings.Contains(m[3], "ParseInt"):
			what = "an integer"
		case strings.Contains(m[3], "ParseBool"):
			what = "true or false"
		}
		return app.Usage("PVME01040123-0039", "The value %q of %s is not valid: it must be %s.", m[1], flag, what)
	}
	return app.Usage("PVME01040123-0040", "%s", msg)
}

// translate maps cobra's own errors (unknown command) to pvmctl's.
func translate(err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command ") {
		var name string
		_, _ = fmt.Sscanf(strings.TrimPrefix(msg, "unknown command "), "%q", &name) // cobra quotes the name
		return app.Usage("PVME01040123-0001", "The object %s is not valid. Objects: %s.", name, objectList())
	}
	return err
}

// checkAllowed lets root and members of the admin group (PVMCTL_ADMIN_GROUP
// names another group, for tests and development) run pvmctl.
func checkAllowed(env app.Env) error {
	u, err := env.User()
	if err != nil {
		return &app.Error{ID: "PVME01040129-0041", Code: app.ExitPermission, Msg: "Cannot tell which user is running pvmctl: " + err.Error()}
	}
	if u.UID == 0 {
		return nil
	}
	group := env.Getenv("PVMCTL_ADMIN_GROUP")
	if group == "" {
		group = AdminGroup
	}
	for _, g := range u.Groups {
		if g == group {
			return nil
		}
	}
	return &app.Error{ID: "PVME01040129-0042", Code: app.ExitPermission,
		Msg: fmt.Sprintf("User %s may not run pvmctl: only root and members of group %s may. (This is the production layout, as %s exists; PVM_LAYOUT=development runs pvmctl against a pvmd of your own.)",
			u.Name, group, ProductionStateDir)}
}

// CurrentUser reads the local user running the process.
func CurrentUser() (app.User, error) {
	u, err := user.Current()
	if err != nil {
		return app.User{}, err
	}
	out := app.User{Name: u.Username}
	if _, err := fmt.Sscanf(u.Uid, "%d", &out.UID); err != nil {
		return app.User{}, fmt.Errorf("user %s has a uid that is not a number: %q", u.Username, u.Uid)
	}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := user.LookupGroupId(id); err == nil {
				out.Groups = append(out.Groups, g.Name)
			}
		}
	}
	sort.Strings(out.Groups)
	return out, nil
}

// LogPath is where pvmctl records its runs: PVMCTL_LOG ("off": nowhere),
// else /var/log/pvm/pvmctl.log in the production layout, else
// $XDG_STATE_HOME/pvm/pvmctl.log (default ~/.local/state/pvm/pvmctl.log).
// "" means nowhere.
func LogPath(env app.Env) string {
	path := env.Getenv("PVMCTL_LOG")
	if strings.EqualFold(path, "off") {
		return ""
	}
	if path != "" {
		return path
	}
	if layout, err := Layout(env); err == nil && layout == LayoutProduction {
		return DefaultLog
	}
	if d := env.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "pvm", "pvmctl.log")
	}
	if h := env.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "pvm", "pvmctl.log")
	}
	return ""
}

// logInvocation appends one line per run to the log (LogPath): time,
// user, command line, result.
func logInvocation(env app.Env, args []string, code int, msg string) {
	path := LogPath(env)
	if path == "" {
		return
	}
	name := "?"
	if u, err := env.User(); err == nil {
		name = u.Name
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		quoted[i] = a
	}
	result := "ok"
	if code != 0 {
		result = fmt.Sprintf("exit=%d %s", code, msg)
	}
	line := fmt.Sprintf("%s user=%s cmd=%q result=%q\n", env.Now().UTC().Format(time.RFC3339), name,
		"pvmctl "+strings.Join(quoted, " "), result)
	if err := appendLine(path, line); err != nil {
		fmt.Fprintf(env.Stderr, "pvmctl: warning: cannot write the log %s: %v\n", path, err)
	}
}

func appendLine(path, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// ErrUsage reports whether err is a usage error (for tests).
func ErrUsage(err error) bool {
	var e *app.Error
	return errors.As(err, &e) && e.Code == app.ExitUsage
}
