// Package lv is pvmctl's LogicalVolume object (lv): the logical volumes
// (the REST API's VirtualDisks) of the volume groups of each Virtual I/O
// Server: list, create, update (grow) and delete, each change a POST of
// the volume group with its VirtualDisks edited.
package lv

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the logical volume's section.
const Own = "LogicalVolume"

type state struct {
	a       *app.App
	parent  string
	origins storage.Origins
}

// Def is the LogicalVolume object.
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
		get("vg", fields.String, "name of the volume group", func(obj *uom.Element) string {
			if vg := s.origins.Get(obj).VG; vg != nil && vg.Content != nil {
				n, _ := vg.Content.FindText("GroupName")
				return n
			}
			return ""
		}),
		ro("name", "DiskName", fields.String, "logical volume name"),
		get("capacity", fields.String, "capacity in GB (grows with update --size)", func(obj *uom.Element) string {
			v, _ := obj.FindText("DiskCapacity")
			return storage.FormatGB(v)
		}),
		ro("label", "DiskLabel", fields.String, "label"),
		ro("udid", "UniqueDeviceID", fields.String, "unique device ID"),
	)
	o := &app.Object{
		Name:       Own,
		Aliases:    []string{"lv"},
		Title:      "Logical Volumes",
		Verbs:      []string{"create", "delete", "list", "update"},
		Fields:     set,
		Schema:     "VolumeGroup",
		FieldsNote: "A logical volume is named by name= or udid= (--parent-id narrows the search to one VIOS).\nCapacities are in GB.",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "VG", Field: "vg"}, {Header: "Name", Field: "name"},
			{Header: "Cap (GB)", Field: "capacity"},
		},
		IDKeys: map[string]string{"name": Own + ".name", "udid": Own + ".udid"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl lv list\n  pvmctl lv list -p name=vios1 -d name capacity"
		app.ParentFlag(list, &s.parent, "only the logical volumes of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.updateCommand(o), s.deleteCommand(o)}
	}}
}

// list reads the volume groups of every VIOS (or of --parent-id).
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	all, err := storage.AllVolumeGroups(a, s.parent)
	if err != nil {
		return nil, err
	}
	var out []*uom.Entry
	for _, v := range all {
		for _, vg := range v.VGs {
			if vg.Content == nil {
				continue
			}
			for _, d := range vg.Content.FindAll("VirtualDisks/VirtualDisk") {
				s.origins.Set(d, storage.Origin{VIOS: v.VIOS, VG: vg})
				out = append(out, storage.Entry(vg, d, Own))
			}
		}
	}
	return out, nil
}

// target resolves the logical volume a verb acts on, with its volume
// group.
func (s *state) target(o *app.Object, spec string, args []string) (*uom.Element, *uom.Entry, error) {
	if spec == "" {
		if len(args) == 1 && strings.Contains(args[0], "=") {
			spec, args = args[0], nil
		} else {
			return nil, nil, app.Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (name=, udid=).")
		}
	}
	if len(args) > 0 {
		return nil, nil, app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	id, err := app.ParseObjectID(o, spec)
	if err != nil {
		return nil, nil, err
	}
	e, err := storage.FindOne(s.a, o, id, "name the Virtual I/O Server with --parent-id, or use udid=")
	if err != nil {
		return nil, nil, err
	}
	return e.Content, s.origins.Get(e.Content).VG, nil
}

func targetFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "object-id", "i", "", "the logical volume, as KEY=VALUE: name=, udid=")
}

func (s *state) createCommand() *cobra.Command {
	var name, size, vg, label string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a logical volume in a volume group of a Virtual I/O Server",
		Long: "Create a logical volume (a virtual disk) of --size GB in a volume group (--vg, rootvg\n" +
			"by default) of the Virtual I/O Server --parent-id names.",
		Example: "  pvmctl lv create --name lv_vm1 --size 10 --parent-id name=vios1\n" +
			"  pvmctl lv create --name lv_vm2 --size 0.5 --vg datavg -p id=2",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := storage.Required("--name", name, "the logical volume name"); err != nil {
				return err
			}
			if err := storage.Required("--size", size, "the capacity in GB"); err != nil {
				return err
			}
			gb, err := storage.ParseGB("--size", size)
			if err != nil {
				return err
			}
			if err := storage.Required("--parent-id", s.parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
				return err
			}
			if err := storage.Required("--vg", vg, "the volume group"); err != nil {
				return err
			}
			v, err := storage.FindVIOS(a, "--parent-id", s.parent, false)
			if err != nil {
				return err
			}
			g, err := storage.FindVolumeGroup(a, v, vg)
			if err != nil {
				return err
			}
			obj := g.Content
			disk := storage.Complex("VirtualDisk", storage.Leaf("DiskCapacity", storage.GBText(gb)))
			if label != "" {
				disk.Append(storage.Leaf("DiskLabel", label))
			}
			disk.Append(storage.Leaf("DiskName", name))
			storage.Container(obj, storage.VGSchema(""), "VirtualDisks").Append(disk)
			return storage.UpdateVG(a, g)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "logical volume name (required)")
	fl.StringVar(&size, "size", "", "capacity in GB (required)")
	fl.StringVar(&vg, "vg", "rootvg", "the volume group")
	fl.StringVar(&label, "label", "", "a label for the logical volume")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}

func (s *state) updateCommand(o *app.Object) *cobra.Command {
	var target, size string
	var sets []string
	cmd := &cobra.Command{
		Use:     "update",
		Short:   "Grow a logical volume",
		Long:    "Grow a logical volume to --size GB (logical volumes do not shrink).",
		Example: "  pvmctl lv update -i name=lv_vm1 --size 20",
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" && len(args) > 0 && !cmd.Flags().Changed("set-fields") {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			for _, p := range append(sets, args...) {
				k, v, ok := strings.Cut(p, "=")
				f, err := o.Fields.Lookup(k)
				if !ok || err != nil || f.Name != "capacity" {
					return app.Usage("PVME01040123-0111", "Only the capacity of a logical volume changes: give --size GB (or -s capacity=GB), not %q.", p)
				}
				size = v
			}
			if size == "" {
				return app.Usage("PVME01040123-0027", "Nothing to change: give --size GB.")
			}
			gb, err := storage.ParseGB("--size", size)
			if err != nil {
				return err
			}
			disk, vg, err := s.target(o, target, nil)
			if err != nil {
				return err
			}
			name, _ := disk.FindText("DiskName")
			grow, err := storage.CheckGrow("logical volume", name, storage.ElementGB(disk, "DiskCapacity"), gb)
			if err != nil || !grow {
				return err
			}
			setText(disk, "DiskCapacity", storage.GBText(gb))
			return storage.UpdateVG(s.a, vg)
		},
	}
	targetFlag(cmd, &target)
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server of the logical volume: name=, id=, uuid=")
	cmd.Flags().StringVar(&size, "size", "", "the new capacity in GB")
	cmd.Flags().StringArrayVarP(&sets, "set-fields", "s", nil, "capacity=GB (same as --size)")
	return cmd
}

func setText(el *uom.Element, local, text string) {
	if c := el.Child(local); c != nil {
		c.Text = text
		return
	}
	fields.SetPath(el, uom.Schema("VolumeGroup").Find("VirtualDisks/VirtualDisk"), local, text)
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:     "delete",
		Short:   "Delete a logical volume no mapping uses",
		Example: "  pvmctl lv delete -i name=lv_vm1 -p name=vios1",
		RunE: func(cmd *cobra.Command, args []string) error {
			disk, vg, err := s.target(o, target, args)
			if err != nil {
				return err
			}
			storage.RemoveChild(vg.Content.Child("VirtualDisks"), disk)
			return storage.UpdateVG(s.a, vg)
		},
	}
	targetFlag(cmd, &target)
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server of the logical volume: name=, id=, uuid=")
	return cmd
}
