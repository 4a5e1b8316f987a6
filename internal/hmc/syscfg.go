package hmc

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// hmcState is how the HMC command line spells a partition state.
func hmcState(s string) string {
	switch s {
	case model.StateMigratingRun:
		return "Migrating - Running"
	case model.StateMigratingNotA:
		return "Migrating - Not Activated"
	}
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func lparEnv(t model.PartitionType) string {
	switch t {
	case model.TypeVIOS:
		return "vioserver"
	case model.TypeOS400:
		return "os400"
	}
	return "aixlinux"
}

func keylock(k string) string {
	if k == "manual" {
		return "manual"
	}
	return "norm"
}

// lparPairs is a partition as lssyscfg -r lpar prints it.
func lparPairs(p *model.Partition) []pair {
	osv := p.OSVersion
	if osv == "" {
		osv = "Unknown"
	}
	rmc := p.RMCState
	if p.IsMgmt {
		rmc = "none"
	}
	compat := p.ProcCompatMode
	if compat == "" {
		compat = "default"
	}
	cur := p.CurMode
	if cur == "" {
		cur = "default"
	}
	boot := p.BootMode
	if boot == "" {
		boot = "norm"
	}
	return []pair{
		{"name", p.Name}, {"lpar_id", strconv.Itoa(p.ID)}, {"lpar_env", lparEnv(p.Type)}, {"state", hmcState(p.State)},
		{"resource_config", "1"}, {"os_version", osv}, {"logical_serial_num", p.LogicalSerial},
		{"default_profile", ""}, {"curr_profile", ""}, {"work_group_id", "none"}, {"shared_proc_pool_util_auth", "0"},
		{"allow_perf_collection", b01(p.AllowPerfData)}, {"power_ctrl_lpar_ids", "none"}, {"boot_mode", boot},
		{"lpar_keylock", keylock(p.Keylock)}, {"auto_start", b01(p.AutoStart)}, {"redundant_err_path_reporting", "0"},
		{"rmc_state", rmc}, {"rmc_ipaddr", p.RMCIP}, {"time_ref", "0"}, {"lpar_avail_priority", strconv.Itoa(p.AvailPriority)},
		{"desired_lpar_proc_compat_mode", compat}, {"curr_lpar_proc_compat_mode", cur}, {"sync_curr_profile", "0"},
		{"affinity_group_id", "none"}, {"vtpm_enabled", "0"}, {"powervm_mgmt_capable", b01(p.MgmtCapable)},
	}
}

// sysPairs is the managed system as lssyscfg -r sys prints it.
func sysPairs(sys *model.ManagedSystem, acct model.Accounting) []pair {
	state := hmcState(sys.State)
	master := sys.Master.Who()
	return []pair{
		{"name", sys.Name}, {"type_model", sys.Type + "-" + sys.Model}, {"serial_num", sys.Serial},
		{"ipaddr", sys.ServiceProcessorIP}, {"state", state}, {"detailed_state", "None"},
		{"max_lpars", strconv.Itoa(sys.MaxPartitions)}, {"curr_sys_firmware", sys.FirmwareLevel},
		{"configurable_sys_mem", strconv.Itoa(sys.ConfigurableMemory)}, {"curr_avail_sys_mem", strconv.Itoa(sys.AvailableMemory(acct))},
		{"configurable_sys_proc_units", sys.ConfigurableProcUnits.String()},
		{"curr_avail_sys_proc_units", sys.AvailableUnits(acct).String()},
		{"co_managed", b01(sys.CoManaged)}, {"powervm_mgmt_master", strings.ToLower(master)},
	}
}

// lssyscfg -r lpar|sys -m SYS [--filter "lpar_names=a,b" | "lpar_ids=1,2"] [-F attrs] [--header]
func lssyscfg(c *core.Core, args []string) Result {
	f, r, good := parseFlags("lssyscfg", args, []string{"-r", "-m", "-F", "--filter"}, []string{"--header"})
	if !good {
		return r
	}
	res := f.vals["-r"]
	switch res {
	case "lpar":
		if r, good := checkSystem(c, "lssyscfg", f, true); !good {
			return r
		}
	case "sys":
		if r, good := checkSystem(c, "lssyscfg", f, false); !good {
			return r
		}
	case "":
		return fail("HSCL350C", "lssyscfg: the flag -r (lpar or sys) is required.")
	default:
		return fail("HSCL350F", "lssyscfg: %q is not a supported resource type; use lpar or sys.", res)
	}
	fields := splitFields(f.vals["-F"])
	var rows [][]pair
	var bad Result
	c.Read(func(st *model.State) {
		if res == "sys" {
			rows = append(rows, sysPairs(st.System, st.Accounting()))
			return
		}
		keep, msg := lparFilter(f.vals["--filter"])
		if msg != "" {
			bad = fail("HSCL350F", "lssyscfg: %s", msg)
			return
		}
		for _, p := range st.SortedPartitions(nil) {
			if keep(p) {
				rows = append(rows, lparPairs(p))
			}
		}
	})
	if bad.Code != 0 {
		return bad
	}
	if len(rows) == 0 {
		return ok("No results were found.\n")
	}
	if r, good := checkFields("lssyscfg", fields, rows[0]); !good {
		return r
	}
	var b strings.Builder
	if f.set["--header"] && len(fields) > 0 {
		b.WriteString(joinComma(fields) + "\n")
	}
	for _, row := range rows {
		b.WriteString(formatPairs(row, fields) + "\n")
	}
	return ok(b.String())
}

// lparFilter reads --filter "lpar_names=a,b" or "lpar_ids=1,2".
func lparFilter(s string) (func(*model.Partition) bool, string) {
	if s == "" {
		return func(*model.Partition) bool { return true }, ""
	}
	attrs, err := parseFilter(s)
	if err != "" {
		return nil, err
	}
	names, ids := map[string]bool{}, map[int]bool{}
	for _, a := range attrs {
		switch a.k {
		case "lpar_names":
			for _, n := range strings.Split(a.v, ",") {
				names[n] = true
			}
		case "lpar_ids":
			for _, n := range strings.Split(a.v, ",") {
				id, err := strconv.Atoi(n)
				if err != nil {
					return nil, "the filter lpar_ids=" + a.v + " is not a list of partition IDs."
				}
				ids[id] = true
			}
		default:
			return nil, a.k + " is not a valid filter; use lpar_names or lpar_ids."
		}
	}
	return func(p *model.Partition) bool {
		return (len(names) == 0 || names[p.Name]) && (len(ids) == 0 || ids[p.ID])
	}, ""
}

// parseFilter reads a --filter: like parseAttrs, but a list value may go
// unquoted when it is the last (lpar_names=a,b): items without "=" belong
// to the value before them.
func parseFilter(s string) ([]pair, string) {
	var out []pair
	for _, it := range splitUnquoted(s) {
		k, v, found := strings.Cut(it, "=")
		switch {
		case found && k != "":
			out = append(out, pair{k, v})
		case len(out) > 0:
			out[len(out)-1].v += "," + it
		default:
			return nil, strconv.Quote(it) + " is not filter=value."
		}
	}
	return out, ""
}

// splitUnquoted splits at commas outside double quotes, dropping quotes.
func splitUnquoted(s string) []string {
	var out []string
	var item strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			inQ = !inQ
		case ch == ',' && !inQ:
			out = append(out, item.String())
			item.Reset()
		default:
			item.WriteByte(ch)
		}
	}
	return append(out, item.String())
}

// parseAttrs reads attr=value,attr=value where a value holding commas is
// quoted ("attr=a,b" or attr="a,b").
func parseAttrs(s string) ([]pair, string) {
	var out []pair
	seen := map[string]bool{}
	i := 0
	for i < len(s) {
		var item strings.Builder
		inQ := false
		for ; i < len(s); i++ {
			ch := s[i]
			if ch == '"' {
				inQ = !inQ
				continue
			}
			if ch == ',' && !inQ {
				break
			}
			item.WriteByte(ch)
		}
		if inQ {
			return nil, "a quote is not closed in " + strconv.Quote(s) + "."
		}
		i++ // the comma
		it := item.String()
		if it == "" {
			continue
		}
		k, v, found := strings.Cut(it, "=")
		if !found || k == "" {
			return nil, strconv.Quote(it) + " is not attribute=value."
		}
		if seen[k] {
			return nil, "the attribute " + k + " is given twice."
		}
		seen[k] = true
		out = append(out, pair{k, v})
	}
	return out, ""
}

// chsyscfg -r lpar -m SYS -i "lpar_id=N|name=X,attr=value,..."
//
// Settable: new_name, powervm_mgmt_capable (0|1, AIX/Linux partitions
// only), lpar_avail_priority, allow_perf_collection, auto_start,
// boot_mode, lpar_keylock.
func chsyscfg(c *core.Core, a core.Actor, args []string) Result {
	f, r, good := parseFlags("chsyscfg", args, []string{"-r", "-m", "-i"}, nil)
	if !good {
		return r
	}
	if f.vals["-r"] != "lpar" {
		if f.vals["-r"] == "" {
			return fail("HSCL350C", "chsyscfg: the flag -r lpar is required.")
		}
		return fail("HSCL350F", "chsyscfg: %q is not a supported resource type; use lpar.", f.vals["-r"])
	}
	if r, good := checkSystem(c, "chsyscfg", f, true); !good {
		return r
	}
	if !f.set["-i"] {
		return fail("HSCL350C", "chsyscfg: the flag -i (the attributes to change) is required.")
	}
	attrs, msg := parseAttrs(f.vals["-i"])
	if msg != "" {
		return fail("HSCL350F", "chsyscfg: %s", msg)
	}
	var target *model.Partition
	var changes []pair
	c.Read(func(st *model.State) {
		for _, at := range attrs {
			switch at.k {
			case "lpar_id":
				if id, err := strconv.Atoi(at.v); err == nil {
					target = st.PartitionByID(id)
				}
				if target == nil {
					msg = "the partition with ID " + at.v + " cannot be found."
				}
			case "name":
				if target = st.PartitionByName(at.v); target == nil {
					msg = "the partition " + at.v + " cannot be found."
				}
			default:
				changes = append(changes, at)
			}
		}
	})
	if msg != "" {
		return fail("HSCL8012", "chsyscfg: %s", msg)
	}
	if target == nil {
		return fail("HSCL350C", "chsyscfg: -i must name the partition with lpar_id= or name=.")
	}
	if len(changes) == 0 {
		return fail("HSCL350C", "chsyscfg: -i names no attribute to change.")
	}
	_, err := c.UpdatePartition(a, target.UUID, "", func(p *model.Partition) error {
		for _, ch := range changes {
			if err := setLparAttr(p, ch.k, ch.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return failErr(err)
	}
	return ok("")
}

func setLparAttr(p *model.Partition, k, v string) error {
	bit := func() (bool, error) {
		switch v {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return false, model.ErrBadValue(k, v, "0, 1")
	}
	var err error
	switch k {
	case "new_name":
		p.Name = v
	case "powervm_mgmt_capable":
		p.MgmtCapable, err = bit()
	case "allow_perf_collection":
		p.AllowPerfData, err = bit()
	case "auto_start":
		p.AutoStart, err = bit()
	case "lpar_avail_priority":
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 || n > 255 {
			return model.ErrBadValue(k, v, "0 to 255")
		}
		p.AvailPriority = n
	case "boot_mode":
		if !contains(model.BootModes, v) {
			return model.ErrBadValue(k, v, strings.Join(model.BootModes, ", "))
		}
		p.BootMode = v
	case "lpar_keylock":
		switch v {
		case "norm":
			p.Keylock = "normal"
		case "manual":
			p.Keylock = "manual"
		default:
			return model.ErrBadValue(k, v, "norm, manual")
		}
	default:
		return model.Invalid("The attribute %s cannot be changed with chsyscfg -r lpar; settable: new_name, powervm_mgmt_capable, lpar_avail_priority, allow_perf_collection, auto_start, boot_mode, lpar_keylock.", k)
	}
	return err
}
