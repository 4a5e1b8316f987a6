package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/atomicfile"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/sim"
)

// Paths are where pvm-install works: the production layout by default
// (pvm-install's flags change each for development).
type Paths struct {
	StateDir  string // pvm-core's --state-dir (state.db)
	BackupDir string // pvm-core's --backup-dir
	LogDir    string // novalink-install.cfg and pvm-install.log
	// Services says how pvm-core and pvm-rest are stopped and started:
	// "systemd" (systemctl), or "none" (development: the caller runs pvmd).
	Services string
	// Systemctl is the systemctl command (tests put a stand-in there).
	Systemctl string
}

// DefaultPaths is the production layout.
func DefaultPaths() Paths {
	return Paths{StateDir: "/var/lib/pvm", BackupDir: "/var/backups/pvm", LogDir: "/var/log/pvm-install",
		Services: "systemd", Systemctl: "systemctl"}
}

// CfgPath is novalink-install.cfg's path.
func (p Paths) CfgPath() string { return filepath.Join(p.LogDir, "novalink-install.cfg") }

// Runner does installs and repairs, logging to pvm-install.log and to out
// (what the wizard or the terminal shows).
type Runner struct {
	Paths Paths
	Out   io.Writer
	log   *slog.Logger
	file  *os.File
}

// NewRunner opens the install log (appending).
func NewRunner(p Paths, out io.Writer) (*Runner, error) {
	if err := os.MkdirAll(p.LogDir, 0o750); err != nil {
		return nil, fmt.Errorf("install log directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(p.LogDir, "pvm-install.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("install log: %w", err)
	}
	if out == nil {
		out = io.Discard
	}
	return &Runner{Paths: p, Out: out, file: f, log: slog.New(slog.NewTextHandler(f, nil))}, nil
}

// Close closes the log.
func (r *Runner) Close() error { return r.file.Close() }

func (r *Runner) step(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(r.Out, msg)
	r.log.Info(msg)
}

// Install makes a new managed system in c's layout: the services are
// stopped, a state directory's existing system is kept aside
// (state.db.replaced-<time>), the new one is seeded, the configuration is
// written, and the services are started. A refused configuration changes
// nothing.
func (r *Runner) Install(c *Config) error {
	if err := c.Validate(); err != nil {
		r.log.Error("configuration refused", "err", err)
		return err
	}
	r.log.Info("install", "hostname", c.Hostname, "ip", c.IPAddress, "vios", len(c.VIOSDisks), "ssp", c.SSP)
	if err := r.services("stop"); err != nil {
		return err
	}
	if err := os.MkdirAll(r.Paths.StateDir, 0o750); err != nil {
		return err
	}
	db := filepath.Join(r.Paths.StateDir, "state.db")
	var aside string
	if _, err := os.Stat(db); err == nil {
		aside = db + ".replaced-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(db, aside); err != nil {
			return fmt.Errorf("keep the existing system aside: %w", err)
		}
		r.step("The existing system's state was kept as %s.", aside)
	}
	inv := c.Inventory()
	cr, err := core.Open(core.Config{StatePath: db, Inventory: inv, Timing: sim.Profiles["fast"], Logger: r.log,
		BackupDir: r.Paths.BackupDir, FilesDir: filepath.Join(r.Paths.StateDir, "files")})
	if err == nil {
		err = cr.Close()
	}
	if err != nil {
		os.Remove(db)
		if aside != "" {
			_ = os.Rename(aside, db) // put the old state back; the error below is the one to report
		}
		return fmt.Errorf("create the managed system: %w", err)
	}
	r.step("Created managed system %s: the NovaLink partition %s (ID 1), %d Virtual I/O Server(s) with rootvg on %s, MGMTSWITCH.",
		inv.System.Name, inv.NovaLink.Name, len(c.VIOSDisks), diskSummary(c))
	if c.SSP {
		r.step("Shared storage pool pool1 (cluster cluster1) over hdisk3 and hdisk4.")
	}
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		return fmt.Errorf("write %s: %w", r.Paths.CfgPath(), err)
	}
	if err := atomicfile.Write(r.Paths.CfgPath(), b.Bytes(), 0o640, time.Now()); err != nil {
		return fmt.Errorf("write %s: %w", r.Paths.CfgPath(), err)
	}
	r.step("Wrote %s.", r.Paths.CfgPath())
	if err := r.services("start"); err != nil {
		return err
	}
	r.step("Installation complete.")
	return nil
}

func diskSummary(c *Config) string {
	var parts []string
	for i, d := range c.VIOSDisks {
		parts = append(parts, fmt.Sprintf("vios%d: %s", i+1, strings.Join(d, "+")))
	}
	return strings.Join(parts, ", ")
}

// ReadConfig reads novalink-install.cfg (or another file).
func ReadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Repair rebuilds what of the configuration's layout is missing or broken
// (core.Repair): the services are stopped, the core opened on the state
// directory, repaired in one operation, and the services started again.
// It returns what was done.
func (r *Runner) Repair(c *Config) ([]string, error) {
	db := filepath.Join(r.Paths.StateDir, "state.db")
	if _, err := os.Stat(db); err != nil {
		return nil, fmt.Errorf("no system to repair in %s (install first): %w", r.Paths.StateDir, err)
	}
	r.log.Info("repair", "cfg", r.Paths.CfgPath())
	if err := r.services("stop"); err != nil {
		return nil, err
	}
	cr, err := core.Open(core.Config{StatePath: db, Timing: sim.Profiles["fast"], Logger: r.log,
		BackupDir: r.Paths.BackupDir, FilesDir: filepath.Join(r.Paths.StateDir, "files")})
	if err != nil {
		return nil, err
	}
	did, err := cr.Repair(cr.ActorFor("pvm-install", core.RoleAdmin, ""), c.Inventory())
	if cerr := cr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.log.Error("repair failed", "err", err)
		_ = r.services("start") // the services as they were; the repair's error is the one to report
		return nil, err
	}
	for _, d := range did {
		r.step("Repaired: %s.", d)
	}
	if len(did) == 0 {
		r.step("Nothing to repair: the NovaLink partition, the Virtual I/O Servers and MGMTSWITCH are in place.")
	}
	if err := r.services("start"); err != nil {
		return did, err
	}
	return did, nil
}

// services stops or starts pvm-rest and pvm-core.
func (r *Runner) services(verb string) error {
	if r.Paths.Services == "none" {
		if verb == "start" {
			r.step("Services are not managed here (--services none): start pvmd on %s.", r.Paths.StateDir)
		}
		return nil
	}
	units := []string{"pvm-core.service", "pvm-rest.service"}
	if verb == "stop" {
		units = []string{"pvm-rest.service", "pvm-core.service"}
	}
	out, err := exec.Command(r.Paths.Systemctl, append([]string{verb}, units...)...).CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		msg := strings.TrimSpace(string(out))
		if !errors.As(err, &ee) {
			msg = err.Error()
		}
		r.log.Error("systemctl "+verb, "err", msg)
		return fmt.Errorf("systemctl %s %s: %s", verb, strings.Join(units, " "), msg)
	}
	r.step("systemctl %s %s", verb, strings.Join(units, " "))
	return nil
}
