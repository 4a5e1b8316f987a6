package core

// What the consoles cost the store's committer, which shows them every
// partition change: a boot (power on, the firmware codes, the OS up) and
// a shutdown of one partition among 1,000, shown on its console, against
// the same changes applied to a model.State (the view update the
// committer does for each commit anyway). Run with
//
//	go test -run '^$' -bench Console -benchtime 2000x ./internal/core

import (
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// bootChanges is the sequence of committed versions of p through a boot
// and a shutdown.
func bootChanges(b *testing.B, c *Core, p *model.Partition) []partChange {
	var sys *model.ManagedSystem
	var acct model.Accounting
	c.Read(func(st *model.State) { sys, acct = st.System, st.Accounting() })
	on, err := sim.PowerOn(sys, acct, p, sim.PowerOnOpts{}, c.timing)
	if err != nil {
		b.Fatal(err)
	}
	var out []partChange
	cur := p
	apply := func(steps []sim.Step) {
		for _, s := range steps {
			n := cur.Clone()
			s.Apply(n, time.Unix(0, 0))
			out = append(out, partChange{old: cur, cur: n})
			cur = n
		}
	}
	apply(on)
	off, err := sim.PowerOff(cur, sim.PowerOffOpts{}, c.timing)
	if err != nil {
		b.Fatal(err)
	}
	apply(off)
	return out
}

func BenchmarkConsoleShowsBoot1000(b *testing.B) {
	c := openBench(b, b.TempDir(), benchInventory(1000, 1024))
	defer c.Close()
	p := partByName(c, "lpar10")
	changes := bootChanges(b, c, p)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.observeConsoles(changes)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(changes))/1e3, "µs/change")
}

func BenchmarkViewApplyBoot1000(b *testing.B) {
	c := openBench(b, b.TempDir(), benchInventory(1000, 1024))
	defer c.Close()
	p := partByName(c, "lpar10")
	changes := bootChanges(b, c, p)
	var st *model.State
	c.Read(func(v *model.State) { st = v.Clone() })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, ch := range changes {
			(&delta{puts: []model.Object{ch.cur}}).apply(st)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(changes))/1e3, "µs/change")
}
