package printer

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

var lparHeaders = []string{"Name", "ID", "State", "Env", "Ref Code", "Mem", "CPU", "Ent"}

var lparRows = [][]string{
	{"novalink", "2", "running", "AIX/Linux", "Linux ppc64le", "2560", "2", "0.5"},
	{"pvc", "3", "running", "AIX/Linux", "Linux ppc64le", "11264", "2", "1.0"},
	{"vm1", "4", "not activated", "AIX/Linux", "00000000", "1024", "1", "0.5"},
}

func TestTable(t *testing.T) {
	cases := []struct {
		name    string
		title   string
		headers []string
		rows    [][]string
		width   int
	}{
		{"lpar_80", "Logical Partitions", lparHeaders, lparRows, 80},
		// The overview's first listing was taken on a 70-column terminal:
		// State, Env and Ref Code all come down to 8.
		{"lpar_70", "Logical Partitions", lparHeaders, lparRows, 70},
		{"lpar_wide", "Logical Partitions", lparHeaders, lparRows, 200},
		{"lpar_narrow", "Logical Partitions", lparHeaders, lparRows, 40},
		{"lpar_no_terminal", "Logical Partitions", lparHeaders, lparRows, 0},
		{"long_names", "Logical Partitions", lparHeaders, [][]string{
			{"a-partition-with-a-very-long-name-indeed-47-characters", "17", "running", "AIX/Linux", "Linux ppc64le", "262144", "64", "12.25"},
			{"ñandú-über-straße", "18", "starting", "OS400", "CA00E14D", "1024", "1", "0.05"},
		}, 80},
		{"empty", "Virtual Switches", []string{"Name", "ID", "Mode", "VNets"}, nil, 80},
		{"vea", "Virtual Ethernet Adapters", []string{"PVID", "VSwitch", "LPAR", "MAC", "Slot", "Trunk", "Tagged VLANs"}, [][]string{
			{"1", "ETHERNET0", "1", "02224842CB34", "3", "False", ""},
			{"4094", "MGMTSWITCH", "3", "363100ED375B", "6", "False", ""},
		}, 80},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Table(&b, tc.title, tc.headers, tc.rows, tc.width); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			w := tc.width
			if w == 0 {
				w = 1 << 30 // not a terminal: nothing is cut
			}
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
				if n := len([]rune(line)); n > w && w >= 1+len(tc.headers)*(minColumn+3) {
					t.Errorf("line %d is %d wide, more than %d: %q", i+1, n, w, line)
				}
			}
			golden(t, "table_"+tc.name, out)
		})
	}
}

func TestTableShortensWidestFirst(t *testing.T) {
	var b bytes.Buffer
	Table(&b, "T", lparHeaders, lparRows, 70)
	lines := strings.Split(b.String(), "\n")
	// The rows keep Name (8), ID, Mem, CPU, Ent whole; the three widest
	// columns were cut to 8 with ">".
	if !strings.Contains(lines[4], "| not act> | AIX/Lin> | 00000000 |") {
		t.Fatalf("unexpected shortening:\n%s", b.String())
	}
}

func TestKV(t *testing.T) {
	labels := []string{"name", "id", "state"}
	rows := [][]string{{"vm1", "4", "not activated"}, {"vm2", "5", "not activated"}}
	cases := []struct {
		name string
		sep  string
		hide bool
	}{
		{"labels", ",", false},
		{"hide_label", ",", true},
		{"delim", ";", false},
		{"delim_hide", " ", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := KV(&b, labels, rows, tc.sep, tc.hide); err != nil {
				t.Fatal(err)
			}
			golden(t, "kv_"+tc.name, b.String())
		})
	}
	var b bytes.Buffer
	KV(&b, labels, rows, ",", false)
	if first := strings.SplitN(b.String(), "\n", 2)[0]; first != "name=vm1,id=4,state=not activated" {
		t.Fatalf("first line %q", first)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	rows := [][]any{
		{"vm<1>&", int64(4), Number("0.5", 0.5), true, nil},
		{"ñandú \"quoted\"", int64(-1), Number("1.0", 1), false, "x"},
	}
	if err := JSON(&b, []string{"name", "id", "proc_units", "trunk", "Section.other"}, rows); err != nil {
		t.Fatal(err)
	}
	golden(t, "json_rows", b.String())
	b.Reset()
	if err := JSON(&b, []string{"name"}, nil); err != nil {
		t.Fatal(err)
	}
	if b.String() != "[]\n" {
		t.Fatalf("empty: %q", b.String())
	}
}
