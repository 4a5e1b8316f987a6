package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The inventory's explicit sections (pvmd --inventory, YAML or JSON):
// partitions named one by one with their adapters and storage, extra
// virtual switches, and accounts. They are built after the groups
// (novalink, vios, clients) and the layout, through the same steps the
// API's operations take (on a transaction over the state being built: the
// same checks, the same slot, MAC and device allocation), with UUIDs from
// a generator seeded by the system, so that every build of an inventory
// makes the same objects.

// SwitchSpec is a virtual switch beyond ETHERNET0 and MGMTSWITCH.
type SwitchSpec struct {
	Name string `json:"name"`
	// Mode is VEB (the default) or VEPA.
	Mode string `json:"mode,omitempty"`
}

// AdapterSpec is a client partition's virtual Ethernet adapter.
type AdapterSpec struct {
	// Switch is the virtual switch's name (default ETHERNET0).
	Switch string `json:"switch,omitempty"`
	VLAN   int    `json:"vlan"`
	Tagged []int  `json:"tagged,omitempty"`
	// Slot is the virtual slot (0: the next free one).
	Slot int `json:"slot,omitempty"`
}

// StorageSpec is a disk of a client partition: a logical unit of the
// shared storage pool, mapped to the partition through every VIOS.
type StorageSpec struct {
	LU     string `json:"lu"`
	SizeMB int    `json:"sizeMB"`
	Thin   bool   `json:"thin,omitempty"`
}

// ClientSpec is a client partition named in the inventory.
type ClientSpec struct {
	Name string `json:"name"`
	// ID is the partition ID (0: the next free one).
	ID int `json:"id,omitempty"`
	// Type is AIX/Linux (the default) or OS400.
	Type         string  `json:"type,omitempty"`
	MemoryMB     int     `json:"memoryMB"`
	MinMemoryMB  int     `json:"minMemoryMB,omitempty"`
	MaxMemoryMB  int     `json:"maxMemoryMB,omitempty"`
	ProcUnits    float64 `json:"procUnits,omitempty"`
	VirtualProcs int     `json:"virtualProcs,omitempty"`
	// Dedicated partitions have Procs whole processors.
	Dedicated bool `json:"dedicated,omitempty"`
	Procs     int  `json:"procs,omitempty"`
	// Running partitions are seeded running (with RMC active when they
	// have an adapter on MGMTSWITCH).
	Running bool `json:"running,omitempty"`
	// RMCAdapter, default true, gives the partition its adapter on
	// MGMTSWITCH (VLAN 4094), as NovaLink deploys partitions.
	RMCAdapter *bool         `json:"rmcAdapter,omitempty"`
	Adapters   []AdapterSpec `json:"adapters,omitempty"`
	Storage    []StorageSpec `json:"storage,omitempty"`
}

// UserSpec is an account of the REST API made with the system.
type UserSpec struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// DiskSpec is Count disks (default 1) of each VIOS beyond the seeded
// seven: SAN disks every VIOS sees (multipath, the same UDID) or SAS
// disks each VIOS has its own.
type DiskSpec struct {
	SizeMB int  `json:"sizeMB"`
	SAN    bool `json:"san,omitempty"`
	Count  int  `json:"count,omitempty"`
}

// maxExtraDisks bounds the disks an inventory adds to each VIOS.
const maxExtraDisks = 256

// LoadInventory reads an inventory file, YAML or JSON (JSON is YAML), over
// the defaults; unknown fields are errors.
func LoadInventory(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseInventory(path, data)
}

// ParseInventory reads an inventory (name is for messages).
func ParseInventory(name string, data []byte) (*Inventory, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	inv := DefaultInventory()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(inv); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := inv.checkExplicit(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// A system given another type, model or serial but no name is named
	// after them, as NovaLink names a server (Server-TYPE-MODEL-SNSERIAL).
	def := DefaultInventory().System
	if s := &inv.System; s.Name == def.Name && (s.MachineType != def.MachineType || s.Model != def.Model || s.Serial != def.Serial) {
		s.Name = "Server-" + s.MachineType + "-" + s.Model + "-SN" + s.Serial
	}
	return inv, nil
}

// checkExplicit checks what can be checked without building.
func (inv *Inventory) checkExplicit() error {
	for _, u := range inv.Users {
		if !userNameRE.MatchString(u.Name) {
			return fmt.Errorf("inventory: user %q: the name is not valid", u.Name)
		}
		switch u.Role {
		case RoleAdmin, RoleViewer, RoleHMC:
		default:
			return fmt.Errorf("inventory: user %s: the role %q is not one of %s, %s, %s", u.Name, u.Role, RoleAdmin, RoleViewer, RoleHMC)
		}
		if len(u.Password) < 8 {
			return fmt.Errorf("inventory: user %s: the password is shorter than 8 characters", u.Name)
		}
	}
	n := 0
	for i, d := range inv.Disks {
		if d.SizeMB <= 0 || d.Count < 0 {
			return fmt.Errorf("inventory: disks[%d]: sizeMB must be positive and count not negative", i)
		}
		n += max(d.Count, 1)
	}
	if n > maxExtraDisks {
		return fmt.Errorf("inventory: disks: %d disks for each VIOS, more than %d", n, maxExtraDisks)
	}
	return nil
}

// extraDisks are the disks of the disks section, one by one.
func (inv *Inventory) extraDisks() []vios.Disk {
	var out []vios.Disk
	for _, d := range inv.Disks {
		for range max(d.Count, 1) {
			out = append(out, vios.Disk{SizeMB: d.SizeMB, SAN: d.SAN})
		}
	}
	return out
}

// buildExplicit adds the explicit sections to a built state.
func (inv *Inventory) buildExplicit(st *model.State, nowMS int64, timing sim.Timing) error {
	if len(inv.Switches) == 0 && len(inv.Partitions) == 0 {
		return nil
	}
	// Each switch and each partition is one transaction over the state
	// being built, applied to it before the next: a transaction's reads
	// go through what it staged, so one for the whole inventory would
	// make every step slower the more came before.
	ids := newIDSource(1, st.System.UUID+"/inventory")
	newTx := func() *Tx {
		return &Tx{st: st, now: time.UnixMilli(nowMS), actor: internalActor, ids: ids}
	}
	for _, s := range inv.Switches {
		mode := model.SwitchVEB
		switch strings.ToUpper(s.Mode) {
		case "", "VEB":
		case "VEPA":
			mode = model.SwitchVEPA
		default:
			return fmt.Errorf("inventory: switch %s: the mode %q is not VEB or VEPA", s.Name, s.Mode)
		}
		if s.Name == "" || st.SwitchByName(s.Name) != nil {
			return fmt.Errorf("inventory: switch %q: a switch needs a name of its own", s.Name)
		}
		id := 0
		for st.SwitchByID(id) != nil {
			id++
		}
		tx := newTx()
		tx.Put(&model.VirtualSwitch{UUID: tx.NewUUID(), ID: id, Name: s.Name, Mode: mode, Created: nowMS})
		tx.applyTo(st)
	}
	// The VIOSes that map each disk (they do not change here).
	vioses := st.SortedPartitions(func(q *model.Partition) bool { return q.IsVIOS() })
	for _, ps := range inv.Partitions {
		tx := newTx()
		if err := buildClient(tx, ps, vioses, timing); err != nil {
			return fmt.Errorf("inventory: partition %s: %w", ps.Name, err)
		}
		tx.applyTo(st)
	}
	return nil
}

// applyTo applies what the transaction staged to st directly (a state
// being built, not the writer's).
func (tx *Tx) applyTo(st *model.State) {
	for _, k := range tx.order {
		if o := tx.objs[k]; o != nil {
			st.Put(o)
		} else {
			st.Delete(k.kind, k.key)
		}
	}
	if tx.sys != nil {
		st.System = tx.sys
	}
}

// switchByName finds a switch by name as staged.
func (tx *Tx) switchByName(name string) *model.VirtualSwitch {
	for _, s := range tx.Switches() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func buildClient(tx *Tx, ps ClientSpec, vioses []*model.Partition, timing sim.Timing) error {
	sys := tx.System()
	typ := model.TypeAIXLinux
	if ps.Type != "" {
		t, ok := model.ParsePartitionType(ps.Type)
		if !ok || t == model.TypeVIOS {
			return fmt.Errorf("the type %q is not AIX/Linux or OS400", ps.Type)
		}
		typ = t
	}
	p := &model.Partition{UUID: tx.NewPartitionUUID(), ID: ps.ID, Name: ps.Name, Type: typ, Created: tx.Now().UnixMilli(),
		MinMem: orInt(ps.MinMemoryMB, ps.MemoryMB), DesMem: ps.MemoryMB, MaxMem: orInt(ps.MaxMemoryMB, ps.MemoryMB), HPTRatio: 7,
		State: model.StateNotActivated, RefCode: sim.RefCodeOff, RMCState: model.RMCNone, BootMode: "norm", Keylock: "normal",
		OSVersion: "Unknown", AvailPriority: 127, MaxVirtualSlots: 64, ProcCompatMode: "default"}
	if ps.Dedicated {
		p.Dedicated, p.SharingMode = true, model.SharingShareIdle
		p.MinProcs, p.DesProcs, p.MaxProcs = 1, orInt(ps.Procs, 1), orInt(ps.Procs, 1)
	} else {
		p.SharingMode, p.Weight = model.SharingUncapped, 128
		p.DesVP = orInt(ps.VirtualProcs, 1)
		p.MinVP, p.MaxVP = 1, p.DesVP*2
		p.DesUnits = units(ps.ProcUnits)
		if p.DesUnits == 0 {
			p.DesUnits = model.Units(10 * p.DesVP)
		}
		p.MinUnits, p.MaxUnits = model.Units(5), model.Units(p.MaxVP)*model.WholeProc
		if p.MaxUnits > sys.ConfigurableProcUnits {
			p.MaxUnits = sys.ConfigurableProcUnits
		}
	}
	if p.ID == 0 {
		id, err := tx.NextFreeID()
		if err != nil {
			return err
		}
		p.ID = id
	}
	p.LogicalSerial = logicalSerial(sys, p.ID)
	p.MACPrefix = model.MACPrefixFor(sys, p.ID)
	if err := model.ValidateDefinition(sys, p); err != nil {
		return err
	}
	if err := tx.CheckUnique(p); err != nil {
		return err
	}
	tx.PutPartition(p)
	adapters := ps.Adapters
	if ps.RMCAdapter == nil || *ps.RMCAdapter {
		adapters = append(adapters, AdapterSpec{Switch: model.MgmtSwitch, VLAN: model.MgmtVLAN})
	}
	for _, as := range adapters {
		sw := tx.switchByName(orStr(as.Switch, model.DefaultSwitch))
		if sw == nil {
			return fmt.Errorf("there is no virtual switch %q", as.Switch)
		}
		choice := SlotNext
		if as.Slot != 0 {
			choice = SlotGiven
		}
		if _, err := tx.newAdapter(p, &model.EthernetAdapter{PVID: as.VLAN, Tagged: as.Tagged, TaggedSupported: len(as.Tagged) > 0, SwitchID: sw.ID, Slot: as.Slot}, choice); err != nil {
			return err
		}
	}
	for _, ss := range ps.Storage {
		if err := buildDisk(tx, p, ss, vioses); err != nil {
			return err
		}
	}
	if ps.Running {
		steps, err := sim.PowerOn(sys, tx.Accounting().Sub(p.Holds()), p, sim.PowerOnOpts{}, timing)
		if err != nil {
			return err
		}
		n := p.Clone()
		for _, s := range steps {
			s.Apply(n, tx.Now())
		}
		tx.settleRMC(n)
		tx.PutPartition(n)
	}
	return nil
}

// buildDisk makes a logical unit in the (first) shared storage pool and
// maps it to the partition through every VIOS.
func buildDisk(tx *Tx, p *model.Partition, ss StorageSpec, vioses []*model.Partition) error {
	var ssp *model.SharedStoragePool
	tx.Each(model.KindSSP, func(o model.Object) {
		if ssp == nil {
			ssp = o.(*model.SharedStoragePool)
		}
	})
	if ssp == nil {
		return fmt.Errorf("the disk %s needs the shared storage pool, which the layout leaves out", ss.LU)
	}
	lu, err := vios.CreateLU(tx, ssp, vios.LUSpec{Name: ss.LU, CapacityMB: ss.SizeMB, Thin: ss.Thin})
	if err != nil {
		return err
	}
	for _, v := range vioses {
		if _, err := vios.MapSCSI(tx, tx.Partition(v.UUID), vios.SCSISpec{Client: p.UUID, Backing: model.BackLU, BackingID: lu.UUID}); err != nil {
			return err
		}
	}
	return nil
}
