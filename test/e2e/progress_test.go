package e2e

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLongOperations (issue 18 item 7): with realistic timing a power-on
// takes a minute. pvmctl shows the reference codes the partition passes
// through (plain lines when not on a terminal); Ctrl-C stops the waiting
// with exit status 130, says that the power-on goes on in pvmd and how to
// follow it, and logs the interrupted run; --no-wait returns once pvmd has
// the job; --timeout gives up waiting with a message, the job going on.
func TestLongOperations(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{Flags: []string{"--timing", "realistic"}})
	work := t.TempDir()
	env := append(os.Environ(), "PVM_URL="+d.BaseURL(), "PVMCTL_LOG="+filepath.Join(work, "pvmctl.log"),
		"PVMCTL_SESSION_DIR="+filepath.Join(work, "sessions"), "HOME="+work, "PVM_LAYOUT=development", "COLUMNS=")
	pvmctl := func(args ...string) (string, string, int) {
		cmd := exec.Command(pvmctlBin, args...)
		cmd.Env = env
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	state := func(name string) string {
		out, errOut, code := pvmctl("lpar", "list", "-i", "name="+name, "-d", "state", "--hide-label")
		if code != 0 {
			t.Fatalf("lpar list: %s", errOut)
		}
		return strings.TrimSpace(out)
	}

	// Ctrl-C once the first reference codes showed.
	cmd := exec.Command(pvmctlBin, "lpar", "power-on", "-i", "name=lpar10")
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stderr)
	deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "reference code CA00E1") {
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("power-on after Ctrl-C: %v, want exit status 130\nstdout %s\nstderr %s", err, out.String(), strings.Join(lines, "\n"))
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"Powering on partition lpar10: starting, reference code CA00",
		"[PVME01040140-0009] Interrupted: stopped waiting, but powering on partition lpar10 goes on in pvmd (job ",
		"Follow it with: pvmctl lpar list -i name=lpar10 -d state ref_code",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("stderr does not say %q:\n%s", want, all)
		}
	}
	if out.String() != "Powering on partition lpar10, this may take a few minutes.\n" {
		t.Errorf("stdout %q", out.String())
	}
	if s := state("lpar10"); s != "starting" {
		t.Errorf("lpar10 is %q after the interrupted pvmctl, want starting (the power-on goes on)", s)
	}
	log, _ := os.ReadFile(filepath.Join(work, "pvmctl.log"))
	if !strings.Contains(string(log), `cmd="pvmctl lpar power-on -i name=lpar10" result="exit=130 [PVME01040140-0009] Interrupted`) {
		t.Errorf("the interrupted run is not logged:\n%s", log)
	}

	// --no-wait: back at once, the job goes on.
	o, errOut, code := pvmctl("lpar", "power-on", "-i", "name=lpar11", "--no-wait")
	if code != 0 || !strings.HasPrefix(o, "Powering on partition lpar11: started in pvmd (job ") || !strings.Contains(o, "Follow it with: pvmctl lpar list -i name=lpar11 -d state ref_code") {
		t.Fatalf("--no-wait: exit %d\n%s%s", code, o, errOut)
	}
	if s := state("lpar11"); s != "starting" {
		t.Errorf("lpar11 is %q after --no-wait, want starting", s)
	}

	// --timeout: gives up waiting, says so.
	o, errOut, code = pvmctl("lpar", "power-on", "-i", "name=lpar12", "--timeout", "1s")
	if code != 1 || !strings.Contains(errOut, "[PVME01040140-0008] Powering on partition lpar12 did not end within 1s; it goes on in pvmd (job ") {
		t.Fatalf("--timeout 1s: exit %d\n%s%s", code, o, errOut)
	}
	if s := state("lpar12"); s != "starting" {
		t.Errorf("lpar12 is %q after --timeout, want starting", s)
	}
	// A refused power-on says nothing of doing it.
	o, errOut, code = pvmctl("vios", "power-on", "-i", "name=vios1")
	if code != 4 || o != "" || !strings.Contains(errOut, "is already powered on") {
		t.Fatalf("power-on of a running VIOS: exit %d, stdout %q, stderr %q", code, o, errOut)
	}
}
