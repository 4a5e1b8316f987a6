// Package sriov is pvmctl's SR-IOV objects: sriov (the physical ports of
// the managed system's SR-IOV adapters: list, update of a port's label),
// ethlp (SR-IOV Ethernet logical ports of partitions: list, create,
// delete) and vnic (dedicated vNICs of client partitions: list, create,
// delete).
package sriov

import (
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/uom"
)

// PortSection is the physical port's section.
const PortSection = "SRIOVEthernetPhysicalPort"

// ports keeps, for each listed port element, its adapter's element.
type ports struct {
	mu      sync.Mutex
	adapter map[*uom.Element]*uom.Element
}

func (p *ports) set(port, adapter *uom.Element) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.adapter == nil {
		p.adapter = map[*uom.Element]*uom.Element{}
	}
	p.adapter[port] = adapter
}

func (p *ports) of(port *uom.Element) *uom.Element {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.adapter[port]
}

// PortDef is the sriov object: the physical ports of SR-IOV adapters.
func PortDef() app.Def {
	ps := &ports{}
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: PortSection, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	fromAdapter := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: PortSection, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: func(obj *uom.Element) string {
			if a := ps.of(obj); a != nil {
				v, _ := a.FindText(path)
				return v
			}
			return ""
		}}
	}
	set := fields.NewSet(PortSection,
		fromAdapter("adapter_id", "SRIOVAdapterID", fields.Int, "the SR-IOV adapter's ID"),
		fromAdapter("adapter_loc", "PhysicalLocation", fields.String, "the adapter's location code"),
		fromAdapter("mode", "AdapterMode", fields.String, "the adapter's mode (Sriov: shared; Dedicated)"),
		fromAdapter("state", "AdapterState", fields.String, "the adapter's state"),
		ro("port_id", "PhysicalPortID", fields.Int, "the port's ID on its adapter"),
		ro("loc_code", "LocationCode", fields.String, "the port's location code"),
		&fields.Field{Section: PortSection, Name: "label", Path: "Label", Kind: fields.String, Help: "the port's label (the physical network it is on)"},
		&fields.Field{Section: PortSection, Name: "sublabel", Path: "SubLabel", Kind: fields.String, Help: "the port's sub-label"},
		ro("speed", "CurrentConnectionSpeed", fields.String, "the link's speed"),
		ro("link", "LinkStatus", fields.Bool, "whether the link is up"),
		ro("lps", "ConfiguredEthernetLogicalPorts", fields.Int, "logical ports made on the port"),
		ro("max_lps", "ConfiguredMaxEthernetLogicalPorts", fields.Int, "logical ports the port may have"),
		ro("capacity", "AllocatedCapacity", fields.String, "capacity the logical ports hold"),
		ro("granularity", "MinimumEthernetCapacityGranularity", fields.String, "the smallest capacity step"),
	)
	o := &app.Object{
		Name:    "SRIOVAdapter",
		Aliases: []string{"sriov"},
		Title:   "SR-IOV Physical Ports",
		Verbs:   []string{"list", "update"},
		Fields:  set,
		Schema:  "ManagedSystem",
		FieldsNote: "One row per physical port of the managed system's SR-IOV adapters; a port is named\n" +
			"by -i loc_code=LOCATION (or adapter_id= with port_id=).",
		Columns: []app.Column{
			{Header: "Adapter", Field: "adapter_id"}, {Header: "Mode", Field: "mode"}, {Header: "State", Field: "state"},
			{Header: "Port", Field: "port_id"}, {Header: "Location", Field: "loc_code"}, {Header: "Label", Field: "label"},
			{Header: "Link", Field: "link", Format: app.TitleBool}, {Header: "LPs", Field: "lps"}, {Header: "Max", Field: "max_lps"},
			{Header: "Capacity", Field: "capacity"},
		},
		IDKeys: map[string]string{"loc_code": PortSection + ".loc_code", "adapter_id": PortSection + ".adapter_id",
			"port_id": PortSection + ".port_id", "label": PortSection + ".label"},
		List: func(a *app.App) ([]*uom.Entry, error) { return listPorts(a, ps) },
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl sriov list\n  pvmctl sriov list -d loc_code label capacity --where SRIOVEthernetPhysicalPort.link=true"
		return []*cobra.Command{list, updateCommand(a, o, ps)}
	}}
}

// listPorts reads the system's SR-IOV physical ports, as entries whose
// content is the port element.
func listPorts(a *app.App, ps *ports) ([]*uom.Entry, error) {
	sys, err := app.System(a)
	if err != nil {
		return nil, err
	}
	var out []*uom.Entry
	for _, ad := range adaptersOf(sys.Content) {
		for _, p := range portsOf(ad) {
			ps.set(p, ad)
			loc, _ := p.FindText("LocationCode")
			out = append(out, &uom.Entry{ID: loc, Title: PortSection, Etag: sys.Etag, Content: p})
		}
	}
	return out, nil
}

func adaptersOf(sys *uom.Element) []*uom.Element {
	sa := sys.Find("AssociatedSystemIOConfiguration/SRIOVAdapters")
	if sa == nil {
		return nil
	}
	var out []*uom.Element
	for _, ch := range sa.ChildrenNamed("IOAdapterChoice") {
		out = append(out, ch.ChildrenNamed("SRIOVAdapter")...)
	}
	return out
}

func portsOf(ad *uom.Element) []*uom.Element {
	var out []*uom.Element
	for _, g := range []string{"EthernetPhysicalPorts", "ConvergedEthernetPhysicalPorts"} {
		if el := ad.Child(g); el != nil {
			for _, c := range el.Children {
				if c.Local != "Metadata" {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func updateCommand(a *app.App, o *app.Object, ps *ports) *cobra.Command {
	var target string
	var label, sublabel string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change an SR-IOV physical port's label or sub-label",
		Long: "Change the label (the physical network networking-powervm's SR-IOV agent puts the port on) or\n" +
			"the sub-label of the physical port -i names.",
		Example: "  pvmctl sriov update -i loc_code=U78C9.001.WZS03CA-P1-C8-T1 --label prod",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			if target == "" {
				return app.Usage("PVME01040123-0026", "The port is missing: give --object-id loc_code=LOCATION.")
			}
			lc, sc := cmd.Flags().Changed("label"), cmd.Flags().Changed("sublabel")
			if !lc && !sc {
				return app.Usage("PVME01050602-0010", "Nothing to change: give --label or --sublabel.")
			}
			id, err := app.ParseObjectID(o, target)
			if err != nil {
				return err
			}
			entries, err := listPorts(a, ps)
			if err != nil {
				return err
			}
			var found []*uom.Entry
			for _, e := range entries {
				if id.Matches(e.Content) {
					found = append(found, e)
				}
			}
			switch len(found) {
			case 0:
				return app.NotFound("No SR-IOV physical port matches %s.", target)
			case 1:
			default:
				return app.Usage("PVME01050602-0011", "%d ports match %s: name one with -i loc_code=LOCATION.", len(found), target)
			}
			port := found[0].Content
			if lc {
				setText(port, "Label", label)
			}
			if sc {
				setText(port, "SubLabel", sublabel)
			}
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			if _, err := c.Update(a.Context(), client.UOM("ManagedSystem", sys.ID), sys.Etag, sys.Content); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.Out(), "SR-IOV physical port %s updated.\n", found[0].ID)
			return err
		},
	}
	app.TargetFlag(cmd, &target)
	cmd.Flags().StringVar(&label, "label", "", "the port's new label")
	cmd.Flags().StringVar(&sublabel, "sublabel", "", "the port's new sub-label")
	return cmd
}

// setText sets (or adds) a child leaf's text.
func setText(el *uom.Element, name, text string) {
	if c := el.Child(name); c != nil {
		c.Text = text
		return
	}
	el.Append(&uom.Element{Space: el.Space, Local: name, Text: text})
}
