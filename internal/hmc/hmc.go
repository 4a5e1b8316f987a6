// Package hmc runs the management-console commands the REST API's CLIRunner
// job accepts (as the HMC's REST API does): viosvrcmd (a VIOS command over
// RMC), and the HMC's side of co-management — chcomgmt, lscomgmt,
// lssyscfg, chsyscfg. Each runs as the caller of the job (NovaLink's users
// or the HMC's account) through the core, so co-management rules apply as
// to any other request. Output follows the HMC command line: attr=value
// pairs joined by commas, values with commas quoted.
package hmc

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kballard/go-shellquote"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// Result is what a command printed and its exit status.
type Result struct {
	Out  string
	Err  string
	Code int
}

func ok(out string) Result { return Result{Out: out} }

// fail prints an HMC-style error (HSCLnnnn text) with exit status 1.
func fail(id, format string, args ...any) Result {
	return Result{Err: id + " " + fmt.Sprintf(format, args...) + "\n", Code: 1}
}

// failErr prints an error of the core: PowerVM messages as they are.
func failErr(err error) Result {
	var me *model.Error
	if errors.As(err, &me) {
		return Result{Err: me.Error() + "\n", Code: 1}
	}
	return Result{Err: err.Error() + "\n", Code: 1}
}

// Commands lists what Run accepts.
var Commands = []string{"chcomgmt", "chsyscfg", "lscomgmt", "lssyscfg", "viosvrcmd"}

// Run runs one command line as actor a.
func Run(c *core.Core, a core.Actor, line string) Result {
	args, err := shellquote.Split(line)
	if err != nil {
		return fail("HSCL350B", "The command line is not valid: %v.", err)
	}
	if len(args) == 0 {
		return fail("HSCL350B", "The command line is empty.")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "viosvrcmd":
		return viosvrcmd(c, a, rest)
	case "chcomgmt":
		return chcomgmt(c, a, rest)
	case "lscomgmt":
		return lscomgmt(c, rest)
	case "lssyscfg":
		return lssyscfg(c, rest)
	case "chsyscfg":
		return chsyscfg(c, a, rest)
	}
	return fail("HSCL8001", "The command %s is not supported; supported commands are: %s.", cmd, strings.Join(Commands, ", "))
}

// flags is a parsed HMC-style command line: -x value options, --long
// options, some of them without a value.
type flags struct {
	vals map[string]string
	set  map[string]bool
}

// parseFlags reads args; valued names take the next argument, bare names
// stand alone; anything else is an error naming the command.
func parseFlags(cmd string, args []string, valued, bare []string) (*flags, Result, bool) {
	f := &flags{vals: map[string]string{}, set: map[string]bool{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case contains(valued, a):
			if i+1 >= len(args) {
				return nil, fail("HSCL350C", "%s: the flag %s needs a value.", cmd, a), false
			}
			if f.set[a] {
				return nil, fail("HSCL350D", "%s: the flag %s is given twice.", cmd, a), false
			}
			f.vals[a], f.set[a] = args[i+1], true
			i++
		case contains(bare, a):
			f.set[a] = true
		default:
			return nil, fail("HSCL350E", "%s: %q is not a valid flag; valid flags are %s.", cmd, a, strings.Join(append(append([]string{}, valued...), bare...), " ")), false
		}
	}
	return f, Result{}, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkSystem checks -m: the managed system's name or MTMS.
func checkSystem(c *core.Core, cmd string, f *flags, required bool) (Result, bool) {
	m, given := f.vals["-m"], f.set["-m"]
	if !given {
		if required {
			return fail("HSCL350C", "%s: the flag -m (managed system) is required.", cmd), false
		}
		return Result{}, true
	}
	sys := c.System()
	if m != sys.Name && m != sys.MTMS() && m != sys.Type+"-"+sys.Model+"*"+sys.Serial {
		return fail("HSCL8012", "The managed system %s cannot be found.", m), false
	}
	return Result{}, true
}

// pair is one attr=value of HMC output.
type pair struct{ k, v string }

// formatPairs joins pairs as the HMC prints them, keeping only the
// attributes of -F when given (then values alone, in -F order, joined by
// commas; with header the names come first).
func formatPairs(ps []pair, fields []string) string {
	quote := func(s string) string {
		if strings.ContainsAny(s, ",\"") {
			return `"` + s + `"`
		}
		return s
	}
	var parts []string
	if len(fields) == 0 {
		for _, p := range ps {
			parts = append(parts, quote(p.k+"="+p.v))
		}
		return strings.Join(parts, ",")
	}
	m := map[string]string{}
	for _, p := range ps {
		m[p.k] = p.v
	}
	for _, f := range fields {
		parts = append(parts, quote(m[f]))
	}
	return strings.Join(parts, ",")
}

// checkFields refuses unknown -F attributes.
func checkFields(cmd string, fields []string, ps []pair) (Result, bool) {
	known := map[string]bool{}
	for _, p := range ps {
		known[p.k] = true
	}
	for _, f := range fields {
		if !known[f] {
			var names []string
			for k := range known {
				names = append(names, k)
			}
			sort.Strings(names)
			return fail("HSCL350F", "%s: %s is not a valid attribute; valid attributes are %s.", cmd, f, strings.Join(names, ",")), false
		}
	}
	return Result{}, true
}

func splitFields(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
