package vios

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// Device discovery: how a VIOS learns the volumes of the SAN. A volume
// becomes an hdisk only when the VIOS looks for it: LUARecovery on the
// paths (ITLs) a client names, cfgdev on every path of every port, an
// iSCSI login on a target. A disk goes with rmdev (RemoveDevice) or an
// iSCSI logout, never because the SAN changed.

// LUA statuses (the LUARecovery job's deviceList/device/status).
const (
	LUAInUse          = "1" // found on every path, in use on this VIOS
	LUAITLUnreliable  = "2"
	LUAAvailable      = "3" // found on every path, available
	LUAIncorrectITL   = "6" // nothing found on the paths given
	LUAUnknownUDID    = "7" // a device, but not the one the page 83 ID names
	LUAFoundITLErrors = "8" // found on some of the paths
)

// ITL is an initiator (a port of this VIOS), target (an array's port) and
// LUN number: one path to a volume.
type ITL struct {
	Initiator string
	Target    string
	LUN       int
}

// LUAResult is what LUARecovery found.
type LUAResult struct {
	Status  string
	Device  string // hdisk name ("" when none)
	UDID    string // the disk's UniqueDeviceID, as the REST API shows it
	Unique  string // its unique_id (VolumeUniqueID)
	Message string
}

// DiskUDID is a disk's UniqueDeviceID as the REST API shows it and jobs
// report it: "01" and the base64 of its unique ID.
func DiskUDID(p *model.PhysicalVolume) string {
	return "01" + base64.StdEncoding.EncodeToString([]byte(p.UDID))
}

// PVByUDID finds a disk of a VIOS by UniqueDeviceID or unique ID.
func PVByUDID(tx Tx, vios, udid string) *model.PhysicalVolume {
	for _, p := range PVs(tx, vios) {
		if p.UDID == udid || DiskUDID(p) == udid {
			return p
		}
	}
	return nil
}

// PVOfLUN returns a VIOS's disk of a SAN volume (nil when it has none).
func PVOfLUN(tx Tx, vios, lun string) *model.PhysicalVolume {
	for _, p := range PVs(tx, vios) {
		if p.LUN == lun {
			return p
		}
	}
	return nil
}

// pathOf resolves one ITL on a VIOS: the port it starts from and the
// volume at its end (nil, with why, when there is none).
func pathOf(tx Tx, vios *model.Partition, itl ITL) (*model.FCPort, *san.Path, string) {
	var port *model.FCPort
	for _, p := range FCPorts(tx, vios.UUID) {
		if strings.EqualFold(p.WWPN, itl.Initiator) {
			port = p
		}
	}
	if port == nil {
		return nil, nil, fmt.Sprintf("the initiator %s is not a Fibre Channel port of %s", itl.Initiator, vios.Name)
	}
	if port.Fabric == "" {
		return port, nil, fmt.Sprintf("port %s (%s) is not connected to a fabric", port.Name, itl.Initiator)
	}
	for _, p := range san.FCPaths(tx, port.WWPN, port.Fabric) {
		if p.Target == itl.Target && p.LUNNumber == itl.LUN {
			p := p
			return port, &p, ""
		}
	}
	seen := false
	for _, t := range san.TargetsSeen(tx, port.WWPN, port.Fabric) {
		if t == itl.Target {
			seen = true
		}
	}
	if !seen {
		return port, nil, fmt.Sprintf("the target %s is not reachable from %s (%s) on fabric %s", itl.Target, port.Name, itl.Initiator, port.Fabric)
	}
	return port, nil, fmt.Sprintf("the target %s has no LUN %d for initiator %s", itl.Target, itl.LUN, itl.Initiator)
}

// LUARecovery discovers the volume at the end of the ITLs and configures
// it as an hdisk (the one the VIOS already has for it, else a new one,
// reserve_policy no_reserve as NovaLink's LUA recovery sets it). pg83,
// when given, is the page 83 NAA designator the volume must have. The
// result's Status is one of the LUA statuses; no error means the job
// itself ran.
func LUARecovery(tx Tx, vios *model.Partition, itls []ITL, pg83 string) LUAResult {
	if len(itls) == 0 {
		return LUAResult{Status: LUAIncorrectITL, Message: "No ITL nexus was given."}
	}
	type found struct {
		port *model.FCPort
		path *san.Path
	}
	var hits []found
	var misses []string
	vols := map[string]*model.SANLUN{}
	for _, itl := range itls {
		port, p, why := pathOf(tx, vios, itl)
		if p == nil {
			misses = append(misses, why)
			continue
		}
		hits = append(hits, found{port, p})
		vols[p.LUN.UUID] = p.LUN
	}
	switch {
	case len(vols) == 0:
		return LUAResult{Status: LUAIncorrectITL, Message: "No device was found: " + strings.Join(misses, "; ") + "."}
	case len(vols) > 1:
		var names []string
		for _, l := range vols {
			names = append(names, l.Name)
		}
		sort.Strings(names)
		return LUAResult{Status: LUAIncorrectITL, Message: fmt.Sprintf("The ITL nexus list leads to more than one device (volumes %s); each discovery names one device.", strings.Join(names, ", "))}
	}
	vol := hits[0].path.LUN
	if pg83 != "" && !strings.EqualFold(strings.TrimSpace(pg83), vol.NAA) {
		return LUAResult{Status: LUAUnknownUDID, Message: fmt.Sprintf("The device found has the page 83 identifier %s, not %s.", vol.NAA, pg83)}
	}
	pv := configureLUN(tx, vios, vol, hits[0].port, hits[0].path, "no_reserve")
	res := LUAResult{Status: LUAAvailable, Device: pv.Name, UDID: DiskUDID(pv), Unique: pv.UDID}
	if !pvAvailableHere(tx, pv) {
		res.Status = LUAInUse
	}
	if len(misses) > 0 {
		res.Status = LUAFoundITLErrors
		res.Message = fmt.Sprintf("%s was found on %d of %d paths: %s.", pv.Name, len(hits), len(itls), strings.Join(misses, "; "))
	}
	return res
}

// pvAvailableHere tells whether a disk is free: in no volume group, not in
// the cluster, not mapped.
func pvAvailableHere(tx Tx, p *model.PhysicalVolume) bool {
	return p.VG == "" && !p.Cluster && len(MappingsOf(tx, model.BackPV, p.UUID)) == 0
}

// configureLUN returns the VIOS's disk of a volume, making it when the
// VIOS has none (first path's port and target in its location code); an
// existing disk takes the volume's current size.
func configureLUN(tx Tx, vios *model.Partition, vol *model.SANLUN, port *model.FCPort, path *san.Path, policy string) *model.PhysicalVolume {
	if pv := PVOfLUN(tx, vios.UUID, vol.UUID); pv != nil {
		if pv.CapacityMB != vol.SizeMB {
			n := pv.CloneObject().(*model.PhysicalVolume)
			n.CapacityMB = vol.SizeMB
			tx.Put(n)
			return n
		}
		return pv
	}
	used := map[string]bool{}
	for _, p := range PVs(tx, vios.UUID) {
		used[p.Name] = true
	}
	pv := &model.PhysicalVolume{UUID: NewUUID(), VIOS: vios.UUID, Name: nextFreeName(tx, vios.UUID, "hdisk", used),
		UDID: san.UDID(tx, vol), PVID: "none", CapacityMB: vol.SizeMB, Description: san.Description(tx, vol),
		FC: vol.FC(), ISCSI: !vol.FC(), LUN: vol.UUID, NAA: vol.NAA, ReservePolicy: policy}
	if port != nil && path != nil {
		pv.Location = fmt.Sprintf("%s-W%s-L%s", port.Location, strings.ToUpper(path.Target), san.LocationLUN(path.LUNNumber))
	} else if !vol.FC() {
		pv.Location = fmt.Sprintf("%s-V%d-iSCSI-L%s", model.LocationCode(tx.System(), vios.ID, 0), vios.ID, san.LocationLUN(vol.TargetLUN))
	}
	tx.Put(pv)
	return pv
}

// nextFreeName is prefix+N for the lowest N no device of the VIOS has.
func nextFreeName(tx Tx, vios, prefix string, used map[string]bool) string {
	for i := 0; ; i++ {
		n := prefix + fmt.Sprint(i)
		if !used[n] && !DeviceNameTaken(tx, vios, n) {
			return n
		}
	}
}

// Cfgdev configures every volume the VIOS's ports reach that it has no
// disk for yet (reserve_policy single_path, the AIX default), and brings
// the sizes of its SAN disks up to date. It returns the new disks.
func Cfgdev(tx Tx, vios *model.Partition) []*model.PhysicalVolume {
	var added []*model.PhysicalVolume
	for _, port := range FCPorts(tx, vios.UUID) {
		if port.Fabric == "" {
			continue
		}
		for _, p := range san.FCPaths(tx, port.WWPN, port.Fabric) {
			p := p
			had := PVOfLUN(tx, vios.UUID, p.LUN.UUID) != nil
			pv := configureLUN(tx, vios, p.LUN, port, &p, "single_path")
			if !had {
				added = append(added, pv)
			}
		}
	}
	// iSCSI disks: the targets the VIOS is logged in to.
	for _, iqn := range Sessions(tx, vios.UUID) {
		t := san.TargetByIQN(tx, iqn)
		if t == nil || !initiatorAllowed(tx, vios, t) {
			continue
		}
		for _, l := range san.TargetLUNs(tx, iqn) {
			had := PVOfLUN(tx, vios.UUID, l.UUID) != nil
			pv := configureLUN(tx, vios, l, nil, nil, "no_reserve")
			if !had {
				added = append(added, pv)
			}
		}
	}
	return added
}

// RemoveDisk removes an hdisk (rmdev -dev hdiskN -d, the RemoveDevice
// job): refused while it is in a volume group, in the cluster or mapped.
func RemoveDisk(tx Tx, vios *model.Partition, name string) error {
	pv := PVByName(tx, vios.UUID, name)
	if pv == nil {
		return errUnknown("PhysicalVolume", name, vios)
	}
	if ms := MappingsOf(tx, model.BackPV, pv.UUID); len(ms) > 0 {
		client := partitionName(tx, ms[0].Client)
		return model.Refused("The disk %s is in use: it is the backing device of %s (%s, partition %s); remove the mapping first.", name, ms[0].Target, ms[0].VHost, client)
	}
	if err := pvFree(tx, pv); err != nil {
		return err
	}
	tx.Delete(model.KindPV, pv.UUID)
	return nil
}

// RescanDisk brings a disk's size up to date with its volume (the
// RescanVirtualDisk job, after a volume grew); udid is its UniqueDeviceID
// or unique ID. ok is false when the VIOS has no such disk.
func RescanDisk(tx Tx, vios *model.Partition, udid string) (*model.PhysicalVolume, bool) {
	pv := PVByUDID(tx, vios.UUID, udid)
	if pv == nil {
		return nil, false
	}
	vol, _ := tx.Get(model.KindSANLUN, pv.LUN).(*model.SANLUN)
	if vol == nil || vol.SizeMB == pv.CapacityMB {
		return pv, true
	}
	n := pv.CloneObject().(*model.PhysicalVolume)
	n.CapacityMB = vol.SizeMB
	tx.Put(n)
	return n, true
}

// SetReservePolicy changes a disk's reserve_policy (chdev -attr).
func SetReservePolicy(tx Tx, pv *model.PhysicalVolume, policy string) error {
	switch policy {
	case "no_reserve", "single_path", "PR_exclusive", "PR_shared":
	default:
		return model.ErrBadValue("reserve_policy", policy, "no_reserve, single_path, PR_exclusive, PR_shared")
	}
	if len(MappingsOf(tx, model.BackPV, pv.UUID)) > 0 || pv.VG != "" || pv.Cluster {
		return model.Refused("The disk %s is in use; its reserve_policy can be changed only while it is not open (not mapped, in no volume group or cluster).", pv.Name)
	}
	n := pv.CloneObject().(*model.PhysicalVolume)
	n.ReservePolicy = policy
	if policy == "no_reserve" {
		n.ReservePolicy = ""
	}
	tx.Put(n)
	return nil
}

// ReservePolicy is a disk's reserve_policy attribute.
func ReservePolicy(p *model.PhysicalVolume) string {
	if p.ReservePolicy == "" {
		return "no_reserve"
	}
	return p.ReservePolicy
}

// ---- iSCSI ---------------------------------------------------------------------

// iSCSI statuses (the ISCSIDiscovery and ISCSIRemove jobs' RETURN_CODE).
const (
	ISCSIOK            = "0"
	ISCSIError         = "1"
	ISCSILoginFailed   = "5"
	ISCSIInvalid       = "7"
	ISCSITimeout       = "8"
	ISCSISessionExists = "15"
	ISCSINoObjects     = "21"
	ISCSIAuthFailed    = "24"
)

// ISCSILogin is a discovery and login on targets: one (portal, IQN, LUN)
// each, or lists of them for multipath.
type ISCSILogin struct {
	Portals []string
	IQNs    []string
	LUNs    []int // -1: every LUN of the target
	Auth    string
	User    string
	Secret  string
}

// ISCSIResult is what a login did: its status, the disks of the targets
// logged in ("IQN hdiskN UDID") and why it failed.
type ISCSIResult struct {
	Status  string
	Devices []string
	Message string
}

// Sessions returns the targets a VIOS is logged in to: those it has disks
// of.
func Sessions(tx Tx, vios string) []string {
	var out []string
	for _, p := range PVs(tx, vios) {
		if !p.ISCSI {
			continue
		}
		if vol, _ := tx.Get(model.KindSANLUN, p.LUN).(*model.SANLUN); vol != nil && !containsStr(out, vol.Target) {
			out = append(out, vol.Target)
		}
	}
	sort.Strings(out)
	return out
}

func initiatorAllowed(tx Tx, vios *model.Partition, t *model.ISCSITarget) bool {
	return len(t.Initiators) == 0 || containsStr(t.Initiators, san.InitiatorIQN(tx.System(), vios))
}

// ISCSIDiscover logs a VIOS in to targets and configures the LUNs asked
// for. Every triple must succeed; the first failure is the status.
func ISCSIDiscover(tx Tx, vios *model.Partition, req ISCSILogin) ISCSIResult {
	n := len(req.IQNs)
	if n == 0 || len(req.Portals) != n || len(req.LUNs) != n {
		return ISCSIResult{Status: ISCSIInvalid, Message: fmt.Sprintf("The discovery needs as many portals, target IQNs and LUNs (%d, %d, %d).", len(req.Portals), n, len(req.LUNs))}
	}
	status := ISCSISessionExists
	var iqns []string
	for i := 0; i < n; i++ {
		iqn := req.IQNs[i]
		portal, err := model.ValidatePortal(req.Portals[i])
		if err != nil {
			return ISCSIResult{Status: ISCSIInvalid, Message: err.Error()}
		}
		t := san.TargetByIQN(tx, iqn)
		if t == nil {
			return ISCSIResult{Status: ISCSINoObjects, Message: fmt.Sprintf("The portal %s has no target %s.", portal, iqn)}
		}
		if !containsStr(t.Portals, portal) {
			return ISCSIResult{Status: ISCSITimeout, Message: fmt.Sprintf("The portal %s does not answer for target %s (its portals: %s).", portal, iqn, strings.Join(t.Portals, ", "))}
		}
		if !initiatorAllowed(tx, vios, t) {
			return ISCSIResult{Status: ISCSIAuthFailed, Message: fmt.Sprintf("The target %s does not accept initiator %s.", iqn, san.InitiatorIQN(tx.System(), vios))}
		}
		if t.CHAPSecret != "" {
			if !strings.EqualFold(req.Auth, "CHAP") || req.User != t.CHAPUser || req.Secret != t.CHAPSecret {
				return ISCSIResult{Status: ISCSIAuthFailed, Message: fmt.Sprintf("The CHAP authentication to target %s failed.", iqn)}
			}
		}
		if !containsStr(Sessions(tx, vios.UUID), iqn) {
			status = ISCSIOK
		}
		var vols []*model.SANLUN
		for _, l := range san.TargetLUNs(tx, iqn) {
			if req.LUNs[i] < 0 || l.TargetLUN == req.LUNs[i] {
				vols = append(vols, l)
			}
		}
		if len(vols) == 0 {
			return ISCSIResult{Status: ISCSINoObjects, Message: fmt.Sprintf("The target %s has no LUN %d.", iqn, req.LUNs[i])}
		}
		for _, l := range vols {
			configureLUN(tx, vios, l, nil, nil, "no_reserve")
		}
		if !containsStr(iqns, iqn) {
			iqns = append(iqns, iqn)
		}
	}
	return ISCSIResult{Status: status, Devices: iscsiDevices(tx, vios, iqns)}
}

// iscsiDevices lists a VIOS's disks of targets as "IQN hdiskN UDID".
func iscsiDevices(tx Tx, vios *model.Partition, iqns []string) []string {
	var out []string
	for _, p := range PVs(tx, vios.UUID) {
		if vol, _ := tx.Get(model.KindSANLUN, p.LUN).(*model.SANLUN); p.ISCSI && vol != nil && containsStr(iqns, vol.Target) {
			out = append(out, vol.Target+" "+p.Name+" "+DiskUDID(p))
		}
	}
	return out
}

// ISCSIRemove removes the disks of LUNs of targets (-1: all of a target's)
// and so logs out of a target whose last disk goes. A mapped disk is
// refused; nothing to remove is ISCSINoObjects.
func ISCSIRemove(tx Tx, vios *model.Partition, iqns []string, luns []int) ISCSIResult {
	if len(iqns) == 0 {
		return ISCSIResult{Status: ISCSIInvalid, Message: "The removal needs the target IQN."}
	}
	var gone []*model.PhysicalVolume
	for i, iqn := range iqns {
		lun := -1
		if i < len(luns) {
			lun = luns[i]
		}
		for _, p := range PVs(tx, vios.UUID) {
			vol, _ := tx.Get(model.KindSANLUN, p.LUN).(*model.SANLUN)
			if !p.ISCSI || vol == nil || vol.Target != iqn || lun >= 0 && vol.TargetLUN != lun {
				continue
			}
			gone = append(gone, p)
		}
	}
	if len(gone) == 0 {
		return ISCSIResult{Status: ISCSINoObjects, Message: "No session or disk of the targets was found."}
	}
	for _, p := range gone {
		if tx.Get(model.KindPV, p.UUID) == nil {
			continue
		}
		if err := RemoveDisk(tx, vios, p.Name); err != nil {
			return ISCSIResult{Status: ISCSIError, Message: msgOf(err)}
		}
	}
	return ISCSIResult{Status: ISCSIOK}
}

func msgOf(err error) string {
	if me, ok := err.(*model.Error); ok {
		return me.Msg
	}
	return err.Error()
}

// LoginOf tells the fabric an initiator is logged into and whether it is:
// a VIOS's physical port while the VIOS runs, a client's virtual WWPN
// while its adapter is mapped to a port cabled to a fabric and the client
// runs.
// (It needs only what the SAN's transactions offer, san.Tx.)
func LoginOf(tx san.Tx, wwpn string) (fabric string, loggedIn bool) {
	tx.Each(model.KindFCPort, func(o model.Object) {
		p := o.(*model.FCPort)
		if strings.EqualFold(p.WWPN, wwpn) {
			fabric = p.Fabric
			v := tx.Partition(p.VIOS)
			loggedIn = fabric != "" && v != nil && v.State == model.StateRunning
		}
	})
	if fabric != "" {
		return fabric, loggedIn
	}
	tx.Each(model.KindFCMap, func(o model.Object) {
		m := o.(*model.FCMapping)
		for _, w := range m.WWPNs {
			if !strings.EqualFold(w, wwpn) || m.Port == "" {
				continue
			}
			tx.Each(model.KindFCPort, func(o model.Object) {
				if p := o.(*model.FCPort); p.VIOS == m.VIOS && p.Name == m.Port {
					fabric = p.Fabric
				}
			})
			c := tx.Partition(m.Client)
			loggedIn = fabric != "" && c != nil && c.State == model.StateRunning
		}
	})
	return fabric, loggedIn
}

// ReachLUN returns a VIOS's disk of a SAN volume: the one it has, else
// the one it configures when one of its ports reaches the volume (a
// Fibre Channel path, or an iSCSI session with the volume's target), as
// the destination VIOS of a partition's migration does for the disks the
// partition's virtual SCSI storage is on. Nil, with why, when the VIOS
// cannot see the volume.
func ReachLUN(tx Tx, vios *model.Partition, vol *model.SANLUN) (*model.PhysicalVolume, string) {
	if pv := PVOfLUN(tx, vios.UUID, vol.UUID); pv != nil {
		return pv, ""
	}
	port, path, why := lunRoute(tx, vios, vol)
	if why != "" {
		return nil, why
	}
	return configureLUN(tx, vios, vol, port, path, "no_reserve"), ""
}

// SeesLUN tells why a VIOS cannot see a SAN volume ("" when it can: it
// has its disk, or reaches it through a port or an iSCSI session).
func SeesLUN(tx Tx, vios *model.Partition, vol *model.SANLUN) string {
	if PVOfLUN(tx, vios.UUID, vol.UUID) != nil {
		return ""
	}
	_, _, why := lunRoute(tx, vios, vol)
	return why
}

// lunRoute finds how a VIOS reaches a SAN volume: an iSCSI session with
// its target (port and path nil) or a Fibre Channel port with a path to
// it. why says what is missing when there is none.
func lunRoute(tx Tx, vios *model.Partition, vol *model.SANLUN) (port *model.FCPort, path *san.Path, why string) {
	if !vol.FC() {
		if containsStr(Sessions(tx, vios.UUID), vol.Target) {
			return nil, nil, ""
		}
		return nil, nil, fmt.Sprintf("%s is not logged in to the iSCSI target %s", vios.Name, vol.Target)
	}
	cabled := false
	for _, port := range FCPorts(tx, vios.UUID) {
		if port.Fabric == "" {
			continue
		}
		cabled = true
		for _, p := range san.FCPaths(tx, port.WWPN, port.Fabric) {
			if p.LUN.UUID == vol.UUID {
				return port, &p, ""
			}
		}
	}
	if !cabled {
		return nil, nil, fmt.Sprintf("no Fibre Channel port of %s is connected to a fabric", vios.Name)
	}
	return nil, nil, fmt.Sprintf("no port of %s sees the volume (it is not zoned to them, or no host definition of its array has their WWPNs)", vios.Name)
}

// FCPortOnFabric finds a physical port of a VIOS on a fabric ("": any)
// with a free NPIV connection for a client: the named one (by name, WWPN
// or location) when port is given, else the first by name. Nil, with
// why, when there is none.
func FCPortOnFabric(tx Tx, vios *model.Partition, fabric, port, client string) (*model.FCPort, string) {
	why := ""
	onFabric := false
	for _, p := range FCPorts(tx, vios.UUID) {
		if port != "" && p.Name != port && !strings.EqualFold(p.WWPN, port) && p.Location != port {
			continue
		}
		if fabric != "" && p.Fabric != fabric {
			if port != "" {
				return nil, fmt.Sprintf("the port %s of %s is on fabric %q, not %s", p.Name, vios.Name, p.Fabric, fabric)
			}
			continue
		}
		onFabric = true
		if _, err := fcPortFor(tx, vios, client, p.Name, ""); err != nil {
			if why == "" {
				why = errMsg(err)
			}
			continue
		}
		return p, ""
	}
	switch {
	case why != "":
		return nil, why
	case port != "" && !onFabric:
		return nil, fmt.Sprintf("%s has no Fibre Channel port %s", vios.Name, port)
	case fabric != "":
		return nil, fmt.Sprintf("no Fibre Channel port of %s is on fabric %s", vios.Name, fabric)
	}
	return nil, fmt.Sprintf("%s has no Fibre Channel port", vios.Name)
}

func errMsg(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Msg
	}
	return err.Error()
}
