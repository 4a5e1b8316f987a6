package rest

import (
	"strconv"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// renderPartition renders a LogicalPartition or VirtualIOServer from the
// model, in schema order; net is what it shows of the partition's adapters,
// I/O slots and SEAs.
func renderPartition(base string, sys *model.ManagedSystem, p *model.Partition, now time.Time, net *partitionNet) *uom.Element {
	typ := partitionType(p)
	b := newObject(uom.NSUOM, typ, p.UUID, p.Created, uom.Schema(typ))
	partitionInto(b, base, sys, p, now, net)
	return b.el
}

// writePartition renders a partition straight to bytes (see xmlOut).
func writePartition(out *xmlOut, g groupSel, base string, sys *model.ManagedSystem, p *model.Partition, now time.Time, net *partitionNet) {
	typ := partitionType(p)
	partitionInto(out.object(uom.NSUOM, typ, p.UUID, p.Created, uom.Schema(typ), g), base, sys, p, now, net)
	out.finish()
}

func partitionType(p *model.Partition) string {
	if p.IsVIOS() {
		return "VirtualIOServer"
	}
	return "LogicalPartition"
}

// partitionInto writes a partition's children into b, in schema order.
func partitionInto(b *builder, base string, sys *model.ManagedSystem, p *model.Partition, now time.Time, net *partitionNet) {
	active := p.Active()

	b.bool("AllowPerformanceDataCollection", p.AllowPerfData)
	b.int("AvailabilityPriority", p.AvailPriority)
	b.int("CurrentAllocatedBarrierSynchronizationRegisterArrays", 0)
	curMode := p.CurMode
	if curMode == "" || curMode == "default" {
		curMode = "POWER8"
	}
	b.leaf("CurrentProcessorCompatibilityMode", curMode)
	b.bool("IsBootable", true)
	b.bool("IsConnectionMonitoringEnabled", true)
	b.bool("IsOperationInProgress", p.State == model.StateStarting || p.State == model.StateShuttingDown)
	b.bool("IsRedundantErrorPathReportingEnabled", false)
	b.bool("IsTimeReferencePartition", false)
	b.bool("IsVirtualServiceAttentionLEDOn", false)
	b.bool("IsVirtualTrustedPlatformModuleEnabled", false)
	b.leaf("KeylockPosition", p.Keylock)
	b.leaf("LogicalSerialNumber", p.LogicalSerial)
	b.leaf("OperatingSystemVersion", p.OSVersion)

	caps := b.sub("PartitionCapabilities")
	caps.bool("DynamicLogicalPartitionIOCapable", p.RMCState == model.RMCActive)
	caps.bool("DynamicLogicalPartitionMemoryCapable", p.RMCState == model.RMCActive)
	caps.bool("DynamicLogicalPartitionProcessorCapable", p.RMCState == model.RMCActive)
	caps.bool("InternalAndExternalIntrusionDetectionCapable", false)
	caps.bool("ResourceMonitoringControlOperatingSystemShutdownCapable", p.RMCState == model.RMCActive)

	b.int("PartitionID", p.ID)

	io := b.sub("PartitionIOConfiguration")
	io.int("MaximumVirtualIOSlots", p.MaxVirtualSlots)
	profileSlotsInto(io, p, net)
	if p.Type == model.TypeOS400 {
		t := io.sub("TaggedIO")
		for _, v := range []struct{ name, v string }{{"AlternateConsole", p.TaggedIO.AltConsole}, {"AlternateLoadSource", p.TaggedIO.AltLoadSource},
			{"Console", p.TaggedIO.Console}, {"LoadSource", p.TaggedIO.LoadSource}, {"OperationsConsole", p.TaggedIO.OpConsole}} {
			if v.v != "" {
				t.leaf(v.name, v.v)
			}
		}
	}
	io.int("CurrentMaximumVirtualIOSlots", p.MaxVirtualSlots)

	mem := b.sub("PartitionMemoryConfiguration")
	mem.bool("ActiveMemoryExpansionEnabled", false)
	mem.bool("ActiveMemorySharingEnabled", false)
	mem.int("BarrierSynchronizationRegisterArrayCount", 0)
	mem.int("DesiredHugePageCount", 0)
	mem.int("DesiredMemory", p.DesMem)
	mem.leaf("ExpansionFactor", "0.0")
	mem.int("HardwarePageTableRatio", p.HPTRatio)
	mem.int("MaximumHugePageCount", 0)
	mem.int("MaximumMemory", p.MaxMem)
	mem.int("MinimumHugePageCount", 0)
	mem.int("MinimumMemory", p.MinMem)
	mem.int("CurrentBarrierSynchronizationRegisterArrays", 0)
	mem.leaf("CurrentExpansionFactor", "0.0")
	mem.int("CurrentHardwarePageTableRatio", p.HPTRatio)
	mem.int("CurrentHugePageCount", 0)
	mem.int("CurrentMaximumHugePageCount", 0)
	curMem, curMin, curMax, runMem := p.DesMem, p.MinMem, p.MaxMem, 0
	if active {
		curMem, runMem = p.CurMem, p.CurMem
	}
	mem.int("CurrentMaximumMemory", curMax)
	mem.int("CurrentMemory", curMem)
	mem.int("CurrentMinimumHugePageCount", 0)
	mem.int("CurrentMinimumMemory", curMin)
	mem.bool("MemoryExpansionHardwareAccessEnabled", false)
	mem.bool("MemoryEncryptionHardwareAccessEnabled", false)
	mem.bool("MemoryExpansionEnabled", false)
	mem.bool("RedundantErrorPathReportingEnabled", false)
	mem.int("RuntimeHugePageCount", 0)
	mem.int("RuntimeMemory", runMem)
	mem.int("RuntimeMinimumMemory", curMin)
	mem.bool("SharedMemoryEnabled", false)

	b.leaf("PartitionName", p.Name)

	pc := b.sub("PartitionProcessorConfiguration")
	if p.Dedicated {
		d := pc.sub("DedicatedProcessorConfiguration")
		d.int("DesiredProcessors", p.DesProcs)
		d.int("MaximumProcessors", p.MaxProcs)
		d.int("MinimumProcessors", p.MinProcs)
	}
	pc.bool("HasDedicatedProcessors", p.Dedicated)
	if !p.Dedicated {
		s := pc.sub("SharedProcessorConfiguration")
		s.units("DesiredProcessingUnits", p.DesUnits)
		s.int("DesiredVirtualProcessors", p.DesVP)
		s.units("MaximumProcessingUnits", p.MaxUnits)
		s.int("MaximumVirtualProcessors", p.MaxVP)
		s.units("MinimumProcessingUnits", p.MinUnits)
		s.int("MinimumVirtualProcessors", p.MinVP)
		s.int("SharedProcessorPoolID", p.PoolID)
		s.int("UncappedWeight", p.Weight)
	}
	pc.leaf("SharingMode", p.SharingMode)
	pc.bool("CurrentHasDedicatedProcessors", p.Dedicated)
	pc.leaf("CurrentSharingMode", p.SharingMode)
	if p.Dedicated {
		d := pc.sub("CurrentDedicatedProcessorConfiguration")
		cur, run := p.DesProcs, 0
		if active {
			cur, run = p.CurProcs, p.CurProcs
		}
		d.int("CurrentMaximumProcessors", p.MaxProcs)
		d.int("CurrentMinimumProcessors", p.MinProcs)
		d.int("CurrentProcessors", cur)
		d.int("RunProcessors", run)
	}
	pc.bool("RuntimeHasDedicatedProcessors", p.Dedicated)
	if !p.Dedicated {
		s := pc.sub("CurrentSharedProcessorConfiguration")
		vp, units, run := p.DesVP, p.DesUnits, model.Units(0)
		if active {
			vp, units, run = p.CurVP, p.CurUnits, p.CurUnits
		}
		s.int("AllocatedVirtualProcessors", vp)
		s.units("CurrentMaximumProcessingUnits", p.MaxUnits)
		s.units("CurrentMinimumProcessingUnits", p.MinUnits)
		s.units("CurrentProcessingUnits", units)
		s.int("CurrentSharedProcessorPoolID", p.PoolID)
		s.int("CurrentUncappedWeight", p.Weight)
		s.int("CurrentMinimumVirtualProcessors", p.MinVP)
		s.int("CurrentMaximumVirtualProcessors", p.MaxVP)
		s.leaf("RuntimeProcessingUnits", s.str(run.AppendFixed2(s.scratch())))
		s.int("RuntimeUncappedWeight", p.Weight)
	}

	b.leaf("PartitionState", p.State)
	b.leaf("PartitionType", string(p.Type))
	b.leaf("PartitionUUID", p.UUID)
	b.leaf("PendingProcessorCompatibilityMode", p.ProcCompatMode)
	b.int("ProgressPartitionDataRemaining", 0)
	b.int("ProgressPartitionDataTotal", 0)
	b.leaf("ProgressState", "Unknown")
	b.leaf("ResourceMonitoringControlState", p.RMCState)
	if p.RMCIP != "" {
		b.leaf("ResourceMonitoringIPAddress", p.RMCIP)
	}
	b.link("AssociatedManagedSystem", b.str(core.AppendSystemPath(append(b.scratch(), base...), sys.UUID)))
	b.links("ClientNetworkAdapters", adapterLinks(b, base, p, net))
	b.sub("HostEthernetAdapterLogicalPorts")
	b.leaf("MACAddressPrefix", b.str(strconv.AppendUint(b.scratch(), macPrefix(sys, p), 10)))
	b.bool("IsServicePartition", p.IsService)
	b.bool("PowerVMManagementCapable", p.MgmtCapable)
	b.leaf("ReferenceCode", p.RefCode)
	b.leaf("ReferenceCodeFull", b.str(appendRefCodeFull(b.scratch(), p, now)))
	b.bool("IsManagementPartition", p.IsMgmt)
	b.bool("AutoStart", p.AutoStart)
	b.leaf("BootMode", model.BootModeLabel(p.BootMode))
	if !p.IsVIOS() {
		b.bool("RemoteRestartCapable", false)
		b.bool("SimplifiedRemoteRestartCapable", p.SRRCapable)
		b.bool("HasDedicatedProcessorsForMigration", p.Dedicated)
		b.bool("SuspendCapable", false)
		if p.VSN != "" {
			b.leaf("VirtualSerialNumber", p.VSN)
		}
	}
	if p.NVRAM != "" {
		// Group NVRAM, sent only when asked for by name (see
		// filterGroups); written as the captured lpar.txt has it.
		b.leafWith("PartitionNVRAM", nvramAttrs, p.NVRAM)
	}
	uptime := int64(0)
	if active && p.ActivatedAt > 0 {
		uptime = (now.UnixMilli() - p.ActivatedAt) / 1000
		if uptime < 0 {
			uptime = 0
		}
	}
	b.leaf("Uptime", b.str(strconv.AppendInt(b.scratch(), uptime, 10)))
	if p.IsVIOS() {
		rc := &renderCtx{base: base, sys: sys, now: now}
		// Group ViosNetwork. In schema order, SharedEthernetAdapters come
		// after PhysicalVolumes and TrunkAdapters after StoragePools.
		viosSEAsInto(b, rc, net)
		viosTrunksInto(b, rc, p, net)
	}
	if !p.IsVIOS() {
		// The storage data of its VIOSes the partition would be rebuilt
		// from on another system (a migration, a remote restart): taken
		// when it is activated, valid while it runs.
		if p.ActivatedAt > 0 {
			b.leafKB("MigrationStorageViosDataStatus", "ROR", "Valid")
			b.leafKB("MigrationStorageViosDataTimestamp", "ROR", b.str(time.UnixMilli(p.ActivatedAt).UTC().AppendFormat(b.scratch(), time.UnixDate)))
		} else {
			b.leafKB("MigrationStorageViosDataStatus", "ROR", "Invalid")
		}
		b.leaf("MigrationState", p.MigrationState())
		b.leaf("RemoteRestartState", p.RemoteRestartState())
		b.leaf("PowerManagementMode", "None")
		var fcs, scsis []string
		if net != nil {
			for _, id := range net.fcClients {
				fcs = append(fcs, b.str(clientAdapterHref(b.scratch(), base, p.UUID, "/VirtualFibreChannelClientAdapter/", id)))
			}
			for _, id := range net.scsiClients {
				scsis = append(scsis, b.str(clientAdapterHref(b.scratch(), base, p.UUID, "/VirtualSCSIClientAdapter/", id)))
			}
		}
		b.links("VirtualFibreChannelClientAdapters", fcs)
		b.links("VirtualSCSIClientAdapters", scsis)
		b.bool("IsRestrictedIOPartition", p.RestrictedIO)
		if p.Type == model.TypeOS400 {
			b.leaf("DesignatedIPLSource", orDefault(p.IPLSource, "Unknown"))
		}
	}
}

// clientAdapterHref appends the href of a client adapter of the LPAR
// lpar (kind: "/Virtual...ClientAdapter/") to dst.
func clientAdapterHref(dst []byte, base, lpar, kind, id string) []byte {
	dst = append(dst, base...)
	dst = append(dst, "/rest/api/uom/LogicalPartition/"...)
	dst = append(dst, lpar...)
	dst = append(dst, kind...)
	return append(dst, id...)
}

// appendRefCodeFull appends the ReferenceCodeFull element's text: the
// code with its time.
func appendRefCodeFull(dst []byte, p *model.Partition, now time.Time) []byte {
	ts := now
	if p.ActivatedAt > 0 {
		ts = time.UnixMilli(p.ActivatedAt)
	} else if p.Created > 0 {
		ts = time.UnixMilli(p.Created)
	}
	code := p.RefCode
	if code == "" {
		code = "00000000"
	}
	dst = append(dst, "time_stamp="...)
	dst = appendRefCodeTime(dst, ts.UTC())
	dst = append(dst, ",refcode="...)
	dst = append(dst, code...)
	return append(dst, ",word2=03D00000"...)
}

// appendRefCodeTime appends t as a reference code's time stamp,
// t.AppendFormat(dst, "01/02/2006 15:04:05") does (without reading the
// layout: a feed writes one for every partition).
func appendRefCodeTime(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, "01/02/2006 15:04:05")
	}
	h, mi, sec := t.Clock()
	two := func(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }
	dst = two(dst, int(mo))
	dst = append(dst, '/')
	dst = two(dst, d)
	dst = append(dst, '/')
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), ' ')
	dst = two(dst, h)
	dst = append(dst, ':')
	dst = two(dst, mi)
	dst = append(dst, ':')
	return two(dst, sec)
}

// quickNull is a quick property the server answers null (JSON null).
type quickNull struct{}

// quickNumber is a quick property that is a JSON number written as given
// (processing units: 0.1, 1.5).
type quickNumber string

// nvramAttrs are PartitionNVRAM's attributes as the captured lpar.txt
// writes them.
var nvramAttrs = []uom.Attr{{Local: "group", Value: "NVRAM"}, {Local: "kb", Value: "CUD"}, {Local: "kxe", Value: "true"}, {Local: "schemaVersion", Value: "V1_1_0"}}

// partitionQuick returns the quick properties of a partition, as a real
// NovaLink answers .../LogicalPartition/{uuid}/quick: numbers as JSON
// numbers, the two flags as the strings "true"/"false", what does not
// apply as null; current values are the desired ones while the partition
// is off (as in the XML).
func partitionQuick(rc *renderCtx, p *model.Partition) map[string]any {
	active := p.Active()
	q := map[string]any{
		"AssociatedManagedSystem":        rc.base + core.SystemPath(rc.sys.UUID),
		"IsVirtualServiceAttentionLEDOn": "false",
		"OperatingSystemVersion":         p.OSVersion,
		"PartitionID":                    p.ID,
		"PartitionName":                  p.Name,
		"PartitionState":                 p.State,
		"PartitionType":                  string(p.Type),
		"PowerManagementMode":            quickNull{},
		"ProgressState":                  quickNull{},
		"ReferenceCode":                  p.RefCode,
		"ResourceMonitoringIPAddress":    quickNull{},
		"RMCState":                       p.RMCState,
		"SharingMode":                    p.SharingMode,
		"HasDedicatedProcessors":         strconv.FormatBool(p.Dedicated),
		"CurrentMemory":                  p.DesMem,
		"CurrentProcessors":              quickNull{},
		"CurrentProcessingUnits":         quickNull{},
		"AllocatedVirtualProcessors":     quickNull{},
	}
	if p.RMCIP != "" {
		q["ResourceMonitoringIPAddress"] = p.RMCIP
	}
	if active {
		q["CurrentMemory"] = p.CurMem
	}
	if p.Dedicated {
		n := p.DesProcs
		if active {
			n = p.CurProcs
		}
		q["CurrentProcessors"] = n
	} else {
		units, vp := p.DesUnits, p.DesVP
		if active {
			units, vp = p.CurUnits, p.CurVP
		}
		q["CurrentProcessingUnits"] = quickNumber(units.String())
		q["AllocatedVirtualProcessors"] = vp
	}
	if p.IsVIOS() {
		q["APICapable"] = "false"
	} else {
		q["MigrationState"] = "Not_Migrating"
		q["RemoteRestartState"] = "Invalid"
	}
	return q
}
