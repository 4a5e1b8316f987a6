package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The files of the simulated VIOSes (viosbr backups, backupios images),
// kept under <FilesDir>/vios/<vios uuid>/ with the VIOS's paths below:
// /home/padmin/cfgbackups/x.tar.gz is
// <FilesDir>/vios/<uuid>/home/padmin/cfgbackups/x.tar.gz.
//
// ioscli commands stage their file changes (vios.FileOp); RunIOSCLI
// performs them in two phases around the commit of the command's
// transaction: prepare writes each new content to a temporary file beside
// its target and syncs it (a full disk fails the command before anything
// commits), commit renames them into place and syncs the directories,
// abort removes the temporary files (and the directories prepare made).
// So a file appears only when the command succeeded and its changes of
// the model are durable, and it appears whole.

// VIOSFS is one VIOS's files (a vios.FS).
type VIOSFS struct{ root string }

// VIOSFS returns the files of a VIOS.
func (c *Core) VIOSFS(viosUUID string) *VIOSFS {
	return &VIOSFS{root: filepath.Join(c.cfg.FilesDir, "vios", filepath.Base(viosUUID))}
}

var _ vios.FS = (*VIOSFS)(nil)

// tmpPrefix marks the temporary files of writes in progress (List hides
// them).
const tmpPrefix = ".vfs-tmp-"

// local maps a VIOS path to the host.
func (f *VIOSFS) local(op, p string) (string, string, error) {
	clean, err := vios.CleanPath(p)
	if err != nil {
		return "", "", &fs.PathError{Op: op, Path: p, Err: err}
	}
	return clean, filepath.Join(f.root, filepath.FromSlash(clean)), nil
}

// viosErr restates a host error with the VIOS path (never the host's).
func viosErr(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// Read implements vios.FS.
func (f *VIOSFS) Read(p string) ([]byte, error) {
	clean, local, err := f.local("read", p)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(local)
	if err != nil {
		return nil, viosErr("read", clean, err)
	}
	return b, nil
}

// Stat implements vios.FS.
func (f *VIOSFS) Stat(p string) (vios.FileInfo, error) {
	clean, local, err := f.local("stat", p)
	if err != nil {
		return vios.FileInfo{}, err
	}
	fi, err := os.Stat(local)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && vios.IsStandardDir(clean) {
			return vios.FileInfo{Name: filepath.Base(clean), Dir: true}, nil
		}
		return vios.FileInfo{}, viosErr("stat", clean, err)
	}
	return vios.FileInfo{Name: filepath.Base(clean), Size: fi.Size(), Dir: fi.IsDir(), ModTime: fi.ModTime()}, nil
}

// List implements vios.FS.
func (f *VIOSFS) List(dir string) ([]vios.FileInfo, error) {
	clean, local, err := f.local("list", dir)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(local)
	if err != nil && !(errors.Is(err, fs.ErrNotExist) && vios.IsStandardDir(clean)) {
		return nil, viosErr("list", clean, err)
	}
	byName := map[string]vios.FileInfo{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		byName[e.Name()] = vios.FileInfo{Name: e.Name(), Size: fi.Size(), Dir: fi.IsDir(), ModTime: fi.ModTime()}
	}
	for _, d := range vios.StandardChildren(clean) {
		if _, ok := byName[d]; !ok {
			byName[d] = vios.FileInfo{Name: d, Dir: true}
		}
	}
	out := make([]vios.FileInfo, 0, len(byName))
	for _, fi := range byName {
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove implements vios.FS (files only).
func (f *VIOSFS) Remove(p string) error {
	clean, local, err := f.local("remove", p)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(local)
	if err != nil {
		return viosErr("remove", clean, err)
	}
	if fi.IsDir() {
		return &fs.PathError{Op: "remove", Path: clean, Err: errors.New("is a directory")}
	}
	if err := os.Remove(local); err != nil {
		return viosErr("remove", clean, err)
	}
	syncDir(filepath.Dir(local))
	return nil
}

// Write implements vios.FS: atomically (temporary file, sync, rename,
// sync of the directory).
func (f *VIOSFS) Write(p string, data []byte, mtime time.Time) error {
	pend, err := f.prepare([]vios.FileOp{{Path: p, Data: data, ModTime: mtime}})
	if err != nil {
		return err
	}
	return pend.commit()
}

// pendingFiles are prepared file changes.
type pendingFiles struct {
	steps []pendingStep
	made  []string // directories prepare made, outermost first
}

type pendingStep struct {
	vpath      string   // the VIOS path
	tmp, final string   // host paths (tmp "" for a removal)
	f          *os.File // the temporary file, open (and locked) until commit or abort
}

// prepare writes the new contents beside their targets and syncs them;
// removals wait for commit. On error nothing is left behind.
func (f *VIOSFS) prepare(ops []vios.FileOp) (*pendingFiles, error) {
	p := &pendingFiles{}
	for _, op := range ops {
		clean, local, err := f.local("write", op.Path)
		if err != nil {
			p.abort()
			return nil, err
		}
		if op.Remove {
			p.steps = append(p.steps, pendingStep{vpath: clean, final: local})
			continue
		}
		fh, err := p.writeTemp(local, op.Data, op.ModTime)
		if err != nil {
			p.abort()
			return nil, viosErr("write", clean, err)
		}
		p.steps = append(p.steps, pendingStep{vpath: clean, tmp: fh.Name(), final: local, f: fh})
		crashPoint("viosfs-prepared")
	}
	return p, nil
}

// writeTemp writes data to a synced temporary file in local's directory
// (made when missing), left open: it stays locked until it is renamed or
// removed, so that a sweep tells it from what a crash left. The temporary
// files of interrupted writes in that directory go first.
func (p *pendingFiles) writeTemp(local string, data []byte, mtime time.Time) (fh *os.File, err error) {
	dir := filepath.Dir(local)
	if err := p.mkdirs(dir); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(local); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	sweepVIOSTemps(dir)
	fh, err = atomicfile.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			fh.Close()
			os.Remove(fh.Name())
		}
	}()
	if _, err = fh.Write(data); err != nil {
		return nil, err
	}
	if err = fh.Chmod(0o640); err != nil {
		return nil, err
	}
	if !mtime.IsZero() {
		if err = os.Chtimes(fh.Name(), mtime, mtime); err != nil {
			return nil, err
		}
	}
	if err = fh.Sync(); err != nil {
		return nil, err
	}
	return fh, nil
}

// sweepVIOSTemps removes the temporary files interrupted writes left in
// a directory of a VIOS's files (writes in progress hold theirs locked).
func sweepVIOSTemps(dir string) {
	atomicfile.RemoveStale(dir, func(n string) bool { return strings.HasPrefix(n, tmpPrefix) })
}

// sweepVIOSFiles removes the temporary files interrupted writes left
// anywhere in the VIOSes' files (the core does it when it opens).
func (c *Core) sweepVIOSFiles() {
	root := filepath.Join(c.cfg.FilesDir, "vios")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			sweepVIOSTemps(p)
		}
		return nil
	})
}

// mkdirs makes dir and its missing parents, remembering what it made.
func (p *pendingFiles) mkdirs(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		p.made = append(p.made, missing[i])
	}
	return nil
}

// commit renames the new contents into place, removes what is to go and
// syncs the directories. It goes on after an error and returns the first.
func (p *pendingFiles) commit() error {
	var first error
	dirs := map[string]bool{}
	for _, s := range p.steps {
		var err error
		if s.tmp == "" {
			if err = os.Remove(s.final); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		} else {
			if err = os.Rename(s.tmp, s.final); err != nil {
				os.Remove(s.tmp)
			}
			s.f.Close()
			crashPoint("viosfs-renamed")
		}
		if err != nil && first == nil {
			first = viosErr("write", s.vpath, err)
		}
		dirs[filepath.Dir(s.final)] = true
	}
	for d := range dirs {
		syncDir(d)
	}
	return first
}

// abort removes the temporary files and the directories prepare made
// (when they are still empty).
func (p *pendingFiles) abort() {
	if p == nil {
		return
	}
	for _, s := range p.steps {
		if s.tmp != "" {
			s.f.Close()
			os.Remove(s.tmp)
		}
	}
	for i := len(p.made) - 1; i >= 0; i-- {
		os.Remove(p.made[i])
	}
}

// syncDir makes renames and removals in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// fileFailure is the result of a command whose files could not be
// written: it failed, and says why without the host's paths.
func fileFailure(err error) vios.Result {
	p, cause := "", err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		p, cause = pe.Path, pe.Err
	}
	msg := fmt.Sprintf("%s cannot be written: %v.", p, cause)
	if errors.Is(err, syscall.ENOSPC) {
		msg = fmt.Sprintf("There is not enough space in the file system to write %s.", p)
	}
	return vios.Result{Err: msg + "\n", Code: 1}
}
