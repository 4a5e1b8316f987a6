package core

import (
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Storage operations: the VIOS device tree (internal/sim/vios) changed
// through the single writer. The REST API and the ioscli commands reach
// the same objects through these.

func (tx *Tx) viosPartition(uuid, etag string) (*model.Partition, error) {
	v, err := vios.Ready(tx, uuid)
	if err != nil {
		return nil, err
	}
	if etag != "" && etag != EtagOf(v.Rev) {
		return nil, model.Stale(v.Name)
	}
	return v, nil
}

func (tx *Tx) pool(uuid string) (*model.SharedStoragePool, error) {
	ssp, _ := tx.Get(model.KindSSP, uuid).(*model.SharedStoragePool)
	if ssp == nil {
		return nil, model.ErrNoObject("SharedStoragePool", uuid)
	}
	return ssp, nil
}

// PoolByTier finds the pool of a tier UUID.
func PoolByTier(st *model.State, tier string) *model.SharedStoragePool {
	var out *model.SharedStoragePool
	st.Each(model.KindSSP, func(o model.Object) {
		if s := o.(*model.SharedStoragePool); strings.EqualFold(s.TierUUID, tier) {
			out = s
		}
	})
	return out
}

// CreateLU makes a logical unit in a pool (a linked clone when
// spec.ClonedFrom names an image LU).
func (c *Core) CreateLU(a Actor, sspUUID string, spec vios.LUSpec) (*model.LogicalUnit, error) {
	var out *model.LogicalUnit
	err := c.Apply(a, func(tx *Tx) error {
		ssp, err := tx.pool(sspUUID)
		if err != nil {
			return err
		}
		if err := vios.ClusterReady(tx, ssp); err != nil {
			return err
		}
		out, err = vios.CreateLU(tx, ssp, spec)
		return err
	})
	return out, err
}

// UpdateLU grows a logical unit.
func (c *Core) UpdateLU(a Actor, uuid, etag string, sizeMB int) (*model.LogicalUnit, error) {
	var out *model.LogicalUnit
	err := c.Apply(a, func(tx *Tx) error {
		lu, _ := tx.Get(model.KindLU, uuid).(*model.LogicalUnit)
		if lu == nil {
			return model.ErrNoObject("LogicalUnit", uuid)
		}
		if etag != "" && etag != EtagOf(lu.Rev) {
			return model.Stale(lu.Name)
		}
		ssp, err := tx.pool(lu.SSP)
		if err != nil {
			return err
		}
		if err := vios.ClusterReady(tx, ssp); err != nil {
			return err
		}
		out, err = vios.ResizeLU(tx, lu, sizeMB)
		return err
	})
	return out, err
}

// DeleteLU removes a logical unit that is not mapped and has no clones.
func (c *Core) DeleteLU(a Actor, uuid, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		lu, _ := tx.Get(model.KindLU, uuid).(*model.LogicalUnit)
		if lu == nil {
			return model.ErrNoObject("LogicalUnit", uuid)
		}
		if etag != "" && etag != EtagOf(lu.Rev) {
			return model.Stale(lu.Name)
		}
		ssp, err := tx.pool(lu.SSP)
		if err != nil {
			return err
		}
		if err := vios.ClusterReady(tx, ssp); err != nil {
			return err
		}
		return vios.RemoveLU(tx, lu)
	})
}

// LUWant is a logical unit in a pool's wanted list: an existing one (UDID
// set) or a new one.
type LUWant struct {
	UDID string
	vios.LUSpec
}

// UpdatePoolLUs makes a pool's logical units the wanted list (a POST of
// the SharedStoragePool): LUs left out are removed, new ones made, larger
// capacities grow existing ones.
func (c *Core) UpdatePoolLUs(a Actor, sspUUID, etag string, want []LUWant) (*model.SharedStoragePool, error) {
	var out *model.SharedStoragePool
	err := c.Apply(a, func(tx *Tx) error {
		ssp, err := tx.pool(sspUUID)
		if err != nil {
			return err
		}
		if etag != "" && etag != EtagOf(ssp.Rev) {
			return model.Stale(ssp.Name)
		}
		keep := map[string]LUWant{}
		var add []LUWant
		for _, w := range want {
			if w.UDID == "" {
				add = append(add, w)
				continue
			}
			lu := vios.LUByUDID(tx, w.UDID)
			if lu == nil || lu.SSP != ssp.UUID {
				return model.ErrNoObject("LogicalUnit", w.UDID+" in pool "+ssp.Name)
			}
			keep[lu.UUID] = w
		}
		changed := len(add) > 0
		for _, lu := range vios.LUs(tx, ssp.UUID) {
			w, ok := keep[lu.UUID]
			if !ok {
				changed = true
				continue
			}
			if w.CapacityMB > lu.CapacityMB {
				changed = true
			}
		}
		if !changed {
			out = ssp
			return nil
		}
		if err := vios.ClusterReady(tx, ssp); err != nil {
			return err
		}
		// Removals first (a clone before its image), then growth, then
		// the new ones, so that freed space can be used.
		lus := vios.LUs(tx, ssp.UUID)
		for pass := 0; pass < 2; pass++ {
			for _, lu := range lus {
				if _, ok := keep[lu.UUID]; ok || tx.Get(model.KindLU, lu.UUID) == nil {
					continue
				}
				if pass == 0 && len(vios.ClonesOf(tx, lu)) > 0 {
					continue
				}
				if err := vios.RemoveLU(tx, lu); err != nil {
					return err
				}
			}
		}
		for _, lu := range lus {
			if w, ok := keep[lu.UUID]; ok && w.CapacityMB > lu.CapacityMB {
				if _, err := vios.ResizeLU(tx, lu, w.CapacityMB); err != nil {
					return err
				}
			}
		}
		for _, w := range add {
			if _, err := vios.CreateLU(tx, ssp, w.LUSpec); err != nil {
				return err
			}
		}
		out = tx.Get(model.KindSSP, ssp.UUID).(*model.SharedStoragePool)
		return nil
	})
	if err == nil && out != nil {
		c.Read(func(st *model.State) {
			if o, ok := st.Get(model.KindSSP, sspUUID).(*model.SharedStoragePool); ok {
				out = o
			}
		})
	}
	return out, err
}

// ---- volume groups ------------------------------------------------------

// LVWant is a logical volume in a volume group's wanted list.
type LVWant struct {
	Name       string
	UDID       string
	CapacityMB int
	Label      string
}

// MediaWant is an optical media in the repository's wanted list.
type MediaWant struct {
	Name      string
	SizeMB    int
	MountType string
}

// RepositoryWant is the wanted virtual media repository.
type RepositoryWant struct {
	Name   string
	SizeMB int
	Media  []MediaWant
}

// VGWant is a volume group as a POST wants it.
type VGWant struct {
	LVs        []LVWant
	Repository *RepositoryWant // nil: none
}

// CreateVolumeGroup makes a volume group on a VIOS over free disks
// (named hdiskN or by UDID).
func (c *Core) CreateVolumeGroup(a Actor, viosUUID, name string, disks []string) (*model.VolumeGroup, error) {
	var out *model.VolumeGroup
	err := c.Apply(a, func(tx *Tx) error {
		v, err := tx.viosPartition(viosUUID, "")
		if err != nil {
			return err
		}
		var pvs []*model.PhysicalVolume
		for _, d := range disks {
			pv := findPV(tx, v, d)
			if pv == nil {
				return model.ErrNoObject("PhysicalVolume", d+" on "+v.Name)
			}
			pvs = append(pvs, pv)
		}
		out, err = vios.CreateVG(tx, v, name, pvs)
		return err
	})
	return out, err
}

func findPV(tx vios.Tx, v *model.Partition, key string) *model.PhysicalVolume {
	for _, p := range vios.PVs(tx, v.UUID) {
		if p.Name == key || strings.EqualFold(p.UDID, key) || p.UUID == key {
			return p
		}
	}
	return nil
}

// DeleteVolumeGroup removes an empty volume group.
func (c *Core) DeleteVolumeGroup(a Actor, viosUUID, uuid, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		vg, _ := tx.Get(model.KindVG, uuid).(*model.VolumeGroup)
		if vg == nil || !strings.EqualFold(vg.VIOS, viosUUID) {
			return model.ErrNoObject("VolumeGroup", uuid)
		}
		if etag != "" && etag != EtagOf(vg.Rev) {
			return model.Stale(vg.Name)
		}
		if _, err := tx.viosPartition(vg.VIOS, ""); err != nil {
			return err
		}
		return vios.RemoveVG(tx, vg)
	})
}

// UpdateVolumeGroup makes a volume group's logical volumes and media
// repository the wanted ones (a POST of the VolumeGroup): LVs and media
// left out are removed, new ones made, larger LVs grown; a repository
// appears or goes.
func (c *Core) UpdateVolumeGroup(a Actor, viosUUID, uuid, etag string, want VGWant) (*model.VolumeGroup, error) {
	err := c.Apply(a, func(tx *Tx) error {
		vg, _ := tx.Get(model.KindVG, uuid).(*model.VolumeGroup)
		if vg == nil || !strings.EqualFold(vg.VIOS, viosUUID) {
			return model.ErrNoObject("VolumeGroup", uuid)
		}
		if etag != "" && etag != EtagOf(vg.Rev) {
			return model.Stale(vg.Name)
		}
		v := tx.Partition(vg.VIOS)
		// Work out the changes before asking the VIOS, so that a POST
		// that changes nothing works while it is down.
		cur := vios.LVs(tx, vg.UUID)
		byName := map[string]*model.LogicalVolume{}
		for _, l := range cur {
			byName[l.Name] = l
		}
		seen := map[string]bool{}
		type grow struct {
			lv *model.LogicalVolume
			mb int
		}
		var grows []grow
		var adds []LVWant
		for _, w := range want.LVs {
			l := byName[w.Name]
			if l == nil && w.UDID != "" {
				for _, x := range cur {
					if strings.EqualFold(x.UDID, w.UDID) {
						l = x
					}
				}
			}
			if l == nil {
				adds = append(adds, w)
				continue
			}
			if seen[l.UUID] {
				return model.Invalid("The logical volume %s is listed twice.", l.Name)
			}
			seen[l.UUID] = true
			if w.CapacityMB > l.CapacityMB {
				grows = append(grows, grow{l, w.CapacityMB})
			}
		}
		var dels []*model.LogicalVolume
		for _, l := range cur {
			if !seen[l.UUID] {
				dels = append(dels, l)
			}
		}
		repoNow := vg.RepositoryMB > 0
		var mediaAdds []MediaWant
		var mediaDels []*model.OpticalMedia
		repoCreate, repoRemove, repoResize := false, false, 0
		if want.Repository != nil {
			if repoNow && want.Repository.SizeMB > 0 && want.Repository.SizeMB != vg.RepositoryMB {
				repoResize = want.Repository.SizeMB
			}
			if !repoNow {
				if r := vios.Repository(tx, vg.VIOS); r != nil {
					return model.Refused("The Virtual I/O Server already has a virtual media repository in volume group %s.", r.Name)
				}
				repoCreate = true
			}
			have := map[string]*model.OpticalMedia{}
			if repoNow {
				for _, m := range vios.Media(tx, vg.VIOS) {
					have[m.Name] = m
				}
			}
			keep := map[string]bool{}
			for _, m := range want.Repository.Media {
				if have[m.Name] != nil {
					keep[m.Name] = true
					continue
				}
				mediaAdds = append(mediaAdds, m)
			}
			for name, m := range have {
				if !keep[name] {
					mediaDels = append(mediaDels, m)
				}
			}
		} else if repoNow {
			repoRemove = true
		}
		if len(adds)+len(grows)+len(dels)+len(mediaAdds)+len(mediaDels) == 0 && !repoCreate && !repoRemove && repoResize == 0 {
			return nil
		}
		if _, err := tx.viosPartition(vg.VIOS, ""); err != nil {
			return err
		}
		for _, l := range dels {
			if err := vios.RemoveLV(tx, l); err != nil {
				return err
			}
		}
		for _, m := range mediaDels {
			if err := vios.RemoveMedia(tx, m); err != nil {
				return err
			}
		}
		if repoRemove {
			if err := vios.RemoveRepository(tx, vg.VIOS, true); err != nil {
				return err
			}
		}
		for _, g := range grows {
			if _, err := vios.ResizeLV(tx, g.lv, g.mb); err != nil {
				return err
			}
		}
		if repoResize > 0 {
			g := tx.Get(model.KindVG, vg.UUID).(*model.VolumeGroup)
			if err := vios.ResizeRepository(tx, g, repoResize); err != nil {
				return err
			}
		}
		for _, w := range adds {
			g := tx.Get(model.KindVG, vg.UUID).(*model.VolumeGroup)
			if _, err := vios.CreateLV(tx, g, w.Name, w.CapacityMB, w.Label); err != nil {
				return err
			}
		}
		if repoCreate {
			g := tx.Get(model.KindVG, vg.UUID).(*model.VolumeGroup)
			size := want.Repository.SizeMB
			if size <= 0 {
				size = 1024
			}
			if err := vios.CreateRepository(tx, g, size); err != nil {
				return err
			}
		}
		for _, m := range mediaAdds {
			if _, err := vios.AddMedia(tx, v, m.Name, m.SizeMB, m.MountType, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out *model.VolumeGroup
	c.Read(func(st *model.State) { out, _ = st.Get(model.KindVG, uuid).(*model.VolumeGroup) })
	return out, nil
}

// ---- mappings -------------------------------------------------------------

// UpdateSCSIMappings makes a VIOS's vSCSI mappings the wanted list (a POST
// of the VIOS with ?group=ViosSCSIMapping): mappings left out are removed
// (their adapter pair too when nothing else uses it), new ones made on the
// client's adapter pair or a new one.
func (c *Core) UpdateSCSIMappings(a Actor, viosUUID, etag string, want []vios.SCSISpec) error {
	return c.Apply(a, func(tx *Tx) error {
		v := tx.Partition(viosUUID)
		if v == nil || !v.IsVIOS() {
			return model.ErrNoObject("VirtualIOServer", viosUUID)
		}
		if etag != "" && etag != EtagOf(v.Rev) {
			return model.Stale(v.Name)
		}
		cur := vios.SCSIMappings(tx, v.UUID)
		matched := map[string]bool{}
		var adds []vios.SCSISpec
		for _, w := range want {
			var hit *model.SCSIMapping
			for _, m := range cur {
				if !matched[m.UUID] && scsiMatches(m, w) {
					hit = m
					break
				}
			}
			if hit == nil {
				adds = append(adds, w)
				continue
			}
			matched[hit.UUID] = true
		}
		if len(adds) == 0 && len(matched) == len(cur) {
			return nil
		}
		if _, err := vios.Ready(tx, v.UUID); err != nil {
			return err
		}
		for _, m := range cur {
			if !matched[m.UUID] {
				if err := vios.UnmapSCSI(tx, m, false); err != nil {
					return err
				}
			}
		}
		for _, w := range adds {
			if _, err := vios.MapSCSI(tx, tx.Partition(v.UUID), w); err != nil {
				return err
			}
		}
		return nil
	})
}

// scsiMatches tells whether a wanted mapping is an existing one.
func scsiMatches(m *model.SCSIMapping, w vios.SCSISpec) bool {
	if !strings.EqualFold(m.Client, w.Client) || m.Backing != w.Backing || !strings.EqualFold(m.BackingID, w.BackingID) {
		return false
	}
	if w.ServerSlot != 0 && w.ServerSlot != m.ServerSlot || w.ClientSlot != 0 && w.ClientSlot != m.ClientSlot {
		return false
	}
	return w.Target == "" || w.Target == m.Target
}

// FCWant is a vFC mapping in a VIOS's wanted list.
type FCWant = vios.FCSpec

// UpdateFCMappings makes a VIOS's vFC mappings the wanted list (a POST of
// the VIOS with ?group=ViosFCMapping): mappings left out are removed, new
// ones made (with WWPNs when the client gave none), and a port given to a
// mapping that had none or another.
func (c *Core) UpdateFCMappings(a Actor, viosUUID, etag string, want []FCWant) error {
	return c.Apply(a, func(tx *Tx) error {
		v := tx.Partition(viosUUID)
		if v == nil || !v.IsVIOS() {
			return model.ErrNoObject("VirtualIOServer", viosUUID)
		}
		if etag != "" && etag != EtagOf(v.Rev) {
			return model.Stale(v.Name)
		}
		cur := vios.FCMappings(tx, v.UUID)
		matched := map[string]bool{}
		type report struct {
			m    *model.FCMapping
			port string
		}
		var adds []FCWant
		var reports []report
		for _, w := range want {
			var hit *model.FCMapping
			for _, m := range cur {
				if !matched[m.UUID] && fcMatches(m, w) {
					hit = m
					break
				}
			}
			if hit == nil {
				adds = append(adds, w)
				continue
			}
			matched[hit.UUID] = true
			if w.Port != "" && w.Port != hit.Port {
				reports = append(reports, report{hit, w.Port})
			}
		}
		if len(adds) == 0 && len(reports) == 0 && len(matched) == len(cur) {
			return nil
		}
		if _, err := vios.Ready(tx, v.UUID); err != nil {
			return err
		}
		for _, m := range cur {
			if !matched[m.UUID] {
				if err := vios.UnmapFC(tx, m); err != nil {
					return err
				}
			}
		}
		for _, r := range reports {
			if err := vios.PortFC(tx, v, r.m, r.port); err != nil {
				return err
			}
		}
		for _, w := range adds {
			if _, err := vios.MapFC(tx, v, w); err != nil {
				return err
			}
		}
		return nil
	})
}

func fcMatches(m *model.FCMapping, w FCWant) bool {
	if !strings.EqualFold(m.Client, w.Client) {
		return false
	}
	if w.ServerSlot != 0 && w.ServerSlot != m.ServerSlot || w.ClientSlot != 0 && w.ClientSlot != m.ClientSlot {
		return false
	}
	if len(w.WWPNs) == 0 {
		// No WWPNs: the same client on the same port (or both without).
		return w.ServerSlot != 0 || w.Port == m.Port
	}
	if len(w.WWPNs) > 0 {
		if len(w.WWPNs) != len(m.WWPNs) {
			return false
		}
		for i := range w.WWPNs {
			if !strings.EqualFold(w.WWPNs[i], m.WWPNs[i]) {
				return false
			}
		}
	}
	return true
}

// NextWWPNs returns n pairs of WWPNs no adapter uses (the ManagedSystem's
// next-WWPNs job): what the next vFC client adapters would get.
func (c *Core) NextWWPNs(n int) ([]string, error) {
	if n < 1 || n > 8 {
		return nil, model.Invalid("The number of WWPN pairs requested must be from 1 to 8, not %d.", n)
	}
	var out []string
	c.wr.mu.Lock()
	defer c.wr.mu.Unlock()
	tx := &Tx{c: c, st: c.w, now: c.clock.Now()}
	out = vios.FreeWWPNs(tx, 2*n)
	return out, nil
}
