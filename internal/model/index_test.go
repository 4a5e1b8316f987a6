package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// indexByScan is what EachBy stands for: the keys of the objects listed
// under each key of an index, found by going through every object.
func indexByScan(s *State, ix Index) map[string][]string {
	out := map[string][]string{}
	s.Each(ix.Kind(), func(o Object) {
		ix.Keys(o, func(k string) { out[k] = append(out[k], o.Key()) })
	})
	for _, l := range out {
		slices.Sort(l)
	}
	return out
}

func indexByIndex(s *State, ix Index, keys []string) map[string][]string {
	out := map[string][]string{}
	for _, k := range keys {
		var l []string
		s.EachBy(ix, k, func(o Object) { l = append(l, o.Key()) })
		if l != nil {
			slices.Sort(l)
			out[k] = l
		}
	}
	return out
}

// numsByScan counts the users of every number of every NumKey by going
// through the objects, as the slot and name searches once did.
func numsByScan(s *State) map[NumKey]map[int]int {
	out := map[NumKey]map[int]int{}
	for _, k := range []ObjKind{KindAdapter, KindVNIC, KindSCSIMap, KindFCMap} {
		s.Each(k, func(o Object) {
			EachNum(o, func(nk NumKey, n int) {
				if out[nk] == nil {
					out[nk] = map[int]int{}
				}
				out[nk][n]++
			})
		})
	}
	return out
}

func numsByIndex(s *State, keys []NumKey) map[NumKey]map[int]int {
	out := map[NumKey]map[int]int{}
	for _, k := range keys {
		set := s.Nums(k)
		for n := range 80 {
			if u := set.Users(n); u > 0 {
				if out[k] == nil {
					out[k] = map[int]int{}
				}
				out[k][n] = u
			}
		}
	}
	return out
}

func heldByScan(s *State) map[string]int {
	out := map[string]int{}
	s.Each(KindLU, func(o Object) {
		l := o.(*LogicalUnit)
		out[l.SSP] += l.HeldMB()
	})
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

type indexSnapshot struct {
	ix   [NumIndexes]map[string][]string
	nums map[NumKey]map[int]int
	held map[string]int
}

func snapshotByScan(s *State) (out indexSnapshot) {
	for ix := range NumIndexes {
		out.ix[ix] = indexByScan(s, ix)
	}
	out.nums = numsByScan(s)
	out.held = heldByScan(s)
	return out
}

func snapshotByIndex(s *State, keys []string, numKeys []NumKey, pools []string) (out indexSnapshot) {
	for ix := range NumIndexes {
		out.ix[ix] = indexByIndex(s, ix, keys)
	}
	out.nums = numsByIndex(s, numKeys)
	out.held = map[string]int{}
	for _, p := range pools {
		if v := s.PoolHeldMB(p); v != 0 {
			out.held[p] = v
		}
	}
	return out
}

func (a indexSnapshot) diff(b indexSnapshot) string {
	for ix := range NumIndexes {
		if !sameIndex(a.ix[ix], b.ix[ix]) {
			return fmt.Sprintf("index %d: %v, want %v", ix, a.ix[ix], b.ix[ix])
		}
	}
	if fmt.Sprint(a.nums) != fmt.Sprint(b.nums) {
		return fmt.Sprintf("numbers: %v, want %v", a.nums, b.nums)
	}
	if fmt.Sprint(a.held) != fmt.Sprint(b.held) {
		return fmt.Sprintf("pool space: %v, want %v", a.held, b.held)
	}
	return ""
}

// TestIndexesFollowChanges makes random puts (new objects, objects
// changed: another VIOS, client, slot, name, backing, size) and deletes of
// mappings, adapters, vNICs and logical units, and holds every index, set
// of numbers and pool sum equal to a scan after each step, in the state
// and in a clone taken midway (which later changes must not reach).
func TestIndexesFollowChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	parts := []string{"", "V1", "V2", "C1", "C2", "C3"}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	names := []string{"vhost0", "vhost1", "vhost2", "vhost10", "vhost01", "vtscsi0", "vtscsi1", "vtscsi3", "vtopt0", "disk", ""}
	pools := []string{"P1", "P2"}
	var keys []string
	var numKeys []NumKey
	for _, p := range parts {
		keys = append(keys, p)
		for slot := range 8 {
			keys = append(keys, PairKey(p, slot))
		}
		numKeys = append(numKeys, NumKey{Owner: p})
		for _, pre := range []string{"vhost", "vtscsi", "vtopt"} {
			numKeys = append(numKeys, NumKey{p, VHostNames(pre)}, NumKey{p, TargetNames(pre)})
		}
	}
	for i := range 6 {
		keys = append(keys, BackingKey(BackLU, fmt.Sprintf("L%d", i)), BackingKey(BackPV, fmt.Sprintf("L%d", i)))
	}
	for _, p := range pools {
		for _, n := range []string{"a", "b", "c"} {
			keys = append(keys, LUNameKey(p, n))
		}
	}
	for i := range 30 {
		keys = append(keys, SANLUNNameKeys(fmt.Sprintf("O%02d", i))[1])
	}
	for _, n := range []string{"v1", "v2", "o05", "O05"} {
		k := SANLUNNameKeys(n)
		keys = append(keys, k[:]...)
	}
	s := NewState(&ManagedSystem{UUID: "S"})
	var clone *State
	var cloneWant indexSnapshot
	for step := range 3000 {
		id := fmt.Sprintf("O%02d", rng.IntN(30))
		var o Object
		switch rng.IntN(6) {
		case 0:
			o = &SCSIMapping{UUID: id, VIOS: pick(parts), Client: pick(parts), ServerSlot: rng.IntN(8), ClientSlot: rng.IntN(8),
				VHost: pick(names), Target: pick(names), Backing: []string{"", BackLU, BackPV}[rng.IntN(3)], BackingID: fmt.Sprintf("L%d", rng.IntN(6))}
		case 1:
			o = &FCMapping{UUID: id, VIOS: pick(parts), Client: pick(parts), ServerSlot: rng.IntN(8), ClientSlot: rng.IntN(8)}
		case 2:
			o = &EthernetAdapter{UUID: id, Partition: pick(parts), Slot: rng.IntN(8), MAC: id}
		case 3:
			o = &VirtualNIC{UUID: id, Partition: pick(parts), Slot: rng.IntN(8)}
		case 5:
			naa := fmt.Sprintf("6005076%025X", rng.IntN(4))
			if rng.IntN(2) == 0 {
				naa = strings.ToLower(naa)
			}
			o = &SANLUN{UUID: id, Name: []string{"v1", "v2", "o05", "O05"}[rng.IntN(4)], NAA: naa}
			keys = append(keys, NAAKey(naa))
		default:
			udid := fmt.Sprintf("27%02x%032x", rng.IntN(4), rng.IntN(5))
			if rng.IntN(2) == 0 {
				udid = strings.ToUpper(udid)
			}
			o = &LogicalUnit{UUID: id, SSP: pick(pools), Name: []string{"a", "b", "c"}[rng.IntN(3)], UDID: udid,
				CapacityMB: 100 * (1 + rng.IntN(4)), UsedMB: 10 * rng.IntN(5), Thin: rng.IntN(2) == 0}
			keys = append(keys, UDIDKey(udid), UDIDKey(o.(*LogicalUnit).ShortUDID()))
		}
		// An object's key names one object across kinds here, so that a
		// put of another kind does not leave the old one behind.
		for _, k := range []ObjKind{KindSCSIMap, KindFCMap, KindAdapter, KindVNIC, KindLU, KindSANLUN} {
			if k != o.Kind() {
				s.Delete(k, id)
			}
		}
		if rng.IntN(4) == 0 {
			s.Delete(o.Kind(), id)
		} else {
			s.Put(o)
		}
		if d := snapshotByIndex(s, keys, numKeys, pools).diff(snapshotByScan(s)); d != "" {
			t.Fatalf("step %d: %s", step, d)
		}
		if step == 1500 {
			clone = s.Clone()
			cloneWant = snapshotByScan(clone)
		}
	}
	if d := snapshotByIndex(clone, keys, numKeys, pools).diff(cloneWant); d != "" {
		t.Fatalf("the clone changed with the state: %s", d)
	}
}

// TestNumViewThroughChanges: the lowest free and highest number of a set
// seen through staged changes.
func TestNumViewThroughChanges(t *testing.T) {
	set := &NumSet{}
	for _, n := range []int{0, 1, 2, 3, 5, 64, 65, 130} {
		set.add(n)
	}
	set.add(3) // a second user
	tests := []struct {
		name          string
		delta         map[int]int
		from          int
		free, highest int
	}{
		{"as is", nil, 2, 4, 130},
		{"from above a gap", nil, 6, 6, 130},
		{"past a full word", nil, 64, 66, 130},
		{"a staged use of the free one", map[int]int{4: 1}, 2, 6, 130},
		{"a staged release", map[int]int{2: -1}, 2, 2, 130},
		{"one of two users released", map[int]int{3: -1}, 3, 4, 130},
		{"both users released", map[int]int{3: -2}, 3, 3, 130},
		{"the highest released", map[int]int{130: -1}, 2, 4, 65},
		{"a staged use above all", map[int]int{200: 1}, 2, 4, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NumView{Set: set, Delta: tt.delta}
			if got := v.NextFree(tt.from); got != tt.free {
				t.Errorf("NextFree(%d) = %d, want %d", tt.from, got, tt.free)
			}
			if got := v.Highest(); got != tt.highest {
				t.Errorf("Highest() = %d, want %d", got, tt.highest)
			}
		})
	}
	var empty NumView
	if empty.NextFree(2) != 2 || empty.Highest() != -1 {
		t.Errorf("an empty view: NextFree(2) = %d, Highest() = %d; want 2, -1", empty.NextFree(2), empty.Highest())
	}
}
