package vnet_test

import (
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	out := s.Expect(0, "", "vnet", "list", "-w", "vlan!=1001")
	want := "Virtual Networks\n" +
		"| Name               | VLAN | VSwitch   | Tagged |\n" +
		"| ETHERNET0-1234     | 1234 | ETHERNET0 | True   |\n" +
		"| VLAN2227-ETHERNET0 | 2227 | ETHERNET0 | False  |\n" +
		"| ETHERNET0-1        | 1    | ETHERNET0 | False  |\n" +
		"| ETHERNET0-2        | 2    | ETHERNET0 | True   |\n" +
		"| ETHERNET0-1000     | 1000 | ETHERNET0 | True   |\n" +
		"| VLAN4093-ETHERNET0 | 4093 | ETHERNET0 | False  |\n" +
		"| VLAN4094-ETHERNET0 | 4094 | ETHERNET0 | False  |\n" +
		"| VLAN2828-ETHERNET0 | 2828 | ETHERNET0 | False  |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "net", "list", "-i", "vlan=1001", "-w", "tagged=true", "-d", "name", "vswitch_id", "uuid")
	if out != "name=ETHERNET0-1001,vswitch_id=0,uuid=4cb636f5-7d15-3cf9-a14d-a10c138c98a1\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitUsage, `The value "yes" of VirtualNetwork.tagged is not valid: it must be true or false.`, "vnet", "list", "-w", "tagged=yes")
	s.Expect(app.ExitUsage, "The verb create is not valid for VirtualNetwork", "vnet", "create")
}
