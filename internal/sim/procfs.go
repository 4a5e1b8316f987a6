package sim

import (
	"fmt"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// A partition's operating system learns about the hypervisor it runs on
// from two files: /proc/ppc64/lparcfg (its partition ID, entitlement and
// the system's type and serial) and /proc/cpuinfo (the processor, its clock
// and the time base). pypowervm finds "its own" partition by the first
// (pypowervm.util.my_partition_id) and the host's clock by the second
// (tasks.monitor.host_cpu). pvmd writes the management partition's copies
// of both so that clients on a machine that is not a Power partition can be
// "on" the NovaLink partition (see python/partition in the repository).

// ProcessorClockMHz is the clock of the simulated processors, and TimeBase
// the frequency of their time base register (the POWER8 value, as in the
// captured PCM data's procCyclesPerSecond).
const (
	ProcessorClockMHz = 3425
	TimeBase          = 512000000
)

// LparCfg renders /proc/ppc64/lparcfg as the Linux kernel of partition p
// on system sys shows it (version 1.9 of the file).
func LparCfg(sys *model.ManagedSystem, p *model.Partition, configurableUnits model.Units) []byte {
	var b strings.Builder
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s=%v\n", k, v) }
	b.WriteString("lparcfg 1.9\n")
	kv("serial_number", "IBM,02"+sys.Serial)
	kv("system_type", "IBM,"+sys.Type+"-"+sys.Model)
	kv("partition_id", p.ID)
	kv("BoundThrds", 1)
	kv("CapInc", 1)
	kv("DisWheRotPer", 5120000)
	kv("MinEntCap", int64(p.MinUnits))
	kv("MinEntCapPerVP", 5)
	kv("MinMem", p.MinMem)
	kv("MinProcs", minProcs(p))
	kv("partition_max_entitled_capacity", int64(maxUnits(p)))
	kv("system_potential_processors", int64(configurableUnits/model.WholeProc))
	kv("DesEntCap", int64(entitled(p)))
	kv("DesMem", p.DesMem)
	kv("DesProcs", procs(p))
	kv("DesVarCapWt", p.Weight)
	kv("DedDonMode", 0)
	kv("partition_entitled_capacity", int64(entitled(p)))
	kv("group", 32768+p.ID)
	kv("system_active_processors", int64(configurableUnits/model.WholeProc))
	kv("pool", p.PoolID)
	kv("pool_capacity", int64(configurableUnits))
	kv("capacity_weight", p.Weight)
	capped := 0
	if p.SharingMode == "capped" || p.Dedicated {
		capped = 1
	}
	kv("capped", capped)
	kv("unallocated_capacity", 0)
	kv("physical_procs_allocated_to_virtualization", int64(configurableUnits/model.WholeProc))
	kv("max_proc_entitled_capacity", int64(configurableUnits))
	kv("entitled_memory", int64(p.DesMem)<<20)
	kv("cmo_enabled", 0)
	kv("partition_active_processors", procs(p))
	kv("partition_potential_processors", maxProcs(p))
	shared := 1
	if p.Dedicated {
		shared = 0
	}
	kv("shared_processor_mode", shared)
	kv("slb_size", 32)
	return []byte(b.String())
}

// CPUInfo renders /proc/cpuinfo of partition p on system sys: one entry per
// virtual (or dedicated) processor, then the platform lines.
func CPUInfo(sys *model.ManagedSystem, p *model.Partition) []byte {
	var b strings.Builder
	for i := 0; i < procs(p); i++ {
		fmt.Fprintf(&b, "processor\t: %d\ncpu\t\t: POWER8 (architected), altivec supported\n", i)
		fmt.Fprintf(&b, "clock\t\t: %d.000000MHz\nrevision\t: 2.1 (pvr 004b 0201)\n\n", ProcessorClockMHz)
	}
	fmt.Fprintf(&b, "timebase\t: %d\nplatform\t: pSeries\n", TimeBase)
	fmt.Fprintf(&b, "model\t\t: IBM,%s-%s\nmachine\t\t: CHRP IBM,%s-%s\nMMU\t\t: Hash\n", sys.Type, sys.Model, sys.Type, sys.Model)
	return []byte(b.String())
}

func procs(p *model.Partition) int {
	if p.Dedicated {
		return max(p.DesProcs, 1)
	}
	return max(p.DesVP, 1)
}

func minProcs(p *model.Partition) int {
	if p.Dedicated {
		return p.MinProcs
	}
	return p.MinVP
}

func maxProcs(p *model.Partition) int {
	if p.Dedicated {
		return p.MaxProcs
	}
	return p.MaxVP
}

func entitled(p *model.Partition) model.Units {
	if p.Dedicated {
		return model.Units(p.DesProcs) * model.WholeProc
	}
	return p.DesUnits
}

func maxUnits(p *model.Partition) model.Units {
	if p.Dedicated {
		return model.Units(p.MaxProcs) * model.WholeProc
	}
	return p.MaxUnits
}
