package clients

import (
	"testing"
	"time"
)

// TestPCMMetrics: pypowervm.tasks.monitor (ensure_ltm_monitors,
// LparMetricCache, HostCPUMetricCache as nova-powervm's host CPU
// statistics use it) and ceilometer-powervm's PowerVMInspector
// (inspect_instance, inspect_vnics, inspect_vnic_rates, inspect_disks,
// inspect_disk_iops) against pvmd's PCM service, on a partition whose
// simulated load is set: their figures follow the load and move as
// simulated time passes (testdata/pcm_monitor.py). The monitors sample
// every second.
func TestPCMMetrics(t *testing.T) {
	runScenario(t, scenario{Script: "pcm_monitor.py", Deps: []dep{depCeilometer}, Trees: []string{"ceilometer-powervm"},
		Timeout: 3 * time.Minute, Flags: []string{"--pcm-interval", "1s"}})
}
