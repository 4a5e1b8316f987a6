package uom

import (
	"errors"
	"fmt"
	"strings"
)

// Attr is an attribute of an element. Space is the resolved namespace of a
// prefixed attribute ("" for the usual unprefixed ones such as kb and kxe).
type Attr struct {
	Space, Prefix, Local string
	Value                string
}

// Element is one node of a PowerVM XML document. Space is the resolved
// namespace URI; Prefix is the prefix the document used (kept only so that
// documents re-encode the way they came). A leaf carries Text; a container
// carries Children (whitespace between children is not kept). Elements a
// decoder made may share one Attrs slice: replace it, never write into it.
type Element struct {
	Space    string
	Prefix   string
	Local    string
	Attrs    []Attr
	NSDecls  []Attr // namespace declarations written on this element (Local = prefix, "" = default)
	Text     string
	Children []*Element
}

// NewElement returns an element in namespace ns.
func NewElement(ns, local string) *Element { return &Element{Space: ns, Local: local} }

// Leaf returns a leaf element with text and the usual kb/kxe attributes
// (kb omitted when empty).
func Leaf(ns, local, kb, text string) *Element {
	e := &Element{Space: ns, Local: local, Text: text}
	if kb != "" {
		e.Attrs = []Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}
	}
	return e
}

// ErrSyntax wraps every decoding failure.
var ErrSyntax = errors.New("malformed XML")

// SyntaxError says where a document could not be decoded.
type SyntaxError struct {
	Line  int
	Msg   string
	limit bool // a Limits bound was reached
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("malformed XML at line %d: %s", e.Line, e.Msg)
	}
	return "malformed XML: " + e.Msg
}

// ErrLimit wraps the decoding failures of documents beyond the decoder's
// Limits (they are syntax errors too).
var ErrLimit = errors.New("XML document beyond the decoder's limits")

func (e *SyntaxError) Unwrap() []error {
	if e.limit {
		return []error{ErrSyntax, ErrLimit}
	}
	return []error{ErrSyntax}
}

// MaxDepth bounds the nesting of decoded documents.
const MaxDepth = 64

// Child returns the first child with the given local name, or nil.
func (e *Element) Child(local string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Local == local {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns every child with the given local name.
func (e *Element) ChildrenNamed(local string) []*Element {
	if e == nil {
		return nil
	}
	var out []*Element
	for _, c := range e.Children {
		if c.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// Find follows a slash-separated path of local names ("A/B/C") and returns
// the first match, or nil.
func (e *Element) Find(path string) *Element {
	cur := e
	for rest := path; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, "/")
		if p == "" {
			continue
		}
		cur = cur.Child(p)
		if cur == nil {
			return nil
		}
	}
	return cur
}

// FindAll returns every element at the path (the last step may match many).
func (e *Element) FindAll(path string) []*Element {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := e
	for _, p := range parts[:len(parts)-1] {
		cur = cur.Child(p)
		if cur == nil {
			return nil
		}
	}
	return cur.ChildrenNamed(parts[len(parts)-1])
}

// FindText returns the trimmed text at the path and whether it exists.
func (e *Element) FindText(path string) (string, bool) {
	c := e.Find(path)
	if c == nil {
		return "", false
	}
	return strings.TrimSpace(c.Text), true
}

// Attr returns the value of the unprefixed attribute name ("" when absent).
func (e *Element) Attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Space == "" && a.Local == name {
			return a.Value
		}
	}
	return ""
}

// SetAttr sets (or adds) an unprefixed attribute.
// Decoded elements may share their Attrs slice (identical attribute lists
// are decoded once), so SetAttr copies before it writes; code that edits
// Attrs itself must do the same.
func (e *Element) SetAttr(name, value string) {
	attrs := make([]Attr, len(e.Attrs), len(e.Attrs)+1)
	copy(attrs, e.Attrs)
	e.Attrs = attrs
	for i, a := range e.Attrs {
		if a.Space == "" && a.Local == name {
			e.Attrs[i].Value = value
			return
		}
	}
	e.Attrs = append(e.Attrs, Attr{Local: name, Value: value})
}

// Append adds children and returns e.
func (e *Element) Append(children ...*Element) *Element {
	e.Children = append(e.Children, children...)
	return e
}

// Remove deletes every child named local and reports how many went.
func (e *Element) Remove(local string) int {
	n := 0
	kept := e.Children[:0]
	for _, c := range e.Children {
		if c.Local == local {
			n++
			continue
		}
		kept = append(kept, c)
	}
	for i := len(kept); i < len(e.Children); i++ {
		e.Children[i] = nil
	}
	e.Children = kept
	return n
}

// Clone returns a deep copy.
func (e *Element) Clone() *Element {
	if e == nil {
		return nil
	}
	c := *e
	c.Attrs = append([]Attr(nil), e.Attrs...)
	c.NSDecls = append([]Attr(nil), e.NSDecls...)
	if e.Children != nil {
		c.Children = make([]*Element, len(e.Children))
		for i, ch := range e.Children {
			c.Children[i] = ch.Clone()
		}
	}
	return &c
}

// Walk calls fn on e and every descendant, depth first, with the path of
// local names from e (e itself has path e.Local). fn returning false skips
// the children of that element.
func (e *Element) Walk(fn func(path string, el *Element) bool) {
	var rec func(p string, el *Element)
	rec = func(p string, el *Element) {
		if !fn(p, el) {
			return
		}
		for _, c := range el.Children {
			rec(p+"/"+c.Local, c)
		}
	}
	rec(e.Local, e)
}
