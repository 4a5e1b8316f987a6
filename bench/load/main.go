// Command load is the client side of bench/run.sh: it logs on to pvmd and
// drives the measurements that wrk cannot (feed latency, concurrent
// creates, event latency). Every subcommand prints its results as
// key=value lines on stdout, which run.sh reads.
//
//	load logon   -base URL                      (password in PVMD_ADMIN_PASSWORD)
//	load lookup  -base URL -token T -name lpar10
//	load capture -url URL -token T -out DIR
//	load feed    -url URL -token T -n 50
//	load create  -base URL -token T -sys UUID -clients 16 -n 20000
//	load events  -base URL -token T -sys UUID -n 1000
//	load count   -base URL -token T -sys UUID
//	load store   -dir DIR -writers 16 -n 20000 (the store alone, no pvmd)
//	load fleet   -state DIR -duration 5m -every 1s (a running fleet pvmd)
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/novalink-project/novalink/internal/store"
)

const (
	nsWeb = "http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/"
	nsUOM = "http://www.ibm.com/xmlns/systems/power/firmware/uom/mc/2012_10/"
	nsK2  = "http://www.w3.org/XML/1998/namespace/k2"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: load logon|lookup|capture|feed|create|events|count|store|fleet [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"fanout": cmdFanout, "abandon": cmdAbandon, // fanout.go
		"logon": cmdLogon, "lookup": cmdLookup, "capture": cmdCapture,
		"feed": cmdFeed, "create": cmdCreate, "events": cmdEvents, "count": cmdCount,
		"store": cmdStore, "fleet": cmdFleet,
	}
	f := cmds[os.Args[1]]
	if f == nil {
		fmt.Fprintln(os.Stderr, "load: unknown subcommand", os.Args[1])
		os.Exit(2)
	}
	if err := f(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "load "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: 0,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}, Timeout: 5 * time.Minute}
}

func do(c *http.Client, method, url, token, ctype string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if token != "" {
		req.Header.Set("X-API-Session", token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/atom+xml")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

var (
	reSession = regexp.MustCompile(`<X-API-Session[^>]*>([^<]+)</X-API-Session>`)
	reAtomID  = regexp.MustCompile(`<AtomID>([^<]+)</AtomID>`)
)

func cmdLogon(args []string) error {
	fs := flag.NewFlagSet("logon", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	user := fs.String("user", "padmin", "user")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	body := `<LogonRequest xmlns="` + nsWeb + `" schemaVersion="V1_0"><UserID>` + *user +
		`</UserID><Password>` + os.Getenv("PVMD_ADMIN_PASSWORD") + `</Password></LogonRequest>`
	st, _, b, err := do(newClient(1), "PUT", *base+"/rest/api/web/Logon", "",
		"application/vnd.ibm.powervm.web+xml; type=LogonRequest", []byte(body))
	if err != nil {
		return err
	}
	m := reSession.FindSubmatch(b)
	if st != 200 || m == nil {
		return fmt.Errorf("logon: HTTP %d: %s", st, b)
	}
	fmt.Printf("token=%s\n", m[1])
	return nil
}

// cmdLookup prints the managed system's UUID and the UUID of a partition.
func cmdLookup(args []string) error {
	fs := flag.NewFlagSet("lookup", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	token := fs.String("token", "", "session token")
	name := fs.String("name", "lpar10", "partition name")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(1)
	st, _, b, err := do(c, "GET", *base+"/rest/api/uom/ManagedSystem?group=None", *token, "", nil)
	if err != nil {
		return err
	}
	m := reAtomID.FindSubmatch(b)
	if st != 200 || m == nil {
		return fmt.Errorf("ManagedSystem: HTTP %d", st)
	}
	sys := string(m[1])
	st, _, b, err = do(c, "GET", *base+"/rest/api/uom/ManagedSystem/"+sys+"/LogicalPartition/search/(PartitionName=="+*name+")?group=None", *token, "", nil)
	if err != nil {
		return err
	}
	m = reAtomID.FindSubmatch(b)
	if st != 200 || m == nil {
		return fmt.Errorf("partition %s: HTTP %d", *name, st)
	}
	fmt.Printf("sys=%s\nlpar=%s\n", sys, m[1])
	return nil
}

// cmdCapture saves a response (body and headers) for the static server.
func cmdCapture(args []string) error {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	url := fs.String("url", "", "URL")
	token := fs.String("token", "", "session token")
	out := fs.String("out", "", "directory for body and headers")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	st, h, b, err := do(newClient(1), "GET", *url, *token, "", nil)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("HTTP %d", st)
	}
	var hb strings.Builder
	for k, vs := range h {
		switch k {
		case "Date", "Content-Length":
			continue
		}
		for _, v := range vs {
			hb.WriteString(k + ": " + v + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(*out, "body"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "headers"), []byte(hb.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("bytes=%d\n", len(b))
	return nil
}

type durs []time.Duration

func (d durs) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append(durs(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p/100*float64(len(s))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// cmdFeed GETs a feed n times in a row (one connection) and reports the
// first (cold cache) and the steady-state latencies.
func cmdFeed(args []string) error {
	fs := flag.NewFlagSet("feed", flag.ExitOnError)
	url := fs.String("url", "", "feed URL")
	token := fs.String("token", "", "session token")
	n := fs.Int("n", 50, "requests after the first")
	prealloc := fs.Int("prealloc", 0, "bytes of read buffer to make ready before the first request")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(1)
	var first time.Duration
	var lat durs
	var size, entries int
	// Like curl, the client reads the body into a buffer it keeps, sized
	// from Content-Length, so the figure is the server's, not the
	// client's buffer growth. A streamed body (no Content-Length) grows
	// the buffer on the first read only, unless -prealloc made it ready
	// (and touched its pages) beforehand.
	var buf bytes.Buffer
	if *prealloc > 0 {
		buf.Grow(*prealloc)
		b := buf.AvailableBuffer()[:*prealloc]
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
	}
	get := func() (int, []byte, error) {
		req, err := http.NewRequest("GET", *url, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("X-API-Session", *token)
		req.Header.Set("Accept", "application/atom+xml")
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		buf.Reset()
		if resp.ContentLength > 0 {
			buf.Grow(int(resp.ContentLength))
		}
		_, err = buf.ReadFrom(resp.Body)
		return resp.StatusCode, buf.Bytes(), err
	}
	for i := 0; i <= *n; i++ {
		t0 := time.Now()
		st, b, err := get()
		d := time.Since(t0)
		if err != nil {
			return err
		}
		if st != 200 {
			return fmt.Errorf("HTTP %d", st)
		}
		if i == 0 {
			first = d
			size = len(b)
			entries = bytes.Count(b, []byte("<entry>"))
			continue
		}
		lat = append(lat, d)
	}
	fmt.Printf("entries=%d\nbytes=%d\nfirst_ms=%s\np50_ms=%s\np99_ms=%s\nmax_ms=%s\n",
		entries, size, ms(first), ms(lat.pct(50)), ms(lat.pct(99)), ms(lat.pct(100)))
	return nil
}

// recordKey is the key pvmd stores the record of a partition with ID id
// under: the ID, zero-padded to five digits, "/", its UUID.
func recordKey(id int64) string { return fmt.Sprintf("%05d/%s", id, newUUID()) }

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// createBody is a LogicalPartition create as pypowervm's LPARBuilder sends
// one (shared processors, uncapped), with the client's own UUID when uuid
// is not empty.
func createBody(name, uuid string) []byte {
	atom := "<Atom/>"
	if uuid != "" {
		atom = "<Atom><AtomID>" + uuid + "</AtomID></Atom>"
	}
	return []byte(`<LogicalPartition:LogicalPartition xmlns:LogicalPartition="` + nsUOM + `" xmlns="` + nsUOM + `" xmlns:ns2="` + nsK2 + `" schemaVersion="V1_0">` +
		`<Metadata>` + atom + `</Metadata>` +
		`<AvailabilityPriority>127</AvailabilityPriority>` +
		`<PartitionMemoryConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<DesiredMemory>2048</DesiredMemory><HardwarePageTableRatio>7</HardwarePageTableRatio><MaximumMemory>4096</MaximumMemory><MinimumMemory>1024</MinimumMemory>` +
		`</PartitionMemoryConfiguration>` +
		`<PartitionName>` + name + `</PartitionName>` +
		`<PartitionProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<HasDedicatedProcessors>false</HasDedicatedProcessors>` +
		`<SharedProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<DesiredProcessingUnits>0.50</DesiredProcessingUnits><DesiredVirtualProcessors>1</DesiredVirtualProcessors>` +
		`<MaximumProcessingUnits>1.00</MaximumProcessingUnits><MaximumVirtualProcessors>1</MaximumVirtualProcessors>` +
		`<MinimumProcessingUnits>0.10</MinimumProcessingUnits><MinimumVirtualProcessors>1</MinimumVirtualProcessors>` +
		`<SharedProcessorPoolID>0</SharedProcessorPoolID><UncappedWeight>128</UncappedWeight>` +
		`</SharedProcessorConfiguration><SharingMode>uncapped</SharingMode>` +
		`</PartitionProcessorConfiguration>` +
		`<PartitionType>AIX/Linux</PartitionType>` +
		`</LogicalPartition:LogicalPartition>`)
}

const lparType = "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition"

// cmdCreate creates n partitions over HTTP from `clients` concurrent
// clients (each one connection, one request at a time).
func cmdCreate(args []string) error {
	fs := flag.NewFlagSet("create", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	token := fs.String("token", "", "session token")
	sys := fs.String("sys", "", "managed system UUID")
	clients := fs.Int("clients", 16, "concurrent clients")
	n := fs.Int("n", 20000, "partitions to create")
	prefix := fs.String("prefix", "bench", "partition name prefix")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	url := *base + "/rest/api/uom/ManagedSystem/" + *sys + "/LogicalPartition"
	c := newClient(*clients)
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	lat := make([]durs, *clients)
	done := make([]time.Duration, *n) // completion time of each create since start
	var wg sync.WaitGroup
	cpu0 := cpuSeconds()
	start := time.Now()
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*n) {
					return
				}
				body := createBody(*prefix+strconv.FormatInt(i, 10), "")
				t0 := time.Now()
				st, _, b, err := do(c, "PUT", url, *token, lparType, body)
				t1 := time.Now()
				if err == nil && st != 200 {
					err = fmt.Errorf("HTTP %d: %.300s", st, b)
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[w] = append(lat[w], t1.Sub(t0))
				done[i] = t1.Sub(start)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	clientCPU := cpuSeconds() - cpu0
	var all durs
	for _, l := range lat {
		all = append(all, l...)
	}
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d creates failed; first: %v", f, *n, firstErr.Load())
	}
	// Rates of the first and last quarter show whether creates slow down
	// as the system fills.
	q := *n / 4
	sort.Slice(done, func(i, j int) bool { return done[i] < done[j] })
	rate := func(a, b int) float64 {
		d := done[b-1] - done[a]
		if a > 0 {
			d = done[b-1] - done[a-1]
		}
		return float64(b-a) / d.Seconds()
	}
	fmt.Printf("creates=%d\nclients=%d\nseconds=%.3f\nper_sec=%.0f\nfirst_quarter_per_sec=%.0f\nlast_quarter_per_sec=%.0f\np50_ms=%s\np99_ms=%s\nmax_ms=%s\nclient_cpu_us_per_create=%.0f\n",
		*n, *clients, elapsed.Seconds(), float64(*n)/elapsed.Seconds(), rate(0, q), rate(*n-q, *n),
		ms(all.pct(50)), ms(all.pct(99)), ms(all.pct(100)), clientCPU/float64(*n)*1e6)
	return nil
}

var (
	// Leaf elements of an Event; empty ones are written <X .../>.
	reEventType = regexp.MustCompile(`<EventType[^>]*?(/>|>([^<]*)<)`)
	reEventData = regexp.MustCompile(`<EventData[^>]*?(/>|>([^<]*)<)`)
	reCreated   = regexp.MustCompile(`<AtomCreated>([0-9]+)</AtomCreated>`)
)

type evRecv struct {
	typ, data string
	published int64 // ms since the epoch (AtomCreated of the Event)
	at        time.Time
}

// cmdEvents measures how soon a change shows up on a waiting event poll.
// One goroutine long-polls the event feed; the main one makes n changes
// (partition creates), one at a time, each after the previous change's
// event arrived and the poll is waiting again. For each change it records
//
//	commit: event received - the event's publication (AtomCreated: the
//	        moment the committed change reached the bus, in ms; rounded
//	        down, so this figure is high by up to 1 ms)
//	send:   event received - change request sent (HTTP, validation, fsync,
//	        publication, delivery)
func cmdEvents(args []string) error {
	fs := flag.NewFlagSet("events", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	token := fs.String("token", "", "session token")
	sys := fs.String("sys", "", "managed system UUID")
	n := fs.Int("n", 1000, "changes")
	settle := fs.Duration("settle", 2*time.Millisecond, "pause after an event so the poll is waiting again")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(2)
	evURL := *base + "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=bench-" + newUUID()[:8]
	recv := make(chan evRecv, 1024)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pollErr := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, "GET", evURL, nil)
			req.Header.Set("X-API-Session", *token)
			req.Header.Set("Accept", "application/atom+xml")
			resp, err := c.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					pollErr <- err
				}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			at := time.Now()
			if err != nil {
				pollErr <- err
				return
			}
			if resp.StatusCode == http.StatusNoContent {
				continue
			}
			if resp.StatusCode != 200 {
				pollErr <- fmt.Errorf("event poll: HTTP %d: %.300s", resp.StatusCode, b)
				return
			}
			for _, entry := range bytes.Split(b, []byte("<entry>"))[1:] {
				mt := reEventType.FindSubmatch(entry)
				md := reEventData.FindSubmatch(entry)
				cm := reCreated.FindSubmatch(entry)
				if mt == nil || md == nil || cm == nil {
					continue
				}
				pub, _ := strconv.ParseInt(string(cm[1]), 10, 64)
				recv <- evRecv{typ: string(mt[2]), data: string(md[2]), published: pub, at: at}
			}
		}
	}()
	wait := func(match func(evRecv) bool) (evRecv, error) {
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case e := <-recv:
				if match(e) {
					return e, nil
				}
			case err := <-pollErr:
				return evRecv{}, err
			case <-t.C:
				return evRecv{}, errors.New("no event within 10 s")
			}
		}
	}
	if _, err := wait(func(e evRecv) bool { return e.typ == "NEW_CLIENT" }); err != nil {
		return fmt.Errorf("first poll: %w", err)
	}
	url := *base + "/rest/api/uom/ManagedSystem/" + *sys + "/LogicalPartition"
	prefix := "ev" + newUUID()[:6] + "-"
	var commit, send durs
	for i := 0; i < *n; i++ {
		time.Sleep(*settle)
		u := newUUID()
		body := createBody(prefix+strconv.Itoa(i), u)
		t0 := time.Now()
		st, _, b, err := do(c, "PUT", url, *token, lparType, body)
		if err == nil && st != 200 {
			err = fmt.Errorf("HTTP %d: %.300s", st, b)
		}
		if err != nil {
			return fmt.Errorf("create %d: %w", i, err)
		}
		e, err := wait(func(e evRecv) bool { return e.typ == "ADD_URI" && strings.HasSuffix(e.data, "/"+u) })
		if err != nil {
			return fmt.Errorf("event of create %d: %w", i, err)
		}
		commit = append(commit, e.at.Sub(time.UnixMilli(e.published)))
		send = append(send, e.at.Sub(t0))
	}
	fmt.Printf("changes=%d\ncommit_p50_ms=%s\ncommit_p99_ms=%s\ncommit_max_ms=%s\nsend_p50_ms=%s\nsend_p99_ms=%s\nsend_max_ms=%s\n",
		*n, ms(commit.pct(50)), ms(commit.pct(99)), ms(commit.pct(100)), ms(send.pct(50)), ms(send.pct(99)), ms(send.pct(100)))
	return nil
}

// cmdCount prints the highest N such that partitions 1..N all exist,
// found by searching (PartitionID==N): after creates into a system whose
// IDs had no gaps, that is the number of partitions (pvmd gives each new
// partition the lowest free ID), without reading a feed of them all.
func cmdCount(args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	token := fs.String("token", "", "session token")
	sys := fs.String("sys", "", "managed system UUID")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(1)
	exists := func(id int) (bool, error) {
		st, _, _, err := do(c, "GET", *base+"/rest/api/uom/ManagedSystem/"+*sys+"/LogicalPartition/search/(PartitionID=="+strconv.Itoa(id)+")?group=None", *token, "", nil)
		if err != nil {
			return false, err
		}
		if st != 200 && st != 204 {
			return false, fmt.Errorf("search: HTTP %d", st)
		}
		if st == 204 && id <= 3 { // the NovaLink partition and the VIOS
			st, _, _, err = do(c, "GET", *base+"/rest/api/uom/ManagedSystem/"+*sys+"/VirtualIOServer/search/(PartitionID=="+strconv.Itoa(id)+")?group=None", *token, "", nil)
			if err != nil {
				return false, err
			}
		}
		return st == 200, nil
	}
	lo, hi := 0, 1 // partitions 1..lo exist; hi does not
	for {
		ok, err := exists(hi)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		ok, err := exists(mid)
		if err != nil {
			return err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	fmt.Printf("partitions=%d\n", lo)
	return nil
}

// cmdStore drives the store alone (internal/store, no pvmd): n commits
// shaped like a partition create's (a record of -size bytes under the key
// pvmd gives a new partition: the next ID, then a random UUID; and the
// sequence number) from `writers` goroutines, each
// waiting for its commit before the next, as pvmd's request handlers do.
// With -batch B it writes transactions of exactly B such commits on
// average instead (one writer submitting the changes of B creates as one
// commit, then the next): what the store does with pvmd's batch size.
// It is the baseline of the durable creates.
func cmdStore(args []string) error {
	fs := flag.NewFlagSet("store", flag.ExitOnError)
	dir := fs.String("dir", "", "directory for the state file (its file system is measured)")
	writers := fs.Int("writers", 16, "concurrent writers")
	batch := fs.Float64("batch", 0, "creates per transaction (mean; 0: as the writers make them)")
	n := fs.Int("n", 20000, "commits")
	size := fs.Int("size", 1100, "bytes of the record of each commit")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	s, err := store.Open(filepath.Join(*dir, "state.db"))
	if err != nil {
		return err
	}
	val := bytes.Repeat([]byte("x"), *size)
	if *batch >= 1 {
		return storeBatches(s, *batch, *n, val)
	}
	var next atomic.Int64
	var failed atomic.Value
	lat := make([]durs, *writers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			done := make(chan error, 1)
			for i := next.Add(1); i <= int64(*n); i = next.Add(1) {
				t0 := time.Now()
				s.Submit(&store.Commit{Changes: []store.Change{
					{Bucket: store.BucketPartitions, Key: recordKey(i), Value: val},
					{Bucket: store.BucketMeta, Key: "seq", Value: []byte(strconv.FormatInt(i, 10))},
				}, Done: func(err error) { done <- err }})
				if err := <-done; err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := s.Close(); err != nil {
		return err
	}
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	var all durs
	for _, l := range lat {
		all = append(all, l...)
	}
	st := s.Stats()
	fmt.Printf("commits=%d\nwriters=%d\nper_sec=%.0f\ncommits_per_tx=%.2f\np50_ms=%s\np99_ms=%s\ncpu_us_per_commit=%.0f\n",
		*n, *writers, float64(*n)/elapsed.Seconds(), float64(st.Commits)/float64(st.Transactions),
		ms(all.pct(50)), ms(all.pct(99)), cpuSeconds()/float64(*n)*1e6)
	return nil
}

// cpuSeconds is the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// storeBatches writes n creates' changes in transactions of batch creates
// on average (the sizes alternate between the integers around it).
func storeBatches(s *store.Store, batch float64, n int, val []byte) error {
	var lat durs
	done := make(chan error, 1)
	start := time.Now()
	txs, carry := 0, 0.0
	for i := 0; i < n; {
		carry += batch
		k := min(int(carry), n-i)
		carry -= float64(int(carry))
		if k == 0 {
			continue
		}
		var ch []store.Change
		for j := 0; j < k; j++ {
			ch = append(ch, store.Change{Bucket: store.BucketPartitions, Key: recordKey(int64(i + j + 1)), Value: val})
		}
		i += k
		ch = append(ch, store.Change{Bucket: store.BucketMeta, Key: "seq", Value: []byte(strconv.Itoa(i))})
		t0 := time.Now()
		s.Submit(&store.Commit{Changes: ch, Done: func(err error) { done <- err }})
		if err := <-done; err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
		txs++
	}
	elapsed := time.Since(start)
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Printf("commits=%d\nwriters=1\nper_sec=%.0f\ncommits_per_tx=%.2f\np50_ms=%s\np99_ms=%s\ncpu_us_per_commit=%.0f\n",
		n, float64(n)/elapsed.Seconds(), float64(n)/float64(txs), ms(lat.pct(50)), ms(lat.pct(99)), cpuSeconds()/float64(n)*1e6)
	return nil
}
