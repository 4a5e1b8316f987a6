package sriov

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// AdapterSpec is an SR-IOV adapter of an inventory (pvmd --config,
// "sriov"): its slot (P1-C8 ...), description and ports.
type AdapterSpec struct {
	Slot        string     `json:"slot"`
	Description string     `json:"description,omitempty"`
	Mode        string     `json:"mode,omitempty"` // Sriov (default) or Dedicated
	Ports       []PortSpec `json:"ports"`
}

// PortSpec is a physical port of an inventory's SR-IOV adapter.
type PortSpec struct {
	Speed           string  `json:"speed"` // 10G (default) or 1G
	Label           string  `json:"label,omitempty"`
	LinkDown        bool    `json:"linkDown,omitempty"`
	MaxLogicalPorts int     `json:"maxLogicalPorts,omitempty"` // default 20 (10G), 4 (1G)
	MinCapacity     float64 `json:"minCapacity,omitempty"`     // percent, default 2
}

// DefaultAdapters are the SR-IOV adapters a seeded server has: two
// PCIe2 4-port (10Gb+1GbE) adapters in shared mode, in slots P1-C8 and
// P1-C9, each with two 10 Gb ports (link up) and two 1 Gb ports (the
// last one's link down).
func DefaultAdapters() []AdapterSpec {
	ports := func() []PortSpec {
		return []PortSpec{{Speed: "10G"}, {Speed: "10G"}, {Speed: "1G"}, {Speed: "1G", LinkDown: true}}
	}
	return []AdapterSpec{{Slot: "P1-C8", Ports: ports()}, {Slot: "P1-C9", Ports: ports()}}
}

// Seed gives a fresh server its SR-IOV adapters (nil specs: the
// default ones), their UUIDs derived from the system's.
func Seed(st *model.State, specs []AdapterSpec) error {
	sys := st.System
	if specs == nil {
		specs = DefaultAdapters()
	}
	unit := "U78C9.001.WZS" + lastN(sys.Serial, 4)
	for i, s := range specs {
		if s.Slot == "" || strings.ContainsAny(s.Slot, " /") {
			return fmt.Errorf("SR-IOV adapter %d: the slot %q is not valid (P1-C8 ...)", i+1, s.Slot)
		}
		if len(s.Ports) == 0 || len(s.Ports) > 8 {
			return fmt.Errorf("SR-IOV adapter %d: it has 1 to 8 ports, not %d", i+1, len(s.Ports))
		}
		a := &model.SRIOVAdapter{UUID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/sriov/"+strconv.Itoa(i+1))).String(),
			ID: i + 1, AdapterID: 553713696 + i, Description: s.Description, Location: unit + "-" + s.Slot,
			Mode: s.Mode, State: model.SRIOVRunning}
		if a.Description == "" {
			a.Description = "PCIe2 4-port (10Gb+1GbE) SR Optical fiber and RJ45 Adapter"
		}
		switch a.Mode {
		case "":
			a.Mode = model.SRIOVModeShared
		case model.SRIOVModeShared, model.SRIOVModeDedicated:
		default:
			return fmt.Errorf("SR-IOV adapter %d: the mode %q is not Sriov or Dedicated", i+1, s.Mode)
		}
		for j, ps := range s.Ports {
			p := model.SRIOVPort{ID: j, Location: fmt.Sprintf("%s-T%d", a.Location, j+1), Label: ps.Label, MTU: "E_1500",
				Switch: "Veb", LinkUp: !ps.LinkDown, MaxLogicalPorts: ps.MaxLogicalPorts}
			switch ps.Speed {
			case "", "10G":
				p.Speed = "E10Gbps"
				if p.MaxLogicalPorts == 0 {
					p.MaxLogicalPorts = 20
				}
			case "1G":
				p.Speed = "E1Gbps"
				if p.MaxLogicalPorts == 0 {
					p.MaxLogicalPorts = 4
				}
			default:
				return fmt.Errorf("SR-IOV adapter %d port %d: the speed %q is not 10G or 1G", i+1, j, ps.Speed)
			}
			p.MinCapacity = 200
			if ps.MinCapacity != 0 {
				if ps.MinCapacity < 0.01 || ps.MinCapacity > 100 {
					return fmt.Errorf("SR-IOV adapter %d port %d: the granularity %v%% is not valid", i+1, j, ps.MinCapacity)
				}
				p.MinCapacity = model.Percent(ps.MinCapacity*100 + 0.5)
			}
			if p.MaxLogicalPorts < 1 || p.MaxLogicalPorts > 64 {
				return fmt.Errorf("SR-IOV adapter %d port %d: 1 to 64 logical ports, not %d", i+1, j, p.MaxLogicalPorts)
			}
			a.Ports = append(a.Ports, p)
			a.MaxLogicalPorts += p.MaxLogicalPorts
		}
		st.Put(a)
	}
	return nil
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
