package core

import (
	"encoding/json"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// The performance monitoring service (PCM): the simulated workload steps
// at every short-term interval on the core's clock; the long-term monitor
// keeps a copy of the counters every long-term interval (about 2 hours of
// them), the short-term monitor every step (a few minutes), and the
// partitions' RMC memory is read every four long-term intervals. Samples
// are kept only while the managed system's preference turns the monitor
// on. The counters themselves are not configuration: they live in memory
// and are saved to <state dir>/pcm/workload.json now and then and when the
// core closes, so that they go on growing across restarts.

// Retention of the monitors' samples.
const (
	LTMKeep = 240 // 2 hours of 30 s samples
	STMKeep = 60  // 5 minutes of 5 s samples
	RMCKeep = 60  // 2 hours of 2 minute samples
	// rmcEvery is how many long-term intervals the RMC memory file takes.
	rmcEvery = 4
	// checkpointEvery is how many long-term intervals pass between two
	// saves of the counters.
	checkpointEvery = 10
)

// DefaultLTMInterval is the long-term monitor's interval.
const DefaultLTMInterval = 30 * time.Second

// PCMSample is a copy of the workload's counters at one time, with the
// topology they were counted over (by the indexes of its partitions,
// adapters and devices).
type PCMSample struct {
	At   time.Time
	Topo *sim.Topology
	Proc []sim.ProcCounters
	VEA  []sim.NetCounters
	Dev  []sim.DevCounters
	Sys  sim.SystemCounters
	// MemPct is each partition's memory in use, percent (for the VIOS
	// files and the RMC file).
	MemPct []float32
}

// PCMIntervals are the monitors' intervals.
type PCMIntervals struct {
	LTM, STM, RMC time.Duration
}

// Intervals derives the monitors' intervals from the long-term one: the
// short-term monitor samples every sixth of it (whole seconds, at least
// one), the RMC file every four.
func Intervals(ltm time.Duration) PCMIntervals {
	if ltm <= 0 {
		ltm = DefaultLTMInterval
	}
	ltm = ltm.Truncate(time.Second)
	if ltm < time.Second {
		ltm = time.Second
	}
	stm := time.Second
	if s := ltm / 6; s%time.Second == 0 && s > 0 {
		stm = s
	}
	return PCMIntervals{LTM: ltm, STM: stm, RMC: rmcEvery * ltm}
}

type pcmService struct {
	c   *Core
	ivl PCMIntervals

	mu      sync.Mutex // the workload and the topology
	w       *sim.Workload
	topo    *sim.Topology
	topoRev uint64
	ticks   int

	smu    sync.RWMutex // the samples
	ltm    []*PCMSample
	stm    []*PCMSample
	rmc    []*PCMSample
	latest *PCMSample
}

func (c *Core) startPCM() {
	s := &pcmService{c: c, ivl: Intervals(c.cfg.PCMInterval)}
	c.pcm = s
	now := c.clock.Now().Truncate(s.ivl.STM)
	h := fnv.New64a()
	h.Write([]byte(c.System().UUID))
	seed := c.cfg.PCMSeed
	if seed == 0 {
		seed = h.Sum64()
	}
	s.w = sim.NewWorkload(seed, now)
	if w, err := s.loadCheckpoint(); err != nil {
		c.log.Warn("performance monitoring: the saved counters cannot be read; they start again", "err", err)
	} else if w != nil && !w.Last.After(now) {
		// The simulated server went on while pvmd was down: one step
		// over the gap, with the configuration as it is.
		w.Seed = seed
		s.w = w
		s.w.Step(s.topology(), now)
	}
	s.latest = s.snapshot(now)
	s.schedule(now)
}

// PCMIntervals returns the monitors' intervals.
func (c *Core) PCMIntervals() PCMIntervals { return c.pcm.ivl }

func (s *pcmService) schedule(last time.Time) {
	next := last.Add(s.ivl.STM)
	d := next.Sub(s.c.clock.Now())
	if d < 0 {
		d = 0
	}
	s.c.schedule(d, func() { s.tick(next) })
}

// tick steps the workload to at and files the samples due.
func (s *pcmService) tick(at time.Time) {
	if now := s.c.clock.Now(); now.Sub(at) > s.ivl.STM {
		// Late (the process was stopped): step to the current interval.
		at = now.Truncate(s.ivl.STM)
	}
	s.mu.Lock()
	topo := s.topology()
	s.w.Step(topo, at)
	s.mu.Unlock()
	snap := s.snapshot(at)
	pref := s.c.PCMPreference()
	s.smu.Lock()
	s.latest = snap
	if pref.STM {
		s.stm = keep(append(s.stm, snap), STMKeep)
	} else {
		s.stm = nil
	}
	if at.Truncate(s.ivl.LTM).Equal(at) {
		if pref.Collecting() {
			s.ltm = keep(append(s.ltm, snap), LTMKeep)
		} else {
			s.ltm = nil
		}
	}
	if at.Truncate(s.ivl.RMC).Equal(at) {
		if pref.LTM {
			s.rmc = keep(append(s.rmc, snap), RMCKeep)
		} else {
			s.rmc = nil
		}
	}
	s.smu.Unlock()
	s.ticks++
	if s.ticks%int(checkpointEvery*s.ivl.LTM/s.ivl.STM) == 0 {
		s.checkpoint()
	}
	s.schedule(at)
}

func keep(l []*PCMSample, n int) []*PCMSample {
	if len(l) > n {
		l = append(l[:0:0], l[len(l)-n:]...)
	}
	return l
}

// topology returns the topology of the committed configuration, built
// again when it changed. s.mu is held.
func (s *pcmService) topology() *sim.Topology {
	rev := s.c.ViewRevision()
	if s.topo == nil || rev != s.topoRev {
		s.c.Read(func(st *model.State) { s.topo = sim.BuildTopology(st) })
		s.topoRev = rev
	}
	return s.topo
}

// snapshot copies the counters at the last step.
func (s *pcmService) snapshot(at time.Time) *PCMSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.topology()
	smp := &PCMSample{At: at, Topo: t, Proc: make([]sim.ProcCounters, len(t.Parts)), VEA: make([]sim.NetCounters, t.NVEA),
		Dev: make([]sim.DevCounters, t.NDev), Sys: s.w.System(t.Sys), MemPct: make([]float32, len(t.Parts))}
	for i, tp := range t.Parts {
		smp.Proc[i] = s.w.Proc(tp.P.UUID)
		for _, v := range tp.VEAs {
			smp.VEA[v.Index] = s.w.VEA(tp.P.UUID, v.A.UUID)
		}
		for _, d := range tp.Devices {
			smp.Dev[d.Index] = s.w.Dev(tp, d.Key)
		}
		smp.MemPct[i] = float32(s.w.Demand(tp, at).MemPct)
	}
	return smp
}

func (s *pcmService) checkpointPath() string {
	return filepath.Join(s.c.cfg.PCMDir, "workload.json")
}

func (s *pcmService) loadCheckpoint() (*sim.Workload, error) {
	b, err := os.ReadFile(s.checkpointPath())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	w := sim.NewWorkload(0, time.Time{})
	if err := json.Unmarshal(b, w); err != nil {
		return nil, err
	}
	return w, nil
}

// checkpoint saves the counters (a failure is logged: they are
// measurements, not configuration).
func (s *pcmService) checkpoint() {
	s.mu.Lock()
	b, err := json.Marshal(s.w)
	s.mu.Unlock()
	if err == nil {
		path := s.checkpointPath()
		if err = os.MkdirAll(filepath.Dir(path), 0o750); err == nil {
			err = atomicfile.Write(path, b, 0o640, s.c.clock.Now())
		}
	}
	if err != nil {
		s.c.log.Warn("performance monitoring: cannot save the counters", "err", err)
	}
}

// PCMPreference returns the managed system's monitoring preference (all
// monitors off until a client turns them on).
func (c *Core) PCMPreference() *model.PCMPreference {
	var p *model.PCMPreference
	c.Read(func(st *model.State) {
		p, _ = st.Get(model.KindPCMPref, st.System.UUID).(*model.PCMPreference)
	})
	if p == nil {
		p = &model.PCMPreference{System: c.System().UUID}
	}
	return p
}

// SetPCMPreference changes the monitoring preference: set is applied to a
// copy; etag, when not empty, must be the preference's current revision.
// Monitors turned off drop their samples at their next interval.
func (c *Core) SetPCMPreference(a Actor, etag string, set func(p *model.PCMPreference)) (*model.PCMPreference, error) {
	err := c.Apply(a, func(tx *Tx) error {
		tx.monitoring = true
		sysUUID := tx.System().UUID
		cur, _ := tx.Get(model.KindPCMPref, sysUUID).(*model.PCMPreference)
		n := &model.PCMPreference{System: sysUUID}
		if cur != nil {
			n = cur.CloneObject().(*model.PCMPreference)
		}
		if etag != "" && etag != strconv.FormatUint(n.Rev, 10) {
			return model.Stale("ManagedSystemPcmPreference of " + tx.System().Name)
		}
		set(n)
		if cur != nil && *n == *cur {
			return nil
		}
		tx.Put(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.PCMPreference(), nil
}

// LTMSamples returns the long-term monitor's samples in [from, to] (zero
// times are open ends), oldest first.
func (c *Core) LTMSamples(from, to time.Time) []*PCMSample {
	c.pcm.smu.RLock()
	defer c.pcm.smu.RUnlock()
	return between(c.pcm.ltm, from, to)
}

// STMSamples returns the short-term monitor's samples in [from, to].
func (c *Core) STMSamples(from, to time.Time) []*PCMSample {
	c.pcm.smu.RLock()
	defer c.pcm.smu.RUnlock()
	return between(c.pcm.stm, from, to)
}

// RMCSamples returns the RMC memory samples in [from, to].
func (c *Core) RMCSamples(from, to time.Time) []*PCMSample {
	c.pcm.smu.RLock()
	defer c.pcm.smu.RUnlock()
	return between(c.pcm.rmc, from, to)
}

// LatestCounters returns the counters at the last step (whatever the
// monitoring preference: for the Prometheus exporter).
func (c *Core) LatestCounters() *PCMSample {
	c.pcm.smu.RLock()
	defer c.pcm.smu.RUnlock()
	return c.pcm.latest
}

func between(l []*PCMSample, from, to time.Time) []*PCMSample {
	i := sort.Search(len(l), func(i int) bool { return from.IsZero() || !l[i].At.Before(from) })
	j := len(l)
	if !to.IsZero() {
		j = sort.Search(len(l), func(i int) bool { return l[i].At.After(to) })
	}
	if i >= j {
		return nil
	}
	return append([]*PCMSample(nil), l[i:j]...)
}

// Load returns the simulated load set for a partition (nil: the idle OS).
func (c *Core) Load(partition string) *model.Load {
	var l *model.Load
	c.Read(func(st *model.State) { l, _ = st.Get(model.KindLoad, partition).(*model.Load) })
	return l
}

// SetLoad sets a partition's simulated load: set changes a copy of the
// current one (the idle OS's when none is set). reset drops it (back to
// the idle OS).
func (c *Core) SetLoad(a Actor, partition string, reset bool, set func(l *model.Load)) (*model.Load, error) {
	var out *model.Load
	err := c.Apply(a, func(tx *Tx) error {
		tx.monitoring = true
		p := tx.Partition(partition)
		if p == nil {
			return model.ErrNoPartition(partition)
		}
		cur, _ := tx.Get(model.KindLoad, partition).(*model.Load)
		if reset {
			if cur != nil {
				tx.Delete(model.KindLoad, partition)
			}
			return nil
		}
		n := sim.IdleLoad
		if cur != nil {
			n = *cur
		}
		n.Partition, n.Rev = partition, 0
		if cur != nil {
			n.Rev = cur.Rev
		}
		set(&n)
		if err := model.ValidateLoad(&n, p); err != nil {
			return err
		}
		tx.Put(&n)
		out = &n
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	return c.Load(partition), nil
}
