package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// The bounds the robustness test holds pvmd to while it is flooded.
const (
	// rssBound is what pvmd's resident memory stays under (it starts at
	// about 10 MiB; these floods took it past 1.5 GiB before its queues,
	// jobs and request bodies were bounded, and to about 50 MiB since).
	rssBound = 128 << 20
	// latencyBound is what 99% of a well-behaved client's requests take
	// at most, none failing.
	latencyBound = 1500 * time.Millisecond
)

// rssOf reads a process's resident memory (VmRSS) in bytes.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// wellBehaved is a client doing what clients do (logged on, reading
// partitions, polling its event queue) and recording how it fares.
type wellBehaved struct {
	c         *client
	sys       string
	mu        sync.Mutex
	latencies []time.Duration
	errors    []string
}

func (w *wellBehaved) run(ctx context.Context) {
	app := "robust-good"
	for i := 0; ctx.Err() == nil; i++ {
		path := pathMS + "/" + w.sys + "/LogicalPartition"
		if i%3 == 2 {
			path = eventPath(app) + "&timeout=0"
		}
		start := time.Now()
		r, err := w.c.do(context.Background(), http.MethodGet, path, nil)
		d := time.Since(start)
		w.mu.Lock()
		w.latencies = append(w.latencies, d)
		switch {
		case err != nil:
			w.errors = append(w.errors, fmt.Sprintf("GET %s: %v", path, err))
		case r.Status != http.StatusOK && r.Status != http.StatusNoContent:
			w.errors = append(w.errors, r.String())
		}
		w.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// take returns and forgets what was recorded: the 99th percentile, the
// slowest, the count and the errors.
func (w *wellBehaved) take() (p99, worst time.Duration, n int, errs []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.latencies
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	if len(l) > 0 {
		p99, worst = l[len(l)*99/100], l[len(l)-1]
	}
	n, errs = len(l), w.errors
	w.latencies, w.errors = nil, nil
	return
}

// TestRobustness floods pvmd as a hostile or careless client would, one
// flood after the other: connections that send part of a logon and stall,
// logons with tens of thousands of attributes, a session making a
// thousand event queues and publishing ten thousand large custom events,
// jobs with 15 MB parameters and thousands of finished jobs nobody
// deletes. Meanwhile a well-behaved client keeps working: none of its
// requests fails and 99% of them take less than latencyBound; a bystander
// logs on during the floods; pvmd's resident memory stays under rssBound
// throughout.
func TestRobustness(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{Flags: []string{"--stall-timeout", "2s", "--max-unauth-conns", "64", "--event-wait", "1s"}})
	pid := d.cmd.Process.Pid
	var peak atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(context.Background())
	defer stopSampling()
	go func() {
		for sampleCtx.Err() == nil {
			if rss, err := rssOf(pid); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	start, _ := rssOf(pid)

	good := &wellBehaved{c: newClient(d.BaseURL())}
	defer good.c.close()
	if err := good.c.logon("padmin", adminPassword); err != nil {
		t.Fatal(err)
	}
	good.sys = tc{good.c, t}.systemUUID()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); good.run(ctx) }()
	defer func() { stop(); wg.Wait() }()

	check := func(phase string) {
		t.Helper()
		p99, worst, n, errs := good.take()
		t.Logf("%s: the well-behaved client made %d requests, p99 %v, slowest %v; pvmd peak RSS %d MiB",
			phase, n, p99.Round(time.Millisecond), worst.Round(time.Millisecond), peak.Load()>>20)
		if len(errs) > 0 {
			t.Errorf("%s: %d requests of the well-behaved client failed, first: %s", phase, len(errs), errs[0])
		}
		if n == 0 || p99 > latencyBound {
			t.Errorf("%s: p99 %v over %d requests, the bound is %v", phase, p99, n, latencyBound)
		}
		if p := peak.Load(); p > rssBound {
			t.Errorf("%s: pvmd's resident memory reached %d MiB, the bound is %d MiB", phase, p>>20, rssBound>>20)
		}
	}
	bystander := func(phase string) {
		t.Helper()
		c := newClient(d.BaseURL())
		defer c.close()
		if err := c.logon("padmin", adminPassword); err != nil {
			t.Errorf("%s: a bystander's logon: %v", phase, err)
		}
	}

	t.Run("SlowBodies", func(t *testing.T) {
		var conns []net.Conn
		body := string(logonBody("padmin", adminPassword, false))
		for i := 0; i < 2000; i++ {
			c, err := net.Dial("tcp", d.HTTP)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			fmt.Fprintf(c, "PUT /rest/api/web/Logon HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
				typeLogonRequest, len(body), body[:30])
			conns = append(conns, c)
			if i%500 == 499 {
				bystander("slow bodies")
			}
		}
		time.Sleep(3 * time.Second) // past the stall timeout
		bystander("slow bodies")
		for _, c := range conns {
			c.Close()
		}
		check("slow bodies")
	})

	t.Run("AttributeFlood", func(t *testing.T) {
		var attrs strings.Builder
		for i := 0; i < 6000; i++ {
			fmt.Fprintf(&attrs, ` a%d="v"`, i)
		}
		flood := []byte(`<LogonRequest xmlns="` + uom.NSWeb + `"` + attrs.String() + `><UserID>padmin</UserID><Password>x</Password></LogonRequest>`)
		big := []byte(strings.Repeat(" ", 1600000) + string(flood))
		var fwg sync.WaitGroup
		var unexpected atomic.Value
		deadline := time.Now().Add(5 * time.Second)
		for g := 0; g < 8; g++ {
			fwg.Add(1)
			go func() {
				defer fwg.Done()
				c := newClient(d.BaseURL())
				defer c.close()
				for i := 0; time.Now().Before(deadline); i++ {
					b, want := flood, http.StatusBadRequest
					if i%10 == 9 {
						b, want = big, http.StatusRequestEntityTooLarge
					}
					r, err := c.do(context.Background(), http.MethodPut, "/rest/api/web/Logon", b, "Content-Type", typeLogonRequest)
					if err == nil && r.Status != want {
						unexpected.Store(r.String())
					}
				}
			}()
		}
		bystander("attribute flood")
		fwg.Wait()
		if u := unexpected.Load(); u != nil {
			t.Errorf("a flooding logon was answered otherwise than refused: %s", u)
		}
		check("attribute flood")
	})

	t.Run("QueueAndEventFlood", func(t *testing.T) {
		// One session makes the queues (and never polls them again),
		// another publishes.
		fl, pub := newClient(d.BaseURL()), newClient(d.BaseURL())
		defer fl.close()
		defer pub.close()
		for _, c := range []*client{fl, pub} {
			if err := c.logon("padmin", adminPassword); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 1000; i++ {
			if _, err := fl.get(eventPath(fmt.Sprintf("flood-%d", i)) + "&timeout=0"); err != nil {
				t.Fatal(err)
			}
		}
		detail := strings.Repeat("d", 8000)
		ev := []byte(`<Event xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><EventType>CUSTOM_CLIENT_EVENT</EventType>` +
			`<EventData>flood</EventData><EventDetail>` + detail + `</EventDetail></Event>`)
		var next atomic.Int64
		var fwg sync.WaitGroup
		for g := 0; g < 8; g++ {
			fwg.Add(1)
			go func() {
				defer fwg.Done()
				for next.Add(1) <= 10000 {
					if r, err := pub.put("/rest/api/uom/Event", "Event", ev); err != nil || r.Status != http.StatusOK {
						t.Errorf("custom event: %v %v", err, r)
						return
					}
				}
			}()
		}
		fwg.Wait()
		bystander("queue and event flood")
		// The flooded queues were bounded: the oldest lost their backlog.
		r, err := fl.get(eventPath("flood-999") + "&timeout=0")
		if err != nil {
			t.Fatal(err)
		}
		if evs, err := parseEvents(r); err != nil || len(evs) == 0 || (evs[0].Type != "MISSING_EVENTS" && evs[0].Type != "NEW_CLIENT") {
			t.Errorf("a flooded queue: %d events, %v; want it told MISSING_EVENTS (or, dropped, NEW_CLIENT)", len(evs), err)
		}
		check("queue and event flood")
	})

	t.Run("JobParameterFlood", func(t *testing.T) {
		fl := newClient(d.BaseURL())
		defer fl.close()
		if err := fl.logon("padmin", adminPassword); err != nil {
			t.Fatal(err)
		}
		lpar := tc{fl, t}.lparByName("lpar10")
		huge := strings.Repeat("n", 15<<20)
		jr := func(op, group, name, value string) []byte {
			b := `<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
				`<RequestedOperation schemaVersion="V1_0"><Metadata><Atom/></Metadata><OperationName>` + op + `</OperationName><GroupName>` + group + `</GroupName></RequestedOperation>` +
				`<JobParameters schemaVersion="V1_0"><Metadata><Atom/></Metadata>`
			if name != "" {
				b += `<JobParameter schemaVersion="V1_0"><Metadata><Atom/></Metadata><ParameterName>` + name + `</ParameterName><ParameterValue>` + value + `</ParameterValue></JobParameter>`
			}
			return []byte(b + `</JobParameters></JobRequest:JobRequest>`)
		}
		big := jr("PowerOn", "LogicalPartition", "bootmode", huge)
		var fwg sync.WaitGroup
		var bad atomic.Value
		for g := 0; g < 20; g++ {
			fwg.Add(1)
			go func() {
				defer fwg.Done()
				r, err := fl.do(context.Background(), http.MethodPut, pathLPAR+"/"+lpar.UUID+"/do/PowerOn", big, "Content-Type", typeJobRequest)
				if err != nil || (r.Status != http.StatusRequestEntityTooLarge && r.Status != http.StatusServiceUnavailable) {
					bad.Store(fmt.Sprint(err, r))
				}
			}()
		}
		fwg.Wait()
		if b := bad.Load(); b != nil {
			t.Errorf("a job with a 15 MB parameter was not refused: %v", b)
		}
		// Finished jobs nobody deletes: each holds the profile data.
		backup := jr("BackupProfileData", "ManagedSystem", "", "")
		var next atomic.Int64
		for g := 0; g < 8; g++ {
			fwg.Add(1)
			go func() {
				defer fwg.Done()
				for next.Add(1) <= 3000 {
					r, err := fl.do(context.Background(), http.MethodPut, pathMS+"/"+good.sys+"/do/BackupProfileData", backup, "Content-Type", typeJobRequest)
					if err != nil || r.Status != http.StatusOK {
						bad.Store(fmt.Sprint(err, r))
						return
					}
				}
			}()
		}
		fwg.Wait()
		if b := bad.Load(); b != nil {
			t.Errorf("a backup job: %v", b)
		}
		bystander("job parameter flood")
		check("job parameter flood")
	})
	t.Logf("pvmd's resident memory: %d MiB at the start, %d MiB at the most", start>>20, peak.Load()>>20)
}
