package vios

import (
	"strconv"

	"github.com/novalink-project/novalink/internal/model"
)

// CreateCluster makes a cluster of one node (a VIOS that is in no
// cluster) with its shared storage pool (tier SYSTEM): the repository
// disk and the pool's disks are free disks of the node that are SAN
// volumes (shared storage others can reach), each used once. Other nodes
// join later.
func CreateCluster(tx Tx, node *model.Partition, name string, repo *model.PhysicalVolume, poolName string, data []*model.PhysicalVolume) (*model.Cluster, *model.SharedStoragePool, error) {
	if err := model.ValidateSANName("cluster", name); err != nil {
		return nil, nil, err
	}
	if err := model.ValidateSANName("shared storage pool", poolName); err != nil {
		return nil, nil, err
	}
	var clash error
	tx.Each(model.KindCluster, func(o model.Object) {
		c := o.(*model.Cluster)
		switch {
		case clash != nil:
		case c.Name == name:
			clash = model.Invalid("The cluster name %s is already in use.", name)
		case containsStr(c.Nodes, node.UUID):
			clash = model.Refused("The Virtual I/O Server %s is already a node of cluster %s; a VIOS is a node of one cluster.", node.Name, c.Name)
		}
	})
	if clash != nil {
		return nil, nil, clash
	}
	if SSPByName(tx, poolName) != nil {
		return nil, nil, model.Invalid("The shared storage pool name %s is already in use.", poolName)
	}
	if repo == nil {
		return nil, nil, model.Invalid("A cluster needs a repository disk.")
	}
	if len(data) == 0 {
		return nil, nil, model.Invalid("A shared storage pool needs at least one disk.")
	}
	seen := map[string]bool{}
	total := 0
	for i, p := range append([]*model.PhysicalVolume{repo}, data...) {
		role := "pool"
		if i == 0 {
			role = "repository"
		}
		if p.VIOS != node.UUID {
			return nil, nil, errUnknown("PhysicalVolume", p.Name, node)
		}
		if seen[p.UUID] {
			return nil, nil, model.Invalid("The disk %s is named twice; each disk is the repository or a pool disk, once.", p.Name)
		}
		seen[p.UUID] = true
		if p.LUN == "" {
			return nil, nil, model.Refused("The disk %s (%s disk) is not shared storage: a cluster's disks are SAN volumes every node can reach.", p.Name, role)
		}
		if err := pvFree(tx, p); err != nil {
			return nil, nil, err
		}
		if other := clusterOfDisk(tx, p.UDID); other != "" {
			return nil, nil, model.Refused("The disk %s belongs to cluster %s (seen through another node); a disk is in one cluster.", p.Name, other)
		}
		if i > 0 {
			total += p.CapacityMB
		}
	}
	if repo.CapacityMB < 1024 {
		return nil, nil, model.Refused("The repository disk %s has %d MB; a cluster's repository needs at least 1024 MB.", repo.Name, repo.CapacityMB)
	}
	now := strconv.FormatInt(tx.Now().UnixNano(), 10)
	id := hexID(32, tx.System().UUID, "cluster", name, now)
	c := &model.Cluster{UUID: NewUUID(), Name: name, ID: id, Repository: repo.UDID, Nodes: []string{node.UUID}, Created: tx.Now().UnixMilli()}
	overhead := total / 100
	if overhead < 512 {
		overhead = 512
	}
	ssp := &model.SharedStoragePool{UUID: NewUUID(), Name: poolName, Cluster: c.UUID, TierUUID: NewUUID(), TierName: "SYSTEM",
		OverheadMB: overhead, UDID: "24" + id + hexID(32, id, poolName), Created: c.Created}
	for _, p := range append([]*model.PhysicalVolume{repo}, data...) {
		n := p.CloneObject().(*model.PhysicalVolume)
		n.Cluster = true
		if n.PVID == "" || n.PVID == "none" {
			n.PVID = "00f" + hexID(13, n.UDID, "cluster", id)
		}
		tx.Put(n)
		if p != repo {
			ssp.PVs = append(ssp.PVs, p.UDID)
		}
	}
	c.SSP = ssp.UUID
	tx.Put(c)
	tx.Put(ssp)
	return c, ssp, nil
}

// clusterOfDisk names the cluster whose repository or pool has a disk
// (by unique ID), "" for none.
func clusterOfDisk(tx Tx, udid string) string {
	name := ""
	tx.Each(model.KindCluster, func(o model.Object) {
		c := o.(*model.Cluster)
		if c.Repository == udid {
			name = c.Name
		}
		if ssp, _ := tx.Get(model.KindSSP, c.SSP).(*model.SharedStoragePool); ssp != nil && containsStr(ssp.PVs, udid) {
			name = c.Name
		}
	})
	return name
}
