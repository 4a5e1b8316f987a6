package uom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decodeStd is the encoding/xml based decoder Decode replaced; the
// differential fuzz test checks the fast decoder against it.
// Comments,
// processing instructions and the XML declaration are dropped; CDATA becomes
// text. Every element name and prefixed attribute is resolved against the
// namespace declarations in scope; an undeclared prefix is an error.
func decodeStd(r io.Reader) (*Element, error) {
	// A UTF-8 byte order mark before the document is its encoding's
	// signature, not text (XML 1.0, appendix F.1); encoding/xml hands it
	// on as character data.
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	src = bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF"))
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	type frame struct {
		el    *Element
		scope map[string]string
		text  strings.Builder
	}
	var stack []*frame
	var root *Element
	scope := map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		from := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
			}
			return nil, &SyntaxError{Line: line(), Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, &SyntaxError{Line: line(), Msg: "more than one root element"}
			}
			if len(stack) >= MaxDepth {
				return nil, &SyntaxError{Line: line(), Msg: "document nested too deeply"}
			}
			cur := scope
			if len(stack) > 0 {
				cur = stack[len(stack)-1].scope
			}
			el := &Element{Prefix: t.Name.Space, Local: t.Name.Local}
			var ns map[string]string
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if ns == nil {
						ns = copyScope(cur)
					}
					ns[""] = a.Value
					el.NSDecls = append(el.NSDecls, Attr{Local: "", Value: a.Value})
				case a.Name.Space == "xmlns":
					if ns == nil {
						ns = copyScope(cur)
					}
					ns[a.Name.Local] = a.Value
					el.NSDecls = append(el.NSDecls, Attr{Local: a.Name.Local, Value: a.Value})
				}
			}
			if ns == nil {
				ns = cur
			}
			space, ok := ns[el.Prefix]
			if !ok && el.Prefix != "" {
				return nil, &SyntaxError{Line: line(), Msg: fmt.Sprintf("undeclared namespace prefix %q on <%s:%s>", el.Prefix, el.Prefix, el.Local)}
			}
			el.Space = space
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				at := Attr{Prefix: a.Name.Space, Local: a.Name.Local, Value: a.Value}
				if a.Name.Space != "" {
					s, ok := ns[a.Name.Space]
					if !ok {
						return nil, &SyntaxError{Line: line(), Msg: fmt.Sprintf("undeclared namespace prefix %q on attribute %s", a.Name.Space, a.Name.Local)}
					}
					at.Space = s
				}
				el.Attrs = append(el.Attrs, at)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1].el
				p.Children = append(p.Children, el)
			} else {
				root = el
			}
			stack = append(stack, &frame{el: el, scope: ns})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, &SyntaxError{Line: line(), Msg: "unexpected end element"}
			}
			f := stack[len(stack)-1]
			if t.Name.Local != f.el.Local || t.Name.Space != f.el.Prefix {
				return nil, &SyntaxError{Line: line(), Msg: fmt.Sprintf("element <%s> closed by </%s>", f.el.Local, t.Name.Local)}
			}
			txt := f.text.String()
			if len(f.el.Children) == 0 {
				f.el.Text = txt
			} else if s := strings.TrimSpace(txt); s != "" {
				f.el.Text = s
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.Trim(src[from:d.InputOffset()], " \t\r\n")) > 0 {
				// Only XML's white space (XML 1.0, production S) may stand
				// outside the root, as it is written: bytes.TrimSpace would
				// also let Unicode's (U+0085, U+00A0, ...) through, and
				// the decoded text a reference (&#9;).
				return nil, &SyntaxError{Line: line(), Msg: "text outside the root element"}
			}
		case xml.Directive:
			// A DOCTYPE could declare entities; PowerVM documents never carry one.
			return nil, &SyntaxError{Line: line(), Msg: "DTDs are not accepted"}
		}
	}
	if root == nil {
		return nil, &SyntaxError{Msg: "empty document"}
	}
	if len(stack) != 0 {
		return nil, &SyntaxError{Line: line(), Msg: fmt.Sprintf("unexpected end of document inside <%s>", stack[len(stack)-1].el.Local)}
	}
	return root, nil
}

func copyScope(m map[string]string) map[string]string {
	n := make(map[string]string, len(m)+2)
	for k, v := range m {
		n[k] = v
	}
	return n
}

// FuzzDecodeMatchesStd: the fast decoder and encoding/xml agree. Documents
// both accept decode to the same tree; the fast decoder may refuse only what
// it refuses on purpose (DTDs).
func FuzzDecodeMatchesStd(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<a:b xmlns:a="urn:x" xmlns="urn:d" k='v'><c>t &amp; &#x41;&#66;</c><!-- c --><d/><![CDATA[<x>]]></a:b>`,
		`<entry xmlns="http://www.w3.org/2005/Atom"><content type="t"><x:X xmlns:x="urn:x" xmlns="urn:x"><Y kb="ROR">1</Y></x:X></content></entry>`,
		"<a>\r\n x \r y</a>",
		`<a b="x&#10;y	z"/>`,
		`<a><b></a>`,
		`<a xmlns:p="u"><p:b p:c="1"/></a>`,
		// The declaration's pseudo-attributes, as encoding/xml finds
		// them (name= directly followed by a quote, anywhere).
		`<?xml version = "2.0" encoding = "latin1"?><a/>`,
		`<?xml encoding0encoding="0"?><a/>`,
		`<?xml versionx="2" version='1.0' encoding='UTF-8'?><a/>`,
		`<?xml encoding=latin1 encoding="utf-8"?><a/>`,
		// A prefix bound to no namespace (refused: q:x would be x).
		`<A xmlns:q="" x="" q:x=""/>`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range XMLSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ferr := DecodeBytes(data)
		std, serr := decodeStd(bytes.NewReader(data))
		switch {
		case ferr == nil && serr == nil:
			if a, b := fast.String(), std.String(); a != b {
				t.Fatalf("decoders disagree on %q:\nfast %s\nstd  %s", data, a, b)
			}
		case ferr == nil && serr != nil:
			t.Fatalf("fast decoder accepted what encoding/xml refuses (%v): %q", serr, data)
		case ferr != nil && serr == nil:
			if !strictOnPurpose(ferr) {
				t.Fatalf("fast decoder refused a document encoding/xml accepts (%v): %q", ferr, data)
			}
		}
		if ferr != nil && !errors.Is(ferr, ErrSyntax) {
			t.Fatalf("decode error is not a syntax error: %v", ferr)
		}
	})
}

// strictOnPurpose lists what the fast decoder refuses although
// encoding/xml lets it through: DTDs (entities are a risk, PowerVM never
// sends one), breaches of well-formedness encoding/xml forgives (an
// attribute repeated, a character reference to a surrogate, which
// encoding/xml turns into U+FFFD, a CDATA section outside the root
// element, which encoding/xml lets through when it holds only white
// space, a prefix bound to the empty namespace name, which XML Namespaces
// 1.0 forbids), and documents beyond the decoder's Limits.
func strictOnPurpose(err error) bool {
	if errors.Is(err, ErrLimit) {
		return true
	}
	if m := surrogateRef.FindStringSubmatch(err.Error()); m != nil {
		base, digits := 10, m[1]
		if strings.HasPrefix(digits, "x") {
			base, digits = 16, digits[1:]
		}
		if n, perr := strconv.ParseUint(digits, base, 32); perr == nil && n >= 0xD800 && n <= 0xDFFF {
			return true
		}
	}
	for _, s := range []string{"DTD", "must be separated by white space", "expected a name", "invalid name", "repeated", "CDATA outside the root element", "bound to an empty name"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// surrogateRef finds the character reference of the fast decoder's
// refusal.
var surrogateRef = regexp.MustCompile(`invalid character entity &#(x?[0-9A-Fa-f]+);`)

var _ = fmt.Sprint
var _ io.Reader

// TestPrefixBoundToNothing: a prefix may not be bound to the empty name
// (XML Namespaces 1.0); taken, q:x would be x and be written back twice.
func TestPrefixBoundToNothing(t *testing.T) {
	for _, s := range []string{`<A xmlns:q="" x="" q:x=""/>`, `<q:A xmlns:q=""/>`, `<A xmlns:q="u"><B xmlns:q=""/></A>`} {
		if _, err := DecodeBytes([]byte(s)); err == nil || !strings.Contains(err.Error(), `prefix "q" bound to an empty name`) {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := DecodeBytes([]byte(`<A xmlns="u"><B xmlns=""/></A>`)); err != nil {
		t.Errorf("the default namespace undeclared: %v", err)
	}
}
