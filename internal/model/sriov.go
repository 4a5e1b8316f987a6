package model

import (
	"fmt"
	"strconv"
	"strings"
)

// SR-IOV: adapters whose physical ports are shared out as logical ports
// (virtual functions), each with a share of the port's capacity; and the
// dedicated vNICs of client partitions, each backed by logical ports that
// VIOSes own (more than one for failover).

// SR-IOV kinds.
const (
	KindSRIOVAdapter ObjKind = "sriovadapters"
	KindSRIOVLP      ObjKind = "sriovlps"
	KindVNIC         ObjKind = "vnics"
)

// Percent is a capacity in hundredths of a percent (200 = 2.00%).
type Percent int

// FullCapacity is 100%.
const FullCapacity Percent = 10000

// String writes a capacity as the REST API does: "2.0%", "42.42%".
func (p Percent) String() string {
	s := strconv.FormatFloat(float64(p)/100, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s + "%"
}

// ParsePercent reads "2.0%", "2%", "0.02" (a fraction when it has no %
// sign and is at most 1, as pypowervm's floats are).
func ParsePercent(s string) (Percent, error) {
	v := strings.TrimSpace(s)
	pct := strings.HasSuffix(v, "%")
	v = strings.TrimSuffix(v, "%")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, ErrBadValue("capacity", s, "a percentage such as 2.0% (or a fraction such as 0.02)")
	}
	if !pct && f <= 1 {
		f *= 100
	}
	if f > 100 {
		return 0, ErrBadValue("capacity", s, "at most 100%")
	}
	return Percent(f*100 + 0.5), nil
}

// SRIOVAdapter is an SR-IOV capable adapter in an I/O slot, in SR-IOV
// (shared) mode.
type SRIOVAdapter struct {
	UUID        string      `json:"uuid"`
	ID          int         `json:"id"`        // SRIOVAdapterID
	AdapterID   int         `json:"adapterID"` // the I/O adapter's ID (its slot's DRC index)
	Description string      `json:"description"`
	Location    string      `json:"location"` // the slot's physical location
	Mode        string      `json:"mode"`     // Sriov, Dedicated
	State       string      `json:"state"`    // Running, NotConfigured ...
	Ports       []SRIOVPort `json:"ports"`
	// MaxLogicalPorts is what the adapter supports in all.
	MaxLogicalPorts int    `json:"maxLogicalPorts"`
	Rev             uint64 `json:"rev"`
}

// SRIOVPort is a physical port of an SR-IOV adapter.
type SRIOVPort struct {
	ID       int    `json:"id"` // PhysicalPortID
	Location string `json:"location"`
	Label    string `json:"label,omitempty"`
	SubLabel string `json:"subLabel,omitempty"`
	Speed    string `json:"speed"` // E10Gbps, E1Gbps
	MTU      string `json:"mtu"`   // E_1500, E_9000
	Switch   string `json:"switch"`
	LinkUp   bool   `json:"linkUp"`
	// MaxLogicalPorts is ConfiguredMaxEthernetLogicalPorts;
	// MinCapacity the capacity granularity (MinimumEthernetCapacityGranularity).
	MaxLogicalPorts int     `json:"maxLogicalPorts"`
	MinCapacity     Percent `json:"minCapacity"`
}

// SRIOV adapter modes and states.
const (
	SRIOVModeShared    = "Sriov"
	SRIOVModeDedicated = "Dedicated"
	SRIOVRunning       = "Running"
)

// Port returns an adapter's physical port (nil when it has none of that ID).
func (a *SRIOVAdapter) Port(id int) *SRIOVPort {
	for i := range a.Ports {
		if a.Ports[i].ID == id {
			return &a.Ports[i]
		}
	}
	return nil
}

// SRIOVLogicalPort is a logical port (virtual function) of a physical
// port, owned by a partition: directly (a client's SR-IOV Ethernet
// logical port) or by a VIOS as the backing device of a client's vNIC.
type SRIOVLogicalPort struct {
	UUID      string  `json:"uuid"`
	Adapter   int     `json:"adapter"` // SRIOVAdapterID
	Port      int     `json:"port"`    // PhysicalPortID
	ID        int     `json:"id"`      // LogicalPortID
	Partition string  `json:"partition"`
	Capacity  Percent `json:"capacity"`
	MaxCap    Percent `json:"maxCapacity"`
	PVID      int     `json:"pvid,omitempty"`
	MAC       string  `json:"mac"`
	Promisc   bool    `json:"promisc,omitempty"`
	// VNIC is the vNIC this port backs ("" for a direct logical port).
	VNIC    string `json:"vnic,omitempty"`
	Created int64  `json:"created"`
	Rev     uint64 `json:"rev"`
}

// VNICBacking is a backing device of a vNIC: a logical port on a VIOS.
type VNICBacking struct {
	VIOS     string  `json:"vios"`
	Adapter  int     `json:"adapter"`
	Port     int     `json:"port"`
	LPort    string  `json:"lport"` // SRIOVLogicalPort UUID
	Capacity Percent `json:"capacity"`
	MaxCap   Percent `json:"maxCapacity"`
	Priority int     `json:"priority"` // failover priority: lower is preferred
}

// VirtualNIC is a client partition's dedicated vNIC: a virtual adapter in
// a slot, backed by logical ports on VIOSes (one active; the others for
// failover).
type VirtualNIC struct {
	UUID         string        `json:"uuid"`
	Partition    string        `json:"partition"`
	Slot         int           `json:"slot"`
	MAC          string        `json:"mac"`
	PVID         int           `json:"pvid"`
	AllowedVLANs string        `json:"allowedVLANs"` // ALL, NONE or a list
	AllowedMACs  string        `json:"allowedMACs"`
	Backing      []VNICBacking `json:"backing"`
	Created      int64         `json:"created"`
	Rev          uint64        `json:"rev"`
}

func (o *SRIOVAdapter) Kind() ObjKind        { return KindSRIOVAdapter }
func (o *SRIOVAdapter) Key() string          { return o.UUID }
func (o *SRIOVAdapter) Revision() uint64     { return o.Rev }
func (o *SRIOVAdapter) SetRevision(r uint64) { o.Rev = r }
func (o *SRIOVAdapter) CloneObject() Object {
	c := *o
	c.Ports = append([]SRIOVPort(nil), o.Ports...)
	return &c
}
func (o *SRIOVLogicalPort) Kind() ObjKind        { return KindSRIOVLP }
func (o *SRIOVLogicalPort) Key() string          { return o.UUID }
func (o *SRIOVLogicalPort) Revision() uint64     { return o.Rev }
func (o *SRIOVLogicalPort) SetRevision(r uint64) { o.Rev = r }
func (o *SRIOVLogicalPort) CloneObject() Object  { c := *o; return &c }
func (o *VirtualNIC) Kind() ObjKind              { return KindVNIC }
func (o *VirtualNIC) Key() string                { return o.UUID }
func (o *VirtualNIC) Revision() uint64           { return o.Rev }
func (o *VirtualNIC) SetRevision(r uint64)       { o.Rev = r }
func (o *VirtualNIC) CloneObject() Object {
	c := *o
	c.Backing = append([]VNICBacking(nil), o.Backing...)
	return &c
}

// ErrSRIOV is a refusal of the SR-IOV rules (capacity, logical ports).
func ErrSRIOV(format string, args ...any) *Error {
	return newErr(KindRefused, "PVME01050600-0001", format, args...)
}

// ErrSRIOVInvalid is an SR-IOV request that is not valid.
func ErrSRIOVInvalid(format string, args ...any) *Error {
	return newErr(KindInvalid, "PVME01050601-0002", format, args...)
}

// PortLabel names a port in messages.
func PortLabel(a *SRIOVAdapter, p *SRIOVPort) string {
	return fmt.Sprintf("port %d of SR-IOV adapter %d (%s)", p.ID, a.ID, p.Location)
}
