package backup

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// The attributes of a partition record, in the order they are written.
// The first ones follow the profile.bak NovaLink writes (lpar_id, name,
// lpar_env, mem_mode, ... virtual_scsi_adapters, auto_start, boot_mode);
// the names and value formats are those of the HMC lssyscfg -r prof /
// mksyscfg attributes. The last group is ours (what the HMC profile does
// not carry but a restore needs). On read, our attributes and our extra
// fields of list items are optional (a file written by NovaLink itself
// lacks them): what they would give is left zero for the core to fill.
const (
	aLparID       = "lpar_id"
	aName         = "name"
	aEnv          = "lpar_env"
	aMemMode      = "mem_mode"
	aMinMem       = "min_mem"
	aDesMem       = "desired_mem"
	aMaxMem       = "max_mem"
	aHPTRatio     = "hpt_ratio"
	aMemExpansion = "mem_expansion"
	aMinProcs     = "min_procs"
	aDesProcs     = "desired_procs"
	aMaxProcs     = "max_procs"
	aProcMode     = "proc_mode"
	aPoolID       = "shared_proc_pool_id" // shared only
	aSharingMode  = "sharing_mode"
	aMinUnits     = "min_proc_units"     // shared only
	aDesUnits     = "desired_proc_units" // shared only
	aMaxUnits     = "max_proc_units"     // shared only
	aWeight       = "uncap_weight"       // shared only
	aPerf         = "allow_perf_collection"
	aWorkGroup    = "work_group_id"
	aIOSlots      = "io_slots"
	aEth          = "virtual_eth_adapters"
	aSCSI         = "virtual_scsi_adapters"
	aFC           = "virtual_fc_adapters"
	aAutoStart    = "auto_start"
	aBootMode     = "boot_mode"
	aKeylock      = "keylock"
	aMgmtCapable  = "powervm_mgmt_capable"
	aAvailPrio    = "lpar_avail_priority"
	aMaxSlots     = "max_virtual_slots"
	aCompat       = "lpar_proc_compat_mode"
	aSRR          = "simplified_remote_restart_capable"
	// Ours.
	aUUID         = "uuid"
	aMACPrefix    = "mac_prefix"
	aMgmt         = "mgmt_partition"
	aService      = "service_partition"
	aSCSIMappings = "virtual_scsi_mappings" // VIOS only
)

// lssyscfg spellings of model values.
var (
	envNames = map[model.PartitionType]string{
		model.TypeAIXLinux: "aixlinux",
		model.TypeOS400:    "os400",
		model.TypeVIOS:     "vioserver",
	}
	sharingNames = map[string]string{
		model.SharingCapped:          "cap",
		model.SharingUncapped:        "uncap",
		model.SharingKeepIdle:        "keep_idle_procs",
		model.SharingShareIdle:       "share_idle_procs",
		model.SharingShareIdleAlways: "share_idle_procs_always",
		model.SharingShareIdleActive: "share_idle_procs_active",
	}
	keylockNames = map[string]string{"normal": "norm", "manual": "manual"}
)

func lookup[K comparable](m map[K]string, k K, def string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return def
}

func reverse[K comparable](m map[K]string, v string) (K, bool) {
	for k, s := range m {
		if s == v {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// FromState makes the profile of every partition of st, taken at now.
func FromState(st *model.State, now time.Time) *Profile {
	p := &Profile{ConfigVersion: ConfigVersion, TOD: now.UnixMilli(), MTMS: st.System.MTMS()}
	var scsi []*model.SCSIMapping
	st.Each(model.KindSCSIMap, func(o model.Object) { scsi = append(scsi, o.(*model.SCSIMapping)) })
	sort.Slice(scsi, func(i, j int) bool {
		a, b := scsi[i], scsi[j]
		if a.ServerSlot != b.ServerSlot {
			return a.ServerSlot < b.ServerSlot
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.UUID < b.UUID
	})
	var fc []*model.FCMapping
	st.Each(model.KindFCMap, func(o model.Object) { fc = append(fc, o.(*model.FCMapping)) })
	sort.Slice(fc, func(i, j int) bool {
		if fc[i].ServerSlot != fc[j].ServerSlot {
			return fc[i].ServerSlot < fc[j].ServerSlot
		}
		return fc[i].UUID < fc[j].UUID
	})
	// What each partition has, so that each record looks at its own only.
	rel := map[string]*related{}
	of := func(uuid string) *related {
		r := rel[uuid]
		if r == nil {
			r = &related{}
			rel[uuid] = r
		}
		return r
	}
	for _, s := range st.SortedSlots() {
		if s.Owner != "" {
			of(s.Owner).slots = append(of(s.Owner).slots, s)
		}
	}
	for _, m := range scsi {
		of(m.VIOS).scsi = append(of(m.VIOS).scsi, m)
		if m.Client != "" && m.Client != m.VIOS {
			of(m.Client).scsi = append(of(m.Client).scsi, m)
		}
	}
	for _, m := range fc {
		of(m.VIOS).fc = append(of(m.VIOS).fc, m)
		if m.Client != "" && m.Client != m.VIOS {
			of(m.Client).fc = append(of(m.Client).fc, m)
		}
	}
	for _, part := range st.SortedPartitions(nil) {
		p.Records = append(p.Records, record(st, part, of(part.UUID)))
	}
	return p
}

// related is what a partition record covers besides the partition: the
// I/O slots it owns and the vSCSI and vFC mappings it is an end of.
type related struct {
	slots []*model.IOSlot
	scsi  []*model.SCSIMapping
	fc    []*model.FCMapping
}

type recBuilder struct{ r Record }

func (b *recBuilder) add(name, value string) { b.r = append(b.r, Attr{name, value}) }
func (b *recBuilder) int(name string, v int) { b.add(name, strconv.Itoa(v)) }

func record(st *model.State, p *model.Partition, rel *related) Record {
	b := &recBuilder{}
	b.int(aLparID, p.ID)
	b.add(aName, p.Name)
	b.add(aEnv, lookup(envNames, p.Type, string(p.Type)))
	b.add(aMemMode, "ded")
	b.int(aMinMem, p.MinMem)
	b.int(aDesMem, p.DesMem)
	b.int(aMaxMem, p.MaxMem)
	b.int(aHPTRatio, p.HPTRatio)
	b.add(aMemExpansion, "0.00")
	if p.Dedicated {
		b.int(aMinProcs, p.MinProcs)
		b.int(aDesProcs, p.DesProcs)
		b.int(aMaxProcs, p.MaxProcs)
		b.add(aProcMode, "ded")
	} else {
		b.int(aMinProcs, p.MinVP)
		b.int(aDesProcs, p.DesVP)
		b.int(aMaxProcs, p.MaxVP)
		b.add(aProcMode, "shared")
		b.int(aPoolID, p.PoolID)
	}
	b.add(aSharingMode, lookup(sharingNames, p.SharingMode, p.SharingMode))
	if !p.Dedicated {
		b.add(aMinUnits, p.MinUnits.Fixed2())
		b.add(aDesUnits, p.DesUnits.Fixed2())
		b.add(aMaxUnits, p.MaxUnits.Fixed2())
		b.int(aWeight, p.Weight)
	}
	b.add(aPerf, b01(p.AllowPerfData))
	b.add(aWorkGroup, "none")

	// io_slots: drc-index/slot-IO-pool-ID/is-required, then ours: the
	// DRC name (location code).
	var items []string
	for _, s := range rel.slots {
		items = append(items, fmt.Sprintf("%X/none/%s/%s", s.DRCIndex, b01(s.Required), escField(s.DRCName)))
	}
	b.add(aIOSlots, joinList(items))

	// virtual_eth_adapters: slot/is-IEEE/port-vlan-ID/additional-vlan-IDs/
	// trunk-priority/is-required/vswitch/MAC/allowed-OS-MACs/QoS (the
	// vswitch field holds the switch ID, as NovaLink's profile.bak does),
	// then ours: vswitch name/adapter UUID/enabled/VIOS device/vswitch
	// UUID/vswitch mode (a restore makes a missing switch as it was).
	items = nil
	for _, a := range st.AdaptersOf(p.UUID) {
		sw, swUUID, swMode := "", "", ""
		if s := st.SwitchByID(a.SwitchID); s != nil {
			sw, swUUID, swMode = s.Name, s.UUID, s.Mode
		}
		vlans := make([]string, len(a.Tagged))
		for i, v := range a.Tagged {
			vlans[i] = strconv.Itoa(v)
		}
		items = append(items, fmt.Sprintf("%d/%s/%d/%s/%d/0/%d/%s/all/none/%s/%s/%s/%s/%s/%s",
			a.Slot, b01(a.TaggedSupported), a.PVID, strings.Join(vlans, ","), a.TrunkPriority, a.SwitchID, a.MAC,
			escField(sw), escField(a.UUID), b01(a.Enabled), escField(a.Device), escField(swUUID), escField(swMode)))
	}
	b.add(aEth, joinList(items))

	// virtual_scsi_adapters: slot/client|server/remote-lpar-ID/
	// remote-lpar-name/remote-slot/is-required; a server adapter adds
	// ours: vhost/UUID of the adapter-only mapping (when nothing is mapped
	// through the pair).
	type pairKey struct {
		vios string
		slot int
	}
	var mapItems []string
	items = nil
	seen := map[pairKey]bool{}
	only := map[pairKey]string{} // the adapter-only mapping of a pair
	for _, m := range rel.scsi {
		if m.Backing == "" {
			only[pairKey{m.VIOS, m.ServerSlot}] = m.UUID
		}
	}
	for _, m := range rel.scsi {
		switch {
		case m.VIOS == p.UUID:
			if m.Backing != "" {
				mapItems = append(mapItems, fmt.Sprintf("%d/%s/%s/%s/%s/%s/%s", m.ServerSlot, m.Backing, escField(m.BackingID),
					escField(backingName(st, m)), escField(m.Target), escField(m.LUA), escField(m.UUID)))
			}
			k := pairKey{m.VIOS, m.ServerSlot}
			if seen[k] {
				continue
			}
			seen[k] = true
			rid, rname, rslot := "any", "", "any"
			if c := st.Partition(m.Client); c != nil {
				rid, rname = strconv.Itoa(c.ID), c.Name
			}
			if m.ClientSlot > 0 {
				rslot = strconv.Itoa(m.ClientSlot)
			}
			items = append(items, fmt.Sprintf("%d/server/%s/%s/%s/0/%s/%s", m.ServerSlot, rid, escField(rname), rslot,
				escField(m.VHost), escField(only[k])))
		case m.Client == p.UUID:
			k := pairKey{m.VIOS, m.ServerSlot}
			if seen[k] {
				continue
			}
			seen[k] = true
			v := st.Partition(m.VIOS)
			if v == nil {
				continue
			}
			items = append(items, fmt.Sprintf("%d/client/%d/%s/%d/0", m.ClientSlot, v.ID, escField(v.Name), m.ServerSlot))
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return leadingInt(items[i]) < leadingInt(items[j]) })
	b.add(aSCSI, joinList(items))

	// virtual_fc_adapters: slot/client|server/remote-lpar-ID/
	// remote-lpar-name/remote-slot/WWPNs/is-required (the client adapter
	// holds the WWPN pair); a server adapter adds ours: vfchost/physical
	// port/mapping UUID.
	items = nil
	for _, m := range rel.fc {
		switch {
		case m.VIOS == p.UUID:
			rid, rname := "any", ""
			if c := st.Partition(m.Client); c != nil {
				rid, rname = strconv.Itoa(c.ID), c.Name
			}
			items = append(items, fmt.Sprintf("%d/server/%s/%s/%d//0/%s/%s/%s", m.ServerSlot, rid, escField(rname), m.ClientSlot,
				escField(m.VFCHost), escField(m.Port), escField(m.UUID)))
		case m.Client == p.UUID:
			v := st.Partition(m.VIOS)
			if v == nil {
				continue
			}
			items = append(items, fmt.Sprintf("%d/client/%d/%s/%d/%s/0", m.ClientSlot, v.ID, escField(v.Name), m.ServerSlot, strings.Join(m.WWPNs, ",")))
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return leadingInt(items[i]) < leadingInt(items[j]) })
	b.add(aFC, joinList(items))

	b.add(aAutoStart, b01(p.AutoStart))
	b.add(aBootMode, p.BootMode)
	b.add(aKeylock, lookup(keylockNames, p.Keylock, p.Keylock))
	b.add(aMgmtCapable, b01(p.MgmtCapable))
	b.int(aAvailPrio, p.AvailPriority)
	b.int(aMaxSlots, p.MaxVirtualSlots)
	b.add(aCompat, p.ProcCompatMode)
	b.add(aSRR, b01(p.SRRCapable))

	b.add(aUUID, p.UUID)
	b.add(aMACPrefix, model.FormatMAC(p.MACPrefix))
	b.add(aMgmt, b01(p.IsMgmt))
	b.add(aService, b01(p.IsService))
	if p.IsVIOS() {
		// virtual_scsi_mappings (ours): server-slot/backing kind (PV, LV,
		// VOPT, LU, RBD)/backing device UUID/its name at backup time/target
		// device/LUA/mapping UUID, one per device mapped.
		b.add(aSCSIMappings, joinList(mapItems))
	}
	return b.r
}

// backingName is the name of the device a mapping maps ("" when unknown).
func backingName(st *model.State, m *model.SCSIMapping) string {
	if m.BackingID == "" {
		return ""
	}
	switch o := st.Get(backingKind(m.Backing), m.BackingID).(type) {
	case *model.PhysicalVolume:
		return o.Name
	case *model.LogicalVolume:
		return o.Name
	case *model.OpticalMedia:
		return o.Name
	case *model.LogicalUnit:
		return o.Name
	case *model.RBDImage:
		return o.Path()
	}
	return ""
}

func backingKind(b string) model.ObjKind {
	switch b {
	case model.BackPV:
		return model.KindPV
	case model.BackLV:
		return model.KindLV
	case model.BackMedia:
		return model.KindMedia
	case model.BackLU:
		return model.KindLU
	case model.BackRBD:
		return model.KindRBDImage
	}
	return ""
}

func leadingInt(item string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(item, "/", 2)[0], `"`))
	return n
}
