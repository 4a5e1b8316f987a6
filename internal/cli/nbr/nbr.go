// Package nbr is pvmctl's NetworkBridge object (nbr, bridge): list, and
// update (VLANs added to or removed from the bridge, as networking-powervm
// does it, and its load balancing). A bridge joins a virtual switch to the
// physical network through one shared Ethernet adapter (SEA) per VIOS.
package nbr

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Own is the bridge's section.
const Own = "NetworkBridge"

// Def is the NetworkBridge object.
func Def() app.Def {
	var a0 *app.App
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	set := fields.NewSet(Own,
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "bridge UUID"),
		ro("pvid", "PortVLANID", fields.Int, "port VLAN ID (untagged traffic) of the bridge"),
		get("vswitch", fields.String, "name of the bridged virtual switch", func(obj *uom.Element) string {
			return network.SwitchName(a0, network.BridgeSwitchID(obj))
		}),
		get("vswitch_id", fields.Int, "ID of the bridged virtual switch", network.BridgeSwitchID),
		get("vioses", fields.String, "the VIOSes of its shared Ethernet adapters, primary first", func(obj *uom.Element) string {
			var names []string
			for _, s := range network.SEAs(obj) {
				names = append(names, network.VIOSName(a0, network.SEAVIOS(s)))
			}
			return strings.Join(names, ",")
		}),
		get("seas", fields.String, "its shared Ethernet adapters, VIOS:device", func(obj *uom.Element) string {
			var out []string
			for _, s := range network.SEAs(obj) {
				d, _ := s.FindText("DeviceName")
				out = append(out, network.VIOSName(a0, network.SEAVIOS(s))+":"+d)
			}
			return strings.Join(out, ",")
		}),
		get("vlans", fields.String, "tagged VLANs bridged (besides the PVID), comma-separated", func(obj *uom.Element) string {
			return network.JoinVLANs(network.BridgeVLANs(obj), ",")
		}),
		get("trunks", fields.Int, "trunk adapters per SEA", func(obj *uom.Element) string {
			return strconv.Itoa(len(network.BridgeTrunks(obj)))
		}),
		ro("failover", "FailoverEnabled", fields.Bool, "two SEAs, one taking over when the other fails"),
		&fields.Field{Section: Own, Name: "load_balance", Path: "LoadBalancingEnabled", Kind: fields.Bool,
			Help: "the two SEAs share the load (their trunk adapters alternate)"},
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"nbr", "bridge"},
		Title:   "Network Bridges",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  Own,
		Columns: []app.Column{
			{Header: "PVID", Field: "pvid"}, {Header: "VSwitch", Field: "vswitch"}, {Header: "VIOSes", Field: "vioses"},
			{Header: "Failover", Field: "failover", Format: app.TitleBool}, {Header: "Load Bal", Field: "load_balance", Format: app.TitleBool},
			{Header: "Tagged VLANs", Field: "vlans"},
		},
		IDKeys: map[string]string{"uuid": Own + ".uuid", "pvid": Own + ".pvid"},
		List:   List,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		a0 = a
		return []*cobra.Command{
			app.ListCommand(a, o),
			updateCommand(a, o),
			app.NotSupportedCommand(o, "create"),
			app.NotSupportedCommand(o, "delete"),
		}
	}}
}

// List reads the bridges, with the switches and partitions their computed
// fields name.
func List(a *app.App) ([]*uom.Entry, error) {
	if _, err := app.System(a); err != nil {
		return nil, err
	}
	var bridges []*uom.Entry
	err := app.Parallel(3, []func() error{
		func() (err error) { bridges, err = network.Bridges(a); return },
		func() error { _, err := network.Switches(a); return err },
		func() error { _, err := app.VIOSes(a); return err },
	})
	return bridges, err
}

func updateCommand(a *app.App, o *app.Object) *cobra.Command {
	var target, add, remove string
	var sets []string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Add or remove the VLANs of a network bridge, or change its load balancing",
		Long: "Add VLANs to a network bridge (--add-vlans: each goes to the trunk adapter with the fewest\n" +
			"VLANs, on every SEA of the bridge; a new trunk adapter is added when all are full) or remove\n" +
			"them (--remove-vlans; an additional trunk adapter left without VLANs goes), or change\n" +
			"fields (--set-fields). VLANs already there (or already gone) are left as they are.",
		Example: "  pvmctl nbr update -i pvid=1 --add-vlans 100,200\n  pvmctl nbr update -i pvid=1 --remove-vlans 200",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && !cmd.Flags().Changed("set-fields") {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			pairs := append(sets, args...)
			addV, err := network.ParseVLANs("--add-vlans", add)
			if err != nil {
				return err
			}
			remV, err := network.ParseVLANs("--remove-vlans", remove)
			if err != nil {
				return err
			}
			for _, v := range addV {
				for _, r := range remV {
					if v == r {
						return app.Usage("PVME01040123-0057", "VLAN %d is both in --add-vlans and --remove-vlans.", v)
					}
				}
			}
			if len(pairs) == 0 && len(addV) == 0 && len(remV) == 0 {
				return app.Usage("PVME01040123-0027", "Nothing to change: give --add-vlans, --remove-vlans or --set-fields FIELD=VALUE.")
			}
			changes, err := app.ParseSetFields(o, pairs)
			if err != nil {
				return err
			}
			if target == "" {
				return app.Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (pvid=, uuid=).")
			}
			e, err := app.Target(a, o, target, nil)
			if err != nil {
				return err
			}
			obj := e.Content
			schema := uom.Schema(Own)
			for _, ch := range changes {
				if err := ch.Field.Assign(obj, schema, ch.Value); err != nil {
					return err
				}
			}
			changed := len(changes) > 0
			if len(remV) > 0 {
				n, err := RemoveVLANs(obj, remV)
				if err != nil {
					return err
				}
				changed = changed || n
			}
			if len(addV) > 0 {
				env, err := newTrunkEnv(a, e)
				if err != nil {
					return err
				}
				n, err := AddVLANs(obj, addV, env)
				if err != nil {
					return err
				}
				changed = changed || n
			}
			if !changed {
				return nil
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			_, err = c.Update(a.Context(), e.SelfLink(), e.Etag, obj)
			return err
		},
	}
	app.SettableFieldHelp(cmd, o)
	cmd.Flags().StringVarP(&target, "object-id", "i", "", "the bridge, as KEY=VALUE (pvid=, uuid=)")
	cmd.Flags().StringVar(&add, "add-vlans", "", "VLANs to bridge, comma-separated")
	cmd.Flags().StringVar(&remove, "remove-vlans", "", "VLANs to stop bridging, comma-separated")
	cmd.Flags().StringArrayVarP(&sets, "set-fields", "s", nil, "FIELD=VALUE to set (several may follow as arguments)")
	cmd.Flags().StringArrayVar(&sets, "set-field", nil, "same as --set-fields")
	return cmd
}

// newTrunkEnv gathers what new trunk adapters need: the switch's address
// and the VLANs in use (so that a placeholder PVID is free).
func newTrunkEnv(a *app.App, e *uom.Entry) (*TrunkEnv, error) {
	swID := network.BridgeSwitchID(e.Content)
	sw, err := network.SwitchByID(a, swID)
	if err != nil {
		return nil, err
	}
	env := &TrunkEnv{SwitchHref: network.Href(sw), Used: map[int]bool{}}
	bridges, err := network.Bridges(a)
	if err != nil {
		return nil, err
	}
	for _, b := range bridges {
		if b.Content == nil {
			continue
		}
		for _, s := range network.SEAs(b.Content) {
			for _, t := range s.FindAll("TrunkAdapters/TrunkAdapter") {
				env.Used[network.Int(t, "PortVLANID")] = true
				v, _ := t.FindText("TaggedVLANIDs")
				for _, x := range network.RESTVLANs(v) {
					env.Used[x] = true
				}
			}
		}
	}
	nets, err := app.SystemFeed(a, "VirtualNetwork")
	if err != nil {
		return nil, err
	}
	for _, n := range nets {
		if n.Content == nil {
			continue
		}
		if id, _ := n.Content.FindText("VswitchID"); id == swID {
			env.Used[network.Int(n.Content, "NetworkVLANID")] = true
		}
	}
	return env, nil
}
