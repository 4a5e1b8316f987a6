package backup

import (
	"fmt"
	"strconv"
	"strings"
)

// List values (io_slots, virtual_eth_adapters ...) are HMC style: items
// joined by ',', "none" for no item, and an item that holds a ',' (the
// tagged VLANs of an Ethernet adapter, the WWPN pair of a Fibre Channel
// client adapter) wrapped in double quotes. Items are fields joined by
// '/'. Free-text fields (partition, switch and device names, location
// codes) escape the four characters that would break that structure as
// %25 ('%'), %2F ('/'), %2C (',') and %22 ('"'); nothing else is escaped at
// this level (profile.go escapes what the line needs).

const noItems = "none"

// joinList writes items as an HMC list value.
func joinList(items []string) string {
	if len(items) == 0 {
		return noItems
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.Contains(it, ",") {
			b.WriteString(`"` + it + `"`)
		} else {
			b.WriteString(it)
		}
	}
	return b.String()
}

// splitList reads an HMC list value.
func splitList(v string) ([]string, error) {
	if v == noItems || v == "" {
		return nil, nil
	}
	var out []string
	for pos := 0; ; {
		var it string
		if pos < len(v) && v[pos] == '"' {
			end := strings.IndexByte(v[pos+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("item %d has no closing double quote", len(out)+1)
			}
			it = v[pos+1 : pos+1+end]
			pos += end + 2
			if pos < len(v) && v[pos] != ',' {
				return nil, fmt.Errorf("item %d: expected ',' after the closing double quote", len(out)+1)
			}
		} else {
			end := strings.IndexByte(v[pos:], ',')
			if end < 0 {
				end = len(v) - pos
			}
			it = v[pos : pos+end]
			pos += end
			if strings.Contains(it, `"`) {
				return nil, fmt.Errorf("item %d %q has a stray double quote", len(out)+1, it)
			}
		}
		if it == "" {
			return nil, fmt.Errorf("item %d is empty", len(out)+1)
		}
		out = append(out, it)
		if pos == len(v) {
			return out, nil
		}
		pos++ // the ','
		if pos == len(v) {
			return nil, fmt.Errorf("the list ends with ','")
		}
	}
}

// escField escapes a free-text field of an item.
func escField(s string) string {
	if !strings.ContainsAny(s, `%/,"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%', '/', ',', '"':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescField reverses escField.
func unescField(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", fmt.Errorf("%q has a '%%' that is not followed by two hexadecimal digits", s)
		}
		v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// fields splits an item into at least min and at most max fields; the
// missing optional ones are "".
func fields(item string, min, max int) ([]string, error) {
	f := strings.Split(item, "/")
	if len(f) < min || len(f) > max {
		if min == max {
			return nil, fmt.Errorf("it has %d fields separated by '/', not %d", len(f), min)
		}
		return nil, fmt.Errorf("it has %d fields separated by '/', not %d to %d", len(f), min, max)
	}
	for len(f) < max {
		f = append(f, "")
	}
	return f, nil
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func parse01(s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%q is not 0 or 1", s)
}

// atoi reads a decimal integer (no sign unless allowed).
func atoi(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("a number is missing")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return v, nil
}
