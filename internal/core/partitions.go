package core

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// NewPartitionTemplate returns a partition of type typ with the defaults a
// create request starts from (the caller overlays what the client sent).
func (c *Core) NewPartitionTemplate(typ model.PartitionType) *model.Partition {
	sys := c.System()
	region := sys.MemoryRegionSize
	p := &model.Partition{
		Type:            typ,
		MinMem:          region,
		DesMem:          region,
		MaxMem:          region,
		HPTRatio:        7,
		SharingMode:     model.SharingUncapped,
		MinUnits:        5,
		DesUnits:        50,
		MaxUnits:        100,
		MinVP:           1,
		DesVP:           1,
		MaxVP:           1,
		Weight:          128,
		State:           model.StateNotActivated,
		RefCode:         sim.RefCodeOff,
		RMCState:        model.RMCNone,
		BootMode:        "norm",
		Keylock:         "normal",
		OSVersion:       "Unknown",
		AvailPriority:   127,
		MaxVirtualSlots: 64,
		ProcCompatMode:  "default",
	}
	if typ == model.TypeVIOS {
		p.AvailPriority = 191
		p.MaxVirtualSlots = 200
	}
	if typ == model.TypeOS400 {
		// IBM i under NovaLink has virtual I/O only (restricted I/O),
		// its console on the management console, IPL from side B.
		p.RestrictedIO = true
		p.IPLSource = "b"
		p.TaggedIO = model.TaggedIO{LoadSource: "NONE", AltLoadSource: "NONE", Console: "HMC"}
	}
	return p
}

// NormalizeUUID returns the canonical (upper-case) form of a partition
// UUID, or an error when s is not a UUID.
func NormalizeUUID(s string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", model.Invalid("%q is not a valid UUID.", s)
	}
	return strings.ToUpper(u.String()), nil
}

// NewPartitionUUID returns a fresh partition UUID in PowerVM's style.
func NewPartitionUUID() string { return PowerVMUUID(uuid.NewString()) }

// PowerVMUUID puts a UUID in PowerVM's form for partitions: upper case,
// with the top bit of its first byte clear (pypowervm refuses a partition
// UUID whose first hex digit is above 7).
func PowerVMUUID(u string) string {
	for i := 0; i < len(u); i++ {
		if u[i] >= utf8.RuneSelf {
			return powerVMUUIDUnicode(u)
		}
	}
	if u == "" {
		return u
	}
	// ASCII (every UUID made here): upper case and the first digit set in
	// one pass and one allocation.
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		c := u[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if i == 0 {
			if d := strings.IndexByte("0123456789ABCDEF", c); d >= 0 {
				c = "01234567"[d&7]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// powerVMUUIDUnicode is PowerVMUUID for any string.
func powerVMUUIDUnicode(u string) string {
	u = strings.ToUpper(u)
	if u == "" {
		return u
	}
	d := strings.IndexByte("0123456789ABCDEF", u[0])
	if d < 0 {
		return u
	}
	return string("01234567"[d&7]) + u[1:]
}

// EtagOf returns the etag of an object revision.
func EtagOf(rev uint64) string { return strconv.FormatUint(rev, 10) }

// CreatePartition adds a partition. p comes from NewPartitionTemplate with
// the client's values; ID 0 means the next free ID, an empty UUID a new one.
func (c *Core) CreatePartition(a Actor, p *model.Partition) (*model.Partition, error) {
	var out *model.Partition
	err := c.Apply(a, func(tx *Tx) error {
		n := p.Clone()
		if n.UUID == "" {
			n.UUID = tx.NewPartitionUUID()
		} else {
			u, err := NormalizeUUID(n.UUID)
			if err != nil {
				return err
			}
			n.UUID = u
			if tx.Partition(u) != nil {
				return model.Invalid("A partition with UUID %s already exists.", u)
			}
			if owner := tx.uuidOwner(u, model.KindPartition); owner != "" {
				return ErrUUIDInUse(u, owner)
			}
		}
		if n.ID == 0 {
			id, err := tx.NextFreeID()
			if err != nil {
				return err
			}
			n.ID = id
		}
		sys := tx.System()
		n.State = model.StateNotActivated
		n.RefCode = sim.RefCodeOff
		n.RMCState = model.RMCNone
		n.RMCIP = ""
		n.IsMgmt = false
		n.CurMem, n.CurUnits, n.CurVP, n.CurProcs, n.CurMode, n.ActivatedAt = 0, 0, 0, 0, "", 0
		n.Created = tx.Now().UnixMilli()
		n.Op = 0
		if n.LogicalSerial == "" {
			n.LogicalSerial = logicalSerial(sys, n.ID)
		}
		n.MACPrefix = model.MACPrefixFor(sys, n.ID)
		if err := model.ValidateDefinition(sys, n); err != nil {
			return err
		}
		if err := tx.checkPartitionPool(n); err != nil {
			return err
		}
		if err := tx.assignVSN(n, nil); err != nil {
			return err
		}
		if err := tx.CheckUnique(n); err != nil {
			return err
		}
		tx.PutPartition(n)
		out = n
		return nil
	})
	return out, err
}

func logicalSerial(sys *model.ManagedSystem, id int) string {
	s := sys.Serial
	if len(s) > 6 {
		s = s[len(s)-6:]
	}
	if v := id % 256; v >= 0 {
		return s + hexBytes[2*v:2*v+2]
	}
	return fmt.Sprintf("%s%02X", s, id%256)
}

// hexBytes are the bytes 00 to FF in upper-case hex, two digits each.
var hexBytes = func() string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, 512)
	for v := range 256 {
		b = append(b, digits[v>>4], digits[v&15])
	}
	return string(b)
}()

// UpdatePartition changes a partition: mutate edits a clone of the current
// partition (only the fields a client may set). etag, when not empty, must
// match the current revision. Changes to an active partition are dynamic
// (DLPAR): they need an active RMC connection and stay within the
// partition's minimum and maximum; limits and the processor mode can only
// change while it is powered off.
func (c *Core) UpdatePartition(a Actor, uuid, etag string, mutate func(p *model.Partition) error) (*model.Partition, error) {
	return c.UpdatePartitionAndSlots(a, uuid, etag, mutate, nil)
}

// UpdatePartitionAndSlots is UpdatePartition that also makes the partition
// own exactly the I/O slots of slots (when not nil), in the same operation:
// all of it happens or nothing.
func (c *Core) UpdatePartitionAndSlots(a Actor, uuid, etag string, mutate func(p *model.Partition) error, slots []int) (*model.Partition, error) {
	var out *model.Partition
	err := c.Apply(a, func(tx *Tx) error {
		if err := tx.updatePartition(uuid, etag, mutate, &out); err != nil {
			return err
		}
		if slots != nil {
			return tx.setPartitionSlots(uuid, slots)
		}
		return nil
	})
	if err == nil && slots != nil {
		c.Read(func(st *model.State) {
			if p := st.Partition(uuid); p != nil {
				out = p
			}
		})
	}
	return out, err
}

func (tx *Tx) updatePartition(uuid, etag string, mutate func(p *model.Partition) error, result **model.Partition) error {
	var out *model.Partition
	defer func() { *result = out }()
	err := func() error {
		cur := tx.Partition(uuid)
		if cur == nil {
			return model.ErrNoPartition(uuid)
		}
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale(cur.Name)
		}
		n := cur.Clone()
		if err := mutate(n); err != nil {
			return err
		}
		if n.ID != cur.ID {
			return model.ErrCreateOnly("PartitionID")
		}
		if n.Type != cur.Type {
			return model.ErrCreateOnly("PartitionType")
		}
		if n.UUID != cur.UUID {
			return model.ErrCreateOnly("PartitionUUID")
		}
		var detail []string
		if n.Name != cur.Name {
			detail = append(detail, "PartitionName")
		}
		if n.NVRAM != cur.NVRAM {
			detail = append(detail, "NVRAM")
		}
		if cur.Active() {
			if err := dlpar(tx, cur, n); err != nil {
				return err
			}
		}
		if err := model.ValidateDefinition(tx.System(), n); err != nil {
			return err
		}
		if n.PoolID != cur.PoolID || n.CurUnits != cur.CurUnits || n.Dedicated != cur.Dedicated {
			if err := tx.checkPartitionPool(n); err != nil {
				return err
			}
		}
		if err := tx.assignVSN(n, cur); err != nil {
			return err
		}
		if err := tx.CheckUnique(n); err != nil {
			return err
		}
		if *n == *cur {
			out = cur
			return nil
		}
		if cur.Mig != nil {
			return errMigrationHolds(cur)
		}
		tx.PutPartition(n, append(detail, "Other")...)
		out = n
		return nil
	}()
	return err
}

// dlpar checks and applies the dynamic part of an update of an active
// partition: current resources follow the new desired values.
func dlpar(tx *Tx, cur, n *model.Partition) error {
	limits := cur.MinMem != n.MinMem || cur.MaxMem != n.MaxMem ||
		cur.Dedicated != n.Dedicated ||
		cur.MinUnits != n.MinUnits || cur.MaxUnits != n.MaxUnits ||
		cur.MinVP != n.MinVP || cur.MaxVP != n.MaxVP ||
		cur.MinProcs != n.MinProcs || cur.MaxProcs != n.MaxProcs ||
		cur.HPTRatio != n.HPTRatio || cur.ProcCompatMode != n.ProcCompatMode ||
		cur.NVRAM != n.NVRAM
	if limits {
		return model.ErrNotPoweredOff()
	}
	resources := cur.DesMem != n.DesMem || cur.DesUnits != n.DesUnits || cur.DesVP != n.DesVP || cur.DesProcs != n.DesProcs
	if !resources {
		return nil
	}
	if cur.State != model.StateRunning {
		return model.ErrOpNotAllowed(cur.Name, cur.State, "a dynamic change of memory or processors")
	}
	if cur.RMCState != model.RMCActive {
		return tx.withRMCHint(cur, model.Refused("Partition %s has no active RMC connection (RMC state %s); memory and processors can only be changed dynamically when RMC is active.", cur.Name, cur.RMCState))
	}
	// The new allocation must fit in what the other partitions leave free.
	n.CurMem = n.DesMem
	if n.Dedicated {
		n.CurProcs = n.DesProcs
	} else {
		n.CurUnits, n.CurVP = n.DesUnits, n.DesVP
	}
	others := tx.Accounting().Sub(cur.Holds())
	return sim.CheckHold(tx.System(), others, n)
}

// DeletePartition removes a powered-off partition.
func (c *Core) DeletePartition(a Actor, uuid, etag string) error {
	return c.Apply(a, func(tx *Tx) error {
		cur := tx.Partition(uuid)
		if cur == nil {
			return model.ErrNoPartition(uuid)
		}
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale(cur.Name)
		}
		if cur.IsMgmt {
			return model.ErrMgmtPartition("deleted")
		}
		if cur.Mig != nil {
			return errMigrationHolds(cur)
		}
		if cur.Active() {
			return model.ErrNotPoweredOff()
		}
		for _, b := range tx.Bridges() {
			for _, s := range b.SEAs {
				if s.VIOS == uuid {
					return model.Refused("Virtual I/O Server %s hosts shared Ethernet adapter %s of network bridge %s; remove the bridge first.", cur.Name, s.Device, b.UUID)
				}
			}
		}
		if cur.IsVIOS() {
			if err := vios.CheckRemovable(tx, cur); err != nil {
				return err
			}
			if err := sriov.CheckRemovable(tx, cur); err != nil {
				return err
			}
		}
		deletePartitionTx(tx, cur)
		return nil
	})
}

// deletePartitionTx stages the removal of a partition: its virtual
// adapters and storage mappings go with it (a VIOS's devices too); its
// I/O slots become free.
func deletePartitionTx(tx *Tx, cur *model.Partition) {
	uuid := cur.UUID
	vios.RemovePartitionStorage(tx, cur)
	sriov.PartitionGone(tx, cur)
	for _, a := range tx.AdaptersOf(uuid) {
		tx.Delete(model.KindAdapter, a.UUID)
	}
	tx.each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == uuid {
			n := s.CloneObject().(*model.IOSlot)
			n.Owner = ""
			tx.Put(n)
		}
	})
	tx.DeletePartition(uuid)
}

// UpdateSystem changes the managed system's settable attributes (its name).
func (c *Core) UpdateSystem(a Actor, etag string, mutate func(s *model.ManagedSystem) error) (*model.ManagedSystem, error) {
	var out *model.ManagedSystem
	err := c.Apply(a, func(tx *Tx) error {
		cur := tx.System()
		if etag != "" && etag != EtagOf(cur.Rev) {
			return model.Stale(cur.Name)
		}
		n := cur.Clone()
		if err := mutate(n); err != nil {
			return err
		}
		if err := model.ValidateSystemName(n.Name); err != nil {
			return err
		}
		if n.Name == cur.Name {
			out = cur
			return nil
		}
		tx.PutSystem(n)
		out = n
		return nil
	})
	return out, err
}
