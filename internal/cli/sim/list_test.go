package sim_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/clitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The simulator's answers the list verbs read (as pvmd sends them).
const (
	faultsJSON = `{"rules":[{"id":"f1","job":"PowerOn","target":"name=lpar10","jobStatus":"COMPLETED_WITH_ERROR","message":"HSCL13A4 The partition could not be activated.","count":1,"matched":1,"fired":1,"done":true},` +
		`{"id":"f2","route":"*/VirtualIOServer*","method":"GET","delay":"2s","jitter":"50ms","probability":0.5,"ttl":"1m","matched":3,"fired":1},` +
		`{"id":"f3","route":"/rest/api/uom/ManagedSystem","drop":true,"skip":2,"persist":true}]}`
	snapshotsJSON = `{"snapshots":[{"name":"before","created":"2026-06-01T12:00:00Z","revision":42,"partitions":6,"objects":120,"bytes":65536},` +
		`{"name":"after-a-long-name-of-a-snapshot","created":"2026-06-01T13:30:05Z","revision":57,"partitions":7,"objects":131,"bytes":70001}]}`
	loadsJSON = `{"loads":[{"partition":"B","name":"lpar11","cpu":0.25,"netRx":1200,"netTx":5e6,"diskRead":0,"diskWrite":3.5e9,"mem":40},` +
		`{"partition":"A","name":"lpar10","idle":true,"cpu":0.05,"mem":12.5}]}`
	sanJSON = `{"fabrics":[{"name":"fabricA","zones":[{"name":"z1","members":["10000090fad44a6b","500507680b000001"]}]}],` +
		`"arrays":[{"name":"storwize1","vendor":"IBM","product":"2145","ports":[{"wwpn":"500507680b000001","fabric":"fabricA"}],` +
		`"hosts":[{"name":"vios1","wwpns":["10000090fad44a6b"],"vios":"vios1"},{"name":"h2","wwpns":["c0507600aaaa0000"],"partition":"lpar10"}]}],` +
		`"luns":[{"name":"vol1","sizeMB":20480,"naa":"60050768019181C94800000000000F7E","udid":"U1","shared":false,"array":"storwize1","hosts":[{"host":"vios1","lun":12}],"disks":[{"vios":"vios1","disk":"hdisk7"}]},` +
		`{"name":"shared1","sizeMB":512,"naa":"60050768019181C94800000000000F7F","udid":"U2","shared":true,"array":"storwize1","hosts":[{"host":"h2","lun":3}]}],` +
		`"iscsiTargets":[{"iqn":"iqn.2010-10.org.openstack:volume-9","portals":["192.0.2.9:3260"],"chapUser":"cinder","chap":true,"initiators":[],"luns":[{"name":"tvol","sizeMB":5120,"naa":"60050768019181C94800000000000F80","udid":"U3","shared":false,"target":"iqn.2010-10.org.openstack:volume-9","targetLUN":1}]}],` +
		`"rbd":[{"pool":"volumes","name":"volume-9","sizeMB":8192}],` +
		`"cabling":[{"vios":"vios1","port":"fcs0","wwpn":"10000090fad44a6b","fabric":"fabricA"}]}`
)

// TestListVerbs: each list verb of pvmctl sim prints the simulator's
// answer as a table and as JSON (--json, and -o json where it has it),
// compared with golden files (go test -update rewrites them).
func TestListVerbs(t *testing.T) {
	s := clitest.New(t)
	s.JSON("GET", `^/rest/api/sim/Fault$`, faultsJSON)
	s.JSON("GET", `^/rest/api/sim/Snapshot$`, snapshotsJSON)
	s.JSON("GET", `^/rest/api/sim/Load$`, loadsJSON)
	s.JSON("GET", `^/rest/api/sim/san$`, sanJSON)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"fault_list", []string{"sim", "fault", "list"}},
		{"fault_list_json", []string{"sim", "fault", "list", "--json"}},
		{"fault_list_json", []string{"sim", "fault", "list", "-o", "json"}},
		{"snapshot_list", []string{"sim", "snapshot", "list"}},
		{"snapshot_list_json", []string{"sim", "snapshot", "list", "--json"}},
		{"snapshot_list_json", []string{"sim", "snapshot", "list", "-o", "json"}},
		{"load_list", []string{"sim", "list"}},
		{"load_list_json", []string{"sim", "list", "--json"}},
		{"load_list_json", []string{"sim", "list", "-o", "json"}},
		{"san_list", []string{"sim", "san", "list"}},
		{"san_list", []string{"sim", "san"}},
		{"san_list_json", []string{"sim", "san", "list", "--json"}},
		{"san_lun_list", []string{"sim", "san", "lun", "list"}},
		{"san_lun_list_json", []string{"sim", "san", "lun", "list", "--json"}},
	} {
		out := s.Expect(0, "", c.args...)
		path := filepath.Join("testdata", c.golden+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if out != string(want) {
			t.Errorf("pvmctl %v:\n%s\nwant (%s):\n%s", c.args, out, path, want)
		}
	}
}
