package rest

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

const poolCT = "application/vnd.ibm.powervm.uom+xml; type=SharedProcessorPool"

// poolByName returns the entry of the pool named name.
func (f *restFixture) poolByName(t *testing.T, sys, name string) *uom.Entry {
	t.Helper()
	for _, e := range f.feedOf(t, "/rest/api/uom/ManagedSystem/"+sys+"/SharedProcessorPool") {
		if n, _ := e.Content.FindText("PoolName"); n == name {
			return e
		}
	}
	t.Fatalf("no pool %s", name)
	return nil
}

// powerOnJob starts PowerOn on a partition through the core and advances
// the clock until it ends.
func (f *restFixture) powerOnJob(t *testing.T, uuid string) core.JobView {
	t.Helper()
	job, err := f.core.StartJob(core.Actor{User: "padmin", Role: core.RoleAdmin}, core.JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: uuid})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && job.Snapshot().Status == core.JobRunning; i++ {
		f.clock.Advance(10 * time.Millisecond)
	}
	return job.Snapshot()
}

// TestSharedProcessorPools: the system has 64 pools, the default one with
// every shared-processor partition; a user pool gets a name, a maximum
// and a reserve (held from the system), partitions join it, and its
// maximum bounds what its active partitions hold.
func TestSharedProcessorPools(t *testing.T) {
	f := newRestFixture(t)
	var sys string
	f.core.Read(func(st *model.State) { sys = st.System.UUID })
	feed := "/rest/api/uom/ManagedSystem/" + sys + "/SharedProcessorPool"
	entries := f.feedOf(t, feed)
	if len(entries) != model.MaxProcPools {
		t.Fatalf("%d pools, want %d", len(entries), model.MaxProcPools)
	}
	def := entries[0].Content
	if n, _ := def.FindText("PoolName"); n != "DefaultPool" || len(def.FindAll("AssignedPartitions/link")) != 6 {
		t.Fatalf("default pool %s with %d partitions, want DefaultPool with all 6", n, len(def.FindAll("AssignedPartitions/link")))
	}
	if n, _ := entries[5].Content.FindText("PoolName"); n != "SharedPool05" {
		t.Fatalf("pool 5 is %s", n)
	}
	// The system links the 64 pools.
	se := f.entryOf(t, "/rest/api/uom/ManagedSystem/"+sys)
	if links := se.Content.FindAll("AssociatedSystemProcessorConfiguration/SharedProcessorPool/link"); len(links) != 64 ||
		!strings.HasSuffix(links[5].Attr("href"), entries[5].ID) {
		t.Fatalf("the system links %d pools", len(links))
	}
	availBefore, _ := se.Content.FindText("AssociatedSystemProcessorConfiguration/CurrentAvailableSystemProcessorUnits")

	// Configure pool 1 as "prod": maximum 1.0, reserve 0.5.
	pool1 := f.poolByName(t, sys, "SharedPool01")
	body := func(name, max, reserved string) string {
		return `<SharedProcessorPool:SharedProcessorPool xmlns:SharedProcessorPool="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
			`<CurrentReservedProcessingUnits>0.00</CurrentReservedProcessingUnits><MaximumProcessingUnits>` + max + `</MaximumProcessingUnits>` +
			`<PendingReservedProcessingUnits>` + reserved + `</PendingReservedProcessingUnits><PoolID>1</PoolID>` +
			`<AvailableProcUnits>0.00</AvailableProcUnits><PoolName>` + name + `</PoolName></SharedProcessorPool:SharedProcessorPool>`
	}
	path := feed + "/" + pool1.ID
	for _, bad := range []struct{ name, max, res, why string }{
		{"DefaultPool", "1.0", "0.5", "already used"},
		{"prod", "0.5", "1.0", "exceed its maximum"},
		{"prod", "9999", "0", "configurable"},
		{"bad|name", "1.0", "0", "not valid"},
	} {
		rec := f.do("POST", path, poolCT, body(bad.name, bad.max, bad.res), "")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), bad.why) {
			t.Errorf("pool update %+v: %d, want 400 with %q\n%s", bad, rec.Code, bad.why, rec.Body)
		}
	}
	if rec := f.do("POST", feed+"/"+entries[0].ID, poolCT, body("Other", "1.0", "0"), ""); rec.Code != 400 {
		t.Errorf("default pool renamed: %d", rec.Code)
	}
	rec := f.do("POST", path, poolCT, body("prod", "1.0", "0.5"), "", "If-Match", pool1.Etag)
	if rec.Code != 200 {
		t.Fatalf("pool update: %d %s", rec.Code, rec.Body)
	}
	prod := f.poolByName(t, sys, "prod")
	if m, _ := prod.Content.FindText("MaximumProcessingUnits"); m != "1.00" {
		t.Fatalf("maximum %s", m)
	}
	if a, _ := prod.Content.FindText("AvailableProcUnits"); a != "0.50" {
		t.Fatalf("available %s, want 0.50", a)
	}
	se = f.entryOf(t, "/rest/api/uom/ManagedSystem/"+sys)
	availAfter, _ := se.Content.FindText("AssociatedSystemProcessorConfiguration/CurrentAvailableSystemProcessorUnits")
	b, _ := model.ParseUnits(availBefore)
	a, _ := model.ParseUnits(availAfter)
	if b-a != 50 {
		t.Fatalf("system available units %s -> %s: the reserve is not held", availBefore, availAfter)
	}

	// Partitions join pool 1 (by ID, as pypowervm's builder sends it).
	join := func(name, units string) *model.Partition {
		rec := f.do("PUT", "/rest/api/uom/ManagedSystem/"+sys+"/LogicalPartition", lparCT, lparBody(name, "1024",
			`<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:HasDedicatedProcessors>false</uom:HasDedicatedProcessors>`+
				`<uom:SharedProcessorConfiguration schemaVersion="V1_0"><uom:DesiredProcessingUnits>`+units+`</uom:DesiredProcessingUnits>`+
				`<uom:DesiredVirtualProcessors>1</uom:DesiredVirtualProcessors><uom:MaximumProcessingUnits>1</uom:MaximumProcessingUnits>`+
				`<uom:MaximumVirtualProcessors>1</uom:MaximumVirtualProcessors><uom:MinimumProcessingUnits>0.05</uom:MinimumProcessingUnits>`+
				`<uom:MinimumVirtualProcessors>1</uom:MinimumVirtualProcessors><uom:SharedProcessorPoolID>1</uom:SharedProcessorPoolID>`+
				`</uom:SharedProcessorConfiguration><uom:SharingMode>uncapped</uom:SharingMode></uom:PartitionProcessorConfiguration>`), "")
		if rec.Code != 200 {
			t.Fatalf("create %s in pool 1: %d %s", name, rec.Code, rec.Body)
		}
		return f.partition(name)
	}
	p1, p2 := join("inpool1", "0.3"), join("inpool2", "0.3")
	if s := f.powerOnJob(t, p1.UUID); s.Status != core.JobOK {
		t.Fatalf("power on in the pool: %+v", s)
	}
	prod = f.poolByName(t, sys, "prod")
	if a, _ := prod.Content.FindText("AvailableProcUnits"); a != "0.20" || len(prod.Content.FindAll("AssignedPartitions/link")) != 2 {
		t.Fatalf("pool after a boot: available %s, %d partitions", a, len(prod.Content.FindAll("AssignedPartitions/link")))
	}
	if s := f.powerOnJob(t, p2.UUID); s.Status != core.JobError || !strings.Contains(s.Message, "PVME01050203") {
		t.Fatalf("power on beyond the pool's maximum: %+v", s)
	}
	// The maximum cannot drop below what is held, nor to 0 with members.
	if rec := f.do("POST", path, poolCT, body("prod", "0.6", "0.5"), ""); rec.Code != 409 {
		t.Errorf("maximum below what the pool holds: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", path, poolCT, body("prod", "0", "0"), ""); rec.Code != 409 {
		t.Errorf("unconfigured with members: %d %s", rec.Code, rec.Body)
	}
	// A partition cannot join an unconfigured pool.
	q := f.partition("lpar11")
	rec = f.do("GET", "/rest/api/uom/LogicalPartition/"+q.UUID, "", "", "")
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	e, _ := uom.ParseEntry(el)
	e.Content.Find("PartitionProcessorConfiguration/SharedProcessorConfiguration/SharedProcessorPoolID").Text = "7"
	if rec := f.do("POST", "/rest/api/uom/LogicalPartition/"+q.UUID, lparCT, string(e.Content.Bytes()), ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), "PVME01050110") {
		t.Errorf("join an unconfigured pool: %d %s", rec.Code, rec.Body)
	}
	// Search by name, quick property.
	if rec := f.do("GET", feed+"/"+prod.ID+"/quick/PoolName", "", "", ""); rec.Body.String() != `"prod"` {
		t.Errorf("quick PoolName: %s", rec.Body)
	}
}
