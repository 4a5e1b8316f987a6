package e2e

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMigrateValidateRefusals drives every refusal of a migration's
// validation that a user can bring about through the API, the CLI and the
// simulator's controls, each one twice: as pypowervm sees it (the
// MigrateValidate job FAILED_BEFORE_COMPLETION, its ResponseException
// carrying the message ID and text) and as pvmctl lpar migrate --validate
// shows it (the message ID and text, exit code 4). The fleet has a third
// system with another memory region size. Rules no API can bring about
// (the processor compatibility modes of two systems of one model, the
// maximum of migrations in progress, a UUID or ID clash) are driven in the
// core's tests.
func TestMigrateValidateRefusals(t *testing.T) {
	dir := t.TempDir()
	fleetFile := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(fleetFile, []byte("systems:\n  - count: 2\n  - name: sys3\n    inventory: {system: {memoryRegionMB: 128}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fd := startFleet(t, dir, "--fleet", fleetFile)
	uuid := migrationVM(t, fd, "vm1", "2048")
	s1 := fd.sysClient(t, "sys1")
	sysName := func(n string) string { return fd.heldOf(t, n, uuid).sysName }
	sys1, sys2, sys3 := sysName("sys1"), sysName("sys2"), sysName("sys3")
	host2, _, _ := net.SplitHostPort(fd.systems["sys2"][1])
	json1 := []string{"Content-Type", "application/json"}

	// Partitions not activated, for the network's rules (an inactive
	// migration checks them too) and one whose OS crashed.
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "vsw", "--mem", "1024", "--proc", "1")
	fd.pvmctl(t, "sys1", "vswitch", "create", "--name", "ETHSYS1ONLY")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "5", "--vswitch", "ETHSYS1ONLY", "-p", "name=vsw")
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "vlan", "--mem", "1024", "--proc", "1")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "333", "--vswitch", "ETHERNET0", "-p", "name=vlan")
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "crashed", "--mem", "1024", "--proc", "1")
	fd.pvmctl(t, "sys1", "lpar", "power-on", "-i", "name=crashed")
	fd.pvmctl(t, "sys1", "sim", "state", "-i", "name=crashed", "--crash")

	// The storage data of the VIOSes a migration rebuilds the partition
	// from: valid, since its activation, for the running one; not for one
	// never activated.
	for name, want := range map[string]string{"vm1": "Valid", "vsw": "Invalid"} {
		e, _ := s1.mustEntry(pathLPAR + "/" + s1.lparByName(name).UUID)
		if got := text(e.Content, "MigrationStorageViosDataStatus"); got != want {
			t.Errorf("%s: MigrationStorageViosDataStatus %q, want %q", name, got, want)
		}
		ts := text(e.Content, "MigrationStorageViosDataTimestamp")
		if _, err := time.Parse(time.UnixDate, ts); (err == nil) != (want == "Valid") {
			t.Errorf("%s: MigrationStorageViosDataTimestamp %q", name, ts)
		}
	}

	waitRMC := func(t *testing.T) {
		deadline := time.Now().Add(20 * time.Second)
		for fd.heldOf(t, "sys1", uuid).rmc != "active" {
			if time.Now().After(deadline) {
				t.Fatal("vm1: RMC not active again")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	available := func(n string) int {
		v, _ := strconv.Atoi(text(fd.sysClient(t, n).mustFeed(pathMS).Entries[0].Content, "AssociatedSystemMemoryConfiguration/CurrentAvailableSystemMemory"))
		return v
	}

	rows := []struct {
		name   string
		lpar   string
		target string
		params []string // the job's further parameters
		args   []string // pvmctl's further flags for the same
		setup  func(t *testing.T)
		undo   func(t *testing.T)
		id     string
		text   string
		ok     bool // validation succeeds (an override)
		// restOnly: pvmctl has no flag for the parameter.
		restOnly bool
	}{
		{name: "unknown system", lpar: "vm1", target: "Server-9999-99X-SNNONE", id: "PVME01050970-0010", text: "is not known to this management console"},
		{name: "its own system", lpar: "vm1", target: sys1, id: "PVME01050970-0024", text: "is on the managed system " + sys1 + " already"},
		{name: "no NovaLink at the address", lpar: "vm1", target: sys2, params: []string{"TargetRemoteHMCIPAddress", "192.0.2.99"}, args: []string{"--ip", "192.0.2.99"},
			id: "PVME01050970-0011", text: "No NovaLink at 192.0.2.99 manages"},
		{name: "target does not trust the source", lpar: "vm1", target: sys2, params: []string{"TargetRemoteHMCIPAddress", host2}, args: []string{"--ip", host2},
			id: "PVME01050970-0029", text: "does not trust the NovaLink of " + sys1},
		{name: "management partition", lpar: "novalink", target: sys2, id: "PVME01050970-0020", text: "is the management partition"},
		{name: "RMC inactive", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) { fd.pvmctl(t, "sys1", "sim", "state", "-i", "name=vm1", "--rmc", "inactive") },
			undo: func(t *testing.T) {
				fd.pvmctl(t, "sys1", "sim", "state", "-i", "name=vm1", "--rmc", "auto")
				waitRMC(t)
			},
			id: "PVME01050970-0025", text: "The RMC connection of partition vm1 is inactive"},
		{name: "RMC busy: not DLPAR capable", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) { fd.pvmctl(t, "sys1", "sim", "state", "-i", "name=vm1", "--rmc", "busy") },
			undo: func(t *testing.T) {
				fd.pvmctl(t, "sys1", "sim", "state", "-i", "name=vm1", "--rmc", "auto")
				waitRMC(t)
			},
			id: "PVME01050970-0026", text: "is not capable of dynamic partitioning (DLPAR) now"},
		{name: "neither running nor not activated", lpar: "crashed", target: sys2, id: "PVME01050970-0027", text: "Partition crashed is error; only a running or a not activated partition"},
		{name: "memory region size", lpar: "vm1", target: sys3, id: "PVME01050970-0031", text: "(256 MB) differs from that of " + sys3 + " (128 MB)"},
		{name: "shared processor pool", lpar: "vm1", target: sys2, params: []string{"SharedProcPoolID", "5"}, restOnly: true, id: "PVME01050970-0032", text: "The shared processor pool 5 does not exist"},
		{name: "name clash on the target", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				fd.pvmctl(t, "sys2", "lpar", "create", "--name", "vm1", "--mem", "1024", "--proc", "1")
			},
			undo: func(t *testing.T) { fd.pvmctl(t, "sys2", "lpar", "delete", "-i", "name=vm1") },
			id:   "PVME01050970-0034", text: "has a partition named vm1 already"},
		{name: "virtual switch missing on the target", lpar: "vsw", target: sys2, id: "PVME01050970-0040", text: "The virtual switch ETHSYS1ONLY of the adapter"},
		{name: "VLAN not bridged on the target", lpar: "vlan", target: sys2, id: "PVME01050970-0042", text: "The VLAN 333 of the adapter"},
		{name: "VLAN not bridged, overridden", lpar: "vlan", target: sys2, params: []string{"VLANBridgeOverride", "2"}, args: []string{"--override-vlan-check"}, ok: true},
		{name: "capacity of the target", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				fd.pvmctl(t, "sys2", "lpar", "create", "--name", "hog", "--mem", strconv.Itoa((available("sys2")-2560)/256*256), "--proc", "1")
				fd.pvmctl(t, "sys2", "lpar", "power-on", "-i", "name=hog")
			},
			undo: func(t *testing.T) {
				fd.pvmctl(t, "sys2", "lpar", "power-off", "-i", "name=hog", "--hard")
				fd.pvmctl(t, "sys2", "lpar", "delete", "-i", "name=hog")
			},
			id: "PVME01050970-0038", text: "cannot hold partition vm1"},
		{name: "already migrating", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				s1.expect(http.StatusCreated, "PUT", "/rest/api/sim/Fault", []byte(`{"job":"Migrate","phase":"copy","delay":"10m","count":1}`), json1...)
				fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--no-wait")
			},
			undo: func(t *testing.T) {
				fd.pvmctl(t, "sys1", "lpar", "migrate-stop", "-i", "name=vm1")
				s1.expect(http.StatusOK, "DELETE", "/rest/api/sim/Fault", nil)
			},
			id: "PVME01050970-0022", text: "Partition vm1 is already migrating"},
		{name: "a failed migration not recovered", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				fd.pvmctl(t, "sys1", "sim", "fault", "add", "--job", "Migrate", "--phase", "switch", "--job-status", "COMPLETED_WITH_ERROR", "--count", "1")
				if _, err := fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2); err == nil {
					t.Fatal("the migration with a fault at its switch succeeded")
				}
			},
			undo: func(t *testing.T) { fd.pvmctl(t, "sys1", "lpar", "migrate-recover", "-i", "name=vm1") },
			id:   "PVME01050970-0023", text: "has a migration that did not end (Migration_Failed"},
		{name: "a fault in the validation", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				fd.pvmctl(t, "sys1", "sim", "fault", "add", "--job", "MigrateValidate", "--phase", "validate", "--job-status", "FAILED_BEFORE_COMPLETION",
					"--message", "The mover service partition is not reachable.", "--count", "2")
			},
			id: "PVME01050970-0060", text: "failed in its validate phase: The mover service partition is not reachable."},
		// Last: the target powered off (its VIOSes would boot again).
		{name: "target powered off", lpar: "vm1", target: sys2,
			setup: func(t *testing.T) {
				fd.hmcClient(t).expect(http.StatusOK, "PUT", "/rest/api/sim/Fleet/sys2/Power", []byte(`{"state":"off"}`), json1...)
			},
			id: "PVME01050950-0301", text: "The managed system " + sys2 + " is powered off"},
	}
	for _, r := range rows {
		t.Run(strings.ReplaceAll(r.name, " ", "_"), func(t *testing.T) {
			if r.setup != nil {
				r.setup(t)
			}
			if r.undo != nil {
				defer r.undo(t)
			}
			lp := s1.lparByName(r.lpar)
			// REST, as pypowervm validates (MigrateValidate, the job's
			// status and its ResponseException's message).
			jr := s1.waitJob(s1.startJob(pathLPAR+"/"+lp.UUID, "MigrateValidate", append([]string{"TargetManagedSystemName", r.target}, r.params...)...), 30*time.Second)
			msg := text(jr, "ResponseException/Message")
			if r.ok {
				if text(jr, "Status") != "COMPLETED_OK" {
					t.Fatalf("REST: %s", jr.String())
				}
			} else if text(jr, "Status") != "FAILED_BEFORE_COMPLETION" || !strings.Contains(msg, r.id) || !strings.Contains(msg, r.text) {
				t.Errorf("REST: want FAILED_BEFORE_COMPLETION with %s %q:\n%s", r.id, r.text, jr.String())
			}
			if r.restOnly {
				return
			}
			// pvmctl.
			args := append([]string{"lpar", "migrate", "-i", "name=" + r.lpar, "-t", r.target, "--validate"}, r.args...)
			out, err := fd.pvmctlRun(t, "sys1", args...)
			if r.ok {
				if err != nil || !strings.Contains(out, "can be migrated to "+r.target) {
					t.Fatalf("pvmctl: %v\n%s", err, out)
				}
				return
			}
			code := -1
			if ee, ok := err.(interface{ ExitCode() int }); ok {
				code = ee.ExitCode()
			}
			if code != 4 || !strings.Contains(out, r.id) || !strings.Contains(out, r.text) {
				t.Errorf("pvmctl: want exit 4 with %s %q; exit %d:\n%s", r.id, r.text, code, out)
			}
		})
	}
}
