package daemon

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

var admin = core.Actor{User: "padmin", Role: core.RoleAdmin}

// TestScheduledBackups runs the daemon's backup schedule on a real core
// with a fake clock: at 01:15 the system's profile.bak and each VIOS's
// viosbr archive (taken on the VIOS, in its /home/padmin/cfgbackups, and
// copied over) land in <backup-dir>/<MTMS>/; at 02:15, with vios2 down,
// its backup fails (logged, in the run's error), the others are written,
// and its 01:15 backup is intact.
func TestScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 6, 1, 0, 50, 0, 0, time.Local)
	clk := sim.NewFakeClock(start)
	logs := &bytes.Buffer{}
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"],
		BackupDir: filepath.Join(dir, "backups"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := clk.Pending()
	runs := make(chan backup.Run, 4)
	s, err := newBackups(c, slog.New(slog.NewTextHandler(logs, nil)), func(r backup.Run) { runs <- r }, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop()
	settle := func() {
		s.Sync()
		deadline := time.Now().Add(10 * time.Second)
		for clk.Pending() != base+2 {
			if time.Now().After(deadline) {
				t.Fatalf("%d timers pending, want %d", clk.Pending(), base+2)
			}
			time.Sleep(time.Millisecond)
		}
	}
	settle()
	next := func() backup.Run {
		select {
		case r := <-runs:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no backup ran")
		}
		return backup.Run{}
	}
	bdir := c.BackupDir()
	var viosIDs []int
	viosUUID := map[int]string{}
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.IsVIOS() {
				viosIDs = append(viosIDs, p.ID)
				viosUUID[p.ID] = p.UUID
			}
		}
	})
	sort.Ints(viosIDs)
	if len(viosIDs) != 2 {
		t.Fatalf("VIOSes %v", viosIDs)
	}

	clk.Advance(25 * time.Minute) // 01:15
	r := next()
	if r.Err != nil {
		t.Fatalf("01:15: %v", r.Err)
	}
	settle()
	want := []string{"system_hourly_01.bak"}
	for _, id := range viosIDs {
		want = append(want, backup.VIOSName(id, backup.Hourly, r.Time))
	}
	checkFiles(t, bdir, want)
	// The system backup is the configuration's profile.bak.
	got, err := os.ReadFile(filepath.Join(bdir, "system_hourly_01.bak"))
	if err != nil {
		t.Fatal(err)
	}
	now, _, err := c.BackupProfile(false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, now) {
		t.Errorf("system_hourly_01.bak is not the configuration's profile.bak:\n%s\nwant\n%s", got, now)
	}
	// Each VIOS backup is the archive viosbr left on the VIOS, and viosbr
	// reads it back.
	first := map[int][]byte{}
	for _, id := range viosIDs {
		b, err := os.ReadFile(filepath.Join(bdir, backup.VIOSName(id, backup.Hourly, r.Time)))
		if err != nil {
			t.Fatal(err)
		}
		onVIOS, err := c.VIOSFS(viosUUID[id]).Read(vios.CfgBackups + "/" + core.ScheduledVIOSBackup + ".tar.gz")
		if err != nil || !bytes.Equal(b, onVIOS) {
			t.Errorf("VIOS %d: the copy differs from the VIOS's file (%v)", id, err)
		}
		res, err := c.RunIOSCLI(admin, viosUUID[id], "viosbr -view -file "+core.ScheduledVIOSBackup+" -mapping", false)
		if err != nil || res.Code != 0 || !strings.Contains(res.Out, "SEA ") {
			t.Errorf("VIOS %d: viosbr -view: %v %+v", id, err, res)
		}
		first[id] = b
	}

	// vios2 goes down: its backup fails at 02:15, the rest is written.
	down := viosIDs[0]
	if _, err := c.StartJob(admin, core.JobRequest{Group: "VirtualIOServer", Operation: "PowerOff", TargetUUID: viosUUID[down],
		Params: []core.Param{{Name: "immediate", Value: "true"}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		var st string
		c.Read(func(s *model.State) { st = s.Partitions[viosUUID[down]].State })
		if st == model.StateNotActivated {
			break
		}
		if i > 100 {
			t.Fatalf("VIOS %d still %s", down, st)
		}
		clk.Advance(100 * time.Millisecond)
		time.Sleep(time.Millisecond)
	}
	settle()
	clk.Advance(time.Date(2026, 6, 1, 2, 15, 0, 0, time.Local).Sub(clk.Now()))
	r = next()
	if r.Err == nil || !strings.Contains(r.Err.Error(), "vios") {
		t.Errorf("02:15: error %v, want the failure of the VIOS", r.Err)
	}
	settle()
	want = append(want, "system_hourly_02.bak", backup.VIOSName(viosIDs[1], backup.Hourly, r.Time))
	checkFiles(t, bdir, want)
	if b, _ := os.ReadFile(filepath.Join(bdir, backup.VIOSName(down, backup.Hourly, r.Time.Add(-time.Hour)))); !bytes.Equal(b, first[down]) {
		t.Errorf("the 01:15 backup of VIOS %d changed", down)
	}
	if !strings.Contains(logs.String(), "backup failed") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
}

// checkFiles checks the exact set of files in dir, each mode 0640.
func checkFiles(t *testing.T, dir string, want []string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
		if fi, err := e.Info(); err == nil && fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want 0640", e.Name(), fi.Mode().Perm())
		}
	}
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(got, " ") != strings.Join(w, " ") {
		t.Errorf("backup directory holds\n  %v\nwant\n  %v", got, w)
	}
}
