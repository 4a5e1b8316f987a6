package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// storageView reads what the storage tests look at.
type storageView struct {
	ssp    *model.SharedStoragePool
	free   int
	lus    int
	maps   int
	vgFree int
	repo   int
}

func viewStorage(c *Core, viosName string) storageView {
	var sv storageView
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st}
		sv.ssp = vios.SSPByName(tx, "pool1")
		sv.free = vios.PoolFreeMB(tx, sv.ssp)
		sv.lus = len(vios.LUs(tx, sv.ssp.UUID))
		v := st.PartitionByName(viosName)
		sv.maps = len(vios.SCSIMappings(tx, v.UUID))
		sv.vgFree = vios.VGFreeMB(tx, vios.VGByName(tx, v.UUID, "rootvg"))
		sv.repo = vios.RepositoryFreeMB(tx, v.UUID)
	})
	return sv
}

func openStorageTest(t *testing.T) (*Core, string) {
	t.Helper()
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, dir, clk, nil)
	t.Cleanup(func() { c.Close() })
	return c, dir
}

func wantKind(t *testing.T, err error, kind model.Kind, sub string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", sub)
	}
	if model.KindOf(err) != kind || !strings.Contains(err.Error(), sub) {
		t.Fatalf("error %v (kind %d), want kind %d containing %q", err, model.KindOf(err), kind, sub)
	}
}

func TestSeededStorage(t *testing.T) {
	c, _ := openStorageTest(t)
	sv := viewStorage(c, "vios1")
	if want := 2*seedPoolMB() - 10240; sv.free != want {
		t.Fatalf("pool1 free %d MB, want %d", sv.free, want)
	}
	if sv.vgFree != 285696-40960-10240 {
		t.Fatalf("rootvg free %d", sv.vgFree)
	}
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st}
		v1, v2 := st.PartitionByName("vios1"), st.PartitionByName("vios2")
		if pvs := vios.PVs(tx, v1.UUID); len(pvs) != 7 || pvs[0].Name != "hdisk0" || pvs[6].Name != "hdisk6" {
			t.Fatalf("vios1 disks: %d", len(pvs))
		}
		// SAN disks are the same disks on both VIOS.
		if vios.PVByName(tx, v1.UUID, "hdisk5").UDID != vios.PVByName(tx, v2.UUID, "hdisk5").UDID {
			t.Fatal("hdisk5 differs between the VIOS")
		}
		if len(vios.FCPorts(tx, v1.UUID)) != 2 {
			t.Fatal("FC ports")
		}
	})
}

func seedPoolMB() int { return 524288 }

func TestLogicalUnitsCapacity(t *testing.T) {
	c, _ := openStorageTest(t)
	sv := viewStorage(c, "vios1")
	// Thick LUs take their size; a thick LU larger than the free space is
	// refused and changes nothing.
	lu, err := c.CreateLU(admin, sv.ssp.UUID, vios.LUSpec{Name: "thick1", CapacityMB: 102400})
	if err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1").free; got != sv.free-102400 {
		t.Fatalf("free after thick LU %d, want %d", got, sv.free-102400)
	}
	_, err = c.CreateLU(admin, sv.ssp.UUID, vios.LUSpec{Name: "huge", CapacityMB: sv.free})
	wantKind(t, err, model.KindRefused, "not enough free space")
	// Thin LUs over-commit.
	thin, err := c.CreateLU(admin, sv.ssp.UUID, vios.LUSpec{Name: "thin1", CapacityMB: 4 * sv.free, Thin: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.free != sv.free-102400 || got.lus != 2 {
		t.Fatalf("after thin LU: %+v", got)
	}
	// Duplicate names, bad names.
	_, err = c.CreateLU(admin, sv.ssp.UUID, vios.LUSpec{Name: "thin1", CapacityMB: 10, Thin: true})
	wantKind(t, err, model.KindInvalid, "already in use")
	_, err = c.CreateLU(admin, sv.ssp.UUID, vios.LUSpec{Name: "../x", CapacityMB: 10, Thin: true})
	wantKind(t, err, model.KindInvalid, "not valid")
	// Grow, never shrink.
	if _, err := c.UpdateLU(admin, lu.UUID, "", 102400+1024); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateLU(admin, lu.UUID, "", 1024)
	wantKind(t, err, model.KindInvalid, "cannot shrink")
	// Remove: the space returns.
	if err := c.DeleteLU(admin, lu.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLU(admin, thin.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.free != sv.free || got.lus != 0 {
		t.Fatalf("after removing: %+v, want free %d", got, sv.free)
	}
}

func TestLinkedCloneAndMapping(t *testing.T) {
	c, _ := openStorageTest(t)
	before := viewStorage(c, "vios1")
	img, err := c.CreateLU(admin, before.ssp.UUID, vios.LUSpec{Name: "image_rhel", CapacityMB: 10240, Thin: true, Type: model.LUImage})
	if err != nil {
		t.Fatal(err)
	}
	clone, err := c.CreateLU(admin, before.ssp.UUID, vios.LUSpec{Name: "boot_vm1", CapacityMB: 20480, ClonedFrom: img.UDID})
	if err != nil {
		t.Fatal(err)
	}
	if clone.ClonedFrom != img.UDID || !clone.Thin || clone.Type != model.LUDisk || len(clone.ShortUDID()) != 32 {
		t.Fatalf("clone %+v", clone)
	}
	err = c.DeleteLU(admin, img.UUID, "")
	wantKind(t, err, model.KindRefused, "linked clone")

	v1, lpar10, lpar11 := partByName(c, "vios1"), partByName(c, "lpar10"), partByName(c, "lpar11")
	err = c.UpdateSCSIMappings(admin, v1.UUID, EtagOf(v1.Rev), []vios.SCSISpec{{Client: lpar10.UUID, Backing: model.BackLU, BackingID: clone.UUID}})
	if err != nil {
		t.Fatal(err)
	}
	var m *model.SCSIMapping
	c.Read(func(st *model.State) {
		ms := vios.SCSIMappings(&Tx{c: c, st: st}, v1.UUID)
		if len(ms) != 1 {
			t.Fatalf("mappings %d", len(ms))
		}
		m = ms[0]
	})
	if m.VHost != "vhost0" || m.Target != "vtscsi0" || m.LUA != "0x8100000000000000" || m.ClientSlot < 2 || m.ServerSlot < 2 {
		t.Fatalf("mapping %+v", m)
	}
	// The old etag is stale now.
	err = c.UpdateSCSIMappings(admin, v1.UUID, EtagOf(v1.Rev), nil)
	wantKind(t, err, model.KindStale, "etag")
	v1 = partByName(c, "vios1")
	keep := vios.SCSISpec{Client: lpar10.UUID, Backing: model.BackLU, BackingID: clone.UUID, ServerSlot: m.ServerSlot, ClientSlot: m.ClientSlot}
	// Mapping the LU to another partition is refused, nothing changes.
	err = c.UpdateSCSIMappings(admin, v1.UUID, EtagOf(v1.Rev), []vios.SCSISpec{keep, {Client: lpar11.UUID, Backing: model.BackLU, BackingID: clone.UUID}})
	wantKind(t, err, model.KindRefused, "already mapped to partition lpar10")
	// A second disk for the same client shares the adapter pair.
	pv := ""
	c.Read(func(st *model.State) { pv = vios.PVByName(&Tx{c: c, st: st}, v1.UUID, "hdisk5").UUID })
	if err := c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{keep, {Client: lpar10.UUID, Backing: model.BackPV, BackingID: pv}}); err != nil {
		t.Fatal(err)
	}
	c.Read(func(st *model.State) {
		ms := vios.SCSIMappings(&Tx{c: c, st: st}, v1.UUID)
		if len(ms) != 2 || ms[1].VHost != "vhost0" || ms[1].Target != "vtscsi1" || ms[1].LUA != "0x8200000000000000" {
			t.Fatalf("second mapping %+v", ms)
		}
	})
	// Deleting the client removes its mappings; then everything goes.
	if err := c.DeletePartition(admin, lpar10.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.maps != 0 {
		t.Fatalf("mappings after deleting the client: %d", got.maps)
	}
	if err := c.DeleteLU(admin, clone.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLU(admin, img.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.free != before.free || got.lus != 0 {
		t.Fatalf("after cleanup %+v, want free %d", got, before.free)
	}
}

func TestVolumeGroupReconcile(t *testing.T) {
	c, _ := openStorageTest(t)
	v1 := partByName(c, "vios1")
	var vg *model.VolumeGroup
	c.Read(func(st *model.State) { vg = vios.VGByName(&Tx{c: c, st: st}, v1.UUID, "rootvg") })
	before := viewStorage(c, "vios1")
	want := VGWant{LVs: []LVWant{{Name: "lv_vm1", CapacityMB: 10240}}, Repository: &RepositoryWant{Name: "VMLibrary", SizeMB: 10240}}
	vg2, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, EtagOf(vg.Rev), want)
	if err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1").vgFree; got != before.vgFree-10240 {
		t.Fatalf("rootvg free %d, want %d", got, before.vgFree-10240)
	}
	// Too big: refused, nothing changed.
	want.LVs = append(want.LVs, LVWant{Name: "lv_big", CapacityMB: before.vgFree})
	_, err = c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, EtagOf(vg2.Rev), want)
	wantKind(t, err, model.KindRefused, "not enough free space")
	// Grow, add media, then remove everything.
	want.LVs = []LVWant{{Name: "lv_vm1", CapacityMB: 20480}}
	want.Repository.Media = []MediaWant{{Name: "blank", SizeMB: 100}}
	if _, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", want); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.vgFree != before.vgFree-20480 || got.repo != before.repo-100 {
		t.Fatalf("after growth: %+v", got)
	}
	want = VGWant{Repository: &RepositoryWant{Name: "VMLibrary"}}
	if _, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", want); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.vgFree != before.vgFree || got.repo != before.repo {
		t.Fatalf("after removal: %+v, want %+v", got, before)
	}
}

func TestUploads(t *testing.T) {
	c, dir := openStorageTest(t)
	v1 := partByName(c, "vios1")
	data := bytes.Repeat([]byte("iso9660 "), 300000) // 2.4 MB
	sum := sha256.Sum256(data)
	// Names with paths are refused.
	for _, name := range []string{"../../etc/passwd", "a/b", "..", strings.Repeat("x", 38)} {
		_, err := c.CreateFile(admin, &model.File{Name: name, Type: model.FileISO, VIOS: v1.UUID, Expected: int64(len(data))})
		wantKind(t, err, model.KindInvalid, "not valid")
	}
	mk := func(name string, sha string) *model.File {
		f, err := c.CreateFile(admin, &model.File{Name: name, Type: model.FileISO, VIOS: v1.UUID, Expected: int64(len(data)), SHA256: sha})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	uploads := func() int {
		ents, _ := os.ReadDir(filepath.Join(dir, "files", "uploads"))
		return len(ents)
	}
	// Short, long, and wrong checksum: refused, nothing left behind.
	f := mk("cfg.iso", hex.EncodeToString(sum[:]))
	for _, body := range [][]byte{data[:len(data)-1], append(append([]byte{}, data...), 'x')} {
		_, err := c.UploadFile(admin, f.UUID, bytes.NewReader(body))
		wantKind(t, err, model.KindInvalid, "expected")
		if uploads() != 0 {
			t.Fatal("a failed upload left its contents")
		}
	}
	bad := append([]byte{}, data...)
	bad[0] = 'X'
	_, err := c.UploadFile(admin, f.UUID, bytes.NewReader(bad))
	wantKind(t, err, model.KindInvalid, "checksum")
	if uploads() != 0 || viewStorage(c, "vios1").repo != seedRepoFree() {
		t.Fatal("a failed upload changed something")
	}
	// The right contents land as media.
	done, err := c.UploadFile(admin, f.UUID, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var m *model.OpticalMedia
	c.Read(func(st *model.State) { m = vios.MediaByName(&Tx{c: c, st: st}, v1.UUID, "cfg.iso") })
	if m == nil || m.UUID != done.MediaUUID || m.SizeMB != 3 {
		t.Fatalf("media %+v", m)
	}
	got, err := os.ReadFile(c.MediaContentPath(m))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored contents: %v", err)
	}
	if err := c.DeleteFile(admin, f.UUID); err != nil {
		t.Fatal(err)
	}
	// Removing the media removes its contents.
	var vg *model.VolumeGroup
	c.Read(func(st *model.State) { vg = vios.VGByName(&Tx{c: c, st: st}, v1.UUID, "rootvg") })
	if _, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", VGWant{Repository: &RepositoryWant{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.MediaContentPath(m)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("media contents still there: %v", err)
	}
}

func seedRepoFree() int { return 10240 }

func TestRepositoryResize(t *testing.T) {
	c, _ := openStorageTest(t)
	v1 := partByName(c, "vios1")
	var vg *model.VolumeGroup
	c.Read(func(st *model.State) { vg = vios.VGByName(&Tx{c: c, st: st}, v1.UUID, "rootvg") })
	before := viewStorage(c, "vios1")
	if _, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", VGWant{Repository: &RepositoryWant{SizeMB: 20480, Media: []MediaWant{{Name: "m1", SizeMB: 5000}}}}); err != nil {
		t.Fatal(err)
	}
	if got := viewStorage(c, "vios1"); got.vgFree != before.vgFree-10240 || got.repo != 20480-5000 {
		t.Fatalf("after growing: %+v", got)
	}
	_, err := c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", VGWant{Repository: &RepositoryWant{SizeMB: 1024, Media: []MediaWant{{Name: "m1"}}}})
	wantKind(t, err, model.KindRefused, "cannot shrink")
	_, err = c.UpdateVolumeGroup(admin, v1.UUID, vg.UUID, "", VGWant{Repository: &RepositoryWant{SizeMB: 10 * before.vgFree, Media: []MediaWant{{Name: "m1"}}}})
	wantKind(t, err, model.KindRefused, "not enough free space")
}
