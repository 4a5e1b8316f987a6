package lpar

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/uom"
)

// PartitionFields returns the fields of a partition object; own is the
// object's section name (LogicalPartition or VirtualIOServer).
func PartitionFields(own string) *fields.Set {
	f := func(section, name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: section, Name: name, Path: path, Kind: kind, Help: help}
	}
	const (
		mem = "PartitionMemoryConfiguration"
		pc  = "PartitionProcessorConfiguration"
		spc = "SharedProcessorConfiguration"
		dpc = "DedicatedProcessorConfiguration"
	)
	ro := func(fl *fields.Field) *fields.Field { fl.ReadOnly = true; return fl }
	enum := func(fl *fields.Field, vals ...string) *fields.Field { fl.Enum = vals; return fl }
	values := func(fl *fields.Field, vals ...string) *fields.Field { fl.Values = vals; return fl }
	s := fields.NewSet(own,
		f(own, "name", "PartitionName", fields.String, "partition name"),
		f(own, "id", "PartitionID", fields.Int, "partition ID"),
		f(own, "uuid", "PartitionUUID", fields.String, "partition UUID"),
		values(f(own, "state", "PartitionState", fields.String, "running, not activated, starting, shutting down, open firmware ..."),
			"not activated", "starting", "running", "shutting down", "open firmware", "error", "not available",
			"migrating running", "migrating not active", "suspended"),
		values(f(own, "env", "PartitionType", fields.String, "AIX/Linux, OS400 or Virtual IO Server"),
			"AIX/Linux", "OS400", "Virtual IO Server"),
		f(own, "ref_code", "ReferenceCode", fields.String, "last reference code"),
		values(f(own, "rmc_state", "ResourceMonitoringControlState", fields.String, "RMC connection: active, inactive, none"),
			"active", "inactive", "none", "unknown", "busy"),
		f(own, "rmc_ip", "ResourceMonitoringIPAddress", fields.String, "RMC address"),
		f(own, "os_version", "OperatingSystemVersion", fields.String, "operating system"),
		enum(f(own, "keylock", "KeylockPosition", fields.String, "keylock position"), "normal", "manual"),
		f(own, "bootmode", "BootMode", fields.String, "boot mode of the last activation"),
		f(own, "avail_priority", "AvailabilityPriority", fields.Int, "availability priority (0-255)"),
		f(own, "auto_start", "AutoStart", fields.Bool, "starts with the managed system"),
		f(own, "is_mgmt_partition", "IsManagementPartition", fields.Bool, "the NovaLink partition"),
		f(own, "pvm_mgmt_capable", "PowerVMManagementCapable", fields.Bool, "may run PowerVM management (NovaLink)"),
		f(own, "service_partition", "IsServicePartition", fields.Bool, "service partition"),
		f(own, "allow_perf_data", "AllowPerformanceDataCollection", fields.Bool, "may collect performance data"),
		f(own, "proc_compat_mode", "PendingProcessorCompatibilityMode", fields.String, "processor compatibility mode for the next activation"),
		f(own, "curr_proc_compat_mode", "CurrentProcessorCompatibilityMode", fields.String, "processor compatibility mode in effect"),
		f(own, "logical_serial", "LogicalSerialNumber", fields.String, "logical serial number"),
		f(own, "uptime", "Uptime", fields.Int, "seconds since activation"),
		f(own, "operation_in_progress", "IsOperationInProgress", fields.Bool, "a power operation is under way"),
		ro(&fields.Field{Section: own, Name: "procs", Kind: fields.Int, Help: "processors: virtual (shared) or dedicated",
			Get: func(obj *uom.Element) string {
				if v, _ := obj.FindText(pc + "/HasDedicatedProcessors"); v == "true" {
					t, _ := obj.FindText(pc + "/" + dpc + "/DesiredProcessors")
					return t
				}
				t, _ := obj.FindText(pc + "/" + spc + "/DesiredVirtualProcessors")
				return t
			}}),
		ro(&fields.Field{Section: own, Name: "proc_units", Kind: fields.Units, Help: "entitled processing units (dedicated: whole processors)",
			Get: func(obj *uom.Element) string {
				if v, _ := obj.FindText(pc + "/HasDedicatedProcessors"); v == "true" {
					t, _ := obj.FindText(pc + "/" + dpc + "/DesiredProcessors")
					return fields.NormalizeUnits(t)
				}
				t, _ := obj.FindText(pc + "/" + spc + "/DesiredProcessingUnits")
				return fields.NormalizeUnits(t)
			}}),

		f(mem, "desired", mem+"/DesiredMemory", fields.Int, "desired memory, MB"),
		f(mem, "min", mem+"/MinimumMemory", fields.Int, "minimum memory, MB"),
		f(mem, "max", mem+"/MaximumMemory", fields.Int, "maximum memory, MB"),
		f(mem, "current", mem+"/CurrentMemory", fields.Int, "current memory, MB"),
		f(mem, "runtime", mem+"/RuntimeMemory", fields.Int, "memory in use by the running partition, MB"),
		f(mem, "hpt_ratio", mem+"/HardwarePageTableRatio", fields.Int, "hardware page table ratio (2^-n of maximum memory)"),

		f(pc, "has_dedicated", pc+"/HasDedicatedProcessors", fields.Bool, "dedicated (true) or shared (false) processors"),
		enum(f(pc, "sharing_mode", pc+"/SharingMode", fields.String, "capped, uncapped (shared); keep idle procs, sre idle proces ... (dedicated)"),
			"capped", "uncapped", "keep idle procs", "sre idle proces", "sre idle procs always", "sre idle procs active"),
		f(pc, "current_sharing_mode", pc+"/CurrentSharingMode", fields.String, "sharing mode in effect"),

		f(spc, "desired_units", pc+"/"+spc+"/DesiredProcessingUnits", fields.Units, "desired processing units"),
		f(spc, "min_units", pc+"/"+spc+"/MinimumProcessingUnits", fields.Units, "minimum processing units"),
		f(spc, "max_units", pc+"/"+spc+"/MaximumProcessingUnits", fields.Units, "maximum processing units"),
		f(spc, "desired_virtual", pc+"/"+spc+"/DesiredVirtualProcessors", fields.Int, "desired virtual processors"),
		f(spc, "min_virtual", pc+"/"+spc+"/MinimumVirtualProcessors", fields.Int, "minimum virtual processors"),
		f(spc, "max_virtual", pc+"/"+spc+"/MaximumVirtualProcessors", fields.Int, "maximum virtual processors"),
		f(spc, "uncapped_weight", pc+"/"+spc+"/UncappedWeight", fields.Int, "uncapped weight (0-255)"),
		f(spc, "pool_id", pc+"/"+spc+"/SharedProcessorPoolID", fields.Int, "shared processor pool ID"),
		f(spc, "current_units", pc+"/CurrentSharedProcessorConfiguration/CurrentProcessingUnits", fields.Units, "processing units in effect"),
		f(spc, "allocated_virtual", pc+"/CurrentSharedProcessorConfiguration/AllocatedVirtualProcessors", fields.Int, "virtual processors in effect"),

		f(dpc, "desired", pc+"/"+dpc+"/DesiredProcessors", fields.Int, "desired dedicated processors"),
		f(dpc, "min", pc+"/"+dpc+"/MinimumProcessors", fields.Int, "minimum dedicated processors"),
		f(dpc, "max", pc+"/"+dpc+"/MaximumProcessors", fields.Int, "maximum dedicated processors"),
		f(dpc, "current", pc+"/CurrentDedicatedProcessorConfiguration/CurrentProcessors", fields.Int, "dedicated processors in effect"),

		f("PartitionIOConfiguration", "max_virtual_slots", "PartitionIOConfiguration/MaximumVirtualIOSlots", fields.Int, "maximum virtual I/O slots"),

		f("PartitionCapabilities", "dlpar_mem", "PartitionCapabilities/DynamicLogicalPartitionMemoryCapable", fields.Bool, "memory can change while running"),
		f("PartitionCapabilities", "dlpar_proc", "PartitionCapabilities/DynamicLogicalPartitionProcessorCapable", fields.Bool, "processors can change while running"),
		f("PartitionCapabilities", "dlpar_io", "PartitionCapabilities/DynamicLogicalPartitionIOCapable", fields.Bool, "I/O can change while running"),
		f("PartitionCapabilities", "os_shutdown", "PartitionCapabilities/ResourceMonitoringControlOperatingSystemShutdownCapable", fields.Bool, "the OS can be shut down over RMC"),
	)
	if own == "LogicalPartition" {
		s.Add(f(own, "srr_capable", "SimplifiedRemoteRestartCapable", fields.Bool, "simplified remote restart"))
		s.Add(f(own, "migration_state", "MigrationState", fields.String, "live partition mobility state"))
		s.Add(f(own, "vsn", "VirtualSerialNumber", fields.String, "virtual serial number (one of the system's, or auto)"))
		// IBM i.
		s.Add(enum(f(own, "ipl_source", "DesignatedIPLSource", fields.String, "IBM i IPL source"), "a", "b", "c", "d"))
		s.Add(f(own, "restricted_io", "IsRestrictedIOPartition", fields.Bool, "IBM i with virtual I/O only"))
		const tio = "PartitionIOConfiguration/TaggedIO/"
		s.Add(f("TaggedIO", "load_src", tio+"LoadSource", fields.String, "IBM i load source: a virtual slot, or NONE"))
		s.Add(f("TaggedIO", "alt_load_src", tio+"AlternateLoadSource", fields.String, "IBM i alternate load source: a virtual slot, or NONE"))
		s.Add(f("TaggedIO", "console", tio+"Console", fields.String, "IBM i console: HMC or a virtual slot"))
	}
	return s
}

// AdjustLimits widens the minimum and maximum of a powered-off partition
// when an update sets only a desired value outside them, as an
// administrator expects from "--set-fields PartitionMemoryConfiguration.desired=2048"
// (the server itself keeps min <= desired <= max strict). Running
// partitions keep their limits: the server refuses what does not fit.
func AdjustLimits(set *fields.Set) func(obj *uom.Element, changes []app.SetField) []app.SetField {
	limits := map[string][2]string{
		"PartitionMemoryConfiguration.desired":         {"PartitionMemoryConfiguration.min", "PartitionMemoryConfiguration.max"},
		"SharedProcessorConfiguration.desired_units":   {"SharedProcessorConfiguration.min_units", "SharedProcessorConfiguration.max_units"},
		"SharedProcessorConfiguration.desired_virtual": {"SharedProcessorConfiguration.min_virtual", "SharedProcessorConfiguration.max_virtual"},
		"DedicatedProcessorConfiguration.desired":      {"DedicatedProcessorConfiguration.min", "DedicatedProcessorConfiguration.max"},
	}
	return func(obj *uom.Element, changes []app.SetField) []app.SetField {
		if st, _ := obj.FindText("PartitionState"); st != "not activated" {
			return changes
		}
		named := map[string]bool{}
		for _, c := range changes {
			named[c.Field.Qualified()] = true
		}
		out := changes
		for _, c := range changes {
			lim, ok := limits[c.Field.Qualified()]
			if !ok {
				continue
			}
			want, err := strconv.ParseFloat(c.Value, 64)
			if err != nil {
				continue
			}
			for i, name := range lim {
				if named[name] {
					continue
				}
				f, err := set.Lookup(name)
				if err != nil {
					continue
				}
				cur, err := strconv.ParseFloat(f.Value(obj), 64)
				if err != nil {
					continue
				}
				if (i == 0 && want < cur) || (i == 1 && want > cur) {
					out = append(out, app.SetField{Field: f, Value: c.Value})
				}
			}
		}
		return out
	}
}
