package rest

import (
	"bytes"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
	"github.com/novalink-project/novalink/uom"
)

// writeFixture is a seeded server for the tests of the renderers that
// write straight to bytes: an LPAR owns an I/O slot; groups are the group
// selections to write with, variants copies of an object in other states
// and with values that need escaping.
type writeFixture struct {
	s        *Server
	c        *core.Core
	clk      *sim.FakeClock
	groups   []groupSel
	variants func(o object) []object
}

func newWriteFixture(t *testing.T) *writeFixture {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	c, err := core.Open(core.Config{StatePath: filepath.Join(t.TempDir(), "state.db"), Clock: clk,
		Timing: sim.Profiles["fast"], Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := New(c, Config{SessionDir: t.TempDir(), Logger: log})
	admin := core.Actor{User: "padmin", Role: core.RoleAdmin}
	// An LPAR that owns an I/O slot.
	var lpar10 string
	var free int
	c.Read(func(st *model.State) {
		lpar10 = st.PartitionByName("lpar10").UUID
		for _, sl := range st.SortedSlots() {
			if sl.Owner == "" && sl.DeviceID != 0xFFFF && free == 0 {
				free = sl.DRCIndex
			}
		}
	})
	if err := c.AttachSlot(admin, lpar10, free); err != nil {
		t.Fatal(err)
	}

	groups := []groupSel{{all: true}, {names: map[string]bool{"None": true}, key: "None"}}
	for name := range knownGroups {
		groups = append(groups, groupSel{names: map[string]bool{name: true}, key: name})
	}
	groups = append(groups, groupSel{names: map[string]bool{"ViosNetwork": true, "ViosStorage": true}, key: "ViosNetwork,ViosStorage"})

	// variants returns o and copies of it in other states, with values
	// that need escaping.
	variants := func(o object) []object {
		p, ok := o.val.(*model.Partition)
		if !ok {
			return []object{o}
		}
		out := []object{o}
		for _, change := range []func(p *model.Partition){
			func(p *model.Partition) {
				p.State, p.RMCState, p.RMCIP = model.StateRunning, model.RMCActive, "fe80::1"
				p.CurMem, p.CurUnits, p.CurVP, p.ActivatedAt = p.DesMem, p.DesUnits, p.DesVP, clk.Now().Add(-time.Hour).UnixMilli()
			},
			func(p *model.Partition) {
				p.Dedicated, p.MinProcs, p.DesProcs, p.MaxProcs, p.CurProcs = true, 1, 2, 4, 2
				p.State = model.StateStarting
			},
			func(p *model.Partition) {
				p.Name = `a<b>&"c" é` + "\x01\r\n\t"
				p.OSVersion, p.RefCode, p.Keylock = "", "", ""
				p.IsMgmt, p.MgmtCapable, p.IsService, p.SRRCapable = true, true, true, true
				p.Type = model.TypeOS400
				// IBM i's fields, a virtual serial number and NVRAM
				// (group NVRAM, sent only when named).
				p.TaggedIO = model.TaggedIO{LoadSource: "2", AltLoadSource: "3", Console: "HMC"}
				p.IPLSource, p.RestrictedIO, p.VSN = "b", true, "SN00A1"
				p.NVRAM = "AAECAwQ="
			},
			// Two names that differ inside a character (é and è
			// share their first byte), in an entry of the same shape.
			func(p *model.Partition) { p.Name = "name é" },
			func(p *model.Partition) { p.Name = "name è" },
		} {
			n := p.Clone()
			change(n)
			v := o
			v.val = n
			out = append(out, v)
		}
		return out
	}

	return &writeFixture{s: s, c: c, clk: clk, groups: groups, variants: variants}
}

// TestWriteMatchesTree: every kind that renders straight to bytes (write)
// writes, byte for byte, what building its tree and encoding it gives
// (render, filterGroups, Encode), for every object of the seeded server,
// for variants of them in other states and with values that need escaping,
// and for every group selection.
func TestWriteMatchesTree(t *testing.T) {
	f := newWriteFixture(t)
	s, c, groups := f.s, f.c, f.groups
	names := make([]string, 0, len(s.kinds))
	for name := range s.kinds {
		names = append(names, name)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		k := s.kinds[name]
		if k.write == nil {
			continue
		}
		var objs []object
		rc := &renderCtx{base: "http://127.0.0.1:12080", now: f.clk.Now()}
		c.Read(func(st *model.State) {
			rc.sys, rc.acct = st.System, st.Accounting()
			objs = k.list(st, st.System.UUID)
			for i := range objs {
				if k.aux != nil {
					objs[i].aux = k.aux(st, objs[i])
				}
			}
		})
		if len(objs) == 0 {
			t.Fatalf("no %s to render", name)
		}
		for _, base := range objs {
			for _, o := range f.variants(base) {
				for _, g := range groups {
					el := k.render(rc, o)
					filterGroups(el, g)
					want := el.Bytes()
					out := &xmlOut{}
					k.write(rc, o, out, g)
					if !bytes.Equal(out.buf, want) {
						t.Errorf("%s %s, groups %q: written\n%s\nbut the tree encodes as\n%s", name, o.uuid, g.key,
							firstDiff(out.buf, want), firstDiff(want, out.buf))
					}
					if _, err := uom.DecodeBytes(out.buf); err != nil {
						t.Errorf("%s %s, groups %q: not well-formed: %v", name, o.uuid, g.key, err)
					}
					checked++
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d renderings compared", checked)
	}
}

// firstDiff shows a from a little before where it departs from b.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "..." + strings.TrimSpace(string(a[from:min(len(a), i+120)])) + "..."
}

// TestWriteRefusesGoingBack: a renderer that writes into an element after
// it moved on to a sibling would misplace the bytes; it panics instead.
func TestWriteRefusesGoingBack(t *testing.T) {
	out := &xmlOut{}
	b := out.object(uom.NSUOM, "LogicalPartition", "", 0, uom.Schema("LogicalPartition"), groupSel{all: true})
	caps := b.sub("PartitionCapabilities")
	b.int("PartitionID", 1)
	defer func() {
		if recover() == nil {
			t.Fatal("writing into a left element did not panic")
		}
	}()
	caps.bool("DynamicLogicalPartitionIOCapable", true)
}
