// Package model is the domain of novalink: the managed system, its
// partitions and (later) their adapters, switches, storage and mappings, with
// the invariants and validation rules PowerVM applies. It does no I/O.
//
// Objects are values: the core never changes an object another goroutine may
// be reading; it clones, changes the clone and swaps it in. Every object
// carries Rev, the revision at which it last changed (the source of etags).
package model

import "strings"

// ManagedSystem is the server NovaLink manages.
type ManagedSystem struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Type    string `json:"type"`  // machine type, e.g. 8247
	Model   string `json:"model"` // e.g. 22L
	Serial  string `json:"serial"`
	State   string `json:"state"` // operating
	Created int64  `json:"created"`
	Rev     uint64 `json:"rev"`

	InstalledMemory    int `json:"installedMemory"`    // MB
	ConfigurableMemory int `json:"configurableMemory"` // MB
	MemoryRegionSize   int `json:"memoryRegionSize"`   // MB
	// FirmwareMemory is what the hypervisor uses for itself; the page
	// tables of active partitions come on top (see Accounting).
	FirmwareMemory int `json:"firmwareMemory"`

	InstalledProcUnits     Units `json:"installedProcUnits"`
	ConfigurableProcUnits  Units `json:"configurableProcUnits"`
	MaxPartitions          int   `json:"maxPartitions"`
	MaxVirtualProcsPerLPAR int   `json:"maxVirtualProcsPerLpar"`
	// MinUnitsPerVP is the least entitlement a virtual processor may have.
	MinUnitsPerVP Units `json:"minUnitsPerVp"`

	ProcessorCompatModes []string `json:"procCompatModes"`
	FirmwareLevel        string   `json:"firmwareLevel"`

	// PhysicalIPAddress and Hostname of the service processor side.
	ServiceProcessorIP string `json:"spIP"`
}

// MTMS returns "type-model*serial".
func (s *ManagedSystem) MTMS() string { return s.Type + "-" + s.Model + "*" + s.Serial }

// Clone returns a copy to change.
func (s *ManagedSystem) Clone() *ManagedSystem {
	c := *s
	c.ProcessorCompatModes = append([]string(nil), s.ProcessorCompatModes...)
	return &c
}

// Accounting is what the active partitions hold of the system's resources.
// It is never stored: it is derived from the partitions every time, so it
// cannot drift from them.
type Accounting struct {
	// Memory assigned to active partitions (their current memory), MB.
	PartitionMemory int
	// Page tables of active partitions, MB (part of hypervisor memory).
	PageTableMemory int
	// Processing units of active shared-processor partitions.
	SharedUnits Units
	// Whole processors of active dedicated-processor partitions.
	DedicatedProcs int
}

// HypervisorMemory is firmware memory plus page tables, MB.
func (s *ManagedSystem) HypervisorMemory(a Accounting) int {
	return s.FirmwareMemory + a.PageTableMemory
}

// AvailableMemory is configurable memory less what the hypervisor and the
// active partitions hold, MB.
func (s *ManagedSystem) AvailableMemory(a Accounting) int {
	return s.ConfigurableMemory - s.HypervisorMemory(a) - a.PartitionMemory
}

// AvailableUnits is configurable processing units less what active
// partitions hold (dedicated processors count whole).
func (s *ManagedSystem) AvailableUnits(a Accounting) Units {
	return s.ConfigurableProcUnits - a.SharedUnits - Units(a.DedicatedProcs)*WholeProc
}

// ValidateSystemName checks a managed system name (as partition names:
// 1-47 characters, no control or shell-special characters).
func ValidateSystemName(name string) error {
	if err := ValidateName(name); err != nil {
		e := err.(*Error)
		return &Error{ID: "PVME01050109-0018", Kind: e.Kind, Msg: strings.Replace(e.Msg, "partition name", "system name", 1)}
	}
	return nil
}
