package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// crashOps are the file writes of the core a crash may cut, by name: each
// runs one operation on a core whose state directory is prepared by
// crashSetup.
var crashOps = map[string]func(t *testing.T, c *Core){
	"upload": func(t *testing.T, c *Core) {
		f := crashFile(c)
		c.UploadFile(admin, f.UUID, bytes.NewReader(crashISO))
	},
	"viosbr-backup": func(t *testing.T, c *Core) {
		c.RunIOSCLI(admin, partByName(c, "vios1").UUID, "viosbr -backup -file crash -frequency daily -numfiles 2", false)
	},
	"backupios": func(t *testing.T, c *Core) {
		c.RunIOSCLI(admin, partByName(c, "vios1").UUID, "backupios -file /home/padmin -nomedialib", false)
	},
}

// crashPoints are the points each operation passes.
var crashPoints = map[string][]string{
	"upload":        {"upload-created", "upload-synced", "upload-landed"},
	"viosbr-backup": {"viosfs-prepared", "viosfs-renamed"},
	"backupios":     {"viosfs-prepared", "viosfs-renamed"},
}

var crashISO = bytes.Repeat([]byte("ISO9660 "), 1<<16)

// crashFile is the File record the upload fills.
func crashFile(c *Core) *model.File {
	var f *model.File
	c.Read(func(st *model.State) {
		st.Each(model.KindFile, func(o model.Object) { f = o.(*model.File) })
	})
	return f
}

func openCrashCore(t *testing.T, dir string) *Core {
	t.Helper()
	return openTest(t, dir, sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)), nil)
}

// TestCrashLeavesNothing kills a process running each file write of the
// core at every point where a crash leaves something on disk (a child
// process of the test, SIGKILL at the point), opens the core again on the
// same directory, and checks the files: no temporary file anywhere, no
// contents without their device, the File record and its media agree;
// then the same operation succeeds.
func TestCrashLeavesNothing(t *testing.T) {
	if dir := os.Getenv("NOVALINK_CRASH_DIR"); dir != "" {
		op, point := os.Getenv("NOVALINK_CRASH_OP"), os.Getenv("NOVALINK_CRASH_POINT")
		c := openCrashCore(t, dir)
		crashHook = func(p string) {
			if p == point {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
		crashOps[op](t, c)
		os.Exit(3) // the point was not reached
	}
	for op, points := range crashPoints {
		for _, point := range points {
			t.Run(op+"/"+point, func(t *testing.T) {
				dir := t.TempDir()
				c := openCrashCore(t, dir)
				sum := sha256.Sum256(crashISO)
				if _, err := c.CreateFile(admin, &model.File{Name: "crash.iso", Type: model.FileISO,
					VIOS: partByName(c, "vios1").UUID, Expected: int64(len(crashISO)), SHA256: hex.EncodeToString(sum[:])}); err != nil {
					t.Fatal(err)
				}
				// An earlier viosbr backup, so that -numfiles has one to recycle.
				if r, err := c.RunIOSCLI(admin, partByName(c, "vios1").UUID, "viosbr -backup -file crash -frequency daily -numfiles 2", false); err != nil || r.Code != 0 {
					t.Fatalf("first backup: %+v %v", r, err)
				}
				c.Close()
				before := listFiles(t, filepath.Join(dir, "files"))

				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLeavesNothing$")
				cmd.Env = append(os.Environ(), "NOVALINK_CRASH_DIR="+dir, "NOVALINK_CRASH_OP="+op, "NOVALINK_CRASH_POINT="+point)
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the child was not killed at %s: %v\n%s", point, err, out)
				}
				left := listFiles(t, filepath.Join(dir, "files"))
				if !hasTemp(left) && point != "upload-landed" && point != "viosfs-renamed" {
					t.Errorf("the kill at %s left no temporary file to sweep: %v", point, left)
				}

				c = openCrashCore(t, dir)
				defer c.Close()
				after := listFiles(t, filepath.Join(dir, "files"))
				if hasTemp(after) {
					t.Errorf("after the restart, temporary files remain:\n%s", strings.Join(after, "\n"))
				}
				// Every stored content belongs to a device, and a
				// complete File to its media.
				c.Read(func(st *model.State) {
					for _, p := range after {
						if rest, ok := strings.CutPrefix(p, "media/"); ok && st.Get(model.KindMedia, rest) == nil {
							t.Errorf("contents %s without their media", p)
						}
					}
				})
				f := crashFile(c)
				var m *model.OpticalMedia
				c.Read(func(st *model.State) { m = vios.MediaByName(&Tx{c: c, st: st}, f.VIOS, f.Name) })
				if f.Complete != (m != nil) {
					t.Errorf("File complete %v but media %v", f.Complete, m)
				}
				if m != nil {
					if b, err := os.ReadFile(c.MediaContentPath(m)); err != nil || !bytes.Equal(b, crashISO) {
						t.Errorf("the media's contents after the crash: %d bytes, %v", len(b), err)
					}
				}
				t.Logf("before %v\nleft by the kill %v\nafter the restart %v", before, left, after)
				// The operation can be done again.
				crashOps[op](t, c)
				if hasTemp(listFiles(t, filepath.Join(dir, "files"))) {
					t.Error("the retry left temporary files")
				}
				if op == "upload" && !crashFile(c).Complete {
					t.Error("the upload after the crash did not land")
				}
			})
		}
	}
}

// listFiles lists the files below dir, relative to it.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			if strings.HasPrefix(rel, "vios"+string(filepath.Separator)) {
				rel = "vios/…/" + d.Name() // the VIOS's UUID and path do not matter here
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func hasTemp(files []string) bool {
	for _, f := range files {
		if strings.HasPrefix(f, "uploads/") || strings.Contains(f, tmpPrefix) {
			return true
		}
	}
	return false
}
