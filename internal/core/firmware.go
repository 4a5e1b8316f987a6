package core

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Firmware updates: a (simulated) firmware image is a small manifest; the
// update shuts every partition down, re-IPLs the server at the new level
// and starts the partitions that start automatically.

// FirmwareImage is what a firmware image file says about itself.
type FirmwareImage struct {
	Level        string   // e.g. SV860_180
	MachineTypes []string // empty: any
}

var firmwareLevelRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{3}_[0-9]{3}$`)

// ParseFirmwareImage reads a manifest: a first line FIRMWARE_IMAGE, then
// key=value lines: level (required, like SV860_180) and machine_types
// (space separated, optional); # starts a comment.
func ParseFirmwareImage(data string) (*FirmwareImage, error) {
	bad := func(format string, args ...any) error {
		return &model.Error{ID: "PVME01050970-0110", Kind: model.KindInvalid, Msg: "The firmware image is not valid: " + fmt.Sprintf(format, args...)}
	}
	sc := bufio.NewScanner(strings.NewReader(data))
	img := &FirmwareImage{}
	first := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if first {
			if line != "FIRMWARE_IMAGE" {
				return nil, bad("line %d: it does not start with FIRMWARE_IMAGE.", n)
			}
			first = false
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, bad("line %d: %q is not key=value.", n, line)
		}
		switch strings.TrimSpace(k) {
		case "level":
			img.Level = strings.TrimSpace(v)
		case "machine_types":
			img.MachineTypes = strings.Fields(v)
		default:
			return nil, bad("line %d: unknown key %q.", n, k)
		}
	}
	if first {
		return nil, bad("it is empty.")
	}
	if !firmwareLevelRE.MatchString(img.Level) {
		return nil, bad("the level %q is not a firmware level such as SV860_180.", img.Level)
	}
	return img, nil
}

// UpdateFirmware runs a disruptive firmware update as a job. NovaLink may
// update only a server it manages alone; on a co-managed server the HMC
// does it, as master.
func (c *Core) UpdateFirmware(a Actor, job *Job, img *FirmwareImage) {
	var down []string
	err := c.Apply(a, func(tx *Tx) error {
		sys := tx.System()
		if a.console() == model.ConsoleNovaLink && sys.CoManaged {
			return &model.Error{ID: "PVME01050970-0111", Kind: model.KindRefused,
				Msg: "The system is co-managed by an HMC: the firmware must be updated from the HMC while it is the PowerVM management master."}
		}
		if len(img.MachineTypes) > 0 && !containsStr(img.MachineTypes, sys.Type) {
			return &model.Error{ID: "PVME01050970-0112", Kind: model.KindInvalid,
				Msg: fmt.Sprintf("The firmware image is for machine types %s, not %s.", strings.Join(img.MachineTypes, " "), sys.Type)}
		}
		if img.Level == sys.FirmwareLevel {
			return &model.Error{ID: "PVME01050970-0113", Kind: model.KindRefused,
				Msg: fmt.Sprintf("The system already runs firmware level %s.", img.Level)}
		}
		if sys.State != model.SystemOperating {
			return model.Refused("The system is %s; the firmware can be updated only when it is operating.", sys.State)
		}
		for _, p := range tx.st.SortedPartitions(nil) {
			if transitional(p) {
				return model.ErrBusy(p.Name, p.State)
			}
		}
		n := sys.Clone()
		n.PendingFirmware = img.Level
		n.State = model.SystemPoweringOff
		tx.PutSystem(n)
		for _, p := range tx.st.SortedPartitions(nil) {
			if !p.Active() {
				continue
			}
			q := p.Clone()
			q.Op++
			q.State, q.RefCode, q.RMCState = model.StateShuttingDown, sim.RefCodeShutdown, model.RMCInactive
			tx.PutPartition(q, "PartitionState", "ReferenceCode")
			down = append(down, q.Name)
		}
		return nil
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
		return
	}
	job.note(fmt.Sprintf("Firmware level %s validated; shutting down %d partition(s).", img.Level, len(down)))
	c.schedule(c.Timing().VSPShutdown, func() { c.firmwareIPL(job) })
}

// firmwareIPL goes on with an update: everything off, the new level, the
// server operating again, the automatic starts.
func (c *Core) firmwareIPL(job *Job) {
	note := func(s string) {
		if job != nil {
			job.note(s)
		}
	}
	fail := func(err error) {
		if job != nil {
			job.finish(c.clock.Now(), JobError, err.Error())
		}
	}
	if err := c.Apply(internalActor, func(tx *Tx) error {
		n := tx.System().Clone()
		n.State = model.SystemInitializing
		tx.PutSystem(n)
		for _, p := range tx.st.SortedPartitions(nil) {
			if p.Active() || p.State == model.StateShuttingDown {
				q := p.Clone()
				q.Op++
				sim.Abort(q)
				tx.PutPartition(q, "PartitionState", "ReferenceCode", "Other")
			}
		}
		return nil
	}); err != nil {
		fail(err)
		return
	}
	note("All partitions are off; the server is restarting with the new firmware.")
	c.schedule(c.Timing().SystemIPL, func() {
		var level string
		var starts []string
		err := c.Apply(internalActor, func(tx *Tx) error {
			n := tx.System().Clone()
			if n.PendingFirmware != "" {
				n.FirmwareLevel, n.PendingFirmware = n.PendingFirmware, ""
			}
			n.State = model.SystemOperating
			level = n.FirmwareLevel
			tx.PutSystem(n)
			for _, p := range tx.st.SortedPartitions(nil) {
				if p.AutoStart && !p.Active() {
					starts = append(starts, p.UUID)
				}
			}
			return nil
		})
		if err != nil {
			fail(err)
			return
		}
		note(fmt.Sprintf("The server is operating at firmware level %s.", level))
		started := 0
		for _, uuid := range starts {
			if c.autoStart(uuid) {
				started++
			}
		}
		if job != nil {
			job.finish(c.clock.Now(), JobOK, "", Param{Name: "firmwareLevel", Value: level},
				Param{Name: "partitionsStarted", Value: fmt.Sprint(started)})
		}
	})
}

// autoStart powers a partition on as the hypervisor does after an IPL.
func (c *Core) autoStart(uuid string) bool {
	var steps []sim.Step
	var gen uint64
	err := c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		var err error
		steps, err = sim.PowerOn(tx.System(), tx.Accounting().Sub(p.Holds()), p, sim.PowerOnOpts{}, c.Timing())
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
		c.log.Warn("automatic start after the IPL failed", "partition", uuid, "err", err)
		return false
	}
	c.continuePlan(uuid, gen, steps, 0, nil)
	return true
}

// resumeFirmware finishes an update the previous run left half way.
func (c *Core) resumeFirmware() {
	if sys := c.System(); sys.State == model.SystemPoweringOff || sys.State == model.SystemInitializing {
		c.log.Info("resuming the firmware update left by the previous run", "level", sys.PendingFirmware)
		c.firmwareIPL(nil)
	}
}

// MarkCoManaged records that an HMC manages the system too (it logged on
// or asked for mastership).
func (c *Core) MarkCoManaged() error {
	if c.System().CoManaged {
		return nil
	}
	return c.Apply(internalActor, func(tx *Tx) error {
		if tx.System().CoManaged {
			return nil
		}
		n := tx.System().Clone()
		n.CoManaged = true
		tx.PutSystem(n)
		return nil
	})
}
