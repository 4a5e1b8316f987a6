package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// The virtual terminal of a partition, as the hypervisor keeps it: one
// console per partition, fed by the power state machine (firmware
// progress, the SMS menu, the Open Firmware prompt) and by the simulated
// operating system (boot messages, login, a small shell), with a bounded
// scroll-back. At most one session is attached at a time (one open
// virtual terminal per partition); what the session types goes to
// whatever runs on the partition.

// Bounds of a console.
const (
	// ScrollbackBytes is how much output a console keeps.
	ScrollbackBytes = 32 << 10
	// ReplayLines is how many of the last lines of the scroll-back a new
	// session is shown (a screen's worth).
	ReplayLines = 24
	// sessionBuffer bounds the output waiting for a slow session; past
	// it the oldest output is dropped, as a terminal server does.
	sessionBuffer = 256 << 10
)

// Holder describes who holds a console's session: a terminal (mkvterm,
// with its process ID) or a VNC server (mkvtermutil, with its port).
type Holder struct {
	Kind     string // HolderTerminal or HolderVNC
	PID      int
	Port     int    // the VNC port (HolderVNC)
	Codepage string // IBM i console code page, when given
	User     string // the REST user that opened it
	Since    time.Time
}

// Kinds of console holders.
const (
	HolderTerminal = "tty"
	HolderVNC      = "vnc"
)

// ErrConsoleInUse is returned when a second session asks for a console.
type ErrConsoleInUse struct{ Holder Holder }

func (e *ErrConsoleInUse) Error() string {
	if e.Holder.Kind == HolderVNC {
		return fmt.Sprintf("The virtual terminal is already open: a VNC server on port %d holds it.", e.Holder.Port)
	}
	return fmt.Sprintf("The virtual terminal is currently in use by process %d.", e.Holder.PID)
}

// ErrConsoleGone is returned for the console of a partition that was
// deleted.
var ErrConsoleGone = errors.New("the partition's console is gone: the partition was deleted")

// GuestInfo is what the firmware and the simulated operating system know
// of their partition.
type GuestInfo struct {
	Name      string
	ID        int
	Type      model.PartitionType
	OSVersion string
	// Location is the location-code prefix of the partition's virtual
	// slots: U<type>.<model>.<serial>-V<id>.
	Location string
	MemoryMB int
	NICs     []GuestNIC
	SCSI     []int     // client slots of virtual SCSI adapters
	FC       []GuestFC // virtual Fibre Channel client adapters
	Now      time.Time
}

// GuestNIC is a virtual Ethernet adapter as the OS sees it.
type GuestNIC struct {
	Slot   int
	MAC    string // 12 upper-case hex digits
	PVID   int
	Tagged []int
}

// GuestFC is a virtual Fibre Channel client adapter.
type GuestFC struct {
	Slot  int
	WWPNs []string
}

// ConsoleHooks are how the firmware and the operating system act on
// their partition: the core supplies them, and runs what they ask
// through its single writer. They are called without any console lock
// held.
type ConsoleHooks struct {
	// Info returns the partition as the guest sees it (false when the
	// partition is gone).
	Info func() (GuestInfo, bool)
	// Shutdown halts (or restarts) the partition from inside its OS.
	Shutdown func(restart bool) error
	// ContinueBoot leaves the SMS menu or the Open Firmware prompt and
	// boots the operating system.
	ContinueBoot func() error
	// IOSCLI runs a VIOS command line (the padmin shell of a VIOS).
	IOSCLI func(line string) (out, errOut string, code int)
}

// Console is one partition's virtual terminal.
type Console struct {
	hooks ConsoleHooks

	mu     sync.Mutex
	scroll []byte
	sess   *Session
	closed bool
	g      guest
}

// NewConsole returns the console of p, in the state p is in now (a
// running partition shows its login prompt on the first Enter).
func NewConsole(p *model.Partition, hooks ConsoleHooks) *Console {
	c := &Console{hooks: hooks}
	c.g.init(p)
	return c
}

// Attach opens the console's one session. It fails with *ErrConsoleInUse
// while another session is open, and with ErrConsoleGone once the
// partition was deleted. The session first gets the HMC's opening lines,
// then the last screen of the scroll-back.
func (c *Console) Attach(h Holder) (*Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrConsoleGone
	}
	if c.sess != nil {
		return nil, &ErrConsoleInUse{Holder: c.sess.holder}
	}
	s := &Session{c: c, holder: h}
	s.cond = sync.NewCond(&s.mu)
	c.sess = s
	s.push([]byte("\r\n Open in progress \r\n\r\n Open Completed.\r\n\r\n"))
	s.push(lastLines(c.scroll, ReplayLines))
	return s, nil
}

// Holder returns who holds the console's session.
func (c *Console) Holder() (Holder, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return Holder{}, false
	}
	return c.sess.holder, true
}

// Kick ends the open session (rmvterm, CloseVterm), telling it why. It
// reports whether a session was open.
func (c *Console) Kick(reason string) bool {
	c.mu.Lock()
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	if s == nil {
		return false
	}
	s.end(reason)
	return true
}

// Close ends the session for good (the partition was deleted or the
// service stops): no session can attach afterwards.
func (c *Console) Close(reason string) {
	c.mu.Lock()
	c.closed = true
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	if s != nil {
		s.end(reason)
	}
}

// Scrollback returns a copy of what the console kept of its output: at
// most ScrollbackBytes, from the start of a line.
func (c *Console) Scrollback() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), trimScroll(c.scroll)...)
}

// trimScroll returns the last ScrollbackBytes of b, from a line start when
// one is near.
func trimScroll(b []byte) []byte {
	if len(b) <= ScrollbackBytes {
		return b
	}
	cut := len(b) - ScrollbackBytes
	if i := bytes.IndexByte(b[cut:], '\n'); i >= 0 && i < 256 {
		cut += i + 1
	}
	return b[cut:]
}

// Power shows a committed change of the partition (power state, reference
// code) on the console as it happens: firmware progress, the SMS menu or
// Open Firmware prompt, the OS booting to its login prompt, shutdown
// messages.
func (c *Console) Power(old, cur *model.Partition) {
	if cur == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.emit(c.g.power(old, cur, c.info))
}

// info asks the core for the partition as the guest sees it.
func (c *Console) info() GuestInfo {
	if c.hooks.Info == nil {
		return GuestInfo{}
	}
	info, _ := c.hooks.Info()
	return info
}

// input runs what a session typed through the guest; the actions it asks
// for run after the lock is released.
func (c *Console) input(s *Session, p []byte) {
	info := c.info()
	c.mu.Lock()
	if c.sess != s || c.closed {
		c.mu.Unlock()
		return
	}
	out, acts := c.g.input(p, info)
	c.emit(out)
	c.mu.Unlock()
	for _, a := range acts {
		if msg := c.run(a); msg != "" {
			c.mu.Lock()
			if !c.closed {
				c.emit([]byte(msg))
			}
			c.mu.Unlock()
		}
	}
}

// run carries out an action of the guest and returns what to print.
func (c *Console) run(a action) string {
	var err error
	switch a.kind {
	case actShutdown, actRestart:
		if c.hooks.Shutdown != nil {
			err = c.hooks.Shutdown(a.kind == actRestart)
		}
	case actContinueBoot:
		if c.hooks.ContinueBoot != nil {
			err = c.hooks.ContinueBoot()
		}
	case actIOSCLI:
		if c.hooks.IOSCLI == nil {
			return "rksh: " + a.arg + ": not found\r\n$ "
		}
		out, errOut, _ := c.hooks.IOSCLI(a.arg)
		return crlf(out) + crlf(errOut) + "$ "
	}
	if err != nil {
		return "\r\n" + crlf(err.Error()) + "\r\n"
	}
	return ""
}

// emit appends output to the scroll-back and the session. c.mu is held.
func (c *Console) emit(b []byte) {
	if len(b) == 0 {
		return
	}
	c.scroll = append(c.scroll, b...)
	// Trimmed by halves, so that each byte is copied about once.
	if len(c.scroll) > 2*ScrollbackBytes {
		c.scroll = append(make([]byte, 0, 2*ScrollbackBytes+len(b)), trimScroll(c.scroll)...)
	}
	if c.sess != nil {
		c.sess.push(b)
	}
}

// lastLines returns the last n lines of b (the line being written
// counting as one), from a line start.
func lastLines(b []byte, n int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, nil)
}

// Session is the one open connection to a console.
type Session struct {
	c      *Console
	holder Holder

	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	ended  bool
	reason string
}

// Holder returns who holds the session.
func (s *Session) Holder() Holder { return s.holder }

// Read returns the console's output as it comes, blocking until there is
// some; after the session ended (Close, Kick, the partition deleted) it
// returns what is left and then io.EOF.
func (s *Session) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.buf) == 0 && !s.ended {
		s.cond.Wait()
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	if len(s.buf) == 0 {
		s.buf = nil
	}
	return n, nil
}

// Write types p into the console.
func (s *Session) Write(p []byte) (int, error) {
	s.mu.Lock()
	ended := s.ended
	s.mu.Unlock()
	if ended {
		return 0, io.ErrClosedPipe
	}
	s.c.input(s, p)
	return len(p), nil
}

// Close detaches the session (~. on the terminal); the console stays.
func (s *Session) Close() error {
	s.c.mu.Lock()
	if s.c.sess == s {
		s.c.sess = nil
	}
	s.c.mu.Unlock()
	s.end("")
	return nil
}

// Reason says why the session ended ("" while open or closed by its own
// side).
func (s *Session) Reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

func (s *Session) push(b []byte) {
	if len(b) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.buf = append(s.buf, b...)
	if over := len(s.buf) - sessionBuffer; over > 0 {
		s.buf = append([]byte(nil), s.buf[over:]...)
	}
	s.cond.Broadcast()
}

// end closes the session after one last message.
func (s *Session) end(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if reason != "" {
		s.buf = append(s.buf, "\r\n\r\n "+reason+"\r\n"...)
	}
	s.reason = reason
	s.ended = true
	s.cond.Broadcast()
}
