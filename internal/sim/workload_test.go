package sim

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// randomState builds a system with a VIOS (bridging VLAN 1, serving vSCSI
// disks) and n random partitions: shared capped/uncapped with random
// weights and virtual processors, or dedicated (sharing idle cycles or
// not), some with a set load.
func randomState(rng *rand.Rand, n int, start time.Time) *model.State {
	sys := &model.ManagedSystem{UUID: "sys", Name: "s", Type: "8247", Model: "22L", Serial: "1234567",
		Created: start.Add(-time.Hour).UnixMilli(), ConfigurableMemory: 1 << 20, InstalledMemory: 1 << 20,
		MemoryRegionSize: 256, ConfigurableProcUnits: 1600, InstalledProcUnits: 1600, MaxPartitions: 1000}
	st := model.NewState(sys)
	eth := &model.VirtualSwitch{UUID: "sw0", ID: 0, Name: model.DefaultSwitch, Mode: model.SwitchVEB}
	mg := &model.VirtualSwitch{UUID: "sw1", ID: 1, Name: model.MgmtSwitch, Mode: model.SwitchVEPA}
	st.Put(eth)
	st.Put(mg)
	vios := &model.Partition{UUID: "VIOS", ID: 2, Name: "vios1", Type: model.TypeVIOS, State: model.StateRunning,
		CurUnits: 100, CurVP: 2, CurMem: 4096, SharingMode: model.SharingUncapped, Weight: 255, ActivatedAt: start.UnixMilli(), MaxVP: 4}
	st.PutPartition(vios)
	trunk := &model.EthernetAdapter{UUID: "trunk", Partition: "VIOS", Slot: 3, PVID: 1, SwitchID: 0, Trunk: true, Enabled: true, Device: "ent4", MAC: "AA0000000003"}
	st.Put(trunk)
	st.Put(&model.NetworkBridge{UUID: "br", PVID: 1, SwitchID: 0, SEAs: []model.SEA{{VIOS: "VIOS", Device: "ent5", Backing: "ent0", Port: "U-P1-C10-T1", Primary: true, Trunks: []string{"trunk"}}}})
	used := 1.0 // the VIOS
	for i := 0; i < n; i++ {
		id := 10 + i
		p := &model.Partition{UUID: fmt.Sprintf("P%03d", id), ID: id, Name: fmt.Sprintf("lpar%d", id), Type: model.TypeAIXLinux,
			State: model.StateNotActivated, RMCState: model.RMCNone, CurMem: 2048, DesMem: 2048}
		if rng.Intn(4) == 0 && used+2 <= 16 {
			p.Dedicated = true
			p.DesProcs, p.MaxProcs = 1+rng.Intn(2), 4
			p.SharingMode = []string{model.SharingKeepIdle, model.SharingShareIdle, model.SharingShareIdleAlways}[rng.Intn(3)]
		} else {
			p.DesVP = 1 + rng.Intn(4)
			p.MaxVP = 8
			p.DesUnits = model.Units(5*p.DesVP + rng.Intn(95*p.DesVP+1))
			p.SharingMode = []string{model.SharingCapped, model.SharingUncapped}[rng.Intn(2)]
			p.Weight = rng.Intn(256)
		}
		st.PutPartition(p)
		st.Put(&model.EthernetAdapter{UUID: p.UUID + "/2", Partition: p.UUID, Slot: 2, PVID: 1 + rng.Intn(2), SwitchID: 0, Enabled: true, MAC: fmt.Sprintf("BB%010X", id*16+2)})
		st.Put(&model.EthernetAdapter{UUID: p.UUID + "/6", Partition: p.UUID, Slot: 6, PVID: 4094, SwitchID: 1, Enabled: true, MAC: fmt.Sprintf("BB%010X", id*16+6)})
		if rng.Intn(2) == 0 {
			st.Put(&model.SCSIMapping{UUID: "m" + p.UUID, VIOS: "VIOS", Client: p.UUID, ServerSlot: 100 + i, ClientSlot: 3,
				VHost: fmt.Sprintf("vhost%d", i), Backing: model.BackLV, BackingID: "lv" + p.UUID})
		}
		if rng.Intn(2) == 0 {
			st.Put(&model.Load{Partition: p.UUID, CPU: rng.Float64() * 6, NetRx: rng.Float64() * 1e8, NetTx: rng.Float64() * 1e7,
				DiskRead: rng.Float64() * 1e7, DiskWrite: rng.Float64() * 1e7, MemPct: rng.Float64() * 100})
		}
		if p.Dedicated {
			used += float64(p.DesProcs)
		}
	}
	return st
}

// setPower turns a partition on (taking its desired resources when the
// system has them) or off, as the power state machine leaves it.
func setPower(st *model.State, p *model.Partition, on bool, now time.Time) {
	n := p.Clone()
	if on {
		n.State, n.RMCState = model.StateRunning, model.RMCActive
		n.CurMem, n.CurProcs, n.CurUnits, n.CurVP = n.DesMem, 0, 0, 0
		if n.Dedicated {
			n.CurProcs = n.DesProcs
		} else {
			n.CurUnits, n.CurVP = n.DesUnits, n.DesVP
		}
		h := n.Holds()
		if st.System.AvailableUnits(st.Accounting()) < h.SharedUnits+model.Units(h.DedicatedProcs)*model.WholeProc {
			return
		}
		n.ActivatedAt = now.UnixMilli()
	} else {
		n.State, n.RMCState = model.StateNotActivated, model.RMCNone
		n.CurProcs, n.CurUnits, n.CurVP, n.ActivatedAt = 0, 0, 0, 0
	}
	st.PutPartition(n)
}

// TestWorkloadProperties runs random workloads through random power
// sequences and checks the hypervisor's arithmetic at every step:
// counters are monotonic, a partition that is off does not count, the
// shared pool's utilized cycles are the sum of its partitions', no
// partition uses more than its entitlement (capped) or its virtual
// processors (uncapped), and the partitions and the firmware together
// never use more than the machine has.
func TestWorkloadProperties(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			st := randomState(rng, 4+rng.Intn(30), start)
			w := NewWorkload(uint64(seed), start)
			now := start
			prev := snapshot(w, BuildTopology(st))
			for step := 0; step < 200; step++ {
				// Random power changes.
				for _, p := range st.SortedPartitions(nil) {
					if p.IsVIOS() {
						if rng.Intn(100) == 0 { // a VIOS restart
							n := p.Clone()
							n.ActivatedAt = now.UnixMilli()
							st.PutPartition(n)
						}
						continue
					}
					if rng.Intn(10) == 0 {
						setPower(st, p, !p.Active(), now)
					}
				}
				topo := BuildTopology(st)
				dt := time.Duration(1+rng.Intn(30)) * time.Second
				now = now.Add(dt)
				w.Step(topo, now)
				cur := snapshot(w, topo)
				checkStep(t, topo, prev, cur, dt)
				prev = cur
			}
		})
	}
}

type snap struct {
	proc map[string]ProcCounters
	vea  map[string]NetCounters
	sys  SystemCounters
}

func snapshot(w *Workload, t *Topology) snap {
	s := snap{proc: map[string]ProcCounters{}, vea: map[string]NetCounters{}, sys: w.System(t.Sys)}
	for _, tp := range t.Parts {
		s.proc[tp.P.UUID] = w.Proc(tp.P.UUID)
		for _, v := range tp.VEAs {
			s.vea[v.A.UUID] = w.VEA(tp.P.UUID, v.A.UUID)
		}
	}
	return s
}

func checkStep(t *testing.T, topo *Topology, prev, cur snap, dt time.Duration) {
	t.Helper()
	cyc := float64(CyclesPerSecond) * dt.Seconds()
	const slack = 2 // rounding of whole cycles
	if cur.sys.TimeBased < prev.sys.TimeBased || cur.sys.Firmware < prev.sys.Firmware ||
		cur.sys.PoolUtilized < prev.sys.PoolUtilized || cur.sys.PoolAssigned < prev.sys.PoolAssigned {
		t.Fatalf("system counters went back: %+v -> %+v", prev.sys, cur.sys)
	}
	var user, poolSum uint64
	for _, tp := range topo.Parts {
		p := tp.P
		a, b := prev.proc[p.UUID], cur.proc[p.UUID]
		if b.Entitled < a.Entitled || b.Capped < a.Capped || b.Uncapped < a.Uncapped || b.Idle < a.Idle || b.Donated < a.Donated {
			t.Fatalf("%s: counters went back: %+v -> %+v", p.Name, a, b)
		}
		if !p.Active() && b != a {
			t.Fatalf("%s is off but counted: %+v -> %+v", p.Name, a, b)
		}
		du := b.Utilized() - a.Utilized()
		user += du
		if !p.Dedicated {
			poolSum += du
			ent := float64(p.CurUnits) / 100 * cyc
			if d := b.Capped - a.Capped; float64(d) > ent+slack {
				t.Fatalf("%s: capped cycles %d above the entitlement %f", p.Name, d, ent)
			}
			if d := float64(du); d > float64(p.CurVP)*cyc+slack {
				t.Fatalf("%s: used %f cycles, more than its %d virtual processors allow (%f)", p.Name, d, p.CurVP, float64(p.CurVP)*cyc)
			}
			if p.SharingMode == model.SharingCapped && b.Uncapped != a.Uncapped {
				t.Fatalf("%s is capped but used uncapped cycles", p.Name)
			}
		} else if d := float64(b.Capped-a.Capped) + float64(b.Donated-a.Donated); d > float64(p.CurProcs)*cyc+slack {
			t.Fatalf("%s: dedicated partition used and donated %f cycles, more than its %d processors", p.Name, d, p.CurProcs)
		}
		for _, v := range tp.VEAs {
			x, y := prev.vea[v.A.UUID], cur.vea[v.A.UUID]
			if y.RxBytes < x.RxBytes || y.TxBytes < x.TxBytes || y.RxPackets < x.RxPackets || y.TxPackets < x.TxPackets || y.Dropped < x.Dropped {
				t.Fatalf("%s slot %d: adapter counters went back", p.Name, v.A.Slot)
			}
			if p.State != model.StateRunning && y != x {
				t.Fatalf("%s is not running but its adapter counted", p.Name)
			}
		}
	}
	if d := cur.sys.PoolUtilized - prev.sys.PoolUtilized; d != poolSum {
		t.Fatalf("pool utilized %d cycles, its partitions %d", d, poolSum)
	}
	total := float64(cur.sys.TimeBased-prev.sys.TimeBased) * float64(topo.Sys.ConfigurableProcUnits) / 100
	if used := float64(user + cur.sys.Firmware - prev.sys.Firmware); used > total+slack*float64(len(topo.Parts)) {
		t.Fatalf("partitions and firmware used %f cycles of the machine's %f", used, total)
	}
}

// TestWorkloadDeterministic: the same seed and history give the same
// counters; the noise moves values from step to step.
func TestWorkloadDeterministic(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(seed uint64) []ProcCounters {
		st := randomState(rand.New(rand.NewSource(7)), 10, start)
		for _, p := range st.SortedPartitions(nil) {
			if !p.IsVIOS() {
				setPower(st, p, true, start)
			}
		}
		topo := BuildTopology(st)
		w := NewWorkload(seed, start)
		var out []ProcCounters
		for i := 1; i <= 20; i++ {
			w.Step(topo, start.Add(time.Duration(i)*5*time.Second))
			out = append(out, w.Proc("P010"))
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same seed gave different counters")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("another seed gave the same counters")
	}
	d1, d2 := a[1].Utilized()-a[0].Utilized(), a[2].Utilized()-a[1].Utilized()
	if d1 == d2 {
		t.Fatalf("no noise: two steps used %d cycles each", d1)
	}
}

// TestWorkloadLoadFollowed: a partition's set load shows in its counters
// (processor up to its virtual processors, network bytes on its data
// adapter and the SEA, disk bytes on its VIOS's vhost); a VIOS restart
// starts the VIOS's device counters again while the partitions' keep
// growing.
func TestWorkloadLoadFollowed(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sys := &model.ManagedSystem{UUID: "sys", Type: "8247", Model: "22L", Serial: "1", ConfigurableProcUnits: 800, Created: start.UnixMilli()}
	st := model.NewState(sys)
	st.Put(&model.VirtualSwitch{UUID: "sw0", ID: 0, Name: model.DefaultSwitch})
	vios := &model.Partition{UUID: "V", ID: 2, Name: "vios1", Type: model.TypeVIOS, State: model.StateRunning, CurUnits: 100, CurVP: 1,
		SharingMode: model.SharingUncapped, Weight: 200, ActivatedAt: 1}
	vm := &model.Partition{UUID: "L", ID: 10, Name: "vm1", Type: model.TypeAIXLinux, State: model.StateRunning, RMCState: model.RMCActive,
		CurUnits: 50, CurVP: 2, SharingMode: model.SharingUncapped, Weight: 128, ActivatedAt: 1}
	st.PutPartition(vios)
	st.PutPartition(vm)
	st.Put(&model.EthernetAdapter{UUID: "trunk", Partition: "V", Slot: 3, PVID: 1, Trunk: true, Enabled: true, Device: "ent4", MAC: "A1"})
	st.Put(&model.EthernetAdapter{UUID: "cna", Partition: "L", Slot: 2, PVID: 1, Enabled: true, MAC: "A2"})
	st.Put(&model.NetworkBridge{UUID: "br", PVID: 1, SEAs: []model.SEA{{VIOS: "V", Device: "ent5", Backing: "ent0", Primary: true, Trunks: []string{"trunk"}}}})
	st.Put(&model.SCSIMapping{UUID: "m", VIOS: "V", Client: "L", ServerSlot: 20, ClientSlot: 3, VHost: "vhost0", Backing: model.BackLV})
	st.Put(&model.Load{Partition: "L", CPU: 1.5, NetRx: 20e6, NetTx: 5e6, DiskRead: 10e6, DiskWrite: 2e6, MemPct: 60})
	topo := BuildTopology(st)
	w := NewWorkload(1, start)
	now := start
	for i := 0; i < 6; i++ {
		now = now.Add(5 * time.Second)
		w.Step(topo, now)
	}
	secs := 30.0
	p := w.Proc("L")
	if got := float64(p.Utilized()) / CyclesPerSecond / secs; got < 1.3 || got > 1.6 {
		t.Errorf("vm1 used %.3f processors, want about 1.5 (its load; 2 virtual processors)", got)
	}
	if got := float64(p.Entitled) / CyclesPerSecond / secs; got < 0.499 || got > 0.501 {
		t.Errorf("vm1 entitled %.3f processors, want 0.5", got)
	}
	n := w.VEA("L", "cna")
	if got := float64(n.RxBytes) / secs; got < 18e6 || got > 22e6 {
		t.Errorf("vm1 received %.0f B/s, want about 20e6", got)
	}
	topoV := topo.Part("V")
	sea := w.Dev(topoV, "sea:ent5").Net
	if sea.RxBytes != n.RxBytes+n.TxBytes && sea.RxBytes+2 < n.RxBytes+n.TxBytes {
		t.Errorf("SEA received %d bytes, the client sent and received %d", sea.RxBytes, n.RxBytes+n.TxBytes)
	}
	vh := w.Dev(topoV, "vhost:vhost0").Disk
	if got := float64(vh.ReadBytes) / secs; got < 9e6 || got > 11e6 {
		t.Errorf("vhost0 read %.0f B/s, want about 10e6", got)
	}
	if vh.Reads == 0 || vh.Writes == 0 {
		t.Errorf("vhost0 counted no operations: %+v", vh)
	}
	// The VIOS restarts: its devices count from zero, vm1's adapter goes on.
	v2 := vios.Clone()
	v2.ActivatedAt = 2
	st.PutPartition(v2)
	topo = BuildTopology(st)
	if d := w.Dev(topo.Part("V"), "vhost:vhost0"); d != (DevCounters{}) {
		t.Errorf("after the VIOS restarted, vhost0 still shows %+v", d)
	}
	now = now.Add(5 * time.Second)
	w.Step(topo, now)
	if d := w.Dev(topo.Part("V"), "vhost:vhost0").Disk; d.ReadBytes == 0 || d.ReadBytes >= vh.ReadBytes {
		t.Errorf("after the VIOS restarted, vhost0 read %d bytes (before: %d)", d.ReadBytes, vh.ReadBytes)
	}
	if n2 := w.VEA("L", "cna"); n2.RxBytes <= n.RxBytes {
		t.Errorf("vm1's adapter counters did not keep growing: %d -> %d", n.RxBytes, n2.RxBytes)
	}
}
