package rest

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// TestBackupJobs drives the ManagedSystem's backup jobs as bkprofdata and
// rstprofdata do: back up, lose a partition, restore it; list the
// scheduled backups.
func TestBackupJobs(t *testing.T) {
	f := newCoFixture(t)
	lost := f.partition("lpar11")
	if lost == nil || lost.State != model.StateNotActivated {
		t.Fatalf("lpar11: %+v", lost)
	}
	j := f.runJob(t, f.sysPath(), "BackupProfileData", f.token, true)
	if j.status != core.JobOK || !strings.HasPrefix(j.results["ProfileData"], "CONFIG_VERSION") {
		t.Fatalf("BackupProfileData: %v", j)
	}
	profile := j.results["ProfileData"]
	if !strings.Contains(profile, "lpar11") {
		t.Fatalf("the profile does not hold lpar11:\n%s", profile)
	}
	// A viewer may back up (it only reads) but not restore.
	if v := f.runJob(t, f.sysPath(), "BackupProfileData", f.viewer, true); v.status != core.JobOK || v.results["ProfileData"] != profile {
		t.Errorf("BackupProfileData as a viewer: %v", v)
	}

	if err := f.core.DeletePartition(admin, lost.UUID, ""); err != nil {
		t.Fatal(err)
	}
	r := f.runJob(t, f.sysPath(), "RestoreProfileData", f.token, true,
		core.Param{Name: "ProfileData", Value: profile}, core.Param{Name: "RestoreLevel", Value: "2"})
	if r.status != core.JobOK || r.results["Created"] != "lpar11" {
		t.Fatalf("RestoreProfileData: %v", r)
	}
	back := f.partition("lpar11")
	if back == nil || back.UUID != lost.UUID || back.ID != lost.ID || back.DesMem != lost.DesMem {
		t.Fatalf("lpar11 restored as %+v, was %+v", back, lost)
	}
	// The same again changes nothing.
	rev := f.core.ViewRevision()
	r = f.runJob(t, f.sysPath(), "RestoreProfileData", f.token, true,
		core.Param{Name: "ProfileData", Value: profile}, core.Param{Name: "RestoreLevel", Value: "3"})
	if r.status != core.JobOK || r.results["Created"] != "" || f.core.ViewRevision() != rev {
		t.Errorf("restore of the current configuration: %v (revision %d → %d)", r, rev, f.core.ViewRevision())
	}

	// The scheduled backups' listing.
	l := f.runJob(t, f.sysPath(), "ListBackups", f.viewer, true)
	if l.status != core.JobOK || l.results["BackupDirectory"] != f.core.BackupDir() || len(l.results) != 1 {
		t.Fatalf("ListBackups of no backups: %v", l)
	}
	if err := os.MkdirAll(f.core.BackupDir(), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.core.BackupDir()+"/system_hourly_07.bak", []byte(profile), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.core.BackupDir()+"/notes.txt", []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	l = f.runJob(t, f.sysPath(), "ListBackups", f.viewer, true)
	v := l.results["system_hourly_07.bak"]
	if fs := strings.Fields(v); len(fs) != 2 || fs[1] != itoa(len(profile)) || len(l.results) != 2 {
		t.Errorf("ListBackups: %v", l)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

var admin = core.Actor{User: "padmin", Role: core.RoleAdmin, Console: model.ConsoleNovaLink}

// startAndWait powers a partition on and moves the fake clock until it
// runs.
func (f *coFixture) startAndWait(t *testing.T, uuid string) {
	t.Helper()
	if _, err := f.core.StartJob(admin, core.JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: uuid}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		var st string
		f.core.Read(func(s *model.State) { st = s.Partitions[uuid].State })
		if st == model.StateRunning {
			return
		}
		if i > 2000 {
			t.Fatalf("still %s", st)
		}
		f.clock.Advance(time.Second)
		time.Sleep(100 * time.Microsecond)
	}
}

// TestRestoreRefusals: what a restore refuses gets an HttpErrorResponse
// and changes nothing.
func TestRestoreRefusals(t *testing.T) {
	f := newCoFixture(t)
	j := f.runJob(t, f.sysPath(), "BackupProfileData", f.token, true)
	profile := j.results["ProfileData"]
	lines := strings.SplitAfter(profile, "\n")
	foreign := strings.Replace(profile, f.core.System().MTMS(), "9009-42A*7800AAA", 1)
	// lpar10 running: a full restore of a backup that differs in it would
	// change it.
	running := f.partition("lpar10")
	changed := strings.Replace(profile, `name\=lpar10,`, `name\=lpar10x,`, 1)
	if changed == profile {
		t.Fatalf("no lpar10 record in\n%s", profile)
	}
	f.startAndWait(t, running.UUID)
	cases := []struct {
		name, data, level string
		extra             []core.Param
		token             string
		status            int
		msg               string
	}{
		{"empty", "", "1", nil, f.token, 400, "empty"},
		{"garbage", "hello world\n", "1", nil, f.token, 400, "not a valid profile.bak"},
		{"truncated", strings.Join(lines[:len(lines)/2], "") + lines[len(lines)/2][:10], "1", nil, f.token, 400, "profile.bak"},
		{"binary", "\x1f\x8b\x08\x00garbage", "1", nil, f.token, 400, "not a valid profile.bak"},
		{"foreign", foreign, "1", nil, f.token, 409, "9009-42A*7800AAA"},
		{"bad level", profile, "5", nil, f.token, 400, "RestoreLevel"},
		{"no level", profile, "", nil, f.token, 400, "RestoreLevel"},
		{"bad flag", profile, "1", []core.Param{{Name: "IgnoreMAC", Value: "maybe"}}, f.token, 400, "IgnoreMAC"},
		{"viewer", profile, "3", nil, f.viewer, 409, "may not change"},
		{"running", changed, "1", nil, f.token, 409, "lpar10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.core.ViewRevision()
			params := append([]core.Param{{Name: "ProfileData", Value: tc.data}, {Name: "RestoreLevel", Value: tc.level}}, tc.extra...)
			r := f.runJob(t, f.sysPath(), "RestoreProfileData", tc.token, true, params...)
			if r.http != tc.status || !strings.Contains(r.message, tc.msg) {
				t.Errorf("got %d %q, want %d and a message with %q", r.http, r.message, tc.status, tc.msg)
			}
			if f.core.ViewRevision() != before {
				t.Errorf("the refused restore changed the configuration")
			}
		})
	}
	// A foreign backup goes with IgnoreMTMS.
	r := f.runJob(t, f.sysPath(), "RestoreProfileData", f.token, true, core.Param{Name: "ProfileData", Value: foreign},
		core.Param{Name: "RestoreLevel", Value: "3"}, core.Param{Name: "IgnoreMTMS", Value: "true"})
	if r.status != core.JobOK {
		t.Errorf("foreign backup with IgnoreMTMS: %v", r)
	}
}

// TestRestoreRefusedToNonMaster: with the HMC master, NovaLink's restore
// is refused with the co-management message; backing up and listing
// (reads) still work.
func TestRestoreRefusedToNonMaster(t *testing.T) {
	f := newCoFixture(t)
	profile := f.runJob(t, f.sysPath(), "BackupProfileData", f.token, true).results["ProfileData"]
	lost := f.partition("lpar11")
	if err := f.core.DeletePartition(admin, lost.UUID, ""); err != nil {
		t.Fatal(err)
	}
	sys := f.core.System()
	if r := f.cli(t, f.hmc, "chcomgmt -m "+sys.Name+" -o setmaster -t norm"); r.status != core.JobOK {
		t.Fatalf("setmaster: %v", r)
	}
	before := f.core.ViewRevision()
	r := f.runJob(t, f.sysPath(), "RestoreProfileData", f.token, true,
		core.Param{Name: "ProfileData", Value: profile}, core.Param{Name: "RestoreLevel", Value: "2"})
	if r.http != 409 || !strings.Contains(r.message, "PowerVM management master") || f.core.ViewRevision() != before {
		t.Errorf("restore by NovaLink while the HMC is master: %v", r)
	}
	for _, op := range []string{"BackupProfileData", "ListBackups"} {
		if r := f.runJob(t, f.sysPath(), op, f.token, true); r.status != core.JobOK {
			t.Errorf("%s while the HMC is master: %v", op, r)
		}
	}
	// The master may restore.
	if r := f.runJob(t, f.sysPath(), "RestoreProfileData", f.hmc, true,
		core.Param{Name: "ProfileData", Value: profile}, core.Param{Name: "RestoreLevel", Value: "2"}); r.status != core.JobOK || r.results["Created"] != "lpar11" {
		t.Errorf("restore by the HMC as master: %v", r)
	}
}
