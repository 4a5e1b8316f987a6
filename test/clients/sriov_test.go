package clients

import (
	"testing"
	"time"
)

// TestSRIOVVNIC: pypowervm's tasks.sriov against the default SR-IOV
// adapters (capabilities, port labels through safe_update_pports, a
// redundant vNIC spread by set_vnic_back_devs, its deletion, a vNIC on a
// port without capacity refused) and nova-powervm's vNIC VIF driver
// plugging and unplugging a vNIC (testdata/sriov_vnic.py).
func TestSRIOVVNIC(t *testing.T) {
	runScenario(t, scenario{Script: "sriov_vnic.py", Deps: []dep{depNova}, Trees: []string{"nova-powervm"},
		Timeout: 3 * time.Minute})
}

// TestSRIOVAgent runs networking-powervm's SR-IOV agent, unmodified, with
// Neutron's RPC faked: start (physical networks from the ports' labels),
// heal_and_optimize marking vNICs' ports up, a label change reaching
// Neutron through its event, a plug event from nova, provision_devices
// (testdata/sriov_agent.py).
func TestSRIOVAgent(t *testing.T) {
	runScenario(t, scenario{Script: "sriov_agent.py", Deps: []dep{depNeutron}, Trees: []string{"networking-powervm"},
		Timeout: 3 * time.Minute})
}
