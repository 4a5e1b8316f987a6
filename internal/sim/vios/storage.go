package vios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// The changes of the VIOS device tree. Each validates everything first and
// stages its changes only when they all hold, so that an error leaves the
// transaction as it was.

// Ready checks that a VIOS can run a storage operation: a Virtual I/O
// Server that is running with an active RMC connection (the REST API and
// viosvrcmd reach its device tree over RMC).
func Ready(tx Tx, uuid string) (*model.Partition, error) {
	v := tx.Partition(uuid)
	if v == nil {
		return nil, model.ErrNoObject("VirtualIOServer", uuid)
	}
	if !v.IsVIOS() {
		return nil, model.Invalid("Partition %s is not a Virtual I/O Server.", v.Name)
	}
	if v.State != model.StateRunning {
		return nil, ErrNotRunning(v)
	}
	if v.RMCState != model.RMCActive {
		return nil, ErrNoRMC(v)
	}
	return v, nil
}

// ErrNotRunning says a VIOS cannot be reached because it is not running.
func ErrNotRunning(v *model.Partition) *model.Error {
	return &model.Error{Kind: model.KindRefused, ID: "PVME01050906-0090",
		Msg: fmt.Sprintf("The Virtual I/O Server %s is %s; its devices can be changed only while it is running.", v.Name, v.State)}
}

// ErrNoRMC says a VIOS cannot be reached because its RMC connection is
// not active.
func ErrNoRMC(v *model.Partition) *model.Error {
	return &model.Error{Kind: model.KindRefused, ID: "PVME01050907-0091",
		Msg: fmt.Sprintf("The RMC connection to Virtual I/O Server %s is %s; the command cannot be run until it is active.", v.Name, v.RMCState)}
}

// ---- volume groups and logical volumes ------------------------------

// CreateVG makes a volume group over free physical volumes of a VIOS.
func CreateVG(tx Tx, vios *model.Partition, name string, pvs []*model.PhysicalVolume) (*model.VolumeGroup, error) {
	if err := model.ValidateDeviceName("volume group", name, model.MaxLVName); err != nil {
		return nil, err
	}
	if DeviceNameTaken(tx, vios.UUID, name) {
		return nil, model.Invalid("The device name %s is already in use on %s.", name, vios.Name)
	}
	if len(pvs) == 0 {
		return nil, model.Invalid("A volume group needs at least one physical volume.")
	}
	for _, p := range pvs {
		if err := pvFree(tx, p); err != nil {
			return nil, err
		}
	}
	vg := &model.VolumeGroup{UUID: newID(tx), VIOS: vios.UUID, Name: name, PPSize: 64,
		SerialID: "00" + hexID(30, vios.UUID, "vg", name, strconv.FormatInt(tx.Now().UnixNano(), 10)), Created: tx.Now().UnixMilli()}
	for _, p := range pvs {
		vg.PVs = append(vg.PVs, p.UUID)
		n := p.CloneObject().(*model.PhysicalVolume)
		n.VG = vg.UUID
		if n.PVID == "" || n.PVID == "none" {
			n.PVID = "00f" + hexID(13, n.UDID, vios.UUID)
		}
		tx.Put(n)
	}
	tx.Put(vg)
	return vg, nil
}

// pvFree checks that a disk is not in a volume group, the cluster or a
// mapping.
func pvFree(tx Tx, p *model.PhysicalVolume) error {
	switch {
	case p.VG != "":
		vg := tx.Get(model.KindVG, p.VG)
		name := p.VG
		if vg != nil {
			name = vg.(*model.VolumeGroup).Name
		}
		return model.Refused("The physical volume %s is in volume group %s.", p.Name, name)
	case p.Cluster:
		return model.Refused("The physical volume %s belongs to the shared storage pool cluster.", p.Name)
	case len(MappingsOf(tx, model.BackPV, p.UUID)) > 0:
		return model.Refused("The physical volume %s is in use as a backing device.", p.Name)
	}
	return nil
}

// RemoveVG removes an empty volume group (no logical volumes, no media
// repository); its disks become free.
func RemoveVG(tx Tx, vg *model.VolumeGroup) error {
	if lvs := LVs(tx, vg.UUID); len(lvs) > 0 {
		return model.Refused("The volume group %s still holds %d logical volume(s); remove them first.", vg.Name, len(lvs))
	}
	if vg.RepositoryMB > 0 {
		return model.Refused("The volume group %s holds the virtual media repository; remove it first.", vg.Name)
	}
	if vg.ReservedMB > 0 {
		return model.Refused("The volume group %s is the Virtual I/O Server's root volume group.", vg.Name)
	}
	for _, id := range vg.PVs {
		if o := tx.Get(model.KindPV, id); o != nil {
			n := o.CloneObject().(*model.PhysicalVolume)
			n.VG = ""
			tx.Put(n)
		}
	}
	tx.Delete(model.KindVG, vg.UUID)
	return nil
}

// CreateLV makes a logical volume (a VirtualDisk) in a volume group.
func CreateLV(tx Tx, vg *model.VolumeGroup, name string, sizeMB int, label string) (*model.LogicalVolume, error) {
	if err := model.ValidateDeviceName("logical volume", name, model.MaxLVName); err != nil {
		return nil, err
	}
	if sizeMB <= 0 {
		return nil, model.Invalid("The size of logical volume %s must be greater than 0.", name)
	}
	if DeviceNameTaken(tx, vg.VIOS, name) {
		return nil, model.Invalid("The device name %s is already in use on the Virtual I/O Server.", name)
	}
	sizeMB = roundUp(sizeMB, ppSize(vg))
	if free := VGFreeMB(tx, vg); sizeMB > free {
		return nil, model.ErrNoSpace("volume group "+vg.Name, sizeMB, free)
	}
	used := map[string]bool{}
	for _, l := range LVs(tx, vg.UUID) {
		used[l.UDID] = true
	}
	minor := 1
	for used[lvUDID(vg, minor)] {
		minor++
	}
	lv := &model.LogicalVolume{UUID: newID(tx), VIOS: vg.VIOS, VG: vg.UUID, Name: name,
		CapacityMB: sizeMB, Label: label, UDID: lvUDID(vg, minor)}
	tx.Put(lv)
	touchVG(tx, vg)
	return lv, nil
}

func lvUDID(vg *model.VolumeGroup, minor int) string {
	return "03" + vg.SerialID + "." + strconv.Itoa(minor)
}

func ppSize(vg *model.VolumeGroup) int {
	if vg.PPSize > 0 {
		return vg.PPSize
	}
	return 64
}

func roundUp(n, unit int) int { return (n + unit - 1) / unit * unit }

// touchVG stages the volume group unchanged so that its revision moves
// (its rendering lists its disks and media).
func touchVG(tx Tx, vg *model.VolumeGroup) {
	if o := tx.Get(model.KindVG, vg.UUID); o != nil {
		tx.Put(o.CloneObject())
	}
}

// ResizeLV grows a logical volume (AIX logical volumes do not shrink).
func ResizeLV(tx Tx, lv *model.LogicalVolume, sizeMB int) (*model.LogicalVolume, error) {
	vg, _ := tx.Get(model.KindVG, lv.VG).(*model.VolumeGroup)
	if vg == nil {
		return nil, model.Internal("logical volume %s has no volume group", lv.Name)
	}
	sizeMB = roundUp(sizeMB, ppSize(vg))
	if sizeMB < lv.CapacityMB {
		return nil, model.Invalid("The logical volume %s cannot shrink from %d MB to %d MB.", lv.Name, lv.CapacityMB, sizeMB)
	}
	if sizeMB == lv.CapacityMB {
		return lv, nil
	}
	if free := VGFreeMB(tx, vg); sizeMB-lv.CapacityMB > free {
		return nil, model.ErrNoSpace("volume group "+vg.Name, sizeMB-lv.CapacityMB, free)
	}
	n := lv.CloneObject().(*model.LogicalVolume)
	n.CapacityMB = sizeMB
	tx.Put(n)
	touchVG(tx, vg)
	return n, nil
}

// RemoveLV removes a logical volume that no mapping uses.
func RemoveLV(tx Tx, lv *model.LogicalVolume) error {
	if len(MappingsOf(tx, model.BackLV, lv.UUID)) > 0 {
		return model.Refused("The logical volume %s is in use as a backing device; remove its mapping first.", lv.Name)
	}
	tx.Delete(model.KindLV, lv.UUID)
	if vg, _ := tx.Get(model.KindVG, lv.VG).(*model.VolumeGroup); vg != nil {
		touchVG(tx, vg)
	}
	return nil
}

// ---- the virtual media repository and optical media -------------------

// CreateRepository makes the VIOS's virtual media repository in a volume
// group (one per VIOS).
func CreateRepository(tx Tx, vg *model.VolumeGroup, sizeMB int) error {
	if r := Repository(tx, vg.VIOS); r != nil {
		return model.Refused("The Virtual I/O Server already has a virtual media repository in volume group %s.", r.Name)
	}
	if sizeMB <= 0 {
		return model.Invalid("The size of the virtual media repository must be greater than 0.")
	}
	sizeMB = roundUp(sizeMB, ppSize(vg))
	if free := VGFreeMB(tx, vg); sizeMB > free {
		return model.ErrNoSpace("volume group "+vg.Name, sizeMB, free)
	}
	n := vg.CloneObject().(*model.VolumeGroup)
	n.RepositoryName, n.RepositoryMB = "VMLibrary", sizeMB
	tx.Put(n)
	return nil
}

// ResizeRepository changes the size of the repository: it grows from the
// volume group's free space and shrinks down to what its media hold.
func ResizeRepository(tx Tx, vg *model.VolumeGroup, sizeMB int) error {
	if vg.RepositoryMB == 0 {
		return model.ErrNoObject("VirtualMediaRepository", "in volume group "+vg.Name)
	}
	sizeMB = roundUp(sizeMB, ppSize(vg))
	if sizeMB == vg.RepositoryMB {
		return nil
	}
	used := vg.RepositoryMB - RepositoryFreeMB(tx, vg.VIOS)
	if sizeMB < used {
		return model.Refused("The virtual media repository holds %d MB of media; it cannot shrink to %d MB.", used, sizeMB)
	}
	if grow := sizeMB - vg.RepositoryMB; grow > 0 {
		if free := VGFreeMB(tx, vg); grow > free {
			return model.ErrNoSpace("volume group "+vg.Name, grow, free)
		}
	}
	n := vg.CloneObject().(*model.VolumeGroup)
	n.RepositoryMB = sizeMB
	tx.Put(n)
	return nil
}

// RemoveRepository removes the repository; with force its media go too
// (unless loaded).
func RemoveRepository(tx Tx, vios string, force bool) error {
	r := Repository(tx, vios)
	if r == nil {
		return model.ErrNoObject("VirtualMediaRepository", "on this Virtual I/O Server")
	}
	media := Media(tx, vios)
	if len(media) > 0 && !force {
		return model.Refused("The virtual media repository still holds %d virtual optical media; remove them first or force the removal.", len(media))
	}
	for _, m := range media {
		if len(MappingsOf(tx, model.BackMedia, m.UUID)) > 0 {
			return model.Refused("The virtual optical media %s is loaded in a virtual optical device; unload it first.", m.Name)
		}
	}
	for _, m := range media {
		tx.Delete(model.KindMedia, m.UUID)
	}
	n := r.CloneObject().(*model.VolumeGroup)
	n.RepositoryName, n.RepositoryMB = "", 0
	tx.Put(n)
	return nil
}

// AddMedia adds a virtual optical media to the repository. file names its
// content under the state directory ("" for none).
func AddMedia(tx Tx, vios *model.Partition, name string, sizeMB int, mountType, file string) (*model.OpticalMedia, error) {
	if err := model.ValidateDeviceName("virtual optical media", name, model.MaxMediaName); err != nil {
		return nil, err
	}
	r := Repository(tx, vios.UUID)
	if r == nil {
		return nil, model.Refused("The Virtual I/O Server %s has no virtual media repository; create one first.", vios.Name)
	}
	if MediaByName(tx, vios.UUID, name) != nil {
		return nil, model.Invalid("The virtual optical media name %s is already in use in the repository of %s.", name, vios.Name)
	}
	if sizeMB < 0 {
		return nil, model.Invalid("The size of virtual optical media %s must not be negative.", name)
	}
	if free := RepositoryFreeMB(tx, vios.UUID); sizeMB > free {
		return nil, model.ErrNoSpace("the virtual media repository of "+vios.Name, sizeMB, free)
	}
	switch mountType {
	case "":
		mountType = "rw"
	case "ro", "rw":
	default:
		return nil, model.ErrBadValue("MountType", mountType, "ro, rw")
	}
	m := &model.OpticalMedia{UUID: newID(tx), VIOS: vios.UUID, Name: name, SizeMB: sizeMB,
		MountType: mountType, UDID: "0e" + name, File: file}
	tx.Put(m)
	touchVG(tx, r)
	return m, nil
}

// RemoveMedia removes a virtual optical media that is not loaded.
func RemoveMedia(tx Tx, m *model.OpticalMedia) error {
	if len(MappingsOf(tx, model.BackMedia, m.UUID)) > 0 {
		return model.Refused("The virtual optical media %s is loaded in a virtual optical device; unload it first.", m.Name)
	}
	tx.Delete(model.KindMedia, m.UUID)
	if r := Repository(tx, m.VIOS); r != nil {
		touchVG(tx, r)
	}
	return nil
}

// ---- shared storage pool logical units ------------------------------

// LUSpec is a logical unit to make.
type LUSpec struct {
	Name       string
	CapacityMB int
	Thin       bool
	Type       string // model.LUDisk (default) or model.LUImage
	ClonedFrom string // UDID of an image LU for a linked clone
}

// ClusterReady checks that some node of a pool's cluster can run a
// cluster command.
func ClusterReady(tx Tx, ssp *model.SharedStoragePool) error {
	c := ClusterOf(tx, ssp)
	if c == nil {
		return model.Internal("pool %s has no cluster", ssp.Name)
	}
	var last error
	for _, n := range c.Nodes {
		if _, err := Ready(tx, n); err == nil {
			return nil
		} else {
			last = err
		}
	}
	if last == nil {
		last = model.Refused("The cluster %s has no nodes.", c.Name)
	}
	return last
}

// CreateLU makes a logical unit in a pool: thick ones take their whole
// size from the free space (refused when it is not there), thin ones only
// what is written; a linked clone of an image starts empty and records
// ClonedFrom.
func CreateLU(tx Tx, ssp *model.SharedStoragePool, spec LUSpec) (*model.LogicalUnit, error) {
	if err := model.ValidateDeviceName("logical unit", spec.Name, model.MaxLUName); err != nil {
		return nil, err
	}
	if spec.CapacityMB <= 0 {
		return nil, model.Invalid("The size of logical unit %s must be greater than 0.", spec.Name)
	}
	switch spec.Type {
	case "":
		spec.Type = model.LUDisk
	case model.LUDisk, model.LUImage:
	default:
		return nil, model.ErrBadValue("LogicalUnitType", spec.Type, model.LUDisk+", "+model.LUImage)
	}
	if len(LUByName(tx, ssp.UUID, spec.Name)) > 0 {
		return nil, model.Invalid("The logical unit name %s is already in use in pool %s.", spec.Name, ssp.Name)
	}
	if spec.ClonedFrom != "" {
		src := LUByUDID(tx, spec.ClonedFrom)
		if src == nil || src.SSP != ssp.UUID {
			return nil, model.ErrNoObject("LogicalUnit", spec.ClonedFrom+" in pool "+ssp.Name)
		}
		if spec.CapacityMB < src.CapacityMB {
			return nil, model.Invalid("The linked clone %s (%d MB) cannot be smaller than its source %s (%d MB).", spec.Name, spec.CapacityMB, src.Name, src.CapacityMB)
		}
		spec.ClonedFrom = src.UDID
		spec.Thin = true
	}
	if !spec.Thin {
		if free := PoolFreeMB(tx, ssp); spec.CapacityMB > free {
			return nil, model.ErrNoSpace("shared storage pool "+ssp.Name, spec.CapacityMB, free)
		}
	}
	c := ClusterOf(tx, ssp)
	prefix := "27"
	if spec.Type == model.LUImage {
		prefix = "29"
	}
	lu := &model.LogicalUnit{UUID: newID(tx), SSP: ssp.UUID, Name: spec.Name, CapacityMB: spec.CapacityMB,
		Thin: spec.Thin, Type: spec.Type, ClonedFrom: spec.ClonedFrom}
	for {
		lu.UDID = prefix + c.ID + strings.ReplaceAll(newID(tx), "-", "")
		if LUByUDID(tx, lu.UDID) == nil {
			break
		}
	}
	tx.Put(lu)
	return lu, nil
}

// ResizeLU grows a logical unit (they do not shrink).
func ResizeLU(tx Tx, lu *model.LogicalUnit, sizeMB int) (*model.LogicalUnit, error) {
	if sizeMB < lu.CapacityMB {
		return nil, model.Invalid("The logical unit %s cannot shrink from %d MB to %d MB.", lu.Name, lu.CapacityMB, sizeMB)
	}
	if sizeMB == lu.CapacityMB {
		return lu, nil
	}
	ssp, _ := tx.Get(model.KindSSP, lu.SSP).(*model.SharedStoragePool)
	if ssp == nil {
		return nil, model.Internal("logical unit %s has no pool", lu.Name)
	}
	if !lu.Thin {
		if free := PoolFreeMB(tx, ssp); sizeMB-lu.CapacityMB > free {
			return nil, model.ErrNoSpace("shared storage pool "+ssp.Name, sizeMB-lu.CapacityMB, free)
		}
	}
	n := lu.CloneObject().(*model.LogicalUnit)
	n.CapacityMB = sizeMB
	tx.Put(n)
	return n, nil
}

// WriteLU records that size MB were written to a thin logical unit (an
// upload), taking that much of the pool.
func WriteLU(tx Tx, lu *model.LogicalUnit, sizeMB int) error {
	if sizeMB > lu.CapacityMB {
		return model.Invalid("%d MB do not fit in logical unit %s of %d MB.", sizeMB, lu.Name, lu.CapacityMB)
	}
	if lu.Thin && sizeMB > lu.UsedMB {
		ssp, _ := tx.Get(model.KindSSP, lu.SSP).(*model.SharedStoragePool)
		if ssp == nil {
			return model.Internal("logical unit %s has no pool", lu.Name)
		}
		if free := PoolFreeMB(tx, ssp); sizeMB-lu.UsedMB > free {
			return model.ErrNoSpace("shared storage pool "+ssp.Name, sizeMB-lu.UsedMB, free)
		}
	}
	n := lu.CloneObject().(*model.LogicalUnit)
	if sizeMB > n.UsedMB {
		n.UsedMB = sizeMB
	}
	tx.Put(n, "Other")
	return nil
}

// ClonesOf returns the linked clones of an image LU.
func ClonesOf(tx Tx, lu *model.LogicalUnit) []*model.LogicalUnit {
	return collect(tx, model.KindLU, func(l *model.LogicalUnit) bool { return l.ClonedFrom == lu.UDID && l.UUID != lu.UUID })
}

// RemoveLU removes a logical unit that is not mapped and has no linked
// clones; its space returns to the pool.
func RemoveLU(tx Tx, lu *model.LogicalUnit) error {
	if ms := MappingsOf(tx, model.BackLU, lu.UUID); len(ms) > 0 {
		return model.Refused("The logical unit %s is mapped (%s on %s); remove the mapping first.", lu.Name, ms[0].Target, partitionName(tx, ms[0].VIOS))
	}
	if cl := ClonesOf(tx, lu); len(cl) > 0 {
		return model.Refused("The logical unit %s is the source of %d linked clone(s) (%s); remove them first.", lu.Name, len(cl), cl[0].Name)
	}
	tx.Delete(model.KindLU, lu.UUID)
	return nil
}

func partitionName(tx Tx, uuid string) string {
	if p := tx.Partition(uuid); p != nil {
		return p.Name
	}
	return uuid
}

// ---- vSCSI mappings ---------------------------------------------------

// SCSISpec is a vSCSI mapping to make.
type SCSISpec struct {
	Client     string // client partition UUID
	ClientSlot int    // 0: the adapter pair of this client if any, else the next free slot
	ServerSlot int    // 0: likewise
	Backing    string // model.BackPV, BackLV, BackMedia, BackLU; "" for the adapter pair alone
	BackingID  string // UUID of the device ("" with BackMedia: an empty optical drive)
	Target     string // target device name ("" to generate)
	LUA        string // logical unit address ("" to generate)
}

// pair is the adapter pair of a client on a VIOS.
type pair struct {
	server, client int
	vhost          string
}

// MapSCSI maps a device of a VIOS to a client partition through their
// adapter pair (made when the client has none on this VIOS, or when the
// spec asks for other slots).
func MapSCSI(tx Tx, vios *model.Partition, spec SCSISpec) (*model.SCSIMapping, error) {
	client := tx.Partition(spec.Client)
	if client == nil {
		return nil, model.ErrNoPartition(spec.Client)
	}
	if client.UUID == vios.UUID {
		return nil, model.Invalid("A Virtual I/O Server cannot map storage to itself.")
	}
	p, adapterOnly, err := findPair(tx, vios, client, spec)
	if err != nil {
		return nil, err
	}
	m := &model.SCSIMapping{UUID: newID(tx), VIOS: vios.UUID, Client: client.UUID, Created: tx.Now().UnixNano()}
	if p == nil {
		if err := vios.DLPARAllowed("adding a virtual SCSI server adapter"); err != nil {
			return nil, err
		}
		if err := client.DLPARAllowed("adding a virtual SCSI client adapter"); err != nil {
			return nil, err
		}
		np, err := newPair(tx, vios, client, spec.ServerSlot, spec.ClientSlot)
		if err != nil {
			return nil, err
		}
		p = np
	}
	m.ServerSlot, m.ClientSlot, m.VHost = p.server, p.client, p.vhost
	if spec.Backing == "" {
		if adapterOnly != nil {
			return adapterOnly, nil
		}
		tx.Put(m)
		return m, nil
	}
	if err := checkBacking(tx, vios, client, spec); err != nil {
		return nil, err
	}
	m.Backing, m.BackingID = spec.Backing, spec.BackingID
	if m.Target, err = targetName(tx, vios, spec); err != nil {
		return nil, err
	}
	if m.LUA, err = lua(tx, vios.UUID, p, spec.LUA); err != nil {
		return nil, err
	}
	if adapterOnly != nil {
		tx.Delete(model.KindSCSIMap, adapterOnly.UUID)
	}
	tx.Put(m)
	touchBacking(tx, m)
	return m, nil
}

// findPair returns the client's adapter pair on the VIOS that the spec
// means (nil when a new one is to be made) and its adapter-only record.
func findPair(tx Tx, vios, client *model.Partition, spec SCSISpec) (*pair, *model.SCSIMapping, error) {
	if spec.ServerSlot != 0 {
		for _, m := range PairMappings(tx, vios.UUID, spec.ServerSlot) {
			if m.Client != client.UUID {
				return nil, nil, model.Invalid("The virtual slot %d of %s is the server adapter %s of another partition.", m.ServerSlot, vios.Name, m.VHost)
			}
		}
	}
	// The client's mappings through this VIOS.
	var mine []*model.SCSIMapping
	tx.EachBy(model.SCSIByClient, client.UUID, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.VIOS == vios.UUID {
			mine = append(mine, m)
		}
	})
	sortSCSI(mine)
	var found *pair
	var only *model.SCSIMapping
	for _, m := range mine {
		if spec.ServerSlot != 0 && m.ServerSlot != spec.ServerSlot || spec.ClientSlot != 0 && m.ClientSlot != spec.ClientSlot {
			continue
		}
		if found == nil {
			found = &pair{m.ServerSlot, m.ClientSlot, m.VHost}
		}
		if m.ServerSlot == found.server && m.Backing == "" {
			only = m
		}
	}
	return found, only, nil
}

// newPair allocates a server slot, a client slot and a vhost.
func newPair(tx Tx, vios, client *model.Partition, serverSlot, clientSlot int) (*pair, error) {
	var err error
	if serverSlot == 0 {
		if serverSlot, err = FreeSlot(tx, vios, false); err != nil {
			return nil, err
		}
	} else if err := slotFree(tx, vios, serverSlot); err != nil {
		return nil, err
	}
	if clientSlot == 0 {
		if clientSlot, err = FreeSlot(tx, client, false); err != nil {
			return nil, err
		}
	} else if err := slotFree(tx, client, clientSlot); err != nil {
		return nil, err
	}
	return &pair{serverSlot, clientSlot, nextName(tx, vios.UUID, "vhost", model.VHostNames)}, nil
}

func slotFree(tx Tx, p *model.Partition, slot int) error {
	if slot < model.FirstUserSlot || slot >= p.MaxVirtualSlots {
		return model.Invalid("The virtual slot %d is not valid for partition %s: slots go from %d to %d.", slot, p.Name, model.FirstUserSlot, p.MaxVirtualSlots-1)
	}
	if UsedSlots(tx, p.UUID).Used(slot) {
		return model.Invalid("The virtual slot %d of partition %s is already in use.", slot, p.Name)
	}
	return nil
}

// checkBacking checks that the device exists on the VIOS and may be mapped
// to the client.
func checkBacking(tx Tx, vios, client *model.Partition, spec SCSISpec) error {
	others := MappingsOf(tx, spec.Backing, spec.BackingID)
	switch spec.Backing {
	case model.BackPV:
		pv, _ := tx.Get(model.KindPV, spec.BackingID).(*model.PhysicalVolume)
		if pv == nil || pv.VIOS != vios.UUID {
			return errUnknown("PhysicalVolume", spec.BackingID, vios)
		}
		if err := pvFree(tx, pv); err != nil {
			return err
		}
		return lunFreeFor(tx, pv, client)
	case model.BackLV:
		lv, _ := tx.Get(model.KindLV, spec.BackingID).(*model.LogicalVolume)
		if lv == nil || lv.VIOS != vios.UUID {
			return errUnknown("VirtualDisk", spec.BackingID, vios)
		}
		if len(others) > 0 {
			return model.Refused("The logical volume %s is already in use as a backing device (%s).", lv.Name, others[0].Target)
		}
	case model.BackMedia:
		if spec.BackingID == "" {
			return nil
		}
		m, _ := tx.Get(model.KindMedia, spec.BackingID).(*model.OpticalMedia)
		if m == nil || m.VIOS != vios.UUID {
			return errUnknown("VirtualOpticalMedia", spec.BackingID, vios)
		}
		if m.MountType != "ro" && len(others) > 0 {
			return model.Refused("The virtual optical media %s is loaded read-write in %s; it can be loaded in only one device.", m.Name, others[0].Target)
		}
	case model.BackLU:
		lu, _ := tx.Get(model.KindLU, spec.BackingID).(*model.LogicalUnit)
		if lu == nil {
			return errUnknown("LogicalUnit", spec.BackingID, vios)
		}
		ssp, _ := tx.Get(model.KindSSP, lu.SSP).(*model.SharedStoragePool)
		if c := ClusterOf(tx, ssp); ssp == nil || c == nil || !containsStr(c.Nodes, vios.UUID) {
			return model.Refused("The Virtual I/O Server %s is not a node of the cluster of logical unit %s.", vios.Name, lu.Name)
		}
		for _, o := range others {
			if o.Client != client.UUID {
				return model.Refused("The logical unit %s is already mapped to partition %s; a logical unit can be mapped to one partition only.", lu.Name, partitionName(tx, o.Client))
			}
			if o.VIOS == vios.UUID {
				return model.Refused("The logical unit %s is already mapped to partition %s through %s (%s).", lu.Name, client.Name, vios.Name, o.Target)
			}
		}
	case model.BackRBD:
		img, _ := tx.Get(model.KindRBDImage, spec.BackingID).(*model.RBDImage)
		if img == nil {
			return errUnknown("RBD image", spec.BackingID, vios)
		}
		for _, o := range others {
			if o.Client != client.UUID {
				return model.Refused("The RBD image %s is already mapped to partition %s; an image is mapped to one partition at a time.", img.Path(), partitionName(tx, o.Client))
			}
			if o.VIOS == vios.UUID {
				return model.Refused("The RBD image %s is already mapped to partition %s through %s (%s).", img.Path(), client.Name, vios.Name, o.Target)
			}
		}
	default:
		return model.ErrBadValue("Storage", spec.Backing, "PhysicalVolume, VirtualDisk, VirtualOpticalMedia, LogicalUnit")
	}
	return nil
}

// lunFreeFor refuses to map the disk of a SAN volume to a client while
// another partition has the same volume mapped (through any VIOS), unless
// the volume is shared: a volume belongs to one partition at a time.
func lunFreeFor(tx Tx, pv *model.PhysicalVolume, client *model.Partition) error {
	if pv.LUN == "" {
		return nil
	}
	vol, _ := tx.Get(model.KindSANLUN, pv.LUN).(*model.SANLUN)
	if vol == nil || vol.Shared {
		return nil
	}
	var refused error
	tx.Each(model.KindSCSIMap, func(o model.Object) {
		m := o.(*model.SCSIMapping)
		if refused != nil || m.Backing != model.BackPV || m.Client == client.UUID {
			return
		}
		if other, _ := tx.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume); other != nil && other.LUN == pv.LUN {
			refused = &model.Error{Kind: model.KindRefused, ID: "PVME01050504-0013",
				Msg: fmt.Sprintf("The volume %s (%s) is already mapped to partition %s through %s; a volume that is not shared is mapped to one partition at a time.",
					vol.Name, pv.Name, partitionName(tx, m.Client), partitionName(tx, m.VIOS))}
		}
	})
	// In a fleet, the volume's disks on the other systems too (but the
	// partition's own, a partition that migrates).
	if f, ok := tx.(san.Fleet); ok && refused == nil {
		disks := map[string]bool{}
		f.EachPeer(model.KindPV, func(o model.Object, _ *model.ManagedSystem) {
			if p := o.(*model.PhysicalVolume); p.LUN == pv.LUN {
				disks[p.UUID] = true
			}
		})
		if len(disks) > 0 {
			f.EachPeer(model.KindSCSIMap, func(o model.Object, sys *model.ManagedSystem) {
				m := o.(*model.SCSIMapping)
				if refused != nil || m.Backing != model.BackPV || m.Client == client.UUID || !disks[m.BackingID] {
					return
				}
				who := m.Client
				if p, _ := f.PeerPartition(m.Client); p != nil {
					who = p.Name
				}
				refused = &model.Error{Kind: model.KindRefused, ID: "PVME01050504-0013",
					Msg: fmt.Sprintf("The volume %s (%s) is already mapped to partition %s of the managed system %s; a volume that is not shared is mapped to one partition at a time.",
						vol.Name, pv.Name, who, sys.Name)}
			})
		}
	}
	return refused
}

// targetName checks a wanted target device name or makes one (vtoptN for
// optical devices, vtscsiN for the others).
func targetName(tx Tx, vios *model.Partition, spec SCSISpec) (string, error) {
	if spec.Target != "" {
		if err := model.ValidateDeviceName("target device", spec.Target, model.MaxLVName); err != nil {
			return "", err
		}
		// (The VIOS's mappings' target devices are among its devices.)
		if DeviceNameTaken(tx, vios.UUID, spec.Target) {
			return "", model.Invalid("The device name %s is already in use on %s.", spec.Target, vios.Name)
		}
		return spec.Target, nil
	}
	prefix := "vtscsi"
	if spec.Backing == model.BackMedia {
		prefix = "vtopt"
	}
	return nextName(tx, vios.UUID, prefix, model.TargetNames), nil
}

// lua checks a wanted logical unit address or gives the next one on the
// adapter pair (0x8100000000000000 for the first LUN, 0x82... next).
func lua(tx Tx, vios string, p *pair, want string) (string, error) {
	used := map[string]bool{}
	for _, m := range PairMappings(tx, vios, p.server) {
		if m.LUA != "" {
			used[strings.ToLower(m.LUA)] = true
		}
	}
	if want != "" {
		want = strings.ToLower(want)
		if _, err := strconv.ParseUint(strings.TrimPrefix(want, "0x"), 16, 64); err != nil || !strings.HasPrefix(want, "0x") {
			return "", model.ErrBadValue("LogicalUnitAddress", want, "0x followed by 16 hex digits")
		}
		if used[want] {
			return "", model.Invalid("The logical unit address %s is already in use on %s.", want, p.vhost)
		}
		return want, nil
	}
	for n := 1; n < 0x80; n++ {
		if a := fmt.Sprintf("0x%02x00000000000000", 0x80+n); !used[a] {
			return a, nil
		}
	}
	return "", model.Refused("The server adapter %s has no free logical unit address.", p.vhost)
}

// touchBacking moves the revision of a device whose InUse changed.
func touchBacking(tx Tx, m *model.SCSIMapping) {
	if m.Backing == model.BackLU && m.BackingID != "" {
		if o := tx.Get(model.KindLU, m.BackingID); o != nil {
			tx.Put(o.CloneObject(), "InUse")
		}
	}
}

// UnmapSCSI removes a mapping. The adapter pair stays while other mappings
// use it; the last one leaves an adapter-only record when keepAdapters
// (rmvdev keeps the vhost), else the pair goes too.
func UnmapSCSI(tx Tx, m *model.SCSIMapping, keepAdapters bool) error {
	rest := 0
	for _, o := range PairMappings(tx, m.VIOS, m.ServerSlot) {
		if o.UUID != m.UUID {
			rest++
		}
	}
	pairGoes := rest == 0 && !keepAdapters
	if pairGoes {
		if c := tx.Partition(m.Client); c != nil {
			if err := c.DLPARAllowed("removing a virtual SCSI client adapter"); err != nil {
				return err
			}
		}
		if v := tx.Partition(m.VIOS); v != nil {
			if err := v.DLPARAllowed("removing a virtual SCSI server adapter"); err != nil {
				return err
			}
		}
	}
	tx.Delete(model.KindSCSIMap, m.UUID)
	touchBacking(tx, m)
	if rest == 0 && keepAdapters && m.Backing != "" {
		n := &model.SCSIMapping{UUID: newID(tx), VIOS: m.VIOS, Client: m.Client, ServerSlot: m.ServerSlot,
			ClientSlot: m.ClientSlot, VHost: m.VHost, Created: m.Created}
		tx.Put(n)
	}
	return nil
}

// LoadMedia loads a virtual optical media into an empty optical target
// device (loadopt), or unloads it when m is nil (unloadopt).
func LoadMedia(tx Tx, vios *model.Partition, target string, m *model.OpticalMedia) error {
	var dev *model.SCSIMapping
	for _, o := range SCSIMappings(tx, vios.UUID) {
		if o.Target == target {
			dev = o
		}
	}
	if dev == nil || dev.Backing != model.BackMedia {
		return errUnknown("virtual optical device", target, vios)
	}
	n := dev.CloneObject().(*model.SCSIMapping)
	if m == nil {
		if dev.BackingID == "" {
			return model.Refused("The virtual optical device %s has no media loaded.", target)
		}
		n.BackingID = ""
		tx.Put(n)
		return nil
	}
	if dev.BackingID != "" {
		return model.Refused("The virtual optical device %s already has media loaded; unload it first.", target)
	}
	if m.VIOS != vios.UUID {
		return errUnknown("VirtualOpticalMedia", m.Name, vios)
	}
	if others := MappingsOf(tx, model.BackMedia, m.UUID); m.MountType != "ro" && len(others) > 0 {
		return model.Refused("The virtual optical media %s is loaded read-write in %s; it can be loaded in only one device.", m.Name, others[0].Target)
	}
	n.BackingID = m.UUID
	tx.Put(n)
	return nil
}

// ---- vFC mappings -----------------------------------------------------

// FCSpec is a vFC mapping to make.
type FCSpec struct {
	Client     string
	ClientSlot int      // 0: next free
	ServerSlot int      // 0: next free
	Port       string   // physical port name (fcsN); "" to map later
	WWPNs      []string // the client adapter's pair; nil to generate
}

// MapFC makes a vFC adapter pair between a VIOS and a client, on a
// physical port that supports NPIV, with a pair of WWPNs for the client.
func MapFC(tx Tx, vios *model.Partition, spec FCSpec) (*model.FCMapping, error) {
	client := tx.Partition(spec.Client)
	if client == nil {
		return nil, model.ErrNoPartition(spec.Client)
	}
	if client.UUID == vios.UUID || client.IsVIOS() {
		return nil, model.Invalid("Virtual Fibre Channel adapters map a Virtual I/O Server to a client partition, not to %s.", client.Name)
	}
	existing := FCMappings(tx, vios.UUID)
	if spec.Port != "" {
		port, err := fcPortFor(tx, vios, client.UUID, spec.Port, "")
		if err != nil {
			return nil, err
		}
		spec.Port = port.Name
	}
	if err := vios.DLPARAllowed("adding a virtual Fibre Channel server adapter"); err != nil {
		return nil, err
	}
	if err := client.DLPARAllowed("adding a virtual Fibre Channel client adapter"); err != nil {
		return nil, err
	}
	p, err := newPair(tx, vios, client, spec.ServerSlot, spec.ClientSlot)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, m := range existing {
		used[m.VFCHost] = true
	}
	m := &model.FCMapping{UUID: newID(tx), VIOS: vios.UUID, Client: client.UUID, ServerSlot: p.server,
		ClientSlot: p.client, VFCHost: nextUnusedName("vfchost", used), Port: spec.Port, Created: tx.Now().UnixNano()}
	if len(spec.WWPNs) > 0 {
		if len(spec.WWPNs) != 2 {
			return nil, model.Invalid("A virtual Fibre Channel client adapter has two WWPNs, not %d.", len(spec.WWPNs))
		}
		for _, w := range spec.WWPNs {
			w = strings.ToLower(w)
			if !isWWPN(w) {
				return nil, model.ErrBadValue("WWPNs", w, "16 hex digits")
			}
			// The client's own adapters on another system of a fleet
			// are the same adapter (a partition that migrates).
			if by := san.WWPNOwnerBut(tx, w, "", client.UUID); by != "" {
				return nil, model.ErrWWPNInUse(w, by)
			}
			m.WWPNs = append(m.WWPNs, w)
		}
	} else {
		m.WWPNs = newWWPNs(tx)
	}
	tx.Put(m)
	return m, nil
}

// UnmapFC removes a vFC adapter pair.
func UnmapFC(tx Tx, m *model.FCMapping) error {
	if c := tx.Partition(m.Client); c != nil {
		if err := c.DLPARAllowed("removing a virtual Fibre Channel client adapter"); err != nil {
			return err
		}
	}
	tx.Delete(model.KindFCMap, m.UUID)
	return nil
}

func isWWPN(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := strconv.ParseUint(s, 16, 64)
	return err == nil
}

// wwpnInUse tells whether a WWPN is taken anywhere on the SAN: a VIOS's
// physical port, a virtual FC adapter, an array's target port.
func wwpnInUse(tx Tx, w string) bool { return san.WWPNOwner(tx, w, "") != "" }

// PortFC puts an existing vFC mapping on a physical port.
func PortFC(tx Tx, vios *model.Partition, m *model.FCMapping, port string) error {
	p, err := fcPortFor(tx, vios, m.Client, port, m.UUID)
	if err != nil {
		return err
	}
	n := m.CloneObject().(*model.FCMapping)
	n.Port = p.Name
	tx.Put(n)
	return nil
}

// fcPortFor finds a physical port (by name, WWPN or location) with a free
// NPIV connection for a client (skipping the mapping self).
func fcPortFor(tx Tx, vios *model.Partition, client, key, self string) (*model.FCPort, error) {
	var port *model.FCPort
	for _, p := range FCPorts(tx, vios.UUID) {
		if p.Name == key || strings.EqualFold(p.WWPN, key) || p.Location == key {
			port = p
		}
	}
	if port == nil {
		return nil, errUnknown("FibreChannelPort", key, vios)
	}
	n := 0
	for _, m := range FCMappings(tx, vios.UUID) {
		if m.Port != port.Name || m.UUID == self {
			continue
		}
		n++
		if m.Client == client {
			return nil, model.Refused("Partition %s already has a virtual Fibre Channel adapter on port %s of %s.", partitionName(tx, client), port.Name, vios.Name)
		}
	}
	if n >= port.MaxNPIV {
		return nil, model.Refused("The port %s of %s has no free NPIV connection (maximum %d).", port.Name, vios.Name, port.MaxNPIV)
	}
	return port, nil
}

// newWWPNs makes a client adapter's pair of WWPNs.
func newWWPNs(tx Tx) []string { return FreeWWPNs(tx, 2) }

// FreeWWPNs returns n WWPNs no adapter or port uses: IBM's c05076 prefix,
// then digits from the system's serial and a sequence.
func FreeWWPNs(tx Tx, count int) []string {
	serial := tx.System().Serial
	var out []string
	for n := 0; len(out) < count; n++ {
		w := "c05076" + hexID(10, serial, "wwpn", strconv.Itoa(n))
		if !wwpnInUse(tx, w) && !containsStr(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// ---- partitions that go -------------------------------------------------

// CheckRemovable refuses to delete a VIOS that serves storage to client
// partitions or is a node of a cluster.
func CheckRemovable(tx Tx, v *model.Partition) error {
	for _, m := range SCSIMappings(tx, v.UUID) {
		if m.Client != "" && tx.Partition(m.Client) != nil {
			return model.Refused("Virtual I/O Server %s serves virtual SCSI storage to partition %s (%s); remove the mappings first.", v.Name, partitionName(tx, m.Client), m.VHost)
		}
	}
	for _, m := range FCMappings(tx, v.UUID) {
		if m.Client != "" && tx.Partition(m.Client) != nil {
			return model.Refused("Virtual I/O Server %s serves virtual Fibre Channel to partition %s (%s); remove the mappings first.", v.Name, partitionName(tx, m.Client), m.VFCHost)
		}
	}
	var refused error
	tx.Each(model.KindCluster, func(o model.Object) {
		if c := o.(*model.Cluster); containsStr(c.Nodes, v.UUID) && refused == nil {
			refused = model.Refused("Virtual I/O Server %s is a node of cluster %s; remove it from the cluster first.", v.Name, c.Name)
		}
	})
	return refused
}

// RemovePartitionStorage stages what goes with a deleted partition: the
// mappings to it as a client (the hypervisor removes both adapters), and
// for a VIOS its device tree.
func RemovePartitionStorage(tx Tx, p *model.Partition) {
	tx.Each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.Client == p.UUID || m.VIOS == p.UUID {
			tx.Delete(model.KindSCSIMap, m.UUID)
			touchBacking(tx, m)
		}
	})
	tx.Each(model.KindFCMap, func(o model.Object) {
		if m := o.(*model.FCMapping); m.Client == p.UUID || m.VIOS == p.UUID {
			tx.Delete(model.KindFCMap, m.UUID)
		}
	})
	if !p.IsVIOS() {
		return
	}
	for _, k := range []model.ObjKind{model.KindLV, model.KindMedia, model.KindVG, model.KindPV, model.KindFCPort} {
		var keys []string
		tx.Each(k, func(o model.Object) {
			if viosOf(o) == p.UUID {
				keys = append(keys, o.Key())
			}
		})
		for _, key := range keys {
			tx.Delete(k, key)
		}
	}
}

func viosOf(o model.Object) string {
	switch v := o.(type) {
	case *model.PhysicalVolume:
		return v.VIOS
	case *model.VolumeGroup:
		return v.VIOS
	case *model.LogicalVolume:
		return v.VIOS
	case *model.OpticalMedia:
		return v.VIOS
	case *model.FCPort:
		return v.VIOS
	}
	return ""
}

// ---- restoring devices from a backup (viosbr -restore) ----------------------

// The Restore functions stage a device as a backup recorded it, keeping
// its UUID and the identifiers clients see (names, UDIDs, slots, LUAs,
// WWPNs), with the checks of the functions that make new ones; like them
// they validate everything before they stage anything.

// RestoreVG stages a volume group over its physical volumes (by UUID, on
// this VIOS, free), with its media repository when it had one.
func RestoreVG(tx Tx, vios *model.Partition, vg *model.VolumeGroup) error {
	if err := model.ValidateDeviceName("volume group", vg.Name, model.MaxLVName); err != nil {
		return err
	}
	if vg.UUID == "" || tx.Get(model.KindVG, vg.UUID) != nil {
		return model.Invalid("The volume group UUID %s is already in use.", vg.UUID)
	}
	if DeviceNameTaken(tx, vios.UUID, vg.Name) {
		return model.Invalid("The device name %s is already in use on %s.", vg.Name, vios.Name)
	}
	if len(vg.PVs) == 0 {
		return model.Invalid("A volume group needs at least one physical volume.")
	}
	var pvs []*model.PhysicalVolume
	total := 0
	for _, id := range vg.PVs {
		p, _ := tx.Get(model.KindPV, id).(*model.PhysicalVolume)
		if p == nil || p.VIOS != vios.UUID {
			return errUnknown("PhysicalVolume", id, vios)
		}
		if err := pvFree(tx, p); err != nil {
			return err
		}
		pvs = append(pvs, p)
		total += p.CapacityMB
	}
	if vg.RepositoryMB > 0 {
		if r := Repository(tx, vios.UUID); r != nil {
			return model.Refused("The Virtual I/O Server already has a virtual media repository in volume group %s.", r.Name)
		}
	}
	if need := vg.ReservedMB + vg.RepositoryMB; need > total {
		return model.ErrNoSpace("volume group "+vg.Name, need, total)
	}
	n := vg.CloneObject().(*model.VolumeGroup)
	n.VIOS = vios.UUID
	if n.PPSize <= 0 {
		n.PPSize = 64
	}
	for _, p := range pvs {
		c := p.CloneObject().(*model.PhysicalVolume)
		c.VG = n.UUID
		if c.PVID == "" || c.PVID == "none" {
			c.PVID = "00f" + hexID(13, c.UDID, vios.UUID)
		}
		tx.Put(c)
	}
	tx.Put(n)
	return nil
}

// RestoreLV stages a logical volume in its volume group.
func RestoreLV(tx Tx, vg *model.VolumeGroup, lv *model.LogicalVolume) error {
	if err := model.ValidateDeviceName("logical volume", lv.Name, model.MaxLVName); err != nil {
		return err
	}
	if lv.UUID == "" || tx.Get(model.KindLV, lv.UUID) != nil {
		return model.Invalid("The logical volume UUID %s is already in use.", lv.UUID)
	}
	if lv.CapacityMB <= 0 {
		return model.Invalid("The size of logical volume %s must be greater than 0.", lv.Name)
	}
	if DeviceNameTaken(tx, vg.VIOS, lv.Name) {
		return model.Invalid("The device name %s is already in use on the Virtual I/O Server.", lv.Name)
	}
	for _, l := range LVs(tx, vg.UUID) {
		if lv.UDID != "" && strings.EqualFold(l.UDID, lv.UDID) {
			return model.Invalid("The unique device ID %s of logical volume %s is already used by %s.", lv.UDID, lv.Name, l.Name)
		}
	}
	if free := VGFreeMB(tx, vg); lv.CapacityMB > free {
		return model.ErrNoSpace("volume group "+vg.Name, lv.CapacityMB, free)
	}
	n := lv.CloneObject().(*model.LogicalVolume)
	n.VIOS, n.VG = vg.VIOS, vg.UUID
	if n.UDID == "" {
		used := map[string]bool{}
		for _, l := range LVs(tx, vg.UUID) {
			used[l.UDID] = true
		}
		minor := 1
		for used[lvUDID(vg, minor)] {
			minor++
		}
		n.UDID = lvUDID(vg, minor)
	}
	tx.Put(n)
	touchVG(tx, vg)
	return nil
}

// RestoreMedia stages an optical media in the repository, without content
// (a backup records the media, not their images).
func RestoreMedia(tx Tx, vios *model.Partition, m *model.OpticalMedia) error {
	if err := model.ValidateDeviceName("virtual optical media", m.Name, model.MaxMediaName); err != nil {
		return err
	}
	r := Repository(tx, vios.UUID)
	if r == nil {
		return model.Refused("The Virtual I/O Server %s has no virtual media repository; create one first.", vios.Name)
	}
	if m.UUID == "" || tx.Get(model.KindMedia, m.UUID) != nil {
		return model.Invalid("The virtual optical media UUID %s is already in use.", m.UUID)
	}
	if MediaByName(tx, vios.UUID, m.Name) != nil {
		return model.Invalid("The virtual optical media name %s is already in use in the repository of %s.", m.Name, vios.Name)
	}
	if m.SizeMB < 0 {
		return model.Invalid("The size of virtual optical media %s must not be negative.", m.Name)
	}
	if free := RepositoryFreeMB(tx, vios.UUID); m.SizeMB > free {
		return model.ErrNoSpace("the virtual media repository of "+vios.Name, m.SizeMB, free)
	}
	n := m.CloneObject().(*model.OpticalMedia)
	switch n.MountType {
	case "":
		n.MountType = "rw"
	case "ro", "rw":
	default:
		return model.ErrBadValue("MountType", n.MountType, "ro, rw")
	}
	n.VIOS, n.File = vios.UUID, ""
	if n.UDID == "" {
		n.UDID = "0e" + n.Name
	}
	tx.Put(n)
	touchVG(tx, r)
	return nil
}

// RestoreLU stages a logical unit in a pool with its UUID and UDID (its
// contents are not restored: a thin LU starts empty).
func RestoreLU(tx Tx, ssp *model.SharedStoragePool, lu *model.LogicalUnit) error {
	if err := model.ValidateDeviceName("logical unit", lu.Name, model.MaxLUName); err != nil {
		return err
	}
	if lu.CapacityMB <= 0 {
		return model.Invalid("The size of logical unit %s must be greater than 0.", lu.Name)
	}
	switch lu.Type {
	case "", model.LUDisk, model.LUImage:
	default:
		return model.ErrBadValue("LogicalUnitType", lu.Type, model.LUDisk+", "+model.LUImage)
	}
	if lu.UUID == "" || tx.Get(model.KindLU, lu.UUID) != nil {
		return model.Invalid("The logical unit UUID %s is already in use.", lu.UUID)
	}
	if lu.UDID == "" || LUByUDID(tx, lu.UDID) != nil {
		return model.Invalid("The logical unit UDID %s is already in use.", lu.UDID)
	}
	if len(LUByName(tx, ssp.UUID, lu.Name)) > 0 {
		return model.Invalid("The logical unit name %s is already in use in pool %s.", lu.Name, ssp.Name)
	}
	if lu.ClonedFrom != "" {
		if src := LUByUDID(tx, lu.ClonedFrom); src == nil || src.SSP != ssp.UUID {
			return model.ErrNoObject("LogicalUnit", lu.ClonedFrom+" in pool "+ssp.Name)
		}
	}
	if !lu.Thin && lu.ClonedFrom == "" {
		if free := PoolFreeMB(tx, ssp); lu.CapacityMB > free {
			return model.ErrNoSpace("shared storage pool "+ssp.Name, lu.CapacityMB, free)
		}
	}
	n := lu.CloneObject().(*model.LogicalUnit)
	n.SSP, n.UsedMB = ssp.UUID, 0
	if n.Type == "" {
		n.Type = model.LUDisk
	}
	if n.ClonedFrom != "" {
		n.Thin = true
	}
	tx.Put(n)
	return nil
}

// RestoreSCSI stages a vSCSI mapping as recorded: its UUID, its adapter
// pair (vhost name and both slots; an existing pair of the same client at
// that server slot is reused), target device, LUA and backing. With no
// Backing it is the adapter pair alone.
func RestoreSCSI(tx Tx, vios *model.Partition, m *model.SCSIMapping) error {
	if m.UUID == "" || tx.Get(model.KindSCSIMap, m.UUID) != nil {
		return model.Invalid("The mapping UUID %s is already in use.", m.UUID)
	}
	client := tx.Partition(m.Client)
	if client == nil {
		return model.ErrNoPartition(m.Client)
	}
	if client.UUID == vios.UUID {
		return model.Invalid("A Virtual I/O Server cannot map storage to itself.")
	}
	existing := SCSIMappings(tx, vios.UUID)
	pairFound := false
	var only *model.SCSIMapping
	for _, o := range existing {
		if o.ServerSlot != m.ServerSlot {
			if o.VHost == m.VHost {
				return model.Invalid("The server adapter name %s is in use on %s (slot %d).", m.VHost, vios.Name, o.ServerSlot)
			}
			continue
		}
		if o.Client != client.UUID || o.ClientSlot != m.ClientSlot || o.VHost != m.VHost {
			return model.Invalid("The virtual slot %d of %s is the server adapter %s of partition %s (client slot %d).",
				o.ServerSlot, vios.Name, o.VHost, partitionName(tx, o.Client), o.ClientSlot)
		}
		pairFound = true
		if o.Backing == "" {
			only = o
		}
	}
	if !pairFound {
		if err := model.ValidateDeviceName("server adapter", m.VHost, model.MaxLVName); err != nil {
			return err
		}
		if DeviceNameTaken(tx, vios.UUID, m.VHost) {
			return model.Invalid("The device name %s is already in use on %s.", m.VHost, vios.Name)
		}
		if err := vios.DLPARAllowed("adding a virtual SCSI server adapter"); err != nil {
			return err
		}
		if err := client.DLPARAllowed("adding a virtual SCSI client adapter"); err != nil {
			return err
		}
		if err := slotFree(tx, vios, m.ServerSlot); err != nil {
			return err
		}
		if err := slotFree(tx, client, m.ClientSlot); err != nil {
			return err
		}
	}
	n := m.CloneObject().(*model.SCSIMapping)
	n.VIOS, n.Client = vios.UUID, client.UUID
	if m.Backing == "" {
		if pairFound {
			return model.Invalid("The server adapter %s of %s already exists.", m.VHost, vios.Name)
		}
		n.BackingID, n.Target, n.LUA = "", "", ""
		tx.Put(n)
		return nil
	}
	spec := SCSISpec{Client: client.UUID, Backing: m.Backing, BackingID: m.BackingID, Target: m.Target}
	if err := checkBacking(tx, vios, client, spec); err != nil {
		return err
	}
	if m.Target == "" {
		return model.Invalid("A mapping of a device needs its target device name.")
	}
	target, err := targetName(tx, vios, spec)
	if err != nil {
		return err
	}
	if n.LUA, err = lua(tx, vios.UUID, &pair{server: m.ServerSlot, client: m.ClientSlot, vhost: m.VHost}, m.LUA); err != nil {
		return err
	}
	n.Target = target
	if only != nil {
		tx.Delete(model.KindSCSIMap, only.UUID)
	}
	tx.Put(n)
	touchBacking(tx, n)
	return nil
}

// RestoreFC stages a vFC mapping as recorded: its UUID, vfchost name,
// slots, physical port and the client's WWPNs.
func RestoreFC(tx Tx, vios *model.Partition, m *model.FCMapping) error {
	if m.UUID == "" || tx.Get(model.KindFCMap, m.UUID) != nil {
		return model.Invalid("The mapping UUID %s is already in use.", m.UUID)
	}
	client := tx.Partition(m.Client)
	if client == nil {
		return model.ErrNoPartition(m.Client)
	}
	if client.UUID == vios.UUID || client.IsVIOS() {
		return model.Invalid("Virtual Fibre Channel adapters map a Virtual I/O Server to a client partition, not to %s.", client.Name)
	}
	if err := model.ValidateDeviceName("server adapter", m.VFCHost, model.MaxLVName); err != nil {
		return err
	}
	if DeviceNameTaken(tx, vios.UUID, m.VFCHost) {
		return model.Invalid("The device name %s is already in use on %s.", m.VFCHost, vios.Name)
	}
	n := m.CloneObject().(*model.FCMapping)
	n.VIOS, n.Client = vios.UUID, client.UUID
	if m.Port != "" {
		port, err := fcPortFor(tx, vios, client.UUID, m.Port, "")
		if err != nil {
			return err
		}
		n.Port = port.Name
	}
	if err := vios.DLPARAllowed("adding a virtual Fibre Channel server adapter"); err != nil {
		return err
	}
	if err := client.DLPARAllowed("adding a virtual Fibre Channel client adapter"); err != nil {
		return err
	}
	if err := slotFree(tx, vios, m.ServerSlot); err != nil {
		return err
	}
	if err := slotFree(tx, client, m.ClientSlot); err != nil {
		return err
	}
	if len(m.WWPNs) != 2 {
		return model.Invalid("A virtual Fibre Channel client adapter has two WWPNs, not %d.", len(m.WWPNs))
	}
	n.WWPNs = nil
	for _, w := range m.WWPNs {
		w = strings.ToLower(w)
		if !isWWPN(w) {
			return model.ErrBadValue("WWPNs", w, "16 hex digits")
		}
		if by := san.WWPNOwner(tx, w, ""); by != "" {
			return model.ErrWWPNInUse(w, by)
		}
		if containsStr(n.WWPNs, w) {
			return model.Invalid("The WWPN %s is given twice.", w)
		}
		n.WWPNs = append(n.WWPNs, w)
	}
	tx.Put(n)
	return nil
}
