package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fleetDaemon is a running fleet pvmd: its systems' addresses by name and
// its HMC's.
type fleetDaemon struct {
	*daemon
	names   []string
	systems map[string][2]string // name -> http, https
}

var (
	fleetSystemRE = regexp.MustCompile(`^pvmd system (\S+) http=(\S+) https=(\S+)$`)
	fleetReadyRE  = regexp.MustCompile(`^pvmd ready http=(\S+) https=(\S+) systems=(\d+)$`)
)

// launchFleet starts a fleet pvmd on dir (its systems on 127.0.1.x and
// its HMC on 127.0.0.2, every port picked free) and waits for its lines.
func launchFleet(t testing.TB, dir string, args ...string) (*fleetDaemon, error) {
	all := append([]string{"--state-dir", dir, "--timing", "fast", "--event-wait", "2s",
		"--fleet-http-port", "0", "--fleet-https-port", "0", "--hmc-addr", "127.0.0.2"}, args...)
	cmd := exec.Command(pvmdBin, all...)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PVMD_ADMIN_PASSWORD=") && !strings.HasPrefix(kv, "PVMD_HMC_PASSWORD=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PVMD_ADMIN_PASSWORD="+adminPassword, "PVMD_HMC_PASSWORD="+hmcPassword)
	fd := &fleetDaemon{daemon: &daemon{Dir: dir, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}, systems: map[string][2]string{}}
	cmd.Stderr = fd.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if m := fleetSystemRE.FindStringSubmatch(line); m != nil && !sent {
				fd.names = append(fd.names, m[1])
				fd.systems[m[1]] = [2]string{m[2], m[3]}
			}
			if m := fleetReadyRE.FindStringSubmatch(line); m != nil && !sent {
				fd.HTTP, fd.HTTPS = m[1], m[2]
				var err error
				if m[3] != fmt.Sprint(len(fd.names)) {
					err = fmt.Errorf("ready line says %s systems, %d system lines came before it", m[3], len(fd.names))
				}
				ready <- err
				sent = true
			}
		}
		io.Copy(io.Discard, stdout)
		fd.waitErr = cmd.Wait()
		close(fd.done)
	}()
	select {
	case err := <-ready:
		return fd, err
	case <-fd.done:
		return nil, fmt.Errorf("pvmd exited before it was ready (%v); stderr:\n%s", fd.waitErr, fd.stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-fd.done
		return nil, fmt.Errorf("the fleet was not ready within 30s; stderr:\n%s", fd.stderr.String())
	}
}

func startFleet(t *testing.T, dir string, args ...string) *fleetDaemon {
	t.Helper()
	fd, err := launchFleet(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fd.Stop(stopTimeout); err != nil {
			t.Errorf("stopping the fleet: %v", err)
		}
	})
	return fd
}

// sysClient is a padmin session on one system's NovaLink.
func (fd *fleetDaemon) sysClient(t testing.TB, name string) tc {
	t.Helper()
	c := tc{newClient("https://" + fd.systems[name][1]), t}
	if err := c.logon("padmin", adminPassword); err != nil {
		t.Fatalf("logon to %s: %v", name, err)
	}
	return c
}

// hmcClient is an hscroot session on the fleet's HMC.
func (fd *fleetDaemon) hmcClient(t testing.TB) tc {
	t.Helper()
	c := tc{newClient("https://" + fd.HTTPS), t}
	if err := c.logon("hscroot", hmcPassword); err != nil {
		t.Fatalf("logon to the HMC: %v", err)
	}
	return c
}

// pvmctl runs pvmctl against one system (PVM_URL), as its padmin.
func (fd *fleetDaemon) pvmctl(t *testing.T, name string, args ...string) string {
	t.Helper()
	work := t.TempDir()
	cmd := exec.Command(pvmctlBin, args...)
	cmd.Env = append(os.Environ(), "PVM_URL=https://"+fd.systems[name][1], "PVM_USER=padmin", "PVM_PASSWORD="+adminPassword,
		"PVM_INSECURE=1", "PVMCTL_LOG="+filepath.Join(work, "pvmctl.log"), "PVMCTL_SESSION_DIR=off", "HOME="+work, "PVM_LAYOUT=development", "COLUMNS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pvmctl %s on %s: %v\n%s", strings.Join(args, " "), name, err, out)
	}
	return string(out)
}

// TestFleet drives a fleet of three as its users would: each system's
// address serves only that system, a logical unit made on system 1's
// shared storage pool is mapped to a partition of system 2, the HMC lists
// all three, and one system's API goes down while the others serve.
func TestFleet(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "3")
	if len(fd.names) != 3 {
		t.Fatalf("%d system lines, want 3", len(fd.names))
	}
	// Each address serves only its system.
	uuids := map[string]string{}
	for _, n := range fd.names {
		c := fd.sysClient(t, n)
		if c.mustFeed(pathMS); len(c.mustFeed(pathMS).Entries) != 1 {
			t.Fatalf("%s serves %d managed systems", n, len(c.mustFeed(pathMS).Entries))
		}
		uuids[n] = c.systemUUID()
		if got := len(c.mustFeed(pathLPAR).Entries) + len(c.mustFeed("/rest/api/uom/VirtualIOServer").Entries); got != 6 {
			t.Fatalf("%s serves %d partitions, want its 6", n, got)
		}
		if r, _ := c.get(pathMS + "/" + c.systemUUID()); r.Status != http.StatusOK {
			t.Fatal(r)
		}
	}
	if uuids["sys1"] == uuids["sys2"] || uuids["sys2"] == uuids["sys3"] {
		t.Fatalf("systems share a UUID: %v", uuids)
	}
	s1, s2 := fd.sysClient(t, "sys1"), fd.sysClient(t, "sys2")
	s1.expect(http.StatusNotFound, "GET", pathMS+"/"+uuids["sys2"], nil)

	// Each system has its own simulator controls and performance data: a
	// load set on sys1's partition is sys1's alone; sys2's PCM answers for
	// sys2, not for sys1.
	l10 := s1.lparByName("lpar10").UUID
	s1.expect(http.StatusOK, "PUT", "/rest/api/sim/LogicalPartition/"+l10+"/Load", []byte(`{"cpu":0.3}`), "Content-Type", "application/json")
	loads := func(c tc) int {
		var body struct{ Loads []json.RawMessage }
		if err := json.Unmarshal(c.expect(http.StatusOK, "GET", "/rest/api/sim/Load", nil).Body, &body); err != nil {
			c.t.Fatal(err)
		}
		return len(body.Loads)
	}
	if n1, n2 := loads(s1), loads(s2); n1 != 1 || n2 != 0 {
		t.Fatalf("loads set: sys1 %d, sys2 %d; want 1 and 0", n1, n2)
	}
	s2.expect(http.StatusNotFound, "PUT", "/rest/api/sim/LogicalPartition/"+l10+"/Load", []byte(`{"cpu":0.3}`), "Content-Type", "application/json")
	// A fault rule set on sys1 answers sys1's requests only; a snapshot
	// saved on sys2 is sys2's; sys1, sharing the fleet's cluster, is not
	// reset to an inventory without it.
	json1 := []string{"Content-Type", "application/json"}
	s1.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"route":"/rest/api/uom/LogicalPartition","method":"GET","status":503,"message":"sys1 is busy"}`), json1...)
	if r := s1.expect(http.StatusServiceUnavailable, "GET", pathLPAR, nil); !strings.Contains(string(r.Body), "sys1 is busy") {
		t.Fatalf("sys1's fault answer: %s", r.Body)
	}
	s2.mustFeed(pathLPAR)
	s1.expect(http.StatusOK, "DELETE", "/rest/api/sim/Fault", nil)
	s1.mustFeed(pathLPAR)
	s2.expect(http.StatusCreated, "PUT", "/rest/api/sim/Snapshot/before", nil)
	snaps := func(c tc) int {
		var body struct{ Snapshots []json.RawMessage }
		if err := json.Unmarshal(c.expect(http.StatusOK, "GET", "/rest/api/sim/Snapshot", nil).Body, &body); err != nil {
			c.t.Fatal(err)
		}
		return len(body.Snapshots)
	}
	if n1, n2 := snaps(s1), snaps(s2); n1 != 0 || n2 != 1 {
		t.Fatalf("snapshots: sys1 %d, sys2 %d; want 0 and 1", n1, n2)
	}
	if r := s1.expect(http.StatusConflict, "POST", "/rest/api/sim/Reset", nil); !strings.Contains(string(r.Body), "shares the cluster") {
		t.Fatalf("reset of sys1: %s", r.Body)
	}
	s2.expect(http.StatusOK, "GET", "/rest/api/pcm/ManagedSystem/"+uuids["sys2"]+"/preferences", nil)
	s2.expect(http.StatusNotFound, "GET", "/rest/api/pcm/ManagedSystem/"+uuids["sys1"]+"/preferences", nil)

	// Shared storage: the three systems of the default layout share one
	// cluster; a LU made on sys1 is mapped on sys2.
	fd.pvmctl(t, "sys1", "lu", "create", "--name", "fleetlu", "--size", "5", "--ssp", "pool1")
	fd.pvmctl(t, "sys2", "scsi", "create", "--type", "lu", "--lpar", "name=lpar10", "--stor-id", "name=fleetlu", "--parent-id", "name=vios1")
	out := fd.pvmctl(t, "sys2", "scsi", "list", "-p", "name=vios1")
	if !strings.Contains(out, "fleetlu") {
		t.Fatalf("sys2's vios1 does not map fleetlu:\n%s", out)
	}
	free := func(c tc) (string, int) {
		f := c.mustFeed("/rest/api/uom/SharedStoragePool")
		if len(f.Entries) != 1 {
			c.t.Fatalf("%d pools", len(f.Entries))
		}
		el := f.Entries[0].Content
		n := 0
		for _, c := range el.Find("LogicalUnits").Children {
			if c.Local == "LogicalUnit" {
				n++
			}
		}
		return text(el, "FreeSpace"), n
	}
	f1, n1 := free(s1)
	f2, n2 := free(s2)
	if f1 != f2 || n1 != 1 || n2 != 1 {
		t.Fatalf("pool: sys1 free %s with %d LUs, sys2 free %s with %d LUs", f1, n1, f2, n2)
	}
	// Removing the LU from sys1 is refused while sys2 maps it.
	cmd := exec.Command(pvmctlBin, "lu", "delete", "-i", "name=fleetlu", "--ssp", "pool1")
	cmd.Env = append(os.Environ(), "PVM_URL=https://"+fd.systems["sys1"][1], "PVM_USER=padmin", "PVM_PASSWORD="+adminPassword,
		"PVM_INSECURE=1", "PVMCTL_LOG="+filepath.Join(t.TempDir(), "log"), "PVMCTL_SESSION_DIR=off", "HOME="+t.TempDir(), "PVM_LAYOUT=development")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "mapped on the managed system") {
		t.Fatalf("removing a LU sys2 maps, from sys1: %v\n%s", err, out)
	}

	// The HMC lists all three, with their partitions.
	h := fd.hmcClient(t)
	hr := h.expect(http.StatusOK, "GET", "/rest/api/uom/ManagementConsole", nil)
	if mc := hr.Header.Get("X-MC-Type"); mc != "HMC" {
		t.Fatalf("X-MC-Type %q", mc)
	}
	hf, _ := hr.feed()
	links := hf.Entries[0].Content.Find("ManagedSystems").FindAll("link")
	if len(links) != 3 {
		t.Fatalf("the HMC links %d managed systems", len(links))
	}
	ms := h.mustFeed(pathMS)
	if len(ms.Entries) != 3 {
		t.Fatalf("the HMC's ManagedSystem feed has %d entries", len(ms.Entries))
	}
	for _, l := range links {
		href := l.Attr("href")
		path := href[strings.Index(href, "/rest/api/"):]
		e, _ := h.mustEntry(path)
		lpars := e.Content.Find("AssociatedLogicalPartitions").FindAll("link")
		vioses := e.Content.Find("AssociatedVirtualIOServers").FindAll("link")
		if len(lpars) != 4 || len(vioses) != 2 {
			t.Fatalf("%s: %d partitions and %d VIOSes linked, want 4 and 2", path, len(lpars), len(vioses))
		}
		lh := lpars[0].Attr("href")
		h.mustEntry(lh[strings.Index(lh, "/rest/api/"):])
	}
	if n := len(h.mustFeed(pathLPAR).Entries); n != 12 {
		t.Fatalf("the HMC's LogicalPartition feed has %d entries, want 12", n)
	}

	// sys2's API down: its address refuses connections, the others serve,
	// the HMC still reaches sys2 (through its service processor).
	setAPI := func(name, state string) {
		t.Helper()
		h.expect(http.StatusOK, "PUT", "/rest/api/sim/Fleet/"+name+"/API", []byte(`{"state":"`+state+`"}`), "Content-Type", "application/json")
	}
	setAPI("sys2", "down")
	if _, err := newClient("https://"+fd.systems["sys2"][1]).get(pathMS, "X-API-Session", "x"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("sys2 with its API down: %v, want connection refused", err)
	}
	fd.sysClient(t, "sys1").mustFeed(pathLPAR)
	fd.sysClient(t, "sys3").mustFeed(pathLPAR)
	h.mustEntry(pathMS + "/" + uuids["sys2"])
	var list struct {
		Systems []struct {
			Name, API string
			Running   int
		}
	}
	lr := h.expect(http.StatusOK, "GET", "/rest/api/sim/Fleet", nil)
	if err := json.Unmarshal(lr.Body, &list); err != nil || len(list.Systems) != 3 || list.Systems[1].API != "down" || list.Systems[1].Running != 3 {
		t.Fatalf("fleet list with sys2 down: %v %s", err, lr.Body)
	}
	setAPI("sys2", "up")
	fd.sysClient(t, "sys2").mustFeed(pathLPAR) // sessions and all, as before

	// pvmd fleet list shows them.
	lc := exec.Command(pvmdBin, "fleet", "list", "--state-dir", fd.Dir)
	lc.Env = append(os.Environ(), "PVMD_HMC_PASSWORD="+hmcPassword)
	lout, err := lc.CombinedOutput()
	if err != nil || strings.Count(string(lout), "operating") != 3 || !strings.Contains(string(lout), fd.systems["sys3"][1]) {
		t.Fatalf("pvmd fleet list: %v\n%s", err, lout)
	}

	// Bad input: unknown systems and states change nothing.
	h.expect(http.StatusNotFound, "PUT", "/rest/api/sim/Fleet/nosuch/API", []byte(`{"state":"down"}`), "Content-Type", "application/json")
	h.expect(http.StatusBadRequest, "PUT", "/rest/api/sim/Fleet/sys1/API", []byte(`{"state":"sideways"}`), "Content-Type", "application/json")
	fd.sysClient(t, "sys1").mustFeed(pathLPAR)

	// Power sys3 off: its partitions stop, its NovaLink API goes.
	l3 := fd.sysClient(t, "sys3").lparByName("lpar10").UUID
	h.expect(http.StatusOK, "PUT", "/rest/api/sim/Fleet/sys3/Power", []byte(`{"state":"off"}`), "Content-Type", "application/json")
	e, _ := h.mustEntry(pathMS + "/" + uuids["sys3"])
	if st := text(e.Content, "State"); st != "power off" {
		t.Fatalf("sys3 powered off is %q", st)
	}
	if _, err := newClient("https://" + fd.systems["sys3"][1]).get(pathMS); err == nil {
		t.Fatal("sys3's API answers while the system is off")
	}
	// What cannot be done while it is off gets the one message of a
	// system powered off (the simulator's state gives the same:
	// simctl.txtar): a partition's start through the HMC, its API brought
	// up.
	off := "[PVME01050950-0301] The managed system " + text(e.Content, "SystemName") +
		" is powered off; the operation cannot be performed until it is powered on."
	jr := h.waitJob(h.startJob(pathLPAR+"/"+l3, "PowerOn"), 20*time.Second)
	if st, msg := text(jr, "Status"), text(jr, "ResponseException/Message"); st == "COMPLETED_OK" || msg != off {
		t.Errorf("PowerOn on sys3 powered off: %s %q, want %q", st, msg, off)
	}
	if r := h.expect(http.StatusConflict, "PUT", "/rest/api/sim/Fleet/sys3/API", []byte(`{"state":"up"}`), "Content-Type", "application/json"); !strings.Contains(string(r.Body), off) {
		t.Errorf("sys3's API up while it is off: %s, want %q", r, off)
	}
	h.expect(http.StatusOK, "PUT", "/rest/api/sim/Fleet/sys3/Power", []byte(`{"state":"on"}`), "Content-Type", "application/json")
	c3 := fd.sysClient(t, "sys3")
	c3.waitLPAR(pathLPAR+"/"+c3.lparByName("novalink").UUID, 10*time.Second, "NovaLink running", func(l lpar) bool { return l.State == "running" })
}

// TestFleetOfOne: a fleet of one system is a fleet like any other (one
// system line, its NovaLink serving only itself, the HMC listing it), and
// what is made on it is there after a restart.
func TestFleetOfOne(t *testing.T) {
	dir := t.TempDir()
	fd := startFleet(t, dir, "--systems", "1")
	if len(fd.names) != 1 || fd.names[0] != "sys1" {
		t.Fatalf("system lines %v, want sys1", fd.names)
	}
	c := fd.sysClient(t, "sys1")
	if n := len(c.mustFeed(pathMS).Entries); n != 1 {
		t.Fatalf("%d managed systems", n)
	}
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "one1", "--mem", "1024", "--proc", "1")
	if n := len(fd.hmcClient(t).mustFeed(pathMS).Entries); n != 1 {
		t.Fatalf("the HMC lists %d managed systems", n)
	}
	if err := fd.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	fd = startFleet(t, dir, "--systems", "1")
	if out := fd.pvmctl(t, "sys1", "lpar", "list", "--where", "name=one1"); !strings.Contains(out, "one1") {
		t.Fatalf("one1 is gone after a restart:\n%s", out)
	}
}

// TestFleetKill9 kills the fleet at random moments while clients change
// every system; after each restart every acknowledged change is there.
func TestFleetKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	dir := t.TempDir()
	// Three systems with room for the partitions of every cycle: the
	// clients create as fast as pvmd answers, and a system of the
	// default layout has room for 1,000.
	fleetFile := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(fleetFile, []byte("defaults:\n  system: {maxPartitions: 20000}\nsystems:\n  - count: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	type rec struct {
		sys, uuid, name string
	}
	var acked []rec
	var mu sync.Mutex
	for cycle := 0; cycle < 4; cycle++ {
		fd, err := launchFleet(t, dir, "--fleet", fleetFile)
		if err != nil {
			t.Fatal(err)
		}
		// What was acknowledged before is all there.
		for _, n := range fd.names {
			c := fd.sysClient(t, n)
			have := map[string]bool{}
			for _, e := range c.mustFeed(pathLPAR).Entries {
				have[text(e.Content, "PartitionName")] = true
			}
			for _, r := range acked {
				if r.sys == n && !have[r.name] {
					fd.Kill()
					t.Fatalf("cycle %d: %s lost acknowledged partition %s (%s)", cycle, n, r.name, r.uuid)
				}
			}
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		var acks atomic.Int64
		for _, n := range fd.names {
			c := fd.sysClient(t, n)
			ms := c.systemUUID()
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; !stop.Load(); i++ {
						id := pvmUUID()
						name := fmt.Sprintf("k9-%d-%s", cycle, id[:8])
						resp, err := c.put(pathMS+"/"+ms+"/LogicalPartition", "LogicalPartition", lparBody(id, name, 256, 512, 1024))
						if err != nil {
							return // killed
						}
						if resp.Status != http.StatusOK {
							if !stop.Load() {
								t.Errorf("create on %s: %s", n, resp)
							}
							return
						}
						mu.Lock()
						acked = append(acked, rec{n, id, name})
						mu.Unlock()
						acks.Add(1)
					}
				}()
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for acks.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		stop.Store(true)
		fd.Kill()
		wg.Wait()
		if acks.Load() == 0 {
			t.Fatalf("cycle %d: no change was acknowledged before the kill", cycle)
		}
	}
	fd, err := launchFleet(t, dir, "--fleet", fleetFile)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fd.Stop(stopTimeout); err != nil {
			t.Error(err)
		}
	}()
	total := 0
	for _, n := range fd.names {
		total += len(fd.sysClient(t, n).mustFeed(pathLPAR).Entries)
	}
	if want := len(acked) + 3*4; total < want {
		t.Fatalf("%d partitions after the last restart, want at least %d", total, want)
	}
}
