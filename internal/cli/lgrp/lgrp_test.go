package lgrp_test

import (
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	out := s.Expect(0, "", "lgrp", "list")
	want := "Load Groups\n" +
		"| PVID | Bridge | VSwitch   | Trunks                    | VLANs |\n" +
		"| 2227 | 2227   | ETHERNET0 | IOServer - SN2125D4A:ent4 |       |\n" +
		"| 4094 | 2227   | ETHERNET0 | IOServer - SN2125D4A:ent6 | 1000  |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	s.Feed(`^/rest/api/uom/ManagedSystem/[^/]+/NetworkBridge$`, "nbbr_network_bridge_failover.txt")
	out = s.Expect(0, "", "lgrp", "list", "-i", "pvid=4094", "-d", "trunks", "vlans", "bridge_uuid")
	if out != "trunks=IOServer - SN2125D4A:ent6,IOServer - SN2125D4A:ent6,vlans=1000,bridge_uuid=b6a027a8-5c0b-3ac0-8547-b516f5ba6151\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitFailed, "LoadGroup create is not supported yet", "lgrp", "create")
}
