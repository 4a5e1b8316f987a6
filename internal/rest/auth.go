package rest

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// session is a logged-on client.
type session struct {
	token    string
	user     string
	role     string
	local    bool
	file     string // session file of a local logon
	lastUsed time.Time
}

// sessions is the table of live sessions. A session expires after idle
// time without a request.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	idle time.Duration
	now  func() time.Time
}

func newToken() string {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (ss *sessions) add(s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.lastUsed = ss.now()
	ss.m[s.token] = s
}

// get returns the live session for a token and marks it used.
func (ss *sessions) get(token string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[token]
	if s == nil {
		return nil
	}
	now := ss.now()
	if ss.idle > 0 && now.Sub(s.lastUsed) > ss.idle {
		delete(ss.m, token)
		removeSessionFile(s)
		return nil
	}
	s.lastUsed = now
	return s
}

func (ss *sessions) remove(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s := ss.m[token]; s != nil {
		removeSessionFile(s)
	}
	delete(ss.m, token)
}

// sweep drops expired sessions.
func (ss *sessions) sweep() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, s := range ss.m {
		if ss.idle > 0 && now.Sub(s.lastUsed) > ss.idle {
			removeSessionFile(s)
			delete(ss.m, k)
		}
	}
}

func removeSessionFile(s *session) {
	if s.file != "" {
		os.Remove(s.file)
	}
}

// handleLogon serves PUT /rest/api/web/Logon: a password logon, or a local
// logon (GenerateX-API-SessionFile) that writes the token into a file only
// the requesting local user can read.
func (s *Server) handleLogon(w http.ResponseWriter, r *http.Request) {
	el, ok := readLogonRequest(w, r, s.writeError)
	if !ok {
		return
	}
	user, _ := el.FindText("UserID")
	password, hasPassword := el.FindText("Password")
	genFile, _ := el.FindText("GenerateX-API-SessionFile")
	sess := &session{token: newToken()}
	switch {
	case strings.EqualFold(genFile, "true"):
		if err := s.localLogon(r, sess); err != nil {
			s.log.Warn("local logon refused", "remote", r.RemoteAddr, "err", err)
			s.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: err.Error()}, nil)
			return
		}
		// The session belongs to the local user the socket belongs to; the
		// UserID a client sends (pypowervm makes one up) is only logged.
		if user != "" && user != sess.user {
			s.log.Info("local logon", "claimed", user, "user", sess.user)
		}
	case hasPassword:
		if d := s.throttle.wait(user, r.RemoteAddr); d > 0 {
			secs := int((d + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.log.Warn("logon throttled", "user", user, "remote", r.RemoteAddr, "wait", d.Round(time.Second))
			s.writeError(w, r, &httpError{status: http.StatusTooManyRequests,
				msg: fmt.Sprintf("[PVME01040110-0054] Too many failed logons for user %s from this address; try again in %d seconds.", user, secs)}, nil)
			return
		}
		u, err := s.core.Authenticate(user, password)
		if errors.Is(err, core.ErrLogonsBusy) {
			w.Header().Set("Retry-After", "2")
			s.writeError(w, r, err, nil)
			return
		}
		if err != nil {
			s.throttle.failed(user, r.RemoteAddr)
			s.log.Warn("logon failed", "user", user, "remote", r.RemoteAddr)
			s.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040110-0050] The user ID or password is not valid."}, nil)
			return
		}
		s.throttle.succeeded(user, r.RemoteAddr)
		sess.user, sess.role = u.Name, u.Role
		if u.Role == core.RoleHMC {
			// An HMC logged on: from now on the server is co-managed.
			if err := s.core.MarkCoManaged(); err != nil {
				s.log.Warn("cannot record that an HMC co-manages the system", "user", u.Name, "err", err)
			}
		}
	default:
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The LogonRequest needs a Password or GenerateX-API-SessionFile."), nil)
		return
	}
	s.sessions.add(sess)
	s.guard.authenticated(r)
	s.log.Info("logon", "user", sess.user, "role", sess.role, "local", sess.local, "remote", r.RemoteAddr)
	writeLogonResponse(w, sess)
}

// readLogonRequest reads and checks a LogonRequest body (or answers the
// error with werr).
func readLogonRequest(w http.ResponseWriter, r *http.Request, werr func(http.ResponseWriter, *http.Request, error, []byte)) (*uom.Element, bool) {
	body, err := readBodyMax(r, MaxLogonBody)
	if err != nil {
		werr(w, r, err, nil)
		return nil, false
	}
	if svc, typ, ok := uom.ParseMediaType(r.Header.Get("Content-Type")); !ok || svc != uom.ServiceWeb || typ != "LogonRequest" {
		werr(w, r, errStatus(http.StatusUnsupportedMediaType,
			"The content type %q is not accepted here; send %s.", r.Header.Get("Content-Type"), uom.MediaType(uom.ServiceWeb, "LogonRequest")), nil)
		return nil, false
	}
	el, err := decodeBody(body)
	if err != nil {
		werr(w, r, errStatus(http.StatusBadRequest, "The LogonRequest is not valid XML: %v", err), nil)
		return nil, false
	}
	if el.Local != "LogonRequest" || el.Space != uom.NSWeb {
		werr(w, r, errStatus(http.StatusBadRequest, "Expected a LogonRequest in namespace %s, got <%s>.", uom.NSWeb, el.Local), nil)
		return nil, false
	}
	for _, c := range el.Children {
		switch c.Local {
		case "Metadata", "UserID", "Password", "GenerateX-API-SessionFile":
		default:
			werr(w, r, errStatus(http.StatusBadRequest, "The LogonRequest has an unknown element <%s>.", c.Local), nil)
			return nil, false
		}
	}
	return el, true
}

// writeLogonResponse answers a logon with the session (its token, or for
// a local logon its file).
func writeLogonResponse(w http.ResponseWriter, sess *session) {
	resp := &uom.Element{Space: uom.NSWeb, Local: "LogonResponse",
		NSDecls: []uom.Attr{{Local: "", Value: uom.NSWeb}}, Attrs: []uom.Attr{{Local: "schemaVersion", Value: "V1_1_0"}}}
	resp.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
	attrs := []uom.Attr{{Local: "kb", Value: "ROR"}, {Local: "kxe", Value: "false"}}
	if sess.local {
		resp.Append(&uom.Element{Space: uom.NSWeb, Local: "X-API-SessionFile", Attrs: attrs, Text: sess.file})
	} else {
		resp.Append(&uom.Element{Space: uom.NSWeb, Local: "X-API-Session", Attrs: attrs, Text: sess.token})
	}
	w.Header().Set("Content-Type", uom.MediaType(uom.ServiceWeb, "LogonResponse"))
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"))
	w.Write(resp.Bytes())
}

// localLogon is allowed only on a loopback connection. The peer's local
// user is found from the kernel's socket table; root, pvmd's own user and
// members of group pvm_admin get the admin role, other users read only.
func (s *Server) localLogon(r *http.Request, sess *session) error {
	remote, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return fmt.Errorf("local logon: cannot tell the peer address")
	}
	ip := net.ParseIP(remote)
	if ip == nil || !ip.IsLoopback() || overTLS(r) && !s.cfg.LocalLogonOverTLS {
		return errors.New("[PVME01040111-0051] Local logon (GenerateX-API-SessionFile) is only accepted from this host over the local HTTP port.")
	}
	uid, name, known := peerUser(r)
	if !known {
		uid, name = os.Getuid(), currentUserName()
	}
	sess.local = true
	sess.user = name
	sess.role = core.RoleViewer
	if uid == 0 || uid == os.Getuid() || userInGroup(name, core.RoleAdmin) {
		sess.role = core.RoleAdmin
	}
	dir, err := userSessionDir(s.cfg.SessionDir, uid, name)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "session-")
	if err != nil {
		return fmt.Errorf("local logon: session file: %v", err)
	}
	name2 := f.Name()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(name2)
		return fmt.Errorf("local logon: session file: %v", err)
	}
	if os.Getuid() == 0 && uid != 0 {
		if err := f.Chown(uid, -1); err != nil {
			f.Close()
			os.Remove(name2)
			return fmt.Errorf("local logon: cannot give the session file to user %s: %v", name, err)
		}
	}
	if _, err := f.WriteString(sess.token + "\n"); err != nil {
		f.Close()
		os.Remove(name2)
		return fmt.Errorf("local logon: write session file: %v", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name2)
		return fmt.Errorf("local logon: write session file: %v", err)
	}
	abs, _ := filepath.Abs(name2)
	sess.file = abs
	return nil
}

// handleLogoff serves DELETE /rest/api/web/Logon.
func (s *Server) handleLogoff(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("X-API-Session")
	if tok == "" || s.sessions.get(tok) == nil {
		s.writeError(w, r, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0052] No valid session: log on first."}, nil)
		return
	}
	s.sessions.remove(tok)
	w.WriteHeader(http.StatusNoContent)
}

// authenticate returns the actor of a request's session, or writes 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (core.Actor, bool) {
	if via, ok := r.Context().Value(hmcCallerKey{}).(*hmcCaller); ok {
		// The fleet's HMC logged its caller on and passes the request on.
		a := s.core.ActorFor(via.user, via.role, via.session)
		r.SetPathValue(consoleKey, a.Console)
		r.SetPathValue(hmcViewKey, "1")
		return a, true
	}
	sess, err := s.session(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return core.Actor{}, false
	}
	a := s.core.ActorFor(sess.user, sess.role, sess.token)
	r.SetPathValue(consoleKey, a.Console)
	return a, true
}

// session returns the live session of a request's X-API-Session (and
// marks its connection authenticated), or the 401 to answer.
func (s *Server) session(r *http.Request) (*session, error) {
	tok := r.Header.Get("X-API-Session")
	if tok == "" {
		return nil, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0052] No valid session: the request has no X-API-Session header. Log on first."}
	}
	sess := s.sessions.get(tok)
	if sess == nil {
		return nil, &httpError{status: http.StatusUnauthorized, msg: "[PVME01040112-0053] The session is not valid or has expired. Log on again."}
	}
	s.guard.authenticated(r)
	return sess, nil
}

// consoleKey is the request value (r.PathValue) naming the console the
// caller works for; authenticate sets it.
const consoleKey = "pvm.console"

// hmcViewKey is set (r.PathValue) on requests the fleet's HMC passes on:
// what renders differently for an HMC (the ManagedSystem's partition
// links) does so.
const hmcViewKey = "pvm.hmcview"

// hmcCaller is who the fleet's HMC passes a request on for (the request
// context's value of hmcCallerKey; only the HMC, in the process, sets it).
type hmcCaller struct {
	user, role, session string
}

type hmcCallerKey struct{}

// consoleOf is the management console of an authenticated request's
// caller (NovaLink or HMC).
func consoleOf(r *http.Request) string {
	if c := r.PathValue(consoleKey); c != "" {
		return c
	}
	return model.ConsoleNovaLink
}

// userSessionDir returns the directory of a local user's session files,
// <session-dir>/<user>: owned by that user and mode 0700, in a session
// directory others may pass through (0711) but not list. Root's pvmd gives
// each user their own directory; a pvmd run by an ordinary user can make
// session files only for itself (and root, who reads anything).
func userSessionDir(base string, uid int, name string) (string, error) {
	if os.Getuid() != 0 && uid != os.Getuid() && uid != 0 {
		return "", fmt.Errorf("[PVME01040111-0054] pvmd runs as user %s and cannot make a session file only user %s can read: log on with a password, or run pvmd as root.",
			currentUserName(), name)
	}
	if err := os.MkdirAll(base, 0o711); err != nil {
		return "", fmt.Errorf("local logon: session directory: %v", err)
	}
	if err := os.Chmod(base, 0o711); err != nil {
		return "", fmt.Errorf("local logon: session directory: %v", err)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		name = strconv.Itoa(uid)
	}
	dir := filepath.Join(base, name)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("local logon: session directory: %v", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("local logon: session directory: %v", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("local logon: %s is not a directory", dir)
	}
	if os.Getuid() == 0 {
		if err := os.Lchown(dir, uid, -1); err != nil {
			return "", fmt.Errorf("local logon: cannot give %s to user %s: %v", dir, name, err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("local logon: session directory: %v", err)
	}
	return dir, nil
}
