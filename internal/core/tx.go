package core

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/internal/store"
)

type objKey struct {
	kind model.ObjKind
	key  string
}

// Tx stages the changes of one operation. Reads through it see the staged
// changes over the writer's model.
type Tx struct {
	c     *Core
	st    *model.State
	now   time.Time
	actor Actor
	objs  map[objKey]model.Object // staged; nil = deleted
	order []objKey
	// ofKind is the keys of order by kind: reading a kind through the
	// staged changes costs what is staged of it, not of every kind.
	ofKind map[model.ObjKind][]string
	det    map[objKey][]string
	sys    *model.ManagedSystem
	extra  []Event
	// masterChange marks the operations that move management mastership
	// (the one kind of change a non-master may ask for).
	masterChange bool
	// monitoring marks operations that change only the monitoring
	// preferences or the simulator's workload, not the configuration:
	// whichever console is master, they are allowed.
	monitoring bool
	// simControl marks the simulator's controls (fault rules, state
	// flips, snapshots): a tester's, allowed whichever console is master.
	simControl bool
	// bulkEvents, when set, is the most events the operation sends one
	// by one: beyond it listeners get one CACHE_CLEARED (a restore).
	bulkEvents int
	// ids makes new objects' UUIDs (nil: random; see ids.go).
	ids *idSource
	// outside marks an operation that changes something the model does
	// not hold (a VIOS's files): Apply checks it as a change (the role
	// and the management master) even when nothing is staged.
	outside bool
	// peers are the transactions of the other systems of the fleet the
	// operation changes too (On), committed with this one; root is, for
	// one of those, the operation's own.
	peers map[*Core]*Tx
	root  *Tx
}

// On returns the operation's transaction on another system of the same
// fleet: what it stages is committed with the operation, in the same
// commit (so a partition leaves one system and arrives on another at
// once, or not at all). It runs under the fleet's one writer lock.
func (tx *Tx) On(peer *Core) (*Tx, error) {
	if peer == tx.c {
		return tx, nil
	}
	if tx.c.fleet == nil || peer.fleet != tx.c.fleet {
		return nil, model.Internal("the managed systems are not of one fleet")
	}
	if peer.closed {
		return nil, ErrClosed
	}
	if p := tx.peers[peer]; p != nil {
		return p, nil
	}
	if tx.peers == nil {
		tx.peers = map[*Core]*Tx{}
	}
	p := &Tx{c: peer, st: peer.w, now: tx.now, actor: tx.actor, root: tx}
	tx.peers[peer] = p
	return p, nil
}

// ChangesOutsideModel marks the operation as a change of something the
// model does not hold (files): Apply checks it as every change is checked.
func (tx *Tx) ChangesOutsideModel() { tx.outside = true }

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

// Get returns an object as staged (nil when absent or deleted).
func (tx *Tx) Get(k model.ObjKind, key string) model.Object {
	if o, ok := tx.objs[objKey{k, key}]; ok {
		return o
	}
	return tx.st.Get(k, key)
}

// Put stages a new or changed object (a clone the caller owns); detail
// names what changed, for the event.
func (tx *Tx) Put(o model.Object, detail ...string) {
	k := objKey{o.Kind(), o.Key()}
	tx.stage(k, o)
	for _, d := range detail {
		if tx.det == nil {
			tx.det = map[objKey][]string{}
		}
		if !containsStr(tx.det[k], d) {
			tx.det[k] = append(tx.det[k], d)
		}
	}
}

// Delete stages the removal of an object.
func (tx *Tx) Delete(k model.ObjKind, key string) { tx.stage(objKey{k, key}, nil) }

func (tx *Tx) stage(k objKey, o model.Object) {
	if tx.objs == nil {
		tx.objs = map[objKey]model.Object{}
	}
	if _, ok := tx.objs[k]; !ok {
		tx.order = append(tx.order, k)
		if tx.ofKind == nil {
			tx.ofKind = map[model.ObjKind][]string{}
		}
		tx.ofKind[k.kind] = append(tx.ofKind[k.kind], k.key)
	}
	tx.objs[k] = o
}

// Each calls fn for every object of a kind as staged.
func (tx *Tx) Each(k model.ObjKind, fn func(model.Object)) { tx.each(k, fn) }

// each calls fn for every object of a kind as staged.
func (tx *Tx) each(k model.ObjKind, fn func(model.Object)) {
	tx.st.Each(k, func(o model.Object) {
		if _, staged := tx.objs[objKey{k, o.Key()}]; !staged {
			fn(o)
		}
	})
	for _, key := range tx.ofKind[k] {
		if o := tx.objs[objKey{k, key}]; o != nil {
			fn(o)
		}
	}
}

// IsStaged tells whether an object is staged (vios.Staged).
func (tx *Tx) IsStaged(k model.ObjKind, key string) bool {
	_, ok := tx.objs[objKey{k, key}]
	return ok
}

// EachStaged calls fn for every staged object of a kind with the
// writer's version (vios.Staged).
func (tx *Tx) EachStaged(k model.ObjKind, fn func(before, after model.Object)) {
	for _, key := range tx.ofKind[k] {
		fn(tx.st.Get(k, key), tx.objs[objKey{k, key}])
	}
}

// EachBy calls fn for every object listed under key in a state index,
// as staged.
func (tx *Tx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	vios.StagedEachBy(tx, tx.eachByState, ix, key, fn)
}

func (tx *Tx) eachByState(ix model.Index, key string, fn func(model.Object)) {
	tx.st.EachBy(ix, key, fn)
}

// Nums is a set of numbers in use (virtual slots, device names) as
// staged.
func (tx *Tx) Nums(k model.NumKey) model.NumView {
	return vios.StagedNums(tx, model.NumView{Set: tx.st.Nums(k)}, k)
}

// PoolHeldMB is what a pool's logical units hold, as staged.
func (tx *Tx) PoolHeldMB(ssp string) int {
	return vios.StagedPoolHeldMB(tx, tx.st.PoolHeldMB(ssp), ssp)
}

// Publish adds an event to send when the operation commits.
func (tx *Tx) Publish(e Event) { tx.extra = append(tx.extra, e) }

func (tx *Tx) empty() bool {
	if len(tx.order) != 0 || tx.sys != nil || len(tx.extra) != 0 {
		return false
	}
	for _, p := range tx.peers {
		if !p.empty() {
			return false
		}
	}
	return true
}

// Partition returns a partition by UUID as staged.
func (tx *Tx) Partition(uuid string) *model.Partition {
	if o := tx.Get(model.KindPartition, uuid); o != nil {
		return o.(*model.Partition)
	}
	return nil
}

// PutPartition stages a partition.
func (tx *Tx) PutPartition(p *model.Partition, detail ...string) { tx.Put(p, detail...) }

// DeletePartition stages the removal of a partition (and of the
// simulated load set for it).
func (tx *Tx) DeletePartition(uuid string) {
	tx.Delete(model.KindPartition, uuid)
	if tx.Get(model.KindLoad, uuid) != nil {
		tx.Delete(model.KindLoad, uuid)
	}
}

// stagedPartition looks through the staged partitions only.
func (tx *Tx) stagedPartition(match func(*model.Partition) bool) (*model.Partition, bool) {
	for _, k := range tx.order {
		if k.kind != model.KindPartition {
			continue
		}
		if p, ok := tx.objs[k].(*model.Partition); ok && p != nil && match(p) {
			return p, true
		}
	}
	return nil, false
}

// PartitionByName finds a partition by name as staged.
func (tx *Tx) PartitionByName(name string) *model.Partition {
	if p, ok := tx.stagedPartition(func(p *model.Partition) bool { return p.Name == name }); ok {
		return p
	}
	p := tx.st.PartitionByName(name)
	if p != nil {
		if _, staged := tx.objs[objKey{model.KindPartition, p.UUID}]; staged {
			return nil
		}
	}
	return p
}

// PartitionByID finds a partition by partition ID as staged.
func (tx *Tx) PartitionByID(id int) *model.Partition {
	if p, ok := tx.stagedPartition(func(p *model.Partition) bool { return p.ID == id }); ok {
		return p
	}
	p := tx.st.PartitionByID(id)
	if p != nil {
		if _, staged := tx.objs[objKey{model.KindPartition, p.UUID}]; staged {
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
	for _, k := range tx.order {
		if k.kind != model.KindPartition || tx.objs[k] != nil {
			continue
		}
		if old := tx.st.Partition(k.key); old != nil && (freed == 0 || old.ID < freed) && tx.PartitionByID(old.ID) == nil {
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
	for _, k := range tx.order {
		if k.kind == model.KindProcPool {
			if old, ok := tx.st.Get(k.kind, k.key).(*model.ProcPool); ok {
				a.PoolReserved -= old.ReservedUnits
			}
			if p, ok := tx.objs[k].(*model.ProcPool); ok && p != nil {
				a.PoolReserved += p.ReservedUnits
			}
			continue
		}
		if k.kind != model.KindPartition {
			continue
		}
		if old := tx.st.Partition(k.key); old != nil {
			a = a.Sub(old.Holds())
		}
		if p, ok := tx.objs[k].(*model.Partition); ok && p != nil {
			a = a.Add(p.Holds())
		}
	}
	return a
}

// touch stages a clone of an unchanged object so that its revision moves
// (its rendering depends on what changed), with detail for the event.
func (tx *Tx) touch(k model.ObjKind, key string, detail string) {
	ok := objKey{k, key}
	if o, staged := tx.objs[ok]; staged {
		if o != nil {
			tx.Put(o, detail)
		}
		return
	}
	if o := tx.st.Get(k, key); o != nil {
		tx.Put(o.CloneObject(), detail)
	}
}

// delta is a committed operation's effect on a model.State.
type delta struct {
	sys  *model.ManagedSystem
	puts []model.Object
	dels []objKey
}

// removesContent tells whether the operation removed a device that may
// have stored contents (media, logical units and volumes).
func (d *delta) removesContent() bool {
	for _, k := range d.dels {
		if k.kind == model.KindMedia || k.kind == model.KindLU || k.kind == model.KindLV {
			return true
		}
	}
	return false
}

func (d *delta) apply(st *model.State) {
	if d.sys != nil {
		st.System = d.sys
	}
	for _, k := range d.dels {
		st.Delete(k.kind, k.key)
	}
	for _, o := range d.puts {
		st.Put(o)
	}
}

// dependents moves the revision of what renders an object that changed:
// an adapter's partition (and, for a trunk adapter, the bridges using
// it), the owners of an I/O slot and the managed system.
func (tx *Tx) dependents() (sysTouched bool) {
	n := len(tx.order)
	for i := 0; i < n; i++ {
		k := tx.order[i]
		old, cur := tx.st.Get(k.kind, k.key), tx.objs[k]
		switch k.kind {
		case model.KindAdapter:
			for _, o := range []model.Object{old, cur} {
				a, ok := o.(*model.EthernetAdapter)
				if !ok || a == nil {
					continue
				}
				if tx.Partition(a.Partition) != nil {
					tx.touch(model.KindPartition, a.Partition, "ClientNetworkAdapters")
				}
				if a.Trunk {
					tx.each(model.KindBridge, func(o model.Object) {
						b := o.(*model.NetworkBridge)
						for _, s := range b.SEAs {
							if containsStr(s.Trunks, a.UUID) {
								tx.touch(model.KindBridge, b.UUID, "Other")
								return
							}
						}
					})
				}
			}
		case model.KindPV, model.KindVG, model.KindLV, model.KindMedia, model.KindLU,
			model.KindSCSIMap, model.KindFCMap, model.KindFCPort:
			for _, o := range []model.Object{old, cur} {
				if o != nil {
					tx.storageDependents(o)
				}
			}
		case model.KindPartition:
			// The managed system lists its I/O slots with their owners'
			// names: a renamed owner changes it.
			if op, ok := old.(*model.Partition); ok && op != nil {
				if np, ok := cur.(*model.Partition); ok && np != nil && np.Name != op.Name && tx.ownsSlot(np.UUID) {
					sysTouched = true
				}
			}
		case model.KindSRIOVAdapter, model.KindSRIOVLP:
			// The managed system shows its SR-IOV adapters and their
			// ports' use.
			sysTouched = true
		case model.KindSlot:
			sysTouched = true
			for _, o := range []model.Object{old, cur} {
				if s, ok := o.(*model.IOSlot); ok && s != nil && s.Owner != "" && tx.Partition(s.Owner) != nil {
					tx.touch(model.KindPartition, s.Owner, "IOSlots")
				}
			}
		}
	}
	return sysTouched
}

func (tx *Tx) ownsSlot(partition string) bool {
	owns := false
	tx.each(model.KindSlot, func(o model.Object) {
		if o.(*model.IOSlot).Owner == partition {
			owns = true
		}
	})
	return owns
}

// finish assigns the revision, encodes the records and derives the events.
func (tx *Tx) finish(rev uint64) (*delta, []store.Change, []Event, error) {
	sysTouched := tx.dependents()
	d := &delta{puts: make([]model.Object, 0, len(tx.order))}
	// An object each (and a key it moves from), the system and the
	// sequence: room made once.
	changes := make([]store.Change, 0, len(tx.order)+2)
	events := make([]Event, 0, len(tx.order)+1)
	sysUUID := tx.st.System.UUID
	before := tx.st.Accounting()
	netsBefore := tx.networksIfAdaptersChanged(tx.st.Each)
	for _, k := range tx.order {
		o := tx.objs[k]
		old := tx.st.Get(k.kind, k.key)
		if o == nil {
			if old == nil {
				continue
			}
			d.dels = append(d.dels, k)
			changes = append(changes, store.Change{Bucket: string(k.kind), Key: recordKey(old)})
			if path := tx.pathOf(sysUUID, old); path != "" {
				events = append(events, Event{Type: EventDelete, Data: path})
			}
			continue
		}
		o.SetRevision(rev)
		b, err := json.Marshal(o)
		if err != nil {
			return nil, nil, nil, model.Internal("encode %s %s: %v", k.kind, k.key, err)
		}
		d.puts = append(d.puts, o)
		key := recordKey(o)
		if old != nil {
			if was := recordKey(old); was != key {
				changes = append(changes, store.Change{Bucket: string(k.kind), Key: was})
			}
		}
		changes = append(changes, store.Change{Bucket: string(k.kind), Key: key, Value: b})
		path := tx.pathOf(sysUUID, o)
		if path == "" {
			continue
		}
		if old == nil {
			events = append(events, Event{Type: EventAdd, Data: path})
		} else {
			det := tx.det[k]
			if len(det) == 0 {
				det = []string{"Other"}
			}
			events = append(events, Event{Type: EventModify, Data: path, Detail: joinComma(det)})
		}
	}
	events = append(events, tx.networkEvents(sysUUID, netsBefore)...)
	after := tx.Accounting()
	sys := tx.sys
	if sys == nil && (after != before || sysTouched) {
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
	if tx.bulkEvents > 0 && len(events) > tx.bulkEvents {
		events = []Event{{Type: EventCacheCleared}}
	}
	return d, changes, events, nil
}

// pathOf is the API path of an object ("" for objects without one).
func (tx *Tx) pathOf(sysUUID string, o model.Object) string {
	switch v := o.(type) {
	case *model.Partition:
		return PartitionPath(sysUUID, v)
	case *model.VirtualSwitch:
		return SystemPath(sysUUID) + "/VirtualSwitch/" + v.UUID
	case *model.NetworkBridge:
		return SystemPath(sysUUID) + "/NetworkBridge/" + v.UUID
	case *model.VolumeGroup:
		return VolumeGroupPath(v)
	case *model.SharedStoragePool:
		return "/rest/api/uom/SharedStoragePool/" + v.UUID
	case *model.Cluster:
		return "/rest/api/uom/Cluster/" + v.UUID
	case *model.LogicalUnit:
		ssp, _ := tx.Get(model.KindSSP, v.SSP).(*model.SharedStoragePool)
		if ssp == nil {
			ssp, _ = tx.st.Get(model.KindSSP, v.SSP).(*model.SharedStoragePool)
		}
		if ssp == nil {
			return ""
		}
		return LogicalUnitPath(ssp, v)
	case *model.File:
		return "/rest/api/web/File/" + v.UUID
	case *model.ProcPool:
		return ProcPoolPath(sysUUID, v.ID)
	case *model.VirtualSerial:
		return SystemPath(sysUUID) + "/VirtualSerialNumberInformation/" + VSNUUID(sysUUID, v.Serial)
	case *model.VirtualNIC:
		owner := tx.Partition(v.Partition)
		if owner == nil {
			owner = tx.st.Partition(v.Partition)
		}
		if owner == nil {
			return ""
		}
		return "/rest/api/uom/LogicalPartition/" + owner.UUID + "/VirtualNICDedicated/" + v.UUID
	case *model.SRIOVLogicalPort:
		owner := tx.Partition(v.Partition)
		if owner == nil {
			owner = tx.st.Partition(v.Partition)
		}
		if owner == nil {
			return ""
		}
		kind := "LogicalPartition"
		if owner.IsVIOS() {
			kind = "VirtualIOServer"
		}
		return "/rest/api/uom/" + kind + "/" + owner.UUID + "/SRIOVEthernetLogicalPort/" + v.UUID
	case *model.EthernetAdapter:
		owner := tx.Partition(v.Partition)
		if owner == nil {
			owner = tx.st.Partition(v.Partition)
		}
		if owner == nil {
			return ""
		}
		return AdapterPath(owner, v)
	}
	return ""
}

// VolumeGroupPath is the API path of a volume group.
func VolumeGroupPath(vg *model.VolumeGroup) string {
	return "/rest/api/uom/VirtualIOServer/" + vg.VIOS + "/VolumeGroup/" + vg.UUID
}

// LogicalUnitPath is the API path of a logical unit (under its pool's
// tier, where clients create them).
func LogicalUnitPath(ssp *model.SharedStoragePool, lu *model.LogicalUnit) string {
	return "/rest/api/uom/Tier/" + ssp.TierUUID + "/LogicalUnit/" + lu.UUID
}

// AdapterPath is the API path of a virtual Ethernet adapter.
func AdapterPath(owner *model.Partition, a *model.EthernetAdapter) string {
	return string(AppendAdapterPath(nil, owner, a))
}

// AppendAdapterPath appends AdapterPath(owner, a) to dst.
func AppendAdapterPath(dst []byte, owner *model.Partition, a *model.EthernetAdapter) []byte {
	kind := "LogicalPartition"
	if owner.IsVIOS() {
		kind = "VirtualIOServer"
	}
	dst = append(dst, "/rest/api/uom/"...)
	dst = append(dst, kind...)
	dst = append(dst, '/')
	dst = append(dst, owner.UUID...)
	dst = append(dst, "/ClientNetworkAdapter/"...)
	return append(dst, a.UUID...)
}

// NetworkUUID is the (stable) UUID of the virtual network of a VLAN on a
// switch.
func NetworkUUID(sysUUID string, switchID, vlan int) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(sysUUID+"/vnet/"+strconv.Itoa(switchID)+"/"+strconv.Itoa(vlan))).String()
}

// NetworkPath is the API path of a virtual network.
func NetworkPath(sysUUID string, switchID, vlan int) string {
	return SystemPath(sysUUID) + "/VirtualNetwork/" + NetworkUUID(sysUUID, switchID, vlan)
}

type netKey struct{ sw, vlan int }

// networksIfAdaptersChanged returns the (switch, VLAN) pairs in use before
// the operation when it changes adapters (nil otherwise).
func (tx *Tx) networksIfAdaptersChanged(each func(model.ObjKind, func(model.Object))) map[netKey]bool {
	for _, k := range tx.order {
		if k.kind == model.KindAdapter {
			return networkSet(each)
		}
	}
	return nil
}

func networkSet(each func(model.ObjKind, func(model.Object))) map[netKey]bool {
	set := map[netKey]bool{}
	each(model.KindAdapter, func(o model.Object) {
		a := o.(*model.EthernetAdapter)
		set[netKey{a.SwitchID, a.PVID}] = true
		for _, v := range a.Tagged {
			set[netKey{a.SwitchID, v}] = true
		}
	})
	return set
}

// networkEvents announces the virtual networks that appeared or went.
func (tx *Tx) networkEvents(sysUUID string, before map[netKey]bool) []Event {
	if before == nil {
		return nil
	}
	after := networkSet(tx.each)
	var evs []Event
	for k := range after {
		if !before[k] {
			evs = append(evs, Event{Type: EventAdd, Data: NetworkPath(sysUUID, k.sw, k.vlan)})
		}
	}
	for k := range before {
		if !after[k] {
			evs = append(evs, Event{Type: EventDelete, Data: NetworkPath(sysUUID, k.sw, k.vlan)})
		}
	}
	return evs
}

// storageDependents moves the revision of what renders a storage object
// that changed: a VIOS lists its disks, repository, media and mappings; a
// volume group its logical volumes and media; a pool its logical units; a
// client partition its virtual SCSI and Fibre Channel client adapters.
func (tx *Tx) storageDependents(o model.Object) {
	vios := func(uuid, detail string) {
		if tx.Partition(uuid) != nil {
			tx.touch(model.KindPartition, uuid, detail)
		}
	}
	vg := func(uuid string) {
		if tx.Get(model.KindVG, uuid) != nil {
			tx.touch(model.KindVG, uuid, "Other")
		}
	}
	// A VIOS lists the devices it maps, with their sizes.
	mappers := func(kind, id string) {
		tx.EachBy(model.SCSIByBacking, model.BackingKey(kind, id), func(o model.Object) {
			vios(o.(*model.SCSIMapping).VIOS, "VirtualSCSIMappings")
		})
	}
	switch v := o.(type) {
	case *model.PhysicalVolume:
		vios(v.VIOS, "PhysicalVolumes")
	case *model.VolumeGroup:
		if v.RepositoryMB > 0 || v.RepositoryName != "" {
			vios(v.VIOS, "MediaRepositories")
		}
	case *model.LogicalVolume:
		vg(v.VG)
		mappers(model.BackLV, v.UUID)
	case *model.OpticalMedia:
		vios(v.VIOS, "MediaRepositories")
		tx.each(model.KindVG, func(o model.Object) {
			if g := o.(*model.VolumeGroup); g.VIOS == v.VIOS && g.RepositoryMB > 0 {
				vg(g.UUID)
			}
		})
	case *model.LogicalUnit:
		if tx.Get(model.KindSSP, v.SSP) != nil {
			tx.touch(model.KindSSP, v.SSP, "LogicalUnits")
		}
		mappers(model.BackLU, v.UUID)
	case *model.SCSIMapping:
		vios(v.VIOS, "VirtualSCSIMappings")
		if v.Client != "" {
			vios(v.Client, "VirtualSCSIClientAdapters")
		}
	case *model.FCMapping:
		vios(v.VIOS, "VirtualFibreChannelMappings")
		if v.Client != "" {
			vios(v.Client, "VirtualFibreChannelClientAdapters")
		}
	case *model.FCPort:
		vios(v.VIOS, "PhysicalFibreChannelAdapters")
	}
}

// uuidOwner names what else has the UUID u besides objects of kind
// (the managed system, a switch, a logical unit, a tier ...), "" when
// nothing: a UUID names one object across all kinds.
func (tx *Tx) uuidOwner(u string, kind model.ObjKind) string {
	if strings.EqualFold(tx.System().UUID, u) {
		return "the managed system"
	}
	for _, k := range model.Kinds {
		if k == kind {
			continue
		}
		for _, key := range []string{u, strings.ToLower(u), strings.ToUpper(u)} {
			if tx.Get(k, key) != nil {
				return "an object of kind " + string(k)
			}
		}
	}
	owner := ""
	tx.each(model.KindSSP, func(o model.Object) {
		if strings.EqualFold(o.(*model.SharedStoragePool).TierUUID, u) {
			owner = "the tier of shared storage pool " + o.(*model.SharedStoragePool).Name
		}
	})
	return owner
}

// ErrUUIDInUse refuses a UUID another object has.
func ErrUUIDInUse(u, owner string) error {
	return &model.Error{ID: "PVME01050103-0019", Kind: model.KindInvalid,
		Msg: "The UUID " + u + " is already that of " + owner + "; a new object needs a UUID of its own."}
}
