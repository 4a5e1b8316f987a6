package core

import (
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// portWWPN is the WWPN of a VIOS's physical port on a system.
func portWWPN(t *testing.T, c *Core, viosName, port string) string {
	t.Helper()
	w := ""
	c.Read(func(st *model.State) {
		v := st.PartitionByName(viosName)
		st.Each(model.KindFCPort, func(o model.Object) {
			if p := o.(*model.FCPort); p.VIOS == v.UUID && p.Name == port {
				w = strings.ToLower(p.WWPN)
			}
		})
	})
	if w == "" {
		t.Fatalf("%s has no port %s on %s", viosName, port, c.Name())
	}
	return w
}

// diskOf is a VIOS's disk of a SAN volume (nil when it has none).
func diskOf(c *Core, viosName, lunName string) *model.PhysicalVolume {
	var pv *model.PhysicalVolume
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st}
		l := san.LUNByName(tx, lunName)
		if l == nil {
			return
		}
		pv = vios.PVOfLUN(tx, st.PartitionByName(viosName).UUID, l.UUID)
	})
	return pv
}

// flashArray is a second array of the fleet's SAN, a port on each
// fabric, with hosts.
func flashArray(hosts ...model.SANHost) san.ArraySpec {
	return san.ArraySpec{Name: "flash1", Ports: []model.SANArrayPort{{WWPN: "500507680b000001", Fabric: "fabricA"}, {WWPN: "500507680b000002", Fabric: "fabricB"}}, Hosts: hosts}
}

// TestFleetSAN: a fleet has one SAN. Every system sees the same fabrics,
// array and volumes; the cluster a storage group shares is on one set of
// volumes; a volume whose host lists ports of two systems is discovered
// by both systems' VIOSes with the same page 83 identifier; a volume a
// VIOS of one system has as a disk cannot be deleted from another; the
// SAN and the disks survive a restart.
func TestFleetSAN(t *testing.T) {
	dir := t.TempDir()
	f := openFleetTest(t, dir, 3, func(i int) string {
		if i <= 2 {
			return "g"
		}
		return ""
	})
	s1, s2, s3 := f.System("sys1"), f.System("sys2"), f.System("sys3")
	names := func(c *Core) (fabrics, arrays, luns []string) {
		c.ReadSAN(func(tx san.Tx) {
			for _, x := range san.Fabrics(tx) {
				fabrics = append(fabrics, x.Name)
			}
			for _, x := range san.Arrays(tx) {
				arrays = append(arrays, x.Name)
			}
			for _, x := range san.LUNs(tx) {
				luns = append(luns, x.Name)
			}
		})
		return
	}
	fa, ar, lu := names(s1)
	if strings.Join(fa, " ") != "fabricA fabricB" || strings.Join(ar, " ") != "storwize1" {
		t.Fatalf("the fleet's SAN: fabrics %v, arrays %v", fa, ar)
	}
	for _, want := range []string{"cluster1-caarepo", "cluster1-pool1_data1", "sys1-shared1", "sys2-shared2", "sys3-caarepo", "sys3-shared1"} {
		if !containsStr(lu, want) {
			t.Errorf("the fleet's SAN has no volume %s: %v", want, lu)
		}
	}
	for _, c := range []*Core{s2, s3} {
		if fa2, ar2, lu2 := names(c); strings.Join(fa2, ",") != strings.Join(fa, ",") || strings.Join(ar2, ",") != strings.Join(ar, ",") || strings.Join(lu2, ",") != strings.Join(lu, ",") {
			t.Errorf("%s sees another SAN: %v %v %v", c.Name(), fa2, ar2, lu2)
		}
	}
	// The shared cluster's repository: one volume, the same disk on both.
	r1, r2 := diskOf(s1, "vios2", "cluster1-caarepo"), diskOf(s2, "vios1", "cluster1-caarepo")
	if r1 == nil || r2 == nil || r1.NAA != r2.NAA || r1.UDID != r2.UDID || r1.Name != "hdisk2" {
		t.Fatalf("the cluster's repository disk: %+v, %+v", r1, r2)
	}
	var repo string
	s2.Read(func(st *model.State) {
		st.Each(model.KindCluster, func(o model.Object) { repo = o.(*model.Cluster).Repository })
	})
	if repo != r2.UDID {
		t.Errorf("the cluster's repository %s is not its disk's %s", repo, r2.UDID)
	}

	// A volume for a host of two systems' ports, made through sys3's
	// control: discovered on sys1's and sys2's VIOS, the same volume.
	w1, w2 := portWWPN(t, s1, "vios1", "fcs0"), portWWPN(t, s2, "vios1", "fcs0")
	err := s3.ChangeSAN(admin, func(tx *Tx) error {
		a, err := san.CreateArray(tx, flashArray(model.SANHost{Name: "both", WWPNs: []string{w1, w2}}))
		if err != nil {
			return err
		}
		_, err = san.CreateLUN(tx, san.LUNSpec{Name: "xvol", SizeMB: 4096, Array: a.Name, Hosts: []model.SANLUNHost{{Host: "both", LUN: 9}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A host may not take another system's port twice.
	err = s2.ChangeSAN(admin, func(tx *Tx) error {
		_, err := san.AddHost(tx, san.ArrayByName(tx, "flash1"), model.SANHost{Name: "again", WWPNs: []string{w1}})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "already an initiator of host both") {
		t.Fatalf("a second host with sys1's port: %v", err)
	}
	for _, c := range []*Core{s1, s2} {
		if r := runIOSCLI(t, c, "vios1", "cfgdev"); r.Code != 0 {
			t.Fatalf("cfgdev on %s: %+v", c.Name(), r)
		}
	}
	d1, d2 := diskOf(s1, "vios1", "xvol"), diskOf(s2, "vios1", "xvol")
	if d1 == nil || d2 == nil || d1.NAA != d2.NAA || d1.UDID != d2.UDID {
		t.Fatalf("xvol on sys1's vios1 %+v, on sys2's %+v", d1, d2)
	}
	if diskOf(s1, "vios2", "xvol") != nil || diskOf(s3, "vios1", "xvol") != nil {
		t.Error("a VIOS whose ports the host does not list found xvol")
	}
	// Not shared: mapped to sys1's lpar10, it is refused to sys2's.
	mapDisk := func(c *Core, d *model.PhysicalVolume) error {
		return c.Apply(admin, func(tx *Tx) error {
			_, err := vios.MapSCSI(tx, tx.PartitionByName("vios1"), vios.SCSISpec{Client: tx.PartitionByName("lpar10").UUID, Backing: model.BackPV, BackingID: d.UUID})
			return err
		})
	}
	if err := mapDisk(s1, d1); err != nil {
		t.Fatal(err)
	}
	if err := mapDisk(s2, d2); err == nil || !strings.Contains(err.Error(), "already mapped to partition lpar10 of the managed system "+s1.System().Name) {
		t.Fatalf("the volume mapped on a second system: %v", err)
	}
	// sys2's vios1 has it: sys3 cannot delete it.
	err = s3.ChangeSAN(admin, func(tx *Tx) error { return san.DeleteLUN(tx, san.LUNByName(tx, "xvol")) })
	if err == nil || !strings.Contains(err.Error(), "managed system") {
		t.Fatalf("delete a volume another system's VIOS has: %v", err)
	}
	// A WWPN of sys1's port is in use for an array of sys2's making.
	err = s2.ChangeSAN(admin, func(tx *Tx) error {
		_, err := san.CreateArray(tx, san.ArraySpec{Name: "dup", Ports: []model.SANArrayPort{{WWPN: w1, Fabric: "fabricA"}}})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("an array port with sys1's WWPN: %v", err)
	}

	// A volume of storwize1 for the host that follows sys2's vios2: seen
	// through its ports from sys1's view of the SAN too, and found by it.
	if err := s1.ChangeSAN(admin, func(tx *Tx) error {
		_, err := san.CreateLUN(tx, san.LUNSpec{Name: "yvol", SizeMB: 1024, Array: san.DefaultArray, Hosts: []model.SANLUNHost{{Host: "sys2-vios2", LUN: 20}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w22 := portWWPN(t, s2, "vios2", "fcs0")
	s1.ReadSAN(func(tx san.Tx) {
		found := false
		for _, p := range san.FCPaths(tx, w22, "fabricA") {
			found = found || p.LUN.Name == "yvol" && p.LUNNumber == 20
		}
		if !found {
			t.Error("sys1's view of the SAN: sys2's vios2 fcs0 has no path to yvol")
		}
		if by := san.WWPNOwner(tx, w22, ""); !strings.Contains(by, "vios2") || !strings.Contains(by, "managed system") {
			t.Errorf("sys1's view: %s is %q", w22, by)
		}
	})
	runIOSCLI(t, s2, "vios2", "cfgdev")
	if diskOf(s2, "vios2", "yvol") == nil || diskOf(s1, "vios2", "yvol") != nil {
		t.Error("yvol: not a disk of sys2's vios2 alone")
	}

	// An iSCSI target and an RBD image made through sys1's control are
	// reached from sys2's and sys3's VIOSes.
	const iqn = "iqn.2026-01.com.example:fleet"
	if err := s1.ChangeSAN(admin, func(tx *Tx) error {
		if _, err := san.CreateTarget(tx, san.TargetSpec{IQN: iqn, Portals: []string{"10.9.9.9"}}); err != nil {
			return err
		}
		if _, err := san.CreateLUN(tx, san.LUNSpec{Name: "ivol", SizeMB: 1024, Target: iqn, TargetLUN: 2}); err != nil {
			return err
		}
		_, err := san.CreateRBD(tx, san.RBDSpec{Pool: "rbd", Name: "img1", SizeMB: 2048})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var naas []string
	for _, c := range []*Core{s2, s3} {
		var res vios.ISCSIResult
		err := c.viosApply(admin, partByName(c, "vios2").UUID, func(tx *Tx, v *model.Partition) error {
			res = vios.ISCSIDiscover(tx, v, vios.ISCSILogin{Portals: []string{"10.9.9.9"}, IQNs: []string{iqn}, LUNs: []int{2}})
			return nil
		})
		if err != nil || res.Status != vios.ISCSIOK {
			t.Fatalf("iSCSI login from %s: %v %+v", c.Name(), err, res)
		}
		d := diskOf(c, "vios2", "ivol")
		if d == nil {
			t.Fatalf("%s's vios2 has no disk of ivol", c.Name())
		}
		naas = append(naas, d.NAA)
		c.ReadSAN(func(tx san.Tx) {
			if san.RBDByPath(tx, "rbd/img1") == nil {
				t.Errorf("%s does not see the RBD image", c.Name())
			}
		})
	}
	if naas[0] != naas[1] {
		t.Errorf("ivol's disks: %v", naas)
	}

	f.Close()
	f = openFleetTest(t, dir, 3, func(int) string { return "" })
	defer f.Close()
	if _, ar2, lu2 := names(f.System("sys2")); !containsStr(lu2, "xvol") || len(lu2) != len(lu)+3 || len(ar2) != 2 {
		t.Errorf("after a restart the SAN has %v", lu2)
	}
	if d := diskOf(f.System("sys2"), "vios1", "xvol"); d == nil || d.NAA != d1.NAA {
		t.Errorf("after a restart sys2's vios1 has %+v", d)
	}
}

// TestMigrateSANPartition: a partition with a SAN volume mapped by vSCSI
// (its disk found by page 83 identifier) and an NPIV adapter migrates to
// the other system: the target's VIOS that sees the volume maps its disk
// of it, the NPIV adapter keeps its WWPNs on a target port of the same
// fabric, nothing stays on the source. Validation refuses when no target
// VIOS sees the volume, or no target port is on the fabric.
func TestMigrateSANPartition(t *testing.T) {
	f, clk, p, _ := migrationFleet(t)
	s1, s2 := f.System("sys1"), f.System("sys2")
	// vm1's disk from the SAN: a volume for sys1's vios1, later sys2's.
	hostOf := map[string]string{}
	err := s1.ChangeSAN(admin, func(tx *Tx) error {
		a, err := san.CreateArray(tx, flashArray())
		if err != nil {
			return err
		}
		for _, h := range []struct{ name, w string }{{"m1", portWWPN(t, s1, "vios1", "fcs0")}, {"m2", portWWPN(t, s2, "vios1", "fcs0")}} {
			if a, err = san.AddHost(tx, a, model.SANHost{Name: h.name, WWPNs: []string{h.w}}); err != nil {
				return err
			}
			hostOf[h.name] = h.w
		}
		if _, err = san.CreateLUN(tx, san.LUNSpec{Name: "vm1vol", SizeMB: 8192, Array: a.Name, Hosts: []model.SANLUNHost{{Host: "m1", LUN: 1}}}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runIOSCLI(t, s1, "vios1", "cfgdev")
	disk := diskOf(s1, "vios1", "vm1vol")
	if disk == nil {
		t.Fatal("sys1's vios1 did not find vm1vol")
	}
	var wwpns []string
	err = s1.Apply(admin, func(tx *Tx) error {
		v1, v2, c := tx.PartitionByName("vios1"), tx.PartitionByName("vios2"), tx.PartitionByName("vm1")
		if _, err := vios.MapSCSI(tx, v1, vios.SCSISpec{Client: c.UUID, Backing: model.BackPV, BackingID: disk.UUID}); err != nil {
			return err
		}
		m, err := vios.MapFC(tx, v2, vios.FCSpec{Client: c.UUID, Port: "fcs1"})
		if err == nil {
			wwpns = m.WWPNs
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	validate := func() *Job {
		t.Helper()
		j, err := migrateJob(s1, "MigrateValidate", p.UUID, ParamTargetSystem, s2.System().Name)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	// Refused: the volume is not for sys2's VIOSes yet.
	if v := validate().Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "vm1vol") || !strings.Contains(v.Message, "is not seen by") {
		t.Fatalf("validate with the volume not zoned to the target: %+v", v)
	}
	if err := s1.ChangeSAN(admin, func(tx *Tx) error {
		_, err := san.MapLUN(tx, san.LUNByName(tx, "vm1vol"), "m2", 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Refused: no port of sys2's VIOSes on fabricB (where the NPIV
	// adapter's port is).
	recable := func(fabric string) {
		t.Helper()
		if err := s2.ChangeSAN(admin, func(tx *Tx) error {
			return san.Cable(tx, []san.CableSpec{{VIOS: "vios1", Port: "fcs1", Fabric: fabric}, {VIOS: "vios2", Port: "fcs1", Fabric: fabric}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	recable("")
	if v := validate().Snapshot(); v.Status != JobFailedBefore || !strings.Contains(v.Message, "on fabric fabricB") {
		t.Fatalf("validate with no target port on the fabric: %+v", v)
	}
	recable("fabricB")
	if v := validate().Snapshot(); v.Status != JobOK {
		t.Fatalf("validate: %+v", v)
	}
	if diskOf(s2, "vios1", "vm1vol") != nil {
		t.Fatal("a validation configured a disk on the target")
	}
	j, err := migrateJob(s1, "Migrate", p.UUID, ParamTargetSystem, s2.System().Name)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000 && j.Snapshot().Status == JobRunning; i++ {
		clk.Advance(50 * time.Millisecond)
	}
	if v := j.Snapshot(); v.Status != JobOK {
		t.Fatalf("migrate: %+v", v)
	}
	if o := owners(t, f, p.UUID); o != s2 {
		t.Fatalf("vm1 is on %s", o.Name())
	}
	tdisk := diskOf(s2, "vios1", "vm1vol")
	if tdisk == nil || tdisk.NAA != disk.NAA {
		t.Fatalf("sys2's vios1 disk of vm1vol: %+v", tdisk)
	}
	s2.Read(func(st *model.State) {
		v1 := st.PartitionByName("vios1")
		scsi, fc := 0, 0
		st.Each(model.KindSCSIMap, func(o model.Object) {
			if m := o.(*model.SCSIMapping); m.Client == p.UUID && m.Backing == model.BackPV {
				scsi++
				if m.BackingID != tdisk.UUID || m.VIOS != v1.UUID {
					t.Errorf("vm1's volume mapped as %+v", m)
				}
			}
		})
		st.Each(model.KindFCMap, func(o model.Object) {
			if m := o.(*model.FCMapping); m.Client == p.UUID {
				fc++
				if strings.Join(m.WWPNs, " ") != strings.Join(wwpns, " ") || m.Port != "fcs1" {
					t.Errorf("vm1's NPIV adapter on sys2: %+v (WWPNs before %v)", m, wwpns)
				}
			}
		})
		if scsi != 1 || fc != 1 {
			t.Errorf("on sys2: %d vSCSI mappings of the volume, %d NPIV adapters", scsi, fc)
		}
	})
	// The source's disk stays (the VIOS keeps what it discovered), unmapped.
	if d := diskOf(s1, "vios1", "vm1vol"); d == nil {
		t.Error("sys1's vios1 lost its disk of vm1vol")
	}
}
