package vea_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

const vios1 = "name=nimbus-ch03-p2-vios1"

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	out := s.Expect(0, "", "vea", "list", "-p", vios1)
	want := "Virtual Ethernet Adapters\n" +
		"| PVID | VSwitch    | LPAR | MAC          | Slot | Trunk | Tagged VLANs |\n" +
		"| 1    | ETHERNET0  | 2    | 5E372CFD9E6D | 3    | True  | 2227         |\n" +
		"| 4094 | ETHERNET0  | 2    | 2A2E57A4DE9C | 4    | True  | 2207,2210    |\n" +
		"| 4094 | MGMTSWITCH | 2    | 3AEAC528A7E3 | 6    | False |              |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	// One feed for the partition (with the partitions and switches read
	// once), not one per partition.
	if n := s.Reads("GET /rest/api/uom/VirtualIOServer/1300C76F-9814-4A4D-B1F0-5B69352A7DEA/ClientNetworkAdapter"); n != 0 {
		t.Fatalf("the other VIOS's adapters were read (%d)", n)
	}

	// Every partition's adapters: the 17 partitions have none, each VIOS
	// answers with the captured three; ordered by switch, then partition
	// (logical partitions, then VIOS, as listed), then slot.
	before := s.Requests("GET")
	out = s.Expect(0, "", "eth", "list", "-d", "vswitch", "slot", "--hide-label")
	if out != "ETHERNET0,3\nETHERNET0,4\nETHERNET0,3\nETHERNET0,4\nMGMTSWITCH,6\nMGMTSWITCH,6\n" {
		t.Fatalf("all adapters: %q", out)
	}
	// The system, the two partition feeds, the switches, and one adapter
	// feed per partition (17 + 2).
	if n := s.Requests("GET") - before; n != 1+2+1+19 {
		t.Fatalf("vea list made %d GET requests", n)
	}
	// Requests sent together share one logon (one per run here: no
	// session cache).
	if n := s.Reads("PUT /rest/api/web/Logon"); n != 2 {
		t.Fatalf("%d logons in two runs", n)
	}

	out = s.Expect(0, "", "vea", "list", "-p", vios1, "-d", "slot", "lpar_name", "trunk", "trunk_pri", "tagged_vlans", "uuid", "-w", "trunk=true", "-f", ";")
	want = "slot=3;lpar_name=RHEL_1-0c472430-00000001;trunk=true;trunk_pri=1;tagged_vlans=2227;uuid=6c9eccf7-a803-3248-b0be-4576b277aa62\n" +
		"slot=4;lpar_name=RHEL_1-0c472430-00000001;trunk=true;trunk_pri=1;tagged_vlans=2207,2210;uuid=ec77a416-5f24-37de-b7d3-71a88e804045\n"
	if out != want {
		t.Fatalf("-d:\n%s", out)
	}
	out = s.Expect(0, "", "vea", "list", "-p", vios1, "-i", "mac=3AEAC528A7E3", "-d", "VirtualEthernetAdapter.pvid", "vswitch")
	if out != "pvid=4094,vswitch=MGMTSWITCH\n" {
		t.Fatalf("-i mac: %q", out)
	}

	// A partition gone between the two reads is skipped, unless named.
	s.Fail("GET", `^/rest/api/uom/VirtualIOServer/1300C76F-9814-4A4D-B1F0-5B69352A7DEA/ClientNetworkAdapter$`, 404, "The VirtualIOServer does not exist.")
	out = s.Expect(0, "", "vea", "list", "-d", "slot", "--hide-label")
	if out != "3\n4\n6\n" {
		t.Fatalf("with a partition gone: %q", out)
	}
	s.Expect(app.ExitNotFound, "does not exist", "vea", "list", "-p", "uuid=1300c76f-9814-4a4d-b1f0-5b69352a7dea")
}

func TestCreate(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	// The overview's command.
	s.Expect(0, "", "vea", "create", "--slot", "2", "--pvid", "1", "--vswitch", "ETHERNET0", "--parent-id", "name=nls2-a7444660-00000002")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "PUT" || w[0].Path != "/rest/api/uom/LogicalPartition/4AC82E78-8EFF-4BAA-87C9-6B243D0C1359/ClientNetworkAdapter" ||
		w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=ClientNetworkAdapter" {
		t.Fatalf("create: %+v", w)
	}
	el := w[0].Element(t)
	if got := clitest.Children(el); !reflect.DeepEqual(got, []string{"VirtualSlotNumber", "PortVLANID", "TaggedVLANSupported", "AssociatedVirtualSwitch"}) {
		t.Fatalf("elements %v", got)
	}
	for path, want := range map[string]string{"VirtualSlotNumber": "2", "PortVLANID": "1", "TaggedVLANSupported": "false"} {
		if v, _ := el.FindText(path); v != want {
			t.Errorf("%s = %q, want %q", path, v, want)
		}
	}
	if h := el.Find("AssociatedVirtualSwitch/link").Attr("href"); !strings.HasSuffix(h, "/rest/api/uom/ManagedSystem/95c2990a-e412-3ac8-92f4-058278b32ea2/VirtualSwitch/2affcc5d-b3d7-3e63-abbd-e739070ba1c2") {
		t.Fatalf("switch link %q", h)
	}

	// A trunk on a VIOS (by id), next free slot, tagged VLANs, a MAC.
	s.Expect(0, "", "vea", "create", "-p", "id=1", "--pvid", "100", "--vswitch", "mgmtswitch", "--tagged-vlans", "200, 300",
		"--trunk-pri", "2", "--mac", "0a:11:22:33:44:55")
	w = s.Writes()
	el = w[1].Element(t)
	if !strings.HasPrefix(w[1].Path, "/rest/api/uom/VirtualIOServer/") {
		t.Fatalf("VIOS create path %s", w[1].Path)
	}
	if got := clitest.Children(el); !reflect.DeepEqual(got, []string{"UseNextAvailableSlotID", "MACAddress", "PortVLANID", "TaggedVLANIDs", "TaggedVLANSupported", "AssociatedVirtualSwitch", "TrunkPriority"}) {
		t.Fatalf("elements %v", got)
	}
	for path, want := range map[string]string{"UseNextAvailableSlotID": "true", "MACAddress": "0A1122334455", "TaggedVLANIDs": "200 300",
		"TaggedVLANSupported": "true", "TrunkPriority": "2"} {
		if v, _ := el.FindText(path); v != want {
			t.Errorf("%s = %q, want %q", path, v, want)
		}
	}
	if h := el.Find("AssociatedVirtualSwitch/link").Attr("href"); !strings.HasSuffix(h, "/VirtualSwitch/31cd66a8-ddd5-3bf2-95fe-2301d10e0fad") {
		t.Fatalf("switch link %q", h)
	}
}

func TestUpdateDelete(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	s.Expect(0, "", "vea", "update", "-p", vios1, "-i", "slot=6", "-s", "tagged_vlans=5,6", "VirtualEthernetAdapter.pvid=7")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].IfMatch != "49815581" ||
		w[0].Path != "/rest/api/uom/VirtualIOServer/6542B241-3BB1-4CA8-8252-2654A048D528/ClientNetworkAdapter/849e6a67-0e9d-3b6e-abbf-52fd3eb3b0a9" {
		t.Fatalf("update: %+v", w)
	}
	el := w[0].Element(t)
	for path, want := range map[string]string{"TaggedVLANIDs": "5 6", "TaggedVLANSupported": "true", "PortVLANID": "7", "VirtualSlotNumber": "6"} {
		if v, _ := el.FindText(path); v != want {
			t.Errorf("%s = %q, want %q", path, v, want)
		}
	}
	// Clearing the tagged VLANs.
	s.Expect(0, "", "vea", "update", "-p", vios1, "-i", "slot=4", "-s", "tagged_vlans=")
	w = s.Writes()
	if v, ok := w[1].Element(t).FindText("TaggedVLANIDs"); !ok || v != "" {
		t.Fatalf("cleared tagged VLANs: %q %v", v, ok)
	}
	// By MAC, anywhere (with separators).
	s.Expect(0, "", "vea", "update", "-i", "mac=5e:37:2c:fd:9e:6d", "-p", vios1, "-s", "trunk_pri=2")
	w = s.Writes()
	if !strings.HasSuffix(w[2].Path, "/6c9eccf7-a803-3248-b0be-4576b277aa62") {
		t.Fatalf("update by mac: %s", w[2].Path)
	}

	s.Expect(0, "", "vea", "delete", "-p", vios1, "-i", "slot=3")
	w = s.Writes()
	if d := w[3]; d.Method != "DELETE" || d.IfMatch != "-229464051" || !strings.HasSuffix(d.Path, "/ClientNetworkAdapter/6c9eccf7-a803-3248-b0be-4576b277aa62") {
		t.Fatalf("delete: %+v", d)
	}
	s.Expect(0, "", "vea", "delete", "-p", vios1, "uuid=849E6A67-0E9D-3B6E-ABBF-52FD3EB3B0A9")
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	create := func(extra ...string) []string {
		return append([]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=nls2-a7444660-00000002"}, extra...)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0"}, app.ExitUsage, "[PVME01040123-0051] The parameter --parent-id is required"},
		{[]string{"vea", "create", "--vswitch", "ETHERNET0", "-p", "id=1"}, app.ExitUsage, "--pvid is required"},
		{[]string{"vea", "create", "--pvid", "1", "-p", "id=1"}, app.ExitUsage, "--vswitch is required"},
		{create("--slot", "two"), app.ExitUsage, `The value "two" of --slot is not valid: it must be an integer.`},
		{create("--pvid", "5000"), app.ExitUsage, "The VLAN ID 5000 of --pvid is not valid"},
		{create("--tagged-vlans", "10,x"), app.ExitUsage, `The value "10,x" of --tagged-vlans is not valid: give VLAN IDs (1-4094) separated by commas`},
		{create("--tagged-vlans", "10,0"), app.ExitUsage, "The VLAN ID 0 of --tagged-vlans is not valid"},
		{create("--tagged-vlans", "10,10"), app.ExitUsage, "The VLAN ID 10 is listed twice"},
		{create("--tagged-vlans", "1"), app.ExitUsage, "The port VLAN ID 1 cannot also be a tagged VLAN"},
		{create("--mac", "xyz"), app.ExitUsage, `The value "xyz" of --mac is not valid`},
		{create("extra"), app.ExitUsage, `Unexpected argument "extra"`},
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "NOPE", "-p", "id=1"}, app.ExitNotFound, "No VirtualSwitch matches name=NOPE. Virtual switches: ETHERNET0, MGMTSWITCH."},
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=nobody"}, app.ExitNotFound, "No partition matches name=nobody."},
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "vm1"}, app.ExitUsage, `The value "vm1" of --parent-id is not valid: use KEY=VALUE`},
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "id=one"}, app.ExitUsage, "a partition id is an integer"},
		{[]string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "colour=red"}, app.ExitUsage, "The key colour of --parent-id is not valid"},
		{[]string{"vea", "list", "-p", "name=nobody"}, app.ExitNotFound, "No partition matches name=nobody."},
		{[]string{"vea", "list", "-i", "name=x"}, app.ExitUsage, "The key name of --object-id is not valid for VirtualEthernetAdapter"},
		{[]string{"vea", "update", "-i", "slot=3", "-s", "pvid=2"}, app.ExitUsage, "An adapter named by slot= needs its partition"},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=three", "-s", "pvid=2"}, app.ExitUsage, `The value "three" of VirtualEthernetAdapter.slot is not valid: it must be an integer.`},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=9", "-s", "pvid=2"}, app.ExitNotFound, "No VirtualEthernetAdapter matches slot=9."},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=3", "-s", "tagged_vlans=a,b"}, app.ExitUsage, "of VirtualEthernetAdapter.tagged_vlans is not valid"},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=3", "-s", "mac=0A0000000001"}, app.ExitUsage, "The field VirtualEthernetAdapter.mac cannot be set."},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=3", "-s", "slot=9"}, app.ExitUsage, "cannot be set"},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=3"}, app.ExitUsage, "Nothing to change"},
		{[]string{"vea", "update", "-p", vios1, "-i", "slot=3", "-s", "pvid=x"}, app.ExitUsage, "it must be an integer"},
		{[]string{"vea", "delete", "-p", vios1}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"vea", "delete", "-i", "slot=3"}, app.ExitUsage, "needs its partition"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	s.Fail("PUT", `/ClientNetworkAdapter$`, 400, "[PVME01050313-0070] The virtual slot 900 is not valid for partition vm1: slots go from 2 to 63.")
	s.Expect(app.ExitRefused, "[PVME01050313-0070] The virtual slot 900 is not valid", "vea", "create", "--slot", "900", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "id=1")
}

func TestHelpNamesTheFields(t *testing.T) {
	out, _, code := clitest.Run(map[string]string{"PVMCTL_LOG": "off"}, "vea", "list", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"VirtualEthernetAdapter.pvid", "VirtualEthernetAdapter.tagged_vlans", "ClientNetworkAdapter", "--parent-id", "slot="} {
		if !strings.Contains(out, want) {
			t.Errorf("vea list --help does not mention %s", want)
		}
	}
}
