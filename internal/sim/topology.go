package sim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// Topology is what the simulated workload needs of a configuration: the
// partitions with their load, virtual Ethernet adapters (which carry the
// OS's traffic, which are bridged to the physical network by a SEA) and
// virtual storage adapters (and the VIOS devices that serve them), and, per
// VIOS, the devices whose counters its operating system keeps. It is built
// once per configuration revision and never changed; the workload's steps
// and the monitoring samples both read it.
type Topology struct {
	Sys   *model.ManagedSystem
	Acct  model.Accounting
	Parts []*TPart // every partition, by ID
	// NVEA and NDev count the adapters and VIOS devices (their Index
	// numbers them, for the counters of a snapshot).
	NVEA, NDev int
	byUUID     map[string]*TPart
	bridges    []*tBridge
}

// TPart is a partition of a topology.
type TPart struct {
	Index int
	P     *model.Partition
	// Load is the tester's load (nil: the quiet idle OS).
	Load *model.Load
	VEAs []*TVEA
	// SCSI and FC are the client's virtual storage adapters (a VIOS has
	// its server side in Devices).
	SCSI []*TSCSI
	FC   []*TFC
	// Devices are a VIOS's devices, in the order its monitor lists them.
	Devices []*TDev
	devs    map[string]*TDev
}

// TVEA is a virtual Ethernet adapter.
type TVEA struct {
	Index int
	A     *model.EthernetAdapter
	Loc   string
	// Data says the adapter carries the OS's traffic (every adapter but
	// the ones on the management switch, which carry RMC only).
	Data bool
	// Bridged says a network bridge (SEA) takes the adapter's VLAN to the
	// physical network.
	Bridged bool
	bridge  *tBridge
}

// TSCSI is a client's virtual SCSI adapter (one adapter pair of a VIOS).
type TSCSI struct {
	VIOS       *model.Partition
	ClientSlot int
	ServerSlot int
	VHost      string
	// Disk says a disk (physical volume, logical volume or logical unit)
	// is mapped through it: it carries I/O.
	Disk bool
	// SSP is the pool of the logical unit mapped (nil for other disks);
	// SAS marks disks of the VIOS's internal SAS adapter.
	SSP *model.SharedStoragePool
	SAS bool
}

// TFC is a client's virtual Fibre Channel adapter.
type TFC struct {
	VIOS       *model.Partition
	ClientSlot int
	ServerSlot int
	VFCHost    string
	Port       *model.FCPort // nil until mapped to a port
	WWPNs      []uint64
}

// Device kinds of a VIOS.
const (
	DevVirtualEnt  = "virtual"  // a virtual Ethernet adapter of the VIOS (entN)
	DevPhysicalEnt = "physical" // a physical Ethernet port backing a SEA
	DevSEA         = "sea"
	DevVHost       = "vhost" // virtual SCSI server adapter
	DevFCS         = "fcs"   // physical Fibre Channel port
	DevVFC         = "vfc"   // NPIV port of a client on a physical port
	DevSAS         = "sas"   // internal SAS adapter
	DevSSP         = "ssp"   // a shared storage pool seen from the VIOS
)

// TDev is a device of a VIOS whose counters its OS keeps.
type TDev struct {
	Index int
	Key   string // identity of the counters (kind:name)
	Kind  string
	Name  string
	Loc   string
	// Bridged lists, for a SEA, the devices it bridges (the physical
	// port, then the trunk adapters).
	Bridged []string
	// WWPN of a FC port (16 lower-case hex digits) or of a client's NPIV
	// port (hex without leading zeros, as pypowervm compares it).
	WWPN string
	// Port is the FC port an NPIV port is on; PoolDisks the VIOS disks of
	// a shared storage pool; SSP the pool.
	Port      string
	PoolDisks []string
	SSP       *model.SharedStoragePool
	// TotalMB and UsedMB are a shared storage pool's size and the space
	// its logical units hold.
	TotalMB, UsedMB int64
}

type tBridge struct {
	b      *model.NetworkBridge
	vlans  map[int]bool
	active *model.SEA // the SEA that carries the traffic now (nil: none running)
}

// Part returns the partition of a UUID (nil when absent).
func (t *Topology) Part(uuid string) *TPart { return t.byUUID[uuid] }

// Dev returns a VIOS device by key (nil when absent).
func (p *TPart) Dev(key string) *TDev { return p.devs[key] }

// BuildTopology derives the topology of a configuration.
func BuildTopology(st *model.State) *Topology {
	t := &Topology{Sys: st.System, Acct: st.Accounting(), byUUID: map[string]*TPart{}}
	for _, p := range st.SortedPartitions(nil) {
		tp := &TPart{Index: len(t.Parts), P: p, devs: map[string]*TDev{}}
		if l, ok := st.Get(model.KindLoad, p.UUID).(*model.Load); ok {
			tp.Load = l
		}
		t.Parts = append(t.Parts, tp)
		t.byUUID[p.UUID] = tp
	}
	mgmt := st.SwitchByName(model.MgmtSwitch)
	// Bridges and the SEA carrying each: the primary while its VIOS runs,
	// else the first other whose VIOS runs (failover).
	bridges := make([]*model.NetworkBridge, 0, len(st.Bridges))
	for _, b := range st.Bridges {
		bridges = append(bridges, b)
	}
	sort.Slice(bridges, func(i, j int) bool { return bridges[i].UUID < bridges[j].UUID })
	for _, b := range bridges {
		tb := &tBridge{b: b, vlans: map[int]bool{b.PVID: true}}
		for i := range b.SEAs {
			s := &b.SEAs[i]
			for _, tr := range s.Trunks {
				if a := st.Adapters[tr]; a != nil {
					for _, v := range a.VLANs() {
						tb.vlans[v] = true
					}
				}
			}
		}
		running := func(s *model.SEA) bool {
			v := st.Partition(s.VIOS)
			return v != nil && v.State == model.StateRunning
		}
		for i := range b.SEAs {
			if b.SEAs[i].Primary && running(&b.SEAs[i]) {
				tb.active = &b.SEAs[i]
			}
		}
		for i := range b.SEAs {
			if tb.active == nil && running(&b.SEAs[i]) {
				tb.active = &b.SEAs[i]
			}
		}
		t.bridges = append(t.bridges, tb)
	}
	for _, tp := range t.Parts {
		for _, a := range st.AdaptersOf(tp.P.UUID) {
			v := &TVEA{Index: t.NVEA, A: a, Loc: model.LocationCode(st.System, tp.P.ID, a.Slot)}
			t.NVEA++
			v.Data = mgmt == nil || a.SwitchID != mgmt.ID
			for _, tb := range t.bridges {
				if tb.b.SwitchID == a.SwitchID && tb.vlans[a.PVID] {
					v.Bridged, v.bridge = true, tb
					break
				}
			}
			tp.VEAs = append(tp.VEAs, v)
		}
	}
	t.storage(st)
	t.viosDevices(st)
	return t
}

// storage finds each client's virtual SCSI and FC adapters.
func (t *Topology) storage(st *model.State) {
	type pairKey struct {
		vios string
		slot int
	}
	pairs := map[pairKey]*TSCSI{}
	var maps []*model.SCSIMapping
	st.Each(model.KindSCSIMap, func(o model.Object) { maps = append(maps, o.(*model.SCSIMapping)) })
	sort.Slice(maps, func(i, j int) bool {
		if maps[i].VIOS != maps[j].VIOS {
			return maps[i].VIOS < maps[j].VIOS
		}
		if maps[i].ServerSlot != maps[j].ServerSlot {
			return maps[i].ServerSlot < maps[j].ServerSlot
		}
		return maps[i].UUID < maps[j].UUID
	})
	for _, m := range maps {
		client, vios := t.byUUID[m.Client], t.byUUID[m.VIOS]
		if client == nil || vios == nil {
			continue
		}
		k := pairKey{m.VIOS, m.ServerSlot}
		s := pairs[k]
		if s == nil {
			s = &TSCSI{VIOS: vios.P, ClientSlot: m.ClientSlot, ServerSlot: m.ServerSlot, VHost: m.VHost}
			pairs[k] = s
			client.SCSI = append(client.SCSI, s)
		}
		if s.Disk {
			continue
		}
		switch m.Backing {
		case model.BackLU:
			s.Disk = true
			if lu, ok := st.Get(model.KindLU, m.BackingID).(*model.LogicalUnit); ok {
				s.SSP, _ = st.Get(model.KindSSP, lu.SSP).(*model.SharedStoragePool)
			}
		case model.BackLV:
			s.Disk, s.SAS = true, true
		case model.BackPV:
			s.Disk = true
			if pv, ok := st.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume); ok && !pv.FC {
				s.SAS = true
			}
		}
	}
	ports := map[string]*model.FCPort{} // VIOS/name
	st.Each(model.KindFCPort, func(o model.Object) {
		p := o.(*model.FCPort)
		ports[p.VIOS+"/"+p.Name] = p
	})
	var fcs []*model.FCMapping
	st.Each(model.KindFCMap, func(o model.Object) { fcs = append(fcs, o.(*model.FCMapping)) })
	sort.Slice(fcs, func(i, j int) bool { return fcs[i].UUID < fcs[j].UUID })
	for _, m := range fcs {
		client, vios := t.byUUID[m.Client], t.byUUID[m.VIOS]
		if client == nil || vios == nil {
			continue
		}
		f := &TFC{VIOS: vios.P, ClientSlot: m.ClientSlot, ServerSlot: m.ServerSlot, VFCHost: m.VFCHost, Port: ports[m.VIOS+"/"+m.Port]}
		for _, w := range m.WWPNs {
			if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(w), "0x"), 16, 64); err == nil {
				f.WWPNs = append(f.WWPNs, n)
			}
		}
		client.FC = append(client.FC, f)
	}
	for _, tp := range t.Parts {
		sort.SliceStable(tp.SCSI, func(i, j int) bool { return tp.SCSI[i].ClientSlot < tp.SCSI[j].ClientSlot })
		sort.SliceStable(tp.FC, func(i, j int) bool { return tp.FC[i].ClientSlot < tp.FC[j].ClientSlot })
	}
}

// viosDevices lists each VIOS's devices: its virtual Ethernet adapters,
// the physical ports and SEAs of the bridges it takes part in, its vSCSI
// server adapters, FC ports with their clients' NPIV ports, the SAS
// adapter of its internal disks and the shared storage pools it serves.
func (t *Topology) viosDevices(st *model.State) {
	add := func(tp *TPart, d *TDev) *TDev {
		if old := tp.devs[d.Key]; old != nil {
			return old
		}
		d.Index = t.NDev
		t.NDev++
		tp.devs[d.Key] = d
		tp.Devices = append(tp.Devices, d)
		return d
	}
	var sasLoc = map[string]string{} // VIOS -> location of its SAS controller
	for _, s := range st.SortedSlots() {
		if s.Owner != "" && strings.Contains(s.Description, "SAS") && sasLoc[s.Owner] == "" {
			sasLoc[s.Owner] = s.DRCName + "-T1"
		}
	}
	for _, tp := range t.Parts {
		if !tp.P.IsVIOS() {
			continue
		}
		for _, v := range tp.VEAs {
			if v.A.Device != "" {
				add(tp, &TDev{Key: "ent:" + v.A.Device, Kind: DevVirtualEnt, Name: v.A.Device, Loc: v.Loc + "-T1"})
			}
		}
		for _, tb := range t.bridges {
			for _, s := range tb.b.SEAs {
				if s.VIOS != tp.P.UUID {
					continue
				}
				add(tp, &TDev{Key: "ent:" + s.Backing, Kind: DevPhysicalEnt, Name: s.Backing, Loc: s.Port})
				sea := &TDev{Key: "sea:" + s.Device, Kind: DevSEA, Name: s.Device, Bridged: []string{s.Backing}}
				for i, tr := range s.Trunks {
					if a := st.Adapters[tr]; a != nil {
						loc := model.LocationCode(st.System, tp.P.ID, a.Slot) + "-T1"
						if i == 0 {
							sea.Loc = loc
						}
						if a.Device != "" {
							sea.Bridged = append(sea.Bridged, a.Device)
						}
					}
				}
				add(tp, sea)
			}
		}
	}
	for _, tp := range t.Parts {
		for _, s := range tp.SCSI {
			v := t.byUUID[s.VIOS.UUID]
			add(v, &TDev{Key: "vhost:" + s.VHost, Kind: DevVHost, Name: s.VHost, Loc: model.LocationCode(st.System, v.P.ID, s.ServerSlot)})
			if s.SAS && sasLoc[v.P.UUID] != "" {
				add(v, &TDev{Key: "sas", Kind: DevSAS, Name: "sissas0", Loc: sasLoc[v.P.UUID]})
			}
			if s.SSP != nil && v.devs["ssp:"+s.SSP.UUID] == nil { // once per VIOS and pool
				add(v, sspDev(st, v, s.SSP))
			}
		}
	}
	// FC ports (all of each VIOS, in name order) and the NPIV ports on them.
	var ports []*model.FCPort
	st.Each(model.KindFCPort, func(o model.Object) { ports = append(ports, o.(*model.FCPort)) })
	sort.Slice(ports, func(i, j int) bool {
		if ports[i].VIOS != ports[j].VIOS {
			return ports[i].VIOS < ports[j].VIOS
		}
		return devLess(ports[i].Name, ports[j].Name)
	})
	for _, p := range ports {
		if v := t.byUUID[p.VIOS]; v != nil {
			add(v, &TDev{Key: "fcs:" + p.Name, Kind: DevFCS, Name: p.Name, Loc: p.Location, WWPN: strings.ToLower(p.WWPN)})
		}
	}
	for _, tp := range t.Parts {
		for _, f := range tp.FC {
			if f.Port == nil || len(f.WWPNs) == 0 {
				continue
			}
			v := t.byUUID[f.VIOS.UUID]
			add(v, &TDev{Key: "vfc:" + f.VFCHost, Kind: DevVFC, Name: f.VFCHost, Port: f.Port.Name,
				Loc: model.LocationCode(st.System, v.P.ID, f.ServerSlot), WWPN: strconv.FormatUint(f.WWPNs[0], 16)})
		}
	}
}

func sspDev(st *model.State, v *TPart, ssp *model.SharedStoragePool) *TDev {
	d := &TDev{Key: "ssp:" + ssp.UUID, Kind: DevSSP, Name: ssp.Name, SSP: ssp}
	udids := map[string]bool{}
	for _, u := range ssp.PVs {
		udids[u] = true
	}
	var disks []string
	st.Each(model.KindPV, func(o model.Object) {
		if pv := o.(*model.PhysicalVolume); pv.VIOS == v.P.UUID && udids[pv.UDID] {
			disks = append(disks, pv.Name)
		}
	})
	sort.Slice(disks, func(i, j int) bool { return devLess(disks[i], disks[j]) })
	d.PoolDisks = disks
	seen := map[string]bool{}
	st.Each(model.KindPV, func(o model.Object) {
		if pv := o.(*model.PhysicalVolume); udids[pv.UDID] && !seen[pv.UDID] {
			seen[pv.UDID] = true
			d.TotalMB += int64(pv.CapacityMB)
		}
	})
	d.TotalMB -= int64(ssp.OverheadMB)
	d.UsedMB = int64(st.PoolHeldMB(ssp.UUID))
	return d
}

// devLess orders device names by prefix, then number (hdisk2 < hdisk10).
func devLess(a, b string) bool {
	pa, na := splitDev(a)
	pb, nb := splitDev(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitDev(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}
