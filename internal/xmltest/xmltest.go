// Package xmltest compares uom element trees structurally, for tests: two
// documents are the same when their elements have the same namespace and
// local name, the same children in the same order, the same attributes
// (as a set of name and value; namespace declarations are not attributes)
// and the same text once surrounding whitespace is trimmed. Namespace
// prefixes and the whitespace between elements do not matter.
//
// Normalizers rewrite both trees (copies of them) before the comparison,
// so that values that legitimately differ from one run to the next (UUIDs,
// timestamps, etags, hosts) can be blanked out.
package xmltest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/uom"
)

// MaxDiffs bounds the number of differences Diff reports (the last line
// then says how many more there were).
const MaxDiffs = 200

// A Normalizer rewrites one element of a tree before comparison. path is
// the slash-separated path of local names from the root ("feed/entry/id").
// It may change el's text and attributes and remove or rewrite its
// children; Diff only ever gives it copies.
type Normalizer func(path string, el *uom.Element)

// Normalize returns a copy of el with every normalizer applied to every
// element, parents before their children.
func Normalize(el *uom.Element, norms ...Normalizer) *uom.Element {
	c := el.Clone()
	if c == nil || len(norms) == 0 {
		return c
	}
	c.Walk(func(path string, e *uom.Element) bool {
		for _, n := range norms {
			n(path, e)
		}
		return true
	})
	return c
}

// Placeholder is the text and attribute value normalizers put in place of
// volatile values.
const Placeholder = "~"

// BlankText replaces the (non-empty) text of every element whose local name
// is one of names by Placeholder. Empty text stays empty, so an element
// that lost its value is still reported.
func BlankText(names ...string) Normalizer {
	set := stringSet(names)
	return func(_ string, el *uom.Element) {
		if set[el.Local] && strings.TrimSpace(el.Text) != "" {
			el.Text = Placeholder
		}
	}
}

// ReplaceText rewrites the text of every element whose local name is name.
func ReplaceText(name string, fn func(string) string) Normalizer {
	return func(_ string, el *uom.Element) {
		if el.Local == name {
			el.Text = fn(el.Text)
		}
	}
}

// BlankAttr replaces the value of the unprefixed attribute attr of every
// element named elem ("" = any element) by Placeholder.
func BlankAttr(elem, attr string) Normalizer {
	return MapAttr(elem, attr, func(string) string { return Placeholder })
}

// MapAttr rewrites the value of the unprefixed attribute attr of every
// element named elem ("" = any element).
func MapAttr(elem, attr string, fn func(string) string) Normalizer {
	return func(_ string, el *uom.Element) {
		if elem != "" && el.Local != elem {
			return
		}
		for i, a := range el.Attrs {
			if a.Space == "" && a.Local == attr {
				el.Attrs[i].Value = fn(a.Value)
			}
		}
	}
}

// DropChildren removes every child named one of names (at any depth).
func DropChildren(names ...string) Normalizer {
	set := stringSet(names)
	return func(_ string, el *uom.Element) {
		kept := el.Children[:0]
		for _, c := range el.Children {
			if !set[c.Local] {
				kept = append(kept, c)
			}
		}
		for i := len(kept); i < len(el.Children); i++ {
			el.Children[i] = nil
		}
		el.Children = kept
	}
}

// AllText rewrites the text of every element, e.g. to replace UUIDs
// wherever they occur.
func AllText(fn func(string) string) Normalizer {
	return func(_ string, el *uom.Element) { el.Text = fn(el.Text) }
}

// AllAttrs rewrites the value of every unprefixed attribute named attr on
// any element, e.g. to rewrite the host of every href.
func AllAttrs(attr string, fn func(string) string) Normalizer { return MapAttr("", attr, fn) }

func stringSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Diff compares want and got (after applying norms to copies of both) and
// returns one line per difference, each starting with the path of the
// element where it was found; nil when they are the same.
func Diff(want, got *uom.Element, norms ...Normalizer) []string {
	d := &differ{}
	if len(norms) > 0 {
		want, got = Normalize(want, norms...), Normalize(got, norms...)
	}
	switch {
	case want == nil && got == nil:
		return nil
	case want == nil:
		d.add("/", "want no element, got <%s>", Name(got))
	case got == nil:
		d.add("/", "want <%s>, got no element", Name(want))
	default:
		d.element("/"+want.Local, want, got)
	}
	if d.more > 0 {
		d.out = append(d.out, fmt.Sprintf("... and %d more differences", d.more))
	}
	return d.out
}

// Equal reports whether Diff finds no difference.
func Equal(want, got *uom.Element, norms ...Normalizer) bool {
	return len(Diff(want, got, norms...)) == 0
}

type differ struct {
	out  []string
	more int
}

func (d *differ) add(path, format string, args ...any) {
	if len(d.out) >= MaxDiffs {
		d.more++
		return
	}
	d.out = append(d.out, path+": "+fmt.Sprintf(format, args...))
}

// nsAlias shortens the namespaces of the PowerVM API in messages.
var nsAlias = map[string]string{
	uom.NSAtom:       "atom",
	uom.NSUOM:        "uom",
	uom.NSWeb:        "web",
	uom.NSPCM:        "pcm",
	uom.NSK2:         "k2",
	uom.NSOpenSearch: "os",
	uom.NSXHTML:      "xhtml",
}

// Name returns the namespace-qualified name of el as messages show it:
// "uom:ManagedSystem", "atom:entry", "{urn:x}foo", or "foo" without a
// namespace. The alias is not the document's prefix.
func Name(el *uom.Element) string {
	if el == nil {
		return "nil"
	}
	return qname(el.Space, el.Local)
}

func qname(space, local string) string {
	if space == "" {
		return local
	}
	if a, ok := nsAlias[space]; ok {
		return a + ":" + local
	}
	return "{" + space + "}" + local
}

func (d *differ) element(path string, want, got *uom.Element) {
	if want.Space != got.Space || want.Local != got.Local {
		d.add(path, "element: want <%s>, got <%s>", Name(want), Name(got))
		return
	}
	d.attrs(path, want, got)
	if wt, gt := strings.TrimSpace(want.Text), strings.TrimSpace(got.Text); wt != gt {
		d.add(path, "text: want %q, got %q", clip(wt), clip(gt))
	}
	d.children(path, want, got)
}

func attrKey(a uom.Attr) string {
	if a.Space == "" {
		return a.Local
	}
	return qname(a.Space, a.Local)
}

func (d *differ) attrs(path string, want, got *uom.Element) {
	wm := attrMap(want)
	gm := attrMap(got)
	var keys []string
	for k := range wm {
		keys = append(keys, k)
	}
	for k := range gm {
		if _, ok := wm[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		wv, wok := wm[k]
		gv, gok := gm[k]
		switch {
		case !gok:
			d.add(path, "attribute %s=%q missing", k, clip(wv))
		case !wok:
			d.add(path, "attribute %s=%q unexpected", k, clip(gv))
		case wv != gv:
			d.add(path, "attribute %s: want %q, got %q", k, clip(wv), clip(gv))
		}
	}
}

// attrMap returns the attributes of el by qualified name. A name given
// twice (not well-formed, but a built tree can do it) keeps every value.
func attrMap(el *uom.Element) map[string]string {
	m := make(map[string]string, len(el.Attrs))
	for _, a := range el.Attrs {
		k := attrKey(a)
		if old, ok := m[k]; ok {
			m[k] = old + "\x00" + a.Value
			continue
		}
		m[k] = a.Value
	}
	return m
}

// children compares the child sequences. When the names line up, children
// are compared pairwise. Otherwise the longest common subsequence of names
// is compared pairwise and every child outside it is reported as missing,
// unexpected or out of order.
func (d *differ) children(path string, want, got *uom.Element) {
	wn := childNames(want)
	gn := childNames(got)
	wp := childPaths(path, want)
	gp := childPaths(path, got)
	if equalStrings(wn, gn) {
		for i := range want.Children {
			d.element(wp[i], want.Children[i], got.Children[i])
		}
		return
	}
	pairs := lcs(wn, gn)
	inW := make([]bool, len(wn))
	inG := make([]bool, len(gn))
	for _, p := range pairs {
		inW[p[0]], inG[p[1]] = true, true
	}
	// Names that are both missing and unexpected moved.
	missing := map[string]int{}
	extra := map[string]int{}
	for i, n := range wn {
		if !inW[i] {
			missing[n]++
		}
	}
	for i, n := range gn {
		if !inG[i] {
			extra[n]++
		}
	}
	for i, n := range wn {
		if inW[i] {
			continue
		}
		if extra[n] > 0 {
			d.add(wp[i], "out of order: want it as child %d of %d, got it elsewhere (want order %s; got order %s)",
				i+1, len(wn), summary(wn), summary(gn))
			continue
		}
		d.add(wp[i], "missing <%s> (want it as child %d of %d)", Name(want.Children[i]), i+1, len(wn))
	}
	for i, n := range gn {
		if inG[i] || missing[n] > 0 {
			continue
		}
		d.add(gp[i], "unexpected <%s> (got it as child %d of %d)", Name(got.Children[i]), i+1, len(gn))
	}
	for _, p := range pairs {
		d.element(wp[p[0]], want.Children[p[0]], got.Children[p[1]])
	}
}

// childNames returns the local names of el's children: children are lined
// up by local name, so that a child in another namespace is reported as such
// rather than as one missing and one unexpected element.
func childNames(el *uom.Element) []string {
	out := make([]string, len(el.Children))
	for i, c := range el.Children {
		out[i] = c.Local
	}
	return out
}

// childPaths returns the path of each child, with a [n] index (from 1)
// when more than one sibling has its local name.
func childPaths(path string, el *uom.Element) []string {
	count := map[string]int{}
	for _, c := range el.Children {
		count[c.Local]++
	}
	seen := map[string]int{}
	out := make([]string, len(el.Children))
	for i, c := range el.Children {
		seen[c.Local]++
		if count[c.Local] > 1 {
			out[i] = path + "/" + c.Local + "[" + strconv.Itoa(seen[c.Local]) + "]"
		} else {
			out[i] = path + "/" + c.Local
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lcs returns index pairs of a longest common subsequence of a and b.
func lcs(a, b []string) [][2]int {
	n, m := len(a), len(b)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i][j] = t[i+1][j+1] + 1
			case t[i+1][j] >= t[i][j+1]:
				t[i][j] = t[i+1][j]
			default:
				t[i][j] = t[i][j+1]
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{i, j})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// summary lists names compactly for messages (runs of the same name folded).
func summary(names []string) string {
	var parts []string
	for i := 0; i < len(names); {
		j := i
		for j < len(names) && names[j] == names[i] {
			j++
		}
		n := names[i]
		if j-i > 1 {
			n += "×" + strconv.Itoa(j-i)
		}
		parts = append(parts, n)
		i = j
	}
	s := "[" + strings.Join(parts, " ") + "]"
	return clip(s)
}

func clip(s string) string {
	const max = 400
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
