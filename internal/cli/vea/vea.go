// Package vea is pvmctl's VirtualEthernetAdapter object (vea, eth): list,
// create, update and delete the virtual Ethernet adapters of logical
// partitions and Virtual I/O Servers (the REST API's
// ClientNetworkAdapter, one feed per partition).
package vea

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

// Own is the section of the adapter's own fields: the pvmctl object name.
const Own = "VirtualEthernetAdapter"

// restType is the adapter's type in the REST API.
const restType = "ClientNetworkAdapter"

// fetchers is how many adapter feeds are read at once.
const fetchers = 8

// state is what one invocation's verbs share: the --parent-id given and
// the names the computed fields show.
type state struct {
	a      *app.App
	parent string
}

// Def is the VirtualEthernetAdapter object.
func Def() app.Def {
	s := &state{}
	set := fieldSet(s)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"vea", "eth"},
		Title:   "Virtual Ethernet Adapters",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  restType,
		FieldsNote: "Fields are named after the pvmctl object (VirtualEthernetAdapter.pvid); they are the\n" +
			"REST API's ClientNetworkAdapter attributes (PortVLANID ...). An adapter is named within\n" +
			"its partition (--parent-id) by slot=, or anywhere by uuid=, mac= or loc_code=.",
		Columns: []app.Column{
			{Header: "PVID", Field: "pvid"}, {Header: "VSwitch", Field: "vswitch"}, {Header: "LPAR", Field: "lpar_id"},
			{Header: "MAC", Field: "mac"}, {Header: "Slot", Field: "slot"}, {Header: "Trunk", Field: "trunk", Format: app.TitleBool},
			{Header: "Tagged VLANs", Field: "tagged_vlans"},
		},
		IDKeys: map[string]string{"slot": Own + ".slot", "uuid": Own + ".uuid", "mac": Own + ".mac", "loc_code": Own + ".loc_code"},
		List:   s.list,
	}
	o.Adjust = adjust(set)
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl vea list\n  pvmctl vea list -p name=vm1 -d slot mac pvid\n  pvmctl vea list -d lpar_name slot pvid vswitch"
		list.Long += "\nThe table's LPAR column is the partition's ID, as NovaLink's pvmctl shows it; -d lpar_name gives its name."
		app.ParentFlag(list, &s.parent, "only the adapters of this partition (LPAR or VIOS): name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.updateCommand(o), s.deleteCommand(o)}
	}}
}

// fieldSet returns the adapter's field catalog.
func fieldSet(s *state) *fields.Set {
	f := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help}
	}
	ro := func(fl *fields.Field) *fields.Field { fl.ReadOnly = true; return fl }
	return fields.NewSet(Own,
		f("pvid", "PortVLANID", fields.Int, "port VLAN ID (untagged traffic)"),
		ro(&fields.Field{Section: Own, Name: "vswitch", Kind: fields.String, Help: "name of the virtual switch",
			Get: func(obj *uom.Element) string {
				id, _ := obj.FindText("VirtualSwitchID")
				if s.a == nil {
					return id
				}
				names, err := network.SwitchNames(s.a)
				if err != nil {
					return id
				}
				return names[id]
			}}),
		ro(f("vswitch_id", "VirtualSwitchID", fields.Int, "switch ID")),
		ro(f("lpar_id", "LocalPartitionID", fields.Int, "ID of the partition the adapter belongs to")),
		ro(&fields.Field{Section: Own, Name: "lpar_name", Kind: fields.String, Help: "name of the partition the adapter belongs to",
			Get: func(obj *uom.Element) string {
				id, _ := obj.FindText("LocalPartitionID")
				return s.partitionName(id)
			}}),
		ro(f("mac", "MACAddress", fields.String, "MAC address, 12 hex digits (set at create)")),
		ro(f("slot", "VirtualSlotNumber", fields.Int, "virtual slot (set at create)")),
		ro(&fields.Field{Section: Own, Name: "trunk", Kind: fields.Bool, Help: "a trunk adapter (bridges the switch; has a trunk priority)",
			Get: func(obj *uom.Element) string { return strconv.FormatBool(isTrunk(obj)) }}),
		f("trunk_pri", "TrunkPriority", fields.Int, "trunk priority, 1-15 (trunk adapters only)"),
		&fields.Field{Section: Own, Name: "tagged_vlans", Path: "TaggedVLANIDs", Kind: fields.String,
			Help: "tagged VLANs, comma-separated (e.g. 10,20; empty for none)",
			Get:  func(obj *uom.Element) string { t, _ := obj.FindText("TaggedVLANIDs"); return network.CommaVLANs(t) }},
		f("tagged_supported", "TaggedVLANSupported", fields.Bool, "the adapter carries tagged VLANs (IEEE 802.1Q)"),
		f("enabled", "Enabled", fields.Bool, "the adapter is enabled"),
		ro(f("loc_code", "LocationCode", fields.String, "location code, U<type>.<model>.<serial>-V<lpar>-C<slot>")),
		ro(f("device", "DeviceName", fields.String, "device name on a VIOS (entN)")),
		ro(f("uuid", "Metadata/Atom/AtomID", fields.String, "adapter UUID")),
	)
}

func targetFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "object-id", "i", "", "the adapter, as KEY=VALUE: slot= (with --parent-id), uuid=, mac=, loc_code=")
}

func isTrunk(obj *uom.Element) bool {
	t, ok := obj.FindText("TrunkPriority")
	return ok && t != "" && t != "0"
}

func (s *state) partitionName(id string) string {
	if s.a == nil {
		return ""
	}
	parts, err := app.Partitions(s.a)
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

// list reads the adapters of the --parent-id partition, or of every
// partition and VIOS (one feed each, several at a time).
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	var parts []*uom.Entry
	if s.parent != "" {
		p, err := app.FindPartition(a, "--parent-id", s.parent)
		if err != nil {
			return nil, err
		}
		parts = []*uom.Entry{p}
	} else {
		all, err := app.Partitions(a)
		if err != nil {
			return nil, err
		}
		parts = all
	}
	feeds := make([][]*uom.Entry, len(parts))
	jobs := []func() error{func() error { _, err := network.Switches(a); return err }}
	for i, p := range parts {
		i, p := i, p
		jobs = append(jobs, func() (err error) {
			feeds[i], err = app.Feed(a, app.PartitionPath(p, restType))
			if err != nil && s.parent == "" && client.IsNotFound(err) {
				// The partition went since the partitions were read.
				return nil
			}
			return err
		})
	}
	if err := app.Parallel(fetchers, jobs); err != nil {
		return nil, err
	}
	// By switch, then partition as listed (logical partitions, then
	// Virtual I/O Servers, by ID), then slot.
	type row struct {
		e           *uom.Entry
		sw, p, slot int
	}
	var rows []row
	for i, f := range feeds {
		for _, e := range f {
			if e.Content == nil {
				continue
			}
			rows = append(rows, row{e, network.Int(e.Content, "VirtualSwitchID"), i, network.Int(e.Content, "VirtualSlotNumber")})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if x.sw != y.sw {
			return x.sw < y.sw
		}
		if x.p != y.p {
			return x.p < y.p
		}
		return x.slot < y.slot
	})
	out := make([]*uom.Entry, len(rows))
	for i, r := range rows {
		out[i] = r.e
	}
	return out, nil
}

// target resolves the adapter a verb acts on: -i slot= (within
// --parent-id), uuid= or mac=.
func (s *state) target(o *app.Object, spec string, args []string) (*uom.Entry, error) {
	if spec == "" {
		if len(args) == 1 && strings.Contains(args[0], "=") {
			spec, args = args[0], nil
		} else {
			return nil, app.Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (slot= with --parent-id, uuid=, mac=, loc_code=).")
		}
	}
	if len(args) > 0 {
		return nil, app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	id, err := app.ParseObjectID(o, spec)
	if err != nil {
		return nil, err
	}
	switch id.Key {
	case "slot":
		if s.parent == "" {
			return nil, app.Usage("PVME01040123-0050", "An adapter named by slot= needs its partition: give --parent-id KEY=VALUE (name=, id=, uuid=).")
		}
	case "mac":
		if m := network.NormalizeMAC(id.Value); m != "" {
			id.Value = m
		}
	}
	return app.FindOne(s.a, o, id)
}

// adjust writes tagged VLANs the REST way (space-separated) and turns
// tagged VLAN support on when an update gives an adapter tagged VLANs.
func adjust(set *fields.Set) func(obj *uom.Element, changes []app.SetField) []app.SetField {
	return func(obj *uom.Element, changes []app.SetField) []app.SetField {
		supportSet := false
		for _, c := range changes {
			if c.Field.Name == "tagged_supported" {
				supportSet = true
			}
		}
		out := append([]app.SetField(nil), changes...)
		for i, c := range out {
			if c.Field.Name != "tagged_vlans" {
				continue
			}
			vs := network.RESTVLANs(c.Value)
			out[i].Value = network.JoinVLANs(vs, " ")
			if len(vs) > 0 && !supportSet {
				if t, _ := obj.FindText("TaggedVLANSupported"); t != "true" {
					if f, err := set.Lookup(Own + ".tagged_supported"); err == nil {
						out = append(out, app.SetField{Field: f, Value: "true"})
						supportSet = true
					}
				}
			}
		}
		return out
	}
}

func (s *state) createCommand() *cobra.Command {
	var vswitch, tagged, mac string
	var slot, pvid, trunkPri int
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a virtual Ethernet adapter on a partition or VIOS",
		Long: "Create a virtual Ethernet adapter on a partition or VIOS. Without --slot the adapter\n" +
			"takes the next free slot; without --mac it gets the partition's MAC prefix plus the slot.\n" +
			"--trunk-pri makes a trunk adapter (VIOS or the management partition only).",
		Example: "  pvmctl vea create --slot 2 --pvid 1 --vswitch ETHERNET0 --parent-id name=vm1\n" +
			"  pvmctl vea create --pvid 100 --tagged-vlans 200,300 --vswitch ETHERNET0 -p name=vios1 --trunk-pri 1",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			fl := cmd.Flags()
			if s.parent == "" {
				return app.Usage("PVME01040123-0051", "The parameter --parent-id is required: the partition (name=, id=, uuid=) to add the adapter to.")
			}
			if !fl.Changed("pvid") {
				return app.Usage("PVME01040123-0052", "The parameter --pvid is required (the port VLAN ID, 1-%d).", network.MaxVLAN)
			}
			if pvid < 1 || pvid > network.MaxVLAN {
				return app.Usage("PVME01040123-0047", "The VLAN ID %d of --pvid is not valid: VLAN IDs go from 1 to %d.", pvid, network.MaxVLAN)
			}
			if strings.TrimSpace(vswitch) == "" {
				return app.Usage("PVME01040123-0053", "The parameter --vswitch is required (the virtual switch name, see 'pvmctl vswitch list').")
			}
			if fl.Changed("slot") && slot < 0 {
				return app.Usage("PVME01040123-0054", "The value %d of --slot is not valid: slots are positive numbers.", slot)
			}
			vlans, err := network.ParseVLANs("--tagged-vlans", tagged)
			if err != nil {
				return err
			}
			for _, v := range vlans {
				if v == pvid {
					return app.Usage("PVME01040123-0055", "The port VLAN ID %d cannot also be a tagged VLAN of the adapter.", v)
				}
			}
			if mac != "" {
				m := network.NormalizeMAC(mac)
				if m == "" {
					return app.Usage("PVME01040123-0056", "The value %q of --mac is not valid: a MAC address has 12 hexadecimal digits (separators : - . allowed).", mac)
				}
				mac = m
			}
			trunk := fl.Changed("trunk-pri")
			owner, err := app.FindPartition(a, "--parent-id", s.parent)
			if err != nil {
				return err
			}
			sw, err := network.SwitchByName(a, vswitch)
			if err != nil {
				return err
			}
			obj := network.NewObject(restType)
			if fl.Changed("slot") {
				obj.Append(network.Leaf("VirtualSlotNumber", strconv.Itoa(slot)))
			} else {
				obj.Append(network.Leaf("UseNextAvailableSlotID", "true"))
			}
			if mac != "" {
				obj.Append(network.Leaf("MACAddress", mac))
			}
			obj.Append(network.Leaf("PortVLANID", strconv.Itoa(pvid)))
			if len(vlans) > 0 {
				obj.Append(network.Leaf("TaggedVLANIDs", network.JoinVLANs(vlans, " ")))
			}
			obj.Append(network.Leaf("TaggedVLANSupported", strconv.FormatBool(len(vlans) > 0 || trunk)))
			obj.Append(network.LinkTo("AssociatedVirtualSwitch", network.Href(sw)))
			if trunk {
				obj.Append(network.Leaf("TrunkPriority", strconv.Itoa(trunkPri)))
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			_, err = c.Create(a.Context(), app.PartitionPath(owner, restType), obj)
			return err
		},
	}
	fl := cmd.Flags()
	app.ParentFlag(cmd, &s.parent, "the partition (LPAR or VIOS) to add the adapter to: name=, id=, uuid= (required)")
	fl.IntVar(&slot, "slot", 0, "virtual slot (default: the next free one)")
	fl.IntVar(&pvid, "pvid", 0, "port VLAN ID, 1-4094 (required)")
	fl.StringVar(&vswitch, "vswitch", "", "virtual switch name (required)")
	fl.StringVar(&tagged, "tagged-vlans", "", "tagged VLANs the adapter also carries, comma-separated")
	fl.StringVar(&mac, "mac", "", "MAC address (default: generated)")
	fl.IntVar(&trunkPri, "trunk-pri", 0, "trunk priority 1-15: make a trunk adapter (VIOS or management partition)")
	return cmd
}

func (s *state) updateCommand(o *app.Object) *cobra.Command {
	var target string
	var sets []string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change a virtual Ethernet adapter's VLANs, trunk priority or state",
		Long:  "Change a virtual Ethernet adapter: --set-fields FIELD=VALUE ...",
		Example: "  pvmctl vea update -p name=vm1 -i slot=2 -s VirtualEthernetAdapter.pvid=5\n" +
			"  pvmctl vea update -p name=vios1 -i slot=3 -s tagged_vlans=100,200",
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" && len(args) > 0 && !cmd.Flags().Changed("set-fields") {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			pairs := append(sets, args...)
			if len(pairs) == 0 {
				return app.Usage("PVME01040123-0027", "Nothing to change: give --set-fields FIELD=VALUE.")
			}
			changes, err := app.ParseSetFields(o, pairs)
			if err != nil {
				return err
			}
			for _, c := range changes {
				if c.Field.Name == "tagged_vlans" {
					if _, err := network.ParseVLANs(c.Field.Qualified(), c.Value); err != nil {
						return err
					}
				}
			}
			e, err := s.target(o, target, nil)
			if err != nil {
				return err
			}
			return app.ApplyFields(s.a, o, e, changes)
		},
	}
	targetFlag(cmd, &target)
	app.ParentFlag(cmd, &s.parent, "")
	cmd.Flags().StringArrayVarP(&sets, "set-fields", "s", nil, "FIELD=VALUE to set (several may follow as arguments)")
	cmd.Flags().StringArrayVar(&sets, "set-field", nil, "same as --set-fields")
	app.SettableFieldHelp(cmd, o)
	return cmd
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:     "delete",
		Short:   "Delete a virtual Ethernet adapter",
		Example: "  pvmctl vea delete -p name=vm1 -i slot=2",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := s.target(o, target, args)
			if err != nil {
				return err
			}
			c, err := s.a.Client()
			if err != nil {
				return err
			}
			return c.Delete(s.a.Context(), e.SelfLink(), e.Etag)
		},
	}
	targetFlag(cmd, &target)
	app.ParentFlag(cmd, &s.parent, "")
	return cmd
}
