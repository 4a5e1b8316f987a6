package rest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
)

type introDoc struct {
	Server struct {
		Seed        uint64
		SimControls bool
	}
	Kinds []struct {
		Name    string
		Root    bool
		Parents []string
		Methods []string
		Quick   []string
	}
	Routes []struct {
		Methods []string
		Path    string
	}
	Jobs []struct {
		Group, Operation string
		Parameters       []string
	}
	Controls []struct {
		Methods []string
		Path    string
	}
	NotImplemented struct {
		Kinds []string
		Jobs  []struct{ Group, Operation string }
	}
}

// TestIntrospection: the document lists the kinds (with methods and quick
// properties), jobs (with parameters), routes and controls, and what is
// known but not implemented; what it lists as implemented answers (every
// root feed, every job's template on an object of its group), and what it
// lists as not implemented answers 501, which is not the 404 of a missing
// object.
func TestIntrospection(t *testing.T) {
	h := newHarness(t)
	resp, data := h.doH("GET", "/rest/api/sim/Introspection", "", "")
	var doc introDoc
	if resp.StatusCode != 200 || json.Unmarshal(data, &doc) != nil {
		t.Fatalf("introspection: %s\n%s", resp.Status, data)
	}
	kinds := map[string]int{}
	for i, k := range doc.Kinds {
		kinds[k.Name] = i
	}
	lp, ok := kinds["LogicalPartition"]
	if !ok || strings.Join(doc.Kinds[lp].Methods, " ") != "GET PUT POST DELETE" || len(doc.Kinds[lp].Quick) == 0 {
		t.Errorf("LogicalPartition: %+v", doc.Kinds[lp])
	}
	jobs := map[string][]string{}
	for _, j := range doc.Jobs {
		jobs[j.Group+"/"+j.Operation] = j.Parameters
	}
	if p := jobs["LogicalPartition/PowerOn"]; !strings.HasPrefix(strings.Join(p, " "), "force bootmode keylock ") || !slices.Contains(p, "iIPLsource") {
		t.Errorf("PowerOn's parameters: %v", p)
	}
	if _, ok := jobs["ManagementConsole/CLIRunner"]; !ok {
		t.Error("the REST layer's jobs are not listed")
	}
	hasControl := false
	for _, c := range doc.Controls {
		hasControl = hasControl || strings.HasSuffix(c.Path, "/rest/api/sim/Fault")
	}
	if !hasControl || !doc.Server.SimControls {
		t.Errorf("controls: %+v", doc.Controls)
	}
	// What is listed answers.
	for _, k := range doc.Kinds {
		if !k.Root {
			continue
		}
		if resp, data := h.do("GET", "/rest/api/uom/"+k.Name, "", ""); resp.StatusCode != 200 && resp.StatusCode != 204 {
			t.Errorf("GET the listed kind %s: %s\n%.300s", k.Name, resp.Status, data)
		}
	}
	var objs = map[string]string{"ManagedSystem": h.systemUUID()}
	h.c.Read(func(st *model.State) {
		objs["LogicalPartition"] = st.PartitionByName("lpar10").UUID
		objs["VirtualIOServer"] = st.PartitionByName("vios1").UUID
	})
	for _, j := range doc.Jobs {
		uuid, ok := objs[j.Group]
		if !ok {
			continue
		}
		if resp, data := h.do("GET", "/rest/api/uom/"+j.Group+"/"+uuid+"/do/"+j.Operation, "", ""); resp.StatusCode != 200 {
			t.Errorf("the listed job %s/%s: %s\n%.300s", j.Group, j.Operation, resp.Status, data)
		}
	}
	// What is not implemented answers 501, not 404.
	if len(doc.NotImplemented.Kinds) == 0 || len(doc.NotImplemented.Jobs) == 0 {
		t.Fatalf("nothing listed as not implemented: %+v", doc.NotImplemented)
	}
	lpar := objs["LogicalPartition"]
	cases := []struct{ method, path, body string }{
		{"GET", "/rest/api/uom/" + doc.NotImplemented.Kinds[0], ""},
		{"GET", "/rest/api/uom/LogicalPartition/" + lpar + "/" + doc.NotImplemented.Kinds[0], ""},
	}
	for _, j := range doc.NotImplemented.Jobs {
		if uuid, ok := objs[j.Group]; ok {
			cases = append(cases, struct{ method, path, body string }{"GET", "/rest/api/uom/" + j.Group + "/" + uuid + "/do/" + j.Operation, ""},
				struct{ method, path, body string }{"PUT", "/rest/api/uom/" + j.Group + "/" + uuid + "/do/" + j.Operation, jobRequest(j.Operation, j.Group)})
		}
	}
	for _, c := range cases {
		ct := ""
		if c.body != "" {
			ct = "application/vnd.ibm.powervm.web+xml; type=JobRequest"
		}
		resp, data := h.do(c.method, c.path, ct, c.body)
		st, msg := errorOf(t, data)
		if resp.StatusCode != 501 || st != "501" || !strings.HasPrefix(msg, "[PVME01040199-0501] ") || !strings.Contains(msg, "not implemented") {
			t.Errorf("%s %s: %s %q, want 501", c.method, c.path, resp.Status, msg)
		}
	}
	for _, p := range []string{"/rest/api/uom/NoSuchKind", "/rest/api/uom/LogicalPartition/0B2BD5B4-4A57-3C2F-8F09-3BF3E9A3B0E1"} {
		if resp, _ := h.do("GET", p, "", ""); resp.StatusCode != 404 {
			t.Errorf("GET %s: %s, want 404", p, resp.Status)
		}
	}
}

// TestIntrospectionRoutes: every route pattern the server registers
// (outside the object kinds' grammar) is in the introspection document.
func TestIntrospectionRoutes(t *testing.T) {
	h := newHarness(t)
	_, data := h.doH("GET", "/rest/api/sim/Introspection", "", "")
	var doc introDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, r := range doc.Routes {
		all.WriteString(r.Path + "\n")
	}
	for _, r := range doc.Controls {
		all.WriteString(r.Path + "\n")
	}
	listed := all.String()
	files, _ := filepath.Glob("*.go")
	handle := regexp.MustCompile(`HandleFunc\((.*?), `)
	lit := regexp.MustCompile(`"([^"]*)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "hmc.go" {
			continue // hmc.go: the fleet's HMC, another server than the system's
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handle.FindAllStringSubmatch(string(src), -1) {
			for _, l := range lit.FindAllStringSubmatch(m[1], -1) {
				frag := l[1]
				if i := strings.Index(frag, " "); i >= 0 {
					frag = frag[i+1:]
				}
				if frag == "" || frag == "/" || strings.Contains(frag, "{root}") || frag == "/Load" && strings.Contains(m[1], "{uuid}") {
					continue
				}
				n++
				if !strings.Contains(listed, frag) {
					t.Errorf("%s registers %s (%s), which the introspection document does not list", f, frag, m[1])
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d route patterns found in the sources", n)
	}
}
