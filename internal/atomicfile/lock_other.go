//go:build !unix

package atomicfile

import "os"

// Without flock, temporary files are not locked: RemoveStale takes every
// matching file for stale (callers sweep only when no write runs).
func lock(f *os.File) error { return nil }

func tryLock(f *os.File) bool { return true }
