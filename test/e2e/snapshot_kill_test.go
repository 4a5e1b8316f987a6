package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKill9DuringRestore: restores of two snapshots that differ by 150
// partitions alternate while pvmd is killed (SIGKILL) at a random moment;
// after each restart the partitions are exactly one snapshot's (never part
// of one and part of the other), the snapshots are still there, and a
// restore works.
func TestKill9DuringRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	dir := t.TempDir()
	inv := filepath.Join(t.TempDir(), "inventory.json")
	if err := os.WriteFile(inv, []byte(`{"clients": {"count": 300}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	d, err := launch(t, dir, startOpts{Flags: []string{"--inventory", inv}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if d != nil {
			d.Kill()
		}
	}()
	c := tc{newClient(d.BaseURL()), t}
	c.mustLogon()
	sim := func(c tc, method, path string) *response {
		c.t.Helper()
		return c.expect(map[string]int{"PUT": 201, "POST": 200, "GET": 200}[method], method, "/rest/api/sim"+path, nil)
	}
	sim(c, "PUT", "/Snapshot/A")
	setA := lparNames(c)
	// B: half of the clients gone.
	var victims []string
	for _, n := range setA {
		uuid, name, _ := strings.Cut(n, "=")
		if strings.HasPrefix(name, "lpar") && len(victims) < 150 {
			victims = append(victims, uuid)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(victims))
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(victims); i += 8 {
				r, err := c.do(context.Background(), http.MethodDelete, pathLPAR+"/"+victims[i], nil)
				if err == nil && r.Status != http.StatusNoContent && r.Status != http.StatusOK {
					err = fmt.Errorf("delete: %s", r)
				}
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sim(c, "PUT", "/Snapshot/B")
	setB := lparNames(c)
	if len(setA)-len(setB) != 150 {
		t.Fatalf("A has %d partitions, B %d", len(setA), len(setB))
	}
	key := func(s []string) string { return strings.Join(s, ",") }
	a, b := key(setA), key(setB)
	for cycle := 0; cycle < 4; cycle++ {
		// Restores back and forth until the kill.
		stop := make(chan struct{})
		var restores int
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := []string{"A", "B"}[i%2]
				r, err := c.do(context.Background(), http.MethodPost, "/rest/api/sim/Snapshot/"+name+"/Restore", nil)
				if err != nil || r.Status != 200 {
					return // killed
				}
				restores++
			}
		}()
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		d.Kill()
		close(stop)
		<-done
		c.close()
		t.Logf("cycle %d: killed after %d restores", cycle, restores)
		if d, err = launch(t, dir, startOpts{}); err != nil {
			d = nil
			t.Fatal(err)
		}
		c = tc{newClient(d.BaseURL()), t}
		c.mustLogon()
		got := key(lparNames(c))
		if got != a && got != b {
			t.Fatalf("cycle %d (after %d restores): the partitions are neither snapshot's: %d partitions (A %d, B %d)",
				cycle, restores, len(strings.Split(got, ",")), len(setA), len(setB))
		}
		var list struct{ Snapshots []struct{ Name string } }
		if err := json.Unmarshal(sim(c, "GET", "/Snapshot").Body, &list); err != nil || len(list.Snapshots) != 2 {
			t.Fatalf("cycle %d: snapshots after the restart: %+v %v", cycle, list, err)
		}
	}
	// And a restore still works after it all.
	sim(c, "POST", "/Snapshot/A/Restore")
	got := lparNames(c)
	sort.Strings(got)
	if key(got) != a {
		t.Fatalf("the last restore of A: %d partitions, want %d", len(got), len(setA))
	}
	c.close()
	if err := d.Stop(stopTimeout); err != nil {
		t.Fatal(err)
	}
}
