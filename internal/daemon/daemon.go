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

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/version"
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

func run(args []string, stdout, stderr io.Writer) error { return runOr(args, stdout, stderr, nil) }

// runOr runs pvmd, or with describe only hands its flags to describe (the
// man page is made from them).
func runOr(args []string, stdout, stderr io.Writer, describe func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet("pvmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", defaultStateDir, "directory of the durable state (state.db, TLS material, sessions)")
	httpAddr := fs.String("http-addr", "127.0.0.1:12080", "HTTP listen address (loopback only; port 0 picks a free port)")
	httpsAddr := fs.String("https-addr", ":12443", "HTTPS listen address (port 0 picks a free port; empty disables HTTPS)")
	timing := fs.String("timing", "realistic", "timing profile of the simulated server: fast or realistic")
	config := fs.String("config", "", "JSON inventory to seed a fresh state directory with (see the README; refused when the state directory holds a server)")
	sessionDir := fs.String("session-dir", "", "directory for local-logon session files, each user's in <session-dir>/<user>/ (default <state-dir>/sessions)")
	tlsDir := fs.String("tls-dir", "", "directory of the HTTPS certificate and key (default <state-dir>/tls)")
	sessionIdle := fs.Duration("session-idle", 2*time.Hour, "a session expires after this long without requests")
	eventWait := fs.Duration("event-wait", 10*time.Second, "how long an event poll waits for an event")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	filesDir := fs.String("files-dir", "", "directory of uploaded files and the contents of virtual media and disks (default <state-dir>/files)")
	backupDir := fs.String("backup-dir", "", "base directory of the hourly and daily backups, kept in <backup-dir>/<MTMS>/ (default /var/backups/pvm with the default --state-dir, else <state-dir>/backups)")
	hmcName := fs.String("hmc-name", "hmc1", "name of the HMC that co-manages the system (account hscroot)")
	hmcMTMS := fs.String("hmc-mtms", "7042-CR9*21F2D0A", "machine type, model and serial of that HMC")
	procDir := fs.String("proc-dir", "", "directory where the NovaLink partition's /proc/ppc64/lparcfg and /proc/cpuinfo are written for clients on another machine (default <state-dir>/proc)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if describe != nil {
		describe(fs)
		return nil
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.String("pvmd"))
		return nil
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
	// Listen first: a port in use is refused before anything is written
	// (a fresh state directory would otherwise be seeded for nothing).
	hl, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("HTTP listener: %w", err)
	}
	defer hl.Close()
	var tl net.Listener
	if *httpsAddr != "" {
		if tl, err = net.Listen("tcp", *httpsAddr); err != nil {
			return fmt.Errorf("HTTPS listener: %w", err)
		}
		defer tl.Close()
	}
	if *sessionDir == "" {
		*sessionDir = filepath.Join(*stateDir, "sessions")
	}
	if *tlsDir == "" {
		*tlsDir = filepath.Join(*stateDir, "tls")
	}
	// The state directory lets others pass (not list): local users reach
	// their own session directory in it; everything else in it has its
	// own owner-only mode.
	if err := os.MkdirAll(*stateDir, 0o711); err != nil {
		return err
	}
	openStateDir(*stateDir, *sessionDir, log)
	checkSessionReach(*sessionDir, log)
	var inv *core.Inventory
	if *config != "" {
		// The inventory seeds a fresh state directory only: refuse it
		// rather than ignore it on one that holds a server already.
		if fi, err := os.Stat(filepath.Join(*stateDir, "state.db")); err == nil && fi.Size() > 0 {
			return fmt.Errorf("--config %s: the state directory %s already holds a server (state.db), which --config would not change; "+
				"start without --config to keep it, or remove the directory (or choose another --state-dir) to seed a new server from the inventory",
				*config, *stateDir)
		}
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
	if err := ensureAccount(c, "padmin", core.RoleAdmin, "PVMD_ADMIN_PASSWORD", *stateDir, log); err != nil {
		return err
	}
	if err := ensureAccount(c, "hscroot", core.RoleHMC, "PVMD_HMC_PASSWORD", *stateDir, log); err != nil {
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

	hs := &http.Server{Handler: srv, BaseContext: base, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	servers = append(servers, hs)
	httpsShown := "off"
	if tl != nil {
		cert, err := rest.LoadOrCreateCertificate(*tlsDir)
		if err != nil {
			return fmt.Errorf("HTTPS certificate: %w", err)
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
func ensureAccount(c *core.Core, user, role, env, stateDir string, log *slog.Logger) error {
	pw := os.Getenv(env)
	gen, created, err := c.EnsureUser(user, role, pw)
	if err != nil {
		return fmt.Errorf("create the %s account: %w", user, err)
	}
	if !created {
		return nil
	}
	if gen != "" {
		// The generated password goes to its 0600 file only: the log (often
		// kept in a file others may read) says where it is, never what.
		path := filepath.Join(stateDir, user+".password")
		if err := writeSecret(path, gen+"\n"); err != nil {
			return fmt.Errorf("write the %s password: %w", user, err)
		}
		log.Info("created user with a generated password", "user", user, "role", role, "password_file", path)
		return nil
	}
	log.Info("created user from "+env, "user", user, "role", role)
	return nil
}

// writeSecret writes a file only its owner may read (0600 from the moment
// it exists, whatever the umask), replacing any earlier one.
func writeSecret(path, data string) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// openStateDir lets other users pass through a state directory made
// before session files had per-user directories (mode 0750), when it holds
// the session directory: only the search bit is added.
func openStateDir(stateDir, sessionDir string, log *slog.Logger) {
	rel, err := filepath.Rel(stateDir, sessionDir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return
	}
	fi, err := os.Stat(stateDir)
	if err != nil || fi.Mode().Perm()&0o001 != 0 {
		return
	}
	mode := fi.Mode().Perm() | 0o011
	if err := os.Chmod(stateDir, mode); err != nil {
		log.Warn("cannot let local users pass the state directory to their session files", "dir", stateDir, "err", err)
		return
	}
	log.Info("the state directory lets local users pass to their session files", "dir", stateDir, "mode", fmt.Sprintf("%#o", mode))
}

// checkSessionReach warns, when pvmd runs as root (and so makes session
// files for other local users), if a directory above the session directory
// does not let other users pass: their local logons would answer a file
// they cannot open.
func checkSessionReach(sessionDir string, log *slog.Logger) {
	if os.Getuid() != 0 {
		return
	}
	abs, err := filepath.Abs(sessionDir)
	if err != nil {
		return
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			log.Warn("local logon of users other than root will fail: other users cannot pass this directory to reach their session files (chmod o+x it, or choose --session-dir)",
				"dir", d, "session_dir", abs)
			return
		}
		if filepath.Dir(d) == d {
			return
		}
	}
}

// Command describes pvmd as a command (its flags, for the man page);
// running it runs pvmd.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pvmd [flags]",
		Short: "The NovaLink daemon: a simulated Power server and the PowerVM REST API",
		Long: `pvmd serves one managed system: the partition configuration, the simulated
hypervisor and VIOS, jobs, events, backups and co-management, and the PowerVM
REST API over HTTP (loopback only) and HTTPS. When ready it prints
"pvmd ready http=HOST:PORT https=HOST:PORT" on standard output; it logs on
standard error; SIGTERM or SIGINT stops it cleanly.

With the default --state-dir /var/lib/pvm it is in the production layout
(root and members of group pvm_admin administer it); with any other state
directory, in the development layout (the user who started it administers
it). A fresh state directory is seeded with the built-in inventory or
--config's.

Environment: PVMD_ADMIN_PASSWORD and PVMD_HMC_PASSWORD set the passwords of
padmin and hscroot when they are created (else generated into
<state-dir>/padmin.password and hscroot.password, mode 0600).`,
		Example: "  pvmd --state-dir ./tmp/state --timing fast --http-addr 127.0.0.1:0 --https-addr 127.0.0.1:0",
		Version: version.String("pvmd"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(os.Args[1:], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	runOr(nil, io.Discard, io.Discard, func(fs *flag.FlagSet) {
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name != "version" {
				cmd.Flags().AddGoFlag(f)
			}
		})
	})
	return cmd
}
