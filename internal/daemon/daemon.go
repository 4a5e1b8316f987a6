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
	"runtime/debug"
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
	configFlag             string // --inventory or --config: the one given, for messages
	sessionDir, tlsDir     string
	sessionIdle, eventWait time.Duration
	logLevel               slog.Level
	logFile                string
	filesDir, backupDir    string
	hmcName, hmcMTMS       string
	coreSocket             string
	backupHourly           string
	procDir                string
	version                bool
	pcmInterval            time.Duration
	noSimControls          bool
	seed                   uint64
	maxUnauth              int
	stallTimeout           time.Duration
	// A fleet (fleet.go).
	fleetFile                     string
	systems                       int
	fleetAddr, fleetHMCAddr       string
	fleetHTTPPort, fleetHTTPSPort int
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs, logLevel := o.flagSet(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return o, o.complete(fs, *logLevel)
}

// flagSet defines pvmd's flags into o (the log level comes back as text).
func (o *options) flagSet(stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("pvmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", roleAll, "what this process runs: all (core and REST listeners in one process), core (the pvm-core service) or rest (the pvm-rest service)")
	fs.StringVar(&o.stateDir, "state-dir", defaultStateDir, "directory of the durable state (state.db, TLS material, sessions)")
	fs.StringVar(&o.httpAddr, "http-addr", "127.0.0.1:12080", "HTTP listen address (loopback only; port 0 picks a free port)")
	fs.StringVar(&o.httpsAddr, "https-addr", ":12443", "HTTPS listen addresses, comma-separated (port 0 picks a free port; empty disables HTTPS). "+
		"The default, as on NovaLink, is every interface: give an address (e.g. 192.0.2.10:12443) to serve on that one only")
	fs.IntVar(&o.maxUnauth, "max-unauth-conns", 256, "connections that have not yet authenticated kept at once; beyond, the oldest is closed")
	fs.DurationVar(&o.stallTimeout, "stall-timeout", 30*time.Second, "a request body (an upload) or an answer that makes no progress for this long is cut")
	fs.StringVar(&o.timing, "timing", "realistic", "timing profile of the simulated server: fast or realistic")
	fs.StringVar(&o.config, "inventory", "", "inventory (YAML or JSON) that seeds a fresh state directory (see the README; refused when the state directory holds a server)")
	fs.StringVar(&o.config, "config", "", "the same as --inventory (its older name)")
	fs.StringVar(&o.sessionDir, "session-dir", "", "directory for local-logon session files, each user's in <session-dir>/<user>/ (default <state-dir>/sessions)")
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
	fs.DurationVar(&o.pcmInterval, "pcm-interval", core.DefaultLTMInterval, "interval of the long-term performance monitor (whole seconds; the short-term monitor samples every sixth of it, the partitions' RMC memory every four)")
	fs.BoolVar(&o.noSimControls, "no-sim-controls", false, "turn off the simulator's controls (/rest/api/sim): they answer 404")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the simulator's random choices (fault rules' probabilities and jitter, the workload's noise, new UUIDs and MACs): the same seed replays the same run; 0 picks one, logged at start")
	fs.StringVar(&o.fleetFile, "fleet", "", "run a fleet of managed systems from this file (YAML or JSON, see the README): each its own NovaLink at its own address, and an HMC of them all")
	fs.IntVar(&o.systems, "systems", 0, "run a fleet of this many systems of the default layout (as --fleet with a file listing them)")
	fs.StringVar(&o.fleetAddr, "fleet-addr", "", "a fleet's first system's address (the next ones count up; default the fleet file's, or "+defaultFleetAddr+")")
	fs.IntVar(&o.fleetHTTPPort, "fleet-http-port", -1, "a fleet's HTTP port on every system's address and the HMC's (default the fleet file's, or 12080; 0 picks free ports)")
	fs.IntVar(&o.fleetHTTPSPort, "fleet-https-port", -1, "a fleet's HTTPS port on every system's address and the HMC's (default the fleet file's, or 12443; 0 picks free ports)")
	fs.StringVar(&o.fleetHMCAddr, "hmc-addr", "", "the address of a fleet's HMC (default the fleet file's, or "+defaultHMCAddr+")")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	return fs, logLevel
}

// complete checks the parsed flags and fills in the defaults that depend
// on others.
func (o *options) complete(fs *flag.FlagSet, logLevel string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch o.role {
	case roleAll, roleCore, roleREST:
	default:
		return fmt.Errorf("--role %q: must be all, core or rest", o.role)
	}
	if o.fleetFile != "" || o.systems != 0 {
		if o.fleetFile != "" && o.systems != 0 {
			return fmt.Errorf("--fleet and --systems: give one (a fleet file, or the number of systems of the default layout)")
		}
		if o.systems < 0 {
			return fmt.Errorf("--systems %d: a fleet has at least one system", o.systems)
		}
		var single []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "http-addr", "https-addr", "config", "core-socket", "session-dir", "files-dir", "proc-dir":
				single = append(single, "--"+f.Name)
			}
		})
		if len(single) > 0 {
			return fmt.Errorf("%s: one system's flags; a fleet's systems take their addresses from --fleet-addr, --fleet-http-port and --fleet-https-port (or the fleet file), their inventories from the fleet file, and their directories under --state-dir/systems/NAME", strings.Join(single, ", "))
		}
	} else {
		var fleetOnly []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "fleet-addr", "fleet-http-port", "fleet-https-port", "hmc-addr":
				fleetOnly = append(fleetOnly, "--"+f.Name)
			}
		})
		if len(fleetOnly) > 0 {
			return fmt.Errorf("%s: a fleet's flags, with --fleet or --systems", strings.Join(fleetOnly, ", "))
		}
	}
	if o.pcmInterval < time.Second || o.pcmInterval%time.Second != 0 {
		return fmt.Errorf("--pcm-interval %v: the monitors' interval is whole seconds, at least 1s", o.pcmInterval)
	}
	if err := o.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("--log-level: %v", err)
	}
	o.configFlag = "--inventory"
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			o.configFlag = "--config"
		}
	})
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
	return nil
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "fleet" {
		return runFleetCommand(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.version {
		fmt.Fprintln(stdout, version.String("pvmd"))
		return nil
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
	switch {
	case o.fleetFile != "" || o.systems > 0:
		return runFleet(o, log, stdout, w)
	case o.role == roleREST:
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
	// Listen first: a port in use is refused before anything is written
	// (a fresh state directory would otherwise be seeded for nothing).
	var socks *restSockets
	if o.role == roleAll {
		if socks, err = openREST(o); err != nil {
			return err
		}
		defer socks.close()
	}
	// The state directory lets others pass (not list): local users reach
	// their own session directory in it; everything else in it has its
	// own owner-only mode.
	if err := os.MkdirAll(o.stateDir, 0o711); err != nil {
		return err
	}
	openStateDir(o.stateDir, o.sessionDir, log)
	checkSessionReach(o.sessionDir, log)
	var inv *core.Inventory
	if o.config != "" {
		// The inventory seeds a fresh state directory only: refuse it
		// rather than ignore it on one that holds a server already.
		if fi, err := os.Stat(filepath.Join(o.stateDir, "state.db")); err == nil && fi.Size() > 0 {
			return fmt.Errorf("%[1]s %[2]s: the state directory %[3]s already holds a server (state.db), which %[1]s would not change; "+
				"start without %[1]s to keep it, or remove the directory (or choose another --state-dir) to seed a new server from the inventory",
				o.configFlag, o.config, o.stateDir)
		}
		if inv, err = core.LoadInventory(o.config); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.backupDir, 0o750); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	c, err := core.Open(core.Config{StatePath: filepath.Join(o.stateDir, "state.db"), Timing: prof, Inventory: inv, Logger: log,
		FilesDir: o.filesDir, BackupDir: o.backupDir, HMCName: o.hmcName, HMCMTMS: o.hmcMTMS, PCMInterval: o.pcmInterval, Seed: o.seed})
	if err != nil {
		return err
	}
	defer c.Close()
	// padmin administers NovaLink; hscroot is the account of the HMC that
	// co-manages the system.
	if err := ensureAccount(c, "padmin", core.RoleAdmin, "PVMD_ADMIN_PASSWORD", o.stateDir, log); err != nil {
		return err
	}
	if err := ensureAccount(c, "hscroot", core.RoleHMC, "PVMD_HMC_PASSWORD", o.stateDir, log); err != nil {
		return err
	}

	if err := writeProcFiles(c, o.procDir); err != nil {
		return err
	}

	sweepBackups(c, log)
	// Seeding or loading a large state leaves garbage behind (encoded
	// records, the file's pages): give it back before serving.
	debug.FreeOSMemory()

	backups, err := newBackups(c, log, nil, o.backupHourly)
	if err != nil {
		return err
	}
	backups.Start()
	stopBackups := sync.OnceValue(backups.Stop) // stopped once: on the way out, or at shutdown below
	defer func() { _ = stopBackups() }()        // on an early return; the shutdown below reports its error

	srv := rest.New(c, rest.Config{SessionDir: o.sessionDir, SessionIdle: o.sessionIdle, EventWait: o.eventWait, Logger: log,
		NoSimControls: o.noSimControls, MaxUnauthConns: o.maxUnauth, StallTimeout: o.stallTimeout})
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
		ls, err = listenREST(ctx, o, srv.ConfigureHTTPServer, log, socks)
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
	log.Info("pvmd started", "role", o.role, "system", sys.Name, "mtms", sys.MTMS(), "timing", prof.Name, "state", o.stateDir, "backups", c.BackupDir(), "seed", c.Seed())
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
	// Closing the core ended the console sessions: let their streams say so.
	if !srv.WaitStreams(2 * time.Second) {
		log.Warn("virtual terminal streams still open at exit")
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
	gen, created, err := c.EnsureUser(user, role, os.Getenv(env))
	return accountMade(gen, created, err, user, role, env, stateDir, "", log)
}

// accountMade finishes an account's creation (where: " on every system"
// in a fleet): a generated password goes to its 0600 file only — the log
// (often kept in a file others may read) says where it is, never what.
func accountMade(gen string, created bool, err error, user, role, env, stateDir, where string, log *slog.Logger) error {
	if err != nil {
		return fmt.Errorf("create the %s account: %w", user, err)
	}
	if !created {
		return nil
	}
	if gen != "" {
		path := filepath.Join(stateDir, user+".password")
		if err := writeSecret(path, gen+"\n"); err != nil {
			return fmt.Errorf("write the %s password: %w", user, err)
		}
		log.Info("created user"+where+" with a generated password", "user", user, "role", role, "password_file", path)
		return nil
	}
	log.Info("created user"+where+" from "+env, "user", user, "role", role)
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
standard error (and --log-file); SIGTERM or SIGINT stops it cleanly. With
--role core or --role rest it is one of NovaLink's two services, pvm-core
and pvm-rest, talking over a local socket.

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
	fs, _ := (&options{}).flagSet(io.Discard)
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "version" {
			cmd.Flags().AddGoFlag(f)
		}
	})
	return cmd
}
