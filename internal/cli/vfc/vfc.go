// Package vfc is pvmctl's VirtualFibreChannelMapping object (vfc,
// vfcmapping): the NPIV mappings of each Virtual I/O Server (read with
// ?group=ViosFCMapping): list, create and delete, each change a POST of the
// VIOS with its VirtualFibreChannelMappings edited; the server picks the
// slots, the vfchost and the client's WWPNs.
package vfc

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the mapping's section.
const Own = "VirtualFibreChannelMapping"

type state struct {
	a       *app.App
	parent  string
	origins storage.Origins
}

// Def is the VirtualFibreChannelMapping object.
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
		ro("port", "Port/PortName", fields.String, "physical Fibre Channel port (fcsN)"),
		ro("port_wwpn", "Port/WWPN", fields.String, "WWPN of the physical port"),
		get("wwpns", fields.String, "the client adapter's two WWPNs, comma-separated", func(obj *uom.Element) string {
			w, _ := obj.FindText("ClientAdapter/WWPNs")
			return strings.Join(strings.Fields(w), ",")
		}),
		ro("adapter", "ServerAdapter/AdapterName", fields.String, "server adapter on the VIOS (vfchostN)"),
		ro("server_slot", "ServerAdapter/VirtualSlotNumber", fields.Int, "slot of the server adapter"),
		ro("client_slot", "ClientAdapter/VirtualSlotNumber", fields.Int, "slot of the client adapter"),
		ro("server_loc", "ServerAdapter/LocationCode", fields.String, "location code of the server adapter"),
		ro("client_loc", "ClientAdapter/LocationCode", fields.String, "location code of the client adapter"),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"vfc", "vfcmapping"},
		Title:   "Virtual Fibre Channel Mappings",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  "VirtualIOServer",
		FieldsNote: "Mappings belong to their Virtual I/O Server (--parent-id); one is named by its client\n" +
			"(--lpar, with --port when it has several) or by -i adapter=vfchostN.",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "LPAR", Field: "lpar"}, {Header: "Port", Field: "port"},
			{Header: "Adapter", Field: "adapter"}, {Header: "Slot", Field: "client_slot"}, {Header: "WWPNs", Field: "wwpns"},
		},
		IDKeys: map[string]string{"adapter": Own + ".adapter", "lpar": Own + ".lpar", "port": Own + ".port", "vios": Own + ".vios"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		s.a = a
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl vfc list\n  pvmctl vfc list -p name=vios1 -d lpar port wwpns"
		app.ParentFlag(list, &s.parent, "only the mappings of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, s.createCommand(), s.deleteCommand(o),
			storage.NotSupportedCommand(o, "update", "delete the mapping and create another")}
	}}
}

func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	return storage.ListMappings(a, s.parent, storage.GroupFC, Own, &s.origins)
}

// ports lists the physical FC ports a VIOS entry shows (by name).
func ports(vios *uom.Element) []string {
	var out []string
	seen := map[string]bool{}
	vios.Walk(func(path string, el *uom.Element) bool {
		if el.Local == "PhysicalFibreChannelPort" {
			if n, _ := el.FindText("PortName"); n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
			return false
		}
		return true
	})
	return out
}

// parseWWPNs reads --wwpns: two WWPNs (16 hex digits), comma-separated.
func parseWWPNs(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	bad := len(parts) != 2
	for i, p := range parts {
		p = strings.ToLower(strings.ReplaceAll(p, ":", ""))
		parts[i] = p
		if len(p) != 16 || strings.Trim(p, "0123456789abcdef") != "" {
			bad = true
		}
	}
	if bad {
		return nil, app.Usage("PVME01040123-0124", "The value %q of --wwpns is not valid: give two WWPNs of 16 hexadecimal digits, comma-separated.", s)
	}
	return parts, nil
}

func (s *state) createCommand() *cobra.Command {
	var lpar, port, wwpns string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Give a partition a virtual Fibre Channel adapter on a physical port of a Virtual I/O Server",
		Long: "Map a new virtual Fibre Channel client adapter of the partition --lpar names to the physical\n" +
			"port --port (fcsN) of the Virtual I/O Server --parent-id names (NPIV). The server gives the\n" +
			"client adapter two WWPNs unless --wwpns names them.",
		Example: "  pvmctl vfc create --lpar name=vm1 --parent-id name=vios1 --port fcs0",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := storage.Required("--lpar", lpar, "the client partition: name=, id=, uuid="); err != nil {
				return err
			}
			if err := storage.Required("--parent-id", s.parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
				return err
			}
			if err := storage.Required("--port", port, "the physical Fibre Channel port, fcsN"); err != nil {
				return err
			}
			ws, err := parseWWPNs(wwpns)
			if err != nil {
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
			fresh, err := storage.VIOSEntry(a, v, storage.GroupFC)
			if err != nil {
				return err
			}
			if ps := ports(fresh.Content); len(ps) > 0 {
				ok := false
				for _, p := range ps {
					ok = ok || p == port
				}
				if !ok {
					return app.NotFound("No physical Fibre Channel port %s on %s. Ports: %s.", port, storage.Name(v), strings.Join(ps, ", "))
				}
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			var more []*uom.Element
			if len(ws) > 0 {
				more = append(more, storage.Leaf("WWPNs", strings.Join(ws, " ")))
			}
			m := storage.Complex(Own,
				storage.HrefTo("AssociatedLogicalPartition", storage.PartitionHref(c, client)),
				storage.NewAdapter("ClientAdapter", "Client", 0, more...),
				storage.Complex("Port", storage.Leaf("PortName", port)),
				storage.NewAdapter("ServerAdapter", "Server", 0))
			storage.MappingContainer(fresh.Content, Own, storage.GroupFC).Append(m)
			return storage.UpdateVIOS(a, fresh, storage.GroupFC)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&lpar, "lpar", "", "the client partition: name=, id=, uuid= (required)")
	fl.StringVar(&port, "port", "", "the physical Fibre Channel port, fcsN (required)")
	fl.StringVar(&wwpns, "wwpns", "", "the client adapter's two WWPNs, comma-separated (default: the server's)")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}

func (s *state) deleteCommand(o *app.Object) *cobra.Command {
	var lpar, port, target string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Remove a virtual Fibre Channel mapping (and its adapters)",
		Example: "  pvmctl vfc delete --lpar name=vm1 --parent-id name=vios1\n" +
			"  pvmctl vfc delete -p name=vios1 -i adapter=vfchost0",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			var id *app.ObjectID
			if target != "" {
				i, err := app.ParseObjectID(o, target)
				if err != nil {
					return err
				}
				id = i
			}
			if lpar == "" && id == nil {
				return app.Usage("PVME01040123-0026", "The mapping to remove is missing: give --lpar (and --port), or --object-id adapter=vfchostN.")
			}
			fresh, client, err := storage.MappingScope(a, s.parent, lpar, storage.GroupFC)
			if err != nil {
				return err
			}
			var found []*uom.Element
			for _, m := range storage.MappingList(fresh.Content, Own) {
				s.origins.Set(m, storage.Origin{VIOS: fresh})
				p, _ := m.FindText("Port/PortName")
				switch {
				case client != nil && !storage.ClientMatches(m, client):
				case port != "" && p != port:
				case id != nil && !id.Matches(m):
				default:
					found = append(found, m)
				}
			}
			var what []string
			for _, w := range []struct{ flag, v string }{{"--lpar", lpar}, {"--port", port}, {"-i", target}} {
				if w.v != "" {
					what = append(what, w.flag+" "+w.v)
				}
			}
			switch len(found) {
			case 0:
				return app.NotFound("No VirtualFibreChannelMapping of %s matches %s.", storage.Name(fresh), strings.Join(what, " "))
			case 1:
			default:
				return app.Usage("PVME01040123-0123", "%d mappings of %s match %s: add --port, or name one with -i adapter=vfchostN.", len(found), storage.Name(fresh), strings.Join(what, " "))
			}
			storage.RemoveChild(fresh.Content.Child(Own+"s"), found[0])
			return storage.UpdateVIOS(a, fresh, storage.GroupFC)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&lpar, "lpar", "", "the client partition: name=, id=, uuid=")
	fl.StringVar(&port, "port", "", "the physical port of the mapping (fcsN)")
	fl.StringVarP(&target, "object-id", "i", "", "the mapping, as KEY=VALUE: adapter=, lpar=, port=")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (required)")
	return cmd
}
