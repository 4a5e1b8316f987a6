package rest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestPackRoundTrip: an entry packed against any reference unpacks to
// itself — entries of NovaLink's captured feeds against the first of their
// feed and against other feeds' entries, and bytes that share little or
// nothing with the reference — and entries of one feed pack small.
func TestPackRoundTrip(t *testing.T) {
	entry := regexp.MustCompile(`(?s)<entry>.*?</entry>`)
	var feeds [][][]byte
	for _, name := range []string{"lpar.txt", "fake_vios_feed.txt", "fake_lpar_feed.txt", "cna_feed.txt", "fake_virtual_switch.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "pypowervm", name))
		if err != nil {
			t.Fatal(err)
		}
		es := entry.FindAll(b, -1)
		if len(es) == 0 {
			t.Fatalf("%s: no entries", name)
		}
		feeds = append(feeds, es)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 5000)
	for i := range noise {
		noise[i] = byte(rnd.IntN(256))
	}
	check := func(what string, ref, t0 []byte) int {
		t.Helper()
		r := newPackRef(bytes.Clone(ref))
		p := r.pack([]byte("x"), t0)[1:] // appends
		got := r.unpack([]byte("y"), p)
		if !bytes.Equal(got[1:], t0) || got[0] != 'y' {
			t.Errorf("%s: unpacks differently: %s", what, firstDiff(got[1:], t0))
		}
		return len(p)
	}
	for i, es := range feeds {
		for j, e := range es {
			n := check("entry against the feed's first", es[0], e)
			if j > 0 && len(e) > 2000 && n > len(e)/4 {
				t.Errorf("feed %d entry %d: %d bytes packed to %d", i, j, len(e), n)
			}
			check("entry against another feed's", feeds[(i+1)%len(feeds)][0], e)
			check("entry against noise", noise, e)
			check("noise against the entry", e, noise)
			// The entry cut, or with its middle changed.
			check("a prefix", e, e[:len(e)/3])
			m := bytes.Clone(e)
			copy(m[len(m)/2:], "<changed value that is longer than the packing's shortest run>")
			check("changed", e, m)
		}
	}
	for _, c := range []struct{ ref, t string }{{"", ""}, {"a", ""}, {"", "abc"}, {"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"},
		{"0123456789abcdef0123456789abcdef", "XX0123456789abcdef0123456789abcdefYY"}} {
		check("short", []byte(c.ref), []byte(c.t))
	}
}
