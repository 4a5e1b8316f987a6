// Package backup writes and reads the backups NovaLink keeps of a managed
// system: profile.bak (the partition configuration in the HMC lssyscfg
// style), its conversion from and to the model, the names and atomic
// writes of the backup files, and the hourly/daily backup schedule.
package backup

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ConfigVersion is the CONFIG_VERSION NovaLink writes.
const ConfigVersion = "0000000000030003"

// Profile is the content of a profile.bak file: a header and one record
// per partition.
type Profile struct {
	// ConfigVersion is 16 hexadecimal digits (ConfigVersion).
	ConfigVersion string
	// TOD is when the backup was taken, ms since the epoch.
	TOD int64
	// MTMS is the managed system, type-model*serial.
	MTMS    string
	Records []Record
}

// Record is one partition: its attributes in order.
type Record []Attr

// Attr is one attr=value pair. Names are lower-case letters, digits and
// '_'; values may hold any bytes.
type Attr struct {
	Name  string
	Value string
}

// Get returns the value of an attribute.
func (r Record) Get(name string) (string, bool) {
	for _, a := range r {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// The file format, line by line (every line ends with "\n", the last one
// too, so that a truncated file is noticed):
//
//	CONFIG_VERSION = <16 hex digits>
//	TOD = <ms since the epoch: decimal, no sign, no leading zero>
//	MTMS = <type>-<model>*<serial>
//	<record>
//	...
//
// A record is its pairs joined by ','. A pair is name + `\=` + the escaped
// value, where escaping writes '\' as `\\`, '=' as `\=`, LF as `\n` and CR
// as `\r` and leaves every other byte as it is. A pair whose value holds a
// ',' or a '"' is wrapped in double quotes (the quotes surround the whole
// name\=value), and inside them each '"' of the value is doubled, as the
// HMC does. Those are the only forms: Parse refuses anything else (a raw
// '=', an unknown escape, needless quotes, a lone '"'), so that whatever it
// accepts, Write gives back byte for byte.

// ParseError says where a profile.bak is wrong.
type ParseError struct {
	Line int // 1-based; 0 for the file as a whole
	Col  int // 1-based byte column; 0 when not about one place
	Msg  string
}

func (e *ParseError) Error() string {
	switch {
	case e.Line == 0:
		return "profile.bak: " + e.Msg
	case e.Col == 0:
		return fmt.Sprintf("profile.bak line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("profile.bak line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func perr(line, col int, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// Write encodes a profile. It refuses what it could not read back: a bad
// header, an attribute name outside [a-z0-9_], an attribute twice in a
// record, an empty record.
func Write(p *Profile) ([]byte, error) {
	if !isConfigVersion(p.ConfigVersion) {
		return nil, fmt.Errorf("profile.bak: CONFIG_VERSION %q is not 16 hexadecimal digits", p.ConfigVersion)
	}
	if p.TOD < 0 {
		return nil, fmt.Errorf("profile.bak: TOD %d is negative", p.TOD)
	}
	if !isMTMS(p.MTMS) {
		return nil, fmt.Errorf("profile.bak: MTMS %q is not type-model*serial", p.MTMS)
	}
	var b bytes.Buffer
	b.WriteString("CONFIG_VERSION = " + p.ConfigVersion + "\n")
	b.WriteString("TOD = " + strconv.FormatInt(p.TOD, 10) + "\n")
	b.WriteString("MTMS = " + p.MTMS + "\n")
	for i, r := range p.Records {
		if len(r) == 0 {
			return nil, fmt.Errorf("profile.bak: record %d has no attributes", i+1)
		}
		seen := make(map[string]bool, len(r))
		for j, a := range r {
			if !isName(a.Name) {
				return nil, fmt.Errorf("profile.bak: record %d: attribute name %q is not lower-case letters, digits and '_'", i+1, a.Name)
			}
			if seen[a.Name] {
				return nil, fmt.Errorf("profile.bak: record %d: attribute %s appears twice", i+1, a.Name)
			}
			seen[a.Name] = true
			if j > 0 {
				b.WriteByte(',')
			}
			writePair(&b, a)
		}
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func writePair(b *bytes.Buffer, a Attr) {
	quoted := strings.ContainsAny(a.Value, `,"`)
	if quoted {
		b.WriteByte('"')
	}
	b.WriteString(a.Name)
	b.WriteString(`\=`)
	for i := 0; i < len(a.Value); i++ {
		switch c := a.Value[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '=':
			b.WriteString(`\=`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '"':
			b.WriteString(`""`) // only ever inside quotes
		default:
			b.WriteByte(c)
		}
	}
	if quoted {
		b.WriteByte('"')
	}
}

// Parse decodes a profile.bak.
func Parse(data []byte) (*Profile, error) {
	if len(data) == 0 {
		return nil, perr(0, 0, "the file is empty (truncated?)")
	}
	if data[len(data)-1] != '\n' {
		n := bytes.Count(data, []byte("\n")) + 1
		return nil, perr(n, 0, "truncated: the last line does not end with a newline")
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	p := &Profile{}
	header := []struct {
		key string
		set func(v string, line int) error
	}{
		{"CONFIG_VERSION", func(v string, line int) error {
			if !isConfigVersion(v) {
				return perr(line, 18, "CONFIG_VERSION %q is not 16 hexadecimal digits", v)
			}
			p.ConfigVersion = v
			return nil
		}},
		{"TOD", func(v string, line int) error {
			tod, ok := parseTOD(v)
			if !ok {
				return perr(line, 7, "TOD %q is not a time in milliseconds since the epoch (decimal digits, no sign, no leading zero)", v)
			}
			p.TOD = tod
			return nil
		}},
		{"MTMS", func(v string, line int) error {
			if !isMTMS(v) {
				return perr(line, 8, "MTMS %q is not type-model*serial", v)
			}
			p.MTMS = v
			return nil
		}},
	}
	for i, h := range header {
		if i >= len(lines) {
			return nil, perr(i+1, 0, "truncated: the header line %s = ... is missing", h.key)
		}
		if strings.HasSuffix(lines[i], "\r") {
			return nil, perr(i+1, len(lines[i]), "the line ends with a carriage return (CRLF line ends are not accepted)")
		}
		v, ok := strings.CutPrefix(lines[i], h.key+" = ")
		if !ok {
			return nil, perr(i+1, 1, "expected the header line %s = ..., found %q", h.key, clip(lines[i]))
		}
		if err := h.set(v, i+1); err != nil {
			return nil, err
		}
	}
	for i, line := range lines[len(header):] {
		r, err := parseRecord(line, len(header)+i+1)
		if err != nil {
			return nil, err
		}
		p.Records = append(p.Records, r)
	}
	return p, nil
}

// parseRecord reads one partition line.
func parseRecord(line string, n int) (Record, error) {
	if line == "" {
		return nil, perr(n, 0, "empty line where a partition record was expected")
	}
	var r Record
	seen := map[string]bool{}
	pos := 0
	for {
		if pos == len(line) {
			return nil, perr(n, pos+1, "expected an attribute after ','")
		}
		start := pos
		quoted := line[pos] == '"'
		if quoted {
			pos++
		}
		ns := pos
		for pos < len(line) && isNameByte(line[pos]) {
			pos++
		}
		name := line[ns:pos]
		if name == "" {
			return nil, perr(n, pos+1, "expected an attribute name (lower-case letters, digits, '_'), found %q", clip(line[pos:]))
		}
		if !strings.HasPrefix(line[pos:], `\=`) {
			return nil, perr(n, pos+1, `attribute %s: expected \= after the name, found %q`, name, clip(line[pos:]))
		}
		pos += 2
		var v strings.Builder
		closed := false
	value:
		for pos < len(line) {
			switch c := line[pos]; c {
			case '\\':
				if pos+1 == len(line) {
					return nil, perr(n, pos+1, "attribute %s: the line ends in the middle of an escape", name)
				}
				switch e := line[pos+1]; e {
				case '\\', '=':
					v.WriteByte(e)
				case 'n':
					v.WriteByte('\n')
				case 'r':
					v.WriteByte('\r')
				default:
					return nil, perr(n, pos+1, `attribute %s: unknown escape \%c (known: \\ \= \n \r)`, name, e)
				}
				pos += 2
			case '"':
				if !quoted {
					return nil, perr(n, pos+1, `attribute %s: a double quote in a value needs the whole pair in double quotes ("%s\=...")`, name, name)
				}
				if pos+1 < len(line) && line[pos+1] == '"' {
					v.WriteByte('"')
					pos += 2
					continue
				}
				pos++
				closed = true
				break value
			case ',':
				if !quoted {
					break value
				}
				v.WriteByte(',')
				pos++
			case '=':
				return nil, perr(n, pos+1, `attribute %s: an '=' in a value is written \=`, name)
			case '\r':
				return nil, perr(n, pos+1, `attribute %s: a carriage return in a value is written \r (CRLF line ends are not accepted)`, name)
			default:
				v.WriteByte(c)
				pos++
			}
		}
		val := v.String()
		if quoted {
			if !closed {
				return nil, perr(n, start+1, "attribute %s: unterminated quote (the line ends before the closing '\"')", name)
			}
			if !strings.ContainsAny(val, `,"`) {
				return nil, perr(n, start+1, "attribute %s: needless quotes (quotes are for values holding ',' or '\"')", name)
			}
		}
		if seen[name] {
			return nil, perr(n, start+1, "attribute %s appears twice", name)
		}
		seen[name] = true
		r = append(r, Attr{Name: name, Value: val})
		if pos == len(line) {
			return r, nil
		}
		if line[pos] != ',' {
			return nil, perr(n, pos+1, "attribute %s: expected ',' after the closing quote, found %q", name, clip(line[pos:]))
		}
		pos++
	}
}

func isNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

func isConfigVersion(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isMTMS checks type-model*serial (letters and digits in each part).
func isMTMS(s string) bool {
	tm, serial, ok := strings.Cut(s, "*")
	if !ok {
		return false
	}
	typ, mod, ok := strings.Cut(tm, "-")
	if !ok {
		return false
	}
	for _, part := range []string{typ, mod, serial} {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if !isAlnum(part[i]) {
				return false
			}
		}
	}
	return true
}

// parseTOD reads a canonical non-negative decimal int64.
func parseTOD(s string) (int64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// clip shortens what an error message quotes.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
