// Package core holds the operations of novalink and is the single writer of
// the model: every change of state goes through Apply, which validates (the
// operation's function), applies to the writer's model, persists (a durable
// commit in the store, shared with concurrent operations) and publishes
// events, in that order. Readers read the committed view, which moves only
// after the store has the change, so nothing a client sees can be lost.
package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/store"
)

// Actor is who asks for an operation.
type Actor struct {
	User    string
	Role    string
	Session string
	// Internal marks the simulator's own transitions (timers, recovery).
	Internal bool
	// Console is the management console the actor works for: NovaLink
	// (users of the NovaLink partition) or an HMC (its account, role
	// RoleHMC), named ConsoleName with ConsoleMTMS.
	Console     string
	ConsoleName string
	ConsoleMTMS string
}

// console returns the management console an actor works for.
func (a Actor) console() string {
	if a.Console != "" {
		return a.Console
	}
	if a.Role == RoleHMC {
		return model.ConsoleHMC
	}
	return model.ConsoleNovaLink
}

// RoleAdmin may change things; other roles may only read.
const (
	RoleAdmin    = "pvm_admin"
	RoleViewer   = "pvm_viewer"
	RoleInternal = "internal"
	// RoleHMC is the role of an HMC's account (co-management): it may
	// change things while its HMC is the management master.
	RoleHMC = "hmc_superadmin"
)

var internalActor = Actor{User: "pvm-core", Role: RoleInternal, Internal: true}

// Config configures a Core.
type Config struct {
	// StatePath is the bbolt file.
	StatePath string
	Clock     sim.Clock
	Timing    sim.Timing
	// Inventory seeds a fresh state file; nil uses DefaultInventory.
	Inventory *Inventory
	Logger    *slog.Logger
	// EventQueueCapacity and EventQueueIdle bound the event queues.
	EventQueueCapacity int
	EventQueueIdle     time.Duration
	// JobRetention is how long finished jobs nobody deleted are kept.
	JobRetention time.Duration
	// HMCName and HMCMTMS name the HMC whose account (role RoleHMC)
	// co-manages the system.
	HMCName string
	HMCMTMS string
	// FilesDir holds uploads and the contents of media and disks; empty
	// means "files" beside StatePath.
	FilesDir string
	// BackupDir is the base directory of the scheduled backups (the files
	// are in <BackupDir>/<MTMS>/); empty means "backups" beside StatePath.
	BackupDir string
	// PasswordCost is the bcrypt cost of new passwords (0: bcrypt's
	// default, 10); tests lower it.
	PasswordCost int
	// PCMInterval is the long-term monitor's interval (default 30 s; the
	// short-term monitor and the RMC file follow it, see Intervals);
	// PCMSeed seeds the simulated workload's noise (0: from the system).
	PCMInterval time.Duration
	PCMSeed     uint64
	// Seed makes the simulator's random choices (fault rules'
	// probabilities and jitter, the workload's noise, the UUIDs and MACs
	// of new objects) the same from run to run; 0 picks one at random
	// (Seed() tells which).
	Seed uint64
	// PCMDir holds the workload's saved counters; empty means "pcm"
	// beside StatePath.
	PCMDir string

	// Set by OpenFleet for each system of a fleet: its space of the
	// fleet's state file, the fleet's writer, the fleet and the system's
	// name in it.
	space     *store.Space
	writer    *writer
	fleet     *Fleet
	fleetName string
	// seeded is the state OpenFleet seeded the space with (not read back).
	seeded *model.State
	// index is the system's place in its fleet, from 1.
	index int
}

// Core is one managed system's configuration and operations.
type Core struct {
	cfg    Config
	clock  sim.Clock
	timing atomic.Pointer[sim.Timing] // switched at run time (SetTiming)
	log    *slog.Logger
	store  *store.Space
	// ownStore: the core opened the state file (a single system) and
	// closes it; a fleet's systems share the fleet's.
	ownStore bool

	// wr is the writer: its lock and revision sequence are the core's
	// own, or shared by every system of a fleet (fleet.go).
	wr     *writer
	w      *model.State
	closed bool
	broken *atomic.Pointer[error]
	// fleet is the fleet the system belongs to (nil: a single system).
	fleet *Fleet
	// name is the system's name in its fleet ("" for a single system).
	name string
	// addrs are the addresses its NovaLink answers on (SetAddresses).
	addrs []string

	viewMu  sync.RWMutex
	v       *model.State
	viewSeq uint64

	Bus  *Bus
	Jobs *Jobs

	// pendingJobs are RequestMaster jobs waiting for the master's
	// operations in progress to end.
	pendingMu   sync.Mutex
	pendingJobs []*Job

	timersMu sync.Mutex
	timers   map[*pendingTimer]struct{}
	inflight sync.WaitGroup

	pcm *pcmService
	// uploading holds the Files whose contents are being uploaded.
	uploadsMu sync.Mutex
	uploading map[string]bool

	users *userDB // the accounts (users.go)

	// cons are the partitions' virtual terminals (console.go).
	cons consoles

	randSeed   uint64
	faults     *Faults
	snaps      *Snapshots
	ids        *idSource // set under a seed (Config.Seed)
	jobNamesMu sync.Mutex
	jobNames   []string
}

type pendingTimer struct{ t sim.Timer }

// crashHook, when set (tests only), is called at the points of file
// writes where a crash leaves something on disk (crashPoint): a test kills
// its process there and checks what the next Open leaves.
var crashHook func(point string)

func crashPoint(point string) {
	if crashHook != nil {
		crashHook(point)
	}
}

// Open loads (or seeds) the state file and starts the core.
func Open(cfg Config) (*Core, error) {
	c, err := newCore(cfg)
	if err != nil {
		return nil, err
	}
	c.wr.seq = max(c.wr.seq, c.viewSeq)
	if err := c.start(); err != nil {
		return nil, err
	}
	return c, nil
}

// newCore makes a core and loads (or seeds) its state; start starts it.
// A fleet loads its systems at once and starts them once the revision
// sequence they share is known.
func newCore(cfg Config) (*Core, error) {
	if cfg.Clock == nil {
		cfg.Clock = sim.RealClock{}
	}
	if cfg.Timing.Name == "" {
		cfg.Timing = sim.Profiles["fast"]
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.EventQueueIdle == 0 {
		cfg.EventQueueIdle = 30 * time.Minute
	}
	if cfg.FilesDir == "" {
		cfg.FilesDir = filepath.Join(filepath.Dir(cfg.StatePath), "files")
	}
	if cfg.BackupDir == "" {
		cfg.BackupDir = filepath.Join(filepath.Dir(cfg.StatePath), "backups")
	}
	if cfg.PCMDir == "" {
		cfg.PCMDir = filepath.Join(filepath.Dir(cfg.StatePath), "pcm")
	}
	if cfg.HMCName == "" {
		cfg.HMCName = "hmc1"
	}
	if cfg.HMCMTMS == "" {
		cfg.HMCMTMS = "7042-CR9*21F2D0A"
	}
	if cfg.JobRetention == 0 {
		cfg.JobRetention = time.Hour
	}
	var sp *store.Space
	own := cfg.space == nil
	if own {
		st, err := store.Open(cfg.StatePath)
		if err != nil {
			return nil, err
		}
		sp = st.Space("")
	} else {
		sp = cfg.space
	}
	wr := cfg.writer
	if wr == nil {
		wr = &writer{broken: new(atomic.Pointer[error])}
	}
	c := &Core{cfg: cfg, clock: cfg.Clock, log: cfg.Logger, store: sp, ownStore: own,
		wr: wr, broken: wr.broken, fleet: cfg.fleet, name: cfg.fleetName,
		timers: map[*pendingTimer]struct{}{}, users: &userDB{sp: sp, cost: cfg.PasswordCost},
		randSeed: cfg.Seed}
	prof := cfg.Timing
	c.timing.Store(&prof)
	if c.randSeed == 0 {
		c.randSeed = randomSeed()
	} else {
		// A fleet's systems draw apart from the one seed.
		c.ids = newIDSource(c.randSeed, "objects"+cfg.fleetName)
	}
	c.faults = newFaults(c)
	c.snaps = newSnapshots(c)
	now := func() time.Time { return c.clock.Now() }
	c.Bus = NewBus(cfg.EventQueueCapacity, cfg.EventQueueIdle, now)
	c.Jobs = NewJobs(now, cfg.JobRetention)
	if cfg.fleet != nil {
		// Job IDs unique in the fleet (its HMC finds a job by its ID),
		// and every event on the HMC's bus too.
		c.Jobs.offsetIDs(int64(cfg.index) << 40)
		c.Bus.forward = cfg.fleet.Bus
	}
	if err := c.load(); err != nil {
		if own {
			sp.Store().Close()
		}
		return nil, err
	}
	closeOwn := func() {
		if own {
			sp.Store().Close()
		}
	}
	if err := c.faults.load(); err != nil {
		closeOwn()
		return nil, err
	}
	if err := c.snaps.load(); err != nil {
		closeOwn()
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	return c, nil
}

// start finishes what a crash interrupted and starts the simulated
// server's timers; it fails (and closes the core) only when the console's
// SSH keys cannot be made.
func (c *Core) start() error {
	// What a crash left of file writes: temporary files of uploads and of
	// the VIOSes' files, contents whose device was never committed.
	c.sweepUploads("")
	c.sweepVIOSFiles()
	c.sweepContent()
	c.recover()
	c.recoverMigrations()
	c.settlePending()
	c.resumeFirmware()
	c.startPCM()
	return nil
}

// Close stops the timers, waits for operations in flight and closes the
// store. Transitions that were still scheduled resume on the next Open.
func (c *Core) Close() error {
	c.wr.mu.Lock()
	if c.closed {
		c.wr.mu.Unlock()
		return nil
	}
	c.closed = true
	c.wr.mu.Unlock()
	c.closeConsoles()
	c.timersMu.Lock()
	for t := range c.timers {
		t.t.Stop()
	}
	c.timers = nil
	c.timersMu.Unlock()
	c.inflight.Wait()
	c.pcm.checkpoint()
	if !c.ownStore {
		return nil // the fleet closes its state file
	}
	err := c.store.Store().Close()
	st := c.store.Store().Stats()
	c.log.Info("state file closed", "commits", st.Commits, "transactions", st.Transactions,
		"waits", st.Waits, "waits_run_out", st.WaitsRunOut)
	return err
}

// Seed returns the seed of the simulator's random choices.
func (c *Core) Seed() uint64 { return c.randSeed }

// Timing returns the timing profile in use.
func (c *Core) Timing() sim.Timing { return *c.timing.Load() }

// Clock returns the core's clock.
func (c *Core) Clock() sim.Clock { return c.clock }

// Logger returns the core's logger.
func (c *Core) Logger() *slog.Logger { return c.log }

// Read runs fn on the committed view under a read lock. fn must be quick
// and must not keep the state (objects in it may be kept: they never change).
func (c *Core) Read(fn func(st *model.State)) {
	c.viewMu.RLock()
	defer c.viewMu.RUnlock()
	fn(c.v)
}

// ReadRev is Read, fn also given the revision of the view it reads (the
// same revision: the same view, nothing changed in between).
func (c *Core) ReadRev(fn func(st *model.State, rev uint64)) {
	c.viewMu.RLock()
	defer c.viewMu.RUnlock()
	fn(c.v, c.viewSeq)
}

// ViewRevision returns the revision of the committed view.
func (c *Core) ViewRevision() uint64 {
	c.viewMu.RLock()
	defer c.viewMu.RUnlock()
	return c.viewSeq
}

// System returns the managed system as committed.
func (c *Core) System() *model.ManagedSystem {
	c.viewMu.RLock()
	defer c.viewMu.RUnlock()
	return c.v.System
}

// ErrClosed is returned for operations after Close.
var ErrClosed = model.Unavailable("The management service is shutting down.")

// Apply runs one operation through the single writer. fn validates and
// stages changes on tx; if it returns an error nothing is changed. Apply
// returns when the change is durable and visible to readers.
func (c *Core) Apply(a Actor, fn func(tx *Tx) error) error {
	if err := checkActor(a); err != nil {
		return err
	}
	c.wr.mu.Lock()
	if c.closed {
		c.wr.mu.Unlock()
		return ErrClosed
	}
	if b := c.broken.Load(); b != nil {
		c.wr.mu.Unlock()
		return model.Unavailable("The configuration store failed (%v); no change can be saved until pvmd is restarted.", *b)
	}
	tx := &Tx{c: c, st: c.w, now: c.clock.Now(), actor: a, ids: c.ids}
	if err := fn(tx); err != nil {
		c.wr.mu.Unlock()
		return err
	}
	if tx.empty() && !tx.outside {
		c.wr.mu.Unlock()
		return nil
	}
	// Every change, of the model or outside it (files), is the master's
	// (but the monitoring preferences, the simulated workload and the
	// simulator's controls).
	if !a.Internal && !tx.masterChange && !tx.monitoring && !tx.simControl {
		if err := masterAllows(tx.st.System, a); err != nil {
			c.wr.mu.Unlock()
			return err
		}
		if err := systemAllows(tx.st.System); err != nil {
			c.wr.mu.Unlock()
			return err
		}
	}
	if tx.empty() {
		c.wr.mu.Unlock()
		return nil // checked; what changes is outside the model
	}
	rev := c.wr.seq + 1
	d, changes, events, err := tx.finish(rev)
	if err != nil {
		c.wr.mu.Unlock()
		return err
	}
	parts := []*commitPart{{c: c, d: d, changes: changes, events: events}}
	// An operation on two systems of a fleet (a partition's migration):
	// the other systems' shares of the same commit.
	txs := []*Tx{tx}
	for _, ptx := range tx.peers {
		if ptx.empty() {
			continue
		}
		pd, pch, pev, err := ptx.finish(rev)
		if err != nil {
			c.wr.mu.Unlock()
			return err
		}
		parts = append(parts, &commitPart{c: ptx.c, d: pd, changes: pch, events: pev})
		txs = append(txs, ptx)
	}
	if c.fleet != nil {
		// Shared storage: the same change in every system of the fleet
		// that shares what changed, in the same commit (the systems the
		// operation changes itself made their own share of it).
		skip := map[*Core]bool{}
		for _, t := range txs {
			skip[t.c] = true
		}
		seen := map[*Core]map[objKey]bool{}
		for _, t := range txs {
			more, err := c.fleet.mirror(t.c, t, rev, skip, seen)
			if err != nil {
				c.wr.mu.Unlock()
				return err
			}
			parts = append(parts, more...)
		}
	}
	c.wr.seq = rev
	var all []store.Change
	var sanD *delta
	if c.fleet != nil {
		// The fleet's one SAN: its records in its own space.
		var sanCh []store.Change
		sanD, sanCh = c.fleet.san.split(parts)
		all = append(all, sanCh...)
	}
	for _, p := range parts {
		p.d.apply(p.c.w)
		if all == nil && len(parts) == 1 {
			all = p.c.store.Prefixed(p.changes) // the one part's own: no copy
			continue
		}
		all = append(all, p.c.store.Prefixed(p.changes)...)
	}
	done := make(chan error, 1)
	c.inflight.Add(1)
	c.store.Store().Submit(&store.Commit{Changes: all, Done: func(err error) {
		if err != nil {
			c.broken.CompareAndSwap(nil, &err)
			c.log.Error("store commit failed; refusing further changes", "err", err)
			done <- err
			return
		}
		if sanD != nil {
			c.fleet.san.commit(sanD)
		}
		for _, p := range parts {
			p.c.viewMu.Lock()
			changed := p.d.partitionChanges(p.c.v)
			p.d.apply(p.c.v)
			p.c.viewSeq = rev
			p.c.viewMu.Unlock()
			p.c.Bus.Publish(p.events...)
			p.c.observeConsoles(changed)
		}
		done <- nil
	}})
	c.wr.mu.Unlock()
	err = <-done
	c.inflight.Done()
	if err != nil {
		return model.Unavailable("The change could not be saved: %v", err)
	}
	for _, p := range parts {
		if p.d.removesContent() {
			p.c.sweepContent()
		}
	}
	return nil
}

// writer is the single writer of one system, or of a whole fleet: its
// lock serializes the operations' validation and their application to
// the writers' models; seq is the revision of the last operation.
type writer struct {
	mu     sync.Mutex
	seq    uint64
	broken *atomic.Pointer[error] // the first failed commit: no change after it
}

// commitPart is one system's share of a commit: an operation's own, or
// the same change of shared storage in another system of its fleet.
type commitPart struct {
	c       *Core
	d       *delta
	changes []store.Change
	events  []Event
}

// MayChange refuses actors whose role may not change anything (the role
// custom events and other writes outside the model need).
func MayChange(a Actor) error { return checkActor(a) }

// checkActor refuses changes from users without the admin role.
func checkActor(a Actor) error {
	if a.Role != RoleAdmin && a.Role != RoleHMC && !a.Internal {
		return model.Refused("User %s (role %s) may not change the configuration; the role %s is required.", a.User, a.Role, RoleAdmin)
	}
	return nil
}

// SystemPath is the API path of the managed system.
func SystemPath(sysUUID string) string { return systemPathPrefix + sysUUID }

// AppendSystemPath appends SystemPath(sysUUID) to dst.
func AppendSystemPath(dst []byte, sysUUID string) []byte {
	return append(append(dst, systemPathPrefix...), sysUUID...)
}

const systemPathPrefix = "/rest/api/uom/ManagedSystem/"

// PartitionPath is the API path of a partition under its managed system.
func PartitionPath(sysUUID string, p *model.Partition) string {
	kind := "LogicalPartition"
	if p.IsVIOS() {
		kind = "VirtualIOServer"
	}
	return SystemPath(sysUUID) + "/" + kind + "/" + p.UUID
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// load reads the state file, seeding it first when it is new.
func (c *Core) load() error {
	if c.cfg.seeded != nil {
		// OpenFleet has just written this state (writeSeeds): it is what
		// a load of the space would give back, so it is not read back.
		c.setState(c.cfg.seeded, 1)
		return nil
	}
	raw, err := c.store.Get(store.BucketMeta, "system")
	if err != nil {
		return err
	}
	if raw == nil {
		inv := c.cfg.Inventory
		if inv == nil {
			inv = DefaultInventory()
		}
		// The seeded state is what a load of the file gives back (a
		// test holds it so): it is used as it is.
		st, err := c.seed(inv)
		if err != nil {
			return fmt.Errorf("seed the default inventory: %w", err)
		}
		c.setState(st, 1)
		return nil
	}
	var sys model.ManagedSystem
	if err := json.Unmarshal(raw, &sys); err != nil {
		return fmt.Errorf("state file: system record: %w", err)
	}
	st := model.NewState(&sys)
	legacySAN := 0
	var moves []store.Change // records to move to their keys (rekey)
	for _, k := range model.Kinds {
		k := k
		if c.fleet != nil && model.SANKinds[k] {
			// A fleet's SAN is the fleet's (fleetsan.go); a system's
			// own records of a state file made before are left alone.
			_ = c.store.ForEach(string(k), func(_, _ []byte) error { legacySAN++; return nil })
			continue
		}
		err = c.store.ForEach(string(k), func(key, v []byte) error {
			o, err := model.DecodeObject(k, v)
			if err != nil {
				return fmt.Errorf("state file: %s %s: %w", k, key, err)
			}
			st.Put(o)
			moves = append(moves, rekey(string(k), string(key), v, o)...)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(moves) > 0 {
		// Records under the keys of an older state file go to their keys
		// now, in one durable transaction (all moved, or none).
		if err := c.store.Update(moves); err != nil {
			return fmt.Errorf("state file: move %d records to their keys: %w", len(moves)/2, err)
		}
		c.log.Info("state file: records moved to their keys", "records", len(moves)/2)
	}
	seqRaw, err := c.store.Get(store.BucketMeta, "seq")
	if err != nil {
		return err
	}
	var seq uint64
	if len(seqRaw) > 0 {
		seq, err = strconv.ParseUint(string(seqRaw), 10, 64)
		if err != nil {
			return fmt.Errorf("state file: bad sequence %q", seqRaw)
		}
	}
	if legacySAN > 0 {
		c.log.Warn("the system's own SAN records (a fleet's state file from before the fleet-wide SAN) are ignored; the fleet's SAN is the fleet's", "records", legacySAN)
	}
	c.setState(st, seq) // the writer's sequence goes on from it (Open, OpenFleet)
	if c.ownStore {
		if err := c.store.Store().ReleaseMapped(); err != nil {
			c.log.Warn("could not release the state file's pages after the load", "err", err)
		}
	}
	return nil
}

// setState makes st the writer's state and a clone of it the view, at
// revision rev; a fleet's system sees the other systems through both.
func (c *Core) setState(st *model.State, rev uint64) {
	c.w = st
	c.v = st.Clone()
	c.viewSeq = rev
	if c.fleet != nil {
		c.w.Peers = peers{f: c.fleet, self: c, writer: true}
		c.v.Peers = peers{f: c.fleet, self: c}
		c.w.SAN, c.v.SAN = c.fleet.san.w, c.fleet.san.v
	}
}

// schedule runs f after d on the core's clock, unless the core closes.
func (c *Core) schedule(d time.Duration, f func()) {
	pt := &pendingTimer{}
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	if c.timers == nil {
		return
	}
	pt.t = c.clock.AfterFunc(d, func() {
		c.timersMu.Lock()
		_, live := c.timers[pt]
		delete(c.timers, pt)
		c.timersMu.Unlock()
		if live {
			f()
		}
	})
	c.timers[pt] = struct{}{}
}

// errSuperseded stops a plan whose partition has moved on.
var errSuperseded = errors.New("superseded")
