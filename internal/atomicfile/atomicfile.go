// Package atomicfile writes a file so that it holds either its previous
// content or all of the new one, whatever happens (the scheduled backups,
// bkprofdata's profile.bak). It depends on nothing of novalink, so the
// command-line tools may use it.
package atomicfile

import (
	"os"
	"path/filepath"
	"time"
)

// TmpMarker is in the name of every temporary file Write makes:
// .<final name>.tmp<random>.
const TmpMarker = ".tmp"

// HookBeforeRename, when set (tests only), runs after the temporary file
// is complete and synced and before it is renamed: an error stands for a
// crash at that moment.
var HookBeforeRename func(tmp, final string) error

// Write writes data to path: a temporary file in the same directory is
// written, given mode (the umask does not apply) and mtime (when not
// zero), synced, renamed over path, and the directory synced. On any
// error the temporary file is removed and path is as it was.
func Write(path string, data []byte, mode os.FileMode, mtime time.Time) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+TmpMarker+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if !mtime.IsZero() {
		if err = os.Chtimes(tmp, mtime, mtime); err != nil {
			return err
		}
	}
	if err = f.Sync(); err != nil { // data, mode and time on disk before the rename
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if HookBeforeRename != nil {
		if err = HookBeforeRename(tmp, path); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
