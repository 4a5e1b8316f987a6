package core

import (
	"errors"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
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
//
// Commands see the VIOS's files (VIOSFS) but only stage their changes;
// those of the run that counts are made here, once: a command that
// changes only files (viosbr -backup, backupios) writes them after its
// run on the view, once Apply has checked it as a change (the role and
// the management master, as for every change); one that
// also changes the model prepares them inside Apply (a write that fails
// fails the command and discards its transaction) and puts them in place
// after the commit. A failed command leaves no file behind.
func (c *Core) RunIOSCLI(a Actor, viosUUID, line string, root bool) (vios.Result, error) {
	var res vios.Result
	var files []vios.FileOp
	var rerr error
	wrote := false
	fsys := c.VIOSFS(viosUUID)
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st, now: c.clock.Now(), actor: a}
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			rerr = err
			return
		}
		res, files = vios.RunFS(tx, v, line, root, fsys)
		wrote = res.Code == 0 && !tx.empty()
	})
	if rerr != nil {
		return vios.Result{}, rerr
	}
	if !wrote {
		if len(files) == 0 {
			return res, nil
		}
		// Files only (viosbr -backup, backupios): written beside their
		// targets first (outside the writer lock: they may be large),
		// checked as every change is (role, management master), then put
		// in place.
		if err := checkActor(a); err != nil {
			return vios.Result{}, err
		}
		pend, err := fsys.prepare(files)
		if err != nil {
			return fileFailure(err), nil
		}
		if err := c.Apply(a, func(tx *Tx) error { tx.ChangesOutsideModel(); return nil }); err != nil {
			pend.abort()
			return vios.Result{}, err
		}
		if err := pend.commit(); err != nil {
			return fileFailure(err), nil
		}
		return res, nil
	}
	var pend *pendingFiles
	err := c.Apply(a, func(tx *Tx) error {
		v, err := vios.Ready(tx, viosUUID)
		if err != nil {
			return err
		}
		res, files = vios.RunFS(tx, v, line, root, fsys)
		if res.Code != 0 {
			return errIOSCLIFailed
		}
		if len(files) > 0 {
			if pend, err = fsys.prepare(files); err != nil {
				res = fileFailure(err)
				return errIOSCLIFailed
			}
		}
		return nil
	})
	if err != nil {
		pend.abort()
		if errors.Is(err, errIOSCLIFailed) {
			return res, nil
		}
		return vios.Result{}, err
	}
	if pend != nil {
		if err := pend.commit(); err != nil {
			// The model changed; the files did not all land.
			c.log.Error("ioscli: files not written after the commit", "vios", viosUUID, "err", err)
			r := fileFailure(err)
			r.Out = res.Out
			return r, nil
		}
	}
	return res, nil
}
