package vios

import (
	"fmt"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// The device configuration commands: cfgdev, rmdev, chdev and lsnports.

func init() {
	commands["cfgdev"] = (*cli).cfgdev
	commands["rmdev"] = (*cli).rmdev
	commands["chdev"] = (*cli).chdev
	commands["lsnports"] = (*cli).lsnports
	usages["cfgdev"] = "Usage: cfgdev [-dev Name]\n"
	usages["rmdev"] = "Usage: rmdev {-dev | -pdev} Name [-recursive] [-ucfg]\n"
	usages["chdev"] = "Usage: chdev -dev Name -attr Attribute=Value ... [-perm]\n"
	usages["lsnports"] = "Usage: lsnports [-fmt Delimiter]\n"
}

var cfgdevSpec = flagSpec{"-dev": 1}

// cfgdev configures the devices the VIOS's adapters find: the SAN volumes
// its Fibre Channel ports reach (through their fabric, zoning and the
// arrays' host mappings) and the LUNs of the iSCSI targets it is logged
// in to. It prints nothing, as on a VIOS; lspv shows the new disks.
func (c *cli) cfgdev(args []string) Result {
	a, bad := parseArgs(args, cfgdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "cfgdev")
	}
	if d := a.val("-dev"); d != "" {
		found := false
		for _, p := range FCPorts(c.tx, c.v.UUID) {
			found = found || p.Name == d
		}
		if !found && d != "iscsi0" {
			return noDevice(d)
		}
	}
	Cfgdev(c.tx, c.v)
	return ok("")
}

var rmdevSpec = flagSpec{"-dev": 1, "-pdev": 1, "-recursive": 0, "-ucfg": 0}

// rmdev removes a disk from the VIOS's configuration (the device
// definition goes; cfgdev or a discovery brings it back while its volume
// is reachable). A disk in use (mapped, in a volume group or the cluster)
// is refused. -ucfg leaves it Defined, which the simulated VIOS does not
// keep: it is refused.
func (c *cli) rmdev(args []string) Result {
	a, bad := parseArgs(args, rmdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "rmdev")
	}
	if a.count("-dev", "-pdev") != 1 {
		return c.usage(nil, "rmdev")
	}
	if a.has("-ucfg") {
		return fail(codeUnsupported, "rmdev: -ucfg (leaving a device Defined) is not supported by the simulated Virtual I/O Server.")
	}
	name := a.val("-dev") + a.val("-pdev")
	if PVByName(c.tx, c.v.UUID, name) == nil {
		for _, d := range c.devices(true) {
			if d.name == name {
				return fail(codeUnsupported, "rmdev: removing %s (%s) is not supported by the simulated Virtual I/O Server; it removes disks (hdisk).", name, d.desc)
			}
		}
		return noDevice(name)
	}
	if err := RemoveDisk(c.tx, c.v, name); err != nil {
		return errResult(err)
	}
	return ok(name + " deleted\n")
}

var chdevSpec = flagSpec{"-dev": 1, "-attr": many, "-perm": 0, "-restoreDefault": many}

// chdev changes device attributes; the simulated VIOS keeps a disk's
// reserve_policy (no_reserve, single_path, PR_exclusive, PR_shared).
func (c *cli) chdev(args []string) Result {
	a, bad := parseArgs(args, chdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "chdev")
	}
	if !a.has("-dev") || !a.has("-attr") {
		return c.usage(nil, "chdev")
	}
	name := a.val("-dev")
	pv := PVByName(c.tx, c.v.UUID, name)
	if pv == nil {
		found := false
		for _, d := range c.devices(true) {
			found = found || d.name == name
		}
		if !found {
			return noDevice(name)
		}
		return fail(codeUnsupported, "chdev: the attributes of %s are not kept by the simulated Virtual I/O Server; it changes disks' reserve_policy.", name)
	}
	for _, kv := range a.vals("-attr") {
		k, v, okKV := strings.Cut(kv, "=")
		if !okKV || k == "" {
			return fail(codeUsage, "The attribute %q is not valid: give Attribute=Value.", kv)
		}
		switch k {
		case "reserve_policy":
			if err := SetReservePolicy(c.tx, pv, v); err != nil {
				return errResult(err)
			}
			pv = PVByName(c.tx, c.v.UUID, name)
		case "pvid", "size_in_mb", "unique_id", "lun_id", "ww_name":
			return fail(codeFailed, "The attribute %s of %s cannot be changed.", k, name)
		default:
			return fail(codeFailed, "The attribute %s is not valid for device %s (the simulated Virtual I/O Server changes reserve_policy).", k, name)
		}
	}
	return ok(name + " changed\n")
}

// npivWWPNs is how many WWPNs a port supports for NPIV clients.
const npivWWPNs = 2048

// lsnports lists the NPIV-capable physical FC ports: fabric is 1 when the
// port is cabled to a fabric (NPIV-capable, as every simulated fabric),
// tports and aports the total and available NPIV connections, swwpns and
// awwpns the supported and available WWPNs (two per client adapter).
func (c *cli) lsnports(args []string) Result {
	a, bad := parseArgs(args, flagSpec{"-fmt": 1}, 0)
	if bad != nil {
		return c.usage(bad, "lsnports")
	}
	var rows [][]string
	for _, p := range FCPorts(c.tx, c.v.UUID) {
		used := 0
		for _, m := range FCMappings(c.tx, c.v.UUID) {
			if m.Port == p.Name {
				used++
			}
		}
		fabric := "0"
		if p.Fabric != "" && san.FabricByName(c.tx, p.Fabric) != nil {
			fabric = "1"
		}
		rows = append(rows, []string{p.Name, p.Location, fabric, itoa(p.MaxNPIV), itoa(p.MaxNPIV - used),
			itoa(npivWWPNs), itoa(npivWWPNs - 2*used)})
	}
	if a.has("-fmt") {
		return ok(delimited(rows, a.val("-fmt"), nil))
	}
	ls := []string{fmt.Sprintf("%-16s %-30s %6s %6s %6s %6s %7s", "name", "physloc", "fabric", "tports", "aports", "swwpns", "awwpns")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf("%-16s %-30s %6s %6s %6s %6s %7s", r[0], r[1], r[2], r[3], r[4], r[5], r[6]))
	}
	return ok(lines(ls))
}

func itoa(n int) string { return fmt.Sprint(n) }

// portFabric is the fabric a VIOS port is on (nil when none).
func portFabric(tx Tx, vios, port string) *model.SANFabric {
	for _, p := range FCPorts(tx, vios) {
		if p.Name == port && p.Fabric != "" {
			return san.FabricByName(tx, p.Fabric)
		}
	}
	return nil
}
