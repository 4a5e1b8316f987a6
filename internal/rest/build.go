package rest

import (
	"strconv"
	"sync"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// builder appends children to an object element in the order the code
// calls it (renderers follow the schema order; a test checks they do),
// taking each element's kb attribute from the schema.
//
// A builder either builds a tree (el) or writes straight to bytes (out,
// see xmlout.go); the renderers cannot tell.
type builder struct {
	el     *uom.Element
	schema *uom.SchemaNode
	ns     string

	out   *xmlOut
	depth int    // elements open in out, this one included
	id    uint32 // which element of out this is
	skip  bool   // out: this element was filtered out; nothing below is written
	tags  *tagSet
	pos   int // out: where in the schema the last child was
}

// schemaVersion is what NovaLink writes on every complex element.
const schemaVersion = "V1_3_0"

// newObject starts an object element the way the REST server writes one:
// <T:T xmlns:T=NS xmlns=NS xmlns:ns2=K2 schemaVersion=...> with its
// Metadata/Atom (AtomID, AtomCreated).
func newObject(ns, typ, atomID string, created int64, schema *uom.SchemaNode) *builder {
	el := &uom.Element{Space: ns, Prefix: typ, Local: typ,
		NSDecls: []uom.Attr{{Local: typ, Value: ns}, {Local: "", Value: ns}, {Local: "ns2", Value: uom.NSK2}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: schemaVersion}}}
	atom := uom.NewElement(ns, "Atom")
	if atomID != "" {
		atom.Append(&uom.Element{Space: ns, Local: "AtomID", Text: atomID},
			&uom.Element{Space: ns, Local: "AtomCreated", Text: strconv.FormatInt(created, 10)})
	}
	el.Append(uom.NewElement(ns, "Metadata").Append(atom))
	return &builder{el: el, schema: schema, ns: ns}
}

func (b *builder) attrs(name string) []uom.Attr {
	s := b.schema.Child(name)
	if s == nil {
		return []uom.Attr{{Local: "kb", Value: "CUD"}, {Local: "kxe", Value: "false"}}
	}
	return leafAttrsOf(s)
}

// leafAttrsOf returns the attributes of an element of schema s.
func leafAttrsOf(s *uom.SchemaNode) []uom.Attr {
	if v, ok := leafAttrs.Load(s); ok {
		a := v.([]uom.Attr)
		return a[:len(a):len(a)] // shared: an append copies
	}
	kb := "CUD"
	var a []uom.Attr
	if s.KB != "" {
		kb = s.KB
	}
	if s.KSV != "" {
		a = append(a, uom.Attr{Local: "ksv", Value: s.KSV})
	}
	if s.Group != "" {
		a = append(a, uom.Attr{Local: "group", Value: s.Group})
	}
	a = append(a, uom.Attr{Local: "kb", Value: kb}, uom.Attr{Local: "kxe", Value: "false"})
	leafAttrs.Store(s, a)
	return a[:len(a):len(a)]
}

// leafAttrs holds the attributes of each schema element, computed once;
// rendered elements share them (nothing changes a rendered element's
// attributes in place).
var leafAttrs sync.Map // *uom.SchemaNode -> []uom.Attr

// leaf adds <name kb=.. kxe="false">text</name>.
func (b *builder) leaf(name, text string) *builder {
	if b.out != nil {
		b.streamLeaf(name, text)
		return b
	}
	b.el.Append(&uom.Element{Space: b.ns, Local: name, Attrs: b.attrs(name), Text: text})
	return b
}

func (b *builder) int(name string, v int) *builder {
	if b.out != nil {
		b.streamInt(name, v)
		return b
	}
	return b.leaf(name, strconv.Itoa(v))
}

func (b *builder) bool(name string, v bool) *builder {
	if b.out != nil {
		b.streamBool(name, v)
		return b
	}
	if v {
		return b.leaf(name, "true")
	}
	return b.leaf(name, "false")
}

func (b *builder) units(name string, u model.Units) *builder {
	if b.out != nil {
		b.streamUnits(name, u)
		return b
	}
	return b.leaf(name, u.String())
}

// empty adds an element with no content.
func (b *builder) empty(name string) *builder {
	if b.out != nil {
		b.streamLeaf(name, "")
		return b
	}
	b.el.Append(&uom.Element{Space: b.ns, Local: name, Attrs: b.attrs(name)})
	return b
}

// sub adds a complex child (schemaVersion and Metadata/Atom) and returns its
// builder.
func (b *builder) sub(name string) *builder {
	if b.out != nil {
		return b.streamOpen(name, true, true)
	}
	attrs := append(b.attrs(name), uom.Attr{Local: "schemaVersion", Value: schemaVersion})
	el := &uom.Element{Space: b.ns, Local: name, Attrs: attrs}
	el.Append(uom.NewElement(b.ns, "Metadata").Append(uom.NewElement(b.ns, "Atom")))
	b.el.Append(el)
	return &builder{el: el, schema: b.schema.Child(name), ns: b.ns}
}

// item adds a complex list item (schemaVersion and Metadata/Atom, no access
// attributes: the captures write none on list items such as TrunkAdapter,
// LoadGroup, SharedEthernetAdapter or ProfileIOSlot) and returns its builder.
func (b *builder) item(name string) *builder {
	if b.out != nil {
		return b.streamOpen(name, false, true)
	}
	el := &uom.Element{Space: b.ns, Local: name, Attrs: []uom.Attr{{Local: "schemaVersion", Value: schemaVersion}}}
	el.Append(uom.NewElement(b.ns, "Metadata").Append(uom.NewElement(b.ns, "Atom")))
	b.el.Append(el)
	return &builder{el: el, schema: b.schema.Child(name), ns: b.ns}
}

// plain adds a container that is not a complex type (access attributes but
// no schemaVersion or Metadata, as BackingDeviceChoice) and returns its
// builder.
func (b *builder) plain(name string) *builder {
	if b.out != nil {
		return b.streamOpen(name, true, false)
	}
	el := &uom.Element{Space: b.ns, Local: name, Attrs: b.attrs(name)}
	b.el.Append(el)
	return &builder{el: el, schema: b.schema.Child(name), ns: b.ns}
}

// bare adds a container without attributes (the choice wrappers
// IOAdapterChoice and VirtualNICBackingDeviceChoice, as the captures
// write them) and returns its builder.
func (b *builder) bare(name string) *builder {
	el := &uom.Element{Space: b.ns, Local: name}
	b.el.Append(el)
	return &builder{el: el, schema: b.schema.Child(name), ns: b.ns}
}

// leafKB adds a leaf the schema does not know, with the access attribute
// given.
func (b *builder) leafKB(name, kb, text string) *builder {
	if b.out != nil {
		b.streamLeafTag(kbTag(name, kb), text)
		return b
	}
	b.el.Append(&uom.Element{Space: b.ns, Local: name, Text: text,
		Attrs: []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}})
	return b
}

// kbTags holds the tags leafKB writes, by name and access attribute, each
// made once.
var (
	kbTagsMu sync.RWMutex
	kbTags   = map[[2]string]*tag{}
)

func kbTag(name, kb string) *tag {
	key := [2]string{name, kb}
	kbTagsMu.RLock()
	t := kbTags[key]
	kbTagsMu.RUnlock()
	if t != nil {
		return t
	}
	nt := makeTag(name, []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}})
	kbTagsMu.Lock()
	defer kbTagsMu.Unlock()
	if t = kbTags[key]; t == nil {
		t = &nt
		kbTags[key] = t
	}
	return t
}

// leafWith adds <name attrs>text</name> with exactly the attributes given
// (an element the captures write otherwise than its schema's defaults, as
// PartitionNVRAM); a group attribute among them groups it.
func (b *builder) leafWith(name string, attrs []uom.Attr, text string) *builder {
	if b.out != nil {
		t := makeTag(name, attrs)
		for _, a := range attrs {
			if a.Local == "group" {
				t.group = a.Value
			}
		}
		b.streamLeafTag(&t, text)
		return b
	}
	b.el.Append(&uom.Element{Space: b.ns, Local: name, Text: text, Attrs: attrs})
	return b
}

// has tells whether the schema of the element being built has a child.
func (b *builder) has(name string) bool { return b.schema.Child(name) != nil }

// link adds <name href=.. rel="related"/>.
func (b *builder) link(name, href string) *builder {
	if b.out != nil {
		b.streamLinks(name, true, href)
		return b
	}
	attrs := append(b.attrs(name), uom.Attr{Local: "href", Value: href}, uom.Attr{Local: "rel", Value: "related"})
	b.el.Append(&uom.Element{Space: b.ns, Local: name, Attrs: attrs})
	return b
}

// links adds <name><link href=.. rel="related"/>...</name>.
func (b *builder) links(name string, hrefs []string) *builder {
	if b.out != nil {
		b.streamLinks(name, false, hrefs...)
		return b
	}
	el := &uom.Element{Space: b.ns, Local: name, Attrs: b.attrs(name)}
	for _, h := range hrefs {
		el.Append(&uom.Element{Space: b.ns, Local: "link", Attrs: []uom.Attr{{Local: "href", Value: h}, {Local: "rel", Value: "related"}}})
	}
	b.el.Append(el)
	return b
}

// alwaysSent are groups NovaLink includes even with ?group=None (the
// captured ?group=None ManagedSystem carries its Hypervisor section).
var alwaysSent = map[string]bool{"Hypervisor": true}

// namedOnly are groups sent only when the request names them (or All):
// NovaLink leaves a partition's NVRAM (about 20 KB each) out of feeds
// read without ?group.
var namedOnly = map[string]bool{"NVRAM": true}

// filterGroups removes grouped sections not selected by g.
func filterGroups(el *uom.Element, g groupSel) {
	kept := el.Children[:0]
	for _, c := range el.Children {
		if grp := c.Attr("group"); grp != "" {
			if namedOnly[grp] && !g.names[grp] && !g.names["All"] {
				continue
			}
			if !g.all && !g.has(grp) && !alwaysSent[grp] {
				continue
			}
		}
		kept = append(kept, c)
	}
	el.Children = kept
}
