package nbr_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

const bridgePath = "/rest/api/uom/ManagedSystem/c5d782c7-44e4-3086-ad15-b16fb039d63b/NetworkBridge/b6a027a8-5c0b-3ac0-8547-b516f5ba6151"

func failover(s *clitest.Server) {
	s.BridgeCaptures()
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/NetworkBridge$`, "nbbr_network_bridge_failover.txt")
}

// trunks returns each SEA's trunks of a posted bridge as "pvid:tagged".
func trunks(t *testing.T, el *uom.Element) [][]string {
	t.Helper()
	var out [][]string
	for _, s := range network.SEAs(el) {
		var ts []string
		for _, tr := range s.FindAll("TrunkAdapters/TrunkAdapter") {
			p, _ := tr.FindText("PortVLANID")
			v, _ := tr.FindText("TaggedVLANIDs")
			ts = append(ts, p+":"+v)
		}
		out = append(out, ts)
	}
	return out
}

func lastPost(t *testing.T, s *clitest.Server) *clitest.Request {
	t.Helper()
	w := s.Writes()
	if len(w) == 0 {
		t.Fatal("nothing was written")
	}
	r := w[len(w)-1]
	if r.Method != "POST" || r.Path != bridgePath || r.IfMatch == "" {
		t.Fatalf("bridge update: %s %s etag %q", r.Method, r.Path, r.IfMatch)
	}
	return r
}

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	out := s.Expect(0, "", "nbr", "list")
	want := "Network Bridges\n" +
		"| PVID | VSwitch   | VIOSes               | Failover | Load Bal | Tagged VLANs |\n" +
		"| 2227 | ETHERNET0 | IOServer - SN2125D4A | False    | False    | 1000         |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "bridge", "list", "-d", "uuid", "seas", "trunks", "vswitch_id", "-i", "pvid=2227")
	if out != "uuid=b6a027a8-5c0b-3ac0-8547-b516f5ba6151,seas=IOServer - SN2125D4A:ent5,trunks=2,vswitch_id=0\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitNotFound, "No NetworkBridge matches pvid=1", "nbr", "list", "-i", "pvid=1")
}

func TestAddToTheEmptiestTrunk(t *testing.T) {
	s := clitest.New(t)
	failover(s)
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "--add-vlans", "2000")
	r := lastPost(t, s)
	if r.IfMatch != "-43845602" {
		t.Fatalf("etag %q", r.IfMatch)
	}
	el := r.Element(t)
	// The primary trunk (no tagged VLAN yet) takes it, on both SEAs.
	if got := trunks(t, el); !reflect.DeepEqual(got, [][]string{{"2227:2000", "4094:1000"}, {"2227:2000", "4094:1000"}}) {
		t.Fatalf("trunks %v", got)
	}
	prim := network.SEAs(el)[0].Find("TrunkAdapters/TrunkAdapter")
	if got := clitest.Children(prim); !reflect.DeepEqual(got[len(got)-6:], []string{"QualityOfServicePriorityEnabled", "TaggedVLANIDs", "TaggedVLANSupported", "VirtualSwitchID", "DeviceName", "TrunkPriority"}) {
		t.Fatalf("TaggedVLANIDs out of schema order: %v", got)
	}
	if v, _ := prim.FindText("TaggedVLANSupported"); v != "true" {
		t.Fatalf("TaggedVLANSupported %q", v)
	}
	// Already bridged (tagged, or the PVID): nothing to send.
	n := len(s.Writes())
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "--add-vlans", "1000,2227")
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "--remove-vlans", "5")
	if len(s.Writes()) != n {
		t.Fatal("a no-op update was sent")
	}
}

func TestRemoveDropsAnEmptyTrunk(t *testing.T) {
	s := clitest.New(t)
	failover(s)
	s.Expect(0, "", "nbr", "update", "-i", "uuid=b6a027a8-5c0b-3ac0-8547-b516f5ba6151", "--remove-vlans", "1000")
	el := lastPost(t, s).Element(t)
	if got := trunks(t, el); !reflect.DeepEqual(got, [][]string{{"2227:"}, {"2227:"}}) {
		t.Fatalf("trunks %v", got)
	}
	s.Expect(app.ExitRefused, "[PVME01040130-0060] VLAN 2227 is the port VLAN ID of the network bridge; it cannot be removed.",
		"nbr", "update", "-i", "pvid=2227", "--remove-vlans", "2227")
}

func TestNewTrunkWhenFull(t *testing.T) {
	s := clitest.New(t)
	failover(s)
	var vs []string
	for v := 1; v <= 40; v++ {
		vs = append(vs, strconv.Itoa(v))
	}
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "--add-vlans", strings.Join(vs, ","))
	el := lastPost(t, s).Element(t)
	got := trunks(t, el)
	if len(got) != 2 || len(got[0]) != 3 || !reflect.DeepEqual(got[0], got[1]) {
		t.Fatalf("trunks %v", got)
	}
	for i, tr := range got[0][:2] {
		_, tagged, _ := strings.Cut(tr, ":")
		if n := len(strings.Fields(tagged)); n != 20 {
			t.Fatalf("trunk %d carries %d VLANs: %s", i, n, tr)
		}
	}
	// 4094 is the other trunk's PVID and 4093 a network of the switch: the
	// placeholder is 4092.
	if got[0][2] != "4092:40" {
		t.Fatalf("new trunk %s", got[0][2])
	}
	nt := network.SEAs(el)[1].FindAll("TrunkAdapters/TrunkAdapter")[2]
	if c := clitest.Children(nt); !reflect.DeepEqual(c, []string{"UseNextAvailableHighSlotID", "PortVLANID", "TaggedVLANIDs", "TaggedVLANSupported", "AssociatedVirtualSwitch", "TrunkPriority"}) {
		t.Fatalf("new trunk elements %v", c)
	}
	if h := nt.Find("AssociatedVirtualSwitch/link").Attr("href"); !strings.HasSuffix(h, "/rest/api/uom/ManagedSystem/c5d782c7-44e4-3086-ad15-b16fb039d63b/VirtualSwitch/e1a852cb-2be5-3a51-9147-43761bc3d720") {
		t.Fatalf("switch link %q", h)
	}
	if p, _ := nt.FindText("TrunkPriority"); p != "1" {
		t.Fatalf("priority %q", p)
	}
}

func TestWantedPlaceholderMoves(t *testing.T) {
	s := clitest.New(t)
	failover(s)
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "--add-vlans", "4094")
	el := lastPost(t, s).Element(t)
	if got := trunks(t, el); !reflect.DeepEqual(got, [][]string{{"2227:4094", "4092:1000"}, {"2227:4094", "4092:1000"}}) {
		t.Fatalf("trunks %v", got)
	}
}

func TestSetFields(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	s.Expect(0, "", "nbr", "update", "-i", "pvid=2227", "-s", "load_balance=true")
	if v, _ := lastPost(t, s).Element(t).FindText("LoadBalancingEnabled"); v != "true" {
		t.Fatalf("LoadBalancingEnabled %q", v)
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"nbr", "update", "-i", "pvid=2227"}, app.ExitUsage, "Nothing to change"},
		{[]string{"nbr", "update", "--add-vlans", "10"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"nbr", "update", "-i", "pvid=2227", "--add-vlans", "ten"}, app.ExitUsage, `The value "ten" of --add-vlans is not valid`},
		{[]string{"nbr", "update", "-i", "pvid=2227", "--remove-vlans", "4095"}, app.ExitUsage, "The VLAN ID 4095 of --remove-vlans is not valid"},
		{[]string{"nbr", "update", "-i", "pvid=2227", "--add-vlans", "10", "--remove-vlans", "10"}, app.ExitUsage, "VLAN 10 is both in --add-vlans and --remove-vlans"},
		{[]string{"nbr", "update", "-i", "pvid=9", "--add-vlans", "10"}, app.ExitNotFound, "No NetworkBridge matches pvid=9."},
		{[]string{"nbr", "update", "-i", "name=x", "--add-vlans", "10"}, app.ExitUsage, "The key name of --object-id is not valid for NetworkBridge"},
		{[]string{"nbr", "update", "-i", "pvid=2227", "-s", "failover=true"}, app.ExitUsage, "The field NetworkBridge.failover cannot be set."},
		{[]string{"nbr", "create"}, app.ExitFailed, "NetworkBridge create is not supported yet"},
		{[]string{"nbr", "delete", "-i", "pvid=2227"}, app.ExitFailed, "NetworkBridge delete is not supported yet"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	s.Fail("POST", `/NetworkBridge/`, 412, "[PVME01050005-0012] The object NetworkBridge b6a027a8 changed since it was read (etag mismatch).")
	s.Expect(app.ExitRefused, "[PVME01050005-0012]", "nbr", "update", "-i", "pvid=2227", "--add-vlans", "10")
}
