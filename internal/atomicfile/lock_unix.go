//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

// lock takes the exclusive lock of a temporary file being written.
func lock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// tryLock reports whether the lock of a temporary file could be taken:
// nobody is writing it.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
