// Package vnet is pvmctl's VirtualNetwork object (vnet, net): list. The
// virtual networks are the VLANs in use on each switch; NovaLink derives
// them from the adapters, so there is nothing to create or change.
package vnet

import (
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Def is the VirtualNetwork object.
func Def() app.Def {
	const own = "VirtualNetwork"
	var a0 *app.App
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	set := fields.NewSet(own,
		ro("name", "NetworkName", fields.String, "network name, VLAN<id>-<switch>"),
		ro("vlan", "NetworkVLANID", fields.Int, "VLAN ID"),
		&fields.Field{Section: own, Name: "vswitch", Kind: fields.String, Help: "name of the virtual switch", ReadOnly: true,
			Get: func(obj *uom.Element) string {
				if a0 == nil {
					return ""
				}
				id, _ := obj.FindText("VswitchID")
				names, err := network.SwitchNames(a0)
				if err != nil {
					return ""
				}
				return names[id]
			}},
		ro("vswitch_id", "VswitchID", fields.Int, "switch ID"),
		ro("tagged", "TaggedNetwork", fields.Bool, "the VLAN is tagged (carried as a tagged VLAN by some adapter)"),
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "network UUID"),
	)
	o := &app.Object{
		Name:    own,
		Aliases: []string{"vnet", "net"},
		Title:   "Virtual Networks",
		Verbs:   []string{"list"},
		Fields:  set,
		Schema:  own,
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "VLAN", Field: "vlan"}, {Header: "VSwitch", Field: "vswitch"},
			{Header: "Tagged", Field: "tagged", Format: app.TitleBool},
		},
		IDKeys: map[string]string{"name": own + ".name", "vlan": own + ".vlan", "uuid": own + ".uuid"},
		List: func(a *app.App) ([]*uom.Entry, error) {
			if _, err := app.System(a); err != nil {
				return nil, err
			}
			var nets []*uom.Entry
			err := app.Parallel(2, []func() error{
				func() (err error) { nets, err = app.SystemFeed(a, own); return },
				func() error { _, err := network.Switches(a); return err },
			})
			return nets, err
		},
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		a0 = a
		return []*cobra.Command{app.ListCommand(a, o)}
	}}
}
