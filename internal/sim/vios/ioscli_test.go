package vios

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
		err  string
	}{
		{"", nil, ""},
		{"  lsmap   -all  ", []string{"lsmap", "-all"}, ""},
		{`lu -create -lu "my lu" -size 1`, []string{"lu", "-create", "-lu", "my lu", "-size", "1"}, ""},
		{`a 'b "c' d`, []string{"a", `b "c`, "d"}, ""},
		{`a "b \"c\" \$x \n"`, []string{"a", `b "c" $x \n`}, ""},
		{`a b\ c d\\e`, []string{"a", "b c", `d\e`}, ""},
		{`a ""`, []string{"a", ""}, ""},
		{`x"y"'z'`, []string{"xyz"}, ""},
		{`a "b`, nil, "is not matched"},
		{`a 'b`, nil, "is not matched"},
		{"lsmap -all | grep x", nil, "single command"},
		{"lsmap -all > f", nil, "single command"},
		{"a; b", nil, "single command"},
		{"echo $(id)", nil, "single command"},
		{`lsmap -fmt '|'`, []string{"lsmap", "-fmt", "|"}, ""},
	} {
		got, err := splitWords(tc.line)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
}

func TestParseArgs(t *testing.T) {
	spec := flagSpec{"-a": 0, "-b": 1, "-field": many, "-attr": optional}
	a, bad := parseArgs([]string{"-a", "-b", "x", "-field", "f1", "f2", "-attr", "p1", "p2"}, spec, -1)
	if bad != nil || !a.has("-a") || a.val("-b") != "x" || !reflect.DeepEqual(a.vals("-field"), []string{"f1", "f2"}) ||
		a.val("-attr") != "p1" || !reflect.DeepEqual(a.pos, []string{"p2"}) {
		t.Fatalf("parsed %+v %+v", a, bad)
	}
	if a, bad := parseArgs([]string{"-attr", "-a"}, spec, 0); bad != nil || !a.has("-attr") || a.val("-attr") != "" {
		t.Fatalf("optional value: %+v %+v", a, bad)
	}
	for _, args := range [][]string{{"-x"}, {"-b"}, {"-b", "-a"}, {"-field"}, {"pos"}} {
		if _, bad := parseArgs(args, spec, 0); bad == nil {
			t.Errorf("%q parsed", args)
		}
	}
	if a, bad := parseArgs([]string{"-b", "-1"}, flagSpec{"-b": 1}, 0); bad != nil || a.val("-b") != "-1" {
		t.Errorf("negative number value: %+v %+v", a, bad)
	}
}

func TestParseSizeMB(t *testing.T) {
	for in, want := range map[string]int{"20480": 20480, "10G": 10240, "10g": 10240, "512M": 512, "1.5G": 1536, "0.1": 1} {
		if got, ok := parseSizeMB(in); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "G", "-1", "0", "ten", "10T", "1e30"} {
		if _, ok := parseSizeMB(in); ok {
			t.Errorf("%s parsed", in)
		}
	}
}

// stateTx runs the commands directly on a model.State (the core's Tx
// stages instead; see core's ioscli tests for that path).
type stateTx struct{ st *model.State }

func (s stateTx) Get(k model.ObjKind, key string) model.Object { return s.st.Get(k, key) }
func (s stateTx) Put(o model.Object, _ ...string)              { s.st.Put(o) }
func (s stateTx) Delete(k model.ObjKind, key string)           { s.st.Delete(k, key) }
func (s stateTx) Each(k model.ObjKind, fn func(model.Object))  { s.st.Each(k, fn) }
func (s stateTx) Partition(uuid string) *model.Partition       { return s.st.Partition(uuid) }
func (s stateTx) System() *model.ManagedSystem                 { return s.st.System }
func (s stateTx) Now() time.Time                               { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
func (s stateTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	s.st.EachBy(ix, key, fn)
}
func (s stateTx) Nums(k model.NumKey) model.NumView          { return s.st.NumView(k) }
func (s stateTx) PoolHeldMB(ssp string) int                  { return s.st.PoolHeldMB(ssp) }
func (s stateTx) lus() []*model.LogicalUnit                  { return LUs(s, SSPByName(s, "pool1").UUID) }
func (s stateTx) run(v *model.Partition, line string) Result { return Run(s, v, line, false) }
func (s stateTx) mustRun(t *testing.T, v *model.Partition, l string) {
	t.Helper()
	if r := s.run(v, l); r.Code != 0 {
		t.Fatalf("%s: %+v", l, r)
	}
}

func TestRunOnState(t *testing.T) {
	st := model.NewState(&model.ManagedSystem{UUID: "sys", Type: "8247", Model: "21L", Serial: "212E3CA"})
	v := &model.Partition{UUID: "V1", ID: 2, Name: "vios1", Type: model.TypeVIOS, State: model.StateRunning,
		RMCState: model.RMCActive, MaxVirtualSlots: 200, OSVersion: "VIOS 3.1.4.10"}
	c := &model.Partition{UUID: "C1", ID: 10, Name: "lpar10", Type: model.TypeAIXLinux, State: model.StateNotActivated,
		RMCState: model.RMCNone, MaxVirtualSlots: 64}
	st.Put(v)
	st.Put(c)
	Seed(st, 0)
	tx := stateTx{st}
	if _, err := MapSCSI(tx, v, SCSISpec{Client: c.UUID}); err != nil {
		t.Fatal(err)
	}
	r := tx.run(v, "lu -create -lu vdisk_vm1 -size 1G -vadapter vhost0")
	if r.Code != 0 || !strings.HasPrefix(r.Out, "Lu Name:vdisk_vm1\nLu Udid:") || !strings.HasSuffix(r.Out, "VTD:vtscsi0\n") {
		t.Fatalf("lu -create: %+v", r)
	}
	lus := tx.lus()
	if len(lus) != 1 || !strings.Contains(r.Out, "Lu Udid:"+lus[0].ShortUDID()+"\n") || len(MappingsOf(tx, model.BackLU, lus[0].UUID)) != 1 {
		t.Fatalf("LUs %+v", lus)
	}
	tx.mustRun(t, v, "mkvdev -fbo -vadapter vhost0")
	if m := targetByName(tx, v.UUID, "vtopt0"); m == nil || m.Backing != model.BackMedia || m.VHost != "vhost0" || m.LUA != "0x8200000000000000" {
		t.Fatalf("vtopt0: %+v", m)
	}
	if r := tx.run(v, "lsmap -vadapter vhost0 -field vtd -fmt :"); r.Out != "vtscsi0:vtopt0\n" {
		t.Fatalf("lsmap: %+v", r)
	}
	if r := tx.run(v, "ioslevel"); r.Out != "3.1.4.10\n" {
		t.Fatalf("ioslevel: %+v", r)
	}
	if r := tx.run(v, "nosuch"); r.Code != codeNotFound || r.Err != "rksh: nosuch:  not found.\n" {
		t.Fatalf("nosuch: %+v", r)
	}
	if r := Run(tx, v, "nosuch", true); r.Err != "ksh: nosuch:  not found.\n" {
		t.Fatalf("nosuch as root: %+v", r)
	}
}
