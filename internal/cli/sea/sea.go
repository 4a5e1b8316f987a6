// Package sea is pvmctl's SharedEthernetAdapter object (sea): list. The
// REST API has no SEA object of its own: each network bridge holds one SEA
// per VIOS, so the list walks the bridges (their VLANs change through
// "pvmctl nbr update").
package sea

import (
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Own is the SEA's section.
const Own = "SharedEthernetAdapter"

// state maps each listed SEA element back to its bridge.
type state struct {
	a      *app.App
	mu     sync.Mutex
	bridge map[*uom.Element]*uom.Entry
}

func (s *state) bridgeOf(sea *uom.Element) *uom.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bridge[sea]
}

// Def is the SharedEthernetAdapter object.
func Def() app.Def {
	s := &state{bridge: map[*uom.Element]*uom.Entry{}}
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	const backing = "BackingDeviceChoice/EthernetBackingDevice/"
	primaryTrunk := func(obj *uom.Element) *uom.Element {
		pvid := ""
		if b := s.bridgeOf(obj); b != nil && b.Content != nil {
			pvid, _ = b.Content.FindText("PortVLANID")
		}
		if ts := network.Trunks(obj, pvid); len(ts) > 0 {
			return ts[0]
		}
		return nil
	}
	set := fields.NewSet(Own,
		ro("name", "DeviceName", fields.String, "device name of the SEA on its VIOS (entN)"),
		get("vios", fields.String, "name of the VIOS", func(obj *uom.Element) string {
			return network.VIOSName(s.a, network.SEAVIOS(obj))
		}),
		get("vios_uuid", fields.String, "UUID of the VIOS", func(obj *uom.Element) string {
			return network.HrefUUID(network.SEAVIOS(obj))
		}),
		ro("pvid", "PortVLANID", fields.Int, "port VLAN ID"),
		get("vswitch", fields.String, "name of the bridged virtual switch", func(obj *uom.Element) string {
			t := primaryTrunk(obj)
			if t == nil {
				return ""
			}
			id, _ := t.FindText("VirtualSwitchID")
			return network.SwitchName(s.a, id)
		}),
		ro("primary", "IsPrimary", fields.Bool, "the SEA traffic goes through unless it fails"),
		ro("ha_mode", "HighAvailabilityMode", fields.String, "auto (failover), sharing (load balancing) or disabled"),
		ro("backing", backing+"DeviceName", fields.String, "physical port (or link aggregation) device"),
		ro("backing_loc", backing+"PhysicalLocation", fields.String, "location code of the physical port"),
		get("trunks", fields.String, "trunk adapter devices, primary first", func(obj *uom.Element) string {
			pvid, _ := obj.FindText("PortVLANID")
			var out []string
			for _, t := range network.Trunks(obj, pvid) {
				d, _ := t.FindText("DeviceName")
				out = append(out, d)
			}
			return strings.Join(out, ",")
		}),
		get("vlans", fields.String, "tagged VLANs its trunk adapters carry, comma-separated", func(obj *uom.Element) string {
			var vs []int
			for _, t := range obj.FindAll("TrunkAdapters/TrunkAdapter") {
				v, _ := t.FindText("TaggedVLANIDs")
				vs = append(vs, network.RESTVLANs(v)...)
			}
			return network.JoinVLANs(network.SortedVLANs(vs), ",")
		}),
		ro("jumbo_frames", "JumboFramesEnabled", fields.Bool, "jumbo frames"),
		ro("ip", "IPInterface/IPAddress", fields.String, "IP address configured on the SEA"),
		ro("state", "ConfigurationState", fields.String, "configuration state"),
		get("bridge_uuid", fields.String, "UUID of its network bridge", func(obj *uom.Element) string {
			if b := s.bridgeOf(obj); b != nil {
				return b.ID
			}
			return ""
		}),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"sea"},
		Title:   "Shared Ethernet Adapters",
		Verbs:   []string{"list", "update"},
		Fields:  set,
		Schema:  "NetworkBridge",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "Name", Field: "name"}, {Header: "PVID", Field: "pvid"},
			{Header: "VSwitch", Field: "vswitch"}, {Header: "Primary", Field: "primary", Format: app.TitleBool},
			{Header: "HA Mode", Field: "ha_mode"}, {Header: "Backing", Field: "backing"}, {Header: "Trunks", Field: "trunks"},
		},
		IDKeys: map[string]string{"name": Own + ".name", "vios": Own + ".vios"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		return []*cobra.Command{app.ListCommand(a, o), app.NotSupportedCommand(o, "update")}
	}}
}

// list returns one entry per SEA of every bridge (the entry of its bridge
// with the SEA as content).
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	if _, err := app.System(a); err != nil {
		return nil, err
	}
	var bridges []*uom.Entry
	err := app.Parallel(3, []func() error{
		func() (err error) { bridges, err = network.Bridges(a); return },
		func() error { _, err := network.Switches(a); return err },
		func() error { _, err := app.VIOSes(a); return err },
	})
	if err != nil {
		return nil, err
	}
	var out []*uom.Entry
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range bridges {
		if b.Content == nil {
			continue
		}
		for _, sea := range network.SEAs(b.Content) {
			s.bridge[sea] = b
			out = append(out, &uom.Entry{ID: b.ID, Title: Own, Links: b.Links, Etag: b.Etag, Content: sea})
		}
	}
	return out, nil
}
