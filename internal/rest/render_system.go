package rest

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// systemCapabilities are the capabilities the simulated server reports
// (schema order), with their values.
var systemCapabilities = []struct {
	name string
	on   bool
}{
	{"ActiveLogicalPartitionMobilityCapable", true},
	{"ActiveLogicalPartitionSharedIdeProcessorsCapable", true},
	{"ActiveMemoryDeduplicationCapable", false},
	{"ActiveMemoryExpansionCapable", false},
	{"ActiveMemoryMirroringCapable", false},
	{"ActiveMemorySharingCapable", false},
	{"ActiveSystemOptimizerCapable", false},
	{"AddressBroadcastPolicyCapable", false},
	{"AIXCapable", true},
	{"AutorecoveryPowerOnCapable", true},
	{"BarrierSynchronizationRegisterCapable", false},
	{"CapacityOnDemandMemoryCapable", true},
	{"CapacityOnDemandProcessorCapable", true},
	{"CustomLogicalPartitionPlacementCapable", false},
	{"ElectronicErrorReportingCapable", true},
	{"ExternalIntrusionDetectionCapable", false},
	{"FirmwarePowerSaverCapable", true},
	{"HardwareDiscoveryCapable", false},
	{"HardwareMemoryCompressionCapable", false},
	{"HardwareMemoryEncryptionCapable", false},
	{"HardwarePowerSaverCapable", true},
	{"HostChannelAdapterCapable", false},
	{"HugePageMemoryCapable", true},
	{"HugePageMemoryOverrideCapable", false},
	{"IBMiCapable", true},
	{"IBMiLogicalPartitionMobilityCapable", true},
	{"IBMiLogicalPartitionSuspendCapable", false},
	{"IBMiNetworkInstallCapable", true},
	{"IBMiRestrictedIOModeCapable", true},
	{"InactiveLogicalPartitionMobilityCapable", true},
	{"IntelligentPlatformManagementInterfaceCapable", false},
	{"LinuxCapable", true},
	{"LogicalHostEthernetAdapterCapable", false},
	{"LogicalPartitionAffinityGroupCapable", true},
	{"LogicalPartitionAvailabilityPriorityCapable", true},
	{"LogicalPartitionEnergyManagementCapable", false},
	{"LogicalPartitionProcessorCompatibilityModeCapable", true},
	{"LogicalPartitionRemoteRestartCapable", false},
	{"LogicalPartitionSuspendCapable", false},
	{"MemoryMirroringCapable", false},
	{"MicroLogicalPartitionCapable", true},
	{"PowerVMLogicalPartitionSimplifiedRemoteRestartCapable", true},
	{"RedundantErrorPathReportingCapable", true},
	{"ServiceProcessorFailoverCapable", false},
	{"SharedEthernetFailoverCapable", true},
	{"SharedProcessorPoolCapable", true},
	{"SRIOVCapable", false},
	{"SwitchNetworkInterfaceMessagePassingCapable", false},
	{"Telnet5250ApplicationCapable", true},
	{"TurboCoreCapable", false},
	{"VirtualEthernetAdapterDynamicLogicalPartitionCapable", true},
	{"VirtualEthernetQualityOfServiceCapable", true},
	{"VirtualFiberChannelCapable", true},
	{"VirtualIOServerCapable", true},
	{"VirtualizationEngineTechnologiesActivationCapable", true},
	{"VirtualServerNetworkingPhase2Capable", true},
	{"VirtualSwitchCapable", true},
	{"VirtualTrustedPlatformModuleCapable", false},
	{"VLANStatisticsCapable", false},
	{"VirtualEthernetCustomMACAddressCapable", true},
	{"VirtualNICDedicatedSRIOVCapable", false},
	{"VirtualNICFailOverCapable", false},
	{"DynamicSimplifiedRemoteRestartToggleCapable", true},
	{"CustomPhysicalPageTableRatioCapable", false},
	{"PartitionSecureBootCapable", false},
	{"IOSlotOwnerAssignmentCapable", false},
	{"DedicatedProcessorPartitionCapable", true},
}

// renderSystem renders the ManagedSystem, in schema order.
func renderSystem(rc *renderCtx, sys *model.ManagedSystem, sio *systemIO) *uom.Element {
	b := newObject(uom.NSUOM, "ManagedSystem", sys.UUID, sys.Created, uom.Schema("ManagedSystem"))
	ipl := b.sub("AssociatedIPLConfiguration")
	ipl.bool("PowerOffWhenLastLogicalPartitionIsShutdown", false)
	if rc.hmcView && sio != nil {
		b.links("AssociatedLogicalPartitions", partitionLinks(rc, "LogicalPartition", sys.UUID, sio.lpars))
	} else {
		b.empty("AssociatedLogicalPartitions")
	}
	b.empty("AssociatedReservedStorageDevicePool")

	caps := b.sub("AssociatedSystemCapabilities")
	var sriovs []sriovView
	if sio != nil {
		sriovs = sio.sriov
	}
	for _, c := range systemCapabilities {
		if sriovCapabilities[c.name] {
			caps.bool(c.name, sriovCapable(sriovs))
			continue
		}
		caps.bool(c.name, c.on)
	}

	io := b.sub("AssociatedSystemIOConfiguration")
	io.int("AvailableWWPNs", 65536)
	io.sub("HostChannelAdapters")
	io.empty("HostEthernetAdapters")
	io.sub("IOAdapters")
	io.sub("IOBuses")
	slots := io.sub("IOSlots")
	if sio != nil {
		for _, s := range sio.slots {
			slotInto(slots.item("IOSlot"), s, sio.owners[s.Owner])
		}
	}
	io.int("MaximumIOPools", 1)
	sriovAdaptersInto(io, sriovs)
	io.sub("AssociatedSystemVirtualNetwork")
	io.leaf("WWPNPrefix", strconv.FormatUint(wwpnPrefix(sys), 10))

	a := rc.acct
	mem := b.sub("AssociatedSystemMemoryConfiguration")
	mem.int("AllowedMemoryRegionSize", sys.MemoryRegionSize)
	mem.int("ConfigurableHugePages", 0)
	mem.int("ConfigurableSystemMemory", sys.ConfigurableMemory)
	mem.int("CurrentAvailableHugePages", 0)
	mem.int("CurrentAvailableSystemMemory", sys.AvailableMemory(a))
	mem.int("CurrentLogicalMemoryBlockSize", sys.MemoryRegionSize)
	mem.int("DeconfiguredSystemMemory", sys.InstalledMemory-sys.ConfigurableMemory)
	mem.int("DefaultHardwarePageTableRatio", 7)
	mem.int("HugePageCount", 0)
	mem.int("HugePageSize", 16384)
	mem.int("InstalledSystemMemory", sys.InstalledMemory)
	mem.int("MaximumHugePages", 0)
	mem.int("MaximumMemoryPoolCount", 1)
	mem.int("MemoryRegionSize", sys.MemoryRegionSize)
	mem.int("MemoryUsedByHypervisor", sys.HypervisorMemory(a))
	mem.int("PendingAvailableHugePages", 0)
	mem.int("PendingAvailableSystemMemory", sys.AvailableMemory(a))
	mem.int("PendingLogicalMemoryBlockSize", sys.MemoryRegionSize)
	mem.int("PendingMemoryRegionSize", sys.MemoryRegionSize)
	mem.int("RequestedHugePages", 0)
	mem.empty("SharedMemoryPool")

	maxProcs := int(sys.ConfigurableProcUnits / model.WholeProc)
	vp := sys.MaxVirtualProcsPerLPAR
	proc := b.sub("AssociatedSystemProcessorConfiguration")
	proc.units("ConfigurableSystemProcessorUnits", sys.ConfigurableProcUnits)
	proc.units("CurrentAvailableSystemProcessorUnits", sys.AvailableUnits(a))
	proc.int("CurrentMaximumProcessorsPerAIXOrLinuxPartition", maxProcs)
	proc.int("CurrentMaximumProcessorsPerIBMiPartition", maxProcs)
	proc.int("CurrentMaximumAllowedProcessorsPerPartition", 256)
	proc.int("CurrentMaximumProcessorsPerVirtualIOServerPartition", maxProcs)
	proc.int("CurrentMaximumVirtualProcessorsPerAIXOrLinuxPartition", vp)
	proc.int("CurrentMaximumVirtualProcessorsPerIBMiPartition", vp)
	proc.int("CurrentMaximumVirtualProcessorsPerVirtualIOServerPartition", vp)
	proc.units("DeconfiguredSystemProcessorUnits", sys.InstalledProcUnits-sys.ConfigurableProcUnits)
	proc.units("InstalledSystemProcessorUnits", sys.InstalledProcUnits)
	proc.int("MaximumAllowedVirtualProcessorsPerPartition", 256)
	proc.units("MinimumProcessorUnitsPerVirtualProcessor", sys.MinUnitsPerVP)
	proc.units("PendingAvailableSystemProcessorUnits", sys.AvailableUnits(a))
	proc.int("SharedProcessorPoolCount", model.MaxProcPools)
	for _, m := range sys.ProcessorCompatModes {
		proc.leaf("SupportedPartitionProcessorCompatibilityModes", m)
	}
	pools := make([]string, model.MaxProcPools)
	for i := range pools {
		pools[i] = rc.base + core.ProcPoolPath(sys.UUID, i)
	}
	proc.links("SharedProcessorPool", pools)

	if rc.hmcView && sio != nil {
		b.links("AssociatedVirtualIOServers", partitionLinks(rc, "VirtualIOServer", sys.UUID, sio.vioses))
	} else {
		b.empty("AssociatedVirtualIOServers")
	}
	b.leaf("DetailedState", "None")
	b.sub("AssociatedSystemVirtualStorage")
	mtms := b.sub("MachineTypeModelAndSerialNumber")
	mtms.leaf("MachineType", sys.Type)
	mtms.leaf("Model", sys.Model)
	mtms.leaf("SerialNumber", sys.Serial)
	b.bool("ManufacturingDefaultConfigurationEnabled", false)
	b.int("MaximumPartitions", sys.MaxPartitions)
	b.int("MaximumPowerControlPartitions", 1)
	b.int("MaximumRemoteRestartPartitions", 0)
	b.int("MaximumSharedProcessorCapablePartitionID", sys.MaxPartitions)
	b.int("MaximumSuspendablePartitions", 0)
	b.leaf("PhysicalSystemAttentionLEDState", "false")
	b.leaf("PrimaryIPAddress", orDefault(sys.ServiceProcessorIP, "169.254.2.147"))
	b.bool("ServiceProcessorFailoverEnabled", false)
	b.leaf("ServiceProcessorFailoverState", "Unknown")
	// The firmware level: no capture shows one, and the schema's only
	// element for the server's firmware is the service processor's
	// version.
	b.leaf("ServiceProcessorVersion", orDefault(sys.FirmwareLevel, "00070000"))
	b.leaf("State", sys.State)
	b.leaf("SystemName", sys.Name)
	b.leaf("SystemTime", strconv.FormatInt(rc.now.UnixMilli(), 10))
	b.leaf("VirtualSystemAttentionLEDState", "false")
	mig := b.sub("SystemMigrationInformation")
	mig.int("MaximumInactiveMigrations", model.MaxInactiveMigrations)
	mig.int("MaximumActiveMigrations", model.MaxActiveMigrations)
	mig.int("NumberOfInactiveMigrationsInProgress", sys.InactiveMigrations)
	mig.int("NumberOfActiveMigrationsInProgress", sys.ActiveMigrations)
	mig.int("MaximumFirmwareActiveMigrations", model.MaxActiveMigrations)
	b.leaf("ReferenceCode", "00000000")
	// Co-management: whether the caller's console (NovaLink or the HMC)
	// is the PowerVM management master, whether NovaLink (the management
	// partition) is, whether an HMC is. With no master, all are false.
	caller := rc.console
	if caller == "" {
		caller = model.ConsoleNovaLink
	}
	b.bool("IsPowerVMManagementMaster", sys.Master.Is(caller))
	// Controller is master's later name (RequestController, pypowervm's
	// session_is_controller).
	b.bool("IsPowerVMManagementController", sys.Master.Is(caller))
	b.bool("IsManagementPartitionPowerVMManagementMaster", sys.Master.Is(model.ConsoleNovaLink))
	b.bool("IsHMCPowerVMManagementMaster", sys.Master.Is(model.ConsoleHMC))
	return b.el
}

// wwpnPrefix is the system's WWPN prefix, derived from its serial.
func wwpnPrefix(sys *model.ManagedSystem) uint64 {
	var h uint64 = 0xC050760000000000
	for _, c := range sys.Serial {
		h = h*31 + uint64(c)
	}
	return 0xC050760000000000 | (h & 0x0000FFFFFF000000)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// systemQuick returns the quick properties of the managed system.
func systemQuick(sys *model.ManagedSystem) map[string]any {
	return map[string]any{
		"SystemName":   sys.Name,
		"State":        sys.State,
		"MachineType":  sys.Type,
		"Model":        sys.Model,
		"SerialNumber": sys.Serial,
	}
}

// partitionLinks are the links an HMC's ManagedSystem has to its
// partitions of a kind.
func partitionLinks(rc *renderCtx, kind, sysUUID string, uuids []string) []string {
	out := make([]string, len(uuids))
	for i, u := range uuids {
		out[i] = rc.base + "/rest/api/uom/ManagedSystem/" + sysUUID + "/" + kind + "/" + u
	}
	return out
}
