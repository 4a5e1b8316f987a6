package core

import (
	"errors"

	"novalink/internal/model"
	"novalink/internal/sim/vios"
)

// errIOSCLIFailed discards the transaction of an ioscli command that
// failed (non-zero exit code); RunIOSCLI turns it back into the result.
var errIOSCLIFailed = errors.New("ioscli command failed")

// RunIOSCLI runs one ioscli command line on a VIOS, as viosvrcmd does
// over RMC (root: viosvrcmd -r). The VIOS must be running with an active
// RMC connection, else the model error says why (and nothing ran). A
// command that fails is reported in the Result (stderr, non-zero code)
// with a nil error, and changes nothing.
//
// Commands run first on the committed view: one that changes nothing
// (the listings, and every failure) is answered from there without the
// writer, so users who may only read can run them too. One that changes
// something runs again through Apply, where the write is checked and
// made.
func (c *Core) RunIOSCLI(a Actor, viosUUID, line string, root bool) (vios.Result, error) {
	var res vios.Result
	var rerr error
	wrote := false
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st, now: c.clock.Now(), actor: a}
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			rerr = err
			return
		}
		res = vios.Run(tx, v, line, root)
		wrote = res.Code == 0 && !tx.empty()
	})
	if rerr != nil {
		return vios.Result{}, rerr
	}
	if !wrote {
		return res, nil
	}
	err := c.Apply(a, func(tx *Tx) error {
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			return err
		}
		res = vios.Run(tx, v, line, root)
		if res.Code != 0 {
			return errIOSCLIFailed
		}
		return nil
	})
	switch {
	case errors.Is(err, errIOSCLIFailed):
		return res, nil
	case err != nil:
		return vios.Result{}, err
	}
	return res, nil
}
