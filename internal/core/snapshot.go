package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Snapshots of the simulated system, for testers: Save copies the
// committed state (every object but the simulator's controls: fault
// rules stay as they are) under a name, in memory and in a file of the
// snapshots directory beside the state file; Restore brings a snapshot
// back as one operation through Apply (so clients see the old state or
// the new, never a mix; it is durable like any change; sessions are not
// touched); Reset does the same with the seeded inventory. A restore
// changes only the objects that differ (by revision), gives them new
// revisions (etags move, as after a real change), stops what was under
// way on the partitions it changes and resumes the transitions of those
// it brings back half way (a boot, a shutdown). Listeners get the events
// of the objects it changes, or one CACHE_CLEARED when there are more
// than BulkEventLimit of them (clients then read everything again, as
// after a restart of a real NovaLink's REST server).

// BulkEventLimit is the most events a restore sends one by one.
const BulkEventLimit = 500

// SnapshotInfo describes a snapshot.
type SnapshotInfo struct {
	Name       string    `json:"name"`
	Created    time.Time `json:"created"`
	Revision   uint64    `json:"revision"`
	Partitions int       `json:"partitions"`
	Objects    int       `json:"objects"`
	Bytes      int64     `json:"bytes"`
}

// RestoreInfo says what a restore (or reset) did.
type RestoreInfo struct {
	Name    string `json:"name"`
	Changed int    `json:"changed"` // objects put back, changed or removed
	// Events is "objects" when listeners got one event per object,
	// "CACHE_CLEARED" when they got that instead, "" when nothing changed.
	Events   string `json:"events"`
	Revision uint64 `json:"revision"`
}

type snapshot struct {
	info SnapshotInfo
	st   *model.State
}

// Snapshots are the saved snapshots of one core.
type Snapshots struct {
	c   *Core
	dir string
	mu  sync.Mutex // serialises saves, deletes and restores
	m   map[string]*snapshot
	// content lists the stored devices (media, LUs, LVs) some snapshot
	// holds: their contents are kept when the live state drops them
	// (own lock: a restore's Apply sweeps contents while mu is held).
	contentMu sync.Mutex
	content   map[string]bool
}

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func errSnapshot(kind model.Kind, format string, args ...any) error {
	return &model.Error{ID: "PVME01050945-0600", Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Snapshots returns the core's snapshots.
func (c *Core) Snapshots() *Snapshots { return c.snaps }

func newSnapshots(c *Core) *Snapshots {
	dir := filepath.Join(filepath.Dir(c.cfg.StatePath), "snapshots")
	if c.cfg.fleetName != "" {
		dir = filepath.Join(dir, c.cfg.fleetName) // each fleet system's own
	}
	return &Snapshots{c: c, dir: dir, m: map[string]*snapshot{}, content: map[string]bool{}}
}

// load reads the snapshots saved by earlier runs.
func (s *Snapshots) load() error {
	ents, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !snapshotName.MatchString(name) {
			continue // temporary files of an interrupted save, strangers
		}
		data, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return err
		}
		snap, err := decodeSnapshot(data)
		if err != nil {
			s.c.log.Warn("a snapshot cannot be read; it is left out", "file", e.Name(), "err", err)
			continue
		}
		s.m[snap.info.Name] = snap
	}
	s.recount()
	return nil
}

func (s *Snapshots) recount() {
	content := map[string]bool{}
	for _, snap := range s.m {
		for _, k := range []model.ObjKind{model.KindMedia, model.KindLU, model.KindLV} {
			snap.st.Each(k, func(o model.Object) { content[o.Key()] = true })
		}
	}
	s.contentMu.Lock()
	s.content = content
	s.contentMu.Unlock()
}

// holdsContent tells whether some snapshot holds the device with a key.
func (s *Snapshots) holdsContent(key string) bool {
	s.contentMu.Lock()
	defer s.contentMu.Unlock()
	return s.content[key]
}

// Save saves the committed state under a name (replacing a snapshot of
// that name).
func (s *Snapshots) Save(a Actor, name string) (SnapshotInfo, error) {
	if err := checkActor(a); err != nil {
		return SnapshotInfo{}, err
	}
	if !snapshotName.MatchString(name) {
		return SnapshotInfo{}, errSnapshot(model.KindInvalid, "The snapshot name %q is not valid: 1 to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit.", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *model.State
	var rev uint64
	s.c.viewMu.RLock()
	st, rev = s.c.v.Clone(), s.c.viewSeq
	s.c.viewMu.RUnlock()
	// A fleet's SAN is the fleet's, not the system's: not in its snapshots.
	st.SAN = nil
	for k := range model.ControlKinds {
		var keys []string
		st.Each(k, func(o model.Object) { keys = append(keys, o.Key()) })
		for _, key := range keys {
			st.Delete(k, key)
		}
	}
	snap := &snapshot{st: st, info: SnapshotInfo{Name: name, Created: s.c.clock.Now().UTC(), Revision: rev,
		Partitions: len(st.Partitions)}}
	data, err := encodeSnapshot(snap)
	if err != nil {
		return SnapshotInfo{}, err
	}
	snap.info.Bytes = int64(len(data))
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return SnapshotInfo{}, err
	}
	if err := atomicfile.Write(filepath.Join(s.dir, name+".json"), data, 0o600, time.Time{}); err != nil {
		return SnapshotInfo{}, fmt.Errorf("save snapshot %s: %w", name, err)
	}
	s.m[name] = snap
	s.recount()
	s.c.log.Info("snapshot saved", "name", name, "revision", rev, "objects", snap.info.Objects, "user", a.User)
	return snap.info, nil
}

// List returns the snapshots by name.
func (s *Snapshots) List() []SnapshotInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SnapshotInfo, 0, len(s.m))
	for _, snap := range s.m {
		out = append(out, snap.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ErrNoSnapshot is returned for a name no snapshot has.
func ErrNoSnapshot(name string) error {
	return errSnapshot(model.KindNotFound, "There is no snapshot %q.", name)
}

// Delete removes a snapshot.
func (s *Snapshots) Delete(a Actor, name string) error {
	if err := checkActor(a); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] == nil {
		return ErrNoSnapshot(name)
	}
	if err := os.Remove(filepath.Join(s.dir, name+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	delete(s.m, name)
	s.recount()
	return nil
}

// Restore brings a snapshot back.
func (s *Snapshots) Restore(a Actor, name string) (RestoreInfo, error) {
	if err := checkActor(a); err != nil {
		return RestoreInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.m[name]
	if snap == nil {
		return RestoreInfo{}, ErrNoSnapshot(name)
	}
	info, err := s.c.restoreState(a, snap.st, false)
	info.Name = name
	if err == nil {
		s.c.log.Info("snapshot restored", "name", name, "changed", info.Changed, "events", info.Events, "user", a.User)
	}
	return info, err
}

// Reset brings the system back to the inventory it was seeded with.
func (c *Core) Reset(a Actor) (RestoreInfo, error) {
	if err := checkActor(a); err != nil {
		return RestoreInfo{}, err
	}
	if shared := c.sharedClusters(); len(shared) > 0 {
		// The seeded inventory does not hold the fleet's shared cluster:
		// a reset would take it from this system and from its peers.
		return RestoreInfo{}, errSnapshot(model.KindRefused, "The system shares the cluster %s with other systems of the fleet: it cannot be reset to its seeded inventory (restore a snapshot instead).", strings.Join(shared, ", "))
	}
	inv, err := c.seededInventory()
	if err != nil {
		return RestoreInfo{}, err
	}
	st, err := inv.Build(c.clock.Now().UnixMilli(), c.Timing())
	if err != nil {
		return RestoreInfo{}, err
	}
	c.snaps.mu.Lock()
	defer c.snaps.mu.Unlock()
	info, err := c.restoreState(a, st, true)
	info.Name = "(seeded inventory)"
	if err == nil {
		c.log.Info("reset to the seeded inventory", "changed", info.Changed, "events", info.Events, "user", a.User)
	}
	return info, err
}

// restoreState makes the live state what want is, in one operation. With
// byContent (a freshly built inventory, whose objects have no revisions)
// objects are compared by content instead of by revision.
func (c *Core) restoreState(a Actor, want *model.State, byContent bool) (RestoreInfo, error) {
	var info RestoreInfo
	var resume []string
	err := c.Apply(a, func(tx *Tx) error {
		tx.simControl = true
		tx.bulkEvents = BulkEventLimit
		info.Changed, resume = 0, nil
		same := func(cur, w model.Object) bool {
			if !byContent && cur.Revision() == w.Revision() {
				return true
			}
			return sameContent(cur, w, byContent)
		}
		sys := tx.st.System
		if !sameSystem(sys, want.System, byContent) {
			n := want.System.Clone()
			n.Created = sys.Created
			tx.PutSystem(n)
			info.Changed++
		}
		for _, k := range model.Kinds {
			if model.ControlKinds[k] || (tx.st.SAN != nil && model.SANKinds[k]) {
				continue // a fleet's SAN is not the system's to restore
			}
			want.Each(k, func(o model.Object) {
				cur := tx.st.Get(k, o.Key())
				if cur != nil && same(cur, o) {
					return
				}
				n := o.CloneObject()
				if p, ok := n.(*model.Partition); ok {
					old, _ := cur.(*model.Partition)
					if old != nil && old.Op >= p.Op {
						p.Op = old.Op
					}
					p.Op++ // what was under way on it stops
					if old != nil && byContent {
						p.Created = old.Created
					}
					resume = append(resume, p.UUID)
					tx.Put(n, "PartitionState", "ReferenceCode", "Other")
				} else {
					tx.Put(n, "Other")
				}
				info.Changed++
			})
			var gone []string
			tx.st.Each(k, func(o model.Object) {
				if want.Get(k, o.Key()) == nil {
					gone = append(gone, o.Key())
				}
			})
			for _, key := range gone {
				tx.Delete(k, key)
				info.Changed++
			}
		}
		switch {
		case info.Changed == 0:
			info.Events = ""
		case info.Changed > BulkEventLimit:
			info.Events = EventCacheCleared
		default:
			info.Events = "objects"
		}
		return nil
	})
	if err != nil {
		return info, err
	}
	info.Revision = c.ViewRevision()
	c.resumePartitions(resume)
	return info, nil
}

// resumePartitions carries on the transitions of partitions a restore
// brought back half way (sim.Resume).
func (c *Core) resumePartitions(uuids []string) {
	type todo struct {
		uuid  string
		op    uint64
		steps []sim.Step
	}
	var list []todo
	c.Read(func(st *model.State) {
		for _, u := range uuids {
			if p := st.Partition(u); p != nil {
				if steps := sim.Resume(p, c.Timing()); steps != nil {
					list = append(list, todo{u, p.Op, steps})
				}
			}
		}
	})
	for _, t := range list {
		c.continuePlan(t.uuid, t.op, t.steps, 0, nil)
	}
}

func sameSystem(cur, want *model.ManagedSystem, byContent bool) bool {
	if !byContent && cur.Rev == want.Rev {
		return true
	}
	a, b := *cur, *want
	a.Rev, b.Rev, a.Created, b.Created = 0, 0, 0, 0
	ja, _ := json.Marshal(&a)
	jb, _ := json.Marshal(&b)
	return bytes.Equal(ja, jb)
}

// sameContent compares two objects but for their revisions and operation
// counters; built (a freshly built inventory's object, which has no
// creation or activation time of the live one's) ignores those too.
func sameContent(cur, want model.Object, built bool) bool {
	if pa, ok := cur.(*model.Partition); ok {
		pb, ok := want.(*model.Partition)
		if !ok {
			return false
		}
		a, b := *pa, *pb
		a.Rev, b.Rev, a.Op, b.Op = 0, 0, 0, 0
		if built {
			a.Created, b.Created, a.ActivatedAt, b.ActivatedAt = 0, 0, 0, 0
		}
		return a == b
	}
	a, b := cur.CloneObject(), want.CloneObject()
	a.SetRevision(0)
	b.SetRevision(0)
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if built {
		ja, jb = zeroCreated(ja), zeroCreated(jb)
	}
	return bytes.Equal(ja, jb)
}

var createdField = regexp.MustCompile(`"created":[0-9]+`)

func zeroCreated(b []byte) []byte { return createdField.ReplaceAll(b, []byte(`"created":0`)) }

// encodeSnapshot writes a snapshot as JSON: its description, the system
// and each kind's objects.
func encodeSnapshot(snap *snapshot) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(1 << 20)
	head, err := json.Marshal(struct {
		Name     string    `json:"name"`
		Created  time.Time `json:"created"`
		Revision uint64    `json:"revision"`
	}{snap.info.Name, snap.info.Created, snap.info.Revision})
	if err != nil {
		return nil, err
	}
	b.Write(head[:len(head)-1])
	sys, err := json.Marshal(snap.st.System)
	if err != nil {
		return nil, err
	}
	b.WriteString(`,"system":`)
	b.Write(sys)
	b.WriteString(`,"objects":{`)
	n := 0
	for i, k := range model.Kinds {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + string(k) + `":[`)
		first := true
		var encErr error
		snap.st.Each(k, func(o model.Object) {
			if encErr != nil {
				return
			}
			j, err := json.Marshal(o)
			if err != nil {
				encErr = err
				return
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.Write(j)
			n++
		})
		if encErr != nil {
			return nil, encErr
		}
		b.WriteByte(']')
	}
	b.WriteString("}}\n")
	snap.info.Objects = n
	return b.Bytes(), nil
}

func decodeSnapshot(data []byte) (*snapshot, error) {
	var f struct {
		Name     string                              `json:"name"`
		Created  time.Time                           `json:"created"`
		Revision uint64                              `json:"revision"`
		System   *model.ManagedSystem                `json:"system"`
		Objects  map[model.ObjKind][]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	if f.System == nil || !snapshotName.MatchString(f.Name) {
		return nil, fmt.Errorf("not a snapshot")
	}
	st := model.NewState(f.System)
	n := 0
	for _, k := range model.Kinds {
		for _, raw := range f.Objects[k] {
			o, err := model.DecodeObject(k, raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			st.Put(o)
			n++
		}
	}
	return &snapshot{st: st, info: SnapshotInfo{Name: f.Name, Created: f.Created, Revision: f.Revision,
		Partitions: len(st.Partitions), Objects: n, Bytes: int64(len(data))}}, nil
}

// sharedClusters names the clusters the system shares with other systems
// of its fleet.
func (c *Core) sharedClusters() []string {
	if c.fleet == nil {
		return nil
	}
	c.wr.mu.Lock()
	defer c.wr.mu.Unlock()
	var out []string
	c.w.Each(model.KindCluster, func(o model.Object) {
		cl := o.(*model.Cluster)
		for _, p := range c.fleet.systems {
			if p != c && !p.closed && p.shares(cl.UUID, cl) {
				out = append(out, cl.Name)
				return
			}
		}
	})
	return out
}
