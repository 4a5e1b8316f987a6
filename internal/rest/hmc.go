package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/semaphore"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// HMC is the REST API of a fleet's Hardware Management Console: one
// address for the whole fleet, as an HMC manages many servers. It has its
// own accounts (hscroot) and sessions and answers X-MC-Type: HMC:
//
//	/rest/api/web/Logon                          the HMC's accounts
//	/rest/api/uom/ManagementConsole[/<uuid>]     the HMC, ManagedSystems linking every system
//	/rest/api/uom/ManagementConsole/<uuid>/ManagedSystem[/...]   as /rest/api/uom/ManagedSystem[/...]
//	/rest/api/uom/ManagedSystem                  every system
//	/rest/api/uom/<Kind>                         the root feeds of every system, together
//	/rest/api/uom/<Kind>/<uuid>[/...]            the system that has the object
//	/rest/api/uom/jobs/<id>[/...]                the system that runs the job
//	/rest/api/uom/Event                          the events of every system
//	/rest/api/pcm/ManagedSystem/<uuid>/...       that system's performance data
//	/rest/api/sim/Fleet[/...]                    the fleet's controls (FleetControls)
//
// What is under a system is answered by that system's own server for the
// HMC's caller (Server.serve): the same objects, rules, jobs and events,
// with the HMC as the caller's management console (co-management).
type HMC struct {
	fleet    *core.Fleet
	servers  []*Server
	cfg      HMCConfig
	log      *slog.Logger
	sessions *sessions
	throttle *logonThrottle
	guard    *ConnGuard
	bodies   *semaphore.Weighted
	mux      *http.ServeMux
	uuid     string
	typ      string // the HMC's machine type, model and serial
	model    string
	serial   string
	txID     atomic.Uint64
	// eventEntries are the fleet's events as the polls answering them
	// share them.
	eventEntries eventEntries
}

// HMCConfig configures the HMC.
type HMCConfig struct {
	// Name and MTMS name the HMC (as the systems' core.Config has them).
	Name, MTMS     string
	SessionIdle    time.Duration
	EventWait      time.Duration
	StallTimeout   time.Duration
	MaxUnauthConns int
	Logger         *slog.Logger
	// Controls are the fleet's simulator controls (nil: none, 404).
	Controls FleetControls
}

// FleetControls are the simulator's controls of a fleet that only its
// HMC's address can serve: a system's NovaLink API down (its address
// refuses connections) and up again, a system powered off and on.
type FleetControls interface {
	// Systems describes every system (name, addresses, API and state).
	Systems() []FleetSystemStatus
	// SetAPI takes a system's NovaLink API down or up.
	SetAPI(name string, up bool) error
	// Power powers a system off or on.
	Power(name string, on bool) error
}

// FleetSystemStatus is a system as the fleet's controls show it.
type FleetSystemStatus struct {
	core.FleetSystemInfo
	HTTP  string `json:"http"`
	HTTPS string `json:"https"`
	API   string `json:"api"` // up or down
}

// NewHMC returns the HMC of a fleet whose systems' servers are servers
// (in the fleet's order).
func NewHMC(f *core.Fleet, servers []*Server, cfg HMCConfig) *HMC {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.EventWait == 0 {
		cfg.EventWait = 10 * time.Second
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = 30 * time.Second
	}
	if cfg.MaxUnauthConns == 0 {
		cfg.MaxUnauthConns = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MTMS == "" {
		cfg.MTMS = "7042-CR9*21F2D0A"
	}
	if cfg.Name == "" {
		cfg.Name = "hmc1"
	}
	h := &HMC{fleet: f, servers: servers, cfg: cfg, log: cfg.Logger.With("console", "hmc"),
		sessions: &sessions{m: map[string]*session{}, idle: cfg.SessionIdle, now: time.Now},
		guard:    NewConnGuard(cfg.MaxUnauthConns), bodies: semaphore.NewWeighted(bodyBudget),
		uuid: uuid.NewMD5(uuid.NameSpaceOID, []byte("ManagementConsole/HMC/"+cfg.MTMS)).String()}
	h.txID.Store(uint64(time.Now().UnixMilli()%10000000) * 10)
	h.typ, h.model, h.serial = splitMTMS(cfg.MTMS)
	h.throttle = newLogonThrottle(time.Now)
	h.routes()
	return h
}

// splitMTMS splits "7042-CR9*21F2D0A".
func splitMTMS(mtms string) (typ, mdl, serial string) {
	tm, serial, _ := strings.Cut(mtms, "*")
	typ, mdl, _ = strings.Cut(tm, "-")
	return
}

// ConfigureHTTPServer sets what an http.Server serving the HMC needs.
func (h *HMC) ConfigureHTTPServer(hs *http.Server) {
	hs.Handler = h
	h.guard.Configure(hs)
}

// SweepSessions drops expired sessions.
func (h *HMC) SweepSessions() { h.sessions.sweep() }

func (h *HMC) writeWindow() time.Duration { return h.cfg.EventWait + 4*h.cfg.StallTimeout }

// ServeHTTP answers a request to the HMC.
func (h *HMC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	setConsoleHeaders(hd, r, "HMC", &h.txID)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("panic in request handler", "method", r.Method, "path", r.URL.Path, "panic", v)
			h.writeError(w, r, model.Internal("Internal error: %v", v), nil)
		}
	}()
	if deadlineErr(http.NewResponseController(w).SetWriteDeadline(time.Now().Add(h.writeWindow()))) != nil {
		return // the connection has failed: nothing can be answered on it
	}
	defer h.guard.guard(w, r, h.cfg.StallTimeout, h.writeWindow(), h.bodies)()
	h.mux.ServeHTTP(w, r)
}

func (h *HMC) stamp() string { return time.Now().Format("2006-01-02T15:04:05.000Z07:00") }

func (h *HMC) writeError(w http.ResponseWriter, r *http.Request, err error, body []byte) {
	status, reason := statusOf(err)
	if status >= 500 {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeErrorEntry(w, r, status, reason, err.Error(), body, h.stamp())
}

func (h *HMC) notFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, errStatus(http.StatusNotFound, "There is no resource at %s %s on the HMC.", r.Method, r.URL.Path), nil)
}

func (h *HMC) routes() {
	m := http.NewServeMux()
	h.mux = m
	m.HandleFunc("PUT /rest/api/web/Logon", h.handleLogon)
	m.HandleFunc("DELETE /rest/api/web/Logon", h.handleLogoff)
	auth := func(fn func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			sess, ok := h.authenticate(w, r)
			if ok {
				fn(w, r, sess)
			}
		}
	}
	m.HandleFunc("GET /rest/api/uom/ManagementConsole", auth(h.handleConsoleFeed))
	m.HandleFunc("GET /rest/api/uom/ManagementConsole/{id}", auth(h.handleConsoleEntry))
	m.HandleFunc("/rest/api/uom/ManagementConsole/{id}/ManagedSystem", auth(h.handleConsoleSystems))
	m.HandleFunc("/rest/api/uom/ManagementConsole/{id}/ManagedSystem/", auth(h.handleConsoleSystems))
	m.HandleFunc("GET /rest/api/uom/Event", auth(func(w http.ResponseWriter, r *http.Request, sess *session) {
		writeEventFeed(w, r, h.fleet.Bus, &h.eventEntries, sess.token, h.cfg.EventWait, time.Now, func(err error) { h.writeError(w, r, err, nil) })
	}))
	m.HandleFunc("PUT /rest/api/uom/Event", auth(func(w http.ResponseWriter, r *http.Request, sess *session) {
		a := core.Actor{User: sess.user, Role: sess.role, Session: sess.token}
		acceptCustomEvent(w, r, h.fleet.Bus, a, time.Now(), func(err error, body []byte) { h.writeError(w, r, err, body) })
	}))
	m.HandleFunc("/rest/api/uom/jobs/{id}", auth(h.handleJob))
	m.HandleFunc("/rest/api/uom/jobs/{id}/", auth(h.handleJob))
	m.HandleFunc("GET /rest/api/uom/{root}", auth(h.handleRootFeed))
	m.HandleFunc("/rest/api/uom/{root}/{id}", auth(h.handleObject))
	m.HandleFunc("/rest/api/uom/{root}/{id}/", auth(h.handleObject))
	m.HandleFunc("/rest/api/pcm/ManagedSystem/{id}/", auth(h.handleSystemPath))
	m.HandleFunc("/rest/api/sim/Fleet", auth(h.handleFleet))
	m.HandleFunc("/rest/api/sim/Fleet/", auth(h.handleFleet))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errStatus(http.StatusNotFound, "There is no resource at %s %s on the HMC; what is under a managed system is at /rest/api/uom/ManagedSystem/{uuid}/..., and each system's NovaLink serves the rest (uploads, its own simulator controls).", r.Method, r.URL.Path), nil)
	})
}

// ---- sessions ----

func (h *HMC) handleLogon(w http.ResponseWriter, r *http.Request) {
	el, ok := readLogonRequest(w, r, h.writeError)
	if !ok {
		return
	}
	user, _ := el.FindText("UserID")
	password, hasPassword := el.FindText("Password")
	if !hasPassword {
		h.writeError(w, r, errStatus(http.StatusBadRequest, "The LogonRequest needs a Password: the HMC has no local logon."), nil)
		return
	}
	if d := h.throttle.wait(user, r.RemoteAddr); d > 0 {
		secs := int((d + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.writeError(w, r, &httpError{status: http.StatusTooManyRequests,
			msg: fmt.Sprintf("[PVME01040110-0054] Too many failed logons for user %s from this address; try again in %d seconds.", user, secs)}, nil)
		return
	}
	u, err := h.fleet.Authenticate(user, password)
	if errors.Is(err, core.ErrLogonsBusy) {
		w.Header().Set("Retry-After", "2")
		h.writeError(w, r, err, nil)
		return
	}
	if err != nil {
		h.throttle.failed(user, r.RemoteAddr)
		h.log.Warn("logon failed", "user", user, "remote", r.RemoteAddr)
		h.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040110-0050] The user ID or password is not valid."}, nil)
		return
	}
	h.throttle.succeeded(user, r.RemoteAddr)
	sess := &session{token: newToken(), user: u.Name, role: u.Role}
	h.sessions.add(sess)
	h.guard.authenticated(r)
	h.log.Info("logon", "user", sess.user, "role", sess.role, "remote", r.RemoteAddr)
	writeLogonResponse(w, sess)
}

func (h *HMC) handleLogoff(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("X-API-Session")
	if tok == "" || h.sessions.get(tok) == nil {
		h.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0052] No valid session: log on first."}, nil)
		return
	}
	h.sessions.remove(tok)
	w.WriteHeader(http.StatusNoContent)
}

func (h *HMC) authenticate(w http.ResponseWriter, r *http.Request) (*session, bool) {
	tok := r.Header.Get("X-API-Session")
	if tok == "" {
		h.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0052] No valid session: the request has no X-API-Session header. Log on first."}, nil)
		return nil, false
	}
	sess := h.sessions.get(tok)
	if sess == nil {
		h.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0053] The session is not valid or has expired. Log on again."}, nil)
		return nil, false
	}
	h.guard.authenticated(r)
	return sess, true
}

// ---- passing requests on to a system ----

// pass answers r with a system's server, for the session's user, as the
// path given (the request's own when "").
func (h *HMC) pass(w http.ResponseWriter, r *http.Request, s *Server, sess *session, path string) {
	r2 := r.Clone(r.Context())
	if path != "" {
		r2.URL = &url.URL{Path: path, RawQuery: r.URL.RawQuery}
		r2.RequestURI = r2.URL.RequestURI()
	}
	s.serve(w, r2, &hmcCaller{user: sess.user, role: sess.role, session: sess.token})
}

// systemByUUID is the server of a managed system (nil when none).
func (h *HMC) systemByUUID(id string) *Server {
	for _, s := range h.servers {
		if strings.EqualFold(s.core.System().UUID, id) {
			return s
		}
	}
	return nil
}

// handleObject passes on a request about an object at the root (or under
// it): to the system of a ManagedSystem, else to the first system that
// has the object (a shared storage pool's systems all have it).
func (h *HMC) handleObject(w http.ResponseWriter, r *http.Request, sess *session) {
	root, id := r.PathValue("root"), r.PathValue("id")
	if root == "ManagedSystem" {
		if s := h.systemByUUID(id); s != nil {
			h.pass(w, r, s, sess, "")
			return
		}
		h.writeError(w, r, model.ErrNoObject("ManagedSystem", id), nil)
		return
	}
	for _, s := range h.servers {
		if s.hasRoot(root, id) {
			h.pass(w, r, s, sess, "")
			return
		}
	}
	if len(h.servers) > 0 && h.servers[0].kinds[root] == nil {
		h.writeError(w, r, errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", root), nil)
		return
	}
	h.writeError(w, r, model.ErrNoObject(root, id), nil)
}

// handleSystemPath passes on a request under a managed system's UUID
// (/rest/api/pcm/ManagedSystem/<uuid>/...).
func (h *HMC) handleSystemPath(w http.ResponseWriter, r *http.Request, sess *session) {
	if s := h.systemByUUID(r.PathValue("id")); s != nil {
		h.pass(w, r, s, sess, "")
		return
	}
	h.writeError(w, r, model.ErrNoObject("ManagedSystem", r.PathValue("id")), nil)
}

// handleJob passes on a request about a job to the system running it.
func (h *HMC) handleJob(w http.ResponseWriter, r *http.Request, sess *session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		for _, s := range h.servers {
			if s.core.Jobs.Get(id) != nil {
				h.pass(w, r, s, sess, "")
				return
			}
		}
	}
	h.writeError(w, r, errStatus(http.StatusNotFound, "There is no job %s.", r.PathValue("id")), nil)
}

// handleConsoleSystems serves ManagementConsole/<uuid>/ManagedSystem[/...]
// (the HMC's links to its systems) as /rest/api/uom/ManagedSystem[/...].
func (h *HMC) handleConsoleSystems(w http.ResponseWriter, r *http.Request, sess *session) {
	if !strings.EqualFold(r.PathValue("id"), h.uuid) {
		h.writeError(w, r, model.ErrNoObject("ManagementConsole", r.PathValue("id")), nil)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/rest/api/uom/ManagementConsole/"+r.PathValue("id"))
	path := "/rest/api/uom" + rest
	if rest == "/ManagedSystem" || rest == "/ManagedSystem/" {
		if r.Method != http.MethodGet {
			h.notFound(w, r)
			return
		}
		h.rootFeed(w, r, sess, "ManagedSystem")
		return
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/ManagedSystem/"), "/")
	s := h.systemByUUID(parts[0])
	if s == nil {
		h.writeError(w, r, model.ErrNoObject("ManagedSystem", parts[0]), nil)
		return
	}
	h.pass(w, r, s, sess, path)
}

// ---- feeds of the whole fleet ----

func (h *HMC) handleRootFeed(w http.ResponseWriter, r *http.Request, sess *session) {
	h.rootFeed(w, r, sess, r.PathValue("root"))
}

// rootFeed answers the feed of a root kind with the entries of every
// system (an object several systems hold, such as a shared storage pool,
// once).
func (h *HMC) rootFeed(w http.ResponseWriter, r *http.Request, sess *session, root string) {
	if len(h.servers) == 0 || h.servers[0].kinds[root] == nil || !h.servers[0].kinds[root].root {
		h.writeError(w, r, errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", root), nil)
		return
	}
	g, err := parseGroups(r)
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	via := &hmcCaller{user: sess.user, role: sess.role, session: sess.token}
	var body []byte
	seen := map[string]bool{}
	hash := fnv.New64a()
	hash.Write([]byte(g.key))
	n := 0
	for _, s := range h.servers {
		r2 := r.Clone(context.WithValue(r.Context(), hmcCallerKey{}, via))
		a := s.core.ActorFor(via.user, via.role, via.session)
		r2.SetPathValue(consoleKey, a.Console)
		r2.SetPathValue(hmcViewKey, "1")
		r2.SetPathValue("root", root)
		body = s.appendRootEntries(body, r2, root, g, seen, func(id string, rev uint64) {
			hash.Write([]byte(id))
			hash.Write([]byte(strconv.FormatUint(rev, 10)))
			n++
		})
	}
	etag := strconv.FormatUint(hash.Sum64()>>33, 10)
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if n == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	self := baseURL(r) + r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	var head bytes.Buffer
	uom.AppendFeedStart(&head, uuid.NewMD5(uuid.NameSpaceURL, []byte(r.URL.Path)).String(), h.stamp(), []uom.Link{{Rel: "SELF", Href: self}})
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.Header().Set("Content-Length", strconv.Itoa(head.Len()+len(body)+len("</feed>")))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(head.Bytes())
	w.Write(body)
	w.Write([]byte("</feed>"))
}

// appendRootEntries appends the entries of the root feed of kind as r
// asks for them, skipping the objects in seen (and adding the others),
// and reports each entry's ID and revision.
func (s *Server) appendRootEntries(dst []byte, r *http.Request, kindName string, g groupSel, seen map[string]bool, each func(id string, rev uint64)) []byte {
	k := s.kinds[kindName]
	rc := &renderCtx{base: baseURL(r), now: s.core.Clock().Now()}
	var objs []object
	s.core.Read(func(st *model.State) {
		rc.sys, rc.acct = st.System, st.Accounting()
		objs = k.list(st, "")
	})
	for _, o := range objs {
		if seen[o.uuid] {
			continue
		}
		seen[o.uuid] = true
		each(o.uuid, o.rev)
		dst = s.appendEntryDoc(dst, "<entry>", r, k, o, rc, g)
	}
	return dst
}

// hasRoot tells whether the server has an object of a root kind.
func (s *Server) hasRoot(kindName, id string) bool {
	k := s.kinds[kindName]
	if k == nil || !k.root {
		return false
	}
	var ok bool
	s.core.Read(func(st *model.State) { _, ok = k.get(st, id) })
	return ok
}

// ---- the HMC itself ----

func (h *HMC) consoleEntry(r *http.Request) []byte {
	base := baseURL(r)
	b := newObject(uom.NSUOM, "ManagementConsole", h.uuid, 0, uom.Schema("ManagementConsole"))
	mtms := b.sub("MachineTypeModelAndSerialNumber")
	mtms.leaf("MachineType", h.typ)
	mtms.leaf("Model", h.model)
	mtms.leaf("SerialNumber", h.serial)
	b.empty("ManagedFrames")
	links := make([]string, len(h.servers))
	for i, s := range h.servers {
		links[i] = base + "/rest/api/uom/ManagementConsole/" + h.uuid + "/ManagedSystem/" + s.core.System().UUID
	}
	b.links("ManagedSystems", links)
	b.leaf("ManagementConsoleName", h.cfg.Name)
	nis := b.sub("NetworkInterfaces")
	ni := nis.item("ManagementConsoleNetworkInterface")
	ni.leaf("InterfaceName", "eth0")
	host := ""
	if u, err := url.Parse(base); err == nil {
		host = u.Hostname()
	}
	ni.leaf("NetworkAddress", host)
	b.sub("TemplateObjectModelVersion")
	b.sub("UserObjectModelVersion")
	b.sub("VersionInfo")
	b.sub("WebObjectModelVersion")
	b.empty("PowerEnterprisePools")
	var out bytes.Buffer
	uom.AppendEntry(&out, &uom.EntryHeader{ID: h.uuid, Title: "ManagementConsole", Published: h.stamp(),
		Links:       []uom.Link{{Rel: "SELF", Href: base + "/rest/api/uom/ManagementConsole/" + h.uuid}},
		Etag:        h.consoleEtag(),
		ContentType: uom.MediaType(uom.ServiceUOM, "ManagementConsole")}, b.el.Bytes(), false)
	return out.Bytes()
}

// consoleEtag moves when the fleet's systems do (never, today: they are
// the fleet file's).
func (h *HMC) consoleEtag() string {
	hash := fnv.New64a()
	for _, s := range h.servers {
		hash.Write([]byte(s.core.System().UUID))
	}
	return strconv.FormatUint(hash.Sum64()>>33, 10)
}

func (h *HMC) handleConsoleFeed(w http.ResponseWriter, r *http.Request, sess *session) {
	entry := h.consoleEntry(r)
	var b bytes.Buffer
	uom.AppendFeedStart(&b, uuid.NewMD5(uuid.NameSpaceURL, []byte(r.URL.Path)).String(), h.stamp(),
		[]uom.Link{{Rel: "SELF", Href: baseURL(r) + r.URL.Path}})
	b.Write(entry)
	uom.AppendFeedEnd(&b)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.Header().Set("ETag", h.consoleEtag())
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (h *HMC) handleConsoleEntry(w http.ResponseWriter, r *http.Request, sess *session) {
	if !strings.EqualFold(r.PathValue("id"), h.uuid) {
		h.writeError(w, r, model.ErrNoObject("ManagementConsole", r.PathValue("id")), nil)
		return
	}
	entry := h.consoleEntry(r)
	w.Header().Set("ETag", h.consoleEtag())
	writeEntry(w, r, http.StatusOK, entry[len("<entry>"):])
}

// ---- the fleet's controls ----

// handleFleet serves the fleet's simulator controls:
//
//	GET /rest/api/sim/Fleet                      the systems, their addresses, API and state
//	PUT /rest/api/sim/Fleet/<name>/API           {"state": "down"} or {"state": "up"}
//	PUT /rest/api/sim/Fleet/<name>/Power         {"state": "off"} or {"state": "on"}
func (h *HMC) handleFleet(w http.ResponseWriter, r *http.Request, sess *session) {
	if h.cfg.Controls == nil {
		h.writeError(w, r, errStatus(http.StatusNotFound, "The simulator's controls are turned off on this server (pvmd --no-sim-controls): there is no %s.", r.URL.Path), nil)
		return
	}
	if sess.role != core.RoleHMC && sess.role != core.RoleAdmin {
		h.writeError(w, r, errStatus(http.StatusForbidden, "[PVME01040129-0301] User %s (role %s) may not use the fleet's controls; the role %s is required.", sess.user, sess.role, core.RoleHMC), nil)
		return
	}
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/rest/api/sim/Fleet"), "/")
	if rest == "" {
		if r.Method != http.MethodGet {
			h.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "%s /rest/api/sim/Fleet: only GET lists the systems.", r.Method), nil)
			return
		}
		writeJSONValue(w, http.StatusOK, struct {
			Systems []FleetSystemStatus `json:"systems"`
		}{h.cfg.Controls.Systems()})
		return
	}
	name, control, ok := strings.Cut(rest, "/")
	if !ok || (control != "API" && control != "Power") || r.Method != http.MethodPut {
		h.writeError(w, r, errStatus(http.StatusNotFound, "There is no fleet control at %s %s: PUT /rest/api/sim/Fleet/{name}/API or /Power.", r.Method, r.URL.Path), nil)
		return
	}
	var body struct {
		State string `json:"state"`
	}
	if !readJSONBody(w, r, &body, func(err error) { h.writeError(w, r, err, nil) }) {
		return
	}
	var err error
	switch {
	case control == "API" && (body.State == "up" || body.State == "down"):
		err = h.cfg.Controls.SetAPI(name, body.State == "up")
	case control == "Power" && (body.State == "on" || body.State == "off"):
		err = h.cfg.Controls.Power(name, body.State == "on")
	default:
		want := `"up" or "down"`
		if control == "Power" {
			want = `"on" or "off"`
		}
		err = errStatus(http.StatusBadRequest, "[PVME01040129-0302] The state %q is not one the %s control takes: %s.", body.State, control, want)
	}
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	for _, st := range h.cfg.Controls.Systems() {
		if st.Name == name {
			writeJSONValue(w, http.StatusOK, st)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// readJSONBody reads a control's JSON body into v (one object, no
// unknown fields), or answers the error with werr.
func readJSONBody(w http.ResponseWriter, r *http.Request, v any, werr func(error)) bool {
	body, err := readBody(r)
	if err != nil {
		werr(err)
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		werr(errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted here; send application/json.", ct))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		werr(errStatus(http.StatusBadRequest, "The body is not valid JSON of the form {\"state\":\"down\"}: %v", err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		werr(errStatus(http.StatusBadRequest, "The body must be one JSON object, with nothing after it."))
		return false
	}
	return true
}
