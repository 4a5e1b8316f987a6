package rest

// The management console (ManagementConsole, its CLIRunner job) and
// co-management through the HTTP handlers: the master flags of the
// ManagedSystem for NovaLink's and the HMC's sessions, the HMC's logon,
// and the refusal of every change the server accepts to the console that
// is not master, found by walking the server's registered kinds and the
// core's job operations (so that a new route is covered, or the test says
// it is not).

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	vios_ "github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/uom"
)

// coFixture is a server with NovaLink's admin (the restFixture's token),
// the HMC's account and viewers logged on.
type coFixture struct {
	*restFixture
	hmc     string // hscroot (role hmc_superadmin)
	viewer  string // a NovaLink viewer
	hmcView string // an account named like the HMC's, without the HMC's role
}

func newCoFixture(t *testing.T) *coFixture { return newCoFixtureOf(t, nil) }

// newCoFixtureOf is newCoFixture on a server of an inventory (nil: the
// default one).
func newCoFixtureOf(t *testing.T, inv *core.Inventory) *coFixture {
	t.Helper()
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"],
		Logger: log, HMCName: "hmc1", HMCMTMS: "7042-CR9*21F2D0A", FilesDir: filepath.Join(dir, "files"), Inventory: inv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, u := range []struct{ name, role string }{{"padmin", core.RoleAdmin}, {"viewer", core.RoleViewer},
		{"hscroot", core.RoleHMC}, {"hmcview", core.RoleViewer}} {
		if _, _, err := c.EnsureUser(u.name, u.role, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	rf := &restFixture{core: c, clock: clk,
		srv: New(c, Config{SessionDir: filepath.Join(dir, "sessions"), EventWait: 50 * time.Millisecond, Logger: log})}
	rf.token = rf.logon(t, "padmin", "pw")
	return &coFixture{restFixture: rf, hmc: rf.logon(t, "hscroot", "pw"), viewer: rf.logon(t, "viewer", "pw"),
		hmcView: rf.logon(t, "hmcview", "pw")}
}

func (f *coFixture) sysPath() string { return "/rest/api/uom/ManagedSystem/" + f.core.System().UUID }

func (f *coFixture) consolePath() string {
	return "/rest/api/uom/ManagementConsole/" + consoleUUID(f.core.System())
}

// entry GETs an entry as token; the status must be 200.
func (f *coFixture) entry(t *testing.T, path, token string) *uom.Entry {
	t.Helper()
	rec := f.do("GET", path, "", "", token)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return decodeEntry(t, rec)
}

func decodeEntry(t *testing.T, rec *httptest.ResponseRecorder) *uom.Entry {
	t.Helper()
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	e, err := uom.ParseEntry(el)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// feed GETs a feed as token (nil for 204).
func (f *coFixture) feed(t *testing.T, path, token string) []*uom.Entry {
	t.Helper()
	rec := f.do("GET", path, "", "", token)
	if rec.Code == 204 {
		return nil
	}
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	fd, err := uom.ParseFeed(el)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Entries
}

// jobResult is a job as the client sees it: the HTTP status of the PUT
// (200, or the error's status and message), then the job's status,
// message and results.
type jobResult struct {
	http    int
	status  string
	message string
	results map[string]string
}

func (j jobResult) String() string {
	return fmt.Sprintf("HTTP %d status %s message %q results %v", j.http, j.status, j.message, j.results)
}

func jobRequestBody(group, op string, params ...core.Param) string {
	var b strings.Builder
	b.WriteString(`<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0">` +
		`<Metadata><Atom/></Metadata><RequestedOperation kb="CUR" kxe="false" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<OperationName kb="ROR" kxe="false">` + op + `</OperationName><GroupName kb="ROR" kxe="false">` + group + `</GroupName>` +
		`</RequestedOperation><JobParameters kb="CUR" kxe="false" schemaVersion="V1_0"><Metadata><Atom/></Metadata>`)
	for _, p := range params {
		b.WriteString(`<JobParameter schemaVersion="V1_0"><Metadata><Atom/></Metadata><ParameterName kb="ROR" kxe="false">` +
			uom.EscapeString(p.Name) + `</ParameterName><ParameterValue kb="CUR" kxe="false">` + uom.EscapeString(p.Value) +
			`</ParameterValue></JobParameter>`)
	}
	b.WriteString(`</JobParameters></JobRequest:JobRequest>`)
	return b.String()
}

// runJob reads the template of op at objPath, submits it as token and,
// when wait, polls until the job ends (jobs of the FakeClock that need
// time stay RUNNING: wait only for jobs that end by themselves).
func (f *coFixture) runJob(t *testing.T, objPath, op, token string, wait bool, params ...core.Param) jobResult {
	t.Helper()
	rec := f.do("GET", objPath+"/do/"+op, "", "", token)
	if rec.Code != 200 {
		_, msg := httpErrorOf(t, rec)
		return jobResult{http: rec.Code, message: msg}
	}
	tmpl := decodeEntry(t, rec)
	group, _ := tmpl.Content.FindText("RequestedOperation/GroupName")
	rec = f.do("PUT", objPath+"/do/"+op, uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequestBody(group, op, params...), token)
	if rec.Code != 200 {
		_, msg := httpErrorOf(t, rec)
		return jobResult{http: rec.Code, message: msg}
	}
	j := parseJobResult(t, decodeEntry(t, rec).Content)
	id, _ := decodeEntry(t, rec).Content.FindText("JobID")
	for deadline := time.Now().Add(5 * time.Second); wait && j.status == core.JobRunning && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		j = parseJobResult(t, f.entry(t, "/rest/api/uom/jobs/"+id, token).Content)
	}
	return j
}

func parseJobResult(t *testing.T, el *uom.Element) jobResult {
	t.Helper()
	if el == nil || el.Local != "JobResponse" {
		t.Fatalf("not a JobResponse: %v", el)
	}
	j := jobResult{http: 200, results: map[string]string{}}
	j.status, _ = el.FindText("Status")
	j.message, _ = el.FindText("ResponseException/Message")
	for _, p := range el.FindAll("Results/JobParameter") {
		n, _ := p.FindText("ParameterName")
		v := ""
		if pv := p.Find("ParameterValue"); pv != nil {
			v = pv.Text
		}
		j.results[n] = v
	}
	return j
}

// cli runs a command line through the console's CLIRunner job as token.
func (f *coFixture) cli(t *testing.T, token, line string) jobResult {
	t.Helper()
	return f.runJob(t, f.consolePath(), "CLIRunner", token, true, core.Param{Name: "cmd", Value: line},
		core.Param{Name: "acknowledgeThisAPIMayGoAwayInTheFuture", Value: "true"})
}

// checkSchemaOrder checks that el's children are schema elements, in
// schema order, with the schema's access attributes, all the way down.
func checkSchemaOrder(t *testing.T, where string, el *uom.Element, s *uom.SchemaNode) {
	t.Helper()
	last := -1
	for _, c := range el.Children {
		if c.Local == "Metadata" || c.Local == "link" {
			continue
		}
		cs := s.Child(c.Local)
		if cs == nil {
			t.Errorf("%s: <%s> is not in the schema", where, c.Local)
			continue
		}
		pos := s.Position(c.Local)
		if pos < last {
			t.Errorf("%s: <%s> is out of schema order", where, c.Local)
		}
		last = pos
		if kb := c.Attr("kb"); cs.KB != "" && kb != "" && kb != cs.KB {
			t.Errorf("%s/%s: kb=%s, schema %s", where, c.Local, kb, cs.KB)
		}
		checkSchemaOrder(t, where+"/"+c.Local, c, cs)
	}
}

func TestManagementConsole(t *testing.T) {
	f := newCoFixture(t)
	sys := f.core.System()
	entries := f.feed(t, "/rest/api/uom/ManagementConsole", "")
	if len(entries) != 1 {
		t.Fatalf("%d ManagementConsole entries, want 1", len(entries))
	}
	e := entries[0]
	if e.ID != consoleUUID(sys) || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(e.ID) {
		t.Fatalf("console UUID %q, want the stable %q", e.ID, consoleUUID(sys))
	}
	mc := e.Content
	checkSchemaOrder(t, "ManagementConsole", mc, uom.Schema("ManagementConsole"))
	for path, want := range map[string]string{
		"MachineTypeModelAndSerialNumber/MachineType":  sys.Type,
		"MachineTypeModelAndSerialNumber/Model":        sys.Model,
		"MachineTypeModelAndSerialNumber/SerialNumber": sys.Serial,
		"ManagementConsoleName":                        "novalink",
	} {
		if got, _ := mc.FindText(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if l := mc.Find("ManagedSystems/link"); l == nil || !strings.HasSuffix(l.Attr("href"), "/rest/api/uom/ManagedSystem/"+sys.UUID) {
		t.Errorf("ManagedSystems does not link the managed system: %v", l)
	}
	nics := mc.FindAll("NetworkInterfaces/ManagementConsoleNetworkInterface")
	if len(nics) == 0 {
		t.Fatal("no network interfaces")
	}
	for _, n := range nics {
		if a, _ := n.FindText("NetworkAddress"); !strings.Contains(a, "fe80::") {
			t.Errorf("interface address %q has no link-local address", a)
		}
	}
	for _, v := range []string{"TemplateObjectModelVersion", "UserObjectModelVersion", "VersionInfo", "WebObjectModelVersion"} {
		if mc.Child(v) == nil {
			t.Errorf("no %s", v)
		}
	}
	// The entry is the feed's, for the HMC's session too.
	if one := f.entry(t, f.consolePath(), f.hmc); one.ID != e.ID {
		t.Errorf("entry %s, feed %s", one.ID, e.ID)
	}

	// A rename of the NovaLink partition shows, with a new etag.
	nl := f.partition("novalink")
	if _, err := f.core.UpdatePartition(core.Actor{User: "padmin", Role: core.RoleAdmin}, nl.UUID, "", func(p *model.Partition) error {
		p.Name = "nl2"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e2 := f.entry(t, f.consolePath(), "")
	if n, _ := e2.Content.FindText("ManagementConsoleName"); n != "nl2" || e2.Etag == e.Etag || e2.ID != e.ID {
		t.Errorf("after the rename: name %q etag %s (was %s) id %s", n, e2.Etag, e.Etag, e2.ID)
	}

	// Read only but for its authorized keys: a create or a delete is a
	// 405 HttpErrorResponse, a rename a 400 naming the element.
	body := `<ManagementConsole:ManagementConsole xmlns:ManagementConsole="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><ManagementConsoleName>x</ManagementConsoleName></ManagementConsole:ManagementConsole>`
	ct := uom.MediaType(uom.ServiceUOM, "ManagementConsole")
	if rec := f.do("POST", f.consolePath(), ct, body, "", "If-Match", e2.Etag); rec.Code != 400 || !strings.Contains(rec.Body.String(), "ManagementConsoleName") {
		t.Errorf("rename of the console: %d, want 400 naming ManagementConsoleName\n%s", rec.Code, rec.Body)
	}
	for _, w := range []struct{ method, path, ct, body string }{
		{"PUT", "/rest/api/uom/ManagementConsole", ct, body},
		{"DELETE", f.consolePath(), "", ""},
	} {
		rec := f.do(w.method, w.path, w.ct, w.body, "", "If-Match", e2.Etag)
		if rec.Code != 405 {
			t.Errorf("%s %s: %d, want 405\n%s", w.method, w.path, rec.Code, rec.Body)
			continue
		}
		if status, msg := httpErrorOf(t, rec); status != "405" || msg == "" {
			t.Errorf("%s %s: HttpErrorResponse %s %q", w.method, w.path, status, msg)
		}
	}
	if e3 := f.entry(t, f.consolePath(), ""); e3.Etag != e2.Etag {
		t.Error("a refused write changed the console")
	}
	if rec := f.do("GET", "/rest/api/uom/ManagementConsole/"+uuidZero, "", "", ""); rec.Code != 404 {
		t.Errorf("unknown console: %d", rec.Code)
	}
}

const uuidZero = "00000000-0000-0000-0000-000000000000"

func TestCLIRunner(t *testing.T) {
	f := newCoFixture(t)
	sys := f.core.System()

	// The template, with and without the console's UUID.
	for _, p := range []string{f.consolePath(), "/rest/api/uom/ManagementConsole"} {
		tm := f.entry(t, p+"/do/CLIRunner", "")
		if op, _ := tm.Content.FindText("RequestedOperation/OperationName"); op != "CLIRunner" || tm.Content.Local != "JobRequest" {
			t.Errorf("%s/do/CLIRunner: %s operation %q", p, tm.Content.Local, op)
		}
		if g, _ := tm.Content.FindText("RequestedOperation/GroupName"); g != "ManagementConsole" {
			t.Errorf("%s/do/CLIRunner: group %q", p, g)
		}
	}
	for _, p := range []string{"/rest/api/uom/ManagementConsole/" + uuidZero + "/do/CLIRunner",
		"/rest/api/uom/LogicalPartition/do/PowerOn"} {
		if rec := f.do("GET", p, "", "", ""); rec.Code != 404 {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	// An unknown job of a console that exists is a bad request.
	if rec := f.do("GET", f.consolePath()+"/do/Bogus", "", "", ""); rec.Code != 400 {
		t.Errorf("GET %s/do/Bogus: %d, want 400", f.consolePath(), rec.Code)
	}

	// A command that works: results returnCode, stdOut (as printed, with
	// its newline), stdErr.
	j := f.cli(t, "", "lscomgmt -m "+sys.Name)
	if j.status != core.JobOK || j.results["returnCode"] != "0" || j.results["stdErr"] != "" ||
		j.results["stdOut"] != "curr_master_name=novalink,curr_master_mtms="+sys.MTMS()+",curr_master_type=norm\n" {
		t.Errorf("lscomgmt: %v", j)
	}
	// Without the console's UUID, as pypowervm submits it.
	rec := f.do("PUT", "/rest/api/uom/ManagementConsole/do/CLIRunner", uom.MediaType(uom.ServiceWeb, "JobRequest"),
		jobRequestBody("ManagementConsole", "CLIRunner", core.Param{Name: "cmd", Value: "lssyscfg -r sys -F name"},
			core.Param{Name: "acknowledgeThisAPIMayGoAwayInTheFuture", Value: "true"}), "")
	if rec.Code != 200 {
		t.Fatalf("PUT ManagementConsole/do/CLIRunner: %d %s", rec.Code, rec.Body)
	}
	if r := parseJobResult(t, decodeEntry(t, rec).Content); r.status != core.JobOK || r.results["stdOut"] != sys.Name+"\n" {
		t.Errorf("lssyscfg without the console UUID: %v", r)
	}
	if tu, _ := decodeEntry(t, rec).Content.FindText("TargetUuid"); !strings.EqualFold(tu, consoleUUID(sys)) {
		t.Errorf("TargetUuid %q", tu)
	}

	// A VIOS command: the LU it makes is the one the core has.
	j = f.cli(t, "", `viosvrcmd --id 2 -c "lu -create -sp pool1 -lu vdisk_vm1 -size 20480"`)
	if j.status != core.JobOK || !regexp.MustCompile(`^Lu Name:vdisk_vm1\nLu Udid:[0-9a-f]{32}\n$`).MatchString(j.results["stdOut"]) {
		t.Errorf("lu -create: %v", j)
	}
	if lu := f.cli(t, "", `viosvrcmd --id 3 -c "lu -list"`); !strings.Contains(lu.results["stdOut"], "vdisk_vm1") {
		t.Errorf("lu -list on the other VIOS of the cluster: %v", lu)
	}

	// A command that fails: COMPLETED_WITH_ERROR, the message is stderr,
	// the results are there all the same.
	j = f.cli(t, "", `viosvrcmd --id 99 -c "lspv"`)
	if j.status != core.JobError || j.results["returnCode"] != "1" || j.results["stdOut"] != "" ||
		!strings.Contains(j.results["stdErr"], "cannot be found") || j.message != strings.TrimSpace(j.results["stdErr"]) {
		t.Errorf("viosvrcmd on no VIOS: %v", j)
	}
	j = f.cli(t, "", `viosvrcmd --id 2 -c "nosuchcmd"`)
	if j.status != core.JobError || j.results["returnCode"] == "0" || j.results["returnCode"] == "" {
		t.Errorf("unknown ioscli command: %v", j)
	}
	j = f.cli(t, "", "rmsyscfg -r lpar")
	if j.status != core.JobError || !strings.Contains(j.results["stdErr"], "not supported") {
		t.Errorf("unknown command: %v", j)
	}

	// Bad requests: no cmd, an empty one, an unknown parameter, a bad
	// acknowledgement.
	for _, params := range [][]core.Param{
		nil,
		{{Name: "cmd", Value: "  "}},
		{{Name: "cmd", Value: "lscomgmt"}, {Name: "command", Value: "x"}},
		{{Name: "cmd", Value: "lscomgmt"}, {Name: "acknowledgeThisAPIMayGoAwayInTheFuture", Value: "maybe"}},
	} {
		if r := f.runJob(t, f.consolePath(), "CLIRunner", "", true, params...); r.http != 400 || r.message == "" {
			t.Errorf("CLIRunner %v: %v, want 400", params, r)
		}
	}

	// The HMC's commands that change the system are the HMC's: NovaLink's
	// users, and an account without the HMC's role, are refused; reading
	// is for everyone.
	before := f.core.System()
	for _, tok := range []string{"", f.viewer, f.hmcView} {
		r := f.cli(t, tok, "chcomgmt -m "+sys.Name+" -o setmaster -t keep")
		if r.status != core.JobError || !strings.Contains(r.results["stdErr"], "is not an HMC account") {
			t.Errorf("chcomgmt by a non-HMC account: %v", r)
		}
		r = f.cli(t, tok, "chsyscfg -r lpar -m "+sys.Name+" -i lpar_id=10,auto_start=1")
		if r.status != core.JobError || !strings.Contains(r.results["stdErr"], "is not an HMC account") {
			t.Errorf("chsyscfg by a non-HMC account: %v", r)
		}
		if r := f.cli(t, tok, "lssyscfg -r lpar -m "+sys.Name+" --filter lpar_ids=10 -F name"); r.results["stdOut"] != "lpar10\n" {
			t.Errorf("lssyscfg by a reader: %v", r)
		}
	}
	// A viewer may not take mastership by the job either.
	if r := f.runJob(t, f.sysPath(), "RequestMaster", f.hmcView, true, core.Param{Name: "coManagementMasterStatus", Value: "keep"}); r.http != 409 ||
		!strings.Contains(r.message, "role") {
		t.Errorf("RequestMaster by a viewer: %v", r)
	}
	if after := f.core.System(); after.Rev != before.Rev || !after.Master.Is(model.ConsoleNovaLink) {
		t.Errorf("refused commands changed the system: rev %d -> %d, master %v", before.Rev, after.Rev, after.Master)
	}
	// The HMC runs them.
	if r := f.cli(t, f.hmc, "chsyscfg -r lpar -m "+sys.Name+" -i lpar_id=10,powervm_mgmt_capable=1"); r.status != core.JobError ||
		!strings.Contains(r.message, "PowerVM management master") {
		t.Errorf("chsyscfg by the HMC while NovaLink is master: %v", r)
	}
	if r := f.cli(t, f.hmc, "chcomgmt -m "+sys.Name+" -o setmaster -t norm"); r.status != core.JobOK {
		t.Errorf("chcomgmt by the HMC: %v", r)
	}
	if r := f.cli(t, f.hmc, "chsyscfg -r lpar -m "+sys.Name+" -i lpar_id=10,powervm_mgmt_capable=1"); r.status != core.JobOK ||
		!f.partition("lpar10").MgmtCapable {
		t.Errorf("chsyscfg by the HMC as master: %v", r)
	}
	if r := f.cli(t, f.hmc, "chsyscfg -r lpar -m "+sys.Name+" -i name=vios1,powervm_mgmt_capable=1"); r.status != core.JobError ||
		f.partition("vios1").MgmtCapable || !strings.Contains(r.results["stdErr"], "AIX/Linux") {
		t.Errorf("powervm_mgmt_capable on a VIOS: %v", r)
	}
}

func TestHMCLogonMarksCoManaged(t *testing.T) {
	f := newRestFixture(t)
	if _, _, err := f.core.EnsureUser("hscroot", core.RoleHMC, "pw"); err != nil {
		t.Fatal(err)
	}
	if f.core.System().CoManaged {
		t.Fatal("co-managed before any HMC logged on")
	}
	f.logon(t, "viewer", "pw")
	if f.core.System().CoManaged {
		t.Fatal("a NovaLink logon made the system co-managed")
	}
	if rec := f.do("PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), logonBody("hscroot", "bad"), "-"); rec.Code != 401 ||
		f.core.System().CoManaged {
		t.Fatalf("a failed HMC logon: %d, co-managed %v", rec.Code, f.core.System().CoManaged)
	}
	f.logon(t, "hscroot", "pw")
	if !f.core.System().CoManaged {
		t.Fatal("the HMC logged on and the system is not co-managed")
	}
}

// masterFlags reads the three co-management flags of the ManagedSystem.
func (f *coFixture) masterFlags(t *testing.T, token string) (caller, novalink, hmc bool, etag string) {
	t.Helper()
	e := f.entry(t, f.sysPath(), token)
	flag := func(name string) bool {
		v, ok := e.Content.FindText(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		return v == "true"
	}
	return flag("IsPowerVMManagementMaster"), flag("IsManagementPartitionPowerVMManagementMaster"), flag("IsHMCPowerVMManagementMaster"), e.Etag
}

func TestMasterFlags(t *testing.T) {
	f := newCoFixture(t)
	type want struct{ nlCaller, hmcCaller, nl, hmc bool }
	check := func(step string, w want) string {
		t.Helper()
		c, nl, hmc, etag := f.masterFlags(t, "")
		if c != w.nlCaller || nl != w.nl || hmc != w.hmc {
			t.Errorf("%s, NovaLink's view: IsPowerVMManagementMaster=%v IsManagementPartition...=%v IsHMC...=%v, want %v %v %v",
				step, c, nl, hmc, w.nlCaller, w.nl, w.hmc)
		}
		c2, nl2, hmc2, etag2 := f.masterFlags(t, f.hmc)
		if c2 != w.hmcCaller || nl2 != w.nl || hmc2 != w.hmc {
			t.Errorf("%s, the HMC's view: IsPowerVMManagementMaster=%v IsManagementPartition...=%v IsHMC...=%v, want %v %v %v",
				step, c2, nl2, hmc2, w.hmcCaller, w.nl, w.hmc)
		}
		if etag != etag2 {
			t.Errorf("%s: etags differ by console (%s, %s)", step, etag, etag2)
		}
		// The entry in the feed says the same.
		for _, tok := range []string{"", f.hmc} {
			for _, e := range f.feed(t, "/rest/api/uom/ManagedSystem?group=None", tok) {
				v, _ := e.Content.FindText("IsPowerVMManagementMaster")
				if (v == "true") != (tok == "" && w.nlCaller || tok == f.hmc && w.hmcCaller) {
					t.Errorf("%s: feed IsPowerVMManagementMaster=%s for %q", step, v, tok)
				}
			}
		}
		return etag
	}
	e0 := check("NovaLink alone", want{nlCaller: true, nl: true})

	// State and firmware level.
	sys := f.core.System()
	e := f.entry(t, f.sysPath(), "")
	if v, _ := e.Content.FindText("State"); v != sys.State {
		t.Errorf("State %q, the model %q", v, sys.State)
	}
	if v, _ := e.Content.FindText("ServiceProcessorVersion"); v != sys.FirmwareLevel || v == "" {
		t.Errorf("firmware level %q, the model %q", v, sys.FirmwareLevel)
	}

	r := f.runJob(t, f.sysPath(), "RequestMaster", f.hmc, true, core.Param{Name: "coManagementMasterStatus", Value: "norm"})
	if r.status != core.JobOK {
		t.Fatalf("RequestMaster by the HMC: %v", r)
	}
	e1 := check("the HMC master", want{hmcCaller: true, hmc: true})
	if e1 == e0 {
		t.Error("the etag did not move when the master changed")
	}
	// The answer to an update is rendered for the caller's console too.
	rec := f.do("POST", f.sysPath(), uom.MediaType(uom.ServiceUOM, "ManagedSystem"),
		`<ManagedSystem:ManagedSystem xmlns:ManagedSystem="`+uom.NSUOM+`" xmlns="`+uom.NSUOM+`" schemaVersion="V1_0">`+
			`<Metadata><Atom/></Metadata><SystemName>`+f.core.System().Name+`</SystemName></ManagedSystem:ManagedSystem>`, f.hmc)
	if rec.Code != 200 {
		t.Fatalf("the HMC updates the system: %d %s", rec.Code, rec.Body)
	}
	if v, _ := decodeEntry(t, rec).Content.FindText("IsPowerVMManagementMaster"); v != "true" {
		t.Errorf("the answer to the HMC's update says IsPowerVMManagementMaster=%s", v)
	}
	check("the HMC master, after its update", want{hmcCaller: true, hmc: true})
	if r := f.runJob(t, f.sysPath(), "ReleaseMaster", f.hmc, true); r.status != core.JobOK {
		t.Fatalf("ReleaseMaster by the HMC: %v", r)
	}
	check("released by the HMC", want{nlCaller: true, nl: true})
	if r := f.runJob(t, f.sysPath(), "ReleaseMaster", "", true); r.status != core.JobOK {
		t.Fatalf("ReleaseMaster by NovaLink: %v", r)
	}
	check("released by NovaLink (no master)", want{})
	if r := f.runJob(t, f.sysPath(), "RequestMaster", "", true, core.Param{Name: "coManagementMasterStatus", Value: "temp"}); r.status != core.JobOK {
		t.Fatalf("RequestMaster temp by NovaLink: %v", r)
	}
	check("NovaLink temporary master", want{nlCaller: true, nl: true})

	// The firmware: an update by the HMC as master moves the level and the etag.
	if r := f.runJob(t, f.sysPath(), "RequestMaster", f.hmc, true, core.Param{Name: "coManagementMasterStatus", Value: "keep"}); r.status != core.JobOK {
		t.Fatalf("RequestMaster keep by the HMC: %v", r)
	}
	_, _, _, before := f.masterFlags(t, "")
	r = f.runJob(t, f.sysPath(), "UpdateFirmware", f.hmc, false, core.Param{Name: "image", Value: "FIRMWARE_IMAGE\nlevel=SV860_180\n"})
	if r.http != 200 || r.status == core.JobError {
		t.Fatalf("UpdateFirmware by the HMC: %v", r)
	}
	for i := 0; i < 100 && f.core.System().FirmwareLevel != "SV860_180"; i++ {
		f.clock.Advance(100 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}
	e = f.entry(t, f.sysPath(), "")
	if v, _ := e.Content.FindText("ServiceProcessorVersion"); v != "SV860_180" || e.Etag == before {
		t.Errorf("after the update: level %q, etag %s (was %s)", v, e.Etag, before)
	}
}

// The issue-7 test: every change the REST API accepts is refused to the
// console that is not master, with the co-management message, in both
// directions; every read works for it. The routes come from the server's
// registered kinds (create, update, delete) and the core's job operations.
func TestCoManagementRefusesEveryChange(t *testing.T) {
	for _, hmcMaster := range []bool{false, true} {
		name := "NovaLink master, HMC refused"
		if hmcMaster {
			name = "HMC master, NovaLink refused"
		}
		t.Run(name, func(t *testing.T) {
			f := newCoFixtureOf(t, refusalsInventory())
			seedForRefusals(t, f)
			r := &refusals{f: f, master: f.token, other: f.hmc, label: "NovaLink", covered: map[string]bool{}}
			if hmcMaster {
				if j := f.runJob(t, f.sysPath(), "RequestMaster", f.hmc, true, core.Param{Name: "coManagementMasterStatus", Value: "norm"}); j.status != core.JobOK {
					t.Fatalf("the HMC does not become master: %v", j)
				}
				r.master, r.other, r.label = f.hmc, f.token, "HMC"
			}
			r.run(t)
		})
	}
}

// refusals walks the routes: other is the console that is not master,
// master the one that is; label is how messages name the master.
type refusals struct {
	f             *coFixture
	master, other string
	label         string
	covered       map[string]bool // "create Kind" etc. that were shown refused
	tried         int
}

// place is a feed of a kind: its path and the parent object's ID.
type place struct{ feed, parentID string }

func (r *refusals) kindNames() []string {
	var names []string
	for n := range r.f.srv.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// places returns the feeds a kind's objects are listed in: the root one
// and one under each parent object (addressed as the parent is first
// addressed).
func (r *refusals) places(k *kind) []place {
	var out []place
	if k.root {
		out = append(out, place{feed: "/rest/api/uom/" + k.name})
	}
	for _, pn := range k.parents {
		pk := r.f.srv.kinds[pn]
		if pk == nil {
			continue
		}
		pps := r.places(pk)
		if len(pps) == 0 {
			continue
		}
		pp := pps[0]
		for _, po := range r.objects(pk, pp) {
			out = append(out, place{feed: pp.feed + "/" + po.uuid + "/" + k.name, parentID: po.uuid})
		}
	}
	return out
}

func (r *refusals) objects(k *kind, p place) []object {
	var objs []object
	r.f.core.Read(func(st *model.State) { objs = k.list(st, p.parentID) })
	return objs
}

// isCoMgmt tells whether a message is the co-management refusal naming
// the master.
func (r *refusals) isCoMgmt(msg string) bool {
	return strings.Contains(msg, "PowerVM management master") && strings.Contains(msg, r.label)
}

func (r *refusals) run(t *testing.T) {
	f := r.f
	// Reads work for the console that is not master.
	for _, n := range r.kindNames() {
		k := f.srv.kinds[n]
		for _, p := range r.places(k) {
			for _, e := range f.feed(t, p.feed, r.other) {
				f.entry(t, p.feed+"/"+e.ID, r.other)
			}
		}
	}
	sysFirst := func() []string {
		names := r.kindNames()
		sort.SliceStable(names, func(i, j int) bool { return names[i] == "ManagedSystem" })
		return names
	}()
	for _, n := range sysFirst {
		k := f.srv.kinds[n]
		if k.readOnly != "" {
			continue
		}
		if k.create != nil {
			r.creates(t, k)
		}
		if k.update != nil {
			r.updates(t, k)
		}
		if k.delete != nil {
			r.deletes(t, k)
		}
	}
	r.jobs(t)
	for _, n := range r.kindNames() {
		k := f.srv.kinds[n]
		if k.readOnly != "" {
			continue
		}
		for verb, has := range map[string]bool{"create": k.create != nil, "update": k.update != nil, "delete": k.delete != nil} {
			if has && !r.covered[verb+" "+n] {
				t.Errorf("%s %s: no request the master accepts was found, so its refusal to the other console is not shown; "+
					"add a candidate for it in console_test.go", verb, n)
			}
		}
	}
	var routes []string
	for route := range r.covered {
		routes = append(routes, route)
	}
	sort.Strings(routes)
	t.Logf("%d requests tried; refused with the co-management message: %s", r.tried, strings.Join(routes, ", "))

	// Taking mastership is what the other console may do.
	if j := f.runJob(t, f.sysPath(), "RequestMaster", r.other, true, core.Param{Name: "coManagementMasterStatus", Value: "keep"}); j.status != core.JobOK {
		t.Errorf("RequestMaster keep by the console that is not master: %v", j)
	}
	if c, _, _, _ := f.masterFlags(t, r.other); !c {
		t.Error("after RequestMaster the other console is not master")
	}
}

// attempt sends one change as the other console (it must not succeed),
// then as the master; when the master's is accepted and changes
// something, the other's refusal must be the co-management one. It
// reports whether the route is now covered.
func (r *refusals) attempt(t *testing.T, route, method, path, ct, body, etag string, changed func() bool) bool {
	t.Helper()
	f := r.f
	r.tried++
	hdr := []string{}
	if etag != "" {
		hdr = []string{"If-Match", etag}
	}
	rec := f.do(method, path, ct, body, r.other, hdr...)
	if rec.Code < 300 {
		if changed() {
			t.Errorf("%s: %s %s by the console that is not master was accepted (%d)\n%s", route, method, path, rec.Code, body)
		}
		return false
	}
	_, msg := httpErrorOf(t, rec)
	if changed() {
		t.Errorf("%s: a refused %s %s changed something", route, method, path)
	}
	rec = f.do(method, path, ct, body, r.master, hdr...)
	if rec.Code >= 300 || !changed() {
		return false // not a change the master can make either: try another
	}
	if !r.isCoMgmt(msg) {
		t.Errorf("%s: %s %s by the console that is not master: %q, want the co-management refusal naming %s", route, method, path, msg, r.label)
	}
	r.covered[route] = true
	return true
}

// fingerprint is a digest of what a kind shows: the etags of its objects.
func (r *refusals) fingerprint(k *kind) string {
	var b strings.Builder
	for _, p := range r.places(k) {
		for _, o := range r.objects(k, p) {
			b.WriteString(o.uuid + "=" + strconv.FormatUint(o.rev, 10) + ";")
		}
	}
	return b.String()
}

// leaves returns the leaf elements of an object, in document order
// (Metadata and links excluded), with their schema nodes.
func leaves(el *uom.Element, s *uom.SchemaNode) (out []*uom.Element, schemas []*uom.SchemaNode) {
	for _, c := range el.Children {
		if c.Local == "Metadata" || c.Local == "link" {
			continue
		}
		var cs *uom.SchemaNode
		if s != nil {
			cs = s.Child(c.Local)
		}
		if len(c.Children) == 0 {
			out = append(out, c)
			schemas = append(schemas, cs)
			continue
		}
		l, ls := leaves(c, cs)
		out, schemas = append(out, l...), append(schemas, ls...)
	}
	return out, schemas
}

var intRE, unitsRE = regexp.MustCompile(`^-?[0-9]+$`), regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// mutations are other plausible values of a leaf.
func mutations(text string) []string {
	switch {
	case text == "true":
		return []string{"false"}
	case text == "false":
		return []string{"true"}
	case intRE.MatchString(text):
		n, _ := strconv.Atoi(text)
		out := []string{strconv.Itoa(n + 1)}
		if n > 0 {
			out = append(out, strconv.Itoa(n-1))
		}
		return out
	case unitsRE.MatchString(text):
		v, _ := strconv.ParseFloat(text, 64)
		return []string{strconv.FormatFloat(v+0.05, 'f', 2, 64)}
	case text != "" && !strings.ContainsAny(text, " /:"):
		return []string{text + "x"}
	}
	return nil
}

// updates tries, object by object, one-leaf changes of the object as
// read, until the master accepts one.
func (r *refusals) updates(t *testing.T, k *kind) {
	f := r.f
	schema := uom.Schema(k.name)
	for _, p := range r.places(k) {
		for _, o := range r.objects(k, p) {
			path := p.feed + "/" + o.uuid
			e := f.entry(t, path, r.master)
			if k.name == "ManagementConsole" {
				// Its one change: a key it trusts more.
				c := e.Content.Clone()
				if ak := c.Child("AuthorizedKeys"); ak != nil {
					ak.Append(&uom.Element{Space: ak.Space, Local: "AuthorizedKey", Text: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEk8 test@example"})
					cur := e.Etag
					changed := func() bool { return f.entry(t, path, r.master).Etag != cur }
					if r.attempt(t, "update "+k.name, "POST", path, uom.MediaType(uom.ServiceUOM, k.name), string(c.Bytes()), cur, changed) {
						return
					}
				}
			}
			ls, ss := leaves(e.Content, schema)
			// Names first (most kinds take a rename), then the rest.
			idx := make([]int, len(ls))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool {
				return strings.HasSuffix(ls[idx[a]].Local, "Name") && !strings.HasSuffix(ls[idx[b]].Local, "Name")
			})
			tries := 0
			if hint := updateHints[k.name]; hint != nil {
				cur := f.entry(t, path, r.master).Etag
				changed := func() bool { return f.entry(t, path, r.master).Etag != cur }
				if r.attempt(t, "update "+k.name, "POST", path, uom.MediaType(uom.ServiceUOM, k.name), hint(t, e.Content.Clone()), cur, changed) {
					return
				}
			}
			for _, i := range idx {
				if ss[i] != nil && (ss[i].ReadOnly() || ss[i].CreateOnly()) {
					continue
				}
				for _, v := range mutations(strings.TrimSpace(ls[i].Text)) {
					if tries++; tries > 60 {
						break
					}
					old := ls[i].Text
					ls[i].Text = v
					body := string(e.Content.Bytes())
					ls[i].Text = old
					cur := f.entry(t, path, r.master).Etag
					changed := func() bool { return f.entry(t, path, r.master).Etag != cur }
					if r.attempt(t, "update "+k.name, "POST", path, uom.MediaType(uom.ServiceUOM, k.name), body, cur, changed) {
						return
					}
				}
			}
		}
	}
}

// creates tries copies of the kind's objects (renamed, without their
// identity) and the hints below, at every place, until the master accepts
// one.
func (r *refusals) creates(t *testing.T, k *kind) {
	f := r.f
	schema := uom.Schema(k.name)
	ps := r.places(k)
	var samples []*uom.Element
	for _, p := range ps {
		for _, o := range r.objects(k, p) {
			samples = append(samples, f.entry(t, p.feed+"/"+o.uuid, r.master).Content)
		}
	}
	identity := func(local string) bool {
		return strings.HasSuffix(local, "ID") && !strings.HasSuffix(local, "VLANID") || strings.HasSuffix(local, "UDID") || local == "UniqueDeviceID" ||
			local == "VirtualSlotNumber" || local == "MACAddress" || local == "LocationCode"
	}
	var bodies []string
	if h := createHints[k.name]; h != nil {
		bodies = append(bodies, h()...)
	}
	for i, s := range samples {
		for variant := 0; variant < 3; variant++ {
			c := s.Clone()
			if m := c.Child("Metadata"); m != nil {
				m.Children = []*uom.Element{uom.NewElement(m.Space, "Atom")}
			}
			ls, ss := leaves(c, schema)
			for j, l := range ls {
				if strings.HasSuffix(l.Local, "Name") && l.Text != "" {
					l.Text = strings.TrimSpace(l.Text) + "c" + strconv.Itoa(i)
				}
				if variant > 0 && (identity(l.Local) || ss[j] != nil && ss[j].ReadOnly()) {
					l.Text = "\x00drop"
				}
			}
			dropMarked(c)
			if variant == 2 {
				if schema != nil && schema.Child("UseNextAvailableSlotID") != nil || k.tolerated["UseNextAvailableSlotID"] {
					uom.SetChild(c, schema, &uom.Element{Space: c.Space, Local: "UseNextAvailableSlotID", Text: "true"})
				} else {
					continue
				}
			}
			bodies = append(bodies, string(c.Bytes()))
		}
	}
	for _, p := range ps {
		for _, body := range bodies {
			before := r.fingerprint(k)
			changed := func() bool { return r.fingerprint(k) != before }
			if r.attempt(t, "create "+k.name, "PUT", p.feed, uom.MediaType(uom.ServiceUOM, k.name), body, "", changed) {
				return
			}
		}
	}
}

// dropMarked removes the leaves marked for removal (and containers left
// empty by it).
func dropMarked(el *uom.Element) {
	kept := el.Children[:0]
	for _, c := range el.Children {
		if c.Text == "\x00drop" {
			continue
		}
		dropMarked(c)
		kept = append(kept, c)
	}
	el.Children = kept
}

// createHints are create bodies for kinds whose objects, copied, do not
// make a valid new one.
var createHints = map[string]func() []string{
	"SRIOVEthernetLogicalPort": func() []string { return []string{lportBody} },
	"VirtualNICDedicated": func() []string {
		return []string{vnicBody("2A59F8E4-1C72-3DF0-AE63-87A69E04D1AF"), vnicBody("D50B1EDC-2919-347C-A6AA-5F12A0BD6A9C")}
	},
	"LogicalPartition": func() []string { return []string{lparBody("enum-lpar", "1024", "")} },
	// An empty bus to lpar11 (ID 11), as pypowervm's VSCSIBus.bld makes one.
	"VirtualSCSIBus": func() []string {
		return []string{`<VirtualSCSIBus:VirtualSCSIBus xmlns:VirtualSCSIBus="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0">` +
			`<Metadata><Atom/></Metadata><ClientAdapter schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType>Client</AdapterType>` +
			`<LocalPartitionID>11</LocalPartitionID><UseNextAvailableSlotID>true</UseNextAvailableSlotID></ClientAdapter>` +
			`<ServerAdapter schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType>Server</AdapterType>` +
			`<UseNextAvailableSlotID>true</UseNextAvailableSlotID></ServerAdapter></VirtualSCSIBus:VirtualSCSIBus>`}
	},
	// A copy of a volume group names disks already in use.
	"VolumeGroup": func() []string {
		return []string{`<VolumeGroup:VolumeGroup xmlns:VolumeGroup="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0">` +
			`<Metadata><Atom/></Metadata><GroupName>enumvg</GroupName><PhysicalVolumes schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
			`<PhysicalVolume schemaVersion="V1_0"><Metadata><Atom/></Metadata><VolumeName>hdisk5</VolumeName></PhysicalVolume>` +
			`</PhysicalVolumes></VolumeGroup:VolumeGroup>`}
	},
}

// updateHints make a valid change of an object as read, for kinds whose
// leaves cannot simply be mutated (the console's SSH keys).
var updateHints = map[string]func(t *testing.T, obj *uom.Element) string{
	"ManagementConsole": func(t *testing.T, obj *uom.Element) string {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		ak := obj.Child("AuthorizedKeys")
		if ak == nil {
			t.Fatal("the console shows no AuthorizedKeys")
		}
		ak.Append(&uom.Element{Space: uom.NSUOM, Local: "AuthorizedKey", Text: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sk))) + " enum@test"})
		return string(obj.Bytes())
	},
}

// vnicBody is a VirtualNICDedicated a client may create: one backing
// device, port 0 of SR-IOV adapter 1 through the VIOS.
func vnicBody(vios string) string {
	return `<VirtualNICDedicated:VirtualNICDedicated xmlns:VirtualNICDedicated="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0">` +
		`<Metadata><Atom/></Metadata><UseNextAvailableSlotID>true</UseNextAvailableSlotID>` +
		`<Details schemaVersion="V1_0"><Metadata><Atom/></Metadata><PortVLANID>2001</PortVLANID></Details>` +
		`<AssociatedBackingDevices schemaVersion="V1_0"><Metadata><Atom/></Metadata><VirtualNICBackingDeviceChoice>` +
		`<VirtualNICSRIOVBackingDevice schemaVersion="V1_0"><Metadata><Atom/></Metadata><DeviceType>SRIOV</DeviceType>` +
		`<AssociatedVirtualIOServer href="/rest/api/uom/VirtualIOServer/` + vios + `" rel="related"/>` +
		`<RelatedSRIOVAdapterID>1</RelatedSRIOVAdapterID><RelatedSRIOVPhysicalPortID>0</RelatedSRIOVPhysicalPortID>` +
		`</VirtualNICSRIOVBackingDevice></VirtualNICBackingDeviceChoice></AssociatedBackingDevices></VirtualNICDedicated:VirtualNICDedicated>`
}

// lportBody is an SRIOVEthernetLogicalPort a client may create.
const lportBody = `<SRIOVEthernetLogicalPort:SRIOVEthernetLogicalPort xmlns:SRIOVEthernetLogicalPort="` + uom.NSUOM + `" xmlns="` + uom.NSUOM +
	`" schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterID>1</AdapterID><ConfiguredCapacity>4.0%</ConfiguredCapacity>` +
	`<PhysicalPortID>1</PhysicalPortID></SRIOVEthernetLogicalPort:SRIOVEthernetLogicalPort>`

// refusalsInventory is the default server with a third VIOS (in no
// cluster, so a cluster can be created on it) and storage the VIOS jobs
// can discover: a volume at LUN 10 of every VIOS (grown after the VIOSes
// discovered it), an iSCSI target and an RBD image; seedForRefusals then
// adds one at LUN 9 none has discovered.
func refusalsInventory() *core.Inventory {
	inv := core.DefaultInventory()
	inv.VIOS.Count, inv.VIOS.Running = 3, 3
	hosts := func(lun int) []model.SANLUNHost {
		return []model.SANLUNHost{{Host: "vios1", LUN: lun}, {Host: "vios2", LUN: lun}, {Host: "vios3", LUN: lun}}
	}
	inv.SAN = &san.Spec{
		LUNs: []san.LUNSpec{{Name: "enum_grown", SizeMB: 10240, Array: san.DefaultArray, Hosts: hosts(10)}},
		Targets: []san.TargetSpec{{IQN: "iqn.2026-01.com.example:enum", Portals: []string{"192.0.2.10:3260"},
			LUNs: []san.LUNSpec{{Name: "enum_iscsi", SizeMB: 4096, TargetLUN: 0}}}},
		RBD: []san.RBDSpec{{Pool: "rbd", Name: "enum", SizeMB: 1024}},
	}
	return inv
}

// jobSamples are parameters that make each job that needs some change
// something on a VIOS (the VIOS's UUID given).
var jobSamples = map[string]func(f *coFixture, vios string) []core.Param{
	"LogicalPartition/PanelFunction": func(*coFixture, string) []core.Param { return []core.Param{{Name: "operation", Value: "dston"}} },
	"LogicalPartition/AddLicense":    func(*coFixture, string) []core.Param { return []core.Param{{Name: "licKey", Value: "ENUM-KEY"}} },
	"LogicalPartition/CloneUUID":     func(*coFixture, string) []core.Param { return []core.Param{{Name: "targetLparName", Value: "lpar12"}} },
	// A migration and a remote restart need their target named (a system
	// alone has none: the master's job fails, valid).
	"LogicalPartition/Migrate": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: core.ParamTargetSystem, Value: "Server-9009-42A-SN0000001"}}
	},
	"LogicalPartition/MigrateValidate": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: core.ParamTargetSystem, Value: "Server-9009-42A-SN0000001"}}
	},
	"LogicalPartition/RemoteRestart": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: "Operation", Value: "validate"}, {Name: "targetManagedSystem", Value: "Server-9009-42A-SN0000001"}}
	},
	"VirtualIOServer/LUARecovery": func(f *coFixture, vios string) []core.Param {
		var itl string
		f.core.ReadSAN(func(tx san.Tx) {
			arr := san.ArrayByName(tx, san.DefaultArray)
			for _, p := range vios_.FCPorts(tx.(vios_.Tx), vios) {
				if p.Name == "fcs0" {
					itl = "<itl><Iwwpn>" + p.WWPN + "</Iwwpn><Twwpn>" + arr.Ports[0].WWPN + "</Twwpn><lua>" + san.LUNAddress(9) + "</lua></itl>"
				}
			}
		})
		return []core.Param{{Name: "inputXML", Value: "<XML_LIST><general><cmd_version>3</cmd_version><version>2.0</version></general>" +
			"<reliableITL>false</reliableITL><deviceList><device><vendor>IBM</vendor><deviceTag>1</deviceTag><itlList><number>1</number>" +
			itl + "</itlList></device></deviceList></XML_LIST>"}}
	},
	"VirtualIOServer/RemoveDevice": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: "devName", Value: "hdisk6"}}
	},
	"VirtualIOServer/ISCSIDiscovery": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: "targetIQN", Value: "iqn.2026-01.com.example:enum"}, {Name: "hostIP", Value: "192.0.2.10:3260"},
			{Name: "targetLUN", Value: "0"}}
	},
	"VirtualIOServer/ISCSIRemove": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: "targetIQN", Value: "iqn.2026-01.com.example:enum"}, {Name: "targetLUN", Value: "0"}}
	},
	"VirtualIOServer/RescanVirtualDisk": func(f *coFixture, vios string) []core.Param {
		var udid string
		f.core.ReadSAN(func(tx san.Tx) {
			if pv := vios_.PVOfLUN(tx.(vios_.Tx), vios, san.LUNByName(tx, "enum_grown").UUID); pv != nil {
				udid = vios_.DiskUDID(pv)
			}
		})
		return []core.Param{{Name: "VirtualDiskUDID", Value: udid}}
	},
	"VirtualIOServer/RBDExists": func(*coFixture, string) []core.Param {
		return []core.Param{{Name: "name", Value: "rbd/enum"}}
	},
}

// readOnlyJobs change nothing: the console that is not master runs them.
var readOnlyJobs = map[string]bool{"VirtualIOServer/RBDExists": true}

// seedForRefusals gives the server, while NovaLink is master, objects of
// the kinds the default inventory has none of (a logical unit, a logical
// volume, a running IBM i partition), so that changing and deleting them
// and the IBM i jobs can be tried.
func seedForRefusals(t *testing.T, f *coFixture) {
	t.Helper()
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin, Console: model.ConsoleNovaLink}
	v := f.partition("vios1")
	for _, line := range []string{"lu -create -sp pool1 -lu enum_lu -size 1024", "mklv -lv enum_lv rootvg 1G"} {
		res, err := f.core.RunIOSCLI(admin, v.UUID, line, false)
		if err != nil || res.Code != 0 {
			t.Fatalf("%s: %v %+v", line, err, res)
		}
	}
	// A SCSI bus from vios1 to lpar10 with the logical volume on it.
	lpar := f.partition("lpar10")
	slot, err := f.core.CreateSCSIBus(admin, v.UUID, lpar.UUID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lv string
	f.core.Read(func(st *model.State) {
		st.Each(model.KindLV, func(o model.Object) {
			if l := o.(*model.LogicalVolume); l.Name == "enum_lv" {
				lv = l.UUID
			}
		})
	})
	if err := f.core.UpdateSCSIBus(admin, v.UUID, slot, []vios_.SCSISpec{{Backing: model.BackLV, BackingID: lv}}); err != nil {
		t.Fatal(err)
	}
	ibmi := f.core.NewPartitionTemplate(model.TypeOS400)
	ibmi.Name, ibmi.MinMem, ibmi.DesMem, ibmi.MaxMem = "enum-ibmi", 1024, 1024, 1024
	p, err := f.core.CreatePartition(admin, ibmi)
	if err != nil {
		t.Fatal(err)
	}
	job, err := f.core.StartJob(admin, core.JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: p.UUID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && job.Snapshot().Status == core.JobRunning; i++ {
		f.clock.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != core.JobOK {
		t.Fatalf("power on enum-ibmi: %+v", s)
	}
	// A vNIC and a logical port of lpar11, so that deleting them can be
	// tried.
	for _, c := range []struct{ kind, body string }{{"VirtualNICDedicated", vnicBody(v.UUID)}, {"SRIOVEthernetLogicalPort", lportBody}} {
		rec := f.do("PUT", "/rest/api/uom/LogicalPartition/"+f.partition("lpar11").UUID+"/"+c.kind, uom.MediaType(uom.ServiceUOM, c.kind), c.body, f.token)
		if rec.Code != 200 {
			t.Fatalf("create %s: %d %s", c.kind, rec.Code, rec.Body)
		}
	}
	if f.partition("vios3") == nil {
		return
	}
	// Every VIOS discovers the volume enum_grown (cfgdev), which then
	// grows: RescanVirtualDisk has a size to bring up to date.
	for _, name := range []string{"vios1", "vios2", "vios3"} {
		if res, err := f.core.RunIOSCLI(admin, f.partition(name).UUID, "cfgdev", false); err != nil || res.Code != 0 {
			t.Fatalf("cfgdev on %s: %v %+v", name, err, res)
		}
	}
	err = f.core.ChangeSAN(admin, func(tx *core.Tx) error {
		if _, err := san.ResizeLUN(tx, san.LUNByName(tx, "enum_grown"), 20480); err != nil {
			return err
		}
		var hosts []model.SANLUNHost
		for _, v := range []string{"vios1", "vios2", "vios3"} {
			hosts = append(hosts, model.SANLUNHost{Host: v, LUN: 9})
		}
		_, err := san.CreateLUN(tx, san.LUNSpec{Name: "enum_vol", SizeMB: 10240, Array: san.DefaultArray, Hosts: hosts})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deletes tries the kind's objects one by one until the master deletes
// one.
func (r *refusals) deletes(t *testing.T, k *kind) {
	f := r.f
	for _, p := range r.places(k) {
		for _, o := range r.objects(k, p) {
			path := p.feed + "/" + o.uuid
			etag := f.entry(t, path, r.master).Etag
			gone := func() bool { return f.do("GET", path, "", "", r.master).Code == 404 }
			if r.attempt(t, "delete "+k.name, "DELETE", path, "", "", etag, gone) {
				return
			}
		}
	}
}

// jobs runs every job operation of the core as the console that is not
// master: each ends refused with the co-management message (for the
// partitions' jobs the master then starts the same job, to show it was a
// valid one). RequestMaster is the one the other console may run; run
// checks it last.
func (r *refusals) jobs(t *testing.T) {
	f := r.f
	// A CLIRunner command that changes the system goes through the same
	// check.
	j := f.cli(t, r.other, `viosvrcmd --id 2 -c "lu -create -sp pool1 -lu enum_lu -size 1024"`)
	if j.status != core.JobError || !r.isCoMgmt(j.results["stdErr"]) {
		t.Errorf("viosvrcmd lu -create by the console that is not master: %v", j)
	}

	var groups []string
	for g := range core.JobOperations {
		groups = append(groups, g)
	}
	// The system's jobs first: they need no partition in transition.
	sort.Slice(groups, func(i, j int) bool {
		if (groups[i] == "ManagedSystem") != (groups[j] == "ManagedSystem") {
			return groups[i] == "ManagedSystem"
		}
		return groups[i] < groups[j]
	})
	var pending []string // partition jobs no object could show yet
	for _, g := range groups {
		var ops []string
		for op := range core.JobOperations[g] {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		k := f.srv.kinds[g]
		if k == nil {
			t.Errorf("job group %s has no kind", g)
			continue
		}
		for _, op := range ops {
			route := "job " + g + "/" + op
			switch {
			case g == "ManagedSystem" && (op == "RequestMaster" || op == "RequestController"):
				continue
			case core.ReadOnlyJobs[g+"/"+op] && g != "ManagedSystem":
				// A read of a partition (RescanVirtualDisk): nothing to
				// refuse; its own tests run it.
				continue
			case core.ReadOnlyJobs[g+"/"+op]:
				// Reads: the console that is not master may run them.
				j := f.runJob(t, f.sysPath(), op, r.other, true)
				r.tried++
				if j.status != core.JobOK {
					t.Errorf("%s (changes nothing) by the console that is not master: %v, want it to run", route, j)
				}
			case core.KindJobs[g][op]:
				r.kindJob(t, g, op)
			case g == "ManagedSystem":
				var params []core.Param
				switch op {
				case "UpdateFirmware":
					params = []core.Param{{Name: "image", Value: "FIRMWARE_IMAGE\nlevel=SV860_999\n"}}
				case "AddVSN", "RemoveVSN", "TransferVSN":
					params = []core.Param{{Name: "VirtualSerialNumber", Value: "ENUMVSN"}}
				}
				before := f.core.System()
				j := f.runJob(t, f.sysPath(), op, r.other, true, params...)
				r.tried++
				if j.status == core.JobOK || j.status == core.JobRunning || !r.isCoMgmt(j.message) {
					t.Errorf("%s by the console that is not master: %v, want the co-management refusal naming %s", route, j, r.label)
				} else {
					r.covered[route] = true
				}
				if after := f.core.System(); after.Rev != before.Rev {
					t.Errorf("%s by the console that is not master changed the system", route)
				}
			default:
				if !r.partitionJob(t, k, op) {
					pending = append(pending, g+"/"+op)
				}
			}
		}
	}
	// Once the master's jobs have ended (a partition it powered on can
	// now be powered off), the rest again.
	for _, gop := range pending {
		g, op, _ := strings.Cut(gop, "/")
		if !r.partitionJob(t, f.srv.kinds[g], op) {
			t.Errorf("job %s: no object the master could run it on, so its refusal is not shown", gop)
		}
	}
}

// partitionJob runs a partition job on the kind's objects, as the other
// console (refused) then the master, until the master can run it; the
// master's job is then let run to its end.
func (r *refusals) partitionJob(t *testing.T, k *kind, op string) bool {
	f := r.f
	route := "job " + k.name + "/" + op
	ps := r.places(k)
	if len(ps) == 0 {
		return false
	}
	for _, o := range r.objects(k, ps[0]) {
		path := "/rest/api/uom/" + k.name + "/" + o.uuid
		var params []core.Param
		if sample := jobSamples[k.name+"/"+op]; sample != nil {
			params = sample(f, o.uuid)
		}
		r.tried++
		before := r.fingerprint(k)
		j := f.runJob(t, path, op, r.other, true, params...)
		if readOnlyJobs[k.name+"/"+op] {
			if j.status != core.JobOK || r.fingerprint(k) != before {
				t.Errorf("%s (changes nothing) on %s by the console that is not master: %v, want it to run", route, o.uuid, j)
			}
			r.covered[route] = true
			return true
		}
		if j.status == core.JobOK || j.status == core.JobRunning || r.fingerprint(k) != before {
			t.Errorf("%s on %s by the console that is not master: %v", route, o.uuid, j)
			continue
		}
		m := f.runJob(t, path, op, r.master, false, params...)
		if m.http != 200 || m.status == core.JobError {
			continue // not valid on this object
		}
		if !r.isCoMgmt(j.message) {
			t.Errorf("%s on %s by the console that is not master: %v, want the co-management refusal naming %s", route, o.uuid, j, r.label)
		}
		r.covered[route] = true
		for i := 0; i < 100; i++ {
			f.clock.Advance(50 * time.Millisecond)
			time.Sleep(time.Millisecond)
		}
		return true
	}
	return false
}

// kindJob runs a job of a kind (Cluster/do/Create) as the console that is
// not master (refused, nothing made), then as the master (made).
func (r *refusals) kindJob(t *testing.T, g, op string) {
	f := r.f
	route := "job " + g + "/" + op
	v := f.partition("vios3")
	if v == nil {
		t.Errorf("%s: the server has no VIOS outside a cluster to create one on", route)
		return
	}
	params := []core.Param{
		{Name: "clusterXml", Value: `<Cluster xmlns="` + uom.NSUOM + `"><ClusterName>enumcluster</ClusterName><RepositoryDisk><PhysicalVolume>` +
			`<VolumeName>hdisk5</VolumeName></PhysicalVolume></RepositoryDisk><Node><Node><VirtualIOServer href="/rest/api/uom/VirtualIOServer/` +
			v.UUID + `" rel="related"/></Node></Node></Cluster>`},
		{Name: "sspXml", Value: `<SharedStoragePool xmlns="` + uom.NSUOM + `"><PhysicalVolumes><PhysicalVolume><VolumeName>hdisk6</VolumeName>` +
			`</PhysicalVolume></PhysicalVolumes><StoragePoolName>enumpool</StoragePoolName></SharedStoragePool>`},
	}
	k := f.srv.kinds[g]
	r.tried++
	before := r.fingerprint(k)
	j := f.runJob(t, "/rest/api/uom/"+g, op, r.other, true, params...)
	if j.status == core.JobOK || r.fingerprint(k) != before || !r.isCoMgmt(j.message) {
		t.Errorf("%s by the console that is not master: %v, want the co-management refusal naming %s", route, j, r.label)
		return
	}
	if m := f.runJob(t, "/rest/api/uom/"+g, op, r.master, true, params...); m.status != core.JobOK || r.fingerprint(k) == before {
		t.Errorf("%s by the master: %v", route, m)
		return
	}
	r.covered[route] = true
}

// TestMasterOutlivesItsSession: mastership belongs to the console, not to
// the session that asked for it. The HMC logs off (its sessions gone, as
// when it crashes): it stays master, NovaLink's changes are still refused,
// and the HMC's next session may change things.
func TestMasterOutlivesItsSession(t *testing.T) {
	f := newCoFixture(t)
	sys := f.core.System()
	if r := f.cli(t, f.hmc, "chcomgmt -m "+sys.Name+" -o setmaster -t norm"); r.status != core.JobOK {
		t.Fatalf("setmaster: %v", r)
	}
	if rec := f.do("DELETE", "/rest/api/web/Logon", "", "", f.hmc); rec.Code != 204 && rec.Code != 200 {
		t.Fatalf("logoff: %d", rec.Code)
	}
	f.clock.Advance(24 * time.Hour)
	f.srv.SweepSessions()
	if _, _, hmc, _ := f.masterFlags(t, f.token); !hmc {
		t.Fatal("the HMC lost mastership with its session")
	}
	lpar := f.partition("lpar10")
	if r := f.cli(t, f.token, `viosvrcmd --id 2 -c "lu -create -sp pool1 -lu after_logoff -size 1024"`); r.status != core.JobError ||
		!strings.Contains(r.results["stdErr"], "PowerVM management master") {
		t.Errorf("NovaLink's change while the HMC, logged off, is master: %v", r)
	}
	tok := f.logon(t, "hscroot", "pw")
	if r := f.cli(t, tok, "chsyscfg -r lpar -m "+sys.Name+" -i lpar_id=10,powervm_mgmt_capable=1"); r.status != core.JobOK ||
		!f.partition("lpar10").MgmtCapable || lpar.MgmtCapable {
		t.Errorf("the HMC's change in a new session: %v", r)
	}
}

// TestConsoleSSHKeys: the console has a public SSH key of its own, the
// same from read to read; its authorized keys are set by posting the
// list (a key added, one removed), refused when one is not a key.
func TestConsoleSSHKeys(t *testing.T) {
	f := newCoFixture(t)
	e := f.entry(t, f.consolePath(), "")
	pub, _ := e.Content.FindText("PublicSSHKey")
	if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pub)); err != nil {
		t.Fatalf("PublicSSHKey %q: %v", pub, err)
	}
	if len(e.Content.FindAll("AuthorizedKeys/AuthorizedKey")) != 0 {
		t.Fatal("a new console authorizes keys")
	}
	key := func(comment string) string {
		p, _, _ := ed25519.GenerateKey(rand.Reader)
		sk, _ := ssh.NewPublicKey(p)
		return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sk))) + " " + comment
	}
	k1, k2 := key("powervc@a"), key("nova@b")
	post := func(etag string, keys ...string) *httptest.ResponseRecorder {
		obj := f.entry(t, f.consolePath(), "").Content
		ak := obj.Child("AuthorizedKeys")
		ak.Children = ak.Children[:1] // Metadata
		for _, k := range keys {
			ak.Append(&uom.Element{Space: uom.NSUOM, Local: "AuthorizedKey", Text: k})
		}
		return f.do("POST", f.consolePath(), uom.MediaType(uom.ServiceUOM, "ManagementConsole"), string(obj.Bytes()), "", "If-Match", etag)
	}
	if rec := post(e.Etag, k1, k2, k1); rec.Code != 200 {
		t.Fatalf("add keys: %d %s", rec.Code, rec.Body)
	}
	e2 := f.entry(t, f.consolePath(), "")
	var got []string
	for _, k := range e2.Content.FindAll("AuthorizedKeys/AuthorizedKey") {
		got = append(got, k.Text)
	}
	if len(got) != 2 || got[0] != k1 || got[1] != k2 {
		t.Fatalf("authorized keys %q", got)
	}
	if p2, _ := e2.Content.FindText("PublicSSHKey"); p2 != pub || e2.Etag == e.Etag {
		t.Fatalf("public key changed (%v) or etag did not (%s)", p2 != pub, e2.Etag)
	}
	if rec := post(e.Etag, k1); rec.Code != 412 {
		t.Errorf("stale etag: %d", rec.Code)
	}
	if rec := post(e2.Etag, k1, "ssh-rsa not-a-key x"); rec.Code != 400 {
		t.Errorf("a bad key: %d %s", rec.Code, rec.Body)
	}
	if rec := post(e2.Etag, k2); rec.Code != 200 {
		t.Fatalf("remove a key: %d %s", rec.Code, rec.Body)
	}
	keys := f.entry(t, f.consolePath(), "").Content.FindAll("AuthorizedKeys/AuthorizedKey")
	if len(keys) != 1 || keys[0].Text != k2 {
		t.Fatalf("after removing one: %d keys", len(keys))
	}
}
