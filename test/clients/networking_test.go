package clients

import (
	"testing"
	"time"
)

// TestSEAAgent runs networking-powervm's SEA agent, unmodified, with
// Neutron's RPC faked: start, heal_and_optimize (bridging the VLANs of
// ports, removing unused ones), provision_devices, plug and unplug events
// as nova-powervm sends them, one pass of rpc_loop
// (testdata/sea_agent.py).
func TestSEAAgent(t *testing.T) {
	runScenario(t, scenario{Script: "sea_agent.py", Deps: []dep{depNeutron}, Trees: []string{"networking-powervm"},
		Timeout: 3 * time.Minute})
}
