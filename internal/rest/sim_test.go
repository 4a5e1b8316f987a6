package rest_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/uom"
)

// logonAs logs a user on and returns the session token.
func (h *harness) logonAs(user, pw string) string {
	h.t.Helper()
	body := `<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_1_0"><Metadata><Atom/></Metadata>` +
		`<UserID>` + user + `</UserID><Password>` + pw + `</Password></LogonRequest>`
	req, _ := http.NewRequest("PUT", h.ts.URL+"/rest/api/web/Logon", strings.NewReader(body))
	req.Header.Set("Content-Type", uom.MediaType(uom.ServiceWeb, "LogonRequest"))
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	el, err := uom.DecodeBytes(data)
	if err != nil {
		h.t.Fatalf("logon %s: %s %s", user, resp.Status, data)
	}
	tok, _ := el.FindText("X-API-Session")
	return tok
}

func errorOf(t *testing.T, data []byte) (status, msg string) {
	t.Helper()
	el, err := uom.DecodeBytes(data)
	if err != nil {
		t.Fatalf("not an HttpErrorResponse: %s", data)
	}
	status, _ = el.FindText("content/HttpErrorResponse/HTTPStatus")
	msg, _ = el.FindText("content/HttpErrorResponse/Message")
	return status, msg
}

// TestSimControls: the simulator's root lists its controls; the load
// control reads, sets (partly), validates and resets a partition's load;
// every refusal is an HttpErrorResponse and changes nothing; roles other
// than pvm_admin are refused (403); callers without a session get 401.
func TestSimControls(t *testing.T) {
	h := newHarness(t)
	var lpar10, vios1 string
	h.c.Read(func(st *model.State) {
		lpar10, vios1 = st.PartitionByName("lpar10").UUID, st.PartitionByName("vios1").UUID
	})
	loadPath := "/rest/api/sim/LogicalPartition/" + lpar10 + "/Load"
	resp, data := h.doH("GET", "/rest/api/sim", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"name": "load"`) {
		t.Fatalf("GET /rest/api/sim: %s\n%s", resp.Status, data)
	}
	resp, data = h.doH("GET", loadPath, "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"idle": true`) {
		t.Fatalf("GET load: %s\n%s", resp.Status, data)
	}
	resp, data = h.doH("PUT", loadPath, "application/json", `{"cpu": 0.3, "netRx": 1e6}`)
	var l struct {
		Idle       bool
		CPU, NetRx float64
		Mem        float64
	}
	if resp.StatusCode != 200 || json.Unmarshal(data, &l) != nil || l.Idle || l.CPU != 0.3 || l.NetRx != 1e6 || l.Mem != 30 {
		t.Fatalf("PUT load: %s\n%s", resp.Status, data)
	}
	// A VIOS's load is under VirtualIOServer.
	if resp, data := h.doH("PUT", "/rest/api/sim/VirtualIOServer/"+vios1+"/Load", "application/json", `{"cpu":0.5}`); resp.StatusCode != 200 {
		t.Fatalf("PUT VIOS load: %s\n%s", resp.Status, data)
	}
	before := *h.c.Load(lpar10)
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		msg                             string
	}{
		{"not JSON", "PUT", loadPath, "application/json", `{"cpu":`, 400, "not valid JSON"},
		{"unknown field", "PUT", loadPath, "application/json", `{"cpu":1,"gpu":2}`, 400, "gpu"},
		{"wrong type", "PUT", loadPath, "application/json", `{"cpu":"lots"}`, 400, "not valid JSON"},
		{"two objects", "PUT", loadPath, "application/json", `{"cpu":1}{"cpu":2}`, 400, "one JSON object"},
		{"negative", "PUT", loadPath, "application/json", `{"netTx":-5}`, 400, "net-tx"},
		{"above the VPs", "PUT", loadPath, "application/json", `{"cpu":3}`, 400, "at most 2 processors"},
		{"mem above 100", "PUT", loadPath, "application/json", `{"mem":120}`, 400, "at most 100"},
		{"content type", "PUT", loadPath, "text/xml", `{"cpu":1}`, 415, "application/json"},
		{"no partition", "GET", "/rest/api/sim/LogicalPartition/0B2BD5B4-4A57-3C2F-8F09-3BF3E9A3B0E1/Load", "", "", 404, "does not exist"},
		{"VIOS as LPAR", "GET", "/rest/api/sim/LogicalPartition/" + vios1 + "/Load", "", "", 404, "does not exist"},
		{"no control", "GET", "/rest/api/sim/Faults", "", "", 404, "no simulator control"},
	}
	for _, c := range cases {
		resp, data := h.doH(c.method, c.path, c.ctype, c.body)
		st, msg := errorOf(t, data)
		if resp.StatusCode != c.status || st != strconv.Itoa(c.status) || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %s %q, want %d and %q", c.name, resp.Status, msg, c.status, c.msg)
		}
	}
	if after := *h.c.Load(lpar10); after != before {
		t.Errorf("refused requests changed the load: %+v -> %+v", before, after)
	}
	// DELETE goes back to the idle OS.
	if resp, data := h.doH("DELETE", loadPath, "", ""); resp.StatusCode != 200 || !strings.Contains(string(data), `"idle": true`) || h.c.Load(lpar10) != nil {
		t.Fatalf("DELETE load: %s\n%s", resp.Status, data)
	}
	// A viewer, the HMC's account and callers without a session are refused.
	if _, _, err := h.c.EnsureUser("viewer", core.RoleViewer, "pw2"); err != nil {
		t.Fatal(err)
	}
	admin := h.token
	for _, u := range []struct{ user, pw string }{{"viewer", "pw2"}, {"hscroot", "pw3"}} {
		if u.user == "hscroot" {
			if _, _, err := h.c.EnsureUser("hscroot", core.RoleHMC, "pw3"); err != nil {
				t.Fatal(err)
			}
		}
		h.token = h.logonAs(u.user, u.pw)
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			resp, data := h.doH(m, loadPath, "application/json", `{"cpu":1}`)
			if st, msg := errorOf(t, data); resp.StatusCode != 403 || st != "403" || !strings.Contains(msg, "pvm_admin") {
				t.Errorf("%s %s as %s: %s %q, want 403", m, loadPath, u.user, resp.Status, msg)
			}
		}
	}
	h.token = ""
	if resp, _ := h.doH("GET", "/rest/api/sim", "", ""); resp.StatusCode != 401 {
		t.Errorf("GET /rest/api/sim without a session: %s, want 401", resp.Status)
	}
	h.token = admin
	if h.c.Load(lpar10) != nil {
		t.Error("refused callers changed the load")
	}
}

// TestSimControlsOff: with --no-sim-controls the whole root answers 404
// with a clear message, for every method.
func TestSimControlsOff(t *testing.T) {
	h := newHarness(t)
	srv := rest.New(h.c, rest.Config{SessionDir: t.TempDir(), NoSimControls: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, c := range []struct{ method, path string }{{"GET", "/rest/api/sim"}, {"GET", "/rest/api/sim/Load"},
		{"PUT", "/rest/api/sim/LogicalPartition/" + uuidVM + "/Load"}, {"DELETE", "/rest/api/sim/LogicalPartition/x/Load"}} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(`{"cpu":1}`))
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if st, msg := errorOf(t, data); resp.StatusCode != 404 || st != "404" || !strings.Contains(msg, "--no-sim-controls") {
			t.Errorf("%s %s: %s %q, want 404 naming --no-sim-controls", c.method, c.path, resp.Status, msg)
		}
	}
}
