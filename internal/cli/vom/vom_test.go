package vom_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
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
	media  = "MediaRepositories/VirtualMediaRepository/OpticalMedia/VirtualOpticalMedia"
)

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	out := s.Expect(0, "", "media", "list")
	want := "Virtual Optical Media\n" +
		"| VIOS      | Name                                | Size (GB) | Mount |\n" +
		"| IO Server | asdcv_3bc2b715_userID_config.iso    | 0.0       | rw    |\n" +
		"| IO Server | asdf_c3f7b1e7_userID_config.iso     | 0.0       | rw    |\n" +
		"| IO Server | blank_media1                        | 0.0977    | rw    |\n" +
		"| IO Server | blank_media_2                       | 0.0488    | rw    |\n" +
		"| IO Server | cirros_eea81ef4_userID_config.iso   | 0.0       | rw    |\n" +
		"| IO Server | test_aix_17cbd370_userID_config.iso | 0.0       | rw    |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "vom", "list", "-p", vios, "-i", "name=blank_media1", "-d", "vios", "name", "size", "mount_type", "udid")
	if out != "vios=IO Server,name=blank_media1,size=0.0977,mount_type=rw,udid=0eblank_media1\n" {
		t.Fatalf("-d: %q", out)
	}
}

func TestCreateDelete(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	s.Expect(0, "", "media", "create", "--name", "blank3", "--size", "0.5", "-p", vios)
	w := s.Writes()
	if len(w) != 1 || w[0].Method != "POST" || w[0].Path != vgPath+storagetest.ImagePool || w[0].IfMatch != "71932090" {
		t.Fatalf("create: %+v", w)
	}
	all := w[0].Element(t).FindAll(media)
	if len(all) != 7 {
		t.Fatalf("%d media", len(all))
	}
	if got := clitest.Children(all[6]); !reflect.DeepEqual(got, []string{"MediaName", "MountType", "Size"}) {
		t.Fatalf("new media %v", got)
	}
	for p, want := range map[string]string{"MediaName": "blank3", "MountType": "rw", "Size": "0.500000"} {
		if v, _ := all[6].FindText(p); v != want {
			t.Errorf("%s = %q, want %q", p, v, want)
		}
	}
	s.Expect(0, "", "vom", "create", "--name", "ro1", "--size", "1", "-p", "id=1", "--mount-type", "ro")
	if v, _ := s.Writes()[1].Element(t).FindAll(media)[6].FindText("MountType"); v != "ro" {
		t.Fatal(v)
	}

	s.Expect(0, "", "vom", "delete", "-i", "name=blank_media1")
	w = s.Writes()
	var names []string
	for _, m := range w[2].Element(t).FindAll(media) {
		n, _ := m.FindText("MediaName")
		names = append(names, n)
	}
	if w[2].Path != vgPath+storagetest.ImagePool || strings.Join(names, " ") != "asdcv_3bc2b715_userID_config.iso asdf_c3f7b1e7_userID_config.iso blank_media_2 cirros_eea81ef4_userID_config.iso test_aix_17cbd370_userID_config.iso" {
		t.Fatalf("delete: %v", names)
	}

	// No repository: create says how to make one.
	s.FeedEdited(`^/rest/api/uom/VirtualIOServer/[^/]+/VolumeGroup$`, "fake_volume_group2.txt", `(?s)<MediaRepositories.*?</MediaRepositories>`, ``)
	s.Expect(app.ExitRefused, "[PVME01040130-0119] The Virtual I/O Server IO Server has no virtual media repository; create one with 'pvmctl vmr create'.",
		"vom", "create", "--name", "x", "--size", "1", "-p", vios)
}

func writeISO(t *testing.T, data string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.iso")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(data))
	return path, hex.EncodeToString(sum[:])
}

func TestUpload(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	data := strings.Repeat("ISO9660 ", 10000)
	path, sum := writeISO(t, data)
	out := s.Expect(0, "", "media", "upload", "--name", "config_vm1.iso", "--vios", "IO Server", "--data", path)
	if out != "Uploading "+path+" (80000 bytes) to IO Server, this may take a few minutes.\nVirtual optical media config_vm1.iso upload successful.\n" {
		t.Fatalf("out %q", out)
	}
	w := s.Writes()
	if len(w) != 3 {
		t.Fatalf("%d writes", len(w))
	}
	// The file record (web namespace, pypowervm's element order) ...
	if w[0].Method != "PUT" || w[0].Path != "/rest/api/web/File" || w[0].ContentType != "application/vnd.ibm.powervm.web+xml; type=File" {
		t.Fatalf("file record: %+v", w[0])
	}
	el := w[0].Element(t)
	if el.Space != "http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/" ||
		!reflect.DeepEqual(clitest.Children(el), []string{"Filename", "InternetMediaType", "SHA256", "ExpectedFileSizeInBytes", "FileEnumType", "TargetVirtualIOServerUUID"}) {
		t.Fatalf("file record:\n%s", w[0].Body)
	}
	for p, want := range map[string]string{"Filename": "config_vm1.iso", "InternetMediaType": "application/octet-stream", "SHA256": sum,
		"ExpectedFileSizeInBytes": "80000", "FileEnumType": "BROKERED_MEDIA_ISO", "TargetVirtualIOServerUUID": storagetest.VGVIOS} {
		if v, _ := el.FindText(p); v != want {
			t.Errorf("%s = %q, want %q", p, v, want)
		}
	}
	// ... its contents (the replay server calls the record "new") ...
	if w[1].Method != "PUT" || w[1].Path != "/rest/api/web/File/contents/new" || w[1].ContentType != "application/octet-stream" || string(w[1].Body) != data {
		t.Fatalf("contents: %s %s %s (%d bytes)", w[1].Method, w[1].Path, w[1].ContentType, len(w[1].Body))
	}
	// ... and the record goes.
	if w[2].Method != "DELETE" || w[2].Path != "/rest/api/web/File/new" {
		t.Fatalf("delete: %+v", w[2])
	}

	// The record's FileUUID names the contents; by VIOS id.
	s.Route("PUT", `^/rest/api/web/File$`, "upload_file.txt")
	s.Expect(0, "", "media", "upload", "--name", "config_vm2.iso", "--vios", "id=1", "--data", path)
	w = s.Writes()
	if len(w) != 5 || w[3].Path != "/rest/api/web/File/contents/6233b070-31cc-4b57-99bd-37f80e845de9" || w[4].Path != "/rest/api/web/File/6233b070-31cc-4b57-99bd-37f80e845de9" {
		t.Fatalf("writes %+v", w[3:])
	}

	// An empty file.
	empty, _ := writeISO(t, "")
	s.Expect(0, "", "media", "upload", "--name", "empty.iso", "--vios", vios, "--data", empty)
	if w = s.Writes(); len(w) != 7 || len(w[5].Body) != 0 {
		t.Fatalf("empty upload: %+v", w[5:])
	}
}

func TestUploadRefused(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	path, _ := writeISO(t, "data")
	// The record refused: nothing sent.
	s.Fail("PUT", `^/rest/api/web/File$`, 409, "[PVME01050410-0001] The virtual optical media name config.iso is already in use in the repository of IO Server.")
	s.Expect(app.ExitRefused, "[PVME01050410-0001] The virtual optical media name config.iso is already in use", "media", "upload", "--name", "config.iso", "--vios", vios, "--data", path)
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("%d writes", n)
	}
	// The contents refused: the record goes all the same.
	s.Route("PUT", `^/rest/api/web/File$`, "upload_file.txt")
	s.Fail("PUT", `^/rest/api/web/File/contents/`, 400, "[PVME01050410-0002] The SHA-256 checksum of the contents does not match the file record.")
	out, errOut, code := s.Run("media", "upload", "--name", "config.iso", "--vios", vios, "--data", path)
	if code != app.ExitRefused || !strings.HasPrefix(errOut, "[PVME01050410-0002] The SHA-256 checksum") || strings.Contains(out, "successful") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if w := s.Writes(); len(w) != 1 || w[0].Method != "DELETE" || w[0].Path != "/rest/api/web/File/6233b070-31cc-4b57-99bd-37f80e845de9" {
		t.Fatalf("writes %+v", w)
	}
}

func TestBadInput(t *testing.T) {
	s := clitest.New(t)
	storagetest.VolumeGroups(s)
	path, _ := writeISO(t, "data")
	long := strings.Repeat("x", 38)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"media", "upload", "--vios", vios, "--data", path}, app.ExitUsage, "--name is required"},
		{[]string{"media", "upload", "--name", long, "--vios", vios, "--data", path}, app.ExitUsage, `[PVME01040123-0116] The value "` + long + `" of --name is not valid: a virtual optical media name has at most 37 characters.`},
		{[]string{"media", "upload", "--name", "../etc/passwd", "--vios", vios, "--data", path}, app.ExitUsage, "has no slashes"},
		{[]string{"media", "upload", "--name", "x.iso", "--data", path}, app.ExitUsage, "--parent-id is required"},
		{[]string{"media", "upload", "--name", "x.iso", "--vios", vios}, app.ExitUsage, "--data is required"},
		{[]string{"media", "upload", "--name", "x.iso", "--vios", vios, "--data", path + ".nope"}, app.ExitUsage, "cannot be uploaded: it does not exist"},
		{[]string{"media", "upload", "--name", "x.iso", "--vios", vios, "--data", filepath.Dir(path)}, app.ExitUsage, "it is not a regular file"},
		{[]string{"media", "upload", "--name", "x.iso", "--vios", "vios9", "--data", path}, app.ExitNotFound, "No VirtualIOServer matches name=vios9. Virtual I/O Servers: IO Server."},
		{[]string{"media", "upload", "--name", "x.iso", "--vios", "id=x", "--data", path}, app.ExitUsage, "a partition id is an integer"},
		{[]string{"media", "create", "--name", "x", "--size", "1"}, app.ExitUsage, "--parent-id is required"},
		{[]string{"media", "create", "--name", "x", "-p", vios}, app.ExitUsage, "--size is required"},
		{[]string{"media", "create", "--name", "x", "--size", "1", "-p", vios, "--mount-type", "wo"}, app.ExitUsage, `The value "wo" of --mount-type is not valid. Valid values: rw, ro.`},
		{[]string{"media", "delete"}, app.ExitUsage, "The object to act on is missing"},
		{[]string{"media", "delete", "-i", "name=nope"}, app.ExitNotFound, "No VirtualOpticalMedia matches name=nope."},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}

// The same name on two VIOS: --parent-id picks one.
func TestTwoVIOS(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+/VolumeGroup$`, "fake_volume_group2.txt")
	s.Expect(app.ExitUsage, "[PVME01040123-0024] 2 objects of type VirtualOpticalMedia match name=blank_media1; name the Virtual I/O Server with --parent-id.",
		"vom", "delete", "-i", "name=blank_media1")
	s.Expect(0, "", "vom", "delete", "-i", "name=blank_media1", "-p", "name=nimbus-ch03-p2-vios1")
	if w := s.Writes(); len(w) != 1 || w[0].Method != "POST" || !strings.Contains(w[0].Path, "/VolumeGroup/"+storagetest.ImagePool) {
		t.Fatalf("writes %d", len(w))
	}
	// The VIOS named: only its volume groups were read.
	if n := s.Reads("GET /rest/api/uom/VirtualIOServer/1300C76F-9814-4A4D-B1F0-5B69352A7DEA/VolumeGroup"); n != 1 {
		t.Fatalf("vios2's volume groups read %d times", n)
	}
}
