package core

// Benchmarks of the performance monitor: one long-term sample (a step of
// the workload and the copy of its counters) and a new topology, with
// 1,000 running partitions. Run with
//
//	go test -run '^$' -bench PCM -benchtime 200x ./internal/core

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// runningInventory is n partitions, all running: the NovaLink partition,
// two VIOS and n-3 clients of 0.5 processing units and 1 GB, each with
// its two virtual Ethernet adapters.
func runningInventory(n int) *Inventory {
	inv := DefaultInventory()
	inv.System.MemoryMB, inv.System.ProcUnits, inv.System.MaxPartitions = 2<<20, 1024, n+16
	inv.Clients.Count, inv.Clients.Running = n-3, n-3
	inv.Clients.MemoryMB, inv.Clients.MinMemoryMB = 1024, 1024
	return inv
}

func openRunning(b *testing.B, n int) (*Core, *sim.FakeClock) {
	b.Helper()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c, err := Open(Config{StatePath: b.TempDir() + "/state.db", Clock: clk, Timing: sim.Profiles["fast"], Inventory: runningInventory(n)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c, clk
}

// BenchmarkPCMSample1000: producing one 30 s long-term sample of 1,000
// running partitions: the workload's step over the topology and the copy
// of every counter (what the monitor does every interval; the topology is
// only built again when the configuration changed).
func BenchmarkPCMSample1000(b *testing.B) {
	c, _ := openRunning(b, 1000)
	s := c.pcm
	s.mu.Lock()
	topo := s.topology()
	s.mu.Unlock()
	if n := len(topo.Parts); n != 1000 {
		b.Fatalf("%d partitions", n)
	}
	at := s.w.Last
	// The CPU time of the goroutine's thread too: on a busy machine the
	// wall time overstates it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at = at.Add(30 * time.Second)
		s.mu.Lock()
		s.w.Step(topo, at)
		s.mu.Unlock()
		s.snapshot(at)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/sample")
	b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/sample")
}

// threadCPU is the CPU time (user and system) of the calling thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPCMTopology1000: the topology of 1,000 partitions, built again
// after a change of the configuration.
func BenchmarkPCMTopology1000(b *testing.B) {
	c, _ := openRunning(b, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.pcm.mu.Lock()
		c.pcm.topo = nil
		c.pcm.topology()
		c.pcm.mu.Unlock()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/topology")
}

// BenchmarkPCMRetention1000: the memory two hours of long-term samples
// (and five minutes of short-term ones) of 1,000 running partitions take.
func BenchmarkPCMRetention1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, clk := openRunning(b, 1000)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		if _, err := c.SetPCMPreference(admin, "", func(p *model.PCMPreference) { p.LTM, p.STM = true, true }); err != nil {
			b.Fatal(err)
		}
		clk.Advance(2*time.Hour + time.Minute)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		if n := len(c.LTMSamples(time.Time{}, time.Time{})); n != LTMKeep {
			b.Fatalf("%d samples kept", n)
		}
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "MiB-kept")
	}
}
