// Package lgrp is pvmctl's LoadGroup object (lgrp): list. A load group is
// a bridge's set of trunk adapters (one per SEA) sharing a PVID, with the
// VLANs they carry; NovaLink derives them from the bridge, whose update
// ("pvmctl nbr update --add-vlans/--remove-vlans") changes them.
package lgrp

import (
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Own is the load group's section.
const Own = "LoadGroup"

type state struct {
	a      *app.App
	mu     sync.Mutex
	bridge map[*uom.Element]*uom.Entry
}

func (s *state) bridgeOf(lg *uom.Element) *uom.Element {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.bridge[lg]; b != nil {
		return b.Content
	}
	return nil
}

// locRE reads the partition ID and slot of a virtual adapter's location
// code (U8247.22L.2125D4A-V2-C3).
var locRE = regexp.MustCompile(`-V(\d+)-C(\d+)$`)

// Def is the LoadGroup object.
func Def() app.Def {
	s := &state{bridge: map[*uom.Element]*uom.Entry{}}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	first := func(obj *uom.Element) *uom.Element { return obj.Find("TrunkAdapters/TrunkAdapter") }
	set := fields.NewSet(Own,
		&fields.Field{Section: Own, Name: "pvid", Path: "PortVLANID", Kind: fields.Int, Help: "port VLAN ID of the group's trunk adapters", ReadOnly: true},
		get("bridge", fields.Int, "PVID of its network bridge", func(obj *uom.Element) string {
			if b := s.bridgeOf(obj); b != nil {
				v, _ := b.FindText("PortVLANID")
				return v
			}
			return ""
		}),
		get("bridge_uuid", fields.String, "UUID of its network bridge", func(obj *uom.Element) string {
			s.mu.Lock()
			defer s.mu.Unlock()
			if b := s.bridge[obj]; b != nil {
				return b.ID
			}
			return ""
		}),
		get("vswitch", fields.String, "name of the virtual switch", func(obj *uom.Element) string {
			t := first(obj)
			if t == nil {
				return ""
			}
			id, _ := t.FindText("VirtualSwitchID")
			return network.SwitchName(s.a, id)
		}),
		get("vlans", fields.String, "tagged VLANs the group carries, sorted, comma-separated", func(obj *uom.Element) string {
			t := first(obj)
			if t == nil {
				return ""
			}
			v, _ := t.FindText("TaggedVLANIDs")
			return network.JoinVLANs(network.SortedVLANs(network.RESTVLANs(v)), ",")
		}),
		get("trunks", fields.String, "its trunk adapters, VIOS:device", func(obj *uom.Element) string {
			var out []string
			for _, t := range obj.FindAll("TrunkAdapters/TrunkAdapter") {
				d, _ := t.FindText("DeviceName")
				loc, _ := t.FindText("LocationCode")
				if m := locRE.FindStringSubmatch(loc); m != nil {
					if n := s.partitionName(m[1]); n != "" {
						d = n + ":" + d
					}
				}
				out = append(out, d)
			}
			return strings.Join(out, ",")
		}),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"lgrp"},
		Title:   "Load Groups",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  "NetworkBridge",
		Columns: []app.Column{
			{Header: "PVID", Field: "pvid"}, {Header: "Bridge", Field: "bridge"}, {Header: "VSwitch", Field: "vswitch"},
			{Header: "Trunks", Field: "trunks"}, {Header: "VLANs", Field: "vlans"},
		},
		IDKeys: map[string]string{"pvid": Own + ".pvid", "bridge": Own + ".bridge"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		return []*cobra.Command{
			app.ListCommand(a, o),
			app.NotSupportedCommand(o, "create"),
			app.NotSupportedCommand(o, "delete"),
			app.NotSupportedCommand(o, "update"),
		}
	}}
}

// partitionName names a VIOS by partition ID (trunk adapters of bridges
// are on VIOSes).
func (s *state) partitionName(id string) string {
	parts, err := app.VIOSes(s.a)
	if err != nil {
		return ""
	}
	for _, p := range parts {
		if p.Content == nil {
			continue
		}
		if v, _ := p.Content.FindText("PartitionID"); v == id {
			n, _ := p.Content.FindText("PartitionName")
			return n
		}
	}
	return ""
}

// list returns the load groups of every bridge, as the bridges carry them
// (LoadGroups), the primary one first.
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
		pvid, _ := b.Content.FindText("PortVLANID")
		var first, rest []*uom.Entry
		for _, lg := range b.Content.FindAll("LoadGroups/LoadGroup") {
			s.bridge[lg] = b
			e := &uom.Entry{ID: b.ID, Title: Own, Links: b.Links, Etag: b.Etag, Content: lg}
			if v, _ := lg.FindText("PortVLANID"); v == pvid && first == nil {
				first = append(first, e)
			} else {
				rest = append(rest, e)
			}
		}
		out = append(append(out, first...), rest...)
	}
	return out, nil
}
