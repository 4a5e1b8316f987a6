package rest_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// addRule adds a fault rule through the control and returns it.
func (h *harness) addRule(body string) sim.FaultRule {
	h.t.Helper()
	resp, data := h.doH("PUT", "/rest/api/sim/Fault", "application/json", body)
	var r sim.FaultRule
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(data, &r) != nil || r.ID == "" {
		h.t.Fatalf("add rule %s: %s\n%s", body, resp.Status, data)
	}
	return r
}

// jobOf reads a JobResponse.
func jobOf(t *testing.T, data []byte) (id int64, status string, results map[string]string) {
	t.Helper()
	el, err := uom.DecodeBytes(data)
	if err != nil {
		t.Fatalf("not a job: %s", data)
	}
	idText, _ := el.FindText("content/JobResponse/JobID")
	id, _ = strconv.ParseInt(idText, 10, 64)
	status, _ = el.FindText("content/JobResponse/Status")
	results = map[string]string{}
	for _, p := range el.FindAll("content/JobResponse/Results/JobParameter") {
		n, _ := p.FindText("ParameterName")
		v, _ := p.FindText("ParameterValue")
		results[n] = v
	}
	return id, status, results
}

func (h *harness) putJob(group, uuid, op string) (*answer, []byte) {
	return h.do(http.MethodPut, "/rest/api/uom/"+group+"/"+uuid+"/do/"+op, uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest(op, group))
}

// TestSimFaultJob: a rule on the next PowerOn of a partition (by name)
// ends that job with the status, message and results asked for, powering
// nothing on; the power-on after it runs; the rule lists as done.
func TestSimFaultJob(t *testing.T) {
	h := newHarness(t)
	var lpar10 string
	h.c.Read(func(st *model.State) { lpar10 = st.PartitionByName("lpar10").UUID })
	rule := h.addRule(`{"job":"PowerOn","target":"name=lpar10","jobStatus":"COMPLETED_WITH_ERROR",
		"message":"HSCL13A4 The partition could not be activated.","results":[{"name":"errorCode","value":"13A4"}],"count":1}`)
	resp, data := h.putJob("LogicalPartition", lpar10, "PowerOn")
	_, status, results := jobOf(t, data)
	if resp.StatusCode != 200 || status != "COMPLETED_WITH_ERROR" || results["result"] != "HSCL13A4 The partition could not be activated." ||
		results["errorCode"] != "13A4" || results["returnCode"] != "1" {
		t.Fatalf("faulted PowerOn: %s %s %v\n%s", resp.Status, status, results, data)
	}
	if p := h.partition(lpar10); p.State != model.StateNotActivated {
		t.Fatalf("the faulted PowerOn changed the partition: %s", p.State)
	}
	// Another partition's power-on is not touched by the rule; lpar10's
	// next one runs.
	id := h.startPowerOn("LogicalPartition", lpar10)
	for i := 0; i < 100 && h.c.Jobs.Get(id).Snapshot().Status == core.JobRunning; i++ {
		h.clk.Advance(50 * time.Millisecond)
	}
	if s := h.c.Jobs.Get(id).Snapshot(); s.Status != core.JobOK {
		t.Fatalf("the second PowerOn: %+v", s)
	}
	got, ok := h.c.Faults().Get(rule.ID)
	if !ok || got.Matched != 1 || got.Fired != 1 || !got.Done {
		t.Fatalf("rule after use: %+v", got)
	}
}

// TestSimFaultRequests: route rules answer with their status, skip and
// count as asked, match on method, user and target, drop connections,
// and are listed, removed and cleared.
func TestSimFaultRequests(t *testing.T) {
	h := newHarness(t)
	var lpar10, lpar11 string
	h.c.Read(func(st *model.State) {
		lpar10, lpar11 = st.PartitionByName("lpar10").UUID, st.PartitionByName("lpar11").UUID
	})
	feed := "/rest/api/uom/LogicalPartition"
	h.addRule(`{"route":"/rest/api/uom/LogicalPartition","method":"GET","status":503,"message":"HSCL1234 come back later","skip":1,"count":2}`)
	want := []int{200, 503, 503, 200}
	for i, w := range want {
		resp, data := h.do("GET", feed, "", "")
		if resp.StatusCode != w {
			t.Fatalf("GET %d: %s, want %d", i, resp.Status, w)
		}
		if w == 503 {
			if st, msg := errorOf(t, data); st != "503" || msg != "HSCL1234 come back later" {
				t.Fatalf("GET %d: %s %q", i, st, msg)
			}
		}
	}
	// Target by name: only lpar11's entry; a POST is not a GET.
	r := h.addRule(`{"target":"name=lpar1?","route":"*/LogicalPartition/*","method":"GET","status":500,"message":"boom"}`)
	if resp, _ := h.do("GET", feed+"/"+lpar11, "", ""); resp.StatusCode != 500 {
		t.Fatalf("GET lpar11 under a target rule: %s", resp.Status)
	}
	h.clk.Advance(time.Millisecond)
	if resp, _ := h.do("DELETE", "/rest/api/sim/Fault/"+r.ID, "", ""); resp.StatusCode != 200 {
		t.Fatalf("remove %s: %s", r.ID, resp.Status)
	}
	if resp, _ := h.do("GET", feed+"/"+lpar11, "", ""); resp.StatusCode != 200 {
		t.Fatalf("GET lpar11 after the rule went: %s", resp.Status)
	}
	// By user: padmin's requests, not a viewer's.
	h.addRule(`{"user":"pad*","route":"*/LogicalPartition/` + lpar10 + `","status":409}`)
	if resp, _ := h.do("GET", feed+"/"+lpar10, "", ""); resp.StatusCode != 409 {
		t.Fatalf("padmin's GET under a user rule: %s", resp.Status)
	}
	if _, _, err := h.c.EnsureUser("viewer", core.RoleViewer, "pw2"); err != nil {
		t.Fatal(err)
	}
	admin := h.token
	h.token = h.logonAs("viewer", "pw2")
	if resp, _ := h.do("GET", feed+"/"+lpar10, "", ""); resp.StatusCode != 200 {
		t.Fatalf("a viewer's GET under padmin's rule: %s", resp.Status)
	}
	h.token = admin
	// A dropped connection: the client sees no answer at all (on a new
	// connection: Go's client sends an idempotent request again when a
	// kept-alive one drops).
	h.addRule(`{"route":"/rest/api/uom/ManagedSystem","drop":true,"count":1}`)
	req, _ := http.NewRequest("GET", h.ts.URL+"/rest/api/uom/ManagedSystem", nil)
	req.Header.Set("X-API-Session", h.token)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped request got an answer: %s", resp.Status)
	}
	if resp, _ := h.do("GET", "/rest/api/uom/ManagedSystem", "", ""); resp.StatusCode != 200 {
		t.Fatalf("GET after the drop: %s", resp.Status)
	}
	// The list shows every rule with its counters; clear removes them all.
	resp, data := h.doH("GET", "/rest/api/sim/Fault", "", "")
	var list struct{ Rules []sim.FaultRule }
	if resp.StatusCode != 200 || json.Unmarshal(data, &list) != nil || len(list.Rules) != 3 || list.Rules[0].Fired != 2 || !list.Rules[0].Done || list.Rules[0].Matched != 3 {
		t.Fatalf("list: %s\n%s", resp.Status, data)
	}
	if resp, data := h.doH("DELETE", "/rest/api/sim/Fault", "", ""); resp.StatusCode != 200 || h.c.Faults().Active() {
		t.Fatalf("clear: %s\n%s", resp.Status, data)
	}
}

// TestSimFaultDelays: a delay rule holds requests on the simulated clock;
// a job rule's delay is how long the job takes ("every PowerOff takes 30 s
// of simulated time"): the partition shuts down over those 30 s.
func TestSimFaultDelays(t *testing.T) {
	h := newHarness(t)
	var lpar10 string
	h.c.Read(func(st *model.State) { lpar10 = st.PartitionByName("lpar10").UUID })
	h.settle(h.startPowerOn("LogicalPartition", lpar10), lpar10)

	h.addRule(`{"route":"/rest/api/uom/ManagedSystem","delay":"2s","count":1}`)
	done := make(chan int, 1)
	go func() {
		resp, _ := h.do("GET", "/rest/api/uom/ManagedSystem", "", "")
		done <- resp.StatusCode
	}()
	waitTimers(t, h.clk)
	select {
	case st := <-done:
		t.Fatalf("a delayed request answered before its time: %d", st)
	case <-time.After(50 * time.Millisecond):
	}
	h.clk.Advance(2 * time.Second)
	if st := <-done; st != 200 {
		t.Fatalf("the delayed request: %d", st)
	}

	h.addRule(`{"job":"PowerOff","delay":"30s"}`)
	resp, data := h.putJob("LogicalPartition", lpar10, "PowerOff")
	id, status, _ := jobOf(t, data)
	if resp.StatusCode != 200 || status != "RUNNING" {
		t.Fatalf("PowerOff: %s %s\n%s", resp.Status, status, data)
	}
	h.clk.Advance(29 * time.Second)
	if p, s := h.partition(lpar10), h.c.Jobs.Get(id).Snapshot(); p.State != model.StateShuttingDown || s.Status != core.JobRunning {
		t.Fatalf("after 29 s: partition %s, job %s", p.State, s.Status)
	}
	h.clk.Advance(time.Second)
	if p, s := h.partition(lpar10), h.c.Jobs.Get(id).Snapshot(); p.State != model.StateNotActivated || s.Status != core.JobOK {
		t.Fatalf("after 30 s: partition %s, job %s", p.State, s.Status)
	}
}

// waitTimers waits until something waits on the fake clock.
func waitTimers(t *testing.T, clk *sim.FakeClock) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if clk.Pending() > 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("nothing waits on the clock")
}

// TestSimFaultSeed: a rule's probability draws are the same under the
// same seed, whatever else runs; another seed draws otherwise.
func TestSimFaultSeed(t *testing.T) {
	run := func(seed uint64) string {
		c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: sim.NewFakeClock(epoch),
			Timing: sim.Profiles["fast"], Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
		if _, err := c.Faults().Add(admin, sim.FaultRule{Route: "/x", Status: 500, Probability: 0.5}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := 0; i < 64; i++ {
			if c.Faults().Check(&core.FaultRequest{Method: "GET", Path: "/x"}).Acts() {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		return b.String()
	}
	a, b, other := run(42), run(42), run(43)
	if a != b {
		t.Errorf("same seed, different draws:\n%s\n%s", a, b)
	}
	if a == other {
		t.Errorf("seeds 42 and 43 drew the same: %s", a)
	}
	if n := strings.Count(a, "1"); n < 16 || n > 48 {
		t.Errorf("probability 0.5 acted %d times in 64", n)
	}
}

// TestSimFaultBadInput: malformed rules are refused with a clear message
// (unknown jobs with the list of known ones) and add nothing; a rule may
// name a partition that does not exist yet; viewers get 403.
func TestSimFaultBadInput(t *testing.T) {
	h := newHarness(t)
	cases := []struct{ name, body, msg string }{
		{"not JSON", `{"status":`, "not valid JSON"},
		{"unknown field", `{"status":500,"colour":"red"}`, "colour"},
		{"unknown job", `{"job":"PowerUp","jobStatus":"COMPLETED_WITH_ERROR"}`, "there is no job \"PowerUp\"; the jobs are: "},
		{"bad job status", `{"job":"PowerOn","jobStatus":"BROKEN"}`, "COMPLETED_WITH_WARNINGS"},
		{"job status without job", `{"jobStatus":"COMPLETED_WITH_ERROR"}`, "needs the job"},
		{"status 200", `{"status":200}`, "not an error status"},
		{"does nothing", `{"route":"/x"}`, "does nothing"},
		{"drop and status", `{"status":500,"drop":true}`, "not both"},
		{"bad method", `{"method":"BREW","status":500}`, "BREW"},
		{"bad route", `{"route":"rest/api","status":500}`, "starts with / or *"},
		{"bad target", `{"target":"colour=red","status":500}`, "name=GLOB or uuid=GLOB"},
		{"bad probability", `{"status":500,"probability":1.5}`, "between 0 and 1"},
		{"negative count", `{"status":500,"count":-1}`, "not negative"},
		{"bad delay", `{"delay":"soon"}`, "not a duration"},
		{"jitter alone", `{"jitter":"1s","status":500}`, "give the delay too"},
		{"results without status", `{"job":"PowerOn","delay":"1s","results":[{"name":"a","value":"b"}]}`, "need a job status"},
		{"phase without a job with phases", `{"job":"PowerOn","phase":"copy","jobStatus":"COMPLETED_WITH_ERROR"}`, "a phase of a job that has phases (job Migrate or MigrateValidate)"},
		{"phase without a job", `{"phase":"copy","delay":"1s"}`, "a phase of a job that has phases"},
		{"unknown phase", `{"job":"Migrate","phase":"teleport","delay":"1s"}`, "the job Migrate has no phase \"teleport\"; its phases are: validate, start, copy, switch, complete."},
		{"phase of validate", `{"job":"MigrateValidate","phase":"copy","delay":"1s"}`, "its phases are: validate."},
		{"phase with a status", `{"job":"Migrate","phase":"copy","status":503}`, "not on a request"},
		{"phase with a route", `{"job":"Migrate","phase":"copy","route":"/x","delay":"1s"}`, "not on a request"},
		{"phase succeeding", `{"job":"Migrate","phase":"copy","jobStatus":"COMPLETED_WITH_WARNINGS"}`, "does neither"},
		{"phase failing and held", `{"job":"Migrate","phase":"copy","jobStatus":"COMPLETED_WITH_ERROR","delay":"1s"}`, "not both"},
	}
	for _, c := range cases {
		resp, data := h.doH("PUT", "/rest/api/sim/Fault", "application/json", c.body)
		st, msg := errorOf(t, data)
		if resp.StatusCode != 400 || st != "400" || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %s %q, want 400 with %q", c.name, resp.Status, msg, c.msg)
		}
	}
	if strings.Contains(mustList(t, h), `"id"`) {
		t.Fatalf("refused rules were added: %s", mustList(t, h))
	}
	if resp, data := h.doH("PUT", "/rest/api/sim/Fault", "application/json", `{"target":"name=vm-not-yet","status":500}`); resp.StatusCode != 201 {
		t.Fatalf("a rule on a partition that does not exist yet: %s\n%s", resp.Status, data)
	}
	for _, p := range []string{"/rest/api/sim/Fault/f99"} {
		if resp, _ := h.doH("GET", p, "", ""); resp.StatusCode != 404 {
			t.Errorf("GET %s: %s", p, resp.Status)
		}
		if resp, _ := h.doH("DELETE", p, "", ""); resp.StatusCode != 404 {
			t.Errorf("DELETE %s: %s", p, resp.Status)
		}
	}
	if _, _, err := h.c.EnsureUser("viewer", core.RoleViewer, "pw2"); err != nil {
		t.Fatal(err)
	}
	h.token = h.logonAs("viewer", "pw2")
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if resp, _ := h.doH(m, "/rest/api/sim/Fault", "application/json", `{"status":500}`); resp.StatusCode != 403 {
			t.Errorf("%s as a viewer: %s", m, resp.Status)
		}
	}
}

func mustList(t *testing.T, h *harness) string {
	_, data := h.doH("GET", "/rest/api/sim/Fault", "", "")
	return string(data)
}

// TestSimFaultPersist: a rule asked to persist survives a restart of the
// core (with its counters); the others do not.
func TestSimFaultPersist(t *testing.T) {
	dir := t.TempDir()
	open := func() *core.Core {
		c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: sim.NewFakeClock(epoch),
			Timing: sim.Profiles["fast"], Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	c := open()
	kept, err := c.Faults().Add(admin, sim.FaultRule{Route: "/x", Status: 500, Count: 3, Persist: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Faults().Add(admin, sim.FaultRule{Route: "/y", Status: 500}); err != nil {
		t.Fatal(err)
	}
	c.Faults().Check(&core.FaultRequest{Method: "GET", Path: "/x"})
	c.Close()
	c = open()
	defer c.Close()
	rules := c.Faults().List()
	if len(rules) != 1 || rules[0].ID != kept.ID || rules[0].Fired != 1 || rules[0].Route != "/x" {
		t.Fatalf("after a restart: %+v", rules)
	}
	// New rules do not reuse the kept rule's ID.
	n, err := c.Faults().Add(admin, sim.FaultRule{Route: "/z", Status: 500})
	if err != nil || n.ID == kept.ID {
		t.Fatalf("a new rule after the restart: %+v %v", n, err)
	}
	srv := rest.New(c, rest.Config{SessionDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	defer ts.Close()
}
