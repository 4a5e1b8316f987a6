package core

import (
	"errors"
	"sort"
	"sync"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Virtual terminals. Each partition has a console in the simulated
// hypervisor (sim.Console): the core makes it on first need, shows it every
// committed change of its partition (in commit order, from the store's
// committer), and ends its session when the partition is deleted or the
// core closes. What the firmware or the OS on the console asks for (a
// shutdown typed at the shell, leaving SMS to boot) runs through Apply
// like any other change.

// Reasons a console session ends, shown on the terminal.
const (
	consoleClosedByRequest = "The virtual terminal session was closed by rmvterm (CloseVterm)."
	consoleClosedDeleted   = "The virtual terminal session ended: the partition was deleted."
	consoleClosedStopping  = "The virtual terminal session ended: the management service is stopping."
)

type consoles struct {
	mu     sync.Mutex
	m      map[string]*consoleEntry
	closed bool
}

type consoleEntry struct {
	con *sim.Console
	// actor is who opened the current session (the VIOS commands typed
	// on a VIOS console run as them).
	actor Actor
}

// partChange is a committed change of a partition (nil: none).
type partChange struct{ old, cur *model.Partition }

// consoleOf returns the console of partition p, made on first use.
func (c *Core) consoleOf(p *model.Partition) *consoleEntry {
	c.cons.mu.Lock()
	defer c.cons.mu.Unlock()
	if c.cons.closed {
		return nil
	}
	if c.cons.m == nil {
		c.cons.m = map[string]*consoleEntry{}
	}
	e := c.cons.m[p.UUID]
	if e == nil {
		e = &consoleEntry{}
		e.con = sim.NewConsole(p, c.consoleHooks(p.UUID, e))
		c.cons.m[p.UUID] = e
	}
	return e
}

// OpenConsole opens the one session of a partition's console for a (who
// must be allowed to change things, as mkvterm is refused to viewers). It
// fails with *sim.ErrConsoleInUse while another session is open.
func (c *Core) OpenConsole(a Actor, uuid string, h sim.Holder) (*sim.Session, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	var p *model.Partition
	c.Read(func(st *model.State) { p = st.Partition(uuid) })
	if p == nil {
		return nil, model.ErrNoPartition(uuid)
	}
	e := c.consoleOf(p)
	if e == nil {
		return nil, ErrClosed
	}
	h.User = a.User
	h.Since = c.clock.Now()
	s, err := e.con.Attach(h)
	if errors.Is(err, sim.ErrConsoleGone) {
		return nil, model.ErrNoPartition(uuid)
	}
	if err != nil {
		return nil, err
	}
	c.cons.mu.Lock()
	e.actor = a
	c.cons.mu.Unlock()
	c.log.Info("virtual terminal opened", "partition", p.Name, "id", p.ID, "user", a.User, "kind", h.Kind, "pid", h.PID, "port", h.Port)
	return s, nil
}

// CloseConsole ends the open session of a partition's console, from
// anywhere (rmvterm, the CloseVterm job). It reports whether one was open;
// with none open it does nothing.
func (c *Core) CloseConsole(a Actor, uuid string) (bool, error) {
	if err := checkActor(a); err != nil {
		return false, err
	}
	var p *model.Partition
	c.Read(func(st *model.State) { p = st.Partition(uuid) })
	if p == nil {
		return false, model.ErrNoPartition(uuid)
	}
	c.cons.mu.Lock()
	e := c.cons.m[uuid]
	c.cons.mu.Unlock()
	if e == nil {
		return false, nil
	}
	closed := e.con.Kick(consoleClosedByRequest)
	if closed {
		c.log.Info("virtual terminal closed", "partition", p.Name, "id", p.ID, "by", a.User)
	}
	return closed, nil
}

// ConsoleHolder says who holds a partition's console session.
func (c *Core) ConsoleHolder(uuid string) (sim.Holder, bool) {
	c.cons.mu.Lock()
	e := c.cons.m[uuid]
	c.cons.mu.Unlock()
	if e == nil {
		return sim.Holder{}, false
	}
	return e.con.Holder()
}

// ConsoleScrollback returns what a partition's console kept of its output.
func (c *Core) ConsoleScrollback(uuid string) []byte {
	c.cons.mu.Lock()
	e := c.cons.m[uuid]
	c.cons.mu.Unlock()
	if e == nil {
		return nil
	}
	return e.con.Scrollback()
}

// OpenConsoles returns the number of consoles with a session open.
func (c *Core) OpenConsoles() int {
	c.cons.mu.Lock()
	list := make([]*consoleEntry, 0, len(c.cons.m))
	for _, e := range c.cons.m {
		list = append(list, e)
	}
	c.cons.mu.Unlock()
	n := 0
	for _, e := range list {
		if _, ok := e.con.Holder(); ok {
			n++
		}
	}
	return n
}

// observeConsoles shows committed partition changes on their consoles
// (called by the committer, in commit order, after the view moved).
func (c *Core) observeConsoles(changes []partChange) {
	for _, ch := range changes {
		switch {
		case ch.cur == nil:
			c.cons.mu.Lock()
			e := c.cons.m[ch.old.UUID]
			delete(c.cons.m, ch.old.UUID)
			c.cons.mu.Unlock()
			if e != nil {
				e.con.Close(consoleClosedDeleted)
			}
		case ch.old == nil:
			// A new partition: its console is made when first needed.
		case ch.old.State != ch.cur.State || ch.old.RefCode != ch.cur.RefCode:
			if e := c.consoleOf(ch.old); e != nil {
				e.con.Power(ch.old, ch.cur)
			}
		}
	}
}

// partitionChanges lists the partitions a delta changes, with their
// committed versions before it (view is the view before the delta).
func (d *delta) partitionChanges(view *model.State) []partChange {
	var out []partChange
	for _, o := range d.puts {
		if p, ok := o.(*model.Partition); ok {
			out = append(out, partChange{old: view.Partition(p.UUID), cur: p})
		}
	}
	for _, k := range d.dels {
		if k.kind == model.KindPartition {
			if old := view.Partition(k.key); old != nil {
				out = append(out, partChange{old: old})
			}
		}
	}
	return out
}

// closeConsoles ends every session (the core closes).
func (c *Core) closeConsoles() {
	c.cons.mu.Lock()
	c.cons.closed = true
	list := c.cons.m
	c.cons.m = nil
	c.cons.mu.Unlock()
	for _, e := range list {
		e.con.Close(consoleClosedStopping)
	}
}

// consoleHooks connect a partition's console to the core.
func (c *Core) consoleHooks(uuid string, e *consoleEntry) sim.ConsoleHooks {
	return sim.ConsoleHooks{
		Info: func() (sim.GuestInfo, bool) { return c.guestInfo(uuid) },
		Shutdown: func(restart bool) error {
			return c.runGuestPlan(uuid, func(p *model.Partition) ([]sim.Step, error) {
				return sim.GuestShutdown(p, restart, c.Timing())
			})
		},
		ContinueBoot: func() error {
			return c.runGuestPlan(uuid, func(p *model.Partition) ([]sim.Step, error) {
				return sim.ContinueBoot(p, c.Timing())
			})
		},
		IOSCLI: func(line string) (string, string, int) {
			c.cons.mu.Lock()
			a := e.actor
			c.cons.mu.Unlock()
			res, err := c.RunIOSCLI(a, uuid, line, false)
			if err != nil {
				return "", err.Error() + "\n", 1
			}
			return res.Out, res.Err, res.Code
		},
	}
}

// guestInfo is the partition as its firmware and OS see it.
func (c *Core) guestInfo(uuid string) (sim.GuestInfo, bool) {
	var info sim.GuestInfo
	ok := false
	c.Read(func(st *model.State) {
		p := st.Partition(uuid)
		if p == nil {
			return
		}
		ok = true
		sys := st.System
		info = sim.GuestInfo{Name: p.Name, ID: p.ID, Type: p.Type, OSVersion: p.OSVersion,
			Location: model.LocationCode(sys, p.ID, 0), MemoryMB: p.CurMem, Now: c.clock.Now()}
		info.Location = info.Location[:len(info.Location)-len("-C0")]
		if info.MemoryMB == 0 {
			info.MemoryMB = p.DesMem
		}
		for _, a := range st.AdaptersOf(uuid) {
			info.NICs = append(info.NICs, sim.GuestNIC{Slot: a.Slot, MAC: a.MAC, PVID: a.PVID, Tagged: a.Tagged})
		}
		st.Each(model.KindSCSIMap, func(o model.Object) {
			if m := o.(*model.SCSIMapping); m.Client == uuid && !containsInt(info.SCSI, m.ClientSlot) {
				info.SCSI = append(info.SCSI, m.ClientSlot)
			}
		})
		st.Each(model.KindFCMap, func(o model.Object) {
			if m := o.(*model.FCMapping); m.Client == uuid {
				info.FC = append(info.FC, sim.GuestFC{Slot: m.ClientSlot, WWPNs: m.WWPNs})
			}
		})
	})
	sort.Ints(info.SCSI)
	sort.Slice(info.FC, func(i, j int) bool { return info.FC[i].Slot < info.FC[j].Slot })
	return info, ok
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// runGuestPlan starts a transition the partition's firmware or OS asks
// for from its console. It is the partition's own doing, not a
// management console's: no job, and the management master is not asked.
func (c *Core) runGuestPlan(uuid string, plan func(*model.Partition) ([]sim.Step, error)) error {
	var steps []sim.Step
	var gen uint64
	err := c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.IsMgmt {
			return model.ErrMgmtPartition("shut down from its own console")
		}
		var err error
		steps, err = plan(p)
		if err != nil {
			return err
		}
		n := p.Clone()
		n.Op++
		gen = n.Op
		steps[0].Apply(n, tx.Now())
		tx.settleRMC(n)
		tx.PutPartition(n, steps[0].Detail...)
		return nil
	})
	if err != nil {
		return err
	}
	c.continuePlan(uuid, gen, steps, 0, nil)
	return nil
}
