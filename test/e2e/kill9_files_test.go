package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// k9File is an ISO image the kill -9 test uploads.
func k9File(name, vios string, data []byte) []byte {
	sum := sha256.Sum256(data)
	return []byte(`<File:File xmlns:File="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata>` +
		`<Filename>` + name + `</Filename><InternetMediaType>application/octet-stream</InternetMediaType>` +
		`<SHA256>` + hex.EncodeToString(sum[:]) + `</SHA256><ExpectedFileSizeInBytes>` + strconv.Itoa(len(data)) + `</ExpectedFileSizeInBytes>` +
		`<FileEnumType>BROKERED_MEDIA_ISO</FileEnumType><TargetVirtualIOServerUUID>` + vios + `</TargetVirtualIOServerUUID></File:File>`)
}

// slowUpload sends data in chunks with pauses, so that a kill lands in
// the middle of uploads.
func slowUpload(c *client, id string, data []byte) (*response, error) {
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(data); off += 128 << 10 {
			if _, err := pw.Write(data[off:min(off+128<<10, len(data))]); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPut, c.base+"/rest/api/web/File/contents/"+id, pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Session", c.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{Method: "PUT", Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// leftovers lists the temporary files under a files directory: uploads in
// progress and the VIOSes' files being written.
func leftovers(files string) []string {
	var out []string
	filepath.WalkDir(files, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(files, p)
		if strings.HasPrefix(rel, "uploads"+string(filepath.Separator)) || strings.HasPrefix(d.Name(), ".vfs-tmp-") {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestKill9FileWrites: pvmd killed (SIGKILL) at random moments while
// uploads, viosbr -backup and backupios (through viosvrcmd) write their
// files, and bkprofdata killed while it writes its profile.bak. After
// each restart no temporary file is left (uploads, the VIOSes' files),
// every stored image belongs to a complete upload, and every acknowledged
// upload is there whole; pvmd removes what an interrupted scheduled
// backup left when it starts; after the kills of bkprofdata, the next one
// leaves no temporary file beside its target.
func TestKill9FileWrites(t *testing.T) {
	const cycles = 8
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	bakDir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked := map[string][32]byte{} // File UUID -> SHA-256 of what was acknowledged
	var mu sync.Mutex
	sawTemp := 0
	for cycle := 0; cycle <= cycles; cycle++ {
		d, err := launch(t, dir, startOpts{})
		if err != nil {
			t.Fatalf("cycle %d: start: %v", cycle, err)
		}
		c := newClient(d.BaseURL())
		if err := c.logon("padmin", adminPassword); err != nil {
			d.Kill()
			t.Fatal(err)
		}
		// What the previous kill left is gone, and what was acknowledged
		// is there.
		if l := leftovers(files); len(l) > 0 {
			d.Kill()
			t.Fatalf("cycle %d: after the restart, temporary files remain: %v", cycle, l)
		}
		complete := 0
		r, err := c.get("/rest/api/web/File")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == http.StatusOK {
			f, err := r.feed()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range f.Entries {
				if text(e.Content, "CurrentFileSizeInBytes") == text(e.Content, "ExpectedFileSizeInBytes") {
					complete++
				}
			}
		}
		media, _ := os.ReadDir(filepath.Join(files, "media"))
		if len(media) != complete {
			t.Errorf("cycle %d: %d stored images, %d complete uploads", cycle, len(media), complete)
		}
		for id, sum := range acked {
			r, err := c.get("/rest/api/web/File/contents/" + id)
			if err != nil || r.Status != http.StatusOK || sha256.Sum256(r.Body) != sum {
				t.Errorf("cycle %d: the acknowledged upload %s: %v %v", cycle, id, err, r)
			}
		}
		if cycle == cycles {
			c.close()
			if err := d.Stop(stopTimeout); err != nil {
				t.Error(err)
			}
			break
		}

		var vios1 string
		for _, e := range (tc{c, t}).mustFeed("/rest/api/uom/VirtualIOServer").Entries {
			if text(e.Content, "PartitionName") == "vios1" {
				vios1 = e.ID
			}
		}
		env := newCmdEnv(t, d)
		var killed atomic.Bool
		var wg sync.WaitGroup
		// Uploads.
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !killed.Load(); i++ {
					data := bytes.Repeat([]byte(fmt.Sprintf("k9 %d %d %d ", cycle, w, i)), 1<<20/16)
					r, err := c.do(context.Background(), http.MethodPut, "/rest/api/web/File",
						k9File(fmt.Sprintf("k9-%d-%d-%d.iso", cycle, w, i), vios1, data), "Content-Type", uom.MediaType(uom.ServiceWeb, "File"))
					if err != nil || r.Status != http.StatusOK {
						return
					}
					e, err := r.entry()
					if err != nil {
						return
					}
					if r, err := slowUpload(c, e.ID, data); err == nil && r.Status == http.StatusNoContent {
						mu.Lock()
						acked[e.ID] = sha256.Sum256(data)
						mu.Unlock()
					}
				}
			}()
		}
		// The VIOS commands that write files.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				cmd := "viosbr -backup -file k9cfg -frequency daily -numfiles 3"
				if i%2 == 1 {
					cmd = "backupios -file /home/padmin/k9.mksysb -mksysb"
				}
				x := exec.Command(filepath.Join(binDir, "viosvrcmd"), "--id", "2", "-c", cmd)
				x.Env, x.Dir = env.env, env.dir
				x.Run()
			}
		}()
		// bkprofdata, killed at random moments.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				x := exec.Command(filepath.Join(binDir, "bkprofdata"), "-m", sysName, "-o", "backup", "-f", filepath.Join(bakDir, "profile.bak"))
				x.Env, x.Dir = env.env, env.dir
				if x.Start() != nil {
					return
				}
				time.AfterFunc(time.Duration(rng.IntN(60))*time.Millisecond, func() { x.Process.Signal(syscall.SIGKILL) })
				x.Wait()
			}
		}()
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		killed.Store(true)
		d.Kill()
		wg.Wait()
		c.close()
		if l := leftovers(files); len(l) > 0 {
			sawTemp++
		}
	}
	t.Logf("%d kills, %d of them left temporary files to sweep; %d uploads acknowledged", cycles, sawTemp, len(acked))
	if sawTemp == 0 {
		t.Error("no kill landed while a file was being written: the test did not test what it says")
	}
	// A scheduled backup killed half way leaves its temporary file in the
	// backup directory: pvmd removes it when it starts.
	sched := filepath.Join(dir, "backups", "8247-21L*212E3CA")
	if err := os.MkdirAll(sched, 0o750); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(sched, ".system_hourly_05.bak.tmp123456")
	if err := os.WriteFile(stale, []byte("half a backup"), 0o640); err != nil {
		t.Fatal(err)
	}
	// bkprofdata: the next one sweeps what the killed ones left.
	d := startPVMD(t, dir, startOpts{})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the temporary file of an interrupted scheduled backup is still there after pvmd started: %v", err)
	}
	env := newCmdEnv(t, d)
	env.must("bkprofdata", "-m", sysName, "-o", "backup", "-f", filepath.Join(bakDir, "profile.bak"))
	ents, _ := os.ReadDir(bakDir)
	for _, e := range ents {
		if e.Name() != "profile.bak" {
			t.Errorf("beside profile.bak after bkprofdata: %s", e.Name())
		}
	}
}
