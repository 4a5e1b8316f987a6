// Package store keeps the model durable in a bbolt file. Writes arrive as
// ordered commits from the core's single writer; one goroutine (the
// committer) applies everything waiting in one bbolt transaction (group
// commit: concurrent operations share its two fdatasyncs), in key order,
// and another (the reporter) reports each commit's outcome, in order,
// while the committer writes the next batch. Nothing is reported done
// before it is on disk.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Buckets.
const (
	BucketMeta       = "meta"
	BucketPartitions = "partitions"
	BucketUsers      = "users"
)

// Change puts Value at Key in Bucket; a nil Value deletes the key.
type Change struct {
	Bucket string
	Key    string
	Value  []byte
}

// Commit is one operation's changes. Done is called once, from the
// committer goroutine, after the changes are durable (err nil) or have
// failed; Done calls happen in Submit order.
type Commit struct {
	Changes []Change
	Done    func(err error)
	// Packed fills the pages the transaction writes instead of leaving
	// half of each free for later inserts: for bulk loads in key order
	// (seeding), whose file is then half the size.
	Packed bool
}

// Store is an open state file.
type Store struct {
	db     *bolt.DB
	queue  chan *Commit
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	// MaxBatch bounds how many commits share one transaction.
	maxBatch int
	stats    Stats
	// sorted is the committer's scratch list of a batch's changes.
	sorted []Change
	// written takes the batches from the committer to the reporter;
	// batches brings their slices back.
	written chan written
	batches chan []*Commit
	// readOnly: opened by OpenReadOnly (nothing is ever submitted).
	readOnly bool
}

// Stats counts what the committer did.
type Stats struct {
	Commits      uint64 // operations committed
	Transactions uint64 // bbolt transactions (fsyncs)
	Waits        uint64 // transactions that waited for more commits
	WaitsRunOut  uint64 // ... and were written without all they waited for
}

// initialMmapSize is the address space mapped for the state file at open.
const initialMmapSize = 1 << 30

// ErrClosed is returned for commits submitted after Close.
var ErrClosed = errors.New("store closed")

// Open opens (creating if needed) the state file at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        2 * time.Second,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Address space only (the file grows as pages are written): bbolt
		// remaps when the file outgrows the mapping, and a remap in a write
		// transaction copies every node it holds out of the old mapping.
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("state file %s is locked by another process (is another pvmd running on this state directory?)", path)
		}
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{BucketMeta, BucketPartitions, BucketUsers} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, queue: make(chan *Commit, 4096), maxBatch: 2048,
		written: make(chan written, 2), batches: make(chan []*Commit, 3)}
	s.wg.Add(2)
	go s.committer()
	go s.reporter()
	return s, nil
}

// written is a batch the committer wrote (or failed to).
type written struct {
	batch []*Commit
	err   error
}

// Submit queues a commit. Commits are applied and reported in the order
// they are submitted.
func (s *Store) Submit(c *Commit) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Done(ErrClosed)
		return
	}
	s.queue <- c
	s.mu.Unlock()
}

// committer writes what is queued in one transaction, then the next: the
// Done calls of a batch are made by the reporter while the next batch is
// being written, so that the disk is not kept waiting for them.
//
// Writers wait for their commit before they submit the next, so with n
// writers a batch would settle at about n/2 (half of them wait while the
// other half's transaction is written). When a transaction ends, the
// commits it held and those already waiting are the writers in play:
// the committer gathers that many for the next transaction, waiting for
// the stragglers up to two transactions' time (the turn-around of a
// writer over HTTP, under load, is often longer than one), so that one
// transaction serves them all: a transaction costs the same CPU and
// fsyncs whether it holds 10 commits or 15. A wait that runs out (writers
// that pause between commits, or fewer of them) leaves the next one
// gathering only the commits that came.
func (s *Store) committer() {
	defer s.wg.Done()
	defer close(s.written)
	var (
		expect int           // commits to gather for the next transaction
		txTime time.Duration // a transaction's duration, averaged
	)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range s.queue {
		var batch []*Commit
		select {
		case batch = <-s.batches:
		default:
			batch = make([]*Commit, 0, 64)
		}
		batch = append(batch, first)
		closed := false
	drain:
		for len(batch) < s.maxBatch {
			select {
			case c, ok := <-s.queue:
				if !ok {
					closed = true
					break drain
				}
				batch = append(batch, c)
			default:
				break drain
			}
		}
		if want := min(expect, s.maxBatch); len(batch) < want && !closed {
			s.stats.Waits++
			timer.Reset(min(2*txTime, maxLinger))
		gather:
			for len(batch) < want {
				select {
				case c, ok := <-s.queue:
					if !ok {
						break gather
					}
					batch = append(batch, c)
				case <-timer.C:
					s.stats.WaitsRunOut++
					break gather
				}
			}
			timer.Stop()
		}
		t0 := time.Now()
		err := s.db.Update(func(tx *bolt.Tx) error { return s.write(tx, batch) })
		txTime = (3*txTime + time.Since(t0)) / 4
		expect = len(batch) + len(s.queue)
		s.stats.Transactions++
		if err == nil {
			s.stats.Commits += uint64(len(batch))
		}
		s.written <- written{batch, err}
	}
}

// maxLinger bounds how long the committer waits for a batch to fill.
const maxLinger = 4 * time.Millisecond

// reporter makes the Done calls of the written batches, in order.
func (s *Store) reporter() {
	defer s.wg.Done()
	for w := range s.written {
		for _, c := range w.batch {
			c.Done(w.err)
		}
		clear(w.batch) // the commits and their values can go
		select {
		case s.batches <- w.batch[:0]:
		default:
		}
	}
}

// write puts a batch's changes into tx in key order. bbolt keeps a
// transaction's inserts in sorted in-memory nodes that split only at
// commit, so inserting n keys in random order moves O(n²) bytes (seeding
// 100,000 partitions took over a minute); in key order each insert is an
// append. The sort is stable, so changes to one key keep their order and
// only the last one is written, as if applied in submission order.
func (s *Store) write(tx *bolt.Tx, batch []*Commit) error {
	s.sorted = s.sorted[:0]
	fill := bolt.DefaultFillPercent
	for _, c := range batch {
		s.sorted = append(s.sorted, c.Changes...)
		if c.Packed {
			fill = 1
		}
	}
	if !slices.IsSortedFunc(s.sorted, compareChanges) {
		slices.SortStableFunc(s.sorted, compareChanges)
	}
	var b *bolt.Bucket
	var bname string
	for i, ch := range s.sorted {
		if i+1 < len(s.sorted) && s.sorted[i+1].Key == ch.Key && s.sorted[i+1].Bucket == ch.Bucket {
			// A later change to the same key in this batch wins (every
			// create rewrites the system record and the sequence).
			continue
		}
		if b == nil || ch.Bucket != bname {
			var err error
			if b, err = tx.CreateBucketIfNotExists([]byte(ch.Bucket)); err != nil {
				return err
			}
			b.FillPercent = fill
			bname = ch.Bucket
		}
		var err error
		if ch.Value == nil {
			err = b.Delete([]byte(ch.Key))
		} else {
			err = b.Put([]byte(ch.Key), ch.Value)
		}
		if err != nil {
			return err
		}
	}
	clear(s.sorted) // drop the references to the values
	return nil
}

func compareChanges(a, b Change) int {
	if c := strings.Compare(a.Bucket, b.Bucket); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// Stats returns counters (call after Close for exact figures).
func (s *Store) Stats() Stats { return s.stats }

// Get reads one value (nil when absent).
func (s *Store) Get(bucket, key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

// ForEach calls fn for every key of a bucket, in key order. The slices are
// valid only during the call.
func (s *Store) ForEach(bucket string, fn func(k, v []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(fn)
	})
}

// Fill is Update for bulk loads in key order: the pages are packed full
// (see Commit.Packed).
func (s *Store) Fill(changes []Change) error {
	done := make(chan error, 1)
	s.Submit(&Commit{Changes: changes, Packed: true, Done: func(err error) { done <- err }})
	return <-done
}

// Reset empties the file: every bucket goes and the usual ones are made
// again. It is for a seed that starts over (a seed interrupted before its
// last transaction leaves records but no system), before the core starts;
// it runs in the caller's goroutine, as bbolt's one writer.
func (s *Store) Reset() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		var names [][]byte
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		}); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.DeleteBucket(n); err != nil {
				return err
			}
		}
		for _, b := range []string{BucketMeta, BucketPartitions, BucketUsers} {
			if _, err := tx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Update applies changes in one durable transaction, outside the commit
// queue (for seeding a fresh state before the core starts).
func (s *Store) Update(changes []Change) error {
	done := make(chan error, 1)
	s.Submit(&Commit{Changes: changes, Done: func(err error) { done <- err }})
	return <-done
}

// Close waits for queued commits and closes the file.
func (s *Store) Close() error {
	if s.readOnly {
		return s.db.Close()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	s.wg.Wait()
	return s.db.Close()
}
