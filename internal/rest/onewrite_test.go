package rest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEntryAnswerOneWrite: the answer to a partition's create and to a read
// of its entry (some 10 KB, beyond net/http's 4 KB connection buffer)
// reaches a connection of a HoldingListener in one write, over HTTP and
// HTTPS; a plain listener's connection gets the same bytes in more than
// one.
func TestEntryAnswerOneWrite(t *testing.T) {
	e := newBenchEnv(t, 0, 100)
	serve := func(hold, tlsOn bool) (*countingListener, func() net.Conn) {
		cl := serveCounting(t, e.srv, hold, tlsOn)
		ln := cl.Listener
		return cl, func() net.Conn {
			var c net.Conn
			var err error
			if tlsOn {
				c, err = tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
			} else {
				c, err = net.Dial("tcp", ln.Addr().String())
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
	}
	// ask sends a request on c (every server answering as the same host,
	// so that their answers may be compared) and reads the answer whole.
	ask := func(c net.Conn, rd *bufio.Reader, method, path string, body []byte) (*http.Response, []byte) {
		t.Helper()
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: novalink.example:12443\r\nX-API-Session: %s\r\nAccept: %s\r\n", method, path, e.token, "application/atom+xml")
		if body != nil {
			fmt.Fprintf(c, "Content-Type: %s\r\nContent-Length: %d\r\n", benchLparType, len(body))
		}
		io.WriteString(c, "\r\n")
		c.Write(body)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %.300s", method, path, resp.StatusCode, out)
		}
		return resp, out
	}
	create := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "HTTP", true: "HTTPS"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			type answer struct {
				resp   *http.Response
				body   []byte
				writes int64
			}
			got := map[bool][]answer{}
			var uuid string
			for _, hold := range []bool{true, false} {
				cl, dial := serve(hold, tlsOn)
				c := dial()
				rd := bufio.NewReader(c)
				first, _ := ask(c, rd, "GET", "/rest/api/uom/ManagedSystem/"+e.sys, nil) // the TLS handshake's writes done
				first.Body.Close()
				before := cl.writes.Load()
				resp, body := ask(c, rd, "PUT", create, benchCreateBody(fmt.Sprintf("one-%s-%v", name, hold), ""))
				resp.Body.Close() // read whole by ask
				got[hold] = append(got[hold], answer{resp, body, cl.writes.Load() - before})
				if uuid == "" {
					_, id, ok := strings.Cut(string(body), "<id>")
					if !ok || len(id) < 36 {
						t.Fatalf("no id in the answer: %.300s", body)
					}
					uuid = id[:36]
				}
				before = cl.writes.Load()
				resp, body = ask(c, rd, "GET", "/rest/api/uom/LogicalPartition/"+uuid, nil)
				resp.Body.Close() // read whole by ask
				got[hold] = append(got[hold], answer{resp, body, cl.writes.Load() - before})
			}
			for i, what := range []string{"create", "entry"} {
				h, p := got[true][i], got[false][i]
				if len(h.body) < 8<<10 {
					t.Fatalf("%s: an answer of %d bytes: expected one beyond the 4 KB buffer", what, len(h.body))
				}
				if h.writes != 1 {
					t.Errorf("%s: %d writes through the holding listener, want 1", what, h.writes)
				}
				if p.writes < 2 {
					t.Errorf("%s: %d writes through the plain listener: the answer would fit one write anyway", what, p.writes)
				}
				if what == "entry" && !bytes.Equal(h.body, p.body) {
					t.Errorf("%s: the answers' bodies differ", what)
				}
				for _, k := range []string{"Date", "X-Transaction-Id"} { // each answer's own
					h.resp.Header.Del(k)
					p.resp.Header.Del(k)
				}
				if what == "entry" && fmt.Sprint(h.resp.Header) != fmt.Sprint(p.resp.Header) {
					t.Errorf("%s: headers %v, plain %v", what, h.resp.Header, p.resp.Header)
				}
				if h.resp.ContentLength != int64(len(h.body)) {
					t.Errorf("%s: Content-Length %d for %d bytes", what, h.resp.ContentLength, len(h.body))
				}
			}
		})
	}
}

// TestHeldWriteGoesWithTheNext: what a holding connection holds leaves
// with a write too large to be held, in one system call (writev): a
// streamed feed's batch, whose head net/http's 4 KB buffer sends apart,
// is one write. The process's own count of write calls is read
// (/proc/self/io): another goroutine's write may fall in between, so the
// count is tried a few times; the bytes arrive as written.
func TestHeldWriteGoesWithTheNext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	hl := HoldingListener(ln)
	sc, err := hl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	hc := sc.(*holdingConn)
	syscw := func() int64 {
		b, err := os.ReadFile("/proc/self/io")
		if err != nil {
			t.Fatalf("the process's write count: %v", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "syscw: "); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatal("no syscw in /proc/self/io")
		return 0
	}
	head := bytes.Repeat([]byte("h"), 4<<10)
	rest := bytes.Repeat([]byte("r"), 256<<10)
	// The client reads everything the rounds write, until the server's
	// side closes.
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	rounds, best := 0, int64(-1)
	for rounds < 5 && best != 1 {
		rounds++
		before := syscw()
		hc.hold()
		if n, err := hc.Write(head); err != nil || n != len(head) {
			t.Fatalf("held write: %d %v", n, err)
		}
		if n, err := hc.Write(rest); err != nil || n != len(rest) {
			t.Fatalf("write: %d %v", n, err)
		}
		hc.release()
		if n := syscw() - before; best < 0 || n < best {
			best = n
		}
	}
	sc.Close()
	want := bytes.Repeat(append(append([]byte(nil), head...), rest...), rounds)
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("the receiver read %d bytes, not the %d written, in order", len(b), len(want))
	}
	if best != 1 {
		t.Errorf("a held write and the next left in %d write calls, want 1", best)
	}
}

// TestStreamedFeedHeld: a feed streamed in batches (over 8 MB) through a
// holding listener, each batch's writes held and let go together, is the
// document a plain listener sends, over HTTP and HTTPS.
func TestStreamedFeedHeld(t *testing.T) {
	e := newBenchEnv(t, 999, 1100)
	path := "/rest/api/uom/ManagedSystem/" + e.sys + "/LogicalPartition"
	for _, tlsOn := range []bool{false, true} {
		bodies := map[bool][]byte{}
		for _, hold := range []bool{true, false} {
			cl := serveCounting(t, e.srv, hold, tlsOn)
			scheme := map[bool]string{false: "http", true: "https"}[tlsOn]
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableCompression: true}}
			req, err := http.NewRequest("GET", scheme+"://"+cl.Addr().String()+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "novalink.example:12443" // the same links from both servers
			req.Header.Set("X-API-Session", e.token)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET (TLS %v, hold %v): %d %v", tlsOn, hold, resp.StatusCode, err)
			}
			if resp.ContentLength >= 0 || len(b) <= feedLengthLimit {
				t.Fatalf("GET (TLS %v, hold %v): %d bytes, Content-Length %d: not streamed", tlsOn, hold, len(b), resp.ContentLength)
			}
			bodies[hold] = b
		}
		// Each feed has its own time.
		strip := regexp.MustCompile(`<(published|updated)>[^<]*</(published|updated)>`)
		if h, p := strip.ReplaceAll(bodies[true], nil), strip.ReplaceAll(bodies[false], nil); !bytes.Equal(h, p) {
			t.Errorf("TLS %v: the held feed differs from the plain one: %s", tlsOn, firstDiff(h, p))
		}
	}
}
