package rest_test

// The pcm service against the captures of a real NovaLink: preferences,
// the monitors' feeds (XML, compared structurally) and their JSON files
// (keys, their order and JSON types compared with the union of the
// captures of each kind of file), processed metrics, and bad input.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/capture"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/xmltest"
	"github.com/novalink-project/novalink/uom"
	"github.com/novalink-project/novalink/uom/pcm"
)

const uuidVM = "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3010"

// doH sends a request with extra headers (name, value pairs).
func (h *harness) doH(method, path, ctype, body string, hdr ...string) (*answer, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-API-Session", h.token)
	req.Header.Set("Accept", "*/*")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return answerOf(resp), data
}

func prefPath(sys string) string { return "/rest/api/pcm/ManagedSystem/" + sys + "/preferences" }

// prefBody is a ManagedSystemPcmPreference as a client sends it back.
func prefBody(ltm, stm, agg bool) string {
	return `<ManagedSystemPcmPreference:ManagedSystemPcmPreference xmlns:ManagedSystemPcmPreference="` + uom.NSPCM + `" xmlns="` + uom.NSPCM +
		`" schemaVersion="V1_2_0"><Metadata><Atom/></Metadata><SystemName kb="ROR" kxe="false">x</SystemName>` +
		fmt.Sprintf(`<LongTermMonitorEnabled kb="UOD" kxe="false">%t</LongTermMonitorEnabled><AggregationEnabled kb="UOD" kxe="false">%t</AggregationEnabled>`, ltm, agg) +
		fmt.Sprintf(`<ShortTermMonitorEnabled kb="UOD" kxe="false">%t</ShortTermMonitorEnabled><ComputeLTMEnabled kb="UOD" kxe="false">false</ComputeLTMEnabled>`, stm) +
		`</ManagedSystemPcmPreference:ManagedSystemPcmPreference>`
}

// setPrefs turns the monitors on or off the way pypowervm does (read the
// feed, send the element back with the feed's etag).
func (h *harness) setPrefs(ltm, stm, agg bool) {
	h.t.Helper()
	sys := h.systemUUID()
	resp, _ := h.doH("GET", prefPath(sys)+"?group=None", "", "")
	r, data := h.doH("POST", prefPath(sys)+"?group=None", "application/xml", prefBody(ltm, stm, agg), "If-Match", resp.Header.Get("ETag"))
	if r.StatusCode != http.StatusOK {
		h.t.Fatalf("POST preferences: %s\n%s", r.Status, data)
	}
}

// pcmSetup gives the harness a running partition vm1 with a data adapter
// on ETHERNET0, a logical unit mapped through vios1 and a vFC adapter on
// vios2's fcs0, and a set load; monitoring on.
func pcmSetup(t *testing.T) *harness {
	h := newHarness(t)
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	vm := h.createPartition(uuidVM, "vm1", false)
	if _, err := h.c.CreateAdapter(admin, vm.UUID, &model.EthernetAdapter{PVID: 1, SwitchID: 0}, core.SlotNext); err != nil {
		t.Fatal(err)
	}
	var v1, v2, ssp string
	h.c.Read(func(st *model.State) {
		v1, v2 = st.PartitionByName("vios1").UUID, st.PartitionByName("vios2").UUID
		st.Each(model.KindSSP, func(o model.Object) { ssp = o.(*model.SharedStoragePool).UUID })
	})
	lu, err := h.c.CreateLU(admin, ssp, vios.LUSpec{Name: "vdisk_vm1", CapacityMB: 10240, Thin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.UpdateSCSIMappings(admin, v1, "", []vios.SCSISpec{{Client: vm.UUID, Backing: model.BackLU, BackingID: lu.UUID}}); err != nil {
		t.Fatal(err)
	}
	if err := h.c.UpdateFCMappings(admin, v2, "", []core.FCWant{{Client: vm.UUID, Port: "fcs0"}}); err != nil {
		t.Fatal(err)
	}
	h.settle(h.startPowerOn("LogicalPartition", vm.UUID), vm.UUID)
	h.setPrefs(true, true, true)
	r, data := h.doH("PUT", "/rest/api/sim/LogicalPartition/"+vm.UUID+"/Load", "application/json",
		`{"cpu":0.8,"netRx":2e6,"netTx":1e6,"diskRead":4e6,"diskWrite":1e6,"mem":60}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("PUT load: %s\n%s", r.Status, data)
	}
	// Two RMC intervals of samples.
	h.clk.Advance(2*core.Intervals(0).RMC + time.Second)
	return h
}

// rawFeed reads a monitor's feed.
func (h *harness) rawFeed(monitor string) *uom.Feed {
	h.t.Helper()
	f, err := uom.ParseFeed(h.get("/rest/api/pcm/ManagedSystem/" + h.systemUUID() + "/RawMetrics/" + monitor))
	if err != nil {
		h.t.Fatal(err)
	}
	return f
}

func (h *harness) getBytes(href string) []byte {
	h.t.Helper()
	path := strings.TrimPrefix(href, h.ts.URL)
	resp, data := h.doH("GET", path, "", "")
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s\n%s", path, resp.Status, data)
	}
	return data
}

// feedNorms blank what differs from one server and time to another.
var feedNorms = []xmltest.Normalizer{
	xmltest.BlankText("id", "updated", "published", "title", "subtitle", "AtomID", "AtomCreated", "SystemName", "MachineType", "Model", "SerialNumber"),
	xmltest.BlankAttr("", "href"), xmltest.BlankAttr("category", "term"),
}

func captureDoc(t *testing.T, file string) *uom.Element {
	t.Helper()
	rs, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	el, err := uom.DecodeBytes(rs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// TestPCMPreferencesConform: the preferences feed has the capture's
// structure, off until set; a POST with the feed's etag turns monitors on,
// the change survives a restart of the core.
func TestPCMPreferencesConform(t *testing.T) {
	h := newHarness(t)
	got := h.get(prefPath(h.systemUUID()) + "?group=None")
	if d := xmltest.Diff(captureDoc(t, "pcm_pref.txt"), got, feedNorms...); d != nil {
		t.Fatalf("preferences differ from pcm_pref.txt:\n%s", strings.Join(d, "\n"))
	}
	if v, _ := got.FindText("entry/content/ManagedSystemPcmPreference/LongTermMonitorEnabled"); v != "false" {
		t.Errorf("a fresh server has LongTermMonitorEnabled %q, want false", v)
	}
	h.setPrefs(true, false, true)
	p := h.c.PCMPreference()
	if !p.LTM || p.STM || !p.Aggregation {
		t.Fatalf("preferences after POST: %+v", p)
	}
}

// TestPCMPreferencesPersist: what a client turns on stays on across a
// restart.
func TestPCMPreferencesPersist(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(epoch)
	open := func() *core.Core {
		c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"]})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	if _, err := c.SetPCMPreference(core.Actor{User: "padmin", Role: core.RoleAdmin}, "", func(p *model.PCMPreference) { p.LTM = true }); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c = open()
	defer c.Close()
	if p := c.PCMPreference(); !p.LTM {
		t.Fatalf("after a restart LTM is off: %+v", p)
	}
}

// TestPCMFeedsConform: the long-term and short-term feeds have the
// captures' structure, entry by entry.
func TestPCMFeedsConform(t *testing.T) {
	h := pcmSetup(t)
	ltm := h.rawFeed("LongTermMonitor")
	// One entry of each category, in the capture's order (vios, phyp, lpar).
	pick := func(f *uom.Feed, cats ...string) *uom.Element {
		g := &uom.Feed{ID: f.ID, Updated: f.Updated, Title: f.Title, TitleType: f.TitleType, Subtitle: f.Subtitle, SubtitleType: f.SubtitleType,
			Links: f.Links, GeneratorURI: f.GeneratorURI, GeneratorVersion: f.GeneratorVersion}
		used := map[*uom.Entry]bool{}
		for _, c := range cats {
			for _, e := range f.Entries {
				if !used[e] && strings.HasPrefix(e.Categories[0], c) {
					used[e] = true
					g.Entries = append(g.Entries, e)
					break
				}
			}
		}
		if len(g.Entries) != len(cats) {
			t.Fatalf("feed %s lacks entries of %v", f.Title, cats)
		}
		return g.Element()
	}
	for _, file := range []string{"ltm_feed.txt", "ltm_feed_lpars.txt"} {
		if d := xmltest.Diff(captureDoc(t, file), pick(ltm, "vios_", "phyp", "lpar"), feedNorms...); d != nil {
			t.Errorf("LongTermMonitor differs from %s:\n%s", file, strings.Join(d, "\n"))
		}
	}
	stm := h.rawFeed("ShortTermMonitor")
	if d := xmltest.Diff(captureDoc(t, "stm_feed.txt"), pick(stm, "phyp", "phyp", "phyp"), feedNorms...); d != nil {
		t.Errorf("ShortTermMonitor differs from stm_feed.txt:\n%s", strings.Join(d, "\n"))
	}
	for _, e := range ltm.Entries {
		name := e.Title
		if !strings.HasSuffix(e.Links[0].Href, "/RawMetrics/LongTermMonitor/"+name) || e.Links[0].Type != pcm.MediaTypeJSON {
			t.Errorf("entry %s links %+v", name, e.Links[0])
		}
		if e.Updated != e.Published {
			t.Errorf("entry %s: updated %s, published %s", name, e.Updated, e.Published)
		}
	}
	// Every long-term sample has a phyp file and one per running VIOS; the
	// lpar file comes every RMC interval.
	count := map[string]int{}
	for _, e := range ltm.Entries {
		count[e.Categories[0]]++
	}
	ivl := core.Intervals(0)
	want := int((2*ivl.RMC + time.Second) / ivl.LTM)
	if count["phyp"] != want || count["vios_2"] != want || count["vios_3"] != want || count["lpar"] != 2 {
		t.Errorf("long-term feed has %v, want %d phyp and of each VIOS, 2 lpar", count, want)
	}
	// StartTS and EndTS select the samples of [start, end].
	first, err := time.Parse(time.RFC3339, strings.Replace(ltm.Entries[0].Updated, ".000Z", "Z", 1))
	if err != nil {
		t.Fatal(err)
	}
	from, to := first.Add(ivl.LTM), first.Add(2*ivl.LTM)
	f, err := uom.ParseFeed(h.get("/rest/api/pcm/ManagedSystem/" + h.systemUUID() + "/RawMetrics/LongTermMonitor?StartTS=" +
		from.Format(time.RFC3339) + "&EndTS=" + to.Format("2006-01-02T15:04:05-0700")))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Entries {
		at, _ := time.Parse(time.RFC3339, strings.Replace(e.Updated, ".000Z", "Z", 1))
		if at.Before(from) || at.After(to) {
			t.Errorf("StartTS %v EndTS %v: entry %s of %v", from, to, e.Title, at)
		}
	}
	if len(f.Entries) != 6 {
		t.Errorf("StartTS..EndTS over two samples: %d entries, want 6 (phyp and two VIOS each)", len(f.Entries))
	}
	if resp, _ := h.doH("GET", "/rest/api/pcm/ManagedSystem/"+h.systemUUID()+"/RawMetrics/LongTermMonitor?StartTS=2030-01-01T00:00:00Z", "", ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("StartTS after every sample: %s, want 204", resp.Status)
	}
}

// node is a JSON value with its object keys in document order.
type node struct {
	kind  string // object, array, string, number, bool, null
	keys  []string
	vals  map[string]*node
	elems []*node
}

func parseOrdered(t *testing.T, b []byte) *node {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var read func() *node
	read = func() *node {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("JSON: %v\n%s", err, b)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				n := &node{kind: "object", vals: map[string]*node{}}
				for dec.More() {
					k, _ := dec.Token()
					key := k.(string)
					n.keys = append(n.keys, key)
					n.vals[key] = read()
				}
				dec.Token()
				return n
			}
			n := &node{kind: "array"}
			for dec.More() {
				n.elems = append(n.elems, read())
			}
			dec.Token()
			return n
		case string:
			return &node{kind: "string"}
		case json.Number:
			return &node{kind: "number"}
		case bool:
			return &node{kind: "bool"}
		}
		return &node{kind: "null"}
	}
	return read()
}

// shape is what the captures say of the objects at one path: their keys
// in order of first appearance, how many objects have each, the types,
// and which key came before which in an object.
type shape struct {
	n      int
	keys   []string
	count  map[string]int
	types  map[string]map[string]bool
	before map[[2]string]bool
}

type shapes map[string]*shape

func (s shapes) learn(path string, n *node) {
	switch n.kind {
	case "array":
		for _, e := range n.elems {
			s.learn(path+"[]", e)
		}
	case "object":
		sh := s[path]
		if sh == nil {
			sh = &shape{count: map[string]int{}, types: map[string]map[string]bool{}, before: map[[2]string]bool{}}
			s[path] = sh
		}
		sh.n++
		for i, k := range n.keys {
			if sh.count[k] == 0 {
				sh.keys = append(sh.keys, k)
				sh.types[k] = map[string]bool{}
			}
			sh.count[k]++
			sh.types[k][n.vals[k].kind] = true
			for _, later := range n.keys[i+1:] {
				sh.before[[2]string{k, later}] = true
			}
			s.learn(path+"/"+k, n.vals[k])
		}
	}
}

// conform checks a document against the captures' shapes: every object
// at a path the captures have, with keys they have, of a type they have,
// never in an order the captures contradict, and with every key all the
// captures' objects at that path have.
func conform(t *testing.T, what string, want shapes, doc *node) {
	t.Helper()
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		switch n.kind {
		case "array":
			for _, e := range n.elems {
				walk(path+"[]", e)
			}
			return
		case "object":
		default:
			return
		}
		w := want[path]
		if w == nil {
			t.Errorf("%s: object at %q is not in the captures", what, path)
			return
		}
		for i, k := range n.keys {
			if w.count[k] == 0 {
				t.Errorf("%s: %s has key %q the captures do not", what, path, k)
				continue
			}
			if !w.types[k][n.vals[k].kind] {
				t.Errorf("%s: %s/%s is %s, the captures have %v", what, path, k, n.vals[k].kind, w.types[k])
			}
			for _, later := range n.keys[i+1:] {
				if w.before[[2]string{later, k}] && !w.before[[2]string{k, later}] {
					t.Errorf("%s: %s: %q comes before %q, the captures have them the other way", what, path, k, later)
				}
			}
			walk(path+"/"+k, n.vals[k])
		}
		for _, k := range w.keys {
			if _, ok := n.vals[k]; !ok && w.count[k] == w.n {
				t.Errorf("%s: %s lacks %q (in every captured one)", what, path, k)
			}
		}
	}
	walk("", doc)
}

func captureShapes(t *testing.T, files ...string) shapes {
	s := shapes{}
	for _, f := range files {
		rs, err := capture.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		s.learn("", parseOrdered(t, rs[0].Body))
	}
	return s
}

// TestPCMFilesConform: the phyp, vios and lpar files have the captures'
// keys, order and types; every partition, adapter and device shows.
func TestPCMFilesConform(t *testing.T) {
	h := pcmSetup(t)
	phypShapes := captureShapes(t, "phyp_pcm_data.txt", "phyp_pcm_data2.txt", "phyp_pcm_data3.txt")
	viosShapes := captureShapes(t, "vios_pcm_data.txt", "vios_pcm_data_sparse.txt")
	lparShapes := captureShapes(t, "lpar_pcm_data.txt")
	seen := map[string]bool{}
	for _, monitor := range []string{"LongTermMonitor", "ShortTermMonitor"} {
		for _, e := range h.rawFeed(monitor).Entries {
			cat := e.Categories[0]
			data := h.getBytes(e.Links[0].Href)
			doc := parseOrdered(t, data)
			switch {
			case cat == "phyp":
				conform(t, e.Title, phypShapes, doc)
			case cat == "lpar":
				conform(t, e.Title, lparShapes, doc)
			default:
				conform(t, e.Title, viosShapes, doc)
			}
			seen[monitor+"/"+strings.TrimRight(cat, "0123456789")] = true
		}
	}
	if len(seen) != 4 {
		t.Fatalf("files seen: %v", seen)
	}
	// The newest phyp file: vm1 with its adapters and storage, VIOSes.
	f := h.rawFeed("LongTermMonitor")
	var phyp pcm.PhypFile
	for i := len(f.Entries) - 1; i >= 0; i-- {
		if f.Entries[i].Categories[0] == "phyp" {
			if err := json.Unmarshal(h.getBytes(f.Entries[i].Links[0].Href), &phyp); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	var vm *pcm.PhypLpar
	for i := range phyp.SystemUtil.UtilSample.LparsUtil {
		if l := &phyp.SystemUtil.UtilSample.LparsUtil[i]; l.UUID == uuidVM {
			vm = l
		}
	}
	if vm == nil || vm.State != "Running" || vm.Network == nil || vm.Storage == nil ||
		len(vm.Storage.GenericVirtualAdapters) != 1 || len(vm.Storage.VirtualFiberChannelAdapters) != 1 || len(vm.Storage.VirtualFiberChannelAdapters[0].WWPNPair) != 2 {
		t.Fatalf("vm1 in the phyp file: %+v", vm)
	}
	if len(phyp.SystemUtil.UtilSample.ViosUtil) != 2 {
		t.Errorf("phyp file lists %d VIOS", len(phyp.SystemUtil.UtilSample.ViosUtil))
	}
}

// TestPCMBadInput: refusals answer HttpErrorResponse and change nothing.
func TestPCMBadInput(t *testing.T) {
	h := newHarness(t)
	sys := h.systemUUID()
	resp, _ := h.doH("GET", prefPath(sys), "", "")
	etag := resp.Header.Get("ETag")
	// Off: the feeds have no entries (204), processed metrics neither.
	for _, p := range []string{"/RawMetrics/LongTermMonitor", "/RawMetrics/ShortTermMonitor", "/ProcessedMetrics", "/ProcessedMetrics?NoOfSamples=1"} {
		if r, data := h.doH("GET", "/rest/api/pcm/ManagedSystem/"+sys+p, "", ""); r.StatusCode != http.StatusNoContent || len(data) != 0 {
			t.Errorf("GET %s with monitoring off: %s %q, want 204 and no body", p, r.Status, data)
		}
	}
	ms := "/rest/api/pcm/ManagedSystem/" + sys
	pcmType := uom.MediaType(uom.ServicePCM, "ManagedSystemPcmPreference")
	cases := []struct {
		name, method, path, ctype, body string
		hdr                             []string
		status                          int
		msg                             string
	}{
		{"unknown element", "POST", prefPath(sys), pcmType, strings.Replace(prefBody(true, false, false), "<SystemName", "<Bogus>1</Bogus><SystemName", 1), []string{"If-Match", etag}, 400, "Bogus"},
		{"wrong etag", "POST", prefPath(sys), pcmType, prefBody(true, false, false), []string{"If-Match", "12345"}, 412, "etag"},
		{"not a boolean", "POST", prefPath(sys), pcmType, strings.Replace(prefBody(true, false, false), ">true<", ">yes please<", 1), nil, 400, "LongTermMonitorEnabled"},
		{"not XML", "POST", prefPath(sys), pcmType, "<ManagedSystemPcmPreference", nil, 400, "XML"},
		{"wrong element", "POST", prefPath(sys), pcmType, `<LogicalPartition xmlns="` + uom.NSUOM + `"/>`, nil, 400, "ManagedSystemPcmPreference"},
		{"wrong content type", "POST", prefPath(sys), "text/plain", prefBody(true, false, false), nil, 415, "content type"},
		{"other system", "GET", "/rest/api/pcm/ManagedSystem/0b2bd5b4-4a57-3c2f-8f09-3bf3e9a3b0e1/preferences", "", "", nil, 404, "no managed system"},
		{"malformed StartTS", "GET", ms + "/RawMetrics/LongTermMonitor?StartTS=yesterday", "", "", nil, 400, "StartTS"},
		{"malformed EndTS", "GET", ms + "/RawMetrics/ShortTermMonitor?EndTS=2026-13-45T99:00:00Z", "", "", nil, 400, "EndTS"},
		{"EndTS before StartTS", "GET", ms + "/RawMetrics/LongTermMonitor?StartTS=2026-03-02T10:00:00Z&EndTS=2026-03-02T09:00:00Z", "", "", nil, 400, "before"},
		{"NoOfSamples", "GET", ms + "/ProcessedMetrics?NoOfSamples=0", "", "", nil, 400, "NoOfSamples"},
		{"unknown monitor", "GET", ms + "/RawMetrics/MediumTermMonitor", "", "", nil, 404, "MediumTermMonitor"},
		{"no such file", "GET", ms + "/RawMetrics/LongTermMonitor/LTM_8247-21L*212E3CA_phyp_20260302T103000+0000.json", "", "", nil, 404, "no file"},
		{"not a file name", "GET", ms + "/RawMetrics/LongTermMonitor/passwd", "", "", nil, 404, "no file"},
		{"no processed file", "GET", "/rest/api/pcm/ProcessedMetrics/ManagedSystem_" + sys + "_20260302T103000+0000_20260302T103000+0000_30.json", "", "", nil, 404, "processed"},
		{"unknown partition", "GET", ms + "/LogicalPartition/" + uuidVM + "/ProcessedMetrics", "", "", nil, 404, uuidVM},
	}
	for _, c := range cases {
		r, data := h.doH(c.method, c.path, c.ctype, c.body, c.hdr...)
		if r.StatusCode != c.status {
			t.Errorf("%s: %s, want %d\n%s", c.name, r.Status, c.status, data)
			continue
		}
		el, err := uom.DecodeBytes(data)
		if err != nil {
			t.Errorf("%s: body is not XML: %v\n%s", c.name, err, data)
			continue
		}
		msg, _ := el.FindText("content/HttpErrorResponse/Message")
		if st, _ := el.FindText("content/HttpErrorResponse/HTTPStatus"); st != fmt.Sprint(c.status) || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: HttpErrorResponse status %q message %q, want %d and %q", c.name, st, msg, c.status, c.msg)
		}
	}
	if p := h.c.PCMPreference(); p.LTM || p.STM || p.Aggregation || p.ComputeLTM || p.Rev != 0 {
		t.Errorf("refused requests changed the preferences: %+v", p)
	}
}

// TestPCMProcessed: the processed feed lists the system's file and each
// partition's feed; the files' averages follow the counters.
func TestPCMProcessed(t *testing.T) {
	h := pcmSetup(t)
	sys := h.systemUUID()
	f, err := uom.ParseFeed(h.get("/rest/api/pcm/ManagedSystem/" + sys + "/ProcessedMetrics?NoOfSamples=3"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "ProcessedMetrics" || len(f.Entries) < 2 || f.Entries[0].Categories[0] != "ManagedSystem" {
		t.Fatalf("processed feed: %+v", f)
	}
	var doc pcm.Processed
	if err := json.Unmarshal(h.getBytes(f.Entries[0].Links[0].Href), &doc); err != nil {
		t.Fatal(err)
	}
	if n := len(doc.SystemUtil.UtilSamples); n != 3 {
		t.Fatalf("NoOfSamples=3 gave %d samples", n)
	}
	s := doc.SystemUtil.UtilSamples[2]
	if s.ServerUtil == nil || len(s.ViosUtil) != 2 || s.ServerUtil.Processor.UtilizedProcUnits[0] <= 0 {
		t.Fatalf("system sample: %+v", s)
	}
	var lparEntry *uom.Entry
	for _, e := range f.Entries {
		if e.Title == "LogicalPartition_"+uuidVM {
			lparEntry = e
		}
	}
	if lparEntry == nil {
		t.Fatal("no entry for vm1")
	}
	lf, err := uom.ParseFeed(h.get(strings.TrimPrefix(lparEntry.Links[0].Href, h.ts.URL)))
	if err != nil || len(lf.Entries) != 1 {
		t.Fatalf("vm1's processed feed: %v %+v", err, lf)
	}
	var ld pcm.Processed
	if err := json.Unmarshal(h.getBytes(lf.Entries[0].Links[0].Href), &ld); err != nil {
		t.Fatal(err)
	}
	l := ld.SystemUtil.UtilSamples[len(ld.SystemUtil.UtilSamples)-1].LparsUtil[0]
	if u := l.Processor.UtilizedProcUnits[0]; u < 0.7 || u > 0.9 {
		t.Errorf("vm1 used %.3f processing units, its load is 0.8", u)
	}
	var rx float64
	for _, v := range l.Network.VirtualEthernetAdapters {
		rx += v.ReceivedBytes[0]
	}
	if rx < 1.8e6 || rx > 2.3e6 {
		t.Errorf("vm1 received %.0f B/s, its load is 2e6 (and RMC)", rx)
	}
	var rd float64
	for _, d := range l.Storage.GenericVirtualAdapters {
		rd += d.ReadBytes[0]
	}
	for _, d := range l.Storage.VirtualFiberChannelAdapters {
		rd += d.ReadBytes[0]
	}
	if rd < 3.7e6 || rd > 4.3e6 {
		t.Errorf("vm1 read %.0f B/s over its storage adapters, its load is 4e6", rd)
	}
}
