// Package fields is pvmctl's catalog of object attributes: each attribute
// has a pvmctl name (Section.name, e.g. PartitionMemoryConfiguration.desired
// or LogicalPartition.state), an element path in the REST object, and a type.
// Display (-d), where (-w) and set (-s) options all resolve names here.
package fields

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/uom"
)

// Kind is the type of a field's value.
type Kind int

const (
	String Kind = iota
	Int
	Units // processing units: decimal with at most two places
	Bool
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "integer"
	case Units:
		return "number of processing units"
	case Bool:
		return "boolean (true or false)"
	}
	return "string"
}

// Field is one attribute.
type Field struct {
	Section string // LogicalPartition, PartitionMemoryConfiguration ...
	Name    string // state, desired ...
	// Path is the element path below the object element
	// ("PartitionMemoryConfiguration/DesiredMemory"). Empty for computed
	// fields (Get set).
	Path string
	Kind Kind
	Help string
	// Get computes a value instead of reading Path.
	Get func(obj *uom.Element) string
	// ReadOnly marks fields -s refuses even where the schema would allow.
	ReadOnly bool
	// Enum lists the accepted values of a settable string field (empty:
	// any).
	Enum []string
	// Values lists every value the field can take (empty: any): --where
	// refuses another one rather than match nothing.
	Values []string
}

// CheckCondition verifies a value a --where condition compares the field
// with: of the field's type, and one of the values it can take when those
// are known.
func (f *Field) CheckCondition(value string) error {
	if f.Kind == Int || f.Kind == Units || f.Kind == Bool {
		if err := f.CheckValue(value); err != nil {
			return err
		}
	}
	vals := f.Values
	if len(vals) == 0 {
		vals = f.Enum
	}
	if len(vals) == 0 || value == "" {
		return nil
	}
	for _, v := range vals {
		if v == value {
			return nil
		}
	}
	return &Error{Msg: fmt.Sprintf("The value %q of %s is not one it can take, so nothing would match. Its values: %s.", value, f.Qualified(), strings.Join(vals, ", "))}
}

// Qualified returns Section.name.
func (f *Field) Qualified() string { return f.Section + "." + f.Name }

// Value reads the field from an object element ("" when absent).
func (f *Field) Value(obj *uom.Element) string {
	if f.Get != nil {
		return f.Get(obj)
	}
	v, _ := obj.FindText(f.Path)
	if f.Kind == Units {
		return NormalizeUnits(v)
	}
	return v
}

// Set is the fields of one object type.
type Set struct {
	Object string // the object's own section, e.g. LogicalPartition
	list   []*Field
	byQual map[string]*Field
	byName map[string][]*Field
}

// NewSet builds a set; the object's own section wins short-name lookups.
func NewSet(object string, fs ...*Field) *Set {
	s := &Set{Object: object, byQual: map[string]*Field{}, byName: map[string][]*Field{}}
	for _, f := range fs {
		s.Add(f)
	}
	return s
}

// Add adds a field.
func (s *Set) Add(f *Field) {
	s.list = append(s.list, f)
	s.byQual[strings.ToLower(f.Qualified())] = f
	n := strings.ToLower(f.Name)
	s.byName[n] = append(s.byName[n], f)
}

// All returns the fields in definition order.
func (s *Set) All() []*Field { return s.list }

// Error is a problem with a field name or value (a usage error).
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Lookup resolves a qualified (Section.name) or short (name) field name,
// case-insensitively. A short name shared by several sections resolves to
// the object's own section, else it is ambiguous.
func (s *Set) Lookup(name string) (*Field, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if f, ok := s.byQual[key]; ok {
		return f, nil
	}
	if !strings.Contains(key, ".") {
		cands := s.byName[key]
		if len(cands) == 1 {
			return cands[0], nil
		}
		for _, f := range cands {
			if f.Section == s.Object {
				return f, nil
			}
		}
		if len(cands) > 1 {
			var q []string
			for _, f := range cands {
				q = append(q, f.Qualified())
			}
			return nil, &Error{Msg: fmt.Sprintf("The field %s is ambiguous for %s; use one of: %s.", name, s.Object, strings.Join(q, ", "))}
		}
	}
	return nil, &Error{Msg: fmt.Sprintf("The field %s is not valid for %s. See 'pvmctl %s list --help' for the fields.", name, s.Object, strings.ToLower(s.Object))}
}

// Help lists the fields for --help, grouped by section.
func (s *Set) Help() string { return s.HelpOf(nil) }

// HelpOf lists the fields keep accepts (all with nil) for --help, grouped
// by section.
func (s *Set) HelpOf(keep func(*Field) bool) string {
	bySection := map[string][]*Field{}
	var sections []string
	for _, f := range s.list {
		if keep != nil && !keep(f) {
			continue
		}
		if _, ok := bySection[f.Section]; !ok {
			sections = append(sections, f.Section)
		}
		bySection[f.Section] = append(bySection[f.Section], f)
	}
	width := 28
	for _, f := range s.list {
		if n := len(f.Qualified()) + 1; n > width {
			width = n
		}
	}
	var b strings.Builder
	for _, sec := range sections {
		fmt.Fprintf(&b, "  %s:\n", sec)
		fs := bySection[sec]
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
		for _, f := range fs {
			help := f.Help
			if f.Kind != String {
				help = strings.TrimSpace(help + " (" + f.Kind.String() + ")")
			}
			fmt.Fprintf(&b, "    %-*s %s\n", width, f.Qualified(), help)
		}
	}
	return b.String()
}

// CheckValue verifies that value fits the field's type.
func (f *Field) CheckValue(value string) error {
	switch f.Kind {
	case Int:
		if _, err := strconv.Atoi(value); err != nil {
			return &Error{Msg: fmt.Sprintf("The value %q of %s is not valid: it must be an integer.", value, f.Qualified())}
		}
	case Units:
		if _, ok := parseUnits(value); !ok {
			return &Error{Msg: fmt.Sprintf("The value %q of %s is not valid: it must be a number of processing units with at most two decimals.", value, f.Qualified())}
		}
	case Bool:
		if v := strings.ToLower(value); v != "true" && v != "false" {
			return &Error{Msg: fmt.Sprintf("The value %q of %s is not valid: it must be true or false.", value, f.Qualified())}
		}
	}
	if len(f.Enum) > 0 {
		for _, e := range f.Enum {
			if e == value {
				return nil
			}
		}
		return &Error{Msg: fmt.Sprintf("The value %q of %s is not valid. Valid values: %s.", value, f.Qualified(), strings.Join(f.Enum, ", "))}
	}
	return nil
}

// Settable reports whether -s may set the field on an object of schema.
func (f *Field) Settable(schema *uom.SchemaNode) bool {
	if f.Path == "" || f.ReadOnly || schema == nil {
		return false
	}
	sn := schema.Find(f.Path)
	return sn != nil && !sn.ReadOnly() && !sn.CreateOnly()
}

// Assign sets the field on an object element (creating the path in schema
// order when missing), after checking the value's type and that the
// schema lets clients set it.
func (f *Field) Assign(obj *uom.Element, schema *uom.SchemaNode, value string) error {
	if f.Path == "" || f.ReadOnly {
		return &Error{Msg: fmt.Sprintf("The field %s cannot be set.", f.Qualified())}
	}
	sn := schema.Find(f.Path)
	if sn == nil || sn.ReadOnly() || sn.CreateOnly() {
		return &Error{Msg: fmt.Sprintf("The field %s cannot be set.", f.Qualified())}
	}
	if err := f.CheckValue(value); err != nil {
		return err
	}
	if f.Kind == Bool {
		value = strings.ToLower(value)
	}
	SetPath(obj, schema, f.Path, value)
	return nil
}

// SetPath sets the text at an element path below obj, creating missing
// elements in schema order (complex ones with their schemaVersion and
// Metadata, as clients send them).
func SetPath(obj *uom.Element, schema *uom.SchemaNode, path, value string) {
	cur, cs := obj, schema
	for _, p := range strings.Split(path, "/") {
		ns := cs.Child(p)
		next := cur.Child(p)
		if next == nil {
			next = &uom.Element{Space: obj.Space, Local: p}
			if ns != nil && ns.Complex {
				next.Attrs = []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}
				next.Append(uom.NewElement(obj.Space, "Metadata").Append(uom.NewElement(obj.Space, "Atom")))
			}
			uom.SetChild(cur, cs, next)
		}
		cur, cs = next, ns
	}
	cur.Text = value
}

// NormalizeUnits prints a processing-unit value as pvmctl does (0.5, 1.0,
// 0.25); anything that is not a number is returned as it is.
func NormalizeUnits(v string) string {
	h, ok := parseUnits(v)
	if !ok {
		return v
	}
	w, fr := h/100, h%100
	if fr%10 == 0 {
		return fmt.Sprintf("%d.%d", w, fr/10)
	}
	return fmt.Sprintf("%d.%02d", w, fr)
}

// parseUnits reads a non-negative decimal with at most two significant
// decimals into hundredths.
func parseUnits(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" && frac == "" {
		return 0, false
	}
	if whole == "" {
		whole = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || strings.HasPrefix(whole, "+") || strings.HasPrefix(frac, "+") || strings.HasPrefix(frac, "-") {
		return 0, false
	}
	return w*100 + f, true
}
