package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPypowervmSmoke: logon by password and by session file, the system,
// partition and VIOS feeds, events (NEW_CLIENT, ADD_URI, MODIFY_URI,
// DELETE_URI through the EventListener), create with LPARBuilder, update
// with etags, an RMC adapter, power on and off, delete.
func TestPypowervmSmoke(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_smoke.py", Timeout: 2 * time.Minute})
}

// TestPypowervmStorage: what nova-powervm does with a shared storage pool
// and the media repository (image LU upload, linked clone, vSCSI mappings,
// an ISO, removal, WWPNs).
func TestPypowervmStorage(t *testing.T) {
	d := runScenario(t, scenario{Script: "pypowervm_storage.py", Timeout: 2 * time.Minute})
	if t.Failed() {
		return
	}
	// Nothing the uploads wrote is left behind: the image and the ISO went
	// with the logical units and the media they became.
	var left []string
	filepath.Walk(filepath.Join(d.Dir, "files"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("removing storage leaves uploaded files behind: %v", left)
	}
}

// TestPypowervmComgmt: tasks.master_mode as NovaLink (padmin) and as the
// HMC (hscroot), the master flags each sees, the ManagementConsole wrapper
// and a CLIRunner job.
func TestPypowervmComgmt(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_comgmt.py", Timeout: 2 * time.Minute})
}

// TestClientDepsScript: scripts/client-deps.sh installs every Debian
// package ../shared/clients/README.md says the clients need.
func TestClientDepsScript(t *testing.T) {
	if clientsMissing != "" {
		t.Skip("missing dependency: " + clientsMissing)
	}
	readme, err := os.ReadFile(filepath.Join(clientsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(repoRoot, "scripts", "client-deps.sh"), "--list").Output()
	if err != nil {
		t.Fatalf("client-deps.sh --list: %v", err)
	}
	have := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		have[p] = true
	}
	pkg := regexp.MustCompile(`^(python3-[a-z0-9.-]+|genisoimage)$`)
	n := 0
	for _, span := range regexp.MustCompile("`([^`]*)`").FindAllStringSubmatch(string(readme), -1) {
		for _, p := range strings.Fields(span[1]) {
			if !pkg.MatchString(p) {
				continue
			}
			n++
			if !have[p] {
				t.Errorf("scripts/client-deps.sh does not install %s, which the clients' README lists", p)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d package names in the clients' README", n)
	}
}

// TestPypowervmPartitionAPI: the partition and system API of the real
// clients through pypowervm: quick properties, the 404 rules, NVRAM, IBM
// i, the jobs, shared processor pools, client adapter feeds, SCSI buses,
// trunk adapters on the NovaLink partition, the console's SSH keys.
func TestPypowervmPartitionAPI(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_lparapi.py", Timeout: 3 * time.Minute})
}

// TestNovaPartitionAPI: nova-powervm's own code on the partition API:
// shared processor pool flavors, the NVRAM manager and the Open vSwitch VIF
// driver (a trunk on the NovaLink partition: plug, re-plug, unplug).
func TestNovaPartitionAPI(t *testing.T) {
	runScenario(t, scenario{Script: "nova_lparapi.py", Deps: []dep{depNova}, Trees: []string{"nova-powervm"}, Timeout: 3 * time.Minute})
}

// TestPypowervmSweep: every pypowervm wrapper that applies to a NovaLink
// reads its feed, and the task functions the other scenarios leave out
// run once each (pypowervm_sweep.py says what is left out, and why).
func TestPypowervmSweep(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_sweep.py", Timeout: 3 * time.Minute})
}

// TestPypowervmTasks: the task modules nova-powervm uses (partition,
// storage scrub, vopt, cna, memory, power options, quick properties,
// clone_uuid).
func TestPypowervmTasks(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_tasks.py", Timeout: 2 * time.Minute})
}

// TestPypowervmSimControls: the simulator's controls as pypowervm meets
// them (testdata/pypowervm_simctl.py): vios_busy_retry_helper through a
// busy VIOS, a WrapperTask through a 412, a faulted power-on, DLPAR refused
// while RMC is held inactive, validate_vios_ready waiting for the VIOSes'
// RMC, a crash, RMC errorInfo in the monitor's partition file, a power
// loss, a snapshot restored under a live session.
func TestPypowervmSimControls(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_simctl.py", Timeout: 3 * time.Minute, Flags: []string{"--pcm-interval", "1s"}})
}

// TestPypowervmSnapshotEvents: what pypowervm's event listener hears when
// a snapshot is restored (testdata/pypowervm_simevents.py, on a system of
// 600 running partitions seeded from testdata/simevents.yaml): each
// changed object's event for a small restore, one CACHE_CLEARED (handed to
// the handlers as invalidate) for a restore of all of them.
func TestPypowervmSnapshotEvents(t *testing.T) {
	inv, err := filepath.Abs(filepath.Join("testdata", "simevents.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runScenario(t, scenario{Script: "pypowervm_simevents.py", Timeout: 3 * time.Minute, Flags: []string{"--inventory", inv}})
}

// TestPypowervmFleet: two sessions and adapters in one process against two
// systems of a fleet pvmd of three: each sees only its own system and
// partitions, both read at once from several threads, each listener hears
// only its system's events, one shared storage pool whose LU made through
// system 1 is mapped on system 2 and removed, with one pool's accounting.
func TestPypowervmFleet(t *testing.T) {
	runScenario(t, scenario{Script: "pypowervm_fleet.py", Fleet: 3, Timeout: 2 * time.Minute})
}
