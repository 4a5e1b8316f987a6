// Package clitest runs pvmctl in-process against a replay server that
// answers reads with captured responses of real NovaLink and HMC servers
// (testdata/pypowervm) and records writes, for the object
// packages' tests. It is linked by tests only.
package clitest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/capture"
	"github.com/novalink-project/novalink/internal/cli"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/uom"
)

// Request is a write the server received.
type Request struct {
	Method, Path, IfMatch, ContentType string
	Body                               []byte
}

// Element decodes the request body.
func (r *Request) Element(t *testing.T) *uom.Element {
	t.Helper()
	el, err := uom.DecodeBytes(r.Body)
	if err != nil {
		t.Fatalf("%s %s: body is not XML: %v\n%s", r.Method, r.Path, err, r.Body)
	}
	return el
}

// hostRE finds the captured servers' addresses in links.
var hostRE = regexp.MustCompile(`https?://[^/"\s]+/rest/api/`)

type route struct {
	method string
	re     *regexp.Regexp
	resp   *capture.Response
	status int
	body   []byte
	ctype  string
}

// Server is the replay server.
type Server struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes []route
	writes []*Request
	reads  map[string]int
	// Env is the environment pvmctl runs with (PVM_URL ... set by New).
	Env map[string]string
}

// New starts a replay server (the test is skipped when the captures are
// not here). Every run logs on with the captured logon response.
func New(t *testing.T) *Server {
	t.Helper()
	if _, ok := capture.Dir(); !ok {
		t.Fatal("the captured responses (testdata/pypowervm) are not here")
	}
	s := &Server{t: t, reads: map[string]int{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	s.Route("PUT", `^/rest/api/web/Logon$`, "logon.xml")
	s.Env = map[string]string{
		"PVM_URL": s.srv.URL, "PVM_USER": "hscroot", "PVM_PASSWORD": "abc123",
		"PVMCTL_LOG": "off", "PVMCTL_SESSION_DIR": "off",
	}
	return s
}

// Route answers method requests whose path (without query) matches the
// pattern with the first response of a capture file. Later routes win.
func (s *Server) Route(method, pattern, file string) {
	rs, err := capture.Load(file)
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, route{method: method, re: regexp.MustCompile(pattern), resp: rs[0]})
}

// FeedEdited answers GET requests matching the pattern with a capture file
// edited by regexp replacements (pattern, replacement, pattern, ...).
func (s *Server) FeedEdited(pattern, file string, edits ...string) {
	rs, err := capture.Load(file)
	if err != nil {
		s.t.Fatal(err)
	}
	r := *rs[0]
	for i := 0; i+1 < len(edits); i += 2 {
		r.Body = regexp.MustCompile(edits[i]).ReplaceAll(r.Body, []byte(edits[i+1]))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, route{method: "GET", re: regexp.MustCompile(pattern), resp: &r})
}

// Feed answers GET requests matching the pattern with a capture file.
func (s *Server) Feed(pattern, file string) { s.Route("GET", pattern, file) }

// Empty answers GET requests matching the pattern with an empty feed (204).
func (s *Server) Empty(pattern string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, route{method: "GET", re: regexp.MustCompile(pattern), status: http.StatusNoContent})
}

// JSON answers method requests matching the pattern with a JSON body (200),
// as the simulator's controls answer.
func (s *Server) JSON(method, pattern, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, route{method: method, re: regexp.MustCompile(pattern), status: http.StatusOK,
		body: []byte(body), ctype: "application/json"})
}

// Fail answers requests matching the pattern with an HttpErrorResponse.
func (s *Server) Fail(method, pattern string, status int, message string) {
	body := `<entry xmlns="http://www.w3.org/2005/Atom"><id>e</id><title>HttpErrorResponse</title>` +
		`<content type="application/vnd.ibm.powervm.web+xml; type=HttpErrorResponse">` +
		`<HttpErrorResponse:HttpErrorResponse xmlns:HttpErrorResponse="http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/" xmlns="http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/" schemaVersion="V1_0">` +
		`<HTTPStatus>` + http.StatusText(status) + `</HTTPStatus><RequestURI></RequestURI><ReasonCode>x</ReasonCode><Message>` + message + `</Message>` +
		`</HttpErrorResponse:HttpErrorResponse></content></entry>`
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes = append(s.routes, route{method: method, re: regexp.MustCompile(pattern), status: status, body: []byte(body)})
}

// ServeHTTP answers a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var hit *route
	for i := len(s.routes) - 1; i >= 0; i-- {
		if rt := &s.routes[i]; rt.method == r.Method && rt.re.MatchString(r.URL.Path) {
			hit = rt
			break
		}
	}
	s.reads[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	if hit != nil {
		if hit.resp == nil {
			if hit.ctype != "" {
				w.Header().Set("Content-Type", hit.ctype)
			}
			w.WriteHeader(hit.status)
			w.Write(hit.body)
			return
		}
		for k, v := range hit.resp.Headers {
			switch strings.ToLower(k) {
			case "content-length", "transfer-encoding", "set-cookie":
				continue
			}
			w.Header().Set(k, v)
		}
		w.WriteHeader(hit.resp.Status())
		// Links point at this server, not at the one captured.
		w.Write(hostRE.ReplaceAll(hit.resp.Body, []byte(s.srv.URL+"/rest/api/")))
		return
	}
	switch r.Method {
	case "PUT", "POST", "DELETE":
		body, _ := io.ReadAll(r.Body)
		req := &Request{Method: r.Method, Path: r.URL.Path, IfMatch: r.Header.Get("If-Match"),
			ContentType: r.Header.Get("Content-Type"), Body: body}
		s.mu.Lock()
		s.writes = append(s.writes, req)
		s.mu.Unlock()
		if r.Method == "DELETE" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// Answer with the object sent, as an entry.
		obj := body
		if i := bytes.Index(obj, []byte("?>")); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(obj), []byte("<?xml")) {
			obj = obj[i+2:]
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("ETag", "1")
		io.WriteString(w, `<entry xmlns="http://www.w3.org/2005/Atom"><id>new</id><title>Object</title>`+
			`<content type="application/vnd.ibm.powervm.uom+xml; type=Object">`)
		w.Write(obj)
		io.WriteString(w, `</content></entry>`)
		return
	}
	http.Error(w, "no capture for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
}

// Writes returns the writes received so far.
func (s *Server) Writes() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.writes...)
}

// Reads returns how many requests a "METHOD path" got.
func (s *Server) Reads(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[key]
}

// Requests returns how many requests matched a method (all paths).
func (s *Server) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.reads {
		if strings.HasPrefix(k, method+" ") {
			n += v
		}
	}
	return n
}

// Run runs pvmctl in-process and returns stdout, stderr and the exit code.
func (s *Server) Run(args ...string) (string, string, int) {
	return Run(s.Env, args...)
}

// Run runs pvmctl in-process with env and returns stdout, stderr and the
// exit code (80 columns, a member of pvm_admin).
func Run(env map[string]string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cli.Main(args, app.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Width:  func() int { return 80 }, // an 80-column terminal
		User: func() (app.User, error) {
			return app.User{Name: "tester", UID: 1000, Groups: []string{"pvm_admin"}}, nil
		},
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
	})
	return out.String(), errb.String(), code
}

// Expect runs pvmctl and fails unless it exits with code and stderr
// contains want (code 0: stderr empty); it returns stdout.
func (s *Server) Expect(code int, want string, args ...string) string {
	s.t.Helper()
	out, errOut, got := s.Run(args...)
	if got != code {
		s.t.Fatalf("pvmctl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errOut)
	}
	if code == 0 && errOut != "" {
		s.t.Fatalf("pvmctl %s: stderr %q", strings.Join(args, " "), errOut)
	}
	if !strings.Contains(errOut, want) {
		s.t.Fatalf("pvmctl %s: stderr %q does not contain %q", strings.Join(args, " "), errOut, want)
	}
	if code != 0 && !strings.HasPrefix(errOut, "[PVME") {
		s.t.Fatalf("pvmctl %s: error without a message ID: %q", strings.Join(args, " "), errOut)
	}
	return out
}

// Children lists the local names of an element's children (Metadata
// excluded), to check element order.
func Children(el *uom.Element) []string {
	var out []string
	for _, c := range el.Children {
		if c.Local != "Metadata" {
			out = append(out, c.Local)
		}
	}
	return out
}

// SystemUUID is the managed system of managedsystem.txt.
const SystemUUID = "caae9209-25e5-35cd-a71a-ed55c03f294d"

// BridgeCaptures serves a system whose networking comes from one HMC
// capture set (nbbr_*.txt): switch ETHERNET0(Default) (ID 0), its virtual
// networks, one bridge (PVID 2227, one SEA ent5 on VIOS
// "IOServer - SN2125D4A" with trunks ent4 (PVID 2227) and ent6 (PVID 4094,
// tagged 1000)); no logical partitions.
func (s *Server) BridgeCaptures() {
	s.Feed(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt")
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/VirtualSwitch$`, "nbbr_virtual_switch.txt")
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/VirtualNetwork$`, "nbbr_virtual_network.txt")
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/NetworkBridge$`, "nbbr_network_bridge.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer$`, "fake_vios_feed2.txt")
	s.Empty(`^/rest/api/uom/LogicalPartition$`)
}

// AdapterCaptures serves a system whose adapters come from NovaLink
// captures: switches ETHERNET0 (0) and MGMTSWITCH (1) of vswitch_feed.txt,
// the 17 partitions of fake_lpar_feed.txt (no adapters) and the two VIOS
// of fake_vios_feed.txt, each answering with the three adapters of
// cna_feed1.txt (two trunks on ETHERNET0, one adapter on MGMTSWITCH).
func (s *Server) AdapterCaptures() {
	s.Feed(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt")
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/VirtualSwitch$`, "vswitch_feed.txt")
	s.Feed(`^/rest/api/uom/LogicalPartition$`, "fake_lpar_feed.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer$`, "fake_vios_feed.txt")
	s.Empty(`^/rest/api/uom/LogicalPartition/[^/]+/ClientNetworkAdapter$`)
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+/ClientNetworkAdapter$`, "cna_feed1.txt")
}
