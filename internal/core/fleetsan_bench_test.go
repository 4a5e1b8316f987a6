package core

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/novalink-project/novalink/internal/sim"
)

// BenchmarkSANQueries measures what a fleet's one SAN costs the questions
// asked of it: a VIOS's discovery (cfgdev over every path of its two
// ports, finding nothing new: no commit) and the next free WWPNs (each
// candidate checked against every port and virtual FC adapter of the
// SAN), on a single system (the baseline) and on a system of a
// 200-system fleet, whose SAN holds every system's hosts and volumes and
// whose initiators are looked up on every system.
func BenchmarkSANQueries(b *testing.B) {
	run := func(b *testing.B, c *Core) {
		v := partByName(c, "vios1").UUID
		b.Run("cfgdev", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if r, err := c.RunIOSCLI(admin, v, "cfgdev", false); err != nil || r.Code != 0 {
					b.Fatal(err, r)
				}
			}
		})
		b.Run("NextWWPNs", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.NextWWPNs(1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("single", func(b *testing.B) {
		dir := b.TempDir()
		inv := fleetInventory(1)
		inv.Clients.Count = 20
		c, err := Open(Config{StatePath: filepath.Join(dir, "state.db"), Timing: sim.Profiles["fast"], Inventory: inv,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		run(b, c)
	})
	b.Run("fleet200", func(b *testing.B) {
		f := openBenchFleet(b, b.TempDir(), 200)
		defer f.Close()
		run(b, f.System("sys100"))
	})
}
