package core

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Backups of the configuration: the profile.bak of the partition
// configuration (bkprofdata, the scheduled system backups) and the viosbr
// archive of each VIOS (the scheduled VIOS backups), and the restore of a
// profile.bak (rstprofdata) by file content.

// ScheduledVIOSBackup is the viosbr file name the scheduled backups use on
// each VIOS (in /home/padmin/cfgbackups, overwritten every time): the
// daemon copies it to the backup directory.
const ScheduledVIOSBackup = "pvm_scheduled"

// BackupProfile returns the profile.bak of the committed configuration
// and the managed system it is of. force takes the backup even while the
// managed system is not operating (during a firmware update's IPL, say),
// when the configuration may be in flux.
func (c *Core) BackupProfile(force bool) ([]byte, *model.ManagedSystem, error) {
	var p *backup.Profile
	var sys *model.ManagedSystem
	var err error
	c.Read(func(st *model.State) {
		s := *st.System
		sys = &s
		if !force && st.System.State != model.SystemOperating {
			err = model.Refused("The managed system %s is %s; its partition configuration may be changing. Take the backup with the force option to back it up anyway.", st.System.Name, st.System.State)
			return
		}
		p = backup.FromState(st, c.clock.Now())
	})
	if err != nil {
		return nil, sys, err
	}
	data, err := backup.Write(p)
	if err != nil {
		return nil, sys, fmt.Errorf("write profile.bak: %w", err)
	}
	c.log.Info("partition configuration backed up", "partitions", len(p.Records), "bytes", len(data))
	return data, sys, nil
}

// RestoreProfile restores the partition configuration from the content of
// a profile.bak at a level (RestoreFull ... RestoreInitializing). A file
// that is not a profile.bak of this release, or of another managed system
// (unless ignoreMTMS), is refused before anything changes.
func (c *Core) RestoreProfile(a Actor, data []byte, level int, ignoreMTMS, ignoreMAC bool) (*RestoreReport, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, model.Invalid("The backup file is empty; it holds no partition configuration.")
	}
	prof, err := backup.Parse(data)
	if err != nil {
		return nil, model.Invalid("The backup file is not a valid profile.bak: %v", err)
	}
	sys := c.System()
	if err := backup.CheckMTMS(prof, sys, ignoreMTMS); err != nil {
		return nil, err
	}
	r, err := prof.ToModel(sys)
	if err != nil {
		if model.KindOf(err) == model.KindInternal {
			err = model.Invalid("The backup file cannot be restored: %v", err)
		}
		return nil, err
	}
	rep, err := c.Restore(a, r, level, ignoreMAC)
	if err != nil {
		c.log.Warn("partition configuration not restored", "user", a.User, "level", level, "err", err)
		return nil, err
	}
	c.log.Info("partition configuration restored", "user", a.User, "level", level,
		"created", len(rep.Created), "replaced", len(rep.Replaced), "unchanged", len(rep.Unchanged),
		"deleted", len(rep.Deleted), "skipped", len(rep.Skipped), "warnings", len(rep.Warnings))
	return rep, nil
}

// BackupVIOSes takes a viosbr backup on every VIOS (the scheduled
// backups): each runs "viosbr -backup -file pvm_scheduled" and its
// /home/padmin/cfgbackups/pvm_scheduled.tar.gz is read back. A VIOS that
// cannot be reached (not running, no RMC) or whose backup fails gives a
// backup without Data and with the reason in Err; the others are still
// taken.
func (c *Core) BackupVIOSes() []backup.VIOSBackup {
	type vinfo struct {
		id         int
		uuid, name string
	}
	var vs []vinfo
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.IsVIOS() {
				vs = append(vs, vinfo{p.ID, p.UUID, p.Name})
			}
		}
	})
	sort.Slice(vs, func(i, j int) bool { return vs[i].id < vs[j].id })
	out := make([]backup.VIOSBackup, 0, len(vs))
	for _, v := range vs {
		b := backup.VIOSBackup{ID: v.id}
		b.Data, b.Err = c.backupVIOS(v.uuid)
		if b.Err != nil {
			b.Err = fmt.Errorf("VIOS %s (ID %d): %w", v.name, v.id, b.Err)
		}
		out = append(out, b)
	}
	return out
}

// backupVIOS runs the scheduled viosbr backup on one VIOS and returns the
// archive.
func (c *Core) backupVIOS(uuid string) ([]byte, error) {
	res, err := c.RunIOSCLI(internalActor, uuid, "viosbr -backup -file "+ScheduledVIOSBackup, false)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, errors.New(strings.TrimSpace(res.Err))
	}
	return c.VIOSFS(uuid).Read(path.Join(vios.CfgBackups, ScheduledVIOSBackup+".tar.gz"))
}

// BackupDir is the directory of this managed system's scheduled backups:
// <BackupDir>/<MTMS>.
func (c *Core) BackupDir() string { return backup.Dir(c.cfg.BackupDir, c.System()) }

// BackupBase is the base directory of the scheduled backups.
func (c *Core) BackupBase() string { return c.cfg.BackupDir }

// ListBackups lists the scheduled backups of this managed system, oldest
// first.
func (c *Core) ListBackups() ([]backup.Info, error) {
	l, err := backup.List(c.BackupDir())
	if err != nil {
		return nil, fmt.Errorf("list the backups: %w", err)
	}
	return l, nil
}
