package e2e

// The backup round trip, through the real binaries as an administrator
// runs them: a configuration of many partitions with every kind of virtual
// adapter and mapping is backed up (bkprofdata, viosbr -backup), the state
// directory is wiped, a fresh pvmd starts on it, and the backups are
// restored (rstprofdata, viosbr -restore). What the REST API then shows of
// the partitions, their adapters and the mappings must be what it showed
// before.

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/xmltest"
	"github.com/novalink-project/novalink/uom"
)

// rtClients is the number of client partitions the round trip builds.
const rtClients = 20

// rtSCSIDevices is the number of logical units, logical volumes and
// virtual optical media rtBuild maps (whole disks are not counted: a fresh
// VIOS has them).
const rtSCSIDevices = 6 + 4 + 2

func TestBackupRoundTrip(t *testing.T) {
	began := time.Now()
	tmp := t.TempDir()
	stateDir := filepath.Join(tmp, "state")
	filesDir := filepath.Join(stateDir, "files") // pvmd's default --files-dir
	saved := filepath.Join(tmp, "saved")         // where the administrator keeps the backups
	if err := os.MkdirAll(saved, 0o750); err != nil {
		t.Fatal(err)
	}
	// The built-in layout (NovaLink, vios1 and vios2 in cluster1 with
	// pool1) without its sample clients: the test makes its own.
	inv := filepath.Join(tmp, "inventory.json")
	if err := os.WriteFile(inv, []byte(`{"clients": {"count": 0}}`), 0o640); err != nil {
		t.Fatal(err)
	}
	opts := startOpts{Flags: []string{"--config", inv, "--backup-dir", filepath.Join(tmp, "backups")}}

	d := startPVMD(t, stateDir, opts)
	c := newCmdEnv(t, d)
	rtBuild(c)
	t.Logf("configuration built in %v", time.Since(began).Round(time.Millisecond))
	cl := tc{newClient(d.BaseURL()), t}
	cl.mustLogon()
	before := rtSnapshot(cl)
	beforeCLI := rtCLISnapshot(c)
	cl.close()

	// The backups: the partition configuration on the NovaLink side, the
	// device configuration on each VIOS, copied off the VIOS.
	profile := filepath.Join(saved, "profile.bak")
	c.must("bkprofdata", "-m", sysName, "-o", "backup", "-f", profile)
	viosUUIDs := map[int]string{}
	for _, id := range []int{2, 3} {
		viosUUIDs[id] = strings.TrimSpace(c.must("pvmctl", "vios", "list", "-w", fmt.Sprintf("id=%d", id), "-d", "uuid", "--hide-label"))
		out := c.must("viosvrcmd", "--id", fmt.Sprint(id), "-c", "viosbr -backup -file rt")
		if !strings.Contains(out, "successful") {
			t.Fatalf("viosbr -backup on VIOS %d: %q", id, out)
		}
		data, err := os.ReadFile(rtArchive(filesDir, viosUUIDs[id]))
		if err != nil {
			t.Fatalf("the viosbr archive of VIOS %d: %v", id, err)
		}
		if err := os.WriteFile(filepath.Join(saved, fmt.Sprintf("vios%d.tar.gz", id)), data, 0o640); err != nil {
			t.Fatal(err)
		}
	}

	// The server loses everything and starts again from nothing.
	if err := d.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(stateDir); err != nil {
		t.Fatal(err)
	}
	d = startPVMD(t, stateDir, opts)
	c = newCmdEnv(t, d)
	if out := c.must("pvmctl", "lpar", "list", "-d", "name", "--hide-label"); out != "novalink\n" {
		t.Fatalf("the fresh server has partitions %q, want the NovaLink partition alone", out)
	}

	// The VIOS archives go back onto the VIOSes (scp), whose UUIDs a
	// server seeded again keeps.
	for id, u := range viosUUIDs {
		if got := strings.TrimSpace(c.must("pvmctl", "vios", "list", "-w", fmt.Sprintf("id=%d", id), "-d", "uuid", "--hide-label")); got != u {
			t.Fatalf("VIOS %d came back as %s, was %s", id, got, u)
		}
		data, err := os.ReadFile(filepath.Join(saved, fmt.Sprintf("vios%d.tar.gz", id)))
		if err != nil {
			t.Fatal(err)
		}
		dst := rtArchive(filesDir, u)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}

	// A full restore replaces the VIOSes: they must be off.
	for _, v := range []string{"vios1", "vios2"} {
		c.must("pvmctl", "vios", "power-off", "-i", "name="+v)
	}
	for _, v := range []string{"vios1", "vios2"} {
		rtWaitVIOS(c, v, "not activated", "")
	}
	// The devices behind the vSCSI mappings are not on the fresh VIOSes
	// yet (viosbr -restore brings them below): the restore brings those
	// mappings back as their adapter pairs and warns, one warning each.
	// That is a success with warnings (the job ends
	// COMPLETED_WITH_WARNINGS, which pypowervm too takes as success), not
	// a failure: the configuration was restored.
	out, errOut, code := c.run("rstprofdata", "-m", sysName, "-l", "1", "-f", profile)
	t.Logf("rstprofdata: exit %d\n%s%s", code, out, errOut)
	if code != 0 {
		t.Errorf("rstprofdata with warnings: exit %d, want 0 (the restore was applied)", code)
	}
	if n := strings.Count(errOut, "is not on this server; only the adapter pair"); n != rtSCSIDevices {
		t.Errorf("rstprofdata warned of %d missing backing devices, want %d", n, rtSCSIDevices)
	}
	for _, v := range []string{"vios1", "vios2"} {
		c.must("pvmctl", "vios", "power-on", "-i", "name="+v)
	}
	for _, v := range []string{"vios1", "vios2"} {
		rtWaitVIOS(c, v, "running", "active")
	}
	for _, id := range []int{2, 3} {
		out := c.must("viosvrcmd", "--id", fmt.Sprint(id), "-c", "viosbr -restore -file rt")
		t.Logf("viosbr -restore on VIOS %d:\n%s", id, out)
	}

	cl = tc{newClient(d.BaseURL()), t}
	defer cl.close()
	cl.mustLogon()
	after := rtSnapshot(cl)
	afterCLI := rtCLISnapshot(c)

	rtCompare(t, before, after)
	if beforeCLI != afterCLI {
		t.Errorf("what pvmctl and the VIOSes list differs after the round trip (-before +after):\n%s", rtLineDiff(beforeCLI, afterCLI))
	}
	t.Logf("round trip in %v", time.Since(began).Round(time.Millisecond))
}

// rtArchive is where the simulated VIOS keeps a viosbr archive named rt.
func rtArchive(filesDir, viosUUID string) string {
	return filepath.Join(filesDir, "vios", viosUUID, "home", "padmin", "cfgbackups", "rt.tar.gz")
}

// rtWaitVIOS waits until the VIOS is in state (and, unless rmc is empty,
// its RMC connection is rmc).
func rtWaitVIOS(c *cmdEnv, name, state, rmc string) {
	c.t.Helper()
	want := "state=" + state
	if rmc != "" {
		want += ",rmc_state=" + rmc
	}
	var got string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		out, _, code := c.run("pvmctl", "vios", "list", "-i", "name="+name, "-d", "state", "rmc_state")
		got = strings.TrimSpace(out)
		if code == 0 && (got == want || rmc == "" && strings.HasPrefix(got, want+",")) {
			return
		}
	}
	c.t.Fatalf("%s: %q, waited for %s", name, got, want)
}

// rtBuild makes the configuration: rtClients partitions of several shapes,
// virtual Ethernet adapters (untagged, tagged, on a second switch, trunks on
// the VIOSes), vSCSI mappings of logical units, logical volumes (in rootvg
// and in a new volume group), physical volumes, virtual optical media and
// an empty optical drive, vFC mappings, on both VIOSes, and physical I/O
// slots.
func rtBuild(c *cmdEnv) {
	c.must("pvmctl", "vswitch", "create", "--name", "VSWRT", "--mode", "Vepa")
	for i := 1; i <= rtClients; i++ {
		name := fmt.Sprintf("rt%02d", i)
		args := []string{"lpar", "create", "--name", name, "--mem", fmt.Sprint(1024 + 256*(i%4))}
		switch {
		case i%5 == 0:
			args = append(args, "--proc-type", "dedicated", "--proc", "1", "--sharing-mode", "keep_idle_procs")
		case i%3 == 0:
			args = append(args, "--proc", "2", "--proc-unit", "0.2", "--sharing-mode", "capped", "--max-mem", "4096")
		default:
			args = append(args, "--proc", "1", "--proc-unit", "0.1", "--uncapped-weight", fmt.Sprint(64+i), "--max-proc", "4", "--max-proc-unit", "0.4", "--max-virt-slots", "64")
		}
		c.must("pvmctl", args...)
		// Every partition on ETHERNET0; some carry tagged VLANs; every
		// third is also on the second switch, at a chosen slot.
		vea := []string{"vea", "create", "--vswitch", "ETHERNET0", "--pvid", fmt.Sprint(1 + i%3), "-p", "name=" + name}
		if i%2 == 0 {
			vea = append(vea, "--tagged-vlans", fmt.Sprintf("%d,%d", 100+i, 200+i))
		}
		c.must("pvmctl", vea...)
		if i%3 == 0 {
			c.must("pvmctl", "vea", "create", "--vswitch", "VSWRT", "--pvid", "77", "--slot", "9", "-p", "name="+name)
		}
	}
	// Trunk adapters on the VIOSes with tagged VLANs, and a plain one.
	c.must("pvmctl", "vea", "create", "--vswitch", "VSWRT", "--pvid", "77", "--tagged-vlans", "300,301", "--trunk-pri", "1", "-p", "name=vios1")
	c.must("pvmctl", "vea", "create", "--vswitch", "VSWRT", "--pvid", "77", "--tagged-vlans", "300,301", "--trunk-pri", "2", "-p", "name=vios2")
	c.must("pvmctl", "vea", "create", "--vswitch", "ETHERNET0", "--pvid", "2", "-p", "name=vios2")

	vios := func(i int) string { return fmt.Sprintf("vios%d", 1+i%2) }
	viosID := func(i int) string { return fmt.Sprint(2 + i%2) }
	scsi := func(typ, lpar, stor, v string) {
		c.must("pvmctl", "scsi", "create", "--type", typ, "--lpar", "name="+lpar, "--stor-id", "name="+stor, "--parent-id", "name="+v)
	}
	// Logical units of pool1, through either VIOS.
	for i := 1; i <= 6; i++ {
		lu := fmt.Sprintf("rtlu%02d", i)
		c.must("viosvrcmd", "--id", viosID(i), "-c", fmt.Sprintf("lu -create -sp pool1 -lu %s -size %d", lu, 1024*i))
		scsi("lu", fmt.Sprintf("rt%02d", i), lu, vios(i))
	}
	// Logical volumes: in rootvg (ioscli and pvmctl) and in a volume group
	// made on a free disk of vios2.
	c.must("viosvrcmd", "--id", "2", "-c", "mklv -lv rtlv07 rootvg 1G")
	scsi("lv", "rt07", "rtlv07", "vios1")
	c.must("pvmctl", "lv", "create", "--name", "rtlv08", "--size", "2", "-p", "name=vios2")
	scsi("lv", "rt08", "rtlv08", "vios2")
	c.must("viosvrcmd", "--id", "3", "-c", "mkvg -vg rtvg hdisk1")
	c.must("pvmctl", "lv", "create", "--name", "rtlv09", "--size", "3", "--vg", "rtvg", "-p", "name=vios2")
	scsi("lv", "rt09", "rtlv09", "vios2")
	// Whole disks.
	scsi("pv", "rt10", "hdisk5", "vios1")
	scsi("pv", "rt11", "hdisk6", "vios2")
	// Virtual optical media, alone on an adapter pair and beside a disk.
	c.must("pvmctl", "media", "create", "--name", "rtcd12", "--size", "0.5", "-p", "name=vios1")
	scsi("vopt", "rt12", "rtcd12", "vios1")
	c.must("pvmctl", "media", "create", "--name", "rtcd01", "--size", "1", "--mount-type", "ro", "-p", "name=vios2")
	scsi("vopt", "rt01", "rtcd01", "vios2")
	// A second disk on an existing adapter pair, and an empty optical
	// drive (no media loaded) beside a disk.
	c.must("viosvrcmd", "--id", "3", "-c", "mklv -lv rtlv01 rootvg 512")
	scsi("lv", "rt01", "rtlv01", "vios2")
	vhost := strings.TrimSpace(c.must("pvmctl", "scsi", "list", "-p", "name=vios1", "-w", "lpar=rt07", "-d", "adapter", "--hide-label"))
	c.must("viosvrcmd", "--id", "2", "-c", "mkvdev -fbo -vadapter "+vhost)
	// NPIV: on both ports of both VIOSes; rt13 through both VIOSes.
	for i := 0; i < 5; i++ {
		c.must("pvmctl", "vfc", "create", "--lpar", fmt.Sprintf("name=rt%02d", 13+i), "--parent-id", "name="+vios(i), "--port", fmt.Sprintf("fcs%d", i/2%2))
	}
	c.must("pvmctl", "vfc", "create", "--lpar", "name=rt13", "--parent-id", "name=vios2", "--port", "fcs1")
	// Physical I/O slots.
	c.must("pvmctl", "io", "attach", "-p", "name=rt19", "--drc-names", "U78C9.001.WZSE3CA-P1-C2")
	c.must("pvmctl", "io", "attach", "-p", "name=rt20", "--drc-names", "U78C9.001.WZSE3CA-P1-C4")
}

// rtFeed is one feed of the snapshot: its entries by ID.
type rtFeed struct {
	entries map[string]*uom.Entry
}

// rtSnapshot reads the feeds the round trip compares: the partitions, the
// VIOSes (with their storage, mappings and network sections), the virtual
// Ethernet adapters of each, and the virtual switches and networks the
// adapters refer to.
func rtSnapshot(c tc) map[string]rtFeed {
	c.t.Helper()
	out := map[string]rtFeed{}
	get := func(path string) rtFeed {
		f := c.mustFeed(path)
		rf := rtFeed{entries: map[string]*uom.Entry{}}
		for _, e := range f.Entries {
			if _, dup := rf.entries[e.ID]; dup {
				c.t.Fatalf("%s: entry %s twice", path, e.ID)
			}
			rf.entries[e.ID] = e
		}
		out[path] = rf
		return rf
	}
	lpars := get("/rest/api/uom/LogicalPartition")
	vioses := get("/rest/api/uom/VirtualIOServer")
	for _, id := range sortedKeys(lpars.entries) {
		get("/rest/api/uom/LogicalPartition/" + id + "/ClientNetworkAdapter")
	}
	for _, id := range sortedKeys(vioses.entries) {
		get("/rest/api/uom/VirtualIOServer/" + id + "/ClientNetworkAdapter")
	}
	sys := pathMS + "/" + c.systemUUID()
	get(sys + "/VirtualSwitch")
	get(sys + "/VirtualNetwork")
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// rtCLISnapshot is what pvmctl and the VIOS list of the configuration.
func rtCLISnapshot(c *cmdEnv) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"lpar", "list"},
		{"vios", "list", "-d", "name", "id", "env", "PartitionMemoryConfiguration.desired", "procs", "proc_units"},
		{"vea", "list"}, {"vswitch", "list"}, {"scsi", "list"}, {"vfc", "list", "-d", "vios", "lpar", "port", "adapter", "wwpns"},
		{"lu", "list"}, {"lv", "list"}, {"vom", "list"}, {"vmr", "list"}, {"pv", "list"}, {"io", "list"},
	} {
		b.WriteString("$ pvmctl " + strings.Join(args, " ") + "\n")
		b.WriteString(c.must("pvmctl", args...))
	}
	for _, id := range []string{"2", "3"} {
		for _, cmd := range []string{"lsmap -all", "lsmap -all -npiv", "lsvg", "lspv"} {
			b.WriteString("$ viosvrcmd --id " + id + " -c " + cmd + "\n")
			out := c.must("viosvrcmd", "--id", id, "-c", cmd)
			if cmd == "lsvg" {
				// lsvg lists the volume groups in the order they were made,
				// caavg_private when the cluster was: the fresh server's
				// cluster is seeded anew (not restored), after the time a
				// restored volume group keeps from its backup.
				ls := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				sort.Strings(ls)
				out = strings.Join(ls, "\n") + "\n"
			}
			b.WriteString(out)
		}
	}
	return b.String()
}

// rtLineDiff returns the lines of a and b outside their longest common
// subsequence, "-" for a's and "+" for b's, each after the "$ command"
// line it belongs to.
func rtLineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	l := make([][]int, len(x)+1)
	for i := range l {
		l[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var out strings.Builder
	cmd, shown := "", ""
	emit := func(sign, line string) {
		if cmd != shown {
			out.WriteString("  " + cmd + "\n")
			shown = cmd
		}
		out.WriteString(sign + " " + line + "\n")
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			if strings.HasPrefix(x[i], "$ ") {
				cmd = x[i]
			}
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || l[i+1][j] >= l[i][j+1]):
			emit("-", x[i])
			i++
		default:
			emit("+", y[j])
			j++
		}
	}
	return out.String()
}

// hostRE matches the scheme and authority of the hrefs: the second server
// listens on another port.
var hostRE = regexp.MustCompile(`^https?://[^/]+`)

// refTimeRE matches the time a partition's last reference code was posted,
// in ReferenceCodeFull ("time_stamp=11/23/2026 23:20:08,refcode=...").
var refTimeRE = regexp.MustCompile(`time_stamp=[^,]*`)

// rtNorms are what the comparison leaves out, each for a reason; nothing
// else is (the atom envelope aside: see rtEntryXML).
var rtNorms = []xmltest.Normalizer{
	// Links name the server they were read from; the fresh pvmd listens on
	// another port. The path (the object's UUID) is compared.
	xmltest.AllAttrs("href", func(s string) string { return hostRE.ReplaceAllString(s, "") }),
	// When the object was created on this server: the restore (or, for
	// the NovaLink partition, the VIOSes and their seeded adapters, the
	// seeding of the fresh server) creates every object anew.
	xmltest.BlankText("AtomCreated"),
	// Runtime, not configuration: when the last reference code was posted
	// (the code itself is compared) and the seconds since activation of
	// the running partitions (NovaLink and the VIOSes were started again),
	// and when the storage data for a migration was last gathered (at
	// their activation).
	xmltest.ReplaceText("ReferenceCodeFull", func(s string) string { return refTimeRE.ReplaceAllString(s, "time_stamp="+xmltest.Placeholder) }),
	xmltest.BlankText("Uptime"),
	xmltest.BlankText("MigrationStorageViosDataTimestamp"),
}

// rtCompare compares the snapshots feed by feed and entry by entry.
func rtCompare(t *testing.T, before, after map[string]rtFeed) {
	t.Helper()
	for _, path := range sortedKeys(before) {
		b := before[path]
		a, ok := after[path]
		if !ok {
			t.Errorf("%s: not read after the restore", path)
			continue
		}
		for _, id := range sortedKeys(b.entries) {
			ae, ok := a.entries[id]
			if !ok {
				t.Errorf("%s: entry %s (%s) is missing after the restore", path, id, rtLabel(b.entries[id]))
				continue
			}
			if d := xmltest.Diff(rtEntryXML(b.entries[id]), rtEntryXML(ae), rtNorms...); d != nil {
				t.Errorf("%s: entry %s (%s) differs after the restore:\n  %s", path, id, rtLabel(b.entries[id]), strings.Join(d, "\n  "))
			}
		}
		for _, id := range sortedKeys(a.entries) {
			if _, ok := b.entries[id]; !ok {
				t.Errorf("%s: entry %s (%s) is new after the restore", path, id, rtLabel(a.entries[id]))
			}
		}
	}
	for _, path := range sortedKeys(after) {
		if _, ok := before[path]; !ok {
			t.Errorf("%s: read after the restore only", path)
		}
	}
}

// rtLabel names an entry in messages.
func rtLabel(e *uom.Entry) string {
	if e.Content == nil {
		return e.Title
	}
	for _, n := range []string{"PartitionName", "SwitchName", "NetworkName", "MACAddress"} {
		if s := text(e.Content, n); s != "" {
			return e.Content.Local + " " + s
		}
	}
	return e.Content.Local
}

// rtEntryXML is what is compared of an entry: its title, links and content
// (the atom envelope's published/updated times and the etag are not: a
// restore makes every object anew, at another revision).
func rtEntryXML(e *uom.Entry) *uom.Element {
	el := &uom.Element{Local: "entry"}
	el.Append(&uom.Element{Local: "title", Text: e.Title})
	for _, l := range e.Links {
		u, err := url.Parse(l.Href)
		href := l.Href
		if err == nil {
			href = u.RequestURI()
		}
		el.Append(&uom.Element{Local: "link", Attrs: []uom.Attr{{Local: "rel", Value: l.Rel}, {Local: "href", Value: href}}})
	}
	if e.Content != nil {
		el.Append(e.Content)
	}
	return el
}
