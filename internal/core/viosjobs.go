package core

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The VIOS's storage jobs, as pypowervm's tasks.hdisk, tasks.storage and
// nova-powervm's volume adapters run them: LUARecovery (discovery of a
// Fibre Channel disk on ITL paths, and QUERY_INVENTORY for a disk's page
// 83 descriptor), RemoveDevice, ISCSIDiscovery (the initiator's name, or
// a login), ISCSIRemove, RBDExists and RescanVirtualDisk. They answer
// at once: the job is COMPLETED_OK when it ran, its result parameters
// (OutputXML, RETURN_CODE, DEV_OUTPUT ...) saying what it found, and
// COMPLETED_WITH_ERROR when it failed, with the same parameters.

func init() {
	for op, params := range map[string][]string{
		"LUARecovery":       {"inputXML"},
		"RemoveDevice":      {"devName"},
		"ISCSIDiscovery":    {"auth", "user", "password", "ifaceName", "targetIQN", "hostIP", "targetLUN", "multipath", "discoveryAuth", "discoveryUser", "discoveryPassword"},
		"ISCSIRemove":       {"ifaceName", "targetIQN", "targetPORTAL", "targetLUN", "multipath"},
		"RBDExists":         {"name"},
		"RescanVirtualDisk": {"VirtualDiskUDID"},
	} {
		JobOperations["VirtualIOServer"][op] = params
	}
	JobOperations["Cluster"] = map[string][]string{"Create": {"clusterXml", "sspXml"}}
}

// KindJobs are the operations run on a kind rather than on one of its
// objects (<Kind>/do/<Operation>, no UUID).
var KindJobs = map[string]map[string]bool{"Cluster": {"Create": true}}

// viosJobs run the VIOS's storage jobs.
var viosJobs = map[string]func(c *Core, a Actor, r JobRequest, v *model.Partition) (*Job, error){
	"LUARecovery":       (*Core).luaRecoveryJob,
	"RemoveDevice":      (*Core).removeDeviceJob,
	"ISCSIDiscovery":    (*Core).iscsiDiscoveryJob,
	"ISCSIRemove":       (*Core).iscsiRemoveJob,
	"RBDExists":         (*Core).rbdExistsJob,
	"RescanVirtualDisk": (*Core).rescanJob,
}

// startVIOSJob runs a VIOS storage job (nil, false for other operations).
func (c *Core) startVIOSJob(a Actor, r JobRequest, v *model.Partition) (*Job, bool, error) {
	run := viosJobs[r.Operation]
	if run == nil || r.Group != "VirtualIOServer" {
		return nil, false, nil
	}
	j, err := run(c, a, r, v)
	return j, true, err
}

// finishVIOSJob ends a job with exactly its results: OK when failed is
// nil, else with error and the failure's text as its message.
func (c *Core) finishVIOSJob(j *Job, failed error, results ...Param) *Job {
	if failed == nil {
		c.FinishJob(j, JobOK, "", results...)
		return j
	}
	msg := failed.Error()
	if me, ok := failed.(*model.Error); ok {
		msg = me.Error()
	}
	c.FinishJob(j, JobError, msg, results...)
	return j
}

// viosApply runs fn on a ready VIOS through the single writer.
func (c *Core) viosApply(a Actor, uuid string, fn func(tx *Tx, v *model.Partition) error) error {
	return c.Apply(a, func(tx *Tx) error {
		v, err := vios.Ready(tx, uuid)
		if err != nil {
			return err
		}
		return fn(tx, v)
	})
}

// viosRead runs fn on a ready VIOS in the committed view.
func (c *Core) viosRead(a Actor, uuid string, fn func(tx *Tx, v *model.Partition) error) error {
	var err error
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st, now: c.clock.Now(), actor: a}
		var v *model.Partition
		if v, err = vios.Ready(tx, uuid); err == nil {
			err = fn(tx, v)
		}
	})
	return err
}

// ---- LUARecovery --------------------------------------------------------------

// xnode is an element of a job's XML parameter, read without a schema.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []xnode    `xml:",any"`
}

// child returns the first child of a local name (any case).
func (n *xnode) child(name string) *xnode {
	for i := range n.Kids {
		if strings.EqualFold(n.Kids[i].XMLName.Local, name) {
			return &n.Kids[i]
		}
	}
	return nil
}

func (n *xnode) children(name string) []*xnode {
	var out []*xnode
	for i := range n.Kids {
		if strings.EqualFold(n.Kids[i].XMLName.Local, name) {
			out = append(out, &n.Kids[i])
		}
	}
	return out
}

func (n *xnode) text(path ...string) string {
	cur := n
	for _, p := range path {
		if cur = cur.child(p); cur == nil {
			return ""
		}
	}
	return strings.TrimSpace(cur.Text)
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func parseXNode(what, s string) (*xnode, error) {
	var n xnode
	if err := xml.Unmarshal([]byte(s), &n); err != nil {
		return nil, model.Invalid("The job parameter %s is not valid XML: %v", what, err)
	}
	return &n, nil
}

// luaDevice is one device of a LUARecovery input.
type luaDevice struct {
	tag  string
	pg83 string
	itls []vios.ITL
}

func parseLUAInput(root *xnode) ([]luaDevice, error) {
	dl := root.child("deviceList")
	if dl == nil || len(dl.children("device")) == 0 {
		return nil, model.Invalid("The LUARecovery inputXML has no deviceList/device.")
	}
	var out []luaDevice
	for _, d := range dl.children("device") {
		dev := luaDevice{tag: d.text("deviceTag")}
		if id := d.text("deviceID"); id != "" {
			dev.pg83 = id
			if b, err := base64.StdEncoding.DecodeString(id); err == nil && len(b) > 0 {
				dev.pg83 = strings.TrimSpace(string(b))
			}
		}
		list := d.child("itlList")
		if list == nil {
			return nil, model.Invalid("The LUARecovery device %s has no itlList.", dev.tag)
		}
		for _, itl := range list.children("itl") {
			i, okI := model.NormalizeWWPN(itl.text("Iwwpn"))
			t, okT := model.NormalizeWWPN(itl.text("Twwpn"))
			lun, okL := san.ParseLUNAddress(itl.text("lua"))
			if !okI || !okT || !okL {
				return nil, model.Invalid("The ITL (%s, %s, %s) is not valid: two WWPNs of 16 hex digits and a LUN address.",
					itl.text("Iwwpn"), itl.text("Twwpn"), itl.text("lua"))
			}
			dev.itls = append(dev.itls, vios.ITL{Initiator: i, Target: t, LUN: lun})
		}
		if n := list.text("number"); n != "" && n != strconv.Itoa(len(dev.itls)) {
			return nil, model.Invalid("The itlList of device %s says %s ITLs and has %d.", dev.tag, n, len(dev.itls))
		}
		out = append(out, dev)
	}
	return out, nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// luaOutput is LUARecovery's OutputXML for the devices' results.
func luaOutput(devs []luaDevice, res []vios.LUAResult) string {
	var b strings.Builder
	b.WriteString("<luaResult><version>2.0</version><deviceList>")
	for i, r := range res {
		b.WriteString("<device><deviceTag>" + xmlEscape(devs[i].tag) + "</deviceTag><status>" + r.Status + "</status>")
		if r.Message != "" {
			fmt.Fprintf(&b, "<msg><msgLen>%d</msgLen><msgText>%s</msgText></msg>", len(r.Message), xmlEscape(r.Message))
		}
		if r.Device != "" {
			b.WriteString("<pvName>" + r.Device + "</pvName><uniqueID>" + xmlEscape(r.Unique) + "</uniqueID><udid>" + r.UDID + "</udid>")
		}
		b.WriteString("</device>")
	}
	b.WriteString("</deviceList></luaResult>")
	return b.String()
}

func (c *Core) luaRecoveryJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	in := strings.TrimSpace(r.Param("inputXML"))
	if in == "" {
		return nil, model.Invalid("The LUARecovery job needs the parameter inputXML.")
	}
	root, err := parseXNode("inputXML", in)
	if err != nil {
		return nil, err
	}
	if req := root.child("Request"); req != nil {
		return c.queryInventoryJob(a, r, v, req)
	}
	// A discovery configures the disks it finds: a change.
	if err := checkActor(a); err != nil {
		return nil, err
	}
	devs, err := parseLUAInput(root)
	if err != nil {
		return nil, err
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	var res []vios.LUAResult
	err = c.viosApply(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		res = res[:0]
		for _, d := range devs {
			res = append(res, vios.LUARecovery(tx, vp, d.itls, d.pg83))
		}
		return nil
	})
	if err != nil {
		return c.finishVIOSJob(job, err), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "OutputXML", Value: luaOutput(devs, res)}), nil
}

// queryInventoryJob answers LUARecovery's QUERY_INVENTORY of a disk (by
// UDID): its base inventory with the page 83 descriptor (base64 of the NAA
// designator) pypowervm's PV.pg83 reads.
func (c *Core) queryInventoryJob(a Actor, r JobRequest, v *model.Partition, req *xnode) (*Job, error) {
	if act := req.attr("action_str"); act != "QUERY_INVENTORY" {
		return nil, model.ErrBadValue("action_str", act, "QUERY_INVENTORY")
	}
	inv := req.child("InventoryRequest")
	udid := ""
	if inv != nil {
		if f := inv.child("VioUdidFilter"); f != nil {
			udid = f.attr("udid")
		}
		if f := inv.child("VioTypeFilter"); f != nil && f.attr("type") != "PV" {
			return nil, model.ErrBadValue("VioTypeFilter type", f.attr("type"), "PV")
		}
	}
	if udid == "" {
		return nil, model.Invalid("The QUERY_INVENTORY request needs a VioUdidFilter udid.")
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	var out strings.Builder
	err := c.viosRead(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		sys := tx.System()
		fmt.Fprintf(&out, `<?xml version="1.0"?><VIO version="1.21" xmlns="http://ausgsa.austin.ibm"><Response><InventoryResponse viosId="%s-%s%s" inventoryType="base">`,
			sys.Type, sys.Model, sys.Serial)
		if pv := vios.PVByUDID(tx, vp.UUID, udid); pv != nil {
			fmt.Fprintf(&out, `<PhysicalVolume udid="%s" name="%s" description="%s"><PhysicalVolume_base capacity="%d" locationCode="%s" unique_id="%s"`,
				xmlEscape(vios.DiskUDID(pv)), pv.Name, xmlEscape(pv.Description), pv.CapacityMB, xmlEscape(pv.Location), xmlEscape(pv.UDID))
			if vol, _ := tx.Get(model.KindSANLUN, pv.LUN).(*model.SANLUN); vol != nil {
				fmt.Fprintf(&out, ` descriptor="%s" desType="NAA"`, base64.StdEncoding.EncodeToString([]byte(vol.NAA)))
			}
			out.WriteString(`></PhysicalVolume_base></PhysicalVolume>`)
		}
		out.WriteString(`</InventoryResponse></Response></VIO>`)
		return nil
	})
	if err != nil {
		return c.finishVIOSJob(job, err), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "OutputXML", Value: out.String()}), nil
}

// ---- RemoveDevice and RescanVirtualDisk ------------------------------------------

func (c *Core) removeDeviceJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(r.Param("devName"))
	if name == "" {
		return nil, model.Invalid("The RemoveDevice job needs the parameter devName.")
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	err := c.viosApply(a, v.UUID, func(tx *Tx, vp *model.Partition) error { return vios.RemoveDisk(tx, vp, name) })
	if err != nil {
		return c.finishVIOSJob(job, err, Param{Name: "RETURN_CODE", Value: "1"}), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "RETURN_CODE", Value: "0"}, Param{Name: "StdOut", Value: name + " deleted"}), nil
}

func (c *Core) rescanJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	// A rescan brings the disk's size up to date: a change.
	if err := checkActor(a); err != nil {
		return nil, err
	}
	udid := strings.TrimSpace(r.Param("VirtualDiskUDID"))
	if udid == "" {
		return nil, model.Invalid("The RescanVirtualDisk job needs the parameter VirtualDiskUDID.")
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	found := false
	err := c.viosApply(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		_, found = vios.RescanDisk(tx, vp, udid)
		return nil
	})
	switch {
	case err != nil:
		return c.finishVIOSJob(job, err), nil
	case !found && !c.hasVirtualDisk(v.UUID, udid):
		return c.finishVIOSJob(job, model.ErrNoObject("virtual disk", udid+" on "+v.Name), Param{Name: "RETURN_CODE", Value: "-1"}), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "RETURN_CODE", Value: "0"}), nil
}

// ---- iSCSI -------------------------------------------------------------------------

// listParam reads a job parameter that is one value or a list written
// "[a,b]" (pypowervm's lists).
func listParam(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		var out []string
		for _, v := range strings.Split(s[1:len(s)-1], ",") {
			v = strings.Trim(strings.TrimSpace(v), `'"`)
			if v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	return []string{s}
}

func lunsParam(s string, n int) ([]int, error) {
	vals := listParam(s)
	if len(vals) == 0 {
		out := make([]int, n)
		for i := range out {
			out[i] = -1
		}
		return out, nil
	}
	var out []int
	for _, v := range vals {
		l, err := strconv.Atoi(v)
		if err != nil || l < 0 {
			return nil, model.ErrBadValue("targetLUN", v, "LUN numbers")
		}
		out = append(out, l)
	}
	return out, nil
}

func iscsiResults(res vios.ISCSIResult) []Param {
	quoted := make([]string, len(res.Devices))
	for i, d := range res.Devices {
		quoted[i] = strconv.Quote(d)
	}
	out := []Param{{Name: "RETURN_CODE", Value: res.Status}, {Name: "DEV_OUTPUT", Value: "[" + strings.Join(quoted, ", ") + "]"}}
	if res.Message != "" {
		out = append(out, Param{Name: "StdErr", Value: res.Message})
	}
	return out
}

// iscsiFailed tells whether an iSCSI status fails the job.
func iscsiFailed(status string) bool {
	return status != vios.ISCSIOK && status != vios.ISCSISessionExists && status != vios.ISCSINoObjects
}

func (c *Core) iscsiDiscoveryJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	iqns := listParam(r.Param("targetIQN"))
	if len(iqns) == 0 && r.Param("hostIP") == "" {
		// No target: the job reports the VIOS's initiator name.
		job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
		if jerr != nil {
			return nil, jerr
		}
		var name string
		err := c.viosRead(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
			name = san.InitiatorIQN(tx.System(), vp)
			return nil
		})
		if err != nil {
			return c.finishVIOSJob(job, err, Param{Name: "RETURN_CODE", Value: vios.ISCSIError}), nil
		}
		return c.finishVIOSJob(job, nil, Param{Name: "RETURN_CODE", Value: vios.ISCSIOK}, Param{Name: "InitiatorName", Value: name}), nil
	}
	// A login to a target: a change.
	if err := checkActor(a); err != nil {
		return nil, err
	}
	portals := listParam(r.Param("hostIP"))
	luns, err := lunsParam(r.Param("targetLUN"), len(iqns))
	if err != nil {
		return nil, err
	}
	multipath := isTrue(r.Param("multipath"))
	if !multipath && (len(iqns) > 1 || len(portals) > 1) {
		return nil, model.Invalid("Without multipath the ISCSIDiscovery job takes one target IQN and one portal.")
	}
	switch iface := strings.TrimSpace(r.Param("ifaceName")); iface {
	case "", "default", "iser", "tcp", "iscsi":
	default:
		return nil, model.ErrBadValue("ifaceName", iface, "default, iser")
	}
	req := vios.ISCSILogin{Portals: portals, IQNs: iqns, LUNs: luns, Auth: r.Param("auth"), User: r.Param("user"), Secret: r.Param("password")}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	var res vios.ISCSIResult
	err = c.viosApply(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		res = vios.ISCSIDiscover(tx, vp, req)
		if iscsiFailed(res.Status) {
			return errISCSIFailed
		}
		return nil
	})
	switch {
	case errors.Is(err, errISCSIFailed):
		return c.finishVIOSJob(job, model.Refused("%s", res.Message), iscsiResults(res)...), nil
	case err != nil:
		return c.finishVIOSJob(job, err, Param{Name: "RETURN_CODE", Value: vios.ISCSIError}), nil
	}
	return c.finishVIOSJob(job, nil, iscsiResults(res)...), nil
}

// errISCSIFailed discards the transaction of an iSCSI job that failed.
var errISCSIFailed = fmt.Errorf("iSCSI operation failed")

func (c *Core) iscsiRemoveJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	iqns := listParam(r.Param("targetIQN"))
	if len(iqns) == 0 {
		return nil, model.Invalid("The ISCSIRemove job needs the parameter targetIQN.")
	}
	luns, err := lunsParam(r.Param("targetLUN"), len(iqns))
	if err != nil {
		return nil, err
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	var res vios.ISCSIResult
	err = c.viosApply(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		res = vios.ISCSIRemove(tx, vp, iqns, luns)
		if iscsiFailed(res.Status) {
			return errISCSIFailed
		}
		return nil
	})
	switch {
	case errors.Is(err, errISCSIFailed):
		return c.finishVIOSJob(job, model.Refused("%s", res.Message), Param{Name: "RETURN_CODE", Value: res.Status}, Param{Name: "StdErr", Value: res.Message}), nil
	case err != nil:
		return c.finishVIOSJob(job, err, Param{Name: "RETURN_CODE", Value: vios.ISCSIError}), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "RETURN_CODE", Value: res.Status}), nil
}

// ---- RBD -----------------------------------------------------------------------------

func (c *Core) rbdExistsJob(a Actor, r JobRequest, v *model.Partition) (*Job, error) {
	name := strings.TrimSpace(r.Param("name"))
	if name == "" {
		return nil, model.Invalid("The RBDExists job needs the parameter name (pool/image).")
	}
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	exists := false
	err := c.viosRead(a, v.UUID, func(tx *Tx, vp *model.Partition) error {
		exists = san.RBDByPath(tx, name) != nil
		return nil
	})
	if err != nil {
		return c.finishVIOSJob(job, err), nil
	}
	return c.finishVIOSJob(job, nil, Param{Name: "exists", Value: strconv.FormatBool(exists)}), nil
}
