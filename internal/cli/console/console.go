// Package console holds the commands besides pvmctl that work on the
// managed system through the REST API:
//
//   - viosvrcmd (NovaLink side): a VIOS ioscli command over RMC;
//   - chcomgmt, lscomgmt, lssyscfg, chsyscfg (the HMC's side of
//     co-management, logged on as the HMC's account);
//   - ldfware (NovaLink side) and updlic (HMC side): firmware updates;
//   - bkprofdata and rstprofdata: the backup and restore of the
//     partition configuration (profile.bak).
//
// The command-line ones send their command line to the management
// console's CLIRunner job (as HMC REST clients do) and print what it
// printed, exiting with its return code; the firmware ones run the
// ManagedSystem's UpdateFirmware job with the image they read.
package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kballard/go-shellquote"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// hmcCommands act as the HMC (account PVM_HMC_USER, default hscroot,
// password PVM_HMC_PASSWORD).
var hmcCommands = map[string]bool{"chcomgmt": true, "lscomgmt": true, "lssyscfg": true, "chsyscfg": true, "updlic": true}

// Main runs command name with args and returns its exit status.
func Main(name string, args []string, env app.Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.User == nil {
		env.User = func() (app.User, error) { return app.User{Name: os.Getenv("USER")}, nil }
	}
	if helpOrVersion(name, args, env) {
		return 0
	}
	if hmcCommands[name] {
		if env.Getenv("PVM_HMC_PASSWORD") == "" {
			user := env.Getenv("PVM_HMC_USER")
			if user == "" {
				user = "hscroot"
			}
			e := app.Usage("PVME01040140-0002", "%s is a command of the HMC and logs on as the HMC's account %s: set PVM_HMC_PASSWORD to its password (PVM_HMC_USER names another HMC account).", name, user)
			fmt.Fprintln(env.Stderr, name+": "+e.Error())
			return e.Code
		}
		env.Getenv = hmcEnv(env.Getenv)
	}
	ctx, stop := app.SignalContext(context.Background(), env)
	defer stop()
	a := app.New(ctx, env)
	var code int
	var err error
	switch name {
	case "ldfware":
		code, err = ldfware(a, args)
	case "updlic":
		code, err = updlic(a, args)
	case "bkprofdata":
		code, err = bkprofdata(a, args)
	case "rstprofdata":
		code, err = rstprofdata(a, args)
	default:
		code, err = runLine(a, name, args)
	}
	if err != nil {
		e := app.Classify(err)
		fmt.Fprintln(env.Stderr, name+": "+e.Error())
		return e.Code
	}
	return code
}

// hmcEnv makes the HMC's account the one the client logs on with.
func hmcEnv(get func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "PVM_USER":
			if u := get("PVM_HMC_USER"); u != "" {
				return u
			}
			return "hscroot"
		case "PVM_PASSWORD":
			return get("PVM_HMC_PASSWORD")
		}
		return get(k)
	}
}

// runLine runs "name args..." through CLIRunner and prints its output.
func runLine(a *app.App, name string, args []string) (int, error) {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") && name == "viosvrcmd" {
		fmt.Fprintln(a.Env.Stdout, "Usage: viosvrcmd {--id N | -p NAME} -c \"COMMAND\" [-r]")
		return 0, nil
	}
	cl, err := a.Client()
	if err != nil {
		return 0, err
	}
	mc, err := consolePath(a, cl)
	if err != nil {
		return 0, err
	}
	line := name
	if len(args) > 0 {
		line += " " + shellquote.Join(args...)
	}
	j, err := cl.RunJob(a.Context(), mc, "CLIRunner", []client.Param{
		{Name: "cmd", Value: line},
		{Name: "acknowledgeThisAPIMayGoAwayInTheFuture", Value: "true"},
	}, nil)
	var jf *client.JobFailed
	if errors.As(err, &jf) && jf.Job.Result("returnCode") != "" {
		j, err = jf.Job, nil
	}
	if err != nil {
		return 0, err
	}
	fmt.Fprint(a.Env.Stdout, j.Result("stdOut"))
	fmt.Fprint(a.Env.Stderr, j.Result("stdErr"))
	rc, perr := strconv.Atoi(j.Result("returnCode"))
	if perr != nil {
		return 0, fmt.Errorf("the server returned no exit status for %s", name)
	}
	if rc > 255 || rc < 0 {
		rc = 1
	}
	return rc, nil
}

// consolePath is the path of the management console (the first entry of
// the ManagementConsole feed).
func consolePath(a *app.App, cl *client.Client) (string, error) {
	f, err := cl.GetFeed(a.Context(), client.UOM("ManagementConsole"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		return "", err
	}
	if len(f.Entries) == 0 {
		return "", errors.New("the server has no management console to run commands on")
	}
	return client.UOM("ManagementConsole", f.Entries[0].ID), nil
}

// systemPath is the path of the managed system (the first entry of the
// ManagedSystem feed) and its name.
func systemPath(a *app.App, cl *client.Client) (string, string, error) {
	f, err := cl.GetFeed(a.Context(), client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		return "", "", err
	}
	if len(f.Entries) == 0 || f.Entries[0].Content == nil {
		return "", "", errors.New("the server has no managed system")
	}
	e := f.Entries[0]
	name := ""
	if n := e.Content.Child("SystemName"); n != nil {
		name = strings.TrimSpace(n.Text)
	}
	return client.UOM("ManagedSystem", e.ID), name, nil
}
