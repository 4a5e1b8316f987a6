package rest_test

// No update is silently ignored: for every object type that can be
// changed, every element a client may set (its kb is not read-only) is
// changed, one at a time, in the object as GET returns it, and POSTed
// back. The answer is either a refusal (4xx), or 200 with the element
// changed as the next GET shows it; 200 with the element as it was is a
// change the server dropped.

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/uom"
)

// settableLeaves returns the index paths (child positions from the root)
// of the leaves a client may set (their kb, and their ancestors', is not
// read-only).
func settableLeaves(el *uom.Element, prefix []int, out *[][]int) {
	for i, c := range el.Children {
		if c.Local == "Metadata" || strings.HasPrefix(c.Attr("kb"), "RO") {
			continue
		}
		p := append(append([]int(nil), prefix...), i)
		if len(c.Children) > 0 {
			settableLeaves(c, p, out)
			continue
		}
		if c.Attr("kb") != "" && c.Attr("href") == "" { // a link's value is its href
			*out = append(*out, p)
		}
	}
}

func at(el *uom.Element, p []int) *uom.Element {
	for _, i := range p {
		if el == nil || i >= len(el.Children) {
			return nil
		}
		el = el.Children[i]
	}
	return el
}

func namePath(el *uom.Element, p []int) string {
	var names []string
	for _, i := range p {
		el = el.Children[i]
		names = append(names, el.Local)
	}
	return strings.Join(names, "/")
}

var decimalRE = regexp.MustCompile(`^-?[0-9]+\.([0-9]+)$`)

// changed returns another value of the same kind as v.
func changed(v string) string {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "true":
		return "false"
	case "false":
		return "true"
	}
	if n, err := strconv.Atoi(v); err == nil {
		return strconv.Itoa(n + 1)
	}
	if m := decimalRE.FindStringSubmatch(v); m != nil {
		f, _ := strconv.ParseFloat(v, 64)
		return strconv.FormatFloat(f+1, 'f', len(m[1]), 64)
	}
	return v + "x"
}

// movingValues are settable in the schema but moved by the server itself
// (a client's copy is always behind): what a client sends is ignored.
var movingValues = map[string]bool{
	"ManagedSystem/SystemTime":                    true, // the server's clock
	"LogicalPartition/OperatingSystemVersion":     true, // what the OS reports
	"VirtualIOServer/OperatingSystemVersion":      true,
	"VirtualIOServer/ResourceMonitoringIPAddress": true, // what RMC reports
}

func TestNoUpdateIsIgnored(t *testing.T) {
	h := newStorageHarness(t)
	lu := h.createLU(`<UnitCapacity>1</UnitCapacity><UnitName>lu_ignored</UnitName>`)
	first := func(feed string) string {
		entries := h.feed(feed)
		if len(entries) == 0 {
			t.Fatalf("%s is empty", feed)
		}
		return feed + "/" + entries[0].ID
	}
	ms := "/rest/api/uom/ManagedSystem/" + h.sys
	var cna string
	for _, p := range []string{"/rest/api/uom/LogicalPartition/" + h.lpar, "/rest/api/uom/VirtualIOServer/" + h.vios1} {
		if resp, _ := h.req(http.MethodGet, p+"/ClientNetworkAdapter", "", nil, 0); resp.StatusCode == http.StatusOK && cna == "" {
			cna = first(p + "/ClientNetworkAdapter")
		}
	}
	objects := map[string]string{
		"ManagedSystem":        ms,
		"LogicalPartition":     "/rest/api/uom/LogicalPartition/" + h.lpar,
		"VirtualIOServer":      "/rest/api/uom/VirtualIOServer/" + h.vios1,
		"VirtualSwitch":        first(ms + "/VirtualSwitch"),
		"NetworkBridge":        first(ms + "/NetworkBridge"),
		"ClientNetworkAdapter": cna,
		"SharedStoragePool":    "/rest/api/uom/SharedStoragePool/" + h.ssp,
		"LogicalUnit":          h.luPath(lu.ID),
		"VolumeGroup":          first("/rest/api/uom/VirtualIOServer/" + h.vios1 + "/VolumeGroup"),
	}
	var ignored []string
	for typ, path := range objects {
		if path == "" {
			t.Errorf("no %s to change", typ)
			continue
		}
		e := h.entry(path)
		var leaves [][]int
		settableLeaves(e.Content, nil, &leaves)
		if len(leaves) == 0 {
			t.Errorf("%s has no settable element", typ)
		}
		for _, p := range leaves {
			cur := h.entry(path)
			el := at(cur.Content, p)
			if el == nil {
				continue // the object changed shape
			}
			name := namePath(cur.Content, p)
			if movingValues[typ+"/"+name] {
				continue
			}
			old := strings.TrimSpace(el.Text)
			body := cur.Content.Clone()
			at(body, p).Text = changed(old)
			resp, data := h.send(http.MethodPost, path, uom.MediaType(uom.ServiceUOM, typ), string(body.Bytes()), "If-Match", cur.Etag)
			switch {
			case resp.StatusCode >= 500:
				t.Errorf("%s %s: %s\n%s", typ, name, resp.Status, data)
			case resp.StatusCode >= 400:
				// refused: fine
			default:
				after := at(h.entry(path).Content, p)
				if after != nil && strings.TrimSpace(after.Text) == old {
					ignored = append(ignored, typ+"/"+name+" ("+old+" -> "+changed(old)+")")
				}
			}
		}
	}
	if len(ignored) > 0 {
		t.Errorf("%d changes answered 200 but not made:\n%s", len(ignored), strings.Join(ignored, "\n"))
	}
}

// TestPoolRenameRefused: the case: a new StoragePoolName POSTed
// to a SharedStoragePool is refused with the element named, and the pool
// keeps its name.
func TestPoolRenameRefused(t *testing.T) {
	h := newStorageHarness(t)
	path := "/rest/api/uom/SharedStoragePool/" + h.ssp
	e := h.entry(path)
	body := e.Content.Clone()
	body.Find("StoragePoolName").Text = "pool2"
	resp, data := h.send(http.MethodPost, path, uom.MediaType(uom.ServiceUOM, "SharedStoragePool"), string(body.Bytes()), "If-Match", e.Etag)
	h.expectError("rename of a pool", resp, data, http.StatusBadRequest, `StoragePoolName is "pool1", the request has "pool2"`)
	if got := text(h.entry(path).Content, "StoragePoolName"); got != "pool1" {
		t.Errorf("the pool is named %s", got)
	}
}
