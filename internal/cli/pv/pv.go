// Package pv is pvmctl's PhysicalVolume object (pv): list the disks
// (hdiskN) each Virtual I/O Server sees (its PhysicalVolumes, read with
// ?group=ViosStorage).
package pv

import (
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// Own is the physical volume's section.
const Own = "PhysicalVolume"

type state struct {
	parent  string
	origins storage.Origins
}

// Def is the PhysicalVolume object.
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
		get("vios_id", fields.Int, "partition ID of the Virtual I/O Server", func(obj *uom.Element) string {
			if v := s.origins.Get(obj).VIOS; v != nil && v.Content != nil {
				id, _ := v.Content.FindText("PartitionID")
				return id
			}
			return ""
		}),
		ro("name", "VolumeName", fields.String, "device name (hdiskN)"),
		get("capacity", fields.String, "capacity in GB", func(obj *uom.Element) string {
			v, _ := obj.FindText("VolumeCapacity")
			return storage.FormatMBAsGB(v)
		}),
		ro("capacity_mb", "VolumeCapacity", fields.Int, "capacity in MB"),
		ro("available", "AvailableForUsage", fields.Bool, "free: in no volume group or pool, not mapped"),
		ro("state", "VolumeState", fields.String, "device state"),
		ro("description", "Description", fields.String, "device description"),
		ro("fc", "IsFibreChannelBacked", fields.Bool, "a SAN disk (Fibre Channel)"),
		ro("loc_code", "LocationCode", fields.String, "location code"),
		ro("reserve_policy", "ReservePolicy", fields.String, "SCSI reserve policy"),
		ro("udid", "UniqueDeviceID", fields.String, "unique device ID"),
		ro("unique_id", "VolumeUniqueID", fields.String, "volume unique ID (ODM)"),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"pv"},
		Title:   "Physical Volumes",
		Verbs:   []string{"list", "update"},
		Fields:  set,
		Schema:  "VirtualIOServer",
		FieldsNote: "The disks of each Virtual I/O Server; a SAN disk zoned to several of them is listed\n" +
			"once per VIOS (--parent-id picks one).",
		Columns: []app.Column{
			{Header: "VIOS", Field: "vios"}, {Header: "Name", Field: "name"}, {Header: "Cap (GB)", Field: "capacity"},
			{Header: "Available", Field: "available", Format: app.TitleBool}, {Header: "FC", Field: "fc", Format: app.TitleBool},
			{Header: "Description", Field: "description"},
		},
		IDKeys: map[string]string{"name": Own + ".name", "udid": Own + ".udid", "loc_code": Own + ".loc_code"},
		List:   s.list,
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		list := app.ListCommand(a, o)
		list.Example = "  pvmctl pv list\n  pvmctl pv list -p name=vios1 -w available=true -d name capacity"
		app.ParentFlag(list, &s.parent, "only the disks of this Virtual I/O Server: name=, id=, uuid=")
		return []*cobra.Command{list, storage.NotSupportedCommand(o, "update", "")}
	}}
}

func (s *state) list(a *app.App) ([]*uom.Entry, error) {
	vioses, err := storage.VIOSesWith(a, s.parent, storage.GroupStorage)
	if err != nil {
		return nil, err
	}
	var out []*uom.Entry
	for _, v := range vioses {
		if v.Content == nil {
			continue
		}
		for _, p := range v.Content.FindAll("PhysicalVolumes/PhysicalVolume") {
			s.origins.Set(p, storage.Origin{VIOS: v})
			out = append(out, storage.Entry(v, p, Own))
		}
	}
	return out, nil
}
