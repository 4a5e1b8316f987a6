package console

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// maxFirmwareImage bounds what is read of a firmware image (a manifest of
// a few lines) or of a file in updlic's directory.
const maxFirmwareImage = 1 << 20

// ldfware -file IMAGE: NovaLink's firmware update of the server it
// manages alone (refused on a co-managed server).
func ldfware(a *app.App, args []string) (int, error) {
	var file string
	yes := false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--yes", "-y", "-yes":
			yes = true
		case "-file", "--file":
			if i+1 >= len(args) {
				return 0, app.Usage("PVME01040123-0038", "Parameter %s needs a value.", args[i])
			}
			file = args[i+1]
			i++
		case "-h", "--help":
			fmt.Fprintln(a.Env.Stdout, "Usage: ldfware -file IMAGE [--yes]")
			return 0, nil
		default:
			return 0, app.Usage("PVME01040123-0009", "Parameter %s is not valid.", args[i])
		}
	}
	if file == "" {
		return 0, app.Usage("PVME01040123-0038", "Parameter -file is required: the firmware image to load.")
	}
	img, err := atomicfile.Read(file, maxFirmwareImage)
	if err != nil {
		return 0, app.Usage("PVME01040123-0044", "The firmware image cannot be read: %v", err)
	}
	if !yes {
		if err := confirmDisruption(a); err != nil {
			return 0, err
		}
	}
	return update(a, string(img))
}

// confirmDisruption asks before an update that stops running partitions:
// on a terminal it asks, elsewhere it refuses (--yes confirms in advance).
func confirmDisruption(a *app.App) error {
	cl, err := a.Client()
	if err != nil {
		return err
	}
	var running []string
	for _, kind := range []string{"LogicalPartition", "VirtualIOServer"} {
		f, err := cl.GetFeed(a.Context(), client.UOM(kind), client.ReadOptions{Groups: []string{"None"}})
		if err != nil {
			return err
		}
		for _, e := range f.Entries {
			if e.Content == nil {
				continue
			}
			state, _ := e.Content.FindText("PartitionState")
			if state != "not activated" && state != "" {
				name, _ := e.Content.FindText("PartitionName")
				running = append(running, name)
			}
		}
	}
	if len(running) == 0 {
		return nil
	}
	what := fmt.Sprintf("The firmware update shuts down %d running partition(s) (%s) and restarts the server.", len(running), strings.Join(running, ", "))
	if a.Env.Confirm == nil {
		return app.Usage("PVME01040140-0005", "%s Confirm it with --yes.", what)
	}
	ok, err := a.Env.Confirm(what + " Continue?")
	if err != nil {
		return err
	}
	if !ok {
		return &app.Error{ID: "PVME01040140-0006", Code: app.ExitFailed, Msg: "The firmware update was not confirmed; nothing was changed."}
	}
	return nil
}

// updlic -m SYS -o a -t sys -l LEVEL|latest -r mountpoint|disk -d DIR:
// the HMC's firmware update, from the images in DIR.
func updlic(a *app.App, args []string) (int, error) {
	opts := map[string]string{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-m", "-o", "-t", "-l", "-r", "-d":
			if i+1 >= len(args) {
				return 0, app.Usage("PVME01040123-0038", "Parameter %s needs a value.", args[i])
			}
			opts[args[i]] = args[i+1]
			i++
		case "-h", "--help":
			fmt.Fprintln(a.Env.Stdout, "Usage: updlic -m SYSTEM -o a -t sys -l {LEVEL | latest} -r {mountpoint | disk} -d DIRECTORY")
			return 0, nil
		default:
			return 0, app.Usage("PVME01040123-0009", "Parameter %s is not valid.", args[i])
		}
	}
	for _, req := range []string{"-m", "-o", "-t", "-l", "-r", "-d"} {
		if opts[req] == "" {
			return 0, app.Usage("PVME01040123-0038", "Parameter %s is required.", req)
		}
	}
	if opts["-o"] != "a" {
		return 0, app.Usage("PVME01040123-0045", "Only -o a (retrieve and apply) is supported, not %s.", opts["-o"])
	}
	if opts["-t"] != "sys" {
		return 0, app.Usage("PVME01040123-0045", "Only -t sys (managed system firmware) is supported, not %s.", opts["-t"])
	}
	if r := opts["-r"]; r != "mountpoint" && r != "disk" {
		return 0, app.Usage("PVME01040123-0045", "Only -r mountpoint or disk is supported, not %s.", r)
	}
	images, err := readImages(opts["-d"])
	if err != nil {
		return 0, err
	}
	want := opts["-l"]
	var pick string
	if want == "latest" {
		var levels []string
		for l := range images {
			levels = append(levels, l)
		}
		sort.Strings(levels)
		pick = levels[len(levels)-1]
	} else if _, ok := images[want]; ok {
		pick = want
	} else {
		return 0, app.NotFound("No firmware image of level %s is in %s.", want, opts["-d"])
	}
	cl, err := a.Client()
	if err != nil {
		return 0, err
	}
	_, name, err := systemPath(a, cl)
	if err != nil {
		return 0, err
	}
	if opts["-m"] != name {
		return 0, app.NotFound("The managed system %s cannot be found.", opts["-m"])
	}
	return update(a, images[pick])
}

// readImages reads the firmware images (FIRMWARE_IMAGE manifests) of a
// directory by level.
func readImages(dir string) (map[string]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, app.Usage("PVME01040123-0044", "The firmware directory cannot be read: %v", err)
	}
	out := map[string]string{}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue // nor directories, nor pipes or devices, which may never end
		}
		b, err := atomicfile.Read(filepath.Join(dir, e.Name()), maxFirmwareImage)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == "level" {
				out[strings.TrimSpace(v)] = string(b)
			}
		}
	}
	if len(out) == 0 {
		return nil, app.NotFound("There is no firmware image in %s.", dir)
	}
	return out, nil
}

// update runs the UpdateFirmware job, saying what it does.
func update(a *app.App, image string) (int, error) {
	cl, err := a.Client()
	if err != nil {
		return 0, err
	}
	path, name, err := systemPath(a, cl)
	if err != nil {
		return 0, err
	}
	job := &app.Job{Path: path, Op: "UpdateFirmware", Params: []client.Param{{Name: "image", Value: image}},
		Doing:  "Updating the firmware of " + name + ": the partitions are shut down and the server restarts",
		Follow: "pvmctl sys list -d state firmware"}
	j, err := job.Run(a)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(a.Env.Stdout, "The firmware of %s is now at level %s; %s partition(s) started automatically.\n", name, j.Result("firmwareLevel"), j.Result("partitionsStarted"))
	return 0, nil
}
