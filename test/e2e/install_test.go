package e2e

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// tty is pvm-install in a tmux pane: keys in, screen out.
type tty struct {
	t    *testing.T
	name string
	run  func(args ...string) ([]byte, error)
}

func startTTY(t *testing.T, args ...string) *tty {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the wizard tests drive it through a tmux pane (scripts/test.sh installs it under CI)")
	}
	name := "pvmi" + strings.ReplaceAll(t.Name(), "/", "_")
	cmdline := pvmInstallBin() + " " + strings.Join(args, " ") + "; echo EXIT=$?; sleep 600"
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tt := &tty{t: t, name: name}
	tmuxArgs := []string{"-S", sock}
	run := func(a ...string) ([]byte, error) {
		return exec.Command("tmux", append(tmuxArgs, a...)...).CombinedOutput()
	}
	if out, err := run("new-session", "-d", "-s", name, "-x", "80", "-y", "30", cmdline); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { run("kill-server") })
	tt.run = run
	return tt
}

func pvmInstallBin() string { return filepath.Join(binDir, "pvm-install") }

func (tt *tty) keys(keys ...string) {
	tt.t.Helper()
	for _, k := range keys {
		if out, err := tt.run("send-keys", "-t", tt.name, k); err != nil {
			tt.t.Fatalf("send-keys %q: %v\n%s", k, err, out)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (tt *tty) screen() string {
	out, err := tt.run("capture-pane", "-p", "-t", tt.name)
	if err != nil {
		tt.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitFor waits until the screen shows s.
func (tt *tty) waitFor(s string) string {
	tt.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		sc := tt.screen()
		if strings.Contains(sc, s) {
			return sc
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("the screen never showed %q:\n%s", s, sc)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// installArgs are pvm-install's paths in a test directory.
func installArgs(dir string) []string {
	return []string{"--state-dir", filepath.Join(dir, "state"), "--log-dir", filepath.Join(dir, "log"),
		"--backup-dir", filepath.Join(dir, "backups"), "--services", "none"}
}

// openState opens the installed system's core (the services are not
// running in these tests).
func openState(t *testing.T, dir string) *core.Core {
	t.Helper()
	c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state", "state.db"), Timing: sim.Profiles["fast"],
		FilesDir: filepath.Join(dir, "state", "files"), BackupDir: filepath.Join(dir, "backups")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInstallWizard drives pvm-install as an administrator would:
// the welcome screen (compared with its golden file), the network with a
// bad IP address first, the VIOSes without a shared storage pool, a disk
// that does not exist, then good answers; the new system and
// novalink-install.cfg are checked. Then a VIOS is lost, and the wizard's
// repair brings it back without touching a client partition.
func TestInstallWizard(t *testing.T) {
	dir := t.TempDir()
	tt := startTTY(t, installArgs(dir)...)
	welcome := tt.waitFor("Choose to repair a system")
	golden(t, "testdata/pvm-install-welcome.txt", welcome)

	tt.keys("Enter")
	tt.waitFor("Network Configuration")
	tt.keys("C-u", "nova1", "Enter", "300.1.2.3", "Enter")
	tt.waitFor(`"300.1.2.3" is not an IPv4 address`)
	tt.keys("C-u", "10.1.2.5", "Enter", "Enter", "10.1.2.1", "Enter", "10.1.2.2,10.1.2.3", "Enter", "lab.example.com", "Enter", "Enter")
	tt.waitFor("Virtual I/O Servers")
	tt.keys("Enter", "Right", "Enter") // 2 VIOS; no shared storage pool
	tt.waitFor("Disk Configuration")
	tt.keys("C-u", "hdisk9", "Enter")
	tt.waitFor("hdisk9 is not a disk of this server")
	tt.keys("C-u", "hdisk0,hdisk1", "Enter", "C-u", "hdisk1", "Enter")
	tt.waitFor("Install now?")
	tt.keys("Enter")
	out := tt.waitFor("EXIT=")
	if !strings.Contains(out, "Installation complete.") || !strings.Contains(out, "EXIT=0") {
		t.Fatalf("install:\n%s", out)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "log", "novalink-install.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"novalink.hostname = nova1", "novalink.ipaddress = 10.1.2.5", "novalink.gateway = 10.1.2.1",
		"novalink.dns = 10.1.2.2,10.1.2.3", "novalink.domain = lab.example.com", "vios.count = 2",
		"vios1.disks = hdisk0,hdisk1", "vios2.disks = hdisk1", "ssp = no"} {
		if !strings.Contains(string(cfg), want+"\n") {
			t.Errorf("novalink-install.cfg lacks %q:\n%s", want, cfg)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "log", "pvm-install.log")); err != nil || !strings.Contains(string(b), "Installation complete.") {
		t.Errorf("pvm-install.log: %v\n%s", err, b)
	}

	c := openState(t, dir)
	want := layoutOf(c)
	if got := want.vioses; strings.Join(got, " ") != "vios1:rootvg=hdisk0+hdisk1:novalink_boot vios2:rootvg=hdisk1:novalink_boot" {
		t.Errorf("VIOSes: %v", got)
	}
	if want.ssp || !want.mgmtSwitch || want.clients != 0 || !want.novalinkMgmt {
		t.Errorf("layout: %+v", want)
	}
	// A client partition is made, then vios2 is lost with everything it
	// had (its adapters, devices and its SEA in the bridge).
	a := c.ActorFor("padmin", core.RoleAdmin, "")
	client := c.NewPartitionTemplate(model.TypeAIXLinux)
	client.Name = "client1"
	client, err = c.CreatePartition(a, client)
	if err != nil {
		t.Fatal(err)
	}
	lose := func(tx *core.Tx) error {
		v := tx.PartitionByName("vios2")
		for _, k := range []model.ObjKind{model.KindPV, model.KindVG, model.KindLV, model.KindFCPort} {
			tx.Each(k, func(o model.Object) {
				if vv, _ := deviceVIOS(o); vv == v.UUID {
					tx.Delete(k, o.Key())
				}
			})
		}
		for _, ad := range tx.AdaptersOf(v.UUID) {
			tx.Delete(model.KindAdapter, ad.UUID)
		}
		for _, b := range tx.Bridges() {
			n := b.CloneObject().(*model.NetworkBridge)
			n.SEAs = n.SEAs[:1]
			tx.Put(n)
		}
		tx.DeletePartition(v.UUID)
		return nil
	}
	if err := c.Apply(core.Actor{User: "test", Internal: true}, lose); err != nil {
		t.Fatal(err)
	}
	if l := layoutOf(c); len(l.vioses) != 1 {
		t.Fatalf("vios2 not lost: %+v", l)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	tt = startTTY(t, installArgs(dir)...)
	tt.waitFor("Choose to repair a system")
	tt.keys("Down", "Enter")
	out = tt.waitFor("EXIT=")
	if !strings.Contains(out, "Repaired: created Virtual I/O Server vios2 (ID 3)") || !strings.Contains(out, "EXIT=0") {
		t.Fatalf("repair:\n%s", out)
	}
	c = openState(t, dir)
	defer c.Close()
	got := layoutOf(c)
	got.clients-- // client1 stays, untouched
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(layout{})); diff != "" {
		t.Errorf("after repair (-installed +repaired):\n%s", diff)
	}
	c.Read(func(st *model.State) {
		if p := st.PartitionByName("client1"); p == nil || p.ID != client.ID {
			t.Errorf("client1 after repair: %+v", p)
		}
	})
}

// TestInstallNonInteractive installs from a cfg file without questions
// (the netboot path), refuses a bad one without making anything, and
// repairs from the cfg.
func TestInstallNonInteractive(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	os.WriteFile(bad, []byte("novalink.hostname = n1\nnovalink.ipaddress = 10.0.0.5\nnovalink.netmask = 255.255.255.0\nnovalink.gateway = 10.9.0.1\nvios.count = 1\nvios1.disks = hdisk0\nssp = yes\n"), 0o644)
	out, err := exec.Command(pvmInstallBin(), append(installArgs(dir), "--config", bad)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "novalink.gateway: 10.9.0.1 is not in the network of 10.0.0.5/255.255.255.0") {
		t.Fatalf("bad cfg: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "state.db")); err == nil {
		t.Fatal("a refused cfg made a system")
	}
	good := filepath.Join(dir, "good.cfg")
	os.WriteFile(good, []byte("novalink.hostname = n1\nnovalink.ipaddress = 10.0.0.5\nnovalink.netmask = 255.255.255.0\nnovalink.gateway = 10.0.0.1\nnovalink.vlan = 20\nvios.count = 1\nvios1.disks = hdisk5\nssp = yes\n"), 0o644)
	if out, err := exec.Command(pvmInstallBin(), append(installArgs(dir), "--config", good)...).CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	c := openState(t, dir)
	l := layoutOf(c)
	c.Close()
	if strings.Join(l.vioses, " ") != "vios1:rootvg=hdisk5:novalink_boot" || !l.ssp || l.novalinkVLAN != 20 {
		t.Errorf("layout: %+v", l)
	}
	out, err = exec.Command(pvmInstallBin(), append(installArgs(dir), "--repair")...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Nothing to repair") {
		t.Errorf("repair of a sound system: %v\n%s", err, out)
	}
}

// layout is what the tests compare of an installed system.
type layout struct {
	vioses                   []string // name:rootvg=disks:LVs
	ssp, mgmtSwitch          bool
	novalinkMgmt             bool
	novalinkVLAN             int
	clients                  int
	viosAdapters, trunkSlots []int
	bridgeSEAs               int
}

func layoutOf(c *core.Core) layout {
	var l layout
	c.Read(func(st *model.State) {
		pvName := map[string]string{}
		st.Each(model.KindPV, func(o model.Object) { p := o.(*model.PhysicalVolume); pvName[p.UUID] = p.Name })
		for _, p := range st.SortedPartitions(nil) {
			switch {
			case p.IsMgmt:
				l.novalinkMgmt = p.MgmtCapable
				for _, a := range st.AdaptersOf(p.UUID) {
					if a.Slot == 3 {
						l.novalinkVLAN = a.PVID
					}
				}
			case p.IsVIOS():
				s := p.Name + ":"
				st.Each(model.KindVG, func(o model.Object) {
					if vg := o.(*model.VolumeGroup); vg.VIOS == p.UUID && vg.Name == "rootvg" {
						var names []string
						for _, u := range vg.PVs {
							names = append(names, pvName[u])
						}
						s += "rootvg=" + strings.Join(names, "+")
					}
				})
				st.Each(model.KindLV, func(o model.Object) {
					if lv := o.(*model.LogicalVolume); lv.VIOS == p.UUID {
						s += ":" + lv.Name
					}
				})
				l.vioses = append(l.vioses, s)
				for _, a := range st.AdaptersOf(p.UUID) {
					l.viosAdapters = append(l.viosAdapters, a.Slot)
					if a.Trunk {
						l.trunkSlots = append(l.trunkSlots, a.Slot)
					}
				}
			default:
				l.clients++
			}
		}
		st.Each(model.KindCluster, func(model.Object) { l.ssp = true })
		st.Each(model.KindSwitch, func(o model.Object) {
			if o.(*model.VirtualSwitch).Name == model.MgmtSwitch {
				l.mgmtSwitch = true
			}
		})
		st.Each(model.KindBridge, func(o model.Object) { l.bridgeSEAs += len(o.(*model.NetworkBridge).SEAs) })
	})
	return l
}

func deviceVIOS(o model.Object) (string, bool) {
	switch d := o.(type) {
	case *model.PhysicalVolume:
		return d.VIOS, true
	case *model.VolumeGroup:
		return d.VIOS, true
	case *model.LogicalVolume:
		return d.VIOS, true
	case *model.FCPort:
		return d.VIOS, true
	}
	return "", false
}

// golden compares a screen with a file under testdata (-update rewrites it).
func golden(t *testing.T, path, got string) {
	t.Helper()
	got = strings.TrimRight(got, "\n") + "\n"
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to make it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
