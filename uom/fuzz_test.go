package uom_test

import (
	"bytes"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		el, err := uom.DecodeBytes(data)
		if err != nil {
			return
		}
		once := el.Bytes()
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
