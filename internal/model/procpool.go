package model

import (
	"fmt"
	"strconv"
)

// KindProcPool is the kind of the shared processor pools a client
// configured (the others have their defaults and are not stored).
const KindProcPool ObjKind = "procpools"

// Shared processor pools: the system has MaxProcPools of them. Pool 0 is
// the default pool (all the shared processors); pools 1-63 exist from the
// start unconfigured (SharedPoolNN, maximum 0) and become usable when
// given a maximum. Partitions with shared processors run in one
// (SharedProcessorPoolID).
const (
	MaxProcPools    = 64
	DefaultPoolName = "DefaultPool"
)

// ProcPool is a shared processor pool's configuration.
type ProcPool struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Created int64  `json:"created,omitempty"`
	Rev     uint64 `json:"rev"`
	// MaxUnits bounds the entitled capacity of the pool's active
	// partitions plus its reserve; 0 means the pool is not configured.
	MaxUnits Units `json:"maxUnits"`
	// ReservedUnits are held for the pool (taken from the system's
	// available processing units) whether its partitions use them or not.
	ReservedUnits Units `json:"reservedUnits"`
}

func (p *ProcPool) Kind() ObjKind        { return KindProcPool }
func (p *ProcPool) Key() string          { return strconv.Itoa(p.ID) }
func (p *ProcPool) Revision() uint64     { return p.Rev }
func (p *ProcPool) SetRevision(r uint64) { p.Rev = r }
func (p *ProcPool) CloneObject() Object  { c := *p; return &c }

// DefaultProcPool is pool id as the system has it before anyone
// configures it.
func DefaultProcPool(id int) *ProcPool {
	if id == 0 {
		return &ProcPool{ID: 0, Name: DefaultPoolName}
	}
	return &ProcPool{ID: id, Name: fmt.Sprintf("SharedPool%02d", id)}
}

// Configured tells whether partitions may run in the pool.
func (p *ProcPool) Configured() bool { return p.ID == 0 || p.MaxUnits > 0 }

// ProcPoolOf returns pool id of a state (its default when not stored), or
// nil when id is not a pool of the system.
func ProcPoolOf(get func(ObjKind, string) Object, id int) *ProcPool {
	if id < 0 || id >= MaxProcPools {
		return nil
	}
	if p, ok := get(KindProcPool, strconv.Itoa(id)).(*ProcPool); ok && p != nil {
		return p
	}
	return DefaultProcPool(id)
}

// ErrNoProcPool refuses a pool that does not exist or is not configured.
func ErrNoProcPool(id int) *Error {
	if id < 0 || id >= MaxProcPools {
		return newErr(KindInvalid, "PVME01050110-0060", "The shared processor pool %d does not exist; the pools are 0 (the default pool) to %d.", id, MaxProcPools-1)
	}
	return newErr(KindInvalid, "PVME01050110-0061", "The shared processor pool %d is not configured (its maximum processing units are 0); configure it before assigning partitions to it.", id)
}

// ErrPoolFull refuses an entitlement the pool cannot hold.
func ErrPoolFull(pool *ProcPool, name string, need, avail Units) *Error {
	return newErr(KindRefused, "PVME01050203-0062", "Shared processor pool %s (ID %d) cannot hold the %s processing units of partition %s: its maximum %s less its reserve and what its active partitions hold leaves %s.",
		pool.Name, pool.ID, need, name, pool.MaxUnits, avail)
}

// KindVSN is the kind of the system's virtual serial numbers.
const KindVSN ObjKind = "vsns"

// VirtualSerial is a virtual serial number of the system (AddVSN): a
// partition may be given it (Partition.VSN) as its serial number.
type VirtualSerial struct {
	Serial     string `json:"serial"`
	AutoAssign bool   `json:"autoAssign"`
	Created    int64  `json:"created,omitempty"`
	Rev        uint64 `json:"rev"`
}

func (v *VirtualSerial) Kind() ObjKind        { return KindVSN }
func (v *VirtualSerial) Key() string          { return v.Serial }
func (v *VirtualSerial) Revision() uint64     { return v.Rev }
func (v *VirtualSerial) SetRevision(r uint64) { v.Rev = r }
func (v *VirtualSerial) CloneObject() Object  { c := *v; return &c }
