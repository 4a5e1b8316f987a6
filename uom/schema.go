package uom

import (
	"embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed schema/*.txt
var schemaFS embed.FS

// SchemaNode is one element of an object type's schema: its children in
// schema order and its access attributes. kb (the "key behaviour") says who
// may set it: CUD/CUR/UOD/CUA may be set by a client, COD only at create,
// ROR/ROO never.
type SchemaNode struct {
	Name     string
	KB       string
	KSV      string
	Group    string
	Repeats  bool
	Complex  bool
	Children []*SchemaNode
	index    map[string]int
}

// Child returns the schema of a child element (nil when unknown).
func (n *SchemaNode) Child(name string) *SchemaNode {
	if n == nil {
		return nil
	}
	if i, ok := n.index[name]; ok {
		return n.Children[i]
	}
	return nil
}

// Position returns the schema position of a child (-1 when unknown).
func (n *SchemaNode) Position(name string) int {
	if n == nil {
		return -1
	}
	if i, ok := n.index[name]; ok {
		return i
	}
	return -1
}

// ReadOnly reports whether a client can never set the element.
func (n *SchemaNode) ReadOnly() bool { return strings.HasPrefix(n.KB, "RO") }

// CreateOnly reports whether the element can be set only on create.
func (n *SchemaNode) CreateOnly() bool { return n.KB == "COD" }

// Find follows a slash-separated path below n.
func (n *SchemaNode) Find(path string) *SchemaNode {
	cur := n
	for _, p := range strings.Split(path, "/") {
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

var (
	schemaOnce sync.Once
	schemas    map[string]*SchemaNode
	schemaErr  error
)

// Schema returns the schema of an object type (nil when unknown).
func Schema(typ string) *SchemaNode {
	schemaOnce.Do(loadSchemas)
	if schemaErr != nil {
		panic(schemaErr)
	}
	return schemas[typ]
}

// SchemaTypes returns the object types with a schema.
func SchemaTypes() []string {
	schemaOnce.Do(loadSchemas)
	out := make([]string, 0, len(schemas))
	for k := range schemas {
		out = append(out, k)
	}
	return out
}

func loadSchemas() {
	schemas = map[string]*SchemaNode{}
	entries, err := schemaFS.ReadDir("schema")
	if err != nil {
		schemaErr = err
		return
	}
	for _, e := range entries {
		data, err := schemaFS.ReadFile("schema/" + e.Name())
		if err != nil {
			schemaErr = err
			return
		}
		root, err := ParseSchema(string(data))
		if err != nil {
			schemaErr = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
		schemas[root.Name] = root
	}
}

// ParseSchema reads the tab-indented schema format of uom/schema/*.txt.
func ParseSchema(text string) (*SchemaNode, error) {
	var root *SchemaNode
	var stack []*SchemaNode
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		depth := len(line) - len(strings.TrimLeft(line, "\t"))
		f := strings.Fields(line)
		n := &SchemaNode{Name: f[0], index: map[string]int{}}
		for _, tok := range f[1:] {
			switch {
			case tok == "*":
				n.Repeats = true
			case tok == "complex":
				n.Complex = true
			case strings.HasPrefix(tok, "kb="):
				n.KB = tok[3:]
			case strings.HasPrefix(tok, "ksv="):
				n.KSV = tok[4:]
			case strings.HasPrefix(tok, "group="):
				n.Group = tok[6:]
			default:
				return nil, fmt.Errorf("line %d: unknown token %q", i+1, tok)
			}
		}
		if depth == 0 {
			if root != nil {
				return nil, fmt.Errorf("line %d: second root", i+1)
			}
			root = n
			stack = []*SchemaNode{n}
			continue
		}
		if depth > len(stack) {
			return nil, fmt.Errorf("line %d: indented too deep", i+1)
		}
		stack = stack[:depth]
		parent := stack[depth-1]
		parent.index[n.Name] = len(parent.Children)
		parent.Children = append(parent.Children, n)
		stack = append(stack, n)
	}
	if root == nil {
		return nil, fmt.Errorf("empty schema")
	}
	return root, nil
}

// SetChild places child under parent at its schema position (replacing an
// existing child of the same name), so that edits keep documents in schema
// order. Children unknown to the schema go last.
func SetChild(parent *Element, schema *SchemaNode, child *Element) {
	for i, c := range parent.Children {
		if c.Local == child.Local {
			parent.Children[i] = child
			return
		}
	}
	pos := schema.Position(child.Local)
	if pos < 0 {
		parent.Children = append(parent.Children, child)
		return
	}
	at := len(parent.Children)
	for i, c := range parent.Children {
		if p := schema.Position(c.Local); p > pos {
			at = i
			break
		}
	}
	parent.Children = append(parent.Children, nil)
	copy(parent.Children[at+1:], parent.Children[at:])
	parent.Children[at] = child
}

// UnknownElements lists the paths of elements under el that the schema
// does not know (links and Metadata are always accepted).
func UnknownElements(el *Element, schema *SchemaNode) []string {
	var out []string
	// The names from el down; a path is joined only for what is reported.
	names := []string{el.Local}
	var rec func(e *Element, s *SchemaNode)
	rec = func(e *Element, s *SchemaNode) {
		for _, c := range e.Children {
			if c.Local == "Metadata" || c.Local == "link" {
				continue
			}
			cs := s.Child(c.Local)
			names = append(names, c.Local)
			if cs == nil {
				out = append(out, strings.Join(names, "/"))
			} else {
				rec(c, cs)
			}
			names = names[:len(names)-1]
		}
	}
	rec(el, schema)
	return out
}
