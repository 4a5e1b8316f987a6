// Package install is pvm-install: it makes a new simulated managed system
// in the NovaLink layout an administrator chose (the NovaLink partition,
// the Virtual I/O Servers with their rootvg disks and the NovaLink
// partition's logical volumes, MGMTSWITCH and the trunks, optionally a
// shared storage pool), writes novalink-install.cfg and its log in the
// install log directory, and starts the services; or it repairs a system
// from that file (core.Repair). The wizard (wizard.go) and the
// non-interactive mode share Config and its checks: a bad answer is
// refused before anything is made.
package install

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Config is what novalink-install.cfg holds: the answers of the wizard.
type Config struct {
	// The managed system (not asked: the server's own identity).
	MachineType, Model, Serial string
	// The NovaLink partition's network.
	Hostname, IPAddress, Netmask, Gateway string
	DNS                                   []string
	Domain                                string
	// VLAN is the NovaLink partition's management VLAN (1: untagged).
	VLAN int
	// VIOSDisks are, per VIOS, the disks of its rootvg (mirrored when
	// two); len(VIOSDisks) is the number of VIOSes.
	VIOSDisks [][]string
	// SSP makes a shared storage pool over the SAN disks.
	SSP bool
}

// MaxVIOS is how many Virtual I/O Servers the installer makes at most.
const MaxVIOS = 2

// BootLV is the NovaLink partition's logical volume in each VIOS's
// rootvg, and its size.
const (
	BootLV   = "novalink_boot"
	BootLVMB = 30720
)

// Defaults are the wizard's first answers.
func Defaults() *Config {
	inv := core.DefaultInventory()
	return &Config{MachineType: inv.System.MachineType, Model: inv.System.Model, Serial: inv.System.Serial,
		Hostname: "novalink", Netmask: "255.255.255.0", VLAN: 1,
		VIOSDisks: [][]string{{"hdisk0"}, {"hdisk0"}}, SSP: true}
}

// FieldError is a refused answer: which one and why.
type FieldError struct {
	Key string // the cfg key
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

func ferr(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
var domainRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// CheckHostname, CheckIPv4 ... check one answer each (the wizard checks as
// it goes; Validate checks them all).
func CheckHostname(s string) error {
	if !hostRE.MatchString(s) {
		return fmt.Errorf("%q is not a host name (letters, digits and hyphens, at most 63)", s)
	}
	return nil
}

func CheckIPv4(s string) error {
	ip := net.ParseIP(strings.TrimSpace(s))
	if ip == nil || ip.To4() == nil || !strings.Contains(s, ".") {
		return fmt.Errorf("%q is not an IPv4 address", s)
	}
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsMulticast() || ip.Equal(net.IPv4bcast) {
		return fmt.Errorf("%s cannot be a host's address", s)
	}
	return nil
}

func CheckNetmask(s string) error {
	ip := net.ParseIP(strings.TrimSpace(s)).To4()
	if ip == nil {
		return fmt.Errorf("%q is not a network mask", s)
	}
	ones, bits := net.IPMask(ip).Size()
	if bits == 0 || ones == 0 || ones > 30 {
		return fmt.Errorf("%q is not a network mask (such as 255.255.255.0)", s)
	}
	return nil
}

func CheckDNS(list string) error {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	for _, s := range splitList(list) {
		if err := CheckIPv4(s); err != nil {
			return fmt.Errorf("DNS server %w", err)
		}
	}
	return nil
}

func CheckDomain(s string) error {
	if s != "" && !domainRE.MatchString(s) {
		return fmt.Errorf("%q is not a domain name", s)
	}
	return nil
}

func CheckVLAN(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 4093 {
		return fmt.Errorf("%q is not a VLAN ID (1 to 4093; 4094 is the management switch's)", s)
	}
	return nil
}

// CheckDisks checks the rootvg disks of one VIOS: disks of the server,
// at most two (a mirror), none of the shared storage pool's when there is
// one.
func CheckDisks(list string, ssp bool) error {
	disks := splitList(list)
	if len(disks) == 0 {
		return fmt.Errorf("choose one disk, or two for a mirror (disks: %s)", strings.Join(vios.SeedDiskNames, ", "))
	}
	if len(disks) > 2 {
		return fmt.Errorf("rootvg takes one disk, or two for a mirror, not %d", len(disks))
	}
	for i, d := range disks {
		if !slices.Contains(vios.SeedDiskNames, d) {
			return fmt.Errorf("%s is not a disk of this server (disks: %s)", d, strings.Join(vios.SeedDiskNames, ", "))
		}
		if ssp && slices.Contains(vios.SSPDiskNames, d) {
			return fmt.Errorf("%s belongs to the shared storage pool (%s)", d, strings.Join(vios.SSPDiskNames, ", "))
		}
		if slices.Contains(disks[:i], d) {
			return fmt.Errorf("%s is named twice", d)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// Validate checks every answer; the first refused one is returned as a
// *FieldError.
func (c *Config) Validate() error {
	if c.MachineType == "" || c.Model == "" || c.Serial == "" {
		return ferr("system.serial", "the machine type, model and serial are needed")
	}
	if err := CheckHostname(c.Hostname); err != nil {
		return ferr("novalink.hostname", "%v", err)
	}
	if err := CheckIPv4(c.IPAddress); err != nil {
		return ferr("novalink.ipaddress", "%v", err)
	}
	if err := CheckNetmask(c.Netmask); err != nil {
		return ferr("novalink.netmask", "%v", err)
	}
	if err := CheckIPv4(c.Gateway); err != nil {
		return ferr("novalink.gateway", "%v", err)
	}
	mask := net.IPMask(net.ParseIP(c.Netmask).To4())
	ip, gw := net.ParseIP(c.IPAddress).To4(), net.ParseIP(c.Gateway).To4()
	if !ip.Mask(mask).Equal(gw.Mask(mask)) {
		return ferr("novalink.gateway", "%s is not in the network of %s/%s", c.Gateway, c.IPAddress, c.Netmask)
	}
	if ip.Equal(gw) {
		return ferr("novalink.gateway", "the gateway cannot be the partition's own address")
	}
	if err := CheckDNS(strings.Join(c.DNS, ",")); err != nil {
		return ferr("novalink.dns", "%v", err)
	}
	if err := CheckDomain(c.Domain); err != nil {
		return ferr("novalink.domain", "%v", err)
	}
	if err := CheckVLAN(strconv.Itoa(c.VLAN)); err != nil {
		return ferr("novalink.vlan", "%v", err)
	}
	if n := len(c.VIOSDisks); n < 1 || n > MaxVIOS {
		return ferr("vios.count", "%d: the installer makes 1 or %d Virtual I/O Servers", n, MaxVIOS)
	}
	for i, d := range c.VIOSDisks {
		if err := CheckDisks(strings.Join(d, ","), c.SSP); err != nil {
			return ferr(fmt.Sprintf("vios%d.disks", i+1), "%v", err)
		}
	}
	return nil
}

// Inventory is the new system of the configuration: the NovaLink
// partition, the VIOSes and no client partition yet.
func (c *Config) Inventory() *core.Inventory {
	inv := core.DefaultInventory()
	inv.System.MachineType, inv.System.Model, inv.System.Serial = c.MachineType, c.Model, c.Serial
	inv.System.Name = fmt.Sprintf("Server-%s-%s-SN%s", c.MachineType, c.Model, c.Serial)
	inv.VIOS.Count, inv.VIOS.Running = len(c.VIOSDisks), len(c.VIOSDisks)
	inv.Clients.Count = 0
	inv.Layout = &core.Layout{MgmtVLAN: c.VLAN, Storage: vios.Layout{RootDisks: c.VIOSDisks, NoSSP: !c.SSP, BootLV: BootLV, BootLVMB: BootLVMB}}
	return inv
}

// The keys of novalink-install.cfg, in the order written.
var cfgKeys = []string{"system.type", "system.model", "system.serial",
	"novalink.hostname", "novalink.ipaddress", "novalink.netmask", "novalink.gateway", "novalink.dns", "novalink.domain", "novalink.vlan",
	"vios.count", "vios1.disks", "vios2.disks", "ssp"}

// Write renders the configuration file.
func (c *Config) Write(w io.Writer) error {
	yes := "no"
	if c.SSP {
		yes = "yes"
	}
	vals := map[string]string{"system.type": c.MachineType, "system.model": c.Model, "system.serial": c.Serial,
		"novalink.hostname": c.Hostname, "novalink.ipaddress": c.IPAddress, "novalink.netmask": c.Netmask,
		"novalink.gateway": c.Gateway, "novalink.dns": strings.Join(c.DNS, ","), "novalink.domain": c.Domain,
		"novalink.vlan": strconv.Itoa(c.VLAN), "vios.count": strconv.Itoa(len(c.VIOSDisks)), "ssp": yes}
	for i, d := range c.VIOSDisks {
		vals[fmt.Sprintf("vios%d.disks", i+1)] = strings.Join(d, ",")
	}
	var b strings.Builder
	b.WriteString("# PowerVM NovaLink installation configuration, written by pvm-install.\n")
	b.WriteString("# pvm-install --repair reads it; pvm-install --config FILE installs from it.\n")
	for _, k := range cfgKeys {
		if v, ok := vals[k]; ok {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Parse reads a configuration file (key = value lines, # comments) and
// validates it. Unknown keys are refused.
func Parse(r io.Reader) (*Config, error) {
	c := Defaults()
	c.DNS, c.Domain, c.IPAddress, c.Gateway = nil, "", "", ""
	count := -1
	disks := map[int][]string{}
	known := map[string]bool{}
	for _, k := range cfgKeys {
		known[k] = true
	}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || !known[k] {
			return nil, fmt.Errorf("line %d: %q is not a setting of novalink-install.cfg (settings: %s)", n, line, strings.Join(cfgKeys, ", "))
		}
		switch k {
		case "system.type":
			c.MachineType = v
		case "system.model":
			c.Model = v
		case "system.serial":
			c.Serial = v
		case "novalink.hostname":
			c.Hostname = v
		case "novalink.ipaddress":
			c.IPAddress = v
		case "novalink.netmask":
			c.Netmask = v
		case "novalink.gateway":
			c.Gateway = v
		case "novalink.dns":
			c.DNS = splitList(v)
		case "novalink.domain":
			c.Domain = v
		case "novalink.vlan":
			if err := CheckVLAN(v); err != nil {
				return nil, ferr(k, "%v", err)
			}
			c.VLAN, _ = strconv.Atoi(v)
		case "vios.count":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxVIOS {
				return nil, ferr(k, "%q: the installer makes 1 or %d Virtual I/O Servers", v, MaxVIOS)
			}
			count = n
		case "vios1.disks", "vios2.disks":
			disks[int(k[4]-'0')] = splitList(v)
		case "ssp":
			switch strings.ToLower(v) {
			case "yes", "true", "1":
				c.SSP = true
			case "no", "false", "0":
				c.SSP = false
			default:
				return nil, ferr(k, "%q: yes or no", v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, ferr("vios.count", "missing")
	}
	c.VIOSDisks = nil
	for i := 1; i <= count; i++ {
		d, ok := disks[i]
		if !ok {
			return nil, ferr(fmt.Sprintf("vios%d.disks", i), "missing")
		}
		c.VIOSDisks = append(c.VIOSDisks, d)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
