package model

import (
	"cmp"
	"maps"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
)

// State is the whole configuration of one managed system at one revision:
// the system, its partitions, switches, adapters, bridges and I/O slots,
// with the indexes the rules need. The core keeps two: the writer's (every
// validated change) and the readers' (every committed change). Objects in
// it are shared between the two and between revisions, and are never
// changed in place.
type State struct {
	System     *ManagedSystem
	Partitions map[string]*Partition // by UUID
	Switches   map[string]*VirtualSwitch
	Adapters   map[string]*EthernetAdapter
	Bridges    map[string]*NetworkBridge
	Slots      map[string]*IOSlot // by DRC index

	byName map[string]string
	byID   map[int]string
	// used has bit id set for every partition ID in use, so that the
	// lowest free ID is found a word (64 IDs) at a time.
	used []uint64
	acct Accounting

	// adaptersOf lists each partition's adapters by slot. The slices are
	// never changed in place (a change makes a new one), so that clones of
	// the state share them.
	adaptersOf   map[string][]*EthernetAdapter
	byMAC        map[string]string
	switchByID   map[int]string
	switchByName map[string]string
	// scsiOf and fcOf list the SCSI and FC mappings of each client
	// partition (by its UUID), in no particular order; like adaptersOf,
	// the slices are replaced, never changed in place.
	scsiOf map[string][]*SCSIMapping
	fcOf   map[string][]*FCMapping
	// ix are the indexes of index.go (EachBy), nums the numbers in use
	// (virtual slots, device names: Nums) and poolHeld each pool's held
	// space (PoolHeldMB); all changed in place and copied by Clone.
	ix       [NumIndexes]map[string]map[string]Object
	nums     map[NumKey]*NumSet
	poolHeld map[string]int

	// objs holds the kinds without indexes of their own (storage).
	objs map[ObjKind]map[string]Object

	// Peers reaches the other managed systems of the state's fleet (nil
	// for a single system): a shared storage pool's cluster has nodes on
	// them.
	Peers Peers

	// SAN, for a system of a fleet, is the fleet's one SAN (fabrics,
	// arrays, volumes, iSCSI targets, RBD images), held once for all its
	// systems: the SAN's kinds (SANKinds) are read from and written to
	// it. Nil for a single system, whose SAN is in its own state.
	SAN *Shared
}

// SANKinds are the kinds of the storage outside the managed system.
var SANKinds = map[ObjKind]bool{KindSANFabric: true, KindSANArray: true, KindSANLUN: true, KindISCSITarget: true, KindRBDImage: true}

// Shared is a state held once for many systems (a fleet's SAN): Load
// gives its current version. The writers' version is changed in place
// under the fleet's writer lock; the readers' is replaced whole (a
// changed clone), never changed in place.
type Shared struct{ cur atomic.Pointer[State] }

// NewShared holds st.
func NewShared(st *State) *Shared {
	s := &Shared{}
	s.cur.Store(st)
	return s
}

// Load returns the current version.
func (s *Shared) Load() *State { return s.cur.Load() }

// Store replaces the current version.
func (s *Shared) Store(st *State) { s.cur.Store(st) }

// san is the shared state that holds kind k, nil when s holds it itself.
func (s *State) san(k ObjKind) *State {
	if s.SAN == nil || !SANKinds[k] {
		return nil
	}
	return s.SAN.Load()
}

// Peers are the other managed systems of a fleet, as a state sees them.
type Peers interface {
	// Partition finds a partition of another system of the fleet, with
	// that system (nil, nil when none has it).
	Partition(uuid string) (*Partition, *ManagedSystem)
	// MapsLU tells whether another system of the fleet maps the logical
	// unit (a cluster's LU is in use wherever a VIOS of the cluster maps
	// it).
	MapsLU(uuid string) bool
	// Each calls fn for every object of a kind of every other system of
	// the fleet, with its system (what the fleet's SAN asks: who uses a
	// WWPN, which VIOS has a volume as a disk).
	Each(k ObjKind, fn func(Object, *ManagedSystem))
}

// NewState returns an empty state for sys.
func NewState(sys *ManagedSystem) *State {
	return &State{System: sys, Partitions: map[string]*Partition{}, Switches: map[string]*VirtualSwitch{},
		Adapters: map[string]*EthernetAdapter{}, Bridges: map[string]*NetworkBridge{}, Slots: map[string]*IOSlot{},
		byName: map[string]string{}, byID: map[int]string{},
		adaptersOf: map[string][]*EthernetAdapter{}, byMAC: map[string]string{},
		switchByID: map[int]string{}, switchByName: map[string]string{},
		scsiOf: map[string][]*SCSIMapping{}, fcOf: map[string][]*FCMapping{}, objs: map[ObjKind]map[string]Object{},
		nums: map[NumKey]*NumSet{}, poolHeld: map[string]int{}}
}

// Clone copies the maps and indexes (not the objects, nor the adapter
// lists, which are replaced, never changed).
func (s *State) Clone() *State {
	c := &State{System: s.System, Partitions: maps.Clone(s.Partitions), Switches: maps.Clone(s.Switches),
		Adapters: maps.Clone(s.Adapters), Bridges: maps.Clone(s.Bridges), Slots: maps.Clone(s.Slots),
		byName: maps.Clone(s.byName), byID: maps.Clone(s.byID), used: slices.Clone(s.used), acct: s.acct,
		adaptersOf: maps.Clone(s.adaptersOf), byMAC: maps.Clone(s.byMAC),
		switchByID: maps.Clone(s.switchByID), switchByName: maps.Clone(s.switchByName),
		scsiOf: maps.Clone(s.scsiOf), fcOf: maps.Clone(s.fcOf), ix: s.cloneIndexes(), nums: cloneNums(s.nums), poolHeld: maps.Clone(s.poolHeld),
		objs: make(map[ObjKind]map[string]Object, len(s.objs)), Peers: s.Peers, SAN: s.SAN}
	for k, m := range s.objs {
		c.objs[k] = maps.Clone(m)
	}
	return c
}

// Each calls fn for every object of a kind (in no particular order).
func (s *State) Each(k ObjKind, fn func(Object)) {
	switch k {
	case KindPartition:
		for _, o := range s.Partitions {
			fn(o)
		}
	case KindSwitch:
		for _, o := range s.Switches {
			fn(o)
		}
	case KindAdapter:
		for _, o := range s.Adapters {
			fn(o)
		}
	case KindBridge:
		for _, o := range s.Bridges {
			fn(o)
		}
	case KindSlot:
		for _, o := range s.Slots {
			fn(o)
		}
	default:
		if sh := s.san(k); sh != nil {
			sh.Each(k, fn)
			return
		}
		for _, o := range s.objs[k] {
			fn(o)
		}
	}
}

// Get returns an object by kind and key (nil when absent).
func (s *State) Get(k ObjKind, key string) Object {
	switch k {
	case KindPartition:
		if o := s.Partitions[key]; o != nil {
			return o
		}
	case KindSwitch:
		if o := s.Switches[key]; o != nil {
			return o
		}
	case KindAdapter:
		if o := s.Adapters[key]; o != nil {
			return o
		}
	case KindBridge:
		if o := s.Bridges[key]; o != nil {
			return o
		}
	case KindSlot:
		if o := s.Slots[key]; o != nil {
			return o
		}
	default:
		if sh := s.san(k); sh != nil {
			return sh.Get(k, key)
		}
		if o := s.objs[k][key]; o != nil {
			return o
		}
	}
	return nil
}

// Put inserts or replaces an object, keeping indexes and accounting.
func (s *State) Put(o Object) {
	if sh := s.san(o.Kind()); sh != nil {
		sh.Put(o)
		return
	}
	s.Delete(o.Kind(), o.Key())
	switch v := o.(type) {
	case *Partition:
		s.Partitions[v.UUID] = v
		s.byName[v.Name] = v.UUID
		s.byID[v.ID] = v.UUID
		s.setUsed(v.ID, true)
		s.acct = s.acct.Add(v.Holds())
	case *VirtualSwitch:
		s.Switches[v.UUID] = v
		s.switchByID[v.ID] = v.UUID
		s.switchByName[v.Name] = v.UUID
	case *EthernetAdapter:
		s.Adapters[v.UUID] = v
		old := s.adaptersOf[v.Partition]
		i, _ := slices.BinarySearchFunc(old, v.Slot, func(a *EthernetAdapter, slot int) int { return cmp.Compare(a.Slot, slot) })
		s.adaptersOf[v.Partition] = slices.Insert(slices.Clip(old), i, v)
		s.byMAC[v.MAC] = v.UUID
	case *NetworkBridge:
		s.Bridges[v.UUID] = v
	case *IOSlot:
		s.Slots[v.Key()] = v
	case *ProcPool:
		s.acct.PoolReserved += v.ReservedUnits
		s.putObj(o)
	case *SCSIMapping:
		if v.Client != "" {
			s.scsiOf[v.Client] = append(slices.Clip(s.scsiOf[v.Client]), v)
		}
		s.putObj(o)
	case *FCMapping:
		if v.Client != "" {
			s.fcOf[v.Client] = append(slices.Clip(s.fcOf[v.Client]), v)
		}
		s.putObj(o)
	default:
		s.putObj(o)
	}
	s.indexObj(o, true)
}

// indexObj lists (add) or unlists o in the indexes, number sets and
// pool sums its kind is in.
func (s *State) indexObj(o Object, add bool) {
	switch o.Kind() {
	case KindAdapter, KindVNIC:
		s.useNums(o, add)
	case KindSCSIMap, KindFCMap:
		s.useNums(o, add)
		s.index(o, add)
	case KindLU:
		s.index(o, add)
		s.holdPool(o, add)
	case KindSANLUN:
		s.index(o, add)
	}
}

func (s *State) putObj(o Object) {
	m := s.objs[o.Kind()]
	if m == nil {
		m = map[string]Object{}
		s.objs[o.Kind()] = m
	}
	m[o.Key()] = o
}

// Delete removes an object (nothing when absent).
func (s *State) Delete(k ObjKind, key string) {
	switch k {
	case KindPartition:
		if old := s.Partitions[key]; old != nil {
			if s.byName[old.Name] == old.UUID {
				delete(s.byName, old.Name)
			}
			if s.byID[old.ID] == old.UUID {
				delete(s.byID, old.ID)
				s.setUsed(old.ID, false)
			}
			s.acct = s.acct.Sub(old.Holds())
			delete(s.Partitions, key)
		}
	case KindSwitch:
		if old := s.Switches[key]; old != nil {
			if s.switchByID[old.ID] == key {
				delete(s.switchByID, old.ID)
			}
			if s.switchByName[old.Name] == key {
				delete(s.switchByName, old.Name)
			}
			delete(s.Switches, key)
		}
	case KindAdapter:
		if old := s.Adapters[key]; old != nil {
			s.indexObj(old, false)
			if list := s.adaptersOf[old.Partition]; len(list) > 0 {
				if i := slices.Index(list, old); i >= 0 {
					if len(list) == 1 {
						delete(s.adaptersOf, old.Partition)
					} else {
						s.adaptersOf[old.Partition] = slices.Delete(slices.Clone(list), i, i+1)
					}
				}
			}
			if s.byMAC[old.MAC] == key {
				delete(s.byMAC, old.MAC)
			}
			delete(s.Adapters, key)
		}
	case KindBridge:
		delete(s.Bridges, key)
	case KindSlot:
		delete(s.Slots, key)
	default:
		if sh := s.san(k); sh != nil {
			sh.Delete(k, key)
			return
		}
		old := s.objs[k][key]
		if old != nil {
			s.indexObj(old, false)
		}
		switch old := old.(type) {
		case *ProcPool:
			s.acct.PoolReserved -= old.ReservedUnits
		case *SCSIMapping:
			dropFrom(s.scsiOf, old.Client, old)
		case *FCMapping:
			dropFrom(s.fcOf, old.Client, old)
		}
		delete(s.objs[k], key)
	}
}

// dropFrom takes o out of the list of key in index (a new list: the old
// one may be shared with clones).
func dropFrom[T comparable](index map[string][]T, key string, o T) {
	list := index[key]
	i := slices.Index(list, o)
	switch {
	case i < 0:
	case len(list) == 1:
		delete(index, key)
	default:
		index[key] = slices.Delete(slices.Clone(list), i, i+1)
	}
}

// SCSIMappingsOf returns the SCSI mappings of a client partition, in no
// particular order. The slice is shared: the caller must not change it.
func (s *State) SCSIMappingsOf(client string) []*SCSIMapping { return s.scsiOf[client] }

// FCMappingsOf returns the FC mappings of a client partition, in no
// particular order. The slice is shared: the caller must not change it.
func (s *State) FCMappingsOf(client string) []*FCMapping { return s.fcOf[client] }

// Count returns the number of objects of a kind.
func (s *State) Count(k ObjKind) int {
	n := 0
	s.Each(k, func(Object) { n++ })
	return n
}

// Accounting returns what the active partitions hold.
func (s *State) Accounting() Accounting { return s.acct }

// Partition returns a partition by UUID.
func (s *State) Partition(uuid string) *Partition { return s.Partitions[uuid] }

// PutPartition inserts or replaces a partition.
func (s *State) PutPartition(p *Partition) { s.Put(p) }

// DeletePartition removes a partition.
func (s *State) DeletePartition(uuid string) { s.Delete(KindPartition, uuid) }

// PartitionByName returns a partition by name.
func (s *State) PartitionByName(name string) *Partition {
	if u, ok := s.byName[name]; ok {
		return s.Partitions[u]
	}
	return nil
}

// PartitionByID returns a partition by partition ID.
func (s *State) PartitionByID(id int) *Partition {
	if u, ok := s.byID[id]; ok {
		return s.Partitions[u]
	}
	return nil
}

// AdaptersOf returns a partition's adapters by slot (a copy the caller
// may change).
func (s *State) AdaptersOf(partition string) []*EthernetAdapter {
	return slices.Clone(s.adaptersOf[partition])
}

// AdapterAt returns the adapter in a partition's slot.
func (s *State) AdapterAt(partition string, slot int) *EthernetAdapter {
	for _, a := range s.adaptersOf[partition] {
		if a.Slot == slot {
			return a
		}
	}
	return nil
}

// AdapterByMAC returns the adapter with a MAC.
func (s *State) AdapterByMAC(mac string) *EthernetAdapter {
	if u, ok := s.byMAC[mac]; ok {
		return s.Adapters[u]
	}
	return nil
}

// SwitchByID returns a switch by switch ID.
func (s *State) SwitchByID(id int) *VirtualSwitch {
	if u, ok := s.switchByID[id]; ok {
		return s.Switches[u]
	}
	return nil
}

// SwitchByName returns a switch by name.
func (s *State) SwitchByName(name string) *VirtualSwitch {
	if u, ok := s.switchByName[name]; ok {
		return s.Switches[u]
	}
	return nil
}

// SortedSwitches returns the switches by ID.
func (s *State) SortedSwitches() []*VirtualSwitch {
	out := make([]*VirtualSwitch, 0, len(s.Switches))
	for _, v := range s.Switches {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SortedSlots returns the I/O slots by DRC index.
func (s *State) SortedSlots() []*IOSlot {
	out := make([]*IOSlot, 0, len(s.Slots))
	for _, v := range s.Slots {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DRCIndex < out[j].DRCIndex })
	return out
}

// SlotByDRC returns an I/O slot by DRC index.
func (s *State) SlotByDRC(index int) *IOSlot { return s.Slots[strconv.Itoa(index)] }

// VirtualNetworks derives the VLANs in use on each switch from the
// adapters: one network per (switch, VLAN), tagged when some adapter
// carries it tagged. Sorted by switch ID and VLAN.
func (s *State) VirtualNetworks() []VirtualNetwork {
	type key struct{ sw, vlan int }
	tagged := map[key]bool{}
	for _, a := range s.Adapters {
		if _, ok := tagged[key{a.SwitchID, a.PVID}]; !ok {
			tagged[key{a.SwitchID, a.PVID}] = false
		}
		for _, v := range a.Tagged {
			tagged[key{a.SwitchID, v}] = true
		}
	}
	out := make([]VirtualNetwork, 0, len(tagged))
	for k, t := range tagged {
		name := ""
		if sw := s.SwitchByID(k.sw); sw != nil {
			name = sw.Name
		}
		out = append(out, VirtualNetwork{SwitchID: k.sw, Switch: name, VLAN: k.vlan, Tagged: t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SwitchID != out[j].SwitchID {
			return out[i].SwitchID < out[j].SwitchID
		}
		return out[i].VLAN < out[j].VLAN
	})
	return out
}

func (s *State) setUsed(id int, on bool) {
	if id < 0 {
		return
	}
	w := id / 64
	for len(s.used) <= w {
		s.used = append(s.used, 0)
	}
	if on {
		s.used[w] |= 1 << (id % 64)
	} else {
		s.used[w] &^= 1 << (id % 64)
	}
}

// FreeIDFrom returns the lowest partition ID >= from that no partition
// of s uses (it may be above the system's maximum).
func (s *State) FreeIDFrom(from int) int {
	if from < 1 {
		from = 1
	}
	for w := from / 64; w < len(s.used); w++ {
		free := ^s.used[w]
		if w == from/64 {
			free &^= (1 << (from % 64)) - 1
		}
		if free != 0 {
			return w*64 + bits.TrailingZeros64(free)
		}
	}
	if n := len(s.used) * 64; n > from {
		return n
	}
	return from
}

// SortedPartitions returns the partitions by partition ID; filter, when
// given, keeps only those it accepts.
func (s *State) SortedPartitions(filter func(*Partition) bool) []*Partition {
	// In ID order from the IDs in use, without sorting; should a
	// partition not be found that way (its ID not marked in use), sorted.
	out := make([]*Partition, 0, len(s.Partitions))
	found := 0
	for w, word := range s.used {
		for word != 0 {
			id := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			p := s.Partitions[s.byID[id]]
			if p == nil || p.ID != id {
				continue
			}
			found++
			if filter == nil || filter(p) {
				out = append(out, p)
			}
		}
	}
	if found == len(s.Partitions) {
		return out
	}
	out = out[:0]
	for _, p := range s.Partitions {
		if filter == nil || filter(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Partition) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// CheckUnique verifies p's name and ID against the other partitions.
func (s *State) CheckUnique(p *Partition) error {
	if u, ok := s.byName[p.Name]; ok && u != p.UUID {
		return ErrNameInUse(p.Name)
	}
	if u, ok := s.byID[p.ID]; ok && u != p.UUID {
		return ErrIDInUse(p.ID)
	}
	return nil
}

// NextFreeID returns the lowest unused partition ID, or an error when the
// system is full.
func (s *State) NextFreeID() (int, error) {
	if id := s.FreeIDFrom(1); id <= s.System.MaxPartitions {
		return id, nil
	}
	return 0, ErrNoFreeID(s.System.MaxPartitions)
}

// RecomputeAccounting derives the accounting from scratch (used by tests to
// check the incremental figure, and after loading).
func (s *State) RecomputeAccounting() Accounting {
	var a Accounting
	for _, p := range s.Partitions {
		a = a.Add(p.Holds())
	}
	for _, o := range s.objs[KindProcPool] {
		a.PoolReserved += o.(*ProcPool).ReservedUnits
	}
	s.acct = a
	return a
}
