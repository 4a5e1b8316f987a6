package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// cmdFleet is the load PowerVC puts on its NovaLinks, on a running fleet:
// one client per system (over HTTPS, at the system's own address), each
// logged on as padmin, with an event long-poll always open and reading its
// system's LogicalPartition feed every -every, for -duration. It reports
// the feed reads' latencies (all systems together; a read's latency is
// from its request written to its response read whole), their p99 minute
// by minute, how many reads and event polls it made, every error (a
// failed logon, poll or read, or a status other than 200/204), and apart
// the client's own share of the machine: its processor time, how late
// its reads started against their schedule and how late a 10 ms timer
// fired in it (a client starved of processors makes any server look
// slow).
//
//	load fleet -state DIR -duration 5m -every 1s
func cmdFleet(args []string) error {
	fs := flag.NewFlagSet("fleet", flag.ExitOnError)
	state := fs.String("state", "", "the fleet pvmd's --state-dir (its fleet.json says where the systems are)")
	duration := fs.Duration("duration", 5*time.Minute, "how long the clients read")
	every := fs.Duration("every", time.Second, "each client reads its partition feed this often")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	raw, err := os.ReadFile(filepath.Join(*state, "fleet.json"))
	if err != nil {
		return err
	}
	var ff struct {
		Systems []struct {
			Name  string `json:"name"`
			HTTPS string `json:"https"`
		} `json:"systems"`
	}
	if err := json.Unmarshal(raw, &ff); err != nil {
		return fmt.Errorf("fleet.json: %w", err)
	}
	if len(ff.Systems) == 0 {
		return fmt.Errorf("fleet.json lists no systems")
	}
	clients := make([]*fleetClient, len(ff.Systems))
	logon0 := time.Now()
	// Log on (a password check each, bounded by pvmd's pool) before the
	// clock starts.
	var wg sync.WaitGroup
	var logonErr atomic.Pointer[error]
	sem := make(chan struct{}, 8)
	for i, s := range ff.Systems {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cl := &fleetClient{c: &http.Client{Transport: &http.Transport{
				TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the simulator's own certificate
				MaxIdleConnsPerHost: 4, DisableCompression: true, IdleConnTimeout: time.Minute,
			}, Timeout: 2 * time.Minute}, base: "https://" + s.HTTPS}
			if err := cl.logon(); err != nil {
				err = fmt.Errorf("%s: %w", s.Name, err)
				logonErr.Store(&err)
				return
			}
			clients[i] = cl
		}()
	}
	wg.Wait()
	if e := logonErr.Load(); e != nil {
		return *e
	}
	fmt.Fprintf(os.Stderr, "load fleet: %d clients logged on in %v; reading for %v\n", len(clients), time.Since(logon0).Round(time.Millisecond), *duration)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var (
		mu       sync.Mutex
		lat      []fleetRead
		errs     []string
		nerr     atomic.Int64
		polls    atomic.Int64
		reads    atomic.Int64
		entries  atomic.Int64
		missed   atomic.Int64
		newConns atomic.Int64
	)
	fail := func(format string, a ...any) {
		if ctx.Err() != nil {
			return // the end of the run cut it
		}
		nerr.Add(1)
		mu.Lock()
		if len(errs) < 10 {
			errs = append(errs, fmt.Sprintf(format, a...))
		}
		mu.Unlock()
	}
	start := time.Now()
	cpu0 := clientCPU()
	// The client's own share of the machine, reported apart from the
	// reads: how late a 10 ms timer fires in this process meanwhile (on a
	// busy machine a read waits as long for a processor, in the client and
	// in pvmd, whatever pvmd does), and how late each read starts against
	// its schedule.
	var late durs
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			t0 := time.Now()
			time.Sleep(10 * time.Millisecond)
			late = append(late, time.Since(t0)-10*time.Millisecond)
		}
	}()
	for i, cl := range clients {
		name := ff.Systems[i].Name
		// The event long-poll, always open.
		wg.Add(2)
		go func() {
			defer wg.Done()
			url := cl.base + "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=bench-fleet"
			for ctx.Err() == nil {
				r, err := cl.get(ctx, url)
				if ctx.Err() != nil {
					return
				}
				polls.Add(1)
				if err != nil || (r.status != 200 && r.status != 204) {
					fail("%s: event poll: HTTP %d %v", name, r.status, err)
					time.Sleep(*every)
				}
			}
		}()
		// The partition feed every -every, the clients spread over the
		// interval. A read whose slot has passed while the one before it
		// ran is skipped (and counted), not made up.
		go func() {
			defer wg.Done()
			next := start.Add(time.Duration(int64(*every) * int64(i) / int64(len(clients))))
			tm := time.NewTimer(time.Until(next))
			defer tm.Stop()
			for {
				select {
				case <-tm.C:
				case <-ctx.Done():
					return
				}
				woke := time.Now()
				r, err := cl.get(ctx, cl.feed)
				if ctx.Err() != nil {
					return
				}
				reads.Add(1)
				if !r.reused {
					newConns.Add(1)
				}
				if err != nil || r.status != 200 {
					fail("%s: partition feed: HTTP %d %v", name, r.status, err)
				} else {
					entries.Add(int64(r.entries))
					mu.Lock()
					lat = append(lat, fleetRead{at: r.sent.Sub(start), d: r.read.Sub(r.sent), call: r.read.Sub(woke), late: woke.Sub(next)})
					mu.Unlock()
				}
				now := time.Now()
				for next = next.Add(*every); next.Before(now); next = next.Add(*every) {
					missed.Add(1)
				}
				tm.Reset(time.Until(next))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := clientCPU() - cpu0
	r := reads.Load()
	per := 0.0
	if r > 0 {
		per = float64(entries.Load()) / float64(r)
	}
	var d, call, tick durs
	var byMin []durs
	for _, x := range lat {
		d, call, tick = append(d, x.d), append(call, x.call), append(tick, x.late)
		m := int(x.at / time.Minute)
		for len(byMin) <= m {
			byMin = append(byMin, nil)
		}
		byMin[m] = append(byMin[m], x.d)
	}
	var perMin []string
	for _, m := range byMin {
		perMin = append(perMin, ms(m.pct(99)))
	}
	fmt.Printf("systems=%d\nseconds=%.0f\nreads=%d\nentries_per_feed=%.1f\npolls=%d\nerrors=%d\nmissed=%d\nnew_conns=%d\n"+
		"p50_ms=%s\np90_ms=%s\np99_ms=%s\nmax_ms=%s\np99_by_minute_ms=%s\ncall_p99_ms=%s\n"+
		"late_start_p50_ms=%s\nlate_start_p99_ms=%s\nlate_p50_ms=%s\nlate_p99_ms=%s\nclient_cpu_pct=%.1f\n",
		len(clients), elapsed.Seconds(), r, per, polls.Load(), nerr.Load(), missed.Load(), newConns.Load(),
		ms(d.pct(50)), ms(d.pct(90)), ms(d.pct(99)), ms(d.pct(100)), strings.Join(perMin, ","), ms(call.pct(99)),
		ms(tick.pct(50)), ms(tick.pct(99)), ms(late.pct(50)), ms(late.pct(99)), float64(cpu)/float64(elapsed)*100)
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "load fleet:", e)
	}
	return nil
}

// fleetRead is one partition feed read: when it was sent (since the
// start), its latency (the response read whole, less the request sent:
// no connection set-up, no wait for a connection), the same from the
// call on (call), and how late the read started against its schedule.
type fleetRead struct {
	at, d, call, late time.Duration
}

// clientCPU is the processor time this process has used.
func clientCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fleetClient is one system's client.
type fleetClient struct {
	c     *http.Client
	base  string
	token string
	feed  string // the system's LogicalPartition feed
}

// logon logs the client on as padmin (password in PVMD_ADMIN_PASSWORD)
// and finds its system's partition feed.
func (cl *fleetClient) logon() error {
	body := `<LogonRequest xmlns="` + nsWeb + `" schemaVersion="V1_0"><UserID>padmin</UserID><Password>` +
		os.Getenv("PVMD_ADMIN_PASSWORD") + `</Password></LogonRequest>`
	st, _, b, err := do(cl.c, "PUT", cl.base+"/rest/api/web/Logon", "",
		"application/vnd.ibm.powervm.web+xml; type=LogonRequest", []byte(body))
	if err != nil {
		return err
	}
	m := reSession.FindSubmatch(b)
	if st != 200 || m == nil {
		return fmt.Errorf("logon: HTTP %d: %.300s", st, b)
	}
	cl.token = string(m[1])
	st, _, b, err = do(cl.c, "GET", cl.base+"/rest/api/uom/ManagedSystem", cl.token, "", nil)
	if err != nil {
		return err
	}
	ids := reAtomID.FindAllSubmatch(b, -1)
	if st != 200 || len(ids) != 1 {
		return fmt.Errorf("ManagedSystem feed: HTTP %d with %d systems", st, len(ids))
	}
	cl.feed = cl.base + "/rest/api/uom/ManagedSystem/" + string(ids[0][1]) + "/LogicalPartition"
	return nil
}

// fleetGet is a GET's outcome: its status, the entries it held, when the
// request was written and when the response was read whole, and whether
// it went on a connection already open.
type fleetGet struct {
	status, entries int
	sent, read      time.Time
	reused          bool
}

// get reads url whole.
func (cl *fleetClient) get(ctx context.Context, url string) (fleetGet, error) {
	var r fleetGet
	var sent atomic.Int64
	trace := &httptrace.ClientTrace{
		GotConn:      func(i httptrace.GotConnInfo) { r.reused = i.Reused },
		WroteRequest: func(httptrace.WroteRequestInfo) { sent.Store(time.Now().UnixNano()) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "GET", url, nil)
	if err != nil {
		return r, err
	}
	req.Header.Set("X-API-Session", cl.token)
	req.Header.Set("Accept", "application/atom+xml")
	resp, err := cl.c.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	r.read = time.Now()
	r.sent = time.Unix(0, sent.Load())
	r.status, r.entries = resp.StatusCode, bytes.Count(b, []byte("<entry>"))
	return r, err
}
