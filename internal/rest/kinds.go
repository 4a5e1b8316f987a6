package rest

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// registerKinds lists the object types this server knows.
func (s *Server) registerKinds() map[string]*kind {
	ks := map[string]*kind{}
	ks["ManagedSystem"] = &kind{
		name: "ManagedSystem",
		root: true,
		list: func(st *model.State, _ string) []object {
			return []object{systemObjectIn(st)}
		},
		get: func(st *model.State, id string) (object, bool) {
			if strings.EqualFold(id, st.System.UUID) {
				return systemObjectIn(st), true
			}
			return object{}, false
		},
		// As a parent, the system is its UUID: the variant of its entry
		// (its slots' owners, a fleet's partitions: a pass over them)
		// is for rendering it.
		find: func(st *model.State, id string) (object, bool) {
			if strings.EqualFold(id, st.System.UUID) {
				return systemObject(st.System), true
			}
			return object{}, false
		},
		render: func(rc *renderCtx, o object) *uom.Element {
			sio, _ := o.aux.(*systemIO)
			return renderSystem(rc, o.val.(*model.ManagedSystem), sio)
		},
		aux:     func(st *model.State, o object) any { return systemIOOf(st) },
		updates: systemUpdates,
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			n, err := s.core.UpdateSystem(a, etag, func(sys *model.ManagedSystem) error {
				if name, ok := el.FindText("SystemName"); ok {
					sys.Name = name
				}
				return nil
			})
			if err != nil {
				return object{}, err
			}
			return systemObject(n), nil
		},
		quick: func(rc *renderCtx, o object) map[string]any { return systemQuick(o.val.(*model.ManagedSystem)) },
		search: map[string]func(object) string{
			"SystemName": func(o object) string { return o.val.(*model.ManagedSystem).Name },
		},
	}
	for _, typ := range []model.PartitionType{model.TypeAIXLinux, model.TypeVIOS} {
		typ := typ
		name := "LogicalPartition"
		if typ == model.TypeVIOS {
			name = "VirtualIOServer"
		}
		isKind := func(p *model.Partition) bool { return (p.Type == model.TypeVIOS) == (typ == model.TypeVIOS) }
		ks[name] = &kind{
			name:    name,
			parents: []string{"ManagedSystem"},
			root:    true,
			list: func(st *model.State, _ string) []object {
				ps := st.SortedPartitions(isKind)
				out := make([]object, len(ps))
				for i, p := range ps {
					out[i] = partitionObject(p)
				}
				return out
			},
			get: func(st *model.State, id string) (object, bool) {
				p := st.Partition(strings.ToUpper(id))
				if p == nil || !isKind(p) {
					return object{}, false
				}
				return partitionObject(p), true
			},
			render: func(rc *renderCtx, o object) *uom.Element {
				net, _ := o.aux.(*partitionNet)
				return renderPartition(rc.base, rc.sys, o.val.(*model.Partition), rc.now, net)
			},
			aux: func(st *model.State, o object) any { return partitionNetOf(st, o.val.(*model.Partition)) },
			write: func(rc *renderCtx, o object, out *xmlOut, g groupSel) {
				net, _ := o.aux.(*partitionNet)
				writePartition(out, g, rc.base, rc.sys, o.val.(*model.Partition), rc.now, net)
			},
			// An LPAR that owns I/O slots lists them as a VIOS does; the
			// LogicalPartition schema (no capture shows one) lacks them.
			tolerated: map[string]bool{"ProfileIOSlot": true},
			volatile:  func(o object) bool { return o.val.(*model.Partition).Active() },
			updates:   partitionUpdates(typ == model.TypeVIOS),
			create: func(s *Server, a core.Actor, _ string, el *uom.Element) (object, error) {
				p, err := s.partitionFromXML(el, typ)
				if err != nil {
					return object{}, err
				}
				n, err := s.core.CreatePartition(a, p)
				if err != nil {
					return object{}, err
				}
				return partitionObject(n), nil
			},
			update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
				slots, listed, err := s.profileSlotsOf(el)
				if err != nil {
					return object{}, err
				}
				if listed && slots == nil {
					slots = []int{} // it lists none: it is to own none
				} else if !listed {
					slots = nil
				}
				// The partition and the I/O slots it lists (see
				// parse_slots.go) change in one operation.
				n, err := s.core.UpdatePartitionAndSlots(a, o.uuid, etag, func(p *model.Partition) error {
					return applyPartitionXML(p, el, uom.Schema(name), false, g)
				}, slots)
				if err != nil {
					return object{}, err
				}
				return partitionObject(n), nil
			},
			delete: func(s *Server, a core.Actor, o object, etag string) error {
				return s.core.DeletePartition(a, o.uuid, etag)
			},
			quick: func(rc *renderCtx, o object) map[string]any { return partitionQuick(rc, o.val.(*model.Partition)) },
			search: map[string]func(object) string{
				"PartitionName": func(o object) string { return o.val.(*model.Partition).Name },
				"PartitionID":   func(o object) string { return strconv.Itoa(o.val.(*model.Partition).ID) },
				"PartitionType": func(o object) string { return string(o.val.(*model.Partition).Type) },
				"PartitionState": func(o object) string {
					return o.val.(*model.Partition).State
				},
			},
		}
	}
	registerNetworkKinds(ks)
	registerProcPoolKind(ks)
	registerVSNKind(ks)
	registerClientAdapterKinds(ks)
	registerConsoleKinds(ks)
	registerStorageKinds(ks)
	registerSRIOVKinds(ks)
	return ks
}

func systemObject(sys *model.ManagedSystem) object {
	return object{uuid: sys.UUID, rev: sys.Rev, created: sys.Created, val: sys}
}

func partitionObject(p *model.Partition) object {
	return object{uuid: p.UUID, rev: p.Rev, created: p.Created, val: p}
}
