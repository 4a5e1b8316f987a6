// Package rest serves the PowerVM REST API (the pvm-rest service): logon
// and sessions, the uom object feeds and entries with etags and extended
// attribute groups, search and quick properties, create/update/delete,
// jobs, the event feed, and HttpErrorResponse bodies for every error. It
// renders the model on each read (caching what it rendered by object
// revision) and turns writes into core operations.
package rest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// Config configures the REST server.
type Config struct {
	// SessionDir is where local logons write their session files.
	SessionDir string
	// SessionIdle is how long a session lives without requests.
	SessionIdle time.Duration
	// EventWait is how long an event poll waits for an event.
	EventWait time.Duration
	// CacheBytes bounds the rendered-entry cache.
	CacheBytes int64
	// LocalLogonOverTLS also accepts local logons on the HTTPS port (from
	// loopback).
	LocalLogonOverTLS bool
	Logger            *slog.Logger
	// NoSimControls turns the simulator's controls (/rest/api/sim) off.
	NoSimControls bool
	// MaxUnauthConns bounds the connections that have not authenticated
	// (beyond, the oldest is closed); StallTimeout cuts a request body
	// that makes no progress for that long (see conns.go).
	MaxUnauthConns int
	StallTimeout   time.Duration
}

// Server is the REST API of one core.
type Server struct {
	core     *core.Core
	cfg      Config
	log      *slog.Logger
	sessions *sessions
	cache    *entryCache
	styles   styleSet // the entry styles of cache keys (objects.go)
	// lastStyle is the style prepareEntries worked out last (objects.go).
	lastStyle atomic.Pointer[styleMemo]
	listings  listings // large feeds' objects, as listed last (objects.go)
	txID      atomic.Uint64
	lot       pollLot // parked event polls (events_park.go)
	// mux routes the requests; it is made at the first request
	// (routesOnce): a fleet makes hundreds of servers at its start, most
	// of which wait a while for their first client.
	mux        *http.ServeMux
	routesOnce sync.Once
	kinds      map[string]*kind
	// streams counts the virtual terminal streams being served
	// (vterm.go).
	streams sync.WaitGroup
	json    jsonCache
	basic   basicCache
	// feedWorkers render the batches of a large feed (0: one per CPU).
	feedWorkers int
	// storing counts the feeds whose entries are being stored in the
	// cache after their answers (storeLater).
	storing  sync.WaitGroup
	guard    *ConnGuard
	throttle *logonThrottle
	bodies   *semaphore.Weighted // the body budget (bodyBudget)
	// eventEntries are the events as the polls answering them share
	// them (events.go).
	eventEntries eventEntries
}

// MaxBody bounds request bodies.
const MaxBody = 16 << 20

// MaxLogonBody bounds a LogonRequest (a user name and a password): it is
// read before anything is authenticated.
const MaxLogonBody = 64 << 10

// requestLimits bound the XML of request bodies: far above what a PowerVM
// client sends (a VIOS with thousands of mappings has tens of thousands
// of elements), well below what would let one request pin much memory.
var requestLimits = uom.Limits{MaxAttrs: 256, MaxNamespaces: 128, MaxElements: 250000}

// decodeBody decodes a request body within requestLimits. The decoded
// strings share the body's memory (a large body is not copied): a body
// is never changed once read.
func decodeBody(body []byte) (*uom.Element, error) {
	return uom.DecodeOwnedLimits(body, requestLimits)
}

// New returns a server for c.
func New(c *core.Core, cfg Config) *Server {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.EventWait == 0 {
		cfg.EventWait = 10 * time.Second
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 64 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxUnauthConns == 0 {
		cfg.MaxUnauthConns = 256
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = 30 * time.Second
	}
	s := &Server{core: c, cfg: cfg, log: cfg.Logger, guard: NewConnGuard(cfg.MaxUnauthConns),
		sessions: &sessions{m: map[string]*session{}, idle: cfg.SessionIdle, now: time.Now},
		cache:    newEntryCache(cfg.CacheBytes)}
	s.throttle = newLogonThrottle(func() time.Time { return c.Clock().Now() })
	s.bodies = semaphore.NewWeighted(bodyBudget)
	s.txID.Store(uint64(time.Now().UnixMilli()%10000000) * 10)
	s.kinds = s.registerKinds()
	for _, ops := range restJobs {
		for op := range ops {
			c.AddJobNames(op)
		}
	}
	for _, k := range s.kinds {
		k.media = uom.MediaType(uom.ServiceUOM, k.name)
	}
	return s
}

// SweepSessions drops expired sessions (pvmd calls it periodically).
func (s *Server) SweepSessions() { s.sessions.sweep() }

// ServeHTTP adds the headers every response of the REST server carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r, nil) }

// serve answers a request: a client's, or one the fleet's HMC passes on
// for its caller (via not nil: the HMC guards the connection and the body,
// and the answer is the HMC's).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, via *hmcCaller) {
	if via == nil && s.servesEventPoll(r) {
		s.serveEventPoll(w, r)
		return
	}
	if via != nil {
		r = r.WithContext(context.WithValue(r.Context(), hmcCallerKey{}, via))
	}
	s.setHeaders(w.Header(), r, via != nil)
	defer s.recoverPanic(w, r)
	// A client that does not read its answer is cut too (writeWindow); a
	// stream (a virtual terminal) is hijacked, which clears the deadline,
	// and times its writes itself.
	if via == nil {
		if deadlineErr(http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeWindow()))) != nil {
			return // the connection has failed: nothing can be answered on it
		}
		defer s.guardBody(w, r)()
	}
	// The system's fault rules hold for its clients and for the requests
	// the fleet's HMC passes on to it alike.
	if !s.checkFaults(w, r) {
		return
	}
	s.routesOnce.Do(s.routes)
	s.mux.ServeHTTP(w, r)
}

// recoverPanic answers a request whose handler panicked with an internal
// error (deferred; an aborted handler's panic goes on to net/http).
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error("panic in request handler", "method", r.Method, "path", r.URL.Path, "panic", v)
		if w.Header().Get("X-MC-Type") == "" { // an event poll's headers are set when it answers
			s.setHeaders(w.Header(), r, false)
		}
		s.writeError(w, r, model.Internal("Internal error: %v", v), nil)
	}
}

// setHeaders sets the headers every answer of the REST server carries
// (fromHMC: those of the fleet's HMC).
func (s *Server) setHeaders(h http.Header, r *http.Request, fromHMC bool) {
	mcType := "PVM"
	if fromHMC {
		mcType = "HMC"
	}
	setConsoleHeaders(h, r, mcType, &s.txID)
}

// setHeadersTx is setHeaders for a parked poll's answer, whose request
// had tx as its transaction ID.
func (s *Server) setHeadersTx(h http.Header, tx string) {
	setConsoleHeadersTx(h, tx, "PVM", &s.txID)
}

// setConsoleHeaders sets the headers of a management console's answers:
// its type (PVM for a NovaLink, HMC), the schema version, the client's
// transaction ID or a new one from next, and the cache rules.
//
// The constant values are shared slices put in the map under their
// canonical keys (what Header.Set does, without its two allocations for
// each): every answer carries them.
func setConsoleHeaders(h http.Header, r *http.Request, mcType string, next *atomic.Uint64) {
	setConsoleHeadersTx(h, r.Header.Get("X-Transaction-ID"), mcType, next)
}

// setConsoleHeadersTx is setConsoleHeaders for a request whose
// transaction ID header was tx.
func setConsoleHeadersTx(h http.Header, tx string, mcType string, next *atomic.Uint64) {
	switch mcType {
	case "PVM":
		h["X-Mc-Type"] = mcTypePVM
	case "HMC":
		h["X-Mc-Type"] = mcTypeHMC
	default:
		h.Set("X-MC-Type", mcType)
	}
	h["X-Hmc-Schema-Version"] = schemaVersionHeader
	if tx == "" {
		tx = "XT" + strconv.FormatUint(next.Add(1), 10)
	}
	h["X-Transaction-Id"] = []string{tx}
	h["Cache-Control"] = cacheControlHeader
}

// Header values every answer shares (never changed in place).
var (
	mcTypePVM           = []string{"PVM"}
	mcTypeHMC           = []string{"HMC"}
	schemaVersionHeader = []string{"V1_3_0"}
	cacheControlHeader  = []string{"no-transform, must-revalidate, proxy-revalidate, no-cache=set-cookie"}
	atomContentType     = []string{uom.MediaTypeAtom}
)

func (s *Server) routes() {
	m := http.NewServeMux()
	s.mux = m
	m.HandleFunc("PUT /rest/api/web/Logon", s.handleLogon)
	m.HandleFunc("DELETE /rest/api/web/Logon", s.handleLogoff)

	auth := func(h func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a, ok := s.authenticate(w, r)
			if !ok {
				return
			}
			h(w, r, a)
		}
	}
	// Event polls are served before the router (serveEventPoll); this
	// route serves them while fault rules are active.
	m.HandleFunc("GET /rest/api/uom/Event", auth(s.handleEventGet))
	m.HandleFunc("PUT /rest/api/uom/Event", auth(s.handleEventPut))
	m.HandleFunc("GET /rest/api/uom/jobs/{id}", auth(s.handleJobGet))
	m.HandleFunc("DELETE /rest/api/uom/jobs/{id}", auth(s.handleJobDelete))
	m.HandleFunc("POST /rest/api/uom/jobs/{id}/cancel", auth(s.handleJobCancel))
	m.HandleFunc("PUT /rest/api/uom/jobs/{id}/cancel", auth(s.handleJobCancel))
	s.fileRoutes(m, auth)
	s.vtermRoutes(m, auth)
	s.pcmRoutes(m, auth)
	s.simRoutes(m, auth)
	m.HandleFunc("GET /metrics", s.handleMetrics(s.metricsHandler()))

	// Objects. The URL grammar (feeds, entries, child feeds, search, quick,
	// do) overlaps in ways ServeMux patterns cannot tell apart, so there is
	// one pattern per path length and the literal keywords are read here.
	notFound := func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no resource at %s %s.", r.Method, r.URL.Path), nil)
	}
	set := func(r *http.Request, kv ...string) {
		for i := 0; i+1 < len(kv); i += 2 {
			r.SetPathValue(kv[i], r.PathValue(kv[i+1]))
		}
	}
	m.HandleFunc("GET /rest/api/uom/{root}", auth(s.handleFeed))
	m.HandleFunc("PUT /rest/api/uom/{root}", auth(s.handleCreate))
	m.HandleFunc("GET /rest/api/uom/{root}/{id}", auth(s.handleEntry))
	m.HandleFunc("POST /rest/api/uom/{root}/{id}", auth(s.handleUpdate))
	m.HandleFunc("DELETE /rest/api/uom/{root}/{id}", auth(s.handleDelete))
	m.HandleFunc("/rest/api/uom/{root}/{a}/{b}", auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		switch {
		case r.Method == http.MethodGet && r.PathValue("a") == "search":
			set(r, "q", "b")
			s.handleSearch(w, r, a)
		case r.Method == http.MethodGet && r.PathValue("b") == "quick":
			set(r, "id", "a")
			s.handleQuick(w, r, a)
		case r.PathValue("a") == "do" && r.Method == http.MethodGet:
			// <root>/do/<op> without a UUID: the kind's single object
			// (pypowervm reads ManagementConsole/do/CLIRunner so).
			set(r, "op", "b")
			s.handleJobTemplate(w, r, a)
		case r.PathValue("a") == "do" && r.Method == http.MethodPut:
			set(r, "op", "b")
			s.handleJobStart(w, r, a)
		case r.Method == http.MethodGet:
			set(r, "id", "a", "child", "b")
			s.handleFeed(w, r, a)
		case r.Method == http.MethodPut:
			set(r, "id", "a", "child", "b")
			s.handleCreate(w, r, a)
		default:
			notFound(w, r)
		}
	}))
	m.HandleFunc("/rest/api/uom/{root}/{a}/{b}/{c}", auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		kw := r.PathValue("b")
		switch {
		case kw == "quick" && r.Method == http.MethodGet:
			set(r, "id", "a", "prop", "c")
			s.handleQuick(w, r, a)
		case kw == "do" && r.Method == http.MethodGet:
			set(r, "id", "a", "op", "c")
			s.handleJobTemplate(w, r, a)
		case kw == "do" && r.Method == http.MethodPut:
			set(r, "id", "a", "op", "c")
			s.handleJobStart(w, r, a)
		case r.Method == http.MethodGet:
			set(r, "id", "a", "child", "b", "cid", "c")
			s.handleEntry(w, r, a)
		case r.Method == http.MethodPost:
			set(r, "id", "a", "child", "b", "cid", "c")
			s.handleUpdate(w, r, a)
		case r.Method == http.MethodDelete:
			set(r, "id", "a", "child", "b", "cid", "c")
			s.handleDelete(w, r, a)
		default:
			notFound(w, r)
		}
	}))
	// A child of a child (grandchild): /<gp>/<gpid>/<parent>/<id>/<kind>[/<cid>].
	grandchild := func(r *http.Request, cid bool) {
		set(r, "gproot", "root", "gpid", "a", "root", "b", "id", "c", "child", "d")
		if cid {
			set(r, "cid", "e")
		}
	}
	m.HandleFunc("/rest/api/uom/{root}/{a}/{b}/{c}/{d}", auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		switch {
		case r.Method == http.MethodGet && r.PathValue("c") == "search":
			set(r, "id", "a", "child", "b", "q", "d")
			s.handleSearch(w, r, a)
		case r.Method == http.MethodGet && r.PathValue("d") == "quick":
			set(r, "id", "a", "child", "b", "cid", "c")
			s.handleQuick(w, r, a)
		case r.Method == http.MethodGet:
			grandchild(r, false)
			s.handleFeed(w, r, a)
		case r.Method == http.MethodPut:
			grandchild(r, false)
			s.handleCreate(w, r, a)
		default:
			notFound(w, r)
		}
	}))
	m.HandleFunc("/rest/api/uom/{root}/{a}/{b}/{c}/{d}/{e}", auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		switch kw := r.PathValue("d"); {
		case kw == "quick" && r.Method == http.MethodGet:
			set(r, "id", "a", "child", "b", "cid", "c", "prop", "e")
			s.handleQuick(w, r, a)
		case kw == "do" && r.Method == http.MethodGet:
			set(r, "id", "a", "child", "b", "cid", "c", "op", "e")
			s.handleJobTemplate(w, r, a)
		case kw == "do" && r.Method == http.MethodPut:
			set(r, "id", "a", "child", "b", "cid", "c", "op", "e")
			s.handleJobStart(w, r, a)
		case kw == "quick" || kw == "do":
			notFound(w, r)
		case r.Method == http.MethodGet:
			grandchild(r, true)
			s.handleEntry(w, r, a)
		case r.Method == http.MethodPost:
			grandchild(r, true)
			s.handleUpdate(w, r, a)
		case r.Method == http.MethodDelete:
			grandchild(r, true)
			s.handleDelete(w, r, a)
		default:
			notFound(w, r)
		}
	}))
	m.HandleFunc("GET /rest/api/uom/{root}/{a}/{b}/{c}/{d}/{e}/{f}", auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		switch {
		case r.PathValue("e") == "search":
			grandchild(r, false)
			set(r, "q", "f")
			s.handleSearch(w, r, a)
		case r.PathValue("f") == "quick":
			grandchild(r, true)
			s.handleQuick(w, r, a)
		default:
			notFound(w, r)
		}
	}))

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no resource at %s %s.", r.Method, r.URL.Path), nil)
	})
}

// readBody reads a request body up to MaxBody.
func readBody(r *http.Request) ([]byte, error) { return readBodyMax(r, MaxBody) }

// Request bodies held in memory at once are bounded (bodyBudget bytes,
// counted in bodyChunk steps as they are read; released when the request
// ends): many large bodies at once wait for room, then are refused (503)
// rather than pin memory without end. Uploads stream to disk and are not
// counted.
const (
	bodyBudget = 64 << 20
	bodyChunk  = 64 << 10
)

// bodyWait is how long a body waits for room in the budget.
var bodyWait = 10 * time.Second

// bodyHold is what a request holds of the body budget.
type bodyHold struct {
	sem  *semaphore.Weighted
	held int64
}

func (h *bodyHold) release() {
	if h.sem != nil && h.held > 0 {
		h.sem.Release(h.held)
		h.held = 0
	}
}

// reserve makes room for a body of n bytes.
func (h *bodyHold) reserve(ctx context.Context, n int64) error {
	if h.sem == nil || n <= h.held {
		return nil
	}
	need := (n - h.held + bodyChunk - 1) / bodyChunk * bodyChunk
	if h.sem.TryAcquire(need) {
		h.held += need
		return nil
	}
	// Not the request's context: a shutdown cancels it, and the requests
	// in flight are to finish as they would have.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bodyWait)
	defer cancel()
	if err := h.sem.Acquire(ctx, need); err != nil {
		return model.Unavailable("The server holds as many large request bodies as it takes at once; try again in a moment.")
	}
	h.held += need
	return nil
}

// readBodyMax reads a request body up to max bytes. A body with a
// Content-Length is read straight into a buffer of that size (and one
// byte more, to see its end); one without grows as it arrives, from
// bodyStep. Memory is reserved in the body budget before it is taken.
func readBodyMax(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errStatus(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", limit)
	}
	var hold *bodyHold
	if sb, ok := r.Body.(*stallBody); ok {
		hold = &sb.hold
	}
	var b []byte
	if r.ContentLength > 0 {
		if hold != nil {
			if err := hold.reserve(r.Context(), r.ContentLength+1); err != nil {
				return nil, err
			}
		}
		b = make([]byte, 0, r.ContentLength+1)
	}
	for {
		if len(b) == cap(b) {
			// No Content-Length: grow by a quarter of what the body has
			// so far (at least bodyStep), up to one byte beyond the limit.
			grow := min(max(int64(len(b))/4, bodyStep), limit+1-int64(len(b)))
			if hold != nil {
				if err := hold.reserve(r.Context(), int64(len(b))+grow); err != nil {
					return nil, err
				}
			}
			nb := make([]byte, len(b), int64(len(b))+grow)
			b = nb[:copy(nb, b)]
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, errStatus(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, errStatus(http.StatusBadRequest, "The request body could not be read: %v", err)
		}
	}
}

// bodyStep is the first buffer of a body without a Content-Length.
const bodyStep = 4 << 10

// baseURL is scheme://host[:port] as the client addressed us.
func baseURL(r *http.Request) string {
	scheme := "http"
	if overTLS(r) {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

func (s *Server) nowStamp() string {
	return s.core.Clock().Now().Format("2006-01-02T15:04:05.000Z07:00")
}

// groupSel is the ?group= selection of extended attribute groups.
type groupSel struct {
	all   bool
	names map[string]bool
	key   string // canonical query value ("" when absent)
}

func (g groupSel) has(name string) bool { return g.all || g.names[name] }

// knownGroups are the extended attribute groups of the API.
var knownGroups = map[string]bool{"All": true, "None": true, "Advanced": true, "EnergyManagement": true,
	"Hypervisor": true, "NVRAM": true, "SystemNetwork": true, "TierThreshold": true, "ViosFCMapping": true,
	"ViosNetwork": true, "ViosSCSIMapping": true, "ViosStorage": true, "VNIC": true}

func parseGroups(r *http.Request) (groupSel, error) {
	if r.URL.RawQuery == "" {
		return groupSel{all: true}, nil // no query to parse (a create's, most reads')
	}
	vals, present := r.URL.Query()["group"]
	if !present {
		return groupSel{all: true}, nil
	}
	g := groupSel{names: map[string]bool{}}
	var keys []string
	for _, v := range vals {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !knownGroups[name] {
				return g, errStatus(http.StatusBadRequest, "The extended attribute group %q is not known. Known groups: All, None, Advanced, EnergyManagement, Hypervisor, NVRAM, SystemNetwork, TierThreshold, ViosFCMapping, ViosNetwork, ViosSCSIMapping, ViosStorage, VNIC.", name)
			}
			if name == "All" {
				g.all = true
			}
			if !g.names[name] {
				g.names[name] = true
				keys = append(keys, name)
			}
		}
	}
	g.key = strings.Join(keys, ",")
	return g, nil
}

func (g groupSel) query() string {
	if g.key == "" {
		return ""
	}
	return "?group=" + g.key
}

// etagMatch compares an If-Match / If-None-Match header with an etag.
func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		v = strings.Trim(v, `"`)
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, v)
}

func quoteJSON(s string) string { return strconv.Quote(s) }

// jsonValue renders a quick property.
func jsonValue(v any) string {
	switch x := v.(type) {
	case string:
		return quoteJSON(x)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case quickNumber:
		return string(x)
	case quickNull:
		return "null"
	}
	return quoteJSON(fmt.Sprint(v))
}
