package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// pvmd runs the core and REST server in-process (the client package itself
// links neither).
func pvmd(t *testing.T) (*httptest.Server, *core.Core) {
	t.Helper()
	return pvmdTimed(t, "fast")
}

// pvmdTimed is pvmd with another timing profile.
func pvmdTimed(t *testing.T, timing string) (*httptest.Server, *core.Core) {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Timing: sim.Profiles[timing], Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c.EnsureUser("padmin", core.RoleAdmin, "pw")
	srv := httptest.NewServer(rest.New(c, rest.Config{SessionDir: filepath.Join(dir, "sessions"), EventWait: 200 * time.Millisecond, Logger: log}))
	t.Cleanup(func() { srv.Close(); c.Close() })
	return srv, c
}

func newLPAR(name string, mem string) *uom.Element {
	el := &uom.Element{Space: uom.NSUOM, Prefix: "LogicalPartition", Local: "LogicalPartition",
		NSDecls: []uom.Attr{{Local: "LogicalPartition", Value: uom.NSUOM}, {Local: "", Value: uom.NSUOM}}}
	leaf := func(n, v string) *uom.Element { return &uom.Element{Space: uom.NSUOM, Local: n, Text: v} }
	mc := uom.NewElement(uom.NSUOM, "PartitionMemoryConfiguration").Append(leaf("DesiredMemory", mem), leaf("MaximumMemory", "4096"), leaf("MinimumMemory", "512"))
	el.Append(mc, leaf("PartitionName", name), leaf("PartitionType", "AIX/Linux"))
	return el
}

func TestClientAgainstPvmd(t *testing.T) {
	srv, c := pvmd(t)
	ctx := context.Background()
	var tokens []string
	cl, err := client.New(client.Config{URL: srv.URL, User: "padmin", Password: "pw", OnToken: func(s string) { tokens = append(tokens, s) }})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := cl.GetFeed(ctx, client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		t.Fatal(err)
	}
	if cl.MCType() != "PVM" || len(tokens) != 1 {
		t.Fatalf("logon: mc type %q, %d tokens", cl.MCType(), len(tokens))
	}
	if len(sys.Entries) != 1 || sys.Entries[0].Content.Local != "ManagedSystem" || sys.Etag == "" {
		t.Fatalf("system feed: %+v", sys)
	}
	sysID := sys.Entries[0].ID
	again, err := cl.GetFeed(ctx, client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}, IfNoneMatch: sys.Etag})
	if err != nil || !again.NotModified {
		t.Fatalf("feed If-None-Match: %+v %v", again, err)
	}

	// Create, read with etags, update, stale update.
	e, err := cl.Create(ctx, client.UOM("ManagedSystem", sysID, "LogicalPartition"), newLPAR("cvm", "1024"))
	if err != nil {
		t.Fatal(err)
	}
	path := client.UOM("LogicalPartition", e.ID)
	got, err := cl.GetEntry(ctx, path, client.ReadOptions{})
	if err != nil || got.Etag != e.Etag {
		t.Fatalf("get: %v etag %q vs %q", err, got.Etag, e.Etag)
	}
	if nm, _ := cl.GetEntry(ctx, path, client.ReadOptions{IfNoneMatch: e.Etag}); nm == nil || !nm.NotModified {
		t.Fatal("entry If-None-Match did not give NotModified")
	}
	obj := got.Content
	obj.Find("PartitionMemoryConfiguration/DesiredMemory").Text = "2048"
	upd, err := cl.Update(ctx, path, got.Etag, obj)
	if err != nil || upd.Etag == got.Etag {
		t.Fatalf("update: %v", err)
	}
	_, err = cl.Update(ctx, path, got.Etag, obj)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusPreconditionFailed || !strings.Contains(ce.Message, "etag") {
		t.Fatalf("stale update: %v", err)
	}

	// Search and quick properties.
	f, err := cl.Search(ctx, client.UOM("LogicalPartition"), "PartitionName", "cvm", false, client.ReadOptions{Groups: []string{"None"}})
	if err != nil || len(f.Entries) != 1 || f.Entries[0].ID != e.ID {
		t.Fatalf("search: %v %+v", err, f)
	}
	q, err := cl.Quick(ctx, path, "PartitionState")
	if err != nil || string(q) != `"not activated"` {
		t.Fatalf("quick: %s %v", q, err)
	}

	// Events: a listener sees NEW_CLIENT, then the power-on changes.
	l := cl.Events("")
	evs, err := l.Poll(ctx)
	if err != nil || len(evs) == 0 || evs[0].Type != "NEW_CLIENT" {
		t.Fatalf("first poll: %+v %v", evs, err)
	}
	client.PollInterval = 20 * time.Millisecond
	job, err := cl.RunJob(ctx, path, "PowerOn", nil, nil)
	if err != nil || job.Status != client.JobOK {
		t.Fatalf("power on: %+v %v", job, err)
	}
	sawState := false
	deadline := time.Now().Add(5 * time.Second)
	for !sawState && time.Now().Before(deadline) {
		evs, err := l.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type == "MODIFY_URI" && strings.HasSuffix(ev.Data, "/LogicalPartition/"+e.ID) && strings.Contains(ev.Detail, "PartitionState") {
				sawState = true
			}
		}
	}
	if !sawState {
		t.Fatal("no PartitionState event for the power-on")
	}
	// A job that fails reports the server's message.
	_, err = cl.RunJob(ctx, path, "PowerOn", nil, nil)
	var jf *client.JobFailed
	if !errors.As(err, &jf) || !strings.Contains(err.Error(), "PVME01042026") {
		t.Fatalf("second power on: %v", err)
	}

	// Custom events reach other sessions.
	other, _ := client.New(client.Config{URL: srv.URL, User: "padmin", Password: "pw"})
	ol := other.Events("other")
	ol.Poll(ctx)
	if err := cl.SendCustomEvent(ctx, "hello", "world"); err != nil {
		t.Fatal(err)
	}
	evs, err = ol.Poll(ctx)
	if err != nil || len(evs) != 1 || evs[0].Type != "CUSTOM_CLIENT_EVENT" || evs[0].Data != "hello" || evs[0].Detail != "world" {
		t.Fatalf("custom event: %+v %v", evs, err)
	}

	// A dead session is replaced once, transparently.
	srv.Config.Handler.ServeHTTP(httptest.NewRecorder(), func() *http.Request {
		r := httptest.NewRequest("DELETE", "/rest/api/web/Logon", nil)
		r.Header.Set("X-API-Session", cl.Token())
		return r
	}())
	if _, err := cl.GetEntry(ctx, path, client.ReadOptions{}); err != nil {
		t.Fatalf("after the session died: %v", err)
	}
	if len(tokens) != 2 {
		t.Fatalf("want one re-logon, got %d tokens", len(tokens))
	}

	// Not found and delete.
	if _, err := cl.GetEntry(ctx, client.UOM("LogicalPartition", "0A1B2C3D-0000-4000-8000-000000000000"), client.ReadOptions{}); !client.IsNotFound(err) {
		t.Fatalf("missing entry: %v", err)
	}
	if _, err := cl.RunJob(ctx, path, "PowerOff", []client.Param{{Name: "operation", Value: "shutdown"}, {Name: "immediate", Value: "true"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := cl.Delete(ctx, path, ""); err != nil {
		t.Fatal(err)
	}
	var gone bool
	c.Read(func(st *model.State) { gone = st.PartitionByName("cvm") == nil })
	if !gone {
		t.Fatal("delete did not delete")
	}
	if err := cl.Logoff(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLocalLogon(t *testing.T) {
	srv, _ := pvmd(t)
	cl, _ := client.New(client.Config{URL: srv.URL})
	if err := cl.Logon(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cl.Token() == "" {
		t.Fatal("no token from the session file")
	}
	if _, err := cl.GetFeed(context.Background(), client.UOM("LogicalPartition"), client.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestConnectError(t *testing.T) {
	srv, _ := pvmd(t)
	url := srv.URL
	srv.Close()
	cl, _ := client.New(client.Config{URL: url, User: "padmin", Password: "pw"})
	_, err := cl.GetFeed(context.Background(), client.UOM("ManagedSystem"), client.ReadOptions{})
	var ce *client.ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v", err)
	}
}

// TestRunJobCancelBounded: when RunJob's context ends before its job, the
// cancel it sends the server is bounded by CancelTimeout, not by the
// request timeout (20 minutes): a server that does not answer it does not
// hold the caller.
func TestRunJobCancelBounded(t *testing.T) {
	srv, _ := pvmdTimed(t, "realistic") // the power-on outlasts the test
	held := make(chan struct{})
	canceled := make(chan struct{}, 1)
	pv := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/cancel") {
			canceled <- struct{}{}
			select { // a server that does not answer
			case <-held:
			case <-r.Context().Done():
			}
			return
		}
		pv.ServeHTTP(w, r)
	})
	defer close(held)
	defer func(pi, ct time.Duration) { client.PollInterval, client.CancelTimeout = pi, ct }(client.PollInterval, client.CancelTimeout)
	client.PollInterval, client.CancelTimeout = time.Hour, 300*time.Millisecond

	cl, err := client.New(client.Config{URL: srv.URL, User: "padmin", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := cl.GetFeed(context.Background(), client.UOM("ManagedSystem"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := cl.Create(context.Background(), client.UOM("ManagedSystem", sys.Entries[0].ID, "LogicalPartition"), newLPAR("cvm", "1024"))
	if err != nil {
		t.Fatal(err)
	}
	// The caller gives up as soon as the job has started.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	type result struct {
		job *client.Job
		err error
	}
	done := make(chan result, 1)
	go func() {
		j, err := cl.RunJob(ctx, client.UOM("LogicalPartition", e.ID), "PowerOn", nil, func(*client.Job) { stop() })
		done <- result{j, err}
	}()
	select {
	case r := <-done:
		if !errors.Is(r.err, context.Canceled) || r.job == nil || r.job.Done() {
			t.Fatalf("RunJob: %+v %v, want the running job and context.Canceled", r.job, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunJob still waits on the cancel the server does not answer")
	}
	select {
	case <-canceled:
	default:
		t.Fatal("RunJob did not ask the server to cancel the job")
	}
}
