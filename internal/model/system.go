// Package model is the domain of novalink: the managed system, its
// partitions and (later) their adapters, switches, storage and mappings, with
// the invariants and validation rules PowerVM applies. It does no I/O.
//
// Objects are values: the core never changes an object another goroutine may
// be reading; it clones, changes the clone and swaps it in. Every object
// carries Rev, the revision at which it last changed (the source of etags).
package model

import (
	"fmt"
	"strings"
)

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

	// Master is the PowerVM management master (co-management): only it
	// may change the system. MasterPending is a normal-mode request
	// waiting for the operations in progress to end; MasterPrevious is
	// the master a temporary (temp) master gives control back to.
	Master         Master  `json:"master"`
	MasterPending  *Master `json:"masterPending,omitempty"`
	MasterPrevious *Master `json:"masterPrevious,omitempty"`
	// CoManaged says an HMC manages the system too.
	CoManaged bool `json:"coManaged,omitempty"`
	// PendingFirmware is the level a firmware update in progress installs.
	PendingFirmware string `json:"pendingFirmware,omitempty"`
	// ActiveMigrations and InactiveMigrations count the partition
	// migrations in progress that the system is the source or the target
	// of (SystemMigrationInformation); a migration counts on both systems
	// from its start to its end, changed on both in one commit.
	ActiveMigrations   int `json:"activeMigrations,omitempty"`
	InactiveMigrations int `json:"inactiveMigrations,omitempty"`
	// AuthorizedKeys are the SSH public keys NovaLink's ManagementConsole
	// trusts (other NovaLinks that migrate partitions to this system).
	AuthorizedKeys []string `json:"authorizedKeys,omitempty"`
}

// Migration limits of a system (SystemMigrationInformation).
const (
	MaxActiveMigrations   = 16
	MaxInactiveMigrations = 16
)

// States of the managed system (as the REST API spells them).
const (
	SystemOperating    = "operating"
	SystemPoweringOff  = "power off in progress"
	SystemInitializing = "initializing"
	// States only the simulator's controls set (a real server gets there
	// by losing power, failing, or its service processor going away).
	SystemPowerOff     = "power off"
	SystemError        = "error"
	SystemNoConnection = "no connection"
)

// ErrSystemState refuses a change while the managed system is not
// operating (a state the simulator's controls set); one powered off is
// refused with ErrSystemPoweredOff.
func ErrSystemState(name, state string) *Error {
	if state == SystemPowerOff {
		return ErrSystemPoweredOff(name)
	}
	kind := KindRefused
	if state == SystemNoConnection {
		kind = KindBusy
	}
	return newErr(kind, "PVME01050950-0300", "The managed system %s is in state %q; the operation cannot be performed until it is operating.", name, state)
}

// ErrSystemPoweredOff refuses whatever cannot be done while the managed
// system is powered off: a change, a partition's start (a power-on, a
// migration or remote restart to it), its NovaLink API brought up. It is
// the one message of both ways the simulator powers a system off: the
// state set by its control (the API stays up and answers with it) and a
// fleet system's power (its API goes down; the HMC and the fleet's
// controls answer with it).
func ErrSystemPoweredOff(name string) *Error {
	return newErr(KindRefused, "PVME01050950-0301", "The managed system %s is powered off; the operation cannot be performed until it is powered on.", name)
}

// Management consoles that can be the PowerVM management master.
const (
	ConsoleNovaLink = "NovaLink"
	ConsoleHMC      = "HMC"
	ConsoleNone     = "none"
)

// Master modes: norm (waits for operations in progress), temp (like norm;
// releasing gives control back to the previous master); a forced request
// (chcomgmt -t keep) takes over at once.
const (
	MasterNorm = "norm"
	MasterTemp = "temp"
	MasterKeep = "keep"
)

// Master names the PowerVM management master.
type Master struct {
	Console string `json:"console"` // NovaLink, HMC or none ("" = NovaLink)
	Name    string `json:"name,omitempty"`
	MTMS    string `json:"mtms,omitempty"`
	Mode    string `json:"mode,omitempty"`
}

// Who is the master's console (an empty Console is NovaLink, the master
// of a server nobody took over).
func (m Master) Who() string {
	if m.Console == "" {
		return ConsoleNovaLink
	}
	return m.Console
}

// Is reports whether the master is the given console.
func (m Master) Is(console string) bool { return m.Who() == console }

// Label is how messages name the master.
func (m Master) Label() string {
	switch {
	case m.Is(ConsoleHMC):
		return fmt.Sprintf("the HMC %s (%s)", m.Name, m.MTMS)
	case m.Is(ConsoleNone):
		return "no management console"
	}
	if m.Name != "" {
		return "NovaLink partition " + m.Name
	}
	return "NovaLink"
}

// ErrNotMaster refuses a change from the console that is not master.
func ErrNotMaster(m Master) *Error {
	if m.Is(ConsoleNone) {
		return newErr(KindRefused, "PVME01050960-0100", "No management console is the PowerVM management master of this system; request master mode before changing it.")
	}
	return newErr(KindRefused, "PVME01050960-0101", "The PowerVM management master of this system is %s; only the master may change it. Request master mode first.", m.Label())
}

// ErrMasterPending refuses a new change while another console waits for
// the operations in progress to end before it becomes master.
func ErrMasterPending(m Master) *Error {
	return newErr(KindRefused, "PVME01050960-0102", "%s is taking over as PowerVM management master when the operations in progress end; no new change can start.", upperFirst(m.Label()))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// MTMS returns "type-model*serial".
func (s *ManagedSystem) MTMS() string { return s.Type + "-" + s.Model + "*" + s.Serial }

// Clone returns a copy to change.
func (s *ManagedSystem) Clone() *ManagedSystem {
	c := *s
	c.ProcessorCompatModes = append([]string(nil), s.ProcessorCompatModes...)
	c.AuthorizedKeys = append([]string(nil), s.AuthorizedKeys...)
	if s.MasterPending != nil {
		m := *s.MasterPending
		c.MasterPending = &m
	}
	if s.MasterPrevious != nil {
		m := *s.MasterPrevious
		c.MasterPrevious = &m
	}
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
	// Processing units reserved for the shared processor pools.
	PoolReserved Units
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
	return s.ConfigurableProcUnits - a.SharedUnits - Units(a.DedicatedProcs)*WholeProc - a.PoolReserved
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
