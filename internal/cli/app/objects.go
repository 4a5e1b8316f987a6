package app

import (
	"sort"
	"strings"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/uom"
)

// Column is one column of an object's list table.
type Column struct {
	Header string
	Field  string // a field name of the object's set
	// Format, when set, changes how the table shows the value (e.g.
	// TitleBool); --display-fields prints the value as it is.
	Format func(string) string
}

// Object describes one pvmctl object type.
type Object struct {
	Name    string   // LogicalPartition
	Aliases []string // lpar, vm
	Title   string   // "Logical Partitions": the line above the table
	// Verbs are all the verbs the object has (cli.md).
	Verbs   []string
	Fields  *fields.Set
	Columns []Column
	// Schema is the uom type whose schema -s edits are checked against.
	Schema string
	// IDKeys maps --object-id keys to field names.
	IDKeys map[string]string
	// List reads the objects (nil for objects without a backend yet).
	List func(a *App) ([]*uom.Entry, error)
	// Resolve, when set, reads the objects a single-object verb may name
	// (e.g. lpar verbs also reach VIOS partitions); List otherwise.
	Resolve func(a *App) ([]*uom.Entry, error)
	// Single marks an object of which there is exactly one (the managed
	// system): single-object verbs need no --object-id.
	Single bool
	// FieldsNote, when set, is printed in --help above the field list
	// (e.g. how the object's field names relate to the REST type).
	FieldsNote string
	// Adjust, when set, completes the changes of an update before they are
	// applied to obj (e.g. widening limits a new desired value needs).
	Adjust func(obj *uom.Element, changes []SetField) []SetField
}

// Supported reports whether the object has a backend.
func (o *Object) Supported() bool { return o.List != nil }

// Names returns the name and aliases, for messages.
func (o *Object) Names() string {
	return o.Name + " (" + strings.Join(o.Aliases, ", ") + ")"
}

// ListFeed returns a List function reading the root feed of kind
// (/rest/api/uom/<kind>) with ?group=None, once per invocation.
func ListFeed(kind string) func(a *App) ([]*uom.Entry, error) {
	return func(a *App) ([]*uom.Entry, error) { return Feed(a, client.UOM(kind)) }
}

// ObjectID is a parsed --object-id KEY=VALUE.
type ObjectID struct {
	Key, Value string
	Field      *fields.Field
}

// ParseObjectID reads KEY=VALUE for the object.
func ParseObjectID(o *Object, s string) (*ObjectID, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return nil, Usage("PVME01040123-0020", "The value %q of --object-id is not valid: use KEY=VALUE with KEY one of %s.", s, keyList(o))
	}
	name, ok := o.IDKeys[strings.ToLower(k)]
	if !ok {
		return nil, Usage("PVME01040123-0021", "The key %s of --object-id is not valid for %s: use one of %s.", k, o.Name, keyList(o))
	}
	f, err := o.Fields.Lookup(name)
	if err != nil {
		return nil, err
	}
	v = unquote(strings.TrimSpace(v))
	if f.Kind == fields.Int {
		if err := f.CheckValue(v); err != nil {
			return nil, err
		}
	}
	return &ObjectID{Key: strings.ToLower(k), Value: v, Field: f}, nil
}

func keyList(o *Object) string {
	var ks []string
	for _, k := range []string{"name", "id", "uuid"} {
		if _, ok := o.IDKeys[k]; ok {
			ks = append(ks, k)
		}
	}
	var more []string
	for k := range o.IDKeys {
		if k != "name" && k != "id" && k != "uuid" {
			more = append(more, k)
		}
	}
	sort.Strings(more)
	return strings.Join(append(ks, more...), ", ")
}

// Matches reports whether an object matches the id.
func (id *ObjectID) Matches(obj *uom.Element) bool {
	v := id.Field.Value(obj)
	if id.Key == "uuid" {
		return strings.EqualFold(v, id.Value)
	}
	return v == id.Value
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

// Where is one --where condition.
type Where struct {
	Left  *fields.Field
	Neg   bool
	Right *fields.Field // nil: compare with Value
	Value string
}

// ParseWhere reads FIELD=VALUE or FIELD!=VALUE; an unquoted right side that
// names a field compares with that field.
func ParseWhere(o *Object, s string) (*Where, error) {
	i := strings.Index(s, "!=")
	neg := i >= 0
	if !neg {
		i = strings.Index(s, "=")
	}
	if i <= 0 {
		return nil, Usage("PVME01040123-0022", "The condition %q of --where is not valid: use FIELD=VALUE or FIELD!=VALUE.", s)
	}
	left, right := strings.TrimSpace(s[:i]), s[i+1:]
	if neg {
		right = s[i+2:]
	}
	right = strings.TrimSpace(right)
	lf, err := o.Fields.Lookup(left)
	if err != nil {
		return nil, err
	}
	w := &Where{Left: lf, Neg: neg}
	if q := unquote(right); q != right {
		w.Value = q
	} else if rf, err := o.Fields.Lookup(right); err == nil && right != "" {
		w.Right = rf
	} else {
		w.Value = right
	}
	if w.Right == nil && w.Value != "" {
		if err := lf.CheckCondition(w.Value); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Holds evaluates the condition on an object.
func (w *Where) Holds(obj *uom.Element) bool {
	l := w.Left.Value(obj)
	r := w.Value
	if w.Right != nil {
		r = w.Right.Value(obj)
	} else if w.Left.Kind == fields.Units {
		r = fields.NormalizeUnits(r)
	} else if w.Left.Kind == fields.Bool {
		r = strings.ToLower(r)
	}
	return (l == r) != w.Neg
}

// SetField is one --set-fields FIELD=VALUE.
type SetField struct {
	Field *fields.Field
	Value string
}

// ParseSetFields reads FIELD=VALUE pairs.
func ParseSetFields(o *Object, pairs []string) ([]SetField, error) {
	var out []SetField
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, Usage("PVME01040123-0023", "The value %q of --set-fields is not valid: use FIELD=VALUE.", p)
		}
		f, err := o.Fields.Lookup(k)
		if err != nil {
			return nil, err
		}
		v = unquote(strings.TrimSpace(v))
		if err := f.CheckValue(v); err != nil {
			return nil, err
		}
		out = append(out, SetField{Field: f, Value: v})
	}
	return out, nil
}

// FindOne returns the single object the id names.
func FindOne(a *App, o *Object, id *ObjectID) (*uom.Entry, error) {
	list := o.Resolve
	if list == nil {
		list = o.List
	}
	entries, err := list(a)
	if err != nil {
		return nil, err
	}
	var found []*uom.Entry
	for _, e := range entries {
		if e.Content != nil && id.Matches(e.Content) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, NotFound("No %s matches %s=%s.", o.Name, id.Key, id.Value)
	case 1:
		return found[0], nil
	}
	return nil, Usage("PVME01040123-0024", "%d objects of type %s match %s=%s; name one with id= or uuid=.", len(found), o.Name, id.Key, id.Value)
}
