package uom

import (
	"bytes"
	"fmt"
	"strings"
)

// Link is an Atom <link>.
type Link struct {
	Rel  string
	Href string
	// Type is the media type of the target ("" when absent; the pcm
	// service's feeds link their JSON files with a type and no rel).
	Type string
}

// Entry is an Atom entry as the PowerVM REST API sends it: the object's
// UUID as <id>, its type as <title>, links, an etag in the uom namespace and
// the object element as the first child of <content>.
type Entry struct {
	ID string
	// Updated, TitleType and Categories appear in the pcm service's feeds.
	Updated    string
	Title      string
	TitleType  string
	Published  string
	Links      []Link
	Author     string
	Categories []string // term of each <category>
	Etag       string   // the etag value, without quotes or whitespace
	// ContentType is the type attribute of <content>, e.g.
	// "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition".
	ContentType string
	Content     *Element
}

// Feed is an Atom feed of entries.
type Feed struct {
	ID      string
	Updated string
	// Title, Subtitle and their types appear in the pcm service's feeds
	// (a subtitle may be empty: it is written when it or its type is set).
	Title, TitleType       string
	Subtitle, SubtitleType string
	Links                  []Link
	Generator              string
	// GeneratorURI and GeneratorVersion are the pcm feeds' generator attributes.
	GeneratorURI, GeneratorVersion string
	Entries                        []*Entry
}

// SelfLink returns the href of the first link with rel SELF.
func (e *Entry) SelfLink() string { return selfLink(e.Links) }

// SelfLink returns the href of the first link with rel SELF.
func (f *Feed) SelfLink() string { return selfLink(f.Links) }

func selfLink(ls []Link) string {
	for _, l := range ls {
		if l.Rel == "SELF" {
			return l.Href
		}
	}
	return ""
}

// ContentTypeName returns the type= part of the content type ("LogicalPartition").
func (e *Entry) ContentTypeName() string {
	_, t, _ := ParseMediaType(e.ContentType)
	return t
}

// ParseEntry reads an Atom <entry> element.
func ParseEntry(el *Element) (*Entry, error) {
	if el == nil || el.Local != "entry" || el.Space != NSAtom {
		return nil, fmt.Errorf("not an Atom entry: <%s>", nameOf(el))
	}
	e := &Entry{}
	for _, c := range el.Children {
		switch c.Local {
		case "id":
			e.ID = strings.TrimSpace(c.Text)
		case "updated":
			e.Updated = strings.TrimSpace(c.Text)
		case "title":
			e.Title = strings.TrimSpace(c.Text)
			e.TitleType = c.Attr("type")
		case "published":
			e.Published = strings.TrimSpace(c.Text)
		case "link":
			e.Links = append(e.Links, parseLink(c))
		case "author":
			e.Author, _ = c.FindText("name")
		case "category":
			e.Categories = append(e.Categories, c.Attr("term"))
		case "etag":
			e.Etag = strings.TrimSpace(c.Text)
		case "content":
			e.ContentType = c.Attr("type")
			if len(c.Children) > 0 {
				e.Content = c.Children[0]
			}
		}
	}
	return e, nil
}

// ParseFeed reads an Atom <feed> element.
func ParseFeed(el *Element) (*Feed, error) {
	if el == nil || el.Local != "feed" || el.Space != NSAtom {
		return nil, fmt.Errorf("not an Atom feed: <%s>", nameOf(el))
	}
	f := &Feed{}
	for _, c := range el.Children {
		switch c.Local {
		case "id":
			f.ID = strings.TrimSpace(c.Text)
		case "updated":
			f.Updated = strings.TrimSpace(c.Text)
		case "title":
			f.Title, f.TitleType = strings.TrimSpace(c.Text), c.Attr("type")
		case "subtitle":
			f.Subtitle, f.SubtitleType = strings.TrimSpace(c.Text), c.Attr("type")
		case "link":
			f.Links = append(f.Links, parseLink(c))
		case "generator":
			f.Generator = strings.TrimSpace(c.Text)
			f.GeneratorURI, f.GeneratorVersion = c.Attr("uri"), c.Attr("version")
		case "entry":
			e, err := ParseEntry(c)
			if err != nil {
				return nil, err
			}
			f.Entries = append(f.Entries, e)
		}
	}
	return f, nil
}

func parseLink(c *Element) Link {
	return Link{Rel: c.Attr("rel"), Href: c.Attr("href"), Type: c.Attr("type")}
}

func nameOf(el *Element) string {
	if el == nil {
		return "nil"
	}
	return el.Local
}

var envelopeDecls = []Attr{{Local: "", Value: NSAtom}, {Local: "ns2", Value: NSOpenSearch}, {Local: "ns3", Value: NSXHTML}}

// Element returns the entry as an <entry> element tree.
func (e *Entry) Element() *Element {
	return e.element(true)
}

func (e *Entry) element(root bool) *Element {
	el := &Element{Space: NSAtom, Local: "entry"}
	if root {
		el.NSDecls = envelopeDecls
	}
	el.Append(atomText("id", e.ID))
	if e.Updated != "" {
		el.Append(atomText("updated", e.Updated))
	}
	if e.Title != "" || e.TitleType != "" {
		el.Append(atomTyped("title", e.TitleType, e.Title))
	}
	if e.Published != "" {
		el.Append(atomText("published", e.Published))
	}
	for _, l := range e.Links {
		el.Append(atomLink(l))
	}
	if e.Author != "" {
		el.Append(NewElement(NSAtom, "author").Append(atomText("name", e.Author)))
	}
	for _, term := range e.Categories {
		el.Append(&Element{Space: NSAtom, Local: "category", Attrs: []Attr{{Local: "term", Value: term}}})
	}
	if e.Etag != "" {
		el.Append(&Element{Space: NSUOM, Prefix: "etag", Local: "etag", Text: e.Etag,
			NSDecls: []Attr{{Local: "etag", Value: NSUOM}, {Local: "", Value: NSUOM}}})
	}
	if e.ContentType != "" || e.Content != nil {
		c := &Element{Space: NSAtom, Local: "content", Attrs: []Attr{{Local: "type", Value: e.ContentType}}}
		if e.Content != nil {
			c.Append(e.Content)
		}
		el.Append(c)
	}
	return el
}

// Element returns the feed as a <feed> element tree.
func (f *Feed) Element() *Element {
	el := &Element{Space: NSAtom, Local: "feed", NSDecls: envelopeDecls}
	el.Append(atomText("id", f.ID))
	if f.Updated != "" {
		el.Append(atomText("updated", f.Updated))
	}
	if f.Title != "" || f.TitleType != "" {
		el.Append(atomTyped("title", f.TitleType, f.Title))
	}
	if f.Subtitle != "" || f.SubtitleType != "" {
		el.Append(atomTyped("subtitle", f.SubtitleType, f.Subtitle))
	}
	for _, l := range f.Links {
		el.Append(atomLink(l))
	}
	if f.Generator != "" || f.GeneratorURI != "" || f.GeneratorVersion != "" {
		g := atomText("generator", f.Generator)
		if f.GeneratorURI != "" {
			g.SetAttr("uri", f.GeneratorURI)
		}
		if f.GeneratorVersion != "" {
			g.SetAttr("version", f.GeneratorVersion)
		}
		el.Append(g)
	}
	for _, e := range f.Entries {
		el.Append(e.element(false))
	}
	return el
}

func atomText(local, text string) *Element {
	return &Element{Space: NSAtom, Local: local, Text: text}
}

// atomTyped is a text construct with an optional type attribute.
func atomTyped(local, typ, text string) *Element {
	el := atomText(local, text)
	if typ != "" {
		el.Attrs = []Attr{{Local: "type", Value: typ}}
	}
	return el
}

// atomLink writes rel and type only when set (href always).
func atomLink(l Link) *Element {
	el := &Element{Space: NSAtom, Local: "link"}
	if l.Rel != "" {
		el.Attrs = append(el.Attrs, Attr{Local: "rel", Value: l.Rel})
	}
	if l.Type != "" {
		el.Attrs = append(el.Attrs, Attr{Local: "type", Value: l.Type})
	}
	el.Attrs = append(el.Attrs, Attr{Local: "href", Value: l.Href})
	return el
}

// EntryHeader is what a server writes around a pre-encoded object: the
// envelope of an entry whose content bytes are cached.
type EntryHeader struct {
	ID          string
	Title       string
	Published   string
	Links       []Link
	Etag        string
	ContentType string
}

// AppendEntry writes an <entry> around content (an encoded object element)
// into b. root says whether the entry is a document root (and so declares
// the Atom namespaces) or sits inside a feed.
func AppendEntry(b *bytes.Buffer, h *EntryHeader, content []byte, root bool) {
	b.Write(AppendEntryStart(b.AvailableBuffer(), h, root))
	b.Write(content)
	b.WriteString(EntryEnd)
}

// AppendEntryStart appends what AppendEntry writes before the content,
// for servers that encode the object straight after it (and then append
// EntryEnd).
func AppendEntryStart(dst []byte, h *EntryHeader, root bool) []byte {
	if root {
		dst = append(dst, `<entry xmlns="`+NSAtom+`" xmlns:ns2="`+NSOpenSearch+`" xmlns:ns3="`+NSXHTML+`">`...)
	} else {
		dst = append(dst, `<entry>`...)
	}
	dst = append(dst, `<id>`...)
	dst = AppendText(dst, h.ID)
	dst = append(dst, `</id><title>`...)
	dst = AppendText(dst, h.Title)
	dst = append(dst, `</title>`...)
	if h.Published != "" {
		dst = append(dst, `<published>`...)
		dst = AppendText(dst, h.Published)
		dst = append(dst, `</published>`...)
	}
	for _, l := range h.Links {
		dst = append(dst, `<link rel="`...)
		dst = AppendAttr(dst, l.Rel)
		dst = append(dst, `" href="`...)
		dst = AppendAttr(dst, l.Href)
		dst = append(dst, `"/>`...)
	}
	dst = append(dst, `<author><name>`+Generator+`</name></author>`...)
	if h.Etag != "" {
		dst = append(dst, `<etag:etag xmlns:etag="`+NSUOM+`" xmlns="`+NSUOM+`">`...)
		dst = AppendText(dst, h.Etag)
		dst = append(dst, `</etag:etag>`...)
	}
	dst = append(dst, `<content type="`...)
	dst = AppendAttr(dst, h.ContentType)
	return append(dst, `">`...)
}

// EntryEnd closes what AppendEntryStart opened.
const EntryEnd = `</content></entry>`

// AppendFeedStart writes the opening of a feed (up to its first entry).
func AppendFeedStart(b *bytes.Buffer, id, updated string, links []Link) {
	b.WriteString(`<feed xmlns="` + NSAtom + `" xmlns:ns2="` + NSOpenSearch + `" xmlns:ns3="` + NSXHTML + `"><id>`)
	escapeText(b, id)
	b.WriteString(`</id><updated>`)
	escapeText(b, updated)
	b.WriteString(`</updated>`)
	for _, l := range links {
		appendLink(b, l)
	}
	b.WriteString(`<generator>` + Generator + `</generator>`)
}

// AppendFeedEnd closes a feed.
func AppendFeedEnd(b *bytes.Buffer) { b.WriteString(`</feed>`) }

func appendLink(b *bytes.Buffer, l Link) {
	b.WriteString(`<link rel="`)
	escapeAttr(b, l.Rel)
	b.WriteString(`" href="`)
	escapeAttr(b, l.Href)
	b.WriteString(`"/>`)
}
