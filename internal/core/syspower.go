package core

import (
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// SystemPowerOff is the state of a managed system that is powered off (a
// fleet's control sets it: its NovaLink partition goes down with it).
const SystemPowerOff = model.SystemPowerOff

// PowerSystem powers the managed system off or on, as its service
// processor would (a simulator control of a fleet: the system's NovaLink
// API is unreachable while it is off). Off, every partition stops at once,
// the NovaLink partition too, and the system's state is "power off"; no
// partition can be started until it is on again. On, the system is
// operating again: the NovaLink partition runs and the partitions set to
// start with the system (the VIOSes) boot, each by a power-on job.
func (c *Core) PowerSystem(a Actor, on bool) error {
	var boot []string
	err := c.Apply(a, func(tx *Tx) error {
		tx.simControl = true // a simulator control: allowed on a system powered off
		sys := tx.System()
		if on == (sys.State != SystemPowerOff) {
			return nil // already so
		}
		tx.each(model.KindPartition, func(o model.Object) {
			p := o.(*model.Partition)
			switch {
			case !on && (p.Active() || p.State == model.StateError):
				n := p.Clone()
				n.Op++
				sim.Abort(n)
				tx.PutPartition(n, "PartitionState", "ReferenceCode", "Other")
			case on && p.IsMgmt && !p.Active():
				n := p.Clone()
				n.Op++
				steps, err := sim.PowerOn(sys, model.Accounting{}, n, sim.PowerOnOpts{}, c.Timing())
				if err != nil {
					return
				}
				for _, s := range steps {
					s.Apply(n, tx.Now())
				}
				n.RMCState = model.RMCNone // RMC to itself does not apply
				tx.PutPartition(n, "PartitionState", "ReferenceCode", "Other")
			case on && p.AutoStart && !p.IsMgmt && !p.Active():
				boot = append(boot, p.UUID)
			}
		})
		n := sys.Clone()
		n.State = model.SystemOperating
		if !on {
			n.State = SystemPowerOff
		}
		tx.PutSystem(n)
		return nil
	})
	if err != nil {
		return err
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
			c.log.Warn("power on with the system", "partition", u, "err", err)
			continue
		}
		c.runPower(internalActor, job, u, func(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition) ([]sim.Step, error) {
			return sim.PowerOn(sys, acct, p, sim.PowerOnOpts{}, c.Timing())
		})
	}
	return nil
}

// systemPoweredOff refuses to start a partition of a system that is off.
func systemPoweredOff(sys *model.ManagedSystem) error {
	if sys.State == SystemPowerOff {
		return model.ErrSystemPoweredOff(sys.Name)
	}
	return nil
}
