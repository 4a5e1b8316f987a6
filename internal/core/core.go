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
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"novalink/internal/model"
	"novalink/internal/sim"
	"novalink/internal/store"
)

// Actor is who asks for an operation.
type Actor struct {
	User    string
	Role    string
	Session string
	// Internal marks the simulator's own transitions (timers, recovery).
	Internal bool
}

// RoleAdmin may change things; other roles may only read.
const (
	RoleAdmin    = "pvm_admin"
	RoleViewer   = "pvm_viewer"
	RoleInternal = "internal"
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

	timersMu sync.Mutex
	timers   map[*pendingTimer]struct{}
	inflight sync.WaitGroup
}

type pendingTimer struct{ t sim.Timer }

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
	c.recover()
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
	c.timersMu.Lock()
	for t := range c.timers {
		t.t.Stop()
	}
	c.timers = nil
	c.timersMu.Unlock()
	c.inflight.Wait()
	return c.store.Close()
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
	if a.Role != RoleAdmin && !a.Internal {
		return model.Refused("User %s (role %s) may not change the configuration; the role %s is required.", a.User, a.Role, RoleAdmin)
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
	if tx.empty() {
		c.mu.Unlock()
		return nil
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
		d.apply(c.v)
		c.viewSeq = rev
		c.viewMu.Unlock()
		c.Bus.Publish(events...)
		done <- nil
	}})
	c.mu.Unlock()
	err = <-done
	c.inflight.Done()
	if err != nil {
		return model.Unavailable("The change could not be saved: %v", err)
	}
	return nil
}

// Tx stages the changes of one operation. Reads through it see the staged
// changes over the writer's model.
type Tx struct {
	c     *Core
	st    *model.State
	now   time.Time
	actor Actor
	parts map[string]*model.Partition // staged; nil = deleted
	order []string
	det   map[string][]string
	sys   *model.ManagedSystem
	extra []Event
}

// Now is the time of the operation.
func (tx *Tx) Now() time.Time { return tx.now }

// Actor is who runs the operation.
func (tx *Tx) Actor() Actor { return tx.actor }

// System returns the managed system (staged if changed).
func (tx *Tx) System() *model.ManagedSystem {
	if tx.sys != nil {
		return tx.sys
	}
	return tx.st.System
}

// PutSystem stages a changed managed system (a clone).
func (tx *Tx) PutSystem(s *model.ManagedSystem) { tx.sys = s }

// Partition returns a partition by UUID as staged.
func (tx *Tx) Partition(uuid string) *model.Partition {
	if p, ok := tx.parts[uuid]; ok {
		return p
	}
	return tx.st.Partition(uuid)
}

// PartitionByName finds a partition by name as staged.
func (tx *Tx) PartitionByName(name string) *model.Partition {
	for _, u := range tx.order {
		if p := tx.parts[u]; p != nil && p.Name == name {
			return p
		}
	}
	p := tx.st.PartitionByName(name)
	if p != nil {
		if _, staged := tx.parts[p.UUID]; staged {
			return nil
		}
	}
	return p
}

// PartitionByID finds a partition by partition ID as staged.
func (tx *Tx) PartitionByID(id int) *model.Partition {
	for _, u := range tx.order {
		if p := tx.parts[u]; p != nil && p.ID == id {
			return p
		}
	}
	p := tx.st.PartitionByID(id)
	if p != nil {
		if _, staged := tx.parts[p.UUID]; staged {
			return nil
		}
	}
	return p
}

// CheckUnique verifies p's name and ID against every other partition.
func (tx *Tx) CheckUnique(p *model.Partition) error {
	if o := tx.PartitionByName(p.Name); o != nil && o.UUID != p.UUID {
		return model.ErrNameInUse(p.Name)
	}
	if o := tx.PartitionByID(p.ID); o != nil && o.UUID != p.UUID {
		return model.ErrIDInUse(p.ID)
	}
	return nil
}

// NextFreeID returns the lowest partition ID not in use.
func (tx *Tx) NextFreeID() (int, error) {
	max := tx.System().MaxPartitions
	// The lowest ID free in the writer's state comes from its bitmap; an
	// ID this operation frees (a staged delete) may be lower.
	freed := 0
	for _, u := range tx.order {
		if old := tx.st.Partition(u); old != nil && tx.parts[u] == nil && (freed == 0 || old.ID < freed) && tx.PartitionByID(old.ID) == nil {
			freed = old.ID
		}
	}
	for id := tx.st.FreeIDFrom(1); id <= max; id = tx.st.FreeIDFrom(id + 1) {
		if freed != 0 && freed < id {
			return freed, nil
		}
		if tx.PartitionByID(id) == nil {
			return id, nil
		}
	}
	if freed != 0 {
		return freed, nil
	}
	return 0, model.ErrNoFreeID(max)
}

// Accounting returns what the active partitions hold, staged changes
// included.
func (tx *Tx) Accounting() model.Accounting {
	a := tx.st.Accounting()
	for _, u := range tx.order {
		if old := tx.st.Partition(u); old != nil {
			a = a.Sub(old.Holds())
		}
		if p := tx.parts[u]; p != nil {
			a = a.Add(p.Holds())
		}
	}
	return a
}

// PutPartition stages a new or changed partition (a clone the caller owns);
// detail names what changed, for the event.
func (tx *Tx) PutPartition(p *model.Partition, detail ...string) {
	tx.stage(p.UUID, p)
	for _, d := range detail {
		if !containsStr(tx.det[p.UUID], d) {
			tx.det[p.UUID] = append(tx.det[p.UUID], d)
		}
	}
}

// DeletePartition stages the removal of a partition.
func (tx *Tx) DeletePartition(uuid string) { tx.stage(uuid, nil) }

func (tx *Tx) stage(uuid string, p *model.Partition) {
	if tx.parts == nil {
		tx.parts = map[string]*model.Partition{}
		tx.det = map[string][]string{}
	}
	if _, ok := tx.parts[uuid]; !ok {
		tx.order = append(tx.order, uuid)
	}
	tx.parts[uuid] = p
}

// Publish adds an event to send when the operation commits.
func (tx *Tx) Publish(e Event) { tx.extra = append(tx.extra, e) }

func (tx *Tx) empty() bool { return len(tx.order) == 0 && tx.sys == nil && len(tx.extra) == 0 }

// delta is a committed operation's effect on a model.State.
type delta struct {
	sys  *model.ManagedSystem
	puts []*model.Partition
	dels []string
}

func (d *delta) apply(st *model.State) {
	if d.sys != nil {
		st.System = d.sys
	}
	for _, u := range d.dels {
		st.DeletePartition(u)
	}
	for _, p := range d.puts {
		st.PutPartition(p)
	}
}

// finish assigns the revision, encodes the records and derives the events.
func (tx *Tx) finish(rev uint64) (*delta, []store.Change, []Event, error) {
	d := &delta{}
	var changes []store.Change
	var events []Event
	sysUUID := tx.st.System.UUID
	before := tx.st.Accounting()
	for _, u := range tx.order {
		p := tx.parts[u]
		old := tx.st.Partition(u)
		if p == nil {
			if old == nil {
				continue
			}
			d.dels = append(d.dels, u)
			changes = append(changes, store.Change{Bucket: store.BucketPartitions, Key: u})
			events = append(events, Event{Type: EventDelete, Data: PartitionPath(sysUUID, old)})
			continue
		}
		p.Rev = rev
		b, err := json.Marshal(p)
		if err != nil {
			return nil, nil, nil, model.Internal("encode partition %s: %v", p.Name, err)
		}
		d.puts = append(d.puts, p)
		changes = append(changes, store.Change{Bucket: store.BucketPartitions, Key: u, Value: b})
		if old == nil {
			events = append(events, Event{Type: EventAdd, Data: PartitionPath(sysUUID, p)})
		} else {
			det := tx.det[u]
			if len(det) == 0 {
				det = []string{"Other"}
			}
			events = append(events, Event{Type: EventModify, Data: PartitionPath(sysUUID, p), Detail: joinComma(det)})
		}
	}
	after := tx.Accounting()
	sys := tx.sys
	if sys == nil && after != before {
		sys = tx.st.System.Clone()
	}
	if sys != nil {
		sys.Rev = rev
		b, err := json.Marshal(sys)
		if err != nil {
			return nil, nil, nil, model.Internal("encode system: %v", err)
		}
		d.sys = sys
		changes = append(changes, store.Change{Bucket: store.BucketMeta, Key: "system", Value: b})
		events = append(events, Event{Type: EventModify, Data: SystemPath(sys.UUID), Detail: "Other"})
	}
	changes = append(changes, store.Change{Bucket: store.BucketMeta, Key: "seq", Value: []byte(strconv.FormatUint(rev, 10))})
	events = append(events, tx.extra...)
	return d, changes, events, nil
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
		if err := c.seed(inv); err != nil {
			return fmt.Errorf("seed the default inventory: %w", err)
		}
		raw, err = c.store.Get(store.BucketMeta, "system")
		if err != nil {
			return err
		}
	}
	var sys model.ManagedSystem
	if err := json.Unmarshal(raw, &sys); err != nil {
		return fmt.Errorf("state file: system record: %w", err)
	}
	st := model.NewState(&sys)
	err = c.store.ForEach(store.BucketPartitions, func(k, v []byte) error {
		var p model.Partition
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("state file: partition %s: %w", k, err)
		}
		st.PutPartition(&p)
		return nil
	})
	if err != nil {
		return err
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
