package sys

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

// listBackupsCommand is "sys list-backups": the hourly and daily backups
// pvmd took of the partition configuration and of each VIOS (the
// ManagedSystem's ListBackups job), oldest first, with their time and
// size.
func listBackupsCommand(a *app.App) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list-backups",
		Short: "List the scheduled backups of the system and its VIOSes",
		Long: "List the hourly and daily backups of the partition configuration (system_*.bak) and of each\n" +
			"VIOS (vios_<id>_*.viosbr.tar.gz) in the backup directory, oldest first, with their time and size.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			if err := app.CheckOutput(output); err != nil {
				return err
			}
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			j, err := c.RunJob(a.Context(), client.UOM("ManagedSystem", sys.ID), "ListBackups", nil, nil)
			if err != nil {
				return err
			}
			type row struct {
				at    time.Time
				cells []string
				json  []app.Cell
			}
			var rows []row
			for _, p := range j.Results {
				if p.Name == "BackupDirectory" {
					continue
				}
				at, size, _ := strings.Cut(strings.TrimSpace(p.Value), " ")
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return fmt.Errorf("the server's listing of %s is not valid: %q", p.Name, p.Value)
				}
				kind, freq := backupKind(p.Name)
				rows = append(rows, row{t, []string{p.Name, kind, freq, t.Local().Format("2006-01-02 15:04:05"), size},
					[]app.Cell{{Text: p.Name}, {Text: kind}, {Text: freq}, {Text: t.UTC().Format(time.RFC3339)}, {Text: size, Kind: fields.Int}}})
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.Before(rows[j].at) })
			if strings.EqualFold(output, app.OutputJSON) {
				cells := make([][]app.Cell, len(rows))
				for i, r := range rows {
					cells[i] = r.json
				}
				return a.PrintJSON([]string{"file", "of", "frequency", "time", "size"}, cells)
			}
			cells := make([][]string, len(rows))
			for i, r := range rows {
				cells[i] = r.cells
			}
			return printer.Table(a.Out(), "Backups in "+j.Result("BackupDirectory"),
				[]string{"File", "Of", "Frequency", "Time", "Size"}, cells, a.Width())
		},
	}
	app.OutputFlag(cmd, &output)
	return cmd
}

// backupKind tells what a backup file name holds and how often it is
// taken.
func backupKind(name string) (string, string) {
	kind := "system"
	if strings.HasPrefix(name, "vios_") {
		id, _, _ := strings.Cut(strings.TrimPrefix(name, "vios_"), "_")
		kind = "VIOS " + id
	}
	freq := "hourly"
	if strings.Contains(name, "_daily_") {
		freq = "daily"
	}
	return kind, freq
}
