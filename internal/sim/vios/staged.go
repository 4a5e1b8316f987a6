package vios

import (
	"maps"

	"github.com/novalink-project/novalink/internal/model"
)

// The state's indexes seen through a transaction's staged changes: what
// a Tx's EachBy, Nums and PoolHeldMB give when it stages changes over a
// base (the core's transaction over the writer's state, an overlay over
// a transaction). Each costs what the key lists plus what is staged of
// the kind, not what the system holds.

// Staged is what a transaction staged over its base.
type Staged interface {
	// IsStaged tells whether an object is staged (changed or deleted).
	IsStaged(k model.ObjKind, key string) bool
	// EachStaged calls fn for every staged object of a kind with the
	// base's version (nil when new) and the staged one (nil when
	// deleted).
	EachStaged(k model.ObjKind, fn func(before, after model.Object))
}

// StagedEachBy calls fn for every object listed under key, as staged:
// the base's (from base) that are not staged, then the staged ones.
func StagedEachBy(s Staged, base func(model.Index, string, func(model.Object)), ix model.Index, key string, fn func(model.Object)) {
	k := ix.Kind()
	base(ix, key, func(o model.Object) {
		if !s.IsStaged(k, o.Key()) {
			fn(o)
		}
	})
	s.EachStaged(k, func(_, after model.Object) {
		if after != nil && ix.Listed(after, key) {
			fn(after)
		}
	})
}

// numKinds are the kinds whose objects hold numbers (model.EachNum).
var numKinds = []model.ObjKind{model.KindAdapter, model.KindVNIC, model.KindSCSIMap, model.KindFCMap}

// StagedNums is a set of numbers in use as staged: the base's, less what
// the staged objects held in the base, plus what they hold.
func StagedNums(s Staged, base model.NumView, k model.NumKey) model.NumView {
	v := model.NumView{Set: base.Set, Delta: maps.Clone(base.Delta)}
	for _, kind := range numKinds {
		s.EachStaged(kind, func(before, after model.Object) {
			for d, o := range map[int]model.Object{-1: before, 1: after} {
				if o == nil {
					continue
				}
				model.EachNum(o, func(nk model.NumKey, n int) {
					if nk == k {
						v.Change(n, d)
					}
				})
			}
		})
	}
	return v
}

// StagedPoolHeldMB is what a pool's logical units hold as staged.
func StagedPoolHeldMB(s Staged, base int, ssp string) int {
	held := base
	s.EachStaged(model.KindLU, func(before, after model.Object) {
		if l, ok := before.(*model.LogicalUnit); ok && l.SSP == ssp {
			held -= l.HeldMB()
		}
		if l, ok := after.(*model.LogicalUnit); ok && l.SSP == ssp {
			held += l.HeldMB()
		}
	})
	return held
}

// ---- the overlay's --------------------------------------------------

func (o *overlayTx) IsStaged(k model.ObjKind, key string) bool {
	_, ok := o.objs[objRef{k, key}]
	return ok
}

func (o *overlayTx) EachStaged(k model.ObjKind, fn func(before, after model.Object)) {
	for _, r := range o.order {
		if r.kind == k {
			fn(o.base.Get(k, r.key), o.objs[r])
		}
	}
}

func (o *overlayTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	StagedEachBy(o, o.base.EachBy, ix, key, fn)
}

func (o *overlayTx) Nums(k model.NumKey) model.NumView { return StagedNums(o, o.base.Nums(k), k) }

func (o *overlayTx) PoolHeldMB(ssp string) int {
	return StagedPoolHeldMB(o, o.base.PoolHeldMB(ssp), ssp)
}
