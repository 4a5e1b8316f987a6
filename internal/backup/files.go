package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/model"
)

// Frequency is how often a backup is taken.
type Frequency string

const (
	Hourly Frequency = "hourly"
	Daily  Frequency = "daily"
)

// Kinds of backup files.
const (
	KindSystem = "system" // profile.bak contents
	KindVIOS   = "vios"   // a VIOS's viosbr archive
)

// FileMode is the mode of backup files (owner read-write, group read).
const FileMode os.FileMode = 0o640

// Dir is the directory of a managed system's backups: <base>/<MTMS>.
func Dir(base string, sys *model.ManagedSystem) string {
	return filepath.Join(base, sys.MTMS())
}

// slot is HH (the hour, 00-23) for hourly backups, DD (the day of the
// month, 01-31) for daily ones, of t in its location.
func slot(freq Frequency, t time.Time) string {
	if freq == Daily {
		return fmt.Sprintf("%02d", t.Day())
	}
	return fmt.Sprintf("%02d", t.Hour())
}

// SystemName is system_hourly_HH.bak or system_daily_DD.bak.
func SystemName(freq Frequency, t time.Time) string {
	return "system_" + string(freq) + "_" + slot(freq, t) + ".bak"
}

// VIOSName is vios_<id>_hourly_HH.viosbr.tar.gz or vios_<id>_daily_DD.viosbr.tar.gz.
func VIOSName(id int, freq Frequency, t time.Time) string {
	return "vios_" + strconv.Itoa(id) + "_" + string(freq) + "_" + slot(freq, t) + ".viosbr.tar.gz"
}

// Info is a backup file found by List.
type Info struct {
	Name      string
	Path      string
	Kind      string // KindSystem or KindVIOS
	Frequency Frequency
	VIOSID    int       // for KindVIOS
	Slot      int       // the hour (hourly) or the day of the month (daily) in the name
	Time      time.Time // modification time: when the backup was taken
	Size      int64
}

var (
	systemRE = regexp.MustCompile(`^system_(hourly|daily)_([0-9]{2})\.bak$`)
	viosRE   = regexp.MustCompile(`^vios_([1-9][0-9]{0,5})_(hourly|daily)_([0-9]{2})\.viosbr\.tar\.gz$`)
)

// parseName recognizes a backup file name.
func parseName(name string) (Info, bool) {
	in := Info{Name: name}
	var freq, n string
	if m := systemRE.FindStringSubmatch(name); m != nil {
		in.Kind, freq, n = KindSystem, m[1], m[2]
	} else if m := viosRE.FindStringSubmatch(name); m != nil {
		in.Kind, freq, n = KindVIOS, m[2], m[3]
		in.VIOSID, _ = strconv.Atoi(m[1])
	} else {
		return in, false
	}
	in.Frequency = Frequency(freq)
	in.Slot, _ = strconv.Atoi(n)
	if in.Frequency == Hourly && in.Slot > 23 || in.Frequency == Daily && (in.Slot < 1 || in.Slot > 31) {
		return in, false
	}
	return in, true
}

// List returns the backups in dir, oldest first (same time: by name).
// Other files, and the temporary files of writes in progress, are left
// out. A directory that does not exist has no backups.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		in, ok := parseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		in.Path = filepath.Join(dir, in.Name)
		in.Time, in.Size = fi.ModTime(), fi.Size()
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// tmpMarker is in the name of every temporary file WriteAtomic makes.
const tmpMarker = atomicfile.TmpMarker

// WriteAtomic writes data to path so that path holds either its previous
// content or all of data, whatever happens (atomicfile.Write).
func WriteAtomic(path string, data []byte, mode os.FileMode) error {
	return atomicfile.Write(path, data, mode, time.Time{})
}

// writeAtomic is WriteAtomic that also sets the file's modification time.
func writeAtomic(path string, data []byte, mode os.FileMode, mtime time.Time) error {
	return atomicfile.Write(path, data, mode, mtime)
}

// RemoveStale removes the temporary files of backups a crash left in dir
// (writes in progress keep theirs: see atomicfile.RemoveStale).
func RemoveStale(dir string) error {
	return atomicfile.RemoveStale(dir, func(n string) bool {
		if !strings.HasPrefix(n, ".") {
			return false
		}
		i := strings.LastIndex(n, tmpMarker)
		if i < 0 {
			return false
		}
		_, ok := parseName(n[1:i])
		return ok
	})
}
