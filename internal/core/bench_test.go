package core

// Benchmarks of the core without HTTP: seeding, creates through the single
// writer, and the partition-ID search. Run with e.g.
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/core
//	go test -run '^$' -bench Create16 -benchtime 20000x -cpuprofile cpu.out ./internal/core
//
// Nothing here runs under plain `go test`.

import (
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// benchInventory returns the default layout with n partitions in all (the
// NovaLink partition, two VIOS and n-3 clients) and room for max IDs.
func benchInventory(n, max int) *Inventory {
	inv := DefaultInventory()
	inv.Clients.Count = n - 3
	inv.System.MaxPartitions = max
	return inv
}

// processCPU is the CPU time (user and system) the test process has used:
// creates report it per create ("cpu-us/create"), which a loaded machine
// changes far less than their rate.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openBench(b *testing.B, dir string, inv *Inventory) *Core {
	b.Helper()
	c, err := Open(Config{StatePath: filepath.Join(dir, "state.db"), Timing: sim.Profiles["fast"],
		Inventory: inv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkBuild10000: building the initial state of 10,000 partitions in
// memory (no I/O).
func BenchmarkBuild10000(b *testing.B) {
	inv := benchInventory(10000, 10240)
	for i := 0; i < b.N; i++ {
		if _, err := inv.Build(time.Now().UnixMilli(), sim.Profiles["fast"]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/build")
}

// BenchmarkSeed10000: Open on a fresh state file with 10,000 partitions:
// build, one durable transaction, then the load every start does.
func BenchmarkSeed10000(b *testing.B) {
	inv := benchInventory(10000, 10240)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		t0 := time.Now()
		c := openBench(b, dir, inv)
		total += time.Since(t0)
		n := 0
		c.Read(func(st *model.State) { n = len(st.Partitions) })
		if n != 10000 {
			b.Fatalf("%d partitions, want 10000", n)
		}
		c.Close()
	}
	b.ReportMetric(float64(total)/float64(b.N)/1e6, "ms/seed")
}

// BenchmarkCreate16: b.N partition creates through Apply from 16
// goroutines (validation, the writer, the group commit; no HTTP), into a
// system that starts with the default layout.
func BenchmarkCreate16(b *testing.B) {
	c := openBench(b, b.TempDir(), benchInventory(6, b.N+100))
	defer c.Close()
	admin := Actor{User: "padmin", Role: RoleAdmin}
	var next atomic.Int64
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				p := c.NewPartitionTemplate(model.TypeAIXLinux)
				p.Name = "bench" + strconv.FormatInt(i, 10)
				p.MinMem, p.DesMem, p.MaxMem = 1024, 2048, 4096
				p.MinUnits, p.DesUnits, p.MaxUnits = 10, 50, 100
				if _, err := c.CreatePartition(admin, p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
	b.ReportMetric(float64(processCPU()-cpu0)/1e3/float64(b.N), "cpu-us/create")
}

// BenchmarkNextFreeID10000: finding the ID of a new partition when 10,000
// are defined (IDs 1..10000 in use), as every create without a
// PartitionID does under the writer lock.
func BenchmarkNextFreeID10000(b *testing.B) {
	inv := benchInventory(10000, 20000)
	inv.Clients.FirstID = 4
	c := openBench(b, b.TempDir(), inv)
	defer c.Close()
	admin := Actor{User: "padmin", Role: RoleAdmin}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Apply(admin, func(tx *Tx) error {
			id, err := tx.NextFreeID()
			if err != nil || id != 10001 {
				b.Fatalf("NextFreeID = %d, %v; want 10001", id, err)
			}
			return nil
		})
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e3, "us/call")
}
