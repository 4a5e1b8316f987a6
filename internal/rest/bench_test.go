package rest

// Benchmarks of the REST server in process, over real loopback HTTP
// (httptest). They are the profiling side of bench/run.sh, which measures
// the pvmd binary; run them with e.g.
//
//	go test -run '^$' -bench . -benchtime 2000x ./internal/rest
//	go test -run '^$' -bench CreateHTTP -benchtime 20000x -cpuprofile cpu.out ./internal/rest
//
// Nothing here runs under plain `go test`.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

type benchEnv struct {
	core  *core.Core
	srv   *Server
	http  *httptest.Server
	token string
	sys   string
}

// newBenchEnv starts a core seeded with inv (clients client partitions,
// IDs up to maxParts) and a REST server on loopback, with an admin session.
func newBenchEnv(b testing.TB, clients, maxParts int) *benchEnv {
	b.Helper()
	inv := core.DefaultInventory()
	inv.Clients.Count = clients
	inv.System.MaxPartitions = maxParts
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(b.TempDir(), "state.db"), Inventory: inv, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	s, hs, tok := serveAdmin(b, c, log)
	e := &benchEnv{core: c, srv: s, http: hs, token: tok, sys: c.System().UUID}
	b.Cleanup(func() { c.Close() })
	return e
}

func (e *benchEnv) client(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, DisableCompression: true}}
}

func (e *benchEnv) do(c *http.Client, method, path, ctype string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-API-Session", e.token)
	req.Header.Set("Accept", uom.MediaTypeAtom)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	// Read as curl does, into a buffer sized from Content-Length, so that
	// the client's buffer growth is not part of the figures.
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), err
}

func (e *benchEnv) partitionUUID(name string) string {
	var u string
	e.core.Read(func(st *model.State) { u = st.PartitionByName(name).UUID })
	return u
}

func benchPercentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p/100*float64(len(s))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}

// BenchmarkEntryGet: GET of one partition entry from 8 concurrent
// connections (as wrk -c8 does against pvmd).
func BenchmarkEntryGet(b *testing.B) {
	e := newBenchEnv(b, 3, 1000)
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition/" + e.partitionUUID("lpar10")
	c := e.client(8)
	if st, _, err := e.do(c, "GET", path, "", nil); err != nil || st != 200 {
		b.Fatalf("GET %s: %d %v", path, st, err)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if st, _, err := e.do(c, "GET", path, "", nil); err != nil || st != 200 {
					b.Errorf("GET: %d %v", st, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkFeed1000GroupNone: GET .../LogicalPartition?group=None with
// 1,000 logical partitions (the NovaLink partition and 999 clients), cache
// warm; one op is one request.
func BenchmarkFeed1000GroupNone(b *testing.B) {
	e := newBenchEnv(b, 999, 1100)
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition?group=None"
	c := e.client(1)
	t0 := time.Now()
	st, body, err := e.do(c, "GET", path, "", nil)
	if err != nil || st != 200 {
		b.Fatalf("GET: %d %v", st, err)
	}
	cold := time.Since(t0)
	if n := bytes.Count(body, []byte("<entry>")); n != 1000 {
		b.Fatalf("feed has %d entries, want 1000", n)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if st, _, err := e.do(c, "GET", path, "", nil); err != nil || st != 200 {
			b.Fatalf("GET: %d %v", st, err)
		}
		lat = append(lat, time.Since(t))
	}
	b.ReportMetric(float64(cold)/1e6, "cold-ms")
	b.ReportMetric(float64(benchPercentile(lat, 50))/1e6, "p50-ms")
	b.ReportMetric(float64(benchPercentile(lat, 99))/1e6, "p99-ms")
}

func benchCreateBody(name, atomID string) []byte {
	atom := "<Atom/>"
	if atomID != "" {
		atom = "<Atom><AtomID>" + atomID + "</AtomID></Atom>"
	}
	return []byte(`<LogicalPartition:LogicalPartition xmlns:LogicalPartition="` + uom.NSUOM + `" xmlns="` + uom.NSUOM + `" xmlns:ns2="` + uom.NSK2 + `" schemaVersion="V1_0">` +
		`<Metadata>` + atom + `</Metadata>` +
		`<PartitionMemoryConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<DesiredMemory>2048</DesiredMemory><MaximumMemory>4096</MaximumMemory><MinimumMemory>1024</MinimumMemory>` +
		`</PartitionMemoryConfiguration>` +
		`<PartitionName>` + name + `</PartitionName>` +
		`<PartitionProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<HasDedicatedProcessors>false</HasDedicatedProcessors>` +
		`<SharedProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<DesiredProcessingUnits>0.50</DesiredProcessingUnits><DesiredVirtualProcessors>1</DesiredVirtualProcessors>` +
		`<MaximumProcessingUnits>1.00</MaximumProcessingUnits><MaximumVirtualProcessors>1</MaximumVirtualProcessors>` +
		`<MinimumProcessingUnits>0.10</MinimumProcessingUnits><MinimumVirtualProcessors>1</MinimumVirtualProcessors>` +
		`<UncappedWeight>128</UncappedWeight>` +
		`</SharedProcessorConfiguration><SharingMode>uncapped</SharingMode>` +
		`</PartitionProcessorConfiguration>` +
		`<PartitionType>AIX/Linux</PartitionType>` +
		`</LogicalPartition:LogicalPartition>`)
}

var benchLparType = uom.MediaType(uom.ServiceUOM, "LogicalPartition")

// BenchmarkCreateHTTP: durable partition creates (PUT) from 16 concurrent
// clients; b.N creates into a system that starts with the default layout.
func BenchmarkCreateHTTP(b *testing.B) {
	e := newBenchEnv(b, 3, b.N+100)
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	c := e.client(16)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				st, out, err := e.do(c, "PUT", path, benchLparType, benchCreateBody("bench"+strconv.FormatInt(i, 10), ""))
				if err != nil || st != 200 {
					b.Errorf("PUT: %d %v %.300s", st, err, out)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
}

// benchEventField returns the text of an Event's leaf element (empty elements
// are written <X .../>).
func benchEventField(entry []byte, name string) string {
	re := benchEventFieldRE[name]
	if m := re.FindSubmatch(entry); m != nil {
		return string(m[2])
	}
	return ""
}

var benchEventFieldRE = map[string]*regexp.Regexp{
	"EventType": regexp.MustCompile(`<EventType[^>]*?(/>|>([^<]*)<)`),
	"EventID":   regexp.MustCompile(`<EventID[^>]*?(/>|>([^<]*)<)`),
	"EventData": regexp.MustCompile(`<EventData[^>]*?(/>|>([^<]*)<)`),
}

// BenchmarkEventLatency: a change is committed (a partition create); how
// long until its event is returned on a waiting HTTP long-poll. The moment
// of commit is the event's Published time (set when the committed change
// reaches the bus), read from a second, in-process queue at full precision.
// One op is one change, made after the poll is waiting again.
func BenchmarkEventLatency(b *testing.B) {
	e := newBenchEnv(b, 3, b.N+100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Published times by event ID, from an in-process queue.
	var mu sync.Mutex
	published := map[string]time.Time{}
	e.core.Bus.Poll(ctx, "bench-direct", "", 0)
	go func() {
		for ctx.Err() == nil {
			for _, ev := range e.core.Bus.Poll(ctx, "bench-direct", "", time.Second) {
				mu.Lock()
				published[strconv.FormatInt(ev.ID, 10)] = ev.Published
				mu.Unlock()
			}
		}
	}()
	type got struct {
		id, data string
		at       time.Time
	}
	recv := make(chan got, 1024)
	c := e.client(2)
	evPath := "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=bench"
	go func() {
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+evPath, nil)
			req.Header.Set("X-API-Session", e.token)
			resp, err := c.Do(req)
			if err != nil {
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			at := time.Now()
			for _, ent := range bytes.Split(body, []byte("<entry>"))[1:] {
				if typ := benchEventField(ent, "EventType"); typ != "" {
					recv <- got{id: benchEventField(ent, "EventID"), data: typ + " " + benchEventField(ent, "EventData"), at: at}
				}
			}
		}
	}()
	if g := <-recv; !strings.HasPrefix(g.data, core.EventNewClient) {
		b.Fatalf("first event %q", g.data)
	}
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Millisecond) // let the poll wait again
		u := strings.ToUpper(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, time.Now().UnixNano()&0xffffffffffff))
		if st, out, err := e.do(c, "PUT", path, benchLparType, benchCreateBody("ev"+strconv.Itoa(i), u)); err != nil || st != 200 {
			b.Fatalf("PUT: %d %v %.300s", st, err, out)
		}
		for {
			g := <-recv
			if strings.HasSuffix(g.data, "/"+u) {
				mu.Lock()
				pub, ok := published[g.id]
				mu.Unlock()
				for !ok { // the direct queue may not have it yet
					time.Sleep(50 * time.Microsecond)
					mu.Lock()
					pub, ok = published[g.id]
					mu.Unlock()
				}
				lat = append(lat, g.at.Sub(pub))
				break
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchPercentile(lat, 50))/1e6, "p50-ms")
	b.ReportMetric(float64(benchPercentile(lat, 99))/1e6, "p99-ms")
	b.ReportMetric(float64(benchPercentile(lat, 100))/1e6, "max-ms")
}

// BenchmarkFeed10000: GET .../LogicalPartition (every group) with 10,000
// partitions (the NovaLink partition and 9,997 clients: 9,998 entries, about
// 100 MB). Every op is one request; with cold, the rendered-entry cache is
// emptied before each.
func BenchmarkFeed10000Cold(b *testing.B) { benchFeed10000(b, true) }
func BenchmarkFeed10000Warm(b *testing.B) { benchFeed10000(b, false) }

func benchFeed10000(b *testing.B, cold bool) {
	e := newBenchEnv(b, 9997, 10240)
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	c := e.client(1)
	st, body, err := e.do(c, "GET", path, "", nil)
	if err != nil || st != 200 {
		b.Fatalf("GET: %d %v", st, err)
	}
	if n := bytes.Count(body, []byte("<entry>")); n != 9998 {
		b.Fatalf("feed has %d entries, want 9998", n)
	}
	size := len(body)
	// The client reads every answer into one buffer, made ready here, so
	// that its growth is not part of the figures (the feed is streamed,
	// without a Content-Length).
	buf := bytes.NewBuffer(make([]byte, 0, 2*size))
	get := func() {
		req, err := http.NewRequest("GET", e.http.URL+path, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-API-Session", e.token)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || buf.Len() != size {
			b.Fatalf("GET: %d %v, %d bytes", resp.StatusCode, err, buf.Len())
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		if cold {
			e.srv.cache = newEntryCache(e.srv.cfg.CacheBytes)
		}
		t := time.Now()
		get()
		lat = append(lat, time.Since(t))
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.SetBytes(int64(size))
	b.ReportMetric(float64(benchPercentile(lat, 50))/1e6, "p50-ms")
}

// BenchmarkFeedMappings2000Cold: GET .../LogicalPartition with 2,000
// client partitions, 100 of them with 10 logical units each mapped through
// both VIOSes (2,000 vSCSI mappings), the rendered-entry cache emptied
// before each request: what finding each partition's mappings costs a
// feed. It reports the process's CPU time per request (server and
// client), steadier than the wall time on a shared machine.
func BenchmarkFeedMappings2000Cold(b *testing.B) {
	inv := core.DefaultInventory()
	inv.Clients.Count = 2000 - 100
	inv.System.MaxPartitions = 2100
	for i := range 100 {
		ps := core.ClientSpec{Name: fmt.Sprintf("disks%d", i), MemoryMB: 1024}
		for j := range 10 {
			ps.Storage = append(ps.Storage, core.StorageSpec{LU: fmt.Sprintf("lu%d_%d", i, j), SizeMB: 1024, Thin: true})
		}
		inv.Partitions = append(inv.Partitions, ps)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(b.TempDir(), "state.db"), Inventory: inv, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	s, hs, tok := serveAdmin(b, c, log)
	e := &benchEnv{core: c, srv: s, http: hs, token: tok, sys: c.System().UUID}
	b.Cleanup(func() { c.Close() })
	var maps int
	c.Read(func(st *model.State) { maps = st.Count(model.KindSCSIMap) })
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	cl := e.client(1)
	st, body, err := e.do(cl, "GET", path, "", nil)
	if err != nil || st != 200 {
		b.Fatalf("GET: %d %v", st, err)
	}
	if n := bytes.Count(body, []byte("<entry>")); n != 2001 {
		b.Fatalf("feed has %d entries, want 2001", n)
	}
	if n := bytes.Count(body, []byte("/VirtualSCSIClientAdapter/")); n != 200 {
		b.Fatalf("the feed links %d vSCSI client adapters, want 200", n)
	}
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		e.srv.cache = newEntryCache(e.srv.cfg.CacheBytes)
		if st, _, err := e.do(cl, "GET", path, "", nil); err != nil || st != 200 {
			b.Fatalf("GET: %d %v", st, err)
		}
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(maps), "scsi-mappings")
}

// benchCPU is the process's CPU time so far (user and system).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPartitionEntries returns the entries of a 500-partition
// LogicalPartition feed (every group), as the cache keeps them (without
// "<entry>").
func benchPartitionEntries(b *testing.B) [][]byte {
	e := newBenchEnv(b, 499, 600)
	st, body, err := e.do(e.client(1), "GET", "/rest/api/uom/ManagedSystem/"+e.sys+"/LogicalPartition", "", nil)
	if err != nil || st != 200 {
		b.Fatalf("GET: %d %v", st, err)
	}
	var out [][]byte
	for _, s := range bytes.Split(body, []byte("<entry>"))[1:] {
		s = s[:bytes.LastIndex(s, []byte("</entry>"))+len("</entry>")]
		out = append(out, s)
	}
	if len(out) != 500 {
		b.Fatalf("%d entries, want 500", len(out))
	}
	return out
}

// BenchmarkPackPartition: packing a partition's entry against the first
// of the feed (what the cache does with every entry it keeps); one op is
// one entry.
func BenchmarkPackPartition(b *testing.B) {
	es := benchPartitionEntries(b)
	r := newPackRef(bytes.Clone(es[0]))
	var dst []byte
	packed, raw := 0, 0
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		t := es[1+i%(len(es)-1)]
		dst = r.pack(dst[:0], t)
		packed += len(dst)
		raw += len(t)
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(packed)/float64(b.N), "packed-B/entry")
	b.ReportMetric(float64(raw)/float64(b.N), "B/entry")
}

// BenchmarkUnpackPartition: unpacking a packed partition entry (what a
// warm feed does with every entry); one op is one entry.
func BenchmarkUnpackPartition(b *testing.B) {
	es := benchPartitionEntries(b)
	r := newPackRef(bytes.Clone(es[0]))
	ps := make([][]byte, len(es))
	for i, t := range es {
		ps[i] = r.pack(nil, t)
	}
	dst := make([]byte, 0, 64<<10)
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		dst = r.unpack(dst[:0], ps[1+i%(len(ps)-1)])
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.SetBytes(int64(len(es[1])))
}

// BenchmarkWritePartition: writing one partition's entry of a
// 500-partition feed (every group), header included, what gathering its
// sources and caching it cost left out; one op is one entry. Templated:
// against the family's templates (replayed: the feed's entries all
// follow the first one's); Untemplated: as without templates.
func BenchmarkWritePartitionTemplated(b *testing.B)   { benchWritePartition(b, true) }
func BenchmarkWritePartitionUntemplated(b *testing.B) { benchWritePartition(b, false) }

// partitionEntries is what writing the entries of a 500-partition feed
// (every group) takes: the kind, the rendering context
// prepared for the feed, its objects with what they render from.
func partitionEntries(b *testing.B) (*kind, *renderCtx, []object, groupSel) {
	e := newBenchEnv(b, 499, 600)
	s := e.srv
	k := s.kinds["LogicalPartition"]
	r := httptest.NewRequest("GET", "/rest/api/uom/ManagedSystem/"+e.sys+"/LogicalPartition", nil)
	rc := &renderCtx{base: "http://127.0.0.1:12080", now: e.core.Clock().Now()}
	var objs []object
	e.core.Read(func(st *model.State) {
		rc.sys, rc.acct = st.System, st.Accounting()
		objs = k.list(st, st.System.UUID)
		for i := range objs {
			objs[i].aux = k.aux(st, objs[i])
		}
	})
	g := groupSel{all: true}
	s.prepareEntries(r, k, rc, g)
	return k, rc, objs, g
}

func benchWritePartition(b *testing.B, templated bool) {
	k, rc, objs, g := partitionEntries(b)
	ts := rc.tmpls
	if !templated {
		ts = nil
	}
	dst := make([]byte, 0, 64<<10)
	var pk []byte
	size, packed := 0, 0
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		o := objs[i%len(objs)]
		var we writtenEntry
		dst, we = appendWritten(append(dst[:0], "<entry>"...), k, o, rc, g, ts, pk)
		if we.packed != nil {
			pk = we.packed[:0]
		}
		size += len(dst)
		packed += len(we.packed)
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size)/float64(b.N), "B/entry")
	if templated {
		b.ReportMetric(float64(packed)/float64(b.N), "packed-B/entry")
	}
}

// BenchmarkUnpackPartitionTemplated: unpacking a partition entry packed
// as it was written against its family's template (what a warm feed does
// with every entry written cold); one op is one entry.
func BenchmarkUnpackPartitionTemplated(b *testing.B) {
	k, rc, objs, g := partitionEntries(b)
	var refs []*packRef
	var ps [][]byte
	size := 0
	for _, o := range objs {
		out, we := appendWritten([]byte("<entry>"), k, o, rc, g, rc.tmpls, nil)
		if we.replayed {
			refs, ps = append(refs, we.ref), append(ps, bytes.Clone(we.packed))
			size = len(out) - len("<entry>")
		}
	}
	dst := make([]byte, 0, 64<<10)
	b.ResetTimer()
	cpu0 := benchCPU()
	for i := 0; i < b.N; i++ {
		j := i % len(ps)
		dst = refs[j].unpack(dst[:0], ps[j])
	}
	b.ReportMetric(float64(benchCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.SetBytes(int64(size))
}
