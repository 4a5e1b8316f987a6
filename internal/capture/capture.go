// Package capture reads the captured PowerVM REST responses kept in the
// repository's testdata/pypowervm (see its NOTICE): INFO{...} HEADERS{...} BODY{...} sections
// (Python dict literals for the first two, the raw body for the last),
// bare XML bodies, and SECTION:name ... END OF SECTION request bodies.
package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Response is one captured HTTP response.
type Response struct {
	File    string
	Info    map[string]any    // comment, path, reason, status, ...
	Headers map[string]string // as captured (keys in their original case)
	Body    []byte
}

// Path returns the request path recorded in INFO.
func (r *Response) Path() string { s, _ := r.Info["path"].(string); return s }

// Status returns the HTTP status recorded in INFO (200 when absent).
func (r *Response) Status() int {
	switch v := r.Info["status"].(type) {
	case int:
		return v
	case string:
		n, err := strconv.Atoi(v)
		if err == nil {
			return n
		}
	}
	return 200
}

// Header returns a captured header, matching the name case-insensitively.
func (r *Response) Header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Dir returns the fixtures directory (testdata/pypowervm at the repository
// root) and whether it exists. PVM_FIXTURES overrides it.
func Dir() (string, bool) {
	if d := os.Getenv("PVM_FIXTURES"); d != "" {
		_, err := os.Stat(d)
		return d, err == nil
	}
	_, file, _, _ := runtime.Caller(0)
	d := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "pypowervm")
	_, err := os.Stat(d)
	return d, err == nil
}

// Load reads a capture file by name from Dir.
func Load(name string) ([]*Response, error) {
	d, ok := Dir()
	if !ok {
		return nil, fmt.Errorf("fixtures directory %s not found", d)
	}
	return ParseFile(filepath.Join(d, name))
}

// ParseFile reads one capture file. A file holding a bare XML document
// yields one Response with only Body set.
func ParseFile(path string) ([]*Response, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rs, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	for _, r := range rs {
		r.File = filepath.Base(path)
	}
	return rs, nil
}

const endSection = "END OF SECTION}"

// Parse reads captures from data.
func Parse(data []byte) ([]*Response, error) {
	if !bytes.Contains(data, []byte("INFO{")) && !bytes.Contains(data, []byte("BODY{")) {
		return []*Response{{Body: bytes.TrimSpace(data)}}, nil
	}
	var out []*Response
	var cur *Response
	rest := data
	for {
		i := indexSection(rest)
		if i < 0 {
			break
		}
		rest = rest[i:]
		var name string
		switch {
		case bytes.HasPrefix(rest, []byte("INFO{")):
			name = "INFO"
		case bytes.HasPrefix(rest, []byte("HEADERS{")):
			name = "HEADERS"
		default:
			name = "BODY"
		}
		rest = rest[len(name)+1:]
		end := bytes.Index(rest, []byte(endSection))
		if end < 0 {
			return nil, fmt.Errorf("section %s not closed", name)
		}
		content := rest[:end]
		rest = rest[end+len(endSection):]
		switch name {
		case "INFO":
			cur = &Response{}
			out = append(out, cur)
			v, err := ParsePyLiteral(stripComments(string(content)))
			if err != nil {
				return nil, fmt.Errorf("INFO: %w", err)
			}
			m, _ := v.(map[string]any)
			cur.Info = m
		case "HEADERS":
			if cur == nil {
				cur = &Response{}
				out = append(out, cur)
			}
			v, err := ParsePyLiteral(stripComments(string(content)))
			if err != nil {
				return nil, fmt.Errorf("HEADERS: %w", err)
			}
			cur.Headers = map[string]string{}
			if m, ok := v.(map[string]any); ok {
				for k, val := range m {
					cur.Headers[k] = fmt.Sprint(val)
				}
			}
		case "BODY":
			if cur == nil {
				cur = &Response{}
				out = append(out, cur)
			}
			cur.Body = bytes.TrimSpace(content)
			cur = nil
		}
	}
	return out, nil
}

// indexSection finds the next INFO{, HEADERS{ or BODY{ at the start of a line.
func indexSection(b []byte) int {
	best := -1
	for _, tag := range []string{"INFO{", "HEADERS{", "BODY{"} {
		off := 0
		for {
			i := bytes.Index(b[off:], []byte(tag))
			if i < 0 {
				break
			}
			i += off
			if i == 0 || b[i-1] == '\n' || b[i-1] == '}' {
				if best < 0 || i < best {
					best = i
				}
				break
			}
			off = i + 1
		}
	}
	return best
}

func stripComments(s string) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Sections reads SECTION:name ... END OF SECTION blocks (request bodies a
// client builds), keyed by name.
func Sections(data []byte) map[string][]byte {
	out := map[string][]byte{}
	lines := strings.Split(string(data), "\n")
	var name string
	var buf []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "SECTION:"):
			name = strings.TrimSpace(strings.TrimPrefix(l, "SECTION:"))
			buf = nil
		case strings.TrimSpace(l) == "END OF SECTION" && name != "":
			out[name] = []byte(strings.Join(buf, "\n"))
			name = ""
		case name != "":
			if strings.HasPrefix(l, "#") {
				continue
			}
			buf = append(buf, l)
		}
	}
	return out
}
