// Package vios is the simulated Virtual I/O Server: its storage device
// tree (physical volumes, volume groups and logical volumes, the virtual
// media repository, the shared storage pool's logical units, server
// adapters, vSCSI and vFC mappings, FC ports), with the capacity rules and
// the naming and slot allocation a real VIOS applies, and (ioscli.go) its
// command line. It works on the core's transaction through Tx, so that a
// LU made with "lu -create" is the LU the REST API and pvmctl show.
package vios

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// Tx is what the VIOS needs from a core transaction.
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
	// Nums is a set of numbers in use (virtual slots, device names) as
	// staged.
	Nums(k model.NumKey) model.NumView
	// PoolHeldMB is what a pool's logical units hold, as staged.
	PoolHeldMB(ssp string) int
}

// indexed returns the objects of type T listed under key in an index.
func indexed[T model.Object](tx Tx, ix model.Index, key string) []T {
	var out []T
	tx.EachBy(ix, key, func(o model.Object) {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	})
	return out
}

// ---- queries -------------------------------------------------------

func collect[T model.Object](tx Tx, k model.ObjKind, keep func(T) bool) []T {
	var out []T
	tx.Each(k, func(o model.Object) {
		if v, ok := o.(T); ok && (keep == nil || keep(v)) {
			out = append(out, v)
		}
	})
	return out
}

// PVs returns a VIOS's physical volumes by name.
func PVs(tx Tx, vios string) []*model.PhysicalVolume {
	out := collect(tx, model.KindPV, func(p *model.PhysicalVolume) bool { return p.VIOS == vios })
	sort.Slice(out, func(i, j int) bool { return devLess(out[i].Name, out[j].Name) })
	return out
}

// PVByName finds a VIOS's hdisk.
func PVByName(tx Tx, vios, name string) *model.PhysicalVolume {
	for _, p := range PVs(tx, vios) {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// VGs returns a VIOS's volume groups by name.
func VGs(tx Tx, vios string) []*model.VolumeGroup {
	out := collect(tx, model.KindVG, func(v *model.VolumeGroup) bool { return v.VIOS == vios })
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// VGByName finds a VIOS's volume group.
func VGByName(tx Tx, vios, name string) *model.VolumeGroup {
	for _, v := range VGs(tx, vios) {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// LVs returns the logical volumes of a volume group by name.
func LVs(tx Tx, vg string) []*model.LogicalVolume {
	out := collect(tx, model.KindLV, func(l *model.LogicalVolume) bool { return l.VG == vg })
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LVByName finds a logical volume of a VIOS.
func LVByName(tx Tx, vios, name string) *model.LogicalVolume {
	for _, l := range collect(tx, model.KindLV, func(l *model.LogicalVolume) bool { return l.VIOS == vios && l.Name == name }) {
		return l
	}
	return nil
}

// VGCapacityMB is the sum of a volume group's disks.
func VGCapacityMB(tx Tx, vg *model.VolumeGroup) int {
	total := 0
	for _, id := range vg.PVs {
		if o := tx.Get(model.KindPV, id); o != nil {
			total += o.(*model.PhysicalVolume).CapacityMB
		}
	}
	return total
}

// VGFreeMB is what a volume group has left: its disks less the VIOS's own
// use, the logical volumes and the media repository.
func VGFreeMB(tx Tx, vg *model.VolumeGroup) int {
	free := VGCapacityMB(tx, vg) - vg.ReservedMB - vg.RepositoryMB
	for _, l := range LVs(tx, vg.UUID) {
		free -= l.CapacityMB
	}
	return free
}

// Repository returns the VIOS's volume group holding the media repository.
func Repository(tx Tx, vios string) *model.VolumeGroup {
	for _, v := range VGs(tx, vios) {
		if v.RepositoryMB > 0 {
			return v
		}
	}
	return nil
}

// Media returns a VIOS's optical media by name.
func Media(tx Tx, vios string) []*model.OpticalMedia {
	out := collect(tx, model.KindMedia, func(m *model.OpticalMedia) bool { return m.VIOS == vios })
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MediaByName finds an optical media of a VIOS.
func MediaByName(tx Tx, vios, name string) *model.OpticalMedia {
	for _, m := range Media(tx, vios) {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// RepositoryFreeMB is what the media repository has left.
func RepositoryFreeMB(tx Tx, vios string) int {
	r := Repository(tx, vios)
	if r == nil {
		return 0
	}
	free := r.RepositoryMB
	for _, m := range Media(tx, vios) {
		free -= m.SizeMB
	}
	return free
}

// SSPs returns the shared storage pools.
func SSPs(tx Tx) []*model.SharedStoragePool {
	out := collect[*model.SharedStoragePool](tx, model.KindSSP, nil)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SSPByName finds a pool.
func SSPByName(tx Tx, name string) *model.SharedStoragePool {
	for _, s := range SSPs(tx) {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Cluster returns the cluster of a pool.
func ClusterOf(tx Tx, ssp *model.SharedStoragePool) *model.Cluster {
	if o := tx.Get(model.KindCluster, ssp.Cluster); o != nil {
		return o.(*model.Cluster)
	}
	return nil
}

// LUs returns a pool's logical units by name.
func LUs(tx Tx, ssp string) []*model.LogicalUnit {
	out := collect(tx, model.KindLU, func(l *model.LogicalUnit) bool { return l.SSP == ssp })
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].UUID < out[j].UUID
	})
	return out
}

// LUByName finds a pool's logical units of a name (names need not be
// unique in a pool; UDIDs are).
func LUByName(tx Tx, ssp, name string) []*model.LogicalUnit {
	out := indexed[*model.LogicalUnit](tx, model.LUByName, model.LUNameKey(ssp, name))
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out
}

// LUByUDID finds a logical unit by its UDID (full or the 32-digit form).
func LUByUDID(tx Tx, udid string) *model.LogicalUnit {
	var found *model.LogicalUnit
	for _, l := range indexed[*model.LogicalUnit](tx, model.LUByUDID, model.UDIDKey(udid)) {
		if found == nil || l.UUID < found.UUID {
			found = l
		}
	}
	return found
}

// PoolCapacityMB is the sum of the pool's disks less its metadata.
func PoolCapacityMB(tx Tx, ssp *model.SharedStoragePool) int {
	total := 0
	seen := map[string]bool{}
	for _, p := range collect[*model.PhysicalVolume](tx, model.KindPV, nil) {
		if seen[p.UDID] || !containsStr(ssp.PVs, p.UDID) {
			continue
		}
		seen[p.UDID] = true
		total += p.CapacityMB
	}
	return total - ssp.OverheadMB
}

// PoolUsedMB is what the pool's LUs hold (thick LUs whole, thin ones what
// they wrote).
func PoolUsedMB(tx Tx, ssp *model.SharedStoragePool) int {
	return tx.PoolHeldMB(ssp.UUID)
}

// PoolFreeMB is the pool's free space.
func PoolFreeMB(tx Tx, ssp *model.SharedStoragePool) int {
	return PoolCapacityMB(tx, ssp) - PoolUsedMB(tx, ssp)
}

// PoolProvisionedMB is the total size of the pool's LUs (thin LUs count
// whole: the difference to capacity is the over-commit).
func PoolProvisionedMB(tx Tx, ssp *model.SharedStoragePool) int {
	total := 0
	for _, l := range LUs(tx, ssp.UUID) {
		total += l.CapacityMB
	}
	return total
}

// OverCommitMB is how far the LUs' sizes exceed the pool's capacity (0
// when they fit).
func OverCommitMB(tx Tx, ssp *model.SharedStoragePool) int {
	if d := PoolProvisionedMB(tx, ssp) - PoolCapacityMB(tx, ssp); d > 0 {
		return d
	}
	return 0
}

// SCSIMappings returns a VIOS's vSCSI mappings, by vhost then target.
func SCSIMappings(tx Tx, vios string) []*model.SCSIMapping {
	out := indexed[*model.SCSIMapping](tx, model.SCSIByVIOS, vios)
	sortSCSI(out)
	return out
}

// sortSCSI orders mappings by server slot, then LUA.
func sortSCSI(out []*model.SCSIMapping) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].ServerSlot != out[j].ServerSlot {
			return out[i].ServerSlot < out[j].ServerSlot
		}
		if out[i].LUA != out[j].LUA {
			return out[i].LUA < out[j].LUA
		}
		return out[i].UUID < out[j].UUID
	})
}

// PairMappings returns the mappings of a VIOS's adapter pair (its server
// slot), by LUA.
func PairMappings(tx Tx, vios string, serverSlot int) []*model.SCSIMapping {
	out := indexed[*model.SCSIMapping](tx, model.SCSIByPair, model.PairKey(vios, serverSlot))
	sortSCSI(out)
	return out
}

// MappingsOf returns the mappings of a backing device (by UUID).
func MappingsOf(tx Tx, kind, id string) []*model.SCSIMapping {
	out := indexed[*model.SCSIMapping](tx, model.SCSIByBacking, model.BackingKey(kind, id))
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out
}

// FCMappings returns a VIOS's vFC mappings by server slot.
func FCMappings(tx Tx, vios string) []*model.FCMapping {
	out := indexed[*model.FCMapping](tx, model.FCByVIOS, vios)
	sort.Slice(out, func(i, j int) bool { return out[i].ServerSlot < out[j].ServerSlot })
	return out
}

// FCPorts returns a VIOS's physical FC ports by name.
func FCPorts(tx Tx, vios string) []*model.FCPort {
	out := collect(tx, model.KindFCPort, func(p *model.FCPort) bool { return p.VIOS == vios })
	sort.Slice(out, func(i, j int) bool { return devLess(out[i].Name, out[j].Name) })
	return out
}

// UsedSlots returns the virtual slots a partition uses: Ethernet
// adapters, vSCSI / vFC adapters on either side, and vNICs (slots 0 and 1,
// the virtual serial adapters', are always in use).
func UsedSlots(tx Tx, partition string) Slots {
	return Slots{tx.Nums(model.NumKey{Owner: partition})}
}

// Slots are the virtual slots a partition uses.
type Slots struct{ v model.NumView }

// Used tells whether a slot is in use.
func (s Slots) Used(slot int) bool { return slot == 0 || slot == 1 || s.v.Used(slot) }

// Highest is the highest slot in use (FirstUserSlot-1 when no user slot
// is).
func (s Slots) Highest() int { return max(s.v.Highest(), model.FirstUserSlot-1) }

// NextFree is the lowest free slot from FirstUserSlot.
func (s Slots) NextFree() int { return s.v.NextFree(model.FirstUserSlot) }

// FreeSlot returns the lowest free virtual slot of a partition (from
// model.FirstUserSlot), or above every used slot when high.
func FreeSlot(tx Tx, p *model.Partition, high bool) (int, error) {
	used := UsedSlots(tx, p.UUID)
	if high {
		if h := used.Highest(); h+1 < p.MaxVirtualSlots {
			return h + 1, nil
		}
	}
	if s := used.NextFree(); s < p.MaxVirtualSlots {
		return s, nil
	}
	return 0, model.Refused("Partition %s has no free virtual slot (maximum %d); raise MaximumVirtualIOSlots while it is off.", p.Name, p.MaxVirtualSlots)
}

// DeviceNameTaken reports whether a device of the VIOS has the name: AIX
// keeps disks, volume groups, logical volumes, adapters and target devices
// in one name space.
func DeviceNameTaken(tx Tx, vios, name string) bool {
	if name == "" {
		return false
	}
	taken := name == "caavg_private"
	check := func(k model.ObjKind, names func(model.Object) []string) {
		if taken {
			return
		}
		tx.Each(k, func(o model.Object) {
			for _, n := range names(o) {
				if n == name {
					taken = true
				}
			}
		})
	}
	check(model.KindPV, func(o model.Object) []string {
		if p := o.(*model.PhysicalVolume); p.VIOS == vios {
			return []string{p.Name}
		}
		return nil
	})
	check(model.KindVG, func(o model.Object) []string {
		if v := o.(*model.VolumeGroup); v.VIOS == vios {
			return []string{v.Name, v.RepositoryName}
		}
		return nil
	})
	check(model.KindLV, func(o model.Object) []string {
		if l := o.(*model.LogicalVolume); l.VIOS == vios {
			return []string{l.Name}
		}
		return nil
	})
	check(model.KindSCSIMap, func(o model.Object) []string {
		if m := o.(*model.SCSIMapping); m.VIOS == vios {
			return []string{m.VHost, m.Target}
		}
		return nil
	})
	check(model.KindFCMap, func(o model.Object) []string {
		if m := o.(*model.FCMapping); m.VIOS == vios {
			return []string{m.VFCHost}
		}
		return nil
	})
	check(model.KindFCPort, func(o model.Object) []string {
		if p := o.(*model.FCPort); p.VIOS == vios {
			return []string{p.Name}
		}
		return nil
	})
	check(model.KindAdapter, func(o model.Object) []string {
		if a := o.(*model.EthernetAdapter); a.Partition == vios {
			return []string{a.Device}
		}
		return nil
	})
	return taken
}

// ---- helpers -------------------------------------------------------

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// devLess orders device names naturally (hdisk2 < hdisk10).
func devLess(a, b string) bool {
	pa, na := splitDev(a)
	pb, nb := splitDev(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitDev(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}

// nextName returns prefix+N for the lowest N that no mapping of the VIOS
// has in the field names stands for (model.VHostNames, TargetNames).
func nextName(tx Tx, vios, prefix string, names func(string) string) string {
	return prefix + strconv.Itoa(tx.Nums(model.NumKey{Owner: vios, Name: names(prefix)}).NextFree(0))
}

// nextUnusedName returns prefix+N for the lowest N not in used.
func nextUnusedName(prefix string, used map[string]bool) string {
	for i := 0; ; i++ {
		if n := prefix + strconv.Itoa(i); !used[n] {
			return n
		}
	}
}

// NewUUID makes the lower-case UUIDs the VIOS objects get.
func NewUUID() string { return uuid.NewString() }

// newID is the UUID of a new object of an operation: the transaction's
// own source when it has one (the core's, seeded under pvmd --seed), else
// random.
func newID(tx Tx) string {
	if s, ok := tx.(interface{ NewUUID() string }); ok {
		return s.NewUUID()
	}
	return NewUUID()
}

// hexID derives n hex digits from parts (stable for the same parts).
func hexID(n int, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	s := hex.EncodeToString(h[:])
	for len(s) < n {
		h = sha256.Sum256([]byte(s))
		s += hex.EncodeToString(h[:])
	}
	return s[:n]
}

// errUnknown says a device does not exist on a VIOS.
func errUnknown(what, name string, vios *model.Partition) error {
	return model.ErrNoObject(what, fmt.Sprintf("%s on %s", name, vios.Name))
}
