package core

import (
	"fmt"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Simplified remote restart: a partition of a system that is powered off
// (or failed) is restarted on another system of the fleet from its
// configuration, which the hypervisor keeps (the RemoteRestart job of a
// LogicalPartition, as the HMC's rrstartlpar):
//
//	validate  what restart checks, without restarting
//	restart   in one commit on both systems: the partition with its
//	          adapters (same MACs and VLANs) and storage mappings is made
//	          on the target (same UUID), and its copy on the source marked
//	          Source_Remote_Restarted (not startable, kept so that the
//	          source, when it comes back, knows it is stale); then it is
//	          powered on on the target
//	cleanup   on the source once it is on again: the stale copy, its
//	          adapters and mappings removed
//	recover   a restart that did not complete: the source's copy marked
//	          restartable again (nothing was made on the target)
//	cancel    nothing to stop: a restart is one commit

// The RemoteRestart job's parameters (the HMC's names; the operation is
// taken as Operation or operation).
var remoteRestartParams = []string{"Operation", "operation", "targetManagedSystem", "targetManagedSystemUUID", "TargetManagedSystemName",
	"Redundancy", "Verbose", "vlanbridge", "force", "usecurrdata", "retaindev", "targetRemoteHMCIPAddress", "targetRemoteHMCUserId",
	"sharedProcessorPoolName", "sharedProcessorPoolID", "virtualFCMappings", "noconnection"}

func init() {
	JobOperations["LogicalPartition"]["RemoteRestart"] = remoteRestartParams
}

// rrOperation reads the operation, in either spelling of its name and in
// the HMC's spellings of its value (rrstartlpar's one-letter ones too).
func rrOperation(params map[string]string) (string, error) {
	v := strings.TrimSpace(params["Operation"])
	if v == "" {
		v = strings.TrimSpace(params["operation"])
	}
	switch v {
	case "R":
		return "recover", nil
	case "r":
		return "restart", nil
	case "v":
		return "validate", nil
	case "s":
		return "cleanup", nil
	case "c":
		return "cancel", nil
	}
	switch l := strings.ToLower(v); l {
	case "validate", "restart", "recover", "cleanup", "cancel":
		return l, nil
	case "remoterestart", "remote_restart":
		return "restart", nil
	}
	return "", model.ErrBadValue("Operation", v, "validate, restart, recover, cleanup, cancel")
}

func (c *Core) startRemoteRestartJob(a Actor, r JobRequest) (*Job, error) {
	params := map[string]string{}
	for _, p := range r.Params {
		params[p.Name] = p.Value
	}
	op, err := rrOperation(params)
	if err != nil {
		return nil, err
	}
	spec := &migrateSpec{raw: params}
	for _, k := range []string{"targetManagedSystem", "TargetManagedSystemName"} {
		if v := strings.TrimSpace(params[k]); v != "" {
			spec.target = v
		}
	}
	switch strings.TrimSpace(params["vlanbridge"]) {
	case "", "1":
	case "2":
		spec.overrideVLAN = true
	default:
		return nil, model.ErrBadValue("vlanbridge", params["vlanbridge"], "1 (check), 2 (override)")
	}
	if err := checkBool("force", params["force"]); err != nil {
		return nil, err
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Job, error) {
		job.finish(c.clock.Now(), JobFailedBefore, err.Error())
		return job, nil
	}
	// The master console acts for a system that runs; one powered off
	// has no NovaLink to be master, and its partitions are restarted by
	// whichever console reaches them (the HMC, through the service
	// processor).
	if sys := c.System(); !a.Internal && sys.State != SystemPowerOff {
		if err := masterAllows(sys, a); err != nil {
			return fail(err)
		}
	}
	switch op {
	case "cleanup":
		if err := c.remoteRestartCleanup(a, r.TargetUUID); err != nil {
			return fail(err)
		}
		job.finish(c.clock.Now(), JobOK, "")
		return job, nil
	case "recover":
		if err := c.remoteRestartRecover(a, r.TargetUUID); err != nil {
			return fail(err)
		}
		job.finish(c.clock.Now(), JobOK, "")
		return job, nil
	case "cancel":
		return fail(migErr(model.KindRefused, 100, "A remote restart is made in one step; there is nothing in progress to cancel."))
	}
	// The target: by UUID or name.
	if u := strings.TrimSpace(params["targetManagedSystemUUID"]); u != "" && spec.target == "" && c.fleet != nil {
		for _, o := range c.fleet.systems {
			if strings.EqualFold(o.w.System.UUID, u) {
				spec.target = o.w.System.Name
			}
		}
	}
	if spec.target == "" {
		return nil, model.Invalid("The remote restart needs its target: targetManagedSystem (its name) or targetManagedSystemUUID.")
	}
	target, err := c.migrationTarget(spec)
	if err != nil {
		return fail(err)
	}
	var name string
	err = c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(r.TargetUUID)
		if p == nil {
			return model.ErrNoPartition(r.TargetUUID)
		}
		name = p.Name
		ttx, err := tx.On(target)
		if err != nil {
			return err
		}
		if err := checkRemoteRestart(tx, ttx, p, c); err != nil {
			return err
		}
		dst := ttx
		if op == "validate" {
			dst = scratch(target, tx)
		}
		n, err := moveOnto(scratch(c, tx), dst, p, spec)
		if err != nil {
			return err
		}
		// Its desired resources must fit the target: it starts there.
		if _, err := sim.PowerOn(dst.System(), dst.Accounting().Sub(n.Holds()), n, sim.PowerOnOpts{}, target.timing); err != nil {
			return migErr(model.KindRefused, 101, "The managed system %s cannot start partition %s: %s", dst.System().Name, p.Name, errText(err))
		}
		if op == "validate" {
			return nil
		}
		n.Mig, n.RRState = nil, ""
		dst.PutPartition(n, "PartitionState", "RemoteRestartState")
		stale := p.Clone()
		stale.RRState = model.RRSourceRestarted
		tx.PutPartition(stale, "RemoteRestartState")
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if op == "validate" {
		job.finish(c.clock.Now(), JobOK, "")
		return job, nil
	}
	job.note(fmt.Sprintf("Partition %s was made on %s; starting it", name, spec.target))
	// Started on the target, as a power-on there: the job ends when it runs.
	target.runPower(internalActor, job, r.TargetUUID, func(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition) ([]sim.Step, error) {
		return sim.PowerOn(sys, acct, p, sim.PowerOnOpts{}, target.timing)
	})
	return job, nil
}

// checkRemoteRestart: the source is down, the partition can be restarted.
func checkRemoteRestart(src, dst *Tx, p *model.Partition, c *Core) error {
	if sys := src.System(); sys.State != SystemPowerOff {
		return migErr(model.KindRefused, 102, "The managed system %s is %s; a partition is remotely restarted only from a system that is powered off or failed (migrate it instead).", sys.Name, sys.State)
	}
	if p.IsMgmt || p.IsVIOS() {
		return migErr(model.KindRefused, 103, "Partition %s is a management partition or a Virtual I/O Server; it cannot be restarted on another system.", p.Name)
	}
	if !p.SRRCapable {
		return migErr(model.KindRefused, 104, "Partition %s is not simplified remote restart capable (SimplifiedRemoteRestartCapable).", p.Name)
	}
	if p.RRState == model.RRSourceRestarted {
		return migErr(model.KindRefused, 105, "Partition %s was restarted on another system already; clean it up here (Operation=cleanup).", p.Name)
	}
	if p.Mig != nil {
		return errMigrationHolds(p)
	}
	if dst.c == src.c {
		return migErr(model.KindRefused, 24, "Partition %s is on the managed system %s already.", p.Name, dst.System().Name)
	}
	return systemPoweredOff(dst.System())
}

// remoteRestartCleanup removes a partition's stale copy from its source
// once it runs again.
func (c *Core) remoteRestartCleanup(a Actor, uuid string) error {
	return c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.RRState != model.RRSourceRestarted {
			return migErr(model.KindRefused, 106, "Partition %s was not restarted on another system; there is nothing to clean up.", p.Name)
		}
		if err := systemPoweredOff(tx.System()); err != nil {
			return err
		}
		deletePartitionTx(tx, p)
		return nil
	})
}

// remoteRestartRecover makes a partition whose remote restart did not
// complete restartable again (nothing was made on the target).
func (c *Core) remoteRestartRecover(a Actor, uuid string) error {
	return c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.RRState == "" {
			return migErr(model.KindRefused, 107, "Partition %s has no remote restart to recover.", p.Name)
		}
		if p.RRState == model.RRSourceRestarted {
			return migErr(model.KindRefused, 108, "Partition %s was restarted on another system; clean it up here (Operation=cleanup) instead.", p.Name)
		}
		n := p.Clone()
		n.RRState = ""
		tx.PutPartition(n, "RemoteRestartState")
		return nil
	})
}
