package sys

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kballard/go-shellquote"
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/uom"
)

// Co-management on NovaLink's side: who the PowerVM management master is
// (the master field) and pvmctl sys set-master.

// Master values of the master field.
const (
	masterNovaLink = "NovaLink"
	masterHMC      = "HMC"
	masterNone     = "none"
)

// masterOf is the master as the master field shows it: NovaLink, "HMC
// <name>" (the name comes from the server's lscomgmt, through the
// management console's CLIRunner job, only when an HMC is master) or
// none.
func masterOf(a *app.App, obj *uom.Element) string {
	nl, okNL := obj.FindText("IsManagementPartitionPowerVMManagementMaster")
	hmc, okHMC := obj.FindText("IsHMCPowerVMManagementMaster")
	switch {
	case !okNL && !okHMC:
		return "" // a server that does not say
	case strings.TrimSpace(nl) == "true":
		return masterNovaLink
	case strings.TrimSpace(hmc) == "true":
		sysName, _ := obj.FindText("SystemName")
		if name := hmcMasterName(a, sysName); name != "" {
			return masterHMC + " " + name
		}
		return masterHMC
	}
	return masterNone
}

// hmcMasterName asks the server for the name of the HMC that is master
// (lscomgmt -F curr_master_name); "" when it cannot tell.
func hmcMasterName(a *app.App, sysName string) string {
	if a == nil || sysName == "" {
		return ""
	}
	v, err := a.Memo("sys master name "+sysName, func() (any, error) {
		out, err := runConsoleCommand(a, "lscomgmt -m "+shellquote.Join(sysName)+" -F curr_master_name")
		return strings.TrimSpace(out), err
	})
	if err != nil {
		return ""
	}
	return v.(string)
}

// runConsoleCommand runs a read-only management-console command line
// through the CLIRunner job and returns what it printed.
func runConsoleCommand(a *app.App, line string) (string, error) {
	c, err := a.Client()
	if err != nil {
		return "", err
	}
	f, err := c.GetFeed(a.Context(), client.UOM("ManagementConsole"), client.ReadOptions{Groups: []string{"None"}})
	if err != nil {
		return "", err
	}
	if len(f.Entries) == 0 {
		return "", errors.New("the server has no management console")
	}
	j, err := c.RunJob(a.Context(), client.UOM("ManagementConsole", f.Entries[0].ID), "CLIRunner", []client.Param{
		{Name: "cmd", Value: line},
		{Name: "acknowledgeThisAPIMayGoAwayInTheFuture", Value: "true"},
	}, nil)
	if err != nil {
		return "", err
	}
	return j.Result("stdOut"), nil
}

// setMasterCommand is "sys set-master [--force]": NovaLink asks to become
// the PowerVM management master (RequestMaster, mode norm; with --force,
// keep: it takes over at once and the HMC's operations in progress end).
// A normal request waits for the master's operations in progress to end:
// the command says so and waits.
func setMasterCommand(a *app.App) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "set-master",
		Short: "Make NovaLink the PowerVM management master of the system (co-management)",
		Long: "Make NovaLink the PowerVM management master of the system. Without --force the request waits for the\n" +
			"operations in progress of the current master (an HMC) to end, and no new one may start meanwhile;\n" +
			"with --force NovaLink takes over at once and those operations end with an error.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			sys, err := app.System(a)
			if err != nil {
				return err
			}
			name, _ := sys.Content.FindText("SystemName")
			before := masterOf(nil, sys.Content)
			c, err := a.Client()
			if err != nil {
				return err
			}
			mode := "norm"
			if force {
				mode = "keep"
			}
			path := client.UOM("ManagedSystem", sys.ID)
			j, err := c.StartJob(a.Context(), path, "RequestMaster", []client.Param{{Name: "coManagementMasterStatus", Value: mode}})
			if err != nil {
				return err
			}
			if !j.Done() {
				fmt.Fprintf(a.Out(), "The request is pending: NovaLink becomes the PowerVM management master of %s when the operations in progress of the current master end.\n", name)
			}
			for !j.Done() {
				select {
				case <-a.Context().Done():
					return a.Context().Err()
				case <-time.After(client.PollInterval / 4):
				}
				if j, err = c.GetJob(a.Context(), j.ID); err != nil {
					return err
				}
			}
			_ = c.DeleteJob(a.Context(), j.ID) // the server drops finished jobs by itself too
			if j.Status != client.JobOK {
				return &client.JobFailed{Job: j}
			}
			if before == masterNovaLink {
				fmt.Fprintf(a.Out(), "NovaLink is already the PowerVM management master of %s.\n", name)
				return nil
			}
			how := ""
			if force {
				how = " (forced)"
			}
			fmt.Fprintf(a.Out(), "NovaLink is now the PowerVM management master of %s%s.\n", name, how)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "take over at once (mode keep): the current master's operations in progress end")
	return cmd
}
