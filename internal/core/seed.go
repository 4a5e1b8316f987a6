package core

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/store"
)

// Inventory describes the server a fresh state directory starts with: the
// usual NovaLink layout of a management partition, Virtual I/O Servers and
// some client partitions. pvmd --config reads one from a JSON file; fields
// left out keep the defaults of DefaultInventory.
type Inventory struct {
	System   SystemSpec    `json:"system"`
	NovaLink PartitionSpec `json:"novalink"`
	VIOS     GroupSpec     `json:"vios"`
	Clients  GroupSpec     `json:"clients"`
	// Layout is what pvm-install chose (install.go); nil is the built-in
	// layout.
	Layout *Layout `json:"layout,omitempty"`
	// The explicit sections (inventory.go): switches beyond the two of
	// NovaLink, client partitions named one by one with their adapters
	// and disks, and accounts.
	Switches   []SwitchSpec `json:"switches,omitempty"`
	Partitions []ClientSpec `json:"partitions,omitempty"`
	Users      []UserSpec   `json:"users,omitempty"`
	// Disks are the VIOSes' disks beyond the seeded seven (hdisk7 on).
	Disks []DiskSpec `json:"disks,omitempty"`
	// SRIOV are the SR-IOV adapters (nil: sriov.DefaultAdapters; [] for
	// none).
	SRIOV *[]sriov.AdapterSpec `json:"sriov,omitempty"`
	// SAN adds to the default SAN (san.DefaultSpec: fabrics fabricA and
	// fabricB, array storwize1 with a host per VIOS) the fabrics, arrays,
	// volumes, iSCSI targets and RBD images of a test's storage backend.
	SAN *san.Spec `json:"san,omitempty"`
	// ManagementVIOS is NovaLink hosting I/O: the first VIOS is the
	// management partition (as Ceph volumes need, mapped by NovaLink
	// itself), and there is no separate NovaLink partition.
	ManagementVIOS bool `json:"managementVIOS,omitempty"`
}

// SystemSpec sizes the managed system.
type SystemSpec struct {
	Name             string  `json:"name"`
	MachineType      string  `json:"machineType"`
	Model            string  `json:"model"`
	Serial           string  `json:"serial"`
	MemoryMB         int     `json:"memoryMB"`
	MemoryRegionMB   int     `json:"memoryRegionMB"`
	FirmwareMemoryMB int     `json:"firmwareMemoryMB"`
	ProcUnits        float64 `json:"procUnits"`
	MaxPartitions    int     `json:"maxPartitions"`
}

// PartitionSpec sizes one partition.
type PartitionSpec struct {
	Name         string  `json:"name"`
	MemoryMB     int     `json:"memoryMB"`
	MinMemoryMB  int     `json:"minMemoryMB"`
	MaxMemoryMB  int     `json:"maxMemoryMB"`
	ProcUnits    float64 `json:"procUnits"`
	VirtualProcs int     `json:"virtualProcs"`
	// MaxVirtualSlots is the partition's maximum virtual I/O slots (0:
	// 200 for a VIOS, 64 for the others): a VIOS serving many clients
	// with disks needs a server adapter for each.
	MaxVirtualSlots int `json:"maxVirtualSlots,omitempty"`
}

// GroupSpec is a number of like partitions: named NamePrefix+N, with IDs
// from FirstID; the first Running of them are running.
type GroupSpec struct {
	PartitionSpec
	Count      int    `json:"count"`
	NamePrefix string `json:"namePrefix"`
	FirstID    int    `json:"firstID"`
	Running    int    `json:"running"`
	// NameByID names clients NamePrefix+ID instead of NamePrefix+index.
	NameByID bool `json:"nameByID"`
}

// DefaultInventory is a POWER8 scale-out server as NovaLink installs it.
func DefaultInventory() *Inventory {
	return &Inventory{
		System: SystemSpec{
			Name: "Server-8247-21L-SN212E3CA", MachineType: "8247", Model: "21L", Serial: "212E3CA",
			MemoryMB: 262144, MemoryRegionMB: 256, FirmwareMemoryMB: 6144, ProcUnits: 20, MaxPartitions: 1000,
		},
		NovaLink: PartitionSpec{Name: "novalink", MemoryMB: 2560, MinMemoryMB: 2560, MaxMemoryMB: 8192, ProcUnits: 0.5, VirtualProcs: 2},
		VIOS: GroupSpec{PartitionSpec: PartitionSpec{MemoryMB: 4096, MinMemoryMB: 1024, MaxMemoryMB: 16384, ProcUnits: 1, VirtualProcs: 2},
			Count: 2, NamePrefix: "vios", FirstID: 2, Running: 2},
		Clients: GroupSpec{PartitionSpec: PartitionSpec{MemoryMB: 2048, MinMemoryMB: 1024, MaxMemoryMB: 4096, ProcUnits: 0.5, VirtualProcs: 1},
			Count: 3, NamePrefix: "lpar", FirstID: 10, Running: 0, NameByID: true},
	}
}

// minSeededSlots is the fewest virtual slots a seeded partition may have:
// the NovaLink layout puts adapters in slots 2, 3 and 6.
const minSeededSlots = 7

func units(f float64) model.Units { return model.Units(f*100 + 0.5) }

// Build makes the initial state of the inventory (no I/O). now is the
// creation time in ms.
func (inv *Inventory) Build(nowMS int64, timing sim.Timing) (*model.State, error) {
	s := inv.System
	sys := &model.ManagedSystem{
		UUID:    uuid.NewMD5(uuid.NameSpaceOID, []byte(s.MachineType+"-"+s.Model+"*"+s.Serial)).String(),
		Name:    s.Name,
		Type:    s.MachineType,
		Model:   s.Model,
		Serial:  s.Serial,
		State:   model.SystemOperating,
		Created: nowMS,

		InstalledMemory:        s.MemoryMB,
		ConfigurableMemory:     s.MemoryMB,
		MemoryRegionSize:       s.MemoryRegionMB,
		FirmwareMemory:         s.FirmwareMemoryMB,
		InstalledProcUnits:     units(s.ProcUnits),
		ConfigurableProcUnits:  units(s.ProcUnits),
		MaxPartitions:          s.MaxPartitions,
		MaxVirtualProcsPerLPAR: 64,
		MinUnitsPerVP:          5,
		ProcessorCompatModes:   []string{"default", "POWER6", "POWER6_Plus", "POWER7", "POWER8"},
		FirmwareLevel:          "SV860_138",
	}
	if sys.MemoryRegionSize <= 0 || sys.MaxPartitions <= 0 || sys.ConfigurableProcUnits <= 0 || sys.ConfigurableMemory <= 0 {
		return nil, fmt.Errorf("inventory: the system needs memory, a memory region size, processor units and a maximum number of partitions")
	}
	st := model.NewState(sys)
	add := func(p *model.Partition, running bool) error {
		if err := model.ValidateDefinition(sys, p); err != nil {
			return fmt.Errorf("inventory: partition %s: %w", p.Name, err)
		}
		if err := st.CheckUnique(p); err != nil {
			return fmt.Errorf("inventory: partition %s: %w", p.Name, err)
		}
		if running {
			if err := sim.CheckResources(sys, st.Accounting(), p); err != nil {
				return fmt.Errorf("inventory: partition %s: %w", p.Name, err)
			}
			steps, _ := sim.PowerOn(sys, st.Accounting(), p, sim.PowerOnOpts{}, timing)
			for _, step := range steps {
				step.Apply(p, time.UnixMilli(nowMS))
			}
			if p.IsMgmt && !p.IsVIOS() {
				// RMC to the management partition itself is not applicable
				// (a VIOS hosting NovaLink answers its RMC like any VIOS).
				p.RMCState = model.RMCNone
			}
		}
		st.PutPartition(p)
		return nil
	}
	mk := func(spec PartitionSpec, typ model.PartitionType, id int, name string) *model.Partition {
		slots := 64
		if typ == model.TypeVIOS {
			slots = 200
		}
		p := &model.Partition{
			UUID: seedPartitionUUID(sys, id), ID: id, Name: name, Type: typ, Created: nowMS,
			MinMem: orInt(spec.MinMemoryMB, spec.MemoryMB), DesMem: spec.MemoryMB, MaxMem: orInt(spec.MaxMemoryMB, spec.MemoryMB),
			HPTRatio: 7, SharingMode: model.SharingUncapped,
			MinUnits: model.Units(5 * orInt(spec.VirtualProcs, 1)), DesUnits: units(spec.ProcUnits),
			MinVP: 1, DesVP: orInt(spec.VirtualProcs, 1), Weight: 128,
			State: model.StateNotActivated, RefCode: sim.RefCodeOff, RMCState: model.RMCNone,
			BootMode: "norm", Keylock: "normal", OSVersion: "Unknown",
			AvailPriority: 127, MaxVirtualSlots: orInt(spec.MaxVirtualSlots, slots), ProcCompatMode: "default",
			LogicalSerial: logicalSerial(sys, id),
		}
		p.MaxVP = p.DesVP * 2
		if sys.MaxVirtualProcsPerLPAR > 0 && p.MaxVP > sys.MaxVirtualProcsPerLPAR {
			p.MaxVP = sys.MaxVirtualProcsPerLPAR
		}
		p.MaxUnits = model.Units(p.MaxVP) * model.WholeProc
		if p.MaxUnits > sys.ConfigurableProcUnits {
			p.MaxUnits = sys.ConfigurableProcUnits
		}
		if p.MinUnits > p.DesUnits {
			p.MinUnits = p.DesUnits
		}
		return p
	}
	for _, g := range []struct {
		what string
		n    int
	}{{"novalink", inv.NovaLink.MaxVirtualSlots}, {"vios", inv.VIOS.MaxVirtualSlots}, {"clients", inv.Clients.MaxVirtualSlots}} {
		if g.n != 0 && (g.n < minSeededSlots || g.n > model.MaxVirtualSlotsLimit) {
			return nil, fmt.Errorf("inventory: %s: maxVirtualSlots must be between %d and %d, not %d", g.what, minSeededSlots, model.MaxVirtualSlotsLimit, g.n)
		}
	}
	nl := inv.NovaLink
	if inv.ManagementVIOS && inv.VIOS.Running < 1 {
		return nil, fmt.Errorf("inventory: managementVIOS needs a running VIOS to be the management partition")
	}
	if nl.Name != "" && !inv.ManagementVIOS {
		p := mk(nl, model.TypeAIXLinux, 1, nl.Name)
		p.IsMgmt, p.MgmtCapable, p.AutoStart = true, true, true
		p.OSVersion = "Linux/Ubuntu 5.15.0-89-generic 22.04"
		if err := add(p, true); err != nil {
			return nil, err
		}
	}
	for i := 0; i < inv.VIOS.Count; i++ {
		id := orInt(inv.VIOS.FirstID, 2) + i
		p := mk(inv.VIOS.PartitionSpec, model.TypeVIOS, id, fmt.Sprintf("%s%d", orStr(inv.VIOS.NamePrefix, "vios"), i+1))
		p.AvailPriority, p.AutoStart = 191, true
		p.OSVersion = "VIOS 3.1.4.10"
		if i == 0 && inv.ManagementVIOS {
			// Management capability is an AIX/Linux partition's setting;
			// the VIOS is the management partition as installed.
			p.IsMgmt = true
		}
		if err := add(p, i < inv.VIOS.Running); err != nil {
			return nil, err
		}
	}
	nextClient := func(i int) int { return orInt(inv.Clients.FirstID, 10) + i }
	for i := 0; i < inv.Clients.Count; i++ {
		id := nextClient(i)
		suffix := i + 1
		if inv.Clients.NameByID {
			suffix = id
		}
		p := mk(inv.Clients.PartitionSpec, model.TypeAIXLinux, id, orStr(inv.Clients.NamePrefix, "lpar")+strconv.Itoa(suffix))
		if err := add(p, i < inv.Clients.Running); err != nil {
			return nil, err
		}
	}
	lay := inv.Layout
	if lay == nil {
		lay = &Layout{}
	}
	seedNetwork(st, nowMS, lay.MgmtVLAN)
	storage := lay.Storage
	storage.ExtraDisks = append(append([]vios.Disk(nil), storage.ExtraDisks...), inv.extraDisks()...)
	if err := vios.SeedLayout(st, nowMS, storage); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	if err := inv.buildExplicit(st, nowMS, timing); err != nil {
		return nil, err
	}
	var adapters []sriov.AdapterSpec
	if inv.SRIOV != nil {
		adapters = append([]sriov.AdapterSpec{}, *inv.SRIOV...)
	}
	if err := sriov.Seed(st, adapters); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	if inv.SAN != nil {
		stx := san.StateTx{St: st, At: time.UnixMilli(nowMS)}
		if err := san.Apply(stx, *inv.SAN, sys.UUID+"/inventory"); err != nil {
			return nil, fmt.Errorf("inventory: SAN: %w", err)
		}
	}
	return st, nil
}

// seedNetwork gives a fresh server the NovaLink network layout: the
// switches ETHERNET0 (VEB) and MGMTSWITCH (VEPA), NovaLink's trunk on
// MGMTSWITCH, each VIOS a trunk on ETHERNET0 (bridged by one failover
// network bridge) and an RMC adapter on MGMTSWITCH, each client an adapter
// on each switch (deployed the NovaLink way), and the physical I/O slots.
func seedNetwork(st *model.State, nowMS int64, mgmtVLAN int) {
	if mgmtVLAN == 0 {
		mgmtVLAN = 1
	}
	sys := st.System
	eth := &model.VirtualSwitch{UUID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/vswitch/0")).String(), ID: 0,
		Name: model.DefaultSwitch, Mode: model.SwitchVEB, Created: nowMS}
	mgmt := &model.VirtualSwitch{UUID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/vswitch/1")).String(), ID: 1,
		Name: model.MgmtSwitch, Mode: model.SwitchVEPA, Created: nowMS}
	st.Put(eth)
	st.Put(mgmt)
	adapter := func(p *model.Partition, sw *model.VirtualSwitch, slot, pvid int, trunk bool, prio int, dev string) *model.EthernetAdapter {
		a := &model.EthernetAdapter{UUID: uuid.NewMD5(uuid.NameSpaceOID, []byte(p.UUID+"/cna/"+strconv.Itoa(slot))).String(),
			Partition: p.UUID, Slot: slot, MAC: model.FormatMAC(p.MACPrefix + uint64(slot)), PVID: pvid, SwitchID: sw.ID,
			Trunk: trunk, TaggedSupported: trunk, TrunkPriority: prio, Enabled: true, Device: dev, Created: nowMS}
		st.Put(a)
		return a
	}
	var vioses []*model.Partition
	for _, p := range st.SortedPartitions(nil) {
		p.MACPrefix = model.MACPrefixFor(sys, p.ID)
		switch {
		case p.IsMgmt && !p.IsVIOS():
			adapter(p, eth, 3, mgmtVLAN, false, 0, "")
			adapter(p, mgmt, 6, model.MgmtVLAN, true, 1, "")
		case p.IsVIOS():
			vioses = append(vioses, p)
			if a := adapter(p, eth, 3, 1, true, len(vioses), "ent4"); mgmtVLAN != 1 {
				a.Tagged = []int{mgmtVLAN} // the bridge carries NovaLink's network
			}
			adapter(p, mgmt, 6, model.MgmtVLAN, false, 0, "ent6")
		default:
			adapter(p, eth, 2, 1, false, 0, "")
			mg := adapter(p, mgmt, 6, model.MgmtVLAN, false, 0, "")
			if p.State == model.StateRunning && p.RMCState == model.RMCActive {
				p.RMCIP = model.LinkLocalFromMAC(mg.MAC)
			}
		}
		if p.IsVIOS() && p.State == model.StateRunning && p.RMCState == model.RMCActive {
			p.RMCIP = model.LinkLocalFromMAC(model.FormatMAC(p.MACPrefix + 6))
		}
	}
	// I/O slots: two of each adapter for the VIOS pair, and some free ones.
	unit := "U78C9.001.WZS" + lastN(sys.Serial, 4)
	type slotSpec struct {
		idx         int
		loc, desc   string
		class, dev  int
		vendor, sub int
		owner       int // index into vioses, -1 for free
	}
	specs := []slotSpec{
		{0x21010010, "P1-C2", "PCIe2 2-Port 10GbE Base-T Adapter", 512, 0x1237, 0x14E4, 0x0492, -1},
		{0x21010011, "P1-C3", "Empty slot", 65535, 0xFFFF, 0xFFFF, 0xFFFF, -1},
		{0x21010012, "P1-C4", "1 Gigabit Ethernet (UTP) 4 Port Adapter PCIE-4x/Short", 512, 0x1657, 0x14E4, 0x0420, -1},
		{0x21010018, "P1-C6", "PCIe2 16Gb 2-port Fibre Channel Adapter", 3076, 0xE200, 0x10DF, 0xE20C, 0},
		{0x21010019, "P1-C7", "PCIe2 16Gb 2-port Fibre Channel Adapter", 3076, 0xE200, 0x10DF, 0xE20C, 1},
		{0x21010020, "P1-C10", "PCIe2 4-port (10Gb FCoE & 1GbE) SR&RJ45 Adapter", 512, 0x2001, 0x1077, 0x040F, 0},
		{0x21010021, "P1-C11", "PCIe2 4-port (10Gb FCoE & 1GbE) SR&RJ45 Adapter", 512, 0x2001, 0x1077, 0x040F, 1},
		{0x21010028, "P1-C14", "SAS RAID Controller, PCIe2, Dual-port 6Gb", 260, 0x034A, 0x1014, 0x04C8, 0},
		{0x21010029, "P1-C15", "SAS RAID Controller, PCIe2, Dual-port 6Gb", 260, 0x034A, 0x1014, 0x04C8, 1},
		{0x21010030, "P1-T1", "Universal Serial Bus UHC Spec", 3075, 0x8241, 0x1033, 0x04B2, -1},
	}
	for _, sp := range specs {
		sl := &model.IOSlot{DRCIndex: sp.idx, DRCName: unit + "-" + sp.loc, Description: sp.desc, PCIClass: sp.class,
			DeviceID: sp.dev, VendorID: sp.vendor, SubsysID: sp.sub, SubVendorID: 0x1014, RevisionID: 1}
		if sp.owner >= 0 && sp.owner < len(vioses) {
			sl.Owner = vioses[sp.owner].UUID
		}
		st.Put(sl)
	}
	// A VIOS beyond the pair owns a SAS controller and an FC adapter of
	// its own.
	for i := 2; i < len(vioses); i++ {
		sas, fc := vios.AdapterSlots(i)
		base := 0x21010040 + 2*(i-2)
		st.Put(&model.IOSlot{DRCIndex: base, DRCName: unit + "-" + sas, Description: "SAS RAID Controller, PCIe2, Dual-port 6Gb",
			PCIClass: 260, DeviceID: 0x034A, VendorID: 0x1014, SubsysID: 0x04C8, SubVendorID: 0x1014, RevisionID: 1, Owner: vioses[i].UUID})
		st.Put(&model.IOSlot{DRCIndex: base + 1, DRCName: unit + "-" + fc, Description: "PCIe2 16Gb 2-port Fibre Channel Adapter",
			PCIClass: 3076, DeviceID: 0xE200, VendorID: 0x10DF, SubsysID: 0xE20C, SubVendorID: 0x1014, RevisionID: 1, Owner: vioses[i].UUID})
	}
	// One failover bridge over the first two VIOS (a single one without).
	if len(vioses) == 0 {
		return
	}
	b := &model.NetworkBridge{UUID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/bridge/1")).String(), PVID: 1, SwitchID: eth.ID, Created: nowMS}
	for i, v := range vioses {
		if i >= 2 {
			break
		}
		port := unit + "-P1-C" + strconv.Itoa(10+i) + "-T1"
		ha := "auto"
		if len(vioses) == 1 {
			ha = "disabled"
		}
		b.SEAs = append(b.SEAs, model.SEA{VIOS: v.UUID, Device: "ent5", Backing: "ent0", Port: port, Primary: i == 0,
			Trunks: []string{st.AdapterAt(v.UUID, 3).UUID}, HAMode: ha})
	}
	st.Put(b)
}

// seedPartitionUUID is the UUID of a partition of the initial inventory:
// derived from the system and the partition ID, so that a server seeded
// again (a wiped state directory) has the same partitions, and their
// devices the same identifiers, as before.
func seedPartitionUUID(sys *model.ManagedSystem, id int) string {
	return PowerVMUUID(uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/partition/"+strconv.Itoa(id))).String())
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// seededInventory is the inventory the state file was seeded with (kept
// in it; state files seeded before it was kept: the configured one).
func (c *Core) seededInventory() (*Inventory, error) {
	raw, err := c.store.Get(store.BucketMeta, "inventory")
	if err != nil {
		return nil, err
	}
	if raw == nil {
		if c.cfg.Inventory != nil {
			return c.cfg.Inventory, nil
		}
		return DefaultInventory(), nil
	}
	inv := &Inventory{}
	if err := json.Unmarshal(raw, inv); err != nil {
		return nil, fmt.Errorf("state file: the seeded inventory: %w", err)
	}
	return inv, nil
}

// seedChunkBytes bounds the records written by one transaction of a
// seed, so that a large inventory is never encoded whole in memory.
const seedChunkBytes = 8 << 20

// seed writes the inventory into the empty store and returns the state it
// wrote, at revision 1 (what loading the file gives back). The records go
// in key order, in transactions of up to seedChunkBytes, so that each
// transaction appends to the file; the inventory (for reset, without the
// accounts' passwords) and the system record come last, in the last
// transaction: a seed interrupted before it is started over (the file is
// emptied first). The inventory's accounts are made after.
func (c *Core) seed(inv *Inventory) (*model.State, error) {
	st, err := buildSeed(inv, c.clock.Now().UnixMilli(), c.Timing())
	if err != nil {
		return nil, err
	}
	if err := c.store.Reset(); err != nil {
		return nil, err
	}
	if err := writeSeeds(c.store.Store(), []*store.Space{c.store}, []*model.State{st}, []*Inventory{inv}); err != nil {
		return nil, err
	}
	if err := c.makeInventoryUsers(inv); err != nil {
		return nil, err
	}
	c.log.Info("seeded a new managed system", "name", st.System.Name, "mtms", st.System.MTMS(), "partitions", len(st.Partitions))
	return st, nil
}

// buildSeed builds the inventory's state at revision 1.
func buildSeed(inv *Inventory, nowMS int64, timing sim.Timing) (*model.State, error) {
	st, err := inv.Build(nowMS, timing)
	if err != nil {
		return nil, err
	}
	st.System.Rev = 1
	return st, nil
}

// writeSeeds writes seeded states (at revision 1), each in its space of
// the store: every object's record in key order, in transactions of up
// to seedChunkBytes, then every system's sequence and system records
// together in the last transaction, with each system's inventory (for a
// reset; without the accounts, made after the seed) where invs has one (a
// space without its system record is a seed that did not finish).
func writeSeeds(s *store.Store, spaces []*store.Space, states []*model.State, invs []*Inventory, last ...store.Change) error {
	const rev = 1
	type record struct {
		bucket, key string
		o           model.Object
	}
	var recs []record
	for i, st := range states {
		for _, k := range model.Kinds {
			b := spaces[i].Bucket(string(k))
			st.Each(k, func(o model.Object) {
				o.SetRevision(rev)
				recs = append(recs, record{b, recordKey(o), o})
			})
		}
	}
	slices.SortFunc(recs, func(a, b record) int {
		if c := strings.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	var chunk []store.Change
	size := 0
	for _, r := range recs {
		b, err := json.Marshal(r.o)
		if err != nil {
			return err
		}
		chunk = append(chunk, store.Change{Bucket: r.bucket, Key: r.key, Value: b})
		if size += len(b); size >= seedChunkBytes {
			if err := s.Fill(chunk); err != nil {
				return err
			}
			clear(chunk)
			chunk, size = chunk[:0], 0
		}
	}
	for i, st := range states {
		st.System.Rev = rev
		b, err := json.Marshal(st.System)
		if err != nil {
			return err
		}
		meta := spaces[i].Bucket(store.BucketMeta)
		chunk = append(chunk, store.Change{Bucket: meta, Key: "seq", Value: []byte("1")})
		if invs[i] != nil {
			kept := *invs[i]
			kept.Users = nil // the accounts are made after; their passwords are not kept here
			invJSON, err := json.Marshal(&kept)
			if err != nil {
				return err
			}
			chunk = append(chunk, store.Change{Bucket: meta, Key: "inventory", Value: invJSON})
		}
		chunk = append(chunk, store.Change{Bucket: meta, Key: "system", Value: b})
	}
	// What goes with the systems' records (a fleet's SAN).
	chunk = append(chunk, last...)
	return s.Fill(chunk)
}

// makeInventoryUsers makes the inventory's accounts (after its seed).
func (c *Core) makeInventoryUsers(inv *Inventory) error {
	for _, u := range inv.Users {
		if err := c.SetPassword(u.Name, u.Role, u.Password); err != nil {
			return fmt.Errorf("inventory: user %s: %w", u.Name, err)
		}
	}
	return nil
}
