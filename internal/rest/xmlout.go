package rest

import (
	"strconv"
	"sync"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// xmlOut is where a builder writes when it renders an object straight to
// bytes instead of building an element tree: the same calls produce the
// bytes that encoding the tree would (a test holds every renderer to it),
// without an allocation per element. Elements close as the builder moves
// on: a call on a builder first closes whatever its earlier children left
// open, so renderers keep their tree-building shape.
type xmlOut struct {
	buf []byte
	// open are the elements not closed yet, the object element first.
	open []openEl
	// groups, when not all, drops the object's children of the extended
	// attribute groups not asked for (as filterGroups does on a tree).
	groups groupSel
	seq    uint32 // numbers the elements opened

	// An entry written against a template (template.go): play is the
	// template replayed (at: its next call; bad: the entry departed from
	// it; from: where in the template what is not written yet starts;
	// lit: where in buf the literal being written starts; packed: the
	// entry packed so far), rec the template being recorded. base is
	// where the entry starts in buf.
	play, rec *entryTmpl
	ops       []tmplOp // play's
	at        int
	bad       bool
	from, lit int
	base      int
	packed    []byte

	// builders are those of the entry being written (newBuilder); scr
	// is scratch space for its values (builder.scratch).
	builders []builder
	nb       int
	scr      []byte
	scrBase  []byte
}

// resetScratch makes the whole scratch space free again (builder.scratch).
func (o *xmlOut) resetScratch() {
	if o.scrBase == nil {
		o.scrBase = make([]byte, 0, 8<<10)
	}
	o.scr = o.scrBase[:0]
}

// newBuilder returns a builder for the entry being written, from o's
// (an entry's builders are done with when the next entry starts).
func (o *xmlOut) newBuilder() *builder {
	if o.nb == len(o.builders) {
		o.builders = make([]builder, max(16, 2*len(o.builders)))
		o.nb = 0
	}
	b := &o.builders[o.nb]
	o.nb++
	*b = builder{out: o}
	return b
}

type openEl struct {
	id  uint32 // the builder writing into it has the same
	end string // the end tag
	// bare: the start tag is not finished yet (no ">"): nothing inside it
	// was written, and it ends as an empty-element tag if nothing is.
	bare bool
}

var xmlOuts = sync.Pool{New: func() any { return new(xmlOut) }}

// object starts the object element (see newObject) and returns its
// builder.
func (o *xmlOut) object(ns, typ, atomID string, created int64, schema *uom.SchemaNode, g groupSel) *builder {
	o.groups = g
	o.seq++
	o.nb = 0
	o.resetScratch()
	root := o.newBuilder()
	root.depth, root.id, root.schema, root.ns = 1, o.seq, schema, ns
	if o.play != nil {
		if op := o.next(opObject, 0, typ, ns); op != nil {
			if (atomID == "") != op.empty {
				o.bad = true
			} else if atomID != "" {
				o.playText(op, atomID, false)
				o.playInt(o.next(opCreated, 0, "", ""), created)
			}
		}
		return root
	}
	o.open = append(o.open[:0], openEl{id: o.seq, end: "</" + typ + ":" + typ + ">"})
	b := o.buf
	b = append(b, '<')
	b = append(b, typ...)
	b = append(b, ':')
	b = append(b, typ...)
	b = append(b, ` xmlns:`...)
	b = append(b, typ...)
	b = append(b, `="`...)
	b = uom.AppendAttr(b, ns)
	b = append(b, `" xmlns="`...)
	b = uom.AppendAttr(b, ns)
	b = append(b, `" xmlns:ns2="`+uom.NSK2+`" schemaVersion="`+schemaVersion+`"><Metadata>`...)
	if atomID == "" {
		b = append(b, `<Atom/>`...)
		if o.rec != nil {
			o.buf = b
			o.record(tmplOp{kind: opObject, name: typ, aux: ns, written: true, empty: true}, -1)
		}
	} else {
		b = append(b, `<Atom><AtomID>`...)
		start := len(b)
		b = uom.AppendText(b, atomID)
		if o.rec != nil {
			o.buf = b
			o.record(tmplOp{kind: opObject, name: typ, aux: ns, written: true, s: atomID}, start)
		}
		b = append(b, `</AtomID><AtomCreated>`...)
		start = len(b)
		b = strconv.AppendInt(b, created, 10)
		if o.rec != nil {
			o.buf = b
			o.record(tmplOp{kind: opCreated, written: true, i: created}, start)
		}
		b = append(b, `</AtomCreated></Atom>`...)
	}
	o.buf = append(b, `</Metadata>`...)
	return root
}

// finish closes every element still open.
func (o *xmlOut) finish() {
	if o.play == nil {
		o.closeTo(0)
	}
}

// closeTo ends the open elements beyond the first depth.
func (o *xmlOut) closeTo(depth int) {
	for len(o.open) > depth {
		e := o.open[len(o.open)-1]
		if e.bare {
			o.buf = append(o.buf, "/>"...)
		} else {
			o.buf = append(o.buf, e.end...)
		}
		o.open = o.open[:len(o.open)-1]
	}
}

// into makes the element at depth, opened as id, the one being written
// into: the elements below it are ended, and its start tag finished. A
// builder whose element was ended already cannot write any more (the
// renderer went back to it after moving on to a sibling): that is a bug
// of the renderer, which a tree would have hidden.
func (o *xmlOut) into(depth int, id uint32) {
	if depth > len(o.open) || o.open[depth-1].id != id {
		panic("rest: a renderer wrote into an element it had left")
	}
	o.closeTo(depth)
	if top := &o.open[depth-1]; top.bare {
		o.buf = append(o.buf, '>')
		top.bare = false
	}
}

// tag is how a child element is written: its start tag up to the end of
// the access attributes (start, no ">"), the same finished (open) and as
// an empty-element tag (empty), its end tag, the whole element holding
// true and false, and its group.
type tag struct {
	start, open, empty, end string
	isTrue, isFalse         string
	group                   string
}

// tagSet holds the tags of a schema node's children, by child position,
// and the children's own tag sets; built once per schema tree.
type tagSet struct {
	node  *uom.SchemaNode
	names []string // the children's names, as the schema has them
	tags  []tag
	kids  []*tagSet
}

var tagSets sync.Map // *uom.SchemaNode -> *tagSet

func tagsOf(n *uom.SchemaNode) *tagSet {
	if v, ok := tagSets.Load(n); ok {
		return v.(*tagSet)
	}
	v, _ := tagSets.LoadOrStore(n, buildTags(n))
	return v.(*tagSet)
}

func buildTags(n *uom.SchemaNode) *tagSet {
	ts := &tagSet{node: n}
	if n != nil {
		ts.names = make([]string, len(n.Children))
		ts.tags = make([]tag, len(n.Children))
		ts.kids = make([]*tagSet, len(n.Children))
		for i, c := range n.Children {
			ts.names[i] = c.Name
			ts.tags[i] = makeTag(c.Name, leafAttrsOf(c))
			ts.tags[i].group = c.Group
			ts.kids[i] = buildTags(c)
		}
	}
	return ts
}

func makeTag(name string, attrs []uom.Attr) tag {
	b := []byte{'<'}
	b = append(b, name...)
	for _, a := range attrs {
		b = append(b, ' ')
		b = append(b, a.Local...)
		b = append(b, `="`...)
		b = uom.AppendAttr(b, a.Value)
		b = append(b, '"')
	}
	start, end := string(b), "</"+name+">"
	return tag{start: start, open: start + ">", empty: start + "/>", end: end,
		isTrue: start + ">true" + end, isFalse: start + ">false" + end}
}

// tag returns how the child name of b's element is written, and its
// position in the schema (-1: not in it). Renderers write children in
// schema order, so the schema is searched from the last child on before
// it is looked up by name.
func (b *builder) tag(name string) (*tag, int) {
	if b.tags == nil || b.tags.node != b.schema {
		b.tags, b.pos = tagsOf(b.schema), 0
	}
	names := b.tags.names
	for i := b.pos; i < len(names); i++ {
		if names[i] == name {
			b.pos = i
			return &b.tags.tags[i], i
		}
	}
	if i := b.schema.Position(name); i >= 0 {
		b.pos = i
		return &b.tags.tags[i], i
	}
	t := makeTag(name, b.attrs(name))
	return &t, -1
}

// child prepares the stream for a child of b's element and tells whether
// it is written at all (a grouped child of the object may be filtered).
func (b *builder) child(t *tag) bool {
	return b.childIn(t.group)
}

// childIn is child for a tag of group group.
func (b *builder) childIn(group string) bool {
	if b.skip {
		return false
	}
	if b.depth == 1 && group != "" {
		g := b.out.groups
		if namedOnly[group] && !g.names[group] && !g.names["All"] {
			return false
		}
		if !g.has(group) && !alwaysSent[group] {
			return false
		}
	}
	b.out.into(b.depth, b.id)
	return true
}

// streamLeaf writes <name attrs>text</name> (or <name attrs/>).
func (b *builder) streamLeaf(name, text string) {
	if o := b.out; o.play != nil {
		o.playText(o.next(opText, b.id, name, ""), text, false)
		return
	}
	t, _ := b.tag(name)
	b.streamLeafTag(t, text, opText, name, "")
}

// streamLeafTag writes a leaf of tag t; kind, name and aux are what a
// template records of the call.
func (b *builder) streamLeafTag(t *tag, text string, kind opKind, name, aux string) {
	o := b.out
	if !b.child(t) {
		if o.rec != nil {
			o.record(tmplOp{kind: kind, id: b.id, name: name, aux: aux}, -1)
		}
		return
	}
	if text == "" {
		o.buf = append(o.buf, t.empty...)
		if o.rec != nil {
			o.record(tmplOp{kind: kind, id: b.id, name: name, aux: aux, written: true, empty: true}, -1)
		}
		return
	}
	o.buf = append(o.buf, t.open...)
	start := len(o.buf)
	o.buf = uom.AppendText(o.buf, text)
	if o.rec != nil {
		o.record(tmplOp{kind: kind, id: b.id, name: name, aux: aux, written: true, s: text}, start)
	}
	o.buf = append(o.buf, t.end...)
}

// streamBool writes a leaf holding true or false.
func (b *builder) streamBool(name string, v bool) {
	o := b.out
	i := int64(0)
	if v {
		i = 1
	}
	if o.play != nil {
		op := o.next(opBool, b.id, name, "")
		if op == nil || !op.written || op.i == i {
			return
		}
		o.differ(op)
		if v {
			o.buf = append(o.buf, "true"...)
		} else {
			o.buf = append(o.buf, "false"...)
		}
		return
	}
	t, _ := b.tag(name)
	if !b.child(t) {
		if o.rec != nil {
			o.record(tmplOp{kind: opBool, id: b.id, name: name}, -1)
		}
		return
	}
	start := len(o.buf) + len(t.open)
	if v {
		o.buf = append(o.buf, t.isTrue...)
	} else {
		o.buf = append(o.buf, t.isFalse...)
	}
	if o.rec != nil {
		o.recordAt(tmplOp{kind: opBool, id: b.id, name: name, written: true, i: i}, start, len(o.buf)-len(t.end))
	}
}

// streamInt writes a leaf holding v.
func (b *builder) streamInt(name string, v int) {
	o := b.out
	if o.play != nil {
		o.playInt(o.next(opInt, b.id, name, ""), int64(v))
		return
	}
	t, _ := b.tag(name)
	if !b.child(t) {
		if o.rec != nil {
			o.record(tmplOp{kind: opInt, id: b.id, name: name}, -1)
		}
		return
	}
	o.buf = append(o.buf, t.open...)
	start := len(o.buf)
	o.buf = strconv.AppendInt(o.buf, int64(v), 10)
	if o.rec != nil {
		o.record(tmplOp{kind: opInt, id: b.id, name: name, written: true, i: int64(v)}, start)
	}
	o.buf = append(o.buf, t.end...)
}

// streamUnits writes a leaf holding u.
func (b *builder) streamUnits(name string, u model.Units) {
	o := b.out
	if o.play != nil {
		o.playUnits(o.next(opUnits, b.id, name, ""), u)
		return
	}
	t, _ := b.tag(name)
	if !b.child(t) {
		if o.rec != nil {
			o.record(tmplOp{kind: opUnits, id: b.id, name: name}, -1)
		}
		return
	}
	o.buf = append(o.buf, t.open...)
	start := len(o.buf)
	o.buf = u.Append(o.buf)
	if o.rec != nil {
		o.record(tmplOp{kind: opUnits, id: b.id, name: name, written: true, i: int64(u)}, start)
	}
	o.buf = append(o.buf, t.end...)
}

// streamOpen starts a container child: complex (schemaVersion and an empty
// Metadata/Atom) or not, with or without the access attributes, and
// returns its builder.
func (b *builder) streamOpen(name string, access, complex bool) *builder {
	kind := opSub
	switch {
	case !access:
		kind = opItem
	case !complex:
		kind = opPlain
	}
	if o := b.out; o.play != nil {
		nb := o.newBuilder()
		nb.depth, nb.ns = b.depth+1, b.ns
		op := o.next(kind, b.id, name, "")
		switch {
		case op == nil:
			nb.schema, nb.skip = b.schema.Child(name), true
		case op.skip:
			nb.schema, nb.tags, nb.skip = op.schema, op.tags, true
		default:
			o.seq++
			nb.schema, nb.tags, nb.id = op.schema, op.tags, o.seq
		}
		return nb
	}
	t, i := b.tag(name)
	group := t.group
	if !access {
		group = "" // what the group filter goes by is an access attribute
	}
	nb := b.out.newBuilder()
	nb.depth, nb.ns = b.depth+1, b.ns
	if i >= 0 {
		nb.schema, nb.tags = b.schema.Children[i], b.tags.kids[i]
	}
	o := b.out
	if !b.childIn(group) {
		nb.skip = true
		if o.rec != nil {
			o.record(tmplOp{kind: kind, id: b.id, name: name, skip: true, schema: nb.schema, tags: nb.tags}, -1)
		}
		return nb
	}
	o.seq++
	nb.id = o.seq
	if o.rec != nil {
		o.record(tmplOp{kind: kind, id: b.id, name: name, written: true, schema: nb.schema, tags: nb.tags}, -1)
	}
	if access {
		o.buf = append(o.buf, t.start...)
	} else {
		o.buf = append(o.buf, '<')
		o.buf = append(o.buf, name...)
	}
	if complex {
		o.buf = append(o.buf, ` schemaVersion="`+schemaVersion+`"><Metadata><Atom/></Metadata>`...)
		o.open = append(o.open, openEl{id: nb.id, end: t.end})
	} else {
		o.open = append(o.open, openEl{id: nb.id, end: t.end, bare: true})
	}
	return nb
}

// streamLinks writes <name attrs href=.. rel="related"/> (single) or
// <name attrs><link href=.. rel="related"/>...</name>.
func (b *builder) streamLinks(name string, single bool, hrefs ...string) {
	o := b.out
	kind := opLinks
	if single {
		kind = opLink
	}
	if o.play != nil {
		op := o.next(kind, b.id, name, "")
		switch {
		case op == nil || !op.written:
		case single:
			o.playText(op, hrefs[0], true)
		case op.n != len(hrefs):
			o.bad = true
		default:
			for _, h := range hrefs {
				o.playText(o.next(opHref, 0, "", ""), h, true)
			}
		}
		return
	}
	t, _ := b.tag(name)
	if !b.child(t) {
		if o.rec != nil {
			o.record(tmplOp{kind: kind, id: b.id, name: name}, -1)
		}
		return
	}
	o.buf = append(o.buf, t.start...)
	if single {
		o.buf = append(o.buf, ` href="`...)
		start := len(o.buf)
		o.buf = uom.AppendAttr(o.buf, hrefs[0])
		if o.rec != nil {
			o.record(tmplOp{kind: kind, id: b.id, name: name, written: true, s: hrefs[0], empty: hrefs[0] == ""}, start)
		}
		o.buf = append(o.buf, `" rel="related"/>`...)
		return
	}
	if o.rec != nil {
		o.record(tmplOp{kind: kind, id: b.id, name: name, written: true, n: len(hrefs)}, -1)
	}
	if len(hrefs) == 0 {
		o.buf = append(o.buf, "/>"...)
		return
	}
	o.buf = append(o.buf, '>')
	for _, h := range hrefs {
		o.buf = append(o.buf, `<link href="`...)
		start := len(o.buf)
		o.buf = uom.AppendAttr(o.buf, h)
		if o.rec != nil {
			o.record(tmplOp{kind: opHref, written: true, s: h, empty: h == ""}, start)
		}
		o.buf = append(o.buf, `" rel="related"/>`...)
	}
	o.buf = append(o.buf, t.end...)
}
