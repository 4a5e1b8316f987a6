package core

import (
	"fmt"
	"slices"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Layout is the NovaLink layout pvm-install chose for a new system (its
// novalink-install.cfg): seeded by Inventory.Build, checked and rebuilt by
// Repair.
type Layout struct {
	// MgmtVLAN is the VLAN of the NovaLink partition's network (its
	// adapter on ETHERNET0; the VIOS trunks carry it tagged). 0 or 1: the
	// untagged default.
	MgmtVLAN int `json:"mgmtVLAN,omitempty"`
	// Storage is the VIOSes' rootvg disks, the NovaLink partition's
	// logical volume in each rootvg, and whether there is a shared
	// storage pool.
	Storage vios.Layout `json:"storage"`
}

// Repair rebuilds, in one operation, what of inv's NovaLink layout is
// missing or broken on this system: the NovaLink partition (or its
// management flags), each VIOS (with its disks, rootvg and the NovaLink
// partition's logical volume, its adapters, I/O slots, its place in the
// network bridge and the cluster), MGMTSWITCH and the trunks. The
// objects come back as a fresh install of inv makes them (same UUIDs).
// Client partitions are never touched; a client in the way (an ID or name
// a NovaLink or VIOS partition needs) is an error and nothing changes.
// It returns what it did (nothing when all is in place).
func (c *Core) Repair(a Actor, inv *Inventory) ([]string, error) {
	ref, err := inv.Build(c.clock.Now().UnixMilli(), c.timing)
	if err != nil {
		return nil, err
	}
	var did []string
	err = c.Apply(a, func(tx *Tx) error {
		did = nil
		r := &repair{tx: tx, ref: ref}
		if sys := tx.System(); sys.UUID != ref.System.UUID {
			return model.Refused("The install configuration describes system %s; this is %s. Nothing was repaired.", ref.System.MTMS(), sys.MTMS())
		}
		if err := r.switches(); err != nil {
			return err
		}
		for _, rp := range ref.SortedPartitions(func(p *model.Partition) bool { return p.IsMgmt || p.IsVIOS() }) {
			if err := r.partition(rp); err != nil {
				return err
			}
		}
		did = r.did
		return nil
	})
	if err != nil {
		return nil, err
	}
	return did, nil
}

type repair struct {
	tx  *Tx
	ref *model.State
	did []string
}

func (r *repair) say(format string, args ...any) { r.did = append(r.did, fmt.Sprintf(format, args...)) }

// switches brings back a missing MGMTSWITCH (or ETHERNET0).
func (r *repair) switches() error {
	var err error
	r.ref.Each(model.KindSwitch, func(o model.Object) {
		sw := o.(*model.VirtualSwitch)
		for _, cur := range r.tx.Switches() {
			if cur.Name == sw.Name {
				return
			}
		}
		if other := r.tx.SwitchByID(sw.ID); other != nil && err == nil {
			err = model.Refused("Virtual switch ID %d, which %s needs, is taken by %s. Nothing was repaired.", sw.ID, sw.Name, other.Name)
			return
		}
		r.tx.Put(sw.CloneObject())
		r.say("created virtual switch %s (%s)", sw.Name, sw.Mode)
	})
	return err
}

// partition brings back, or mends, the NovaLink partition or a VIOS.
func (r *repair) partition(rp *model.Partition) error {
	tx := r.tx
	cur := tx.Partition(rp.UUID)
	if cur == nil {
		if other := tx.PartitionByID(rp.ID); other != nil {
			return model.Refused("Partition ID %d, which %s needs, is taken by %s. Nothing was repaired.", rp.ID, rp.Name, other.Name)
		}
		if other := tx.PartitionByName(rp.Name); other != nil {
			return model.Refused("The name %s is taken by partition %d. Nothing was repaired.", rp.Name, other.ID)
		}
		p := rp.CloneObject().(*model.Partition)
		if err := sim.CheckResources(tx.System(), tx.Accounting(), p); err != nil {
			return err
		}
		tx.PutPartition(p)
		what := "the NovaLink partition"
		if p.IsVIOS() {
			what = "Virtual I/O Server"
			r.viosDevices(rp, true)
			r.viosPlaces(rp)
		}
		r.adapters(rp)
		r.say("created %s %s (ID %d)", what, rp.Name, rp.ID)
		return nil
	}
	switch {
	case rp.IsVIOS() && !cur.IsVIOS():
		return model.Refused("Partition %s (ID %d) should be a Virtual I/O Server and is not; delete it and repair again.", cur.Name, cur.ID)
	case rp.IsMgmt && (!cur.IsMgmt || !cur.MgmtCapable):
		p := cur.CloneObject().(*model.Partition)
		p.IsMgmt, p.MgmtCapable = true, true
		tx.PutPartition(p)
		r.say("gave %s (ID %d) back the PowerVM management capability", cur.Name, cur.ID)
	}
	r.adapters(rp)
	if rp.IsVIOS() {
		r.viosDevices(rp, false)
	}
	return nil
}

// adapters brings back the partition's missing virtual Ethernet adapters
// (by slot) on the switches that exist.
func (r *repair) adapters(rp *model.Partition) {
	have := map[int]bool{}
	for _, a := range r.tx.AdaptersOf(rp.UUID) {
		have[a.Slot] = true
	}
	for _, a := range r.ref.AdaptersOf(rp.UUID) {
		if have[a.Slot] {
			continue
		}
		sw := r.tx.SwitchByID(a.SwitchID)
		if sw == nil {
			continue
		}
		if r.tx.Get(model.KindAdapter, a.UUID) != nil {
			continue
		}
		r.tx.Put(a.CloneObject())
		r.say("created the adapter of %s in slot %d on %s (VLAN %d)", rp.Name, a.Slot, sw.Name, a.PVID)
	}
}

// viosDevices brings back a VIOS's disks, FC ports, rootvg and the
// NovaLink partition's logical volume (all of them for a new VIOS).
func (r *repair) viosDevices(rp *model.Partition, all bool) {
	for _, k := range []model.ObjKind{model.KindPV, model.KindFCPort, model.KindVG, model.KindLV} {
		r.ref.Each(k, func(o model.Object) {
			owner, name := deviceOf(o)
			if owner != rp.UUID || r.tx.Get(k, o.Key()) != nil {
				return
			}
			if !all && k != model.KindVG && k != model.KindLV {
				return // a disk or port that went away is hardware: not ours to make
			}
			r.tx.Put(o.CloneObject())
			if !all {
				r.say("recreated %s on %s", name, rp.Name)
			}
		})
	}
}

func deviceOf(o model.Object) (vios, name string) {
	switch d := o.(type) {
	case *model.PhysicalVolume:
		return d.VIOS, d.Name
	case *model.FCPort:
		return d.VIOS, d.Name
	case *model.VolumeGroup:
		return d.VIOS, d.Name
	case *model.LogicalVolume:
		return d.VIOS, d.Name
	}
	return "", ""
}

// viosPlaces gives a new VIOS its I/O slots (those still free), its SEA
// in the network bridge and its place in the cluster.
func (r *repair) viosPlaces(rp *model.Partition) {
	tx := r.tx
	r.ref.Each(model.KindSlot, func(o model.Object) {
		s := o.(*model.IOSlot)
		if s.Owner != rp.UUID {
			return
		}
		if cur, ok := tx.Get(model.KindSlot, s.Key()).(*model.IOSlot); ok && cur.Owner == "" {
			n := cur.CloneObject().(*model.IOSlot)
			n.Owner = rp.UUID
			tx.Put(n)
		}
	})
	r.ref.Each(model.KindBridge, func(o model.Object) {
		b := o.(*model.NetworkBridge)
		i := slices.IndexFunc(b.SEAs, func(s model.SEA) bool { return s.VIOS == rp.UUID })
		if i < 0 {
			return
		}
		cur, ok := tx.Get(model.KindBridge, b.Key()).(*model.NetworkBridge)
		if !ok {
			n := b.CloneObject().(*model.NetworkBridge)
			n.SEAs = slices.DeleteFunc(n.SEAs, func(s model.SEA) bool { return s.VIOS != rp.UUID && tx.Partition(s.VIOS) == nil })
			tx.Put(n)
			return
		}
		if slices.ContainsFunc(cur.SEAs, func(s model.SEA) bool { return s.VIOS == rp.UUID }) {
			return
		}
		n := cur.CloneObject().(*model.NetworkBridge)
		n.SEAs = append(n.SEAs, b.SEAs[i])
		tx.Put(n)
	})
	r.ref.Each(model.KindCluster, func(o model.Object) {
		c := o.(*model.Cluster)
		cur, ok := tx.Get(model.KindCluster, c.Key()).(*model.Cluster)
		if !ok || !slices.Contains(c.Nodes, rp.UUID) || slices.Contains(cur.Nodes, rp.UUID) {
			return
		}
		n := cur.CloneObject().(*model.Cluster)
		n.Nodes = append(n.Nodes, rp.UUID)
		tx.Put(n)
	})
}
