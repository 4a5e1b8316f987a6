package rest

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
	"github.com/novalink-project/novalink/uom"
)

// Storage request bodies, read by element name in any order (read-only
// elements a client sends back are ignored): a new logical unit, a pool
// or volume group with its lists edited, a VIOS with its mapping lists
// edited. Capacities a client sends back unchanged (as rendered, GB with
// the decimals we write) keep the device's exact size.

// mbOfGB converts a GB capacity (as clients write them, up to 6
// decimals) to whole MB, rounding up.
func mbOfGB(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	gb, err := strconv.ParseFloat(s, 64)
	if err != nil || gb < 0 || math.IsNaN(gb) || math.IsInf(gb, 0) || gb > 1<<30 {
		return 0, model.Invalid("The value %q of %s is not a valid capacity in GB.", s, field)
	}
	return int(math.Ceil(gb*1024 - 1e-6)), nil
}

// sameGB tells whether a GB capacity a client sent back is the one
// rendered for mb (so that a round trip does not resize anything).
func sameGB(s string, mb, dp int) bool {
	got, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return false
	}
	shown, _ := strconv.ParseFloat(gbText(mb, dp), 64)
	return math.Abs(got-shown) < 0.5*math.Pow(10, -float64(dp))+1e-9
}

// textOf returns the trimmed text of a child element.
func textOf(el *uom.Element, path string) (string, bool) {
	v, ok := el.FindText(path)
	return strings.TrimSpace(v), ok
}

func boolOf(field, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, model.Invalid("The value %q of %s is not a boolean (true or false).", v, field)
}

// ---- logical units and pools ----

// luSpecFromXML reads a new logical unit (a PUT of Tier/<t>/LogicalUnit,
// or a LogicalUnit without UniqueDeviceID in a pool's list). Logical units
// are thin unless ThinDevice says otherwise.
func luSpecFromXML(el *uom.Element) (vios.LUSpec, error) {
	spec := vios.LUSpec{Thin: true}
	name, ok := textOf(el, "UnitName")
	if !ok || name == "" {
		return spec, model.Invalid("A new LogicalUnit needs a UnitName.")
	}
	spec.Name = name
	capText, ok := textOf(el, "UnitCapacity")
	if !ok || capText == "" {
		return spec, model.Invalid("The new LogicalUnit %s needs a UnitCapacity (GB).", name)
	}
	mb, err := mbOfGB("UnitCapacity", capText)
	if err != nil {
		return spec, err
	}
	spec.CapacityMB = mb
	if v, ok := textOf(el, "ThinDevice"); ok && v != "" {
		if spec.Thin, err = boolOf("ThinDevice", v); err != nil {
			return spec, err
		}
	}
	if v, ok := textOf(el, "LogicalUnitType"); ok {
		spec.Type = v
	}
	if v, ok := textOf(el, "ClonedFrom"); ok {
		spec.ClonedFrom = v
	}
	return spec, nil
}

// fitClone gives a linked clone its source's size when the client asked
// for the source's size as rendered (GB with two decimals, which may be a
// little less than the source).
func fitClone(st *model.State, el *uom.Element, spec *vios.LUSpec) {
	if spec.ClonedFrom == "" {
		return
	}
	src := vios.LUByUDID(readTx(st), spec.ClonedFrom)
	if src == nil || spec.CapacityMB >= src.CapacityMB {
		return
	}
	if t, _ := textOf(el, "UnitCapacity"); sameGB(t, src.CapacityMB, poolDP) {
		spec.CapacityMB = src.CapacityMB
	}
}

// luResizeFromXML reads the capacity a POST of a logical unit wants.
func luResizeFromXML(lu *model.LogicalUnit, el *uom.Element) (int, error) {
	if name, ok := textOf(el, "UnitName"); ok && name != "" && name != lu.Name {
		return 0, model.Invalid("The logical unit %s cannot be renamed (to %s).", lu.Name, name)
	}
	t, ok := textOf(el, "UnitCapacity")
	if !ok || t == "" || sameGB(t, lu.CapacityMB, poolDP) {
		return lu.CapacityMB, nil
	}
	return mbOfGB("UnitCapacity", t)
}

// poolLUsFromXML reads the LogicalUnits list of a pool POST: the logical
// units to keep (by UniqueDeviceID, possibly grown) and the new ones.
// listed is false when the body has no LogicalUnits (no change).
func (s *Server) poolLUsFromXML(ssp *model.SharedStoragePool, el *uom.Element) (want []core.LUWant, listed bool, err error) {
	list := el.Child("LogicalUnits")
	if list == nil {
		return nil, false, nil
	}
	want = []core.LUWant{}
	s.core.Read(func(st *model.State) {
		tx := readTx(st)
		for _, l := range list.ChildrenNamed("LogicalUnit") {
			udid, _ := textOf(l, "UniqueDeviceID")
			if udid == "" {
				spec, e := luSpecFromXML(l)
				if e != nil {
					err = e
					return
				}
				fitClone(st, l, &spec)
				want = append(want, core.LUWant{LUSpec: spec})
				continue
			}
			w := core.LUWant{UDID: udid}
			if lu := vios.LUByUDID(tx, udid); lu != nil {
				w.Name, w.CapacityMB = lu.Name, lu.CapacityMB
				if t, ok := textOf(l, "UnitCapacity"); ok && t != "" && !sameGB(t, lu.CapacityMB, poolDP) {
					if w.CapacityMB, err = mbOfGB("UnitCapacity", t); err != nil {
						return
					}
				}
			}
			want = append(want, w)
		}
	})
	return want, true, err
}

// ---- volume groups ----

// pvKey names a disk of a request as the core finds it: its hdisk name,
// its VolumeUniqueID, or the unique ID inside a UniqueDeviceID.
func pvKey(el *uom.Element) string {
	if n, _ := textOf(el, "VolumeName"); n != "" {
		return n
	}
	if u, _ := textOf(el, "VolumeUniqueID"); u != "" {
		return u
	}
	if u, _ := textOf(el, "UniqueDeviceID"); u != "" {
		if strings.HasPrefix(u, "01") {
			if b, err := base64.StdEncoding.DecodeString(u[2:]); err == nil {
				return string(b)
			}
		}
		return u
	}
	return ""
}

// vgCreateFromXML reads a new volume group: its name and its disks.
func (s *Server) vgCreateFromXML(viosUUID string, el *uom.Element) (string, []string, error) {
	name, _ := textOf(el, "GroupName")
	if name == "" {
		return "", nil, model.Invalid("A new VolumeGroup needs a GroupName.")
	}
	var disks []string
	for i, p := range el.FindAll("PhysicalVolumes/PhysicalVolume") {
		k := pvKey(p)
		if k == "" {
			return "", nil, model.Invalid("PhysicalVolume %d of the new volume group %s names no disk: give its VolumeName.", i+1, name)
		}
		disks = append(disks, k)
	}
	return name, disks, nil
}

// vgWantFromXML reads what a volume group POST (or a create body) wants:
// its VirtualDisks and MediaRepositories. A list the body does not carry
// stays as it is; changes says whether the body asks for any logical
// volume or repository.
func (s *Server) vgWantFromXML(vg *model.VolumeGroup, el *uom.Element) (want core.VGWant, changes bool, err error) {
	s.core.Read(func(st *model.State) {
		tx := readTx(st)
		cur := vios.LVs(tx, vg.UUID)
		if vds := el.Child("VirtualDisks"); vds != nil {
			want.LVs = []core.LVWant{}
			for i, d := range vds.ChildrenNamed("VirtualDisk") {
				w := core.LVWant{}
				w.Name, _ = textOf(d, "DiskName")
				if j := strings.LastIndexByte(w.Name, '/'); j >= 0 {
					w.Name = w.Name[j+1:]
				}
				w.UDID, _ = textOf(d, "UniqueDeviceID")
				w.Label, _ = textOf(d, "DiskLabel")
				if w.Label == "None" {
					w.Label = ""
				}
				var have *model.LogicalVolume
				for _, l := range cur {
					if l.Name == w.Name || w.UDID != "" && strings.EqualFold(l.UDID, w.UDID) {
						have = l
					}
				}
				capText, _ := textOf(d, "DiskCapacity")
				switch {
				case have != nil && (capText == "" || sameGB(capText, have.CapacityMB, vgDP)):
					w.Name, w.CapacityMB = have.Name, have.CapacityMB
				case capText == "":
					err = model.Invalid("VirtualDisk %d (%s) needs a DiskCapacity (GB).", i+1, w.Name)
					return
				default:
					if w.CapacityMB, err = mbOfGB("DiskCapacity", capText); err != nil {
						return
					}
					if have != nil {
						w.Name = have.Name
					}
				}
				if w.Name == "" {
					err = model.Invalid("VirtualDisk %d needs a DiskName.", i+1)
					return
				}
				want.LVs = append(want.LVs, w)
			}
			changes = changes || len(want.LVs) > 0
		} else {
			for _, l := range cur {
				want.LVs = append(want.LVs, core.LVWant{Name: l.Name, UDID: l.UDID, CapacityMB: l.CapacityMB, Label: l.Label})
			}
		}
		mrs := el.Child("MediaRepositories")
		if mrs == nil {
			if vg.RepositoryMB > 0 {
				r := &core.RepositoryWant{Name: vg.RepositoryName, SizeMB: vg.RepositoryMB}
				for _, m := range vios.Media(tx, vg.VIOS) {
					r.Media = append(r.Media, core.MediaWant{Name: m.Name, SizeMB: m.SizeMB, MountType: m.MountType})
				}
				want.Repository = r
			}
			return
		}
		repos := mrs.ChildrenNamed("VirtualMediaRepository")
		if len(repos) == 0 {
			return // none wanted
		}
		if len(repos) > 1 {
			err = model.Invalid("A volume group holds at most one VirtualMediaRepository, not %d.", len(repos))
			return
		}
		rep := repos[0]
		r := &core.RepositoryWant{SizeMB: vg.RepositoryMB}
		r.Name, _ = textOf(rep, "RepositoryName")
		if t, _ := textOf(rep, "RepositorySize"); t != "" && !(vg.RepositoryMB > 0 && sameGB(t, vg.RepositoryMB, vgDP)) {
			if r.SizeMB, err = mbOfGB("RepositorySize", t); err != nil {
				return
			}
		}
		for i, m := range rep.FindAll("OpticalMedia/VirtualOpticalMedia") {
			mw := core.MediaWant{}
			mw.Name, _ = textOf(m, "MediaName")
			if mw.Name == "" {
				err = model.Invalid("VirtualOpticalMedia %d of the repository needs a MediaName.", i+1)
				return
			}
			if t, _ := textOf(m, "Size"); t != "" {
				if mw.SizeMB, err = mbOfGB("Size", t); err != nil {
					return
				}
			}
			mw.MountType, _ = textOf(m, "MountType")
			r.Media = append(r.Media, mw)
		}
		want.Repository = r
		changes = true
	})
	return want, changes, err
}

// ---- the VIOS's mappings ----

// badRef says a mapping names something the VIOS or the system does not
// have.
func badRef(format string, args ...any) error { return model.Invalid(format, args...) }

// hrefUUID is the last path segment of a link (its object's UUID).
func hrefUUID(href string) string {
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	href = strings.TrimRight(href, "/")
	return href[strings.LastIndexByte(href, '/')+1:]
}

// mappingClient finds the client partition of a mapping element: its
// AssociatedLogicalPartition link, or its client adapter's
// LocalPartitionID; "" when it names none.
func mappingClient(st *model.State, m *uom.Element, what string, i int) (string, error) {
	if a := m.Child("AssociatedLogicalPartition"); a != nil {
		href := a.Attr("href")
		if href == "" {
			if l := a.Child("link"); l != nil {
				href = l.Attr("href")
			}
		}
		if href != "" {
			id := hrefUUID(href)
			p := partitionByUUID(st, id)
			if p == nil {
				return "", badRef("%s %d is for the partition %s, which does not exist on the managed system.", what, i, id)
			}
			return p.UUID, nil
		}
	}
	if t, ok := textOf(m, "ClientAdapter/LocalPartitionID"); ok && t != "" {
		id, err := strconv.Atoi(t)
		if err != nil {
			return "", badRef("%s %d: the value %q of ClientAdapter/LocalPartitionID is not a partition ID.", what, i, t)
		}
		p := st.PartitionByID(id)
		if p == nil {
			return "", badRef("%s %d is for the partition with ID %d, which does not exist on the managed system.", what, i, id)
		}
		return p.UUID, nil
	}
	return "", nil
}

// adapterSlot reads the slot an adapter element asks for: 0 (the server
// picks) when it asks for the next available one or names none.
func adapterSlot(a *uom.Element, path string) (int, error) {
	if a == nil {
		return 0, nil
	}
	for _, n := range []string{"UseNextAvailableSlotID", "UseNextAvailableHighSlotID"} {
		if v, _ := textOf(a, n); strings.EqualFold(v, "true") {
			return 0, nil
		}
	}
	t, ok := textOf(a, "VirtualSlotNumber")
	if !ok || t == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		return 0, model.Invalid("The value %q of %s/VirtualSlotNumber is not a slot number.", t, path)
	}
	return n, nil
}

// firstChild is the first element child of el (nil for none).
func firstChild(el *uom.Element) *uom.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.Children {
		if c.Local != "Metadata" {
			return c
		}
	}
	return nil
}

// scsiBacking resolves a mapping's Storage element to a device of the
// VIOS.
func scsiBacking(tx vios.Tx, v *model.Partition, d *uom.Element, i int) (kind, id string, err error) {
	const what = "VirtualSCSIMapping"
	switch d.Local {
	case "PhysicalVolume":
		key := pvKey(d)
		for _, p := range vios.PVs(tx, v.UUID) {
			if p.Name == key || p.UDID == key || pvUDID(p) == key {
				return model.BackPV, p.UUID, nil
			}
		}
		return "", "", badRef("%s %d names the PhysicalVolume %q, which %s does not have.", what, i, key, v.Name)
	case "VirtualDisk":
		name, _ := textOf(d, "DiskName")
		vdtype, _ := textOf(d, "VirtualDiskType")
		store, _ := textOf(d, "BackStoreType")
		if vdtype == "RBD" || store == "user:rbd" {
			if r := san.RBDByPath(tx, name); r != nil {
				return model.BackRBD, r.UUID, nil
			}
			return "", "", badRef("%s %d names the RBD image %q, which the RBD pool does not have.", what, i, name)
		}
		if j := strings.LastIndexByte(name, '/'); j >= 0 {
			name = name[j+1:]
		}
		udid, _ := textOf(d, "UniqueDeviceID")
		if name != "" {
			if l := vios.LVByName(tx, v.UUID, name); l != nil {
				return model.BackLV, l.UUID, nil
			}
		}
		if udid != "" {
			var found *model.LogicalVolume
			tx.Each(model.KindLV, func(o model.Object) {
				if l := o.(*model.LogicalVolume); l.VIOS == v.UUID && strings.EqualFold(l.UDID, udid) {
					found = l
				}
			})
			if found != nil {
				return model.BackLV, found.UUID, nil
			}
		}
		return "", "", badRef("%s %d names the VirtualDisk %q, which %s does not have.", what, i, name+udid, v.Name)
	case "VirtualOpticalMedia":
		name, _ := textOf(d, "MediaName")
		if name == "" {
			return model.BackMedia, "", nil // an empty drive
		}
		if m := vios.MediaByName(tx, v.UUID, name); m != nil {
			return model.BackMedia, m.UUID, nil
		}
		return "", "", badRef("%s %d names the VirtualOpticalMedia %q, which is not in the virtual media repository of %s.", what, i, name, v.Name)
	case "LogicalUnit":
		udid, _ := textOf(d, "UniqueDeviceID")
		name, _ := textOf(d, "UnitName")
		if udid != "" {
			if lu := vios.LUByUDID(tx, udid); lu != nil {
				return model.BackLU, lu.UUID, nil
			}
			return "", "", badRef("%s %d names the LogicalUnit %s (UniqueDeviceID %s), which no shared storage pool has.", what, i, name, udid)
		}
		var found []*model.LogicalUnit
		for _, ssp := range vios.SSPs(tx) {
			found = append(found, vios.LUByName(tx, ssp.UUID, name)...)
		}
		switch len(found) {
		case 1:
			return model.BackLU, found[0].UUID, nil
		case 0:
			return "", "", badRef("%s %d names the LogicalUnit %q, which no shared storage pool has.", what, i, name)
		}
		return "", "", badRef("%s %d names the LogicalUnit %q by name, and %d logical units have it: give its UniqueDeviceID.", what, i, name, len(found))
	}
	return "", "", badRef("%s %d has storage of type %s; use PhysicalVolume, VirtualDisk, VirtualOpticalMedia or LogicalUnit.", what, i, d.Local)
}

// viosMappingsFromXML reads the mapping lists of a VIOS POST: the vSCSI
// mappings when the request addresses group ViosSCSIMapping and the body
// has VirtualSCSIMappings, the vFC mappings likewise (nil for a list not
// to change).
func (s *Server) viosMappingsFromXML(v *model.Partition, el *uom.Element, g groupSel) (scsi []vios.SCSISpec, fc []core.FCWant, err error) {
	sl := el.Child("VirtualSCSIMappings")
	fl := el.Child("VirtualFibreChannelMappings")
	if !g.has("ViosSCSIMapping") {
		sl = nil
	}
	if !g.has("ViosFCMapping") {
		fl = nil
	}
	if sl == nil && fl == nil {
		return nil, nil, nil
	}
	s.core.Read(func(st *model.State) {
		tx := readTx(st)
		if sl != nil {
			scsi = []vios.SCSISpec{}
			for i, m := range sl.ChildrenNamed("VirtualSCSIMapping") {
				var spec vios.SCSISpec
				if spec, err = scsiSpecOf(st, tx, v, m, i+1); err != nil {
					return
				}
				scsi = append(scsi, spec)
			}
		}
		if fl != nil {
			fc = []core.FCWant{}
			for i, m := range fl.ChildrenNamed("VirtualFibreChannelMapping") {
				var w core.FCWant
				if w, err = fcSpecOf(st, m, i+1); err != nil {
					return
				}
				fc = append(fc, w)
			}
		}
	})
	return scsi, fc, err
}

func scsiSpecOf(st *model.State, tx vios.Tx, v *model.Partition, m *uom.Element, i int) (vios.SCSISpec, error) {
	var spec vios.SCSISpec
	var err error
	if spec.Client, err = mappingClient(st, m, "VirtualSCSIMapping", i); err != nil {
		return spec, err
	}
	if spec.ClientSlot, err = adapterSlot(m.Child("ClientAdapter"), "ClientAdapter"); err != nil {
		return spec, err
	}
	if spec.ServerSlot, err = adapterSlot(m.Child("ServerAdapter"), "ServerAdapter"); err != nil {
		return spec, err
	}
	td := firstChild(m.Child("TargetDevice"))
	if d := firstChild(m.Child("Storage")); d != nil {
		if spec.Backing, spec.BackingID, err = scsiBacking(tx, v, d, i); err != nil {
			return spec, err
		}
	} else if td != nil && td.Local == "VirtualOpticalTargetDevice" {
		spec.Backing = model.BackMedia // an empty optical drive
	}
	if td != nil && spec.Backing != "" {
		spec.Target, _ = textOf(td, "TargetName")
		spec.LUA, _ = textOf(td, "LogicalUnitAddress")
	}
	return spec, nil
}

func fcSpecOf(st *model.State, m *uom.Element, i int) (core.FCWant, error) {
	var w core.FCWant
	var err error
	if w.Client, err = mappingClient(st, m, "VirtualFibreChannelMapping", i); err != nil {
		return w, err
	}
	if w.ClientSlot, err = adapterSlot(m.Child("ClientAdapter"), "ClientAdapter"); err != nil {
		return w, err
	}
	if w.ServerSlot, err = adapterSlot(m.Child("ServerAdapter"), "ServerAdapter"); err != nil {
		return w, err
	}
	if p := m.Child("Port"); p != nil {
		for _, n := range []string{"PortName", "WWPN", "LocationCode"} {
			if t, _ := textOf(p, n); t != "" {
				w.Port = t
				break
			}
		}
	}
	if w.Port == "" {
		w.Port, _ = textOf(m, "ServerAdapter/MapPort")
	}
	if t, _ := textOf(m, "ClientAdapter/WWPNs"); t != "" {
		w.WWPNs = strings.Fields(strings.ToLower(t))
	}
	return w, nil
}
