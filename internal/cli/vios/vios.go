// Package vios is pvmctl's VirtualIOServer object (vios): list, update and
// the power verbs.
package vios

import (
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/lpar"
	"github.com/novalink-project/novalink/internal/cli/metrics"
)

// Def is the VirtualIOServer object.
func Def() app.Def {
	o := &app.Object{
		Name:    "VirtualIOServer",
		Aliases: []string{"vios"},
		Title:   "Virtual I/O Servers",
		Verbs:   []string{"list", "metrics", "power-off", "power-on", "restart", "update"},
		Fields:  lpar.PartitionFields("VirtualIOServer"),
		Schema:  "VirtualIOServer",
		Columns: []app.Column{
			{Header: "Name", Field: "name"}, {Header: "ID", Field: "id"}, {Header: "State", Field: "state"},
			{Header: "RMC", Field: "rmc_state"}, {Header: "Ref Code", Field: "ref_code"},
			{Header: "Mem", Field: "PartitionMemoryConfiguration.desired"}, {Header: "CPU", Field: "procs"}, {Header: "Ent", Field: "proc_units"},
		},
		IDKeys: map[string]string{"name": "VirtualIOServer.name", "id": "VirtualIOServer.id", "uuid": "VirtualIOServer.uuid"},
		List:   app.ListFeed("VirtualIOServer"),
	}
	o.Adjust = lpar.AdjustLimits(o.Fields)
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		return append([]*cobra.Command{app.ListCommand(a, o), app.UpdateCommand(a, o), metrics.PartitionCommand(a, o)}, lpar.PowerCommands(a, o)...)
	}}
}
