package vmr_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
)

const (
	vios   = "name=IO Server"
	vgPath = "/rest/api/uom/VirtualIOServer/" + storagetest.VGVIOS + "/VolumeGroup/"
)

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	out := s.Expect(0, "", "repo", "list")
	want := "Virtual Media Repositories\n" +
		"| VIOS      | VG         | Name      | Size (GB) | Media |\n" +
		"| IO Server | image_pool | VMLibrary | 11.0      | 6     |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "vmr", "list", "-i", "vios=IO Server", "-d", "name", "media_names")
	if out != "name=VMLibrary,media_names=asdcv_3bc2b715_userID_config.iso,asdf_c3f7b1e7_userID_config.iso,blank_media1,blank_media_2,cirros_eea81ef4_userID_config.iso,test_aix_17cbd370_userID_config.iso\n" {
		t.Fatalf("-d: %q", out)
	}
}

func TestCreate(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	// Only one repository per VIOS.
	s.Expect(app.ExitRefused, "[PVME01040130-0113] The Virtual I/O Server IO Server already has a virtual media repository (in volume group image_pool).",
		"vmr", "create", "-p", vios, "--size", "10")

	s.FeedEdited(`^/rest/api/uom/VirtualIOServer/[^/]+/VolumeGroup$`, "fake_volume_group2.txt", `(?s)<MediaRepositories.*?</MediaRepositories>`, ``)
	s.Expect(app.ExitNotFound, "The Virtual I/O Server name=IO Server has no virtual media repository.", "vmr", "delete", "-p", vios)
	s.Expect(0, "", "vmr", "create", "-p", vios, "--size", "10")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != vgPath+storagetest.RootVG || w[0].IfMatch != "-762288609" {
		t.Fatalf("create: %+v", w)
	}
	el := w[0].Element(t)
	if got := clitest.Children(el); !reflect.DeepEqual(got, []string{"AvailableSize", "FreeSpace", "GroupCapacity", "GroupName", "GroupSerialID",
		"MaximumLogicalVolumes", "MediaRepositories", "PhysicalVolumes", "UniqueDeviceID", "VirtualDisks"}) {
		t.Fatalf("volume group %v", got)
	}
	r := el.Find("MediaRepositories/VirtualMediaRepository")
	if got := clitest.Children(r); !reflect.DeepEqual(got, []string{"RepositoryName", "RepositorySize"}) {
		t.Fatalf("repository %v", got)
	}
	if n, _ := r.FindText("RepositoryName"); n != "VMLibrary" {
		t.Fatal(n)
	}
	if n, _ := r.FindText("RepositorySize"); n != "10.000000" {
		t.Fatal(n)
	}
	s.Expect(0, "", "vmr", "create", "-p", "id=1", "--size", "1.5", "--vg", "image_pool")
	if p := s.Writes()[1].Path; p != vgPath+storagetest.ImagePool {
		t.Fatal(p)
	}
}

func TestDelete(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	s.Expect(app.ExitRefused, "[PVME01040130-0115] The virtual media repository of IO Server holds 6 virtual optical media: delete them first, or give --force to delete them with it.",
		"vmr", "delete", "-p", vios)
	// The only repository: no --parent-id needed.
	s.Expect(0, "", "vmr", "delete", "--force")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != vgPath+storagetest.ImagePool || w[0].IfMatch != "71932090" {
		t.Fatalf("delete: %+v", w)
	}
	el := w[0].Element(t)
	if el.Child("MediaRepositories") == nil || el.Find("MediaRepositories/VirtualMediaRepository") != nil {
		t.Fatalf("delete:\n%s", w[0].Body)
	}
	if n := len(el.FindAll("VirtualDisks/VirtualDisk")); n != 32 {
		t.Fatalf("%d disks sent", n)
	}
	s.Expect(0, "", "repo", "delete", "-i", "vios=IO Server", "--force")
	if n := len(s.Writes()); n != 2 {
		t.Fatal(n)
	}
}

// update posts the volume group back with the new RepositorySize.
func TestUpdateResizes(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	s.Expect(0, "", "vmr", "update", "-p", vios, "--size", "20")
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || !strings.Contains(string(w[0].Body), "<RepositorySize") || !strings.Contains(string(w[0].Body), ">20.000000</") {
		t.Fatalf("writes %+v", w)
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vmr", "create", "--size", "1"}, app.ExitUsage, "--parent-id is required"},
		{[]string{"vmr", "create", "-p", vios}, app.ExitUsage, "--size is required"},
		{[]string{"vmr", "create", "-p", vios, "--size", "x"}, app.ExitUsage, `The value "x" of --size is not valid`},
		{[]string{"vmr", "delete", "-p", "name=vios9"}, app.ExitNotFound, "No VirtualIOServer matches name=vios9."},
		{[]string{"vmr", "delete", "-i", "vios=nope"}, app.ExitNotFound, "No VirtualMediaRepository matches vios=nope."},
		{[]string{"vmr", "delete", "extra"}, app.ExitUsage, `Unexpected argument "extra"`},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}
