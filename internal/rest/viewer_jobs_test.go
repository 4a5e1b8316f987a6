package rest

import (
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	vios_ "github.com/novalink-project/novalink/internal/sim/vios"
)

// TestViewerVIOSJobs: a viewer (pvm_viewer, NovaLink's read-only role:
// it may look at everything and change nothing) runs the VIOS's storage
// jobs that only look (whether an RBD image exists, a disk's inventory
// through LUARecovery's QUERY_INVENTORY, the initiator's name through
// ISCSIDiscovery without a target) and is refused every one that changes
// the VIOS (LUARecovery's discovery and ISCSIDiscovery's login, which
// configure the disks they find, RemoveDevice, ISCSIRemove,
// RescanVirtualDisk, the power jobs), with nothing changed. The admin
// runs the same changes, to show they were valid.
func TestViewerVIOSJobs(t *testing.T) {
	f := newCoFixtureOf(t, refusalsInventory())
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin, Console: model.ConsoleNovaLink}
	v := f.partition("vios1")
	if res, err := f.core.RunIOSCLI(admin, v.UUID, "cfgdev", false); err != nil || res.Code != 0 {
		t.Fatalf("cfgdev: %v %+v", err, res)
	}
	var udid, disk string
	f.core.ReadSAN(func(tx san.Tx) {
		if pv := vios_.PVOfLUN(tx.(vios_.Tx), v.UUID, san.LUNByName(tx, "enum_grown").UUID); pv != nil {
			udid, disk = vios_.DiskUDID(pv), pv.Name
		}
	})
	if udid == "" {
		t.Fatal("vios1 has not discovered the volume enum_grown")
	}
	query := `<VIO><Request action_str="QUERY_INVENTORY"><InventoryRequest inventoryType="base">` +
		`<VioTypeFilter type="PV"/><VioUdidFilter udid="` + udid + `"/></InventoryRequest></Request></VIO>`
	path := "/rest/api/uom/VirtualIOServer/" + v.UUID
	sample := func(op string) []core.Param { return jobSamples["VirtualIOServer/"+op](f, v.UUID) }

	for _, c := range []struct {
		name   string
		op     string
		params []core.Param
		read   bool              // a viewer runs it
		want   map[string]string // results of the viewer's run (read) that must hold
	}{
		{name: "RBDExists", op: "RBDExists", params: sample("RBDExists"), read: true, want: map[string]string{"exists": "true"}},
		{name: "RBDExists of a missing image", op: "RBDExists", params: []core.Param{{Name: "name", Value: "rbd/none"}}, read: true,
			want: map[string]string{"exists": "false"}},
		{name: "LUARecovery QUERY_INVENTORY", op: "LUARecovery", params: []core.Param{{Name: "inputXML", Value: query}}, read: true,
			want: map[string]string{"OutputXML": `name="` + disk + `"`}},
		{name: "ISCSIDiscovery of the initiator's name", op: "ISCSIDiscovery", read: true,
			want: map[string]string{"InitiatorName": "iqn."}},
		{name: "LUARecovery discovery", op: "LUARecovery", params: sample("LUARecovery")},
		{name: "ISCSIDiscovery login", op: "ISCSIDiscovery", params: sample("ISCSIDiscovery")},
		{name: "ISCSIRemove", op: "ISCSIRemove", params: sample("ISCSIRemove")},
		{name: "RemoveDevice", op: "RemoveDevice", params: []core.Param{{Name: "devName", Value: disk}}},
		{name: "RemoveDevice without a device", op: "RemoveDevice"},
		{name: "RescanVirtualDisk", op: "RescanVirtualDisk", params: []core.Param{{Name: "VirtualDiskUDID", Value: udid}}},
		{name: "PowerOff", op: "PowerOff", params: []core.Param{{Name: "immediate", Value: "true"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.partition("vios1").Rev
			j := f.runJob(t, path, c.op, f.viewer, true, c.params...)
			if c.read {
				if j.http != 200 || j.status != core.JobOK {
					t.Fatalf("%s by a viewer: %v, want it to run", c.op, j)
				}
				for k, w := range c.want {
					if !strings.Contains(j.results[k], w) {
						t.Errorf("%s by a viewer: result %s = %q, want it to contain %q", c.op, k, j.results[k], w)
					}
				}
			} else if j.http != 409 || !strings.Contains(j.message, "may not change") || !strings.Contains(j.message, core.RoleAdmin) {
				t.Fatalf("%s by a viewer: %v, want 409 naming the role %s", c.op, j, core.RoleAdmin)
			}
			if after := f.partition("vios1").Rev; after != before {
				t.Errorf("%s by a viewer changed vios1 (revision %d -> %d)", c.op, before, after)
			}
			if c.read || c.params == nil {
				return
			}
			// The same job by the admin runs: it was a valid change.
			if j := f.runJob(t, path, c.op, f.token, true, c.params...); j.http != 200 {
				t.Errorf("%s by the admin: %v", c.op, j)
			}
		})
	}
}
