package core

import (
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// Benchmarks of the backup and the restore of 1,000 partitions (issue 6:
// each under 2 s). Run with
//
//	go test -run '^$' -bench 'BackupProfile1000|RestoreFull1000' -benchtime 5x ./internal/core

// BenchmarkBackupProfile1000: bkprofdata's work in the core on a system
// of 1,000 partitions (each with its virtual Ethernet adapters): the
// profile.bak from the committed view.
func BenchmarkBackupProfile1000(b *testing.B) {
	c := openBench(b, b.TempDir(), benchInventory(1000, 1100))
	defer c.Close()
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, _, err := c.BackupProfile(false)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/backup")
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkRestoreFull1000: rstprofdata -l 1 of that backup on a fresh
// server (the default layout): parse, check, and one durable transaction
// that creates the 994 partitions the server lacks (the seeded ones are
// the same) with their
// adapters.
func BenchmarkRestoreFull1000(b *testing.B) {
	src := openBench(b, b.TempDir(), benchInventory(1000, 1100))
	data, _, err := src.BackupProfile(false)
	src.Close()
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := openBench(b, b.TempDir(), benchInventory(6, 1100))
		b.StartTimer()
		t0 := time.Now()
		rep, err := c.RestoreProfile(admin, data, RestoreFull, false, false)
		total += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		n := 0
		c.Read(func(st *model.State) { n = len(st.Partitions) })
		if n != 1000 || len(rep.Created)+len(rep.Unchanged) != 999 { // the management partition is never touched
			b.Fatalf("%d partitions after the restore, %d created, %d unchanged", n, len(rep.Created), len(rep.Unchanged))
		}
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/float64(b.N)/1e6, "ms/restore")
}
