package vios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// The virtual media repository commands: mkrep, lsrep, mkvopt, rmvopt,
// loadopt, unloadopt, lsvopt.

var mkrepSpec = flagSpec{"-sp": 1, "-size": 1}

// mkrep makes the virtual media repository in a volume group.
func (c *cli) mkrep(args []string) Result {
	a, bad := parseArgs(args, mkrepSpec, 0)
	if bad != nil {
		return c.usage(bad, "mkrep")
	}
	if !a.has("-sp") || !a.has("-size") {
		return c.usage(nil, "mkrep")
	}
	vg := VGByName(c.tx, c.v.UUID, a.val("-sp"))
	if vg == nil {
		return fail(codeNoDevice, "The storage pool %s does not exist.", a.val("-sp"))
	}
	size, good := parseSizeMB(a.val("-size"))
	if !good {
		return fail(codeUsage, "The size %q is not valid: give megabytes, or gigabytes with a G suffix.", a.val("-size"))
	}
	if err := CreateRepository(c.tx, vg, size); err != nil {
		return errResult(err)
	}
	return ok("Virtual Media Repository Created\nRepository created within \"VMLibrary\" logical volume\n")
}

// loadedIn returns the optical devices a media is loaded in.
func (c *cli) loadedIn(m *model.OpticalMedia) []string {
	var out []string
	for _, x := range MappingsOf(c.tx, model.BackMedia, m.UUID) {
		out = append(out, x.Target)
	}
	sort.Slice(out, func(i, j int) bool { return devLess(out[i], out[j]) })
	return out
}

var lsrepSpec = flagSpec{"-field": many, "-fmt": 1}

// lsrep prints the repository (size, free, parent pool and its size and
// free space) and its media (name, file size, optical device, access).
func (c *cli) lsrep(args []string) Result {
	a, bad := parseArgs(args, lsrepSpec, 0)
	if bad != nil {
		return c.usage(bad, "lsrep")
	}
	r := Repository(c.tx, c.v.UUID)
	if r == nil {
		return fail(codeFailed, "The Virtual Media Repository does not exist on %s; create it with mkrep.", c.v.Name)
	}
	media := Media(c.tx, c.v.UUID)
	if a.has("-field") || a.has("-fmt") {
		all := []string{"size", "free", "parent_pool", "parent_size", "parent_free", "name", "filesize", "optical", "access"}
		if !a.has("-field") {
			a.flags["-field"] = all
		}
		base := []string{strconv.Itoa(r.RepositoryMB), strconv.Itoa(RepositoryFreeMB(c.tx, c.v.UUID)), r.Name,
			strconv.Itoa(VGCapacityMB(c.tx, r)), strconv.Itoa(VGFreeMB(c.tx, r))}
		var rows [][]string
		for _, m := range media {
			rows = append(rows, append(append([]string{}, base...), m.Name, strconv.Itoa(m.SizeMB), opticalOf(c.loadedIn(m)), m.MountType))
		}
		if len(rows) == 0 {
			rows = append(rows, append(append([]string{}, base...), "", "", "", ""))
		}
		return c.fieldRows(a, all, all, rows, "lsrep")
	}
	ls := []string{
		fmt.Sprintf("%8s %8s %-20s%11s %16s", "Size(mb)", "Free(mb)", "Parent Pool", "Parent Size", "Parent Free"),
		fmt.Sprintf("%8d %8d %-20s%11d %16d", r.RepositoryMB, RepositoryFreeMB(c.tx, c.v.UUID), r.Name, VGCapacityMB(c.tx, r), VGFreeMB(c.tx, r)),
	}
	if len(media) > 0 {
		ls = append(ls, "", fmt.Sprintf("%-54s%9s %-16s%s", "Name", "File Size", "Optical", "Access"))
		for _, m := range media {
			ls = append(ls, fmt.Sprintf("%-54s%9d %-16s%s", m.Name, m.SizeMB, opticalOf(c.loadedIn(m)), m.MountType))
		}
	}
	return ok(lines(ls))
}

func opticalOf(devs []string) string {
	if len(devs) == 0 {
		return "None"
	}
	return strings.Join(devs, ",")
}

var mkvoptSpec = flagSpec{"-name": 1, "-size": 1, "-dev": 1, "-file": 1, "-ro": 0}

// mkvopt makes a virtual optical media in the repository: a blank one of
// -size. The simulated VIOS has neither physical optical drives (-dev)
// nor a file system to copy images from (-file): images come in through
// the REST API's web File service.
func (c *cli) mkvopt(args []string) Result {
	a, bad := parseArgs(args, mkvoptSpec, 0)
	if bad != nil {
		return c.usage(bad, "mkvopt")
	}
	if !a.has("-name") || a.count("-size", "-dev", "-file") != 1 {
		return c.usage(nil, "mkvopt")
	}
	switch {
	case a.has("-dev"):
		return fail(codeNoDevice, "mkvopt: the simulated Virtual I/O Server has no physical optical device %s; nothing was done.", a.val("-dev"))
	case a.has("-file"):
		return fail(codeFailed, "mkvopt: the simulated Virtual I/O Server has no file system: %s does not exist; upload images with the REST API's web File service instead.", a.val("-file"))
	}
	size, good := parseSizeMB(a.val("-size"))
	if !good {
		return fail(codeUsage, "The size %q is not valid: give megabytes, or gigabytes with a G suffix.", a.val("-size"))
	}
	mount := "rw"
	if a.has("-ro") {
		mount = "ro"
	}
	if _, err := AddMedia(c.tx, c.v, a.val("-name"), size, mount, ""); err != nil {
		return errResult(err)
	}
	return ok("")
}

var rmvoptSpec = flagSpec{"-name": 1, "-f": 0}

// rmvopt removes a media from the repository; -f unloads it first from
// the optical devices it is loaded in.
func (c *cli) rmvopt(args []string) Result {
	a, bad := parseArgs(args, rmvoptSpec, 0)
	if bad != nil {
		return c.usage(bad, "rmvopt")
	}
	if !a.has("-name") {
		return c.usage(nil, "rmvopt")
	}
	if Repository(c.tx, c.v.UUID) == nil {
		return fail(codeFailed, "The Virtual Media Repository does not exist on %s; create it with mkrep.", c.v.Name)
	}
	m := MediaByName(c.tx, c.v.UUID, a.val("-name"))
	if m == nil {
		return fail(codeNoDevice, "The virtual optical media %s does not exist in the repository.", a.val("-name"))
	}
	if a.has("-f") {
		for _, t := range c.loadedIn(m) {
			if err := LoadMedia(c.tx, c.v, t, nil); err != nil {
				return errResult(err)
			}
		}
	}
	if err := RemoveMedia(c.tx, m); err != nil {
		return errResult(err)
	}
	return ok("")
}

var loadoptSpec = flagSpec{"-disk": 1, "-vtd": 1, "-f": 0, "-release": 0}

// opticalTarget finds a file-backed optical device.
func (c *cli) opticalTarget(name string) (*model.SCSIMapping, *Result) {
	m := targetByName(c.tx, c.v.UUID, name)
	if m == nil {
		r := noDevice(name)
		return nil, &r
	}
	if m.Backing != model.BackMedia {
		r := fail(codeFailed, "The device %s is not a file-backed virtual optical device.", name)
		return nil, &r
	}
	return m, nil
}

// loadopt loads a media into a virtual optical device; -f replaces the
// media loaded there.
func (c *cli) loadopt(args []string) Result {
	a, bad := parseArgs(args, loadoptSpec, 0)
	if bad != nil {
		return c.usage(bad, "loadopt")
	}
	if !a.has("-disk") || !a.has("-vtd") {
		return c.usage(nil, "loadopt")
	}
	t, r := c.opticalTarget(a.val("-vtd"))
	if r != nil {
		return *r
	}
	m := MediaByName(c.tx, c.v.UUID, a.val("-disk"))
	if m == nil {
		return fail(codeNoDevice, "The virtual optical media %s does not exist in the repository.", a.val("-disk"))
	}
	if t.BackingID != "" && a.has("-f") {
		if err := LoadMedia(c.tx, c.v, t.Target, nil); err != nil {
			return errResult(err)
		}
	}
	if err := LoadMedia(c.tx, c.v, t.Target, m); err != nil {
		return errResult(err)
	}
	return ok("")
}

var unloadoptSpec = flagSpec{"-vtd": 1, "-release": 0}

// unloadopt empties a virtual optical device.
func (c *cli) unloadopt(args []string) Result {
	a, bad := parseArgs(args, unloadoptSpec, 0)
	if bad != nil {
		return c.usage(bad, "unloadopt")
	}
	if !a.has("-vtd") {
		return c.usage(nil, "unloadopt")
	}
	t, r := c.opticalTarget(a.val("-vtd"))
	if r != nil {
		return *r
	}
	if err := LoadMedia(c.tx, c.v, t.Target, nil); err != nil {
		return errResult(err)
	}
	return ok("")
}

var lsvoptSpec = flagSpec{"-vtd": 1, "-field": many, "-fmt": 1}

// lsvopt lists the virtual optical devices with their media and its size.
func (c *cli) lsvopt(args []string) Result {
	a, bad := parseArgs(args, lsvoptSpec, 0)
	if bad != nil {
		return c.usage(bad, "lsvopt")
	}
	var rows [][]string
	for _, h := range vhosts(c.tx, c.v.UUID) {
		for _, m := range h.maps {
			if m.Backing != model.BackMedia || a.has("-vtd") && m.Target != a.val("-vtd") {
				continue
			}
			media, size := "No Media", "n/a"
			if o, _ := c.tx.Get(model.KindMedia, m.BackingID).(*model.OpticalMedia); o != nil {
				media, size = o.Name, strconv.Itoa(o.SizeMB)
			}
			rows = append(rows, []string{m.Target, media, size})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return devLess(rows[i][0], rows[j][0]) })
	if a.has("-vtd") && len(rows) == 0 {
		return noDevice(a.val("-vtd"))
	}
	if a.has("-field") || a.has("-fmt") {
		all := []string{"vtd", "media", "size"}
		return c.fieldRows(a, all, all, rows, "lsvopt")
	}
	ls := []string{fmt.Sprintf("%-16s%-40s%8s", "VTD", "Media", "Size(mb)")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf("%-16s%-40s%8s", r[0], r[1], r[2]))
	}
	return ok(lines(ls))
}
