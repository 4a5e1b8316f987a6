package e2e

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/unit"
)

// unitFile reads one of the packaged systemd units.
func unitFile(t *testing.T, name string) map[string]map[string][]string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "packaging", "files", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections, err := unit.DeserializeSections(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]map[string][]string{}
	for _, s := range sections {
		m := map[string][]string{}
		for _, e := range s.Entries {
			m[e.Name] = append(m[e.Name], e.Value)
		}
		out[s.Section] = m
	}
	return out
}

// service runs a unit's ExecStart as systemd would: its $VARIABLES from the
// environment (the unit's EnvironmentFile), the production paths moved
// under a test directory, NOTIFY_SOCKET set, and SIGTERM to stop it.
type service struct {
	t      *testing.T
	name   string
	argv   []string
	env    []string
	notify *net.UnixConn
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{}
	ready  string // the ready line's addresses
}

func newService(t *testing.T, unitName, dir string, env map[string]string) *service {
	u := unitFile(t, unitName)
	svc := u["Service"]
	if got := svc["Type"]; len(got) != 1 || got[0] != "notify" {
		t.Fatalf("%s: Type=%v, want notify", unitName, got)
	}
	execStart := svc["ExecStart"]
	if len(execStart) != 1 {
		t.Fatalf("%s: ExecStart=%v", unitName, execStart)
	}
	repl := strings.NewReplacer("/usr/sbin/pvmd", pvmdBin, "/var/lib/pvm", filepath.Join(dir, "lib"),
		"/var/log/pvm", filepath.Join(dir, "log"), "/var/backups/pvm", filepath.Join(dir, "backups"),
		"/run/pvm", filepath.Join(dir, "run"))
	var argv []string
	for _, w := range strings.Fields(repl.Replace(execStart[0])) {
		if strings.HasPrefix(w, "$") { // systemd splits an unbraced $VAR on white space
			argv = append(argv, strings.Fields(env[w[1:]])...)
			continue
		}
		argv = append(argv, w)
	}
	if !strings.Contains(strings.Join(svc["EnvironmentFile"], " "), "/etc/default/") {
		t.Errorf("%s: EnvironmentFile=%v, want one in /etc/default", unitName, svc["EnvironmentFile"])
	}
	os.MkdirAll(filepath.Join(dir, "run"), 0o750) // RuntimeDirectory=pvm
	s := &service{t: t, name: unitName, argv: argv}
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	return s
}

// start runs the command and waits for READY=1 on the notify socket.
func (s *service) start() {
	t := s.t
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	s.notify = c
	s.out = &syncBuffer{}
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Env = append(append(os.Environ(), s.env...), "NOTIFY_SOCKET="+sock, "PVMD_ADMIN_PASSWORD="+adminPassword)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.stop() })
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("%s: no READY=1 from %v: %v\n%s", s.name, s.argv, err, s.out)
		}
		if bytes.Contains(buf[:n], []byte("READY=1")) {
			break
		}
	}
	// The ready line is printed before READY=1 is sent; its copy from the
	// pipe may lag a little.
	var line string
	i := -1
	for wait := time.Now().Add(5 * time.Second); i < 0; {
		line = s.out.String()
		if i = strings.Index(line, "pvmd ready "); i < 0 {
			if time.Now().After(wait) {
				t.Fatalf("%s: READY=1 without the ready line:\n%s", s.name, line)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	s.ready = strings.TrimSpace(strings.SplitN(line[i+len("pvmd ready "):], "\n", 2)[0])
}

func (s *service) running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM (systemd's KillSignal) and waits.
func (s *service) stop() {
	if s.cmd == nil || !s.running() {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		s.t.Errorf("%s did not stop on SIGTERM:\n%s", s.name, s.out)
	}
	s.notify.Close()
}

func (s *service) addr(key string) string {
	for _, f := range strings.Fields(s.ready) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	s.t.Fatalf("%s: no %s in %q", s.name, key, s.ready)
	return ""
}

// TestServices runs pvm-core and pvm-rest from their unit files: stopping
// pvm-rest takes the REST API down (pvmctl says so) while pvm-core keeps
// the partitions running and takes its backups; restarting pvm-core with
// pvm-rest (PartOf) brings the API back with the same state.
func TestServices(t *testing.T) {
	rest := unitFile(t, "pvm-rest.service")["Unit"]
	for _, k := range []string{"Requires", "After", "PartOf"} {
		if got := rest[k]; len(got) != 1 || got[0] != "pvm-core.service" {
			t.Errorf("pvm-rest.service: %s=%v, want pvm-core.service", k, got)
		}
	}
	dir := t.TempDir()
	core := newService(t, "pvm-core.service", dir, map[string]string{
		"PVM_CORE_OPTS": "--timing fast --backup-hourly 1s"})
	front := newService(t, "pvm-rest.service", dir, map[string]string{
		"PVM_REST_OPTS": "--http-addr 127.0.0.1:0 --https-addr 127.0.0.1:0"})
	core.start()
	if got, want := core.addr("core"), filepath.Join(dir, "run", "pvm-core.sock"); got != want {
		t.Fatalf("core socket %s, want %s", got, want)
	}
	if fi, err := os.Stat(core.addr("core")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("core socket: %v %v, want mode 0600", fi, err)
	}
	front.start()
	url := "http://" + front.addr("http")
	pvmctl := func(args ...string) (string, int) {
		cmd := exec.Command(pvmctlBin, args...)
		cmd.Env = append(os.Environ(), "PVM_URL="+url, "PVMCTL_LOG="+filepath.Join(dir, "pvmctl.log"), "PVMCTL_SESSION_DIR=off")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := pvmctl("lpar", "power-on", "-i", "name=lpar10"); code != 0 {
		t.Fatalf("power-on through pvm-rest: %d\n%s", code, out)
	}
	// Local logon went through pvm-rest: the core saw this user.
	if !strings.Contains(core.out.String(), "local=true") {
		t.Errorf("no local logon in pvm-core's log:\n%s", core.out)
	}

	front.stop()
	out, code := pvmctl("lpar", "list")
	if code != 5 || !strings.Contains(out, "is pvmd / pvm-rest running?") {
		t.Fatalf("pvmctl with pvm-rest stopped: exit %d\n%s", code, out)
	}
	// pvm-core runs on: a backup is written while the API is down.
	backups := filepath.Join(dir, "backups", "8247-21L*212E3CA")
	written := func() int { return strings.Count(core.out.String(), "file="+backups+"/system_hourly_") }
	n := written()
	deadline := time.Now().Add(10 * time.Second)
	for written() == n {
		if time.Now().After(deadline) {
			t.Fatalf("no backup while pvm-rest was down (%s)\n%s", backups, core.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if m, _ := filepath.Glob(filepath.Join(backups, "system_hourly_*.bak")); len(m) == 0 {
		t.Fatalf("no hourly backup file in %s", backups)
	}
	if !core.running() {
		t.Fatalf("pvm-core stopped with pvm-rest:\n%s", core.out)
	}

	front.start()
	url = "http://" + front.addr("http")
	out, code = pvmctl("lpar", "list", "-d", "name", "state", "--where", "LogicalPartition.name=lpar10")
	if code != 0 || !strings.Contains(out, "state=running") {
		t.Fatalf("lpar10 after pvm-rest came back: exit %d\n%s", code, out)
	}

	// pvm-core stopped with pvm-rest up: the API answers 503 and pvmctl
	// names pvm-core.
	core.stop()
	out, code = pvmctl("lpar", "list")
	if code != 5 || !strings.Contains(out, "is pvm-core running?") {
		t.Fatalf("pvmctl with pvm-core stopped: exit %d\n%s", code, out)
	}
	// systemctl restart pvm-core: PartOf stops pvm-rest first and starts
	// it after pvm-core.
	front.stop()
	core.start()
	front.start()
	url = "http://" + front.addr("http")
	out, code = pvmctl("lpar", "list", "-d", "name", "state", "--where", "LogicalPartition.name=lpar10")
	if code != 0 || !strings.Contains(out, "state=running") {
		t.Fatalf("lpar10 after restarting pvm-core: exit %d\n%s", code, out)
	}
	for _, f := range []string{"pvm-core.log", "pvm-rest.log"} {
		if b, err := os.ReadFile(filepath.Join(dir, "log", f)); err != nil || !strings.Contains(string(b), "pvmd started") {
			t.Errorf("log/%s: %v\n%s", f, err, b)
		}
	}
}
