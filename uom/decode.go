package uom

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// This file is the XML decoder behind Decode: a byte-level scanner for the
// documents the PowerVM REST API exchanges (elements, attributes, text,
// character and the five predefined entity references, CDATA, comments,
// processing instructions), with namespaces resolved. It refuses DTDs. It
// is several times faster than encoding/xml, which matters for clients
// reading large feeds; a differential fuzz test keeps it in step with
// encoding/xml.

// Decode reads one XML document and returns its root element. Comments,
// processing instructions and the XML declaration are dropped; CDATA becomes
// text. Every element name and prefixed attribute is resolved against the
// namespace declarations in scope; an undeclared prefix is an error.
func Decode(r io.Reader) (*Element, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return DecodeOwned(b)
}

// DecodeBytes is Decode on a byte slice (which it does not keep).
func DecodeBytes(b []byte) (*Element, error) {
	return DecodeBytesLimits(b, DefaultLimits)
}

// Limits bound what a document may hold; a document beyond them is
// refused with a SyntaxError that wraps ErrLimit. Zero means no bound.
// Decoding takes time linear in the document's size whatever its shape;
// the limits bound the memory and refuse documents no PowerVM body comes
// near.
type Limits struct {
	// MaxAttrs bounds the attributes of one element, namespace
	// declarations included.
	MaxAttrs int
	// MaxNamespaces bounds the namespace declarations in scope at once.
	MaxNamespaces int
	// MaxElements bounds the elements of the document.
	MaxElements int
}

// DefaultLimits are the limits of Decode, DecodeBytes and DecodeOwned.
// The largest PowerVM elements have a handful of attributes and a
// document a few namespaces in scope; feeds may have millions of
// elements, so their number is not bounded here (servers bound it for
// request bodies with DecodeBytesLimits).
var DefaultLimits = Limits{MaxAttrs: 256, MaxNamespaces: 128}

// DecodeBytesLimits is DecodeBytes with other limits.
func DecodeBytesLimits(b []byte, lim Limits) (*Element, error) {
	d := &decoder{src: b, str: string(b), lim: lim}
	return d.document()
}

// DecodeOwned is DecodeBytes for a buffer the caller hands over: the
// decoded strings share its memory, so b must never change afterwards.
// It saves a copy of the document (clients reading large feeds).
func DecodeOwned(b []byte) (*Element, error) { return DecodeOwnedLimits(b, DefaultLimits) }

// DecodeOwnedLimits is DecodeOwned with other limits.
func DecodeOwnedLimits(b []byte, lim Limits) (*Element, error) {
	if len(b) == 0 {
		return DecodeBytesLimits(b, lim)
	}
	d := &decoder{src: b, str: unsafe.String(&b[0], len(b)), lim: lim}
	return d.document()
}

// Scratch is memory a decoder reuses from one document to the next
// (DecodeOwnedScratch), for a server that decodes many small documents
// one after the other (request bodies): the elements of a document, their
// lists of children and their attributes are taken from it instead of
// allocated. They are valid only until the scratch decodes another
// document: a caller drops the element tree first. Names, texts and
// values are strings of their own (or of the source) and stay valid.
// A Scratch keeps at most maxScratch elements (and as many children and
// attributes); a larger document gets the rest allocated. The zero
// Scratch is ready to use; one is not used by two decoders at once.
type Scratch struct {
	d     decoder // the decoder itself, and its lists of what is in scope
	elems []Element
	ptrs  []*Element
	attrs []Attr
	stack []*Element
	text  []byte
}

// maxScratch bounds what a Scratch keeps, in elements (so children
// pointers and attributes too).
const maxScratch = 1024

// DecodeOwnedScratch is DecodeOwnedLimits decoding into s (see Scratch):
// the element tree returned is valid until s decodes another document.
func DecodeOwnedScratch(b []byte, lim Limits, s *Scratch) (*Element, error) {
	if len(b) == 0 || s == nil {
		return DecodeOwnedLimits(b, lim)
	}
	clear(s.elems) // an element is filled in from zero
	d := &s.d
	ns, raws, seen := d.ns[:0], d.raws[:0], d.seen[:0]
	clear(seen[:cap(seen)])
	*d = decoder{src: b, str: unsafe.String(&b[0], len(b)), lim: lim, scr: s,
		elems: s.elems, ptrs: s.ptrs, attrs: s.attrs[:0], stack: s.stack[:0], text: s.text[:0],
		ns: ns, raws: raws, seen: seen}
	root, err := d.document()
	d.src, d.str = nil, "" // the source is the caller's
	if cap(d.stack) <= maxScratch {
		s.stack = d.stack[:0]
	}
	if cap(d.text) <= maxScratch*64 {
		s.text = d.text[:0]
	}
	return root, err
}

type nsFrame struct {
	prefix, uri string
}

type decoder struct {
	src []byte
	// str is src as one string: names, and text and attribute values that
	// need no decoding, are substrings of it (no allocation each).
	str      string
	pos      int
	ns       []nsFrame  // namespace bindings in scope, innermost last
	elems    []Element  // allocation arena
	ptrs     []*Element // arena for children slices
	attrs    []Attr
	stack    []*Element // children being read, all levels
	raws     []rawAttr  // attributes being read
	text     []byte
	est      int // elements in the document, about (arenaSize)
	estAttrs int // attributes in the document, at most (attrArenaSize)
	lim      Limits
	elements int // elements read so far
	// dups finds repeated attributes of an element with many (a scan
	// does for the usual few).
	dups map[rawKey]struct{}
	// scr, when set, keeps the arenas for the next document (Scratch).
	scr *Scratch
	// seen holds recent plain attribute lists (no namespaces) with their
	// decoding, most recent first: the same few lists (kb="ROR" kxe="false")
	// recur on most elements, and a match skips parsing and allocating.
	seen []attrList
}

type attrList struct {
	raw   string // the source text from after the name to before > or />
	attrs []Attr
}

const maxSeen = 8

// knownAttrs matches the attribute text at d.pos against the recent lists.
func (d *decoder) knownAttrs() ([]Attr, bool) {
	rest := d.str[d.pos:]
	for i, l := range d.seen {
		if len(rest) > len(l.raw) && rest[:len(l.raw)] == l.raw {
			if c := rest[len(l.raw)]; c == '>' || c == '/' {
				d.pos += len(l.raw)
				if i > 0 {
					copy(d.seen[1:i+1], d.seen[:i])
					d.seen[0] = l
				}
				return l.attrs, true
			}
		}
	}
	return nil, false
}

func (d *decoder) remember(raw string, attrs []Attr) {
	if len(d.seen) < maxSeen {
		d.seen = append(d.seen, attrList{})
	}
	copy(d.seen[1:], d.seen[:len(d.seen)-1])
	d.seen[0] = attrList{raw: raw, attrs: attrs}
}

func (d *decoder) errorf(format string, args ...any) error {
	return &SyntaxError{Line: 1 + bytes.Count(d.src[:min(d.pos, len(d.src))], []byte{'\n'}), Msg: fmt.Sprintf(format, args...)}
}

// limitf is errorf for a document beyond the decoder's Limits.
func (d *decoder) limitf(format string, args ...any) error {
	err := d.errorf(format, args...).(*SyntaxError)
	err.limit = true
	return err
}

type rawKey struct{ prefix, local string }

// scanDups is how many attributes are checked for repeats by a scan
// before a set takes over.
const scanDups = 8

func (d *decoder) newElement() *Element {
	if len(d.elems) == 0 {
		d.elems = make([]Element, d.arenaSize(128))
		if s := d.scr; s != nil && len(d.elems) > len(s.elems) && len(d.elems) <= maxScratch {
			s.elems = d.elems
		}
	}
	e := &d.elems[0]
	d.elems = d.elems[1:]
	return e
}

// arenaSize is how many elements (or child pointers, or attributes) to
// allocate at a time: max, or for a small document (a request body) about
// as many as it has elements (start tags: every "<" but end tags).
func (d *decoder) arenaSize(max int) int {
	if d.est == 0 {
		d.est = -1 // a large document: max at a time
		if len(d.src) <= 64<<10 {
			d.est = 1 + bytes.Count(d.src, []byte{'<'}) - bytes.Count(d.src, []byte("</"))
		}
	}
	if d.est < 0 {
		return max
	}
	return min(max, d.est)
}

// attrArenaSize is how many attributes to allocate at a time: as
// arenaSize, but for a small document no more than it has "=" (every
// attribute has one; most elements of a request body have none).
func (d *decoder) attrArenaSize(max int) int {
	n := d.arenaSize(max)
	if d.est < 0 {
		return n
	}
	if d.estAttrs == 0 {
		d.estAttrs = 1 + bytes.Count(d.src, []byte{'='})
	}
	return min(n, d.estAttrs)
}

// sub returns the substring of the source at [start, end).
func (d *decoder) sub(start, end int) string { return d.str[start:end] }

// children copies the last n children read into an exact-size slice.
func (d *decoder) children(from int) []*Element {
	n := len(d.stack) - from
	if n == 0 {
		return nil
	}
	if len(d.ptrs) < n {
		size := d.arenaSize(512)
		if n > size {
			size = n
		}
		d.ptrs = make([]*Element, size)
		if s := d.scr; s != nil && size > len(s.ptrs) && size <= maxScratch {
			s.ptrs = d.ptrs
		}
	}
	out := d.ptrs[:n:n]
	d.ptrs = d.ptrs[n:]
	copy(out, d.stack[from:])
	d.stack = d.stack[:from]
	return out
}

func (d *decoder) lookup(prefix string) (string, bool) {
	for i := len(d.ns) - 1; i >= 0; i-- {
		if d.ns[i].prefix == prefix {
			return d.ns[i].uri, true
		}
	}
	switch prefix {
	case "xml":
		return "http://www.w3.org/XML/1998/namespace", true
	case "":
		return "", true
	}
	return "", false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *decoder) skipSpace() {
	for d.pos < len(d.src) && isSpace(d.src[d.pos]) {
		d.pos++
	}
}

// misc skips comments, processing instructions and white space outside or
// between elements; it reports a DOCTYPE as an error.
func (d *decoder) misc() error {
	for {
		d.skipSpace()
		rest := d.src[d.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := d.skipPI(); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := d.skipComment(); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			if bytes.HasPrefix(rest, []byte("<![CDATA[")) {
				return d.errorf("CDATA outside the root element")
			}
			return d.errorf("DTDs are not accepted")
		default:
			return nil
		}
	}
}

func (d *decoder) skipPI() error {
	end := bytes.Index(d.src[d.pos+2:], []byte("?>"))
	if end < 0 {
		return d.errorf("unterminated processing instruction")
	}
	body := d.src[d.pos+2 : d.pos+2+end]
	// The target is an XML Name, which may begin with a colon (it is not
	// split into a prefix and a local name).
	if len(body) == 0 || !(isNameStart(body[0]) || body[0] == ':') {
		return d.errorf("processing instruction without a target")
	}
	// The target is a name, as encoding/xml reads it: the name bytes and
	// any non-ASCII ones, which must be UTF-8.
	i := 0
	for i < len(body) && nameChar[body[i]] {
		i++
	}
	target, rest := body[:i], body[i:]
	if !utf8.Valid(target) || !stdName(target) {
		return d.errorf("invalid processing instruction target %q", body)
	}
	if string(target) == "xml" {
		// The declaration: only XML 1.0 in UTF-8.
		if v := pseudoAttr(rest, "version"); v != "" && v != "1.0" {
			return d.errorf("unsupported XML version %q; only 1.0 is supported", v)
		}
		if e := pseudoAttr(rest, "encoding"); e != "" && !strings.EqualFold(e, "utf-8") {
			return d.errorf("encoding %q declared; only UTF-8 is accepted", e)
		}
	}
	d.pos += 2 + end + 2
	return nil
}

// pseudoAttr reads name="value" (or name='value') from an XML
// declaration as encoding/xml reads it, which this decoder matches
// (FuzzDecodeMatchesStd): the first name= directly followed by a quote,
// wherever it is, and the value up to the same quote; "" when there is
// none.
func pseudoAttr(b []byte, name string) string {
	key := name + "="
	for i := 0; i < len(b); {
		k := bytes.Index(b[i:], []byte(key))
		if k < 0 || i+k+len(key) >= len(b) {
			return ""
		}
		at := i + k + len(key)
		i = at + 1
		if q := b[at]; q == '"' || q == '\'' {
			j := bytes.IndexByte(b[i:], q)
			if j < 0 {
				return ""
			}
			return string(b[i : i+j])
		}
	}
	return ""
}

func (d *decoder) skipComment() error {
	end := bytes.Index(d.src[d.pos+4:], []byte("--"))
	if end < 0 || d.pos+4+end+2 >= len(d.src) || d.src[d.pos+4+end+2] != '>' {
		return d.errorf("unterminated or invalid comment")
	}
	// A comment's characters are not checked, as a processing
	// instruction's are not: it is dropped, and encoding/xml, which this
	// decoder matches (FuzzDecodeMatchesStd), lets any bytes through in
	// both.
	d.pos += 4 + end + 3
	return nil
}

func (d *decoder) document() (*Element, error) {
	if len(d.src) >= 3 && d.src[0] == 0xEF && d.src[1] == 0xBB && d.src[2] == 0xBF {
		d.pos = 3
	}
	if err := d.misc(); err != nil {
		return nil, err
	}
	if d.pos >= len(d.src) {
		return nil, &SyntaxError{Msg: "empty document"}
	}
	if d.src[d.pos] != '<' {
		return nil, d.errorf("text outside the root element")
	}
	root, err := d.element(0)
	if err != nil {
		return nil, err
	}
	if err := d.misc(); err != nil {
		return nil, err
	}
	if d.pos < len(d.src) {
		if d.src[d.pos] == '<' {
			return nil, d.errorf("more than one root element")
		}
		return nil, d.errorf("text outside the root element")
	}
	return root, nil
}

var nameStart, nameChar [256]bool

func init() {
	for c := 0; c < 256; c++ {
		nameStart[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
		nameChar[c] = nameStart[c] || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'
	}
}

func isNameStart(c byte) bool { return nameStart[c] }

// stdName reports whether encoding/xml takes b as a name. Names of ASCII
// letters, digits and punctuation are checked by the tables above; which
// other characters XML 1.0 allows (and where) is a long list, so a name
// with any byte of 0x80 or above, rare in PowerVM's documents, is checked
// by encoding/xml itself: the two decoders cannot disagree on it.
func stdName(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return true
	}
	doc := make([]byte, 0, len(b)+3)
	doc = append(append(append(doc, '<'), b...), '/', '>')
	_, err := xml.NewDecoder(bytes.NewReader(doc)).RawToken()
	return err == nil
}

// name reads an XML name and splits it at its colon.
func (d *decoder) name() (prefix, local string, err error) {
	start := d.pos
	if d.pos >= len(d.src) || !nameStart[d.src[d.pos]] {
		return "", "", d.errorf("expected a name")
	}
	high, colon := false, -1
	for d.pos < len(d.src) {
		c := d.src[d.pos]
		if !nameChar[c] {
			break
		}
		if c >= 0x80 {
			high = true
		} else if c == ':' {
			if colon >= 0 {
				return "", "", d.errorf("invalid name %q", d.src[start:d.pos+1])
			}
			colon = d.pos
		}
		d.pos++
	}
	if high && !utf8.Valid(d.src[start:d.pos]) {
		return "", "", d.errorf("invalid UTF-8 in a name")
	}
	if high && !stdName(d.src[start:d.pos]) {
		return "", "", d.errorf("invalid XML name %q", d.src[start:d.pos])
	}
	if colon >= 0 {
		if colon == start || colon == d.pos-1 {
			return "", "", d.errorf("invalid name %q", d.src[start:d.pos])
		}
		// The part after the colon is a name of its own (XML
		// Namespaces' NCName): "x:0" would be written back as "0".
		if c := d.src[colon+1]; !nameStart[c] || c >= 0x80 && !stdName(d.src[colon+1:d.pos]) {
			return "", "", d.errorf("invalid name %q", d.src[start:d.pos])
		}
		return d.sub(start, colon), d.sub(colon+1, d.pos), nil
	}
	return "", d.sub(start, d.pos), nil
}

type rawAttr struct {
	prefix, local string
	value         string
}

// element reads an element starting at '<'.
func (d *decoder) element(depth int) (*Element, error) {
	if depth >= MaxDepth {
		return nil, d.errorf("document nested too deeply")
	}
	d.elements++
	if d.lim.MaxElements > 0 && d.elements > d.lim.MaxElements {
		return nil, d.limitf("too many elements (more than %d)", d.lim.MaxElements)
	}
	d.pos++ // '<'
	prefix, local, err := d.name()
	if err != nil {
		return nil, err
	}
	el := d.newElement()
	el.Prefix = prefix
	el.Local = local
	nsMark := len(d.ns)
	rawMark := len(d.raws)
	selfClosing := false
	nattrs := 0
	attrStart := d.pos
	known, isKnown := d.knownAttrs()
	var attrEnd int // where the attributes end: set when the tag closes
	for {
		hadSpace := d.pos < len(d.src) && isSpace(d.src[d.pos])
		d.skipSpace()
		if d.pos >= len(d.src) {
			return nil, d.errorf("unexpected end of document inside <%s>", el.Local)
		}
		c := d.src[d.pos]
		if c == '>' {
			attrEnd = d.pos
			d.pos++
			break
		}
		if c == '/' {
			if d.pos+1 >= len(d.src) || d.src[d.pos+1] != '>' {
				return nil, d.errorf("expected /> in <%s>", el.Local)
			}
			attrEnd = d.pos
			d.pos += 2
			selfClosing = true
			break
		}
		if isKnown {
			return nil, d.errorf("attributes of <%s> must be separated by white space", el.Local)
		}
		if !hadSpace {
			return nil, d.errorf("attributes of <%s> must be separated by white space", el.Local)
		}
		ap, al, err := d.name()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.src) || d.src[d.pos] != '=' {
			return nil, d.errorf("attribute %s without a value", al)
		}
		d.pos++
		d.skipSpace()
		v, err := d.attrValue()
		if err != nil {
			return nil, err
		}
		if nattrs++; d.lim.MaxAttrs > 0 && nattrs > d.lim.MaxAttrs {
			return nil, d.limitf("too many attributes on <%s> (more than %d)", el.Local, d.lim.MaxAttrs)
		}
		switch {
		case ap == "" && al == "xmlns":
			d.declare(el, "", v)
		case ap == "xmlns":
			// XML Namespaces 1.0 has no undeclaring of a prefix: a
			// prefix bound to no namespace would make q:x the same
			// attribute as x, written back twice.
			if v == "" {
				return nil, d.errorf("namespace prefix %q bound to an empty name", al)
			}
			d.declare(el, al, v)
		default:
			if err := d.checkRepeat(rawMark, ap, al); err != nil {
				return nil, err
			}
			d.raws = append(d.raws, rawAttr{ap, al, v})
		}
		if d.lim.MaxNamespaces > 0 && len(d.ns) > d.lim.MaxNamespaces {
			return nil, d.limitf("too many namespace declarations in scope on <%s> (more than %d)", el.Local, d.lim.MaxNamespaces)
		}
	}
	raws := d.raws[rawMark:]
	if isKnown {
		el.Attrs = known
	}
	space, ok := d.lookup(el.Prefix)
	if !ok {
		return nil, d.errorf("undeclared namespace prefix %q on <%s:%s>", el.Prefix, el.Prefix, el.Local)
	}
	el.Space = space
	if len(raws) > 0 {
		if cap(d.attrs)-len(d.attrs) < len(raws) {
			d.attrs = make([]Attr, 0, max(d.attrArenaSize(256), len(raws)))
			if s := d.scr; s != nil && cap(d.attrs) > cap(s.attrs) && cap(d.attrs) <= maxScratch {
				s.attrs = d.attrs
			}
		}
		start := len(d.attrs)
		for _, r := range raws {
			a := Attr{Prefix: r.prefix, Local: r.local, Value: r.value}
			if a.Prefix != "" {
				s, ok := d.lookup(a.Prefix)
				if !ok {
					return nil, d.errorf("undeclared namespace prefix %q on attribute %s", a.Prefix, a.Local)
				}
				a.Space = s
			}
			d.attrs = append(d.attrs, a)
		}
		el.Attrs = d.attrs[start:len(d.attrs):len(d.attrs)]
		if len(el.NSDecls) == 0 && len(raws) <= 4 {
			plain := true
			for _, a := range el.Attrs {
				plain = plain && a.Prefix == ""
			}
			if plain {
				d.remember(d.str[attrStart:attrEnd], el.Attrs)
			}
		}
	}
	d.raws = d.raws[:rawMark]
	if !selfClosing {
		if err := d.content(el, depth); err != nil {
			return nil, err
		}
	}
	d.ns = d.ns[:nsMark]
	return el, nil
}

// checkRepeat refuses an attribute the element already has: a scan of
// the few read so far, or a set once there are many (so that an element
// with thousands of attributes is not checked in quadratic time).
func (d *decoder) checkRepeat(rawMark int, prefix, local string) error {
	seen := d.raws[rawMark:]
	if len(seen) < scanDups {
		for _, r := range seen {
			if r.prefix == prefix && r.local == local {
				return d.errorf("attribute %s repeated", local)
			}
		}
		return nil
	}
	if len(seen) == scanDups {
		if d.dups == nil {
			d.dups = map[rawKey]struct{}{}
		}
		clear(d.dups)
		for _, r := range seen {
			d.dups[rawKey{r.prefix, r.local}] = struct{}{}
		}
	}
	k := rawKey{prefix, local}
	if _, dup := d.dups[k]; dup {
		return d.errorf("attribute %s repeated", local)
	}
	d.dups[k] = struct{}{}
	return nil
}

// declare binds prefix to uri from el on (a namespace declaration of el).
// A root declares a few at once (a request body: the uom namespace, as
// the default and under the kind's prefix, and k2's): room for four is
// made at the first.
func (d *decoder) declare(el *Element, prefix, uri string) {
	if cap(d.ns) == len(d.ns) {
		d.ns = slices.Grow(d.ns, 4)
	}
	d.ns = append(d.ns, nsFrame{prefix, uri})
	if el.NSDecls == nil {
		el.NSDecls = make([]Attr, 0, 4)
	}
	el.NSDecls = append(el.NSDecls, Attr{Local: prefix, Value: uri})
}

// content reads an element's children and text up to its end tag.
//
// d.text is a stack shared by the elements open: an element's text is
// what it appends past the length d.text had when its content began, and
// is taken off again when it ends (so that one buffer serves the whole
// document rather than one per element).
func (d *decoder) content(el *Element, depth int) error {
	base := len(d.text)
	defer func() { d.text = d.text[:base] }()
	hasText := false // text other than white space
	from := len(d.stack)
	// A leaf whose text needs no decoding is a substring of the source.
	textStart, textEnd, plainText := d.pos, d.pos, true
	for {
		if d.pos >= len(d.src) {
			return d.errorf("unexpected end of document inside <%s>", el.Local)
		}
		c := d.src[d.pos]
		if c != '<' {
			start := d.pos
			decoded, err := d.charData(&hasText)
			if err != nil {
				return err
			}
			if decoded || start != textEnd {
				plainText = false
			}
			textEnd = d.pos
			continue
		}
		rest := d.src[d.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("</")):
			d.pos += 2
			if !d.ownEndTag(el) {
				p, l, err := d.name()
				if err != nil {
					return err
				}
				if l != el.Local || p != el.Prefix {
					return d.errorf("element <%s> closed by </%s>", el.Local, l)
				}
			}
			d.skipSpace()
			if d.pos >= len(d.src) || d.src[d.pos] != '>' {
				return d.errorf("expected > after </%s", el.Local)
			}
			d.pos++
			el.Children = d.children(from)
			switch {
			case len(el.Children) == 0 && plainText:
				el.Text = d.sub(textStart, textEnd)
			case len(el.Children) == 0:
				el.Text = string(d.text[base:])
			case hasText:
				el.Text = string(bytes.TrimSpace(d.text[base:]))
			}
			return nil
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := d.skipComment(); err != nil {
				return err
			}
			plainText = false
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return d.errorf("unterminated CDATA section")
			}
			chunk := rest[9 : 9+end]
			if err := d.checkChars(chunk); err != nil {
				return err
			}
			d.appendText(chunk, &hasText)
			d.pos += 9 + end + 3
			plainText = false
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := d.skipPI(); err != nil {
				return err
			}
			plainText = false
		case bytes.HasPrefix(rest, []byte("<!")):
			return d.errorf("DTDs are not accepted")
		default:
			child, err := d.element(depth + 1)
			if err != nil {
				return err
			}
			if d.stack == nil {
				d.stack = make([]*Element, 0, 32)
			}
			d.stack = append(d.stack, child)
			plainText = false
		}
	}
}

// ownEndTag moves past the name of el's end tag when that is what comes
// (the usual case: a comparison instead of a scan).
func (d *decoder) ownEndTag(el *Element) bool {
	rest := d.str[d.pos:]
	n := len(el.Local)
	if el.Prefix != "" {
		n += len(el.Prefix) + 1
		if len(rest) <= n || rest[:len(el.Prefix)] != el.Prefix || rest[len(el.Prefix)] != ':' ||
			rest[len(el.Prefix)+1:n] != el.Local {
			return false
		}
	} else if len(rest) <= n || rest[:n] != el.Local {
		return false
	}
	if nameChar[rest[n]] {
		return false
	}
	d.pos += n
	return true
}

// appendText adds decoded character data, normalising line ends as XML
// requires (\r\n and \r become \n).
func (d *decoder) appendText(b []byte, hasText *bool) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			d.noteText(b, hasText)
			d.text = append(d.text, b...)
			return
		}
		d.noteText(b[:i], hasText)
		d.text = append(d.text, b[:i]...)
		d.text = append(d.text, '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}

func (d *decoder) noteText(b []byte, hasText *bool) {
	if *hasText {
		return
	}
	for _, c := range b {
		if !isSpace(c) {
			*hasText = true
			return
		}
	}
}

// charData reads text up to the next '<', decoding references. decoded
// reports whether the text differs from the source bytes (references, line
// ends).
func (d *decoder) charData(hasText *bool) (decoded bool, err error) {
	start := d.pos
	for d.pos < len(d.src) {
		c := d.src[d.pos]
		if c == '<' {
			break
		}
		if c == '&' {
			decoded = true
			if err := d.flushText(start, hasText); err != nil {
				return decoded, err
			}
			r, err := d.reference()
			if err != nil {
				return decoded, err
			}
			if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
				*hasText = true
			}
			d.text = utf8.AppendRune(d.text, r)
			start = d.pos
			continue
		}
		if c == '\r' {
			decoded = true
		}
		if c == '>' && d.pos >= 2 && d.src[d.pos-1] == ']' && d.src[d.pos-2] == ']' {
			return decoded, d.errorf("]]> in character data")
		}
		d.pos++
	}
	return decoded, d.flushText(start, hasText)
}

func (d *decoder) flushText(start int, hasText *bool) error {
	chunk := d.src[start:d.pos]
	if len(chunk) == 0 {
		return nil
	}
	if err := d.checkChars(chunk); err != nil {
		return err
	}
	d.appendText(chunk, hasText)
	return nil
}

// checkChars rejects invalid UTF-8 and characters XML 1.0 forbids.
func (d *decoder) checkChars(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return d.errorf("illegal character code U+%04X", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return d.errorf("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return d.errorf("illegal character code U+%04X", r)
		}
		i += n
	}
	return nil
}

// reference reads &name; or &#n; / &#xh; at d.pos. A character
// reference may have any number of leading zeros (encoding/xml reads all
// its digits); a name is looked for in the next few bytes only, as the
// five XML predefines are short.
func (d *decoder) reference() (rune, error) {
	if d.pos+1 < len(d.src) && d.src[d.pos+1] == '#' {
		return d.charRef()
	}
	end := bytes.IndexByte(d.src[d.pos:], ';')
	if end < 0 || end > 12 {
		return 0, d.errorf("invalid character entity")
	}
	ref := d.src[d.pos+1 : d.pos+end]
	d.pos += end + 1
	switch string(ref) {
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "amp":
		return '&', nil
	case "quot":
		return '"', nil
	case "apos":
		return '\'', nil
	}
	return 0, d.errorf("invalid character entity &%s;", ref)
}

// charRef reads &#n; or &#xh; at d.pos.
func (d *decoder) charRef() (rune, error) {
	i := d.pos + 2
	base := int64(10)
	if i < len(d.src) && d.src[i] == 'x' {
		base = 16
		i++
	}
	start := i
	var n int64
	big := false
	for ; i < len(d.src); i++ {
		v := digitValue(d.src[i])
		if v >= base {
			break
		}
		if n = n*base + v; n > 0x10FFFF {
			big, n = true, 0
		}
	}
	if i >= len(d.src) || d.src[i] != ';' {
		return 0, d.errorf("invalid character entity")
	}
	ref := d.src[d.pos+1 : i]
	d.pos = i + 1
	if i == start || big || !isXMLChar(rune(n)) {
		switch {
		case len(ref) <= 24:
			return 0, d.errorf("invalid character entity &%s;", ref)
		case big:
			return 0, d.errorf("invalid character entity &%s...; (beyond Unicode)", ref[:20])
		case base == 16:
			return 0, d.errorf("invalid character entity &#x%X;", n)
		}
		return 0, d.errorf("invalid character entity &#%d;", n)
	}
	return rune(n), nil
}

// digitValue is the value of the hexadecimal digit c, or 16 when c is
// none.
func digitValue(c byte) int64 {
	switch {
	case c >= '0' && c <= '9':
		return int64(c - '0')
	case c >= 'a' && c <= 'f':
		return int64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int64(c-'A') + 10
	}
	return 16
}

// attrValue reads a quoted attribute value, decoding references.
func (d *decoder) attrValue() (string, error) {
	if d.pos >= len(d.src) || (d.src[d.pos] != '"' && d.src[d.pos] != '\'') {
		return "", d.errorf("unquoted attribute value")
	}
	q := d.src[d.pos]
	d.pos++
	start := d.pos
	var buf []byte
	plain := true
	for d.pos < len(d.src) {
		c := d.src[d.pos]
		switch {
		case c == q:
			if plain {
				if err := d.checkChars(d.src[start:d.pos]); err != nil {
					return "", err
				}
				d.pos++
				return d.sub(start, d.pos-1), nil
			}
			v := append(buf, d.src[start:d.pos]...)
			if err := d.checkChars(v); err != nil {
				return "", err
			}
			d.pos++
			return string(v), nil
		case c == '<':
			return "", d.errorf("unescaped < in an attribute value")
		case c == '&':
			buf = append(buf, d.src[start:d.pos]...)
			plain = false
			r, err := d.reference()
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
			start = d.pos
		case c == '\r':
			// Line ends become \n (as encoding/xml does; it does not
			// normalise other white space in attribute values).
			buf = append(buf, d.src[start:d.pos]...)
			plain = false
			if d.pos+1 < len(d.src) && d.src[d.pos+1] == '\n' {
				d.pos++
			}
			buf = append(buf, '\n')
			d.pos++
			start = d.pos
		default:
			d.pos++
		}
	}
	return "", d.errorf("unterminated attribute value")
}
