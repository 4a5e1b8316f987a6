package rest

import (
	"fmt"
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/uom"
)

// SR-IOV as the REST API shows it: the managed system's SRIOVAdapters
// (sys_with_sriov.txt), SRIOVEthernetLogicalPort entries under their
// owner (sriov_lp_feed.txt) and a client's VirtualNICDedicated entries
// (vnic_feed.txt).

// sriovView is an adapter with its ports' use.
type sriovView struct {
	a     *model.SRIOVAdapter
	usage []sriov.Usage // by port index
}

func sriovViewsOf(st *model.State) []sriovView {
	tx := readTx(st)
	var out []sriovView
	for _, a := range sriov.Adapters(tx) {
		v := sriovView{a: a}
		for _, p := range a.Ports {
			v.usage = append(v.usage, sriov.PortUsage(tx, a.ID, p.ID))
		}
		out = append(out, v)
	}
	return out
}

// sriovAdaptersInto writes the system's SRIOVAdapters.
func sriovAdaptersInto(io *builder, views []sriovView) {
	sa := io.sub("SRIOVAdapters")
	for _, v := range views {
		a := v.a
		ch := sa.bare("IOAdapterChoice")
		b := ch.item("SRIOVAdapter")
		b.int("AdapterID", a.AdapterID)
		b.leaf("Description", a.Description)
		b.leaf("PhysicalLocation", a.Location)
		b.int("SRIOVAdapterID", a.ID)
		b.leaf("AdapterState", a.State)
		b.leaf("AdapterMode", a.Mode)
		b.leaf("Personality", "MIN_CAPACITY")
		b.sub("ConvergedEthernetPhysicalPorts")
		eps := b.sub("EthernetPhysicalPorts")
		for i, p := range a.Ports {
			sriovPortInto(eps.item("SRIOVEthernetPhysicalPort"), p, v.usage[i])
		}
		b.int("MaximumHugeDMALogicalPorts", 4)
		b.int("MaximumLogicalPortsSupported", a.MaxLogicalPorts)
		b.sub("UnconfiguredLogicalPorts")
	}
}

func sriovPortInto(b *builder, p model.SRIOVPort, u sriov.Usage) {
	b.leaf("ConfiguredConnectionSpeed", "Auto")
	b.bool("ConfiguredFlowControl", false)
	b.leaf("ConfiguredMTU", p.MTU)
	b.leaf("ConfiguredOptions", "autoDuplex")
	b.leaf("ConfiguredOptions", p.Switch)
	b.leaf("ConfiguredPortSwitchMode", p.Switch)
	if p.LinkUp {
		b.leaf("CurrentConnectionSpeed", p.Speed)
		b.leaf("CurrentOptions", "fullDuplex")
		b.leaf("CurrentOptions", "linkUp")
	} else {
		b.leaf("CurrentConnectionSpeed", "Unknown")
	}
	b.leaf("CurrentOptions", p.Switch)
	b.leaf("Label", p.Label)
	b.leaf("LocationCode", p.Location)
	b.int("MaximumDiagnosticsLogicalPorts", 1)
	b.int("MaximumPromiscuousLogicalPorts", 1)
	b.int("PhysicalPortID", p.ID)
	for _, c := range []string{"Clear Logical Port Stat", "Clear Physical Port Stat", "IEEE8021Q_Priority", "Mac Vlan ACL Restriction", "Pvid"} {
		b.leaf("PortCapabilities", c)
	}
	b.leaf("PortType", "Ethernet")
	b.int("PortLogicalPortLimit", p.MaxLogicalPorts)
	b.leaf("SubLabel", p.SubLabel)
	b.leaf("SupportedConnectionSpeeds", "Auto")
	b.leaf("SupportedConnectionSpeeds", p.Speed)
	b.leaf("SupportedMTUs", "E_1500")
	b.leaf("SupportedMTUs", "E_9000")
	for _, o := range []string{"autoDuplex", "fullDuplex", "promiscousMode", "Veb", "Vepa"} {
		b.leaf("SupportedOptions", o)
	}
	b.int("SupportedPriorityAccessControlList", 0)
	b.bool("LinkStatus", p.LinkUp)
	b.leaf("AllocatedCapacity", u.Capacity.String())
	b.int("ConfiguredMaxEthernetLogicalPorts", p.MaxLogicalPorts)
	b.int("ConfiguredEthernetLogicalPorts", u.LogicalPorts)
	b.int("MaximumPortVLANID", 4094)
	b.int("MaximumVLANID", 4094)
	b.leaf("MinimumEthernetCapacityGranularity", p.MinCapacity.String())
	b.int("MinimumPortVLANID", 1)
	b.int("MinimumVLANID", 1)
	b.int("MaxSupportedEthernetLogicalPorts", p.MaxLogicalPorts)
}

// lpView is a logical port with what its entry shows besides itself.
type lpView struct {
	lp      *model.SRIOVLogicalPort
	port    *model.SRIOVPort
	working bool
}

func lpObject(st *model.State, lp *model.SRIOVLogicalPort) object {
	tx := readTx(st)
	v := lpView{lp: lp}
	if a := sriov.AdapterByID(tx, lp.Adapter); a != nil {
		v.port = a.Port(lp.Port)
		v.working = a.State == model.SRIOVRunning
	}
	if p := st.Partition(lp.Partition); p != nil {
		v.working = v.working && p.State == model.StateRunning
	}
	o := object{uuid: lp.UUID, rev: lp.Rev, created: lp.Created, val: v}
	o.extra = "|f" + strconv.FormatBool(v.working)
	return o
}

func renderLogicalPort(rc *renderCtx, v lpView) *uom.Element {
	lp := v.lp
	b := newObject(uom.NSUOM, "SRIOVEthernetLogicalPort", lp.UUID, lp.Created, uom.Schema("SRIOVEthernetLogicalPort"))
	b.int("ConfigurationID", 0)
	b.int("LogicalPortID", lp.ID)
	b.int("AdapterID", lp.Adapter)
	drc := fmt.Sprintf("PHB %d", 4096+lp.ID&0xFFF)
	b.leaf("DynamicReconfigurationConnectorName", drc)
	b.bool("IsFunctional", v.working)
	b.bool("IsPromiscous", lp.Promisc)
	b.bool("IsDiagnostic", false)
	b.bool("IsHugeDMA", false)
	b.leaf("DeviceName", "unavailable")
	b.leaf("ConfiguredCapacity", lp.Capacity.String())
	b.leaf("ConfiguredMaxCapacity", lp.MaxCap.String())
	b.int("PhysicalPortID", lp.Port)
	b.int("PortVLANID", lp.PVID)
	loc := ""
	if v.port != nil {
		loc = fmt.Sprintf("%s-S%d", v.port.Location, lp.ID&0xFFF)
	}
	b.leaf("LocationCode", loc)
	b.int("TuningBufferID", 0)
	usage := "NOT_VNIC"
	if lp.VNIC != "" {
		usage = "DEDICATED_VNIC"
	}
	b.leaf("VNICPortUsage", usage)
	b.leaf("AllowedMACAddresses", "ALL")
	b.leaf("MACAddress", lp.MAC)
	cur := "000000000000"
	if v.working {
		cur = lp.MAC
	}
	b.leaf("CurrentMACAddress", cur)
	b.int("IEEE8021QAllowablePriorities", 0)
	b.int("IEEE8021QPriority", 0)
	b.int("NumberOfAllowedVLANs", 0)
	b.leaf("AllowedVLANs", "ALL")
	return b.el
}

// vnicView is a vNIC with what its entry shows besides itself.
type vnicView struct {
	v      *model.VirtualNIC
	client *model.Partition
	active int
	works  []bool
	vioses map[string]*model.Partition
}

func vnicObject(st *model.State, v *model.VirtualNIC) object {
	tx := readTx(st)
	view := vnicView{v: v, client: st.Partition(v.Partition), active: sriov.Active(tx, v), vioses: map[string]*model.Partition{}}
	state := strconv.Itoa(view.active)
	for _, b := range v.Backing {
		w := sriov.BackingWorks(tx, b)
		view.works = append(view.works, w)
		state += strconv.FormatBool(w)
		if p := st.Partition(b.VIOS); p != nil {
			view.vioses[b.VIOS] = p
		}
	}
	o := object{uuid: v.UUID, rev: v.Rev, created: v.Created, val: view}
	o.extra = "|a" + state
	return o
}

func renderVNIC(rc *renderCtx, view vnicView) *uom.Element {
	v := view.v
	b := newObject(uom.NSUOM, "VirtualNICDedicated", v.UUID, v.Created, uom.Schema("VirtualNICDedicated"))
	id := 0
	if view.client != nil {
		id = view.client.ID
	}
	b.leaf("DynamicReconfigurationConnectorName", model.LocationCode(rc.sys, id, v.Slot))
	b.int("LocalPartitionID", id)
	b.int("VirtualSlotNumber", v.Slot)
	d := b.sub("Details")
	d.int("PortVLANID", v.PVID)
	d.int("PortVLANIDPriority", 0)
	d.leaf("AllowedVLANIDs", v.AllowedVLANs)
	d.leaf("MACAddress", v.MAC)
	d.leaf("AllowedOperatingSystemMACAddresses", v.AllowedMACs)
	d.leaf("OSDeviceName", "unavailable")
	d.leaf("DesiredMode", "DEDICATED")
	if len(v.Backing) > 0 {
		d.leaf("DesiredCapacityPercentage", v.Backing[0].Capacity.String())
	}
	bd := b.sub("AssociatedBackingDevices")
	ch := bd.bare("VirtualNICBackingDeviceChoice")
	for i, bk := range v.Backing {
		x := ch.item("VirtualNICSRIOVBackingDevice")
		x.leaf("DeviceType", "SRIOV")
		x.link("AssociatedVirtualIOServer", rc.base+"/rest/api/uom/ManagedSystem/"+rc.sys.UUID+"/VirtualIOServer/"+bk.VIOS)
		x.bool("IsActive", i == view.active)
		status := "OPERATIONAL"
		if !view.works[i] {
			status = "LINK_DOWN"
			if p := view.vioses[bk.VIOS]; p == nil || p.State != model.StateRunning {
				status = "VIOS_NOT_OPERATIONAL"
			}
		}
		x.leaf("Status", status)
		x.int("RelatedSRIOVAdapterID", bk.Adapter)
		x.leaf("CurrentCapacityPercentage", bk.Capacity.String())
		x.leaf("MaxCapacityPercentage", bk.MaxCap.String())
		x.int("RelatedSRIOVPhysicalPortID", bk.Port)
		x.link("RelatedSRIOVLogicalPort", rc.base+"/rest/api/uom/VirtualIOServer/"+bk.VIOS+"/SRIOVEthernetLogicalPort/"+bk.LPort)
		x.leaf("DesiredCapacityPercentage", bk.Capacity.String())
		x.leaf("DesiredMaxCapacityPercentage", bk.MaxCap.String())
	}
	return b.el
}

// viosVNICInto adds to a rendered VIOS that it serves vNICs, with
// failover (pypowervm's VIOS.vnic_capable and vnic_failover_capable).
func viosVNICInto(el *uom.Element) {
	schema := uom.Schema("VirtualIOServer")
	tmp := &builder{el: &uom.Element{Space: uom.NSUOM, Local: "VirtualIOServer"}, schema: schema, ns: uom.NSUOM}
	tmp.bool("IsVNICCapable", true)
	tmp.bool("VNICFailOverCapable", true)
	for _, c := range tmp.el.Children {
		if el.Child(c.Local) == nil {
			insertBySchema(el, schema, c)
		}
	}
}

// sriovCapable says whether the system reports the SR-IOV and vNIC
// capabilities: when it has an SR-IOV adapter in shared mode.
func sriovCapable(views []sriovView) bool {
	for _, v := range views {
		if v.a.Mode == model.SRIOVModeShared {
			return true
		}
	}
	return false
}

// sriovCapabilities are the system capabilities that follow the adapters.
var sriovCapabilities = map[string]bool{"SRIOVCapable": true, "VirtualNICDedicatedSRIOVCapable": true, "VirtualNICFailOverCapable": true}
