package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"sigs.k8s.io/yaml"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// FleetSpec is the fleet file (pvmd --fleet FILE, YAML or JSON; see the
// README): the systems of a fleet, their addresses and inventories, and
// the HMC that manages them all.
type FleetSpec struct {
	// Address is the first system's address; the next systems take the
	// next addresses (a system's own address is its NovaLink's).
	Address string `json:"address"`
	// HTTPPort and HTTPSPort are every system's ports (and the HMC's);
	// 0 picks free ports.
	HTTPPort  *int `json:"httpPort"`
	HTTPSPort *int `json:"httpsPort"`
	HMC       struct {
		Address string `json:"address"`
		Name    string `json:"name"`
		MTMS    string `json:"mtms"`
	} `json:"hmc"`
	// ClusterSystems is how many systems of the default layout share one
	// shared storage pool cluster, in the file's order (each system's
	// VIOSes are nodes; a cluster has at most 16).
	ClusterSystems int `json:"clusterSystems"`
	// Defaults is the inventory of every system (pvmd --config's format),
	// over the built-in one.
	Defaults json.RawMessage `json:"defaults"`
	Systems  []FleetEntry    `json:"systems"`
	// SAN is what the fleet's one SAN has besides the default (the
	// fabrics fabricA and fabricB every system's VIOS ports are on, the
	// array storwize1 with the systems' seeded disks): fabrics, arrays
	// (a host follows WWPNs or a VIOS named SYSTEM/VIOS), volumes, iSCSI
	// targets, RBD images and cabling (vios: SYSTEM/VIOS). Made with the
	// fleet's state file.
	SAN *san.Spec `json:"san"`
}

// FleetEntry is one system, or Count like systems, of a fleet file.
type FleetEntry struct {
	// Name names one system; with Count, NamePrefix + a number names each.
	Name       string `json:"name"`
	Count      int    `json:"count"`
	NamePrefix string `json:"namePrefix"`
	// Address is a single system's own address (else the next one).
	Address string `json:"address"`
	// Group places the systems in a storage group by name (they share
	// one cluster); "none" leaves each its own cluster; empty is the
	// default layout.
	Group string `json:"group"`
	// Inventory is the system's inventory over Defaults.
	Inventory json.RawMessage `json:"inventory"`
}

// Defaults of a fleet.
const (
	defaultFleetAddr       = "127.0.1.1"
	defaultHMCAddr         = "127.0.0.2"
	defaultClusterSystems  = 8
	defaultFleetNamePrefix = "sys"
)

// fleetSystem is one system of a fleet as pvmd runs it.
type fleetSystem struct {
	name    string
	addr    netip.Addr
	inv     *core.Inventory
	group   string
	explain string // where it comes from in the file, for errors
}

// fleetPlan is a fleet file made concrete: every system with its address,
// inventory and storage group.
type fleetPlan struct {
	systems    []fleetSystem
	httpPort   int
	httpsPort  int
	hmcAddr    netip.Addr
	hmcName    string
	hmcMTMS    string
	clusterMax int
	san        *san.Spec
}

// loadFleetSpec reads a fleet file (YAML or JSON; unknown fields are
// errors).
func loadFleetSpec(path string) (*FleetSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec FleetSpec
	if err := yaml.UnmarshalStrict(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &spec, nil
}

// defaultFleetSpec is --systems N: N systems of the built-in inventory.
func defaultFleetSpec(n int) *FleetSpec {
	return &FleetSpec{Systems: []FleetEntry{{Count: n}}}
}

// plan checks the spec and makes every system concrete. The overrides
// (from flags) replace the file's addresses and ports when set.
func (spec *FleetSpec) plan(addr string, httpPort, httpsPort int, hmcAddr string) (*fleetPlan, error) {
	p := &fleetPlan{httpPort: 12080, httpsPort: 12443, clusterMax: spec.ClusterSystems,
		hmcName: spec.HMC.Name, hmcMTMS: spec.HMC.MTMS, san: spec.SAN}
	if spec.HTTPPort != nil {
		p.httpPort = *spec.HTTPPort
	}
	if spec.HTTPSPort != nil {
		p.httpsPort = *spec.HTTPSPort
	}
	if httpPort >= 0 {
		p.httpPort = httpPort
	}
	if httpsPort >= 0 {
		p.httpsPort = httpsPort
	}
	for _, port := range []int{p.httpPort, p.httpsPort} {
		if port < 0 || port > 65535 {
			return nil, fmt.Errorf("fleet: port %d is not a TCP port (0 picks free ones)", port)
		}
	}
	if addr == "" {
		addr = spec.Address
	}
	if addr == "" {
		addr = defaultFleetAddr
	}
	next, err := netip.ParseAddr(addr)
	if err != nil || !next.Is4() {
		return nil, fmt.Errorf("fleet: the address %q is not an IPv4 address (the systems take consecutive addresses from it)", addr)
	}
	if hmcAddr == "" {
		hmcAddr = spec.HMC.Address
	}
	if hmcAddr == "" {
		hmcAddr = defaultHMCAddr
	}
	if p.hmcAddr, err = netip.ParseAddr(hmcAddr); err != nil {
		return nil, fmt.Errorf("fleet: the HMC's address %q is not an IP address", hmcAddr)
	}
	if p.clusterMax == 0 {
		p.clusterMax = defaultClusterSystems
	}
	if p.clusterMax < 1 || p.clusterMax > vios.MaxClusterNodes {
		return nil, fmt.Errorf("fleet: clusterSystems %d: from 1 to %d systems share a cluster (a cluster has at most %d VIOS nodes)", p.clusterMax, vios.MaxClusterNodes, vios.MaxClusterNodes)
	}
	if len(spec.Systems) == 0 {
		return nil, fmt.Errorf("fleet: the file lists no systems")
	}
	defaults := core.DefaultInventory()
	if err := mergeInventory(defaults, spec.Defaults); err != nil {
		return nil, fmt.Errorf("fleet: defaults: %w", err)
	}
	total := 0
	for _, e := range spec.Systems {
		total += max(e.Count, 1)
	}
	width := len(strconv.Itoa(total))
	used := map[netip.Addr]string{p.hmcAddr: "the HMC"}
	for _, e := range spec.Systems {
		if e.Address != "" {
			a, err := netip.ParseAddr(e.Address)
			if err != nil {
				return nil, fmt.Errorf("fleet: system %s: the address %q is not an IP address", e.Name, e.Address)
			}
			if other, dup := used[a]; dup {
				return nil, fmt.Errorf("fleet: system %s: the address %s is %s's already", e.Name, a, other)
			}
			used[a] = e.Name
		}
	}
	names := map[string]bool{}
	index := 0
	for i, e := range spec.Systems {
		where := fmt.Sprintf("systems[%d]", i)
		count := 1
		switch {
		case e.Count < 0:
			return nil, fmt.Errorf("fleet: %s: count %d is not a number of systems", where, e.Count)
		case e.Count > 0 && e.Name != "":
			return nil, fmt.Errorf("fleet: %s: give a name (one system) or a count (with namePrefix), not both", where)
		case e.Count > 0:
			count = e.Count
			if e.Address != "" && count > 1 {
				return nil, fmt.Errorf("fleet: %s: an address is a single system's; %d systems take the next addresses", where, count)
			}
		case e.Name == "":
			return nil, fmt.Errorf("fleet: %s: a system needs a name, or a count", where)
		}
		inv := *defaults
		if err := mergeInventory(&inv, e.Inventory); err != nil {
			return nil, fmt.Errorf("fleet: %s: inventory: %w", where, err)
		}
		serialGiven := inv.System.Serial != core.DefaultInventory().System.Serial
		if serialGiven && count > 1 {
			return nil, fmt.Errorf("fleet: %s: %d systems cannot have one serial number (%s)", where, count, inv.System.Serial)
		}
		for j := 0; j < count; j++ {
			index++
			name := e.Name
			if name == "" {
				name = orDefault(e.NamePrefix, defaultFleetNamePrefix) + fmt.Sprintf("%0*d", width, index)
			}
			if names[name] {
				return nil, fmt.Errorf("fleet: %s: the system name %s is used twice", where, name)
			}
			names[name] = true
			si := inv
			if !serialGiven {
				// Each system its own serial (and so UUID and name).
				si.System.Serial = fmt.Sprintf("21%05X", index)
			}
			if si.System.Name == core.DefaultInventory().System.Name {
				si.System.Name = "Server-" + si.System.MachineType + "-" + si.System.Model + "-SN" + si.System.Serial
			}
			s := fleetSystem{name: name, inv: &si, group: e.Group, explain: where}
			if e.Address != "" {
				s.addr, _ = netip.ParseAddr(e.Address)
			} else {
				for {
					if _, taken := used[next]; !taken && next.As4()[3] != 0 && next.As4()[3] != 255 {
						break
					}
					if next = next.Next(); !next.IsValid() || !next.Is4() {
						return nil, fmt.Errorf("fleet: no addresses left after %s", addr)
					}
				}
				s.addr = next
				used[next] = name
				next = next.Next()
			}
			p.systems = append(p.systems, s)
		}
	}
	// The default layout: consecutive systems in groups of clusterMax.
	auto, n := 0, 0
	for i := range p.systems {
		s := &p.systems[i]
		switch s.group {
		case "none":
			s.group = ""
		case "":
			if n%p.clusterMax == 0 {
				auto++
			}
			n++
			s.group = "auto" + strconv.Itoa(auto)
		default:
			s.group = "named:" + s.group
		}
	}
	return p, nil
}

// mergeInventory lays an inventory's JSON (nil: none) over inv.
func mergeInventory(inv *core.Inventory, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(inv)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// hostPort joins an address and a port.
func hostPort(a netip.Addr, port int) string { return net.JoinHostPort(a.String(), strconv.Itoa(port)) }
