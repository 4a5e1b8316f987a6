package nbr

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// MaxTaggedPerTrunk is how many tagged VLANs a trunk adapter carries.
const MaxTaggedPerTrunk = 20

// TrunkEnv is what new trunk adapters need.
type TrunkEnv struct {
	// SwitchHref is the address of the bridged switch
	// (.../ManagedSystem/<uuid>/VirtualSwitch/<uuid>).
	SwitchHref string
	// Used are the VLANs a placeholder PVID must not be: every VLAN of
	// every bridge and the VLANs in use on the switch.
	Used map[int]bool
}

// placeholder returns a free VLAN for an additional trunk's PVID, from
// 4094 down (as pypowervm picks them), and marks it used.
func (env *TrunkEnv) placeholder(exclude map[int]bool) (int, error) {
	for v := network.MaxVLAN; v >= 1; v-- {
		if !env.Used[v] && !exclude[v] {
			env.Used[v] = true
			return v, nil
		}
	}
	return 0, &app.Error{ID: "PVME01040130-0059", Code: app.ExitRefused, Msg: "No VLAN ID is free for a new trunk adapter's port VLAN ID."}
}

// trunkSchema is the schema of a SEA's trunk adapters.
func trunkSchema() *uom.SchemaNode {
	return uom.Schema(Own).Find("SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter")
}

func tagged(t *uom.Element) []int {
	v, _ := t.FindText("TaggedVLANIDs")
	return network.RESTVLANs(v)
}

func setTagged(t *uom.Element, vs []int) {
	s := trunkSchema()
	fields.SetPath(t, s, "TaggedVLANIDs", network.JoinVLANs(vs, " "))
	fields.SetPath(t, s, "TaggedVLANSupported", "true")
}

// seaTrunk finds the trunk of a SEA with a PVID (nil when none).
func seaTrunk(sea *uom.Element, pvid int) *uom.Element {
	for _, t := range sea.FindAll("TrunkAdapters/TrunkAdapter") {
		if network.Int(t, "PortVLANID") == pvid {
			return t
		}
	}
	return nil
}

// AddVLANs adds VLANs to a bridge element the way networking-powervm does
// without virtual-network awareness: each VLAN not yet bridged goes to the
// trunk adapter (of the first SEA) with the fewest tagged VLANs that has
// room, and to the trunk with the same PVID on every other SEA; when every
// trunk is full, each SEA gets a new trunk adapter (next high slot, a free
// placeholder PVID, the SEA's trunk priority). A VLAN that is the
// placeholder PVID of an additional trunk first moves that trunk to another
// placeholder. It reports whether anything changed.
func AddVLANs(bridge *uom.Element, vlans []int, env *TrunkEnv) (bool, error) {
	seas := network.SEAs(bridge)
	if len(seas) == 0 {
		return false, &app.Error{ID: "PVME01040130-0063", Code: app.ExitRefused, Msg: "The network bridge has no shared Ethernet adapter."}
	}
	pvid := network.Int(bridge, "PortVLANID")
	changed := false
	want := map[int]bool{}
	for _, v := range vlans {
		want[v] = true
	}
	for _, v := range vlans {
		on := v == pvid
		for _, x := range network.BridgeVLANs(bridge) {
			on = on || x == v
		}
		if on {
			continue
		}
		trunks := network.BridgeTrunks(bridge)
		if len(trunks) == 0 {
			return changed, &app.Error{ID: "PVME01040130-0064", Code: app.ExitRefused, Msg: "The network bridge has no trunk adapter."}
		}
		// A placeholder PVID that is now wanted moves away.
		for _, t := range trunks[1:] {
			if old := network.Int(t, "PortVLANID"); old == v {
				nv, err := env.placeholder(want)
				if err != nil {
					return changed, err
				}
				for _, s := range seas {
					if st := seaTrunk(s, old); st != nil {
						fields.SetPath(st, trunkSchema(), "PortVLANID", strconv.Itoa(nv))
					}
				}
			}
		}
		var best *uom.Element
		for _, t := range trunks {
			n := len(tagged(t))
			if n < MaxTaggedPerTrunk && (best == nil || n < len(tagged(best))) {
				best = t
			}
		}
		if best != nil {
			tp := network.Int(best, "PortVLANID")
			for _, s := range seas {
				if st := seaTrunk(s, tp); st != nil {
					setTagged(st, append(tagged(st), v))
				}
			}
			changed = true
			continue
		}
		np, err := env.placeholder(want)
		if err != nil {
			return changed, err
		}
		for _, s := range seas {
			prio := "1"
			if ts := network.Trunks(s, strconv.Itoa(pvid)); len(ts) > 0 {
				if p, ok := ts[0].FindText("TrunkPriority"); ok && p != "" {
					prio = p
				}
			}
			list := s.Child("TrunkAdapters")
			if list == nil {
				list = network.NewComplex("TrunkAdapters")
				uom.SetChild(s, uom.Schema(Own).Find("SharedEthernetAdapters/SharedEthernetAdapter"), list)
			}
			list.Append(NewTrunk(np, []int{v}, env.SwitchHref, prio))
		}
		changed = true
	}
	return changed, nil
}

// NewTrunk is a trunk adapter as a bridge update adds it: no slot (the
// next high one), its PVID and tagged VLANs, the switch and a priority.
func NewTrunk(pvid int, vlans []int, switchHref, priority string) *uom.Element {
	t := network.NewComplex("TrunkAdapter")
	t.Append(
		network.Leaf("UseNextAvailableHighSlotID", "true"),
		network.Leaf("PortVLANID", strconv.Itoa(pvid)),
		network.Leaf("TaggedVLANIDs", network.JoinVLANs(vlans, " ")),
		network.Leaf("TaggedVLANSupported", "true"),
		network.LinkTo("AssociatedVirtualSwitch", switchHref),
		network.Leaf("TrunkPriority", priority),
	)
	return t
}

// RemoveVLANs takes VLANs off every trunk adapter of a bridge element; an
// additional trunk left without tagged VLANs is removed. The bridge's own
// PVID cannot go. It reports whether anything changed.
func RemoveVLANs(bridge *uom.Element, vlans []int) (bool, error) {
	pvid := network.Int(bridge, "PortVLANID")
	changed := false
	for _, v := range vlans {
		if v == pvid {
			return false, &app.Error{ID: "PVME01040130-0060", Code: app.ExitRefused,
				Msg: "VLAN " + strconv.Itoa(v) + " is the port VLAN ID of the network bridge; it cannot be removed."}
		}
	}
	drop := map[int]bool{}
	for _, v := range vlans {
		drop[v] = true
	}
	for _, s := range network.SEAs(bridge) {
		trunks := network.Trunks(s, strconv.Itoa(pvid))
		list := s.Child("TrunkAdapters")
		for i, t := range trunks {
			cur := tagged(t)
			var keep []int
			for _, x := range cur {
				if !drop[x] {
					keep = append(keep, x)
				}
			}
			if len(keep) == len(cur) {
				continue
			}
			changed = true
			if i > 0 && len(keep) == 0 && list != nil {
				removeChild(list, t)
				continue
			}
			setTagged(t, keep)
		}
	}
	return changed, nil
}

func removeChild(parent, child *uom.Element) {
	out := parent.Children[:0]
	for _, c := range parent.Children {
		if c != child {
			out = append(out, c)
		}
	}
	parent.Children = out
}
