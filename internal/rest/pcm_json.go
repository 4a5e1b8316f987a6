package rest

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom/pcm"
)

// The raw files of the monitors, rendered from a core.PCMSample: the
// hypervisor's (phyp), one per running VIOS (vios_<id>) and the
// partitions' RMC memory (lpar).

// pcmState is how the monitor files spell a partition state.
func pcmState(s string) string {
	switch s {
	case model.StateMigratingRun:
		return "Migrating - Running"
	case model.StateMigratingNotA:
		return "Migrating - Not Activated"
	}
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// pcmMode is how the monitor files spell a processor sharing mode.
func pcmMode(p *model.Partition) string {
	switch p.SharingMode {
	case model.SharingCapped:
		return "cap"
	case model.SharingUncapped:
		return "uncap"
	case model.SharingKeepIdle:
		return "keep_idle_procs"
	case model.SharingShareIdle:
		return "share_idle_procs"
	case model.SharingShareIdleAlways:
		return "share_idle_procs_always"
	case model.SharingShareIdleActive:
		return "share_idle_procs_active"
	}
	return p.SharingMode
}

func pcmType(p *model.Partition) string {
	switch p.Type {
	case model.TypeOS400:
		return "os400"
	case model.TypeVIOS:
		return "vioserver"
	}
	return "aixlinux"
}

// procUnits is the entitlement a partition has (or would have).
func procUnits(p *model.Partition) (units float64, vps int) {
	if p.Dedicated {
		n := p.CurProcs
		if !p.Active() {
			n = p.DesProcs
		}
		return float64(n), n
	}
	u, v := p.CurUnits, p.CurVP
	if !p.Active() {
		u, v = p.DesUnits, p.DesVP
	}
	return float64(u) / float64(model.WholeProc), v
}

func partMem(p *model.Partition) int {
	if p.Active() {
		return p.CurMem
	}
	return p.DesMem
}

// instructions derives the instruction counters from the utilized cycles
// (an IPC of about 0.6 and 1.2 cycles per instruction's execution time).
func instructions(c sim.ProcCounters) (n, t uint64) {
	u := c.Utilized()
	return u / 5 * 3, u / 5 * 6
}

func lparProcessor(p *model.Partition, c sim.ProcCounters) pcm.LparProcessor {
	units, vps := procUnits(p)
	n, t := instructions(c)
	return pcm.LparProcessor{PoolID: p.PoolID, Mode: pcmMode(p), MaxVirtualProcessors: vps, MaxProcUnits: units, Weight: p.Weight,
		EntitledProcCycles: c.Entitled, UtilizedCappedProcCycles: c.Capped, UtilizedUnCappedProcCycles: c.Uncapped,
		IdleProcCycles: c.Idle, DonatedProcCycles: c.Donated, TotalInstructions: n, TotalInstructionsExecutionTime: t}
}

func phypVEA(v *sim.TVEA, n sim.NetCounters) pcm.PhypVEA {
	out := pcm.PhypVEA{VlanID: v.A.PVID, VswitchID: v.A.SwitchID, PhysicalLocation: v.Loc, IsPortVLANID: true,
		ReceivedPackets: n.RxPackets, SentPackets: n.TxPackets, DroppedPackets: n.Dropped, SentBytes: n.TxBytes, ReceivedBytes: n.RxBytes}
	if v.Bridged {
		out.ReceivedPhysicalPackets, out.SentPhysicalPackets, out.DroppedPhysicalPackets = n.RxPackets, n.TxPackets, n.Dropped
		out.SentPhysicalBytes, out.ReceivedPhysicalBytes = n.TxBytes, n.RxBytes
	}
	return out
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// phypFile renders the hypervisor's file of a sample.
func phypFile(smp *core.PCMSample, monitor string) *pcm.PhypFile {
	t := smp.Topo
	sys := t.Sys
	total := float64(sys.ConfigurableProcUnits) / float64(model.WholeProc)
	s := pcm.PhypSample{
		TimeStamp:       smp.At.UTC().Format(pcm.SampleTimeLayout),
		ErrorInfo:       []pcm.ErrorInfo{},
		TimeBasedCycles: float64(smp.Sys.TimeBased),
		SystemFirmware:  pcm.SystemFirmware{UtilizedProcCycles: smp.Sys.Firmware, AssignedMem: sys.HypervisorMemory(t.Acct)},
		Processor: pcm.SystemProcessor{TotalProcUnits: float64(sys.InstalledProcUnits) / float64(model.WholeProc), ConfigurableProcUnits: total,
			AvailableProcUnits: float64(sys.AvailableUnits(t.Acct)) / float64(model.WholeProc), ProcCyclesPerSecond: sim.CyclesPerSecond},
		Memory: pcm.SystemMemory{TotalMem: sys.InstalledMemory, AvailableMem: sys.AvailableMemory(t.Acct), ConfigurableMem: sys.ConfigurableMemory},
		SharedProcessorPool: []pcm.SharedPool{{ID: 0, Name: "DefaultPool", AssignedProcCycles: float64(smp.Sys.PoolAssigned),
			UtilizedPoolCycles: smp.Sys.PoolUtilized, MaxProcUnits: round2(smp.Sys.PoolUnits), BorrowedPoolProcUnits: round2(smp.Sys.PoolFree)}},
		LparsUtil: []pcm.PhypLpar{},
		ViosUtil:  []pcm.PhypVIOS{},
	}
	for i := len(t.Parts) - 1; i >= 0; i-- { // newest partitions first, as PowerVM lists them
		tp := t.Parts[i]
		p := tp.P
		var net *pcm.PhypNetwork
		if len(tp.VEAs) > 0 {
			net = &pcm.PhypNetwork{VirtualEthernetAdapters: make([]pcm.PhypVEA, 0, len(tp.VEAs))}
			for _, v := range tp.VEAs {
				net.VirtualEthernetAdapters = append(net.VirtualEthernetAdapters, phypVEA(v, smp.VEA[v.Index]))
			}
		}
		if p.IsVIOS() {
			s.ViosUtil = append(s.ViosUtil, pcm.PhypVIOS{ID: p.ID, UUID: p.UUID, Name: p.Name, State: pcmState(p.State), AffinityScore: 100,
				Memory: pcm.VIOSMemory{AssignedMem: partMem(p)}, Processor: lparProcessor(p, smp.Proc[i]), Network: net})
			continue
		}
		l := pcm.PhypLpar{ID: p.ID, UUID: p.UUID, Type: pcmType(p), Name: p.Name, State: pcmState(p.State), AffinityScore: 100,
			Memory: pcm.LparMemory{LogicalMem: partMem(p), BackedPhysicalMem: partMem(p)}, Processor: lparProcessor(p, smp.Proc[i]), Network: net}
		if len(tp.SCSI)+len(tp.FC) > 0 {
			st := &pcm.PhypStorage{}
			for _, a := range tp.SCSI {
				st.GenericVirtualAdapters = append(st.GenericVirtualAdapters, pcm.PhypVSCSI{
					PhysicalLocation: model.LocationCode(sys, p.ID, a.ClientSlot), ViosID: a.VIOS.ID, ViosAdapterSlotID: a.ServerSlot})
			}
			for _, f := range tp.FC {
				st.VirtualFiberChannelAdapters = append(st.VirtualFiberChannelAdapters, pcm.PhypVFC{
					PhysicalLocation: model.LocationCode(sys, p.ID, f.ClientSlot), ViosID: f.VIOS.ID, WWPNPair: append([]uint64{}, f.WWPNs...)})
			}
			l.Storage = st
		}
		s.LparsUtil = append(s.LparsUtil, l)
	}
	return &pcm.PhypFile{SystemUtil: pcm.PhypSystemUtil{
		UtilInfo:   pcm.UtilInfo{Version: "1.3.0", MetricType: "Raw", MonitoringType: monitor, MTMS: sys.MTMS(), Name: sys.Name},
		UtilSample: s}}
}

// viosFile renders a VIOS's file of a sample (nil when the VIOS is not
// running then).
func viosFile(smp *core.PCMSample, tp *sim.TPart, monitor string) *pcm.VIOSFile {
	p := tp.P
	if p.State != model.StateRunning {
		return nil
	}
	used := int(float64(p.CurMem) * float64(smp.MemPct[tp.Index]) / 100)
	u := pcm.VIOSUtil{ID: strconv.Itoa(p.ID), Name: p.Name, Memory: pcm.VIOSMemUtil{UtilizedMem: &used}}
	fcPorts := map[string]*pcm.VIOSFC{}
	var fcOrder []string
	for _, d := range tp.Devices {
		c := smp.Dev[d.Index]
		switch d.Kind {
		case sim.DevVirtualEnt, sim.DevPhysicalEnt:
			u.Network.GenericAdapters = append(u.Network.GenericAdapters, pcm.VIOSEnt{ID: d.Name, Type: d.Kind, PhysicalLocation: d.Loc,
				ReceivedPackets: c.Net.RxPackets, SentPackets: c.Net.TxPackets, DroppedPackets: c.Net.Dropped, ReceivedBytes: c.Net.RxBytes, SentBytes: c.Net.TxBytes})
		case sim.DevSEA:
			u.Network.SharedAdapters = append(u.Network.SharedAdapters, pcm.VIOSSEA{ID: d.Name, Type: "sea", PhysicalLocation: d.Loc,
				ReceivedPackets: c.Net.RxPackets, SentPackets: c.Net.TxPackets, DroppedPackets: c.Net.Dropped, ReceivedBytes: c.Net.RxBytes, SentBytes: c.Net.TxBytes,
				BridgedAdapters: append([]string{}, d.Bridged...)})
		case sim.DevVHost:
			u.Storage.GenericVirtualAdapters = append(u.Storage.GenericVirtualAdapters, pcm.VIOSDisk{ID: d.Name, Type: "virtual", PhysicalLocation: d.Loc,
				NumOfReads: c.Disk.Reads, NumOfWrites: c.Disk.Writes, ReadBytes: c.Disk.ReadBytes, WriteBytes: c.Disk.WriteBytes})
		case sim.DevSAS:
			u.Storage.GenericPhysicalAdapters = append(u.Storage.GenericPhysicalAdapters, pcm.VIOSDisk{ID: d.Name, Type: "sas", PhysicalLocation: d.Loc,
				NumOfReads: c.Disk.Reads, NumOfWrites: c.Disk.Writes, ReadBytes: c.Disk.ReadBytes, WriteBytes: c.Disk.WriteBytes})
		case sim.DevFCS:
			fcPorts[d.Name] = &pcm.VIOSFC{ID: d.Name, WWPN: d.WWPN, PhysicalLocation: d.Loc, NumOfReads: c.Disk.Reads, NumOfWrites: c.Disk.Writes,
				ReadBytes: c.Disk.ReadBytes, WriteBytes: c.Disk.WriteBytes, Ports: []pcm.VIOSFCPort{}}
			fcOrder = append(fcOrder, d.Name)
		case sim.DevVFC:
			if f := fcPorts[d.Port]; f != nil {
				f.RunningSpeed = 8
				f.Ports = append(f.Ports, pcm.VIOSFCPort{ID: d.Name, WWPN: d.WWPN, NumOfReads: c.Disk.Reads, NumOfWrites: c.Disk.Writes,
					ReadBytes: c.Disk.ReadBytes, WriteBytes: c.Disk.WriteBytes, RunningSpeed: 8, PhysicalLocation: d.Loc})
			}
		case sim.DevSSP:
			ssp := pcm.VIOSSSP{ID: d.Name, PoolDisks: append([]string{}, d.PoolDisks...), NumOfReads: c.Disk.Reads, NumOfWrites: c.Disk.Writes,
				ReadBytes: c.Disk.ReadBytes, WriteBytes: c.Disk.WriteBytes}
			ssp.TotalSpace, ssp.UsedSpace = d.TotalMB, d.UsedMB
			u.Storage.SharedStoragePools = append(u.Storage.SharedStoragePools, ssp)
		}
	}
	for _, name := range fcOrder {
		u.Storage.FiberChannelAdapters = append(u.Storage.FiberChannelAdapters, *fcPorts[name])
	}
	return &pcm.VIOSFile{SystemUtil: pcm.VIOSSystemUtil{
		UtilInfo: pcm.UtilInfo{Version: "1.0.0", MetricType: "Raw", MonitoringType: monitor, MTMS: smp.Topo.Sys.MTMS()},
		UtilSample: pcm.VIOSSample{TimeStamp: smp.At.UTC().Format(pcm.SampleTimeLayout), ViosUtil: []pcm.VIOSUtil{u},
			ErrorInfo: []pcm.ErrorInfo{}}}}
}

// lparFile renders the partitions' RMC memory file of a sample: every
// client partition, with its memory when it runs with an active RMC
// connection, else the error a real system gives.
func lparFile(smp *core.PCMSample) *pcm.LparFile {
	f := &pcm.LparFile{LparUtil: []pcm.LparUtil{}}
	stamp := smp.At.UTC().Format(pcm.FileTimeLayout)
	for _, tp := range smp.Topo.Parts {
		p := tp.P
		if p.IsVIOS() {
			continue
		}
		u := pcm.LparUtil{UUID: p.UUID, ID: strconv.Itoa(p.ID), Name: p.Name}
		switch {
		case p.State != model.StateRunning:
			u.ErrorInfo = &pcm.LparError{ErrorID: pcm.ErrLparNotRunning, Message: "Lpar is not in running state on Managed System"}
		case p.RMCState != model.RMCActive:
			u.ErrorInfo = &pcm.LparError{ErrorID: pcm.ErrRMCInactive, Message: "RMC is INACTIVE on lpar"}
		default:
			used := float64(smp.MemPct[tp.Index])
			pages := p.CurMem * 256 // 4 KB pages
			free := int(math.Round(100 - used))
			avbl := free + 20
			if avbl > 100 {
				avbl = 100
			}
			const pgSp = 131072 // 512 MB of paging space
			u.Memory = &pcm.LparRMCMemory{PctRealMemAvbl: avbl, TotalPgSpSizeCount: pgSp, TotalPgSpFreeCount: pgSp - int(float64(pgSp)*used/1000),
				VMActivePgCount: int(float64(pages) * used / 100), RealMemSizeBytes: int64(p.CurMem) << 20, PctRealMemFree: free,
				VMPgOutRate: int(used / 4)}
			u.TimeStamp = &stamp
		}
		f.LparUtil = append(f.LparUtil, u)
	}
	return f
}

// marshalPCM encodes a monitor document (compact: a 1,000-partition
// hypervisor file is 1.2 MB so, and renders in half the time).
func marshalPCM(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the types are plain data
	}
	return b
}

// sampleStamp is the Atom time of a sample.
func sampleStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
