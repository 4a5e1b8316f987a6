package core

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// fleetSystems are n systems of the fleet benchmarks: each the
// NovaLink partition, 2 VIOS and 20 clients, in clusters of 8 systems.
func fleetSystems(dir string, n int) []FleetSystem {
	var out []FleetSystem
	for i := 1; i <= n; i++ {
		inv := fleetInventory(i)
		inv.Clients.Count = 20
		name := fmt.Sprintf("sys%03d", i)
		sd := filepath.Join(dir, "systems", name)
		out = append(out, FleetSystem{Name: name, Inventory: inv, Group: fmt.Sprintf("g%d", (i-1)/8),
			FilesDir: filepath.Join(sd, "files"), BackupDir: filepath.Join(dir, "backups"), PCMDir: filepath.Join(sd, "pcm")})
	}
	return out
}

func openBenchFleet(b *testing.B, dir string, n int) *Fleet {
	f, err := OpenFleet(FleetConfig{StatePath: filepath.Join(dir, "state.db"), Systems: fleetSystems(dir, n),
		System: Config{Timing: sim.Profiles["fast"], Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkFleetOpen200 opens a fleet of 200 systems (4,600 partitions):
// seeded from an empty state file, and again from the file it left.
func BenchmarkFleetOpen200(b *testing.B) {
	for _, existing := range []bool{false, true} {
		name := "empty"
		if existing {
			name = "existing"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				if existing {
					openBenchFleet(b, dir, 200).Close()
				}
				b.StartTimer()
				f := openBenchFleet(b, dir, 200)
				b.StopTimer()
				f.Close()
			}
		})
	}
}

// BenchmarkFleetWriter16 measures the fleet's one writer: b.N partition
// creates through Apply from 16 goroutines, into one system alone (its own
// writer and state file, the baseline) and spread over the 16 systems of
// one fleet (each goroutine its own system; one writer and one state file
// for all). Equal rates say that one writer for the fleet costs nothing
// per system writers would save: the commits share the store's
// transactions (group commit) either way.
func BenchmarkFleetWriter16(b *testing.B) {
	create := func(b *testing.B, cores []*Core) {
		admin := Actor{User: "padmin", Role: RoleAdmin}
		var next atomic.Int64
		b.ResetTimer()
		cpu0 := processCPU()
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			c := cores[w%len(cores)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					p := c.NewPartitionTemplate(model.TypeAIXLinux)
					p.Name = "bench" + strconv.FormatInt(i, 10)
					p.MinMem, p.DesMem, p.MaxMem = 1024, 2048, 4096
					p.MinUnits, p.DesUnits, p.MaxUnits = 10, 50, 100
					if _, err := c.CreatePartition(admin, p); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		b.ReportMetric(float64(processCPU()-cpu0)/1e3/float64(b.N), "cpu-us/create")
	}
	b.Run("system", func(b *testing.B) {
		c := openBench(b, b.TempDir(), benchInventory(6, b.N+100))
		defer c.Close()
		create(b, []*Core{c})
	})
	b.Run("fleet16", func(b *testing.B) {
		dir := b.TempDir()
		var systems []FleetSystem
		for i := 1; i <= 16; i++ {
			inv := fleetInventory(i)
			inv.System.MaxPartitions = b.N/16 + 100
			name := fmt.Sprintf("sys%02d", i)
			sd := filepath.Join(dir, "systems", name)
			systems = append(systems, FleetSystem{Name: name, Inventory: inv,
				FilesDir: filepath.Join(sd, "files"), BackupDir: filepath.Join(dir, "backups"), PCMDir: filepath.Join(sd, "pcm")})
		}
		f, err := OpenFleet(FleetConfig{StatePath: filepath.Join(dir, "state.db"), Systems: systems,
			System: Config{Timing: sim.Profiles["fast"], Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}})
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		create(b, f.Systems())
	})
}
