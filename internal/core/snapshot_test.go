package core

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

func partitionNames(c *Core) []string {
	var names []string
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(nil) {
			names = append(names, p.Name)
		}
	})
	return names
}

// TestSnapshotRestore: a restore brings back what was saved (a deleted
// partition, a changed one, a load set), removes what came after, gives
// the changed objects new revisions, sends their events, leaves the
// fault rules alone, and survives a restart of the core (the snapshot is
// on disk).
func TestSnapshotRestore(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, dir, clk, nil)
	base, err := c.Snapshots().Save(admin, "base")
	if err != nil || base.Partitions != 6 || base.Objects == 0 {
		t.Fatalf("save: %+v %v", base, err)
	}
	lpar10, lpar11 := partByName(c, "lpar10"), partByName(c, "lpar11")
	ctx := context.Background()
	c.Bus.Poll(ctx, "listener", "s", 0) // NEW_CLIENT

	vm, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePartition(admin, lpar10.UUID, "", func(p *model.Partition) error { p.DesMem = 3072; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePartition(admin, lpar11.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetLoad(admin, lpar10.UUID, false, func(l *model.Load) { l.CPU = 0.2 }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Faults().Add(admin, sim.FaultRule{Route: "/x", Status: 500}); err != nil {
		t.Fatal(err)
	}
	c.Bus.Poll(ctx, "listener", "s", 0)

	info, err := c.Snapshots().Restore(admin, "base")
	if err != nil || info.Events != "objects" || info.Changed == 0 {
		t.Fatalf("restore: %+v %v", info, err)
	}
	if got := strings.Join(partitionNames(c), " "); got != "novalink vios1 vios2 lpar10 lpar11 lpar12" {
		t.Fatalf("after restore: %s", got)
	}
	if p := partByName(c, "lpar10"); p.DesMem != lpar10.DesMem || p.Rev <= lpar10.Rev {
		t.Fatalf("lpar10 after restore: mem %d rev %d (saved %d, rev %d)", p.DesMem, p.Rev, lpar10.DesMem, lpar10.Rev)
	}
	if p := partByName(c, "lpar11"); p == nil || p.UUID != lpar11.UUID {
		t.Fatalf("lpar11 is not back: %+v", p)
	}
	if c.Load(lpar10.UUID) != nil {
		t.Fatal("the load set after the snapshot is still there")
	}
	if len(c.Faults().List()) != 1 {
		t.Fatal("the restore touched the fault rules")
	}
	evs := c.Bus.Poll(ctx, "listener", "s", 0)
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.Type+" "+e.Data[strings.LastIndex(e.Data, "/")+1:]] = true
	}
	for _, want := range []string{EventDelete + " " + vm.UUID, EventModify + " " + lpar10.UUID, EventAdd + " " + lpar11.UUID} {
		if !seen[want] {
			t.Errorf("no event %s after the restore: %v", want, seen)
		}
	}
	// Nothing to do the second time.
	if info, err := c.Snapshots().Restore(admin, "base"); err != nil || info.Changed != 0 {
		t.Errorf("a second restore: %+v %v", info, err)
	}
	c.Close()
	c = openTest(t, dir, clk, nil)
	defer c.Close()
	if l := c.Snapshots().List(); len(l) != 1 || l[0].Name != "base" || l[0].Partitions != 6 {
		t.Fatalf("snapshots after a restart: %+v", l)
	}
	if _, err := c.CreatePartition(admin, newClient(c, "vm2", 2048, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Snapshots().Restore(admin, "base"); err != nil || partByName(c, "vm2") != nil {
		t.Fatalf("restore after a restart: %v", err)
	}
	// Bad names and unknown snapshots.
	for _, n := range []string{"", "../x", "a b", strings.Repeat("x", 65)} {
		if _, err := c.Snapshots().Save(admin, n); model.KindOf(err) != model.KindInvalid {
			t.Errorf("save %q: %v", n, err)
		}
	}
	if _, err := c.Snapshots().Restore(admin, "nosuch"); model.KindOf(err) != model.KindNotFound {
		t.Errorf("restore nosuch: %v", err)
	}
	if _, err := c.Snapshots().Save(Actor{User: "v", Role: RoleViewer}, "x"); model.KindOf(err) != model.KindRefused {
		t.Errorf("save as a viewer: %v", err)
	}
}

// TestSnapshotBigRestoreAndReset: a restore that changes more objects
// than BulkEventLimit sends one CACHE_CLEARED; a partition brought back
// half way through its boot finishes booting; reset goes back to the
// seeded inventory.
func TestSnapshotBigRestoreAndReset(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	lpar10 := partByName(c, "lpar10")
	job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: lpar10.UUID})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Millisecond)
	if p := partByName(c, "lpar10"); p.State != model.StateStarting {
		t.Fatalf("lpar10 is %s", p.State)
	}
	if _, err := c.Snapshots().Save(admin, "booting"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	<-job.Done()
	for i := 0; i < BulkEventLimit; i++ {
		if _, err := c.CreatePartition(admin, newClient(c, fmt.Sprintf("bulk%d", i), 256, 5)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	c.Bus.Poll(ctx, "l", "s", 0)
	info, err := c.Snapshots().Restore(admin, "booting")
	if err != nil || info.Events != EventCacheCleared {
		t.Fatalf("big restore: %+v %v", info, err)
	}
	if evs := c.Bus.Poll(ctx, "l", "s", 0); len(evs) != 1 || evs[0].Type != EventCacheCleared {
		t.Fatalf("events of a big restore: %d, first %+v", len(evs), evs[0])
	}
	if p := partByName(c, "lpar10"); p.State != model.StateStarting {
		t.Fatalf("lpar10 restored as %s", p.State)
	}
	clk.Advance(2 * time.Second)
	if p := partByName(c, "lpar10"); p.State != model.StateRunning || p.RMCState != model.RMCActive {
		t.Fatalf("lpar10 did not finish its boot after the restore: %s %s", p.State, p.RMCState)
	}
	// Reset: the seeded inventory again.
	if _, err := c.CreatePartition(admin, newClient(c, "extra", 256, 5)); err != nil {
		t.Fatal(err)
	}
	info, err = c.Reset(admin)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(partitionNames(c), " "); got != "novalink vios1 vios2 lpar10 lpar11 lpar12" {
		t.Fatalf("after reset: %s (%+v)", got, info)
	}
	if p := partByName(c, "lpar10"); p.State != model.StateNotActivated {
		t.Fatalf("lpar10 after reset: %s", p.State)
	}
	// Reset of a system as seeded changes nothing.
	if info, err := c.Reset(admin); err != nil || info.Changed != 0 {
		t.Fatalf("a second reset: %+v %v", info, err)
	}
}

// TestSnapshotConcurrentWriters: restores of two snapshots alternate while
// writers change the system and readers read it: every read sees one
// snapshot's partitions whole (never some of one and some of the other),
// with the writers' own partitions beside them; the accounting always
// matches the partitions.
func TestSnapshotConcurrentWriters(t *testing.T) {
	c := openTest(t, t.TempDir(), sim.RealClock{}, nil)
	defer c.Close()
	for i := 0; i < 20; i++ {
		if _, err := c.CreatePartition(admin, newClient(c, fmt.Sprintf("g%02d", i), 1024, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Snapshots().Save(admin, "A"); err != nil {
		t.Fatal(err)
	}
	c.Read(func(st *model.State) {})
	for i := 0; i < 20; i++ {
		p := partByName(c, fmt.Sprintf("g%02d", i))
		if _, err := c.UpdatePartition(admin, p.UUID, "", func(p *model.Partition) error { p.DesMem = 2048; p.MaxMem = 4096; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Snapshots().Save(admin, "B"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, writes, restores atomic.Int64
	var bad atomic.Value
	wg.Add(1)
	go func() { // the restorer
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := "A"
			if i%2 == 1 {
				name = "B"
			}
			if _, err := c.Snapshots().Restore(admin, name); err != nil {
				bad.Store(fmt.Sprintf("restore %s: %v", name, err))
				return
			}
			restores.Add(1)
		}
	}()
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) { // writers: their own partitions come and go
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n, err := c.CreatePartition(admin, newClient(c, fmt.Sprintf("w%d-%d", w, i), 256, 5))
				if err != nil {
					continue // a restore took the ID or name meanwhile
				}
				writes.Add(1)
				c.DeletePartition(admin, n.UUID, "") // may be gone already
			}
		}(w)
	}
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.Read(func(st *model.State) {
					mems := map[int]int{}
					var a model.Accounting
					for _, p := range st.Partitions {
						if strings.HasPrefix(p.Name, "g") {
							mems[p.DesMem]++
						}
						a = a.Add(p.Holds())
					}
					if len(mems) != 1 || (mems[1024] != 20 && mems[2048] != 20) {
						bad.Store(fmt.Sprintf("a torn read: desired memory of the g partitions %v", mems))
					}
					if a != st.Accounting() {
						bad.Store(fmt.Sprintf("accounting %+v, partitions hold %+v", st.Accounting(), a))
					}
				})
				reads.Add(1)
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Fatal(b)
	}
	if restores.Load() < 4 || writes.Load() == 0 || reads.Load() == 0 {
		t.Fatalf("too little happened: %d restores, %d writes, %d reads", restores.Load(), writes.Load(), reads.Load())
	}
	t.Logf("%d restores, %d writes, %d reads", restores.Load(), writes.Load(), reads.Load())
	// The store holds what the view shows.
	names := partitionNames(c)
	c.Close()
	c2 := openTest(t, filepathDir(c), sim.RealClock{}, nil)
	defer c2.Close()
	got := partitionNames(c2)
	sort.Strings(names)
	sort.Strings(got)
	if strings.Join(names, " ") != strings.Join(got, " ") {
		t.Fatalf("after a restart:\n%v\nbefore:\n%v", got, names)
	}
}

func filepathDir(c *Core) string { return filepath.Dir(c.cfg.StatePath) }
