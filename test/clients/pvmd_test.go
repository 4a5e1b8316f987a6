package clients

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The passwords the tests give pvmd's accounts.
const (
	adminPassword = "clients-Passw0rd!"
	hmcPassword   = "clients-Hmc-Passw0rd!"
)

// syncBuffer is a bytes.Buffer safe for one writer and readers at once.
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
	Dir       string // --state-dir
	HTTPPort  string
	HTTPSPort string
	// Systems are a fleet pvmd's systems (pvmd --systems), in the order
	// of its lines; HTTPPort and HTTPSPort are then the first one's.
	Systems []fleetSystem
	cmd     *exec.Cmd
	stderr  *syncBuffer
	done    chan struct{}
	waitErr error
}

// fleetSystem is one system of a fleet pvmd, as its line says.
type fleetSystem struct {
	Name  string `json:"name"`
	HTTP  string `json:"http"`  // host:port
	HTTPS string `json:"https"` // host:port
}

var (
	readyRE       = regexp.MustCompile(`^pvmd ready http=\S+:(\d+) https=\S+:(\d+)$`)
	fleetSystemRE = regexp.MustCompile(`^pvmd system (\S+) http=(\S+) https=(\S+)$`)
	fleetReadyRE  = regexp.MustCompile(`^pvmd ready http=\S+ https=\S+ systems=(\d+)$`)
)

// startPVMD starts pvmd on a fresh temporary state directory, loopback
// ports picked by the system, and stops it (by its PID, SIGTERM then
// SIGKILL) when the test ends.
func startPVMD(t *testing.T, flags ...string) *daemon {
	t.Helper()
	return launch(t, append([]string{"--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0"}, flags...), false)
}

// startFleetPVMD starts a fleet pvmd of n systems of the default layout
// (on 127.0.1.1 and up, its HMC on 127.0.0.2, every port picked free) on
// a fresh temporary state directory, and stops it when the test ends.
func startFleetPVMD(t *testing.T, n int, flags ...string) *daemon {
	t.Helper()
	return launch(t, append([]string{"--systems", fmt.Sprint(n), "--fleet-http-port", "0", "--fleet-https-port", "0",
		"--hmc-addr", "127.0.0.2"}, flags...), true)
}

func launch(t *testing.T, flags []string, fleet bool) *daemon {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"--state-dir", dir, "--timing", "fast", "--event-wait", "2s"}, flags...)
	cmd := exec.Command(pvmdBin, args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PVMD_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PVMD_ADMIN_PASSWORD="+adminPassword, "PVMD_HMC_PASSWORD="+hmcPassword)
	d := &daemon{Dir: dir, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = d.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pvmd: %v", err)
	}
	ready := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var systems []fleetSystem
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if fleet {
				if m := fleetSystemRE.FindStringSubmatch(line); m != nil {
					systems = append(systems, fleetSystem{Name: m[1], HTTP: m[2], HTTPS: m[3]})
				}
				if m := fleetReadyRE.FindStringSubmatch(line); m != nil && len(systems) > 0 && m[1] == fmt.Sprint(len(systems)) {
					d.Systems = systems
					_, hp, _ := strings.Cut(systems[0].HTTP, ":")
					_, sp, _ := strings.Cut(systems[0].HTTPS, ":")
					ready <- [2]string{hp, sp}
				}
				continue
			}
			if m := readyRE.FindStringSubmatch(line); m != nil {
				ready <- [2]string{m[1], m[2]}
			}
		}
		io.Copy(io.Discard, stdout)
		d.waitErr = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		if err := d.stop(10 * time.Second); err != nil {
			t.Errorf("stopping pvmd: %v", err)
		}
	})
	select {
	case p := <-ready:
		d.HTTPPort, d.HTTPSPort = p[0], p[1]
	case <-d.done:
		t.Fatalf("pvmd exited before it was ready (%v); stderr:\n%s", d.waitErr, d.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("pvmd did not print its ready line within 30s; stderr:\n%s", d.stderr.String())
	}
	return d
}

// stop sends SIGTERM to pvmd's PID and waits for a clean exit (SIGKILL
// after timeout).
func (d *daemon) stop(timeout time.Duration) error {
	select {
	case <-d.done:
		return fmt.Errorf("pvmd had exited by itself (%v); stderr:\n%s", d.waitErr, tail(d.stderr.String(), 4000))
	default:
	}
	if err := syscall.Kill(d.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-d.done:
	case <-time.After(timeout):
		syscall.Kill(d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
		return fmt.Errorf("pvmd did not exit within %v of SIGTERM", timeout)
	}
	if d.waitErr != nil {
		return fmt.Errorf("pvmd exited with %v after SIGTERM; stderr:\n%s", d.waitErr, tail(d.stderr.String(), 4000))
	}
	return nil
}

// Stderr is what pvmd logged so far.
func (d *daemon) Stderr() string { return d.stderr.String() }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
