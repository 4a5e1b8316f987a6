package uom

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// attrs returns n attributes a0="v" ... with the given prefix.
func attrs(n int, prefix string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ` %sa%d="v"`, prefix, i)
	}
	return b.String()
}

// nsDecls returns n namespace declarations xmlns:p0="urn:0" ...
func nsDecls(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ` xmlns:p%d="urn:%d"`, i, i)
	}
	return b.String()
}

// TestDecodeLimits: documents beyond the limits are refused with an
// error that wraps ErrLimit (and ErrSyntax); documents at the limits
// decode.
func TestDecodeLimits(t *testing.T) {
	lim := Limits{MaxAttrs: 10, MaxNamespaces: 6, MaxElements: 20}
	for _, c := range []struct {
		name, doc string
		refused   bool
	}{
		{"attributes at the limit", "<a" + attrs(10, "") + "/>", false},
		{"attributes beyond", "<a" + attrs(11, "") + "/>", true},
		{"declarations count as attributes", "<a" + attrs(5, "") + nsDecls(6) + "/>", true},
		{"namespaces in scope at the limit", nested(3, nsDecls(2)), false},
		{"namespaces in scope beyond", nested(4, nsDecls(2)), true},
		{"namespaces out of scope again", "<r>" + strings.Repeat("<e"+nsDecls(6)+"/>", 10) + "</r>", false},
		{"elements at the limit", "<r>" + strings.Repeat("<e/>", 19) + "</r>", false},
		{"elements beyond", "<r>" + strings.Repeat("<e/>", 20) + "</r>", true},
	} {
		_, err := DecodeBytesLimits([]byte(c.doc), lim)
		switch {
		case c.refused && err == nil:
			t.Errorf("%s: decoded", c.name)
		case c.refused && (!errors.Is(err, ErrLimit) || !errors.Is(err, ErrSyntax)):
			t.Errorf("%s: %v does not wrap ErrLimit and ErrSyntax", c.name, err)
		case !c.refused && err != nil:
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestDecodeDefaultLimits: the default limits refuse an attribute flood
// (what a hostile logon body holds) and a namespace flood, early.
func TestDecodeDefaultLimits(t *testing.T) {
	for name, doc := range map[string]string{
		"160,000 attributes":              "<a" + attrs(160000, "") + "/>",
		"100,000 prefixed attributes":     `<a xmlns:p="urn:p"` + attrs(100000, "p:") + "/>",
		"namespace declarations in scope": nested(60, nsDecls(3)),
	} {
		_, err := DecodeBytes([]byte(doc))
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s: %v, want a limit error", name, err)
		}
	}
	// Repeated attributes are found among many (past the scan).
	if _, err := DecodeBytes([]byte("<a" + attrs(200, "") + ` a150="x"/>`)); err == nil || !strings.Contains(err.Error(), "a150 repeated") {
		t.Errorf("a repeated attribute among 200: %v", err)
	}
	if _, err := DecodeBytes([]byte("<a" + attrs(200, "") + "/>")); err != nil {
		t.Errorf("200 distinct attributes: %v", err)
	}
}

func nested(depth int, decls string) string {
	return strings.Repeat("<e"+decls+">", depth) + strings.Repeat("</e>", depth)
}

// BenchmarkDecodeAttributeFlood: without limits, the time per attribute
// stays flat as an element's attributes grow (repeats are found through
// a set, not by scanning all the earlier ones).
func BenchmarkDecodeAttributeFlood(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		doc := []byte(`<a xmlns:p="urn:p"` + attrs(n, "p:") + "/>")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for i := 0; i < b.N; i++ {
				if _, err := DecodeBytesLimits(doc, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/attr")
		})
	}
}
