package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func TestGroupCommitOrderAndDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	// Submit from one goroutine (as the core's writer does) and wait from many.
	for i := 0; i < n; i++ {
		i := i
		wg.Add(1)
		s.Submit(&Commit{Changes: []Change{{Bucket: BucketPartitions, Key: fmt.Sprintf("k%04d", i), Value: []byte(fmt.Sprint(i))}},
			Done: func(err error) {
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				wg.Done()
			}})
	}
	wg.Wait()
	for i, v := range order {
		if v != i {
			t.Fatalf("commit %d reported as %d: done callbacks out of order", i, v)
		}
	}
	// Deletes and overwrites apply in order too.
	if err := s.Update([]Change{{Bucket: BucketPartitions, Key: "k0001"}, {Bucket: BucketPartitions, Key: "k0002", Value: []byte("two")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Commits != n+1 || st.Transactions > st.Commits {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%d commits in %d transactions", st.Commits, st.Transactions)

	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	count := 0
	s2.ForEach(BucketPartitions, func(k, v []byte) error { count++; return nil })
	if count != n-1 {
		t.Fatalf("reopened store has %d keys, want %d", count, n-1)
	}
	if v, _ := s2.Get(BucketPartitions, "k0002"); string(v) != "two" {
		t.Fatalf("k0002 = %q", v)
	}
	if v, _ := s2.Get(BucketPartitions, "k0001"); v != nil {
		t.Fatalf("deleted key still there: %q", v)
	}
	// Commits after Close fail cleanly.
	s3, _ := Open(filepath.Join(t.TempDir(), "t.db"))
	s3.Close()
	if err := s3.Update([]Change{{Bucket: BucketMeta, Key: "x", Value: []byte("y")}}); err != ErrClosed {
		t.Fatalf("update after close: %v", err)
	}
}

func TestSecondOpenRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("a second process could open the same state file")
	}
}

// TestBatchAppliesInOrder: the committer writes a transaction's changes in
// key order (bbolt inserts in order are appends), but changes to one key
// keep the order they were submitted in: the last one wins.
func TestBatchAppliesInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update([]Change{
		{Bucket: BucketPartitions, Key: "z", Value: []byte("1")},
		{Bucket: BucketPartitions, Key: "a", Value: []byte("1")},
		{Bucket: BucketMeta, Key: "m", Value: []byte("1")},
		{Bucket: BucketPartitions, Key: "z", Value: []byte("2")},
		{Bucket: BucketPartitions, Key: "a"},
		{Bucket: BucketPartitions, Key: "b", Value: []byte("1")},
		{Bucket: BucketPartitions, Key: "b"},
		{Bucket: BucketPartitions, Key: "b", Value: []byte("3")},
		{Bucket: "other", Key: "x", Value: []byte("1")},
		// The first key of a bucket changed twice: only the last change
		// is written, and into its own bucket.
		{Bucket: "other2", Key: "k", Value: []byte("1")},
		{Bucket: "other2", Key: "k", Value: []byte("2")},
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct{ bucket, key, want string }{
		{BucketPartitions, "z", "2"}, {BucketPartitions, "a", ""}, {BucketPartitions, "b", "3"},
		{BucketMeta, "m", "1"}, {"other", "x", "1"}, {"other2", "k", "2"}, {"other", "k", ""},
	} {
		v, err := s.Get(c.bucket, c.key)
		if err != nil || string(v) != c.want {
			t.Errorf("%s/%s = %q, %v; want %q", c.bucket, c.key, v, err, c.want)
		}
	}
}
