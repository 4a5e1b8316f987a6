package model

import "testing"

// FuzzParseUnits: parsing never panics; what parses formats back to a value
// that parses to the same amount.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"0.5", ".1", "1", "1.50", "20.00", "0.05", "-1", "1e3", "0.500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUnits(s)
		if err != nil {
			return
		}
		if u < 0 {
			t.Fatalf("%q parsed to negative %d", s, u)
		}
		back, err := ParseUnits(u.String())
		if err != nil || back != u {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, u, u.String(), back, err)
		}
	})
}
