package rest

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// entryCache keeps rendered entries keyed by object, revision and the
// rendering variant (base URL, path style, groups). It is bounded in bytes:
// a shard over its share drops about half its entries (arbitrary ones: Go
// map order), which is cheap and keeps hot entries coming back quickly.
type entryCache struct {
	shards [32]cacheShard
	limit  int64 // per shard
	seed   maphash.Seed
	hits   atomic.Uint64
	misses atomic.Uint64
}

type cacheKey struct {
	uuid    string
	variant string
}

type cacheVal struct {
	rev   uint64
	bytes []byte
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[cacheKey]cacheVal
	size int64
}

func newEntryCache(limit int64) *entryCache {
	c := &entryCache{limit: limit / 32, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[cacheKey]cacheVal{}
	}
	return c
}

func (c *entryCache) shard(k cacheKey) *cacheShard {
	return &c.shards[maphash.String(c.seed, k.uuid)%32]
}

// get returns the cached bytes for k at revision rev.
func (c *entryCache) get(k cacheKey, rev uint64) ([]byte, bool) {
	sh := c.shard(k)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	if ok && v.rev == rev {
		c.hits.Add(1)
		return v.bytes, true
	}
	c.misses.Add(1)
	return nil, false
}

// capacity is how many bytes the cache holds at most.
func (c *entryCache) capacity() int64 { return c.limit * int64(len(c.shards)) }

// fits tells whether n more bytes fit in k's share of the cache without
// evicting anything. Feeds cache what they render only then: a feed larger
// than the cache would otherwise evict its own entries before its next
// read.
func (c *entryCache) fits(k cacheKey, n int) bool {
	sh := c.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.size+int64(n) <= c.limit
}

// put stores bytes for k at rev (bytes must not change afterwards).
func (c *entryCache) put(k cacheKey, rev uint64, b []byte) {
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.m[k]; ok {
		if old.rev > rev {
			return
		}
		sh.size -= int64(len(old.bytes))
	}
	sh.m[k] = cacheVal{rev: rev, bytes: b}
	sh.size += int64(len(b))
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
}
