package core

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// startClusterJob runs Cluster/do/Create (pypowervm's crt_cluster_ssp):
// clusterXml is a Cluster (ClusterName, RepositoryDisk, one Node: a
// VirtualIOServer link, or its HostName or PartitionID) and sspXml a
// SharedStoragePool (StoragePoolName, PhysicalVolumes), the disks named
// as the node sees them (VolumeName, and UniqueDeviceID when given).
func (c *Core) startClusterJob(a Actor, r JobRequest) (*Job, error) {
	if r.Operation != "Create" {
		return nil, ErrUnknownOperation(r.Group, r.Operation)
	}
	if err := checkActor(a); err != nil {
		return nil, err
	}
	cx, sx := strings.TrimSpace(r.Param("clusterXml")), strings.TrimSpace(r.Param("sspXml"))
	if cx == "" || sx == "" {
		return nil, model.Invalid("The Cluster Create job needs the parameters clusterXml and sspXml.")
	}
	cl, err := parseXNode("clusterXml", cx)
	if err != nil {
		return nil, err
	}
	sp, err := parseXNode("sspXml", sx)
	if err != nil {
		return nil, err
	}
	if cl.XMLName.Local != "Cluster" || sp.XMLName.Local != "SharedStoragePool" {
		return nil, model.Invalid("The Cluster Create job takes a Cluster (clusterXml) and a SharedStoragePool (sspXml), not %s and %s.", cl.XMLName.Local, sp.XMLName.Local)
	}
	name, pool := cl.text("ClusterName"), sp.text("StoragePoolName")
	var repo diskRef
	if rd := cl.child("RepositoryDisk"); rd != nil {
		if pv := rd.child("PhysicalVolume"); pv != nil {
			repo = diskRef{pv.text("VolumeName"), pv.text("UniqueDeviceID")}
		}
	}
	if repo.name == "" {
		return nil, model.Invalid("The clusterXml names no repository disk (RepositoryDisk/PhysicalVolume/VolumeName).")
	}
	var nodes []*xnode
	if ns := cl.child("Node"); ns != nil {
		nodes = ns.children("Node")
	}
	if len(nodes) != 1 {
		return nil, model.Invalid("A cluster is created with one node (the others are added later), not %d.", len(nodes))
	}
	var data []diskRef
	if pvs := sp.child("PhysicalVolumes"); pvs != nil {
		for _, pv := range pvs.children("PhysicalVolume") {
			data = append(data, diskRef{pv.text("VolumeName"), pv.text("UniqueDeviceID")})
		}
	}
	node := nodes[0]
	href := ""
	if l := node.child("VirtualIOServer"); l != nil {
		href = l.attr("href")
	}
	hostname, lparID := node.text("HostName"), node.text("PartitionID")
	job, jerr := c.Jobs.New(a.User, r.Operation, r.Group, "", r.RequestURL, r.Params)
	if jerr != nil {
		return nil, jerr
	}
	err = c.Apply(a, func(tx *Tx) error {
		v, err := nodeVIOS(tx, href, hostname, lparID)
		if err != nil {
			return err
		}
		if _, err := vios.Ready(tx, v.UUID); err != nil {
			return err
		}
		rp, err := repo.find(tx, v)
		if err != nil {
			return err
		}
		var pvs []*model.PhysicalVolume
		for _, d := range data {
			p, err := d.find(tx, v)
			if err != nil {
				return err
			}
			pvs = append(pvs, p)
		}
		_, _, err = vios.CreateCluster(tx, v, name, rp, pool, pvs)
		return err
	})
	if err != nil {
		c.FinishJob(job, JobError, err.Error(), Param{Name: "returnCode", Value: "1"}, Param{Name: "result", Value: err.Error()})
		return job, nil
	}
	c.FinishJob(job, JobOK, "", Param{Name: "returnCode", Value: "0"})
	return job, nil
}

// diskRef is a disk named in a job: its name on the node and, when
// given, its UniqueDeviceID.
type diskRef struct{ name, udid string }

func (d diskRef) find(tx *Tx, v *model.Partition) (*model.PhysicalVolume, error) {
	p := vios.PVByName(tx, v.UUID, d.name)
	if p == nil && d.udid != "" {
		p = vios.PVByUDID(tx, v.UUID, d.udid)
	}
	if p == nil {
		return nil, model.ErrNoObject("PhysicalVolume", d.name+" on "+v.Name)
	}
	if d.udid != "" && vios.PVByUDID(tx, v.UUID, d.udid) != p {
		return nil, model.Invalid("The disk %s of %s does not have the UniqueDeviceID %s.", d.name, v.Name, d.udid)
	}
	return p, nil
}

// nodeVIOS finds a cluster node's VIOS by its link, host name or
// partition ID.
func nodeVIOS(tx *Tx, href, hostname, lparID string) (*model.Partition, error) {
	var found *model.Partition
	tx.Each(model.KindPartition, func(o model.Object) {
		p := o.(*model.Partition)
		if !p.IsVIOS() || found != nil {
			return
		}
		switch {
		case href != "" && strings.Contains(strings.ToUpper(href), strings.ToUpper(p.UUID)):
			found = p
		case href == "" && hostname != "" && strings.EqualFold(hostname, p.Name):
			found = p
		case href == "" && hostname == "" && lparID != "" && lparID == strconv.Itoa(p.ID):
			found = p
		}
	})
	if found == nil {
		key := href
		if key == "" {
			key = hostname + lparID
		}
		return nil, model.ErrNoObject("VirtualIOServer", key)
	}
	return found, nil
}
