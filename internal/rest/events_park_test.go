package rest

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/novalink-project/novalink/internal/core"
)

// parkServer serves e's REST server on a PollListener (over TLS when
// tlsOn), as pvmd's listeners do; it returns the listener and the
// server.
func parkServer(t *testing.T, e *benchEnv, tlsOn bool) (*PollListener, *httptest.Server) {
	return serveOn(t, e, true, tlsOn)
}

// serveOn serves e's REST server over HTTP or TLS, on a PollListener when
// park (otherwise every poll waits on its connection's goroutine), its
// connections able to hold their writes (HoldingListener), as pvmd's.
func serveOn(t *testing.T, e *benchEnv, park, tlsOn bool) (*PollListener, *httptest.Server) {
	t.Helper()
	hs := httptest.NewUnstartedServer(e.srv)
	e.srv.ConfigureHTTPServer(hs.Config)
	hs.Config.BaseContext = func(ln net.Listener) context.Context { return ListenerContext(context.Background(), ln) }
	var pl *PollListener
	wrap := func(ln net.Listener) net.Listener {
		if !park {
			return ln
		}
		pl = NewPollListener(ln)
		return pl
	}
	if tlsOn {
		cert, err := LoadOrCreateCertificate(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
		hs.Listener = wrap(tls.NewListener(HoldingListener(hs.Listener), hs.TLS))
		hs.Start() // serves the TLS listener as it is (Start, not StartTLS)
		hs.URL = strings.Replace(hs.URL, "http://", "https://", 1)
	} else {
		hs.Listener = wrap(HoldingListener(hs.Listener))
		hs.Start()
	}
	t.Cleanup(hs.Close)
	return pl, hs
}

// rawConn is one client connection, requests written and answers read
// by hand.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	rd   *bufio.Reader
	host string
	tok  string
}

func dialRaw(t *testing.T, hs *httptest.Server, tok string) *rawConn {
	t.Helper()
	addr := strings.TrimPrefix(strings.TrimPrefix(hs.URL, "http://"), "https://")
	var c net.Conn
	var err error
	if strings.HasPrefix(hs.URL, "https://") {
		c, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	} else {
		c, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, conn: c, rd: bufio.NewReader(c), host: addr, tok: tok}
}

func (c *rawConn) send(query string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.conn, "GET /rest/api/uom/Event?%s HTTP/1.1\r\nHost: %s\r\nX-API-Session: %s\r\nX-Transaction-ID: T-%s\r\n\r\n", query, c.host, c.tok, query); err != nil {
		c.t.Fatal(err)
	}
}

// answer reads the next answer: its status, headers (Date's value masked)
// and body.
func (c *rawConn) answer() parkedReply {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(c.rd, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	h := map[string]string{}
	for k, v := range resp.Header {
		h[k] = strings.Join(v, ",")
	}
	if _, ok := h["Date"]; ok {
		h["Date"] = "DATE"
	}
	return parkedReply{Status: resp.StatusCode, Header: h, Body: maskReply(string(body)), Close: resp.Close}
}

type parkedReply struct {
	Status int
	Header map[string]string
	Body   string
	Close  bool
}

var replyMasks = []*regexp.Regexp{
	regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
	regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)`),
	regexp.MustCompile(`\d{10,}`),
	regexp.MustCompile(`127\.0\.0\.1:\d+`),
}

func maskReply(s string) string {
	for i, re := range replyMasks {
		s = re.ReplaceAllString(s, fmt.Sprintf("M%d", i))
	}
	return s
}

// parked returns how many polls s's lot holds.
func (s *Server) parked() int {
	s.lot.mu.Lock()
	defer s.lot.mu.Unlock()
	return len(s.lot.polls)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not: %s", what)
		}
	}
}

// TestParkedPollAnswers: a poll that waits on a PollListener's connection
// is parked, and answered from the lot with what a poll waiting on its
// connection's goroutine gets (status, headers, body; times, IDs and the
// address masked): a change that wakes it, nothing when its time is up;
// the connection then serves the next request (keep-alive), over HTTP
// and over TLS.
func TestParkedPollAnswers(t *testing.T) {
	publish := func(e *benchEnv, n int) {
		evs := make([]core.Event, n)
		for i := range evs {
			evs[i] = core.Event{Type: core.EventModify, Data: fmt.Sprintf("/rest/api/uom/ManagedSystem/%d", i)}
		}
		e.core.Bus.Publish(evs...)
	}
	steps := []struct {
		name    string
		query   string
		publish int // events published once the poll waits
	}{
		{"new queue", "QUEUE_APPLICATIONID=p1", 0},
		{"a change wakes it", "QUEUE_APPLICATIONID=p1", 1},
		{"its time is up", "QUEUE_APPLICATIONID=p1&timeout=1", 0},
		{"many changes at once (beyond 4 KB)", "QUEUE_APPLICATIONID=p1", 20},
		{"the session's own queue", "", 0},
		{"its change", "", 2},
	}
	run := func(park, tlsOn bool) []parkedReply {
		e := newBenchEnv(t, 0, 10)
		_, hs := serveOn(t, e, park, tlsOn)
		c := dialRaw(t, hs, e.token)
		var out []parkedReply
		for _, s := range steps {
			c.send(s.query)
			if s.publish > 0 {
				if park { // it counts as waiting a moment before it is in the lot
					waitUntil(t, s.name+": the poll is parked", func() bool { return e.srv.parked() == 1 })
				} else {
					waitUntil(t, s.name+": the poll waits", func() bool { return waiting(e.core.Bus) })
				}
				publish(e, s.publish)
			}
			out = append(out, c.answer())
		}
		waitUntil(t, "no poll left waiting", func() bool { return e.core.Bus.Waiting() == 0 && e.srv.parked() == 0 })
		return out
	}
	for _, tlsOn := range []bool{false, true} {
		want := run(false, tlsOn)
		for i, s := range steps {
			if want[i].Status == 0 || (s.publish > 0 && want[i].Status != 200) {
				t.Fatalf("%s: the baseline answered %d", s.name, want[i].Status)
			}
		}
		got := run(true, tlsOn)
		for i, w := range want {
			if d := cmp.Diff(w, got[i]); d != "" {
				t.Errorf("TLS %v, %s: parked answer differs (-waiting on its goroutine +parked):\n%s", tlsOn, steps[i].name, d)
			}
		}
	}
}

// TestParkedPollLeavesEventsOfAGoneClient: a parked poll whose client
// closes its connection is closed unanswered when a change comes, and
// the change stays in the queue for its next poll.
func TestParkedPollLeavesEventsOfAGoneClient(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	_, hs := parkServer(t, e, false)
	first := dialRaw(t, hs, e.token)
	first.send("QUEUE_APPLICATIONID=g1")
	if a := first.answer(); a.Status != 200 || !strings.Contains(a.Body, "NEW_CLIENT") {
		t.Fatalf("first poll: %d %s", a.Status, a.Body)
	}
	first.send("QUEUE_APPLICATIONID=g1")
	waitUntil(t, "the poll is parked", func() bool { return e.srv.parked() == 1 })
	first.conn.Close()
	e.core.Bus.Publish(core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/kept"})
	waitUntil(t, "the gone client's poll is dropped", func() bool { return e.srv.parked() == 0 && e.core.Bus.Waiting() == 0 })
	again := dialRaw(t, hs, e.token)
	again.send("QUEUE_APPLICATIONID=g1&timeout=0")
	if a := again.answer(); a.Status != 200 || !strings.Contains(a.Body, "ManagedSystem/kept") {
		t.Fatalf("the next poll: %d, want the change kept for it:\n%s", a.Status, a.Body)
	}
}

// TestParkedPollPipelined: a request sent behind a waiting poll (a
// pipelining client; both in one write) gets the poll answered with
// Connection: close, and the connection closed (the client sends the
// request again).
func TestParkedPollPipelined(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	_, hs := parkServer(t, e, false)
	c := dialRaw(t, hs, e.token)
	c.send("QUEUE_APPLICATIONID=pp")
	c.answer()
	req := func(q string) string {
		return fmt.Sprintf("GET /rest/api/uom/Event?%s HTTP/1.1\r\nHost: %s\r\nX-API-Session: %s\r\n\r\n", q, c.host, c.tok)
	}
	if _, err := io.WriteString(c.conn, req("QUEUE_APPLICATIONID=pp")+req("QUEUE_APPLICATIONID=pp&timeout=0")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the poll is parked", func() bool { return e.srv.parked() == 1 })
	e.core.Bus.Publish(core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/x"})
	a := c.answer()
	if a.Status != 200 || !strings.Contains(a.Body, "ManagedSystem/x") || !a.Close {
		t.Fatalf("the poll: %d, close %v, want 200 with the change, closing the connection:\n%s", a.Status, a.Close, a.Body)
	}
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.rd.Read(make([]byte, 1)); err == nil {
		t.Errorf("the connection is still open after Connection: close (%d bytes more)", n)
	}
}

// parkPolls parks n polls of queues named prefix0, prefix1…, each on a
// connection of its own (its first poll, NEW_CLIENT, answered at once).
func parkPolls(t *testing.T, e *benchEnv, hs *httptest.Server, prefix string, n int) []*rawConn {
	t.Helper()
	var conns []*rawConn
	for i := range n {
		c := dialRaw(t, hs, e.token)
		q := fmt.Sprintf("QUEUE_APPLICATIONID=%s%d", prefix, i)
		c.send(q)
		c.answer()
		c.send(q)
		conns = append(conns, c)
	}
	waitUntil(t, fmt.Sprintf("%d polls parked", n), func() bool { return e.srv.parked() == n })
	return conns
}

// TestParkedPollsOnClose: closing the listener (pvmd shutting down, a
// fleet system's API taken down) answers its parked polls with nothing
// and closes their connections; a poll that would be parked after is
// answered so too.
func TestParkedPollsOnClose(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	e.srv.cfg.EventWait = time.Hour // no poll here ends by its time
	pl, hs := parkServer(t, e, false)
	conns := parkPolls(t, e, hs, "c", 3)
	// A connection net/http still serves (its poll answered at once).
	late := dialRaw(t, hs, e.token)
	late.send("QUEUE_APPLICATIONID=late")
	late.answer()
	pl.Close()
	for i, c := range conns {
		if a := c.answer(); a.Status != http.StatusNoContent || !a.Close {
			t.Errorf("poll %d: %d, close %v; want 204 closing the connection", i, a.Status, a.Close)
		}
	}
	// Its next poll, on the closed listener, is answered with nothing.
	late.send("QUEUE_APPLICATIONID=late")
	if a := late.answer(); a.Status != http.StatusNoContent || !a.Close {
		t.Errorf("a poll after the listener closed: %d, close %v; want 204 closing the connection", a.Status, a.Close)
	}
	waitUntil(t, "no poll left", func() bool { return e.srv.parked() == 0 && e.core.Bus.Waiting() == 0 })
}

// TestParkedPollsHoldNoGoroutine: 200 parked polls hold no goroutine each
// (waiting on their connections' goroutines, they would hold two: the
// handler's and net/http's background read), and one change answers
// them all, each connection serving its next request after.
func TestParkedPollsHoldNoGoroutine(t *testing.T) {
	const n = 200
	e := newBenchEnv(t, 0, 10)
	lim := core.DefaultBusLimits
	lim.QueuesPerSession = n // one session's queues here
	e.core.Bus.SetLimits(lim)
	_, hs := parkServer(t, e, false)
	conns := make([]*rawConn, n)
	for i := range conns {
		conns[i] = dialRaw(t, hs, e.token)
		conns[i].send(fmt.Sprintf("QUEUE_APPLICATIONID=n%d", i))
		conns[i].answer()
	}
	runtime.GC()
	before := runtime.NumGoroutine()
	for i, c := range conns {
		c.send(fmt.Sprintf("QUEUE_APPLICATIONID=n%d", i))
	}
	waitUntil(t, "all polls parked", func() bool { return e.srv.parked() == n })
	if grew := runtime.NumGoroutine() - before; grew > n/10 {
		t.Errorf("%d parked polls: %d goroutines more, want at most %d", n, grew, n/10)
	}
	e.core.Bus.Publish(core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/all"})
	var bodies []string
	for _, c := range conns {
		a := c.answer()
		if a.Status != 200 || !strings.Contains(a.Body, "ManagedSystem/all") {
			t.Fatalf("a woken poll: %d %s", a.Status, a.Body)
		}
		c.send("QUEUE_APPLICATIONID=n0&timeout=0") // the connection serves on
		bodies = append(bodies, fmt.Sprint(c.answer().Status))
	}
	sort.Strings(bodies)
	if bodies[0] != "204" || bodies[n-1] != "204" {
		t.Errorf("the requests after the answers: %v, want 204 each", bodies[:3])
	}
}

// TestParkedConnectionBackOnItsNextRequest: an answered parked poll's
// connection goes back to net/http only when its client sends the next
// request (net/http's header timeout starts with a new connection: one
// handed back at once would be cut 10 s later, not after the 2 minutes a
// kept connection may stay idle); until then it is the listener's, and
// closed with it.
func TestParkedConnectionBackOnItsNextRequest(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	pl, hs := parkServer(t, e, false)
	idle := func() int {
		pl.mu.Lock()
		defer pl.mu.Unlock()
		return len(pl.idle)
	}
	c := dialRaw(t, hs, e.token)
	c.send("QUEUE_APPLICATIONID=b1")
	c.answer()
	c.send("QUEUE_APPLICATIONID=b1")
	waitUntil(t, "the poll is parked", func() bool { return e.srv.parked() == 1 })
	e.core.Bus.Publish(core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/b"})
	if a := c.answer(); a.Status != 200 {
		t.Fatalf("the woken poll: %d", a.Status)
	}
	waitUntil(t, "the answered connection waits for its next request", func() bool { return idle() == 1 })
	time.Sleep(50 * time.Millisecond)
	if n := idle(); n != 1 {
		t.Fatalf("%d connections wait for their next request, want 1 (the answered one, not yet handed back)", n)
	}
	c.send("QUEUE_APPLICATIONID=b1&timeout=0")
	if a := c.answer(); a.Status != http.StatusNoContent {
		t.Fatalf("the next request: %d, want 204", a.Status)
	}
	if n := idle(); n != 0 {
		t.Errorf("%d connections still wait after their next request was answered", n)
	}
	// Answered again and left idle: closing the listener closes it.
	c.send("QUEUE_APPLICATIONID=b1")
	waitUntil(t, "parked again", func() bool { return e.srv.parked() == 1 })
	e.core.Bus.Publish(core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/b"})
	c.answer()
	waitUntil(t, "idle again", func() bool { return idle() == 1 })
	pl.Close()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.rd.Read(make([]byte, 1)); err == nil {
		t.Errorf("the idle connection is open after the listener closed (%d bytes)", n)
	}
}

// TestAnswerQueue: answers added at once are written by
// maxParkedWriters goroutines at most, all of them; no writer is left once
// the queue is empty, and the queue starts writers again for the next
// answers.
func TestAnswerQueue(t *testing.T) {
	var q answerQueue
	for round := range 2 {
		const n = 1000
		var running, most atomic.Int32
		var wrote atomic.Int32
		release := make(chan struct{})
		var done sync.WaitGroup
		done.Add(n)
		for range n {
			q.add(func() {
				defer done.Done()
				now := running.Add(1)
				for {
					m := most.Load()
					if now <= m || most.CompareAndSwap(m, now) {
						break
					}
				}
				<-release
				wrote.Add(1)
				running.Add(-1)
			})
		}
		// The writers all start, and no more.
		waitUntil(t, "all writers writing", func() bool { return running.Load() == maxParkedWriters })
		time.Sleep(20 * time.Millisecond)
		close(release)
		done.Wait()
		if wrote.Load() != n {
			t.Fatalf("round %d: %d answers written, want %d", round, wrote.Load(), n)
		}
		if m := most.Load(); m != maxParkedWriters {
			t.Errorf("round %d: %d answers written at once, want %d", round, m, maxParkedWriters)
		}
		waitUntil(t, "no writer left", func() bool {
			q.mu.Lock()
			defer q.mu.Unlock()
			return q.writers == 0 && len(q.due) == 0
		})
	}
}

// TestParkedPollsDrained: the answers closing a PollListener gives its
// parked polls are written by answer writers of their own; Drain returns
// only once they are (a server shutting down calls it before its process
// exits), or when its context ends first.
func TestParkedPollsDrained(t *testing.T) {
	release := make(chan struct{})
	hold := func() { <-release }
	beforeParkedWrite.Store(&hold)
	t.Cleanup(func() { beforeParkedWrite.Store(nil) })
	e := newBenchEnv(t, 0, 10)
	e.srv.cfg.EventWait = time.Hour
	pl, hs := parkServer(t, e, false)
	conns := parkPolls(t, e, hs, "d", 3)
	pl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := pl.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain with the answers held back: %v, want the context's deadline", err)
	}
	drained := make(chan error, 1)
	go func() { drained <- pl.Drain(context.Background()) }()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) before the answers were written", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	// Written before Drain returned: each is in its client's socket.
	for i, c := range conns {
		c.conn.SetReadDeadline(time.Now().Add(time.Second))
		resp, err := http.ReadResponse(c.rd, nil)
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || !resp.Close {
			t.Errorf("poll %d: %d, close %v; want 204 closing the connection", i, resp.StatusCode, resp.Close)
		}
	}
	if err := pl.Drain(context.Background()); err != nil {
		t.Errorf("Drain with nothing parked: %v", err)
	}
}
