package atomicfile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWriteRefusesSpecialFiles: a FIFO, a socket, a directory, a link to
// one of them and a link to nowhere are refused and left as they were.
func TestWriteRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	for name, target := range map[string]string{"tofifo": fifo, "nowhere": filepath.Join(dir, "missing")} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path string
		mode fs.FileMode // type the path keeps (Lstat)
		want error
		says string
	}{
		{fifo, fs.ModeNamedPipe, ErrNotRegular, "a named pipe"},
		{sock, fs.ModeSocket, ErrNotRegular, "a socket"},
		{sub, fs.ModeDir, ErrNotRegular, "a directory"},
		{filepath.Join(dir, "tofifo"), fs.ModeSymlink, ErrNotRegular, "a named pipe"},
		{filepath.Join(dir, "nowhere"), fs.ModeSymlink, fs.ErrNotExist, "cannot be reached"},
	} {
		err := Write(c.path, []byte("data"), 0o600, time.Time{})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Write(%s): %v, want %v (%q)", filepath.Base(c.path), err, c.want, c.says)
		}
		fi, err := os.Lstat(c.path)
		if err != nil || fi.Mode().Type() != c.mode {
			t.Errorf("%s after the refused write: %v %v", filepath.Base(c.path), fi.Mode(), err)
		}
	}
	if fi, _ := os.Lstat(fifo); fi.Mode().Type() != fs.ModeNamedPipe {
		t.Error("the FIFO is no longer a FIFO")
	}
	noTemps(t, dir)
}

// TestWriteThroughLink: a link to a regular file is followed; the link
// stays a link.
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.bak")
	os.WriteFile(real, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.bak")
	os.Symlink("real.bak", link)
	if err := Write(link, []byte("new"), 0o640, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode().Type() != fs.ModeSymlink {
		t.Error("the link was replaced")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("the file the link names holds %q", b)
	}
	noTemps(t, dir)
}

// TestStaleTempsSwept: the next Write of a file removes the temporary
// files interrupted writes of it left, and keeps a write's in progress
// (locked) and other files.
func TestStaleTempsSwept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "profile.bak")
	stale := filepath.Join(dir, ".profile.bak.tmp123")
	other := filepath.Join(dir, ".other.bak.tmp123")
	for _, p := range []string{stale, other} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	busy, err := CreateTemp(dir, ".profile.bak"+TmpMarker+"*")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := Write(path, []byte("data"), 0o600, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the stale temporary file is still there")
	}
	for _, p := range []string{other, busy.Name()} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	busy.Close()
	if err := RemoveStale(dir, func(n string) bool { return strings.HasPrefix(n, ".profile.bak.tmp") }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(busy.Name()); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a closed temporary file is not swept")
	}
}

// TestReadBounded: Read stops after its bound, on a device that never
// ends too.
func TestReadBounded(t *testing.T) {
	if _, err := Read("/dev/zero", 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read(/dev/zero): %v", err)
	}
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("12345"), 0o600)
	if b, err := Read(p, 5); err != nil || string(b) != "12345" {
		t.Errorf("Read at the bound: %q %v", b, err)
	}
	if _, err := Read(p, 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read beyond the bound: %v", err)
	}
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), TmpMarker) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestWriteVolatile: the unsynced write replaces the file whole, with its
// mode, sweeps what an interrupted write left and leaves no temporary
// file; a special file is refused as by Write.
func TestWriteVolatile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpuinfo")
	stale := filepath.Join(dir, ".cpuinfo"+TmpMarker+"9")
	os.WriteFile(stale, []byte("x"), 0o600)
	for _, data := range []string{"processor : 0\n", "processor : 0\nprocessor : 8\n"} {
		if err := WriteVolatile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the directory holds %d files, want only cpuinfo", len(ents))
	}
	if err := WriteVolatile(dir, []byte("x"), 0o644); err == nil {
		t.Error("a directory was replaced")
	}
}
