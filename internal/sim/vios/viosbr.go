package vios

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// viosbr: back up the VIOS's virtual and logical configuration to a
// file, show what a backup holds, restore it.
//
// Syntax, the default directory (/home/padmin/cfgbackups for a relative
// name), the .tar.gz suffix, "Backup of this node (<host>) successful" and
// "File <name> does not exist." follow IBM's viosbr reference and its
// ansible-power-vios module; -view's sections follow the layout of IBM's
// examples (a title underlined with "=", then columns headed by names
// underlined with "-"). What IBM does not show (the restore report, the
// messages of refusals) is ours and says plainly what happened.

var viosbrSpec = flagSpec{
	"-backup": 0, "-view": 0, "-restore": 0, "-nobackup": 0, "-recoverdb": 0, "-migrate": 0, "-dr": 0,
	"-file": 1, "-frequency": 1, "-numfiles": 1, "-clustername": 1,
	"-type": 1, "-detail": 0, "-mapping": 0, "-list": optional,
	"-validate": 0, "-inter": 0, "-force": 0, "-skipdevattr": 0, "-skipcluster": 0,
}

// viosbr flags each operation accepts (besides itself).
var viosbrAllowed = map[string][]string{
	"-backup":   {"-file", "-frequency", "-numfiles", "-clustername"},
	"-nobackup": {},
	"-view":     {"-file", "-type", "-detail", "-mapping", "-list", "-clustername"},
	"-restore":  {"-file", "-validate", "-inter", "-force", "-type", "-skipdevattr", "-skipcluster", "-clustername"},
}

func (c *cli) viosbr(args []string) Result {
	a, bad := parseArgs(args, viosbrSpec, 0)
	if bad != nil {
		return c.usage(bad, "viosbr")
	}
	if a.count("-recoverdb", "-migrate", "-dr") > 0 {
		return fail(codeUnsupported, "viosbr: -recoverdb, -migrate and -dr are not supported by the simulated Virtual I/O Server; nothing was done.")
	}
	if a.count("-backup", "-view", "-restore", "-nobackup") != 1 {
		return c.usage(nil, "viosbr")
	}
	var op string
	for o := range viosbrAllowed {
		if a.has(o) {
			op = o
		}
	}
	for f := range a.flags {
		if f != op && !containsStr(viosbrAllowed[op], f) {
			return c.usage(nil, "viosbr")
		}
	}
	if a.has("-clustername") {
		return fail(codeUnsupported, "viosbr: cluster backups (-clustername) are not supported by the simulated Virtual I/O Server; back up each node, whose backup holds its pool's logical units.")
	}
	switch op {
	case "-backup":
		return c.viosbrBackup(a)
	case "-nobackup":
		// The simulated VIOS schedules no backups (-frequency takes one
		// now); there is nothing to stop.
		return ok("")
	case "-view":
		if a.has("-list") {
			if a.count("-file", "-type", "-detail", "-mapping") > 0 {
				return c.usage(nil, "viosbr")
			}
			return c.viosbrList(a.val("-list"))
		}
		if !a.has("-file") || a.has("-mapping") && a.count("-type", "-detail") > 0 {
			return c.usage(nil, "viosbr")
		}
		return c.viosbrView(a)
	}
	if !a.has("-file") || a.count("-validate", "-inter", "-force") > 1 {
		return c.usage(nil, "viosbr")
	}
	return c.viosbrRestore(a)
}

// ---- -backup -------------------------------------------------------------------

// viosbrBackup writes the device configuration to FileName.tar.gz (with
// -frequency, FileName.NN.tar.gz, keeping the -numfiles newest).
//
// A real VIOS schedules -frequency backups with cron; the simulated one
// has no cron: it takes the backup now, numbered, and drops the oldest
// beyond -numfiles. Scheduled backups of the NovaLink host are the
// daemon's business.
func (c *cli) viosbrBackup(a *argv) Result {
	numfiles := 10
	freq := a.val("-frequency")
	switch {
	case a.has("-numfiles") && !a.has("-frequency"):
		return c.usage(nil, "viosbr")
	case a.has("-frequency") && freq != "daily" && freq != "weekly" && freq != "monthly":
		return fail(codeUsage, "The frequency %q is not valid: use daily, weekly or monthly.", freq)
	}
	if a.has("-numfiles") {
		n, err := strconv.Atoi(a.val("-numfiles"))
		if err != nil || n < 1 || n > 99 {
			return fail(codeUsage, "The number of files %q is not valid: give 1 to 99.", a.val("-numfiles"))
		}
		numfiles = n
	}
	p, r := backupPath(a.val("-file"))
	if r != nil {
		return *r
	}
	if r := c.checkDir(path.Dir(p)); r != nil {
		return *r
	}
	var drop []string
	if freq != "" {
		p, drop = c.rotation(p, numfiles)
	}
	if fi, err := c.fs.Stat(p); err == nil && fi.Dir {
		return fail(codeFailed, "%s is a directory; give the name of a file.", p)
	}
	doc := c.buildDoc(docOptions{})
	body, err := doc.encode()
	if err != nil {
		return fail(codeFailed, "The backup of this node (%s) failed: %v", hostname(c.v), err)
	}
	data, err := makeArchive([]member{{doc.xmlName(), body}}, c.tx.Now(), true)
	if err != nil {
		return fail(codeFailed, "The backup of this node (%s) failed: %v", hostname(c.v), err)
	}
	if err := c.fs.Write(p, data, c.tx.Now()); err != nil {
		return fail(codeFailed, "The backup file %s cannot be written: %v", p, err)
	}
	for _, old := range drop {
		_ = c.fs.Remove(old) // an older backup that stays is harmless
	}
	return ok(fmt.Sprintf("Backup of this node (%s) successful\n", hostname(c.v)))
}

// backupPath is where -backup -file name goes: under CfgBackups when
// relative, with .tar.gz appended when missing.
func backupPath(name string) (string, *Result) {
	p, r := vios2abs(name)
	if r != nil {
		return "", r
	}
	if !strings.HasSuffix(p, ".tar.gz") {
		p += ".tar.gz"
	}
	return p, nil
}

// vios2abs resolves a file name as viosbr does (relative: under
// CfgBackups) and checks it.
func vios2abs(name string) (string, *Result) {
	if name == "" || strings.HasSuffix(name, "/") {
		r := fail(codeUsage, "The file name %q is not valid.", name)
		return "", &r
	}
	p := name
	if !strings.HasPrefix(p, "/") {
		p = CfgBackups + "/" + p
	}
	p, err := CleanPath(p)
	if err != nil {
		r := fail(codeUsage, "The file name %q is not valid: give a path without \"..\".", name)
		return "", &r
	}
	return p, nil
}

// checkDir checks that a directory exists on the VIOS.
func (c *cli) checkDir(dir string) *Result {
	fi, err := c.fs.Stat(dir)
	switch {
	case err == nil && fi.Dir:
		return nil
	case err == nil:
		r := fail(codeFailed, "%s is not a directory.", dir)
		return &r
	case errors.Is(err, fs.ErrNotExist):
		r := fail(codeFailed, "The directory %s does not exist.", dir)
		return &r
	}
	r := fail(codeFailed, "The directory %s cannot be read: %v", dir, err)
	return &r
}

// rotation returns the next numbered name of a -frequency backup
// (base.NN.tar.gz after the highest number in use) and the oldest ones
// to remove so that numfiles remain.
func (c *cli) rotation(p string, numfiles int) (string, []string) {
	base := strings.TrimSuffix(p, ".tar.gz")
	dir, stem := path.Split(base)
	entries, _ := c.fs.List(path.Clean(dir))
	var nums []int
	for _, e := range entries {
		mid, found := strings.CutPrefix(e.Name, stem+".")
		if !found || e.Dir {
			continue
		}
		mid, found = strings.CutSuffix(mid, ".tar.gz")
		if n, err := strconv.Atoi(mid); found && err == nil && n > 0 && mid == fmt.Sprintf("%02d", n) {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	next := 1
	if len(nums) > 0 {
		next = nums[len(nums)-1] + 1
	}
	name := func(n int) string { return fmt.Sprintf("%s.%02d.tar.gz", base, n) }
	var drop []string
	for i := 0; len(nums)-i+1 > numfiles; i++ {
		drop = append(drop, name(nums[i]))
	}
	return name(next), drop
}

// ---- -view ------------------------------------------------------------------------

// openBackup reads and parses a backup file (relative: under CfgBackups;
// .tar.gz may be left out).
func (c *cli) openBackup(name string) (*backupDoc, string, *Result) {
	p, r := vios2abs(name)
	if r != nil {
		return nil, "", r
	}
	data, err := c.fs.Read(p)
	if errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(p, ".tar.gz") {
		if d, err2 := c.fs.Read(p + ".tar.gz"); err2 == nil {
			p, data, err = p+".tar.gz", d, nil
		}
	}
	if err != nil {
		if fi, serr := c.fs.Stat(p); serr == nil && fi.Dir {
			r := fail(codeFailed, "%s is a directory, not a backup file.", p)
			return nil, "", &r
		}
		if errors.Is(err, fs.ErrNotExist) {
			r := fail(codeFailed, "File %s does not exist.", p)
			return nil, "", &r
		}
		r := fail(codeFailed, "File %s cannot be read: %v", p, err)
		return nil, "", &r
	}
	doc, err := parseBackup(data)
	if err != nil {
		r := fail(codeFailed, "File %s is not a valid viosbr backup file: %v.", p, err)
		return nil, "", &r
	}
	return doc, p, nil
}

// viewTypes are -view's device types, in the order of its sections.
var viewTypes = []string{"controller", "pv", "optical", "tape", "interface", "ethchannel", "sea", "sp", "fbsp",
	"repository", "svsa", "svfca", "cluster", "pool", "vbsd", "vrmpage"}

func (c *cli) viosbrView(a *argv) Result {
	t := a.val("-type")
	if a.has("-type") && !containsStr(viewTypes, t) {
		return fail(codeUsage, "The device type %q is not valid. Valid types: %s.", t, strings.Join(viewTypes, ", "))
	}
	doc, _, r := c.openBackup(a.val("-file"))
	if r != nil {
		return *r
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Details in: %s\n\n", doc.xmlName())
	if a.has("-mapping") {
		b.WriteString(viewMapping(doc))
		return ok(b.String())
	}
	detail := a.has("-detail")
	for _, s := range viewTypes {
		if t == "" || t == s {
			b.WriteString(viewSection(doc, s, detail))
		}
	}
	return ok(strings.TrimRight(b.String(), "\n") + "\n")
}

// table prints a titled section: the title underlined with "=", the
// column names underlined with "-", the rows, a blank line.
func table(title string, header []string, rows [][]string) string {
	under := make([]string, len(header))
	for i, h := range header {
		under[i] = strings.Repeat("-", len(h))
	}
	ls := []string{title, strings.Repeat("=", len(title))}
	ls = append(ls, aligned(header, append([][]string{under}, rows...), 4)...)
	return lines(append(ls, ""))
}

// cols picks the detail columns of a row when detail is set.
func cols(detail bool, base []string, extra ...string) []string {
	if detail {
		return append(append([]string{}, base...), extra...)
	}
	return base
}

func viewSection(d *backupDoc, t string, detail bool) string {
	var rows [][]string
	switch t {
	case "controller":
		for _, x := range d.Controllers {
			rows = append(rows, cols(detail, []string{x.Name, x.Location}, x.WWPN))
		}
		return table("Controllers:", cols(detail, []string{"Name", "Phys Loc"}, "WWPN"), rows)
	case "pv":
		for _, x := range d.PVs {
			rows = append(rows, cols(detail, []string{x.Name, x.Location}, sizeStr(x.SizeMB), x.PVID, x.UDID))
		}
		return table("Physical Volumes:", cols(detail, []string{"Name", "Phys Loc"}, "Size(MB)", "PVID", "UDID"), rows)
	case "optical":
		return table("Optical Devices:", []string{"Name", "Phys Loc"}, nil)
	case "tape":
		return table("Tape devices:", []string{"Name", "Phys Loc"}, nil)
	case "interface":
		return table("Ethernet Interface(s):", []string{"Name"}, nil)
	case "ethchannel":
		return table("Etherchannels:", []string{"Name", "Prim", "Backup"}, nil)
	case "sea":
		for _, x := range d.SEAs {
			var trunks []string
			for _, tr := range x.Trunks {
				trunks = append(trunks, tr.Name)
			}
			rows = append(rows, cols(detail, []string{x.Name, x.Backing, strings.Join(trunks, ",")}, strconv.Itoa(x.PVID)))
		}
		return table("Shared Ethernet Adapters:", cols(detail, []string{"Name", "Target Adapter", "Virtual Adapters"}, "PVID"), rows)
	case "sp":
		for _, vg := range d.VGs {
			name := vg.Name
			if vg.Default {
				name += "*"
			}
			total := 0
			for _, m := range vg.Members {
				for _, p := range d.PVs {
					if p.UUID == m.UUID {
						total += p.SizeMB
					}
				}
			}
			for i, m := range vg.Members {
				first := ""
				size := ""
				if i == 0 {
					first, size = name, sizeStr(total)
				}
				rows = append(rows, cols(detail, []string{first, m.Name}, size))
			}
			for _, l := range vg.LVs {
				rows = append(rows, cols(detail, []string{"", l.Name}, sizeStr(l.SizeMB)))
			}
		}
		return table("Storage Pools (*-default):", cols(detail, []string{"Name", "PV/LV"}, "Size(MB)"), rows)
	case "fbsp":
		return table("File Backed Storage Pools:", []string{"Name", "Parent SP"}, nil)
	case "repository":
		var media [][]string
		if r := d.Repository; r != nil {
			rows = append(rows, cols(detail, []string{r.Name, r.VG}, sizeStr(r.SizeMB)))
			for _, m := range r.Media {
				media = append(media, []string{m.Name, sizeStr(m.SizeMB), m.MountType})
			}
		}
		out := table("Optical Repository:", cols(detail, []string{"Name", "Parent SP"}, "Size(MB)"), rows)
		if len(media) > 0 {
			out += table("Virtual Optical Media:", []string{"Name", "Size(MB)", "Access"}, media)
		}
		return out
	case "svsa":
		for _, h := range d.SVSAs {
			if len(h.VTDs) == 0 {
				rows = append(rows, cols(detail, []string{h.Name, "", h.Location}, "", "", strconv.Itoa(h.ClientID)))
			}
			for i, v := range h.VTDs {
				name, loc, client := "", "", ""
				if i == 0 {
					name, loc, client = h.Name, h.Location, strconv.Itoa(h.ClientID)
				}
				rows = append(rows, cols(detail, []string{name, v.Name, loc}, v.LUA, backingDisplay(v), client))
			}
		}
		return table("VSCSI Server Adapters:", cols(detail, []string{"SVSA", "VTD", "Phys Loc"}, "LUN", "Backing device", "Client ID"), rows)
	case "svfca":
		for _, x := range d.SVFCs {
			rows = append(rows, cols(detail, []string{x.Name, x.Port, x.Location}, strconv.Itoa(x.ClientID), x.WWPNs))
		}
		return table("SVFC Adapters:", cols(detail, []string{"Name", "FC Adapter", "Phys Loc"}, "Client ID", "WWPNs"), rows)
	case "cluster":
		if cl := d.Cluster; cl != nil {
			rows = append(rows, []string{cl.Name, cl.ID})
		}
		return table("Cluster:", []string{"Name", "ID"}, rows)
	case "pool":
		var lus [][]string
		if cl := d.Cluster; cl != nil {
			rows = append(rows, []string{cl.Pool.Name, cl.Pool.Tier, cl.Name})
			for _, l := range cl.Pool.LUs {
				prov := "THICK"
				if l.Thin {
					prov = "THIN"
				}
				typ := "DISK"
				if l.Type == "VirtualIO_Image" {
					typ = "IMAGE"
				}
				lus = append(lus, []string{l.Name, sizeStr(l.SizeMB), prov, typ, shortUDID(l.UDID)})
			}
		}
		out := table("Pools:", []string{"Name", "Tier", "Cluster"}, rows)
		if len(lus) > 0 {
			out += table("Logical Units:", []string{"Name", "Size(MB)", "ProvisionType", "Type", "UDID"}, lus)
		}
		return out
	case "vbsd":
		return table("VBSD Pools:", []string{"Name"}, nil)
	case "vrmpage":
		return table("VRM Pages:", []string{"Name", "StreamID"}, nil)
	}
	return ""
}

func shortUDID(u string) string {
	if len(u) > 32 {
		return u[len(u)-32:]
	}
	return u
}

// backingDisplay is a target's backing device as lsmap shows it.
func backingDisplay(v vtdXML) string {
	switch v.Backing {
	case "VOPT":
		if v.BackingName != "" {
			return "/var/vio/VMLibrary/" + v.BackingName
		}
	case "LU":
		return v.BackingName + "." + shortUDID(v.BackingUDID)
	}
	return v.BackingName
}

// viewMapping prints the mappings of a backup as lsmap -all, lsmap -all
// -npiv and lsmap -all -net print them on a VIOS.
func viewMapping(d *backupDoc) string {
	var ls []string
	for _, h := range d.SVSAs {
		ls = append(ls, fmt.Sprintf("%-15s %-44s %s", "SVSA", "Physloc", "Client Partition ID"),
			fmt.Sprintf("%s %s %s", strings.Repeat("-", 15), strings.Repeat("-", 44), strings.Repeat("-", 18)),
			fmt.Sprintf("%-15s %-44s 0x%08x", h.Name, h.Location, h.ClientID), "")
		if len(h.VTDs) == 0 {
			ls = append(ls, fmt.Sprintf("%-22s%s", "VTD", "NO VIRTUAL TARGET DEVICE FOUND"), "")
		}
		for _, v := range h.VTDs {
			mirrored := "N/A"
			if v.Backing == "PV" {
				mirrored = "false"
			}
			ls = append(ls, fmt.Sprintf("%-22s%s", "VTD", v.Name), fmt.Sprintf("%-22s%s", "Status", "Available"),
				fmt.Sprintf("%-22s%s", "LUN", v.LUA), fmt.Sprintf("%-22s%s", "Backing device", backingDisplay(v)),
				fmt.Sprintf("%-22s%s", "Physloc", v.BackingLoc), fmt.Sprintf("%-22s%s", "Mirrored", mirrored), "")
		}
	}
	for _, x := range d.SVFCs {
		ls = append(ls, fmt.Sprintf("%-13s %-34s %6s %-14s %s", "Name", "Physloc", "ClntID", "ClntName", "ClntOS"),
			fmt.Sprintf("%s %s %s %s %s", strings.Repeat("-", 13), strings.Repeat("-", 34), strings.Repeat("-", 6),
				strings.Repeat("-", 14), strings.Repeat("-", 7)),
			fmt.Sprintf("%-13s %-34s %6d %-14s", x.Name, x.Location, x.ClientID, x.ClientName), "",
			fmt.Sprintf("FC name:%-24sFC loc code:%s", x.Port, x.PortLoc),
			"VFC client WWPNs:"+x.WWPNs,
			fmt.Sprintf("VFC client slot:%d", x.ClientSlot), "")
	}
	for _, s := range d.SEAs {
		ls = append(ls, fmt.Sprintf("%-7s%s", "SVEA", "Physloc"),
			fmt.Sprintf("%s %s", strings.Repeat("-", 6), strings.Repeat("-", 44)))
		for _, t := range s.Trunks {
			ls = append(ls, fmt.Sprintf("%-7s%s", t.Name, t.Location))
		}
		ls = append(ls, "", fmt.Sprintf("%-22s%s", "SEA", s.Name), fmt.Sprintf("%-22s%s", "Backing device", s.Backing),
			fmt.Sprintf("%-22s%s", "Status", "Available"), fmt.Sprintf("%-22s%s", "Physloc", s.Location), "")
	}
	if len(ls) == 0 {
		return "No mappings.\n"
	}
	return lines(ls)
}

// ---- -view -list --------------------------------------------------------------------

// viosbrList lists the backup files (*.tar.gz) of a directory (default
// CfgBackups).
func (c *cli) viosbrList(dir string) Result {
	if dir == "" {
		dir = CfgBackups
	}
	p, r := vios2abs(dir)
	if r != nil {
		return *r
	}
	if r := c.checkDir(p); r != nil {
		return *r
	}
	entries, err := c.fs.List(p)
	if err != nil {
		return fail(codeFailed, "The directory %s cannot be read: %v", p, err)
	}
	var rows [][]string
	for _, e := range entries {
		if !e.Dir && strings.HasSuffix(e.Name, ".tar.gz") {
			rows = append(rows, []string{e.Name, e.ModTime.UTC().Format(time.UnixDate)})
		}
	}
	if len(rows) == 0 {
		return ok(fmt.Sprintf("No backup files were found in %s.\n", p))
	}
	w := len("FileName")
	for _, r := range rows {
		w = max(w, len(r[0]))
	}
	ls := []string{fmt.Sprintf("%-*s%s", w+4, "FileName", "DateTime"), fmt.Sprintf("%-*s%s", w+4, "--------", "--------")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf("%-*s%s", w+4, r[0], r[1]))
	}
	return ok(lines(ls))
}
