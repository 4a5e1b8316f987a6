package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/novalink-project/novalink/internal/core"
)

// Parked event polls.
//
// An event poll with nothing to answer yet waits parked: its connection
// is taken from net/http (a hijack), so that while it waits it holds no
// goroutine and none of net/http's buffers (a connection's reader and
// writer, 4 KB each, which the poll's first answer, NEW_CLIENT, wrote
// into and made resident), only the connection and a small record in its
// server's lot. One goroutine per server, running while polls are
// parked, takes again for the polls a publish woke; a few answer writers
// (parkedAnswersDue) write the answers straight on their connections, each
// of which then goes back to
// the http.Server through the PollListener it came from, as a connection
// just accepted (net/http takes its buffers from its pools again, for
// the few connections being answered at a time). A parked poll whose
// client is gone (the connection closed, or anything sent while the poll
// waits) is closed unanswered, its events left in its queue, as a poll
// whose request is cancelled.
//
// Only a PollListener's connections are parked (pvmd's listeners), and
// only HTTP/1.1 requests that keep their connection; elsewhere (a test's
// httptest server, HTTP/2) a poll waits on its connection's goroutine
// (serveEventPoll).

// A PollListener is a listener whose connections may be parked by the
// event polls they carry, and that accepts them again once answered.
type PollListener struct {
	net.Listener
	accepted chan acceptResult
	back     chan net.Conn
	done     chan struct{}
	close    sync.Once

	mu       sync.Mutex
	parked   map[*parkedPoll]struct{}
	returned map[net.Conn]struct{} // given back, not yet seen by the server's ConnContext
	idle     map[net.Conn]struct{} // answered, waiting for their clients' next requests
	// open counts the polls taken from the server (hijacked to be
	// parked) and not yet ended: answered, or closed with their clients
	// gone. ended is closed when it falls to 0 while Drain waits.
	open  int
	ended chan struct{}
}

type acceptResult struct {
	c   net.Conn
	err error
}

// NewPollListener wraps ln (a TLS listener's connections are parked with
// their TLS session: wrap the TLS listener, not the TCP one beneath).
func NewPollListener(ln net.Listener) *PollListener {
	l := &PollListener{Listener: ln, accepted: make(chan acceptResult), back: make(chan net.Conn, 64),
		done: make(chan struct{}), parked: map[*parkedPoll]struct{}{}, returned: map[net.Conn]struct{}{}, idle: map[net.Conn]struct{}{}}
	go l.acceptLoop()
	return l
}

// acceptLoop accepts from the wrapped listener for Accept, which also
// takes the connections given back.
func (l *PollListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		select {
		case l.accepted <- acceptResult{c, err}:
		case <-l.done:
			if c != nil {
				c.Close()
			}
			return
		}
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) && !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
			return // closed
		}
	}
}

// Accept returns a connection given back by an answered parked poll, or
// a new one.
func (l *PollListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.back:
		return l.accepting(c), nil
	default:
	}
	select {
	case c := <-l.back:
		return l.accepting(c), nil
	case a := <-l.accepted:
		return a.c, a.err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *PollListener) accepting(c net.Conn) net.Conn {
	l.mu.Lock()
	l.returned[c] = struct{}{}
	l.mu.Unlock()
	return c
}

// wasReturned reports whether c is a connection given back (once: the
// server's ConnContext asks when it starts serving it).
func (l *PollListener) wasReturned(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.returned[c]
	delete(l.returned, c)
	return ok
}

// giveBack hands an answered poll's connection back to the server once
// its client sends its next request: net/http's header timeout then
// starts with that request, as on a connection it kept between requests;
// a client that sends nothing for IdleTimeout has its connection closed,
// as net/http closes an idle one. Until then the connection is the
// listener's (closed with it).
func (l *PollListener) giveBack(c net.Conn) {
	l.mu.Lock()
	if l.isClosed() {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.idle[c] = struct{}{}
	l.mu.Unlock()
	go func() {
		ok := waitReadable(c, IdleTimeout)
		l.mu.Lock()
		_, still := l.idle[c]
		delete(l.idle, c)
		l.mu.Unlock()
		if !ok || !still {
			c.Close()
			return
		}
		_ = c.SetDeadline(time.Time{})
		select {
		case l.back <- c:
		case <-l.done:
			c.Close()
		}
	}()
}

// waitReadable waits up to d for c to have something to read (or its
// client to close it), without reading: false when d passed or c failed.
func waitReadable(c net.Conn, d time.Duration) bool {
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		return false
	}
	readable, err := peek(c, true)
	if err == errNoSocket {
		return true // nothing to wait with: net/http waits
	}
	return readable && err == nil
}

// peek looks at c's socket without reading from it: whether a read would
// not block (something was sent, the client closed, or the socket
// failed); with wait, it waits for that (up to c's read deadline).
func peek(c net.Conn, wait bool) (readable bool, err error) {
	raw := rawConnOf(c)
	if raw == nil {
		return false, errNoSocket
	}
	var one [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		readable = e != syscall.EAGAIN && e != syscall.EINTR
		return readable || !wait // false: the poller waits until readable
	})
	return readable, err
}

var errNoSocket = errors.New("no socket beneath the connection")

// rawConnOf is the socket beneath c (a TLS connection's, for a TLS one),
// or nil.
func rawConnOf(c net.Conn) syscall.RawConn {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// isClosed reports whether Close was called.
func (l *PollListener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// pollTaken counts a poll taken from the server to be parked; pollEnded
// counts it ended (its answer written, or its connection closed).
func (l *PollListener) pollTaken() {
	l.mu.Lock()
	l.open++
	l.mu.Unlock()
}

func (l *PollListener) pollEnded() {
	l.mu.Lock()
	if l.open--; l.open == 0 && l.ended != nil {
		close(l.ended)
		l.ended = nil
	}
	l.mu.Unlock()
}

// Drain waits until every poll parked on the listener has ended, or ctx
// is done (its error then). After Close, which answers them all, a server
// shutting down calls it before it exits, so that the answers its writers
// have yet to write are not cut off by the process's end.
func (l *PollListener) Drain(ctx context.Context) error {
	l.mu.Lock()
	if l.open == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.ended == nil {
		l.ended = make(chan struct{})
	}
	ended := l.ended
	l.mu.Unlock()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the listener; its parked polls are answered (nothing
// came) with the connection closed, as a server shutting down ends its
// waiting polls (Drain waits until they are written).
func (l *PollListener) Close() error {
	err := l.Listener.Close()
	l.close.Do(func() {
		close(l.done)
		l.mu.Lock()
		parked := make([]*parkedPoll, 0, len(l.parked))
		for p := range l.parked {
			parked = append(parked, p)
		}
		for c := range l.idle {
			c.Close() // its giveBack sees it gone
			delete(l.idle, c)
		}
		l.mu.Unlock()
		for _, p := range parked {
			p.s.lot.expire(p, true)
		}
		for {
			select {
			case c := <-l.back:
				c.Close()
			default:
				return
			}
		}
	})
	return err
}

type pollListenerKey struct{}

// ListenerContext is an http.Server's BaseContext for ln: the event polls
// of a PollListener's connections may be parked.
func ListenerContext(ctx context.Context, ln net.Listener) context.Context {
	if pl, ok := ln.(*PollListener); ok {
		return context.WithValue(ctx, pollListenerKey{}, pl)
	}
	return ctx
}

func pollListenerOf(ctx context.Context) *PollListener {
	pl, _ := ctx.Value(pollListenerKey{}).(*PollListener)
	return pl
}

// A parkedPoll is an event poll waiting without its connection's
// goroutine.
type parkedPoll struct {
	s            *Server
	l            *PollListener
	conn         net.Conn
	appID, owner string
	base         pollBase
	tx           string // the request's X-Transaction-ID
	deadline     time.Time
	timer        *time.Timer
	wait         core.Wait
	closeAfter   bool // the connection is closed once answered
}

// canPark reports whether the poll of r may be parked: it came through
// a PollListener, over HTTP/1.1, and keeps its connection.
func canPark(r *http.Request) bool {
	return pollListenerOf(r.Context()) != nil && r.ProtoMajor == 1 && r.ProtoMinor >= 1 && !r.Close
}

// park parks the poll of r (canPark) on w's connection, which waits in wait (from
// TakeOrWait) for up to d: true once the connection is the lot's (the
// handler returns without answering); false when it cannot be parked and
// is still the handler's.
func (s *Server) park(w http.ResponseWriter, r *http.Request, wait *core.Wait, appID, owner string, d time.Duration) bool {
	pl := pollListenerOf(r.Context())
	// Counted before the hijack: the server stops counting the
	// connection as active then, and a Drain after its Shutdown must
	// see the poll.
	pl.pollTaken()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		pl.pollEnded()
		return false
	}
	p := &parkedPoll{s: s, l: pl, conn: conn, appID: appID, owner: owner, base: pollBaseOf(r),
		tx: r.Header.Get("X-Transaction-ID"), deadline: time.Now().Add(d), wait: *wait,
		// A request sent behind the poll's (pipelined) is in net/http's
		// reader, which goes: the answer closes the connection, and
		// the client sends it again.
		closeAfter: brw.Reader.Buffered() > 0}
	*wait = core.Wait{}
	p.timer = time.AfterFunc(d, func() { s.lot.expire(p, false) })
	if !s.lot.add(p) {
		p.wait.End()
		s.settle(p)
	}
	return true
}

// pollLot holds a server's parked polls.
type pollLot struct {
	mu      sync.Mutex
	polls   map[*parkedPoll]struct{}
	running bool          // the lot's goroutine runs
	kick    chan struct{} // wakes it to see polls gone
}

// add parks p in the lot, unless its wait was already woken (then false:
// the caller takes again) or it may wait no longer: its time is up, or
// its listener is closed (false too; settle answers it).
func (lot *pollLot) add(p *parkedPoll) bool {
	select {
	case <-p.wait.Woken():
		return false
	default:
	}
	lot.mu.Lock()
	if !time.Now().Before(p.deadline) {
		lot.mu.Unlock()
		return false // settle sees the time is up
	}
	p.l.mu.Lock()
	if p.l.isClosed() { // (under its mu: Close answers what it holds then)
		p.l.mu.Unlock()
		lot.mu.Unlock()
		return false // settle answers it
	}
	p.l.parked[p] = struct{}{}
	p.l.mu.Unlock()
	if lot.polls == nil {
		lot.polls = map[*parkedPoll]struct{}{}
		lot.kick = make(chan struct{}, 1)
	}
	lot.polls[p] = struct{}{}
	start := !lot.running
	lot.running = true
	lot.mu.Unlock()
	if start {
		go p.s.runLot()
	}
	return true
}

// remove takes p out of the lot: false when it was not in it.
func (lot *pollLot) remove(p *parkedPoll) bool {
	if _, ok := lot.polls[p]; !ok {
		return false
	}
	delete(lot.polls, p)
	p.l.mu.Lock()
	delete(p.l.parked, p)
	p.l.mu.Unlock()
	return true
}

// expire ends p's wait when its time is up, or its listener closes
// (closing): answered with nothing, unless its client is gone.
func (lot *pollLot) expire(p *parkedPoll, closing bool) {
	lot.mu.Lock()
	ok := lot.remove(p)
	empty := len(lot.polls) == 0
	lot.mu.Unlock()
	if !ok {
		return // being answered, or taken again by the lot (which sees the time is up)
	}
	if empty {
		select {
		case lot.kick <- struct{}{}:
		default:
		}
	}
	p.timer.Stop()
	p.wait.End()
	if closing {
		p.closeAfter = true
	}
	if peerGone(p.conn) {
		p.conn.Close()
		p.l.pollEnded()
		return
	}
	p.s.answerParked(p, nil)
}

// runLot takes again for the parked polls each publish wakes, until the
// lot is empty.
func (s *Server) runLot() {
	lot := &s.lot
	var woken []*parkedPoll
	for {
		changed := s.core.Bus.Changed()
		lot.mu.Lock()
		if len(lot.polls) == 0 {
			lot.running = false
			lot.mu.Unlock()
			return
		}
		woken = woken[:0]
		for p := range lot.polls {
			select {
			case <-p.wait.Woken():
				lot.remove(p)
				woken = append(woken, p)
			default:
			}
		}
		lot.mu.Unlock()
		for i, p := range woken {
			woken[i] = nil
			p.wait.End()
			s.settle(p)
		}
		select {
		case <-changed:
		case <-lot.kick:
		}
	}
}

// settle takes again for p, out of the lot: answers it when there are
// events or its time is up, closes it when its client is gone, parks it
// again otherwise.
func (s *Server) settle(p *parkedPoll) {
	for {
		if peerGone(p.conn) {
			p.timer.Stop()
			p.conn.Close()
			p.l.pollEnded()
			return
		}
		// A closed listener answers with nothing, as it answered the
		// polls it held.
		if closed := p.l.isClosed(); closed || !time.Now().Before(p.deadline) {
			p.closeAfter = p.closeAfter || closed
			p.timer.Stop()
			s.answerParked(p, nil)
			return
		}
		ep := eventBuffers.Get().(*[]core.Event)
		events := s.core.Bus.TakeOrWait((*ep)[:0], p.appID, p.owner, &p.wait)
		if len(events) > 0 {
			p.timer.Stop()
			*ep = events
			s.answerParked(p, ep)
			return
		}
		eventBuffers.Put(ep)
		if s.lot.add(p) {
			return
		}
		p.wait.End()
	}
}

// answerParked has an answer writer answer p with the events in ep
// (none: 204), then give its connection back.
func (s *Server) answerParked(p *parkedPoll, ep *[]core.Event) {
	parkedAnswersDue.add(func() { s.writeParked(p, ep) })
}

// parkedAnswersDue are the parked polls' answers waiting for a writer.
// One change wakes many polls at once: their answers are queued and
// written by a few writers in turn (at most maxParkedWriters, each
// ending when the queue is empty), not each by a goroutine of its own
// made, and its stack grown, for it. A parked poll's answer does not
// wait on its client: it is small and the connection has nothing else
// to send (its write returns at once). answerOffStack's writers are not
// used: an answer there is waited for by its request and goes through
// net/http, where a slow client may hold its writer; none should queue
// behind it.
var parkedAnswersDue answerQueue

const maxParkedWriters = 8

type answerQueue struct {
	mu      sync.Mutex
	due     []func()
	next    int // the first of due not yet taken
	writers int
}

func (q *answerQueue) add(answer func()) {
	q.mu.Lock()
	q.due = append(q.due, answer)
	start := q.writers < maxParkedWriters && q.writers < len(q.due)-q.next
	if start {
		q.writers++
	}
	q.mu.Unlock()
	if start {
		go q.write()
	}
}

// write writes the answers due until there are none.
func (q *answerQueue) write() {
	for {
		q.mu.Lock()
		if q.next == len(q.due) {
			clear(q.due)
			q.due, q.next = q.due[:0], 0
			q.writers--
			q.mu.Unlock()
			return
		}
		answer := q.due[q.next]
		q.due[q.next] = nil
		q.next++
		q.mu.Unlock()
		answer()
	}
}

// beforeParkedWrite, when set (by a test), is called before each parked
// poll's answer is written.
var beforeParkedWrite atomic.Pointer[func()]

// writeParked writes p's answer on its connection: the answer
// serveEventPoll writes through net/http (the same status, headers and
// body; net/http's Date last), then gives the connection back.
func (s *Server) writeParked(p *parkedPoll, ep *[]core.Event) {
	defer p.l.pollEnded() // after recoverParked, written or closed
	defer s.recoverParked(p)
	if f := beforeParkedWrite.Load(); f != nil {
		(*f)()
	}
	a := parkedAnswers.Get().(*parkedAnswer)
	defer parkedAnswers.Put(a)
	a.reset()
	var events []core.Event
	if ep != nil {
		events = *ep
	}
	s.setHeadersTx(a.h, p.tx)
	writeEventAnswer(a, &p.base, &s.eventEntries, events, s.core.Clock().Now())
	if ep != nil {
		clear(events)
		if cap(events) <= 1024 {
			*ep = events[:0]
			eventBuffers.Put(ep)
		}
	}
	out := a.wire(p.closeAfter)
	conn := p.conn
	_ = conn.SetWriteDeadline(time.Now().Add(s.writeWindow()))
	_, err := conn.Write(out)
	if err != nil || p.closeAfter {
		conn.Close()
		return
	}
	_ = conn.SetDeadline(time.Time{})
	p.l.giveBack(conn)
}

// recoverParked closes a parked poll's connection when its answer
// panicked, and logs the panic (a request's panic is answered 500; this
// one has nobody to answer to but the client, who sees the connection
// close).
func (s *Server) recoverParked(p *parkedPoll) {
	if v := recover(); v != nil {
		p.conn.Close()
		s.core.Logger().Error("event poll answer panicked", "panic", v)
	}
}

// A parkedAnswer is an http.ResponseWriter that keeps the answer to
// write it whole on a parked poll's connection.
type parkedAnswer struct {
	h      http.Header
	status int
	body   []byte
	out    bytes.Buffer
}

var parkedAnswers = sync.Pool{New: func() any { return &parkedAnswer{h: http.Header{}} }}

func (a *parkedAnswer) reset() {
	clear(a.h)
	a.status = 0
	a.body = a.body[:0]
	a.out.Reset()
}

func (a *parkedAnswer) Header() http.Header { return a.h }

func (a *parkedAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *parkedAnswer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	a.body = append(a.body, b...)
	return len(b), nil
}

// wire is the answer as net/http writes it for HTTP/1.1: the status line,
// the handler's headers sorted, Date, and the body; with Connection:
// close when the connection is closed after it.
func (a *parkedAnswer) wire(closing bool) []byte {
	b := &a.out
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(a.status))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(a.status))
	b.WriteString("\r\n")
	if closing {
		a.h["Connection"] = connectionClose
	}
	_ = a.h.Write(b)
	b.WriteString("Date: ")
	b.WriteString(time.Now().UTC().Format(http.TimeFormat))
	b.WriteString("\r\n\r\n")
	b.Write(a.body) // none with a 204 (writeEventAnswer)
	out := b.Bytes()
	if cap(a.body) > 256<<10 { // a burst's answer is not kept
		a.body = nil
		a.out = bytes.Buffer{}
	}
	return out
}

var connectionClose = []string{"close"}

// peerGone reports whether the client of a parked poll's connection is
// gone: it closed the connection, or sent something (a request behind
// the poll's, or TLS's close alert), which a client waiting for its
// answer does not. It looks without reading (a peek of the socket).
func peerGone(c net.Conn) bool {
	readable, err := peek(c, false)
	if err == errNoSocket {
		return false // nothing to look with
	}
	return readable || err != nil
}
