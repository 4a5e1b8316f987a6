package core

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// fleetInventory is system i's inventory: the default one with its own
// serial (the systems of a fleet are distinct servers).
func fleetInventory(i int) *Inventory {
	inv := DefaultInventory()
	inv.System.Serial = fmt.Sprintf("FT%05d", i)
	inv.System.Name = "Server-8247-21L-SN" + inv.System.Serial
	return inv
}

func openFleetTest(t *testing.T, dir string, n int, group func(i int) string) *Fleet {
	t.Helper()
	f, _ := openFleetClock(t, dir, n, group)
	return f
}

func openFleetClock(t *testing.T, dir string, n int, group func(i int) string) (*Fleet, *sim.FakeClock) {
	t.Helper()
	var systems []FleetSystem
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("sys%d", i)
		sd := filepath.Join(dir, "systems", name)
		systems = append(systems, FleetSystem{Name: name, Inventory: fleetInventory(i), Group: group(i),
			FilesDir: filepath.Join(sd, "files"), BackupDir: filepath.Join(dir, "backups"), PCMDir: filepath.Join(sd, "pcm")})
	}
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	f, err := OpenFleet(FleetConfig{StatePath: filepath.Join(dir, "state.db"), Systems: systems,
		System: Config{Clock: clk, Timing: sim.Profiles["fast"], Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}})
	if err != nil {
		t.Fatal(err)
	}
	return f, clk
}

func poolOf(c *Core) (ssp *model.SharedStoragePool, free, lus int, cl *model.Cluster) {
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st}
		ssps := vios.SSPs(tx)
		if len(ssps) != 1 {
			return
		}
		ssp = ssps[0]
		free = vios.PoolFreeMB(tx, ssp)
		lus = len(vios.LUs(tx, ssp.UUID))
		cl = vios.ClusterOf(tx, ssp)
	})
	return
}

func TestFleetSharedPool(t *testing.T) {
	dir := t.TempDir()
	// sys1 and sys2 share a cluster; sys3 keeps its own.
	group := func(i int) string {
		if i <= 2 {
			return "g1"
		}
		return ""
	}
	f := openFleetTest(t, dir, 3, group)
	s1, s2, s3 := f.System("sys1"), f.System("sys2"), f.System("sys3")
	p1, free1, _, cl1 := poolOf(s1)
	p2, free2, _, cl2 := poolOf(s2)
	p3, _, _, _ := poolOf(s3)
	if p1 == nil || p2 == nil || p3 == nil {
		t.Fatal("a system has no pool")
	}
	if p1.UUID != p2.UUID || p1.UUID == p3.UUID {
		t.Fatalf("pools: sys1 %s sys2 %s sys3 %s; want sys1 and sys2 to share one", p1.UUID, p2.UUID, p3.UUID)
	}
	if len(cl1.Nodes) != 4 || cl1.UUID != cl2.UUID {
		t.Fatalf("cluster nodes %d (want the 4 VIOSes of both systems)", len(cl1.Nodes))
	}
	if free1 != free2 {
		t.Fatalf("free space %d on sys1, %d on sys2", free1, free2)
	}

	// A LU made from sys1 is seen by sys2, with one pool's accounting.
	lu, err := s1.CreateLU(admin, p1.UUID, vios.LUSpec{Name: "shared1", CapacityMB: 10240})
	if err != nil {
		t.Fatal(err)
	}
	if _, free, lus, _ := poolOf(s2); lus != 1 || free != free1-10240 {
		t.Fatalf("sys2 sees %d LUs, %d MB free; want 1 and %d", lus, free, free1-10240)
	}
	if _, _, lus, _ := poolOf(s3); lus != 0 {
		t.Fatalf("sys3 (another cluster) sees %d LUs", lus)
	}
	// Mapped on sys2 to one of its partitions.
	v2 := partByName(s2, "vios1")
	client := partByName(s2, "lpar10")
	if err := s2.UpdateSCSIMappings(admin, v2.UUID, "", []vios.SCSISpec{{Client: client.UUID, Backing: model.BackLU, BackingID: lu.UUID}}); err != nil {
		t.Fatal(err)
	}
	// Removing it from sys1 is refused while sys2 maps it, and changes nothing.
	err = s1.DeleteLU(admin, lu.UUID, "")
	wantKind(t, err, model.KindRefused, "mapped on the managed system")
	if _, _, lus, _ := poolOf(s1); lus != 1 {
		t.Fatal("the refused delete removed the LU on sys1")
	}
	// A thick LU larger than what sys2's LU left is refused on either.
	_, err = s2.CreateLU(admin, p1.UUID, vios.LUSpec{Name: "big", CapacityMB: free1})
	wantKind(t, err, model.KindRefused, "not enough free space")

	// The cluster lists the nodes of both systems, each with its system.
	var nodesOnSys2 int
	s1.Read(func(st *model.State) {
		for _, n := range cl1.Nodes {
			if st.Partition(n) == nil {
				if p, sys := st.Peers.Partition(n); p != nil && sys.Name == s2.System().Name {
					nodesOnSys2++
				}
			}
		}
	})
	if nodesOnSys2 != 2 {
		t.Fatalf("sys1 finds %d of the cluster's nodes on sys2, want 2", nodesOnSys2)
	}

	// Everything survives a restart of the fleet.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f = openFleetTest(t, dir, 3, group)
	defer f.Close()
	for _, name := range []string{"sys1", "sys2"} {
		if _, free, lus, _ := poolOf(f.System(name)); lus != 1 || free != free1-10240 {
			t.Fatalf("%s after restart: %d LUs, %d MB free", name, lus, free)
		}
	}
	var maps int
	f.System("sys2").Read(func(st *model.State) {
		maps = len(vios.MappingsOf(&Tx{st: st}, model.BackLU, lu.UUID))
	})
	if maps != 1 {
		t.Fatalf("sys2's mapping of the LU after restart: %d", maps)
	}
	// Unmapped on sys2, the LU can go (from sys1), on both.
	s2 = f.System("sys2")
	if err := s2.UpdateSCSIMappings(admin, v2.UUID, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.System("sys1").DeleteLU(admin, lu.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if _, free, lus, _ := poolOf(s2); lus != 0 || free != free1 {
		t.Fatalf("sys2 after the delete: %d LUs, %d MB free", lus, free)
	}
}

// Each system of a fleet is its own: its partitions, its revisions' events
// on its own bus, its own master.
func TestFleetSystemsApart(t *testing.T) {
	f := openFleetTest(t, t.TempDir(), 3, func(int) string { return "g" })
	defer f.Close()
	seen := map[string]bool{}
	for _, c := range f.Systems() {
		sys := c.System()
		if seen[sys.UUID] {
			t.Fatalf("two systems with UUID %s", sys.UUID)
		}
		seen[sys.UUID] = true
		if in := c.Info(); in.Partitions != 6 || in.VIOS != 2 || len(in.Clusters) != 1 {
			t.Fatalf("%s: %+v", c.Name(), in)
		}
	}
	s1, s2 := f.System("sys1"), f.System("sys2")
	before := s2.ViewRevision()
	if _, err := s1.CreatePartition(admin, newClient(s1, "only-on-1", 2048, 50)); err != nil {
		t.Fatal(err)
	}
	if partByName(s2, "only-on-1") != nil {
		t.Fatal("a partition made on sys1 is on sys2")
	}
	if s2.ViewRevision() != before {
		t.Fatal("sys2's view moved for a change of sys1 only")
	}
}

// A system powered off stops every partition (its NovaLink too) and
// starts none until it is on again; on, NovaLink runs and the VIOSes boot.
func TestFleetPowerSystem(t *testing.T) {
	f, clk := openFleetClock(t, t.TempDir(), 2, func(int) string { return "" })
	defer f.Close()
	s1, s2 := f.System("sys1"), f.System("sys2")
	if err := s2.PowerSystem(admin, false); err != nil {
		t.Fatal(err)
	}
	if st := s2.System().State; st != SystemPowerOff {
		t.Fatalf("state %q", st)
	}
	if in := s2.Info(); in.Running != 0 {
		t.Fatalf("%d partitions still running on the powered-off system", in.Running)
	}
	if in := s1.Info(); in.Running != 3 {
		t.Fatalf("sys1 has %d partitions running, want its NovaLink and 2 VIOS", in.Running)
	}
	job, err := s2.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: partByName(s2, "lpar10").UUID})
	if err != nil {
		t.Fatal(err)
	}
	if v := job.Snapshot(); v.Status != JobError || !strings.Contains(v.Message, "powered off") {
		t.Fatalf("power-on on a powered-off system: %+v", v)
	}
	if err := s2.PowerSystem(admin, true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200 && s2.Info().Running < 3; i++ {
		clk.Advance(time.Second)
		time.Sleep(time.Millisecond)
	}
	if in := s2.Info(); in.Running != 3 || in.State != model.SystemOperating {
		t.Fatalf("after power on: %+v", in)
	}
}

// TestFleetSimControls: each fleet system's snapshots and reset are its
// own (its own directory, its own seeded inventory), and a system sharing
// a cluster with others is not reset to an inventory without it.
func TestFleetSimControls(t *testing.T) {
	dir := t.TempDir()
	f, _ := openFleetClock(t, dir, 3, func(i int) string {
		if i <= 2 {
			return "g"
		}
		return ""
	})
	defer f.Close()
	s1, s3 := f.System("sys1"), f.System("sys3")
	if _, err := s1.Snapshots().Save(admin, "base"); err != nil {
		t.Fatal(err)
	}
	if _, err := s3.Snapshots().Save(admin, "base"); err != nil {
		t.Fatal(err)
	}
	if n := len(s1.Snapshots().List()); n != 1 {
		t.Fatalf("sys1 has %d snapshots", n)
	}
	for _, n := range []string{"sys1", "sys3"} {
		if _, err := os.Stat(filepath.Join(dir, "snapshots", n, "base.json")); err != nil {
			t.Fatalf("%s's snapshot file: %v", n, err)
		}
	}
	if _, err := s1.Reset(admin); err == nil || !strings.Contains(err.Error(), "shares the cluster") {
		t.Fatalf("reset of a system sharing a cluster: %v", err)
	}
	lpar := partByName(s3, "lpar10")
	if err := s3.DeletePartition(admin, lpar.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if partByName(s3, "lpar10") != nil {
		t.Fatal("lpar10 still there")
	}
	if _, err := s3.Reset(admin); err != nil {
		t.Fatal(err)
	}
	if partByName(s3, "lpar10") == nil {
		t.Fatal("the reset did not bring lpar10 back on sys3")
	}
	if partByName(s1, "lpar10") == nil {
		t.Fatal("sys1 lost lpar10")
	}
}

// TestFleetSeededStateIsWhatLoads: a fleet seeded now serves the states it
// built (not read back from the file); they must be what a restart loads,
// object for object, each system with its own copies of the cluster it
// shares.
func TestFleetSeededStateIsWhatLoads(t *testing.T) {
	dir := t.TempDir()
	group := func(i int) string {
		if i <= 3 {
			return "g1"
		}
		return ""
	}
	f := openFleetTest(t, dir, 4, group)
	seeded := map[string]map[string]string{}
	clusters := map[*model.Cluster]string{}
	var accts []any
	for _, c := range f.Systems() {
		accts = append(accts, c.w.Accounting())
		seeded[c.Name()], seeded[c.Name()+" view"] = stateJSON(t, c.w), stateJSON(t, c.v)
		c.w.Each(model.KindCluster, func(o model.Object) {
			if other, dup := clusters[o.(*model.Cluster)]; dup {
				t.Errorf("the systems %s and %s hold the same cluster object", other, c.Name())
			}
			clusters[o.(*model.Cluster)] = c.Name()
		})
	}
	if len(clusters) != 4 {
		t.Fatalf("%d clusters in 4 systems", len(clusters))
	}
	f.Close()
	f2 := openFleetTest(t, dir, 4, group)
	defer f2.Close()
	for i, c := range f2.Systems() {
		if !reflect.DeepEqual(accts[i], c.w.Accounting()) {
			t.Errorf("%s: accounting seeded %+v, loaded %+v", c.Name(), accts[i], c.w.Accounting())
		}
		loaded := stateJSON(t, c.w)
		if len(loaded) < 20 {
			t.Fatalf("%s: only %d records loaded", c.Name(), len(loaded))
		}
		for _, what := range []string{c.Name(), c.Name() + " view"} {
			sameRecords(t, what, seeded[what], loaded)
		}
	}
}
