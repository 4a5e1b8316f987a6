package core

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// JobRequest is a job a client submits on an object.
type JobRequest struct {
	Group      string // LogicalPartition, VirtualIOServer, ManagedSystem ...
	Operation  string // PowerOn, PowerOff ...
	TargetUUID string
	Params     []Param
	RequestURL string
	// Duration, when set (a fault rule's delay), is how long the
	// operation takes: a power operation's steps are spread over it.
	Duration time.Duration
}

// Param returns a parameter value ("" when absent).
func (r JobRequest) Param(name string) string {
	for _, p := range r.Params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// JobOperations lists, per group, the operations a client may run and the
// parameters their templates show.
var JobOperations = map[string]map[string][]string{
	"LogicalPartition": {
		"PowerOn": {"force", "bootmode", "keylock", "bootstring", "remove_optical_name", "remove_optical_time",
			// IBM i (see ibmi.go).
			"iIPLsource", "OperationType", "IPAddress", "ServerIPAddress", "Gateway", "IBMiImageServerDirectory",
			"SubnetMask", "ConnectionSpeed", "DuplexMode", "VLANID", "MaximumTransmissionUnit"},
		"PowerOff":      {"immediate", "restart", "operation"},
		"PanelFunction": {"operation"},
		"AddLicense":    {"licKey"},
		"CloneUUID":     {"targetLparName"},
	},
	"VirtualIOServer": {
		"PowerOn":           {"force", "bootmode", "keylock"},
		"PowerOff":          {"immediate", "restart", "operation"},
		"RescanVirtualDisk": {"VirtualDiskUDID"},
	},
	"ManagedSystem": {
		"RequestMaster":  {"coManagementMasterStatus"},
		"ReleaseMaster":  {},
		"UpdateFirmware": {"image"},
		// Controller mode is master mode under its later name.
		"RequestController": {"coManagementControllerStatus"},
		"ReleaseController": {},
		// sysjobs.go
		"QueryReservedMemoryRequiredForPartition": {"LogicalPartitionEnvironment", "DesiredMemory", "MaximumMemory",
			"NumberOfVirtualEthernetAdapter", "NumberOfVirtualSCSIAdapter", "NumberOfVirtualFibreChannelAdapter"},
		"GetDPOStatus": {},
		"AddVSN":       {"VirtualSerialNumber"},
		"RemoveVSN":    {"VirtualSerialNumber", "ResetAutoAssign"},
		"TransferVSN":  {"VirtualSerialNumber", "TargetManagedSystem", "UserName", "Host", "TargetLparID"},
	},
}

// ErrUnknownOperation is returned for an operation a group does not have.
// It is a bad request, not a missing object: the object the job was sent
// to may well exist, and clients read a 404 as "the object is gone".
func ErrUnknownOperation(group, op string) error {
	return &model.Error{ID: "PVME01040102-0045", Kind: model.KindInvalid,
		Msg: fmt.Sprintf("The operation %s is not available on %s.", op, group)}
}

// StartJob validates a job request and starts it. Errors about the request
// itself (unknown operation, unknown object, bad parameters) come back
// directly; failures of the operation end the job with an error status.
func (c *Core) StartJob(a Actor, r JobRequest) (*Job, error) {
	ops, ok := JobOperations[r.Group]
	if !ok {
		return nil, ErrUnknownOperation(r.Group, r.Operation)
	}
	if _, ok := ops[r.Operation]; !ok {
		return nil, ErrUnknownOperation(r.Group, r.Operation)
	}
	if r.Group == "ManagedSystem" {
		return c.startSystemJob(a, r)
	}
	if r.Group == "Cluster" {
		return c.startClusterJob(a, r)
	}
	var target *model.Partition
	c.Read(func(st *model.State) { target = st.Partition(r.TargetUUID) })
	if target == nil || (r.Group == "VirtualIOServer") != target.IsVIOS() {
		return nil, model.ErrNoObject(r.Group, r.TargetUUID)
	}
	// The VIOS's storage jobs check the user themselves: their queries
	// (RBDExists, LUARecovery's QUERY_INVENTORY, ISCSIDiscovery of the
	// initiator's name) are reads a viewer may run, the rest change the
	// VIOS.
	if j, ok, err := c.startVIOSJob(a, r, target); ok {
		return j, err
	}
	// Power operations and the partitions' other jobs change things: a
	// user who may not is refused here, before a job is made.
	if err := checkActor(a); err != nil {
		return nil, err
	}
	switch r.Operation {
	case "Migrate", "MigrateValidate", "MigrateAbort", "MigrateRecover":
		return c.startMigrationJob(a, r)
	case "RemoteRestart":
		return c.startRemoteRestartJob(a, r)
	case "PowerOn":
		if err := checkBool("force", r.Param("force")); err != nil {
			return nil, err
		}
		keylock, err := sim.ParseKeylock(r.Param("keylock"))
		if err != nil {
			return nil, err
		}
		o := sim.PowerOnOpts{BootMode: r.Param("bootmode"), Keylock: keylock, Force: isTrue(r.Param("force")),
			IPLSource: strings.ToLower(strings.TrimSpace(r.Param("iIPLsource")))}
		if o.IPLSource != "" {
			if target.Type != model.TypeOS400 {
				return nil, errNotIBMi(target, "The PowerOn parameter iIPLsource")
			}
			if !containsStr(model.IPLSources, o.IPLSource) {
				return nil, model.ErrBadValue("iIPLsource", r.Param("iIPLsource"), "a, b, c, d")
			}
		}
		optical, err := parseRemoveOptical(r)
		if err != nil {
			return nil, err
		}
		switch op := strings.TrimSpace(r.Param("OperationType")); op {
		case "", sim.IBMiActivate:
		case sim.IBMiNetboot:
			if target.Type != model.TypeOS400 {
				return nil, errNotIBMi(target, "OperationType netboot")
			}
			if err := checkNetboot(r); err != nil {
				return nil, err
			}
			o.Netboot = true
		case sim.IBMiChangeKeylock:
			return c.changeKeylock(a, r, target, keylock)
		default:
			return nil, model.ErrBadValue("OperationType", op, "activate, netboot, changeKeylock")
		}
		job, err := c.newHoldingJob(a, r)
		if err != nil {
			return nil, err
		}
		if optical != nil {
			job.mu.Lock()
			job.ended = chainEnded(job.ended, func() { c.scheduleOpticalRemoval(job, target.UUID, *optical) })
			job.mu.Unlock()
		}
		c.runPower(a, job, r.TargetUUID, func(sys *model.ManagedSystem, acct model.Accounting, p *model.Partition) ([]sim.Step, error) {
			steps, err := sim.PowerOn(sys, acct, p, o, c.Timing())
			return stretch(steps, r.Duration), err
		})
		return job, nil
	case "PowerOff":
		for _, b := range []string{"immediate", "restart"} {
			if err := checkBool(b, r.Param(b)); err != nil {
				return nil, err
			}
		}
		o := sim.PowerOffOpts{Operation: r.Param("operation"), Immediate: isTrue(r.Param("immediate")), Restart: isTrue(r.Param("restart"))}
		job, err := c.newHoldingJob(a, r)
		if err != nil {
			return nil, err
		}
		c.runPower(a, job, r.TargetUUID, func(_ *model.ManagedSystem, _ model.Accounting, p *model.Partition) ([]sim.Step, error) {
			steps, err := sim.PowerOff(p, o, c.Timing())
			return stretch(steps, r.Duration), err
		})
		return job, nil
	case "CloneUUID":
		return c.cloneUUID(a, r, target)
	case "PanelFunction":
		return c.panelFunction(a, r, target)
	case "AddLicense":
		return c.addLicense(a, r, target)
	}
	return nil, ErrUnknownOperation(r.Group, r.Operation)
}

// newHoldingJob registers a job that is an operation in progress of its
// console (a normal-mode change of master waits for it).
func (c *Core) newHoldingJob(a Actor, r JobRequest) (*Job, error) {
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	job.mu.Lock()
	job.console, job.holds, job.ended = a.console(), true, c.settlePending
	job.mu.Unlock()
	return job, nil
}

// startSystemJob runs the jobs of the ManagedSystem.
func (c *Core) startSystemJob(a Actor, r JobRequest) (*Job, error) {
	sys := c.System()
	if !strings.EqualFold(r.TargetUUID, sys.UUID) {
		return nil, model.ErrNoObject(r.Group, r.TargetUUID)
	}
	if err := checkActor(a); err != nil && !ReadOnlyJobs[r.Group+"/"+r.Operation] {
		return nil, err
	}
	switch r.Operation {
	case "QueryReservedMemoryRequiredForPartition":
		return c.queryReservedMemory(a, r)
	case "GetDPOStatus":
		return c.getDPOStatus(a, r)
	case "AddVSN", "RemoveVSN", "TransferVSN":
		return c.vsnJob(a, r)
	case "RequestMaster", "RequestController":
		status := r.Param("coManagementMasterStatus")
		if r.Operation == "RequestController" {
			status = r.Param("coManagementControllerStatus")
		}
		mode, force, err := ParseMasterMode(status)
		if err != nil {
			return nil, err
		}
		job, err := c.Jobs.New(a.User, r.Operation, r.Group, sys.UUID, r.RequestURL, r.Params)
		if err != nil {
			return nil, err
		}
		c.RequestMaster(a, job, mode, force)
		return job, nil
	case "UpdateFirmware":
		img, err := ParseFirmwareImage(r.Param("image"))
		if err != nil {
			return nil, err
		}
		job, err := c.newHoldingJob(a, r)
		if err != nil {
			return nil, err
		}
		job.setCancel(func(Actor) error {
			return model.Refused("A firmware update cannot be stopped once it has started; the job ends when the system runs at the new level.")
		})
		c.UpdateFirmware(a, job, img)
		return job, nil
	case "ReleaseMaster", "ReleaseController":
		job, err := c.Jobs.New(a.User, r.Operation, r.Group, sys.UUID, r.RequestURL, r.Params)
		if err != nil {
			return nil, err
		}
		if err := c.ReleaseMaster(a); err != nil {
			job.finish(c.clock.Now(), JobError, err.Error())
		} else {
			job.finish(c.clock.Now(), JobOK, "")
		}
		return job, nil
	}
	return nil, ErrUnknownOperation(r.Group, r.Operation)
}

// withNVRAM adds NVRAM to the details of a step's event when the step
// changed the partition's NVRAM (nova's NVRAM store listens for it).
func withNVRAM(old, n *model.Partition, detail []string) []string {
	if old.NVRAM == n.NVRAM {
		return detail
	}
	return append(append([]string(nil), detail...), "NVRAM")
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

func checkBool(name, v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "true", "false":
		return nil
	}
	return model.ErrBadValue(name, v, "true, false")
}

// runPower plans a power operation and applies its first step at once (in
// the same writer transaction as the checks, so no other operation can
// slip between them); the rest follow on the clock.
func (c *Core) runPower(a Actor, job *Job, uuid string, plan func(*model.ManagedSystem, model.Accounting, *model.Partition) ([]sim.Step, error)) {
	var steps []sim.Step
	var gen uint64
	var name string
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.IsMgmt {
			return model.ErrMgmtPartition("powered on or off from its own management service")
		}
		if p.Mig != nil {
			return errMigrationHolds(p)
		}
		if p.RRState == model.RRSourceRestarted {
			return model.Refused("Partition %s was restarted on another system; it cannot start here (clean it up with the RemoteRestart job's cleanup operation).", p.Name)
		}
		if err := systemPoweredOff(tx.System()); err != nil {
			return err
		}
		others := tx.Accounting().Sub(p.Holds())
		var err error
		steps, err = plan(tx.System(), others, p)
		if err != nil {
			return err
		}
		n := p.Clone()
		n.Op++
		gen, name = n.Op, n.Name
		steps[0].Apply(n, tx.Now())
		if n.Active() && !p.Active() {
			if err := tx.checkPartitionPool(n); err != nil {
				return err
			}
		}
		tx.settleRMC(n)
		tx.PutPartition(n, withNVRAM(p, n, steps[0].Detail)...)
		return nil
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
		return
	}
	job.note(fmt.Sprintf("%s of partition %s started", job.op, name))
	job.setCancel(func(ca Actor) error { return c.cancelPower(ca, job, uuid, gen, name) })
	if steps[0].Done {
		job.finish(c.clock.Now(), JobOK, "")
	}
	c.continuePlan(uuid, gen, steps, 0, job)
}

// cancelPower stops a power-on that is under way: the partition is left
// powered off (never half started) and the job ends with an error saying
// so. A power-on whose partition has started (only RMC is still coming
// up), and a power-off (a shutdown cannot be taken back), are not
// stopped: the job goes on to its end.
func (c *Core) cancelPower(a Actor, job *Job, uuid string, gen uint64, name string) error {
	if job.op != "PowerOn" {
		return model.Refused("A power-off in progress cannot be stopped; the job ends when partition %s is off.", name)
	}
	msg := fmt.Sprintf("The job was cancelled at the request of user %s: the power-on of partition %s was stopped and the partition left powered off.", a.User, name)
	setStopped := func(m string) {
		job.mu.Lock()
		job.stopped = m // the plan's next step, superseded, ends the job with it if it comes first
		job.mu.Unlock()
	}
	stopped := false
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil || p.Op != gen || !job.running() {
			return nil // it has ended, or another operation took over
		}
		if p.State != model.StateStarting {
			return model.Refused("Partition %s has started (%s); its power-on can no longer be stopped: the job ends when RMC is up.", name, p.State)
		}
		q := p.Clone()
		q.Op++
		sim.Abort(q)
		tx.PutPartition(q, "PartitionState")
		setStopped(msg)
		stopped = true
		return nil
	})
	if err != nil {
		setStopped("")
		return err
	}
	if !stopped {
		return model.Refused("The operation of job %d has already ended, or another operation on partition %s took it over; nothing was stopped.", job.id, name)
	}
	job.finish(c.clock.Now(), JobError, msg)
	return nil
}

// stoppedMessage is the message of a job a cancel stopped ("" if none).
func (j *Job) stoppedMessage() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stopped
}

// continuePlan schedules step i+1 of a plan after step i.
func (c *Core) continuePlan(uuid string, gen uint64, steps []sim.Step, i int, job *Job) {
	if i+1 >= len(steps) {
		return
	}
	next := steps[i+1]
	c.schedule(next.At-steps[i].At, func() {
		err := c.Apply(internalActor, func(tx *Tx) error {
			p := tx.Partition(uuid)
			if p == nil || p.Op != gen {
				return errSuperseded
			}
			n := p.Clone()
			next.Apply(n, tx.Now())
			tx.settleRMC(n)
			if *n == *p {
				return nil // e.g. RMC cannot come up without a MGMTSWITCH adapter
			}
			tx.PutPartition(n, withNVRAM(p, n, next.Detail)...)
			return nil
		})
		switch {
		case errors.Is(err, errSuperseded):
			if job != nil {
				msg := "The operation was interrupted: the partition was deleted or another power operation started on it."
				if m := job.stoppedMessage(); m != "" {
					msg = m
				}
				job.finish(c.clock.Now(), JobError, msg)
			}
			return
		case err != nil:
			if job != nil {
				job.finish(c.clock.Now(), JobError, err.Error())
			}
			return
		}
		if next.Done && job != nil {
			job.finish(c.clock.Now(), JobOK, "")
		}
		c.continuePlan(uuid, gen, steps, i+1, job)
	})
}

// recover resumes the transitions a previous run left half way (a boot, a
// shutdown, RMC coming up): the plans are not stored, so each partition
// gets the rest of its plan from its stored state (sim.Resume).
func (c *Core) recover() {
	type resume struct {
		uuid  string
		op    uint64
		steps []sim.Step
	}
	var todo []resume
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if steps := sim.Resume(p, c.Timing()); steps != nil {
				todo = append(todo, resume{p.UUID, p.Op, steps})
			}
		}
	})
	for _, r := range todo {
		c.continuePlan(r.uuid, r.op, r.steps, 0, nil)
	}
	if len(todo) > 0 {
		c.log.Info("resumed partition transitions left by the previous run", "partitions", len(todo))
	}
}
