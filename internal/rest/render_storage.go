package rest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/uom"
)

// Storage objects as the REST API shows them, from the simulated VIOS's
// device tree (internal/sim/vios). Element order follows uom/schema, which
// follows the captures: ssp.txt (SharedStoragePool), tier.txt (Tier),
// lufeed.txt (LogicalUnit), cluster.txt (Cluster), fake_volume_group*.txt
// and get_volume_group*.txt (VolumeGroup), fake_vios_ssp_npiv.txt,
// fake_vios_mappings.txt, vio_multi_vscsi_mapping.txt and
// fake_vios_with_volume_group_data.txt (the VIOS's storage sections).
// Capacities: disks in MB; pools, logical units, volume groups, virtual
// disks and media in GB (decimals trimmed, as the captures write them).

// gbText formats megabytes as gigabytes with at most dp decimals, trailing
// zeros trimmed ("1", "49.88", "0.0977").
func gbText(mb int, dp int) string {
	s := strconv.FormatFloat(float64(mb)/1024, 'f', dp, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "" || s == "-0" {
		s = "0"
	}
	return s
}

// Decimals of each capacity.
const (
	poolDP  = 2 // SharedStoragePool, Tier, LogicalUnit (ssp.txt, tier.txt)
	vgDP    = 4 // VolumeGroup, VirtualDisk, repository (fake_volume_group.txt)
	mediaDP = 4 // VirtualOpticalMedia Size (fake_volume_group.txt)
)

// shortHex derives n hex digits from a string (identifiers the model does
// not keep: tier and target device UDIDs).
func shortHex(n int, s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:n]
}

// pvUDID is a disk's UniqueDeviceID: "01" and the base64 of its unique ID
// (as the captures' "01M0lCTTIx..." are), the same on every VIOS that sees
// the disk.
func pvUDID(p *model.PhysicalVolume) string {
	return "01" + base64.StdEncoding.EncodeToString([]byte(p.UDID))
}

// pvInto writes a PhysicalVolume item with the elements its schema there
// has (the VIOS's disks list more than a pool's or a cluster's).
func pvInto(parent *builder, p *model.PhysicalVolume, avail bool) {
	b := parent.item("PhysicalVolume")
	opt := func(name, text string) {
		if b.has(name) {
			b.leaf(name, text)
		}
	}
	opt("Description", p.Description)
	opt("LocationCode", p.Location)
	opt("PersistentReserveKeyValue", "none")
	opt("ReservePolicy", reservePolicyText(p))
	opt("ReservePolicyAlgorithm", "Failover")
	opt("UniqueDeviceID", pvUDID(p))
	opt("AvailableForUsage", strconv.FormatBool(avail))
	b.int("VolumeCapacity", p.CapacityMB)
	b.leaf("VolumeName", p.Name)
	b.leaf("VolumeState", "active")
	opt("VolumeUniqueID", p.UDID)
	b.bool("IsFibreChannelBacked", p.FC)
	opt("StorageLabel", base64.StdEncoding.EncodeToString([]byte(p.Name+"/"+p.UDID)))
	if p.NAA != "" {
		opt("DescriptorPage83", base64.StdEncoding.EncodeToString([]byte(p.NAA)))
	}
}

// reservePolicyText is a disk's reserve_policy as the REST API spells it.
func reservePolicyText(p *model.PhysicalVolume) string {
	switch vios.ReservePolicy(p) {
	case "single_path":
		return "SinglePath"
	case "PR_exclusive":
		return "PR_Exclusive"
	case "PR_shared":
		return "PR_Shared"
	}
	return "NoReserve"
}

// pvAvailable tells whether a disk may be used for a new volume group, a
// pool or a mapping: in no volume group, not in the cluster, not mapped.
func pvAvailable(tx vios.Tx, p *model.PhysicalVolume) bool {
	return p.VG == "" && !p.Cluster && len(vios.MappingsOf(tx, model.BackPV, p.UUID)) == 0
}

// mediaInto writes a VirtualOpticalMedia item.
func mediaInto(parent *builder, m *model.OpticalMedia) {
	b := parent.item("VirtualOpticalMedia")
	b.leaf("MediaName", m.Name)
	b.leaf("MediaUDID", m.UDID)
	b.leaf("MountType", m.MountType)
	b.leaf("Size", gbText(m.SizeMB, mediaDP))
}

// repositoryInto writes the MediaRepositories of a VIOS or volume group.
func repositoryInto(parent *builder, repo *model.VolumeGroup, media []*model.OpticalMedia) {
	mr := parent.sub("MediaRepositories")
	if repo == nil || repo.RepositoryMB == 0 {
		return
	}
	r := mr.item("VirtualMediaRepository")
	om := r.sub("OpticalMedia")
	for _, m := range media {
		mediaInto(om, m)
	}
	r.leaf("RepositoryName", repo.RepositoryName)
	r.leaf("RepositorySize", gbText(repo.RepositoryMB, vgDP))
}

// ---- logical units ----

// luInto writes a LogicalUnit's elements (an entry, an item of a pool's
// LogicalUnits, or a mapping's Storage), as far as the schema there has
// them.
func luInto(b *builder, lu *model.LogicalUnit, inUse bool) {
	b.bool("ThinDevice", lu.Thin)
	b.leaf("UniqueDeviceID", lu.UDID)
	b.leaf("UnitCapacity", gbText(lu.CapacityMB, poolDP))
	b.leaf("LogicalUnitType", lu.Type)
	if lu.ClonedFrom != "" && b.has("ClonedFrom") {
		b.leaf("ClonedFrom", lu.ClonedFrom)
	}
	if b.has("InUse") {
		b.bool("InUse", inUse)
	}
	b.leaf("UnitName", lu.Name)
}

func renderLU(rc *renderCtx, v luView) *uom.Element {
	b := newObject(uom.NSUOM, "LogicalUnit", v.lu.UUID, 0, uom.Schema("LogicalUnit"))
	luInto(b, v.lu, v.inUse)
	return b.el
}

// ---- shared storage pools and tiers ----

// sspView is what a pool (and its tier) renders besides itself.
type sspView struct {
	ssp     *model.SharedStoragePool
	lus     []*model.LogicalUnit
	inUse   map[string]bool
	pvs     []*model.PhysicalVolume // one per disk (by UDID)
	capMB   int
	freeMB  int
	overMB  int
	totalMB int
}

func sspViewOf(st *model.State, ssp *model.SharedStoragePool) *sspView {
	tx := readTx(st)
	v := &sspView{ssp: ssp, lus: vios.LUs(tx, ssp.UUID), inUse: map[string]bool{}, pvs: poolPVs(st, ssp, ssp.PVs),
		capMB: vios.PoolCapacityMB(tx, ssp), freeMB: vios.PoolFreeMB(tx, ssp), overMB: vios.OverCommitMB(tx, ssp),
		totalMB: vios.PoolProvisionedMB(tx, ssp)}
	for _, lu := range v.lus {
		v.inUse[lu.UUID] = luInUse(tx, lu.UUID)
	}
	return v
}

// poolPVs returns the disks of a cluster with the given UDIDs, as the
// first node that sees them names them.
func poolPVs(st *model.State, ssp *model.SharedStoragePool, udids []string) []*model.PhysicalVolume {
	tx := readTx(st)
	var nodes []string
	if c := vios.ClusterOf(tx, ssp); c != nil {
		nodes = c.Nodes
	}
	var out []*model.PhysicalVolume
	for _, u := range udids {
		var found *model.PhysicalVolume
		for _, n := range nodes {
			for _, p := range vios.PVs(tx, n) {
				if p.UDID == u && found == nil {
					found = p
				}
			}
		}
		if found == nil {
			st.Each(model.KindPV, func(o model.Object) {
				if p := o.(*model.PhysicalVolume); p.UDID == u && found == nil {
					found = p
				}
			})
		}
		if found != nil {
			out = append(out, found)
		}
	}
	return out
}

func renderSSP(rc *renderCtx, v *sspView) *uom.Element {
	s := v.ssp
	b := newObject(uom.NSUOM, "SharedStoragePool", s.UUID, s.Created, uom.Schema("SharedStoragePool"))
	lus := b.sub("LogicalUnits")
	for _, lu := range v.lus {
		luInto(lus.item("LogicalUnit"), lu, v.inUse[lu.UUID])
	}
	b.bool("MultiDataTierConfigured", false)
	b.bool("MultiFailureGroupConfigured", false)
	pvs := b.sub("PhysicalVolumes")
	for _, p := range v.pvs {
		pvInto(pvs, p, false)
	}
	b.leaf("Capacity", gbText(v.capMB, poolDP))
	b.leaf("FreeSpace", gbText(v.freeMB, poolDP))
	b.leaf("OverCommitSpace", gbText(v.overMB, poolDP))
	b.leaf("TotalLogicalUnitSize", gbText(v.totalMB, poolDP))
	b.leaf("AlertThreshold", "75%")
	b.leaf("StoragePoolName", s.Name)
	b.leaf("UniqueDeviceID", s.UDID)
	return b.el
}

// clusterIDOf is the 32 hex digits of a pool's cluster (as in its UDIDs).
func clusterIDOf(s *model.SharedStoragePool) string {
	if len(s.UDID) >= 34 {
		return s.UDID[2:34]
	}
	return shortHex(32, s.UUID)
}

func renderTier(rc *renderCtx, v *sspView) *uom.Element {
	s := v.ssp
	b := newObject(uom.NSUOM, "Tier", s.TierUUID, s.Created, uom.Schema("Tier"))
	b.leaf("Name", s.TierName)
	b.leaf("UniqueDeviceID", "25"+clusterIDOf(s)+shortHex(16, s.TierUUID))
	b.leaf("Type", "UnrestrictedSystemTier")
	b.bool("IsDefault", true)
	b.leaf("Capacity", gbText(v.capMB, poolDP))
	b.leaf("MirrorState", "NotMirrored")
	fgs := b.sub("FailureGroups")
	fg := fgs.item("FailureGroup")
	fg.leaf("Name", "Default")
	fg.leaf("UniqueDeviceID", "26"+clusterIDOf(s)+shortHex(16, s.TierUUID+"/Default"))
	fg.leaf("Capacity", gbText(v.capMB, poolDP))
	fg.leaf("State", "Online")
	pvs := fg.sub("PhysicalVolumes")
	for _, p := range v.pvs {
		pvInto(pvs, p, false)
	}
	b.link("AssociatedSharedStoragePool", rc.base+"/rest/api/uom/Cluster/"+s.Cluster+"/SharedStoragePool/"+s.UUID)
	return b.el
}

// ---- clusters ----

// clusterView is a cluster with what it renders: its nodes, its
// repository disk and the managed system's MTMS.
type clusterView struct {
	c     *model.Cluster
	repo  *model.PhysicalVolume
	nodes []*model.Partition
	// systems are the nodes' managed systems (in a fleet, a cluster has
	// nodes on several).
	systems []*model.ManagedSystem
}

// clusterObject is a cluster; it renders its nodes' state, so its
// revision derives from the cluster's and what it shows of its nodes.
func clusterObject(st *model.State, c *model.Cluster) object {
	v := &clusterView{c: c}
	parts := []uint64{c.Rev}
	for _, n := range c.Nodes {
		p, sys := st.Partition(n), st.System
		if p == nil && st.Peers != nil {
			p, sys = st.Peers.Partition(n)
		}
		if p != nil {
			v.nodes = append(v.nodes, p)
			v.systems = append(v.systems, sys)
			parts = append(parts, hashString(sys.UUID+"/"+p.Name+"/"+nodeState(p)+"/"+p.OSVersion), uint64(p.ID))
		}
	}
	if ssp, _ := st.Get(model.KindSSP, c.SSP).(*model.SharedStoragePool); ssp != nil {
		if pvs := poolPVs(st, ssp, []string{c.Repository}); len(pvs) > 0 {
			v.repo = pvs[0]
			parts = append(parts, hashString(v.repo.UUID), v.repo.Rev)
		}
	}
	return object{uuid: c.UUID, rev: hashRev(parts...), created: c.Created, val: v}
}

// nodeState is a cluster node's State: Up while its VIOS runs with RMC.
func nodeState(p *model.Partition) string {
	if p.State == model.StateRunning && p.RMCState == model.RMCActive {
		return "Up"
	}
	return "Down"
}

// viosLevel is the VirtualIOServerLevel of a VIOS ("3.1.4.10" of "VIOS
// 3.1.4.10").
func viosLevel(p *model.Partition) string {
	f := strings.Fields(p.OSVersion)
	if len(f) > 0 && f[len(f)-1] != "" && f[len(f)-1][0] >= '0' && f[len(f)-1][0] <= '9' {
		return f[len(f)-1]
	}
	return "3.1.4.10"
}

func renderCluster(rc *renderCtx, v *clusterView) *uom.Element {
	c := v.c
	b := newObject(uom.NSUOM, "Cluster", c.UUID, c.Created, uom.Schema("Cluster"))
	b.leaf("ClusterName", c.Name)
	b.leaf("ClusterID", "22"+c.ID)
	rd := b.sub("RepositoryDisk")
	if v.repo != nil {
		pvInto(rd, v.repo, false)
	}
	b.link("ClusterSharedStoragePool", rc.base+"/rest/api/uom/SharedStoragePool/"+c.SSP)
	nodes := b.sub("Node")
	for i, p := range v.nodes {
		sys := v.systems[i]
		n := nodes.item("Node")
		n.leaf("HostName", strings.ToLower(p.Name))
		n.int("PartitionID", p.ID)
		m := n.sub("MachineTypeModelAndSerialNumber")
		m.leaf("MachineType", sys.Type)
		m.leaf("Model", sys.Model)
		m.leaf("SerialNumber", sys.Serial)
		n.leaf("VirtualIOServerLevel", viosLevel(p))
		n.link("VirtualIOServer", rc.base+viosPath(sys.UUID, p.UUID))
		n.leaf("State", nodeState(p))
	}
	return b.el
}

// ---- volume groups ----

// vgView is a volume group with what it renders.
type vgView struct {
	vg     *model.VolumeGroup
	pvs    []*model.PhysicalVolume
	avail  map[string]bool
	lvs    []*model.LogicalVolume
	media  []*model.OpticalMedia
	capMB  int
	freeMB int
}

func vgViewOf(st *model.State, vg *model.VolumeGroup) *vgView {
	tx := readTx(st)
	v := &vgView{vg: vg, avail: map[string]bool{}, lvs: vios.LVs(tx, vg.UUID),
		capMB: vios.VGCapacityMB(tx, vg), freeMB: vios.VGFreeMB(tx, vg)}
	for _, id := range vg.PVs {
		if p, _ := st.Get(model.KindPV, id).(*model.PhysicalVolume); p != nil {
			v.pvs = append(v.pvs, p)
			v.avail[p.UUID] = pvAvailable(tx, p)
		}
	}
	if vg.RepositoryMB > 0 {
		v.media = vios.Media(tx, vg.VIOS)
	}
	return v
}

// lvInto writes a VirtualDisk item (in a volume group, or a mapping's
// Storage, whose schema has no VolumeGroup link).
func lvInto(b *builder, rc *renderCtx, lv *model.LogicalVolume) {
	b.leaf("DiskCapacity", gbText(lv.CapacityMB, vgDP))
	label := lv.Label
	if label == "" {
		label = "None"
	}
	b.leaf("DiskLabel", label)
	b.leaf("DiskName", lv.Name)
	if b.has("VolumeGroup") {
		b.link("VolumeGroup", rc.base+"/rest/api/uom/VirtualIOServer/"+lv.VIOS+"/VolumeGroup/"+lv.VG)
	}
	b.leaf("UniqueDeviceID", lv.UDID)
}

// rbdInto writes the VirtualDisk of an RBD image a mapping maps (named
// pool/image, as pypowervm's RBD.bld_ref names it).
func rbdInto(b *builder, r *model.RBDImage) {
	b.leaf("DiskCapacity", gbText(r.SizeMB, vgDP))
	b.leaf("DiskLabel", r.Path())
	b.leaf("DiskName", r.Path())
	b.leaf("UniqueDeviceID", "0f"+shortHex(32, r.UUID))
	if b.has("VirtualDiskType") {
		b.leaf("VirtualDiskType", "RBD")
	}
}

func renderVG(rc *renderCtx, v *vgView) *uom.Element {
	vg := v.vg
	b := newObject(uom.NSUOM, "VolumeGroup", vg.UUID, vg.Created, uom.Schema("VolumeGroup"))
	b.leaf("AvailableSize", gbText(v.freeMB, vgDP))
	b.leaf("FreeSpace", gbText(v.freeMB, vgDP))
	b.leaf("GroupCapacity", gbText(v.capMB, vgDP))
	b.leaf("GroupName", vg.Name)
	b.leaf("GroupSerialID", vg.SerialID)
	b.int("MaximumLogicalVolumes", 256)
	if vg.RepositoryMB > 0 {
		repositoryInto(b, vg, v.media)
	}
	pvs := b.sub("PhysicalVolumes")
	for _, p := range v.pvs {
		pvInto(pvs, p, v.avail[p.UUID])
	}
	b.leaf("UniqueDeviceID", "04"+vg.SerialID)
	vds := b.sub("VirtualDisks")
	for _, lv := range v.lvs {
		lvInto(vds.item("VirtualDisk"), rc, lv)
	}
	return b.el
}

// ---- the VIOS's storage sections ----

// viosStorage is what a VIOS renders of its storage.
type viosStorage struct {
	pvs   []*model.PhysicalVolume
	avail map[string]bool
	vgs   []*model.VolumeGroup
	repo  *model.VolumeGroup
	media []*model.OpticalMedia
	scsi  []scsiView
	fc    []fcView
	ports []portView
	// clients are the client partitions of the mappings (by UUID).
	clients map[string]*model.Partition
}

// scsiView is a vSCSI mapping with its backing device.
type scsiView struct {
	m     *model.SCSIMapping
	pv    *model.PhysicalVolume
	lv    *model.LogicalVolume
	media *model.OpticalMedia
	lu    *model.LogicalUnit
	rbd   *model.RBDImage
}

type fcView struct {
	m    *model.FCMapping
	port *portView
}

// portView is a physical FC port with how many NPIV connections it has
// left, and the disks seen through it.
type portView struct {
	p    *model.FCPort
	free int
	pvs  []*model.PhysicalVolume
}

func viosStorageOf(st *model.State, p *model.Partition) *viosStorage {
	tx := readTx(st)
	v := &viosStorage{pvs: vios.PVs(tx, p.UUID), avail: map[string]bool{}, vgs: vios.VGs(tx, p.UUID),
		repo: vios.Repository(tx, p.UUID), clients: map[string]*model.Partition{}}
	for _, pv := range v.pvs {
		v.avail[pv.UUID] = pvAvailable(tx, pv)
	}
	if v.repo != nil {
		v.media = vios.Media(tx, p.UUID)
	}
	id := func(uuid string) {
		if q := st.Partition(uuid); q != nil {
			v.clients[uuid] = q
		}
	}
	for _, m := range vios.SCSIMappings(tx, p.UUID) {
		sv := scsiView{m: m}
		switch m.Backing {
		case model.BackPV:
			sv.pv, _ = st.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume)
		case model.BackLV:
			sv.lv, _ = st.Get(model.KindLV, m.BackingID).(*model.LogicalVolume)
		case model.BackMedia:
			sv.media, _ = st.Get(model.KindMedia, m.BackingID).(*model.OpticalMedia)
		case model.BackLU:
			sv.lu, _ = st.Get(model.KindLU, m.BackingID).(*model.LogicalUnit)
		case model.BackRBD:
			sv.rbd, _ = st.Get(model.KindRBDImage, m.BackingID).(*model.RBDImage)
		}
		v.scsi = append(v.scsi, sv)
		id(m.Client)
	}
	fcs := vios.FCMappings(tx, p.UUID)
	for _, port := range vios.FCPorts(tx, p.UUID) {
		pv := portView{p: port, free: port.MaxNPIV}
		for _, m := range fcs {
			if m.Port == port.Name {
				pv.free--
			}
		}
		for _, d := range v.pvs {
			if d.FC && strings.HasPrefix(d.Location, port.Location+"-") {
				pv.pvs = append(pv.pvs, d)
			}
		}
		v.ports = append(v.ports, pv)
	}
	for _, m := range fcs {
		fv := fcView{m: m}
		for i := range v.ports {
			if v.ports[i].p.Name == m.Port {
				fv.port = &v.ports[i]
			}
		}
		v.fc = append(v.fc, fv)
		id(m.Client)
	}
	return v
}

// insertBySchema inserts child into el before the first child that comes
// after it in schema order.
func insertBySchema(el *uom.Element, schema *uom.SchemaNode, child *uom.Element) {
	pos := schema.Position(child.Local)
	at := len(el.Children)
	for i, c := range el.Children {
		if p := schema.Position(c.Local); p > pos {
			at = i
			break
		}
	}
	el.Children = append(el.Children, nil)
	copy(el.Children[at+1:], el.Children[at:])
	el.Children[at] = child
}

// viosStorageInto adds a rendered VIOS's storage: the physical FC ports
// in its FC adapters' slots, and the sections MediaRepositories,
// PhysicalVolumes, StoragePools (group ViosStorage),
// VirtualFibreChannelMappings (ViosFCMapping) and VirtualSCSIMappings
// (ViosSCSIMapping), each at its schema position.
func viosStorageInto(el *uom.Element, rc *renderCtx, p *model.Partition, v *viosStorage) {
	schema := uom.Schema("VirtualIOServer")
	fcPortsIntoSlots(el, schema, v)
	tmp := &builder{el: &uom.Element{Space: uom.NSUOM, Local: "VirtualIOServer"}, schema: schema, ns: uom.NSUOM}
	repositoryInto(tmp, v.repo, v.media)
	pvs := tmp.sub("PhysicalVolumes")
	for _, d := range v.pvs {
		pvInto(pvs, d, v.avail[d.UUID])
	}
	var pools []string
	for _, vg := range v.vgs {
		pools = append(pools, rc.base+"/rest/api/uom/VirtualIOServer/"+p.UUID+"/VolumeGroup/"+vg.UUID)
	}
	tmp.links("StoragePools", pools)
	fcs := tmp.sub("VirtualFibreChannelMappings")
	for _, m := range v.fc {
		fcMappingInto(fcs.item("VirtualFibreChannelMapping"), rc, p, v, m)
	}
	scsi := tmp.sub("VirtualSCSIMappings")
	for _, m := range v.scsi {
		scsiMappingInto(scsi.item("VirtualSCSIMapping"), rc, p, v, m)
	}
	for _, c := range tmp.el.Children {
		if el.Child(c.Local) == nil {
			insertBySchema(el, schema, c)
		}
	}
}

// adapterCommon writes what client and server adapters share.
func adapterCommon(b *builder, rc *renderCtx, typ string, partID, slot int) {
	loc := model.LocationCode(rc.sys, partID, slot)
	b.leaf("AdapterType", typ)
	b.leaf("DynamicReconfigurationConnectorName", loc)
	b.leaf("LocationCode", loc)
	b.int("LocalPartitionID", partID)
	if b.has("RequiredAdapter") {
		b.bool("RequiredAdapter", false)
	}
	if b.has("VariedOn") {
		b.bool("VariedOn", true)
	}
	b.int("VirtualSlotNumber", slot)
}

// backingName is the device name of a mapping's backing device.
func (sv scsiView) backingName() string {
	switch {
	case sv.pv != nil:
		return sv.pv.Name
	case sv.lv != nil:
		return sv.lv.Name
	case sv.media != nil:
		return sv.media.Name
	case sv.lu != nil:
		return sv.lu.Name
	case sv.rbd != nil:
		return sv.rbd.Path()
	}
	return ""
}

func scsiMappingInto(b *builder, rc *renderCtx, p *model.Partition, v *viosStorage, sv scsiView) {
	m := sv.m
	client := v.clients[m.Client]
	hasClient, clientID := client != nil, 0
	if hasClient {
		clientID = client.ID
		b.link("AssociatedLogicalPartition", rc.base+core.PartitionPath(rc.sys.UUID, client))
		ca := b.sub("ClientAdapter")
		adapterCommon(ca, rc, "Client", clientID, m.ClientSlot)
		ca.int("RemoteLogicalPartitionID", p.ID)
		ca.int("RemoteSlotNumber", m.ServerSlot)
		ca.leaf("ServerLocationCode", model.LocationCode(rc.sys, p.ID, m.ServerSlot))
	}
	sa := b.sub("ServerAdapter")
	adapterCommon(sa, rc, "Server", p.ID, m.ServerSlot)
	sa.leaf("AdapterName", m.VHost)
	if n := sv.backingName(); n != "" {
		sa.leaf("BackingDeviceName", n)
	}
	if hasClient {
		sa.int("RemoteLogicalPartitionID", clientID)
		sa.int("RemoteSlotNumber", m.ClientSlot)
		sa.leaf("ServerLocationCode", model.LocationCode(rc.sys, clientID, m.ClientSlot))
	}
	sa.leaf("UniqueDeviceID", "1e"+model.LocationCode(rc.sys, p.ID, m.ServerSlot))
	scsiStorageInto(b, rc, sv)
}

// scsiStorageInto writes a vSCSI mapping's Storage and TargetDevice (of a
// VirtualSCSIMapping, or of a SCSI bus's VirtualSCSIStorageAndTargetDevice).
func scsiStorageInto(b *builder, rc *renderCtx, sv scsiView) {
	m := sv.m
	if m.Backing == "" {
		return
	}
	var tdev, prefix string
	switch {
	case sv.lu != nil:
		luInto(b.plain("Storage").item("LogicalUnit"), sv.lu, true)
		tdev, prefix = "SharedStoragePoolLogicalUnitVirtualTargetDevice", "0a"
	case sv.lv != nil:
		lvInto(b.plain("Storage").item("VirtualDisk"), rc, sv.lv)
		tdev, prefix = "LogicalVolumeVirtualTargetDevice", "09"
	case sv.rbd != nil:
		rbdInto(b.plain("Storage").item("VirtualDisk"), sv.rbd)
		tdev, prefix = "LogicalVolumeVirtualTargetDevice", "09"
	case sv.media != nil:
		mediaInto(b.plain("Storage"), sv.media)
		tdev, prefix = "VirtualOpticalTargetDevice", "19"
	case sv.pv != nil:
		pvInto(b.plain("Storage"), sv.pv, false)
		tdev, prefix = "PhysicalVolumeVirtualTargetDevice", "08"
	case m.Backing == model.BackMedia:
		// An empty virtual optical drive: a target device, no storage.
		tdev, prefix = "VirtualOpticalTargetDevice", "19"
	default:
		return
	}
	td := b.plain("TargetDevice").item(tdev)
	td.leaf("LogicalUnitAddress", m.LUA)
	td.leaf("TargetName", m.Target)
	td.leaf("UniqueDeviceID", prefix+shortHex(16, m.UUID))
}

// portInto writes a physical FC port (a mapping's Port, a server
// adapter's PhysicalPort, or a PhysicalFibreChannelPort of an adapter).
func portInto(b *builder, pv *portView, withDisks bool) {
	b.leaf("LocationCode", pv.p.Location)
	if withDisks && b.has("PhysicalVolumes") {
		pvs := b.sub("PhysicalVolumes")
		for _, d := range pv.pvs {
			pvInto(pvs, d, false)
		}
	}
	b.leaf("PortName", pv.p.Name)
	b.leaf("UniqueDeviceID", "1a"+pv.p.Location)
	b.leaf("WWPN", strings.ToUpper(pv.p.WWPN))
	b.int("AvailablePorts", pv.free)
	b.int("TotalPorts", pv.p.MaxNPIV)
}

func fcMappingInto(b *builder, rc *renderCtx, p *model.Partition, v *viosStorage, fv fcView) {
	m := fv.m
	client := v.clients[m.Client]
	hasClient, clientID := client != nil, 0
	if hasClient {
		clientID = client.ID
		b.link("AssociatedLogicalPartition", rc.base+core.PartitionPath(rc.sys.UUID, client))
		ca := b.sub("ClientAdapter")
		adapterCommon(ca, rc, "Client", clientID, m.ClientSlot)
		ca.int("ConnectingPartitionID", p.ID)
		ca.int("ConnectingVirtualSlotNumber", m.ServerSlot)
		ca.leaf("WWPNs", strings.ToLower(strings.Join(m.WWPNs, " ")))
	}
	if fv.port != nil {
		portInto(b.sub("Port"), fv.port, false)
	}
	sa := b.sub("ServerAdapter")
	adapterCommon(sa, rc, "Server", p.ID, m.ServerSlot)
	sa.leaf("AdapterName", m.VFCHost)
	if hasClient {
		sa.int("ConnectingPartitionID", clientID)
		sa.int("ConnectingVirtualSlotNumber", m.ClientSlot)
	}
	sa.leaf("UniqueDeviceID", "1d"+model.LocationCode(rc.sys, p.ID, m.ServerSlot))
	if fv.port != nil {
		sa.leaf("MapPort", fv.port.p.Name)
		portInto(sa.sub("PhysicalPort"), fv.port, false)
	}
}

// fcPortsIntoSlots turns the adapter of each I/O slot of the VIOS that
// holds physical FC ports into a PhysicalFibreChannelAdapter listing them
// (PartitionIOConfiguration/ProfileIOSlots/.../RelatedIOAdapter, as
// fake_vios_ssp_npiv.txt shows), where pypowervm finds a VIOS's ports.
func fcPortsIntoSlots(el *uom.Element, schema *uom.SchemaNode, v *viosStorage) {
	if len(v.ports) == 0 {
		return
	}
	const relPath = "PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot/AssociatedIOSlot/RelatedIOAdapter"
	rs := schema.Find(relPath)
	if rs == nil || rs.Child("PhysicalFibreChannelAdapter") == nil {
		return
	}
	slots := el.Find("PartitionIOConfiguration/ProfileIOSlots")
	if slots == nil {
		return
	}
	for _, ps := range slots.ChildrenNamed("ProfileIOSlot") {
		rel := ps.Find("AssociatedIOSlot/RelatedIOAdapter")
		if rel == nil {
			continue
		}
		io := rel.Child("IOAdapter")
		if io == nil {
			continue
		}
		drc, _ := io.FindText("DynamicReconfigurationConnectorName")
		var ports []*portView
		for i := range v.ports {
			if strings.HasPrefix(v.ports[i].p.Location, drc+"-T") {
				ports = append(ports, &v.ports[i])
			}
		}
		if drc == "" || len(ports) == 0 {
			continue
		}
		nb := &builder{el: &uom.Element{Space: uom.NSUOM, Local: "RelatedIOAdapter"}, schema: rs, ns: uom.NSUOM}
		fa := nb.item("PhysicalFibreChannelAdapter")
		for _, name := range []string{"AdapterID", "Description", "DeviceName", "DynamicReconfigurationConnectorName", "PhysicalLocation"} {
			t, _ := io.FindText(name)
			fa.leaf(name, t)
		}
		fps := fa.sub("PhysicalFibreChannelPorts")
		for _, pv := range ports {
			portInto(fps.item("PhysicalFibreChannelPort"), pv, true)
		}
		for i, c := range rel.Children {
			if c == io {
				rel.Children[i] = fa.el
			}
		}
	}
}
