package vios

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// The VIOS command line: one ioscli command, as viosvrcmd runs it over
// RMC, interpreted against the device tree through the core's
// transaction. Output follows a real VIOS's ioscli as far as IBM's
// documentation shows it (column layouts, headers, messages); where it
// shows nothing the texts are ours and say plainly what happened.
//
// Files: ioscli.go (shell words, flags, dispatch, shared helpers),
// ioscli_ssp.go (lu, lssp, cluster), ioscli_map.go (lsmap, mkvdev,
// rmvdev, lsdev), ioscli_lvm.go (lspv, lsvg, mkvg, mklv, rmlv),
// ioscli_vopt.go (mkrep, lsrep, mkvopt, rmvopt, loadopt, unloadopt,
// lsvopt).

// Result is what a command prints and its exit code.
type Result struct {
	Out, Err string
	Code     int
}

// Exit codes. ioscli's own codes are not documented; 10, 15 and 63 are
// the ones IBM's ansible-power-vios collection expects from lsmap
// (E_NODEVPHYSLOC, E_NOTSVSA_S, E_NOTSVFCA_S).
const (
	codeFailed      = 1   // a refused or failed operation
	codeUsage       = 2   // a flag that is not valid, a missing argument
	codeNoDevice    = 10  // E_NODEVPHYSLOC: no such device
	codeNotSVSA     = 15  // E_NOTSVSA_S: not a virtual SCSI server adapter
	codeNotSVFCA    = 63  // E_NOTSVFCA_S: not a virtual FC server adapter
	codeNotFound    = 127 // the shell found no such command
	codeUnsupported = 1
)

// Run runs one ioscli command line on VIOS v. root is viosvrcmd -r: the
// command runs as root outside the restricted shell. The simulated VIOS
// has no operating system underneath, so root accepts exactly the ioscli
// commands the restricted shell does (only the shell's name in messages
// differs); a leading "ioscli" (or /usr/ios/cli/ioscli), as one would
// type it as root, is accepted either way.
//
// A non-zero Code means the command failed; whatever it staged on tx must
// then be discarded (core.RunIOSCLI does).
//
// Run keeps no files: the commands that read or write the VIOS's files
// (viosbr, backupios) see an empty file system and their writes are
// dropped. RunFS gives them one.
func Run(tx Tx, v *model.Partition, line string, root bool) Result {
	r, _ := RunFS(tx, v, line, root, NewMemFS())
	return r
}

// RunFS runs one ioscli command line on VIOS v with its files in fsys
// (nil: none). The command reads fsys but never writes it: it returns the
// writes and removals it made (only when it succeeded), which the caller
// performs once whatever the command staged on tx has committed.
func RunFS(tx Tx, v *model.Partition, line string, root bool, fsys FS) (Result, []FileOp) {
	if fsys == nil {
		fsys = NewMemFS()
	}
	c := &cli{tx: tx, v: v, fs: newStagedFS(fsys, tx.Now())}
	r := c.run(line, root)
	if r.Code != 0 {
		return r, nil
	}
	return r, c.fs.ops()
}

// run interprets a command line.
func (c *cli) run(line string, root bool) Result {
	shell := "rksh"
	if root {
		shell = "ksh"
	}
	words, err := splitWords(line)
	if err != nil {
		return Result{Err: fmt.Sprintf("%s: %v\n", shell, err), Code: codeUsage}
	}
	if len(words) > 0 && (words[0] == "ioscli" || words[0] == "/usr/ios/cli/ioscli") {
		words = words[1:]
	}
	if len(words) == 0 {
		return Result{}
	}
	name, args := words[0], words[1:]
	cmd, ok := commands[name]
	if !ok {
		return Result{Err: fmt.Sprintf("%s: %s:  not found.\n", shell, name), Code: codeNotFound}
	}
	return cmd(c, args)
}

// cli is one command's context.
type cli struct {
	tx Tx
	v  *model.Partition
	fs *stagedFS // the VIOS's files with this command's changes
}

var commands map[string]func(*cli, []string) Result

func init() {
	commands = map[string]func(*cli, []string) Result{
		"lu":        (*cli).lu,
		"lssp":      (*cli).lssp,
		"cluster":   (*cli).cluster,
		"lspv":      (*cli).lspv,
		"lsvg":      (*cli).lsvg,
		"mkvg":      (*cli).mkvg,
		"mklv":      (*cli).mklv,
		"rmlv":      (*cli).rmlv,
		"lsmap":     (*cli).lsmap,
		"lsdev":     (*cli).lsdev,
		"mkvdev":    (*cli).mkvdev,
		"rmvdev":    (*cli).rmvdev,
		"mkrep":     (*cli).mkrep,
		"lsrep":     (*cli).lsrep,
		"mkvopt":    (*cli).mkvopt,
		"rmvopt":    (*cli).rmvopt,
		"loadopt":   (*cli).loadopt,
		"unloadopt": (*cli).unloadopt,
		"lsvopt":    (*cli).lsvopt,
		"ioslevel":  (*cli).ioslevel,
		"viosbr":    (*cli).viosbr,
		"backupios": (*cli).backupios,
	}
}

// ioslevel prints the VIOS level.
func (c *cli) ioslevel(args []string) Result {
	if _, bad := parseArgs(args, nil, 0); bad != nil {
		return c.usage(bad, "ioslevel")
	}
	return ok(iosLevel(c.v) + "\n")
}

// iosLevel is the VIOS's level as ioslevel prints it.
func iosLevel(v *model.Partition) string {
	lvl := strings.TrimSpace(strings.TrimPrefix(v.OSVersion, "VIOS"))
	if lvl == "" || lvl == "Unknown" {
		lvl = "3.1.4.10"
	}
	return lvl
}

// ---- shell words ---------------------------------------------------------

// splitWords splits a command line as the shell does: blanks separate
// words; single quotes keep everything; double quotes keep everything but
// a backslash before " \ $ or `; a backslash outside quotes keeps the
// next character. Pipes, lists and redirections are not supported: the
// simulated VIOS runs one command.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '\\':
			inWord = true
			if i+1 < len(line) {
				i++
				if line[i] != '\n' {
					cur.WriteByte(line[i])
				}
			}
		case ch == '\'':
			inWord = true
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("0403-057 Syntax error: `'' is not matched.")
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
		case ch == '"':
			inWord = true
			closed := false
			for i++; i < len(line); i++ {
				if line[i] == '"' {
					closed = true
					break
				}
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if !closed {
				return nil, errors.New("0403-057 Syntax error: `\"' is not matched.")
			}
		case strings.IndexByte("|;&<>()`$", ch) >= 0:
			return nil, fmt.Errorf("%q: the simulated Virtual I/O Server runs a single command: pipes, lists, redirections and substitutions are not supported.", string(ch))
		default:
			inWord = true
			cur.WriteByte(ch)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// ---- flags -----------------------------------------------------------------

// flagSpec gives each flag of a command its number of values: 0 for a
// switch, 1 for one value, many for every word up to the next flag.
type flagSpec map[string]int

const (
	many     = -1 // every word up to the next flag (at least one)
	optional = -2 // the next word unless it is a flag
)

// argv is a parsed command line.
type argv struct {
	flags map[string][]string
	pos   []string
}

func (a *argv) has(f string) bool { _, ok := a.flags[f]; return ok }

func (a *argv) val(f string) string {
	if v := a.flags[f]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

func (a *argv) vals(f string) []string { return a.flags[f] }

// count tells how many of the flags are given.
func (a *argv) count(fs ...string) int {
	n := 0
	for _, f := range fs {
		if a.has(f) {
			n++
		}
	}
	return n
}

// badArgs says why a command line does not parse.
type badArgs struct {
	flag string // a flag that is not valid ("" when the problem is elsewhere)
	msg  string
}

// parseArgs parses args by spec; maxPos limits the positional words (-1:
// any number).
func parseArgs(args []string, spec flagSpec, maxPos int) (*argv, *badArgs) {
	a := &argv{flags: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		w := args[i]
		if !strings.HasPrefix(w, "-") || w == "-" || isNumber(w) {
			if maxPos >= 0 && len(a.pos) >= maxPos {
				return nil, &badArgs{msg: fmt.Sprintf("The parameter %q is not valid.", w)}
			}
			a.pos = append(a.pos, w)
			continue
		}
		n, ok := spec[w]
		if !ok {
			return nil, &badArgs{flag: w}
		}
		switch n {
		case 0:
			a.flags[w] = append(a.flags[w], "")
		case optional:
			if i+1 < len(args) && !isFlag(args[i+1], spec) {
				i++
				a.flags[w] = append(a.flags[w], args[i])
			} else {
				a.flags[w] = append(a.flags[w], "")
			}
		case 1:
			if i+1 >= len(args) || isFlag(args[i+1], spec) {
				return nil, &badArgs{msg: fmt.Sprintf("The flag %s requires a value.", w)}
			}
			i++
			a.flags[w] = append(a.flags[w], args[i])
		default:
			start := i
			for i+1 < len(args) && !isFlag(args[i+1], spec) {
				i++
				a.flags[w] = append(a.flags[w], args[i])
			}
			if i == start {
				return nil, &badArgs{msg: fmt.Sprintf("The flag %s requires a value.", w)}
			}
		}
	}
	return a, nil
}

func isFlag(w string, spec flagSpec) bool {
	_, ok := spec[w]
	return ok
}

func isNumber(w string) bool {
	_, err := strconv.ParseFloat(w, 64)
	return err == nil
}

// usage is the answer to a command line that does not parse.
func (c *cli) usage(bad *badArgs, cmd string) Result {
	var b strings.Builder
	switch {
	case bad == nil:
	case bad.flag != "":
		fmt.Fprintf(&b, "Option flag is not valid: %s\n\n", bad.flag)
	case bad.msg != "":
		b.WriteString(bad.msg + "\n\n")
	}
	b.WriteString(usages[cmd])
	return Result{Err: b.String(), Code: codeUsage}
}

// usages are the syntax lines of IBM's command reference for the VIOS
// (the forms the simulator implements).
var usages = map[string]string{
	"lu": `Usage: lu -create [-clustername ClusterName] [-sp StoragePool] [-tier TierName] -lu LuName -size LuSize [-vadapter vAdapterName [-vtd TargetDeviceName]] [-thick]
       lu -list [-clustername ClusterName] [-sp StoragePool] [-tier TierName] [-attr Attribute=Value] [-verbose | -field FieldName ...] [-fmt Delimiter [-header]]
       lu -map [-clustername ClusterName] [-sp StoragePool] {-lu LuName | -luudid LuUDID} -vadapter vAdapterName [-vtd TargetDeviceName]
       lu -remove [-clustername ClusterName] [-sp StoragePool] {-lu LuName | -luudid LuUDID | [-tier TierName] -all}
       lu -resize [-clustername ClusterName] [-sp StoragePool] {-lu LuName | -luudid LuUDID} -size NewLuSize
       lu -unmap {[-clustername ClusterName] [-sp StoragePool] {-lu LuName | -luudid LuUDID} | -vtd TargetDeviceName}
`,
	"lssp": `Usage: lssp [-field FieldName ...] [-fmt Delimiter]
       lssp -default
       lssp -clustername ClusterName [-sp StoragePool] [-field FieldName ...] [-fmt Delimiter]
       lssp -clustername ClusterName -sp StoragePool -bd [-field FieldName ...] [-fmt Delimiter]
`,
	"cluster": `Usage: cluster -list [-field FieldName ...] [-fmt Delimiter]
       cluster -status [-clustername ClusterName] [-field FieldName ...] [-fmt Delimiter]
`,
	"lspv": `Usage: lspv [-avail | -free | -size] [-field FieldName ...] [-fmt Delimiter]
       lspv -clustername ClusterName -sp StoragePool
`,
	"lsvg": "Usage: lsvg\n",
	"mkvg": "Usage: mkvg [-f] [-vg VolumeGroup] PhysicalVolume ...\n",
	"mklv": "Usage: mklv [-lv NewLogicalVolume | -prefix Prefix] [-type Type] VolumeGroup Size [PhysicalVolume ...]\n",
	"rmlv": "Usage: rmlv [-f] LogicalVolume ...\n",
	"lsmap": `Usage: lsmap {-vadapter ServerVirtualAdapter | -plc PhysicalLocationCode | -all} [-type BackingDeviceType ... | -npiv] [-dec] [-cpid ClientPartitionIdDecimal] [-field FieldName ...] [-fmt Delimiter | -fmt2 Delimiter]
`,
	"lsdev": `Usage: lsdev [-type DeviceType ...] [-virtual] [-field FieldName ...] [-fmt Delimiter]
       lsdev -dev DeviceName [-field FieldName ...] [-fmt Delimiter]
       lsdev -dev DeviceName -attr [Attribute]
`,
	"mkvdev": `Usage: mkvdev [-f] -vdev TargetDevice -vadapter VirtualServerAdapter [-dev DeviceName]
       mkvdev -fbo -vadapter VirtualServerAdapter [-dev DeviceName]
`,
	"rmvdev":    "Usage: rmvdev [-f] {-vdev TargetDevice | -vtd VirtualTargetDevice} [-rmlv]\n",
	"mkrep":     "Usage: mkrep -sp ParentStoragePool -size Size\n",
	"lsrep":     "Usage: lsrep [-field FieldName ...] [-fmt Delimiter]\n",
	"mkvopt":    "Usage: mkvopt -name FileName {-size Size | -dev OpticalDevice | -file SourceFile} [-ro]\n",
	"rmvopt":    "Usage: rmvopt [-f] -name FileName\n",
	"loadopt":   "Usage: loadopt [-f] [-release] -disk FileName -vtd VirtualTargetDevice\n",
	"unloadopt": "Usage: unloadopt [-release] -vtd VirtualTargetDevice\n",
	"lsvopt":    "Usage: lsvopt [-vtd VirtualTargetDevice] [-field FieldName ...] [-fmt Delimiter]\n",
	"ioslevel":  "Usage: ioslevel\n",
	"viosbr": `Usage: viosbr -backup -file FileName [-frequency daily|weekly|monthly [-numfiles fileCount]]
       viosbr -nobackup
       viosbr -view -file FileName [[-type devType] [-detail] | [-mapping]]
       viosbr -view -list [UserDir]
       viosbr -restore -file FileName [-validate | -inter] [-type devType] [-skipdevattr]
       viosbr -restore -file FileName [-type devType] [-force]
`,
	"backupios": `Usage: backupios -file {Directory} [-nosvg] [-nomedialib]
       backupios -file {File name} [-mksysb] [-nopak] [-nosvg] [-nomedialib]
       backupios -tape Device [-blocks Number] [-nopak] [-verify] [-nosvg] [-nomedialib]
       backupios -cd Device {-udf | -cdformat} [-accept] [-nosvg] [-nomedialib]
`,
}

// ---- results ----------------------------------------------------------------

func ok(out string) Result { return Result{Out: out} }

func fail(code int, format string, args ...any) Result {
	return Result{Err: fmt.Sprintf(format, args...) + "\n", Code: code}
}

// errResult prints a model error the VIOS way: its text alone.
func errResult(err error) Result {
	msg := err.Error()
	var me *model.Error
	if errors.As(err, &me) {
		msg = me.Msg
	}
	code := codeFailed
	if model.KindOf(err) == model.KindNotFound {
		code = codeNoDevice
	}
	return Result{Err: msg + "\n", Code: code}
}

// noDevice says a device does not exist (the AIX configuration
// database's message, 0514-519).
func noDevice(name string) Result {
	return fail(codeNoDevice, "0514-519 The following device was not found in the customized\n\tdevice configuration database:\n%s", name)
}

// ---- sizes and tables ---------------------------------------------------------

// parseSizeMB reads N (megabytes), NM or NG (also lower case; G may have
// decimals).
func parseSizeMB(s string) (int, bool) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "G") || strings.HasSuffix(s, "g"):
		mult, s = 1024, s[:len(s)-1]
	case strings.HasSuffix(s, "M") || strings.HasSuffix(s, "m"):
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f*mult > 1<<40 {
		return 0, false
	}
	mb := int(f*mult + 0.999999)
	return mb, mb > 0
}

// lines joins lines, each ended by a newline, without trailing blanks.
func lines(ls []string) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// fmtField gives an empty -fmt field as ioscli does: one blank (-fmt2:
// nothing).
func fmtField(s string, fmt2 bool) string {
	if s == "" && !fmt2 {
		return " "
	}
	return s
}

// selectFields checks wanted field names (case-insensitive, a "(MB)"
// suffix ignored) against the known ones, in the order asked.
func selectFields(want []string, known []string) ([]string, *badArgs) {
	var out []string
	for _, w := range want {
		k := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(w, "(MB)"), "(mb)"))
		found := false
		for _, f := range known {
			if f == k {
				out = append(out, f)
				found = true
				break
			}
		}
		if !found {
			return nil, &badArgs{msg: fmt.Sprintf("The field name %q is not valid. Valid field names: %s.", w, strings.Join(known, ", "))}
		}
	}
	return out, nil
}

// delimited prints rows of fields joined by d, optionally after a header.
func delimited(rows [][]string, d string, header []string) string {
	var b strings.Builder
	if header != nil {
		b.WriteString(strings.Join(header, d) + "\n")
	}
	for _, r := range rows {
		b.WriteString(strings.Join(r, d) + "\n")
	}
	return b.String()
}

// columns prints a header and rows in columns as wide as their widest
// entry plus a blank (the last column unpadded).
func columns(header []string, rows [][]string) string {
	return lines(aligned(header, rows, 1))
}

// aligned lays out a header and rows (the header first) in columns as
// wide as their widest entry plus gap blanks, the last column unpadded.
func aligned(header []string, rows [][]string, gap int) []string {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = len(h)
	}
	for _, r := range rows {
		for i, f := range r {
			if len(f) > w[i] {
				w[i] = len(f)
			}
		}
	}
	ls := make([]string, 0, len(rows)+1)
	for _, r := range append([][]string{header}, rows...) {
		var b strings.Builder
		for i, f := range r {
			if i == len(r)-1 {
				b.WriteString(f)
			} else {
				fmt.Fprintf(&b, "%-*s", w[i]+gap, f)
			}
		}
		ls = append(ls, b.String())
	}
	return ls
}

// ---- devices -------------------------------------------------------------------

// vhostInfo is a virtual SCSI server adapter: an adapter pair to a client
// with its target devices.
type vhostInfo struct {
	name               string
	client             string
	server, clientSlot int
	maps               []*model.SCSIMapping // with a backing (target devices)
}

// vhosts returns the VIOS's virtual SCSI server adapters by name.
func vhosts(tx Tx, vios string) []*vhostInfo {
	by := map[string]*vhostInfo{}
	var out []*vhostInfo
	for _, m := range SCSIMappings(tx, vios) {
		h := by[m.VHost]
		if h == nil {
			h = &vhostInfo{name: m.VHost, client: m.Client, server: m.ServerSlot, clientSlot: m.ClientSlot}
			by[m.VHost] = h
			out = append(out, h)
		}
		if m.Backing != "" {
			h.maps = append(h.maps, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return devLess(out[i].name, out[j].name) })
	return out
}

func vhostByName(tx Tx, vios, name string) *vhostInfo {
	for _, h := range vhosts(tx, vios) {
		if h.name == name {
			return h
		}
	}
	return nil
}

// targetByName finds a virtual target device (vtscsiN, vtoptN, or a name
// given with -dev / -vtd).
func targetByName(tx Tx, vios, name string) *model.SCSIMapping {
	for _, m := range SCSIMappings(tx, vios) {
		if m.Backing != "" && m.Target == name {
			return m
		}
	}
	return nil
}

// backingName is what lsmap shows as a target's backing device.
func backingName(tx Tx, m *model.SCSIMapping) (name, physloc string) {
	switch m.Backing {
	case model.BackPV:
		if p, _ := tx.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume); p != nil {
			return p.Name, p.Location
		}
	case model.BackLV:
		if l, _ := tx.Get(model.KindLV, m.BackingID).(*model.LogicalVolume); l != nil {
			return l.Name, ""
		}
	case model.BackMedia:
		if o, _ := tx.Get(model.KindMedia, m.BackingID).(*model.OpticalMedia); o != nil {
			return "/var/vio/VMLibrary/" + o.Name, ""
		}
	case model.BackLU:
		if l, _ := tx.Get(model.KindLU, m.BackingID).(*model.LogicalUnit); l != nil {
			return l.Name + "." + l.ShortUDID(), ""
		}
	case model.BackRBD:
		if r, _ := tx.Get(model.KindRBDImage, m.BackingID).(*model.RBDImage); r != nil {
			return r.Path(), ""
		}
	}
	return "", ""
}

func (c *cli) partitionID(uuid string) int {
	if p := c.tx.Partition(uuid); p != nil {
		return p.ID
	}
	return 0
}

// loc is the location code of a virtual slot of a partition.
func (c *cli) loc(partitionID, slot int) string {
	return model.LocationCode(c.tx.System(), partitionID, slot)
}

// nameTaken refuses a new device name (volume group, logical volume,
// target device) that any device of the VIOS has: AIX keeps disks,
// adapters, target devices, logical and volume groups in one name space,
// while the model checks only some of them against each other.
func (c *cli) nameTaken(name string) *Result {
	if name == "" {
		return nil
	}
	taken := name == "caavg_private" || VGByName(c.tx, c.v.UUID, name) != nil
	for _, d := range c.devices(true) {
		taken = taken || d.name == name
	}
	if !taken {
		return nil
	}
	r := fail(codeFailed, "The device name %s is already in use on %s.", name, c.v.Name)
	return &r
}

// myCluster returns the cluster this VIOS is a node of (nil for none).
func (c *cli) myCluster() *model.Cluster {
	var out *model.Cluster
	c.tx.Each(model.KindCluster, func(o model.Object) {
		if cl := o.(*model.Cluster); out == nil && containsStr(cl.Nodes, c.v.UUID) {
			out = cl
		}
	})
	return out
}
