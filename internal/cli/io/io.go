// Package io is pvmctl's IOSlot object (io, ioslot): list the physical I/O
// slots of the managed system, and attach them to or detach them from a
// partition (an update of the partition's PartitionIOConfiguration/
// ProfileIOSlots, as pypowervm builds ProfileIOSlot elements).
package io

import (
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Own is the slot's section.
const Own = "IOSlot"

// slotsPath is where the managed system lists its I/O slots.
const slotsPath = "AssociatedSystemIOConfiguration/IOSlots/IOSlot"

// profilePath is where a partition lists the slots it owns.
const profilePath = "PartitionIOConfiguration/ProfileIOSlots"

// owner is a partition owning a slot.
type owner struct{ name, id, uuid, typ string }

type state struct {
	a      *app.App
	mu     sync.Mutex
	owners map[string]owner // DRC index -> owner, from the partitions (when the slots do not say)
}

func (s *state) ownerOf(obj *uom.Element) owner {
	var o owner
	o.name, _ = obj.FindText("PartitionName")
	o.id, _ = obj.FindText("PartitionID")
	o.uuid, _ = obj.FindText("PartitionUUID")
	o.typ, _ = obj.FindText("PartitionType")
	if o.name != "" || o.id != "" || o.uuid != "" {
		return o
	}
	idx, _ := obj.FindText("SlotDynamicReconfigurationConnectorIndex")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owners[idx]
}

// Def is the IOSlot object.
func Def() app.Def {
	s := &state{}
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	set := fields.NewSet(Own,
		ro("drc_name", "SlotDynamicReconfigurationConnectorName", fields.String, "DRC name: the slot's location code"),
		ro("drc_index", "SlotDynamicReconfigurationConnectorIndex", fields.Int, "DRC index"),
		ro("description", "Description", fields.String, "the adapter in the slot"),
		get("owner", fields.String, "name of the partition owning the slot (empty: free)", func(obj *uom.Element) string {
			o := s.ownerOf(obj)
			if o.name == "" {
				return o.id
			}
			return o.name
		}),
		get("owner_id", fields.Int, "ID of the partition owning the slot", func(obj *uom.Element) string { return s.ownerOf(obj).id }),
		get("owner_uuid", fields.String, "UUID of the partition owning the slot", func(obj *uom.Element) string { return s.ownerOf(obj).uuid }),
		get("owner_type", fields.String, "type of the partition owning the slot", func(obj *uom.Element) string { return s.ownerOf(obj).typ }),
		ro("loc", "SlotPhysicalLocationCode", fields.String, "physical location within the unit"),
		ro("io_unit", "IOUnitPhysicalLocation", fields.String, "location of the I/O unit"),
		ro("pci_class", "PCIClass", fields.Int, "PCI class of the adapter"),
		ro("bus_grouping", "BusGroupingRequired", fields.Bool, "the slot's bus is assigned as a whole"),
		ro("adapter", "RelatedIOAdapter/DeviceName", fields.String, "device of the adapter"),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"io", "ioslot"},
		Title:   "I/O Slots",
		Verbs:   []string{"attach", "detach", "list"},
		Fields:  set,
		Schema:  "ManagedSystem",
		Columns: []app.Column{
			{Header: "DRC Name", Field: "drc_name"}, {Header: "Description", Field: "description"},
			{Header: "Owner", Field: "owner"}, {Header: "DRC Index", Field: "drc_index"},
		},
		IDKeys: map[string]string{"drc_name": Own + ".drc_name", "drc_index": Own + ".drc_index", "owner": Own + ".owner"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		return []*cobra.Command{app.ListCommand(a, o), s.moveCommand(true), s.moveCommand(false)}
	}}
}

// list returns one entry per slot of the managed system (the system's
// entry with the slot as content). Slot owners come from the slots'
// PartitionName/ID, or, when the server does not give them, from the
// partitions' ProfileIOSlots.
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	sys, err := app.System(a)
	if err != nil {
		return nil, err
	}
	slots := sys.Content.FindAll(slotsPath)
	described := false
	for _, sl := range slots {
		if sl.Child("PartitionID") != nil || sl.Child("PartitionName") != nil {
			described = true
			break
		}
	}
	if !described {
		owners, err := profileOwners(a)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.owners = owners
		s.mu.Unlock()
	}
	out := make([]*uom.Entry, 0, len(slots))
	for _, sl := range slots {
		out = append(out, &uom.Entry{ID: sys.ID, Title: Own, Links: sys.Links, Etag: sys.Etag, Content: sl})
	}
	return out, nil
}

// profileOwners maps DRC indexes to the partitions listing them in their
// ProfileIOSlots.
func profileOwners(a *app.App) (map[string]owner, error) {
	parts, err := app.Partitions(a)
	if err != nil {
		return nil, err
	}
	out := map[string]owner{}
	for _, p := range parts {
		if p.Content == nil {
			continue
		}
		var o owner
		o.name, _ = p.Content.FindText("PartitionName")
		o.id, _ = p.Content.FindText("PartitionID")
		o.uuid, _ = p.Content.FindText("PartitionUUID")
		o.typ, _ = p.Content.FindText("PartitionType")
		for _, ps := range p.Content.FindAll(profilePath + "/ProfileIOSlot") {
			if idx, _ := ps.FindText("AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex"); idx != "" {
				out[idx] = o
			}
		}
	}
	return out, nil
}

// findSlots resolves --drc-names against the managed system's slots.
func findSlots(a *app.App, names []string) ([]*uom.Element, error) {
	sys, err := app.System(a)
	if err != nil {
		return nil, err
	}
	all := sys.Content.FindAll(slotsPath)
	var out []*uom.Element
	for _, n := range names {
		var hit *uom.Element
		for _, sl := range all {
			if d, _ := sl.FindText("SlotDynamicReconfigurationConnectorName"); d == n {
				hit = sl
				break
			}
		}
		if hit == nil {
			for _, sl := range all {
				if d, _ := sl.FindText("SlotDynamicReconfigurationConnectorName"); strings.EqualFold(d, n) {
					hit = sl
					break
				}
			}
		}
		if hit == nil {
			return nil, app.NotFound("No IOSlot matches drc_name=%s. See 'pvmctl io list'.", n)
		}
		out = append(out, hit)
	}
	return out, nil
}

// moveCommand is attach (to a partition) or detach (from it).
func (s *state) moveCommand(attach bool) *cobra.Command {
	var parent string
	var names []string
	verb, short := "detach", "Take I/O slots from a partition"
	if attach {
		verb, short = "attach", "Give free I/O slots to a partition"
	}
	cmd := &cobra.Command{
		Use:   verb,
		Short: short,
		Long: short + ". A partition that is not activated changes at once; a running one\n" +
			"changes dynamically (DLPAR), which needs its RMC connection.",
		Example: "  pvmctl io " + verb + " -p id=4 --drc-names U78C9.001.WZSE3CA-P1-C2",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if parent == "" {
				return app.Usage("PVME01040123-0051", "The parameter --parent-id is required: the partition (name=, id=, uuid=) to %s the slots %s.", verb, map[bool]string{true: "to", false: "from"}[attach])
			}
			var want []string
			for _, n := range names {
				if n = strings.TrimSpace(n); n != "" {
					want = append(want, n)
				}
			}
			if len(want) == 0 {
				return app.Usage("PVME01040123-0058", "The parameter --drc-names is required: the DRC names of the slots (see 'pvmctl io list').")
			}
			p, err := app.FindPartition(a, "--parent-id", parent)
			if err != nil {
				return err
			}
			slots, err := findSlots(a, want)
			if err != nil {
				return err
			}
			obj := p.Content
			pname, _ := obj.FindText("PartitionName")
			list := obj.Find(profilePath)
			if list == nil {
				schema := uom.Schema(obj.Local)
				cfg := obj.Child("PartitionIOConfiguration")
				if cfg == nil {
					cfg = network.NewComplex("PartitionIOConfiguration")
					uom.SetChild(obj, schema, cfg)
				}
				list = network.NewComplex("ProfileIOSlots")
				uom.SetChild(cfg, schema.Child("PartitionIOConfiguration"), list)
			}
			for _, sl := range slots {
				idx, _ := sl.FindText("SlotDynamicReconfigurationConnectorIndex")
				name, _ := sl.FindText("SlotDynamicReconfigurationConnectorName")
				var mine *uom.Element
				for _, ps := range list.ChildrenNamed("ProfileIOSlot") {
					if v, _ := ps.FindText("AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex"); v == idx {
						mine = ps
					}
				}
				if attach {
					if mine != nil {
						return &app.Error{ID: "PVME01040130-0061", Code: app.ExitRefused, Msg: "The I/O slot " + name + " already belongs to partition " + pname + "."}
					}
					list.Append(profileSlot(sl))
					continue
				}
				if mine == nil {
					return &app.Error{ID: "PVME01040130-0062", Code: app.ExitRefused, Msg: "The I/O slot " + name + " does not belong to partition " + pname + "."}
				}
				removeChild(list, mine)
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			_, err = c.Update(a.Context(), p.SelfLink(), p.Etag, obj)
			return err
		},
	}
	app.ParentFlag(cmd, &parent, "the partition (LPAR or VIOS): name=, id=, uuid= (required)")
	cmd.Flags().StringSliceVar(&names, "drc-names", nil, "DRC names (location codes) of the slots, comma-separated (required)")
	return cmd
}

// profileSlot is a ProfileIOSlot naming a slot, as pypowervm builds it.
func profileSlot(sl *uom.Element) *uom.Element {
	bus, _ := sl.FindText("BusGroupingRequired")
	if bus == "" {
		bus = "false"
	}
	idx, _ := sl.FindText("SlotDynamicReconfigurationConnectorIndex")
	assoc := network.NewComplex("AssociatedIOSlot")
	assoc.Append(network.Leaf("BusGroupingRequired", bus), network.Leaf("SlotDynamicReconfigurationConnectorIndex", idx))
	return network.NewComplex("ProfileIOSlot").Append(assoc)
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
