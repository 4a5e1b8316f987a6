// Package vmr is pvmctl's VirtualMediaRepository object (vmr, repo): the
// virtual media repository of each Virtual I/O Server (at most one, in a
// volume group): list, create and delete, each change a POST of the volume
// group with its MediaRepositories edited.
package vmr

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the repository's section.
const Own = "VirtualMediaRepository"

// RepositoryName is the name a VIOS gives its repository.
const RepositoryName = "VMLibrary"

type state struct {
	a       *app.App
	parent  string
	origins storage.Origins
}

// Def is the VirtualMediaRepository object.
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
		get("vg", fields.String, "name of the volume group holding the repository", func(obj *uom.Element) string {
			if vg := s.origins.Get(obj).VG; vg != nil && vg.Content != nil {
				n, _ := vg.Content.FindText("GroupName")
				return n
			}
			return ""
		}),
		ro("name", "RepositoryName", fields.String, "repository name"),
		get("size", fields.String, "size in GB", func(obj *uom.Element) string {
			v, _ := obj.FindText("RepositorySize")
			return storage.FormatGB(v)
		}),
		get("media", fields.Int, "number of virtual optical media in it", func(obj *uom.Element) string {
			return strconv.Itoa(len(obj.FindAll("OpticalMedia/VirtualOpticalMedia")))
		}),
		get("media_names", fields.String, "its virtual optical media, comma-separated", func(obj *uom.Element) string {
			var names []string
			for _, m := range obj.FindAll("OpticalMedia/VirtualOpticalMedia") {
				n, _ := m.FindText("MediaName")
				names = append(names, n)
			}
			return strings.Join(names, ",")
		}),
	)
	o := &app.Object{
		Name:       Own,
		Aliases:    []string{"vmr", "repo"},
		Title:      "Virtual Media Repositories",
		Verbs:      []string{"create", "delete", "list", "update"},
		Fields:     set,
		Schema:     "VolumeGroup",
		FieldsNote: "A Virtual I/O Server has at most one repository: verbs name it by --parent-id (or -i vios=).\nSizes are in GB.",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "VG", Field: "vg"}, {Header: "Name", Field: "name"},
			{Header: "Size (GB)", Field: "size"}, {Header: "Media", Field: "media"},
		},
		IDKeys: map[string]string{"vios": Own + ".vios", "name": Own + ".name"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		app.ParentFlag(list, &s.parent, "only the repository of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.deleteCommand(o), s.updateCommand(o)}
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
			for _, r := range vg.Content.FindAll("MediaRepositories/VirtualMediaRepository") {
				s.origins.Set(r, storage.Origin{VIOS: v.VIOS, VG: vg})
				out = append(out, storage.Entry(vg, r, Own))
			}
		}
	}
	return out, nil
}

// target finds the repository of --parent-id or -i (the only one when
// there is one only).
func (s *state) target(o *app.Object, spec string, args []string) (*uom.Element, *uom.Entry, error) {
	if spec == "" && len(args) == 1 && strings.Contains(args[0], "=") {
		spec, args = args[0], nil
	}
	if err := storage.NoArgs(args); err != nil {
		return nil, nil, err
	}
	var id *app.ObjectID
	if spec != "" {
		var err error
		if id, err = app.ParseObjectID(o, spec); err != nil {
			return nil, nil, err
		}
	}
	entries, err := s.list(s.a)
	if err != nil {
		return nil, nil, err
	}
	var found []*uom.Entry
	for _, e := range entries {
		if id == nil || id.Matches(e.Content) {
			found = append(found, e)
		}
	}
	switch {
	case len(found) == 1:
		return found[0].Content, s.origins.Get(found[0].Content).VG, nil
	case len(found) == 0 && id != nil:
		return nil, nil, app.NotFound("No %s matches %s=%s.", o.Name, id.Key, id.Value)
	case len(found) == 0 && s.parent != "":
		return nil, nil, app.NotFound("The Virtual I/O Server %s has no virtual media repository.", s.parent)
	case len(found) == 0:
		return nil, nil, app.NotFound("No Virtual I/O Server has a virtual media repository.")
	}
	return nil, nil, app.Usage("PVME01040123-0112", "%d Virtual I/O Servers have a virtual media repository: name one with --parent-id.", len(found))
}

func (s *state) createCommand() *cobra.Command {
	var size, vg string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create the virtual media repository of a Virtual I/O Server",
		Long:    "Create the virtual media repository (" + RepositoryName + ") of --size GB in a volume group (--vg, rootvg by default)\nof the Virtual I/O Server --parent-id names.",
		Example: "  pvmctl vmr create --parent-id name=vios1 --size 10",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := storage.Required("--parent-id", s.parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
				return err
			}
			if err := storage.Required("--size", size, "the size in GB"); err != nil {
				return err
			}
			gb, err := storage.ParseGB("--size", size)
			if err != nil {
				return err
			}
			if err := storage.Required("--vg", vg, "the volume group"); err != nil {
				return err
			}
			v, err := storage.FindVIOS(a, "--parent-id", s.parent, false)
			if err != nil {
				return err
			}
			if have, err := storage.RepositoryVG(a, v); err != nil {
				return err
			} else if have != nil {
				n, _ := have.Content.FindText("GroupName")
				return &app.Error{ID: "PVME01040130-0113", Code: app.ExitRefused,
					Msg: "The Virtual I/O Server " + storage.Name(v) + " already has a virtual media repository (in volume group " + n + ")."}
			}
			g, err := storage.FindVolumeGroup(a, v, vg)
			if err != nil {
				return err
			}
			repo := storage.Complex("VirtualMediaRepository",
				storage.Leaf("RepositoryName", RepositoryName), storage.Leaf("RepositorySize", storage.GBText(gb)))
			storage.Container(g.Content, storage.VGSchema(""), "MediaRepositories").Append(repo)
			return storage.UpdateVG(a, g)
		},
	}
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	cmd.Flags().StringVar(&size, "size", "", "size in GB (required)")
	cmd.Flags().StringVar(&vg, "vg", "rootvg", "the volume group")
	return cmd
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var target string
	var force bool
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete the virtual media repository of a Virtual I/O Server",
		Long: "Delete the virtual media repository of a Virtual I/O Server. A repository that still holds\n" +
			"virtual optical media is deleted with them only with --force.",
		Example: "  pvmctl vmr delete --parent-id name=vios1",
		RunE: func(cmd *cobra.Command, args []string) error {
			repo, vg, err := s.target(o, target, args)
			if err != nil {
				return err
			}
			if n := len(repo.FindAll("OpticalMedia/VirtualOpticalMedia")); n > 0 && !force {
				return &app.Error{ID: "PVME01040130-0115", Code: app.ExitRefused,
					Msg: "The virtual media repository of " + storage.Name(s.origins.Get(repo).VIOS) + " holds " + strconv.Itoa(n) +
						" virtual optical media: delete them first, or give --force to delete them with it."}
			}
			storage.RemoveChild(vg.Content.Child("MediaRepositories"), repo)
			return storage.UpdateVG(s.a, vg)
		},
	}
	cmd.Flags().StringVarP(&target, "object-id", "i", "", "the repository, as vios=NAME")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid=")
	cmd.Flags().BoolVar(&force, "force", false, "delete the repository with the virtual optical media it holds")
	return cmd
}

// updateCommand resizes a repository: the volume group is posted back
// with a new RepositorySize (it grows from the group's free space and
// shrinks down to what its media hold).
func (s *state) updateCommand(o *app.Object) *cobra.Command {
	var target, size string
	cmd := &cobra.Command{
		Use:     "update",
		Short:   "Resize the virtual media repository of a Virtual I/O Server",
		Example: "  pvmctl vmr update --parent-id name=vios1 --size 20",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := storage.Required("--size", size, "the new size in GB"); err != nil {
				return err
			}
			gb, err := storage.ParseGB("--size", size)
			if err != nil {
				return err
			}
			repo, vg, err := s.target(o, target, args)
			if err != nil {
				return err
			}
			el := repo.Child("RepositorySize")
			if el == nil {
				el = storage.Leaf("RepositorySize", "")
				repo.Append(el)
			}
			el.Text = storage.GBText(gb)
			return storage.UpdateVG(s.a, vg)
		},
	}
	cmd.Flags().StringVarP(&target, "object-id", "i", "", "the repository, as vios=NAME")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid=")
	cmd.Flags().StringVar(&size, "size", "", "the new size in GB (required)")
	return cmd
}
