package rest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/uom"
)

// stream reads a virtual terminal stream into a buffer.
type stream struct {
	t    *testing.T
	rwc  io.ReadWriteCloser
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

func newStream(t *testing.T, rwc io.ReadWriteCloser) *stream {
	s := &stream{t: t, rwc: rwc, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := rwc.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { rwc.Close(); <-s.done })
	return s
}

func (s *stream) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func (s *stream) wait(want string) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.text(), want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the stream never showed %q; got:\n%s", want, s.text())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (h *harness) client() *client.Client {
	cl, err := client.New(client.Config{URL: h.ts.URL, User: "padmin", Password: "pw"})
	if err != nil {
		h.t.Fatal(err)
	}
	return cl
}

func TestVtermStreamAndCloseVterm(t *testing.T) {
	h := newHarness(t)
	p := h.createPartition(uuidShrRun, "vm1", false)
	cl := h.client()
	ctx := context.Background()
	rwc, err := cl.OpenVterm(ctx, strings.ToLower(p.UUID), client.VtermOptions{PID: 1234})
	if err != nil {
		t.Fatal(err)
	}
	s := newStream(t, rwc)
	s.wait("Open Completed.")

	// A second session is refused with who holds the console.
	_, err = h.client().OpenVterm(ctx, p.UUID, client.VtermOptions{Kind: client.VtermVNC, PID: 9, Port: 5901})
	var busy *client.VtermInUse
	if !errors.As(err, &busy) || busy.Kind != "tty" || busy.PID != 1234 || !strings.Contains(busy.Message, "in use by process 1234") {
		t.Fatalf("second open: %v (%+v)", err, busy)
	}

	// The partition boots on the console; typing reaches it.
	h.settle(h.startPowerOn("LogicalPartition", p.UUID), p.UUID)
	s.wait("vm1 login: ")
	if _, err := rwc.Write([]byte("root\rpw\rhostname\r")); err != nil {
		t.Fatal(err)
	}
	s.wait("root@vm1:~# hostname\r\nvm1\r\n")

	// The CloseVterm job (its template, then the job) ends the session.
	resp, data := h.do(http.MethodGet, "/rest/api/uom/LogicalPartition/"+p.UUID+"/do/CloseVterm", "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), "<OperationName kb=\"ROR\" kxe=\"false\">CloseVterm</OperationName>") {
		t.Fatalf("CloseVterm template: %s\n%s", resp.Status, data)
	}
	resp, data = h.do(http.MethodPut, "/rest/api/uom/LogicalPartition/"+p.UUID+"/do/CloseVterm",
		uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest("CloseVterm", "LogicalPartition"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), "COMPLETED_OK") {
		t.Fatalf("CloseVterm: %s\n%s", resp.Status, data)
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream stayed open after CloseVterm")
	}
	if !strings.Contains(s.text(), "closed by rmvterm") {
		t.Fatalf("last words:\n%s", s.text())
	}
	// With no console open CloseVterm still succeeds (pypowervm runs it
	// before every delete).
	resp, data = h.do(http.MethodPut, "/rest/api/uom/LogicalPartition/"+p.UUID+"/do/CloseVterm",
		uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest("CloseVterm", "LogicalPartition"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), "COMPLETED_OK") {
		t.Fatalf("CloseVterm with none open: %s\n%s", resp.Status, data)
	}
	// The console can be opened again, as a VNC holder this time.
	rwc2, err := cl.OpenVterm(ctx, p.UUID, client.VtermOptions{Kind: client.VtermVNC, PID: 77, Port: 5905, Codepage: "037"})
	if err != nil {
		t.Fatal(err)
	}
	s2 := newStream(t, rwc2)
	s2.wait("Open Completed.")
	_, err = cl.OpenVterm(ctx, p.UUID, client.VtermOptions{})
	if !errors.As(err, &busy) || busy.Kind != "vnc" || busy.Port != 5905 || busy.Codepage != "037" {
		t.Fatalf("open while VNC holds it: %v (%+v)", err, busy)
	}
	// The holder going away frees the console.
	rwc2.Close()
	<-s2.done
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := h.c.ConsoleHolder(p.UUID); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the console stayed held after its stream closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestVtermBadRequests(t *testing.T) {
	h := newHarness(t)
	p := h.createPartition(uuidShrRun, "vm1", false)
	path := "/rest/api/web/VirtualTerminal/" + p.UUID
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		token  bool
		path   string
		status int
		want   string
	}{
		{"no session", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm"}, false, path, 401, "No valid session"},
		{"not an upgrade", nil, true, path, 400, "send Connection: Upgrade"},
		{"other protocol", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}, true, path, 400, "Upgrade: pvm-vterm"},
		{"bad kind", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm", "X-PVM-Vterm-Kind": "telnet"}, true, path, 400, "must be tty or vnc"},
		{"vnc without port", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm", "X-PVM-Vterm-Kind": "vnc"}, true, path, 400, "needs X-PVM-Vterm-Port"},
		{"bad port", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm", "X-PVM-Vterm-Kind": "vnc", "X-PVM-Vterm-Port": "70000"}, true, path, 400, "from 0 to 65535"},
		{"bad code page", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm", "X-PVM-Vterm-Codepage": "abc"}, true, path, 400, "code page"},
		{"unknown partition", map[string]string{"Connection": "Upgrade", "Upgrade": "pvm-vterm"}, true, "/rest/api/web/VirtualTerminal/3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3999", 404, "3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, h.ts.URL+tc.path, nil)
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			if tc.token {
				req.Header.Set("X-API-Session", h.token)
			}
			resp, err := h.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(data), tc.want) || !strings.Contains(string(data), "HttpErrorResponse") {
				t.Fatalf("%s: %s\n%s", tc.name, resp.Status, data)
			}
		})
	}
	// CloseVterm of an unknown partition: 404.
	resp, data := h.do(http.MethodPut, "/rest/api/uom/LogicalPartition/3A1F0C52-7D7E-4C38-9B8B-0D6A1E2F3999/do/CloseVterm",
		uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest("CloseVterm", "LogicalPartition"))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("CloseVterm of no partition: %s\n%s", resp.Status, data)
	}
	// Nothing was left open.
	if _, ok := h.c.ConsoleHolder(p.UUID); ok {
		t.Fatal("a bad request left the console held")
	}
}

// TestVtermCyclesLeaveNoGoroutine: 50 opens, each ended alternately by
// CloseVterm and by the terminal going away, leave the server with the
// goroutines it had.
func TestVtermCyclesLeaveNoGoroutine(t *testing.T) {
	h := newHarness(t)
	p := h.createPartition(uuidShrRun, "vm1", false)
	cl := h.client()
	ctx := context.Background()
	if err := cl.Logon(ctx); err != nil {
		t.Fatal(err)
	}
	settle := func() int {
		time.Sleep(20 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	base := settle()
	for i := 0; i < 50; i++ {
		rwc, err := cl.OpenVterm(ctx, p.UUID, client.VtermOptions{PID: i + 1})
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		s := newStream(t, rwc)
		s.wait("Open Completed.")
		if i%2 == 0 {
			resp, data := h.do(http.MethodPut, "/rest/api/uom/LogicalPartition/"+p.UUID+"/do/CloseVterm",
				uom.MediaType(uom.ServiceWeb, "JobRequest"), jobRequest("CloseVterm", "LogicalPartition"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("cycle %d: CloseVterm %s\n%s", i, resp.Status, data)
			}
		} else {
			rwc.Close()
		}
		<-s.done
		rwc.Close()
		for j := 0; ; j++ {
			if _, held := h.c.ConsoleHolder(p.UUID); !held {
				break
			}
			if j > 500 {
				t.Fatalf("cycle %d: the console stayed held", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	h.ts.CloseClientConnections()
	deadline := time.Now().Add(5 * time.Second)
	for n := settle(); n > base+2; n = settle() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after 50 cycles, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
	}
}
