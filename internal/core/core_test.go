package core

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/store"
)

var admin = Actor{User: "padmin", Role: RoleAdmin}

func openTest(t *testing.T, dir string, clk sim.Clock, inv *Inventory) *Core {
	t.Helper()
	c, err := Open(Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"],
		Inventory: inv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newClient(c *Core, name string, mem int, units model.Units) *model.Partition {
	p := c.NewPartitionTemplate(model.TypeAIXLinux)
	p.Name = name
	p.MinMem, p.DesMem, p.MaxMem = mem, mem, mem*2
	p.MinUnits, p.DesUnits, p.MaxUnits = 5, units, 200
	p.MinVP, p.DesVP, p.MaxVP = 1, 1, 2
	return p
}

func partByName(c *Core, name string) *model.Partition {
	var p *model.Partition
	c.Read(func(st *model.State) { p = st.PartitionByName(name) })
	return p
}

func TestDefaultInventory(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	var names []string
	var running int
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(nil) {
			names = append(names, p.Name)
			if p.State == model.StateRunning {
				running++
			}
		}
	})
	want := []string{"novalink", "vios1", "vios2", "lpar10", "lpar11", "lpar12"}
	if len(names) != len(want) {
		t.Fatalf("partitions %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("partitions %v, want %v", names, want)
		}
	}
	if running != 3 {
		t.Fatalf("running partitions %d, want 3 (novalink and two VIOS)", running)
	}
	nl := partByName(c, "novalink")
	if !nl.IsMgmt || !nl.MgmtCapable || nl.ID != 1 {
		t.Fatalf("novalink partition: %+v", nl)
	}
}

func TestPowerCycleThroughStates(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 4 {
		t.Fatalf("new partition got ID %d, want the lowest free (4)", p.ID)
	}
	// Deployed the NovaLink way: an adapter on MGMTSWITCH's VLAN 4094.
	mg, err := c.CreateAdapter(admin, p.UUID, &model.EthernetAdapter{PVID: model.MgmtVLAN, SwitchID: 1}, SlotNext)
	if err != nil {
		t.Fatal(err)
	}
	before := c.System()
	var availBefore int
	c.Read(func(st *model.State) { availBefore = st.System.AvailableMemory(st.Accounting()) })

	job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if err != nil {
		t.Fatal(err)
	}
	got := partByName(c, "vm1")
	if got.State != model.StateStarting || got.RefCode != sim.FirmwareCodes[0] {
		t.Fatalf("after power on: %s %s", got.State, got.RefCode)
	}
	var availAfter int
	c.Read(func(st *model.State) { availAfter = st.System.AvailableMemory(st.Accounting()) })
	if availBefore-availAfter != 2048+got.PageTableMB() {
		t.Fatalf("available memory went %d -> %d; want a drop of %d", availBefore, availAfter, 2048+got.PageTableMB())
	}
	if c.System().Rev == before.Rev {
		t.Fatal("the managed system's revision did not change with its available memory")
	}
	seen := map[string]bool{}
	for i := 0; i < 50 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
		seen[partByName(c, "vm1").RefCode] = true
	}
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("power on job: %+v", s)
	}
	got = partByName(c, "vm1")
	if got.State != model.StateRunning || got.RefCode != "Linux ppc64le" || got.RMCState != model.RMCInactive {
		t.Fatalf("after boot: state %q ref %q rmc %q", got.State, got.RefCode, got.RMCState)
	}
	if !seen["CA00E14D"] {
		t.Fatalf("firmware reference codes not seen on the way: %v", seen)
	}
	clk.Advance(c.Timing().RMCUp)
	if got = partByName(c, "vm1"); got.RMCState != model.RMCActive || got.RMCIP != model.LinkLocalFromMAC(mg.MAC) {
		t.Fatalf("RMC after %v: %s %s", c.Timing().RMCUp, got.RMCState, got.RMCIP)
	}

	// Delete refused while running.
	err = c.DeletePartition(admin, p.UUID, "")
	var me *model.Error
	if !errors.As(err, &me) || me.ID != "PVME01050010-0056" {
		t.Fatalf("delete of a running partition: %v", err)
	}
	// Second power on refused with the real message ID.
	job2, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if s := job2.Snapshot(); s.Status != JobError || !contains(s.Message, "PVME01042026") {
		t.Fatalf("second power on: %+v", s)
	}

	// OS shutdown.
	job3, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: p.UUID,
		Params: []Param{{Name: "operation", Value: "osshutdown"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got = partByName(c, "vm1"); got.State != model.StateShuttingDown {
		t.Fatalf("shutting down expected, got %s", got.State)
	}
	clk.Advance(c.Timing().OSShutdown)
	if s := job3.Snapshot(); s.Status != JobOK {
		t.Fatalf("power off job: %+v", s)
	}
	got = partByName(c, "vm1")
	if got.State != model.StateNotActivated || got.RefCode != "00000000" || got.RMCState != model.RMCNone {
		t.Fatalf("after power off: %s %s %s", got.State, got.RefCode, got.RMCState)
	}
	c.Read(func(st *model.State) { availAfter = st.System.AvailableMemory(st.Accounting()) })
	if availAfter != availBefore {
		t.Fatalf("memory not given back: %d, want %d", availAfter, availBefore)
	}
	// Already off.
	job4, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: p.UUID})
	if s := job4.Snapshot(); s.Status != JobError || !contains(s.Message, "PVME01050901") {
		t.Fatalf("power off of an off partition: %+v", s)
	}
	if err := c.DeletePartition(admin, p.UUID, ""); err != nil {
		t.Fatal(err)
	}
}

func TestRMCNeedsMgmtAdapter(t *testing.T) {
	clk := sim.NewFakeClock(time.Now())
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, _ := c.CreatePartition(admin, newClient(c, "bare", 1024, 10))
	c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	clk.Advance(5 * time.Second)
	got := partByName(c, "bare")
	if got.State != model.StateRunning || got.RMCState != model.RMCInactive || got.RMCIP != "" {
		t.Fatalf("without a MGMTSWITCH adapter: %s rmc %s %q", got.State, got.RMCState, got.RMCIP)
	}
	// Nothing can be added dynamically without RMC.
	_, err := c.CreateAdapter(admin, p.UUID, &model.EthernetAdapter{PVID: model.MgmtVLAN, SwitchID: 1}, SlotNext)
	if model.KindOf(err) != model.KindRefused || !contains(err.Error(), "RMC") {
		t.Fatalf("DLPAR add without RMC: %v", err)
	}
}

func TestOSShutdownNeedsRMC(t *testing.T) {
	clk := sim.NewFakeClock(time.Now())
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, _ := c.CreatePartition(admin, newClient(c, "vm1", 1024, 10))
	c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	for partByName(c, "vm1").State != model.StateRunning {
		clk.Advance(10 * time.Millisecond)
	}
	job, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: p.UUID,
		Params: []Param{{Name: "operation", Value: "osshutdown"}}})
	if s := job.Snapshot(); s.Status != JobError || !contains(s.Message, "PVME01050905") {
		t.Fatalf("os shutdown without RMC: %+v", s)
	}
	// VSP immediate works regardless and interrupts nothing pending but RMC.
	job, _ = c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: p.UUID,
		Params: []Param{{Name: "operation", Value: "shutdown"}, {Name: "immediate", Value: "true"}}})
	clk.Advance(time.Second)
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("immediate power off: %+v", s)
	}
	if got := partByName(c, "vm1"); got.State != model.StateNotActivated || got.RMCState != model.RMCNone {
		t.Fatalf("after immediate off: %+v", got)
	}
}

func TestPowerOnRefusedWithoutMemory(t *testing.T) {
	clk := sim.NewFakeClock(time.Now())
	inv := DefaultInventory()
	inv.System.MemoryMB = 16384
	inv.System.FirmwareMemoryMB = 1024
	inv.Clients.MaxMemoryMB = 4096
	c := openTest(t, t.TempDir(), clk, inv)
	defer c.Close()
	var avail int
	c.Read(func(st *model.State) { avail = st.System.AvailableMemory(st.Accounting()) })
	big := (avail/256 + 1) * 256
	p := newClient(c, "big", big, 10)
	p.MaxMem = big
	p, err := c.CreatePartition(admin, p)
	if err != nil {
		t.Fatal(err)
	}
	job, _ := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if s := job.Snapshot(); s.Status != JobError || !contains(s.Message, "not enough memory") {
		t.Fatalf("power on beyond memory: %+v", s)
	}
	if got := partByName(c, "big"); got.State != model.StateNotActivated {
		t.Fatalf("refused power on changed the state: %s", got.State)
	}
}

func TestValidationMessages(t *testing.T) {
	c := openTest(t, t.TempDir(), sim.NewFakeClock(time.Now()), nil)
	defer c.Close()
	cases := []struct {
		name   string
		mutate func(p *model.Partition)
		id     string
	}{
		{"duplicate name", func(p *model.Partition) { p.Name = "vios1" }, "PVME01050101-0001"},
		{"memory not a multiple of the region", func(p *model.Partition) { p.DesMem = 1000 }, "PVME01050104-0006"},
		{"min above desired", func(p *model.Partition) { p.MinMem, p.DesMem = 2048, 1024 }, "PVME01050105-0007"},
		{"units per VP", func(p *model.Partition) { p.DesUnits, p.DesVP, p.MaxVP = 5, 2, 2 }, "PVME01050106-0010"},
		{"ID out of range", func(p *model.Partition) { p.ID = 5000 }, "PVME01050103-0003"},
		{"ID in use", func(p *model.Partition) { p.ID = 2 }, "PVME01050103-0004"},
		{"empty name", func(p *model.Partition) { p.Name = "" }, "PVME01050102-0002"},
		{"weight", func(p *model.Partition) { p.Weight = 300 }, "PVME01050108-0015"},
		{"management capability on a dedicated VIOS", func(p *model.Partition) {
			p.Type, p.Dedicated, p.SharingMode = model.TypeVIOS, true, model.SharingKeepIdle
			p.MinProcs, p.DesProcs, p.MaxProcs = 1, 1, 1
			p.MgmtCapable = true
		}, "PVME01050108-0016"},
		{"boot mode of a dedicated partition", func(p *model.Partition) {
			p.Dedicated, p.SharingMode = true, model.SharingKeepIdle
			p.MinProcs, p.DesProcs, p.MaxProcs = 1, 1, 1
			p.BootMode = "bogus"
		}, "PVME01050108-0014"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newClient(c, "ok", 1024, 10)
			tc.mutate(p)
			_, err := c.CreatePartition(admin, p)
			var me *model.Error
			if !errors.As(err, &me) || me.ID != tc.id || me.Kind != model.KindInvalid {
				t.Fatalf("got %v, want %s", err, tc.id)
			}
		})
	}
	if partByName(c, "ok") != nil {
		t.Fatal("a refused create left a partition behind")
	}
}

func TestRestartPersistsEverything(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Now())
	c := openTest(t, dir, clk, nil)
	p, err := c.CreatePartition(admin, newClient(c, "keep", 1024, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePartition(admin, p.UUID, EtagOf(p.Rev), func(n *model.Partition) error { n.DesMem = 1536; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdatePartition(admin, p.UUID, EtagOf(p.Rev), func(n *model.Partition) error { n.DesMem = 1792; return nil }); model.KindOf(err) != model.KindStale {
		t.Fatalf("stale etag: %v", err)
	}
	c.Close()
	c2 := openTest(t, dir, clk, nil)
	defer c2.Close()
	got := partByName(c2, "keep")
	if got == nil || got.DesMem != 1536 || got.UUID != p.UUID {
		t.Fatalf("after restart: %+v", got)
	}
}

// TestAccountingInvariant runs random operation sequences and checks after
// each step that the available figures always equal what the partitions
// hold, in the writer's model, in the readers' view and after a reload.
func TestAccountingInvariant(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		seed := seed
		t.Run("seed", func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			dir := t.TempDir()
			clk := sim.NewFakeClock(time.Unix(1700000000, 0))
			inv := DefaultInventory()
			inv.System.MemoryMB = 32768
			inv.System.ProcUnits = 4
			c := openTest(t, dir, clk, inv)
			var uuids []string
			for step := 0; step < 200; step++ {
				switch r := rng.Intn(10); {
				case r < 2:
					p := newClient(c, "p"+itoa(step), 256*(1+rng.Intn(16)), model.Units(5+rng.Intn(150)))
					p.MaxMem = 8192
					if p.DesUnits > 100 {
						p.DesVP, p.MaxVP = 2, 2
					}
					if np, err := c.CreatePartition(admin, p); err == nil {
						uuids = append(uuids, np.UUID)
					}
				case r < 5 && len(uuids) > 0:
					c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: uuids[rng.Intn(len(uuids))]})
				case r < 7 && len(uuids) > 0:
					ops := []string{"shutdown", "osshutdown", "dumprestart"}
					c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOff", TargetUUID: uuids[rng.Intn(len(uuids))],
						Params: []Param{{Name: "operation", Value: ops[rng.Intn(3)]}, {Name: "immediate", Value: []string{"true", "false"}[rng.Intn(2)]}}})
				case r < 8 && len(uuids) > 0:
					u := uuids[rng.Intn(len(uuids))]
					c.UpdatePartition(admin, u, "", func(n *model.Partition) error { n.DesMem = n.MinMem + 256*rng.Intn(4); return nil })
				case r < 9 && len(uuids) > 0:
					i := rng.Intn(len(uuids))
					if c.DeletePartition(admin, uuids[i], "") == nil {
						uuids = append(uuids[:i], uuids[i+1:]...)
					}
				default:
					clk.Advance(time.Duration(rng.Intn(200)) * time.Millisecond)
				}
				checkAccounting(t, c)
			}
			clk.Advance(5 * time.Second)
			checkAccounting(t, c)
			var want map[string]model.Partition
			c.Read(func(st *model.State) {
				want = map[string]model.Partition{}
				for u, p := range st.Partitions {
					want[u] = *p
				}
			})
			c.Close()
			c2 := openTest(t, dir, clk, inv)
			defer c2.Close()
			checkAccounting(t, c2)
			c2.Read(func(st *model.State) {
				if len(st.Partitions) != len(want) {
					t.Fatalf("reload: %d partitions, want %d", len(st.Partitions), len(want))
				}
				for u, p := range st.Partitions {
					if w := want[u]; w != *p {
						t.Fatalf("reload changed %s:\n got %+v\nwant %+v", p.Name, *p, w)
					}
				}
			})
		})
	}
}

func checkAccounting(t *testing.T, c *Core) {
	t.Helper()
	c.wr.mu.Lock()
	w := c.w.Accounting()
	wRe := c.w.RecomputeAccounting()
	c.wr.mu.Unlock()
	if w != wRe {
		t.Fatalf("writer accounting drifted: %+v vs %+v", w, wRe)
	}
	c.Read(func(st *model.State) {
		a := st.Accounting()
		var mem, pt int
		var units model.Units
		var procs int
		for _, p := range st.Partitions {
			if p.Active() {
				mem += p.CurMem
				pt += p.PageTableMB()
				if p.Dedicated {
					procs += p.CurProcs
				} else {
					units += p.CurUnits
				}
			}
		}
		if a.PartitionMemory != mem || a.PageTableMemory != pt || a.SharedUnits != units || a.DedicatedProcs != procs {
			t.Fatalf("view accounting %+v, partitions hold mem=%d pt=%d units=%s procs=%d", a, mem, pt, units, procs)
		}
		sys := st.System
		if sys.AvailableMemory(a) < 0 || sys.AvailableUnits(a) < 0 {
			t.Fatalf("over-committed: memory %d units %s", sys.AvailableMemory(a), sys.AvailableUnits(a))
		}
		if sys.AvailableMemory(a)+sys.HypervisorMemory(a)+mem != sys.ConfigurableMemory {
			t.Fatalf("memory does not add up")
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func itoa(i int) string { return model.Units(i * 100).String()[:len(model.Units(i*100).String())-2] }

// TestManagementVIOS: an inventory where NovaLink hosts I/O makes the
// first VIOS the management partition, with no NovaLink partition beside
// it; that VIOS keeps its RMC connection (ioscli runs on it) and, being
// the management partition, is not deleted.
func TestManagementVIOS(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	inv := DefaultInventory()
	inv.ManagementVIOS = true
	c := openTest(t, t.TempDir(), clk, inv)
	defer c.Close()
	var mgmt []string
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return p.IsMgmt }) {
			mgmt = append(mgmt, p.Name)
		}
	})
	if len(mgmt) != 1 || mgmt[0] != "vios1" {
		t.Fatalf("management partitions %v, want [vios1]", mgmt)
	}
	if partByName(c, "novalink") != nil {
		t.Fatal("a NovaLink partition beside the management VIOS")
	}
	v := partByName(c, "vios1")
	if !v.IsVIOS() || v.RMCState != model.RMCActive || v.RMCIP == "" {
		t.Fatalf("vios1: type %s, RMC %s %q", v.Type, v.RMCState, v.RMCIP)
	}
	if r := runIOSCLI(t, c, "vios1", "lsdev -type disk"); r.Code != 0 || !strings.Contains(r.Out, "hdisk0") {
		t.Fatalf("lsdev on the management VIOS: %+v", r)
	}
	if err := c.DeletePartition(admin, v.UUID, ""); err == nil {
		t.Fatal("the management VIOS was deleted")
	}
	bad := DefaultInventory()
	bad.ManagementVIOS, bad.VIOS.Running = true, 0
	if _, err := bad.Build(0, sim.Profiles["fast"]); err == nil || !strings.Contains(err.Error(), "managementVIOS") {
		t.Fatalf("managementVIOS without a running VIOS: %v", err)
	}
}

// sameRecords reports each record (stateJSON's) that what holds and a
// restart does not load alike.
func sameRecords(t *testing.T, what string, got, loaded map[string]string) {
	t.Helper()
	for k, v := range loaded {
		if got[k] != v {
			t.Errorf("%s: %s is\n%s\nbut a restart loads\n%s", what, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := loaded[k]; !ok {
			t.Errorf("%s has %s, which a restart does not load", what, k)
		}
	}
}

// TestSeededStateIsWhatLoads: a fresh state file is seeded and the core
// serves the state it built, without reading the file back; it must be
// what a restart loads from the file, object for object (the records and
// the readers' view too).
func TestSeededStateIsWhatLoads(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	inv := DefaultInventory()
	inv.Clients.Count, inv.Clients.Running = 40, 3
	c := openTest(t, dir, clk, inv)
	seeded, view := stateJSON(t, c.w), stateJSON(t, c.v)
	c.Close()
	c2 := openTest(t, dir, clk, inv)
	defer c2.Close()
	loaded := stateJSON(t, c2.w)
	if len(loaded) < 40*3 {
		t.Fatalf("only %d records loaded", len(loaded))
	}
	sameRecords(t, "the seeded state", seeded, loaded)
	sameRecords(t, "the seeded view", view, loaded)
	if !reflect.DeepEqual(c.w.Accounting(), c2.w.Accounting()) {
		t.Errorf("accounting seeded %+v, loaded %+v", c.w.Accounting(), c2.w.Accounting())
	}
}

// stateJSON encodes every object of a state by kind and key.
func stateJSON(t *testing.T, st *model.State) map[string]string {
	t.Helper()
	out := map[string]string{}
	b, err := json.Marshal(st.System)
	if err != nil {
		t.Fatal(err)
	}
	out["system"] = string(b)
	for _, k := range model.Kinds {
		st.Each(k, func(o model.Object) {
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			out[string(k)+"/"+o.Key()] = string(b)
		})
	}
	return out
}

// TestSeedStartsOver: a seed interrupted before its last transaction
// leaves records but no system record; the next start empties the file
// and seeds again.
func TestSeedStartsOver(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update([]store.Change{{Bucket: string(model.KindPartition), Key: "LEFT-OVER", Value: []byte(`{"uuid": "LEFT-OVER", "id": 77, "name": "half"}`)},
		{Bucket: "ghost", Key: "k", Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	c := openTest(t, dir, sim.NewFakeClock(time.Now()), nil)
	defer c.Close()
	var n int
	var left *model.Partition
	c.Read(func(st *model.State) { n, left = len(st.Partitions), st.PartitionByName("half") })
	if n != 6 || left != nil {
		t.Fatalf("%d partitions after the seed (want the 6 of the default inventory), left over: %v", n, left)
	}
	if v, err := c.store.Get("ghost", "k"); err != nil || v != nil {
		t.Fatalf("a bucket of the interrupted seed is still there: %q %v", v, err)
	}
}
