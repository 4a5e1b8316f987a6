package rest_test

// The storage objects over HTTP against a real core: the nova-powervm
// flow (an image LU uploaded, a linked clone of it mapped to a partition
// by POSTing the VIOS with its etag, a config ISO uploaded and mapped,
// everything removed again with the space back where it was), the events
// it raises, the other storage objects (pool, volume group, vFC mappings,
// the GetNextWWPNs job), and bad input that must change nothing.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/xmltest"
	"github.com/novalink-project/novalink/uom"
)

// stTx reads the model with the VIOS queries (read only).
type stTx struct{ st *model.State }

func (v stTx) Get(k model.ObjKind, key string) model.Object { return v.st.Get(k, key) }
func (v stTx) Put(model.Object, ...string)                  { panic("read only") }
func (v stTx) Delete(model.ObjKind, string)                 { panic("read only") }
func (v stTx) Each(k model.ObjKind, fn func(model.Object))  { v.st.Each(k, fn) }
func (v stTx) Partition(uuid string) *model.Partition       { return v.st.Partition(uuid) }
func (v stTx) System() *model.ManagedSystem                 { return v.st.System }
func (v stTx) Now() time.Time                               { return time.Time{} }
func (v stTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	v.st.EachBy(ix, key, fn)
}
func (v stTx) Nums(k model.NumKey) model.NumView { return v.st.NumView(k) }
func (v stTx) PoolHeldMB(ssp string) int         { return v.st.PoolHeldMB(ssp) }

// stHarness is a harness with the storage at hand.
type stHarness struct {
	*harness
	files               string
	sys, vios1, vios2   string
	ssp, tier           string
	lpar, lpar2         string
	vios1Name, lparName string
	eventApp            string
	events              []stEvent
}

type stEvent struct{ typ, data, detail string }

func newStorageHarness(t *testing.T) *stHarness {
	t.Helper()
	dir := t.TempDir()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := sim.NewFakeClock(epoch)
	files := filepath.Join(dir, "files")
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), FilesDir: files, Clock: clk,
		Timing: sim.Profiles["fast"], Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureUser("padmin", core.RoleAdmin, "pw"); err != nil {
		c.Close()
		t.Fatal(err)
	}
	srv := rest.New(c, rest.Config{SessionDir: t.TempDir(), EventWait: 50 * time.Millisecond, Logger: discard})
	ts := httptest.NewServer(srv)
	h := &stHarness{harness: &harness{t: t, c: c, clk: clk, ts: ts}, files: files}
	t.Cleanup(func() {
		ts.Close()
		c.Close()
	})
	h.logon()
	c.Read(func(st *model.State) {
		h.sys = st.System.UUID
		tx := stTx{st}
		ssp := vios.SSPByName(tx, "pool1")
		h.ssp, h.tier = ssp.UUID, ssp.TierUUID
		v1, v2 := st.PartitionByName("vios1"), st.PartitionByName("vios2")
		h.vios1, h.vios2, h.vios1Name = v1.UUID, v2.UUID, v1.Name
		h.lpar, h.lpar2, h.lparName = st.PartitionByName("lpar10").UUID, st.PartitionByName("lpar11").UUID, "lpar10"
	})
	return h
}

// req sends a request with headers (pairs) and a body of the given size
// (-1: chunked).
func (h *stHarness) req(method, path, ctype string, body io.Reader, size int64, hdr ...string) (*answer, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.ContentLength = size
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-API-Session", h.token)
	req.Header.Set("Accept", uom.MediaTypeAtom)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
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

func (h *stHarness) send(method, path, ctype, body string, hdr ...string) (*answer, []byte) {
	h.t.Helper()
	return h.req(method, path, ctype, strings.NewReader(body), int64(len(body)), hdr...)
}

// entry GETs an entry (200 required) and returns it with its etag.
func (h *stHarness) entry(path string) *uom.Entry {
	h.t.Helper()
	resp, data := h.req(http.MethodGet, path, "", nil, 0)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s\n%s", path, resp.Status, data)
	}
	return h.parseEntry(resp, data)
}

func (h *stHarness) parseEntry(resp *answer, data []byte) *uom.Entry {
	h.t.Helper()
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatalf("%v\n%s", err, data)
	}
	e, err := uom.ParseEntry(el)
	if err != nil {
		h.t.Fatalf("%v\n%s", err, data)
	}
	if e.Etag == "" {
		e.Etag = resp.Header.Get("ETag")
	}
	return e
}

// feed GETs a feed and returns its entries (none for 204).
func (h *stHarness) feed(path string) []*uom.Entry {
	h.t.Helper()
	resp, data := h.req(http.MethodGet, path, "", nil, 0)
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s\n%s", path, resp.Status, data)
	}
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatal(err)
	}
	f, err := uom.ParseFeed(el)
	if err != nil {
		h.t.Fatal(err)
	}
	return f.Entries
}

// expectError checks an HttpErrorResponse: the status and a PVME message
// containing want.
func (h *stHarness) expectError(what string, resp *answer, data []byte, status int, want string) {
	h.t.Helper()
	if resp.StatusCode != status {
		h.t.Fatalf("%s: %s, want %d\n%s", what, resp.Status, status, data)
	}
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatalf("%s: error body is not XML: %v\n%s", what, err, data)
	}
	e, err := uom.ParseEntry(el)
	if err != nil || e.Content == nil || e.Content.Local != "HttpErrorResponse" {
		h.t.Fatalf("%s: not an HttpErrorResponse: %s", what, data)
	}
	msg, _ := e.Content.FindText("Message")
	if st, _ := e.Content.FindText("HTTPStatus"); st != strconv.Itoa(status) {
		h.t.Errorf("%s: HTTPStatus %s", what, st)
	}
	if !regexp.MustCompile(`^\[PVME\d{8}-\d{4}\] `).MatchString(msg) {
		h.t.Errorf("%s: message %q is not a PVME message", what, msg)
	}
	if !strings.Contains(msg, want) {
		h.t.Errorf("%s: message %q does not contain %q", what, msg, want)
	}
}

var (
	luCT   = uom.MediaType(uom.ServiceUOM, "LogicalUnit")
	viosCT = uom.MediaType(uom.ServiceUOM, "VirtualIOServer")
	vgCT   = uom.MediaType(uom.ServiceUOM, "VolumeGroup")
	sspCT  = uom.MediaType(uom.ServiceUOM, "SharedStoragePool")
	fileCT = uom.MediaType(uom.ServiceWeb, "File")
)

func (h *stHarness) luPath(uuid string) string {
	p := "/rest/api/uom/Tier/" + h.tier + "/LogicalUnit"
	if uuid != "" {
		p += "/" + uuid
	}
	return p
}

func (h *stHarness) viosPath(uuid, group string) string {
	p := "/rest/api/uom/VirtualIOServer/" + uuid
	if group != "" {
		p += "?group=" + group
	}
	return p
}

// luBody is a LogicalUnit element as pypowervm's LUEnt.bld writes one.
func luBody(inner string) string {
	return `<LogicalUnit:LogicalUnit xmlns:LogicalUnit="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0">` +
		`<Metadata><Atom/></Metadata>` + inner + `</LogicalUnit:LogicalUnit>`
}

// createLU PUTs a new logical unit and returns its entry.
func (h *stHarness) createLU(inner string) *uom.Entry {
	h.t.Helper()
	resp, data := h.send(http.MethodPut, h.luPath(""), luCT, luBody(inner))
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("create LU: %s\n%s", resp.Status, data)
	}
	return h.parseEntry(resp, data)
}

// fileBody is a File element as pypowervm's File.bld writes one.
func fileBody(name, typ, viosUUID string, size int64, sha, udid string) string {
	b := `<File:File xmlns:File="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<Filename kb="COR" kxe="false">` + name + `</Filename><InternetMediaType kb="COR" kxe="false">application/octet-stream</InternetMediaType>`
	if sha != "" {
		b += `<SHA256 kb="COR" kxe="false">` + sha + `</SHA256>`
	}
	if size >= 0 {
		b += `<ExpectedFileSizeInBytes kb="COD" kxe="false">` + strconv.FormatInt(size, 10) + `</ExpectedFileSizeInBytes>`
	}
	b += `<FileEnumType kb="COR" kxe="false">` + typ + `</FileEnumType>` +
		`<TargetVirtualIOServerUUID kb="COR" kxe="false">` + viosUUID + `</TargetVirtualIOServerUUID>`
	if udid != "" {
		b += `<TargetDeviceUniqueDeviceID kb="COR" kxe="false">` + udid + `</TargetDeviceUniqueDeviceID>`
	}
	return b + `</File:File>`
}

func (h *stHarness) createFile(body string) *uom.Entry {
	h.t.Helper()
	resp, data := h.send(http.MethodPut, "/rest/api/web/File", fileCT, body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("create File: %s\n%s", resp.Status, data)
	}
	e := h.parseEntry(resp, data)
	if id := text(e.Content, "FileUUID"); id == "" || id != e.ID {
		h.t.Fatalf("File entry %s has FileUUID %q", e.ID, id)
	}
	return e
}

// upload PUTs a File's contents, chunked or with a length.
func (h *stHarness) upload(id string, data []byte, chunked bool) (*answer, []byte) {
	h.t.Helper()
	size := int64(len(data))
	var body io.Reader = bytes.NewReader(data)
	if chunked {
		size = -1
		body = io.MultiReader(bytes.NewReader(data)) // hides the length
	}
	return h.req(http.MethodPut, "/rest/api/web/File/contents/"+id, "application/octet-stream", body, size)
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func text(el *uom.Element, path string) string {
	v, _ := el.FindText(path)
	return strings.TrimSpace(v)
}

// mappingXML is a VirtualSCSIMapping as pypowervm's VSCSIMapping.bld
// writes one: the client's link, adapters asking for the next slots, the
// storage element.
func mappingXML(base, sys, lpar, storage string) string {
	return `<VirtualSCSIMapping xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<AssociatedLogicalPartition kb="CUR" kxe="false" href="` + base + `/rest/api/uom/LogicalPartition/` + lpar + `" rel="related"/>` +
		`<ClientAdapter kxe="false" kb="CUR" schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType kxe="false" kb="ROR">Client</AdapterType>` +
		`<UseNextAvailableSlotID kxe="false" kb="CUD">true</UseNextAvailableSlotID></ClientAdapter>` +
		`<ServerAdapter kxe="false" kb="CUR" schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType kxe="false" kb="ROR">Server</AdapterType>` +
		`<UseNextAvailableSlotID kxe="false" kb="CUD">true</UseNextAvailableSlotID></ServerAdapter>` +
		`<Storage kxe="false" kb="CUR">` + storage + `</Storage></VirtualSCSIMapping>`
}

func decodeEl(t *testing.T, s string) *uom.Element {
	t.Helper()
	el, err := uom.DecodeBytes([]byte(s))
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return el
}

// postVIOS POSTs a VIOS element back with the etag, on the group given.
func (h *stHarness) postVIOS(uuid, group string, obj *uom.Element, etag string) (*answer, []byte) {
	h.t.Helper()
	return h.send(http.MethodPost, h.viosPath(uuid, group), viosCT, obj.String(), "If-Match", etag)
}

// addMapping reads the VIOS's mappings, appends one and POSTs it back.
func (h *stHarness) addMapping(viosUUID string, m *uom.Element) (*answer, []byte) {
	h.t.Helper()
	e := h.entry(h.viosPath(viosUUID, "ViosSCSIMapping"))
	e.Content.Child("VirtualSCSIMappings").Append(m)
	return h.postVIOS(viosUUID, "ViosSCSIMapping", e.Content, e.Etag)
}

// mappingOf finds the mapping of a VIOS element whose storage has the
// name given (UnitName, MediaName, DiskName, VolumeName).
func mappingOf(v *uom.Element, name string) *uom.Element {
	for _, m := range v.FindAll("VirtualSCSIMappings/VirtualSCSIMapping") {
		st := m.Child("Storage")
		if st == nil || len(st.Children) == 0 {
			continue
		}
		d := st.Children[0]
		for _, k := range []string{"UnitName", "MediaName", "DiskName", "VolumeName"} {
			if text(d, k) == name {
				return m
			}
		}
	}
	return nil
}

// view is what the storage tests compare in the model.
type view struct {
	poolFree, repoFree, maps, lus, media, files int
}

func (h *stHarness) view() view {
	var v view
	h.c.Read(func(st *model.State) {
		tx := stTx{st}
		ssp := st.Get(model.KindSSP, h.ssp).(*model.SharedStoragePool)
		v.poolFree = vios.PoolFreeMB(tx, ssp)
		v.repoFree = vios.RepositoryFreeMB(tx, h.vios1)
		v.maps = len(vios.SCSIMappings(tx, h.vios1))
		v.lus = len(vios.LUs(tx, h.ssp))
		v.media = len(vios.Media(tx, h.vios1))
		v.files = st.Count(model.KindFile)
	})
	return v
}

// digest summarizes every object of the model with its revision: equal
// digests mean nothing changed.
func (h *stHarness) digest() string {
	var lines []string
	h.c.Read(func(st *model.State) {
		lines = append(lines, fmt.Sprintf("system@%d", st.System.Rev))
		for _, k := range model.Kinds {
			st.Each(k, func(o model.Object) {
				lines = append(lines, fmt.Sprintf("%s/%s@%d", k, o.Key(), o.Revision()))
			})
		}
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// storedFiles lists the regular files under the files directory.
func (h *stHarness) storedFiles() []string {
	var out []string
	filepath.WalkDir(h.files, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, strings.TrimPrefix(p, h.files+string(filepath.Separator)))
		}
		return nil
	})
	return out
}

// pollEvents reads the event queue of the harness's application ID
// (NEW_CLIENT on the first call) and keeps what it got.
func (h *stHarness) pollEvents() []stEvent {
	h.t.Helper()
	if h.eventApp == "" {
		h.eventApp = "storagetest"
	}
	resp, data := h.req(http.MethodGet, "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID="+h.eventApp, "", nil, 0)
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("events: %s\n%s", resp.Status, data)
	}
	el, _ := uom.DecodeBytes(data)
	f, err := uom.ParseFeed(el)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []stEvent
	for _, e := range f.Entries {
		out = append(out, stEvent{text(e.Content, "EventType"), strings.TrimPrefix(text(e.Content, "EventData"), h.ts.URL), text(e.Content, "EventDetail")})
	}
	h.events = append(h.events, out...)
	return out
}

// drainEvents reads the queue until it is empty and forgets what it read.
func (h *stHarness) drainEvents() {
	for len(h.pollEvents()) > 0 {
	}
	h.events = nil
}

// sawEvent reports whether an event of the type on the path (and with
// the detail among its comma-separated details, when given) came.
func (h *stHarness) sawEvent(typ, path, detail string) bool {
	for len(h.pollEvents()) > 0 {
	}
	for _, e := range h.events {
		if e.typ != typ || e.data != path {
			continue
		}
		if detail == "" {
			return true
		}
		for _, d := range strings.Split(e.detail, ",") {
			if d == detail {
				return true
			}
		}
	}
	return false
}

func TestNovaPowerVMStorageFlow(t *testing.T) {
	h := newStorageHarness(t)
	h.drainEvents()
	before := h.view()
	base := h.ts.URL

	// 1. An image LU (crt_lu with typ=VirtualIO_Image), then its contents
	// through the File service (upload_lu), chunked.
	image := h.createLU(`<UnitCapacity>1</UnitCapacity><LogicalUnitType>VirtualIO_Image</LogicalUnitType><UnitName>image_base_1</UnitName>`)
	imgUDID := text(image.Content, "UniqueDeviceID")
	if !regexp.MustCompile(`^29[0-9a-f]{64}$`).MatchString(imgUDID) || text(image.Content, "LogicalUnitType") != model.LUImage ||
		text(image.Content, "ThinDevice") != "true" || text(image.Content, "UnitCapacity") != "1" || text(image.Content, "InUse") != "false" {
		t.Fatalf("image LU: %s", image.Content)
	}
	if self := image.SelfLink(); self != base+h.luPath(image.ID) {
		t.Fatalf("image LU SELF %s", self)
	}
	img := bytes.Repeat([]byte("PowerVM image 01"), 1<<16) // 1 MiB
	f := h.createFile(fileBody("image_base_1", model.FileImage, h.vios1, int64(len(img)), sha256Hex(img), imgUDID))
	if text(f.Content, "CurrentFileSizeInBytes") != "0" || text(f.Content, "TargetDeviceUniqueDeviceID") != imgUDID {
		t.Fatalf("file record: %s", f.Content)
	}
	if resp, data := h.upload(f.ID, img, true); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload the image: %s\n%s", resp.Status, data)
	}
	if got := text(h.entry("/rest/api/web/File/"+f.ID).Content, "CurrentFileSizeInBytes"); got != strconv.Itoa(len(img)) {
		t.Fatalf("uploaded file size %s", got)
	}
	if resp, data := h.send(http.MethodDelete, "/rest/api/web/File/"+f.ID, "", ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete the file record: %s\n%s", resp.Status, data)
	}
	if v := h.view(); v.poolFree != before.poolFree-1 || v.files != before.files {
		t.Fatalf("after the upload: pool free %d MB (was %d), %d files", v.poolFree, before.poolFree, v.files)
	}

	// 2. A linked clone of it (crt_lu with clone=).
	clone := h.createLU(`<UnitCapacity>1</UnitCapacity><ClonedFrom>` + imgUDID + `</ClonedFrom><UnitName>boot_vm1_0001</UnitName>`)
	cloneUDID := text(clone.Content, "UniqueDeviceID")
	if text(clone.Content, "ClonedFrom") != imgUDID || text(clone.Content, "LogicalUnitType") != model.LUDisk || text(clone.Content, "ThinDevice") != "true" {
		t.Fatalf("clone: %s", clone.Content)
	}
	if !h.sawEvent(core.EventAdd, h.luPath(image.ID), "") || !h.sawEvent(core.EventAdd, h.luPath(clone.ID), "") {
		t.Fatalf("no ADD_URI for the new logical units: %+v", h.events)
	}
	ssp := h.entry("/rest/api/uom/SharedStoragePool/" + h.ssp).Content
	var listed int
	for _, lu := range ssp.FindAll("LogicalUnits/LogicalUnit") {
		if u := text(lu, "UniqueDeviceID"); u == imgUDID || u == cloneUDID && text(lu, "ClonedFrom") == imgUDID {
			listed++
		}
	}
	if listed != 2 {
		t.Fatalf("the pool lists %d of the two logical units", listed)
	}

	// 3. Map the clone to the partition: the VIOS POSTed with its vSCSI
	// mappings and etag (add_vscsi_mapping).
	vEntry := h.entry(h.viosPath(h.vios1, "ViosSCSIMapping"))
	staleEtag := vEntry.Etag
	for _, absent := range []string{"PhysicalVolumes", "MediaRepositories", "VirtualFibreChannelMappings", "SharedEthernetAdapters"} {
		if vEntry.Content.Child(absent) != nil {
			t.Errorf("?group=ViosSCSIMapping renders %s", absent)
		}
	}
	stored := decodeEl(t, mappingXML(base, h.sys, h.lpar, `<LogicalUnit schemaVersion="V1_0"><Metadata><Atom/></Metadata>`+
		`<UniqueDeviceID>`+cloneUDID+`</UniqueDeviceID><UnitName>boot_vm1_0001</UnitName></LogicalUnit>`))
	vEntry.Content.Child("VirtualSCSIMappings").Append(stored)
	h.drainEvents()
	resp, data := h.postVIOS(h.vios1, "ViosSCSIMapping", vEntry.Content, vEntry.Etag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("map the clone: %s\n%s", resp.Status, data)
	}
	updated := h.parseEntry(resp, data)
	m := mappingOf(updated.Content, "boot_vm1_0001")
	if m == nil {
		t.Fatalf("the response has no mapping of the clone:\n%s", updated.Content)
	}
	vhost := text(m, "ServerAdapter/AdapterName")
	clientSlot := text(m, "ClientAdapter/VirtualSlotNumber")
	if !strings.HasPrefix(vhost, "vhost") || clientSlot == "" || clientSlot == "0" ||
		text(m, "TargetDevice/SharedStoragePoolLogicalUnitVirtualTargetDevice/TargetName") != "vtscsi0" ||
		text(m, "TargetDevice/SharedStoragePoolLogicalUnitVirtualTargetDevice/LogicalUnitAddress") != "0x8100000000000000" ||
		!strings.HasSuffix(m.Child("AssociatedLogicalPartition").Attr("href"), "/LogicalPartition/"+h.lpar) ||
		!regexp.MustCompile(`^U\w+\.\w+\.\w+-V10-C`+clientSlot+`$`).MatchString(text(m, "ClientAdapter/LocationCode")) ||
		text(m, "ClientAdapter/RemoteSlotNumber") != text(m, "ServerAdapter/VirtualSlotNumber") {
		t.Fatalf("the clone's mapping: %s", m)
	}
	if updated.Etag == staleEtag {
		t.Fatal("the VIOS's etag did not change")
	}
	if !h.sawEvent(core.EventModify, core.SystemPath(h.sys)+"/VirtualIOServer/"+h.vios1, "VirtualSCSIMappings") {
		t.Fatalf("no MODIFY_URI VirtualSCSIMappings on the VIOS: %+v", h.events)
	}
	if got := text(h.entry(h.luPath(clone.ID)).Content, "InUse"); got != "true" {
		t.Fatalf("the mapped clone has InUse %s", got)
	}
	// The same POST with the etag it was read with is stale now.
	mapsNow := h.view().maps
	if resp, data := h.postVIOS(h.vios1, "ViosSCSIMapping", vEntry.Content, staleEtag); resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("a stale etag: %s\n%s", resp.Status, data)
	} else {
		h.expectError("stale etag", resp, data, http.StatusPreconditionFailed, "etag")
	}
	if h.view().maps != mapsNow {
		t.Fatal("the stale POST changed the mappings")
	}

	// 4. A config ISO (upload_vopt), mapped on the same adapter pair
	// (bld_from_existing: the adapters copied from the clone's mapping).
	iso := bytes.Repeat([]byte{0x42}, 300000)
	fi := h.createFile(fileBody("cfg_vm1_0001.iso", model.FileISO, h.vios1, int64(len(iso)), "", ""))
	if resp, data := h.upload(fi.ID, iso, false); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload the ISO: %s\n%s", resp.Status, data)
	}
	h.send(http.MethodDelete, "/rest/api/web/File/"+fi.ID, "", "")
	stor := h.entry(h.viosPath(h.vios1, "ViosStorage")).Content
	var found bool
	for _, om := range stor.FindAll("MediaRepositories/VirtualMediaRepository/OpticalMedia/VirtualOpticalMedia") {
		found = found || text(om, "MediaName") == "cfg_vm1_0001.iso" && text(om, "MountType") == "rw"
	}
	if !found || h.view().repoFree != before.repoFree-1 {
		t.Fatalf("the ISO is not in the repository (repository free %d MB, was %d)", h.view().repoFree, before.repoFree)
	}
	vEntry = h.entry(h.viosPath(h.vios1, "ViosSCSIMapping"))
	existing := mappingOf(vEntry.Content, "boot_vm1_0001")
	opt := decodeEl(t, `<VirtualSCSIMapping xmlns="`+uom.NSUOM+`" schemaVersion="V1_0"><Metadata><Atom/></Metadata></VirtualSCSIMapping>`)
	opt.Append(existing.Child("AssociatedLogicalPartition").Clone(), existing.Child("ClientAdapter").Clone(), existing.Child("ServerAdapter").Clone(),
		decodeEl(t, `<Storage xmlns="`+uom.NSUOM+`"><VirtualOpticalMedia schemaVersion="V1_0"><Metadata><Atom/></Metadata><MediaName>cfg_vm1_0001.iso</MediaName></VirtualOpticalMedia></Storage>`))
	vEntry.Content.Child("VirtualSCSIMappings").Append(opt)
	resp, data = h.postVIOS(h.vios1, "ViosSCSIMapping", vEntry.Content, vEntry.Etag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("map the ISO: %s\n%s", resp.Status, data)
	}
	m = mappingOf(h.parseEntry(resp, data).Content, "cfg_vm1_0001.iso")
	if m == nil || text(m, "ServerAdapter/AdapterName") != vhost || text(m, "ClientAdapter/VirtualSlotNumber") != clientSlot ||
		text(m, "TargetDevice/VirtualOpticalTargetDevice/TargetName") != "vtopt0" ||
		text(m, "TargetDevice/VirtualOpticalTargetDevice/LogicalUnitAddress") != "0x8200000000000000" {
		t.Fatalf("the ISO's mapping: %v", m)
	}

	// 5. Unmap both (remove_maps, then the VIOS POSTed).
	vEntry = h.entry(h.viosPath(h.vios1, "ViosSCSIMapping"))
	list := vEntry.Content.Child("VirtualSCSIMappings")
	kept := list.Children[:0]
	for _, c := range list.Children {
		if c.Local == "VirtualSCSIMapping" && c.Child("AssociatedLogicalPartition") != nil &&
			strings.HasSuffix(c.Child("AssociatedLogicalPartition").Attr("href"), h.lpar) {
			continue
		}
		kept = append(kept, c)
	}
	list.Children = kept
	h.drainEvents()
	if resp, data := h.postVIOS(h.vios1, "ViosSCSIMapping", vEntry.Content, vEntry.Etag); resp.StatusCode != http.StatusOK {
		t.Fatalf("unmap: %s\n%s", resp.Status, data)
	}
	if v := h.view(); v.maps != before.maps {
		t.Fatalf("%d mappings after unmapping, %d before", v.maps, before.maps)
	}
	if !h.sawEvent(core.EventModify, core.SystemPath(h.sys)+"/VirtualIOServer/"+h.vios1, "VirtualSCSIMappings") {
		t.Fatalf("no MODIFY_URI VirtualSCSIMappings for the unmapping: %+v", h.events)
	}

	// 6. Remove the ISO from the repository (rm_vg_storage: the volume
	// group POSTed without it).
	var rootvg *uom.Entry
	for _, e := range h.feed("/rest/api/uom/VirtualIOServer/" + h.vios1 + "/VolumeGroup") {
		if text(e.Content, "GroupName") == "rootvg" {
			rootvg = e
		}
	}
	if rootvg == nil {
		t.Fatal("no rootvg")
	}
	om := rootvg.Content.Find("MediaRepositories/VirtualMediaRepository/OpticalMedia")
	keep := om.Children[:0]
	for _, c := range om.Children {
		if c.Local != "VirtualOpticalMedia" || text(c, "MediaName") != "cfg_vm1_0001.iso" {
			keep = append(keep, c)
		}
	}
	om.Children = keep
	vgPath := strings.TrimPrefix(rootvg.SelfLink(), base)
	if resp, data := h.send(http.MethodPost, vgPath, vgCT, rootvg.Content.String(), "If-Match", rootvg.Etag); resp.StatusCode != http.StatusOK {
		t.Fatalf("remove the ISO: %s\n%s", resp.Status, data)
	}

	// 7. Delete the clone, then the image (rm_tier_storage).
	if resp, data := h.send(http.MethodDelete, h.luPath(image.ID), "", ""); resp.StatusCode != http.StatusConflict {
		t.Fatalf("deleting an image that has a clone: %s\n%s", resp.Status, data)
	}
	h.drainEvents()
	for _, lu := range []*uom.Entry{clone, image} {
		cur := h.entry(h.luPath(lu.ID))
		if resp, data := h.send(http.MethodDelete, h.luPath(lu.ID), "", "", "If-Match", cur.Etag); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete %s: %s\n%s", lu.ID, resp.Status, data)
		}
		if !h.sawEvent(core.EventDelete, h.luPath(lu.ID), "") {
			t.Fatalf("no DELETE_URI for %s: %+v", lu.ID, h.events)
		}
	}
	if !h.sawEvent(core.EventModify, "/rest/api/uom/SharedStoragePool/"+h.ssp, "LogicalUnits") {
		t.Fatalf("no MODIFY_URI LogicalUnits on the pool: %+v", h.events)
	}

	// Everything is back where it was, and no contents are left behind.
	after := h.view()
	if after != before {
		t.Fatalf("after the flow %+v, before %+v", after, before)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.storedFiles()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if left := h.storedFiles(); len(left) > 0 {
		t.Fatalf("files left behind: %v", left)
	}
}

func TestStorageBadInput(t *testing.T) {
	h := newStorageHarness(t)
	base := h.ts.URL
	// unchanged runs an operation that must fail and checks that nothing
	// changed and no file was left behind.
	unchanged := func(what string, status int, want string, do func() (*answer, []byte)) {
		t.Helper()
		d, files := h.digest(), strings.Join(h.storedFiles(), " ")
		resp, data := do()
		h.expectError(what, resp, data, status, want)
		if h.digest() != d {
			t.Errorf("%s changed the model", what)
		}
		if now := strings.Join(h.storedFiles(), " "); now != files {
			t.Errorf("%s left files behind: %q, before %q", what, now, files)
		}
	}

	// A full pool: a thick LU larger than its free space.
	unchanged("thick LU larger than the pool", http.StatusConflict, "not enough free space", func() (*answer, []byte) {
		return h.send(http.MethodPut, h.luPath(""), luCT, luBody(`<ThinDevice>false</ThinDevice><UnitCapacity>100000</UnitCapacity><UnitName>huge</UnitName>`))
	})
	// Duplicate names.
	lu := h.createLU(`<UnitCapacity>2</UnitCapacity><UnitName>disk_a</UnitName>`)
	unchanged("duplicate LU name", http.StatusBadRequest, "already in use", func() (*answer, []byte) {
		return h.send(http.MethodPut, h.luPath(""), luCT, luBody(`<UnitCapacity>1</UnitCapacity><UnitName>disk_a</UnitName>`))
	})
	unchanged("LU without a name", http.StatusBadRequest, "UnitName", func() (*answer, []byte) {
		return h.send(http.MethodPut, h.luPath(""), luCT, luBody(`<UnitCapacity>1</UnitCapacity>`))
	})
	unchanged("LU with a bad capacity", http.StatusBadRequest, "capacity", func() (*answer, []byte) {
		return h.send(http.MethodPut, h.luPath(""), luCT, luBody(`<UnitCapacity>lots</UnitCapacity><UnitName>x</UnitName>`))
	})
	unchanged("duplicate volume group name", http.StatusBadRequest, "already in use", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/uom/VirtualIOServer/"+h.vios1+"/VolumeGroup", vgCT,
			`<VolumeGroup xmlns="`+uom.NSUOM+`" schemaVersion="V1_0"><Metadata><Atom/></Metadata><GroupName>rootvg</GroupName>`+
				`<PhysicalVolumes schemaVersion="V1_0"><Metadata><Atom/></Metadata><PhysicalVolume schemaVersion="V1_0"><Metadata><Atom/></Metadata>`+
				`<VolumeName>hdisk1</VolumeName></PhysicalVolume></PhysicalVolumes></VolumeGroup>`)
	})

	// A LU already mapped to another partition.
	luXML := `<LogicalUnit schemaVersion="V1_0"><Metadata><Atom/></Metadata><UniqueDeviceID>` + text(lu.Content, "UniqueDeviceID") +
		`</UniqueDeviceID><UnitName>disk_a</UnitName></LogicalUnit>`
	if resp, data := h.addMapping(h.vios1, decodeEl(t, mappingXML(base, h.sys, h.lpar, luXML))); resp.StatusCode != http.StatusOK {
		t.Fatalf("map disk_a: %s\n%s", resp.Status, data)
	}
	unchanged("LU mapped to another partition", http.StatusConflict, "already mapped", func() (*answer, []byte) {
		return h.addMapping(h.vios1, decodeEl(t, mappingXML(base, h.sys, h.lpar2, luXML)))
	})
	unchanged("LU mapped to another partition through the other VIOS", http.StatusConflict, "already mapped", func() (*answer, []byte) {
		return h.addMapping(h.vios2, decodeEl(t, mappingXML(base, h.sys, h.lpar2, luXML)))
	})

	// Unknown devices and partitions in mappings.
	for _, c := range []struct{ what, storage, lpar, want string }{
		{"unknown LU", `<LogicalUnit><UniqueDeviceID>27` + strings.Repeat("ab", 32) + `</UniqueDeviceID><UnitName>ghost</UnitName></LogicalUnit>`, h.lpar, "ghost"},
		{"unknown LU name", `<LogicalUnit><UnitName>ghost2</UnitName></LogicalUnit>`, h.lpar, "ghost2"},
		{"unknown disk", `<PhysicalVolume><VolumeName>hdisk99</VolumeName></PhysicalVolume>`, h.lpar, "hdisk99"},
		{"unknown virtual disk", `<VirtualDisk><DiskName>nolv</DiskName></VirtualDisk>`, h.lpar, "nolv"},
		{"unknown media", `<VirtualOpticalMedia><MediaName>nope.iso</MediaName></VirtualOpticalMedia>`, h.lpar, "nope.iso"},
		{"unknown partition", luXML, "5D3C2B1A-0000-4000-8000-00000000BEEF", "5D3C2B1A-0000-4000-8000-00000000BEEF"},
	} {
		unchanged(c.what, http.StatusBadRequest, c.want, func() (*answer, []byte) {
			return h.addMapping(h.vios1, decodeEl(t, mappingXML(base, h.sys, c.lpar, c.storage)))
		})
	}
	// A disk in the cluster cannot be mapped.
	unchanged("cluster disk", http.StatusConflict, "shared storage pool", func() (*answer, []byte) {
		return h.addMapping(h.vios1, decodeEl(t, mappingXML(base, h.sys, h.lpar, `<PhysicalVolume><VolumeName>hdisk3</VolumeName></PhysicalVolume>`)))
	})

	// Uploads whose size or checksum differ.
	img := h.createLU(`<UnitCapacity>1</UnitCapacity><LogicalUnitType>VirtualIO_Image</LogicalUnitType><UnitName>image_x</UnitName>`)
	udid := text(img.Content, "UniqueDeviceID")
	data := bytes.Repeat([]byte("0123456789"), 100)
	sized := h.createFile(fileBody("image_x", model.FileImage, h.vios1, int64(len(data)), "", udid))
	unchanged("upload one byte short", http.StatusBadRequest, "1000 were expected", func() (*answer, []byte) {
		return h.upload(sized.ID, data[:999], true)
	})
	unchanged("upload one byte long", http.StatusBadRequest, "more than the expected", func() (*answer, []byte) {
		return h.upload(sized.ID, append(append([]byte{}, data...), 'x'), true)
	})
	summed := h.createFile(fileBody("image_x", model.FileImage, h.vios1, int64(len(data)), sha256Hex([]byte("something else")), udid))
	unchanged("upload with another checksum", http.StatusBadRequest, "SHA-256", func() (*answer, []byte) {
		return h.upload(summed.ID, data, false)
	})
	isoRec := h.createFile(fileBody("short.iso", model.FileISO, h.vios1, 4096, "", ""))
	unchanged("ISO upload one byte short", http.StatusBadRequest, "4096 were expected", func() (*answer, []byte) {
		return h.upload(isoRec.ID, make([]byte, 4095), true)
	})
	if h.view().media != 0 {
		t.Fatal("a failed ISO upload left media in the repository")
	}
	unchanged("upload to no file", http.StatusNotFound, "File", func() (*answer, []byte) {
		return h.upload("0f0f0f0f-0000-4000-8000-000000000000", data, false)
	})
	// The records of failed uploads can be uploaded again, then deleted.
	if resp, body := h.upload(sized.ID, data, true); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("a good upload after failed ones: %s\n%s", resp.Status, body)
	}
	for _, f := range []*uom.Entry{sized, summed, isoRec} {
		if resp, body := h.send(http.MethodDelete, "/rest/api/web/File/"+f.ID, "", ""); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete file %s: %s\n%s", f.ID, resp.Status, body)
		}
	}

	// File names with a path.
	for _, name := range []string{"../x", "a/b", "..", `a\b`} {
		for _, typ := range []string{model.FileISO, model.FileImage} {
			unchanged("file name "+name, http.StatusBadRequest, "path", func() (*answer, []byte) {
				return h.send(http.MethodPut, "/rest/api/web/File", fileCT, fileBody(name, typ, h.vios1, 10, "", udid))
			})
		}
	}
	unchanged("media name too long", http.StatusBadRequest, "1 to 37 characters", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/web/File", fileCT, fileBody(strings.Repeat("m", 38), model.FileISO, h.vios1, 10, "", ""))
	})
	unchanged("unknown file type", http.StatusBadRequest, "FileEnumType", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/web/File", fileCT, fileBody("x.iso", "BROKERED_SOMETHING", h.vios1, 10, "", ""))
	})
	unchanged("ISO larger than the repository", http.StatusConflict, "not enough free space", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/web/File", fileCT, fileBody("big.iso", model.FileISO, h.vios1, 1<<40, "", ""))
	})
	unchanged("image larger than its LU", http.StatusBadRequest, "does not fit", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/web/File", fileCT, fileBody("image_x", model.FileImage, h.vios1, 2<<30, "", udid))
	})
	unchanged("file with an unknown element", http.StatusBadRequest, "not part of its schema", func() (*answer, []byte) {
		return h.send(http.MethodPut, "/rest/api/web/File", fileCT, strings.Replace(fileBody("y.iso", model.FileISO, h.vios1, 10, "", ""),
			"</File:File>", "<Path>/etc/passwd</Path></File:File>", 1))
	})
	if n := h.view().files; n != 0 {
		t.Fatalf("%d file records left", n)
	}
}

// TestStorageObjects covers what the flow does not: a pool POSTed with its
// logical units edited, a logical unit grown, a volume group made, given
// a virtual disk and removed, a vFC mapping, the GetNextWWPNs job, the
// tiers and the cluster.
func TestStorageObjects(t *testing.T) {
	h := newStorageHarness(t)
	base := h.ts.URL

	// Tiers: at the root and under the pool; the default one.
	tiers := h.feed("/rest/api/uom/SharedStoragePool/" + h.ssp + "/Tier")
	if len(tiers) != 1 || tiers[0].ID != h.tier || text(tiers[0].Content, "IsDefault") != "true" {
		t.Fatalf("tiers of the pool: %d", len(tiers))
	}
	if tr := h.entry("/rest/api/uom/Tier/" + h.tier).Content; text(tr, "Name") != "SYSTEM" ||
		len(tr.FindAll("FailureGroups/FailureGroup/PhysicalVolumes/PhysicalVolume")) != 2 {
		t.Fatalf("tier: %s", tr)
	}
	// The cluster: two nodes, the repository disk, the pool.
	cl := h.feed("/rest/api/uom/Cluster")
	if len(cl) != 1 {
		t.Fatalf("%d clusters", len(cl))
	}
	c := cl[0].Content
	if text(c, "ClusterName") != "cluster1" || len(c.FindAll("Node/Node")) != 2 || text(c, "RepositoryDisk/PhysicalVolume/VolumeName") != "hdisk2" ||
		!strings.HasSuffix(c.Child("ClusterSharedStoragePool").Attr("href"), "/SharedStoragePool/"+h.ssp) || text(c, "Node/Node/State") != "Up" {
		t.Fatalf("cluster: %s", c)
	}
	if pools := h.feed("/rest/api/uom/Cluster/" + cl[0].ID + "/SharedStoragePool"); len(pools) != 1 || pools[0].ID != h.ssp {
		t.Fatal("the cluster's pools")
	}
	if found := h.feed("/rest/api/uom/SharedStoragePool/search/(StoragePoolName==pool1)"); len(found) != 1 {
		t.Fatal("search of pool1")
	}

	// A logical unit grown by a POST; a round trip of it changes nothing.
	lu := h.createLU(`<UnitCapacity>1.5</UnitCapacity><UnitName>grow_me</UnitName>`)
	resp, data := h.send(http.MethodPost, h.luPath(lu.ID), luCT, lu.Content.String(), "If-Match", lu.Etag)
	if resp.StatusCode != http.StatusOK || h.parseEntry(resp, data).Etag != lu.Etag {
		t.Fatalf("round trip of a LU: %s\n%s", resp.Status, data)
	}
	lu.Content.Child("UnitCapacity").Text = "3"
	resp, data = h.send(http.MethodPost, h.luPath(lu.ID), luCT, lu.Content.String(), "If-Match", lu.Etag)
	if resp.StatusCode != http.StatusOK || text(h.parseEntry(resp, data).Content, "UnitCapacity") != "3" {
		t.Fatalf("grow a LU: %s\n%s", resp.Status, data)
	}
	lu.Content.Child("UnitCapacity").Text = "1"
	resp, data = h.send(http.MethodPost, h.luPath(lu.ID), luCT, lu.Content.String())
	h.expectError("shrink a LU", resp, data, http.StatusBadRequest, "cannot shrink")

	// The pool POSTed with a new LU added and grow_me left out
	// (rm_ssp_storage / the legacy crt_lu).
	pe := h.entry("/rest/api/uom/SharedStoragePool/" + h.ssp)
	lus := pe.Content.Child("LogicalUnits")
	kept := lus.Children[:0]
	for _, c := range lus.Children {
		if c.Local != "LogicalUnit" || text(c, "UnitName") != "grow_me" {
			kept = append(kept, c)
		}
	}
	lus.Children = kept
	lus.Append(decodeEl(t, `<LogicalUnit xmlns="`+uom.NSUOM+`" schemaVersion="V1_0"><Metadata><Atom/></Metadata>`+
		`<ThinDevice>true</ThinDevice><UnitCapacity>2.000000</UnitCapacity><UnitName>from_pool</UnitName></LogicalUnit>`))
	resp, data = h.send(http.MethodPost, "/rest/api/uom/SharedStoragePool/"+h.ssp, sspCT, pe.Content.String(), "If-Match", pe.Etag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pool POST: %s\n%s", resp.Status, data)
	}
	var names []string
	for _, l := range h.parseEntry(resp, data).Content.FindAll("LogicalUnits/LogicalUnit") {
		names = append(names, text(l, "UnitName"))
	}
	if strings.Join(names, ",") != "from_pool" {
		t.Fatalf("the pool's LUs after the POST: %v", names)
	}
	resp, data = h.send(http.MethodPost, "/rest/api/uom/SharedStoragePool/"+h.ssp, sspCT, pe.Content.String(), "If-Match", pe.Etag)
	h.expectError("stale pool POST", resp, data, http.StatusPreconditionFailed, "etag")

	// A volume group on the free disk, a virtual disk in it, removed again.
	vgs := "/rest/api/uom/VirtualIOServer/" + h.vios1 + "/VolumeGroup"
	resp, data = h.send(http.MethodPut, vgs, vgCT, `<VolumeGroup xmlns="`+uom.NSUOM+`" schemaVersion="V1_0"><Metadata><Atom/></Metadata>`+
		`<GroupName>datavg</GroupName><PhysicalVolumes schemaVersion="V1_0"><Metadata><Atom/></Metadata><PhysicalVolume schemaVersion="V1_0">`+
		`<Metadata><Atom/></Metadata><VolumeName>hdisk1</VolumeName></PhysicalVolume></PhysicalVolumes></VolumeGroup>`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create a VG: %s\n%s", resp.Status, data)
	}
	vg := h.parseEntry(resp, data)
	if text(vg.Content, "GroupName") != "datavg" || text(vg.Content, "PhysicalVolumes/PhysicalVolume/VolumeName") != "hdisk1" ||
		vg.Content.Child("MediaRepositories") != nil {
		t.Fatalf("new VG: %s", vg.Content)
	}
	vios1 := h.entry(h.viosPath(h.vios1, "ViosStorage")).Content
	for _, pv := range vios1.FindAll("PhysicalVolumes/PhysicalVolume") {
		name, avail := text(pv, "VolumeName"), text(pv, "AvailableForUsage")
		want := name == "hdisk5" || name == "hdisk6"
		if avail != strconv.FormatBool(want) {
			t.Errorf("%s AvailableForUsage %s", name, avail)
		}
	}
	if n := len(vios1.FindAll("StoragePools/link")); n != 2 {
		t.Errorf("%d storage pools (volume groups) listed", n)
	}
	vg.Content.Child("VirtualDisks").Append(decodeEl(t, `<VirtualDisk xmlns="`+uom.NSUOM+`" schemaVersion="V1_0"><Metadata><Atom/></Metadata>`+
		`<DiskCapacity>1.000000</DiskCapacity><DiskLabel>None</DiskLabel><DiskName>lv_vm1</DiskName><VirtualDiskType ksv="V1_5_0">LV</VirtualDiskType></VirtualDisk>`))
	resp, data = h.send(http.MethodPost, vgs+"/"+vg.ID, vgCT, vg.Content.String(), "If-Match", vg.Etag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add a virtual disk: %s\n%s", resp.Status, data)
	}
	vg = h.parseEntry(resp, data)
	vd := vg.Content.Find("VirtualDisks/VirtualDisk")
	if vd == nil || text(vd, "DiskName") != "lv_vm1" || text(vd, "DiskCapacity") != "1" || !strings.HasPrefix(text(vd, "UniqueDeviceID"), "03") {
		t.Fatalf("virtual disk: %v", vd)
	}
	// Map it and unmap it.
	if resp, data := h.addMapping(h.vios1, decodeEl(t, mappingXML(base, h.sys, h.lpar,
		`<VirtualDisk><DiskName>lv_vm1</DiskName></VirtualDisk>`))); resp.StatusCode != http.StatusOK ||
		mappingOf(h.parseEntry(resp, data).Content, "lv_vm1") == nil {
		t.Fatalf("map the virtual disk: %s\n%s", resp.Status, data)
	}
	resp, data = h.send(http.MethodDelete, vgs+"/"+vg.ID, "", "")
	h.expectError("delete a VG holding a LV", resp, data, http.StatusConflict, "logical volume")
	ve := h.entry(h.viosPath(h.vios1, "ViosSCSIMapping"))
	ve.Content.Child("VirtualSCSIMappings").Children = nil
	if resp, data := h.postVIOS(h.vios1, "ViosSCSIMapping", ve.Content, ve.Etag); resp.StatusCode != http.StatusOK {
		t.Fatalf("unmap all: %s\n%s", resp.Status, data)
	}
	vg = h.entry(vgs + "/" + vg.ID)
	vg.Content.Child("VirtualDisks").Children = nil
	if resp, data := h.send(http.MethodPost, vgs+"/"+vg.ID, vgCT, vg.Content.String(), "If-Match", vg.Etag); resp.StatusCode != http.StatusOK {
		t.Fatalf("remove the virtual disk: %s\n%s", resp.Status, data)
	}
	if resp, data := h.send(http.MethodDelete, vgs+"/"+vg.ID, "", ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete the VG: %s\n%s", resp.Status, data)
	}

	// A vFC mapping on fcs0 with generated WWPNs, then removed.
	fe := h.entry(h.viosPath(h.vios1, "ViosFCMapping"))
	fe.Content.Child("VirtualFibreChannelMappings").Append(decodeEl(t, `<VirtualFibreChannelMapping xmlns="`+uom.NSUOM+`" schemaVersion="V1_0">`+
		`<Metadata><Atom/></Metadata><AssociatedLogicalPartition href="`+base+`/rest/api/uom/ManagedSystem/`+h.sys+`/LogicalPartition/`+h.lpar+`" rel="related"/>`+
		`<ClientAdapter schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType>Client</AdapterType><UseNextAvailableSlotID>true</UseNextAvailableSlotID></ClientAdapter>`+
		`<Port schemaVersion="V1_0"><Metadata><Atom/></Metadata><PortName>fcs0</PortName></Port>`+
		`<ServerAdapter schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterType>Server</AdapterType><UseNextAvailableSlotID>true</UseNextAvailableSlotID></ServerAdapter>`+
		`</VirtualFibreChannelMapping>`))
	h.drainEvents()
	resp, data = h.postVIOS(h.vios1, "ViosFCMapping", fe.Content, fe.Etag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("vFC mapping: %s\n%s", resp.Status, data)
	}
	fm := h.parseEntry(resp, data).Content.Find("VirtualFibreChannelMappings/VirtualFibreChannelMapping")
	if fm == nil || len(strings.Fields(text(fm, "ClientAdapter/WWPNs"))) != 2 || text(fm, "ServerAdapter/MapPort") != "fcs0" ||
		text(fm, "Port/PortName") != "fcs0" || !strings.HasPrefix(text(fm, "ServerAdapter/AdapterName"), "vfchost") ||
		text(fm, "Port/AvailablePorts") != "63" {
		t.Fatalf("vFC mapping: %v", fm)
	}
	if !h.sawEvent(core.EventModify, core.SystemPath(h.sys)+"/VirtualIOServer/"+h.vios1, "VirtualFibreChannelMappings") {
		t.Fatalf("no MODIFY_URI VirtualFibreChannelMappings: %+v", h.events)
	}
	// The VIOS's FC adapter lists its ports, with the disks behind them.
	full := h.entry(h.viosPath(h.vios1, ""))
	ports := full.Content.FindAll("PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot/AssociatedIOSlot/RelatedIOAdapter/PhysicalFibreChannelAdapter/PhysicalFibreChannelPorts/PhysicalFibreChannelPort")
	if len(ports) != 2 || text(ports[0], "PortName") != "fcs0" || len(ports[0].FindAll("PhysicalVolumes/PhysicalVolume")) == 0 {
		t.Fatalf("physical FC ports: %d", len(ports))
	}
	// A round trip of the whole VIOS changes nothing.
	if resp, data := h.send(http.MethodPost, h.viosPath(h.vios1, ""), viosCT, full.Content.String(), "If-Match", full.Etag); resp.StatusCode != http.StatusOK ||
		h.parseEntry(resp, data).Etag != full.Etag {
		t.Fatalf("round trip of the VIOS: %s\n%s", resp.Status, data)
	}
	fe = h.entry(h.viosPath(h.vios1, "ViosFCMapping"))
	fe.Content.Child("VirtualFibreChannelMappings").Children = nil
	if resp, data := h.postVIOS(h.vios1, "ViosFCMapping", fe.Content, fe.Etag); resp.StatusCode != http.StatusOK ||
		h.parseEntry(resp, data).Content.Find("VirtualFibreChannelMappings/VirtualFibreChannelMapping") != nil {
		t.Fatalf("remove the vFC mapping: %s\n%s", resp.Status, data)
	}

	// GetNextWWPNs.
	tmpl := h.entry("/rest/api/uom/ManagedSystem/" + h.sys + "/do/GetNextWWPNs")
	if text(tmpl.Content, "RequestedOperation/OperationName") != "GetNextWWPNs" {
		t.Fatalf("job template: %s", tmpl.Content)
	}
	job := strings.Replace(jobRequest("GetNextWWPNs", "ManagedSystem"), "</JobParameters>",
		`<JobParameter schemaVersion="V1_0"><Metadata><Atom/></Metadata><ParameterName>numberPairsRequested</ParameterName><ParameterValue>2</ParameterValue></JobParameter></JobParameters>`, 1)
	resp, data = h.send(http.MethodPut, "/rest/api/uom/ManagedSystem/"+h.sys+"/do/GetNextWWPNs", uom.MediaType(uom.ServiceWeb, "JobRequest"), job)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GetNextWWPNs: %s\n%s", resp.Status, data)
	}
	jr := h.parseEntry(resp, data).Content
	id := text(jr, "JobID")
	var list string
	for i := 0; i < 50 && list == ""; i++ {
		jr = h.entry("/rest/api/uom/jobs/" + id).Content
		for _, p := range jr.FindAll("Results/JobParameter") {
			if text(p, "ParameterName") == "wwpnList" {
				list = text(p, "ParameterValue")
			}
		}
	}
	if text(jr, "Status") != core.JobOK || !regexp.MustCompile(`^([0-9A-F]{16},){3}[0-9A-F]{16}$`).MatchString(list) {
		t.Fatalf("GetNextWWPNs: status %s, list %q", text(jr, "Status"), list)
	}
	bad := strings.Replace(job, "<ParameterValue>2<", "<ParameterValue>9<", 1)
	resp, data = h.send(http.MethodPut, "/rest/api/uom/ManagedSystem/"+h.sys+"/do/GetNextWWPNs", uom.MediaType(uom.ServiceWeb, "JobRequest"), bad)
	h.expectError("9 WWPN pairs", resp, data, http.StatusBadRequest, "1 to 8")
}

// collectStorage gives the conformance tests storage to show (a linked
// clone and an image, a volume group with a virtual disk, media, vSCSI
// mappings of every kind of device and an empty optical drive, a vFC
// mapping) and renders the storage objects and the VIOS's storage
// groups.
func collectStorage(h *harness, collect func(path string)) {
	t := h.t
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	var ssp *model.SharedStoragePool
	var v1, v2 *model.Partition
	var clusterUUID string
	h.c.Read(func(st *model.State) {
		ssp = vios.SSPByName(stTx{st}, "pool1")
		v1, v2 = st.PartitionByName("vios1"), st.PartitionByName("vios2")
		clusterUUID = ssp.Cluster
	})
	img, err := h.c.CreateLU(admin, ssp.UUID, vios.LUSpec{Name: "image_conform", CapacityMB: 2048, Thin: true, Type: model.LUImage})
	if err != nil {
		t.Fatal(err)
	}
	clone, err := h.c.CreateLU(admin, ssp.UUID, vios.LUSpec{Name: "boot_conform", CapacityMB: 2048, ClonedFrom: img.UDID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.CreateLU(admin, ssp.UUID, vios.LUSpec{Name: "thick_conform", CapacityMB: 1024}); err != nil {
		t.Fatal(err)
	}
	vg, err := h.c.CreateVolumeGroup(admin, v1.UUID, "datavg", []string{"hdisk1"})
	if err != nil {
		t.Fatal(err)
	}
	vg, err = h.c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", core.VGWant{LVs: []core.LVWant{{Name: "lv_conform", CapacityMB: 1024}}})
	if err != nil {
		t.Fatal(err)
	}
	var rootvg *model.VolumeGroup
	var lv *model.LogicalVolume
	var pv *model.PhysicalVolume
	h.c.Read(func(st *model.State) {
		tx := stTx{st}
		rootvg = vios.VGByName(tx, v1.UUID, "rootvg")
		lv = vios.LVByName(tx, v1.UUID, "lv_conform")
		pv = vios.PVByName(tx, v1.UUID, "hdisk5")
	})
	if _, err := h.c.UpdateVolumeGroup(admin, v1.UUID, rootvg.UUID, "", core.VGWant{LVs: nil, Repository: &core.RepositoryWant{
		Name: rootvg.RepositoryName, SizeMB: rootvg.RepositoryMB, Media: []core.MediaWant{{Name: "conform.iso", SizeMB: 100, MountType: "ro"}}}}); err != nil {
		t.Fatal(err)
	}
	var media *model.OpticalMedia
	h.c.Read(func(st *model.State) { media = vios.MediaByName(stTx{st}, v1.UUID, "conform.iso") })
	if err := h.c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{
		{Client: uuidDedOff, Backing: model.BackLU, BackingID: clone.UUID},
		{Client: uuidDedOff, Backing: model.BackMedia, BackingID: media.UUID},
		{Client: uuidDedOff, Backing: model.BackLV, BackingID: lv.UUID},
		{Client: uuidDedOff, Backing: model.BackPV, BackingID: pv.UUID},
		{Client: uuidShrRun, Backing: model.BackMedia},
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.c.UpdateFCMappings(admin, v1.UUID, "", []core.FCWant{{Client: uuidDedOff, Port: "fcs0"}, {Client: uuidShrRun}}); err != nil {
		t.Fatal(err)
	}
	collect("/rest/api/uom/SharedStoragePool")
	collect("/rest/api/uom/SharedStoragePool/" + ssp.UUID)
	collect("/rest/api/uom/Cluster/" + clusterUUID + "/SharedStoragePool")
	collect("/rest/api/uom/Tier")
	collect("/rest/api/uom/Tier/" + ssp.TierUUID)
	collect("/rest/api/uom/SharedStoragePool/" + ssp.UUID + "/Tier")
	collect("/rest/api/uom/Tier/" + ssp.TierUUID + "/LogicalUnit")
	collect("/rest/api/uom/Tier/" + ssp.TierUUID + "/LogicalUnit/" + clone.UUID)
	collect("/rest/api/uom/Cluster")
	collect("/rest/api/uom/Cluster/" + clusterUUID)
	for _, v := range []*model.Partition{v1, v2} {
		collect("/rest/api/uom/VirtualIOServer/" + v.UUID + "/VolumeGroup")
		for _, q := range []string{"", "?group=ViosStorage", "?group=ViosSCSIMapping", "?group=ViosFCMapping", "?group=ViosStorage,ViosSCSIMapping,ViosFCMapping"} {
			collect("/rest/api/uom/VirtualIOServer/" + v.UUID + q)
		}
	}
	collect("/rest/api/uom/VirtualIOServer/" + v1.UUID + "/VolumeGroup/" + vg.UUID)
	collect("/rest/api/uom/ManagedSystem/" + h.systemUUID() + "/VirtualIOServer/" + v1.UUID + "/VolumeGroup/" + rootvg.UUID)
}

// storageIDElements are the storage identifiers the golden files blank:
// they derive from the seeded system's random UUID.
var storageIDElements = []string{"VolumeUniqueID", "WWPN", "WWPNs", "ClusterID", "ClonedFrom", "GroupSerialID", "StorageLabel"}

var (
	// Storage UDIDs carry 17 or more hex digits derived from random
	// UUIDs (SEA UDIDs, stable, have fewer); disks' location codes carry
	// 10 or more.
	udidHexRE    = regexp.MustCompile(`[0-9A-Fa-f]{17,}`)
	locHexRE     = regexp.MustCompile(`[0-9A-Fa-f]{10,}`)
	base64UDIDRE = regexp.MustCompile(`^01[A-Za-z0-9+/]{20,}=*$`)
)

// storageUDID normalizes the identifiers in a UniqueDeviceID (a disk's
// "01"+base64 UDID, the hex digits of pools', logical units', volume
// groups' and target devices' UDIDs); the rest of the text stays.
func storageUDID(s string) string {
	if base64UDIDRE.MatchString(s) {
		return "01" + xmltest.Placeholder
	}
	return udidHexRE.ReplaceAllString(s, xmltest.Placeholder)
}

// storageLocation normalizes the disk identifiers in a location code.
func storageLocation(s string) string { return locHexRE.ReplaceAllString(s, xmltest.Placeholder) }

// goldenStorage gives the golden server a logical unit mapped to shr-run
// through vios1 (so that the VIOS's golden file shows a mapping) and
// returns the storage golden files.
func goldenStorage(h *harness) []golden {
	t := h.t
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	var ssp *model.SharedStoragePool
	var v1 *model.Partition
	var rootvg *model.VolumeGroup
	h.c.Read(func(st *model.State) {
		ssp = vios.SSPByName(stTx{st}, "pool1")
		v1 = st.PartitionByName("vios1")
		rootvg = vios.VGByName(stTx{st}, v1.UUID, "rootvg")
	})
	lu, err := h.c.CreateLU(admin, ssp.UUID, vios.LUSpec{Name: "golden_lu", CapacityMB: 10240, Thin: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{{Client: uuidShrRun, Backing: model.BackLU, BackingID: lu.UUID}}); err != nil {
		t.Fatal(err)
	}
	return []golden{
		{"SharedStoragePool", func(*harness) string { return "/rest/api/uom/SharedStoragePool/" + ssp.UUID },
			map[string]string{"StoragePoolName": "pool1", "LogicalUnits/LogicalUnit/UnitName": "golden_lu", "Capacity": "1014"}, true},
		{"Tier", func(*harness) string { return "/rest/api/uom/Tier/" + ssp.TierUUID },
			map[string]string{"Name": "SYSTEM", "IsDefault": "true"}, true},
		{"LogicalUnit", func(*harness) string { return "/rest/api/uom/Tier/" + ssp.TierUUID + "/LogicalUnit/" + lu.UUID },
			map[string]string{"UnitName": "golden_lu", "UnitCapacity": "10", "InUse": "true"}, true},
		{"Cluster", func(*harness) string { return "/rest/api/uom/Cluster/" + ssp.Cluster },
			map[string]string{"ClusterName": "cluster1", "Node/Node/PartitionID": "2"}, true},
		{"VolumeGroup", func(*harness) string {
			return "/rest/api/uom/VirtualIOServer/" + v1.UUID + "/VolumeGroup/" + rootvg.UUID
		},
			map[string]string{"GroupName": "rootvg", "MediaRepositories/VirtualMediaRepository/RepositoryName": "VMLibrary"}, true},
	}
}
