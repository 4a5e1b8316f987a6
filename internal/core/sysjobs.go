package core

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The system and partition jobs the clients use besides power and
// co-management: QueryReservedMemoryRequiredForPartition (the memory a
// partition of a given size needs, as pvmd accounts it),
// GetDPOStatus (the partitions' affinity scores), the virtual serial
// numbers (AddVSN, RemoveVSN, TransferVSN) and CloneUUID.

// ReadOnlyJobs are the jobs that change nothing: any console may run
// them, master or not.
var ReadOnlyJobs = map[string]bool{
	"ManagedSystem/QueryReservedMemoryRequiredForPartition": true,
	"ManagedSystem/GetDPOStatus":                            true,
}

// intParam reads a non-negative integer parameter (def when absent).
func intParam(r JobRequest, name string, def int) (int, error) {
	v := strings.TrimSpace(r.Param(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, model.ErrBadValue(name, v, "a whole number, 0 or more")
	}
	return n, nil
}

// ReservedMemory is the memory a partition of maxMem MB needs besides its
// desired memory while active: its hardware page table, as the
// accounting of the system holds it (model.Partition.PageTableMB at the
// default ratio).
func ReservedMemory(maxMem int) int {
	p := model.Partition{MaxMem: maxMem, HPTRatio: 7}
	return p.PageTableMB()
}

// queryReservedMemory answers QueryReservedMemoryRequiredForPartition:
// RequiredMemory (desired plus what the hypervisor holds for the
// partition) and CurrentAvailableSystemMemory.
func (c *Core) queryReservedMemory(a Actor, r JobRequest) (*Job, error) {
	env := strings.TrimSpace(r.Param("LogicalPartitionEnvironment"))
	if env != "" {
		if _, ok := model.ParsePartitionType(env); !ok {
			return nil, model.ErrBadValue("LogicalPartitionEnvironment", env, "AIX/Linux, OS400, Virtual IO Server")
		}
	}
	des, err := intParam(r, "DesiredMemory", 0)
	if err != nil {
		return nil, err
	}
	max, err := intParam(r, "MaximumMemory", des)
	if err != nil {
		return nil, err
	}
	for _, n := range []string{"NumberOfVirtualEthernetAdapter", "NumberOfVirtualSCSIAdapter", "NumberOfVirtualFibreChannelAdapter"} {
		if _, err := intParam(r, n, 0); err != nil {
			return nil, err
		}
	}
	if max < des {
		return nil, model.Invalid("MaximumMemory (%d MB) is less than DesiredMemory (%d MB).", max, des)
	}
	var avail int
	c.Read(func(st *model.State) { avail = st.System.AvailableMemory(st.Accounting()) })
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	c.FinishJob(job, JobOK, "",
		Param{Name: "RequiredMemory", Value: strconv.Itoa(des + ReservedMemory(max))},
		Param{Name: "CurrentAvailableSystemMemory", Value: strconv.Itoa(avail)})
	return job, nil
}

// dpoEntry is one partition of GetDPOStatus's result.
type dpoEntry struct {
	ID    string `json:"LPAR_ID"`
	Name  string `json:"LPAR_NAME"`
	Score string `json:"CURRENT_AFFINITY_SCORE"`
}

// AffinityScore is the simulated affinity (0-100) of an active
// partition: whole on one chip (up to 8 processors and 64 GB), less as it
// spreads; 0 for a partition that is not active (it has no placement).
func AffinityScore(p *model.Partition) int {
	if !p.Active() {
		return 0
	}
	procs := p.CurProcs
	if !p.Dedicated {
		procs = p.CurVP
	}
	score := 100
	for chips := 1; procs > 8*chips || p.CurMem > 65536*chips; chips++ {
		score -= 10
		if score <= 40 {
			break
		}
	}
	return score
}

// getDPOStatus answers GetDPOStatus: the result is a JSON list of the
// partitions with their affinity scores.
func (c *Core) getDPOStatus(a Actor, r JobRequest) (*Job, error) {
	var out []dpoEntry
	c.Read(func(st *model.State) {
		for _, p := range st.SortedPartitions(nil) {
			out = append(out, dpoEntry{ID: strconv.Itoa(p.ID), Name: p.Name, Score: strconv.Itoa(AffinityScore(p))})
		}
	})
	b, err := json.Marshal(out)
	if err != nil {
		return nil, model.Internal("encode the DPO status: %v", err)
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	job.finish(c.clock.Now(), JobOK, string(b))
	return job, nil
}

// ---- virtual serial numbers ----

// VSNUUID is the (stable) UUID of a virtual serial number's entry.
func VSNUUID(sysUUID, serial string) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(sysUUID+"/VirtualSerialNumber/"+serial)).String()
}

// CheckVSN validates a virtual serial number: seven upper-case letters or
// digits.
func CheckVSN(s string) (string, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	ok := len(v) == 7
	for _, c := range v {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			ok = false
		}
	}
	if !ok {
		return "", model.ErrBadValue("VirtualSerialNumber", s, "seven letters or digits (ZCE0HF0)")
	}
	return v, nil
}

// VSNOwner is the partition a virtual serial number is assigned to (nil
// when none).
func VSNOwner(each func(model.ObjKind, func(model.Object)), vsn string) *model.Partition {
	var out *model.Partition
	each(model.KindPartition, func(o model.Object) {
		if p := o.(*model.Partition); p.VSN == vsn {
			out = p
		}
	})
	return out
}

// vsnJob runs AddVSN, RemoveVSN and TransferVSN.
func (c *Core) vsnJob(a Actor, r JobRequest) (*Job, error) {
	vsn, err := CheckVSN(r.Param("VirtualSerialNumber"))
	if err != nil {
		return nil, err
	}
	if r.Operation == "RemoveVSN" {
		if err := checkBool("ResetAutoAssign", r.Param("ResetAutoAssign")); err != nil {
			return nil, err
		}
	}
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	if err := c.masterAllowsNow(a); err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
		return job, nil
	}
	err = c.Apply(a, func(tx *Tx) error {
		cur, _ := tx.Get(model.KindVSN, vsn).(*model.VirtualSerial)
		switch r.Operation {
		case "AddVSN":
			if cur != nil {
				return model.Invalid("The virtual serial number %s is already on this system.", vsn)
			}
			tx.Put(&model.VirtualSerial{Serial: vsn, AutoAssign: true, Created: tx.Now().UnixMilli()})
		case "RemoveVSN":
			if cur == nil {
				return model.ErrNoObject("VirtualSerialNumberInformation", vsn)
			}
			if p := VSNOwner(tx.each, vsn); p != nil {
				return model.Refused("The virtual serial number %s is assigned to partition %s; remove it from the partition first.", vsn, p.Name)
			}
			tx.Delete(model.KindVSN, vsn)
		case "TransferVSN":
			if cur == nil {
				return model.ErrNoObject("VirtualSerialNumberInformation", vsn)
			}
			return model.Refused("The virtual serial number %s cannot be transferred to %s: this NovaLink knows no other managed system.", vsn, r.Param("TargetManagedSystem"))
		}
		return nil
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
	} else {
		job.finish(c.clock.Now(), JobOK, "")
	}
	return job, nil
}

// assignVSN checks the virtual serial number a partition asks for: one
// of the system's, not another partition's; "auto" takes the first free
// one that may be assigned automatically.
func (tx *Tx) assignVSN(n, cur *model.Partition) error {
	if cur != nil && n.VSN == cur.VSN {
		return nil
	}
	switch strings.ToLower(n.VSN) {
	case "", "none":
		n.VSN = ""
		return nil
	case "auto":
		var free []string
		tx.each(model.KindVSN, func(o model.Object) {
			if v := o.(*model.VirtualSerial); v.AutoAssign && VSNOwner(tx.each, v.Serial) == nil {
				free = append(free, v.Serial)
			}
		})
		if len(free) == 0 {
			return model.Refused("No virtual serial number of this system is free to assign to partition %s; add one (AddVSN).", n.Name)
		}
		sort.Strings(free)
		n.VSN = free[0]
		return nil
	}
	v, err := CheckVSN(n.VSN)
	if err != nil {
		return err
	}
	n.VSN = v
	if tx.Get(model.KindVSN, v) == nil {
		return model.Invalid("The virtual serial number %s is not one of this system's; add it first (AddVSN).", v)
	}
	if p := VSNOwner(tx.each, v); p != nil && p.UUID != n.UUID {
		return model.Refused("The virtual serial number %s is already assigned to partition %s.", v, p.Name)
	}
	return nil
}

// ---- CloneUUID ----

// cloneUUID runs CloneUUID: the original partition (powered off) is
// deleted and the surrogate (targetLparName) takes its UUID, with its
// adapters, slots and storage mappings.
func (c *Core) cloneUUID(a Actor, r JobRequest, orig *model.Partition) (*Job, error) {
	name := strings.TrimSpace(r.Param("targetLparName"))
	if name == "" {
		return nil, model.Invalid("The CloneUUID job needs the parameter targetLparName: the surrogate partition that takes the UUID.")
	}
	job, err := c.newHoldingJob(a, r)
	if err != nil {
		return nil, err
	}
	err = c.Apply(a, func(tx *Tx) error {
		o := tx.Partition(orig.UUID)
		if o == nil {
			return model.ErrNoPartition(orig.UUID)
		}
		s := tx.PartitionByName(name)
		switch {
		case s == nil:
			return model.Invalid("There is no partition named %s to take the UUID of %s.", name, o.Name)
		case s.UUID == o.UUID:
			return model.Invalid("The surrogate partition %s is the original partition itself.", name)
		case s.IsVIOS() || s.IsMgmt || o.IsMgmt:
			return model.Invalid("CloneUUID applies to client partitions, not to a VIOS or the management partition.")
		case o.Active():
			return model.ErrOpNotAllowed(o.Name, o.State, "CloneUUID (the original partition is deleted)")
		}
		if err := tx.removePartition(o); err != nil {
			return err
		}
		return tx.rekeyPartition(s, o.UUID)
	})
	if err != nil {
		job.finish(c.clock.Now(), JobError, err.Error())
	} else {
		job.finish(c.clock.Now(), JobOK, "")
	}
	return job, nil
}

// removePartition stages the removal of a powered-off client partition
// with its adapters, storage mappings and I/O slots (as DeletePartition).
func (tx *Tx) removePartition(p *model.Partition) error {
	vios.RemovePartitionStorage(tx, p)
	for _, a := range tx.AdaptersOf(p.UUID) {
		tx.Delete(model.KindAdapter, a.UUID)
	}
	tx.each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == p.UUID {
			n := s.CloneObject().(*model.IOSlot)
			n.Owner = ""
			tx.Put(n)
		}
	})
	tx.DeletePartition(p.UUID)
	return nil
}

// rekeyPartition gives a client partition another UUID, moving what
// refers to it (adapters, I/O slots, vSCSI and vFC mappings).
func (tx *Tx) rekeyPartition(p *model.Partition, uuid string) error {
	old := p.UUID
	n := p.Clone()
	n.UUID = uuid
	for _, a := range tx.AdaptersOf(old) {
		m := a.Clone()
		m.Partition = uuid
		tx.Put(m, "Other")
	}
	tx.each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == old {
			m := s.CloneObject().(*model.IOSlot)
			m.Owner = uuid
			tx.Put(m)
		}
	})
	tx.each(model.KindSCSIMap, func(o model.Object) {
		if m := o.(*model.SCSIMapping); m.Client == old {
			c := *m
			c.Client = uuid
			tx.Put(&c)
		}
	})
	tx.each(model.KindFCMap, func(o model.Object) {
		if m := o.(*model.FCMapping); m.Client == old {
			c := m.CloneObject().(*model.FCMapping)
			c.Client = uuid
			tx.Put(c)
		}
	})
	tx.DeletePartition(old)
	tx.PutPartition(n, "Other")
	return nil
}

// ---- RescanVirtualDisk ----

// hasVirtualDisk tells whether a VIOS has a logical volume or a logical
// unit of this UniqueDeviceID: pypowervm's tasks.storage.rescan_vstor
// rescans those too (viosjobs.go's rescanJob rescans the disks, and
// asks this for the rest).
func (c *Core) hasVirtualDisk(viosUUID, udid string) bool {
	found := false
	c.Read(func(st *model.State) {
		tx := &Tx{c: c, st: st}
		for _, g := range vios.VGs(tx, viosUUID) {
			for _, l := range vios.LVs(tx, g.UUID) {
				if strings.EqualFold(l.UDID, udid) {
					found = true
				}
			}
		}
		if lu := vios.LUByUDID(tx, udid); lu != nil {
			found = true
		}
	})
	return found
}
