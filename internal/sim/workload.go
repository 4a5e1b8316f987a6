package sim

import (
	"hash/fnv"
	"math"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// CyclesPerSecond is the time base PowerVM's processor counters count in
// (procCyclesPerSecond): 512 MHz on POWER8 and later.
const CyclesPerSecond = 512_000_000

// IdleLoad is what the operating system of a partition nobody set a load
// for asks of the machine: a quiet idle OS.
var IdleLoad = model.Load{CPU: 0.02, NetRx: 1500, NetTx: 600, DiskRead: 2048, DiskWrite: 8192, MemPct: 30}

// Traffic shapes: the average frame and I/O sizes that turn byte rates
// into packet and operation counts, RMC's own chatter on the management
// network, and the share of an idle shared processor's entitlement its
// virtual processors spin before they cede (counted as idle cycles).
const (
	rxFrame, txFrame = 1200.0, 800.0
	readIO, writeIO  = 32768.0, 16384.0
	rmcRx, rmcTx     = 150.0, 100.0
	idleSpin         = 0.1
	dedicatedDonate  = 0.9 // share of a sharing dedicated partition's idle cycles it donates
	firmwareBase     = 0.01
	firmwarePerLPAR  = 0.0005
)

// ProcCounters are the hypervisor's cumulative processor counters of a
// partition, in cycles of the time base. Capped includes the idle cycles;
// a partition's utilized cycles are Capped + Uncapped - Idle.
type ProcCounters struct {
	Entitled, Capped, Uncapped, Idle, Donated uint64
}

// Utilized is the cycles the partition did work in.
func (c ProcCounters) Utilized() uint64 { return c.Capped + c.Uncapped - c.Idle }

// NetCounters are the cumulative counters of an Ethernet adapter (or of a
// SEA, for both its sides).
type NetCounters struct {
	RxBytes, TxBytes, RxPackets, TxPackets, Dropped uint64
}

// DiskCounters are the cumulative counters of a storage adapter.
type DiskCounters struct {
	Reads, Writes, ReadBytes, WriteBytes uint64
}

// DevCounters are a VIOS device's counters (Net for Ethernet devices and
// SEAs, Disk for storage ones).
type DevCounters struct {
	Net  NetCounters
	Disk DiskCounters
}

// SystemCounters are the system-wide cumulative counters.
type SystemCounters struct {
	// TimeBased is the time base since the system's IPL (cycles of one
	// processor).
	TimeBased uint64
	// Firmware is the cycles the hypervisor itself used.
	Firmware uint64
	// PoolAssigned and PoolUtilized are the default shared processor
	// pool's capacity and the cycles its partitions used.
	PoolAssigned, PoolUtilized uint64
	// PoolUnits and PoolFree are the pool's size and the processing
	// units its partitions did not use, in the last step.
	PoolUnits, PoolFree float64
}

// acc is a cumulative counter fed with fractional amounts: the value is
// the whole part of their sum, so increments are never lost.
type acc struct {
	V    uint64  `json:"v"`
	Frac float64 `json:"f,omitempty"`
}

func (a *acc) add(x float64) uint64 {
	if !(x > 0) {
		return 0
	}
	a.Frac += x
	n := math.Floor(a.Frac)
	a.Frac -= n
	a.V += uint64(n)
	return uint64(n)
}

type procAcc struct {
	Ent, Used, Idle, Uncap, Donated acc
}

func (p *procAcc) counters() ProcCounters {
	return ProcCounters{Entitled: p.Ent.V, Capped: p.Used.V + p.Idle.V, Uncapped: p.Uncap.V, Idle: p.Idle.V, Donated: p.Donated.V}
}

type netAcc struct {
	RxB, TxB, RxP, TxP, Drop acc
}

func (n *netAcc) counters() NetCounters {
	return NetCounters{RxBytes: n.RxB.V, TxBytes: n.TxB.V, RxPackets: n.RxP.V, TxPackets: n.TxP.V, Dropped: n.Drop.V}
}

// carry adds rx and tx bytes (with their packets and drops).
func (n *netAcc) carry(rx, tx float64) {
	n.RxB.add(rx)
	n.TxB.add(tx)
	n.RxP.add(rx / rxFrame)
	n.TxP.add(tx / txFrame)
	n.Drop.add(rx / rxFrame * 1e-5)
}

type diskAcc struct {
	R, W, RB, WB acc
}

func (d *diskAcc) carry(read, write float64) {
	d.RB.add(read)
	d.WB.add(write)
	d.R.add(read / readIO)
	d.W.add(write / writeIO)
}

// partAcc is a partition's hypervisor counters: they keep growing across
// its restarts (until it is deleted).
type partAcc struct {
	Proc procAcc            `json:"proc"`
	VEA  map[string]*netAcc `json:"vea,omitempty"` // by adapter UUID
}

// devAcc is a VIOS device's counters: its operating system's, they start
// again when the VIOS restarts.
type devAcc struct {
	Net  netAcc  `json:"net"`
	Disk diskAcc `json:"disk"`
}

type viosAcc struct {
	Epoch int64              `json:"epoch"` // ActivatedAt of the VIOS they count since
	Dev   map[string]*devAcc `json:"dev"`
}

// Workload is the simulated server's activity: every running partition's
// operating system asks for processor time, network and disk transfers
// (its Load, or a quiet idle OS), with a small noise deterministic from the
// seed, and the hypervisor shares the machine out by its rules. Step moves
// the cumulative counters forward; the monitoring service copies them into
// samples. A Workload is not safe for concurrent use.
type Workload struct {
	Seed                uint64
	Last                time.Time                        `json:"last"`
	Parts               map[string]*partAcc              `json:"parts"`
	VIOS                map[string]*viosAcc              `json:"vios"`
	FW                  acc                              `json:"fw"`
	Pool                struct{ Assigned, Utilized acc } `json:"pool"`
	poolUnits, poolFree float64
}

// NewWorkload returns a workload whose counters start at zero at now.
func NewWorkload(seed uint64, now time.Time) *Workload {
	return &Workload{Seed: seed, Last: now, Parts: map[string]*partAcc{}, VIOS: map[string]*viosAcc{}}
}

// noise returns a deterministic value in [-1, 1) for a partition (the
// FNV hash of its UUID), a quantity and a step.
func (w *Workload) noise(uuidHash uint64, field byte, at time.Time) float64 {
	x := uuidHash ^ w.Seed ^ uint64(field)<<56 ^ uint64(at.Unix())*0x9E3779B97F4A7C15
	// splitmix64
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11)/float64(1<<53)*2 - 1
}

// Demand is what a partition's OS asks for in a step: the set load (or the
// idle one) with noise (±5% of a set load, ±30% of the idle one), or what
// the firmware uses while the partition starts or stops.
func (w *Workload) Demand(tp *TPart, at time.Time) model.Load {
	p := tp.P
	switch p.State {
	case model.StateRunning:
	case model.StateStarting, model.StateOpenFirmware, model.StateShuttingDown, model.StateMigratingRun:
		return model.Load{CPU: 0.05, MemPct: 5}
	default:
		return model.Load{}
	}
	l, amp := IdleLoad, 0.3
	if tp.Load != nil {
		l, amp = *tp.Load, 0.05
	}
	h := fnv.New64a()
	h.Write([]byte(p.UUID))
	uh := h.Sum64()
	f := func(field byte, v float64) float64 { return v * (1 + amp*w.noise(uh, field, at)) }
	out := model.Load{CPU: f('c', l.CPU), NetRx: f('r', l.NetRx), NetTx: f('t', l.NetTx),
		DiskRead: f('R', l.DiskRead), DiskWrite: f('W', l.DiskWrite), MemPct: f('m', l.MemPct)}
	out.MemPct = math.Min(100, math.Max(0, out.MemPct))
	return out
}

// procShare is one partition's processor use in a step, in processing
// units.
type procShare struct {
	tp                           *TPart
	ent, used, idle, uncap, dona float64
	want                         float64
	weight                       float64
	shared                       bool
}

// Step moves the counters from the last step to now (which must be later)
// over the topology of the configuration in force.
func (w *Workload) Step(t *Topology, now time.Time) {
	dt := now.Sub(w.Last).Seconds()
	if dt <= 0 {
		return
	}
	w.Last = now
	sys := t.Sys
	cyc := CyclesPerSecond * dt
	configurable := float64(sys.ConfigurableProcUnits) / float64(model.WholeProc)

	// Processors: dedicated partitions use their processors and donate
	// idle cycles when they share them; shared ones get their demand up to
	// their entitlement, and uncapped ones the pool's free capacity beyond
	// it, shared out by weight, up to their virtual processors.
	dedicated := 0.0
	donated := 0.0
	shares := make([]procShare, 0, len(t.Parts))
	demands := make([]model.Load, len(t.Parts))
	for i, tp := range t.Parts {
		p := tp.P
		if !p.Active() {
			continue
		}
		d := w.Demand(tp, now)
		demands[i] = d
		s := procShare{tp: tp}
		if p.Dedicated {
			s.ent = float64(p.CurProcs)
			dedicated += s.ent
			s.used = math.Min(d.CPU, s.ent)
			unused := s.ent - s.used
			switch p.SharingMode {
			case model.SharingShareIdle, model.SharingShareIdleAlways, model.SharingShareIdleActive:
				s.dona = unused * dedicatedDonate
			}
			s.idle = unused - s.dona
			donated += s.dona
		} else {
			s.shared = true
			s.ent = float64(p.CurUnits) / float64(model.WholeProc)
			vp := float64(p.CurVP)
			want := math.Min(d.CPU, vp)
			s.used = math.Min(want, s.ent)
			s.idle = idleSpin * (s.ent - s.used)
			if p.SharingMode == model.SharingUncapped && p.Weight > 0 {
				s.want = want - s.used
				s.weight = float64(p.Weight)
			}
		}
		shares = append(shares, s)
	}
	pool := math.Max(0, configurable-dedicated)
	free := pool + donated
	for _, s := range shares {
		if s.shared {
			free -= s.used + s.idle
		}
	}
	free = math.Max(0, free)
	w.poolUnits = pool
	// Weighted water-filling of the free capacity.
	remaining := free
	for remaining > 1e-12 {
		total := 0.0
		for i := range shares {
			if shares[i].want-shares[i].uncap > 1e-12 {
				total += shares[i].weight
			}
		}
		if total == 0 {
			break
		}
		capped := false
		given := 0.0
		for i := range shares {
			s := &shares[i]
			need := s.want - s.uncap
			if need <= 1e-12 {
				continue
			}
			part := remaining * s.weight / total
			if part >= need {
				s.uncap += need
				given += need
				capped = true
			}
		}
		if !capped {
			for i := range shares {
				s := &shares[i]
				if s.want-s.uncap > 1e-12 {
					s.uncap += remaining * s.weight / total
				}
			}
			remaining = 0
			break
		}
		remaining -= given
	}
	w.poolFree = remaining
	utilized := 0.0
	var poolUtil uint64
	for _, s := range shares {
		pa := w.part(s.tp.P.UUID)
		pa.Proc.Ent.add(s.ent * cyc)
		du := pa.Proc.Used.add(s.used * cyc)
		pa.Proc.Idle.add(s.idle * cyc)
		dx := pa.Proc.Uncap.add(s.uncap * cyc)
		pa.Proc.Donated.add(s.dona * cyc)
		if s.shared {
			poolUtil += du + dx
		}
		utilized += s.used + s.uncap
	}
	w.Pool.Assigned.add(pool * cyc)
	w.Pool.Utilized.V += poolUtil
	active := len(shares)
	fw := math.Min(firmwareBase+firmwarePerLPAR*float64(active), math.Max(0, configurable-utilized-physicalSpin(shares)))
	w.FW.add(fw * cyc)

	// Network: each running partition's traffic over its data adapters;
	// what goes over a bridged VLAN passes the SEA that carries it now.
	type sideways struct{ rx, tx float64 }
	bridged := map[*tBridge]*sideways{}
	for i, tp := range t.Parts {
		p := tp.P
		if p.State != model.StateRunning {
			continue
		}
		pa := w.part(p.UUID)
		var data []*TVEA
		for _, v := range tp.VEAs {
			if !v.A.Enabled || v.A.Trunk {
				continue
			}
			if v.Data {
				data = append(data, v)
			} else if p.RMCState == model.RMCActive {
				pa.vea(v.A.UUID).carry(rmcRx*dt, rmcTx*dt)
				if p.IsVIOS() && v.A.Device != "" {
					w.vios(tp).dev("ent:"+v.A.Device).Net.carry(rmcRx*dt, rmcTx*dt)
				}
			}
		}
		if len(data) == 0 || p.IsVIOS() {
			continue
		}
		d := demands[i]
		rx, tx := d.NetRx*dt/float64(len(data)), d.NetTx*dt/float64(len(data))
		for _, v := range data {
			pa.vea(v.A.UUID).carry(rx, tx)
			if v.bridge != nil && v.bridge.active != nil {
				s := bridged[v.bridge]
				if s == nil {
					s = &sideways{}
					bridged[v.bridge] = s
				}
				s.rx += rx
				s.tx += tx
			}
		}
	}
	for _, tb := range t.bridges {
		s := bridged[tb]
		if s == nil || tb.active == nil {
			continue
		}
		vp := t.byUUID[tb.active.VIOS]
		if vp == nil {
			continue
		}
		va := w.vios(vp)
		// Clients send T and receive R: the trunk adapter receives T and
		// sends R, the physical port sends T and receives R, the SEA
		// counts both of its sides.
		if len(tb.active.Trunks) > 0 {
			w.part(vp.P.UUID).vea(tb.active.Trunks[0]).carry(s.tx, s.rx)
			for _, v := range vp.VEAs {
				if v.A.UUID == tb.active.Trunks[0] && v.A.Device != "" {
					va.dev("ent:"+v.A.Device).Net.carry(s.tx, s.rx)
				}
			}
		}
		va.dev("ent:"+tb.active.Backing).Net.carry(s.rx, s.tx)
		va.dev("sea:"+tb.active.Device).Net.carry(s.rx+s.tx, s.rx+s.tx)
	}

	// Storage: each running client's disk traffic, shared among the
	// adapters whose VIOS runs, counted by the VIOS's devices.
	for i, tp := range t.Parts {
		if tp.P.State != model.StateRunning || tp.P.IsVIOS() {
			continue
		}
		type path struct {
			scsi *TSCSI
			fc   *TFC
		}
		var paths []path
		for _, s := range tp.SCSI {
			if s.Disk && s.VIOS.State == model.StateRunning {
				paths = append(paths, path{scsi: s})
			}
		}
		for _, f := range tp.FC {
			if f.Port != nil && f.VIOS.State == model.StateRunning {
				paths = append(paths, path{fc: f})
			}
		}
		if len(paths) == 0 {
			continue
		}
		d := demands[i]
		r, wr := d.DiskRead*dt/float64(len(paths)), d.DiskWrite*dt/float64(len(paths))
		for _, pt := range paths {
			if s := pt.scsi; s != nil {
				va := w.vios(t.byUUID[s.VIOS.UUID])
				va.dev("vhost:"+s.VHost).Disk.carry(r, wr)
				if s.SSP != nil {
					va.dev("ssp:"+s.SSP.UUID).Disk.carry(r, wr)
				}
				if s.SAS {
					va.dev("sas").Disk.carry(r, wr)
				}
				continue
			}
			f := pt.fc
			va := w.vios(t.byUUID[f.VIOS.UUID])
			va.dev("vfc:"+f.VFCHost).Disk.carry(r, wr)
			va.dev("fcs:"+f.Port.Name).Disk.carry(r, wr)
		}
	}
	w.prune(t)
}

// physicalSpin is the processing units consumed without work (idle spin).
func physicalSpin(shares []procShare) float64 {
	s := 0.0
	for _, x := range shares {
		if x.shared {
			s += x.idle
		}
	}
	return s
}

func (w *Workload) part(uuid string) *partAcc {
	pa := w.Parts[uuid]
	if pa == nil {
		pa = &partAcc{}
		w.Parts[uuid] = pa
	}
	return pa
}

func (p *partAcc) vea(uuid string) *netAcc {
	if p.VEA == nil {
		p.VEA = map[string]*netAcc{}
	}
	n := p.VEA[uuid]
	if n == nil {
		n = &netAcc{}
		p.VEA[uuid] = n
	}
	return n
}

// vios returns a VIOS's device counters, started again when the VIOS
// restarted since they were last counted.
func (w *Workload) vios(tp *TPart) *viosAcc {
	va := w.VIOS[tp.P.UUID]
	if va == nil || va.Epoch != tp.P.ActivatedAt {
		va = &viosAcc{Epoch: tp.P.ActivatedAt, Dev: map[string]*devAcc{}}
		w.VIOS[tp.P.UUID] = va
	}
	return va
}

func (v *viosAcc) dev(key string) *devAcc {
	d := v.Dev[key]
	if d == nil {
		d = &devAcc{}
		v.Dev[key] = d
	}
	return d
}

// prune forgets the counters of partitions that no longer exist.
func (w *Workload) prune(t *Topology) {
	if len(w.Parts) <= len(t.Parts) && len(w.VIOS) <= len(t.Parts) {
		ok := true
		for u := range w.Parts {
			if t.byUUID[u] == nil {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	for u := range w.Parts {
		if t.byUUID[u] == nil {
			delete(w.Parts, u)
		}
	}
	for u := range w.VIOS {
		if t.byUUID[u] == nil {
			delete(w.VIOS, u)
		}
	}
}

// Proc returns a partition's processor counters.
func (w *Workload) Proc(uuid string) ProcCounters {
	if pa := w.Parts[uuid]; pa != nil {
		return pa.Proc.counters()
	}
	return ProcCounters{}
}

// VEA returns the hypervisor's counters of a partition's adapter.
func (w *Workload) VEA(partition, adapter string) NetCounters {
	if pa := w.Parts[partition]; pa != nil && pa.VEA != nil {
		if n := pa.VEA[adapter]; n != nil {
			return n.counters()
		}
	}
	return NetCounters{}
}

// Dev returns the counters of a VIOS device (zero after the VIOS
// restarted, until it counts again).
func (w *Workload) Dev(tp *TPart, key string) DevCounters {
	va := w.VIOS[tp.P.UUID]
	if va == nil || va.Epoch != tp.P.ActivatedAt {
		return DevCounters{}
	}
	d := va.Dev[key]
	if d == nil {
		return DevCounters{}
	}
	return DevCounters{Net: d.Net.counters(), Disk: DiskCounters{Reads: d.Disk.R.V, Writes: d.Disk.W.V, ReadBytes: d.Disk.RB.V, WriteBytes: d.Disk.WB.V}}
}

// System returns the system-wide counters at the last step.
func (w *Workload) System(sys *model.ManagedSystem) SystemCounters {
	ipl := time.UnixMilli(sys.Created)
	tb := uint64(0)
	if w.Last.After(ipl) {
		tb = uint64(w.Last.Sub(ipl).Seconds() * CyclesPerSecond)
	}
	return SystemCounters{TimeBased: tb, Firmware: w.FW.V, PoolAssigned: w.Pool.Assigned.V, PoolUtilized: w.Pool.Utilized.V,
		PoolUnits: w.poolUnits, PoolFree: w.poolFree}
}
