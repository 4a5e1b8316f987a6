package rest_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// collectPartitionAPI gives the server what the partition and system API
// of the real clients shows (a running IBM i partition with its tagged
// I/O, a configured shared processor pool with a member) and renders it.
func collectPartitionAPI(h *harness, collect func(path string)) {
	t := h.t
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	sys := "/rest/api/uom/ManagedSystem/" + h.systemUUID()
	one, half := model.Units(100), model.Units(50)
	if _, err := h.c.UpdateProcPool(admin, 1, core.ProcPoolWant{MaxUnits: &one, Reserved: &half}); err != nil {
		t.Fatal(err)
	}
	ibmi := h.c.NewPartitionTemplate(model.TypeOS400)
	ibmi.UUID, ibmi.Name = "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3004", "ibmi-run"
	ibmi.MinMem, ibmi.DesMem, ibmi.MaxMem = 1024, 2048, 4096
	ibmi.MinUnits, ibmi.DesUnits, ibmi.MaxUnits = 10, 20, 50
	ibmi.PoolID = 1
	ibmi.TaggedIO.LoadSource = "2"
	for _, v := range []string{"ZCE0HF0", "WXYZHF0"} {
		j, err := h.c.StartJob(admin, core.JobRequest{Group: "ManagedSystem", Operation: "AddVSN", TargetUUID: h.systemUUID(),
			Params: []core.Param{{Name: "VirtualSerialNumber", Value: v}}})
		if err != nil || j.Snapshot().Status != core.JobOK {
			t.Fatalf("AddVSN %s: %v %+v", v, err, j.Snapshot())
		}
	}
	ibmi.VSN = "ZCE0HF0"
	p, err := h.c.CreatePartition(admin, ibmi)
	if err != nil {
		t.Fatal(err)
	}
	collect("/rest/api/uom/LogicalPartition/" + p.UUID)
	job, err := h.c.StartJob(admin, core.JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && job.Snapshot().Status == core.JobRunning; i++ {
		h.clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != core.JobOK {
		t.Fatalf("IBM i power on: %+v", s)
	}
	collect("/rest/api/uom/LogicalPartition/" + p.UUID + "?group=NVRAM")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.SetAuthorizedKeys(admin, "", []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sk))) + " pvc@test"}); err != nil {
		t.Fatal(err)
	}
	collect("/rest/api/uom/ManagementConsole")
	collect(sys + "/SharedProcessorPool")
	collect(sys + "/VirtualSerialNumberInformation")

	// The storage client adapters of the partitions and the VIOSes' SCSI
	// buses (collectStorage mapped storage to some).
	var parts []*model.Partition
	h.c.Read(func(st *model.State) { parts = st.SortedPartitions(nil) })
	n := 0
	for _, p := range parts {
		feeds := []string{"/rest/api/uom/LogicalPartition/" + p.UUID + "/VirtualSCSIClientAdapter",
			"/rest/api/uom/LogicalPartition/" + p.UUID + "/VirtualFibreChannelClientAdapter"}
		if p.IsVIOS() {
			feeds = []string{"/rest/api/uom/VirtualIOServer/" + p.UUID + "/VirtualSCSIBus"}
		}
		for _, f := range feeds {
			if resp, _ := h.do(http.MethodGet, f, "", ""); resp.StatusCode == http.StatusOK {
				collect(f)
				n++
			}
		}
	}
	if n < 3 {
		t.Fatalf("only %d client adapter and bus feeds had entries", n)
	}
}
