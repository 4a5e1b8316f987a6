package rest

import (
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// TestSeededServerAnswersAsReloaded: a fresh server serves the state it
// seeded (not read back from the file); every feed of every kind, at the
// root, under the system and under each partition, must answer byte for
// byte as after a restart that loads the file.
func TestSeededServerAnswersAsReloaded(t *testing.T) {
	dir := t.TempDir()
	clk := sim.NewFakeClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	inv := core.DefaultInventory()
	inv.Clients.Count, inv.Clients.Running = 12, 3
	feeds := func() map[string]string {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		c, err := core.Open(core.Config{StatePath: filepath.Join(dir, "state.db"), Clock: clk, Timing: sim.Profiles["fast"],
			Inventory: inv, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s, hs, tok := serveAdmin(t, c, log)
		var paths []string
		var sys string
		var parts []*model.Partition
		c.Read(func(st *model.State) { sys, parts = st.System.UUID, st.SortedPartitions(nil) })
		for name, k := range s.kinds {
			if k.root {
				paths = append(paths, "/rest/api/uom/"+name)
			}
			if k.hasParent("ManagedSystem") {
				paths = append(paths, "/rest/api/uom/ManagedSystem/"+sys+"/"+name)
			}
			for _, p := range parts {
				parent := "LogicalPartition"
				if p.IsVIOS() {
					parent = "VirtualIOServer"
				}
				if k.hasParent(parent) {
					paths = append(paths, "/rest/api/uom/"+parent+"/"+p.UUID+"/"+name)
				}
			}
		}
		sort.Strings(paths)
		out := map[string]string{}
		for _, p := range paths {
			for _, q := range []string{"", "?group=None"} {
				resp, b := sessionDo(t, hs, tok, http.MethodGet, p+q)
				resp.Body.Close() // closed by sessionDo already
				out[p+q] = strconv.Itoa(resp.StatusCode) + " ETag " + resp.Header.Get("ETag") + "\n" +
					strings.ReplaceAll(string(b), hs.URL, "http://HOST")
			}
		}
		return out
	}
	seeded := feeds()
	reloaded := feeds()
	ok := 0
	for p, want := range reloaded {
		if seeded[p] != want {
			t.Errorf("GET %s on the seeded server:\n%s\nafter a restart:\n%s", p, seeded[p], want)
		} else if want[:3] == "200" {
			ok++
		}
	}
	t.Logf("%d feeds of %d answered 200, the same", ok, len(reloaded))
	if ok < 40 {
		t.Fatalf("only %d feeds answered 200", ok)
	}
}
