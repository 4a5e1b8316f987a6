package vterm

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	fuzzScreenOnce sync.Once
	fuzzScreen     *screen
)

// FuzzRFBServer: whatever a client sends, the server answers or drops it,
// never hangs and never panics.
func FuzzRFBServer(f *testing.F) {
	const init = "RFB 003.008\n\x01\x01" // version, security None, a shared ClientInit
	for _, seed := range []string{
		"RFB 003.008\n\x01\x01\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		"RFB 003.003\n\x01\x04\x01\x00\x00\x00\x00\x00\x61\x04\x00\x00\x00\x00\x00\x00\x61",
		"RFB 003.007\n\x01\x01\x00\x00\x00\x00\x10\x10\x00\x01\x00\x1f\x00\x3f\x00\x1f\x0b\x05\x00\x00\x00\x00\x03\x01\x00\x00\x00\x00\x03\x20\x01\xdb",
		"RFB 003.008\n\x01\x01\x06\x00\x00\x00\x00\x00\x00\x05hello\x02\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x07",
		"RFB 003.008\n\x02",
		"GET / HTTP/1.1\r\n\r\n",
		// Versions and security types out of the ordinary.
		"RFB 003.889\n\x01\x01", "RFB 004.001\n\x01\x01", "RFB 000.000\n", "RFB 003.008", "RFB 003.008\n\x00", "RFB 003.008\n\xff\x00",
		// Pixel formats at their limits: no bits, 24 bits, big-endian
		// without colour range, colour maps, shifts past the pixel.
		init + "\x00\x00\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + "\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		init + "\x00\x00\x00\x00" + "\x18\x18\x00\x01\x00\xff\x00\xff\x00\xff\x10\x08\x00\x00\x00\x00" + "\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		init + "\x00\x00\x00\x00" + "\x20\x18\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + "\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		init + "\x00\x00\x00\x00" + "\x08\x08\x00\x00\x00\x07\x00\x07\x00\x03\x00\x03\x06\x00\x00\x00" + "\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		init + "\x00\x00\x00\x00" + "\x20\x18\x00\x01\xff\xff\xff\xff\xff\xff\x1f\x1f\x1f\x00\x00\x00" + "\x03\x00\x00\x00\x00\x00\x00\x10\x00\x10",
		// Counts and regions out of range, keys outside ASCII, a cut
		// text that announces 4 GiB, an unknown message.
		init + "\x02\x00\xff\xff", init + "\x03\x00\xff\xff\xff\xff\xff\xff\xff\xff", init + "\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00",
		init + "\x04\x01\x00\x00\x00\x00\x00\xe9\x04\x01\x00\x00\x01\x00\x20\xac\x04\x01\x00\x00\xff\xff\xff\xff",
		init + "\x05\xff\xff\xff\xff\xff", init + "\x06\x00\x00\x00\xff\xff\xff\xff", init + "\x06\x00\x00\x00\x00\x00\x00\x02\xc3\xa9", init + "\xff",
	} {
		f.Add([]byte(seed))
	}
	fuzzScreenOnce.Do(func() {
		var err error
		if fuzzScreen, err = newScreen(80, 25); err != nil {
			f.Fatal(err)
		}
		fuzzScreen.Write([]byte("vm1 login: "))
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := newRFBServer(fuzzScreen, "fuzz", func([]byte) {}, nil)
		server, client := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.serveConn(server)
			server.Close()
		}()
		drained := make(chan struct{})
		go func() { io.Copy(io.Discard, client); close(drained) }()
		client.SetWriteDeadline(time.Now().Add(5 * time.Second))
		client.Write(data)
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the server did not end after the client closed (input %q)", data)
		}
		<-drained
	})
}
