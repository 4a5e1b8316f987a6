package core

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// TestTxIndexesThroughStagedChanges: what a transaction reads from the
// state's indexes (EachBy, Nums, PoolHeldMB) takes in what it staged —
// mappings made and removed, logical units made and removed, adapters
// made — exactly as going through every object as staged does, and the
// writer's state is not changed by the staging.
func TestTxIndexesThroughStagedChanges(t *testing.T) {
	inv := DefaultInventory()
	for i := range 4 {
		inv.Partitions = append(inv.Partitions, ClientSpec{Name: fmt.Sprintf("d%d", i), MemoryMB: 1024,
			Storage: []StorageSpec{{LU: fmt.Sprintf("lu%d", i), SizeMB: 1024}, {LU: fmt.Sprintf("thin%d", i), SizeMB: 2048, Thin: true}}})
	}
	st, err := inv.Build(time.Now().UnixMilli(), sim.Profiles["fast"])
	if err != nil {
		t.Fatal(err)
	}
	before := scanIndexes(t, st.Each, st)
	tx := &Tx{st: st, now: time.Now(), actor: internalActor, ids: newIDSource(1, "test")}
	vioses := st.SortedPartitions(func(p *model.Partition) bool { return p.IsVIOS() })
	ssp := vios.SSPs(tx)[0]
	d0, d1 := st.PartitionByName("d0"), st.PartitionByName("d1")
	// Remove d0's mappings and its thick LU; give d1 two more disks and
	// d0 an adapter in the slot its vSCSI adapter left.
	for _, m := range vios.MappingsOf(tx, model.BackLU, vios.LUByName(tx, ssp.UUID, "lu0")[0].UUID) {
		if err := vios.UnmapSCSI(tx, m, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := vios.RemoveLU(tx, vios.LUByName(tx, ssp.UUID, "lu0")[0]); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"more1", "more2"} {
		lu, err := vios.CreateLU(tx, ssp, vios.LUSpec{Name: name, CapacityMB: 512})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vioses {
			if _, err := vios.MapSCSI(tx, v, vios.SCSISpec{Client: d1.UUID, Backing: model.BackLU, BackingID: lu.UUID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := tx.newAdapter(d0, &model.EthernetAdapter{PVID: 7, SwitchID: 0}, SlotNext); err != nil {
		t.Fatal(err)
	}
	if len(tx.order) == 0 {
		t.Fatal("nothing staged")
	}
	want := scanIndexes(t, tx.Each, st)
	got := readIndexes(tx, want.keys)
	if d := got.diff(want); d != "" {
		t.Errorf("through the staged changes: %s", d)
	}
	if d := readIndexes(st, before.keys).diff(before); d != "" {
		t.Errorf("the state changed under the transaction: %s", d)
	}
	// And the same once applied to the state.
	tx.applyTo(st)
	after := scanIndexes(t, st.Each, st)
	if d := readIndexes(st, after.keys).diff(after); d != "" {
		t.Errorf("applied: %s", d)
	}
	if d := after.diff(want); d != "" {
		t.Errorf("applied, the state differs from what the transaction read: %s", d)
	}
}

type indexReads struct {
	keys struct {
		ix   map[model.Index][]string
		nums []model.NumKey
		ssps []string
	}
	lists map[model.Index]map[string][]string
	nums  map[model.NumKey][]int // each number's users, 0..299
	held  map[string]int
}

type indexReader interface {
	EachBy(ix model.Index, key string, fn func(model.Object))
	PoolHeldMB(ssp string) int
}

func numsOf(r indexReader, k model.NumKey) []int {
	out := make([]int, 300)
	switch v := r.(type) {
	case *Tx:
		nv := v.Nums(k)
		for n := range out {
			out[n] = nv.Set.Users(n) + nv.Delta[n]
		}
	case *model.State:
		set := v.Nums(k)
		for n := range out {
			out[n] = set.Users(n)
		}
	}
	return out
}

// scanIndexes finds what the indexes should list by going through every
// object (as each gives them).
func scanIndexes(t *testing.T, each func(model.ObjKind, func(model.Object)), st *model.State) (r indexReads) {
	t.Helper()
	r.keys.ix = map[model.Index][]string{}
	r.lists = map[model.Index]map[string][]string{}
	r.nums = map[model.NumKey][]int{}
	r.held = map[string]int{}
	for ix := range model.NumIndexes {
		m := map[string][]string{}
		each(ix.Kind(), func(o model.Object) {
			ix.Keys(o, func(k string) { m[k] = append(m[k], o.Key()) })
		})
		for k, l := range m {
			slices.Sort(l)
			r.keys.ix[ix] = append(r.keys.ix[ix], k)
		}
		r.lists[ix] = m
	}
	for _, k := range []model.ObjKind{model.KindAdapter, model.KindVNIC, model.KindSCSIMap, model.KindFCMap} {
		each(k, func(o model.Object) {
			model.EachNum(o, func(nk model.NumKey, n int) {
				if r.nums[nk] == nil {
					r.nums[nk] = make([]int, 300)
					r.keys.nums = append(r.keys.nums, nk)
				}
				r.nums[nk][n]++
			})
		})
	}
	each(model.KindSSP, func(o model.Object) { r.keys.ssps = append(r.keys.ssps, o.Key()) })
	each(model.KindLU, func(o model.Object) {
		l := o.(*model.LogicalUnit)
		r.held[l.SSP] += l.HeldMB()
	})
	// Keys the state knew before are read too (what went must be gone).
	for ix := range model.NumIndexes {
		st.Each(ix.Kind(), func(o model.Object) {
			ix.Keys(o, func(k string) {
				if _, ok := r.lists[ix][k]; !ok {
					r.lists[ix][k] = nil
					r.keys.ix[ix] = append(r.keys.ix[ix], k)
				}
			})
		})
	}
	return r
}

func readIndexes(rd indexReader, keys struct {
	ix   map[model.Index][]string
	nums []model.NumKey
	ssps []string
}) (r indexReads) {
	r.lists = map[model.Index]map[string][]string{}
	r.nums = map[model.NumKey][]int{}
	r.held = map[string]int{}
	for ix, ks := range keys.ix {
		r.lists[ix] = map[string][]string{}
		for _, k := range ks {
			var l []string
			rd.EachBy(ix, k, func(o model.Object) { l = append(l, o.Key()) })
			slices.Sort(l)
			r.lists[ix][k] = l
		}
	}
	for _, k := range keys.nums {
		r.nums[k] = numsOf(rd, k)
	}
	for _, s := range keys.ssps {
		r.held[s] = rd.PoolHeldMB(s)
	}
	return r
}

func (a indexReads) diff(b indexReads) string {
	for ix, m := range b.lists {
		for k, l := range m {
			if !slices.Equal(a.lists[ix][k], l) {
				return fmt.Sprintf("index %d key %q: %v, want %v", ix, k, a.lists[ix][k], l)
			}
		}
	}
	for k, want := range b.nums {
		if !slices.Equal(a.nums[k], want) {
			return fmt.Sprintf("numbers %v: %v, want %v", k, a.nums[k], want)
		}
	}
	for s, want := range b.held {
		if a.held[s] != want {
			return fmt.Sprintf("pool %s holds %d MB, want %d", s, a.held[s], want)
		}
	}
	return ""
}
