// Package vom is pvmctl's VirtualOpticalMedia object (vom, media): the
// virtual optical media (ISO images) in the repository of each Virtual
// I/O Server: list, create (blank media), delete (POSTs of the volume
// group holding the repository) and upload (an ISO file through the
// REST API's /web/File).
package vom

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the media's section.
const Own = "VirtualOpticalMedia"

// MaxName is the longest media name a VIOS takes.
const MaxName = 37

type state struct {
	a       *app.App
	parent  string
	origins storage.Origins
}

// Def is the VirtualOpticalMedia object.
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
		ro("name", "MediaName", fields.String, "media name"),
		get("size", fields.String, "size in GB", func(obj *uom.Element) string {
			v, _ := obj.FindText("Size")
			return storage.FormatGB(v)
		}),
		ro("mount_type", "MountType", fields.String, "rw (loads in one drive at a time) or ro"),
		ro("udid", "MediaUDID", fields.String, "unique device ID"),
	)
	o := &app.Object{
		Name:       Own,
		Aliases:    []string{"vom", "media"},
		Title:      "Virtual Optical Media",
		Verbs:      []string{"create", "delete", "list", "upload"},
		Fields:     set,
		Schema:     "VolumeGroup",
		FieldsNote: "A media is named by name= or udid= (--parent-id narrows the search to one VIOS). Sizes are in GB.",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "Name", Field: "name"}, {Header: "Size (GB)", Field: "size"},
			{Header: "Mount", Field: "mount_type"},
		},
		IDKeys: map[string]string{"name": Own + ".name", "udid": Own + ".udid"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		app.ParentFlag(list, &s.parent, "only the media of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.deleteCommand(o), s.uploadCommand()}
	}}
}

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
			for _, m := range vg.Content.FindAll("MediaRepositories/VirtualMediaRepository/OpticalMedia/VirtualOpticalMedia") {
				s.origins.Set(m, storage.Origin{VIOS: v.VIOS, VG: vg})
				out = append(out, storage.Entry(vg, m, Own))
			}
		}
	}
	return out, nil
}

// checkName refuses names a VIOS does not take.
func checkName(flag, name string) error {
	if err := storage.Required(flag, name, "the media name"); err != nil {
		return err
	}
	if len(name) > MaxName {
		return app.Usage("PVME01040123-0116", "The value %q of %s is not valid: a virtual optical media name has at most %d characters.", name, flag, MaxName)
	}
	if strings.ContainsAny(name, "/\\ \t\n") || name == "." || name == ".." || strings.HasPrefix(name, "-") {
		return app.Usage("PVME01040123-0117", "The value %q of %s is not valid: a virtual optical media name has no slashes, spaces or leading dash.", name, flag)
	}
	return nil
}

func (s *state) createCommand() *cobra.Command {
	var name, size, mount string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create blank virtual optical media in a repository",
		Long: "Create blank virtual optical media of --size GB in the virtual media repository of the\n" +
			"Virtual I/O Server --parent-id names ('pvmctl media upload' brings an ISO file).",
		Example: "  pvmctl media create --name blank1 --size 0.5 --parent-id name=vios1",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := checkName("--name", name); err != nil {
				return err
			}
			if err := storage.Required("--size", size, "the size in GB"); err != nil {
				return err
			}
			gb, err := storage.ParseGB("--size", size)
			if err != nil {
				return err
			}
			switch mount {
			case "rw", "ro":
			default:
				return app.Usage("PVME01040123-0118", "The value %q of --mount-type is not valid. Valid values: rw, ro.", mount)
			}
			if err := storage.Required("--parent-id", s.parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
				return err
			}
			v, err := storage.FindVIOS(a, "--parent-id", s.parent, false)
			if err != nil {
				return err
			}
			vg, err := storage.RepositoryVG(a, v)
			if err != nil {
				return err
			}
			if vg == nil {
				return noRepository(v)
			}
			repo := vg.Content.Find("MediaRepositories/VirtualMediaRepository")
			media := storage.Complex(Own, storage.Leaf("MediaName", name), storage.Leaf("MountType", mount),
				storage.Leaf("Size", storage.GBText(gb)))
			storage.Container(repo, storage.VGSchema("MediaRepositories/VirtualMediaRepository"), "OpticalMedia").Append(media)
			return storage.UpdateVG(a, vg)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "media name, at most 37 characters (required)")
	fl.StringVar(&size, "size", "", "size in GB (required)")
	fl.StringVar(&mount, "mount-type", "rw", "rw or ro")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}

// noRepository is the refusal when a VIOS has no repository.
func noRepository(v *uom.Entry) error {
	return &app.Error{ID: "PVME01040130-0119", Code: app.ExitRefused,
		Msg: "The Virtual I/O Server " + storage.Name(v) + " has no virtual media repository; create one with 'pvmctl vmr create'."}
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:     "delete",
		Short:   "Delete virtual optical media no drive has loaded",
		Example: "  pvmctl media delete -i name=blank1 -p name=vios1",
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				if len(args) == 1 && strings.Contains(args[0], "=") {
					target, args = args[0], nil
				} else {
					return app.Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (name=, udid=).")
				}
			}
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			id, err := app.ParseObjectID(o, target)
			if err != nil {
				return err
			}
			e, err := storage.FindOne(s.a, o, id, "name the Virtual I/O Server with --parent-id")
			if err != nil {
				return err
			}
			vg := s.origins.Get(e.Content).VG
			storage.RemoveChild(vg.Content.Find("MediaRepositories/VirtualMediaRepository/OpticalMedia"), e.Content)
			return storage.UpdateVG(s.a, vg)
		},
	}
	cmd.Flags().StringVarP(&target, "object-id", "i", "", "the media, as KEY=VALUE: name=, udid=")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server of the media: name=, id=, uuid=")
	return cmd
}
