package rest_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// TestSimSAN: the SAN control makes volumes, maps them to hosts, shows
// what a VIOS port sees (and, after cfgdev, the disk the VIOS made of
// it); bad input (duplicate WWPNs, LUN numbers, IQNs, names; unknown
// hosts; bad JSON) is refused with an HttpErrorResponse and changes
// nothing; a volume a VIOS has as a disk is not deleted.
func TestSimSAN(t *testing.T) {
	h := newHarness(t)
	var vios1 string
	h.c.Read(func(st *model.State) { vios1 = st.PartitionByName("vios1").UUID })
	post := func(path, body string) (int, []byte) {
		resp, data := h.doH("POST", "/rest/api/sim/san"+path, "application/json", body)
		return resp.StatusCode, data
	}
	var whole struct {
		Fabrics []struct{ Name string }
		Arrays  []struct {
			Name  string
			Ports []struct{ WWPN, Fabric string }
			Hosts []struct {
				Name  string
				WWPNs []string
			}
		}
		Cabling []struct{ VIOS, Port, WWPN, Fabric string }
	}
	resp, data := h.doH("GET", "/rest/api/sim/san", "", "")
	if resp.StatusCode != 200 || json.Unmarshal(data, &whole) != nil || len(whole.Fabrics) != 2 || len(whole.Arrays) != 1 {
		t.Fatalf("GET san: %s\n%s", resp.Status, data)
	}
	var fcs0 string
	for _, c := range whole.Cabling {
		if c.VIOS == "vios1" && c.Port == "fcs0" {
			fcs0 = c.WWPN
			if c.Fabric != "fabricA" {
				t.Errorf("vios1 fcs0 cabled to %q", c.Fabric)
			}
		}
	}
	target := whole.Arrays[0].Ports[0].WWPN
	if st, data := post("/LUN", `{"name":"cinder-1","sizeMB":20480,"array":"storwize1","hosts":[{"host":"vios1","lun":12}]}`); st != 201 ||
		!strings.Contains(string(data), `"disks": []`) {
		t.Fatalf("POST LUN: %d\n%s", st, data)
	}
	// What vios1's fcs0 sees: the new volume at LUN 12 through the
	// array's port on its fabric.
	resp, data = h.doH("GET", "/rest/api/sim/san/Initiator/"+strings.ToUpper(fcs0), "", "")
	var seen struct {
		Fabric   string
		LoggedIn bool
		Paths    []struct {
			Volume, Target string
			LUN            int
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(data, &seen) != nil || !seen.LoggedIn || seen.Fabric != "fabricA" {
		t.Fatalf("GET Initiator: %s\n%s", resp.Status, data)
	}
	found := false
	for _, p := range seen.Paths {
		found = found || p.Volume == "cinder-1" && p.LUN == 12 && p.Target == target
	}
	if !found {
		t.Fatalf("fcs0 does not see cinder-1 at LUN 12 through %s: %s", target, data)
	}
	// The VIOS learns it only by discovery.
	if r, err := h.c.RunIOSCLI(core.Actor{User: "padmin", Role: core.RoleAdmin}, vios1, "cfgdev", false); err != nil || r.Code != 0 {
		t.Fatalf("cfgdev: %v %+v", err, r)
	}
	resp, data = h.doH("GET", "/rest/api/sim/san/LUN/cinder-1", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"disk": "hdisk7"`) {
		t.Fatalf("GET LUN after cfgdev: %s\n%s", resp.Status, data)
	}

	snapshot := func() string {
		_, d := h.doH("GET", "/rest/api/sim/san", "", "")
		return string(d)
	}
	before := snapshot()
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		msg                             string
	}{
		{"a target WWPN of a VIOS port", "POST", "/Array", "application/json",
			`{"name":"a2","ports":[{"wwpn":"` + fcs0 + `","fabric":"fabricA"}]}`, 400, "must be unique across the SAN"},
		{"a target WWPN of another array", "POST", "/Array", "application/json",
			`{"name":"a2","ports":[{"wwpn":"` + target + `","fabric":"fabricA"}]}`, 400, "must be unique across the SAN"},
		{"a port on no fabric", "POST", "/Array", "application/json",
			`{"name":"a2","ports":[{"wwpn":"5005076801999999","fabric":"fabricZ"}]}`, 404, "fabricZ"},
		{"a duplicate LUN number", "POST", "/LUN", "application/json",
			`{"name":"cinder-2","sizeMB":1024,"array":"storwize1","hosts":[{"host":"vios1","lun":12}]}`, 400, "already has LUN 12"},
		{"a duplicate volume name", "POST", "/LUN", "application/json",
			`{"name":"cinder-1","sizeMB":1024,"array":"storwize1"}`, 400, "already in use"},
		{"an unknown host", "POST", "/LUN/cinder-1/Map", "application/json", `{"host":"nobody","lun":3}`, 404, "nobody"},
		{"a zero size", "POST", "/LUN", "application/json", `{"name":"z","sizeMB":0,"array":"storwize1"}`, 400, "greater than 0"},
		{"a shrink", "PUT", "/LUN/cinder-1", "application/json", `{"sizeMB":1}`, 400, "cannot shrink"},
		{"a volume a VIOS has", "DELETE", "/LUN/cinder-1", "", "", 409, "rmdev"},
		{"a bad IQN", "POST", "/ISCSITarget", "application/json", `{"iqn":"target-1","portals":["10.0.0.1"]}`, 400, "not valid"},
		{"a short CHAP secret", "POST", "/ISCSITarget", "application/json",
			`{"iqn":"iqn.2026-01.com.example:t","portals":["10.0.0.1"],"chapUser":"u","chapSecret":"short"}`, 400, "12 to 16"},
		{"bad JSON", "POST", "/LUN", "application/json", `{"name":`, 400, "not valid JSON"},
		{"an unknown field", "POST", "/RBD", "application/json", `{"pool":"p","name":"i","sizeMB":1,"color":"red"}`, 400, "color"},
		{"a content type", "POST", "/RBD", "text/xml", `{"pool":"p","name":"i","sizeMB":1}`, 415, "application/json"},
		{"a bad WWPN", "GET", "/Initiator/xyz", "", "", 400, "16 hex digits"},
		{"an unknown initiator", "GET", "/Initiator/c050760000000000", "", "", 404, "no VIOS port"},
		{"an unknown volume", "GET", "/LUN/nothing", "", "", 404, "nothing"},
	}
	for _, c := range cases {
		resp, data := h.doH(c.method, "/rest/api/sim/san"+c.path, c.ctype, c.body)
		st, msg := errorOf(t, data)
		if resp.StatusCode != c.status || st != strconv.Itoa(c.status) || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %s %q, want %d and %q", c.name, resp.Status, msg, c.status, c.msg)
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("refused requests changed the SAN:\n%s\n%s", before, after)
	}
	// An iSCSI target with a LUN, a second with the same IQN refused; an
	// RBD image made and deleted; zoning set and opened again.
	if st, data := post("/ISCSITarget", `{"iqn":"iqn.2026-01.com.example:t1","portals":["10.0.0.1:3260"],"luns":[{"name":"iv1","sizeMB":512,"targetLUN":0}]}`); st != 201 {
		t.Fatalf("POST ISCSITarget: %d %s", st, data)
	}
	if st, data := post("/ISCSITarget", `{"iqn":"iqn.2026-01.com.example:t1","portals":["10.0.0.2"]}`); st != 400 || !strings.Contains(string(data), "unique") {
		t.Errorf("a duplicate IQN: %d %s", st, data)
	}
	if st, data := post("/RBD", `{"pool":"volumes","name":"v1","sizeMB":1024}`); st != 201 {
		t.Fatalf("POST RBD: %d %s", st, data)
	}
	if resp, data := h.doH("DELETE", "/rest/api/sim/san/RBD/volumes/v1", "", ""); resp.StatusCode != 204 {
		t.Errorf("DELETE RBD: %s %s", resp.Status, data)
	}
	zones := `{"zones":[{"name":"z1","members":["` + fcs0 + `","` + whole.Arrays[0].Ports[2].WWPN + `"]}]}`
	if resp, data := h.doH("PUT", "/rest/api/sim/san/Fabric/fabricA/Zones", "application/json", zones); resp.StatusCode != 200 {
		t.Fatalf("PUT zones: %s %s", resp.Status, data)
	}
	_, data = h.doH("GET", "/rest/api/sim/san/Initiator/"+fcs0, "", "")
	if strings.Contains(string(data), target) {
		t.Errorf("zoned away from %s, fcs0 still sees it: %s", target, data)
	}
	// The viewer may not use the control.
	if _, _, err := h.c.EnsureUser("viewer", core.RoleViewer, "pw2"); err != nil {
		t.Fatal(err)
	}
	admin := h.token
	h.token = h.logonAs("viewer", "pw2")
	if resp, _ := h.doH("POST", "/rest/api/sim/san/RBD", "application/json", `{"pool":"p","name":"x","sizeMB":1}`); resp.StatusCode != 403 {
		t.Errorf("a viewer's POST: %s, want 403", resp.Status)
	}
	h.token = admin
}
