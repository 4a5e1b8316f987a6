package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/capture"
)

// replay is a test server answering with captured responses of real
// NovaLink and HMC servers (testdata/pypowervm).
type replay struct {
	t      *testing.T
	routes map[string]*capture.Response // "METHOD path" (path without query)
	hits   map[string]int
}

func newReplay(t *testing.T) *replay {
	t.Helper()
	if _, ok := capture.Dir(); !ok {
		t.Fatal("the captured responses (testdata/pypowervm) are not here")
	}
	return &replay{t: t, routes: map[string]*capture.Response{}, hits: map[string]int{}}
}

func (rp *replay) route(method, path, file string) {
	rs, err := capture.Load(file)
	if err != nil {
		rp.t.Fatal(err)
	}
	rp.routes[method+" "+path] = rs[0]
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	rp.hits[key]++
	resp, ok := rp.routes[key]
	if !ok {
		http.Error(w, "no capture for "+key, http.StatusNotImplemented)
		return
	}
	for k, v := range resp.Headers {
		switch strings.ToLower(k) {
		case "content-length", "transfer-encoding", "set-cookie":
			continue
		}
		w.Header().Set(k, v)
	}
	w.WriteHeader(resp.Status())
	w.Write(resp.Body)
}

func TestClientAgainstCaptures(t *testing.T) {
	rp := newReplay(t)
	rp.route("PUT", "/rest/api/web/Logon", "logon.xml")
	rp.route("GET", "/rest/api/uom/ManagedSystem", "sys_with_sriov.txt")
	rp.route("GET", "/rest/api/uom/LogicalPartition", "lpar.txt")
	rp.route("GET", "/rest/api/uom/VirtualIOServer", "fake_vios_feed.txt")
	rp.route("GET", "/rest/api/uom/Event", "event_feed.txt")
	rp.route("GET", "/rest/api/uom/Tier/665971d0-2ac6-3201-9ebd-e08a198973b2/LogicalUnit", "lufeed.txt")
	rp.route("GET", "/rest/api/uom/LogicalPartition/67A8308B-2CCA-4407-A1BC-632E108B479A/do/PowerOff", "job_request_power_off.txt")
	rp.route("PUT", "/rest/api/uom/LogicalPartition/67A8308B-2CCA-4407-A1BC-632E108B479A/do/PowerOff", "job_response_completed_failed.txt")
	rp.route("GET", "/rest/api/uom/jobs/1376478617707", "job_response_completed_failed.txt")
	rp.route("GET", "/rest/api/uom/SharedStoragePool/3dc777cb-e7b1-3f3d-b904-b5e34b47c6fe", "fake_httperror.txt")
	srv := httptest.NewServer(rp)
	defer srv.Close()
	ctx := context.Background()
	cl, err := client.New(client.Config{URL: srv.URL, User: "hscroot", Password: "abc123"})
	if err != nil {
		t.Fatal(err)
	}

	sys, err := cl.GetFeed(ctx, client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cl.Token(), "PUIoR6x0kP6fQqA7") || cl.MCType() != "HMC" {
		t.Fatalf("logon from the capture: token %q type %q", cl.Token(), cl.MCType())
	}
	if len(sys.Entries) != 1 || sys.Entries[0].Etag != "2102051528" || sys.Etag != "2102051559" {
		t.Fatalf("managed system: %d entries, etag %q, feed etag %q", len(sys.Entries), sys.Entries[0].Etag, sys.Etag)
	}
	if name, _ := sys.Entries[0].Content.FindText("SystemName"); name != "z1403ce-8408-E8E-SN10678CV" {
		t.Fatalf("system name %q", name)
	}

	lpars, err := cl.GetFeed(ctx, client.UOM("LogicalPartition"), client.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lpars.Entries) != 21 {
		t.Fatalf("lpar.txt holds 21 partitions, the client read %d", len(lpars.Entries))
	}
	for _, e := range lpars.Entries {
		if e.Content == nil || e.Content.Local != "LogicalPartition" || e.SelfLink() == "" {
			t.Fatalf("partition entry %s not read whole", e.ID)
		}
	}
	vioses, err := cl.GetFeed(ctx, client.UOM("VirtualIOServer"), client.ReadOptions{})
	if err != nil || len(vioses.Entries) == 0 {
		t.Fatalf("vios feed: %v", err)
	}
	lus, err := cl.GetFeed(ctx, client.UOM("Tier", "665971d0-2ac6-3201-9ebd-e08a198973b2", "LogicalUnit"), client.ReadOptions{})
	if err != nil || len(lus.Entries) == 0 || lus.Entries[0].Content.Local != "LogicalUnit" {
		t.Fatalf("LU feed: %v", err)
	}

	evs, err := cl.Events("replay").Poll(ctx)
	if err != nil || len(evs) != 37 {
		t.Fatalf("events: %d %v", len(evs), err)
	}
	if evs[0].Type != "ADD_URI" || !strings.Contains(evs[0].Data, "/LogicalPartition/1E6FC741-6253-4B69-B88B-8A44BED92145") {
		t.Fatalf("first event %+v", evs[0])
	}

	// The failed job of the capture comes back as its message.
	client.PollInterval = 10 * time.Millisecond
	_, err = cl.RunJob(ctx, client.UOM("LogicalPartition", "67A8308B-2CCA-4407-A1BC-632E108B479A"), "PowerOff",
		[]client.Param{{Name: "operation", Value: "shutdown"}}, nil)
	var jf *client.JobFailed
	if !errors.As(err, &jf) || jf.Job.Status != client.JobError || !strings.HasPrefix(err.Error(), "HSCL05DF The partition is not in a state") {
		t.Fatalf("failed job: %v", err)
	}

	// An HttpErrorResponse becomes the error's message.
	_, err = cl.GetEntry(ctx, client.UOM("SharedStoragePool", "3dc777cb-e7b1-3f3d-b904-b5e34b47c6fe"), client.ReadOptions{Groups: []string{"None"}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 500 || !strings.Contains(ce.Message, "VIOS 1*9999-99Z*2125D4A is busy") || ce.Reason != "Unknown internal error." {
		t.Fatalf("error response: %#v", err)
	}
	if rp.hits["PUT /rest/api/web/Logon"] != 1 {
		t.Fatalf("logged on %d times", rp.hits["PUT /rest/api/web/Logon"])
	}
}
