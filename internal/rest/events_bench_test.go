package rest

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/uom"
)

// BenchmarkEventFanout1000: one change (a client's custom event) reaches
// 1,000 long-polls waiting over loopback HTTP, each its own queue on its
// own connection; one op is one change, until the last poll has read its
// answer. The baseline sub-benchmark runs the same client against the
// least a Go server can do (one channel closed, a fixed answer of pvmd's
// size written with the headers of pvmd's, as bench/fanout does; it
// reads the same requests as pvmd, which it ignores).
// Besides the time of the last answer it reports the process's stack and
// heap per waiting poll (client included, the same in both), and what the
// process allocated per poll until all waited. The profiling
// side of bench/events.sh:
//
//	go test -run '^$' -bench EventFanout -benchtime 20x -cpuprofile cpu.out ./internal/rest
//
// With -waitprofile DIR it also writes, while the polls wait, the heap
// profile (DIR/<sub>.heap, every allocation sampled) and the goroutines' stacks (DIR/<sub>.stacks,
// identical stacks counted once) of each sub-benchmark.
func BenchmarkEventFanout1000(b *testing.B) {
	const polls = 1000
	if *waitProfile != "" {
		defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
		runtime.MemProfileRate = 1 // every allocation (a waiting poll's are small)
	}
	// pvmd's polls wait on their connections' goroutines (as on a test's
	// server), or parked (on pvmd's own listeners).
	for _, park := range []bool{false, true} {
		name := "pvmd"
		if park {
			name = "pvmd-parked"
		}
		b.Run(name, func(b *testing.B) { benchFanoutPvmd(b, polls, park) })
	}
	b.Run("baseline", func(b *testing.B) {
		var mu sync.Mutex
		gen := make(chan struct{})
		answer := bytes.Repeat([]byte("x"), 1600)
		// The headers of pvmd's answer, as bench/fanout sends them.
		hdr := http.Header{}
		hdr.Set("X-MC-Type", "PVM")
		hdr.Set("X-HMC-Schema-Version", "V1_3_0")
		hdr.Set("X-Transaction-ID", "XT1")
		hdr.Set("Cache-Control", "no-transform, must-revalidate, proxy-revalidate, no-cache=set-cookie")
		hdr.Set("Content-Type", uom.MediaTypeAtom)
		hdr.Set("Content-Length", strconv.Itoa(len(answer)))
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "PUT" {
				mu.Lock()
				close(gen)
				gen = make(chan struct{})
				mu.Unlock()
				return
			}
			mu.Lock()
			ch := gen
			mu.Unlock()
			t := time.NewTimer(10 * time.Second)
			defer t.Stop()
			select {
			case <-ch:
				h := w.Header()
				for k, v := range hdr {
					h[k] = v
				}
				w.WriteHeader(http.StatusOK)
				w.Write(answer)
			case <-t.C:
				w.WriteHeader(http.StatusNoContent)
			case <-r.Context().Done():
			}
		}))
		defer hs.Close()
		c := &http.Client{}
		host := hs.Listener.Addr().String()
		token := newToken() // pvmd's request, ignored
		benchFanout(b, host, polls, false, func(i int) []byte {
			return []byte("GET /rest/api/uom/Event?QUEUE_APPLICATIONID=fan" + strconv.Itoa(i) + " HTTP/1.1\r\nHost: " + host +
				"\r\nAccept: application/atom+xml\r\nX-API-Session: " + token + "\r\n\r\n")
		}, func() {
			req, _ := http.NewRequest("PUT", hs.URL+"/trigger", nil)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		})
	})
}

// benchFanoutPvmd is BenchmarkEventFanout1000's pvmd side, its polls
// parked or not.
func benchFanoutPvmd(b *testing.B, polls int, park bool) {
	e := newBenchEnv(b, 3, 100)
	e.http.Close()
	hs := httptest.NewUnstartedServer(e.srv)
	e.srv.ConfigureHTTPServer(hs.Config)
	if park {
		hs.Listener = NewPollListener(hs.Listener)
		hs.Config.BaseContext = func(ln net.Listener) context.Context { return ListenerContext(context.Background(), ln) }
	}
	hs.Start()
	defer hs.Close()
	lim := core.DefaultBusLimits
	lim.Queues = 4 * polls
	e.core.Bus.SetLimits(lim)
	var tokens []string
	for i := 0; i < polls/16+1; i++ {
		tok := newToken()
		e.srv.sessions.add(&session{token: tok, user: "padmin", role: core.RoleAdmin})
		tokens = append(tokens, tok)
	}
	trig := newToken()
	e.srv.sessions.add(&session{token: trig, user: "padmin", role: core.RoleAdmin})
	body := []byte(`<Event xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><EventType>CUSTOM_CLIENT_EVENT</EventType><EventData>fan</EventData><EventDetail>bench</EventDetail></Event>`)
	c := &http.Client{}
	host := hs.Listener.Addr().String()
	benchFanout(b, host, polls, true, func(i int) []byte {
		return []byte("GET /rest/api/uom/Event?QUEUE_APPLICATIONID=fan" + strconv.Itoa(i) + " HTTP/1.1\r\nHost: " + host +
			"\r\nAccept: application/atom+xml\r\nX-API-Session: " + tokens[i/16] + "\r\n\r\n")
	}, func() {
		req, _ := http.NewRequest("PUT", hs.URL+"/rest/api/uom/Event", bytes.NewReader(body))
		req.Header.Set("X-API-Session", trig)
		req.Header.Set("Content-Type", uom.MediaType(uom.ServiceUOM, "Event"))
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("PUT Event: %v %v", err, resp)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
}

var waitProfile = flag.String("waitprofile", "", "BenchmarkEventFanout1000: write heap and goroutine profiles of the waiting polls into this directory")

// writeWaitProfiles writes the heap profile and the goroutines' stacks of
// b's server while its polls wait (-waitprofile).
func writeWaitProfiles(b *testing.B) {
	if *waitProfile == "" {
		return
	}
	name := filepath.Join(*waitProfile, filepath.Base(b.Name()))
	for _, p := range []struct {
		file, profile string
		debug         int
	}{{".heap", "heap", 0}, {".stacks", "goroutine", 1}} {
		f, err := os.Create(name + p.file)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.Lookup(p.profile).WriteTo(f, p.debug); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMem() (stack, heap, allocs uint64) {
	for i := 0; i < 3; i++ { // stacks shrink by half at each
		runtime.GC()
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
}

// benchFanout opens polls connections and sends each its poll (request
// i, raw HTTP/1.1 bytes); with newClient, each connection's first answer
// (NEW_CLIENT) is read and its poll sent again. No goroutine of the
// client waits: the answers are read one after the other once the change
// is made, so the process's stacks and heap per waiting poll are the
// server's.
func benchFanout(b *testing.B, addr string, polls int, newClient bool, request func(int) []byte, change func()) {
	conns := make([]net.Conn, polls)
	readers := make([]*bufio.Reader, polls)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	read := func(i int) []byte {
		conns[i].SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(readers[i], nil)
		if err != nil {
			b.Fatalf("poll %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("poll %d: HTTP %d %v: %.200s", i, resp.StatusCode, err, body)
		}
		return body
	}
	send := func(i int) {
		if _, err := conns[i].Write(request(i)); err != nil {
			b.Fatal(err)
		}
	}
	s0, h0, a0 := benchMem()
	g0 := runtime.NumGoroutine()
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns[i], readers[i] = c, bufio.NewReaderSize(c, 4096)
		send(i)
		if newClient {
			if body := read(i); !bytes.Contains(body, []byte(core.EventNewClient)) {
				b.Fatalf("poll %d: first answer without NEW_CLIENT: %.300s", i, body)
			}
			send(i)
		}
	}
	time.Sleep(time.Second)
	s1, h1, a1 := benchMem()
	writeWaitProfiles(b)
	gp := float64(runtime.NumGoroutine()-g0) / float64(polls)
	var last []time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		t0 := time.Now()
		change()
		for i := range conns {
			read(i)
		}
		last = append(last, time.Since(t0))
		b.StopTimer()
		for i := range conns {
			send(i)
		}
		time.Sleep(200 * time.Millisecond) // the polls wait again
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(benchPercentile(last, 50))/1e6, "last-ms")
	b.ReportMetric(gp, "goroutines/poll")
	b.ReportMetric(float64(int64(s1)-int64(s0))/float64(polls)/1024, "stackKB/poll")
	b.ReportMetric(float64(int64(h1)-int64(h0))/float64(polls)/1024, "heapKB/poll")
	b.ReportMetric(float64(a1-a0)/float64(polls)/1024, "allocKB/poll")
}
