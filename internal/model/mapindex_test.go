package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// mappingsByScan is what SCSIMappingsOf and FCMappingsOf stand for: the
// mappings of each client found by going through them all, as UUIDs,
// sorted.
func mappingsByScan(s *State, k ObjKind) map[string][]string {
	out := map[string][]string{}
	s.Each(k, func(o Object) {
		var client, id string
		switch m := o.(type) {
		case *SCSIMapping:
			client, id = m.Client, m.UUID
		case *FCMapping:
			client, id = m.Client, m.UUID
		}
		if client != "" {
			out[client] = append(out[client], id)
		}
	})
	for _, l := range out {
		slices.Sort(l)
	}
	return out
}

func mappingsByIndex(s *State, k ObjKind, clients []string) map[string][]string {
	out := map[string][]string{}
	for _, c := range clients {
		var l []string
		if k == KindSCSIMap {
			for _, m := range s.SCSIMappingsOf(c) {
				l = append(l, m.UUID)
			}
		} else {
			for _, m := range s.FCMappingsOf(c) {
				l = append(l, m.UUID)
			}
		}
		if l != nil {
			slices.Sort(l)
			out[c] = l
		}
	}
	return out
}

func sameIndex(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestMappingIndexFollowsChanges makes random puts (new mappings, a
// mapping moved to another client or to none) and deletes, and holds the
// per-client index equal to a scan after each, in the state and in a
// clone taken midway (which later changes must not reach).
func TestMappingIndexFollowsChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clients := []string{"", "C1", "C2", "C3", "C4"}
	s := NewState(&ManagedSystem{UUID: "S"})
	var clone *State
	var cloneWant [2]map[string][]string
	for step := range 2000 {
		id := fmt.Sprintf("M%02d", rng.IntN(40))
		client := clients[rng.IntN(len(clients))]
		fc := rng.IntN(2) == 1
		k := KindSCSIMap
		if fc {
			k = KindFCMap
		}
		switch {
		case rng.IntN(4) == 0:
			s.Delete(k, id)
		case fc:
			s.Put(&FCMapping{UUID: id, VIOS: "V", Client: client, ClientSlot: step})
		default:
			s.Put(&SCSIMapping{UUID: id, VIOS: "V", Client: client, ClientSlot: step})
		}
		for _, k := range []ObjKind{KindSCSIMap, KindFCMap} {
			if want, got := mappingsByScan(s, k), mappingsByIndex(s, k, clients); !sameIndex(want, got) {
				t.Fatalf("step %d: %s by client: index %v, scan %v", step, k, got, want)
			}
		}
		if step == 1000 {
			clone = s.Clone()
			cloneWant = [2]map[string][]string{mappingsByScan(clone, KindSCSIMap), mappingsByScan(clone, KindFCMap)}
		}
	}
	for i, k := range []ObjKind{KindSCSIMap, KindFCMap} {
		if got := mappingsByIndex(clone, k, clients); !sameIndex(cloneWant[i], got) {
			t.Fatalf("clone: %s by client changed with the original: %v, was %v", k, got, cloneWant[i])
		}
	}
}
