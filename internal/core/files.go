package core

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Uploads (the web File service): a client makes a File record, then
// sends its contents; the contents land as virtual optical media in a
// VIOS's repository or as the contents of a logical unit or volume.
// Everything is stored under Config.FilesDir:
//
//	uploads/<file uuid>.<random>  contents while they arrive (one file per
//	                              upload; nothing else ever writes it)
//	media/<media uuid>            an optical media's image
//	disks/<device uuid>           what was written to a logical unit or volume
//
// One upload per File at a time: a second one is refused while the first
// is in progress. What lands is the file that was checksummed, synced
// before it is renamed into place. The temporary files a crash leaves are
// swept when the core opens and before an upload of the same File starts.

func (c *Core) filesDir(sub string) string { return filepath.Join(c.cfg.FilesDir, sub) }

// MediaContentPath is where an optical media's image is kept ("" when it
// has none).
func (c *Core) MediaContentPath(m *model.OpticalMedia) string {
	if m.File == "" {
		return ""
	}
	return filepath.Join(c.cfg.FilesDir, filepath.FromSlash(m.File))
}

// CreateFile checks and records a File an upload will fill.
func (c *Core) CreateFile(a Actor, f *model.File) (*model.File, error) {
	var out *model.File
	err := c.Apply(a, func(tx *Tx) error {
		if err := checkFile(tx, f); err != nil {
			return err
		}
		n := *f
		n.UUID = newObjectUUID()
		n.Created = tx.Now().UnixMilli()
		n.Owner = a.User
		n.Size, n.Complete, n.Path = 0, false, "uploads/"+n.UUID
		tx.Put(&n)
		out = &n
		return nil
	})
	return out, err
}

// checkFile validates a File record against the VIOS and its target.
func checkFile(tx *Tx, f *model.File) error {
	switch f.Type {
	case model.FileISO:
		if err := model.ValidateDeviceName("virtual optical media", f.Name, model.MaxMediaName); err != nil {
			return err
		}
	case model.FileImage:
		if err := model.ValidateDeviceName("file", f.Name, model.MaxLUName); err != nil {
			return err
		}
	default:
		return model.ErrBadValue("FileEnumType", f.Type, model.FileISO+", "+model.FileImage)
	}
	if f.Expected < 0 {
		return model.Invalid("The expected file size %d is not valid.", f.Expected)
	}
	if f.SHA256 != "" {
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
			return model.ErrBadValue("SHA256", f.SHA256, "64 hexadecimal digits")
		}
		f.SHA256 = strings.ToLower(f.SHA256)
	}
	v := tx.Partition(f.VIOS)
	if v == nil || !v.IsVIOS() {
		return model.ErrNoObject("VirtualIOServer", f.VIOS)
	}
	mb := ceilMB(f.Expected)
	switch f.Type {
	case model.FileISO:
		if vios.Repository(tx, v.UUID) == nil {
			return model.Refused("The Virtual I/O Server %s has no virtual media repository; create one first.", v.Name)
		}
		if vios.MediaByName(tx, v.UUID, f.Name) != nil {
			return model.Invalid("The virtual optical media name %s is already in use in the repository of %s.", f.Name, v.Name)
		}
		if free := vios.RepositoryFreeMB(tx, v.UUID); mb > free {
			return model.ErrNoSpace("the virtual media repository of "+v.Name, mb, free)
		}
	case model.FileImage:
		capMB, err := diskTarget(tx, v, f.TargetLU)
		if err != nil {
			return err
		}
		if mb > capMB {
			return model.Invalid("The file of %d bytes does not fit in the target device of %d MB.", f.Expected, capMB)
		}
	}
	return nil
}

// diskTarget finds the logical unit or logical volume a disk image goes to
// and returns its capacity.
func diskTarget(tx *Tx, v *model.Partition, udid string) (int, error) {
	if udid == "" {
		return 0, model.Invalid("A disk image upload needs the target device's UniqueDeviceID.")
	}
	if lu := vios.LUByUDID(tx, udid); lu != nil {
		return lu.CapacityMB, nil
	}
	var lv *model.LogicalVolume
	tx.each(model.KindLV, func(o model.Object) {
		if l := o.(*model.LogicalVolume); l.VIOS == v.UUID && strings.EqualFold(l.UDID, udid) {
			lv = l
		}
	})
	if lv == nil {
		return 0, model.ErrNoObject("target device", udid+" on "+v.Name)
	}
	return lv.CapacityMB, nil
}

func ceilMB(b int64) int { return int((b + 1<<20 - 1) >> 20) }

// DeleteFile removes a File record (and contents still being uploaded;
// contents that landed belong to their media or disk).
func (c *Core) DeleteFile(a Actor, uuid string) error {
	err := c.Apply(a, func(tx *Tx) error {
		f, _ := tx.Get(model.KindFile, uuid).(*model.File)
		if f == nil {
			return model.ErrNoObject("File", uuid)
		}
		tx.Delete(model.KindFile, uuid)
		return nil
	})
	// An upload in progress removes its own temporary file when it finds
	// the record gone.
	return err
}

// beginUpload claims a File for one upload; false when another upload of
// it is in progress.
func (c *Core) beginUpload(uuid string) bool {
	c.uploadsMu.Lock()
	defer c.uploadsMu.Unlock()
	if c.uploading == nil {
		c.uploading = map[string]bool{}
	}
	if c.uploading[uuid] {
		return false
	}
	c.uploading[uuid] = true
	return true
}

func (c *Core) endUpload(uuid string) {
	c.uploadsMu.Lock()
	delete(c.uploading, uuid)
	c.uploadsMu.Unlock()
}

// sweepUploads removes the temporary files of uploads that are not in
// progress: all of them when the core opens (prefix ""), those of one File
// before a new upload of it starts.
func (c *Core) sweepUploads(prefix string) {
	dir := c.filesDir("uploads")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.log.Warn("remove the temporary file of an interrupted upload", "file", e.Name(), "err", err)
		} else {
			c.log.Info("removed the temporary file of an interrupted upload", "file", e.Name())
		}
	}
}

// UploadFile reads a File's contents from body, checks their size and
// checksum, and lands them: as optical media in the repository, or as
// what was written to the target disk. A failed upload leaves nothing
// behind (the record stays, to be deleted or uploaded again).
func (c *Core) UploadFile(a Actor, uuid string, body io.Reader) (*model.File, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	var f *model.File
	var limit int64
	c.Read(func(st *model.State) {
		f, _ = st.Get(model.KindFile, uuid).(*model.File)
		if f == nil {
			return
		}
		tx := &Tx{c: c, st: st}
		switch f.Type {
		case model.FileISO:
			limit = int64(vios.RepositoryFreeMB(tx, f.VIOS)) << 20
		default:
			if v := st.Partition(f.VIOS); v != nil {
				mb, _ := diskTarget(tx, v, f.TargetLU)
				limit = int64(mb) << 20
			}
		}
	})
	if f == nil {
		return nil, model.ErrNoObject("File", uuid)
	}
	if f.Complete {
		return nil, model.Refused("The contents of file %s were already uploaded.", f.Name)
	}
	if f.Expected > 0 && f.Expected < limit {
		limit = f.Expected
	}
	if !c.beginUpload(f.UUID) {
		return nil, ErrUploadInProgress(f.Name)
	}
	defer c.endUpload(f.UUID)
	// What an interrupted upload of this File left (a crash) goes first.
	c.sweepUploads(f.UUID + ".")
	if err := os.MkdirAll(c.filesDir("uploads"), 0o750); err != nil {
		return nil, model.Internal("upload directory: %v", err)
	}
	w, err := os.CreateTemp(c.filesDir("uploads"), f.UUID+".*")
	if err != nil {
		return nil, model.Internal("upload %s: %v", f.Name, err)
	}
	part := w.Name()
	crashPoint("upload-created")
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(body, limit+1))
	if err == nil {
		err = w.Chmod(0o640)
	}
	if err == nil {
		err = w.Sync() // the bytes checked are on disk before they are renamed into place
	}
	crashPoint("upload-synced")
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	fail := func(e error) (*model.File, error) {
		os.Remove(part)
		return nil, e
	}
	if err != nil {
		return fail(model.Invalid("The upload of file %s failed after %d bytes: %v", f.Name, n, err))
	}
	switch {
	case n > limit && f.Expected > 0:
		return fail(model.Invalid("The upload of file %s has more than the expected %d bytes.", f.Name, f.Expected))
	case n > limit:
		return fail(model.ErrNoSpace("the target of file "+f.Name, ceilMB(n), int(limit>>20)))
	case f.Expected > 0 && n != f.Expected:
		return fail(model.Invalid("The upload of file %s has %d bytes; %d were expected.", f.Name, n, f.Expected))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if f.SHA256 != "" && sum != f.SHA256 {
		return fail(model.Invalid("The SHA-256 checksum of file %s is %s; %s was expected.", f.Name, sum, f.SHA256))
	}
	// Land the contents under their device, then record it.
	var out *model.File
	var landed string
	err = c.Apply(a, func(tx *Tx) error {
		cur, _ := tx.Get(model.KindFile, uuid).(*model.File)
		if cur == nil {
			return model.ErrNoObject("File", uuid)
		}
		if cur.Complete {
			return model.Refused("The contents of file %s were already uploaded.", cur.Name)
		}
		v, err := vios.Ready(tx, cur.VIOS)
		if err != nil {
			return err
		}
		n2 := cur.CloneObject().(*model.File)
		n2.Size, n2.Complete = n, true
		switch cur.Type {
		case model.FileISO:
			m, err := vios.AddMedia(tx, v, cur.Name, ceilMB(n), "rw", "")
			if err != nil {
				return err
			}
			m.File = "media/" + m.UUID
			n2.MediaUUID = m.UUID
			landed = m.File
		default:
			if lu := vios.LUByUDID(tx, cur.TargetLU); lu != nil {
				if err := vios.WriteLU(tx, lu, ceilMB(n)); err != nil {
					return err
				}
				landed = "disks/" + lu.UUID
			} else {
				var lv *model.LogicalVolume
				tx.each(model.KindLV, func(o model.Object) {
					if l := o.(*model.LogicalVolume); l.VIOS == v.UUID && strings.EqualFold(l.UDID, cur.TargetLU) {
						lv = l
					}
				})
				if lv == nil {
					return model.ErrNoObject("target device", cur.TargetLU)
				}
				if ceilMB(n) > lv.CapacityMB {
					return model.ErrNoSpace("logical volume "+lv.Name, ceilMB(n), lv.CapacityMB)
				}
				landed = "disks/" + lv.UUID
			}
		}
		dst := c.filesDir(filepath.FromSlash(landed))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return model.Internal("content directory: %v", err)
		}
		if err := os.Rename(part, dst); err != nil {
			return model.Internal("store the contents of %s: %v", cur.Name, err)
		}
		syncDir(filepath.Dir(dst))
		crashPoint("upload-landed") // the contents are in place, the record not yet committed
		tx.Put(n2)
		out = n2
		return nil
	})
	if err != nil {
		os.Remove(part)
		if landed != "" {
			os.Remove(c.filesDir(filepath.FromSlash(landed)))
		}
		return nil, err
	}
	return out, nil
}

// ErrUploadInProgress refuses a second upload of a File while one is in
// progress.
func ErrUploadInProgress(name string) error {
	return &model.Error{ID: "PVME01050410-0003", Kind: model.KindRefused,
		Msg: "The contents of file " + name + " are being uploaded by another request; wait for that upload to end, or delete the File and make a new one."}
}

// sweepContent removes stored contents whose media or disk is gone.
func (c *Core) sweepContent() {
	if c.cfg.FilesDir == "" {
		return
	}
	for _, sub := range []struct {
		dir   string
		kinds []model.ObjKind
	}{{"media", []model.ObjKind{model.KindMedia}}, {"disks", []model.ObjKind{model.KindLU, model.KindLV}}} {
		ents, err := os.ReadDir(c.filesDir(sub.dir))
		if err != nil {
			continue
		}
		var gone []string
		c.Read(func(st *model.State) {
			for _, e := range ents {
				found := false
				for _, k := range sub.kinds {
					if st.Get(k, e.Name()) != nil {
						found = true
					}
				}
				if !found {
					gone = append(gone, e.Name())
				}
			}
		})
		for _, name := range gone {
			if err := os.Remove(filepath.Join(c.filesDir(sub.dir), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				c.log.Warn("remove stored contents", "path", name, "err", err)
			}
		}
	}
}
