package sim

import (
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// Step is one transition of a power operation: At is its time from the
// start of the operation; Apply changes a clone of the partition. The job
// of the operation completes after the step marked Done (later steps, such
// as RMC coming up, still happen).
type Step struct {
	At    time.Duration
	Apply func(p *model.Partition, now time.Time)
	Done  bool
	// Detail names what the step changes, for the event (PartitionState,
	// ReferenceCode, Other ...).
	Detail []string
}

// Firmware reference codes shown while a partition starts.
var FirmwareCodes = []string{"CA000000", "CA00E1F1", "CA00E14D", "CA00E175", "CA00E1F5"}

// IBMiCodes are the reference codes an IBM i partition shows while it
// starts: the virtual service processor (C200), the Licensed Internal
// Code (C600) and the operating system (C900) IPL steps.
var IBMiCodes = []string{"C2004001", "C200403F", "C2008060", "C6004001", "C6004031", "C6004060", "C9002810", "C9002965", "C9002F00"}

// bootCodes are the reference codes p shows while it starts.
func bootCodes(p *model.Partition) []string {
	if p.Type == model.TypeOS400 {
		return IBMiCodes
	}
	return FirmwareCodes
}

// IBM i operation types of the PowerOn job (OperationType).
const (
	IBMiActivate      = "activate"
	IBMiNetboot       = "netboot"
	IBMiChangeKeylock = "changeKeylock"
)

// ParseKeylock reads a keylock position as the PowerOn job and the REST
// API spell it (norm or normal, manual); "" and unknown keep the
// partition's.
func ParseKeylock(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unknown":
		return "", nil
	case "norm", "normal":
		return "normal", nil
	case "manual":
		return "manual", nil
	}
	return "", model.ErrBadValue("keylock", s, "norm, manual")
}

// Reference codes of the other phases.
const (
	RefCodeOff      = "00000000"
	RefCodeSMS      = "CA00E1DC" // waiting in the SMS menu / open firmware
	RefCodeShutdown = "D200A250" // power-down in progress
)

// PowerOnOpts are the parameters of the PowerOn job.
type PowerOnOpts struct {
	BootMode string // norm (default), sms, dd, ds, of
	Keylock  string // normal, manual ("" keeps the partition's)
	Force    bool
	// IBM i: the IPL source of this and later activations (a-d, "" keeps
	// the partition's); netboot installs from a network image server.
	IPLSource string
	Netboot   bool
}

// PowerOffOpts are the parameters of the PowerOff job.
type PowerOffOpts struct {
	// Operation is osshutdown (needs RMC), shutdown (VSP) or dumprestart.
	Operation string
	Immediate bool
	Restart   bool
}

// OSRefCode is the reference code a running partition shows: Linux writes
// its architecture, AIX-based systems (AIX, VIOS) and IBM i show none.
func OSRefCode(p *model.Partition) string {
	if p.Type == model.TypeAIXLinux && !strings.Contains(strings.ToUpper(p.OSVersion), "AIX") {
		return "Linux ppc64le"
	}
	return ""
}

// DefaultOSVersion is what a partition reports after its first boot.
func DefaultOSVersion(p *model.Partition) string {
	switch p.Type {
	case model.TypeVIOS:
		return "VIOS 3.1.4.10"
	case model.TypeOS400:
		return "IBM i V7R4M0"
	}
	return "Linux/Ubuntu 5.15.0-89-generic 22.04"
}

// CheckResources verifies the system can activate p with its desired
// resources, given what the other active partitions hold (acct).
func CheckResources(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition) error {
	n := p.Clone()
	activate(n, time.Time{})
	n.State = model.StateStarting
	return CheckHold(sys, acct, n)
}

// CheckHold verifies that what the active partition p holds fits in what
// the other active partitions (others) leave free.
func CheckHold(sys *model.ManagedSystem, others model.Accounting, p *model.Partition) error {
	h := p.Holds()
	if need, avail := h.PartitionMemory+h.PageTableMemory, sys.AvailableMemory(others); need > avail {
		return model.ErrNoMemory(p.Name, need, avail)
	}
	avail := sys.AvailableUnits(others)
	if p.Dedicated {
		if need := model.Units(h.DedicatedProcs) * model.WholeProc; need > avail {
			return model.ErrNoProcs(p.Name, h.DedicatedProcs, int(avail/model.WholeProc))
		}
	} else if h.SharedUnits > avail {
		return model.ErrNoProcUnits(p.Name, h.SharedUnits, avail)
	}
	return nil
}

// activate gives the partition its desired resources as current ones.
func activate(p *model.Partition, now time.Time) {
	p.CurMem = p.DesMem
	p.CurUnits, p.CurVP, p.CurProcs = 0, 0, 0
	if p.Dedicated {
		p.CurProcs = p.DesProcs
	} else {
		p.CurUnits = p.DesUnits
		p.CurVP = p.DesVP
	}
	p.CurMode = p.ProcCompatMode
	p.ActivatedAt = now.UnixMilli()
}

// Abort settles a partition that was half way through a power operation
// that has to end now (a forced change of management master): it is left
// powered off, never half started or half stopped.
func Abort(p *model.Partition) { deactivate(p) }

func deactivate(p *model.Partition) {
	p.Restarting = false
	p.State = model.StateNotActivated
	p.RefCode = RefCodeOff
	p.RMCState = model.RMCNone
	p.RMCIP = ""
	p.CurMem, p.CurUnits, p.CurVP, p.CurProcs = 0, 0, 0, 0
	p.CurMode = ""
	p.ActivatedAt = 0
}

// PowerOn plans the activation of p. acct is what the other active
// partitions hold.
func PowerOn(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition, o PowerOnOpts, t Timing) ([]Step, error) {
	switch p.State {
	case model.StateNotActivated, model.StateError, model.StateNotAvailable:
	case model.StateShuttingDown:
		return nil, model.ErrBusy(p.Name, p.State)
	default:
		return nil, model.ErrAlreadyOn(p.Name)
	}
	mode := o.BootMode
	if mode == "" {
		mode = "norm"
	}
	if !contains(model.BootModes, mode) {
		return nil, model.ErrBadValue("bootmode", mode, strings.Join(model.BootModes, ", "))
	}
	if o.Keylock != "" && !contains(model.Keylocks, o.Keylock) {
		return nil, model.ErrBadValue("keylock", o.Keylock, strings.Join(model.Keylocks, ", "))
	}
	if (o.IPLSource != "" || o.Netboot) && p.Type != model.TypeOS400 {
		return nil, model.Invalid("The IBM i parameters of the PowerOn job (iIPLsource, OperationType netboot) apply to IBM i partitions only; %s is a %s partition.", p.Name, p.Type)
	}
	if o.IPLSource != "" && !contains(model.IPLSources, o.IPLSource) {
		return nil, model.ErrBadValue("iIPLsource", o.IPLSource, strings.Join(model.IPLSources, ", "))
	}
	if p.Type == model.TypeOS400 && mode != "norm" {
		return nil, model.Invalid("The boot mode %s does not apply to IBM i partitions; use the keylock (manual) and the IPL source instead.", mode)
	}
	if err := CheckResources(sys, acct, p); err != nil {
		return nil, err
	}
	steps := []Step{{
		At:     0,
		Detail: []string{"PartitionState", "ReferenceCode", "Other"},
		Apply: func(p *model.Partition, now time.Time) {
			activate(p, now)
			if o.Keylock != "" {
				p.Keylock = o.Keylock
			}
			if o.IPLSource != "" {
				p.IPLSource = o.IPLSource
			}
			p.BootMode = mode
			// The firmware keeps the boot settings in the NVRAM.
			p.NVRAM = BootNVRAM(p)
			p.State = model.StateStarting
			p.RefCode = bootCodes(p)[0]
			p.RMCState = model.RMCInactive
		},
	}}
	return append(steps, bootSteps(p, mode, 0, t)...), nil
}

// bootSteps are the firmware codes and the OS coming up, starting at off.
func bootSteps(p *model.Partition, mode string, off time.Duration, t Timing) []Step {
	var steps []Step
	at := off
	for _, code := range bootCodes(p)[1:] {
		code := code
		at += t.FirmwareStep
		steps = append(steps, Step{At: at, Detail: []string{"ReferenceCode"}, Apply: func(p *model.Partition, _ time.Time) {
			p.State = model.StateStarting
			p.RefCode = code
		}})
	}
	at += t.FirmwareStep
	switch mode {
	case "sms", "of":
		// The partition waits in firmware; no OS, so no RMC.
		steps = append(steps, Step{At: at, Done: true, Detail: []string{"PartitionState", "ReferenceCode"}, Apply: func(p *model.Partition, _ time.Time) {
			p.State = model.StateOpenFirmware
			p.RefCode = RefCodeSMS
		}})
		return steps
	}
	at += t.OSBoot
	steps = append(steps, Step{At: at, Done: true, Detail: []string{"PartitionState", "ReferenceCode", "Other"}, Apply: func(p *model.Partition, _ time.Time) {
		p.State = model.StateRunning
		if p.OSVersion == "" || p.OSVersion == "Unknown" {
			p.OSVersion = DefaultOSVersion(p)
		}
		p.RefCode = OSRefCode(p)
		p.RMCState = model.RMCInactive
	}})
	if mode == "norm" {
		at += t.RMCUp
		steps = append(steps, Step{At: at, Detail: []string{"Other"}, Apply: func(p *model.Partition, _ time.Time) {
			if p.State == model.StateRunning {
				p.RMCState = model.RMCActive
			}
		}})
	}
	return steps
}

// PowerOff plans the shutdown (and, with Restart, the new start) of p.
func PowerOff(p *model.Partition, o PowerOffOpts, t Timing) ([]Step, error) {
	op := o.Operation
	if op == "" {
		op = "shutdown"
	}
	switch op {
	case "osshutdown", "shutdown", "dumprestart":
	default:
		return nil, model.ErrBadValue("operation", op, "osshutdown, shutdown, dumprestart")
	}
	switch p.State {
	case model.StateNotActivated, model.StateError, model.StateNotAvailable:
		return nil, model.ErrAlreadyOff(p.Name)
	case model.StateShuttingDown:
		if !(o.Immediate && op == "shutdown") {
			return nil, model.ErrBusy(p.Name, p.State)
		}
	}
	// IBM i shuts down through its own panel (no RMC needed); the others
	// through RMC.
	if op == "osshutdown" && (p.State != model.StateRunning || (p.RMCState != model.RMCActive && p.Type != model.TypeOS400)) {
		if p.Type == model.TypeOS400 {
			return nil, model.ErrOpNotAllowed(p.Name, p.State, "an operating system shutdown")
		}
		return nil, model.ErrNoRMC(p.Name)
	}
	var dur time.Duration
	switch {
	case op == "dumprestart":
		dur = t.VSPShutdown
	case o.Immediate && op == "shutdown":
		dur = t.Immediate
	case o.Immediate: // OS immediate
		dur = t.VSPShutdown
	case op == "osshutdown":
		dur = t.OSShutdown
	default:
		dur = t.VSPShutdown
	}
	restart := o.Restart || op == "dumprestart"
	steps := []Step{{
		At:     0,
		Detail: []string{"PartitionState", "ReferenceCode"},
		Apply: func(p *model.Partition, _ time.Time) {
			p.State = model.StateShuttingDown
			p.RefCode = RefCodeShutdown
			p.Restarting = restart
			if op != "osshutdown" {
				p.RMCState = model.RMCInactive
			}
		},
	}}
	return append(steps, downSteps(p, dur, restart, t)...), nil
}

// downSteps end a shutdown after dur: off, or (restart) a new boot.
func downSteps(p *model.Partition, dur time.Duration, restart bool, t Timing) []Step {
	if !restart {
		return []Step{{At: dur, Done: true, Detail: []string{"PartitionState", "ReferenceCode", "Other"}, Apply: func(p *model.Partition, _ time.Time) {
			deactivate(p)
		}}}
	}
	steps := []Step{{At: dur, Detail: []string{"PartitionState", "ReferenceCode", "Other"}, Apply: func(p *model.Partition, now time.Time) {
		// The partition keeps its resources through a restart.
		p.Restarting = false
		p.ActivatedAt = now.UnixMilli()
		p.State = model.StateStarting
		p.RefCode = bootCodes(p)[0]
		p.RMCState = model.RMCInactive
	}}}
	return append(steps, bootSteps(p, bootMode(p), dur, t)...)
}

func bootMode(p *model.Partition) string {
	if p.BootMode == "" {
		return "norm"
	}
	return p.BootMode
}

// Resume plans the rest of the transition a partition was in when the
// service stopped (plans live in memory only): a boot goes on to its end,
// a shutdown finishes (and restarts when it was a restart), a running OS
// gets its RMC connection. The first step is a placeholder at 0 (the
// partition is already in its current state); nil means nothing to do.
func Resume(p *model.Partition, t Timing) []Step {
	here := Step{At: 0, Apply: func(*model.Partition, time.Time) {}}
	switch {
	case p.State == model.StateStarting:
		return append([]Step{here}, bootSteps(p, bootMode(p), 0, t)...)
	case p.State == model.StateShuttingDown:
		return append([]Step{here}, downSteps(p, t.VSPShutdown, p.Restarting, t)...)
	case p.State == model.StateRunning && p.RMCState == model.RMCInactive && (!p.IsMgmt || p.IsVIOS()) && bootMode(p) == "norm":
		return []Step{here, {At: t.RMCUp, Detail: []string{"Other"}, Apply: func(p *model.Partition, _ time.Time) {
			if p.State == model.StateRunning {
				p.RMCState = model.RMCActive
			}
		}}}
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

// GuestShutdown plans a shutdown that the partition's own operating
// system starts (shutdown -h now or reboot typed on its console, reset-all
// at the Open Firmware prompt): it needs no RMC connection, as the OS
// itself asks the hypervisor to power it off.
func GuestShutdown(p *model.Partition, restart bool, t Timing) ([]Step, error) {
	switch p.State {
	case model.StateRunning, model.StateOpenFirmware:
	case model.StateNotActivated, model.StateError, model.StateNotAvailable:
		return nil, model.ErrAlreadyOff(p.Name)
	default:
		return nil, model.ErrBusy(p.Name, p.State)
	}
	dur := t.OSShutdown
	if p.State == model.StateOpenFirmware {
		dur = t.Immediate
	}
	steps := []Step{{
		At:     0,
		Detail: []string{"PartitionState", "ReferenceCode"},
		Apply: func(p *model.Partition, _ time.Time) {
			p.State = model.StateShuttingDown
			p.RefCode = RefCodeShutdown
			p.Restarting = restart
		},
	}}
	return append(steps, downSteps(p, dur, restart, t)...), nil
}

// ContinueBoot plans the boot of the operating system from the SMS menu
// or the Open Firmware prompt (X in SMS, boot at the ok prompt).
func ContinueBoot(p *model.Partition, t Timing) ([]Step, error) {
	if p.State != model.StateOpenFirmware {
		return nil, model.ErrBusy(p.Name, p.State)
	}
	last := FirmwareCodes[len(FirmwareCodes)-1]
	steps := []Step{{At: 0, Detail: []string{"PartitionState", "ReferenceCode"}, Apply: func(p *model.Partition, _ time.Time) {
		p.State = model.StateStarting
		p.RefCode = last
	}}}
	at := t.OSBoot
	steps = append(steps, Step{At: at, Done: true, Detail: []string{"PartitionState", "ReferenceCode", "Other"}, Apply: func(p *model.Partition, _ time.Time) {
		p.State = model.StateRunning
		if p.OSVersion == "" || p.OSVersion == "Unknown" {
			p.OSVersion = DefaultOSVersion(p)
		}
		p.RefCode = OSRefCode(p)
		p.RMCState = model.RMCInactive
	}})
	at += t.RMCUp
	return append(steps, Step{At: at, Detail: []string{"Other"}, Apply: func(p *model.Partition, _ time.Time) {
		if p.State == model.StateRunning {
			p.RMCState = model.RMCActive
		}
	}}), nil
}
