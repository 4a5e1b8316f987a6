package pv_test

import (
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
)

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.Mappings(s)
	out := s.Expect(0, "", "pv", "list")
	want := "Physical Volumes\n" +
		"| VIOS        | Name   | Cap (GB) | Available | FC   | Description           |\n" +
		"| vios_1_Drew | hdisk2 | 20.0     | True      | True | MPIO IBM 2076 FC Disk |\n" +
		"| vios_1_Drew | hdisk0 | 100.0    | False     | True | MPIO IBM 2076 FC Disk |\n" +
		"| vios_1_Drew | hdisk1 | 0.0      | False     | True | MPIO IBM 2076 FC Disk |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "pv", "list", "-p", "name=vios_1_Drew", "-w", "available=true", "-d", "vios", "vios_id", "name", "capacity_mb", "state", "loc_code")
	if out != "vios=vios_1_Drew,vios_id=1,name=hdisk2,capacity_mb=20480,state=active,loc_code=U78AB.001.WZSH5ZY-P1-C5-T1-W500507680215B741-L1000000000000\n" {
		t.Fatalf("-d: %q", out)
	}
	// One VIOS named: its entry alone is read.
	if n := s.Reads("GET /rest/api/uom/VirtualIOServer/" + storagetest.MappingVIOS); n != 1 {
		t.Fatalf("the VIOS entry was read %d times", n)
	}
	s.Expect(app.ExitNotFound, "No VirtualIOServer matches name=vios9. Virtual I/O Servers: vios_1_Drew.", "pv", "list", "-p", "name=vios9")
	s.Expect(app.ExitNotFound, "No PhysicalVolume matches name=hdisk9", "pv", "list", "-i", "name=hdisk9")
	s.Expect(app.ExitFailed, "PhysicalVolume update is not supported yet", "pv", "update", "-i", "name=hdisk2")
}

// Two VIOS: their disks come by VIOS, as listed.
func TestTwoVIOS(t *testing.T) {
	s := clitest.New(t)
	s.AdapterCaptures()
	out := s.Expect(0, "", "pv", "list", "-d", "vios", "name", "--hide-label")
	if out != "nimbus-ch03-p2-vios2,hdisk0\nnimbus-ch03-p2-vios1,hdisk0\n" {
		t.Fatalf("got %q", out)
	}
}
