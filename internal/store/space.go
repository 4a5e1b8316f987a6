package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Space is one managed system's part of a state file: its buckets are
// the store's buckets whose names start with the space's prefix. A
// single-system state file is the one space with the empty prefix (the
// buckets are named as they always were); a fleet's state file holds one
// space per system ("system/<name>/") beside the fleet's own records.
// Every space of a file shares its committer: commits of several
// systems go into one transaction (one fsync), and a commit that changes
// several spaces is applied whole or not at all.
type Space struct {
	s      *Store
	prefix string
}

// Space returns the space of a prefix ("" is the whole file, as a single
// system uses it).
func (s *Store) Space(prefix string) *Space { return &Space{s: s, prefix: prefix} }

// Store is the state file the space is part of.
func (sp *Space) Store() *Store { return sp.s }

// Prefix is the prefix of the space's bucket names.
func (sp *Space) Prefix() string { return sp.prefix }

// Bucket is the store's name of the space's bucket b.
func (sp *Space) Bucket(b string) string { return sp.prefix + b }

// Prefixed renames changes made with the space's bucket names (as a
// system's core makes them) to the store's, in place.
func (sp *Space) Prefixed(changes []Change) []Change {
	if sp.prefix == "" {
		return changes
	}
	for i := range changes {
		changes[i].Bucket = sp.prefix + changes[i].Bucket
	}
	return changes
}

// Submit queues a commit whose changes name the space's buckets.
func (sp *Space) Submit(c *Commit) {
	sp.Prefixed(c.Changes)
	sp.s.Submit(c)
}

// Get reads one value of the space (nil when absent).
func (sp *Space) Get(bucket, key string) ([]byte, error) { return sp.s.Get(sp.prefix+bucket, key) }

// ForEach calls fn for every key of one of the space's buckets.
func (sp *Space) ForEach(bucket string, fn func(k, v []byte) error) error {
	return sp.s.ForEach(sp.prefix+bucket, fn)
}

// Fill is Store.Fill in the space.
func (sp *Space) Fill(changes []Change) error { return sp.s.Fill(sp.Prefixed(changes)) }

// Update is Store.Update in the space.
func (sp *Space) Update(changes []Change) error { return sp.s.Update(sp.Prefixed(changes)) }

// Reset empties the space: the whole file for the empty prefix (Store.Reset),
// else only the space's buckets (the usual ones are made again).
func (sp *Space) Reset() error {
	if sp.prefix == "" {
		return sp.s.Reset()
	}
	return sp.s.ResetSpaces([]string{sp.prefix})
}

// ResetSpaces empties the spaces of the prefixes (none empty), in one
// transaction: their buckets go and the usual ones are made again. It runs
// in the caller's goroutine, as bbolt's one writer, before the cores start.
func (s *Store) ResetSpaces(prefixes []string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		var names [][]byte
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			for _, p := range prefixes {
				if p != "" && bytes.HasPrefix(name, []byte(p)) {
					names = append(names, append([]byte(nil), name...))
					break
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		for _, p := range prefixes {
			for _, b := range []string{BucketMeta, BucketPartitions, BucketUsers} {
				if _, err := tx.CreateBucket([]byte(p + b)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Spaces lists the prefixes under which the file has a "meta" bucket
// whose name starts with under (the systems of a fleet: "system/").
func (s *Store) Spaces(under string) ([]string, error) {
	var out []string
	suffix := []byte("/" + BucketMeta)
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if bytes.HasPrefix(name, []byte(under)) && bytes.HasSuffix(name, suffix) {
				out = append(out, string(name[:len(name)-len(BucketMeta)]))
			}
			return nil
		})
	})
	return out, err
}

// OpenReadOnly opens a state file to read it while no pvmd has it open
// (pvmd fleet list of a stopped fleet): no commits, no committer.
func OpenReadOnly(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("state file %s is locked by a running pvmd", path)
		}
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	s := &Store{db: db, closed: true, readOnly: true}
	return s, nil
}
