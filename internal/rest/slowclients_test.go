package rest

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// slowServer is the REST server on a real loopback listener, configured as
// pvmd configures its servers.
func slowServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Timing: sim.Profiles["fast"], Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureUser("padmin", core.RoleAdmin, "pw"); err != nil {
		t.Fatal(err)
	}
	cfg.SessionDir, cfg.Logger = filepath.Join(dir, "sessions"), log
	srv := New(c, cfg)
	ts := httptest.NewUnstartedServer(nil)
	srv.ConfigureHTTPServer(ts.Config)
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		c.Close()
	})
	return srv, ts
}

// stalledLogon opens a connection, sends the headers and the first bytes
// of a logon body, and stalls.
func stalledLogon(addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	body := logonBody("padmin", "pw")
	fmt.Fprintf(conn, "PUT /rest/api/web/Logon HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
		uom.MediaType(uom.ServiceWeb, "LogonRequest"), len(body), body[:20])
	return conn, nil
}

// logonAt logs on to a test server and returns the session token.
func logonAt(t *testing.T, url string) string {
	t.Helper()
	cl := &http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodPut, url+"/rest/api/web/Logon", strings.NewReader(logonBody("padmin", "pw")))
	req.Header.Set("Content-Type", uom.MediaType(uom.ServiceWeb, "LogonRequest"))
	r, err := cl.Do(req)
	if err != nil {
		t.Fatalf("logon: %v", err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("logon: %s\n%s", r.Status, b)
	}
	el, _ := uom.DecodeBytes(b)
	tok, _ := el.FindText("X-API-Session")
	return tok
}

// TestSlowClientsCannotLockOut: stalled logon bodies are cut after the
// stall timeout while a body that keeps coming is not, connections that
// never authenticate are capped (the oldest closed), and a bystander's
// logon goes through while they flood.
func TestSlowClientsCannotLockOut(t *testing.T) {
	_, ts := slowServer(t, Config{MaxUnauthConns: 20, StallTimeout: time.Second})
	addr := ts.Listener.Addr().String()

	// A stalled body is cut: the connection is answered or closed.
	conn, err := stalledLogon(addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("a stalled logon body was answered %s", resp.Status)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("a stalled logon body was not cut in 20 s")
	}
	t.Logf("stalled body cut after %v (%v)", time.Since(start).Round(time.Millisecond), err)
	conn.Close()

	// A body that keeps coming is not cut, however long it takes (longer
	// than the stall timeout here).
	tok := logonAt(t, ts.URL)
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 20; i++ {
			pw.Write([]byte(strings.Repeat(" ", 1000)))
			time.Sleep(100 * time.Millisecond)
		}
		pw.CloseWithError(io.EOF)
	}()
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/rest/api/uom/Event", io.MultiReader(pr, strings.NewReader(
		`<Event xmlns="`+uom.NSUOM+`"><EventType>CUSTOM_CLIENT_EVENT</EventType><EventData>slow</EventData></Event>`)))
	req.Header.Set("Content-Type", uom.MediaType(uom.ServiceUOM, "Event"))
	req.Header.Set("X-API-Session", tok)
	start = time.Now()
	r, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("a slow but steady body: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("a slow but steady body (%v): %s", time.Since(start).Round(time.Millisecond), r.Status)
	}

	// A flood of stalled connections (that the stall timeout does not cut
	// yet): at most 20 stay open, and a bystander logs on meanwhile.
	srv, ts := slowServer(t, Config{MaxUnauthConns: 20, StallTimeout: 20 * time.Second})
	addr = ts.Listener.Addr().String()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := stalledLogon(addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for deadline := time.Now().Add(30 * time.Second); srv.guard.closed.Load() < 280 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the server accepts what is in its backlog
	}
	if n := srv.Unauthenticated(); n > 20 {
		t.Errorf("%d unauthenticated connections open, the cap is 20", n)
	}
	if n := srv.guard.closed.Load(); n != 280 {
		t.Errorf("%d connections were closed to make room, want 280", n)
	}
	logonAt(t, ts.URL)
}

// TestFailedLogonsThrottled: past five failed logons for a user from one
// address, that pair waits (429 with Retry-After, no password check, the
// right password too), doubling with each further failure; the same user
// from another address, and other users from that address, go on; the
// wait over, the right password goes through and clears the count; an
// address failing for many users is throttled as a whole.
func TestFailedLogonsThrottled(t *testing.T) {
	f := newRestFixture(t)
	logon := func(user, pw, remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("PUT", "http://127.0.0.1:12080/rest/api/web/Logon", strings.NewReader(logonBody(user, pw)))
		req.Header.Set("Content-Type", uom.MediaType(uom.ServiceWeb, "LogonRequest"))
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	const a, b = "192.0.2.1:4000", "192.0.2.2:4000"
	for i := 0; i < 5; i++ {
		if rec := logon("padmin", "wrong", a); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, rec.Code)
		}
	}
	rec := logon("padmin", "pw", a)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("after 5 failures, the right password: %d (Retry-After %q)", rec.Code, rec.Header().Get("Retry-After"))
	}
	if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, "Too many failed logons for user padmin") {
		t.Errorf("throttled: %q", msg)
	}
	if rec := logon("padmin", "pw", b); rec.Code != http.StatusOK {
		t.Errorf("padmin from another address: %d", rec.Code)
	}
	if rec := logon("viewer", "pw", a); rec.Code != http.StatusOK {
		t.Errorf("another user from the same address: %d", rec.Code)
	}
	f.clock.Advance(time.Second)
	if rec := logon("padmin", "wrong", a); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the sixth failure: %d", rec.Code)
	}
	if rec := logon("padmin", "pw", a); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
		t.Errorf("after 6 failures: %d, Retry-After %q (want 2: the wait doubles)", rec.Code, rec.Header().Get("Retry-After"))
	}
	f.clock.Advance(2 * time.Second)
	if rec := logon("padmin", "pw", a); rec.Code != http.StatusOK {
		t.Fatalf("after the wait, the right password: %d", rec.Code)
	}
	if rec := logon("padmin", "wrong", a); rec.Code != http.StatusUnauthorized {
		t.Errorf("a success cleared the count; one failure: %d", rec.Code)
	}
	// One address failing for many users.
	for i := 0; i < 20; i++ {
		logon(fmt.Sprintf("guess%d", i), "x", b)
	}
	if rec := logon("padmin", "pw", b); rec.Code != http.StatusTooManyRequests {
		t.Errorf("an address with 20 failures for 20 users: %d", rec.Code)
	}
}

// TestFrontGuard: a front-end that forwards requests (pvm-rest) guards
// its connections as the REST server does: stalled logon bodies are cut,
// unauthenticated connections capped, and a connection through which a
// logon succeeded is kept however many stalled ones arrive.
func TestFrontGuard(t *testing.T) {
	g := NewConnGuard(10)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		switch {
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
		case r.URL.Path == "/rest/api/web/Logon" && strings.Contains(string(b), "pw"):
			w.WriteHeader(http.StatusOK)
		case r.Header.Get("X-API-Session") == "tok":
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	ts := httptest.NewUnstartedServer(nil)
	g.Configure(ts.Config)
	ts.Config.Handler = g.Front(backend, 300*time.Millisecond, 5*time.Second)
	ts.Start()
	defer ts.Close()
	addr := ts.Listener.Addr().String()

	conn, err := stalledLogon(addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("a stalled logon body through the front: %s", resp.Status)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("a stalled logon body through the front was not cut")
	}
	conn.Close()

	// A client logs on and keeps its connection.
	cl := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}, Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/rest/api/web/Logon", strings.NewReader(logonBody("padmin", "pw")))
	if r, err := cl.Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("logon through the front: %v %v", err, r)
	} else {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 100; i++ {
		c, err := stalledLogon(addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for deadline := time.Now().Add(5 * time.Second); g.closed.Load() < 90 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	g.mu.Lock()
	n := g.unauth.Len()
	g.mu.Unlock()
	if n > 10 {
		t.Errorf("%d unauthenticated connections through the front, the cap is 10", n)
	}
	reused := false
	req, _ = http.NewRequest(http.MethodGet, ts.URL+"/rest/api/uom/ManagedSystem", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
	req.Header.Set("X-API-Session", "tok")
	if r, err := cl.Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("the logged-on client after the flood: %v %v", err, r)
	} else {
		r.Body.Close()
	}
	if !reused {
		t.Error("the logged-on client's connection was closed by the flood")
	}
}
