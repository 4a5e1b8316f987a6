package rest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
)

// TestEventAnswerGolden: the bytes of event poll answers, status line
// fields and headers included, are those of the golden file (the feed's
// ID, random, masked): queue events (NEW_CLIENT, MISSING_EVENTS), changes
// whose data is made absolute for the poll's server address, and custom
// events with values that need escaping, for polls with different
// addresses and queries; the same answer twice, as polls woken together
// get it, and nothing (204).
//
//	go test ./internal/rest -run TestEventAnswerGolden -update
func TestEventAnswerGolden(t *testing.T) {
	at := time.Date(2026, 12, 5, 4, 10, 11, 123456789, time.UTC)
	pub := time.Date(2026, 12, 5, 4, 10, 10, 987000000, time.UTC)
	evs := []core.Event{
		{ID: 1796424281945, Type: core.EventNewClient, Published: pub},
		{ID: 1796424281946, Type: core.EventMissing, Published: pub},
		{ID: 1796424281947, Type: core.EventAdd, Data: "/rest/api/uom/ManagedSystem/a7eea7e9-da6f-3553-9d4a-3097132326b2/LogicalPartition/1E6FC741-6253-4B69-B88B-8A44BED92145", Published: pub},
		{ID: 1796424281948, Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/a7eea7e9-da6f-3553-9d4a-3097132326b2", Detail: "PartitionState,Other", Published: pub},
		{ID: 1796424281949, Type: core.EventCustom, Data: `<&>"' é` + "\r\n\t\x7f", Detail: "a]]>b", Published: pub},
		{ID: 1796424281950, Type: core.EventCustom, Data: "", Detail: "only detail", Published: pub},
		{ID: 1796424281951, Type: core.EventCacheCleared, Published: pub},
	}
	polls := []struct {
		name, host, query string
		tls               bool
		events            []core.Event
	}{
		{"all kinds", "127.0.0.1:12080", "QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=q1", false, evs},
		{"the same again", "127.0.0.1:12080", "QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=q1", false, evs},
		{"another address", "novalink.example:12443", "QUEUE_APPLICATIONID=a%20b+c&x=%3C%22", true, evs[2:4]},
		{"no query", "localhost", "", false, evs[4:5]},
		{"nothing", "localhost", "", false, nil},
	}
	var shared eventEntries
	feedID := regexp.MustCompile(`^(<feed [^>]*><id>)[0-9a-f-]{36}(</id>)`)
	var out strings.Builder
	for _, p := range polls {
		target := "/rest/api/uom/Event"
		if p.query != "" {
			target += "?" + p.query
		}
		r := httptest.NewRequest("GET", target, nil)
		r.Host = p.host
		if p.tls {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		base := pollBaseOf(r)
		writeEventAnswer(w, &base, &shared, p.events, at)
		res := w.Result()
		out.WriteString("== " + p.name + ": GET http(s)://" + p.host + target + "\n")
		out.WriteString(res.Status + "\n")
		for _, k := range []string{"Content-Type", "Content-Length"} {
			if v, ok := res.Header[k]; ok {
				out.WriteString(k + ": " + strings.Join(v, ",") + "\n")
			}
		}
		if n := len(res.Header); n != 2 && res.StatusCode == http.StatusOK {
			t.Errorf("%s: headers %v, want Content-Type and Content-Length", p.name, res.Header)
		}
		out.WriteString("\n" + feedID.ReplaceAllString(w.Body.String(), "${1}FEED-ID${2}") + "\n")
	}
	golden := filepath.Join("testdata", "events", "answers.golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" { // golden_test.go's flag
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/rest -run TestEventAnswerGolden -update makes it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("event answers differ from %s:\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

// TestConsoleHeaderKeys: the headers setConsoleHeaders puts in the map
// directly (under their keys, from shared values) are those Header.Set
// would set: the same keys and values, a client's transaction ID kept, a
// new one from the counter without one.
func TestConsoleHeaderKeys(t *testing.T) {
	h := http.Header{}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Transaction-ID", "client-tx-1")
	var next atomic.Uint64
	setConsoleHeaders(h, r, "PVM", &next)
	want := http.Header{}
	want.Set("X-MC-Type", "PVM")
	want.Set("X-HMC-Schema-Version", "V1_3_0")
	want.Set("X-Transaction-ID", "client-tx-1")
	want.Set("Cache-Control", "no-transform, must-revalidate, proxy-revalidate, no-cache=set-cookie")
	if !reflect.DeepEqual(h, want) {
		t.Errorf("headers %v, want %v", h, want)
	}
	h = http.Header{}
	setConsoleHeaders(h, httptest.NewRequest("GET", "/", nil), "HMC", &next)
	if got := h.Get("X-Transaction-ID"); got != "XT1" {
		t.Errorf("a new transaction ID: %q, want XT1 (the counter's next)", got)
	}
	if got := h.Get("X-MC-Type"); got != "HMC" {
		t.Errorf("X-MC-Type %q, want HMC", got)
	}
}

// serveCounting serves srv on a loopback listener that counts its
// connections' writes, over TLS when tlsOn, its connections holding their
// writes for an answer when hold (as pvmd's: HoldingListener); the server
// stops when t ends.
func serveCounting(t *testing.T, srv *Server, hold, tlsOn bool) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = cl
	if hold {
		hs.Listener = HoldingListener(cl)
	}
	srv.ConfigureHTTPServer(hs.Config)
	if tlsOn {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(hs.Close)
	return cl
}

// countingListener counts the writes on each connection it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, writes: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestEventAnswerOneWrite: each answer of an event poll (a new queue's
// NEW_CLIENT, a change that woke the poll, nothing) reaches its
// connection in one write, status line, headers and body together; an
// answer larger than the connection's 4 KB buffer in at most two.
func TestEventAnswerOneWrite(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	e.http.Close()
	cl := serveCounting(t, e.srv, false, false)
	ln := cl.Listener
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	poll := func(query string) *http.Response {
		t.Helper()
		fmt.Fprintf(conn, "GET /rest/api/uom/Event?%s HTTP/1.1\r\nHost: %s\r\nX-API-Session: %s\r\n\r\n", query, ln.Addr(), e.token)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp
	}
	steps := []struct {
		name    string
		publish int // custom events published while the poll waits
		query   string
		status  int
		writes  int64
	}{
		{"new queue (NEW_CLIENT)", 0, "QUEUE_APPLICATIONID=w1", 200, 1},
		{"a change wakes the poll", 1, "QUEUE_APPLICATIONID=w1", 200, 1},
		{"nothing", 0, "QUEUE_APPLICATIONID=w1&timeout=0", 204, 1},
		{"ten changes at once (beyond 4 KB)", 10, "QUEUE_APPLICATIONID=w1", 200, 2},
		{"nothing again", 0, "QUEUE_APPLICATIONID=w1&timeout=0", 204, 1},
	}
	for _, s := range steps {
		before := cl.writes.Load()
		if s.publish > 0 {
			go func(n int) {
				for e.core.Bus.Queues() == 0 || !waiting(e.core.Bus) {
					time.Sleep(time.Millisecond)
				}
				evs := make([]core.Event, n) // one change's events, published together
				for i := range evs {
					evs[i] = core.Event{Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/" + strconv.Itoa(i)}
				}
				e.core.Bus.Publish(evs...)
			}(s.publish)
		}
		resp := poll(s.query)
		resp.Body.Close() // read whole by poll
		if resp.StatusCode != s.status {
			t.Fatalf("%s: HTTP %d, want %d", s.name, resp.StatusCode, s.status)
		}
		// The next step's request is read after this answer's last write.
		if s.writes == 1 {
			if got := cl.writes.Load() - before; got != 1 {
				t.Errorf("%s: %d writes, want 1", s.name, got)
			}
		} else if got := cl.writes.Load() - before; got < 1 || got > s.writes {
			t.Errorf("%s: %d writes, want at most %d", s.name, got, s.writes)
		}
	}
}

// waiting reports whether a poll waits on bus.
func waiting(bus *core.Bus) bool { return bus.Waiting() > 0 }
