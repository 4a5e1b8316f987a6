package rest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
)

// TestPartitionQuick reads a partition's quick properties the way nova
// (vm.get_vm_qp) does: all of them as one JSON object, and one at a time
// as a JSON value, with numbers as numbers.
func TestPartitionQuick(t *testing.T) {
	f := newRestFixture(t)
	p := f.partition("lpar10")
	var sys string
	f.core.Read(func(st *model.State) { sys = st.System.UUID })
	path := "/rest/api/uom/LogicalPartition/" + p.UUID + "/quick"
	rec := f.do("GET", path, "", "", "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %d %s %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var all map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &all); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, rec.Body)
	}
	want := map[string]any{
		"PartitionID":                    float64(p.ID),
		"PartitionName":                  p.Name,
		"PartitionState":                 "not activated",
		"PartitionType":                  "AIX/Linux",
		"RMCState":                       "none",
		"MigrationState":                 "Not_Migrating",
		"RemoteRestartState":             "Invalid",
		"SharingMode":                    p.SharingMode,
		"HasDedicatedProcessors":         "false",
		"IsVirtualServiceAttentionLEDOn": "false",
		"CurrentMemory":                  float64(p.DesMem),
		"AllocatedVirtualProcessors":     float64(p.DesVP),
		"CurrentProcessingUnits":         float64(p.DesUnits) / 100,
		"CurrentProcessors":              nil,
		"ProgressState":                  nil,
		"PowerManagementMode":            nil,
		"ResourceMonitoringIPAddress":    nil,
		"ReferenceCode":                  "00000000",
		"OperatingSystemVersion":         p.OSVersion,
		"AssociatedManagedSystem":        "http://127.0.0.1:12080/rest/api/uom/ManagedSystem/" + sys,
	}
	for k, v := range want {
		got, ok := all[k]
		if !ok {
			t.Errorf("quick properties lack %s", k)
			continue
		}
		if got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	// One at a time: a bare JSON value.
	for prop, body := range map[string]string{
		"PartitionID":             "10",
		"PartitionState":          `"not activated"`,
		"CurrentProcessingUnits":  p.DesUnits.String(),
		"AssociatedManagedSystem": `"http://127.0.0.1:12080/rest/api/uom/ManagedSystem/` + sys + `"`,
		"CurrentProcessors":       "null",
	} {
		rec := f.do("GET", path+"/"+prop, "", "", "")
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != body {
			t.Errorf("quick/%s: %d %q, want %q", prop, rec.Code, rec.Body, body)
		}
	}
	// Under the managed system too, and for a VIOS.
	vios := f.partition("vios1")
	rec = f.do("GET", "/rest/api/uom/ManagedSystem/"+sys+"/VirtualIOServer/"+vios.UUID+"/quick/RMCState", "", "", "")
	if rec.Code != 200 || rec.Body.String() != `"active"` {
		t.Errorf("VIOS quick/RMCState: %d %s", rec.Code, rec.Body)
	}
}

// TestNotFoundRules: a DELETE or a job on a partition that does not exist
// answers 404; nothing addressed to a partition that exists answers 404
// (pypowervm and nova read a 404 as "the partition is gone").
func TestNotFoundRules(t *testing.T) {
	f := newRestFixture(t)
	p := f.partition("lpar10")
	var sys string
	f.core.Read(func(st *model.State) { sys = st.System.UUID })
	const missingUUID = "0A1B2C3D-0000-4000-8000-000000000000"
	jobCT := "application/vnd.ibm.powervm.web+xml; type=JobRequest"
	job := func(op string) string {
		return `<JobRequest xmlns="http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
			`<RequestedOperation schemaVersion="V1_0"><Metadata><Atom/></Metadata><OperationName>` + op + `</OperationName><GroupName>LogicalPartition</GroupName></RequestedOperation>` +
			`<JobParameters schemaVersion="V1_0"><Metadata><Atom/></Metadata></JobParameters></JobRequest>`
	}
	for _, base := range []string{"/rest/api/uom/LogicalPartition/", "/rest/api/uom/ManagedSystem/" + sys + "/LogicalPartition/"} {
		existing, missing := base+p.UUID, base+missingUUID
		cases := []struct {
			name, method, path, ct, body string
			want                         int
		}{
			{"delete missing", "DELETE", missing, "", "", 404},
			{"job missing", "PUT", missing + "/do/PowerOn", jobCT, job("PowerOn"), 404},
			{"job missing, bad body", "PUT", missing + "/do/PowerOn", jobCT, "<nonsense", 404},
			{"job missing, unknown op", "PUT", missing + "/do/Explode", jobCT, job("Explode"), 404},
			{"job template missing", "GET", missing + "/do/PowerOff", "", "", 404},
			{"quick missing", "GET", missing + "/quick/PartitionState", "", "", 404},
			{"entry missing", "GET", missing, "", "", 404},
			{"unknown op on existing", "PUT", existing + "/do/Explode", jobCT, job("Explode"), 400},
			{"unknown op template on existing", "GET", existing + "/do/Explode", "", "", 400},
			{"unknown quick property on existing", "GET", existing + "/quick/Colour", "", "", 400},
			{"unknown child of existing", "GET", existing + "/Gizmo", "", "", 400},
			{"bad job body on existing", "PUT", existing + "/do/PowerOn", jobCT, "<nonsense", 400},
			{"wrong job media type on existing", "PUT", existing + "/do/PowerOn", "text/plain", job("PowerOn"), 415},
			{"power off an existing partition that is off", "PUT", existing + "/do/PowerOff", jobCT, strings.Replace(job("PowerOff"), "PowerOn", "PowerOff", 1), 200},
			{"client adapter feed of existing", "GET", existing + "/ClientNetworkAdapter", "", "", 200},
		}
		for _, tc := range cases {
			rec := f.do(tc.method, tc.path, tc.ct, tc.body, "")
			if rec.Code != tc.want {
				t.Errorf("%s (%s %s): %d, want %d\n%s", tc.name, tc.method, tc.path, rec.Code, tc.want, rec.Body)
			}
		}
	}
}

// TestNVRAMGroup: PartitionNVRAM sent on create is kept and read back
// with ?group=NVRAM, and left out of reads that do not name the group;
// what is not base64 is refused.
func TestNVRAMGroup(t *testing.T) {
	f := newRestFixture(t)
	var sys string
	f.core.Read(func(st *model.State) { sys = st.System.UUID })
	create := "/rest/api/uom/ManagedSystem/" + sys + "/LogicalPartition"
	nv := strings.Repeat("QUJD", 6000) + "RA=="
	rec := f.do("PUT", create, lparCT, lparBody("nv1", "1024", `<uom:PartitionNVRAM group="NVRAM">`+nv+`</uom:PartitionNVRAM>`), "")
	if rec.Code != 200 {
		t.Fatalf("create with NVRAM: %d %s", rec.Code, rec.Body)
	}
	p := f.partition("nv1")
	if p.NVRAM != nv {
		t.Fatalf("NVRAM kept: %.40s...", p.NVRAM)
	}
	entry := "/rest/api/uom/LogicalPartition/" + p.UUID
	for q, want := range map[string]bool{"": false, "?group=None": false, "?group=NVRAM": true, "?group=All": true, "?group=None,NVRAM": true} {
		e := f.entryOf(t, entry+q)
		got, ok := e.Content.FindText("PartitionNVRAM")
		if ok != want || (want && got != nv) {
			t.Errorf("GET %s: PartitionNVRAM present %v (%d characters), want %v", q, ok, len(got), want)
		}
	}
	if rec := f.do("PUT", create, lparCT, lparBody("nv2", "1024", `<uom:PartitionNVRAM>not*base64</uom:PartitionNVRAM>`), ""); rec.Code != 400 {
		t.Fatalf("bad NVRAM: %d %s", rec.Code, rec.Body)
	}
	if f.partition("nv2") != nil {
		t.Fatal("a refused create left a partition")
	}
}
