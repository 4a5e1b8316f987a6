package vterm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"sync"
	"time"
	"unicode/utf8"
)

// The VNC side of mkvtermutil: an RFB 3.8 server (RFC 6143) with no
// authentication (it listens on localhost only, as NovaLink's mkvterm
// --vnc --local), serving the console screen in Raw encoding in any
// true-colour pixel format the client asks for, and typing the keys it
// gets into the console. Versions 3.3 and 3.7 are accepted too. A client
// that breaks the protocol is disconnected; nothing it sends can stop the
// server or the other clients. No maintained Go library serves RFB, so
// the protocol is here; clients are tested with one (test/e2e).

const (
	rfbVersion   = "RFB 003.008\n"
	ioTimeout    = 30 * time.Second // the handshake's, and each update's write (rfbServer.writeTimeout)
	maxCutText   = 1 << 20
	maxEncodings = 4096
)

// pixelFormat is an RFB PIXEL_FORMAT.
type pixelFormat struct {
	BPP, Depth                      uint8
	BigEndian, TrueColour           bool
	RedMax, GreenMax, BlueMax       uint16
	RedShift, GreenShift, BlueShift uint8
}

var serverFormat = pixelFormat{BPP: 32, Depth: 24, TrueColour: true, RedMax: 255, GreenMax: 255, BlueMax: 255, RedShift: 16, GreenShift: 8, BlueShift: 0}

func (pf pixelFormat) bytes() []byte {
	b := make([]byte, 16)
	b[0], b[1] = pf.BPP, pf.Depth
	if pf.BigEndian {
		b[2] = 1
	}
	if pf.TrueColour {
		b[3] = 1
	}
	binary.BigEndian.PutUint16(b[4:], pf.RedMax)
	binary.BigEndian.PutUint16(b[6:], pf.GreenMax)
	binary.BigEndian.PutUint16(b[8:], pf.BlueMax)
	b[10], b[11], b[12] = pf.RedShift, pf.GreenShift, pf.BlueShift
	return b
}

func parsePixelFormat(b []byte) (pixelFormat, error) {
	pf := pixelFormat{BPP: b[0], Depth: b[1], BigEndian: b[2] != 0, TrueColour: b[3] != 0,
		RedMax: binary.BigEndian.Uint16(b[4:]), GreenMax: binary.BigEndian.Uint16(b[6:]), BlueMax: binary.BigEndian.Uint16(b[8:]),
		RedShift: b[10], GreenShift: b[11], BlueShift: b[12]}
	switch {
	case pf.BPP != 8 && pf.BPP != 16 && pf.BPP != 32:
		return pf, fmt.Errorf("bits-per-pixel %d (want 8, 16 or 32)", pf.BPP)
	case !pf.TrueColour:
		return pf, errors.New("a colour-map pixel format (only true colour is served)")
	case pf.RedMax == 0 || pf.GreenMax == 0 || pf.BlueMax == 0:
		return pf, errors.New("a colour maximum of 0")
	case int(pf.RedShift) >= int(pf.BPP) || int(pf.GreenShift) >= int(pf.BPP) || int(pf.BlueShift) >= int(pf.BPP):
		return pf, errors.New("a colour shift beyond the pixel")
	}
	return pf, nil
}

// encode appends the pixels of img in the format.
func (pf pixelFormat) encode(dst []byte, img *image.RGBA) []byte {
	r := img.Bounds()
	n := int(pf.BPP / 8)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):]
		for x := 0; x < r.Dx(); x++ {
			p := row[x*4:]
			v := uint32(p[0])*uint32(pf.RedMax)/255<<pf.RedShift |
				uint32(p[1])*uint32(pf.GreenMax)/255<<pf.GreenShift |
				uint32(p[2])*uint32(pf.BlueMax)/255<<pf.BlueShift
			switch {
			case n == 1:
				dst = append(dst, byte(v))
			case n == 2 && pf.BigEndian:
				dst = binary.BigEndian.AppendUint16(dst, uint16(v))
			case n == 2:
				dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
			case pf.BigEndian:
				dst = binary.BigEndian.AppendUint32(dst, v)
			default:
				dst = binary.LittleEndian.AppendUint32(dst, v)
			}
		}
	}
	return dst
}

// rfbServer serves one console screen to any number of VNC clients.
type rfbServer struct {
	scr   *screen
	name  string
	input func([]byte)
	logf  func(format string, args ...any)
	// writeTimeout bounds each update's write: a client that stops
	// reading is disconnected after it.
	writeTimeout time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newRFBServer(scr *screen, name string, input func([]byte), logf func(string, ...any)) *rfbServer {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &rfbServer{scr: scr, name: name, input: input, logf: logf, writeTimeout: ioTimeout, conns: map[net.Conn]struct{}{}}
}

// Serve accepts clients until the listener closes; then it waits for the
// clients Close disconnected.
func (s *rfbServer) Serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			if err := s.serveConn(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.logf("VNC client %s: %v", c.RemoteAddr(), err)
			}
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
	s.wg.Wait()
}

// Close disconnects every client.
func (s *rfbServer) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

// rfbClient is one connected viewer.
type rfbClient struct {
	s    *rfbServer
	conn net.Conn
	w    *bufio.Writer

	mu      sync.Mutex
	pf      pixelFormat
	pending bool            // an update was requested
	full    bool            // ... of the whole region, not only changes
	region  image.Rectangle // the requested region
	sent    uint64          // screen version last sent
	ctrl    bool
	wake    chan struct{}
}

func (s *rfbServer) serveConn(conn net.Conn) error {
	c := &rfbClient{s: s, conn: conn, w: bufio.NewWriterSize(conn, 64<<10), pf: serverFormat, wake: make(chan struct{}, 1)}
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if err := c.handshake(r); err != nil {
		return err
	}
	conn.SetDeadline(time.Time{})

	changes := s.scr.subscribe()
	defer s.scr.unsubscribe(changes)
	done := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		werr := c.writer(changes, done)
		if werr != nil {
			conn.Close() // the reader ends with the connection
		}
		writerDone <- werr
	}()
	err := c.reader(r)
	close(done)
	conn.Close()
	// The reader never ends without an error: the writer's, unless it
	// only saw the connection the reader closed, is what ended the
	// client (a client that stops reading is cut off by the write's
	// deadline, not by anything it sends).
	if werr := <-writerDone; werr != nil && !errors.Is(werr, net.ErrClosed) && !errors.Is(werr, io.ErrClosedPipe) {
		err = werr
	}
	return err
}

// handshake runs the protocol version, security (None) and init phases.
func (c *rfbClient) handshake(r *bufio.Reader) error {
	if _, err := io.WriteString(c.conn, rfbVersion); err != nil {
		return err
	}
	var ver [12]byte
	if _, err := io.ReadFull(r, ver[:]); err != nil {
		return fmt.Errorf("protocol version: %w", err)
	}
	var minor int
	switch string(ver[:]) {
	case "RFB 003.003\n":
		minor = 3
	case "RFB 003.007\n":
		minor = 7
	case "RFB 003.008\n", "RFB 003.889\n":
		minor = 8
	default:
		return fmt.Errorf("unsupported protocol version %q", ver[:])
	}
	if minor == 3 {
		// 3.3: the server decides: None.
		if _, err := c.conn.Write([]byte{0, 0, 0, 1}); err != nil {
			return err
		}
	} else {
		if _, err := c.conn.Write([]byte{1, 1}); err != nil { // one type: None
			return err
		}
		t, err := r.ReadByte()
		if err != nil {
			return fmt.Errorf("security type: %w", err)
		}
		if t != 1 {
			if minor == 8 {
				reason := "only security type None (1) is offered"
				b := binary.BigEndian.AppendUint32([]byte{0, 0, 0, 1}, uint32(len(reason)))
				c.conn.Write(append(b, reason...))
			}
			return fmt.Errorf("client chose security type %d", t)
		}
		if minor == 8 {
			if _, err := c.conn.Write([]byte{0, 0, 0, 0}); err != nil { // SecurityResult OK
				return err
			}
		}
	}
	if _, err := r.ReadByte(); err != nil { // ClientInit (shared flag: always shared)
		return fmt.Errorf("client init: %w", err)
	}
	b := c.s.scr.Bounds()
	init := binary.BigEndian.AppendUint16(nil, uint16(b.Dx()))
	init = binary.BigEndian.AppendUint16(init, uint16(b.Dy()))
	init = append(init, serverFormat.bytes()...)
	init = binary.BigEndian.AppendUint32(init, uint32(len(c.s.name)))
	init = append(init, c.s.name...)
	_, err := c.conn.Write(init)
	return err
}

func readN(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

// reader handles the client's messages until it disconnects or breaks
// the protocol.
func (c *rfbClient) reader(r *bufio.Reader) error {
	for {
		t, err := r.ReadByte()
		if err != nil {
			return err
		}
		switch t {
		case 0: // SetPixelFormat
			b, err := readN(r, 19)
			if err != nil {
				return err
			}
			pf, err := parsePixelFormat(b[3:])
			if err != nil {
				return fmt.Errorf("SetPixelFormat: %w", err)
			}
			c.mu.Lock()
			c.pf, c.full = pf, true
			c.mu.Unlock()
		case 2: // SetEncodings: Raw is always used.
			b, err := readN(r, 3)
			if err != nil {
				return err
			}
			n := int(binary.BigEndian.Uint16(b[1:]))
			if n > maxEncodings {
				return fmt.Errorf("SetEncodings: %d encodings", n)
			}
			if _, err := readN(r, 4*n); err != nil {
				return err
			}
		case 3: // FramebufferUpdateRequest
			b, err := readN(r, 9)
			if err != nil {
				return err
			}
			x, y := int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:]))
			w, h := int(binary.BigEndian.Uint16(b[5:])), int(binary.BigEndian.Uint16(b[7:]))
			region := image.Rect(x, y, x+w, y+h).Intersect(c.s.scr.Bounds())
			c.mu.Lock()
			c.pending, c.region = true, region
			if b[0] == 0 {
				c.full = true
			}
			c.mu.Unlock()
			c.poke()
		case 4: // KeyEvent
			b, err := readN(r, 7)
			if err != nil {
				return err
			}
			if out := c.key(b[0] != 0, binary.BigEndian.Uint32(b[3:])); len(out) > 0 {
				c.s.input(out)
			}
		case 5: // PointerEvent: the console has no pointer.
			if _, err := readN(r, 5); err != nil {
				return err
			}
		case 6: // ClientCutText: pasted as typed text.
			b, err := readN(r, 7)
			if err != nil {
				return err
			}
			n := binary.BigEndian.Uint32(b[3:])
			if n > maxCutText {
				return fmt.Errorf("ClientCutText of %d bytes", n)
			}
			text, err := readN(r, int(n))
			if err != nil {
				return err
			}
			// Latin-1 as the protocol says, to UTF-8.
			var out []byte
			for _, ch := range text {
				if ch == '\n' {
					ch = '\r'
				}
				out = utf8.AppendRune(out, rune(ch))
			}
			c.s.input(out)
		default:
			return fmt.Errorf("unknown client message type %d", t)
		}
	}
}

func (c *rfbClient) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writer sends framebuffer updates: at once for a full request, else when
// something in the requested region changed.
func (c *rfbClient) writer(changes <-chan struct{}, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return nil
		case <-c.wake:
		case <-changes:
		}
		c.mu.Lock()
		if !c.pending {
			c.mu.Unlock()
			continue
		}
		region, full, pf, since := c.region, c.full, c.pf, c.sent
		c.mu.Unlock()
		var rects []image.Rectangle
		rows, ver := c.s.scr.changedRows(since)
		if full {
			if !region.Empty() {
				rects = []image.Rectangle{region}
			}
		} else {
			for i := 0; i < len(rows); {
				j := i
				for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
					j++
				}
				if r := c.s.scr.rowRect(rows[i], rows[j]+1).Intersect(region); !r.Empty() {
					rects = append(rects, r)
				}
				i = j + 1
			}
			if len(rects) == 0 {
				c.mu.Lock()
				c.sent = ver
				c.mu.Unlock()
				continue // nothing new in the region: wait for changes
			}
		}
		c.mu.Lock()
		c.pending, c.full, c.sent = false, false, ver
		c.mu.Unlock()
		if err := c.sendUpdate(rects, pf); err != nil {
			return err
		}
	}
}

func (c *rfbClient) sendUpdate(rects []image.Rectangle, pf pixelFormat) error {
	// The deadline is set before anything is written: an update larger
	// than the buffer is written as it is encoded.
	c.conn.SetWriteDeadline(time.Now().Add(c.s.writeTimeout))
	hdr := []byte{0, 0}
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(rects)))
	c.w.Write(hdr)
	var buf []byte
	for _, r := range rects {
		h := binary.BigEndian.AppendUint16(nil, uint16(r.Min.X))
		h = binary.BigEndian.AppendUint16(h, uint16(r.Min.Y))
		h = binary.BigEndian.AppendUint16(h, uint16(r.Dx()))
		h = binary.BigEndian.AppendUint16(h, uint16(r.Dy()))
		h = binary.BigEndian.AppendUint32(h, 0) // Raw
		c.w.Write(h)
		buf = pf.encode(buf[:0], c.s.scr.copyRect(r))
		c.w.Write(buf)
	}
	return c.w.Flush()
}

// key turns a key event into what the console is typed.
func (c *rfbClient) key(down bool, sym uint32) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch sym {
	case 0xffe3, 0xffe4: // Control_L, Control_R
		c.ctrl = down
		return nil
	}
	if !down {
		return nil
	}
	switch sym {
	case 0xff0d, 0xff8d: // Return, KP_Enter
		return []byte{'\r'}
	case 0xff08: // BackSpace
		return []byte{0x7f}
	case 0xff09: // Tab
		return []byte{'\t'}
	case 0xff1b: // Escape
		return []byte{0x1b}
	case 0xffff: // Delete
		return []byte("\x1b[3~")
	case 0xff51:
		return []byte("\x1b[D")
	case 0xff52:
		return []byte("\x1b[A")
	case 0xff53:
		return []byte("\x1b[C")
	case 0xff54:
		return []byte("\x1b[B")
	}
	var r rune
	switch {
	case sym >= 0x20 && sym <= 0x7e, sym >= 0xa0 && sym <= 0xff:
		r = rune(sym)
	case sym >= 0x01000100 && sym <= 0x0110ffff:
		r = rune(sym - 0x01000000)
	default:
		return nil // other function keys and modifiers
	}
	if c.ctrl && r < 0x80 {
		switch {
		case r >= 'a' && r <= 'z', r >= '@' && r <= '_':
			return []byte{byte(r) & 0x1f}
		}
	}
	return utf8.AppendRune(nil, r)
}
