// Command fanout is the baseline of the event fan-out benchmark
// (bench/events.sh): the least a Go HTTP server can do to answer many
// waiting long-polls at once. Every GET /wait (or GET /rest/api/uom/Event,
// the path of pvmd's polls) blocks until the next PUT
// /trigger (or until -wait passes: 204), then answers with the same
// bytes (body and headers captured from pvmd's answer to an event poll
// by `load fanout -capture`), held in memory. PUT /trigger wakes every
// waiting request by closing one channel. GET /first answers the same
// bytes at once (a client's first poll of pvmd, NEW_CLIENT, is answered
// at once too; `load fanout -baseline -first` sends it on each
// connection before its waiting poll). GET /memstats answers the Go
// runtime's heap and stacks in use ("heap_inuse_bytes N",
// "stack_inuse_bytes N"), as pvmd's /metrics has them, for the figure of
// memory per waiting poll that counts what is allocated whether or not
// it was ever written (the resident one does not count a buffer never
// written).
//
//	fanout -dir DIR [-addr 127.0.0.1:0] [-wait 10s]
//
// DIR holds "body" and "headers" ("Name: value" lines). When ready it
// prints "fanout ready http=HOST:PORT".
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", "", "directory with body and headers")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	wait := flag.Duration("wait", 10*time.Second, "how long a poll waits")
	flag.Parse()
	body, err := os.ReadFile(filepath.Join(*dir, "body"))
	if err != nil {
		fail(err)
	}
	raw, err := os.ReadFile(filepath.Join(*dir, "headers"))
	if err != nil {
		fail(err)
	}
	hdr := http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			hdr.Add(k, v)
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))

	var mu sync.Mutex
	gen := make(chan struct{})
	mux := http.NewServeMux()
	waitPoll := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := gen
		mu.Unlock()
		t := time.NewTimer(*wait)
		defer t.Stop()
		select {
		case <-ch:
		case <-t.C:
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		}
		h := w.Header()
		for k, v := range hdr {
			h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
	mux.HandleFunc("GET /wait", waitPoll)
	// The path of pvmd's polls: `load fanout -baseline` sends the same
	// requests as to pvmd (path, query, session header), which this
	// server reads and ignores.
	mux.HandleFunc("GET /rest/api/uom/Event", waitPoll)
	mux.HandleFunc("GET /first", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range hdr {
			h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	mux.HandleFunc("GET /memstats", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(w, "heap_inuse_bytes %d\nstack_inuse_bytes %d\n", m.HeapInuse, m.StackInuse)
	})
	mux.HandleFunc("PUT /trigger", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		close(gen)
		gen = make(chan struct{})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(err)
	}
	fmt.Printf("fanout ready http=%s\n", ln.Addr())
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fanout:", err)
	os.Exit(1)
}
