package rest

import (
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The shared processor pools:
//
//	/rest/api/uom/ManagedSystem/<s>/SharedProcessorPool[/<uuid>]   read, update (name, maximum, reserve)
//
// All 64 pools are listed (shrprocpool.txt): the default pool 0 and the
// user pools 1-63, unconfigured (maximum 0) until a client sets them up.

// poolView is what a pool's entry shows: the pool and its partitions.
type poolView struct {
	pool    *model.ProcPool
	members []*model.Partition // partitions with shared processors in the pool, by ID
	held    model.Units        // what its active partitions hold
}

// poolObjects returns the objects of the pools of a state, by pool ID.
func poolObjects(st *model.State) []object {
	views := make([]*poolView, model.MaxProcPools)
	for i := range views {
		views[i] = &poolView{pool: model.ProcPoolOf(st.Get, i)}
	}
	for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return !p.Dedicated }) {
		if p.PoolID < 0 || p.PoolID >= model.MaxProcPools {
			continue
		}
		v := views[p.PoolID]
		v.members = append(v.members, p)
		if p.Active() {
			v.held += p.CurUnits
		}
	}
	out := make([]object, len(views))
	for i, v := range views {
		out[i] = poolObject(st.System, v)
	}
	return out
}

// poolObject is a pool's object: its revision follows the pool and its
// partitions (their membership and what they hold), which it renders.
func poolObject(sys *model.ManagedSystem, v *poolView) object {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatUint(v.pool.Rev, 10)))
	for _, p := range v.members {
		h.Write([]byte("|" + p.UUID + "@" + strconv.FormatUint(p.Rev, 10)))
	}
	return object{uuid: core.ProcPoolUUID(sys.UUID, v.pool.ID), rev: h.Sum64() >> 12, created: v.pool.Created, val: v}
}

func registerProcPoolKind(ks map[string]*kind) {
	ks["SharedProcessorPool"] = &kind{
		name:    "SharedProcessorPool",
		updates: procPoolUpdates,
		parents: []string{"ManagedSystem"},
		list:    func(st *model.State, _ string) []object { return poolObjects(st) },
		get: func(st *model.State, id string) (object, bool) {
			for _, o := range poolObjects(st) {
				if strings.EqualFold(o.uuid, id) {
					return o, true
				}
			}
			return object{}, false
		},
		render: func(rc *renderCtx, o object) *uom.Element { return renderProcPool(rc, o) },
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			v := o.val.(*poolView)
			if etag != "" && etag != core.EtagOf(o.rev) {
				return object{}, model.Stale("shared processor pool " + v.pool.Name)
			}
			want, err := procPoolFromXML(el)
			if err != nil {
				return object{}, err
			}
			if _, err := s.core.UpdateProcPool(a, v.pool.ID, want); err != nil {
				return object{}, err
			}
			var out object
			s.core.Read(func(st *model.State) { out = poolObjects(st)[v.pool.ID] })
			return out, nil
		},
		quick: func(rc *renderCtx, o object) map[string]any {
			return map[string]any{"PoolName": o.val.(*poolView).pool.Name}
		},
		search: map[string]func(object) string{
			"PoolName": func(o object) string { return o.val.(*poolView).pool.Name },
		},
	}
}

// renderProcPool renders a pool in the order of shrprocpool.txt: the
// default pool has no maximum or reserve.
func renderProcPool(rc *renderCtx, o object) *uom.Element {
	v := o.val.(*poolView)
	p := v.pool
	b := newObject(uom.NSUOM, "SharedProcessorPool", o.uuid, p.Created, uom.Schema("SharedProcessorPool"))
	if len(v.members) > 0 {
		hrefs := make([]string, len(v.members))
		for i, m := range v.members {
			hrefs[i] = rc.base + core.PartitionPath(rc.sys.UUID, m)
		}
		b.links("AssignedPartitions", hrefs)
	}
	avail := model.Units(0)
	if p.ID != 0 {
		b.leaf("CurrentReservedProcessingUnits", p.ReservedUnits.Fixed2())
		b.leaf("MaximumProcessingUnits", p.MaxUnits.Fixed2())
		b.leaf("PendingReservedProcessingUnits", p.ReservedUnits.Fixed2())
		if avail = p.MaxUnits - p.ReservedUnits - v.held; avail < 0 {
			avail = 0
		}
	}
	b.int("PoolID", p.ID)
	b.leaf("AvailableProcUnits", avail.Fixed2())
	b.leaf("PoolName", p.Name)
	return b.el
}

// procPoolFromXML reads a pool update: PoolName, MaximumProcessingUnits
// and PendingReservedProcessingUnits; what is derived (PoolID, the
// current reserve, the available units, the assigned partitions) is
// ignored.
func procPoolFromXML(el *uom.Element) (core.ProcPoolWant, error) {
	var w core.ProcPoolWant
	x := &xmlReader{}
	for _, c := range el.Children {
		switch c.Local {
		case "PoolName":
			name := x.text(c)
			w.Name = &name
		case "MaximumProcessingUnits":
			var u model.Units
			x.units(c.Local, c, &u)
			w.MaxUnits = &u
		case "PendingReservedProcessingUnits":
			var u model.Units
			x.units(c.Local, c, &u)
			w.Reserved = &u
		}
		if x.err != nil {
			return w, x.err
		}
	}
	return w, nil
}
