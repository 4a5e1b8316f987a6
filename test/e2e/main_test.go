package e2e

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pvmdBin and pvmctlBin are the binaries TestMain built from ./cmd/pvmd
// and ./cmd/pvmctl (binDir holds both).
var pvmdBin, pvmctlBin, binDir string

// stopTimeout is how long pvmd may take to exit after SIGTERM.
const stopTimeout = 5 * time.Second

// adminPassword is what the tests put in PVMD_ADMIN_PASSWORD.
const adminPassword = "e2e-Passw0rd!"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pvmd-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// Tests run some binaries as an unprivileged user: let them in.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binDir = dir
	pvmdBin = filepath.Join(dir, "pvmd")
	pvmctlBin = filepath.Join(dir, "pvmctl")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // the toolchain that runs the tests builds what they run
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	start := time.Now()
	pkgs := []string{"./cmd/pvmd", "./cmd/pvmctl", "./cmd/pvm-install"}
	for _, c := range consoleCommands {
		pkgs = append(pkgs, "./cmd/"+c)
	}
	cmd := exec.Command(gobin, append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Makefile builds them
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "e2e: built %s in %v\n", dir, time.Since(start).Round(time.Millisecond))
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

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemon is one running pvmd.
type daemon struct {
	Dir      string
	HTTP     string // host:port
	HTTPS    string // host:port ("off" when disabled)
	cmd      *exec.Cmd
	stderr   *syncBuffer
	done     chan struct{} // closed when the process has exited
	waitErr  error
	stopOnce sync.Once
	stopped  bool
}

// startOpts are the knobs of startPVMD.
type startOpts struct {
	// NoPassword starts pvmd without PVMD_ADMIN_PASSWORD.
	NoPassword bool
	// NoHMCPassword starts pvmd without PVMD_HMC_PASSWORD.
	NoHMCPassword bool
	// Flags are appended to the standard ones (later flags win).
	Flags []string
	// Password overrides adminPassword.
	Password string
}

var readyRE = regexp.MustCompile(`^pvmd ready http=(\S+) https=(\S+)$`)

// startPVMD starts pvmd on dir and waits for its ready line. The process is
// stopped (SIGTERM, must exit 0) when the test ends, unless it was already
// stopped or killed.
func startPVMD(t testing.TB, dir string, o startOpts) *daemon {
	t.Helper()
	d, err := launch(t, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(stopTimeout); err != nil {
			t.Errorf("stopping pvmd: %v", err)
		}
	})
	return d
}

// launch starts pvmd and waits for it to be ready, without registering a
// cleanup (the caller stops or kills it).
func launch(t testing.TB, dir string, o startOpts) (*daemon, error) {
	args := []string{"--state-dir", dir, "--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		"--timing", "fast", "--event-wait", "2s"}
	args = append(args, o.Flags...)
	cmd := exec.Command(pvmdBin, args...)
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PVMD_ADMIN_PASSWORD=") && !strings.HasPrefix(kv, "PVMD_HMC_PASSWORD=") {
			env = append(env, kv)
		}
	}
	if !o.NoHMCPassword {
		env = append(env, "PVMD_HMC_PASSWORD="+hmcPassword)
	}
	if !o.NoPassword {
		pw := o.Password
		if pw == "" {
			pw = adminPassword
		}
		env = append(env, "PVMD_ADMIN_PASSWORD="+pw)
	}
	cmd.Env = env
	d := &daemon{Dir: dir, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = d.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pvmd: %w", err)
	}
	ready := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if m := readyRE.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil && !sent {
				ready <- [2]string{m[1], m[2]}
				sent = true
			}
		}
		io.Copy(io.Discard, stdout) // in case a line was too long for the scanner
		// All reads are done: now Wait may be called.
		d.waitErr = cmd.Wait()
		close(d.done)
	}()
	select {
	case addrs := <-ready:
		d.HTTP, d.HTTPS = addrs[0], addrs[1]
		return d, nil
	case <-d.done:
		return nil, fmt.Errorf("pvmd exited before it was ready (%v); stderr:\n%s", d.waitErr, d.stderr.String())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-d.done
		return nil, fmt.Errorf("pvmd did not print its ready line within 20s; stderr:\n%s", d.stderr.String())
	}
}

// Stop sends SIGTERM and waits up to timeout for a clean (status 0) exit.
// It does nothing when the process already ended (Kill).
func (d *daemon) Stop(timeout time.Duration) error {
	var err error
	d.stopOnce.Do(func() {
		select {
		case <-d.done:
			if !d.stopped {
				err = fmt.Errorf("pvmd had already exited (%v); stderr:\n%s", d.waitErr, d.stderr.String())
			}
			return
		default:
		}
		d.stopped = true
		if e := d.cmd.Process.Signal(syscall.SIGTERM); e != nil {
			err = fmt.Errorf("SIGTERM: %v", e)
			return
		}
		select {
		case <-d.done:
		case <-time.After(timeout):
			d.cmd.Process.Kill()
			<-d.done
			err = fmt.Errorf("pvmd did not exit within %v of SIGTERM; stderr:\n%s", timeout, d.stderr.String())
			return
		}
		if d.waitErr != nil {
			err = fmt.Errorf("pvmd exited with %v after SIGTERM; stderr:\n%s", d.waitErr, d.stderr.String())
		}
	})
	return err
}

// Kill sends SIGKILL and waits for the process to be gone.
func (d *daemon) Kill() {
	d.stopOnce.Do(func() {
		d.stopped = true
		d.cmd.Process.Signal(syscall.SIGKILL)
		<-d.done
	})
	<-d.done
}

// Stderr returns what pvmd logged so far.
func (d *daemon) Stderr() string { return d.stderr.String() }

// BaseURL is the plain-HTTP base URL.
func (d *daemon) BaseURL() string { return "http://" + d.HTTP }

// BaseTLS is the HTTPS base URL.
func (d *daemon) BaseTLS() string { return "https://" + d.HTTPS }
