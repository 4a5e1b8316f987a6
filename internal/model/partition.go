package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PartitionType is the PowerVM partition environment.
type PartitionType string

const (
	TypeAIXLinux PartitionType = "AIX/Linux"
	TypeOS400    PartitionType = "OS400"
	TypeVIOS     PartitionType = "Virtual IO Server"
)

// ParsePartitionType accepts the REST spellings and the lssyscfg ones.
func ParsePartitionType(s string) (PartitionType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "aix/linux", "aixlinux", "aix", "linux":
		return TypeAIXLinux, true
	case "os400", "ibm i", "ibmi":
		return TypeOS400, true
	case "virtual io server", "vioserver", "vios":
		return TypeVIOS, true
	}
	return "", false
}

// Partition states as the REST API spells them.
const (
	StateNotActivated  = "not activated"
	StateStarting      = "starting"
	StateRunning       = "running"
	StateShuttingDown  = "shutting down"
	StateOpenFirmware  = "open firmware"
	StateError         = "error"
	StateNotAvailable  = "not available"
	StateMigratingRun  = "migrating running"
	StateMigratingNotA = "migrating not active"
	StateSuspended     = "suspended"
)

// RMC states.
const (
	RMCActive   = "active"
	RMCInactive = "inactive"
	RMCNone     = "none"
	RMCUnknown  = "unknown"
	RMCBusy     = "busy"
)

// Sharing modes: shared processors are capped or uncapped; dedicated
// processors keep, share, or share-always their idle cycles.
const (
	SharingCapped          = "capped"
	SharingUncapped        = "uncapped"
	SharingKeepIdle        = "keep idle procs"
	SharingShareIdle       = "sre idle proces"
	SharingShareIdleAlways = "sre idle procs always"
	SharingShareIdleActive = "sre idle procs active"
)

// Boot modes (PowerOn bootmode parameter) and keylock positions.
var (
	BootModes = []string{"norm", "sms", "dd", "ds", "of"}
	Keylocks  = []string{"normal", "manual"}
)

// BootModeLabel is how a boot mode appears in the BootMode element.
func BootModeLabel(m string) string {
	switch m {
	case "sms":
		return "System_Management_Services"
	case "dd":
		return "Diagnostic_with_default_boot_list"
	case "ds":
		return "Diagnostic_with_stored_boot_list"
	case "of":
		return "Open_Firmware_OK_prompt"
	default:
		return "Normal"
	}
}

// Partition is a logical partition: a client partition (AIX/Linux, IBM i)
// or a Virtual I/O Server.
type Partition struct {
	UUID    string        `json:"uuid"`
	ID      int           `json:"id"`
	Name    string        `json:"name"`
	Type    PartitionType `json:"type"`
	Created int64         `json:"created"` // ms since the epoch
	Rev     uint64        `json:"rev"`

	// Memory, MB.
	MinMem   int `json:"minMem"`
	DesMem   int `json:"desMem"`
	MaxMem   int `json:"maxMem"`
	HPTRatio int `json:"hptRatio"` // page table = max memory / 2^HPTRatio

	Dedicated   bool   `json:"dedicated"`
	SharingMode string `json:"sharingMode"`
	// Shared processors.
	MinUnits Units `json:"minUnits"`
	DesUnits Units `json:"desUnits"`
	MaxUnits Units `json:"maxUnits"`
	MinVP    int   `json:"minVP"`
	DesVP    int   `json:"desVP"`
	MaxVP    int   `json:"maxVP"`
	Weight   int   `json:"weight"`
	PoolID   int   `json:"poolID"`
	// Dedicated processors.
	MinProcs int `json:"minProcs"`
	DesProcs int `json:"desProcs"`
	MaxProcs int `json:"maxProcs"`

	State    string `json:"state"`
	RefCode  string `json:"refCode"`
	RMCState string `json:"rmcState"`
	RMCIP    string `json:"rmcIP,omitempty"`
	// RMCHeld is the RMC state a tester holds the partition's connection
	// in while its OS runs (the simulator's control; "" lets the
	// simulated OS decide).
	RMCHeld   string `json:"rmcHeld,omitempty"`
	BootMode  string `json:"bootMode"` // norm, sms, dd, ds, of
	Keylock   string `json:"keylock"`  // normal, manual
	OSVersion string `json:"osVersion"`

	IsMgmt          bool   `json:"isMgmt,omitempty"`
	MgmtCapable     bool   `json:"mgmtCapable,omitempty"`
	AutoStart       bool   `json:"autoStart,omitempty"`
	IsService       bool   `json:"isService,omitempty"`
	AvailPriority   int    `json:"availPriority"`
	MaxVirtualSlots int    `json:"maxVirtualSlots"`
	ProcCompatMode  string `json:"procCompatMode"` // pending (desired) mode
	AllowPerfData   bool   `json:"allowPerfData,omitempty"`
	SRRCapable      bool   `json:"srrCapable,omitempty"`
	LogicalSerial   string `json:"logicalSerial"`
	// MACPrefix is the base of the MACs the hypervisor gives the
	// partition's virtual adapters: the adapter in slot s gets MACPrefix+s.
	MACPrefix uint64 `json:"macPrefix,omitempty"`
	// NVRAM is the partition's NVRAM image, base64 (PartitionNVRAM):
	// as a client set it, or as the firmware made it at activation.
	NVRAM string `json:"nvram,omitempty"`

	// IBM i: the designated IPL source (a, b, c, d), the tagged I/O
	// (load source, alternate load source, consoles), restricted I/O and
	// the license key last added (AddLicense).
	IPLSource    string   `json:"iplSource,omitempty"`
	TaggedIO     TaggedIO `json:"taggedIO,omitempty"`
	RestrictedIO bool     `json:"restrictedIO,omitempty"`
	LicenseKey   string   `json:"licenseKey,omitempty"`
	// VSN is the virtual serial number (of the system's) the partition
	// has been given; "" for none.
	VSN string `json:"vsn,omitempty"`

	// Current (runtime) allocation, valid while the partition is active.
	CurMem      int    `json:"curMem,omitempty"`
	CurUnits    Units  `json:"curUnits,omitempty"`
	CurVP       int    `json:"curVP,omitempty"`
	CurProcs    int    `json:"curProcs,omitempty"`
	CurMode     string `json:"curMode,omitempty"` // processor compatibility mode in effect
	ActivatedAt int64  `json:"activatedAt,omitempty"`
	// Op counts state transitions started on this partition; a scheduled
	// step of an older operation finds a newer Op and does nothing.
	Op uint64 `json:"op,omitempty"`
	// Restarting marks a shutdown that is to be followed by a new boot
	// (restart, dump restart), so that it survives a restart of the service.
	Restarting bool `json:"restarting,omitempty"`
	// Mig is the partition's migration to another system (live partition
	// mobility) while one is under way or has failed; nil: Not_Migrating.
	// Never changed in place (a new Migration replaces it).
	Mig *Migration `json:"mig,omitempty"`
	// RRState is the partition's simplified remote restart state when it
	// is not the plain one (Remote_Restartable or Invalid): a stale copy
	// left on a source system (Source_Remote_Restarted) until cleanup.
	RRState string `json:"rrState,omitempty"`
}

// Remote restart states (RemoteRestartState).
const (
	RRInvalid         = "Invalid"
	RRAble            = "Remote_Restartable"
	RRSourceRestarted = "Source_Remote_Restarted"
)

// RemoteRestartState is the partition's RemoteRestartState.
func (p *Partition) RemoteRestartState() string {
	switch {
	case p.RRState != "":
		return p.RRState
	case p.SRRCapable:
		return RRAble
	}
	return RRInvalid
}

// Migration states (MigrationState) as the REST API spells them.
const (
	MigNone       = "Not_Migrating"
	MigStarting   = "Migration_Starting"
	MigInProgress = "Migration_In_Progress"
	MigStopping   = "Migration_Stopping"
	MigStopped    = "Migration_Stopped"
	MigFailed     = "Migration_Failed"
	MigComplete   = "Migration_Complete"
	MigRecovering = "Migration_Recovering"
)

// Migration is a partition's migration in progress (or failed): where it
// goes, how far it got. The partition stays on its source system, its
// configuration and devices whole, until the one commit that moves it to
// the target; the source and target each count it in their migrations in
// progress from the start to the end (or the recovery).
type Migration struct {
	State string `json:"state"` // Mig*
	// Source and Target are the systems' names in their fleet.
	Source string `json:"source"`
	Target string `json:"target"`
	// Inactive: the partition was not activated (an inactive migration).
	Inactive bool `json:"inactive,omitempty"`
	// Pct is the share of the memory copy done (0-100); Pass the
	// dirty-page pass under way (from 1).
	Pct  int `json:"pct"`
	Pass int `json:"pass,omitempty"`
	// Started is when the migration started (ms since the epoch); Job
	// the ID of the job running it (0 after a restart).
	Started int64 `json:"started"`
	Job     int64 `json:"job,omitempty"`
	// Params are the job's parameters that shape the target (mappings,
	// overrides), kept so that a restart can resume or recover.
	Params map[string]string `json:"params,omitempty"`
	// Reason is why the migration failed or stopped.
	Reason string `json:"reason,omitempty"`
}

// MigrationState is the partition's MigrationState.
func (p *Partition) MigrationState() string {
	if p.Mig == nil {
		return MigNone
	}
	return p.Mig.State
}

// Migrating reports whether a migration of the partition is under way
// (started and not ended, failed or stopped).
func (p *Partition) Migrating() bool {
	if p.Mig == nil {
		return false
	}
	switch p.Mig.State {
	case MigStarting, MigInProgress, MigStopping, MigComplete:
		return true
	}
	return false
}

// TaggedIO is an IBM i partition's tagged I/O: the virtual slots (or
// "NONE") of its load source and alternate load source, and its console
// ("HMC" or a slot). Empty fields are not set.
type TaggedIO struct {
	LoadSource    string `json:"loadSource,omitempty"`
	AltLoadSource string `json:"altLoadSource,omitempty"`
	Console       string `json:"console,omitempty"`
	AltConsole    string `json:"altConsole,omitempty"`
	OpConsole     string `json:"opConsole,omitempty"`
}

// IPL sources of an IBM i partition (DesignatedIPLSource, the PowerOn
// job's iIPLsource).
var IPLSources = []string{"a", "b", "c", "d"}

// Clone returns a copy to change.
func (p *Partition) Clone() *Partition { c := *p; return &c }

// IsVIOS reports whether p is a Virtual I/O Server.
func (p *Partition) IsVIOS() bool { return p.Type == TypeVIOS }

// Active reports whether the partition holds resources: everything but not
// activated (and the error / not available states, where it holds none).
func (p *Partition) Active() bool {
	switch p.State {
	case StateNotActivated, StateError, StateNotAvailable, StateMigratingNotA, "":
		return false
	}
	return true
}

// PageTableMB is the hardware page table the hypervisor keeps for the
// partition while it is active: maximum memory / 2^ratio, at least 1 MB.
func (p *Partition) PageTableMB() int {
	r := p.HPTRatio
	if r <= 0 {
		r = 7
	}
	mb := (p.MaxMem + (1 << r) - 1) >> r
	if mb < 1 {
		mb = 1
	}
	return mb
}

// Holds returns what the partition holds of the system while active.
func (p *Partition) Holds() Accounting {
	if !p.Active() {
		return Accounting{}
	}
	a := Accounting{PartitionMemory: p.CurMem, PageTableMemory: p.PageTableMB()}
	if p.Dedicated {
		a.DedicatedProcs = p.CurProcs
	} else {
		a.SharedUnits = p.CurUnits
	}
	return a
}

// Add sums two accountings.
func (a Accounting) Add(b Accounting) Accounting {
	return Accounting{
		PartitionMemory: a.PartitionMemory + b.PartitionMemory,
		PageTableMemory: a.PageTableMemory + b.PageTableMemory,
		SharedUnits:     a.SharedUnits + b.SharedUnits,
		DedicatedProcs:  a.DedicatedProcs + b.DedicatedProcs,
		PoolReserved:    a.PoolReserved + b.PoolReserved,
	}
}

// Sub subtracts b from a.
func (a Accounting) Sub(b Accounting) Accounting {
	return Accounting{
		PartitionMemory: a.PartitionMemory - b.PartitionMemory,
		PageTableMemory: a.PageTableMemory - b.PageTableMemory,
		SharedUnits:     a.SharedUnits - b.SharedUnits,
		DedicatedProcs:  a.DedicatedProcs - b.DedicatedProcs,
		PoolReserved:    a.PoolReserved - b.PoolReserved,
	}
}

// MaxNameLen is the longest partition name PowerVM takes.
const MaxNameLen = 47

// nameSpecials are the printable characters PowerVM refuses in partition
// (and managed system) names.
const nameSpecials = `()<>*$&?|[]'"` + "`\\"

// ValidateName checks a partition name as PowerVM does: 1 to 47
// characters of printable ASCII (space to ~) without ()<>*$&?|[]'"`\,
// not beginning or ending with a space. (The HMC's naming rules allow no
// other characters, diacritics neither; pypowervm's
// sanitize_partition_name_for_api restates the set.) So control
// characters, Unicode line and paragraph separators, bidirectional
// overrides and zero-width characters are refused like any other
// character outside the set.
func ValidateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return ErrNameInvalid(name, "it is empty")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return ErrNameInvalid(name, "it is longer than 47 characters")
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return ErrNameInvalid(name, fmt.Sprintf("it contains the character %U, which is not printable ASCII; "+
				"use letters, digits, spaces and the printable characters other than %s", r, nameSpecials))
		}
	}
	switch {
	case strings.TrimSpace(name) != name:
		return ErrNameInvalid(name, "it begins or ends with a space")
	case strings.ContainsAny(name, nameSpecials):
		return ErrNameInvalid(name, "it contains one of the characters "+nameSpecials)
	}
	return nil
}

// validatePrintable checks that a name has only printable ASCII without
// spaces (switch names).
func validatePrintable(name string) bool {
	for _, r := range name {
		if r <= 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

// ValidateDefinition checks a partition's configuration against the rules
// PowerVM applies and against the system's limits. It does not look at
// other partitions (names and IDs are checked by the State).
func ValidateDefinition(sys *ManagedSystem, p *Partition) error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	switch p.Type {
	case TypeAIXLinux, TypeOS400, TypeVIOS:
	default:
		return ErrBadValue("PartitionType", string(p.Type), "AIX/Linux, OS400, Virtual IO Server")
	}
	if p.ID < 1 || p.ID > sys.MaxPartitions {
		return ErrIDOutOfRange(p.ID, sys.MaxPartitions)
	}
	// Memory.
	region := sys.MemoryRegionSize
	for _, m := range []struct {
		field string
		v     int
	}{{"minimum", p.MinMem}, {"desired", p.DesMem}, {"maximum", p.MaxMem}} {
		if m.v < region {
			return ErrMemTooSmall(m.field, m.v, region)
		}
		if m.v%region != 0 {
			return ErrMemRegion(m.field, m.v, region)
		}
	}
	if p.MinMem > p.DesMem || p.DesMem > p.MaxMem {
		return ErrMemOrder(p.MinMem, p.DesMem, p.MaxMem)
	}
	if p.MaxMem > sys.ConfigurableMemory {
		return ErrMemTooLarge(p.MaxMem, sys.ConfigurableMemory)
	}
	// Processors.
	if p.Dedicated {
		if p.MinProcs < 1 || p.MinProcs > p.DesProcs || p.DesProcs > p.MaxProcs {
			return ErrProcOrder("dedicated processor", itoa(p.MinProcs), itoa(p.DesProcs), itoa(p.MaxProcs))
		}
		if Units(p.MaxProcs)*WholeProc > sys.ConfigurableProcUnits {
			return ErrProcTooLarge("maximum processors", itoa(p.MaxProcs), sys.ConfigurableProcUnits.String())
		}
		switch p.SharingMode {
		case SharingKeepIdle, SharingShareIdle, SharingShareIdleAlways, SharingShareIdleActive:
		default:
			return ErrBadValue("SharingMode", p.SharingMode, "keep idle procs, sre idle proces, sre idle procs always, sre idle procs active")
		}
	} else if err := validateShared(sys, p); err != nil {
		return err
	}
	if p.MgmtCapable && p.Type != TypeAIXLinux {
		return ErrMgmtCapable(p.Type)
	}
	if !contains(BootModes, p.BootMode) {
		return ErrBadValue("BootMode", p.BootMode, strings.Join(BootModes, ", "))
	}
	if !contains(Keylocks, p.Keylock) {
		return ErrBadValue("KeylockPosition", p.Keylock, strings.Join(Keylocks, ", "))
	}
	if p.Type == TypeOS400 {
		if p.IPLSource != "" && !contains(IPLSources, p.IPLSource) {
			return ErrBadValue("DesignatedIPLSource", p.IPLSource, strings.Join(IPLSources, ", "))
		}
		for _, t := range []struct{ name, v string }{{"LoadSource", p.TaggedIO.LoadSource}, {"AlternateLoadSource", p.TaggedIO.AltLoadSource},
			{"Console", p.TaggedIO.Console}, {"AlternateConsole", p.TaggedIO.AltConsole}, {"OperationsConsole", p.TaggedIO.OpConsole}} {
			if err := validTaggedSlot(t.name, t.v); err != nil {
				return err
			}
		}
	} else if p.IPLSource != "" || p.TaggedIO != (TaggedIO{}) || p.RestrictedIO {
		return Invalid("DesignatedIPLSource, TaggedIO and IsRestrictedIOPartition apply to IBM i (OS400) partitions only, not to %s partitions.", p.Type)
	}
	return nil
}

// validTaggedSlot checks a TaggedIO value: empty, NONE, HMC (consoles), or
// a virtual slot number of the partition (a DRC index for physical I/O is
// a larger number; both are accepted as numbers).
func validTaggedSlot(name, v string) error {
	switch strings.ToUpper(v) {
	case "", "NONE", "HMC":
		return nil
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 1<<30 {
			return ErrBadValue("TaggedIO/"+name, v, "NONE, HMC, or a slot number")
		}
		n = n*10 + int(c-'0')
	}
	return nil
}

// validateShared checks the shared-processor configuration of p.
func validateShared(sys *ManagedSystem, p *Partition) error {
	if p.MinVP < 1 || p.MinVP > p.DesVP || p.DesVP > p.MaxVP {
		return ErrProcOrder("virtual processor", itoa(p.MinVP), itoa(p.DesVP), itoa(p.MaxVP))
	}
	if p.MinUnits > p.DesUnits || p.DesUnits > p.MaxUnits {
		return ErrProcOrder("processing unit", p.MinUnits.String(), p.DesUnits.String(), p.MaxUnits.String())
	}
	if sys.MaxVirtualProcsPerLPAR > 0 && p.MaxVP > sys.MaxVirtualProcsPerLPAR {
		return ErrProcTooLarge("maximum virtual processors", itoa(p.MaxVP), itoa(sys.MaxVirtualProcsPerLPAR))
	}
	if p.MaxUnits > sys.ConfigurableProcUnits {
		return ErrProcTooLarge("maximum processing units", p.MaxUnits.String(), sys.ConfigurableProcUnits.String())
	}
	per := sys.MinUnitsPerVP
	if per <= 0 {
		per = 5
	}
	for _, c := range []struct {
		which string
		u     Units
		vp    int
	}{{"minimum", p.MinUnits, p.MinVP}, {"desired", p.DesUnits, p.DesVP}, {"maximum", p.MaxUnits, p.MaxVP}} {
		if c.u < per*Units(c.vp) {
			return ErrUnitsPerVP(c.which, c.u, c.vp)
		}
		if c.u > WholeProc*Units(c.vp) {
			return ErrUnitsAboveVP(c.which, c.u, c.vp)
		}
	}
	switch p.SharingMode {
	case SharingCapped, SharingUncapped:
	default:
		return ErrBadValue("SharingMode", p.SharingMode, "capped, uncapped")
	}
	if p.Weight < 0 || p.Weight > 255 {
		return ErrWeight(p.Weight)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// DLPARAllowed checks that a change of the partition's virtual I/O is
// allowed now: directly on a partition that is off, dynamically (DLPAR) on
// a running one with an active RMC connection. The management partition
// changes its own configuration locally, without RMC.
func (p *Partition) DLPARAllowed(what string) error {
	if !p.Active() {
		return nil
	}
	if p.State != StateRunning && p.State != StateOpenFirmware {
		return ErrOpNotAllowed(p.Name, p.State, what)
	}
	if p.RMCState != RMCActive && !p.IsMgmt {
		return Refused("Partition %s is %s and its RMC connection is %s; %s while it runs is a dynamic (DLPAR) change, which needs an active RMC connection.", p.Name, p.State, p.RMCState, what)
	}
	return nil
}
