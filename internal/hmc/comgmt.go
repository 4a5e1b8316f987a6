package hmc

import (
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// chcomgmt -m SYS -o setmaster -t norm|keep|temp | -o relmaster
//
// setmaster asks for mastership for the caller's console: norm (and temp)
// take over once the operations in progress end — the command returns at
// once and says so when the takeover waits; keep takes over now.
func chcomgmt(c *core.Core, a core.Actor, args []string) Result {
	f, r, good := parseFlags("chcomgmt", args, []string{"-m", "-o", "-t"}, []string{"--help"})
	if !good {
		return r
	}
	if f.set["--help"] {
		return ok("Usage: chcomgmt -m <managed system> -o setmaster -t {norm | keep | temp}\n       chcomgmt -m <managed system> -o relmaster\n")
	}
	if r, good := checkSystem(c, "chcomgmt", f, true); !good {
		return r
	}
	sys := c.System()
	switch f.vals["-o"] {
	case "setmaster":
		t := f.vals["-t"]
		if t == "" {
			return fail("HSCL350C", "chcomgmt: -o setmaster needs -t norm, keep or temp.")
		}
		if _, _, err := core.ParseMasterMode(t); err != nil {
			return fail("HSCL350F", "chcomgmt: %q is not a valid master type; use norm, keep or temp.", t)
		}
		job, err := c.StartJob(a, core.JobRequest{Group: "ManagedSystem", Operation: "RequestMaster", TargetUUID: sys.UUID,
			Params: []core.Param{{Name: "coManagementMasterStatus", Value: t}}})
		if err != nil {
			return failErr(err)
		}
		v := job.Snapshot()
		switch v.Status {
		case core.JobRunning:
			return ok("The request to become master is pending: it takes effect when the operations in progress on " + sys.Name + " end.\n")
		case core.JobOK:
			return ok("")
		}
		return Result{Err: v.Message + "\n", Code: 1}
	case "relmaster":
		if f.set["-t"] {
			return fail("HSCL350E", "chcomgmt: -t is not valid with -o relmaster.")
		}
		if err := c.ReleaseMaster(a); err != nil {
			return failErr(err)
		}
		return ok("")
	case "":
		return fail("HSCL350C", "chcomgmt: the flag -o (setmaster or relmaster) is required.")
	}
	return fail("HSCL350F", "chcomgmt: %q is not a valid operation; use setmaster or relmaster.", f.vals["-o"])
}

// lscomgmt -m SYS [-F attrs]: the current master (and a pending one).
func lscomgmt(c *core.Core, args []string) Result {
	f, r, good := parseFlags("lscomgmt", args, []string{"-m", "-F"}, []string{"--header"})
	if !good {
		return r
	}
	if r, good := checkSystem(c, "lscomgmt", f, true); !good {
		return r
	}
	ps := comgmtPairs(c.System(), mgmtName(c))
	fields := splitFields(f.vals["-F"])
	if r, good := checkFields("lscomgmt", fields, ps); !good {
		return r
	}
	out := formatPairs(ps, fields) + "\n"
	if f.set["--header"] && len(fields) > 0 {
		out = joinComma(fields) + "\n" + out
	}
	return ok(out)
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

// comgmtPairs describes the master as lscomgmt prints it.
func comgmtPairs(sys *model.ManagedSystem, novalink string) []pair {
	m := sys.Master
	name, mtms := m.Name, m.MTMS
	if m.Is(model.ConsoleNovaLink) {
		if name == "" {
			name = novalink
		}
		if mtms == "" {
			mtms = sys.MTMS()
		}
	}
	mode := m.Mode
	if mode == "" {
		mode = model.MasterNorm
	}
	if m.Is(model.ConsoleNone) {
		name, mtms, mode = "", "", "none"
	}
	ps := []pair{{"curr_master_name", name}, {"curr_master_mtms", mtms}, {"curr_master_type", mode}}
	if p := sys.MasterPending; p != nil {
		ps = append(ps, pair{"pend_master_name", p.Name}, pair{"pend_master_mtms", p.MTMS}, pair{"pend_master_type", p.Mode})
	}
	return ps
}

// mgmtName is the name of the NovaLink (management) partition.
func mgmtName(c *core.Core) string {
	name := ""
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.IsMgmt {
				name = p.Name
			}
		}
	})
	return name
}
