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
}

// Entry is an Atom entry as the PowerVM REST API sends it: the object's
// UUID as <id>, its type as <title>, links, an etag in the uom namespace and
// the object element as the first child of <content>.
type Entry struct {
	ID        string
	Title     string
	Published string
	Links     []Link
	Author    string
	Etag      string // the etag value, without quotes or whitespace
	// ContentType is the type attribute of <content>, e.g.
	// "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition".
	ContentType string
	Content     *Element
}

// Feed is an Atom feed of entries.
type Feed struct {
	ID        string
	Updated   string
	Links     []Link
	Generator string
	Entries   []*Entry
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
		case "title":
			e.Title = strings.TrimSpace(c.Text)
		case "published":
			e.Published = strings.TrimSpace(c.Text)
		case "link":
			e.Links = append(e.Links, Link{Rel: c.Attr("rel"), Href: c.Attr("href")})
		case "author":
			e.Author, _ = c.FindText("name")
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
		case "link":
			f.Links = append(f.Links, Link{Rel: c.Attr("rel"), Href: c.Attr("href")})
		case "generator":
			f.Generator = strings.TrimSpace(c.Text)
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
	if e.Title != "" {
		el.Append(atomText("title", e.Title))
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
	for _, l := range f.Links {
		el.Append(atomLink(l))
	}
	if f.Generator != "" {
		el.Append(atomText("generator", f.Generator))
	}
	for _, e := range f.Entries {
		el.Append(e.element(false))
	}
	return el
}

func atomText(local, text string) *Element {
	return &Element{Space: NSAtom, Local: local, Text: text}
}

func atomLink(l Link) *Element {
	return &Element{Space: NSAtom, Local: "link", Attrs: []Attr{{Local: "rel", Value: l.Rel}, {Local: "href", Value: l.Href}}}
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
	if root {
		b.WriteString(`<entry xmlns="` + NSAtom + `" xmlns:ns2="` + NSOpenSearch + `" xmlns:ns3="` + NSXHTML + `">`)
	} else {
		b.WriteString(`<entry>`)
	}
	b.WriteString(`<id>`)
	escapeText(b, h.ID)
	b.WriteString(`</id><title>`)
	escapeText(b, h.Title)
	b.WriteString(`</title>`)
	if h.Published != "" {
		b.WriteString(`<published>`)
		escapeText(b, h.Published)
		b.WriteString(`</published>`)
	}
	for _, l := range h.Links {
		appendLink(b, l)
	}
	b.WriteString(`<author><name>` + Generator + `</name></author>`)
	if h.Etag != "" {
		b.WriteString(`<etag:etag xmlns:etag="` + NSUOM + `" xmlns="` + NSUOM + `">`)
		escapeText(b, h.Etag)
		b.WriteString(`</etag:etag>`)
	}
	b.WriteString(`<content type="`)
	escapeAttr(b, h.ContentType)
	b.WriteString(`">`)
	b.Write(content)
	b.WriteString(`</content></entry>`)
}

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
