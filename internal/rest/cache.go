package rest

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// entryCache keeps rendered entries keyed by object, revision and the
// rendering variant (base URL, path style, groups), packed against a
// reference entry of their family (cache_pack.go) when that makes them
// small. It is bounded in bytes (what it keeps, packed): a shard over its
// share drops about half its entries (arbitrary ones: Go map order), which
// is cheap and keeps hot entries coming back quickly.
type entryCache struct {
	shards [32]cacheShard
	limit  int64 // per shard
	seed   maphash.Seed
	hits   atomic.Uint64
	misses atomic.Uint64

	refsMu sync.Mutex
	refs   map[string]*packRef // by family
	tmpls  map[string]*tmplSet // by family (template.go)
	// allTmpls counts the templates of all families, up to maxTmpls
	// (templateLimit).
	allTmpls atomic.Int64
	maxTmpls int64
}

// maxPackFamilies bounds the reference entries kept: beyond, entries of
// new families are kept as they are.
const maxPackFamilies = 1024

// cacheKey is an object's entry as a request style renders it: style
// numbers the entry style (styleSet; 0: a style beyond those numbered,
// spelt out in extra), extra is what else the rendering depends on.
// Hashing it hashes the UUID and little else.
type cacheKey struct {
	uuid  string
	style uint32
	extra string
}

type cacheVal struct {
	rev uint64
	// ref is nil when bytes are the entry itself; otherwise bytes are the
	// entry packed against ref.
	ref   *packRef
	bytes []byte
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[cacheKey]cacheVal
	size int64
	// Each shard on cache lines of its own: a feed's workers store
	// into different shards at once, and shards sharing a line made
	// their locks' writes contend.
	_ [128 - 24 - 8 - 8]byte
}

func newEntryCache(limit int64) *entryCache {
	c := &entryCache{limit: limit / 32, seed: maphash.MakeSeed(), refs: map[string]*packRef{}, tmpls: map[string]*tmplSet{}, maxTmpls: templateLimit(limit)}
	for i := range c.shards {
		c.shards[i].m = map[cacheKey]cacheVal{}
	}
	return c
}

func (c *entryCache) shard(k cacheKey) *cacheShard {
	return &c.shards[maphash.String(c.seed, k.uuid)%32]
}

// appendTo appends the cached bytes for k at revision rev to dst.
func (c *entryCache) appendTo(dst []byte, k cacheKey, rev uint64) ([]byte, bool) {
	sh := c.shard(k)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	if !ok || v.rev != rev {
		c.misses.Add(1)
		return dst, false
	}
	c.hits.Add(1)
	if v.ref == nil {
		return append(dst, v.bytes...), true
	}
	return v.ref.unpack(dst, v.bytes), true
}

// expect makes room in the shards' maps for n more entries when they hold
// few: a large feed read cold then does not grow them step by step.
func (c *entryCache) expect(n int) {
	per := n / len(c.shards)
	if per < 64 {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		if len(sh.m) < per/4 {
			m := make(map[cacheKey]cacheVal, per+len(sh.m))
			for k, v := range sh.m {
				m[k] = v
			}
			sh.m = m
		}
		sh.mu.Unlock()
	}
}

// has tells whether the cache holds k at revision rev.
func (c *entryCache) has(k cacheKey, rev uint64) bool {
	sh := c.shard(k)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	return ok && v.rev == rev
}

// capacity is how many bytes the cache holds at most.
func (c *entryCache) capacity() int64 { return c.limit * int64(len(c.shards)) }

// put stores the entry b (not kept: put copies what it keeps) for k at
// rev, packed against the reference of its family when it packs to less
// than half its size. With evict false, it stores only what fits in k's
// share of the cache without evicting anything (feeds cache what they
// render only then: a feed larger than the cache would otherwise evict
// its own entries before its next read). It returns how many bytes it
// stored for the entry (0: none, or b became its family's reference: a
// cost paid once, not one of every entry).
func (c *entryCache) put(k cacheKey, rev uint64, b []byte, family string, evict bool) int {
	v := cacheVal{rev: rev}
	ref, made := c.ref(family, b)
	switch {
	case made:
		v.bytes = ref.b // b became the reference: kept once
	case ref != nil:
		if p := ref.pack(make([]byte, 0, len(b)/8), b); len(p) < len(b)/2 {
			v.ref, v.bytes = ref, p
		}
	}
	if v.bytes == nil {
		v.bytes = bytes.Clone(b)
	}
	return c.store(k, v, made, evict)
}

// putWritten stores the entry b, written as e says (appendWritten), for k
// at rev, as put does.
func (c *entryCache) putWritten(k cacheKey, rev uint64, e writtenEntry, b []byte, evict bool) int {
	switch {
	case e.ref != nil && e.packed == nil:
		return c.store(k, cacheVal{rev: rev, bytes: e.ref.b}, true, evict)
	case e.storedPacked(b):
		return c.putPacked(k, rev, e.ref, e.packed, evict)
	}
	return c.store(k, cacheVal{rev: rev, bytes: bytes.Clone(b)}, false, evict)
}

// storedPacked tells whether the entry b, written as e says, is stored
// packed (putWritten): packed against a reference in under half its size.
func (e writtenEntry) storedPacked(b []byte) bool {
	return e.ref != nil && e.packed != nil && len(e.packed) < len(b)/2
}

// putPacked stores an entry packed against ref (a copy of packed) for k
// at rev, as put does.
func (c *entryCache) putPacked(k cacheKey, rev uint64, ref *packRef, packed []byte, evict bool) int {
	return c.store(k, cacheVal{rev: rev, ref: ref, bytes: bytes.Clone(packed)}, false, evict)
}

// store keeps v for k (see put); made: v's bytes are a family's reference.
func (c *entryCache) store(k cacheKey, v cacheVal, made, evict bool) int {
	rev := v.rev
	stored := len(v.bytes)
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old, had := sh.m[k]
	if had && old.rev > rev {
		return 0
	}
	if !evict && sh.size+int64(stored) > c.limit {
		return 0
	}
	if had {
		sh.size -= int64(len(old.bytes))
	}
	sh.m[k] = v
	sh.size += int64(len(v.bytes))
	if made {
		stored = 0
	}
	if sh.size > c.limit {
		n := len(sh.m) / 2
		for key, v := range sh.m {
			if n == 0 {
				break
			}
			delete(sh.m, key)
			sh.size -= int64(len(v.bytes))
			n--
		}
	}
	return stored
}

// ref returns the reference entry of family; when the family has none
// yet, it makes a copy of b the reference (made). nil: no family, or too
// many.
func (c *entryCache) ref(family string, b []byte) (r *packRef, made bool) {
	if family == "" || len(b) < 2*packMinRun {
		return nil, false
	}
	c.refsMu.Lock()
	defer c.refsMu.Unlock()
	if r := c.refs[family]; r != nil {
		return r, false
	}
	if len(c.refs) >= maxPackFamilies {
		return nil, false
	}
	r = newPackRef(bytes.Clone(b))
	c.refs[family] = r
	return r, true
}
