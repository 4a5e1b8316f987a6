package sea_test

import (
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/NetworkBridge$`, "nbbr_network_bridge_failover.txt")
	out := s.Expect(0, "", "sea", "list")
	// The second SEA's VIOS is not in the VIOS feed: no name.
	want := "Shared Ethernet Adapters\n" +
		"| VIOS     | Name | PVID | VSwitch  | Primary | HA Mode  | Backing | Trunks    |\n" +
		"| IOServe> | ent5 | 2227 | ETHERNE> | True    | disabled | ent0    | ent4,ent6 |\n" +
		"|          | ent5 | 2227 | ETHERNE> | True    | disabled | ent0    | ent4,ent6 |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "sea", "list", "-i", "vios=IOServer - SN2125D4A", "-d", "name", "vswitch", "vlans", "backing_loc", "vios_uuid", "bridge_uuid", "ip")
	if out != "name=ent5,vswitch=ETHERNET0,vlans=1000,backing_loc=U78CB.001.WZS007Y-P1-C10-T1,vios_uuid=3443DB77-AED1-47ED-9AA5-3DB9C6CF7089,bridge_uuid=b6a027a8-5c0b-3ac0-8547-b516f5ba6151,ip=9.1.2.4\n" {
		t.Fatalf("-d: %q", out)
	}
	out = s.Expect(0, "", "sea", "list", "-d", "vios_uuid", "--hide-label", "-w", "vios=")
	if out != "3443DB77-AED1-47ED-9AA5-3DB9C6CF708A\n" {
		t.Fatalf("-w vios=: %q", out)
	}
	s.Expect(app.ExitFailed, "SharedEthernetAdapter update is not supported yet", "sea", "update")
	s.Expect(app.ExitNotFound, "No SharedEthernetAdapter matches", "sea", "list", "-i", "name=ent9")
}
