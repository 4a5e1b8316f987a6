// Package san is the storage outside the simulated server: Fibre Channel
// fabrics and their zoning, storage arrays (target ports, host
// definitions, volumes mapped to hosts with LUN numbers), iSCSI targets
// (portals, CHAP, LUNs) and RBD images. It decides which initiator sees
// which volume through which path; the VIOS (internal/sim/vios) asks it
// when it discovers devices (LUARecovery, cfgdev, iSCSI logins) and
// never learns a volume otherwise.
//
// The objects are model objects (model.SANFabric, SANArray, SANLUN,
// ISCSITarget, RBDImage) stored like every other, changed through the
// core's transaction (Tx) by the functions of changes.go, which check
// everything before they stage anything.
package san

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// Tx is what the SAN needs from a core transaction (the VIOS's Tx has it).
type Tx interface {
	Get(k model.ObjKind, key string) model.Object
	Put(o model.Object, detail ...string)
	Delete(k model.ObjKind, key string)
	Each(k model.ObjKind, fn func(model.Object))
	Partition(uuid string) *model.Partition
	System() *model.ManagedSystem
	Now() time.Time
	// EachBy calls fn for every object listed under key in one of the
	// state's indexes (model.Index), as staged.
	EachBy(ix model.Index, key string, fn func(model.Object))
}

// firstLUN is the volume of lowest name (then UUID) listed under any of
// keys in an index.
func firstLUN(tx Tx, ix model.Index, keys ...string) *model.SANLUN {
	var found *model.SANLUN
	for _, k := range keys {
		tx.EachBy(ix, k, func(o model.Object) {
			l := o.(*model.SANLUN)
			if found == nil || l.Name < found.Name || l.Name == found.Name && l.UUID < found.UUID {
				found = l
			}
		})
	}
	return found
}

func collect[T model.Object](tx Tx, k model.ObjKind) []T {
	var out []T
	tx.Each(k, func(o model.Object) {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	})
	return out
}

// Fabrics returns the fabrics by name.
func Fabrics(tx Tx) []*model.SANFabric {
	out := collect[*model.SANFabric](tx, model.KindSANFabric)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FabricByName finds a fabric (nil when there is none).
func FabricByName(tx Tx, name string) *model.SANFabric {
	for _, f := range Fabrics(tx) {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Arrays returns the storage arrays by name.
func Arrays(tx Tx) []*model.SANArray {
	out := collect[*model.SANArray](tx, model.KindSANArray)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ArrayByName finds an array by name or UUID.
func ArrayByName(tx Tx, name string) *model.SANArray {
	for _, a := range Arrays(tx) {
		if a.Name == name || strings.EqualFold(a.UUID, name) {
			return a
		}
	}
	return nil
}

// LUNs returns the volumes by name.
func LUNs(tx Tx) []*model.SANLUN {
	out := collect[*model.SANLUN](tx, model.KindSANLUN)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LUNByName finds a volume by name or UUID.
func LUNByName(tx Tx, name string) *model.SANLUN {
	keys := model.SANLUNNameKeys(name)
	return firstLUN(tx, model.SANLUNByName, keys[:]...)
}

// Targets returns the iSCSI targets by IQN.
func Targets(tx Tx) []*model.ISCSITarget {
	out := collect[*model.ISCSITarget](tx, model.KindISCSITarget)
	sort.Slice(out, func(i, j int) bool { return out[i].IQN < out[j].IQN })
	return out
}

// TargetByIQN finds an iSCSI target by IQN (or UUID).
func TargetByIQN(tx Tx, iqn string) *model.ISCSITarget {
	for _, t := range Targets(tx) {
		if t.IQN == iqn || strings.EqualFold(t.UUID, iqn) {
			return t
		}
	}
	return nil
}

// TargetLUNs returns the volumes of an iSCSI target by LUN number.
func TargetLUNs(tx Tx, iqn string) []*model.SANLUN {
	var out []*model.SANLUN
	for _, l := range LUNs(tx) {
		if l.Target == iqn {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TargetLUN < out[j].TargetLUN })
	return out
}

// RBDImages returns the RBD images by pool and name.
func RBDImages(tx Tx) []*model.RBDImage {
	out := collect[*model.RBDImage](tx, model.KindRBDImage)
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out
}

// RBDByPath finds an RBD image by pool/name (or UUID).
func RBDByPath(tx Tx, path string) *model.RBDImage {
	for _, r := range RBDImages(tx) {
		if r.Path() == path || strings.EqualFold(r.UUID, path) {
			return r
		}
	}
	return nil
}

// ---- WWPNs ---------------------------------------------------------------

// WWPNOwner says what uses a WWPN: a VIOS's physical FC port, a client's
// virtual FC adapter or an array's target port ("" when nothing does).
// skip names an array whose own ports are not counted (one being
// replaced).
func WWPNOwner(tx Tx, w, skip string) string {
	return WWPNOwnerBut(tx, w, skip, "")
}

// WWPNOwnerBut is WWPNOwner not counting the virtual FC adapters the
// partition client has on the other systems of a fleet (a partition that
// migrates keeps its WWPNs).
func WWPNOwnerBut(tx Tx, w, skip, client string) string {
	w = strings.ToLower(w)
	by := ""
	eachAll(tx, model.KindFCPort, func(o model.Object) {
		if p := o.(*model.FCPort); by == "" && strings.EqualFold(p.WWPN, w) {
			by = fmt.Sprintf("port %s of %s", p.Name, partitionName(tx, p.VIOS))
		}
	})
	fcmap := func(peer bool) func(o model.Object) {
		return func(o model.Object) {
			m := o.(*model.FCMapping)
			if peer && client != "" && m.Client == client {
				return
			}
			for _, x := range m.WWPNs {
				if by == "" && strings.EqualFold(x, w) {
					by = fmt.Sprintf("the virtual Fibre Channel adapter of %s (slot %d)", partitionName(tx, m.Client), m.ClientSlot)
				}
			}
		}
	}
	tx.Each(model.KindFCMap, fcmap(false))
	if f, ok := tx.(Fleet); ok {
		f.EachPeer(model.KindFCMap, func(o model.Object, _ *model.ManagedSystem) { fcmap(true)(o) })
	}
	tx.Each(model.KindSANArray, func(o model.Object) {
		a := o.(*model.SANArray)
		if a.UUID == skip {
			return
		}
		for i, p := range a.Ports {
			if by == "" && p.WWPN == w {
				by = fmt.Sprintf("target port %d of array %s", i, a.Name)
			}
		}
	})
	return by
}

func partitionName(tx Tx, id string) string {
	if p, label := partitionAny(tx, id); p != nil {
		return label
	}
	return id
}

// HostWWPNs returns the initiators of a host definition: its WWPNs, and
// those of the VIOS or partition it follows.
func HostWWPNs(tx Tx, h model.SANHost) []string {
	out := append([]string(nil), h.WWPNs...)
	if h.VIOS != "" {
		if v := partitionNamed(tx, h.VIOS); v != nil {
			eachOf(tx, v.UUID, model.KindFCPort, func(o model.Object) {
				if p := o.(*model.FCPort); p.VIOS == v.UUID {
					out = append(out, strings.ToLower(p.WWPN))
				}
			})
		}
	}
	if h.Partition != "" {
		if c := partitionNamed(tx, h.Partition); c != nil {
			eachOf(tx, c.UUID, model.KindFCMap, func(o model.Object) {
				if m := o.(*model.FCMapping); m.Client == c.UUID {
					for _, w := range m.WWPNs {
						out = append(out, strings.ToLower(w))
					}
				}
			})
		}
	}
	sort.Strings(out)
	return out
}

// eachOf calls fn for the objects of a kind of the system that has the
// partition uuid: the transaction's, or in a fleet another's.
func eachOf(tx Tx, uuid string, k model.ObjKind, fn func(model.Object)) {
	if tx.Partition(uuid) != nil {
		tx.Each(k, fn)
		return
	}
	if f, ok := tx.(Fleet); ok {
		if _, sys := f.PeerPartition(uuid); sys != nil {
			f.EachPeer(k, func(o model.Object, s *model.ManagedSystem) {
				if s.UUID == sys.UUID {
					fn(o)
				}
			})
		}
	}
}

// partitionNamed finds a partition by name (or UUID): the transaction's
// system's, or by UUID another's of its fleet.
func partitionNamed(tx Tx, name string) *model.Partition {
	if p := tx.Partition(name); p != nil {
		return p
	}
	if p := tx.Partition(strings.ToUpper(name)); p != nil {
		return p
	}
	var out *model.Partition
	tx.Each(model.KindPartition, func(o model.Object) {
		if p := o.(*model.Partition); out == nil && p.Name == name {
			out = p
		}
	})
	if out == nil {
		out, _ = partitionAny(tx, name)
	}
	return out
}

// initiatorOwner finds what has a WWPN as an initiator: a VIOS (its
// physical port) or a client partition (its virtual FC adapter), on any
// system of the SAN.
func initiatorOwner(tx Tx, w string) (vios, client *model.Partition) {
	eachAll(tx, model.KindFCPort, func(o model.Object) {
		if p := o.(*model.FCPort); vios == nil && strings.EqualFold(p.WWPN, w) {
			vios, _ = partitionAny(tx, p.VIOS)
		}
	})
	eachAll(tx, model.KindFCMap, func(o model.Object) {
		m := o.(*model.FCMapping)
		for _, x := range m.WWPNs {
			if client == nil && strings.EqualFold(x, w) {
				client, _ = partitionAny(tx, m.Client)
			}
		}
	})
	return vios, client
}

// hostHas tells whether a host definition has an initiator, whose owners
// initiatorOwner found.
func hostHas(h model.SANHost, w string, vios, client *model.Partition) bool {
	if containsStr(h.WWPNs, w) {
		return true
	}
	if h.VIOS != "" && vios != nil && (strings.EqualFold(h.VIOS, vios.UUID) || h.VIOS == vios.Name) {
		return true
	}
	return h.Partition != "" && client != nil && (strings.EqualFold(h.Partition, client.UUID) || h.Partition == client.Name)
}

// ---- Fibre Channel paths ----------------------------------------------------

// Zoned tells whether two WWPNs see each other on a fabric.
func Zoned(f *model.SANFabric, a, b string) bool {
	if len(f.Zones) == 0 {
		return true
	}
	for _, z := range f.Zones {
		if containsStr(z.Members, a) && containsStr(z.Members, b) {
			return true
		}
	}
	return false
}

// Path is a way an initiator reaches a volume: through a target port of
// the volume's array, as a LUN number.
type Path struct {
	LUN       *model.SANLUN
	Array     *model.SANArray
	Target    string // target port WWPN
	LUNNumber int
}

// FCPaths returns the paths of an initiator logged into a fabric: for
// each target port of each array on that fabric zoned with it, the
// volumes mapped to a host the initiator is part of. Sorted by target and
// LUN number.
func FCPaths(tx Tx, initiator, fabric string) []Path {
	initiator = strings.ToLower(initiator)
	f := FabricByName(tx, fabric)
	if f == nil {
		return nil
	}
	luns := LUNs(tx)
	vios, client := initiatorOwner(tx, initiator)
	var out []Path
	for _, a := range Arrays(tx) {
		var hosts []string
		for _, h := range a.Hosts {
			if hostHas(h, initiator, vios, client) {
				hosts = append(hosts, h.Name)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		for _, port := range a.Ports {
			if port.Fabric != f.Name || !Zoned(f, initiator, port.WWPN) {
				continue
			}
			for _, l := range luns {
				if l.Array != a.UUID {
					continue
				}
				for _, lh := range l.Hosts {
					if containsStr(hosts, lh.Host) {
						out = append(out, Path{LUN: l, Array: a, Target: port.WWPN, LUNNumber: lh.LUN})
						break
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Target != out[j].Target {
			return out[i].Target < out[j].Target
		}
		return out[i].LUNNumber < out[j].LUNNumber
	})
	return out
}

// TargetsSeen returns the target ports an initiator logged into a fabric
// sees (zoned), whether or not they give it volumes.
func TargetsSeen(tx Tx, initiator, fabric string) []string {
	initiator = strings.ToLower(initiator)
	f := FabricByName(tx, fabric)
	if f == nil {
		return nil
	}
	var out []string
	for _, a := range Arrays(tx) {
		for _, port := range a.Ports {
			if port.Fabric == f.Name && Zoned(f, initiator, port.WWPN) {
				out = append(out, port.WWPN)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ---- identifiers ------------------------------------------------------------

// UDID is the unique ID a VIOS gives the disk of a volume (VolumeUniqueID):
// for an MPIO FC disk "33213", the NAA designator, "04", the product and
// "03IBMfcp"; for an iSCSI disk the same with "03IBMiscsi".
func UDID(tx Tx, l *model.SANLUN) string {
	product, transport := "2145", "fcp"
	if l.FC() {
		if a, _ := tx.Get(model.KindSANArray, l.Array).(*model.SANArray); a != nil && a.Product != "" {
			product = a.Product
		}
	} else {
		product, transport = "ISCS", "iscsi"
	}
	return "33213" + l.NAA + "04" + product + "03IBM" + transport
}

// Description is what lsdev and the REST API call the disk of a volume.
func Description(tx Tx, l *model.SANLUN) string {
	if !l.FC() {
		return "MPIO iSCSI Disk Drive"
	}
	vendor, product := "IBM", "2145"
	if a, _ := tx.Get(model.KindSANArray, l.Array).(*model.SANArray); a != nil {
		vendor, product = orStr(a.Vendor, vendor), orStr(a.Model, orStr(a.Product, product))
	}
	return fmt.Sprintf("MPIO %s %s FC Disk", vendor, product)
}

// InitiatorIQN is the iSCSI initiator name of a VIOS (its
// iscsi0 initiator_name).
func InitiatorIQN(sys *model.ManagedSystem, v *model.Partition) string {
	return fmt.Sprintf("iqn.1986-03.com.ibm:%s.%s.%d", strings.ToLower(sys.Serial), strings.ToLower(sanitize(v.Name)), v.ID)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LUNAddress is a LUN number as the VIOS writes it in location codes and
// ITLs (SAM-style: the number in the first two bytes, 16 hex digits).
func LUNAddress(n int) string {
	s := fmt.Sprintf("%x", n)
	if len(s) == 8 {
		return s + "00000000"
	}
	return s + "000000000000"
}

// LocationLUN is a LUN number as location codes end (-L0, -L1000000000000).
func LocationLUN(n int) string {
	if n == 0 {
		return "0"
	}
	return LUNAddress(n)
}

// ParseLUNAddress reads a LUN address (as pypowervm's normalize_lun
// writes it, or a plain number) back into a LUN number.
func ParseLUNAddress(s string) (int, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if s == "" || !isHex(s) {
		return 0, false
	}
	var hexPart string
	switch {
	case len(s) > 12 && strings.HasSuffix(s, "000000000000") && len(s) <= 16:
		hexPart = s[:len(s)-12]
	case len(s) == 16 && strings.HasSuffix(s, "00000000"):
		hexPart = s[:8]
	case len(s) <= 4:
		hexPart = s
	default:
		return 0, false
	}
	var n int
	if _, err := fmt.Sscanf(hexPart, "%x", &n); err != nil {
		return 0, false
	}
	return n, true
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func orStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// hexID derives n upper-case hex digits from parts (stable for the same parts).
func hexID(n int, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	s := hex.EncodeToString(h[:])
	for len(s) < n {
		h = sha256.Sum256([]byte(s))
		s += hex.EncodeToString(h[:])
	}
	return strings.ToUpper(s[:n])
}

// newUUID makes an object's UUID: derived from seed parts when given (the
// inventory's objects get the same UUIDs each time it is seeded), random
// otherwise.
func newUUID(seed []string) string {
	if len(seed) > 0 {
		return uuid.NewMD5(uuid.NameSpaceOID, []byte("san/"+strings.Join(seed, "/"))).String()
	}
	return uuid.NewString()
}
