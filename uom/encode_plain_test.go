package uom

import (
	"math/rand"
	"testing"
)

// plainByTable is plain as the tables say, a byte at a time.
func plainByTable(s string, table *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !table[s[i]] {
			return false
		}
	}
	return true
}

// TestPlainMatchesTable: plain, eight bytes at a time, says what the tables
// say of every string: each byte value at each place of strings of 0 to
// 24 bytes, and random strings.
func TestPlainMatchesTable(t *testing.T) {
	base := []byte("abcdefghijklmnopqrstuvwx")
	for n := 0; n <= len(base); n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := append([]byte(nil), base[:n]...)
				b[at] = byte(c)
				for _, table := range []*[256]bool{&plainText, &plainAttr} {
					if got, want := plain(string(b), table), plainByTable(string(b), table); got != want {
						t.Fatalf("plain(%q, attr %v) = %v, want %v", b, table == &plainAttr, got, want)
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("ab<>&\"\x00\x1f\x20\x7f\x80\xff")
	for range 100000 {
		b := make([]byte, rng.Intn(40))
		for i := range b {
			if rng.Intn(4) == 0 {
				b[i] = alphabet[rng.Intn(len(alphabet))]
			} else {
				b[i] = byte(0x20 + rng.Intn(0x5f))
			}
		}
		for _, table := range []*[256]bool{&plainText, &plainAttr} {
			if got, want := plain(string(b), table), plainByTable(string(b), table); got != want {
				t.Fatalf("plain(%q, attr %v) = %v, want %v", b, table == &plainAttr, got, want)
			}
		}
	}
}

func FuzzPlain(f *testing.F) {
	f.Add("abcdefgh<ijklmnop")
	f.Add("0123456789abcdef\"")
	f.Fuzz(func(t *testing.T, s string) {
		for _, table := range []*[256]bool{&plainText, &plainAttr} {
			if got, want := plain(s, table), plainByTable(s, table); got != want {
				t.Fatalf("plain(%q, attr %v) = %v, want %v", s, table == &plainAttr, got, want)
			}
		}
	})
}
