package clients

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sanInventory is the server the SAN scenarios run on: a third VIOS
// (outside the cluster) and a storage backend besides the default SAN:
// an array v7k with hosts for the first two VIOSes, an array ds8k with a
// host that follows lpar10's virtual FC WWPNs, an iSCSI target with CHAP,
// an RBD image, and a port of vios3 with a single NPIV connection.
var sanInventory = map[string]any{
	"vios": map[string]any{"count": 3, "running": 3},
	"san": map[string]any{
		"arrays": []any{map[string]any{
			"name": "v7k", "vendor": "IBM", "product": "2145",
			"ports": []any{
				map[string]any{"wwpn": "500507680b000001", "fabric": "fabricA"},
				map[string]any{"wwpn": "500507680b000002", "fabric": "fabricB"},
			},
			"hosts": []any{map[string]any{"name": "vios1", "vios": "vios1"}, map[string]any{"name": "vios2", "vios": "vios2"}},
		}, map[string]any{
			"name": "ds8k", "vendor": "IBM", "product": "2107",
			"ports": []any{
				map[string]any{"wwpn": "5005076306000001", "fabric": "fabricA"},
				map[string]any{"wwpn": "5005076306000002", "fabric": "fabricA"},
				map[string]any{"wwpn": "5005076306000003", "fabric": "fabricB"},
			},
			"hosts": []any{map[string]any{"name": "lpar10", "partition": "lpar10"},
				// nova names the partition of instance 1 so.
				map[string]any{"name": "nova-inst-1", "partition": "instance-00000001"}},
		}},
		"luns": []any{
			map[string]any{"name": "fc_vol1", "sizeMB": 20480, "array": "v7k",
				"hosts": []any{map[string]any{"host": "vios1", "lun": 20}, map[string]any{"host": "vios2", "lun": 20}}},
			map[string]any{"name": "fc_vol2", "sizeMB": 10240, "array": "v7k",
				"hosts": []any{map[string]any{"host": "vios1", "lun": 21}, map[string]any{"host": "vios2", "lun": 21}}},
			map[string]any{"name": "npiv_vol", "sizeMB": 10240, "array": "ds8k",
				"hosts": []any{map[string]any{"host": "lpar10", "lun": 0}}},
			map[string]any{"name": "npiv_nova", "sizeMB": 10240, "array": "ds8k",
				"hosts": []any{map[string]any{"host": "nova-inst-1", "lun": 0}}},
		},
		"iscsiTargets": []any{map[string]any{
			"iqn": "iqn.2010-10.org.openstack:volume-iscsi1", "portals": []any{"192.0.2.50:3260"},
			"chapUser": "cinder", "chapSecret": "chapsecret12",
			"luns": []any{map[string]any{"name": "iscsi_vol1", "sizeMB": 5120, "targetLUN": 1}},
		}},
		"rbd": []any{map[string]any{"pool": "volumes", "name": "volume-rbd1", "sizeMB": 8192}},
		// vios3's fcs0 has a single NPIV connection.
		"cabling": []any{map[string]any{"vios": "vios3", "port": "fcs0", "fabric": "fabricA", "maxNPIV": 1}},
	},
}

// writeInventory writes an inventory file for pvmd --config (scenarios
// read it from PVM_TEST_INVENTORY).
func writeInventory(t *testing.T, inv map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "inventory.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPypowervmSAN: volumes from the SAN through pypowervm's task modules
// (hdisk discovery and removal by LUARecovery and RemoveDevice, PV.pg83,
// vSCSI mappings of the disks, iSCSI login with CHAP and removal, RBD,
// NPIV, RescanVirtualDisk, crt_cluster_ssp) and their error paths.
func TestPypowervmSAN(t *testing.T) {
	inv := writeInventory(t, sanInventory)
	runScenario(t, scenario{Script: "pypowervm_san.py", Timeout: 3 * time.Minute, Flags: []string{"--config", inv},
		Env: []string{"PVM_TEST_INVENTORY=" + inv}})
}

// TestNovaVolumes: nova-powervm's volume adapters through
// PowerVMDriver.attach_volume and detach_volume: Fibre Channel by vSCSI
// and by NPIV, iSCSI with CHAP, Ceph RBD, and the error paths (no LUN,
// wrong ITL, CHAP failure, a missing image). NovaLink hosts I/O here (the
// first VIOS is the management partition), as nova's RBD adapter needs.
func TestNovaVolumes(t *testing.T) {
	nova := map[string]any{"managementVIOS": true}
	for k, v := range sanInventory {
		nova[k] = v
	}
	inv := writeInventory(t, nova)
	runScenario(t, scenario{Script: "nova_volumes.py", Deps: []dep{depNova}, Trees: []string{"nova-powervm"},
		Timeout: 3 * time.Minute, Flags: []string{"--config", inv}, Env: []string{"PVM_TEST_INVENTORY=" + inv}})
}
