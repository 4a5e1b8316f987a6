package core

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/store"
)

// partitionKeys lists the keys of the partition records in the state file
// of a closed core.
func partitionKeys(t *testing.T, dir string) []string {
	t.Helper()
	s, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	if err := s.ForEach(string(model.KindPartition), func(k, _ []byte) error {
		keys = append(keys, string(k))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// wantKeys is what partitionKeys should list for the partitions of c.
func wantKeys(c *Core) []string {
	var want []string
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			want = append(want, partitionRecordKey(p.ID, p.UUID))
		}
	})
	slices.Sort(want)
	return want
}

// TestPartitionRecordsKeyedByID: partition records are stored under their
// ID (then UUID), in ID order, from the seed, creates and deletes on; a
// restart loads them all back.
func TestPartitionRecordsKeyedByID(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Unix(1700000000, 0))
	c := openTest(t, dir, clk, nil)
	var made []*model.Partition
	for _, n := range []string{"a", "b", "c"} {
		p, err := c.CreatePartition(admin, newClient(c, n, 1024, 10))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, p)
	}
	if err := c.DeletePartition(admin, made[1].UUID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePartition(admin, made[2].UUID, "", func(n *model.Partition) error { n.DesMem = 1536; return nil }); err != nil {
		t.Fatal(err)
	}
	want := wantKeys(c)
	c.Close()
	got := partitionKeys(t, dir)
	if !slices.Equal(got, want) {
		t.Fatalf("partition keys %q, want %q", got, want)
	}
	for _, k := range got {
		if id, _, ok := strings.Cut(k, "/"); !ok || len(id) != 5 {
			t.Fatalf("key %q: want a five-digit ID, /, the UUID", k)
		}
	}
	c2 := openTest(t, dir, clk, nil)
	defer c2.Close()
	if p := partByName(c2, "c"); p == nil || p.DesMem != 1536 || partByName(c2, "b") != nil || partByName(c2, "a") == nil {
		t.Fatalf("after restart: a %v, b %v, c %+v", partByName(c2, "a"), partByName(c2, "b"), partByName(c2, "c"))
	}
}

// TestPartitionRecordsMovedFromUUIDKeys: a state file whose partition
// records are keyed by UUID (as written before) is opened with every record
// moved to its key, none lost or doubled, and is then changed as any.
func TestPartitionRecordsMovedFromUUIDKeys(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Unix(1700000000, 0))
	c := openTest(t, dir, clk, nil)
	p, err := c.CreatePartition(admin, newClient(c, "old", 1024, 10))
	if err != nil {
		t.Fatal(err)
	}
	want := wantKeys(c)
	c.Close()

	// Put every partition record back under its UUID, as an older pvmd
	// wrote it.
	s, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	var back []store.Change
	if err := s.ForEach(string(model.KindPartition), func(k, v []byte) error {
		_, uuid, _ := strings.Cut(string(k), "/")
		back = append(back, store.Change{Bucket: string(model.KindPartition), Key: string(k)},
			store.Change{Bucket: string(model.KindPartition), Key: uuid, Value: append([]byte(nil), v...)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(back) == 0 {
		t.Fatal("no partition records")
	}
	if err := s.Update(back); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := partitionKeys(t, dir); slices.Equal(got, want) {
		t.Fatal("the records were not put back under their UUIDs")
	}

	c2 := openTest(t, dir, clk, nil)
	if got := partByName(c2, "old"); got == nil || got.UUID != p.UUID {
		t.Fatalf("after the move: %+v", got)
	}
	if err := c2.DeletePartition(admin, p.UUID, ""); err != nil {
		t.Fatal(err)
	}
	want = wantKeys(c2)
	c2.Close()
	if got := partitionKeys(t, dir); !slices.Equal(got, want) {
		t.Fatalf("partition keys %q, want %q", got, want)
	}
	c3 := openTest(t, dir, clk, nil)
	defer c3.Close()
	if partByName(c3, "old") != nil {
		t.Fatal("the deleted partition came back")
	}
}
