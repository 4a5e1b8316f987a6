package core

import (
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// ChangeSAN applies a change of the storage outside the server (the SAN
// a tester plays: fabrics, arrays, volumes, targets, images) in one
// operation through the single writer. The SAN is not the managed
// system: its changes are the simulator's own, made for a caller the
// simulator's controls admitted, and no management console's mastership
// applies to them.
func (c *Core) ChangeSAN(a Actor, fn func(tx *Tx) error) error {
	if err := checkActor(a); err != nil {
		return err
	}
	sim := a
	sim.Internal = true
	return c.Apply(sim, fn)
}

// ReadSAN runs fn on the committed view of the SAN.
func (c *Core) ReadSAN(fn func(tx san.Tx)) {
	c.Read(func(st *model.State) { fn(&Tx{c: c, st: st, now: c.clock.Now(), actor: internalActor}) })
}
