package vterm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/novalink-project/novalink/client"
)

// mkvterm opens the console on this terminal, or (--vnc --local) as a VNC
// server on localhost.
func (r *run) mkvterm(cmd *cobra.Command) error {
	codepage, err := parseCodepage(r.settings)
	if err != nil {
		return err
	}
	if r.local && !r.vnc {
		return usage("--local goes with --vnc: it makes the VNC server listen on localhost only.")
	}
	if r.vnc && !r.local {
		return usage("This NovaLink serves VNC consoles on localhost only: use --vnc --local (a proxy such as nova's gives remote access).")
	}
	t, err := r.resolve(cmd)
	if err != nil {
		return err
	}
	if r.vnc {
		if codepage == "" && t.isIBMi() {
			codepage = "037"
		}
		return r.startVNC(t, codepage)
	}
	return r.terminal(t, codepage)
}

// terminal runs the console on this terminal until ~. (or the console is
// closed from elsewhere).
func (r *run) terminal(t *target, codepage string) error {
	cl, err := r.a.Client()
	if err != nil {
		return err
	}
	rwc, err := cl.OpenVterm(r.a.Context(), t.uuid, client.VtermOptions{Kind: client.VtermTerminal, PID: os.Getpid(), Codepage: codepage})
	var busy *client.VtermInUse
	if errors.As(err, &busy) {
		return r.inUse(t, busy)
	}
	if err != nil {
		return err
	}
	defer rwc.Close()
	if t.state == "not activated" {
		fmt.Fprintf(r.io.Stderr, "Partition %s (ID %d) is not activated: its console shows what it prints once it is powered on. Leave with ~.\r\n", t.name, t.id)
	}
	in := r.io.Stdin
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		old, err := term.MakeRaw(int(f.Fd()))
		if err == nil {
			defer term.Restore(int(f.Fd()), old)
		}
	}
	var (
		mu        sync.Mutex
		leaving   bool // ~. or end of input: the close is ours
		inputDone = make(chan struct{})
	)
	go func() {
		defer close(inputDone)
		esc := escaper{atLineStart: true}
		buf := make([]byte, 1024)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				out, quit := esc.filter(buf[:n])
				if len(out) > 0 {
					if _, werr := rwc.Write(out); werr != nil {
						return
					}
				}
				if quit {
					mu.Lock()
					leaving = true
					mu.Unlock()
					rwc.Close()
					return
				}
			}
			if err != nil {
				// No more input: the write side is gone, as on the HMC.
				mu.Lock()
				leaving = true
				mu.Unlock()
				fmt.Fprint(r.io.Stderr, "\r\nThe write socket has closed. Exiting.\r\n")
				rwc.Close()
				return
			}
		}
	}()
	_, err = io.Copy(r.io.Stdout, rwc)
	mu.Lock()
	ours := leaving
	mu.Unlock()
	if ours {
		fmt.Fprint(r.io.Stdout, "\r\n")
		return nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return &exitError{code: 5, msg: fmt.Sprintf("\r\n%s: the connection to the console was lost: %v", r.name, err)}
	}
	return nil
}

// escaper finds the ~. that ends a session: a '~' at the start of a line
// (after Enter, or first) followed by '.'; "~~" sends one '~'.
type escaper struct {
	atLineStart bool
	tilde       bool
}

func (e *escaper) filter(in []byte) (out []byte, quit bool) {
	for _, b := range in {
		if e.tilde {
			e.tilde = false
			switch b {
			case '.':
				return out, true
			case '~':
				out = append(out, '~')
				e.atLineStart = false
				continue
			default:
				out = append(out, '~')
			}
		} else if b == '~' && e.atLineStart {
			e.tilde = true
			continue
		}
		out = append(out, b)
		e.atLineStart = b == '\r' || b == '\n'
	}
	return out, false
}
