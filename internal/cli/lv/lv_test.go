package lv_test

import (
	"reflect"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
	"github.com/novalink-project/novalink/uom"
)

const (
	vios   = "name=IO Server"
	vgPath = "/rest/api/uom/VirtualIOServer/" + storagetest.VGVIOS + "/VolumeGroup/"
)

func disks(t *testing.T, vg *uom.Element) []string {
	t.Helper()
	var out []string
	for _, d := range vg.FindAll("VirtualDisks/VirtualDisk") {
		n, _ := d.FindText("DiskName")
		c, _ := d.FindText("DiskCapacity")
		out = append(out, n+"="+c)
	}
	return out
}

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	out := s.Expect(0, "", "lv", "list", "-w", "capacity!=1.0")
	want := "Logical Volumes\n" +
		"| VIOS      | VG         | Name          | Cap (GB) |\n" +
		"| IO Server | image_pool | boot_17cbd370 | 5.0      |\n" +
		"| IO Server | image_pool | aix_disk1     | 10.0     |\n" +
		"| IO Server | image_pool | aix_disk2     | 10.0     |\n" +
		"| IO Server | image_pool | asdf2         | 2.0      |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "lv", "list", "-p", "id=1", "-i", "name=aix_disk1", "-d", "vios", "vg", "name", "capacity", "label", "udid")
	if out != "vios=IO Server,vg=image_pool,name=aix_disk1,capacity=10.0,label=None,udid=0300f8d6de00004b000000014a54555cd9.14\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(app.ExitNotFound, "No LogicalVolume matches name=nope", "lv", "list", "-i", "name=nope")
}

func TestCreate(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	// rootvg by default; its empty VirtualDisks gets the new disk.
	s.Expect(0, "", "lv", "create", "--name", "lv_vm1", "--size", "10", "--parent-id", vios)
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != vgPath+storagetest.RootVG || w[0].IfMatch != "-762288609" ||
		w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=VolumeGroup" {
		t.Fatalf("create: %+v", w)
	}
	el := w[0].Element(t)
	if got := disks(t, el); !reflect.DeepEqual(got, []string{"lv_vm1=10.000000"}) {
		t.Fatalf("disks %v", got)
	}
	d := el.Find("VirtualDisks/VirtualDisk")
	if got := clitest.Children(d); !reflect.DeepEqual(got, []string{"DiskCapacity", "DiskName"}) || d.Attr("schemaVersion") != "V1_0" {
		t.Fatalf("new disk %v", got)
	}
	if n, _ := el.FindText("GroupName"); n != "rootvg" || len(el.FindAll("PhysicalVolumes/PhysicalVolume")) != 1 {
		t.Fatalf("the volume group was not sent as read:\n%s", w[0].Body)
	}

	// Another volume group, with a label: after the 32 disks there.
	s.Expect(0, "", "lv", "create", "--name", "lv_vm2", "--size", "0.25", "--vg", "image_pool", "-p", "id=1", "--label", "data")
	w = s.Writes()
	el = w[1].Element(t)
	if w[1].Path != vgPath+storagetest.ImagePool || w[1].IfMatch != "71932090" {
		t.Fatalf("create in image_pool: %+v", w[1])
	}
	got := disks(t, el)
	if len(got) != 33 || got[32] != "lv_vm2=0.250000" || got[0] != "boot_b853fd66=1" {
		t.Fatalf("disks %v", got)
	}
	if c := clitest.Children(el.FindAll("VirtualDisks/VirtualDisk")[32]); !reflect.DeepEqual(c, []string{"DiskCapacity", "DiskLabel", "DiskName"}) {
		t.Fatalf("new disk %v", c)
	}
}

func TestUpdateDelete(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	s.Expect(0, "", "lv", "update", "-i", "name=aix_disk1", "--size", "15")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != vgPath+storagetest.ImagePool || w[0].IfMatch != "71932090" {
		t.Fatalf("update: %+v", w)
	}
	got := disks(t, w[0].Element(t))
	if len(got) != 32 || got[20] != "aix_disk1=15.000000" || got[21] != "aix_disk2=10" {
		t.Fatalf("disks %v", got)
	}
	s.Expect(0, "", "lv", "update", "-i", "udid=0300f8d6de00004b000000014a54555cd9.14", "-s", "capacity=12")
	if got := disks(t, s.Writes()[1].Element(t)); got[20] != "aix_disk1=12.000000" {
		t.Fatalf("-s: %v", got)
	}

	s.Expect(0, "", "lv", "delete", "-i", "name=asdf", "-p", vios)
	w = s.Writes()
	got = disks(t, w[2].Element(t))
	if w[2].Method != "POST" || len(got) != 31 {
		t.Fatalf("delete: %v", got)
	}
	for _, d := range got {
		if d == "asdf=1" {
			t.Fatal("asdf still there")
		}
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	create := func(extra ...string) []string {
		return append([]string{"lv", "create", "--name", "x", "--size", "1", "-p", vios}, extra...)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lv", "create", "--size", "1", "-p", vios}, app.ExitUsage, "--name is required"},
		{[]string{"lv", "create", "--name", "x", "-p", vios}, app.ExitUsage, "--size is required"},
		{[]string{"lv", "create", "--name", "x", "--size", "1"}, app.ExitUsage, "The parameter --parent-id is required (the Virtual I/O Server: name=, id=, uuid=)."},
		{create("--size", "ten"), app.ExitUsage, `The value "ten" of --size is not valid`},
		{create("--vg", "datavg"), app.ExitNotFound, "No VolumeGroup matches name=datavg on IO Server. Volume groups: rootvg, image_pool."},
		{create("--vg", ""), app.ExitUsage, "--vg is required"},
		{[]string{"lv", "create", "--name", "x", "--size", "1", "-p", "name=vios9"}, app.ExitNotFound, "No VirtualIOServer matches name=vios9."},
		{[]string{"lv", "create", "--name", "x", "--size", "1", "-p", "vios9"}, app.ExitUsage, "use KEY=VALUE"},
		{[]string{"lv", "update", "-i", "name=aix_disk1", "--size", "5"}, app.ExitUsage, "The logical volume aix_disk1 cannot shrink from 10.0 GB to 5.0 GB."},
		{[]string{"lv", "update", "-i", "name=aix_disk1", "-s", "label=x"}, app.ExitUsage, "Only the capacity of a logical volume changes"},
		{[]string{"lv", "update", "-i", "name=nope", "--size", "50"}, app.ExitNotFound, "No LogicalVolume matches name=nope."},
		{[]string{"lv", "delete"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"lv", "delete", "-i", "name=nope"}, app.ExitNotFound, "No LogicalVolume matches name=nope."},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

func TestServerRefusal(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	s.Fail("POST", `/VolumeGroup/`, 400, "[PVME01050408-0003] There is not enough space in volume group rootvg: 512000 MB wanted, 20480 MB free.")
	s.Expect(app.ExitRefused, "[PVME01050408-0003] There is not enough space in volume group rootvg", "lv", "create", "--name", "big", "--size", "500", "-p", vios)
}
