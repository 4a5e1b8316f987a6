package core

import (
	"strconv"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// Shared processor pools (model.ProcPool): the default pool 0 and the
// user pools 1-63, configured by giving them a maximum (and a reserve).
// A partition with shared processors runs in one; while active, the
// entitled capacity of a user pool's partitions plus its reserve stays
// within its maximum, and the reserves of all pools are held from the
// system's processing units.

// ProcPoolUUID is the (stable) UUID of a shared processor pool.
func ProcPoolUUID(sysUUID string, id int) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte(sysUUID+"/SharedProcessorPool/"+strconv.Itoa(id))).String()
}

// ProcPoolPath is the API path of a shared processor pool.
func ProcPoolPath(sysUUID string, id int) string {
	return SystemPath(sysUUID) + "/SharedProcessorPool/" + ProcPoolUUID(sysUUID, id)
}

// PoolHeld is what the active partitions of a pool hold (entitled
// processing units), but the partition except.
func PoolHeld(each func(model.ObjKind, func(model.Object)), pool int, except string) model.Units {
	var held model.Units
	each(model.KindPartition, func(o model.Object) {
		p := o.(*model.Partition)
		if p.UUID != except && !p.Dedicated && p.PoolID == pool && p.Active() {
			held += p.CurUnits
		}
	})
	return held
}

// checkPartitionPool checks a partition's shared processor pool: it must
// be configured, and while the partition is active the pool must hold its
// entitlement.
func (tx *Tx) checkPartitionPool(n *model.Partition) error {
	if n.Dedicated {
		return nil
	}
	pool := model.ProcPoolOf(tx.Get, n.PoolID)
	if pool == nil || !pool.Configured() {
		return model.ErrNoProcPool(n.PoolID)
	}
	if pool.ID == 0 || !n.Active() {
		return nil
	}
	room := pool.MaxUnits - pool.ReservedUnits - PoolHeld(tx.each, pool.ID, n.UUID)
	if n.CurUnits > room {
		if room < 0 {
			room = 0
		}
		return model.ErrPoolFull(pool, n.Name, n.CurUnits, room)
	}
	return nil
}

// ProcPoolWant is what a client sets on a pool (nil: unchanged).
type ProcPoolWant struct {
	Name     *string
	MaxUnits *model.Units
	Reserved *model.Units
}

// UpdateProcPool changes a pool's name, maximum and reserve. etag, when
// not empty, must be the pool's current one (see the REST layer).
func (c *Core) UpdateProcPool(a Actor, id int, want ProcPoolWant) (*model.ProcPool, error) {
	var out *model.ProcPool
	err := c.Apply(a, func(tx *Tx) error {
		cur := model.ProcPoolOf(tx.Get, id)
		if cur == nil {
			return model.ErrNoObject("SharedProcessorPool", strconv.Itoa(id))
		}
		n := cur.CloneObject().(*model.ProcPool)
		if want.Name != nil {
			n.Name = *want.Name
		}
		if want.MaxUnits != nil {
			n.MaxUnits = *want.MaxUnits
		}
		if want.Reserved != nil {
			n.ReservedUnits = *want.Reserved
		}
		if *n == *cur {
			out = cur
			return nil
		}
		if id == 0 {
			return model.Invalid("The default shared processor pool (ID 0) holds all the shared processors: its name, maximum and reserve cannot change.")
		}
		if n.Name != cur.Name {
			if err := model.ValidateName(n.Name); err != nil {
				return model.Invalid("The shared processor pool name %q is not valid.", n.Name)
			}
			for i := 0; i < model.MaxProcPools; i++ {
				if o := model.ProcPoolOf(tx.Get, i); i != id && o.Name == n.Name {
					return model.Invalid("The shared processor pool name %s is already used by pool %d.", n.Name, i)
				}
			}
		}
		sys := tx.System()
		if n.MaxUnits > sys.ConfigurableProcUnits {
			return model.Invalid("The maximum processing units %s of shared processor pool %s exceed the configurable processing units of the system (%s).", n.MaxUnits, n.Name, sys.ConfigurableProcUnits)
		}
		if n.ReservedUnits > n.MaxUnits {
			return model.Invalid("The reserved processing units %s of shared processor pool %s exceed its maximum %s.", n.ReservedUnits, n.Name, n.MaxUnits)
		}
		var members []string
		tx.each(model.KindPartition, func(o model.Object) {
			if p := o.(*model.Partition); !p.Dedicated && p.PoolID == id {
				members = append(members, p.Name)
			}
		})
		if n.MaxUnits == 0 && len(members) > 0 {
			return model.Refused("Shared processor pool %s still has partitions (%s); move them to another pool before setting its maximum to 0.", n.Name, joinComma(members))
		}
		if held := PoolHeld(tx.each, id, ""); held+n.ReservedUnits > n.MaxUnits && n.MaxUnits > 0 {
			return model.Refused("The active partitions of shared processor pool %s hold %s processing units: with a reserve of %s its maximum cannot be below %s.", n.Name, held, n.ReservedUnits, held+n.ReservedUnits)
		}
		if n.Created == 0 {
			n.Created = tx.Now().UnixMilli()
		}
		tx.Put(n, "Other")
		if avail := sys.AvailableUnits(tx.Accounting()); avail < 0 {
			return model.Refused("The system has not the %s processing units the reserve of shared processor pool %s needs (%s are available).", n.ReservedUnits-cur.ReservedUnits, n.Name, avail+n.ReservedUnits-cur.ReservedUnits)
		}
		out = n
		return nil
	})
	return out, err
}
