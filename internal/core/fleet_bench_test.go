package core

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

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
