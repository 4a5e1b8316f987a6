package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Restore of the partition configuration (rstprofdata): a profile.bak's
// partitions, virtual adapters, I/O slots and virtual SCSI / Fibre Channel
// adapters and mappings, brought back in one operation: it applies
// completely or not at all. The management partition is never touched.

// Restore levels of rstprofdata -l.
const (
	RestoreFull         = 1 // the configuration becomes the backup's
	RestoreBackupWins   = 2 // merge: where they conflict, the backup's partition replaces the current one
	RestoreCurrentWins  = 3 // merge: only the backup's partitions that conflict with none are added
	RestoreInitializing = 4 // initialize: every partition but the management partition goes
)

// RestoreReport says what a restore did.
type RestoreReport struct {
	Created, Replaced, Unchanged, Deleted, Skipped []string // partition names
	Warnings                                       []string
}

// Restore applies a restored profile at a level. ignoreMAC gives the
// restored adapters new MACs instead of the backup's.
func (c *Core) Restore(a Actor, r *backup.Restored, level int, ignoreMAC bool) (*RestoreReport, error) {
	if level < RestoreFull || level > RestoreInitializing {
		return nil, model.ErrBadValue("restore level", strconv.Itoa(level), "1 (full), 2 (merge, backup wins), 3 (merge, current wins), 4 (initialize)")
	}
	var rep *RestoreReport
	err := c.Apply(a, func(tx *Tx) error {
		rs := &restorer{tx: tx, r: r, level: level, ignoreMAC: ignoreMAC, rep: &RestoreReport{}}
		if err := rs.run(); err != nil {
			return err
		}
		rep = rs.rep
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

type restorer struct {
	tx        *Tx
	r         *backup.Restored
	level     int
	ignoreMAC bool
	rep       *RestoreReport
	before    map[string]string // signature of every partition before
	mgmt      *model.Partition
}

func (rs *restorer) run() error {
	tx := rs.tx
	cur := tx.st.SortedPartitions(nil)
	rs.before = map[string]string{}
	for _, p := range cur {
		rs.before[p.UUID] = signature(tx.st.Get, tx.st.Each, p.UUID)
		if p.IsMgmt {
			rs.mgmt = p
		}
	}
	// What goes and what comes.
	var incoming []*model.Partition
	if rs.level != RestoreInitializing {
		for _, p := range rs.r.Partitions {
			if p.IsMgmt || rs.mgmt != nil && (p.ID == rs.mgmt.ID || p.UUID == rs.mgmt.UUID) {
				continue
			}
			incoming = append(incoming, p)
		}
	}
	conflicts := func(b *model.Partition) []*model.Partition {
		var out []*model.Partition
		for _, p := range cur {
			if p.IsMgmt {
				continue
			}
			if strings.EqualFold(p.UUID, b.UUID) || p.ID == b.ID || p.Name == b.Name {
				out = append(out, p)
			}
		}
		return out
	}
	remove := map[string]*model.Partition{}
	var bring []*model.Partition
	switch rs.level {
	case RestoreInitializing, RestoreFull:
		for _, p := range cur {
			if !p.IsMgmt {
				remove[p.UUID] = p
			}
		}
		bring = incoming
	case RestoreBackupWins:
		for _, b := range incoming {
			for _, p := range conflicts(b) {
				remove[p.UUID] = p
			}
		}
		bring = incoming
	case RestoreCurrentWins:
		for _, b := range incoming {
			if cs := conflicts(b); len(cs) > 0 {
				if p := tx.st.Partition(b.UUID); p != nil && rs.sameAsBackup(p, b) {
					rs.rep.Unchanged = append(rs.rep.Unchanged, b.Name)
				} else {
					rs.rep.Skipped = append(rs.rep.Skipped, b.Name)
				}
				continue
			}
			bring = append(bring, b)
		}
	}
	// A backup partition identical to the current one stays as it is.
	keep := map[string]bool{}
	for _, b := range bring {
		if p := tx.st.Partition(b.UUID); p != nil && remove[p.UUID] != nil && rs.sameAsBackup(p, b) {
			keep[b.UUID] = true
			delete(remove, p.UUID)
		}
	}
	back := map[string]bool{}
	for _, b := range bring {
		back[strings.ToUpper(b.UUID)] = true
	}
	for _, p := range sortedByID(remove) {
		rs.removePartition(p, back[strings.ToUpper(p.UUID)])
	}
	for _, b := range bring {
		if keep[b.UUID] {
			rs.rep.Unchanged = append(rs.rep.Unchanged, b.Name)
			continue
		}
		if err := rs.addPartition(b); err != nil {
			return err
		}
		if tx.st.Partition(b.UUID) != nil {
			rs.rep.Replaced = append(rs.rep.Replaced, b.Name)
		} else {
			rs.rep.Created = append(rs.rep.Created, b.Name)
		}
	}
	for _, p := range sortedByID(remove) {
		if tx.Partition(p.UUID) == nil {
			rs.rep.Deleted = append(rs.rep.Deleted, p.Name)
		}
	}
	restored := map[string]bool{}
	for _, b := range bring {
		if !keep[b.UUID] {
			restored[b.UUID] = true
		}
	}
	if err := rs.addDevices(restored); err != nil {
		return err
	}
	rs.checkBridges()
	// Running partitions must come out as they were.
	for _, p := range cur {
		if p.IsMgmt || !p.Active() {
			continue
		}
		n := tx.Partition(p.UUID)
		if n == nil {
			return model.Refused("The restore would delete partition %s, which is %s; power it off first.", p.Name, p.State)
		}
		if signature(tx.Get, tx.each, p.UUID) != rs.before[p.UUID] {
			return model.Refused("The restore would change partition %s, which is %s; power it off first.", p.Name, p.State)
		}
	}
	return nil
}

func sortedByID(m map[string]*model.Partition) []*model.Partition {
	out := make([]*model.Partition, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// removePartition stages a partition's removal with everything attached
// to it: its adapters, its mappings (either side), its slots; for a VIOS
// that does not come back from the backup, also the network bridges on
// it, its devices and its cluster membership (a VIOS that comes back keeps
// its disks, volume groups and pool: they are not partition configuration).
func (rs *restorer) removePartition(p *model.Partition, comesBack bool) {
	tx := rs.tx
	var maps []*model.SCSIMapping
	tx.each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.VIOS == p.UUID || m.Client == p.UUID {
			maps = append(maps, m)
		}
	})
	for _, m := range maps {
		tx.Delete(model.KindSCSIMap, m.UUID)
		if m.Backing == model.BackLU {
			if o := tx.Get(model.KindLU, m.BackingID); o != nil {
				tx.Put(o.CloneObject(), "InUse")
			}
		}
	}
	var fcs []string
	tx.each(model.KindFCMap, func(o model.Object) {
		if m := o.(*model.FCMapping); m.VIOS == p.UUID || m.Client == p.UUID {
			fcs = append(fcs, m.UUID)
		}
	})
	for _, id := range fcs {
		tx.Delete(model.KindFCMap, id)
	}
	if comesBack {
		for _, a := range tx.AdaptersOf(p.UUID) {
			tx.Delete(model.KindAdapter, a.UUID)
		}
		rs.freeSlots(p)
		tx.DeletePartition(p.UUID)
		return
	}
	for _, a := range tx.AdaptersOf(p.UUID) {
		tx.Delete(model.KindAdapter, a.UUID)
	}
	rs.freeSlots(p)
	if p.IsVIOS() {
		for _, b := range tx.Bridges() {
			for _, s := range b.SEAs {
				if s.VIOS == p.UUID {
					tx.Delete(model.KindBridge, b.UUID)
					rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The network bridge %s on %s was removed with it.", b.UUID, p.Name))
					break
				}
			}
		}
		var clusters []*model.Cluster
		tx.each(model.KindCluster, func(o model.Object) {
			if cl := o.(*model.Cluster); containsStr(cl.Nodes, p.UUID) {
				clusters = append(clusters, cl)
			}
		})
		for _, cl := range clusters {
			n := cl.CloneObject().(*model.Cluster)
			n.Nodes = nil
			for _, id := range cl.Nodes {
				if id != p.UUID {
					n.Nodes = append(n.Nodes, id)
				}
			}
			tx.Put(n)
		}
	}
	vios.RemovePartitionStorage(tx, p)
	sriov.PartitionGone(tx, p)
	tx.DeletePartition(p.UUID)
}

func (rs *restorer) freeSlots(p *model.Partition) {
	tx := rs.tx
	for _, s := range tx.st.SortedSlots() {
		if cur, _ := tx.Get(model.KindSlot, strconv.Itoa(s.DRCIndex)).(*model.IOSlot); cur != nil && cur.Owner == p.UUID {
			n := cur.CloneObject().(*model.IOSlot)
			n.Owner = ""
			tx.Put(n)
		}
	}
}

// checkBridges removes the network bridges whose trunk adapters did not
// come back (the backup's VIOS had other adapters), with a warning.
func (rs *restorer) checkBridges() {
	tx := rs.tx
	for _, b := range tx.Bridges() {
		ok := true
		for _, s := range b.SEAs {
			if tx.Partition(s.VIOS) == nil {
				ok = false
			}
			for _, t := range s.Trunks {
				if tx.Adapter(t) == nil {
					ok = false
				}
			}
		}
		if !ok {
			tx.Delete(model.KindBridge, b.UUID)
			rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The network bridge %s lost its trunk adapters in the restore and was removed.", b.UUID))
		}
	}
}

// addPartition stages a backup partition (configuration only: it comes
// back powered off) with its Ethernet adapters and I/O slots.
func (rs *restorer) addPartition(b *model.Partition) error {
	tx := rs.tx
	sys := tx.System()
	p := b.Clone()
	p.State, p.RefCode, p.RMCState, p.RMCIP = model.StateNotActivated, sim.RefCodeOff, model.RMCNone, ""
	p.CurMem, p.CurUnits, p.CurVP, p.CurProcs, p.CurMode, p.ActivatedAt, p.Restarting = 0, 0, 0, 0, "", 0, false
	p.IsMgmt = false
	if p.OSVersion == "" {
		p.OSVersion = "Unknown"
	}
	p.LogicalSerial = logicalSerial(sys, p.ID)
	if p.MACPrefix == 0 {
		p.MACPrefix = model.MACPrefixFor(sys, p.ID)
	}
	p.Created = tx.Now().UnixMilli()
	if err := model.ValidateDefinition(sys, p); err != nil {
		return fmt.Errorf("partition %s of the backup: %w", p.Name, err)
	}
	if err := tx.CheckUnique(p); err != nil {
		return err
	}
	if owner := tx.uuidOwner(p.UUID, model.KindPartition); owner != "" {
		return fmt.Errorf("partition %s of the backup: %w", p.Name, ErrUUIDInUse(p.UUID, owner))
	}
	tx.PutPartition(p)
	for _, a := range rs.r.Adapters {
		if a.Partition != p.UUID {
			continue
		}
		if err := rs.addAdapter(p, a); err != nil {
			return err
		}
	}
	for _, s := range rs.r.Slots {
		if s.Owner != p.UUID {
			continue
		}
		cur, _ := tx.Get(model.KindSlot, strconv.Itoa(s.DRCIndex)).(*model.IOSlot)
		if cur == nil {
			return model.Refused("The I/O slot %s (DRC index %X) of partition %s in the backup does not exist on this server.", s.DRCName, s.DRCIndex, p.Name)
		}
		if s.DRCName != "" && s.DRCName != cur.DRCName {
			return model.Refused("The I/O slot with DRC index %X is %s on this server, not %s as in the backup.", s.DRCIndex, cur.DRCName, s.DRCName)
		}
		if cur.Owner != "" && cur.Owner != p.UUID {
			owner := cur.Owner
			if op := tx.Partition(cur.Owner); op != nil {
				owner = op.Name
			}
			return model.Refused("The I/O slot %s of partition %s in the backup belongs to %s.", cur.DRCName, p.Name, owner)
		}
		n := cur.CloneObject().(*model.IOSlot)
		n.Owner, n.Required = p.UUID, s.Required
		tx.Put(n)
	}
	return nil
}

// addAdapter stages a backup Ethernet adapter, creating its switch when
// the server lacks it.
func (rs *restorer) addAdapter(p *model.Partition, b *model.EthernetAdapter) error {
	tx := rs.tx
	if tx.SwitchByID(b.SwitchID) == nil {
		// The switch as the backup has it: its name, mode and UUID, when
		// the file gives them (a UUID another switch has is not reused).
		name, mode, id := fmt.Sprintf("VSWITCH%d", b.SwitchID), "", ""
		for _, s := range rs.r.Switches {
			if s.ID == b.SwitchID {
				if s.Name != "" {
					name = s.Name
				}
				mode, id = s.Mode, s.UUID
			}
		}
		if mode == "" {
			mode = model.SwitchVEB
			if name == model.MgmtSwitch {
				mode = model.SwitchVEPA
			}
		}
		if id == "" || tx.Get(model.KindSwitch, id) != nil {
			id = uuid.NewMD5(uuid.NameSpaceOID, []byte(tx.System().UUID+"/vswitch/"+strconv.Itoa(b.SwitchID))).String()
		}
		sw := &model.VirtualSwitch{UUID: id, ID: b.SwitchID, Name: name, Mode: mode, Created: tx.Now().UnixMilli()}
		if err := model.ValidateSwitch(sw); err != nil {
			return err
		}
		for _, s := range tx.Switches() {
			if s.Name == sw.Name {
				return model.Refused("The backup's virtual switch %d is named %s, as switch %d of this server.", sw.ID, sw.Name, s.ID)
			}
		}
		tx.Put(sw)
	}
	a := b.Clone()
	a.Partition = p.UUID
	a.Created = tx.Now().UnixMilli()
	if rs.ignoreMAC || a.MAC == "" {
		a.MAC = tx.allocMAC(p, a.Slot)
	} else if other := tx.adapterByMAC(a.MAC); other != nil && other.UUID != a.UUID {
		owner := other.Partition
		if op := tx.Partition(other.Partition); op != nil {
			owner = op.Name
		}
		return model.Refused("The MAC address %s of adapter %d of partition %s in the backup is in use by partition %s; restore with the option to ignore MAC addresses.", a.MAC, a.Slot, p.Name, owner)
	}
	if a.Trunk && p.IsVIOS() && a.Device == "" {
		a.Device = tx.allocDevice(p)
	}
	if err := tx.checkAdapter(p, a); err != nil {
		return fmt.Errorf("adapter %d of partition %s in the backup: %w", a.Slot, p.Name, err)
	}
	tx.Put(a)
	return nil
}

// addDevices stages the backup's vSCSI and vFC adapters and mappings that
// involve a restored partition. A mapping whose backing device is gone
// (and is not found by name either) comes back as its adapter pair alone,
// with a warning: viosbr -restore on the VIOS brings the device back.
func (rs *restorer) addDevices(restored map[string]bool) error {
	tx := rs.tx
	involved := func(v, c string) bool { return restored[v] || restored[c] }
	for _, m := range rs.r.SCSIMappings {
		if !involved(m.VIOS, m.Client) {
			continue
		}
		v, c := tx.Partition(m.VIOS), tx.Partition(m.Client)
		if v == nil || (m.Client != "" && c == nil) {
			rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The virtual SCSI adapter %s of the backup was not restored: its %s is not on this server.", m.VHost, missingSide(v == nil)))
			continue
		}
		n := m.CloneObject().(*model.SCSIMapping)
		n.Created = tx.Now().UnixNano()
		if n.Backing != "" && n.BackingID != "" && !rs.backingExists(n) {
			if id := rs.backingByName(v, n, rs.r.SCSIBackingNames[m.UUID]); id != "" {
				n.BackingID = id
			} else {
				rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The backing device %s of %s on %s is not on this server; only the adapter pair %s was restored (restore the device with viosbr -restore).",
					orStr(rs.r.SCSIBackingNames[m.UUID], n.BackingID), n.Target, v.Name, n.VHost))
				n.Backing, n.BackingID, n.Target, n.LUA = "", "", "", ""
			}
		}
		if err := rs.checkSlots(v, c, n.ServerSlot, n.ClientSlot, n.UUID); err != nil {
			return err
		}
		if n.Backing == model.BackLU {
			for _, o := range vios.MappingsOf(tx, model.BackLU, n.BackingID) {
				if o.Client != n.Client && o.UUID != n.UUID {
					return model.Refused("The logical unit of %s in the backup is mapped to another partition on this server.", n.Target)
				}
			}
		}
		tx.Put(n)
		if n.Backing == model.BackLU {
			if o := tx.Get(model.KindLU, n.BackingID); o != nil {
				tx.Put(o.CloneObject(), "InUse")
			}
		}
	}
	for _, m := range rs.r.FCMappings {
		if !involved(m.VIOS, m.Client) {
			continue
		}
		v, c := tx.Partition(m.VIOS), tx.Partition(m.Client)
		if v == nil || c == nil {
			rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The virtual Fibre Channel adapter %s of the backup was not restored: its %s is not on this server.", m.VFCHost, missingSide(v == nil)))
			continue
		}
		n := m.CloneObject().(*model.FCMapping)
		n.Created = tx.Now().UnixNano()
		if n.Port != "" {
			found := false
			for _, p := range vios.FCPorts(tx, v.UUID) {
				found = found || p.Name == n.Port
			}
			if !found {
				rs.rep.Warnings = append(rs.rep.Warnings, fmt.Sprintf("The port %s of %s on %s is not on this server; the adapter pair was restored without it.", n.Port, n.VFCHost, v.Name))
				n.Port = ""
			}
		}
		if err := rs.checkSlots(v, c, n.ServerSlot, n.ClientSlot, n.UUID); err != nil {
			return err
		}
		for _, w := range n.WWPNs {
			var clash bool
			tx.each(model.KindFCMap, func(o model.Object) {
				if f := o.(*model.FCMapping); f.UUID != n.UUID {
					for _, x := range f.WWPNs {
						clash = clash || strings.EqualFold(x, w)
					}
				}
			})
			if clash {
				return model.Refused("The WWPN %s of %s in the backup is in use on this server.", w, n.VFCHost)
			}
		}
		tx.Put(n)
	}
	return nil
}

func missingSide(viosMissing bool) string {
	if viosMissing {
		return "Virtual I/O Server"
	}
	return "client partition"
}

// checkSlots refuses virtual slots another adapter of either partition
// already uses.
func (rs *restorer) checkSlots(v, c *model.Partition, server, client int, self string) error {
	tx := rs.tx
	busy := func(p *model.Partition, slot int) bool {
		if p == nil || slot == 0 {
			return false
		}
		for _, a := range tx.AdaptersOf(p.UUID) {
			if a.Slot == slot {
				return true
			}
		}
		clash := false
		tx.each(model.KindSCSIMap, func(o model.Object) {
			m := o.(*model.SCSIMapping)
			if m.UUID == self {
				return
			}
			if m.VIOS == p.UUID && m.ServerSlot == slot && !(p == v && m.ServerSlot == server && m.ClientSlot == client && m.Client == clientUUID(c)) {
				clash = true
			}
			if m.Client == p.UUID && m.ClientSlot == slot && !(p == c && m.ClientSlot == client && m.VIOS == v.UUID && m.ServerSlot == server) {
				clash = true
			}
		})
		tx.each(model.KindFCMap, func(o model.Object) {
			m := o.(*model.FCMapping)
			if m.UUID != self && (m.VIOS == p.UUID && m.ServerSlot == slot || m.Client == p.UUID && m.ClientSlot == slot) {
				clash = true
			}
		})
		return clash
	}
	if busy(v, server) {
		return model.Refused("The virtual slot %d of %s in the backup is used by another adapter on this server.", server, v.Name)
	}
	if busy(c, client) {
		return model.Refused("The virtual slot %d of %s in the backup is used by another adapter on this server.", client, c.Name)
	}
	return nil
}

func clientUUID(c *model.Partition) string {
	if c == nil {
		return ""
	}
	return c.UUID
}

func (rs *restorer) backingExists(m *model.SCSIMapping) bool {
	kind := map[string]model.ObjKind{model.BackPV: model.KindPV, model.BackLV: model.KindLV, model.BackMedia: model.KindMedia,
		model.BackLU: model.KindLU, model.BackRBD: model.KindRBDImage}[m.Backing]
	if kind == "" {
		return false
	}
	return rs.tx.Get(kind, m.BackingID) != nil
}

// backingByName finds a device of the VIOS by the name it had.
func (rs *restorer) backingByName(v *model.Partition, m *model.SCSIMapping, name string) string {
	if name == "" {
		return ""
	}
	tx := rs.tx
	switch m.Backing {
	case model.BackPV:
		if p := vios.PVByName(tx, v.UUID, name); p != nil {
			return p.UUID
		}
	case model.BackLV:
		if l := vios.LVByName(tx, v.UUID, name); l != nil {
			return l.UUID
		}
	case model.BackMedia:
		if md := vios.MediaByName(tx, v.UUID, name); md != nil {
			return md.UUID
		}
	case model.BackLU:
		for _, s := range vios.SSPs(tx) {
			if lus := vios.LUByName(tx, s.UUID, name); len(lus) == 1 {
				return lus[0].UUID
			}
		}
	case model.BackRBD:
		if r := san.RBDByPath(tx, name); r != nil {
			return r.UUID
		}
	}
	return ""
}

// sameAsBackup tells whether a current partition has exactly the backup
// partition's configuration (partition, adapters, slots, mappings).
func (rs *restorer) sameAsBackup(p, b *model.Partition) bool {
	cur := signature(rs.tx.st.Get, rs.tx.st.Each, p.UUID)
	objs := map[model.ObjKind][]model.Object{}
	for _, a := range rs.r.Adapters {
		objs[model.KindAdapter] = append(objs[model.KindAdapter], a)
	}
	for _, s := range rs.r.Slots {
		full, _ := rs.tx.st.Get(model.KindSlot, strconv.Itoa(s.DRCIndex)).(*model.IOSlot)
		if full == nil {
			return false
		}
		n := full.CloneObject().(*model.IOSlot)
		n.Owner, n.Required = s.Owner, s.Required
		objs[model.KindSlot] = append(objs[model.KindSlot], n)
	}
	for _, m := range rs.r.SCSIMappings {
		objs[model.KindSCSIMap] = append(objs[model.KindSCSIMap], m)
	}
	for _, m := range rs.r.FCMappings {
		objs[model.KindFCMap] = append(objs[model.KindFCMap], m)
	}
	bp := b.Clone()
	bp.LogicalSerial = p.LogicalSerial
	if bp.MACPrefix == 0 {
		bp.MACPrefix = p.MACPrefix
	}
	if bp.OSVersion == "" {
		bp.OSVersion = p.OSVersion
	}
	get := func(k model.ObjKind, key string) model.Object {
		if k == model.KindPartition && strings.EqualFold(key, p.UUID) {
			return bp
		}
		return nil
	}
	each := func(k model.ObjKind, fn func(model.Object)) {
		for _, o := range objs[k] {
			fn(o)
		}
	}
	return signature(get, each, p.UUID) == cur
}

// signature is a partition's configuration with what is attached to it,
// without runtime state, revisions and creation times: two partitions
// with the same signature are configured alike.
func signature(get func(model.ObjKind, string) model.Object, each func(model.ObjKind, func(model.Object)), uuid string) string {
	o := get(model.KindPartition, uuid)
	if o == nil {
		return ""
	}
	p := o.(*model.Partition).Clone()
	p.Rev, p.Created, p.Op = 0, 0, 0
	p.State, p.RefCode, p.RMCState, p.RMCIP, p.OSVersion = "", "", "", "", ""
	// The NVRAM is the firmware's, not configuration (profile.bak has none).
	p.NVRAM = ""
	p.CurMem, p.CurUnits, p.CurVP, p.CurProcs, p.CurMode, p.ActivatedAt, p.Restarting = 0, 0, 0, 0, "", 0, false
	// The fields of the processor mode not in use mean nothing.
	if p.Dedicated {
		p.MinUnits, p.DesUnits, p.MaxUnits, p.MinVP, p.DesVP, p.MaxVP, p.Weight, p.PoolID = 0, 0, 0, 0, 0, 0, 0, 0
	} else {
		p.MinProcs, p.DesProcs, p.MaxProcs = 0, 0, 0
	}
	parts := []any{p}
	var lines []string
	add := func(v any) {
		b, _ := json.Marshal(v)
		lines = append(lines, string(b))
	}
	each(model.KindAdapter, func(o model.Object) {
		if a := o.(*model.EthernetAdapter); a.Partition == uuid {
			n := a.Clone()
			n.Rev, n.Created = 0, 0
			add(n)
		}
	})
	each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == uuid {
			add([]any{"slot", s.DRCIndex, s.Required})
		}
	})
	each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.VIOS == uuid || m.Client == uuid {
			n := *m
			n.Rev, n.Created = 0, 0
			add(n)
		}
	})
	each(model.KindFCMap, func(o model.Object) {
		if m := o.(*model.FCMapping); m.VIOS == uuid || m.Client == uuid {
			n := *m
			n.Rev, n.Created = 0, 0
			add(n)
		}
	})
	sort.Strings(lines)
	b, _ := json.Marshal(append(parts, lines))
	return string(b)
}
