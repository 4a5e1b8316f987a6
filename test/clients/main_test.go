package clients

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// binDir holds the binaries TestMain built: pvmd and, when the repository
// has them, the console commands the clients run (put on their PATH).
var binDir, pvmdBin string

// repoRoot is the module's root directory; clientsDir the client trees
// (empty when not found, with clientsMissing saying why).
var repoRoot, clientsDir, clientsMissing string

// python is the interpreter the clients run with: Debian's, whose packages
// provide their dependencies.
const python = "/usr/bin/python3"

// vtermCommands are the console commands pypowervm's tasks.vterm runs
// (issue 11); they are built, and put on the clients' PATH, when the
// repository has them.
var vtermCommands = []string{"mkvterm", "rmvterm", "mkvtermutil"}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	if repoRoot, err = moduleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "clients:", err)
		return 1
	}
	clientsDir, clientsMissing = findClients(repoRoot)
	dir, err := os.MkdirTemp("", "pvmd-clients-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "clients: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir, pvmdBin = dir, filepath.Join(dir, "pvmd")
	probeDeps()
	// What is missing is said once here; each test skips with the same
	// reason, which the suite's summary counts.
	if lines := missingLines(); len(lines) > 0 {
		for _, line := range lines {
			fmt.Fprintln(os.Stderr, "clients:", line)
		}
		if missingReason() != "" {
			return m.Run() // every test skips: nothing to build
		}
	}
	pkgs := []string{"./cmd/pvmd"}
	for _, c := range vtermCommands {
		if _, err := os.Stat(filepath.Join(repoRoot, "cmd", c)); err == nil {
			pkgs = append(pkgs, "./cmd/"+c)
		}
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // the toolchain that runs the tests builds what they run
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "clients: go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot finds the directory of go.mod above the test's directory.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// findClients locates the client trees: PVM_CLIENTS_DIR, else
// ../shared/clients beside the repository (as CI lays it out), else the
// same beside the main checkout when this one is a git worktree.
func findClients(root string) (dir, missing string) {
	ok := func(d string) bool {
		fi, err := os.Stat(filepath.Join(d, "pypowervm", "pypowervm", "__init__.py"))
		return err == nil && !fi.IsDir()
	}
	if d := os.Getenv("PVM_CLIENTS_DIR"); d != "" {
		if ok(d) {
			return d, ""
		}
		return "", fmt.Sprintf("PVM_CLIENTS_DIR=%s does not hold the client trees (pypowervm/, nova-powervm/, ...)", d)
	}
	cands := []string{filepath.Join(filepath.Dir(root), "shared", "clients")}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		common := strings.TrimSpace(string(out))
		cands = append(cands, filepath.Join(filepath.Dir(filepath.Dir(common)), "shared", "clients"))
	}
	for _, d := range cands {
		if ok(d) {
			return d, ""
		}
	}
	return "", fmt.Sprintf("the client trees (pypowervm, nova-powervm, networking-powervm, ceilometer-powervm) are not in %s: put them there or set PVM_CLIENTS_DIR", cands[0])
}

// A dep is something a scenario needs from outside the repository.
type dep string

const (
	depPypowervm  dep = "pypowervm"  // python3 and pypowervm's dependencies
	depNova       dep = "nova"       // python3-nova and genisoimage
	depNeutron    dep = "neutron"    // python3-neutron
	depCeilometer dep = "ceilometer" // python3-ceilometer
)

// pyModules are the modules each dep imports, with the Debian package
// that provides each.
var pyModules = map[dep][][2]string{
	depPypowervm: {
		{"lxml", "python3-lxml"}, {"requests", "python3-requests"},
		{"oslo_concurrency", "python3-oslo.concurrency"}, {"oslo_context", "python3-oslo.context"},
		{"oslo_i18n", "python3-oslo.i18n"}, {"oslo_log", "python3-oslo.log"},
		{"oslo_utils", "python3-oslo.utils"}, {"oslo_config", "python3-oslo.config"},
		{"oslo_serialization", "python3-oslo.serialization"}, {"pyasn1", "python3-pyasn1"},
		{"pyasn1_modules", "python3-pyasn1-modules"}, {"pytz", "python3-tz"}, {"six", "python3-six"},
		{"taskflow", "python3-taskflow"}, {"networkx", "python3-networkx"}, {"pbr", "python3-pbr"},
		{"babel", "python3-babel"},
	},
	depNova:       {{"nova.virt.driver", "python3-nova"}},
	depNeutron:    {{"neutron.agent.rpc", "python3-neutron"}},
	depCeilometer: {{"ceilometer.compute.virt.inspector", "python3-ceilometer"}},
}

// binaries each dep needs on PATH, with their Debian package.
var depBinaries = map[dep][][2]string{
	depNova: {{"genisoimage", "genisoimage"}},
}

// missingPkgs lists, per dep, the Debian packages found missing by
// probeDeps (nil: nothing missing).
var missingPkgs = map[dep][]string{}

// probeDeps imports every module once, in one python3 run, and looks for
// the binaries.
func probeDeps() {
	if _, err := os.Stat(python); err != nil {
		for d := range pyModules {
			missingPkgs[d] = []string{"python3"}
		}
		return
	}
	var script strings.Builder
	script.WriteString("import importlib\n")
	var mods []string
	for _, d := range []dep{depPypowervm, depNova, depNeutron, depCeilometer} {
		for _, m := range pyModules[d] {
			mods = append(mods, m[0])
		}
	}
	quoted := make([]string, len(mods))
	for i, m := range mods {
		quoted[i] = fmt.Sprintf("%q", m)
	}
	fmt.Fprintf(&script, "for m in [%s]:\n    try:\n        importlib.import_module(m)\n    except Exception:\n        print(m)\n", strings.Join(quoted, ", "))
	out, err := exec.Command(python, "-c", script.String()).Output()
	failed := map[string]bool{}
	if err != nil {
		for _, m := range mods {
			failed[m] = true
		}
	}
	for _, l := range strings.Fields(string(out)) {
		failed[l] = true
	}
	for d, ms := range pyModules {
		for _, m := range ms {
			if failed[m[0]] {
				missingPkgs[d] = append(missingPkgs[d], m[1])
			}
		}
	}
	for d, bs := range depBinaries {
		for _, b := range bs {
			if _, err := exec.LookPath(b[0]); err != nil {
				missingPkgs[d] = append(missingPkgs[d], b[1])
			}
		}
	}
}

// missingReason is the skip reason of a scenario needing deps ("" when
// nothing is missing). Skips for something outside the repository start
// with "missing dependency:", which CI refuses (scripts/test.sh).
func missingReason(deps ...dep) string {
	if clientsMissing != "" {
		return "missing dependency: " + clientsMissing
	}
	seen := map[string]bool{}
	var pkgs []string
	for _, d := range append([]dep{depPypowervm}, deps...) {
		for _, p := range missingPkgs[d] {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	if len(pkgs) == 0 {
		return ""
	}
	sort.Strings(pkgs)
	return "missing dependency: Debian packages " + strings.Join(pkgs, " ") + " (install them as root with scripts/client-deps.sh --install)"
}

// missingLines says once what is missing, for TestMain.
func missingLines() []string {
	if clientsMissing != "" {
		return []string{"skipping every real-client test: " + clientsMissing}
	}
	var lines []string
	for _, d := range []dep{depPypowervm, depNova, depNeutron, depCeilometer} {
		if r := missingReason(d); r != "" && (d == depPypowervm || len(missingPkgs[d]) > 0) {
			lines = append(lines, fmt.Sprintf("skipping the %s scenarios: %s", d, r))
		}
	}
	return lines
}
