package vios

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// The VIOS's files. viosbr keeps its backups under /home/padmin/cfgbackups
// and backupios writes its images where it is told; the simulated VIOS
// keeps such files in an FS (the core roots one per VIOS under its files
// directory). Paths are absolute VIOS paths ("/home/padmin/cfgbackups/x").
//
// Commands never write an FS directly: they stage their writes and
// removals (FileOp), which RunFS returns with a successful result, and the
// caller performs them once the command's transaction has committed (see
// core.RunIOSCLI). A command that fails therefore leaves no file behind,
// and a command run twice (on the committed view, then through the
// writer) writes once.

// FS is a VIOS's file system.
type FS interface {
	// Read returns a file's content (an error wrapping fs.ErrNotExist
	// when there is none).
	Read(path string) ([]byte, error)
	// Write replaces a file atomically (it holds either its previous
	// content or all of data), creating its directories, and sets its
	// modification time (when not zero).
	Write(path string, data []byte, mtime time.Time) error
	// List returns the entries of a directory by name (an error wrapping
	// fs.ErrNotExist when there is none).
	List(dir string) ([]FileInfo, error)
	// Remove removes a file (an error wrapping fs.ErrNotExist when there
	// is none).
	Remove(path string) error
	// Stat describes a file or directory.
	Stat(path string) (FileInfo, error)
}

// FileInfo describes a file or directory of a VIOS.
type FileInfo struct {
	Name    string // the last element of the path
	Size    int64
	Dir     bool
	ModTime time.Time
}

// FileOp is a change of a file that a command staged: write Data to Path
// (with ModTime), or remove Path.
type FileOp struct {
	Path    string
	Data    []byte
	ModTime time.Time
	Remove  bool
}

// Directories every simulated VIOS has, whether or not they hold files.
var standardDirs = map[string]bool{
	"/": true, "/dev": true, "/etc": true, "/home": true, "/home/padmin": true, CfgBackups: true,
	"/mnt": true, "/tmp": true, "/usr": true, "/var": true, "/var/vio": true,
}

// CfgBackups is where viosbr keeps its backups (and where a relative file
// name goes).
const CfgBackups = "/home/padmin/cfgbackups"

// ErrBadPath says a path is not an absolute VIOS path without "..".
var ErrBadPath = errors.New("not a valid path")

// CleanPath checks an absolute VIOS path and cleans it: no ".." element
// (nothing may escape the VIOS's files), no NUL, no backslash.
func CleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\x00\\") || len(p) > 1024 {
		return "", ErrBadPath
	}
	for _, e := range strings.Split(p, "/") {
		if e == ".." {
			return "", ErrBadPath
		}
	}
	return path.Clean(p), nil
}

// ApplyFiles performs staged file changes on fs, in order (a removal of
// a file that is already gone is not an error).
func ApplyFiles(fsys FS, ops []FileOp) error {
	for _, op := range ops {
		var err error
		if op.Remove {
			if err = fsys.Remove(op.Path); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		} else {
			err = fsys.Write(op.Path, op.Data, op.ModTime)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ---- an FS in memory --------------------------------------------------------

// MemFS is an FS in memory (tests, and callers of Run that keep no files).
type MemFS struct {
	files map[string]memFile
}

type memFile struct {
	data  []byte
	mtime time.Time
}

// NewMemFS returns an empty MemFS.
func NewMemFS() *MemFS { return &MemFS{files: map[string]memFile{}} }

func notExist(op, p string) error { return &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist} }

// Read implements FS.
func (m *MemFS) Read(p string) ([]byte, error) {
	p, err := CleanPath(p)
	if err != nil {
		return nil, err
	}
	f, ok := m.files[p]
	if !ok {
		return nil, notExist("read", p)
	}
	return append([]byte(nil), f.data...), nil
}

// Write implements FS.
func (m *MemFS) Write(p string, data []byte, mtime time.Time) error {
	p, err := CleanPath(p)
	if err != nil {
		return err
	}
	if m.isDir(p) {
		return &fs.PathError{Op: "write", Path: p, Err: errors.New("is a directory")}
	}
	m.files[p] = memFile{append([]byte(nil), data...), mtime}
	return nil
}

// Remove implements FS.
func (m *MemFS) Remove(p string) error {
	p, err := CleanPath(p)
	if err != nil {
		return err
	}
	if _, ok := m.files[p]; !ok {
		return notExist("remove", p)
	}
	delete(m.files, p)
	return nil
}

func (m *MemFS) isDir(p string) bool {
	if standardDirs[p] {
		return true
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	for f := range m.files {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}

// Stat implements FS.
func (m *MemFS) Stat(p string) (FileInfo, error) {
	p, err := CleanPath(p)
	if err != nil {
		return FileInfo{}, err
	}
	if f, ok := m.files[p]; ok {
		return FileInfo{Name: path.Base(p), Size: int64(len(f.data)), ModTime: f.mtime}, nil
	}
	if m.isDir(p) {
		return FileInfo{Name: path.Base(p), Dir: true}, nil
	}
	return FileInfo{}, notExist("stat", p)
}

// List implements FS.
func (m *MemFS) List(dir string) ([]FileInfo, error) {
	dir, err := CleanPath(dir)
	if err != nil {
		return nil, err
	}
	if !m.isDir(dir) {
		return nil, notExist("list", dir)
	}
	return listFrom(dir, m.files), nil
}

// listFrom lists dir from a set of file paths (subdirectories implied).
func listFrom(dir string, files map[string]memFile) []FileInfo {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	seen := map[string]FileInfo{}
	for p, f := range files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := p[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seen[rest[:i]] = FileInfo{Name: rest[:i], Dir: true}
			continue
		}
		seen[rest] = FileInfo{Name: rest, Size: int64(len(f.data)), ModTime: f.mtime}
	}
	for d := range standardDirs {
		if strings.HasPrefix(d, prefix) && !strings.Contains(d[len(prefix):], "/") {
			if _, ok := seen[d[len(prefix):]]; !ok {
				seen[d[len(prefix):]] = FileInfo{Name: d[len(prefix):], Dir: true}
			}
		}
	}
	out := make([]FileInfo, 0, len(seen))
	for _, fi := range seen {
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ---- staged changes over an FS -------------------------------------------------

// stagedFS is what a command sees: the VIOS's files with the command's
// own writes and removals over them. Nothing reaches the base FS; ops()
// returns what is to be done.
type stagedFS struct {
	base  FS
	now   time.Time
	order []string
	files map[string]memFile // staged writes
	gone  map[string]bool    // staged removals
}

func newStagedFS(base FS, now time.Time) *stagedFS {
	return &stagedFS{base: base, now: now, files: map[string]memFile{}, gone: map[string]bool{}}
}

func (s *stagedFS) touch(p string) {
	for _, o := range s.order {
		if o == p {
			return
		}
	}
	s.order = append(s.order, p)
}

// ops returns the staged changes in the order of their first change.
func (s *stagedFS) ops() []FileOp {
	var out []FileOp
	for _, p := range s.order {
		if s.gone[p] {
			out = append(out, FileOp{Path: p, Remove: true})
		} else if f, ok := s.files[p]; ok {
			out = append(out, FileOp{Path: p, Data: f.data, ModTime: f.mtime})
		}
	}
	return out
}

func (s *stagedFS) Read(p string) ([]byte, error) {
	p, err := CleanPath(p)
	if err != nil {
		return nil, err
	}
	if f, ok := s.files[p]; ok {
		return append([]byte(nil), f.data...), nil
	}
	if s.gone[p] {
		return nil, notExist("read", p)
	}
	return s.base.Read(p)
}

func (s *stagedFS) Write(p string, data []byte, mtime time.Time) error {
	p, err := CleanPath(p)
	if err != nil {
		return err
	}
	if fi, err := s.Stat(p); err == nil && fi.Dir {
		return &fs.PathError{Op: "write", Path: p, Err: errors.New("is a directory")}
	}
	if mtime.IsZero() {
		mtime = s.now
	}
	s.files[p] = memFile{append([]byte(nil), data...), mtime}
	delete(s.gone, p)
	s.touch(p)
	return nil
}

func (s *stagedFS) Remove(p string) error {
	p, err := CleanPath(p)
	if err != nil {
		return err
	}
	if fi, err := s.Stat(p); err != nil || fi.Dir {
		return notExist("remove", p)
	}
	delete(s.files, p)
	s.gone[p] = true
	s.touch(p)
	return nil
}

func (s *stagedFS) Stat(p string) (FileInfo, error) {
	p, err := CleanPath(p)
	if err != nil {
		return FileInfo{}, err
	}
	if f, ok := s.files[p]; ok {
		return FileInfo{Name: path.Base(p), Size: int64(len(f.data)), ModTime: f.mtime}, nil
	}
	if standardDirs[p] {
		return FileInfo{Name: path.Base(p), Dir: true}, nil
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	for f := range s.files {
		if strings.HasPrefix(f, prefix) {
			return FileInfo{Name: path.Base(p), Dir: true}, nil
		}
	}
	if s.gone[p] {
		return FileInfo{}, notExist("stat", p)
	}
	return s.base.Stat(p)
}

func (s *stagedFS) List(dir string) ([]FileInfo, error) {
	dir, err := CleanPath(dir)
	if err != nil {
		return nil, err
	}
	fi, err := s.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.Dir {
		return nil, &fs.PathError{Op: "list", Path: dir, Err: errors.New("not a directory")}
	}
	byName := map[string]FileInfo{}
	if base, err := s.base.List(dir); err == nil {
		for _, e := range base {
			if !s.gone[path.Join(dir, e.Name)] {
				byName[e.Name] = e
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range listFrom(dir, s.files) {
		byName[e.Name] = e
	}
	out := make([]FileInfo, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// IsStandardDir reports whether p (clean) is a directory every simulated
// VIOS has, whether or not it holds files.
func IsStandardDir(p string) bool { return standardDirs[p] }

// StandardChildren returns the names of the standard directories in dir
// (clean).
func StandardChildren(dir string) []string {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var out []string
	for d := range standardDirs {
		if rest, found := strings.CutPrefix(d, prefix); found && rest != "" && !strings.Contains(rest, "/") {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}
