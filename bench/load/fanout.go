package main

// The event benchmarks of bench/events.sh:
//
//	load fanout  -base URL -n 1000 -pid PID [-baseline [-first]] [-capture DIR] [-trigger custom|create -sys UUID]
//	load abandon -base URL -token T -sys UUID -pid PID -queues 500 -n 9000 -clients 16

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// logonToken logs on as user with the password in PVMD_ADMIN_PASSWORD and
// returns the session token.
func logonToken(c *http.Client, base, user string) (string, error) {
	body := `<LogonRequest xmlns="` + nsWeb + `" schemaVersion="V1_0"><UserID>` + user +
		`</UserID><Password>` + os.Getenv("PVMD_ADMIN_PASSWORD") + `</Password></LogonRequest>`
	st, _, b, err := do(c, "PUT", base+"/rest/api/web/Logon", "",
		"application/vnd.ibm.powervm.web+xml; type=LogonRequest", []byte(body))
	if err != nil {
		return "", err
	}
	m := reSession.FindSubmatch(b)
	if st != 200 || m == nil {
		return "", fmt.Errorf("logon: HTTP %d: %.300s", st, b)
	}
	return string(m[1]), nil
}

// sessionsFor logs on once per perSession queues (a session may hold a
// bounded number of queues).
func sessionsFor(c *http.Client, base string, queues, perSession int) ([]string, error) {
	tokens := make([]string, (queues+perSession-1)/perSession)
	for i := range tokens {
		t, err := logonToken(c, base, "padmin")
		if err != nil {
			return nil, err
		}
		tokens[i] = t
	}
	return tokens, nil
}

func rssKB(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no VmRSS")
}

const eventType = "application/vnd.ibm.powervm.uom+xml; type=Event"

func customEventBody(data string) []byte {
	return []byte(`<Event xmlns="` + nsUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<EventType>CUSTOM_CLIENT_EVENT</EventType><EventData>` + data + `</EventData><EventDetail>bench</EventDetail></Event>`)
}

// pollURL is the event feed of one application's queue.
func pollURL(base, app string) string {
	return base + "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=" + app
}

// baselineToken stands for a session token in the baseline's requests:
// as long as pvmd's (48 random bytes, base64).
var baselineToken = strings.Repeat("b", 64)

type receipt struct {
	waiter int
	at     time.Time
	body   []byte
	hdr    http.Header
}

// cmdFanout measures one change delivered to n waiting long-polls, each
// its own queue on its own connection (against pvmd: n application IDs,
// at most perSession per session; against the baseline, bench/fanout:
// n GET /wait). It reports the server's resident memory before the polls
// and with all of them waiting, and for each round the time from the
// change request sent to the last (and the median) poll's answer read.
func cmdFanout(args []string) error {
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	n := fs.Int("n", 1000, "waiting polls")
	perSession := fs.Int("per-session", 16, "queues per session (pvmd)")
	rounds := fs.Int("rounds", 5, "changes, one after the other")
	pid := fs.Int("pid", 0, "the server's process ID (its VmRSS)")
	baseline := fs.Bool("baseline", false, "the server is bench/fanout")
	first := fs.Bool("first", false, "with -baseline: each poll's first request is GET /first, answered at once (as pvmd answers NEW_CLIENT)")
	capture := fs.String("capture", "", "write one poll's answer (body, headers) to this directory")
	trigger := fs.String("trigger", "custom", "the change: custom (a client's event, another session) or create (a partition)")
	sys := fs.String("sys", "", "managed system UUID (-trigger create)")
	settle := fs.Duration("settle", 1500*time.Millisecond, "pause for the polls to be waiting again")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(*n + 8)
	run := newUUID()[:8]
	var tokens []string
	var trigToken string
	if !*baseline {
		var err error
		if tokens, err = sessionsFor(c, *base, *n, *perSession); err != nil {
			return err
		}
		if trigToken, err = logonToken(c, *base, "padmin"); err != nil {
			return err
		}
	}
	rss0, err := rssKB(*pid)
	if err != nil {
		return err
	}
	// Read after the resident figure: what reading it allocates is
	// counted against the server.
	inuse0, err := inUse(c, *base, *baseline, trigToken)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recv := make(chan receipt, *n)
	errc := make(chan error, *n)
	var wg sync.WaitGroup
	poll := func(i int) {
		defer wg.Done()
		// The baseline gets the same requests as pvmd (path, query, a
		// session header of the same length), which it ignores: both
		// servers read the same bytes.
		url, token := pollURL(*base, "fan-"+run+"-"+strconv.Itoa(i)), baselineToken
		if !*baseline {
			token = tokens[i / *perSession]
		}
		firstURL := url
		if *baseline && *first {
			firstURL = *base + "/first"
		}
		for k := 0; ctx.Err() == nil; k++ {
			u := url
			if k == 0 {
				u = firstURL
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
			if token != "" {
				req.Header.Set("X-API-Session", token)
			}
			req.Header.Set("Accept", "application/atom+xml")
			resp, err := c.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					errc <- fmt.Errorf("poll %d: %w", i, err)
				}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			at := time.Now()
			if err != nil {
				if ctx.Err() == nil {
					errc <- fmt.Errorf("poll %d: %w", i, err)
				}
				return
			}
			switch resp.StatusCode {
			case http.StatusNoContent:
			case http.StatusOK:
				recv <- receipt{waiter: i, at: at, body: b, hdr: resp.Header}
			default:
				errc <- fmt.Errorf("poll %d: HTTP %d: %.300s", i, resp.StatusCode, b)
				return
			}
		}
	}
	// collect waits for one receipt per waiter that matches.
	collect := func(match func([]byte) bool, limit time.Duration) ([]receipt, error) {
		got := make([]receipt, 0, *n)
		seen := make([]bool, *n)
		t := time.NewTimer(limit)
		defer t.Stop()
		for len(got) < *n {
			select {
			case r := <-recv:
				if !seen[r.waiter] && match(r.body) {
					seen[r.waiter] = true
					got = append(got, r)
				}
			case err := <-errc:
				return nil, err
			case <-t.C:
				return nil, fmt.Errorf("%d of %d polls answered within %v", len(got), *n, limit)
			}
		}
		return got, nil
	}
	// The polls start in batches: a new connection is unauthenticated
	// until its first request is, and pvmd keeps a bounded number of those.
	const batch = 50
	for i := 0; i < *n; i += batch {
		m := min(batch, *n-i)
		for j := i; j < i+m; j++ {
			wg.Add(1)
			go poll(j)
		}
		if *baseline && !*first {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		// Each new queue's first answer is NEW_CLIENT (the baseline's
		// with -first: the same bytes); then it waits.
		for k := 0; k < m; k++ {
			select {
			case r := <-recv:
				if !*baseline && !bytes.Contains(r.body, []byte("NEW_CLIENT")) {
					return fmt.Errorf("poll %d: first answer without NEW_CLIENT: %.300s", r.waiter, r.body)
				}
			case err := <-errc:
				return err
			case <-time.After(30 * time.Second):
				return errors.New("no NEW_CLIENT within 30 s")
			}
		}
	}
	time.Sleep(*settle)
	rss1, err := rssKB(*pid)
	if err != nil {
		return err
	}
	inuse1, err := inUse(c, *base, *baseline, trigToken)
	if err != nil {
		return err
	}
	var last, p50 durs
	cpu0, err := cpuTicks(*pid)
	if err != nil {
		return err
	}
	for r := 0; r < *rounds; r++ {
		marker := "fan-" + run + "-round" + strconv.Itoa(r)
		t0 := time.Now()
		var st int
		var b []byte
		switch {
		case *baseline:
			st, _, b, err = do(c, "PUT", *base+"/trigger", "", "", nil)
			if st == http.StatusNoContent {
				st = 200
			}
		case *trigger == "create":
			marker = newUUID()
			st, _, b, err = do(c, "PUT", *base+"/rest/api/uom/ManagedSystem/"+*sys+"/LogicalPartition", trigToken, lparType,
				createBody("fan"+run+"r"+strconv.Itoa(r), marker))
		default:
			st, _, b, err = do(c, "PUT", *base+"/rest/api/uom/Event", trigToken, eventType, customEventBody(marker))
		}
		if err == nil && st != 200 {
			err = fmt.Errorf("HTTP %d: %.300s", st, b)
		}
		if err != nil {
			return fmt.Errorf("change %d: %w", r, err)
		}
		match := func(b []byte) bool { return *baseline || bytes.Contains(b, []byte(marker)) }
		got, err := collect(match, 60*time.Second)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		var d durs
		for _, g := range got {
			d = append(d, g.at.Sub(t0))
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		last = append(last, d[len(d)-1])
		p50 = append(p50, d.pct(50))
		if r == 0 && *capture != "" {
			if err := writeCapture(*capture, got[0]); err != nil {
				return err
			}
		}
		time.Sleep(*settle)
	}
	cpu1, err := cpuTicks(*pid)
	if err != nil {
		return err
	}
	cancel()
	wg.Wait()
	var lastMS []string
	for _, d := range last {
		lastMS = append(lastMS, ms(d))
	}
	fmt.Printf("polls=%d\nrss_before_kb=%d\nrss_waiting_kb=%d\nper_poll_kb=%.1f\ninuse_per_poll_kb=%.1f\nlast_p50_ms=%s\nlast_runs_ms=%s\nmedian_p50_ms=%s\ncpu_per_change_ms=%.1f\n",
		*n, rss0, rss1, float64(rss1-rss0)/float64(*n), float64(inuse1-inuse0)/1024/float64(*n), ms(last.pct(50)), strings.Join(lastMS, ","), ms(p50.pct(50)),
		float64(cpu1-cpu0)*1000/clockTicks/float64(*rounds))
	return nil
}

// clockTicks is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTicks = 100

// cpuTicks is the CPU time (user and system) the process has used, in
// clock ticks: what a change costs the server between the rounds (the
// settling pauses between them cost an idle server nothing).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command's name, in parentheses: state is
	// the 3rd field of the line, utime the 14th and stime the 15th.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	return u + st, nil
}

// inUse is the Go runtime's heap and stacks in use in the server, in
// bytes: pvmd's /metrics (go_memstats_*), the baseline's /memstats.
func inUse(c *http.Client, base string, baseline bool, token string) (int64, error) {
	url := base + "/metrics"
	if baseline {
		url, token = base+"/memstats", ""
	}
	st, _, b, err := do(c, "GET", url, token, "", nil)
	if err == nil && st != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %.200s", st, b)
	}
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	var sum int64
	found := 0
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch strings.TrimPrefix(k, "go_memstats_") {
		case "heap_inuse_bytes", "stack_inuse_bytes":
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %q: %w", url, l, err)
			}
			sum += int64(f)
			found++
		}
	}
	if found != 2 {
		return 0, fmt.Errorf("%s: no heap_inuse_bytes and stack_inuse_bytes", url)
	}
	return sum, nil
}

func writeCapture(dir string, r receipt) error {
	var hb strings.Builder
	for k, vs := range r.hdr {
		switch k {
		case "Date", "Content-Length":
			continue
		}
		for _, v := range vs {
			hb.WriteString(k + ": " + v + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "body"), r.body, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "headers"), []byte(hb.String()), 0o644)
}

// cmdAbandon makes `queues` event queues (NEW_CLIENT polled once, at most
// perSession per session) that are never polled again, then runs the
// creates of `load create` and reports their rate and the server's
// resident memory after them. With -queues 0 it is the run without them.
func cmdAbandon(args []string) error {
	fs := flag.NewFlagSet("abandon", flag.ExitOnError)
	base := fs.String("base", "", "http://host:port")
	token := fs.String("token", "", "session token of the creates")
	sys := fs.String("sys", "", "managed system UUID")
	queues := fs.Int("queues", 500, "abandoned queues")
	perSession := fs.Int("per-session", 16, "queues per session")
	n := fs.Int("n", 9000, "partitions to create")
	clients := fs.Int("clients", 16, "concurrent clients of the creates")
	pid := fs.Int("pid", 0, "the server's process ID (its VmRSS)")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits
	c := newClient(8)
	tokens, err := sessionsFor(c, *base, *queues, *perSession)
	if err != nil {
		return err
	}
	run := newUUID()[:8]
	for i := 0; i < *queues; i++ {
		st, _, b, err := do(c, "GET", pollURL(*base, "gone-"+run+"-"+strconv.Itoa(i)), tokens[i / *perSession], "", nil)
		if err == nil && (st != 200 || !bytes.Contains(b, []byte("NEW_CLIENT"))) {
			err = fmt.Errorf("HTTP %d: %.300s", st, b)
		}
		if err != nil {
			return fmt.Errorf("queue %d: %w", i, err)
		}
	}
	c.CloseIdleConnections()
	rss0, err := rssKB(*pid)
	if err != nil {
		return err
	}
	fmt.Printf("queues=%d\nrss_before_kb=%d\n", *queues, rss0)
	if err := cmdCreate([]string{"-base", *base, "-token", *token, "-sys", *sys, "-clients", strconv.Itoa(*clients),
		"-n", strconv.Itoa(*n), "-prefix", "ab" + run + "-"}); err != nil {
		return err
	}
	rss1, err := rssKB(*pid)
	if err != nil {
		return err
	}
	fmt.Printf("rss_after_kb=%d\n", rss1)
	return nil
}
