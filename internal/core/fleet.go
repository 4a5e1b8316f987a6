package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/store"
)

// A Fleet is many managed systems in one process, each a Core of its own
// (its model, jobs, event queues, users, co-management master, backups
// and workload), sharing one state file and one writer:
//
//   - one state file: each system's records are in its space of the file
//     (buckets "system/<name>/..."), and the store's committer writes the
//     commits of every system in shared transactions;
//   - one writer: the systems' cores share the writer lock and the
//     revision sequence, so that an operation may change several systems
//     in one commit, all or nothing. Shared storage needs it: a shared
//     storage pool's cluster has VIOS nodes on several systems, and each
//     of those systems holds its copy of the cluster, the pool and its
//     logical units (so every rule and rendering of a single system works
//     unchanged on each); a change of any of them is staged in the
//     origin's transaction and mirrored, in the same commit, into every
//     system that shares it (mirror). Live partition mobility will use
//     the same path to change two systems at once.
//
// A single-system pvmd is not a fleet: it opens its Core alone (Open) on
// its own state file, as always. A fleet of one is a Fleet.
type Fleet struct {
	st      *store.Store
	wr      *writer
	log     *slog.Logger
	systems []*Core // in the fleet's order
	byName  map[string]*Core
	closed  atomic.Bool
	// users are the HMC's accounts (the root space's users bucket).
	users *userDB
	// Bus is the HMC's event bus: every system's events come to it too.
	Bus *Bus
	// san is the fleet's one SAN (fleetsan.go).
	san *fleetSAN
}

// FleetSystem is one system of a fleet to open.
type FleetSystem struct {
	// Name is the system's name in the fleet: its space of the state file
	// is "system/<Name>/". Letters, digits, '-', '_' and '.'.
	Name string
	// Inventory seeds the system when its space is empty.
	Inventory *Inventory
	// Group names the storage group of the systems seeded together: the
	// systems of one group share one shared storage pool cluster (at
	// most vios.MaxClusterNodes VIOSes); "" leaves the system its own.
	Group string
	// FilesDir, BackupDir and PCMDir are the system's directories (see
	// Config).
	FilesDir, BackupDir, PCMDir string
}

// FleetConfig configures a fleet.
type FleetConfig struct {
	StatePath string
	Systems   []FleetSystem
	// System is what every system's Config has besides its own
	// directories and inventory (clock, timing, logger, the HMC, bounds).
	System Config
	// SAN is what the fleet's SAN has besides the default one (the fleet
	// file's san section), made when the fleet's SAN is.
	SAN *san.Spec
}

// SystemSpace is the prefix of a fleet system's space in the state file.
func SystemSpace(name string) string { return "system/" + name + "/" }

// OpenFleet opens (creating if needed) a fleet's state file, seeds the
// systems it does not hold yet (each storage group's systems sharing one
// cluster) and opens every system's core.
func OpenFleet(cfg FleetConfig) (*Fleet, error) {
	if len(cfg.Systems) == 0 {
		return nil, fmt.Errorf("a fleet needs at least one system")
	}
	names := map[string]bool{}
	for _, s := range cfg.Systems {
		if err := validFleetName(s.Name); err != nil {
			return nil, err
		}
		if names[s.Name] {
			return nil, fmt.Errorf("fleet: the system name %q is used twice", s.Name)
		}
		names[s.Name] = true
	}
	base := cfg.System
	if base.Clock == nil {
		base.Clock = sim.RealClock{}
	}
	if base.Timing.Name == "" {
		base.Timing = sim.Profiles["fast"]
	}
	if base.Logger == nil {
		base.Logger = slog.Default()
	}
	st, err := store.Open(cfg.StatePath)
	if err != nil {
		return nil, err
	}
	f := &Fleet{st: st, wr: &writer{broken: new(atomic.Pointer[error])}, log: base.Logger, byName: map[string]*Core{},
		users: &userDB{sp: st.Space(""), cost: base.PasswordCost}}
	idle := base.EventQueueIdle
	if idle == 0 {
		idle = 30 * time.Minute
	}
	f.Bus = NewBus(base.EventQueueCapacity, idle, func() time.Time { return base.Clock.Now() })
	if f.san, err = loadFleetSAN(st); err != nil {
		st.Close()
		return nil, err
	}
	seeded, err := f.seedNew(cfg, base)
	if err != nil {
		st.Close()
		return nil, err
	}
	// The systems' states load at once (a worker per processor); they
	// start once the sequence they share goes on from the highest.
	cores := make([]*Core, len(cfg.Systems))
	errs := make([]error, len(cfg.Systems))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(cfg.Systems)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := cfg.Systems[i]
				sc := base
				sc.StatePath = cfg.StatePath
				sc.Inventory = s.Inventory
				sc.FilesDir, sc.BackupDir, sc.PCMDir = s.FilesDir, s.BackupDir, s.PCMDir
				sc.Logger = base.Logger.With("system", s.Name)
				sc.space = st.Space(SystemSpace(s.Name))
				sc.writer = f.wr
				sc.fleet = f
				sc.fleetName = s.Name
				sc.seeded = seeded[s.Name]
				sc.index = i + 1
				cores[i], errs[i] = newCore(sc)
				if errs[i] != nil {
					errs[i] = fmt.Errorf("fleet system %s: %w", s.Name, errs[i])
				}
			}
		}()
	}
	for i := range cfg.Systems {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		st.Close()
		return nil, err
	}
	for i, c := range cores {
		f.wr.seq = max(f.wr.seq, c.viewSeq)
		f.systems = append(f.systems, c)
		f.byName[cfg.Systems[i].Name] = c
	}
	for i, c := range cores {
		// A system seeded now gets its inventory's accounts.
		if inv := cfg.Systems[i].Inventory; inv != nil && seeded[cfg.Systems[i].Name] != nil {
			if err := c.makeInventoryUsers(inv); err != nil {
				st.Close()
				return nil, fmt.Errorf("fleet system %s: %w", cfg.Systems[i].Name, err)
			}
		}
	}
	for _, c := range cores {
		if err := c.start(); err != nil {
			st.Close()
			return nil, err
		}
	}
	if err := st.ReleaseMapped(); err != nil {
		f.log.Warn("could not release the state file's pages after the load", "err", err)
	}
	return f, nil
}

func validFleetName(n string) error {
	if n == "" || len(n) > 63 {
		return fmt.Errorf("fleet: the system name %q must have 1 to 63 characters", n)
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("fleet: the system name %q may have only letters, digits, '-', '_' and '.'", n)
		}
	}
	return nil
}

// seedNew seeds, in as few transactions as their size allows, the
// systems whose space holds no system record, and returns their states
// by name. The systems of a storage group seeded together share one
// cluster; a group some of whose systems exist already is not changed
// (its new systems form a group of their own).
func (f *Fleet) seedNew(cfg FleetConfig, base Config) (map[string]*model.State, error) {
	var fresh []FleetSystem
	existing := map[string]bool{}
	for _, s := range cfg.Systems {
		raw, err := f.st.Space(SystemSpace(s.Name)).Get(store.BucketMeta, "system")
		if err != nil {
			return nil, err
		}
		if raw != nil {
			existing[s.Group] = existing[s.Group] || s.Group != ""
			continue
		}
		fresh = append(fresh, s)
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	now := base.Clock.Now().UnixMilli()
	states := make([]*model.State, len(fresh))
	spaces := make([]*store.Space, len(fresh))
	prefixes := make([]string, len(fresh))
	invs := make([]*Inventory, len(fresh))
	mtms := map[string]string{}
	// The systems are built at once (a worker per processor), then
	// checked in order.
	errs := make([]error, len(fresh))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(fresh)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				invs[i] = fresh[i].Inventory
				if invs[i] == nil {
					invs[i] = DefaultInventory()
				}
				states[i], errs[i] = buildSeed(invs[i], now, base.Timing)
			}
		}()
	}
	for i := range fresh {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, s := range fresh {
		if errs[i] != nil {
			return nil, fmt.Errorf("fleet system %s: seed: %w", s.Name, errs[i])
		}
		st := states[i]
		if other, dup := mtms[st.System.MTMS()]; dup {
			return nil, fmt.Errorf("fleet: the systems %s and %s have the same machine type, model and serial %s", other, s.Name, st.System.MTMS())
		}
		mtms[st.System.MTMS()] = s.Name
		spaces[i], prefixes[i] = f.st.Space(SystemSpace(s.Name)), SystemSpace(s.Name)
	}
	// The storage groups, in the order their first system comes.
	var order []string
	members := map[string][]int{}
	for i, s := range fresh {
		if s.Group == "" {
			continue
		}
		g := s.Group
		if existing[g] {
			g += "+" // joins no cluster that exists: a new one
		}
		if members[g] == nil {
			order = append(order, g)
		}
		members[g] = append(members[g], i)
	}
	groupOf := make([]string, len(fresh))
	clusters := map[string]string{}
	for n, g := range order {
		if len(members[g]) < 2 {
			continue // one system keeps its own cluster
		}
		group := make([]*model.State, len(members[g]))
		for j, i := range members[g] {
			group[j] = states[i]
			groupOf[i] = g
		}
		name := fmt.Sprintf("cluster%d", n+1)
		if err := vios.ShareCluster(group, g, name, fmt.Sprintf("pool%d", n+1), now); err != nil {
			return nil, fmt.Errorf("fleet storage group %s: %w", g, err)
		}
		clusters[g] = name
	}
	// The fleet's one SAN: the systems' seeded SANs moved into it.
	names := make([]string, len(fresh))
	for i, s := range fresh {
		names[i] = s.Name
	}
	if err := f.seedSAN(cfg.SAN, names, states, groupOf, clusters, now); err != nil {
		return nil, err
	}
	sanRecs, err := f.san.records()
	if err != nil {
		return nil, err
	}
	if err := f.st.ResetSpaces(prefixes); err != nil {
		return nil, err
	}
	if err := writeSeeds(f.st, spaces, states, invs, sanRecs...); err != nil {
		return nil, err
	}
	f.san.made = true
	f.san.v.Store(f.san.w.Load().Clone())
	out := make(map[string]*model.State, len(fresh))
	for i, s := range fresh {
		out[s.Name] = states[i]
	}
	f.log.Info("seeded new managed systems", "systems", len(fresh), "groups", len(order))
	return out, nil
}

// EnsureUser makes an account on every system of the fleet (and, with
// onHMC, on the fleet's HMC) that lacks it, in one transaction. An account
// that exists somewhere already is copied as it is (the same password
// everywhere); else it gets password, or a generated one, returned.
func (f *Fleet) EnsureUser(name, role, password string, onHMC bool) (generated string, created bool, err error) {
	if !userNameRE.MatchString(name) {
		return "", false, fmt.Errorf("user name %q is not valid", name)
	}
	dbs := make([]*userDB, 0, len(f.systems)+1)
	if onHMC {
		dbs = append(dbs, f.users)
	}
	for _, c := range f.systems {
		dbs = append(dbs, c.users)
	}
	var rec []byte
	var missing []*userDB
	for _, db := range dbs {
		raw, err := db.sp.Get(store.BucketUsers, name)
		if err != nil {
			return "", false, err
		}
		if raw == nil {
			missing = append(missing, db)
		} else if rec == nil {
			rec = raw
		}
	}
	if len(missing) == 0 {
		return "", false, nil
	}
	if rec == nil {
		if password == "" {
			if password, err = randomPassword(); err != nil {
				return "", false, err
			}
			generated = password
		}
		if rec, err = userRecord(name, role, password, f.users.cost); err != nil {
			return "", false, err
		}
		created = true
	}
	changes := make([]store.Change, len(missing))
	for i, db := range missing {
		changes[i] = store.Change{Bucket: db.sp.Bucket(store.BucketUsers), Key: name, Value: rec}
	}
	return generated, created, f.st.Update(changes)
}

// Authenticate checks a password against the HMC's accounts.
func (f *Fleet) Authenticate(name, password string) (*User, error) {
	return f.users.authenticate(name, password)
}

// Systems returns the fleet's systems in order.
func (f *Fleet) Systems() []*Core { return f.systems }

// System returns a system by its name in the fleet (nil when none).
func (f *Fleet) System(name string) *Core { return f.byName[name] }

// Name is the system's name in its fleet ("" for a single system).
func (c *Core) Name() string { return c.name }

// Fleet is the fleet of the system (nil for a single system).
func (c *Core) Fleet() *Fleet { return c.fleet }

// Close closes every system, then the state file.
func (f *Fleet) Close() error {
	if !f.closed.CompareAndSwap(false, true) {
		return nil
	}
	f.closeCores()
	err := f.st.Close()
	s := f.st.Stats()
	f.log.Info("state file closed", "commits", s.Commits, "transactions", s.Transactions)
	return err
}

func (f *Fleet) closeCores() {
	var wg sync.WaitGroup
	for _, c := range f.systems {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Close(); err != nil {
				f.log.Warn("close system", "system", c.name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// ---- shared storage ----

// sharedKinds are the kinds a cluster's systems each hold a copy of.
func sharedKind(k model.ObjKind) bool {
	return k == model.KindCluster || k == model.KindSSP || k == model.KindLU
}

// clusterOf is the cluster a shared object belongs to ("" when unknown).
func clusterOf(get func(model.ObjKind, string) model.Object, o model.Object) string {
	switch v := o.(type) {
	case *model.Cluster:
		return v.UUID
	case *model.SharedStoragePool:
		return v.Cluster
	case *model.LogicalUnit:
		if ssp, ok := get(model.KindSSP, v.SSP).(*model.SharedStoragePool); ok && ssp != nil {
			return ssp.Cluster
		}
	}
	return ""
}

// shares tells whether a system takes part in a cluster: it holds the
// cluster's copy, or (a new cluster) one of its nodes is the system's.
func (c *Core) shares(cluster string, staged *model.Cluster) bool {
	if c.w.Get(model.KindCluster, cluster) != nil {
		return true
	}
	if staged != nil {
		for _, n := range staged.Nodes {
			if c.w.Partition(n) != nil {
				return true
			}
		}
	}
	return false
}

// mirror stages, in every other system of the fleet that shares them, the
// changes of shared storage an operation of origin made, and returns
// those systems' parts of the commit (their records, view changes and
// events). It runs under the writer lock, before anything is applied: an
// error (a logical unit removed that another system maps) refuses the
// whole operation.
//
// skip are the systems the operation changes itself (they are not
// mirrored into); seen, shared by the calls for the origins of one
// operation, keeps a change another origin mirrored already from being
// staged twice.
func (f *Fleet) mirror(origin *Core, tx *Tx, rev uint64, skip map[*Core]bool, seen map[*Core]map[objKey]bool) ([]*commitPart, error) {
	var keys []objKey
	for _, k := range tx.order {
		if sharedKind(k.kind) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	// The cluster of each change (a deleted object's from what it was).
	of := make([]string, len(keys))
	staged := map[string]*model.Cluster{}
	for i, k := range keys {
		o := tx.objs[k]
		if o == nil {
			o = tx.st.Get(k.kind, k.key)
		}
		if o != nil {
			of[i] = clusterOf(tx.Get, o)
			if cl, ok := o.(*model.Cluster); ok {
				staged[cl.UUID] = cl
			}
		}
	}
	var parts []*commitPart
	for _, peer := range f.systems {
		if peer == origin || peer.closed || skip[peer] {
			continue
		}
		ptx := &Tx{c: peer, st: peer.w, now: tx.now, actor: internalActor}
		for i, k := range keys {
			if of[i] == "" || !peer.shares(of[i], staged[of[i]]) {
				continue
			}
			if seen != nil {
				if seen[peer][k] {
					continue
				}
				if seen[peer] == nil {
					seen[peer] = map[objKey]bool{}
				}
				seen[peer][k] = true
			}
			o := tx.objs[k]
			if o == nil && k.kind == model.KindLU {
				if ms := vios.MappingsOf(ptx, model.BackLU, k.key); len(ms) > 0 {
					lu, _ := tx.st.Get(k.kind, k.key).(*model.LogicalUnit)
					name := k.key
					if lu != nil {
						name = lu.Name
					}
					return nil, model.Refused("The logical unit %s is mapped on the managed system %s (%s on %s); remove the mapping first.",
						name, peer.w.System.Name, ms[0].Target, partitionNameIn(peer.w, ms[0].VIOS))
				}
			}
			ptx.stage(k, o)
		}
		if len(ptx.order) == 0 {
			continue
		}
		d, changes, events, err := ptx.finish(rev)
		if err != nil {
			return nil, err
		}
		parts = append(parts, &commitPart{c: peer, d: d, changes: changes, events: events})
	}
	return parts, nil
}

func partitionNameIn(st *model.State, uuid string) string {
	if p := st.Partition(uuid); p != nil {
		return p.Name
	}
	return uuid
}

// peers are the other systems of a fleet as one system's states see them
// (model.Peers): the writer's state reads the others' writer states (it
// is read under the writer lock), the view the others' committed views.
type peers struct {
	f      *Fleet
	self   *Core
	writer bool
}

func (p peers) Partition(uuid string) (*model.Partition, *model.ManagedSystem) {
	for _, c := range p.f.systems {
		if c == p.self {
			continue
		}
		if p.writer {
			if q := c.w.Partition(uuid); q != nil {
				return q, c.w.System
			}
			continue
		}
		var q *model.Partition
		var sys *model.ManagedSystem
		c.Read(func(st *model.State) {
			if q = st.Partition(uuid); q != nil {
				sys = st.System
			}
		})
		if q != nil {
			return q, sys
		}
	}
	return nil, nil
}

func (p peers) MapsLU(uuid string) bool {
	maps := func(st *model.State) bool {
		found := false
		st.Each(model.KindSCSIMap, func(o model.Object) {
			if m := o.(*model.SCSIMapping); m.Backing == model.BackLU && m.BackingID == uuid {
				found = true
			}
		})
		return found
	}
	for _, c := range p.f.systems {
		if c == p.self || (p.writer && c.w.Get(model.KindLU, uuid) == nil) {
			continue
		}
		if p.writer {
			if maps(c.w) {
				return true
			}
			continue
		}
		found := false
		c.Read(func(st *model.State) {
			found = st.Get(model.KindLU, uuid) != nil && maps(st)
		})
		if found {
			return true
		}
	}
	return false
}

func (p peers) Each(k model.ObjKind, fn func(model.Object, *model.ManagedSystem)) {
	if model.SANKinds[k] {
		return // the fleet's one SAN: every system's state reads it itself
	}
	for _, c := range p.f.systems {
		if c == p.self {
			continue
		}
		if p.writer {
			sys := c.w.System
			c.w.Each(k, func(o model.Object) { fn(o, sys) })
			continue
		}
		c.Read(func(st *model.State) {
			st.Each(k, func(o model.Object) { fn(o, st.System) })
		})
	}
}

// EachPeer calls fn for every object of a kind of the other systems of
// the fleet (san.Fleet): their writer's states, or, for a transaction
// over the view, their views. A system this operation changes too (On)
// is seen as staged.
func (tx *Tx) EachPeer(k model.ObjKind, fn func(model.Object, *model.ManagedSystem)) {
	if tx.c == nil || tx.st.Peers == nil {
		return
	}
	root := tx
	if tx.root != nil {
		root = tx.root
	}
	staged := map[string]*Tx{}
	for c, ptx := range root.peers {
		staged[c.w.System.UUID] = ptx
	}
	if root != tx {
		staged[root.c.w.System.UUID] = root
	}
	delete(staged, tx.c.w.System.UUID)
	tx.st.Peers.Each(k, func(o model.Object, sys *model.ManagedSystem) {
		if ptx := staged[sys.UUID]; ptx != nil && tx.st == tx.c.w {
			if _, ok := ptx.objs[objKey{k, o.Key()}]; ok {
				return // seen below, as staged
			}
		}
		fn(o, sys)
	})
	if tx.st != tx.c.w {
		return
	}
	for _, ptx := range staged {
		sys := ptx.System()
		for _, key := range ptx.order {
			if key.kind == k {
				if o := ptx.objs[key]; o != nil {
					fn(o, sys)
				}
			}
		}
	}
}

// PeerPartition finds a partition of another system of the fleet
// (san.Fleet).
func (tx *Tx) PeerPartition(uuid string) (*model.Partition, *model.ManagedSystem) {
	if tx.st.Peers == nil {
		return nil, nil
	}
	return tx.st.Peers.Partition(uuid)
}

// FleetSystemInfo is what `pvmd fleet list` shows of a system.
type FleetSystemInfo struct {
	Name       string   `json:"name"`
	System     string   `json:"system"` // the managed system's name
	UUID       string   `json:"uuid"`
	MTMS       string   `json:"mtms"`
	State      string   `json:"state"`
	Partitions int      `json:"partitions"`
	Running    int      `json:"running"`
	VIOS       int      `json:"vios"`
	Clusters   []string `json:"clusters,omitempty"`
}

// Info describes a system as `pvmd fleet list` shows it.
func (c *Core) Info() FleetSystemInfo {
	var in FleetSystemInfo
	c.Read(func(st *model.State) {
		in = FleetSystemInfo{Name: c.name, System: st.System.Name, UUID: st.System.UUID, MTMS: st.System.MTMS(), State: st.System.State}
		for _, p := range st.Partitions {
			in.Partitions++
			if p.Active() {
				in.Running++
			}
			if p.IsVIOS() {
				in.VIOS++
			}
		}
		st.Each(model.KindCluster, func(o model.Object) { in.Clusters = append(in.Clusters, o.(*model.Cluster).Name) })
		sort.Strings(in.Clusters)
	})
	return in
}

// ReadFleet describes the systems of a fleet's state file that no pvmd
// has open (pvmd fleet list of a stopped fleet), in the file's order of
// their names.
func ReadFleet(statePath string) ([]FleetSystemInfo, error) {
	st, err := store.OpenReadOnly(statePath)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	prefixes, err := st.Spaces("system/")
	if err != nil {
		return nil, err
	}
	var out []FleetSystemInfo
	for _, p := range prefixes {
		sp := st.Space(p)
		raw, err := sp.Get(store.BucketMeta, "system")
		if err != nil || raw == nil {
			continue // a seed that did not finish
		}
		var sys model.ManagedSystem
		if err := json.Unmarshal(raw, &sys); err != nil {
			return nil, fmt.Errorf("state file: %s system record: %w", p, err)
		}
		in := FleetSystemInfo{Name: strings.TrimSuffix(strings.TrimPrefix(p, "system/"), "/"), System: sys.Name, UUID: sys.UUID, MTMS: sys.MTMS(), State: sys.State}
		err = sp.ForEach(string(model.KindPartition), func(_, v []byte) error {
			o, err := model.DecodeObject(model.KindPartition, v)
			if err != nil {
				return err
			}
			p := o.(*model.Partition)
			in.Partitions++
			if p.Active() {
				in.Running++
			}
			if p.IsVIOS() {
				in.VIOS++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = sp.ForEach(string(model.KindCluster), func(_, v []byte) error {
			o, err := model.DecodeObject(model.KindCluster, v)
			if err == nil {
				in.Clusters = append(in.Clusters, o.(*model.Cluster).Name)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(in.Clusters)
		out = append(out, in)
	}
	return out, nil
}
