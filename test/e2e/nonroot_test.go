package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unprivileged is an ordinary local account the tests run commands as.
type unprivileged struct {
	Name     string
	UID, GID int
}

// unprivilegedUser returns the account "nobody". Running a command as
// another user needs root: the tests run as root here and in CI, and
// skip (saying why) elsewhere.
func unprivilegedUser(t *testing.T) unprivileged {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run commands as an unprivileged user (the suite runs as root in CI)")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("no unprivileged account to test with: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return unprivileged{Name: u.Username, UID: uid, GID: gid}
}

// command returns cmd set to run as the user, in its own process group,
// with exactly env.
func (u unprivileged) command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID), NoSetGroups: false},
		Setpgid:    true,
	}
	return cmd
}

// passableDir makes a temporary directory every user may pass through
// (0711, as a home directory), removed when the test ends.
func passableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pvm-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ownedDir makes dir (and its parents inside base) owned by the user.
func (u unprivileged) ownedDir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	return dir
}

// baseEnv is a clean environment for a command run as u: a PATH, a home
// of its own, nothing of the test's PVM* settings.
func (u unprivileged) baseEnv(home string) []string {
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "USER=" + u.Name, "LANG=C"}
	if _, err := os.Stat("/var/lib/pvm"); err == nil {
		// This host has a NovaLink state directory: say which layout is
		// meant rather than depend on the host.
		env = append(env, "PVM_LAYOUT=development")
	}
	return env
}

// TestLocalLogonUnprivileged (issue 19 item 6): pvmd runs as root; an
// ordinary user's local logon gets a session file it can open, in its own
// directory, so pvmctl works for it with no settings: it may read (role
// pvm_viewer) and is refused changes with a clear message.
func TestLocalLogonUnprivileged(t *testing.T) {
	u := unprivilegedUser(t)
	base := passableDir(t)
	d := startPVMD(t, filepath.Join(base, "state"), startOpts{})
	home := u.ownedDir(t, filepath.Join(base, "home"))
	env := append(u.baseEnv(home), "PVM_URL="+d.BaseURL())

	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		cmd := u.command(env, pvmctlBin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	out, errOut, err := run("lpar", "list", "-d", "name", "--hide-label", "-w", "id=1")
	if err != nil || out != "novalink\n" || errOut != "" {
		t.Fatalf("pvmctl lpar list as %s: %v\nstdout %q\nstderr %q\npvmd: %s", u.Name, err, out, errOut, d.Stderr())
	}

	// The session file: in <state>/sessions/nobody/, both the user's.
	udir := filepath.Join(base, "state", "sessions", u.Name)
	fi, err := os.Stat(udir)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != u.UID || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: owner %d mode %v, want %d and 0700", udir, st.Uid, fi.Mode().Perm(), u.UID)
	}
	files, _ := filepath.Glob(filepath.Join(udir, "session-*"))
	if len(files) != 1 {
		t.Fatalf("session files in %s: %v", udir, files)
	}
	fi, err = os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != u.UID || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: owner %d mode %v, want %d and 0600", files[0], st.Uid, fi.Mode().Perm(), u.UID)
	}

	// Reading works again from the cached session; a change is refused.
	if _, errOut, err := run("sys", "list"); err != nil {
		t.Fatalf("second run: %v %s", err, errOut)
	}
	_, errOut, err = run("lpar", "create", "--name", "vmx", "--mem", "1024")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(errOut, "pvm_admin") {
		t.Fatalf("a viewer's create: %v, stderr %q", err, errOut)
	}
	// Its runs are logged in its own state directory, with no warning.
	b, err := os.ReadFile(filepath.Join(home, ".local", "state", "pvm", "pvmctl.log"))
	if err != nil || strings.Count(string(b), "user="+u.Name) != 3 {
		t.Fatalf("pvmctl's log: %v\n%s", err, b)
	}
}

// TestMakeRunUnprivileged (issue 18 item 1): the README's "make run" (its
// script) as an ordinary user in a fresh home: every pvmctl step works, the
// script keeps pvmd running until interrupted, then ends with status 0 and
// leaves no process behind; a second run on the same state works too; and
// a run that cannot start pvmd says so and fails.
func TestMakeRunUnprivileged(t *testing.T) {
	u := unprivilegedUser(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	base := passableDir(t)
	tree := u.ownedDir(t, filepath.Join(base, "novalink"))
	u.ownedDir(t, filepath.Join(tree, "scripts"))
	u.ownedDir(t, filepath.Join(tree, "bin"))
	home := u.ownedDir(t, filepath.Join(base, "home"))
	script, err := os.ReadFile(filepath.Join(root, "scripts", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "scripts", "run.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"pvmd", "pvmctl"} {
		if err := os.Symlink(filepath.Join(binDir, b), filepath.Join(tree, "bin", b)); err != nil {
			t.Fatal(err)
		}
	}

	for i, want := range []string{"Partition vm1 power-on successful.", "(vm1 is there from an earlier run: running)"} {
		out := runScriptUntilReady(t, u, u.baseEnv(home), filepath.Join(tree, "scripts", "run.sh"))
		for _, bad := range []string{"may not run", "warning", "failed", "make run:"} {
			if strings.Contains(out, bad) {
				t.Errorf("run %d says %q:\n%s", i+1, bad, out)
			}
		}
		for _, good := range []string{"$ pvmctl sys list\nManaged Systems", want, "name=vm1,id=4,state=running", "Stopping pvmd."} {
			if !strings.Contains(out, good) {
				t.Errorf("run %d does not say %q:\n%s", i+1, good, out)
			}
		}
	}

	// A state directory that cannot be made: the script says so, fails.
	blocker := filepath.Join(tree, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := u.command(append(u.baseEnv(home), "STATE="+filepath.Join(blocker, "state")), "bash", filepath.Join(tree, "scripts", "run.sh"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 || !strings.Contains(string(out), "make run: cannot create the state directory") {
		t.Fatalf("run with an impossible state directory: %v\n%s", err, out)
	}
}

// runScriptUntilReady runs the script as u until it says pvmd is running,
// then interrupts its process group as Ctrl-C does, and checks it ends
// with status 0 leaving nothing running. It returns the output.
func runScriptUntilReady(t *testing.T, u unprivileged, env []string, script string) string {
	t.Helper()
	cmd := u.command(env, "bash", script)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	var out syncBuffer
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		said := false
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if !said && strings.HasPrefix(sc.Text(), "Ctrl-C stops pvmd.") {
				said = true
				close(ready)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the script ended before pvmd was ready (%v):\n%s", err, out.String())
	case <-time.After(90 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		t.Fatalf("the script did not get pvmd ready within 90s:\n%s", out.String())
	}
	syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the script ended with %v after Ctrl-C:\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		t.Fatalf("the script did not end within 20s of Ctrl-C:\n%s", out.String())
	}
	// Nothing of the group is left (pvmd included).
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			t.Fatalf("processes of the script were left running after it ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out.String()
}

// TestBusyPortWritesNothing: a port in use stops pvmd before it seeds
// (or even makes) the state directory.
func TestBusyPortWritesNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := filepath.Join(t.TempDir(), "state")
	_, err = launch(t, dir, startOpts{Flags: []string{"--http-addr", busy.Addr().String()}})
	if err == nil || !strings.Contains(err.Error(), "HTTP listener") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("pvmd on a busy port: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("pvmd made the state directory before it found the port busy (%v)", err)
	}
}
