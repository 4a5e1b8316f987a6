// Package daemon is pvmd: it opens the core on a state directory, creates
// the padmin account, serves the REST API on the HTTP (loopback) and HTTPS
// listeners, prints the ready line and stops cleanly on SIGTERM. With
// --role core or --role rest it is one of NovaLink's two services,
// pvm-core and pvm-rest, talking over a local socket (front.go).
package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	// defaultCoreSocket is pvm-core's socket with the default --state-dir
	// (systemd makes /run/pvm for both services).
	defaultCoreSocket = "/run/pvm/pvm-core.sock"
)

// Roles: pvmd is the whole daemon in one process (all, the development
// default), or one of the two services of a NovaLink partition: pvm-core
// (the core, the simulated server, backups and the REST handler, served on
// a local socket) and pvm-rest (the HTTP and HTTPS listeners, forwarding
// every request to pvm-core's socket). See ARCHITECTURE.md.
const (
	roleAll  = "all"
	roleCore = "core"
	roleREST = "rest"
)

// options are pvmd's flags.
type options struct {
	role                   string
	stateDir               string
	httpAddr, httpsAddr    string
	timing                 string
	config                 string
	sessionDir, tlsDir     string
	sessionIdle, eventWait time.Duration
	logLevel               slog.Level
	logFile                string
	filesDir, backupDir    string
	hmcName, hmcMTMS       string
	coreSocket             string
	backupHourly           string
	procDir                string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("pvmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", roleAll, "what this process runs: all (core and REST listeners in one process), core (the pvm-core service) or rest (the pvm-rest service)")
	fs.StringVar(&o.stateDir, "state-dir", defaultStateDir, "directory of the durable state (state.db, TLS material, sessions)")
	fs.StringVar(&o.httpAddr, "http-addr", "127.0.0.1:12080", "HTTP listen address (loopback only; port 0 picks a free port)")
	fs.StringVar(&o.httpsAddr, "https-addr", ":12443", "HTTPS listen address (port 0 picks a free port; empty disables HTTPS)")
	fs.StringVar(&o.timing, "timing", "realistic", "timing profile of the simulated server: fast or realistic")
	fs.StringVar(&o.config, "config", "", "JSON inventory for a fresh state directory (default: the built-in NovaLink layout)")
	fs.StringVar(&o.sessionDir, "session-dir", "", "directory for local-logon session files (default <state-dir>/sessions)")
	fs.StringVar(&o.tlsDir, "tls-dir", "", "directory of the HTTPS certificate and key (default <state-dir>/tls)")
	fs.DurationVar(&o.sessionIdle, "session-idle", 2*time.Hour, "a session expires after this long without requests")
	fs.DurationVar(&o.eventWait, "event-wait", 10*time.Second, "how long an event poll waits for an event")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&o.logFile, "log-file", "", "also append the log to this file (reopened on SIGHUP, for logrotate); the log always goes to stderr")
	fs.StringVar(&o.filesDir, "files-dir", "", "directory of uploaded files and the contents of virtual media and disks (default <state-dir>/files)")
	fs.StringVar(&o.backupDir, "backup-dir", "", "base directory of the hourly and daily backups, kept in <backup-dir>/<MTMS>/ (default /var/backups/pvm with the default --state-dir, else <state-dir>/backups)")
	fs.StringVar(&o.hmcName, "hmc-name", "hmc1", "name of the HMC that co-manages the system (account hscroot)")
	fs.StringVar(&o.hmcMTMS, "hmc-mtms", "7042-CR9*21F2D0A", "machine type, model and serial of that HMC")
	fs.StringVar(&o.coreSocket, "core-socket", "", "pvm-core's socket, between --role core and --role rest (default "+defaultCoreSocket+" with the default --state-dir, else <state-dir>/pvm-core.sock)")
	fs.StringVar(&o.backupHourly, "backup-hourly", "", `schedule of the "hourly" backup instead of "15 * * * *": another cron line, or a period such as 10s (to watch backups happen)`)
	fs.StringVar(&o.procDir, "proc-dir", "", "directory where the NovaLink partition's /proc/ppc64/lparcfg and /proc/cpuinfo are written for clients on another machine (default <state-dir>/proc)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch o.role {
	case roleAll, roleCore, roleREST:
	default:
		return nil, fmt.Errorf("--role %q: must be all, core or rest", o.role)
	}
	if err := o.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	if o.sessionDir == "" {
		o.sessionDir = filepath.Join(o.stateDir, "sessions")
	}
	if o.tlsDir == "" {
		o.tlsDir = filepath.Join(o.stateDir, "tls")
	}
	if o.filesDir == "" {
		o.filesDir = filepath.Join(o.stateDir, "files")
	}
	if o.backupDir == "" {
		o.backupDir = filepath.Join(o.stateDir, "backups")
		if filepath.Clean(o.stateDir) == defaultStateDir {
			o.backupDir = defaultBackupDir
		}
	}
	if o.procDir == "" {
		o.procDir = filepath.Join(o.stateDir, "proc")
	}
	if o.coreSocket == "" {
		o.coreSocket = filepath.Join(o.stateDir, "pvm-core.sock")
		if filepath.Clean(o.stateDir) == defaultStateDir {
			o.coreSocket = defaultCoreSocket
		}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	out, err := openLogSink(o.logFile, stderr)
	if err != nil {
		return err
	}
	defer out.Close()
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: o.logLevel}))
	if o.role != roleAll {
		log = log.With("service", "pvm-"+o.role)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sig)
	w := &waiter{sig: sig, log: log, out: out}
	switch o.role {
	case roleREST:
		return runREST(o, log, stdout, w)
	default:
		return runCore(o, log, stdout, stderr, w)
	}
}

// runCore runs the core: alone (role core, its REST handler served on the
// core socket) or with the HTTP and HTTPS listeners (role all).
func runCore(o *options, log *slog.Logger, stdout, stderr io.Writer, w *waiter) error {
	prof, err := sim.ProfileByName(o.timing)
	if err != nil {
		return err
	}
	if o.role == roleAll {
		if err := checkLoopback(o.httpAddr); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.stateDir, 0o750); err != nil {
		return err
	}
	var inv *core.Inventory
	if o.config != "" {
		if inv, err = core.LoadInventory(o.config); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.backupDir, 0o750); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	c, err := core.Open(core.Config{StatePath: filepath.Join(o.stateDir, "state.db"), Timing: prof, Inventory: inv, Logger: log,
		FilesDir: o.filesDir, BackupDir: o.backupDir, HMCName: o.hmcName, HMCMTMS: o.hmcMTMS})
	if err != nil {
		return err
	}
	defer c.Close()
	// padmin administers NovaLink; hscroot is the account of the HMC that
	// co-manages the system.
	if err := ensureAccount(c, "padmin", core.RoleAdmin, "PVMD_ADMIN_PASSWORD", o.stateDir, log, stderr); err != nil {
		return err
	}
	if err := ensureAccount(c, "hscroot", core.RoleHMC, "PVMD_HMC_PASSWORD", o.stateDir, log, stderr); err != nil {
		return err
	}

	if err := writeProcFiles(c, o.procDir); err != nil {
		return err
	}

	backups, err := newBackups(c, log, nil, o.backupHourly)
	if err != nil {
		return err
	}
	backups.Start()
	stopBackups := sync.OnceValue(backups.Stop) // stopped once: on the way out, or at shutdown below
	defer stopBackups()

	srv := rest.New(c, rest.Config{SessionDir: o.sessionDir, SessionIdle: o.sessionIdle, EventWait: o.eventWait, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ls *listeners
	var ready string
	if o.role == roleCore {
		ls, err = listenCore(ctx, o.coreSocket, rest.Forwarded(srv), log)
		if err != nil {
			return err
		}
		ready = "core=" + o.coreSocket
	} else {
		ls, err = listenREST(ctx, o, srv, log)
		if err != nil {
			return err
		}
		ready = ls.ready()
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
	log.Info("pvmd started", "role", o.role, "system", sys.Name, "mtms", sys.MTMS(), "timing", prof.Name, "state", o.stateDir, "backups", c.BackupDir())
	fmt.Fprintf(stdout, "pvmd ready %s\n", ready)
	notifyReady(log)

	w.wait(ls.errc)
	notifyStopping()
	cancel() // ends waiting event polls
	if err := stopBackups(); err != nil {
		log.Warn("backup schedule stopped", "err", err)
	}
	ls.shutdown()
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
