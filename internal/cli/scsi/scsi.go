// Package scsi is pvmctl's VirtualSCSIMapping object (scsi, scsimapping):
// the vSCSI mappings of each Virtual I/O Server (read with
// ?group=ViosSCSIMapping): list, create and delete. A mapping has no URI
// of its own: it is added to or removed from the VIOS's
// VirtualSCSIMappings, and the VIOS is posted back under its etag; the
// server picks the slots, the vhost and the target device.
package scsi

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the mapping's section.
const Own = "VirtualSCSIMapping"

type state struct {
	a       *app.App
	parent  string
	origins storage.Origins
}

// Def is the VirtualSCSIMapping object.
func Def() app.Def {
	s := &state{}
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	set := fields.NewSet(Own,
		get("vios", fields.String, "name of the Virtual I/O Server", s.origins.VIOSName),
		get("lpar", fields.String, "name of the client partition", func(obj *uom.Element) string {
			return storage.Name(storage.Client(s.a, obj))
		}),
		get("lpar_id", fields.Int, "partition ID of the client", storage.ClientID),
		get("type", fields.String, "what is mapped: lu, pv, lv or vopt (empty: the adapters alone)", func(obj *uom.Element) string {
			d, _, _ := storage.StorageOf(obj)
			return d.Type
		}),
		get("storage", fields.String, "name of the device mapped", storage.DeviceName),
		get("storage_udid", fields.String, "unique ID of the device mapped", storage.DeviceUDID),
		get("target", fields.String, "virtual target device on the VIOS (vtscsiN, vtoptN)", storage.TargetName),
		get("lua", fields.String, "logical unit address of the device on the adapter", storage.TargetLUA),
		ro("adapter", "ServerAdapter/AdapterName", fields.String, "server adapter on the VIOS (vhostN)"),
		ro("server_slot", "ServerAdapter/VirtualSlotNumber", fields.Int, "slot of the server adapter"),
		ro("client_slot", "ClientAdapter/VirtualSlotNumber", fields.Int, "slot of the client adapter"),
		ro("server_loc", "ServerAdapter/LocationCode", fields.String, "location code of the server adapter"),
		ro("client_loc", "ClientAdapter/LocationCode", fields.String, "location code of the client adapter"),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"scsi", "scsimapping"},
		Title:   "Virtual SCSI Mappings",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  "VirtualIOServer",
		FieldsNote: "Mappings belong to their Virtual I/O Server (--parent-id); one is named by what it maps\n" +
			"(--type, --stor-id, --lpar) or by -i target=NAME.",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "LPAR", Field: "lpar"}, {Header: "Type", Field: "type"},
			{Header: "Storage", Field: "storage"}, {Header: "Target", Field: "target"}, {Header: "Adapter", Field: "adapter"},
			{Header: "Slot", Field: "client_slot"},
		},
		IDKeys: map[string]string{"target": Own + ".target", "storage": Own + ".storage", "lpar": Own + ".lpar",
			"adapter": Own + ".adapter", "vios": Own + ".vios"},
		List: s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl scsi list\n  pvmctl scsi list -p name=vios1 -w type=lu -d lpar storage target"
		app.ParentFlag(list, &s.parent, "only the mappings of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.deleteCommand(o),
			storage.NotSupportedCommand(o, "update", "delete the mapping and create another")}
	}}
}

// list reads the mappings of every VIOS (or of --parent-id), with the
// partitions their clients are.
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	return storage.ListMappings(a, s.parent, storage.GroupSCSI, Own, &s.origins)
}

func (s *state) createCommand() *cobra.Command {
	var typ, lpar, storID, ssp string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Map a device of a Virtual I/O Server to a partition",
		Long: "Map a device of the Virtual I/O Server --parent-id names to the partition --lpar names:\n" +
			"a logical unit (--type lu), a physical volume (pv), a logical volume (lv) or virtual\n" +
			"optical media (vopt), named by --stor-id name= (or udid=). The partition's adapter pair on\n" +
			"the VIOS is used, or a new one made.",
		Example: "  pvmctl scsi create --type lu --lpar name=vm1 --stor-id name=vdisk_vm1 --parent-id name=vios1\n" +
			"  pvmctl scsi create --type vopt --lpar name=vm1 --stor-id name=config.iso -p name=vios1",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			dev, err := parseType(typ)
			if err != nil {
				return err
			}
			if err := storage.Required("--lpar", lpar, "the client partition: name=, id=, uuid="); err != nil {
				return err
			}
			if err := storage.Required("--stor-id", storID, "the device: name= or udid="); err != nil {
				return err
			}
			key, err := storage.ParseDeviceKey("--stor-id", storID)
			if err != nil {
				return err
			}
			if err := storage.Required("--parent-id", s.parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
				return err
			}
			if _, err := app.ParsePartitionKey("--lpar", lpar); err != nil {
				return err
			}
			v, err := storage.FindVIOS(a, "--parent-id", s.parent, false)
			if err != nil {
				return err
			}
			client, err := app.FindPartition(a, "--lpar", lpar)
			if err != nil {
				return err
			}
			ref, err := s.deviceRef(dev, key, v, ssp)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			fresh, err := storage.VIOSEntry(a, v, storage.GroupSCSI)
			if err != nil {
				return err
			}
			m := storage.Complex(Own,
				storage.HrefTo("AssociatedLogicalPartition", storage.PartitionHref(c, client)),
				storage.NewAdapter("ClientAdapter", "Client", 0),
				storage.NewAdapter("ServerAdapter", "Server", 0),
				uom.NewElement(uom.NSUOM, "Storage").Append(ref))
			storage.MappingContainer(fresh.Content, Own, storage.GroupSCSI).Append(m)
			return storage.UpdateVIOS(a, fresh, storage.GroupSCSI)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", "", "what to map: lu, pv, lv or vopt (required)")
	fl.StringVar(&lpar, "lpar", "", "the client partition: name=, id=, uuid= (required)")
	fl.StringVar(&storID, "stor-id", "", "the device: name= or udid= (required)")
	fl.StringVar(&ssp, "ssp", "", "with --type lu: the shared storage pool of the logical unit")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}

func parseType(typ string) (storage.Device, error) {
	if strings.TrimSpace(typ) == "" {
		return storage.Device{}, app.Usage("PVME01040123-0107", "The parameter --type is required (lu, pv, lv or vopt).")
	}
	d, ok := storage.DeviceByType(typ)
	if !ok {
		return storage.Device{}, app.Usage("PVME01040123-0122", "The value %q of --type is not valid. Valid values: lu, pv, lv, vopt.", typ)
	}
	return d, nil
}

// deviceRef finds the device and returns the reference to it a mapping
// carries (as pypowervm's bld_ref builds them).
func (s *state) deviceRef(d storage.Device, key storage.DeviceKey, vios *uom.Entry, ssp string) (*uom.Element, error) {
	a := s.a
	if d.Type == "lu" {
		l, err := storage.FindLU(a, "--stor-id", key.String(), ssp)
		if err != nil {
			return nil, err
		}
		return storage.Complex(d.Element, storage.Leaf("UniqueDeviceID", l.UDID()), storage.Leaf("UnitName", l.Name())), nil
	}
	var cands []*uom.Element
	switch d.Type {
	case "pv":
		e, err := storage.VIOSEntry(a, vios, storage.GroupStorage)
		if err != nil {
			return nil, err
		}
		cands = e.Content.FindAll("PhysicalVolumes/PhysicalVolume")
	case "lv", "vopt":
		vgs, err := storage.VolumeGroups(a, vios)
		if err != nil {
			return nil, err
		}
		for _, vg := range vgs {
			if vg.Content == nil {
				continue
			}
			if d.Type == "lv" {
				cands = append(cands, vg.Content.FindAll("VirtualDisks/VirtualDisk")...)
			} else {
				cands = append(cands, vg.Content.FindAll("MediaRepositories/VirtualMediaRepository/OpticalMedia/VirtualOpticalMedia")...)
			}
		}
	}
	for _, el := range cands {
		if key.Matches(d, el) {
			name, _ := el.FindText(d.NameEl)
			return storage.Complex(d.Element, storage.Leaf(d.NameEl, name)), nil
		}
	}
	return nil, app.NotFound("No %s matches %s on %s.", d.Element, key, storage.Name(vios))
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var typ, lpar, storID, target string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Remove a vSCSI mapping",
		Long: "Remove a mapping of the Virtual I/O Server --parent-id names: the one that maps --stor-id\n" +
			"(with --type) to --lpar, or -i target=NAME. The server removes the adapter pair when\n" +
			"nothing else uses it.",
		Example: "  pvmctl scsi delete --type lu --lpar name=vm1 --stor-id name=vdisk_vm1 --parent-id name=vios1\n" +
			"  pvmctl scsi delete -p name=vios1 -i target=vtopt0",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			var dev *storage.Device
			if typ != "" {
				d, err := parseType(typ)
				if err != nil {
					return err
				}
				dev = &d
			}
			var key *storage.DeviceKey
			if storID != "" {
				k, err := storage.ParseDeviceKey("--stor-id", storID)
				if err != nil {
					return err
				}
				key = &k
			}
			var id *app.ObjectID
			if target != "" {
				i, err := app.ParseObjectID(o, target)
				if err != nil {
					return err
				}
				id = i
			}
			if lpar == "" && key == nil && id == nil {
				return app.Usage("PVME01040123-0026", "The mapping to remove is missing: give --lpar, --type and --stor-id, or --object-id target=NAME.")
			}
			fresh, client, err := storage.MappingScope(a, s.parent, lpar, storage.GroupSCSI)
			if err != nil {
				return err
			}
			var found []*uom.Element
			for _, m := range storage.MappingList(fresh.Content, Own) {
				s.origins.Set(m, storage.Origin{VIOS: fresh})
				d, el, ok := storage.StorageOf(m)
				switch {
				case client != nil && !storage.ClientMatches(m, client):
				case dev != nil && (!ok || d.Type != dev.Type):
				case key != nil && (!ok || !key.Matches(d, el)):
				case id != nil && !id.Matches(m):
				default:
					found = append(found, m)
				}
			}
			what := describe(lpar, typ, storID, target)
			switch len(found) {
			case 0:
				return app.NotFound("No VirtualSCSIMapping of %s matches %s.", storage.Name(fresh), what)
			case 1:
			default:
				return app.Usage("PVME01040123-0123", "%d mappings of %s match %s: add --type and --stor-id, or name one with -i target=NAME.", len(found), storage.Name(fresh), what)
			}
			storage.RemoveChild(fresh.Content.Child(Own+"s"), found[0])
			return storage.UpdateVIOS(a, fresh, storage.GroupSCSI)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", "", "what is mapped: lu, pv, lv or vopt")
	fl.StringVar(&lpar, "lpar", "", "the client partition: name=, id=, uuid=")
	fl.StringVar(&storID, "stor-id", "", "the device mapped: name= or udid=")
	fl.StringVarP(&target, "object-id", "i", "", "the mapping, as KEY=VALUE: target=, storage=, lpar=, adapter=")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}

// describe says which mapping the options name, for messages.
func describe(lpar, typ, storID, target string) string {
	var parts []string
	for _, p := range []struct{ flag, v string }{{"--lpar", lpar}, {"--type", typ}, {"--stor-id", storID}, {"-i", target}} {
		if p.v != "" {
			parts = append(parts, p.flag+" "+p.v)
		}
	}
	return strings.Join(parts, " ")
}
