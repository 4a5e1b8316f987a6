package rest

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Entries of one kind rendered the same way (a feed's entries) differ in a
// few dozen values — names, IDs, UUIDs in links — and share everything
// else: two 10.5 KB partition entries differ in some 200 bytes. The cache
// keeps such an entry packed against a reference entry of its family (the
// first one of the family it stored): the runs of bytes the reference has
// too are kept as their place in it, the rest as they are. Unpacking is
// copying: a few dozen runs from the reference and the bytes between
// them. A 10,000-partition feed's entries take some 6 MB instead of 100.
//
// A packed entry is a sequence of
//
//	uvarint n, n literal bytes, [uvarint offset, uvarint length]
//
// pairs of a literal and a run of the reference, the last one a literal
// alone.

// packRef is a family's reference entry and the index of its 8-byte
// blocks.
type packRef struct {
	b     []byte
	table []uint32 // by blockHash: 1 + the offset of a block of b
	shift uint
}

// packMinRun is the shortest run of the reference worth an offset and a
// length.
const packMinRun = 16

// packResync is how far pack looks for the next element after a value
// that differs from the reference's.
const packResync = 256

func newPackRef(b []byte) *packRef {
	n := max(64, 1<<bits.Len(uint(len(b)/8*2)))
	r := &packRef{b: b, table: make([]uint32, n), shift: uint(64 - bits.Len(uint(n-1)))}
	// Later blocks win a slot: no matter, a run found anywhere is right.
	for i := 0; i+8 <= len(b); i += 8 {
		r.table[r.hash(binary.LittleEndian.Uint64(b[i:]))] = uint32(i + 1)
	}
	return r
}

func (r *packRef) hash(u uint64) uint64 { return (u * 0x9E3779B97F4A7C15) >> r.shift }

// pack appends t packed against r to dst.
func (r *packRef) pack(dst, t []byte) []byte {
	rb := r.b
	lit, p := 0, 0
	// next is where in rb the run that ended last would go on: after a
	// value of the same length as the reference's, the next run starts
	// there.
	next := -1
	for p+8 <= len(t) {
		u := binary.LittleEndian.Uint64(t[p:])
		c := next + (p - lit)
		if next < 0 || c+8 > len(rb) || binary.LittleEndian.Uint64(rb[c:]) != u {
			c = -1
		}
		if c < 0 && p == lit && next >= 0 {
			// A run just ended where the entry's value differs from the
			// reference's. Values hold no "<": the next element starts
			// at the next "<" of each, whatever the values' lengths;
			// what the values end with alike is found going back from
			// there. (Otherwise the search goes on byte by byte.)
			i := bytes.IndexByte(t[p:min(len(t), p+packResync)], '<')
			j := bytes.IndexByte(rb[next:min(len(rb), next+packResync)], '<')
			if i >= 0 && j >= 0 && p+i+8 <= len(t) && next+j+8 <= len(rb) &&
				binary.LittleEndian.Uint64(t[p+i:]) == binary.LittleEndian.Uint64(rb[next+j:]) {
				p, c = p+i, next+j
				u = binary.LittleEndian.Uint64(t[p:])
			}
		}
		if c < 0 {
			c = int(r.table[r.hash(u)]) - 1
			if c < 0 || binary.LittleEndian.Uint64(rb[c:]) != u {
				p++
				continue
			}
		}
		s, cs := p, c
		for s > lit && cs > 0 && t[s-1] == rb[cs-1] {
			s, cs = s-1, cs-1
		}
		n := 8 + commonPrefix(t[p+8:], rb[c+8:])
		e, ce := p+n, c+n
		if e-s < packMinRun {
			p++
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(s-lit))
		dst = append(dst, t[lit:s]...)
		dst = binary.AppendUvarint(dst, uint64(cs))
		dst = binary.AppendUvarint(dst, uint64(e-s))
		lit, p, next = e, e, ce
	}
	dst = binary.AppendUvarint(dst, uint64(len(t)-lit))
	return append(dst, t[lit:]...)
}

// commonPrefix is how many bytes a and b start with alike.
func commonPrefix(a, b []byte) int {
	n, m := 0, min(len(a), len(b))
	for n+64 <= m && bytes.Equal(a[n:n+64], b[n:n+64]) {
		n += 64
	}
	for n+8 <= m && binary.LittleEndian.Uint64(a[n:]) == binary.LittleEndian.Uint64(b[n:]) {
		n += 8
	}
	for n < m && a[n] == b[n] {
		n++
	}
	return n
}

// unpack appends the entry packed in p against r to dst.
func (r *packRef) unpack(dst, p []byte) []byte {
	for {
		n, k := binary.Uvarint(p)
		p = p[k:]
		dst = append(dst, p[:n]...)
		p = p[n:]
		if len(p) == 0 {
			return dst
		}
		off, k := binary.Uvarint(p)
		p = p[k:]
		l, k := binary.Uvarint(p)
		p = p[k:]
		dst = append(dst, r.b[off:off+l]...)
	}
}
