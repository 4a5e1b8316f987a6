package rest

// BenchmarkPCMPhypJSON1000: GET of the newest hypervisor (phyp) file of
// the long-term monitor with 1,000 running partitions, over loopback HTTP:
// each iteration takes a new sample first (outside the timing), so every
// GET renders its file (the cold case); the cached GET is reported too.
//
//	go test -run '^$' -bench PCMPhyp -benchtime 50x ./internal/rest

import (
	"io"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom/pcm"
)

func BenchmarkPCMPhypJSON1000(b *testing.B) {
	inv := core.DefaultInventory()
	inv.System.MemoryMB, inv.System.ProcUnits, inv.System.MaxPartitions = 2<<20, 1024, 1016
	inv.Clients.Count, inv.Clients.Running = 997, 997
	inv.Clients.MemoryMB, inv.Clients.MinMemoryMB = 1024, 1024
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{StatePath: filepath.Join(b.TempDir(), "state.db"), Inventory: inv, Logger: log, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	if _, err := c.SetPCMPreference(admin, "", func(p *model.PCMPreference) { p.LTM = true }); err != nil {
		b.Fatal(err)
	}
	s, hs, tok := serveAdmin(b, c, log)
	e := &benchEnv{core: c, srv: s, http: hs, token: tok, sys: c.System().UUID}
	cl := e.client(1)
	sys := c.System()
	get := func() int {
		l := c.LTMSamples(time.Time{}, time.Time{})
		at := l[len(l)-1].At
		path := "/rest/api/pcm/ManagedSystem/" + sys.UUID + "/RawMetrics/LongTermMonitor/" + pcm.FileName(pcm.LTM, sys.MTMS(), pcm.CategoryPhyp, at.UTC())
		st, body, err := e.do(cl, "GET", path, "", nil)
		if err != nil || st != 200 {
			b.Fatalf("GET %s: %d %v", path, st, err)
		}
		return len(body)
	}
	clk.Advance(30 * time.Second)
	size := get()
	var cold, coldCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		clk.Advance(30 * time.Second)
		b.StartTimer()
		t0, c0 := time.Now(), processCPU()
		get()
		cold += time.Since(t0)
		coldCPU += processCPU() - c0
	}
	b.StopTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		get()
	}
	b.ReportMetric(float64(cold)/float64(b.N)/1e6, "ms/cold-GET")
	b.ReportMetric(float64(coldCPU)/float64(b.N)/1e6, "cpu-ms/cold-GET")
	b.ReportMetric(float64(time.Since(t0))/float64(b.N)/1e6, "ms/cached-GET")
	b.ReportMetric(float64(size), "bytes")
}

// processCPU is the CPU time of the process (server and client: an upper
// bound of the server's).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
