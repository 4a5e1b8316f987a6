package vios

import (
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
)

// TestViosbrRestoreAfterProfileRestore: what a wiped server looks like
// after rstprofdata (seeded again, the client partition back, and in
// place of the mapping whose device is gone, the adapter pair alone under
// the mapping's UUID): viosbr -restore brings back the volume group, its
// logical volume (on this VIOS) and the mapping, in place of the adapter
// pair.
func TestViosbrRestoreAfterProfileRestore(t *testing.T) {
	seeded := func() (stateTx, *model.Partition, *model.Partition) {
		st := model.NewState(&model.ManagedSystem{UUID: "sys", Type: "8247", Model: "21L", Serial: "212E3CA"})
		v := &model.Partition{UUID: "V1", ID: 2, Name: "vios1", Type: model.TypeVIOS, State: model.StateRunning,
			RMCState: model.RMCActive, MaxVirtualSlots: 200, OSVersion: "VIOS 3.1.4.10"}
		c := &model.Partition{UUID: "C1", ID: 10, Name: "lpar10", Type: model.TypeAIXLinux, State: model.StateNotActivated,
			RMCState: model.RMCNone, MaxVirtualSlots: 64}
		st.Put(v)
		st.Put(c)
		Seed(st, 0)
		return stateTx{st}, v, c
	}
	files := NewMemFS()
	run := func(tx stateTx, v *model.Partition, line string) Result {
		t.Helper()
		r, ops := RunFS(tx, v, line, false, files)
		for _, op := range ops {
			if err := files.Write(op.Path, op.Data, op.ModTime); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}

	tx, v, c := seeded()
	if _, err := MapSCSI(tx, v, SCSISpec{Client: c.UUID}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"mkvg -vg datavg hdisk1", "mklv -lv lv_dat datavg 1G", "mkvdev -vdev lv_dat -vadapter vhost0 -dev vtdat", "viosbr -backup -file rt"} {
		if r := run(tx, v, line); r.Code != 0 {
			t.Fatalf("%s: %+v", line, r)
		}
	}
	orig := targetByName(tx, v.UUID, "vtdat")
	if orig == nil {
		t.Fatal("no vtdat")
	}

	tx, v, _ = seeded()
	tx.Put(&model.SCSIMapping{UUID: orig.UUID, VIOS: v.UUID, Client: orig.Client, ServerSlot: orig.ServerSlot,
		ClientSlot: orig.ClientSlot, VHost: orig.VHost})
	r := run(tx, v, "viosbr -restore -file rt")
	if r.Code != 0 {
		t.Fatalf("viosbr -restore: %+v", r)
	}
	for _, want := range []string{"datavg           volume group over hdisk1", "lv_dat           logical volume (1024 MB) in datavg", "vtdat            lv_dat on vhost0"} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("viosbr -restore output lacks %q:\n%s", want, r.Out)
		}
	}
	lv := LVByName(tx, v.UUID, "lv_dat")
	if lv == nil || lv.VIOS != v.UUID {
		t.Fatalf("lv_dat after the restore: %+v", lv)
	}
	maps := SCSIMappings(tx, v.UUID)
	if len(maps) != 1 || maps[0].UUID != orig.UUID || maps[0].Target != "vtdat" || maps[0].BackingID != lv.UUID ||
		maps[0].ServerSlot != orig.ServerSlot || maps[0].ClientSlot != orig.ClientSlot || maps[0].LUA != orig.LUA {
		t.Fatalf("mappings after the restore: %+v, want one like %+v", maps, orig)
	}
	// Run again, everything is in place.
	if r := run(tx, v, "viosbr -restore -file rt"); r.Code != 0 || strings.Contains(r.Out, "Deployed") {
		t.Fatalf("second viosbr -restore: %+v", r)
	}
}
