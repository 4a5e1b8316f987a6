package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Switch modes.
const (
	SwitchVEB  = "Veb"
	SwitchVEPA = "Vepa"
)

// Well-known switches and VLANs of a NovaLink server.
const (
	DefaultSwitch = "ETHERNET0"
	MgmtSwitch    = "MGMTSWITCH"
	MgmtVLAN      = 4094
)

// VirtualSwitch is a hypervisor virtual Ethernet switch.
type VirtualSwitch struct {
	UUID    string `json:"uuid"`
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Mode    string `json:"mode"` // Veb or Vepa
	Created int64  `json:"created"`
	Rev     uint64 `json:"rev"`
}

func (s *VirtualSwitch) Kind() ObjKind        { return KindSwitch }
func (s *VirtualSwitch) Key() string          { return s.UUID }
func (s *VirtualSwitch) Revision() uint64     { return s.Rev }
func (s *VirtualSwitch) SetRevision(r uint64) { s.Rev = r }
func (s *VirtualSwitch) CloneObject() Object  { c := *s; return &c }

// MaxSwitches is how many virtual switches the hypervisor supports.
const MaxSwitches = 16

// ValidateSwitch checks a switch's name and mode.
func ValidateSwitch(s *VirtualSwitch) error {
	if strings.TrimSpace(s.Name) == "" || len(s.Name) > 31 || strings.ContainsAny(s.Name, " ()<>*$&?|[]'\"`\\/") || !validatePrintable(s.Name) {
		return newErr(KindInvalid, "PVME01050301-0060", "The virtual switch name %q is not valid: use 1 to 31 characters without spaces or ()<>*$&?|[]'\"`\\/.", s.Name)
	}
	if s.Mode != SwitchVEB && s.Mode != SwitchVEPA {
		return ErrBadValue("SwitchMode", s.Mode, "Veb, Vepa")
	}
	if s.ID < 0 || s.ID >= MaxSwitches {
		return newErr(KindInvalid, "PVME01050302-0061", "The virtual switch ID %d is not valid: IDs go from 0 to %d.", s.ID, MaxSwitches-1)
	}
	return nil
}

// EthernetAdapter is a virtual Ethernet adapter of a partition: a client
// adapter (ClientNetworkAdapter) or, on a VIOS, a trunk adapter (bridging
// its switch to a physical network through a SEA, or NovaLink's own trunk
// on MGMTSWITCH).
type EthernetAdapter struct {
	UUID      string `json:"uuid"`
	Partition string `json:"partition"` // owner partition UUID
	Slot      int    `json:"slot"`
	MAC       string `json:"mac"` // 12 upper-case hex digits
	PVID      int    `json:"pvid"`
	Tagged    []int  `json:"tagged,omitempty"`
	// TaggedSupported says the adapter carries the Tagged VLANs (IEEE
	// 802.1Q); without it Tagged must be empty.
	TaggedSupported bool   `json:"taggedSupported,omitempty"`
	SwitchID        int    `json:"switchID"`
	Trunk           bool   `json:"trunk,omitempty"`
	TrunkPriority   int    `json:"trunkPriority,omitempty"`
	Enabled         bool   `json:"enabled"`
	Device          string `json:"device,omitempty"` // VIOS device name (entN); the management partition's as its client named it
	// The management partition's adapters may be ports of an Open
	// vSwitch bridge (SDN, nova-powervm's OVS VIF driver): the bridge,
	// the port's external-ids ("k=v,k=v") and the MTU.
	OvsBridge string `json:"ovsBridge,omitempty"`
	OvsExtIDs string `json:"ovsExtIDs,omitempty"`
	MTU       int    `json:"mtu,omitempty"`
	Created   int64  `json:"created"`
	Rev       uint64 `json:"rev"`
}

func (a *EthernetAdapter) Kind() ObjKind        { return KindAdapter }
func (a *EthernetAdapter) Key() string          { return a.UUID }
func (a *EthernetAdapter) Revision() uint64     { return a.Rev }
func (a *EthernetAdapter) SetRevision(r uint64) { a.Rev = r }
func (a *EthernetAdapter) CloneObject() Object  { return a.Clone() }

// Clone returns a copy to change.
func (a *EthernetAdapter) Clone() *EthernetAdapter {
	c := *a
	c.Tagged = append([]int(nil), a.Tagged...)
	return &c
}

// VLANs returns the PVID and the tagged VLANs.
func (a *EthernetAdapter) VLANs() []int { return append([]int{a.PVID}, a.Tagged...) }

// LocationCode is U<type>.<model>.<serial>-V<partition id>-C<slot>.
func LocationCode(sys *ManagedSystem, partitionID, slot int) string {
	return fmt.Sprintf("U%s.%s.%s-V%d-C%d", sys.Type, sys.Model, sys.Serial, partitionID, slot)
}

// Limits of virtual Ethernet adapters.
const (
	MaxTaggedVLANs   = 20 // per adapter (IEEE 802.1Q)
	MaxTrunkPriority = 15
	FirstUserSlot    = 2 // slots 0 and 1 are the virtual serial adapters
	// MaxVirtualSlotsLimit is the most virtual I/O slots a partition may
	// have (MaximumVirtualIOSlots).
	MaxVirtualSlotsLimit = 65535
)

// ValidateVLAN checks one VLAN ID.
func ValidateVLAN(field string, v int) error {
	if v < 1 || v > 4094 {
		return newErr(KindInvalid, "PVME01050310-0062", "The VLAN ID %d (%s) is not valid: VLAN IDs go from 1 to 4094.", v, field)
	}
	return nil
}

// ValidateAdapter checks an adapter on its own (its partition's limits and
// uniqueness are checked by the core).
func ValidateAdapter(a *EthernetAdapter, owner *Partition) error {
	if err := ValidateVLAN("PortVLANID", a.PVID); err != nil {
		return err
	}
	if len(a.Tagged) > 0 && !a.TaggedSupported {
		return newErr(KindInvalid, "PVME01050311-0063", "Tagged VLANs need TaggedVLANSupported=true on the adapter.")
	}
	if len(a.Tagged) > MaxTaggedVLANs {
		return newErr(KindInvalid, "PVME01050311-0064", "An adapter carries at most %d tagged VLANs, not %d.", MaxTaggedVLANs, len(a.Tagged))
	}
	seen := map[int]bool{}
	for _, v := range a.Tagged {
		if err := ValidateVLAN("TaggedVLANIDs", v); err != nil {
			return err
		}
		if v == a.PVID {
			return newErr(KindInvalid, "PVME01050311-0065", "The port VLAN ID %d cannot also be a tagged VLAN of the adapter.", v)
		}
		if seen[v] {
			return newErr(KindInvalid, "PVME01050311-0066", "The tagged VLAN %d is listed twice.", v)
		}
		seen[v] = true
	}
	if err := ValidateMAC(a.MAC); err != nil {
		return err
	}
	if a.Trunk {
		if !owner.IsVIOS() && !owner.IsMgmt {
			return newErr(KindInvalid, "PVME01050312-0067", "Partition %s is a client partition: only a Virtual I/O Server (or the management partition) can have a trunk adapter.", owner.Name)
		}
		if a.TrunkPriority < 1 || a.TrunkPriority > MaxTrunkPriority {
			return newErr(KindInvalid, "PVME01050312-0068", "The trunk priority %d is not valid: it goes from 1 to %d.", a.TrunkPriority, MaxTrunkPriority)
		}
	} else if a.TrunkPriority != 0 {
		return newErr(KindInvalid, "PVME01050312-0069", "Only a trunk adapter has a trunk priority.")
	}
	if (a.OvsBridge != "" || a.OvsExtIDs != "" || a.MTU != 0) && !owner.IsMgmt {
		return newErr(KindInvalid, "PVME01050314-0071", "OvsBridge, OvsPortExternalIds and ConfiguredMTU apply to the management partition's adapters only; %s is not the management partition.", owner.Name)
	}
	if a.OvsExtIDs != "" && a.OvsBridge == "" {
		return newErr(KindInvalid, "PVME01050314-0072", "OvsPortExternalIds needs OvsBridge: the Open vSwitch bridge the port is on.")
	}
	if a.MTU != 0 && (a.MTU < 576 || a.MTU > 9000) {
		return newErr(KindInvalid, "PVME01050314-0073", "The MTU %d is not valid: it goes from 576 to 9000.", a.MTU)
	}
	if err := validOvsName("OvsBridge", a.OvsBridge); err != nil {
		return err
	}
	if owner.IsMgmt {
		if err := validOvsName("DeviceName", a.Device); err != nil {
			return err
		}
	}
	if a.Slot < FirstUserSlot || a.Slot >= owner.MaxVirtualSlots {
		return newErr(KindInvalid, "PVME01050313-0070", "The virtual slot %d is not valid for partition %s: slots go from %d to %d.", a.Slot, owner.Name, FirstUserSlot, owner.MaxVirtualSlots-1)
	}
	return nil
}

// MACPrefixFor is the MAC prefix of partition id on a system: a locally
// administered unicast address (first byte 0x0A), 12 bits from the
// system's serial, 16 bits of partition ID, and 12 bits left for the slot.
func MACPrefixFor(sys *ManagedSystem, id int) uint64 {
	var h uint32 = 2166136261
	for _, c := range sys.Serial {
		h = (h ^ uint32(c)) * 16777619
	}
	return 0x0A<<40 | uint64(h&0xFFF)<<28 | uint64(id&0xFFFF)<<12
}

// FormatMAC writes a 48-bit MAC as 12 upper-case hex digits.
func FormatMAC(v uint64) string { return fmt.Sprintf("%012X", v&0xFFFFFFFFFFFF) }

// ValidateMAC checks a MAC address: 12 hex digits, unicast.
func ValidateMAC(mac string) error {
	if len(mac) != 12 {
		return newErr(KindInvalid, "PVME01050314-0071", "The MAC address %q is not valid: it has 12 hexadecimal digits.", mac)
	}
	v, err := strconv.ParseUint(mac, 16, 64)
	if err != nil {
		return newErr(KindInvalid, "PVME01050314-0071", "The MAC address %q is not valid: it has 12 hexadecimal digits.", mac)
	}
	if v>>40&1 == 1 {
		return newErr(KindInvalid, "PVME01050314-0072", "The MAC address %s is a multicast address; a virtual adapter needs a unicast one.", mac)
	}
	return nil
}

// NormalizeMAC accepts 12 hex digits with or without ':' or '-' separators
// and returns them upper case.
func NormalizeMAC(s string) string {
	s = strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.TrimSpace(s))
	return strings.ToUpper(s)
}

// ParseVLANList reads a space (or comma) separated VLAN list.
func ParseVLANList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, newErr(KindInvalid, "PVME01050310-0073", "The VLAN list %q is not valid: %q is not a number.", s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// FormatVLANList writes VLANs space separated (as the REST API does).
func FormatVLANList(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, " ")
}

// LinkLocalFromMAC derives the IPv6 link-local address of a MAC (EUI-64:
// flip the universal/local bit, insert FFFE in the middle).
func LinkLocalFromMAC(mac string) string {
	v, err := strconv.ParseUint(mac, 16, 64)
	if err != nil || len(mac) != 12 {
		return ""
	}
	b := [6]byte{}
	for i := 5; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	b[0] ^= 0x02
	return fmt.Sprintf("fe80::%x:%x:%x:%x",
		uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|0xff, 0xfe00|uint16(b[3]), uint16(b[4])<<8|uint16(b[5]))
}

// NetworkBridge bridges a virtual switch to physical networks through one
// SEA per VIOS (two for failover: a primary and a backup).
type NetworkBridge struct {
	UUID          string `json:"uuid"`
	PVID          int    `json:"pvid"`
	SwitchID      int    `json:"switchID"`
	LoadBalancing bool   `json:"loadBalancing,omitempty"`
	SEAs          []SEA  `json:"seas"`
	Created       int64  `json:"created"`
	Rev           uint64 `json:"rev"`
}

// SEA is a Shared Ethernet Adapter on one VIOS: a physical port bridged to
// trunk adapters (the first is the primary, with the bridge's PVID).
type SEA struct {
	VIOS    string   `json:"vios"`    // VIOS partition UUID
	Device  string   `json:"device"`  // entN of the SEA
	Backing string   `json:"backing"` // physical port device (ent0)
	Port    string   `json:"port"`    // location code of the physical port
	Primary bool     `json:"primary"`
	Trunks  []string `json:"trunks"` // adapter UUIDs, primary first
	HAMode  string   `json:"haMode"` // auto (failover) or disabled
}

func (b *NetworkBridge) Kind() ObjKind        { return KindBridge }
func (b *NetworkBridge) Key() string          { return b.UUID }
func (b *NetworkBridge) Revision() uint64     { return b.Rev }
func (b *NetworkBridge) SetRevision(r uint64) { b.Rev = r }
func (b *NetworkBridge) CloneObject() Object  { return b.Clone() }

// Clone returns a copy to change.
func (b *NetworkBridge) Clone() *NetworkBridge {
	c := *b
	c.SEAs = make([]SEA, len(b.SEAs))
	for i, s := range b.SEAs {
		s.Trunks = append([]string(nil), s.Trunks...)
		c.SEAs[i] = s
	}
	return &c
}

// IOSlot is a physical I/O slot of the managed system, owned by at most
// one partition.
type IOSlot struct {
	DRCIndex    int    `json:"drcIndex"`
	DRCName     string `json:"drcName"` // location code, e.g. U78C9.001.WZS0001-P1-C7
	Description string `json:"description"`
	FeatureCode string `json:"featureCode,omitempty"`
	PCIClass    int    `json:"pciClass"`
	DeviceID    int    `json:"deviceID"`
	VendorID    int    `json:"vendorID"`
	SubsysID    int    `json:"subsysID"`
	SubVendorID int    `json:"subVendorID"`
	RevisionID  int    `json:"revisionID"`
	BusGrouping bool   `json:"busGrouping,omitempty"`
	Owner       string `json:"owner,omitempty"` // partition UUID
	Required    bool   `json:"required,omitempty"`
	Rev         uint64 `json:"rev"`
}

func (s *IOSlot) Kind() ObjKind        { return KindSlot }
func (s *IOSlot) Key() string          { return strconv.Itoa(s.DRCIndex) }
func (s *IOSlot) Revision() uint64     { return s.Rev }
func (s *IOSlot) SetRevision(r uint64) { s.Rev = r }
func (s *IOSlot) CloneObject() Object  { c := *s; return &c }

// VirtualNetwork is a VLAN in use on a switch: NovaLink derives them from
// the adapters (clients do not create them).
type VirtualNetwork struct {
	SwitchID int
	Switch   string
	VLAN     int
	Tagged   bool
}

// Name is VLAN<id>-<switch>.
func (n VirtualNetwork) Name() string { return "VLAN" + strconv.Itoa(n.VLAN) + "-" + n.Switch }

// SortInts sorts and returns a copy.
func SortInts(vs []int) []int {
	out := append([]int(nil), vs...)
	sort.Ints(out)
	return out
}

// validOvsName checks an Open vSwitch bridge or device name: up to 15
// characters (a Linux interface name), no space, slash or control.
func validOvsName(field, s string) error {
	if len(s) > 15 || strings.ContainsAny(s, " /\t\n") {
		return newErr(KindInvalid, "PVME01050314-0074", "The %s %q is not valid: at most 15 characters, without spaces or slashes.", field, s)
	}
	return nil
}
