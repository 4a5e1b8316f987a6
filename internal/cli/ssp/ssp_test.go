package ssp_test

import (
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
	"github.com/novalink-project/novalink/internal/cli/storage/storagetest"
)

func TestList(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	out := s.Expect(0, "", "ssp", "list")
	want := "Shared Storage Pools\n" +
		"| Name  | Cluster   | Cap (GB) | Free (GB) | LU Size (GB) | LUs |\n" +
		"| pool1 | neoclust1 | 49.88    | 48.98     | 1.0          | 1   |\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
	out = s.Expect(0, "", "ssp", "list", "-i", "name=pool1", "-d", "name", "over_commit", "alert_threshold", "pvs", "uuid")
	if out != "name=pool1,over_commit=1.234567,alert_threshold=35%,pvs=hdisk3,uuid=e357a79a-7a3d-35b6-8405-55ab6a2d0de7\n" {
		t.Fatalf("-d: %q", out)
	}
	// The clusters are read alongside the pools, once per run.
	if n := s.Reads("GET /rest/api/uom/Cluster"); n != 2 {
		t.Fatalf("clusters read %d times in two runs", n)
	}
	s.Expect(app.ExitNotFound, "No SharedStoragePool matches name=nope", "ssp", "list", "-i", "name=nope")
	// No cluster to be read: the column is empty.
	s.Fail("GET", `^/rest/api/uom/Cluster$`, 404, "none")
	out = s.Expect(0, "", "ssp", "list", "-d", "name", "cluster")
	if out != "name=pool1,cluster=\n" {
		t.Fatalf("without clusters: %q", out)
	}
}

func TestNotSupported(t *testing.T) {
	s := clitest.New(t)
	storagetest.Pools(s)
	s.Expect(app.ExitFailed, "[PVME01040125-0014] SharedStoragePool create is not supported yet by this NovaLink: a shared storage pool comes with its VIOS cluster.", "ssp", "create", "--name", "x")
	s.Expect(app.ExitFailed, "SharedStoragePool delete is not supported yet", "ssp", "delete", "-i", "name=pool1")
	s.Expect(app.ExitFailed, "its logical units change through 'pvmctl lu'", "ssp", "update")
	if n := len(s.Writes()); n != 0 {
		t.Fatal("wrote")
	}
	out, _, _ := clitest.Run(map[string]string{"PVMCTL_LOG": "off"}, "ssp", "list", "--help")
	if !strings.Contains(out, "SharedStoragePool.free") {
		t.Fatalf("help:\n%s", out)
	}
}
