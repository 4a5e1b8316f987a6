package io_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/clitest"
)

// system serves managedsystem.txt (38 slots, one owned by vios1 as the
// slot says), the partitions of fake_lpar_feed.txt and the VIOS of
// fake_vios.txt, whose first ProfileIOSlot is edited to name the
// system's slot U5294.001.CEC1234-P01-C011.
func system(t *testing.T) *clitest.Server {
	s := clitest.New(t)
	s.Feed(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt")
	s.FeedEdited(`^/rest/api/uom/VirtualIOServer$`, "fake_vios.txt", `>553713680<`, `>553713681<`)
	s.Feed(`^/rest/api/uom/LogicalPartition$`, "fake_lpar_feed.txt")
	return s
}

func TestListFromCaptures(t *testing.T) {
	s := system(t)
	out := s.Expect(0, "", "io", "list")
	lines := strings.Split(out, "\n")
	want := []string{
		"I/O Slots",
		"| DRC Name                   | Description                 | Owner | DRC Index |",
		"| U5294.001.CEC1234-P01-C011 | I/O Processor               |       | 553713681 |",
		"| U5294.001.CEC1234-P01-C012 | I/O Processor               | vios1 | 553779217 |",
		"| U5294.001.CEC1234-P01-C013 | PCI Ultra2 RAID Disk Contr> |       | 553844753 |",
	}
	if !reflect.DeepEqual(lines[:5], want) || len(lines) != 2+20+1 {
		t.Fatalf("got\n%s", out)
	}
	// The slots name their owner: no partition is read.
	if n := s.Reads("GET /rest/api/uom/VirtualIOServer"); n != 0 {
		t.Fatalf("partitions read %d times", n)
	}
	out = s.Expect(0, "", "ioslot", "list", "-w", "owner!=", "-d", "drc_name", "owner", "owner_id", "owner_type", "loc", "bus_grouping", "adapter")
	if out != "drc_name=U5294.001.CEC1234-P01-C012,owner=vios1,owner_id=2,owner_type=Virtual IO Server,loc=C012,bus_grouping=true,adapter=U5294.001.CEC1234-P01-C012\n" {
		t.Fatalf("-d: %q", out)
	}
	s.Expect(0, "", "io", "list", "-i", "drc_index=553844753")
	s.Expect(app.ExitNotFound, "No IOSlot matches drc_name=nowhere", "io", "list", "-i", "drc_name=nowhere")
}

// Without PartitionID/PartitionName in the slots, the owners come from
// the partitions' ProfileIOSlots.
func TestOwnersFromPartitions(t *testing.T) {
	s := system(t)
	s.FeedEdited(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt", `<Partition(ID|Name|UUID|Type) [^>]*>[^<]*</Partition(ID|Name|UUID|Type)>`, ``)
	out := s.Expect(0, "", "io", "list", "-w", "owner!=", "-d", "drc_name", "owner", "owner_id", "owner_uuid")
	want := "drc_name=U5294.001.CEC1234-P01-C011,owner=IO Server,owner_id=1,owner_uuid=14B854F7-42CE-4FF0-BD57-1D117054E701\n" +
		"drc_name=U5791.001.CEC1202-P02-C021,owner=IO Server,owner_id=1,owner_uuid=14B854F7-42CE-4FF0-BD57-1D117054E701\n"
	if out != want {
		t.Fatalf("got\n%s", out)
	}
}

func TestAttach(t *testing.T) {
	s := system(t)
	s.Expect(0, "", "io", "attach", "-p", "name=nls2-a7444660-00000002", "--drc-names", "U5294.001.CEC1234-P01-C013,U5294.001.CEC1234-P01-C014")
	w := s.Writes()
	if len(w) != 1 {
		t.Fatalf("%d writes", len(w))
	}
	if w[0].Method != "POST" || !strings.HasSuffix(w[0].Path, "/LogicalPartition/4AC82E78-8EFF-4BAA-87C9-6B243D0C1359") || w[0].IfMatch == "" ||
		w[0].ContentType != "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition" {
		t.Fatalf("attach: %s %s", w[0].Method, w[0].Path)
	}
	el := w[0].Element(t)
	slots := el.FindAll("PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot")
	if len(slots) != 2 {
		t.Fatalf("%d ProfileIOSlots", len(slots))
	}
	for i, idx := range []string{"553844753", "553910273"} {
		a := slots[i].Child("AssociatedIOSlot")
		if got := clitest.Children(a); !reflect.DeepEqual(got, []string{"BusGroupingRequired", "SlotDynamicReconfigurationConnectorIndex"}) {
			t.Fatalf("AssociatedIOSlot %v", got)
		}
		if v, _ := a.FindText("SlotDynamicReconfigurationConnectorIndex"); v != idx {
			t.Fatalf("slot %d index %s", i, v)
		}
	}
}

func TestDetach(t *testing.T) {
	s := system(t)
	s.Expect(0, "", "io", "detach", "-p", "id=1", "--drc-names", "U5294.001.CEC1234-P01-C011")
	w := s.Writes()
	if len(w) != 1 {
		t.Fatalf("%d writes", len(w))
	}
	if w[0].Method != "POST" || !strings.HasSuffix(w[0].Path, "/VirtualIOServer/14B854F7-42CE-4FF0-BD57-1D117054E701") {
		t.Fatalf("detach: %+v", w[0].Path)
	}
	el := w[0].Element(t)
	slots := el.FindAll("PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot")
	if len(slots) != 13 {
		t.Fatalf("%d ProfileIOSlots left, want 13", len(slots))
	}
	for _, ps := range slots {
		if v, _ := ps.FindText("AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex"); v == "553713681" {
			t.Fatal("the detached slot is still listed")
		}
	}
}

func TestBadInput(t *testing.T) {
	s := system(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"io", "attach", "--drc-names", "U5294.001.CEC1234-P01-C013"}, app.ExitUsage, "The parameter --parent-id is required"},
		{[]string{"io", "attach", "-p", "id=1"}, app.ExitUsage, "The parameter --drc-names is required"},
		{[]string{"io", "attach", "-p", "id=1", "--drc-names", "nowhere"}, app.ExitNotFound, "No IOSlot matches drc_name=nowhere."},
		{[]string{"io", "attach", "-p", "id=99", "--drc-names", "U5294.001.CEC1234-P01-C013"}, app.ExitNotFound, "No partition matches id=99."},
		{[]string{"io", "attach", "-p", "id=1", "--drc-names", "U5294.001.CEC1234-P01-C011"}, app.ExitRefused, "The I/O slot U5294.001.CEC1234-P01-C011 already belongs to partition IO Server."},
		{[]string{"io", "detach", "-p", "id=1", "--drc-names", "U5294.001.CEC1234-P01-C013"}, app.ExitRefused, "The I/O slot U5294.001.CEC1234-P01-C013 does not belong to partition IO Server."},
		{[]string{"io", "detach", "-p", "id=1", "slot"}, app.ExitUsage, `Unexpected argument "slot"`},
		{[]string{"io", "update"}, app.ExitUsage, "The verb update is not valid for IOSlot"},
	} {
		s.Expect(tc.code, tc.want, tc.args...)
	}
	if n := len(s.Writes()); n != 0 {
		t.Fatalf("bad input wrote %d times", n)
	}
}
