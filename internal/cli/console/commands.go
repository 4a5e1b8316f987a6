package console

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/version"
)

// doc is what --help and the man page of a console command say. Their
// options are HMC-style (-m SYS, -file F) and parsed by the commands
// themselves, so they are described in the text rather than as flags.
type doc struct {
	use, short, long, example string
}

// connection is the part of every command's help about reaching pvmd.
const connection = `

Connection: like pvmctl, through the REST API: local logon to
http://localhost:12080 unless PVM_URL names another server; PVM_USER and
PVM_PASSWORD log on with a password (PVM_CA_FILE trusts a certificate for
HTTPS, PVM_INSECURE=1 skips the check).`

// hmcConnection replaces connection for the HMC's commands.
const hmcConnection = `

Connection: the HMC's commands log on as the HMC's account, PVM_HMC_USER
(default hscroot), with the password PVM_HMC_PASSWORD (required); PVM_URL
names the server (default http://localhost:12080).`

var docs = map[string]doc{
	"viosvrcmd": {
		use:   "viosvrcmd {--id N | -p NAME} -c \"COMMAND\" [-r] [-m SYSTEM]",
		short: "Run a command on a Virtual I/O Server",
		long: `Runs one VIOS (ioscli) command on a Virtual I/O Server over RMC and prints
its output, exiting with its exit status.

  --id N        the VIOS by partition ID
  -p NAME       the VIOS by name
  -c COMMAND    the command line to run, quoted as one argument
  -r            run it outside the restricted shell
  -m SYSTEM     the managed system (optional: pvmd manages one)` + connection,
		example: `  viosvrcmd --id 2 -c "lu -create -sp pool1 -lu vdisk_vm1 -size 20480"
  viosvrcmd -p vios1 -c "lsmap -all"
  viosvrcmd --id 2 -c "viosbr -backup -file mycfg"`,
	},
	"chcomgmt": {
		use:   "chcomgmt -m SYSTEM -o {setmaster -t {norm | keep | temp} | relmaster}",
		short: "Take or release the management master (the HMC's command)",
		long: `Changes which console is the PowerVM management master of a co-managed
system, as the HMC.

  -m SYSTEM     the managed system (name or MTMS)
  -o setmaster  take the master role for the HMC:
       -t norm  once the operations in progress end (the command returns at once)
       -t temp  the same, for a while (NovaLink takes it back when the HMC releases it)
       -t keep  now
  -o relmaster  give the master role back` + hmcConnection,
		example: `  chcomgmt -m Server-8247-21L-SN212E3CA -o setmaster -t norm
  chcomgmt -m Server-8247-21L-SN212E3CA -o relmaster`,
	},
	"lscomgmt": {
		use:   "lscomgmt -m SYSTEM [-F ATTRS] [--header]",
		short: "Show the management master (the HMC's command)",
		long: `Lists the co-management settings of a managed system as the HMC does:
curr_master_name, curr_master_mtms, curr_master_type and the pending
master, as attr=value pairs.

  -m SYSTEM     the managed system (name or MTMS)
  -F ATTRS      only these attributes, comma-separated, values only
  --header      with -F, a first line naming the attributes` + hmcConnection,
		example: `  lscomgmt -m Server-8247-21L-SN212E3CA
  lscomgmt -m Server-8247-21L-SN212E3CA -F curr_master_name`,
	},
	"lssyscfg": {
		use:   "lssyscfg -r {lpar | sys} [-m SYSTEM] [--filter \"lpar_names=A,B\" | \"lpar_ids=1,2\"] [-F ATTRS] [--header]",
		short: "List partitions or the managed system (the HMC's command)",
		long: `Lists the partitions (-r lpar) or the managed system (-r sys) as the
HMC does, one line of attr=value pairs each.

  -r lpar|sys   what to list
  -m SYSTEM     the managed system (required with -r lpar)
  --filter F    partitions by lpar_names=A,B or lpar_ids=1,2
  -F ATTRS      only these attributes, comma-separated, values only
  --header      with -F, a first line naming the attributes` + hmcConnection,
		example: `  lssyscfg -r sys
  lssyscfg -r lpar -m Server-8247-21L-SN212E3CA -F name,lpar_id,state`,
	},
	"chsyscfg": {
		use:   "chsyscfg -r lpar -m SYSTEM -i \"name=NAME|lpar_id=N,ATTR=VALUE,...\"",
		short: "Change partition attributes (the HMC's command)",
		long: `Changes attributes of a partition as the HMC does. -i names the partition
(lpar_id= or name=) and the attributes to set: new_name,
powervm_mgmt_capable (0|1, AIX/Linux partitions only),
lpar_avail_priority, allow_perf_collection, auto_start, boot_mode,
lpar_keylock.` + hmcConnection,
		example: `  chsyscfg -r lpar -m Server-8247-21L-SN212E3CA -i "lpar_id=11,auto_start=1"`,
	},
	"ldfware": {
		use:   "ldfware -file IMAGE [--yes]",
		short: "Update the firmware of the managed system",
		long: `Loads a firmware image and applies it to the managed system: a disruptive
update that shuts down every running partition and restarts the server at
the new level (partitions set to start automatically start again). NovaLink
updates the firmware only of a server it manages alone; a co-managed one is
updated from the HMC (updlic).

The image is a text manifest: a first line FIRMWARE_IMAGE, then key=value
lines (# starts a comment):
  level=SV860_180           the new firmware level (two letters, three digits,
                            _, three digits; required)
  machine_types=8247 8286   the machine types it applies to (optional: any)

Before a disruptive update that stops running partitions, ldfware asks for
a confirmation on a terminal; --yes (or -y) confirms it in advance, and
without a terminal it is needed.` + connection,
		example: `  printf 'FIRMWARE_IMAGE\nlevel=SV860_180\n' > fw.img && ldfware -file fw.img`,
	},
	"updlic": {
		use:   "updlic -m SYSTEM -o a -t sys -l {LEVEL | latest} -r {mountpoint | disk} -d DIRECTORY",
		short: "Update the firmware of the managed system (the HMC's command)",
		long: `The HMC's firmware update: picks the image of LEVEL (or the latest) among
the firmware images (manifests, see ldfware) in DIRECTORY and applies it.

  -m SYSTEM     the managed system
  -o a          retrieve and apply (the only operation supported)
  -t sys        managed system firmware (the only type supported)
  -l LEVEL      the level to apply, or latest
  -r mountpoint|disk   where the images are
  -d DIRECTORY  the directory of the images` + hmcConnection,
		example: `  updlic -m Server-8247-21L-SN212E3CA -o a -t sys -l latest -r mountpoint -d /tmp/fw`,
	},
	"bkprofdata": {
		use:   "bkprofdata -m SYSTEM -o backup [-f FILE] [--force]",
		short: "Back up the partition configuration",
		long: `Writes the partition configuration of the managed system (profile.bak) to
FILE, whole or not at all, mode 0660.

  -m SYSTEM     the managed system (name or MTMS)
  -o backup     the operation (the only one)
  -f FILE       the file (default /etc/pvm/profile.bak; PVM_PROFILE_BAK changes it)
  --force       back up even while the managed system is not operating` + connection,
		example: `  bkprofdata -m Server-8247-21L-SN212E3CA -o backup -f /tmp/profile.bak`,
	},
	"rstprofdata": {
		use:   "rstprofdata -m SYSTEM -l {1 | 2 | 3 | 4} [-f FILE] [--ignoremtms] [--ignoremac]",
		short: "Restore the partition configuration",
		long: `Restores the partition configuration from a profile.bak in one operation
(all of it or nothing).

  -m SYSTEM      the managed system (name or MTMS)
  -l 1           full restore: the partitions of the backup as they were
  -l 2           merge, the backup wins where both have a partition
  -l 3           merge, the current configuration wins
  -l 4           initialize: DELETES EVERY PARTITION but the management partition
                 (the VIOSes too) and restores none: the file is only checked
                 (running partitions are refused)
  -f FILE        the file (default /etc/pvm/profile.bak; PVM_PROFILE_BAK changes it)
  --ignoremtms   restore a backup taken of another server (a different MTMS)
  --ignoremac    give restored adapters new MAC addresses` + connection,
		example: `  rstprofdata -m Server-8247-21L-SN212E3CA -l 1 -f /tmp/profile.bak`,
	},
}

// Names returns the console commands with their own binaries.
func Names() []string {
	var out []string
	for n := range docs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Command returns the command name as cobra describes it (--help, man
// pages); running it runs Main with env.
func Command(name string, env app.Env) *cobra.Command {
	d, ok := docs[name]
	if !ok {
		d = doc{use: name, short: name}
	}
	cmd := &cobra.Command{
		Use:                d.use,
		Short:              d.short,
		Long:               d.short + ".\n\n" + strings.TrimSpace(d.long),
		Example:            d.example,
		Version:            version.String(name),
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := Main(name, args, env); code != 0 {
				return exitError(code)
			}
			return nil
		},
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	return cmd
}

// Commands returns every console command (man pages, tests).
func Commands(env app.Env) []*cobra.Command {
	var out []*cobra.Command
	for _, n := range Names() {
		out = append(out, Command(n, env))
	}
	return out
}

type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// helpOrVersion answers --help and --version (alone on the command line):
// it reports whether it did.
func helpOrVersion(name string, args []string, env app.Env) bool {
	if len(args) != 1 {
		return false
	}
	switch args[0] {
	case "-h", "--help", "-help", "-?":
		cmd := Command(name, env)
		cmd.SetOut(env.Stdout)
		cmd.SetErr(env.Stderr)
		_ = cmd.Help() // writes to env.Stdout
		return true
	case "--version", "-version":
		fmt.Fprintln(env.Stdout, version.String(name))
		return true
	}
	return false
}
