package daemon

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/backup"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
)

// A fleet pvmd (--fleet FILE or --systems N) runs many managed systems in
// one process (core.Fleet): each is its own NovaLink on its own address
// (its REST server, HTTP on loopback and HTTPS, sessions, local logon
// files, backups, proc files), and one more address serves the fleet's
// HMC (rest.HMC). It runs as --role all only: the pvm-core/pvm-rest split
// is one system's packaging.

// fleetNode is one system of a running fleet.
type fleetNode struct {
	name      string
	core      *core.Core
	srv       *rest.Server
	http      string // the bound addresses
	https     string
	mu        sync.Mutex
	ls        *listeners // nil while the API is down
	backups   *backup.Scheduler
	stopBacks func() error
}

// fleetRun is a running fleet: what its controls act on.
type fleetRun struct {
	ctx     context.Context
	fleet   *core.Fleet
	nodes   []*fleetNode
	byName  map[string]*fleetNode
	tlsConf *tls.Config
	log     *slog.Logger
	errc    chan error // a listener that failed on its own
}

// fleetFile is written in the state directory while the fleet runs, for
// `pvmd fleet list`: where the HMC and the systems are.
type fleetFile struct {
	PID     int               `json:"pid"`
	HMC     fleetFileEndpoint `json:"hmc"`
	Systems []fleetFileEntry  `json:"systems"`
}

type fleetFileEndpoint struct {
	HTTP  string `json:"http"`
	HTTPS string `json:"https"`
}

type fleetFileEntry struct {
	Name string `json:"name"`
	fleetFileEndpoint
}

const fleetFileName = "fleet.json"

// runFleet runs a fleet until SIGTERM.
func runFleet(o *options, log *slog.Logger, stdout io.Writer, w *waiter) error {
	if o.role != roleAll {
		return fmt.Errorf("--role %s: a fleet runs as one process (--role all); the pvm-core and pvm-rest services are one system's", o.role)
	}
	started := time.Now()
	prof, err := sim.ProfileByName(o.timing)
	if err != nil {
		return err
	}
	var spec *FleetSpec
	if o.fleetFile != "" {
		if spec, err = loadFleetSpec(o.fleetFile); err != nil {
			return err
		}
	} else {
		spec = defaultFleetSpec(o.systems)
	}
	plan, err := spec.plan(o.fleetAddr, o.fleetHTTPPort, o.fleetHTTPSPort, o.fleetHMCAddr)
	if err != nil {
		return err
	}
	hmcName, hmcMTMS := orDefault(plan.hmcName, o.hmcName), orDefault(plan.hmcMTMS, o.hmcMTMS)

	// The start makes much garbage (the seed, the load) and keeps most of
	// what it makes: the collector runs less often meanwhile.
	gc := debug.SetGCPercent(-1)
	if gc >= 0 && gc < startGCPercent {
		debug.SetGCPercent(startGCPercent)
	} else {
		debug.SetGCPercent(gc)
	}
	restoreGC := sync.OnceFunc(func() { debug.SetGCPercent(gc) })
	defer restoreGC()
	// What each step of the start took, wall clock and processor time
	// (of the whole process: phases that overlap share it), for the log.
	t0, c0 := time.Now(), processCPU()
	var phases []any
	phase := func(name string) {
		c := processCPU()
		phases = append(phases, name, fmt.Sprintf("%v (cpu %v)", time.Since(t0).Round(time.Millisecond), (c-c0).Round(time.Millisecond)))
		t0, c0 = time.Now(), c
	}
	// The HTTPS certificate (made on the first start, then read) meanwhile.
	type certResult struct {
		cert tls.Certificate
		err  error
	}
	certc := make(chan certResult, 1)
	go func() {
		cert, err := rest.LoadOrCreateCertificate(o.tlsDir)
		certc <- certResult{cert, err}
	}()
	// Listen first: an address or port in use stops pvmd before anything
	// is written.
	socks := make([]*restSockets, len(plan.systems))
	defer func() {
		for _, s := range socks {
			if s != nil {
				s.close()
			}
		}
	}()
	for i, s := range plan.systems {
		if socks[i], err = openSockets(hostPort(s.addr, plan.httpPort), hostPort(s.addr, plan.httpsPort)); err != nil {
			return fmt.Errorf("fleet system %s: %w (the fleet's addresses must be this host's; the loopback range 127.0.0.0/8 always is)", s.name, err)
		}
	}
	hmcSocks, err := openSockets(hostPort(plan.hmcAddr, plan.httpPort), hostPort(plan.hmcAddr, plan.httpsPort))
	if err != nil {
		return fmt.Errorf("the fleet's HMC: %w", err)
	}
	defer hmcSocks.close()
	phase("listen")

	if err := os.MkdirAll(o.stateDir, 0o711); err != nil {
		return err
	}
	if err := os.MkdirAll(o.backupDir, 0o750); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	systems := make([]core.FleetSystem, len(plan.systems))
	for i, s := range plan.systems {
		dir := systemDir(o.stateDir, s.name)
		systems[i] = core.FleetSystem{Name: s.name, Inventory: s.inv, Group: s.group,
			FilesDir: filepath.Join(dir, "files"), BackupDir: o.backupDir, PCMDir: filepath.Join(dir, "pcm")}
	}
	f, err := core.OpenFleet(core.FleetConfig{StatePath: filepath.Join(o.stateDir, "state.db"), Systems: systems, SAN: plan.san,
		System: core.Config{Timing: prof, Logger: log, HMCName: hmcName, HMCMTMS: hmcMTMS, PCMInterval: o.pcmInterval, Seed: o.seed}})
	if err != nil {
		return err
	}
	defer f.Close()
	phase("open")
	// The accounts (a password hash each when new, on a processor each)
	// while the servers are made; they exist before anything listens.
	var accounts struct {
		wg   sync.WaitGroup
		errs [2]error
		took time.Duration
	}
	defer accounts.wg.Wait() // nothing uses the fleet once it is closed
	accounts.wg.Add(2)
	at0 := time.Now()
	for i, a := range []struct {
		user, role, env string
		onHMC           bool
	}{{"padmin", core.RoleAdmin, "PVMD_ADMIN_PASSWORD", false}, {"hscroot", core.RoleHMC, "PVMD_HMC_PASSWORD", true}} {
		go func() {
			defer accounts.wg.Done()
			accounts.errs[i] = ensureFleetAccount(f, a.user, a.role, a.env, o.stateDir, a.onHMC, log)
		}()
	}
	cr := <-certc
	if cr.err != nil {
		return fmt.Errorf("HTTPS certificate: %w", cr.err)
	}
	cert := cr.cert
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := &fleetRun{ctx: ctx, fleet: f, byName: map[string]*fleetNode{}, log: log, errc: make(chan error, 1),
		tlsConf: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	// A REST server per system (its routes and kinds: a few ms each),
	// made by a worker per processor.
	servers := make([]*rest.Server, len(f.Systems()))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(servers)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, dir := f.Systems()[i], systemDir(o.stateDir, plan.systems[i].name)
				servers[i] = rest.New(c, rest.Config{SessionDir: filepath.Join(dir, "sessions"), SessionIdle: o.sessionIdle, EventWait: o.eventWait,
					Logger: c.Logger(), NoSimControls: o.noSimControls, MaxUnauthConns: o.maxUnauth, StallTimeout: o.stallTimeout,
					CacheBytes: 4 << 20})
			}
		}()
	}
	for i := range servers {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, c := range f.Systems() {
		// A migration's TargetRemoteHMCIPAddress names the target by the
		// address its NovaLink answers on.
		c.SetAddresses([]string{plan.systems[i].addr.String()})
		n := &fleetNode{name: plan.systems[i].name, core: c, srv: servers[i]}
		run.nodes = append(run.nodes, n)
		run.byName[n.name] = n
	}
	phase("servers")
	if err := writeFleetProcFiles(run.nodes, o.stateDir); err != nil {
		return err
	}
	phase("proc")
	accounts.wg.Wait()
	accounts.took = time.Since(at0)
	if err := errors.Join(accounts.errs[:]...); err != nil {
		return err
	}
	phase("accounts")
	for _, n := range run.nodes {
		sweepBackups(n.core, n.core.Logger())
		if n.backups, err = newBackups(n.core, n.core.Logger(), nil, o.backupHourly); err != nil {
			return err
		}
		n.backups.Start()
		n.stopBacks = sync.OnceValue(n.backups.Stop)
		defer func() { _ = n.stopBacks() }()
	}
	phase("backups")
	restoreGC()
	debug.FreeOSMemory()

	var controls rest.FleetControls
	if !o.noSimControls {
		controls = run
	}
	hmc := rest.NewHMC(f, servers, rest.HMCConfig{Name: hmcName, MTMS: hmcMTMS, SessionIdle: o.sessionIdle, EventWait: o.eventWait,
		StallTimeout: o.stallTimeout, MaxUnauthConns: o.maxUnauth, Logger: log, Controls: controls})
	for i, n := range run.nodes {
		n.ls = serveSockets(ctx, socks[i], run.tlsConf, n.srv.ConfigureHTTPServer, n.core.Logger())
		n.http, n.https = n.ls.http, n.ls.https
		run.watch(n.ls)
	}
	hls := serveSockets(ctx, hmcSocks, run.tlsConf, hmc.ConfigureHTTPServer, log)
	run.watch(hls)
	phase("serve")
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				hmc.SweepSessions()
				for _, n := range run.nodes {
					n.srv.SweepSessions()
				}
			}
		}
	}()
	ff := fleetFile{PID: os.Getpid(), HMC: fleetFileEndpoint{HTTP: hls.http, HTTPS: hls.https}}
	for _, n := range run.nodes {
		ff.Systems = append(ff.Systems, fleetFileEntry{Name: n.name, fleetFileEndpoint: fleetFileEndpoint{HTTP: n.http, HTTPS: n.https}})
		fmt.Fprintf(stdout, "pvmd system %s http=%s https=%s\n", n.name, n.http, n.https)
	}
	b, _ := json.MarshalIndent(ff, "", "  ")
	// It says where a running fleet is, and goes with it: replaced whole,
	// not synced.
	if err := atomicfile.WriteVolatile(filepath.Join(o.stateDir, fleetFileName), append(b, '\n'), 0o644); err != nil {
		return err
	}
	defer os.Remove(filepath.Join(o.stateDir, fleetFileName))
	log.Info("pvmd fleet started", "systems", len(run.nodes), "hmc", hls.https, "timing", prof.Name, "state", o.stateDir,
		"partitions", run.partitions(), "start", time.Since(started).Round(time.Millisecond))
	log.Debug("fleet start", append(phases, "accounts_made_in", accounts.took.Round(time.Millisecond))...)
	fmt.Fprintf(stdout, "pvmd hmc http=%s https=%s\n", hls.http, hls.https)
	fmt.Fprintf(stdout, "pvmd ready %s systems=%d\n", hls.ready(), len(run.nodes))
	notifyReady(log)

	w.wait(run.errc)
	notifyStopping()
	cancel()
	for _, n := range run.nodes {
		if err := n.stopBacks(); err != nil {
			n.core.Logger().Warn("backup schedule stopped", "err", err)
		}
	}
	for _, ls := range append(run.listeners(), hls) {
		wg.Add(1)
		go func() { defer wg.Done(); ls.shutdown() }()
	}
	wg.Wait()
	if err := f.Close(); err != nil {
		return err
	}
	log.Info("pvmd stopped")
	return nil
}

// startGCPercent is the collector's GOGC during a fleet's start (unless
// GOGC asks for more, or for none).
const startGCPercent = 400

// systemDir is a fleet system's own directory in the state directory
// (files, sessions, proc files, the workload's counters).
func systemDir(stateDir, name string) string { return filepath.Join(stateDir, "systems", name) }

// watch passes on a listener's failure (not its being closed).
func (run *fleetRun) watch(ls *listeners) {
	errc := ls.errc
	go func() {
		for err := range errc {
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				select {
				case run.errc <- err:
				default:
				}
			}
		}
	}()
}

func (run *fleetRun) listeners() []*listeners {
	var out []*listeners
	for _, n := range run.nodes {
		n.mu.Lock()
		if n.ls != nil {
			out = append(out, n.ls)
		}
		n.mu.Unlock()
	}
	return out
}

func (run *fleetRun) partitions() int {
	total := 0
	for _, n := range run.nodes {
		total += n.core.Info().Partitions
	}
	return total
}

// Systems describes the systems (rest.FleetControls).
func (run *fleetRun) Systems() []rest.FleetSystemStatus {
	out := make([]rest.FleetSystemStatus, len(run.nodes))
	for i, n := range run.nodes {
		n.mu.Lock()
		api := "up"
		if n.ls == nil {
			api = "down"
		}
		n.mu.Unlock()
		out[i] = rest.FleetSystemStatus{FleetSystemInfo: n.core.Info(), HTTP: n.http, HTTPS: n.https, API: api}
	}
	return out
}

func (run *fleetRun) node(name string) (*fleetNode, error) {
	n := run.byName[name]
	if n == nil {
		return nil, model.ErrNoObject("fleet system", name)
	}
	return n, nil
}

// SetAPI takes a system's NovaLink API down (its listeners close: new
// connections are refused and open ones cut, as when pvm-rest stops) or
// up again on the same addresses (rest.FleetControls). Its partitions,
// jobs, sessions and event queues go on.
func (run *fleetRun) SetAPI(name string, up bool) error {
	n, err := run.node(name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case up && n.ls == nil:
		if n.core.System().State == core.SystemPowerOff {
			return model.ErrSystemPoweredOff(n.core.System().Name)
		}
		socks, err := openSockets(n.http, n.https)
		if err != nil {
			return model.Unavailable("The NovaLink API of %s cannot listen again: %v", name, err)
		}
		n.ls = serveSockets(run.ctx, socks, run.tlsConf, n.srv.ConfigureHTTPServer, n.core.Logger())
		run.watch(n.ls)
		run.log.Info("fleet system API up", "system", name)
	case !up && n.ls != nil:
		n.ls.close()
		n.ls = nil
		run.log.Info("fleet system API down", "system", name)
	}
	return nil
}

// Power powers a system off (its partitions stop, its NovaLink API goes
// down with its NovaLink partition) or on (rest.FleetControls).
func (run *fleetRun) Power(name string, on bool) error {
	n, err := run.node(name)
	if err != nil {
		return err
	}
	a := core.Actor{User: "hscroot", Role: core.RoleHMC, Internal: true}
	if !on {
		if err := run.SetAPI(name, false); err != nil {
			return err
		}
		return n.core.PowerSystem(a, false)
	}
	if err := n.core.PowerSystem(a, true); err != nil {
		return err
	}
	return run.SetAPI(name, true)
}

// ensureFleetAccount makes an account on every system (and the HMC) as
// ensureAccount does for one system.
func ensureFleetAccount(f *core.Fleet, user, role, env, stateDir string, onHMC bool, log *slog.Logger) error {
	gen, created, err := f.EnsureUser(user, role, os.Getenv(env), onHMC)
	return accountMade(gen, created, err, user, role, env, stateDir, " on every system", log)
}

// writeFleetProcFiles writes each system's NovaLink partition's proc files
// in its directory, a few at a time; files that are already as they
// would be written are left alone.
func writeFleetProcFiles(nodes []*fleetNode, stateDir string) error {
	sem := make(chan struct{}, 16)
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = writeProcFiles(n.core, filepath.Join(systemDir(stateDir, n.name), "proc"))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
