package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Units is an amount of processing units in hundredths (PowerVM's
// granularity): 100 is one whole processor, 5 is 0.05.
type Units int64

// WholeProc is one processor in Units.
const WholeProc Units = 100

// ParseUnits reads "0.5", ".1", "1", "1.50". More than two decimals, signs
// and anything else are refused.
func ParseUnits(s string) (Units, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty processing units")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("%q is not a number of processing units", s)
			}
		}
	}
	if hasFrac && frac == "" {
		frac = "0"
	}
	// Trailing zeros beyond the hundredths are harmless ("0.500").
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if len(whole) > 9 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Units(w*100 + f), nil
}

// String formats with at least one decimal: 0.5, 1.0, 0.25.
func (u Units) String() string { return string(u.Append(nil)) }

// Append appends what String returns to dst.
func (u Units) Append(dst []byte) []byte {
	if u < 0 {
		dst, u = append(dst, '-'), -u
	}
	w, f := int64(u)/100, int64(u)%100
	dst = strconv.AppendInt(dst, w, 10)
	dst = append(dst, '.', byte('0'+f/10))
	if f%10 != 0 {
		dst = append(dst, byte('0'+f%10))
	}
	return dst
}

// Fixed2 formats with exactly two decimals: 0.50, 1.00.
func (u Units) Fixed2() string { return string(u.AppendFixed2(nil)) }

// AppendFixed2 appends what Fixed2 returns to dst.
func (u Units) AppendFixed2(dst []byte) []byte {
	if u < 0 {
		dst, u = append(dst, '-'), -u
	}
	dst = strconv.AppendInt(dst, int64(u)/100, 10)
	f := int64(u) % 100
	return append(dst, '.', byte('0'+f/10), byte('0'+f%10))
}
