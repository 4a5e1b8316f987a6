package daemon

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeFleetFile is the example fleet file of the README.
func readmeFleetFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(address:.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("the README has no example fleet file (a yaml block starting with address:)")
	}
	return string(m[1])
}

func planFile(t *testing.T, text string) (*fleetPlan, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := loadFleetSpec(path)
	if err != nil {
		return nil, err
	}
	return spec.plan("", -1, -1, "")
}

// TestFleetFileREADME: the README's example fleet file plans as the
// README says: four systems sys1..sys4 in one cluster from 127.0.1.1, big
// with its own inventory over the defaults, lab1 and lab2 in the group
// lab (lab2 at its own address), alone in no group.
func TestFleetFileREADME(t *testing.T) {
	p, err := planFile(t, readmeFleetFile(t))
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ name, addr, group string }
	wants := []want{
		{"sys1", "127.0.1.1", "auto1"}, {"sys2", "127.0.1.2", "auto1"}, {"sys3", "127.0.1.3", "auto1"}, {"sys4", "127.0.1.4", "auto1"},
		{"big", "127.0.1.5", "auto1"}, {"lab1", "127.0.1.6", "named:lab"}, {"lab2", "127.0.2.10", "named:lab"}, {"alone", "127.0.1.7", ""},
	}
	if len(p.systems) != len(wants) {
		t.Fatalf("%d systems, want %d", len(p.systems), len(wants))
	}
	serials := map[string]bool{}
	for i, w := range wants {
		s := p.systems[i]
		if s.name != w.name || s.addr.String() != w.addr || s.group != w.group {
			t.Errorf("system %d: %s at %s in %q, want %s at %s in %q", i, s.name, s.addr, s.group, w.name, w.addr, w.group)
		}
		if serials[s.inv.System.Serial] {
			t.Errorf("%s: serial %s used twice", s.name, s.inv.System.Serial)
		}
		serials[s.inv.System.Serial] = true
		clients := 20
		if s.name == "big" {
			clients = 200
		}
		if s.inv.Clients.Count != clients {
			t.Errorf("%s: %d clients, want %d", s.name, s.inv.Clients.Count, clients)
		}
	}
	if big := p.systems[4].inv; big.System.MemoryMB != 1048576 || big.Clients.Running != 50 {
		t.Errorf("big: %d MB, %d clients running", big.System.MemoryMB, big.Clients.Running)
	}
	if p.httpPort != 12080 || p.httpsPort != 12443 || p.hmcAddr.String() != "127.0.0.2" || p.hmcName != "hmc1" {
		t.Errorf("ports %d %d, HMC %s %s", p.httpPort, p.httpsPort, p.hmcAddr, p.hmcName)
	}
}

// TestFleetFileDefaultLayout: --systems N groups consecutive systems in
// clusters of eight, names them sys001.. by the count's width.
func TestFleetFileDefaultLayout(t *testing.T) {
	p, err := defaultFleetSpec(20).plan("", 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]int{}
	for _, s := range p.systems {
		groups[s.group]++
	}
	if len(p.systems) != 20 || p.systems[0].name != "sys01" || p.systems[19].addr.String() != "127.0.1.20" ||
		groups["auto1"] != 8 || groups["auto2"] != 8 || groups["auto3"] != 4 {
		t.Fatalf("20 systems: %d, first %s, last at %s, groups %v", len(p.systems), p.systems[0].name, p.systems[19].addr, groups)
	}
}

// TestFleetFileErrors: a bad fleet file is refused with a message saying
// what is wrong, before anything starts.
func TestFleetFileErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"systems: []", "lists no systems"},
		{"systemz: [{count: 2}]", "unknown field"},
		{"systems: [{count: -1}]", "is not a number of systems"},
		{"systems: [{name: a, count: 2}]", "not both"},
		{"systems: [{group: x}]", "needs a name"},
		{"systems: [{name: a}, {name: a}]", "used twice"},
		{"systems: [{name: a, address: 127.0.1.9}, {name: b, address: 127.0.1.9}]", "is a's already"},
		{"systems: [{count: 2, address: 127.0.1.9}]", "single system's"},
		{"address: nowhere\nsystems: [{count: 2}]", "not an IPv4 address"},
		{"httpPort: 70000\nsystems: [{count: 2}]", "not a TCP port"},
		{"clusterSystems: 17\nsystems: [{count: 2}]", "clusterSystems 17"},
		{"defaults: {clients: {cnt: 2}}\nsystems: [{count: 2}]", "unknown field"},
		{"systems: [{count: 2, inventory: {system: {serial: \"21ABCDE\"}}}]", "one serial number"},
		{"hmc: {address: 127.0.1.1}\nsystems: [{name: a, address: 127.0.1.1}]", "the HMC's already"},
	} {
		_, err := planFile(t, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error with %q", c.text, err, c.want)
		}
	}
}
