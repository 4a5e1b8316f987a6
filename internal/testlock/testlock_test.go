package testlock

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestTakeExcludesAnotherProcess: while this test holds a lock, a second
// process asking for it waits, and gets it once this test lets go.
func TestTakeExcludesAnotherProcess(t *testing.T) {
	if os.Getenv("TESTLOCK_CHILD") == "1" {
		Take(t, "selftest")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	released := make(chan struct{})
	t.Run("holder", func(t *testing.T) {
		Take(t, "selftest")
		cmd := exec.Command(exe, "-test.run", "^TestTakeExcludesAnotherProcess$")
		cmd.Env = append(os.Environ(), "TESTLOCK_CHILD=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Fatalf("the second process got the lock while it was held (exit: %v)", err)
		case <-time.After(500 * time.Millisecond):
		}
		close(released)
	})
	<-released
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the second process: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second process never got the lock after it was released")
	}
}
