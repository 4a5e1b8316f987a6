package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// pvmctlRun runs pvmctl against one system of the fleet and returns its
// output and error (a refusal is an answer too).
func (fd *fleetDaemon) pvmctlRun(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	work := t.TempDir()
	cmd := exec.Command(pvmctlBin, args...)
	cmd.Env = append(os.Environ(), "PVM_URL=https://"+fd.systems[name][1], "PVM_USER=padmin", "PVM_PASSWORD="+adminPassword,
		"PVM_INSECURE=1", "PVMCTL_LOG="+filepath.Join(work, "pvmctl.log"), "PVMCTL_SESSION_DIR=off", "HOME="+work, "PVM_LAYOUT=development", "COLUMNS=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// held is what one system holds of a partition, read through its REST API.
type held struct {
	found             bool
	state, migState   string
	rmc               string
	macs              map[string]string // MAC -> PVID
	scsi, fc          int
	active, inactive  string // the system's migration counters
	sysName, sysState string
}

func (fd *fleetDaemon) heldOf(t *testing.T, name, uuid string) held {
	t.Helper()
	c := fd.sysClient(t, name)
	h := held{macs: map[string]string{}}
	for _, e := range c.mustFeed(pathLPAR).Entries {
		if !strings.EqualFold(e.ID, uuid) {
			continue
		}
		h.found = true
		h.state, h.migState = text(e.Content, "PartitionState"), text(e.Content, "MigrationState")
		h.rmc = text(e.Content, "ResourceMonitoringControlState")
		for _, a := range c.mustFeed(pathLPAR + "/" + uuid + "/ClientNetworkAdapter").Entries {
			h.macs[text(a.Content, "MACAddress")] = text(a.Content, "PortVLANID")
		}
	}
	for _, v := range c.mustFeed("/rest/api/uom/VirtualIOServer").Entries {
		count := func(group, item string) int {
			n := 0
			if g := v.Content.Find(group); g != nil {
				for _, m := range g.FindAll(item) {
					if l := m.Find("AssociatedLogicalPartition"); l != nil && strings.HasSuffix(strings.ToUpper(l.Attr("href")), strings.ToUpper(uuid)) {
						n++
					}
				}
			}
			return n
		}
		h.scsi += count("VirtualSCSIMappings", "VirtualSCSIMapping")
		h.fc += count("VirtualFibreChannelMappings", "VirtualFibreChannelMapping")
	}
	ms := c.mustFeed(pathMS).Entries[0].Content
	h.active = text(ms, "SystemMigrationInformation/NumberOfActiveMigrationsInProgress")
	h.inactive = text(ms, "SystemMigrationInformation/NumberOfInactiveMigrationsInProgress")
	h.sysName, h.sysState = text(ms, "SystemName"), text(ms, "State")
	return h
}

// trust adds the public key of from's NovaLink to to's authorized keys,
// as pypowervm's add_authorized_key does (the console sent back with one
// more AuthorizedKey).
func (fd *fleetDaemon) trust(t *testing.T, to, from string) {
	t.Helper()
	key := text(fd.sysClient(t, from).mustFeed("/rest/api/uom/ManagementConsole").Entries[0].Content, "PublicSSHKey")
	if !strings.HasPrefix(key, "ssh-") {
		t.Fatalf("%s's PublicSSHKey %q", from, key)
	}
	c := fd.sysClient(t, to)
	e := c.mustFeed("/rest/api/uom/ManagementConsole").Entries[0]
	ak := e.Content.Find("AuthorizedKeys")
	ak.Append(uom.Leaf(uom.NSUOM, "AuthorizedKey", "", key))
	c.expect(http.StatusOK, http.MethodPost, "/rest/api/uom/ManagementConsole/"+e.ID, e.Content.Bytes(),
		"Content-Type", uom.MediaType(uom.ServiceUOM, "ManagementConsole"), "If-Match", e.Etag)
	got := c.mustFeed("/rest/api/uom/ManagementConsole").Entries[0].Content.Find("AuthorizedKeys")
	if got == nil || !strings.Contains(string(got.Bytes()), key) {
		t.Fatalf("%s does not list the key of %s after the update", to, from)
	}
}

// owner checks that exactly one system holds the partition and the other
// nothing of it (no adapters, no mappings), and returns it.
func (fd *fleetDaemon) owner(t *testing.T, uuid string) (string, held) {
	t.Helper()
	var own string
	var oh held
	for _, n := range fd.names {
		h := fd.heldOf(t, n, uuid)
		switch {
		case h.found && own != "":
			t.Fatalf("partition %s is on %s and %s", uuid, own, n)
		case h.found:
			own, oh = n, h
		case len(h.macs) > 0 || h.scsi > 0 || h.fc > 0:
			t.Fatalf("%s holds adapters %v and %d vSCSI, %d vFC mappings of partition %s it does not have", n, h.macs, h.scsi, h.fc, uuid)
		}
	}
	if own == "" {
		t.Fatalf("no system has partition %s", uuid)
	}
	return own, oh
}

// migrationVM makes a partition on sys1 that can migrate: its adapters
// on ETHERNET0's bridged VLAN 1 and on MGMTSWITCH (RMC), a logical unit
// of the shared pool mapped through both VIOSes; running with RMC active.
func migrationVM(t *testing.T, fd *fleetDaemon, name string, memMB string) string {
	t.Helper()
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", name, "--mem", memMB, "--proc", "1")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name="+name)
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "4094", "--vswitch", "MGMTSWITCH", "-p", "name="+name)
	fd.pvmctl(t, "sys1", "lu", "create", "--name", name+"disk", "--size", "5", "--ssp", "pool1")
	for _, v := range []string{"vios1", "vios2"} {
		fd.pvmctl(t, "sys1", "scsi", "create", "--type", "lu", "--lpar", "name="+name, "--stor-id", "name="+name+"disk", "--parent-id", "name="+v)
	}
	fd.pvmctl(t, "sys1", "lpar", "power-on", "-i", "name="+name)
	c := fd.sysClient(t, "sys1")
	l := c.lparByName(name)
	deadline := time.Now().Add(20 * time.Second)
	for fd.heldOf(t, "sys1", l.UUID).rmc != "active" {
		if time.Now().After(deadline) {
			t.Fatalf("%s: RMC not active", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return l.UUID
}

// TestMigrate drives live partition mobility as its users would: pvmctl
// on the source's NovaLink validates and migrates a running partition to
// the other system of the fleet (same UUID, its adapters' MACs and VLANs
// on the target's switch, its disk mapped through the target's VIOSes,
// nothing left on the source, events on both systems, the counters back
// to 0), refuses a migration the target cannot take, stops one in
// progress, and migrates it back.
func TestMigrate(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "2")
	uuid := migrationVM(t, fd, "vm1", "2048")
	before := fd.heldOf(t, "sys1", uuid)
	if before.scsi != 2 || len(before.macs) != 2 || before.migState != "Not_Migrating" {
		t.Fatalf("vm1 before: %+v", before)
	}
	sys1, sys2 := before.sysName, fd.heldOf(t, "sys2", uuid).sysName
	host2, _, _ := net.SplitHostPort(fd.systems["sys2"][1])

	ev1, _ := startEvents(t, fd.sysClient(t, "sys1").client, "lpm-sys1")
	defer ev1.stop()
	ev2, _ := startEvents(t, fd.sysClient(t, "sys2").client, "lpm-sys2")
	defer ev2.stop()

	out := fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--validate")
	if !strings.Contains(out, "Partition vm1 can be migrated to "+sys2+".") {
		t.Fatalf("validate:\n%s", out)
	}
	// Refused: the wrong address for the target, an unknown system.
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--ip", "192.0.2.99"); err == nil || !strings.Contains(out, "No NovaLink at 192.0.2.99") {
		t.Fatalf("migrate to a wrong address: %v\n%s", err, out)
	}
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", "Server-9999-99X-SNNONE"); err == nil || !strings.Contains(out, "not known") {
		t.Fatalf("migrate to an unknown system: %v\n%s", err, out)
	}
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1"); err == nil || !strings.Contains(out, "--target-system is required") {
		t.Fatalf("migrate without a target: %v\n%s", err, out)
	}

	// Named by its address, the target must trust the source's NovaLink
	// first (its key in the target's ManagementConsole AuthorizedKeys).
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--ip", host2, "--validate"); err == nil || !strings.Contains(out, "does not trust") {
		t.Fatalf("migrate from an untrusted NovaLink: %v\n%s", err, out)
	}
	fd.trust(t, "sys2", "sys1")
	out = fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--ip", host2, "-u", "wlp")
	for _, want := range []string{"Migrating partition vm1 to " + sys2, "Copied 100% of the memory of partition vm1", "Partition vm1 migrated to " + sys2 + "."} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate output lacks %q:\n%s", want, out)
		}
	}
	own, after := fd.owner(t, uuid)
	if own != "sys2" || after.state != "running" || after.migState != "Not_Migrating" {
		t.Fatalf("after the migration: on %s, %+v", own, after)
	}
	if len(after.macs) != 2 || after.scsi != 2 {
		t.Fatalf("on sys2: adapters %v, %d vSCSI mappings", after.macs, after.scsi)
	}
	for mac, pvid := range before.macs {
		if after.macs[mac] != pvid {
			t.Errorf("adapter %s: VLAN %s on sys2, was %s", mac, after.macs[mac], pvid)
		}
	}
	for _, n := range fd.names {
		if h := fd.heldOf(t, n, uuid); h.active != "0" || h.inactive != "0" {
			t.Errorf("%s's migrations in progress after: %s active, %s inactive", n, h.active, h.inactive)
		}
	}
	path := "/LogicalPartition/" + uuid
	ev1.waitFor(t, 10*time.Second, "vm1 deleted on sys1", func(e event) bool {
		return e.Type == "DELETE_URI" && strings.HasSuffix(strings.ToUpper(e.Data), strings.ToUpper(path))
	})
	ev2.waitFor(t, 10*time.Second, "vm1 added on sys2", func(e event) bool {
		return e.Type == "ADD_URI" && strings.HasSuffix(strings.ToUpper(e.Data), strings.ToUpper(path))
	})
	if !strings.Contains(fd.pvmctl(t, "sys2", "scsi", "list", "-p", "name=vios1"), "vm1disk") {
		t.Error("sys2's vios1 does not map vm1disk")
	}

	// Back to sys1 is refused while a partition there has its name.
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "vm1", "--mem", "1024", "--proc", "1")
	if out, err := fd.pvmctlRun(t, "sys2", "lpar", "migrate", "-i", "name=vm1", "-t", sys1, "--validate"); err == nil || !strings.Contains(out, "has a partition named vm1 already") {
		t.Fatalf("validate against a name clash: %v\n%s", err, out)
	}
	fd.pvmctl(t, "sys1", "lpar", "delete", "-i", "name=vm1")

	// A big partition's migration stopped while its memory is copied:
	// it runs on sys1 as before.
	big := migrationVM(t, fd, "big", "65536")
	out = fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=big", "-t", sys2, "--no-wait")
	if !strings.Contains(out, "started in pvmd") {
		t.Fatalf("migrate --no-wait:\n%s", out)
	}
	out = fd.pvmctl(t, "sys1", "lpar", "migrate-stop", "-i", "name=big")
	if !strings.Contains(out, "The migration of partition big was stopped.") {
		t.Fatalf("migrate-stop:\n%s", out)
	}
	if own, h := fd.owner(t, big); own != "sys1" || h.state != "running" || h.migState != "Not_Migrating" || h.active != "0" {
		t.Fatalf("after the stop: on %s, %+v", own, h)
	}
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate-stop", "-i", "name=big"); err == nil || !strings.Contains(out, "not migrating") {
		t.Fatalf("migrate-stop of nothing: %v\n%s", err, out)
	}

	// vm1 back to sys1, from sys2's NovaLink.
	out = fd.pvmctl(t, "sys2", "lpar", "migrate", "-i", "name=vm1", "-t", sys1)
	if !strings.Contains(out, "Partition vm1 migrated to "+sys1+".") {
		t.Fatalf("migrate back:\n%s", out)
	}
	if own, h := fd.owner(t, uuid); own != "sys1" || h.scsi != 2 || len(h.macs) != 2 {
		t.Fatalf("back: on %s, %+v", own, h)
	}
}

// TestMigrateKill9 kills pvmd at each phase of a migration, each held
// there by a fault rule of the simulator (a delay on the phase): after the
// restart exactly one system owns the partition, the other holds nothing
// of it; a migration cut before its switch is Migration_Failed on the
// source, counted on both systems until migrate-recover puts it back, one
// cut after it is whole on the target; after which it migrates.
func TestMigrateKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	dir := t.TempDir()
	fd, err := launchFleet(t, dir, "--systems", "2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fd.Kill() }) // whichever runs last; a stopped one is left as it is
	uuid := migrationVM(t, fd, "vm1", "2048")
	sys2 := fd.heldOf(t, "sys2", uuid).sysName
	phases := []struct {
		phase string // the phase a rule holds
		// at tells the phase is reached (src: the source, dst: the target).
		at func(fd *fleetDaemon, src, dst string) bool
	}{
		{"start", func(fd *fleetDaemon, src, _ string) bool {
			return fd.heldOf(t, src, uuid).migState == "Migration_Starting"
		}},
		{"copy", func(fd *fleetDaemon, src, _ string) bool {
			return fd.heldOf(t, src, uuid).migState == "Migration_In_Progress"
		}},
		{"switch", func(fd *fleetDaemon, _, dst string) bool {
			return fd.heldOf(t, dst, uuid).migState == "Migration_Complete"
		}},
	}
	src := "sys1"
	for _, ph := range phases {
		c := fd.sysClient(t, src)
		dst := map[string]string{"sys1": "sys2", "sys2": "sys1"}[src]
		target := sys2
		if src == "sys2" {
			target = fd.heldOf(t, "sys1", uuid).sysName
		}
		c.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"job":"Migrate","phase":"`+ph.phase+`","delay":"10m","count":1}`), "Content-Type", "application/json")
		c.startJob(pathLPAR+"/"+uuid, "Migrate", "TargetManagedSystemName", target)
		deadline := time.Now().Add(20 * time.Second)
		for !ph.at(fd, src, dst) {
			if time.Now().After(deadline) {
				fd.Kill()
				t.Fatalf("%s: never reached", ph.phase)
			}
			time.Sleep(5 * time.Millisecond)
		}
		fd.Kill()
		if fd, err = launchFleet(t, dir, "--systems", "2"); err != nil {
			t.Fatal(err)
		}
		own, h := fd.owner(t, uuid)
		other := "sys2"
		if own == "sys2" {
			other = "sys1"
		}
		oh := fd.heldOf(t, other, uuid)
		t.Logf("killed in %s: on %s, %s, %s", ph.phase, own, h.state, h.migState)
		if switched := own != src; switched != (ph.phase == "switch") {
			t.Fatalf("killed in %s: the partition is on %s (it was migrating from %s)", ph.phase, own, src)
		}
		switch {
		case own == src && h.migState == "Migration_Failed":
			if h.active != "1" || oh.active != "1" || h.state != "migrating running" {
				t.Fatalf("%s: failed on the source: %+v; target counts %s", ph.phase, h, oh.active)
			}
			if out, err := fd.pvmctlRun(t, own, "lpar", "migrate", "-i", "name=vm1", "-t", target, "--validate"); err == nil || !strings.Contains(out, "recover it with MigrateRecover") {
				t.Fatalf("%s: validate of a failed migration: %v\n%s", ph.phase, err, out)
			}
			out := fd.pvmctl(t, own, "lpar", "migrate-recover", "-i", "name=vm1")
			if !strings.Contains(out, "The migration of partition vm1 was recovered.") {
				t.Fatalf("migrate-recover:\n%s", out)
			}
			h, oh = fd.heldOf(t, own, uuid), fd.heldOf(t, other, uuid)
			if h.state != "running" || h.migState != "Not_Migrating" || h.active != "0" || oh.active != "0" {
				t.Fatalf("%s: after recover: %+v; target counts %s", ph.phase, h, oh.active)
			}
		case own != src:
			// Switched before the kill: whole on the target.
			if h.migState != "Not_Migrating" || h.scsi != 2 || len(h.macs) != 2 || h.active != "0" || oh.active != "0" {
				t.Fatalf("%s: on the target %+v; source counts %s", ph.phase, h, oh.active)
			}
			src = own
		default:
			t.Fatalf("%s: on the source in %s (%s)", ph.phase, h.migState, h.state)
		}
	}
	// It migrates after all that.
	target := fd.heldOf(t, map[string]string{"sys1": "sys2", "sys2": "sys1"}[src], uuid).sysName
	fd.pvmctl(t, src, "lpar", "migrate", "-i", "name=vm1", "-t", target)
	if own, _ := fd.owner(t, uuid); own == src {
		t.Fatal("the migration after the kills did not move the partition")
	}
	if err := fd.Stop(stopTimeout); err != nil {
		t.Error(err)
	}
}

// TestRemoteRestart: with system 1 powered off by the fleet's control, the
// HMC's RemoteRestart job validates and restarts its simplified-remote-
// restart-capable partition on system 2 (same UUID, MACs, disk through
// system 2's VIOSes, running); system 1, on again, shows its stale copy
// and cleans it up, after which system 2 alone has the partition.
func TestRemoteRestart(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "2")
	uuid := migrationVM(t, fd, "vm1", "2048")
	fd.pvmctl(t, "sys1", "lpar", "update", "-i", "name=vm1", "--set-fields", "srr_capable=true")
	before := fd.heldOf(t, "sys1", uuid)
	sys2 := fd.heldOf(t, "sys2", uuid).sysName
	h := fd.hmcClient(t)
	power := func(name, state string) {
		t.Helper()
		h.expect(http.StatusOK, "PUT", "/rest/api/sim/Fleet/"+name+"/Power", []byte(`{"state":"`+state+`"}`), "Content-Type", "application/json")
	}
	job := func(c tc, op string) *uom.Element {
		t.Helper()
		return c.waitJob(c.startJob(pathLPAR+"/"+uuid, "RemoteRestart", "Operation", op, "targetManagedSystem", sys2), 30*time.Second)
	}
	// Refused while system 1 runs (asked of its NovaLink, its master; the
	// HMC, not master, is refused that).
	if jr := job(h, "validate"); !strings.Contains(text(jr, "ResponseException/Message"), "management master") {
		t.Fatalf("validate from the HMC, not master, with system 1 running: %s", jr.String())
	}
	if jr := job(fd.sysClient(t, "sys1"), "validate"); text(jr, "Status") != "FAILED_BEFORE_COMPLETION" || !strings.Contains(text(jr, "ResponseException/Message"), "powered off or failed") {
		t.Fatalf("validate with system 1 running: %s", jr.String())
	}
	power("sys1", "off")
	for _, op := range []string{"validate", "restart"} {
		if jr := job(h, op); text(jr, "Status") != "COMPLETED_OK" {
			t.Fatalf("%s: %s", op, jr.String())
		}
	}
	after := fd.heldOf(t, "sys2", uuid)
	if !after.found || after.state != "running" || after.scsi != 2 || len(after.macs) != 2 {
		t.Fatalf("on sys2 after the restart: %+v", after)
	}
	for mac, pvid := range before.macs {
		if after.macs[mac] != pvid {
			t.Errorf("adapter %s: VLAN %s on sys2, was %s", mac, after.macs[mac], pvid)
		}
	}
	power("sys1", "on")
	c1 := fd.sysClient(t, "sys1")
	var rr string
	for _, e := range c1.mustFeed(pathLPAR).Entries {
		if strings.EqualFold(e.ID, uuid) {
			rr = text(e.Content, "RemoteRestartState")
		}
	}
	if rr != "Source_Remote_Restarted" {
		t.Fatalf("sys1's copy after it came back: RemoteRestartState %q", rr)
	}
	if jr := c1.waitJob(c1.startJob(pathLPAR+"/"+uuid, "RemoteRestart", "operation", "cleanup"), 30*time.Second); text(jr, "Status") != "COMPLETED_OK" {
		t.Fatalf("cleanup: %s", jr.String())
	}
	if own, _ := fd.owner(t, uuid); own != "sys2" {
		t.Fatalf("after the cleanup the partition is on %s", own)
	}
}

// TestMigratePhaseFaults: the simulator's fault rules fail or hold a
// migration in one of its phases, as a tester asks through pvmctl and
// /rest/api/sim. A failure in the copy leaves what real partition
// mobility leaves: the partition whole on the source, Migration_Failed,
// counted on both systems until migrate-recover; a failure at the start
// leaves nothing to recover; a delay holds the migration in its phase.
func TestMigratePhaseFaults(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "2")
	uuid := migrationVM(t, fd, "vm1", "2048")
	sys2 := fd.heldOf(t, "sys2", uuid).sysName
	s1 := fd.sysClient(t, "sys1")
	json1 := []string{"Content-Type", "application/json"}

	// Rules that cannot be: a phase of a job without phases, a phase the
	// job does not have, a phase rule with an HTTP status.
	for _, bad := range []struct{ body, want string }{
		{`{"job":"PowerOn","phase":"copy","jobStatus":"COMPLETED_WITH_ERROR"}`, "a phase of a job that has phases"},
		{`{"job":"Migrate","phase":"warp","jobStatus":"COMPLETED_WITH_ERROR"}`, "validate, start, copy, switch, complete"},
		{`{"job":"Migrate","phase":"copy","status":500}`, "acts on the job as it runs"},
		{`{"job":"Migrate","phase":"copy","jobStatus":"COMPLETED_OK"}`, "does neither"},
	} {
		r := s1.expect(http.StatusBadRequest, "PUT", "/rest/api/sim/Fault", []byte(bad.body), json1...)
		if !strings.Contains(string(r.Body), bad.want) {
			t.Errorf("rule %s: %s", bad.body, r.Body)
		}
	}
	if out, err := fd.pvmctlRun(t, "sys1", "sim", "fault", "add", "--job", "Migrate", "--phase", "warp", "--job-status", "COMPLETED_WITH_ERROR"); err == nil || !strings.Contains(out, "has no phase \"warp\"") {
		t.Fatalf("pvmctl sim fault add --phase warp: %v\n%s", err, out)
	}

	// The next migration of vm1 fails in its copy (pvmctl).
	fd.pvmctl(t, "sys1", "sim", "fault", "add", "--job", "Migrate", "--phase", "copy", "--target", "name=vm1",
		"--job-status", "COMPLETED_WITH_ERROR", "--message", "HSCLA27F The mover service partition lost its connection.", "--count", "1")
	if out := fd.pvmctl(t, "sys1", "sim", "fault", "list"); !strings.Contains(out, "phase=copy") {
		t.Fatalf("fault list:\n%s", out)
	}
	out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2)
	if err == nil || !strings.Contains(out, "failed in its copy phase: HSCLA27F The mover service partition lost its connection.") || !strings.Contains(out, "MigrateRecover") {
		t.Fatalf("migrate with a fault in the copy: %v\n%s", err, out)
	}
	own, h := fd.owner(t, uuid)
	if oh := fd.heldOf(t, "sys2", uuid); own != "sys1" || h.migState != "Migration_Failed" || h.active != "1" || oh.active != "1" || h.scsi != 2 || len(h.macs) != 2 {
		t.Fatalf("after the copy failed: on %s, %+v; sys2 counts %s", own, h, oh.active)
	}
	if out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--validate"); err == nil || !strings.Contains(out, "recover it with MigrateRecover") {
		t.Fatalf("validate of a failed migration: %v\n%s", err, out)
	}
	fd.pvmctl(t, "sys1", "lpar", "migrate-recover", "-i", "name=vm1")
	if h := fd.heldOf(t, "sys1", uuid); h.state != "running" || h.migState != "Not_Migrating" || h.active != "0" {
		t.Fatalf("after recover: %+v", h)
	}

	// Through REST, as pypowervm sees it: a failure at the start is the
	// job's FAILED_BEFORE_COMPLETION with the rule's results; nothing to
	// recover.
	s1.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"job":"Migrate","phase":"start","target":"uuid=`+uuid+`","jobStatus":"FAILED_BEFORE_COMPLETION","message":"HSCL3659 The partition cannot be started on the destination.","results":[{"name":"errorCode","value":"HSCL3659"}],"count":1}`), json1...)
	jr := s1.waitJob(s1.startJob(pathLPAR+"/"+uuid, "Migrate", "TargetManagedSystemName", sys2), 30*time.Second)
	if text(jr, "Status") != "FAILED_BEFORE_COMPLETION" || !strings.Contains(text(jr, "ResponseException/Message"), "failed in its start phase: HSCL3659") {
		t.Fatalf("Migrate with a fault at the start: %s", jr.String())
	}
	if !strings.Contains(jr.String(), "errorCode") {
		t.Errorf("the rule's result is not in the job's results: %s", jr.String())
	}
	if own, h := fd.owner(t, uuid); own != "sys1" || h.migState != "Not_Migrating" || h.state != "running" || h.active != "0" {
		t.Fatalf("after the start failed: on %s, %+v", own, h)
	}

	// A delay holds the copy: Migration_In_Progress while it lasts, then
	// the migration ends.
	s1.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"job":"Migrate","phase":"copy","delay":"3s","count":1}`), json1...)
	id := s1.startJob(pathLPAR+"/"+uuid, "Migrate", "TargetManagedSystemName", sys2)
	deadline := time.Now().Add(10 * time.Second)
	for fd.heldOf(t, "sys1", uuid).migState != "Migration_In_Progress" {
		if time.Now().After(deadline) {
			t.Fatal("the held copy never showed Migration_In_Progress")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if h := fd.heldOf(t, "sys1", uuid); h.migState != "Migration_In_Progress" {
		t.Fatalf("a second into the held copy: %+v", h)
	}
	if jr := s1.waitJob(id, 30*time.Second); text(jr, "Status") != "COMPLETED_OK" {
		t.Fatalf("the held migration: %s", jr.String())
	}
	if own, _ := fd.owner(t, uuid); own != "sys2" {
		t.Fatalf("after the held migration: on %s", own)
	}
}

// TestMigrateInactive moves a partition that is not activated (inactive
// partition mobility): through REST, watched while a fault rule holds its
// copy ("migrating not active", Migration_In_Progress, counted among both
// systems' inactive migrations), it arrives on sys2 not activated with its
// adapters and its disk through sys2's VIOSes, nothing left on sys1; it
// starts there; stopped again, pvmctl moves it back.
func TestMigrateInactive(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "2")
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "cold", "--mem", "2048", "--proc", "1")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=cold")
	fd.pvmctl(t, "sys1", "lu", "create", "--name", "colddisk", "--size", "5", "--ssp", "pool1")
	for _, v := range []string{"vios1", "vios2"} {
		fd.pvmctl(t, "sys1", "scsi", "create", "--type", "lu", "--lpar", "name=cold", "--stor-id", "name=colddisk", "--parent-id", "name="+v)
	}
	s1 := fd.sysClient(t, "sys1")
	uuid := s1.lparByName("cold").UUID
	before := fd.heldOf(t, "sys1", uuid)
	sys1, sys2 := before.sysName, fd.heldOf(t, "sys2", uuid).sysName
	if before.state != "not activated" || before.scsi != 2 || len(before.macs) != 1 {
		t.Fatalf("cold before: %+v", before)
	}
	if out := fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=cold", "-t", sys2, "--validate"); !strings.Contains(out, "Partition cold can be migrated to "+sys2+".") {
		t.Fatalf("validate:\n%s", out)
	}

	s1.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"job":"Migrate","phase":"copy","delay":"2s","count":1}`), "Content-Type", "application/json")
	id := s1.startJob(pathLPAR+"/"+uuid, "Migrate", "TargetManagedSystemName", sys2)
	deadline := time.Now().Add(10 * time.Second)
	var during held
	for {
		during = fd.heldOf(t, "sys1", uuid)
		if during.migState == "Migration_In_Progress" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never in progress: %+v", during)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if oh := fd.heldOf(t, "sys2", uuid); during.state != "migrating not active" || during.inactive != "1" || during.active != "0" || oh.inactive != "1" {
		t.Fatalf("during the move: %+v; sys2 counts %s inactive", during, oh.inactive)
	}
	if jr := s1.waitJob(id, 30*time.Second); text(jr, "Status") != "COMPLETED_OK" {
		t.Fatalf("Migrate: %s", jr.String())
	}
	own, after := fd.owner(t, uuid)
	if own != "sys2" || after.state != "not activated" || after.migState != "Not_Migrating" || after.scsi != 2 || len(after.macs) != 1 || after.inactive != "0" {
		t.Fatalf("after the move: on %s, %+v", own, after)
	}
	for mac, pvid := range before.macs {
		if after.macs[mac] != pvid {
			t.Errorf("adapter %s: VLAN %s on sys2, was %s", mac, after.macs[mac], pvid)
		}
	}
	if h := fd.heldOf(t, "sys1", uuid); h.inactive != "0" {
		t.Errorf("sys1 counts %s inactive migrations after", h.inactive)
	}
	fd.pvmctl(t, "sys2", "lpar", "power-on", "-i", "name=cold")
	fd.sysClient(t, "sys2").waitLPAR(pathLPAR+"/"+uuid, 20*time.Second, "cold running on sys2", func(l lpar) bool { return l.State == "running" })
	fd.pvmctl(t, "sys2", "lpar", "power-off", "-i", "name=cold", "--hard")
	fd.sysClient(t, "sys2").waitLPAR(pathLPAR+"/"+uuid, 20*time.Second, "cold stopped on sys2", func(l lpar) bool { return l.State == "not activated" })
	out := fd.pvmctl(t, "sys2", "lpar", "migrate", "-i", "name=cold", "-t", sys1)
	if !strings.Contains(out, "Partition cold migrated to "+sys1+".") {
		t.Fatalf("migrate back:\n%s", out)
	}
	if own, h := fd.owner(t, uuid); own != "sys1" || h.state != "not activated" || h.scsi != 2 {
		t.Fatalf("back: on %s, %+v", own, h)
	}
}

// TestMigrateSRIOV drives the SR-IOV rules of a migration through REST
// and pvmctl: a partition with an SR-IOV logical port assigned directly
// is refused; one with a vNIC (made by pvmctl vnic create) is refused
// while sys2 has no physical port of its ports' label, validates once it
// has, and migrates with its vNIC (same MAC, backed by logical ports of
// sys2's VIOSes), leaving no logical port on sys1's VIOSes.
func TestMigrateSRIOV(t *testing.T) {
	fd := startFleet(t, t.TempDir(), "--systems", "2")
	uuid := migrationVM(t, fd, "vm1", "2048")
	s1, s2 := fd.sysClient(t, "sys1"), fd.sysClient(t, "sys2")
	sys2 := fd.heldOf(t, "sys2", uuid).sysName
	loc := func(c tc, slot string, port int) string {
		serial := text(c.mustFeed(pathMS).Entries[0].Content, "MachineTypeModelAndSerialNumber/SerialNumber")
		return "U78C9.001.WZS" + serial[len(serial)-4:] + "-P1-" + slot + "-T" + strconv.Itoa(port)
	}
	viosLPs := func(c tc) int {
		n := 0
		for _, v := range c.mustFeed("/rest/api/uom/VirtualIOServer").Entries {
			path := "/rest/api/uom/VirtualIOServer/" + v.ID + "/SRIOVEthernetLogicalPort"
			r, err := c.do(context.Background(), http.MethodGet, path, nil)
			if err != nil || (r.Status != http.StatusOK && r.Status != http.StatusNoContent) {
				t.Fatalf("GET %s: %v %v", path, err, r)
			}
			if r.Status == http.StatusOK {
				n += len(c.mustFeed(path).Entries)
			}
		}
		return n
	}
	validate := func() (*uom.Element, string, error) {
		jr := s1.waitJob(s1.startJob(pathLPAR+"/"+uuid, "MigrateValidate", "TargetManagedSystemName", sys2), 30*time.Second)
		out, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--validate")
		return jr, out, err
	}
	refused := func(what, id, msg string) {
		t.Helper()
		jr, out, err := validate()
		if text(jr, "Status") != "FAILED_BEFORE_COMPLETION" || !strings.Contains(text(jr, "ResponseException/Message"), id) || !strings.Contains(text(jr, "ResponseException/Message"), msg) {
			t.Errorf("%s: REST: %s", what, jr.String())
		}
		if err == nil || !strings.Contains(out, id) || !strings.Contains(out, msg) {
			t.Errorf("%s: pvmctl: %v\n%s", what, err, out)
		}
	}

	// A logical port assigned directly, made through REST.
	body := `<SRIOVEthernetLogicalPort:SRIOVEthernetLogicalPort xmlns:SRIOVEthernetLogicalPort="` + uom.NSUOM + `" xmlns="` + uom.NSUOM +
		`" schemaVersion="V1_0"><Metadata><Atom/></Metadata><AdapterID>1</AdapterID><ConfiguredCapacity>4.0%</ConfiguredCapacity>` +
		`<PhysicalPortID>1</PhysicalPortID></SRIOVEthernetLogicalPort:SRIOVEthernetLogicalPort>`
	r := s1.expect(http.StatusOK, http.MethodPut, pathLPAR+"/"+uuid+"/SRIOVEthernetLogicalPort", []byte(body),
		"Content-Type", uom.MediaType(uom.ServiceUOM, "SRIOVEthernetLogicalPort"))
	e, err := r.entry()
	if err != nil {
		t.Fatal(err)
	}
	refused("a direct logical port", "PVME01050970-0043", "SR-IOV logical ports assigned directly")
	s1.expect(http.StatusNoContent, http.MethodDelete, pathLPAR+"/"+uuid+"/SRIOVEthernetLogicalPort/"+e.ID, nil)

	// A vNIC through both VIOSes on ports labelled physnet1.
	for _, l := range []string{loc(s1, "C8", 1), loc(s1, "C9", 1)} {
		fd.pvmctl(t, "sys1", "sriov", "update", "-i", "loc_code="+l, "--label", "physnet1")
	}
	fd.pvmctl(t, "sys1", "vnic", "create", "-p", "name=vm1", "--backing", "vios1:"+loc(s1, "C8", 1), "--backing", "vios2:"+loc(s1, "C9", 1), "--pvid", "2001")
	vnics := s1.mustFeed(pathLPAR + "/" + uuid + "/VirtualNICDedicated").Entries
	if len(vnics) != 1 || viosLPs(s1) != 2 {
		t.Fatalf("vm1 has %d vNICs, sys1's VIOSes %d logical ports", len(vnics), viosLPs(s1))
	}
	mac := text(vnics[0].Content, "Details/MACAddress")
	refused("no port of the label on sys2", "PVME01050970-0044", "labelled physnet1")
	fd.pvmctl(t, "sys2", "sriov", "update", "-i", "loc_code="+loc(s2, "C8", 2), "--label", "physnet1")
	if jr, out, err := validate(); text(jr, "Status") != "COMPLETED_OK" || err != nil {
		t.Fatalf("validate with a port of the label on sys2: %s\n%v\n%s", jr.String(), err, out)
	}
	out := fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2)
	if !strings.Contains(out, "Partition vm1 migrated to "+sys2+".") {
		t.Fatalf("migrate:\n%s", out)
	}
	if own, _ := fd.owner(t, uuid); own != "sys2" {
		t.Fatalf("vm1 on %s", own)
	}
	moved := s2.mustFeed(pathLPAR + "/" + uuid + "/VirtualNICDedicated").Entries
	if len(moved) != 1 || text(moved[0].Content, "Details/MACAddress") != mac || text(moved[0].Content, "Details/PortVLANID") != "2001" {
		t.Fatalf("vm1's vNICs on sys2: %d (MAC %s, was %s)", len(moved), text(moved[0].Content, "Details/MACAddress"), mac)
	}
	if n1, n2 := viosLPs(s1), viosLPs(s2); n1 != 0 || n2 != 2 {
		t.Fatalf("logical ports after the migration: sys1's VIOSes %d, sys2's %d", n1, n2)
	}
	// Both backing devices on port 2 (ID 1) of sys2's adapter 1, the one
	// labelled physnet1, through sys2's vios1 and vios2.
	if out := fd.pvmctl(t, "sys2", "vnic", "list", "-p", "name=vm1", "-d", "backing"); !strings.Contains(out, "vios1:1/1") || !strings.Contains(out, "vios2:1/1") {
		t.Errorf("pvmctl vnic list on sys2:\n%s", out)
	}
}
