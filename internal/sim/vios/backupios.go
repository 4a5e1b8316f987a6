package vios

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"
)

// backupios: an installable image of the VIOS. The syntax follows IBM's
// backupios reference: -file Directory writes nim_resources.tar into the
// directory (for NIM), -file FileName -mksysb a mksysb image, -cd Device
// {-udf | -cdformat} a bootable DVD; -nomedialib leaves the media
// repository out, -nosvg the structures of user volume groups. The
// progress messages are AIX mksysb's and mkcd's.
//
// The simulated VIOS has no operating system to save: an image is an
// archive holding a MANIFEST (what the image is and holds, dated by the
// transaction's clock) and the device configuration viosbr writes
// (<hostname>.xml). The mksysb image and the DVD are gzip-compressed tars;
// nim_resources.tar is a plain tar, as its name says. The DVD written to
// /dev/cd0 is kept as the file /dev/cd0.udf.img (-cdformat:
// /dev/cd0.cdformat.img).

var backupiosSpec = flagSpec{
	"-file": 1, "-mksysb": 0, "-nopak": 0, "-nosvg": 0, "-nomedialib": 0, "-exclude": 0,
	"-tape": 1, "-blocks": 1, "-verify": 0, "-cd": 1, "-udf": 0, "-cdformat": 0, "-accept": 0,
}

// backupiosAllowed are the flags each target accepts (besides itself).
var backupiosAllowed = map[string][]string{
	"-file": {"-mksysb", "-nopak", "-nosvg", "-nomedialib", "-exclude"},
	"-tape": {"-blocks", "-nopak", "-verify", "-nosvg", "-nomedialib", "-exclude"},
	"-cd":   {"-udf", "-cdformat", "-accept", "-nosvg", "-nomedialib", "-exclude"},
}

func (c *cli) backupios(args []string) Result {
	a, bad := parseArgs(args, backupiosSpec, 0)
	if bad != nil {
		return c.usage(bad, "backupios")
	}
	if a.count("-file", "-tape", "-cd") != 1 {
		return c.usage(nil, "backupios")
	}
	var target string
	for t := range backupiosAllowed {
		if a.has(t) {
			target = t
		}
	}
	for f := range a.flags {
		if f != target && !containsStr(backupiosAllowed[target], f) {
			return c.usage(nil, "backupios")
		}
	}
	if a.has("-nopak") && target == "-file" && !a.has("-mksysb") {
		return c.usage(nil, "backupios")
	}
	opt := docOptions{noMediaLib: a.has("-nomedialib") || a.has("-exclude"), noSVG: a.has("-nosvg")}
	switch target {
	case "-tape":
		return noDevice(strings.TrimPrefix(a.val("-tape"), "/dev/"))
	case "-cd":
		return c.backupCD(a, opt)
	}
	return c.backupFile(a, opt)
}

// backupFile writes a mksysb image (-mksysb) or nim_resources.tar into a
// directory.
func (c *cli) backupFile(a *argv, opt docOptions) Result {
	p := a.val("-file")
	if !strings.HasPrefix(p, "/") {
		p = "/home/padmin/" + p
	}
	p, err := CleanPath(p)
	if err != nil || p == "/" {
		return fail(codeUsage, "The path %q is not valid: give a path without \"..\".", a.val("-file"))
	}
	fi, serr := c.fs.Stat(p)
	exists := serr == nil
	if serr != nil && !errors.Is(serr, fs.ErrNotExist) {
		return fail(codeFailed, "%s cannot be read: %v", p, serr)
	}
	kind := "nim_resources"
	var out string
	switch {
	case a.has("-mksysb") && exists && fi.Dir:
		out = path.Join(p, hostname(c.v)+".mksysb")
		kind = "mksysb"
	case a.has("-mksysb"):
		if r := c.checkDir(path.Dir(p)); r != nil {
			return *r
		}
		out, kind = p, "mksysb"
	case exists && !fi.Dir:
		return fail(codeFailed, "%s is not a directory: give the directory for nim_resources.tar, or add -mksysb to write a mksysb image file.", p)
	default:
		if !exists {
			if r := c.checkDir(path.Dir(p)); r != nil {
				return *r
			}
		}
		out = path.Join(p, "nim_resources.tar")
	}
	if fi, err := c.fs.Stat(out); err == nil && fi.Dir {
		return fail(codeFailed, "%s is a directory.", out)
	}
	data, n, err := c.image(kind, out, opt, kind == "mksysb")
	if err != nil {
		return fail(codeFailed, "The backup failed: %v", err)
	}
	if err := c.fs.Write(out, data, c.tx.Now()); err != nil {
		return fail(codeFailed, "The backup image %s cannot be written: %v", out, err)
	}
	msg := c.mksysbMessages(opt, n)
	if kind == "nim_resources" {
		msg += fmt.Sprintf("\nThe backup image is %s.\n", out)
	}
	return ok(msg)
}

// backupCD writes a bootable DVD image to the VIOS's DVD-RAM drive (cd0).
func (c *cli) backupCD(a *argv, opt docOptions) Result {
	if a.count("-udf", "-cdformat") != 1 {
		return c.usage(&badArgs{msg: "Give one of -udf (a UDF file system on DVD-RAM media) or -cdformat (CD format)."}, "backupios")
	}
	if !a.has("-accept") {
		return c.usage(&badArgs{msg: "The backup media hold licensed programs: accept their licenses with -accept (viosvrcmd cannot ask)."}, "backupios")
	}
	dev := strings.TrimPrefix(a.val("-cd"), "/dev/")
	if dev != "cd0" {
		return noDevice(dev)
	}
	format := "udf"
	if a.has("-cdformat") {
		format = "cdformat"
	}
	out := "/dev/" + dev + "." + format + ".img"
	data, n, err := c.image(format, "/dev/"+dev, opt, true)
	if err != nil {
		return fail(codeFailed, "The backup failed: %v", err)
	}
	if err := c.fs.Write(out, data, c.tx.Now()); err != nil {
		return fail(codeFailed, "The media in /dev/%s cannot be written: %v", dev, err)
	}
	var b strings.Builder
	b.WriteString("Initializing mkcd log: /var/adm/ras/mkcd.log...\nVerifying command parameters...\n" +
		"Creating image.data file...\nCreating temporary file system: /mkcd/mksysb_image...\nCreating mksysb image...\n")
	b.WriteString(c.mksysbMessages(opt, n))
	b.WriteString("Populating the CD or DVD file system...\nBuilding chrp boot image...\n")
	if format == "udf" {
		fmt.Fprintf(&b, "Creating UDF file system on /dev/%s...\n", dev)
	}
	fmt.Fprintf(&b, "Copying backup to the CD or DVD file system...\nWriting the CD or DVD image to device: /dev/%s...\n"+
		"Removing temporary file system: /mkcd/mksysb_image...\n", dev)
	return ok(b.String())
}

// mksysbMessages is what mksysb prints while it saves rootvg (and savevg
// for each user volume group's structure).
func (c *cli) mksysbMessages(opt docOptions, files int) string {
	var b strings.Builder
	if !opt.noSVG {
		for _, vg := range VGs(c.tx, c.v.UUID) {
			if vg.Name != "rootvg" && vg.ReservedMB == 0 {
				fmt.Fprintf(&b, "Creating information file for volume group %s.\n\n", vg.Name)
			}
		}
	}
	b.WriteString("Backup in progress.  This command can take a considerable amount of time\nto complete, please be patient...\n\n" +
		"Creating information file (/image.data) for rootvg.\n\nCreating list of files to back up.\n\n")
	fmt.Fprintf(&b, "Backing up %d files\n\n%d of %d files backed up (100%%)\n0512-038 mksysb: Backup Completed Successfully.\n", files, files, files)
	return b.String()
}

// image makes a backup image: MANIFEST and the device configuration,
// gzip-compressed when gz. It returns the archive and its number of files.
func (c *cli) image(kind, target string, opt docOptions, gz bool) ([]byte, int, error) {
	doc := c.buildDoc(opt)
	body, err := doc.encode()
	if err != nil {
		return nil, 0, err
	}
	members := []member{{"MANIFEST", c.manifest(doc, kind, target, opt)}, {doc.xmlName(), body}}
	data, err := makeArchive(members, c.tx.Now(), gz)
	return data, len(members), err
}

// manifest says what an image is and holds, one KEY=value a line.
func (c *cli) manifest(doc *backupDoc, kind, target string, opt docOptions) []byte {
	var vgs, media []string
	for _, vg := range doc.VGs {
		vgs = append(vgs, vg.Name)
	}
	repo := "none"
	switch {
	case doc.Repository != nil:
		repo = "included"
		for _, m := range doc.Repository.Media {
			media = append(media, m.Name)
		}
	case opt.noMediaLib && Repository(c.tx, c.v.UUID) != nil:
		repo = "excluded"
	}
	contents := []string{"rootvg"}
	if !opt.noSVG {
		contents = append(contents, "volume_group_structures")
	}
	if repo == "included" {
		contents = append(contents, "media_repository")
	}
	contents = append(contents, "device_configuration")
	ls := []string{
		"# backupios image of the simulated Virtual I/O Server " + c.v.Name,
		"VIOS_NAME=" + c.v.Name,
		"HOSTNAME=" + doc.Node.Hostname,
		fmt.Sprintf("PARTITION_ID=%d", c.v.ID),
		"PARTITION_UUID=" + c.v.UUID,
		"MTMS=" + doc.Node.MTMS,
		"IOSLEVEL=" + doc.Node.IOSLevel,
		"DATE=" + c.tx.Now().UTC().Format(time.RFC3339),
		"IMAGE=" + kind,
		"TARGET=" + target,
		"CONTENTS=" + strings.Join(contents, ","),
		"VOLUME_GROUPS=" + strings.Join(vgs, ","),
		"MEDIA_REPOSITORY=" + repo,
		"MEDIA=" + strings.Join(media, ","),
		"DEVICE_CONFIG=" + doc.xmlName(),
	}
	return []byte(strings.Join(ls, "\n") + "\n")
}
