// Package testlock serialises tests of different packages that share
// something machine-wide. go test runs packages in parallel processes,
// and a few things cannot be told apart between them: the console
// helpers (mkvtermutil) are found by pgrep across the whole machine, as
// pypowervm finds them, so two packages opening consoles at once would
// see each other's processes. A test that needs such a thing alone takes
// its lock; the lock is a flock on a file in the temporary directory, so
// it is released when the test ends or when its process dies.
package testlock

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Consoles is the lock of tests that start console processes
// (mkvterm, mkvtermutil) or look for them machine-wide.
const Consoles = "consoles"

// Take blocks until this test holds the machine-wide lock called name,
// and releases it when the test ends.
func Take(t testing.TB, name string) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "novalink-test-"+name+".lock")
	// Read-only: flock needs no write access, so another user's tests
	// (a file root made first, 0644 after the umask) can take it too.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatalf("test lock %s: %v", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("test lock %s: %v", name, err)
	}
	t.Cleanup(func() {
		// Closing the file releases the lock too; a failed unlock says
		// something is wrong with the file.
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
			t.Errorf("test lock %s: unlock: %v", name, err)
		}
		f.Close()
	})
}
