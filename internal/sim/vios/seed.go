package vios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
)

// Sizes of the seeded disks (MB).
const (
	seedRootDiskMB = 285696 // hdisk0, SAS, rootvg
	seedFreeDiskMB = 285696 // hdisk1, SAS, free
	seedRepoDiskMB = 20480  // hdisk2, SAN, cluster repository
	seedPoolDiskMB = 524288 // hdisk3-4, SAN, pool1
	seedSANDiskMB  = 102400 // hdisk5-6, SAN, free (multipath to both VIOS)
	seedRootUseMB  = 40960  // what the VIOS's own LVs take of rootvg
	seedRepoMB     = 10240  // the virtual media repository in rootvg
	seedPoolMetaMB = 10240  // pool1's metadata
)

// Seed gives a fresh server's Virtual I/O Servers their storage: on each,
// a local SAS disk holding rootvg (with the virtual media repository) and
// a free one, and the same SAN disks seen by every VIOS: the cluster's
// repository disk, the two disks of shared storage pool pool1 (tier
// SYSTEM) and two free ones; two NPIV-capable FC ports per VIOS. The
// cluster spans the first two VIOS. UUIDs and identifiers are derived
// from the system's and each VIOS's UUID (which the seed derives from the
// system and the partition ID), so a server seeded again has the same
// devices.
func Seed(st *model.State, nowMS int64) error { return SeedLayout(st, nowMS, Layout{}) }

// Layout is what an installation chose for the VIOSes' storage (the zero
// Layout is Seed's).
type Layout struct {
	// RootDisks names, per VIOS (in ID order), the disks of its rootvg;
	// none means hdisk0. Names are those of the seeded disks (hdisk0 ..
	// hdisk6).
	RootDisks [][]string
	// NoSSP leaves out the cluster and shared storage pool: the SAN disks
	// are free.
	NoSSP bool
	// BootLV, when set, is a logical volume made in each VIOS's rootvg
	// for the NovaLink partition's disk, BootLVMB large.
	BootLV   string
	BootLVMB int
	// ExtraDisks are disks beyond the seeded seven, hdisk7 on, in order.
	ExtraDisks []Disk `json:",omitempty"`
}

// Disk is a disk a VIOS has beyond the seeded ones: a SAN disk (Fibre
// Channel, multipath: every VIOS sees it, with the same UDID) or a SAS
// disk (each VIOS has its own).
type Disk struct {
	SizeMB int
	SAN    bool
}

// SeedDiskNames are the disks Seed gives each VIOS; SSPDiskNames those of
// the seeded cluster (repository and pool).
var (
	SeedDiskNames = []string{"hdisk0", "hdisk1", "hdisk2", "hdisk3", "hdisk4", "hdisk5", "hdisk6"}
	SSPDiskNames  = []string{"hdisk2", "hdisk3", "hdisk4"}
)

// SeedLayout is Seed in an installation's layout. The SAN disks are the
// volumes of the default SAN (san.DefaultSpec), which it seeds too, as
// the VIOSes configured them when they booted.
func SeedLayout(st *model.State, nowMS int64, lay Layout) error {
	sys := st.System
	id := func(parts ...string) string {
		return uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/"+strings.Join(parts, "/"))).String()
	}
	var vioses []*model.Partition
	for _, p := range st.SortedPartitions(nil) {
		if p.IsVIOS() {
			vioses = append(vioses, p)
		}
	}
	if len(vioses) == 0 {
		return nil
	}
	stx := san.StateTx{St: st, At: time.UnixMilli(nowMS)}
	spec := san.DefaultSpec(sys, vioses)
	// The layout's extra SAN disks are volumes of the default array too,
	// mapped to every VIOS at the LUN after the seeded ones.
	extraVol := map[int]string{}
	for k, d := range lay.ExtraDisks {
		if !d.SAN {
			continue
		}
		n := len(SeedDiskNames) + k
		name := "hdisk" + strconv.Itoa(n)
		l := san.LUNSpec{Name: name, SizeMB: d.SizeMB, Array: san.DefaultArray, Shared: true,
			NAA: "6005076" + hexID(25, sys.UUID, "seed-volume", name)}
		for _, h := range spec.Arrays[0].Hosts {
			l.Hosts = append(l.Hosts, model.SANLUNHost{Host: h.Name, LUN: n - 2})
		}
		spec.LUNs = append(spec.LUNs, l)
		extraVol[n] = name
	}
	if err := san.Apply(stx, spec, sys.UUID); err != nil {
		return fmt.Errorf("the default SAN: %w", err)
	}
	volumes := map[int]*model.SANLUN{} // by hdisk number
	for i, v := range san.DefaultVolumes {
		volumes[i+2] = san.LUNByName(stx, v.Name)
	}
	for n, name := range extraVol {
		volumes[n] = san.LUNByName(stx, name)
	}
	arr := san.ArrayByName(stx, san.DefaultArray)
	unit := "U78C9.001.WZS" + lastN(sys.Serial, 4)
	sanUDID := func(n int) string { return san.UDID(stx, volumes[n]) }
	clusterID := hexID(32, sys.UUID, "cluster")
	c := &model.Cluster{UUID: id("cluster"), Name: "cluster1", ID: clusterID, Repository: sanUDID(2), Created: nowMS}
	ssp := &model.SharedStoragePool{UUID: id("ssp"), Name: "pool1", Cluster: c.UUID, TierUUID: id("tier"), TierName: "SYSTEM",
		OverheadMB: seedPoolMetaMB, UDID: "24" + clusterID + hexID(32, sys.UUID, "pool1"), Created: nowMS,
		PVs: []string{sanUDID(3), sanUDID(4)}}
	c.SSP = ssp.UUID
	for i, v := range vioses {
		sasSlot, fcSlot := AdapterSlots(i)
		pv := func(n int, mb int, fc bool, udid string) *model.PhysicalVolume {
			p := &model.PhysicalVolume{UUID: id("pv", v.UUID, strconv.Itoa(n)), VIOS: v.UUID, Name: "hdisk" + strconv.Itoa(n),
				UDID: udid, PVID: "none", CapacityMB: mb, FC: fc}
			if fc {
				vol := volumes[n]
				p.Description = san.Description(stx, vol)
				p.LUN, p.NAA = vol.UUID, vol.NAA
				p.Location = fmt.Sprintf("%s-%s-T1-W%s-L%s", unit, fcSlot, strings.ToUpper(arr.Ports[0].WWPN), san.LocationLUN(n-2))
			} else {
				p.Description = "SAS RAID 0 Disk Array"
				p.Location = fmt.Sprintf("%s-%s-T1-L%s-L0", unit, sasSlot, strings.ToUpper(hexID(10, v.UUID, "sas", strconv.Itoa(n))))
			}
			return p
		}
		sasUDID := func(n int) string {
			return "391BIBMIPR-0   " + strings.ToUpper(hexID(16, v.UUID, "sas", strconv.Itoa(n))) + "IPR-0   03IBMsas"
		}
		rootNames := []string{"hdisk0"}
		if i < len(lay.RootDisks) && len(lay.RootDisks[i]) > 0 {
			rootNames = lay.RootDisks[i]
		}
		inRoot := map[string]bool{}
		for _, n := range rootNames {
			inRoot[n] = true
		}
		rootvg := &model.VolumeGroup{UUID: id("vg", v.UUID, "rootvg"), VIOS: v.UUID, Name: "rootvg",
			PPSize: 512, ReservedMB: seedRootUseMB, RepositoryName: "VMLibrary", RepositoryMB: seedRepoMB,
			SerialID: "00" + hexID(30, v.UUID, "rootvg"), Created: nowMS}
		disks := []*model.PhysicalVolume{pv(0, seedRootDiskMB, false, sasUDID(0)), pv(1, seedFreeDiskMB, false, sasUDID(1))}
		for n, mb := range []int{2: seedRepoDiskMB, 3: seedPoolDiskMB, 4: seedPoolDiskMB, 5: seedSANDiskMB, 6: seedSANDiskMB} {
			if n >= 2 {
				disks = append(disks, pv(n, mb, true, sanUDID(n)))
			}
		}
		for k, d := range lay.ExtraDisks {
			n := len(SeedDiskNames) + k
			if d.SAN {
				disks = append(disks, pv(n, d.SizeMB, true, sanUDID(n)))
			} else {
				disks = append(disks, pv(n, d.SizeMB, false, sasUDID(n)))
			}
		}
		for n, p := range disks {
			switch {
			case inRoot[p.Name]:
				p.PVID = "00f" + hexID(13, v.UUID, "pvid"+strconv.Itoa(n))
				p.VG = rootvg.UUID
				rootvg.PVs = append(rootvg.PVs, p.UUID)
			case n >= 2 && n <= 4 && i < 2 && !lay.NoSSP:
				p.Cluster = true
				p.PVID = "00f" + hexID(13, sys.UUID, "pvid", strconv.Itoa(n))
			}
			st.Put(p)
		}
		st.Put(rootvg)
		if lay.BootLV != "" {
			st.Put(&model.LogicalVolume{UUID: id("lv", v.UUID, lay.BootLV), VIOS: v.UUID, VG: rootvg.UUID, Name: lay.BootLV,
				CapacityMB: lay.BootLVMB, UDID: lvUDID(rootvg, 1)})
		}
		if i < 2 {
			c.Nodes = append(c.Nodes, v.UUID)
		}
		for t := 0; t < 2; t++ {
			st.Put(&model.FCPort{UUID: id("fcport", v.UUID, strconv.Itoa(t)), VIOS: v.UUID, Name: "fcs" + strconv.Itoa(t),
				WWPN:     "10000090fa" + hexID(6, v.UUID, "fcs", strconv.Itoa(t)),
				Location: fmt.Sprintf("%s-%s-T%d", unit, fcSlot, t+1), MaxNPIV: 64})
		}
	}
	if !lay.NoSSP {
		st.Put(c)
		st.Put(ssp)
	}
	return san.Cable(stx, nil)
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// MaxClusterNodes is how many VIOS partitions one shared storage pool
// cluster may have (PowerVM's limit since VIOS 2.2.2).
const MaxClusterNodes = 16

// ShareCluster makes the seeded servers states one storage group: the
// SAN disks of their seeded cluster (the repository and the pool's
// disks, hdisk2 to hdisk4 of every VIOS) become the same disks, zoned to
// every VIOS of every server, and one cluster named name, whose nodes
// are all those VIOSes, replaces each server's own, with one shared
// storage pool (poolName) over the disks. key derives the identifiers,
// so the same group seeded again is the same. Each state holds its copy
// of the cluster and the pool (a fleet keeps the copies the same). A
// group with more VIOSes than MaxClusterNodes is refused, as is a state
// whose seed has no cluster (a layout without one).
func ShareCluster(states []*model.State, key, name, poolName string, nowMS int64) error {
	id := func(parts ...string) string {
		return uuid.NewMD5(uuid.NameSpaceOID, []byte("fleet-cluster/"+key+"/"+strings.Join(parts, "/"))).String()
	}
	san := func(n int) string { return "33213" + SharedDiskNAA(key, n) + "04214503IBMfcp" }
	clusterID := hexID(32, "fleet-cluster", key, "cluster")
	c := &model.Cluster{UUID: id("cluster"), Name: name, ID: clusterID, Repository: san(2), Created: nowMS}
	ssp := &model.SharedStoragePool{UUID: id("ssp"), Name: poolName, Cluster: c.UUID, TierUUID: id("tier"), TierName: "SYSTEM",
		OverheadMB: seedPoolMetaMB, UDID: "24" + clusterID + hexID(32, "fleet-cluster", key, poolName), Created: nowMS,
		PVs: []string{san(3), san(4)}}
	c.SSP = ssp.UUID
	for _, st := range states {
		var own *model.Cluster
		st.Each(model.KindCluster, func(o model.Object) { own = o.(*model.Cluster) })
		if own == nil {
			return fmt.Errorf("the system %s has no shared storage pool cluster to share", st.System.Name)
		}
		vioses := st.SortedPartitions(func(p *model.Partition) bool { return p.IsVIOS() })
		for _, p := range vioses {
			c.Nodes = append(c.Nodes, p.UUID)
		}
		var disks []*model.PhysicalVolume
		st.Each(model.KindPV, func(o model.Object) {
			pv := o.(*model.PhysicalVolume)
			if n, err := strconv.Atoi(strings.TrimPrefix(pv.Name, "hdisk")); err == nil && n >= 2 && n <= 4 && pv.FC {
				disks = append(disks, pv)
			}
		})
		for _, pv := range disks {
			n, _ := strconv.Atoi(strings.TrimPrefix(pv.Name, "hdisk"))
			np := *pv
			np.UDID, np.NAA, np.Cluster = san(n), SharedDiskNAA(key, n), true
			np.PVID = "00f" + hexID(13, "fleet-cluster", key, "pvid", strconv.Itoa(n))
			st.Put(&np)
		}
	}
	if len(c.Nodes) > MaxClusterNodes {
		return fmt.Errorf("the cluster %s would have %d VIOS nodes; a cluster has at most %d", name, len(c.Nodes), MaxClusterNodes)
	}
	for _, st := range states {
		var old []model.Object
		st.Each(model.KindCluster, func(o model.Object) { old = append(old, o) })
		st.Each(model.KindSSP, func(o model.Object) { old = append(old, o) })
		for _, o := range old {
			st.Delete(o.Kind(), o.Key())
		}
		// Each system its own copies, as a load of the state file gives
		// them.
		cc, sc := *c, *ssp
		cc.Nodes, sc.PVs = slices.Clone(c.Nodes), slices.Clone(ssp.PVs)
		st.Put(&cc)
		st.Put(&sc)
	}
	return nil
}

// SharedDiskNAA is the page 83 identifier of hdisk n (2: the repository,
// 3 and 4: the pool's disks) of a cluster ShareCluster made for the
// storage group key: one volume of the fleet's SAN that every VIOS of the
// group sees.
func SharedDiskNAA(key string, n int) string {
	return "6005076" + strings.ToUpper(hexID(25, "fleet-cluster", key, "volume", strconv.Itoa(n)))
}

// AdapterSlots are the locations (after the unit's) of the SAS controller
// and the FC adapter the i-th VIOS of a fresh server owns: the pair in
// P1-C14/P1-C6 and P1-C15/P1-C7, any further VIOS its own two from P1-C16.
func AdapterSlots(i int) (sas, fc string) {
	switch i {
	case 0:
		return "P1-C14", "P1-C6"
	case 1:
		return "P1-C15", "P1-C7"
	}
	n := 16 + 2*(i-2)
	return "P1-C" + strconv.Itoa(n), "P1-C" + strconv.Itoa(n+1)
}
