package lpar

import (
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// MigrateCommands are the partition mobility verbs: migrate (the Migrate
// and MigrateValidate jobs), migrate-stop (MigrateAbort) and
// migrate-recover (MigrateRecover).
func MigrateCommands(a *app.App, o *app.Object) []*cobra.Command {
	var target, sys, ip, user, vscsi, vfc, vlans string
	var validate, overrideVLAN bool
	var opts app.JobOptions
	mig := &cobra.Command{
		Use:   "migrate",
		Short: "Migrate a partition to another managed system (live partition mobility)",
		Long: "Migrate a partition to another managed system (live partition mobility), or with --validate only check\n" +
			"that it can be. A running partition migrates while it runs (its memory copied to the target); a partition\n" +
			"that is not activated moves its configuration only. The partition keeps its UUID, its adapters' MAC\n" +
			"addresses and VLANs; its disks are mapped through the target's Virtual I/O Servers.\n\n" +
			"The flags follow the HMC's migrlpar: --target-system (-t), --ip, -u and --validate (-o v).\n" +
			"The mapping flags and --override-vlan-check are ours (migrlpar takes the mappings in -i).",
		Example: "  pvmctl lpar migrate -i name=vm1 --target-system Server-8247-22L-SN2125D4A --validate\n" +
			"  pvmctl lpar migrate -i name=vm1 --target-system Server-8247-22L-SN2125D4A --ip 192.0.2.12",
		RunE: func(cmd *cobra.Command, args []string) error {
			if sys == "" {
				return app.Usage("PVME01040123-0070", "The parameter --target-system is required: the name of the managed system to migrate to.")
			}
			e, err := app.Target(a, o, target, args)
			if err != nil {
				return err
			}
			name := partName(e)
			params := []client.Param{{Name: "TargetManagedSystemName", Value: sys}}
			for _, p := range []struct{ name, v string }{
				{"TargetRemoteHMCIPAddress", ip}, {"TargetRemoteHMCUserID", user},
				{"VirtualSCSIMappings", vscsi}, {"VirtualFCMappings", vfc}, {"VlanMappings", vlans},
			} {
				if p.v != "" {
					params = append(params, client.Param{Name: p.name, Value: p.v})
				}
			}
			if overrideVLAN {
				params = append(params, client.Param{Name: "VLANBridgeOverride", Value: "2"})
			}
			if validate {
				j := &app.Job{Object: e, Op: "MigrateValidate", Params: params, Options: opts,
					Doing: "Validating the migration of partition " + name + " to " + sys,
					Done:  "Partition " + name + " can be migrated to " + sys + "."}
				_, err := j.Run(a)
				return err
			}
			j := &app.Job{Object: e, Op: "Migrate", Params: params, Options: opts,
				Doing:  "Migrating partition " + name + " to " + sys,
				Done:   "Partition " + name + " migrated to " + sys + ".",
				Follow: "pvmctl lpar list -i name=" + name + " -d state migration_state"}
			_, err = j.Run(a)
			return err
		},
	}
	app.TargetFlag(mig, &target)
	app.JobFlags(mig, &opts)
	mig.Flags().StringVarP(&sys, "target-system", "t", "", "the managed system to migrate to (its name)")
	mig.Flags().StringVar(&ip, "ip", "", "the address of the target's NovaLink")
	mig.Flags().StringVarP(&user, "user", "u", "", "the user on the target's NovaLink")
	mig.Flags().BoolVar(&validate, "validate", false, "only check that the partition can be migrated")
	mig.Flags().StringVar(&vscsi, "vscsi-mappings", "", "virtual SCSI adapters' VIOSes on the target: client-slot/vios-name/vios-id[/vios-slot],...")
	mig.Flags().StringVar(&vfc, "vfc-mappings", "", "virtual FC adapters' VIOSes on the target: client-slot/vios-name/vios-id[/vios-slot[/fc-port]],...")
	mig.Flags().StringVar(&vlans, "vlan-mappings", "", "adapters' VLANs on the target: MAC/PVID[/VLAN VLAN ...],...")
	mig.Flags().BoolVar(&overrideVLAN, "override-vlan-check", false, "migrate even if the target bridges none of the adapters' VLANs")

	var stopTarget string
	stop := &cobra.Command{
		Use:   "migrate-stop",
		Short: "Stop a partition's migration in progress (it goes on running where it was)",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := app.Target(a, o, stopTarget, args)
			if err != nil {
				return err
			}
			name := partName(e)
			j := &app.Job{Object: e, Op: "MigrateAbort", Doing: "Stopping the migration of partition " + name,
				Done: "The migration of partition " + name + " was stopped."}
			_, err = j.Run(a)
			return err
		},
	}
	app.TargetFlag(stop, &stopTarget)

	var recTarget string
	var force bool
	rec := &cobra.Command{
		Use:   "migrate-recover",
		Short: "Recover a partition whose migration failed",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := app.Target(a, o, recTarget, args)
			if err != nil {
				return err
			}
			name := partName(e)
			var params []client.Param
			if force {
				params = append(params, client.Param{Name: "Force", Value: "true"})
			}
			j := &app.Job{Object: e, Op: "MigrateRecover", Params: params, Doing: "Recovering the migration of partition " + name,
				Done: "The migration of partition " + name + " was recovered."}
			_, err = j.Run(a)
			return err
		},
	}
	app.TargetFlag(rec, &recTarget)
	rec.Flags().BoolVar(&force, "force", false, "recover even when there is no failed migration to recover")
	return []*cobra.Command{mig, stop, rec}
}
