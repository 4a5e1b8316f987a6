package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/novalink-project/novalink/internal/rest"
)

// newHTTPServer is the one place the settings of pvmd's HTTP servers live
// (the HTTP and HTTPS listeners, whether they serve the core's handler in
// one process or pvm-rest's forwarding, and pvm-core's socket).
func newHTTPServer(ctx context.Context, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, BaseContext: func(ln net.Listener) context.Context { return rest.ListenerContext(ctx, ln) },
		ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// listeners are the servers a pvmd process runs.
type listeners struct {
	servers []*http.Server
	polls   []*rest.PollListener // drained at shutdown
	errc    chan error           // a server that stopped on its own
	http    string               // HTTP address ("" when none)
	https   string               // HTTPS address ("off" when disabled)
}

func (l *listeners) serve(s *http.Server, ln net.Listener) {
	if !slices.Contains(l.servers, s) { // one server may serve several listeners
		l.servers = append(l.servers, s)
		// Connections that never sent a request (a client's transport may
		// dial one it ends up not using) would hold Shutdown for 5 s: they
		// are closed as soon as it starts, once the listeners are closed.
		// The server's own hook (the connection guard's) still runs.
		fresh := &freshConns{m: map[net.Conn]struct{}{}}
		if prev := s.ConnState; prev != nil {
			s.ConnState = func(c net.Conn, st http.ConnState) { fresh.track(c, st); prev(c, st) }
		} else {
			s.ConnState = fresh.track
		}
		s.RegisterOnShutdown(fresh.closeAll)
	}
	if pl, ok := ln.(*rest.PollListener); ok {
		l.polls = append(l.polls, pl)
	}
	go func() { l.errc <- s.Serve(ln) }()
}

// freshConns are the connections of a server that have not sent a
// request yet.
type freshConns struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, s http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s == http.StateNew {
		f.m[c] = struct{}{}
	} else {
		delete(f.m, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.m {
		c.Close()
		delete(f.m, c)
	}
}

// ready is the ready line's addresses.
func (l *listeners) ready() string { return fmt.Sprintf("http=%s https=%s", l.http, l.https) }

// shutdown stops the servers, letting requests in flight finish and the
// parked event polls, which closing the listeners answers, be written (up
// to 10 s in all).
func (l *listeners) shutdown() {
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	for _, s := range l.servers {
		_ = s.Shutdown(sctx) // past the deadline the connections are dropped: nothing more to do
	}
	for _, pl := range l.polls {
		_ = pl.Drain(sctx)
	}
}

// close stops the servers at once: the listeners close and open
// connections are cut (a fleet system's API taken down).
func (l *listeners) close() {
	for _, s := range l.servers {
		_ = s.Close()
	}
}

// restSockets are the HTTP and HTTPS listening sockets, opened before
// pvmd writes anything so that a port in use stops it first.
type restSockets struct {
	hl  net.Listener   // HTTP (loopback)
	tls []net.Listener // HTTPS, one per address; none: no HTTPS
}

// openREST opens the HTTP listener (loopback only) and, unless
// --https-addr is empty, the HTTPS ones (one per comma-separated address).
func openREST(o *options) (*restSockets, error) {
	return openSockets(o.httpAddr, o.httpsAddr)
}

// openSockets opens the HTTP listener on httpAddr (loopback only) and the
// HTTPS ones on the comma-separated httpsAddrs (none when empty).
func openSockets(httpAddr, httpsAddrs string) (*restSockets, error) {
	if err := checkLoopback(httpAddr); err != nil {
		return nil, err
	}
	hl, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTP listener: %w", err)
	}
	s := &restSockets{hl: hl}
	if httpsAddrs != "" {
		for _, addr := range strings.Split(httpsAddrs, ",") {
			tl, err := net.Listen("tcp", strings.TrimSpace(addr))
			if err != nil {
				s.close()
				return nil, fmt.Errorf("HTTPS listener %s: %w", addr, err)
			}
			s.tls = append(s.tls, tl)
		}
	}
	return s, nil
}

// close closes sockets no server took (a server closes its own).
func (s *restSockets) close() {
	if s.hl != nil {
		s.hl.Close()
	}
	for _, t := range s.tls {
		t.Close()
	}
	s.hl, s.tls = nil, nil
}

// listenREST serves on the HTTP listener and, unless --https-addr is
// empty, the HTTPS ones: socks when opened already, else opened here;
// their servers set up by configure (handler, timeouts, connection hooks).
func listenREST(ctx context.Context, o *options, configure func(*http.Server), log *slog.Logger, socks *restSockets) (*listeners, error) {
	if socks == nil {
		var err error
		if socks, err = openREST(o); err != nil {
			return nil, err
		}
	}
	var tlsConf *tls.Config
	if len(socks.tls) > 0 {
		cert, err := rest.LoadOrCreateCertificate(o.tlsDir)
		if err != nil {
			socks.close()
			return nil, fmt.Errorf("HTTPS certificate: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return serveSockets(ctx, socks, tlsConf, configure, log), nil
}

// serveSockets serves socks (which it takes), HTTPS with tlsConf.
func serveSockets(ctx context.Context, socks *restSockets, tlsConf *tls.Config, configure func(*http.Server), log *slog.Logger) *listeners {
	hl, tlns := socks.hl, socks.tls
	socks.hl, socks.tls = nil, nil // the servers have them now
	// An entry's answer leaves its connection in one write (rest.HoldingListener).
	hl = rest.HoldingListener(hl)
	for i := range tlns {
		tlns[i] = rest.HoldingListener(tlns[i])
	}
	l := &listeners{errc: make(chan error, 1+len(tlns)), https: "off"}
	if len(tlns) > 0 {
		shown := make([]string, len(tlns))
		for i, tl := range tlns {
			shown[i] = tl.Addr().String()
		}
		l.https = strings.Join(shown, ",")
	}
	l.http = hl.Addr().String()
	// The REST listeners are PollListeners: an event poll waiting on one
	// of their connections is parked (rest.PollListener). TLS is theirs
	// to wrap, beneath them (what ServeTLS would do: HTTP/2 and HTTP/1.1
	// offered).
	hs := newHTTPServer(ctx, nil, log)
	configure(hs)
	l.serve(hs, rest.NewPollListener(hl))
	if len(tlns) > 0 {
		ts := newHTTPServer(ctx, nil, log)
		configure(ts)
		conf := tlsConf.Clone()
		conf.NextProtos = []string{"h2", "http/1.1"}
		ts.TLSConfig = conf
		for _, tl := range tlns {
			l.serve(ts, rest.NewPollListener(tls.NewListener(tl, conf)))
		}
	}
	return l
}

// listenCore serves h on pvm-core's unix socket, made readable and
// writable by pvmd's own user only (the requests on it are trusted to name
// their client, see rest.Forwarded). A socket file left by a core that
// died is replaced; one that answers is another core running, an error.
func listenCore(ctx context.Context, path string, h http.Handler, log *slog.Logger) (*listeners, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("--core-socket %s: another pvm-core is serving it", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--core-socket: %w", err)
	}
	old := syscall.Umask(0o177) // the socket is made 0600 from the start
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("--core-socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	l := &listeners{errc: make(chan error, 1)}
	l.serve(newHTTPServer(ctx, h, log), ln)
	return l, nil
}

// waiter waits for the end: SIGTERM or SIGINT, or a listener that failed.
// SIGHUP reopens the log file (logrotate's postrotate sends it).
type waiter struct {
	sig chan os.Signal
	log *slog.Logger
	out *logSink
}

func (w *waiter) wait(errc <-chan error) {
	for {
		select {
		case s := <-w.sig:
			if s == syscall.SIGHUP {
				if err := w.out.Reopen(); err != nil {
					w.log.Error("reopen the log file", "err", err)
				} else {
					w.log.Info("log file reopened")
				}
				continue
			}
			w.log.Info("shutting down", "signal", s.String())
			return
		case err := <-errc:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				w.log.Error("listener failed", "err", err)
			}
			return
		}
	}
}

// notifyReady tells systemd (Type=notify units) that the service is ready:
// `systemctl start pvm-core` returns once the socket is served, so that
// pvm-rest, ordered after it, finds it. Without NOTIFY_SOCKET it does nothing.
func notifyReady(log *slog.Logger) {
	if _, err := sddaemon.SdNotify(false, sddaemon.SdNotifyReady); err != nil {
		log.Warn("cannot notify systemd", "err", err)
	}
}

func notifyStopping() { _, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyStopping) }
