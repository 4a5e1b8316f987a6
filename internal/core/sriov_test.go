package core

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/sriov"
)

// sriovSnapshot is what a client sees of SR-IOV: each logical port
// (owner, port, capacity, MAC, the vNIC it backs) and each vNIC (client,
// slot, MAC, backing devices), in a stable order.
func sriovSnapshot(c *Core) []string {
	var out []string
	c.Read(func(st *model.State) {
		st.Each(model.KindSRIOVLP, func(o model.Object) {
			lp := o.(*model.SRIOVLogicalPort)
			out = append(out, strings.Join([]string{"lp", st.Partition(lp.Partition).Name, strconv.Itoa(lp.Adapter), strconv.Itoa(lp.Port),
				lp.Capacity.String(), lp.MAC, lp.VNIC}, " "))
		})
		st.Each(model.KindVNIC, func(o model.Object) {
			v := o.(*model.VirtualNIC)
			line := []string{"vnic", st.Partition(v.Partition).Name, strconv.Itoa(v.Slot), v.MAC}
			for _, b := range v.Backing {
				line = append(line, st.Partition(b.VIOS).Name, b.LPort, strconv.Itoa(b.Priority))
			}
			out = append(out, strings.Join(line, " "))
		})
	})
	sort.Strings(out)
	return out
}

// TestSRIOVSurvivesRestartAndDeletes: a redundant vNIC and a direct
// logical port are in the store (a restart finds them as they were); a
// VIOS backing a client's vNIC cannot be deleted; deleting the client
// takes its vNIC, its logical ports and the VIOSes' backing ports with it
// (and the VIOS can go then).
func TestSRIOVSurvivesRestartAndDeletes(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	inv := DefaultInventory()
	inv.VIOS.Count, inv.VIOS.Running = 3, 3 // vios3 bridges no network
	c := openTest(t, dir, clk, inv)
	client, vios1, vios3 := partByName(c, "lpar10"), partByName(c, "vios1"), partByName(c, "vios3")
	v, err := c.CreateVNIC(admin, client.UUID, sriov.VNICSpec{PVID: 2001, Backing: []sriov.BackingSpec{
		{VIOS: vios1.UUID, Adapter: 1, Port: 0, Capacity: 400},
		{VIOS: vios3.UUID, Adapter: 2, Port: 0},
	}})
	if err != nil {
		t.Fatalf("CreateVNIC: %v", err)
	}
	if len(v.Backing) != 2 {
		t.Fatalf("the vNIC has %d backing devices, want 2", len(v.Backing))
	}
	if _, err := c.CreateLogicalPort(admin, client.UUID, sriov.LPSpec{Adapter: 1, Port: 1, Capacity: 1000}); err != nil {
		t.Fatalf("CreateLogicalPort: %v", err)
	}
	before := sriovSnapshot(c)
	if len(before) != 4 {
		t.Fatalf("want 3 logical ports and a vNIC, have\n%s", strings.Join(before, "\n"))
	}
	c.Close()
	c = openTest(t, dir, clk, nil)
	defer c.Close()
	if after := sriovSnapshot(c); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("after a restart\n%s\nbefore\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}

	powerOff(t, c, clk, "vios3")
	err = c.DeletePartition(admin, vios3.UUID, "")
	if err == nil || !strings.Contains(err.Error(), "backs the vNICs of lpar10") {
		t.Fatalf("deleting a VIOS that backs a vNIC: %v", err)
	}
	if after := sriovSnapshot(c); len(after) != 4 {
		t.Fatalf("a refused delete changed SR-IOV:\n%s", strings.Join(after, "\n"))
	}
	if err := c.DeletePartition(admin, client.UUID, ""); err != nil {
		t.Fatalf("deleting the client: %v", err)
	}
	if after := sriovSnapshot(c); len(after) != 0 {
		t.Fatalf("left after the client's delete:\n%s", strings.Join(after, "\n"))
	}
	c.ReadSAN(func(tx san.Tx) {
		if u := sriov.PortUsage(tx, 1, 0); u != (sriov.Usage{}) {
			t.Errorf("port 0 of adapter 1 still gives out %+v", u)
		}
	})
	if err := c.DeletePartition(admin, vios3.UUID, ""); err != nil {
		t.Fatalf("deleting vios3 once it backs nothing: %v", err)
	}
}
