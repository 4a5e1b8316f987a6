// Package daemon is pvmd: it opens the core on a state directory, creates
// the padmin account, serves the REST API on the HTTP (loopback) and HTTPS
// listeners, prints the ready line and stops cleanly on SIGTERM.
package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
)

// Main runs pvmd with args (without the program name) and returns its exit
// status.
func Main(args []string, stdout, stderr io.Writer) int {
	if err := run(args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "pvmd:", err)
		return 1
	}
	return 0
}

// The default directories of a NovaLink partition.
const (
	defaultStateDir  = "/var/lib/pvm"
	defaultBackupDir = "/var/backups/pvm"
)

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pvmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", defaultStateDir, "directory of the durable state (state.db, TLS material, sessions)")
	httpAddr := fs.String("http-addr", "127.0.0.1:12080", "HTTP listen address (loopback only; port 0 picks a free port)")
	httpsAddr := fs.String("https-addr", ":12443", "HTTPS listen address (port 0 picks a free port; empty disables HTTPS)")
	timing := fs.String("timing", "realistic", "timing profile of the simulated server: fast or realistic")
	config := fs.String("config", "", "JSON inventory for a fresh state directory (default: the built-in NovaLink layout)")
	sessionDir := fs.String("session-dir", "", "directory for local-logon session files (default <state-dir>/sessions)")
	tlsDir := fs.String("tls-dir", "", "directory of the HTTPS certificate and key (default <state-dir>/tls)")
	sessionIdle := fs.Duration("session-idle", 2*time.Hour, "a session expires after this long without requests")
	eventWait := fs.Duration("event-wait", 10*time.Second, "how long an event poll waits for an event")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	filesDir := fs.String("files-dir", "", "directory of uploaded files and the contents of virtual media and disks (default <state-dir>/files)")
	backupDir := fs.String("backup-dir", "", "base directory of the hourly and daily backups, kept in <backup-dir>/<MTMS>/ (default /var/backups/pvm with the default --state-dir, else <state-dir>/backups)")
	hmcName := fs.String("hmc-name", "hmc1", "name of the HMC that co-manages the system (account hscroot)")
	hmcMTMS := fs.String("hmc-mtms", "7042-CR9*21F2D0A", "machine type, model and serial of that HMC")
	procDir := fs.String("proc-dir", "", "directory where the NovaLink partition's /proc/ppc64/lparcfg and /proc/cpuinfo are written for clients on another machine (default <state-dir>/proc)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	prof, err := sim.ProfileByName(*timing)
	if err != nil {
		return err
	}
	if err := checkLoopback(*httpAddr); err != nil {
		return err
	}
	if *sessionDir == "" {
		*sessionDir = filepath.Join(*stateDir, "sessions")
	}
	if *tlsDir == "" {
		*tlsDir = filepath.Join(*stateDir, "tls")
	}
	if err := os.MkdirAll(*stateDir, 0o750); err != nil {
		return err
	}
	var inv *core.Inventory
	if *config != "" {
		if inv, err = core.LoadInventory(*config); err != nil {
			return err
		}
	}
	if *filesDir == "" {
		*filesDir = filepath.Join(*stateDir, "files")
	}
	if *procDir == "" {
		*procDir = filepath.Join(*stateDir, "proc")
	}
	if *backupDir == "" {
		*backupDir = filepath.Join(*stateDir, "backups")
		if filepath.Clean(*stateDir) == defaultStateDir {
			*backupDir = defaultBackupDir
		}
	}
	if err := os.MkdirAll(*backupDir, 0o750); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	c, err := core.Open(core.Config{StatePath: filepath.Join(*stateDir, "state.db"), Timing: prof, Inventory: inv, Logger: log,
		FilesDir: *filesDir, BackupDir: *backupDir, HMCName: *hmcName, HMCMTMS: *hmcMTMS})
	if err != nil {
		return err
	}
	defer c.Close()
	// padmin administers NovaLink; hscroot is the account of the HMC that
	// co-manages the system.
	if err := ensureAccount(c, "padmin", core.RoleAdmin, "PVMD_ADMIN_PASSWORD", *stateDir, log, stderr); err != nil {
		return err
	}
	if err := ensureAccount(c, "hscroot", core.RoleHMC, "PVMD_HMC_PASSWORD", *stateDir, log, stderr); err != nil {
		return err
	}

	if err := writeProcFiles(c, *procDir); err != nil {
		return err
	}

	backups, err := newBackups(c, log, nil)
	if err != nil {
		return err
	}
	backups.Start()
	stopBackups := sync.OnceValue(backups.Stop) // stopped once: on the way out, or at shutdown below
	defer stopBackups()

	srv := rest.New(c, rest.Config{SessionDir: *sessionDir, SessionIdle: *sessionIdle, EventWait: *eventWait, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := func(net.Listener) context.Context { return ctx }
	var servers []*http.Server

	hl, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("HTTP listener: %w", err)
	}
	hs := &http.Server{Handler: srv, BaseContext: base, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	servers = append(servers, hs)
	httpsShown := "off"
	var tl net.Listener
	if *httpsAddr != "" {
		cert, err := rest.LoadOrCreateCertificate(*tlsDir)
		if err != nil {
			return fmt.Errorf("HTTPS certificate: %w", err)
		}
		tl, err = net.Listen("tcp", *httpsAddr)
		if err != nil {
			hl.Close()
			return fmt.Errorf("HTTPS listener: %w", err)
		}
		httpsShown = tl.Addr().String()
		ts := &http.Server{Handler: srv, BaseContext: base, ReadHeaderTimeout: 30 * time.Second,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			ErrorLog:  slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		servers = append(servers, ts)
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(hl) }()
	if tl != nil {
		go func() { errc <- servers[1].ServeTLS(tl, "", "") }()
	}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				srv.SweepSessions()
			}
		}
	}()
	sys := c.System()
	log.Info("pvmd started", "system", sys.Name, "mtms", sys.MTMS(), "timing", prof.Name, "state", *stateDir, "backups", c.BackupDir())
	fmt.Fprintf(stdout, "pvmd ready http=%s https=%s\n", hl.Addr(), httpsShown)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("listener failed", "err", err)
		}
	}
	cancel() // ends waiting event polls
	if err := stopBackups(); err != nil {
		log.Warn("backup schedule stopped", "err", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	for _, s := range servers {
		s.Shutdown(sctx)
	}
	if err := c.Close(); err != nil {
		return err
	}
	log.Info("pvmd stopped")
	return nil
}

// checkLoopback refuses a plain-HTTP address that is not loopback: local
// logon and clear-text sessions must never leave the host.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http-addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--http-addr %q: plain HTTP is served on loopback only (127.0.0.1 or ::1)", addr)
	}
	return nil
}

// ensureAccount creates an account on first start: with the password in
// the environment variable env, or a generated one written to
// <state-dir>/<user>.password (0600).
func ensureAccount(c *core.Core, user, role, env, stateDir string, log *slog.Logger, stderr io.Writer) error {
	pw := os.Getenv(env)
	gen, created, err := c.EnsureUser(user, role, pw)
	if err != nil {
		return fmt.Errorf("create the %s account: %w", user, err)
	}
	if !created {
		return nil
	}
	if gen != "" {
		path := filepath.Join(stateDir, user+".password")
		if err := os.WriteFile(path, []byte(gen+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "pvmd: created user %s (role %s) with password %s (also in %s)\n", user, role, gen, path)
		return nil
	}
	log.Info("created user from "+env, "user", user, "role", role)
	return nil
}
