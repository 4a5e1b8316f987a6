package model

import (
	"math/bits"
	"sort"
)

// State is the whole configuration of one managed system at one revision:
// the system and its partitions, with the indexes the rules need. The core
// keeps two: the writer's (every validated change) and the readers' (every
// committed change). Objects in it are shared between the two and between
// revisions, and are never changed in place.
type State struct {
	System     *ManagedSystem
	Partitions map[string]*Partition // by UUID
	byName     map[string]string
	byID       map[int]string
	// used has bit id set for every partition ID in use, so that the
	// lowest free ID is found a word (64 IDs) at a time.
	used []uint64
	acct Accounting
}

// NewState returns an empty state for sys.
func NewState(sys *ManagedSystem) *State {
	return &State{System: sys, Partitions: map[string]*Partition{}, byName: map[string]string{}, byID: map[int]string{}}
}

// Clone copies the maps (not the objects).
func (s *State) Clone() *State {
	c := &State{System: s.System, Partitions: make(map[string]*Partition, len(s.Partitions)),
		byName: make(map[string]string, len(s.byName)), byID: make(map[int]string, len(s.byID)), acct: s.acct,
		used: append([]uint64(nil), s.used...)}
	for k, v := range s.Partitions {
		c.Partitions[k] = v
	}
	for k, v := range s.byName {
		c.byName[k] = v
	}
	for k, v := range s.byID {
		c.byID[k] = v
	}
	return c
}

// Accounting returns what the active partitions hold.
func (s *State) Accounting() Accounting { return s.acct }

// Partition returns a partition by UUID.
func (s *State) Partition(uuid string) *Partition { return s.Partitions[uuid] }

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

// PutPartition inserts or replaces p, keeping indexes and accounting.
func (s *State) PutPartition(p *Partition) {
	if old := s.Partitions[p.UUID]; old != nil {
		s.removeIndexes(old)
	}
	s.Partitions[p.UUID] = p
	s.byName[p.Name] = p.UUID
	s.byID[p.ID] = p.UUID
	s.setUsed(p.ID, true)
	s.acct = s.acct.Add(p.Holds())
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

// DeletePartition removes a partition.
func (s *State) DeletePartition(uuid string) {
	if old := s.Partitions[uuid]; old != nil {
		s.removeIndexes(old)
		delete(s.Partitions, uuid)
	}
}

func (s *State) removeIndexes(old *Partition) {
	if s.byName[old.Name] == old.UUID {
		delete(s.byName, old.Name)
	}
	if s.byID[old.ID] == old.UUID {
		delete(s.byID, old.ID)
		s.setUsed(old.ID, false)
	}
	s.acct = s.acct.Sub(old.Holds())
}

// SortedPartitions returns the partitions by partition ID; filter, when
// given, keeps only those it accepts.
func (s *State) SortedPartitions(filter func(*Partition) bool) []*Partition {
	out := make([]*Partition, 0, len(s.Partitions))
	for _, p := range s.Partitions {
		if filter == nil || filter(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
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
	s.acct = a
	return a
}
