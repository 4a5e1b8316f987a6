// Package metrics is pvmctl's metrics verbs (sys metrics, lpar metrics,
// vios metrics): what the long-term monitor of the pcm service recorded
// over the last samples, as an administrator reads it. Rates come from the
// counters of consecutive hypervisor (phyp) and VIOS files; memory in use
// from the partitions' RMC file.
package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/printer"
	"github.com/novalink-project/novalink/uom/pcm"
)

// DefaultSamples is how many intervals the verbs show.
const DefaultSamples = 4

// Interval is one interval between two long-term samples.
type Interval struct {
	Time time.Time `json:"time"`
	// CPUUnits is the processing units used, CPUPctEnt the same as a
	// percentage of the entitlement (partitions) or of the configurable
	// units (the system).
	CPUUnits  float64 `json:"cpuUnits"`
	CPUPctEnt float64 `json:"cpuPct"`
	// Firmware is the hypervisor's processing units (system only).
	Firmware float64 `json:"firmwareUnits,omitempty"`
	// MemMB is the partition's memory (the memory assigned to partitions
	// for the system); MemUsedPct what its OS has in use (-1: unknown).
	MemMB      int     `json:"memMB"`
	MemUsedPct float64 `json:"memUsedPct"`
	NetRx      float64 `json:"netRxBytesPerSec"`
	NetTx      float64 `json:"netTxBytesPerSec"`
	DiskRead   float64 `json:"diskReadBytesPerSec"`
	DiskWrite  float64 `json:"diskWriteBytesPerSec"`
}

// Report is what the verbs print.
type Report struct {
	Name      string     `json:"name"`
	UUID      string     `json:"uuid"`
	Intervals []Interval `json:"intervals"`
}

// sample is one long-term sample: the phyp file, the VIOS files and the
// RMC memory in use per partition UUID.
type sample struct {
	at   time.Time
	phyp *pcm.PhypFile
	vios map[int]*pcm.VIOSUtil
}

// errOff says the long-term monitor is off.
func errOff() error {
	return &app.Error{ID: "PVME01040300-0301", Code: app.ExitFailed,
		Msg: "Long-term performance monitoring is off on this system; turn it on with: pvmctl sys metrics --enable"}
}

// read fetches the last n+1 long-term samples (with the VIOS files when
// storage is wanted) and the newest RMC memory file.
func read(a *app.App, sys string, n int, withVIOS bool) ([]*sample, map[string]float64, error) {
	c, err := a.Client()
	if err != nil {
		return nil, nil, err
	}
	pref, err := c.PCMPreference(a.Context(), sys)
	if err != nil {
		return nil, nil, err
	}
	if !pref.LTM && !pref.ComputeLTM {
		return nil, nil, errOff()
	}
	files, err := c.RawMetrics(a.Context(), sys, pcm.LTM, time.Time{}, time.Time{})
	if err != nil {
		return nil, nil, err
	}
	var times []time.Time
	byTime := map[time.Time]*sample{}
	var lpar *client.RawFile
	for i := range files {
		f := &files[i]
		switch {
		case f.Category == pcm.CategoryPhyp:
			times = append(times, f.Time)
			byTime[f.Time] = &sample{at: f.Time, vios: map[int]*pcm.VIOSUtil{}}
		case f.Category == pcm.CategoryLpar:
			lpar = f
		}
	}
	if len(times) < 2 {
		return nil, nil, &app.Error{ID: "PVME01040300-0302", Code: app.ExitFailed,
			Msg: fmt.Sprintf("The long-term monitor has %d sample(s) yet; rates need two (it samples every 30 seconds).", len(times))}
	}
	if len(times) > n+1 {
		times = times[len(times)-n-1:]
	}
	keep := map[time.Time]bool{}
	for _, t := range times {
		keep[t] = true
	}
	var jobs []func() error
	var mu sync.Mutex
	for i := range files {
		f := files[i]
		s := byTime[f.Time]
		if !keep[f.Time] || s == nil {
			continue
		}
		switch {
		case f.Category == pcm.CategoryPhyp:
			jobs = append(jobs, func() error {
				var p pcm.PhypFile
				if err := c.ReadJSON(a.Context(), f.Href, &p); err != nil {
					return err
				}
				s.phyp = &p
				return nil
			})
		case withVIOS && strings.HasPrefix(f.Category, pcm.CategoryVIOSPrefix):
			jobs = append(jobs, func() error {
				var v pcm.VIOSFile
				if err := c.ReadJSON(a.Context(), f.Href, &v); err != nil {
					return err
				}
				for i := range v.SystemUtil.UtilSample.ViosUtil {
					u := &v.SystemUtil.UtilSample.ViosUtil[i]
					id, _ := strconv.Atoi(u.ID)
					mu.Lock()
					s.vios[id] = u
					mu.Unlock()
				}
				return nil
			})
		}
	}
	mem := map[string]float64{}
	if lpar != nil {
		jobs = append(jobs, func() error {
			var l pcm.LparFile
			if err := c.ReadJSON(a.Context(), lpar.Href, &l); err != nil {
				return err
			}
			for _, u := range l.LparUtil {
				if u.Memory != nil {
					mem[u.UUID] = 100 - float64(u.Memory.PctRealMemFree)
				}
			}
			return nil
		})
	}
	if err := app.Parallel(4, jobs); err != nil {
		return nil, nil, err
	}
	out := make([]*sample, 0, len(times))
	for _, t := range times {
		out = append(out, byTime[t])
	}
	return out, mem, nil
}

func cycles(p pcm.LparProcessor) (used, ent float64) {
	return float64(p.UtilizedCappedProcCycles+p.UtilizedUnCappedProcCycles) - float64(p.IdleProcCycles), float64(p.EntitledProcCycles)
}

func dt(a, b *sample) float64 { return b.at.Sub(a.at).Seconds() }

func d(a, b uint64) float64 {
	if b < a {
		return 0
	}
	return float64(b - a)
}

func net(l *pcm.PhypNetwork) (rx, tx uint64) {
	if l == nil {
		return 0, 0
	}
	for _, v := range l.VirtualEthernetAdapters {
		rx += v.ReceivedBytes
		tx += v.SentBytes
	}
	return rx, tx
}

// disk sums, for a client, the VIOS counters of its virtual SCSI server
// adapters (by VIOS and slot) and of its NPIV ports (by WWPN).
func disk(s *sample, st *pcm.PhypStorage) (r, w uint64) {
	if st == nil {
		return 0, 0
	}
	for _, a := range st.GenericVirtualAdapters {
		if v := s.vios[a.ViosID]; v != nil {
			for _, x := range v.Storage.GenericVirtualAdapters {
				if strings.HasSuffix(x.PhysicalLocation, "-C"+strconv.Itoa(a.ViosAdapterSlotID)) {
					r += x.ReadBytes
					w += x.WriteBytes
				}
			}
		}
	}
	for _, f := range st.VirtualFiberChannelAdapters {
		if v := s.vios[f.ViosID]; v != nil {
			for _, fc := range v.Storage.FiberChannelAdapters {
				for _, p := range fc.Ports {
					for _, wwpn := range f.WWPNPair {
						if strconv.FormatUint(wwpn, 16) == strings.ToLower(p.WWPN) {
							r += p.ReadBytes
							w += p.WriteBytes
						}
					}
				}
			}
		}
	}
	return r, w
}

func findLpar(s *sample, uuid string) (*pcm.PhypLpar, *pcm.PhypVIOS) {
	for i := range s.phyp.SystemUtil.UtilSample.LparsUtil {
		if l := &s.phyp.SystemUtil.UtilSample.LparsUtil[i]; strings.EqualFold(l.UUID, uuid) {
			return l, nil
		}
	}
	for i := range s.phyp.SystemUtil.UtilSample.ViosUtil {
		if v := &s.phyp.SystemUtil.UtilSample.ViosUtil[i]; strings.EqualFold(v.UUID, uuid) {
			return nil, v
		}
	}
	return nil, nil
}

// partitionReport computes a partition's intervals.
func partitionReport(samples []*sample, mem map[string]float64, name, uuid string) (*Report, error) {
	rep := &Report{Name: name, UUID: uuid, Intervals: []Interval{}}
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		la, va := findLpar(a, uuid)
		lb, vb := findLpar(b, uuid)
		var pa, pb pcm.LparProcessor
		var iv Interval
		iv.Time = b.at
		var rxa, txa, rxb, txb, ra, wa, rb, wb uint64
		switch {
		case la != nil && lb != nil:
			pa, pb = la.Processor, lb.Processor
			iv.MemMB = lb.Memory.LogicalMem
			rxa, txa = net(la.Network)
			rxb, txb = net(lb.Network)
			ra, wa = disk(a, la.Storage)
			rb, wb = disk(b, lb.Storage)
		case va != nil && vb != nil:
			pa, pb = va.Processor, vb.Processor
			iv.MemMB = vb.Memory.AssignedMem
			if u := b.vios[vb.ID]; u != nil && u.Memory.UtilizedMem != nil && iv.MemMB > 0 {
				mem = map[string]float64{uuid: round(float64(*u.Memory.UtilizedMem) / float64(iv.MemMB) * 100)}
			}
			rxa, txa = net(va.Network)
			rxb, txb = net(vb.Network)
		default:
			continue
		}
		t := dt(a, b)
		ua, ea := cycles(pa)
		ub, eb := cycles(pb)
		cyc := float64(b.phyp.SystemUtil.UtilSample.Processor.ProcCyclesPerSecond) * t
		iv.CPUUnits = round((ub - ua) / cyc)
		if eb > ea {
			iv.CPUPctEnt = round((ub - ua) / (eb - ea) * 100)
		}
		iv.MemUsedPct = -1
		if m, ok := mem[uuid]; ok {
			iv.MemUsedPct = m
		}
		iv.NetRx, iv.NetTx = round(d(rxa, rxb)/t), round(d(txa, txb)/t)
		iv.DiskRead, iv.DiskWrite = round(d(ra, rb)/t), round(d(wa, wb)/t)
		rep.Intervals = append(rep.Intervals, iv)
	}
	if len(rep.Intervals) == 0 {
		return nil, app.NotFound("Partition %s is in none of the last long-term samples.", name)
	}
	return rep, nil
}

// systemReport computes the system's intervals.
func systemReport(samples []*sample, name, uuid string) *Report {
	rep := &Report{Name: name, UUID: uuid, Intervals: []Interval{}}
	for i := 1; i < len(samples); i++ {
		a, b := samples[i-1], samples[i]
		sa, sb := a.phyp.SystemUtil.UtilSample, b.phyp.SystemUtil.UtilSample
		t := dt(a, b)
		cyc := float64(sb.Processor.ProcCyclesPerSecond) * t
		iv := Interval{Time: b.at, MemUsedPct: -1}
		used := 0.0
		var rx, tx, r, w float64
		for _, lb := range sb.LparsUtil {
			la, _ := findLpar(a, lb.UUID)
			if la == nil {
				continue
			}
			ua, _ := cycles(la.Processor)
			ub, _ := cycles(lb.Processor)
			used += math.Max(0, ub-ua)
			rxa, txa := net(la.Network)
			rxb, txb := net(lb.Network)
			rx, tx = rx+d(rxa, rxb), tx+d(txa, txb)
			ra, wa := disk(a, la.Storage)
			rb, wb := disk(b, lb.Storage)
			r, w = r+d(ra, rb), w+d(wa, wb)
			if lb.State == "Running" {
				iv.MemMB += lb.Memory.LogicalMem
			}
		}
		for _, vb := range sb.ViosUtil {
			_, va := findLpar(a, vb.UUID)
			if va == nil {
				continue
			}
			ua, _ := cycles(va.Processor)
			ub, _ := cycles(vb.Processor)
			used += math.Max(0, ub-ua)
			if vb.State == "Running" {
				iv.MemMB += vb.Memory.AssignedMem
			}
		}
		iv.Firmware = round(d(sa.SystemFirmware.UtilizedProcCycles, sb.SystemFirmware.UtilizedProcCycles) / cyc)
		iv.CPUUnits = round(used / cyc)
		if sb.Processor.ConfigurableProcUnits > 0 {
			iv.CPUPctEnt = round((used/cyc + iv.Firmware) / sb.Processor.ConfigurableProcUnits * 100)
		}
		iv.NetRx, iv.NetTx, iv.DiskRead, iv.DiskWrite = round(rx/t), round(tx/t), round(r/t), round(w/t)
		rep.Intervals = append(rep.Intervals, iv)
	}
	return rep
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// Short prints a rate compactly for the tables (19.4M = 19.4 MB/s).
func Short(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.1fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func print(a *app.App, rep *Report, asJSON, system bool) error {
	if asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.Out(), "%s\n", b)
		return err
	}
	head := []string{"Time", "CPU", "%Ent", "Mem", "Net Rx", "Net Tx", "Disk Rd", "Disk Wr"}
	if system {
		head = []string{"Time", "CPU", "%Sys", "Mem MB", "Net Rx", "Net Tx", "Disk Rd", "Disk Wr"}
	}
	var rows [][]string
	for _, iv := range rep.Intervals {
		row := []string{iv.Time.Local().Format("15:04:05"), fmt.Sprintf("%.3f", iv.CPUUnits), fmt.Sprintf("%.1f", iv.CPUPctEnt)}
		switch {
		case system:
			row = append(row, strconv.Itoa(iv.MemMB))
		case iv.MemUsedPct >= 0:
			row = append(row, fmt.Sprintf("%.0f%%", iv.MemUsedPct))
		default:
			row = append(row, "-")
		}
		row = append(row, Short(iv.NetRx), Short(iv.NetTx), Short(iv.DiskRead), Short(iv.DiskWrite))
		rows = append(rows, row)
	}
	title := "Metrics of " + rep.Name + ": processing units, memory in use, bytes per second"
	if system {
		title = "Metrics of " + rep.Name + ": processing units (firmware included in %Sys), memory of running partitions, bytes per second"
	}
	return printer.Table(a.Out(), title, head, rows, a.Width())
}

func flags(cmd *cobra.Command, n *int, asJSON *bool) {
	cmd.Flags().IntVar(n, "samples", DefaultSamples, "number of intervals (of the long-term monitor, 30 s each) to show")
	cmd.Flags().BoolVar(asJSON, "json", false, "print JSON instead of a table (as -o json)")
	app.OutputJSONFlag(cmd, asJSON)
}

func checkSamples(n int) error {
	if n < 1 || n > 239 {
		return app.Usage("PVME01040123-0303", "--samples %d is not valid: from 1 to 239 (the long-term monitor keeps 2 hours).", n)
	}
	return nil
}

// PartitionCommand is "<lpar|vios> metrics -i KEY=VALUE": the partition's
// processor, memory, network and disk over the last intervals.
func PartitionCommand(a *app.App, o *app.Object) *cobra.Command {
	var target string
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show a partition's processor, memory, network and disk use over the last samples",
		Long: "Show what the long-term performance monitor recorded of a partition: processing units used (and as a\n" +
			"percentage of its entitlement), memory and the part its OS has in use (from RMC), network received and\n" +
			"sent, disk read and written, per 30 s interval. Long-term monitoring must be on (pvmctl sys metrics --enable).",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSamples(n); err != nil {
				return err
			}
			e, err := app.Target(a, o, target, args)
			if err != nil {
				return err
			}
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			samples, mem, err := read(a, sys.ID, n, true)
			if err != nil {
				return err
			}
			name, _ := e.Content.FindText("PartitionName")
			rep, err := partitionReport(samples, mem, name, e.ID)
			if err != nil {
				return err
			}
			return print(a, rep, asJSON, false)
		},
	}
	app.TargetFlag(cmd, &target)
	flags(cmd, &n, &asJSON)
	return cmd
}

// SystemCommand is "sys metrics": the system's processors, memory,
// network and disk over the last intervals; --enable turns the long-term
// monitor on (as an OpenStack agent does).
func SystemCommand(a *app.App) *cobra.Command {
	var n int
	var asJSON, enable bool
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show the system's processor, memory, network and disk use over the last samples",
		Long: "Show what the long-term performance monitor recorded of the whole system per 30 s interval: processing\n" +
			"units its partitions used (and the percentage of the configurable ones, firmware included), the\n" +
			"hypervisor's own, memory assigned to running partitions, and their network and disk rates.\n" +
			"--enable turns long-term monitoring on (the first samples come within a minute).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkSamples(n); err != nil {
				return err
			}
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			if enable {
				c, err := a.Client()
				if err != nil {
					return err
				}
				p, err := c.PCMPreference(a.Context(), sys.ID)
				if err != nil {
					return err
				}
				if !p.LTM {
					p.LTM = true
					if err := c.SetPCMPreference(a.Context(), sys.ID, p); err != nil {
						return err
					}
				}
				_, err = fmt.Fprintln(a.Out(), "Long-term performance monitoring is on.")
				return err
			}
			samples, _, err := read(a, sys.ID, n, true)
			if err != nil {
				return err
			}
			name, _ := sys.Content.FindText("SystemName")
			return print(a, systemReport(samples, name, sys.ID), asJSON, true)
		},
	}
	flags(cmd, &n, &asJSON)
	cmd.Flags().BoolVar(&enable, "enable", false, "turn long-term monitoring on")
	return cmd
}
