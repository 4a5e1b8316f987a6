package vswitch_test

import (
	"reflect"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	s.BridgeCaptures()
	out := s.Expect(0, "", "vswitch", "list")
	// The HMC's "ETHERNET0(Default)" shows as ETHERNET0; the VNets are the
	// switch's networks by VLAN, cut to fit 80 columns.
	want := "Virtual Switches\n" +
		"| Name      | ID | Mode | VNets                                                |\n" +
		"| ETHERNET0 | 0  | Veb  | ETHERNET0-1,ETHERNET0-2,ETHERNET0-1000,ETHERNET0-10> |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "vsw", "list", "-d", "name", "vnets", "-w", "mode=Veb")
	if out != "name=ETHERNET0,vnets=ETHERNET0-1,ETHERNET0-2,ETHERNET0-1000,ETHERNET0-1001,VLAN1001-ETHERNET0,ETHERNET0-1234,VLAN2227-ETHERNET0,VLAN2828-ETHERNET0,VLAN4093-ETHERNET0,VLAN4094-ETHERNET0\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitNotFound, "No VirtualSwitch matches name=NOPE", "vswitch", "list", "-i", "name=NOPE")
}

func TestCreateUpdateDelete(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	s.Expect(0, "", "vswitch", "create", "--name", "VSW1", "--mode", "vepa")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "PUT" || w[0].Path != "/rest/api/uom/ManagedSystem/"+clitest.SystemUUID+"/VirtualSwitch" {
		t.Fatalf("create: %+v", w)
	}
	el := w[0].Element(t)
	if el.Local != "VirtualSwitch" || !reflect.DeepEqual(clitest.Children(el), []string{"SwitchMode", "SwitchName"}) {
		t.Fatalf("create body: %s", w[0].Body)
	}
	if m, _ := el.FindText("SwitchMode"); m != "Vepa" {
		t.Fatalf("mode %q", m)
	}

	s.Expect(0, "", "vswitch", "update", "-i", "name=MGMTSWITCH", "-s", "mode=Veb", "VirtualSwitch.name=MGMT2")
	w = s.Writes()
	up := w[len(w)-1]
	if up.Method != "POST" || up.Path != "/rest/api/uom/ManagedSystem/95c2990a-e412-3ac8-92f4-058278b32ea2/VirtualSwitch/31cd66a8-ddd5-3bf2-95fe-2301d10e0fad" || up.IfMatch != "-1598191330" {
		t.Fatalf("update: %+v", up)
	}
	el = up.Element(t)
	if m, _ := el.FindText("SwitchMode"); m != "Veb" {
		t.Fatalf("mode %q", m)
	}
	if n, _ := el.FindText("SwitchName"); n != "MGMT2" {
		t.Fatalf("name %q", n)
	}

	s.Expect(0, "", "vswitch", "delete", "-i", "id=1")
	w = s.Writes()
	if d := w[len(w)-1]; d.Method != "DELETE" || d.IfMatch != "-1598191330" || d.Path != up.Path {
		t.Fatalf("delete: %+v", d)
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vswitch", "create"}, app.ExitUsage, "--name is required"},
		{[]string{"vswitch", "create", "--name", "X", "--mode", "hub"}, app.ExitUsage, `The value "hub" of --mode is not valid. Valid values: Veb, Vepa.`},
		{[]string{"vswitch", "update", "-i", "name=ETHERNET0", "-s", "mode=hub"}, app.ExitUsage, "Valid values: Veb, Vepa"},
		{[]string{"vswitch", "update", "-i", "name=ETHERNET0", "-s", "id=3"}, app.ExitUsage, "The field VirtualSwitch.id cannot be set."},
		{[]string{"vswitch", "update", "-i", "name=ETHERNET0", "-s", "vnets=x"}, app.ExitUsage, "cannot be set"},
		{[]string{"vswitch", "delete", "-i", "name=NOPE"}, app.ExitNotFound, "No VirtualSwitch matches name=NOPE."},
		{[]string{"vswitch", "delete", "-i", "colour=red"}, app.ExitUsage, "The key colour of --object-id is not valid"},
		{[]string{"vswitch", "delete"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"vswitch", "list", "-d", "colour"}, app.ExitUsage, "The field colour is not valid for VirtualSwitch"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}
