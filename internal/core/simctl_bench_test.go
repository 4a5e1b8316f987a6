package core

// Benchmarks of the simulator's controls (bench/README.md has the
// figures):
//
//	go test -run '^$' -bench 'Snapshot|FaultCheck' -benchtime 20x ./internal/core
//
// BenchmarkSnapshotSave1000 and BenchmarkSnapshotRestore1000 time a save
// and a restore of a 1,000-partition system (the target: under 100 ms
// each); BenchmarkFaultCheck* the rule check a request pays (the target:
// under 1 µs when no rule matches), against the baseline of no rule.

import (
	"testing"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// bigCore is a 1,000-partition system (100 of them running).
func bigCore(b *testing.B) *Core {
	inv := benchInventory(1000, 1024)
	inv.Clients.Running = 100
	inv.System.MemoryMB = 1 << 20
	inv.System.ProcUnits = 200
	c := openBench(b, b.TempDir(), inv)
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkSnapshotSave1000: saving the state of 1,000 partitions (and
// their adapters, storage ...), file written and synced.
func BenchmarkSnapshotSave1000(b *testing.B) {
	c := bigCore(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Snapshots().Save(admin, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/save")
}

// BenchmarkSnapshotRestore1000: a restore after every one of the 1,000
// partitions changed (each restore puts them all back: the worst case,
// one durable commit).
func BenchmarkSnapshotRestore1000(b *testing.B) {
	c := bigCore(b)
	if _, err := c.Snapshots().Save(admin, "A"); err != nil {
		b.Fatal(err)
	}
	var uuids []string
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if !p.IsMgmt {
				uuids = append(uuids, p.UUID)
			}
		}
	})
	err := c.Apply(admin, func(tx *Tx) error {
		tx.simControl = true
		for _, u := range uuids {
			n := tx.Partition(u).Clone()
			n.AvailPriority = 100
			tx.PutPartition(n)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Snapshots().Save(admin, "B"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	changed := 0
	for i := 0; i < b.N; i++ {
		name := "A"
		if i%2 == 1 {
			name = "B"
		}
		info, err := c.Snapshots().Restore(admin, name)
		if err != nil {
			b.Fatal(err)
		}
		changed += info.Changed
	}
	if changed < b.N*len(uuids) {
		b.Fatalf("restores changed %d objects, want at least %d a restore", changed/b.N, len(uuids))
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/restore")
}

func benchFaultCheck(b *testing.B, rules int) {
	c := openBench(b, b.TempDir(), nil)
	defer c.Close()
	for i := 0; i < rules; i++ {
		// Rules that look at the method, the route and the target, none
		// of which the request has.
		if _, err := c.Faults().Add(admin, sim.FaultRule{Method: "DELETE", Route: "*/VirtualIOServer/*", Target: "name=vios9", Status: 500}); err != nil {
			b.Fatal(err)
		}
	}
	q := &FaultRequest{Method: "GET", Path: "/rest/api/uom/ManagedSystem/0B2BD5B4-4A57-3C2F-8F09-3BF3E9A3B0E1/LogicalPartition/1F3B0C9E-6F0A-4B39-9C3E-2A5D5F1D0A10"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if c.Faults().Active() && c.Faults().Check(q).Acts() {
			b.Fatal("a rule acted")
		}
	}
}

// BenchmarkFaultCheckNoRules: the check of a request with no rule at all.
func BenchmarkFaultCheckNoRules(b *testing.B) { benchFaultCheck(b, 0) }

// BenchmarkFaultCheck10Rules: ten rules, none matching the request.
func BenchmarkFaultCheck10Rules(b *testing.B) { benchFaultCheck(b, 10) }
