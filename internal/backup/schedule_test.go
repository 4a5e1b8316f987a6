package backup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// waitFor polls cond (the scheduler works in its own goroutines) until it
// holds, failing after a generous real-time limit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSchedule(t *testing.T) {
	start := time.Date(2026, 5, 30, 23, 0, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	clock := sim.NewFakeClock(start)
	base := t.TempDir()
	sys := testSystem()
	dir := Dir(base, sys)

	// The injected backups: their content says when they were taken.
	systemFails := time.Date(2026, 6, 1, 5, 15, 0, 0, time.UTC)
	writeFails := time.Date(2026, 6, 1, 7, 15, 0, 0, time.UTC)
	profile := func(at time.Time) string { return "profile.bak of " + at.Format(time.RFC3339) }
	viosbr := func(id int, at time.Time) string {
		return fmt.Sprintf("viosbr of VIOS %d at %s", id, at.Format(time.RFC3339))
	}
	var calls sync.Map
	system := func() ([]byte, *model.ManagedSystem, error) {
		now := clock.Now()
		calls.Store(now, true)
		if now.Equal(systemFails) {
			return nil, nil, errors.New("the core is busy")
		}
		return []byte(profile(now)), sys, nil
	}
	vios := func() ([]VIOSBackup, error) {
		now := clock.Now()
		return []VIOSBackup{{ID: 2, Data: []byte(viosbr(2, now))}, {ID: 3, Data: []byte(viosbr(3, now))}, {ID: 4}}, nil
	}
	atomicfile.HookBeforeRename = func(tmp, final string) error {
		if filepath.Base(final) == "vios_3_hourly_07.viosbr.tar.gz" && clock.Now().Equal(writeFails) {
			return errors.New("disk full")
		}
		return nil
	}
	defer func() { atomicfile.HookBeforeRename = nil }()

	runs := make(chan Run, 10)
	logs := &syncBuffer{}
	s, err := New(Config{Base: base, Clock: clock, Location: time.UTC, System: system, VIOS: vios,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), OnRun: func(r Run) { runs <- r }})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	// The hourly and the daily job wait on the fake clock.
	waitFor(t, "the two jobs to be scheduled", func() bool { return clock.Pending() == 2 })

	type file struct {
		content string
		at      time.Time
	}
	want := map[string]file{}
	var failed []Run
	for now := start; now.Before(end); {
		now = now.Add(15 * time.Minute)
		clock.Advance(15 * time.Minute)
		if now.Minute() != 15 {
			continue
		}
		expect := 1
		if now.Hour() == 0 {
			expect = 2
		}
		got := map[Frequency]Run{}
		for i := 0; i < expect; i++ {
			select {
			case r := <-runs:
				got[r.Frequency] = r
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: %d of %d backups ran", now, i, expect)
			}
		}
		// Before the clock moves on, gocron must be done with this slot:
		// its next timers are on the clock, and its bookkeeping of the
		// run (which reads the clock) is over; a request to its loop
		// returns only once that loop has handled what came before.
		s.sched.Jobs()
		waitFor(t, "the jobs to be rescheduled", func() bool { return clock.Pending() == 2 })
		for freq, r := range got {
			if !r.Time.Equal(now) {
				t.Errorf("%s run at %s: slot %s", freq, now, r.Time)
			}
			if r.Err != nil {
				failed = append(failed, r)
			}
			if !now.Equal(systemFails) {
				want[SystemName(freq, now)] = file{profile(now), now}
			}
			want[VIOSName(2, freq, now)] = file{viosbr(2, now), now}
			if !(now.Equal(writeFails) && freq == Hourly) {
				want[VIOSName(3, freq, now)] = file{viosbr(3, now), now}
			}
		}
		if len(got) != expect {
			t.Fatalf("%s: runs %v", now, got)
		}
	}
	select {
	case r := <-runs:
		t.Fatalf("an extra run: %+v", r)
	default:
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	// 24 hourly and 2 daily of the system and of each VIOS.
	if len(want) != 3*26 {
		t.Fatalf("expected %d files", len(want))
	}
	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	gotFiles := map[string]file{}
	for _, in := range list {
		b, err := os.ReadFile(in.Path)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(in.Path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v", in.Name, fi.Mode().Perm())
		}
		if in.Size != int64(len(b)) {
			t.Errorf("%s: size %d, read %d", in.Name, in.Size, len(b))
		}
		gotFiles[in.Name] = file{string(b), in.Time.UTC()}
	}
	if d := cmp.Diff(want, gotFiles, cmp.AllowUnexported(file{})); d != "" {
		t.Errorf("backup files (-want +got):\n%s", d)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("%d entries in %s, want %d (temporary files left?)", len(entries), dir, len(want))
	}

	// The two failures: the previous file of that name is intact, the
	// next slot wrote its file.
	if len(failed) != 2 || !failed[0].Time.Equal(systemFails) || !strings.Contains(failed[0].Err.Error(), "the core is busy") ||
		!failed[1].Time.Equal(writeFails) || !strings.Contains(failed[1].Err.Error(), "disk full") {
		t.Fatalf("failed runs: %+v", failed)
	}
	if f := gotFiles["system_hourly_05.bak"]; f.content != profile(systemFails.Add(-24*time.Hour)) {
		t.Errorf("system_hourly_05.bak = %q", f.content)
	}
	if f := gotFiles["system_hourly_06.bak"]; f.content != profile(systemFails.Add(time.Hour)) {
		t.Errorf("system_hourly_06.bak = %q", f.content)
	}
	if f := gotFiles["vios_2_hourly_05.viosbr.tar.gz"]; f.content != viosbr(2, systemFails) {
		t.Errorf("the VIOS backups of the failed slot: %q", f.content)
	}
	if f := gotFiles["vios_3_hourly_07.viosbr.tar.gz"]; f.content != viosbr(3, writeFails.Add(-24*time.Hour)) {
		t.Errorf("vios_3_hourly_07 = %q", f.content)
	}
	if f := gotFiles["vios_3_hourly_08.viosbr.tar.gz"]; f.content != viosbr(3, writeFails.Add(time.Hour)) {
		t.Errorf("vios_3_hourly_08 = %q", f.content)
	}
	// Daily backups at 00:15 of May 31 and June 1; May 30 00:15 was before the start.
	for _, n := range []string{"system_daily_31.bak", "system_daily_01.bak", "vios_3_daily_01.viosbr.tar.gz"} {
		if _, ok := gotFiles[n]; !ok {
			t.Errorf("no %s", n)
		}
	}
	// The System function ran once per slot and job, at the slot.
	n := 0
	calls.Range(func(k, _ any) bool {
		if k.(time.Time).Minute() != 15 {
			t.Errorf("System called at %s", k)
		}
		n++
		return true
	})
	if n != 48 {
		t.Errorf("System called at %d distinct times, want 48", n)
	}
	l := logs.String()
	for _, want := range []string{"backup written", `msg="backup failed" frequency=hourly slot=2026-06-01T05:15:00Z what="system profile" err="the core is busy"`,
		`what=vios_3_hourly_07.viosbr.tar.gz err="disk full"`, `no viosbr backup of the VIOS`} {
		if !strings.Contains(l, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

// TestScheduleSkipsWhileBusy: a backup that hangs makes the next slot of
// its frequency skip (reported and logged) instead of piling up.
func TestScheduleSkipsWhileBusy(t *testing.T) {
	clock := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 50, 0, 0, time.UTC))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	system := func() ([]byte, *model.ManagedSystem, error) {
		once.Do(func() { close(entered); <-release })
		return []byte("p"), testSystem(), nil
	}
	runs := make(chan Run, 4)
	s, err := New(Config{Base: t.TempDir(), Clock: clock, Location: time.UTC, System: system,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnRun: func(r Run) { runs <- r }})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop()
	clock.Advance(25 * time.Minute) // 01:15: the hourly backup starts and hangs
	<-entered
	s.sched.Jobs()
	waitFor(t, "the next hourly slot", func() bool { return clock.Pending() == 2 })
	clock.Advance(time.Hour) // 02:15
	r := <-runs
	if !errors.Is(r.Err, ErrSkipped) || r.Time.Hour() != 2 {
		t.Fatalf("run at 02:15: %+v", r)
	}
	close(release)
	r = <-runs
	if r.Err != nil || r.Time.Hour() != 1 || len(r.Written) != 1 || filepath.Base(r.Written[0]) != "system_hourly_01.bak" {
		t.Fatalf("the hung run: %+v", r)
	}
}

func TestSlotTime(t *testing.T) {
	s := &Scheduler{cfg: Config{Location: time.UTC}}
	at := func(d, h, m int) time.Time { return time.Date(2026, 6, d, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		freq     Frequency
		now, was time.Time
	}{
		{Hourly, at(1, 1, 15), at(1, 1, 15)},
		{Hourly, at(1, 1, 16), at(1, 1, 15)},
		{Hourly, at(1, 1, 14), at(1, 0, 15)},
		{Hourly, at(1, 0, 5), at(0, 23, 15)},
		{Daily, at(1, 0, 15), at(1, 0, 15)},
		{Daily, at(1, 0, 14), at(0, 0, 15)},
		{Daily, at(1, 23, 59), at(1, 0, 15)},
	} {
		if got := s.slotTime(c.freq, c.now); !got.Equal(c.was) {
			t.Errorf("%s at %s: %s, want %s", c.freq, c.now, got, c.was)
		}
	}
	// In another zone the names follow local time.
	paris := time.FixedZone("CEST", 2*3600)
	s.cfg.Location = paris
	got := s.slotTime(Hourly, time.Date(2026, 5, 31, 22, 20, 0, 0, time.UTC))
	if SystemName(Hourly, got) != "system_hourly_00.bak" || SystemName(Daily, s.slotTime(Daily, got)) != "system_daily_01.bak" {
		t.Errorf("local names: %s %s", SystemName(Hourly, got), SystemName(Daily, got))
	}
}

func TestNewChecks(t *testing.T) {
	sys := func() ([]byte, *model.ManagedSystem, error) { return nil, nil, nil }
	if _, err := New(Config{System: sys}); err == nil {
		t.Error("no base accepted")
	}
	if _, err := New(Config{Base: t.TempDir()}); err == nil {
		t.Error("no System accepted")
	}
	s, err := New(Config{Base: t.TempDir(), System: sys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Error(err)
	}
}

func TestClockwork(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fc := sim.NewFakeClock(start)
	c := Clockwork(fc)
	if !c.Now().Equal(start) || c.Since(start.Add(-time.Second)) != time.Second || c.Until(start.Add(time.Minute)) != time.Minute {
		t.Fatal("Now/Since/Until")
	}
	var mu sync.Mutex
	var fired []string
	mark := func(s string) func() {
		return func() { mu.Lock(); fired = append(fired, s); mu.Unlock() }
	}
	a := c.AfterFunc(time.Minute, mark("a"))
	b := c.AfterFunc(2*time.Minute, mark("b"))
	if !b.Stop() || b.Stop() {
		t.Error("Stop of a pending timer / of a stopped one")
	}
	if !a.Reset(3 * time.Minute) {
		t.Error("Reset of a pending timer")
	}
	fc.Advance(2 * time.Minute) // a moved to 3 minutes: nothing yet
	fc.Advance(time.Minute)
	waitFor(t, "a to fire", func() bool { mu.Lock(); defer mu.Unlock(); return len(fired) == 1 })
	if a.Stop() {
		t.Error("Stop after firing reported true")
	}
	if a.Reset(time.Minute) {
		t.Error("Reset after firing reported true")
	}
	fc.Advance(time.Minute)
	waitFor(t, "a to fire again", func() bool { mu.Lock(); defer mu.Unlock(); return len(fired) == 2 })
	if fired[0] != "a" || fired[1] != "a" {
		t.Errorf("fired %v", fired)
	}

	tm := c.NewTimer(time.Second)
	after := c.After(2 * time.Second)
	fc.Advance(2 * time.Second)
	if got := <-tm.Chan(); !got.Equal(start.Add(4*time.Minute + time.Second)) {
		t.Errorf("timer sent %s", got)
	}
	if got := <-after; !got.Equal(start.Add(4*time.Minute + 2*time.Second)) {
		t.Errorf("After sent %s", got)
	}

	tk := c.NewTicker(10 * time.Second)
	for i := 1; i <= 3; i++ {
		fc.Advance(10 * time.Second)
		got := <-tk.Chan()
		if want := start.Add(4*time.Minute + 2*time.Second + time.Duration(i)*10*time.Second); !got.Equal(want) {
			t.Errorf("tick %d at %s, want %s", i, got, want)
		}
	}
	tk.Reset(time.Second)
	fc.Advance(time.Second)
	<-tk.Chan()
	tk.Stop()
	fc.Advance(time.Minute)
	select {
	case <-tk.Chan():
		t.Error("a stopped ticker ticked")
	default:
	}
	if fc.Pending() != 0 {
		t.Errorf("%d timers left on the clock", fc.Pending())
	}

	done := make(chan struct{})
	go func() { c.Sleep(time.Hour); close(done) }()
	waitFor(t, "Sleep to wait on the clock", func() bool { return fc.Pending() == 1 })
	fc.Advance(time.Hour)
	<-done
}
