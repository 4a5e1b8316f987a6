package clients

import (
	"testing"
	"time"
)

// TestNovaDriver runs nova-powervm's PowerVMDriver, unmodified, as
// nova-compute would: init_host, get_available_resource,
// update_provider_tree, get_host_cpu_stats, spawn of an instance on the
// shared storage pool with a pvm_sea VIF (without, then with a config
// drive), get_info, power_off, power_on, reboot (soft and hard),
// get_vnc_console, destroy and cleanup_host (testdata/nova_driver.py).
func TestNovaDriver(t *testing.T) {
	watchUtils(t) // get_vnc_console starts mkvtermutil; destroy ends it
	runScenario(t, scenario{Script: "nova_driver.py", Deps: []dep{depNova}, Trees: []string{"nova-powervm"},
		Timeout: 4 * time.Minute})
}

// TestNovaLiveMigration runs nova-powervm's live migration, unmodified,
// between the two systems of a fleet (one nova-compute driver per system,
// in nova's order: check_can_live_migrate_destination and _source,
// pre_live_migration with the SSH key exchange, live_migration, the post
// methods on both hosts), there and back, with an SSP boot disk and a
// pvm_sea VIF (testdata/nova_lpm.py).
func TestNovaLiveMigration(t *testing.T) {
	runScenario(t, scenario{Script: "nova_lpm.py", Deps: []dep{depNova}, Trees: []string{"nova-powervm"},
		Fleet: 2, Timeout: 4 * time.Minute})
}
