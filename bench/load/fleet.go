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
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// cmdFleet is the load PowerVC puts on its NovaLinks, on a running fleet:
// one client per system (over HTTPS, at the system's own address), each
// logged on as padmin, with an event long-poll always open and reading its
// system's LogicalPartition feed every -every, for -duration. It reports
// the feed reads' latencies (all systems together), how many reads and
// event polls it made, and every error (a failed logon, poll or read, or a
// status other than 200/204).
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

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var (
		mu      sync.Mutex
		lat     durs
		errs    []string
		nerr    atomic.Int64
		polls   atomic.Int64
		reads   atomic.Int64
		entries atomic.Int64
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
	// The machine's share: how late a 10 ms timer fires in this process
	// meanwhile (on a busy shared machine, a read waits as long for a
	// processor, in the client and in pvmd, whatever pvmd does).
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
				st, _, err := cl.get(ctx, url)
				if ctx.Err() != nil {
					return
				}
				polls.Add(1)
				if err != nil || (st != 200 && st != 204) {
					fail("%s: event poll: HTTP %d %v", name, st, err)
					time.Sleep(*every)
				}
			}
		}()
		// The partition feed every -every, the clients spread over the
		// interval.
		go func() {
			defer wg.Done()
			offset := time.Duration(int64(*every) * int64(i) / int64(len(clients)))
			select {
			case <-time.After(offset):
			case <-ctx.Done():
				return
			}
			t := time.NewTicker(*every)
			defer t.Stop()
			for {
				t0 := time.Now()
				st, n, err := cl.get(ctx, cl.feed)
				d := time.Since(t0)
				if ctx.Err() != nil {
					return
				}
				reads.Add(1)
				if err != nil || st != 200 {
					fail("%s: partition feed: HTTP %d %v", name, st, err)
				} else {
					entries.Add(int64(n))
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
				select {
				case <-t.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := reads.Load()
	per := 0.0
	if r > 0 {
		per = float64(entries.Load()) / float64(r)
	}
	fmt.Printf("systems=%d\nseconds=%.0f\nreads=%d\nentries_per_feed=%.1f\npolls=%d\nerrors=%d\np50_ms=%s\np90_ms=%s\np99_ms=%s\nmax_ms=%s\nlate_p50_ms=%s\nlate_p99_ms=%s\n",
		len(clients), elapsed.Seconds(), r, per, polls.Load(), nerr.Load(),
		ms(lat.pct(50)), ms(lat.pct(90)), ms(lat.pct(99)), ms(lat.pct(100)), ms(late.pct(50)), ms(late.pct(99)))
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "load fleet:", e)
	}
	return nil
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

// get reads url whole; it returns the status and the entries it holds.
func (cl *fleetClient) get(ctx context.Context, url string) (int, int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("X-API-Session", cl.token)
	req.Header.Set("Accept", "application/atom+xml")
	resp, err := cl.c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, bytes.Count(b, []byte("<entry>")), err
}
