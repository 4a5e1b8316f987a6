// Package sys is pvmctl's ManagedSystem object (sys): list, update and
// set-master.
package sys

import (
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/metrics"
	"github.com/novalink-project/novalink/uom"
)

// Def is the ManagedSystem object.
func Def() app.Def {
	// cur is the invocation the verbs run in: the master field asks the
	// server for the HMC's name through it (see masterOf).
	var cur *app.App
	f := func(section, name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: section, Name: name, Path: path, Kind: kind, Help: help}
	}
	values := func(fl *fields.Field, vals ...string) *fields.Field { fl.Values = vals; return fl }
	const (
		ms  = "ManagedSystem"
		mem = "AssociatedSystemMemoryConfiguration"
		pc  = "AssociatedSystemProcessorConfiguration"
	)
	set := fields.NewSet(ms,
		f(ms, "name", "SystemName", fields.String, "system name"),
		f(ms, "uuid", "Metadata/Atom/AtomID", fields.String, "system UUID"),
		&fields.Field{Section: ms, Name: "mtms", Kind: fields.String, Help: "machine type-model*serial", ReadOnly: true,
			Get: func(obj *uom.Element) string {
				t, _ := obj.FindText("MachineTypeModelAndSerialNumber/MachineType")
				m, _ := obj.FindText("MachineTypeModelAndSerialNumber/Model")
				s, _ := obj.FindText("MachineTypeModelAndSerialNumber/SerialNumber")
				return t + "-" + m + "*" + s
			}},
		f(ms, "machine_type", "MachineTypeModelAndSerialNumber/MachineType", fields.String, "machine type"),
		f(ms, "model", "MachineTypeModelAndSerialNumber/Model", fields.String, "model"),
		f(ms, "serial", "MachineTypeModelAndSerialNumber/SerialNumber", fields.String, "serial number"),
		values(f(ms, "state", "State", fields.String, "operating, power off ..."),
			"operating", "power off in progress", "initializing", "power off", "standby", "error", "failed authentication",
			"pending authentication", "no connection", "incomplete", "recovery", "version mismatch", "error - terminated"),
		f(ms, "max_partitions", "MaximumPartitions", fields.Int, "most partitions the system can hold"),
		f(ms, "ip", "PrimaryIPAddress", fields.String, "service processor address"),
		&fields.Field{Section: ms, Name: "master", Kind: fields.String, ReadOnly: true,
			Help: "the PowerVM management master (co-management): NovaLink, HMC <name> or none",
			Get:  func(obj *uom.Element) string { return masterOf(cur, obj) }},
		f(ms, "is_master", "IsPowerVMManagementMaster", fields.Bool, "this session's console (NovaLink) is the co-management master"),
		f(ms, "novalink_master", "IsManagementPartitionPowerVMManagementMaster", fields.Bool, "NovaLink is the co-management master"),
		f(ms, "hmc_master", "IsHMCPowerVMManagementMaster", fields.Bool, "an HMC is the co-management master"),
		f(ms, "firmware", "ServiceProcessorVersion", fields.String, "the system firmware level"),
		f(mem, "installed", mem+"/InstalledSystemMemory", fields.Int, "installed memory, MB"),
		f(mem, "configurable", mem+"/ConfigurableSystemMemory", fields.Int, "configurable memory, MB"),
		f(mem, "available", mem+"/CurrentAvailableSystemMemory", fields.Int, "memory not assigned to active partitions, MB"),
		f(mem, "hypervisor", mem+"/MemoryUsedByHypervisor", fields.Int, "memory used by the hypervisor, MB"),
		f(mem, "region_size", mem+"/MemoryRegionSize", fields.Int, "memory region (logical memory block) size, MB"),
		f(pc, "installed_units", pc+"/InstalledSystemProcessorUnits", fields.Units, "installed processor units"),
		f(pc, "configurable_units", pc+"/ConfigurableSystemProcessorUnits", fields.Units, "configurable processor units"),
		f(pc, "available_units", pc+"/CurrentAvailableSystemProcessorUnits", fields.Units, "processor units not assigned to active partitions"),
		f(pc, "min_units_per_vp", pc+"/MinimumProcessorUnitsPerVirtualProcessor", fields.Units, "least processing units per virtual processor"),
	)
	o := &app.Object{
		Name:    "ManagedSystem",
		Aliases: []string{"sys"},
		Title:   "Managed Systems",
		Verbs:   []string{"list", "list-backups", "metrics", "set-master", "update"},
		Fields:  set,
		Schema:  "ManagedSystem",
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "MTMS", Field: "mtms"}, {Header: "State", Field: "state"},
			{Header: "Mem", Field: mem + ".configurable"}, {Header: "Avail Mem", Field: mem + ".available"},
			{Header: "Procs", Field: pc + ".configurable_units"}, {Header: "Avail Procs", Field: pc + ".available_units"},
		},
		IDKeys: map[string]string{"name": "ManagedSystem.name", "uuid": "ManagedSystem.uuid", "mtms": "ManagedSystem.mtms"},
		List:   app.ListFeed("ManagedSystem"),
		Single: true,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		cur = a
		return []*cobra.Command{app.ListCommand(a, o), app.UpdateCommand(a, o), setMasterCommand(a), listBackupsCommand(a), metrics.SystemCommand(a)}
	}}
}
