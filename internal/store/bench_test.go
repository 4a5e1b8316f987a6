package store

// Benchmarks of the group commit. Run with e.g.
//
//	go test -run '^$' -bench . -benchtime 20000x ./internal/store
//
// Nothing here runs under plain `go test`.

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func benchKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// benchCommits submits b.N commits (one ~1 KB partition record plus the
// sequence number, as a partition create writes) from `writers` goroutines
// that each wait for their commit before the next, into a file that
// already holds `prefill` records.
func benchCommits(b *testing.B, writers, prefill int) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	val := make([]byte, 1024)
	for i := range val {
		val[i] = 'a' + byte(i%26)
	}
	for done := 0; done < prefill; {
		var ch []Change
		for ; done < prefill && len(ch) < 5000; done++ {
			ch = append(ch, Change{Bucket: BucketPartitions, Key: benchKey(), Value: val})
		}
		if err := s.Update(ch); err != nil {
			b.Fatal(err)
		}
	}
	before := s.stats
	var next atomic.Int64
	lat := make([][]time.Duration, writers)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			done := make(chan error, 1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				s.Submit(&Commit{Changes: []Change{
					{Bucket: BucketPartitions, Key: benchKey(), Value: val},
					{Bucket: BucketMeta, Key: "seq", Value: []byte("12345")},
				}, Done: func(err error) { done <- err }})
				if err := <-done; err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	txs := s.stats.Transactions - before.Transactions
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(float64(b.N)/float64(txs), "commits/tx")
	b.ReportMetric(float64(elapsed)/float64(txs)/1e6, "ms/tx")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100])/1e6, "p99-ms")
	}
}

func BenchmarkCommit1(b *testing.B)              { benchCommits(b, 1, 0) }
func BenchmarkCommit16(b *testing.B)             { benchCommits(b, 16, 0) }
func BenchmarkCommit16Prefill10000(b *testing.B) { benchCommits(b, 16, 10000) }
