package e2e

// The console commands' files as a user gives them: bkprofdata writes its
// profile.bak only over a regular file (or where nothing is), a link is
// followed and stays a link; rstprofdata and ldfware read a bounded amount
// of what they are given, so /dev/zero is refused at once.

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runBounded runs a console command of binDir with a time limit (a
// command that reads without end is killed, and that is a failure).
func (c *cmdEnv) runBounded(limit time.Duration, name string, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, name), args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		c.t.Fatalf("%s %s: still running after %v (reading without bound?)", name, strings.Join(args, " "), limit)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		c.t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

func TestProfileAndFirmwareFilesAsGiven(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{})
	c := newCmdEnv(t, d)
	dir := t.TempDir()

	// Special files: refused with the message naming what the path is,
	// and left as they were.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sub := filepath.Join(dir, "subdir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		what string
		mode os.FileMode
	}{
		{fifo, "named pipe", os.ModeNamedPipe},
		{sock, "socket", os.ModeSocket},
		{sub, "directory", os.ModeDir},
	} {
		out, errOut, code := c.runBounded(time.Minute, "bkprofdata", "-m", sysName, "-o", "backup", "-f", tc.path)
		if code == 0 || !strings.Contains(errOut, "PVME01040123-0044") || !strings.Contains(errOut, "not a regular file") {
			t.Errorf("bkprofdata -f %s (%s): exit %d, want a refusal saying it is not a regular file\n%s%s", tc.path, tc.what, code, out, errOut)
		}
		fi, err := os.Lstat(tc.path)
		if err != nil || fi.Mode().Type() != tc.mode {
			t.Errorf("after bkprofdata -f %s: %v, mode %v, want it left a %s", tc.path, err, fi.Mode(), tc.what)
		}
	}
	if entries, _ := os.ReadDir(sub); len(entries) != 0 {
		t.Errorf("bkprofdata wrote into the directory it was given: %v", entries)
	}

	// A link is followed: the file it names gets the profile, the link
	// stays a link.
	target := filepath.Join(dir, "real.bak")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "profile.bak")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	c.must("bkprofdata", "-m", sysName, "-o", "backup", "-f", link)
	if fi, err := os.Lstat(link); err != nil || fi.Mode().Type() != os.ModeSymlink {
		t.Errorf("after bkprofdata -f <link>: %v, mode %v, want the link kept", err, fi.Mode())
	}
	if b, _ := os.ReadFile(target); !bytes.HasPrefix(b, []byte("CONFIG_VERSION")) {
		t.Errorf("the link's target holds %.40q, want the profile", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("left beside the profile: %s", e.Name())
		}
	}

	// Endless and oversized inputs: refused after a bounded read.
	big := filepath.Join(dir, "big.bak")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 64<<20); err != nil { // sparse
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"rstprofdata", []string{"-m", sysName, "-l", "1", "-f", "/dev/zero"}, "larger than 15 MiB"},
		{"rstprofdata", []string{"-m", sysName, "-l", "1", "-f", big}, "larger than 15 MiB"},
		{"ldfware", []string{"-file", "/dev/zero", "--yes"}, "larger than"},
	} {
		out, errOut, code := c.runBounded(time.Minute, tc.name, tc.args...)
		if code == 0 || !strings.Contains(errOut, "PVME01040123-0044") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s %s: exit %d, want a refusal saying %q\n%s%s", tc.name, strings.Join(tc.args, " "), code, tc.want, out, errOut)
		}
	}
}
