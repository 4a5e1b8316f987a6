package clients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A scenario is one Python script of testdata/ run against a fresh pvmd.
type scenario struct {
	Script  string        // file in testdata/
	Deps    []dep         // what it needs besides pypowervm
	Trees   []string      // client trees it imports besides pypowervm (nova-powervm, ...)
	Timeout time.Duration // for the whole script
	Flags   []string      // extra pvmd flags
	Env     []string      // extra environment of the script (KEY=value)
	// Fleet runs the script against a fleet pvmd of this many systems
	// (PVM_TEST_FLEET lists them as JSON; the other PVM_TEST_ ports and
	// PVM_URL are the first system's).
	Fleet int
}

// stepResult is one line of the results file a scenario writes
// (harness.py): a step and how it went.
type stepResult struct {
	Step   string `json:"step"`
	Status string `json:"status"` // ok, fail, skip, or "end" (the last line)
	Detail string `json:"detail"` // fail: what went wrong; skip: why
	Log    string `json:"log"`    // fail: the traceback
}

// runScenario runs s and reports each of its steps as a subtest named by the
// capability it checks. It returns the pvmd it ran against (stopped at the
// end of the test) for checks after the script.
func runScenario(t *testing.T, s scenario) *daemon {
	t.Helper()
	if r := missingReason(s.Deps...); r != "" {
		t.Skip(r)
	}
	var d *daemon
	if s.Fleet > 0 {
		d = startFleetPVMD(t, s.Fleet, s.Flags...)
	} else {
		d = startPVMD(t, s.Flags...)
	}
	fleetJSON, err := json.Marshal(d.Systems)
	if err != nil {
		t.Fatal(err)
	}
	pvmURL := "http://localhost:" + d.HTTPPort
	procDir := filepath.Join(d.Dir, "proc")
	if len(d.Systems) > 0 {
		pvmURL = "http://" + d.Systems[0].HTTP
		procDir = filepath.Join(d.Dir, "systems", d.Systems[0].Name, "proc") // the first system's NovaLink
	}
	work := t.TempDir()
	results := filepath.Join(work, "results.jsonl")
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	pypath := []string{filepath.Join(repoRoot, "python", "partition"), testdata}
	for _, tree := range append(s.Trees, "pypowervm") {
		pypath = append(pypath, filepath.Join(clientsDir, tree))
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PYTHONPATH", k == "REQUESTS_CA_BUNDLE", k == "CURL_CA_BUNDLE", k == "PATH",
			k == "PYPOWERVM_SESSION_CONFIG", k == "PVM_PROC_DIR", strings.HasPrefix(k, "PVM_TEST_"),
			k == "PVM_URL", k == "PVM_USER", k == "PVM_PASSWORD", k == "PVMCTL_SESSION_DIR", k == "PVM_VTERM_VNC_PORT":
		default:
			env = append(env, kv)
		}
	}
	env = append(env,
		"PYTHONPATH="+strings.Join(pypath, string(os.PathListSeparator)),
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PVM_PROC_DIR="+procDir,
		"PVM_TEST_HTTP_PORT="+d.HTTPPort,
		"PVM_TEST_HTTPS_PORT="+d.HTTPSPort,
		"PVM_TEST_PASSWORD="+adminPassword,
		"PVM_TEST_HMC_PASSWORD="+hmcPassword,
		"PVM_TEST_STATE_DIR="+d.Dir,
		"PVM_TEST_RESULTS="+results,
		"PVM_TEST_WORK="+work,
		"PVM_TEST_FLEET="+string(fleetJSON),
		// The commands the clients run (mkvterm, rmvterm) reach this
		// pvmd by local logon, cache their session in the scratch
		// directory and serve VNC on any free port.
		"PVM_URL="+pvmURL,
		"PVMCTL_SESSION_DIR="+filepath.Join(work, "sessions"),
		"PVM_VTERM_VNC_PORT=0",
	)
	env = append(env, s.Env...)
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join(testdata, s.Script))
	cmd.Env, cmd.Dir = env, work
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	t.Logf("%s ran for %v", s.Script, time.Since(start).Round(time.Millisecond))

	steps, ended := readResults(t, results)
	for _, r := range steps {
		r := r
		t.Run(r.Step, func(t *testing.T) {
			switch r.Status {
			case "ok":
			case "skip":
				t.Skip(r.Detail)
			default:
				if r.Log != "" {
					t.Log(r.Log)
				}
				t.Error(r.Detail)
			}
		})
	}
	if runErr != nil || !ended {
		t.Errorf("%s did not finish (%v): its steps after the last reported one were not checked\nstdout:\n%s\nstderr:\n%s\npvmd stderr:\n%s",
			s.Script, runErr, tail(stdout.String(), 4000), tail(stderr.String(), 8000), tail(d.Stderr(), 4000))
	} else if t.Failed() {
		t.Logf("%s stderr:\n%s\npvmd stderr:\n%s", s.Script, tail(stderr.String(), 8000), tail(d.Stderr(), 4000))
	}
	return d
}

// readResults reads the steps a scenario reported, and whether it reached
// its end.
func readResults(t *testing.T, path string) (steps []stepResult, ended bool) {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r stepResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Errorf("bad results line %q: %v", sc.Text(), err)
			continue
		}
		if r.Status == "end" {
			ended = true
			continue
		}
		steps = append(steps, r)
	}
	return steps, ended
}
