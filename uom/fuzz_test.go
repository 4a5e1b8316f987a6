package uom_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/novalink-project/novalink/uom"
)

// FuzzDecode: decoding never panics, and whatever decodes re-encodes to a
// document that decodes again to the same encoding (the codec is stable).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`<LogonRequest xmlns="` + uom.NSWeb + `"><UserID>a</UserID></LogonRequest>`))
	f.Add([]byte(`<a:b xmlns:a="urn:x" a:c="1"><d>t&amp;x</d><![CDATA[<z>]]></a:b>`))
	f.Add([]byte(`<entry xmlns="` + uom.NSAtom + `"><content type="x"><LogicalPartition:LogicalPartition xmlns:LogicalPartition="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `"><PartitionName>v</PartitionName></LogicalPartition:LogicalPartition></content></entry>`))
	f.Add([]byte(`<x xmlns="urn:a"><y xmlns=""/></x>`))
	for _, s := range uom.XMLSeeds {
		f.Add([]byte(s))
	}
	var scratch uom.Scratch // reused by every input, as a server reuses one
	f.Fuzz(func(t *testing.T, data []byte) {
		el, err := uom.DecodeBytes(data)
		sel, serr := uom.DecodeOwnedScratch(bytes.Clone(data), uom.DefaultLimits, &scratch)
		if (err == nil) != (serr == nil) {
			t.Fatalf("decoded into a scratch: error %v, without: %v", serr, err)
		}
		if err != nil {
			return
		}
		once := el.Bytes()
		if b := sel.Bytes(); !bytes.Equal(b, once) {
			t.Fatalf("decoded into a scratch:\n%s\nwithout:\n%s", b, once)
		}
		again, err := uom.DecodeBytes(once)
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v\n%s", err, once)
		}
		if twice := again.Bytes(); !bytes.Equal(once, twice) {
			t.Fatalf("encoding not stable:\n%s\n%s", once, twice)
		}
		if e, err := uom.ParseEntry(el); err == nil {
			_ = e.Element().Bytes()
		}
		if fd, err := uom.ParseFeed(el); err == nil {
			_ = fd.Element().Bytes()
		}
	})
}

func FuzzParseMediaType(f *testing.F) {
	f.Add("application/vnd.ibm.powervm.uom+xml; type=LogicalPartition")
	f.Add("application/vnd.ibm.powervm.web+xml;type=\"JobRequest\"")
	f.Fuzz(func(t *testing.T, s string) {
		svc, typ, ok := uom.ParseMediaType(s)
		if ok && (svc == "" || typ == "") {
			t.Fatalf("ok with empty parts: %q -> %q %q", s, svc, typ)
		}
	})
}

// TestDecodeScratch: documents decoded one after the other into one
// Scratch (small and large, malformed ones between) decode as they do
// without it, and a small document decoded again takes few allocations.
func TestDecodeScratch(t *testing.T) {
	big := []byte(`<a xmlns="urn:x" k="v">`)
	for i := range 1500 {
		big = append(big, `<b n="`+strconv.Itoa(i)+`" kb="ROR">t&amp;`+strconv.Itoa(i)+`<c/></b>`...)
	}
	big = append(big, `</a>`...)
	docs := [][]byte{
		[]byte(`<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><UserID kb="CUR">a</UserID><Password>b</Password></LogonRequest>`),
		big,
		[]byte(`<a xmlns="urn:x"><b>unclosed</a>`),
		[]byte(`<x:y xmlns:x="urn:y" x:z="1"><w>  text  </w><![CDATA[<v>]]><w/></x:y>`),
		big,
		[]byte(`<LogonRequest xmlns="` + uom.NSWeb + `"><UserID>c</UserID></LogonRequest>`),
	}
	for _, d := range uom.XMLSeeds {
		docs = append(docs, []byte(d))
	}
	var s uom.Scratch
	for round := range 2 {
		for i, d := range docs {
			want, werr := uom.DecodeOwnedLimits(bytes.Clone(d), uom.DefaultLimits)
			got, err := uom.DecodeOwnedScratch(bytes.Clone(d), uom.DefaultLimits, &s)
			if (err == nil) != (werr == nil) {
				t.Fatalf("round %d, document %d: error %v, without a scratch %v", round, i, err, werr)
			}
			if err == nil && !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("round %d, document %d: decoded\n%s\nwithout a scratch\n%s", round, i, got.Bytes(), want.Bytes())
			}
		}
	}
	small := docs[0]
	without := testing.AllocsPerRun(50, func() { uom.DecodeOwnedLimits(small, uom.DefaultLimits) })
	with := testing.AllocsPerRun(50, func() { uom.DecodeOwnedScratch(small, uom.DefaultLimits, &s) })
	if with > without-3 {
		t.Errorf("a small document takes %.0f allocations with a scratch, %.0f without", with, without)
	}
	t.Logf("allocations: %.0f with a scratch, %.0f without", with, without)
}

// TestParseMediaTypeAndFind: media types as clients send them, and paths
// found in a decoded element, read without allocating (both run on every
// create and update).
func TestParseMediaTypeAndFind(t *testing.T) {
	for _, c := range []struct{ in, svc, typ string }{
		{"application/vnd.ibm.powervm.uom+xml; type=LogicalPartition", "uom", "LogicalPartition"},
		{" Application/VND.IBM.PowerVM.web+xml;type=\"JobRequest\" ", "web", "JobRequest"},
		{"application/vnd.ibm.powervm.uom+xml; charset=UTF-8;; Type = VirtualIOServer ;", "uom", "VirtualIOServer"},
		{"application/vnd.ibm.powervm.uom+xml", "", ""},
		{"application/vnd.ibm.powervm.uom+xml; type=", "", ""},
		{"application/xml; type=LogicalPartition", "", ""},
		{"application/vnd.ibm.power", "", ""},
	} {
		svc, typ, ok := uom.ParseMediaType(c.in)
		if ok != (c.typ != "") || svc != c.svc || typ != c.typ {
			t.Errorf("ParseMediaType(%q) = %q, %q, %v; want %q, %q", c.in, svc, typ, ok, c.svc, c.typ)
		}
	}
	el, err := uom.DecodeBytes([]byte(`<a xmlns="urn:x"><b><c>t</c></b><d/></a>`))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"b/c": "c", "/b//c/": "c", "": "a", "d": "d", "b/x": "", "x/c": ""} {
		got := ""
		if f := el.Find(path); f != nil {
			got = f.Local
		}
		if got != want {
			t.Errorf("Find(%q) = <%s>, want <%s>", path, got, want)
		}
	}
	ct := "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition"
	if n := testing.AllocsPerRun(20, func() { uom.ParseMediaType(ct); el.Find("b/c") }); n != 0 {
		t.Errorf("%.0f allocations", n)
	}
}
