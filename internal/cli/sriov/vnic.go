package sriov

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Sections of ethlp and vnic.
const (
	LPSection   = "SRIOVEthernetLogicalPort"
	VNICSection = "VirtualNICDedicated"
)

// owners keeps, for each listed element, the partition entry it belongs to.
type owners struct {
	mu sync.Mutex
	m  map[*uom.Element]*uom.Entry
}

func (o *owners) set(el *uom.Element, p *uom.Entry) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[*uom.Element]*uom.Entry{}
	}
	o.m[el] = p
}

func (o *owners) name(el *uom.Element) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if p := o.m[el]; p != nil && p.Content != nil {
		n, _ := p.Content.FindText("PartitionName")
		return n
	}
	return ""
}

// childFeeds reads a child feed of every partition (or of the one parent
// names; vios false leaves the Virtual I/O Servers out).
func childFeeds(a *app.App, parent, kind string, vios bool, ow *owners) ([]*uom.Entry, error) {
	var parts []*uom.Entry
	if parent != "" {
		p, err := app.FindPartition(a, "--parent-id", parent)
		if err != nil {
			return nil, err
		}
		parts = []*uom.Entry{p}
	} else {
		all, err := app.Partitions(a)
		if err != nil {
			return nil, err
		}
		for _, p := range all {
			if vios || p.Content == nil || p.Content.Local != "VirtualIOServer" {
				parts = append(parts, p)
			}
		}
	}
	results := make([][]*uom.Entry, len(parts))
	jobs := make([]func() error, len(parts))
	for i, p := range parts {
		i, p := i, p
		jobs[i] = func() error {
			es, err := app.Feed(a, app.PartitionPath(p, kind))
			results[i] = es
			return err
		}
	}
	if err := app.Parallel(4, jobs); err != nil {
		return nil, err
	}
	var out []*uom.Entry
	for i, es := range results {
		for _, e := range es {
			ow.set(e.Content, parts[i])
			out = append(out, e)
		}
	}
	return out, nil
}

// findPort finds an SR-IOV physical port by location: its adapter ID and
// port ID.
func findPort(a *app.App, loc string) (int, int, error) {
	sys, err := app.System(a)
	if err != nil {
		return 0, 0, err
	}
	var locs []string
	for _, ad := range adaptersOf(sys.Content) {
		for _, p := range portsOf(ad) {
			l, _ := p.FindText("LocationCode")
			locs = append(locs, l)
			if l != loc {
				continue
			}
			aid, _ := ad.FindText("SRIOVAdapterID")
			pid, _ := p.FindText("PhysicalPortID")
			an, err1 := strconv.Atoi(aid)
			pn, err2 := strconv.Atoi(pid)
			if err1 != nil || err2 != nil {
				return 0, 0, fmt.Errorf("the port %s has no adapter or port ID", loc)
			}
			return an, pn, nil
		}
	}
	return 0, 0, app.NotFound("No SR-IOV physical port is at %s. Ports: %s.", loc, strings.Join(locs, ", "))
}

// capacityText reads --capacity (2, 2%, 2.5%) as the API writes it.
func capacityText(flag, s string) (string, error) {
	v := strings.TrimSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 100 {
		return "", app.Usage("PVME01050602-0012", "The value %q of %s is not valid: give a percentage from 0 to 100 (2, 2.5%%).", s, flag)
	}
	return strconv.FormatFloat(f, 'f', -1, 64) + "%", nil
}

func uomLeaf(name, text string) *uom.Element { return network.Leaf(name, text) }

func uomComplex(name string, kids ...*uom.Element) *uom.Element {
	return network.NewComplex(name).Append(kids...)
}

// LPDef is the ethlp object: SR-IOV Ethernet logical ports.
func LPDef() app.Def {
	ow := &owners{}
	var parent string
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: LPSection, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	set := fields.NewSet(LPSection,
		&fields.Field{Section: LPSection, Name: "lpar", Kind: fields.String, Help: "the partition that owns the logical port", ReadOnly: true, Get: ow.name},
		ro("lp_id", "LogicalPortID", fields.Int, "the logical port's ID"),
		ro("adapter_id", "AdapterID", fields.Int, "the SR-IOV adapter's ID"),
		ro("port_id", "PhysicalPortID", fields.Int, "the physical port's ID"),
		ro("loc_code", "LocationCode", fields.String, "the logical port's location code"),
		ro("capacity", "ConfiguredCapacity", fields.String, "its share of the physical port"),
		ro("max_capacity", "ConfiguredMaxCapacity", fields.String, "the most it may use"),
		ro("pvid", "PortVLANID", fields.Int, "its port VLAN ID (0: untagged)"),
		ro("mac", "MACAddress", fields.String, "its MAC address"),
		ro("usage", "VNICPortUsage", fields.String, "NOT_VNIC, or DEDICATED_VNIC for a vNIC's backing device"),
		ro("functional", "IsFunctional", fields.Bool, "whether it works (its adapter runs, its owner too)"),
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "its UUID"),
	)
	o := &app.Object{
		Name:    LPSection,
		Aliases: []string{"ethlp"},
		Title:   "SR-IOV Ethernet Logical Ports",
		Verbs:   []string{"create", "delete", "list"},
		Fields:  set,
		Schema:  LPSection,
		FieldsNote: "Logical ports belong to their partition (--parent-id); those a Virtual I/O Server owns\n" +
			"back vNICs (usage DEDICATED_VNIC) and go with them.",
		Columns: []app.Column{
			{Header: "LPAR", Field: "lpar"}, {Header: "Adapter", Field: "adapter_id"}, {Header: "Port", Field: "port_id"},
			{Header: "LP ID", Field: "lp_id"}, {Header: "Capacity", Field: "capacity"}, {Header: "PVID", Field: "pvid"},
			{Header: "MAC", Field: "mac"}, {Header: "Usage", Field: "usage"},
		},
		IDKeys: map[string]string{"lp_id": LPSection + ".lp_id", "mac": LPSection + ".mac", "uuid": LPSection + ".uuid"},
		List:   func(a *app.App) ([]*uom.Entry, error) { return childFeeds(a, parent, LPSection, true, ow) },
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl ethlp list\n  pvmctl ethlp list -p name=vios1"
		app.ParentFlag(list, &parent, "only the logical ports of this partition: name=, id=, uuid=")
		return []*cobra.Command{list, lpCreateCommand(a, &parent), childDeleteCommand(a, o, &parent, LPSection, "logical port", ow)}
	}}
}

func lpCreateCommand(a *app.App, parent *string) *cobra.Command {
	var pport, capacity, mac string
	var pvid int
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Give a partition an SR-IOV Ethernet logical port on a physical port",
		Example: "  pvmctl ethlp create -p name=vm1 --pport U78C9.001.WZS03CA-P1-C8-T1 --capacity 4 --pvid 2001",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if *parent == "" || pport == "" {
				return app.Usage("PVME01050602-0013", "Give the partition (--parent-id) and the physical port (--pport LOCATION).")
			}
			p, err := app.FindPartition(a, "--parent-id", *parent)
			if err != nil {
				return err
			}
			aid, pid, err := findPort(a, pport)
			if err != nil {
				return err
			}
			kids := []*uom.Element{uomLeaf("AdapterID", strconv.Itoa(aid))}
			if capacity != "" {
				c, err := capacityText("--capacity", capacity)
				if err != nil {
					return err
				}
				kids = append(kids, uomLeaf("ConfiguredCapacity", c))
			}
			kids = append(kids, uomLeaf("PhysicalPortID", strconv.Itoa(pid)))
			if pvid != 0 {
				kids = append(kids, uomLeaf("PortVLANID", strconv.Itoa(pvid)))
			}
			if mac != "" {
				kids = append(kids, uomLeaf("MACAddress", strings.ToUpper(strings.ReplaceAll(mac, ":", ""))))
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			e, err := c.Create(a.Context(), app.PartitionPath(p, LPSection), uomComplex(LPSection, kids...))
			if err != nil {
				return err
			}
			id, _ := e.Content.FindText("LogicalPortID")
			m, _ := e.Content.FindText("MACAddress")
			_, err = fmt.Fprintf(a.Out(), "SR-IOV logical port %s (MAC %s) created.\n", id, m)
			return err
		},
	}
	app.ParentFlag(cmd, parent, "the partition: name=, id=, uuid= (required)")
	cmd.Flags().StringVar(&pport, "pport", "", "the physical port's location code (required)")
	cmd.Flags().StringVar(&capacity, "capacity", "", "its share of the port, in percent (default: the port's granularity)")
	cmd.Flags().IntVar(&pvid, "pvid", 0, "its port VLAN ID (default: untagged)")
	cmd.Flags().StringVar(&mac, "mac", "", "its MAC address (default: made by the server)")
	return cmd
}

// childDeleteCommand deletes a partition's child object -i names.
func childDeleteCommand(a *app.App, o *app.Object, parent *string, kind, what string, ow *owners) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Remove a " + what,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			if target == "" {
				return app.Usage("PVME01040123-0026", "The %s is missing: give --object-id KEY=VALUE (%s).", what, "mac=, uuid=")
			}
			id, err := app.ParseObjectID(o, target)
			if err != nil {
				return err
			}
			entries, err := childFeeds(a, *parent, kind, true, ow)
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
				return app.NotFound("No %s matches %s.", what, target)
			case 1:
			default:
				return app.Usage("PVME01050602-0014", "%d %ss match %s: give --parent-id, or name one by uuid=.", len(found), what, target)
			}
			e := found[0]
			ow.mu.Lock()
			p := ow.m[e.Content]
			ow.mu.Unlock()
			c, err := a.Client()
			if err != nil {
				return err
			}
			if err := c.Delete(a.Context(), app.PartitionPath(p, kind, e.ID), e.Etag); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.Out(), "The %s %s of %s was removed.\n", what, target, ow.name(e.Content))
			return err
		},
	}
	app.TargetFlag(cmd, &target)
	app.ParentFlag(cmd, parent, "the partition: name=, id=, uuid=")
	return cmd
}

// VNICDef is the vnic object: dedicated vNICs of client partitions.
func VNICDef() app.Def {
	ow := &owners{}
	var parent string
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: VNICSection, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	backing := func(obj *uom.Element) string {
		var out []string
		for _, b := range obj.FindAll("AssociatedBackingDevices/VirtualNICBackingDeviceChoice/VirtualNICSRIOVBackingDevice") {
			ad, _ := b.FindText("RelatedSRIOVAdapterID")
			pp, _ := b.FindText("RelatedSRIOVPhysicalPortID")
			v := ""
			if l := b.Child("AssociatedVirtualIOServer"); l != nil {
				v = vioName(obj, l.Attr("href"))
			}
			s := fmt.Sprintf("%s:%s/%s", v, ad, pp)
			if act, _ := b.FindText("IsActive"); act == "true" {
				s += "*"
			}
			out = append(out, s)
		}
		return strings.Join(out, ",")
	}
	set := fields.NewSet(VNICSection,
		&fields.Field{Section: VNICSection, Name: "lpar", Kind: fields.String, Help: "the partition of the vNIC", ReadOnly: true, Get: ow.name},
		ro("slot", "VirtualSlotNumber", fields.Int, "its virtual slot"),
		ro("mac", "Details/MACAddress", fields.String, "its MAC address"),
		ro("pvid", "Details/PortVLANID", fields.Int, "its port VLAN ID (0: untagged)"),
		ro("capacity", "Details/DesiredCapacityPercentage", fields.String, "the capacity of its backing devices"),
		&fields.Field{Section: VNICSection, Name: "backing", Kind: fields.String, ReadOnly: true, Get: backing,
			Help: "its backing devices, VIOS:adapter/port (* marks the active one)"},
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "its UUID"),
	)
	o := &app.Object{
		Name:    VNICSection,
		Aliases: []string{"vnic"},
		Title:   "Virtual NICs",
		Verbs:   []string{"create", "delete", "list"},
		Fields:  set,
		Schema:  VNICSection,
		Columns: []app.Column{
			{Header: "LPAR", Field: "lpar"}, {Header: "Slot", Field: "slot"}, {Header: "MAC", Field: "mac"},
			{Header: "PVID", Field: "pvid"}, {Header: "Capacity", Field: "capacity"}, {Header: "Backing Devices", Field: "backing"},
		},
		IDKeys: map[string]string{"mac": VNICSection + ".mac", "uuid": VNICSection + ".uuid", "slot": VNICSection + ".slot"},
		List:   func(a *app.App) ([]*uom.Entry, error) { return childFeeds(a, parent, VNICSection, false, ow) },
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		vioNames = func() map[string]string { return viosNames(a) }
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl vnic list\n  pvmctl vnic list -p name=vm1 -d mac backing"
		app.ParentFlag(list, &parent, "only the vNICs of this partition: name=, id=, uuid=")
		return []*cobra.Command{list, vnicCreateCommand(a, &parent), childDeleteCommand(a, o, &parent, VNICSection, "vNIC", ow)}
	}}
}

// vioNames gives the VIOS names by UUID (set when the commands are made).
var vioNames func() map[string]string

func vioName(_ *uom.Element, href string) string {
	id := href[strings.LastIndexByte(href, '/')+1:]
	if vioNames != nil {
		if n, ok := vioNames()[strings.ToUpper(id)]; ok {
			return n
		}
	}
	return id
}

func viosNames(a *app.App) map[string]string {
	out := map[string]string{}
	vs, err := app.VIOSes(a)
	if err != nil {
		return out
	}
	for _, v := range vs {
		if v.Content != nil {
			n, _ := v.Content.FindText("PartitionName")
			out[strings.ToUpper(v.ID)] = n
		}
	}
	return out
}

func vnicCreateCommand(a *app.App, parent *string) *cobra.Command {
	var backs []string
	var capacity, mac string
	var pvid int
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Give a client partition a dedicated vNIC backed by SR-IOV ports through Virtual I/O Servers",
		Long: "Make a vNIC for the partition --parent-id names, with one backing device per --backing\n" +
			"VIOS:PORT_LOCATION (a logical port of that physical port, owned by that VIOS); more than one\n" +
			"is failover, the first preferred.",
		Example: "  pvmctl vnic create -p name=vm1 --backing vios1:U78C9.001.WZS03CA-P1-C8-T1 --backing vios2:U78C9.001.WZS03CA-P1-C9-T1 --pvid 2001",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if *parent == "" || len(backs) == 0 {
				return app.Usage("PVME01050602-0015", "Give the partition (--parent-id) and at least one --backing VIOS:PORT_LOCATION.")
			}
			p, err := app.FindPartition(a, "--parent-id", *parent)
			if err != nil {
				return err
			}
			if p.Content != nil && p.Content.Local == "VirtualIOServer" {
				n, _ := p.Content.FindText("PartitionName")
				return app.Usage("PVME01050602-0017", "A vNIC belongs to a client partition, not to the Virtual I/O Server %s.", n)
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			capText := ""
			if capacity != "" {
				if capText, err = capacityText("--capacity", capacity); err != nil {
					return err
				}
			}
			var devs []*uom.Element
			for i, b := range backs {
				v, loc, ok := strings.Cut(b, ":")
				if !ok || v == "" || loc == "" {
					return app.Usage("PVME01050602-0016", "The value %q of --backing is not valid: give VIOS:PORT_LOCATION.", b)
				}
				vios, err := app.FindPartition(a, "--backing", "name="+v)
				if err != nil {
					return err
				}
				aid, pid, err := findPort(a, loc)
				if err != nil {
					return err
				}
				kids := []*uom.Element{uomLeaf("DeviceType", "SRIOV"),
					storage.HrefTo("AssociatedVirtualIOServer", c.URL()+client.UOM("VirtualIOServer", vios.ID)),
					uomLeaf("RelatedSRIOVAdapterID", strconv.Itoa(aid))}
				if capText != "" {
					kids = append(kids, uomLeaf("CurrentCapacityPercentage", capText))
				}
				kids = append(kids, uomLeaf("RelatedSRIOVPhysicalPortID", strconv.Itoa(pid)), uomLeaf("FailOverPriority", strconv.Itoa(50*(i+1))))
				devs = append(devs, uomComplex("VirtualNICSRIOVBackingDevice", kids...))
			}
			details := []*uom.Element{uomLeaf("PortVLANID", strconv.Itoa(pvid))}
			if mac != "" {
				details = append(details, uomLeaf("MACAddress", strings.ToUpper(strings.ReplaceAll(mac, ":", ""))))
			}
			choice := uom.NewElement(uom.NSUOM, "VirtualNICBackingDeviceChoice")
			choice.Append(devs...)
			body := uomComplex(VNICSection, uomLeaf("UseNextAvailableSlotID", "true"), uomComplex("Details", details...),
				uomComplex("AssociatedBackingDevices", choice))
			e, err := c.Create(a.Context(), app.PartitionPath(p, VNICSection), body)
			if err != nil {
				return err
			}
			m, _ := e.Content.FindText("Details/MACAddress")
			slot, _ := e.Content.FindText("VirtualSlotNumber")
			_, err = fmt.Fprintf(a.Out(), "vNIC %s created in slot %s with %d backing device(s).\n", m, slot, len(devs))
			return err
		},
	}
	app.ParentFlag(cmd, parent, "the client partition: name=, id=, uuid= (required)")
	cmd.Flags().StringArrayVar(&backs, "backing", nil, "a backing device, VIOS:PORT_LOCATION (repeatable; the first preferred)")
	cmd.Flags().StringVar(&capacity, "capacity", "", "each backing device's share of its port, in percent")
	cmd.Flags().IntVar(&pvid, "pvid", 0, "its port VLAN ID (default: untagged)")
	cmd.Flags().StringVar(&mac, "mac", "", "its MAC address (default: made by the server)")
	return cmd
}
