//go:build !linux

package store

// ReleaseMapped does nothing on this system (see release_linux.go).
func (s *Store) ReleaseMapped() error { return nil }
