package model

import (
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Index names a lookup the state keeps up to date as objects are put and
// deleted (State.EachBy), so that finding the objects under a key costs
// their number, not the system's: what a VIOS maps, what maps a device, a
// pool's logical unit of a name, a logical unit by UDID. Creating an item
// (a mapping, a logical unit) asks these of the state; going through
// every object each time made seeding and every create cost as much as
// the system held.
type Index uint8

const (
	// SCSIByVIOS lists the vSCSI mappings by their VIOS's UUID.
	SCSIByVIOS Index = iota
	// SCSIByClient lists the vSCSI mappings by their client's UUID.
	SCSIByClient
	// SCSIByPair lists the vSCSI mappings by PairKey of their VIOS and
	// server slot (the mappings of one adapter pair).
	SCSIByPair
	// SCSIByBacking lists the vSCSI mappings by BackingKey of their
	// device.
	SCSIByBacking
	// FCByVIOS lists the vFC mappings by their VIOS's UUID.
	FCByVIOS
	// LUByName lists the logical units by LUNameKey of their pool and
	// name (names need not be unique in a pool).
	LUByName
	// LUByUDID lists the logical units by UDIDKey of their UDID and of
	// its 32-digit form.
	LUByUDID
	// SANLUNByName lists the SAN volumes by SANLUNNameKey of their name
	// and of their UUID (a volume is found by either).
	SANLUNByName
	// SANLUNByNAA lists the SAN volumes by NAAKey of their page 83
	// identifier.
	SANLUNByNAA
	// NumIndexes is the number of indexes (they are 0 .. NumIndexes-1).
	NumIndexes
)

// Kind is the kind of the objects an index lists.
func (ix Index) Kind() ObjKind {
	switch ix {
	case SCSIByVIOS, SCSIByClient, SCSIByPair, SCSIByBacking:
		return KindSCSIMap
	case FCByVIOS:
		return KindFCMap
	case SANLUNByName, SANLUNByNAA:
		return KindSANLUN
	default:
		return KindLU
	}
}

// BackingKey is the SCSIByBacking key of a device (model.BackPV ... and
// its UUID).
func BackingKey(kind, id string) string { return kind + "\x00" + id }

// PairKey is the SCSIByPair key of a VIOS's server slot.
func PairKey(vios string, serverSlot int) string { return vios + "\x00" + strconv.Itoa(serverSlot) }

// LUNameKey is the LUByName key of a pool's logical units of a name.
func LUNameKey(ssp, name string) string { return ssp + "\x00" + name }

// UDIDKey is the LUByUDID key of a UDID (full or 32-digit; UDIDs compare
// without case).
func UDIDKey(udid string) string { return strings.ToLower(udid) }

// SANLUNNameKeys are the SANLUNByName keys a volume is found by with a
// name or UUID.
func SANLUNNameKeys(nameOrUUID string) [2]string {
	return [2]string{"name\x00" + nameOrUUID, "uuid\x00" + strings.ToLower(nameOrUUID)}
}

// NAAKey is the SANLUNByNAA key of a page 83 identifier (compared without
// case).
func NAAKey(naa string) string { return strings.ToLower(naa) }

// Keys calls fn with each key an object of the index's kind is listed
// under.
func (ix Index) Keys(o Object, fn func(string)) {
	switch ix {
	case SCSIByVIOS:
		fn(o.(*SCSIMapping).VIOS)
	case SCSIByClient:
		if m := o.(*SCSIMapping); m.Client != "" {
			fn(m.Client)
		}
	case SCSIByPair:
		m := o.(*SCSIMapping)
		fn(PairKey(m.VIOS, m.ServerSlot))
	case SCSIByBacking:
		m := o.(*SCSIMapping)
		if m.Backing != "" {
			fn(BackingKey(m.Backing, m.BackingID))
		}
	case FCByVIOS:
		fn(o.(*FCMapping).VIOS)
	case LUByName:
		l := o.(*LogicalUnit)
		fn(LUNameKey(l.SSP, l.Name))
	case SANLUNByName:
		l := o.(*SANLUN)
		fn("name\x00" + l.Name)
		fn("uuid\x00" + strings.ToLower(l.UUID))
	case SANLUNByNAA:
		fn(NAAKey(o.(*SANLUN).NAA))
	case LUByUDID:
		l := o.(*LogicalUnit)
		full := UDIDKey(l.UDID)
		fn(full)
		if short := UDIDKey(l.ShortUDID()); short != full {
			fn(short)
		}
	}
}

// IndexesOf returns the indexes that list objects of a kind.
func IndexesOf(k ObjKind) []Index {
	switch k {
	case KindSCSIMap:
		return []Index{SCSIByVIOS, SCSIByClient, SCSIByPair, SCSIByBacking}
	case KindFCMap:
		return []Index{FCByVIOS}
	case KindLU:
		return []Index{LUByName, LUByUDID}
	case KindSANLUN:
		return []Index{SANLUNByName, SANLUNByNAA}
	}
	return nil
}

// Listed tells whether o is listed under key in the index.
func (ix Index) Listed(o Object, key string) bool {
	found := false
	ix.Keys(o, func(k string) { found = found || k == key })
	return found
}

// EachBy calls fn for every object listed under key in the index (in no
// particular order).
func (s *State) EachBy(ix Index, key string, fn func(Object)) {
	if sh := s.san(ix.Kind()); sh != nil {
		sh.EachBy(ix, key, fn)
		return
	}
	for _, o := range s.ix[ix][key] {
		fn(o)
	}
}

// index lists (add) or unlists o in the indexes of its kind.
func (s *State) index(o Object, add bool) {
	for _, ix := range IndexesOf(o.Kind()) {
		m := s.ix[ix]
		if m == nil {
			if !add {
				continue
			}
			m = map[string]map[string]Object{}
			s.ix[ix] = m
		}
		ix.Keys(o, func(key string) {
			set := m[key]
			if add {
				if set == nil {
					set = map[string]Object{}
					m[key] = set
				}
				set[o.Key()] = o
				return
			}
			if set[o.Key()] == o {
				delete(set, o.Key())
				if len(set) == 0 {
					delete(m, key)
				}
			}
		})
	}
}

// cloneIndexes copies the indexes (the sets are changed in place).
func (s *State) cloneIndexes() (c [NumIndexes]map[string]map[string]Object) {
	for i, m := range s.ix {
		if m == nil {
			continue
		}
		c[i] = make(map[string]map[string]Object, len(m))
		for k, set := range m {
			c[i][k] = maps.Clone(set)
		}
	}
	return c
}

// ---- numbers in use: virtual slots and device names ---------------------

// NumKey names a set of numbers in use the state keeps (Nums): with Name
// "", the virtual slots of the partition Owner (by its Ethernet adapters,
// its vNICs, and the adapters on either side of its mappings); else the
// numbers N of the VIOS Owner's device names PREFIX+N (no leading zero)
// in a field of its vSCSI mappings: Name is VHostNames(PREFIX) or
// TargetNames(PREFIX). New slots and names take the lowest free number,
// which these find without going through every adapter and mapping.
type NumKey struct {
	Owner, Name string
}

// VHostNames is the NumKey Name of the server adapters' names PREFIX+N.
func VHostNames(prefix string) string { return "VHost:" + prefix }

// TargetNames is the NumKey Name of the target devices' names PREFIX+N.
func TargetNames(prefix string) string { return "Target:" + prefix }

// EachNum calls fn with each number an object holds: an Ethernet
// adapter's or a vNIC's slot, a mapping's server slot on its VIOS and
// client slot (when set) on its client, a vSCSI mapping's server adapter
// and target device names.
func EachNum(o Object, fn func(NumKey, int)) {
	slot := func(owner string, n int) {
		if owner != "" {
			fn(NumKey{Owner: owner}, n)
		}
	}
	name := func(owner, field, name string) {
		if prefix, n, ok := splitNumbered(name); ok && owner != "" {
			fn(NumKey{owner, field + prefix}, n)
		}
	}
	switch v := o.(type) {
	case *EthernetAdapter:
		slot(v.Partition, v.Slot)
	case *VirtualNIC:
		slot(v.Partition, v.Slot)
	case *SCSIMapping:
		slot(v.VIOS, v.ServerSlot)
		if v.ClientSlot > 0 {
			slot(v.Client, v.ClientSlot)
		}
		name(v.VIOS, "VHost:", v.VHost)
		name(v.VIOS, "Target:", v.Target)
	case *FCMapping:
		slot(v.VIOS, v.ServerSlot)
		if v.ClientSlot > 0 {
			slot(v.Client, v.ClientSlot)
		}
	}
}

// splitNumbered splits PREFIX+N (N without a leading zero, PREFIX not
// ending in a digit).
func splitNumbered(s string) (string, int, bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	d := s[i:]
	if d == "" || len(d) > 9 || d[0] == '0' && d != "0" {
		return "", 0, false
	}
	n, err := strconv.Atoi(d)
	if err != nil {
		return "", 0, false
	}
	return s[:i], n, true
}

// NumSet is a set of small non-negative numbers, each counting its users
// (several mappings share their adapter pair's slot and server adapter).
// The state changes its sets in place: Clone copies them.
type NumSet struct {
	bits []uint64
	// more counts the users of a number beyond the first.
	more map[int]int32
}

// Has tells whether n is in use.
func (s *NumSet) Has(n int) bool {
	if s == nil || n < 0 || n/64 >= len(s.bits) {
		return false
	}
	return s.bits[n/64]&(1<<(n%64)) != 0
}

// Users is the number of users of n.
func (s *NumSet) Users(n int) int {
	if !s.Has(n) {
		return 0
	}
	return 1 + int(s.more[n])
}

// NextFree returns the lowest number >= from not in use.
func (s *NumSet) NextFree(from int) int {
	if from < 0 {
		from = 0
	}
	if s == nil {
		return from
	}
	for w := from / 64; w < len(s.bits); w++ {
		free := ^s.bits[w]
		if w == from/64 {
			free &^= (1 << (from % 64)) - 1
		}
		if free != 0 {
			return w*64 + bits.TrailingZeros64(free)
		}
	}
	return max(from, len(s.bits)*64)
}

// PrevUsed returns the highest number in use at or below at (-1 when
// none).
func (s *NumSet) PrevUsed(at int) int {
	if s == nil || at < 0 {
		return -1
	}
	if at >= len(s.bits)*64 {
		at = len(s.bits)*64 - 1
	}
	for w := at / 64; w >= 0; w-- {
		used := s.bits[w]
		if w == at/64 && at%64 != 63 {
			used &= (1 << (at%64 + 1)) - 1
		}
		if used != 0 {
			return w*64 + 63 - bits.LeadingZeros64(used)
		}
	}
	return -1
}

func (s *NumSet) add(n int) {
	if n < 0 {
		return
	}
	if s.Has(n) {
		if s.more == nil {
			s.more = map[int]int32{}
		}
		s.more[n]++
		return
	}
	for len(s.bits) <= n/64 {
		s.bits = append(s.bits, 0)
	}
	s.bits[n/64] |= 1 << (n % 64)
}

func (s *NumSet) remove(n int) {
	if !s.Has(n) {
		return
	}
	if c := s.more[n]; c > 0 {
		if c == 1 {
			delete(s.more, n)
		} else {
			s.more[n] = c - 1
		}
		return
	}
	s.bits[n/64] &^= 1 << (n % 64)
}

func (s *NumSet) empty() bool {
	for _, w := range s.bits {
		if w != 0 {
			return false
		}
	}
	return true
}

func (s *NumSet) clone() *NumSet {
	c := &NumSet{bits: slices.Clone(s.bits)}
	if len(s.more) > 0 {
		c.more = maps.Clone(s.more)
	}
	return c
}

// Nums returns a set of numbers in use (nil when none). The set is the
// state's: the caller must not keep it past a change.
func (s *State) Nums(k NumKey) *NumSet { return s.nums[k] }

// NumView is a set of numbers in use as a view without staged changes.
func (s *State) NumView(k NumKey) NumView { return NumView{Set: s.nums[k]} }

// useNums counts (add) or uncounts the numbers o holds.
func (s *State) useNums(o Object, add bool) {
	EachNum(o, func(k NumKey, n int) {
		set := s.nums[k]
		if add {
			if set == nil {
				set = &NumSet{}
				s.nums[k] = set
			}
			set.add(n)
			return
		}
		if set != nil {
			set.remove(n)
			if set.empty() {
				delete(s.nums, k)
			}
		}
	})
}

func cloneNums(m map[NumKey]*NumSet) map[NumKey]*NumSet {
	c := make(map[NumKey]*NumSet, len(m))
	for k, set := range m {
		c[k] = set.clone()
	}
	return c
}

// NumView is a set of numbers in use seen through a transaction's staged
// changes: the state's set and the change of each number's users.
type NumView struct {
	Set   *NumSet
	Delta map[int]int
}

// Change adds d users to n (d < 0 takes them away).
func (v *NumView) Change(n, d int) {
	if v.Delta == nil {
		v.Delta = map[int]int{}
	}
	v.Delta[n] += d
}

// Used tells whether n is in use.
func (v NumView) Used(n int) bool { return v.Set.Users(n)+v.Delta[n] > 0 }

// NextFree returns the lowest number >= from not in use.
func (v NumView) NextFree(from int) int {
	best := v.Set.NextFree(from)
	for v.Used(best) { // taken by a staged change
		best = v.Set.NextFree(best + 1)
	}
	for n := range v.Delta {
		if n >= from && n < best && !v.Used(n) {
			best = n
		}
	}
	return best
}

// Highest returns the highest number in use (-1 when none).
func (v NumView) Highest() int {
	best := -1
	for n := range v.Delta {
		if n > best && v.Used(n) {
			best = n
		}
	}
	for n := v.Set.PrevUsed(1 << 30); n > best; n = v.Set.PrevUsed(n - 1) {
		if v.Used(n) {
			return n
		}
	}
	return best
}

// ---- pool space --------------------------------------------------------

// PoolHeldMB is the space the logical units of a shared storage pool hold
// (LogicalUnit.HeldMB summed), kept as they change.
func (s *State) PoolHeldMB(ssp string) int { return s.poolHeld[ssp] }

func (s *State) holdPool(o Object, add bool) {
	l := o.(*LogicalUnit)
	if add {
		s.poolHeld[l.SSP] += l.HeldMB()
		return
	}
	if s.poolHeld[l.SSP] -= l.HeldMB(); s.poolHeld[l.SSP] == 0 {
		delete(s.poolHeld, l.SSP)
	}
}
