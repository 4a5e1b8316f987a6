package model

import "testing"

// FuzzParseUnits: parsing never panics; what parses formats back to a value
// that parses to the same amount.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"0.5", ".1", "1", "1.50", "20.00", "0.05", "-1", "1e3", "0.500",
		// Digits and signs outside ASCII or out of place, the limits of
		// an int64 of hundredths, precision beyond hundredths.
		"١", "٠.٥", "０.５", "0.5\u00a0", " 0.5", "+0.5", "0,5", "1.", ".", "", "-0", "-0.00", "00.50", "1_0", "0x1",
		"NaN", "Inf", "1e-2", "1.005", "0.001", "0.10000000000000000001", "92233720368547758.07", "92233720368547758.08",
		"9223372036854775807", "99999999999999999999.99", "0.5.5", "5-"} {
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

// TestUnitsString: at least one decimal, two when the hundredths are not
// zero (Fixed2: always two).
func TestUnitsString(t *testing.T) {
	fixed2 := map[Units]string{0: "0.00", 5: "0.05", 10: "0.10", 25: "0.25", 50: "0.50", 100: "1.00",
		150: "1.50", 101: "1.01", 2000: "20.00", 123456: "1234.56", -5: "-0.05", -150: "-1.50"}
	for u, want := range map[Units]string{0: "0.0", 5: "0.05", 10: "0.1", 25: "0.25", 50: "0.5", 100: "1.0",
		150: "1.5", 101: "1.01", 2000: "20.0", 123456: "1234.56", -5: "-0.05", -150: "-1.5"} {
		if got := u.String(); got != want {
			t.Errorf("Units(%d).String() = %q, want %q", u, got, want)
		}
		if got, want := u.Fixed2(), fixed2[u]; got != want {
			t.Errorf("Units(%d).Fixed2() = %q, want %q", u, got, want)
		}
		if got := string(u.Append([]byte("x"))); got != "x"+want {
			t.Errorf("Units(%d).Append = %q, want %q", u, got, "x"+want)
		}
	}
}
