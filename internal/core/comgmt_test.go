package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

func hmcActor(c *Core) Actor { return c.ActorFor("hscroot", RoleHMC, "s-hmc") }

func requestMaster(t *testing.T, c *Core, a Actor, mode string) *Job {
	t.Helper()
	job, err := c.StartJob(a, JobRequest{Group: "ManagedSystem", Operation: "RequestMaster", TargetUUID: c.System().UUID,
		Params: []Param{{Name: "coManagementMasterStatus", Value: mode}}})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func releaseMaster(t *testing.T, c *Core, a Actor) JobView {
	t.Helper()
	job, err := c.StartJob(a, JobRequest{Group: "ManagedSystem", Operation: "ReleaseMaster", TargetUUID: c.System().UUID})
	if err != nil {
		t.Fatal(err)
	}
	return job.Snapshot()
}

func TestCoManagementTransfer(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, dir, clk, nil)
	hmc := hmcActor(c)
	if !c.System().Master.Is(model.ConsoleNovaLink) {
		t.Fatalf("initial master %+v", c.System().Master)
	}
	// The HMC may not change anything while NovaLink is master.
	_, err := c.CreatePartition(hmc, newClient(c, "fromhmc", 1024, 10))
	wantKind(t, err, model.KindRefused, "NovaLink")
	// Releasing what one does not hold is refused, nothing changes.
	if s := releaseMaster(t, c, hmc); s.Status != JobError || !strings.Contains(s.Message, "not the PowerVM management master") {
		t.Fatalf("release by the non-master: %+v", s)
	}
	// Unknown modes are refused before a job exists.
	_, err = c.StartJob(hmc, JobRequest{Group: "ManagedSystem", Operation: "RequestMaster", TargetUUID: c.System().UUID,
		Params: []Param{{Name: "coManagementMasterStatus", Value: "bogus"}}})
	wantKind(t, err, model.KindInvalid, "coManagementMasterStatus")
	rev := c.System().Rev

	// With nothing in progress, a normal request takes over at once.
	if s := requestMaster(t, c, hmc, "norm").Snapshot(); s.Status != JobOK {
		t.Fatalf("request master: %+v", s)
	}
	sys := c.System()
	if !sys.Master.Is(model.ConsoleHMC) || sys.Master.Name != "hmc1" || sys.Rev == rev {
		t.Fatalf("master after the request: %+v", sys.Master)
	}
	_, err = c.CreatePartition(admin, newClient(c, "fromnl", 1024, 10))
	wantKind(t, err, model.KindRefused, "the HMC hmc1")
	if _, err := c.CreatePartition(hmc, newClient(c, "fromhmc", 1024, 10)); err != nil {
		t.Fatal(err)
	}
	// Mastership survives a restart.
	c.Close()
	c = openTest(t, dir, clk, nil)
	defer c.Close()
	if !c.System().Master.Is(model.ConsoleHMC) {
		t.Fatalf("master after restart %+v", c.System().Master)
	}
	// relmaster gives it back to NovaLink.
	if s := releaseMaster(t, c, hmcActor(c)); s.Status != JobOK {
		t.Fatalf("release: %+v", s)
	}
	if m := c.System().Master; !m.Is(model.ConsoleNovaLink) || m.Name != "novalink" {
		t.Fatalf("master after release %+v", m)
	}
	// A temporary master gives control back to the previous one.
	requestMaster(t, c, hmcActor(c), "temp")
	if s := releaseMaster(t, c, hmcActor(c)); s.Status != JobOK || !c.System().Master.Is(model.ConsoleNovaLink) {
		t.Fatalf("release of temp master: %+v %+v", s, c.System().Master)
	}
}

// startBoot creates a client with an RMC adapter and starts its power-on.
func startBoot(t *testing.T, c *Core, name string) (*model.Partition, *Job) {
	t.Helper()
	p, err := c.CreatePartition(admin, newClient(c, name, 1024, 10))
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if err != nil {
		t.Fatal(err)
	}
	if s := job.Snapshot(); s.Status != JobRunning {
		t.Fatalf("power on: %+v", s)
	}
	return p, job
}

func TestCoManagementNormalWaitsForOperations(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	hmc := hmcActor(c)
	p, boot := startBoot(t, c, "vm1")
	req := requestMaster(t, c, hmc, "norm")
	if s := req.Snapshot(); s.Status != JobRunning {
		t.Fatalf("request master while a boot is in progress: %+v", s)
	}
	sys := c.System()
	if !sys.Master.Is(model.ConsoleNovaLink) || sys.MasterPending == nil {
		t.Fatalf("master while waiting: %+v pending %+v", sys.Master, sys.MasterPending)
	}
	// No new change from either side meanwhile.
	_, err := c.CreatePartition(admin, newClient(c, "late", 1024, 10))
	wantKind(t, err, model.KindRefused, "taking over")
	_, err = c.CreatePartition(hmc, newClient(c, "early", 1024, 10))
	wantKind(t, err, model.KindRefused, "NovaLink")
	// The boot finishes; then the HMC is master.
	for i := 0; i < 100 && boot.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	if s := boot.Snapshot(); s.Status != JobOK {
		t.Fatalf("boot: %+v", s)
	}
	if s := req.Snapshot(); s.Status != JobOK {
		t.Fatalf("request master after the boot: %+v", s)
	}
	if sys := c.System(); !sys.Master.Is(model.ConsoleHMC) || sys.MasterPending != nil {
		t.Fatalf("master after the boot %+v", sys.Master)
	}
	if got := partByName(c, "vm1"); got.State != model.StateRunning || got.UUID != p.UUID {
		t.Fatalf("vm1 %s", got.State)
	}
}

func TestCoManagementForcedInterrupts(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	_, boot := startBoot(t, c, "vm1")
	clk.Advance(10 * time.Millisecond)
	if s := requestMaster(t, c, hmcActor(c), "keep").Snapshot(); s.Status != JobOK {
		t.Fatalf("forced request: %+v", s)
	}
	if !c.System().Master.Is(model.ConsoleHMC) {
		t.Fatal("the HMC is not master after forcing")
	}
	s := boot.Snapshot()
	if s.Status != JobError || !strings.Contains(s.Message, "took over as PowerVM management master") {
		t.Fatalf("interrupted boot: %+v", s)
	}
	// The partition is off, not half started, and stays so.
	for i := 0; i < 20; i++ {
		clk.Advance(50 * time.Millisecond)
	}
	if got := partByName(c, "vm1"); got.State != model.StateNotActivated || got.CurMem != 0 {
		t.Fatalf("vm1 after the forced takeover: %s mem %d", got.State, got.CurMem)
	}
	checkAccounting(t, c)
	// NovaLink takes it back (pvmctl sys set-master).
	if s := requestMaster(t, c, admin, "norm").Snapshot(); s.Status != JobOK || !c.System().Master.Is(model.ConsoleNovaLink) {
		t.Fatalf("set-master: %+v", s)
	}
}

func firmwareJob(c *Core, a Actor, image string) (*Job, error) {
	return c.StartJob(a, JobRequest{Group: "ManagedSystem", Operation: "UpdateFirmware", TargetUUID: c.System().UUID,
		Params: []Param{{Name: "image", Value: image}}})
}

func runJob(t *testing.T, clk *sim.FakeClock, j *Job) JobView {
	t.Helper()
	for i := 0; i < 200 && j.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	return j.Snapshot()
}

func TestFirmwareUpdate(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	for _, bad := range []string{"", "level=SV860_180", "FIRMWARE_IMAGE\nlevel=latest", "FIRMWARE_IMAGE\nlevel=SV860_180\ncolor=blue"} {
		_, err := firmwareJob(c, admin, bad)
		wantKind(t, err, model.KindInvalid, "firmware image is not valid")
	}
	_, err := firmwareJob(c, admin, "FIRMWARE_IMAGE\nlevel=SV860_180\nmachine_types=9009 9040")
	if err != nil {
		t.Fatal(err)
	}
	// A client partition that is running, without auto start, stays off.
	p, boot := startBoot(t, c, "vm1")
	if s := runJob(t, clk, boot); s.Status != JobOK {
		t.Fatalf("boot %+v", s)
	}
	wrongType, _ := firmwareJob(c, admin, "FIRMWARE_IMAGE\nlevel=SV860_180\nmachine_types=9009 9040")
	if s := wrongType.Snapshot(); s.Status != JobError || !strings.Contains(s.Message, "machine types") {
		t.Fatalf("image for other machines: %+v", s)
	}
	job, err := firmwareJob(c, admin, "# test image\nFIRMWARE_IMAGE\nlevel=SV860_180\nmachine_types=8247 8286\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := partByName(c, "vios1"); got.State != model.StateShuttingDown {
		t.Fatalf("vios1 during the update: %s", got.State)
	}
	s := runJob(t, clk, job)
	if s.Status != JobOK || c.System().FirmwareLevel != "SV860_180" || c.System().State != model.SystemOperating {
		t.Fatalf("update: %+v level %s", s, c.System().FirmwareLevel)
	}
	if len(s.Progress) < 3 {
		t.Fatalf("progress messages: %v", s.Progress)
	}
	for i := 0; i < 100; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	for _, name := range []string{"novalink", "vios1", "vios2"} {
		if got := partByName(c, name); got.State != model.StateRunning {
			t.Fatalf("%s after the update: %s", name, got.State)
		}
	}
	if got := partByName(c, p.Name); got.State != model.StateNotActivated {
		t.Fatalf("vm1 after the update: %s", got.State)
	}
	checkAccounting(t, c)

	// Co-managed: NovaLink may not; the HMC may, as master only.
	hmc := hmcActor(c)
	requestMaster(t, c, hmc, "norm")
	releaseMaster(t, c, hmc)
	j, _ := firmwareJob(c, admin, "FIRMWARE_IMAGE\nlevel=SV860_190")
	if s := j.Snapshot(); s.Status != JobError || !strings.Contains(s.Message, "co-managed") {
		t.Fatalf("NovaLink update on a co-managed server: %+v", s)
	}
	j, _ = firmwareJob(c, hmc, "FIRMWARE_IMAGE\nlevel=SV860_190")
	if s := j.Snapshot(); s.Status != JobError || !strings.Contains(s.Message, "only the master") {
		t.Fatalf("HMC update while not master: %+v", s)
	}
	requestMaster(t, c, hmc, "norm")
	j, _ = firmwareJob(c, hmc, "FIRMWARE_IMAGE\nlevel=SV860_190")
	if s := runJob(t, clk, j); s.Status != JobOK || c.System().FirmwareLevel != "SV860_190" {
		t.Fatalf("HMC update as master: %+v", s)
	}
}
