// Package lpar is pvmctl's LogicalPartition object (lpar, vm): list,
// create, update, delete and the power verbs, which the vios object shares.
package lpar

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/metrics"
	"github.com/novalink-project/novalink/uom"
)

// Def is the LogicalPartition object.
func Def() app.Def {
	o := &app.Object{
		Name:    "LogicalPartition",
		Aliases: []string{"lpar", "vm"},
		Title:   "Logical Partitions",
		Verbs:   []string{"create", "delete", "list", "metrics", "migrate", "migrate-recover", "migrate-stop", "power-off", "power-on", "restart", "update"},
		Fields:  PartitionFields("LogicalPartition"),
		Schema:  "LogicalPartition",
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "ID", Field: "id"}, {Header: "State", Field: "state"},
			{Header: "Env", Field: "env"}, {Header: "Ref Code", Field: "ref_code"},
			{Header: "Mem", Field: "PartitionMemoryConfiguration.desired"}, {Header: "CPU", Field: "procs"}, {Header: "Ent", Field: "proc_units"},
		},
		IDKeys: map[string]string{"name": "LogicalPartition.name", "id": "LogicalPartition.id", "uuid": "LogicalPartition.uuid"},
		List:   app.ListFeed("LogicalPartition"),
	}
	o.Adjust = AdjustLimits(o.Fields)
	// Single-object verbs reach every partition, VIOS included (as
	// "pvmctl lpar power-off --restart -i name=vios1" does).
	o.Resolve = func(a *app.App) ([]*uom.Entry, error) {
		lpars, err := app.ListFeed("LogicalPartition")(a)
		if err != nil {
			return nil, err
		}
		vioses, err := app.ListFeed("VirtualIOServer")(a)
		if err != nil {
			return nil, err
		}
		return append(lpars, vioses...), nil
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		cmds := []*cobra.Command{
			app.ListCommand(a, o),
			createCommand(a, o),
			app.UpdateCommand(a, o),
			deleteCommand(a, o),
			metrics.PartitionCommand(a, o),
		}
		cmds = append(cmds, PowerCommands(a, o)...)
		cmds = append(cmds, MigrateCommands(a, o)...)
		return cmds
	}}
}

func deleteCommand(a *app.App, o *app.Object) *cobra.Command {
	return app.DeleteCommand(a, o, "Delete a powered-off partition")
}

// sharing modes on the command line and their REST spelling.
var sharingModes = map[string]string{
	"capped": "capped", "uncapped": "uncapped",
	"keep_idle_procs": "keep idle procs", "share_idle_procs": "sre idle proces",
	"share_idle_procs_always": "sre idle procs always", "share_idle_procs_active": "sre idle procs active",
}

func createCommand(a *app.App, o *app.Object) *cobra.Command {
	var name, typ, procType, sharing, procUnit, minProcUnit, maxProcUnit string
	var mem, minMem, maxMem, proc, minProc, maxProc, weight, id, slots int
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a logical partition",
		Example: "  pvmctl lpar create --name vm1 --proc-unit .1 --sharing-mode uncapped --type AIX/Linux \\\n" +
			"    --mem 1024 --proc-type shared --proc 2",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if name == "" {
				return app.Usage("PVME01040123-0030", "The parameter --name is required.")
			}
			if mem <= 0 {
				return app.Usage("PVME01040123-0031", "The parameter --mem is required (desired memory in MB).")
			}
			switch typ {
			case "AIX/Linux", "OS400":
			default:
				return app.Usage("PVME01040123-0032", "The value %q of --type is not valid. Valid values: AIX/Linux, OS400.", typ)
			}
			dedicated := false
			switch procType {
			case "shared":
			case "dedicated":
				dedicated = true
			default:
				return app.Usage("PVME01040123-0033", "The value %q of --proc-type is not valid. Valid values: shared, dedicated.", procType)
			}
			if sharing == "" {
				sharing = "uncapped"
				if dedicated {
					sharing = "share_idle_procs"
				}
			}
			mode, ok := sharingModes[sharing]
			sharedMode := mode == "capped" || mode == "uncapped"
			if !ok || sharedMode == dedicated {
				valid := "capped, uncapped"
				if dedicated {
					valid = "keep_idle_procs, share_idle_procs, share_idle_procs_always, share_idle_procs_active"
				}
				return app.Usage("PVME01040123-0034", "The value %q of --sharing-mode is not valid for %s processors. Valid values: %s.", sharing, procType, valid)
			}
			for _, u := range []struct{ flag, v string }{{"--proc-unit", procUnit}, {"--min-proc-unit", minProcUnit}, {"--max-proc-unit", maxProcUnit}} {
				if u.v != "" && !validUnits(u.v) {
					return app.Usage("PVME01040123-0035", "The value %q of %s is not valid: it must be a number of processing units with at most two decimals.", u.v, u.flag)
				}
			}
			if dedicated && (procUnit != "" || minProcUnit != "" || maxProcUnit != "") {
				return app.Usage("PVME01040123-0036", "Processing units (--proc-unit) apply to shared processors only.")
			}
			obj := newPartition("LogicalPartition")
			schema := uom.Schema("LogicalPartition")
			set := func(path, v string) { fields.SetPath(obj, schema, path, v) }
			if id > 0 {
				set("PartitionID", strconv.Itoa(id))
			}
			if slots > 0 {
				set("PartitionIOConfiguration/MaximumVirtualIOSlots", strconv.Itoa(slots))
			}
			set("PartitionMemoryConfiguration/DesiredMemory", strconv.Itoa(mem))
			set("PartitionMemoryConfiguration/MaximumMemory", strconv.Itoa(orInt(maxMem, mem)))
			set("PartitionMemoryConfiguration/MinimumMemory", strconv.Itoa(orInt(minMem, mem)))
			set("PartitionName", name)
			set("PartitionProcessorConfiguration/HasDedicatedProcessors", strconv.FormatBool(dedicated))
			if dedicated {
				set("PartitionProcessorConfiguration/DedicatedProcessorConfiguration/DesiredProcessors", strconv.Itoa(proc))
				set("PartitionProcessorConfiguration/DedicatedProcessorConfiguration/MaximumProcessors", strconv.Itoa(orInt(maxProc, proc)))
				set("PartitionProcessorConfiguration/DedicatedProcessorConfiguration/MinimumProcessors", strconv.Itoa(orInt(minProc, proc)))
			} else {
				units := procUnit
				if units == "" {
					units = fmt.Sprintf("%.2f", 0.5*float64(proc))
				}
				minV, maxV := orInt(minProc, proc), orInt(maxProc, proc)
				base := "PartitionProcessorConfiguration/SharedProcessorConfiguration/"
				set(base+"DesiredProcessingUnits", units)
				set(base+"DesiredVirtualProcessors", strconv.Itoa(proc))
				set(base+"MaximumProcessingUnits", orStr(maxProcUnit, units))
				set(base+"MaximumVirtualProcessors", strconv.Itoa(maxV))
				set(base+"MinimumProcessingUnits", orStr(minProcUnit, minUnits(minV, units)))
				set(base+"MinimumVirtualProcessors", strconv.Itoa(minV))
				set(base+"SharedProcessorPoolID", "0")
				if mode == "uncapped" {
					set(base+"UncappedWeight", strconv.Itoa(weight))
				}
			}
			set("PartitionProcessorConfiguration/SharingMode", mode)
			set("PartitionType", typ)
			c, err := a.Client()
			if err != nil {
				return err
			}
			sys, err := c.GetFeed(a.Context(), client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}})
			if err != nil {
				return err
			}
			if len(sys.Entries) == 0 {
				return app.NotFound("The REST server manages no system.")
			}
			if err := checkMemoryRegions(sys.Entries[0], mem, minMem, maxMem); err != nil {
				return err
			}
			_, err = c.Create(a.Context(), client.UOM("ManagedSystem", sys.Entries[0].ID, "LogicalPartition"), obj)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "partition name (required)")
	fl.StringVar(&typ, "type", "AIX/Linux", "partition type: AIX/Linux or OS400")
	fl.IntVar(&mem, "mem", 0, "desired memory, MB (required)")
	fl.IntVar(&minMem, "min-mem", 0, "minimum memory, MB (default: --mem)")
	fl.IntVar(&maxMem, "max-mem", 0, "maximum memory, MB (default: --mem)")
	fl.StringVar(&procType, "proc-type", "shared", "processor mode: shared or dedicated")
	fl.IntVar(&proc, "proc", 1, "virtual processors (shared) or dedicated processors")
	fl.IntVar(&minProc, "min-proc", 0, "minimum processors (default: --proc)")
	fl.IntVar(&maxProc, "max-proc", 0, "maximum processors (default: --proc)")
	fl.StringVar(&procUnit, "proc-unit", "", "desired processing units (shared; default 0.5 per processor)")
	fl.StringVar(&minProcUnit, "min-proc-unit", "", "minimum processing units (default 0.05 per minimum processor)")
	fl.StringVar(&maxProcUnit, "max-proc-unit", "", "maximum processing units (default: --proc-unit)")
	fl.StringVar(&sharing, "sharing-mode", "", "capped or uncapped (shared); keep_idle_procs, share_idle_procs, share_idle_procs_always or share_idle_procs_active (dedicated)")
	fl.IntVar(&weight, "uncapped-weight", 128, "uncapped weight, 0-255")
	fl.IntVar(&id, "id", 0, "partition ID (default: the lowest free)")
	fl.IntVar(&slots, "max-virt-slots", 0, "maximum virtual I/O slots")
	return cmd
}

// checkMemoryRegions refuses memory sizes that are not whole memory
// regions of the system, naming the option the user gave (the minimum and
// maximum default to --mem, so a bad --mem is reported as such).
func checkMemoryRegions(sys *uom.Entry, mem, minMem, maxMem int) error {
	if sys.Content == nil {
		return nil
	}
	v, _ := sys.Content.FindText("AssociatedSystemMemoryConfiguration/MemoryRegionSize")
	region, _ := strconv.Atoi(strings.TrimSpace(v))
	if region <= 0 {
		return nil // no region size given: the server checks alone
	}
	for _, m := range []struct {
		flag string
		mb   int
	}{{"--mem", mem}, {"--min-mem", minMem}, {"--max-mem", maxMem}} {
		if m.mb > 0 && m.mb%region != 0 {
			lower := m.mb / region * region
			hint := fmt.Sprintf("%d", lower+region)
			if lower > 0 {
				hint = fmt.Sprintf("%d or %d", lower, lower+region)
			}
			extra := ""
			if m.flag == "--mem" && (minMem == 0 || maxMem == 0) {
				extra = " (the minimum and maximum memory default to --mem)"
			}
			return app.Usage("PVME01040140-0007", "The value %d of %s is not valid: memory is given in whole memory regions of %d MB%s; use a multiple of %d, such as %s.",
				m.mb, m.flag, region, extra, region, hint)
		}
	}
	return nil
}

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orStr(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// minUnits is 0.05 per minimum virtual processor, but not above desired.
func minUnits(minVP int, desired string) string {
	m := fmt.Sprintf("%.2f", 0.05*float64(minVP))
	if d, err := strconv.ParseFloat(desired, 64); err == nil && d < 0.05*float64(minVP) {
		return desired
	}
	return m
}

func validUnits(s string) bool {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return false
	}
	if len(strings.TrimRight(frac, "0")) > 2 {
		return false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// newPartition starts a partition element the way clients send one.
func newPartition(typ string) *uom.Element {
	el := &uom.Element{Space: uom.NSUOM, Prefix: typ, Local: typ,
		NSDecls: []uom.Attr{{Local: typ, Value: uom.NSUOM}, {Local: "", Value: uom.NSUOM}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	el.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")))
	return el
}

// PowerCommands are power-on, power-off and restart for partitions.
func PowerCommands(a *app.App, o *app.Object) []*cobra.Command {
	var onTarget, bootmode, keylock, iplSource string
	var onOpts, offOpts, rsOpts app.JobOptions
	on := &cobra.Command{
		Use:   "power-on",
		Short: "Power on (activate) a partition",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := app.Target(a, o, onTarget, args)
			if err != nil {
				return err
			}
			var params []client.Param
			if bootmode != "" {
				switch bootmode {
				case "norm", "sms", "dd", "ds", "of":
				default:
					return app.Usage("PVME01040123-0037", "The value %q of --bootmode is not valid. Valid values: norm, sms, dd, ds, of.", bootmode)
				}
				params = append(params, client.Param{Name: "bootmode", Value: bootmode})
			}
			if keylock != "" {
				switch keylock {
				case "norm", "manual":
				default:
					return app.Usage("PVME01040123-0037", "The value %q of --keylock is not valid. Valid values: norm, manual.", keylock)
				}
				params = append(params, client.Param{Name: "keylock", Value: keylock})
			}
			if iplSource != "" {
				switch iplSource {
				case "a", "b", "c", "d":
				default:
					return app.Usage("PVME01040123-0037", "The value %q of --ipl-source is not valid. Valid values: a, b, c, d.", iplSource)
				}
				params = append(params, client.Param{Name: "iIPLsource", Value: iplSource})
			}
			name := partName(e)
			return powerJob(a, o, e, "PowerOn", params, onOpts, "Powering on partition "+name, "Partition "+name+" power-on successful.")
		},
	}
	app.TargetFlag(on, &onTarget)
	app.JobFlags(on, &onOpts)
	on.Flags().StringVar(&bootmode, "bootmode", "", "boot mode: norm, sms, dd, ds, of")
	on.Flags().StringVar(&keylock, "keylock", "", "keylock position: norm, manual")
	if o.Name == "LogicalPartition" {
		on.Flags().StringVar(&iplSource, "ipl-source", "", "IBM i IPL source: a, b, c, d")
	}

	var offTarget string
	var hard, restart bool
	off := &cobra.Command{
		Use:   "power-off",
		Short: "Power off (shut down) a partition",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := app.Target(a, o, offTarget, args)
			if err != nil {
				return err
			}
			return powerOff(a, o, e, hard, restart, offOpts)
		},
	}
	app.TargetFlag(off, &offTarget)
	app.JobFlags(off, &offOpts)
	off.Flags().BoolVar(&hard, "hard", false, "immediate shutdown, without the operating system")
	off.Flags().BoolVar(&restart, "restart", false, "start the partition again after the shutdown")

	var rsTarget string
	var rsHard bool
	rs := &cobra.Command{
		Use:   "restart",
		Short: "Restart a partition",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := app.Target(a, o, rsTarget, args)
			if err != nil {
				return err
			}
			return powerOff(a, o, e, rsHard, true, rsOpts)
		},
	}
	app.TargetFlag(rs, &rsTarget)
	app.JobFlags(rs, &rsOpts)
	rs.Flags().BoolVar(&rsHard, "hard", false, "immediate restart, without the operating system")
	return []*cobra.Command{on, off, rs}
}

// powerOff shuts a partition down: through its OS when RMC is active,
// else through the hypervisor (VSP); --hard is immediate.
func powerOff(a *app.App, o *app.Object, e *uom.Entry, hard, restart bool, opts app.JobOptions) error {
	rmc, _ := e.Content.FindText("ResourceMonitoringControlState")
	params := []client.Param{}
	switch {
	case hard:
		params = append(params, client.Param{Name: "operation", Value: "shutdown"}, client.Param{Name: "immediate", Value: "true"})
	case rmc == "active":
		params = append(params, client.Param{Name: "operation", Value: "osshutdown"})
	default:
		params = append(params, client.Param{Name: "operation", Value: "shutdown"})
	}
	name := partName(e)
	if restart {
		params = append(params, client.Param{Name: "restart", Value: "true"})
		return powerJob(a, o, e, "PowerOff", params, opts, "Restarting partition "+name, "Partition "+name+" restart successful.")
	}
	return powerJob(a, o, e, "PowerOff", params, opts, "Powering off partition "+name, "Partition "+name+" power-off successful.")
}

// powerJob runs a power job, showing the partition's state and reference
// code as it goes.
func powerJob(a *app.App, o *app.Object, e *uom.Entry, op string, params []client.Param, opts app.JobOptions, doing, done string) error {
	alias := "lpar"
	if e.Content != nil && e.Content.Local == "VirtualIOServer" {
		alias = "vios"
	}
	name := partName(e)
	j := &app.Job{Object: e, Op: op, Params: params, Doing: doing, Done: done, Options: opts,
		Follow: "pvmctl " + alias + " list -i name=" + name + " -d state ref_code",
		Watch: func(ctx context.Context) string {
			c, err := a.Client()
			if err != nil {
				return ""
			}
			cur, err := c.GetEntry(ctx, app.PartitionPath(e), client.ReadOptions{Groups: []string{"None"}})
			if err != nil || cur.Content == nil {
				return ""
			}
			state, _ := cur.Content.FindText("PartitionState")
			ref, _ := cur.Content.FindText("ReferenceCode")
			if ref == "" {
				return state
			}
			return state + ", reference code " + ref
		}}
	_, err := j.Run(a)
	return err
}

func partName(e *uom.Entry) string {
	n, _ := e.Content.FindText("PartitionName")
	return n
}
