package backup

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// Restored is what a profile gives back, as model values.
type Restored struct {
	MTMS string
	TOD  time.Time
	// Partitions carry their configuration only: runtime fields (State,
	// RefCode, RMC, current allocation, OSVersion), LogicalSerial, Created
	// and Rev are zero, and so are the processor fields of the mode not in
	// use. A zero MACPrefix (a file without our mac_prefix) asks for the
	// usual one (model.MACPrefixFor).
	//
	// Every object has a UUID: where the file gives none (a profile.bak
	// written by NovaLink itself), a stable one is derived from the MTMS,
	// the partition ID and the slot, so that the same file always gives
	// the same UUIDs.
	Partitions []*model.Partition // by ID
	// Switches are the virtual switches the adapters use (ID, and name,
	// UUID and mode when the file gives them).
	Switches []Switch
	// Adapters are the virtual Ethernet adapters, by partition ID and slot.
	Adapters []*model.EthernetAdapter
	// Slots are the physical I/O slots owned by the partitions: DRCIndex,
	// DRCName (may be empty), Owner and Required only; the core keeps
	// the rest of its own slot with the same DRC index.
	Slots []*model.IOSlot
	// SCSIMappings are the vSCSI mappings, by VIOS ID, server slot and
	// target: an adapter pair with nothing mapped is one mapping without
	// Backing. BackingID is the UUID of the device at backup time.
	SCSIMappings []*model.SCSIMapping
	// SCSIBackingNames gives, by mapping UUID, the name the backing
	// device had (to find it again when the VIOS device tree was rebuilt).
	SCSIBackingNames map[string]string
	// FCMappings are the vFC mappings, by VIOS ID and server slot.
	FCMappings []*model.FCMapping
}

// Switch is a virtual switch the adapters of a profile use.
type Switch struct {
	ID   int
	Name string // "" when the file does not say
	UUID string // "" when the file does not say
	Mode string // model.SwitchVEB or model.SwitchVEPA; "" when the file does not say
}

// CheckMTMS refuses a profile of another managed system, unless ignore.
func CheckMTMS(p *Profile, sys *model.ManagedSystem, ignore bool) error {
	if ignore || p.MTMS == sys.MTMS() {
		return nil
	}
	return model.Refused("The backup is of managed system %s, not of this one (%s); restore it here only by ignoring the MTMS (rstprofdata --ignoremtms, the RestoreProfileData job's IgnoreMTMS=true).", p.MTMS, sys.MTMS())
}

// reader reads the attributes of one record.
type reader struct {
	r     Record
	n     int // record number, 1-based
	label string
}

func (x *reader) errf(format string, args ...any) error {
	return model.Invalid("profile.bak partition record %d (%s): %s", x.n, x.label, fmt.Sprintf(format, args...))
}

func (x *reader) str(name string) (string, error) {
	v, ok := x.r.Get(name)
	if !ok {
		return "", x.errf("the attribute %s is missing", name)
	}
	return v, nil
}

func (x *reader) strOr(name, def string) string {
	if v, ok := x.r.Get(name); ok {
		return v
	}
	return def
}

func (x *reader) int(name string) (int, error) {
	v, err := x.str(name)
	if err != nil {
		return 0, err
	}
	n, err := atoi(v)
	if err != nil {
		return 0, x.errf("%s: %v", name, err)
	}
	return n, nil
}

func (x *reader) intOr(name string, def int) (int, error) {
	if _, ok := x.r.Get(name); !ok {
		return def, nil
	}
	return x.int(name)
}

func (x *reader) bool(name string) (bool, error) {
	v, ok := x.r.Get(name)
	if !ok {
		return false, nil
	}
	b, err := parse01(v)
	if err != nil {
		return false, x.errf("%s: %v", name, err)
	}
	return b, nil
}

func (x *reader) units(name string) (model.Units, error) {
	v, err := x.str(name)
	if err != nil {
		return 0, err
	}
	u, err := model.ParseUnits(v)
	if err != nil {
		return 0, x.errf("%s: %v", name, err)
	}
	return u, nil
}

func (x *reader) list(name string) ([]string, error) {
	v, ok := x.r.Get(name)
	if !ok {
		return nil, nil
	}
	items, err := splitList(v)
	if err != nil {
		return nil, x.errf("%s: %v", name, err)
	}
	return items, nil
}

// partition reads the partition of a record.
func (x *reader) partition() (*model.Partition, error) {
	p := &model.Partition{}
	var err error
	if p.ID, err = x.int(aLparID); err != nil {
		return nil, err
	}
	x.label = "lpar_id " + strconv.Itoa(p.ID)
	if p.Name, err = x.str(aName); err != nil {
		return nil, err
	}
	x.label += ", " + p.Name
	env, err := x.str(aEnv)
	if err != nil {
		return nil, err
	}
	t, ok := reverse(envNames, env)
	if !ok {
		return nil, x.errf("%s %q is not aixlinux, os400 or vioserver", aEnv, env)
	}
	p.Type = t
	if m := x.strOr(aMemMode, "ded"); m != "ded" {
		return nil, x.errf("%s %q: only dedicated memory (ded) is supported", aMemMode, m)
	}
	for _, f := range []struct {
		name string
		to   *int
	}{{aMinMem, &p.MinMem}, {aDesMem, &p.DesMem}, {aMaxMem, &p.MaxMem}} {
		if *f.to, err = x.int(f.name); err != nil {
			return nil, err
		}
	}
	if p.HPTRatio, err = x.intOr(aHPTRatio, 0); err != nil {
		return nil, err
	}
	mode, err := x.str(aProcMode)
	if err != nil {
		return nil, err
	}
	switch mode {
	case "ded":
		p.Dedicated = true
	case "shared":
	default:
		return nil, x.errf("%s %q is not shared or ded", aProcMode, mode)
	}
	procs := []*int{&p.MinVP, &p.DesVP, &p.MaxVP}
	if p.Dedicated {
		procs = []*int{&p.MinProcs, &p.DesProcs, &p.MaxProcs}
	}
	for i, name := range []string{aMinProcs, aDesProcs, aMaxProcs} {
		if *procs[i], err = x.int(name); err != nil {
			return nil, err
		}
	}
	sm, err := x.str(aSharingMode)
	if err != nil {
		return nil, err
	}
	if p.SharingMode, ok = reverse(sharingNames, sm); !ok {
		return nil, x.errf("%s %q is not cap, uncap, keep_idle_procs, share_idle_procs, share_idle_procs_always or share_idle_procs_active", aSharingMode, sm)
	}
	if !p.Dedicated {
		for _, f := range []struct {
			name string
			to   *model.Units
		}{{aMinUnits, &p.MinUnits}, {aDesUnits, &p.DesUnits}, {aMaxUnits, &p.MaxUnits}} {
			if *f.to, err = x.units(f.name); err != nil {
				return nil, err
			}
		}
		if p.PoolID, err = x.intOr(aPoolID, 0); err != nil {
			return nil, err
		}
		if p.Weight, err = x.intOr(aWeight, 128); err != nil {
			return nil, err
		}
	}
	if p.AllowPerfData, err = x.bool(aPerf); err != nil {
		return nil, err
	}
	if p.AutoStart, err = x.bool(aAutoStart); err != nil {
		return nil, err
	}
	p.BootMode = x.strOr(aBootMode, "norm")
	kl := x.strOr(aKeylock, "norm")
	if p.Keylock, ok = reverse(keylockNames, kl); !ok {
		return nil, x.errf("%s %q is not norm or manual", aKeylock, kl)
	}
	if p.MgmtCapable, err = x.bool(aMgmtCapable); err != nil {
		return nil, err
	}
	defPrio := 127
	if p.IsVIOS() {
		defPrio = 191
	}
	if p.AvailPriority, err = x.intOr(aAvailPrio, defPrio); err != nil {
		return nil, err
	}
	if p.MaxVirtualSlots, err = x.int(aMaxSlots); err != nil {
		return nil, err
	}
	p.ProcCompatMode = x.strOr(aCompat, "default")
	if p.SRRCapable, err = x.bool(aSRR); err != nil {
		return nil, err
	}
	if p.UUID = x.strOr(aUUID, ""); p.UUID != "" {
		if _, err := uuid.Parse(p.UUID); err != nil {
			return nil, x.errf("%s %q is not a UUID", aUUID, p.UUID)
		}
	}
	if v, ok := x.r.Get(aMACPrefix); ok {
		mp, err := strconv.ParseUint(v, 16, 64)
		if err != nil || len(v) != 12 {
			return nil, x.errf("%s %q is not 12 hexadecimal digits", aMACPrefix, v)
		}
		p.MACPrefix = mp
	}
	if p.IsMgmt, err = x.bool(aMgmt); err != nil {
		return nil, err
	}
	if p.IsService, err = x.bool(aService); err != nil {
		return nil, err
	}
	return p, nil
}

// ToModel gives the partitions of the profile back as model values, each
// checked with the model's validation and against the others (IDs, names,
// UUIDs, slots, MACs, DRC indexes unique; both ends of every vSCSI and vFC
// adapter pair present and agreeing). sys is the system they are for.
func (p *Profile) ToModel(sys *model.ManagedSystem) (*Restored, error) {
	if p.ConfigVersion != ConfigVersion {
		return nil, model.Invalid("profile.bak CONFIG_VERSION %s is not one this release reads (%s).", p.ConfigVersion, ConfigVersion)
	}
	out := &Restored{MTMS: p.MTMS, TOD: time.UnixMilli(p.TOD), SCSIBackingNames: map[string]string{}}
	readers := make([]*reader, len(p.Records))
	byID := map[int]*model.Partition{}
	names := map[string]int{}
	uuids := map[string]int{}
	mgmt := 0
	for i, r := range p.Records {
		x := &reader{r: r, n: i + 1, label: "?"}
		part, err := x.partition()
		if err != nil {
			return nil, err
		}
		if err := model.ValidateDefinition(sys, part); err != nil {
			return nil, fmt.Errorf("profile.bak partition record %d (%s): %w", x.n, x.label, err)
		}
		if o, ok := byID[part.ID]; ok {
			return nil, x.errf("partition ID %d is also the ID of %s", part.ID, o.Name)
		}
		if n, ok := names[part.Name]; ok {
			return nil, x.errf("the name %s is also the name of record %d", part.Name, n)
		}
		if part.UUID == "" {
			part.UUID = strings.ToUpper(derivedUUID(p.MTMS, "lpar", strconv.Itoa(part.ID)))
		}
		if n, ok := uuids[strings.ToUpper(part.UUID)]; ok {
			return nil, x.errf("the UUID %s is also the UUID of record %d", part.UUID, n)
		}
		uuids[strings.ToUpper(part.UUID)] = x.n
		if part.IsMgmt {
			if mgmt != 0 {
				return nil, x.errf("record %d is already the management partition", mgmt)
			}
			mgmt = x.n
		}
		byID[part.ID] = part
		names[part.Name] = x.n
		readers[i] = x
		out.Partitions = append(out.Partitions, part)
	}
	c := &conv{out: out, byID: byID, used: map[*model.Partition]map[int]string{}}
	for i, x := range readers {
		if err := c.record(x, out.Partitions[i]); err != nil {
			return nil, err
		}
	}
	if err := c.pairs(); err != nil {
		return nil, err
	}
	sort.Slice(out.Partitions, func(i, j int) bool { return out.Partitions[i].ID < out.Partitions[j].ID })
	for _, sw := range c.switches {
		out.Switches = append(out.Switches, *sw)
	}
	sort.Slice(out.Switches, func(i, j int) bool { return out.Switches[i].ID < out.Switches[j].ID })
	sort.Slice(out.Slots, func(i, j int) bool { return out.Slots[i].DRCIndex < out.Slots[j].DRCIndex })
	return out, nil
}

// conv carries what ToModel gathers across records.
type conv struct {
	out      *Restored
	byID     map[int]*model.Partition
	used     map[*model.Partition]map[int]string // partition -> slot -> what uses it
	switches map[int]*Switch
	macs     map[string]string
	adapters map[string]bool
	drcs     map[int]string
	scsiSrv  []*scsiServer
	scsiCli  []*pairEnd
	fcSrv    []*fcServer
	fcCli    []*pairEnd
	mapUUIDs map[string]bool
}

// scsiServer is a server adapter of a VIOS record and what it maps.
type scsiServer struct {
	x            *reader
	vios         *model.Partition
	slot         int
	client       *model.Partition // nil for any
	clientSlot   int
	vhost, only  string
	maps         []*model.SCSIMapping
	clientItemOK bool
}

type fcServer struct {
	x            *reader
	vios         *model.Partition
	slot         int
	client       *model.Partition
	clientSlot   int
	vfchost      string
	port, uuid   string
	wwpns        []string
	clientItemOK bool
}

// pairEnd is a client adapter: the other end of a server adapter.
type pairEnd struct {
	x          *reader
	owner      *model.Partition
	slot       int
	vios       *model.Partition
	serverSlot int
	wwpns      []string
	item       string
}

// useSlot claims a virtual slot of a partition.
func (c *conv) useSlot(x *reader, p *model.Partition, slot int, what string) error {
	if slot < model.FirstUserSlot || slot >= p.MaxVirtualSlots {
		return x.errf("%s: the virtual slot %d is not valid: slots go from %d to %d", what, slot, model.FirstUserSlot, p.MaxVirtualSlots-1)
	}
	m := c.used[p]
	if m == nil {
		m = map[int]string{}
		c.used[p] = m
	}
	if o, ok := m[slot]; ok {
		return x.errf("%s: the virtual slot %d is also used by %s", what, slot, o)
	}
	m[slot] = what
	return nil
}

func (c *conv) remote(x *reader, what, idField, name string) (*model.Partition, error) {
	if idField == "any" {
		return nil, nil
	}
	id, err := atoi(idField)
	if err != nil {
		return nil, x.errf("%s: remote partition ID: %v", what, err)
	}
	r := c.byID[id]
	if r == nil {
		return nil, x.errf("%s: the remote partition %d is not in the backup", what, id)
	}
	if n, err := unescField(name); err != nil || n != "" && n != r.Name {
		return nil, x.errf("%s: the remote partition %d is %s, not %q", what, id, r.Name, name)
	}
	return r, nil
}

// record reads the adapters, slots and mappings of one record.
func (c *conv) record(x *reader, p *model.Partition) error {
	if c.switches == nil {
		c.switches, c.macs, c.adapters, c.drcs, c.mapUUIDs = map[int]*Switch{}, map[string]string{}, map[string]bool{}, map[int]string{}, map[string]bool{}
	}
	// I/O slots.
	items, err := x.list(aIOSlots)
	if err != nil {
		return err
	}
	for _, it := range items {
		what := fmt.Sprintf("%s item %q", aIOSlots, it)
		f, err := fields(it, 3, 4)
		if err != nil {
			return x.errf("%s: %v", what, err)
		}
		idx, err := strconv.ParseUint(f[0], 16, 32)
		if err != nil {
			return x.errf("%s: the DRC index %q is not hexadecimal", what, f[0])
		}
		req, err := parse01(f[2])
		if err != nil {
			return x.errf("%s: is-required: %v", what, err)
		}
		name, err := unescField(f[3])
		if err != nil {
			return x.errf("%s: %v", what, err)
		}
		if o, ok := c.drcs[int(idx)]; ok {
			return x.errf("%s: the I/O slot %X is also assigned to %s", what, idx, o)
		}
		c.drcs[int(idx)] = p.Name
		c.out.Slots = append(c.out.Slots, &model.IOSlot{DRCIndex: int(idx), DRCName: name, Owner: p.UUID, Required: req})
	}
	// Ethernet adapters.
	if items, err = x.list(aEth); err != nil {
		return err
	}
	for _, it := range items {
		a, err := c.eth(x, p, it)
		if err != nil {
			return err
		}
		c.out.Adapters = append(c.out.Adapters, a)
	}
	// vSCSI adapters.
	if items, err = x.list(aSCSI); err != nil {
		return err
	}
	servers := map[int]*scsiServer{}
	for _, it := range items {
		what := fmt.Sprintf("%s item %q", aSCSI, it)
		f, err := fields(it, 6, 8)
		if err != nil {
			return x.errf("%s: %v", what, err)
		}
		slot, err := atoi(f[0])
		if err != nil {
			return x.errf("%s: slot: %v", what, err)
		}
		if _, err := parse01(f[5]); err != nil {
			return x.errf("%s: is-required: %v", what, err)
		}
		if err := c.useSlot(x, p, slot, what); err != nil {
			return err
		}
		switch f[1] {
		case "server":
			if !p.IsVIOS() {
				return x.errf("%s: only a Virtual I/O Server has virtual SCSI server adapters", what)
			}
			s := &scsiServer{x: x, vios: p, slot: slot}
			if s.client, err = c.remote(x, what, f[2], f[3]); err != nil {
				return err
			}
			if f[4] != "any" {
				if s.clientSlot, err = atoi(f[4]); err != nil {
					return x.errf("%s: remote slot: %v", what, err)
				}
			}
			if s.client == nil && s.clientSlot != 0 {
				return x.errf("%s: a remote slot needs a remote partition", what)
			}
			if s.vhost, err = unescField(f[6]); err != nil {
				return x.errf("%s: %v", what, err)
			}
			if s.only, err = unescField(f[7]); err != nil {
				return x.errf("%s: %v", what, err)
			}
			servers[slot] = s
			c.scsiSrv = append(c.scsiSrv, s)
		case "client":
			if len(strings.Split(it, "/")) != 6 {
				return x.errf("%s: a client adapter has 6 fields", what)
			}
			e := &pairEnd{x: x, owner: p, slot: slot, item: it}
			if e.vios, err = c.remote(x, what, f[2], f[3]); err != nil {
				return err
			}
			if e.vios == nil || !e.vios.IsVIOS() {
				return x.errf("%s: the remote partition of a client adapter must be a Virtual I/O Server", what)
			}
			if e.serverSlot, err = atoi(f[4]); err != nil {
				return x.errf("%s: remote slot: %v", what, err)
			}
			c.scsiCli = append(c.scsiCli, e)
		default:
			return x.errf("%s: the adapter type %q is not client or server", what, f[1])
		}
	}
	// What the VIOS maps through its server adapters.
	if items, err = x.list(aSCSIMappings); err != nil {
		return err
	}
	if len(items) > 0 && !p.IsVIOS() {
		return x.errf("%s: only a Virtual I/O Server maps storage", aSCSIMappings)
	}
	for _, it := range items {
		what := fmt.Sprintf("%s item %q", aSCSIMappings, it)
		f, err := fields(it, 7, 7)
		if err != nil {
			return x.errf("%s: %v", what, err)
		}
		slot, err := atoi(f[0])
		if err != nil {
			return x.errf("%s: server slot: %v", what, err)
		}
		s := servers[slot]
		if s == nil {
			return x.errf("%s: there is no virtual SCSI server adapter in slot %d", what, slot)
		}
		switch f[1] {
		case model.BackPV, model.BackLV, model.BackLU, model.BackMedia, model.BackRBD:
		default:
			return x.errf("%s: the device kind %q is not PV, LV, VOPT, LU or RBD", what, f[1])
		}
		var un [5]string
		for i := range un {
			if un[i], err = unescField(f[2+i]); err != nil {
				return x.errf("%s: %v", what, err)
			}
		}
		id, name, target, lua, mu := un[0], un[1], un[2], un[3], un[4]
		if id == "" && f[1] != model.BackMedia {
			return x.errf("%s: the device UUID is missing", what)
		}
		if target != "" {
			if err := model.ValidateDeviceName("target device", target, model.MaxLVName); err != nil {
				return x.errf("%s: %v", what, err)
			}
		}
		if lua != "" && !isLUA(lua) {
			return x.errf("%s: the logical unit address %q is not 0x and 16 hexadecimal digits", what, lua)
		}
		m := &model.SCSIMapping{UUID: mu, VIOS: p.UUID, ServerSlot: slot, VHost: s.vhost,
			Backing: f[1], BackingID: id, Target: target, LUA: lua}
		s.maps = append(s.maps, m)
		if name != "" {
			if mu == "" {
				return x.errf("%s: a device name needs the mapping UUID", what)
			}
			c.out.SCSIBackingNames[mu] = name
		}
	}
	// vFC adapters.
	if items, err = x.list(aFC); err != nil {
		return err
	}
	for _, it := range items {
		what := fmt.Sprintf("%s item %q", aFC, it)
		f, err := fields(it, 7, 10)
		if err != nil {
			return x.errf("%s: %v", what, err)
		}
		slot, err := atoi(f[0])
		if err != nil {
			return x.errf("%s: slot: %v", what, err)
		}
		if _, err := parse01(f[6]); err != nil {
			return x.errf("%s: is-required: %v", what, err)
		}
		if err := c.useSlot(x, p, slot, what); err != nil {
			return err
		}
		rslot, err := atoi(f[4])
		if err != nil {
			return x.errf("%s: remote slot: %v", what, err)
		}
		switch f[1] {
		case "server":
			if !p.IsVIOS() {
				return x.errf("%s: only a Virtual I/O Server has virtual Fibre Channel server adapters", what)
			}
			if f[5] != "" {
				return x.errf("%s: the WWPNs belong to the client adapter", what)
			}
			s := &fcServer{x: x, vios: p, slot: slot, clientSlot: rslot}
			if s.client, err = c.remote(x, what, f[2], f[3]); err != nil {
				return err
			}
			if s.client == nil || s.client.IsVIOS() {
				return x.errf("%s: the remote partition of a virtual Fibre Channel server adapter must be a client partition", what)
			}
			var un [3]string
			for i := range un {
				if un[i], err = unescField(f[7+i]); err != nil {
					return x.errf("%s: %v", what, err)
				}
			}
			s.vfchost, s.port, s.uuid = un[0], un[1], un[2]
			c.fcSrv = append(c.fcSrv, s)
		case "client":
			if len(strings.Split(it, "/")) != 7 {
				return x.errf("%s: a client adapter has 7 fields", what)
			}
			e := &pairEnd{x: x, owner: p, slot: slot, serverSlot: rslot, item: it}
			if e.vios, err = c.remote(x, what, f[2], f[3]); err != nil {
				return err
			}
			if e.vios == nil || !e.vios.IsVIOS() {
				return x.errf("%s: the remote partition of a client adapter must be a Virtual I/O Server", what)
			}
			if f[5] != "" {
				for _, w := range strings.Split(f[5], ",") {
					if !isWWPN(w) {
						return x.errf("%s: the WWPN %q is not 16 hexadecimal digits", what, w)
					}
					e.wwpns = append(e.wwpns, w)
				}
			}
			c.fcCli = append(c.fcCli, e)
		default:
			return x.errf("%s: the adapter type %q is not client or server", what, f[1])
		}
	}
	return nil
}

// eth reads one virtual_eth_adapters item.
func (c *conv) eth(x *reader, p *model.Partition, it string) (*model.EthernetAdapter, error) {
	what := fmt.Sprintf("%s item %q", aEth, it)
	f, err := fields(it, 8, 16)
	if err != nil {
		return nil, x.errf("%s: %v", what, err)
	}
	a := &model.EthernetAdapter{Partition: p.UUID, Enabled: true}
	if a.Slot, err = atoi(f[0]); err != nil {
		return nil, x.errf("%s: slot: %v", what, err)
	}
	if a.TaggedSupported, err = parse01(f[1]); err != nil {
		return nil, x.errf("%s: is-IEEE: %v", what, err)
	}
	if a.PVID, err = atoi(f[2]); err != nil {
		return nil, x.errf("%s: port VLAN ID: %v", what, err)
	}
	if f[3] != "" {
		for _, v := range strings.Split(f[3], ",") {
			n, err := atoi(v)
			if err != nil {
				return nil, x.errf("%s: additional VLAN IDs: %v", what, err)
			}
			a.Tagged = append(a.Tagged, n)
		}
	}
	if a.TrunkPriority, err = atoi(f[4]); err != nil {
		return nil, x.errf("%s: trunk priority: %v", what, err)
	}
	a.Trunk = a.TrunkPriority > 0
	if _, err := parse01(f[5]); err != nil {
		return nil, x.errf("%s: is-required: %v", what, err)
	}
	if a.SwitchID, err = atoi(f[6]); err != nil {
		return nil, x.errf("%s: virtual switch ID: %v", what, err)
	}
	a.MAC = f[7]
	var un [6]string
	for i := range un {
		if un[i], err = unescField(f[10+i]); err != nil {
			return nil, x.errf("%s: %v", what, err)
		}
	}
	sw, id, dev, swUUID, swMode := un[0], un[1], un[3], un[4], un[5]
	a.UUID, a.Device = id, dev
	if a.UUID == "" {
		a.UUID = derivedUUID(p.UUID, "cna", strconv.Itoa(a.Slot))
	}
	if f[12] != "" {
		if a.Enabled, err = parse01(f[12]); err != nil {
			return nil, x.errf("%s: enabled: %v", what, err)
		}
	}
	if err := model.ValidateAdapter(a, p); err != nil {
		return nil, fmt.Errorf("profile.bak partition record %d (%s): %s: %w", x.n, x.label, what, err)
	}
	if err := model.ValidateSwitch(&model.VirtualSwitch{Name: orDefault(sw, "X"), Mode: orDefault(swMode, model.SwitchVEB), ID: a.SwitchID}); err != nil {
		return nil, fmt.Errorf("profile.bak partition record %d (%s): %s: %w", x.n, x.label, what, err)
	}
	if swUUID != "" {
		if _, err := uuid.Parse(swUUID); err != nil {
			return nil, x.errf("%s: the virtual switch UUID %q is not a UUID", what, swUUID)
		}
	}
	known := c.switches[a.SwitchID]
	if known == nil {
		known = &Switch{ID: a.SwitchID}
		c.switches[a.SwitchID] = known
	}
	for _, v := range []struct{ what, have, got string }{{"", known.Name, sw}, {"UUID ", known.UUID, swUUID}, {"mode ", known.Mode, swMode}} {
		if v.got != "" && v.have != "" && v.have != v.got {
			return nil, x.errf("%s: the virtual switch %d is %s%s in another adapter, not %s", what, a.SwitchID, v.what, v.have, v.got)
		}
	}
	known.Name, known.UUID, known.Mode = orDefault(known.Name, sw), orDefault(known.UUID, swUUID), orDefault(known.Mode, swMode)
	if o, ok := c.macs[a.MAC]; ok {
		return nil, x.errf("%s: the MAC address %s is also the address of an adapter of %s", what, a.MAC, o)
	}
	c.macs[a.MAC] = p.Name
	if c.adapters[a.UUID] {
		return nil, x.errf("%s: the adapter UUID %s appears twice", what, a.UUID)
	}
	c.adapters[a.UUID] = true
	if err := c.useSlot(x, p, a.Slot, what); err != nil {
		return nil, err
	}
	return a, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pairs joins client adapters to server adapters and makes the mappings.
func (c *conv) pairs() error {
	for _, e := range c.scsiCli {
		var s *scsiServer
		for _, o := range c.scsiSrv {
			if o.vios == e.vios && o.slot == e.serverSlot {
				s = o
			}
		}
		if s == nil || s.client != e.owner || s.clientSlot != e.slot {
			return e.x.errf("%s item %q: %s has no virtual SCSI server adapter in slot %d for this client adapter", aSCSI, e.item, e.vios.Name, e.serverSlot)
		}
		s.clientItemOK = true
	}
	for _, s := range c.scsiSrv {
		if s.client != nil && !s.clientItemOK {
			return s.x.errf("%s: the server adapter in slot %d has no client adapter in slot %d of %s", aSCSI, s.slot, s.clientSlot, s.client.Name)
		}
		client := ""
		if s.client != nil {
			client = s.client.UUID
		}
		if s.only != "" || len(s.maps) == 0 {
			s.maps = append([]*model.SCSIMapping{{UUID: s.only, VIOS: s.vios.UUID, ServerSlot: s.slot, VHost: s.vhost}}, s.maps...)
		}
		for _, m := range s.maps {
			m.Client, m.ClientSlot = client, s.clientSlot
			if m.UUID == "" {
				m.UUID = derivedUUID(s.vios.UUID, "scsi", strconv.Itoa(s.slot), m.Target)
			}
			if c.mapUUIDs[m.UUID] {
				return s.x.errf("%s: the mapping UUID %s appears twice", aSCSIMappings, m.UUID)
			}
			c.mapUUIDs[m.UUID] = true
			c.out.SCSIMappings = append(c.out.SCSIMappings, m)
		}
	}
	for _, e := range c.fcCli {
		var s *fcServer
		for _, o := range c.fcSrv {
			if o.vios == e.vios && o.slot == e.serverSlot {
				s = o
			}
		}
		if s == nil || s.client != e.owner || s.clientSlot != e.slot {
			return e.x.errf("%s item %q: %s has no virtual Fibre Channel server adapter in slot %d for this client adapter", aFC, e.item, e.vios.Name, e.serverSlot)
		}
		s.clientItemOK = true
		s.wwpns = e.wwpns
	}
	for _, s := range c.fcSrv {
		if !s.clientItemOK {
			return s.x.errf("%s: the server adapter in slot %d has no client adapter in slot %d of %s", aFC, s.slot, s.clientSlot, s.client.Name)
		}
		if s.uuid == "" {
			s.uuid = derivedUUID(s.vios.UUID, "vfc", strconv.Itoa(s.slot))
		}
		if c.mapUUIDs[s.uuid] {
			return s.x.errf("%s: the mapping UUID %s appears twice", aFC, s.uuid)
		}
		c.mapUUIDs[s.uuid] = true
		c.out.FCMappings = append(c.out.FCMappings, &model.FCMapping{UUID: s.uuid, VIOS: s.vios.UUID, Client: s.client.UUID,
			ServerSlot: s.slot, ClientSlot: s.clientSlot, VFCHost: s.vfchost, Port: s.port, WWPNs: s.wwpns})
	}
	// Order: by owner (VIOS) ID, then slot (and target for vSCSI).
	idOf := map[string]int{}
	for id, p := range c.byID {
		idOf[p.UUID] = id
	}
	sortMaps(c.out, idOf)
	return nil
}

func sortMaps(out *Restored, idOf map[string]int) {
	sort.SliceStable(out.Adapters, func(i, j int) bool {
		a, b := out.Adapters[i], out.Adapters[j]
		if idOf[a.Partition] != idOf[b.Partition] {
			return idOf[a.Partition] < idOf[b.Partition]
		}
		return a.Slot < b.Slot
	})
	sort.SliceStable(out.SCSIMappings, func(i, j int) bool {
		a, b := out.SCSIMappings[i], out.SCSIMappings[j]
		if idOf[a.VIOS] != idOf[b.VIOS] {
			return idOf[a.VIOS] < idOf[b.VIOS]
		}
		if a.ServerSlot != b.ServerSlot {
			return a.ServerSlot < b.ServerSlot
		}
		return a.Target < b.Target
	})
	sort.SliceStable(out.FCMappings, func(i, j int) bool {
		a, b := out.FCMappings[i], out.FCMappings[j]
		if idOf[a.VIOS] != idOf[b.VIOS] {
			return idOf[a.VIOS] < idOf[b.VIOS]
		}
		return a.ServerSlot < b.ServerSlot
	})
}

func isLUA(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 16 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return false
		}
	}
	return true
}

func isWWPN(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// derivedUUID makes a stable UUID for an object a profile names without
// one (a file written by NovaLink itself has no UUIDs): the same file
// gives the same UUIDs every time.
func derivedUUID(parts ...string) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte("github.com/novalink-project/novalink/profile.bak/"+strings.Join(parts, "/"))).String()
}
