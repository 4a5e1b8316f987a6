package testlock

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The child process tells the test where it is, one line each, on the
// pipe it inherits as file descriptor 3.
const (
	lineWaiting = "waiting" // about to take the lock
	lineLocked  = "locked"  // holds it
)

// TestTakeExcludesAnotherProcess: while this test holds a lock, a second
// process asking for it waits, and gets it once this test lets go. The
// second process is seen waiting in the kernel's table of locks (a
// blocked request for the lock file), not assumed to be after a delay:
// however slow it is to start, it must be blocked before the lock is
// released, and must say it holds the lock after.
func TestTakeExcludesAnotherProcess(t *testing.T) {
	if os.Getenv("TESTLOCK_CHILD") == "1" {
		sig := os.NewFile(3, "signal")
		fmt.Fprintln(sig, lineWaiting)
		Take(t, "selftest")
		fmt.Fprintln(sig, lineLocked)
		sig.Close()
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 2)
	done := make(chan error, 1)
	var child *exec.Cmd
	t.Run("holder", func(t *testing.T) {
		Take(t, "selftest")
		ino := lockInode(t, "selftest")
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		child = exec.Command(exe, "-test.run", "^TestTakeExcludesAnotherProcess$")
		child.Env = append(os.Environ(), "TESTLOCK_CHILD=1")
		child.ExtraFiles = []*os.File{w}
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		go func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				lines <- sc.Text()
			}
			r.Close()
			close(lines)
		}()
		go func() { done <- child.Wait() }()
		if l := <-lines; l != lineWaiting {
			t.Fatalf("the second process said %q first, want %q", l, lineWaiting)
		}
		// Until the kernel shows its request blocked, the second process
		// must not say it holds the lock.
		deadline := time.Now().Add(30 * time.Second)
		for !blockedOn(t, child.Process.Pid, ino) {
			select {
			case l := <-lines:
				t.Fatalf("the second process said %q while the lock was held", l)
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				child.Process.Kill()
				t.Fatal("the second process was never seen waiting for the lock")
			}
		}
	})
	if child == nil || t.Failed() {
		return
	}
	// Released (the holder's cleanup ran when its subtest ended).
	select {
	case l := <-lines:
		if l != lineLocked {
			t.Fatalf("the second process said %q after the release, want %q", l, lineLocked)
		}
	case <-time.After(30 * time.Second):
		child.Process.Kill()
		t.Fatal("the second process never got the lock after it was released")
	}
	if err := <-done; err != nil {
		t.Fatalf("the second process: %v", err)
	}
}

// lockInode is the inode of the lock file called name.
func lockInode(t *testing.T, name string) uint64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(os.TempDir(), "novalink-test-"+name+".lock"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// blockedOn says whether /proc/locks shows process pid waiting for a
// lock on the file of inode ino (a line "N: -> FLOCK ADVISORY WRITE pid
// maj:min:ino ...").
func blockedOn(t *testing.T, pid int, ino uint64) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatalf("the kernel's lock table: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 7 || f[1] != "->" || f[2] != "FLOCK" || f[5] != strconv.Itoa(pid) {
			continue
		}
		if id := strings.Split(f[6], ":"); len(id) == 3 && id[2] == strconv.FormatUint(ino, 10) {
			return true
		}
	}
	return false
}
