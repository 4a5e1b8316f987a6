package core

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

func sysJob(t *testing.T, c *Core, clk *sim.FakeClock, op string, params ...Param) JobView {
	t.Helper()
	return startAndWait(t, c, clk, JobRequest{Group: "ManagedSystem", Operation: op, TargetUUID: c.System().UUID, Params: params})
}

func resultOf(v JobView, name string) string {
	for _, p := range v.Results {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// TestQueryReservedMemory: RequiredMemory is what activating a partition
// of that size takes from the system's available memory.
func TestQueryReservedMemory(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	for _, size := range []struct{ des, max int }{{2048, 2048}, {2048, 8192}, {4096, 16384}} {
		v := sysJob(t, c, clk, "QueryReservedMemoryRequiredForPartition",
			Param{"LogicalPartitionEnvironment", "AIX/Linux"}, Param{"DesiredMemory", strconv.Itoa(size.des)},
			Param{"MaximumMemory", strconv.Itoa(size.max)}, Param{"NumberOfVirtualEthernetAdapter", "2"})
		if v.Status != JobOK {
			t.Fatalf("query: %+v", v)
		}
		required, _ := strconv.Atoi(resultOf(v, "RequiredMemory"))
		before, _ := strconv.Atoi(resultOf(v, "CurrentAvailableSystemMemory"))
		p := newClient(c, "q"+strconv.Itoa(size.max), size.des, 50)
		p.MaxMem = size.max
		n, err := c.CreatePartition(admin, p)
		if err != nil {
			t.Fatal(err)
		}
		if s := startAndWait(t, c, clk, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: n.UUID}); s.Status != JobOK {
			t.Fatal(s)
		}
		var after int
		c.Read(func(st *model.State) { after = st.System.AvailableMemory(st.Accounting()) })
		if before-after != required {
			t.Errorf("%d/%d MB: RequiredMemory %d, but activating it took %d MB", size.des, size.max, required, before-after)
		}
	}
	for _, bad := range [][]Param{
		{{"DesiredMemory", "lots"}},
		{{"DesiredMemory", "4096"}, {"MaximumMemory", "1024"}},
		{{"LogicalPartitionEnvironment", "Windows"}},
	} {
		if _, err := c.StartJob(admin, JobRequest{Group: "ManagedSystem", Operation: "QueryReservedMemoryRequiredForPartition", TargetUUID: c.System().UUID, Params: bad}); model.KindOf(err) != model.KindInvalid {
			t.Errorf("%v: %v, want a bad request", bad, err)
		}
	}
	// A reader may ask.
	viewer := Actor{User: "v", Role: RoleViewer}
	if _, err := c.StartJob(viewer, JobRequest{Group: "ManagedSystem", Operation: "GetDPOStatus", TargetUUID: c.System().UUID}); err != nil {
		t.Errorf("GetDPOStatus by a viewer: %v", err)
	}
}

// TestGetDPOStatus: the result lists every partition with its affinity
// score, as pypowervm's tasks.dpo reads it.
func TestGetDPOStatus(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	v := sysJob(t, c, clk, "GetDPOStatus")
	var got []map[string]string
	if err := json.Unmarshal([]byte(resultOf(v, "result")), &got); err != nil {
		t.Fatalf("result %q: %v", resultOf(v, "result"), err)
	}
	if len(got) != 6 || got[1]["LPAR_NAME"] != "vios1" || got[1]["CURRENT_AFFINITY_SCORE"] != "100" || got[3]["CURRENT_AFFINITY_SCORE"] != "0" {
		t.Fatalf("DPO status %v", got)
	}
}

// TestVirtualSerialNumbers: AddVSN adds, a partition takes one (by
// name or "auto"), RemoveVSN refuses one in use, TransferVSN has nowhere
// to go.
func TestVirtualSerialNumbers(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	for _, v := range []string{"ZCE0HF0", "wxyzhf0"} {
		if s := sysJob(t, c, clk, "AddVSN", Param{"VirtualSerialNumber", v}); s.Status != JobOK {
			t.Fatalf("AddVSN %s: %+v", v, s)
		}
	}
	if s := sysJob(t, c, clk, "AddVSN", Param{"VirtualSerialNumber", "ZCE0HF0"}); s.Status != JobError {
		t.Fatal("a serial number added twice")
	}
	if _, err := c.StartJob(admin, JobRequest{Group: "ManagedSystem", Operation: "AddVSN", TargetUUID: c.System().UUID,
		Params: []Param{{"VirtualSerialNumber", "TOO-LONG-1"}}}); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("bad serial: %v", err)
	}
	p := newClient(c, "vsn1", 1024, 50)
	p.VSN = "auto"
	n, err := c.CreatePartition(admin, p)
	if err != nil || n.VSN != "WXYZHF0" {
		t.Fatalf("auto VSN: %v %q", err, n.VSN)
	}
	q := newClient(c, "vsn2", 1024, 50)
	q.VSN = "WXYZHF0"
	if _, err := c.CreatePartition(admin, q); model.KindOf(err) != model.KindRefused {
		t.Fatalf("a serial number given twice: %v", err)
	}
	q.VSN = "ABCDEF1"
	if _, err := c.CreatePartition(admin, q); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("a serial number the system lacks: %v", err)
	}
	if s := sysJob(t, c, clk, "RemoveVSN", Param{"VirtualSerialNumber", "WXYZHF0"}); s.Status != JobError {
		t.Fatal("a serial number in use removed")
	}
	if s := sysJob(t, c, clk, "TransferVSN", Param{"VirtualSerialNumber", "ZCE0HF0"}, Param{"TargetManagedSystem", "other"}); s.Status != JobError {
		t.Fatal("transferred to nowhere")
	}
	if err := c.DeletePartition(admin, n.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if s := sysJob(t, c, clk, "RemoveVSN", Param{"VirtualSerialNumber", "WXYZHF0"}); s.Status != JobOK {
		t.Fatalf("RemoveVSN of a free serial number: %+v", s)
	}
	c.Read(func(st *model.State) {
		if st.Count(model.KindVSN) != 1 {
			t.Errorf("%d serial numbers left, want 1", st.Count(model.KindVSN))
		}
	})
}

// TestCloneUUID: the original partition goes, the surrogate takes its
// UUID with its adapters.
func TestCloneUUID(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	orig, err := c.CreatePartition(admin, newClient(c, "orig", 1024, 50))
	if err != nil {
		t.Fatal(err)
	}
	sur, err := c.CreatePartition(admin, newClient(c, "surrogate", 1024, 50))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.CreateAdapter(admin, sur.UUID, &model.EthernetAdapter{PVID: model.MgmtVLAN, SwitchID: 1}, SlotNext)
	if err != nil {
		t.Fatal(err)
	}
	req := func(target, name string) JobRequest {
		return JobRequest{Group: "LogicalPartition", Operation: "CloneUUID", TargetUUID: target, Params: []Param{{"targetLparName", name}}}
	}
	if s := startAndWait(t, c, clk, req(orig.UUID, "nobody")); s.Status != JobError {
		t.Fatal("CloneUUID to a partition that does not exist")
	}
	if s := startAndWait(t, c, clk, req(orig.UUID, "surrogate")); s.Status != JobOK {
		t.Fatalf("CloneUUID: %+v", s)
	}
	c.Read(func(st *model.State) {
		if st.PartitionByName("orig") != nil || st.Partition(sur.UUID) != nil {
			t.Fatal("the original or the surrogate's old UUID is still there")
		}
		p := st.Partition(orig.UUID)
		if p == nil || p.Name != "surrogate" || p.ID != sur.ID {
			t.Fatalf("under the original UUID: %+v", p)
		}
		if ad := st.Adapters[a.UUID]; ad == nil || ad.Partition != orig.UUID {
			t.Fatal("the surrogate's adapter did not follow it")
		}
	})
}

// TestRequestController: controller mode is master mode under its later
// name (coManagementControllerStatus).
func TestRequestController(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	defer c.Close()
	hmc := Actor{User: "hscroot", Role: RoleHMC}
	job, err := c.StartJob(hmc, JobRequest{Group: "ManagedSystem", Operation: "RequestController", TargetUUID: c.System().UUID,
		Params: []Param{{"coManagementControllerStatus", "norm"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && job.Snapshot().Status == JobRunning; i++ {
		clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != JobOK || !c.System().Master.Is(model.ConsoleHMC) {
		t.Fatalf("RequestController: %+v, master %+v", s, c.System().Master)
	}
	job, err = c.StartJob(hmc, JobRequest{Group: "ManagedSystem", Operation: "ReleaseController", TargetUUID: c.System().UUID})
	if err != nil || job.Snapshot().Status != JobOK || c.System().Master.Is(model.ConsoleHMC) {
		t.Fatalf("ReleaseController: %v %+v", err, job.Snapshot())
	}
}
