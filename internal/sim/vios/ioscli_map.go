package vios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// The virtual device commands: lsmap, mkvdev, rmvdev, lsdev.

var lsmapSpec = flagSpec{
	"-all": 0, "-vadapter": 1, "-plc": 1, "-npiv": 0, "-type": many, "-dec": 0, "-cpid": 1,
	"-field": many, "-fmt": 1, "-fmt2": 1,
}

// lsmap's -type values and the backings they select.
var lsmapTypes = map[string]string{
	"disk": model.BackPV, "lv": model.BackLV, "optical": model.BackMedia, "file_opt": model.BackMedia,
	"cl_disk": model.BackLU, "tape": "", "file": "", "file_disk": "", "usb_disk": "",
}

var (
	scsiAdapterFields = []string{"svsa", "physloc", "clientid"}
	scsiTargetFields  = []string{"vtd", "status", "lun", "backing", "bdphysloc", "mirrored"}
	npivFields        = []string{"name", "physloc", "clntid", "clntname", "clntos", "status", "fc", "fcphysloc",
		"ports", "flags", "vfcclient", "vfcclientdrc"}
)

func (c *cli) lsmap(args []string) Result {
	a, bad := parseArgs(args, lsmapSpec, 0)
	if bad != nil {
		return c.usage(bad, "lsmap")
	}
	if a.count("-all", "-vadapter", "-plc") != 1 || a.has("-npiv") && a.has("-type") || a.has("-fmt") && a.has("-fmt2") {
		return c.usage(nil, "lsmap")
	}
	cpid := -1
	if s := a.val("-cpid"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fail(codeUsage, "The client partition ID %q is not valid.", s)
		}
		cpid = n
	}
	if a.has("-npiv") {
		return c.lsmapNPIV(a, cpid)
	}
	return c.lsmapSCSI(a, cpid)
}

// delimiter returns -fmt or -fmt2 (and whether it is -fmt2).
func delimiter(a *argv) (string, bool, bool) {
	if a.has("-fmt2") {
		return a.val("-fmt2"), true, true
	}
	return a.val("-fmt"), false, a.has("-fmt")
}

func (c *cli) lsmapSCSI(a *argv, cpid int) Result {
	types := map[string]bool{}
	for _, t := range a.vals("-type") {
		b, known := lsmapTypes[t]
		if !known {
			return fail(codeUsage, "The backing device type %q is not valid.", t)
		}
		if b != "" {
			types[b] = true
		}
	}
	var fields []string
	if a.has("-field") {
		fs, bad := selectFields(a.vals("-field"), append(append([]string{}, scsiAdapterFields...), scsiTargetFields...))
		if bad != nil {
			return c.usage(bad, "lsmap")
		}
		fields = fs
	}
	all := vhosts(c.tx, c.v.UUID)
	var hs []*vhostInfo
	for _, h := range all {
		switch {
		case a.has("-vadapter") && h.name != a.val("-vadapter"):
		case a.has("-plc") && c.loc(c.v.ID, h.server) != a.val("-plc"):
		case cpid >= 0 && c.partitionID(h.client) != cpid:
		default:
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		switch {
		case a.has("-vadapter"):
			return fail(codeNotSVSA, "Device %q is not a Server Virtual SCSI Adapter (SVSA).", a.val("-vadapter"))
		case a.has("-plc"):
			return fail(codeNoDevice, "No device was found with the physical location code %q.", a.val("-plc"))
		case cpid < 0:
			return fail(codeNoDevice, "No Server Virtual SCSI Adapter (SVSA) was found.")
		}
		return ok("")
	}
	d, fmt2, delimited := delimiter(a)
	var out strings.Builder
	for _, h := range hs {
		id := c.partitionID(h.client)
		cid := fmt.Sprintf("0x%08x", id)
		if a.has("-dec") {
			cid = strconv.Itoa(id)
		}
		adapter := map[string]string{"svsa": h.name, "physloc": c.loc(c.v.ID, h.server), "clientid": cid}
		var targets []map[string]string
		for _, m := range h.maps {
			if len(types) > 0 && !types[m.Backing] {
				continue
			}
			back, bloc := backingName(c.tx, m)
			mirrored := "N/A"
			if m.Backing == model.BackPV {
				mirrored = "false"
			}
			targets = append(targets, map[string]string{"vtd": m.Target, "status": "Available", "lun": m.LUA,
				"backing": back, "bdphysloc": bloc, "mirrored": mirrored})
		}
		if delimited {
			var row []string
			for _, f := range scsiAdapterFields {
				if fields == nil || containsStr(fields, f) {
					row = append(row, fmtField(adapter[f], fmt2))
				}
			}
			for _, t := range targets {
				for _, f := range scsiTargetFields {
					if fields == nil || containsStr(fields, f) {
						row = append(row, fmtField(t[f], fmt2))
					}
				}
			}
			out.WriteString(strings.Join(row, d) + "\n")
			continue
		}
		var ls []string
		if fields == nil {
			ls = append(ls, fmt.Sprintf("%-15s %-44s %s", "SVSA", "Physloc", "Client Partition ID"),
				fmt.Sprintf("%s %s %s", strings.Repeat("-", 15), strings.Repeat("-", 44), strings.Repeat("-", 18)),
				fmt.Sprintf("%-15s %-44s %s", h.name, adapter["physloc"], cid), "")
		} else {
			labels := map[string]string{"svsa": "SVSA", "physloc": "Physloc", "clientid": "Client Partition ID"}
			for _, f := range scsiAdapterFields {
				if containsStr(fields, f) {
					ls = append(ls, fmt.Sprintf("%-22s%s", labels[f], adapter[f]))
				}
			}
			ls = append(ls, "")
		}
		labels := map[string]string{"vtd": "VTD", "status": "Status", "lun": "LUN", "backing": "Backing device",
			"bdphysloc": "Physloc", "mirrored": "Mirrored"}
		if len(targets) == 0 && (fields == nil || containsStr(fields, "vtd")) {
			ls = append(ls, fmt.Sprintf("%-22s%s", "VTD", "NO VIRTUAL TARGET DEVICE FOUND"), "")
		}
		for _, t := range targets {
			for _, f := range scsiTargetFields {
				if fields == nil || containsStr(fields, f) {
					ls = append(ls, fmt.Sprintf("%-22s%s", labels[f], t[f]))
				}
			}
			ls = append(ls, "")
		}
		out.WriteString(lines(ls))
	}
	return ok(out.String())
}

// fcState is what lsmap -npiv shows of a vFC adapter's login.
type fcState struct {
	status, flags, flagsHex string
	ports                   int
	loggedIn                bool
}

// fcLogin is the login state of a vFC adapter: logged in while it is
// mapped to a port cabled to a fabric and its client runs; "Ports logged
// in" counts the target ports its WWPN sees there (zoning decides).
func (c *cli) fcLogin(m *model.FCMapping) fcState {
	client := c.tx.Partition(m.Client)
	f := portFabric(c.tx, c.v.UUID, m.Port)
	switch {
	case m.Port == "":
		return fcState{status: "NOT_LOGGED_IN", flags: "1<NOT_MAPPED,NOT_CONNECTED>", flagsHex: "1"}
	case f == nil:
		return fcState{status: "NOT_LOGGED_IN", flags: "2<NOT_CONNECTED>", flagsHex: "2"}
	case client != nil && client.State == model.StateRunning && len(m.WWPNs) > 0:
		return fcState{status: "LOGGED_IN", flags: "a<LOGGED_IN,STRIP_MERGE>", flagsHex: "a",
			ports: len(san.TargetsSeen(c.tx, m.WWPNs[0], f.Name)), loggedIn: true}
	}
	return fcState{status: "NOT_LOGGED_IN", flags: "4<NOT_LOGGED>", flagsHex: "4"}
}

// clientOS is lsmap -npiv's ClntOS of a partition.
func clientOS(p *model.Partition) string {
	switch {
	case p.Type == model.TypeVIOS:
		return "VIOS"
	case strings.Contains(p.OSVersion+p.RefCode, "Linux"):
		return "Linux"
	case strings.Contains(strings.ToLower(string(p.Type)), "os400") || strings.Contains(string(p.Type), "IBM i"):
		return "IBM i"
	}
	return "AIX"
}

// clientFCName is the client's name of its vFC adapter: fcsN by slot order
// of its vFC client adapters.
func (c *cli) clientFCName(m *model.FCMapping) string {
	var slots []int
	c.tx.Each(model.KindFCMap, func(o model.Object) {
		if f := o.(*model.FCMapping); f.Client == m.Client {
			slots = append(slots, f.ClientSlot)
		}
	})
	sort.Ints(slots)
	for i, s := range slots {
		if s == m.ClientSlot {
			return "fcs" + strconv.Itoa(i)
		}
	}
	return ""
}

func (c *cli) lsmapNPIV(a *argv, cpid int) Result {
	var fields []string
	if a.has("-field") {
		fs, bad := selectFields(a.vals("-field"), npivFields)
		if bad != nil {
			return c.usage(bad, "lsmap")
		}
		fields = fs
	}
	ports := map[string]*model.FCPort{}
	for _, p := range FCPorts(c.tx, c.v.UUID) {
		ports[p.Name] = p
	}
	maps := FCMappings(c.tx, c.v.UUID)
	sort.Slice(maps, func(i, j int) bool { return devLess(maps[i].VFCHost, maps[j].VFCHost) })
	var sel []*model.FCMapping
	for _, m := range maps {
		switch {
		case a.has("-vadapter") && m.VFCHost != a.val("-vadapter"):
		case a.has("-plc") && c.loc(c.v.ID, m.ServerSlot) != a.val("-plc"):
		case cpid >= 0 && c.partitionID(m.Client) != cpid:
		default:
			sel = append(sel, m)
		}
	}
	if len(sel) == 0 {
		switch {
		case a.has("-vadapter"):
			return fail(codeNotSVFCA, "Device %q is not a Server Virtual Fibre Channel Adapter (SVFCA).", a.val("-vadapter"))
		case a.has("-plc"):
			return fail(codeNoDevice, "No device was found with the physical location code %q.", a.val("-plc"))
		case cpid < 0:
			return fail(codeNoDevice, "No Server Virtual Fibre Channel Adapter (SVFCA) was found.")
		}
		return ok("")
	}
	d, fmt2, delimited := delimiter(a)
	var out strings.Builder
	for _, m := range sel {
		st := c.fcLogin(m)
		client := c.tx.Partition(m.Client)
		v := map[string]string{"name": m.VFCHost, "physloc": c.loc(c.v.ID, m.ServerSlot), "status": st.status,
			"ports": strconv.Itoa(st.ports), "flags": st.flags}
		if client != nil {
			v["clntid"] = strconv.Itoa(client.ID)
			if st.loggedIn {
				v["clntname"], v["clntos"] = client.Name, clientOS(client)
				v["vfcclient"], v["vfcclientdrc"] = c.clientFCName(m), c.loc(client.ID, m.ClientSlot)
			}
		} else {
			v["clntid"] = "0"
		}
		if p := ports[m.Port]; p != nil {
			v["fc"], v["fcphysloc"] = p.Name, p.Location
		}
		if delimited {
			v["flags"] = st.flagsHex
			var row []string
			for _, f := range npivFields {
				if fields == nil || containsStr(fields, f) {
					row = append(row, fmtField(v[f], fmt2))
				}
			}
			out.WriteString(strings.Join(row, d) + "\n")
			continue
		}
		var ls []string
		if fields != nil {
			for _, f := range fields {
				ls = append(ls, fmt.Sprintf("%s:%s", f, v[f]))
			}
			ls = append(ls, "")
			out.WriteString(lines(ls))
			continue
		}
		ls = append(ls, fmt.Sprintf("%-13s %-34s %6s %-14s %s", "Name", "Physloc", "ClntID", "ClntName", "ClntOS"),
			fmt.Sprintf("%s %s %s %s %s", strings.Repeat("-", 13), strings.Repeat("-", 34), strings.Repeat("-", 6),
				strings.Repeat("-", 14), strings.Repeat("-", 7)),
			fmt.Sprintf("%-13s %-34s %6s %-14s %s", m.VFCHost, v["physloc"], v["clntid"], v["clntname"], v["clntos"]),
			"",
			"Status:"+st.status,
			fmt.Sprintf("FC name:%-24sFC loc code:%s", v["fc"], v["fcphysloc"]),
			"Ports logged in:"+v["ports"],
			"Flags:"+st.flags,
			fmt.Sprintf("VFC client name:%-16sVFC client DRC:%s", v["vfcclient"], v["vfcclientdrc"]),
			"")
		out.WriteString(lines(ls))
	}
	return ok(out.String())
}

// ---- mkvdev / rmvdev --------------------------------------------------------------

var mkvdevSpec = flagSpec{
	"-f": 0, "-vdev": 1, "-dplc": 1, "-vadapter": 1, "-dev": 1, "-fbo": 0, "-aux": 0,
	"-sea": 1, "-vlan": 1, "-lnagg": many, "-default": 1, "-defaultid": 1, "-attr": many,
}

// mkvdev maps a physical volume or logical volume (-vdev) through a
// virtual SCSI server adapter, or makes a file-backed optical device
// (-fbo); it prints the new virtual target device.
func (c *cli) mkvdev(args []string) Result {
	a, bad := parseArgs(args, mkvdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "mkvdev")
	}
	if a.count("-sea", "-vlan", "-lnagg") > 0 {
		return fail(codeUnsupported, "mkvdev: Shared Ethernet, VLAN and link aggregation devices are not supported by the simulated Virtual I/O Server; use the NetworkBridge of the REST API.")
	}
	if a.has("-dplc") || a.has("-aux") {
		return fail(codeUnsupported, "mkvdev: -dplc and -aux are not supported by the simulated Virtual I/O Server.")
	}
	if !a.has("-vadapter") || a.count("-vdev", "-fbo") != 1 || a.has("-fbo") && a.has("-f") {
		return c.usage(nil, "mkvdev")
	}
	name := a.val("-vadapter")
	h := vhostByName(c.tx, c.v.UUID, name)
	if h == nil {
		return noDevice(name)
	}
	if h.client == "" || c.tx.Partition(h.client) == nil {
		return fail(codeFailed, "The server virtual SCSI adapter %s is not connected to a client partition.", name)
	}
	if r := c.nameTaken(a.val("-dev")); r != nil {
		return *r
	}
	spec := SCSISpec{Client: h.client, ServerSlot: h.server, ClientSlot: h.clientSlot, Target: a.val("-dev")}
	if a.has("-fbo") {
		spec.Backing = model.BackMedia
	} else {
		dev := a.val("-vdev")
		if pv := PVByName(c.tx, c.v.UUID, dev); pv != nil {
			if ms := MappingsOf(c.tx, model.BackPV, pv.UUID); len(ms) > 0 && !a.has("-f") {
				return fail(codeFailed, "%q is already being used as a backing device.  Specify the -f flag\nto force this device to be used anyway.", dev)
			}
			spec.Backing, spec.BackingID = model.BackPV, pv.UUID
		} else if lv := LVByName(c.tx, c.v.UUID, dev); lv != nil {
			if ms := MappingsOf(c.tx, model.BackLV, lv.UUID); len(ms) > 0 && !a.has("-f") {
				return fail(codeFailed, "%q is already being used as a backing device.  Specify the -f flag\nto force this device to be used anyway.", dev)
			}
			spec.Backing, spec.BackingID = model.BackLV, lv.UUID
		} else {
			return noDevice(dev)
		}
	}
	m, err := MapSCSI(c.tx, c.v, spec)
	if err != nil {
		return errResult(err)
	}
	return ok(m.Target + " Available\n")
}

var rmvdevSpec = flagSpec{"-f": 0, "-vdev": 1, "-vtd": 1, "-rmlv": 0, "-recursive": 0, "-sea": 1, "-lnagg": 1, "-migrate": 0, "-auto": 0}

// rmvdev removes virtual target devices (the server adapter stays);
// -rmlv (also accepted as -recursive) removes a logical volume backing
// device too.
func (c *cli) rmvdev(args []string) Result {
	a, bad := parseArgs(args, rmvdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "rmvdev")
	}
	if a.count("-sea", "-lnagg") > 0 {
		return fail(codeUnsupported, "rmvdev: Shared Ethernet and link aggregation devices are not supported by the simulated Virtual I/O Server.")
	}
	if a.count("-vdev", "-vtd") != 1 {
		return c.usage(nil, "rmvdev")
	}
	rmlv := a.has("-rmlv") || a.has("-recursive")
	var targets []*model.SCSIMapping
	if vtd := a.val("-vtd"); vtd != "" {
		m := targetByName(c.tx, c.v.UUID, vtd)
		if m == nil {
			return noDevice(vtd)
		}
		targets = append(targets, m)
	} else {
		dev := a.val("-vdev")
		var kind, id string
		if pv := PVByName(c.tx, c.v.UUID, dev); pv != nil {
			kind, id = model.BackPV, pv.UUID
		} else if lv := LVByName(c.tx, c.v.UUID, dev); lv != nil {
			kind, id = model.BackLV, lv.UUID
		} else {
			return noDevice(dev)
		}
		for _, m := range MappingsOf(c.tx, kind, id) {
			if m.VIOS == c.v.UUID {
				targets = append(targets, m)
			}
		}
		if len(targets) == 0 {
			return fail(codeFailed, "The device %s is not a backing device of any virtual target device.", dev)
		}
		if len(targets) > 1 && !a.has("-f") {
			return fail(codeFailed, "The device %s is the backing device of %d virtual target devices; specify -f to remove them all.", dev, len(targets))
		}
		sort.Slice(targets, func(i, j int) bool { return devLess(targets[i].Target, targets[j].Target) })
	}
	var out []string
	for _, m := range targets {
		if rmlv && m.Backing != model.BackLV {
			return fail(codeFailed, "The -rmlv flag is valid only for logical volume backing devices; %s is not backed by one.", m.Target)
		}
		if err := UnmapSCSI(c.tx, m, true); err != nil {
			return errResult(err)
		}
		out = append(out, m.Target+" deleted")
		if rmlv {
			lv, _ := c.tx.Get(model.KindLV, m.BackingID).(*model.LogicalVolume)
			if lv != nil && len(MappingsOf(c.tx, model.BackLV, lv.UUID)) == 0 {
				if err := RemoveLV(c.tx, lv); err != nil {
					return errResult(err)
				}
				out = append(out, "rmlv: Logical volume "+lv.Name+" is removed.")
			}
		}
	}
	return ok(lines(out))
}

// ---- lsdev --------------------------------------------------------------------------

var lsdevSpec = flagSpec{"-virtual": 0, "-type": many, "-dev": 1, "-field": many, "-fmt": 1, "-attr": optional, "-state": 1}

// device is a line of lsdev.
type device struct {
	name, status, desc, physloc string
	types                       []string // the -type values that list it
	virtual                     bool
	pv                          *model.PhysicalVolume
	target                      *model.SCSIMapping
}

var lsdevTypes = []string{"adapter", "disk", "lv", "optical", "sea", "ent4sea", "ent4ip", "vlan", "tape", "tty", "usb_disk", "tape4vtd"}

// devices lists the VIOS's devices as lsdev shows them.
func (c *cli) devices(withLVs bool) []device {
	var out []device
	var seas []device
	backings := map[string]bool{}
	c.tx.Each(model.KindBridge, func(o model.Object) {
		for _, s := range o.(*model.NetworkBridge).SEAs {
			if s.VIOS != c.v.UUID {
				continue
			}
			if !backings[s.Backing] && s.Backing != "" {
				backings[s.Backing] = true
				out = append(out, device{name: s.Backing, status: "Available", desc: "PCIe2 4-Port Adapter (10GbE SFP+) (e4148a1614109304)",
					physloc: s.Port, types: []string{"adapter", "ent4sea"}})
			}
			seas = append(seas, device{name: s.Device, status: "Available", desc: "Shared Ethernet Adapter",
				types: []string{"adapter", "sea", "ent4ip"}, virtual: true})
		}
	})
	c.tx.Each(model.KindAdapter, func(o model.Object) {
		if e := o.(*model.EthernetAdapter); e.Partition == c.v.UUID && e.Device != "" {
			out = append(out, device{name: e.Device, status: "Available", desc: "Virtual I/O Ethernet Adapter (l-lan)",
				physloc: c.loc(c.v.ID, e.Slot), types: []string{"adapter", "ent4sea"}, virtual: true})
		}
	})
	for _, p := range FCPorts(c.tx, c.v.UUID) {
		out = append(out, device{name: p.Name, status: "Available", desc: "PCIe2 16Gb 2-Port FC Adapter (df1000e21410f103)",
			physloc: p.Location, types: []string{"adapter"}})
	}
	for _, p := range PVs(c.tx, c.v.UUID) {
		out = append(out, device{name: p.Name, status: "Available", desc: p.Description, physloc: p.Location,
			types: []string{"disk"}, pv: p})
	}
	for _, h := range vhosts(c.tx, c.v.UUID) {
		out = append(out, device{name: h.name, status: "Available", desc: "Virtual SCSI Server Adapter",
			physloc: c.loc(c.v.ID, h.server), types: []string{"adapter"}, virtual: true})
		for _, m := range h.maps {
			d := device{name: m.Target, status: "Available", virtual: true, target: m}
			switch m.Backing {
			case model.BackLV:
				d.desc = "Virtual Target Device - Logical Volume"
			case model.BackMedia:
				d.desc, d.types = "Virtual Target Device - File-backed Optical", []string{"optical"}
			default:
				d.desc = "Virtual Target Device - Disk"
			}
			out = append(out, d)
		}
	}
	for _, m := range FCMappings(c.tx, c.v.UUID) {
		out = append(out, device{name: m.VFCHost, status: "Available", desc: "Virtual FC Server Adapter",
			physloc: c.loc(c.v.ID, m.ServerSlot), types: []string{"adapter"}, virtual: true})
	}
	out = append(out, device{name: "vsa0", status: "Available", desc: "LPAR Virtual Serial Adapter",
		physloc: c.loc(c.v.ID, 0), types: []string{"adapter", "tty"}, virtual: true})
	if withLVs {
		for _, vg := range VGs(c.tx, c.v.UUID) {
			for _, l := range LVs(c.tx, vg.UUID) {
				out = append(out, device{name: l.Name, status: "Defined", desc: "Logical volume", types: []string{"lv"}})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return devLess(out[i].name, out[j].name) })
	sort.SliceStable(seas, func(i, j int) bool { return devLess(seas[i].name, seas[j].name) })
	return append(out, seas...)
}

var lsdevFields = []string{"name", "status", "description", "physloc"}

// lsdev lists devices: name, status and description.
func (c *cli) lsdev(args []string) Result {
	a, bad := parseArgs(args, lsdevSpec, 0)
	if bad != nil {
		return c.usage(bad, "lsdev")
	}
	if a.has("-attr") && (!a.has("-dev") || a.has("-field") || a.has("-fmt")) {
		return c.usage(nil, "lsdev")
	}
	for _, t := range a.vals("-type") {
		if !containsStr(lsdevTypes, t) {
			return fail(codeUsage, "The device type %q is not valid. Valid types: %s.", t, strings.Join(lsdevTypes, ", "))
		}
	}
	if s := a.val("-state"); s != "" && s != "Available" && s != "available" && s != "Defined" && s != "defined" {
		return fail(codeUsage, "The state %q is not valid: Available or Defined.", s)
	}
	devs := c.devices(containsStr(a.vals("-type"), "lv") || a.has("-dev"))
	var sel []device
	for _, d := range devs {
		switch {
		case a.has("-dev") && d.name != a.val("-dev"):
		case a.has("-virtual") && !d.virtual:
		case a.has("-state") && !strings.EqualFold(d.status, a.val("-state")):
		case a.has("-type") && !overlaps(d.types, a.vals("-type")):
		default:
			sel = append(sel, d)
		}
	}
	if a.has("-dev") && len(sel) == 0 {
		return noDevice(a.val("-dev"))
	}
	if a.has("-attr") {
		return c.deviceAttrs(sel[0], a)
	}
	rows := make([][]string, 0, len(sel))
	for _, d := range sel {
		rows = append(rows, []string{d.name, d.status, d.desc, d.physloc})
	}
	if a.has("-field") || a.has("-fmt") {
		all := lsdevFields
		if !a.has("-field") {
			a.flags["-field"] = []string{"name", "status", "description"}
		}
		return c.fieldRows(a, all, all, rows, "lsdev")
	}
	ls := []string{fmt.Sprintf("%-16s %-11s %s", "name", "status", "description")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf("%-16s %-11s %s", r[0], r[1], r[2]))
	}
	return ok(lines(ls))
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if containsStr(b, x) {
			return true
		}
	}
	return false
}

// deviceAttrs prints a device's attributes (lsdev -dev X -attr [A]): the
// attribute, value, description, user_settable table, or with a name the
// value alone under a "value" header.
func (c *cli) deviceAttrs(d device, a *argv) Result {
	type attr struct{ name, value, desc, settable string }
	var attrs []attr
	switch {
	case d.pv != nil:
		pvid := d.pv.PVID
		if pvid == "" || pvid == "none" {
			pvid = "none"
		} else {
			pvid += "0000000000000000"
		}
		attrs = []attr{
			{"pvid", pvid, "Physical volume identifier", "False"},
			{"queue_depth", "20", "Queue DEPTH", "True"},
			{"reserve_policy", ReservePolicy(d.pv), "Reserve Policy", "True"},
			{"size_in_mb", strconv.Itoa(d.pv.CapacityMB), "Size in Megabytes", "False"},
			{"unique_id", d.pv.UDID, "Unique device identifier", "False"},
		}
	case d.target != nil:
		back, _ := backingName(c.tx, d.target)
		attrs = []attr{
			{"LogicalUnitAddr", d.target.LUA, "Logical Unit Address", "False"},
			{"aix_tdev", back, "Target Device Name", "False"},
			{"client_reserve", "no", "Client Reserve", "True"},
			{"mig_name", "", "N/A", "True"},
		}
	default:
		return fail(codeFailed, "The device %s has no attributes the simulated Virtual I/O Server shows.", d.name)
	}
	if name := a.val("-attr"); name != "" {
		for _, t := range attrs {
			if t.name == name {
				return ok("value\n\n" + t.value + "\n")
			}
		}
		return fail(codeFailed, "The attribute %s is not valid for device %s.", name, d.name)
	}
	// Columns as lsattr lays them out: 16, 50 and 34 wide, wider when a
	// value needs it (a disk's unique_id) so that columns stay apart.
	vw := 50
	for _, t := range attrs {
		if len(t.value)+1 > vw {
			vw = len(t.value) + 1
		}
	}
	ls := []string{fmt.Sprintf("%-16s%-*s%-34s%s", "attribute", vw, "value", "description", "user_settable"), ""}
	for _, t := range attrs {
		ls = append(ls, fmt.Sprintf("%-16s%-*s%-34s%s", t.name, vw, t.value, t.desc, t.settable))
	}
	return ok(lines(ls))
}
