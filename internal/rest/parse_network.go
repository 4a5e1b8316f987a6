package rest

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// Request bodies of the networking kinds, read by element name in any
// order; read-only elements (LocationCode, VirtualSwitchID, ...) are
// ignored, elements that identify the object (VirtualSlotNumber,
// MACAddress, the switch) are passed on so that the core refuses a change.

// applySwitchXML sets on sw what a VirtualSwitch body says.
func applySwitchXML(sw *model.VirtualSwitch, el *uom.Element, create bool) error {
	x := &xmlReader{}
	named := false
	for _, c := range el.Children {
		switch c.Local {
		case "SwitchName":
			x.str(c, &sw.Name)
			named = true
		case "SwitchMode":
			mode := x.text(c)
			switch strings.ToLower(mode) {
			case "veb":
				sw.Mode = model.SwitchVEB
			case "vepa":
				sw.Mode = model.SwitchVEPA
			default:
				return model.ErrBadValue("SwitchMode", mode, "Veb, Vepa")
			}
		case "SwitchID":
			if create && x.text(c) == "-1" {
				sw.ID = -1 // the lowest free ID
				continue
			}
			x.int("SwitchID", c, &sw.ID)
		}
		if x.err != nil {
			return x.err
		}
	}
	if create && !named {
		return model.Invalid("A new VirtualSwitch needs a SwitchName.")
	}
	return nil
}

// linkHref is the href of a link element: <E href=".."/> or <E><link
// href=".."/></E>.
func linkHref(c *uom.Element) string {
	if h := c.Attr("href"); h != "" {
		return h
	}
	if l := c.Child("link"); l != nil {
		return l.Attr("href")
	}
	return ""
}

// lastSegment is the last path segment of a URL (without query).
func lastSegment(href string) string {
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	href = strings.TrimRight(href, "/")
	return href[strings.LastIndexByte(href, '/')+1:]
}

// switchOfXML resolves the AssociatedVirtualSwitch link of an adapter body
// to a switch (nil when the body has none).
func (s *Server) switchOfXML(el *uom.Element) (*model.VirtualSwitch, error) {
	c := el.Child("AssociatedVirtualSwitch")
	if c == nil {
		return nil, nil
	}
	href := linkHref(c)
	if !strings.Contains(href, "/VirtualSwitch/") {
		return nil, model.Invalid("AssociatedVirtualSwitch must link to a virtual switch (.../ManagedSystem/<uuid>/VirtualSwitch/<uuid>), not %q.", href)
	}
	id := lastSegment(href)
	var sw *model.VirtualSwitch
	var sysUUID string
	s.core.Read(func(st *model.State) {
		sysUUID = st.System.UUID
		sw = switchByUUID(st, id)
	})
	if i := strings.Index(href, "/ManagedSystem/"); i >= 0 {
		if sys := lastSegment(href[:strings.Index(href, "/VirtualSwitch/")]); !strings.EqualFold(sys, sysUUID) {
			return nil, model.Invalid("AssociatedVirtualSwitch links to a virtual switch of managed system %s; this is managed system %s.", sys, sysUUID)
		}
	}
	if sw == nil {
		return nil, model.Invalid("The virtual switch %s that AssociatedVirtualSwitch links to does not exist on this managed system.", id)
	}
	return sw, nil
}

// vlanList reads a TaggedVLANIDs element.
func vlanList(c *uom.Element) ([]int, error) {
	vs, err := model.ParseVLANList(strings.TrimSpace(c.Text))
	if err != nil {
		return nil, err
	}
	return vs, nil
}

// adapterFromXML reads a new adapter (pypowervm's CNA.bld): the slot
// (VirtualSlotNumber, or UseNextAvailableSlotID / UseNextAvailableHighSlotID;
// the lowest free slot when none is given), MACAddress (optional),
// PortVLANID, TaggedVLANIDs, TaggedVLANSupported, the AssociatedVirtualSwitch
// link, and TrunkPriority for a trunk adapter.
func (s *Server) adapterFromXML(el *uom.Element) (*model.EthernetAdapter, core.SlotChoice, error) {
	sw, err := s.switchOfXML(el)
	if err != nil {
		return nil, 0, err
	}
	if sw == nil {
		return nil, 0, model.Invalid("A new ClientNetworkAdapter needs an AssociatedVirtualSwitch link to its virtual switch.")
	}
	a := &model.EthernetAdapter{SwitchID: sw.ID}
	x := &xmlReader{}
	choice := core.SlotNext
	slotGiven, high, pvid := false, false, false
	for _, c := range el.Children {
		switch c.Local {
		case "VirtualSlotNumber":
			x.int(c.Local, c, &a.Slot)
			slotGiven = true
		case "UseNextAvailableHighSlotID":
			x.bool(c.Local, c, &high)
		case "MACAddress":
			if t := x.text(c); t != "" {
				a.MAC = model.NormalizeMAC(t)
			}
		case "PortVLANID":
			x.int(c.Local, c, &a.PVID)
			pvid = true
		case "TaggedVLANIDs":
			vs, err := vlanList(c)
			if err != nil {
				return nil, 0, err
			}
			a.Tagged = vs
		case "TaggedVLANSupported":
			x.bool(c.Local, c, &a.TaggedSupported)
		case "TrunkPriority":
			x.int(c.Local, c, &a.TrunkPriority)
			a.Trunk = a.TrunkPriority > 0
		case "DeviceName":
			// Read only, but pypowervm's CNA.bld names the management
			// partition's trunk device so (dev_name).
			x.str(c, &a.Device)
		}
		applyOvsXML(x, a, c)
		if x.err != nil {
			return nil, 0, x.err
		}
	}
	if !pvid {
		return nil, 0, model.Invalid("A new ClientNetworkAdapter needs a PortVLANID.")
	}
	switch {
	case slotGiven:
		choice = core.SlotGiven
	case high:
		choice = core.SlotNextHigh
	}
	return a, choice, nil
}

// applyAdapterXML sets on a what an adapter update says: PortVLANID,
// TaggedVLANIDs, TaggedVLANSupported, Enabled and TrunkPriority. The slot,
// MAC and switch are passed on as sent (the core refuses a change).
func applyAdapterXML(a *model.EthernetAdapter, el *uom.Element, sw *model.VirtualSwitch) error {
	x := &xmlReader{}
	if sw != nil {
		a.SwitchID = sw.ID
	}
	for _, c := range el.Children {
		switch c.Local {
		case "VirtualSlotNumber":
			x.int(c.Local, c, &a.Slot)
		case "MACAddress":
			if t := x.text(c); t != "" {
				a.MAC = model.NormalizeMAC(t)
			}
		case "PortVLANID":
			x.int(c.Local, c, &a.PVID)
		case "TaggedVLANIDs":
			vs, err := vlanList(c)
			if err != nil {
				return err
			}
			a.Tagged = vs
		case "TaggedVLANSupported":
			x.bool(c.Local, c, &a.TaggedSupported)
		case "Enabled":
			x.bool(c.Local, c, &a.Enabled)
		case "TrunkPriority":
			x.int(c.Local, c, &a.TrunkPriority)
		}
		applyOvsXML(x, a, c)
		if x.err != nil {
			return x.err
		}
	}
	return nil
}

// applyOvsXML reads the Open vSwitch settings of a management partition's
// adapter: OvsBridge, OvsPortExternalIds and ConfiguredMTU (empty clears).
func applyOvsXML(x *xmlReader, a *model.EthernetAdapter, c *uom.Element) {
	switch c.Local {
	case "OvsBridge":
		x.str(c, &a.OvsBridge)
	case "OvsPortExternalIds":
		x.str(c, &a.OvsExtIDs)
	case "ConfiguredMTU":
		if x.text(c) == "" {
			a.MTU = 0
			return
		}
		x.int(c.Local, c, &a.MTU)
	}
}

// slotOfLocation reads the slot of a virtual adapter's location code
// (U<type>.<model>.<serial>-V<id>-C<slot>); 0 when it has none.
func slotOfLocation(loc string) int {
	i := strings.LastIndex(loc, "-C")
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(loc[i+2:])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// bridgeFromXML reads a NetworkBridge update (pypowervm's
// NetworkBridgerTA posts the bridge as read with its SEAs' trunk adapters
// edited): LoadBalancingEnabled and, per SEA, its VIOS, device and trunk
// adapters. A trunk adapter is an existing one when it has a slot
// (VirtualSlotNumber, or the -C<slot> of its location code), a new one
// otherwise. Load groups and virtual networks derive from the trunks and
// are ignored.
func bridgeFromXML(el *uom.Element) (*bool, []core.BridgeSEA, error) {
	x := &xmlReader{}
	var lb *bool
	var seas []core.BridgeSEA
	for _, c := range el.Children {
		switch c.Local {
		case "LoadBalancingEnabled":
			var v bool
			x.bool(c.Local, c, &v)
			lb = &v
		case "SharedEthernetAdapters":
			list := c.ChildrenNamed("SharedEthernetAdapter")
			if len(list) == 0 {
				return nil, nil, model.Invalid("SharedEthernetAdapters lists no SharedEthernetAdapter; send the bridge's shared Ethernet adapters (or leave the element out).")
			}
			for i, se := range list {
				sea, err := seaFromXML(x, se, i)
				if err != nil {
					return nil, nil, err
				}
				seas = append(seas, sea)
			}
		}
		if x.err != nil {
			return nil, nil, x.err
		}
	}
	return lb, seas, x.err
}

func seaFromXML(x *xmlReader, se *uom.Element, i int) (core.BridgeSEA, error) {
	var sea core.BridgeSEA
	if c := se.Child("AssignedVirtualIOServer"); c != nil {
		sea.VIOS = strings.ToUpper(lastSegment(linkHref(c)))
	}
	if sea.VIOS == "" {
		return sea, model.Invalid("SharedEthernetAdapter %d needs its AssignedVirtualIOServer link.", i+1)
	}
	if d, ok := se.FindText("DeviceName"); ok {
		sea.Device = strings.TrimSpace(d)
	}
	tas := se.Child("TrunkAdapters")
	if tas == nil {
		return sea, model.Invalid("SharedEthernetAdapter %s of VIOS %s lists no TrunkAdapters.", sea.Device, sea.VIOS)
	}
	for _, t := range tas.ChildrenNamed("TrunkAdapter") {
		var bt core.BridgeTrunk
		for _, c := range t.Children {
			switch c.Local {
			case "VirtualSlotNumber":
				x.int("TrunkAdapter/VirtualSlotNumber", c, &bt.Slot)
			case "LocationCode", "DynamicReconfigurationConnectorName":
				if bt.Slot == 0 {
					bt.Slot = slotOfLocation(x.text(c))
				}
			case "PortVLANID":
				x.int("TrunkAdapter/PortVLANID", c, &bt.PVID)
			case "TaggedVLANIDs":
				vs, err := vlanList(c)
				if err != nil {
					return sea, err
				}
				bt.Tagged = vs
			case "TrunkPriority":
				x.int("TrunkAdapter/TrunkPriority", c, &bt.TrunkPriority)
			}
			if x.err != nil {
				return sea, x.err
			}
		}
		sea.Trunks = append(sea.Trunks, bt)
	}
	return sea, nil
}
