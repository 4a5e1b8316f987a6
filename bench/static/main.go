// Command static is the baseline of the single-entry benchmark: a plain
// net/http server that answers every GET with the same bytes (body and
// headers captured from pvmd by `load capture`), held in memory. pvmd's
// throughput is compared with this server's, measured with the same wrk
// command in the same run.
//
//	static -dir DIR [-addr 127.0.0.1:0]
//
// DIR holds "body" and "headers" ("Name: value" lines). When ready it
// prints "static ready http=HOST:PORT".
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
	"strconv"
	"strings"
	"syscall"
)

func main() {
	dir := flag.String("dir", "", "directory with body and headers")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
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
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if ok {
			hdr.Add(k, v)
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wh := w.Header()
		for k, v := range hdr {
			wh[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	go func() { _ = http.Serve(l, h) }() // ends with the process
	fmt.Printf("static ready http=%s\n", l.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	l.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "static:", err)
	os.Exit(1)
}
