// Package sriov is the simulated server's SR-IOV adapters: physical
// ports whose capacity is shared out as logical ports (virtual
// functions), owned by partitions directly or by VIOSes as the backing
// devices of the dedicated vNICs of client partitions (several per vNIC
// for failover, the preferred working one active). It enforces what the
// hypervisor does: a port's logical ports' capacities add up to at most
// 100%, each a multiple of the port's granularity; a port has at most
// its configured number of logical ports; MAC addresses are unique.
package sriov

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// Tx is what SR-IOV needs from a core transaction.
type Tx interface {
	Get(k model.ObjKind, key string) model.Object
	Put(o model.Object, detail ...string)
	Delete(k model.ObjKind, key string)
	Each(k model.ObjKind, fn func(model.Object))
	Partition(uuid string) *model.Partition
	System() *model.ManagedSystem
	Now() time.Time
}

// Adapters returns the SR-IOV adapters by SRIOVAdapterID.
func Adapters(tx Tx) []*model.SRIOVAdapter {
	var out []*model.SRIOVAdapter
	tx.Each(model.KindSRIOVAdapter, func(o model.Object) { out = append(out, o.(*model.SRIOVAdapter)) })
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// AdapterByID finds an adapter by its SRIOVAdapterID.
func AdapterByID(tx Tx, id int) *model.SRIOVAdapter {
	for _, a := range Adapters(tx) {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// PortByLocation finds a physical port by its location code.
func PortByLocation(tx Tx, loc string) (*model.SRIOVAdapter, *model.SRIOVPort) {
	for _, a := range Adapters(tx) {
		for i := range a.Ports {
			if a.Ports[i].Location == loc {
				return a, &a.Ports[i]
			}
		}
	}
	return nil, nil
}

// LogicalPorts returns the logical ports keep accepts (nil: all), by
// adapter, port and logical port ID.
func LogicalPorts(tx Tx, keep func(*model.SRIOVLogicalPort) bool) []*model.SRIOVLogicalPort {
	var out []*model.SRIOVLogicalPort
	tx.Each(model.KindSRIOVLP, func(o model.Object) {
		if lp := o.(*model.SRIOVLogicalPort); keep == nil || keep(lp) {
			out = append(out, lp)
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Adapter != out[j].Adapter {
			return out[i].Adapter < out[j].Adapter
		}
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Usage is what a physical port has given out.
type Usage struct {
	LogicalPorts int
	Capacity     model.Percent
}

// PortUsage returns a physical port's logical ports and their capacity.
func PortUsage(tx Tx, adapter, port int) Usage {
	var u Usage
	for _, lp := range LogicalPorts(tx, func(lp *model.SRIOVLogicalPort) bool { return lp.Adapter == adapter && lp.Port == port }) {
		u.LogicalPorts++
		u.Capacity += lp.Capacity
	}
	return u
}

// VNICs returns a partition's vNICs by slot ("" : every partition's).
func VNICs(tx Tx, partition string) []*model.VirtualNIC {
	var out []*model.VirtualNIC
	tx.Each(model.KindVNIC, func(o model.Object) {
		if v := o.(*model.VirtualNIC); partition == "" || v.Partition == partition {
			out = append(out, v)
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Slot < out[j].Slot
	})
	return out
}

// MACInUse tells whether a MAC is taken by a virtual Ethernet adapter, a
// vNIC or a logical port.
func MACInUse(tx Tx, mac string) bool { return macInUse(tx, mac) }

func macInUse(tx Tx, mac string) bool {
	in := false
	tx.Each(model.KindAdapter, func(o model.Object) { in = in || strings.EqualFold(o.(*model.EthernetAdapter).MAC, mac) })
	tx.Each(model.KindVNIC, func(o model.Object) { in = in || strings.EqualFold(o.(*model.VirtualNIC).MAC, mac) })
	tx.Each(model.KindSRIOVLP, func(o model.Object) { in = in || strings.EqualFold(o.(*model.SRIOVLogicalPort).MAC, mac) })
	return in
}

// newMAC makes a MAC no adapter uses, from the partition's prefix.
func newMAC(tx Tx, p *model.Partition, salt int) string {
	prefix := p.MACPrefix
	if prefix == 0 {
		prefix = model.MACPrefixFor(tx.System(), p.ID)
	}
	for n := 0; ; n++ {
		// Above the slots' range (the virtual Ethernet adapters take
		// prefix + slot).
		mac := model.FormatMAC(prefix + 0x800 + uint64(salt+n)&0x7FF)
		if !macInUse(tx, mac) {
			return mac
		}
		if n > 0x800 {
			return model.FormatMAC(prefix ^ uint64(n)<<16)
		}
	}
}

// LPSpec is a logical port to make.
type LPSpec struct {
	Adapter  int
	Port     int
	Capacity model.Percent // 0: the port's granularity
	MaxCap   model.Percent // 0: 100%
	PVID     int
	MAC      string // "" to make one
	Promisc  bool
}

// CreateLogicalPort makes a logical port on a physical port for a
// partition (vnic names the vNIC it backs, "" for a direct one).
func CreateLogicalPort(tx Tx, owner *model.Partition, spec LPSpec, vnic string) (*model.SRIOVLogicalPort, error) {
	a := AdapterByID(tx, spec.Adapter)
	if a == nil {
		return nil, model.ErrNoObject("SR-IOV adapter", strconv.Itoa(spec.Adapter))
	}
	if a.Mode != model.SRIOVModeShared || a.State != model.SRIOVRunning {
		return nil, model.ErrSRIOV("The SR-IOV adapter %d (%s) is in %s mode, state %s; logical ports are made on a running adapter in shared (Sriov) mode.", a.ID, a.Location, a.Mode, a.State)
	}
	p := a.Port(spec.Port)
	if p == nil {
		return nil, model.ErrNoObject("SR-IOV physical port", fmt.Sprintf("%d of adapter %d", spec.Port, a.ID))
	}
	capacity := spec.Capacity
	if capacity == 0 {
		capacity = p.MinCapacity
	}
	if p.MinCapacity > 0 && capacity%p.MinCapacity != 0 {
		return nil, model.ErrSRIOVInvalid("The capacity %s is not a multiple of the granularity %s of %s.", capacity, p.MinCapacity, model.PortLabel(a, p))
	}
	maxCap := spec.MaxCap
	if maxCap == 0 {
		maxCap = model.FullCapacity
	}
	if maxCap < capacity || maxCap > model.FullCapacity {
		return nil, model.ErrSRIOVInvalid("The maximum capacity %s must be at least the capacity %s and at most 100%%.", maxCap, capacity)
	}
	u := PortUsage(tx, a.ID, p.ID)
	if u.LogicalPorts >= p.MaxLogicalPorts {
		return nil, model.ErrSRIOV("The %s has no logical port left: it has %d of %d.", model.PortLabel(a, p), u.LogicalPorts, p.MaxLogicalPorts)
	}
	if u.Capacity+capacity > model.FullCapacity {
		return nil, model.ErrSRIOV("The %s has %s of its capacity left; a logical port of %s does not fit.", model.PortLabel(a, p), model.FullCapacity-u.Capacity, capacity)
	}
	if spec.PVID != 0 {
		if err := model.ValidateVLAN("PortVLANID", spec.PVID); err != nil {
			return nil, err
		}
	}
	lp := &model.SRIOVLogicalPort{UUID: uuid.NewString(), Adapter: a.ID, Port: p.ID, Partition: owner.UUID, Capacity: capacity,
		MaxCap: maxCap, PVID: spec.PVID, Promisc: spec.Promisc, VNIC: vnic, Created: tx.Now().UnixMilli()}
	if spec.MAC != "" {
		mac := strings.ToUpper(strings.ReplaceAll(spec.MAC, ":", ""))
		if err := model.ValidateMAC(mac); err != nil {
			return nil, err
		}
		if macInUse(tx, mac) {
			return nil, model.ErrSRIOVInvalid("The MAC address %s is already in use.", mac)
		}
		lp.MAC = mac
	} else {
		lp.MAC = newMAC(tx, owner, a.ID*16+p.ID)
	}
	used := map[int]bool{}
	for _, o := range LogicalPorts(tx, func(o *model.SRIOVLogicalPort) bool { return o.Adapter == a.ID }) {
		used[o.ID] = true
	}
	lp.ID = 0x27000000 + a.ID*0x4000 + 1
	for used[lp.ID] {
		lp.ID++
	}
	tx.Put(lp)
	touchAdapter(tx, a)
	return lp, nil
}

// touchAdapter stages an adapter unchanged so that the managed system,
// which shows its ports' use, moves.
func touchAdapter(tx Tx, a *model.SRIOVAdapter) {
	if o := tx.Get(model.KindSRIOVAdapter, a.UUID); o != nil {
		tx.Put(o.CloneObject(), "Other")
	}
}

// RemoveLogicalPort removes a direct logical port (a vNIC's go with it).
func RemoveLogicalPort(tx Tx, lp *model.SRIOVLogicalPort) error {
	if lp.VNIC != "" {
		if v, _ := tx.Get(model.KindVNIC, lp.VNIC).(*model.VirtualNIC); v != nil {
			return model.ErrSRIOV("The logical port %d backs a vNIC of partition %s; remove the vNIC (or its backing device) instead.", lp.ID, partitionName(tx, v.Partition))
		}
	}
	if p := tx.Partition(lp.Partition); p != nil {
		if err := p.DLPARAllowed("removing an SR-IOV logical port"); err != nil {
			return err
		}
	}
	tx.Delete(model.KindSRIOVLP, lp.UUID)
	if a := AdapterByID(tx, lp.Adapter); a != nil {
		touchAdapter(tx, a)
	}
	return nil
}

func partitionName(tx Tx, id string) string {
	if p := tx.Partition(id); p != nil {
		return p.Name
	}
	return id
}
