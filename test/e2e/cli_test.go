package e2e

import (
	"bufio"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the expected output in testdata/script/*.txtar")

// TestCLITranscripts runs the pvmctl transcripts in testdata/script: each
// starts the real pvmd (pvmd-start) and runs the real pvmctl against it,
// comparing output with the golden text in the script.
func TestCLITranscripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("PVMCTL_LOG", filepath.Join(env.WorkDir, "pvmctl.log"))
			env.Setenv("PVMCTL_SESSION_DIR", filepath.Join(env.WorkDir, "sessions"))
			env.Setenv("PVMD_ADMIN_PASSWORD", adminPassword)
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"pvmd-start": pvmdStart,
			"pvmd-stop":  pvmdStop,
			"sleep":      sleepCmd,
			"waitfor":    waitforCmd,
		},
	})
}

// sleep DURATION: wait (real time: pvmd runs on the wall clock), e.g. for
// the performance monitors' samples.
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// waitfor TIMEOUT REGEXP PROGRAM [ARGS...]: run the program (from the
// script's PATH, in its environment) until its standard output matches the
// expression, for what settles a little after a command returns (RMC comes
// up after a power-on); fails with the last output once TIMEOUT (real
// time) has passed. The last output is the script's stdout.
func waitforCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: waitfor TIMEOUT REGEXP PROGRAM [ARGS...]")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	re, err := regexp.Compile("(?m)" + args[1]) // as stdout matches
	ts.Check(err)
	deadline := time.Now().Add(d)
	for {
		err := ts.Exec(args[2], args[3:]...)
		if err == nil && re.MatchString(ts.ReadFile("stdout")) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfor: %s %s did not print %q within %v (last error %v)", args[2], strings.Join(args[3:], " "), args[1], d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pvmd-start [flags...]: start pvmd (fast timing, loopback, free ports,
// state in $WORK/state) and point PVM_URL at it.
func pvmdStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! pvmd-start")
	}
	state := ts.MkAbs("state")
	full := append([]string{"--state-dir", state, "--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		"--timing", "fast", "--event-wait", "2s"}, args...)
	cmd := exec.Command(pvmdBin, full...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(os.Environ(), "PVMD_ADMIN_PASSWORD="+adminPassword, "PVMD_HMC_PASSWORD="+hmcPassword)
	stdout, err := cmd.StdoutPipe()
	ts.Check(err)
	logf, err := os.Create(ts.MkAbs("pvmd.log"))
	ts.Check(err)
	cmd.Stderr = logf
	ts.Check(cmd.Start())
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m
			}
		}
		close(ready)
	}()
	select {
	case m, ok := <-ready:
		if !ok {
			cmd.Wait()
			b, _ := os.ReadFile(ts.MkAbs("pvmd.log"))
			ts.Fatalf("pvmd exited before it was ready:\n%s", b)
		}
		ts.Setenv("PVM_URL", "http://"+m[1])
		ts.Setenv("PVM_HTTPS_URL", "https://"+m[2])
		ts.Setenv("PVM_TEST_PASSWORD", adminPassword)
		ts.Setenv("PVM_HMC_PASSWORD", hmcPassword)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		ts.Fatalf("pvmd not ready after 20s")
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	running.Store(ts, &daemonProc{cmd: cmd, done: done})
	ts.Defer(func() { stopDaemon(ts, 5*time.Second) })
}

// daemonProc is a pvmd a script started.
type daemonProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

var running sync.Map // *testscript.TestScript -> *daemonProc

// stopDaemon sends SIGTERM and waits; after timeout it kills. It reports
// whether pvmd stopped by itself in time.
func stopDaemon(ts *testscript.TestScript, timeout time.Duration) bool {
	v, ok := running.LoadAndDelete(ts)
	if !ok {
		return true
	}
	d := v.(*daemonProc)
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return true
	case <-time.After(timeout):
		d.cmd.Process.Kill()
		<-d.done
		return false
	}
}

// pvmd-stop: stop the pvmd started by pvmd-start (SIGTERM; it must exit
// cleanly within 5 s).
func pvmdStop(ts *testscript.TestScript, neg bool, args []string) {
	if !stopDaemon(ts, 5*time.Second) {
		ts.Fatalf("pvmd did not stop within 5s of SIGTERM")
	}
}
