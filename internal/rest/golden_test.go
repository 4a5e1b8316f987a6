package rest_test

// Golden files of rendered entries: the ManagedSystem, a running
// LogicalPartition and a VirtualIOServer, each with and without
// ?group=None, and a VIOS's trunk adapter, the switch ETHERNET0 and the
// network bridge, compared structurally (internal/xmltest) after the
// values that change from run to run are normalized. Rewrite them with
//
//	go test ./internal/rest -run TestGoldenEntries -update

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/xmltest"
	"github.com/novalink-project/novalink/uom"
)

var update = flag.Bool("update", false, "rewrite the golden files in internal/rest/testdata/golden")

var (
	uuidRE = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	// hostRE is the scheme and authority of an absolute URL.
	hostRE = regexp.MustCompile(`^https?://[^/]+`)
	// refTimeRE is the time stamp in ReferenceCodeFull.
	refTimeRE = regexp.MustCompile(`time_stamp=[^,]*`)
)

// goldenNormalizers returns the normalizers of one document: UUIDs become
// UUID-1, UUID-2, ... in order of first appearance (so that equal UUIDs stay
// equal), times and counters that move become "~", and hosts and ports of
// links become http://HOST.
func goldenNormalizers() []xmltest.Normalizer {
	ids := map[string]string{}
	uuids := func(s string) string {
		return uuidRE.ReplaceAllStringFunc(s, func(u string) string {
			k := strings.ToLower(u)
			if _, ok := ids[k]; !ok {
				ids[k] = "UUID-" + strconv.Itoa(len(ids)+1)
			}
			return ids[k]
		})
	}
	return []xmltest.Normalizer{
		func(_ string, el *uom.Element) {
			for i, a := range el.Attrs {
				v := a.Value
				if a.Local == "href" {
					v = hostRE.ReplaceAllString(v, "http://HOST")
				}
				el.Attrs[i].Value = uuids(v)
			}
			el.Text = uuids(el.Text)
		},
		xmltest.BlankText("AtomCreated", "published", "updated", "SystemTime", "Uptime", "etag", "JobID",
			"TimeStarted", "TimeCompleted"),
		xmltest.ReplaceText("ReferenceCodeFull", func(s string) string {
			return refTimeRE.ReplaceAllString(s, "time_stamp="+xmltest.Placeholder)
		}),
		// Storage identifiers derive from the seeded system's UUID.
		xmltest.BlankText(storageIDElements...),
		xmltest.ReplaceText("UniqueDeviceID", storageUDID),
		xmltest.ReplaceText("LocationCode", storageLocation),
	}
}

// golden is one golden file: what to GET.
type golden struct {
	file string
	path func(h *harness) string
	// check is a sanity check on the normalized object (so that the
	// normalizers cannot blank out what the golden file is about).
	check map[string]string
	// entryOnly skips the ?group=None variant.
	entryOnly bool
}

func TestGoldenEntries(t *testing.T) {
	h := newHarness(t)
	h.createPartition(uuidShrRun, "shr-run", false)
	h.settle(h.startPowerOn("LogicalPartition", uuidShrRun), uuidShrRun)
	var vios1, trunk, eth0, bridge string
	h.c.Read(func(st *model.State) {
		if p := st.PartitionByName("vios1"); p != nil {
			vios1 = p.UUID
			if a := st.AdapterAt(p.UUID, 3); a != nil {
				trunk = a.UUID
			}
		}
		if sw := st.SwitchByName(model.DefaultSwitch); sw != nil {
			eth0 = sw.UUID
		}
		for _, b := range st.Bridges {
			bridge = b.UUID
		}
	})
	if vios1 == "" || trunk == "" || eth0 == "" || bridge == "" {
		t.Fatal("the default inventory has no vios1 with a trunk adapter in slot 3, ETHERNET0 or network bridge")
	}

	st := goldenStorage(h)
	goldens := []golden{
		{"ManagedSystem", func(h *harness) string { return "/rest/api/uom/ManagedSystem/" + h.systemUUID() },
			map[string]string{"SystemName": "Server-8247-21L-SN212E3CA", "MachineTypeModelAndSerialNumber/SerialNumber": "212E3CA"}, false},
		{"LogicalPartition", func(h *harness) string { return "/rest/api/uom/LogicalPartition/" + uuidShrRun },
			map[string]string{"PartitionName": "shr-run", "PartitionState": "running", "ResourceMonitoringControlState": "active"}, false},
		{"VirtualIOServer", func(h *harness) string { return "/rest/api/uom/VirtualIOServer/" + vios1 },
			map[string]string{"PartitionName": "vios1", "PartitionType": "Virtual IO Server"}, false},
		{"ClientNetworkAdapter", func(h *harness) string {
			return "/rest/api/uom/VirtualIOServer/" + vios1 + "/ClientNetworkAdapter/" + trunk
		}, map[string]string{"PortVLANID": "1", "TrunkPriority": "1", "DeviceName": "ent4", "VirtualSlotNumber": "3"}, true},
		{"VirtualSwitch", func(h *harness) string {
			return "/rest/api/uom/ManagedSystem/" + h.systemUUID() + "/VirtualSwitch/" + eth0
		}, map[string]string{"SwitchName": "ETHERNET0", "SwitchID": "0"}, true},
		{"NetworkBridge", func(h *harness) string {
			return "/rest/api/uom/ManagedSystem/" + h.systemUUID() + "/NetworkBridge/" + bridge
		}, map[string]string{"FailoverEnabled": "true", "PortVLANID": "1",
			"SharedEthernetAdapters/SharedEthernetAdapter/DeviceName": "ent5"}, true},
	}
	goldens = append(goldens, st...)
	for _, g := range goldens {
		for _, q := range []string{"", "?group=None"} {
			if q != "" && g.entryOnly {
				continue
			}
			name := g.file
			if q != "" {
				name += "_group-None"
			}
			t.Run(name, func(t *testing.T) {
				got := xmltest.Normalize(h.get(g.path(h)+q), goldenNormalizers()...)
				obj := got.Find("content/" + g.file)
				if got.Local != "entry" || obj == nil {
					t.Fatalf("not an entry of a %s:\n%s", g.file, got.Bytes())
				}
				for path, want := range g.check {
					if v, _ := obj.FindText(path); v != want {
						t.Errorf("%s = %q after normalizing, want %q", path, v, want)
					}
				}
				file := filepath.Join("testdata", "golden", name+".xml")
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, pretty(got), 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("wrote %s", file)
					return
				}
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/rest -run TestGoldenEntries -update to create it)", err)
				}
				want, err := uom.DecodeBytes(data)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if diff := xmltest.Diff(want, got); len(diff) > 0 {
					t.Errorf("GET %s%s differs from %s (rerun with -update if the change is intended):\n%s",
						g.path(h), q, file, strings.Join(diff, "\n"))
				}
			})
		}
	}
}

// TestGoldenNormalizers pins what the normalizers do, so that a golden
// file cannot pass because everything was blanked.
func TestGoldenNormalizers(t *testing.T) {
	doc := `<entry xmlns="` + uom.NSAtom + `"><id>0ba0a3f9-bb0c-4d4c-9c7d-52ae0b4a5f84</id>` +
		`<published>2026-03-02T10:30:00.000Z</published>` +
		`<link rel="SELF" href="http://127.0.0.1:40123/rest/api/uom/LogicalPartition/0BA0A3F9-BB0C-4D4C-9C7D-52AE0B4A5F84"/>` +
		`<content type="x"><LogicalPartition xmlns="` + uom.NSUOM + `">` +
		`<PartitionName kb="CUR">lpar 1</PartitionName><PartitionUUID>0BA0A3F9-BB0C-4D4C-9C7D-52AE0B4A5F84</PartitionUUID>` +
		`<AssociatedManagedSystem href="https://h.example:12443/rest/api/uom/ManagedSystem/6bd1a2e4-1b4f-3b8c-a3a4-0e1b2c3d4e5f"/>` +
		`<ReferenceCodeFull>time_stamp=03/02/2026 10:30:00,refcode=00000000,word2=03D00000</ReferenceCodeFull>` +
		`<Uptime>42</Uptime></LogicalPartition></content></entry>`
	el, err := uom.DecodeBytes([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	n := xmltest.Normalize(el, goldenNormalizers()...)
	want := map[string]string{
		"id":                                     "UUID-1",
		"published":                              xmltest.Placeholder,
		"content/LogicalPartition/PartitionName": "lpar 1",
		"content/LogicalPartition/PartitionUUID": "UUID-1",
		"content/LogicalPartition/ReferenceCodeFull": "time_stamp=~,refcode=00000000,word2=03D00000",
		"content/LogicalPartition/Uptime":            xmltest.Placeholder,
	}
	for path, w := range want {
		if got, _ := n.FindText(path); got != w {
			t.Errorf("%s = %q, want %q", path, got, w)
		}
	}
	if got := n.Find("link").Attr("href"); got != "http://HOST/rest/api/uom/LogicalPartition/UUID-1" {
		t.Errorf("SELF link %q", got)
	}
	if got := n.Find("content/LogicalPartition/AssociatedManagedSystem").Attr("href"); got != "http://HOST/rest/api/uom/ManagedSystem/UUID-2" {
		t.Errorf("AssociatedManagedSystem %q", got)
	}
	if got := n.Find("content/LogicalPartition/PartitionName").Attr("kb"); got != "CUR" {
		t.Errorf("kb %q: attributes other than href must stay", got)
	}
	// What the golden comparison is for still shows after normalizing.
	changed := strings.Replace(doc, ">lpar 1<", ">lpar 2<", 1)
	el2, _ := uom.DecodeBytes([]byte(changed))
	if d := xmltest.Diff(n, xmltest.Normalize(el2, goldenNormalizers()...)); len(d) != 1 {
		t.Errorf("a changed partition name gives %d differences after normalizing, want 1: %v", len(d), d)
	}
}

// pretty writes el as an indented document, for golden files people read
// and review: every element in its namespace (declared as the default
// namespace where it changes), attributes sorted, one element a line.
func pretty(el *uom.Element) []byte {
	var b bytes.Buffer
	b.WriteString("<!-- golden file of internal/rest: go test ./internal/rest -run TestGoldenEntries -update; volatile values normalized -->\n")
	prettyEl(&b, el, "", 0)
	return b.Bytes()
}

var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "&#xA;", "\r", "&#xD;", "\t", "&#x9;")

func prettyEl(b *bytes.Buffer, el *uom.Element, defaultNS string, depth int) {
	indent := strings.Repeat("  ", depth)
	b.WriteString(indent + "<" + el.Local)
	if el.Space != defaultNS {
		b.WriteString(` xmlns="` + attrEscaper.Replace(el.Space) + `"`)
	}
	attrs := append([]uom.Attr(nil), el.Attrs...)
	sort.SliceStable(attrs, func(i, j int) bool { return attrs[i].Local < attrs[j].Local })
	prefixes := 0
	for _, a := range attrs {
		name := a.Local
		if a.Space != "" {
			prefixes++
			p := "a" + strconv.Itoa(prefixes)
			b.WriteString(" xmlns:" + p + `="` + attrEscaper.Replace(a.Space) + `"`)
			name = p + ":" + a.Local
		}
		b.WriteString(" " + name + `="` + attrEscaper.Replace(a.Value) + `"`)
	}
	text := strings.TrimSpace(el.Text)
	switch {
	case len(el.Children) == 0 && text == "":
		b.WriteString("/>\n")
	case len(el.Children) == 0:
		b.WriteString(">" + uom.EscapeString(text) + "</" + el.Local + ">\n")
	default:
		b.WriteString(">\n")
		if text != "" {
			b.WriteString(indent + "  " + uom.EscapeString(text) + "\n")
		}
		for _, c := range el.Children {
			prettyEl(b, c, el.Space, depth+1)
		}
		b.WriteString(indent + "</" + el.Local + ">\n")
	}
}
