package rest

import (
	"bytes"
	"cmp"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// TestLargeFeeds: feeds of 300 to 1,000 partitions, streamed (over 8 MB)
// or sent with a Content-Length, rendered by several workers or by one,
// from a cold or a warm cache or not cached (larger than half the cache),
// are the same document, entries in order; a warm read of one that fits
// the cache (packed) renders nothing.
func TestLargeFeeds(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inv := core.DefaultInventory()
	inv.Clients.Count, inv.Clients.Running, inv.System.MaxPartitions = 997, 300, 1100
	inv.Clients.MemoryMB, inv.Clients.MinMemoryMB, inv.Clients.ProcUnits = 256, 256, 0.05
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: clk,
		Timing: sim.Profiles["fast"], Inventory: inv, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, hs, tok := serveAdmin(t, c, log)
	// get answers the status, the Content-Length header and the body,
	// once the entries the feed rendered are in the cache (they are
	// stored after the answer).
	get := func(method, path string) (int, string, []byte) {
		resp, b := sessionDo(t, hs, tok, method, path)
		resp.Body.Close() // closed by sessionDo already
		s.storing.Wait()
		return resp.StatusCode, resp.Header.Get("Content-Length"), b
	}
	sys := c.System().UUID
	// A cache that holds the feed packed (some 600 KB) but not as it is
	// (10 MB): after an entry read on its own (its family's reference)
	// and a first read of the feed, the feed is read from the cache.
	s.cache = newEntryCache(8 << 20)
	var lpar10 string
	c.Read(func(st *model.State) { lpar10 = st.PartitionByName("lpar10").UUID })
	if status, _, _ := get(http.MethodGet, "/rest/api/uom/LogicalPartition/"+lpar10); status != http.StatusOK {
		t.Fatalf("GET lpar10: %d", status)
	}
	for i := range 2 {
		misses := s.cache.misses.Load()
		if status, _, _ := get(http.MethodGet, "/rest/api/uom/ManagedSystem/"+sys+"/LogicalPartition"); status != http.StatusOK {
			t.Fatalf("GET feed: %d", status)
		}
		if n := s.cache.misses.Load() - misses; i == 1 && n != 0 {
			t.Errorf("the second read of a feed the cache holds packed rendered %d entries", n)
		}
	}
	for _, path := range []string{"/rest/api/uom/LogicalPartition", "/rest/api/uom/ManagedSystem/" + sys + "/LogicalPartition?group=None",
		"/rest/api/uom/LogicalPartition/search/(PartitionState==running)",
		"/rest/api/uom/LogicalPartition/search/(PartitionState==not%20activated)"} {
		var want []byte
		for _, run := range []struct {
			workers int
			cold    bool
			cache   int64 // a cache of this size (a feed of over half of it is not cached)
		}{{1, true, 0}, {1, false, 0}, {3, true, 0}, {3, false, 0}, {2, false, 0}, {2, true, 128 << 10}, {2, false, 128 << 10}} {
			s.feedWorkers = run.workers
			if run.cold {
				s.cache = newEntryCache(cmp.Or(run.cache, s.cfg.CacheBytes))
			}
			misses := s.cache.misses.Load()
			status, cl, body := get(http.MethodGet, path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", path, status)
			}
			if n := s.cache.misses.Load() - misses; !run.cold && run.cache == 0 && n != 0 {
				t.Errorf("GET %s: %d entries not in the cache on a warm read (the packed feed fits)", path, n)
			}
			streamed := len(body) > feedLengthLimit
			if streamed != (cl == "") || (cl != "" && cl != strconv.Itoa(len(body))) {
				t.Errorf("GET %s: %d bytes with Content-Length %q", path, len(body), cl)
			}
			if run.cache != 0 {
				n := 0
				for i := range s.cache.shards {
					n += len(s.cache.shards[i].m)
				}
				if n > auxBatch {
					t.Errorf("GET %s: a feed larger than half the cache left %d entries in it", path, n)
				}
			}
			if want == nil {
				want = body
				if n := bytes.Count(body, []byte("<entry>")); n < 300 {
					t.Fatalf("GET %s: %d entries", path, n)
				}
				continue
			}
			if !bytes.Equal(body, want) {
				t.Errorf("GET %s with %d workers (cold %v) differs from one worker's: %s", path, run.workers, run.cold, firstDiff(body, want))
			}
		}
		if path != "/rest/api/uom/LogicalPartition" {
			continue // HEAD is routed for root feeds
		}
		status, _, body := get(http.MethodHead, path)
		if status != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD %s: %d, %d bytes", path, status, len(body))
		}
	}
}

// TestCacheStylesBeyondNumbered: once the server has numbered as many
// entry styles as it will, entries of further styles are still cached
// apart, style by style: two group selections read in turn, twice, each
// answer what it asks for (the second time from the cache).
func TestCacheStylesBeyondNumbered(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Inventory: core.DefaultInventory(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, hs, tok := serveAdmin(t, c, log)
	for i := range maxStyles + 10 {
		s.styles.number("filler " + strconv.Itoa(i))
	}
	if n := s.styles.number("one more"); n != 0 {
		t.Fatalf("style numbered %d beyond the bound", n)
	}
	var lpar string
	c.Read(func(st *model.State) {
		lpar = st.SortedPartitions(func(p *model.Partition) bool { return !p.IsVIOS() && !p.IsMgmt })[0].UUID
	})
	get := func(query string) []byte {
		resp, b := sessionDo(t, hs, tok, http.MethodGet, "/rest/api/uom/LogicalPartition/"+lpar+query)
		resp.Body.Close() // closed by sessionDo already
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", query, resp.StatusCode, b)
		}
		return b
	}
	all, none := get(""), get("?group=None")
	if bytes.Equal(all, none) || !bytes.Contains(all, []byte("<PartitionName")) {
		t.Fatalf("the two selections answer alike")
	}
	hits := s.cache.hits.Load()
	if b := get(""); !bytes.Equal(b, all) {
		t.Errorf("the entry read again differs: %s", firstDiff(b, all))
	}
	if b := get("?group=None"); !bytes.Equal(b, none) {
		t.Errorf("the entry read again with group=None differs: %s", firstDiff(b, none))
	}
	if n := s.cache.hits.Load() - hits; n != 2 {
		t.Errorf("%d of the 2 reads came from the cache", n)
	}
}

// serveAdmin serves c's REST API on a loopback test server with an
// administrator's session logged on (its token returned); the server
// stops when t ends.
func serveAdmin(t testing.TB, c *core.Core, log *slog.Logger) (*Server, *httptest.Server, string) {
	s := New(c, Config{SessionDir: t.TempDir(), Logger: log})
	tok := newToken()
	s.sessions.add(&session{token: tok, user: "padmin", role: core.RoleAdmin})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs, tok
}

// sessionDo sends method path (with its query) to hs under the session
// tok and answers the response, its body read (and closed) into body.
func sessionDo(t testing.TB, hs *httptest.Server, tok, method, path string) (resp *http.Response, body []byte) {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Session", tok)
	resp, err = hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, body
}
