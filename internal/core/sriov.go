package core

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// SR-IOV operations: logical ports, dedicated vNICs and the physical
// ports' labels, through the single writer (internal/sim/sriov holds the
// rules).

// CreateVNIC makes a client partition's vNIC with its backing devices.
func (c *Core) CreateVNIC(a Actor, partition string, spec sriov.VNICSpec) (*model.VirtualNIC, error) {
	var out *model.VirtualNIC
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(partition)
		if p == nil {
			return model.ErrNoPartition(partition)
		}
		slotFree := func(p *model.Partition, slot int) error {
			if slot < model.FirstUserSlot || slot >= p.MaxVirtualSlots {
				return model.Invalid("The virtual slot %d is not valid for partition %s: slots go from %d to %d.", slot, p.Name, model.FirstUserSlot, p.MaxVirtualSlots-1)
			}
			if vios.UsedSlots(tx, p.UUID).Used(slot) {
				return model.Invalid("The virtual slot %d of partition %s is already in use.", slot, p.Name)
			}
			return nil
		}
		freeSlot := func(p *model.Partition) (int, error) { return vios.FreeSlot(tx, p, false) }
		v, err := sriov.CreateVNIC(tx, p, spec, slotFree, freeSlot)
		out = v
		return err
	})
	return out, err
}

// DeleteVNIC removes a vNIC and its backing devices.
func (c *Core) DeleteVNIC(a Actor, uuid, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		v, _ := tx.Get(model.KindVNIC, uuid).(*model.VirtualNIC)
		if v == nil {
			return model.ErrNoObject("VirtualNICDedicated", uuid)
		}
		if etag != "" && etag != EtagOf(v.Rev) {
			return model.Stale("vNIC " + v.MAC)
		}
		return sriov.RemoveVNIC(tx, v)
	})
}

// CreateLogicalPort gives a partition an SR-IOV Ethernet logical port.
func (c *Core) CreateLogicalPort(a Actor, partition string, spec sriov.LPSpec) (*model.SRIOVLogicalPort, error) {
	var out *model.SRIOVLogicalPort
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(partition)
		if p == nil {
			return model.ErrNoPartition(partition)
		}
		if err := p.DLPARAllowed("adding an SR-IOV logical port"); err != nil {
			return err
		}
		lp, err := sriov.CreateLogicalPort(tx, p, spec, "")
		out = lp
		return err
	})
	return out, err
}

// DeleteLogicalPort removes a partition's SR-IOV Ethernet logical port.
func (c *Core) DeleteLogicalPort(a Actor, uuid, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		lp, _ := tx.Get(model.KindSRIOVLP, uuid).(*model.SRIOVLogicalPort)
		if lp == nil {
			return model.ErrNoObject("SRIOVEthernetLogicalPort", uuid)
		}
		if etag != "" && etag != EtagOf(lp.Rev) {
			return model.Stale("logical port " + lp.MAC)
		}
		return sriov.RemoveLogicalPort(tx, lp)
	})
}

// PortLabel is a physical port's wanted label and sub-label (nil: keep).
type PortLabel struct {
	Adapter, Port   int
	Label, SubLabel *string
}

// SetPortLabels changes physical ports' labels in one operation; a
// change is announced with the detail SRIOVPhysicalPort.ConfigChange on
// the managed system (networking-powervm's SR-IOV agent listens for it).
func (c *Core) SetPortLabels(a Actor, etag string, labels []PortLabel) (*model.ManagedSystem, error) {
	err := c.Apply(a, func(tx *Tx) error {
		sys := tx.System()
		if etag != "" && etag != EtagOf(sys.Rev) {
			return model.Stale(sys.Name)
		}
		changed := false
		for _, l := range labels {
			ad := sriov.AdapterByID(tx, l.Adapter)
			if ad == nil {
				return model.ErrNoObject("SR-IOV adapter", strconv.Itoa(l.Adapter))
			}
			p := ad.Port(l.Port)
			if p == nil {
				return model.ErrNoObject("SR-IOV physical port", strconv.Itoa(l.Port)+" of adapter "+strconv.Itoa(l.Adapter))
			}
			if l.Label != nil && *l.Label != p.Label || l.SubLabel != nil && *l.SubLabel != p.SubLabel {
				changed = true
			}
			if err := sriov.SetPortLabel(tx, ad, l.Port, l.Label, l.SubLabel); err != nil {
				return err
			}
		}
		if changed {
			tx.PutSystem(tx.System().Clone())
			tx.Publish(Event{Type: EventModify, Data: SystemPath(sys.UUID), Detail: "SRIOVPhysicalPort.ConfigChange"})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.System(), nil
}
