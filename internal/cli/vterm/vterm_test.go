package vterm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	vnc "github.com/mitchellh/go-vnc"
)

func TestEscaper(t *testing.T) {
	for _, tc := range []struct {
		in   []string // successive reads
		out  string
		quit bool
	}{
		{[]string{"~."}, "", true},
		{[]string{"ls\r~."}, "ls\r", true},
		{[]string{"ls\r~", "."}, "ls\r", true},
		{[]string{"a~."}, "a~.", false},
		{[]string{"~~."}, "~.", false},
		{[]string{"~x"}, "~x", false},
		{[]string{"\n~.rest"}, "\n", true},
	} {
		e := escaper{atLineStart: true}
		var out []byte
		quit := false
		for _, in := range tc.in {
			o, q := e.filter([]byte(in))
			out = append(out, o...)
			if q {
				quit = true
				break
			}
		}
		if string(out) != tc.out || quit != tc.quit {
			t.Errorf("%q: sent %q quit %v; want %q %v", tc.in, out, quit, tc.out, tc.quit)
		}
	}
}

func TestParseCodepage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"", "", false},
		{"codepage=037", "037", false},
		{"CODEPAGE = 500", "500", false},
		{"codepage=", "", true},
		{"codepage=abc", "", true},
		{"lang=037", "", true},
		{"037", "", true},
	} {
		got, err := parseCodepage(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%q: %q %v", tc.in, got, err)
		}
	}
}

func TestKeyEvents(t *testing.T) {
	c := &rfbClient{}
	press := func(sym uint32) string {
		out := c.key(true, sym)
		c.key(false, sym)
		return string(out)
	}
	for _, tc := range []struct {
		sym  uint32
		want string
	}{
		{'a', "a"}, {'Z', "Z"}, {'~', "~"}, {0xff0d, "\r"}, {0xff08, "\x7f"}, {0xff09, "\t"},
		{0xff1b, "\x1b"}, {0xff52, "\x1b[A"}, {0xffff, "\x1b[3~"}, {0xe9, "é"}, {0x010020ac, "€"},
		{0xffbe, ""}, // F1: nothing
	} {
		if got := press(tc.sym); got != tc.want {
			t.Errorf("keysym %#x: %q, want %q", tc.sym, got, tc.want)
		}
	}
	c.key(true, 0xffe3) // Control_L down
	if got := press('c'); got != "\x03" {
		t.Errorf("ctrl-c: %q", got)
	}
	c.key(false, 0xffe3)
	if got := press('c'); got != "c" {
		t.Errorf("c after ctrl up: %q", got)
	}
}

func TestPixelFormats(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	copy(img.Pix, []byte{0xff, 0x80, 0x00, 0xff})
	for _, tc := range []struct {
		pf   pixelFormat
		want []byte
	}{
		{serverFormat, []byte{0x00, 0x80, 0xff, 0x00}},
		{pixelFormat{BPP: 32, Depth: 24, BigEndian: true, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 0, GreenShift: 8, BlueShift: 16}, []byte{0x00, 0x00, 0x80, 0xff}},
		{pixelFormat{BPP: 16, Depth: 16, TrueColour: true, RedMax: 31, GreenMax: 63, BlueMax: 31, RedShift: 11, GreenShift: 5, BlueShift: 0}, []byte{0xe0, 0xfb}},
		{pixelFormat{BPP: 8, Depth: 8, TrueColour: true, RedMax: 7, GreenMax: 7, BlueMax: 3, RedShift: 0, GreenShift: 3, BlueShift: 6}, []byte{0x1f}},
	} {
		if got := tc.pf.encode(nil, img); !bytes.Equal(got, tc.want) {
			t.Errorf("%+v: % x, want % x", tc.pf, got, tc.want)
		}
		back, err := parsePixelFormat(tc.pf.bytes())
		if err != nil || back != tc.pf {
			t.Errorf("round trip of %+v: %+v %v", tc.pf, back, err)
		}
	}
	for _, bad := range []pixelFormat{
		{BPP: 24, TrueColour: true, RedMax: 1, GreenMax: 1, BlueMax: 1},
		{BPP: 8, TrueColour: false, RedMax: 1, GreenMax: 1, BlueMax: 1},
		{BPP: 16, TrueColour: true},
		{BPP: 8, TrueColour: true, RedMax: 1, GreenMax: 1, BlueMax: 1, RedShift: 9},
	} {
		if _, err := parsePixelFormat(bad.bytes()); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// vncHarness is an RFB server on a loopback port over a screen, with
// what clients typed.
type vncHarness struct {
	t     *testing.T
	scr   *screen
	srv   *rfbServer
	ln    net.Listener
	mu    sync.Mutex
	typed bytes.Buffer
	done  chan struct{}
}

// newVNCHarness serves a screen on a loopback port; opts change the
// server before it serves.
func newVNCHarness(t *testing.T, opts ...func(*rfbServer)) *vncHarness {
	scr, err := newScreen(80, 25)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &vncHarness{t: t, scr: scr, ln: ln, done: make(chan struct{})}
	h.srv = newRFBServer(scr, "vm1 (ID 4)", func(b []byte) {
		h.mu.Lock()
		h.typed.Write(b)
		h.mu.Unlock()
		scr.Write(b) // echo, as the OS would
	}, t.Logf)
	for _, o := range opts {
		o(h.srv)
	}
	go func() { defer close(h.done); h.srv.Serve(ln) }()
	t.Cleanup(h.stop)
	return h
}

func (h *vncHarness) stop() {
	h.ln.Close()
	h.srv.Close()
	<-h.done
	h.scr.Close()
}

// viewer is a go-vnc client that keeps a framebuffer of what it got.
type viewer struct {
	t   *testing.T
	c   *vnc.ClientConn
	ch  chan vnc.ServerMessage
	img *image.RGBA
}

func (h *vncHarness) connect() *viewer {
	conn, err := net.Dial("tcp", h.ln.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	ch := make(chan vnc.ServerMessage, 16)
	c, err := vnc.Client(conn, &vnc.ClientConfig{Auth: []vnc.ClientAuth{new(vnc.ClientAuthNone)}, ServerMessageCh: ch})
	if err != nil {
		h.t.Fatal(err)
	}
	v := &viewer{t: h.t, c: c, ch: ch, img: image.NewRGBA(image.Rect(0, 0, int(c.FrameBufferWidth), int(c.FrameBufferHeight)))}
	return v
}

// update asks for an update and applies what comes.
func (v *viewer) update(incremental bool) {
	v.t.Helper()
	if err := v.c.FramebufferUpdateRequest(incremental, 0, 0, uint16(v.img.Rect.Dx()), uint16(v.img.Rect.Dy())); err != nil {
		v.t.Fatal(err)
	}
	select {
	case m := <-v.ch:
		fu, ok := m.(*vnc.FramebufferUpdateMessage)
		if !ok {
			v.t.Fatalf("got %T", m)
		}
		pf := v.c.PixelFormat
		for _, r := range fu.Rectangles {
			raw := r.Enc.(*vnc.RawEncoding)
			for i, col := range raw.Colors {
				x, y := int(r.X)+i%int(r.Width), int(r.Y)+i/int(r.Width)
				o := v.img.PixOffset(x, y)
				v.img.Pix[o] = uint8(uint32(col.R) * 255 / uint32(pf.RedMax))
				v.img.Pix[o+1] = uint8(uint32(col.G) * 255 / uint32(pf.GreenMax))
				v.img.Pix[o+2] = uint8(uint32(col.B) * 255 / uint32(pf.BlueMax))
				v.img.Pix[o+3] = 0xff
			}
		}
	case <-time.After(10 * time.Second):
		v.t.Fatal("no framebuffer update within 10s")
	}
}

func TestRFBServerWithAClientLibrary(t *testing.T) {
	h := newVNCHarness(t)
	h.scr.Write([]byte("\r\nvm1 login: "))
	v := h.connect()
	defer v.c.Close()
	if v.c.DesktopName != "vm1 (ID 4)" || int(v.c.FrameBufferWidth) != h.scr.Bounds().Dx() {
		t.Fatalf("server init: %q %dx%d", v.c.DesktopName, v.c.FrameBufferWidth, v.c.FrameBufferHeight)
	}
	v.update(false)
	if !bytes.Equal(v.img.Pix, h.scr.copyRect(h.scr.Bounds()).Pix) {
		t.Fatal("the client's framebuffer differs from the screen")
	}
	row := h.scr.rowRect(1, 2)
	before := v.img.SubImage(row).(*image.RGBA)
	beforePix := append([]byte(nil), before.Pix...)
	for _, k := range "root" {
		v.c.KeyEvent(uint32(k), true)
		v.c.KeyEvent(uint32(k), false)
	}
	v.c.KeyEvent(0xff0d, true)
	v.c.KeyEvent(0xff0d, false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		typed := h.typed.String()
		h.mu.Unlock()
		if typed == "root\r" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("typed %q", typed)
		}
		time.Sleep(5 * time.Millisecond)
	}
	v.update(true)
	if bytes.Equal(beforePix, v.img.SubImage(row).(*image.RGBA).Pix) {
		t.Fatal("the login row's pixels did not change after typing")
	}
	if !strings.Contains(h.scr.text(), "vm1 login: root") {
		t.Fatalf("screen:\n%s", h.scr.text())
	}
	// Another pixel format: 16 bits, big endian.
	pf16 := vnc.PixelFormat{BPP: 16, Depth: 16, BigEndian: true, TrueColor: true, RedMax: 31, GreenMax: 63, BlueMax: 31, RedShift: 11, GreenShift: 5}
	if err := v.c.SetPixelFormat(&pf16); err != nil {
		t.Fatal(err)
	}
	// The library sends the format but does not decode with it.
	v.c.PixelFormat = pf16
	v.update(false)
	// 5 and 6 bits per colour: the picture is the screen's, a little
	// coarser.
	full := h.scr.copyRect(h.scr.Bounds())
	for i := 0; i < len(full.Pix); i += 4 {
		for k := 0; k < 3; k++ {
			if d := int(full.Pix[i+k]) - int(v.img.Pix[i+k]); d > 10 || d < -10 {
				t.Fatalf("16-bit picture differs at byte %d: %d vs %d", i+k, full.Pix[i+k], v.img.Pix[i+k])
			}
		}
	}
}

// TestRFBGarbage: clients that break the protocol are disconnected; the
// server goes on serving the others and leaves no goroutine behind.
func TestRFBGarbage(t *testing.T) {
	base := runtime.NumGoroutine()
	h := newVNCHarness(t)
	msg := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"not RFB", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"short version", []byte("RFB 003")},
		{"version 4", []byte("RFB 004.000\n")},
		{"bad security type", msg([]byte("RFB 003.008\n"), []byte{2})},
		{"unknown message", msg([]byte("RFB 003.008\n"), []byte{1, 1}, []byte{99})},
		{"colour map format", msg([]byte("RFB 003.008\n"), []byte{1, 1}, []byte{0, 0, 0, 0}, []byte{8, 8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0})},
		{"huge cut text", msg([]byte("RFB 003.008\n"), []byte{1, 1}, []byte{6, 0, 0, 0}, u32(1<<30))},
		{"too many encodings", msg([]byte("RFB 003.008\n"), []byte{1, 1}, []byte{2, 0, 0xff, 0xff})},
		{"random bytes", msg([]byte("RFB 003.003\n"), []byte{1}, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 64))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", h.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(tc.send)
			conn.(*net.TCPConn).CloseWrite()
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.Copy(io.Discard, conn)
			if err != nil {
				t.Fatalf("the server did not close the connection: %v", err)
			}
		})
	}
	// A good client still works.
	v := h.connect()
	v.update(false)
	v.c.Close()
	h.stop()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+1 { // +1: the screen's drain may still be ending
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left (base %d):\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRFBUpdateAfterIdle: an update larger than the write buffer, asked
// for after the client was idle longer than the write timeout, is sent
// (the deadline is the update's, not the one before it).
func TestRFBUpdateAfterIdle(t *testing.T) {
	const timeout = 3 * time.Second // a whole update is read in 0.6 s on a loaded machine
	h := newVNCHarness(t, func(s *rfbServer) { s.writeTimeout = timeout })
	v := h.connect()
	defer v.c.Close()
	v.update(false)
	time.Sleep(timeout + timeout/4)
	// The whole screen changes: far more than the 64 KB buffer.
	h.scr.Write([]byte(strings.Repeat("\r\n"+strings.Repeat("#", 79), 24)))
	v.update(false)
	if !bytes.Equal(v.img.Pix, h.scr.copyRect(h.scr.Bounds()).Pix) {
		t.Fatal("the client's framebuffer differs from the screen")
	}
}

// TestRFBClientStopsReading: a client that asks for an update and never
// reads it is disconnected once the write times out, though it keeps
// its connection open, and the write's error is what ends it.
func TestRFBClientStopsReading(t *testing.T) {
	scr, err := newScreen(80, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer scr.Close()
	srv := newRFBServer(scr, "vm1", func([]byte) {}, nil)
	srv.writeTimeout = 200 * time.Millisecond
	server, client := net.Pipe()
	defer client.Close()
	ended := make(chan error, 1)
	go func() { ended <- srv.serveConn(server) }()
	// Version, security None, ClientInit; the server's messages read.
	read := func(n int) {
		t.Helper()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(client, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	read(12)
	client.Write([]byte("RFB 003.008\n"))
	read(2)
	client.Write([]byte{1})
	read(4)
	client.Write([]byte{1})
	read(2 + 2 + 16 + 4 + len("vm1"))
	b := scr.Bounds()
	req := []byte{3, 0, 0, 0, 0, 0}
	req = binary.BigEndian.AppendUint16(req, uint16(b.Dx()))
	req = binary.BigEndian.AppendUint16(req, uint16(b.Dy()))
	client.Write(req)
	select {
	case err := <-ended:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the client was disconnected with %v, not the write's timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read its update is still connected")
	}
}
