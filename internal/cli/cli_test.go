package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
)

// fixture is pvmd's core and REST server in-process (tests may link them;
// the pvmctl binary may not) and an environment for pvmctl runs.
type fixture struct {
	t       *testing.T
	url     string
	dir     string
	env     map[string]string
	user    app.User
	core    *core.Core
	srv     *httptest.Server
	logPath string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: sim.RealClock{}, Timing: sim.Profiles["fast"], Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureUser("padmin", core.RoleAdmin, "pw"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rest.New(c, rest.Config{SessionDir: filepath.Join(dir, "sessions"), EventWait: 100 * time.Millisecond, Logger: log}))
	t.Cleanup(func() { srv.Close(); c.Close() })
	f := &fixture{t: t, url: srv.URL, dir: dir, core: c, srv: srv, logPath: filepath.Join(dir, "pvmctl.log"),
		user: app.User{Name: "tester", UID: 1000, Groups: []string{"users", "pvm_admin"}}}
	f.env = map[string]string{
		"PVM_URL":            srv.URL,
		"PVMCTL_LOG":         f.logPath,
		"PVMCTL_SESSION_DIR": filepath.Join(dir, "pvmctl-sessions"),
	}
	return f
}

// run runs pvmctl in-process and returns stdout, stderr and the exit code.
func (f *fixture) run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Main(args, app.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return f.env[k] },
		Width:  func() int { return 0 },
		User:   func() (app.User, error) { return f.user, nil },
		Now:    func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
	})
	return out.String(), errb.String(), code
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	// A port nothing listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string // substring
	}{
		{"unknown object", []string{"gizmo", "list"}, nil, app.ExitUsage, "[PVME01040123-0001] The object gizmo is not valid"},
		{"unknown verb", []string{"lpar", "explode"}, nil, app.ExitUsage, "[PVME01040123-0003] The verb explode is not valid for LogicalPartition"},
		{"missing verb", []string{"vios"}, nil, app.ExitUsage, "A verb is needed for VirtualIOServer"},
		{"unknown flag", []string{"lpar", "list", "--d"}, nil, app.ExitUsage, "[PVME01040123-0009] Parameter --d is not valid."},
		{"unknown short flag", []string{"lpar", "list", "-x"}, nil, app.ExitUsage, "[PVME01040123-0009] Parameter -x is not valid."},
		{"flag without value", []string{"lpar", "list", "-i"}, nil, app.ExitUsage, "Parameter -i needs a value"},
		{"unknown display field", []string{"lpar", "list", "-d", "colour"}, nil, app.ExitUsage, "The field colour is not valid for LogicalPartition"},
		{"ambiguous display field", []string{"lpar", "list", "-d", "desired"}, nil, app.ExitUsage, "ambiguous"},
		{"unknown where field", []string{"lpar", "list", "-w", "colour=red"}, nil, app.ExitUsage, "The field colour is not valid"},
		{"malformed where", []string{"lpar", "list", "-w", "state"}, nil, app.ExitUsage, "FIELD=VALUE or FIELD!=VALUE"},
		{"where of the wrong type", []string{"lpar", "list", "-w", "id=four"}, nil, app.ExitUsage, `The value "four" of LogicalPartition.id is not valid: it must be an integer.`},
		{"unknown set field", []string{"lpar", "update", "-i", "name=lpar10", "-s", "Bogus.field=1"}, nil, app.ExitUsage, "The field Bogus.field is not valid"},
		{"set value of the wrong type", []string{"lpar", "update", "-i", "name=lpar10", "-s", "PartitionMemoryConfiguration.desired=lots"}, nil, app.ExitUsage, "it must be an integer"},
		{"set a read-only field", []string{"lpar", "update", "-i", "name=lpar10", "-s", "LogicalPartition.state=running"}, nil, app.ExitUsage, "cannot be set"},
		{"malformed set", []string{"lpar", "update", "-i", "name=lpar10", "-s", "desired"}, nil, app.ExitUsage, "use FIELD=VALUE"},
		{"nothing to set", []string{"lpar", "update", "-i", "name=lpar10"}, nil, app.ExitUsage, "Nothing to change"},
		{"malformed object id", []string{"lpar", "list", "-i", "lpar10"}, nil, app.ExitUsage, "use KEY=VALUE"},
		{"unknown object id key", []string{"lpar", "delete", "-i", "colour=red"}, nil, app.ExitUsage, "The key colour of --object-id is not valid"},
		{"object id of the wrong type", []string{"lpar", "power-on", "-i", "id=ten"}, nil, app.ExitUsage, "it must be an integer"},
		{"object id matches nothing", []string{"lpar", "power-on", "-i", "name=nobody"}, nil, app.ExitNotFound, "No LogicalPartition matches name=nobody"},
		{"list object id matches nothing", []string{"lpar", "list", "-i", "id=99"}, nil, app.ExitNotFound, "No LogicalPartition matches id=99"},
		{"missing object id", []string{"lpar", "delete"}, nil, app.ExitUsage, "The object to act on is missing"},
		{"flag value of the wrong type", []string{"lpar", "create", "--name", "x", "--mem", "lots"}, nil, app.ExitUsage, `The value "lots" of --mem is not valid: it must be an integer.`},
		{"create without name", []string{"lpar", "create", "--mem", "1024"}, nil, app.ExitUsage, "--name is required"},
		{"bad sharing mode", []string{"lpar", "create", "--name", "x", "--mem", "1024", "--sharing-mode", "greedy"}, nil, app.ExitUsage, "--sharing-mode is not valid"},
		{"bad boot mode", []string{"lpar", "power-on", "-i", "name=lpar10", "--bootmode", "fast"}, nil, app.ExitUsage, "--bootmode is not valid"},
		{"server refuses", []string{"lpar", "create", "--name", "vios1", "--mem", "1024"}, nil, app.ExitRefused, "[PVME01050101-0001]"},
		{"server refuses a value", []string{"lpar", "update", "-i", "name=lpar10", "-s", "PartitionMemoryConfiguration.desired=1000"}, nil, app.ExitRefused, "[PVME01050104-0006]"},
		{"memory not in whole regions", []string{"lpar", "create", "--name", "odd", "--mem", "1000"}, nil, app.ExitUsage, "[PVME01040140-0007] The value 1000 of --mem is not valid"},
		{"not supported yet", []string{"ssp", "create"}, nil, app.ExitFailed, "SharedStoragePool create is not supported yet"},
		{"adapter on an unknown switch", []string{"vea", "create", "--pvid", "1", "--vswitch", "NOPE", "-p", "name=lpar10"}, nil, app.ExitNotFound, "[PVME01040124-0013] No VirtualSwitch matches name=NOPE."},
		{"malformed tagged VLANs", []string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=lpar10", "--tagged-vlans", "1-5"}, nil, app.ExitUsage, `The value "1-5" of --tagged-vlans is not valid`},
		{"adapter without partition", []string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0"}, nil, app.ExitUsage, "The parameter --parent-id is required"},
		{"slot not a number", []string{"vea", "create", "--slot", "x", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "id=10"}, nil, app.ExitUsage, `The value "x" of --slot is not valid: it must be an integer.`},
		{"adapter of an unknown partition", []string{"vea", "list", "-p", "name=nobody"}, nil, app.ExitNotFound, "No partition matches name=nobody."},
		{"trunk on a client", []string{"vea", "create", "--pvid", "1", "--vswitch", "ETHERNET0", "-p", "name=lpar10", "--trunk-pri", "1"}, nil, app.ExitRefused, "only a Virtual I/O Server"},
		{"bridge PVID removed", []string{"nbr", "update", "-i", "pvid=1", "--remove-vlans", "1"}, nil, app.ExitRefused, "is the port VLAN ID of the network bridge"},
		{"slot of another partition", []string{"io", "attach", "-p", "name=lpar10", "--drc-names", "U78C9.001.WZSE3CA-P1-C6"}, nil, app.ExitRefused, "belongs to partition vios1"},
		{"default switch deleted", []string{"vswitch", "delete", "-i", "name=ETHERNET0"}, nil, app.ExitRefused, "ETHERNET0 cannot be deleted"},
		{"no daemon", []string{"lpar", "list"}, map[string]string{"PVM_URL": dead}, app.ExitServer, "cannot connect to the PowerVM REST server at " + dead + ": connection refused"},
		{"bad address", []string{"lpar", "list"}, map[string]string{"PVM_URL": "ftp://x"}, app.ExitUsage, "not a http:// or https:// URL"},
		{"wrong password", []string{"lpar", "list"}, map[string]string{"PVM_USER": "padmin", "PVM_PASSWORD": "nope"}, app.ExitPermission, "user ID or password is not valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			saved := map[string]string{}
			for k, v := range tc.env {
				saved[k] = f.env[k]
				f.env[k] = v
			}
			defer func() {
				for k, v := range saved {
					f.env[k] = v
				}
			}()
			out, errOut, code := f.run(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("stderr %q does not contain %q", errOut, tc.stderr)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "dial tcp") {
				t.Fatalf("raw Go error on stderr: %q", errOut)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Fatalf("want one error line, got %q", errOut)
			}
			if !strings.HasPrefix(errOut, "[PVME") {
				t.Fatalf("error without a message ID: %q", errOut)
			}
		})
	}
	// Nothing refused was half-done.
	if out, _, _ := f.run("vea", "list", "-p", "name=lpar10", "-d", "slot", "--hide-label"); out != "2\n6\n" {
		t.Fatalf("a refused adapter create left an adapter: %q", out)
	}
	if out, _, _ := f.run("lpar", "list", "-d", "name", "--hide-label"); strings.Contains(out, "odd") || strings.Contains(out, "\nx\n") {
		t.Fatalf("a refused create left a partition: %s", out)
	}
}

func TestWhereMatchingNothingIsEmpty(t *testing.T) {
	f := newFixture(t)
	out, errOut, code := f.run("lpar", "list", "-w", "name=nobody")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	want := "Logical Partitions\n| Name | ID | State | Env | Ref Code | Mem | CPU | Ent |\n"
	if out != want {
		t.Fatalf("got %q want %q", out, want)
	}
	out, _, code = f.run("lpar", "list", "-d", "name", "-w", "name=nobody")
	if code != 0 || out != "" {
		t.Fatalf("-d with nothing selected: exit %d out %q", code, out)
	}
}

func TestWhereComparesFieldsAndValues(t *testing.T) {
	f := newFixture(t)
	// Seeded clients have min 1024 < desired 2048; the NovaLink partition
	// has min = desired.
	out, _, code := f.run("lpar", "list", "-d", "name", "--hide-label",
		"-w", "PartitionMemoryConfiguration.min=PartitionMemoryConfiguration.desired")
	if code != 0 || out != "novalink\n" {
		t.Fatalf("field = field: exit %d %q", code, out)
	}
	out, _, _ = f.run("lpar", "list", "-d", "name", "--hide-label", "-w", "state!=running", "-w", "id!=11")
	if out != "lpar10\nlpar12\n" {
		t.Fatalf("two conditions: %q", out)
	}
	out, _, _ = f.run("lpar", "list", "-d", "name", "--hide-label", "-w", `name='lpar11'`)
	if out != "lpar11\n" {
		t.Fatalf("quoted value: %q", out)
	}
	out, _, _ = f.run("lpar", "list", "-d", "name", "id", "-f", ";", "-w", "SharedProcessorConfiguration.desired_units=.50", "-w", "id=10")
	if out != "name=lpar10;id=10\n" {
		t.Fatalf("units compare and delimiter: %q", out)
	}
}

func TestPermissionAndLog(t *testing.T) {
	f := newFixture(t)
	f.env["PVM_LAYOUT"] = "production"
	f.user = app.User{Name: "mallory", UID: 1001, Groups: []string{"users"}}
	out, errOut, code := f.run("lpar", "list")
	if code != app.ExitPermission || out != "" || !strings.Contains(errOut, "User mallory may not run pvmctl: only root and members of group pvm_admin may.") {
		t.Fatalf("outsider: exit %d out %q err %q", code, out, errOut)
	}
	f.env["PVMCTL_ADMIN_GROUP"] = "users"
	if _, errOut, code := f.run("lpar", "list"); code != 0 {
		t.Fatalf("member of the configured group refused: %d %s", code, errOut)
	}
	delete(f.env, "PVMCTL_ADMIN_GROUP")
	f.user = app.User{Name: "root", UID: 0}
	if _, errOut, code := f.run("sys", "list"); code != 0 {
		t.Fatalf("root refused: %d %s", code, errOut)
	}
	b, err := os.ReadFile(f.logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("log has %d lines:\n%s", len(lines), b)
	}
	for i, want := range []string{
		`2026-11-23T12:00:00Z user=mallory cmd="pvmctl lpar list" result="exit=6 [PVME01040129-0042] User mallory may not run pvmctl`,
		`2026-11-23T12:00:00Z user=mallory cmd="pvmctl lpar list" result="ok"`,
		`2026-11-23T12:00:00Z user=root cmd="pvmctl sys list" result="ok"`,
	} {
		if !strings.HasPrefix(lines[i], want) {
			t.Fatalf("log line %d:\n got %s\nwant %s...", i+1, lines[i], want)
		}
	}
}

func TestSessionCache(t *testing.T) {
	f := newFixture(t)
	if _, errOut, code := f.run("sys", "list"); code != 0 {
		t.Fatal(errOut)
	}
	files, _ := filepath.Glob(filepath.Join(f.env["PVMCTL_SESSION_DIR"], "session-*"))
	if len(files) != 1 {
		t.Fatalf("session files: %v", files)
	}
	st, err := os.Stat(files[0])
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("session file mode %v (%v), want 0600", st.Mode(), err)
	}
	first, _ := os.ReadFile(files[0])
	if _, _, code := f.run("lpar", "list"); code != 0 {
		t.Fatal("second run failed")
	}
	second, _ := os.ReadFile(files[0])
	if string(first) != string(second) {
		t.Fatal("the cached session was not reused")
	}
	// An expired (unknown) session is replaced transparently.
	os.WriteFile(files[0], []byte("expired-token\n"), 0o600)
	if _, errOut, code := f.run("lpar", "list"); code != 0 {
		t.Fatalf("run with an expired session: %d %s", code, errOut)
	}
	third, _ := os.ReadFile(files[0])
	if strings.TrimSpace(string(third)) == "expired-token" {
		t.Fatal("the refreshed session was not cached")
	}
}

func TestListHelpListsFields(t *testing.T) {
	f := newFixture(t)
	out, _, code := f.run("lpar", "list", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"LogicalPartition.state", "PartitionMemoryConfiguration.desired", "SharedProcessorConfiguration.desired_units", "--display-fields", "--where"} {
		if !strings.Contains(out, want) {
			t.Errorf("lpar list --help does not mention %s", want)
		}
	}
}

func TestAliasesAndCase(t *testing.T) {
	f := newFixture(t)
	want, _, _ := f.run("lpar", "list")
	for _, obj := range []string{"vm", "LogicalPartition", "logicalpartition", "LPAR"} {
		out, errOut, code := f.run(obj, "list")
		if code != 0 || out != want {
			t.Errorf("%s list: exit %d %q %q", obj, code, out, errOut)
		}
	}
	for _, d := range Defs() {
		for _, alias := range append([]string{d.Object.Name}, d.Object.Aliases...) {
			_, errOut, code := f.run(alias, "list")
			if code == app.ExitUsage {
				t.Errorf("pvmctl %s list: not recognised: %s", alias, errOut)
			}
		}
	}
}

// TestPvmctlLinksNoServer: the pvmctl binary links only the client side.
func TestPvmctlLinksNoServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/novalink-project/novalink/cmd/pvmctl").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/novalink-project/novalink/internal/sim", "github.com/novalink-project/novalink/internal/store", "github.com/novalink-project/novalink/internal/core", "github.com/novalink-project/novalink/internal/rest", "github.com/novalink-project/novalink/internal/model", "github.com/novalink-project/novalink/internal/daemon", "go.etcd.io/bbolt"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("pvmctl links %s", dep)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/novalink-project/novalink/client") {
		t.Fatal("go list output does not look right:\n" + string(out))
	}
}

// TestPublicPackagesStandAlone: client and uom link nothing of internal/.
func TestPublicPackagesStandAlone(t *testing.T) {
	for _, pkg := range []string{"github.com/novalink-project/novalink/client", "github.com/novalink-project/novalink/uom", "github.com/novalink-project/novalink/uom/pcm"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/novalink-project/novalink/internal/") || strings.HasPrefix(dep, "github.com/novalink-project/novalink/cmd/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

// TestDevelopmentLayout: against a development pvmd anyone may run pvmctl
// (the server decides what the session may do), and the runs are logged in
// the user's own state directory; a bad PVM_LAYOUT is refused.
func TestDevelopmentLayout(t *testing.T) {
	f := newFixture(t)
	f.env["PVM_LAYOUT"] = "development"
	delete(f.env, "PVMCTL_LOG")
	home := t.TempDir()
	f.env["HOME"] = home
	f.user = app.User{Name: "mallory", UID: 1001, Groups: []string{"users"}}
	if _, errOut, code := f.run("sys", "list"); code != 0 || errOut != "" {
		t.Fatalf("development layout: exit %d, stderr %q", code, errOut)
	}
	log := filepath.Join(home, ".local", "state", "pvm", "pvmctl.log")
	if b, err := os.ReadFile(log); err != nil || !strings.Contains(string(b), `user=mallory cmd="pvmctl sys list" result="ok"`) {
		t.Fatalf("log %s: %q %v", log, b, err)
	}
	f.env["XDG_STATE_HOME"] = filepath.Join(home, "state")
	f.run("sys", "list")
	if _, err := os.Stat(filepath.Join(home, "state", "pvm", "pvmctl.log")); err != nil {
		t.Fatalf("XDG_STATE_HOME not followed: %v", err)
	}
	f.env["PVM_LAYOUT"] = "prod"
	if _, errOut, code := f.run("sys", "list"); code != app.ExitUsage || !strings.Contains(errOut, "PVM_LAYOUT=prod is not valid: use production or development.") {
		t.Fatalf("bad layout: exit %d, stderr %q", code, errOut)
	}
}

// TestObjectTreeAsWhole: a command on an object builds that object's
// commands only (objectDefs); each of its verbs, reached by any of the
// object's names in any case, is the command the whole tree has, with
// the same flags; a command line that names no object builds the whole
// tree.
func TestObjectTreeAsWhole(t *testing.T) {
	a := app.New(context.Background(), app.Env{})
	all := Defs()
	whole := newRoot(a, all)
	for _, args := range [][]string{nil, {"--help"}, {"help", "lpar"}, {"completion", "bash"}, {"__complete", "lpar", ""}, {"nosuch", "list"}, {"--version"}} {
		if defs := objectDefs(args); len(defs) != len(all) {
			t.Errorf("%q: builds %d objects of %d", args, len(defs), len(all))
		}
	}
	for _, d := range all {
		o := d.Object
		for _, name := range append([]string{o.Name, strings.ToUpper(o.Name)}, o.Aliases...) {
			defs := objectDefs([]string{name, "list"})
			if len(defs) != 1 || defs[0].Object.Name != o.Name {
				t.Fatalf("%s: objectDefs gives %d objects, want %s alone", name, len(defs), o.Name)
			}
			part := newRoot(a, defs)
			if n := len(part.Commands()); n > 3 { // the object's, help, completion
				t.Errorf("%s: %d commands at the root", name, n)
			}
			for _, verb := range o.Verbs {
				got, _, err := part.Find([]string{name, verb})
				want, _, werr := whole.Find([]string{name, verb})
				if err != nil || werr != nil {
					t.Fatalf("%s %s: %v / %v", name, verb, err, werr)
				}
				if got.CommandPath() != want.CommandPath() || got.Flags().FlagUsages() != want.Flags().FlagUsages() {
					t.Errorf("%s %s: %q with flags\n%s\nwant %q with\n%s", name, verb, got.CommandPath(), got.Flags().FlagUsages(), want.CommandPath(), want.Flags().FlagUsages())
				}
			}
		}
	}
}
