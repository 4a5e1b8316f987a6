package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sanOf is a system's view of the SAN through its simulator control.
type sanOf struct {
	Fabrics []struct {
		Name string `json:"name"`
	} `json:"fabrics"`
	Arrays []struct {
		Name  string `json:"name"`
		Ports []struct {
			WWPN   string `json:"wwpn"`
			Fabric string `json:"fabric"`
		} `json:"ports"`
	} `json:"arrays"`
	LUNs []struct {
		Name  string `json:"name"`
		NAA   string `json:"naa"`
		Disks []struct {
			VIOS   string `json:"vios"`
			Disk   string `json:"disk"`
			System string `json:"system"`
		} `json:"disks"`
	} `json:"luns"`
	Cabling []struct {
		VIOS   string `json:"vios"`
		Port   string `json:"port"`
		WWPN   string `json:"wwpn"`
		Fabric string `json:"fabric"`
	} `json:"cabling"`
}

func (fd *fleetDaemon) san(t *testing.T, name string) sanOf {
	t.Helper()
	r := fd.sysClient(t, name).expect(http.StatusOK, http.MethodGet, "/rest/api/sim/san", nil)
	var s sanOf
	if err := json.Unmarshal(r.Body, &s); err != nil {
		t.Fatalf("%s's SAN: %v\n%s", name, err, r.Body)
	}
	return s
}

// port is the WWPN and fabric of a VIOS port of a system.
func (s sanOf) port(t *testing.T, vios, port string) (string, string) {
	t.Helper()
	for _, c := range s.Cabling {
		if c.VIOS == vios && c.Port == port {
			return c.WWPN, c.Fabric
		}
	}
	t.Fatalf("no port %s of %s in the cabling %+v", port, vios, s.Cabling)
	return "", ""
}

// luaRecovery runs the LUARecovery job (as pypowervm's hdisk discovery
// does) on a system's VIOS for one ITL and the volume's page 83 ID, and
// returns the disk's name ("" when none).
func (fd *fleetDaemon) luaRecovery(t *testing.T, name, vios, iwwpn, twwpn, lua, naa string) string {
	t.Helper()
	c := fd.sysClient(t, name)
	uuid := ""
	for _, e := range c.mustFeed("/rest/api/uom/VirtualIOServer").Entries {
		if text(e.Content, "PartitionName") == vios {
			uuid = e.ID
		}
	}
	in := "<XML_LIST><general><cmdVersion>1</cmdVersion><version>1</version></general><reliableITL>false</reliableITL>" +
		"<deviceList><device><vendor>IBM</vendor><deviceTag>1</deviceTag><itlList><number>1</number><itl><Iwwpn>" + iwwpn +
		"</Iwwpn><Twwpn>" + twwpn + "</Twwpn><lua>" + lua + "</lua></itl></itlList><deviceID>" +
		base64.StdEncoding.EncodeToString([]byte(naa)) + "</deviceID></device></deviceList></XML_LIST>"
	jr := c.waitJob(c.startJob("/rest/api/uom/VirtualIOServer/"+uuid, "LUARecovery", "inputXML", in), 30*time.Second)
	if text(jr, "Status") != "COMPLETED_OK" {
		t.Fatalf("LUARecovery on %s's %s: %s", name, vios, jr.String())
	}
	m := regexp.MustCompile(`<pvName>(hdisk\d+)</pvName>`).FindStringSubmatch(text(jr, "Results/JobParameter/ParameterValue"))
	if m == nil {
		t.Logf("LUARecovery on %s's %s: %s", name, vios, jr.String())
		return ""
	}
	return m[1]
}

// TestFleetSANMigrate: a fleet has one SAN, seen and changed through any
// system's simulator control (pvmctl sim san against either PVM_URL), its
// fleet file's san section made with it; a volume whose host lists ports
// of both systems is discovered by LUARecovery on both with the same page
// 83 ID; a partition with that volume mapped by vSCSI and an NPIV adapter
// migrates (pvmctl lpar migrate) to the other system: the volume mapped
// through the target VIOS's disk of it, the NPIV adapter's WWPNs on a
// target port of the same fabric, nothing left on the source. Validation
// refuses first while the target's VIOSes cannot see the volume, and
// while no target port is on the NPIV adapter's fabric.
func TestFleetSANMigrate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(file, []byte(`systems:
  - count: 2
san:
  fabrics:
    - name: fabricC
  arrays:
    - name: flash1
      ports:
        - {wwpn: "500507680b000001", fabric: fabricA}
        - {wwpn: "500507680b000003", fabric: fabricC}
  cabling:
    - {vios: sys1/vios2, port: fcs1, fabric: fabricC}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	fd := startFleet(t, filepath.Join(dir, "state"), "--fleet", file)
	s1, s2 := fd.san(t, "sys1"), fd.san(t, "sys2")
	names := func(s sanOf) string {
		var out []string
		for _, f := range s.Fabrics {
			out = append(out, f.Name)
		}
		for _, a := range s.Arrays {
			out = append(out, a.Name)
		}
		for _, l := range s.LUNs {
			out = append(out, l.Name)
		}
		return strings.Join(out, " ")
	}
	if names(s1) != names(s2) || !strings.Contains(names(s1), "fabricA fabricB fabricC flash1 storwize1") || !strings.Contains(names(s1), "sys2-shared1") {
		t.Fatalf("the systems' SANs:\n%s\n%s", names(s1), names(s2))
	}
	w1, f1 := s1.port(t, "vios1", "fcs0")
	w2, f2 := s2.port(t, "vios1", "fcs0")
	if _, f := s1.port(t, "vios2", "fcs1"); f1 != "fabricA" || f2 != "fabricA" || f != "fabricC" {
		t.Fatalf("cabling: sys1 vios1 fcs0 on %s, sys2's on %s, sys1 vios2 fcs1 on %s", f1, f2, f)
	}
	// Through sys2's control: a volume for a host of sys1's port only.
	fd.pvmctl(t, "sys2", "sim", "san", "host", "create", "--array", "flash1", "--name", "h1", "--wwpn", w1)
	out := fd.pvmctl(t, "sys2", "sim", "san", "lun", "create", "--name", "vmvol", "--size", "8G", "--array", "flash1", "--host", "h1:1")
	naa := regexp.MustCompile(`\b6[0-9A-F]{31}\b`).FindString(out)
	if naa == "" {
		t.Fatalf("lun create:\n%s", out)
	}
	const lua = "1000000000000"
	disk1 := fd.luaRecovery(t, "sys1", "vios1", w1, "500507680b000001", lua, naa)
	if disk1 == "" {
		t.Fatal("sys1's vios1 found no disk of vmvol")
	}
	// Listed through sys1's control with sys1's disk.
	if out := fd.pvmctl(t, "sys1", "sim", "san", "lun", "list"); !strings.Contains(out, "vios1:"+disk1) {
		t.Fatalf("lun list on sys1 lacks vios1:%s:\n%s", disk1, out)
	}

	// vm1 on sys1: its disk the volume through vios1, an NPIV adapter on
	// vios2's fcs1 (fabricC, where no port of sys2 is).
	fd.pvmctl(t, "sys1", "lpar", "create", "--name", "vm1", "--mem", "2048", "--proc", "1")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=vm1")
	fd.pvmctl(t, "sys1", "vea", "create", "--pvid", "4094", "--vswitch", "MGMTSWITCH", "-p", "name=vm1")
	fd.pvmctl(t, "sys1", "scsi", "create", "--type", "pv", "--lpar", "name=vm1", "--stor-id", "name="+disk1, "--parent-id", "name=vios1")
	fd.pvmctl(t, "sys1", "vfc", "create", "--lpar", "name=vm1", "--parent-id", "name=vios2", "--port", "fcs1")
	fd.pvmctl(t, "sys1", "lpar", "power-on", "-i", "name=vm1")
	uuid := fd.sysClient(t, "sys1").lparByName("vm1").UUID
	deadline := time.Now().Add(20 * time.Second)
	for fd.heldOf(t, "sys1", uuid).rmc != "active" {
		if time.Now().After(deadline) {
			t.Fatal("vm1: RMC not active")
		}
		time.Sleep(50 * time.Millisecond)
	}
	sys2 := fd.heldOf(t, "sys2", uuid).sysName
	validate := func() (string, error) {
		return fd.pvmctlRun(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--validate")
	}
	if out, err := validate(); err == nil || !strings.Contains(out, "vmvol") || !strings.Contains(out, "is not seen by") {
		t.Fatalf("validate while sys2's VIOSes cannot see the volume: %v\n%s", err, out)
	}
	// sys2's vios1 port on the volume's host list (a host of its own,
	// made through sys1's control).
	fd.pvmctl(t, "sys1", "sim", "san", "host", "create", "--array", "flash1", "--name", "h2", "--wwpn", w2)
	fd.pvmctl(t, "sys1", "sim", "san", "lun", "map", "--name", "vmvol", "--host", "h2:1")
	if out, err := validate(); err == nil || !strings.Contains(out, "on fabric fabricC") {
		t.Fatalf("validate while no port of sys2 is on fabricC: %v\n%s", err, out)
	}
	// The NPIV adapter moved to vios2's fcs0 (fabricA) on sys1.
	fd.pvmctl(t, "sys1", "vfc", "delete", "--lpar", "name=vm1", "--parent-id", "name=vios2")
	fd.pvmctl(t, "sys1", "vfc", "create", "--lpar", "name=vm1", "--parent-id", "name=vios2", "--port", "fcs0")
	wwpns := fd.npivWWPNs(t, "sys1", uuid)
	if len(wwpns) != 2 {
		t.Fatalf("vm1's NPIV WWPNs on sys1: %v", wwpns)
	}
	if out := fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2, "--validate"); !strings.Contains(out, "can be migrated") {
		t.Fatalf("validate:\n%s", out)
	}
	out = fd.pvmctl(t, "sys1", "lpar", "migrate", "-i", "name=vm1", "-t", sys2)
	if !strings.Contains(out, "Partition vm1 migrated to "+sys2+".") {
		t.Fatalf("migrate:\n%s", out)
	}
	own, h := fd.owner(t, uuid)
	if own != "sys2" || h.state != "running" || h.scsi != 1 || h.fc != 1 {
		t.Fatalf("after the migration: on %s, %+v", own, h)
	}
	if got := fd.npivWWPNs(t, "sys2", uuid); strings.Join(got, " ") != strings.Join(wwpns, " ") {
		t.Errorf("vm1's NPIV WWPNs on sys2 %v, were %v", got, wwpns)
	}
	// The same volume (page 83 ID) as a disk of sys2's vios1, mapped.
	var disk2 string
	for _, l := range fd.san(t, "sys2").LUNs {
		if l.Name != "vmvol" {
			continue
		}
		for _, d := range l.Disks {
			if d.System == "" && d.VIOS == "vios1" {
				disk2 = d.Disk
			}
		}
	}
	if disk2 == "" {
		t.Fatal("sys2's vios1 has no disk of vmvol")
	}
	if out := fd.pvmctl(t, "sys2", "scsi", "list", "-p", "name=vios1"); !strings.Contains(out, disk2) || !strings.Contains(out, "vm1") {
		t.Errorf("sys2's vios1 does not map %s to vm1:\n%s", disk2, out)
	}
	// Discovered on sys2's vios1 by LUARecovery too: the same disk.
	if d := fd.luaRecovery(t, "sys2", "vios1", w2, "500507680b000001", lua, naa); d != disk2 {
		t.Errorf("LUARecovery on sys2's vios1 found %q, the migration's disk is %s", d, disk2)
	}
}

// npivWWPNs are the WWPNs of a partition's virtual FC client adapters on
// a system, read through its REST API.
func (fd *fleetDaemon) npivWWPNs(t *testing.T, name, uuid string) []string {
	t.Helper()
	c := fd.sysClient(t, name)
	var out []string
	for _, e := range c.mustFeed(pathLPAR + "/" + uuid + "/VirtualFibreChannelClientAdapter").Entries {
		out = append(out, strings.Fields(strings.ToLower(text(e.Content, "WWPNs")))...)
	}
	return out
}
