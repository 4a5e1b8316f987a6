package core

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// powerCycle powers p on with the given PowerOn parameters, waits for the
// job, powers it off (VSP, immediate) and waits again.
func powerCycle(t *testing.T, c *Core, clk *sim.FakeClock, uuid string, params ...Param) {
	t.Helper()
	run := func(op string, params []Param) {
		job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: op, TargetUUID: uuid, Params: params})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500 && job.Snapshot().Status == JobRunning; i++ {
			clk.Advance(10 * time.Millisecond)
		}
		if s := job.Snapshot(); s.Status != JobOK {
			t.Fatalf("%s: %+v", op, s)
		}
	}
	run("PowerOn", params)
	run("PowerOff", []Param{{Name: "operation", Value: "shutdown"}, {Name: "immediate", Value: "true"}})
}

// TestNVRAM: a partition that has booted has NVRAM of its own, the same
// from boot to boot and different when the boot settings change; an NVRAM
// a client set is kept through boots; every change of the NVRAM is
// announced with the detail NVRAM (nova's NVRAM store listens for it).
func TestNVRAM(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	if p.NVRAM != "" {
		t.Fatal("a partition that never booted has NVRAM")
	}
	ctx := context.Background()
	c.Bus.Poll(ctx, "nvram-test", "s", 0) // NEW_CLIENT
	nvramEvents := func() int {
		n := 0
		for _, e := range c.Bus.Poll(ctx, "nvram-test", "s", 0) {
			if e.Type == EventModify && strings.Contains(e.Data, "/LogicalPartition/") && strings.Contains(e.Detail, "NVRAM") {
				n++
			}
		}
		return n
	}

	powerCycle(t, c, clk, p.UUID)
	first := partByName(c, "vm1").NVRAM
	if len(first) < 20000 {
		t.Fatalf("NVRAM after the first boot: %d characters, want about 20 KB of base64", len(first))
	}
	if n := nvramEvents(); n != 1 {
		t.Fatalf("%d NVRAM events for the first boot, want 1", n)
	}
	powerCycle(t, c, clk, p.UUID, Param{Name: "bootmode", Value: "norm"})
	if got := partByName(c, "vm1").NVRAM; got != first {
		t.Fatal("the NVRAM changed across a boot with the same settings")
	}
	if n := nvramEvents(); n != 0 {
		t.Fatalf("%d NVRAM events for a boot that changed nothing", n)
	}
	powerCycle(t, c, clk, p.UUID, Param{Name: "bootmode", Value: "sms"})
	sms := partByName(c, "vm1").NVRAM
	if sms == first || len(sms) != len(first) {
		t.Fatal("booting into SMS did not change the boot settings in the NVRAM")
	}
	if n := nvramEvents(); n != 1 {
		t.Fatalf("%d NVRAM events for a boot with new settings, want 1", n)
	}
	powerCycle(t, c, clk, p.UUID, Param{Name: "bootmode", Value: "norm"})
	if got := partByName(c, "vm1").NVRAM; got != first {
		t.Fatal("back to the first boot settings, the NVRAM is not what it was")
	}
	if n := nvramEvents(); n != 1 {
		t.Fatalf("%d NVRAM events for a boot back to the first settings, want 1", n)
	}

	// Another partition's NVRAM is its own.
	q, err := c.CreatePartition(admin, newClient(c, "vm2", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	powerCycle(t, c, clk, q.UUID)
	if partByName(c, "vm2").NVRAM == first {
		t.Fatal("two partitions have the same NVRAM")
	}

	// An NVRAM a client sets is kept, through an update and a boot, and
	// can only change while the partition is off.
	mine := "bXkgb3duIE5WUkFN"
	if _, err := c.UpdatePartition(admin, q.UUID, "", func(p *model.Partition) error { p.NVRAM = mine; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := nvramEvents(); n != 2 { // vm2's first boot, then the update
		t.Fatalf("%d NVRAM events, want 2", n)
	}
	powerCycle(t, c, clk, q.UUID)
	if got := partByName(c, "vm2").NVRAM; got != mine {
		t.Fatalf("a boot replaced the NVRAM the client set: %.40s", got)
	}
	// Restored from a store onto a new partition: kept whole.
	r := newClient(c, "vm3", 2048, 50)
	r.NVRAM = first
	if _, err := c.CreatePartition(admin, r); err != nil {
		t.Fatal(err)
	}
	if got := partByName(c, "vm3").NVRAM; got != first {
		t.Fatal("a new partition did not keep the NVRAM it was created with")
	}
	job, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: q.UUID})
	for i := 0; i < 500 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	_, err = c.UpdatePartition(admin, q.UUID, "", func(p *model.Partition) error { p.NVRAM = first; return nil })
	if me, ok := err.(*model.Error); !ok || me.ID != "PVME01050010-0056" {
		t.Fatalf("NVRAM change of a running partition: %v", err)
	}
}
