package vios

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
)

// The disk and LVM commands: lspv, lsvg, mkvg, mklv, rmlv.

var lspvSpec = flagSpec{"-avail": 0, "-free": 0, "-size": 0, "-field": many, "-fmt": 1, "-clustername": 1, "-sp": 1, "-state": 0}

// pvUse says what holds a disk: its volume group's name ("" for none;
// the cluster's repository disk is in caavg_private) and whether it is
// free for a volume group or as a backing device.
func (c *cli) pvUse(p *model.PhysicalVolume) (vg string, free bool) {
	switch {
	case p.VG != "":
		if g, _ := c.tx.Get(model.KindVG, p.VG).(*model.VolumeGroup); g != nil {
			return g.Name, false
		}
		return "", false
	case p.Cluster:
		if cl := c.myCluster(); cl != nil && cl.Repository == p.UDID {
			return "caavg_private", false
		}
		return "", false
	}
	return "", len(MappingsOf(c.tx, model.BackPV, p.UUID)) == 0
}

// lspv lists the physical volumes: NAME, PVID, VG, STATUS; with -free or
// -avail the ones a volume group or mapping may take, with -size every
// one, both as NAME, PVID, SIZE(megabytes).
func (c *cli) lspv(args []string) Result {
	a, bad := parseArgs(args, lspvSpec, 0)
	if bad != nil {
		return c.usage(bad, "lspv")
	}
	if a.count("-avail", "-free", "-size") > 1 || a.has("-clustername") != a.has("-sp") ||
		a.has("-clustername") && a.count("-avail", "-free", "-size", "-field", "-fmt") > 0 {
		return c.usage(nil, "lspv")
	}
	if a.has("-clustername") {
		return c.lspvPool(a)
	}
	sizes := a.count("-avail", "-free", "-size") > 0
	var rows [][]string
	for _, p := range PVs(c.tx, c.v.UUID) {
		vg, free := c.pvUse(p)
		if (a.has("-free") || a.has("-avail")) && !free {
			continue
		}
		status := ""
		if vg != "" {
			status = "active"
		} else {
			vg = "None"
		}
		rows = append(rows, []string{p.Name, p.PVID, vg, status, strconv.Itoa(p.CapacityMB)})
	}
	if a.has("-field") || a.has("-fmt") {
		all := []string{"name", "pvid", "vg", "status", "size"}
		if !a.has("-field") {
			if sizes {
				a.flags["-field"] = []string{"name", "pvid", "size"}
			} else {
				a.flags["-field"] = []string{"name", "pvid", "vg", "status"}
			}
		}
		return c.fieldRows(a, all, all, rows, "lspv")
	}
	var ls []string
	if sizes {
		ls = append(ls, fmt.Sprintf("%-16s%-36s%s", "NAME", "PVID", "SIZE(megabytes)"))
		for _, r := range rows {
			ls = append(ls, fmt.Sprintf("%-16s%-36s%s", r[0], r[1], r[4]))
		}
	} else {
		ls = append(ls, fmt.Sprintf("%-17s%-37s%-17s%s", "NAME", "PVID", "VG", "STATUS"))
		for _, r := range rows {
			ls = append(ls, fmt.Sprintf("%-17s%-37s%-17s%s", r[0], r[1], r[2], r[3]))
		}
	}
	return ok(lines(ls))
}

// lspvPool lists the disks of the shared storage pool.
func (c *cli) lspvPool(a *argv) Result {
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	ls := []string{fmt.Sprintf("%-17s%-12s%s", "PV NAME", "SIZE(MB)", "PV UDID")}
	if a.has("-state") {
		ls[0] = fmt.Sprintf("%-17s%-12s%-10s%s", "PV NAME", "SIZE(MB)", "STATE", "PV UDID")
	}
	for _, p := range PVs(c.tx, c.v.UUID) {
		if !p.Cluster || !containsStr(ssp.PVs, p.UDID) {
			continue
		}
		if a.has("-state") {
			ls = append(ls, fmt.Sprintf("%-17s%-12d%-10s%s", p.Name, p.CapacityMB, "ONLINE", p.UDID))
		} else {
			ls = append(ls, fmt.Sprintf("%-17s%-12d%s", p.Name, p.CapacityMB, p.UDID))
		}
	}
	return ok(lines(ls))
}

// lsvg lists the volume groups in the order they were made: rootvg
// first, the cluster's caavg_private when the cluster came.
func (c *cli) lsvg(args []string) Result {
	if _, bad := parseArgs(args, nil, 0); bad != nil {
		return c.usage(bad, "lsvg")
	}
	type vgAt struct {
		name string
		at   int64
	}
	var vgs []vgAt
	for _, vg := range VGs(c.tx, c.v.UUID) {
		at := vg.Created
		if vg.Name == "rootvg" {
			at = -1
		}
		vgs = append(vgs, vgAt{vg.Name, at})
	}
	if cl := c.myCluster(); cl != nil {
		vgs = append(vgs, vgAt{"caavg_private", cl.Created})
	}
	sort.SliceStable(vgs, func(i, j int) bool {
		return vgs[i].at < vgs[j].at || vgs[i].at == vgs[j].at && vgs[i].name < vgs[j].name
	})
	var ls []string
	for _, vg := range vgs {
		ls = append(ls, vg.name)
	}
	return ok(lines(ls))
}

var mkvgSpec = flagSpec{"-f": 0, "-vg": 1}

// mkvg makes a volume group over free disks and prints its name (vg00,
// vg01 ... without -vg).
func (c *cli) mkvg(args []string) Result {
	a, bad := parseArgs(args, mkvgSpec, -1)
	if bad != nil {
		return c.usage(bad, "mkvg")
	}
	if len(a.pos) == 0 {
		return c.usage(nil, "mkvg")
	}
	var pvs []*model.PhysicalVolume
	seen := map[string]bool{}
	for _, n := range a.pos {
		p := PVByName(c.tx, c.v.UUID, n)
		if p == nil {
			return noDevice(n)
		}
		if !seen[p.UUID] {
			seen[p.UUID] = true
			pvs = append(pvs, p)
		}
	}
	name := a.val("-vg")
	if name == "" {
		used := map[string]bool{}
		for _, vg := range VGs(c.tx, c.v.UUID) {
			used[vg.Name] = true
		}
		name = nextName2("vg", used)
	}
	if r := c.nameTaken(name); r != nil {
		return *r
	}
	vg, err := CreateVG(c.tx, c.v, name, pvs)
	if err != nil {
		return errResult(err)
	}
	return ok(vg.Name + "\n")
}

// nextName2 returns prefix+NN (two digits at least) for the lowest NN not
// in used, as AIX names volume groups and logical volumes.
func nextName2(prefix string, used map[string]bool) string {
	for i := 0; ; i++ {
		if n := fmt.Sprintf("%s%02d", prefix, i); !used[n] {
			return n
		}
	}
}

var mklvSpec = flagSpec{"-lv": 1, "-prefix": 1, "-type": 1, "-mirror": 0}

// mklv makes a logical volume and prints its name (lv00, lv01 ... or
// Prefix00 ... without -lv).
func (c *cli) mklv(args []string) Result {
	a, bad := parseArgs(args, mklvSpec, -1)
	if bad != nil {
		return c.usage(bad, "mklv")
	}
	if len(a.pos) < 2 || a.has("-lv") && a.has("-prefix") {
		return c.usage(nil, "mklv")
	}
	if a.has("-mirror") {
		return fail(codeUnsupported, "mklv: mirrored logical volumes are not supported by the simulated Virtual I/O Server.")
	}
	switch t := a.val("-type"); t {
	case "", "jfs", "jfs2", "jfslog", "jfs2log", "paging", "sysdump", "boot", "raw":
	default:
		return fail(codeUsage, "The logical volume type %q is not valid.", t)
	}
	vg := VGByName(c.tx, c.v.UUID, a.pos[0])
	if vg == nil {
		return noDevice(a.pos[0])
	}
	size, good := parseSizeMB(a.pos[1])
	if !good {
		return fail(codeUsage, "The size %q is not valid: give megabytes, or gigabytes with a G suffix.", a.pos[1])
	}
	for _, n := range a.pos[2:] {
		p := PVByName(c.tx, c.v.UUID, n)
		if p == nil {
			return noDevice(n)
		}
		if p.VG != vg.UUID {
			return fail(codeFailed, "The physical volume %s is not in volume group %s.", n, vg.Name)
		}
	}
	name := a.val("-lv")
	if name == "" {
		prefix := a.val("-prefix")
		if prefix == "" {
			prefix = "lv"
		}
		used := map[string]bool{}
		c.tx.Each(model.KindLV, func(o model.Object) {
			if l := o.(*model.LogicalVolume); l.VIOS == c.v.UUID {
				used[l.Name] = true
			}
		})
		name = nextName2(prefix, used)
	}
	if r := c.nameTaken(name); r != nil {
		return *r
	}
	lv, err := CreateLV(c.tx, vg, name, size, "")
	if err != nil {
		return errResult(err)
	}
	return ok(lv.Name + "\n")
}

var rmlvSpec = flagSpec{"-f": 0}

// rmlv removes logical volumes. viosvrcmd gives the command no terminal to
// confirm on, so it removes them without asking, with or without -f.
func (c *cli) rmlv(args []string) Result {
	a, bad := parseArgs(args, rmlvSpec, -1)
	if bad != nil {
		return c.usage(bad, "rmlv")
	}
	if len(a.pos) == 0 {
		return c.usage(nil, "rmlv")
	}
	var out []string
	for _, n := range a.pos {
		lv := LVByName(c.tx, c.v.UUID, n)
		if lv == nil {
			return noDevice(n)
		}
		if err := RemoveLV(c.tx, lv); err != nil {
			return errResult(err)
		}
		out = append(out, "rmlv: Logical volume "+n+" is removed.")
	}
	return ok(lines(out))
}
