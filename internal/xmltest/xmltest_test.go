package xmltest

import (
	"strings"
	"testing"

	"github.com/novalink-project/novalink/uom"
)

func decode(t *testing.T, s string) *uom.Element {
	t.Helper()
	el, err := uom.DecodeBytes([]byte(s))
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return el
}

const base = `<uom:LogicalPartition xmlns:uom="` + uom.NSUOM + `" schemaVersion="V1_0">
  <uom:Metadata><uom:Atom><uom:AtomID>abc</uom:AtomID></uom:Atom></uom:Metadata>
  <uom:PartitionID kb="COD" kxe="false">3</uom:PartitionID>
  <uom:PartitionName kb="CUR" kxe="false">lpar3</uom:PartitionName>
  <uom:AssociatedManagedSystem kb="CUD" href="https://h:12443/rest/api/uom/ManagedSystem/1" rel="related"/>
</uom:LogicalPartition>`

func TestEqualIgnoresPrefixesWhitespaceAndAttrOrder(t *testing.T) {
	other := `<LogicalPartition xmlns="` + uom.NSUOM + `" xmlns:ns2="` + uom.NSK2 + `" schemaVersion="V1_0"><Metadata><Atom>` +
		`<AtomID>  abc  </AtomID></Atom></Metadata><PartitionID kxe="false" kb="COD">3</PartitionID>` +
		`<x:PartitionName xmlns:x="` + uom.NSUOM + `" kxe="false" kb="CUR">lpar3</x:PartitionName>` +
		`<AssociatedManagedSystem rel="related" href="https://h:12443/rest/api/uom/ManagedSystem/1" kb="CUD"/></LogicalPartition>`
	if d := Diff(decode(t, base), decode(t, other)); len(d) != 0 {
		t.Fatalf("documents that differ only in prefixes, whitespace and attribute order: %v", d)
	}
	if !Equal(decode(t, base), decode(t, base)) {
		t.Fatal("a document differs from itself")
	}
}

// expectDiff checks that Diff finds exactly one difference naming path and
// containing each of the fragments.
func expectDiff(t *testing.T, want, got *uom.Element, path string, fragments ...string) {
	t.Helper()
	d := Diff(want, got)
	if len(d) == 0 {
		t.Fatalf("no difference reported; want one at %s", path)
	}
	found := false
	for _, line := range d {
		if strings.HasPrefix(line, path+": ") {
			ok := true
			for _, f := range fragments {
				if !strings.Contains(line, f) {
					ok = false
				}
			}
			found = found || ok
		}
	}
	if !found {
		t.Fatalf("differences %q; want one at %s containing %q", d, path, fragments)
	}
}

func TestDiffReportsDifferences(t *testing.T) {
	lp := "/LogicalPartition"
	cases := []struct {
		name      string
		edit      func(s string) string
		path      string
		fragments []string
	}{
		{"text", func(s string) string { return strings.Replace(s, ">lpar3<", ">lpar4<", 1) },
			lp + "/PartitionName", []string{`want "lpar3"`, `got "lpar4"`}},
		{"attribute value", func(s string) string { return strings.Replace(s, `kb="COD"`, `kb="CUD"`, 1) },
			lp + "/PartitionID", []string{"attribute kb", `want "COD"`, `got "CUD"`}},
		{"attribute missing", func(s string) string { return strings.Replace(s, ` schemaVersion="V1_0"`, ``, 1) },
			lp, []string{"schemaVersion", "missing"}},
		{"attribute added", func(s string) string { return strings.Replace(s, `kb="CUR"`, `kb="CUR" group="Advanced"`, 1) },
			lp + "/PartitionName", []string{"group", "unexpected"}},
		{"namespace", func(s string) string {
			return strings.Replace(s, `<uom:PartitionID kb="COD" kxe="false">3</uom:PartitionID>`,
				`<w:PartitionID xmlns:w="`+uom.NSWeb+`" kb="COD" kxe="false">3</w:PartitionID>`, 1)
		}, lp + "/PartitionID", []string{"uom:PartitionID", "web:PartitionID"}},
		{"child missing", func(s string) string {
			return strings.Replace(s, `<uom:PartitionID kb="COD" kxe="false">3</uom:PartitionID>`, ``, 1)
		}, lp + "/PartitionID", []string{"missing"}},
		{"child unexpected", func(s string) string {
			return strings.Replace(s, `</uom:LogicalPartition>`, `<uom:Uptime>5</uom:Uptime></uom:LogicalPartition>`, 1)
		}, lp + "/Uptime", []string{"unexpected"}},
		{"order", func(s string) string {
			id := `<uom:PartitionID kb="COD" kxe="false">3</uom:PartitionID>`
			name := `<uom:PartitionName kb="CUR" kxe="false">lpar3</uom:PartitionName>`
			return strings.Replace(strings.Replace(s, id, "@@", 1), name, name+id, 1)
		}, lp + "/PartitionID", []string{"out of order", "[Metadata PartitionID PartitionName AssociatedManagedSystem]",
			"[Metadata PartitionName PartitionID AssociatedManagedSystem]"}},
		{"deep text", func(s string) string { return strings.Replace(s, ">abc<", ">abd<", 1) },
			lp + "/Metadata/Atom/AtomID", []string{`want "abc"`}},
		{"leaf becomes container", func(s string) string {
			return strings.Replace(s, `>3</uom:PartitionID>`, `><uom:X/></uom:PartitionID>`, 1)
		}, lp + "/PartitionID/X", []string{"unexpected"}},
	}
	want := decode(t, base)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := c.edit(base)
			if edited == base {
				t.Fatal("the edit changed nothing")
			}
			expectDiff(t, want, decode(t, edited), c.path, c.fragments...)
		})
	}
}

func TestDiffRepeatedSiblingsIndexed(t *testing.T) {
	a := decode(t, `<r><x>1</x><x>2</x><y/></r>`)
	b := decode(t, `<r><x>1</x><x>3</x><y/></r>`)
	expectDiff(t, a, b, "/r/x[2]", `want "2"`, `got "3"`)
}

func TestDiffNil(t *testing.T) {
	a := decode(t, `<r/>`)
	if d := Diff(nil, nil); d != nil {
		t.Fatalf("nil vs nil: %v", d)
	}
	if d := Diff(a, nil); len(d) != 1 {
		t.Fatalf("element vs nil: %v", d)
	}
	if d := Diff(nil, a); len(d) != 1 {
		t.Fatalf("nil vs element: %v", d)
	}
}

func TestDiffBounded(t *testing.T) {
	var a, b strings.Builder
	a.WriteString("<r>")
	b.WriteString("<r>")
	for i := 0; i < MaxDiffs+50; i++ {
		a.WriteString("<x>a</x>")
		b.WriteString("<x>b</x>")
	}
	a.WriteString("</r>")
	b.WriteString("</r>")
	d := Diff(decode(t, a.String()), decode(t, b.String()))
	if len(d) != MaxDiffs+1 || !strings.Contains(d[len(d)-1], "50 more") {
		t.Fatalf("got %d lines, last %q; want %d and a count of 50 more", len(d), d[len(d)-1], MaxDiffs+1)
	}
}

func TestNormalizers(t *testing.T) {
	a := decode(t, base)
	b := decode(t, strings.NewReplacer(">abc<", ">xyz<", "https://h:12443", "http://127.0.0.1:5555", ">3<", ">4<").Replace(base))
	if len(Diff(a, b)) != 3 {
		t.Fatalf("want 3 differences before normalizing: %v", Diff(a, b))
	}
	host := func(s string) string {
		if i := strings.Index(s, "/rest/"); i >= 0 {
			return "HOST" + s[i:]
		}
		return s
	}
	norms := []Normalizer{BlankText("AtomID"), AllAttrs("href", host), BlankText("PartitionID")}
	if d := Diff(a, b, norms...); len(d) != 0 {
		t.Fatalf("after normalizing: %v", d)
	}
	// Normalizers leave the inputs alone.
	if txt, _ := a.FindText("Metadata/Atom/AtomID"); txt != "abc" {
		t.Fatalf("Diff changed its input: AtomID %q", txt)
	}
	// What a normalizer does not cover is still reported.
	if d := Diff(a, b, BlankText("AtomID"), AllAttrs("href", host)); len(d) != 1 || !strings.Contains(d[0], "/PartitionID") {
		t.Fatalf("want only the PartitionID difference: %v", d)
	}
	// Blanking keeps an emptied value visible.
	c := decode(t, strings.Replace(base, ">abc<", "><", 1))
	if d := Diff(a, c, BlankText("AtomID")); len(d) != 1 {
		t.Fatalf("an AtomID that became empty must still differ: %v", d)
	}
	// BlankAttr, MapAttr, ReplaceText, DropChildren.
	d := decode(t, strings.Replace(strings.Replace(base, `kb="COD"`, `kb="XXX"`, 1), "lpar3", "LPAR3", 1))
	d.Append(uom.NewElement(uom.NSUOM, "Extra"))
	if diff := Diff(a, d, BlankAttr("PartitionID", "kb"), ReplaceText("PartitionName", strings.ToLower), DropChildren("Extra")); len(diff) != 0 {
		t.Fatalf("after BlankAttr/ReplaceText/DropChildren: %v", diff)
	}
	if diff := Diff(a, d, MapAttr("PartitionID", "kb", func(string) string { return "Z" })); len(diff) != 2 {
		// PartitionName text and Extra remain.
		t.Fatalf("want 2 differences left: %v", diff)
	}
	if diff := Diff(a, b, AllText(func(s string) string { return strings.NewReplacer("xyz", "abc", "4", "3").Replace(s) }),
		AllAttrs("href", host)); len(diff) != 0 {
		t.Fatalf("AllText: %v", diff)
	}
}

func TestName(t *testing.T) {
	for _, c := range []struct {
		el   *uom.Element
		want string
	}{
		{uom.NewElement(uom.NSAtom, "entry"), "atom:entry"},
		{uom.NewElement(uom.NSUOM, "ManagedSystem"), "uom:ManagedSystem"},
		{uom.NewElement("urn:x", "y"), "{urn:x}y"},
		{uom.NewElement("", "z"), "z"},
		{nil, "nil"},
	} {
		if got := Name(c.el); got != c.want {
			t.Errorf("Name = %q, want %q", got, c.want)
		}
	}
}
