package model

import (
	"math/rand"
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
