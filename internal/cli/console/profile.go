package console

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// bkprofdata and rstprofdata: the backup and restore of the partition
// configuration (profile.bak), through the ManagedSystem's
// BackupProfileData and RestoreProfileData jobs. The file is on this
// side: bkprofdata writes what the job returns, rstprofdata sends what it
// reads.

// DefaultProfileFile is where bkprofdata writes and rstprofdata reads
// without -f (PVM_PROFILE_BAK changes it).
const DefaultProfileFile = "/etc/pvm/profile.bak"

// profileFileMode is the mode of a profile.bak bkprofdata writes.
const profileFileMode = 0o660

// maxProfileFile bounds what rstprofdata reads: the file goes to the
// server in one request, which pvmd takes up to 16 MiB.
const maxProfileFile = 15 << 20

const (
	bkprofdataUsage  = "Usage: bkprofdata -m SYSTEM -o backup [-f FILE] [--force]"
	rstprofdataUsage = "Usage: rstprofdata -m SYSTEM -l {1 | 2 | 3 | 4} [-f FILE] [--ignoremtms] [--ignoremac]\n" +
		"  -l 1 full restore, 2 merge (the backup wins), 3 merge (the current configuration wins), 4 initialize"
)

// profileArgs parses HMC-style options: valued ones (-m SYS) and
// switches (--force).
func profileArgs(args []string, valued, switches map[string]bool) (map[string]string, bool, error) {
	opts := map[string]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-h" || arg == "--help":
			return nil, true, nil
		case valued[arg]:
			if i+1 >= len(args) {
				return nil, false, app.Usage("PVME01040123-0038", "Parameter %s needs a value.", arg)
			}
			if _, dup := opts[arg]; dup {
				return nil, false, app.Usage("PVME01040123-0009", "Parameter %s is given twice.", arg)
			}
			opts[arg] = args[i+1]
			i++
		case switches[arg]:
			opts[arg] = "true"
		default:
			return nil, false, app.Usage("PVME01040123-0009", "Parameter %s is not valid.", arg)
		}
	}
	return opts, false, nil
}

// profileFile is -f, or the default file.
func profileFile(a *app.App, opts map[string]string) string {
	if f := opts["-f"]; f != "" {
		return f
	}
	if f := a.Env.Getenv("PVM_PROFILE_BAK"); f != "" {
		return f
	}
	return DefaultProfileFile
}

// managedSystem checks -m against the server's managed system (by name or
// MTMS) and returns its path.
func managedSystem(a *app.App, cl *client.Client, want string) (string, error) {
	path, name, err := systemPath(a, cl)
	if err != nil {
		return "", err
	}
	if want == name {
		return path, nil
	}
	e, err := cl.GetEntry(a.Context(), path, client.ReadOptions{Groups: []string{"None"}})
	if err == nil && e.Content != nil {
		mt, _ := e.Content.FindText("MachineTypeModelAndSerialNumber/MachineType")
		md, _ := e.Content.FindText("MachineTypeModelAndSerialNumber/Model")
		sn, _ := e.Content.FindText("MachineTypeModelAndSerialNumber/SerialNumber")
		if want == mt+"-"+md+"*"+sn {
			return path, nil
		}
	}
	return "", app.NotFound("The managed system %s cannot be found (this server manages %s).", want, name)
}

// bkprofdata -m SYS -o backup [-f FILE] [--force]: writes the profile.bak
// of the partition configuration to FILE (atomically, mode 0660). --force
// takes it even while the managed system is not operating.
func bkprofdata(a *app.App, args []string) (int, error) {
	opts, help, err := profileArgs(args, map[string]bool{"-m": true, "-o": true, "-f": true}, map[string]bool{"--force": true})
	if err != nil {
		return 0, err
	}
	if help {
		fmt.Fprintln(a.Env.Stdout, bkprofdataUsage)
		return 0, nil
	}
	for _, req := range []string{"-m", "-o"} {
		if opts[req] == "" {
			return 0, app.Usage("PVME01040123-0038", "Parameter %s is required.\n%s", req, bkprofdataUsage)
		}
	}
	if opts["-o"] != "backup" {
		return 0, app.Usage("PVME01040123-0045", "The operation %s is not valid: bkprofdata takes -o backup.", opts["-o"])
	}
	file := profileFile(a, opts)
	if fi, err := os.Stat(filepath.Dir(file)); err != nil || !fi.IsDir() {
		return 0, app.Usage("PVME01040123-0044", "The directory of the backup file %s does not exist.", file)
	}
	// Only a regular file is replaced (or made): never a device, a pipe,
	// a socket or a directory. A symbolic link is followed.
	if _, err := atomicfile.Target(file); err != nil {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s cannot be written: %v; give the name of a regular file.", file, unwrapPath(err))
	}
	cl, err := a.Client()
	if err != nil {
		return 0, err
	}
	path, err := managedSystem(a, cl, opts["-m"])
	if err != nil {
		return 0, err
	}
	var params []client.Param
	if opts["--force"] != "" {
		params = append(params, client.Param{Name: "force", Value: "true"})
	}
	j, err := (&app.Job{Path: path, Op: "BackupProfileData", Params: params, Quiet: true,
		Doing: "Backing up the partition configuration"}).Run(a)
	if err != nil {
		return 0, err
	}
	data := j.Result("ProfileData")
	if !strings.HasPrefix(data, "CONFIG_VERSION") {
		return 0, errors.New("the server returned no profile data")
	}
	if !strings.HasSuffix(data, "\n") {
		data += "\n"
	}
	if err := atomicfile.Write(file, []byte(data), profileFileMode, time.Time{}); err != nil {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s cannot be written: %v", file, unwrapPath(err))
	}
	return 0, nil
}

// rstprofdata -m SYS -l LEVEL [-f FILE] [--ignoremtms] [--ignoremac]:
// restores the partition configuration from FILE in one operation.
func rstprofdata(a *app.App, args []string) (int, error) {
	opts, help, err := profileArgs(args, map[string]bool{"-m": true, "-l": true, "-f": true},
		map[string]bool{"--ignoremtms": true, "--ignoremac": true})
	if err != nil {
		return 0, err
	}
	if help {
		fmt.Fprintln(a.Env.Stdout, rstprofdataUsage)
		return 0, nil
	}
	for _, req := range []string{"-m", "-l"} {
		if opts[req] == "" {
			return 0, app.Usage("PVME01040123-0038", "Parameter %s is required.\n%s", req, rstprofdataUsage)
		}
	}
	switch opts["-l"] {
	case "1", "2", "3", "4":
	default:
		return 0, app.Usage("PVME01040123-0045", "The restore level %s is not valid: give 1 (full), 2 (merge, the backup wins), 3 (merge, the current configuration wins) or 4 (initialize).", opts["-l"])
	}
	file := profileFile(a, opts)
	data, err := atomicfile.Read(file, maxProfileFile)
	if errors.Is(err, atomicfile.ErrTooLarge) {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s is larger than %d MiB: it is not a profile.bak; nothing was restored.", file, maxProfileFile>>20)
	}
	if err != nil {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s cannot be read: %v", file, unwrapPath(err))
	}
	if len(data) == 0 {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s is empty; nothing was restored.", file)
	}
	if data[len(data)-1] != '\n' {
		return 0, app.Usage("PVME01040123-0044", "The backup file %s is truncated (its last line is incomplete); nothing was restored.", file)
	}
	cl, err := a.Client()
	if err != nil {
		return 0, err
	}
	path, err := managedSystem(a, cl, opts["-m"])
	if err != nil {
		return 0, err
	}
	params := []client.Param{{Name: "ProfileData", Value: string(data)}, {Name: "RestoreLevel", Value: opts["-l"]}}
	if opts["--ignoremtms"] != "" {
		params = append(params, client.Param{Name: "IgnoreMTMS", Value: "true"})
	}
	if opts["--ignoremac"] != "" {
		params = append(params, client.Param{Name: "IgnoreMAC", Value: "true"})
	}
	j, err := (&app.Job{Path: path, Op: "RestoreProfileData", Params: params, Quiet: true,
		Doing: "Restoring the partition configuration", Follow: "pvmctl lpar list"}).Run(a)
	// A restore that applied with warnings (devices a VIOS must bring back
	// with viosbr -restore) ends COMPLETED_WITH_WARNINGS: it succeeded.
	var jf *client.JobFailed
	if errors.As(err, &jf) && jf.Job.Status == client.JobWarnings {
		j, err = jf.Job, nil
	}
	if err != nil {
		return 0, err
	}
	for _, k := range []struct{ result, label string }{
		{"Created", "created"}, {"Replaced", "replaced"}, {"Deleted", "deleted"}, {"Skipped", "skipped (in conflict, the current configuration kept)"},
	} {
		if v := strings.TrimSpace(j.Result(k.result)); v != "" {
			fmt.Fprintf(a.Env.Stdout, "Partitions %s: %s\n", k.label, strings.ReplaceAll(v, ",", ", "))
		}
	}
	for _, w := range strings.Split(strings.TrimSpace(j.Result("Warnings")), "\n") {
		if w != "" {
			fmt.Fprintln(a.Env.Stderr, "Warning: "+w)
		}
	}
	return 0, nil
}

// unwrapPath drops the path and operation of a file error (the message
// names the file already).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
