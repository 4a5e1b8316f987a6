package backup

import (
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/novalink-project/novalink/internal/model"
)

func testSystem() *model.ManagedSystem {
	return &model.ManagedSystem{UUID: "1b9d4a6c-0000-3000-8000-000000000001", Name: "Server-8247-21L-SN212E3CA",
		Type: "8247", Model: "21L", Serial: "212E3CA", State: "operating",
		InstalledMemory: 262144, ConfigurableMemory: 262144, MemoryRegionSize: 256, FirmwareMemory: 6144,
		InstalledProcUnits: 2000, ConfigurableProcUnits: 2000, MaxPartitions: 1000, MaxVirtualProcsPerLPAR: 64,
		MinUnitsPerVP: 5, ProcessorCompatModes: []string{"default", "POWER7", "POWER8"}}
}

func upperUUID(n int) string { return fmt.Sprintf("3F2A%04X-1C2B-4D5E-8F90-%012X", n, n*7919) }
func lowerUUID(kind string, n int) string {
	h := fnv.New32a()
	h.Write([]byte(kind))
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h.Sum32(), n)
}

// testState is a server with every kind of partition, adapter, slot and
// mapping, and runtime state that a profile must leave out.
func testState(t testing.TB) *model.State {
	sys := testSystem()
	st := model.NewState(sys)
	shared := func(id int, name string, typ model.PartitionType) *model.Partition {
		return &model.Partition{UUID: upperUUID(id), ID: id, Name: name, Type: typ, Created: 1700000000000 + int64(id), Rev: 9,
			MinMem: 1024, DesMem: 2048, MaxMem: 4096, HPTRatio: 7,
			SharingMode: model.SharingUncapped, MinUnits: 10, DesUnits: 50, MaxUnits: 200, MinVP: 1, DesVP: 2, MaxVP: 4,
			Weight: 128, PoolID: 0, State: model.StateRunning, RefCode: "", RMCState: model.RMCActive, RMCIP: "fe80::1",
			BootMode: "norm", Keylock: "normal", OSVersion: "Linux", AvailPriority: 127, MaxVirtualSlots: 64,
			ProcCompatMode: "default", LogicalSerial: fmt.Sprintf("12E3CA%02X", id), MACPrefix: model.MACPrefixFor(sys, id),
			CurMem: 2048, CurUnits: 50, CurVP: 2, CurMode: "POWER8", ActivatedAt: 1700000001000, Op: 3}
	}
	dedicated := func(id int, name string, typ model.PartitionType, sharing string) *model.Partition {
		p := shared(id, name, typ)
		p.Dedicated, p.SharingMode = true, sharing
		p.MinUnits, p.DesUnits, p.MaxUnits, p.MinVP, p.DesVP, p.MaxVP, p.Weight = 0, 0, 0, 0, 0, 0, 0
		p.MinProcs, p.DesProcs, p.MaxProcs = 1, 2, 4
		p.CurUnits, p.CurVP, p.CurProcs = 0, 0, 2
		p.State, p.RMCState, p.RMCIP = model.StateNotActivated, model.RMCNone, ""
		return p
	}
	nl := shared(1, "novalink_212E3CA", model.TypeAIXLinux)
	nl.IsMgmt, nl.MgmtCapable, nl.AutoStart = true, true, true
	nl.MinMem, nl.DesMem, nl.MaxMem = 2560, 2560, 8192
	v1 := shared(2, "vios1", model.TypeVIOS)
	v1.MaxVirtualSlots, v1.AvailPriority, v1.AutoStart, v1.HPTRatio, v1.Weight = 200, 191, true, 6, 255
	v1.MinMem, v1.DesMem, v1.MaxMem = 1024, 4096, 16384
	v2 := shared(3, "vios2", model.TypeVIOS)
	v2.MaxVirtualSlots, v2.AvailPriority, v2.PoolID = 200, 191, 0
	web := shared(10, "web,prod/1=a%2F", model.TypeAIXLinux) // the characters the formats escape
	web.SharingMode, web.Weight, web.AllowPerfData, web.SRRCapable = model.SharingCapped, 0, true, true
	web.BootMode, web.Keylock, web.ProcCompatMode = "sms", "manual", "POWER8"
	db := dedicated(11, "db", model.TypeAIXLinux, model.SharingShareIdleAlways)
	db.IsService, db.AvailPriority, db.MaxVirtualSlots = true, 255, 100
	ibmi := dedicated(12, "ibmi 1", model.TypeOS400, model.SharingKeepIdle)
	ibmi.BootMode, ibmi.HPTRatio = "of", 0
	idle := dedicated(13, "idle", model.TypeAIXLinux, model.SharingShareIdle)
	active := dedicated(14, "active", model.TypeAIXLinux, model.SharingShareIdleActive)
	pool := shared(15, "pooled", model.TypeAIXLinux)
	pool.PoolID, pool.MACPrefix = 3, 0
	for _, p := range []*model.Partition{nl, v1, v2, web, db, ibmi, idle, active, pool} {
		if err := model.ValidateDefinition(sys, p); err != nil {
			t.Fatalf("fixture %s: %v", p.Name, err)
		}
		st.Put(p)
	}

	st.Put(&model.VirtualSwitch{UUID: lowerUUID("sw", 0), ID: 0, Name: model.DefaultSwitch, Mode: model.SwitchVEB})
	st.Put(&model.VirtualSwitch{UUID: lowerUUID("sw", 1), ID: 1, Name: model.MgmtSwitch, Mode: model.SwitchVEPA})
	st.Put(&model.VirtualSwitch{UUID: lowerUUID("sw", 2), ID: 2, Name: "SW,2%x", Mode: model.SwitchVEB})
	n := 0
	eth := func(p *model.Partition, slot, sw, pvid int, tagged []int, trunkPrio int, dev string) *model.EthernetAdapter {
		n++
		a := &model.EthernetAdapter{UUID: lowerUUID("cna", n), Partition: p.UUID, Slot: slot,
			MAC: model.FormatMAC(model.MACPrefixFor(sys, p.ID) + uint64(slot)), PVID: pvid, Tagged: tagged,
			TaggedSupported: len(tagged) > 0 || trunkPrio > 0, SwitchID: sw, Trunk: trunkPrio > 0, TrunkPriority: trunkPrio,
			Enabled: true, Device: dev, Created: 1700000000000, Rev: 4}
		if err := model.ValidateAdapter(a, p); err != nil {
			t.Fatalf("fixture adapter %s/%d: %v", p.Name, slot, err)
		}
		st.Put(a)
		return a
	}
	eth(nl, 3, 0, 1, nil, 0, "")
	eth(nl, 6, 1, model.MgmtVLAN, nil, 1, "")
	eth(v1, 3, 0, 1, []int{100, 200, 4000}, 1, "ent4")
	eth(v1, 6, 1, model.MgmtVLAN, nil, 0, "ent6")
	eth(v2, 3, 0, 1, []int{100, 200, 4000}, 2, "ent4")
	eth(v2, 4, 2, 7, nil, 15, "ent5/x,y")
	eth(web, 2, 0, 1, nil, 0, "")
	off := eth(web, 3, 2, 300, []int{301}, 0, "")
	off.Enabled = false
	eth(web, 6, 1, model.MgmtVLAN, nil, 0, "")
	eth(db, 2, 0, 100, nil, 0, "")
	eth(ibmi, 5, 0, 200, []int{1}, 0, "")

	for i, owner := range []string{v1.UUID, v2.UUID, v1.UUID, db.UUID, "", ""} {
		st.Put(&model.IOSlot{DRCIndex: 0x21010018 + i, DRCName: fmt.Sprintf("U78C9.001.WZS3CA-P1-C%d", 6+i),
			Description: "PCIe2 16Gb 2-port Fibre Channel Adapter", PCIClass: 3076, DeviceID: 0xE200, VendorID: 0x10DF,
			Owner: owner, Required: owner == db.UUID, Rev: 2})
	}
	// A DRC name with the characters the item format escapes.
	st.Put(&model.IOSlot{DRCIndex: 0x2104001E, DRCName: "odd/name,with%\"", Owner: web.UUID})

	// Storage the mappings map.
	pv := &model.PhysicalVolume{UUID: lowerUUID("pv", 1), VIOS: v1.UUID, Name: "hdisk4", UDID: "01M0lCTTIxNDUxMjQ2MDA1MDc2ODAyODI4NjFEODAwMDAwMDAwMDAwMDAzOA==", CapacityMB: 10240}
	lv := &model.LogicalVolume{UUID: lowerUUID("lv", 1), VIOS: v1.UUID, VG: lowerUUID("vg", 1), Name: "web_root", CapacityMB: 20480}
	media := &model.OpticalMedia{UUID: lowerUUID("vopt", 1), VIOS: v2.UUID, Name: "ubuntu-22.04.iso", SizeMB: 1800, MountType: "ro"}
	lu := &model.LogicalUnit{UUID: lowerUUID("lu", 1), SSP: lowerUUID("ssp", 1), Name: "vdisk_web", CapacityMB: 20480, Thin: true, Type: model.LUDisk}
	for _, o := range []model.Object{pv, lv, media, lu} {
		st.Put(o)
	}
	m := 0
	scsi := func(vios, client *model.Partition, sslot, cslot int, vhost, backing, id, target, lua string) {
		m++
		c := ""
		if client != nil {
			c = client.UUID
		}
		st.Put(&model.SCSIMapping{UUID: lowerUUID("scsi", m), VIOS: vios.UUID, Client: c, ServerSlot: sslot, ClientSlot: cslot,
			VHost: vhost, Backing: backing, BackingID: id, Target: target, LUA: lua, Created: 1700000000000, Rev: 5})
	}
	scsi(v1, web, 20, 5, "vhost0", model.BackPV, pv.UUID, "vtscsi0", "0x8100000000000000")
	scsi(v1, web, 20, 5, "vhost0", model.BackLV, lv.UUID, "vtscsi1", "0x8200000000000000")
	scsi(v1, web, 20, 5, "vhost0", model.BackLU, lu.UUID, "web_lu", "0x8300000000000000")
	scsi(v1, web, 20, 5, "vhost0", model.BackMedia, "", "vtopt0", "0x8400000000000000") // empty drive
	scsi(v1, nil, 30, 0, "vhost1", "", "", "", "")                                      // adapter for any partition
	scsi(v2, web, 21, 7, "vhost0", "", "", "", "")                                      // pair, nothing mapped
	scsi(v2, db, 22, 3, "vhost1", model.BackMedia, media.UUID, "vtopt0", "0x8100000000000000")
	scsi(v2, ibmi, 23, 3, "vhost2", model.BackLU, lowerUUID("lu", 99), "vtscsi0", "0x8100000000000000") // device unknown now
	scsi(v2, v1, 24, 31, "vhost3", model.BackMedia, media.UUID, "vtopt1", "0x8100000000000000")         // a VIOS as a client

	fc := 0
	vfc := func(vios, client *model.Partition, sslot, cslot int, host, port string, wwpns ...string) {
		fc++
		st.Put(&model.FCMapping{UUID: lowerUUID("vfc", fc), VIOS: vios.UUID, Client: client.UUID, ServerSlot: sslot,
			ClientSlot: cslot, VFCHost: host, Port: port, WWPNs: wwpns, Created: 1700000000000, Rev: 6})
	}
	vfc(v1, web, 40, 8, "vfchost0", "fcs0", "c05076000afe0010", "c05076000afe0011")
	vfc(v2, web, 40, 9, "vfchost0", "fcs1", "c05076000afe0012", "c05076000afe0013")
	vfc(v2, ibmi, 41, 8, "vfchost1", "", "c05076000afe0014", "c05076000afe0015")
	return st
}

// configOnly is what a profile keeps of a partition.
func configOnly(p *model.Partition) *model.Partition {
	c := p.Clone()
	c.Created, c.Rev, c.State, c.RefCode, c.RMCState, c.RMCIP, c.OSVersion, c.LogicalSerial = 0, 0, "", "", "", "", "", ""
	c.CurMem, c.CurUnits, c.CurVP, c.CurProcs, c.CurMode, c.ActivatedAt, c.Op, c.Restarting = 0, 0, 0, 0, "", 0, 0, false
	if c.Dedicated {
		c.MinUnits, c.DesUnits, c.MaxUnits, c.MinVP, c.DesVP, c.MaxVP, c.Weight, c.PoolID = 0, 0, 0, 0, 0, 0, 0, 0
	} else {
		c.MinProcs, c.DesProcs, c.MaxProcs = 0, 0, 0
	}
	return c
}

func TestModelRoundTrip(t *testing.T) {
	st := testState(t)
	now := time.Date(2026, 5, 31, 0, 15, 0, 0, time.UTC)
	prof := FromState(st, now)
	b, err := Write(prof)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if d := cmp.Diff(prof, parsed); d != "" {
		t.Fatalf("Parse(Write(FromState)) differs:\n%s", d)
	}
	got, err := parsed.ToModel(st.System)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}

	want := &Restored{MTMS: "8247-21L*212E3CA", TOD: now, SCSIBackingNames: map[string]string{}}
	for _, p := range st.SortedPartitions(nil) {
		want.Partitions = append(want.Partitions, configOnly(p))
	}
	want.Switches = []Switch{{0, model.DefaultSwitch, lowerUUID("sw", 0), model.SwitchVEB}, {1, model.MgmtSwitch, lowerUUID("sw", 1), model.SwitchVEPA},
		{2, "SW,2%x", lowerUUID("sw", 2), model.SwitchVEB}}
	idOf := func(uuid string) int { return st.Partition(uuid).ID }
	for _, a := range st.Adapters {
		c := a.Clone()
		c.Created, c.Rev = 0, 0
		want.Adapters = append(want.Adapters, c)
	}
	sort.Slice(want.Adapters, func(i, j int) bool {
		a, b := want.Adapters[i], want.Adapters[j]
		if idOf(a.Partition) != idOf(b.Partition) {
			return idOf(a.Partition) < idOf(b.Partition)
		}
		return a.Slot < b.Slot
	})
	for _, s := range st.SortedSlots() {
		if s.Owner != "" {
			want.Slots = append(want.Slots, &model.IOSlot{DRCIndex: s.DRCIndex, DRCName: s.DRCName, Owner: s.Owner, Required: s.Required})
		}
	}
	st.Each(model.KindSCSIMap, func(o model.Object) {
		c := o.CloneObject().(*model.SCSIMapping)
		c.Created, c.Rev = 0, 0
		want.SCSIMappings = append(want.SCSIMappings, c)
		if name := backingName(st, c); name != "" {
			want.SCSIBackingNames[c.UUID] = name
		}
	})
	sort.Slice(want.SCSIMappings, func(i, j int) bool {
		a, b := want.SCSIMappings[i], want.SCSIMappings[j]
		if idOf(a.VIOS) != idOf(b.VIOS) {
			return idOf(a.VIOS) < idOf(b.VIOS)
		}
		if a.ServerSlot != b.ServerSlot {
			return a.ServerSlot < b.ServerSlot
		}
		return a.Target < b.Target
	})
	st.Each(model.KindFCMap, func(o model.Object) {
		c := o.CloneObject().(*model.FCMapping)
		c.Created, c.Rev = 0, 0
		want.FCMappings = append(want.FCMappings, c)
	})
	sort.Slice(want.FCMappings, func(i, j int) bool {
		a, b := want.FCMappings[i], want.FCMappings[j]
		if idOf(a.VIOS) != idOf(b.VIOS) {
			return idOf(a.VIOS) < idOf(b.VIOS)
		}
		return a.ServerSlot < b.ServerSlot
	})
	if len(want.SCSIBackingNames) != 5 || len(want.SCSIMappings) != 9 || len(want.FCMappings) != 3 || len(want.Adapters) != 11 {
		t.Fatalf("fixture: %d names, %d scsi, %d fc, %d adapters", len(want.SCSIBackingNames), len(want.SCSIMappings), len(want.FCMappings), len(want.Adapters))
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("ToModel differs (-want +got):\n%s", d)
	}
	// The VIOS record reads like the overview's.
	line := strings.Split(string(b), "\n")[4]
	for _, frag := range []string{
		`lpar_id\=2,name\=vios1,lpar_env\=vioserver,mem_mode\=ded,min_mem\=1024,desired_mem\=4096,max_mem\=16384,hpt_ratio\=6,mem_expansion\=0.00,min_procs\=1,desired_procs\=2,max_procs\=4,proc_mode\=shared,shared_proc_pool_id\=0,sharing_mode\=uncap,min_proc_units\=0.10,desired_proc_units\=0.50,max_proc_units\=2.00,uncap_weight\=255,allow_perf_collection\=0,work_group_id\=none,`,
		`"io_slots\=21010018/none/0/U78C9.001.WZS3CA-P1-C6,2101001A/none/0/U78C9.001.WZS3CA-P1-C8"`,
		`"virtual_eth_adapters\=""3/1/1/100,200,4000/1/0/0/` + model.FormatMAC(model.MACPrefixFor(st.System, 2)+3) + `/all/none/ETHERNET0/`,
		`"virtual_scsi_adapters\=20/server/10/web%2Cprod%2F1\=a%252F/5/0/vhost0/,30/server/any//any/0/vhost1/` + lowerUUID("scsi", 5) + `,31/client/3/vios2/24/0"`,
		`virtual_fc_adapters\=40/server/10/web%2Cprod%2F1\=a%252F/8//0/vfchost0/fcs0/` + lowerUUID("vfc", 1),
		`auto_start\=1,boot_mode\=norm,keylock\=norm,powervm_mgmt_capable\=0,lpar_avail_priority\=191,max_virtual_slots\=200,lpar_proc_compat_mode\=default,simplified_remote_restart_capable\=0,uuid\=` + upperUUID(2),
		`"virtual_scsi_mappings\=20/VOPT///vtopt0/0x8400000000000000/` + lowerUUID("scsi", 4) + `,20/PV/` + lowerUUID("pv", 1) + `/hdisk4/vtscsi0/0x8100000000000000/`,
	} {
		if !strings.Contains(line, frag) {
			t.Errorf("the vios1 record lacks\n%s\nin\n%s", frag, line)
		}
	}
	// And the FC client adapter carries the WWPN pair, HMC style.
	if !strings.Contains(string(b), `""8/client/2/vios1/40/c05076000afe0010,c05076000afe0011/0""`) {
		t.Errorf("no FC client item with WWPNs in\n%s", b)
	}
}

// TestToModelOverview reads a profile.bak as NovaLink writes it (no
// attributes of ours): UUIDs are derived, the rest is read.
func TestToModelOverview(t *testing.T) {
	nl := `lpar_id\=1,name\=novalink_212E3CA,lpar_env\=aixlinux,min_mem\=2560,desired_mem\=2560,max_mem\=8192,min_procs\=1,desired_procs\=2,max_procs\=4,proc_mode\=shared,sharing_mode\=uncap,min_proc_units\=0.05,desired_proc_units\=0.50,max_proc_units\=4.00,powervm_mgmt_capable\=1,virtual_eth_adapters\=3/0/1//0/0/0/36BACB267703/all/none,virtual_scsi_adapters\=4/client/2/vios1/2/0,max_virtual_slots\=64`
	p, err := Parse([]byte(overviewHeader + nl + "\n" + overviewVIOS + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	sys := testSystem()
	r, err := p.ToModel(sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partitions) != 2 || r.Partitions[1].Name != "vios1" || r.Partitions[1].Weight != 255 || r.Partitions[0].Weight != 128 {
		t.Fatalf("partitions: %+v", r.Partitions)
	}
	again, _ := p.ToModel(sys)
	if r.Partitions[0].UUID == "" || r.Partitions[0].UUID != again.Partitions[0].UUID || r.Partitions[0].UUID == r.Partitions[1].UUID {
		t.Errorf("derived UUIDs %q %q are not stable and distinct", r.Partitions[0].UUID, again.Partitions[0].UUID)
	}
	if len(r.Adapters) != 3 || r.Adapters[1].SwitchID != 0 || !r.Adapters[1].Trunk || r.Adapters[2].PVID != 4094 || r.Adapters[2].SwitchID != 1 {
		t.Errorf("adapters: %+v", r.Adapters)
	}
	if len(r.SCSIMappings) != 1 || r.SCSIMappings[0].Client != r.Partitions[0].UUID || r.SCSIMappings[0].ClientSlot != 4 || r.SCSIMappings[0].UUID == "" {
		t.Errorf("scsi: %+v", r.SCSIMappings)
	}
	if len(r.Slots) != 3 || r.Slots[2].DRCIndex != 0x2104001E || r.Slots[2].Owner != r.Partitions[1].UUID {
		t.Errorf("slots: %+v", r.Slots)
	}
	if len(r.Switches) != 2 || r.Switches[1] != (Switch{ID: 1}) {
		t.Errorf("switches: %+v", r.Switches)
	}
}

func TestToModelErrors(t *testing.T) {
	st := testState(t)
	b, err := Write(FromState(st, time.UnixMilli(1)))
	if err != nil {
		t.Fatal(err)
	}
	base := string(b)
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"version", "0000000000030003", "0000000000030004", "CONFIG_VERSION"},
		{"env", `lpar_env\=vioserver`, `lpar_env\=vios`, `lpar_env "vios"`},
		{"memory", `min_mem\=2560`, `min_mem\=2500`, "PVME01050104-0006"},
		{"duplicate id", `lpar_id\=3,`, `lpar_id\=2,`, "partition ID 2 is also the ID of vios1"},
		{"duplicate name", `name\=vios2`, `name\=vios1`, "the name vios1 is also"},
		{"missing attr", `proc_mode\=shared,shared_proc_pool_id\=0,sharing_mode\=cap,`, `proc_mode\=shared,shared_proc_pool_id\=0,`, "sharing_mode is missing"},
		{"units", `desired_proc_units\=0.50`, `desired_proc_units\=0.505`, "desired_proc_units"},
		{"bool", `auto_start\=1`, `auto_start\=yes`, `auto_start: "yes" is not 0 or 1`},
		{"client without server", `5/client/2/vios1/20/0`, `5/client/2/vios1/25/0`, "vios1 has no virtual SCSI server adapter in slot 25"},
		{"server without client", `"virtual_scsi_adapters\=5/client/2/vios1/20/0,7/client/3/vios2/21/0"`, `virtual_scsi_adapters\=7/client/3/vios2/21/0`, "has no client adapter in slot 5 of web"},
		{"fc client without server", `8/client/2/vios1/40/`, `8/client/2/vios1/44/`, "no virtual Fibre Channel server adapter in slot 44"},
		{"slot twice", `5/client/2/vios1/20/0`, `2/client/2/vios1/20/0`, "the virtual slot 2 is also used by"},
		{"remote name", `40/server/10/web%2Cprod%2F1\=a%252F/8//0/vfchost0`, `40/server/10/web/8//0/vfchost0`, `the remote partition 10 is web,prod/1=a%2F, not "web"`},
		{"mac", model.FormatMAC(model.MACPrefixFor(st.System, 10) + 2), model.FormatMAC(model.MACPrefixFor(st.System, 10) + 6), "also the address"},
		{"trunk on client", `2/0/1//0/0/0/`, `2/0/1//3/0/0/`, "PVME01050312-0067"},
		{"switch name", `/all/none/MGMTSWITCH/`, `/all/none/OTHER/`, "the virtual switch 1 is"},
		{"switch mode", `/` + lowerUUID("sw", 1) + `/Vepa`, `/` + lowerUUID("sw", 1) + `/Veb`, "the virtual switch 1 is mode Veb in another adapter, not Vepa"},
		{"switch mode value", `/` + lowerUUID("sw", 1) + `/Vepa`, `/` + lowerUUID("sw", 1) + `/Bridge`, `"Bridge"`},
		{"switch uuid", `/` + lowerUUID("sw", 1) + `/Vepa`, `/` + lowerUUID("sw", 2) + `/Vepa`, "the virtual switch 1 is UUID " + lowerUUID("sw", 2) + " in another adapter, not " + lowerUUID("sw", 1)},
		{"switch uuid value", `/` + lowerUUID("sw", 1) + `/Vepa`, `/nope/Vepa`, `the virtual switch UUID "nope" is not a UUID`},
		{"mapping on no adapter", `"virtual_scsi_mappings\=20/VOPT/`, `"virtual_scsi_mappings\=29/VOPT/`, "no virtual SCSI server adapter in slot 29"},
		{"kind", `20/PV/`, `20/DISK/`, `device kind "DISK"`},
		{"lua", `0x8100000000000000/` + lowerUUID("scsi", 1), `0x81/` + lowerUUID("scsi", 1), "logical unit address"},
		{"drc twice", `2101001A/none/0`, `21010018/none/0`, "I/O slot 21010018 is also assigned"},
		{"uuid", `uuid\=` + upperUUID(11), `uuid\=nope`, `uuid "nope" is not a UUID`},
		{"uuid twice", `uuid\=` + upperUUID(11), `uuid\=` + upperUUID(10), "is also the UUID of record"},
		{"two mgmt", `mac_prefix\=0AF4E000A000,mgmt_partition\=0`, `mac_prefix\=0AF4E000A000,mgmt_partition\=1`, "already the management partition"},
		{"list", `"io_slots\=21010018/none/0/U78C9.001.WZS3CA-P1-C6,`, `"io_slots\=21010018/none/0/U78C9.001.WZS3CA-P1-C6,,`, "item 2 is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.old) {
				t.Fatalf("fixture lacks %q", c.old)
			}
			p, err := Parse([]byte(strings.Replace(base, c.old, c.new, 1)))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = p.ToModel(st.System)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if model.KindOf(err) != model.KindInvalid {
				t.Errorf("kind = %v, want invalid", model.KindOf(err))
			}
		})
	}
}

func TestCheckMTMS(t *testing.T) {
	sys := testSystem()
	p := &Profile{MTMS: "8247-21L*212E3CA"}
	if err := CheckMTMS(p, sys, false); err != nil {
		t.Error(err)
	}
	p.MTMS = "8247-22L*2130B2A"
	err := CheckMTMS(p, sys, false)
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != model.KindRefused || !strings.Contains(err.Error(), "8247-22L*2130B2A") {
		t.Errorf("other server: %v", err)
	}
	if err := CheckMTMS(p, sys, true); err != nil {
		t.Errorf("ignored: %v", err)
	}
}

// BenchmarkProfile1000: a profile.bak of 1,000 partitions with two
// adapters each, written and read back into the model.
func BenchmarkProfile1000(b *testing.B) {
	sys := testSystem()
	st := model.NewState(sys)
	st.Put(&model.VirtualSwitch{UUID: lowerUUID("sw", 0), ID: 0, Name: model.DefaultSwitch, Mode: model.SwitchVEB})
	st.Put(&model.VirtualSwitch{UUID: lowerUUID("sw", 1), ID: 1, Name: model.MgmtSwitch, Mode: model.SwitchVEPA})
	for id := 1; id <= 1000; id++ {
		p := &model.Partition{UUID: upperUUID(id), ID: id, Name: fmt.Sprintf("lpar%d", id), Type: model.TypeAIXLinux,
			MinMem: 1024, DesMem: 2048, MaxMem: 4096, HPTRatio: 7, SharingMode: model.SharingUncapped,
			MinUnits: 5, DesUnits: 50, MaxUnits: 200, MinVP: 1, DesVP: 1, MaxVP: 2, Weight: 128, BootMode: "norm",
			Keylock: "normal", AvailPriority: 127, MaxVirtualSlots: 64, ProcCompatMode: "default", MACPrefix: model.MACPrefixFor(sys, id)}
		st.Put(p)
		for i, slot := range []int{2, 6} {
			st.Put(&model.EthernetAdapter{UUID: lowerUUID("cna", id*10+slot), Partition: p.UUID, Slot: slot,
				MAC: model.FormatMAC(p.MACPrefix + uint64(slot)), PVID: []int{1, model.MgmtVLAN}[i], SwitchID: i, Enabled: true})
		}
	}
	now := time.UnixMilli(1780186500000)
	b.ReportAllocs()
	for b.Loop() {
		data, err := Write(FromState(st, now))
		if err != nil {
			b.Fatal(err)
		}
		p, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		r, err := p.ToModel(sys)
		if err != nil || len(r.Partitions) != 1000 || len(r.Adapters) != 2000 {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}
