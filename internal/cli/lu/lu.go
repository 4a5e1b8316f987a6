// Package lu is pvmctl's LogicalUnit object (lu): the logical units of
// the shared storage pools (the REST API's Tier/<uuid>/LogicalUnit):
// list, create (thin or thick, disk or image, linked clones), update (grow)
// and delete.
package lu

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the logical unit's section.
const Own = "LogicalUnit"

// LU types as the REST API spells them.
const (
	typeDisk  = "VirtualIO_Disk"
	typeImage = "VirtualIO_Image"
)

// state is what one invocation's verbs share.
type state struct {
	a       *app.App
	ssp     string // --ssp
	origins storage.Origins
	// names maps the UDIDs of the listed LUs to their names (the Clone
	// column names a clone's source).
	names map[string]string
}

// Def is the LogicalUnit object.
func Def() app.Def {
	s := &state{}
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"lu"},
		Title:   "Logical Units",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  s.fieldSet(),
		Schema:  Own,
		FieldsNote: "A logical unit is named by name=, udid= or uuid= (--ssp narrows the search to one pool).\n" +
			"Capacities are in GB.",
		Columns: []app.Column{
			{Header: "SSP", Field: "ssp"}, {Header: "Name", Field: "name"}, {Header: "Cap (GB)", Field: "capacity"},
			{Header: "Type", Field: "type"}, {Header: "Thin", Field: "thin", Format: app.TitleBool},
			{Header: "Clone", Field: "clone"}, {Header: "In use", Field: "in_use", Format: app.TitleBool},
		},
		IDKeys: map[string]string{"name": Own + ".name", "udid": Own + ".udid", "uuid": Own + ".uuid"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl lu list\n  pvmctl lu list --ssp pool1 -d name capacity in_use -w thin=true"
		list.Long += "\nThe Clone column names the logical unit a linked clone was made from, and the unit itself\n" +
			"when it is not a clone, as NovaLink's pvmctl shows it; -d cloned_from is empty for a unit that is not a clone."
		sspFlag(list, &s.ssp, "only the logical units of this shared storage pool")
		return []*cobra.Command{list, s.createCommand(), s.updateCommand(o), s.deleteCommand(o)}
	}}
}

func sspFlag(cmd *cobra.Command, dst *string, help string) {
	cmd.Flags().StringVar(dst, "ssp", "", help)
}

func (s *state) fieldSet() *fields.Set {
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	return fields.NewSet(Own,
		get("ssp", fields.String, "name of the shared storage pool", func(obj *uom.Element) string {
			return storage.PoolName(s.origins.Get(obj).Pool)
		}),
		get("tier", fields.String, "name of the tier of the pool", func(obj *uom.Element) string {
			if t := s.origins.Get(obj).Tier; t != nil && t.Content != nil {
				n, _ := t.Content.FindText("Name")
				return n
			}
			return ""
		}),
		ro("name", "UnitName", fields.String, "logical unit name"),
		get("capacity", fields.String, "capacity in GB (grows with update --size)", func(obj *uom.Element) string {
			v, _ := obj.FindText("UnitCapacity")
			return storage.FormatGB(v)
		}),
		get("type", fields.String, "Disk or Image", func(obj *uom.Element) string {
			v, _ := obj.FindText("LogicalUnitType")
			return typeName(v)
		}),
		ro("lu_type", "LogicalUnitType", fields.String, "the REST API's type: VirtualIO_Disk or VirtualIO_Image"),
		ro("thin", "ThinDevice", fields.Bool, "thin provisioned (takes pool space as it is written)"),
		get("clone", fields.String, "the logical unit it is a linked clone of (its own name when it is not a clone)", s.clone),
		ro("cloned_from", "ClonedFrom", fields.String, "UDID of the logical unit it is a linked clone of"),
		ro("in_use", "InUse", fields.Bool, "mapped to a partition"),
		ro("udid", "UniqueDeviceID", fields.String, "unique device ID"),
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "logical unit UUID"),
	)
}

func typeName(v string) string {
	switch v {
	case typeDisk:
		return "Disk"
	case typeImage:
		return "Image"
	}
	return v
}

// clone names the source of a linked clone, or the LU itself.
func (s *state) clone(obj *uom.Element) string {
	from, _ := obj.FindText("ClonedFrom")
	if from == "" {
		n, _ := obj.FindText("UnitName")
		return n
	}
	for udid, name := range s.names {
		if storage.SameUDID(udid, from) {
			return name
		}
	}
	return from
}

// list reads the logical units of every pool (or of --ssp).
func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	lus, err := storage.LUs(a, s.ssp)
	if err != nil {
		return nil, err
	}
	s.names = map[string]string{}
	out := make([]*uom.Entry, 0, len(lus))
	for _, l := range lus {
		s.origins.Set(l.Entry.Content, storage.Origin{Pool: l.Pool, Tier: l.Tier})
		s.names[l.UDID()] = l.Name()
		out = append(out, l.Entry)
	}
	return out, nil
}

// target resolves the LU a verb acts on (-i name=, udid=, uuid=).
func (s *state) target(o *app.Object, spec string, args []string) (*uom.Entry, error) {
	if spec == "" {
		if len(args) == 1 && strings.Contains(args[0], "=") {
			spec, args = args[0], nil
		} else {
			return nil, app.Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (name=, udid=, uuid=).")
		}
	}
	if len(args) > 0 {
		return nil, app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	id, err := app.ParseObjectID(o, spec)
	if err != nil {
		return nil, err
	}
	return storage.FindOne(s.a, o, id, "name the pool with --ssp, or use udid=")
}

func targetFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "object-id", "i", "", "the logical unit, as KEY=VALUE: name=, udid=, uuid=")
}

func (s *state) createCommand() *cobra.Command {
	var name, size, typ, clone string
	var thick bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a logical unit in a shared storage pool",
		Long: "Create a logical unit in a shared storage pool (on its default tier). Logical units are\n" +
			"thin unless --thick; --clone makes a linked clone of another logical unit (an image),\n" +
			"as large as its source unless --size asks for more. Sizes are in GB.",
		Example: "  pvmctl lu create --name vdisk_vm1 --size 20 --ssp pool1\n" +
			"  pvmctl lu create --name boot_vm2 --clone image_base --ssp pool1",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := storage.Required("--name", name, "the logical unit name"); err != nil {
				return err
			}
			var gb float64
			if size != "" || clone == "" {
				if err := storage.Required("--size", size, "the capacity in GB"); err != nil {
					return err
				}
				v, err := storage.ParseGB("--size", size)
				if err != nil {
					return err
				}
				gb = v
			}
			luType := typeDisk
			switch strings.ToLower(typ) {
			case "disk", strings.ToLower(typeDisk):
			case "image", strings.ToLower(typeImage):
				luType = typeImage
			default:
				return app.Usage("PVME01040123-0108", "The value %q of --type is not valid. Valid values: disk, image.", typ)
			}
			if clone != "" && thick {
				return app.Usage("PVME01040123-0109", "A linked clone (--clone) is thin: --thick does not apply.")
			}
			pool, err := storage.FindPool(a, "--ssp", s.ssp)
			if err != nil {
				return err
			}
			tier, err := storage.DefaultTier(a, pool)
			if err != nil {
				return err
			}
			obj := network.NewObject(Own)
			obj.Append(network.Leaf("ThinDevice", strconv.FormatBool(!thick)))
			var from string
			if clone != "" {
				src, err := storage.FindLU(a, "--clone", clone, storage.PoolName(pool))
				if err != nil {
					return err
				}
				srcGB := storage.ElementGB(src.Entry.Content, "UnitCapacity")
				if size == "" {
					gb = srcGB
				} else if gb < srcGB-1e-7 {
					return app.Usage("PVME01040123-0110", "The linked clone %s cannot be smaller than its source %s (%s GB).", name, src.Name(), storage.FormatGB(strconv.FormatFloat(srcGB, 'f', -1, 64)))
				}
				from = src.UDID()
			}
			obj.Append(network.Leaf("UnitCapacity", storage.GBText(gb)), network.Leaf("LogicalUnitType", luType))
			if from != "" {
				obj.Append(network.Leaf("ClonedFrom", from))
			}
			obj.Append(network.Leaf("UnitName", name))
			c, err := a.Client()
			if err != nil {
				return err
			}
			_, err = c.Create(a.Context(), client.UOM("Tier", tier.ID, Own), obj)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "logical unit name (required)")
	fl.StringVar(&size, "size", "", "capacity in GB (required, except for a clone)")
	sspFlag(cmd, &s.ssp, "the shared storage pool (required when there are several)")
	fl.BoolVar(&thick, "thick", false, "provision all of the capacity now (default: thin)")
	fl.StringVar(&typ, "type", "disk", "disk or image")
	fl.StringVar(&clone, "clone", "", "make a linked clone of this logical unit (name=, udid= or a name)")
	return cmd
}

func (s *state) updateCommand(o *app.Object) *cobra.Command {
	var target, size string
	var sets []string
	cmd := &cobra.Command{
		Use:     "update",
		Short:   "Grow a logical unit",
		Long:    "Grow a logical unit to --size GB (logical units do not shrink).",
		Example: "  pvmctl lu update -i name=vdisk_vm1 --size 30",
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" && len(args) > 0 && !cmd.Flags().Changed("set-fields") {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			for _, p := range append(sets, args...) {
				k, v, ok := strings.Cut(p, "=")
				f, err := o.Fields.Lookup(k)
				if !ok || err != nil || f.Name != "capacity" {
					return app.Usage("PVME01040123-0111", "Only the capacity of a logical unit changes: give --size GB (or -s capacity=GB), not %q.", p)
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
			e, err := s.target(o, target, nil)
			if err != nil {
				return err
			}
			obj := e.Content
			name, _ := obj.FindText("UnitName")
			grow, err := storage.CheckGrow("logical unit", name, storage.ElementGB(obj, "UnitCapacity"), gb)
			if err != nil || !grow {
				return err
			}
			fields.SetPath(obj, uom.Schema(Own), "UnitCapacity", storage.GBText(gb))
			c, err := s.a.Client()
			if err != nil {
				return err
			}
			_, err = c.Update(s.a.Context(), network.Href(e), e.Etag, obj)
			return err
		},
	}
	targetFlag(cmd, &target)
	sspFlag(cmd, &s.ssp, "the shared storage pool of the logical unit")
	cmd.Flags().StringVar(&size, "size", "", "the new capacity in GB")
	cmd.Flags().StringArrayVarP(&sets, "set-fields", "s", nil, "capacity=GB (same as --size)")
	return cmd
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:     "delete",
		Short:   "Delete a logical unit (not mapped, without linked clones)",
		Example: "  pvmctl lu delete -i name=vdisk_vm1",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := s.target(o, target, args)
			if err != nil {
				return err
			}
			c, err := s.a.Client()
			if err != nil {
				return err
			}
			return c.Delete(s.a.Context(), network.Href(e), e.Etag)
		},
	}
	targetFlag(cmd, &target)
	sspFlag(cmd, &s.ssp, "the shared storage pool of the logical unit")
	return cmd
}
