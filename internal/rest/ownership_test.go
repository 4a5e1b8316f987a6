package rest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

func jobReq(op, group string, params ...string) string {
	b := `<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<RequestedOperation schemaVersion="V1_0"><Metadata><Atom/></Metadata><OperationName>` + op + `</OperationName><GroupName>` + group + `</GroupName></RequestedOperation>` +
		`<JobParameters schemaVersion="V1_0"><Metadata><Atom/></Metadata>`
	for i := 0; i+1 < len(params); i += 2 {
		b += `<JobParameter schemaVersion="V1_0"><Metadata><Atom/></Metadata><ParameterName>` + params[i] + `</ParameterName><ParameterValue>` +
			uom.EscapeString(params[i+1]) + `</ParameterValue></JobParameter>`
	}
	return b + `</JobParameters></JobRequest:JobRequest>`
}

// startJob starts a job as token and returns its ID.
func (f *restFixture) startJob(t *testing.T, token, objPath, op, group string, params ...string) string {
	t.Helper()
	rec := f.do("PUT", objPath+"/do/"+op, uom.MediaType("web", "JobRequest"), jobReq(op, group, params...), token)
	if rec.Code != http.StatusOK {
		t.Fatalf("start %s: %d\n%s", op, rec.Code, rec.Body)
	}
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := el.FindText("content/JobResponse/JobID")
	return id
}

func (f *restFixture) jobStatus(t *testing.T, token, id string) (status, message string) {
	t.Helper()
	rec := f.do("GET", "/rest/api/uom/jobs/"+id, "", "", token)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET job %s: %d\n%s", id, rec.Code, rec.Body)
	}
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	status, _ = el.FindText("content/JobResponse/Status")
	message, _ = el.FindText("content/JobResponse/ResponseException/Message")
	return status, message
}

// TestJobsBelongToTheirUser: a viewer can neither see, cancel nor delete
// an administrator's job, nor start one that changes things; the owner
// and administrators act on their jobs.
func TestJobsBelongToTheirUser(t *testing.T) {
	f := newRestFixture(t)
	viewer := f.logon(t, "viewer", "pw")
	lpar := "/rest/api/uom/LogicalPartition/" + f.partition("lpar10").UUID
	id := f.startJob(t, "", lpar, "PowerOn", "LogicalPartition")
	for _, c := range []struct{ method, path string }{
		{"GET", "/rest/api/uom/jobs/" + id},
		{"POST", "/rest/api/uom/jobs/" + id + "/cancel"},
		{"PUT", "/rest/api/uom/jobs/" + id + "/cancel"},
		{"DELETE", "/rest/api/uom/jobs/" + id},
	} {
		rec := f.do(c.method, c.path, "", "", viewer)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s by a viewer: %d, want 403\n%s", c.method, c.path, rec.Code, rec.Body)
			continue
		}
		if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, "belongs to user padmin") {
			t.Errorf("%s %s by a viewer: %q", c.method, c.path, msg)
		}
	}
	if st, _ := f.jobStatus(t, "", id); st != "RUNNING" {
		t.Errorf("the admin's job after the viewer's tries: %s", st)
	}
	if p := f.partition("lpar10"); p.State != model.StateStarting {
		t.Errorf("lpar10 is %s", p.State)
	}
	// A viewer may not start an operation that changes things: no job.
	before, _, _ := f.core.Jobs.Stats()
	rec := f.do("PUT", lpar+"/do/PowerOff", uom.MediaType("web", "JobRequest"), jobReq("PowerOff", "LogicalPartition"), viewer)
	if after, _, _ := f.core.Jobs.Stats(); rec.Code != http.StatusConflict || after != before {
		t.Errorf("a viewer's PowerOff: %d, jobs %d -> %d\n%s", rec.Code, before, after, rec.Body)
	}
	// A viewer's own job (a listing) is theirs, and the admin's too.
	sys := "/rest/api/uom/ManagedSystem/" + f.core.System().UUID
	vid := f.startJob(t, viewer, sys, "ListBackups", "ManagedSystem")
	if st, _ := f.jobStatus(t, viewer, vid); st != "COMPLETED_OK" {
		t.Errorf("the viewer's own job: %s", st)
	}
	if st, _ := f.jobStatus(t, "", vid); st != "COMPLETED_OK" {
		t.Errorf("the viewer's job read by the admin: %s", st)
	}
	if rec := f.do("DELETE", "/rest/api/uom/jobs/"+vid, "", "", viewer); rec.Code != http.StatusNoContent {
		t.Errorf("the viewer deletes its job: %d", rec.Code)
	}
}

// TestCancelStopsOrSaysWhy: cancelling a power-on that is under way stops
// it (the partition is left off, and stays off: the rest of the boot does
// not happen) and the job says so; a power-off cannot be stopped: the
// cancel is refused, the job goes on to its end and notes the refusal.
func TestCancelStopsOrSaysWhy(t *testing.T) {
	f := newRestFixture(t)
	lp10 := f.partition("lpar10")
	id := f.startJob(t, "", "/rest/api/uom/LogicalPartition/"+lp10.UUID, "PowerOn", "LogicalPartition")
	f.clock.Advance(10 * time.Millisecond)
	if p := f.partition("lpar10"); p.State != model.StateStarting {
		t.Fatalf("lpar10 is %s before the cancel", p.State)
	}
	if rec := f.do("POST", "/rest/api/uom/jobs/"+id+"/cancel", "", "", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("cancel of a power-on: %d\n%s", rec.Code, rec.Body)
	}
	st, msg := f.jobStatus(t, "", id)
	if st != "COMPLETED_WITH_ERROR" || !strings.Contains(msg, "was stopped and the partition left powered off") {
		t.Errorf("the cancelled power-on job: %s %q", st, msg)
	}
	f.clock.Advance(time.Hour)
	if p := f.partition("lpar10"); p.State != model.StateNotActivated {
		t.Errorf("after the cancel and an hour, lpar10 is %s: the power-on carried on", p.State)
	}
	if rec := f.do("POST", "/rest/api/uom/jobs/"+id+"/cancel", "", "", ""); rec.Code != http.StatusConflict {
		t.Errorf("cancel of an ended job: %d", rec.Code)
	}

	// A power-off cannot be stopped.
	vios2 := f.partition("vios2")
	oid := f.startJob(t, "", "/rest/api/uom/VirtualIOServer/"+vios2.UUID, "PowerOff", "VirtualIOServer", "operation", "shutdown")
	rec := f.do("PUT", "/rest/api/uom/jobs/"+oid+"/cancel", "", "", "")
	if rec.Code != http.StatusConflict {
		t.Fatalf("cancel of a power-off: %d\n%s", rec.Code, rec.Body)
	}
	if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, "cannot be stopped") {
		t.Errorf("cancel of a power-off: %q", msg)
	}
	f.clock.Advance(time.Hour)
	if st, _ := f.jobStatus(t, "", oid); st != "COMPLETED_OK" {
		t.Errorf("the power-off after a refused cancel: %s", st)
	}
	recJ := f.do("GET", "/rest/api/uom/jobs/"+oid, "", "", "")
	if !strings.Contains(recJ.Body.String(), "A cancel requested by padmin was refused") {
		t.Errorf("the job does not note the refused cancel:\n%s", recJ.Body)
	}
}

// TestCustomEventsAndJobParametersBounded: a viewer may not send custom
// events; an administrator's are bounded in size; a job parameter of
// megabytes is refused and leaves no job behind.
func TestCustomEventsAndJobParametersBounded(t *testing.T) {
	f := newRestFixture(t)
	viewer := f.logon(t, "viewer", "pw")
	evCT := uom.MediaType(uom.ServiceUOM, "Event")
	ev := func(data string) string {
		return `<Event xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><EventType>CUSTOM_CLIENT_EVENT</EventType><EventData>` +
			data + `</EventData><EventDetail>d</EventDetail></Event>`
	}
	if rec := f.do("PUT", "/rest/api/uom/Event", evCT, ev("x"), viewer); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "pvm_admin") {
		t.Errorf("a viewer's custom event: %d\n%s", rec.Code, rec.Body)
	}
	if rec := f.do("PUT", "/rest/api/uom/Event", evCT, ev("x"), ""); rec.Code != http.StatusOK {
		t.Errorf("an admin's custom event: %d\n%s", rec.Code, rec.Body)
	}
	if rec := f.do("PUT", "/rest/api/uom/Event", evCT, ev(strings.Repeat("x", 9000)), ""); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 9 KB custom event: %d", rec.Code)
	}
	lpar := "/rest/api/uom/LogicalPartition/" + f.partition("lpar10").UUID
	before, _, _ := f.core.Jobs.Stats()
	rec := f.do("PUT", lpar+"/do/PowerOn", uom.MediaType("web", "JobRequest"),
		jobReq("PowerOn", "LogicalPartition", "bootmode", strings.Repeat("n", 3<<20)), "")
	if after, _, _ := f.core.Jobs.Stats(); rec.Code != http.StatusRequestEntityTooLarge || after != before {
		t.Errorf("a 3 MB job parameter: %d, jobs %d -> %d", rec.Code, before, after)
	}
}
