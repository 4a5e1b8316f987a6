// Command schemagen derives the element order and access attributes of every
// PowerVM object type from the captured responses in
// testdata/pypowervm (plus the known orders in extra/), and writes
// one schema file per root type into uom/schema/.
//
//	go run ./internal/tools/schemagen [-fixtures DIR] [-out uom/schema]
//
// For each element path it merges the orders of the children seen in every
// capture (a topological sort of "a came before b", ties broken by first
// appearance), and takes the most common kb/ksv/group attributes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/capture"
	"github.com/novalink-project/novalink/uom"
)

type node struct {
	name     string
	seqs     [][]string
	kb       map[string]int
	ksv      map[string]int
	group    map[string]int
	repeats  bool
	complex  bool
	seen     int
	children map[string]*node
	firstPos map[string]int // first position (global order) each child was seen
}

func newNode(name string) *node {
	return &node{name: name, kb: map[string]int{}, ksv: map[string]int{}, group: map[string]int{},
		children: map[string]*node{}, firstPos: map[string]int{}}
}

var counter int

func (n *node) child(name string) *node {
	c := n.children[name]
	if c == nil {
		c = newNode(name)
		n.children[name] = c
		counter++
		n.firstPos[name] = counter
	}
	return c
}

func (n *node) observe(el *uom.Element) {
	n.seen++
	if v := el.Attr("kb"); v != "" {
		n.kb[v]++
	}
	if v := el.Attr("ksv"); v != "" {
		n.ksv[v]++
	}
	if v := el.Attr("group"); v != "" {
		n.group[v]++
	}
	if el.Attr("schemaVersion") != "" {
		n.complex = true
	}
	var seq []string
	count := map[string]int{}
	for _, c := range el.Children {
		if c.Space != uom.NSUOM && c.Space != uom.NSWeb && c.Space != uom.NSPCM && c.Local != "link" {
			continue
		}
		count[c.Local]++
		if len(seq) == 0 || seq[len(seq)-1] != c.Local {
			seq = append(seq, c.Local)
		}
		n.child(c.Local).observe(c)
	}
	for name, k := range count {
		if k > 1 {
			n.children[name].repeats = true
		}
	}
	if len(seq) > 0 {
		n.seqs = append(n.seqs, seq)
	}
}

func (n *node) order() []string {
	// Kahn's algorithm over "came before" edges, ties by first appearance.
	names := make([]string, 0, len(n.children))
	for k := range n.children {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return n.firstPos[names[i]] < n.firstPos[names[j]] })
	indeg := map[string]int{}
	edges := map[string]map[string]int{}
	for _, s := range n.seqs {
		for i := 0; i+1 < len(s); i++ {
			a, b := s[i], s[i+1]
			if a == b {
				continue
			}
			if edges[a] == nil {
				edges[a] = map[string]int{}
			}
			edges[a][b]++
		}
	}
	// Drop the weaker direction of any contradiction.
	for a, m := range edges {
		for b, w := range m {
			if edges[b] != nil && edges[b][a] > 0 {
				if edges[b][a] > w || (edges[b][a] == w && n.firstPos[b] < n.firstPos[a]) {
					delete(m, b)
				}
			}
		}
	}
	for _, m := range edges {
		for b := range m {
			indeg[b]++
		}
	}
	var out []string
	done := map[string]bool{}
	for len(out) < len(names) {
		pick := ""
		for _, nm := range names {
			if !done[nm] && indeg[nm] == 0 {
				pick = nm
				break
			}
		}
		if pick == "" { // a cycle: take the earliest seen
			for _, nm := range names {
				if !done[nm] {
					pick = nm
					break
				}
			}
		}
		done[pick] = true
		out = append(out, pick)
		for b := range edges[pick] {
			indeg[b]--
		}
	}
	return out
}

func most(m map[string]int) string {
	best, bn := "", 0
	for k, v := range m {
		if v > bn || (v == bn && k < best) {
			best, bn = k, v
		}
	}
	return best
}

func (n *node) write(w *bufio.Writer, depth int) {
	fmt.Fprintf(w, "%s%s", strings.Repeat("\t", depth), n.name)
	if n.repeats {
		w.WriteString(" *")
	}
	if n.complex {
		w.WriteString(" complex")
	}
	if v := most(n.kb); v != "" {
		fmt.Fprintf(w, " kb=%s", v)
	}
	if v := most(n.ksv); v != "" {
		fmt.Fprintf(w, " ksv=%s", v)
	}
	if v := most(n.group); v != "" {
		fmt.Fprintf(w, " group=%s", v)
	}
	w.WriteByte('\n')
	for _, c := range n.order() {
		n.children[c].write(w, depth+1)
	}
}

func main() {
	fixtures := flag.String("fixtures", "", "captures directory (default testdata/pypowervm)")
	out := flag.String("out", "uom/schema", "output directory")
	extra := flag.String("extra", "internal/tools/schemagen/extra", "directory of known orders")
	flag.Parse()
	dir := *fixtures
	if dir == "" {
		var ok bool
		dir, ok = capture.Dir()
		if !ok {
			log.Fatalf("fixtures not found at %s", dir)
		}
	}
	roots := map[string]*node{}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		if base == "NOTICE" || base == "token_file" || base == "fake_managedsystem.txt" ||
			strings.HasSuffix(base, "_pcm_data.txt") || strings.Contains(base, "pcm_data") {
			continue
		}
		rs, err := capture.ParseFile(f)
		if err != nil {
			log.Printf("skip %s: %v", base, err)
			continue
		}
		for _, r := range rs {
			if len(r.Body) == 0 || r.Body[0] != '<' {
				continue
			}
			el, err := uom.DecodeBytes(r.Body)
			if err != nil {
				log.Printf("skip %s: %v", base, err)
				continue
			}
			el.Walk(func(p string, e *uom.Element) bool {
				if e.Local == "content" && e.Space == uom.NSAtom {
					for _, obj := range e.Children {
						if obj.Space != uom.NSUOM {
							continue // web objects (jobs, errors) are written by hand
						}
						root := roots[obj.Local]
						if root == nil {
							root = newNode(obj.Local)
							roots[obj.Local] = root
						}
						root.observe(obj)
					}
					return false
				}
				return true
			})
		}
	}
	if err := applyExtra(roots, *extra); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(roots))
	for k := range roots {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := os.Create(filepath.Join(*out, name+".txt"))
		if err != nil {
			log.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintf(w, "# %s: element order and access attributes, generated by internal/tools/schemagen\n# from the captured responses and the known orders in internal/tools/schemagen/extra. Do not edit.\n", name)
		roots[name].write(w, 0)
		w.Flush()
		f.Close()
	}
	log.Printf("wrote %d schemas to %s", len(names), *out)
}

// applyExtra reads files of known orders: lines "Root/Path: A B C" (names
// may carry "=kb" and a trailing "*" for repeated elements). Each line adds
// one observed sequence, so known orders merge with the captured ones. A
// sequence that starts with Metadata is a complex type's (for types no
// capture shows).
func applyExtra(roots map[string]*node, dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			path, list, ok := strings.Cut(line, ":")
			if !ok {
				return fmt.Errorf("%s:%d: want 'Path: A B C'", f, i+1)
			}
			parts := strings.Split(strings.TrimSpace(path), "/")
			root := roots[parts[0]]
			if root == nil {
				root = newNode(parts[0])
				roots[parts[0]] = root
			}
			n := root
			for _, p := range parts[1:] {
				n = n.child(p)
			}
			var seq []string
			for _, tok := range strings.Fields(list) {
				rep := strings.HasSuffix(tok, "*")
				tok = strings.TrimSuffix(tok, "*")
				name, kb, _ := strings.Cut(tok, "=")
				c := n.child(name)
				if kb != "" && len(c.kb) == 0 {
					c.kb[kb]++
				}
				if rep {
					c.repeats = true
				}
				seq = append(seq, name)
			}
			if len(seq) > 0 && seq[0] == "Metadata" {
				n.complex = true
			}
			n.seqs = append(n.seqs, seq)
		}
	}
	return nil
}
