package backup

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// VIOSBackup is the viosbr archive (.tar.gz bytes) of one VIOS.
type VIOSBackup struct {
	ID   int // partition ID
	Data []byte
	// Err says why there is no backup of the VIOS (it is not running,
	// its RMC is down, viosbr failed): logged as a failure of the slot.
	Err error
}

// Config is what a Scheduler needs.
type Config struct {
	// Base is the backup directory; the files go to Dir(Base, system).
	Base string
	// Clock drives the schedule (sim.RealClock{} in production).
	Clock sim.Clock
	// Location is the time zone of the schedule and of the HH/DD in the
	// file names (time.Local when nil).
	Location *time.Location
	Logger   *slog.Logger
	// System returns the profile.bak bytes of the managed system, and
	// the system (for the directory name).
	System func() (data []byte, sys *model.ManagedSystem, err error)
	// VIOS returns the viosbr archive of each VIOS; nil, or a backup
	// without Data, means none is written.
	VIOS func() ([]VIOSBackup, error)
	// OnRun, when set, is called after each backup slot (tests, metrics).
	OnRun func(Run)
	// HourlySpec replaces the hourly schedule "15 * * * *" by another cron
	// line or a period (a Go duration such as 10s): pvmd --backup-hourly,
	// for watching backups happen without waiting an hour.
	HourlySpec string
}

// Run reports one backup slot.
type Run struct {
	Frequency Frequency
	Time      time.Time // the slot: hh:15 (hourly), 00:15 (daily)
	Written   []string  // paths written
	Err       error     // what failed (nil when all went well)
}

// The schedule: every hour at :15, and every day at 00:15.
const (
	hourlySpec = "15 * * * *"
	dailySpec  = "15 0 * * *"
	slotMinute = 15
)

// Scheduler takes the hourly and daily backups.
type Scheduler struct {
	cfg   Config
	sched gocron.Scheduler

	runMu   sync.Mutex                // one backup at a time (at 00:15 hourly and daily take turns)
	freqMu  map[Frequency]*sync.Mutex // held while a backup of that frequency runs
	lastSys *model.ManagedSystem      // under runMu: for the VIOS backups when System fails
}

// New makes a scheduler; Start starts it.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Base == "" {
		return nil, errors.New("backup: no backup directory")
	}
	if cfg.System == nil {
		return nil, errors.New("backup: no System function")
	}
	if cfg.Clock == nil {
		cfg.Clock = sim.RealClock{}
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Scheduler{cfg: cfg, freqMu: map[Frequency]*sync.Mutex{Hourly: {}, Daily: {}}}
	var err error
	s.sched, err = gocron.NewScheduler(
		gocron.WithClock(Clockwork(cfg.Clock)),
		gocron.WithLocation(cfg.Location),
		gocron.WithLogger(quietLogger{cfg.Logger.With("component", "gocron")}),
	)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, j := range []struct {
		spec string
		freq Frequency
	}{{orSpec(cfg.HourlySpec, hourlySpec), Hourly}, {dailySpec, Daily}} {
		def := gocron.CronJob(j.spec, false)
		if d, err := time.ParseDuration(j.spec); err == nil && d > 0 {
			def = gocron.DurationJob(d)
		}
		if _, err := s.sched.NewJob(def, gocron.NewTask(s.run, j.freq),
			gocron.WithName("backup "+string(j.freq))); err != nil {
			_ = s.sched.Shutdown()
			return nil, fmt.Errorf("backup: %s job: %w", j.freq, err)
		}
	}
	return s, nil
}

// Start starts the schedule.
func (s *Scheduler) Start() { s.sched.Start() }

// Sync returns once the scheduler's loop has handled everything before
// the call (the bookkeeping of a run that just ended, the timers of the
// next slots): tests call it before moving a fake clock on.
func (s *Scheduler) Sync() { s.sched.Jobs() }

// Stop stops the schedule and waits for a backup in progress.
func (s *Scheduler) Stop() error { return s.sched.Shutdown() }

// slotTime is the slot a run at now belongs to: the last hh:15 (hourly)
// or 00:15 (daily) at or before now, in the schedule's location.
func (s *Scheduler) slotTime(freq Frequency, now time.Time) time.Time {
	now = now.In(s.cfg.Location)
	t := time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), slotMinute, 0, 0, s.cfg.Location)
	if freq == Daily {
		t = time.Date(now.Year(), now.Month(), now.Day(), 0, slotMinute, 0, 0, s.cfg.Location)
		if t.After(now) {
			t = time.Date(now.Year(), now.Month(), now.Day()-1, 0, slotMinute, 0, 0, s.cfg.Location)
		}
	} else if t.After(now) {
		t = t.Add(-time.Hour)
	}
	return t
}

// ErrSkipped is the error of a slot skipped because the previous backup
// of the same frequency was still running.
var ErrSkipped = errors.New("backup: the previous backup is still running; this one is skipped")

// run takes the backups of one slot. The hourly and the daily backup
// take turns (at 00:15 one waits for the other); a backup whose previous
// run of the same frequency is still going (a System or VIOS function
// that hangs) is skipped, so that waiting runs do not pile up.
func (s *Scheduler) run(freq Frequency) {
	r := Run{Frequency: freq, Time: s.slotTime(freq, s.cfg.Clock.Now())}
	if m := s.freqMu[freq]; m.TryLock() {
		s.runMu.Lock()
		s.backup(&r)
		s.runMu.Unlock()
		m.Unlock()
	} else {
		r.Err = ErrSkipped
		s.cfg.Logger.Warn("backup skipped", "frequency", string(freq), "slot", r.Time.Format(time.RFC3339), "err", r.Err)
	}
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(r)
	}
}

// backup takes the backups of a slot: the system's profile, then each VIOS.
func (s *Scheduler) backup(r *Run) {
	freq := r.Frequency
	log := s.cfg.Logger.With("frequency", string(freq), "slot", r.Time.Format(time.RFC3339))
	fail := func(what string, err error) {
		log.Error("backup failed", "what", what, "err", err)
		if r.Err == nil {
			r.Err = fmt.Errorf("%s: %w", what, err)
		}
	}

	data, sys, err := s.cfg.System()
	if err == nil && sys == nil {
		err = errors.New("no managed system")
	}
	if err == nil {
		s.lastSys = sys
	} else {
		sys = s.lastSys
	}
	if err != nil {
		fail("system profile", err)
	}
	if sys == nil {
		return // no directory to write the VIOS backups to either
	}
	dir := Dir(s.cfg.Base, sys)
	if e := os.MkdirAll(dir, 0o750); e != nil {
		fail("backup directory", e)
		return
	}
	if e := RemoveStale(dir); e != nil {
		log.Warn("cannot remove the temporary files of an interrupted backup", "dir", dir, "err", e)
	}
	write := func(name string, b []byte) {
		path := filepath.Join(dir, name)
		if e := writeAtomic(path, b, FileMode, r.Time); e != nil {
			fail(name, e)
			return
		}
		r.Written = append(r.Written, path)
		log.Info("backup written", "file", path, "bytes", len(b))
	}
	if err == nil {
		write(SystemName(freq, r.Time), data)
	}
	if s.cfg.VIOS == nil {
		return
	}
	vs, err := s.cfg.VIOS()
	if err != nil {
		fail("VIOS backups", err)
		return
	}
	for _, v := range vs {
		if v.Err != nil {
			fail(fmt.Sprintf("VIOS %d", v.ID), v.Err)
			continue
		}
		if v.Data == nil {
			log.Warn("no viosbr backup of the VIOS", "vios", v.ID)
			continue
		}
		write(VIOSName(v.ID, freq, r.Time), v.Data)
	}
}

// quietLogger passes gocron's messages on, its routine ones (scheduler
// created, started) at debug level.
type quietLogger struct{ l *slog.Logger }

func (q quietLogger) Debug(msg string, args ...any) { q.l.Debug(msg, args...) }
func (q quietLogger) Info(msg string, args ...any)  { q.l.Debug(msg, args...) }
func (q quietLogger) Warn(msg string, args ...any)  { q.l.Warn(msg, args...) }
func (q quietLogger) Error(msg string, args ...any) { q.l.Error(msg, args...) }

func orSpec(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
