package rest

import (
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The networking kinds:
//
//	/rest/api/uom/ManagedSystem/<s>/VirtualSwitch[/<uuid>]        create, update, delete
//	/rest/api/uom/ManagedSystem/<s>/VirtualNetwork[/<uuid>]       read only (derived)
//	/rest/api/uom/{LogicalPartition,VirtualIOServer}/<p>/ClientNetworkAdapter[/<uuid>]
//	/rest/api/uom/ManagedSystem/<s>/{LogicalPartition,VirtualIOServer}/<p>/ClientNetworkAdapter[/<uuid>]
//	                                                              create, update, delete
//	/rest/api/uom/ManagedSystem/<s>/NetworkBridge[/<uuid>]        update
//	/rest/api/uom/ManagedSystem/<s>/NetworkBridge/<b>/LoadGroup[/<uuid>]  read only (derived)

// vnetReadOnly is the answer to a write of a virtual network.
const vnetReadOnly = "NovaLink derives virtual networks from the VLANs of the virtual Ethernet adapters: " +
	"a VirtualNetwork exists while an adapter on its virtual switch carries its VLAN, and cannot be created, changed or deleted. " +
	"Create or change a ClientNetworkAdapter (or the trunk adapters of a NetworkBridge) instead."

// loadGroupReadOnly is the answer to a write of a load group.
const loadGroupReadOnly = "NovaLink derives the load groups of a network bridge from the trunk adapters of its shared Ethernet adapters: " +
	"a LoadGroup cannot be created, changed or deleted on its own. Change the trunk adapters in the NetworkBridge instead."

func registerNetworkKinds(ks map[string]*kind) {
	ks["VirtualSwitch"] = &kind{
		name:    "VirtualSwitch",
		parents: []string{"ManagedSystem"},
		list: func(st *model.State, _ string) []object {
			nets := networksBySwitch(st)
			var out []object
			for _, sw := range st.SortedSwitches() {
				out = append(out, switchObject(sw, nets[sw.ID]))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			sw := switchByUUID(st, id)
			if sw == nil {
				return object{}, false
			}
			return switchObject(sw, networksBySwitch(st)[sw.ID]), true
		},
		render:  func(rc *renderCtx, o object) *uom.Element { return renderSwitch(rc, o.val.(switchView)) },
		updates: switchUpdates,
		create: func(s *Server, a core.Actor, _ string, el *uom.Element) (object, error) {
			sw := &model.VirtualSwitch{ID: -1, Mode: model.SwitchVEB}
			if err := applySwitchXML(sw, el, true); err != nil {
				return object{}, err
			}
			n, err := s.core.CreateSwitch(a, sw)
			if err != nil {
				return object{}, err
			}
			return switchObject(n, nil), nil
		},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			v := o.val.(switchView)
			base, err := baseEtag(o, etag, v.sw.Rev, "VirtualSwitch "+v.sw.Name)
			if err != nil {
				return object{}, err
			}
			n, err := s.core.UpdateSwitch(a, v.sw.UUID, base, func(sw *model.VirtualSwitch) error {
				return applySwitchXML(sw, el, false)
			})
			if err != nil {
				return object{}, err
			}
			return switchObject(n, v.nets), nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			v := o.val.(switchView)
			base, err := baseEtag(o, etag, v.sw.Rev, "VirtualSwitch "+v.sw.Name)
			if err != nil {
				return err
			}
			return s.core.DeleteSwitch(a, v.sw.UUID, base)
		},
		search: map[string]func(object) string{
			"SwitchName": func(o object) string { return o.val.(switchView).sw.Name },
			"SwitchID":   func(o object) string { return strconv.Itoa(o.val.(switchView).sw.ID) },
			"SwitchMode": func(o object) string { return o.val.(switchView).sw.Mode },
		},
	}

	ks["VirtualNetwork"] = &kind{
		name:    "VirtualNetwork",
		parents: []string{"ManagedSystem"},
		list: func(st *model.State, _ string) []object {
			return vnetObjects(st)
		},
		get: func(st *model.State, id string) (object, bool) {
			for _, o := range vnetObjects(st) {
				if strings.EqualFold(o.uuid, id) {
					return o, true
				}
			}
			return object{}, false
		},
		render:   func(rc *renderCtx, o object) *uom.Element { return renderVNet(rc, o.uuid, o.val.(vnetView)) },
		readOnly: vnetReadOnly,
		search: map[string]func(object) string{
			"NetworkName":   func(o object) string { return o.val.(vnetView).net.Name() },
			"NetworkVLANID": func(o object) string { return strconv.Itoa(o.val.(vnetView).net.VLAN) },
			"VswitchID":     func(o object) string { return strconv.Itoa(o.val.(vnetView).net.SwitchID) },
			"TaggedNetwork": func(o object) string { return strconv.FormatBool(o.val.(vnetView).net.Tagged) },
		},
	}

	ks["ClientNetworkAdapter"] = &kind{
		name:    "ClientNetworkAdapter",
		parents: []string{"LogicalPartition", "VirtualIOServer"},
		updates: adapterUpdates,
		owner:   func(o object) string { return o.val.(cnaView).a.Partition },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, a := range st.AdaptersOf(parentID) {
				out = append(out, cnaObject(st, a))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			a := adapterByUUID(st, id)
			if a == nil {
				return object{}, false
			}
			return cnaObject(st, a), true
		},
		render: func(rc *renderCtx, o object) *uom.Element { return renderCNA(rc, o.val.(cnaView)) },
		// Request-only elements of pypowervm's CNA.bld, and DeviceName,
		// which we render for VIOS adapters (see renderCNA).
		tolerated: map[string]bool{"UseNextAvailableSlotID": true, "UseNextAvailableHighSlotID": true,
			"AdapterType": true, "DeviceName": true},
		create: func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
			spec, choice, err := s.adapterFromXML(el)
			if err != nil {
				return object{}, err
			}
			n, err := s.core.CreateAdapter(a, parentID, spec, choice)
			if err != nil {
				return object{}, err
			}
			var o object
			s.core.Read(func(st *model.State) { o = cnaObject(st, n) })
			return o, nil
		},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			v := o.val.(cnaView)
			sw, err := s.switchOfXML(el)
			if err != nil {
				return object{}, err
			}
			n, err := s.core.UpdateAdapter(a, v.a.Partition, v.a.UUID, etag, func(ad *model.EthernetAdapter) error {
				return applyAdapterXML(ad, el, sw)
			})
			if err != nil {
				return object{}, err
			}
			return object{uuid: n.UUID, rev: n.Rev, created: n.Created, val: cnaView{a: n, partID: v.partID, swUUID: v.swUUID}}, nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			v := o.val.(cnaView)
			return s.core.DeleteAdapter(a, v.a.Partition, v.a.UUID, etag)
		},
		search: map[string]func(object) string{
			"PortVLANID":        func(o object) string { return strconv.Itoa(o.val.(cnaView).a.PVID) },
			"MACAddress":        func(o object) string { return o.val.(cnaView).a.MAC },
			"VirtualSlotNumber": func(o object) string { return strconv.Itoa(o.val.(cnaView).a.Slot) },
			"VirtualSwitchID":   func(o object) string { return strconv.Itoa(o.val.(cnaView).a.SwitchID) },
		},
	}

	ks["NetworkBridge"] = &kind{
		name:    "NetworkBridge",
		parents: []string{"ManagedSystem"},
		updates: bridgeUpdates,
		list: func(st *model.State, _ string) []object {
			var out []object
			for _, b := range sortedBridges(st) {
				out = append(out, bridgeObject(b))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			b := bridgeByUUID(st, id)
			if b == nil {
				return object{}, false
			}
			return bridgeObject(b), true
		},
		render: func(rc *renderCtx, o object) *uom.Element {
			bv, _ := o.aux.(*bridgeView)
			if bv == nil {
				bv = &bridgeView{}
			}
			return renderBridge(rc, o.val.(*model.NetworkBridge), bv)
		},
		aux: func(st *model.State, o object) any { return bridgeViewOf(st, o.val.(*model.NetworkBridge)) },
		// pypowervm's TrunkAdapter.bld names the switch of a new trunk
		// adapter and asks for the next high slot.
		tolerated: map[string]bool{"UseNextAvailableSlotID": true, "UseNextAvailableHighSlotID": true,
			"AssociatedVirtualSwitch": true},
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			lb, seas, err := bridgeFromXML(el)
			if err != nil {
				return object{}, err
			}
			n, err := s.core.UpdateBridge(a, o.uuid, etag, lb, seas)
			if err != nil {
				return object{}, err
			}
			return bridgeObject(n), nil
		},
		search: map[string]func(object) string{
			"PortVLANID": func(o object) string { return strconv.Itoa(o.val.(*model.NetworkBridge).PVID) },
		},
	}

	ks["LoadGroup"] = &kind{
		name:    "LoadGroup",
		parents: []string{"NetworkBridge"},
		owner:   func(o object) string { return o.val.(loadGroupView).bridge.UUID },
		list: func(st *model.State, parentID string) []object {
			b := bridgeByUUID(st, parentID)
			if b == nil {
				return nil
			}
			return loadGroupObjects(st, b)
		},
		get: func(st *model.State, id string) (object, bool) {
			for _, b := range sortedBridges(st) {
				for _, o := range loadGroupObjects(st, b) {
					if strings.EqualFold(o.uuid, id) {
						return o, true
					}
				}
			}
			return object{}, false
		},
		render:   func(rc *renderCtx, o object) *uom.Element { return renderLoadGroup(rc, o.uuid, o.val.(loadGroupView)) },
		readOnly: loadGroupReadOnly,
		search: map[string]func(object) string{
			"PortVLANID": func(o object) string { return strconv.Itoa(o.val.(loadGroupView).group.PVID) },
		},
	}
}

// baseEtag checks a client's etag against an object whose etag is derived
// (see hashRev) and returns the etag of the object itself for the core
// ("" when the client sent none).
func baseEtag(o object, etag string, rev uint64, what string) (string, error) {
	if etag == "" {
		return "", nil
	}
	if etag != core.EtagOf(o.rev) {
		return "", model.Stale(what)
	}
	return core.EtagOf(rev), nil
}

// networksBySwitch groups the virtual networks by switch ID.
func networksBySwitch(st *model.State) map[int][]model.VirtualNetwork {
	m := map[int][]model.VirtualNetwork{}
	for _, n := range st.VirtualNetworks() {
		m[n.SwitchID] = append(m[n.SwitchID], n)
	}
	return m
}

// switchObject is a switch with its networks; its revision covers both.
func switchObject(sw *model.VirtualSwitch, nets []model.VirtualNetwork) object {
	parts := []uint64{sw.Rev}
	for _, n := range nets {
		t := uint64(0)
		if n.Tagged {
			t = 1
		}
		parts = append(parts, uint64(n.VLAN)<<1|t)
	}
	return object{uuid: sw.UUID, rev: hashRev(parts...), created: sw.Created, val: switchView{sw: sw, nets: nets}}
}

func switchByUUID(st *model.State, id string) *model.VirtualSwitch {
	if sw := st.Switches[strings.ToLower(id)]; sw != nil {
		return sw
	}
	for _, sw := range st.Switches {
		if strings.EqualFold(sw.UUID, id) {
			return sw
		}
	}
	return nil
}

// vnetObjects are the virtual networks, by switch and VLAN. A network's
// revision is a hash of what it renders.
func vnetObjects(st *model.State) []object {
	sys := st.System.UUID
	var out []object
	for _, n := range st.VirtualNetworks() {
		v := vnetView{net: n}
		if sw := st.SwitchByID(n.SwitchID); sw != nil {
			v.swUUID, v.created = sw.UUID, sw.Created
		}
		t := uint64(0)
		if n.Tagged {
			t = 1
		}
		out = append(out, object{uuid: core.NetworkUUID(sys, n.SwitchID, n.VLAN),
			rev:     hashRev(uint64(n.SwitchID), uint64(n.VLAN), t, hashString(n.Switch), hashString(v.swUUID)),
			created: v.created, val: v})
	}
	return out
}

func adapterByUUID(st *model.State, id string) *model.EthernetAdapter {
	if a := st.Adapters[strings.ToLower(id)]; a != nil {
		return a
	}
	for _, a := range st.Adapters {
		if strings.EqualFold(a.UUID, id) {
			return a
		}
	}
	return nil
}

func cnaObject(st *model.State, a *model.EthernetAdapter) object {
	v := cnaView{a: a}
	if p := st.Partition(a.Partition); p != nil {
		v.partID = p.ID
	}
	if sw := st.SwitchByID(a.SwitchID); sw != nil {
		v.swUUID = sw.UUID
	}
	return object{uuid: a.UUID, rev: a.Rev, created: a.Created, val: v}
}

// sortedBridges returns the bridges in creation order.
func sortedBridges(st *model.State) []*model.NetworkBridge {
	out := make([]*model.NetworkBridge, 0, len(st.Bridges))
	for _, b := range st.Bridges {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created < out[j].Created || out[i].Created == out[j].Created && out[i].UUID < out[j].UUID
	})
	return out
}

func bridgeByUUID(st *model.State, id string) *model.NetworkBridge {
	if b := st.Bridges[strings.ToLower(id)]; b != nil {
		return b
	}
	for _, b := range st.Bridges {
		if strings.EqualFold(b.UUID, id) {
			return b
		}
	}
	return nil
}

func bridgeObject(b *model.NetworkBridge) object {
	return object{uuid: b.UUID, rev: b.Rev, created: b.Created, val: b}
}

// loadGroupObjects are a bridge's load groups, the primary first. A group
// renders from the bridge's trunk adapters, which move the bridge's
// revision when they change: its revision derives from the bridge's.
func loadGroupObjects(st *model.State, b *model.NetworkBridge) []object {
	bv := bridgeViewOf(st, b)
	out := make([]object, len(bv.groups))
	for i, g := range bv.groups {
		out[i] = object{uuid: core.LoadGroupUUID(b.UUID, g.PVID), rev: hashRev(b.Rev, uint64(g.PVID), uint64(i)),
			created: b.Created, val: loadGroupView{bridge: b, group: g, primary: i == 0, bv: bv}}
	}
	return out
}
