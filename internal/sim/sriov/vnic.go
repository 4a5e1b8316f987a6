package sriov

import (
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// BackingSpec is a vNIC backing device to make: a logical port of a
// physical port, owned by a VIOS.
type BackingSpec struct {
	VIOS     string // VIOS UUID
	Adapter  int
	Port     int
	Capacity model.Percent
	MaxCap   model.Percent
	Priority int // failover priority (0: by position, 50 apart)
}

// VNICSpec is a dedicated vNIC to make.
type VNICSpec struct {
	Slot         int    // 0: the next free slot
	MAC          string // "" to make one
	PVID         int
	AllowedVLANs string // ALL (default), NONE, or VLAN IDs separated by blanks or commas
	AllowedMACs  string // ALL (default), NONE or MACs
	Backing      []BackingSpec
}

// SlotFree checks a slot a vNIC wants, given the partition's used slots.
type SlotFree func(p *model.Partition, slot int) error

// FreeSlot finds a partition's next free virtual slot.
type FreeSlot func(p *model.Partition) (int, error)

// CreateVNIC makes a client partition's dedicated vNIC with its backing
// devices (each a logical port on a VIOS that is running with RMC and
// vNIC capable; at most one per physical port and VIOS pair). slotFree
// and freeSlot come from the VIOS's slot accounting.
func CreateVNIC(tx Tx, client *model.Partition, spec VNICSpec, slotFree SlotFree, freeSlot FreeSlot) (*model.VirtualNIC, error) {
	if client.IsVIOS() {
		return nil, model.ErrSRIOVInvalid("A vNIC belongs to a client partition, not to the Virtual I/O Server %s.", client.Name)
	}
	if err := client.DLPARAllowed("adding a vNIC"); err != nil {
		return nil, err
	}
	if len(spec.Backing) == 0 {
		return nil, model.ErrSRIOVInvalid("A vNIC needs at least one backing device (a physical port and a Virtual I/O Server).")
	}
	if len(spec.Backing) > 6 {
		return nil, model.ErrSRIOVInvalid("A vNIC has at most 6 backing devices, not %d.", len(spec.Backing))
	}
	v := &model.VirtualNIC{UUID: uuid.NewString(), Partition: client.UUID, PVID: spec.PVID, Created: tx.Now().UnixMilli(),
		AllowedVLANs: orStr(spec.AllowedVLANs, "ALL"), AllowedMACs: orStr(spec.AllowedMACs, "ALL")}
	if spec.PVID != 0 {
		if err := model.ValidateVLAN("PortVLANID", spec.PVID); err != nil {
			return nil, err
		}
	}
	if err := validateList(v.AllowedVLANs, "AllowedVLANIDs"); err != nil {
		return nil, err
	}
	var err error
	if spec.Slot != 0 {
		if err := slotFree(client, spec.Slot); err != nil {
			return nil, err
		}
		v.Slot = spec.Slot
	} else if v.Slot, err = freeSlot(client); err != nil {
		return nil, err
	}
	if spec.MAC != "" {
		mac := strings.ToUpper(strings.ReplaceAll(spec.MAC, ":", ""))
		if err := model.ValidateMAC(mac); err != nil {
			return nil, err
		}
		if macInUse(tx, mac) {
			return nil, model.ErrSRIOVInvalid("The MAC address %s is already in use.", mac)
		}
		v.MAC = mac
	} else {
		prefix := client.MACPrefix
		if prefix == 0 {
			prefix = model.MACPrefixFor(tx.System(), client.ID)
		}
		v.MAC = model.FormatMAC(prefix + uint64(v.Slot))
		if macInUse(tx, v.MAC) {
			v.MAC = newMAC(tx, client, v.Slot)
		}
	}
	seen := map[string]bool{}
	for i, b := range spec.Backing {
		vios := tx.Partition(b.VIOS)
		if vios == nil || !vios.IsVIOS() {
			return nil, model.ErrNoObject("VirtualIOServer", b.VIOS)
		}
		if vios.State != model.StateRunning || vios.RMCState != model.RMCActive {
			return nil, model.ErrSRIOV("The Virtual I/O Server %s is %s with RMC %s; a vNIC's backing device needs it running with an active RMC connection.", vios.Name, vios.State, vios.RMCState)
		}
		key := vios.UUID + "/" + strconv.Itoa(b.Adapter) + "/" + strconv.Itoa(b.Port)
		if seen[key] {
			return nil, model.ErrSRIOVInvalid("Two backing devices of the vNIC are on port %d of adapter %d through %s; each needs its own port or VIOS.", b.Port, b.Adapter, vios.Name)
		}
		seen[key] = true
		lp, err := CreateLogicalPort(tx, vios, LPSpec{Adapter: b.Adapter, Port: b.Port, Capacity: b.Capacity, MaxCap: b.MaxCap, MAC: newMAC(tx, vios, i*7+v.Slot)}, v.UUID)
		if err != nil {
			return nil, err
		}
		prio := b.Priority
		if prio == 0 {
			prio = 50 * (i + 1)
		}
		v.Backing = append(v.Backing, model.VNICBacking{VIOS: vios.UUID, Adapter: lp.Adapter, Port: lp.Port, LPort: lp.UUID,
			Capacity: lp.Capacity, MaxCap: lp.MaxCap, Priority: prio})
	}
	tx.Put(v)
	return v, nil
}

func validateList(s, field string) error {
	switch s {
	case "ALL", "NONE":
		return nil
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return model.ErrBadValue(field, s, "ALL, NONE or VLAN IDs")
		}
		if err := model.ValidateVLAN(field, n); err != nil {
			return err
		}
	}
	return nil
}

// RemoveVNIC removes a vNIC and its backing devices' logical ports.
func RemoveVNIC(tx Tx, v *model.VirtualNIC) error {
	if p := tx.Partition(v.Partition); p != nil {
		if err := p.DLPARAllowed("removing a vNIC"); err != nil {
			return err
		}
	}
	for _, b := range v.Backing {
		if lp, _ := tx.Get(model.KindSRIOVLP, b.LPort).(*model.SRIOVLogicalPort); lp != nil {
			tx.Delete(model.KindSRIOVLP, lp.UUID)
			if a := AdapterByID(tx, lp.Adapter); a != nil {
				touchAdapter(tx, a)
			}
		}
	}
	tx.Delete(model.KindVNIC, v.UUID)
	return nil
}

// Active returns the index of a vNIC's active backing device: the one of
// lowest priority whose VIOS runs and whose port's link is up (-1: none).
func Active(tx Tx, v *model.VirtualNIC) int {
	best := -1
	for i, b := range v.Backing {
		if !BackingWorks(tx, b) {
			continue
		}
		if best < 0 || b.Priority < v.Backing[best].Priority {
			best = i
		}
	}
	return best
}

// BackingWorks tells whether a backing device can carry traffic.
func BackingWorks(tx Tx, b model.VNICBacking) bool {
	vios := tx.Partition(b.VIOS)
	a := AdapterByID(tx, b.Adapter)
	if vios == nil || a == nil || vios.State != model.StateRunning {
		return false
	}
	p := a.Port(b.Port)
	return p != nil && p.LinkUp && a.State == model.SRIOVRunning
}

// PartitionGone stages what goes with a deleted partition: its vNICs
// and their logical ports, and the logical ports it owns.
func PartitionGone(tx Tx, p *model.Partition) {
	for _, v := range VNICs(tx, p.UUID) {
		for _, b := range v.Backing {
			tx.Delete(model.KindSRIOVLP, b.LPort)
		}
		tx.Delete(model.KindVNIC, v.UUID)
	}
	for _, lp := range LogicalPorts(tx, func(lp *model.SRIOVLogicalPort) bool { return lp.Partition == p.UUID }) {
		tx.Delete(model.KindSRIOVLP, lp.UUID)
	}
}

// CheckRemovable refuses to delete a VIOS whose logical ports back other
// partitions' vNICs.
func CheckRemovable(tx Tx, vios *model.Partition) error {
	var users []string
	for _, v := range VNICs(tx, "") {
		for _, b := range v.Backing {
			if b.VIOS == vios.UUID && v.Partition != vios.UUID {
				users = append(users, partitionName(tx, v.Partition))
			}
		}
	}
	if len(users) == 0 {
		return nil
	}
	sort.Strings(users)
	return model.ErrSRIOV("Virtual I/O Server %s backs the vNICs of %s; remove them first.", vios.Name, strings.Join(users, ", "))
}

// SetPortLabel changes a physical port's label and sub-label (what the
// SR-IOV agent maps to physical networks).
func SetPortLabel(tx Tx, a *model.SRIOVAdapter, port int, label, sublabel *string) error {
	n := a.CloneObject().(*model.SRIOVAdapter)
	p := n.Port(port)
	if p == nil {
		return model.ErrNoObject("SR-IOV physical port", strconv.Itoa(port)+" of adapter "+strconv.Itoa(a.ID))
	}
	for _, l := range []*string{label, sublabel} {
		if l == nil {
			continue
		}
		if len(*l) > 16 || strings.ContainsAny(*l, "\t\n/\\\"'") {
			return model.ErrSRIOVInvalid("The port label %q is not valid: at most 16 characters, no quotes, slashes or control characters.", *l)
		}
	}
	changed := false
	if label != nil && *label != p.Label {
		p.Label, changed = *label, true
	}
	if sublabel != nil && *sublabel != p.SubLabel {
		p.SubLabel, changed = *sublabel, true
	}
	if changed {
		tx.Put(n, "SRIOVPhysicalPort.ConfigChange")
	}
	return nil
}

func orStr(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
