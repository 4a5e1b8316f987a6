package model

import (
	"fmt"
	"math"
)

// Kinds of the performance monitoring service and of the simulator's
// workload (no API path of the uom service: they send no events).
const (
	KindPCMPref ObjKind = "pcmprefs"
	KindLoad    ObjKind = "simloads"
)

// PCMPreference is the managed system's Performance and Capacity
// Monitoring preference (ManagedSystemPcmPreference): which monitors run.
// Monitoring is off until a client turns it on. Key: the system UUID.
type PCMPreference struct {
	System      string `json:"system"`
	LTM         bool   `json:"ltm,omitempty"`
	STM         bool   `json:"stm,omitempty"`
	Aggregation bool   `json:"aggregation,omitempty"`
	ComputeLTM  bool   `json:"computeLTM,omitempty"`
	Rev         uint64 `json:"rev"`
}

func (p *PCMPreference) Kind() ObjKind        { return KindPCMPref }
func (p *PCMPreference) Key() string          { return p.System }
func (p *PCMPreference) Revision() uint64     { return p.Rev }
func (p *PCMPreference) SetRevision(r uint64) { p.Rev = r }
func (p *PCMPreference) CloneObject() Object  { c := *p; return &c }

// Collecting reports whether long-term samples are taken at all (for the
// raw feed or for the processed metrics).
func (p *PCMPreference) Collecting() bool {
	return p != nil && (p.LTM || p.ComputeLTM || p.Aggregation)
}

// Load is the work a simulated partition's operating system asks of the
// machine, set by a tester (the simulator's control, not configuration a
// real server has). A partition without one runs a quiet idle OS. Key: the
// partition UUID.
type Load struct {
	Partition string `json:"partition"`
	// CPU is the processing units the OS would use if it could (the
	// hypervisor gives less when the entitlement, the virtual processors
	// or the pool do not allow it).
	CPU float64 `json:"cpu"`
	// NetRx and NetTx are bytes per second received and sent over the
	// partition's virtual Ethernet adapters.
	NetRx float64 `json:"netRx"`
	NetTx float64 `json:"netTx"`
	// DiskRead and DiskWrite are bytes per second read and written over
	// its virtual SCSI and Fibre Channel adapters.
	DiskRead  float64 `json:"diskRead"`
	DiskWrite float64 `json:"diskWrite"`
	// MemPct is the part of its memory the OS has in use, percent.
	MemPct float64 `json:"memPct"`
	Rev    uint64  `json:"rev"`
}

func (l *Load) Kind() ObjKind        { return KindLoad }
func (l *Load) Key() string          { return l.Partition }
func (l *Load) Revision() uint64     { return l.Rev }
func (l *Load) SetRevision(r uint64) { l.Rev = r }
func (l *Load) CloneObject() Object  { c := *l; return &c }

// Limits of a Load: what a simulated partition can be asked to do.
const (
	MaxLoadRate = 100e9 // bytes per second, network or disk
)

// ValidateLoad checks a load against its partition: the CPU demand within
// what its virtual processors (or dedicated processors) could ever use,
// rates not negative nor absurd, memory a percentage.
func ValidateLoad(l *Load, p *Partition) error {
	bad := func(field string, v float64, want string) error {
		return newErr(KindInvalid, "PVME01050920-0200", "The simulated load %s %s for partition %s is not valid: %s.", field, formatFloat(v), p.Name, want)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"cpu", l.CPU}, {"net-rx", l.NetRx}, {"net-tx", l.NetTx}, {"disk-read", l.DiskRead}, {"disk-write", l.DiskWrite}, {"mem", l.MemPct}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return bad(f.name, f.v, "it must be a number, 0 or more")
		}
	}
	maxCPU := float64(p.MaxVP)
	if p.Dedicated {
		maxCPU = float64(p.MaxProcs)
	}
	if l.CPU > maxCPU {
		return bad("cpu", l.CPU, fmt.Sprintf("the partition can use at most %s processors (its maximum virtual processors)", formatFloat(maxCPU)))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"net-rx", l.NetRx}, {"net-tx", l.NetTx}, {"disk-read", l.DiskRead}, {"disk-write", l.DiskWrite}} {
		if f.v > MaxLoadRate {
			return bad(f.name, f.v, "at most 100 GB/s")
		}
	}
	if l.MemPct > 100 {
		return bad("mem", l.MemPct, "it is a percentage of the partition's memory, at most 100")
	}
	return nil
}

func formatFloat(v float64) string { return fmt.Sprintf("%g", v) }
