package lu_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
)

const tierLUs = "/rest/api/uom/Tier/" + storagetest.Tier + "/LogicalUnit"

func TestListFromCaptures(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	// The overview's table (whose last cell the overview does not pad to
	// the width of "In use", unlike every other table it shows: the
	// printer pads it).
	out := s.Expect(0, "", "lu", "list", "-i", "name=vdisk_vm1")
	want := "Logical Units\n" +
		"| SSP   | Name      | Cap (GB) | Type | Thin | Clone     | In use |\n" +
		"| pool1 | vdisk_vm1 | 20.0     | Disk | True | vdisk_vm1 | False  |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	// The pool, its tiers and their logical units: one feed each.
	for _, k := range []string{"GET /rest/api/uom/SharedStoragePool", "GET /rest/api/uom/SharedStoragePool/" + storagetest.Pool + "/Tier", "GET " + tierLUs} {
		if n := s.Reads(k); n != 1 {
			t.Errorf("%s read %d times", k, n)
		}
	}

	// All 22, by name; a clone names its source, an image itself.
	out = s.Expect(0, "", "lu", "list", "-d", "name", "type", "clone", "--hide-label")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 22 || lines[0] != "boot_PowerVM_CI_Po_1faabc71_pvm,Disk,"+storagetest.Image20 || lines[21] != "vdisk_vm1,Disk,vdisk_vm1" {
		t.Fatalf("all: %d lines\n%s", len(lines), out)
	}
	out = s.Expect(0, "", "lu", "list", "-w", "type=Image", "-d", "name", "capacity", "lu_type", "--hide-label")
	if out != "image_base_os_157330555537896c89120ac206347be2,1.0,VirtualIO_Image\n"+
		"image_tempest.common.compute_insta_157330555537896c89120ac206347be2,1.0,VirtualIO_Image\n"+
		"image_template_PowerVM_Ubuntu_Base_15d1cc7daa4a07853b511bf5c2a15773,20.0,VirtualIO_Image\n"+
		storagetest.Image20+",20.0,VirtualIO_Image\n" {
		t.Fatalf("images:\n%s", out)
	}
	out = s.Expect(0, "", "lu", "list", "--ssp", "pool1", "-w", "in_use=true", "-w", "clone="+storagetest.Image20, "-d", "LogicalUnit.name", "--hide-label")
	if out != "boot_PowerVM_CI_Po_1faabc71_pvm\nboot_PowerVM_CI_Po_7a6b11ba_pvm\nboot_PowerVM_CI_Po_7acf8fd5_pvm\nboot_PowerVM_CI_Po_87d2fdd2_pvm\nboot_PowerVM_CI_Po_9b2a2cef_pvm\nboot_PowerVM_CI_Po_b7f4117b_pvm\n" {
		t.Fatalf("in use clones of an image:\n%s", out)
	}
	out = s.Expect(0, "", "lu", "list", "-i", "uuid="+strings.ToUpper(storagetest.VDiskVM1), "-d", "ssp", "tier", "thin", "in_use", "cloned_from", "udid")
	if out != "ssp=pool1,tier=SYSTEM,thin=true,in_use=false,cloned_from=,udid=276c097502d44311e58004000040f2e95dc4a789dfd63464654319f89c04aa5382\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitNotFound, "[PVME01040124-0013] No SharedStoragePool matches name=nope. Shared storage pools: pool1.", "lu", "list", "--ssp", "nope")
	s.Expect(app.ExitNotFound, "No LogicalUnit matches name=nope", "lu", "list", "-i", "name=nope")
}

func TestCreate(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	// One pool: --ssp may be left out.
	s.Expect(0, "", "lu", "create", "--name", "vdisk_vm2", "--size", "20")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "PUT" || w[0].Path != tierLUs ||
		w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=LogicalUnit" || w[0].IfMatch != "" {
		t.Fatalf("create: %+v", w)
	}
	el := w[0].Element(t)
	if el.Local != "LogicalUnit" || el.Attr("schemaVersion") != "V1_0" || el.Child("Metadata") == nil {
		t.Fatalf("body: %s", w[0].Body)
	}
	check := func(i int, children []string, values map[string]string) {
		t.Helper()
		el := s.Writes()[i].Element(t)
		if got := clitest.Children(el); !reflect.DeepEqual(got, children) {
			t.Fatalf("elements %v, want %v", got, children)
		}
		for path, want := range values {
			if v, _ := el.FindText(path); v != want {
				t.Errorf("%s = %q, want %q", path, v, want)
			}
		}
	}
	plain := []string{"ThinDevice", "UnitCapacity", "LogicalUnitType", "UnitName"}
	check(0, plain, map[string]string{"ThinDevice": "true", "UnitCapacity": "20.000000", "LogicalUnitType": "VirtualIO_Disk", "UnitName": "vdisk_vm2"})

	s.Expect(0, "", "lu", "create", "--name", "thick1", "--size", "0.5", "--thick", "--ssp", "pool1", "--type", "Image")
	check(1, plain, map[string]string{"ThinDevice": "false", "UnitCapacity": "0.500000", "LogicalUnitType": "VirtualIO_Image", "UnitName": "thick1"})

	// A linked clone: as large as its source, or larger.
	withClone := []string{"ThinDevice", "UnitCapacity", "LogicalUnitType", "ClonedFrom", "UnitName"}
	s.Expect(0, "", "lu", "create", "--name", "boot_vm2", "--clone", storagetest.Image20)
	check(2, withClone, map[string]string{"ThinDevice": "true", "UnitCapacity": "20.000000", "ClonedFrom": storagetest.Image20UDID, "UnitName": "boot_vm2"})
	s.Expect(0, "", "lu", "create", "--name", "boot_vm3", "--clone", "udid="+storagetest.Image20UDID, "--size", "25.25")
	check(3, withClone, map[string]string{"UnitCapacity": "25.250000", "ClonedFrom": storagetest.Image20UDID})
}

func TestUpdateDelete(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	s.Expect(0, "", "lu", "update", "-i", "name=vdisk_vm1", "--size", "30")
	w := s.Writes()
	path := tierLUs + "/" + storagetest.VDiskVM1
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != path || w[0].IfMatch != "1056750293" ||
		w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=LogicalUnit" {
		t.Fatalf("update: %+v", w)
	}
	el := w[0].Element(t)
	for p, want := range map[string]string{"UnitCapacity": "30.000000", "UnitName": "vdisk_vm1", "ThinDevice": "true",
		"UniqueDeviceID": "276c097502d44311e58004000040f2e95dc4a789dfd63464654319f89c04aa5382"} {
		if v, _ := el.FindText(p); v != want {
			t.Errorf("%s = %q, want %q", p, v, want)
		}
	}
	// The same through -s; the same size changes nothing.
	s.Expect(0, "", "lu", "update", "-i", "name=vdisk_vm1", "-s", "capacity=25.5")
	if v, _ := s.Writes()[1].Element(t).FindText("UnitCapacity"); v != "25.500000" {
		t.Fatalf("-s capacity: %q", v)
	}
	s.Expect(0, "", "lu", "update", "-i", "name=vdisk_vm1", "--size", "20.0")
	if n := len(s.Writes()); n != 2 {
		t.Fatalf("an update to the same size wrote (%d writes)", n)
	}

	s.Expect(0, "", "lu", "delete", "-i", "name=vdisk_vm1")
	w = s.Writes()
	if d := w[2]; d.Method != "DELETE" || d.Path != path || d.IfMatch != "1056750293" {
		t.Fatalf("delete: %+v", d)
	}
	s.Expect(0, "", "lu", "delete", "udid=276c097502d44311e58004000040f2e95dc4a789dfd63464654319f89c04aa5382", "--ssp", "pool1")
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lu", "create", "--size", "1"}, app.ExitUsage, "[PVME01040123-0107] The parameter --name is required (the logical unit name)."},
		{[]string{"lu", "create", "--name", "x"}, app.ExitUsage, "The parameter --size is required"},
		{[]string{"lu", "create", "--name", "x", "--size", "big"}, app.ExitUsage, `[PVME01040123-0104] The value "big" of --size is not valid: give a size in GB, e.g. 20 or 0.5.`},
		{[]string{"lu", "create", "--name", "x", "--size", "0"}, app.ExitUsage, `The value "0" of --size is not valid: the size must be greater than 0.`},
		{[]string{"lu", "create", "--name", "x", "--size", "-3"}, app.ExitUsage, "the size must be greater than 0"},
		{[]string{"lu", "create", "--name", "x", "--size", "1e3"}, app.ExitUsage, "give a size in GB"},
		{[]string{"lu", "create", "--name", "x", "--size", "1.0000001"}, app.ExitUsage, "give a size in GB"},
		{[]string{"lu", "create", "--name", "x", "--size", "1", "--type", "tape"}, app.ExitUsage, `The value "tape" of --type is not valid. Valid values: disk, image.`},
		{[]string{"lu", "create", "--name", "x", "--clone", storagetest.Image20, "--thick"}, app.ExitUsage, "A linked clone (--clone) is thin"},
		{[]string{"lu", "create", "--name", "x", "--size", "1", "--ssp", "pool9"}, app.ExitNotFound, "No SharedStoragePool matches name=pool9."},
		{[]string{"lu", "create", "--name", "x", "--clone", "nope"}, app.ExitNotFound, "No LogicalUnit matches name=nope in shared storage pool pool1."},
		{[]string{"lu", "create", "--name", "x", "--clone", "colour=red"}, app.ExitUsage, "The key colour of --clone is not valid"},
		{[]string{"lu", "create", "--name", "x", "--clone", storagetest.Image20, "--size", "5"}, app.ExitUsage, "The linked clone x cannot be smaller than its source " + storagetest.Image20 + " (20.0 GB)."},
		{[]string{"lu", "create", "--name", "x", "--size", "1", "extra"}, app.ExitUsage, `Unexpected argument "extra"`},
		{[]string{"lu", "update", "-i", "name=vdisk_vm1", "--size", "10"}, app.ExitUsage, "[PVME01040123-0106] The logical unit vdisk_vm1 cannot shrink from 20.0 GB to 10.0 GB."},
		{[]string{"lu", "update", "-i", "name=vdisk_vm1"}, app.ExitUsage, "Nothing to change"},
		{[]string{"lu", "update", "-i", "name=vdisk_vm1", "--size", "x"}, app.ExitUsage, `The value "x" of --size is not valid`},
		{[]string{"lu", "update", "-i", "name=vdisk_vm1", "-s", "thin=false"}, app.ExitUsage, `Only the capacity of a logical unit changes: give --size GB (or -s capacity=GB), not "thin=false".`},
		{[]string{"lu", "update", "-i", "name=nope", "--size", "30"}, app.ExitNotFound, "No LogicalUnit matches name=nope."},
		{[]string{"lu", "update", "--size", "30"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"lu", "delete"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"lu", "delete", "-i", "colour=red"}, app.ExitUsage, "The key colour of --object-id is not valid for LogicalUnit"},
		{[]string{"lu", "delete", "-i", "name=nope"}, app.ExitNotFound, "No LogicalUnit matches name=nope."},
		{[]string{"lu", "list", "-d", "colour"}, app.ExitUsage, "The field colour is not valid for LogicalUnit"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	s.Fail("PUT", `/LogicalUnit$`, 400, "[PVME01050408-0001] There is not enough space in shared storage pool pool1: 51200 MB wanted, 50156 MB free.")
	s.Expect(app.ExitRefused, "[PVME01050408-0001] There is not enough space in shared storage pool pool1", "lu", "create", "--name", "big", "--size", "50", "--thick")
	s.Fail("DELETE", `/LogicalUnit/`, 409, "[PVME01050409-0002] The logical unit vdisk_vm1 is mapped; remove its mapping first.")
	s.Expect(app.ExitRefused, "[PVME01050409-0002] The logical unit vdisk_vm1 is mapped", "lu", "delete", "-i", "name=vdisk_vm1")
}

// Several pools: create needs --ssp.
func TestSeveralPools(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	s.FeedEdited(`^/rest/api/uom/SharedStoragePool$`, "ssp.txt", `neossp1`, `pool1`,
		`(?s)<entry.*</entry>`, `<feed xmlns="http://www.w3.org/2005/Atom">$0$0</feed>`)
	s.Expect(app.ExitUsage, "[PVME01040123-0100] There are several shared storage pools (pool1, pool1): name one with --ssp.", "lu", "create", "--name", "x", "--size", "1")
}

func TestHelp(t *testing.T) {
	out, _, code := clitest.Run(map[string]string{"PVMCTL_LOG": "off"}, "lu", "create", "--help")
	if code != 0 || !strings.Contains(out, "--clone") || !strings.Contains(out, "--thick") {
		t.Fatalf("lu create --help: %d\n%s", code, out)
	}
	out, _, _ = clitest.Run(map[string]string{"PVMCTL_LOG": "off"}, "lu", "list", "--help")
	for _, want := range []string{"LogicalUnit.clone", "LogicalUnit.in_use", "--ssp"} {
		if !strings.Contains(out, want) {
			t.Errorf("lu list --help does not mention %s", want)
		}
	}
}
