package vios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// The shared storage pool commands: lu, lssp (also the volume group
// pools), cluster.

var luSpec = flagSpec{
	"-create": 0, "-list": 0, "-map": 0, "-unmap": 0, "-remove": 0, "-resize": 0, "-move": 0,
	"-clustername": 1, "-sp": 1, "-tier": 1, "-lu": 1, "-luudid": 1, "-size": 1,
	"-vadapter": 1, "-vtd": 1, "-thick": 0, "-attr": many, "-verbose": 0, "-field": many,
	"-fmt": 1, "-header": 0, "-all": 0, "-dsttier": 1, "-nonrecursive": 0,
}

func (c *cli) lu(args []string) Result {
	a, bad := parseArgs(args, luSpec, 0)
	if bad != nil {
		return c.usage(bad, "lu")
	}
	if a.count("-create", "-list", "-map", "-unmap", "-remove", "-resize", "-move") != 1 {
		return c.usage(nil, "lu")
	}
	switch {
	case a.has("-create"):
		return c.luCreate(a)
	case a.has("-list"):
		return c.luList(a)
	case a.has("-map"):
		return c.luMap(a)
	case a.has("-unmap"):
		return c.luUnmap(a)
	case a.has("-remove"):
		return c.luRemove(a)
	case a.has("-resize"):
		return c.luResize(a)
	default:
		return c.luMove(a)
	}
}

// pool resolves -clustername and -sp to a pool of a cluster this VIOS is
// a node of.
func (c *cli) pool(a *argv) (*model.SharedStoragePool, *Result) {
	cl := c.myCluster()
	if cl == nil {
		r := fail(codeFailed, "The node %s is not a member of any cluster.", c.v.Name)
		return nil, &r
	}
	if n := a.val("-clustername"); n != "" && n != cl.Name {
		r := fail(codeFailed, "Cluster %s does not exist or this node is not a member of it.", n)
		return nil, &r
	}
	ssp, _ := c.tx.Get(model.KindSSP, cl.SSP).(*model.SharedStoragePool)
	if ssp == nil {
		r := fail(codeFailed, "The cluster %s has no shared storage pool.", cl.Name)
		return nil, &r
	}
	if n := a.val("-sp"); n != "" && n != ssp.Name {
		r := fail(codeFailed, "The storage pool %s does not exist in cluster %s.", n, cl.Name)
		return nil, &r
	}
	if t := a.val("-tier"); t != "" && !strings.EqualFold(t, ssp.TierName) {
		r := fail(codeFailed, "The tier %s does not exist in storage pool %s.", t, ssp.Name)
		return nil, &r
	}
	return ssp, nil
}

// oneLU finds the LU named by -lu or -luudid.
func (c *cli) oneLU(a *argv, ssp *model.SharedStoragePool) (*model.LogicalUnit, *Result) {
	if a.count("-lu", "-luudid") != 1 {
		r := c.usage(nil, "lu")
		return nil, &r
	}
	if u := a.val("-luudid"); u != "" {
		lu := LUByUDID(c.tx, u)
		if lu == nil || lu.SSP != ssp.UUID {
			r := fail(codeNoDevice, "The logical unit with udid %q does not exist in storage pool %s.", u, ssp.Name)
			return nil, &r
		}
		return lu, nil
	}
	name := a.val("-lu")
	found := LUByName(c.tx, ssp.UUID, name)
	switch len(found) {
	case 0:
		r := fail(codeNoDevice, "The logical unit %q does not exist in storage pool %s.", name, ssp.Name)
		return nil, &r
	case 1:
		return found[0], nil
	}
	r := fail(codeFailed, "There are %d logical units named %q in storage pool %s; specify one with -luudid.", len(found), name, ssp.Name)
	return nil, &r
}

func (c *cli) luCreate(a *argv) Result {
	if !a.has("-lu") || !a.has("-size") || a.has("-vtd") && !a.has("-vadapter") {
		return c.usage(nil, "lu")
	}
	size, good := parseSizeMB(a.val("-size"))
	if !good {
		return fail(codeUsage, "The size %q is not valid: give megabytes, or gigabytes with a G suffix.", a.val("-size"))
	}
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	var h *vhostInfo
	if n := a.val("-vadapter"); n != "" {
		if h, r = c.vhost(n); r != nil {
			return *r
		}
	}
	lu, err := CreateLU(c.tx, ssp, LUSpec{Name: a.val("-lu"), CapacityMB: size, Thin: !a.has("-thick")})
	if err != nil {
		return errResult(err)
	}
	out := fmt.Sprintf("Lu Name:%s\nLu Udid:%s\n", lu.Name, lu.ShortUDID())
	if h == nil {
		return ok(out)
	}
	// A failed mapping fails the command: the caller discards the LU too.
	m, res := c.mapLU(lu, h, a.val("-vtd"))
	if m == nil {
		return res
	}
	return ok(out + "\n" + res.Out)
}

// vhost finds a virtual SCSI server adapter with a client.
func (c *cli) vhost(name string) (*vhostInfo, *Result) {
	h := vhostByName(c.tx, c.v.UUID, name)
	if h == nil {
		r := fail(codeNotSVSA, "Device %q is not a Server Virtual SCSI Adapter (SVSA).", name)
		return nil, &r
	}
	if h.client == "" || c.tx.Partition(h.client) == nil {
		r := fail(codeFailed, "The server virtual SCSI adapter %s is not connected to a client partition.", name)
		return nil, &r
	}
	return h, nil
}

// mapLU maps a LU through a vhost; the result prints the assignment.
func (c *cli) mapLU(lu *model.LogicalUnit, h *vhostInfo, vtd string) (*model.SCSIMapping, Result) {
	if r := c.nameTaken(vtd); r != nil {
		return nil, *r
	}
	m, err := MapSCSI(c.tx, c.v, SCSISpec{Client: h.client, ServerSlot: h.server, ClientSlot: h.clientSlot,
		Backing: model.BackLU, BackingID: lu.UUID, Target: vtd})
	if err != nil {
		return nil, errResult(err)
	}
	return m, ok(fmt.Sprintf("Assigning logical unit '%s' as a backing device.\n\nVTD:%s\n", lu.Name, m.Target))
}

func (c *cli) luMap(a *argv) Result {
	if !a.has("-vadapter") {
		return c.usage(nil, "lu")
	}
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	lu, r := c.oneLU(a, ssp)
	if r != nil {
		return *r
	}
	h, r := c.vhost(a.val("-vadapter"))
	if r != nil {
		return *r
	}
	_, res := c.mapLU(lu, h, a.val("-vtd"))
	return res
}

func (c *cli) luUnmap(a *argv) Result {
	var targets []*model.SCSIMapping
	if vtd := a.val("-vtd"); vtd != "" {
		if a.count("-lu", "-luudid") > 0 {
			return c.usage(nil, "lu")
		}
		m := targetByName(c.tx, c.v.UUID, vtd)
		if m == nil || m.Backing != model.BackLU {
			return fail(codeNoDevice, "The virtual target device %s does not exist or is not backed by a logical unit.", vtd)
		}
		targets = append(targets, m)
	} else {
		ssp, r := c.pool(a)
		if r != nil {
			return *r
		}
		lu, r := c.oneLU(a, ssp)
		if r != nil {
			return *r
		}
		for _, m := range MappingsOf(c.tx, model.BackLU, lu.UUID) {
			if m.VIOS == c.v.UUID {
				targets = append(targets, m)
			}
		}
		if len(targets) == 0 {
			return fail(codeFailed, "The logical unit %s is not mapped on %s.", lu.Name, c.v.Name)
		}
		sort.Slice(targets, func(i, j int) bool { return devLess(targets[i].Target, targets[j].Target) })
	}
	var out []string
	for _, m := range targets {
		if err := UnmapSCSI(c.tx, m, true); err != nil {
			return errResult(err)
		}
		out = append(out, m.Target+" deleted")
	}
	return ok(lines(out))
}

func (c *cli) luRemove(a *argv) Result {
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	var lus []*model.LogicalUnit
	if a.has("-all") {
		if a.count("-lu", "-luudid") > 0 {
			return c.usage(nil, "lu")
		}
		// Linked clones before their images.
		all := LUs(c.tx, ssp.UUID)
		for _, l := range all {
			if l.ClonedFrom != "" {
				lus = append(lus, l)
			}
		}
		for _, l := range all {
			if l.ClonedFrom == "" {
				lus = append(lus, l)
			}
		}
	} else {
		lu, r := c.oneLU(a, ssp)
		if r != nil {
			return *r
		}
		lus = append(lus, lu)
	}
	var out []string
	for _, lu := range lus {
		if err := RemoveLU(c.tx, lu); err != nil {
			return errResult(err)
		}
		out = append(out, fmt.Sprintf("Logical unit %s with udid %q is removed.", lu.Name, lu.ShortUDID()))
	}
	return ok(lines(out))
}

func (c *cli) luResize(a *argv) Result {
	if !a.has("-size") {
		return c.usage(nil, "lu")
	}
	size, good := parseSizeMB(a.val("-size"))
	if !good {
		return fail(codeUsage, "The size %q is not valid: give megabytes, or gigabytes with a G suffix.", a.val("-size"))
	}
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	lu, r := c.oneLU(a, ssp)
	if r != nil {
		return *r
	}
	if _, err := ResizeLU(c.tx, lu, size); err != nil {
		return errResult(err)
	}
	return ok("")
}

func (c *cli) luMove(a *argv) Result {
	if !a.has("-dsttier") {
		return c.usage(nil, "lu")
	}
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	lu, r := c.oneLU(a, ssp)
	if r != nil {
		return *r
	}
	if !strings.EqualFold(a.val("-dsttier"), ssp.TierName) {
		return fail(codeFailed, "The tier %s does not exist in storage pool %s.", a.val("-dsttier"), ssp.Name)
	}
	return fail(codeFailed, "The logical unit %s is already in tier %s.", lu.Name, ssp.TierName)
}

// luFields are lu -list's field names, in -verbose order.
var luFields = []string{"pool_name", "tier_name", "lu_name", "lu_udid", "lu_size", "lu_used_percent",
	"lu_used_space", "lu_unused_space", "lu_provision_type"}

// luLabel is a field's -verbose label.
func luLabel(f string) string {
	l := strings.ToUpper(f)
	switch f {
	case "lu_size", "lu_used_space", "lu_unused_space":
		l += "(MB)"
	}
	return l
}

func (c *cli) luValue(ssp *model.SharedStoragePool, lu *model.LogicalUnit, f string) string {
	switch f {
	case "pool_name":
		return ssp.Name
	case "tier_name":
		return ssp.TierName
	case "lu_name":
		return lu.Name
	case "lu_udid":
		return lu.ShortUDID()
	case "lu_size":
		return strconv.Itoa(lu.CapacityMB)
	case "lu_used_percent":
		if lu.CapacityMB == 0 {
			return "0"
		}
		return strconv.Itoa(lu.UsedMB * 100 / lu.CapacityMB)
	case "lu_used_space":
		return strconv.Itoa(lu.UsedMB)
	case "lu_unused_space":
		return strconv.Itoa(lu.CapacityMB - lu.UsedMB)
	case "lu_provision_type":
		if lu.Thin {
			return "THIN"
		}
		return "THICK"
	}
	return ""
}

// luList prints the pool's logical units: by default the POOL_NAME and
// TIER_NAME lines, then LU_NAME, SIZE(MB), UNUSED(MB) and UDID columns.
func (c *cli) luList(a *argv) Result {
	if a.has("-verbose") && a.has("-field") || a.has("-header") && !a.has("-fmt") {
		return c.usage(nil, "lu")
	}
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	lus := LUs(c.tx, ssp.UUID)
	for _, attr := range a.vals("-attr") {
		k, want, found := strings.Cut(attr, "=")
		if !found {
			return fail(codeUsage, "The attribute %q is not valid: give Attribute=Value.", attr)
		}
		fs, bad := selectFields([]string{k}, luFields)
		if bad != nil {
			return c.usage(bad, "lu")
		}
		var keep []*model.LogicalUnit
		for _, l := range lus {
			if strings.EqualFold(c.luValue(ssp, l, fs[0]), want) {
				keep = append(keep, l)
			}
		}
		lus = keep
	}
	fields := []string{"pool_name", "tier_name", "lu_name", "lu_size", "lu_unused_space", "lu_udid"}
	if a.has("-field") {
		fs, bad := selectFields(a.vals("-field"), luFields)
		if bad != nil {
			return c.usage(bad, "lu")
		}
		fields = fs
	}
	switch {
	case a.has("-fmt"):
		var rows [][]string
		for _, l := range lus {
			var row []string
			for _, f := range fields {
				row = append(row, c.luValue(ssp, l, f))
			}
			rows = append(rows, row)
		}
		var header []string
		if a.has("-header") {
			for _, f := range fields {
				header = append(header, luLabel(f))
			}
		}
		return ok(delimited(rows, a.val("-fmt"), header))
	case a.has("-verbose") || a.has("-field"):
		if a.has("-verbose") {
			fields = luFields
		}
		var ls []string
		for i, l := range lus {
			if i > 0 {
				ls = append(ls, "")
			}
			for _, f := range fields {
				ls = append(ls, luLabel(f)+":"+c.luValue(ssp, l, f))
			}
		}
		return ok(lines(ls))
	}
	ls := []string{"POOL_NAME: " + ssp.Name, "TIER_NAME: " + ssp.TierName,
		fmt.Sprintf("%-23s %-11s %-11s %s", "LU_NAME", "SIZE(MB)", "UNUSED(MB)", "UDID")}
	for _, l := range lus {
		ls = append(ls, fmt.Sprintf("%-23s %-11d %-11d %s", l.Name, l.CapacityMB, l.CapacityMB-l.UsedMB, l.ShortUDID()))
	}
	return ok(lines(ls))
}

// ---- lssp ---------------------------------------------------------------------

var lsspSpec = flagSpec{"-type": 1, "-field": many, "-fmt": 1, "-bd": 0, "-sp": 1, "-default": 0, "-clustername": 1}

// lssp lists the storage pools: without -clustername the volume groups
// (LVPOOL), with it the cluster's shared storage pool.
func (c *cli) lssp(args []string) Result {
	a, bad := parseArgs(args, lsspSpec, 0)
	if bad != nil {
		return c.usage(bad, "lssp")
	}
	switch {
	case a.has("-default"):
		if len(a.flags) > 1 {
			return c.usage(nil, "lssp")
		}
		return ok("rootvg\n")
	case a.has("-clustername") && a.has("-bd"):
		if !a.has("-sp") {
			return c.usage(nil, "lssp")
		}
		return c.lsspLUs(a)
	case a.has("-clustername"):
		return c.lsspCluster(a)
	case a.has("-bd") || a.has("-sp"):
		return fail(codeUnsupported, "lssp: listing the backing devices of a volume group pool is not supported by the simulated Virtual I/O Server; use lsvg and lsmap.")
	}
	if t := a.val("-type"); t != "" && !strings.EqualFold(t, "LVPOOL") {
		if strings.EqualFold(t, "FBPOOL") {
			return ok("")
		}
		return fail(codeUsage, "The storage pool type %q is not valid: LVPOOL or FBPOOL.", t)
	}
	known := []string{"pool", "size", "free", "alloc", "bds", "type"}
	var rows [][]string
	for _, vg := range VGs(c.tx, c.v.UUID) {
		bds := 0
		for _, l := range LVs(c.tx, vg.UUID) {
			if len(MappingsOf(c.tx, model.BackLV, l.UUID)) > 0 {
				bds++
			}
		}
		rows = append(rows, []string{vg.Name, strconv.Itoa(VGCapacityMB(c.tx, vg)), strconv.Itoa(VGFreeMB(c.tx, vg)),
			strconv.Itoa(ppSize(vg)), strconv.Itoa(bds), "LVPOOL"})
	}
	if a.has("-field") || a.has("-fmt") {
		return c.fieldRows(a, known, known, rows, "lssp")
	}
	ls := []string{fmt.Sprintf("%-18s%8s%11s%16s%7s %s", "Pool", "Size(mb)", "Free(mb)", "Alloc Size(mb)", "BDs", "Type")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf("%-18s%8s%11s%16s%7s %s", r[0], r[1], r[2], r[3], r[4], r[5]))
	}
	return ok(lines(ls))
}

// fieldRows prints rows (fields as in all) restricted to -field, joined
// by -fmt (or in columns without it).
func (c *cli) fieldRows(a *argv, known, all []string, rows [][]string, cmd string) Result {
	fields := all
	if a.has("-field") {
		fs, bad := selectFields(a.vals("-field"), known)
		if bad != nil {
			return c.usage(bad, cmd)
		}
		fields = fs
	}
	idx := map[string]int{}
	for i, f := range all {
		idx[f] = i
	}
	var sel [][]string
	for _, r := range rows {
		var s []string
		for _, f := range fields {
			s = append(s, fmtField(r[idx[f]], false))
		}
		sel = append(sel, s)
	}
	if a.has("-fmt") {
		return ok(delimited(sel, a.val("-fmt"), nil))
	}
	for _, r := range sel {
		for i := range r {
			r[i] = strings.TrimSpace(r[i])
		}
	}
	return ok(columns(fields, sel))
}

// lsspCluster prints the pool's summary stanza.
func (c *cli) lsspCluster(a *argv) Result {
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	lus := LUs(c.tx, ssp.UUID)
	values := [][2]string{
		{"POOL_NAME", ssp.Name},
		{"POOL_SIZE", strconv.Itoa(PoolCapacityMB(c.tx, ssp))},
		{"FREE_SPACE", strconv.Itoa(PoolFreeMB(c.tx, ssp))},
		{"TOTAL_LU_SIZE", strconv.Itoa(PoolProvisionedMB(c.tx, ssp))},
		{"OVERCOMMIT_SIZE", strconv.Itoa(OverCommitMB(c.tx, ssp))},
		{"TOTAL_LUS", strconv.Itoa(len(lus))},
		{"POOL_TYPE", "CLPOOL"},
		{"POOL_ID", poolID(ssp)},
	}
	if a.has("-field") || a.has("-fmt") {
		var known, row []string
		for _, v := range values {
			known = append(known, strings.ToLower(v[0]))
			row = append(row, v[1])
		}
		return c.fieldRows(a, known, known, [][]string{row}, "lssp")
	}
	var ls []string
	for _, v := range values {
		ls = append(ls, fmt.Sprintf("%-19s%s", v[0]+":", v[1]))
	}
	return ok(lines(ls))
}

// poolID is the 32 upper-case hex digits a VIOS prints for a pool.
func poolID(ssp *model.SharedStoragePool) string {
	id := ssp.UDID
	if len(id) > 32 {
		id = id[len(id)-32:]
	}
	return strings.ToUpper(id)
}

// lsspLUs prints the pool's logical units (lssp -bd).
func (c *cli) lsspLUs(a *argv) Result {
	ssp, r := c.pool(a)
	if r != nil {
		return *r
	}
	known := []string{"lu_name", "size", "provisiontype", "used", "unused", "lu_udid"}
	var rows [][]string
	for _, l := range LUs(c.tx, ssp.UUID) {
		pt := "THICK"
		if l.Thin {
			pt = "THIN"
		}
		used := 0
		if l.CapacityMB > 0 {
			used = l.UsedMB * 100 / l.CapacityMB
		}
		rows = append(rows, []string{l.Name, strconv.Itoa(l.CapacityMB), pt, strconv.Itoa(used) + "%",
			strconv.Itoa(l.CapacityMB - l.UsedMB), l.ShortUDID()})
	}
	if a.has("-field") || a.has("-fmt") {
		return c.fieldRows(a, known, known, rows, "lssp")
	}
	const row = "%-16s %-11s %-17s%5s %-13s %s"
	ls := []string{fmt.Sprintf(row, "Lu Name", "Size(mb)", "ProvisionType", "%Used", "Unused(mb)", "Lu Udid")}
	for _, r := range rows {
		ls = append(ls, fmt.Sprintf(row, r[0], r[1], r[2], r[3], r[4], r[5]))
	}
	return ok(lines(ls))
}

// ---- cluster --------------------------------------------------------------------

var clusterSpec = flagSpec{
	"-list": 0, "-status": 0, "-clustername": 1, "-field": many, "-fmt": 1, "-verbose": 0,
	"-create": 0, "-addnode": 0, "-rmnode": 0, "-remove": 0, "-delete": 0, "-sync": 0,
	"-repopvs": many, "-sp": 1, "-sppvs": many, "-hostname": 1, "-uuid": 1, "-f": 0,
}

func (c *cli) cluster(args []string) Result {
	a, bad := parseArgs(args, clusterSpec, 0)
	if bad != nil {
		return c.usage(bad, "cluster")
	}
	switch {
	case a.count("-list", "-status", "-create", "-addnode", "-rmnode", "-remove", "-delete", "-sync") != 1:
		return c.usage(nil, "cluster")
	case a.has("-list"):
		return c.clusterList(a)
	case a.has("-status"):
		return c.clusterStatus(a)
	case a.has("-sync"):
		return ok("")
	}
	return fail(codeUnsupported, "cluster: creating, changing or removing a cluster is not supported by the simulated Virtual I/O Server.")
}

func (c *cli) clusterList(a *argv) Result {
	cl := c.myCluster()
	if cl == nil {
		return fail(codeFailed, "The node %s is not a member of any cluster.", c.v.Name)
	}
	if a.has("-field") || a.has("-fmt") {
		known := []string{"cluster_name", "cluster_id"}
		return c.fieldRows(a, known, known, [][]string{{cl.Name, cl.ID}}, "cluster")
	}
	return ok(fmt.Sprintf("%-17s%s\n%-17s%s\n", "CLUSTER_NAME:", cl.Name, "CLUSTER_ID:", cl.ID))
}

// clusterStatus prints the cluster's state and a line per node: node
// name, MTM (machine type-model and serial), partition number, state and
// pool state. A node is OK while its VIOS runs with RMC active.
func (c *cli) clusterStatus(a *argv) Result {
	cl := c.myCluster()
	if cl == nil {
		return fail(codeFailed, "The node %s is not a member of any cluster.", c.v.Name)
	}
	if n := a.val("-clustername"); n != "" && n != cl.Name {
		return fail(codeFailed, "Cluster %s does not exist or this node is not a member of it.", n)
	}
	ssp, _ := c.tx.Get(model.KindSSP, cl.SSP).(*model.SharedStoragePool)
	sys := c.tx.System()
	mtm := fmt.Sprintf("%s-%s02%s", sys.Type, sys.Model, sys.Serial)
	type node struct {
		name  string
		id    int
		state string
	}
	var nodes []node
	up := 0
	for _, id := range cl.Nodes {
		p := c.tx.Partition(id)
		if p == nil {
			continue
		}
		st := "DOWN"
		if p.State == model.StateRunning && p.RMCState == model.RMCActive {
			st = "OK"
			up++
		}
		nodes = append(nodes, node{p.Name, p.ID, st})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].id < nodes[j].id })
	state := "OK"
	switch {
	case up == 0:
		state = "DOWN"
	case up < len(nodes):
		state = "DEGRADED"
	}
	poolName, poolState := "", "DOWN"
	if ssp != nil {
		poolName = ssp.Name
	}
	if up > 0 {
		poolState = "OK"
	}
	if a.has("-field") || a.has("-fmt") {
		known := []string{"cluster_name", "cluster_state", "cluster_id", "pool_name", "pool_state",
			"node_name", "node_mtm", "node_partition_num", "node_state", "node_upgrade_status", "node_roles"}
		fields := []string{"cluster_name", "cluster_state", "node_name", "node_mtm", "node_partition_num", "node_state", "pool_state"}
		if a.has("-field") {
			fs, bad := selectFields(a.vals("-field"), known)
			if bad != nil {
				return c.usage(bad, "cluster")
			}
			fields = fs
		}
		d := a.val("-fmt")
		if d == "" {
			d = " "
		}
		var ls []string
		for i, n := range nodes {
			var row []string
			for _, f := range fields {
				v := ""
				first := i == 0
				switch f {
				case "cluster_name":
					v = pick(first, cl.Name)
				case "cluster_state":
					v = pick(first, state)
				case "cluster_id":
					v = pick(first, cl.ID)
				case "pool_name":
					v = pick(first, poolName)
				case "pool_state":
					v = pick(first, poolState)
				case "node_name":
					v = n.name
				case "node_mtm":
					v = mtm
				case "node_partition_num":
					v = strconv.Itoa(n.id)
				case "node_state":
					v = n.state
				case "node_upgrade_status":
					v = "ON_LEVEL"
				case "node_roles":
					if first {
						v = "DBN"
					}
				}
				row = append(row, fmtField(v, false))
			}
			ls = append(ls, strings.Join(row, d))
		}
		return ok(strings.Join(ls, "\n") + "\n")
	}
	ls := []string{fmt.Sprintf("%-21s%s", "Cluster Name", "State"), fmt.Sprintf("%-21s%s", cl.Name, state), "",
		fmt.Sprintf("    %-17s%-14s%13s  %-7s%s", "Node Name", "MTM", "Partition Num", "State", "Pool State")}
	for _, n := range nodes {
		ps := poolState
		if n.state != "OK" {
			ps = "DOWN"
		}
		ls = append(ls, fmt.Sprintf("    %-16s %-16s%10d  %-7s%s", n.name, mtm, n.id, n.state, ps))
	}
	return ok(lines(ls))
}

func pick(first bool, v string) string {
	if first {
		return v
	}
	return ""
}
