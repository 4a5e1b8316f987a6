package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// profileOf backs a core's configuration up and reads it back, as
// bkprofdata and rstprofdata do.
func profileOf(t *testing.T, c *Core) *backup.Restored {
	t.Helper()
	var data []byte
	c.Read(func(st *model.State) {
		var err error
		if data, err = backup.Write(backup.FromState(st, c.clock.Now())); err != nil {
			t.Fatal(err)
		}
	})
	p, err := backup.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.ToModel(c.System())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signatures of every partition but the management one.
func signatures(c *Core) map[string]string {
	out := map[string]string{}
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(nil) {
			if !p.IsMgmt {
				out[p.Name] = signature(st.Get, st.Each, p.UUID)
			}
		}
	})
	return out
}

// buildConfig gives a core client partitions with adapters, slots and
// mappings of every kind.
func buildConfig(t *testing.T, c *Core) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	vm1, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	must(err)
	ded := newClient(c, "db1", 4096, 0)
	ded.Dedicated, ded.SharingMode = true, model.SharingKeepIdle
	ded.MinUnits, ded.DesUnits, ded.MaxUnits, ded.MinVP, ded.DesVP, ded.MaxVP = 0, 0, 0, 0, 0, 0
	ded.MinProcs, ded.DesProcs, ded.MaxProcs = 1, 2, 4
	db1, err := c.CreatePartition(admin, ded)
	must(err)
	_, err = c.CreateAdapter(admin, vm1.UUID, &model.EthernetAdapter{PVID: 1, SwitchID: 0, Tagged: []int{100, 200}, TaggedSupported: true}, SlotNext)
	must(err)
	_, err = c.CreateAdapter(admin, vm1.UUID, &model.EthernetAdapter{PVID: model.MgmtVLAN, SwitchID: 1}, SlotNext)
	must(err)
	_, err = c.CreateAdapter(admin, db1.UUID, &model.EthernetAdapter{PVID: 10, SwitchID: 0}, SlotNext)
	must(err)
	var free int
	c.Read(func(st *model.State) {
		for _, s := range st.SortedSlots() {
			if s.Owner == "" && free == 0 {
				free = s.DRCIndex
			}
		}
	})
	must(c.AttachSlot(admin, db1.UUID, free))
	v1, v2 := partByName(c, "vios1"), partByName(c, "vios2")
	lu, err := c.CreateLU(admin, viewStorage(c, "vios1").ssp.UUID, vios.LUSpec{Name: "boot_vm1", CapacityMB: 10240, Thin: true})
	must(err)
	var hdisk5 string
	c.Read(func(st *model.State) { hdisk5 = vios.PVByName(&Tx{c: c, st: st}, v1.UUID, "hdisk5").UUID })
	must(c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{
		{Client: vm1.UUID, Backing: model.BackLU, BackingID: lu.UUID},
		{Client: vm1.UUID, Backing: model.BackMedia},
		{Client: db1.UUID, Backing: model.BackPV, BackingID: hdisk5},
	}))
	must(c.UpdateFCMappings(admin, v2.UUID, "", []FCWant{{Client: db1.UUID, Port: "fcs0"}}))
}

func TestRestoreRoundTrip(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	buildConfig(t, c)
	want := signatures(c)
	r := profileOf(t, c)

	// Restoring what is there changes nothing (the running VIOS too).
	rev := c.ViewRevision()
	rep, err := c.Restore(admin, r, RestoreFull, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Created)+len(rep.Replaced)+len(rep.Deleted) != 0 || c.ViewRevision() != rev {
		t.Fatalf("restore of the current configuration: %+v", rep)
	}

	// A partition deleted by mistake comes back as it was.
	vm1 := partByName(c, "vm1")
	if err := c.UpdateSCSIMappings(admin, partByName(c, "vios1").UUID, "", keepOnly(c, "vios1", func(m *model.SCSIMapping) bool { return m.Client != vm1.UUID })); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePartition(admin, vm1.UUID, ""); err != nil {
		t.Fatal(err)
	}
	// The VIOS runs: putting vm1's adapters back onto it is a change.
	_, err = c.Restore(admin, r, RestoreFull, false)
	wantKind(t, err, model.KindRefused, "would change partition vios1")
	powerOff(t, c, clk, "vios1")
	rep, err = c.Restore(admin, r, RestoreFull, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Created, ",") != "vm1" {
		t.Fatalf("report %+v", rep)
	}
	got := signatures(c)
	for name, sig := range want {
		if got[name] != sig {
			t.Errorf("%s after restore:\n got %s\nwant %s", name, got[name], sig)
		}
	}
	checkAccounting(t, c)
}

// keepOnly lists a VIOS's mappings that keep holds for (as specs that
// match them).
func keepOnly(c *Core, viosName string, keep func(*model.SCSIMapping) bool) []vios.SCSISpec {
	var out []vios.SCSISpec
	c.Read(func(st *model.State) {
		v := st.PartitionByName(viosName)
		for _, m := range vios.SCSIMappings(&Tx{c: c, st: st}, v.UUID) {
			if keep(m) {
				out = append(out, vios.SCSISpec{Client: m.Client, ServerSlot: m.ServerSlot, ClientSlot: m.ClientSlot, Backing: m.Backing, BackingID: m.BackingID, Target: m.Target})
			}
		}
	})
	return out
}

func powerOff(t *testing.T, c *Core, clk *sim.FakeClock, name string) {
	t.Helper()
	job, err := c.StartJob(admin, JobRequest{Group: groupOf(c, name), Operation: "PowerOff", TargetUUID: partByName(c, name).UUID,
		Params: []Param{{Name: "immediate", Value: "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("power off %s: %+v", name, s)
	}
}

func groupOf(c *Core, name string) string {
	if partByName(c, name).IsVIOS() {
		return "VirtualIOServer"
	}
	return "LogicalPartition"
}

func TestRestoreOnWipedServer(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	buildConfig(t, c)
	want := signatures(c)
	r := profileOf(t, c)
	c.Close()

	// A wiped state directory: the server is seeded again.
	c2 := openTest(t, t.TempDir(), clk, nil)
	defer c2.Close()
	powerOff(t, c2, clk, "vios1")
	powerOff(t, c2, clk, "vios2")
	rep, err := c2.Restore(admin, r, RestoreFull, false)
	if err != nil {
		t.Fatal(err)
	}
	// The LU lived in the old pool: its mapping comes back as the adapter
	// pair, with a warning (viosbr -restore brings the LU back).
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "boot_vm1") {
		t.Fatalf("warnings %v", rep.Warnings)
	}
	got := signatures(c2)
	for name, sig := range want {
		if name == "vm1" || name == "vios1" {
			continue // the LU mapping differs, checked above
		}
		if got[name] != sig {
			t.Errorf("%s after restore on a wiped server:\n got %s\nwant %s", name, got[name], sig)
		}
	}
	if _, ok := got["vm1"]; !ok {
		t.Fatal("vm1 not restored")
	}
	checkAccounting(t, c2)
}

// TestRestoreOnWipedServerKeepsSwitches: a virtual switch the fresh server
// lacks comes back from the backup with its UUID and mode, not only its
// name (a VEPA switch stays VEPA; the adapters keep pointing at the same
// switch UUID).
func TestRestoreOnWipedServerKeepsSwitches(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	sw, err := c.CreateSwitch(admin, &model.VirtualSwitch{ID: -1, Name: "VSWRT", Mode: model.SwitchVEPA})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAdapter(admin, vm.UUID, &model.EthernetAdapter{PVID: 77, SwitchID: sw.ID}, SlotNext); err != nil {
		t.Fatal(err)
	}
	r := profileOf(t, c)
	c.Close()

	c2 := openTest(t, t.TempDir(), clk, nil)
	defer c2.Close()
	if _, err := c2.Restore(admin, r, RestoreFull, false); err != nil {
		t.Fatal(err)
	}
	var got *model.VirtualSwitch
	c2.Read(func(st *model.State) { got = st.SwitchByID(sw.ID) })
	if got == nil || got.UUID != sw.UUID || got.Name != sw.Name || got.Mode != model.SwitchVEPA {
		t.Fatalf("switch %d after the restore: %+v, want %+v", sw.ID, got, sw)
	}
}

func TestRestoreLevels(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	buildConfig(t, c)
	r := profileOf(t, c)
	vm1 := partByName(c, "vm1")
	if err := c.UpdateSCSIMappings(admin, partByName(c, "vios1").UUID, "", keepOnly(c, "vios1", func(m *model.SCSIMapping) bool { return m.Client != vm1.UUID })); err != nil {
		t.Fatal(err)
	}
	powerOff(t, c, clk, "vios1")
	powerOff(t, c, clk, "vios2")
	// A new partition takes vm1's name with another ID; lpar11 is renamed.
	if err := c.DeletePartition(admin, vm1.UUID, ""); err != nil {
		t.Fatal(err)
	}
	other, err := c.CreatePartition(admin, newClient(c, "vm1", 1024, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePartition(admin, partByName(c, "lpar11").UUID, "", func(p *model.Partition) error { p.Name = "renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	before := c.ViewRevision()

	// Current wins: the backup's vm1 conflicts and is skipped; lpar11 has
	// the ID of "renamed" and is skipped too.
	rep, err := c.Restore(admin, r, RestoreCurrentWins, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Skipped, ",") != "vios1,vm1,lpar11" || len(rep.Created)+len(rep.Replaced) != 0 {
		t.Fatalf("current wins: %+v", rep)
	}
	if p := partByName(c, "vm1"); p.UUID != other.UUID {
		t.Fatal("current wins replaced the current vm1")
	}
	// A running partition the restore would replace is refused, nothing
	// changes.
	job, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: other.UUID})
	runJob(t, clk, job)
	rev := c.ViewRevision()
	_, err = c.Restore(admin, r, RestoreBackupWins, false)
	wantKind(t, err, model.KindRefused, "would delete partition vm1")
	if c.ViewRevision() != rev {
		t.Fatal("a refused restore changed something")
	}
	powerOff(t, c, clk, "vm1")
	// Backup wins: the backup's vm1 and lpar11 replace the conflicting ones.
	if _, err = c.Restore(admin, r, RestoreBackupWins, false); err != nil {
		t.Fatal(err)
	}
	if p := partByName(c, "vm1"); p.UUID != vm1.UUID {
		t.Fatalf("backup wins: vm1 is %s", p.UUID)
	}
	if partByName(c, "renamed") != nil || partByName(c, "lpar11") == nil {
		t.Fatal("backup wins: lpar11 not restored over renamed")
	}
	// Initialize: everything but the management partition goes.
	rep, err = c.Restore(admin, r, RestoreInitializing, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(nil) {
			names = append(names, p.Name)
		}
	})
	if strings.Join(names, ",") != "novalink" {
		t.Fatalf("after initialize: %v (report %+v)", names, rep)
	}
	checkAccounting(t, c)
	_ = before
	// Bad level.
	_, err = c.Restore(admin, r, 7, false)
	wantKind(t, err, model.KindInvalid, "restore level")
}
