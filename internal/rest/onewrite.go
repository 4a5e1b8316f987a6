package rest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// Answers in one write. net/http writes an answer through its
// connection's 4 KB buffer: the status line and headers, then as much of
// the body as fits, in one write call, and the rest of a larger body in
// another, each a trip through the TCP stack (and on loopback the
// receiver's wake-up). An entry's answer (a partition's is some 10 KB:
// the answer to every create, update and read of one) is written while
// its connection holds its writes: they are gathered and leave in one
// write when the answer has been handed to net/http (holdWrites). So are
// the batches of a streamed feed, one at a time: the head of a batch that
// the buffer sends leaves with the rest of it (writev). Only
// connections of a listener wrapped by HoldingListener can hold; on any
// other the answer is written as before. The bytes are the same.

// maxHeld is the most a connection gathers: beyond it, what it holds
// leaves and so does the rest (an answer that large is not made faster by
// one write less).
const maxHeld = 64 << 10

// HoldingListener returns ln whose connections can hold their writes for
// an answer (holdWrites).
func HoldingListener(ln net.Listener) net.Listener { return holdingListener{ln} }

type holdingListener struct{ net.Listener }

func (l holdingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &holdingConn{Conn: c}, nil
}

// holdingConn is a connection whose writes can be held and sent in one.
type holdingConn struct {
	net.Conn
	mu   sync.Mutex
	held *[]byte // while holding: what was written since
	err  error   // the write of what was held failed: every later write does
}

var heldBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func (c *holdingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if c.held == nil {
		return c.Conn.Write(p)
	}
	b := *c.held
	if len(b)+len(p) <= maxHeld {
		*c.held = append(b, p...)
		return len(p), nil
	}
	if len(b) == 0 {
		return c.Conn.Write(p)
	}
	// What is held and p leave together (writev): net/http's buffer
	// sends the head of a large write apart from the rest.
	*c.held = b[:0]
	bufs := net.Buffers{b, p}
	n, err := bufs.WriteTo(c.Conn)
	if err != nil {
		c.err = err
		return max(0, int(n)-len(b)), err
	}
	return len(p), nil
}

// sendLocked writes what is held, if anything, and goes on holding.
func (c *holdingConn) sendLocked() error {
	b := *c.held
	if len(b) == 0 {
		return nil
	}
	*c.held = b[:0]
	if _, err := c.Conn.Write(b); err != nil {
		c.err = err
		return err
	}
	return nil
}

// hold starts holding writes; release writes what they were, in one.
func (c *holdingConn) hold() {
	c.mu.Lock()
	if c.held == nil {
		c.held = heldBufs.Get().(*[]byte)
	}
	c.mu.Unlock()
}

func (c *holdingConn) release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return
	}
	if c.sendLocked() != nil {
		c.Close() // the answer is lost: net/http sees the connection fail
	}
	b := c.held
	c.held = nil
	if cap(*b) <= maxHeld {
		*b = (*b)[:0]
		heldBufs.Put(b)
	}
}

// ReadFrom keeps the connection's own (sendfile for a file's contents).
func (c *holdingConn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	if c.held != nil {
		if err := c.sendLocked(); err != nil {
			c.mu.Unlock()
			return 0, err
		}
	}
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite is the connection's own (net/http closes a connection's
// writing side before closing it after an error).
func (c *holdingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn is the connection's own socket (a parked event poll waits on
// it, events_park.go).
func (c *holdingConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("no socket beneath the connection")
}

// holdingOf returns the holding connection under c (a TLS connection's
// own), or nil.
func holdingOf(c net.Conn) *holdingConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	hc, _ := c.(*holdingConn)
	return hc
}

// holdWrites makes the writes of r's connection wait until release is
// called on what it returns (nil when the connection cannot hold; release
// takes nil), and leave then in one write. Call it just before an answer
// is handed to net/http in one Write, and release right after (deferred:
// a connection left holding would never answer again).
func holdWrites(r *http.Request) *holdingConn {
	ci, _ := r.Context().Value(connKey{}).(*connInfo)
	if ci == nil || ci.holding == nil || r.ProtoMajor != 1 { // HTTP/2 frames its answers itself
		return nil
	}
	ci.holding.hold()
	return ci.holding
}
