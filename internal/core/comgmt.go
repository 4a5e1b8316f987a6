package core

import (
	"fmt"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Co-management: NovaLink and an HMC may both manage the system, but only
// the PowerVM management master may change it. The check is in Apply (one
// place every change goes through): masterAllows. Mastership moves with
// the RequestMaster / ReleaseMaster jobs on the ManagedSystem.

// masterAllows checks that an actor's console may change the system now:
// it is the master, and no other console is waiting to take over.
func masterAllows(sys *model.ManagedSystem, a Actor) error {
	if !sys.Master.Is(a.console()) {
		return model.ErrNotMaster(sys.Master)
	}
	if p := sys.MasterPending; p != nil && !p.Is(a.console()) {
		return model.ErrMasterPending(*p)
	}
	return nil
}

// masterOf is the Master an actor's console would be.
func (c *Core) masterOf(a Actor, mode string) model.Master {
	m := model.Master{Console: a.console(), Name: a.ConsoleName, MTMS: a.ConsoleMTMS, Mode: mode}
	switch m.Console {
	case model.ConsoleHMC:
		if m.Name == "" {
			m.Name, m.MTMS = c.cfg.HMCName, c.cfg.HMCMTMS
		}
	default:
		m.Name, m.MTMS = "", ""
		var mgmt *model.Partition
		c.Read(func(st *model.State) {
			for _, p := range st.Partitions {
				if p.IsMgmt {
					mgmt = p
				}
			}
			m.MTMS = st.System.MTMS()
		})
		if mgmt != nil {
			m.Name = mgmt.Name
		}
	}
	return m
}

// ActorFor is the actor of a REST session: an HMC's account acts for the
// HMC, the others for NovaLink.
func (c *Core) ActorFor(user, role, session string) Actor {
	a := Actor{User: user, Role: role, Session: session, Console: model.ConsoleNovaLink}
	if role == RoleHMC {
		a.Console, a.ConsoleName, a.ConsoleMTMS = model.ConsoleHMC, c.cfg.HMCName, c.cfg.HMCMTMS
	}
	return a
}

// ParseMasterMode checks a coManagementMasterStatus value.
func ParseMasterMode(s string) (mode string, force bool, err error) {
	switch s {
	case "", model.MasterNorm:
		return model.MasterNorm, false, nil
	case model.MasterTemp:
		return model.MasterTemp, false, nil
	case model.MasterKeep, "force":
		return model.MasterNorm, true, nil
	}
	return "", false, model.ErrBadValue("coManagementMasterStatus", s, "norm, temp, keep")
}

// RequestMaster makes the actor's console the management master. In norm
// and temp mode it waits for the master's operations in progress to end
// (refusing new ones meanwhile); forced, it takes over at once and the
// operations in progress end with an error, their partitions left
// powered off rather than half started or stopped. The job ends when the
// console is master.
func (c *Core) RequestMaster(a Actor, job *Job, mode string, force bool) {
	want := c.masterOf(a, mode)
	var interrupted []*Job
	var done bool
	err := c.Apply(a, func(tx *Tx) error {
		tx.masterChange = true
		sys := tx.System()
		if sys.Master.Is(want.Console) && sys.MasterPending == nil {
			if sys.Master.Mode == mode {
				done = true
				return nil
			}
		}
		if p := sys.MasterPending; p != nil && !p.Is(want.Console) && !force {
			return model.Refused("%s is already waiting to become PowerVM management master.", upper(p.Label()))
		}
		n := sys.Clone()
		holding := c.Jobs.holding(sys.Master.Who())
		if want.Is(model.ConsoleHMC) {
			n.CoManaged = true
		}
		if !sys.Master.Is(want.Console) && len(holding) > 0 && !force {
			n.MasterPending = &want
			tx.PutSystem(n)
			return nil
		}
		if force {
			// End the operations in progress of the other consoles,
			// leaving their partitions stable.
			for _, con := range []string{model.ConsoleNovaLink, model.ConsoleHMC} {
				if con == want.Console {
					continue
				}
				for _, j := range c.Jobs.holding(con) {
					interrupted = append(interrupted, j)
					if p := tx.Partition(j.target); p != nil && transitional(p) {
						q := p.Clone()
						q.Op++
						sim.Abort(q)
						tx.PutPartition(q, "PartitionState")
					}
				}
			}
		}
		c.becomeMaster(n, want)
		if want.Is(model.ConsoleHMC) {
			n.CoManaged = true
		}
		tx.PutSystem(n)
		done = true
		return nil
	})
	now := c.clock.Now()
	if err != nil {
		job.finish(now, JobError, err.Error())
		return
	}
	for _, j := range interrupted {
		j.finish(now, JobError, fmt.Sprintf("The operation was interrupted: %s took over as PowerVM management master; the partition was left powered off.", want.Label()))
	}
	if done {
		job.finish(now, JobOK, "")
		return
	}
	job.note(fmt.Sprintf("Waiting for the operations in progress of %s to end.", c.System().Master.Label()))
	c.pendingMu.Lock()
	c.pendingJobs = append(c.pendingJobs, job)
	c.pendingMu.Unlock()
	c.settlePending()
}

// becomeMaster sets the new master on a system clone, remembering the
// previous one for a temporary master.
func (c *Core) becomeMaster(n *model.ManagedSystem, want model.Master) {
	prev := n.Master
	if prev.Console == "" {
		prev.Console = model.ConsoleNovaLink
	}
	n.MasterPrevious = nil
	if want.Mode == model.MasterTemp && !prev.Is(want.Console) {
		n.MasterPrevious = &prev
	}
	n.Master = want
	n.MasterPending = nil
}

func transitional(p *model.Partition) bool {
	switch p.State {
	case model.StateStarting, model.StateShuttingDown, model.StateOpenFirmware:
		return true
	}
	return false
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// settlePending completes a waiting normal-mode request once the
// master's operations in progress have ended.
func (c *Core) settlePending() {
	sys := c.System()
	if sys.MasterPending == nil || len(c.Jobs.holding(sys.Master.Who())) > 0 {
		return
	}
	err := c.Apply(internalActor, func(tx *Tx) error {
		tx.masterChange = true
		cur := tx.System()
		if cur.MasterPending == nil || len(c.Jobs.holding(cur.Master.Who())) > 0 {
			return nil
		}
		n := cur.Clone()
		c.becomeMaster(n, *cur.MasterPending)
		tx.PutSystem(n)
		return nil
	})
	c.pendingMu.Lock()
	jobs := c.pendingJobs
	if c.System().MasterPending == nil {
		c.pendingJobs = nil
	} else {
		jobs = nil
	}
	c.pendingMu.Unlock()
	now := c.clock.Now()
	for _, j := range jobs {
		if err != nil {
			j.finish(now, JobError, err.Error())
		} else {
			j.finish(now, JobOK, "")
		}
	}
}

// ReleaseMaster gives mastership up: to the previous master of a
// temporary one, to a console waiting for it, to NovaLink when an HMC
// releases it, and to nobody when NovaLink does.
func (c *Core) ReleaseMaster(a Actor) error {
	var waiting bool
	err := c.Apply(a, func(tx *Tx) error {
		tx.masterChange = true
		sys := tx.System()
		if !sys.Master.Is(a.console()) {
			return model.Refused("%s is not the PowerVM management master (the master is %s); there is nothing to release.", upper(c.masterOf(a, "").Label()), sys.Master.Label())
		}
		n := sys.Clone()
		switch {
		case sys.MasterPending != nil:
			c.becomeMaster(n, *sys.MasterPending)
			waiting = true
		case sys.MasterPrevious != nil:
			n.Master, n.MasterPrevious = *sys.MasterPrevious, nil
		case a.console() == model.ConsoleHMC:
			nl := c.masterOf(Actor{Console: model.ConsoleNovaLink}, model.MasterNorm)
			n.Master, n.MasterPrevious = nl, nil
		default:
			n.Master, n.MasterPrevious = model.Master{Console: model.ConsoleNone}, nil
		}
		tx.PutSystem(n)
		return nil
	})
	if err == nil && waiting {
		c.pendingMu.Lock()
		jobs := c.pendingJobs
		c.pendingJobs = nil
		c.pendingMu.Unlock()
		for _, j := range jobs {
			j.finish(c.clock.Now(), JobOK, "")
		}
	}
	return err
}
