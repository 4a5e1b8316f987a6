package hmc

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// viosvrcmd [-m SYS] {-p NAME | --id N} -c "COMMAND" [-r]
//
// Runs one ioscli command on a VIOS over RMC (the simulated VIOS's
// interpreter, internal/sim/vios) and prints its output; -r runs it
// outside the restricted shell.
func viosvrcmd(c *core.Core, a core.Actor, args []string) Result {
	f, r, good := parseFlags("viosvrcmd", args, []string{"-m", "-p", "--id", "-c"}, []string{"-r"})
	if !good {
		return r
	}
	if r, good := checkSystem(c, "viosvrcmd", f, false); !good {
		return r
	}
	if f.set["-p"] == f.set["--id"] {
		return fail("HSCL350C", "viosvrcmd: give the Virtual I/O Server with either -p NAME or --id N.")
	}
	if !f.set["-c"] || f.vals["-c"] == "" {
		return fail("HSCL350C", "viosvrcmd: the flag -c (the command to run) is required.")
	}
	var v *model.Partition
	c.Read(func(st *model.State) {
		if f.set["-p"] {
			v = st.PartitionByName(f.vals["-p"])
		} else if id, err := strconv.Atoi(f.vals["--id"]); err == nil {
			v = st.PartitionByID(id)
		}
	})
	if v == nil {
		key := f.vals["-p"]
		if key == "" {
			key = "with ID " + f.vals["--id"]
		}
		return fail("HSCL8012", "viosvrcmd: the partition %s cannot be found.", key)
	}
	if !v.IsVIOS() {
		return fail("HSCLA2C1", "viosvrcmd: the partition %s is not a Virtual I/O Server.", v.Name)
	}
	res, err := c.RunIOSCLI(a, v.UUID, f.vals["-c"], f.set["-r"])
	if err != nil {
		return failErr(err)
	}
	return Result{Out: res.Out, Err: res.Err, Code: res.Code}
}
