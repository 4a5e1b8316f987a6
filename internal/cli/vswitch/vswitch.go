// Package vswitch is pvmctl's VirtualSwitch object (vswitch, vsw): list,
// create, update and delete.
package vswitch

import (
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Modes are the switch modes as the REST API spells them.
var Modes = []string{"Veb", "Vepa"}

// Def is the VirtualSwitch object.
func Def() app.Def {
	const own = "VirtualSwitch"
	var a0 *app.App  // set when the verbs are built (one invocation)
	listing := false // the list verb runs: read the virtual networks too
	set := fields.NewSet(own,
		&fields.Field{Section: own, Name: "name", Path: "SwitchName", Kind: fields.String, Help: "switch name",
			Get: func(obj *uom.Element) string { n, _ := obj.FindText("SwitchName"); return network.DisplayName(n) }},
		&fields.Field{Section: own, Name: "id", Path: "SwitchID", Kind: fields.Int, Help: "switch ID (0-15)", ReadOnly: true},
		&fields.Field{Section: own, Name: "mode", Path: "SwitchMode", Kind: fields.String, Help: "Veb (partitions talk to each other) or Vepa (only through the external switch)", Enum: Modes},
		&fields.Field{Section: own, Name: "uuid", Path: "Metadata/Atom/AtomID", Kind: fields.String, Help: "switch UUID", ReadOnly: true},
		&fields.Field{Section: own, Name: "vnets", Kind: fields.String, Help: "virtual networks (VLANs in use) on the switch, comma-separated", ReadOnly: true,
			Get: func(obj *uom.Element) string { return vnetNames(a0, obj) }},
	)
	o := &app.Object{
		Name:    own,
		Aliases: []string{"vswitch", "vsw"},
		Title:   "Virtual Switches",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  own,
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "ID", Field: "id"}, {Header: "Mode", Field: "mode"}, {Header: "VNets", Field: "vnets"},
		},
		IDKeys: map[string]string{"name": own + ".name", "id": own + ".id", "uuid": own + ".uuid"},
		// Listing reads the virtual networks (the VNets column) alongside.
		List: func(a *app.App) ([]*uom.Entry, error) {
			if !listing {
				return app.SystemFeed(a, own)
			}
			if _, err := app.System(a); err != nil {
				return nil, err
			}
			var sws []*uom.Entry
			err := app.Parallel(2, []func() error{
				func() (err error) { sws, err = app.SystemFeed(a, own); return },
				func() error { _, err := app.SystemFeed(a, "VirtualNetwork"); return err },
			})
			return sws, err
		},
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		a0 = a
		list := app.ListCommand(a, o)
		list.PreRun = func(*cobra.Command, []string) { listing = true }
		return []*cobra.Command{list, createCommand(a), app.UpdateCommand(a, o), deleteCommand(a, o)}
	}}
}

// vnetNames lists the virtual networks of a switch: those of the
// VirtualNetwork feed on its switch ID, by VLAN.
func vnetNames(a *app.App, sw *uom.Element) string {
	if a == nil {
		return ""
	}
	id, _ := sw.FindText("SwitchID")
	nets, err := app.SystemFeed(a, "VirtualNetwork")
	if err != nil {
		return ""
	}
	type vn struct {
		vlan int
		name string
	}
	var out []vn
	for _, e := range nets {
		if e.Content == nil {
			continue
		}
		if sid, _ := e.Content.FindText("VswitchID"); sid != id {
			continue
		}
		name, _ := e.Content.FindText("NetworkName")
		v, _ := e.Content.FindText("NetworkVLANID")
		n, _ := strconv.Atoi(v)
		out = append(out, vn{n, name})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].vlan < out[j].vlan })
	names := make([]string, len(out))
	for i, n := range out {
		names[i] = n.name
	}
	return strings.Join(names, ",")
}

func createCommand(a *app.App) *cobra.Command {
	var name, mode string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a virtual switch",
		Example: "  pvmctl vswitch create --name VSW1 --mode Vepa",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if strings.TrimSpace(name) == "" {
				return app.Usage("PVME01040123-0030", "The parameter --name is required.")
			}
			m := ""
			for _, v := range Modes {
				if strings.EqualFold(v, mode) {
					m = v
				}
			}
			if m == "" {
				return app.Usage("PVME01040123-0049", "The value %q of --mode is not valid. Valid values: %s.", mode, strings.Join(Modes, ", "))
			}
			obj := network.NewObject("VirtualSwitch")
			obj.Append(network.Leaf("SwitchMode", m), network.Leaf("SwitchName", name))
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			_, err = c.Create(a.Context(), client.UOM("ManagedSystem", sys.ID, "VirtualSwitch"), obj)
			return err
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "switch name (required)")
	cmd.Flags().StringVar(&mode, "mode", "Veb", "switch mode: Veb or Vepa")
	return cmd
}

func deleteCommand(a *app.App, o *app.Object) *cobra.Command {
	return app.DeleteCommand(a, o, "Delete a virtual switch no adapter uses")
}
