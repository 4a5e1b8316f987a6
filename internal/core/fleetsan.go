package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/store"
)

// The SAN of a fleet: one SAN (fabrics, arrays with their hosts and
// volumes, iSCSI targets, RBD images) for all its systems, as a data
// centre has, held once in the fleet's own space of the state file
// ("san/") and in memory. Every system's state reads the SAN's kinds from
// it (model.State.SAN), so the SAN's rules, the VIOS's discovery and the
// simulator's SAN control work on a fleet's system as on a single one;
// what the SAN asks of systems (who uses a WWPN, whose ports a host
// follows, which VIOS has a volume as a disk) it asks of every system
// (san.Fleet, Tx.EachPeer). A change of the SAN is part of the operation
// that makes it, from any system: Apply commits it in the SAN's space
// with the operation's other records, under the one writer.

// sanSpace is the prefix of the fleet's SAN in the state file.
const sanSpace = "san/"

// fleetSAN is a fleet's SAN in memory: the writer's state (changed in
// place under the writer lock) and the readers' (replaced whole by each
// commit that changes it).
type fleetSAN struct {
	sp *store.Space
	w  *model.Shared
	v  *model.Shared
	// made tells whether the state file holds the fleet's SAN (its
	// systems seeded since the fleet's SAN was made).
	made bool
}

func newSANState() *model.State { return model.NewState(&model.ManagedSystem{Name: "SAN"}) }

// loadFleetSAN reads the fleet's SAN from the state file.
func loadFleetSAN(st *store.Store) (*fleetSAN, error) {
	sp := st.Space(sanSpace)
	s := newSANState()
	raw, err := sp.Get(store.BucketMeta, "san")
	if err != nil {
		return nil, err
	}
	for k := range model.SANKinds {
		err := sp.ForEach(string(k), func(key, v []byte) error {
			o, err := model.DecodeObject(k, v)
			if err != nil {
				return fmt.Errorf("state file: SAN %s %s: %w", k, key, err)
			}
			s.Put(o)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &fleetSAN{sp: sp, w: model.NewShared(s), v: model.NewShared(s.Clone()), made: raw != nil}, nil
}

// records are the SAN's records to write whole (a seed).
func (fs *fleetSAN) records() ([]store.Change, error) {
	var out []store.Change
	s := fs.w.Load()
	for k := range model.SANKinds {
		var objs []model.Object
		s.Each(k, func(o model.Object) { objs = append(objs, o) })
		sort.Slice(objs, func(i, j int) bool { return objs[i].Key() < objs[j].Key() })
		for _, o := range objs {
			if o.Revision() == 0 {
				o.SetRevision(1)
			}
			b, err := json.Marshal(o)
			if err != nil {
				return nil, err
			}
			out = append(out, store.Change{Bucket: fs.sp.Bucket(string(k)), Key: o.Key(), Value: b})
		}
	}
	out = append(out, store.Change{Bucket: fs.sp.Bucket(store.BucketMeta), Key: "san", Value: []byte("1")})
	return out, nil
}

// splitSAN takes the SAN's changes out of the parts of a commit: their
// records go to the SAN's space (returned), their objects to the SAN's
// writer state now; the readers' state gets them (d) when the commit is
// written (commitSAN).
func (fs *fleetSAN) split(parts []*commitPart) (*delta, []store.Change) {
	d := &delta{}
	var changes []store.Change
	for _, p := range parts {
		keepPuts := p.d.puts[:0:0]
		for _, o := range p.d.puts {
			if model.SANKinds[o.Kind()] {
				d.puts = append(d.puts, o)
			} else {
				keepPuts = append(keepPuts, o)
			}
		}
		keepDels := p.d.dels[:0:0]
		for _, k := range p.d.dels {
			if model.SANKinds[k.kind] {
				d.dels = append(d.dels, k)
			} else {
				keepDels = append(keepDels, k)
			}
		}
		p.d.puts, p.d.dels = keepPuts, keepDels
		keep := p.changes[:0:0]
		for _, ch := range p.changes {
			if model.SANKinds[model.ObjKind(ch.Bucket)] {
				changes = append(changes, ch)
			} else {
				keep = append(keep, ch)
			}
		}
		p.changes = keep
	}
	if len(d.puts) == 0 && len(d.dels) == 0 {
		return nil, nil
	}
	d.apply(fs.w.Load())
	return d, fs.sp.Prefixed(changes)
}

// commit shows the readers a written change of the SAN.
func (fs *fleetSAN) commit(d *delta) {
	if d == nil {
		return
	}
	n := fs.v.Load().Clone()
	d.apply(n)
	fs.v.Store(n)
}

// seedSAN moves the SAN the fleet's fresh systems were seeded with into
// the fleet's one SAN (san.Merge), the disks of a cluster a storage group
// shares becoming the group's own volumes; then, when the fleet's SAN is
// new, makes what the fleet file's SAN section describes. names are the
// systems' names in the fleet, groups their storage groups' keys (""
// none) and clusters the names of those groups' clusters.
func (f *Fleet) seedSAN(spec *san.Spec, names []string, states []*model.State, groups []string, clusters map[string]string, nowMS int64) error {
	fs := f.san
	dst := fs.w.Load()
	for i, st := range states {
		shared := map[string]san.SharedVolume{}
		if g := groups[i]; g != "" && clusters[g] != "" {
			st.Each(model.KindPV, func(o model.Object) {
				pv := o.(*model.PhysicalVolume)
				n := 0
				if _, err := fmt.Sscanf(pv.Name, "hdisk%d", &n); err != nil || !pv.Cluster || !pv.FC || pv.LUN == "" || n < 2 || n > 4 {
					return
				}
				vol := san.DefaultVolumes[n-2].Name
				shared[pv.LUN] = san.SharedVolume{UUID: san.SharedVolumeUUID(g, vol), Name: clusters[g] + "-" + vol, NAA: vios.SharedDiskNAA(g, n)}
			})
		}
		oldWWPN := ""
		if a := san.ArrayByName(san.StateTx{St: st}, san.DefaultArray); a != nil && len(a.Ports) > 0 {
			oldWWPN = strings.ToUpper(a.Ports[0].WWPN)
		}
		if err := san.Merge(dst, st, names[i], shared); err != nil {
			return fmt.Errorf("fleet system %s: SAN: %w", names[i], err)
		}
		newWWPN := ""
		if a := san.ArrayByName(san.StateTx{St: dst}, san.DefaultArray); a != nil && len(a.Ports) > 0 {
			newWWPN = strings.ToUpper(a.Ports[0].WWPN)
		}
		var pvs []*model.PhysicalVolume
		st.Each(model.KindPV, func(o model.Object) {
			if pv := o.(*model.PhysicalVolume); pv.LUN != "" {
				pvs = append(pvs, pv)
			}
		})
		for _, pv := range pvs {
			sv, isShared := shared[pv.LUN]
			if !isShared && (oldWWPN == "" || oldWWPN == newWWPN) {
				continue
			}
			n := *pv
			if isShared {
				n.LUN, n.NAA = sv.UUID, sv.NAA
			}
			if oldWWPN != "" {
				n.Location = strings.Replace(n.Location, "-W"+oldWWPN+"-", "-W"+newWWPN+"-", 1)
			}
			st.Put(&n)
		}
	}
	if spec == nil || fs.made {
		return nil
	}
	// The fleet file's SAN: made once, with the fleet's SAN, over the
	// systems seeded with it.
	tx := &seedTx{san: dst, states: states, names: names, at: time.UnixMilli(nowMS)}
	resolved, err := tx.resolve(*spec)
	if err != nil {
		return fmt.Errorf("fleet SAN: %w", err)
	}
	if err := san.Apply(tx, resolved, "fleet"); err != nil {
		return fmt.Errorf("fleet SAN: %w", err)
	}
	return nil
}

// seedTx is the transaction the fleet file's SAN is made in: the SAN's
// kinds in the fleet's SAN, the others in the systems being seeded (a
// VIOS's ports are changed in its own system's state).
type seedTx struct {
	san    *model.State
	states []*model.State
	names  []string
	at     time.Time
}

func (t *seedTx) stateOf(k model.ObjKind, key string) *model.State {
	if model.SANKinds[k] {
		return t.san
	}
	for _, st := range t.states {
		if st.Get(k, key) != nil {
			return st
		}
	}
	return nil
}

func (t *seedTx) Get(k model.ObjKind, key string) model.Object {
	if st := t.stateOf(k, key); st != nil {
		return st.Get(k, key)
	}
	return nil
}

func (t *seedTx) Put(o model.Object, _ ...string) {
	if st := t.stateOf(o.Kind(), o.Key()); st != nil {
		st.Put(o)
		return
	}
	if model.SANKinds[o.Kind()] {
		t.san.Put(o)
	}
}

func (t *seedTx) Delete(k model.ObjKind, key string) {
	if st := t.stateOf(k, key); st != nil {
		st.Delete(k, key)
	}
}

func (t *seedTx) Each(k model.ObjKind, fn func(model.Object)) {
	var all []model.Object
	if model.SANKinds[k] {
		t.san.Each(k, func(o model.Object) { all = append(all, o) })
	} else {
		for _, st := range t.states {
			st.Each(k, func(o model.Object) { all = append(all, o) })
		}
	}
	for _, o := range all {
		fn(o)
	}
}

func (t *seedTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	var all []model.Object
	if model.SANKinds[ix.Kind()] {
		t.san.EachBy(ix, key, func(o model.Object) { all = append(all, o) })
	} else {
		for _, st := range t.states {
			st.EachBy(ix, key, func(o model.Object) { all = append(all, o) })
		}
	}
	for _, o := range all {
		fn(o)
	}
}

func (t *seedTx) Partition(uuid string) *model.Partition {
	for _, st := range t.states {
		if p := st.Partition(uuid); p != nil {
			return p
		}
	}
	return nil
}

func (t *seedTx) System() *model.ManagedSystem { return t.states[0].System }
func (t *seedTx) Now() time.Time               { return t.at }

// resolve turns the fleet file's SYSTEM/VIOS names (of a host that
// follows a VIOS, of a port's cabling) into the VIOSes' UUIDs.
func (t *seedTx) resolve(spec san.Spec) (san.Spec, error) {
	find := func(ref string) (string, error) {
		sys, name, ok := strings.Cut(ref, "/")
		if !ok {
			return "", fmt.Errorf("the VIOS %q of the fleet's SAN needs its system: SYSTEM/VIOS (the system's name in the fleet)", ref)
		}
		for i, st := range t.states {
			if t.names[i] != sys {
				continue
			}
			if p := st.PartitionByName(name); p != nil && p.IsVIOS() {
				return p.UUID, nil
			}
			return "", fmt.Errorf("the system %s has no Virtual I/O Server %s", sys, name)
		}
		return "", fmt.Errorf("the fleet has no system %s (seeded with its SAN)", sys)
	}
	out := spec
	out.Arrays = nil
	for _, a := range spec.Arrays {
		na := a
		na.Hosts = nil
		for _, h := range a.Hosts {
			if h.VIOS != "" {
				u, err := find(h.VIOS)
				if err != nil {
					return out, fmt.Errorf("array %s, host %s: %w", a.Name, h.Name, err)
				}
				h.VIOS = u
			}
			if h.Partition != "" {
				return out, fmt.Errorf("array %s, host %s: a host of the fleet's SAN follows WWPNs or a VIOS (SYSTEM/VIOS), not a partition", a.Name, h.Name)
			}
			na.Hosts = append(na.Hosts, h)
		}
		out.Arrays = append(out.Arrays, na)
	}
	out.Cabling = nil
	for _, c := range spec.Cabling {
		u, err := find(c.VIOS)
		if err != nil {
			return out, fmt.Errorf("cabling: %w", err)
		}
		c.VIOS = u
		out.Cabling = append(out.Cabling, c)
	}
	return out, nil
}
