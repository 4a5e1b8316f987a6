package vterm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
)

// mkvterm --vnc --local starts mkvtermutil, the long-lived VNC server of
// the console, and prints the port it listens on as its first line (what
// pypowervm reads). mkvtermutil tells mkvterm how its start went with one
// line on its standard output, then closes it:
//
//	OK <port>
//	BUSY <kind> <pid> <port>     the console is already open
//	ERROR <exit code> <message>

// PortEnv names the first VNC port mkvtermutil tries (default 5901, the
// ports after it up to 5999 when taken); 0 takes any free port.
const PortEnv = "PVM_VTERM_VNC_PORT"

// statusTimeout bounds how long mkvterm waits for mkvtermutil's status.
const statusTimeout = 60 * time.Second

// utilPath finds mkvtermutil: beside this program, else on the PATH.
func utilPath() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "mkvtermutil")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("mkvtermutil")
	if err != nil {
		return "", fmt.Errorf("mkvtermutil, the VNC server of mkvterm, is not installed beside mkvterm nor on the PATH")
	}
	return p, nil
}

func (r *run) startVNC(t *target, codepage string) error {
	util, err := utilPath()
	if err != nil {
		return err
	}
	args := []string{"--id", strconv.Itoa(t.id), "--vnc", "--local"}
	if codepage != "" {
		args = append(args, "--codepage", codepage)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	cmd := exec.Command(util, args...)
	cmd.Stdout = pw
	// Its own session: it outlives mkvterm and the terminal it ran in.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return fmt.Errorf("start mkvtermutil: %w", err)
	}
	pw.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(pr).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	var status string
	select {
	case status = <-line:
	case <-time.After(statusTimeout):
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("mkvtermutil did not start its VNC server within %v", statusTimeout)
	}
	f := strings.Fields(status)
	if len(f) == 2 && f[0] == "OK" {
		port, err := strconv.Atoi(f[1])
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("mkvtermutil said %q", status)
		}
		// It runs on by itself.
		cmd.Process.Release()
		fmt.Fprintln(r.io.Stdout, port)
		fmt.Fprintf(r.io.Stderr, "VNC is started on port %d for localhost access only.  %s\n", port, r.rmHint(t))
		return nil
	}
	werr := cmd.Wait()
	switch {
	case len(f) == 4 && f[0] == "BUSY":
		pid, _ := strconv.Atoi(f[2])
		port, _ := strconv.Atoi(f[3])
		return r.inUse(t, &client.VtermInUse{Kind: f[1], PID: pid, Port: port})
	case len(f) >= 2 && f[0] == "ERROR":
		code, err := strconv.Atoi(f[1])
		if err != nil || code == 0 {
			code = ExitFailed
		}
		return &exitError{code: code, msg: "mkvterm: " + strings.Join(f[2:], " ")}
	}
	return fmt.Errorf("mkvtermutil ended without starting its VNC server (%v)", werr)
}

// listenVNC listens on localhost from the first port of PortEnv.
func listenVNC(getenv func(string) string) (net.Listener, error) {
	first := 5901
	if v := strings.TrimSpace(getenv(PortEnv)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("%s=%q is not a port number", PortEnv, v)
		}
		first = n
	}
	if first == 0 {
		return net.Listen("tcp", "127.0.0.1:0")
	}
	var last error
	for p := first; p <= 65535 && p < first+99; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			return ln, nil
		}
		last = err
	}
	return nil, fmt.Errorf("no free VNC port from %d: %v", first, last)
}

// mkvtermutil holds the console stream and serves it over VNC until the
// console is closed (rmvterm, CloseVterm, the partition deleted, pvmd
// stopping).
func (r *run) mkvtermutil(cmd *cobra.Command) error {
	status := func(format string, args ...any) {
		fmt.Fprintf(r.io.Stdout, format+"\n", args...)
		if f, ok := r.io.Stdout.(*os.File); ok && f == os.Stdout {
			// mkvterm reads one line: let it go on.
			f.Close()
		}
		r.io.Stdout = io.Discard
	}
	fail := func(err error) error {
		code, msg := ExitFailed, err.Error()
		var ex *exitError
		if errors.As(err, &ex) {
			code = ex.code
		}
		status("ERROR %d %s", code, strings.ReplaceAll(msg, "\n", " "))
		return &exitError{code: code, msg: "mkvtermutil: " + msg}
	}
	if !r.vnc || !r.local {
		return usage("mkvtermutil serves a console over VNC on localhost: use --vnc --local.")
	}
	if r.codepage != "" {
		if _, err := parseCodepage("codepage=" + r.codepage); err != nil {
			return err
		}
	}
	t, err := r.resolve(cmd)
	if err != nil {
		return fail(err)
	}
	ln, err := listenVNC(r.io.Getenv)
	if err != nil {
		return fail(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	cl, err := r.a.Client()
	if err != nil {
		return fail(err)
	}
	rwc, err := cl.OpenVterm(r.a.Context(), t.uuid, client.VtermOptions{Kind: client.VtermVNC, PID: os.Getpid(), Port: port, Codepage: r.codepage})
	var busy *client.VtermInUse
	if errors.As(err, &busy) {
		status("BUSY %s %d %d", busy.Kind, busy.PID, busy.Port)
		return &exitError{code: ExitInUse}
	}
	if err != nil {
		return fail(err)
	}
	defer rwc.Close()
	scr, err := newScreen(80, 25)
	if err != nil {
		return fail(err)
	}
	defer scr.Close()
	name := fmt.Sprintf("%s (ID %d)", t.name, t.id)
	srv := newRFBServer(scr, name, func(b []byte) { rwc.Write(b) }, func(f string, a ...any) {
		fmt.Fprintf(r.io.Stderr, "mkvtermutil: "+f+"\n", a...)
	})
	go func() {
		// The console's output to the screen; when the console closes,
		// so does the VNC server.
		io.Copy(scr, rwc)
		ln.Close()
		srv.Close()
	}()
	status("OK %d", port)
	srv.Serve(ln)
	return nil
}
