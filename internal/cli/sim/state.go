package sim

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

func stateCommand(a *app.App) *cobra.Command {
	var target, rmc, refCode, sysState string
	var crash, stop, system, asJSON bool
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Show or flip a state no API can set: RMC, a crash, a stop, the system's power",
		Long: "With -i KEY=VALUE, a partition's or VIOS's state: --rmc active|inactive|none|busy holds its RMC\n" +
			"connection so while its OS runs (auto gives it back to the OS), --crash makes its OS crash (error\n" +
			"state, --refcode or B700F104), --stop stops it without a job. With --system, the managed system:\n" +
			"--state operating|\"power off\"|error|\"no connection\". Without a change it shows the state.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			if system {
				if target != "" || rmc != "" || crash || stop || refCode != "" {
					return app.Usage("PVME01040123-0410", "--system takes --state only.")
				}
				sys, err := systemOf(a)
				if err != nil {
					return err
				}
				st, err := c.SimSystemState(a.Context(), sys.UUID, sysState)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a, st)
				}
				_, err = fmt.Fprintf(a.Out(), "Managed system %s: %s\n", st.Name, st.State)
				return err
			}
			if sysState != "" {
				return app.Usage("PVME01040123-0411", "--state is the managed system's (with --system); a partition takes --rmc, --crash or --stop.")
			}
			if target == "" {
				return app.Usage("PVME01040123-0412", "Name a partition (--object-id KEY=VALUE) or give --system.")
			}
			if crash && stop {
				return app.Usage("PVME01040123-0413", "--crash and --stop cannot both be given.")
			}
			if refCode != "" && !crash && !stop {
				return app.Usage("PVME01040123-0414", "--refcode goes with --crash or --stop.")
			}
			e, err := findTarget(a, target)
			if err != nil {
				return err
			}
			kind := e.Kind
			var set *client.SimPartitionFlip
			if rmc != "" || crash || stop {
				set = &client.SimPartitionFlip{RMC: rmc, RefCode: refCode}
				if crash {
					set.State = "error"
				} else if stop {
					set.State = "not activated"
				}
			}
			st, err := c.SimPartitionState(a.Context(), kind, e.UUID, set)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, st)
			}
			held := "no (the OS decides)"
			if st.RMCHeld != "" {
				held = st.RMCHeld
			}
			return printer.Table(a.Out(), "Simulated state", []string{"Partition", "State", "Reference code", "RMC", "RMC held"},
				[][]string{{st.Name, st.State, orDash(st.RefCode), st.RMC, held}}, a.Width())
		},
	}
	app.TargetFlag(cmd, &target)
	f := cmd.Flags()
	f.StringVar(&rmc, "rmc", "", "hold the RMC connection active, inactive, none or busy (auto: the OS decides)")
	f.BoolVar(&crash, "crash", false, "the partition's OS crashes (error state)")
	f.BoolVar(&stop, "stop", false, "the partition stops without a job (not activated)")
	f.StringVar(&refCode, "refcode", "", "the reference code it shows (with --crash or --stop)")
	f.BoolVar(&system, "system", false, "the managed system's state")
	f.StringVar(&sysState, "state", "", "the managed system's new state (with --system)")
	f.BoolVar(&asJSON, "json", false, "print JSON (as -o json)")
	app.OutputJSONFlag(cmd, &asJSON)
	return cmd
}

func timingCommand(a *app.App) *cobra.Command {
	var t client.SimTiming
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "timing",
		Short: "Show or switch the timing profile of the simulated server at run time",
		Long: "--profile fast|realistic switches the profile; each time given (--os-boot 10s ...) replaces the\n" +
			"profile's (it is then custom). What is under way keeps its times. Without options it shows them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			var set *client.SimTiming
			for _, name := range []string{"profile", "firmware-step", "os-boot", "rmc-up", "os-shutdown", "vsp-shutdown", "immediate", "system-ipl"} {
				if cmd.Flags().Changed(name) {
					set = &t
				}
			}
			got, err := c.SimTiming(a.Context(), set)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, got)
			}
			return printer.Table(a.Out(), "Timing profile "+got.Profile,
				[]string{"Firmware step", "OS boot", "RMC up", "OS shutdown", "VSP shutdown", "Immediate", "System IPL"},
				[][]string{{got.FirmwareStep, got.OSBoot, got.RMCUp, got.OSShutdown, got.VSPShutdown, got.Immediate, got.SystemIPL}}, a.Width())
		},
	}
	f := cmd.Flags()
	f.StringVar(&t.Profile, "profile", "", "fast or realistic")
	f.StringVar(&t.FirmwareStep, "firmware-step", "", "time on each firmware reference code while a partition starts")
	f.StringVar(&t.OSBoot, "os-boot", "", "from the last firmware code to the OS running")
	f.StringVar(&t.RMCUp, "rmc-up", "", "from the OS running to RMC active")
	f.StringVar(&t.OSShutdown, "os-shutdown", "", "an OS shutdown")
	f.StringVar(&t.VSPShutdown, "vsp-shutdown", "", "a shutdown through the VSP")
	f.StringVar(&t.Immediate, "immediate", "", "an immediate shutdown")
	f.StringVar(&t.SystemIPL, "system-ipl", "", "a restart of the whole server")
	f.BoolVar(&asJSON, "json", false, "print JSON (as -o json)")
	app.OutputJSONFlag(cmd, &asJSON)
	return cmd
}

func snapshotCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save, restore, list and delete snapshots of the simulated system",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.Usage("PVME01040123-0420", "A snapshot verb is needed: save, restore, list or delete.")
		},
	}
	one := func(use, short string, run func(c *client.Client, name string) error) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args: func(cmd *cobra.Command, args []string) error {
				if len(args) != 1 {
					return app.Usage("PVME01040123-0421", "pvmctl sim snapshot %s takes one snapshot name.", use)
				}
				return nil
			},
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := a.Client()
				if err != nil {
					return err
				}
				return run(c, args[0])
			},
		}
	}
	save := one("save", "Save the system's state under a name (replacing a snapshot of that name)", func(c *client.Client, name string) error {
		s, err := c.SimSaveSnapshot(a.Context(), name)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.Out(), "Snapshot %s saved: %d partitions, %d objects.\n", s.Name, s.Partitions, s.Objects)
		return err
	})
	restore := one("restore", "Bring a snapshot back", func(c *client.Client, name string) error {
		r, err := c.SimRestoreSnapshot(a.Context(), name)
		if err != nil {
			return err
		}
		return printRestore(a, "Snapshot "+name+" restored", r)
	})
	del := one("delete", "Delete a snapshot", func(c *client.Client, name string) error {
		if err := c.SimDeleteSnapshot(a.Context(), name); err != nil {
			return err
		}
		_, err := fmt.Fprintf(a.Out(), "Snapshot %s deleted.\n", name)
		return err
	})
	list := listVerb(a, listOpts{use: "list", short: "List the snapshots", output: true},
		func(c *client.Client) ([]client.SimSnapshot, error) { return c.SimSnapshots(a.Context()) }, printSnapshots)
	cmd.AddCommand(save, restore, list, del)
	return cmd
}

func printSnapshots(a *app.App, snaps []client.SimSnapshot) error {
	var rows [][]string
	for _, s := range snaps {
		rows = append(rows, []string{s.Name, s.Created.UTC().Format("2006-01-02 15:04:05"), strconv.Itoa(s.Partitions), strconv.Itoa(s.Objects), strconv.FormatInt(s.Bytes, 10)})
	}
	return printer.Table(a.Out(), "Snapshots", []string{"Name", "Saved (UTC)", "Partitions", "Objects", "Bytes"}, rows, a.Width())
}

func printRestore(a *app.App, what string, r client.SimRestore) error {
	switch r.Events {
	case "":
		_, err := fmt.Fprintf(a.Out(), "%s: nothing to change.\n", what)
		return err
	case "objects":
		_, err := fmt.Fprintf(a.Out(), "%s: %d objects changed (one event each).\n", what, r.Changed)
		return err
	}
	_, err := fmt.Fprintf(a.Out(), "%s: %d objects changed (%s sent).\n", what, r.Changed, r.Events)
	return err
}

func resetCommand(a *app.App) *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "Bring the system back to the inventory it was seeded with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			r, err := c.SimReset(a.Context())
			if err != nil {
				return err
			}
			return printRestore(a, "Reset to the seeded inventory", r)
		},
	}
}

func introspectCommand(a *app.App) *cobra.Command {
	return &cobra.Command{
		Use:   "introspect",
		Short: "Print what pvmd implements (routes, object types, jobs, quick properties, controls) and what it does not (JSON)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			doc, err := c.SimIntrospection(a.Context())
			if err != nil {
				return err
			}
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				return err
			}
			return printJSON(a, v)
		},
	}
}
