package rest

import (
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// partitionFromXML builds a new partition from a create request body.
func (s *Server) partitionFromXML(el *uom.Element, typ model.PartitionType) (*model.Partition, error) {
	if t, ok := el.FindText("PartitionType"); ok && typ != model.TypeVIOS {
		pt, valid := model.ParsePartitionType(t)
		if !valid || pt == model.TypeVIOS {
			return nil, model.ErrBadValue("PartitionType", t, "AIX/Linux, OS400 (create a Virtual IO Server as a VirtualIOServer)")
		}
		typ = pt
	}
	p := s.core.NewPartitionTemplate(typ)
	if id, ok := el.FindText("Metadata/Atom/AtomID"); ok && id != "" {
		u, err := core.NormalizeUUID(id)
		if err != nil {
			return nil, err
		}
		p.UUID = u
		// A UUID names one object across every kind the API serves
		// (derived ones too: tiers, virtual networks, load groups, the
		// management console); the core checks the stored ones again.
		var owner string
		s.core.Read(func(st *model.State) {
			for _, k := range sortedKinds(s.kinds) {
				if k.name == "LogicalPartition" || k.name == "VirtualIOServer" {
					continue
				}
				if _, ok := k.get(st, u); ok {
					owner = "the " + k.name + " " + u
					return
				}
			}
		})
		if owner != "" {
			return nil, core.ErrUUIDInUse(u, owner)
		}
	}
	name := "LogicalPartition"
	if typ == model.TypeVIOS {
		name = "VirtualIOServer"
	}
	if err := applyPartitionXML(p, el, uom.Schema(name), true, groupSel{all: true}); err != nil {
		return nil, err
	}
	if _, ok := el.FindText("PartitionName"); !ok {
		return nil, model.Invalid("A new %s needs a PartitionName.", name)
	}
	return p, nil
}

// xmlReader reads typed values from elements, naming the element in errors.
type xmlReader struct{ err error }

func (x *xmlReader) text(c *uom.Element) string { return strings.TrimSpace(c.Text) }

func (x *xmlReader) int(path string, c *uom.Element, dst *int) {
	if x.err != nil {
		return
	}
	v, err := strconv.Atoi(x.text(c))
	if err != nil || v < 0 {
		x.err = model.Invalid("The value %q of %s is not a valid non-negative integer.", x.text(c), path)
		return
	}
	*dst = v
}

func (x *xmlReader) bool(path string, c *uom.Element, dst *bool) {
	if x.err != nil {
		return
	}
	switch strings.ToLower(x.text(c)) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		x.err = model.Invalid("The value %q of %s is not a boolean (true or false).", x.text(c), path)
	}
}

func (x *xmlReader) units(path string, c *uom.Element, dst *model.Units) {
	if x.err != nil {
		return
	}
	u, err := model.ParseUnits(x.text(c))
	if err != nil {
		x.err = model.Invalid("The value %q of %s is not a valid number of processing units: %v.", x.text(c), path, err)
		return
	}
	*dst = u
}

// intIn, boolIn and unitsIn are int, bool and units for the child c of
// the element at parent: its path is made only for an error.
func (x *xmlReader) intIn(parent string, c *uom.Element, dst *int) {
	if x.err == nil {
		if v, err := strconv.Atoi(x.text(c)); err == nil && v >= 0 {
			*dst = v
			return
		}
		x.int(parent+"/"+c.Local, c, dst)
	}
}

func (x *xmlReader) boolIn(parent string, c *uom.Element, dst *bool) {
	if x.err == nil {
		switch x.text(c) {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			x.bool(parent+"/"+c.Local, c, dst)
		}
	}
}

func (x *xmlReader) unitsIn(parent string, c *uom.Element, dst *model.Units) {
	if x.err == nil {
		if u, err := model.ParseUnits(x.text(c)); err == nil {
			*dst = u
			return
		}
		x.units(parent+"/"+c.Local, c, dst)
	}
}

func (x *xmlReader) str(c *uom.Element, dst *string) {
	if x.err == nil {
		*dst = x.text(c)
	}
}

// applyPartitionXML sets on p what a create (create=true) or update body
// says. Read-only elements are ignored, as are sections outside the groups
// the request addresses; create-only elements must not change on update.
func applyPartitionXML(p *model.Partition, el *uom.Element, schema *uom.SchemaNode, create bool, g groupSel) error {
	x := &xmlReader{}
	for _, c := range el.Children {
		sn := schema.Child(c.Local)
		if sn == nil || sn.ReadOnly() || (sn.Group != "" && !g.has(sn.Group)) {
			continue
		}
		path := c.Local
		switch c.Local {
		case "PartitionName":
			x.str(c, &p.Name)
		case "PartitionID":
			id := p.ID
			x.int(path, c, &id)
			if x.err == nil && !create && id != p.ID {
				return model.ErrCreateOnly("PartitionID")
			}
			p.ID = id
		case "PartitionType":
			t, ok := model.ParsePartitionType(x.text(c))
			if !ok {
				return model.ErrBadValue("PartitionType", x.text(c), "AIX/Linux, OS400, Virtual IO Server")
			}
			if !create && t != p.Type {
				return model.ErrCreateOnly("PartitionType")
			}
		case "KeylockPosition":
			x.str(c, &p.Keylock)
		case "AvailabilityPriority":
			x.int(path, c, &p.AvailPriority)
			if x.err == nil && p.AvailPriority > 255 {
				return model.Invalid("AvailabilityPriority must be between 0 and 255, not %d.", p.AvailPriority)
			}
		case "AllowPerformanceDataCollection":
			x.bool(path, c, &p.AllowPerfData)
		case "PowerVMManagementCapable":
			x.bool(path, c, &p.MgmtCapable)
		case "AutoStart":
			x.bool(path, c, &p.AutoStart)
		case "IsServicePartition":
			x.bool(path, c, &p.IsService)
		case "SimplifiedRemoteRestartCapable":
			x.bool(path, c, &p.SRRCapable)
		case "PendingProcessorCompatibilityMode":
			x.str(c, &p.ProcCompatMode)
		case "OperatingSystemVersion":
			// Settable in the schema, but only the OS reports it.
		case "PartitionNVRAM":
			nv, err := sim.CheckNVRAM(c.Text)
			if err != nil {
				return err
			}
			p.NVRAM = nv
		case "VirtualSerialNumber":
			x.str(c, &p.VSN)
		case "IsRestrictedIOPartition":
			x.bool(path, c, &p.RestrictedIO)
		case "DesignatedIPLSource":
			if v := strings.ToLower(x.text(c)); v != "unknown" {
				p.IPLSource = v
			}
		case "PartitionIOConfiguration":
			if t := c.Child("TaggedIO"); t != nil {
				for _, f := range t.Children {
					v := x.text(f)
					switch f.Local {
					case "LoadSource":
						p.TaggedIO.LoadSource = v
					case "AlternateLoadSource":
						p.TaggedIO.AltLoadSource = v
					case "Console":
						p.TaggedIO.Console = v
					case "AlternateConsole":
						p.TaggedIO.AltConsole = v
					case "OperationsConsole":
						p.TaggedIO.OpConsole = v
					}
				}
			}
			if m := c.Child("MaximumVirtualIOSlots"); m != nil {
				x.int(path+"/MaximumVirtualIOSlots", m, &p.MaxVirtualSlots)
				if x.err == nil && (p.MaxVirtualSlots < 2 || p.MaxVirtualSlots > 65535) {
					return model.Invalid("MaximumVirtualIOSlots must be between 2 and 65535, not %d.", p.MaxVirtualSlots)
				}
			}
		case "PartitionMemoryConfiguration":
			for _, m := range c.Children {
				switch m.Local {
				case "DesiredMemory":
					x.intIn(path, m, &p.DesMem)
				case "MinimumMemory":
					x.intIn(path, m, &p.MinMem)
				case "MaximumMemory":
					x.intIn(path, m, &p.MaxMem)
				case "HardwarePageTableRatio":
					x.intIn(path, m, &p.HPTRatio)
					if x.err == nil && (p.HPTRatio < 5 || p.HPTRatio > 12) {
						return model.Invalid("HardwarePageTableRatio must be between 5 and 12, not %d.", p.HPTRatio)
					}
				case "ActiveMemoryExpansionEnabled", "ActiveMemorySharingEnabled", "SharedMemoryEnabled":
					var on bool
					x.boolIn(path, m, &on)
					if x.err == nil && on {
						return model.Invalid("%s is not supported on this managed system.", path+"/"+m.Local)
					}
				}
			}
		case "PartitionProcessorConfiguration":
			if err := applyProcXML(x, p, c, path); err != nil {
				return err
			}
		}
		if x.err != nil {
			return x.err
		}
	}
	return x.err
}

func applyProcXML(x *xmlReader, p *model.Partition, c *uom.Element, path string) error {
	for _, m := range c.Children {
		switch m.Local {
		case "HasDedicatedProcessors":
			x.boolIn(path, m, &p.Dedicated)
		case "SharingMode":
			x.str(m, &p.SharingMode)
		case "SharedProcessorConfiguration":
			mp := path + "/" + m.Local
			for _, f := range m.Children {
				switch f.Local {
				case "DesiredProcessingUnits":
					x.unitsIn(mp, f, &p.DesUnits)
				case "MinimumProcessingUnits":
					x.unitsIn(mp, f, &p.MinUnits)
				case "MaximumProcessingUnits":
					x.unitsIn(mp, f, &p.MaxUnits)
				case "DesiredVirtualProcessors":
					x.intIn(mp, f, &p.DesVP)
				case "MinimumVirtualProcessors":
					x.intIn(mp, f, &p.MinVP)
				case "MaximumVirtualProcessors":
					x.intIn(mp, f, &p.MaxVP)
				case "UncappedWeight":
					x.intIn(mp, f, &p.Weight)
				case "SharedProcessorPoolID":
					x.intIn(mp, f, &p.PoolID)
				}
			}
		case "DedicatedProcessorConfiguration":
			mp := path + "/" + m.Local
			for _, f := range m.Children {
				switch f.Local {
				case "DesiredProcessors":
					x.intIn(mp, f, &p.DesProcs)
				case "MinimumProcessors":
					x.intIn(mp, f, &p.MinProcs)
				case "MaximumProcessors":
					x.intIn(mp, f, &p.MaxProcs)
				}
			}
		}
		if x.err != nil {
			return x.err
		}
	}
	return nil
}

// sortedKinds returns the kinds by name (a stable order).
func sortedKinds(ks map[string]*kind) []*kind {
	out := make([]*kind, 0, len(ks))
	for _, k := range ks {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
