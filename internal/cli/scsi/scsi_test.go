package scsi_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
	"github.com/novalink-project/novalink/uom"
)

const (
	vios     = "name=vios_1_Drew"
	viosPath = "/rest/api/uom/VirtualIOServer/" + storagetest.MappingVIOS
	lpar     = "name=nls2-a7444660-00000002"
	lparUUID = "4AC82E78-8EFF-4BAA-87C9-6B243D0C1359"
)

func server(t *testing.T) *clitest.Server {
	s := clitest.New(t)
	storagetest.Mappings(s)
	storagetest.Pools(s)
	return s
}

func TestList(t *testing.T) {
	s := server(t)
	out := s.Expect(0, "", "scsi", "list", "-w", "type!=''", "-d", "lpar", "type", "storage", "target", "adapter", "client_slot", "-f", ";")
	want := "lpar=;type=vopt;storage=vopt_84d7bfcf44964f398e60254776b94d41;target=vtopt1;adapter=vhost23;client_slot=\n" +
		"lpar=49-9e525235-0000008e;type=lv;storage=asdfasfdasdf;target=vtscsi0;adapter=vhost16;client_slot=2\n" +
		"lpar=rhel_65_fvt_2-2e51e8b4-00000018;type=vopt;storage=vopt_2e51e8b4b9f04b159700e654b2436a01;target=vtopt2;adapter=vhost1;client_slot=2\n" +
		"lpar=49-9e525235-0000008e;type=vopt;storage=vopt_2c7aa01349714368a3d040bb0d613a67;target=vtopt0;adapter=vhost0;client_slot=\n" +
		"lpar=49-9e525235-0000008e;type=vopt;storage=vopt_de86c46e07004993b412c948bd5047c2;target=vtopt3;adapter=vhost11;client_slot=2\n" +
		"lpar=;type=pv;storage=hdisk5;target=vhdisk5;adapter=vhost1;client_slot=\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "scsimapping", "list", "-p", vios, "-i", "target=vtscsi0")
	want = "Virtual SCSI Mappings\n" +
		"| VIOS        | LPAR          | Type | Storage      | Target  | Adapter | Slot |\n" +
		"| vios_1_Drew | 49-9e525235-> | lv   | asdfasfdasdf | vtscsi0 | vhost16 | 2    |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "scsi", "list", "-i", "target=vtscsi0", "-d", "vios", "lpar_id", "storage_udid", "lua", "server_slot", "server_loc", "client_loc")
	if out != "vios=vios_1_Drew,lpar_id=15,storage_udid=0300004c7a00007a00000001466c54110f.16,lua=0x8100000000000000,server_slot=25,server_loc=U8246.L2C.0604C7A-V1-C25,client_loc=U8246.L2C.0604C7A-V15-C2\n" {
		t.Fatalf("-d: %q", out)
	}
	if n := len(strings.Split(strings.TrimSpace(s.Expect(0, "", "scsi", "list")), "\n")); n != 2+28 {
		t.Fatalf("%d lines", n)
	}
}

// created returns the mapping a create added (the last one), after
// checking the request.
func created(t *testing.T, s *clitest.Server, i int) *uom.Element {
	t.Helper()
	w := s.Writes()
	if len(w) != i+1 {
		t.Fatalf("%d writes, want %d", len(w), i+1)
	}
	r := w[i]
	if r.Method != "POST" || r.Path != viosPath || r.IfMatch != "1680529533" || r.ContentType != "application/vnd.ibm.powervm.uom+xml; type=VirtualIOServer" {
		t.Fatalf("request %s %s %s %s", r.Method, r.Path, r.IfMatch, r.ContentType)
	}
	el := r.Element(t)
	maps := el.FindAll("VirtualSCSIMappings/VirtualSCSIMapping")
	if len(maps) != 29 {
		t.Fatalf("%d mappings sent", len(maps))
	}
	m := maps[28]
	if got := clitest.Children(m); !reflect.DeepEqual(got, []string{"AssociatedLogicalPartition", "ClientAdapter", "ServerAdapter", "Storage"}) {
		t.Fatalf("mapping %v", got)
	}
	if h := m.Child("AssociatedLogicalPartition").Attr("href"); !strings.HasSuffix(h, "/rest/api/uom/LogicalPartition/"+lparUUID) || !strings.HasPrefix(h, "http://") {
		t.Fatalf("client link %q", h)
	}
	for _, side := range []string{"Client", "Server"} {
		a := m.Child(side + "Adapter")
		if got := clitest.Children(a); !reflect.DeepEqual(got, []string{"AdapterType", "UseNextAvailableSlotID"}) {
			t.Fatalf("%s adapter %v", side, got)
		}
		if v, _ := a.FindText("AdapterType"); v != side {
			t.Fatal(v)
		}
		if v, _ := a.FindText("UseNextAvailableSlotID"); v != "true" {
			t.Fatal(v)
		}
	}
	st := m.Child("Storage")
	if len(st.Children) != 1 || st.Attr("schemaVersion") != "" {
		t.Fatalf("storage:\n%s", r.Body)
	}
	return st.Children[0]
}

func TestCreate(t *testing.T) {
	s := server(t)
	// The overview's command (here on this capture's partitions).
	s.Expect(0, "", "scsi", "create", "--type", "lu", "--lpar", lpar, "--stor-id", "name=vdisk_vm1", "--parent-id", vios)
	dev := created(t, s, 0)
	if dev.Local != "LogicalUnit" || !reflect.DeepEqual(clitest.Children(dev), []string{"UniqueDeviceID", "UnitName"}) {
		t.Fatalf("device %s %v", dev.Local, clitest.Children(dev))
	}
	if v, _ := dev.FindText("UniqueDeviceID"); v != "276c097502d44311e58004000040f2e95dc4a789dfd63464654319f89c04aa5382" {
		t.Fatal(v)
	}
	if v, _ := dev.FindText("UnitName"); v != "vdisk_vm1" {
		t.Fatal(v)
	}
	// The VIOS is read afresh with its mappings, and its storage for a PV.
	if n := s.Reads("GET " + viosPath); n != 1 {
		t.Fatalf("VIOS entry read %d times", n)
	}

	for i, tc := range []struct {
		typ, stor, elem, name string
	}{
		{"pv", "hdisk2", "PhysicalVolume", "VolumeName"},
		{"lv", "name=aix_disk1", "VirtualDisk", "DiskName"},
		{"vopt", "udid=0eblank_media1", "VirtualOpticalMedia", "MediaName"},
		{"LU", "udid=296c097502d44311e58004000040f2e95d9437fb054f7c56b6821fd4857f1bffa8", "LogicalUnit", "UnitName"},
	} {
		s.Expect(0, "", "scsi", "create", "--type", tc.typ, "--lpar", "id=26", "--stor-id", tc.stor, "-p", "id=1")
		dev := created(t, s, i+1)
		if dev.Local != tc.elem || dev.Child(tc.name) == nil {
			t.Fatalf("%s: device %s %v", tc.typ, dev.Local, clitest.Children(dev))
		}
	}
}

func TestDelete(t *testing.T) {
	s := server(t)
	targets := func(i int) string {
		var out []string
		for _, m := range s.Writes()[i].Element(t).FindAll("VirtualSCSIMappings/VirtualSCSIMapping") {
			if td := m.Child("TargetDevice"); td != nil {
				n, _ := td.Children[0].FindText("TargetName")
				out = append(out, n)
			} else {
				out = append(out, "-")
			}
		}
		return strings.Join(out, " ")
	}
	all := "- vtopt1 - - - - - - - - - - vtscsi0 - vtopt2 - - - - - - - - - - vtopt0 vtopt3 vhdisk5"
	s.Expect(0, "", "scsi", "delete", "-p", vios, "-i", "target=vtscsi0")
	if w := s.Writes()[0]; w.Method != "POST" || w.Path != viosPath || w.IfMatch != "1680529533" {
		t.Fatalf("delete: %s %s %s", w.Method, w.Path, w.IfMatch)
	}
	if got := targets(0); got != strings.Replace(all, "vtscsi0 ", "", 1) {
		t.Fatalf("left %s", got)
	}
	s.Expect(0, "", "scsi", "delete", "-p", vios, "--type", "vopt", "--stor-id", "vopt_84d7bfcf44964f398e60254776b94d41")
	if got := targets(1); got != strings.Replace(all, "vtopt1 ", "", 1) {
		t.Fatalf("left %s", got)
	}
	s.Expect(0, "", "scsi", "delete", "-p", vios, "--lpar", "name=49-9e525235-0000008e", "--type", "lv")
	if got := targets(2); got != strings.Replace(all, "vtscsi0 ", "", 1) {
		t.Fatalf("left %s", got)
	}
	s.Expect(0, "", "scsi", "delete", "-p", vios, "--lpar", "id=15", "--stor-id", "udid=0evopt_de86c46e07004993b412c948bd5047c2")
	if got := targets(3); got != strings.Replace(all, "vtopt3 ", "", 1) {
		t.Fatalf("left %s", got)
	}
}

func TestBadInput(t *testing.T) {
	s := server(t)
	create := func(typ, lp, stor, parent string) []string {
		return []string{"scsi", "create", "--type", typ, "--lpar", lp, "--stor-id", stor, "--parent-id", parent}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"scsi", "create", "--lpar", lpar, "--stor-id", "x", "-p", vios}, app.ExitUsage, "[PVME01040123-0107] The parameter --type is required (lu, pv, lv or vopt)."},
		{create("tape", lpar, "x", vios), app.ExitUsage, `The value "tape" of --type is not valid. Valid values: lu, pv, lv, vopt.`},
		{[]string{"scsi", "create", "--type", "lu", "--stor-id", "x", "-p", vios}, app.ExitUsage, "--lpar is required"},
		{[]string{"scsi", "create", "--type", "lu", "--lpar", lpar, "-p", vios}, app.ExitUsage, "--stor-id is required"},
		{[]string{"scsi", "create", "--type", "lu", "--lpar", lpar, "--stor-id", "x"}, app.ExitUsage, "--parent-id is required"},
		{create("lu", lpar, "colour=red", vios), app.ExitUsage, "The key colour of --stor-id is not valid: use name= or udid=."},
		{create("lu", lpar, "name=", vios), app.ExitUsage, "The value of --stor-id is empty."},
		{create("lu", "vm1", "x", vios), app.ExitUsage, `The value "vm1" of --lpar is not valid: use KEY=VALUE`},
		{create("lu", "name=nobody", "vdisk_vm1", vios), app.ExitNotFound, "No partition matches name=nobody."},
		{create("lu", lpar, "vdisk_vm1", "name=vios9"), app.ExitNotFound, "No VirtualIOServer matches name=vios9. Virtual I/O Servers: vios_1_Drew."},
		{create("lu", lpar, "name=nope", vios), app.ExitNotFound, "No LogicalUnit matches name=nope."},
		{[]string{"scsi", "create", "--type", "lu", "--lpar", lpar, "--stor-id", "vdisk_vm1", "-p", vios, "--ssp", "pool9"}, app.ExitNotFound, "No SharedStoragePool matches name=pool9."},
		{create("pv", lpar, "hdisk9", vios), app.ExitNotFound, "No PhysicalVolume matches name=hdisk9 on vios_1_Drew."},
		{create("lv", lpar, "name=nope", vios), app.ExitNotFound, "No VirtualDisk matches name=nope on vios_1_Drew."},
		{create("vopt", lpar, "udid=nope", vios), app.ExitNotFound, "No VirtualOpticalMedia matches udid=nope on vios_1_Drew."},
		{[]string{"scsi", "delete", "-p", vios}, app.ExitUsage, "The mapping to remove is missing"},
		{[]string{"scsi", "delete", "-i", "target=vtscsi0"}, app.ExitUsage, "--parent-id is required"},
		{[]string{"scsi", "delete", "-p", vios, "-i", "target=vtscsi9"}, app.ExitNotFound, "No VirtualSCSIMapping of vios_1_Drew matches -i target=vtscsi9."},
		{[]string{"scsi", "delete", "-p", vios, "-i", "colour=red"}, app.ExitUsage, "The key colour of --object-id is not valid for VirtualSCSIMapping"},
		{[]string{"scsi", "delete", "-p", vios, "--lpar", "name=49-9e525235-0000008e"}, app.ExitUsage, "[PVME01040123-0123] 3 mappings of vios_1_Drew match --lpar name=49-9e525235-0000008e: add --type and --stor-id, or name one with -i target=NAME."},
		{[]string{"scsi", "delete", "-p", vios, "--lpar", lpar, "--type", "lu", "--stor-id", "vdisk_vm1"}, app.ExitNotFound, "No VirtualSCSIMapping of vios_1_Drew matches --lpar " + lpar + " --type lu --stor-id vdisk_vm1."},
		{[]string{"scsi", "update"}, app.ExitFailed, "VirtualSCSIMapping update is not supported yet by this NovaLink: delete the mapping and create another."},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := server(t)
	s.Fail("POST", `^/rest/api/uom/VirtualIOServer/`, 409,
		"[PVME01050412-0001] The logical unit vdisk_vm1 is already mapped to partition vm2; a logical unit can be mapped to one partition only.")
	s.Expect(app.ExitRefused, "[PVME01050412-0001] The logical unit vdisk_vm1 is already mapped to partition vm2; a logical unit can be mapped to one partition only.",
		"scsi", "create", "--type", "lu", "--lpar", lpar, "--stor-id", "name=vdisk_vm1", "--parent-id", vios)
	s.Fail("POST", `^/rest/api/uom/VirtualIOServer/`, 412, "[PVME01050001-0412] The object VirtualIOServer vios_1_Drew was changed by another request; read it again.")
	s.Expect(app.ExitRefused, "was changed by another request", "scsi", "delete", "-p", vios, "-i", "target=vtscsi0")
}
