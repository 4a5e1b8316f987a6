package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// migrationFleet is two systems sharing a pool, with vm1 on sys1: running
// (RMC active), an adapter on ETHERNET0's bridged VLAN 1 and one on
// MGMTSWITCH, a logical unit mapped through both VIOSes.
func migrationFleet(t *testing.T) (*Fleet, *sim.FakeClock, *model.Partition, *model.LogicalUnit) {
	t.Helper()
	f, clk := openFleetClock(t, t.TempDir(), 2, func(int) string { return "g" })
	t.Cleanup(func() { f.Close() })
	s1 := f.System("sys1")
	p, err := s1.CreatePartition(admin, newClient(s1, "vm1", 4096, 50))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*model.EthernetAdapter{{PVID: 1, SwitchID: 0}, {PVID: model.MgmtVLAN, SwitchID: 1}} {
		if _, err := s1.CreateAdapter(admin, p.UUID, a, SlotNext); err != nil {
			t.Fatal(err)
		}
	}
	ssp, _, _, _ := poolOf(s1)
	lu, err := s1.CreateLU(admin, ssp.UUID, vios.LUSpec{Name: "vm1-disk", CapacityMB: 10240})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"vios1", "vios2"} {
		if err := s1.UpdateSCSIMappings(admin, partByName(s1, v).UUID, "", []vios.SCSISpec{{Client: p.UUID, Backing: model.BackLU, BackingID: lu.UUID}}); err != nil {
			t.Fatal(err)
		}
	}
	powerOn(t, s1, clk, p.UUID, "")
	for i := 0; i < 100 && partByName(s1, "vm1").RMCState != model.RMCActive; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	if q := partByName(s1, "vm1"); q.State != model.StateRunning || q.RMCState != model.RMCActive {
		t.Fatalf("vm1: %s, RMC %s", q.State, q.RMCState)
	}
	return f, clk, partByName(s1, "vm1"), lu
}

func migrateJob(c *Core, op, uuid string, params ...string) (*Job, error) {
	var ps []Param
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, Param{Name: params[i], Value: params[i+1]})
	}
	return c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: op, TargetUUID: uuid, Params: ps})
}

// holdings is what a system has of a partition: the partition, its
// adapters, its storage mappings.
type holdings struct {
	part          *model.Partition
	adapters      []*model.EthernetAdapter
	scsi, fc      int
	active, inact int
}

func holdingsOf(c *Core, uuid string) holdings {
	var h holdings
	c.Read(func(st *model.State) {
		h.part = st.Partition(uuid)
		h.adapters = st.AdaptersOf(uuid)
		st.Each(model.KindSCSIMap, func(o model.Object) {
			if o.(*model.SCSIMapping).Client == uuid {
				h.scsi++
			}
		})
		st.Each(model.KindFCMap, func(o model.Object) {
			if o.(*model.FCMapping).Client == uuid {
				h.fc++
			}
		})
		h.active, h.inact = st.System.ActiveMigrations, st.System.InactiveMigrations
	})
	return h
}

// owners checks that exactly one system holds the partition and that the
// other holds nothing of it.
func owners(t *testing.T, f *Fleet, uuid string) *Core {
	t.Helper()
	var owner *Core
	for _, c := range f.Systems() {
		h := holdingsOf(c, uuid)
		if h.part != nil {
			if owner != nil {
				t.Fatalf("the partition is on %s and %s", owner.Name(), c.Name())
			}
			owner = c
			continue
		}
		if len(h.adapters) > 0 || h.scsi > 0 || h.fc > 0 {
			t.Fatalf("%s holds %d adapters, %d vSCSI and %d vFC mappings of a partition it does not have", c.Name(), len(h.adapters), h.scsi, h.fc)
		}
	}
	if owner == nil {
		t.Fatal("no system has the partition")
	}
	return owner
}

func TestMigrateMovesPartition(t *testing.T) {
	f, clk, p, lu := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	before := holdingsOf(s1, p.UUID)
	// Validation alone changes nothing.
	j, err := migrateJob(s1, "MigrateValidate", p.UUID, ParamTargetSystem, s2.System().Name)
	if err != nil {
		t.Fatal(err)
	}
	if v := j.Snapshot(); v.Status != JobOK {
		t.Fatalf("validate: %+v", v)
	}
	// Named by its address, the target must trust the source's NovaLink.
	j, err = migrateJob(s1, "MigrateValidate", p.UUID, ParamTargetSystem, s2.System().Name, ParamTargetHMC, "192.0.2.2", ParamTargetUser, "wlp")
	if err != nil {
		t.Fatal(err)
	}
	if v := j.Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "does not trust") {
		t.Fatalf("validate from an untrusted source: %+v", v)
	}
	if err := s2.SetAuthorizedKeys(admin, "", []string{ConsolePublicKey(s1.System())}); err != nil {
		t.Fatal(err)
	}
	j, err = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, s2.System().Name, ParamTargetHMC, "192.0.2.2", ParamTargetUser, "wlp")
	if err != nil {
		t.Fatal(err)
	}
	// Starting: both systems count it, the partition is migrating running.
	q := partByName(s1, "vm1")
	if q.State != model.StateMigratingRun || q.MigrationState() != model.MigStarting {
		t.Fatalf("after start: %s %s", q.State, q.MigrationState())
	}
	if h1, h2 := holdingsOf(s1, p.UUID), holdingsOf(s2, p.UUID); h1.active != 1 || h2.active != 1 {
		t.Fatalf("counters: sys1 %d sys2 %d", h1.active, h2.active)
	}
	// The states it walks through.
	seen := map[string]bool{}
	var pcts []int
	for i := 0; i < 500 && j.Snapshot().Status == JobRunning; i++ {
		clk.Advance(5 * time.Millisecond)
		for _, c := range f.Systems() {
			if q := partByName(c, "vm1"); q != nil {
				seen[q.MigrationState()+"/"+q.State] = true
				if q.Mig != nil && q.Mig.State == model.MigInProgress && (len(pcts) == 0 || pcts[len(pcts)-1] != q.Mig.Pct) {
					pcts = append(pcts, q.Mig.Pct)
				}
			}
		}
	}
	if v := j.Snapshot(); v.Status != JobOK {
		t.Fatalf("migrate: %+v", v)
	}
	for _, want := range []string{model.MigInProgress + "/" + model.StateMigratingRun, model.MigComplete + "/" + model.StateRunning} {
		if !seen[want] {
			t.Errorf("never saw %s; saw %v", want, seen)
		}
	}
	if len(pcts) < 3 || pcts[len(pcts)-1] != 100 {
		t.Errorf("progress %v: want several steps up to 100", pcts)
	}
	if owners(t, f, p.UUID) != s2 {
		t.Fatal("the partition is not on sys2")
	}
	h := holdingsOf(s2, p.UUID)
	if h.part.MigrationState() != model.MigNone || h.part.State != model.StateRunning || h.part.Name != "vm1" {
		t.Fatalf("on sys2: %s %s %s", h.part.Name, h.part.State, h.part.MigrationState())
	}
	if h.scsi != before.scsi || len(h.adapters) != len(before.adapters) {
		t.Fatalf("on sys2: %d mappings %d adapters; had %d and %d", h.scsi, len(h.adapters), before.scsi, len(before.adapters))
	}
	for i, a := range h.adapters {
		b := before.adapters[i]
		if a.MAC != b.MAC || a.PVID != b.PVID || a.Slot != b.Slot {
			t.Errorf("adapter %d: %s/%d/%d, was %s/%d/%d", i, a.MAC, a.PVID, a.Slot, b.MAC, b.PVID, b.Slot)
		}
	}
	var luMapped int
	s2.Read(func(st *model.State) {
		for _, m := range vios.MappingsOf(&Tx{st: st}, model.BackLU, lu.UUID) {
			if st.Partition(m.VIOS) == nil || m.Client != p.UUID {
				t.Errorf("mapping %+v is not through a VIOS of sys2", m)
			}
			luMapped++
		}
	})
	if luMapped != 2 {
		t.Fatalf("the LU is mapped %d times on sys2", luMapped)
	}
	if h1, h2 := holdingsOf(s1, p.UUID), holdingsOf(s2, p.UUID); h1.active != 0 || h2.active != 0 {
		t.Fatalf("counters after: sys1 %d sys2 %d", h1.active, h2.active)
	}
	// And back, after a restart of the fleet.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateDurationFollowsMemory(t *testing.T) {
	tm := sim.Profiles["realistic"]
	small := sim.MigrationCopy(2048, true, tm)
	big := sim.MigrationCopy(65536, true, tm)
	ds, db := small[len(small)-1].At, big[len(big)-1].At
	if db < 20*ds || db > 40*ds {
		t.Fatalf("2 GB copies in %v, 64 GB in %v: want about 32 times as long", ds, db)
	}
	if len(big) <= len(small) {
		t.Fatalf("a larger partition takes more dirty-page passes: %d and %d steps", len(small), len(big))
	}
	if in := sim.MigrationCopy(65536, false, tm); len(in) != 1 || in[0].At > 10*time.Second {
		t.Fatalf("an inactive migration copies no memory: %+v", in)
	}
}

func TestMigrateValidationRefuses(t *testing.T) {
	f, clk, p, _ := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	target := s2.System().Name
	validate := func(uuid string, params ...string) JobView {
		t.Helper()
		j, err := migrateJob(s1, "MigrateValidate", uuid, append([]string{ParamTargetSystem, target}, params...)...)
		if err != nil {
			t.Fatal(err)
		}
		return j.Snapshot()
	}
	refused := func(name, want string, v JobView) {
		t.Helper()
		if v.Status != JobFailedBefore || !strings.Contains(v.Message, want) {
			t.Errorf("%s: %s %q, want refused with %q", name, v.Status, v.Message, want)
		}
	}
	change := func(c *Core, fn func(tx *Tx) error) {
		t.Helper()
		if err := c.Apply(internalActor, fn); err != nil {
			t.Fatal(err)
		}
	}
	setPart := func(c *Core, name string, fn func(p *model.Partition)) {
		change(c, func(tx *Tx) error {
			q := tx.PartitionByName(name).Clone()
			fn(q)
			tx.PutPartition(q)
			return nil
		})
	}
	setSys := func(c *Core, fn func(s *model.ManagedSystem)) {
		change(c, func(tx *Tx) error {
			s := tx.System().Clone()
			fn(s)
			tx.PutSystem(s)
			return nil
		})
	}
	if v := validate(p.UUID); v.Status != JobOK {
		t.Fatalf("valid migration refused: %+v", v)
	}

	setPart(s1, "vm1", func(p *model.Partition) { p.RMCState = model.RMCInactive })
	refused("RMC", "RMC connection of partition vm1 is inactive", validate(p.UUID))
	setPart(s1, "vm1", func(p *model.Partition) { p.RMCState = model.RMCBusy })
	refused("DLPAR", "not capable of dynamic partitioning", validate(p.UUID))
	setPart(s1, "vm1", func(p *model.Partition) { p.RMCState = model.RMCActive })

	refused("management partition", "is the management partition", validate(partByName(s1, "novalink").UUID))

	setSys(s2, func(s *model.ManagedSystem) { s.ProcessorCompatModes = []string{"default", "POWER9"} })
	setPart(s1, "vm1", func(p *model.Partition) { p.CurMode = "POWER8" })
	refused("compat mode", "processor compatibility mode POWER8", validate(p.UUID))
	setSys(s2, func(s *model.ManagedSystem) { s.ProcessorCompatModes = s1.System().ProcessorCompatModes })

	setSys(s2, func(s *model.ManagedSystem) { s.MemoryRegionSize = 128 })
	refused("region size", "memory region size", validate(p.UUID))
	setSys(s2, func(s *model.ManagedSystem) { s.MemoryRegionSize = s1.System().MemoryRegionSize })

	setSys(s2, func(s *model.ManagedSystem) { s.ConfigurableMemory = 16384 })
	refused("capacity", "cannot hold partition vm1", validate(p.UUID))
	setSys(s2, func(s *model.ManagedSystem) { s.ConfigurableMemory = s1.System().ConfigurableMemory })

	// Storage: the target's VIOS not running cannot reach the disk.
	setPart(s2, "vios2", func(p *model.Partition) { p.State = model.StateNotActivated; p.RMCState = model.RMCInactive })
	refused("storage", "cannot be reached from the managed system", validate(p.UUID))
	setPart(s2, "vios2", func(p *model.Partition) { p.State = model.StateRunning; p.RMCState = model.RMCActive })

	// A VLAN not bridged on the target, unless overridden.
	change(s1, func(tx *Tx) error {
		for _, a := range tx.AdaptersOf(p.UUID) {
			if a.PVID == 1 {
				n := a.Clone()
				n.PVID = 77
				tx.Put(n)
			}
		}
		return nil
	})
	refused("VLAN", "VLAN 77", validate(p.UUID))
	if v := validate(p.UUID, ParamVLANOverride, "2"); v.Status != JobOK {
		t.Errorf("VLANBridgeOverride=2: %+v", v)
	}
	if v := validate(p.UUID, ParamOVSOverride, "2"); v.Status != JobOK {
		t.Errorf("OVSOverride=2: %+v", v)
	}

	// A name clash on the target.
	if _, err := s2.CreatePartition(admin, newClient(s2, "vm1", 2048, 50)); err != nil {
		t.Fatal(err)
	}
	refused("name", "has a partition named vm1 already", validate(p.UUID, ParamVLANOverride, "2"))
	if err := s2.DeletePartition(admin, partByName(s2, "vm1").UUID, ""); err != nil {
		t.Fatal(err)
	}
	// An unknown target.
	j, err := migrateJob(s1, "MigrateValidate", p.UUID, ParamTargetSystem, "no-such-system")
	if err != nil {
		t.Fatal(err)
	}
	refused("target", "not known", j.Snapshot())
	// Bad parameters are refused before any job.
	for _, bad := range [][]string{
		{},
		{ParamTargetSystem, target, ParamVlanMaps, "0011223344/12"},
		{ParamTargetSystem, target, ParamVSCSIMaps, "3//"},
		{ParamTargetSystem, target, ParamVFCMaps, "x/vios1/2"},
		{ParamTargetSystem, target, ParamVLANOverride, "yes"},
		{ParamTargetSystem, target, ParamDestMSP, "not-an-ip"},
	} {
		if _, err := migrateJob(s1, "MigrateValidate", p.UUID, bad...); err == nil || model.KindOf(err) != model.KindInvalid {
			t.Errorf("%v: %v, want invalid", bad, err)
		}
	}
	// Already migrating.
	j, err = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target, ParamVLANOverride, "2")
	if err != nil {
		t.Fatal(err)
	}
	refused("migrating", "already migrating", validate(p.UUID, ParamVLANOverride, "2"))
	runJob(t, clk, j)
	if v := j.Snapshot(); v.Status != JobOK {
		t.Fatalf("migrate: %+v", v)
	}
}

func TestMigrateStopAndRecover(t *testing.T) {
	f, clk, p, _ := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	target := s2.System().Name
	j, err := migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && partByName(s1, "vm1").MigrationState() != model.MigInProgress; i++ {
		clk.Advance(5 * time.Millisecond)
	}
	a, err := migrateJob(s1, "MigrateAbort", p.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if v := a.Snapshot(); v.Status != JobOK {
		t.Fatalf("abort: %+v", v)
	}
	runJob(t, clk, j)
	if v := j.Snapshot(); v.Status != JobError || !strings.Contains(v.Message, "was stopped") {
		t.Fatalf("the stopped migration's job: %+v", v)
	}
	if owners(t, f, p.UUID) != s1 {
		t.Fatal("a stopped migration moved the partition")
	}
	q := partByName(s1, "vm1")
	if q.State != model.StateRunning || q.Mig != nil {
		t.Fatalf("after the stop: %s %s", q.State, q.MigrationState())
	}
	if h1, h2 := holdingsOf(s1, p.UUID), holdingsOf(s2, p.UUID); h1.active != 0 || h2.active != 0 {
		t.Fatalf("counters after the stop: %d %d", h1.active, h2.active)
	}
	// Nothing to stop or recover now.
	a, _ = migrateJob(s1, "MigrateAbort", p.UUID)
	if v := a.Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "not migrating") {
		t.Fatalf("abort of nothing: %+v", v)
	}
	a, _ = migrateJob(s1, "MigrateRecover", p.UUID)
	if v := a.Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "no failed migration") {
		t.Fatalf("recover of nothing: %+v", v)
	}

	// A fault rule on the copy fails it: on the source, recoverable.
	if _, err := s1.Faults().Add(admin, sim.FaultRule{Job: "Migrate", Phase: "copy", Target: "name=vm1", JobStatus: JobError,
		Message: "HSCLA27F the mover service partition lost its connection", Count: 1}); err != nil {
		t.Fatal(err)
	}
	j, _ = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	runJob(t, clk, j)
	if v := j.Snapshot(); v.Status != JobError || !strings.Contains(v.Message, "failed in its copy phase: HSCLA27F the mover service partition lost its connection") {
		t.Fatalf("failed migration's job: %+v", v)
	}
	q = partByName(s1, "vm1")
	if q.MigrationState() != model.MigFailed || owners(t, f, p.UUID) != s1 {
		t.Fatalf("after the fault: %s", q.MigrationState())
	}
	// Refused: a power-off, a new migration; then recovered.
	j, err = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	if err != nil {
		t.Fatal(err)
	}
	if v := j.Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "did not end") {
		t.Fatalf("a migration of a failed one: %+v", v)
	}
	if h1, h2 := holdingsOf(s1, p.UUID), holdingsOf(s2, p.UUID); h1.active != 1 || h2.active != 1 {
		t.Fatalf("counters of the failed migration: %d %d", h1.active, h2.active)
	}
	a, _ = migrateJob(s1, "MigrateRecover", p.UUID, ParamForce, "true")
	if v := a.Snapshot(); v.Status != JobOK {
		t.Fatalf("recover: %+v", v)
	}
	q = partByName(s1, "vm1")
	if q.Mig != nil || q.State != model.StateRunning {
		t.Fatalf("after recover: %s %s", q.State, q.MigrationState())
	}
	if h1, h2 := holdingsOf(s1, p.UUID), holdingsOf(s2, p.UUID); h1.active != 0 || h2.active != 0 {
		t.Fatalf("counters after recover: %d %d", h1.active, h2.active)
	}
	// A fault at the switch: still whole on the source.
	if _, err := s1.Faults().Add(admin, sim.FaultRule{Job: "Migrate", Phase: "switch", JobStatus: JobFailedBefore, Count: 1}); err != nil {
		t.Fatal(err)
	}
	j, _ = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	runJob(t, clk, j)
	if v := j.Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "failed in its switch phase: Simulated fault") {
		t.Fatalf("failed switch's job: %+v", v)
	}
	if owners(t, f, p.UUID) != s1 || partByName(s1, "vm1").MigrationState() != model.MigFailed {
		t.Fatal("a fault at the switch did not leave the partition failed on the source")
	}
	if _, err := migrateJob(s1, "MigrateRecover", p.UUID); err != nil {
		t.Fatal(err)
	}
	// Then it migrates.
	j, _ = migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	runJob(t, clk, j)
	if v := j.Snapshot(); v.Status != JobOK || owners(t, f, p.UUID) != s2 {
		t.Fatalf("the migration after recovery: %+v", v)
	}
}

func rrJob(c *Core, uuid string, params ...string) (*Job, error) {
	return migrateJob(c, "RemoteRestart", uuid, params...)
}

func TestRemoteRestart(t *testing.T) {
	f, clk, p, _ := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	target := s2.System().Name
	before := holdingsOf(s1, p.UUID)
	status := func(j *Job, err error) JobView {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return runJob(t, clk, j)
	}
	// Refused while sys1 runs, and for a partition not capable.
	if v := status(rrJob(s1, p.UUID, "Operation", "validate", "targetManagedSystem", target)); v.Status != JobFailedBefore || !strings.Contains(v.Message, "powered off or failed") {
		t.Fatalf("validate with the source running: %+v", v)
	}
	if _, err := rrJob(s1, p.UUID, "Operation", "sideways", "targetManagedSystem", target); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("bad operation: %v", err)
	}
	// A vNIC, and a logical port assigned directly.
	vn, err := s1.CreateVNIC(admin, p.UUID, sriov.VNICSpec{Backing: []sriov.BackingSpec{{VIOS: partByName(s1, "vios1").UUID, Adapter: 1, Port: 0}}})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := s1.CreateLogicalPort(admin, p.UUID, sriov.LPSpec{Adapter: 1, Port: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.PowerSystem(admin, false); err != nil {
		t.Fatal(err)
	}
	if v := status(rrJob(s1, p.UUID, "operation", "validate", "targetManagedSystem", target)); v.Status != JobFailedBefore || !strings.Contains(v.Message, "not simplified remote restart capable") {
		t.Fatalf("validate of a partition not capable: %+v", v)
	}
	if err := s1.Apply(internalActor, func(tx *Tx) error {
		q := tx.Partition(p.UUID).Clone()
		q.SRRCapable = true
		tx.PutPartition(q)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := status(rrJob(s1, p.UUID, "Operation", "validate", "targetManagedSystem", target)); v.Status != JobFailedBefore || !strings.Contains(v.Message, "SR-IOV logical ports assigned directly") {
		t.Fatalf("validate with a direct logical port: %+v", v)
	}
	if err := s1.Apply(internalActor, func(tx *Tx) error {
		return sriov.RemoveLogicalPort(tx, tx.Get(model.KindSRIOVLP, lp.UUID).(*model.SRIOVLogicalPort))
	}); err != nil {
		t.Fatal(err)
	}
	// Both spellings of the operation's name and value.
	for _, ps := range [][]string{{"Operation", "validate"}, {"operation", "v"}} {
		if v := status(rrJob(s1, p.UUID, append(ps, "targetManagedSystemUUID", s2.System().UUID)...)); v.Status != JobOK {
			t.Fatalf("validate %v: %+v", ps, v)
		}
	}
	if h := holdingsOf(s2, p.UUID); h.part != nil {
		t.Fatal("validate made the partition on sys2")
	}
	if v := status(rrJob(s1, p.UUID, "Operation", "restart", "targetManagedSystem", target)); v.Status != JobOK {
		t.Fatalf("restart: %+v", v)
	}
	h := holdingsOf(s2, p.UUID)
	if h.part == nil || h.part.State != model.StateRunning || h.scsi != before.scsi || len(h.adapters) != len(before.adapters) {
		t.Fatalf("on sys2 after the restart: %+v", h)
	}
	for i, a := range h.adapters {
		if a.MAC != before.adapters[i].MAC || a.PVID != before.adapters[i].PVID {
			t.Errorf("adapter %s/%d, was %s/%d", a.MAC, a.PVID, before.adapters[i].MAC, before.adapters[i].PVID)
		}
	}
	var moved *model.VirtualNIC
	s2.Read(func(st *model.State) {
		if v, ok := st.Get(model.KindVNIC, vn.UUID).(*model.VirtualNIC); ok && len(v.Backing) == 1 && st.Get(model.KindSRIOVLP, v.Backing[0].LPort) != nil {
			moved = v
		}
	})
	if moved == nil || moved.MAC != vn.MAC {
		t.Fatalf("the vNIC on sys2 after the restart: %+v", moved)
	}
	stale := holdingsOf(s1, p.UUID)
	if stale.part == nil || stale.part.RemoteRestartState() != model.RRSourceRestarted {
		t.Fatalf("the source's copy: %+v", stale.part)
	}
	// Back on, sys1 does not start its stale copy and cleans it up.
	if err := s1.PowerSystem(admin, true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	j, _ := s1.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if v := runJob(t, clk, j); v.Status == JobOK || !strings.Contains(v.Message, "restarted on another system") {
		t.Fatalf("power-on of the stale copy: %+v", v)
	}
	if v := status(rrJob(s1, p.UUID, "Operation", "cleanup")); v.Status != JobOK {
		t.Fatalf("cleanup: %+v", v)
	}
	if owners(t, f, p.UUID) != s2 {
		t.Fatal("after the cleanup the partition is not on sys2 alone")
	}
	s1.Read(func(st *model.State) {
		st.Each(model.KindSRIOVLP, func(o model.Object) { t.Errorf("sys1 keeps logical port %+v after the cleanup", o) })
		st.Each(model.KindVNIC, func(o model.Object) { t.Errorf("sys1 keeps vNIC %+v after the cleanup", o) })
	})
	if _, err := rrJob(s1, p.UUID, "Operation", "cleanup"); model.KindOf(err) != model.KindNotFound {
		t.Fatalf("cleanup of a partition sys1 no longer has: %v", err)
	}
}

// TestMigrateSRIOV: a partition with a logical port assigned directly is
// refused; a vNIC moves with its slot and MAC, its backing devices made
// again on the target's SR-IOV ports of the same label through the
// target's VIOSes (refused when the target has no such port); nothing of
// it stays on the source.
func TestMigrateSRIOV(t *testing.T) {
	f, clk, p, _ := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	target := s2.System().Name
	v1, v2 := partByName(s1, "vios1"), partByName(s1, "vios2")
	vn, err := s1.CreateVNIC(admin, p.UUID, sriov.VNICSpec{PVID: 2001, Backing: []sriov.BackingSpec{
		{VIOS: v1.UUID, Adapter: 1, Port: 0}, {VIOS: v2.UUID, Adapter: 2, Port: 0, Capacity: 400}}})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := s1.CreateLogicalPort(admin, p.UUID, sriov.LPSpec{Adapter: 1, Port: 1, Capacity: 1000})
	if err != nil {
		t.Fatal(err)
	}
	validate := func() JobView {
		j, err := migrateJob(s1, "MigrateValidate", p.UUID, ParamTargetSystem, target)
		if err != nil {
			t.Fatal(err)
		}
		return j.Snapshot()
	}
	if v := validate(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "PVME01050970-0043") || !strings.Contains(v.Message, "SR-IOV logical ports assigned directly") {
		t.Fatalf("validate with a direct logical port: %+v", v)
	}
	if err := s1.Apply(admin, func(tx *Tx) error {
		return sriov.RemoveLogicalPort(tx, tx.Get(model.KindSRIOVLP, lp.UUID).(*model.SRIOVLogicalPort))
	}); err != nil {
		t.Fatal(err)
	}
	// The source's ports carry a label the target's do not have.
	label := "physnet1"
	if _, err := s1.SetPortLabels(admin, "", []PortLabel{{Adapter: 1, Port: 0, Label: &label}, {Adapter: 2, Port: 0, Label: &label}}); err != nil {
		t.Fatal(err)
	}
	if v := validate(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "PVME01050970-0044") || !strings.Contains(v.Message, "labelled physnet1") {
		t.Fatalf("validate without a port of the label on the target: %+v", v)
	}
	if _, err := s2.SetPortLabels(admin, "", []PortLabel{{Adapter: 2, Port: 1, Label: &label}, {Adapter: 1, Port: 1, Label: &label}}); err != nil {
		t.Fatal(err)
	}
	if v := validate(); v.Status != JobOK {
		t.Fatalf("validate: %+v", v)
	}
	j, _ := migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, target)
	if v := runJob(t, clk, j); v.Status != JobOK || owners(t, f, p.UUID) != s2 {
		t.Fatalf("migrate: %+v", v)
	}
	lps := func(c *Core) (n int) {
		c.Read(func(st *model.State) { st.Each(model.KindSRIOVLP, func(model.Object) { n++ }) })
		return n
	}
	if n := lps(s1); n != 0 {
		t.Errorf("sys1 keeps %d logical ports", n)
	}
	var got *model.VirtualNIC
	var backing []*model.SRIOVLogicalPort
	s2.Read(func(st *model.State) {
		if o, ok := st.Get(model.KindVNIC, vn.UUID).(*model.VirtualNIC); ok {
			got = o
			for _, b := range o.Backing {
				lp, _ := st.Get(model.KindSRIOVLP, b.LPort).(*model.SRIOVLogicalPort)
				backing = append(backing, lp)
			}
		}
	})
	if got == nil || got.MAC != vn.MAC || got.Slot != vn.Slot || got.PVID != 2001 || len(backing) != 2 {
		t.Fatalf("the vNIC on sys2: %+v", got)
	}
	for i, lp := range backing {
		if lp == nil {
			t.Fatalf("backing %d on sys2: no logical port", i)
		}
		var owner string
		s2.Read(func(st *model.State) { owner = partitionNameIn(st, lp.Partition) })
		if lp.VNIC != vn.UUID || lp.Port != 1 || owner != []string{"vios1", "vios2"}[i] {
			t.Errorf("backing %d on sys2: %+v (owner %s)", i, lp, owner)
		}
	}
	if backing[1] != nil && backing[1].Capacity != 400 {
		t.Errorf("backing 2's capacity %s, want 4%%", backing[1].Capacity)
	}
}
