package hmc

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

func openCore(t *testing.T) (*core.Core, *sim.FakeClock) {
	t.Helper()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: clk, Timing: sim.Profiles["fast"],
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

var padmin = core.Actor{User: "padmin", Role: core.RoleAdmin}

func TestCommands(t *testing.T) {
	c, _ := openCore(t)
	hmc := c.ActorFor("hscroot", core.RoleHMC, "s1")
	sys := c.System().Name
	steps := []struct {
		who        core.Actor
		line       string
		code       int
		out, err   string // substrings ("" = empty)
		exactOut   bool
		afterCheck func(t *testing.T)
	}{
		{hmc, "lscomgmt -m " + sys, 0, "curr_master_name=novalink,curr_master_mtms=8247-21L*212E3CA,curr_master_type=norm\n", "", true, nil},
		{hmc, "lssyscfg -r lpar -m " + sys + " --filter lpar_names=vios1,lpar10 -F name,lpar_id,lpar_env,state,powervm_mgmt_capable", 0,
			"vios1,2,vioserver,Running,0\nlpar10,10,aixlinux,Not Activated,0\n", "", true, nil},
		{hmc, "lssyscfg -r sys -F name,curr_sys_firmware,co_managed", 0, sys + ",SV860_138,0\n", "", true, nil},
		{hmc, "lssyscfg -r lpar -m " + sys + " -F name,bogus", 1, "", "HSCL350F", false, nil},
		{hmc, "lssyscfg -r lpar -m nosuchsys", 1, "", "HSCL8012 The managed system nosuchsys cannot be found.", false, nil},
		// The HMC is not master: changes are refused, naming the master.
		{hmc, `chsyscfg -r lpar -m ` + sys + ` -i "lpar_id=10,powervm_mgmt_capable=1"`, 1, "", "only the master may change it", false, nil},
		{hmc, "chcomgmt -m " + sys + " -o relmaster", 1, "", "not the PowerVM management master", false, nil},
		{hmc, "chcomgmt -m " + sys + " -o setmaster -t bogus", 1, "", "not a valid master type", false, nil},
		{hmc, "chcomgmt -m " + sys + " -o setmaster -t norm", 0, "", "", true, nil},
		{padmin, "lscomgmt -m " + sys, 0, "curr_master_name=hmc1,curr_master_mtms=7042-CR9*21F2D0A,curr_master_type=norm\n", "", true, nil},
		{hmc, `chsyscfg -r lpar -m ` + sys + ` -i "lpar_id=10,powervm_mgmt_capable=1,lpar_avail_priority=200"`, 0, "", "", true, nil},
		{hmc, `chsyscfg -r lpar -m ` + sys + ` -i "name=vios1,powervm_mgmt_capable=1"`, 1, "", "only be set on AIX/Linux", false, nil},
		{hmc, `chsyscfg -r lpar -m ` + sys + ` -i "lpar_id=10,max_mem=5"`, 1, "", "cannot be changed with chsyscfg", false, nil},
		{hmc, `chsyscfg -r lpar -m ` + sys + ` -i "lpar_id=99,auto_start=1"`, 1, "", "cannot be found", false, nil},
		{hmc, "lssyscfg -r lpar -m " + sys + " --filter lpar_ids=10 -F powervm_mgmt_capable,lpar_avail_priority", 0, "1,200\n", "", true, nil},
		{padmin, `chsyscfg -r lpar -m ` + sys + ` -i "lpar_id=11,auto_start=1"`, 1, "", "the HMC hmc1", false, nil},
		{hmc, "chcomgmt -m " + sys + " -o relmaster", 0, "", "", true, nil},
		{padmin, "lscomgmt -m " + sys + " -F curr_master_name", 0, "novalink\n", "", true, nil},
		{hmc, "frobnicate -m x", 1, "", "HSCL8001", false, nil},
		{hmc, `lssyscfg -r lpar -m "unclosed`, 1, "", "not valid", false, nil},
	}
	for i, s := range steps {
		r := Run(c, s.who, s.line)
		if r.Code != s.code {
			t.Fatalf("step %d %q: exit %d, want %d (out %q err %q)", i, s.line, r.Code, s.code, r.Out, r.Err)
		}
		if s.exactOut && r.Out != s.out || !s.exactOut && !strings.Contains(r.Out, s.out) {
			t.Fatalf("step %d %q: out %q, want %q", i, s.line, r.Out, s.out)
		}
		if s.err == "" && r.Err != "" || !strings.Contains(r.Err, s.err) {
			t.Fatalf("step %d %q: err %q, want %q", i, s.line, r.Err, s.err)
		}
	}
	var p *model.Partition
	c.Read(func(st *model.State) { p = st.PartitionByID(11) })
	if p.AutoStart {
		t.Fatal("a refused chsyscfg changed the partition")
	}
}

func TestAttrsQuoting(t *testing.T) {
	ps, msg := parseAttrs(`name=vm1,"io_slots=a,b",x="c,d"`)
	if msg != "" || len(ps) != 3 || ps[1].v != "a,b" || ps[2].v != "c,d" {
		t.Fatalf("%v %q", ps, msg)
	}
	for _, bad := range []string{`name=a,name=b`, `"name=a`, `novalue`} {
		if _, msg := parseAttrs(bad); msg == "" {
			t.Fatalf("%q accepted", bad)
		}
	}
	if got := formatPairs([]pair{{"a", "1"}, {"b", "x,y"}}, nil); got != `a=1,"b=x,y"` {
		t.Fatal(got)
	}
}
