package rest

import (
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/uom"
)

// A partition's virtual storage client adapters and a VIOS's SCSI buses,
// derived from the vSCSI and vFC mappings:
//
//	/rest/api/uom/LogicalPartition/<p>/VirtualSCSIClientAdapter[/<uuid>]          read only
//	/rest/api/uom/LogicalPartition/<p>/VirtualFibreChannelClientAdapter[/<uuid>]  read only (vfc_client_adapter_feed.txt)
//	/rest/api/uom/VirtualIOServer/<v>/VirtualSCSIBus[/<uuid>]                      create, update (its storage), delete (vscsibus_feed.txt)
//
// A vSCSI client adapter, like a bus, is one adapter pair (the mappings of
// a VIOS's server slot); a vFC client adapter is one vFC mapping.

// scsiPair is a vSCSI adapter pair with the storage mapped through it.
type scsiPair struct {
	vios, client           *model.Partition
	serverSlot, clientSlot int
	vhost                  string
	maps                   []scsiView // with storage (adapter-only records left out)
	rev                    uint64     // follows the pair's mappings and the VIOS
}

func scsiViewOf(st *model.State, m *model.SCSIMapping) scsiView {
	sv := scsiView{m: m}
	switch m.Backing {
	case model.BackPV:
		sv.pv, _ = st.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume)
	case model.BackLV:
		sv.lv, _ = st.Get(model.KindLV, m.BackingID).(*model.LogicalVolume)
	case model.BackMedia:
		sv.media, _ = st.Get(model.KindMedia, m.BackingID).(*model.OpticalMedia)
	case model.BackLU:
		sv.lu, _ = st.Get(model.KindLU, m.BackingID).(*model.LogicalUnit)
	}
	return sv
}

// scsiPairs returns the adapter pairs of a VIOS (viosUUID) or of a client
// (clientUUID), by VIOS and server slot.
func scsiPairs(st *model.State, viosUUID, clientUUID string) []*scsiPair {
	if clientUUID != "" && len(st.SCSIMappingsOf(clientUUID)) == 0 {
		return nil // most partitions of a feed
	}
	byKey := map[string]*scsiPair{}
	var keys []string
	add := func(m *model.SCSIMapping) {
		if viosUUID != "" && m.VIOS != viosUUID || clientUUID != "" && m.Client != clientUUID {
			return
		}
		k := m.VIOS + "/" + strconv.Itoa(m.ServerSlot)
		p := byKey[k]
		if p == nil {
			p = &scsiPair{vios: st.Partition(m.VIOS), client: st.Partition(m.Client), serverSlot: m.ServerSlot, clientSlot: m.ClientSlot, vhost: m.VHost}
			if p.vios == nil || p.client == nil {
				return
			}
			byKey[k] = p
			keys = append(keys, k)
		}
		if m.Backing != "" {
			p.maps = append(p.maps, scsiViewOf(st, m))
		}
	}
	if clientUUID != "" {
		// A client's are found through the state's index, not by going
		// through every mapping (a feed of partitions asks for each).
		for _, m := range st.SCSIMappingsOf(clientUUID) {
			add(m)
		}
	} else {
		st.Each(model.KindSCSIMap, func(o model.Object) { add(o.(*model.SCSIMapping)) })
	}
	out := make([]*scsiPair, 0, len(keys))
	for _, k := range keys {
		p := byKey[k]
		sort.Slice(p.maps, func(i, j int) bool { return p.maps[i].m.LUA < p.maps[j].m.LUA })
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatUint(p.vios.Rev, 10)))
		for _, sv := range p.maps {
			h.Write([]byte("|" + sv.m.UUID + "@" + strconv.FormatUint(sv.m.Rev, 10)))
		}
		p.rev = h.Sum64() >> 12
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].vios.ID != out[j].vios.ID {
			return out[i].vios.ID < out[j].vios.ID
		}
		return out[i].serverSlot < out[j].serverSlot
	})
	return out
}

// scsiClientUUID and busUUID identify a pair seen from its client and
// from its VIOS; fcClientUUID a vFC mapping's client adapter.
func scsiClientUUID(p *scsiPair) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(p.client.UUID+"/VirtualSCSIClientAdapter/"+p.vios.UUID+"/"+strconv.Itoa(p.serverSlot))).String()
}

func busUUID(p *scsiPair) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(p.vios.UUID+"/VirtualSCSIBus/"+strconv.Itoa(p.serverSlot))).String()
}

func fcClientUUID(m *model.FCMapping) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(m.UUID+"/VirtualFibreChannelClientAdapter")).String()
}

// fcClient is a vFC mapping with what its client adapter shows.
type fcClient struct {
	m            *model.FCMapping
	vios, client *model.Partition
	port         *portView
}

func fcClients(st *model.State, clientUUID string) []object {
	maps := slices.Clone(st.FCMappingsOf(clientUUID))
	sort.Slice(maps, func(i, j int) bool { return maps[i].ClientSlot < maps[j].ClientSlot })
	var out []object
	for _, m := range maps {
		v, c := st.Partition(m.VIOS), st.Partition(m.Client)
		if v == nil || c == nil {
			continue
		}
		fc := &fcClient{m: m, vios: v, client: c}
		if m.Port != "" {
			tx := readTx(st)
			for _, port := range vios.FCPorts(tx, v.UUID) {
				if port.Name != m.Port {
					continue
				}
				pv := &portView{p: port, free: port.MaxNPIV}
				for _, o := range vios.FCMappings(tx, v.UUID) {
					if o.Port == port.Name {
						pv.free--
					}
				}
				fc.port = pv
			}
		}
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatUint(m.Rev, 10) + "/" + strconv.FormatUint(v.Rev, 10)))
		out = append(out, object{uuid: fcClientUUID(m), rev: h.Sum64() >> 12, val: fc})
	}
	return out
}

func scsiClientObjects(st *model.State, clientUUID string) []object {
	var out []object
	for _, p := range scsiPairs(st, "", clientUUID) {
		out = append(out, object{uuid: scsiClientUUID(p), rev: p.rev, val: p})
	}
	return out
}

func busObjects(st *model.State, viosUUID string) []object {
	var out []object
	for _, p := range scsiPairs(st, viosUUID, "") {
		out = append(out, object{uuid: busUUID(p), rev: p.rev, val: p})
	}
	return out
}

// findIn returns the object with the given UUID among objs.
func findIn(objs []object, id string) (object, bool) {
	for _, o := range objs {
		if strings.EqualFold(o.uuid, id) {
			return o, true
		}
	}
	return object{}, false
}

func registerClientAdapterKinds(ks map[string]*kind) {
	const ro = "A partition's virtual storage client adapters follow the mappings of its VIOSes: change those (VirtualIOServer groups ViosSCSIMapping and ViosFCMapping, or VirtualSCSIBus)."
	ks["VirtualSCSIClientAdapter"] = &kind{
		name:    "VirtualSCSIClientAdapter",
		parents: []string{"LogicalPartition"},
		owner:   func(o object) string { return o.val.(*scsiPair).client.UUID },
		list:    func(st *model.State, parentID string) []object { return scsiClientObjects(st, parentID) },
		get: func(st *model.State, id string) (object, bool) {
			var all []object
			for _, p := range scsiPairs(st, "", "") {
				all = append(all, object{uuid: scsiClientUUID(p), rev: p.rev, val: p})
			}
			return findIn(all, id)
		},
		render:   func(rc *renderCtx, o object) *uom.Element { return renderSCSIClient(rc, o) },
		readOnly: ro,
	}
	ks["VirtualFibreChannelClientAdapter"] = &kind{
		name:    "VirtualFibreChannelClientAdapter",
		parents: []string{"LogicalPartition"},
		owner:   func(o object) string { return o.val.(*fcClient).client.UUID },
		list:    func(st *model.State, parentID string) []object { return fcClients(st, parentID) },
		get: func(st *model.State, id string) (object, bool) {
			var all []object
			for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return !p.IsVIOS() }) {
				all = append(all, fcClients(st, p.UUID)...)
			}
			return findIn(all, id)
		},
		render:   func(rc *renderCtx, o object) *uom.Element { return renderFCClient(rc, o) },
		readOnly: ro,
	}
	ks["VirtualSCSIBus"] = &kind{
		name:    "VirtualSCSIBus",
		updates: busUpdates,
		parents: []string{"VirtualIOServer"},
		owner:   func(o object) string { return o.val.(*scsiPair).vios.UUID },
		list:    func(st *model.State, parentID string) []object { return busObjects(st, parentID) },
		get: func(st *model.State, id string) (object, bool) {
			return findIn(busObjects(st, ""), id)
		},
		render:    func(rc *renderCtx, o object) *uom.Element { return renderBus(rc, o) },
		tolerated: map[string]bool{"UseNextAvailableSlotID": true, "UseNextAvailableHighSlotID": true, "InUse": true, "Tag": true, "EmulateModel": true},
		create:    createBus,
		update:    updateBus,
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			p := o.val.(*scsiPair)
			if etag != "" && etag != core.EtagOf(o.rev) {
				return model.Stale("VirtualSCSIBus " + o.uuid)
			}
			return s.core.DeleteSCSIBus(a, p.vios.UUID, p.serverSlot)
		},
	}
}

// serverAdapterInto writes the VIOS side of a vSCSI pair.
func serverAdapterInto(sa *builder, rc *renderCtx, p *scsiPair) {
	adapterCommon(sa, rc, "Server", p.vios.ID, p.serverSlot)
	sa.leaf("AdapterName", p.vhost)
	if len(p.maps) > 0 {
		if n := p.maps[0].backingName(); n != "" {
			sa.leaf("BackingDeviceName", n)
		}
	}
	sa.int("RemoteLogicalPartitionID", p.client.ID)
	sa.int("RemoteSlotNumber", p.clientSlot)
	if sa.has("ServerLocationCode") {
		sa.leaf("ServerLocationCode", model.LocationCode(rc.sys, p.client.ID, p.clientSlot))
	}
	sa.leaf("UniqueDeviceID", "1e"+model.LocationCode(rc.sys, p.vios.ID, p.serverSlot))
}

// clientAdapterInto writes the client side of a vSCSI pair.
func clientAdapterInto(ca *builder, rc *renderCtx, p *scsiPair) {
	adapterCommon(ca, rc, "Client", p.client.ID, p.clientSlot)
	ca.int("RemoteLogicalPartitionID", p.vios.ID)
	ca.int("RemoteSlotNumber", p.serverSlot)
	if ca.has("ServerLocationCode") {
		ca.leaf("ServerLocationCode", model.LocationCode(rc.sys, p.vios.ID, p.serverSlot))
	}
}

func renderSCSIClient(rc *renderCtx, o object) *uom.Element {
	p := o.val.(*scsiPair)
	b := newObject(uom.NSUOM, "VirtualSCSIClientAdapter", o.uuid, 0, uom.Schema("VirtualSCSIClientAdapter"))
	clientAdapterInto(b, rc, p)
	serverAdapterInto(b.sub("ServerAdapter"), rc, p)
	return b.el
}

func renderFCClient(rc *renderCtx, o object) *uom.Element {
	fc := o.val.(*fcClient)
	m := fc.m
	b := newObject(uom.NSUOM, "VirtualFibreChannelClientAdapter", o.uuid, 0, uom.Schema("VirtualFibreChannelClientAdapter"))
	adapterCommon(b, rc, "Client", fc.client.ID, m.ClientSlot)
	b.int("ConnectingPartitionID", fc.vios.ID)
	b.int("ConnectingVirtualSlotNumber", m.ServerSlot)
	sa := b.sub("ServerAdapter")
	adapterCommon(sa, rc, "Server", fc.vios.ID, m.ServerSlot)
	sa.leaf("AdapterName", m.VFCHost)
	sa.int("ConnectingPartitionID", fc.client.ID)
	sa.int("ConnectingVirtualSlotNumber", m.ClientSlot)
	sa.leaf("UniqueDeviceID", "1d"+model.LocationCode(rc.sys, fc.vios.ID, m.ServerSlot))
	if fc.port != nil {
		sa.leaf("MapPort", fc.port.p.Name)
		portInto(sa.sub("PhysicalPort"), fc.port, false)
	}
	b.leaf("WWPNs", strings.ToLower(strings.Join(m.WWPNs, " ")))
	return b.el
}

// renderBus renders a SCSI bus as vscsibus_feed.txt has it.
func renderBus(rc *renderCtx, o object) *uom.Element {
	p := o.val.(*scsiPair)
	b := newObject(uom.NSUOM, "VirtualSCSIBus", o.uuid, 0, uom.Schema("VirtualSCSIBus"))
	b.link("AssociatedLogicalPartition", rc.base+core.PartitionPath(rc.sys.UUID, p.client))
	clientAdapterInto(b.sub("ClientAdapter"), rc, p)
	serverAdapterInto(b.sub("ServerAdapter"), rc, p)
	am := b.sub("AssociatedMappings")
	for _, sv := range p.maps {
		scsiStorageInto(am.item("VirtualSCSIStorageAndTargetDevice"), rc, sv)
	}
	return b.el
}

// busStorageSpecs reads the storage a bus body lists
// (AssociatedMappings/VirtualSCSIStorageAndTargetDevice).
func (s *Server) busStorageSpecs(v *model.Partition, el *uom.Element) ([]vios.SCSISpec, error) {
	var out []vios.SCSISpec
	var err error
	s.core.Read(func(st *model.State) {
		tx := readTx(st)
		am := el.Child("AssociatedMappings")
		if am == nil {
			return
		}
		for i, d := range am.ChildrenNamed("VirtualSCSIStorageAndTargetDevice") {
			var spec vios.SCSISpec
			td := firstChild(d.Child("TargetDevice"))
			if sd := firstChild(d.Child("Storage")); sd != nil {
				if spec.Backing, spec.BackingID, err = scsiBacking(tx, v, sd, i+1); err != nil {
					return
				}
			} else if td != nil && td.Local == "VirtualOpticalTargetDevice" {
				spec.Backing = model.BackMedia
			} else {
				err = model.Invalid("VirtualSCSIStorageAndTargetDevice %d has no Storage.", i+1)
				return
			}
			if td != nil {
				spec.Target, _ = textOf(td, "TargetName")
				spec.LUA, _ = textOf(td, "LogicalUnitAddress")
			}
			out = append(out, spec)
		}
	})
	return out, err
}

// createBus makes an empty bus: the client from AssociatedLogicalPartition
// (or ClientAdapter/LocalPartitionID), its slot from ClientAdapter (or the
// next free one); storage listed in the body is then mapped through it.
func createBus(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
	var v *model.Partition
	var client string
	var err error
	s.core.Read(func(st *model.State) {
		v = st.Partition(parentID)
		client, err = mappingClient(st, el, "VirtualSCSIBus", 1)
	})
	if err != nil {
		return object{}, err
	}
	if v == nil {
		return object{}, model.ErrNoObject("VirtualIOServer", parentID)
	}
	if client == "" {
		return object{}, model.Invalid("A new VirtualSCSIBus needs its client: an AssociatedLogicalPartition link.")
	}
	clientSlot, err := adapterSlot(el.Child("ClientAdapter"), "ClientAdapter")
	if err != nil {
		return object{}, err
	}
	specs, err := s.busStorageSpecs(v, el)
	if err != nil {
		return object{}, err
	}
	slot, err := s.core.CreateSCSIBus(a, v.UUID, client, clientSlot)
	if err != nil {
		return object{}, err
	}
	if len(specs) > 0 {
		if err := s.core.UpdateSCSIBus(a, v.UUID, slot, specs); err != nil {
			return object{}, err
		}
	}
	return busBySlot(s, v.UUID, slot)
}

func busBySlot(s *Server, viosUUID string, slot int) (object, error) {
	var out object
	found := false
	s.core.Read(func(st *model.State) {
		for _, o := range busObjects(st, viosUUID) {
			if o.val.(*scsiPair).serverSlot == slot {
				out, found = o, true
			}
		}
	})
	if !found {
		return object{}, model.ErrNoObject("VirtualSCSIBus", viosUUID+"/"+strconv.Itoa(slot))
	}
	return out, nil
}

// updateBus makes a bus's storage what the body lists.
func updateBus(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
	p := o.val.(*scsiPair)
	if etag != "" && etag != core.EtagOf(o.rev) {
		return object{}, model.Stale("VirtualSCSIBus " + o.uuid)
	}
	specs, err := s.busStorageSpecs(p.vios, el)
	if err != nil {
		return object{}, err
	}
	if err := s.core.UpdateSCSIBus(a, p.vios.UUID, p.serverSlot, specs); err != nil {
		return object{}, err
	}
	return busBySlot(s, p.vios.UUID, p.serverSlot)
}
