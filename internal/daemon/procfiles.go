package daemon

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// writeProcFiles writes the management partition's view of the hypervisor,
// <dir>/ppc64/lparcfg and <dir>/cpuinfo (as /proc shows them on a Power
// partition), so that clients running beside pvmd on a machine that is not
// a Power partition can be "on" the NovaLink partition: the start-up hook
// in python/partition redirects pypowervm's reads of /proc there.
func writeProcFiles(c *core.Core, dir string) error {
	var sys *model.ManagedSystem
	var mgmt *model.Partition
	c.Read(func(st *model.State) {
		sys = st.System
		for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return p.IsMgmt }) {
			mgmt = p
			break
		}
	})
	if mgmt == nil {
		return fmt.Errorf("--proc-dir: the system has no management partition")
	}
	if err := os.MkdirAll(filepath.Join(dir, "ppc64"), 0o755); err != nil {
		return fmt.Errorf("--proc-dir: %w", err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{filepath.Join(dir, "ppc64", "lparcfg"), sim.LparCfg(sys, mgmt, sys.ConfigurableProcUnits)}, {filepath.Join(dir, "cpuinfo"), sim.CPUInfo(sys, mgmt)}} {
		if old, err := os.ReadFile(f.path); err == nil && bytes.Equal(old, f.data) {
			continue // as it would be written
		}
		// Made again from the state on every start: replaced whole for
		// readers, but not synced (a crash's empty file is rewritten).
		if err := atomicfile.WriteVolatile(f.path, f.data, 0o644); err != nil {
			return fmt.Errorf("--proc-dir: %w", err)
		}
	}
	return nil
}
