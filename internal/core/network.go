package core

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// SlotChoice says how an adapter gets its virtual slot.
type SlotChoice int

const (
	// SlotGiven uses the adapter's Slot.
	SlotGiven SlotChoice = iota
	// SlotNext takes the lowest free slot (UseNextAvailableSlotID).
	SlotNext
	// SlotNextHigh takes a slot above every slot in use
	// (UseNextAvailableHighSlotID).
	SlotNextHigh
)

// Switches returns the switches as staged, by ID.
func (tx *Tx) Switches() []*model.VirtualSwitch {
	var out []*model.VirtualSwitch
	tx.each(model.KindSwitch, func(o model.Object) { out = append(out, o.(*model.VirtualSwitch)) })
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SwitchByID returns a switch by switch ID as staged.
func (tx *Tx) SwitchByID(id int) *model.VirtualSwitch {
	for _, s := range tx.Switches() {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Adapter returns an adapter by UUID as staged.
func (tx *Tx) Adapter(id string) *model.EthernetAdapter {
	if o := tx.Get(model.KindAdapter, id); o != nil {
		return o.(*model.EthernetAdapter)
	}
	return nil
}

// AdaptersOf returns a partition's adapters as staged, by slot.
func (tx *Tx) AdaptersOf(partition string) []*model.EthernetAdapter {
	var out []*model.EthernetAdapter
	for _, a := range tx.st.AdaptersOf(partition) {
		if _, staged := tx.objs[objKey{model.KindAdapter, a.UUID}]; !staged {
			out = append(out, a)
		}
	}
	for _, k := range tx.order {
		if k.kind != model.KindAdapter {
			continue
		}
		if a, ok := tx.objs[k].(*model.EthernetAdapter); ok && a != nil && a.Partition == partition {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// adapterByMAC finds the adapter with a MAC as staged.
func (tx *Tx) adapterByMAC(mac string) *model.EthernetAdapter {
	for _, k := range tx.order {
		if a, ok := tx.objs[k].(*model.EthernetAdapter); ok && a != nil && a.MAC == mac {
			return a
		}
	}
	if a := tx.st.AdapterByMAC(mac); a != nil {
		if _, staged := tx.objs[objKey{model.KindAdapter, a.UUID}]; !staged {
			return a
		}
	}
	return nil
}

// Bridges returns the network bridges as staged.
func (tx *Tx) Bridges() []*model.NetworkBridge {
	var out []*model.NetworkBridge
	tx.each(model.KindBridge, func(o model.Object) { out = append(out, o.(*model.NetworkBridge)) })
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created < out[j].Created || out[i].Created == out[j].Created && out[i].UUID < out[j].UUID
	})
	return out
}

// bridgeUsing returns the bridge whose SEA uses an adapter.
func (tx *Tx) bridgeUsing(adapter string) *model.NetworkBridge {
	for _, b := range tx.Bridges() {
		for _, s := range b.SEAs {
			if containsStr(s.Trunks, adapter) {
				return b
			}
		}
	}
	return nil
}

// ErrNoSwitch is returned for an unknown switch.
func errNoSwitch(key string) error { return model.ErrNoObject("VirtualSwitch", key) }

// CreateSwitch adds a virtual switch; ID -1 takes the lowest free ID.
func (c *Core) CreateSwitch(a Actor, sw *model.VirtualSwitch) (*model.VirtualSwitch, error) {
	var out *model.VirtualSwitch
	err := c.Apply(a, func(tx *Tx) error {
		n := *sw
		n.UUID = tx.NewUUID()
		n.Created = tx.Now().UnixMilli()
		switches := tx.Switches()
		if n.ID < 0 {
			used := map[int]bool{}
			for _, s := range switches {
				used[s.ID] = true
			}
			n.ID = -1
			for id := 0; id < model.MaxSwitches; id++ {
				if !used[id] {
					n.ID = id
					break
				}
			}
			if n.ID < 0 {
				return model.Refused("The managed system already has the maximum of %d virtual switches.", model.MaxSwitches)
			}
		}
		if err := model.ValidateSwitch(&n); err != nil {
			return err
		}
		for _, s := range switches {
			if s.Name == n.Name {
				return model.Invalid("A virtual switch named %s already exists.", n.Name)
			}
			if s.ID == n.ID {
				return model.Invalid("A virtual switch with ID %d already exists.", n.ID)
			}
		}
		tx.Put(&n)
		out = &n
		return nil
	})
	return out, err
}

// UpdateSwitch renames a switch or changes its mode.
func (c *Core) UpdateSwitch(a Actor, id, etag string, mutate func(*model.VirtualSwitch) error) (*model.VirtualSwitch, error) {
	var out *model.VirtualSwitch
	err := c.Apply(a, func(tx *Tx) error {
		o := tx.Get(model.KindSwitch, id)
		if o == nil {
			return errNoSwitch(id)
		}
		cur := o.(*model.VirtualSwitch)
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale(cur.Name)
		}
		n := *cur
		if err := mutate(&n); err != nil {
			return err
		}
		if n.ID != cur.ID {
			return model.ErrCreateOnly("SwitchID")
		}
		if n == *cur {
			out = cur
			return nil
		}
		if cur.Name == model.MgmtSwitch || cur.ID == 0 {
			if n.Name != cur.Name {
				return model.Refused("The virtual switch %s cannot be renamed: NovaLink needs it.", cur.Name)
			}
			if cur.Name == model.MgmtSwitch && n.Mode != model.SwitchVEPA {
				return model.Refused("%s must stay in VEPA mode: it isolates the partitions' RMC traffic.", model.MgmtSwitch)
			}
		}
		if err := model.ValidateSwitch(&n); err != nil {
			return err
		}
		for _, s := range tx.Switches() {
			if s.UUID != n.UUID && s.Name == n.Name {
				return model.Invalid("A virtual switch named %s already exists.", n.Name)
			}
		}
		detail := "Other"
		if n.Name != cur.Name {
			detail = "SwitchName"
		}
		tx.Put(&n, detail)
		out = &n
		return nil
	})
	return out, err
}

// DeleteSwitch removes a virtual switch no adapter uses.
func (c *Core) DeleteSwitch(a Actor, id, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		o := tx.Get(model.KindSwitch, id)
		if o == nil {
			return errNoSwitch(id)
		}
		cur := o.(*model.VirtualSwitch)
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale(cur.Name)
		}
		if cur.ID == 0 || cur.Name == model.MgmtSwitch {
			return model.Refused("The virtual switch %s cannot be deleted: NovaLink needs it.", cur.Name)
		}
		n := 0
		tx.each(model.KindAdapter, func(o model.Object) {
			if o.(*model.EthernetAdapter).SwitchID == cur.ID {
				n++
			}
		})
		if n > 0 {
			return model.Refused("The virtual switch %s is in use by %d virtual Ethernet adapters; remove them first.", cur.Name, n)
		}
		tx.Delete(model.KindSwitch, id)
		return nil
	})
}

// dlparAllowed checks that a change of a partition's virtual I/O is
// allowed now (see model.Partition.DLPARAllowed).
// A refusal for want of RMC says, when the partition has no adapter on
// MGMTSWITCH, that RMC cannot come up without one and how to add it.
func (tx *Tx) dlparAllowed(p *model.Partition, what string) error {
	err := p.DLPARAllowed(what)
	if err != nil && p.RMCState != model.RMCActive && p.State == model.StateRunning {
		return tx.withRMCHint(p, err)
	}
	return err
}

// withRMCHint completes a refusal for want of RMC when the partition has
// no adapter on MGMTSWITCH's VLAN 4094, the only path of its RMC.
func (tx *Tx) withRMCHint(p *model.Partition, err error) error {
	var me *model.Error
	if !errors.As(err, &me) || p.IsMgmt || tx.mgmtAdapter(p) != nil {
		return err
	}
	n := *me
	n.Msg = strings.TrimSuffix(n.Msg, ".") + fmt.Sprintf(". Partition %s has no virtual Ethernet adapter on %s (VLAN %d), so RMC cannot come up: "+
		"power it off, add one (pvmctl vea create --parent-id name=%s --pvid %d --vswitch %s) and start it again.",
		p.Name, model.MgmtSwitch, model.MgmtVLAN, p.Name, model.MgmtVLAN, model.MgmtSwitch)
	return &n
}

// allocSlot picks the adapter's slot as asked.
func (tx *Tx) allocSlot(owner *model.Partition, choice SlotChoice, want int) (int, error) {
	used := vios.UsedSlots(tx, owner.UUID)
	switch choice {
	case SlotGiven:
		if used.Used(want) && want >= model.FirstUserSlot {
			return 0, model.Invalid("The virtual slot %d of partition %s is already in use.", want, owner.Name)
		}
		return want, nil
	case SlotNextHigh:
		if high := used.Highest(); high+1 < owner.MaxVirtualSlots {
			return high + 1, nil
		}
		fallthrough
	default:
		if s := used.NextFree(); s < owner.MaxVirtualSlots {
			return s, nil
		}
	}
	return 0, model.Refused("Partition %s has no free virtual slot (maximum %d); raise MaximumVirtualIOSlots while it is off.", owner.Name, owner.MaxVirtualSlots)
}

// allocMAC gives an adapter its MAC: the partition's prefix plus the slot
// (as the hypervisor does), or the next free one above when that is taken.
func (tx *Tx) allocMAC(owner *model.Partition, slot int) string {
	prefix := owner.MACPrefix
	if prefix == 0 {
		prefix = model.MACPrefixFor(tx.System(), owner.ID)
	}
	for off := uint64(slot & 0xFFF); off < 0x1000; off++ {
		mac := model.FormatMAC(prefix + off)
		if !tx.macTaken(mac) {
			return mac
		}
	}
	for {
		mac := model.FormatMAC(0x0A<<40 | uint64(uuid.New().ID()))
		if !tx.macTaken(mac) {
			return mac
		}
	}
}

// macTaken tells whether an adapter has the MAC on this system or, in a
// fleet, on another system (a partition that migrated keeps the MACs its
// first system gave it, which that system must not give again).
func (tx *Tx) macTaken(mac string) bool {
	if tx.adapterByMAC(mac) != nil {
		return true
	}
	if tx.c == nil || tx.c.fleet == nil {
		return false
	}
	for _, o := range tx.c.fleet.systems {
		if o == tx.c {
			continue
		}
		if p := tx.peers[o]; p != nil {
			if p.adapterByMAC(mac) != nil {
				return true
			}
		} else if o.w.AdapterByMAC(mac) != nil {
			return true
		}
	}
	return false
}

// allocDevice gives a VIOS adapter its device name: the lowest entN above
// the physical ports (ent0-ent3) that no adapter or SEA uses.
func (tx *Tx) allocDevice(vios *model.Partition) string {
	used := map[string]bool{}
	for _, a := range tx.AdaptersOf(vios.UUID) {
		used[a.Device] = true
	}
	for _, b := range tx.Bridges() {
		for _, s := range b.SEAs {
			if s.VIOS == vios.UUID {
				used[s.Device] = true
				used[s.Backing] = true
			}
		}
	}
	for i := 4; ; i++ {
		if d := "ent" + strconv.Itoa(i); !used[d] {
			return d
		}
	}
}

// checkAdapter validates an adapter against its partition, switch and the
// other adapters.
func (tx *Tx) checkAdapter(owner *model.Partition, a *model.EthernetAdapter) error {
	if err := model.ValidateAdapter(a, owner); err != nil {
		return err
	}
	sw := tx.SwitchByID(a.SwitchID)
	if sw == nil {
		return errNoSwitch(strconv.Itoa(a.SwitchID))
	}
	// The management partition may have trunk adapters on any switch:
	// its Open vSwitch bridges (SDN) reach the client partitions through
	// them, as nova-powervm's OVS VIF driver sets up.
	if o := tx.adapterByMAC(a.MAC); o != nil && o.UUID != a.UUID {
		return model.Invalid("The MAC address %s is already used by another virtual Ethernet adapter.", a.MAC)
	}
	for _, o := range tx.AdaptersOf(owner.UUID) {
		if o.UUID != a.UUID && o.Slot == a.Slot {
			return model.Invalid("The virtual slot %d of partition %s is already in use.", a.Slot, owner.Name)
		}
	}
	return nil
}

// CreateAdapter adds a virtual Ethernet adapter to a partition. The adapter
// comes with PVID, Tagged, TaggedSupported, SwitchID, Trunk, TrunkPriority
// and (optionally) MAC and Slot set; choice says how to pick the slot.
func (c *Core) CreateAdapter(a Actor, owner string, spec *model.EthernetAdapter, choice SlotChoice) (*model.EthernetAdapter, error) {
	var out *model.EthernetAdapter
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(owner)
		if p == nil {
			return model.ErrNoPartition(owner)
		}
		if err := tx.dlparAllowed(p, "adding a virtual Ethernet adapter"); err != nil {
			return err
		}
		n, err := tx.newAdapter(p, spec, choice)
		if err != nil {
			return err
		}
		out = n
		return nil
	})
	return out, err
}

// newAdapter stages a new adapter on p.
func (tx *Tx) newAdapter(p *model.Partition, spec *model.EthernetAdapter, choice SlotChoice) (*model.EthernetAdapter, error) {
	n := spec.Clone()
	n.UUID = tx.NewUUID()
	n.Partition = p.UUID
	n.Created = tx.Now().UnixMilli()
	n.Enabled = true
	slot, err := tx.allocSlot(p, choice, n.Slot)
	if err != nil {
		return nil, err
	}
	n.Slot = slot
	if n.MAC == "" {
		n.MAC = tx.allocMAC(p, n.Slot)
	} else {
		n.MAC = model.NormalizeMAC(n.MAC)
	}
	if n.Trunk || len(n.Tagged) > 0 {
		n.TaggedSupported = n.TaggedSupported || n.Trunk
	}
	if p.IsVIOS() {
		n.Device = tx.allocDevice(p)
	} else if !p.IsMgmt {
		n.Device = "" // the management partition's client names its device
	}
	if err := tx.checkAdapter(p, n); err != nil {
		return nil, err
	}
	tx.Put(n)
	return n, nil
}

// UpdateAdapter changes an adapter's VLANs, trunk priority or state.
func (c *Core) UpdateAdapter(a Actor, owner, id, etag string, mutate func(*model.EthernetAdapter) error) (*model.EthernetAdapter, error) {
	var out *model.EthernetAdapter
	err := c.Apply(a, func(tx *Tx) error {
		cur := tx.Adapter(id)
		if cur == nil || cur.Partition != owner {
			return model.ErrNoObject("ClientNetworkAdapter", id)
		}
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale("ClientNetworkAdapter " + id)
		}
		p := tx.Partition(owner)
		n := cur.Clone()
		if err := mutate(n); err != nil {
			return err
		}
		if n.Slot != cur.Slot {
			return model.ErrCreateOnly("VirtualSlotNumber")
		}
		if n.MAC != cur.MAC {
			return model.ErrCreateOnly("MACAddress")
		}
		if n.Trunk != cur.Trunk || n.SwitchID != cur.SwitchID {
			return model.ErrCreateOnly("the trunk setting and the virtual switch of an adapter")
		}
		if sameAdapter(n, cur) {
			out = cur
			return nil
		}
		if err := tx.dlparAllowed(p, "changing a virtual Ethernet adapter"); err != nil {
			return err
		}
		if err := tx.checkAdapter(p, n); err != nil {
			return err
		}
		if b := tx.bridgeUsing(n.UUID); b != nil && n.PVID != cur.PVID && isPrimaryTrunk(b, n.UUID) {
			return model.Refused("The port VLAN ID of the primary trunk adapter of a network bridge cannot change.")
		}
		tx.Put(n, "Other")
		out = n
		return nil
	})
	return out, err
}

func sameAdapter(a, b *model.EthernetAdapter) bool {
	if a.PVID != b.PVID || a.TaggedSupported != b.TaggedSupported || a.TrunkPriority != b.TrunkPriority ||
		a.Enabled != b.Enabled || len(a.Tagged) != len(b.Tagged) ||
		a.OvsBridge != b.OvsBridge || a.OvsExtIDs != b.OvsExtIDs || a.MTU != b.MTU {
		return false
	}
	for i := range a.Tagged {
		if a.Tagged[i] != b.Tagged[i] {
			return false
		}
	}
	return true
}

func isPrimaryTrunk(b *model.NetworkBridge, adapter string) bool {
	for _, s := range b.SEAs {
		if len(s.Trunks) > 0 && s.Trunks[0] == adapter {
			return true
		}
	}
	return false
}

// DeleteAdapter removes an adapter no SEA uses.
func (c *Core) DeleteAdapter(a Actor, owner, id, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		cur := tx.Adapter(id)
		if cur == nil || cur.Partition != owner {
			return model.ErrNoObject("ClientNetworkAdapter", id)
		}
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale("ClientNetworkAdapter " + id)
		}
		if err := tx.dlparAllowed(tx.Partition(owner), "removing a virtual Ethernet adapter"); err != nil {
			return err
		}
		if b := tx.bridgeUsing(id); b != nil {
			return model.Refused("The adapter in slot %d is a trunk adapter of network bridge %s; change the bridge instead.", cur.Slot, b.UUID)
		}
		tx.Delete(model.KindAdapter, id)
		return nil
	})
}

// BridgeTrunk is a trunk adapter as a bridge update asks for it: an
// existing one (Slot > 0) or a new one (Slot 0).
type BridgeTrunk struct {
	Slot          int
	PVID          int
	Tagged        []int
	TrunkPriority int
}

// BridgeSEA is a SEA as a bridge update asks for it.
type BridgeSEA struct {
	VIOS   string // VIOS UUID
	Device string
	Trunks []BridgeTrunk
}

// UpdateBridge reconciles a network bridge with the SEAs a client sent
// (the networking-powervm flow): trunk adapters that are new are created
// on their VIOS, those no longer listed are removed, the others get the
// VLANs asked for. All SEAs of a failover bridge must carry the same VLANs.
func (c *Core) UpdateBridge(a Actor, id, etag string, loadBalancing *bool, seas []BridgeSEA) (*model.NetworkBridge, error) {
	var out *model.NetworkBridge
	err := c.Apply(a, func(tx *Tx) error {
		o := tx.Get(model.KindBridge, id)
		if o == nil {
			return model.ErrNoObject("NetworkBridge", id)
		}
		cur := o.(*model.NetworkBridge)
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale("NetworkBridge " + id)
		}
		n := cur.Clone()
		if loadBalancing != nil {
			n.LoadBalancing = *loadBalancing
		}
		if len(seas) > 0 {
			if err := tx.reconcileSEAs(n, seas); err != nil {
				return err
			}
		}
		if err := tx.checkBridge(n); err != nil {
			return err
		}
		tx.Put(n, "Other")
		out = n
		return nil
	})
	return out, err
}

func (tx *Tx) reconcileSEAs(n *model.NetworkBridge, seas []BridgeSEA) error {
	if len(seas) != len(n.SEAs) {
		return model.Invalid("The network bridge has %d shared Ethernet adapters; the request lists %d (adding or removing a SEA is not supported).", len(n.SEAs), len(seas))
	}
	for i := range n.SEAs {
		s := &n.SEAs[i]
		var req *BridgeSEA
		for j := range seas {
			if seas[j].VIOS == s.VIOS && (seas[j].Device == "" || seas[j].Device == s.Device) {
				req = &seas[j]
			}
		}
		if req == nil {
			return model.Invalid("The request does not list the shared Ethernet adapter %s of the network bridge.", s.Device)
		}
		vios := tx.Partition(s.VIOS)
		if vios == nil {
			return model.ErrNoPartition(s.VIOS)
		}
		if len(req.Trunks) == 0 {
			return model.Invalid("The shared Ethernet adapter %s needs at least its primary trunk adapter.", s.Device)
		}
		existing := map[int]*model.EthernetAdapter{}
		for _, tid := range s.Trunks {
			if a := tx.Adapter(tid); a != nil {
				existing[a.Slot] = a
			}
		}
		primary := tx.Adapter(s.Trunks[0])
		var trunks []string
		kept := map[int]bool{}
		for ti, t := range req.Trunks {
			if t.Slot > 0 {
				a := existing[t.Slot]
				if a == nil {
					return model.Invalid("The shared Ethernet adapter %s has no trunk adapter in slot %d.", s.Device, t.Slot)
				}
				if ti == 0 && a.UUID != s.Trunks[0] {
					return model.Invalid("The first trunk adapter of %s must stay its primary (slot %d).", s.Device, primary.Slot)
				}
				kept[t.Slot] = true
				m := a.Clone()
				m.Tagged = append([]int(nil), t.Tagged...)
				m.TaggedSupported = a.TaggedSupported || len(t.Tagged) > 0
				if t.PVID != 0 && t.PVID != a.PVID {
					if a.UUID == s.Trunks[0] {
						return model.Refused("The port VLAN ID of the primary trunk adapter of a network bridge cannot change.")
					}
					m.PVID = t.PVID
				}
				if t.TrunkPriority != 0 {
					m.TrunkPriority = t.TrunkPriority
				}
				if !sameAdapter(m, a) {
					if err := tx.dlparAllowed(vios, "changing a trunk adapter"); err != nil {
						return err
					}
					if err := tx.checkAdapter(vios, m); err != nil {
						return err
					}
					tx.Put(m, "Other")
				}
				trunks = append(trunks, a.UUID)
				continue
			}
			if ti == 0 {
				return model.Invalid("The primary trunk adapter of %s must keep its slot.", s.Device)
			}
			if err := tx.dlparAllowed(vios, "adding a trunk adapter"); err != nil {
				return err
			}
			prio := t.TrunkPriority
			if prio == 0 {
				prio = primary.TrunkPriority
			}
			na, err := tx.newAdapter(vios, &model.EthernetAdapter{PVID: t.PVID, Tagged: append([]int(nil), t.Tagged...),
				TaggedSupported: true, SwitchID: primary.SwitchID, Trunk: true, TrunkPriority: prio}, SlotNextHigh)
			if err != nil {
				return err
			}
			trunks = append(trunks, na.UUID)
		}
		for slot, a := range existing {
			if !kept[slot] {
				if a.UUID == s.Trunks[0] {
					return model.Invalid("The primary trunk adapter of %s cannot be removed.", s.Device)
				}
				if err := tx.dlparAllowed(vios, "removing a trunk adapter"); err != nil {
					return err
				}
				tx.Delete(model.KindAdapter, a.UUID)
			}
		}
		s.Trunks = trunks
	}
	return nil
}

// checkBridge verifies a bridge: each VLAN on one trunk of a SEA only, the
// SEAs of a failover bridge mirror each other, and no VLAN is bridged by
// two bridges of the same switch.
func (tx *Tx) checkBridge(b *model.NetworkBridge) error {
	var first []string
	for i, s := range b.SEAs {
		vlans := map[int]int{}
		var sig []string
		for _, tid := range s.Trunks {
			a := tx.Adapter(tid)
			if a == nil {
				return model.Internal("bridge %s: trunk adapter %s is gone", b.UUID, tid)
			}
			for _, v := range a.VLANs() {
				if slot, dup := vlans[v]; dup {
					return model.Invalid("VLAN %d would be on two trunk adapters of %s (slots %d and %d).", v, s.Device, slot, a.Slot)
				}
				vlans[v] = a.Slot
			}
			sig = append(sig, fmt.Sprintf("%d:%v", a.PVID, model.SortInts(a.Tagged)))
		}
		sort.Strings(sig)
		if i == 0 {
			first = sig
		} else if strings.Join(sig, ";") != strings.Join(first, ";") {
			return model.Invalid("The shared Ethernet adapters of a failover network bridge must carry the same VLANs: %s on one, %s on the other.",
				strings.Join(first, " "), strings.Join(sig, " "))
		}
	}
	mine := map[int]bool{}
	if len(b.SEAs) > 0 {
		for _, tid := range b.SEAs[0].Trunks {
			for _, v := range tx.Adapter(tid).VLANs() {
				mine[v] = true
			}
		}
	}
	for _, o := range tx.Bridges() {
		if o.UUID == b.UUID || o.SwitchID != b.SwitchID || len(o.SEAs) == 0 {
			continue
		}
		for _, tid := range o.SEAs[0].Trunks {
			if a := tx.Adapter(tid); a != nil {
				for _, v := range a.VLANs() {
					if mine[v] {
						return model.Invalid("VLAN %d is already bridged by network bridge %s on the same virtual switch.", v, o.UUID)
					}
				}
			}
		}
	}
	return nil
}

// LoadGroup is a derived view of a bridge: the trunk adapters (one per
// SEA) that share a PVID, and the VLANs they carry.
type LoadGroup struct {
	PVID   int
	Trunks []*model.EthernetAdapter
	VLANs  []int
}

// LoadGroups derives a bridge's load groups from its SEAs, the primary
// PVID's first.
func LoadGroups(st *model.State, b *model.NetworkBridge) []LoadGroup {
	if len(b.SEAs) == 0 {
		return nil
	}
	var out []LoadGroup
	for _, tid := range b.SEAs[0].Trunks {
		a := st.Adapters[tid]
		if a == nil {
			continue
		}
		lg := LoadGroup{PVID: a.PVID, VLANs: a.VLANs()}
		for _, s := range b.SEAs {
			for _, t := range s.Trunks {
				if ta := st.Adapters[t]; ta != nil && ta.PVID == a.PVID {
					lg.Trunks = append(lg.Trunks, ta)
					break
				}
			}
		}
		out = append(out, lg)
	}
	return out
}

// LoadGroupUUID is the (stable) UUID of a bridge's load group.
func LoadGroupUUID(bridge string, pvid int) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(bridge+"/lg/"+strconv.Itoa(pvid))).String()
}

// AttachSlot gives a free I/O slot to a partition (dynamically when it
// runs, which needs RMC).
func (c *Core) AttachSlot(a Actor, partition string, drcIndex int) error {
	return c.Apply(a, func(tx *Tx) error { return tx.attachSlot(partition, drcIndex) })
}

// DetachSlot takes an I/O slot from its partition.
func (c *Core) DetachSlot(a Actor, partition string, drcIndex int) error {
	return c.Apply(a, func(tx *Tx) error { return tx.detachSlot(partition, drcIndex) })
}

// SetPartitionSlots makes the partition own exactly the slots of want
// (a POST of its ProfileIOSlots): the slots it has and is not to keep are
// detached, the others attached, all in one operation (all or nothing).
func (c *Core) SetPartitionSlots(a Actor, partition string, want []int) error {
	return c.Apply(a, func(tx *Tx) error { return tx.setPartitionSlots(partition, want) })
}

func (tx *Tx) setPartitionSlots(partition string, want []int) error {
	if tx.Partition(partition) == nil {
		return model.ErrNoPartition(partition)
	}
	wanted := map[int]bool{}
	for _, idx := range want {
		wanted[idx] = true
	}
	var owned []int
	tx.each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == partition {
			owned = append(owned, s.DRCIndex)
		}
	})
	sort.Ints(owned)
	have := map[int]bool{}
	for _, idx := range owned {
		have[idx] = true
		if !wanted[idx] {
			if err := tx.detachSlot(partition, idx); err != nil {
				return err
			}
		}
	}
	for _, idx := range want {
		if !have[idx] {
			if err := tx.attachSlot(partition, idx); err != nil {
				return err
			}
			have[idx] = true
		}
	}
	return nil
}

func (tx *Tx) attachSlot(partition string, drcIndex int) error {
	p := tx.Partition(partition)
	if p == nil {
		return model.ErrNoPartition(partition)
	}
	o := tx.Get(model.KindSlot, strconv.Itoa(drcIndex))
	if o == nil {
		return model.ErrNoObject("IOSlot", strconv.Itoa(drcIndex))
	}
	s := o.(*model.IOSlot)
	if s.Owner == p.UUID {
		return model.Refused("The I/O slot %s already belongs to partition %s.", s.DRCName, p.Name)
	}
	if s.Owner != "" {
		owner := "another partition"
		if op := tx.Partition(s.Owner); op != nil {
			owner = "partition " + op.Name
		}
		return model.Refused("The I/O slot %s belongs to %s; detach it first.", s.DRCName, owner)
	}
	if err := tx.dlparAllowed(p, "adding an I/O slot"); err != nil {
		return err
	}
	n := s.CloneObject().(*model.IOSlot)
	n.Owner = p.UUID
	tx.Put(n)
	return nil
}

func (tx *Tx) detachSlot(partition string, drcIndex int) error {
	o := tx.Get(model.KindSlot, strconv.Itoa(drcIndex))
	if o == nil {
		return model.ErrNoObject("IOSlot", strconv.Itoa(drcIndex))
	}
	s := o.(*model.IOSlot)
	p := tx.Partition(partition)
	if p == nil {
		return model.ErrNoPartition(partition)
	}
	if s.Owner != p.UUID {
		return model.Refused("The I/O slot %s does not belong to partition %s.", s.DRCName, p.Name)
	}
	for _, b := range tx.Bridges() {
		for _, sea := range b.SEAs {
			if sea.VIOS == p.UUID && strings.HasPrefix(sea.Port, s.DRCName+"-") {
				return model.Refused("The I/O slot %s holds %s, the physical port of shared Ethernet adapter %s; remove the network bridge first.", s.DRCName, sea.Backing, sea.Device)
			}
		}
	}
	if err := tx.dlparAllowed(p, "removing an I/O slot"); err != nil {
		return err
	}
	n := s.CloneObject().(*model.IOSlot)
	n.Owner = ""
	tx.Put(n)
	return nil
}

// mgmtAdapter returns the partition's adapter on MGMTSWITCH's VLAN 4094
// (the path of its RMC connection), if any.
func (tx *Tx) mgmtAdapter(p *model.Partition) *model.EthernetAdapter {
	var mgmt *model.VirtualSwitch
	for _, s := range tx.Switches() {
		if s.Name == model.MgmtSwitch {
			mgmt = s
		}
	}
	if mgmt == nil {
		return nil
	}
	for _, a := range tx.AdaptersOf(p.UUID) {
		if a.SwitchID == mgmt.ID && a.PVID == model.MgmtVLAN && !a.Trunk {
			return a
		}
	}
	return nil
}

// settleRMC applies the RMC rule to a partition a step just changed: RMC
// comes up only over a MGMTSWITCH adapter, with the link-local address of
// its MAC; the management partition itself has none, unless it is a VIOS
// (NovaLink hosting I/O).
func (tx *Tx) settleRMC(p *model.Partition) {
	if p.RMCHeld != "" && p.State == model.StateRunning && !p.IsMgmt {
		// A tester holds RMC in a state (simctl.go).
		p.RMCState = p.RMCHeld
	}
	switch {
	case p.IsMgmt && !p.IsVIOS():
		p.RMCState, p.RMCIP = model.RMCNone, ""
	case !p.Active():
		p.RMCIP = ""
	case p.RMCState == model.RMCActive:
		a := tx.mgmtAdapter(p)
		if a == nil {
			p.RMCState, p.RMCIP = model.RMCInactive, ""
			return
		}
		p.RMCIP = model.LinkLocalFromMAC(a.MAC)
	default:
		p.RMCIP = ""
	}
}
