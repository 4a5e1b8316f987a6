package rest_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// TestSimStateFlips: the flips no API can make, through the control, as
// a client sees them: RMC held inactive through a reboot and given back
// to the OS, a crash (error state and its reference code), a VIOS that
// stops, the managed system losing power (every partition but the
// management one stops, jobs are refused) and coming back (the VIOSes
// boot); refusals change nothing.
func TestSimStateFlips(t *testing.T) {
	h := newHarness(t)
	var lpar10, vios2, nl string
	h.c.Read(func(st *model.State) {
		lpar10, vios2, nl = st.PartitionByName("lpar10").UUID, st.PartitionByName("vios2").UUID, st.PartitionByName("novalink").UUID
	})
	h.createPartition("1F3B0C9E-6F0A-4B39-9C3E-2A5D5F1D0A10", "vm1", false)
	vm1 := "1F3B0C9E-6F0A-4B39-9C3E-2A5D5F1D0A10"
	h.settle(h.startPowerOn("LogicalPartition", vm1), vm1)
	statePath := "/rest/api/sim/LogicalPartition/" + vm1 + "/State"
	put := func(path, body string) (int, map[string]string) {
		t.Helper()
		resp, data := h.doH("PUT", path, "application/json", body)
		out := map[string]string{}
		json.Unmarshal(data, &out)
		if resp.StatusCode != 200 {
			_, msg := errorOf(t, data)
			out["error"] = msg
		}
		return resp.StatusCode, out
	}
	rmcOf := func(uuid string) string {
		t.Helper()
		v, _ := h.get("/rest/api/uom/LogicalPartition/" + uuid).FindText("content/LogicalPartition/ResourceMonitoringControlState")
		return v
	}

	if st, got := put(statePath, `{"rmc":"inactive"}`); st != 200 || got["rmc"] != "inactive" || got["rmcHeld"] != "inactive" {
		t.Fatalf("RMC inactive: %d %v", st, got)
	}
	if v := rmcOf(vm1); v != "inactive" {
		t.Fatalf("the partition's RMC as clients see it: %q", v)
	}
	// DLPAR needs RMC: refused now.
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	if _, err := h.c.CreateAdapter(admin, vm1, &model.EthernetAdapter{PVID: 5, SwitchID: 0}, core.SlotNext); err == nil || !strings.Contains(err.Error(), "RMC") {
		t.Fatalf("DLPAR with RMC held inactive: %v", err)
	}
	// Held through a restart of the partition.
	resp, data := h.putJob("LogicalPartition", vm1, "PowerOff")
	id, _, _ := jobOf(t, data)
	if resp.StatusCode != 200 {
		t.Fatalf("PowerOff: %s", resp.Status)
	}
	for i := 0; i < 100 && h.c.Jobs.Get(id).Snapshot().Status == core.JobRunning; i++ {
		h.clk.Advance(50 * time.Millisecond)
	}
	h.startPowerOn("LogicalPartition", vm1)
	h.clk.Advance(5 * time.Second)
	if p := h.partition(vm1); p.State != model.StateRunning || p.RMCState != model.RMCInactive {
		t.Fatalf("after a reboot with RMC held: %s %s", p.State, p.RMCState)
	}
	if st, got := put(statePath, `{"rmc":"auto"}`); st != 200 || got["rmc"] != "active" || got["rmcHeld"] != "" {
		t.Fatalf("RMC back to the OS: %d %v", st, got)
	}
	if _, err := h.c.CreateAdapter(admin, vm1, &model.EthernetAdapter{PVID: 5, SwitchID: 0}, core.SlotNext); err != nil {
		t.Fatalf("DLPAR with RMC active: %v", err)
	}
	// A crash: error state with its reference code; it powers on again.
	if st, got := put(statePath, `{"state":"error"}`); st != 200 || got["state"] != "error" || got["refCode"] != core.RefCodeCrashed || got["rmc"] != "inactive" {
		t.Fatalf("crash: %d %v", st, got)
	}
	if v, _ := h.get("/rest/api/uom/LogicalPartition/" + vm1).FindText("content/LogicalPartition/PartitionState"); v != "error" {
		t.Fatalf("a crashed partition's state as clients see it: %q", v)
	}
	h.settle(h.startPowerOn("LogicalPartition", vm1), vm1)
	// A VIOS that stops.
	if st, got := put("/rest/api/sim/VirtualIOServer/"+vios2+"/State", `{"state":"not activated"}`); st != 200 || got["state"] != "not activated" {
		t.Fatalf("VIOS stopped: %d %v", st, got)
	}
	// Refusals.
	for _, c := range []struct{ path, body, msg string }{
		{statePath, `{"rmc":"sleepy"}`, "not one of active"},
		{statePath, `{"state":"running"}`, "not one of"},
		{statePath, `{"refCode":"B2001234"}`, "goes with a state"},
		{statePath, `{}`, "nothing to change"},
		{"/rest/api/sim/LogicalPartition/" + nl + "/State", `{"rmc":"none"}`, "management partition"},
		{"/rest/api/sim/LogicalPartition/" + lpar10 + "/State", `{"state":"error"}`, "only an active partition"},
		{"/rest/api/sim/LogicalPartition/" + vios2 + "/State", `{"rmc":"none"}`, "does not exist"},
	} {
		if st, got := put(c.path, c.body); st == 200 || !strings.Contains(got["error"], c.msg) {
			t.Errorf("%s %s: %d %v, want an error with %q", c.path, c.body, st, got, c.msg)
		}
	}

	// The managed system loses power: everything but NovaLink stops and
	// nothing can be changed; back to operating, the VIOSes boot again.
	sysPath := "/rest/api/sim/ManagedSystem/" + h.systemUUID() + "/State"
	if st, got := put(sysPath, `{"state":"Power Off"}`); st != 200 || got["state"] != "power off" {
		t.Fatalf("power off: %d %v", st, got)
	}
	h.c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.Active() != p.IsMgmt {
				t.Errorf("after power off, %s is %s", p.Name, p.State)
			}
		}
	})
	if v, _ := h.get("/rest/api/uom/ManagedSystem/" + h.systemUUID()).FindText("content/ManagedSystem/State"); v != "power off" {
		t.Errorf("the system's state as clients see it: %q", v)
	}
	resp, data = h.putJob("LogicalPartition", vm1, "PowerOn")
	if _, status, res := jobOf(t, data); resp.StatusCode != 200 || status != core.JobError || !strings.Contains(res["result"], "power") {
		t.Fatalf("PowerOn while the system is off: %s %s %v", resp.Status, status, res)
	}
	if st, got := put(sysPath, `{"state":"operating"}`); st != 200 || got["state"] != "operating" {
		t.Fatalf("operating: %d %v", st, got)
	}
	h.clk.Advance(5 * time.Second)
	h.c.Read(func(st *model.State) {
		for _, p := range st.Partitions {
			if p.IsVIOS() && p.State != model.StateRunning {
				t.Errorf("after power on, VIOS %s is %s", p.Name, p.State)
			}
		}
	})
	if st, got := put(sysPath, `{"state":"no connection"}`); st != 200 || got["state"] != "no connection" {
		t.Fatalf("no connection: %d %v", st, got)
	}
	if _, err := h.c.CreateAdapter(admin, vm1, &model.EthernetAdapter{PVID: 6, SwitchID: 0}, core.SlotNext); model.KindOf(err) != model.KindBusy {
		t.Errorf("a change while the system has no connection: %v", err)
	}
	if st, _ := put(sysPath, `{"state":"asleep"}`); st != 400 {
		t.Errorf("an unknown system state: %d", st)
	}
}

// TestSimTiming: the timing profile switches at run time; times given
// alone make a custom profile; bad values are refused.
func TestSimTiming(t *testing.T) {
	h := newHarness(t)
	resp, data := h.doH("PUT", "/rest/api/sim/Timing", "application/json", `{"profile":"realistic"}`)
	if resp.StatusCode != 200 || h.c.Timing().Name != "realistic" || !strings.Contains(string(data), `"osBoot": "45s"`) {
		t.Fatalf("realistic: %s\n%s", resp.Status, data)
	}
	resp, data = h.doH("PUT", "/rest/api/sim/Timing", "application/json", `{"osShutdown":"30s"}`)
	if tm := h.c.Timing(); resp.StatusCode != 200 || tm.Name != "custom" || tm.OSShutdown != 30*time.Second || tm.OSBoot != 45*time.Second {
		t.Fatalf("custom: %s %+v\n%s", resp.Status, tm, data)
	}
	for _, b := range []string{`{"profile":"glacial"}`, `{"osBoot":"-1s"}`, `{"osBoot":"100h"}`, `{"osBoot":5}`} {
		if resp, _ := h.doH("PUT", "/rest/api/sim/Timing", "application/json", b); resp.StatusCode != 400 {
			t.Errorf("%s: %s", b, resp.Status)
		}
	}
	if tm := h.c.Timing(); tm.Name != "custom" || tm.OSShutdown != 30*time.Second {
		t.Errorf("refusals changed the timing: %+v", tm)
	}
}
