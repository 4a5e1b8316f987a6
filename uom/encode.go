package uom

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Encode writes e as XML (no declaration, no indentation). Names keep the
// prefix the element carries when that prefix is bound in scope or declared
// on the element; otherwise the encoder declares what it needs, so any tree,
// decoded or built, encodes to a well-formed document in the right
// namespaces.
func (e *Element) Encode(w io.Writer) error {
	var b bytes.Buffer
	e.AppendXML(&b)
	_, err := w.Write(b.Bytes())
	return err
}

// Bytes returns the encoded element.
func (e *Element) Bytes() []byte {
	var b bytes.Buffer
	b.Grow(4096)
	e.AppendXML(&b)
	return b.Bytes()
}

// String returns the encoded element.
func (e *Element) String() string { return string(e.Bytes()) }

// AppendXML appends the encoding of e to b.
func (e *Element) AppendXML(b *bytes.Buffer) {
	enc := encoder{b: b}
	enc.element(e, nsScope{prefixes: map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}})
}

type nsScope struct {
	prefixes map[string]string // prefix -> namespace ("" = default)
}

func (s nsScope) lookup(prefix string) (string, bool) {
	v, ok := s.prefixes[prefix]
	return v, ok
}

func (s nsScope) with(decls []Attr) nsScope {
	if len(decls) == 0 {
		return s
	}
	m := make(map[string]string, len(s.prefixes)+len(decls))
	for k, v := range s.prefixes {
		m[k] = v
	}
	for _, d := range decls {
		m[d.Local] = d.Value
	}
	return nsScope{prefixes: m}
}

type encoder struct{ b *bytes.Buffer }

func (enc encoder) element(e *Element, parent nsScope) {
	decls := e.NSDecls
	scope := parent.with(decls)
	prefix := e.Prefix
	if got, ok := scope.lookup(prefix); !ok || got != e.Space {
		// The prefix the element carries does not name its namespace here:
		// fall back to the default namespace, declared when needed.
		prefix = ""
		if got, ok := scope.lookup(""); !ok || got != e.Space {
			if e.Space != "" || ok {
				decls = append(append([]Attr(nil), decls...), Attr{Local: "", Value: e.Space})
				scope = scope.with([]Attr{{Local: "", Value: e.Space}})
			}
		}
	}
	// Prefixed attributes need their prefix bound as well.
	for _, a := range e.Attrs {
		if a.Space == "" {
			continue
		}
		if got, ok := scope.lookup(a.Prefix); !ok || got != a.Space || a.Prefix == "" {
			p := a.Prefix
			if p == "" {
				p = "a"
			}
			decls = append(append([]Attr(nil), decls...), Attr{Local: p, Value: a.Space})
			scope = scope.with([]Attr{{Local: p, Value: a.Space}})
		}
	}
	b := enc.b
	b.WriteByte('<')
	writeName(b, prefix, e.Local)
	for _, d := range decls {
		if d.Local == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:`)
			b.WriteString(d.Local)
			b.WriteString(`="`)
		}
		escapeAttr(b, d.Value)
		b.WriteByte('"')
	}
	for _, a := range e.Attrs {
		b.WriteByte(' ')
		if a.Space != "" {
			p := a.Prefix
			if p == "" {
				p = "a"
			}
			writeName(b, p, a.Local)
		} else {
			b.WriteString(a.Local)
		}
		b.WriteString(`="`)
		escapeAttr(b, a.Value)
		b.WriteByte('"')
	}
	if len(e.Children) == 0 && e.Text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	if e.Text != "" {
		escapeText(b, e.Text)
	}
	for _, c := range e.Children {
		enc.element(c, scope)
	}
	b.WriteString("</")
	writeName(b, prefix, e.Local)
	b.WriteByte('>')
}

func writeName(b *bytes.Buffer, prefix, local string) {
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte(':')
	}
	b.WriteString(local)
}

// isXMLChar reports whether XML 1.0 can carry r at all (even as a
// character reference).
func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// plainText and plainAttr mark the bytes that need no escaping in element
// content and in attribute values.
var plainText, plainAttr = plainTable("<>&"), plainTable("<>&\"")

func plainTable(special string) (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = strings.IndexByte(special, byte(c)) < 0
	}
	return t
}

// plain reports whether s needs no escaping at all: every byte printable
// ASCII and none of the table's specials (plainText's or plainAttr's).
// Eight bytes are looked at a time, the rest through the table.
func plain(s string, table *[256]bool) bool {
	attr := table == &plainAttr
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		if v&highBits != 0 || hasLess(v, 0x20) || // a byte >= 0x80 or < 0x20
			hasZero(v^(lowBits*'<')) || hasZero(v^(lowBits*'>')) || hasZero(v^(lowBits*'&')) ||
			(attr && hasZero(v^(lowBits*'"'))) {
			break // looked at byte by byte
		}
	}
	for ; i < len(s); i++ {
		if !table[s[i]] {
			return false
		}
	}
	return true
}

const lowBits, highBits = 0x0101010101010101, 0x8080808080808080

// hasZero tells whether a byte of v is zero.
func hasZero(v uint64) bool { return (v-lowBits)&^v&highBits != 0 }

// hasLess tells whether a byte of v is less than n (v's bytes all below
// 0x80, n at most 0x80).
func hasLess(v uint64, n uint64) bool { return (v-lowBits*n)&^v&highBits != 0 }

// escapeText appends s escaped for element content (see AppendText).
func escapeText(b *bytes.Buffer, s string) {
	if plain(s, &plainText) {
		b.WriteString(s)
		return
	}
	b.Write(AppendText(b.AvailableBuffer(), s))
}

func escapeAttr(b *bytes.Buffer, s string) {
	if plain(s, &plainAttr) {
		b.WriteString(s)
		return
	}
	b.Write(AppendAttr(b.AvailableBuffer(), s))
}

// AppendText appends s escaped for element content, as Encode writes it;
// characters XML cannot carry (control characters, invalid UTF-8) become
// U+FFFD. For renderers that write XML straight into a byte slice.
func AppendText(dst []byte, s string) []byte {
	if plain(s, &plainText) {
		return append(dst, s...)
	}
	for _, r := range s {
		if r == '\n' || r == '\t' {
			dst = utf8.AppendRune(dst, r)
			continue
		}
		if !isXMLChar(r) || r == utf8.RuneError {
			dst = append(dst, "\uFFFD"...)
			continue
		}
		switch r {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// AppendAttr appends s escaped for an attribute value in double quotes,
// as Encode writes it.
func AppendAttr(dst []byte, s string) []byte {
	if plain(s, &plainAttr) {
		return append(dst, s...)
	}
	for _, r := range s {
		if !isXMLChar(r) || r == utf8.RuneError {
			dst = append(dst, "\uFFFD"...)
			continue
		}
		switch r {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		case '\n':
			dst = append(dst, "&#xA;"...)
		case '\t':
			dst = append(dst, "&#x9;"...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// EscapeString returns s escaped for element content.
func EscapeString(s string) string {
	var b bytes.Buffer
	escapeText(&b, s)
	return b.String()
}
