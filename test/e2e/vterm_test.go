package e2e

// Virtual terminals end to end: mkvterm on a real pseudo-terminal (a boot,
// a login, a command, ~., a second session refused with exit 3, rmvterm
// from elsewhere), mkvterm --vnc --local with an RFB client library, and
// the bad inputs (unknown partitions, wrong flags, garbage RFB, 50
// open/close cycles that leave nothing behind).

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	vnc "github.com/mitchellh/go-vnc"
	"github.com/novalink-project/novalink/internal/testlock"
	"golang.org/x/sys/unix"
)

// subreaper makes this test process the reaper of orphans: mkvterm
// --vnc leaves mkvtermutil running on its own (on NovaLink, init reaps it
// when it ends); here it is reaped by reapUtils.
var subreaper sync.Once

func becomeSubreaper(t *testing.T) {
	subreaper.Do(func() {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", err)
		}
	})
}

// procInfo is a process of ours (or of anyone) as /proc shows it.
type procInfo struct {
	pid, ppid int
	state     string
	cmdline   string
}

// processes lists the processes named name.
func processes(name string) []procInfo {
	var out []procInfo
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != name {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, procInfo{pid: pid, ppid: ppid, state: f[0], cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))})
	}
	return out
}

// reapUtils waits for the mkvtermutil processes that ended and were left
// to this process.
func reapUtils() {
	for _, p := range processes("mkvtermutil") {
		if p.ppid == os.Getpid() && p.state == "Z" {
			var ws syscall.WaitStatus
			syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// utilsFor returns the live mkvtermutil processes whose command line has
// "--id <id>", as pypowervm finds them (pgrep mkvtermutil --list-full).
func utilsFor(id int) []procInfo {
	reapUtils()
	var out []procInfo
	for _, p := range processes("mkvtermutil") {
		if p.state != "Z" && strings.Contains(p.cmdline+" ", "--id "+strconv.Itoa(id)+" ") {
			out = append(out, p)
		}
	}
	return out
}

// waitNoUtils waits until no mkvtermutil serves partition id.
func waitNoUtils(t *testing.T, id int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(utilsFor(id)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("mkvtermutil of partition %d still running: %+v", id, utilsFor(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ptyTerm is a command on a pseudo-terminal, its screen output kept.
type ptyTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	f    *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (c *cmdEnv) startPTY(name string, args ...string) *ptyTerm {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		c.t.Fatal(err)
	}
	p := &ptyTerm{t: c.t, cmd: cmd, f: f, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				break
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	c.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		f.Close()
	})
	return p
}

func (p *ptyTerm) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *ptyTerm) wait(want string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.text(), want) {
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal never showed %q; it shows:\n%s", want, p.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *ptyTerm) typ(s string) {
	p.t.Helper()
	if _, err := p.f.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// exit waits for the command to end and returns its exit status.
func (p *ptyTerm) exit() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatalf("the command did not end; the terminal shows:\n%s", p.text())
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatal(p.err)
	}
	return 0
}

// TestMkvtermOnATerminal: a boot seen on mkvterm, a login, commands, a
// power-off from elsewhere, ~.; a second session refused with exit 3;
// rmvterm from another terminal ending the first; the partition's delete
// ending its session.
func TestMkvtermOnATerminal(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)

	term := c.startPTY("mkvterm", "--id", "10")
	term.wait("Open Completed.")
	term.wait("is not activated")
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar10")
	for _, want := range []string{"IBM IBM IBM", "CA00E1F1", "STARTING SOFTWARE", "lpar10 login: "} {
		term.wait(want)
	}

	// A second session is refused with NovaLink's message and exit 3.
	out, errOut, code := c.run("mkvterm", "--id", "10")
	if code != 3 || out != "" || !strings.Contains(errOut, "The vterm is currently in use by process "+strconv.Itoa(term.cmd.Process.Pid)+".  Use 'rmvterm --id 10' to close it.") {
		t.Fatalf("second mkvterm: exit %d\n%s%s", code, out, errOut)
	}
	// The HMC's form names the same console.
	if _, errOut, code := c.run("mkvterm", "-m", sysName, "-p", "lpar10"); code != 3 {
		t.Fatalf("mkvterm -m -p: exit %d: %s", code, errOut)
	}

	term.typ("root\r")
	term.wait("Password: ")
	term.typ("passw0rd\r")
	term.wait("root@lpar10:~# ")
	term.typ("uname -a\r")
	term.wait("Linux lpar10 5.15.0-89-generic")
	term.typ("ip addr\r")
	term.wait("link/ether ")
	// A power-off from another terminal shows as it happens.
	c.must("pvmctl", "lpar", "power-off", "-i", "name=lpar10")
	term.wait("Reached target System Power Off.")
	// ~. leaves.
	term.typ("\r~.")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm after ~.: exit %d\n%s", code, term.text())
	}
	t.Logf("transcript of the first session:\n%s", term.text())

	// rmvterm from elsewhere ends an open session.
	term = c.startPTY("mkvterm", "-m", sysName, "-p", "lpar10")
	term.wait("Open Completed.")
	c.must("rmvterm", "--id", "10")
	term.wait("closed by rmvterm")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm after rmvterm: exit %d\n%s", code, term.text())
	}
	// With none open rmvterm does nothing, successfully.
	c.must("rmvterm", "--id", "10")

	// shutdown -h now at the shell powers the partition off.
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar10")
	term = c.startPTY("mkvterm", "--id", "10")
	term.wait("lpar10 login: ")
	term.typ("\rroot\rpw\rshutdown -h now\r")
	term.wait("The system is going down for poweroff NOW!")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.must("pvmctl", "lpar", "list", "-i", "name=lpar10", "-d", "state"), "not activated") {
		if time.Now().After(deadline) {
			t.Fatal("lpar10 did not power off after shutdown -h now")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A partition with an open console can be deleted; its session ends.
	c.must("pvmctl", "lpar", "delete", "-i", "name=lpar10")
	term.wait("the partition was deleted")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm after the delete: exit %d\n%s", code, term.text())
	}
}

// TestMkvtermBadInput: unknown partitions and wrong flags.
func TestMkvtermBadInput(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	for _, tc := range []struct {
		cmd  []string
		code int
		want string
	}{
		{[]string{"mkvterm", "--id", "99"}, 1, "The partition with ID 99 is not found."},
		{[]string{"mkvterm", "-p", "nosuch"}, 1, "The partition nosuch is not found."},
		{[]string{"mkvterm", "--id", "99", "--vnc", "--local"}, 1, "The partition with ID 99 is not found."},
		{[]string{"rmvterm", "--id", "99"}, 1, "The partition with ID 99 is not found."},
		{[]string{"mkvterm", "-m", "other", "--id", "10"}, 1, "The managed system other is not found"},
		{[]string{"mkvterm"}, 2, "Name the partition with --id ID or -p NAME."},
		{[]string{"mkvterm", "--id", "10", "-p", "lpar10"}, 2, "mutually exclusive"},
		{[]string{"mkvterm", "--id", "0"}, 2, "not valid"},
		{[]string{"mkvterm", "--id", "ten"}, 2, "invalid argument"},
		{[]string{"mkvterm", "--id", "10", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"mkvterm", "--id", "10", "extra"}, 2, "unknown command"},
		{[]string{"mkvterm", "--id", "10", "--vnc"}, 2, "use --vnc --local"},
		{[]string{"mkvterm", "--id", "10", "--local"}, 2, "--local goes with --vnc"},
		{[]string{"mkvterm", "--id", "10", "--consolesettings", "codepage=x"}, 2, "The code page \"x\" is not valid"},
		{[]string{"mkvterm", "--id", "10", "--consolesettings", "lang=1"}, 2, "The console setting \"lang=1\" is not valid"},
		{[]string{"rmvterm"}, 2, "Name the partition"},
		{[]string{"mkvtermutil", "--id", "10"}, 2, "use --vnc --local"},
	} {
		out, errOut, code := c.run(tc.cmd[0], tc.cmd[1:]...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(tc.cmd, " "), code, tc.code, out, errOut)
		}
	}
	if len(utilsFor(10)) > 0 {
		t.Fatal("a bad command left mkvtermutil running")
	}
}

// vncViewer is a go-vnc client keeping a framebuffer of the updates.
type vncViewer struct {
	t   *testing.T
	c   *vnc.ClientConn
	ch  chan vnc.ServerMessage
	img *image.RGBA
}

func dialVNC(t *testing.T, port int) *vncViewer {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan vnc.ServerMessage, 16)
	c, err := vnc.Client(conn, &vnc.ClientConfig{Auth: []vnc.ClientAuth{new(vnc.ClientAuthNone)}, ServerMessageCh: ch})
	if err != nil {
		t.Fatal(err)
	}
	return &vncViewer{t: t, c: c, ch: ch, img: image.NewRGBA(image.Rect(0, 0, int(c.FrameBufferWidth), int(c.FrameBufferHeight)))}
}

func (v *vncViewer) update(incremental bool) {
	v.t.Helper()
	if err := v.c.FramebufferUpdateRequest(incremental, 0, 0, uint16(v.img.Rect.Dx()), uint16(v.img.Rect.Dy())); err != nil {
		v.t.Fatal(err)
	}
	select {
	case m := <-v.ch:
		fu, ok := m.(*vnc.FramebufferUpdateMessage)
		if !ok {
			v.t.Fatalf("got %T, want a framebuffer update", m)
		}
		pf := v.c.PixelFormat
		for _, r := range fu.Rectangles {
			raw, ok := r.Enc.(*vnc.RawEncoding)
			if !ok {
				v.t.Fatalf("encoding %T", r.Enc)
			}
			for i, col := range raw.Colors {
				o := v.img.PixOffset(int(r.X)+i%int(r.Width), int(r.Y)+i/int(r.Width))
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

func (v *vncViewer) typ(s string) {
	for _, r := range s {
		sym := uint32(r)
		if r == '\r' {
			sym = 0xff0d
		}
		v.c.KeyEvent(sym, true)
		v.c.KeyEvent(sym, false)
	}
}

// litRows returns the framebuffer rows (pixel lines) with any pixel that
// is not background.
func litRows(img *image.RGBA) map[int]bool {
	rows := map[int]bool{}
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if o := img.PixOffset(x, y); img.Pix[o]|img.Pix[o+1]|img.Pix[o+2] != 0 {
				rows[y] = true
				break
			}
		}
	}
	return rows
}

// artifactDir is where tests leave pictures: $PVM_TEST_ARTIFACTS, else a
// directory kept under the system's temp dir (its path is logged).
func artifactDir(t *testing.T) string {
	if d := os.Getenv("PVM_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "pvm-e2e-artifacts-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startVNCConsole runs mkvterm --vnc --local and returns the port of its
// first line.
func startVNCConsole(t *testing.T, c *cmdEnv, id int) int {
	t.Helper()
	out, errOut, code := c.run("mkvterm", "--id", strconv.Itoa(id), "--vnc", "--local")
	if code != 0 {
		t.Fatalf("mkvterm --vnc --local: exit %d\n%s%s", code, out, errOut)
	}
	first, _, _ := strings.Cut(out, "\n")
	port, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("mkvterm's first line %q is not a port", first)
	}
	if want := fmt.Sprintf("VNC is started on port %d for localhost access only.  Use 'rmvterm --id %d' to close it.", port, id); !strings.Contains(errOut, want) {
		t.Fatalf("mkvterm --vnc stderr %q, want %q", errOut, want)
	}
	return port
}

// TestMkvtermVNC: mkvterm --vnc --local prints the port and leaves
// mkvtermutil --id N running; an RFB client library sees the console,
// types into it and sees the pixels change; a second open gets exit 3
// and the same port; garbage RFB is dropped; rmvterm ends it all.
func TestMkvtermVNC(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	becomeSubreaper(t)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	c.env = append(c.env, "PVM_VTERM_VNC_PORT=0")
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar11")
	t.Cleanup(func() { c.run("rmvterm", "--id", "11"); waitNoUtils(t, 11) })

	port := startVNCConsole(t, c, 11)
	utils := utilsFor(11)
	if len(utils) != 1 || !strings.Contains(utils[0].cmdline, "mkvtermutil --id 11 --vnc --local") {
		t.Fatalf("mkvtermutil processes: %+v", utils)
	}
	// A second mkvterm --vnc: exit 3, the same port on the first line.
	out, errOut, code := c.run("mkvterm", "--id", "11", "--vnc", "--local")
	if code != 3 || out != strconv.Itoa(port)+"\n" || !strings.Contains(errOut, fmt.Sprintf("VNC server is already started on port %d. Use 'rmvterm --id 11' to close it.", port)) {
		t.Fatalf("second mkvterm --vnc: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := c.run("mkvterm", "--id", "11"); code != 3 || !strings.Contains(errOut, "VNC server is already started") {
		t.Fatalf("mkvterm on a terminal while VNC holds it: exit %d: %s", code, errOut)
	}
	if len(utilsFor(11)) != 1 {
		t.Fatalf("mkvtermutil processes after the refusals: %+v", utilsFor(11))
	}

	v := dialVNC(t, port)
	if v.c.DesktopName != "lpar11 (ID 11)" {
		t.Fatalf("desktop name %q", v.c.DesktopName)
	}
	// Wait for the login prompt on the framebuffer (the boot goes on).
	deadline := time.Now().Add(15 * time.Second)
	v.update(false)
	before := litRows(v.img)
	for len(before) == 0 || !strings.Contains(c.must("pvmctl", "lpar", "list", "-i", "name=lpar11", "-d", "state"), "running") {
		if time.Now().After(deadline) {
			t.Fatal("lpar11 did not boot")
		}
		time.Sleep(50 * time.Millisecond)
		v.update(false)
		before = litRows(v.img)
	}
	time.Sleep(100 * time.Millisecond)
	v.update(false)
	snap := image.NewRGBA(v.img.Rect)
	copy(snap.Pix, v.img.Pix)
	path := filepath.Join(artifactDir(t), "vnc-console-lpar11.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, snap); err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Logf("the booted console as the VNC client saw it: %s", path)

	v.typ("root\r")
	deadline = time.Now().Add(10 * time.Second)
	changed := false
	for !changed {
		if time.Now().After(deadline) {
			t.Fatal("the framebuffer did not change after typing")
		}
		v.update(true)
		changed = !bytes.Equal(snap.Pix, v.img.Pix)
	}
	v.c.Close()

	// Garbage on the VNC port is dropped; a good client still connects.
	for _, junk := range [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n"), []byte("RFB 003.008\n\x01\x01\x63"), bytes.Repeat([]byte{0xff}, 4096)} {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(junk)
		conn.(*net.TCPConn).CloseWrite()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, conn); err != nil {
			t.Fatalf("garbage %q: the server kept the connection: %v", junk[:8], err)
		}
		conn.Close()
	}
	v = dialVNC(t, port)
	v.update(false)
	v.c.Close()

	// rmvterm ends the session and mkvtermutil with it.
	c.must("rmvterm", "--id", "11")
	waitNoUtils(t, 11)
	if conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		// The port is free once mkvtermutil is gone, and another test's
		// server may have been given it since: only a VNC server's
		// greeting is a failure.
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		greeting := make([]byte, 4)
		n, _ := io.ReadFull(conn, greeting)
		conn.Close()
		if string(greeting[:n]) == "RFB " {
			t.Fatal("a VNC server still answers on the port after rmvterm")
		}
	}
}

// TestVtermOpenCloseCycles: 50 cycles of mkvterm --vnc --local and
// rmvterm leave no mkvtermutil process behind, and pvmd holds no more
// connections or threads than before.
func TestVtermOpenCloseCycles(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	becomeSubreaper(t)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	c.env = append(c.env, "PVM_VTERM_VNC_PORT=0")
	c.must("pvmctl", "lpar", "list") // a session, cached
	fdsBefore := countFDs(t, d.cmd.Process.Pid)
	for i := 0; i < 50; i++ {
		port := startVNCConsole(t, c, 12)
		if i%10 == 0 {
			v := dialVNC(t, port)
			v.update(false)
			v.c.Close()
		}
		c.must("rmvterm", "--id", "12")
		waitNoUtils(t, 12)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fds := countFDs(t, d.cmd.Process.Pid)
		if fds <= fdsBefore+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pvmd has %d open files after 50 cycles, %d before", fds, fdsBefore)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// An ended mkvtermutil is a zombie until this process reaps it (it
	// may have ended just after waitNoUtils' last reap): only a live one
	// is left behind.
	reapUtils()
	for _, p := range processes("mkvtermutil") {
		if p.ppid == os.Getpid() && p.state != "Z" {
			t.Fatalf("left behind: %+v", p)
		}
	}
}

func countFDs(t *testing.T, pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestMkvtermFirmwareAndVIOS: a partition started in SMS shows the menu
// and boots on X; one started at the ok prompt boots on "boot"; the VIOS
// console logs padmin in and runs a VIOS command.
func TestMkvtermFirmwareAndVIOS(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)

	term := c.startPTY("mkvterm", "--id", "11")
	term.wait("Open Completed.")
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar11", "--bootmode", "sms")
	term.wait("X = eXit System Management Services")
	term.typ("X\r")
	term.wait("Are you sure you want to exit System Management Services?")
	term.typ("1\r")
	term.wait("lpar11 login: ")

	term2 := c.startPTY("mkvterm", "--id", "12")
	term2.wait("Open Completed.")
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar12", "--bootmode", "of")
	term2.wait("\r\n0 > ")
	term2.typ("banner\r")
	term2.wait("PowerPC Firmware")
	term2.typ("boot\r")
	term2.wait("lpar12 login: ")

	vios := c.startPTY("mkvterm", "-p", "vios1")
	vios.wait("Open Completed.")
	vios.typ("\r")
	vios.wait("Console login: ")
	vios.typ("padmin\rpadmin\r")
	vios.wait("$ ")
	vios.typ("ioslevel\r")
	vios.wait("3.1.4.10")
	for _, p := range []*ptyTerm{term, term2, vios} {
		p.typ("\r~.")
		if code := p.exit(); code != 0 {
			t.Fatalf("mkvterm: exit %d\n%s", code, p.text())
		}
	}
}

// TestMkvtermWhenPvmdStops: stopping pvmd ends the open consoles, each
// with its last line, and mkvterm ends with it.
func TestMkvtermWhenPvmdStops(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	term := c.startPTY("mkvterm", "--id", "10")
	term.wait("Open Completed.")
	if err := d.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	term.wait("the management service is stopping")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm after pvmd stopped: exit %d\n%s", code, term.text())
	}
}

// TestMkvtermPasswordSessionOverHTTPS: the console stream works for a
// password session over HTTPS too (the stream is HTTP/1.1 even where the
// server offers HTTP/2), and CloseVterm by that session ends it.
func TestMkvtermPasswordSessionOverHTTPS(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	var env []string
	for _, kv := range c.env {
		if !strings.HasPrefix(kv, "PVM_URL=") {
			env = append(env, kv)
		}
	}
	c.env = append(env, "PVM_URL="+d.BaseTLS(), "PVM_USER=padmin", "PVM_PASSWORD="+adminPassword, "PVM_INSECURE=1")
	term := c.startPTY("mkvterm", "--id", "10")
	term.wait("Open Completed.")
	out, errOut, code := c.run("mkvterm", "--id", "10")
	if code != 3 || !strings.Contains(errOut, "in use by process") {
		t.Fatalf("second mkvterm over HTTPS: exit %d\n%s%s", code, out, errOut)
	}
	c.must("rmvterm", "--id", "10")
	term.wait("closed by rmvterm")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm: exit %d\n%s", code, term.text())
	}
}

// TestMkvtermThroughPvmRest: with pvmd as the two services, the console
// stream goes through pvm-rest's forwarding to pvm-core (an upgraded
// connection both ways): on a terminal and as a VNC console.
func TestMkvtermThroughPvmRest(t *testing.T) {
	testlock.Take(t, testlock.Consoles)
	becomeSubreaper(t)
	dir := t.TempDir()
	core := newService(t, "pvm-core.service", dir, map[string]string{"PVM_CORE_OPTS": "--timing fast"})
	front := newService(t, "pvm-rest.service", dir, map[string]string{
		"PVM_REST_OPTS": "--http-addr 127.0.0.1:0 --https-addr 127.0.0.1:0"})
	core.start()
	front.start()
	d := &daemon{HTTP: front.addr("http")}
	c := newCmdEnv(t, d)
	c.env = append(c.env, "PVM_VTERM_VNC_PORT=0")
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar10")

	term := c.startPTY("mkvterm", "--id", "10")
	term.wait("lpar10 login: ")
	term.typ("root\rpw\rhostname\r")
	term.wait("\r\nlpar10\r\n")
	term.typ("\r~.")
	if code := term.exit(); code != 0 {
		t.Fatalf("mkvterm through pvm-rest: exit %d\n%s", code, term.text())
	}

	port := startVNCConsole(t, c, 10)
	v := dialVNC(t, port)
	v.update(false)
	v.c.Close()
	c.must("rmvterm", "--id", "10")
	waitNoUtils(t, 10)
}
