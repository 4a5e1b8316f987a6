package rest_test

// Responses for our own objects validate against the same structure as the
// captured responses of a real NovaLink: every element the renderer writes
// is in the schema (uom/schema, derived from the captures), in schema
// order, with the schema's access attributes, and children that a capture
// also has come in the capture's relative order.

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/capture"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/uom"
)

// epoch is the fake clock's start: every test server starts at the same
// time, so that rendered times are the same from run to run.
var epoch = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

// Fixed UUIDs of the partitions the tests create.
const (
	uuidDedOff = "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3001"
	uuidDedRun = "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3002"
	uuidShrRun = "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3003"
)

// harness is an in-process pvmd: a core on a fake clock and the REST server
// on an httptest listener (127.0.0.1), logged on as padmin.
type harness struct {
	t     testing.TB
	c     *core.Core
	clk   *sim.FakeClock
	ts    *httptest.Server
	token string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := sim.NewFakeClock(epoch)
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: clk,
		Timing: sim.Profiles["fast"], Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureUser("padmin", core.RoleAdmin, "pw"); err != nil {
		c.Close()
		t.Fatal(err)
	}
	srv := rest.New(c, rest.Config{SessionDir: t.TempDir(), EventWait: 100 * time.Millisecond, Logger: discard})
	ts := httptest.NewServer(srv)
	h := &harness{t: t, c: c, clk: clk, ts: ts}
	t.Cleanup(func() {
		ts.Close()
		c.Close()
	})
	h.logon()
	return h
}

func (h *harness) logon() {
	h.t.Helper()
	body := `<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_1_0"><Metadata><Atom/></Metadata>` +
		`<UserID kb="CUR" kxe="false">padmin</UserID><Password kb="CUR" kxe="false">pw</Password></LogonRequest>`
	resp, data := h.do(http.MethodPut, "/rest/api/web/Logon", uom.MediaType(uom.ServiceWeb, "LogonRequest"), body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("logon: %s\n%s", resp.Status, data)
	}
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatalf("logon response: %v", err)
	}
	tok, ok := el.FindText("X-API-Session")
	if !ok || tok == "" {
		h.t.Fatalf("logon response has no X-API-Session:\n%s", data)
	}
	h.token = tok
}

// answer is what a test reads of a response besides its body, which the
// call that made the request has read whole and closed.
type answer struct {
	StatusCode int
	Status     string
	Header     http.Header
}

func answerOf(resp *http.Response) *answer {
	return &answer{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header}
}

// do sends a request (with the session, once logged on) and returns the
// response and its body.
func (h *harness) do(method, path, ctype, body string) (*answer, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if h.token != "" {
		req.Header.Set("X-API-Session", h.token)
	}
	req.Header.Set("Accept", uom.MediaTypeAtom)
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return answerOf(resp), data
}

// get fetches path, requires 200 and returns the decoded document.
func (h *harness) get(path string) *uom.Element {
	h.t.Helper()
	resp, data := h.do(http.MethodGet, path, "", "")
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s\n%s", path, resp.Status, data)
	}
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatalf("GET %s: %v\n%s", path, err, data)
	}
	return el
}

func (h *harness) systemUUID() string { return h.c.System().UUID }

func (h *harness) partition(uuid string) *model.Partition {
	var p *model.Partition
	h.c.Read(func(st *model.State) { p = st.Partition(uuid) })
	return p
}

// createPartition creates an AIX/Linux partition through the core with a
// fixed UUID (and fixed everything else).
func (h *harness) createPartition(uuid, name string, dedicated bool) *model.Partition {
	h.t.Helper()
	p := h.c.NewPartitionTemplate(model.TypeAIXLinux)
	p.UUID, p.Name = uuid, name
	p.MinMem, p.DesMem, p.MaxMem = 1024, 2048, 4096
	if dedicated {
		p.Dedicated = true
		p.SharingMode = model.SharingShareIdle
		p.MinProcs, p.DesProcs, p.MaxProcs = 1, 1, 2
	} else {
		p.MinUnits, p.DesUnits, p.MaxUnits = 10, 50, 200
		p.MinVP, p.DesVP, p.MaxVP = 1, 1, 2
	}
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	n, err := h.c.CreatePartition(admin, p)
	if err != nil {
		h.t.Fatalf("create %s: %v", name, err)
	}
	// Deployed the NovaLink way, so that RMC comes up after boot.
	if _, err := h.c.CreateAdapter(admin, n.UUID, &model.EthernetAdapter{PVID: model.MgmtVLAN, SwitchID: 1}, core.SlotNext); err != nil {
		h.t.Fatalf("MGMTSWITCH adapter of %s: %v", name, err)
	}
	return n
}

// jobRequest is the body of a PUT .../do/<op>.
func jobRequest(op, group string) string {
	return `<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0">` +
		`<Metadata><Atom/></Metadata>` +
		`<RequestedOperation kb="CUR" kxe="false" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<OperationName kb="ROR" kxe="false">` + op + `</OperationName><GroupName kb="ROR" kxe="false">` + group + `</GroupName></RequestedOperation>` +
		`<JobParameters kb="CUR" kxe="false" schemaVersion="V1_0"><Metadata><Atom/></Metadata></JobParameters></JobRequest:JobRequest>`
}

// startPowerOn sends the PowerOn job of a partition and returns the job ID.
func (h *harness) startPowerOn(group, uuid string) int64 {
	h.t.Helper()
	resp, data := h.do(http.MethodPut, "/rest/api/uom/"+group+"/"+uuid+"/do/PowerOn",
		uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest("PowerOn", group))
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("PowerOn %s: %s\n%s", uuid, resp.Status, data)
	}
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatal(err)
	}
	idText, _ := el.FindText("content/JobResponse/JobID")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		h.t.Fatalf("PowerOn %s: no JobID in the response:\n%s", uuid, data)
	}
	return id
}

// settle advances the fake clock until the job is done and the partition
// is running with RMC active.
func (h *harness) settle(jobID int64, uuid string) {
	h.t.Helper()
	for i := 0; i < 200; i++ {
		j := h.c.Jobs.Get(jobID)
		p := h.partition(uuid)
		if j != nil && j.Snapshot().Status != core.JobRunning && p.State == model.StateRunning && p.RMCState == model.RMCActive {
			if s := j.Snapshot(); s.Status != core.JobOK {
				h.t.Fatalf("job %d: %+v", jobID, s)
			}
			return
		}
		h.clk.Advance(20 * time.Millisecond)
	}
	p := h.partition(uuid)
	h.t.Fatalf("partition %s did not come up: state %q RMC %q", p.Name, p.State, p.RMCState)
}

// objectsOf returns the object elements (the first child of each entry's
// content) of a feed or entry document.
func objectsOf(t testing.TB, doc *uom.Element) []*uom.Element {
	t.Helper()
	var entries []*uom.Entry
	switch {
	case doc.Space == uom.NSAtom && doc.Local == "feed":
		f, err := uom.ParseFeed(doc)
		if err != nil {
			t.Fatal(err)
		}
		entries = f.Entries
	case doc.Space == uom.NSAtom && doc.Local == "entry":
		e, err := uom.ParseEntry(doc)
		if err != nil {
			t.Fatal(err)
		}
		entries = []*uom.Entry{e}
	default:
		return []*uom.Element{doc}
	}
	var out []*uom.Element
	for _, e := range entries {
		if e.Content == nil {
			t.Fatalf("entry %s has no content", e.ID)
		}
		out = append(out, e.Content)
	}
	return out
}

// captureObjects returns the objects of type typ in a capture file.
func captureObjects(t testing.TB, file, typ string) []*uom.Element {
	t.Helper()
	rs, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []*uom.Element
	for _, r := range rs {
		doc, err := uom.DecodeBytes(r.Body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, o := range objectsOf(t, doc) {
			if o.Local == typ && o.Space == uom.NSUOM {
				out = append(out, o)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no %s", file, typ)
	}
	return out
}

// captureElements returns the elements of type typ in a capture file: the
// objects of that type, or for a type that only appears inside others
// (LoadGroup, in NetworkBridge) the nested elements.
func captureElements(t testing.TB, file, typ string) []*uom.Element {
	t.Helper()
	if typ == "LoadGroup" {
		var out []*uom.Element
		for _, nb := range captureObjects(t, file, "NetworkBridge") {
			out = append(out, nb.FindAll("LoadGroups/LoadGroup")...)
		}
		if len(out) == 0 {
			t.Fatalf("%s has no LoadGroup", file)
		}
		return out
	}
	return captureObjects(t, file, typ)
}

// rendered is one object our server rendered, with where it came from.
type rendered struct {
	src string // request and entry, for messages
	el  *uom.Element
}

// renderedObjects drives a fresh server through the states the brief asks
// for and returns every object it rendered, by type.
func renderedObjects(t *testing.T) map[string][]rendered {
	h := newHarness(t)
	sys := h.systemUUID()
	h.createPartition(uuidDedOff, "ded-off", true)
	h.createPartition(uuidDedRun, "ded-run", true)
	h.createPartition(uuidShrRun, "shr-run", false)

	out := map[string][]rendered{}
	collect := func(path string) {
		for i, o := range objectsOf(t, h.get(path)) {
			out[o.Local] = append(out[o.Local], rendered{src: fmt.Sprintf("GET %s [%d] %s", path, i, nameOf(o)), el: o})
		}
	}

	jobDed := h.startPowerOn("LogicalPartition", uuidDedRun)
	jobShr := h.startPowerOn("LogicalPartition", uuidShrRun)
	// Starting (firmware reference codes, operation in progress).
	collect("/rest/api/uom/LogicalPartition/" + uuidShrRun)
	h.settle(jobDed, uuidDedRun)
	h.settle(jobShr, uuidShrRun)

	for _, q := range []string{"", "?group=None"} {
		collect("/rest/api/uom/ManagedSystem" + q)
		collect("/rest/api/uom/ManagedSystem/" + sys + q)
		collect("/rest/api/uom/LogicalPartition" + q)
		collect("/rest/api/uom/VirtualIOServer" + q)
		collect("/rest/api/uom/ManagedSystem/" + sys + "/LogicalPartition" + q)
		collect("/rest/api/uom/ManagedSystem/" + sys + "/VirtualIOServer" + q)
		for _, u := range []string{uuidDedOff, uuidDedRun, uuidShrRun} {
			collect("/rest/api/uom/LogicalPartition/" + u + q)
		}
	}
	collectNetwork(h, collect)
	collectStorage(h, collect)
	collectPartitionAPI(h, collect)
	collectSRIOV(h, collect)
	for _, typ := range conformTypes {
		if len(out[typ]) == 0 {
			t.Fatalf("no %s rendered", typ)
		}
	}
	return out
}

// conformTypes are the object types the conformance tests render.
var conformTypes = []string{"ManagedSystem", "LogicalPartition", "VirtualIOServer",
	"VirtualSwitch", "VirtualNetwork", "ClientNetworkAdapter", "NetworkBridge", "LoadGroup",
	"SharedStoragePool", "Tier", "LogicalUnit", "Cluster", "VolumeGroup",
	"SharedProcessorPool", "VirtualSerialNumberInformation", "VirtualSCSIBus", "VirtualSCSIClientAdapter",
	"VirtualFibreChannelClientAdapter", "ManagementConsole", "SRIOVEthernetLogicalPort", "VirtualNICDedicated"}

// collectSRIOV gives a partition a vNIC (backed through both VIOSes) and
// a logical port, and renders them and the VIOSes' logical ports.
func collectSRIOV(h *harness, collect func(path string)) {
	t := h.t
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	var vioses []string
	h.c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return p.IsVIOS() }) {
			vioses = append(vioses, p.UUID)
		}
	})
	if _, err := h.c.CreateVNIC(admin, uuidDedOff, sriov.VNICSpec{PVID: 2001, Backing: []sriov.BackingSpec{
		{VIOS: vioses[0], Adapter: 1, Port: 0}, {VIOS: vioses[1], Adapter: 2, Port: 0, Capacity: 400}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.CreateLogicalPort(admin, uuidDedOff, sriov.LPSpec{Adapter: 1, Port: 1, Capacity: 1000, PVID: 12}); err != nil {
		t.Fatal(err)
	}
	collect("/rest/api/uom/LogicalPartition/" + uuidDedOff + "/VirtualNICDedicated")
	collect("/rest/api/uom/LogicalPartition/" + uuidDedOff + "/SRIOVEthernetLogicalPort")
	for _, v := range vioses {
		collect("/rest/api/uom/VirtualIOServer/" + v + "/SRIOVEthernetLogicalPort")
	}
	collect("/rest/api/uom/ManagedSystem/" + h.systemUUID())
}

// schemaOf is the schema of an object type; a LoadGroup entry is a
// LoadGroup as the NetworkBridge schema has it (no capture shows one on its
// own).
func schemaOf(typ string) *uom.SchemaNode {
	if typ == "LoadGroup" {
		return uom.Schema("NetworkBridge").Find("LoadGroups/LoadGroup")
	}
	return uom.Schema(typ)
}

// collectNetwork gives the server networking to show (a switch of our
// own, a client adapter with tagged VLANs on it, an I/O slot owned by an
// LPAR, a second trunk adapter pair with tagged VLANs on the bridge) and
// renders the networking objects, the partitions' adapters both ways and
// the VIOS with their network group.
func collectNetwork(h *harness, collect func(path string)) {
	t := h.t
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	sys := "/rest/api/uom/ManagedSystem/" + h.systemUUID()
	sw, err := h.c.CreateSwitch(admin, &model.VirtualSwitch{ID: -1, Name: "VSW1", Mode: model.SwitchVEPA})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.CreateAdapter(admin, uuidDedOff, &model.EthernetAdapter{PVID: 100, Tagged: []int{101, 102},
		TaggedSupported: true, SwitchID: sw.ID}, core.SlotNext); err != nil {
		t.Fatal(err)
	}
	var free int
	var bridge *model.NetworkBridge
	var parts []*model.Partition
	h.c.Read(func(st *model.State) {
		for _, s := range st.SortedSlots() {
			if s.Owner == "" && s.DeviceID != 0xFFFF && free == 0 {
				free = s.DRCIndex
			}
		}
		for _, b := range st.Bridges {
			bridge = b
		}
		parts = st.SortedPartitions(nil)
	})
	if err := h.c.AttachSlot(admin, uuidDedOff, free); err != nil {
		t.Fatal(err)
	}
	var seas []core.BridgeSEA
	h.c.Read(func(st *model.State) {
		for _, s := range bridge.SEAs {
			primary := st.Adapters[s.Trunks[0]]
			seas = append(seas, core.BridgeSEA{VIOS: s.VIOS, Device: s.Device, Trunks: []core.BridgeTrunk{
				{Slot: primary.Slot, PVID: primary.PVID, Tagged: []int{200}},
				{PVID: 4000, Tagged: []int{300, 301}},
			}})
		}
	})
	if _, err := h.c.UpdateBridge(admin, bridge.UUID, "", nil, seas); err != nil {
		t.Fatal(err)
	}

	collect(sys + "/VirtualSwitch")
	collect(sys + "/VirtualSwitch/" + sw.UUID)
	collect(sys + "/VirtualNetwork")
	collect(sys + "/NetworkBridge")
	collect(sys + "/NetworkBridge/" + bridge.UUID)
	collect(sys + "/NetworkBridge/" + bridge.UUID + "/LoadGroup")
	for _, p := range parts {
		typ := "LogicalPartition"
		if p.IsVIOS() {
			typ = "VirtualIOServer"
			collect("/rest/api/uom/VirtualIOServer/" + p.UUID + "?group=ViosNetwork")
		}
		collect("/rest/api/uom/" + typ + "/" + p.UUID + "/ClientNetworkAdapter")
		collect(sys + "/" + typ + "/" + p.UUID + "/ClientNetworkAdapter")
	}
}

func nameOf(o *uom.Element) string {
	if n, ok := o.FindText("PartitionName"); ok {
		return n
	}
	if n, ok := o.FindText("SystemName"); ok {
		return n
	}
	for _, k := range []string{"SwitchName", "NetworkName", "LocationCode", "Metadata/Atom/AtomID"} {
		if n, ok := o.FindText(k); ok {
			return n
		}
	}
	return o.Local
}

// schemaExempt are elements that may appear anywhere without being in the
// schema.
func schemaExempt(local string) bool { return local == "link" || local == "Metadata" }

// problems collects distinct findings (the same finding from many objects
// is reported once, with a count and the first object). A finding has a
// key, by which known issues are recognized, and a message.
type problems struct {
	m     map[string]*problem
	order []string
}

type problem struct {
	msg   string
	n     int
	first string
}

// add records a finding whose key is its message.
func (p *problems) add(src, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.addKeyed(msg, src, "%s", msg)
}

func (p *problems) addKeyed(key, src, format string, args ...any) {
	if p.m == nil {
		p.m = map[string]*problem{}
	}
	if q := p.m[key]; q != nil {
		q.n++
		return
	}
	p.m[key] = &problem{msg: fmt.Sprintf(format, args...), n: 1, first: src}
	p.order = append(p.order, key)
}

func (p *problems) has(key string) bool { _, ok := p.m[key]; return ok }

// report fails t for every finding that is not a known issue and returns
// the known ones (to skip on when nothing else failed).
func (p *problems) report(t *testing.T, what string, known map[string]string) (skipped []string) {
	t.Helper()
	for _, k := range p.order {
		q := p.m[k]
		if why, ok := known[k]; ok {
			skipped = append(skipped, fmt.Sprintf("%s: %s\n\t\t%s", what, q.msg, why))
			continue
		}
		t.Errorf("%s: %s (in %d rendered objects, first %s)", what, q.msg, q.n, q.first)
	}
	return skipped
}

func (p *problems) lines() []string {
	var out []string
	for _, k := range p.order {
		q := p.m[k]
		out = append(out, fmt.Sprintf("%s (%d objects, first %s)", q.msg, q.n, q.first))
	}
	return out
}

// checkSchema applies checks (a), (b) and (c) to one rendered object:
// every element path is in the schema, siblings come in non-decreasing
// schema position, and kb (and ksv, group) equal the schema's.
//
// Where the schema has no kb for an element (no capture shows one), the
// schema of the other partition type (LogicalPartition for a
// VirtualIOServer and the reverse: both are base partitions) is the
// evidence when it has one; otherwise the kb is only noted as unverified.
func checkSchema(src string, el *uom.Element, schema *uom.SchemaNode, unknown, order, kb, kbUnverified *problems) {
	var alt *uom.SchemaNode
	switch el.Local {
	case "LogicalPartition":
		alt = uom.Schema("VirtualIOServer")
	case "VirtualIOServer":
		alt = uom.Schema("LogicalPartition")
	}
	var rec func(path string, e *uom.Element, s, alt *uom.SchemaNode)
	rec = func(path string, e *uom.Element, s, alt *uom.SchemaNode) {
		last, lastName := -1, ""
		for _, c := range e.Children {
			cp := path + "/" + c.Local
			if c.Space != uom.NSUOM {
				unknown.add(src, "%s: element in namespace %q, want the uom namespace", cp, c.Space)
				continue
			}
			cs := s.Child(c.Local)
			if cs == nil && alt.Child(c.Local) != nil {
				// The other partition type's schema has it (both are base
				// partitions: the ProfileIOSlot of an LPAR owning I/O slots
				// is a VIOS's, which a capture shows): the element is
				// judged against that schema.
				ca := alt.Child(c.Local)
				checkAttrs(src, cp, c, ca, nil, kb, kbUnverified)
				rec(cp, c, ca, nil)
				continue
			}
			if cs == nil {
				if !schemaExempt(c.Local) {
					unknown.add(src, "%s: not in the %s schema", cp, schemaRootName(path))
				}
				continue
			}
			pos := s.Position(c.Local)
			if pos < last {
				order.add(src, "%s: <%s> (schema position %d) comes after <%s> (schema position %d)", path, c.Local, pos, lastName, last)
			} else {
				last, lastName = pos, c.Local
			}
			if c.Local == "Metadata" {
				continue // Metadata/Atom carry no access attributes
			}
			ca := alt.Child(c.Local)
			if c.Local != "link" {
				checkAttrs(src, cp, c, cs, ca, kb, kbUnverified)
			}
			rec(cp, c, cs, ca)
		}
	}
	rec(el.Local, el, schema, alt)
}

func schemaRootName(path string) string {
	if i := strings.IndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return path
}

// checkAttrs compares kb (every non-Metadata element must have one, as in
// the captures), ksv and group with the schema.
func checkAttrs(src, path string, c *uom.Element, cs, alt *uom.SchemaNode, kb, kbUnverified *problems) {
	got := c.Attr("kb")
	switch {
	case got == "" && cs.KB == "" && (cs.Complex || cs.Repeats):
		// A list item (TrunkAdapter, LoadGroup, ProfileIOSlot, ...; the
		// console's AuthorizedKey values): the captures write no access
		// attributes on them.
	case got == "" && cs.KB == "" && strings.HasSuffix(c.Local, "Choice"):
		// A choice wrapper (IOAdapterChoice, VirtualNICBackingDeviceChoice):
		// the captures (sys_with_sriov.txt, vnic_feed.txt) write it bare.
	case got == "":
		kb.add(src, "%s: no kb attribute (schema kb=%q)", path, cs.KB)
	case cs.KB == "" && alt != nil && alt.KB != "" && got != alt.KB:
		kb.add(src, "%s: kb=%q; the schema has none, the other partition type's schema has kb=%q", path, got, alt.KB)
	case cs.KB == "" && alt != nil && alt.KB != "":
		// Agrees with the other partition type.
	case cs.KB == "":
		// No capture shows this element with a kb: what we write is
		// our own guess.
		kbUnverified.add(src, "%s: kb=%q, but the schema (no capture) gives none", path, got)
	case got != cs.KB:
		kb.add(src, "%s: kb=%q, schema kb=%q", path, got, cs.KB)
	}
	if got := c.Attr("ksv"); got != cs.KSV {
		kb.add(src, "%s: ksv=%q, schema ksv=%q", path, got, cs.KSV)
	}
	if got := c.Attr("group"); got != cs.Group {
		kb.add(src, "%s: group=%q, schema group=%q", path, got, cs.Group)
	}
	if cs.Complex && c.Attr("schemaVersion") == "" {
		kb.add(src, "%s: complex element without schemaVersion", path)
	}
}

// childOrder maps a parent path to the order of its children's local names
// (the first occurrence of each name; repeats collapse), for one element
// tree: path -> list of sequences (one per element at that path).
type childOrder map[string][][]string

func orderOf(el *uom.Element) childOrder {
	m := childOrder{}
	el.Walk(func(path string, e *uom.Element) bool {
		if len(e.Children) == 0 {
			return true
		}
		var seq []string
		seen := map[string]bool{}
		for _, c := range e.Children {
			if !seen[c.Local] {
				seen[c.Local] = true
				seq = append(seq, c.Local)
			}
		}
		m[path] = append(m[path], seq)
		return true
	})
	return m
}

// checkCaptureOrder applies check (d): for every parent path present in
// both, the children both have must come in the capture's relative order.
// The elements to blame are those outside a longest run of our children
// that is in the capture's order; each is reported with its neighbours in
// both documents.
func checkCaptureOrder(src string, ours childOrder, file string, theirs childOrder, p *problems) {
	paths := make([]string, 0, len(ours))
	for path := range ours {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for _, cap := range theirs[path] {
			capPos := map[string]int{}
			for i, n := range cap {
				capPos[n] = i
			}
			for _, seq := range ours[path] {
				var common []string
				for _, n := range seq {
					if _, ok := capPos[n]; ok {
						common = append(common, n)
					}
				}
				for _, i := range outOfOrder(common, capPos) {
					n := common[i]
					ourPrev := "(first)"
					if i > 0 {
						ourPrev = "<" + common[i-1] + ">"
					}
					capPrev := "(first)"
					if k := capPos[n]; k > 0 {
						capPrev = "<" + cap[k-1] + ">"
					}
					p.addKeyed(orderKey(path+"/"+n, file), src,
						"%s/%s: of the children both have, we write it after %s; %s has it after %s (child %d of %d there)",
						path, n, ourPrev, file, capPrev, capPos[n]+1, len(cap))
				}
			}
		}
	}
}

// orderKey identifies a finding of check (d): the element path and the
// capture it disagrees with.
func orderKey(path, file string) string { return path + " | " + file }

// outOfOrder returns the indexes of the names in seq that are not part of
// a longest subsequence increasing in pos (the fewest elements to move to
// get pos's order).
func outOfOrder(seq []string, pos map[string]int) []int {
	n := len(seq)
	if n == 0 {
		return nil
	}
	best := make([]int, n) // length of the longest increasing run ending at i
	prev := make([]int, n)
	end := 0
	for i := range seq {
		best[i], prev[i] = 1, -1
		for j := 0; j < i; j++ {
			if pos[seq[j]] < pos[seq[i]] && best[j]+1 > best[i] {
				best[i], prev[i] = best[j]+1, j
			}
		}
		if best[i] > best[end] {
			end = i
		}
	}
	keep := make([]bool, n)
	for i := end; i >= 0; i = prev[i] {
		keep[i] = true
	}
	var out []int
	for i := range seq {
		if !keep[i] {
			out = append(out, i)
		}
	}
	return out
}

// captureFor names the captures each object type is compared with.
var captureFor = map[string][]string{
	"ManagedSystem":                    {"sys_with_sriov.txt", "managedsystem.txt"},
	"LogicalPartition":                 {"lpar.txt", "fake_lpar_feed.txt", "lpar_ibmi.txt"},
	"VirtualIOServer":                  {"fake_vios_feed.txt", "fake_vios_mappings.txt", "vio_multi_vscsi_mapping.txt", "fake_vios_ssp_npiv.txt", "fake_vios_with_volume_group_data.txt"},
	"VirtualSwitch":                    {"vswitch_feed.txt", "fake_virtual_switch.txt", "fake_vswitch_feed.txt", "nbbr_virtual_switch.txt"},
	"VirtualNetwork":                   {"nbbr_virtual_network.txt", "fake_virtual_network_feed.txt"},
	"ClientNetworkAdapter":             {"cna_feed1.txt", "cna_feed.txt", "fake_cna.txt"},
	"NetworkBridge":                    {"nbbr_network_bridge.txt", "nbbr_network_bridge_failover.txt", "nbbr_network_bridge_peer.txt", "fake_network_bridge.txt"},
	"LoadGroup":                        {"nbbr_network_bridge.txt", "nbbr_network_bridge_failover.txt", "fake_network_bridge.txt"},
	"SharedStoragePool":                {"ssp.txt"},
	"Tier":                             {"tier.txt"},
	"LogicalUnit":                      {"lufeed.txt"},
	"Cluster":                          {"cluster.txt"},
	"SharedProcessorPool":              {"shrprocpool.txt"},
	"VirtualSerialNumberInformation":   {"vsn.txt"},
	"VirtualSCSIBus":                   {"vscsibus_feed.txt"},
	"ManagementConsole":                {"managementconsole_ssh.txt", "managementconsole.txt"},
	"VirtualFibreChannelClientAdapter": {"vfc_client_adapter_feed.txt"},
	"SRIOVEthernetLogicalPort":         {"sriov_lp_feed.txt"},
	"VirtualNICDedicated":              {"vnic_feed.txt"},
	"VolumeGroup":                      {"fake_volume_group.txt", "fake_volume_group2.txt", "fake_volume_group_with_vio_data.txt", "get_volume_group.txt", "get_volume_group_no_rep.txt", "upload_volgrp.txt", "upload_volgrp2.txt"},
}

// knownSchemaIssues are findings of checks (a)-(c) that need a fix
// outside this test (uom/schema or the renderer); while nothing else fails
// they skip the subtest as "needs fix" instead of failing it.
var knownSchemaIssues = map[string]string{
	"ClientNetworkAdapter/DeviceName: not in the ClientNetworkAdapter schema": "we render the VIOS device name (entN) of an adapter, " +
		"as its TrunkAdapter elements have it and pypowervm's CNA wrapper reads it (_VADPT_DEV_NAME, between " +
		"VirtualStationInterfaceTypeVersion and TrunkPriority); no captured ClientNetworkAdapter shows one, so " +
		"uom/schema lacks it: internal/tools/schemagen/extra needs DeviceName kb=ROR after VirtualSwitchID",
}

// captureConflict is a finding of check (d) where the captures disagree
// with each other and our order is that of other captures: agree names
// captures of the same type that must have the element, in our order.
type captureConflict struct {
	why   string
	agree []string
}

var captureConflicts = map[string]captureConflict{
	orderKey("VirtualIOServer/IsManagementPartition", "fake_vios_feed.txt"): {
		why: "the second VIOS of fake_vios_feed.txt has IsManagementPartition (hand-added, in another attribute order " +
			"than its neighbours) right after IsConnectionMonitoringEnabled; every other capture that has it " +
			"(lpar.txt, fake_vios_hosting_vios_feed.txt) and pypowervm's BP_EL_ORDER put it after ReferenceCodeFull, " +
			"as the schema and our renderer do",
		agree: []string{"fake_vios_hosting_vios_feed.txt"},
	},
}

func TestRenderedObjectsConformToSchema(t *testing.T) {
	objs := renderedObjects(t)
	for _, typ := range conformTypes {
		t.Run(typ, func(t *testing.T) {
			schema := schemaOf(typ)
			if schema == nil {
				t.Fatalf("no schema for %s", typ)
			}
			var unknown, order, kb, kbUnverified problems
			for _, o := range objs[typ] {
				if o.el.Space != uom.NSUOM {
					t.Errorf("%s: root in namespace %q", o.src, o.el.Space)
				}
				if o.el.Attr("schemaVersion") == "" {
					t.Errorf("%s: root without schemaVersion", o.src)
				}
				checkSchema(o.src, o.el, schema, &unknown, &order, &kb, &kbUnverified)
			}
			skipped := unknown.report(t, "(a) element not in the schema", knownSchemaIssues)
			skipped = append(skipped, order.report(t, "(b) schema order", knownSchemaIssues)...)
			skipped = append(skipped, kb.report(t, "(c) access attributes", knownSchemaIssues)...)
			if lines := kbUnverified.lines(); len(lines) > 0 {
				t.Logf("kb not verifiable against the captures (the schema has none; the renderer's default):\n\t%s", strings.Join(lines, "\n\t"))
			}
			t.Logf("%d %s objects checked", len(objs[typ]), typ)
			if len(skipped) > 0 && !t.Failed() {
				t.Skipf("%s", strings.Join(skipped, "\n\t"))
			}
		})
	}
}

func TestRenderedOrderMatchesCaptures(t *testing.T) {
	if d, ok := capture.Dir(); !ok {
		t.Fatalf("fixtures directory %s not found: the captures are needed to compare orders", d)
	}
	objs := renderedObjects(t)
	for _, typ := range conformTypes {
		t.Run(typ, func(t *testing.T) {
			var found problems
			compared := 0
			for _, file := range captureFor[typ] {
				for _, capEl := range captureElements(t, file, typ) {
					theirs := orderOf(capEl)
					for _, o := range objs[typ] {
						checkCaptureOrder(o.src, orderOf(o.el), file, theirs, &found)
						compared++
					}
				}
			}
			for _, k := range found.order {
				q := found.m[k]
				conflict, ok := captureConflicts[k]
				if !ok {
					t.Errorf("(d) out of capture order: %s (in %d comparisons, first %s)", q.msg, q.n, q.first)
					continue
				}
				// Accepted only while the captures named to agree do.
				path, _, _ := strings.Cut(k, " | ")
				for _, file := range conflict.agree {
					var agree problems
					seen := false
					for _, capEl := range captureElements(t, file, typ) {
						theirs := orderOf(capEl)
						parent, elem := path[:strings.LastIndexByte(path, '/')], path[strings.LastIndexByte(path, '/')+1:]
						for _, seq := range theirs[parent] {
							for _, n := range seq {
								seen = seen || n == elem
							}
						}
						for _, o := range objs[typ] {
							checkCaptureOrder(o.src, orderOf(o.el), file, theirs, &agree)
						}
					}
					if !seen || agree.has(orderKey(path, file)) {
						t.Errorf("(d) %s: accepted as a capture conflict, but %s does not confirm our order (has it: %v): %s", q.msg, file, seen, conflict.why)
					}
				}
				t.Logf("(d) capture conflict, not a renderer problem: %s\n\t%s", q.msg, conflict.why)
			}
			t.Logf("%d comparisons of %s objects with captured ones", compared, typ)
		})
	}
}

// TestCheckersCatchProblems makes sure the checks above can fail: a
// rendered object with an element moved, an unknown element, a wrong kb and
// an order the capture does not have is reported by each check.
func TestCheckersCatchProblems(t *testing.T) {
	const typ = "LogicalPartition"
	schema := uom.Schema(typ)
	mk := func() *uom.Element {
		el := uom.NewElement(uom.NSUOM, typ)
		el.SetAttr("schemaVersion", "V1_3_0")
		el.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")))
		el.Append(uom.Leaf(uom.NSUOM, "PartitionID", "COD", "5"))
		el.Append(uom.Leaf(uom.NSUOM, "PartitionName", "CUR", "x"))
		el.Append(uom.Leaf(uom.NSUOM, "PartitionState", "ROO", "running"))
		return el
	}
	var unknown, order, kb, unv problems
	checkSchema("good", mk(), schema, &unknown, &order, &kb, &unv)
	if len(unknown.order)+len(order.order)+len(kb.order) != 0 {
		t.Fatalf("a well-formed object was reported: %v %v %v", unknown.lines(), order.lines(), kb.lines())
	}

	bad := mk()
	bad.Children[1], bad.Children[2] = bad.Children[2], bad.Children[1] // PartitionName before PartitionID
	bad.Append(uom.Leaf(uom.NSUOM, "NoSuchElement", "CUD", "1"))
	bad.Children[3].SetAttr("kb", "CUD") // PartitionState is ROO
	// IsBootable has no kb in either partition schema: only noted.
	bad.Children = append(bad.Children[:1], append([]*uom.Element{uom.Leaf(uom.NSUOM, "IsBootable", "XYZ", "true")}, bad.Children[1:]...)...)
	checkSchema("bad", bad, schema, &unknown, &order, &kb, &unv)
	if lines := unknown.lines(); len(lines) != 1 || !strings.Contains(lines[0], "LogicalPartition/NoSuchElement") {
		t.Errorf("(a) unknown element: %v", unknown.lines())
	}
	if lines := order.lines(); len(lines) != 1 || !strings.Contains(lines[0], "<PartitionID>") {
		t.Errorf("(b) order: %v", order.lines())
	}
	if lines := kb.lines(); len(lines) != 1 || !strings.Contains(lines[0], `LogicalPartition/PartitionState: kb="CUD", schema kb="ROO"`) {
		t.Errorf("(c) kb: %v", kb.lines())
	}
	if lines := unv.lines(); len(lines) != 1 || !strings.Contains(lines[0], `LogicalPartition/IsBootable: kb="XYZ"`) {
		t.Errorf("(c) unverifiable kb: %v", unv.lines())
	}
	// A VirtualIOServer element without a kb in its schema is checked
	// against the LogicalPartition schema.
	vios := uom.NewElement(uom.NSUOM, "VirtualIOServer")
	vios.Append(uom.Leaf(uom.NSUOM, "ProgressState", "CUD", "Unknown"))
	var vkb, vunv problems
	checkSchema("vios", vios, uom.Schema("VirtualIOServer"), &problems{}, &problems{}, &vkb, &vunv)
	if uom.Schema("VirtualIOServer").Find("ProgressState").KB == "" {
		if lines := vkb.lines(); len(lines) != 1 || !strings.Contains(lines[0], `other partition type's schema has kb="ROR"`) {
			t.Errorf("(c) kb from the other partition schema: %v", vkb.lines())
		}
	}

	var d problems
	checkCaptureOrder("bad", orderOf(bad), "capture", orderOf(mk()), &d)
	if lines := d.lines(); len(lines) != 1 || !strings.Contains(lines[0], "LogicalPartition/PartitionID: of the children both have, we write it after <PartitionName>; capture has it after <Metadata>") {
		t.Errorf("(d) capture order: %v", d.lines())
	}
	d = problems{}
	checkCaptureOrder("good", orderOf(mk()), "capture", orderOf(mk()), &d)
	if len(d.order) != 0 {
		t.Errorf("(d) same order reported: %v", d.lines())
	}
}
