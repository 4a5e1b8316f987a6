package clients

import (
	"testing"
	"time"
)

// TestCeilometerInspector runs ceilometer-powervm's PowerVMInspector,
// unmodified, on a running partition with adapters and a disk:
// inspect_instance, inspect_vnics, inspect_vnic_rates, inspect_disks and
// inspect_disk_iops (testdata/ceilometer_inspector.py). They read PCM,
// whose monitors sample every second here.
func TestCeilometerInspector(t *testing.T) {
	runScenario(t, scenario{Script: "ceilometer_inspector.py", Deps: []dep{depCeilometer}, Trees: []string{"ceilometer-powervm"},
		Timeout: 3 * time.Minute, Flags: []string{"--pcm-interval", "1s"}})
}
