package core

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/internal/sim/sriov"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// Live partition mobility between two systems of a fleet.
//
// A migration is a sequence of phases, each a step on the source's clock
// applied through Apply:
//
//	validate  (MigrateValidate, and the start of Migrate) the rules a real
//	          system applies, checked by building the partition on the
//	          target in a scratch transaction of each system
//	start     the partition is marked Migration_Starting ("migrating
//	          running" or "migrating not active"); both systems count the
//	          migration in progress (one commit on both)
//	copy      Migration_In_Progress: the memory copy, in dirty-page passes
//	          over the link speed of the timing profile (sim.MigrationCopy),
//	          its percentage noted in the job
//	switch    one commit on both systems: the partition, with the same
//	          UUID, its adapters (same MACs and VLANs, on the target's
//	          switch of the same name) and its storage mappings (rebuilt on
//	          the target's VIOSes) leaves the source and arrives on the
//	          target, Migration_Complete; the counters go down on both
//	complete  Not_Migrating on the target
//
// Until the switch the partition is whole on the source; from it, whole on
// the target: a stop (MigrateAbort), a failure or a kill -9 at any phase
// leaves it on exactly one system. A migration a restart interrupted
// before its switch is Migration_Failed on the source, still counted on
// both systems, until MigrateRecover puts it back as it was.

// MigrationPhases are the phases of a migration, in order: a fault rule
// of the source system on the job Migrate names one (sim.FaultRule.Phase)
// to fail it or hold it there (phaseFault).
var MigrationPhases = sim.MigrationPhases

// The Migrate job's parameters (pypowervm's names).
const (
	ParamTargetSystem = "TargetManagedSystemName"
	ParamTargetHMC    = "TargetRemoteHMCIPAddress"
	ParamTargetUser   = "TargetRemoteHMCUserID"
	ParamDestMSP      = "DestMSPIPaddr"
	ParamSourceMSP    = "SourceMSPIPaddr"
	ParamSPP          = "SharedProcPoolID"
	ParamPMEM         = "PMEMVolumes"
	ParamVFCMaps      = "VirtualFCMappings"
	ParamVSCSIMaps    = "VirtualSCSIMappings"
	ParamVlanMaps     = "VlanMappings"
	ParamOVSOverride  = "OVSOverride"
	ParamVLANOverride = "VLANBridgeOverride"
	ParamAffinity     = "Affinity"
	ParamForce        = "Force"
)

var migrateParams = []string{ParamTargetSystem, ParamTargetHMC, ParamTargetUser, ParamDestMSP, ParamSourceMSP,
	ParamSPP, ParamPMEM, ParamVFCMaps, ParamVSCSIMaps, ParamVlanMaps, ParamOVSOverride, ParamVLANOverride, ParamAffinity}

func init() {
	lp := JobOperations["LogicalPartition"]
	lp["Migrate"] = migrateParams
	lp["MigrateValidate"] = migrateParams
	lp["MigrateAbort"] = []string{}
	lp["MigrateRecover"] = []string{ParamForce}
}

func migErr(kind model.Kind, n int, format string, args ...any) *model.Error {
	return &model.Error{ID: fmt.Sprintf("PVME01050970-%04d", n), Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// viosChoice is a mapping parameter's target VIOS for a client slot.
type viosChoice struct {
	name string
	id   int
	slot int
	port string
}

// vlanChoice is a VlanMappings entry: the adapter's VLANs on the target.
type vlanChoice struct {
	pvid   int
	tagged []int
}

// migrateSpec is a Migrate job's parameters, checked.
type migrateSpec struct {
	target       string
	targetIP     string
	vscsi, vfc   map[int]viosChoice
	vlans        map[string]vlanChoice
	overrideVLAN bool
	overrideOVS  bool
	spp          int
	raw          map[string]string
}

// parseMigrateSpec checks the parameters of Migrate and MigrateValidate.
func parseMigrateSpec(params map[string]string) (*migrateSpec, error) {
	s := &migrateSpec{raw: params, vscsi: map[int]viosChoice{}, vfc: map[int]viosChoice{}, vlans: map[string]vlanChoice{}}
	s.target = strings.TrimSpace(params[ParamTargetSystem])
	if s.target == "" {
		return nil, migErr(model.KindInvalid, 1, "The parameter %s is required: the name of the managed system to migrate the partition to.", ParamTargetSystem)
	}
	if v := strings.TrimSpace(params[ParamTargetHMC]); v != "" {
		if net.ParseIP(v) == nil && !validHostName(v) {
			return nil, model.ErrBadValue(ParamTargetHMC, v, "an IP address or host name of the target's management console")
		}
		s.targetIP = v
	}
	for _, name := range []string{ParamDestMSP, ParamSourceMSP} {
		if v := strings.TrimSpace(params[name]); v != "" {
			for _, ip := range strings.Split(v, ",") {
				if net.ParseIP(strings.TrimSpace(ip)) == nil {
					return nil, model.ErrBadValue(name, v, "a comma-separated list of IP addresses of mover service partitions")
				}
			}
		}
	}
	if v := strings.TrimSpace(params[ParamSPP]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 63 {
			return nil, model.ErrBadValue(ParamSPP, v, "a shared processor pool ID from 0 to 63")
		}
		s.spp = n
	}
	for _, o := range []struct {
		name string
		dst  *bool
	}{{ParamOVSOverride, &s.overrideOVS}, {ParamVLANOverride, &s.overrideVLAN}} {
		switch strings.TrimSpace(params[o.name]) {
		case "", "1":
		case "2":
			*o.dst = true
		default:
			return nil, model.ErrBadValue(o.name, params[o.name], "1 (check), 2 (override)")
		}
	}
	if v := strings.TrimSpace(params[ParamAffinity]); v != "" {
		if err := checkBool(ParamAffinity, v); err != nil {
			return nil, err
		}
	}
	if v := strings.TrimSpace(params[ParamPMEM]); v != "" {
		return nil, migErr(model.KindRefused, 2, "The partition has no persistent memory volumes; %s cannot be given.", ParamPMEM)
	}
	var err error
	if s.vscsi, err = parseSlotMappings(ParamVSCSIMaps, params[ParamVSCSIMaps], 4); err != nil {
		return nil, err
	}
	if s.vfc, err = parseSlotMappings(ParamVFCMaps, params[ParamVFCMaps], 5); err != nil {
		return nil, err
	}
	if v := strings.TrimSpace(params[ParamVlanMaps]); v != "" {
		for _, m := range strings.Split(v, ",") {
			f := strings.Split(strings.TrimSpace(m), "/")
			bad := model.ErrBadValue(ParamVlanMaps, m, "MAC/PVID[/VLAN VLAN ...] (12 hex digits, VLANs from 1 to 4094)")
			if len(f) < 2 || len(f) > 3 || len(f[0]) != 12 {
				return nil, bad
			}
			mac := strings.ToUpper(f[0])
			if _, err := strconv.ParseUint(mac, 16, 64); err != nil {
				return nil, bad
			}
			pvid, err := strconv.Atoi(f[1])
			if err != nil || pvid < 1 || pvid > 4094 {
				return nil, bad
			}
			c := vlanChoice{pvid: pvid}
			if len(f) == 3 {
				for _, t := range strings.Fields(f[2]) {
					n, err := strconv.Atoi(t)
					if err != nil || n < 1 || n > 4094 {
						return nil, bad
					}
					c.tagged = append(c.tagged, n)
				}
			}
			if _, dup := s.vlans[mac]; dup {
				return nil, migErr(model.KindInvalid, 3, "The MAC address %s is given twice in %s.", mac, ParamVlanMaps)
			}
			s.vlans[mac] = c
		}
	}
	return s, nil
}

// parseSlotMappings reads client-slot/vios-name/vios-id[/vios-slot[/fc-port]]
// entries (max fields: 4 for vSCSI, 5 for vFC).
func parseSlotMappings(param, v string, max int) (map[int]viosChoice, error) {
	out := map[int]viosChoice{}
	v = strings.TrimSpace(v)
	if v == "" {
		return out, nil
	}
	form := "client-slot/vios-name/vios-id[/vios-slot]"
	if max == 5 {
		form = "client-slot/vios-name/vios-id[/vios-slot[/fc-port]]"
	}
	for _, m := range strings.Split(v, ",") {
		m = strings.TrimSpace(m)
		bad := model.ErrBadValue(param, m, form+" (the VIOS by name or ID)")
		f := strings.Split(m, "/")
		if len(f) < 3 || len(f) > max {
			return nil, bad
		}
		slot, err := strconv.Atoi(f[0])
		if err != nil || slot < model.FirstUserSlot {
			return nil, bad
		}
		c := viosChoice{name: f[1]}
		if f[2] != "" {
			if c.id, err = strconv.Atoi(f[2]); err != nil || c.id < 1 {
				return nil, bad
			}
		}
		if c.name == "" && c.id == 0 {
			return nil, bad
		}
		if len(f) > 3 && f[3] != "" {
			if c.slot, err = strconv.Atoi(f[3]); err != nil || c.slot < model.FirstUserSlot {
				return nil, bad
			}
		}
		if len(f) > 4 {
			c.port = f[4]
		}
		if _, dup := out[slot]; dup {
			return nil, migErr(model.KindInvalid, 4, "The client slot %d is given twice in %s.", slot, param)
		}
		out[slot] = c
	}
	return out, nil
}

func validHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// migrationTarget finds the target system of a migration in the fleet:
// by its managed system's name (or its name in the fleet).
func (c *Core) migrationTarget(spec *migrateSpec) (*Core, error) {
	if c.fleet == nil {
		return nil, migErr(model.KindRefused, 10, "The managed system %s is not known to this management console: no NovaLink of a managed system of that name can be reached.", spec.target)
	}
	for _, o := range c.fleet.systems {
		if o.w.System.Name == spec.target || o.name == spec.target {
			if spec.targetIP != "" && len(o.addrs) > 0 && !containsStr(o.addrs, spec.targetIP) {
				return nil, migErr(model.KindRefused, 11, "No NovaLink at %s manages the managed system %s.", spec.targetIP, spec.target)
			}
			return o, nil
		}
	}
	return nil, migErr(model.KindRefused, 10, "The managed system %s is not known to this management console: no NovaLink of a managed system of that name can be reached.", spec.target)
}

// SetAddresses records the addresses the system's NovaLink answers on (a
// migration's TargetRemoteHMCIPAddress names one of them).
func (c *Core) SetAddresses(addrs []string) {
	c.wr.mu.Lock()
	defer c.wr.mu.Unlock()
	c.addrs = append([]string(nil), addrs...)
}

// scratch is a transaction that is never committed: a dry run of the
// move on each system.
func scratch(c *Core, tx *Tx) *Tx { return &Tx{c: c, st: c.w, now: tx.now, actor: tx.actor} }

// checkStart checks what a migration's start needs beyond the move
// itself: the partition's state, capabilities and the systems' counters.
//
// trustNeeded: the target was named by its NovaLink's address, which the
// source reaches over SSH as its wlp user: the target must trust the
// source's key.
func checkStart(src, dst *Tx, p *model.Partition, trustNeeded bool) error {
	if p.IsMgmt {
		return migErr(model.KindRefused, 20, "Partition %s is the management partition; it cannot be migrated.", p.Name)
	}
	if p.IsVIOS() {
		return migErr(model.KindRefused, 21, "Partition %s is a Virtual I/O Server; it cannot be migrated.", p.Name)
	}
	if p.Mig != nil {
		if p.Migrating() {
			return migErr(model.KindRefused, 22, "Partition %s is already migrating (%s to %s).", p.Name, p.Mig.State, p.Mig.Target)
		}
		return migErr(model.KindRefused, 23, "Partition %s has a migration that did not end (%s: %s); recover it with MigrateRecover (pvmctl lpar migrate-recover) first.",
			p.Name, p.Mig.State, p.Mig.Reason)
	}
	if dst.c == src.c {
		return migErr(model.KindRefused, 24, "Partition %s is on the managed system %s already.", p.Name, dst.System().Name)
	}
	if err := systemPoweredOff(dst.System()); err != nil {
		return err
	}
	if trustNeeded && !trusts(dst.System(), src.System()) {
		return migErr(model.KindRefused, 29, "The NovaLink of the managed system %s does not trust the NovaLink of %s: add its public key (the ManagementConsole's PublicSSHKey) to the target's AuthorizedKeys first.",
			dst.System().Name, src.System().Name)
	}
	active := p.Active()
	switch {
	case p.State == model.StateNotActivated:
	case p.State == model.StateRunning:
		switch p.RMCState {
		case model.RMCActive:
		case model.RMCBusy:
			return migErr(model.KindRefused, 26, "Partition %s is not capable of dynamic partitioning (DLPAR) now: its RMC connection is busy. A running partition migrates only when it can change its memory and processors dynamically.", p.Name)
		default:
			return migErr(model.KindRefused, 25, "The RMC connection of partition %s is %s; a running partition migrates only with an active RMC connection.", p.Name, p.RMCState)
		}
	default:
		return migErr(model.KindRefused, 27, "Partition %s is %s; only a running or a not activated partition can be migrated.", p.Name, p.State)
	}
	for _, t := range []*Tx{src, dst} {
		sys := t.System()
		n, max := sys.ActiveMigrations, model.MaxActiveMigrations
		if !active {
			n, max = sys.InactiveMigrations, model.MaxInactiveMigrations
		}
		if n >= max {
			return migErr(model.KindRefused, 28, "The managed system %s has %d migrations in progress, as many as it supports (%d); wait for one to end.", sys.Name, n, max)
		}
	}
	return nil
}

// moveOnto stages the move of p from src to dst: on dst the partition
// with its adapters and storage mappings, on src their removal. It checks
// every rule the target applies (the partition's definition on the target,
// its processor compatibility mode, memory region size, capacity, names,
// networks and storage) and returns the partition as it arrives.
func moveOnto(src, dst *Tx, p *model.Partition, spec *migrateSpec) (*model.Partition, error) {
	ssys, tsys := src.System(), dst.System()
	active := p.Active()
	// The processors, memory and definition.
	mode := p.ProcCompatMode
	if active && p.CurMode != "" {
		mode = p.CurMode
	}
	if mode != "" && !containsStr(tsys.ProcessorCompatModes, mode) {
		return nil, migErr(model.KindRefused, 30, "The processor compatibility mode %s of partition %s is not supported by the managed system %s (it supports %s).",
			mode, p.Name, tsys.Name, strings.Join(tsys.ProcessorCompatModes, ", "))
	}
	if ssys.MemoryRegionSize != tsys.MemoryRegionSize {
		return nil, migErr(model.KindRefused, 31, "The memory region size of the managed system %s (%d MB) differs from that of %s (%d MB); a partition migrates only between systems of the same memory region size.",
			ssys.Name, ssys.MemoryRegionSize, tsys.Name, tsys.MemoryRegionSize)
	}
	if spec.spp != 0 {
		return nil, migErr(model.KindRefused, 32, "The shared processor pool %d does not exist on the managed system %s.", spec.spp, tsys.Name)
	}
	var slots []string
	src.each(model.KindSlot, func(o model.Object) {
		if s := o.(*model.IOSlot); s.Owner == p.UUID {
			slots = append(slots, s.DRCName)
		}
	})
	if len(slots) > 0 {
		return nil, migErr(model.KindRefused, 33, "Partition %s owns physical I/O slots (%s); a partition migrates with virtual I/O only.", p.Name, strings.Join(slots, ", "))
	}
	if q := dst.PartitionByName(p.Name); q != nil {
		return nil, migErr(model.KindRefused, 34, "The managed system %s has a partition named %s already (ID %d); rename one of them.", tsys.Name, p.Name, q.ID)
	}
	if dst.Partition(p.UUID) != nil {
		return nil, migErr(model.KindRefused, 35, "The managed system %s has a partition with UUID %s already.", tsys.Name, p.UUID)
	}
	n := p.Clone()
	n.Mig = &model.Migration{State: model.MigComplete, Source: src.c.name, Target: dst.c.name}
	if p.Mig != nil {
		m := *p.Mig
		m.State = model.MigComplete
		n.Mig = &m
	}
	if active {
		n.State = model.StateRunning
	} else {
		n.State = model.StateNotActivated
	}
	if dst.PartitionByID(p.ID) != nil {
		id, err := dst.NextFreeID()
		if err != nil {
			return nil, migErr(model.KindRefused, 36, "The managed system %s has no free partition ID (at most %d partitions).", tsys.Name, tsys.MaxPartitions)
		}
		n.ID = id
	}
	n.LogicalSerial = logicalSerial(tsys, n.ID)
	if err := model.ValidateDefinition(tsys, n); err != nil {
		return nil, migErr(model.KindRefused, 37, "Partition %s cannot be defined on the managed system %s: %s", p.Name, tsys.Name, errText(err))
	}
	if active {
		if err := sim.CheckHold(tsys, dst.Accounting(), n); err != nil {
			return nil, migErr(model.KindRefused, 38, "The managed system %s cannot hold partition %s: %s", tsys.Name, p.Name, errText(err))
		}
	}
	dst.PutPartition(n)

	// The network: each client adapter on the target's switch of the same
	// name, with its MAC, and its VLANs (or those VlanMappings gives),
	// bridged on the target unless an override says not to check.
	for _, a := range src.AdaptersOf(p.UUID) {
		sw := src.SwitchByID(a.SwitchID)
		if sw == nil {
			return nil, model.Internal("adapter %s of partition %s is on switch %d, which does not exist", a.MAC, p.Name, a.SwitchID)
		}
		var tsw *model.VirtualSwitch
		for _, s := range dst.Switches() {
			if s.Name == sw.Name {
				tsw = s
			}
		}
		if tsw == nil {
			return nil, migErr(model.KindRefused, 40, "The virtual switch %s of the adapter %s of partition %s does not exist on the managed system %s.", sw.Name, a.MAC, p.Name, tsys.Name)
		}
		na := a.Clone()
		na.SwitchID = tsw.ID
		if v, ok := spec.vlans[a.MAC]; ok {
			na.PVID = v.pvid
			if v.tagged != nil {
				na.Tagged = v.tagged
				na.TaggedSupported = true
			}
		}
		if other := dst.adapterByMAC(na.MAC); other != nil {
			return nil, migErr(model.KindRefused, 41, "The MAC address %s of partition %s is in use on the managed system %s already.", na.MAC, p.Name, tsys.Name)
		}
		if dst.Get(model.KindAdapter, na.UUID) != nil {
			return nil, migErr(model.KindRefused, 41, "The adapter %s of partition %s has a UUID in use on the managed system %s already.", na.MAC, p.Name, tsys.Name)
		}
		if na.PVID != model.MgmtVLAN && !spec.overrideVLAN && !spec.overrideOVS {
			for _, v := range na.VLANs() {
				if !bridged(dst, tsw.ID, v) {
					return nil, migErr(model.KindRefused, 42, "The VLAN %d of the adapter %s of partition %s is not bridged on the virtual switch %s of the managed system %s (no shared Ethernet adapter carries it); add it to a network bridge there, or override the check (%s=2).",
						v, na.MAC, p.Name, tsw.Name, tsys.Name, ParamVLANOverride)
				}
			}
		}
		dst.Put(na)
		src.Delete(model.KindAdapter, a.UUID)
	}

	srcVIOS, dstVIOS := viosOrder(src), viosOrder(dst)
	if err := moveSRIOV(src, dst, p, srcVIOS, dstVIOS); err != nil {
		return nil, err
	}

	// The storage: each adapter pair rebuilt on a VIOS of the target
	// (migrate_storage.go).
	if err := moveStorage(src, dst, p, spec); err != nil {
		return nil, err
	}
	// Nothing stays on the source.
	sriov.PartitionGone(src, p)
	vios.RemovePartitionStorage(src, p)
	src.DeletePartition(p.UUID)
	return n, nil
}

// moveSRIOV stages the move of a partition's SR-IOV devices: an SR-IOV
// logical port assigned to it directly is the source's hardware, which a
// migration cannot take along (refused, as PowerVM refuses it); each
// dedicated vNIC arrives with its slot, MAC and VLANs, its backing devices
// made again as logical ports of the target's SR-IOV physical ports (one
// of the same label as the source's, with capacity left) on the target's
// VIOSes (running with RMC, the one in the source's VIOS's place first).
func moveSRIOV(src, dst *Tx, p *model.Partition, srcVIOS, dstVIOS []*model.Partition) error {
	tsys := dst.System()
	var direct []string
	for _, lp := range sriov.LogicalPorts(src, func(lp *model.SRIOVLogicalPort) bool { return lp.Partition == p.UUID && lp.VNIC == "" }) {
		direct = append(direct, fmt.Sprintf("%d on port %d of adapter %d", lp.ID, lp.Port, lp.Adapter))
	}
	if len(direct) > 0 {
		return migErr(model.KindRefused, 43, "Partition %s has SR-IOV logical ports assigned directly (%s); such a partition cannot move to another system (a migration or a remote restart): remove them, or give it vNICs (SR-IOV through a Virtual I/O Server) instead.",
			p.Name, strings.Join(direct, ", "))
	}
	for _, v := range sriov.VNICs(src, p.UUID) {
		if sriov.MACInUse(dst, v.MAC) {
			return migErr(model.KindRefused, 41, "The MAC address %s of partition %s is in use on the managed system %s already.", v.MAC, p.Name, tsys.Name)
		}
		nv := v.CloneObject().(*model.VirtualNIC)
		nv.Backing = nil
		used := map[string]bool{}
		for _, b := range v.Backing {
			label := ""
			if a := sriov.AdapterByID(src, b.Adapter); a != nil {
				if pp := a.Port(b.Port); pp != nil {
					label = pp.Label
				}
			}
			// The VIOSes to try: the one in the source VIOS's place first.
			first := 0
			for j, q := range srcVIOS {
				if q.UUID == b.VIOS {
					first = j
				}
			}
			var made *model.SRIOVLogicalPort
			var owner *model.Partition
			for k := 0; k < len(dstVIOS) && made == nil; k++ {
				vs := dstVIOS[(first+k)%len(dstVIOS)]
				if vs.State != model.StateRunning || vs.RMCState != model.RMCActive {
					continue
				}
				for _, a := range sriov.Adapters(dst) {
					if made != nil || a.Mode != model.SRIOVModeShared || a.State != model.SRIOVRunning {
						continue
					}
					for _, pp := range a.Ports {
						key := fmt.Sprintf("%s/%d/%d", vs.UUID, a.ID, pp.ID)
						if made != nil || used[key] || !pp.LinkUp || (label != "" && pp.Label != label) {
							continue
						}
						lp, err := sriov.CreateLogicalPort(dst, vs, sriov.LPSpec{Adapter: a.ID, Port: pp.ID, Capacity: b.Capacity, MaxCap: b.MaxCap}, nv.UUID)
						if err != nil {
							continue // no logical port or capacity left there
						}
						made, owner, used[key] = lp, vs, true
					}
				}
			}
			if made == nil {
				what := "an SR-IOV physical port"
				if label != "" {
					what = fmt.Sprintf("an SR-IOV physical port labelled %s", label)
				}
				return migErr(model.KindRefused, 44, "The vNIC %s (slot %d) of partition %s cannot be backed on the managed system %s: it has no %s with a logical port and %s of capacity left, linked up, on a running Virtual I/O Server.",
					v.MAC, v.Slot, p.Name, tsys.Name, what, b.Capacity)
			}
			nv.Backing = append(nv.Backing, model.VNICBacking{VIOS: owner.UUID, Adapter: made.Adapter, Port: made.Port, LPort: made.UUID,
				Capacity: made.Capacity, MaxCap: made.MaxCap, Priority: b.Priority})
		}
		dst.Put(nv)
	}
	return nil
}

// bridged tells whether a VLAN of a switch reaches a physical network
// through a shared Ethernet adapter of the system.
func bridged(tx *Tx, switchID, vlan int) bool {
	for _, b := range tx.Bridges() {
		if b.SwitchID != switchID {
			continue
		}
		for _, s := range b.SEAs {
			for _, t := range s.Trunks {
				if a := tx.Adapter(t); a != nil && containsInt(a.VLANs(), vlan) {
					return true
				}
			}
		}
	}
	return false
}

// viosOrder is the system's VIOSes by ID.
func viosOrder(tx *Tx) []*model.Partition {
	var out []*model.Partition
	for _, p := range tx.st.Partitions {
		if q := tx.Partition(p.UUID); q != nil && q.IsVIOS() {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func luName(tx *Tx, uuid string) string {
	if lu, ok := tx.Get(model.KindLU, uuid).(*model.LogicalUnit); ok && lu != nil {
		return lu.Name
	}
	return uuid
}

func backingLabel(b string) string {
	switch b {
	case model.BackPV:
		return "physical volume"
	case model.BackLV:
		return "logical volume"
	}
	return b
}

// errText is an error's message without its message ID.
func errText(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Msg
	}
	return err.Error()
}

// startMigrationJob runs the jobs Migrate, MigrateValidate, MigrateAbort
// and MigrateRecover of a partition.
func (c *Core) startMigrationJob(a Actor, r JobRequest) (*Job, error) {
	params := map[string]string{}
	for _, p := range r.Params {
		params[p.Name] = p.Value
	}
	// Only the management master migrates (and validates, stops and
	// recovers migrations): the console that is not is refused first.
	var notMaster error
	if !a.Internal {
		notMaster = masterAllows(c.System(), a)
	}
	newJob := func(holding bool) (*Job, bool, error) {
		var job *Job
		var err error
		if holding {
			job, err = c.newHoldingJob(a, r)
		} else {
			job, err = c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
		}
		if err != nil {
			return nil, false, err
		}
		if notMaster != nil {
			job.finish(c.clock.Now(), JobFailedBefore, notMaster.Error())
			return job, false, nil
		}
		return job, true, nil
	}
	switch r.Operation {
	case "MigrateValidate", "Migrate":
		spec, err := parseMigrateSpec(params)
		if err != nil {
			return nil, err
		}
		job, goOn, err := newJob(true)
		if !goOn {
			return job, err
		}
		target, err := c.migrationTarget(spec)
		if err != nil {
			job.finish(c.clock.Now(), JobFailedBefore, err.Error())
			return job, nil
		}
		if r.Operation == "MigrateValidate" {
			hold, err := c.validateMigration(a, r.TargetUUID, target, spec)
			end := func() {
				if err != nil {
					status, results := endStatus(err, JobFailedBefore)
					job.finish(c.clock.Now(), status, err.Error(), results...)
				} else {
					job.finish(c.clock.Now(), JobOK, "")
				}
			}
			if hold > 0 {
				c.schedule(hold, end)
			} else {
				end()
			}
			return job, nil
		}
		c.migrate(a, job, r.TargetUUID, target, spec)
		return job, nil
	case "MigrateAbort":
		job, goOn, err := newJob(false)
		if !goOn {
			return job, err
		}
		if err := c.StopMigration(a, r.TargetUUID); err != nil {
			job.finish(c.clock.Now(), JobFailedBefore, err.Error())
		} else {
			job.finish(c.clock.Now(), JobOK, "")
		}
		return job, nil
	case "MigrateRecover":
		if err := checkBool(ParamForce, params[ParamForce]); err != nil {
			return nil, err
		}
		job, goOn, err := newJob(false)
		if !goOn {
			return job, err
		}
		if err := c.RecoverMigration(a, r.TargetUUID, isTrue(params[ParamForce])); err != nil {
			job.finish(c.clock.Now(), JobFailedBefore, err.Error())
		} else {
			job.finish(c.clock.Now(), JobOK, "")
		}
		return job, nil
	}
	return nil, ErrUnknownOperation(r.Group, r.Operation)
}

// validateMigration checks a migration without starting it; hold is how
// long a fault rule holds its validate phase.
func (c *Core) validateMigration(a Actor, uuid string, target *Core, spec *migrateSpec) (hold time.Duration, err error) {
	err = c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		var err error
		if hold, err = c.phaseFault("MigrateValidate", "validate", p.UUID, p.Name); err != nil {
			return err
		}
		src, dst := scratch(c, tx), scratch(target, tx)
		if err := checkStart(src, dst, p, spec.targetIP != ""); err != nil {
			return err
		}
		_, err = moveOnto(src, dst, p, spec)
		return err
	})
	return hold, err
}

// phaseFailure is a migration phase a fault rule failed: the job ends
// with the rule's status and results.
type phaseFailure struct {
	err     *model.Error
	status  string
	results []Param
}

func (e *phaseFailure) Error() string { return e.err.Error() }
func (e *phaseFailure) Unwrap() error { return e.err }

// phaseFault asks the fault rules of the system running a migration job
// (op, on c) about one of its phases: the error of a rule that fails the
// phase, or how long a rule holds the phase.
func (c *Core) phaseFault(op, phase, uuid, name string) (time.Duration, error) {
	out := c.faults.CheckPhase(op, phase, uuid, name)
	if !out.Acts() {
		return 0, nil
	}
	c.log.Info("fault rule acts on a migration phase", "rules", out.Rules, "job", op, "phase", phase, "partition", name)
	if out.JobStatus == "" {
		return out.Delay, nil
	}
	return 0, &phaseFailure{
		err:    migErr(model.KindRefused, 60, "The migration of partition %s failed in its %s phase: %s", name, phase, out.Message),
		status: out.JobStatus, results: out.Results,
	}
}

// endStatus is the status and results a job ends with after err: a fault
// rule's, or def.
func endStatus(err error, def string) (string, []Param) {
	var pf *phaseFailure
	if errors.As(err, &pf) {
		return pf.status, pf.results
	}
	return def, nil
}

// migRun is a migration under way on its source.
type migRun struct {
	job    *Job
	uuid   string
	gen    uint64
	target *Core
	spec   *migrateSpec
	steps  []sim.MigrationStep
	// copyFail, set by a fault rule when the copy begins, fails the copy
	// halfway (at step failAt).
	copyFail error
	failAt   int
}

// migrate starts a migration: validated and marked started in one
// commit on both systems, then its phases on the clock.
func (c *Core) migrate(a Actor, job *Job, uuid string, target *Core, spec *migrateSpec) {
	var name string
	var memMB int
	var active bool
	var gen uint64
	var hold time.Duration
	err := c.Apply(a, func(tx *Tx) error {
		hold = 0
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		d, err := c.phaseFault("Migrate", "validate", p.UUID, p.Name)
		if err != nil {
			return err
		}
		hold += d
		if err := checkStart(scratch(c, tx), scratch(target, tx), p, spec.targetIP != ""); err != nil {
			return err
		}
		if _, err := moveOnto(scratch(c, tx), scratch(target, tx), p, spec); err != nil {
			return err
		}
		if d, err = c.phaseFault("Migrate", "start", p.UUID, p.Name); err != nil {
			return err
		}
		hold += d
		ttx, err := tx.On(target)
		if err != nil {
			return err
		}
		active = p.Active()
		n := p.Clone()
		n.Op++
		gen, name, memMB = n.Op, n.Name, n.CurMem
		n.Mig = &model.Migration{State: model.MigStarting, Source: c.name, Target: target.name, Inactive: !active,
			Started: tx.Now().UnixMilli(), Job: job.id, Params: spec.raw}
		if active {
			n.State = model.StateMigratingRun
		} else {
			n.State = model.StateMigratingNotA
			memMB = n.DesMem
		}
		tx.PutPartition(n, "PartitionState", "MigrationState")
		countMigration(tx, !active, +1)
		countMigration(ttx, !active, +1)
		return nil
	})
	if err != nil {
		status, results := endStatus(err, JobFailedBefore)
		job.finish(c.clock.Now(), status, err.Error(), results...)
		return
	}
	job.note(fmt.Sprintf("Migration of partition %s to %s started", name, spec.target))
	job.setCancel(func(ca Actor) error { return c.StopMigration(ca, uuid) })
	run := &migRun{job: job, uuid: uuid, gen: gen, target: target, spec: spec, steps: sim.MigrationCopy(memMB, active, c.Timing())}
	c.schedule(c.Timing().MigrationSetup+hold, func() { c.migrationCopy(run, -1) })
}

// countMigration moves a system's count of migrations in progress.
func countMigration(tx *Tx, inactive bool, d int) {
	sys := tx.System().Clone()
	if inactive {
		sys.InactiveMigrations += d
		if sys.InactiveMigrations < 0 {
			sys.InactiveMigrations = 0
		}
	} else {
		sys.ActiveMigrations += d
		if sys.ActiveMigrations < 0 {
			sys.ActiveMigrations = 0
		}
	}
	tx.PutSystem(sys)
}

// errMigrationGone: the migration's partition was stopped, recovered or
// changed by another operation (its Op moved).
var errMigrationGone = errors.New("the migration was stopped or superseded")

// migrationCopy applies copy step i (-1: the copy begins) and schedules
// the next; after the last it switches the partition over.
func (c *Core) migrationCopy(r *migRun, i int) {
	var note string
	var hold time.Duration
	err := c.Apply(internalActor, func(tx *Tx) error {
		hold = 0
		p := tx.Partition(r.uuid)
		if p == nil || p.Op != r.gen || !p.Migrating() {
			return errMigrationGone
		}
		if i < 0 {
			// A fault rule on the copy fails it halfway through its
			// passes, or holds it before the first.
			hold, r.copyFail = c.phaseFault("Migrate", "copy", p.UUID, p.Name)
			r.failAt = len(r.steps) / 2
		} else if r.copyFail != nil && i >= r.failAt {
			return r.copyFail
		}
		n := p.Clone()
		m := *p.Mig
		m.State = model.MigInProgress
		if i >= 0 {
			m.Pct, m.Pass = r.steps[i].Pct, r.steps[i].Pass
			note = fmt.Sprintf("Copied %d%% of the memory of partition %s (pass %d)", m.Pct, p.Name, m.Pass)
		} else {
			note = fmt.Sprintf("Copying the memory of partition %s to %s", p.Name, r.spec.target)
		}
		n.Mig = &m
		tx.PutPartition(n, "MigrationState")
		return nil
	})
	if err != nil {
		c.migrationFailed(r.job, r.uuid, r.gen, err)
		return
	}
	r.job.note(note)
	if i+1 < len(r.steps) {
		d := r.steps[0].At + hold
		if i >= 0 {
			d = r.steps[i+1].At - r.steps[i].At
		}
		c.schedule(d, func() { c.migrationCopy(r, i+1) })
		return
	}
	c.schedule(c.Timing().MigrationSwitch, func() { c.migrationSwitch(r) })
}

// migrationSwitch moves the partition to the target in one commit on
// both systems.
func (c *Core) migrationSwitch(r *migRun) {
	var name string
	var hold time.Duration
	target, spec := r.target, r.spec
	err := c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(r.uuid)
		if p == nil || p.Op != r.gen || !p.Migrating() {
			return errMigrationGone
		}
		name = p.Name
		var err error
		if hold, err = c.phaseFault("Migrate", "switch", p.UUID, p.Name); err != nil {
			return err
		}
		ttx, err := tx.On(target)
		if err != nil {
			return err
		}
		inactive := p.Mig.Inactive
		// The partition as it was before the migration, moved.
		q := p.Clone()
		if inactive {
			q.State = model.StateNotActivated
		} else {
			q.State = model.StateRunning
		}
		n, err := moveOnto(tx, ttx, q, spec)
		if err != nil {
			return err
		}
		n.Op++
		n.Mig.Pct = 100
		ttx.PutPartition(n, "PartitionState", "MigrationState")
		countMigration(tx, inactive, -1)
		countMigration(ttx, inactive, -1)
		return nil
	})
	if err != nil {
		c.migrationFailed(r.job, r.uuid, r.gen, err)
		return
	}
	r.job.note(fmt.Sprintf("Partition %s runs on %s", name, spec.target))
	job, uuid := r.job, r.uuid
	target.schedule(c.Timing().MigrationSwitch+hold, func() { target.migrationComplete(c, job, uuid, name, spec.target) })
}

// migrationComplete ends a migration on its target: Not_Migrating.
//
// src is the system the job runs on, whose fault rules name the phase
// (nil: a migration a restart found complete, with no job).
func (c *Core) migrationComplete(src *Core, job *Job, uuid, name, targetName string) {
	var hold time.Duration
	err := c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil || p.Mig == nil || p.Mig.State != model.MigComplete {
			return nil
		}
		if src != nil {
			var err error
			if hold, err = src.phaseFault("Migrate", "complete", p.UUID, p.Name); err != nil {
				return err
			}
		}
		n := p.Clone()
		n.Mig = nil
		tx.PutPartition(n, "MigrationState")
		return nil
	})
	if job == nil {
		return
	}
	if err != nil {
		// The partition runs on the target; only its state's last step
		// failed: MigrateRecover on the target ends it.
		job.finish(c.clock.Now(), JobWarnings, fmt.Sprintf("Partition %s was migrated to %s, but its migration state could not be cleared: %s", name, targetName, errText(err)))
		return
	}
	if hold > 0 {
		c.schedule(hold, func() { job.finish(c.clock.Now(), JobOK, "") })
		return
	}
	job.finish(c.clock.Now(), JobOK, "")
}

// migrationFailed ends a migration's job after a phase failed: a stop or
// a supersession ends the job with its message; any other failure leaves
// the partition Migration_Failed on the source (still whole, still
// counted on both systems) for MigrateRecover.
func (c *Core) migrationFailed(job *Job, uuid string, gen uint64, cause error) {
	if errors.Is(cause, errMigrationGone) {
		msg := "The migration was stopped, or another operation took the partition over."
		if m := job.stoppedMessage(); m != "" {
			msg = m
		}
		job.finish(c.clock.Now(), JobError, msg)
		return
	}
	err := c.Apply(internalActor, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil || p.Op != gen || !p.Migrating() {
			return nil
		}
		n := p.Clone()
		m := *p.Mig
		m.State, m.Reason = model.MigFailed, errText(cause)
		n.Mig = &m
		tx.PutPartition(n, "MigrationState")
		return nil
	})
	msg := cause.Error()
	if err != nil {
		msg += "; the migration state could not be saved: " + err.Error()
	}
	status, results := endStatus(cause, JobError)
	job.finish(c.clock.Now(), status, msg+" The partition stays on the source; recover it with MigrateRecover (pvmctl lpar migrate-recover).", results...)
}

// StopMigration stops a partition's migration before its switch
// (MigrateAbort): the partition goes on running on the source as before,
// both systems' counters go down. After the switch it is refused: the
// partition runs on the target.
func (c *Core) StopMigration(a Actor, uuid string) error {
	var job int64
	var msg string
	err := c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		if p.Mig == nil {
			return migErr(model.KindRefused, 70, "Partition %s is not migrating; there is nothing to stop.", p.Name)
		}
		if !p.Migrating() {
			return migErr(model.KindRefused, 71, "The migration of partition %s has ended (%s); recover it with MigrateRecover instead.", p.Name, p.Mig.State)
		}
		if p.Mig.State == model.MigComplete {
			return migErr(model.KindRefused, 72, "The migration of partition %s is complete: it runs on %s.", p.Name, p.Mig.Target)
		}
		if err := restoreSource(tx, p); err != nil {
			return err
		}
		job = p.Mig.Job
		msg = fmt.Sprintf("The migration of partition %s was stopped at the request of user %s; the partition runs on %s as before.", p.Name, a.User, tx.System().Name)
		return nil
	})
	if err != nil {
		return err
	}
	if j := c.Jobs.Get(job); j != nil {
		j.mu.Lock()
		j.stopped = msg
		j.mu.Unlock()
		j.finish(c.clock.Now(), JobError, msg)
	}
	return nil
}

// restoreSource puts a partition whose migration did not switch back as
// it was (Not_Migrating, running or not activated) and takes the
// migration off both systems' counters.
func restoreSource(tx *Tx, p *model.Partition) error {
	n := p.Clone()
	n.Op++
	inactive := p.Mig.Inactive
	if inactive {
		n.State = model.StateNotActivated
	} else {
		n.State = model.StateRunning
	}
	target := p.Mig.Target
	n.Mig = nil
	tx.PutPartition(n, "PartitionState", "MigrationState")
	countMigration(tx, inactive, -1)
	if f := tx.c.fleet; f != nil {
		if t := f.System(target); t != nil && t != tx.c {
			ttx, err := tx.On(t)
			if err != nil {
				return err
			}
			countMigration(ttx, inactive, -1)
		}
	}
	return nil
}

// RecoverMigration recovers a partition whose migration failed
// (MigrateRecover): on the source, back as it was; on the target (its
// switch done but not its last step), Not_Migrating. A migration in
// progress is refused (stop it with MigrateAbort); without force, so is
// a partition with no failed migration.
func (c *Core) RecoverMigration(a Actor, uuid string, force bool) error {
	return c.Apply(a, func(tx *Tx) error {
		p := tx.Partition(uuid)
		if p == nil {
			return model.ErrNoPartition(uuid)
		}
		switch {
		case p.Mig == nil:
			if force {
				return nil
			}
			return migErr(model.KindRefused, 80, "Partition %s has no failed migration to recover.", p.Name)
		case p.Mig.State == model.MigComplete && p.Mig.Target == c.name:
			n := p.Clone()
			n.Mig = nil
			tx.PutPartition(n, "MigrationState")
			return nil
		case p.Migrating():
			return migErr(model.KindRefused, 81, "The migration of partition %s is in progress (%s); stop it with MigrateAbort (pvmctl lpar migrate-stop) instead.", p.Name, p.Mig.State)
		}
		return restoreSource(tx, p)
	})
}

// recoverMigrations, at start, fails the migrations a previous run left
// under way before their switch (the partition is whole on the source)
// and ends those it left after it (whole on the target).
func (c *Core) recoverMigrations() {
	var failed, done []string
	c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.Mig == nil {
				continue
			}
			switch {
			case p.Mig.State == model.MigComplete:
				done = append(done, p.UUID)
			case p.Migrating():
				failed = append(failed, p.UUID)
			}
		}
	})
	for _, u := range done {
		c.migrationComplete(nil, nil, u, "", "")
	}
	for _, u := range failed {
		err := c.Apply(internalActor, func(tx *Tx) error {
			p := tx.Partition(u)
			if p == nil || !p.Migrating() {
				return nil
			}
			n := p.Clone()
			n.Op++
			m := *p.Mig
			m.State, m.Reason, m.Job = model.MigFailed, "the management service stopped during the migration", 0
			n.Mig = &m
			tx.PutPartition(n, "MigrationState")
			return nil
		})
		if err != nil {
			c.log.Warn("could not mark an interrupted migration failed", "partition", u, "err", err)
		}
	}
	if len(failed)+len(done) > 0 {
		c.log.Info("migrations left by the previous run", "failed", len(failed), "completed", len(done))
	}
}

// errMigrationHolds refuses an operation on a partition that is migrating
// or whose migration failed.
func errMigrationHolds(p *model.Partition) error {
	if p.Migrating() {
		return migErr(model.KindRefused, 90, "Partition %s is migrating (%s); wait for the migration to end or stop it (MigrateAbort).", p.Name, p.Mig.State)
	}
	return migErr(model.KindRefused, 91, "The migration of partition %s did not end (%s); recover it with MigrateRecover first.", p.Name, p.Mig.State)
}
