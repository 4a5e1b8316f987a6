package clients

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/testlock"
	"golang.org/x/sys/unix"
)

// TestPypowervmVterm: pypowervm's tasks.vterm with the real mkvterm,
// rmvterm and mkvtermutil: open_localhost_vnc_vterm, a second open,
// pgrep, close_vterm on a local and on a password session, the remotable
// console nova's get_vnc_console opens, an IBM i code page change, and the
// delete nova does. Nothing is left running afterwards.
func TestPypowervmVterm(t *testing.T) {
	watchUtils(t)
	runScenario(t, scenario{Script: "pypowervm_vterm.py", Timeout: 2 * time.Minute})
}

// watchUtils makes this process the reaper of the mkvtermutil processes a
// scenario's mkvterm --vnc leaves running on their own (on NovaLink init
// reaps them; here init may not), and fails the test if one is still
// running when it ends: the scenario must close what it opened.
func watchUtils(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			left := liveUtils()
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("mkvtermutil left running: %v", left)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// liveUtils reaps the mkvtermutil processes of ours that ended and returns
// the pids of those still running.
func liveUtils() []int {
	var live []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != "mkvtermutil" {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		if f[0] == "Z" {
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			continue
		}
		live = append(live, pid)
	}
	return live
}
