package core

import (
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The storage of a migrating partition, rebuilt on the target's VIOSes:
//
//   - a virtual SCSI mapping of a shared storage pool's logical unit,
//     through a VIOS of the target that is a node of the pool's cluster;
//   - of a SAN volume's disk (a physical volume with a volume of the
//     fleet's SAN), through a VIOS of the target that sees the volume:
//     its disk of the same volume (the same page 83 identifier), which
//     the VIOS configures when it has none yet, as the destination VIOS
//     does; refused when no VIOS of the target can see it (not zoned, no
//     host definition with its ports' WWPNs);
//   - of an RBD image, the same image through a VIOS of the target;
//   - a virtual Fibre Channel (NPIV) adapter, with the same client WWPN
//     pair, on a physical port of a target VIOS on the fabric the
//     source's port is on (so the partition sees the same volumes);
//     refused when no port of the target's VIOSes is on that fabric.
//
// Without a VirtualSCSIMappings or VirtualFCMappings entry for the
// client slot, the VIOS is the target's VIOS in the source VIOS's place
// (by ID order) when it can serve the storage, else the next one that
// can.

// storagePick chooses the target VIOS of an adapter pair: the one the
// mapping parameter names, else the first that fits from the source
// VIOS's place. fits says why a VIOS cannot serve ("" when it can).
type storagePick struct {
	src, dst         *Tx
	p                *model.Partition
	srcVIOS, dstVIOS []*model.Partition
}

func (sp *storagePick) pick(kind string, choices map[int]viosChoice, clientSlot int, from string, fits func(v *model.Partition, ch viosChoice) string) (*model.Partition, viosChoice, error) {
	tsys := sp.dst.System()
	ch, given := choices[clientSlot]
	var cands []*model.Partition
	if given {
		for _, q := range sp.dstVIOS {
			if (ch.name == "" || q.Name == ch.name) && (ch.id == 0 || q.ID == ch.id) {
				cands = []*model.Partition{q}
			}
		}
		if cands == nil {
			return nil, ch, migErr(model.KindRefused, 50, "The %s mapping of client slot %d names a Virtual I/O Server (%s/%d) that the managed system %s does not have.", kind, clientSlot, ch.name, ch.id, tsys.Name)
		}
	} else {
		if len(sp.dstVIOS) == 0 {
			return nil, ch, migErr(model.KindRefused, 51, "The managed system %s has no Virtual I/O Server to host the %s adapters of partition %s.", tsys.Name, kind, sp.p.Name)
		}
		i := 0
		for j, q := range sp.srcVIOS {
			if q.UUID == from {
				i = j
			}
		}
		for k := range sp.dstVIOS {
			cands = append(cands, sp.dstVIOS[(i+k)%len(sp.dstVIOS)])
		}
	}
	var first error
	for k, v := range cands {
		if k > 0 && sp.serves(v) {
			continue // the partition's other path: another VIOS
		}
		if _, err := vios.Ready(sp.dst, v.UUID); err != nil {
			if k == 0 {
				return nil, ch, migErr(model.KindRefused, 52, "The storage of partition %s cannot be reached from the managed system %s: %s", sp.p.Name, tsys.Name, errText(err))
			}
			continue
		}
		if fits != nil {
			if why := fits(v, ch); why != "" {
				if first == nil {
					first = migErr(model.KindRefused, 58, "The %s storage of partition %s (client slot %d) cannot be reached from the Virtual I/O Servers of the managed system %s: %s.",
						kind, sp.p.Name, clientSlot, tsys.Name, why)
				}
				continue
			}
		}
		return v, ch, nil
	}
	return nil, ch, first
}

// serves tells whether a target VIOS has an adapter pair of the
// partition already.
func (sp *storagePick) serves(v *model.Partition) bool {
	found := false
	for _, k := range []model.ObjKind{model.KindSCSIMap, model.KindFCMap} {
		sp.dst.each(k, func(o model.Object) {
			switch m := o.(type) {
			case *model.SCSIMapping:
				found = found || m.VIOS == v.UUID && m.Client == sp.p.UUID
			case *model.FCMapping:
				found = found || m.VIOS == v.UUID && m.Client == sp.p.UUID
			}
		})
	}
	return found
}

// moveStorage stages the partition's adapter pairs on the target's
// VIOSes (the source's are removed by the caller).
func moveStorage(src, dst *Tx, p *model.Partition, spec *migrateSpec) error {
	tsys := dst.System()
	sp := &storagePick{src: src, dst: dst, p: p, srcVIOS: viosOrder(src), dstVIOS: viosOrder(dst)}
	var scsi []*model.SCSIMapping
	src.each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.Client == p.UUID {
			scsi = append(scsi, m)
		}
	})
	sort.Slice(scsi, func(i, j int) bool {
		if scsi[i].ClientSlot != scsi[j].ClientSlot {
			return scsi[i].ClientSlot < scsi[j].ClientSlot
		}
		return scsi[i].LUA < scsi[j].LUA
	})
	// A client slot's adapter pair goes to one VIOS, with all its devices.
	var slots [][]*model.SCSIMapping
	for _, m := range scsi {
		if n := len(slots); n > 0 && slots[n-1][0].ClientSlot == m.ClientSlot && slots[n-1][0].VIOS == m.VIOS {
			slots[n-1] = append(slots[n-1], m)
		} else {
			slots = append(slots, []*model.SCSIMapping{m})
		}
	}
	for _, pair := range slots {
		var vols []*model.SANLUN // by mapping; nil when not a SAN volume's disk
		for _, m := range pair {
			var vol *model.SANLUN
			switch m.Backing {
			case "":
			case model.BackLU:
				if dst.Get(model.KindLU, m.BackingID) == nil {
					return migErr(model.KindRefused, 53, "The logical unit %s of partition %s (client slot %d) cannot be reached from the Virtual I/O Servers of the managed system %s: it is not in a shared storage pool they are nodes of.",
						luName(src, m.BackingID), p.Name, m.ClientSlot, tsys.Name)
				}
			case model.BackRBD:
				if dst.Get(model.KindRBDImage, m.BackingID) == nil {
					return migErr(model.KindRefused, 55, "The RBD image %s that backs client slot %d of partition %s is not on the SAN of the managed system %s.", m.BackingID, m.ClientSlot, p.Name, tsys.Name)
				}
			case model.BackPV:
				pv, _ := src.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume)
				if pv != nil && pv.LUN != "" {
					vol, _ = dst.Get(model.KindSANLUN, pv.LUN).(*model.SANLUN)
				}
				if vol == nil {
					name := m.BackingID
					if pv != nil {
						name = pv.Name
					}
					return migErr(model.KindRefused, 55, "The physical volume %s that backs client slot %d of partition %s is local to %s; it cannot be reached from the managed system %s.",
						name, m.ClientSlot, p.Name, partitionNameIn(src.st, m.VIOS), tsys.Name)
				}
			case model.BackMedia:
				return migErr(model.KindRefused, 54, "Partition %s has a virtual optical device (%s on %s); remove it before the migration.", p.Name, m.Target, partitionNameIn(src.st, m.VIOS))
			default:
				return migErr(model.KindRefused, 55, "The %s %s that backs client slot %d of partition %s is local to %s; it cannot be reached from the managed system %s.",
					backingLabel(m.Backing), m.BackingID, m.ClientSlot, p.Name, partitionNameIn(src.st, m.VIOS), tsys.Name)
			}
			vols = append(vols, vol)
		}
		fits := func(v *model.Partition, _ viosChoice) string {
			for _, vol := range vols {
				if vol == nil {
					continue
				}
				if why := vios.SeesLUN(dst, v, vol); why != "" {
					return "the volume " + vol.Name + " (page 83 identifier " + vol.NAA + ") is not seen by " + v.Name + ": " + why
				}
			}
			return ""
		}
		m0 := pair[0]
		v, ch, err := sp.pick("virtual SCSI", spec.vscsi, m0.ClientSlot, m0.VIOS, fits)
		if err != nil {
			return err
		}
		for i, m := range pair {
			backingID := m.BackingID
			if vol := vols[i]; vol != nil {
				tpv, why := vios.ReachLUN(dst, v, vol)
				if tpv == nil {
					return model.Internal("the volume %s is not seen by %s: %s", vol.Name, v.Name, why)
				}
				backingID = tpv.UUID
			}
			_, err = vios.MapSCSI(dst, v, vios.SCSISpec{Client: p.UUID, ClientSlot: m.ClientSlot, ServerSlot: ch.slot,
				Backing: m.Backing, BackingID: backingID, LUA: m.LUA})
			if err != nil {
				return migErr(model.KindRefused, 56, "The virtual SCSI storage of partition %s (client slot %d) cannot be mapped through %s on the managed system %s: %s",
					p.Name, m.ClientSlot, v.Name, tsys.Name, errText(err))
			}
		}
	}
	var fc []*model.FCMapping
	src.each(model.KindFCMap, func(o model.Object) {
		if m := o.(*model.FCMapping); m.Client == p.UUID {
			fc = append(fc, m)
		}
	})
	sort.Slice(fc, func(i, j int) bool { return fc[i].ClientSlot < fc[j].ClientSlot })
	for _, m := range fc {
		// The fabric the client is logged in to through the source's port.
		fabric := ""
		if m.Port != "" {
			for _, port := range vios.FCPorts(src, m.VIOS) {
				if port.Name == m.Port {
					fabric = port.Fabric
				}
			}
		}
		port := ""
		fits := func(v *model.Partition, ch viosChoice) string {
			if m.Port == "" && ch.port == "" {
				return "" // not on a port on the source either
			}
			pt, why := vios.FCPortOnFabric(dst, v, fabric, ch.port, p.UUID)
			if pt == nil {
				return why
			}
			port = pt.Name
			return ""
		}
		v, ch, err := sp.pick("virtual Fibre Channel", spec.vfc, m.ClientSlot, m.VIOS, fits)
		if err != nil {
			return err
		}
		_, err = vios.MapFC(dst, v, vios.FCSpec{Client: p.UUID, ClientSlot: m.ClientSlot, ServerSlot: ch.slot, Port: port, WWPNs: m.WWPNs})
		if err != nil {
			return migErr(model.KindRefused, 57, "The virtual Fibre Channel adapter of partition %s (client slot %d, WWPNs %s) cannot be hosted by %s on the managed system %s: %s",
				p.Name, m.ClientSlot, strings.Join(m.WWPNs, " "), v.Name, tsys.Name, errText(err))
		}
	}
	return nil
}
