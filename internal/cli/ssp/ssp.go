// Package ssp is pvmctl's SharedStoragePool object (ssp): list. A pool
// comes with its VIOS cluster; its logical units are the lu object's.
package ssp

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

// Own is the pool's section.
const Own = "SharedStoragePool"

// Def is the SharedStoragePool object.
func Def() app.Def {
	var a0 *app.App
	listing := false // the list verb runs: read the clusters alongside
	ro := func(name, path string, kind fields.Kind, help string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Path: path, Kind: kind, Help: help, ReadOnly: true}
	}
	get := func(name string, kind fields.Kind, help string, fn func(obj *uom.Element) string) *fields.Field {
		return &fields.Field{Section: Own, Name: name, Kind: kind, Help: help, ReadOnly: true, Get: fn}
	}
	gbField := func(name, path, help string) *fields.Field {
		return get(name, fields.String, help, func(obj *uom.Element) string {
			v, _ := obj.FindText(path)
			return storage.FormatGB(v)
		})
	}
	set := fields.NewSet(Own,
		ro("name", "StoragePoolName", fields.String, "pool name"),
		get("cluster", fields.String, "name of the VIOS cluster of the pool", func(obj *uom.Element) string {
			return clusterName(a0, obj)
		}),
		gbField("capacity", "Capacity", "capacity in GB"),
		gbField("free", "FreeSpace", "free space in GB"),
		gbField("over_commit", "OverCommitSpace", "space thin logical units may still take beyond the free space, in GB"),
		gbField("total_lu_size", "TotalLogicalUnitSize", "capacity of all its logical units, in GB"),
		ro("alert_threshold", "AlertThreshold", fields.String, "free space threshold that raises an alert"),
		get("lus", fields.Int, "number of logical units", func(obj *uom.Element) string {
			return strconv.Itoa(len(obj.FindAll("LogicalUnits/LogicalUnit")))
		}),
		get("pvs", fields.String, "its physical volumes (hdisks), comma-separated", func(obj *uom.Element) string {
			var names []string
			for _, p := range obj.FindAll("PhysicalVolumes/PhysicalVolume") {
				n, _ := p.FindText("VolumeName")
				names = append(names, n)
			}
			return strings.Join(names, ",")
		}),
		ro("udid", "UniqueDeviceID", fields.String, "unique device ID"),
		ro("uuid", "Metadata/Atom/AtomID", fields.String, "pool UUID"),
	)
	o := &app.Object{
		Name:    Own,
		Aliases: []string{"ssp"},
		Title:   "Shared Storage Pools",
		Verbs:   []string{"create", "delete", "list", "update"},
		Fields:  set,
		Schema:  Own,
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "Cluster", Field: "cluster"}, {Header: "Cap (GB)", Field: "capacity"},
			{Header: "Free (GB)", Field: "free"}, {Header: "LU Size (GB)", Field: "total_lu_size"}, {Header: "LUs", Field: "lus"},
		},
		IDKeys: map[string]string{"name": Own + ".name", "uuid": Own + ".uuid"},
		List: func(a *app.App) ([]*uom.Entry, error) {
			if !listing {
				return storage.Pools(a)
			}
			if err := app.LogOn(a); err != nil {
				return nil, err
			}
			var pools []*uom.Entry
			err := app.Parallel(2, []func() error{
				func() (err error) { pools, err = storage.Pools(a); return },
				func() error { clusters(a); return nil },
			})
			return pools, err
		},
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		a0 = a
		list := app.ListCommand(a, o)
		list.PreRun = func(*cobra.Command, []string) { listing = true }
		why := "a shared storage pool comes with its VIOS cluster"
		return []*cobra.Command{
			list,
			storage.NotSupportedCommand(o, "create", why),
			storage.NotSupportedCommand(o, "delete", why),
			storage.NotSupportedCommand(o, "update", "its logical units change through 'pvmctl lu'"),
		}
	}}
}

// clusters reads the clusters (nil when they cannot be read: the Cluster
// column is then empty).
func clusters(a *app.App) []*uom.Entry {
	if a == nil {
		return nil
	}
	cs, err := app.Feed(a, client.UOM("Cluster"))
	if err != nil {
		return nil
	}
	return cs
}

// clusterName names the cluster whose ClusterSharedStoragePool is the
// pool.
func clusterName(a *app.App, pool *uom.Element) string {
	id, _ := pool.FindText("Metadata/Atom/AtomID")
	for _, c := range clusters(a) {
		if c.Content == nil {
			continue
		}
		if strings.EqualFold(network.HrefUUID(network.LinkHref(c.Content.Child("ClusterSharedStoragePool"))), id) {
			n, _ := c.Content.FindText("ClusterName")
			return n
		}
	}
	return ""
}
