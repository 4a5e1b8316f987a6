package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

const (
	pathMS   = "/rest/api/uom/ManagedSystem"
	pathLPAR = "/rest/api/uom/LogicalPartition"
)

// pvmUUID returns a random upper-case UUID the way pypowervm makes
// partition UUIDs (convert_uuid_to_pvm: the first digit is below 8).
func pvmUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[0] &= 0x7f
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// lparBody is the shared_lpar create body of pypowervm's LPARBuilder
// (fixtures/pypowervm/lpar_builder.txt) with a client-chosen UUID in
// Metadata/Atom/AtomID (empty: none), name and memory.
func lparBody(id, name string, minMem, desMem, maxMem int) []byte {
	atom := "<uom:Atom/>"
	if id != "" {
		atom = "<uom:Atom><uom:AtomID>" + id + "</uom:AtomID></uom:Atom>"
	}
	return []byte(`<uom:LogicalPartition xmlns:uom="` + uom.NSUOM + `" schemaVersion="V1_0"><uom:Metadata>` + atom + `</uom:Metadata>
<uom:AllowPerformanceDataCollection>false</uom:AllowPerformanceDataCollection>
<uom:AvailabilityPriority>127</uom:AvailabilityPriority>
<uom:PartitionIOConfiguration schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata><uom:MaximumVirtualIOSlots>2000</uom:MaximumVirtualIOSlots></uom:PartitionIOConfiguration>
<uom:PartitionMemoryConfiguration schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata><uom:DesiredMemory>` + strconv.Itoa(desMem) + `</uom:DesiredMemory><uom:MaximumMemory>` + strconv.Itoa(maxMem) + `</uom:MaximumMemory><uom:MinimumMemory>` + strconv.Itoa(minMem) + `</uom:MinimumMemory></uom:PartitionMemoryConfiguration>
<uom:PartitionName>` + uom.EscapeString(name) + `</uom:PartitionName>
<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata><uom:HasDedicatedProcessors>false</uom:HasDedicatedProcessors>
<uom:SharedProcessorConfiguration schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata><uom:DesiredProcessingUnits>0.50</uom:DesiredProcessingUnits><uom:DesiredVirtualProcessors>1</uom:DesiredVirtualProcessors><uom:MaximumProcessingUnits>0.50</uom:MaximumProcessingUnits><uom:MaximumVirtualProcessors>1</uom:MaximumVirtualProcessors><uom:MinimumProcessingUnits>0.50</uom:MinimumProcessingUnits><uom:MinimumVirtualProcessors>1</uom:MinimumVirtualProcessors><uom:SharedProcessorPoolID>0</uom:SharedProcessorPoolID><uom:UncappedWeight>64</uom:UncappedWeight></uom:SharedProcessorConfiguration>
<uom:SharingMode>uncapped</uom:SharingMode></uom:PartitionProcessorConfiguration>
<uom:PartitionType>AIX/Linux</uom:PartitionType>
<uom:PendingProcessorCompatibilityMode>default</uom:PendingProcessorCompatibilityMode>
<uom:SimplifiedRemoteRestartCapable ksv="V1_2_0">false</uom:SimplifiedRemoteRestartCapable>
<uom:KvmCapable ksv="V1_14_0">false</uom:KvmCapable>
</uom:LogicalPartition>`)
}

// lparUpdateBody is a partial update (only the elements that change), as
// a client that builds the body itself sends it.
func lparUpdateBody(name string, desMem, maxMem int) []byte {
	return []byte(`<LogicalPartition xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<PartitionMemoryConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata><DesiredMemory>` + strconv.Itoa(desMem) +
		`</DesiredMemory><MaximumMemory>` + strconv.Itoa(maxMem) + `</MaximumMemory></PartitionMemoryConfiguration>` +
		`<PartitionName>` + uom.EscapeString(name) + `</PartitionName></LogicalPartition>`)
}

// lpar is what the tests read back of a partition.
type lpar struct {
	UUID, Name, State, RefCode, Etag string
	DesMem, MaxMem, MinMem           int
}

func lparOf(e *uom.Entry) (lpar, error) {
	c := e.Content
	if c == nil || (c.Local != "LogicalPartition" && c.Local != "VirtualIOServer") {
		return lpar{}, fmt.Errorf("entry %s: content is not a LogicalPartition or VirtualIOServer", e.ID)
	}
	l := lpar{UUID: e.ID, Etag: e.Etag, Name: text(c, "PartitionName"), State: text(c, "PartitionState"),
		RefCode: text(c, "ReferenceCode")}
	var err error
	atoi := func(path string) int {
		v, e := strconv.Atoi(text(c, path))
		if e != nil && err == nil {
			err = fmt.Errorf("partition %s: %s is %q", l.UUID, path, text(c, path))
		}
		return v
	}
	l.DesMem = atoi("PartitionMemoryConfiguration/DesiredMemory")
	l.MaxMem = atoi("PartitionMemoryConfiguration/MaximumMemory")
	l.MinMem = atoi("PartitionMemoryConfiguration/MinimumMemory")
	if u := text(c, "PartitionUUID"); u != "" && !strings.EqualFold(u, e.ID) {
		err = fmt.Errorf("entry id %s but PartitionUUID %s", e.ID, u)
	}
	return l, err
}

func (c tc) mustLPAR(path string) lpar {
	c.t.Helper()
	e, r := c.mustEntry(path)
	l, err := lparOf(e)
	if err != nil {
		c.t.Fatal(err)
	}
	if et := r.Header.Get("ETag"); et != l.Etag {
		c.t.Errorf("GET %s: ETag header %q, entry etag %q", path, et, l.Etag)
	}
	return l
}

// systemUUID returns the UUID of the one managed system.
func (c tc) systemUUID() string {
	c.t.Helper()
	f := c.mustFeed(pathMS)
	if len(f.Entries) != 1 {
		c.t.Fatalf("ManagedSystem feed has %d entries, want 1", len(f.Entries))
	}
	return f.Entries[0].ID
}

// lparByName finds a partition in the root LogicalPartition feed.
func (c tc) lparByName(name string) lpar {
	c.t.Helper()
	f := c.mustFeed(pathLPAR)
	for _, e := range f.Entries {
		l, err := lparOf(e)
		if err != nil {
			c.t.Fatal(err)
		}
		if l.Name == name {
			return l
		}
	}
	c.t.Fatalf("no partition named %s", name)
	return lpar{}
}

// webParam returns a JobParameter element.
func webParam(name, value string) *uom.Element {
	p := &uom.Element{Space: uom.NSWeb, Local: "JobParameter", Attrs: []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	p.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
	p.Append(uom.Leaf(uom.NSWeb, "ParameterName", "ROR", name), uom.Leaf(uom.NSWeb, "ParameterValue", "CUR", value))
	return p
}

// startJob fetches the JobRequest template of objPath/do/op, fills in the
// parameters (name, value pairs), sends it back and returns the JobID.
func (c tc) startJob(objPath, op string, params ...string) string {
	c.t.Helper()
	tmpl, _ := c.mustEntry(objPath + "/do/" + op)
	jr := tmpl.Content
	if jr == nil || jr.Local != "JobRequest" || jr.Space != uom.NSWeb {
		c.t.Fatalf("GET %s/do/%s: not a JobRequest template", objPath, op)
	}
	if got := text(jr, "RequestedOperation/OperationName"); got != op {
		c.t.Errorf("JobRequest template OperationName %q, want %q", got, op)
	}
	jp := jr.Find("JobParameters")
	if jp == nil {
		c.t.Fatalf("JobRequest template of %s has no JobParameters", op)
	}
	for i := 0; i+1 < len(params); i += 2 {
		jp.Append(webParam(params[i], params[i+1]))
	}
	r := c.expect(http.StatusOK, http.MethodPut, objPath+"/do/"+op, jr.Bytes(),
		"Content-Type", typeJobRequest)
	e, err := r.entry()
	if err != nil || e.Content == nil || e.Content.Local != "JobResponse" {
		c.t.Fatalf("PUT %s/do/%s: want a JobResponse entry (%v)\n%s", objPath, op, err, r)
	}
	id := text(e.Content, "JobID")
	if id == "" {
		c.t.Fatalf("JobResponse without JobID:\n%s", r)
	}
	return id
}

// waitJob polls a job until it ends and returns its final JobResponse.
func (c tc) waitJob(id string, timeout time.Duration) *uom.Element {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e, _ := c.mustEntry("/rest/api/uom/jobs/" + id)
		st := text(e.Content, "Status")
		if st != "RUNNING" && st != "NOT_STARTED" {
			return e.Content
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("job %s still %s after %v", id, st, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runJobOK runs a job to COMPLETED_OK and deletes it.
func (c tc) runJobOK(objPath, op string, params ...string) {
	c.t.Helper()
	id := c.startJob(objPath, op, params...)
	jr := c.waitJob(id, 20*time.Second)
	if st := text(jr, "Status"); st != "COMPLETED_OK" {
		c.t.Fatalf("job %s (%s %s) ended %s: %s", id, op, objPath, st, jr.String())
	}
	c.expect(http.StatusNoContent, http.MethodDelete, "/rest/api/uom/jobs/"+id, nil)
	c.expect(http.StatusNotFound, http.MethodGet, "/rest/api/uom/jobs/"+id, nil)
}

// waitLPAR polls a partition until cond holds.
func (c tc) waitLPAR(path string, timeout time.Duration, what string, cond func(lpar) bool) lpar {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		l := c.mustLPAR(path)
		if cond(l) {
			return l
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("partition %s: not %s after %v (state %q, reference code %q)", path, what, timeout, l.State, l.RefCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// event is one entry of the event feed.
type event struct {
	Type, ID, Data, Detail string
}

func parseEvents(r *response) ([]event, error) {
	if r.Status == http.StatusNoContent {
		return nil, nil
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("event poll: %s", r)
	}
	f, err := r.feed()
	if err != nil {
		return nil, err
	}
	var out []event
	for _, e := range f.Entries {
		if e.Content == nil || e.Content.Local != "Event" {
			return nil, fmt.Errorf("event feed entry %s is not an Event", e.ID)
		}
		out = append(out, event{Type: text(e.Content, "EventType"), ID: text(e.Content, "EventID"),
			Data: text(e.Content, "EventData"), Detail: text(e.Content, "EventDetail")})
	}
	return out, nil
}

// eventPoller polls the event feed of one application ID in the
// background.
type eventPoller struct {
	c      *client
	appID  string
	ch     chan event
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
	seen   []event
}

func eventPath(appID string) string {
	return "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=" + appID
}

// startEvents makes the first poll (returned) and keeps polling.
func startEvents(t testing.TB, c *client, appID string) (*eventPoller, []event) {
	t.Helper()
	r, err := c.get(eventPath(appID))
	if err != nil {
		t.Fatal(err)
	}
	first, err := parseEvents(r)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &eventPoller{c: c, appID: appID, ch: make(chan event, 10000), cancel: cancel, done: make(chan struct{})}
	go p.loop(ctx)
	t.Cleanup(p.stop)
	return p, first
}

func (p *eventPoller) loop(ctx context.Context) {
	defer close(p.done)
	for ctx.Err() == nil {
		r, err := p.c.do(ctx, http.MethodGet, eventPath(p.appID), nil)
		if ctx.Err() != nil {
			return
		}
		var evs []event
		if err == nil {
			evs, err = parseEvents(r)
		}
		if err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			return
		}
		for _, e := range evs {
			p.ch <- e
		}
	}
}

func (p *eventPoller) stop() {
	p.cancel()
	<-p.done
}

// waitFor reads events until one satisfies match; it fails the test after
// timeout.
func (p *eventPoller) waitFor(t testing.TB, timeout time.Duration, what string, match func(event) bool) event {
	t.Helper()
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	for {
		select {
		case e := <-p.ch:
			p.seen = append(p.seen, e)
			if match(e) {
				return e
			}
		case <-tm.C:
			p.mu.Lock()
			err := p.err
			p.mu.Unlock()
			t.Fatalf("no %s event within %v (poll error: %v); events seen: %+v", what, timeout, err, p.seen)
			return event{}
		}
	}
}
