package rest

import (
	"encoding/binary"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// Entry templates.
//
// The entries of one family (a kind rendered in one style: base URL, path,
// groups) differ in a few dozen values and share everything else. The
// first entries of a family a renderer writes (kind.write, see xmlOut) are
// recorded as templates: the entry's bytes, and each call the renderer
// made to write them (which element of which builder, the value given and
// where its bytes are). A later entry of the family is written by
// replaying a template: the renderer runs as always, but a call is only
// checked against the template's next one and its value compared with the
// template's; the template's bytes are copied in long stretches and only
// the values that differ are written. The entry comes out packed against
// the template (cache_pack.go's form) as it is written: the stretches are
// runs of the template, the values between them literals. A call that
// departs from the template (another element or builder, an empty value
// where the template has one, another number of links) ends the replay,
// and the entry is tried against the family's other templates, recorded
// as a new one (up to maxTemplates), or written as without templates and
// packed against the family's first.

// maxTemplates is how many templates a family keeps, maxAllTemplates how
// many a cache keeps in all at most (each some 10 KB of entry and 15 KB of
// calls, templateBytes); a cache keeps no more than a quarter of its size
// in templates (templateLimit), so a fleet's small caches keep few.
const maxTemplates, maxAllTemplates, templateBytes = 8, 512, 25 << 10

// templateLimit is how many templates a cache of limit bytes keeps in
// all: a quarter of it, at least 16 and at most maxAllTemplates.
func templateLimit(limit int64) int64 {
	return min(max(limit/4/templateBytes, 16), maxAllTemplates)
}

// opKind is what a recorded call wrote.
type opKind uint8

const (
	opHeader  opKind = iota + 1 // a value of the Atom header (name: what precedes it)
	opLinkN                     // the header's number of links
	opObject                    // the object element (name: its type, aux: its namespace; s: AtomID)
	opCreated                   // AtomCreated
	opText                      // a leaf holding text
	opKB                        // a leaf with the access attribute given (aux)
	opWith                      // a leaf with the attributes given
	opBool
	opInt
	opUnits
	opSub   // a complex child (sub)
	opItem  // a complex list item (item)
	opPlain // a container that is not a complex type (plain)
	opLink  // one link (link): its href
	opLinks // a list of links (links): n hrefs follow
	opHref  // one href of a list
)

// tmplOp is one call of a recorded rendering.
type tmplOp struct {
	kind    opKind
	plain   bool // its text is written as it is (nothing escaped)
	written bool // it wrote its element (not filtered out by the groups)
	empty   bool // its text was empty: an empty-element tag, no value
	skip    bool // an element it opened is filtered out
	id      uint32
	name    string
	aux     string
	n       int       // links: how many; opWith: the attributes
	attrs   *uom.Attr // opWith: the attributes given
	s       string    // the text or href given
	i       int64     // the number or units given; booleans 0 or 1
	// start and end are where the value's bytes are in the template's
	// entry (start < 0: none).
	start, end int32
	// schema and tags are those of the element it opened.
	schema *uom.SchemaNode
	tags   *tagSet
}

// entryTmpl is a recorded entry: its bytes (after "<entry>", its end
// included; the reference the entries written from it are packed
// against) and the calls that wrote them.
type entryTmpl struct {
	ref *packRef
	ops []tmplOp
}

// tmplSet is a family's templates.
type tmplSet struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*entryTmpl]
	last atomic.Int32 // which one matched last: tried first
	// all counts the templates of every family of the cache, up to
	// allMax.
	all    *atomic.Int64
	allMax int64
}

func (ts *tmplSet) templates() []*entryTmpl {
	if l := ts.list.Load(); l != nil {
		return *l
	}
	return nil
}

// add keeps t unless the family, or the cache, has its fill of
// templates; it tells whether it kept it.
func (ts *tmplSet) add(t *entryTmpl) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	old := ts.templates()
	if len(old) >= maxTemplates {
		return false
	}
	if ts.all != nil && ts.all.Add(1) > ts.allMax {
		ts.all.Add(-1)
		return false
	}
	l := append(old[:len(old):len(old)], t)
	ts.list.Store(&l)
	ts.last.Store(int32(len(l) - 1))
	return true
}

// templates returns the template set of family (nil: no family, or too
// many families).
func (c *entryCache) templates(family string) *tmplSet {
	if family == "" {
		return nil
	}
	c.refsMu.Lock()
	defer c.refsMu.Unlock()
	if ts := c.tmpls[family]; ts != nil {
		return ts
	}
	if len(c.tmpls) >= maxPackFamilies {
		return nil
	}
	ts := &tmplSet{all: &c.allTmpls, allMax: c.maxTmpls}
	c.tmpls[family] = ts
	return ts
}

// writtenEntry is how an entry written by appendWritten is cached.
type writtenEntry struct {
	// ref is what the entry is packed against; packed nil: the entry is
	// ref's own bytes (it was recorded). ref nil: not packed.
	ref    *packRef
	packed []byte
	// replayed: it was written from a template (otherwise recorded as
	// one, or written as without templates).
	replayed bool
}

// appendWritten appends ob's entry, its Atom header and the object k.write
// writes, onto dst (which ends with "<entry>"), against the templates of
// ts (nil: none), and tells how it is packed (packed in pk's storage).
func appendWritten(dst []byte, k *kind, ob object, rc *renderCtx, g groupSel, ts *tmplSet, pk []byte) ([]byte, writtenEntry) {
	out := xmlOuts.Get().(*xmlOut)
	defer func() {
		out.buf, out.play, out.rec, out.packed = nil, nil, nil, nil
		xmlOuts.Put(out)
	}()
	start := len(dst)
	if ts == nil {
		out.begin(dst, nil, nil, pk)
		out.entryStart(k, ob, rc, g)
		k.write(rc, ob, out, g)
		return append(out.buf, uom.EntryEnd...), writtenEntry{}
	}
	list := ts.templates()
	first := int(ts.last.Load())
	for n := range list {
		i := (first + n) % len(list)
		t := list[i]
		out.begin(dst, t, nil, pk)
		out.entryStart(k, ob, rc, g)
		k.write(rc, ob, out, g)
		if out.end() {
			if i != first {
				ts.last.Store(int32(i))
			}
			return out.buf, writtenEntry{ref: t.ref, packed: out.packed, replayed: true}
		}
		dst, pk = out.buf[:start], out.packed[:0]
	}
	if len(list) < maxTemplates && (ts.all == nil || ts.all.Load() < ts.allMax) {
		t := &entryTmpl{}
		out.begin(dst, nil, t, pk)
		out.entryStart(k, ob, rc, g)
		k.write(rc, ob, out, g)
		b := append(out.buf, uom.EntryEnd...)
		t.ref = newPackRef(append([]byte(nil), b[start:]...))
		if ts.add(t) {
			return b, writtenEntry{ref: t.ref}
		}
		return b, writtenEntry{} // too many templates: kept as it is
	}
	out.begin(dst, nil, nil, pk)
	out.entryStart(k, ob, rc, g)
	k.write(rc, ob, out, g)
	b := append(out.buf, uom.EntryEnd...)
	if len(list) == 0 {
		return b, writtenEntry{}
	}
	ref := list[0].ref
	if p := ref.pack(pk[:0], b[start:]); len(p) < (len(b)-start)/2 {
		return b, writtenEntry{ref: ref, packed: p}
	}
	return b, writtenEntry{}
}

// begin starts an entry at the end of dst: written as it is (play and rec
// nil), replayed from play, or recorded into rec.
func (o *xmlOut) begin(dst []byte, play, rec *entryTmpl, pk []byte) {
	o.buf, o.base = dst, len(dst)
	o.play, o.rec, o.at, o.bad = play, rec, 0, false
	o.ops = nil
	if play != nil {
		o.ops = play.ops
	}
	o.from, o.lit = 0, len(dst)
	o.packed = pk[:0]
	o.seq = 0
	o.resetScratch()
}

// end finishes a replayed entry: the rest of the template is written and
// the packed form ended. It tells whether the entry followed the
// template to its end (otherwise what was written is to be dropped).
func (o *xmlOut) end() bool {
	if o.bad || o.at != len(o.ops) {
		return false
	}
	rb := o.play.ref.b
	if len(rb)-o.from < packMinRun {
		o.buf = append(o.buf, rb[o.from:]...)
	} else {
		o.run(len(rb))
	}
	o.packed = binary.AppendUvarint(o.packed, uint64(len(o.buf)-o.lit))
	o.packed = append(o.packed, o.buf[o.lit:]...)
	return true
}

// next returns the template's next call when it is the one the renderer
// makes now (nil otherwise: the replay is over).
func (o *xmlOut) next(kind opKind, id uint32, name, aux string) *tmplOp {
	if o.bad {
		return nil
	}
	if o.at < len(o.ops) {
		op := &o.ops[o.at]
		// Names are mostly the same constant: their pointers are
		// compared first.
		if op.kind == kind && op.id == id && len(op.name) == len(name) &&
			(unsafe.StringData(op.name) == unsafe.StringData(name) || op.name == name) &&
			len(op.aux) == len(aux) && (len(aux) == 0 || op.aux == aux) {
			o.at++
			return op
		}
	}
	o.bad = true
	return nil
}

// differ is called before a value that differs from the template's op:
// the template up to the value is written (a run of it, or literal bytes
// when short), the caller writes the value, and the template goes on
// after the value.
func (o *xmlOut) differ(op *tmplOp) { o.differAt(int(op.start), int(op.end)) }

// differAt is differ for a value the caller writes instead of the
// template's bytes from s to e.
func (o *xmlOut) differAt(s, e int) {
	if s-o.from < packMinRun {
		o.buf = append(o.buf, o.play.ref.b[o.from:s]...)
	} else {
		o.run(s)
	}
	o.from = e
}

// run ends the literal being written and writes the template's bytes from
// o.from to to as a run.
func (o *xmlOut) run(to int) {
	o.packed = binary.AppendUvarint(o.packed, uint64(len(o.buf)-o.lit))
	o.packed = append(o.packed, o.buf[o.lit:]...)
	o.packed = binary.AppendUvarint(o.packed, uint64(o.from))
	o.packed = binary.AppendUvarint(o.packed, uint64(to-o.from))
	o.buf = append(o.buf, o.play.ref.b[o.from:to]...)
	o.lit = len(o.buf)
}

// record keeps op, with the value written from start (-1: none) to the
// end of the buffer.
func (o *xmlOut) record(op tmplOp, start int) { o.recordAt(op, start, len(o.buf)) }

// recordAt keeps op, with the value written from start (-1: none) to end.
func (o *xmlOut) recordAt(op tmplOp, start, end int) {
	op.start, op.end = -1, -1
	if start >= 0 {
		op.start, op.end = int32(start-o.base), int32(end-o.base)
		op.plain = asciiPlain(op.s)
	}
	o.rec.ops = append(o.rec.ops, op)
}

// asciiPlain tells whether s is printable ASCII that needs no escaping
// in element content or attribute values: any part of it is written as
// it is, and a string that starts or ends as s does is cut there on a
// character's boundary.
func asciiPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7F || c == '<' || c == '>' || c == '&' || c == '"' {
			return false
		}
	}
	return s != ""
}

// playText replays a text value.
func (o *xmlOut) playText(op *tmplOp, text string, attr bool) {
	if op == nil || !op.written {
		return
	}
	if (text == "") != op.empty {
		o.bad = true
		return
	}
	if op.start < 0 || text == op.s {
		return
	}
	if op.plain {
		// The template's value is its bytes: what the two values start
		// and end with alike (ASCII, escaped as it is) stays the
		// template's, only the middle is written (two hrefs differ in
		// the UUIDs they hold).
		n := min(len(text), len(op.s))
		p := 0
		for p < n && text[p] == op.s[p] {
			p++
		}
		q := 0
		for q < n-p && text[len(text)-1-q] == op.s[len(op.s)-1-q] {
			q++
		}
		o.differAt(int(op.start)+p, int(op.end)-q)
		text = text[p : len(text)-q]
	} else {
		o.differ(op)
	}
	if attr {
		o.buf = uom.AppendAttr(o.buf, text)
	} else {
		o.buf = uom.AppendText(o.buf, text)
	}
}

// playInt replays a number.
func (o *xmlOut) playInt(op *tmplOp, v int64) {
	if op == nil || !op.written || v == op.i {
		return
	}
	o.differ(op)
	o.buf = strconv.AppendInt(o.buf, v, 10)
}

// playUnits replays processing units.
func (o *xmlOut) playUnits(op *tmplOp, u model.Units) {
	if op == nil || !op.written || int64(u) == op.i {
		return
	}
	o.differ(op)
	o.buf = u.Append(o.buf)
}

// header writes a value of the Atom header: pre, the value, post; an
// optional value that is empty is not written at all.
func (o *xmlOut) header(pre, v, post string, attr, optional bool) {
	if o.play != nil {
		o.playText(o.next(opHeader, 0, pre, ""), v, attr)
		return
	}
	if optional && v == "" {
		if o.rec != nil {
			o.record(tmplOp{kind: opHeader, name: pre, written: true, empty: true}, -1)
		}
		return
	}
	o.buf = append(o.buf, pre...)
	start := len(o.buf)
	if attr {
		o.buf = uom.AppendAttr(o.buf, v)
	} else {
		o.buf = uom.AppendText(o.buf, v)
	}
	if o.rec != nil {
		o.record(tmplOp{kind: opHeader, name: pre, written: true, s: v, empty: v == ""}, start)
	}
	o.buf = append(o.buf, post...)
}

// entryStart writes the Atom header of ob's entry after "<entry>", as
// uom.AppendEntryStart writes entryHeader's (a test holds the two alike).
func (o *xmlOut) entryStart(k *kind, ob object, rc *renderCtx, g groupSel) {
	o.header(`<id>`, ob.uuid, `</id>`, false, false)
	o.header(`<title>`, k.name, `</title>`, false, false)
	o.header(`<published>`, rc.published(), `</published>`, false, true)
	href := append(o.scr, rc.base...)
	href = append(href, rc.prefix...)
	href = append(href, ob.uuid...)
	if g.key != "" {
		href = append(href, "?group="...)
		href = append(href, g.key...)
	}
	o.header(`<link rel="SELF" href="`, o.view(href), `"/>`, true, false)
	if o.play == nil {
		o.buf = append(o.buf, `<author><name>`+uom.Generator+`</name></author>`...)
	}
	o.header(`<etag:etag xmlns:etag="`+uom.NSUOM+`" xmlns="`+uom.NSUOM+`">`, o.view(strconv.AppendUint(o.scr, ob.rev, 10)), `</etag:etag>`, false, true)
	o.header(`<content type="`, k.mediaType(), `">`, true, false)
}

// view returns v, appended to o's scratch space, as a string for one
// call (see builder.str).
func (o *xmlOut) view(v []byte) string {
	if o.rec != nil {
		return string(v)
	}
	o.scr = v[len(v):]
	return unsafe.String(unsafe.SliceData(v), len(v))
}
