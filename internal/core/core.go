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
}

// Core is one managed system's configuration and operations.
type Core struct {
	cfg    Config
	clock  sim.Clock
	timing sim.Timing
	log    *slog.Logger
	store  *store.Store

	mu     sync.Mutex // the writer lock
	w      *model.State
	seq    uint64
	closed bool
	broken atomic.Pointer[error]

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

	// uploading holds the Files whose contents are being uploaded.
	uploadsMu sync.Mutex
	uploading map[string]bool

	// The bounded pool of password checks (users.go).
	pwOnce           sync.Once
	pwSlots, pwQueue chan struct{}
	unknownOnce      sync.Once
	unknown          []byte

	pcm *pcmService

	// cons are the partitions' virtual terminals (console.go).
	cons consoles
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
	if cfg.HMCName == "" {
		cfg.HMCName = "hmc1"
	}
	if cfg.HMCMTMS == "" {
		cfg.HMCMTMS = "7042-CR9*21F2D0A"
	}
	if cfg.JobRetention == 0 {
		cfg.JobRetention = time.Hour
	}
	st, err := store.Open(cfg.StatePath)
	if err != nil {
		return nil, err
	}
	c := &Core{cfg: cfg, clock: cfg.Clock, timing: cfg.Timing, log: cfg.Logger, store: st,
		timers: map[*pendingTimer]struct{}{}}
	now := func() time.Time { return c.clock.Now() }
	c.Bus = NewBus(cfg.EventQueueCapacity, cfg.EventQueueIdle, now)
	c.Jobs = NewJobs(now, cfg.JobRetention)
	if err := c.load(); err != nil {
		st.Close()
		return nil, err
	}
	// What a crash left of file writes: temporary files of uploads and of
	// the VIOSes' files, contents whose device was never committed.
	c.sweepUploads("")
	c.sweepVIOSFiles()
	c.sweepContent()
	c.recover()
	c.settlePending()
	c.resumeFirmware()
	if err := c.ensureConsoleKeys(); err != nil {
		c.Close()
		return nil, err
	}
	c.startPCM()
	return c, nil
}

// Close stops the timers, waits for operations in flight and closes the
// store. Transitions that were still scheduled resume on the next Open.
func (c *Core) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.closeConsoles()
	c.timersMu.Lock()
	for t := range c.timers {
		t.t.Stop()
	}
	c.timers = nil
	c.timersMu.Unlock()
	c.inflight.Wait()
	c.pcm.checkpoint()
	err := c.store.Close()
	st := c.store.Stats()
	c.log.Info("state file closed", "commits", st.Commits, "transactions", st.Transactions)
	return err
}

// Timing returns the timing profile in use.
func (c *Core) Timing() sim.Timing { return c.timing }

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
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if b := c.broken.Load(); b != nil {
		c.mu.Unlock()
		return model.Unavailable("The configuration store failed (%v); no change can be saved until pvmd is restarted.", *b)
	}
	tx := &Tx{c: c, st: c.w, now: c.clock.Now(), actor: a}
	if err := fn(tx); err != nil {
		c.mu.Unlock()
		return err
	}
	if tx.empty() && !tx.outside {
		c.mu.Unlock()
		return nil
	}
	// Every change, of the model or outside it (files), is the master's.
	if !a.Internal && !tx.masterChange && !tx.monitoring {
		if err := masterAllows(tx.st.System, a); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	if tx.empty() {
		c.mu.Unlock()
		return nil // checked; what changes is outside the model
	}
	c.seq++
	d, changes, events, err := tx.finish(c.seq)
	if err != nil {
		c.seq--
		c.mu.Unlock()
		return err
	}
	d.apply(c.w)
	done := make(chan error, 1)
	rev := c.seq
	c.inflight.Add(1)
	c.store.Submit(&store.Commit{Changes: changes, Done: func(err error) {
		if err != nil {
			c.broken.CompareAndSwap(nil, &err)
			c.log.Error("store commit failed; refusing further changes", "err", err)
			done <- err
			return
		}
		c.viewMu.Lock()
		parts := d.partitionChanges(c.v)
		d.apply(c.v)
		c.viewSeq = rev
		c.viewMu.Unlock()
		c.Bus.Publish(events...)
		c.observeConsoles(parts)
		done <- nil
	}})
	c.mu.Unlock()
	err = <-done
	c.inflight.Done()
	if err != nil {
		return model.Unavailable("The change could not be saved: %v", err)
	}
	if d.removesContent() {
		c.sweepContent()
	}
	return nil
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
func SystemPath(sysUUID string) string { return "/rest/api/uom/ManagedSystem/" + sysUUID }

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
		c.seq = 1
		c.w = st
		c.v = st.Clone()
		c.viewSeq = c.seq
		return nil
	}
	var sys model.ManagedSystem
	if err := json.Unmarshal(raw, &sys); err != nil {
		return fmt.Errorf("state file: system record: %w", err)
	}
	st := model.NewState(&sys)
	for _, k := range model.Kinds {
		k := k
		err = c.store.ForEach(string(k), func(key, v []byte) error {
			o, err := model.DecodeObject(k, v)
			if err != nil {
				return fmt.Errorf("state file: %s %s: %w", k, key, err)
			}
			st.Put(o)
			return nil
		})
		if err != nil {
			return err
		}
	}
	seqRaw, err := c.store.Get(store.BucketMeta, "seq")
	if err != nil {
		return err
	}
	if len(seqRaw) > 0 {
		c.seq, err = strconv.ParseUint(string(seqRaw), 10, 64)
		if err != nil {
			return fmt.Errorf("state file: bad sequence %q", seqRaw)
		}
	}
	c.w = st
	c.v = st.Clone()
	c.viewSeq = c.seq
	if err := c.store.ReleaseMapped(); err != nil {
		c.log.Warn("could not release the state file's pages after the load", "err", err)
	}
	return nil
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

// isClosed reports whether Close was called.
func (c *Core) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// errSuperseded stops a plan whose partition has moved on.
var errSuperseded = errors.New("superseded")
