package san

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// testState is a system with one VIOS (two FC ports) and one client.
func testState(t *testing.T) StateTx {
	t.Helper()
	st := model.NewState(&model.ManagedSystem{UUID: "sys", Serial: "1234567", Type: "8247", Model: "22L"})
	st.Put(&model.Partition{UUID: "V1", ID: 2, Name: "vios1", Type: model.TypeVIOS})
	st.Put(&model.Partition{UUID: "C1", ID: 10, Name: "lpar10", Type: model.TypeAIXLinux})
	st.Put(&model.FCPort{UUID: "p0", VIOS: "V1", Name: "fcs0", WWPN: "10000090fa000000", MaxNPIV: 64})
	st.Put(&model.FCPort{UUID: "p1", VIOS: "V1", Name: "fcs1", WWPN: "10000090fa000001", MaxNPIV: 64})
	st.Put(&model.FCMapping{UUID: "m1", VIOS: "V1", Client: "C1", Port: "fcs0", WWPNs: []string{"c050760000000001", "c050760000000002"}})
	return StateTx{St: st, At: time.Unix(1700000000, 0)}
}

func TestPathsFollowZoningHostsAndFabrics(t *testing.T) {
	tx := testState(t)
	spec := Spec{
		Fabrics: []FabricSpec{{Name: "A", Zones: []model.SANZone{{Name: "z1", Members: []string{"10:00:00:90:FA:00:00:00", "500507680b000001"}}}}, {Name: "B"}},
		Arrays: []ArraySpec{{Name: "v7k", Ports: []model.SANArrayPort{
			{WWPN: "500507680b000001", Fabric: "A"}, {WWPN: "500507680b000002", Fabric: "A"}, {WWPN: "500507680b000003", Fabric: "B"}},
			Hosts: []model.SANHost{{Name: "vios1", VIOS: "vios1"}, {Name: "lpar10", Partition: "lpar10"}}}},
		LUNs: []LUNSpec{
			{Name: "vol1", SizeMB: 1024, Array: "v7k", Hosts: []model.SANLUNHost{{Host: "vios1", LUN: 3}}},
			{Name: "vol2", SizeMB: 2048, Array: "v7k", Hosts: []model.SANLUNHost{{Host: "lpar10", LUN: 0}}},
		},
	}
	if err := Apply(tx, spec, "test"); err != nil {
		t.Fatal(err)
	}
	// Ports cabled by position: fcs0 on A, fcs1 on B.
	if p := tx.Get(model.KindFCPort, "p1").(*model.FCPort); p.Fabric != "B" {
		t.Fatalf("fcs1 cabled to %q, want B", p.Fabric)
	}
	// fcs0 is zoned with one target port of fabric A only.
	paths := FCPaths(tx, "10000090fa000000", "A")
	if len(paths) != 1 || paths[0].LUN.Name != "vol1" || paths[0].Target != "500507680b000001" || paths[0].LUNNumber != 3 {
		t.Fatalf("paths of fcs0: %+v", paths)
	}
	// fcs1 on the open fabric B sees the third port.
	if paths := FCPaths(tx, "10000090fa000001", "B"); len(paths) != 1 || paths[0].Target != "500507680b000003" {
		t.Fatalf("paths of fcs1: %+v", paths)
	}
	// The client's virtual WWPN is in host lpar10 (it follows the
	// partition) but fabric A's zoning leaves it out.
	if paths := FCPaths(tx, "c050760000000001", "A"); len(paths) != 0 {
		t.Fatalf("a WWPN outside every zone sees %+v", paths)
	}
	if paths := FCPaths(tx, "c050760000000001", "B"); len(paths) != 1 || paths[0].LUN.Name != "vol2" {
		t.Fatalf("client WWPN on B: %+v", paths)
	}
	l := LUNByName(tx, "vol1")
	if u := UDID(tx, l); !strings.HasPrefix(u, "33213"+l.NAA) || !strings.HasSuffix(u, "04214503IBMfcp") || len(l.NAA) != 32 {
		t.Fatalf("UDID %q of NAA %q", u, l.NAA)
	}
}

func TestRefusals(t *testing.T) {
	tx := testState(t)
	if err := Apply(tx, Spec{
		Fabrics: []FabricSpec{{Name: "A"}},
		Arrays: []ArraySpec{{Name: "v7k", Ports: []model.SANArrayPort{{WWPN: "500507680b000001", Fabric: "A"}},
			Hosts: []model.SANHost{{Name: "h1", WWPNs: []string{"10000090fa000000"}}, {Name: "h2", WWPNs: []string{"10000090fa000001"}}}}},
		LUNs:    []LUNSpec{{Name: "vol1", SizeMB: 1024, Array: "v7k", Hosts: []model.SANLUNHost{{Host: "h1", LUN: 1}}}},
		Targets: []TargetSpec{{IQN: "iqn.2010-10.org.openstack:vol-1", Portals: []string{"10.0.0.1"}, LUNs: []LUNSpec{{Name: "ivol1", SizeMB: 10, TargetLUN: 1}}}},
	}, ""); err != nil {
		t.Fatal(err)
	}
	arr := ArrayByName(tx, "v7k")
	vol1 := LUNByName(tx, "vol1")
	cases := []struct {
		name string
		do   func() error
		want string
	}{
		{"a target port WWPN used by a VIOS port", func() error {
			_, err := CreateArray(tx, ArraySpec{Name: "x", Ports: []model.SANArrayPort{{WWPN: "10000090FA000000", Fabric: "A"}}})
			return err
		}, "port fcs0 of vios1"},
		{"a target port WWPN used by a client adapter", func() error {
			_, err := CreateArray(tx, ArraySpec{Name: "x", Ports: []model.SANArrayPort{{WWPN: "c0:50:76:00:00:00:00:02", Fabric: "A"}}})
			return err
		}, "virtual Fibre Channel adapter of lpar10"},
		{"a target port WWPN of another array", func() error {
			_, err := CreateArray(tx, ArraySpec{Name: "x", Ports: []model.SANArrayPort{{WWPN: "500507680b000001", Fabric: "A"}}})
			return err
		}, "target port 0 of array v7k"},
		{"a duplicate LUN number on a host", func() error {
			_, err := CreateLUN(tx, LUNSpec{Name: "vol2", SizeMB: 1, Array: "v7k", Hosts: []model.SANLUNHost{{Host: "h1", LUN: 1}}})
			return err
		}, "already has LUN 1"},
		{"a duplicate volume name", func() error {
			_, err := CreateLUN(tx, LUNSpec{Name: "vol1", SizeMB: 1, Array: "v7k"})
			return err
		}, "already in use"},
		{"a duplicate IQN", func() error {
			_, err := CreateTarget(tx, TargetSpec{IQN: "iqn.2010-10.org.openstack:vol-1", Portals: []string{"10.0.0.2:3260"}})
			return err
		}, "already a target"},
		{"a duplicate LUN number on a target", func() error {
			_, err := CreateLUN(tx, LUNSpec{Name: "ivol2", SizeMB: 1, Target: "iqn.2010-10.org.openstack:vol-1", TargetLUN: 1})
			return err
		}, "already volume ivol1"},
		{"a bad IQN", func() error {
			_, err := CreateTarget(tx, TargetSpec{IQN: "target1", Portals: []string{"10.0.0.2"}})
			return err
		}, "not valid"},
		{"an initiator in two hosts", func() error {
			_, err := AddHost(tx, arr, model.SANHost{Name: "h3", WWPNs: []string{"10000090fa000000"}})
			return err
		}, "belongs to one host"},
		{"a volume mapped twice to a host", func() error {
			_, err := MapLUN(tx, vol1, "h1", 7)
			return err
		}, "already mapped"},
		{"a host with a mapped volume removed", func() error {
			_, err := RemoveHost(tx, arr, "h1")
			return err
		}, "unmap it first"},
		{"a volume shrunk", func() error {
			_, err := ResizeLUN(tx, vol1, 10)
			return err
		}, "cannot shrink"},
		{"a port cabled with more NPIV connections than one has", func() error {
			return Cable(tx, []CableSpec{{VIOS: "vios1", Port: "fcs1", Fabric: "A", MaxNPIV: 2}, {VIOS: "vios1", Port: "fcs0", Fabric: "A", MaxNPIV: 300}})
		}, "maxNPIV"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(tx)
			err := c.do()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
			if after := snapshot(tx); after != before {
				t.Fatalf("a refused change changed the SAN:\n%s\n%s", before, after)
			}
		})
	}
	if p := tx.Get(model.KindFCPort, "p1").(*model.FCPort); p.MaxNPIV != 64 {
		t.Fatalf("a refused cabling changed fcs1's NPIV connections to %d", p.MaxNPIV)
	}
	if err := Cable(tx, []CableSpec{{VIOS: "vios1", Port: "fcs1", Fabric: "A", MaxNPIV: 2}}); err != nil {
		t.Fatal(err)
	}
	if p := tx.Get(model.KindFCPort, "p1").(*model.FCPort); p.MaxNPIV != 2 || p.Fabric != "A" {
		t.Fatalf("fcs1 cabled with 2 NPIV connections: %+v", p)
	}
	// A volume a VIOS has as a disk stays until the disk goes.
	tx.Put(&model.PhysicalVolume{UUID: "pv", VIOS: "V1", Name: "hdisk7", LUN: vol1.UUID})
	if err := DeleteLUN(tx, vol1); err == nil || !strings.Contains(err.Error(), "hdisk7 on vios1") {
		t.Fatalf("delete of a configured volume: %v", err)
	}
	tx.Delete(model.KindPV, "pv")
	if err := DeleteLUN(tx, vol1); err != nil {
		t.Fatal(err)
	}
}

func snapshot(tx StateTx) string {
	var keys []string
	for _, k := range []model.ObjKind{model.KindSANFabric, model.KindSANArray, model.KindSANLUN, model.KindISCSITarget} {
		tx.Each(k, func(o model.Object) { keys = append(keys, string(k)+":"+o.Key()+";") })
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(strings.Join(keys, ""))
	for _, a := range Arrays(tx) {
		for _, h := range a.Hosts {
			b.WriteString(h.Name + ",")
		}
	}
	for _, l := range LUNs(tx) {
		b.WriteString(l.Name + itoa(l.SizeMB) + itoa(len(l.Hosts)))
	}
	return b.String()
}

func TestLUNAddress(t *testing.T) {
	for _, n := range []int{0, 1, 2, 15, 255, 4095} {
		a := LUNAddress(n)
		if got, ok := ParseLUNAddress(a); !ok || got != n {
			t.Errorf("LUN %d -> %q -> %d %v", n, a, got, ok)
		}
	}
	if a := LUNAddress(2); a != "2000000000000" {
		t.Errorf("LUN 2 is %q (pypowervm's normalize_lun writes 2000000000000)", a)
	}
}
