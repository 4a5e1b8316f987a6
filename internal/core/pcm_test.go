package core

import (
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// procOf returns a partition's counters in the latest step.
func procOf(c *Core, name string) sim.ProcCounters {
	smp := c.LatestCounters()
	for i, tp := range smp.Topo.Parts {
		if tp.P.Name == name {
			return smp.Proc[i]
		}
	}
	return sim.ProcCounters{}
}

// TestPCMCountersSurviveRestart: the hypervisor's counters are saved when
// the core closes and go on from there when it opens again, counting the
// time it was down (the simulated server did not stop).
func TestPCMCountersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, dir, clk, nil)
	clk.Advance(time.Minute)
	before := procOf(c, "vios1")
	if before.Entitled == 0 {
		t.Fatal("vios1 counted nothing in a minute")
	}
	c.Close()
	clk.Advance(10 * time.Minute)
	c = openTest(t, dir, clk, nil)
	defer c.Close()
	after := procOf(c, "vios1")
	// vios1 is entitled to 1.0 processing unit: 11 minutes of it.
	want := uint64(11 * 60 * sim.CyclesPerSecond)
	if after.Entitled < before.Entitled || after.Entitled+sim.CyclesPerSecond < want || after.Entitled > want+sim.CyclesPerSecond {
		t.Fatalf("vios1 entitled cycles %d before the restart, %d after, want about %d", before.Entitled, after.Entitled, want)
	}
	if after.Capped < before.Capped || after.Idle < before.Idle {
		t.Fatalf("counters went back across the restart: %+v -> %+v", before, after)
	}
}

// TestPCMMonitorsFollowPreference: samples are kept only while a monitor
// is on; turned off, its samples go at its next interval.
func TestPCMMonitorsFollowPreference(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	clk.Advance(time.Minute)
	if n := len(c.LTMSamples(time.Time{}, time.Time{})); n != 0 {
		t.Fatalf("%d long-term samples while monitoring is off", n)
	}
	if _, err := c.SetPCMPreference(admin, "", func(p *model.PCMPreference) { p.LTM, p.STM = true, true }); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	ltm, stm, rmc := c.LTMSamples(time.Time{}, time.Time{}), c.STMSamples(time.Time{}, time.Time{}), c.RMCSamples(time.Time{}, time.Time{})
	if len(ltm) != 4 || len(stm) != 24 || len(rmc) != 1 {
		t.Fatalf("in two minutes: %d long-term, %d short-term, %d RMC samples; want 4, 24, 1", len(ltm), len(stm), len(rmc))
	}
	for i := 1; i < len(ltm); i++ {
		if d := ltm[i].At.Sub(ltm[i-1].At); d != 30*time.Second {
			t.Fatalf("long-term samples %v apart", d)
		}
	}
	clk.Advance(time.Hour)
	if n := len(c.STMSamples(time.Time{}, time.Time{})); n != STMKeep {
		t.Fatalf("%d short-term samples kept, want %d", n, STMKeep)
	}
	if _, err := c.SetPCMPreference(admin, "", func(p *model.PCMPreference) { p.LTM, p.STM = false, false }); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	if n, m := len(c.LTMSamples(time.Time{}, time.Time{})), len(c.STMSamples(time.Time{}, time.Time{})); n != 0 || m != 0 {
		t.Fatalf("monitors off: %d long-term and %d short-term samples left", n, m)
	}
}

// TestPCMLoadGoesWithPartition: a partition's simulated load is removed
// with it.
func TestPCMLoadGoesWithPartition(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p := partByName(c, "lpar11")
	if _, err := c.SetLoad(admin, p.UUID, false, func(l *model.Load) { l.CPU = 0.3 }); err != nil {
		t.Fatal(err)
	}
	if l := c.Load(p.UUID); l == nil || l.CPU != 0.3 || l.NetRx != sim.IdleLoad.NetRx {
		t.Fatalf("load %+v", l)
	}
	if _, err := c.SetLoad(Actor{User: "v", Role: RoleViewer}, p.UUID, false, func(l *model.Load) { l.CPU = 0.1 }); err == nil {
		t.Fatal("a viewer set a load")
	}
	if err := c.DeletePartition(admin, p.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if l := c.Load(p.UUID); l != nil {
		t.Fatalf("the load outlived its partition: %+v", l)
	}
}
