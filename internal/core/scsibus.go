package core

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// SCSI buses (VirtualIOServer/<uuid>/VirtualSCSIBus): a vSCSI adapter
// pair between a VIOS and a client with the storage mapped through it.
// A bus is made empty, its storage list then edited; removing it removes
// the pair and its mappings.

// busMappings returns the mappings of the VIOS's adapter pair at
// serverSlot (nil when there is no such pair).
func busMappings(tx *Tx, viosUUID string, serverSlot int) []*model.SCSIMapping {
	var out []*model.SCSIMapping
	for _, m := range vios.SCSIMappings(tx, viosUUID) {
		if m.ServerSlot == serverSlot {
			out = append(out, m)
		}
	}
	return out
}

// CreateSCSIBus makes a new adapter pair between a VIOS and a client (a
// new one even when they already have one), with no storage; clientSlot
// 0 takes the client's next free slot. It returns the server slot.
func (c *Core) CreateSCSIBus(a Actor, viosUUID, client string, clientSlot int) (int, error) {
	var slot int
	err := c.Apply(a, func(tx *Tx) error {
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			return err
		}
		if tx.Partition(client) == nil {
			return model.ErrNoPartition(client)
		}
		if slot, err = vios.FreeSlot(tx, v, false); err != nil {
			return err
		}
		_, err = vios.MapSCSI(tx, v, vios.SCSISpec{Client: client, ClientSlot: clientSlot, ServerSlot: slot})
		return err
	})
	return slot, err
}

// UpdateSCSIBus makes the storage of a bus the wanted list (each spec's
// Backing, BackingID, Target and LUA; its client and slots are the bus's):
// mappings left out go, the adapter pair stays.
func (c *Core) UpdateSCSIBus(a Actor, viosUUID string, serverSlot int, want []vios.SCSISpec) error {
	return c.Apply(a, func(tx *Tx) error {
		cur := busMappings(tx, viosUUID, serverSlot)
		if len(cur) == 0 {
			return model.ErrNoObject("VirtualSCSIBus", viosUUID+"/"+strconv.Itoa(serverSlot))
		}
		client, clientSlot := cur[0].Client, cur[0].ClientSlot
		matched := map[string]bool{}
		var adds []vios.SCSISpec
		for _, w := range want {
			w.Client, w.ClientSlot, w.ServerSlot = client, clientSlot, serverSlot
			if w.Backing == "" {
				continue // the bus itself
			}
			var hit *model.SCSIMapping
			for _, m := range cur {
				if !matched[m.UUID] && m.Backing != "" && scsiMatches(m, w) {
					hit = m
					break
				}
			}
			if hit == nil {
				adds = append(adds, w)
				continue
			}
			matched[hit.UUID] = true
		}
		changed := len(adds) > 0
		for _, m := range cur {
			if m.Backing != "" && !matched[m.UUID] {
				changed = true
			}
		}
		if !changed {
			return nil
		}
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			return err
		}
		for _, m := range cur {
			if m.Backing != "" && !matched[m.UUID] {
				if err := vios.UnmapSCSI(tx, m, true); err != nil {
					return err
				}
			}
		}
		for _, w := range adds {
			if _, err := vios.MapSCSI(tx, v, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteSCSIBus removes a bus: its mappings and its adapter pair.
func (c *Core) DeleteSCSIBus(a Actor, viosUUID string, serverSlot int) error {
	return c.Apply(a, func(tx *Tx) error {
		cur := busMappings(tx, viosUUID, serverSlot)
		if len(cur) == 0 {
			return model.ErrNoObject("VirtualSCSIBus", viosUUID+"/"+strconv.Itoa(serverSlot))
		}
		if _, err := vios.Ready(tx, viosUUID); err != nil {
			return err
		}
		for _, m := range cur {
			if err := vios.UnmapSCSI(tx, m, false); err != nil {
				return err
			}
		}
		return nil
	})
}
