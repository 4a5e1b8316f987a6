// Package atomicfile writes a file so that it holds either its previous
// content or all of the new one, whatever happens (the scheduled backups,
// bkprofdata's profile.bak), and reads one whole within a bound. It
// depends on nothing of novalink, so the command-line tools may use it.
//
// Only regular files are written or replaced: a device, FIFO, socket or
// directory at the path is refused and left alone. A symbolic link is
// followed: the file it names is replaced and the link stays.
//
// Temporary files are locked (flock) by the process writing them, so that
// the ones an interrupted write left (a crash, kill -9) can be told from
// writes in progress and swept: by the next Write of the same file, and
// by RemoveStale.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TmpMarker is in the name of every temporary file Write makes:
// .<final name>.tmp<random>.
const TmpMarker = ".tmp"

// ErrNotRegular is wrapped by the errors about paths that name something
// other than a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the errors of Read about files beyond its
// bound.
var ErrTooLarge = errors.New("file too large")

// HookBeforeRename, when set (tests only), runs after the temporary file
// is complete and synced and before it is renamed: an error stands for a
// crash at that moment.
var HookBeforeRename func(tmp, final string) error

// Target returns the file a Write of path replaces: path, or the file a
// symbolic link at path names. It must be a regular file or not exist;
// anything else is an error wrapping ErrNotRegular (or fs.ErrNotExist for
// a link to a missing file).
func Target(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	target := path
	if fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return "", fmt.Errorf("%s is a symbolic link to a file that cannot be reached: %w", path, err)
		}
		if fi, err = os.Lstat(target); err != nil {
			return "", err
		}
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is %s, %w", path, describe(fi.Mode()), ErrNotRegular)
	}
	return target, nil
}

// describe names the type of a file mode.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// Write writes data to path: a temporary file in the same directory is
// written, given mode (the umask does not apply) and mtime (when not
// zero), synced, renamed over path, and the directory synced. On any
// error the temporary file is removed and path is as it was. path (or
// the file a link at path names) must be a regular file or not exist.
func Write(path string, data []byte, mode os.FileMode, mtime time.Time) error {
	return write(path, data, mode, mtime, true)
}

// WriteVolatile replaces path as Write does, but syncs neither the file
// nor the directory: a reader sees the old content or the new, whole, but
// a crash of the machine may leave either, or an empty file. It is for
// files made again from durable state on every start (pvmd's proc files),
// whose syncs would only make a start wait on the disk.
func WriteVolatile(path string, data []byte, mode os.FileMode) error {
	return write(path, data, mode, time.Time{}, false)
}

func write(path string, data []byte, mode os.FileMode, mtime time.Time, durable bool) (err error) {
	path, err = Target(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + TmpMarker
	// What an interrupted write of this file left goes first.
	if err := RemoveStale(dir, func(name string) bool { return strings.HasPrefix(name, prefix) }); err != nil {
		return err
	}
	f, err := CreateTemp(dir, prefix+"*")
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
	if durable {
		if err = f.Sync(); err != nil { // data, mode and time on disk before the rename
			return err
		}
	}
	if HookBeforeRename != nil {
		if err = HookBeforeRename(tmp, path); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if err = f.Close(); err != nil { // the lock is held until the rename
		return err
	}
	if !durable {
		return nil
	}
	return SyncDir(dir)
}

// SyncDir makes a rename in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CreateTemp creates a temporary file as os.CreateTemp does and locks it
// for as long as it is open, so that RemoveStale leaves it alone.
func CreateTemp(dir, pattern string) (*os.File, error) {
	for {
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, err
		}
		if err := lock(f); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
		// A sweep may have removed the file between its creation and the
		// lock: then make another.
		if fi, err := os.Lstat(f.Name()); err == nil && os.SameFile(fi, mustStat(f)) {
			return f, nil
		}
		f.Close()
	}
}

func mustStat(f *os.File) fs.FileInfo {
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	return fi
}

// RemoveStale removes the temporary files in dir whose names match and
// that no process holds open through CreateTemp: what interrupted writes
// left. Writes in progress keep theirs. Other files are left alone.
func RemoveStale(dir string, match func(name string) bool) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !match(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if tryLock(f) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				f.Close()
				return err
			}
		}
		f.Close()
	}
	return nil
}

// Read reads a whole file of at most max bytes; a larger one (or one
// that never ends, a device) is an error wrapping ErrTooLarge, after
// max+1 bytes were read.
func Read(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadFrom(f, path, max)
}

// ReadFrom is Read from an open file (name is for the error).
func ReadFrom(r io.Reader, name string, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", name, max, ErrTooLarge)
	}
	return b, nil
}
