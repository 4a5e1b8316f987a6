package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPypowervmStorage runs testdata/pypowervm_storage.py, which drives
// pvmd's storage with the real pypowervm library as nova-powervm does: an
// image LU uploaded, a linked clone of it mapped to an LPAR, a config ISO
// uploaded and mapped, everything unmapped and removed, and a pair of
// WWPNs asked for. It runs when PYPOWERVM_SRC names a directory holding
// the pypowervm package and python3 has its dependencies (runPypowervm).
func TestPypowervmStorage(t *testing.T) {
	d := runPypowervm(t, "pypowervm_storage.py", "pypowervm storage test", 120*time.Second)
	// Nothing the uploads wrote is left behind: the image and the ISO went
	// with the logical units and the media they became.
	var left []string
	filepath.Walk(filepath.Join(d.Dir, "files"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("files left under the files directory: %v", left)
	}
}
