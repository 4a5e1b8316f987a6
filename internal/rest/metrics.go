package rest

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// /metrics: the simulated server's counters in the Prometheus exposition
// format (whatever the monitoring preference), for a Grafana dashboard
// over a fleet of pvmd. Like every route it needs a caller: a session
// (X-API-Session), or a pvmd account's user and password by HTTP basic
// authentication, which is what Prometheus's basic_auth sends.

// metricsCollector turns the core's latest counters into metrics.
type metricsCollector struct{ c *core.Core }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("pvm_"+name, help, labels, nil)
}

var (
	partLabels = []string{"system", "partition", "id", "type"}
	mTimeBase  = desc("system_time_base_cycles_total", "Time base cycles since the system's IPL (cycles of one processor; procCyclesPerSecond a second).", "system")
	mFirmware  = desc("system_firmware_cycles_total", "Processor cycles the hypervisor used.", "system")
	mSysUnits  = desc("system_proc_units", "Processing units of the system.", "system", "kind")
	mSysMem    = desc("system_memory_megabytes", "Memory of the system, MB.", "system", "kind")
	mPoolCyc   = desc("pool_cycles_total", "Cycles of the default shared processor pool: assigned (its capacity) and utilized (its partitions' work).", "system", "pool", "kind")
	mPartCyc   = desc("partition_cycles_total", "A partition's processor cycles by kind: entitled, capped (including idle), uncapped, idle, donated.", append(partLabels, "kind")...)
	mPartCPU   = desc("partition_cpu_seconds_total", "Processor seconds a partition did work in (capped + uncapped - idle cycles).", partLabels...)
	mPartEnt   = desc("partition_entitled_proc_units", "A partition's entitlement, processing units (0 when not active).", partLabels...)
	mPartVP    = desc("partition_virtual_processors", "A partition's virtual (or dedicated) processors.", partLabels...)
	mPartMem   = desc("partition_memory_megabytes", "A partition's memory, MB (0 when not active).", partLabels...)
	mPartUse   = desc("partition_memory_used_percent", "The part of its memory a running partition's OS has in use.", partLabels...)
	mPartUp    = desc("partition_running", "1 when the partition runs.", append(partLabels, "state")...)
	mVEABytes  = desc("adapter_bytes_total", "Bytes through a partition's virtual Ethernet adapter.", append(partLabels, "location", "vlan", "direction")...)
	mVEAPkts   = desc("adapter_packets_total", "Packets through a partition's virtual Ethernet adapter.", append(partLabels, "location", "vlan", "direction")...)
	mVEADrop   = desc("adapter_dropped_packets_total", "Packets a partition's virtual Ethernet adapter dropped.", append(partLabels, "location", "vlan")...)
	mDevBytes  = desc("vios_device_bytes_total", "Bytes through a VIOS device (counted by its OS since it started).", "system", "vios", "device", "type", "direction")
	mDevOps    = desc("vios_device_operations_total", "Read and write operations of a VIOS storage device.", "system", "vios", "device", "type", "direction")
)

func (m metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mTimeBase, mFirmware, mSysUnits, mSysMem, mPoolCyc, mPartCyc, mPartCPU, mPartEnt, mPartVP,
		mPartMem, mPartUse, mPartUp, mVEABytes, mVEAPkts, mVEADrop, mDevBytes, mDevOps} {
		ch <- d
	}
}

func (m metricsCollector) Collect(ch chan<- prometheus.Metric) {
	smp := m.c.LatestCounters()
	if smp == nil {
		return
	}
	t := smp.Topo
	sys := t.Sys
	name := sys.Name
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	wp := float64(model.WholeProc)
	counter(mTimeBase, smp.Sys.TimeBased, name)
	counter(mFirmware, smp.Sys.Firmware, name)
	gauge(mSysUnits, float64(sys.InstalledProcUnits)/wp, name, "installed")
	gauge(mSysUnits, float64(sys.ConfigurableProcUnits)/wp, name, "configurable")
	gauge(mSysUnits, float64(sys.AvailableUnits(t.Acct))/wp, name, "available")
	gauge(mSysMem, float64(sys.ConfigurableMemory), name, "configurable")
	gauge(mSysMem, float64(sys.AvailableMemory(t.Acct)), name, "available")
	gauge(mSysMem, float64(sys.HypervisorMemory(t.Acct)), name, "hypervisor")
	counter(mPoolCyc, smp.Sys.PoolAssigned, name, "DefaultPool", "assigned")
	counter(mPoolCyc, smp.Sys.PoolUtilized, name, "DefaultPool", "utilized")
	for i, tp := range t.Parts {
		p := tp.P
		typ := "lpar"
		if p.IsVIOS() {
			typ = "vios"
		}
		pl := []string{name, p.Name, strconv.Itoa(p.ID), typ}
		c := smp.Proc[i]
		for _, k := range []struct {
			kind string
			v    uint64
		}{{"entitled", c.Entitled}, {"capped", c.Capped}, {"uncapped", c.Uncapped}, {"idle", c.Idle}, {"donated", c.Donated}} {
			counter(mPartCyc, k.v, append(pl, k.kind)...)
		}
		ch <- prometheus.MustNewConstMetric(mPartCPU, prometheus.CounterValue, float64(c.Utilized())/sim.CyclesPerSecond, pl...)
		units, vps := 0.0, 0
		mem := 0
		if p.Active() {
			units, vps = procUnits(p)
			mem = p.CurMem
		}
		gauge(mPartEnt, units, pl...)
		gauge(mPartVP, float64(vps), pl...)
		gauge(mPartMem, float64(mem), pl...)
		up := 0.0
		if p.State == model.StateRunning {
			up = 1
			gauge(mPartUse, float64(smp.MemPct[i]), pl...)
		}
		gauge(mPartUp, up, append(pl, pcmState(p.State))...)
		for _, v := range tp.VEAs {
			n := smp.VEA[v.Index]
			vl := append(append([]string{}, pl...), v.Loc, strconv.Itoa(v.A.PVID))
			counter(mVEABytes, n.RxBytes, append(vl, "received")...)
			counter(mVEABytes, n.TxBytes, append(vl, "sent")...)
			counter(mVEAPkts, n.RxPackets, append(vl, "received")...)
			counter(mVEAPkts, n.TxPackets, append(vl, "sent")...)
			counter(mVEADrop, n.Dropped, vl...)
		}
		for _, d := range tp.Devices {
			dc := smp.Dev[d.Index]
			dl := []string{name, p.Name, d.Name, d.Kind}
			switch d.Kind {
			case sim.DevVirtualEnt, sim.DevPhysicalEnt, sim.DevSEA:
				counter(mDevBytes, dc.Net.RxBytes, append(dl, "received")...)
				counter(mDevBytes, dc.Net.TxBytes, append(dl, "sent")...)
			default:
				counter(mDevBytes, dc.Disk.ReadBytes, append(dl, "read")...)
				counter(mDevBytes, dc.Disk.WriteBytes, append(dl, "written")...)
				counter(mDevOps, dc.Disk.Reads, append(dl, "read")...)
				counter(mDevOps, dc.Disk.Writes, append(dl, "written")...)
			}
		}
	}
}

// basicCache remembers basic credentials that were checked (bcrypt is
// slow, and a scraper sends the same ones every few seconds).
type basicCache struct {
	mu sync.Mutex
	ok map[[32]byte]time.Time
}

const basicCacheTTL = 5 * time.Minute

func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metricsCollector{s.core}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func (s *Server) handleMetrics(h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Session") != "" {
			if _, ok := s.authenticate(w, r); !ok {
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		user, pw, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="pvmd"`)
			s.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0052] /metrics needs a session (X-API-Session) or a pvmd account's user and password (HTTP basic authentication)."}, nil)
			return
		}
		key := sha256.Sum256([]byte(user + "\x00" + pw))
		now := time.Now()
		s.basic.mu.Lock()
		until, known := s.basic.ok[key]
		s.basic.mu.Unlock()
		if !known || now.After(until) {
			if _, err := s.core.Authenticate(user, pw); err != nil {
				w.Header().Set("WWW-Authenticate", `Basic realm="pvmd"`)
				s.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040110-0050] The user ID or password is not valid."}, nil)
				return
			}
			s.basic.mu.Lock()
			if s.basic.ok == nil {
				s.basic.ok = map[[32]byte]time.Time{}
			}
			s.basic.ok[key] = now.Add(basicCacheTTL)
			s.basic.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}
}
