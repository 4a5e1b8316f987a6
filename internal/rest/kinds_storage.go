package rest

import (
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/uom"
)

// The storage kinds:
//
//	/rest/api/uom/SharedStoragePool[/<uuid>]                 update (LogicalUnits edited)
//	/rest/api/uom/Cluster/<c>/SharedStoragePool[/<uuid>]      the same pools, under their cluster
//	/rest/api/uom/Tier[/<uuid>]                              read only
//	/rest/api/uom/SharedStoragePool/<s>/Tier[/<uuid>]         the same tiers, under their pool
//	/rest/api/uom/Tier/<t>/LogicalUnit[/<uuid>]              create, update (grow), delete
//	/rest/api/uom/Cluster[/<uuid>]                           read only
//	/rest/api/uom/VirtualIOServer/<v>/VolumeGroup[/<uuid>]   create, update, delete
//
// and the storage sections of the VirtualIOServer (groups ViosStorage,
// ViosSCSIMapping, ViosFCMapping), whose vSCSI and vFC mappings change
// when the VIOS is POSTed with its mapping lists edited.

// viewTx is a read-only vios.Tx over a view of the model, for the queries
// of internal/sim/vios. Put and Delete must not be called; Now is the
// zero time (no query uses it).
type viewTx struct{ st *model.State }

func (v viewTx) Get(k model.ObjKind, key string) model.Object { return v.st.Get(k, key) }
func (v viewTx) Put(model.Object, ...string) {
	panic("rest: a read-only view of the model was asked to stage a change")
}
func (v viewTx) Delete(model.ObjKind, string) {
	panic("rest: a read-only view of the model was asked to stage a removal")
}
func (v viewTx) Each(k model.ObjKind, fn func(model.Object)) { v.st.Each(k, fn) }
func (v viewTx) Partition(uuid string) *model.Partition      { return v.st.Partition(uuid) }
func (v viewTx) System() *model.ManagedSystem                { return v.st.System }
func (v viewTx) Now() time.Time                              { return time.Time{} }
func (v viewTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	v.st.EachBy(ix, key, fn)
}
func (v viewTx) Nums(k model.NumKey) model.NumView { return v.st.NumView(k) }
func (v viewTx) PoolHeldMB(ssp string) int         { return v.st.PoolHeldMB(ssp) }

func readTx(st *model.State) viewTx { return viewTx{st: st} }

// partitionByUUID finds a partition whatever the case of the UUID.
func partitionByUUID(st *model.State, id string) *model.Partition {
	if p := st.Partition(id); p != nil {
		return p
	}
	if p := st.Partition(strings.ToUpper(id)); p != nil {
		return p
	}
	for _, p := range st.Partitions {
		if strings.EqualFold(p.UUID, id) {
			return p
		}
	}
	return nil
}

// getObject finds a stored object whatever the case of its key.
func getObject(st *model.State, k model.ObjKind, id string) model.Object {
	if o := st.Get(k, id); o != nil {
		return o
	}
	if o := st.Get(k, strings.ToLower(id)); o != nil {
		return o
	}
	var out model.Object
	st.Each(k, func(o model.Object) {
		if out == nil && strings.EqualFold(o.Key(), id) {
			out = o
		}
	})
	return out
}

func registerStorageKinds(ks map[string]*kind) {
	ks["SharedStoragePool"] = &kind{
		name:    "SharedStoragePool",
		parents: []string{"Cluster"},
		root:    true,
		owner:   func(o object) string { return o.val.(*model.SharedStoragePool).Cluster },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, s := range vios.SSPs(readTx(st)) {
				if parentID == "" || strings.EqualFold(s.Cluster, parentID) {
					out = append(out, sspObject(s))
				}
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			s, _ := getObject(st, model.KindSSP, id).(*model.SharedStoragePool)
			if s == nil {
				return object{}, false
			}
			return sspObject(s), true
		},
		render: func(rc *renderCtx, o object) *uom.Element {
			v, _ := o.aux.(*sspView)
			if v == nil {
				v = &sspView{ssp: o.val.(*model.SharedStoragePool)}
			}
			return renderSSP(rc, v)
		},
		aux:     func(st *model.State, o object) any { return sspViewOf(st, o.val.(*model.SharedStoragePool)) },
		updates: poolUpdates,
		// pypowervm's LU wrapper may carry these on a new logical unit.
		tolerated: map[string]bool{"Tag": true, "EmulateModel": true, "LogicalUnitMigration": true},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			ssp := o.val.(*model.SharedStoragePool)
			want, listed, err := s.poolLUsFromXML(ssp, el)
			if err != nil {
				return object{}, err
			}
			if !listed {
				if etag != "" && etag != core.EtagOf(o.rev) {
					return object{}, model.Stale(ssp.Name)
				}
				return o, nil
			}
			n, err := s.core.UpdatePoolLUs(a, ssp.UUID, etag, want)
			if err != nil {
				return object{}, err
			}
			return sspObject(n), nil
		},
		search: map[string]func(object) string{
			"StoragePoolName": func(o object) string { return o.val.(*model.SharedStoragePool).Name },
			"UniqueDeviceID":  func(o object) string { return o.val.(*model.SharedStoragePool).UDID },
		},
	}

	ks["Tier"] = &kind{
		name:    "Tier",
		parents: []string{"SharedStoragePool"},
		root:    true,
		owner:   func(o object) string { return o.val.(*model.SharedStoragePool).UUID },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, s := range vios.SSPs(readTx(st)) {
				if parentID == "" || strings.EqualFold(s.UUID, parentID) {
					out = append(out, tierObject(s))
				}
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			s := core.PoolByTier(st, id)
			if s == nil {
				return object{}, false
			}
			return tierObject(s), true
		},
		render: func(rc *renderCtx, o object) *uom.Element {
			v, _ := o.aux.(*sspView)
			if v == nil {
				v = &sspView{ssp: o.val.(*model.SharedStoragePool)}
			}
			return renderTier(rc, v)
		},
		aux:      func(st *model.State, o object) any { return sspViewOf(st, o.val.(*model.SharedStoragePool)) },
		readOnly: "The tiers of a shared storage pool cannot be created, changed or deleted through this API; create logical units in a tier with PUT /rest/api/uom/Tier/{uuid}/LogicalUnit.",
		search: map[string]func(object) string{
			"Name":      func(o object) string { return o.val.(*model.SharedStoragePool).TierName },
			"IsDefault": func(object) string { return "true" },
		},
	}

	ks["LogicalUnit"] = &kind{
		name:    "LogicalUnit",
		parents: []string{"Tier"},
		owner:   func(o object) string { return o.val.(luView).tier },
		list: func(st *model.State, parentID string) []object {
			ssp := core.PoolByTier(st, parentID)
			if ssp == nil {
				return nil
			}
			tx := readTx(st)
			var out []object
			for _, lu := range vios.LUs(tx, ssp.UUID) {
				out = append(out, luObject(tx, ssp, lu))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			lu, _ := getObject(st, model.KindLU, id).(*model.LogicalUnit)
			if lu == nil {
				return object{}, false
			}
			ssp, _ := st.Get(model.KindSSP, lu.SSP).(*model.SharedStoragePool)
			if ssp == nil {
				return object{}, false
			}
			return luObject(readTx(st), ssp, lu), true
		},
		render:  func(rc *renderCtx, o object) *uom.Element { return renderLU(rc, o.val.(luView)) },
		updates: luUpdates,
		// Elements of pypowervm's LU wrapper a request may carry.
		tolerated: map[string]bool{"Tag": true, "EmulateModel": true, "LogicalUnitMigration": true},
		create: func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
			var ssp *model.SharedStoragePool
			s.core.Read(func(st *model.State) { ssp = core.PoolByTier(st, parentID) })
			if ssp == nil {
				return object{}, model.ErrNoObject("Tier", parentID)
			}
			spec, err := luSpecFromXML(el)
			if err != nil {
				return object{}, err
			}
			s.core.Read(func(st *model.State) { fitClone(st, el, &spec) })
			lu, err := s.core.CreateLU(a, ssp.UUID, spec)
			if err != nil {
				return object{}, err
			}
			var o object
			s.core.Read(func(st *model.State) { o = luObject(readTx(st), ssp, lu) })
			return o, nil
		},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			v := o.val.(luView)
			mb, err := luResizeFromXML(v.lu, el)
			if err != nil {
				return object{}, err
			}
			if mb == v.lu.CapacityMB {
				if etag != "" && etag != core.EtagOf(o.rev) {
					return object{}, model.Stale(v.lu.Name)
				}
				return o, nil
			}
			n, err := s.core.UpdateLU(a, v.lu.UUID, etag, mb)
			if err != nil {
				return object{}, err
			}
			v.lu = n
			return object{uuid: n.UUID, rev: n.Rev, created: o.created, val: v}, nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			return s.core.DeleteLU(a, o.val.(luView).lu.UUID, etag)
		},
		search: map[string]func(object) string{
			"UnitName":        func(o object) string { return o.val.(luView).lu.Name },
			"UniqueDeviceID":  func(o object) string { return o.val.(luView).lu.UDID },
			"LogicalUnitType": func(o object) string { return o.val.(luView).lu.Type },
		},
	}

	ks["Cluster"] = &kind{
		name: "Cluster",
		root: true,
		list: func(st *model.State, _ string) []object {
			var out []object
			for _, c := range sortedClusters(st) {
				out = append(out, clusterObject(st, c))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			c, _ := getObject(st, model.KindCluster, id).(*model.Cluster)
			if c == nil {
				return object{}, false
			}
			return clusterObject(st, c), true
		},
		render:   func(rc *renderCtx, o object) *uom.Element { return renderCluster(rc, o.val.(*clusterView)) },
		readOnly: "A cluster is created by the job Cluster/do/Create (clusterXml, sspXml); it cannot be created, changed or deleted otherwise through this API on this server.",
		search: map[string]func(object) string{
			"ClusterName": func(o object) string { return o.val.(*clusterView).c.Name },
		},
	}

	ks["VolumeGroup"] = &kind{
		name:    "VolumeGroup",
		parents: []string{"VirtualIOServer"},
		updates: vgUpdates,
		owner:   func(o object) string { return o.val.(*model.VolumeGroup).VIOS },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, vg := range vios.VGs(readTx(st), parentID) {
				out = append(out, vgObject(vg))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			vg, _ := getObject(st, model.KindVG, id).(*model.VolumeGroup)
			if vg == nil {
				return object{}, false
			}
			return vgObject(vg), true
		},
		render: func(rc *renderCtx, o object) *uom.Element {
			v, _ := o.aux.(*vgView)
			if v == nil {
				v = &vgView{vg: o.val.(*model.VolumeGroup)}
			}
			return renderVG(rc, v)
		},
		aux: func(st *model.State, o object) any { return vgViewOf(st, o.val.(*model.VolumeGroup)) },
		// Request-only elements of pypowervm's VDisk and VMediaRepos
		// wrappers (VDisk.bld writes VirtualDiskType; copies write
		// BaseImage and FileFormat).
		tolerated: map[string]bool{"VirtualDiskType": true, "BaseImage": true, "FileFormat": true, "BackStoreType": true,
			"MaxLogicalVolumes": true, "Tag": true, "EmulateModel": true, "OptionalParameters": true, "RbdUser": true},
		create: func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
			name, disks, err := s.vgCreateFromXML(parentID, el)
			if err != nil {
				return object{}, err
			}
			vg, err := s.core.CreateVolumeGroup(a, parentID, name, disks)
			if err != nil {
				return object{}, err
			}
			want, changes, err := s.vgWantFromXML(vg, el)
			if err != nil {
				return object{}, err
			}
			if changes {
				if vg, err = s.core.UpdateVolumeGroup(a, parentID, vg.UUID, "", want); err != nil {
					return object{}, err
				}
			}
			return vgObject(vg), nil
		},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			vg := o.val.(*model.VolumeGroup)
			want, _, err := s.vgWantFromXML(vg, el)
			if err != nil {
				return object{}, err
			}
			n, err := s.core.UpdateVolumeGroup(a, vg.VIOS, vg.UUID, etag, want)
			if err != nil {
				return object{}, err
			}
			if n == nil {
				return object{}, model.ErrNoObject("VolumeGroup", vg.UUID)
			}
			return vgObject(n), nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			vg := o.val.(*model.VolumeGroup)
			return s.core.DeleteVolumeGroup(a, vg.VIOS, vg.UUID, etag)
		},
		search: map[string]func(object) string{
			"GroupName": func(o object) string { return o.val.(*model.VolumeGroup).Name },
		},
	}

	extendVIOSKind(ks["VirtualIOServer"])
}

// extendVIOSKind adds the storage sections to the VirtualIOServer kind:
// what it renders (PhysicalVolumes, MediaRepositories, StoragePools, the
// vSCSI and vFC mappings, the physical FC ports of its FC adapters) and
// the mapping lists a POST may edit.
func extendVIOSKind(k *kind) {
	if k == nil {
		return
	}
	baseAux, baseRender, baseUpdate := k.aux, k.render, k.update
	// The storage sections are placed into the rendered tree.
	k.write = nil
	k.aux = func(st *model.State, o object) any {
		a := &viosAux{stor: viosStorageOf(st, o.val.(*model.Partition))}
		if baseAux != nil {
			a.base = baseAux(st, o)
		}
		return a
	}
	k.render = func(rc *renderCtx, o object) *uom.Element {
		a, _ := o.aux.(*viosAux)
		if a == nil {
			a = &viosAux{}
		}
		base := o
		base.aux = a.base
		el := baseRender(rc, base)
		if a.stor != nil {
			viosStorageInto(el, rc, o.val.(*model.Partition), a.stor)
		}
		return el
	}
	if k.tolerated == nil {
		k.tolerated = map[string]bool{}
	}
	// Request-only elements of pypowervm's mapping builders, and what its
	// storage wrappers carry that the VIOS schema has not (an LU read from
	// its Tier has InUse).
	for _, n := range []string{"UseNextAvailableSlotID", "UseNextAvailableHighSlotID", "InUse", "Tag", "EmulateModel",
		"BaseImage", "FileFormat", "BackStoreType", "LogicalUnitMigration", "StorageLabel", "DescriptorPage83",
		"MaxLogicalVolumes", "PartitionSize", "VolumeGroup", "VirtualDiskType", "Enabled", "RbdUser", "OptionalParameters"} {
		k.tolerated[n] = true
	}
	k.update = func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
		p := o.val.(*model.Partition)
		// Read the mapping lists first: an error in them changes nothing.
		scsi, fc, err := s.viosMappingsFromXML(p, el, g)
		if err != nil {
			return object{}, err
		}
		n, err := baseUpdate(s, a, o, etag, el, g)
		if err != nil {
			return object{}, err
		}
		// The partition update checked the etag; the mapping updates
		// follow on the revision it left (its own when nothing changed).
		next := ""
		if etag != "" {
			next = core.EtagOf(n.rev)
		}
		if scsi != nil {
			if err := s.core.UpdateSCSIMappings(a, p.UUID, next, scsi); err != nil {
				return object{}, err
			}
			next = ""
		}
		if fc != nil {
			if err := s.core.UpdateFCMappings(a, p.UUID, next, fc); err != nil {
				return object{}, err
			}
		}
		var out object
		var ok bool
		s.core.Read(func(st *model.State) { out, ok = k.get(st, p.UUID) })
		if !ok {
			return n, nil
		}
		return out, nil
	}
}

// viosAux is what a VIOS renders from besides itself: what the partition
// kinds gather (adapters, slots, SEAs) and its storage.
type viosAux struct {
	base any
	stor *viosStorage
}

func sspObject(s *model.SharedStoragePool) object {
	return object{uuid: s.UUID, rev: s.Rev, created: s.Created, val: s}
}

// tierObject is a pool's tier: it renders from the pool (its capacity
// and disks), so its revision derives from the pool's.
func tierObject(s *model.SharedStoragePool) object {
	return object{uuid: s.TierUUID, rev: hashRev(s.Rev, hashString(s.TierUUID)), created: s.Created, val: s}
}

// luView is a logical unit with what its entry shows besides itself.
type luView struct {
	lu    *model.LogicalUnit
	tier  string
	inUse bool
}

func luObject(tx viewTx, ssp *model.SharedStoragePool, lu *model.LogicalUnit) object {
	v := luView{lu: lu, tier: ssp.TierUUID, inUse: luInUse(tx, lu.UUID)}
	return object{uuid: lu.UUID, rev: lu.Rev, created: ssp.Created, val: v}
}

// luInUse tells whether a logical unit is mapped: by a VIOS of this
// system, or (a cluster spanning systems of a fleet) of another.
func luInUse(tx viewTx, uuid string) bool {
	if len(vios.MappingsOf(tx, model.BackLU, uuid)) > 0 {
		return true
	}
	return tx.st.Peers != nil && tx.st.Peers.MapsLU(uuid)
}

func vgObject(vg *model.VolumeGroup) object {
	return object{uuid: vg.UUID, rev: vg.Rev, created: vg.Created, val: vg}
}

func sortedClusters(st *model.State) []*model.Cluster {
	var out []*model.Cluster
	st.Each(model.KindCluster, func(o model.Object) { out = append(out, o.(*model.Cluster)) })
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
