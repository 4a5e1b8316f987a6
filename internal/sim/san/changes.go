package san

import (
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// The changes of the SAN. Each checks everything first and stages only
// when all holds, so an error leaves the transaction as it was. Seed, when
// given, makes the new object's UUID derived from it (the inventory's
// objects are the same each time it is seeded).

// FabricSpec is a fabric to make.
type FabricSpec struct {
	Name  string          `json:"name"`
	Zones []model.SANZone `json:"zones,omitempty"`
}

// CreateFabric makes a fabric.
func CreateFabric(tx Tx, spec FabricSpec, seed ...string) (*model.SANFabric, error) {
	if err := model.ValidateSANName("fabric", spec.Name); err != nil {
		return nil, err
	}
	if FabricByName(tx, spec.Name) != nil {
		return nil, model.ErrSANInvalid("The fabric name %s is already in use.", spec.Name)
	}
	zones, err := checkZones(spec.Zones)
	if err != nil {
		return nil, err
	}
	f := &model.SANFabric{UUID: newUUID(seedOf(seed, "fabric", spec.Name)), Name: spec.Name, Zones: zones}
	tx.Put(f)
	return f, nil
}

// SetZones replaces a fabric's zoning (none: every port sees every other).
func SetZones(tx Tx, f *model.SANFabric, zones []model.SANZone) (*model.SANFabric, error) {
	z, err := checkZones(zones)
	if err != nil {
		return nil, err
	}
	n := f.CloneObject().(*model.SANFabric)
	n.Zones = z
	tx.Put(n)
	return n, nil
}

func checkZones(in []model.SANZone) ([]model.SANZone, error) {
	var out []model.SANZone
	names := map[string]bool{}
	for _, z := range in {
		if err := model.ValidateSANName("zone", z.Name); err != nil {
			return nil, err
		}
		if names[z.Name] {
			return nil, model.ErrSANInvalid("The zone name %s is used twice.", z.Name)
		}
		names[z.Name] = true
		if len(z.Members) < 2 {
			return nil, model.ErrSANInvalid("The zone %s needs at least two members (an initiator and a target).", z.Name)
		}
		var members []string
		for _, m := range z.Members {
			w, ok := model.NormalizeWWPN(m)
			if !ok {
				return nil, model.ErrBadValue("zone member", m, "WWPNs of 16 hex digits")
			}
			if !containsStr(members, w) {
				members = append(members, w)
			}
		}
		sort.Strings(members)
		out = append(out, model.SANZone{Name: z.Name, Members: members})
	}
	return out, nil
}

// ArraySpec is a storage array to make.
type ArraySpec struct {
	Name    string               `json:"name"`
	Vendor  string               `json:"vendor,omitempty"`
	Product string               `json:"product,omitempty"`
	Model   string               `json:"model,omitempty"`
	Ports   []model.SANArrayPort `json:"ports"`
	Hosts   []model.SANHost      `json:"hosts,omitempty"`
}

// CreateArray makes a storage array: its target ports' WWPNs must be free
// on the SAN and their fabrics exist.
func CreateArray(tx Tx, spec ArraySpec, seed ...string) (*model.SANArray, error) {
	if err := model.ValidateSANName("array", spec.Name); err != nil {
		return nil, err
	}
	if ArrayByName(tx, spec.Name) != nil {
		return nil, model.ErrSANInvalid("The array name %s is already in use.", spec.Name)
	}
	a := &model.SANArray{UUID: newUUID(seedOf(seed, "array", spec.Name)), Name: spec.Name,
		Vendor: orStr(spec.Vendor, "IBM"), Product: orStr(spec.Product, "2145")}
	switch a.Vendor {
	case "IBM", "EMC", "NETAPP", "HDS", "HP", "OTHER":
	default:
		return nil, model.ErrBadValue("vendor", a.Vendor, "IBM, EMC, NETAPP, HDS, HP, OTHER")
	}
	if len(a.Product) != 4 || strings.ContainsAny(a.Product, " /") {
		return nil, model.ErrBadValue("product", a.Product, "a product code of 4 characters (2145, 2107 ...)")
	}
	if spec.Model != "" && spec.Model != a.Product {
		if len(spec.Model) != 4 || strings.ContainsAny(spec.Model, " /") {
			return nil, model.ErrBadValue("model", spec.Model, "a machine type of 4 characters (2076 ...)")
		}
		a.Model = spec.Model
	}
	if len(spec.Ports) == 0 {
		return nil, model.ErrSANInvalid("The array %s needs at least one target port.", spec.Name)
	}
	for _, p := range spec.Ports {
		w, ok := model.NormalizeWWPN(p.WWPN)
		if !ok {
			return nil, model.ErrBadValue("WWPN", p.WWPN, "16 hex digits")
		}
		if FabricByName(tx, p.Fabric) == nil {
			return nil, model.ErrNoObject("SAN fabric", p.Fabric)
		}
		for _, q := range a.Ports {
			if q.WWPN == w {
				return nil, model.ErrWWPNInUse(w, "another target port of array "+a.Name)
			}
		}
		if by := WWPNOwner(tx, w, ""); by != "" {
			return nil, model.ErrWWPNInUse(w, by)
		}
		a.Ports = append(a.Ports, model.SANArrayPort{WWPN: w, Fabric: p.Fabric})
	}
	for _, h := range spec.Hosts {
		nh, err := checkHost(tx, a, h)
		if err != nil {
			return nil, err
		}
		a.Hosts = append(a.Hosts, nh)
	}
	tx.Put(a)
	return a, nil
}

// checkHost checks a new host definition of an array.
func checkHost(tx Tx, a *model.SANArray, h model.SANHost) (model.SANHost, error) {
	if err := model.ValidateSANName("host", h.Name); err != nil {
		return h, err
	}
	for _, o := range a.Hosts {
		if o.Name == h.Name {
			return h, model.ErrSANInvalid("The array %s already has a host named %s.", a.Name, h.Name)
		}
	}
	out := model.SANHost{Name: h.Name, VIOS: h.VIOS, Partition: h.Partition}
	if len(h.WWPNs) == 0 && h.VIOS == "" && h.Partition == "" {
		return h, model.ErrSANInvalid("The host %s needs initiators: WWPNs, a VIOS or a partition.", h.Name)
	}
	for _, w := range h.WWPNs {
		n, ok := model.NormalizeWWPN(w)
		if !ok {
			return h, model.ErrBadValue("WWPN", w, "16 hex digits")
		}
		if containsStr(out.WWPNs, n) {
			return h, model.ErrSANInvalid("The host %s lists the WWPN %s twice.", h.Name, n)
		}
		for _, o := range a.Hosts {
			if containsStr(HostWWPNs(tx, o), n) {
				return h, model.ErrSANInvalid("The WWPN %s is already an initiator of host %s on array %s; an initiator belongs to one host.", n, o.Name, a.Name)
			}
		}
		out.WWPNs = append(out.WWPNs, n)
	}
	for _, ref := range []struct{ what, name string }{{"Virtual I/O Server", h.VIOS}, {"partition", h.Partition}} {
		if ref.name == "" {
			continue
		}
		p := partitionNamed(tx, ref.name)
		if p == nil && ref.what == "partition" {
			// A partition yet to be made (nova names an instance's
			// partition after it): the host follows the name.
			if err := model.ValidateName(ref.name); err != nil {
				return h, err
			}
			continue
		}
		if p == nil {
			return h, model.ErrNoPartition(ref.name)
		}
		if (ref.what == "Virtual I/O Server") != p.IsVIOS() {
			return h, model.ErrSANInvalid("The host %s follows %s, which is not a %s.", h.Name, p.Name, ref.what)
		}
		// The host follows the partition itself, renamed or not.
		if ref.what == "partition" {
			out.Partition = p.UUID
		} else {
			out.VIOS = p.UUID
		}
	}
	sort.Strings(out.WWPNs)
	for _, w := range HostWWPNs(tx, out) {
		for _, o := range a.Hosts {
			if containsStr(HostWWPNs(tx, o), w) {
				return h, model.ErrSANInvalid("The WWPN %s is already an initiator of host %s on array %s; an initiator belongs to one host.", w, o.Name, a.Name)
			}
		}
	}
	return out, nil
}

// AddHost adds a host definition to an array.
func AddHost(tx Tx, a *model.SANArray, h model.SANHost) (*model.SANArray, error) {
	nh, err := checkHost(tx, a, h)
	if err != nil {
		return nil, err
	}
	n := a.CloneObject().(*model.SANArray)
	n.Hosts = append(n.Hosts, nh)
	tx.Put(n)
	return n, nil
}

// RemoveHost removes a host definition that no volume is mapped to.
func RemoveHost(tx Tx, a *model.SANArray, name string) (*model.SANArray, error) {
	n := a.CloneObject().(*model.SANArray)
	kept := n.Hosts[:0]
	found := false
	for _, h := range n.Hosts {
		if h.Name == name {
			found = true
			continue
		}
		kept = append(kept, h)
	}
	if !found {
		return nil, model.ErrNoObject("SAN host", name+" on array "+a.Name)
	}
	for _, l := range LUNs(tx) {
		if l.Array != a.UUID {
			continue
		}
		for _, lh := range l.Hosts {
			if lh.Host == name {
				return nil, model.ErrSAN("The volume %s is mapped to host %s; unmap it first.", l.Name, name)
			}
		}
	}
	n.Hosts = kept
	tx.Put(n)
	return n, nil
}

// LUNSpec is a volume to make: on an array (mapped to hosts) or behind an
// iSCSI target (at a LUN number).
type LUNSpec struct {
	Name      string             `json:"name"`
	SizeMB    int                `json:"sizeMB"`
	NAA       string             `json:"naa,omitempty"`
	Shared    bool               `json:"shared,omitempty"`
	Array     string             `json:"array,omitempty"` // name
	Hosts     []model.SANLUNHost `json:"hosts,omitempty"`
	Target    string             `json:"target,omitempty"` // IQN
	TargetLUN int                `json:"targetLUN,omitempty"`
}

// CreateLUN makes a volume.
func CreateLUN(tx Tx, spec LUNSpec, seed ...string) (*model.SANLUN, error) {
	if err := model.ValidateSANName("volume", spec.Name); err != nil {
		return nil, err
	}
	if LUNByName(tx, spec.Name) != nil {
		return nil, model.ErrSANInvalid("The volume name %s is already in use.", spec.Name)
	}
	if spec.SizeMB <= 0 {
		return nil, model.ErrSANInvalid("The size of volume %s must be greater than 0.", spec.Name)
	}
	l := &model.SANLUN{UUID: newUUID(seedOf(seed, "lun", spec.Name)), Name: spec.Name, SizeMB: spec.SizeMB,
		Shared: spec.Shared, Created: tx.Now().UnixMilli()}
	switch {
	case spec.Array != "" && spec.Target != "":
		return nil, model.ErrSANInvalid("The volume %s is either on an array (Fibre Channel) or behind an iSCSI target, not both.", spec.Name)
	case spec.Array != "":
		a := ArrayByName(tx, spec.Array)
		if a == nil {
			return nil, model.ErrNoObject("SAN array", spec.Array)
		}
		l.Array = a.UUID
		for _, h := range spec.Hosts {
			if err := checkMapping(tx, l, a, h); err != nil {
				return nil, err
			}
			l.Hosts = append(l.Hosts, h)
		}
	case spec.Target != "":
		t := TargetByIQN(tx, spec.Target)
		if t == nil {
			return nil, model.ErrNoObject("iSCSI target", spec.Target)
		}
		if len(spec.Hosts) > 0 {
			return nil, model.ErrSANInvalid("The volume %s is behind an iSCSI target: it has a LUN number, not hosts.", spec.Name)
		}
		if spec.TargetLUN < 0 || spec.TargetLUN > 16383 {
			return nil, model.ErrBadValue("LUN", itoa(spec.TargetLUN), "0 to 16383")
		}
		for _, o := range TargetLUNs(tx, t.IQN) {
			if o.TargetLUN == spec.TargetLUN {
				return nil, model.ErrSANInvalid("The LUN %d of target %s is already volume %s.", spec.TargetLUN, t.IQN, o.Name)
			}
		}
		l.Target, l.TargetLUN = t.IQN, spec.TargetLUN
	default:
		return nil, model.ErrSANInvalid("The volume %s needs an array or an iSCSI target.", spec.Name)
	}
	if spec.NAA != "" {
		naa, err := model.ValidateNAA(spec.NAA)
		if err != nil {
			return nil, err
		}
		l.NAA = naa
	} else {
		for n := 0; ; n++ {
			parts := append(seedOf(seed, "naa", spec.Name), itoa(n))
			if len(seed) == 0 {
				parts = append(parts, l.UUID)
			}
			l.NAA = "6005076" + hexID(25, parts...)
			if LUNByNAA(tx, l.NAA) == nil {
				break
			}
		}
	}
	if o := LUNByNAA(tx, l.NAA); o != nil {
		return nil, model.ErrSANInvalid("The page 83 identifier %s is already volume %s's.", l.NAA, o.Name)
	}
	tx.Put(l)
	return l, nil
}

// LUNByNAA finds a volume by its page 83 identifier.
func LUNByNAA(tx Tx, naa string) *model.SANLUN {
	return firstLUN(tx, model.SANLUNByNAA, model.NAAKey(naa))
}

// checkMapping checks that a volume may be mapped to a host of its array
// at a LUN number: the host exists, the volume is not mapped to it yet and
// the host has no other volume at that number.
func checkMapping(tx Tx, l *model.SANLUN, a *model.SANArray, h model.SANLUNHost) error {
	found := false
	for _, ah := range a.Hosts {
		if ah.Name == h.Host {
			found = true
		}
	}
	if !found {
		return model.ErrNoObject("SAN host", h.Host+" on array "+a.Name)
	}
	if h.LUN < 0 || h.LUN > 16383 {
		return model.ErrBadValue("LUN", itoa(h.LUN), "0 to 16383")
	}
	for _, lh := range l.Hosts {
		if lh.Host == h.Host {
			return model.ErrSAN("The volume %s is already mapped to host %s (LUN %d).", l.Name, h.Host, lh.LUN)
		}
	}
	for _, o := range LUNs(tx) {
		if o.Array != a.UUID || o.UUID == l.UUID {
			continue
		}
		for _, lh := range o.Hosts {
			if lh.Host == h.Host && lh.LUN == h.LUN {
				return model.ErrSANInvalid("The host %s already has LUN %d (volume %s); choose another LUN number.", h.Host, h.LUN, o.Name)
			}
		}
	}
	return nil
}

// MapLUN maps a volume of an array to a host at a LUN number (-1: the
// host's lowest free number).
func MapLUN(tx Tx, l *model.SANLUN, host string, lun int) (*model.SANLUN, error) {
	if !l.FC() {
		return nil, model.ErrSANInvalid("The volume %s is behind an iSCSI target; it is not mapped to hosts.", l.Name)
	}
	a, _ := tx.Get(model.KindSANArray, l.Array).(*model.SANArray)
	if a == nil {
		return nil, model.Internal("volume %s has no array", l.Name)
	}
	if lun < 0 {
		used := map[int]bool{}
		for _, o := range LUNs(tx) {
			for _, lh := range o.Hosts {
				if o.Array == a.UUID && lh.Host == host {
					used[lh.LUN] = true
				}
			}
		}
		for lun = 0; used[lun]; lun++ {
		}
	}
	h := model.SANLUNHost{Host: host, LUN: lun}
	if err := checkMapping(tx, l, a, h); err != nil {
		return nil, err
	}
	n := l.CloneObject().(*model.SANLUN)
	n.Hosts = append(n.Hosts, h)
	tx.Put(n)
	return n, nil
}

// UnmapLUN removes a volume's mapping to a host. A VIOS that has the
// volume as an hdisk keeps it (its paths through that host fail).
func UnmapLUN(tx Tx, l *model.SANLUN, host string) (*model.SANLUN, error) {
	n := l.CloneObject().(*model.SANLUN)
	kept := n.Hosts[:0]
	for _, lh := range n.Hosts {
		if lh.Host != host {
			kept = append(kept, lh)
		}
	}
	if len(kept) == len(l.Hosts) {
		return nil, model.ErrSAN("The volume %s is not mapped to host %s.", l.Name, host)
	}
	n.Hosts = kept
	tx.Put(n)
	return n, nil
}

// ResizeLUN grows a volume (volumes do not shrink). The VIOSes see the new
// size after a rescan (RescanVirtualDisk, cfgdev).
func ResizeLUN(tx Tx, l *model.SANLUN, sizeMB int) (*model.SANLUN, error) {
	if sizeMB < l.SizeMB {
		return nil, model.ErrSANInvalid("The volume %s cannot shrink from %s to %s.", l.Name, model.SizeText(l.SizeMB), model.SizeText(sizeMB))
	}
	n := l.CloneObject().(*model.SANLUN)
	n.SizeMB = sizeMB
	tx.Put(n)
	return n, nil
}

// DeleteLUN removes a volume that no VIOS has as a disk.
func DeleteLUN(tx Tx, l *model.SANLUN) error {
	var in []string
	eachAll(tx, model.KindPV, func(o model.Object) {
		if p := o.(*model.PhysicalVolume); p.LUN == l.UUID {
			in = append(in, p.Name+" on "+partitionName(tx, p.VIOS))
		}
	})
	if len(in) > 0 {
		sort.Strings(in)
		return model.ErrSAN("The volume %s is configured as %s; remove the device (rmdev) first.", l.Name, strings.Join(in, ", "))
	}
	tx.Delete(model.KindSANLUN, l.UUID)
	return nil
}

// TargetSpec is an iSCSI target to make, with its volumes.
type TargetSpec struct {
	IQN        string    `json:"iqn"`
	Portals    []string  `json:"portals"`
	CHAPUser   string    `json:"chapUser,omitempty"`
	CHAPSecret string    `json:"chapSecret,omitempty"`
	Initiators []string  `json:"initiators,omitempty"`
	LUNs       []LUNSpec `json:"luns,omitempty"`
}

// CreateTarget makes an iSCSI target (its volumes are made with
// CreateLUN).
func CreateTarget(tx Tx, spec TargetSpec, seed ...string) (*model.ISCSITarget, error) {
	if err := model.ValidateIQN(spec.IQN); err != nil {
		return nil, err
	}
	if TargetByIQN(tx, spec.IQN) != nil {
		return nil, model.ErrSANInvalid("The iSCSI name %s is already a target's; target names are unique.", spec.IQN)
	}
	if len(spec.Portals) == 0 {
		return nil, model.ErrSANInvalid("The iSCSI target %s needs at least one portal (address:port).", spec.IQN)
	}
	t := &model.ISCSITarget{UUID: newUUID(seedOf(seed, "target", spec.IQN)), IQN: spec.IQN}
	for _, p := range spec.Portals {
		pp, err := model.ValidatePortal(p)
		if err != nil {
			return nil, err
		}
		if !containsStr(t.Portals, pp) {
			t.Portals = append(t.Portals, pp)
		}
	}
	if (spec.CHAPUser == "") != (spec.CHAPSecret == "") {
		return nil, model.ErrSANInvalid("CHAP needs both a user and a secret (or neither, for no authentication).")
	}
	if spec.CHAPSecret != "" && (len(spec.CHAPSecret) < 12 || len(spec.CHAPSecret) > 16) {
		return nil, model.ErrSANInvalid("The CHAP secret must have 12 to 16 characters, as iSCSI requires.")
	}
	t.CHAPUser, t.CHAPSecret = spec.CHAPUser, spec.CHAPSecret
	for _, i := range spec.Initiators {
		if err := model.ValidateIQN(i); err != nil {
			return nil, err
		}
		if !containsStr(t.Initiators, i) {
			t.Initiators = append(t.Initiators, i)
		}
	}
	tx.Put(t)
	return t, nil
}

// DeleteTarget removes an iSCSI target and its volumes, none of which a
// VIOS may have as a disk.
func DeleteTarget(tx Tx, t *model.ISCSITarget) error {
	for _, l := range TargetLUNs(tx, t.IQN) {
		if err := DeleteLUN(tx, l); err != nil {
			return err
		}
	}
	tx.Delete(model.KindISCSITarget, t.UUID)
	return nil
}

// RBDSpec is an RBD image to make.
type RBDSpec struct {
	Pool   string `json:"pool"`
	Name   string `json:"name"`
	SizeMB int    `json:"sizeMB"`
}

// CreateRBD makes an RBD image.
func CreateRBD(tx Tx, spec RBDSpec, seed ...string) (*model.RBDImage, error) {
	if err := model.ValidateSANName("RBD pool", spec.Pool); err != nil {
		return nil, err
	}
	if err := model.ValidateSANName("RBD image", spec.Name); err != nil {
		return nil, err
	}
	if spec.SizeMB <= 0 {
		return nil, model.ErrSANInvalid("The size of RBD image %s/%s must be greater than 0.", spec.Pool, spec.Name)
	}
	if RBDByPath(tx, spec.Pool+"/"+spec.Name) != nil {
		return nil, model.ErrSANInvalid("The RBD image %s/%s already exists.", spec.Pool, spec.Name)
	}
	r := &model.RBDImage{UUID: newUUID(seedOf(seed, "rbd", spec.Pool, spec.Name)), Pool: spec.Pool, Name: spec.Name,
		SizeMB: spec.SizeMB, Created: tx.Now().UnixMilli()}
	tx.Put(r)
	return r, nil
}

// DeleteRBD removes an RBD image that no VIOS maps.
func DeleteRBD(tx Tx, r *model.RBDImage) error {
	var by []string
	eachAll(tx, model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.Backing == model.BackRBD && m.BackingID == r.UUID {
			by = append(by, m.Target+" on "+partitionName(tx, m.VIOS))
		}
	})
	if len(by) > 0 {
		sort.Strings(by)
		return model.ErrSAN("The RBD image %s is mapped (%s); remove the mapping first.", r.Path(), strings.Join(by, ", "))
	}
	tx.Delete(model.KindRBDImage, r.UUID)
	return nil
}

func seedOf(seed []string, parts ...string) []string {
	if len(seed) == 0 {
		return nil
	}
	return append(append([]string(nil), seed...), parts...)
}

func itoa(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
