package e2e

// The management console's commands: viosvrcmd (NovaLink) and the HMC's
// side of co-management (chcomgmt, lscomgmt, lssyscfg, chsyscfg, updlic),
// and ldfware. TestMain builds them with pvmd and pvmctl; pvmd gets the
// HMC account's password (PVMD_HMC_PASSWORD) and the transcripts
// PVM_HMC_PASSWORD.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// hmcPassword is what the tests put in PVMD_HMC_PASSWORD (the password of
// hscroot, the HMC's account).
const hmcPassword = "e2e-Hmc-Passw0rd!"

// consoleCommands are the binaries besides pvmd and pvmctl.
var consoleCommands = []string{"viosvrcmd", "chcomgmt", "lscomgmt", "lssyscfg", "chsyscfg", "ldfware", "updlic", "bkprofdata", "rstprofdata", "mkvterm", "rmvterm", "mkvtermutil"}

// cmdEnv runs the real binaries against a pvmd: NovaLink's (pvmctl by
// local logon, viosvrcmd, ldfware) and the HMC's (as hscroot).
type cmdEnv struct {
	t   *testing.T
	env []string
	dir string
}

func newCmdEnv(t *testing.T, d *daemon) *cmdEnv {
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PVM_URL", "PVM_USER", "PVM_PASSWORD", "PVM_HMC_USER", "PVM_HMC_PASSWORD", "PVMCTL_LOG", "PVMCTL_SESSION_DIR", "HOME", "COLUMNS":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PVM_URL="+d.BaseURL(), "PVM_HMC_PASSWORD="+hmcPassword,
		"PVMCTL_LOG="+filepath.Join(dir, "pvmctl.log"), "PVMCTL_SESSION_DIR="+filepath.Join(dir, "sessions"), "HOME="+dir)
	return &cmdEnv{t: t, env: env, dir: dir}
}

// run runs a binary of binDir and returns its output and exit status.
func (c *cmdEnv) run(name string, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		c.t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// must runs a command that must succeed.
func (c *cmdEnv) must(name string, args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(name, args...)
	if code != 0 {
		c.t.Fatalf("%s %s: exit %d\n%s%s", name, strings.Join(args, " "), code, out, errOut)
	}
	return out
}

const sysName = "Server-8247-21L-SN212E3CA"

// refusedVerbArgs are the arguments of every pvmctl verb that changes
// something, keyed "object verb" (the object's first alias): arguments a
// master would be allowed, so that the refusal comes from co-management.
// TestPvmctlChangesRefusedToTheNonMaster fails for a verb missing here.
var refusedVerbArgs = map[string][]string{
	"sys update":           {"-s", "ManagedSystem.name=renamed"},
	"lpar create":          {"--name", "vm9", "--mem", "1024", "--proc", "1"},
	"lpar update":          {"-i", "name=lpar10", "-s", "PartitionMemoryConfiguration.desired=1536"},
	"lpar delete":          {"-i", "name=lpar12"},
	"lpar power-on":        {"-i", "name=lpar10"},
	"lpar power-off":       {"-i", "name=lpar11"},
	"lpar restart":         {"-i", "name=lpar11"},
	"lpar migrate":         {"-i", "name=lpar10", "-t", "Server-9009-42A-SN0000001"},
	"lpar migrate-stop":    {"-i", "name=lpar10"},
	"lpar migrate-recover": {"-i", "name=lpar10"},
	"vios update":          {"-i", "name=vios1", "-s", "PartitionMemoryConfiguration.desired=5120"},
	"vios power-on":        {"-i", "name=viosoff"},
	"vios power-off":       {"-i", "name=vios2"},
	"vios restart":         {"-i", "name=vios2"},
	"io attach":            {"-p", "name=lpar12", "--drc-names", "U78C9.001.WZSE3CA-P1-C2"},
	"io detach":            {"-p", "name=lpar10", "--drc-names", "U78C9.001.WZSE3CA-P1-C3"},
	"nbr update":           {"-i", "pvid=1", "--add-vlans", "100"},
	"vea create":           {"--pvid", "5", "--vswitch", "ETHERNET0", "-p", "name=lpar10"},
	"vea update":           {"-p", "name=lpar10", "-i", "slot=2", "-s", "pvid=7"},
	"vea delete":           {"-p", "name=lpar10", "-i", "slot=2"},
	"vswitch create":       {"--name", "VSW9"},
	"vswitch update":       {"-i", "name=VSWDEL", "-s", "mode=Vepa"},
	"vswitch delete":       {"-i", "name=VSWDEL"},
	// Storage (set up by storageSetup).
	"lu create":   {"--name", "lu9", "--size", "1"},
	"lu update":   {"-i", "name=lu_enum", "--size", "2"},
	"lu delete":   {"-i", "name=lu_enum"},
	"lv create":   {"--name", "lv9", "--size", "1", "-p", "name=vios1"},
	"lv update":   {"-i", "name=lv_enum", "--size", "2", "-p", "name=vios1"},
	"lv delete":   {"-i", "name=lv_enum", "-p", "name=vios1"},
	"vmr create":  {"-p", "name=vios2", "--size", "1"},
	"vmr update":  {"-i", "vios=vios1", "--size", "20"},
	"vmr delete":  {"-i", "vios=vios1", "--force"},
	"vom create":  {"--name", "v9.iso", "--size", "1", "-p", "name=vios1"},
	"vom delete":  {"-i", "name=vom_enum", "-p", "name=vios1"},
	"vom upload":  {"--name", "up9.iso", "--vios", "vios1", "--data", "upload.iso"},
	"scsi create": {"--type", "lu", "--lpar", "name=lpar10", "--stor-id", "name=lu_enum", "--parent-id", "name=vios1"},
	"scsi delete": {"--type", "lv", "--lpar", "name=lpar12", "--stor-id", "name=lv_map", "--parent-id", "name=vios1"},
	"vfc create":  {"--lpar", "name=lpar10", "--parent-id", "name=vios1", "--port", "fcs0"},
	"vfc delete":  {"--lpar", "name=lpar12", "--parent-id", "name=vios1", "--port", "fcs1"},
	// SR-IOV (lpar12's vNIC and logical port made before the HMC takes over).
	"sriov update": {"-i", "loc_code=U78C9.001.WZSE3CA-P1-C8-T1", "--label", "prod"},
	"ethlp create": {"-p", "name=lpar10", "--pport", "U78C9.001.WZSE3CA-P1-C8-T2"},
	"ethlp delete": {"-p", "name=lpar12", "-i", "mac=0A1B2C3D4E02"},
	"vnic create":  {"-p", "name=lpar10", "--backing", "vios1:U78C9.001.WZSE3CA-P1-C8-T1"},
	"vnic delete":  {"-p", "name=lpar12", "-i", "mac=0A1B2C3D4E01"},
}

// storageObjects are the pvmctl objects of the storage issue: their verbs
// are checked once the server has the storage REST objects.
var storageObjects = map[string]bool{"ssp": true, "lu": true, "lv": true, "pv": true, "vfc": true, "vmr": true, "vom": true, "scsi": true}

// TestPvmctlChangesRefusedToTheNonMaster: with the HMC master, every
// pvmctl verb that changes something (the registered cobra commands,
// except those not supported yet) is refused with the message naming the
// HMC, nothing changes, every list works, and sys set-master takes
// mastership back.
func TestPvmctlChangesRefusedToTheNonMaster(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	cl := tc{newClient(d.BaseURL()), t}
	defer cl.close()
	cl.mustLogon()

	// What the verbs act on, made while NovaLink is master.
	c.must("pvmctl", "lpar", "power-on", "-i", "name=lpar11")
	c.must("pvmctl", "vswitch", "create", "--name", "VSWDEL")
	c.must("pvmctl", "io", "attach", "-p", "name=lpar10", "--drc-names", "U78C9.001.WZSE3CA-P1-C3")
	c.must("pvmctl", "vnic", "create", "-p", "name=lpar12", "--backing", "vios1:U78C9.001.WZSE3CA-P1-C8-T1", "--mac", "0A1B2C3D4E01")
	c.must("pvmctl", "ethlp", "create", "-p", "name=lpar12", "--pport", "U78C9.001.WZSE3CA-P1-C9-T2", "--mac", "0A1B2C3D4E02")
	body := bytes.ReplaceAll(lparBody("", "viosoff", 1024, 2048, 4096), []byte("LogicalPartition"), []byte("VirtualIOServer"))
	body = bytes.Replace(body, []byte("<uom:PartitionType>AIX/Linux</uom:PartitionType>"), []byte("<uom:PartitionType>Virtual IO Server</uom:PartitionType>"), 1)
	for _, el := range []string{"SimplifiedRemoteRestartCapable", "KvmCapable"} { // not in the VIOS schema
		body = regexp.MustCompile(`<uom:`+el+`[^>]*>[^<]*</uom:`+el+`>`).ReplaceAll(body, nil)
	}
	cl.expect(http.StatusOK, http.MethodPut, pathMS+"/"+cl.systemUUID()+"/VirtualIOServer", body, "Content-Type", uomType("VirtualIOServer"))
	r, err := cl.get("/rest/api/uom/SharedStoragePool")
	if err != nil {
		t.Fatal(err)
	}
	storage := r.Status != http.StatusNotFound
	if storage {
		storageSetup(c)
	} else {
		t.Logf("the server has no storage REST objects yet: the verbs of %v are not checked", keys(storageObjects))
	}

	c.must("chcomgmt", "-m", sysName, "-o", "setmaster", "-t", "keep")
	if out := c.must("pvmctl", "sys", "list", "-d", "master"); out != "master=HMC hmc1\n" {
		t.Fatalf("after chcomgmt: %q", out)
	}
	before := snapshot(c)

	a := app.New(context.Background(), app.Env{})
	checked := 0
	var other []refusal
	for _, def := range cli.Defs() {
		o := def.Object
		alias := o.Aliases[0]
		if storageObjects[alias] && !storage {
			continue
		}
		for _, cmd := range def.Verbs(a, o) {
			verb := cmd.Name()
			switch {
			case strings.Contains(cmd.Short, "(not supported"):
				continue
			case verb == "list":
				if out, errOut, code := c.run("pvmctl", alias, "list"); code != 0 {
					t.Errorf("pvmctl %s list while the HMC is master: exit %d\n%s%s", alias, code, out, errOut)
				}
				continue
			case alias == "sys" && verb == "set-master":
				continue // taking mastership back: below
			case alias == "sys" && verb == "list-backups":
				if out, errOut, code := c.run("pvmctl", alias, verb); code != 0 {
					t.Errorf("pvmctl sys list-backups while the HMC is master: exit %d\n%s%s", code, out, errOut)
				}
				continue
			case verb == "metrics":
				// Reading the metrics changes nothing (monitoring is off
				// here, which is what they say); --enable changes only the
				// monitoring preference, which any console may.
				line := []string{alias, verb}
				if alias != "sys" {
					line = append(line, "-i", "name=vios1")
				}
				if _, errOut, _ := c.run("pvmctl", line...); !strings.Contains(errOut, "monitoring is off") {
					t.Errorf("pvmctl %s while the HMC is master: %s", strings.Join(line, " "), errOut)
				}
				continue
			case alias == "sim":
				// The simulator's controls are not the managed system's
				// configuration: co-management does not apply.
				if out, errOut, code := c.run("pvmctl", "sim", "load", "-i", "name=lpar10", "--cpu", "0.1"); code != 0 {
					t.Errorf("pvmctl sim load while the HMC is master: exit %d\n%s%s", code, out, errOut)
				}
				continue
			}
			args, ok := refusedVerbArgs[alias+" "+verb]
			if !ok {
				t.Errorf("pvmctl %s %s changes something and has no arguments in refusedVerbArgs: add them", alias, verb)
				continue
			}
			checked++
			line := append([]string{alias, verb}, args...)
			out, errOut, code := c.run("pvmctl", line...)
			switch {
			case code == 0:
				t.Errorf("pvmctl %s while the HMC is master succeeded:\n%s", strings.Join(line, " "), out)
			case !strings.Contains(errOut, "PowerVM management master of this system is the HMC hmc1"):
				other = append(other, refusal{line, errOut})
			}
		}
	}
	// The VIOS commands that only write files are changes too.
	for _, cmd := range []string{"viosbr -backup -file hmcmaster", "backupios -file /home/padmin/hmcmaster.mksysb -mksysb"} {
		out, errOut, code := c.run("viosvrcmd", "--id", "2", "-c", cmd)
		if code == 0 || !strings.Contains(errOut, "PowerVM management master of this system is the HMC hmc1") {
			t.Errorf("viosvrcmd %s while the HMC is master: exit %d\n%s%s", cmd, code, out, errOut)
		}
	}
	if out := c.must("viosvrcmd", "--id", "2", "-c", "viosbr -view -list"); strings.Contains(out, "hmcmaster") {
		t.Errorf("a refused viosbr -backup wrote its file:\n%s", out)
	}
	if after := snapshot(c); after != before {
		t.Errorf("refused verbs changed the system:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	t.Logf("%d verbs refused", checked)

	out := c.must("pvmctl", "sys", "set-master")
	if !strings.Contains(out, "NovaLink is now the PowerVM management master") {
		t.Errorf("sys set-master: %q", out)
	}
	c.must("pvmctl", "lpar", "create", "--name", "vm9", "--mem", "1024", "--proc", "1")

	// A verb refused with another message is wrong when NovaLink, master
	// again, may run it; one that fails for the master too has nothing to
	// show here (its own tests are where it is broken).
	for _, r := range other {
		if out, errOut, code := c.run("pvmctl", r.line...); code == 0 {
			t.Errorf("pvmctl %s while the HMC was master: %q, want the refusal naming the HMC (the master may run it:\n%s)",
				strings.Join(r.line, " "), r.stderr, out)
		} else {
			t.Logf("pvmctl %s fails for the master too, so its refusal cannot be shown: %s", strings.Join(r.line, " "), strings.TrimSpace(errOut))
		}
	}
}

// refusal is a pvmctl command line and what it printed on stderr.
type refusal struct {
	line   []string
	stderr string
}

// storageSetup makes what the storage verbs act on.
func storageSetup(c *cmdEnv) {
	c.must("viosvrcmd", "--id", "2", "-c", "lu -create -sp pool1 -lu lu_enum -size 1024")
	c.must("viosvrcmd", "--id", "2", "-c", "mklv -lv lv_enum rootvg 1G")
	c.must("viosvrcmd", "--id", "2", "-c", "mklv -lv lv_map rootvg 1G")
	c.must("viosvrcmd", "--id", "2", "-c", "mkvopt -name vom_enum -size 1")
	c.must("pvmctl", "vmr", "delete", "-i", "vios=vios2", "--force")
	c.must("pvmctl", "scsi", "create", "--type", "lv", "--lpar", "name=lpar12", "--stor-id", "name=lv_map", "--parent-id", "name=vios1")
	c.must("pvmctl", "vfc", "create", "--lpar", "name=lpar12", "--parent-id", "name=vios1", "--port", "fcs1")
	if err := os.WriteFile(filepath.Join(c.dir, "upload.iso"), bytes.Repeat([]byte{0x42}, 4096), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// snapshot is what the verbs could change, as pvmctl lists it.
func snapshot(c *cmdEnv) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"sys", "list", "-d", "name", "state", "master"},
		{"lpar", "list", "-d", "name", "id", "state", "PartitionMemoryConfiguration.desired"},
		{"vios", "list", "-d", "name", "id", "state", "PartitionMemoryConfiguration.desired"},
		{"io", "list"}, {"vea", "list"}, {"vswitch", "list"}, {"nbr", "list"}, {"vnet", "list"},
		{"sriov", "list"}, {"ethlp", "list"}, {"vnic", "list"},
	} {
		b.WriteString(c.must("pvmctl", args...))
	}
	b.WriteString(c.must("viosvrcmd", "--id", "2", "-c", "lu -list"))
	b.WriteString(c.must("viosvrcmd", "--id", "2", "-c", "lsvg"))
	return b.String()
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
