package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/uom"
)

func namedLPAR(id, name string) string {
	atom := "<Atom/>"
	if id != "" {
		atom = "<Atom><AtomID>" + id + "</AtomID></Atom>"
	}
	return `<LogicalPartition xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata>` + atom + `</Metadata>` +
		`<PartitionMemoryConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata><DesiredMemory>1024</DesiredMemory>` +
		`<MaximumMemory>2048</MaximumMemory><MinimumMemory>512</MinimumMemory></PartitionMemoryConfiguration>` +
		`<PartitionName>` + uom.EscapeString(name) + `</PartitionName><PartitionType>AIX/Linux</PartitionType></LogicalPartition>`
}

// TestPartitionNamesAsPowerVM: partition names take PowerVM's characters
// (printable ASCII but ()<>*$&?|[]'"`\) and nothing else: control and
// invisible characters, bidirectional overrides and letters outside ASCII
// are refused, on create and on rename, and for the system and switches.
func TestPartitionNamesAsPowerVM(t *testing.T) {
	h := newStorageHarness(t)
	create := "/rest/api/uom/ManagedSystem/" + h.sys + "/LogicalPartition"
	ct := uom.MediaType(uom.ServiceUOM, "LogicalPartition")
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"vm-1_a.b:c;d=e+f{g}h~i!j#k%l/m,n^o@p q", true},
		{strings.Repeat("x", 47), true},
		{"next\u0085line", false},
		{"evil\u202Eexe.txt", false},
		{"zero\u200Bwidth", false},
		{"tab\there", false},
		{"caf\u00e9", false},
		{"del\u007f", false},
		{"paren(1)", false},
		{strings.Repeat("x", 48), false},
	} {
		resp, data := h.send(http.MethodPut, create, ct, namedLPAR("", c.name))
		if c.ok != (resp.StatusCode == http.StatusOK) {
			t.Errorf("create %q: %s\n%.400s", c.name, resp.Status, data)
			continue
		}
		if !c.ok && !strings.Contains(string(data), "PVME01050102-0002") {
			t.Errorf("create %q: not the partition name message:\n%.400s", c.name, data)
		}
	}
	// Renames.
	path := "/rest/api/uom/LogicalPartition/" + h.lpar
	e := h.entry(path)
	body := e.Content.Clone()
	body.Find("PartitionName").Text = "bad\u202Ename"
	if resp, data := h.send(http.MethodPost, path, ct, string(body.Bytes()), "If-Match", e.Etag); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("rename to a name with U+202E: %s\n%.400s", resp.Status, data)
	}
	ms := "/rest/api/uom/ManagedSystem/" + h.sys
	e = h.entry(ms)
	body = e.Content.Clone()
	body.Find("SystemName").Text = "sys\u200B"
	if resp, _ := h.send(http.MethodPost, ms, uom.MediaType(uom.ServiceUOM, "ManagedSystem"), string(body.Bytes()), "If-Match", e.Etag); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("system rename to a name with U+200B: %s", resp.Status)
	}
	sw := `<VirtualSwitch xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><SwitchName>vs\u0085w</SwitchName></VirtualSwitch>`
	if resp, _ := h.send(http.MethodPut, ms+"/VirtualSwitch", uom.MediaType(uom.ServiceUOM, "VirtualSwitch"), sw); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("switch named with U+0085: %s", resp.Status)
	}
}

// TestUUIDsUniqueAcrossKinds: a partition created with the UUID of
// another object (the managed system, a switch, a tier, a virtual
// network, the management console) is refused; nothing is created.
func TestUUIDsUniqueAcrossKinds(t *testing.T) {
	h := newStorageHarness(t)
	ms := "/rest/api/uom/ManagedSystem/" + h.sys
	create := ms + "/LogicalPartition"
	taken := map[string]string{"the managed system": h.sys, "the tier": h.tier}
	for name, feed := range map[string]string{"a switch": ms + "/VirtualSwitch", "a virtual network": ms + "/VirtualNetwork",
		"the management console": "/rest/api/uom/ManagementConsole"} {
		if es := h.feed(feed); len(es) > 0 {
			taken[name] = es[0].ID
		}
	}
	if len(taken) < 5 {
		t.Fatalf("objects to collide with: %v", taken)
	}
	before := len(h.feed("/rest/api/uom/LogicalPartition"))
	for what, id := range taken {
		resp, data := h.send(http.MethodPut, create, uom.MediaType(uom.ServiceUOM, "LogicalPartition"), namedLPAR(strings.ToUpper(id), "collide"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), "is already that of") {
			t.Errorf("a partition with the UUID of %s: %s\n%.500s", what, resp.Status, data)
		}
	}
	if after := len(h.feed("/rest/api/uom/LogicalPartition")); after != before {
		t.Errorf("%d partitions after the refused creates, %d before", after, before)
	}
}
