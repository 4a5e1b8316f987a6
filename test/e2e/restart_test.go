package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRestartKeepsState: what a cleanly stopped pvmd acknowledged is there
// after a restart on the same state directory, including the generated
// padmin password.
func TestRestartKeepsState(t *testing.T) {
	t.Run("CreateUpdate", testRestartCreateUpdate)
	t.Run("GeneratedPadminPassword", testGeneratedPassword)
}

func testRestartCreateUpdate(t *testing.T) {
	dir := t.TempDir()
	d1, err := launch(t, dir, startOpts{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d1.Kill() })
	c := tc{newClient(d1.BaseURL()), t}
	c.mustLogon()
	ms := c.systemUUID()
	id := pvmUUID()
	c.expect(http.StatusOK, http.MethodPut, pathMS+"/"+ms+"/LogicalPartition", lparBody(id, "e2e-restart", 512, 1024, 2048),
		"Content-Type", uomType("LogicalPartition"))
	before := c.mustLPAR(pathLPAR + "/" + id)
	r := c.expect(http.StatusOK, http.MethodPost, pathLPAR+"/"+id, lparUpdateBody("e2e-restart-2", 1536, 3072),
		"Content-Type", uomType("LogicalPartition"), "If-Match", before.Etag)
	updated := c.mustLPAR(pathLPAR + "/" + id)
	if updated.Name != "e2e-restart-2" || updated.DesMem != 1536 || updated.MaxMem != 3072 || updated.MinMem != 512 ||
		updated.Etag != r.Header.Get("ETag") {
		t.Fatalf("after the update: %+v (ETag header %s)", updated, r.Header.Get("ETag"))
	}
	// A running partition stays running across a restart.
	lp11 := c.lparByName("lpar11")
	c.runJobOK(pathLPAR+"/"+lp11.UUID, "PowerOn")
	c.waitLPAR(pathLPAR+"/"+lp11.UUID, 5*time.Second, "running", func(l lpar) bool { return l.State == "running" })
	feedBefore := lparNames(c)
	c.close()
	if err := d1.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}

	d2 := startPVMD(t, dir, startOpts{})
	c = tc{newClient(d2.BaseURL()), t}
	defer c.close()
	c.mustLogon()
	if got := c.systemUUID(); got != ms {
		t.Errorf("ManagedSystem UUID %s after restart, was %s", got, ms)
	}
	after := c.mustLPAR(pathLPAR + "/" + id)
	if after.Name != updated.Name || after.DesMem != updated.DesMem || after.MaxMem != updated.MaxMem ||
		after.MinMem != updated.MinMem || after.Etag != updated.Etag {
		t.Errorf("after restart: %+v, before: %+v", after, updated)
	}
	if got := lparNames(c); strings.Join(got, ",") != strings.Join(feedBefore, ",") {
		t.Errorf("partitions after restart %v, before %v", got, feedBefore)
	}
	if l := c.mustLPAR(pathLPAR + "/" + lp11.UUID); l.State != "running" {
		t.Errorf("lpar11 is %q after restart, was running", l.State)
	}
	// The etag still guards updates.
	r = c.expect(http.StatusPreconditionFailed, http.MethodPost, pathLPAR+"/"+id, lparUpdateBody("e2e-restart-3", 1024, 3072),
		"Content-Type", uomType("LogicalPartition"), "If-Match", before.Etag)
	c.mustHTTPError(r)
	c.expect(http.StatusOK, http.MethodPost, pathLPAR+"/"+id, lparUpdateBody("e2e-restart-3", 1024, 3072),
		"Content-Type", uomType("LogicalPartition"), "If-Match", after.Etag)
}

func lparNames(c tc) []string {
	c.t.Helper()
	var out []string
	for _, e := range c.mustFeed(pathLPAR).Entries {
		l, err := lparOf(e)
		if err != nil {
			c.t.Fatal(err)
		}
		out = append(out, l.UUID+"="+l.Name)
	}
	sort.Strings(out)
	return out
}

// testGeneratedPassword: without PVMD_ADMIN_PASSWORD (and
// PVMD_HMC_PASSWORD), padmin (and hscroot) get a generated password in
// <state-dir>/<user>.password (0600), which works and survives a restart;
// the log names the file, never the password.
func testGeneratedPassword(t *testing.T) {
	dir := t.TempDir()
	d := startPVMD(t, dir, startOpts{NoPassword: true, NoHMCPassword: true})
	var pw string
	for _, user := range []string{"padmin", "hscroot"} {
		path := filepath.Join(dir, user+".password")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("no generated password file: %v", err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p := strings.TrimSpace(string(b))
		if len(p) < 12 {
			t.Errorf("generated password %q is short", p)
		}
		if strings.Contains(d.Stderr(), p) {
			t.Errorf("pvmd's log shows the generated %s password:\n%s", user, d.Stderr())
		}
		if !strings.Contains(d.Stderr(), "password_file="+path) {
			t.Errorf("pvmd's log does not say where the %s password is (%s):\n%s", user, path, d.Stderr())
		}
		if user == "padmin" {
			pw = p
		}
	}
	path := filepath.Join(dir, "padmin.password")
	b, _ := os.ReadFile(path)
	c := newClient(d.BaseURL())
	defer c.close()
	if err := c.logon("padmin", pw); err != nil {
		t.Fatalf("logon with the generated password: %v", err)
	}
	tc{c, t}.mustFeed(pathMS)
	if err := c.logon("padmin", adminPassword); err == nil {
		t.Error("logon with another password succeeded")
	}
	if err := d.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	d2 := startPVMD(t, dir, startOpts{NoPassword: true})
	c2 := newClient(d2.BaseURL())
	defer c2.close()
	if err := c2.logon("padmin", pw); err != nil {
		t.Fatalf("logon with the generated password after a restart: %v", err)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("the password file changed on restart")
	}
}

// k9 is one partition of the kill -9 test as its client saw it. Its name
// and memory are a function of a version number v, so a stored partition
// shows which update it holds and whether it is whole.
type k9 struct {
	uuid     string
	acked    int // last acknowledged version; -1 while the create is unacknowledged
	inflight int // version sent without an answer; -1 for none
	etag     string
}

func k9Name(uuid string, v int) string { return fmt.Sprintf("k9-%s-%d", uuid[:8], v) }

func k9Mem(v int) (des, max int) {
	des = 256 * (1 + v%40)
	return des, des + 256*(1+v%3)
}

// k9Version reads v back from a stored partition, checking that its name
// and memory belong together.
func k9Version(l lpar) (int, error) {
	rest, ok := strings.CutPrefix(l.Name, "k9-"+l.UUID[:8]+"-")
	if !ok {
		return 0, fmt.Errorf("partition %s has name %q, not of its own k9 series", l.UUID, l.Name)
	}
	v, err := strconv.Atoi(rest)
	if err != nil {
		return 0, fmt.Errorf("partition %s has name %q", l.UUID, l.Name)
	}
	des, max := k9Mem(v)
	if l.DesMem != des || l.MaxMem != max || l.MinMem != 256 {
		return v, fmt.Errorf("partition %s is half-written: name %q (version %d) but memory min/des/max %d/%d/%d, want 256/%d/%d",
			l.UUID, l.Name, v, l.MinMem, l.DesMem, l.MaxMem, des, max)
	}
	return v, nil
}

// TestKill9Durability: concurrent creates and updates, SIGKILL at a random
// moment, restart: every acknowledged write is there, nothing is torn.
func TestKill9Durability(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	const (
		cycles   = 26 // every sixth stops with SIGTERM: 22 kill -9
		workers  = 8
		maxParts = 250
		// perCycle bounds the creates of one cycle, so that creates go on
		// (and are sometimes cut by the kill) in every cycle.
		perCycle   = 12
		timeBudget = 45 * time.Second
	)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	var recs []*k9
	d, err := launch(t, dir, startOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Kill() }()
	start := time.Now()
	var acks, inflightApplied, inflightLost, terms int
	ran := 0
	for cycle := 0; cycle < cycles; cycle++ {
		if ran-terms >= 20 && time.Since(start) > timeBudget {
			break
		}
		ran++
		// Load.
		owned := make([][]*k9, workers)
		for i, r := range recs {
			owned[i%workers] = append(owned[i%workers], r)
		}
		var (
			killed   atomic.Bool
			total    atomic.Int64
			wg       sync.WaitGroup
			mu       sync.Mutex
			failures []string
			newRecs  []*k9
			nAcks    atomic.Int64
			creates  atomic.Int64
		)
		creates.Store(perCycle)
		total.Store(int64(len(recs)))
		fail := func(format string, args ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		cl := newClient(d.BaseURL())
		if err := cl.logon("padmin", adminPassword); err != nil {
			t.Fatal(err)
		}
		ms := tc{cl, t}.systemUUID()
		for w := 0; w < workers; w++ {
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			mine := owned[w]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					var r *k9
					var v int
					var resp *response
					var err error
					if len(mine) == 0 || (wrng.IntN(30) == 0 && total.Load() < maxParts && creates.Add(-1) >= 0) {
						total.Add(1)
						id := pvmUUID()
						r = &k9{uuid: id, acked: -1, inflight: 0}
						mu.Lock()
						newRecs = append(newRecs, r)
						mu.Unlock()
						des, max := k9Mem(0)
						resp, err = cl.put(pathMS+"/"+ms+"/LogicalPartition", "LogicalPartition", lparBody(id, k9Name(id, 0), 256, des, max))
					} else {
						r = mine[wrng.IntN(len(mine))]
						v = r.acked + 1
						r.inflight = v
						des, max := k9Mem(v)
						resp, err = cl.post(pathLPAR+"/"+r.uuid, "LogicalPartition", lparUpdateBody(k9Name(r.uuid, v), des, max), "If-Match", r.etag)
					}
					if err != nil {
						if !killed.Load() {
							fail("request failed before the kill: %v", err)
						}
						return
					}
					if resp.Status != http.StatusOK {
						fail("unexpected answer: %s", resp)
						r.inflight = -1
						return
					}
					if r.acked < 0 {
						mine = append(mine, r)
					}
					r.acked, r.inflight, r.etag = v, -1, resp.Header.Get("ETag")
					nAcks.Add(1)
				}
			}()
		}
		time.Sleep(time.Duration(30+rng.IntN(370)) * time.Millisecond)
		// On a loaded machine the first write may not be acknowledged yet:
		// the kill waits for one (the checks need something acknowledged),
		// so the cycle's timing is random but never empty.
		for deadline := time.Now().Add(30 * time.Second); nAcks.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		killed.Store(true)
		how := "kill -9"
		if cycle%6 == 5 {
			// Now and then a clean stop under the same load: it must
			// exit 0 promptly and keep the same promises.
			how = "SIGTERM"
			if err := d.Stop(stopTimeout); err != nil {
				wg.Wait()
				t.Fatalf("cycle %d: SIGTERM under load: %v", cycle, err)
			}
			terms++
		} else {
			d.Kill()
		}
		wg.Wait()
		cl.close()
		if len(failures) > 0 {
			t.Fatalf("cycle %d: %s", cycle, strings.Join(failures, "\n"))
		}
		if nAcks.Load() == 0 {
			t.Fatalf("cycle %d: no write was acknowledged before the kill; pvmd stderr:\n%s", cycle, d.Stderr())
		}
		acks += int(nAcks.Load())
		recs = append(recs, newRecs...)

		// Restart and check.
		d, err = launch(t, dir, startOpts{})
		if err != nil {
			t.Fatalf("cycle %d: restart after %s: %v", cycle, how, err)
		}
		c := tc{newClient(d.BaseURL()), t}
		c.mustLogon()
		stored := map[string]lpar{}
		for _, e := range c.mustFeed(pathLPAR).Entries {
			l, err := lparOf(e)
			if err != nil {
				t.Fatal(err)
			}
			stored[l.UUID] = l
		}
		c.close()
		known := map[string]bool{}
		kept := recs[:0]
		var errs []string
		for _, r := range recs {
			known[r.uuid] = true
			l, ok := stored[r.uuid]
			if !ok {
				if r.acked >= 0 {
					errs = append(errs, fmt.Sprintf("acknowledged partition %s (version %d) is gone", r.uuid, r.acked))
				} else {
					inflightLost++
				}
				continue
			}
			v, err := k9Version(l)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			switch {
			case v == r.acked:
				if l.Etag != r.etag {
					errs = append(errs, fmt.Sprintf("partition %s holds version %d as acknowledged but etag %s, acknowledged %s", r.uuid, v, l.Etag, r.etag))
				}
				if r.inflight >= 0 {
					inflightLost++
				}
			case r.inflight >= 0 && v == r.inflight:
				inflightApplied++
			default:
				errs = append(errs, fmt.Sprintf("partition %s holds version %d; acknowledged %d, in flight %d", r.uuid, v, r.acked, r.inflight))
				continue
			}
			r.acked, r.inflight, r.etag = v, -1, l.Etag
			kept = append(kept, r)
		}
		recs = kept
		for u, l := range stored {
			if strings.HasPrefix(l.Name, "k9-") && !known[u] {
				errs = append(errs, fmt.Sprintf("partition %s (%s) was never sent", u, l.Name))
			}
		}
		for _, n := range []string{"lpar10", "lpar11", "lpar12"} {
			found := false
			for _, l := range stored {
				found = found || l.Name == n
			}
			if !found {
				errs = append(errs, "the seeded partition "+n+" is gone")
			}
		}
		if len(errs) > 0 {
			t.Fatalf("cycle %d after %s and restart:\n%s\npvmd stderr:\n%s", cycle, how, strings.Join(errs, "\n"), d.Stderr())
		}
	}
	if err := d.Stop(stopTimeout); err != nil {
		t.Error(err)
	}
	t.Logf("%d cycles (%d with SIGTERM, the rest kill -9) in %v: %d acknowledged writes, %d partitions, %d unanswered writes found applied, %d not",
		ran, terms, time.Since(start).Round(time.Millisecond), acks, len(recs), inflightApplied, inflightLost)
}

// TestKill9DuringPower: pvmd killed while partitions are starting or
// shutting down settles them on restart: a normal boot ends running (RMC
// comes up), a shutdown ends powered off, an SMS boot ends in open
// firmware.
func TestKill9DuringPower(t *testing.T) {
	dir := t.TempDir()
	// A running partition to shut down later.
	d := startPVMD(t, dir, startOpts{})
	c := tc{newClient(d.BaseURL()), t}
	c.mustLogon()
	lp10, lp11, lp12 := c.lparByName("lpar10"), c.lparByName("lpar11"), c.lparByName("lpar12")
	path := func(l lpar) string { return pathLPAR + "/" + l.UUID }
	c.runJobOK(path(lp12), "PowerOn")
	c.close()
	if err := d.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}

	// Realistic timing: every operation is still under way when killed.
	d, err := launch(t, dir, startOpts{Flags: []string{"--timing", "realistic"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Kill)
	c = tc{newClient(d.BaseURL()), t}
	c.mustLogon()
	c.startJob(path(lp10), "PowerOn", "bootmode", "sms")
	c.startJob(path(lp11), "PowerOn")
	c.startJob(path(lp12), "PowerOff", "operation", "shutdown")
	// A restart in its shutdown phase must come back running, not off.
	viosFeed := c.mustFeed("/rest/api/uom/VirtualIOServer")
	var vios2 string
	for _, e := range viosFeed.Entries {
		if text(e.Content, "PartitionName") == "vios2" {
			vios2 = "/rest/api/uom/VirtualIOServer/" + e.ID
		}
	}
	c.startJob(vios2, "PowerOff", "operation", "shutdown", "restart", "true")
	if got := c.mustLPAR(vios2); got.State != "shutting down" {
		t.Fatalf("vios2 is %q before the kill, want shutting down", got.State)
	}
	for _, l := range []lpar{lp10, lp11, lp12} {
		if got := c.mustLPAR(path(l)); got.State != "starting" && got.State != "shutting down" {
			t.Fatalf("%s is %q before the kill, want it mid-operation", l.Name, got.State)
		}
	}
	c.close()
	d.Kill()

	d = startPVMD(t, dir, startOpts{})
	c = tc{newClient(d.BaseURL()), t}
	defer c.close()
	c.mustLogon()
	c.waitLPAR(path(lp11), 5*time.Second, "running Linux", func(l lpar) bool {
		return l.State == "running" && l.RefCode == "Linux ppc64le"
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		e, _ := c.mustEntry(path(lp11))
		if text(e.Content, "ResourceMonitoringControlState") == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lpar11: RMC not active 5s after the recovered boot")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l := c.mustLPAR(path(lp12)); l.State != "not activated" || l.RefCode != "00000000" {
		t.Errorf("lpar12 after a killed shutdown: %q %q, want not activated 00000000", l.State, l.RefCode)
	}

	t.Run("OSVersionAfterRecoveredBoot", func(t *testing.T) {
		e, _ := tc{c.client, t}.mustEntry(path(lp11))
		if v := text(e.Content, "OperatingSystemVersion"); v == "Unknown" || v == "" {
			t.Errorf("a boot finished by recovery leaves OperatingSystemVersion %q (a normal boot sets the OS's version)", v)
		}
	})
	t.Run("SMSBootRecoversToOpenFirmware", func(t *testing.T) {
		tc{c.client, t}.waitLPAR(path(lp10), 5*time.Second, "open firmware CA00E1DC", func(l lpar) bool {
			return l.State == "open firmware" && l.RefCode == "CA00E1DC"
		})
	})
	t.Run("RestartResumesAfterKill", func(t *testing.T) {
		tc{c.client, t}.waitLPAR(vios2, 5*time.Second, "running again", func(l lpar) bool { return l.State == "running" })
	})
}
