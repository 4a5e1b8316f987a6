package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

func newIBMi(c *Core, name string) *model.Partition {
	p := c.NewPartitionTemplate(model.TypeOS400)
	p.Name = name
	p.MinMem, p.DesMem, p.MaxMem = 2048, 2048, 4096
	p.MinUnits, p.DesUnits, p.MaxUnits = 10, 50, 100
	p.MinVP, p.DesVP, p.MaxVP = 1, 1, 1
	return p
}

// startAndWait starts a job and advances the clock until it ends.
func startAndWait(t *testing.T, c *Core, clk *sim.FakeClock, r JobRequest) JobView {
	t.Helper()
	job, err := c.StartJob(admin, r)
	if err != nil {
		t.Fatalf("%s: %v", r.Operation, err)
	}
	for i := 0; i < 1000 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	return job.Snapshot()
}

// TestIBMiPartition: an IBM i partition boots through its own reference
// codes with the IPL source and keylock PowerOn gives it (keylock spelled
// norm as pypowervm sends it); changeKeylock changes the keylock without
// starting it; the panel functions and AddLicense apply to IBM i only;
// an OS shutdown needs no RMC.
func TestIBMiPartition(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	p, err := c.CreatePartition(admin, newIBMi(c, "ibmi1"))
	if err != nil {
		t.Fatal(err)
	}
	if p.IPLSource != "b" || p.TaggedIO.Console != "HMC" || !p.RestrictedIO {
		t.Fatalf("new IBM i partition: %+v", p)
	}
	lpar := partByName(c, "lpar10")
	req := func(op string, params ...Param) JobRequest {
		return JobRequest{Group: "LogicalPartition", Operation: op, TargetUUID: p.UUID, Params: params}
	}

	// Refusals before anything starts.
	for _, r := range []JobRequest{
		req("PowerOn", Param{"iIPLsource", "e"}),
		req("PowerOn", Param{"keylock", "sideways"}),
		req("PowerOn", Param{"OperationType", "explode"}),
		req("PowerOn", Param{"OperationType", "netboot"}, Param{"IPAddress", "10.0.0.5"}),
		req("PowerOn", Param{"OperationType", "changeKeylock"}),
		req("PanelFunction", Param{"operation", "selfdestruct"}),
		req("AddLicense"),
		{Group: "LogicalPartition", Operation: "PanelFunction", TargetUUID: lpar.UUID, Params: []Param{{"operation", "dston"}}},
		{Group: "LogicalPartition", Operation: "AddLicense", TargetUUID: lpar.UUID, Params: []Param{{"licKey", "K"}}},
		{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: lpar.UUID, Params: []Param{{"iIPLsource", "a"}}},
	} {
		if _, err := c.StartJob(admin, r); model.KindOf(err) != model.KindInvalid {
			t.Errorf("%s %v on %s: %v, want a bad request", r.Operation, r.Params, r.TargetUUID, err)
		}
	}
	if partByName(c, "ibmi1").State != model.StateNotActivated {
		t.Fatal("a refused job started the partition")
	}

	// changeKeylock: the keylock changes, the partition stays off.
	if s := startAndWait(t, c, clk, req("PowerOn", Param{"OperationType", "changeKeylock"}, Param{"keylock", "manual"})); s.Status != JobOK {
		t.Fatalf("changeKeylock: %+v", s)
	}
	if q := partByName(c, "ibmi1"); q.Keylock != "manual" || q.State != model.StateNotActivated {
		t.Fatalf("after changeKeylock: keylock %s state %s", q.Keylock, q.State)
	}
	// A panel function on a partition that is off fails as a job.
	if s := startAndWait(t, c, clk, req("PanelFunction", Param{"operation", "dston"})); s.Status != JobError {
		t.Fatalf("panel function on a stopped partition: %+v", s)
	}

	// Boot from side A, keylock norm: the IBM i reference codes.
	job, err := c.StartJob(admin, req("PowerOn", Param{"iIPLsource", "a"}, Param{"keylock", "norm"}))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000 && job.Snapshot().Status == JobRunning; i++ {
		seen[partByName(c, "ibmi1").RefCode] = true
		clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("IBM i power on: %+v", s)
	}
	for _, code := range []string{"C2004001", "C6004001", "C9002810"} {
		if !seen[code] {
			t.Errorf("reference code %s not seen while the IBM i partition started (saw %v)", code, seen)
		}
	}
	for code := range seen {
		if strings.HasPrefix(code, "CA00") {
			t.Errorf("an IBM i partition showed the AIX/Linux firmware code %s", code)
		}
	}
	q := partByName(c, "ibmi1")
	if q.State != model.StateRunning || q.IPLSource != "a" || q.Keylock != "normal" || !strings.HasPrefix(q.OSVersion, "IBM i") {
		t.Fatalf("running IBM i: state %s IPL source %s keylock %s OS %s", q.State, q.IPLSource, q.Keylock, q.OSVersion)
	}

	// Panel functions and a license key.
	if s := startAndWait(t, c, clk, req("PanelFunction", Param{"operation", "dston"})); s.Status != JobOK {
		t.Fatalf("dston: %+v", s)
	}
	if s := startAndWait(t, c, clk, req("AddLicense", Param{"licKey", "ABCD-1234"})); s.Status != JobOK || partByName(c, "ibmi1").LicenseKey != "ABCD-1234" {
		t.Fatalf("AddLicense: %+v", s)
	}
	if s := startAndWait(t, c, clk, req("PanelFunction", Param{"operation", "dumprestart"})); s.Status != JobOK {
		t.Fatalf("dumprestart: %+v", s)
	}
	if q := partByName(c, "ibmi1"); q.State != model.StateRunning {
		t.Fatalf("after dumprestart: %s", q.State)
	}
	// OS shutdown without RMC.
	if s := startAndWait(t, c, clk, req("PowerOff", Param{"operation", "osshutdown"})); s.Status != JobOK {
		t.Fatalf("IBM i OS shutdown: %+v", s)
	}
	if q := partByName(c, "ibmi1"); q.State != model.StateNotActivated {
		t.Fatalf("after OS shutdown: %s", q.State)
	}
	// Netboot: an install from a network image server.
	if s := startAndWait(t, c, clk, req("PowerOn", Param{"OperationType", "netboot"}, Param{"IPAddress", "10.0.0.5"},
		Param{"ServerIPAddress", "10.0.0.1"}, Param{"Gateway", "10.0.0.254"}, Param{"IBMiImageServerDirectory", "/images/ibmi"},
		Param{"VLANID", "12"})); s.Status != JobOK {
		t.Fatalf("netboot: %+v", s)
	}
}

// TestPowerOnRemovesOptical: PowerOn with remove_optical_name and
// remove_optical_time (nova's config drive) removes the virtual optical
// media from the partition that long after the boot: its mapping goes
// (the adapter pair stays) and the media is deleted.
func TestPowerOnRemovesOptical(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	v1 := partByName(c, "vios1")
	vm, err := c.CreatePartition(admin, newClient(c, "vm1", 2048, 50))
	if err != nil {
		t.Fatal(err)
	}
	var vg *model.VolumeGroup
	c.Read(func(st *model.State) { vg = vios.VGByName(&Tx{c: c, st: st}, v1.UUID, "rootvg") })
	if _, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", VGWant{Repository: &RepositoryWant{SizeMB: 10240, Media: []MediaWant{{Name: "cfg_vm1.iso", SizeMB: 1}}}}); err != nil {
		t.Fatal(err)
	}
	var media *model.OpticalMedia
	c.Read(func(st *model.State) {
		st.Each(model.KindMedia, func(o model.Object) {
			if m := o.(*model.OpticalMedia); m.Name == "cfg_vm1.iso" {
				media = m
			}
		})
	})
	var keep []vios.SCSISpec
	c.Read(func(st *model.State) {
		for _, m := range vios.SCSIMappings(&Tx{c: c, st: st}, v1.UUID) {
			keep = append(keep, vios.SCSISpec{Client: m.Client, ClientSlot: m.ClientSlot, ServerSlot: m.ServerSlot, Backing: m.Backing, BackingID: m.BackingID, Target: m.Target, LUA: m.LUA})
		}
	})
	if err := c.UpdateSCSIMappings(admin, v1.UUID, "", append(keep, vios.SCSISpec{Client: vm.UUID, Backing: model.BackMedia, BackingID: media.UUID})); err != nil {
		t.Fatal(err)
	}
	s := startAndWait(t, c, clk, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: vm.UUID,
		Params: []Param{{"remove_optical_name", "cfg_vm1.iso"}, {"remove_optical_time", "2"}}})
	if s.Status != JobOK {
		t.Fatalf("power on: %+v", s)
	}
	mapped := func() (maps, pairs int, present bool) {
		c.Read(func(st *model.State) {
			tx := &Tx{c: c, st: st}
			maps = len(vios.MappingsOf(tx, model.BackMedia, media.UUID))
			for _, m := range vios.SCSIMappings(tx, v1.UUID) {
				if m.Client == vm.UUID {
					pairs++
				}
			}
			present = st.Get(model.KindMedia, media.UUID) != nil
		})
		return
	}
	if m, _, ok := mapped(); m != 1 || !ok {
		t.Fatalf("right after the boot: %d mappings, present %v", m, ok)
	}
	clk.Advance(2 * time.Minute)
	if m, p, ok := mapped(); m != 0 || ok || p != 1 {
		t.Fatalf("two minutes after the boot: %d mappings of the media, media present %v, %d adapter pairs of vm1 (want 0, false, 1)", m, ok, p)
	}
}
