package core

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// diskInventory is n client partitions named in the inventory, each with
// two logical units mapped through both VIOSes, one thin, one thick and
// small (4n vSCSI mappings; n server adapters on each VIOS).
func diskInventory(n int) *Inventory {
	inv := DefaultInventory()
	inv.Clients.Count = 0
	inv.System.MaxPartitions = n + 100
	inv.VIOS.MaxVirtualSlots = n + 100
	for i := range n {
		ps := ClientSpec{Name: fmt.Sprintf("disks%d", i), MemoryMB: 1024}
		for j := range 2 {
			ps.Storage = append(ps.Storage, StorageSpec{LU: fmt.Sprintf("lu%d_%d", i, j), SizeMB: 1024 >> (4 * j), Thin: j == 0})
		}
		inv.Partitions = append(inv.Partitions, ps)
	}
	return inv
}

// BenchmarkSeedDisks: Open on a fresh state file with N and 2N client
// partitions with disks (diskInventory: build, the durable seed, the
// load), one after the other in each round, N from SEED_DISKS (default
// 2000). It reports each size's CPU per seed and their ratio, which is 2
// when seeding is linear in the partitions and mappings (4 when it is
// quadratic). Run with -benchtime 3x.
func BenchmarkSeedDisks(b *testing.B) {
	n := 2000
	if v := os.Getenv("SEED_DISKS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("SEED_DISKS=%q: a number of partitions, please", v)
		}
	}
	sizes := []int{n, 2 * n}
	var cpu, wall [2]time.Duration
	for i := 0; i < b.N; i++ {
		for j, size := range sizes {
			inv := diskInventory(size)
			dir := b.TempDir()
			t0, c0 := time.Now(), processCPU()
			c := openBench(b, dir, inv)
			cpu[j] += processCPU() - c0
			wall[j] += time.Since(t0)
			var parts, maps int
			c.Read(func(st *model.State) {
				parts, maps = len(st.Partitions), st.Count(model.KindSCSIMap)
			})
			c.Close()
			if parts != size+3 || maps != 4*size {
				b.Fatalf("%d partitions and %d mappings, want %d and %d", parts, maps, size+3, 4*size)
			}
		}
	}
	per := func(d time.Duration) float64 { return float64(d) / 1e6 / float64(b.N) }
	b.ReportMetric(per(cpu[0]), fmt.Sprintf("cpu-ms/seed%d", sizes[0]))
	b.ReportMetric(per(cpu[1]), fmt.Sprintf("cpu-ms/seed%d", sizes[1]))
	b.ReportMetric(per(wall[0]), fmt.Sprintf("ms/seed%d", sizes[0]))
	b.ReportMetric(per(wall[1]), fmt.Sprintf("ms/seed%d", sizes[1]))
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-ratio")
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "wall-ratio")
}
