package vfc_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
)

const (
	vios     = "name=vios_1_Drew"
	viosPath = "/rest/api/uom/VirtualIOServer/" + storagetest.MappingVIOS
	lpar     = "name=nls2-a7444660-00000002"
)

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	out := s.Expect(0, "", "vfcmapping", "list", "-i", "adapter=vfchost6")
	want := "Virtual Fibre Channel Mappings\n" +
		"| VIOS        | LPAR              | Port | Adapter  | Slot | WWPNs             |\n" +
		"| vios_1_Drew | vm_2-9093a051-00> | fcs2 | vfchost6 | 3    | c05076065a7c02e4> |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "vfc", "list", "-p", vios, "-w", "lpar=Joe_dbug-6ea996ec-00000017", "-d", "vios", "lpar_id", "port", "port_wwpn", "wwpns", "server_slot", "client_loc")
	if out != "vios=vios_1_Drew,lpar_id=18,port=fcs2,port_wwpn=10000090FA1B6898,wwpns=c05076065a7c02e2,c05076065a7c02e3,server_slot=33,client_loc=U8246.L2C.0604C7A-V18-C3\n" {
		t.Fatalf("-d: %q", out)
	}
	if n := len(strings.Split(strings.TrimSpace(s.Expect(0, "", "vfc", "list")), "\n")); n != 2+31 {
		t.Fatalf("%d lines", n)
	}
}

func TestCreate(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	s.Expect(0, "", "vfc", "create", "--lpar", lpar, "--parent-id", vios, "--port", "fcs3")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != viosPath || w[0].IfMatch != "1680529533" || w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=VirtualIOServer" {
		t.Fatalf("create: %s %s %s", w[0].Method, w[0].Path, w[0].IfMatch)
	}
	maps := w[0].Element(t).FindAll("VirtualFibreChannelMappings/VirtualFibreChannelMapping")
	if len(maps) != 32 {
		t.Fatalf("%d mappings", len(maps))
	}
	m := maps[31]
	if got := clitest.Children(m); !reflect.DeepEqual(got, []string{"AssociatedLogicalPartition", "ClientAdapter", "Port", "ServerAdapter"}) {
		t.Fatalf("mapping %v", got)
	}
	if h := m.Child("AssociatedLogicalPartition").Attr("href"); !strings.HasSuffix(h, "/rest/api/uom/LogicalPartition/4AC82E78-8EFF-4BAA-87C9-6B243D0C1359") {
		t.Fatal(h)
	}
	if got := clitest.Children(m.Child("ClientAdapter")); !reflect.DeepEqual(got, []string{"AdapterType", "UseNextAvailableSlotID"}) {
		t.Fatalf("client adapter %v", got)
	}
	if got := clitest.Children(m.Child("Port")); !reflect.DeepEqual(got, []string{"PortName"}) {
		t.Fatalf("port %v", got)
	}
	if v, _ := m.FindText("Port/PortName"); v != "fcs3" {
		t.Fatal(v)
	}
	if v, _ := m.FindText("ServerAdapter/AdapterType"); v != "Server" {
		t.Fatal(v)
	}

	s.Expect(0, "", "vfc", "create", "--lpar", "id=26", "-p", "id=1", "--port", "fcs4", "--wwpns", "C0:50:76:06:5A:7C:01:00, c05076065a7c0101")
	m = s.Writes()[1].Element(t).FindAll("VirtualFibreChannelMappings/VirtualFibreChannelMapping")[31]
	if got := clitest.Children(m.Child("ClientAdapter")); !reflect.DeepEqual(got, []string{"AdapterType", "UseNextAvailableSlotID", "WWPNs"}) {
		t.Fatalf("client adapter %v", got)
	}
	if v, _ := m.FindText("ClientAdapter/WWPNs"); v != "c05076065a7c0100 c05076065a7c0101" {
		t.Fatal(v)
	}
}

func TestDelete(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	adapters := func(i int) []string {
		var out []string
		for _, m := range s.Writes()[i].Element(t).FindAll("VirtualFibreChannelMappings/VirtualFibreChannelMapping") {
			n, _ := m.FindText("ServerAdapter/AdapterName")
			out = append(out, n)
		}
		return out
	}
	gone := func(i int, name string) {
		t.Helper()
		got := adapters(i)
		if len(got) != 30 {
			t.Fatalf("%d mappings left", len(got))
		}
		for _, a := range got {
			if a == name {
				t.Fatalf("%s left", name)
			}
		}
	}
	s.Expect(0, "", "vfc", "delete", "--lpar", "name=vm_2-9093a051-00000015", "-p", vios)
	if w := s.Writes()[0]; w.Method != "POST" || w.Path != viosPath || w.IfMatch != "1680529533" {
		t.Fatalf("delete: %s %s %s", w.Method, w.Path, w.IfMatch)
	}
	gone(0, "vfchost6")
	s.Expect(0, "", "vfc", "delete", "-p", vios, "-i", "adapter=vfchost22")
	gone(1, "vfchost22")
	s.Expect(0, "", "vfc", "delete", "-p", vios, "--lpar", "id=14", "--port", "fcs2")
	if got := adapters(2); len(got) != 30 {
		t.Fatalf("%d left", len(got))
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vfc", "create", "-p", vios, "--port", "fcs3"}, app.ExitUsage, "--lpar is required"},
		{[]string{"vfc", "create", "--lpar", lpar, "--port", "fcs3"}, app.ExitUsage, "--parent-id is required"},
		{[]string{"vfc", "create", "--lpar", lpar, "-p", vios}, app.ExitUsage, "--port is required"},
		{[]string{"vfc", "create", "--lpar", lpar, "-p", vios, "--port", "fcs9"}, app.ExitNotFound, "No physical Fibre Channel port fcs9 on vios_1_Drew. Ports: fcs2, fcs3, fcs4, fcs5."},
		{[]string{"vfc", "create", "--lpar", lpar, "-p", vios, "--port", "fcs3", "--wwpns", "c05076065a7c0100"}, app.ExitUsage, `The value "c05076065a7c0100" of --wwpns is not valid: give two WWPNs of 16 hexadecimal digits, comma-separated.`},
		{[]string{"vfc", "create", "--lpar", lpar, "-p", vios, "--port", "fcs3", "--wwpns", "c05076065a7c010g,c05076065a7c0101"}, app.ExitUsage, "of --wwpns is not valid"},
		{[]string{"vfc", "create", "--lpar", "name=nobody", "-p", vios, "--port", "fcs3"}, app.ExitNotFound, "No partition matches name=nobody."},
		{[]string{"vfc", "create", "--lpar", lpar, "-p", "name=vios9", "--port", "fcs3"}, app.ExitNotFound, "No VirtualIOServer matches name=vios9."},
		{[]string{"vfc", "delete", "-p", vios}, app.ExitUsage, "The mapping to remove is missing"},
		{[]string{"vfc", "delete", "--lpar", lpar}, app.ExitUsage, "--parent-id is required"},
		{[]string{"vfc", "delete", "-p", vios, "--lpar", lpar}, app.ExitNotFound, "No VirtualFibreChannelMapping of vios_1_Drew matches --lpar " + lpar + "."},
		{[]string{"vfc", "delete", "-p", vios, "--lpar", "id=14"}, app.ExitUsage, "3 mappings of vios_1_Drew match --lpar id=14: add --port, or name one with -i adapter=vfchostN."},
		{[]string{"vfc", "update"}, app.ExitFailed, "VirtualFibreChannelMapping update is not supported yet"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	s.Fail("POST", `^/rest/api/uom/VirtualIOServer/`, 409, "[PVME01050413-0001] Partition nls2-a7444660-00000002 already has a virtual Fibre Channel adapter on port fcs3 of vios_1_Drew.")
	s.Expect(app.ExitRefused, "[PVME01050413-0001] Partition nls2-a7444660-00000002 already has a virtual Fibre Channel adapter on port fcs3", "vfc", "create", "--lpar", lpar, "-p", vios, "--port", "fcs3")
}
