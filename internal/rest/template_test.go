package rest

import (
	"bytes"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// TestTemplatesWriteAlike: an entry written against its family's
// templates (recorded, replayed, or written without one when the family
// has its fill) is byte for byte the entry written without templates (as
// TestWriteMatchesTree holds to the tree's encoding, the Atom header as
// uom.AppendEntryStart writes it), for every object of the seeded server
// and its variants, every group selection, in two orders and against a
// template recorded from each of the others; and its packed form unpacks
// to it.
func TestTemplatesWriteAlike(t *testing.T) {
	f := newWriteFixture(t)
	s := f.s
	var replayed, recorded, unmatched int
	for name, k := range s.kinds {
		if k.write == nil {
			continue
		}
		var objs []object
		rc0 := &renderCtx{base: "http://127.0.0.1:12080", now: f.clk.Now()}
		f.c.Read(func(st *model.State) {
			rc0.sys, rc0.acct = st.System, st.Accounting()
			for _, o := range k.list(st, st.System.UUID) {
				if k.aux != nil {
					o.aux = k.aux(st, o)
				}
				objs = append(objs, f.variants(o)...)
			}
		})
		r := httptest.NewRequest(http.MethodGet, "/rest/api/uom/"+name, nil)
		for _, g := range f.groups {
			rc := *rc0
			s.prepareEntries(r, k, &rc, g)
			want := make([][]byte, len(objs))
			for i, o := range objs {
				want[i] = s.appendEntry(nil, k, o, &rc, g, rc.prefix+o.uuid, false)
			}
			check := func(ts *tmplSet, i int) writtenEntry {
				t.Helper()
				got, e := appendWritten([]byte("<entry>"), k, objs[i], &rc, g, ts, nil)
				if !bytes.Equal(got, want[i]) {
					t.Fatalf("%s %s, groups %q: written against templates\n%s\nbut without\n%s", name, objs[i].uuid, g.key,
						firstDiff(got, want[i]), firstDiff(want[i], got))
				}
				entry := got[len("<entry>"):]
				switch {
				case e.ref == nil:
				case e.packed == nil:
					if !bytes.Equal(e.ref.b, entry) {
						t.Fatalf("%s %s, groups %q: recorded, but the template is not the entry", name, objs[i].uuid, g.key)
					}
				default:
					if u := e.ref.unpack(nil, e.packed); !bytes.Equal(u, entry) {
						t.Fatalf("%s %s, groups %q: the packed entry unpacks to\n%s", name, objs[i].uuid, g.key, firstDiff(u, entry))
					}
				}
				return e
			}
			ts := &tmplSet{}
			order := rand.New(rand.NewPCG(1, uint64(len(g.key)))).Perm(len(objs))
			// An object a template was recorded from follows it again.
			own := make([]bool, len(objs))
			for pass, seq := range [][]int{identity(len(objs)), order} {
				for _, i := range seq {
					before := len(ts.templates())
					e := check(ts, i)
					switch {
					case e.replayed:
						replayed++
					case len(ts.templates()) > before:
						recorded++
						own[i] = true
					case pass == 1 && own[i]:
						t.Errorf("%s %s, groups %q: it does not follow the template recorded from it", name, objs[i].uuid, g.key)
					}
				}
			}
			// A family with its fill of templates, all recorded from
			// one object: every other is written against it, or as
			// without templates (packed against it) when its shape
			// differs.
			for i := range objs {
				full := &tmplSet{}
				check(full, i)
				l := full.templates()
				for len(l) < maxTemplates {
					l = append(l, l[0])
				}
				full.list.Store(&l)
				for j := range objs {
					if e := check(full, j); e.replayed {
						replayed++
					} else {
						unmatched++
					}
				}
				if n := len(full.templates()); n != maxTemplates {
					t.Fatalf("a full family has %d templates", n)
				}
			}
		}
	}
	t.Logf("%d entries replayed, %d recorded, %d without a template", replayed, recorded, unmatched)
	if replayed < 100 || recorded < 10 || unmatched < 10 {
		t.Fatalf("%d entries replayed, %d recorded, %d without a template: too few", replayed, recorded, unmatched)
	}
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestTemplatedFeedsMatchTrees: partitions in several states (running and
// not, dedicated and shared, with and without RMC, with an I/O slot) read
// as feeds over HTTP, cold and warm, every group selection: each entry is
// the Atom header and the tree the partition's renderer builds, encoded,
// whatever template wrote it.
func TestTemplatedFeedsMatchTrees(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inv := core.DefaultInventory()
	inv.Clients.Count, inv.Clients.Running, inv.System.MaxPartitions = 60, 20, 100
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: clk,
		Timing: sim.Profiles["fast"], Inventory: inv, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	var dedicated, slotted string
	var free int
	c.Read(func(st *model.State) {
		dedicated, slotted = st.PartitionByName("lpar12").UUID, st.PartitionByName("lpar15").UUID
		for _, sl := range st.SortedSlots() {
			if sl.Owner == "" && sl.DeviceID != 0xFFFF && free == 0 {
				free = sl.DRCIndex
			}
		}
	})
	if err := c.AttachSlot(admin, slotted, free); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(admin, func(tx *core.Tx) error {
		p := tx.Partition(dedicated).Clone()
		p.Dedicated, p.MinProcs, p.DesProcs, p.MaxProcs = true, 1, 1, 2
		p.Name = `odd <name> & "quotes"`
		tx.Put(p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s, hs, tok := serveAdmin(t, c, log)
	for _, kindName := range []string{"LogicalPartition", "VirtualIOServer"} {
		k := s.kinds[kindName]
		for _, query := range []string{"", "?group=None", "?group=All", "?group=ViosNetwork,ViosStorage"} {
			for _, cold := range []bool{true, false} {
				if cold {
					s.cache = newEntryCache(s.cfg.CacheBytes)
				}
				resp, body := sessionDo(t, hs, tok, http.MethodGet, "/rest/api/uom/"+kindName+query)
				resp.Body.Close() // closed by sessionDo already
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s%s: %d", kindName, query, resp.StatusCode)
				}
				g, err := parseGroups(resp.Request)
				if err != nil {
					t.Fatal(err)
				}
				rc := &renderCtx{base: hs.URL, now: clk.Now(), prefix: "/rest/api/uom/" + kindName + "/"}
				var objs []object
				c.Read(func(st *model.State) {
					rc.sys, rc.acct = st.System, st.Accounting()
					objs = k.list(st, "")
					for i := range objs {
						objs[i].aux = k.aux(st, objs[i])
					}
				})
				entries := bytes.Split(body, []byte("<entry>"))[1:]
				if len(entries) != len(objs) {
					t.Fatalf("GET %s%s: %d entries, want %d", kindName, query, len(entries), len(objs))
				}
				for i, o := range objs {
					h := entryHeader(k, o, rc, g, rc.prefix+o.uuid)
					want := uom.AppendEntryStart(nil, &h, false)
					el := k.render(rc, o)
					filterGroups(el, g)
					want = append(append(want, el.Bytes()...), uom.EntryEnd...)
					got := append([]byte("<entry>"), entries[i]...)
					if j := bytes.LastIndex(got, []byte("</entry>")); j >= 0 {
						got = got[:j+len("</entry>")]
					}
					if !bytes.Equal(got, want) {
						t.Errorf("GET %s%s (cold %v), %s: the entry is\n%s\nbut the tree gives\n%s", kindName, query, cold,
							o.uuid, firstDiff(got, want), firstDiff(want, got))
					}
				}
				if kindName == "LogicalPartition" && !strings.Contains(string(body), "odd &lt;name&gt;") {
					t.Errorf("GET %s%s: no escaped name", kindName, query)
				}
			}
		}
	}
}

// TestFeedListingsFollowChanges: a large feed's objects are listed once per
// view (listings); a feed read after a change (a partition renamed, one
// deleted) shows it, one read before any change reuses the listing.
func TestFeedListingsFollowChanges(t *testing.T) {
	defer func(n int) { minListing = n }(minListing)
	minListing = 10
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inv := core.DefaultInventory()
	inv.Clients.Count, inv.System.MaxPartitions = 30, 60
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Inventory: inv, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, hs, tok := serveAdmin(t, c, log)
	get := func() string {
		t.Helper()
		resp, b := sessionDo(t, hs, tok, http.MethodGet, "/rest/api/uom/LogicalPartition")
		resp.Body.Close() // closed by sessionDo already
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET feed: %d", resp.StatusCode)
		}
		return string(b)
	}
	listed := func() *listing {
		s.listings.mu.Lock()
		defer s.listings.mu.Unlock()
		return s.listings.m[listingKey{s.kinds["LogicalPartition"], ""}]
	}
	first := get()
	l := listed()
	if l == nil {
		t.Fatal("a feed of over minListing objects was not kept")
	}
	if again := get(); listed() != l || strings.Count(again, "<entry>") != strings.Count(first, "<entry>") {
		t.Fatal("a feed read again without a change was listed again, or differs")
	}
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	var lpar11, lpar12 *model.Partition
	c.Read(func(st *model.State) { lpar11, lpar12 = st.PartitionByName("lpar11"), st.PartitionByName("lpar12") })
	if err := c.Apply(admin, func(tx *core.Tx) error {
		p := tx.Partition(lpar11.UUID).Clone()
		p.Name = "renamed11"
		tx.Put(p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if body := get(); !strings.Contains(body, ">renamed11<") || listed() == l {
		t.Errorf("the feed read after a rename does not show it (listed anew: %v)", listed() != l)
	}
	if err := c.DeletePartition(admin, lpar12.UUID, ""); err != nil {
		t.Fatal(err)
	}
	if body := get(); strings.Contains(body, lpar12.UUID) || strings.Count(body, "<entry>") != strings.Count(first, "<entry>")-1 {
		t.Errorf("the feed read after a delete still lists the partition (%d entries, %d before)",
			strings.Count(body, "<entry>"), strings.Count(first, "<entry>"))
	}
}

// TestTemplatesBounded: a cache keeps at most maxAllTemplates templates,
// however many families its entries come in; entries of the families
// beyond are written as without templates, alike.
func TestTemplatesBounded(t *testing.T) {
	f := newWriteFixture(t)
	s := f.s
	k := s.kinds["LogicalPartition"]
	rc := &renderCtx{base: "http://127.0.0.1:12080", now: f.clk.Now()}
	var o object
	f.c.Read(func(st *model.State) {
		rc.sys, rc.acct = st.System, st.Accounting()
		o = k.list(st, st.System.UUID)[0]
		o.aux = k.aux(st, o)
	})
	s.prepareEntries(httptest.NewRequest(http.MethodGet, "/rest/api/uom/LogicalPartition", nil), k, rc, groupSel{all: true})
	want := s.appendEntry(nil, k, o, rc, groupSel{all: true}, rc.prefix+o.uuid, false)
	// A cache of 64 MB keeps maxAllTemplates; a fleet system's 4 MB one a
	// quarter of its size.
	for _, tc := range []struct {
		size int64
		want int64
	}{{64 << 20, maxAllTemplates}, {4 << 20, (4 << 20) / 4 / templateBytes}} {
		c := newEntryCache(tc.size)
		kept := int64(0)
		for i := range tc.want + 100 {
			ts := c.templates("family " + strconv.FormatInt(i, 10))
			got, e := appendWritten([]byte("<entry>"), k, o, rc, groupSel{all: true}, ts, nil)
			if !bytes.Equal(got, want) {
				t.Fatalf("family %d: the entry differs: %s", i, firstDiff(got, want))
			}
			if e.ref != nil {
				kept++
			}
		}
		if n := c.allTmpls.Load(); n != tc.want || kept != tc.want {
			t.Fatalf("cache of %d bytes: %d templates kept (%d entries recorded), want %d", tc.size, n, kept, tc.want)
		}
	}
}

// TestWriteAnswersFromTemplates: the answers to partition creates are
// written against the templates of their family (recorded from the first
// answers, replayed for the next), byte for byte what the renderer writes
// without templates for the same object at the answer's time.
func TestWriteAnswersFromTemplates(t *testing.T) {
	e := newBenchEnv(t, 0, 100)
	s := e.srv
	k := s.kinds["LogicalPartition"]
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	c := e.client(1)
	var style string
	for i := range 6 {
		st, got, err := e.do(c, "PUT", path, benchLparType, benchCreateBody("tmpl"+strconv.Itoa(i), ""))
		if err != nil || st != 200 {
			t.Fatalf("PUT: %d %v %.300s", st, err, got)
		}
		field := func(open, close string) string {
			_, v, _ := strings.Cut(string(got), open)
			v, _, _ = strings.Cut(v, close)
			return v
		}
		uuid, stamp := field("<id>", "</id>"), field("<published>", "</published>")
		base, _, _ := strings.Cut(field(`<link rel="SELF" href="`, `"`), "/rest/api/")
		now, err := time.Parse("2006-01-02T15:04:05.000Z07:00", stamp)
		if err != nil || uuid == "" || base == "" {
			t.Fatalf("answer %d: id %q, published %q (%v), base %q", i, uuid, stamp, err, base)
		}
		r := httptest.NewRequest(http.MethodPut, path, nil)
		r.SetPathValue("root", "ManagedSystem")
		r.SetPathValue("id", e.sys)
		r.SetPathValue("child", "LogicalPartition")
		g, err := parseGroups(r)
		if err != nil {
			t.Fatal(err)
		}
		rc := &renderCtx{base: base, now: now, stamp: stamp}
		var o object
		e.core.Read(func(st *model.State) {
			rc.sys, rc.acct = st.System, st.Accounting()
			o, _ = k.get(st, uuid)
			if k.aux != nil {
				o.aux = k.aux(st, o)
			}
		})
		want := s.appendEntry(nil, k, o, rc, g, entryPath(r, k, o), true)
		if !bytes.Equal(got, want) {
			t.Fatalf("answer %d, against templates\n%s\nbut without\n%s", i, firstDiff(got, want), firstDiff(want, got))
		}
		s.prepareEntries(r, k, rc, g)
		style = rc.style
	}
	if n := len(s.cache.templates(style).templates()); n == 0 || n >= 6 {
		t.Errorf("%d templates recorded for 6 answers: want some, replayed for the others", n)
	}
}

// TestPrepareEntriesRemembered: the style prepareEntries remembers from one
// request is taken only by a request of the same style: requests of other
// hosts, paths, groups and kinds, alternated, each get their own.
func TestPrepareEntriesRemembered(t *testing.T) {
	e := newBenchEnv(t, 0, 10)
	s := e.srv
	type req struct {
		kind, host, query string
		under             bool // addressed under the managed system
	}
	reqs := []req{
		{"LogicalPartition", "a:1", "", true},
		{"LogicalPartition", "a:1", "", false},
		{"LogicalPartition", "b:2", "", true},
		{"LogicalPartition", "a:1", "?group=None", true},
		{"VirtualIOServer", "a:1", "", true},
		{"LogicalPartition", "a:1", "", true},
	}
	prepare := func(q req) renderCtx {
		path := "/rest/api/uom/" + q.kind
		if q.under {
			path = "/rest/api/uom/ManagedSystem/" + e.sys + "/" + q.kind
		}
		r := httptest.NewRequest(http.MethodGet, "http://"+q.host+path+q.query, nil)
		if q.under {
			r.SetPathValue("root", "ManagedSystem")
			r.SetPathValue("id", e.sys)
			r.SetPathValue("child", q.kind)
		}
		g, err := parseGroups(r)
		if err != nil {
			t.Fatal(err)
		}
		rc := renderCtx{base: baseURL(r), now: time.Unix(0, 0)}
		s.prepareEntries(r, s.kinds[q.kind], &rc, g)
		return rc
	}
	first := map[req]renderCtx{}
	for round := range 3 {
		for _, q := range reqs {
			rc := prepare(q)
			s.lastStyle.Store(nil)
			fresh := prepare(q)
			if rc.style != fresh.style || rc.prefix != fresh.prefix || rc.styleID != fresh.styleID || rc.tmpls != fresh.tmpls {
				t.Fatalf("round %d, %+v: style %q prefix %q (%d), worked out again %q %q (%d)", round, q, rc.style, rc.prefix, rc.styleID, fresh.style, fresh.prefix, fresh.styleID)
			}
			if f, ok := first[q]; ok && f.style != rc.style {
				t.Fatalf("%+v: style %q, then %q", q, f.style, rc.style)
			}
			first[q] = rc
		}
	}
	styles := map[string]bool{}
	for _, rc := range first {
		styles[rc.style] = true
	}
	if len(styles) != len(first) {
		t.Errorf("%d styles for %d different requests", len(styles), len(first))
	}
}
