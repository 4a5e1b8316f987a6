package core

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// TestLogonChecksUnknownUsersToo: a logon of a user that does not exist
// costs the same password check as a wrong password of one that does
// (so its time does not tell which users exist).
func TestLogonChecksUnknownUsersToo(t *testing.T) {
	c := openTest(t, t.TempDir(), sim.NewFakeClock(time.Now()), nil)
	defer c.Close()
	if _, _, err := c.EnsureUser("padmin", RoleAdmin, "right"); err != nil {
		t.Fatal(err)
	}
	var checks atomic.Int64
	orig := compareHash
	compareHash = func(h, p []byte) error { checks.Add(1); return orig(h, p) }
	defer func() { compareHash = orig }()
	for _, c2 := range []struct{ user, pw string }{{"padmin", "wrong"}, {"nosuchuser", "wrong"}, {"padmin", "right"}} {
		before := checks.Load()
		_, err := c.Authenticate(c2.user, c2.pw)
		if got := checks.Load() - before; got != 1 {
			t.Errorf("logon of %s: %d password checks, want 1", c2.user, got)
		}
		if (err == nil) != (c2.pw == "right") {
			t.Errorf("logon of %s with %s: %v", c2.user, c2.pw, err)
		}
	}
}

// TestPasswordChecksBounded: password checks run at most passwordChecks
// at a time; beyond the waiters allowed, a logon is refused as busy at
// once.
func TestPasswordChecksBounded(t *testing.T) {
	c := openTest(t, t.TempDir(), sim.NewFakeClock(time.Now()), nil)
	defer c.Close()
	release := make(chan struct{})
	var running, peak atomic.Int64
	orig := compareHash
	compareHash = func(h, p []byte) error {
		n := running.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		return errors.New("no")
	}
	defer func() { compareHash = orig }()
	total := passwordChecks + passwordWaiters + 10
	var wg sync.WaitGroup
	var busy atomic.Int64
	for i := 0; i < total; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Authenticate("padmin", "x"); errors.Is(err, ErrLogonsBusy) {
				busy.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for busy.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p > int64(passwordChecks) {
		t.Errorf("%d password checks ran at once, the bound is %d", p, passwordChecks)
	}
	if b := busy.Load(); b != 10 {
		t.Errorf("%d logons refused as busy, want the 10 beyond %d checks and %d waiters", b, passwordChecks, passwordWaiters)
	}
}

// TestPartitionUUIDUniqueAcrossKinds: the core refuses a partition whose
// UUID is the managed system's or a stored object's of another kind.
func TestPartitionUUIDUniqueAcrossKinds(t *testing.T) {
	c := openTest(t, t.TempDir(), sim.NewFakeClock(time.Now()), nil)
	defer c.Close()
	var sw string
	c.Read(func(st *model.State) {
		for _, s := range st.Switches {
			sw = s.UUID
		}
	})
	for i, u := range []string{c.System().UUID, sw} {
		p := newClient(c, fmt.Sprintf("vmu%d", i), 1024, 10)
		p.UUID = strings.ToUpper(u)
		if _, err := c.CreatePartition(admin, p); err == nil || !strings.Contains(err.Error(), "is already that of") {
			t.Errorf("a partition with UUID %s: %v", u, err)
		}
	}
}
