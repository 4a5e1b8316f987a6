package core

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The IBM i side of the partition jobs: PowerOn's IBM i parameters
// (iIPLsource, OperationType activate/netboot/changeKeylock and the
// netboot parameters), the PanelFunction and AddLicense jobs; and
// PowerOn's removal of a virtual optical media some time after the boot
// (remove_optical_name, remove_optical_time: nova's config drive).

// PanelFunctions are the operations of the PanelFunction job (the IBM i
// control panel functions the HMC offers), with the panel function
// number each stands for.
var PanelFunctions = map[string]int{
	"dumprestart": 22, "dston": 21, "retrydump": 34, "remotedstoff": 65,
	"remotedston": 66, "iopreset": 67, "iopdump": 70, "consoleservice": 65,
}

func errNotIBMi(p *model.Partition, what string) error {
	return model.Invalid("%s applies to IBM i (OS400) partitions only; the type of %s is %s.", what, p.Name, p.Type)
}

// checkNetboot checks the parameters of an IBM i network install: the
// addresses and the image directory are required, the rest optional.
func checkNetboot(r JobRequest) error {
	for _, name := range []string{"IPAddress", "ServerIPAddress", "Gateway"} {
		v := strings.TrimSpace(r.Param(name))
		if v == "" {
			return model.Invalid("The netboot operation needs the parameter %s.", name)
		}
		if net.ParseIP(v) == nil {
			return model.ErrBadValue(name, v, "an IPv4 or IPv6 address")
		}
	}
	if strings.TrimSpace(r.Param("IBMiImageServerDirectory")) == "" {
		return model.Invalid("The netboot operation needs the parameter IBMiImageServerDirectory.")
	}
	if v := strings.TrimSpace(r.Param("SubnetMask")); v != "" && net.ParseIP(v) == nil {
		return model.ErrBadValue("SubnetMask", v, "an IPv4 mask (255.255.255.0)")
	}
	for _, n := range []struct {
		name   string
		lo, hi int
	}{{"VLANID", 0, 4094}, {"MaximumTransmissionUnit", 576, 9000}} {
		if v := strings.TrimSpace(r.Param(n.name)); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < n.lo || i > n.hi {
				return model.ErrBadValue(n.name, v, fmt.Sprintf("%d to %d", n.lo, n.hi))
			}
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(r.Param("DuplexMode"))); v {
	case "", "auto", "half", "full":
	default:
		return model.ErrBadValue("DuplexMode", v, "auto, half, full")
	}
	switch v := strings.ToLower(strings.TrimSpace(r.Param("ConnectionSpeed"))); v {
	case "", "auto", "1", "10", "100", "1000":
	default:
		return model.ErrBadValue("ConnectionSpeed", v, "auto, 1, 10, 100, 1000")
	}
	return nil
}

// changeKeylock runs PowerOn with OperationType changeKeylock: the
// keylock of an IBM i partition changes (in any state); nothing starts.
func (c *Core) changeKeylock(a Actor, r JobRequest, target *model.Partition, keylock string) (*Job, error) {
	if target.Type != model.TypeOS400 {
		return nil, errNotIBMi(target, "OperationType changeKeylock")
	}
	if keylock == "" {
		return nil, model.Invalid("OperationType changeKeylock needs the parameter keylock (norm or manual).")
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	err = c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(target.UUID)
		if p == nil {
			return model.ErrNoPartition(target.UUID)
		}
		if p.Keylock == keylock {
			return nil
		}
		n := p.Clone()
		n.Keylock = keylock
		tx.PutPartition(n, "Other")
		return nil
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
	} else {
		job.finish(c.clock.Now(), JobOK, "")
	}
	return job, nil
}

// panelFunction runs an IBM i control panel function on a running IBM i
// partition. dumprestart dumps and restarts it (as PowerOff's
// dumprestart); the service functions are accepted and noted.
func (c *Core) panelFunction(a Actor, r JobRequest, target *model.Partition) (*Job, error) {
	op := strings.ToLower(strings.TrimSpace(r.Param("operation")))
	fn, ok := PanelFunctions[op]
	if !ok {
		return nil, model.ErrBadValue("operation", r.Param("operation"), "dumprestart, dston, retrydump, remotedstoff, remotedston, iopreset, iopdump, consoleservice")
	}
	if target.Type != model.TypeOS400 {
		return nil, errNotIBMi(target, "The PanelFunction job")
	}
	if op == "dumprestart" {
		job, err := c.newHoldingJob(a, r)
		if err != nil {
			return nil, err
		}
		c.runPower(a, job, target.UUID, func(_ *model.ManagedSystem, _ model.Accounting, p *model.Partition) ([]sim.Step, error) {
			return sim.PowerOff(p, sim.PowerOffOpts{Operation: "dumprestart"}, c.Timing())
		})
		return job, nil
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	// A panel function acts on the partition: only the management master
	// may send one, although nothing of the configuration changes.
	if err := c.masterAllowsNow(a); err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
		return job, nil
	}
	var cur *model.Partition
	c.Read(func(st *model.State) { cur = st.Partition(target.UUID) })
	if cur == nil || cur.State != model.StateRunning {
		state := model.StateNotActivated
		if cur != nil {
			state = cur.State
		}
		job.finish(c.clock.Now(), JobError, model.ErrOpNotAllowed(target.Name, state, "control panel function "+strconv.Itoa(fn)+" ("+op+")").Error())
		return job, nil
	}
	job.note(fmt.Sprintf("Control panel function %d (%s) sent to partition %s", fn, op, cur.Name))
	job.finish(c.clock.Now(), JobOK, "")
	return job, nil
}

// addLicense records a license key for an IBM i partition (the
// AddLicense job).
func (c *Core) addLicense(a Actor, r JobRequest, target *model.Partition) (*Job, error) {
	key := strings.TrimSpace(r.Param("licKey"))
	if key == "" {
		return nil, model.Invalid("The AddLicense job needs the parameter licKey.")
	}
	if len(key) > 1024 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, model.ErrBadValue("licKey", key, "a license key of printable characters, at most 1024")
	}
	if target.Type != model.TypeOS400 {
		return nil, errNotIBMi(target, "The AddLicense job")
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	err = c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(target.UUID)
		if p == nil {
			return model.ErrNoPartition(target.UUID)
		}
		n := p.Clone()
		n.LicenseKey = key
		tx.PutPartition(n, "Other")
		return nil
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
	} else {
		job.finish(c.clock.Now(), JobOK, "")
	}
	return job, nil
}

// removeOptical is PowerOn's request to remove a virtual optical media
// some minutes after the boot.
type removeOptical struct {
	name  string
	after time.Duration
}

func parseRemoveOptical(r JobRequest) (*removeOptical, error) {
	name := strings.TrimSpace(r.Param("remove_optical_name"))
	t := strings.TrimSpace(r.Param("remove_optical_time"))
	if name == "" {
		if t != "" {
			return nil, model.Invalid("remove_optical_time needs remove_optical_name: the virtual optical media to remove.")
		}
		return nil, nil
	}
	mins := 0
	if t != "" {
		var err error
		if mins, err = strconv.Atoi(t); err != nil || mins < 0 {
			return nil, model.ErrBadValue("remove_optical_time", t, "a number of minutes, 0 or more")
		}
	}
	return &removeOptical{name: name, after: time.Duration(mins) * time.Minute}, nil
}

// chainEnded runs first, then then, when a job ends.
func chainEnded(first, then func()) func() {
	return func() {
		if first != nil {
			first()
		}
		then()
	}
}

// scheduleOpticalRemoval removes, once a PowerOn job has ended well and
// the time has passed, the named virtual optical media from the
// partition: its mappings to the partition are removed (the adapters
// stay) and the media is deleted from its repository.
func (c *Core) scheduleOpticalRemoval(job *Job, partition string, ro removeOptical) {
	if job.Snapshot().Status != JobOK {
		return
	}
	c.schedule(ro.after, func() {
		err := c.Apply(internalActor, func(tx *Tx) error {
			var media *model.OpticalMedia
			tx.each(model.KindMedia, func(o model.Object) {
				m := o.(*model.OpticalMedia)
				if m.Name != ro.name {
					return
				}
				for _, mp := range vios.MappingsOf(tx, model.BackMedia, m.UUID) {
					if mp.Client == partition {
						media = m
					}
				}
			})
			if media == nil {
				return nil
			}
			for _, mp := range vios.MappingsOf(tx, model.BackMedia, media.UUID) {
				if err := vios.UnmapSCSI(tx, mp, true); err != nil {
					return err
				}
			}
			return vios.RemoveMedia(tx, media)
		})
		if err != nil {
			c.log.Warn("removing the virtual optical media after boot failed", "media", ro.name, "partition", partition, "err", err)
		}
	})
}

// masterAllowsNow checks, for an operation that acts on the system
// without changing its configuration, that a's console is the management
// master (Apply checks the others).
func (c *Core) masterAllowsNow(a Actor) error {
	if a.Internal {
		return nil
	}
	if err := checkActor(a); err != nil {
		return err
	}
	return masterAllows(c.System(), a)
}
