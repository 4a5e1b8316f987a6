package core

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

const exampleInventory = `# A small system as YAML (JSON works as well).
system:
  name: lab1
  serial: 21AB3CD
clients:
  count: 1
switches:
  - name: ETHERNET1
    mode: VEPA
partitions:
  - name: web1
    memoryMB: 4096
    procUnits: 0.5
    virtualProcs: 2
    running: true
    adapters:
      - vlan: 100
        tagged: [200]
      - switch: ETHERNET1
        vlan: 300
        slot: 9
    storage:
      - lu: web1_boot
        sizeMB: 20480
        thin: true
  - name: db1
    id: 40
    dedicated: true
    procs: 2
    memoryMB: 8192
users:
  - name: alice
    role: pvm_viewer
    password: wonderland1
`

// TestInventoryExplicit: an inventory in YAML with switches, partitions
// (adapters, a disk of the pool mapped through both VIOSes, a running one)
// and users seeds all of it, with the same UUIDs and MACs on every build;
// reset brings it back; bad inventories are refused with the reason.
func TestInventoryExplicit(t *testing.T) {
	inv, err := ParseInventory("example.yaml", []byte(exampleInventory))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	a, err := inv.Build(now, sim.Profiles["fast"])
	if err != nil {
		t.Fatal(err)
	}
	b, err := inv.Build(now+1000, sim.Profiles["fast"])
	if err != nil {
		t.Fatal(err)
	}
	ids := func(st *model.State) string {
		var out []string
		for _, k := range model.Kinds {
			st.Each(k, func(o model.Object) {
				s := string(k) + ":" + o.Key()
				if ad, ok := o.(*model.EthernetAdapter); ok {
					s += ":" + ad.MAC
				}
				out = append(out, s)
			})
		}
		sortStrings(out)
		return strings.Join(out, "\n")
	}
	if ids(a) != ids(b) {
		t.Fatal("two builds of the inventory made different objects")
	}
	web := a.PartitionByName("web1")
	if web == nil || web.State != model.StateRunning || web.RMCState != model.RMCActive || web.DesVP != 2 {
		t.Fatalf("web1: %+v", web)
	}
	var vlans []string
	for _, ad := range a.AdaptersOf(web.UUID) {
		vlans = append(vlans, strconv.Itoa(ad.SwitchID)+"/"+strconv.Itoa(ad.PVID)+"@"+strconv.Itoa(ad.Slot))
	}
	if got := strings.Join(vlans, " "); got != "0/100@2 1/4094@3 2/300@9" {
		t.Errorf("web1's adapters (switch/vlan@slot): %s", got)
	}
	if sw := a.SwitchByName("ETHERNET1"); sw == nil || sw.Mode != model.SwitchVEPA {
		t.Errorf("ETHERNET1: %+v", sw)
	}
	maps := 0
	a.Each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.Client == web.UUID && m.Backing == model.BackLU {
			maps++
		}
	})
	if maps != 2 {
		t.Errorf("web1's disk is mapped through %d VIOSes, want 2", maps)
	}
	if db := a.PartitionByName("db1"); db == nil || db.ID != 40 || !db.Dedicated || db.DesProcs != 2 {
		t.Errorf("db1: %+v", db)
	}

	// Seeded: the accounts exist; reset comes back to it all.
	dir := t.TempDir()
	c := openTest(t, dir, sim.NewFakeClock(time.UnixMilli(now)), inv)
	defer c.Close()
	if _, err := c.Authenticate("alice", "wonderland1"); err != nil {
		t.Fatalf("alice: %v", err)
	}
	if err := c.DeletePartition(admin, partByName(c, "db1").UUID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reset(admin); err != nil {
		t.Fatal(err)
	}
	if p := partByName(c, "db1"); p == nil || p.ID != 40 {
		t.Fatalf("db1 after reset: %+v", p)
	}
	raw, _ := c.store.Get("meta", "inventory")
	if strings.Contains(string(raw), "wonderland1") {
		t.Error("the state file keeps an account's password in the inventory")
	}

	// Refusals.
	for _, c := range []struct{ doc, msg string }{
		{"partitions:\n  - name: x\n    memoryMB: 1000\n", "multiple of the memory region size"},
		{"partitions:\n  - name: x\n    memoryMB: 1024\n    adapters:\n      - switch: NOPE\n        vlan: 5\n", `no virtual switch "NOPE"`},
		{"partitions:\n  - name: lpar10\n    memoryMB: 1024\n", "already in use"},
		{"partitions:\n  - name: x\n    memoryMB: 1024\n    type: vios\n", "not AIX/Linux or OS400"},
		{"layout:\n  storage:\n    NoSSP: true\npartitions:\n  - name: x\n    memoryMB: 1024\n    storage:\n      - lu: d\n        sizeMB: 10\n", "leaves out"},
		{"users:\n  - name: bob\n    role: god\n    password: longenough\n", "role"},
		{"users:\n  - name: bob\n    role: pvm_viewer\n    password: x\n", "shorter than 8"},
		{"colour: red\n", "unknown field"},
		{"system: [1, 2\n", "yaml"},
	} {
		inv, err := ParseInventory("bad.yaml", []byte(c.doc))
		if err == nil {
			_, err = inv.Build(now, sim.Profiles["fast"])
		}
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want an error with %q", c.doc, err, c.msg)
		}
	}
	// JSON too.
	js, _ := json.Marshal(map[string]any{"clients": map[string]any{"count": 0}})
	path := filepath.Join(t.TempDir(), "inv.json")
	os.WriteFile(path, js, 0o600)
	if inv, err := LoadInventory(path); err != nil || inv.Clients.Count != 0 {
		t.Errorf("JSON inventory: %+v %v", inv, err)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestSeedMakesSameUUIDs: under the same seed the same operations make
// objects with the same UUIDs (partitions, adapters); another seed, other
// UUIDs.
func TestSeedMakesSameUUIDs(t *testing.T) {
	run := func(seed uint64) string {
		c, err := Open(Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)),
			Timing: sim.Profiles["fast"], Seed: seed, Logger: openTestLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var out []string
		for i := 0; i < 3; i++ {
			p, err := c.CreatePartition(admin, newClient(c, "s"+strconv.Itoa(i), 1024, 10))
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.CreateAdapter(admin, p.UUID, &model.EthernetAdapter{PVID: 7, SwitchID: 0}, SlotNext)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.UUID, a.UUID, a.MAC)
		}
		return strings.Join(out, " ")
	}
	a, b, other := run(11), run(11), run(12)
	if a != b {
		t.Errorf("seed 11 twice:\n%s\n%s", a, b)
	}
	if a == other {
		t.Errorf("seeds 11 and 12 made the same UUIDs: %s", a)
	}
}

// TestNewPartitionUUIDsArePowerVMs: every partition pvmd names itself, with
// a seed or without, from a create or an inventory, has PowerVM's form
// (upper case, first hex digit 0-7), which pypowervm checks when a client
// gives the UUID back (nova's NVRAM respawn does).
func TestNewPartitionUUIDsArePowerVMs(t *testing.T) {
	var b strings.Builder
	b.WriteString("partitions:\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "  - name: inv%d\n    memoryMB: 1024\n", i)
	}
	inv, err := ParseInventory("uuids.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{0, 11} {
		c, err := Open(Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)),
			Timing: sim.Profiles["fast"], Seed: seed, Inventory: inv, Logger: openTestLogger()})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 40; i++ {
			if _, err := c.CreatePartition(admin, newClient(c, "u"+strconv.Itoa(i), 1024, 10)); err != nil {
				t.Fatal(err)
			}
		}
		c.Read(func(st *model.State) {
			for _, p := range st.SortedPartitions(nil) {
				if p.UUID != PowerVMUUID(p.UUID) {
					t.Errorf("seed %d: %s has UUID %s, not in PowerVM's form", seed, p.Name, p.UUID)
				}
			}
		})
		c.Close()
	}
}

func openTestLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestInventoryREADMEExample: the README's inventory example parses and
// builds as it says.
func TestInventoryREADMEExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "## The inventory file")
	j := strings.Index(doc[i:], "```yaml\n")
	if i < 0 || j < 0 {
		t.Fatal("the README has no YAML inventory example")
	}
	rest := doc[i+j+len("```yaml\n"):]
	example := rest[:strings.Index(rest, "```")]
	inv, err := ParseInventory("README.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	st, err := inv.Build(time.Now().UnixMilli(), sim.Profiles["fast"])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"novalink", "vios1", "vios2", "lpar10", "lpar12", "web1", "db1"} {
		if st.PartitionByName(name) == nil {
			t.Errorf("the README's example has no partition %s", name)
		}
	}
	if st.SwitchByName("ETHERNET1") == nil || len(inv.Users) != 1 {
		t.Errorf("the README's example lacks its switch or its user")
	}
}
