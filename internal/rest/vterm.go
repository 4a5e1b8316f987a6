package rest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Virtual terminals over the REST port. A terminal (mkvterm, or the VNC
// server of mkvtermutil) opens a partition's console with
//
//	GET /rest/api/web/VirtualTerminal/{partition uuid}
//	Connection: Upgrade
//	Upgrade: pvm-vterm
//	X-API-Session: <token>              (local or password session, as every route)
//	X-PVM-Vterm-Kind: tty | vnc          who holds the console
//	X-PVM-Vterm-PID: <pid>               the holder's process
//	X-PVM-Vterm-Port: <port>             the VNC port (vnc)
//	X-PVM-Vterm-Codepage: <nnn>          IBM i console code page (optional)
//
// and, on 101 Switching Protocols, the connection carries the console's
// bytes both ways: what the partition prints one way, what is typed the
// other. The server closes it when the session ends (CloseVterm, the
// partition deleted, pvmd stopping), after a last line saying why. A
// console already in use answers 409 with the holder in the same X-PVM-Vterm
// headers; an unknown partition 404; a user who may only read 409 (refused),
// as for any change. The CloseVterm job of LogicalPartition and
// VirtualIOServer ends an open session from anywhere.

// VtermProtocol is the Upgrade token of a virtual terminal stream.
const VtermProtocol = "pvm-vterm"

// Headers of the virtual terminal stream.
const (
	hdrVtermKind     = "X-PVM-Vterm-Kind"
	hdrVtermPID      = "X-PVM-Vterm-PID"
	hdrVtermPort     = "X-PVM-Vterm-Port"
	hdrVtermCodepage = "X-PVM-Vterm-Codepage"
)

// vtermWriteTimeout bounds one write to a terminal that stopped reading.
const vtermWriteTimeout = 30 * time.Second

func init() {
	for _, g := range []string{"LogicalPartition", "VirtualIOServer"} {
		if restJobs[g] == nil {
			restJobs[g] = map[string]restJob{}
		}
		restJobs[g]["CloseVterm"] = restJob{params: nil, run: runCloseVterm}
	}
}

func (s *Server) vtermRoutes(m *http.ServeMux, auth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	m.HandleFunc("GET /rest/api/web/VirtualTerminal/{id}", auth(s.handleVterm))
}

// runCloseVterm is the CloseVterm job: it ends the partition's open
// console session, if any (none open is not an error: pypowervm closes
// the console of every partition it deletes).
func runCloseVterm(s *Server, a core.Actor, r core.JobRequest) (*core.Job, error) {
	was, err := s.core.CloseConsole(a, r.TargetUUID)
	if err != nil {
		return nil, err
	}
	job, err := s.core.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	msg := "no virtual terminal was open"
	if was {
		msg = "the virtual terminal was closed"
	}
	s.core.FinishJob(job, core.JobOK, "", core.Param{Name: "result", Value: msg})
	return job, nil
}

// parseHolder reads who opens the console from the request headers.
func parseHolder(h http.Header) (sim.Holder, error) {
	var ho sim.Holder
	switch k := strings.ToLower(strings.TrimSpace(h.Get(hdrVtermKind))); k {
	case "", sim.HolderTerminal:
		ho.Kind = sim.HolderTerminal
	case sim.HolderVNC:
		ho.Kind = sim.HolderVNC
	default:
		return ho, errStatus(http.StatusBadRequest, "%s must be %s or %s, not %q.", hdrVtermKind, sim.HolderTerminal, sim.HolderVNC, k)
	}
	num := func(name string, max int) (int, error) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > max {
			return 0, errStatus(http.StatusBadRequest, "%s must be a number from 0 to %d, not %q.", name, max, v)
		}
		return n, nil
	}
	var err error
	if ho.PID, err = num(hdrVtermPID, 1<<31-1); err != nil {
		return ho, err
	}
	if ho.Port, err = num(hdrVtermPort, 65535); err != nil {
		return ho, err
	}
	if ho.Kind == sim.HolderVNC && ho.Port == 0 {
		return ho, errStatus(http.StatusBadRequest, "A VNC holder (%s: vnc) needs %s: the port it serves the console on.", hdrVtermKind, hdrVtermPort)
	}
	if cp := strings.TrimSpace(h.Get(hdrVtermCodepage)); cp != "" {
		if len(cp) > 5 || strings.Trim(cp, "0123456789") != "" {
			return ho, errStatus(http.StatusBadRequest, "%s must be a code page number such as 037, not %q.", hdrVtermCodepage, cp)
		}
		ho.Codepage = cp
	}
	return ho, nil
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// handleVterm serves GET /rest/api/web/VirtualTerminal/{uuid}: the
// console of a partition as an upgraded stream.
func (s *Server) handleVterm(w http.ResponseWriter, r *http.Request, a core.Actor) {
	uuid := strings.ToUpper(r.PathValue("id"))
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", VtermProtocol) {
		s.writeError(w, r, errStatus(http.StatusBadRequest,
			"A virtual terminal is a stream: send Connection: Upgrade and Upgrade: %s (mkvterm does).", VtermProtocol), nil)
		return
	}
	if r.ProtoMajor != 1 {
		s.writeError(w, r, errStatus(http.StatusHTTPVersionNotSupported, "A virtual terminal needs HTTP/1.1 (it upgrades the connection)."), nil)
		return
	}
	ho, err := parseHolder(r.Header)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	sess, err := s.core.OpenConsole(a, uuid, ho)
	var busy *sim.ErrConsoleInUse
	switch {
	case errors.As(err, &busy):
		h := w.Header()
		h.Set(hdrVtermKind, busy.Holder.Kind)
		h.Set(hdrVtermPID, strconv.Itoa(busy.Holder.PID))
		if busy.Holder.Port != 0 {
			h.Set(hdrVtermPort, strconv.Itoa(busy.Holder.Port))
		}
		if busy.Holder.Codepage != "" {
			h.Set(hdrVtermCodepage, busy.Holder.Codepage)
		}
		s.writeError(w, r, &httpError{status: http.StatusConflict, msg: "[PVME01050901-0001] " + busy.Error() +
			" A partition can only have one open virtual terminal session at a time."}, nil)
		return
	case model.KindOf(err) == model.KindNotFound:
		s.writeError(w, r, model.ErrNoObject("LogicalPartition", uuid), nil)
		return
	case err != nil:
		s.writeError(w, r, err, nil)
		return
	}
	s.streams.Add(1)
	defer s.streams.Done()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		sess.Close()
		s.writeError(w, r, errStatus(http.StatusHTTPVersionNotSupported, "The connection cannot be switched to a virtual terminal: %v", err), nil)
		return
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		sess.Close()
		conn.Close()
		return
	}
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\nConnection: Upgrade\r\nX-MC-Type: PVM\r\n\r\n", VtermProtocol)
	if err := brw.Flush(); err != nil {
		sess.Close()
		conn.Close()
		return
	}
	pumpVterm(conn, brw.Reader, sess)
}

// pumpVterm copies the console to the connection and what comes from the
// connection to the console until either side ends; both directions are
// done when it returns.
func pumpVterm(conn net.Conn, in io.Reader, sess *sim.Session) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				if _, werr := sess.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		// The terminal went away (or the session ended): detach.
		sess.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := sess.Read(buf)
		if n > 0 {
			werr := conn.SetWriteDeadline(time.Now().Add(vtermWriteTimeout))
			if werr == nil {
				_, werr = conn.Write(buf[:n])
			}
			if werr != nil {
				sess.Close()
				break
			}
		}
		if err != nil {
			break
		}
	}
	conn.Close()
	wg.Wait()
}

// WaitStreams waits up to d for the virtual terminal streams to end (pvmd
// calls it after closing the core, which ends their sessions, so that
// each terminal gets its last line); it reports whether they all did.
func (s *Server) WaitStreams(d time.Duration) bool {
	done := make(chan struct{})
	go func() { s.streams.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
