package rest

// The networking objects through the HTTP handlers: the networking-powervm
// flow on a network bridge (pypowervm's NetworkBridgerTA: read the bridge,
// edit the SEAs' trunk adapters, POST it back with the etag), adapters and
// switches created, changed and deleted, bad input for every object, and
// the events of an adapter change.

import (
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

var (
	cnaCT    = uom.MediaType(uom.ServiceUOM, "ClientNetworkAdapter")
	bridgeCT = uom.MediaType(uom.ServiceUOM, "NetworkBridge")
	switchCT = uom.MediaType(uom.ServiceUOM, "VirtualSwitch")
	vnetCT   = uom.MediaType(uom.ServiceUOM, "VirtualNetwork")
)

// entryOf GETs an entry and returns it; the status must be 200.
func (f *restFixture) entryOf(t *testing.T, path string) *uom.Entry {
	t.Helper()
	rec := f.do("GET", path, "", "", "")
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	el, err := uom.DecodeBytes(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e, err := uom.ParseEntry(el)
	if err != nil {
		t.Fatal(err)
	}
	if e.Etag != rec.Header().Get("ETag") {
		t.Fatalf("GET %s: entry etag %q, header %q", path, e.Etag, rec.Header().Get("ETag"))
	}
	return e
}

// feedOf GETs a feed and returns its entries (none for 204).
func (f *restFixture) feedOf(t *testing.T, path string) []*uom.Entry {
	t.Helper()
	rec := f.do("GET", path, "", "", "")
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

func text(el *uom.Element, path string) string {
	v, _ := el.FindText(path)
	return strings.TrimSpace(v)
}

func vlansOf(el *uom.Element) []int {
	vs, _ := model.ParseVLANList(text(el, "TaggedVLANIDs"))
	return vs
}

func hasInt(vs []int, v int) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// setTagged sets the TaggedVLANIDs of a trunk adapter element (as
// pypowervm's TrunkAdapter.tagged_vlans setter does).
func setTagged(ta *uom.Element, vs []int) {
	if c := ta.Child("TaggedVLANIDs"); c != nil {
		c.Text = model.FormatVLANList(vs)
		return
	}
	ta.Append(uom.Leaf(uom.NSUOM, "TaggedVLANIDs", "CUA", model.FormatVLANList(vs)))
}

// netFixture is a fixture with the default network layout at hand.
type netFixture struct {
	*restFixture
	sys, bridge, eth0, mgmt string
	vios                    []*model.Partition
}

func newNetFixture(t *testing.T) *netFixture {
	f := &netFixture{restFixture: newRestFixture(t)}
	f.core.Read(func(st *model.State) {
		f.sys = st.System.UUID
		for _, b := range st.Bridges {
			f.bridge = b.UUID
		}
		f.eth0 = st.SwitchByName(model.DefaultSwitch).UUID
		f.mgmt = st.SwitchByName(model.MgmtSwitch).UUID
		f.vios = st.SortedPartitions(func(p *model.Partition) bool { return p.IsVIOS() })
	})
	if f.bridge == "" || len(f.vios) != 2 {
		t.Fatal("the default inventory has no failover bridge over two VIOS")
	}
	return f
}

func (f *netFixture) sysPath() string { return "/rest/api/uom/ManagedSystem/" + f.sys }

func (f *netFixture) bridgePath() string { return f.sysPath() + "/NetworkBridge/" + f.bridge }

func (f *netFixture) switchHref(uuid string) string {
	return "http://127.0.0.1:12080" + f.sysPath() + "/VirtualSwitch/" + uuid
}

// bridgeState is what the test compares before and after a refused
// change: the bridge's revision and every adapter.
func (f *netFixture) bridgeState() string {
	var b strings.Builder
	f.core.Read(func(st *model.State) {
		b.WriteString(strconv.FormatUint(st.Bridges[f.bridge].Rev, 10))
		var keys []string
		for _, a := range st.Adapters {
			keys = append(keys, a.UUID+":"+strconv.Itoa(a.PVID)+":"+model.FormatVLANList(a.Tagged)+":"+strconv.FormatUint(a.Rev, 10))
		}
		sort.Strings(keys)
		b.WriteString(strings.Join(keys, ","))
	})
	return b.String()
}

// viosTrunks returns a VIOS's trunk adapters on ETHERNET0 as its
// ClientNetworkAdapter feed shows them.
func (f *netFixture) viosTrunks(t *testing.T, vios *model.Partition) []*uom.Element {
	var out []*uom.Element
	for _, e := range f.feedOf(t, "/rest/api/uom/VirtualIOServer/"+vios.UUID+"/ClientNetworkAdapter") {
		if text(e.Content, "TrunkPriority") != "" && text(e.Content, "VirtualSwitchID") == "0" {
			out = append(out, e.Content)
		}
	}
	return out
}

// TestNetworkBridgeFlow reproduces networking-powervm's use of a network
// bridge on NovaLink through the HTTP handlers.
func TestNetworkBridgeFlow(t *testing.T) {
	f := newNetFixture(t)
	nbs := f.feedOf(t, f.sysPath()+"/NetworkBridge")
	if len(nbs) != 1 || nbs[0].ID != f.bridge {
		t.Fatalf("bridge feed: %d entries", len(nbs))
	}
	nb := f.entryOf(t, f.bridgePath())
	obj := nb.Content
	if text(obj, "FailoverEnabled") != "true" || text(obj, "PortVLANID") != "1" {
		t.Fatalf("bridge: failover %s PVID %s", text(obj, "FailoverEnabled"), text(obj, "PortVLANID"))
	}
	seas := obj.FindAll("SharedEthernetAdapters/SharedEthernetAdapter")
	if len(seas) != 2 {
		t.Fatalf("%d SEAs", len(seas))
	}

	// 1. Add VLAN 2227 to the trunk adapter with the fewest VLANs of the
	// first SEA and to its peer (same PVID) on the other.
	var least *uom.Element
	for _, ta := range seas[0].FindAll("TrunkAdapters/TrunkAdapter") {
		if least == nil || len(vlansOf(ta)) < len(vlansOf(least)) {
			least = ta
		}
	}
	pvid := text(least, "PortVLANID")
	for _, sea := range seas {
		for _, ta := range sea.FindAll("TrunkAdapters/TrunkAdapter") {
			if text(ta, "PortVLANID") == pvid {
				setTagged(ta, append(vlansOf(ta), 2227))
			}
		}
	}
	staleEtag := nb.Etag
	rec := f.do("POST", f.bridgePath(), bridgeCT, obj.String(), "", "If-Match", nb.Etag)
	if rec.Code != 200 {
		t.Fatalf("add VLAN 2227: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("ETag") == staleEtag {
		t.Fatal("the bridge's etag did not change")
	}
	for _, v := range f.vios {
		tas := f.viosTrunks(t, v)
		if len(tas) != 1 || !hasInt(vlansOf(tas[0]), 2227) {
			t.Fatalf("%s: trunk adapters %d, VLANs %v", v.Name, len(tas), vlansOf(tas[0]))
		}
	}
	lgs := f.feedOf(t, f.bridgePath()+"/LoadGroup")
	if len(lgs) != 1 || !hasInt(vlansOf(lgs[0].Content.Find("TrunkAdapters/TrunkAdapter")), 2227) {
		t.Fatalf("load groups after adding 2227: %d", len(lgs))
	}
	if n := len(lgs[0].Content.FindAll("TrunkAdapters/TrunkAdapter")); n != 2 {
		t.Fatalf("the load group has %d trunk adapters, want one per SEA", n)
	}
	// The virtual network of the new VLAN exists and is found by search.
	found := f.feedOf(t, f.sysPath()+"/VirtualNetwork/search/(NetworkVLANID==2227)")
	if len(found) != 1 || text(found[0].Content, "NetworkName") != "VLAN2227-ETHERNET0" || text(found[0].Content, "TaggedNetwork") != "true" {
		t.Fatalf("search of VLAN 2227: %d networks", len(found))
	}

	// 2. A new trunk adapter pair (TrunkAdapter.bld: no slot, the next
	// high slot, an arbitrary PVID, one tagged VLAN, the switch link).
	nb = f.entryOf(t, f.bridgePath())
	obj = nb.Content
	before := map[string][]string{}
	for _, v := range f.vios {
		for _, ta := range f.viosTrunks(t, v) {
			before[v.UUID] = append(before[v.UUID], text(ta, "VirtualSlotNumber"))
		}
	}
	for _, sea := range obj.FindAll("SharedEthernetAdapters/SharedEthernetAdapter") {
		prio := text(sea, "TrunkAdapters/TrunkAdapter/TrunkPriority")
		ta := uom.NewElement(uom.NSUOM, "TrunkAdapter")
		ta.SetAttr("schemaVersion", "V1_0")
		ta.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")),
			uom.Leaf(uom.NSUOM, "RequiredAdapter", "CUD", "true"),
			uom.Leaf(uom.NSUOM, "UseNextAvailableHighSlotID", "CUD", "true"),
			uom.Leaf(uom.NSUOM, "PortVLANID", "CUR", "4000"),
			uom.Leaf(uom.NSUOM, "TaggedVLANIDs", "CUA", "2300"),
			uom.Leaf(uom.NSUOM, "TaggedVLANSupported", "CUA", "true"),
			uom.NewElement(uom.NSUOM, "AssociatedVirtualSwitch").Append(&uom.Element{Space: uom.NSUOM, Local: "link",
				Attrs: []uom.Attr{{Local: "href", Value: f.switchHref(f.eth0)}, {Local: "rel", Value: "related"}}}),
			uom.Leaf(uom.NSUOM, "VirtualSwitchID", "ROR", "0"),
			uom.Leaf(uom.NSUOM, "TrunkPriority", "CUD", prio))
		sea.Find("TrunkAdapters").Append(ta)
	}
	rec = f.do("POST", f.bridgePath(), bridgeCT, obj.String(), "", "If-Match", nb.Etag)
	if rec.Code != 200 {
		t.Fatalf("add a trunk adapter pair: %d %s", rec.Code, rec.Body)
	}
	for _, v := range f.vios {
		tas := f.viosTrunks(t, v)
		if len(tas) != 2 {
			t.Fatalf("%s has %d trunk adapters on ETHERNET0, want 2", v.Name, len(tas))
		}
		nt := tas[1]
		slot, _ := strconv.Atoi(text(nt, "VirtualSlotNumber"))
		if text(nt, "PortVLANID") != "4000" || !hasInt(vlansOf(nt), 2300) || slot <= 6 ||
			text(nt, "DeviceName") == "" || text(nt, "DeviceName") == text(tas[0], "DeviceName") {
			t.Fatalf("%s: new trunk adapter PVID %s VLANs %v slot %d device %q (slots before %v)", v.Name,
				text(nt, "PortVLANID"), vlansOf(nt), slot, text(nt, "DeviceName"), before[v.UUID])
		}
		// The VIOS lists it in its SEA and its TrunkAdapters.
		ve := f.entryOf(t, "/rest/api/uom/VirtualIOServer/"+v.UUID+"?group=ViosNetwork")
		if n := len(ve.Content.FindAll("SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter")); n != 2 {
			t.Fatalf("%s: its SEA has %d trunk adapters", v.Name, n)
		}
		if n := len(ve.Content.FindAll("TrunkAdapters/TrunkAdapter")); n != 2 {
			t.Fatalf("%s: %d TrunkAdapters", v.Name, n)
		}
	}
	lgs = f.feedOf(t, f.bridgePath()+"/LoadGroup")
	if len(lgs) != 2 || text(lgs[1].Content, "PortVLANID") != "4000" {
		t.Fatalf("load groups after the new pair: %d", len(lgs))
	}
	lg := f.entryOf(t, f.bridgePath()+"/LoadGroup/"+lgs[1].ID)
	if lg.ID != core.LoadGroupUUID(f.bridge, 4000) || len(lg.Content.FindAll("VirtualNetworks/link")) != 1 {
		t.Fatalf("load group entry %s: %d networks (want the tagged VLAN's only)", lg.ID, len(lg.Content.FindAll("VirtualNetworks/link")))
	}

	// 3. Remove VLAN 2227.
	nb = f.entryOf(t, f.bridgePath())
	obj = nb.Content
	for _, sea := range obj.FindAll("SharedEthernetAdapters/SharedEthernetAdapter") {
		for _, ta := range sea.FindAll("TrunkAdapters/TrunkAdapter") {
			var keep []int
			for _, v := range vlansOf(ta) {
				if v != 2227 {
					keep = append(keep, v)
				}
			}
			setTagged(ta, keep)
		}
	}
	rec = f.do("POST", f.bridgePath(), bridgeCT, obj.String(), "", "If-Match", nb.Etag)
	if rec.Code != 200 {
		t.Fatalf("remove VLAN 2227: %d %s", rec.Code, rec.Body)
	}
	for _, v := range f.vios {
		for _, ta := range f.viosTrunks(t, v) {
			if hasInt(vlansOf(ta), 2227) {
				t.Fatalf("%s still carries VLAN 2227", v.Name)
			}
		}
	}
	if found := f.feedOf(t, f.sysPath()+"/VirtualNetwork/search/(NetworkVLANID==2227)"); len(found) != 0 {
		t.Fatal("the virtual network of VLAN 2227 is still there")
	}

	// 4. A POST with an old etag is refused and changes nothing.
	state := f.bridgeState()
	rec = f.do("POST", f.bridgePath(), bridgeCT, obj.String(), "", "If-Match", staleEtag)
	if rec.Code != 412 {
		t.Fatalf("stale etag: %d %s", rec.Code, rec.Body)
	}
	if f.bridgeState() != state {
		t.Fatal("a POST with a stale etag changed something")
	}
}

// TestAdapterAndSwitchLifecycle creates, changes and deletes adapters and
// switches through both path styles, and checks the switches' networks.
func TestAdapterAndSwitchLifecycle(t *testing.T) {
	f := newNetFixture(t)
	lpar := f.partition("lpar10")

	// A switch of our own (the next free ID).
	body := `<VirtualSwitch:VirtualSwitch xmlns:VirtualSwitch="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<SwitchName>VSW1</SwitchName><SwitchMode>Vepa</SwitchMode><VirtualNetworks/></VirtualSwitch:VirtualSwitch>`
	rec := f.do("PUT", f.sysPath()+"/VirtualSwitch", switchCT, body, "")
	if rec.Code != 200 {
		t.Fatalf("create switch: %d %s", rec.Code, rec.Body)
	}
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	sw, _ := uom.ParseEntry(el)
	if text(sw.Content, "SwitchID") != "2" || text(sw.Content, "SwitchMode") != "Vepa" || sw.ID != strings.ToLower(sw.ID) {
		t.Fatalf("new switch: ID %s mode %s uuid %s", text(sw.Content, "SwitchID"), text(sw.Content, "SwitchMode"), sw.ID)
	}
	swPath := f.sysPath() + "/VirtualSwitch/" + sw.ID
	if got := f.feedOf(t, f.sysPath()+"/VirtualSwitch/search/(SwitchName==VSW1)"); len(got) != 1 {
		t.Fatalf("search by SwitchName: %d", len(got))
	}

	// An adapter on it, created under the managed system (pypowervm's
	// CNA.bld: next high slot, tagged VLANs, the switch link).
	cna := `<UseNextAvailableHighSlotID>true</UseNextAvailableHighSlotID><PortVLANID>100</PortVLANID>` +
		`<TaggedVLANIDs>101 102</TaggedVLANIDs><TaggedVLANSupported>true</TaggedVLANSupported>` +
		`<AssociatedVirtualSwitch><link href="` + f.switchHref(strings.ToUpper(sw.ID)) + `" rel="related"/></AssociatedVirtualSwitch>`
	rec = f.do("PUT", f.sysPath()+"/LogicalPartition/"+lpar.UUID+"/ClientNetworkAdapter", cnaCT, cnaBody(cna), "")
	if rec.Code != 200 {
		t.Fatalf("create adapter: %d %s", rec.Code, rec.Body)
	}
	el, _ = uom.DecodeBytes(rec.Body.Bytes())
	ad, _ := uom.ParseEntry(el)
	if !strings.Contains(ad.SelfLink(), "/ManagedSystem/"+f.sys+"/LogicalPartition/"+lpar.UUID+"/ClientNetworkAdapter/"+ad.ID) {
		t.Fatalf("self link %s", ad.SelfLink())
	}
	if text(ad.Content, "PortVLANID") != "100" || text(ad.Content, "TaggedVLANIDs") != "101 102" || text(ad.Content, "VirtualSwitchID") != "2" ||
		text(ad.Content, "LocalPartitionID") != strconv.Itoa(lpar.ID) || text(ad.Content, "TrunkPriority") != "" {
		t.Fatalf("new adapter:\n%s", ad.Content)
	}
	if n := len(ad.Content.FindAll("VirtualNetworks/link")); n != 3 {
		t.Fatalf("the adapter lists %d networks, want 3", n)
	}
	// Both path styles and any case address it.
	short := "/rest/api/uom/LogicalPartition/" + lpar.UUID + "/ClientNetworkAdapter/" + ad.ID
	f.entryOf(t, short)
	f.entryOf(t, "/rest/api/uom/LogicalPartition/"+strings.ToLower(lpar.UUID)+"/ClientNetworkAdapter/"+strings.ToUpper(ad.ID))
	// ... but not under another partition.
	if rec := f.do("GET", "/rest/api/uom/LogicalPartition/"+f.partition("lpar11").UUID+"/ClientNetworkAdapter/"+ad.ID, "", "", ""); rec.Code != 404 {
		t.Fatalf("adapter under another partition: %d", rec.Code)
	}
	// The partition links it; the switch lists its networks.
	p := f.entryOf(t, "/rest/api/uom/LogicalPartition/"+lpar.UUID)
	linked := false
	for _, l := range p.Content.FindAll("ClientNetworkAdapters/link") {
		linked = linked || strings.HasSuffix(l.Attr("href"), "/ClientNetworkAdapter/"+ad.ID)
	}
	if !linked {
		t.Fatal("the partition does not link its new adapter")
	}
	swe := f.entryOf(t, swPath)
	if n := len(swe.Content.FindAll("VirtualNetworks/link")); n != 3 {
		t.Fatalf("the switch lists %d networks, want 3", n)
	}
	if swe.Etag == sw.Etag {
		t.Fatal("the switch's etag did not move with its networks")
	}

	// Update the adapter as read: a new PVID and tagged list.
	ad = f.entryOf(t, short)
	ad.Content.Find("PortVLANID").Text = "110"
	ad.Content.Find("TaggedVLANIDs").Text = "101"
	rec = f.do("POST", short, cnaCT, ad.Content.String(), "", "If-Match", ad.Etag)
	if rec.Code != 200 {
		t.Fatalf("update adapter: %d %s", rec.Code, rec.Body)
	}
	got := f.entryOf(t, short)
	if text(got.Content, "PortVLANID") != "110" || text(got.Content, "TaggedVLANIDs") != "101" {
		t.Fatalf("after update: PVID %s tagged %s", text(got.Content, "PortVLANID"), text(got.Content, "TaggedVLANIDs"))
	}
	// Its etag is stale now.
	if rec := f.do("POST", short, cnaCT, ad.Content.String(), "", "If-Match", ad.Etag); rec.Code != 412 {
		t.Fatalf("stale adapter etag: %d", rec.Code)
	}
	nets := f.feedOf(t, f.sysPath()+"/VirtualNetwork/search/(VswitchID==2)")
	if len(nets) != 2 {
		t.Fatalf("%d networks on VSW1, want 2 (VLAN 110 and 101)", len(nets))
	}

	// Rename the switch (the etag it has now).
	swe = f.entryOf(t, swPath)
	swe.Content.Find("SwitchName").Text = "VSW9"
	if rec := f.do("POST", swPath, switchCT, swe.Content.String(), "", "If-Match", swe.Etag); rec.Code != 200 {
		t.Fatalf("rename switch: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", swPath, switchCT, swe.Content.String(), "", "If-Match", swe.Etag); rec.Code != 412 {
		t.Fatalf("stale switch etag: %d", rec.Code)
	}
	// A switch in use cannot go; once the adapter is gone it can.
	if rec := f.do("DELETE", swPath, "", "", ""); rec.Code != 409 {
		t.Fatalf("delete a switch in use: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("DELETE", short, "", "", ""); rec.Code != 204 {
		t.Fatalf("delete adapter: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("GET", short, "", "", ""); rec.Code != 404 {
		t.Fatalf("deleted adapter: %d", rec.Code)
	}
	if rec := f.do("DELETE", swPath, "", "", ""); rec.Code != 204 {
		t.Fatalf("delete switch: %d %s", rec.Code, rec.Body)
	}

	// A trunk adapter on a VIOS (a slot of our choice).
	vios := f.vios[0]
	trunk := `<VirtualSlotNumber>40</VirtualSlotNumber><PortVLANID>3000</PortVLANID><TaggedVLANSupported>true</TaggedVLANSupported>` +
		`<AssociatedVirtualSwitch><link href="` + f.switchHref(f.eth0) + `" rel="related"/></AssociatedVirtualSwitch><TrunkPriority>1</TrunkPriority>`
	rec = f.do("PUT", "/rest/api/uom/VirtualIOServer/"+vios.UUID+"/ClientNetworkAdapter", cnaCT, cnaBody(trunk), "")
	if rec.Code != 200 {
		t.Fatalf("create trunk adapter: %d %s", rec.Code, rec.Body)
	}
	el, _ = uom.DecodeBytes(rec.Body.Bytes())
	ta, _ := uom.ParseEntry(el)
	if text(ta.Content, "VirtualSlotNumber") != "40" || text(ta.Content, "TrunkPriority") != "1" || text(ta.Content, "DeviceName") == "" ||
		text(ta.Content, "LocationCode") != model.LocationCode(f.core.System(), vios.ID, 40) {
		t.Fatalf("new trunk adapter:\n%s", ta.Content)
	}
	ve := f.entryOf(t, "/rest/api/uom/VirtualIOServer/"+vios.UUID+"?group=ViosNetwork")
	if n := len(ve.Content.FindAll("TrunkAdapters/TrunkAdapter")); n != 2 {
		t.Fatalf("the VIOS lists %d trunk adapters, want 2", n)
	}
}

// cnaBody wraps the elements of a ClientNetworkAdapter request.
func cnaBody(inner string) string {
	return `<ClientNetworkAdapter:ClientNetworkAdapter xmlns:ClientNetworkAdapter="` + uom.NSUOM + `" xmlns="` + uom.NSUOM +
		`" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` + inner + `</ClientNetworkAdapter:ClientNetworkAdapter>`
}

// powerOnWithoutRMC creates a partition without a MGMTSWITCH adapter and
// powers it on: it runs, and its RMC connection never comes up.
func powerOnWithoutRMC(t *testing.T, f *restFixture, name string) *model.Partition {
	t.Helper()
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	p := f.core.NewPartitionTemplate(model.TypeAIXLinux)
	p.Name = name
	p.MinMem, p.DesMem, p.MaxMem = 1024, 1024, 2048
	n, err := f.core.CreatePartition(admin, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.core.StartJob(admin, core.JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: n.UUID}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000 && f.partition(name).State != model.StateRunning; i++ {
		f.clock.Advance(50 * time.Millisecond)
	}
	// Whatever steps remain (RMC would come up now) run out.
	for i := 0; i < 200; i++ {
		f.clock.Advance(time.Second)
	}
	q := f.partition(name)
	if q.State != model.StateRunning || q.RMCState == model.RMCActive {
		t.Fatalf("%s: state %q RMC %q, want running without RMC", name, q.State, q.RMCState)
	}
	return q
}

// TestNetworkBadInput: every refused request answers with a clear PVME
// message and the right status, and changes nothing.
func TestNetworkBadInput(t *testing.T) {
	f := newNetFixture(t)
	lpar := f.partition("lpar10")
	running := powerOnWithoutRMC(t, f.restFixture, "norm")
	vios := f.vios[0]
	var usedMAC, primaryTrunk, mgmtTrunk string
	f.core.Read(func(st *model.State) {
		usedMAC = st.AdapterAt(f.partition("lpar11").UUID, 2).MAC
		primaryTrunk = st.AdapterAt(vios.UUID, 3).UUID
		for _, a := range st.Adapters {
			if a.Trunk && a.SwitchID == 1 {
				mgmtTrunk = a.UUID
			}
		}
	})
	feed := "/rest/api/uom/LogicalPartition/" + lpar.UUID + "/ClientNetworkAdapter"
	eth0 := `<AssociatedVirtualSwitch><link href="` + f.switchHref(f.eth0) + `" rel="related"/></AssociatedVirtualSwitch>`
	cna := func(pvid, more string) string {
		return cnaBody(`<PortVLANID>` + pvid + `</PortVLANID>` + more + eth0)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = strconv.Itoa(200 + i)
	}
	vnets := f.feedOf(t, f.sysPath()+"/VirtualNetwork")
	lgs := f.feedOf(t, f.bridgePath()+"/LoadGroup")
	if len(vnets) == 0 || len(lgs) == 0 {
		t.Fatal("no virtual networks or load groups")
	}
	vnetBody := `<VirtualNetwork:VirtualNetwork xmlns:VirtualNetwork="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<AssociatedSwitch href="` + f.switchHref(f.eth0) + `" rel="related"/><NetworkName>VLAN77-ETHERNET0</NetworkName><NetworkVLANID>77</NetworkVLANID>` +
		`<TaggedNetwork>true</TaggedNetwork></VirtualNetwork:VirtualNetwork>`
	switchBody := func(name, mode string) string {
		return `<VirtualSwitch xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><SwitchName>` + name +
			`</SwitchName><SwitchMode>` + mode + `</SwitchMode></VirtualSwitch>`
	}
	eth0Path := f.sysPath() + "/VirtualSwitch/" + f.eth0
	mgmtPath := f.sysPath() + "/VirtualSwitch/" + f.mgmt
	mgmtEntry := f.entryOf(t, mgmtPath)
	mgmtEntry.Content.Find("SwitchName").Text = "RENAMED"

	// Bridge bodies edited from the bridge as read.
	nb := f.entryOf(t, f.bridgePath())
	bridgeEdit := func(edit func(obj *uom.Element)) string {
		c := nb.Content.Clone()
		edit(c)
		return c.String()
	}
	oneSided := bridgeEdit(func(obj *uom.Element) {
		ta := obj.Find("SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter")
		setTagged(ta, []int{2500})
	})
	noPrimary := bridgeEdit(func(obj *uom.Element) {
		for _, sea := range obj.FindAll("SharedEthernetAdapters/SharedEthernetAdapter") {
			sea.Find("TrunkAdapters").Remove("TrunkAdapter")
		}
	})
	noVIOS := bridgeEdit(func(obj *uom.Element) {
		obj.Find("SharedEthernetAdapters/SharedEthernetAdapter").Remove("AssignedVirtualIOServer")
	})
	unknownSlot := bridgeEdit(func(obj *uom.Element) {
		for _, sea := range obj.FindAll("SharedEthernetAdapters/SharedEthernetAdapter") {
			ta := sea.Find("TrunkAdapters/TrunkAdapter").Clone()
			ta.Find("VirtualSlotNumber").Text = "77"
			ta.Remove("LocationCode")
			ta.Remove("DynamicReconfigurationConnectorName")
			ta.Find("PortVLANID").Text = "4000"
			sea.Find("TrunkAdapters").Append(ta)
		}
	})

	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		want        string
	}{
		{"adapter: unknown switch", "PUT", feed, cnaCT, cnaBody(`<PortVLANID>5</PortVLANID><AssociatedVirtualSwitch><link href="` +
			f.switchHref("0a1b2c3d-0000-4000-8000-000000000000") + `" rel="related"/></AssociatedVirtualSwitch>`), 400, "does not exist"},
		{"adapter: link to something else", "PUT", feed, cnaCT, cnaBody(`<PortVLANID>5</PortVLANID><AssociatedVirtualSwitch><link href="` +
			"http://127.0.0.1:12080/rest/api/uom/LogicalPartition/" + lpar.UUID + `" rel="related"/></AssociatedVirtualSwitch>`), 400, "must link to a virtual switch"},
		{"adapter: no switch", "PUT", feed, cnaCT, cnaBody(`<PortVLANID>5</PortVLANID>`), 400, "AssociatedVirtualSwitch"},
		{"adapter: no PVID", "PUT", feed, cnaCT, cnaBody(eth0), 400, "needs a PortVLANID"},
		{"adapter: PVID 0", "PUT", feed, cnaCT, cna("0", ""), 400, "PVME01050310"},
		{"adapter: PVID 5000", "PUT", feed, cnaCT, cna("5000", ""), 400, "VLAN IDs go from 1 to 4094"},
		{"adapter: PVID not a number", "PUT", feed, cnaCT, cna("ten", ""), 400, "PortVLANID"},
		{"adapter: tagged list with the PVID", "PUT", feed, cnaCT, cna("5", `<TaggedVLANIDs>6 5</TaggedVLANIDs><TaggedVLANSupported>true</TaggedVLANSupported>`), 400, "cannot also be a tagged VLAN"},
		{"adapter: 21 tagged VLANs", "PUT", feed, cnaCT, cna("5", `<TaggedVLANIDs>`+strings.Join(many, " ")+`</TaggedVLANIDs><TaggedVLANSupported>true</TaggedVLANSupported>`), 400, "at most 20"},
		{"adapter: tagged without support", "PUT", feed, cnaCT, cna("5", `<TaggedVLANIDs>6</TaggedVLANIDs><TaggedVLANSupported>false</TaggedVLANSupported>`), 400, "TaggedVLANSupported"},
		{"adapter: bad VLAN list", "PUT", feed, cnaCT, cna("5", `<TaggedVLANIDs>6 x</TaggedVLANIDs>`), 400, "VLAN list"},
		{"adapter: duplicate MAC", "PUT", feed, cnaCT, cna("5", `<MACAddress>`+usedMAC+`</MACAddress>`), 400, "already used"},
		{"adapter: bad MAC", "PUT", feed, cnaCT, cna("5", `<MACAddress>12345</MACAddress>`), 400, "MAC address"},
		{"adapter: slot in use", "PUT", feed, cnaCT, cnaBody(`<VirtualSlotNumber>2</VirtualSlotNumber><PortVLANID>5</PortVLANID>` + eth0), 400, "already in use"},
		{"adapter: slot 0", "PUT", feed, cnaCT, cnaBody(`<VirtualSlotNumber>0</VirtualSlotNumber><PortVLANID>5</PortVLANID>` + eth0), 400, "not valid for partition"},
		{"adapter: trunk on a client LPAR", "PUT", feed, cnaCT, cna("5", `<TrunkPriority>1</TrunkPriority>`), 400, "only a Virtual I/O Server"},
		{"adapter: trunk priority 16", "PUT", "/rest/api/uom/VirtualIOServer/" + vios.UUID + "/ClientNetworkAdapter", cnaCT, cna("5", `<TrunkPriority>16</TrunkPriority>`), 400, "trunk priority"},
		{"adapter: an Open vSwitch bridge on a client LPAR", "PUT", feed, cnaCT, cna("5", `<OvsBridge>br-int</OvsBridge>`), 400, "management partition's adapters only"},
		{"adapter: running without RMC", "PUT", "/rest/api/uom/LogicalPartition/" + running.UUID + "/ClientNetworkAdapter", cnaCT, cna("5", ""), 409, "RMC"},
		{"adapter: unknown element", "PUT", feed, cnaCT, cna("5", `<Colour>red</Colour>`), 400, "ClientNetworkAdapter/Colour"},
		{"adapter: under a VIOS path for an LPAR", "GET", "/rest/api/uom/VirtualIOServer/" + lpar.UUID + "/ClientNetworkAdapter", "", "", 404, "does not exist"},
		{"adapter: grandchild under the wrong system", "GET", "/rest/api/uom/ManagedSystem/0a1b2c3d-0000-4000-8000-000000000000/LogicalPartition/" + lpar.UUID + "/ClientNetworkAdapter", "", "", 404, "does not exist"},
		{"adapter: delete a bridge's trunk", "DELETE", "/rest/api/uom/VirtualIOServer/" + vios.UUID + "/ClientNetworkAdapter/" + primaryTrunk, "", "", 409, "trunk adapter of network bridge"},
		{"adapter: change the slot", "POST", "/rest/api/uom/VirtualIOServer/" + vios.UUID + "/ClientNetworkAdapter/" + primaryTrunk, cnaCT, cnaBody(`<VirtualSlotNumber>9</VirtualSlotNumber>`), 400, "VirtualSlotNumber"},
		{"adapter: PVID of a bridge's primary trunk", "POST", "/rest/api/uom/VirtualIOServer/" + vios.UUID + "/ClientNetworkAdapter/" + primaryTrunk, cnaCT, cnaBody(`<PortVLANID>9</PortVLANID>`), 409, "primary trunk adapter"},
		{"adapter: NovaLink's trunk off MGMTSWITCH", "POST", "/rest/api/uom/LogicalPartition/" + f.partition("novalink").UUID + "/ClientNetworkAdapter/" + mgmtTrunk, cnaCT, cnaBody(eth0), 400, "the trunk setting and the virtual switch"},
		{"vnet: create", "PUT", f.sysPath() + "/VirtualNetwork", vnetCT, vnetBody, 400, "derives virtual networks from the VLANs"},
		{"vnet: update", "POST", f.sysPath() + "/VirtualNetwork/" + vnets[0].ID, vnetCT, vnetBody, 400, "PVME01040123"},
		{"vnet: delete", "DELETE", f.sysPath() + "/VirtualNetwork/" + vnets[0].ID, "", "", 400, "derives virtual networks"},
		{"vnet: unknown", "DELETE", f.sysPath() + "/VirtualNetwork/0a1b2c3d-0000-4000-8000-000000000000", "", "", 404, "does not exist"},
		{"load group: delete", "DELETE", f.bridgePath() + "/LoadGroup/" + lgs[0].ID, "", "", 400, "derives the load groups"},
		{"load group: not at the bridge root", "GET", "/rest/api/uom/NetworkBridge/" + f.bridge + "/LoadGroup", "", "", 404, "addressed under their ManagedSystem"},
		{"switch: duplicate name", "PUT", f.sysPath() + "/VirtualSwitch", switchCT, switchBody("ETHERNET0", "Veb"), 400, "already exists"},
		{"switch: bad mode", "PUT", f.sysPath() + "/VirtualSwitch", switchCT, switchBody("VSW2", "Hub"), 400, "SwitchMode"},
		{"switch: bad name", "PUT", f.sysPath() + "/VirtualSwitch", switchCT, switchBody("a b", "Veb"), 400, "PVME01050301"},
		{"switch: no name", "PUT", f.sysPath() + "/VirtualSwitch", switchCT, switchBody("", "Veb"), 400, "not valid"},
		{"switch: delete ETHERNET0", "DELETE", eth0Path, "", "", 409, "NovaLink needs it"},
		{"switch: rename MGMTSWITCH", "POST", mgmtPath, switchCT, mgmtEntry.Content.String(), 409, "cannot be renamed"},
		{"switch: stale etag", "POST", mgmtPath, switchCT, mgmtEntry.Content.String(), 412, "etag"},
		{"bridge: breaks the failover mirror", "POST", f.bridgePath(), bridgeCT, oneSided, 400, "must carry the same VLANs"},
		{"bridge: no primary trunk", "POST", f.bridgePath(), bridgeCT, noPrimary, 400, "primary trunk adapter"},
		{"bridge: SEA without its VIOS", "POST", f.bridgePath(), bridgeCT, noVIOS, 400, "AssignedVirtualIOServer"},
		{"bridge: trunk in an unknown slot", "POST", f.bridgePath(), bridgeCT, unknownSlot, 400, "no trunk adapter in slot 77"},
		{"bridge: stale etag", "POST", f.bridgePath(), bridgeCT, nb.Content.String(), 412, "etag"},
		{"bridge: create", "PUT", f.sysPath() + "/NetworkBridge", bridgeCT, nb.Content.String(), 405, "cannot be created"},
	}
	state := f.bridgeState()
	var nSwitches int
	f.core.Read(func(st *model.State) { nSwitches = len(st.Switches) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.status == 412 {
				hdr = []string{"If-Match", "12345"}
			}
			rec := f.do(tc.method, tc.path, tc.contentType, tc.body, "", hdr...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			status, msg := httpErrorOf(t, rec)
			if status != strconv.Itoa(tc.status) {
				t.Fatalf("HTTPStatus %s", status)
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q does not mention %q", msg, tc.want)
			}
			// Statuses 404 and 405 and the schema check of request bodies
			// come from the generic object handlers, without a message ID.
			if tc.status != 404 && tc.status != 405 && !strings.HasSuffix(tc.name, "unknown element") && !strings.Contains(msg, "[PVME") {
				t.Fatalf("message %q is not a PVME message", msg)
			}
		})
	}
	if f.bridgeState() != state {
		t.Fatal("a refused request changed an adapter or the bridge")
	}
	f.core.Read(func(st *model.State) {
		if len(st.Switches) != nSwitches {
			t.Errorf("a refused request changed the switches: %d, want %d", len(st.Switches), nSwitches)
		}
		if n := len(st.AdaptersOf(running.UUID)); n != 0 {
			t.Errorf("the partition without RMC got %d adapters", n)
		}
		if sw := st.SwitchByName(model.MgmtSwitch); sw == nil {
			t.Error("MGMTSWITCH was renamed")
		}
	})
}

// TestAdapterEvents: adding an adapter announces the adapter (ADD_URI),
// its partition (MODIFY_URI, detail ClientNetworkAdapters) and its new
// virtual network, as absolute URIs of this server.
func TestAdapterEvents(t *testing.T) {
	f := newNetFixture(t)
	lpar := f.partition("lpar10")
	const ev = "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=nettest"
	type event struct{ typ, data, detail string }
	poll := func() []event {
		rec := f.do("GET", ev, "", "", "")
		if rec.Code == 204 {
			return nil
		}
		if rec.Code != 200 {
			t.Fatalf("events: %d %s", rec.Code, rec.Body)
		}
		el, _ := uom.DecodeBytes(rec.Body.Bytes())
		fd, err := uom.ParseFeed(el)
		if err != nil {
			t.Fatal(err)
		}
		var out []event
		for _, e := range fd.Entries {
			out = append(out, event{text(e.Content, "EventType"), text(e.Content, "EventData"), text(e.Content, "EventDetail")})
		}
		return out
	}
	poll() // NEW_CLIENT
	for len(poll()) > 0 {
	}
	body := cnaBody(`<PortVLANID>333</PortVLANID><AssociatedVirtualSwitch><link href="` + f.switchHref(f.eth0) + `" rel="related"/></AssociatedVirtualSwitch>`)
	rec := f.do("PUT", "/rest/api/uom/LogicalPartition/"+lpar.UUID+"/ClientNetworkAdapter", cnaCT, body, "")
	if rec.Code != 200 {
		t.Fatalf("create adapter: %d %s", rec.Code, rec.Body)
	}
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	ad, _ := uom.ParseEntry(el)
	var got []event
	for i := 0; i < 5 && len(got) < 3; i++ {
		got = append(got, poll()...)
	}
	const base = "http://127.0.0.1:12080"
	want := map[event]bool{
		{"ADD_URI", base + "/rest/api/uom/LogicalPartition/" + lpar.UUID + "/ClientNetworkAdapter/" + ad.ID, ""}:                  false,
		{"MODIFY_URI", base + "/rest/api/uom/ManagedSystem/" + f.sys + "/LogicalPartition/" + lpar.UUID, "ClientNetworkAdapters"}: false,
		{"ADD_URI", base + core.NetworkPath(f.sys, 0, 333), ""}:                                                                   false,
	}
	for _, e := range got {
		if _, ok := want[e]; ok {
			want[e] = true
		}
	}
	for e, seen := range want {
		if !seen {
			t.Errorf("no event %+v among %+v", e, got)
		}
	}
	// The URIs the events carry answer.
	for e := range want {
		if rec := f.do("GET", strings.TrimPrefix(e.data, base), "", "", ""); rec.Code != 200 {
			t.Errorf("GET %s: %d", e.data, rec.Code)
		}
	}
}

// TestPartitionSlots: a partition update lists the I/O slots it owns (as
// pypowervm edits ProfileIOSlots); the managed system shows each slot's
// owner, also after the owner is renamed (the system's revision does not
// move then).
func TestPartitionSlots(t *testing.T) {
	f := newNetFixture(t)
	lpar := f.partition("lpar10")
	path := "/rest/api/uom/LogicalPartition/" + lpar.UUID
	var free, viosSlot int
	f.core.Read(func(st *model.State) {
		for _, s := range st.SortedSlots() {
			if s.Owner == "" && free == 0 && s.DeviceID != 0xFFFF {
				free = s.DRCIndex
			}
			if s.Owner == f.vios[0].UUID && viosSlot == 0 {
				viosSlot = s.DRCIndex
			}
		}
	})
	slotOf := func(idx int) *uom.Element {
		for _, s := range f.entryOf(t, f.sysPath()).Content.FindAll("AssociatedSystemIOConfiguration/IOSlots/IOSlot") {
			if text(s, "SlotDynamicReconfigurationConnectorIndex") == strconv.Itoa(idx) {
				return s
			}
		}
		t.Fatalf("the managed system has no I/O slot %d", idx)
		return nil
	}
	if v := text(slotOf(free), "PartitionName"); v != "" {
		t.Fatalf("free slot owned by %q", v)
	}
	post := func(idx ...int) *httptest.ResponseRecorder {
		e := f.entryOf(t, path)
		list := e.Content.Find("PartitionIOConfiguration/ProfileIOSlots")
		list.Remove("ProfileIOSlot")
		for _, i := range idx {
			as := uom.NewElement(uom.NSUOM, "AssociatedIOSlot").Append(
				uom.Leaf(uom.NSUOM, "BusGroupingRequired", "CUD", "false"),
				uom.Leaf(uom.NSUOM, "SlotDynamicReconfigurationConnectorIndex", "ROR", strconv.Itoa(i)))
			list.Append(uom.NewElement(uom.NSUOM, "ProfileIOSlot").Append(as))
		}
		return f.do("POST", path, lparCT, e.Content.String(), "", "If-Match", e.Etag)
	}
	if rec := post(free); rec.Code != 200 {
		t.Fatalf("attach: %d %s", rec.Code, rec.Body)
	}
	e := f.entryOf(t, path)
	ps := e.Content.FindAll("PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot")
	if len(ps) != 1 || text(ps[0], "AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex") != strconv.Itoa(free) {
		t.Fatalf("lpar10 lists %d slots", len(ps))
	}
	if s := slotOf(free); text(s, "PartitionName") != "lpar10" || text(s, "PartitionID") != strconv.Itoa(lpar.ID) {
		t.Fatalf("slot owner %q", text(s, "PartitionName"))
	}
	// Posting the partition back as read changes nothing.
	if rec := f.do("POST", path, lparCT, e.Content.String(), "", "If-Match", e.Etag); rec.Code != 200 {
		t.Fatalf("post back: %d %s", rec.Code, rec.Body)
	}
	// A rename shows in the managed system's slot.
	e = f.entryOf(t, path)
	e.Content.Find("PartitionName").Text = "lpar10x"
	if rec := f.do("POST", path, lparCT, e.Content.String(), "", "If-Match", e.Etag); rec.Code != 200 {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if v := text(slotOf(free), "PartitionName"); v != "lpar10x" {
		t.Fatalf("after the rename the slot's owner is %q", v)
	}
	// A slot of another partition is refused; nothing changes.
	rec := post(free, viosSlot)
	if rec.Code != 409 {
		t.Fatalf("attach a VIOS's slot: %d %s", rec.Code, rec.Body)
	}
	if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, "belongs to partition "+f.vios[0].Name) {
		t.Fatalf("message %q", msg)
	}
	// Detach.
	if rec := post(); rec.Code != 200 {
		t.Fatalf("detach: %d %s", rec.Code, rec.Body)
	}
	if v := text(slotOf(free), "PartitionName"); v != "" {
		t.Fatalf("detached slot owned by %q", v)
	}
	// A child feed searched under the managed system.
	got := f.feedOf(t, f.sysPath()+"/VirtualIOServer/"+f.vios[0].UUID+"/ClientNetworkAdapter/search/(PortVLANID==4094)")
	if len(got) != 1 || text(got[0].Content, "VirtualSlotNumber") != "6" {
		t.Fatalf("search under the managed system: %d adapters", len(got))
	}
}

// TestManagementPartitionOvsTrunks: the NovaLink partition may have trunk
// adapters on any switch, with an Open vSwitch bridge, external-ids and an
// MTU (nova-powervm's OVS VIF driver); client partitions may not carry
// those, and what is out of range is refused.
func TestManagementPartitionOvsTrunks(t *testing.T) {
	f := newNetFixture(t)
	var mgmt, lpar *model.Partition
	f.core.Read(func(st *model.State) {
		mgmt = st.PartitionByName("novalink")
		lpar = st.PartitionByName("lpar10")
	})
	trunk := func(extra string) string {
		return cnaBody(`<PortVLANID>3001</PortVLANID><AssociatedVirtualSwitch><link href="` + f.switchHref(f.eth0) +
			`" rel="related"/></AssociatedVirtualSwitch><DeviceName>tap0a1b2c</DeviceName><TrunkPriority>1</TrunkPriority>` + extra)
	}
	ovs := `<ConfiguredMTU>1450</ConfiguredMTU><OvsBridge>br-int</OvsBridge><OvsPortExternalIds>iface-id=p1</OvsPortExternalIds>`
	rec := f.do("PUT", "/rest/api/uom/LogicalPartition/"+mgmt.UUID+"/ClientNetworkAdapter", cnaCT, trunk(ovs), "")
	if rec.Code != 200 {
		t.Fatalf("OVS trunk on the management partition: %d %s", rec.Code, rec.Body)
	}
	el, _ := uom.DecodeBytes(rec.Body.Bytes())
	e, _ := uom.ParseEntry(el)
	for name, want := range map[string]string{"DeviceName": "tap0a1b2c", "ConfiguredMTU": "1450", "OvsBridge": "br-int",
		"OvsPortExternalIds": "iface-id=p1", "TrunkPriority": "1", "VirtualSwitchID": "0"} {
		if got, _ := e.Content.FindText(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, bad := range []struct{ path, body, why string }{
		{"/rest/api/uom/LogicalPartition/" + lpar.UUID + "/ClientNetworkAdapter", cnaBody(`<PortVLANID>3002</PortVLANID><AssociatedVirtualSwitch><link href="` +
			f.switchHref(f.eth0) + `" rel="related"/></AssociatedVirtualSwitch>` + ovs), "PVME01050314-0071"},
		{"/rest/api/uom/LogicalPartition/" + mgmt.UUID + "/ClientNetworkAdapter", trunk(`<ConfiguredMTU>20000</ConfiguredMTU>`), "PVME01050314-0073"},
		{"/rest/api/uom/LogicalPartition/" + mgmt.UUID + "/ClientNetworkAdapter", trunk(`<OvsPortExternalIds>x=y</OvsPortExternalIds>`), "PVME01050314-0072"},
		{"/rest/api/uom/LogicalPartition/" + mgmt.UUID + "/ClientNetworkAdapter", trunk(`<OvsBridge>a bridge name too long</OvsBridge>`), "PVME01050314-0074"},
	} {
		if rec := f.do("PUT", bad.path, cnaCT, bad.body, ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), bad.why) {
			t.Errorf("want 400 %s: %d %s", bad.why, rec.Code, rec.Body)
		}
	}
}
