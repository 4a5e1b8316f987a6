package network

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/uom"
)

// Bridges returns the network bridges of the managed system (read once per
// invocation).
func Bridges(a *app.App) ([]*uom.Entry, error) { return app.SystemFeed(a, "NetworkBridge") }

// SEAs returns the shared Ethernet adapters of a bridge element.
func SEAs(bridge *uom.Element) []*uom.Element {
	return bridge.FindAll("SharedEthernetAdapters/SharedEthernetAdapter")
}

// Trunks returns a SEA's trunk adapters, the primary (the one carrying
// the SEA's port VLAN ID) first; pvid is used when the SEA does not say.
func Trunks(sea *uom.Element, pvid string) []*uom.Element {
	if p, ok := sea.FindText("PortVLANID"); ok && p != "" {
		pvid = p
	}
	var first, rest []*uom.Element
	for _, t := range sea.FindAll("TrunkAdapters/TrunkAdapter") {
		if p, _ := t.FindText("PortVLANID"); p == pvid && first == nil {
			first = append(first, t)
		} else {
			rest = append(rest, t)
		}
	}
	return append(first, rest...)
}

// BridgeTrunks returns the trunks of a bridge's first SEA, primary first.
func BridgeTrunks(bridge *uom.Element) []*uom.Element {
	seas := SEAs(bridge)
	if len(seas) == 0 {
		return nil
	}
	pvid, _ := bridge.FindText("PortVLANID")
	return Trunks(seas[0], pvid)
}

// BridgeVLANs returns the VLANs a bridge carries besides its port VLAN ID:
// the tagged VLANs of the first SEA's trunks (the port VLAN IDs of its
// additional trunks are placeholders and not bridged), sorted.
func BridgeVLANs(bridge *uom.Element) []int {
	var out []int
	for _, t := range BridgeTrunks(bridge) {
		v, _ := t.FindText("TaggedVLANIDs")
		out = append(out, RESTVLANs(v)...)
	}
	return SortedVLANs(out)
}

// BridgeSwitchID returns the switch ID of a bridge (its primary trunk's).
func BridgeSwitchID(bridge *uom.Element) string {
	if ts := BridgeTrunks(bridge); len(ts) > 0 {
		v, _ := ts[0].FindText("VirtualSwitchID")
		return v
	}
	return ""
}

// VIOSName returns the name of the VIOS a link points to ("" when unknown).
func VIOSName(a *app.App, href string) string {
	id := HrefUUID(href)
	if id == "" || a == nil {
		return ""
	}
	vioses, err := app.VIOSes(a)
	if err != nil {
		return ""
	}
	for _, p := range vioses {
		if strings.EqualFold(p.ID, id) && p.Content != nil {
			n, _ := p.Content.FindText("PartitionName")
			return n
		}
	}
	return ""
}

// SEAVIOS returns the href of the VIOS a SEA is on.
func SEAVIOS(sea *uom.Element) string { return LinkHref(sea.Child("AssignedVirtualIOServer")) }

// SwitchName returns a switch's name by ID ("" when unknown).
func SwitchName(a *app.App, id string) string {
	if a == nil {
		return ""
	}
	names, err := SwitchNames(a)
	if err != nil {
		return ""
	}
	return names[id]
}

// Int reads an integer child (-1 when absent or not a number).
func Int(el *uom.Element, path string) int {
	t, _ := el.FindText(path)
	n, err := strconv.Atoi(t)
	if err != nil {
		return -1
	}
	return n
}
