package san

import (
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// Fleet is what a transaction of a system of a fleet has besides Tx: the
// fleet's one SAN is the SAN of all its systems, so the questions that
// are the SAN's (who uses a WWPN, whose ports a host definition follows,
// which VIOS has a volume as a disk) are asked of every system. A single
// system's transaction is not a Fleet.
type Fleet interface {
	// EachPeer calls fn for every object of a kind of the other systems
	// of the fleet, with the system that has it.
	EachPeer(k model.ObjKind, fn func(model.Object, *model.ManagedSystem))
	// PeerPartition finds a partition of another system of the fleet
	// (by UUID), with its system.
	PeerPartition(uuid string) (*model.Partition, *model.ManagedSystem)
}

// eachAll calls fn for every object of a kind of the SAN's systems: the
// transaction's own (as staged) and, in a fleet, the others'.
func eachAll(tx Tx, k model.ObjKind, fn func(model.Object)) {
	tx.Each(k, fn)
	if f, ok := tx.(Fleet); ok {
		f.EachPeer(k, func(o model.Object, _ *model.ManagedSystem) { fn(o) })
	}
}

// partitionAny finds a partition by UUID on the transaction's system or,
// in a fleet, another one; label names it (with its system when it is
// another's).
func partitionAny(tx Tx, uuid string) (p *model.Partition, label string) {
	if p := tx.Partition(uuid); p != nil {
		return p, p.Name
	}
	if f, ok := tx.(Fleet); ok {
		if p, sys := f.PeerPartition(uuid); p != nil {
			return p, p.Name + " (managed system " + sys.Name + ")"
		}
		if u := strings.ToLower(uuid); u != uuid {
			if p, sys := f.PeerPartition(u); p != nil {
				return p, p.Name + " (managed system " + sys.Name + ")"
			}
		}
	}
	return nil, ""
}

// Merge moves the SAN a system of a fleet was seeded with (its default
// SAN and its inventory's) into the fleet's one SAN, dst, and leaves src
// without SAN objects. The default SAN's fabrics are the fleet's (a
// fabric of the same name is the same fabric); its array joins the
// fleet's array of the same name (the first system's becomes the
// fleet's), its hosts named after the system; its volumes are named after
// the system, or, for the disks of a cluster the system shares (shared
// maps a volume's UUID to the name and page 83 identifier of the group's
// volume), are the group's one volume. What the system's inventory adds
// keeps its names, which must be free on the fleet's SAN.
func Merge(dst, src *model.State, system string, shared map[string]SharedVolume) error {
	hostNames := map[string]map[string]string{} // array UUID -> old host name -> new
	arrays := map[string]*model.SANArray{}      // src array UUID -> the fleet's
	var objs []model.Object
	for _, k := range []model.ObjKind{model.KindSANFabric, model.KindSANArray, model.KindSANLUN, model.KindISCSITarget, model.KindRBDImage} {
		src.Each(k, func(o model.Object) { objs = append(objs, o) })
	}
	for _, o := range objs {
		src.Delete(o.Kind(), o.Key())
	}
	dtx := StateTx{St: dst}
	for _, o := range objs {
		switch v := o.(type) {
		case *model.SANFabric:
			if FabricByName(dtx, v.Name) == nil {
				dst.Put(v)
			}
		case *model.SANArray:
			names := map[string]string{}
			hostNames[v.UUID] = names
			cur := ArrayByName(dtx, v.Name)
			if cur != nil && v.Name != DefaultArray {
				return model.ErrSANInvalid("The array name %s of managed system %s is another system's already; give the fleet's own arrays in the fleet file's san section.", v.Name, system)
			}
			n := v.CloneObject().(*model.SANArray)
			if cur != nil {
				n = cur.CloneObject().(*model.SANArray)
			} else {
				n.Hosts = nil
			}
			for _, h := range v.Hosts {
				nh := h
				if v.Name == DefaultArray {
					nh.Name = system + "-" + h.Name
				}
				for _, o := range n.Hosts {
					if o.Name == nh.Name {
						return model.ErrSANInvalid("The array %s has a host named %s already.", n.Name, nh.Name)
					}
				}
				names[h.Name] = nh.Name
				n.Hosts = append(n.Hosts, nh)
			}
			dst.Put(n)
			arrays[v.UUID] = n
		}
	}
	for _, o := range objs {
		switch v := o.(type) {
		case *model.SANLUN:
			n := v.CloneObject().(*model.SANLUN)
			if v.FC() {
				a := arrays[v.Array]
				if a == nil {
					return model.Internal("volume %s of managed system %s has no array", v.Name, system)
				}
				n.Array = a.UUID
				for i := range n.Hosts {
					if to, ok := hostNames[v.Array][n.Hosts[i].Host]; ok {
						n.Hosts[i].Host = to
					}
				}
				def := false
				for _, d := range DefaultVolumes {
					def = def || d.Name == v.Name
				}
				if sv, ok := shared[v.UUID]; ok {
					// The group's one volume: made by its first system,
					// mapped to the hosts of every other.
					cur := LUNByName(dtx, sv.Name)
					if cur == nil {
						n.UUID, n.Name, n.NAA = sv.UUID, sv.Name, sv.NAA
					} else {
						n = cur.CloneObject().(*model.SANLUN)
						for _, h := range v.Hosts {
							if to, ok := hostNames[v.Array][h.Host]; ok {
								h.Host = to
							}
							n.Hosts = append(n.Hosts, h)
						}
					}
					dst.Put(n)
					continue
				}
				if def || strings.HasPrefix(v.Name, "hdisk") {
					n.Name = system + "-" + v.Name
				}
			}
			if o := LUNByName(dtx, n.Name); o != nil {
				return model.ErrSANInvalid("The volume name %s of managed system %s is another system's already; give the fleet's own volumes in the fleet file's san section.", n.Name, system)
			}
			if o := LUNByNAA(dtx, n.NAA); o != nil {
				return model.ErrSANInvalid("The page 83 identifier %s of volume %s of managed system %s is volume %s's already.", n.NAA, n.Name, system, o.Name)
			}
			dst.Put(n)
		case *model.ISCSITarget:
			if TargetByIQN(dtx, v.IQN) != nil {
				return model.ErrSANInvalid("The iSCSI target %s of managed system %s is another system's already; give the fleet's own targets in the fleet file's san section.", v.IQN, system)
			}
			dst.Put(v)
		case *model.RBDImage:
			if RBDByPath(dtx, v.Path()) != nil {
				return model.ErrSANInvalid("The RBD image %s of managed system %s is another system's already; give the fleet's own images in the fleet file's san section.", v.Path(), system)
			}
			dst.Put(v)
		}
	}
	return nil
}

// SharedVolume is the one volume of a storage group's cluster disk.
type SharedVolume struct{ UUID, Name, NAA string }

// SharedVolumeUUID is the UUID of the volume of a storage group's disk.
func SharedVolumeUUID(group, name string) string {
	return newUUID([]string{"fleet-cluster", group, name})
}
