package pvmdtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/pvmdtest"
	"github.com/novalink-project/novalink/uom"
)

const inventory = `
clients: {count: 1, namePrefix: lpar, firstID: 10, nameByID: true, memoryMB: 2048}
partitions:
  - name: web1
    memoryMB: 4096
    procUnits: 0.5
    virtualProcs: 2
    adapters:
      - {vlan: 100}
`

func partition(t *testing.T, c *client.Client, name string) client.SimDirectoryEntry {
	t.Helper()
	_, parts, err := c.SimDirectory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no partition %s in %+v", name, parts)
	return client.SimDirectoryEntry{}
}

func newLPAR(name string) *uom.Element {
	leaf := func(n, v string) *uom.Element { return &uom.Element{Space: uom.NSUOM, Local: n, Text: v} }
	el := &uom.Element{Space: uom.NSUOM, Prefix: "LogicalPartition", Local: "LogicalPartition",
		NSDecls: []uom.Attr{{Local: "LogicalPartition", Value: uom.NSUOM}, {Local: "", Value: uom.NSUOM}}}
	mc := uom.NewElement(uom.NSUOM, "PartitionMemoryConfiguration").Append(leaf("DesiredMemory", "1024"),
		leaf("MaximumMemory", "2048"), leaf("MinimumMemory", "512"))
	return el.Append(mc, leaf("PartitionName", name), leaf("PartitionType", "AIX/Linux"))
}

// jobAfter reads a job until it ends (simulated time has moved; the job's
// end is written by the core's writer).
func jobAfter(t *testing.T, c *client.Client, id string) *client.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := c.GetJob(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Done() || time.Now().After(deadline) {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A test of software that drives the REST API: pvmd embedded, seeded from
// an inventory, its controls through the public client, its clock moved
// by the test.
func TestEmbeddedControlsAndClock(t *testing.T) {
	srv := pvmdtest.Start(t, pvmdtest.Options{Inventory: []byte(inventory), Seed: 7, ManualClock: true})
	ctx := context.Background()
	c := srv.Client(t)
	web1 := partition(t, c, "web1")
	path := client.UOM("LogicalPartition", web1.UUID)

	// The next power-on fails as the rule says.
	if _, err := c.SimAddFault(ctx, client.SimFaultRule{Job: "PowerOn", Target: "name=web1", JobStatus: "COMPLETED_WITH_ERROR",
		Message: "HSCL13A4 The partition could not be activated.", Count: 1}); err != nil {
		t.Fatal(err)
	}
	j, err := c.StartJob(ctx, path, "PowerOn", nil)
	if err != nil {
		t.Fatal(err)
	}
	if j = jobAfter(t, c, j.ID); j.Status != "COMPLETED_WITH_ERROR" || !strings.Contains(j.Message, "HSCL13A4") {
		t.Fatalf("faulted power-on: %+v", j)
	}

	// Every PowerOn takes 30 s of simulated time: it ends when the test
	// moves the clock by that much, not before.
	if _, err := c.SimAddFault(ctx, client.SimFaultRule{Job: "PowerOn", Delay: "30s"}); err != nil {
		t.Fatal(err)
	}
	start := srv.Now()
	if j, err = c.StartJob(ctx, path, "PowerOn", nil); err != nil {
		t.Fatal(err)
	}
	srv.Advance(20 * time.Second)
	if j2, err := c.GetJob(ctx, j.ID); err != nil || j2.Done() {
		t.Fatalf("power-on done after 20 s of a 30 s delay: %+v %v", j2, err)
	}
	srv.Advance(11 * time.Second)
	if j = jobAfter(t, c, j.ID); j.Status != client.JobOK {
		t.Fatalf("power-on after 31 s: %+v", j)
	}
	if got := srv.Now().Sub(start); got != 31*time.Second {
		t.Fatalf("simulated time moved %v, want 31s", got)
	}
	st, err := c.SimPartitionState(ctx, "LogicalPartition", web1.UUID, &client.SimPartitionFlip{State: "error"})
	if err != nil || st.State != "error" {
		t.Fatalf("crash: %+v %v", st, err)
	}

	// A snapshot outlives the server: started again on the same state
	// directory, the snapshot is there and brings the partition back.
	if _, err := c.SimSaveSnapshot(ctx, "crashed"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SimReset(ctx); err != nil {
		t.Fatal(err)
	}
	if p := partition(t, c, "web1"); p.State != "not activated" {
		t.Fatalf("web1 after reset: %+v", p)
	}
	dir := t.TempDir()
	first, err := pvmdtest.New(pvmdtest.Options{StateDir: dir, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	c1, err := first.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.SimSaveSnapshot(ctx, "base"); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := pvmdtest.Start(t, pvmdtest.Options{StateDir: dir})
	snaps, err := again.Client(t).SimSnapshots(ctx)
	if err != nil || len(snaps) != 1 || snaps[0].Name != "base" {
		t.Fatalf("snapshots after a restart: %+v %v", snaps, err)
	}
}

// The same seed makes the same UUIDs for the same requests; the controls
// can be turned off; bad options are refused.
func TestEmbeddedSeedAndOptions(t *testing.T) {
	ctx := context.Background()
	created := func(seed uint64) string {
		srv := pvmdtest.Start(t, pvmdtest.Options{Seed: seed})
		if srv.Seed() != seed {
			t.Fatalf("seed %d, want %d", srv.Seed(), seed)
		}
		c := srv.Client(t)
		sys, _, err := c.SimDirectory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.Create(ctx, client.UOM("ManagedSystem", sys.UUID, "LogicalPartition"), newLPAR("vm1"))
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	a, b, other := created(42), created(42), created(43)
	if a != b || a == other {
		t.Fatalf("new partitions' UUIDs: seed 42 %s and %s, seed 43 %s", a, b, other)
	}

	off := pvmdtest.Start(t, pvmdtest.Options{NoSimControls: true})
	_, err := off.Client(t).SimFaults(ctx)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Fatalf("controls off: %v", err)
	}

	for _, o := range []pvmdtest.Options{
		{Timing: "glacial"},
		{Inventory: []byte("clients: {count: -1, colour: blue}")},
		{Inventory: []byte("x: 1"), InventoryFile: "inv.yaml"},
		{InventoryFile: t.TempDir() + "/missing.yaml"},
	} {
		if s, err := pvmdtest.New(o); err == nil {
			s.Close()
			t.Errorf("%+v: started", o)
		} else if !strings.HasPrefix(err.Error(), "pvmdtest: ") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
