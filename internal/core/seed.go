package core

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"novalink/internal/model"
	"novalink/internal/sim"
	"novalink/internal/store"
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

// LoadInventory reads a JSON inventory file over the defaults.
func LoadInventory(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	inv := DefaultInventory()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(inv); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return inv, nil
}

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
		State:   "operating",
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
			if p.IsMgmt {
				// RMC to the management partition itself is not applicable.
				p.RMCState = model.RMCNone
			}
		}
		st.PutPartition(p)
		return nil
	}
	mk := func(spec PartitionSpec, typ model.PartitionType, id int, name string) *model.Partition {
		p := &model.Partition{
			UUID: NewPartitionUUID(), ID: id, Name: name, Type: typ, Created: nowMS,
			MinMem: orInt(spec.MinMemoryMB, spec.MemoryMB), DesMem: spec.MemoryMB, MaxMem: orInt(spec.MaxMemoryMB, spec.MemoryMB),
			HPTRatio: 7, SharingMode: model.SharingUncapped,
			MinUnits: model.Units(5 * orInt(spec.VirtualProcs, 1)), DesUnits: units(spec.ProcUnits),
			MinVP: 1, DesVP: orInt(spec.VirtualProcs, 1), Weight: 128,
			State: model.StateNotActivated, RefCode: sim.RefCodeOff, RMCState: model.RMCNone,
			BootMode: "norm", Keylock: "normal", OSVersion: "Unknown",
			AvailPriority: 127, MaxVirtualSlots: 64, ProcCompatMode: "default",
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
	nl := inv.NovaLink
	if nl.Name != "" {
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
		p.AvailPriority, p.MaxVirtualSlots, p.AutoStart = 191, 200, true
		p.OSVersion = "VIOS 3.1.4.10"
		if err := add(p, i < inv.VIOS.Running); err != nil {
			return nil, err
		}
	}
	for i := 0; i < inv.Clients.Count; i++ {
		id := orInt(inv.Clients.FirstID, 10) + i
		suffix := i + 1
		if inv.Clients.NameByID {
			suffix = id
		}
		p := mk(inv.Clients.PartitionSpec, model.TypeAIXLinux, id, orStr(inv.Clients.NamePrefix, "lpar")+strconv.Itoa(suffix))
		if err := add(p, i < inv.Clients.Running); err != nil {
			return nil, err
		}
	}
	return st, nil
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

// seed writes the inventory into the empty store in one transaction.
func (c *Core) seed(inv *Inventory) error {
	st, err := inv.Build(c.clock.Now().UnixMilli(), c.timing)
	if err != nil {
		return err
	}
	const rev = 1
	changes := make([]store.Change, 0, len(st.Partitions)+2)
	st.System.Rev = rev
	b, err := json.Marshal(st.System)
	if err != nil {
		return err
	}
	changes = append(changes, store.Change{Bucket: store.BucketMeta, Key: "system", Value: b})
	for _, p := range st.Partitions {
		p.Rev = rev
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		changes = append(changes, store.Change{Bucket: store.BucketPartitions, Key: p.UUID, Value: b})
	}
	changes = append(changes, store.Change{Bucket: store.BucketMeta, Key: "seq", Value: []byte("1")})
	if err := c.store.Update(changes); err != nil {
		return err
	}
	c.log.Info("seeded a new managed system", "name", st.System.Name, "mtms", st.System.MTMS(), "partitions", len(st.Partitions))
	return nil
}
