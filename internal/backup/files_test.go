package backup

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/novalink-project/novalink/internal/atomicfile"
)

func TestNames(t *testing.T) {
	at := time.Date(2026, 6, 1, 2, 15, 0, 0, time.UTC)
	for got, want := range map[string]string{
		SystemName(Hourly, at):                               "system_hourly_02.bak",
		SystemName(Daily, at):                                "system_daily_01.bak",
		SystemName(Hourly, at.Add(21*time.Hour)):             "system_hourly_23.bak",
		SystemName(Daily, at.Add(-3*time.Hour)):              "system_daily_31.bak",
		VIOSName(2, Daily, at.Add(-3*time.Hour)):             "vios_2_daily_31.viosbr.tar.gz",
		VIOSName(3, Hourly, at):                              "vios_3_hourly_02.viosbr.tar.gz",
		VIOSName(3, Hourly, at.Add(-2*time.Hour)):            "vios_3_hourly_00.viosbr.tar.gz",
		Dir("/var/backups/pvm", testSystem()):                "/var/backups/pvm/8247-21L*212E3CA",
		SystemName(Hourly, at.In(time.FixedZone("X", 3600))): "system_hourly_03.bak",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func noTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), tmpMarker) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "system_hourly_01.bak")
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	for _, content := range []string{"first", "second, longer", ""} {
		if err := WriteAtomic(path, []byte(content), FileMode); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != content {
			t.Fatalf("read %q, %v; want %q", b, err, content)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640", fi.Mode().Perm())
		}
	}
	noTemp(t, dir)
}

// TestWriteAtomicCrash: a crash between the write and the rename leaves
// the previous file as it was; the failed write removes its temporary file.
func TestWriteAtomicCrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vios_2_daily_31.viosbr.tar.gz")
	if err := WriteAtomic(path, []byte("previous backup"), FileMode); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("crash")
	sawTemp := false
	atomicfile.HookBeforeRename = func(tmp, final string) error {
		// At this moment the new data is complete in the temporary file
		// and the final name still has the previous content.
		if b, _ := os.ReadFile(tmp); string(b) == "new backup" {
			sawTemp = true
		}
		if b, _ := os.ReadFile(final); string(b) != "previous backup" {
			t.Errorf("the final file holds %q before the rename", b)
		}
		if filepath.Dir(tmp) != filepath.Dir(final) {
			t.Errorf("temporary file %s not in the directory of %s", tmp, final)
		}
		return crash
	}
	defer func() { atomicfile.HookBeforeRename = nil }()
	if err := WriteAtomic(path, []byte("new backup"), FileMode); !errors.Is(err, crash) {
		t.Fatalf("err = %v", err)
	}
	if !sawTemp {
		t.Error("the hook did not see the complete temporary file")
	}
	if b, _ := os.ReadFile(path); string(b) != "previous backup" {
		t.Errorf("after the crash: %q", b)
	}
	noTemp(t, dir)
}

func TestWriteAtomicFails(t *testing.T) {
	dir := t.TempDir()
	// The final name is a directory that is not empty: the rename fails.
	path := filepath.Join(dir, "system_daily_01.bak")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(path, []byte("data"), FileMode); err == nil {
		t.Fatal("no error")
	}
	noTemp(t, dir)
	// A directory that does not exist.
	if err := WriteAtomic(filepath.Join(dir, "none", "f"), []byte("data"), FileMode); err == nil {
		t.Fatal("no error")
	}
}

// TestStale: the temporary file a real crash leaves is not listed, and
// RemoveStale removes it (and nothing else).
func TestStale(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"system_hourly_05.bak", ".profile", "notes.tmp1", ".other.tmp1"}
	stale := ".system_hourly_05.bak.tmp123456"
	for _, n := range append(keep, stale) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list, err := List(dir)
	if err != nil || len(list) != 1 || list[0].Name != "system_hourly_05.bak" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := RemoveStale(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, stale)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s kept: %v", stale, err)
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 5, 30, 0, 15, 0, 0, time.UTC)
	files := []struct {
		name string
		at   time.Time
		size int
	}{
		{"system_daily_30.bak", base, 10},
		{"vios_2_daily_30.viosbr.tar.gz", base, 20},
		{"system_hourly_01.bak", base.Add(49 * time.Hour), 11},
		{"vios_12_hourly_23.viosbr.tar.gz", base.Add(23 * time.Hour), 12},
		{"system_daily_01.bak", base.Add(48 * time.Hour), 13},
		// Not backups.
		{"system_hourly_24.bak", base, 1},
		{"system_daily_00.bak", base, 1},
		{"system_daily_32.bak", base, 1},
		{"system_weekly_01.bak", base, 1},
		{"vios_0_daily_01.viosbr.tar.gz", base, 1},
		{"vios_x_daily_01.viosbr.tar.gz", base, 1},
		{"profile.bak", base, 1},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := writeAtomic(p, make([]byte, f.size), FileMode, f.at); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "system_hourly_02.bak"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	j := func(n string) string { return filepath.Join(dir, n) }
	want := []Info{
		{"system_daily_30.bak", j("system_daily_30.bak"), KindSystem, Daily, 0, 30, base, 10},
		{"vios_2_daily_30.viosbr.tar.gz", j("vios_2_daily_30.viosbr.tar.gz"), KindVIOS, Daily, 2, 30, base, 20},
		{"vios_12_hourly_23.viosbr.tar.gz", j("vios_12_hourly_23.viosbr.tar.gz"), KindVIOS, Hourly, 12, 23, base.Add(23 * time.Hour), 12},
		{"system_daily_01.bak", j("system_daily_01.bak"), KindSystem, Daily, 0, 1, base.Add(48 * time.Hour), 13},
		{"system_hourly_01.bak", j("system_hourly_01.bak"), KindSystem, Hourly, 0, 1, base.Add(49 * time.Hour), 11},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
	if l, err := List(filepath.Join(dir, "missing")); l != nil || err != nil {
		t.Errorf("missing dir: %v %v", l, err)
	}
}

// TestWriteAtomicKilled: a process killed (SIGKILL) between the write of
// a backup and its rename leaves the previous file intact and a
// temporary file that List ignores and RemoveStale (run before every
// scheduled backup) removes; the next write lands whole.
func TestWriteAtomicKilled(t *testing.T) {
	if path := os.Getenv("NOVALINK_BACKUP_KILL_CHILD"); path != "" {
		// The child: killed by itself once the new content is complete.
		atomicfile.HookBeforeRename = func(tmp, final string) error {
			return syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		WriteAtomic(path, []byte("new backup, never renamed"), FileMode)
		os.Exit(3) // not reached
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "system_hourly_05.bak")
	if err := WriteAtomic(path, []byte("previous backup"), FileMode); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteAtomicKilled$")
	cmd.Env = append(os.Environ(), "NOVALINK_BACKUP_KILL_CHILD="+path)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "previous backup" {
		t.Fatalf("after the kill the backup holds %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("%d files after the kill, want the backup and the killed write's temporary file", len(ents))
	}
	if l, err := List(dir); err != nil || len(l) != 1 || l[0].Name != "system_hourly_05.bak" {
		t.Fatalf("List: %v %v", l, err)
	}
	if err := RemoveStale(dir); err != nil {
		t.Fatal(err)
	}
	noTemp(t, dir)
	if err := WriteAtomic(path, []byte("next backup"), FileMode); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "next backup" {
		t.Fatalf("the next backup: %q", b)
	}
}
