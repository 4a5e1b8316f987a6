package core

import (
	"fmt"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// State flips: what the simulator's controls set that no API can (a
// partition's RMC connection, its OS crashing, a partition or VIOS that
// stops, the managed system losing power or its connection). Each is one
// operation through Apply, so clients see it as they would see the real
// thing: a new etag and the event a real change sends.

// PartitionFlip is a change of a partition's state no API can make. Empty
// fields change nothing.
type PartitionFlip struct {
	// RMC is active, inactive, none or busy (held while the OS runs, over
	// what the simulated OS would do) or auto (the OS decides again).
	RMC string `json:"rmc,omitempty"`
	// State is error (the OS crashed: the partition stops, showing
	// RefCode) or not activated (it stopped without a job).
	State string `json:"state,omitempty"`
	// RefCode is the reference code shown (default B700F104 for error).
	RefCode string `json:"refCode,omitempty"`
}

// RefCodeCrashed is what a crashed partition shows by default (an
// operating system error ended the partition).
const RefCodeCrashed = "B700F104"

func errFlip(format string, args ...any) error {
	return &model.Error{ID: "PVME01050940-0500", Kind: model.KindInvalid, Msg: "The state change is not valid: " + fmt.Sprintf(format, args...)}
}

// FlipPartition makes a partition's state change as asked.
func (c *Core) FlipPartition(a Actor, uuid string, f PartitionFlip) (*model.Partition, error) {
	f.RMC = strings.ToLower(strings.TrimSpace(f.RMC))
	f.State = strings.ToLower(strings.TrimSpace(f.State))
	switch f.RMC {
	case "", model.RMCActive, model.RMCInactive, model.RMCNone, model.RMCBusy, "auto":
	default:
		return nil, errFlip("the RMC state %q is not one of active, inactive, none, busy, auto.", f.RMC)
	}
	switch f.State {
	case "", model.StateError, model.StateNotActivated:
	default:
		return nil, errFlip("the partition state %q is not one of %q (the OS crashed) or %q (it stopped).", f.State, model.StateError, model.StateNotActivated)
	}
	if f.RefCode != "" && (f.State == "" || len(f.RefCode) > 16 || strings.ContainsFunc(f.RefCode, func(r rune) bool { return r < 0x20 || r > 0x7e })) {
		return nil, errFlip("a reference code (at most 16 printable characters) goes with a state.")
	}
	if f.RMC == "" && f.State == "" {
		return nil, errFlip("nothing to change: give rmc or state.")
	}
	var out *model.Partition
	err := c.Apply(a, func(tx *Tx) error {
		tx.simControl = true
		p := tx.Partition(strings.ToUpper(uuid))
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.IsMgmt {
			return model.Refused("Partition %s is the management partition (pvmd runs in it): its state and RMC are not the simulator's to change.", p.Name)
		}
		n := p.Clone()
		switch f.State {
		case model.StateError, model.StateNotActivated:
			if !p.Active() {
				return model.Refused("Partition %s is %s: only an active partition can crash or stop.", p.Name, p.State)
			}
			n.Op++ // what was under way on it stops
			sim.Abort(n)
			n.State = f.State
			if f.State == model.StateError {
				n.RefCode = orStr(f.RefCode, RefCodeCrashed)
				n.RMCState = model.RMCInactive
			} else if f.RefCode != "" {
				n.RefCode = f.RefCode
			}
		}
		switch f.RMC {
		case "":
		case "auto":
			n.RMCHeld = ""
			if n.State == model.StateRunning && n.RMCState != model.RMCActive && bootMode(n) == "norm" {
				n.RMCState = model.RMCActive
			}
		default:
			n.RMCHeld = f.RMC
		}
		tx.settleRMC(n)
		if *n == *p {
			out = p
			return nil
		}
		tx.PutPartition(n, "PartitionState", "ReferenceCode", "Other")
		out = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func bootMode(p *model.Partition) string {
	if p.BootMode == "" {
		return "norm"
	}
	return p.BootMode
}

// FlipSystem sets the managed system's state: power off (every partition
// but the management partition stops at once), error or no connection
// (changes are refused while it lasts), or operating again (after a
// power off, the partitions that start with the system boot).
func (c *Core) FlipSystem(a Actor, state string) (*model.ManagedSystem, error) {
	state = strings.ToLower(strings.TrimSpace(state))
	switch state {
	case model.SystemOperating, model.SystemPowerOff, model.SystemError, model.SystemNoConnection:
	default:
		return nil, errFlip("the system state %q is not one of %q, %q, %q, %q.", state, model.SystemOperating, model.SystemPowerOff, model.SystemError, model.SystemNoConnection)
	}
	var boot []string
	err := c.Apply(a, func(tx *Tx) error {
		tx.simControl = true
		sys := tx.System()
		if sys.State == state {
			return nil
		}
		if state == model.SystemPowerOff {
			tx.each(model.KindPartition, func(o model.Object) {
				p := o.(*model.Partition)
				if p.IsMgmt || !p.Active() && p.State != model.StateError {
					return
				}
				n := p.Clone()
				n.Op++
				sim.Abort(n)
				tx.PutPartition(n, "PartitionState", "ReferenceCode", "Other")
			})
		}
		if sys.State == model.SystemPowerOff && state == model.SystemOperating {
			tx.each(model.KindPartition, func(o model.Object) {
				if p := o.(*model.Partition); p.AutoStart && !p.IsMgmt && !p.Active() {
					boot = append(boot, p.UUID)
				}
			})
		}
		n := sys.Clone()
		n.State = state
		tx.PutSystem(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, u := range boot {
		group := "LogicalPartition"
		c.Read(func(st *model.State) {
			if p := st.Partition(u); p != nil && p.IsVIOS() {
				group = "VirtualIOServer"
			}
		})
		job, err := c.Jobs.New(internalActor.User, "PowerOn", group, u, "", nil)
		if err != nil {
			return nil, err
		}
		c.runPower(internalActor, job, u, func(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition) ([]sim.Step, error) {
			return sim.PowerOn(sys, acct, p, sim.PowerOnOpts{}, c.Timing())
		})
	}
	return c.System(), nil
}

// systemAllows refuses changes while the system is not operating.
func systemAllows(sys *model.ManagedSystem) error {
	switch sys.State {
	case model.SystemPowerOff, model.SystemError, model.SystemNoConnection:
		return model.ErrSystemState(sys.Name, sys.State)
	}
	return nil
}

// SetTiming switches the timing profile at run time: what starts from
// now on takes the new times (what is under way keeps its own).
func (c *Core) SetTiming(a Actor, t sim.Timing) error {
	if err := checkActor(a); err != nil {
		return err
	}
	for _, d := range []time.Duration{t.FirmwareStep, t.OSBoot, t.RMCUp, t.OSShutdown, t.VSPShutdown, t.Immediate, t.SystemIPL} {
		if d < 0 || d > sim.MaxFaultDelay {
			return errFlip("the times of a timing profile are between 0 and %v.", sim.MaxFaultDelay)
		}
	}
	if t.Name == "" {
		t.Name = "custom"
	}
	c.timing.Store(&t)
	c.log.Info("timing profile switched", "profile", t.Name, "user", a.User)
	return nil
}
