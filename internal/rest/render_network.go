package rest

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// Networking objects as the REST API shows them: virtual switches, the
// virtual networks derived from the adapters' VLANs, virtual Ethernet
// adapters (ClientNetworkAdapter; trunk adapters are adapters with a trunk
// priority), network bridges with their SEAs and load groups, and the I/O
// slots of partitions and of the managed system. Element order follows
// uom/schema, which follows the captures (cna_feed1.txt, vswitch_feed.txt,
// nbbr_*.txt, fake_vios_feed.txt, managedsystem.txt).

// hashRev derives the revision (etag) of an object that has none of its
// own, or whose rendering depends on more than its own revision: a hash of
// everything it renders from. Revisions of derived objects only need to
// differ when what they render differs.
func hashRev(parts ...uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, p := range parts {
		binary.LittleEndian.PutUint64(b[:], p)
		h.Write(b[:])
	}
	// 53 bits: the etag stays an integer every client can hold.
	return h.Sum64() >> 11
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func switchHref(rc *renderCtx, swUUID string) string {
	return rc.base + core.SystemPath(rc.sys.UUID) + "/VirtualSwitch/" + swUUID
}

func networkHref(rc *renderCtx, switchID, vlan int) string {
	return rc.base + core.NetworkPath(rc.sys.UUID, switchID, vlan)
}

func networkHrefs(rc *renderCtx, switchID int, vlans []int) []string {
	out := make([]string, len(vlans))
	for i, v := range vlans {
		out[i] = networkHref(rc, switchID, v)
	}
	return out
}

// viosPath is the API path of a VIOS under the managed system.
func viosPath(sysUUID, uuid string) string {
	return core.SystemPath(sysUUID) + "/VirtualIOServer/" + uuid
}

// switchUUIDs maps switch IDs to switch UUIDs.
func switchUUIDs(st *model.State) map[int]string {
	m := make(map[int]string, len(st.Switches))
	for _, sw := range st.Switches {
		m[sw.ID] = sw.UUID
	}
	return m
}

// ---- VirtualSwitch ----

// switchView is a switch with the networks on it (its VirtualNetworks).
type switchView struct {
	sw   *model.VirtualSwitch
	nets []model.VirtualNetwork
}

func renderSwitch(rc *renderCtx, v switchView) *uom.Element {
	b := newObject(uom.NSUOM, "VirtualSwitch", v.sw.UUID, v.sw.Created, uom.Schema("VirtualSwitch"))
	b.int("SwitchID", v.sw.ID)
	b.leaf("SwitchMode", v.sw.Mode)
	b.leaf("SwitchName", v.sw.Name)
	hrefs := make([]string, len(v.nets))
	for i, n := range v.nets {
		hrefs[i] = networkHref(rc, n.SwitchID, n.VLAN)
	}
	b.links("VirtualNetworks", hrefs)
	return b.el
}

// ---- VirtualNetwork ----

type vnetView struct {
	net     model.VirtualNetwork
	swUUID  string
	created int64
}

func renderVNet(rc *renderCtx, uuid string, v vnetView) *uom.Element {
	b := newObject(uom.NSUOM, "VirtualNetwork", uuid, v.created, uom.Schema("VirtualNetwork"))
	b.link("AssociatedSwitch", switchHref(rc, v.swUUID))
	b.leaf("NetworkName", v.net.Name())
	b.int("NetworkVLANID", v.net.VLAN)
	b.int("VswitchID", v.net.SwitchID)
	b.bool("TaggedNetwork", v.net.Tagged)
	return b.el
}

// ---- ClientNetworkAdapter ----

// cnaView is an adapter with what its entry shows of its partition and
// switch (neither changes while the adapter exists).
type cnaView struct {
	a      *model.EthernetAdapter
	partID int
	swUUID string
}

func renderCNA(rc *renderCtx, v cnaView) *uom.Element {
	a := v.a
	b := newObject(uom.NSUOM, "ClientNetworkAdapter", a.UUID, a.Created, uom.Schema("ClientNetworkAdapter"))
	loc := model.LocationCode(rc.sys, v.partID, a.Slot)
	b.leaf("DynamicReconfigurationConnectorName", loc)
	b.leaf("LocationCode", loc)
	b.int("LocalPartitionID", v.partID)
	b.int("VirtualSlotNumber", a.Slot)
	b.bool("Enabled", a.Enabled)
	b.leaf("MACAddress", a.MAC)
	b.int("PortVLANID", a.PVID)
	// cna_feed1.txt writes an empty TaggedVLANIDs when there are none.
	b.leaf("TaggedVLANIDs", model.FormatVLANList(a.Tagged))
	b.bool("TaggedVLANSupported", a.TaggedSupported)
	b.links("AssociatedVirtualSwitch", []string{switchHref(rc, v.swUUID)})
	b.int("VirtualSwitchID", a.SwitchID)
	if a.Device != "" {
		// The device name on the VIOS, as in its TrunkAdapters; the
		// ClientNetworkAdapter schema (from captures without one) lacks it.
		b.leafKB("DeviceName", "ROR", a.Device)
	}
	if a.Trunk {
		b.int("TrunkPriority", a.TrunkPriority)
	}
	if a.MTU != 0 {
		b.int("ConfiguredMTU", a.MTU)
	}
	if a.OvsBridge != "" {
		b.leaf("OvsBridge", a.OvsBridge)
	}
	if a.OvsExtIDs != "" {
		b.leaf("OvsPortExternalIds", a.OvsExtIDs)
	}
	b.links("VirtualNetworks", networkHrefs(rc, a.SwitchID, a.VLANs()))
	return b.el
}

// trunkInto writes a TrunkAdapter item (under a SEA, a load group or a
// VIOS's TrunkAdapters), with the elements its schema there has.
func trunkInto(parent *builder, rc *renderCtx, a *model.EthernetAdapter, partID int, swUUID string, required bool) {
	t := parent.item("TrunkAdapter")
	loc := model.LocationCode(rc.sys, partID, a.Slot)
	t.leaf("DynamicReconfigurationConnectorName", loc)
	t.leaf("LocationCode", loc)
	t.bool("RequiredAdapter", required)
	t.bool("VariedOn", true)
	if t.has("LocalPartitionID") {
		t.int("LocalPartitionID", partID)
	}
	t.int("VirtualSlotNumber", a.Slot)
	t.leaf("AllowedOperatingSystemMACAddresses", "ALL")
	if t.has("Enabled") {
		t.bool("Enabled", a.Enabled)
	}
	t.leaf("MACAddress", a.MAC)
	t.int("PortVLANID", a.PVID)
	t.bool("QualityOfServicePriorityEnabled", false)
	if len(a.Tagged) > 0 {
		t.leaf("TaggedVLANIDs", model.FormatVLANList(a.Tagged))
	}
	t.bool("TaggedVLANSupported", a.TaggedSupported)
	if t.has("AssociatedVirtualSwitch") {
		t.links("AssociatedVirtualSwitch", []string{switchHref(rc, swUUID)})
	}
	t.int("VirtualSwitchID", a.SwitchID)
	if a.Device != "" {
		t.leaf("DeviceName", a.Device)
	}
	t.int("TrunkPriority", a.TrunkPriority)
}

// ---- SharedEthernetAdapter, NetworkBridge, LoadGroup ----

// seaView is one SEA of a bridge with its trunk adapters (primary first).
type seaView struct {
	bridge   *model.NetworkBridge
	sea      model.SEA
	trunks   []*model.EthernetAdapter
	viosID   int
	portDesc string
}

func seaViewOf(st *model.State, b *model.NetworkBridge, s model.SEA) seaView {
	v := seaView{bridge: b, sea: s}
	if p := st.Partition(s.VIOS); p != nil {
		v.viosID = p.ID
	}
	for _, t := range s.Trunks {
		if a := st.Adapters[t]; a != nil {
			v.trunks = append(v.trunks, a)
		}
	}
	// The physical port's adapter: the I/O slot the port's location
	// code (<slot>-T<n>) is in.
	slot := s.Port
	if i := strings.LastIndex(slot, "-T"); i > 0 {
		slot = slot[:i]
	}
	for _, sl := range st.Slots {
		if sl.DRCName == slot {
			v.portDesc = sl.Description
		}
	}
	if v.portDesc == "" {
		v.portDesc = "Ethernet Adapter"
	}
	return v
}

func seaInto(parent *builder, rc *renderCtx, v seaView, swUUID string) {
	s := parent.item("SharedEthernetAdapter")
	s.link("AssignedVirtualIOServer", rc.base+viosPath(rc.sys.UUID, v.sea.VIOS))
	back := s.plain("BackingDeviceChoice").item("EthernetBackingDevice")
	back.leaf("AdapterID", "1")
	back.leaf("Description", v.portDesc)
	back.leaf("DeviceName", v.sea.Backing)
	back.leaf("DeviceType", "physicalEthernetAdpter") // sic, as NovaLink spells it
	back.leaf("DynamicReconfigurationConnectorName", v.sea.Port)
	back.leaf("PhysicalLocation", v.sea.Port)
	back.leaf("UniqueDeviceID", "13"+v.sea.Port)
	s.leaf("HighAvailabilityMode", v.sea.HAMode)
	s.leaf("DeviceName", v.sea.Device)
	s.bool("JumboFramesEnabled", false)
	s.int("PortVLANID", v.bridge.PVID)
	s.leaf("QualityOfServiceMode", "disabled")
	s.int("QueueSize", 8192)
	s.bool("ThreadModeEnabled", true)
	tas := s.sub("TrunkAdapters")
	for i, a := range v.trunks {
		trunkInto(tas, rc, a, v.viosID, swUUID, i == 0)
	}
	s.bool("IsPrimary", v.sea.Primary)
	s.leaf("UniqueDeviceID", "10"+strconv.FormatUint(hashString(v.bridge.UUID+"/"+strconv.Itoa(v.viosID)+"/"+v.sea.Device)>>8, 16))
	s.bool("LargeSend", true)
}

// bridgeView is what a bridge renders from besides itself.
type bridgeView struct {
	seas    []seaView
	groups  []core.LoadGroup
	partIDs map[string]int
	swUUID  string
}

func bridgeViewOf(st *model.State, b *model.NetworkBridge) *bridgeView {
	v := &bridgeView{groups: core.LoadGroups(st, b), partIDs: map[string]int{}}
	if sw := st.SwitchByID(b.SwitchID); sw != nil {
		v.swUUID = sw.UUID
	}
	for _, s := range b.SEAs {
		sv := seaViewOf(st, b, s)
		v.seas = append(v.seas, sv)
		v.partIDs[s.VIOS] = sv.viosID
	}
	return v
}

// groupVLANs are the networks a load group lists: the primary group's
// PVID and the tagged VLANs (the PVIDs of the other groups are arbitrary
// placeholders and carry no network).
func groupVLANs(g core.LoadGroup, primary bool) []int {
	if primary || len(g.VLANs) == 0 {
		return g.VLANs
	}
	return g.VLANs[1:]
}

func loadGroupInto(lg *builder, rc *renderCtx, b *model.NetworkBridge, v *bridgeView, g core.LoadGroup, primary bool) {
	lg.int("PortVLANID", g.PVID)
	tas := lg.sub("TrunkAdapters")
	for _, a := range g.Trunks {
		trunkInto(tas, rc, a, v.partIDs[a.Partition], v.swUUID, primary)
	}
	lg.links("VirtualNetworks", networkHrefs(rc, b.SwitchID, groupVLANs(g, primary)))
}

func renderBridge(rc *renderCtx, b *model.NetworkBridge, v *bridgeView) *uom.Element {
	nb := newObject(uom.NSUOM, "NetworkBridge", b.UUID, b.Created, uom.Schema("NetworkBridge"))
	nb.bool("FailoverEnabled", len(b.SEAs) > 1)
	nb.bool("LoadBalancingEnabled", b.LoadBalancing)
	lgs := nb.sub("LoadGroups")
	var vlans []int
	for i, g := range v.groups {
		loadGroupInto(lgs.item("LoadGroup"), rc, b, v, g, i == 0)
		vlans = append(vlans, groupVLANs(g, i == 0)...)
	}
	nb.int("PortVLANID", b.PVID)
	seas := nb.sub("SharedEthernetAdapters")
	for _, s := range v.seas {
		seaInto(seas, rc, s, v.swUUID)
	}
	nb.leaf("UniqueDeviceID", "0")
	nb.links("VirtualNetworks", networkHrefs(rc, b.SwitchID, vlans))
	return nb.el
}

// loadGroupSchema is the schema of a load group entry: a LoadGroup as the
// NetworkBridge schema has it (no capture shows one on its own).
func loadGroupSchema() *uom.SchemaNode {
	return uom.Schema("NetworkBridge").Find("LoadGroups/LoadGroup")
}

// loadGroupView is one load group entry.
type loadGroupView struct {
	bridge  *model.NetworkBridge
	group   core.LoadGroup
	primary bool
	bv      *bridgeView
}

func renderLoadGroup(rc *renderCtx, uuid string, v loadGroupView) *uom.Element {
	lg := newObject(uom.NSUOM, "LoadGroup", uuid, v.bridge.Created, loadGroupSchema())
	loadGroupInto(lg, rc, v.bridge, v.bv, v.group, v.primary)
	return lg.el
}

// ---- I/O slots ----

// slotUnit is the I/O unit of a slot location code (U78C9.001.WZS0001 of
// U78C9.001.WZS0001-P1-C7); slotPlace the slot's own part (C7).
func slotUnit(drcName string) string {
	if i := strings.Index(drcName, "-"); i > 0 {
		return drcName[:i]
	}
	return drcName
}

func slotPlace(drcName string) string {
	return drcName[strings.LastIndexByte(drcName, '-')+1:]
}

// slotInto writes the elements of an I/O slot (an IOSlot of the managed
// system, or the AssociatedIOSlot of a partition's ProfileIOSlot), with
// the owner's identity where the schema has it.
func slotInto(b *builder, s *model.IOSlot, owner *model.Partition) {
	b.bool("BusGroupingRequired", s.BusGrouping)
	b.leaf("Description", s.Description)
	if s.FeatureCode != "" {
		for _, fc := range strings.Fields(s.FeatureCode) {
			b.leaf("FeatureCodes", fc)
		}
	}
	b.leaf("IOUnitPhysicalLocation", slotUnit(s.DRCName))
	b.int("PCAdapterID", s.DeviceID)
	if owner != nil && b.has("PartitionID") {
		b.int("PartitionID", owner.ID)
		b.leaf("PartitionUUID", owner.UUID)
		b.leaf("PartitionName", owner.Name)
		b.leaf("PartitionType", string(owner.Type))
	}
	b.int("PCIClass", s.PCIClass)
	b.int("PCIDeviceID", s.DeviceID)
	b.int("PCISubsystemDeviceID", s.SubsysID)
	b.int("PCIManufacturerID", s.VendorID)
	b.int("PCIRevisionID", s.RevisionID)
	b.int("PCIVendorID", s.VendorID)
	b.int("PCISubsystemVendorID", s.SubVendorID)
	if s.DeviceID != 0xFFFF {
		// The adapter in the slot: an IOAdapter inside RelatedIOAdapter
		// in a partition's profile slot, the adapter's elements directly
		// in the managed system's.
		var ad *builder
		if b.schema.Find("RelatedIOAdapter/IOAdapter") != nil {
			ad = b.plain("RelatedIOAdapter").item("IOAdapter")
		} else {
			ad = b.sub("RelatedIOAdapter")
		}
		ad.int("AdapterID", s.DRCIndex)
		ad.leaf("Description", s.Description)
		ad.leaf("DeviceName", s.DRCName)
		ad.leaf("DynamicReconfigurationConnectorName", s.DRCName)
		ad.leaf("PhysicalLocation", slotPlace(s.DRCName))
		ad.int("UniqueDeviceID", s.DeviceID)
	}
	b.int("SlotDynamicReconfigurationConnectorIndex", s.DRCIndex)
	b.leaf("SlotDynamicReconfigurationConnectorName", s.DRCName)
	b.leaf("SlotPhysicalLocationCode", slotPlace(s.DRCName))
}

// systemIO is what the managed system renders of its I/O: every slot, and
// the partitions owning some.
type systemIO struct {
	slots  []*model.IOSlot
	owners map[string]*model.Partition
	sriov  []sriovView
	// lpars and vioses are the partitions' UUIDs by ID, in a fleet (its
	// HMC links them from the ManagedSystem).
	lpars, vioses []string
}

func systemIOOf(st *model.State) *systemIO {
	io := &systemIO{slots: st.SortedSlots(), owners: map[string]*model.Partition{}, sriov: sriovViewsOf(st)}
	if st.Peers != nil {
		for _, p := range st.SortedPartitions(nil) {
			if p.IsVIOS() {
				io.vioses = append(io.vioses, p.UUID)
			} else {
				io.lpars = append(io.lpars, p.UUID)
			}
		}
	}
	for _, s := range io.slots {
		if s.Owner != "" {
			if p := st.Partition(s.Owner); p != nil {
				io.owners[s.Owner] = p
			}
		}
	}
	return io
}

// systemObjectIn is the managed system object as the view has it. Its I/O
// slots show their owners' names, which change without the system's
// revision moving: they are part of the cache variant.
func systemObjectIn(st *model.State) object {
	o := systemObject(st.System)
	var sum uint64
	for _, s := range st.Slots {
		if s.Owner != "" {
			if p := st.Partition(s.Owner); p != nil {
				// A sum: the same whatever the map order.
				sum += hashString(s.Key() + "=" + p.Name)
			}
		}
	}
	if sum != 0 {
		o.extra = "|io" + strconv.FormatUint(sum, 36)
	}
	if st.Peers != nil {
		// In a fleet the HMC's rendering lists the partitions, which
		// come and go without the system's revision moving.
		var ps uint64
		for u := range st.Partitions {
			ps += hashString(u)
		}
		o.extra += "|p" + strconv.FormatUint(ps, 36)
	}
	return o
}

// ---- partitions ----

// partitionNet is what a partition renders from besides itself: its
// adapters, I/O slots and, for a VIOS, the SEAs on it. The core moves a
// partition's revision when any of them changes.
type partitionNet struct {
	adapters  []*model.EthernetAdapter
	switches  map[int]string
	seas      []seaView
	primaries map[string]bool
	slots     []*model.IOSlot
	// The UUIDs of a client partition's vSCSI and vFC client adapters
	// (kinds_clientadapters.go).
	scsiClients, fcClients []string
}

func partitionNetOf(st *model.State, p *model.Partition) *partitionNet {
	n := &partitionNet{adapters: st.AdaptersOf(p.UUID)}
	for _, s := range st.Slots {
		if s.Owner == p.UUID {
			n.slots = append(n.slots, s)
		}
	}
	slices.SortFunc(n.slots, func(a, b *model.IOSlot) int { return cmp.Compare(a.DRCIndex, b.DRCIndex) })
	if !p.IsVIOS() {
		for _, o := range scsiClientObjects(st, p.UUID) {
			n.scsiClients = append(n.scsiClients, o.uuid)
		}
		for _, m := range st.FCMappingsOf(p.UUID) {
			if st.Partition(m.VIOS) != nil {
				n.fcClients = append(n.fcClients, fcClientUUID(m))
			}
		}
		slices.Sort(n.fcClients)
	}
	if p.IsVIOS() {
		// What only a VIOS renders (its SEAs and trunk adapters).
		n.switches, n.primaries = switchUUIDs(st), map[string]bool{}
		for _, b := range sortedBridges(st) {
			for _, s := range b.SEAs {
				if s.VIOS == p.UUID {
					n.seas = append(n.seas, seaViewOf(st, b, s))
					if len(s.Trunks) > 0 {
						n.primaries[s.Trunks[0]] = true
					}
				}
			}
		}
	}
	return n
}

// macPrefix is the base of the partition's adapter MACs, as the core
// allocates them.
func macPrefix(sys *model.ManagedSystem, p *model.Partition) uint64 {
	if p.MACPrefix != 0 {
		return p.MACPrefix
	}
	return model.MACPrefixFor(sys, p.ID)
}

// adapterLinks are the links of a partition's ClientNetworkAdapters, made
// for b (builder.str).
func adapterLinks(b *builder, base string, p *model.Partition, n *partitionNet) []string {
	if n == nil {
		return nil
	}
	out := make([]string, len(n.adapters))
	for i, a := range n.adapters {
		out[i] = b.str(core.AppendAdapterPath(append(b.scratch(), base...), p, a))
	}
	return out
}

// profileSlotsInto writes the I/O slots a partition owns into its
// ProfileIOSlots. The LogicalPartition schema has no ProfileIOSlot (no
// capture of an LPAR owning slots): an LPAR's are written as a VIOS's.
func profileSlotsInto(io *builder, p *model.Partition, n *partitionNet) {
	ps := io.sub("ProfileIOSlots")
	if n == nil || len(n.slots) == 0 {
		return
	}
	if !ps.has("ProfileIOSlot") {
		ps.schema = uom.Schema("VirtualIOServer").Find("PartitionIOConfiguration/ProfileIOSlots")
	}
	for _, s := range n.slots {
		item := ps.item("ProfileIOSlot")
		slotInto(item.sub("AssociatedIOSlot"), s, p)
		item.bool("IsRequired", s.Required)
	}
}

// viosSEAsInto writes a VIOS's SharedEthernetAdapters (group ViosNetwork).
func viosSEAsInto(b *builder, rc *renderCtx, n *partitionNet) {
	seas := b.sub("SharedEthernetAdapters")
	if n == nil {
		return
	}
	for _, s := range n.seas {
		seaInto(seas, rc, s, n.switches[s.bridge.SwitchID])
	}
}

// viosTrunksInto writes a VIOS's TrunkAdapters (group ViosNetwork): every
// trunk adapter of the VIOS, in a SEA or not.
func viosTrunksInto(b *builder, rc *renderCtx, p *model.Partition, n *partitionNet) {
	tas := b.sub("TrunkAdapters")
	if n == nil {
		return
	}
	for _, a := range n.adapters {
		if a.Trunk {
			trunkInto(tas, rc, a, p.ID, n.switches[a.SwitchID], n.primaries[a.UUID])
		}
	}
}
