package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/novalink-project/novalink/internal/rest"
)

// runREST is the pvm-rest service: the HTTP and HTTPS listeners of the
// REST API, forwarding every request to pvm-core's socket. It holds no
// state: stopping it takes the API down while pvm-core (the simulated
// server, its jobs and backups) runs on; when pvm-core is down it answers
// 503 with an HttpErrorResponse and forwards again once the core is back.
func runREST(o *options, log *slog.Logger, stdout io.Writer, w *waiter) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// pvm-rest owns the clients' connections: it guards them as the REST
	// server does in one process (timeouts, stalled bodies, the cap on
	// unauthenticated connections).
	guard := rest.NewConnGuard(o.maxUnauth)
	front := guard.Front(newForwarder(o.coreSocket, log), o.stallTimeout, o.eventWait+4*o.stallTimeout)
	ls, err := listenREST(ctx, o, func(hs *http.Server) { guard.Configure(hs); hs.Handler = front }, log, nil)
	if err != nil {
		return err
	}
	log.Info("pvmd started", "role", o.role, "http", ls.http, "https", ls.https, "core", o.coreSocket)
	fmt.Fprintf(stdout, "pvmd ready %s\n", ls.ready())
	notifyReady(log)
	w.wait(ls.errc)
	notifyStopping()
	cancel() // ends forwarded event polls
	ls.shutdown()
	log.Info("pvmd stopped")
	return nil
}

// newForwarder proxies requests to the core's socket, naming the client
// (address, TLS, local user) in the forwarding headers.
func newForwarder(socket string, log *slog.Logger) http.Handler {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = "pvm-core"
			pr.Out.Host = pr.In.Host // absolute links name the host the client used
			rest.PeerOf(pr.In).SetHeaders(pr.Out.Header)
		},
		Transport:     tr,
		FlushInterval: -1, // stream (event polls, downloads) as the core writes
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the client went away
			}
			log.Warn("pvm-core cannot be reached", "method", r.Method, "path", r.URL.Path, "err", err)
			rest.WriteServiceError(w, r, http.StatusServiceUnavailable,
				"[PVME01040111-0055] The PowerVM core service is not available (is pvm-core running?).")
		},
	}
	return p
}
