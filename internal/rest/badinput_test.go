package rest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// restFixture is an in-process server with a logged-on admin.
type restFixture struct {
	core  *core.Core
	srv   *Server
	clock *sim.FakeClock
	token string
}

func newRestFixture(t testing.TB) *restFixture {
	t.Helper()
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"], Logger: log,
		PasswordCost: 4}) // bcrypt's least: the logons of these tests stay cheap (the race detector slows bcrypt down a lot)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, _, err := c.EnsureUser("padmin", core.RoleAdmin, "pw"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureUser("viewer", core.RoleViewer, "pw"); err != nil {
		t.Fatal(err)
	}
	f := &restFixture{core: c, clock: clk,
		srv: New(c, Config{SessionDir: filepath.Join(dir, "sessions"), EventWait: 50 * time.Millisecond, Logger: log})}
	f.token = f.logon(t, "padmin", "pw")
	return f
}

func logonBody(user, pw string) string {
	return `<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><UserID>` + user + `</UserID><Password>` + pw + `</Password></LogonRequest>`
}

func (f *restFixture) logon(t testing.TB, user, pw string) string {
	t.Helper()
	rec := f.do("PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), logonBody(user, pw), "-")
	if rec.Code != 200 {
		t.Fatalf("logon: %d %s", rec.Code, rec.Body)
	}
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := el.FindText("X-API-Session")
	return tok
}

// do runs one request in-process; token "" uses the fixture's session, "-"
// sends none.
func (f *restFixture) do(method, path, contentType, body, token string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:12080"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", uom.MediaTypeAtom)
	switch token {
	case "":
		req.Header.Set("X-API-Session", f.token)
	case "-":
	default:
		req.Header.Set("X-API-Session", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func (f *restFixture) partition(name string) *model.Partition {
	var p *model.Partition
	f.core.Read(func(st *model.State) { p = st.PartitionByName(name) })
	return p
}

// httpErrorOf decodes an HttpErrorResponse entry.
func httpErrorOf(t *testing.T, rec *httptest.ResponseRecorder) (status, message string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != uom.MediaTypeAtom {
		t.Fatalf("error content type %q, want %q", ct, uom.MediaTypeAtom)
	}
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("error body is not XML: %v\n%s", err, rec.Body)
	}
	e, err := uom.ParseEntry(el)
	if err != nil {
		t.Fatal(err)
	}
	if e.ContentType != uom.MediaType("web", "HttpErrorResponse") || e.Content == nil || e.Content.Local != "HttpErrorResponse" {
		t.Fatalf("not an HttpErrorResponse entry: %s", rec.Body)
	}
	status, _ = e.Content.FindText("HTTPStatus")
	message, _ = e.Content.FindText("Message")
	return status, message
}

const lparCT = "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition"

func lparBody(name, mem, extra string) string {
	return `<uom:LogicalPartition xmlns:uom="` + uom.NSUOM + `" schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata>` +
		`<uom:PartitionMemoryConfiguration schemaVersion="V1_0"><uom:Metadata><uom:Atom/></uom:Metadata><uom:DesiredMemory>` + mem +
		`</uom:DesiredMemory><uom:MaximumMemory>4096</uom:MaximumMemory><uom:MinimumMemory>512</uom:MinimumMemory></uom:PartitionMemoryConfiguration>` +
		`<uom:PartitionName>` + name + `</uom:PartitionName>` + extra +
		`<uom:PartitionType>AIX/Linux</uom:PartitionType></uom:LogicalPartition>`
}

func TestBadInput(t *testing.T) {
	f := newRestFixture(t)
	var sysUUID, lparUUID string
	f.core.Read(func(st *model.State) {
		sysUUID = st.System.UUID
		lparUUID = st.PartitionByName("lpar10").UUID
	})
	viewer := f.logon(t, "viewer", "pw")
	create := "/rest/api/uom/ManagedSystem/" + sysUUID + "/LogicalPartition"
	entry := "/rest/api/uom/LogicalPartition/" + lparUUID
	missing := "/rest/api/uom/LogicalPartition/0A1B2C3D-0000-4000-8000-000000000000"
	jobCT := uom.MediaType("web", "JobRequest")
	job := func(params string) string {
		return `<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
			`<RequestedOperation schemaVersion="V1_0"><Metadata><Atom/></Metadata><OperationName>PowerOn</OperationName><GroupName>LogicalPartition</GroupName></RequestedOperation>` +
			`<JobParameters schemaVersion="V1_0"><Metadata><Atom/></Metadata>` + params + `</JobParameters></JobRequest:JobRequest>`
	}
	param := func(n, v string) string {
		return `<JobParameter schemaVersion="V1_0"><Metadata><Atom/></Metadata><ParameterName>` + n + `</ParameterName><ParameterValue>` + v + `</ParameterValue></JobParameter>`
	}
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		token       string
		status      int
		want        string // substring of Message
	}{
		{"malformed XML", "PUT", create, lparCT, `<uom:LogicalPartition xmlns:uom="` + uom.NSUOM + `"><uom:PartitionName>x</uom:Partition`, "", 400, "not valid XML"},
		{"undeclared prefix", "PUT", create, lparCT, `<x:LogicalPartition/>`, "", 400, "undeclared namespace prefix"},
		{"empty body", "PUT", create, lparCT, ``, "", 400, "empty document"},
		{"DTD refused", "PUT", create, lparCT, `<!DOCTYPE a [<!ENTITY x "y">]><a/>`, "", 400, "DTD"},
		{"wrong root element", "PUT", create, lparCT, `<uom:VirtualSwitch xmlns:uom="` + uom.NSUOM + `"/>`, "", 400, "must be a LogicalPartition"},
		{"wrong namespace", "PUT", create, lparCT, `<LogicalPartition xmlns="urn:other"/>`, "", 400, "namespace"},
		{"unknown element", "PUT", create, lparCT, lparBody("vmx", "1024", `<uom:Turbo>yes</uom:Turbo>`), "", 400, "LogicalPartition/Turbo"},
		{"unknown nested element", "PUT", create, lparCT, strings.Replace(lparBody("vmx", "1024", ""), "<uom:DesiredMemory>", "<uom:Bogus>1</uom:Bogus><uom:DesiredMemory>", 1), "", 400, "PartitionMemoryConfiguration/Bogus"},
		{"wrong type", "PUT", create, lparCT, lparBody("vmx", "lots", ""), "", 400, "PartitionMemoryConfiguration/DesiredMemory"},
		{"negative number", "PUT", create, lparCT, lparBody("vmx", "-256", ""), "", 400, "DesiredMemory"},
		{"not a region multiple", "PUT", create, lparCT, lparBody("vmx", "1000", ""), "", 400, "PVME01050104"},
		{"above maximum", "PUT", create, lparCT, lparBody("vmx", "8192", ""), "", 400, "PVME01050105"},
		{"bad boolean", "PUT", create, lparCT, lparBody("vmx", "1024", `<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:HasDedicatedProcessors>maybe</uom:HasDedicatedProcessors></uom:PartitionProcessorConfiguration>`), "", 400, "PartitionProcessorConfiguration/HasDedicatedProcessors"},
		{"bad units", "PUT", create, lparCT, lparBody("vmx", "1024", `<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:SharedProcessorConfiguration><uom:DesiredProcessingUnits>0.123</uom:DesiredProcessingUnits></uom:SharedProcessorConfiguration></uom:PartitionProcessorConfiguration>`), "", 400, "PartitionProcessorConfiguration/SharedProcessorConfiguration/DesiredProcessingUnits"},
		{"bad weight", "PUT", create, lparCT, lparBody("vmx", "1024", `<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:SharedProcessorConfiguration><uom:UncappedWeight>heavy</uom:UncappedWeight></uom:SharedProcessorConfiguration></uom:PartitionProcessorConfiguration>`), "", 400, "PartitionProcessorConfiguration/SharedProcessorConfiguration/UncappedWeight"},
		{"memory expansion", "PUT", create, lparCT, strings.Replace(lparBody("vmx", "1024", ""), "<uom:DesiredMemory>", "<uom:ActiveMemoryExpansionEnabled>true</uom:ActiveMemoryExpansionEnabled><uom:DesiredMemory>", 1), "", 400, "PartitionMemoryConfiguration/ActiveMemoryExpansionEnabled is not supported"},
		{"bad partition type", "PUT", create, lparCT, strings.Replace(lparBody("vmx", "1024", ""), "AIX/Linux", "Windows", 1), "", 400, "PartitionType"},
		{"duplicate name", "PUT", create, lparCT, lparBody("vios1", "1024", ""), "", 400, "PVME01050101"},
		{"no name", "PUT", create, lparCT, strings.Replace(lparBody("x", "1024", ""), "<uom:PartitionName>x</uom:PartitionName>", "", 1), "", 400, "needs a PartitionName"},
		{"bad AtomID", "PUT", create, lparCT, strings.Replace(lparBody("vmx", "1024", ""), "<uom:Atom/>", "<uom:Atom><uom:AtomID>not-a-uuid</uom:AtomID></uom:Atom>", 1), "", 400, "not a valid UUID"},
		{"wrong media type", "PUT", create, "text/xml", lparBody("vmx", "1024", ""), "", 415, "content type"},
		{"media type of another object", "PUT", create, uom.MediaType("uom", "VirtualIOServer"), lparBody("vmx", "1024", ""), "", 415, "content type"},
		{"no session", "GET", entry, "", "", "-", 401, "X-API-Session"},
		{"dead session", "GET", entry, "", "", "bogus-token", 401, "not valid or has expired"},
		{"viewer may not write", "PUT", create, lparCT, lparBody("vmv", "1024", ""), viewer, 409, "pvm_admin"},
		{"unknown uuid", "GET", missing, "", "", "", 404, "does not exist"},
		{"malformed uuid", "GET", "/rest/api/uom/LogicalPartition/nope", "", "", "", 404, "does not exist"},
		{"vios by lpar path", "GET", "/rest/api/uom/VirtualIOServer/" + lparUUID, "", "", "", 404, "does not exist"},
		{"update unknown uuid", "POST", missing, lparCT, lparBody("vmx", "1024", ""), "", 404, "does not exist"},
		{"delete unknown uuid", "DELETE", missing, "", "", "", 404, "does not exist"},
		{"quick unknown uuid", "GET", missing + "/quick/PartitionState", "", "", "", 404, "does not exist"},
		{"quick unknown property", "GET", entry + "/quick/Bogus", "", "", "", 400, "no quick property"},
		{"unknown object type", "GET", "/rest/api/uom/Gizmo", "", "", "", 404, "Gizmo"},
		{"unknown child type", "GET", "/rest/api/uom/ManagedSystem/" + sysUUID + "/Gizmo", "", "", "", 400, "Gizmo"},
		{"unknown child type of a missing parent", "GET", missing + "/Gizmo", "", "", "", 404, "Gizmo"},
		{"child of unknown parent", "GET", "/rest/api/uom/ManagedSystem/0A1B2C3D-0000-4000-8000-000000000000/LogicalPartition", "", "", "", 404, "does not exist"},
		{"unknown group", "GET", entry + "?group=Sparkles", "", "", "", 400, "Sparkles"},
		{"bad search", "GET", "/rest/api/uom/LogicalPartition/search/PartitionName=vm1", "", "", "", 400, "search expression"},
		{"unknown search key", "GET", "/rest/api/uom/LogicalPartition/search/(Colour=='red')", "", "", "", 400, "cannot be searched by Colour"},
		{"stale etag", "POST", entry, lparCT, lparBody("lpar10", "1024", ""), "", 412, "etag"},
		{"unknown job", "GET", "/rest/api/uom/jobs/123", "", "", "", 404, "no job"},
		{"unknown operation", "GET", entry + "/do/Explode", "", "", "", 400, "Explode"},
		{"unknown operation on a missing object", "GET", missing + "/do/Explode", "", "", "", 404, "does not exist"},
		{"job for missing object", "PUT", missing + "/do/PowerOn", jobCT, job(""), "", 404, "does not exist"},
		{"job wrong media type", "PUT", entry + "/do/PowerOn", lparCT, job(""), "", 415, "content type"},
		{"job unknown parameter", "PUT", entry + "/do/PowerOn", jobCT, job(param("colour", "red")), "", 400, "no parameter"},
		{"job bad boolean", "PUT", entry + "/do/PowerOn", jobCT, job(param("force", "sometimes")), "", 400, "force"},
		{"job wrong operation", "PUT", entry + "/do/PowerOff", jobCT, job(""), "", 400, "PowerOn"},
		{"job malformed", "PUT", entry + "/do/PowerOn", jobCT, `<JobRequest`, "", 400, "not valid XML"},
		{"logon wrong password", "PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), logonBody("padmin", "nope"), "-", 401, "not valid"},
		{"logon unknown user", "PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), logonBody("mallory", "pw"), "-", 401, "not valid"},
		{"logon malformed", "PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), `<LogonRequest>`, "-", 400, "not valid XML"},
		{"logon wrong media type", "PUT", "/rest/api/web/Logon", "application/xml", logonBody("padmin", "pw"), "-", 415, "LogonRequest"},
		{"logon unknown element", "PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), strings.Replace(logonBody("padmin", "pw"), "<UserID>", "<Domain>x</Domain><UserID>", 1), "-", 400, "Domain"},
		{"event application ID too long", "GET", "/rest/api/uom/Event?QUEUE_APPLICATIONID=" + strings.Repeat("a", 257), "", "", "", 400, "at most 256 characters"},
		{"event wrong method key", "GET", "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_MAGIC", "", "", "", 400, "USE_MAGIC"},
		{"client event of another type", "PUT", "/rest/api/uom/Event", uom.MediaType("uom", "Event"), `<Event xmlns="` + uom.NSUOM + `"><EventType>ADD_URI</EventType></Event>`, "", 400, "CUSTOM_CLIENT_EVENT"},
		{"no such path", "GET", "/rest/api/nothing", "", "", "", 404, "no resource"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.status == 412 {
				hdr = []string{"If-Match", "12345"}
			}
			rec := f.do(tc.method, tc.path, tc.contentType, tc.body, tc.token, hdr...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			status, msg := httpErrorOf(t, rec)
			if status != strconv.Itoa(tc.status) {
				t.Fatalf("HTTPStatus %s, want %d", status, tc.status)
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q does not mention %q", msg, tc.want)
			}
			if rec.Header().Get("X-MC-Type") != "PVM" {
				t.Fatal("error responses must carry X-MC-Type: PVM too")
			}
		})
	}
	// Nothing the refused requests sent was applied.
	if p := f.partition("vmx"); p != nil {
		t.Fatalf("a refused create left partition %+v", p)
	}
	if p := f.partition("vmv"); p != nil {
		t.Fatal("a viewer created a partition")
	}
	if p := f.partition("lpar10"); p.DesMem != 2048 {
		t.Fatalf("a refused update changed lpar10: %d MB", p.DesMem)
	}
}

// TestUpdateIgnoresReadOnlyAndOtherGroups: a client posts back the whole
// object as read; read-only values it carries are ignored.
func TestUpdateIgnoresReadOnly(t *testing.T) {
	f := newRestFixture(t)
	p := f.partition("lpar11")
	path := "/rest/api/uom/LogicalPartition/" + p.UUID
	rec := f.do("GET", path, "", "", "")
	if rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	e, _ := uom.ParseEntry(el)
	obj := e.Content
	obj.Find("PartitionState").Text = "running"
	obj.Find("PartitionUUID").Text = "00000000-0000-4000-8000-000000000000"
	obj.Find("PartitionMemoryConfiguration/CurrentMemory").Text = "99999"
	obj.Find("PartitionMemoryConfiguration/DesiredMemory").Text = "1536"
	obj.Find("PartitionName").Text = "renamed"
	rec = f.do("POST", path, lparCT, obj.String(), "", "If-Match", e.Etag)
	if rec.Code != 200 {
		t.Fatalf("update: %d %s", rec.Code, rec.Body)
	}
	got := f.partition("renamed")
	if got == nil || got.DesMem != 1536 || got.State != model.StateNotActivated || got.UUID != p.UUID {
		t.Fatalf("after update: %+v", got)
	}
	// Changing a create-only element is refused.
	obj.Find("PartitionID").Text = "77"
	rec = f.do("POST", path, lparCT, obj.String(), "")
	if rec.Code != 400 {
		t.Fatalf("changing PartitionID: %d", rec.Code)
	}
	if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, "PartitionID") {
		t.Fatalf("message %q", msg)
	}
}
