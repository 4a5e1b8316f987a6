package model

import (
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"testing"
)

// The lowest free ID from the bitmap matches a plain scan of the index
// through random creates and deletes, and clones keep their own bitmap.
func TestFreeIDFromMatchesScan(t *testing.T) {
	st := NewState(&ManagedSystem{MaxPartitions: 300})
	rng := rand.New(rand.NewSource(1))
	naive := func(s *State, from int) int {
		for id := from; ; id++ {
			if _, used := s.byID[id]; !used {
				return id
			}
		}
	}
	for i := 0; i < 5000; i++ {
		id := 1 + rng.Intn(260)
		if p := st.PartitionByID(id); p != nil {
			st.DeletePartition(p.UUID)
		} else {
			st.PutPartition(&Partition{UUID: "u" + strconv.Itoa(i), ID: id, Name: "p" + strconv.Itoa(i)})
		}
		from := 1 + rng.Intn(270)
		if got, want := st.FreeIDFrom(from), naive(st, from); got != want {
			t.Fatalf("step %d: FreeIDFrom(%d) = %d, want %d", i, from, got, want)
		}
		if i%500 == 0 {
			c := st.Clone()
			c.PutPartition(&Partition{UUID: "clone", ID: naive(st, 1), Name: "clone"})
			if st.FreeIDFrom(1) == c.FreeIDFrom(1) {
				t.Fatalf("a clone shares the bitmap")
			}
		}
	}
}

// SortedPartitions lists in ID order from the IDs in use: through random
// creates, deletes and ID changes it lists what sorting the partitions
// lists, with and without a filter; a partition whose ID is not marked in
// use (put in the map directly) is still listed, in its place.
func TestSortedPartitionsFromIDs(t *testing.T) {
	st := NewState(&ManagedSystem{MaxPartitions: 500})
	rng := rand.New(rand.NewSource(2))
	sorted := func(filter func(*Partition) bool) []string {
		var out []*Partition
		for _, p := range st.Partitions {
			if filter == nil || filter(p) {
				out = append(out, p)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		ids := make([]string, len(out))
		for i, p := range out {
			ids[i] = p.UUID
		}
		return ids
	}
	uuids := func(ps []*Partition) []string {
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.UUID
		}
		return ids
	}
	odd := func(p *Partition) bool { return p.ID%2 == 1 }
	check := func(step int) {
		t.Helper()
		for _, f := range []func(*Partition) bool{nil, odd} {
			if got, want := uuids(st.SortedPartitions(f)), sorted(f); !slices.Equal(got, want) {
				at := 0
				for at < min(len(got), len(want)) && got[at] == want[at] {
					at++
				}
				t.Fatalf("step %d (filter %v): listed %d partitions, want %d; they differ from the %dth on", step, f != nil, len(got), len(want), at+1)
			}
		}
	}
	for i := range 3000 {
		id := 1 + rng.Intn(400)
		switch p := st.PartitionByID(id); {
		case p == nil:
			st.PutPartition(&Partition{UUID: "u" + strconv.Itoa(i), ID: id, Name: "p" + strconv.Itoa(i)})
		case rng.Intn(3) == 0:
			if to := 1 + rng.Intn(400); st.PartitionByID(to) == nil {
				moved := *p
				moved.ID = to
				st.PutPartition(&moved)
			}
		default:
			st.DeletePartition(p.UUID)
		}
		if i%50 == 0 {
			check(i)
		}
	}
	check(3000)
	st.Partitions["unmarked"] = &Partition{UUID: "unmarked", ID: 450, Name: "unmarked"}
	check(3001)
}
