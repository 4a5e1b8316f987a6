package rest

import (
	"container/list"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Slow and unauthenticated clients. A connection is unauthenticated until
// a request on it carries a live session or logs on; at most
// Config.MaxUnauthConns such connections are kept, and beyond that the
// oldest is closed (a bystander's logon, quick, goes through while a flood
// of stalled connections is cut). A request body that makes no progress
// for Config.StallTimeout is cut (a body that keeps coming, a large
// upload, is fine); a LogonRequest, tiny, has LogonReadTimeout (or the
// stall timeout, when shorter) in all.
// Headers have HeaderTimeout, idle keep-alive connections IdleTimeout.

// Timeouts of the HTTP servers.
const (
	HeaderTimeout    = 10 * time.Second
	IdleTimeout      = 2 * time.Minute
	LogonReadTimeout = 10 * time.Second
)

// connInfo is what the server knows of one connection.
type connInfo struct {
	conn   net.Conn
	authed atomic.Bool
	// busy marks a connection whose request has arrived whole and is
	// being answered (a logon checking its password): it is not closed
	// to make room; only those still sending, or idle, are.
	busy atomic.Bool
	elem *list.Element // in ConnGuard.unauth while unauthenticated
	// holding is the connection when it can hold its writes (onewrite.go).
	holding *holdingConn
}

type connKey struct{}

// ConnGuard keeps the unauthenticated connections of an HTTP server,
// oldest first, and guards its requests' bodies and answers (the REST
// server has one; pvm-rest, which forwards to pvm-core, makes its own
// with NewConnGuard).
type ConnGuard struct {
	mu     sync.Mutex
	max    int
	unauth *list.List // of *connInfo
	byConn map[net.Conn]*connInfo
	closed atomic.Int64 // connections closed to make room (for tests and logs)
}

// NewConnGuard returns a guard keeping at most max unauthenticated
// connections.
func NewConnGuard(max int) *ConnGuard {
	return &ConnGuard{max: max, unauth: list.New(), byConn: map[net.Conn]*connInfo{}}
}

// Configure sets what an http.Server needs to be guarded: the timeouts
// and the connection hooks of the unauthenticated cap.
func (g *ConnGuard) Configure(hs *http.Server) {
	hs.ReadHeaderTimeout = HeaderTimeout
	hs.IdleTimeout = IdleTimeout
	hs.MaxHeaderBytes = 64 << 10
	hs.ConnContext = g.connContext
	hs.ConnState = g.connState
}

// Front guards the requests of a front-end that forwards them (pvm-rest):
// their bodies are cut when they stall and their answers when the client
// stops reading, as the REST server's own; and since a front-end does not
// know sessions, a connection counts as authenticated once a request on
// it that carried a session, or logged on, is answered with success.
func (g *ConnGuard) Front(h http.Handler, stall, write time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if deadlineErr(rc.SetWriteDeadline(time.Now().Add(write))) != nil { // a hijack (a virtual terminal's stream) clears it
			return // the connection has failed: nothing can be answered on it
		}
		defer g.guard(w, r, stall, write, nil)()
		sw := &statusWriter{ResponseWriter: w, rc: rc, window: write, last: time.Now()}
		h.ServeHTTP(sw, r)
		if sw.status < 400 && (r.Header.Get("X-API-Session") != "" || r.URL.Path == "/rest/api/web/Logon") {
			g.authenticated(r)
		}
	})
}

// statusWriter remembers the status of an answer, and moves the write
// deadline on while a long answer (a download, an event poll) keeps
// coming.
type statusWriter struct {
	http.ResponseWriter
	status int
	rc     *http.ResponseController
	window time.Duration
	last   time.Time
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if now := time.Now(); w.window > 0 && now.Sub(w.last) > w.window/8 {
		if err := deadlineErr(w.rc.SetWriteDeadline(now.Add(w.window))); err != nil {
			return 0, err
		}
		w.last = now
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (g *ConnGuard) connContext(ctx context.Context, c net.Conn) context.Context {
	ci := &connInfo{conn: c, holding: holdingOf(c)}
	if pl := pollListenerOf(ctx); pl != nil && pl.wasReturned(c) {
		// An event poll's connection back from the lot: its client has
		// a session.
		ci.authed.Store(true)
		g.mu.Lock()
		g.byConn[c] = ci
		g.mu.Unlock()
		return context.WithValue(ctx, connKey{}, ci)
	}
	g.mu.Lock()
	g.byConn[c] = ci
	ci.elem = g.unauth.PushBack(ci)
	var evict []net.Conn
	for e := g.unauth.Front(); e != nil && g.max > 0 && g.unauth.Len() > g.max; {
		next := e.Next()
		if old := e.Value.(*connInfo); !old.busy.Load() {
			g.unauth.Remove(e)
			old.elem = nil
			evict = append(evict, old.conn)
		}
		e = next
	}
	g.mu.Unlock()
	for _, c := range evict {
		g.closed.Add(1)
		c.Close()
	}
	return context.WithValue(ctx, connKey{}, ci)
}

func (g *ConnGuard) connState(c net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	g.mu.Lock()
	if ci := g.byConn[c]; ci != nil {
		if ci.elem != nil {
			g.unauth.Remove(ci.elem)
			ci.elem = nil
		}
		delete(g.byConn, c)
	}
	g.mu.Unlock()
}

// authenticated marks the connection of a request as carrying a session.
func (g *ConnGuard) authenticated(r *http.Request) {
	ci, _ := r.Context().Value(connKey{}).(*connInfo)
	if ci == nil || ci.authed.Load() {
		return
	}
	ci.authed.Store(true)
	g.mu.Lock()
	if ci.elem != nil {
		g.unauth.Remove(ci.elem)
		ci.elem = nil
	}
	g.mu.Unlock()
}

// Unauthenticated returns how many unauthenticated connections are open.
func (s *Server) Unauthenticated() int {
	s.guard.mu.Lock()
	defer s.guard.mu.Unlock()
	return s.guard.unauth.Len()
}

// ConfigureHTTPServer sets what an http.Server serving this API on a TCP
// listener needs: the handler, the timeouts and the connection hooks of
// the unauthenticated cap.
func (s *Server) ConfigureHTTPServer(hs *http.Server) {
	hs.Handler = s
	s.guard.Configure(hs)
}

// stallBody is a request body cut when it makes no progress for stall
// (each read moves the connection's read deadline on), or when it is not
// all read by deadline (when set).
type stallBody struct {
	io.ReadCloser
	hold     bodyHold  // what the body holds of the server's body budget
	ci       *connInfo // marked busy once the body is read whole
	rc       *http.ResponseController
	stall    time.Duration
	write    time.Duration // the answer's time once the body is read
	deadline time.Time
	last     time.Time
	failed   error // the connection's deadline could not be set: reads fail with it
}

func (b *stallBody) Read(p []byte) (int, error) {
	if b.failed != nil {
		return 0, b.failed
	}
	now := time.Now()
	if b.deadline.IsZero() && now.Sub(b.last) > b.stall/8 {
		b.failed = deadlineErr(errors.Join(b.rc.SetReadDeadline(now.Add(b.stall)),
			b.rc.SetWriteDeadline(now.Add(b.stall+b.write)))) // the answer follows the body
		if b.failed != nil {
			return 0, b.failed
		}
		b.last = now
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		if b.ci != nil {
			b.ci.busy.Store(true)
		}
		// Read to its end: the connection's reads are the server's again
		// (it watches them for the client going away). After a failure
		// the deadline stays: the server's own reads of what is left
		// must not wait for a client that stalls. (A connection that
		// has failed fails the answer's writes: the body is whole.)
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// deadlineErr is what a failure to set a connection's deadline means to
// a request: nothing when the answer has no connection (a handler
// called directly, as by a test's recorder: http.ErrNotSupported), else
// that the connection has failed and the request cannot be answered.
func deadlineErr(err error) error {
	if err == nil || errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

func noop() {}

// writeWindow is how long an answer has to be written: the event wait and
// a few stall timeouts (downloads and uploads move it on as they make
// progress).
func (s *Server) writeWindow() time.Duration { return s.cfg.EventWait + 4*s.cfg.StallTimeout }

// guardBody guards a request of the REST server (guard).
func (s *Server) guardBody(w http.ResponseWriter, r *http.Request) (done func()) {
	return s.guard.guard(w, r, s.cfg.StallTimeout, s.writeWindow(), s.bodies)
}

// guard wraps a request's body with its stall timeout (a logon: its
// whole-read timeout) and its hold on the body budget (sem, when not
// nil), and marks the connection busy while the request, arrived whole,
// is answered. The returned function ends that when the request ends.
func (g *ConnGuard) guard(w http.ResponseWriter, r *http.Request, stall, write time.Duration, sem *semaphore.Weighted) (done func()) {
	ci, _ := r.Context().Value(connKey{}).(*connInfo)
	if r.Body == nil || r.Body == http.NoBody {
		if ci == nil {
			return noop
		}
		ci.busy.Store(true)
		return func() { ci.busy.Store(false) }
	}
	b := &stallBody{ReadCloser: r.Body, ci: ci, rc: http.NewResponseController(w), stall: stall, write: write,
		hold: bodyHold{sem: sem}}
	done = func() {
		b.hold.release()
		if ci != nil {
			ci.busy.Store(false)
		}
	}
	if r.URL.Path == "/rest/api/web/Logon" {
		b.deadline = time.Now().Add(min(LogonReadTimeout, stall))
		b.failed = deadlineErr(b.rc.SetReadDeadline(b.deadline))
	}
	r.Body = b
	return done
}
