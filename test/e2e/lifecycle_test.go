package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLifecycle drives one partition through what a PowerVM client does:
// read the system, create with a client UUID, conditional reads and
// updates, power on and off through jobs while following the event feed,
// and delete.
func TestLifecycle(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := tc{newClient(d.BaseURL()), t}
	defer c.close()
	c.mustLogon()

	// The managed system.
	r := c.expect(http.StatusOK, http.MethodGet, pathMS, nil)
	if got := r.Header.Get("X-MC-Type"); got != "PVM" {
		t.Errorf("X-MC-Type %q, want PVM", got)
	}
	f, err := r.feed()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 1 || f.Entries[0].ContentTypeName() != "ManagedSystem" || f.Entries[0].Content == nil ||
		f.Entries[0].Content.Local != "ManagedSystem" {
		t.Fatalf("want one ManagedSystem entry, got %s", r)
	}
	ms := f.Entries[0].ID
	msPath := pathMS + "/" + ms

	// Its partitions.
	lpars := c.mustFeed(msPath + "/LogicalPartition")
	names := map[string]bool{}
	for _, e := range lpars.Entries {
		l, err := lparOf(e)
		if err != nil {
			t.Fatal(err)
		}
		names[l.Name] = true
	}
	for _, n := range []string{"lpar10", "lpar11", "lpar12"} {
		if !names[n] {
			t.Errorf("the LogicalPartition feed has no %s (has %v)", n, names)
		}
	}
	vios := c.mustFeed(msPath + "/VirtualIOServer")
	if len(vios.Entries) != 2 {
		t.Errorf("VirtualIOServer feed: %d entries, want 2", len(vios.Entries))
	}
	for _, e := range vios.Entries {
		if e.Content == nil || e.Content.Local != "VirtualIOServer" {
			t.Errorf("VirtualIOServer feed entry %s has content %v", e.ID, e.ContentType)
		}
	}

	// Create, keeping the client's UUID.
	id := pvmUUID()
	r = c.expect(http.StatusOK, http.MethodPut, msPath+"/LogicalPartition", lparBody(id, "e2e-life", 1024, 1024, 4096),
		"Content-Type", uomType("LogicalPartition"))
	created, err := r.entry()
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != id {
		t.Fatalf("created partition has id %s, want the client's %s", created.ID, id)
	}
	lp := msPath + "/LogicalPartition/" + id
	l := c.mustLPAR(lp)
	if l.Name != "e2e-life" || l.DesMem != 1024 || l.MaxMem != 4096 || l.State != "not activated" {
		t.Errorf("created partition reads %+v", l)
	}
	if l.Etag == "" {
		t.Fatal("no etag")
	}
	if rl := c.mustLPAR(pathLPAR + "/" + id); rl.Etag != l.Etag || rl.Name != l.Name {
		t.Errorf("root path reads %+v, child path %+v", rl, l)
	}

	// Conditional read.
	r = c.expect(http.StatusNotModified, http.MethodGet, lp, nil, "If-None-Match", l.Etag)
	if len(r.Body) != 0 {
		t.Errorf("304 with a body: %q", r.Body)
	}

	// Update as pypowervm does: the entry's content as read, one value
	// changed, sent back with If-Match.
	e, _ := c.mustEntry(lp)
	mem := e.Content.Find("PartitionMemoryConfiguration/DesiredMemory")
	if mem == nil {
		t.Fatal("no DesiredMemory")
	}
	mem.Text = "2048"
	r = c.expect(http.StatusOK, http.MethodPost, lp, e.Content.Bytes(),
		"Content-Type", uomType("LogicalPartition"), "If-Match", l.Etag)
	newEtag := r.Header.Get("ETag")
	if newEtag == "" || newEtag == l.Etag {
		t.Errorf("update: ETag %q (before %q)", newEtag, l.Etag)
	}
	if ue, err := r.entry(); err != nil {
		t.Fatal(err)
	} else if ul, err := lparOf(ue); err != nil || ul.DesMem != 2048 || ul.Etag != newEtag {
		t.Errorf("update answered %+v (%v), want DesiredMemory 2048 and etag %s", ul, err, newEtag)
	}
	if l2 := c.mustLPAR(lp); l2.DesMem != 2048 || l2.Etag != newEtag {
		t.Errorf("after update reads %+v, want DesiredMemory 2048 etag %s", l2, newEtag)
	}

	// A stale etag is refused.
	mem.Text = "3072"
	r = c.expect(http.StatusPreconditionFailed, http.MethodPost, lp, e.Content.Bytes(),
		"Content-Type", uomType("LogicalPartition"), "If-Match", l.Etag)
	c.mustHTTPError(r)
	if l2 := c.mustLPAR(lp); l2.DesMem != 2048 {
		t.Errorf("a refused update changed DesiredMemory to %d", l2.DesMem)
	}

	// Follow the events from here on.
	ev, first := startEvents(t, c.client, "e2e-lifecycle")
	if len(first) == 0 || first[0].Type != "NEW_CLIENT" {
		t.Fatalf("the first event poll answered %+v, want NEW_CLIENT first", first)
	}
	isThis := func(e event) bool { return strings.HasSuffix(e.Data, "/LogicalPartition/"+id) }

	// Power on.
	c.runJobOK(pathLPAR+"/"+id, "PowerOn", "bootmode", "norm")
	e1 := ev.waitFor(t, 10*time.Second, "MODIFY_URI PartitionState", func(e event) bool {
		return e.Type == "MODIFY_URI" && isThis(e) && strings.Contains(e.Detail, "PartitionState")
	})
	if !strings.HasPrefix(e1.Data, d.BaseURL()+"/rest/api/uom/") {
		t.Errorf("EventData %q is not an absolute URL of this server", e1.Data)
	}
	l = c.waitLPAR(lp, 5*time.Second, "running Linux", func(l lpar) bool {
		return l.State == "running" && l.RefCode == "Linux ppc64le"
	})

	// A running partition cannot be deleted.
	r = c.expect(http.StatusConflict, http.MethodDelete, lp, nil)
	if msg := c.mustHTTPError(r); !strings.Contains(msg, "[PVME01050010-0056]") {
		t.Errorf("delete of a running partition: message %q, want [PVME01050010-0056]", msg)
	}

	// Power off (VSP, immediate).
	c.runJobOK(pathLPAR+"/"+id, "PowerOff", "operation", "shutdown", "immediate", "true")
	c.waitLPAR(lp, 5*time.Second, "not activated", func(l lpar) bool { return l.State == "not activated" })

	// Delete.
	c.expect(http.StatusNoContent, http.MethodDelete, lp, nil)
	ev.waitFor(t, 10*time.Second, "DELETE_URI", func(e event) bool { return e.Type == "DELETE_URI" && isThis(e) })
	r = c.expect(http.StatusNotFound, http.MethodGet, lp, nil)
	c.mustHTTPError(r)
	r = c.expect(http.StatusNotFound, http.MethodGet, pathLPAR+"/"+id, nil)
	c.mustHTTPError(r)
}

// TestSearchAndQuick covers search/(Key==value), (Key!=value) and the
// quick properties.
func TestSearchAndQuick(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := tc{newClient(d.BaseURL()), t}
	defer c.close()
	c.mustLogon()

	all := c.mustFeed(pathLPAR)
	for _, q := range []string{"(PartitionName=='lpar10')", "(PartitionName==lpar10)"} {
		f := c.mustFeed(pathLPAR + "/search/" + q)
		if len(f.Entries) != 1 {
			t.Fatalf("search %s: %d entries, want 1", q, len(f.Entries))
		}
		if l, err := lparOf(f.Entries[0]); err != nil || l.Name != "lpar10" {
			t.Errorf("search %s found %+v (%v)", q, l, err)
		}
	}
	// Escaped the way a URL library would.
	f := c.mustFeed(pathLPAR + "/search/" + url.PathEscape("(PartitionName=='lpar10')"))
	if len(f.Entries) != 1 {
		t.Errorf("escaped search: %d entries, want 1", len(f.Entries))
	}
	lp10, err := lparOf(f.Entries[0])
	if err != nil {
		t.Fatal(err)
	}

	neg := c.mustFeed(pathLPAR + "/search/(PartitionName!='lpar10')")
	if len(neg.Entries) != len(all.Entries)-1 {
		t.Errorf("!= search: %d entries, want %d", len(neg.Entries), len(all.Entries)-1)
	}
	for _, e := range neg.Entries {
		if l, _ := lparOf(e); l.Name == "lpar10" {
			t.Error("!= search returned lpar10")
		}
	}
	// Nothing matches: an empty answer, not an error.
	c.expect(http.StatusNoContent, http.MethodGet, pathLPAR+"/search/(PartitionName=='no-such-lpar')", nil)

	// Quick properties.
	r := c.expect(http.StatusOK, http.MethodGet, pathLPAR+"/"+lp10.UUID+"/quick/PartitionState", nil)
	var state string
	if err := json.Unmarshal(r.Body, &state); err != nil {
		t.Fatalf("quick/PartitionState is not a JSON string: %q (%v)", r.Body, err)
	}
	if state != lp10.State || state != "not activated" {
		t.Errorf("quick/PartitionState %q, entry says %q", state, lp10.State)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("quick Content-Type %q", ct)
	}
	r = c.expect(http.StatusOK, http.MethodGet, pathLPAR+"/"+lp10.UUID+"/quick", nil)
	var obj map[string]any
	if err := json.Unmarshal(r.Body, &obj); err != nil {
		t.Fatalf("quick is not a JSON object: %q (%v)", r.Body, err)
	}
	if obj["PartitionName"] != "lpar10" || obj["PartitionState"] != "not activated" {
		t.Errorf("quick object %v", obj)
	}
	if _, ok := obj["PartitionID"].(float64); !ok {
		t.Errorf("quick object: PartitionID %v is not a number", obj["PartitionID"])
	}
	// The partition exists: an unknown property is a bad request, not a
	// 404 (which clients read as "the partition is gone").
	r = c.expect(http.StatusBadRequest, http.MethodGet, pathLPAR+"/"+lp10.UUID+"/quick/NoSuchProperty", nil)
	c.mustHTTPError(r)
}
