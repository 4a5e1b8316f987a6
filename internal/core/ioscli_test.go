package core

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

var updateIOSCLI = flag.Bool("update", false, "rewrite the golden files in testdata/ioscli")

// ioscliEnv is a core with vios1's adapters set up for the ioscli tests:
// vhost0 to lpar10, vhost1 to lpar11 (adapter pairs without devices),
// vfchost0 to lpar10 on fcs0, vfchost1 to lpar11 on no port.
type ioscliEnv struct {
	c   *Core
	clk *sim.FakeClock
	v1  *model.Partition
	// hex numbers the volatile hex strings of the output (LU UDIDs,
	// PVIDs derived from partition UUIDs ...) in order of appearance.
	hex map[string]string
}

func openIOSCLITest(t *testing.T) *ioscliEnv {
	t.Helper()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c := openTest(t, t.TempDir(), clk, nil)
	t.Cleanup(func() { c.Close() })
	v1, l10, l11 := partByName(c, "vios1"), partByName(c, "lpar10"), partByName(c, "lpar11")
	if err := c.UpdateSCSIMappings(admin, v1.UUID, "", []vios.SCSISpec{{Client: l10.UUID}, {Client: l11.UUID}}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateFCMappings(admin, v1.UUID, "", []FCWant{{Client: l10.UUID, Port: "fcs0"}, {Client: l11.UUID}}); err != nil {
		t.Fatal(err)
	}
	return &ioscliEnv{c: c, clk: clk, v1: partByName(c, "vios1"), hex: map[string]string{}}
}

// run runs a step: "[@vios2] [@root] command", where {udid:NAME} is the
// 32-digit UDID of pool1's LU NAME. It returns the line as a terminal
// shows it: after "$ " (padmin) or "# " (root), with "vios2 " before on
// vios2.
func (e *ioscliEnv) run(t *testing.T, step string) (string, vios.Result, error) {
	t.Helper()
	target, root := "vios1", false
	for {
		switch {
		case strings.HasPrefix(step, "@vios2 "):
			target, step = "vios2", strings.TrimPrefix(step, "@vios2 ")
			continue
		case strings.HasPrefix(step, "@root "):
			root, step = true, strings.TrimPrefix(step, "@root ")
			continue
		}
		break
	}
	line := regexp.MustCompile(`\{udid:([^}]+)\}`).ReplaceAllStringFunc(step, func(m string) string {
		name := m[len("{udid:") : len(m)-1]
		var udid string
		e.c.Read(func(st *model.State) {
			tx := &Tx{c: e.c, st: st}
			if lus := vios.LUByName(tx, vios.SSPByName(tx, "pool1").UUID, name); len(lus) == 1 {
				udid = lus[0].ShortUDID()
			}
		})
		if udid == "" {
			t.Fatalf("step %q: no LU %s", step, name)
		}
		return udid
	})
	r, err := e.c.RunIOSCLI(admin, partByName(e.c, target).UUID, line, root)
	prompt := "$ "
	if root {
		prompt = "# "
	}
	if target != "vios1" {
		prompt = target + " " + prompt
	}
	return prompt + line, r, err
}

var (
	hex32Re = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	pvidRe  = regexp.MustCompile(`\b00f[0-9a-f]{13}\b`)
	sasRe   = regexp.MustCompile(`-L[0-9A-F]{10}-L0|IPR-0   [0-9A-F]{16}IPR`)
)

// scrub replaces what differs from run to run by numbered names.
func (e *ioscliEnv) scrub(s string) string {
	for _, x := range []struct {
		re   *regexp.Regexp
		name string
	}{{hex32Re, "hex32"}, {pvidRe, "pvid"}, {sasRe, "sas"}} {
		s = x.re.ReplaceAllStringFunc(s, func(m string) string {
			if n, ok := e.hex[m]; ok {
				return n
			}
			// As long as the original, so that columns stay aligned.
			n := fmt.Sprintf("<%s#%d>", x.name, len(e.hex)+1)
			if len(n) < len(m) {
				n += strings.Repeat(".", len(m)-len(n))
			}
			e.hex[m] = n
			return n
		})
	}
	return s
}

// transcript prints a step as a terminal would show it.
func (e *ioscliEnv) transcript(line string, r vios.Result, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s", line, r.Out)
	if err != nil {
		fmt.Fprintf(&b, "[error] %v\n", err)
	}
	if r.Err != "" {
		fmt.Fprintf(&b, "[stderr]\n%s", r.Err)
	}
	if r.Code != 0 {
		fmt.Fprintf(&b, "[exit %d]\n", r.Code)
	}
	return e.scrub(b.String())
}

// powerOn starts a client and waits for its boot.
func (e *ioscliEnv) powerOn(t *testing.T, name string) {
	t.Helper()
	job, err := e.c.StartJob(admin, JobRequest{Group: "LogicalPartition", Operation: "PowerOn", TargetUUID: partByName(e.c, name).UUID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200 && job.Snapshot().Status == JobRunning; i++ {
		e.clk.Advance(10 * time.Millisecond)
	}
	if s := job.Snapshot(); s.Status != JobOK {
		t.Fatalf("power on %s: %+v", name, s)
	}
}

// TestIOSCLIGolden runs command sequences and compares what they print
// with testdata/ioscli/<name>.golden (go test -run IOSCLIGolden -update
// rewrites them).
func TestIOSCLIGolden(t *testing.T) {
	scenarios := []struct {
		name  string
		setup func(t *testing.T, e *ioscliEnv)
		steps []string
	}{
		{name: "ssp", steps: []string{
			"cluster -list",
			"cluster -list -field cluster_name -fmt ,",
			"cluster -status -clustername cluster1",
			"cluster -status -fmt :",
			"cluster -status -fmt : -field pool_name pool_state node_name node_mtm node_partition_num node_upgrade_status node_roles",
			"lu -list",
			"lu -create -sp pool1 -lu vdisk_vm1 -size 20480",
			"lu -create -clustername cluster1 -sp pool1 -lu boot_vm2 -size 10G -thick -vadapter vhost0",
			"lu -create -lu data_vm2 -size 1.5G -vadapter vhost0 -vtd vtdata",
			"lu -list",
			"lu -list -verbose",
			"lu -list -field lu_name lu_provision_type lu_size -fmt : -header",
			"lu -list -attr lu_provision_type=thick",
			"lu -map -lu vdisk_vm1 -vadapter vhost1",
			"lssp",
			"lssp -default",
			"lssp -clustername cluster1",
			"lssp -clustername cluster1 -sp pool1 -bd",
			"lssp -clustername cluster1 -field pool_name free_space -fmt :",
			"lsmap -all -type cl_disk",
			"@vios2 lu -list",
			"lu -resize -lu vdisk_vm1 -size 30G",
			"lu -unmap -lu vdisk_vm1",
			"lu -unmap -vtd vtdata",
			"lu -remove -luudid {udid:vdisk_vm1}",
			"lu -remove -lu data_vm2",
			"lu -list -fmt ,",
		}},
		{name: "lvm", steps: []string{
			"lspv",
			"lspv -free",
			"lspv -avail",
			"lspv -size",
			"lspv -fmt :",
			"lspv -field name size -fmt ,",
			"lspv -clustername cluster1 -sp pool1",
			"lsvg",
			"mkvg -vg datavg hdisk1",
			"mkvg -f hdisk6",
			"lsvg",
			"mklv datavg 10G",
			"mklv -lv lv_vm1 datavg 512M",
			"mklv -prefix app datavg 100",
			"mklv -type jfs2 vg00 1G hdisk6",
			"lssp",
			"lspv",
			"lsdev -type lv",
			"rmlv -f lv00 app00",
			"rmlv lv01",
			"lssp -field pool free -fmt :",
		}},
		{name: "mapping", setup: func(t *testing.T, e *ioscliEnv) {
			for _, s := range []string{"mkvg -vg datavg hdisk1", "mklv -lv lv_vm2 datavg 20G"} {
				if _, r, err := e.run(t, s); err != nil || r.Code != 0 {
					t.Fatalf("%s: %v %+v", s, err, r)
				}
			}
			e.powerOn(t, "lpar10")
		}, steps: []string{
			"mkvdev -vdev hdisk5 -vadapter vhost0",
			"mkvdev -vdev lv_vm2 -vadapter vhost1 -dev vtlv_vm2",
			"mkvdev -fbo -vadapter vhost0",
			"lu -create -lu boot_vm1 -size 30G -vadapter vhost0",
			"lsmap -all",
			"lsmap -vadapter vhost1",
			"lsmap -all -fmt :",
			"lsmap -all -fmt2 , -field svsa clientid vtd backing",
			"lsmap -all -dec -type disk lv",
			"lsmap -all -cpid 11",
			"lsmap -plc U8247.21L.212E3CA-V2-C4",
			"lsmap -all -npiv",
			"lsmap -all -npiv -fmt ,",
			"lsmap -npiv -vadapter vfchost1 -field name status flags",
			"lsdev",
			"lsdev -virtual",
			"lsdev -type adapter",
			"lsdev -type optical",
			"lsdev -dev vtscsi0",
			"lsdev -dev hdisk5 -attr",
			"lsdev -dev hdisk5 -attr unique_id",
			"lsdev -dev vtlv_vm2 -attr",
			"lsdev -dev hdisk0 -field name physloc",
			"lsdev -virtual -field name physloc -fmt ,",
			"rmvdev -vtd vtscsi0",
			"rmvdev -vdev lv_vm2 -rmlv",
			"lsmap -vadapter vhost1",
			"lsvg",
			"lspv -free",
		}},
		{name: "san", setup: func(t *testing.T, e *ioscliEnv) {
			// The storage admin maps a new volume to vios1 (LUN 7) and
			// one to both VIOSes (LUN 8): no VIOS has them yet.
			err := e.c.ChangeSAN(admin, func(tx *Tx) error {
				if _, err := san.CreateLUN(tx, san.LUNSpec{Name: "vol7", SizeMB: 51200, Array: san.DefaultArray,
					Hosts: []model.SANLUNHost{{Host: "vios1", LUN: 7}}, NAA: "60050768019181C94800000000000F7E"}); err != nil {
					return err
				}
				_, err := san.CreateLUN(tx, san.LUNSpec{Name: "vol8", SizeMB: 10240, Array: san.DefaultArray,
					Hosts: []model.SANLUNHost{{Host: "vios1", LUN: 8}, {Host: "vios2", LUN: 8}}, NAA: "60050768019181C94800000000000F7F"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}, steps: []string{
			"lspv",
			"cfgdev",
			"lspv",
			"lsdev -type disk",
			"lsdev -dev hdisk7 -attr",
			"lsdev -dev hdisk7 -attr reserve_policy",
			"chdev -dev hdisk7 -attr reserve_policy=no_reserve",
			"lsdev -dev hdisk7 -attr reserve_policy",
			"chdev -dev hdisk7 -attr reserve_policy=sometimes",
			"chdev -dev hdisk7 -attr queue_depth=32",
			"chdev -dev vhost0 -attr reserve_policy=no_reserve",
			"chdev -dev hdisk7",
			"mkvdev -vdev hdisk7 -vadapter vhost0",
			"rmdev -dev hdisk7",
			"chdev -dev hdisk7 -attr reserve_policy=single_path",
			"rmvdev -vtd vtscsi0",
			"rmdev -dev hdisk7",
			"rmdev -dev hdisk7",
			"rmdev -dev vhost0",
			"rmdev -dev hdisk7 -ucfg",
			"lspv",
			"cfgdev -dev fcs0",
			"lspv -free",
			"cfgdev -dev fcs9",
			"lsnports",
			"lsnports -fmt :",
			"lsmap -all -npiv",
			"@vios2 lsnports",
			"@vios2 cfgdev",
			"@vios2 lspv",
		}},
		{name: "vopt", steps: []string{
			"lsrep",
			"mkvopt -name blank -size 100",
			"mkvopt -name rhel9.iso -size 1G -ro",
			"mkvdev -fbo -vadapter vhost0",
			"mkvdev -fbo -vadapter vhost1 -dev cd_vm11",
			"lsvopt",
			"loadopt -disk rhel9.iso -vtd vtopt0",
			"loadopt -disk rhel9.iso -vtd cd_vm11",
			"lsvopt",
			"lsrep",
			"lsrep -field name optical access -fmt :",
			"loadopt -f -release -disk blank -vtd vtopt0",
			"lsvopt -vtd vtopt0",
			"unloadopt -release -vtd vtopt0",
			"lsmap -all -type file_opt",
			"rmvopt -name blank",
			"rmvopt -f -name rhel9.iso",
			"lsvopt -fmt :",
			"lsrep",
			"@vios2 lsrep",
		}},
		{name: "viosbr", setup: func(t *testing.T, e *ioscliEnv) {
			for _, s := range []string{
				"mkvg -vg datavg hdisk1", "mklv -lv lv_vm2 datavg 20G",
				"mkvdev -vdev lv_vm2 -vadapter vhost1 -dev vtlv_vm2",
				"lu -create -lu boot_vm1 -size 30G -vadapter vhost0",
				"mkvopt -name rhel9.iso -size 1G -ro",
				"mkvdev -fbo -vadapter vhost0",
				"loadopt -disk rhel9.iso -vtd vtopt0",
			} {
				if _, r, err := e.run(t, s); err != nil || r.Code != 0 {
					t.Fatalf("%s: %v %+v", s, err, r)
				}
			}
		}, steps: []string{
			"viosbr -view -list",
			"viosbr -backup -file before",
			"viosbr -backup -file nightly -frequency daily -numfiles 2",
			"viosbr -backup -file nightly -frequency daily -numfiles 2",
			"viosbr -backup -file nightly -frequency daily -numfiles 2",
			"viosbr -view -list",
			"viosbr -view -file before.tar.gz",
			"viosbr -view -file before -type svdisk",
			"viosbr -view -file before -mapping",
			"viosbr -view -file nosuch",
			"@vios2 viosbr -view -list",
			// lose the mappings and the devices behind them
			"rmvdev -vdev lv_vm2 -rmlv",
			"unloadopt -vtd vtopt0",
			"rmvdev -vtd vtopt0",
			"lu -unmap -lu boot_vm1",
			"lu -remove -lu boot_vm1",
			"lsmap -all",
			"lu -list",
			"viosbr -restore -file before -validate",
			"lsmap -all",
			"viosbr -restore -file before",
			"lsmap -all",
			"lu -list",
			"lsvg",
			"viosbr -restore -file before",
			"viosbr -nobackup",
			"viosbr -backup -file before -frequency hourly",
			"viosbr -view -file before -mapping -detail",
			"backupios -file /home/padmin/vios1.mksysb -mksysb",
			"backupios -cd /dev/cd0 -udf -accept",
		}},
		{name: "shell", steps: []string{
			"ioslevel",
			"@root ioscli ioslevel",
			"ioscli lsvg",
			"  lsvg   ",
			"",
			`mkvopt -name "my media" -size 1`,
			`mkvopt -name 'cfg.iso' -size 1`,
			`mkvopt -name cfg\2.iso -size 1`,
			"lsvopt",
			"lsrep -fmt '|'",
			"oem_setup_env",
			"@root frobnicate -x",
			"lsmap -all | grep vhost",
			`lsmap -all -fmt "`,
			"lsmap",
			"lsmap -all -bogus",
			"lu",
			"lu -create -lu x",
			"lu -list -fmt",
			"lspv -free -size",
			"viosbr -backup -file /home/padmin/cfgbackups/vios1",
			"backupios -file /mnt -nomedialib",
			"mkvdev -sea ent0 -vadapter ent4 -default ent4 -defaultid 1",
			"@vios2 lsmap -all",
			"@vios2 lsmap -all -npiv",
			"@vios2 mkvdev -fbo -vadapter vhost0",
			"@vios2 @root lsvopt",
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e := openIOSCLITest(t)
			if sc.setup != nil {
				sc.setup(t, e)
			}
			var b strings.Builder
			for _, s := range sc.steps {
				line, r, err := e.run(t, s)
				b.WriteString(e.transcript(line, r, err))
				b.WriteString("\n")
			}
			path := filepath.Join("testdata", "ioscli", sc.name+".golden")
			got := []byte(b.String())
			if *updateIOSCLI {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to make it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (run with -update to rewrite it):\n%s", path, firstDiff(string(want), string(got)))
			}
		})
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, wl, gl)
		}
	}
	return "(same lines)"
}

// stateSnapshot encodes every object of the committed state.
func stateSnapshot(t *testing.T, c *Core) string {
	t.Helper()
	var b strings.Builder
	c.Read(func(st *model.State) {
		sys, _ := json.Marshal(st.System)
		b.Write(sys)
		b.WriteByte('\n')
		for _, k := range model.Kinds {
			var objs []string
			st.Each(k, func(o model.Object) {
				j, err := json.Marshal(o)
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, string(j))
			})
			sort.Strings(objs)
			for _, o := range objs {
				b.WriteString(string(k) + " " + o + "\n")
			}
		}
	})
	return b.String()
}

// TestIOSCLIErrorsChangeNothing checks that failing commands print their
// error on stderr with a non-zero exit code and leave the model as it was.
func TestIOSCLIErrorsChangeNothing(t *testing.T) {
	e := openIOSCLITest(t)
	for _, s := range []string{
		"lu -create -lu mapped -size 1G -vadapter vhost0",
		"lu -create -lu spare -size 1G",
		"mkvdev -vdev hdisk5 -vadapter vhost0",
		"mkvg -vg datavg hdisk1",
		"mklv -lv lvused datavg 1G",
		"mkvdev -vdev lvused -vadapter vhost1",
		"mkvopt -name blank -size 10",
		"mkvdev -fbo -vadapter vhost0",
		"loadopt -disk blank -vtd vtopt0",
	} {
		if _, r, err := e.run(t, s); err != nil || r.Code != 0 {
			t.Fatalf("setup %s: %v %+v", s, err, r)
		}
	}
	cases := []struct {
		cmd  string
		code int
		err  string
	}{
		{"frobnicate", 127, "rksh: frobnicate:  not found."},
		{"lsmap -all -bogus", 2, "Option flag is not valid: -bogus"},
		{"lu -create -lu x", 2, "Usage: lu -create"},
		{"mkvg", 2, "Usage: mkvg"},
		{"lu -create -lu x -size lots", 2, "is not valid"},
		{`lu -create -lu "x -size 1`, 2, "is not matched"},
		{"lsmap -all > /tmp/x", 2, "single command"},
		// unknown devices
		{"mkvdev -vdev hdisk99 -vadapter vhost0", 10, "hdisk99"},
		{"mkvdev -vdev hdisk6 -vadapter vhost7", 10, "vhost7"},
		{"lsmap -vadapter vhost9", 15, `Device "vhost9" is not a Server Virtual SCSI Adapter (SVSA).`},
		{"lsmap -npiv -vadapter vfchost9", 63, "SVFCA"},
		{"rmvdev -vtd vtscsi9", 10, "vtscsi9"},
		{"lsdev -dev ent99", 10, "ent99"},
		{"lu -remove -lu nosuch", 10, `"nosuch" does not exist`},
		{"lu -map -lu spare -vadapter vhost5", 15, "vhost5"},
		{"lu -create -lu new -size 1G -vadapter vhost5", 15, "vhost5"},
		{"lu -list -sp otherpool", 1, "otherpool"},
		{"loadopt -disk nosuch -vtd vtopt0", 10, "nosuch"},
		{"mklv novg 1G", 10, "novg"},
		{"rmlv nolv", 10, "nolv"},
		{"mkrep -sp novg -size 1G", 10, "novg"},
		{"mkvopt -name x.iso -file /home/padmin/x.iso", 1, "no file system"},
		{"mkvopt -name x.iso -dev cd0", 10, "no physical optical device cd0"},
		// full pools
		{"lu -create -lu huge -size 2000G -thick", 1, "not enough free space in shared storage pool pool1"},
		{"mklv -lv big datavg 1000G", 1, "not enough free space in volume group datavg"},
		{"mkvopt -name big.iso -size 20G", 1, "not enough free space in the virtual media repository"},
		// duplicate names
		{"lu -create -lu mapped -size 1G", 1, "already in use"},
		{"mkvg -vg rootvg hdisk6", 1, "already in use"},
		{"mklv -lv lvused datavg 1G", 1, "already in use"},
		{"mkvdev -vdev hdisk6 -vadapter vhost1 -dev vtscsi0", 1, "already in use"},
		{"mkvopt -name blank -size 1", 1, "already in use"},
		{"mkvdev -vdev hdisk6 -vadapter vhost1 -dev hdisk1", 1, "The device name hdisk1 is already in use on vios1."},
		{"lu -map -lu spare -vadapter vhost1 -vtd vhost0", 1, "The device name vhost0 is already in use"},
		{"mklv -lv fcs0 datavg 1G", 1, "The device name fcs0 is already in use"},
		{"mkvg -vg caavg_private hdisk6", 1, "already in use"},
		{"mkvg -vg lvused hdisk6", 1, "The device name lvused is already in use"},
		{"mklv -lv vtopt0 datavg 1G", 1, "The device name vtopt0 is already in use"},
		{"mkrep -sp rootvg -size 1G", 1, "already has a virtual media repository"},
		// devices in use
		{"lu -map -lu mapped -vadapter vhost1", 1, "already mapped to partition lpar10"},
		{"lu -create -lu new -size 1G -vadapter vhost1 -vtd vtscsi0", 1, "already in use"},
		{"mkvdev -vdev hdisk5 -vadapter vhost1", 1, `"hdisk5" is already being used as a backing device.`},
		{"mkvdev -f -vdev hdisk5 -vadapter vhost1", 1, "in use as a backing device"},
		{"mkvdev -vdev hdisk0 -vadapter vhost1", 1, "volume group rootvg"},
		{"mkvdev -vdev hdisk3 -vadapter vhost1", 1, "shared storage pool cluster"},
		{"mkvg -vg newvg hdisk2", 1, "shared storage pool cluster"},
		{"lu -remove -lu mapped", 1, "is mapped"},
		{"lu -remove -all", 1, "is mapped"},
		{"rmlv -f lvused", 1, "in use as a backing device"},
		{"rmvdev -vtd vtscsi0 -rmlv", 1, "valid only for logical volume"},
		{"rmvopt -name blank", 1, "loaded"},
		{"loadopt -disk blank -vtd vtscsi0", 1, "not a file-backed virtual optical device"},
		{"unloadopt -vtd vtopt0 -bogus", 2, "Option flag is not valid"},
		{"lu -resize -lu mapped -size 10", 1, "cannot shrink"},
		// backups that cannot be made or restored
		{"viosbr -backup -file /nosuchdir/x", 1, "The directory /nosuchdir does not exist."},
		{"viosbr -backup -file ../x", 2, "is not valid"},
		{"viosbr -restore -file nosuch", 1, "File /home/padmin/cfgbackups/nosuch does not exist."},
		{"backupios -cd /dev/cd0 -udf", 2, "-accept"},
	}
	for _, tc := range cases {
		before, rev := stateSnapshot(t, e.c), e.c.ViewRevision()
		line, r, err := e.run(t, tc.cmd)
		if err != nil {
			t.Errorf("%s: error %v", line, err)
			continue
		}
		if r.Code != tc.code || !strings.Contains(r.Err, tc.err) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d with %q", line, r.Code, r.Err, tc.code, tc.err)
		}
		if r.Out != "" {
			t.Errorf("%s: stdout %q on failure", line, r.Out)
		}
		if after := stateSnapshot(t, e.c); after != before || e.c.ViewRevision() != rev {
			t.Errorf("%s: the model changed", line)
		}
	}
	// The snapshot does see a change.
	before := stateSnapshot(t, e.c)
	if _, r, err := e.run(t, "lu -resize -lu spare -size 2G"); err != nil || r.Code != 0 || stateSnapshot(t, e.c) == before {
		t.Fatalf("lu -resize: %+v %v, or the snapshot missed it", r, err)
	}
}

// TestIOSCLIVIOSUnreachable checks the VIOS must run with RMC active.
func TestIOSCLIVIOSUnreachable(t *testing.T) {
	e := openIOSCLITest(t)
	v2 := partByName(e.c, "vios2")
	set := func(state, rmc string) {
		t.Helper()
		err := e.c.Apply(internalActor, func(tx *Tx) error {
			p := tx.Partition(v2.UUID).Clone()
			p.State, p.RMCState = state, rmc
			tx.PutPartition(p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		state, rmc, id string
	}{
		{model.StateRunning, model.RMCInactive, "PVME01050907-0091"},
		{model.StateNotActivated, model.RMCNone, "PVME01050906-0090"},
	} {
		set(tc.state, tc.rmc)
		before := stateSnapshot(t, e.c)
		for _, cmd := range []string{"lsmap -all", "lu -create -lu x -size 1", "frobnicate"} {
			r, err := e.c.RunIOSCLI(admin, v2.UUID, cmd, false)
			var me *model.Error
			if !errors.As(err, &me) || me.ID != tc.id || r != (vios.Result{}) {
				t.Errorf("%s on a VIOS %s with RMC %s: %+v, %v; want error %s", cmd, tc.state, tc.rmc, r, err, tc.id)
			}
		}
		if stateSnapshot(t, e.c) != before {
			t.Errorf("VIOS %s/%s: the model changed", tc.state, tc.rmc)
		}
	}
	// Not a VIOS at all.
	if _, err := e.c.RunIOSCLI(admin, partByName(e.c, "lpar10").UUID, "lsmap -all", false); model.KindOf(err) != model.KindInvalid {
		t.Errorf("ioscli on a client partition: %v", err)
	}
	if _, err := e.c.RunIOSCLI(admin, "no-such-uuid", "lsmap -all", false); model.KindOf(err) != model.KindNotFound {
		t.Errorf("ioscli on no partition: %v", err)
	}
}

// TestIOSCLISharesTheModel checks that what the commands make is what
// the core (and so the REST API) sees, and that reads do not write.
func TestIOSCLISharesTheModel(t *testing.T) {
	e := openIOSCLITest(t)
	rev := e.c.ViewRevision()
	if _, r, err := e.run(t, "lsmap -all"); err != nil || r.Code != 0 {
		t.Fatalf("lsmap: %v %+v", err, r)
	}
	if e.c.ViewRevision() != rev {
		t.Fatal("a listing wrote a revision")
	}
	_, r, err := e.run(t, "lu -create -lu vdisk_vm1 -size 20480")
	if err != nil || r.Code != 0 {
		t.Fatalf("lu -create: %v %+v", err, r)
	}
	udid := strings.TrimPrefix(strings.Split(r.Out, "\n")[1], "Lu Udid:")
	if e.c.ViewRevision() == rev {
		t.Fatal("lu -create did not commit")
	}
	var lu *model.LogicalUnit
	e.c.Read(func(st *model.State) {
		tx := &Tx{c: e.c, st: st}
		ssp := vios.SSPByName(tx, "pool1")
		lus := vios.LUs(tx, ssp.UUID)
		if len(lus) != 1 {
			t.Fatalf("LUs %d", len(lus))
		}
		lu = lus[0]
		if vios.LUByUDID(tx, udid) != lu {
			t.Fatalf("lu -create printed %s, the pool holds %s", udid, lu.ShortUDID())
		}
	})
	if lu.Name != "vdisk_vm1" || lu.CapacityMB != 20480 || !lu.Thin || lu.ShortUDID() != udid {
		t.Fatalf("LU %+v", lu)
	}
	// The core's own operation removes it, and ioscli sees that.
	if err := e.c.DeleteLU(admin, lu.UUID, EtagOf(lu.Rev)); err != nil {
		t.Fatal(err)
	}
	if _, r, _ := e.run(t, "lu -list -fmt :"); r.Code != 0 || r.Out != "" {
		t.Fatalf("lu -list after DeleteLU: %+v", r)
	}
	// A user who may only read can list but not change.
	viewer := Actor{User: "view", Role: RoleViewer}
	if r, err := e.c.RunIOSCLI(viewer, e.v1.UUID, "lspv -free", false); err != nil || r.Code != 0 {
		t.Fatalf("viewer lspv: %+v %v", r, err)
	}
	if _, err := e.c.RunIOSCLI(viewer, e.v1.UUID, "lu -create -lu x -size 1", false); model.KindOf(err) != model.KindRefused {
		t.Fatalf("viewer lu -create: %v", err)
	}
}

// TestViosbrBadFiles: backups that are not viosbr archives (truncated,
// not gzip, gzip of something else, a directory) are refused with a
// message and change nothing; a backup lands only when the command
// succeeded and is whole on disk.
func TestViosbrBadFiles(t *testing.T) {
	e := openIOSCLITest(t)
	if _, r, err := e.run(t, "viosbr -backup -file good"); err != nil || r.Code != 0 {
		t.Fatalf("backup: %v %+v", err, r)
	}
	dir := filepath.Join(e.c.VIOSFS(e.v1.UUID).root, "home", "padmin", "cfgbackups")
	good, err := os.ReadFile(filepath.Join(dir, "good.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"truncated.tar.gz": good[:len(good)/2],
		"plain.tar.gz":     []byte("not an archive\n"),
		"empty.tar.gz":     nil,
	}
	for name, data := range bad {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "adir.tar.gz"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"truncated", "plain", "empty", "adir"} {
		for _, cmd := range []string{"viosbr -view -file " + name, "viosbr -restore -file " + name} {
			before, rev := stateSnapshot(t, e.c), e.c.ViewRevision()
			_, r, err := e.run(t, cmd)
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if r.Code == 0 || r.Err == "" {
				t.Errorf("%s: succeeded: %+v", cmd, r)
			}
			if after := stateSnapshot(t, e.c); after != before || e.c.ViewRevision() != rev {
				t.Errorf("%s changed the state", cmd)
			}
		}
	}
	// A failed backup leaves nothing behind; nothing temporary remains.
	if _, r, _ := e.run(t, "viosbr -backup -file adir"); r.Code == 0 {
		t.Errorf("backup over a directory succeeded")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range ents {
		names = append(names, de.Name())
	}
	if got, want := strings.Join(names, " "), "adir.tar.gz empty.tar.gz good.tar.gz plain.tar.gz truncated.tar.gz"; got != want {
		t.Errorf("cfgbackups holds %q, want %q", got, want)
	}
}

// TestBackupiosImages: backupios writes an image (a tar, gzip-compressed
// for mksysb and the DVD) whose MANIFEST says what it is and holds;
// -nomedialib leaves the media repository out.
func TestBackupiosImages(t *testing.T) {
	e := openIOSCLITest(t)
	if _, r, err := e.run(t, "mkvopt -name rhel9.iso -size 1G -ro"); err != nil || r.Code != 0 {
		t.Fatalf("mkvopt: %v %+v", err, r)
	}
	fsys := e.c.VIOSFS(e.v1.UUID)
	cases := []struct {
		cmd, file string
		gz        bool
		want      []string
	}{
		{"backupios -file /home/padmin", "/home/padmin/nim_resources.tar", false,
			[]string{"IMAGE=nim_resources", "MEDIA_REPOSITORY=included", "MEDIA=rhel9.iso", "VIOS_NAME=vios1"}},
		{"backupios -file /home/padmin/vios1.mksysb -mksysb -nomedialib", "/home/padmin/vios1.mksysb", true,
			[]string{"IMAGE=mksysb", "MEDIA_REPOSITORY=excluded", "MEDIA=\n"}},
		{"backupios -cd /dev/cd0 -udf -accept", "/dev/cd0.udf.img", true,
			[]string{"TARGET=/dev/cd0", "CONTENTS=rootvg,volume_group_structures,media_repository,device_configuration"}},
	}
	for _, tc := range cases {
		if _, r, err := e.run(t, tc.cmd); err != nil || r.Code != 0 {
			t.Fatalf("%s: %v %+v", tc.cmd, err, r)
		}
		data, err := fsys.Read(tc.file)
		if err != nil {
			t.Fatalf("%s: %v", tc.cmd, err)
		}
		var rd io.Reader = bytes.NewReader(data)
		if tc.gz {
			zr, err := gzip.NewReader(rd)
			if err != nil {
				t.Fatalf("%s: not gzip: %v", tc.file, err)
			}
			rd = zr
		}
		tr := tar.NewReader(rd)
		members := map[string]string{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			b, _ := io.ReadAll(tr)
			members[h.Name] = string(b)
		}
		man, ok := members["MANIFEST"]
		if !ok || members["vios1.xml"] == "" {
			t.Fatalf("%s holds %d members, want MANIFEST and vios1.xml", tc.file, len(members))
		}
		for _, w := range tc.want {
			if !strings.Contains(man, w) {
				t.Errorf("%s: MANIFEST lacks %q:\n%s", tc.file, w, man)
			}
		}
	}
}

// filesUnder lists the files below dir (path and size).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fi, _ := d.Info()
			out = append(out, fmt.Sprintf("%s %d", p, fi.Size()))
		}
		return nil
	})
	return out
}

// TestIOSCLIFilesNeedTheMaster: the commands that only write files on a
// VIOS (viosbr -backup, backupios) are changes like any other: refused to
// padmin while the HMC is master, and to a viewer, with nothing written;
// the HMC may run them.
func TestIOSCLIFilesNeedTheMaster(t *testing.T) {
	e := openIOSCLITest(t)
	v1 := e.v1.UUID
	cmds := []string{
		"viosbr -backup -file cfg",
		"viosbr -backup -file cfg2 -frequency daily -numfiles 2",
		"backupios -file /home/padmin -nomedialib",
		"backupios -file /home/padmin/v1.mksysb -mksysb",
	}
	viewer := Actor{User: "watcher", Role: RoleViewer}
	for _, cmd := range cmds {
		if _, err := e.c.RunIOSCLI(viewer, v1, cmd, false); model.KindOf(err) != model.KindRefused {
			t.Errorf("%s by a viewer: %v, want refused", cmd, err)
		}
	}
	if j := requestMaster(t, e.c, hmcActor(e.c), "keep"); j.Snapshot().Status != JobOK {
		t.Fatalf("the HMC did not become master: %+v", j.Snapshot())
	}
	before := filesUnder(t, e.c.VIOSFS(v1).root)
	for _, cmd := range cmds {
		r, err := e.c.RunIOSCLI(admin, v1, cmd, false)
		var me *model.Error
		if !errors.As(err, &me) || me.ID != "PVME01050960-0101" {
			t.Errorf("%s by padmin while the HMC is master: %+v, %v; want the refusal naming the master", cmd, r, err)
		}
	}
	if after := filesUnder(t, e.c.VIOSFS(v1).root); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("refused commands wrote files:\nbefore %v\nafter %v", before, after)
	}
	for _, cmd := range cmds {
		if r, err := e.c.RunIOSCLI(hmcActor(e.c), v1, cmd, false); err != nil || r.Code != 0 {
			t.Errorf("%s by the HMC, master: %+v, %v", cmd, r, err)
		}
	}
	if after := filesUnder(t, e.c.VIOSFS(v1).root); len(after) <= len(before) {
		t.Errorf("the master's commands wrote nothing: %v", after)
	}
}
