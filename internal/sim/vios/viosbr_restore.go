package vios

import (
	"fmt"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// viosbr -restore: rebuild the VIOS's virtual devices and mappings from a
// backup, all or nothing. Every device of the backup is either in place
// (the same device: same UUID and name, or for target devices the same
// mapping), restored with its UUID, names, UDIDs, slots, LUAs and WWPNs,
// or in conflict; one conflict and nothing changes. The plan runs on an
// overlay of the transaction: -validate reports it and drops it; a
// restore without conflicts replays it onto the transaction.

// restoreTypes are -restore's device types (-type): vscsi (volume groups,
// logical volumes, the media repository and its media, vSCSI mappings),
// npiv (vFC mappings), cluster (the pool's logical units), net (shared
// Ethernet adapters: checked, not made), vlogrepo and ams (nothing on the
// simulated VIOS).
var restoreTypes = []string{"net", "vscsi", "npiv", "cluster", "vlogrepo", "ams"}

func (c *cli) viosbrRestore(a *argv) Result {
	t := a.val("-type")
	if a.has("-type") && !containsStr(restoreTypes, t) {
		return fail(codeUsage, "The device type %q is not valid for -restore. Valid types: %s.", t, strings.Join(restoreTypes, ", "))
	}
	if a.has("-inter") {
		return fail(codeFailed, "viosbr: -inter asks about each device on a terminal, and viosvrcmd runs commands without one; use -validate to see what a restore would do.")
	}
	if a.has("-force") {
		return fail(codeUnsupported, "viosbr: -force restores what it can and skips the rest; the simulated Virtual I/O Server restores all or nothing. Use -validate to see what stops the restore.")
	}
	doc, file, r := c.openBackup(a.val("-file"))
	if r != nil {
		return *r
	}
	n := doc.Node
	if n.UUID != c.v.UUID && !(n.PartitionID == c.v.ID && n.PartitionName == c.v.Name) {
		return fail(codeFailed, "The backup file %s was taken on Virtual I/O Server %s (partition ID %d, UUID %s), not on this node, %s (partition ID %d, UUID %s).\n"+
			"A backup is restored only on the partition it was taken on, or on one with the same partition ID and name; nothing was changed.",
			file, n.PartitionName, n.PartitionID, n.UUID, c.v.Name, c.v.ID, c.v.UUID)
	}
	rs := &restorer{tx: newOverlay(c.tx), v: c.v, doc: doc, only: t}
	rs.run()
	validate := a.has("-validate")
	host := hostname(c.v)
	if len(rs.conflicts) > 0 {
		head := fmt.Sprintf("The backup file %s cannot be restored on this node (%s); nothing was changed:", file, host)
		if validate {
			head = fmt.Sprintf("Validation of the backup file %s on this node (%s) failed; nothing was changed:", file, host)
		}
		return Result{Err: lines(append([]string{head}, rs.conflicts...)), Code: codeFailed}
	}
	var ls []string
	if validate {
		ls = append(ls, fmt.Sprintf("Validation of the backup file %s on this node (%s):", file, host))
		ls = append(ls, section("Devices to deploy:", rs.deployed)...)
	} else {
		rs.tx.replay(c.tx)
		ls = append(ls, fmt.Sprintf("Restore of this node (%s) from the backup file %s:", host, file))
		ls = append(ls, section("Deployed/changed devices:", rs.deployed)...)
	}
	ls = append(ls, section("Devices already in place:", rs.inPlace)...)
	ls = append(ls, section("Devices not restored:", rs.skipped)...)
	if validate {
		ls = append(ls, fmt.Sprintf("Validation of this node (%s) successful; nothing was changed.", host))
	} else {
		ls = append(ls, fmt.Sprintf("Restore of this node (%s) successful", host))
	}
	return ok(lines(ls))
}

func section(title string, items []string) []string {
	if len(items) == 0 {
		return nil
	}
	return append([]string{title}, items...)
}

// restorer plans a restore on an overlay of the transaction.
type restorer struct {
	tx   *overlayTx
	v    *model.Partition
	doc  *backupDoc
	only string // -type ("" for all)

	deployed, inPlace, skipped, conflicts []string
}

func (r *restorer) want(class string) bool { return r.only == "" || r.only == class }

func item(name, what string) string { return fmt.Sprintf("\t%-16s %s", name, what) }

func (r *restorer) deploy(name, format string, args ...any) {
	r.deployed = append(r.deployed, item(name, fmt.Sprintf(format, args...)))
}

func (r *restorer) present(name, format string, args ...any) {
	r.inPlace = append(r.inPlace, item(name, fmt.Sprintf(format, args...)))
}

func (r *restorer) conflict(name, format string, args ...any) {
	r.conflicts = append(r.conflicts, item(name, fmt.Sprintf(format, args...)))
}

// failed records a refusal of a Restore function.
func (r *restorer) failed(name string, err error) {
	msg := err.Error()
	if me, ok := err.(*model.Error); ok {
		msg = me.Msg
	}
	r.conflicts = append(r.conflicts, item(name, msg))
}

func (r *restorer) run() {
	if r.want("vscsi") {
		for _, x := range r.doc.VGs {
			if vg := r.volumeGroup(x); vg != nil {
				for _, l := range x.LVs {
					r.logicalVolume(vg, l)
				}
			}
		}
		r.repository()
	}
	if r.want("cluster") {
		r.logicalUnits()
	}
	if r.want("vscsi") {
		r.scsiMappings()
	}
	if r.want("npiv") {
		r.fcMappings()
	}
	if r.want("net") {
		r.seas()
	}
}

// ---- volume groups, logical volumes, the repository -------------------------------

func (r *restorer) volumeGroup(x vgXML) *model.VolumeGroup {
	tx, v := r.tx, r.v
	if cur, _ := tx.Get(model.KindVG, x.UUID).(*model.VolumeGroup); cur != nil {
		if cur.VIOS == v.UUID && cur.Name == x.Name {
			r.present(x.Name, "volume group")
			return cur
		}
		r.conflict(x.Name, "The volume group UUID %s belongs to volume group %s of %s.", x.UUID, cur.Name, partitionName(tx, cur.VIOS))
		return nil
	}
	if o := VGByName(tx, v.UUID, x.Name); o != nil {
		r.conflict(x.Name, "The device name %s is taken by a different volume group (UUID %s).", x.Name, o.UUID)
		return nil
	}
	if DeviceNameTaken(tx, v.UUID, x.Name) {
		r.conflict(x.Name, "The device name %s is taken by a different device.", x.Name)
		return nil
	}
	vg := &model.VolumeGroup{UUID: x.UUID, Name: x.Name, PPSize: x.PPSizeMB, SerialID: x.SerialID,
		ReservedMB: x.ReservedMB, Created: x.Created}
	var names []string
	for _, m := range x.Members {
		p, _ := tx.Get(model.KindPV, m.UUID).(*model.PhysicalVolume)
		if p == nil || p.VIOS != v.UUID {
			r.conflict(x.Name, "The physical volume %s (UUID %s) of volume group %s is missing.", m.Name, m.UUID, x.Name)
			return nil
		}
		vg.PVs = append(vg.PVs, p.UUID)
		names = append(names, p.Name)
	}
	if err := RestoreVG(tx, v, vg); err != nil {
		r.failed(x.Name, err)
		return nil
	}
	r.deploy(x.Name, "volume group over %s", strings.Join(names, ", "))
	// The volume group as staged (its VIOS and defaults filled in): its
	// logical volumes go into it.
	staged, _ := tx.Get(model.KindVG, vg.UUID).(*model.VolumeGroup)
	return staged
}

func (r *restorer) logicalVolume(vg *model.VolumeGroup, x lvXML) {
	tx, v := r.tx, r.v
	if cur, _ := tx.Get(model.KindLV, x.UUID).(*model.LogicalVolume); cur != nil {
		if cur.VIOS == v.UUID && cur.Name == x.Name && cur.VG == vg.UUID {
			r.present(x.Name, "%s", "logical volume in "+vg.Name)
			return
		}
		r.conflict(x.Name, "The logical volume UUID %s belongs to logical volume %s.", x.UUID, cur.Name)
		return
	}
	if o := LVByName(tx, v.UUID, x.Name); o != nil {
		r.conflict(x.Name, "The device name %s is taken by a different logical volume (UUID %s).", x.Name, o.UUID)
		return
	}
	if DeviceNameTaken(tx, v.UUID, x.Name) {
		r.conflict(x.Name, "The device name %s is taken by a different device.", x.Name)
		return
	}
	lv := &model.LogicalVolume{UUID: x.UUID, Name: x.Name, CapacityMB: x.SizeMB, Label: x.Label, UDID: x.UDID}
	if err := RestoreLV(tx, vg, lv); err != nil {
		r.failed(x.Name, err)
		return
	}
	r.deploy(x.Name, "logical volume (%d MB) in %s", x.SizeMB, vg.Name)
}

func (r *restorer) repository() {
	x := r.doc.Repository
	if x == nil {
		return
	}
	tx, v := r.tx, r.v
	if cur := Repository(tx, v.UUID); cur != nil {
		r.present(cur.RepositoryName, "%s", "virtual media repository in "+cur.Name)
	} else {
		vg, _ := tx.Get(model.KindVG, x.VGUUID).(*model.VolumeGroup)
		if vg == nil || vg.VIOS != v.UUID {
			vg = VGByName(tx, v.UUID, x.VG)
		}
		if vg == nil {
			r.conflict(x.Name, "The volume group %s of the virtual media repository is missing.", x.VG)
			return
		}
		if err := CreateRepository(tx, vg, x.SizeMB); err != nil {
			r.failed(x.Name, err)
			return
		}
		r.deploy(x.Name, "virtual media repository (%d MB) in %s", x.SizeMB, vg.Name)
	}
	for _, m := range x.Media {
		if cur, _ := tx.Get(model.KindMedia, m.UUID).(*model.OpticalMedia); cur != nil {
			if cur.VIOS == v.UUID && cur.Name == m.Name {
				r.present(m.Name, "virtual optical media")
			} else {
				r.conflict(m.Name, "The virtual optical media UUID %s belongs to media %s.", m.UUID, cur.Name)
			}
			continue
		}
		if o := MediaByName(tx, v.UUID, m.Name); o != nil {
			r.conflict(m.Name, "The media name %s is taken by a different virtual optical media (UUID %s).", m.Name, o.UUID)
			continue
		}
		err := RestoreMedia(tx, v, &model.OpticalMedia{UUID: m.UUID, Name: m.Name, SizeMB: m.SizeMB, MountType: m.MountType, UDID: m.UDID})
		if err != nil {
			r.failed(m.Name, err)
			continue
		}
		r.deploy(m.Name, "virtual optical media (%d MB, %s), empty: a backup holds no media contents", m.SizeMB, m.MountType)
	}
}

// ---- logical units -------------------------------------------------------------------

func (r *restorer) logicalUnits() {
	x := r.doc.Cluster
	if x == nil {
		return
	}
	tx, v := r.tx, r.v
	ssp, _ := tx.Get(model.KindSSP, x.Pool.UUID).(*model.SharedStoragePool)
	if ssp == nil {
		ssp = SSPByName(tx, x.Pool.Name)
	}
	if ssp == nil {
		r.conflict(x.Pool.Name, "The shared storage pool %s of cluster %s does not exist; viosbr restores logical units into an existing pool.", x.Pool.Name, x.Name)
		return
	}
	if cl := ClusterOf(tx, ssp); cl == nil || !containsStr(cl.Nodes, v.UUID) {
		r.conflict(x.Pool.Name, "This node (%s) is not a node of the cluster of pool %s.", v.Name, ssp.Name)
		return
	}
	// Sources before their linked clones.
	pending := append([]luXML(nil), x.Pool.LUs...)
	inDoc := map[string]bool{}
	for _, l := range pending {
		inDoc[strings.ToLower(l.UDID)] = true
	}
	for len(pending) > 0 {
		var later []luXML
		for _, l := range pending {
			if l.ClonedFrom != "" && inDoc[strings.ToLower(l.ClonedFrom)] && LUByUDID(tx, l.ClonedFrom) == nil {
				later = append(later, l)
				continue
			}
			r.logicalUnit(ssp, l)
		}
		if len(later) == len(pending) {
			for _, l := range later {
				r.logicalUnit(ssp, l)
			}
			break
		}
		pending = later
	}
}

func (r *restorer) logicalUnit(ssp *model.SharedStoragePool, x luXML) {
	tx := r.tx
	if cur := LUByUDID(tx, x.UDID); cur != nil {
		if cur.UUID == x.UUID && cur.Name == x.Name && cur.SSP == ssp.UUID {
			r.present(x.Name, "%s", "logical unit "+cur.ShortUDID())
		} else {
			r.conflict(x.Name, "The logical unit UDID %s belongs to logical unit %s (UUID %s).", shortUDID(x.UDID), cur.Name, cur.UUID)
		}
		return
	}
	if cur, _ := tx.Get(model.KindLU, x.UUID).(*model.LogicalUnit); cur != nil {
		r.conflict(x.Name, "The logical unit UUID %s belongs to logical unit %s (UDID %s).", x.UUID, cur.Name, cur.ShortUDID())
		return
	}
	if o := LUByName(tx, ssp.UUID, x.Name); len(o) > 0 {
		r.conflict(x.Name, "The logical unit name %s is taken in pool %s by a different logical unit (UDID %s).", x.Name, ssp.Name, o[0].ShortUDID())
		return
	}
	lu := &model.LogicalUnit{UUID: x.UUID, Name: x.Name, CapacityMB: x.SizeMB, Thin: x.Thin, Type: x.Type, UDID: x.UDID, ClonedFrom: x.ClonedFrom}
	if err := RestoreLU(tx, ssp, lu); err != nil {
		r.failed(x.Name, err)
		return
	}
	prov := "thick"
	if x.Thin {
		prov = "thin"
	}
	r.deploy(x.Name, "logical unit %s (%d MB, %s) in pool %s", shortUDID(x.UDID), x.SizeMB, prov, ssp.Name)
}

// ---- mappings ----------------------------------------------------------------------------

// client finds a mapping's client partition: by UUID, else by ID.
func (r *restorer) client(uuid string, id int) *model.Partition {
	if p := r.tx.Partition(uuid); p != nil {
		return p
	}
	var out *model.Partition
	r.tx.Each(model.KindPartition, func(o model.Object) {
		if p := o.(*model.Partition); p.ID == id && id > 0 {
			out = p
		}
	})
	return out
}

func (r *restorer) scsiMappings() {
	tx, v := r.tx, r.v
	for _, h := range r.doc.SVSAs {
		client := r.client(h.ClientUUID, h.ClientID)
		if client == nil {
			r.conflict(h.Name, "The client partition %s (ID %d, UUID %s) does not exist.", h.ClientName, h.ClientID, h.ClientUUID)
			continue
		}
		if len(h.VTDs) == 0 {
			exists := false
			for _, m := range SCSIMappings(tx, v.UUID) {
				if m.ServerSlot == h.ServerSlot && m.VHost == h.Name && m.Client == client.UUID && m.ClientSlot == h.ClientSlot {
					exists = true
				}
			}
			if exists {
				r.present(h.Name, "virtual SCSI server adapter")
				continue
			}
			id := h.UUID
			if id == "" {
				id = NewUUID()
			}
			m := &model.SCSIMapping{UUID: id, Client: client.UUID, ServerSlot: h.ServerSlot, ClientSlot: h.ClientSlot,
				VHost: h.Name, Created: h.Created}
			if err := RestoreSCSI(tx, v, m); err != nil {
				r.failed(h.Name, err)
				continue
			}
			r.deploy(h.Name, "virtual SCSI server adapter (slot %d) to partition %s (slot %d)", h.ServerSlot, client.Name, h.ClientSlot)
			continue
		}
		for _, t := range h.VTDs {
			backing, good := r.backing(t)
			if !good {
				continue
			}
			same := func(m *model.SCSIMapping) bool {
				return m.VIOS == v.UUID && m.Target == t.Name && m.VHost == h.Name && m.Client == client.UUID &&
					m.Backing == t.Backing && m.BackingID == backing
			}
			if cur, _ := tx.Get(model.KindSCSIMap, t.UUID).(*model.SCSIMapping); cur != nil {
				switch {
				case same(cur):
					r.present(t.Name, "%s", "virtual target device on "+h.Name)
					continue
				case placeholderOf(cur, v, h, client):
					// The adapter pair a profile restore (rstprofdata) left
					// in place of this target device, its device being
					// missing then: the target device takes its place.
					tx.Delete(model.KindSCSIMap, cur.UUID)
				default:
					r.conflict(t.Name, "The mapping UUID %s is in use by %s on %s of %s.", t.UUID, cur.Target, cur.VHost, partitionName(tx, cur.VIOS))
					continue
				}
			}
			if cur := targetByName(tx, v.UUID, t.Name); cur != nil {
				if same(cur) {
					r.present(t.Name, "%s", "virtual target device on "+h.Name)
				} else {
					r.conflict(t.Name, "The device name %s is taken by a different virtual target device (on %s, to partition %s).", t.Name, cur.VHost, partitionName(tx, cur.Client))
				}
				continue
			}
			m := &model.SCSIMapping{UUID: t.UUID, Client: client.UUID, ServerSlot: h.ServerSlot, ClientSlot: h.ClientSlot,
				VHost: h.Name, Backing: t.Backing, BackingID: backing, Target: t.Name, LUA: t.LUA, Created: t.Created}
			if err := RestoreSCSI(tx, v, m); err != nil {
				r.failed(t.Name, err)
				continue
			}
			shown := backingDisplay(t)
			if shown == "" {
				shown = "no media"
			}
			r.deploy(t.Name, "%s on %s (LUN %s) to partition %s", shown, h.Name, t.LUA, client.Name)
		}
	}
}

// placeholderOf tells whether m is the adapter pair alone (no device, no
// target device) of the server adapter h of the VIOS v to client, with h's
// slots: what a profile restore leaves of a mapping whose device is
// missing, under the mapping's UUID.
func placeholderOf(m *model.SCSIMapping, v *model.Partition, h svsaXML, client *model.Partition) bool {
	return m.VIOS == v.UUID && m.Backing == "" && m.BackingID == "" && m.Target == "" &&
		m.VHost == h.Name && m.ServerSlot == h.ServerSlot && m.Client == client.UUID && m.ClientSlot == h.ClientSlot
}

// backing finds the device a target device maps (by UUID; a disk also by
// name and UDID; a logical unit by UDID).
func (r *restorer) backing(t vtdXML) (string, bool) {
	tx, v := r.tx, r.v
	switch t.Backing {
	case model.BackPV:
		if p, _ := tx.Get(model.KindPV, t.BackingUUID).(*model.PhysicalVolume); p != nil && p.VIOS == v.UUID {
			return p.UUID, true
		}
		if p := PVByName(tx, v.UUID, t.BackingName); p != nil && strings.EqualFold(p.UDID, t.BackingUDID) {
			return p.UUID, true
		}
		r.conflict(t.Name, "The physical volume %s (UDID %s) it maps is missing.", t.BackingName, t.BackingUDID)
	case model.BackLV:
		if l, _ := tx.Get(model.KindLV, t.BackingUUID).(*model.LogicalVolume); l != nil && l.VIOS == v.UUID {
			return l.UUID, true
		}
		r.conflict(t.Name, "The logical volume %s (UUID %s) it maps is missing.", t.BackingName, t.BackingUUID)
	case model.BackMedia:
		if t.BackingUUID == "" {
			return "", true
		}
		if m, _ := tx.Get(model.KindMedia, t.BackingUUID).(*model.OpticalMedia); m != nil && m.VIOS == v.UUID {
			return m.UUID, true
		}
		r.conflict(t.Name, "The virtual optical media %s (UUID %s) it holds is missing.", t.BackingName, t.BackingUUID)
	case model.BackLU:
		if l := LUByUDID(tx, t.BackingUDID); l != nil {
			return l.UUID, true
		}
		r.conflict(t.Name, "The logical unit %s (UDID %s) it maps is missing from the pool.", t.BackingName, shortUDID(t.BackingUDID))
	case model.BackRBD:
		if img := san.RBDByPath(tx, t.BackingName); img != nil {
			return img.UUID, true
		}
		r.conflict(t.Name, "The RBD image %s it maps is missing from the pool.", t.BackingName)
	default:
		r.conflict(t.Name, "The backing device type %q is not known.", t.Backing)
	}
	return "", false
}

func (r *restorer) fcMappings() {
	tx, v := r.tx, r.v
	for _, x := range r.doc.SVFCs {
		client := r.client(x.ClientUUID, x.ClientID)
		if client == nil {
			r.conflict(x.Name, "The client partition %s (ID %d, UUID %s) does not exist.", x.ClientName, x.ClientID, x.ClientUUID)
			continue
		}
		same := func(m *model.FCMapping) bool {
			return m.VIOS == v.UUID && m.VFCHost == x.Name && m.Client == client.UUID && m.ServerSlot == x.ServerSlot && m.ClientSlot == x.ClientSlot
		}
		if cur, _ := tx.Get(model.KindFCMap, x.UUID).(*model.FCMapping); cur != nil {
			if same(cur) {
				r.present(x.Name, "virtual FC server adapter")
			} else {
				r.conflict(x.Name, "The mapping UUID %s is in use by %s of %s.", x.UUID, cur.VFCHost, partitionName(tx, cur.VIOS))
			}
			continue
		}
		found := false
		for _, m := range FCMappings(tx, v.UUID) {
			if m.VFCHost != x.Name {
				continue
			}
			found = true
			if same(m) {
				r.present(x.Name, "virtual FC server adapter")
			} else {
				r.conflict(x.Name, "The device name %s is taken by a different virtual FC server adapter (to partition %s).", x.Name, partitionName(tx, m.Client))
			}
		}
		if found {
			continue
		}
		var wwpns []string
		if x.WWPNs != "" {
			wwpns = strings.Split(x.WWPNs, ",")
		}
		m := &model.FCMapping{UUID: x.UUID, Client: client.UUID, ServerSlot: x.ServerSlot, ClientSlot: x.ClientSlot,
			VFCHost: x.Name, Port: x.Port, WWPNs: wwpns, Created: x.Created}
		if err := RestoreFC(tx, v, m); err != nil {
			r.failed(x.Name, err)
			continue
		}
		port := x.Port
		if port == "" {
			port = "no port"
		}
		r.deploy(x.Name, "virtual FC server adapter on %s to partition %s (WWPNs %s)", port, client.Name, x.WWPNs)
	}
}

func (r *restorer) seas() {
	for _, s := range r.doc.SEAs {
		found := false
		for _, b := range bridges(r.tx) {
			for _, x := range b.SEAs {
				if x.VIOS == r.v.UUID && x.Device == s.Name {
					found = true
				}
			}
		}
		if found {
			r.present(s.Name, "%s", "Shared Ethernet Adapter over "+s.Backing)
		} else {
			r.skipped = append(r.skipped, item(s.Name, "Shared Ethernet Adapter over "+s.Backing+
				": the simulated VIOS does not make SEAs; make its network bridge through the REST API (NetworkBridge)"))
		}
	}
}

// ---- an overlay transaction ------------------------------------------------------------------

type objRef struct {
	kind model.ObjKind
	key  string
}

// overlayTx stages changes over a transaction without touching it;
// replay puts them onto it.
type overlayTx struct {
	base  Tx
	objs  map[objRef]model.Object // nil: deleted
	order []objRef
	det   map[objRef][]string
}

func newOverlay(base Tx) *overlayTx {
	return &overlayTx{base: base, objs: map[objRef]model.Object{}, det: map[objRef][]string{}}
}

func (o *overlayTx) Get(k model.ObjKind, key string) model.Object {
	if x, ok := o.objs[objRef{k, key}]; ok {
		return x
	}
	return o.base.Get(k, key)
}

func (o *overlayTx) stage(r objRef, x model.Object) {
	if _, ok := o.objs[r]; !ok {
		o.order = append(o.order, r)
	}
	o.objs[r] = x
}

func (o *overlayTx) Put(x model.Object, detail ...string) {
	r := objRef{x.Kind(), x.Key()}
	o.stage(r, x)
	for _, d := range detail {
		if !containsStr(o.det[r], d) {
			o.det[r] = append(o.det[r], d)
		}
	}
}

func (o *overlayTx) Delete(k model.ObjKind, key string) { o.stage(objRef{k, key}, nil) }

func (o *overlayTx) Each(k model.ObjKind, fn func(model.Object)) {
	o.base.Each(k, func(x model.Object) {
		if _, staged := o.objs[objRef{k, x.Key()}]; !staged {
			fn(x)
		}
	})
	for _, r := range o.order {
		if r.kind == k {
			if x := o.objs[r]; x != nil {
				fn(x)
			}
		}
	}
}

func (o *overlayTx) Partition(uuid string) *model.Partition {
	p, _ := o.Get(model.KindPartition, uuid).(*model.Partition)
	return p
}

func (o *overlayTx) System() *model.ManagedSystem { return o.base.System() }
func (o *overlayTx) Now() time.Time               { return o.base.Now() }

// replay stages the overlay's changes on its base, in order.
func (o *overlayTx) replay(tx Tx) {
	for _, r := range o.order {
		if x := o.objs[r]; x != nil {
			tx.Put(x, o.det[r]...)
		} else {
			tx.Delete(r.kind, r.key)
		}
	}
}
