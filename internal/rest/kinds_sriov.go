package rest

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/uom"
)

// The SR-IOV kinds:
//
//	/rest/api/uom/{LogicalPartition|VirtualIOServer}/<p>/SRIOVEthernetLogicalPort[/<uuid>]   the partition's logical ports; create and delete under a LogicalPartition
//	/rest/api/uom/LogicalPartition/<p>/VirtualNICDedicated[/<uuid>]                        create, delete
//
// and on the ManagedSystem its SRIOVAdapters (a POST changes the physical
// ports' Label and SubLabel), on the VirtualIOServer IsVNICCapable and
// VNICFailOverCapable.

func registerSRIOVKinds(ks map[string]*kind) {
	ks["SRIOVEthernetLogicalPort"] = &kind{
		name:    "SRIOVEthernetLogicalPort",
		parents: []string{"LogicalPartition", "VirtualIOServer"},
		owner:   func(o object) string { return o.val.(lpView).lp.Partition },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, lp := range sriov.LogicalPorts(readTx(st), func(lp *model.SRIOVLogicalPort) bool { return lp.Partition == parentID }) {
				out = append(out, lpObject(st, lp))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			lp, _ := getObject(st, model.KindSRIOVLP, id).(*model.SRIOVLogicalPort)
			if lp == nil {
				return object{}, false
			}
			return lpObject(st, lp), true
		},
		render: func(rc *renderCtx, o object) *uom.Element { return renderLogicalPort(rc, o.val.(lpView)) },
		// What pypowervm's SRIOVEthernetLPort wrapper may send that the
		// captured schema lacks.
		tolerated: map[string]bool{"IsDebug": true, "AssociatedLogicalPartitions": true, "MACAddressFlags": true},
		create: func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
			var isVIOS bool
			s.core.Read(func(st *model.State) {
				if p := st.Partition(parentID); p != nil {
					isVIOS = p.IsVIOS()
				}
			})
			if isVIOS {
				return object{}, model.ErrSRIOVInvalid("A Virtual I/O Server's logical ports are the backing devices of vNICs: create a VirtualNICDedicated under the client partition.")
			}
			spec, err := lpSpecFromXML(el)
			if err != nil {
				return object{}, err
			}
			lp, err := s.core.CreateLogicalPort(a, parentID, spec)
			if err != nil {
				return object{}, err
			}
			var o object
			s.core.Read(func(st *model.State) { o = lpObject(st, lp) })
			return o, nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			return s.core.DeleteLogicalPort(a, o.uuid, etag)
		},
		search: map[string]func(object) string{
			"MACAddress": func(o object) string { return o.val.(lpView).lp.MAC },
		},
	}

	ks["VirtualNICDedicated"] = &kind{
		name:    "VirtualNICDedicated",
		parents: []string{"LogicalPartition"},
		owner:   func(o object) string { return o.val.(vnicView).v.Partition },
		list: func(st *model.State, parentID string) []object {
			var out []object
			for _, v := range sriov.VNICs(readTx(st), parentID) {
				out = append(out, vnicObject(st, v))
			}
			return out
		},
		get: func(st *model.State, id string) (object, bool) {
			v, _ := getObject(st, model.KindVNIC, id).(*model.VirtualNIC)
			if v == nil {
				return object{}, false
			}
			return vnicObject(st, v), true
		},
		render: func(rc *renderCtx, o object) *uom.Element { return renderVNIC(rc, o.val.(vnicView)) },
		// Request-only elements of pypowervm's VNIC and VNICBackDev
		// wrappers.
		tolerated: map[string]bool{"AdapterType": true, "LocationCode": true, "RequiredAdapter": true, "VariedOn": true,
			"UseNextAvailableSlotID": true, "UseNextAvailableHighSlotID": true, "Enabled": true, "AutoFailBack": true,
			"FailOverPriority": true},
		create: func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error) {
			spec, err := vnicSpecFromXML(el)
			if err != nil {
				return object{}, err
			}
			v, err := s.core.CreateVNIC(a, parentID, spec)
			if err != nil {
				return object{}, err
			}
			var o object
			s.core.Read(func(st *model.State) { o = vnicObject(st, v) })
			return o, nil
		},
		delete: func(s *Server, a core.Actor, o object, etag string) error {
			return s.core.DeleteVNIC(a, o.uuid, etag)
		},
		search: map[string]func(object) string{
			"MACAddress": func(o object) string { return o.val.(vnicView).v.MAC },
		},
	}

	if k := ks["VirtualIOServer"]; k != nil {
		base := k.render
		k.render = func(rc *renderCtx, o object) *uom.Element {
			el := base(rc, o)
			viosVNICInto(el)
			return el
		}
	}
	if k := ks["ManagedSystem"]; k != nil {
		base := k.update
		k.update = func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			labels, err := portLabelsFromXML(el)
			if err != nil {
				return object{}, err
			}
			n, err := base(s, a, o, etag, el, g)
			if err != nil || len(labels) == 0 {
				return n, err
			}
			next := ""
			if etag != "" {
				next = core.EtagOf(n.rev)
			}
			sys, err := s.core.SetPortLabels(a, next, labels)
			if err != nil {
				return object{}, err
			}
			var out object
			s.core.Read(func(st *model.State) { out = systemObjectIn(st) })
			_ = sys
			return out, nil
		}
	}
}

// intOf reads an integer element (ok false when absent).
func intOf(el *uom.Element, path string) (int, bool, error) {
	t, ok := textOf(el, path)
	if !ok || t == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, true, model.ErrBadValue(path, t, "an integer")
	}
	return n, true, nil
}

func percentOf(el *uom.Element, path string) (model.Percent, error) {
	t, ok := textOf(el, path)
	if !ok || t == "" {
		return 0, nil
	}
	return model.ParsePercent(t)
}

// lpSpecFromXML reads a new SRIOVEthernetLogicalPort.
func lpSpecFromXML(el *uom.Element) (sriov.LPSpec, error) {
	var spec sriov.LPSpec
	var ok bool
	var err error
	if spec.Adapter, ok, err = intOf(el, "AdapterID"); err != nil || !ok {
		if err == nil {
			err = model.Invalid("A logical port needs its AdapterID (the SR-IOV adapter's ID).")
		}
		return spec, err
	}
	if spec.Port, ok, err = intOf(el, "PhysicalPortID"); err != nil || !ok {
		if err == nil {
			err = model.Invalid("A logical port needs its PhysicalPortID.")
		}
		return spec, err
	}
	if spec.PVID, _, err = intOf(el, "PortVLANID"); err != nil {
		return spec, err
	}
	if spec.Capacity, err = percentOf(el, "ConfiguredCapacity"); err != nil {
		return spec, err
	}
	if spec.MaxCap, err = percentOf(el, "ConfiguredMaxCapacity"); err != nil {
		return spec, err
	}
	spec.MAC, _ = textOf(el, "MACAddress")
	if t, ok := textOf(el, "IsPromiscous"); ok {
		if spec.Promisc, err = boolOf("IsPromiscous", t); err != nil {
			return spec, err
		}
	}
	return spec, nil
}

// vnicSpecFromXML reads a new VirtualNICDedicated.
func vnicSpecFromXML(el *uom.Element) (sriov.VNICSpec, error) {
	var spec sriov.VNICSpec
	var err error
	next := false
	for _, n := range []string{"UseNextAvailableSlotID", "UseNextAvailableHighSlotID"} {
		if t, ok := textOf(el, n); ok && strings.EqualFold(t, "true") {
			next = true
		}
	}
	if !next {
		if spec.Slot, _, err = intOf(el, "VirtualSlotNumber"); err != nil {
			return spec, err
		}
	}
	if spec.PVID, _, err = intOf(el, "Details/PortVLANID"); err != nil {
		return spec, err
	}
	spec.MAC, _ = textOf(el, "Details/MACAddress")
	spec.AllowedVLANs, _ = textOf(el, "Details/AllowedVLANIDs")
	spec.AllowedMACs, _ = textOf(el, "Details/AllowedOperatingSystemMACAddresses")
	bds := el.Child("AssociatedBackingDevices")
	if bds == nil {
		return spec, model.ErrSRIOVInvalid("A vNIC needs its AssociatedBackingDevices (VirtualNICSRIOVBackingDevice: a Virtual I/O Server, an SR-IOV adapter and physical port).")
	}
	var devs []*uom.Element
	for _, c := range bds.Children {
		switch c.Local {
		case "VirtualNICSRIOVBackingDevice":
			devs = append(devs, c)
		case "VirtualNICBackingDeviceChoice":
			devs = append(devs, c.ChildrenNamed("VirtualNICSRIOVBackingDevice")...)
		}
	}
	for i, d := range devs {
		var b sriov.BackingSpec
		var ok bool
		if l := d.Child("AssociatedVirtualIOServer"); l != nil {
			b.VIOS = strings.ToUpper(hrefUUID(l.Attr("href")))
		}
		if b.VIOS == "" {
			return spec, model.ErrSRIOVInvalid("Backing device %d of the vNIC names no Virtual I/O Server (AssociatedVirtualIOServer).", i+1)
		}
		if b.Adapter, ok, err = intOf(d, "RelatedSRIOVAdapterID"); err != nil || !ok {
			if err == nil {
				err = model.ErrSRIOVInvalid("Backing device %d of the vNIC names no SR-IOV adapter (RelatedSRIOVAdapterID).", i+1)
			}
			return spec, err
		}
		if b.Port, ok, err = intOf(d, "RelatedSRIOVPhysicalPortID"); err != nil || !ok {
			if err == nil {
				err = model.ErrSRIOVInvalid("Backing device %d of the vNIC names no physical port (RelatedSRIOVPhysicalPortID).", i+1)
			}
			return spec, err
		}
		if b.Capacity, err = percentOf(d, "CurrentCapacityPercentage"); err != nil {
			return spec, err
		}
		if b.MaxCap, err = percentOf(d, "MaxCapacityPercentage"); err != nil {
			return spec, err
		}
		if b.Priority, _, err = intOf(d, "FailOverPriority"); err != nil {
			return spec, err
		}
		spec.Backing = append(spec.Backing, b)
	}
	return spec, nil
}

// portLabelsFromXML reads the physical ports' labels a ManagedSystem
// POST carries (nil when it carries no SRIOVAdapters).
func portLabelsFromXML(el *uom.Element) ([]core.PortLabel, error) {
	sa := el.Find("AssociatedSystemIOConfiguration/SRIOVAdapters")
	if sa == nil {
		return nil, nil
	}
	var out []core.PortLabel
	for _, ch := range sa.ChildrenNamed("IOAdapterChoice") {
		for _, ad := range ch.ChildrenNamed("SRIOVAdapter") {
			id, ok, err := intOf(ad, "SRIOVAdapterID")
			if err != nil || !ok {
				if err == nil {
					err = model.Invalid("An SRIOVAdapter of the update has no SRIOVAdapterID.")
				}
				return nil, err
			}
			for _, group := range []string{"EthernetPhysicalPorts", "ConvergedEthernetPhysicalPorts"} {
				g := ad.Child(group)
				if g == nil {
					continue
				}
				for _, p := range g.Children {
					if p.Local == "Metadata" {
						continue
					}
					pid, ok, err := intOf(p, "PhysicalPortID")
					if err != nil || !ok {
						if err == nil {
							err = model.Invalid("A physical port of SR-IOV adapter %d in the update has no PhysicalPortID.", id)
						}
						return nil, err
					}
					l := core.PortLabel{Adapter: id, Port: pid}
					if t, ok := p.FindText("Label"); ok {
						t = strings.TrimSpace(t)
						l.Label = &t
					}
					if t, ok := p.FindText("SubLabel"); ok {
						t = strings.TrimSpace(t)
						l.SubLabel = &t
					}
					out = append(out, l)
				}
			}
		}
	}
	return out, nil
}
