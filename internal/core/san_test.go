package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// sanTestInventory has a third VIOS (in no cluster), a volume for the
// first two (LUN 30, not shared) and an iSCSI target.
func sanTestInventory() *Inventory {
	inv := DefaultInventory()
	inv.VIOS.Count, inv.VIOS.Running = 3, 3
	inv.SAN = &san.Spec{
		LUNs: []san.LUNSpec{{Name: "vol30", SizeMB: 20480, Array: san.DefaultArray,
			Hosts: []model.SANLUNHost{{Host: "vios1", LUN: 30}, {Host: "vios2", LUN: 30}}}},
		Targets: []san.TargetSpec{{IQN: "iqn.2026-01.com.example:t1", Portals: []string{"10.1.1.1"},
			LUNs: []san.LUNSpec{{Name: "ivol", SizeMB: 1024, TargetLUN: 3}}}},
	}
	return inv
}

func runIOSCLI(t *testing.T, c *Core, vios, line string) vios.Result {
	t.Helper()
	r, err := c.RunIOSCLI(admin, partByName(c, vios).UUID, line, false)
	if err != nil {
		t.Fatalf("%s on %s: %v", line, vios, err)
	}
	return r
}

// TestSANSurvivesRestart: the SAN, a change made to it and the disks a
// VIOS discovered are in the store: a restart finds them all.
func TestSANSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, dir, clk, sanTestInventory())
	err := c.ChangeSAN(admin, func(tx *Tx) error {
		_, err := san.MapLUN(tx, san.LUNByName(tx, "vol30"), "vios3x", 1)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "vios3x") {
		t.Fatalf("a mapping to a host that does not exist: %v", err)
	}
	if r := runIOSCLI(t, c, "vios1", "cfgdev"); r.Code != 0 {
		t.Fatalf("cfgdev: %+v", r)
	}
	lspv := runIOSCLI(t, c, "vios1", "lspv").Out
	if !strings.Contains(lspv, "hdisk7") {
		t.Fatalf("cfgdev found no new disk:\n%s", lspv)
	}
	c.Close()
	c = openTest(t, dir, clk, nil)
	defer c.Close()
	if again := runIOSCLI(t, c, "vios1", "lspv").Out; again != lspv {
		t.Errorf("after a restart lspv shows\n%s\nbefore\n%s", again, lspv)
	}
	c.ReadSAN(func(tx san.Tx) {
		if san.LUNByName(tx, "vol30") == nil || san.TargetByIQN(tx, "iqn.2026-01.com.example:t1") == nil {
			t.Error("the SAN of the inventory is gone after a restart")
		}
	})
}

// TestVolumeMappedToOnePartition: a volume that is not shared is mapped
// to one client at a time, whichever VIOS maps it; a volume a VIOS has
// as a disk cannot be deleted from the SAN.
func TestVolumeMappedToOnePartition(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, sanTestInventory())
	defer c.Close()
	v1, v2 := partByName(c, "vios1"), partByName(c, "vios2")
	l10, l11 := partByName(c, "lpar10"), partByName(c, "lpar11")
	for _, v := range []string{"vios1", "vios2"} {
		runIOSCLI(t, c, v, "cfgdev")
	}
	disk := func(v *model.Partition) *model.PhysicalVolume {
		var out *model.PhysicalVolume
		c.ReadSAN(func(tx san.Tx) { out = vios.PVOfLUN(tx.(vios.Tx), v.UUID, san.LUNByName(tx, "vol30").UUID) })
		if out == nil {
			t.Fatalf("%s has no disk of vol30", v.Name)
		}
		return out
	}
	d1, d2 := disk(v1), disk(v2)
	if err := c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{{Client: l10.UUID, Backing: model.BackPV, BackingID: d1.UUID}}); err != nil {
		t.Fatal(err)
	}
	// The same volume through the other VIOS to the same client: fine
	// (multipath); to another client: refused.
	err := c.UpdateSCSIMappings(admin, v2.UUID, "", []vios.SCSISpec{{Client: l11.UUID, Backing: model.BackPV, BackingID: d2.UUID}})
	if err == nil || !strings.Contains(err.Error(), "one partition at a time") || model.KindOf(err) != model.KindRefused {
		t.Fatalf("vol30 mapped to a second partition: %v", err)
	}
	if err := c.UpdateSCSIMappings(admin, v2.UUID, "", []vios.SCSISpec{{Client: l10.UUID, Backing: model.BackPV, BackingID: d2.UUID}}); err != nil {
		t.Fatalf("vol30 through the second VIOS to the same client: %v", err)
	}
	err = c.ChangeSAN(admin, func(tx *Tx) error { return san.DeleteLUN(tx, san.LUNByName(tx, "vol30")) })
	if err == nil || !strings.Contains(err.Error(), "rmdev") {
		t.Fatalf("deleting a volume the VIOSes have as disks: %v", err)
	}
}

// TestVIOSJobsRefuseBadInput: jobs whose parameters are wrong are
// refused before anything runs.
func TestVIOSJobsRefuseBadInput(t *testing.T) {
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, sanTestInventory())
	defer c.Close()
	v1 := partByName(c, "vios1")
	viewer := Actor{User: "viewer", Role: RoleViewer}
	cases := []struct {
		name  string
		a     Actor
		group string
		op    string
		p     []Param
		want  string
	}{
		{"LUARecovery without input", admin, "VirtualIOServer", "LUARecovery", nil, "needs the parameter inputXML"},
		{"LUARecovery with bad XML", admin, "VirtualIOServer", "LUARecovery", []Param{{"inputXML", "<XML_LIST>"}}, "not valid XML"},
		{"LUARecovery without devices", admin, "VirtualIOServer", "LUARecovery", []Param{{"inputXML", "<XML_LIST/>"}}, "no deviceList"},
		{"LUARecovery with a bad WWPN", admin, "VirtualIOServer", "LUARecovery", []Param{{"inputXML",
			"<XML_LIST><deviceList><device><itlList><number>1</number><itl><Iwwpn>xyz</Iwwpn><Twwpn>500507680b000001</Twwpn><lua>1000000000000</lua></itl></itlList></device></deviceList></XML_LIST>"}}, "not valid"},
		{"LUARecovery with a wrong ITL count", admin, "VirtualIOServer", "LUARecovery", []Param{{"inputXML",
			"<XML_LIST><deviceList><device><itlList><number>2</number><itl><Iwwpn>10000090fa000000</Iwwpn><Twwpn>500507680b000001</Twwpn><lua>1000000000000</lua></itl></itlList></device></deviceList></XML_LIST>"}}, "says 2 ITLs"},
		{"LUARecovery by a viewer", viewer, "VirtualIOServer", "LUARecovery", []Param{{"inputXML",
			"<XML_LIST><deviceList><device><itlList><number>1</number><itl><Iwwpn>10000090fa000000</Iwwpn><Twwpn>500507680b000001</Twwpn><lua>1000000000000</lua></itl></itlList></device></deviceList></XML_LIST>"}}, "may not change"},
		{"RemoveDevice without a device", admin, "VirtualIOServer", "RemoveDevice", nil, "needs the parameter devName"},
		{"ISCSIDiscovery with a bad LUN", admin, "VirtualIOServer", "ISCSIDiscovery", []Param{{"targetIQN", "iqn.2026-01.com.example:t1"}, {"hostIP", "10.1.1.1"}, {"targetLUN", "x"}}, "targetLUN"},
		{"ISCSIDiscovery of two targets without multipath", admin, "VirtualIOServer", "ISCSIDiscovery", []Param{{"targetIQN", "[iqn.2026-01.com.example:t1,iqn.2026-01.com.example:t2]"}, {"hostIP", "[10.1.1.1,10.1.1.2]"}}, "multipath"},
		{"ISCSIRemove without a target", admin, "VirtualIOServer", "ISCSIRemove", nil, "needs the parameter targetIQN"},
		{"RBDExists without a name", admin, "VirtualIOServer", "RBDExists", nil, "needs the parameter name"},
		{"Cluster Create without XML", admin, "Cluster", "Create", nil, "needs the parameters clusterXml and sspXml"},
		{"Cluster Create with two nodes", admin, "Cluster", "Create", []Param{
			{"clusterXml", "<Cluster><ClusterName>c2</ClusterName><RepositoryDisk><PhysicalVolume><VolumeName>hdisk5</VolumeName></PhysicalVolume></RepositoryDisk><Node><Node><HostName>vios1</HostName></Node><Node><HostName>vios2</HostName></Node></Node></Cluster>"},
			{"sspXml", "<SharedStoragePool><StoragePoolName>p2</StoragePoolName></SharedStoragePool>"}}, "one node"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := c.ViewRevision()
			target := v1.UUID
			if tc.group == "Cluster" {
				target = ""
			}
			j, err := c.StartJob(tc.a, JobRequest{Group: tc.group, Operation: tc.op, TargetUUID: target, Params: tc.p})
			if err == nil {
				t.Fatalf("started: %+v", j.Snapshot())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to say %q", err, tc.want)
			}
			if c.ViewRevision() != before {
				t.Fatal("a refused job changed the model")
			}
		})
	}
	// Failures of a job that ran: the job ends with the error, nothing
	// changed.
	for _, tc := range []struct {
		name string
		p    []Param
		want string
	}{
		{"a cluster over a disk of cluster1", []Param{
			{"clusterXml", "<Cluster><ClusterName>c2</ClusterName><RepositoryDisk><PhysicalVolume><VolumeName>hdisk2</VolumeName></PhysicalVolume></RepositoryDisk><Node><Node><PartitionID>3</PartitionID></Node></Node></Cluster>"},
			{"sspXml", "<SharedStoragePool><StoragePoolName>p2</StoragePoolName><PhysicalVolumes><PhysicalVolume><VolumeName>hdisk5</VolumeName></PhysicalVolume></PhysicalVolumes></SharedStoragePool>"}}, "already a node"},
		{"a cluster over a local disk", []Param{
			{"clusterXml", "<Cluster><ClusterName>c2</ClusterName><RepositoryDisk><PhysicalVolume><VolumeName>hdisk1</VolumeName></PhysicalVolume></RepositoryDisk><Node><Node><VirtualIOServer href=\"/rest/api/uom/VirtualIOServer/" + partByName(c, "vios3").UUID + "\"/></Node></Node></Cluster>"},
			{"sspXml", "<SharedStoragePool><StoragePoolName>p2</StoragePoolName><PhysicalVolumes><PhysicalVolume><VolumeName>hdisk5</VolumeName></PhysicalVolume></PhysicalVolumes></SharedStoragePool>"}}, "not shared storage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := c.ViewRevision()
			j, err := c.StartJob(admin, JobRequest{Group: "Cluster", Operation: "Create", Params: tc.p})
			if err != nil {
				t.Fatal(err)
			}
			v := j.Snapshot()
			if v.Status != JobError || !strings.Contains(v.Message, tc.want) {
				t.Fatalf("job %s %q, want an error saying %q", v.Status, v.Message, tc.want)
			}
			if c.ViewRevision() != before {
				t.Fatal("a failed job changed the model")
			}
		})
	}
}
