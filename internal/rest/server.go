// Package rest serves the PowerVM REST API (the pvm-rest service): logon
// and sessions, the uom object feeds and entries with etags and extended
// attribute groups, search and quick properties, create/update/delete,
// jobs, the event feed, and HttpErrorResponse bodies for every error. It
// renders the model on each read (caching what it rendered by object
// revision) and turns writes into core operations.
package rest

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
}

// Server is the REST API of one core.
type Server struct {
	core     *core.Core
	cfg      Config
	log      *slog.Logger
	sessions *sessions
	cache    *entryCache
	txID     atomic.Uint64
	mux      *http.ServeMux
	kinds    map[string]*kind
	// streams counts the virtual terminal streams being served
	// (vterm.go).
	streams sync.WaitGroup
	json    jsonCache
	basic   basicCache
	// feedWorkers render the batches of a large feed (0: one per CPU).
	feedWorkers int
}

// MaxBody bounds request bodies.
const MaxBody = 16 << 20

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
	s := &Server{core: c, cfg: cfg, log: cfg.Logger,
		sessions: &sessions{m: map[string]*session{}, idle: cfg.SessionIdle, now: time.Now},
		cache:    newEntryCache(cfg.CacheBytes)}
	s.txID.Store(uint64(time.Now().UnixMilli()%10000000) * 10)
	s.kinds = s.registerKinds()
	for _, k := range s.kinds {
		k.media = uom.MediaType(uom.ServiceUOM, k.name)
	}
	s.routes()
	return s
}

// SweepSessions drops expired sessions (pvmd calls it periodically).
func (s *Server) SweepSessions() { s.sessions.sweep() }

// ServeHTTP adds the headers every response of the REST server carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-MC-Type", "PVM")
	h.Set("X-HMC-Schema-Version", "V1_3_0")
	tx := r.Header.Get("X-Transaction-ID")
	if tx == "" {
		tx = "XT" + strconv.FormatUint(s.txID.Add(1), 10)
	}
	h.Set("X-Transaction-ID", tx)
	h.Set("Cache-Control", "no-transform, must-revalidate, proxy-revalidate, no-cache=set-cookie")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in request handler", "method", r.Method, "path", r.URL.Path, "panic", v)
			s.writeError(w, r, model.Internal("Internal error: %v", v), nil)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

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
func readBody(r *http.Request) ([]byte, error) {
	var b []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= MaxBody {
		// Read into a buffer of the announced size: net/http's body is
		// that long, or fails to read.
		b = make([]byte, n)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	}
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "The request body could not be read: %v", err)
	}
	if len(b) > MaxBody {
		return nil, errStatus(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", MaxBody)
	}
	return b, nil
}

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
