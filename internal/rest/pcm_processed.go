package rest

import (
	"math"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom/pcm"
)

// Processed metrics, as the HMC serves them: every interval between two
// long-term samples averaged (processing units, MB, and per-second rates
// of the counters), one value per array ("AVG").

func avg(v float64) []float64 { return []float64{math.Round(v*1000) / 1000} }

// delta is a counter's increase (0 when it started again: a VIOS
// restarted).
func delta(a, b uint64) float64 {
	if b < a {
		return 0
	}
	return float64(b - a)
}

type interval struct {
	a, b *core.PCMSample
	dt   float64
}

func (iv interval) units(a, b uint64) float64 {
	return delta(a, b) / (sim.CyclesPerSecond * iv.dt)
}

func (iv interval) rate(a, b uint64) float64 { return delta(a, b) / iv.dt }

// prevIndex finds, in the interval's older sample, a partition of the
// newer one (-1 when it did not exist yet).
func (iv interval) prevPart(tp *sim.TPart) *sim.TPart {
	if iv.a.Topo == iv.b.Topo {
		return tp
	}
	return iv.a.Topo.Part(tp.P.UUID)
}

func (iv interval) proc(tp *sim.TPart) pcm.ProcessedProcessor {
	p := tp.P
	b := iv.b.Proc[tp.Index]
	var a sim.ProcCounters
	if old := iv.prevPart(tp); old != nil {
		a = iv.a.Proc[old.Index]
	}
	units, vps := procUnits(p)
	pool := p.PoolID
	na, ta := instructions(a)
	nb, tb := instructions(b)
	tpi := 0.0
	if nb > na {
		tpi = float64(tb-ta) / float64(nb-na)
	}
	out := pcm.ProcessedProcessor{Weight: p.Weight, Mode: pcmMode(p),
		MaxVirtualProcessors: avg(float64(vps)), CurrentVirtualProcessors: avg(float64(p.CurVP)), MaxProcUnits: avg(units),
		EntitledProcUnits: avg(iv.units(a.Entitled, b.Entitled)), UtilizedProcUnits: avg(iv.units(a.Utilized(), b.Utilized())),
		UtilizedCappedProcUnits: avg(iv.units(a.Capped, b.Capped)), UtilizedUncappedProcUnits: avg(iv.units(a.Uncapped, b.Uncapped)),
		IdleProcUnits: avg(iv.units(a.Idle, b.Idle)), DonatedProcUnits: avg(iv.units(a.Donated, b.Donated)),
		TimeSpentWaitingForDispatch: avg(0), TimePerInstructionExecution: avg(tpi)}
	if !p.IsVIOS() {
		out.PoolID = &pool
	}
	return out
}

// vea returns the rates of a partition's adapter.
func (iv interval) vea(tp *sim.TPart, v *sim.TVEA) pcm.ProcessedVEA {
	b := iv.b.VEA[v.Index]
	var a sim.NetCounters
	if old := iv.prevPart(tp); old != nil {
		for _, ov := range old.VEAs {
			if ov.A.UUID == v.A.UUID {
				a = iv.a.VEA[ov.Index]
			}
		}
	}
	rx, tx := iv.rate(a.RxBytes, b.RxBytes), iv.rate(a.TxBytes, b.TxBytes)
	out := pcm.ProcessedVEA{PhysicalLocation: v.Loc, VlanID: v.A.PVID, VswitchID: v.A.SwitchID, IsPortVlanID: true,
		ReceivedPackets: avg(iv.rate(a.RxPackets, b.RxPackets)), SentPackets: avg(iv.rate(a.TxPackets, b.TxPackets)),
		DroppedPackets: avg(iv.rate(a.Dropped, b.Dropped)), SentBytes: avg(tx), ReceivedBytes: avg(rx),
		ReceivedPhysicalPackets: avg(0), SentPhysicalPackets: avg(0), DroppedPhysicalPackets: avg(0),
		SentPhysicalBytes: avg(0), ReceivedPhysicalBytes: avg(0), TransferredBytes: avg(rx + tx), TransferredPhysicalBytes: avg(0)}
	if v.Bridged {
		out.ReceivedPhysicalPackets, out.SentPhysicalPackets, out.DroppedPhysicalPackets = out.ReceivedPackets, out.SentPackets, out.DroppedPackets
		out.SentPhysicalBytes, out.ReceivedPhysicalBytes, out.TransferredPhysicalBytes = out.SentBytes, out.ReceivedBytes, out.TransferredBytes
	}
	return out
}

// dev returns the counters of a VIOS device at both ends of the interval.
func (iv interval) dev(tp *sim.TPart, d *sim.TDev) (a, b sim.DevCounters) {
	b = iv.b.Dev[d.Index]
	if old := iv.prevPart(tp); old != nil && old.P.ActivatedAt == tp.P.ActivatedAt {
		if od := old.Dev(d.Key); od != nil {
			a = iv.a.Dev[od.Index]
		}
	}
	return a, b
}

func (iv interval) disk(tp *sim.TPart, d *sim.TDev, typ string) pcm.ProcessedDisk {
	a, b := iv.dev(tp, d)
	r, w := iv.rate(a.Disk.ReadBytes, b.Disk.ReadBytes), iv.rate(a.Disk.WriteBytes, b.Disk.WriteBytes)
	return pcm.ProcessedDisk{ID: d.Name, Type: typ, PhysicalLocation: d.Loc,
		NumOfReads: avg(iv.rate(a.Disk.Reads, b.Disk.Reads)), NumOfWrites: avg(iv.rate(a.Disk.Writes, b.Disk.Writes)),
		ReadBytes: avg(r), WriteBytes: avg(w), TransmittedBytes: avg(r + w)}
}

func (iv interval) ent(tp *sim.TPart, d *sim.TDev) pcm.ProcessedEnt {
	a, b := iv.dev(tp, d)
	rx, tx := iv.rate(a.Net.RxBytes, b.Net.RxBytes), iv.rate(a.Net.TxBytes, b.Net.TxBytes)
	return pcm.ProcessedEnt{ID: d.Name, Type: d.Kind, PhysicalLocation: d.Loc,
		ReceivedPackets: avg(iv.rate(a.Net.RxPackets, b.Net.RxPackets)), SentPackets: avg(iv.rate(a.Net.TxPackets, b.Net.TxPackets)),
		DroppedPackets: avg(iv.rate(a.Net.Dropped, b.Net.Dropped)), SentBytes: avg(tx), ReceivedBytes: avg(rx), TransferredBytes: avg(rx + tx)}
}

func (iv interval) info(kind, uuid string) pcm.SampleInfo {
	return pcm.SampleInfo{TimeStamp: iv.b.At.UTC().Format(pcm.ProcessedTimeLayout), Status: 0}
}

// intervals pairs consecutive samples.
func intervals(samples []*core.PCMSample) []interval {
	var out []interval
	for i := 1; i < len(samples); i++ {
		dt := samples[i].At.Sub(samples[i-1].At).Seconds()
		if dt > 0 {
			out = append(out, interval{a: samples[i-1], b: samples[i], dt: dt})
		}
	}
	return out
}

func processedInfo(ivs []interval, name, uuid, mtms string) pcm.ProcessedInfo {
	return pcm.ProcessedInfo{Version: "1.3.0", MetricType: "Processed", Frequency: pcm.ProcessedFrequency,
		StartTimeStamp: ivs[0].b.At.UTC().Format(pcm.ProcessedTimeLayout), EndTimeStamp: ivs[len(ivs)-1].b.At.UTC().Format(pcm.ProcessedTimeLayout),
		MTMS: mtms, Name: name, UUID: uuid, MetricArrayOrder: []string{"AVG"}}
}

// processedSystem renders the system's processed file over intervals.
func processedSystem(ivs []interval) *pcm.Processed {
	sys := ivs[len(ivs)-1].b.Topo.Sys
	out := &pcm.Processed{SystemUtil: pcm.ProcessedSystemUtil{UtilInfo: processedInfo(ivs, sys.Name, sys.UUID, sys.MTMS())}}
	for _, iv := range ivs {
		t := iv.b.Topo
		wp := float64(model.WholeProc)
		used, entitled := 0.0, 0.0
		for _, tp := range t.Parts {
			pr := iv.proc(tp)
			used += pr.UtilizedProcUnits[0]
			if !tp.P.Dedicated && tp.P.Active() {
				entitled += float64(tp.P.CurUnits) / wp
			}
		}
		fw := iv.units(iv.a.Sys.Firmware, iv.b.Sys.Firmware)
		poolUsed := iv.units(iv.a.Sys.PoolUtilized, iv.b.Sys.PoolUtilized)
		pool := pcm.PoolUtil{AssignedProcUnits: avg(iv.b.Sys.PoolUnits), UtilizedProcUnits: avg(poolUsed),
			AvailableProcUnits: avg(math.Max(0, iv.b.Sys.PoolUnits-poolUsed)), ConfiguredProcUnits: avg(entitled), BorrowedProcUnits: avg(iv.b.Sys.PoolFree)}
		s := pcm.ProcessedSample{SampleType: "ManagedSystem", SampleInfo: iv.info("ManagedSystem", sys.UUID),
			SystemFirmwareUtil: &pcm.FirmwareUtil{UtilizedProcUnits: avg(fw), AssignedMem: avg(float64(sys.HypervisorMemory(t.Acct)))},
			ServerUtil: &pcm.ServerUtil{
				Processor: pcm.ServerProcessor{TotalProcUnits: avg(float64(sys.InstalledProcUnits) / wp), UtilizedProcUnits: avg(used + fw),
					AvailableProcUnits: avg(float64(sys.AvailableUnits(t.Acct)) / wp), ConfigurableProcUnits: avg(float64(sys.ConfigurableProcUnits) / wp)},
				Memory: pcm.ServerMemory{TotalMem: avg(float64(sys.InstalledMemory)), AvailableMem: avg(float64(sys.AvailableMemory(t.Acct))),
					ConfigurableMem: avg(float64(sys.ConfigurableMemory)), AssignedMemToLpars: avg(float64(t.Acct.PartitionMemory))},
				PhysicalProcessorPool: pool,
				SharedProcessorPool:   []pcm.SharedPoolUtil{{ID: 0, Name: "DefaultPool", PoolUtil: pool}},
			}}
		for _, tp := range t.Parts {
			if tp.P.IsVIOS() && tp.P.State == model.StateRunning {
				s.ViosUtil = append(s.ViosUtil, iv.vios(tp))
			}
		}
		out.SystemUtil.UtilSamples = append(out.SystemUtil.UtilSamples, s)
	}
	return out
}

func (iv interval) vios(tp *sim.TPart) pcm.ProcessedVIOS {
	p := tp.P
	v := pcm.ProcessedVIOS{ID: p.ID, UUID: p.UUID, Name: p.Name, State: pcmState(p.State), AffinityScore: 100,
		Memory:    pcm.ProcessedVIOSMem{AssignedMem: avg(float64(p.CurMem)), UtilizedMem: avg(float64(p.CurMem) * float64(iv.b.MemPct[tp.Index]) / 100)},
		Processor: iv.proc(tp)}
	clients := map[string]bool{}
	for _, c := range iv.b.Topo.Parts {
		for _, s := range c.SCSI {
			if s.VIOS.UUID == p.UUID && !clients[c.P.UUID] {
				clients[c.P.UUID] = true
				v.Storage.ClientLpars = append(v.Storage.ClientLpars, c.P.UUID)
			}
		}
	}
	fcs := map[string]int{}
	for _, d := range tp.Devices {
		switch d.Kind {
		case sim.DevVirtualEnt, sim.DevPhysicalEnt:
			v.Network.GenericAdapters = append(v.Network.GenericAdapters, iv.ent(tp, d))
		case sim.DevSEA:
			v.Network.SharedAdapters = append(v.Network.SharedAdapters, pcm.ProcessedSEA{ProcessedEnt: iv.ent(tp, d), BridgedAdapters: append([]string{}, d.Bridged...)})
		case sim.DevVHost:
			v.Storage.GenericVirtualAdapters = append(v.Storage.GenericVirtualAdapters, iv.disk(tp, d, "virtual"))
		case sim.DevSAS:
			v.Storage.GenericPhysicalAdapters = append(v.Storage.GenericPhysicalAdapters, iv.disk(tp, d, "sas"))
		case sim.DevFCS:
			dk := iv.disk(tp, d, "")
			fcs[d.Name] = len(v.Storage.FiberChannelAdapters)
			v.Storage.FiberChannelAdapters = append(v.Storage.FiberChannelAdapters, pcm.ProcessedFC{ID: d.Name, WWPN: d.WWPN, PhysicalLocation: d.Loc,
				NumOfReads: dk.NumOfReads, NumOfWrites: dk.NumOfWrites, ReadBytes: dk.ReadBytes, WriteBytes: dk.WriteBytes,
				RunningSpeed: avg(0), TransmittedBytes: dk.TransmittedBytes})
		case sim.DevVFC:
			if i, ok := fcs[d.Port]; ok {
				v.Storage.FiberChannelAdapters[i].NumOfPorts++
				v.Storage.FiberChannelAdapters[i].RunningSpeed = avg(8)
			}
		}
	}
	for _, a := range tp.VEAs {
		v.Network.VirtualEthernetAdapters = append(v.Network.VirtualEthernetAdapters, iv.vea(tp, a))
	}
	return v
}

// processedLpar renders a partition's processed file over intervals (nil
// when the partition is in none of them).
func processedLpar(ivs []interval, uuid string) *pcm.Processed {
	sys := ivs[len(ivs)-1].b.Topo.Sys
	out := &pcm.Processed{SystemUtil: pcm.ProcessedSystemUtil{UtilInfo: processedInfo(ivs, sys.Name, sys.UUID, sys.MTMS())}}
	for _, iv := range ivs {
		tp := iv.b.Topo.Part(uuid)
		if tp == nil || tp.P.IsVIOS() {
			continue
		}
		p := tp.P
		osType := "Linux"
		switch {
		case p.Type == model.TypeOS400:
			osType = "IBM i"
		case strings.Contains(strings.ToUpper(p.OSVersion), "AIX"):
			osType = "AIX"
		}
		typ := "AIX/Linux"
		if p.Type == model.TypeOS400 {
			typ = "IBMi"
		}
		l := pcm.ProcessedLpar{ID: p.ID, UUID: p.UUID, Name: p.Name, State: pcmState(p.State), Type: typ, OSType: osType, AffinityScore: 100,
			Memory:    pcm.ProcessedLparMem{LogicalMem: avg(float64(partMem(p))), BackedPhysicalMem: avg(float64(partMem(p)))},
			Processor: iv.proc(tp)}
		for _, v := range tp.VEAs {
			l.Network.VirtualEthernetAdapters = append(l.Network.VirtualEthernetAdapters, iv.vea(tp, v))
		}
		for _, s := range tp.SCSI {
			vt := iv.b.Topo.Part(s.VIOS.UUID)
			if vt == nil {
				continue
			}
			if d := vt.Dev("vhost:" + s.VHost); d != nil {
				dk := iv.disk(vt, d, "virtual")
				id := s.VIOS.ID
				dk.ViosID = &id
				dk.PhysicalLocation = model.LocationCode(sys, p.ID, s.ClientSlot)
				l.Storage.GenericVirtualAdapters = append(l.Storage.GenericVirtualAdapters, dk)
			}
		}
		for _, f := range tp.FC {
			vt := iv.b.Topo.Part(f.VIOS.UUID)
			if vt == nil || f.Port == nil {
				continue
			}
			d := vt.Dev("vfc:" + f.VFCHost)
			if d == nil {
				continue
			}
			dk := iv.disk(vt, d, "")
			vfc := pcm.ProcessedVFC{PhysicalLocation: model.LocationCode(sys, p.ID, f.ClientSlot), PhysicalPortWWPN: strings.ToLower(f.Port.WWPN),
				ViosID: f.VIOS.ID, NumOfReads: dk.NumOfReads, NumOfWrites: dk.NumOfWrites, ReadBytes: dk.ReadBytes, WriteBytes: dk.WriteBytes,
				RunningSpeed: avg(8), TransmittedBytes: dk.TransmittedBytes}
			if len(f.WWPNs) > 0 {
				vfc.WWPN = strings.ToLower(hex16(f.WWPNs[0]))
			}
			if len(f.WWPNs) > 1 {
				vfc.WWPN2 = strings.ToLower(hex16(f.WWPNs[1]))
			}
			l.Storage.VirtualFiberChannelAdapters = append(l.Storage.VirtualFiberChannelAdapters, vfc)
		}
		out.SystemUtil.UtilSamples = append(out.SystemUtil.UtilSamples, pcm.ProcessedSample{SampleType: "LogicalPartition",
			SampleInfo: iv.info("LogicalPartition", uuid), LparsUtil: []pcm.ProcessedLpar{l}})
	}
	if len(out.SystemUtil.UtilSamples) == 0 {
		return nil
	}
	return out
}

func hex16(v uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}
