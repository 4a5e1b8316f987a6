package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMapped drops the state file's pages from the process's resident
// memory (they stay in the kernel's page cache; a later read maps them
// again). A load reads the whole file through bbolt's read-only shared
// mapping, which would otherwise keep the file resident for good. Call it
// when no transaction is open (after the load, before serving).
func (s *Store) ReleaseMapped() error {
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return err
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, s.db.Info().Data, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
		return errno
	}
	return nil
}
