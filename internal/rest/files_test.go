package rest_test

// The web File service against the captures (file_feed.txt,
// upload_file.txt): our File records have the captured elements, in the
// captured order, with the captured access attributes; and a round trip
// of an ISO image through an upload and a download.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/capture"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// captureFiles returns the File objects (web namespace) of a capture.
func captureFiles(t *testing.T, file string) []*uom.Element {
	t.Helper()
	rs, err := capture.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []*uom.Element
	for _, r := range rs {
		doc, err := uom.DecodeBytes(r.Body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, o := range objectsOf(t, doc) {
			if o.Local == "File" && o.Space == uom.NSWeb {
				out = append(out, o)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no File", file)
	}
	return out
}

func TestFileRecordsMatchCaptures(t *testing.T) {
	if d, ok := capture.Dir(); !ok {
		t.Fatalf("fixtures directory %s not found", d)
	}
	h := newStorageHarness(t)
	lu := h.createLU(`<UnitCapacity>1</UnitCapacity><LogicalUnitType>VirtualIO_Image</LogicalUnitType><UnitName>boot_c3f7b1e7</UnitName>`)
	img := h.createFile(fileBody("boot_c3f7b1e7", model.FileImage, h.vios1, 4096, sha256Hex(make([]byte, 4096)), text(lu.Content, "UniqueDeviceID")))
	if resp, data := h.upload(img.ID, make([]byte, 4096), true); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %s\n%s", resp.Status, data)
	}
	iso := h.createFile(fileBody("dsafjfsakjdhf_b2460263_config.iso", model.FileISO, h.vios1, 419840, "", ""))

	var ours []*uom.Element
	entries := h.feed("/rest/api/web/File")
	if len(entries) != 2 {
		t.Fatalf("the File feed has %d entries", len(entries))
	}
	for _, e := range append(entries, h.entry("/rest/api/web/File/"+iso.ID)) {
		if e.ContentType != uom.MediaType(uom.ServiceWeb, "File") || e.Content == nil || e.Content.Space != uom.NSWeb {
			t.Fatalf("entry %s: content type %q", e.ID, e.ContentType)
		}
		if e.Content.Attr("schemaVersion") == "" || text(e.Content, "Metadata/Atom/AtomID") != e.ID || text(e.Content, "FileUUID") != e.ID {
			t.Fatalf("File %s: %s", e.ID, e.Content)
		}
		ours = append(ours, e.Content)
	}
	for _, o := range ours {
		want := "0"
		if text(o, "Filename") == "boot_c3f7b1e7" {
			want = "4096"
		} else if o.Child("SHA256") != nil {
			t.Error("a File made without SHA256 renders one")
		}
		if got := text(o, "CurrentFileSizeInBytes"); got != want {
			t.Errorf("%s: CurrentFileSizeInBytes %s, want %s", text(o, "Filename"), got, want)
		}
	}

	// What the captures show of each element: its kb, and the orders.
	kb := map[string]string{}
	var caps []*uom.Element
	var files []string
	for _, file := range []string{"file_feed.txt", "upload_file.txt"} {
		for _, c := range captureFiles(t, file) {
			caps = append(caps, c)
			files = append(files, file)
			for _, ch := range c.Children {
				if ch.Local != "Metadata" {
					kb[ch.Local] = ch.Attr("kb")
				}
			}
		}
	}
	// SHA256 is no capture's: pypowervm's File.bld writes it between
	// InternetMediaType and ExpectedFileSizeInBytes.
	kb["SHA256"] = "COR"
	var found problems
	for _, o := range ours {
		for _, ch := range o.Children {
			if ch.Local == "Metadata" {
				continue
			}
			want, ok := kb[ch.Local]
			if !ok {
				t.Errorf("File/%s: in no captured File", ch.Local)
				continue
			}
			if got := ch.Attr("kb"); got != want {
				t.Errorf("File/%s: kb=%q, the captures have %q", ch.Local, got, want)
			}
		}
		for i, c := range caps {
			checkCaptureOrder("GET File "+text(o, "Filename"), orderOf(o), files[i], orderOf(c), &found)
		}
	}
	for _, l := range found.lines() {
		t.Errorf("(d) out of capture order: %s", l)
	}

	// An ISO's contents read back as uploaded.
	data := bytes.Repeat([]byte("ISO9660 "), 419840/8)
	if resp, body := h.upload(iso.ID, data, false); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload the ISO: %s\n%s", resp.Status, body)
	}
	resp, body := h.req(http.MethodGet, "/rest/api/web/File/contents/"+iso.ID, "", nil, 0)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download: %s, %d bytes", resp.Status, len(body))
	}
	resp, body = h.req(http.MethodGet, "/rest/api/web/File/contents/"+img.ID, "", nil, 0)
	h.expectError("download of a disk image", resp, body, http.StatusNotFound, "no contents")
}

// gatedReader returns nothing until gate is closed, then r.
type gatedReader struct {
	gate <-chan struct{}
	r    io.Reader
}

func (g gatedReader) Read(p []byte) (int, error) {
	<-g.gate
	return g.r.Read(p)
}

// waitUploadBytes waits until a file under dir/uploads holds at least n
// bytes (the server has read that much of an upload).
func waitUploadBytes(t *testing.T, dir string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir(filepath.Join(dir, "uploads"))
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && fi.Size() >= n {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the server did not receive %d bytes of the upload", n)
}

// TestUploadsOfOneFileDoNotMix: two uploads of one File at the same time,
// one with the bytes the File's SHA-256 names and one with others. The
// second is refused while the first is in progress, and what lands is
// exactly the upload that was accepted, whichever comes first.
func TestUploadsOfOneFileDoNotMix(t *testing.T) {
	for _, firstGood := range []bool{false, true} {
		t.Run(fmt.Sprintf("first-good=%v", firstGood), func(t *testing.T) {
			h := newStorageHarness(t)
			const size = 1 << 20
			good := bytes.Repeat([]byte("good"), size/4)
			bad := bytes.Repeat([]byte("BAD!"), size/4)
			f := h.createFile(fileBody("race.iso", model.FileISO, h.vios1, size, sha256Hex(good), ""))
			first, second := bad, good
			if firstGood {
				first, second = good, bad
			}
			gate := make(chan struct{})
			type result struct {
				status int
				body   []byte
				err    error
			}
			done := make(chan result, 1)
			go func() {
				req, _ := http.NewRequest(http.MethodPut, h.ts.URL+"/rest/api/web/File/contents/"+f.ID,
					io.MultiReader(bytes.NewReader(first[:size/2]), gatedReader{gate, bytes.NewReader(first[size/2:])}))
				req.ContentLength = -1
				req.Header.Set("Content-Type", "application/octet-stream")
				req.Header.Set("X-API-Session", h.token)
				resp, err := h.ts.Client().Do(req)
				if err != nil {
					done <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				done <- result{status: resp.StatusCode, body: b}
			}()
			waitUploadBytes(t, h.files, size/2)
			resp2, body2 := h.upload(f.ID, second, true)
			close(gate)
			r1 := <-done
			if r1.err != nil {
				t.Fatal(r1.err)
			}
			if resp2.StatusCode != http.StatusConflict || !strings.Contains(string(body2), "being uploaded by another request") {
				t.Errorf("the second upload, during the first: %s\n%s", resp2.Status, body2)
			}
			want := http.StatusBadRequest
			if firstGood {
				want = http.StatusNoContent
			}
			if r1.status != want {
				t.Fatalf("the first upload: %d, want %d\n%s", r1.status, want, r1.body)
			}
			if !firstGood {
				// The client tries again with the right bytes.
				if resp, body := h.upload(f.ID, good, true); resp.StatusCode != http.StatusNoContent {
					t.Fatalf("the good upload after the refused one: %s\n%s", resp.Status, body)
				}
			}
			resp, body := h.req(http.MethodGet, "/rest/api/web/File/contents/"+f.ID, "", nil, 0)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, good) {
				t.Fatalf("the stored media is not the accepted upload: %s, %d bytes, sha256 %s (accepted %s)",
					resp.Status, len(body), sha256Hex(body), sha256Hex(good))
			}
			if ents, _ := os.ReadDir(filepath.Join(h.files, "uploads")); len(ents) != 0 {
				t.Errorf("uploads left behind: %v", ents)
			}
		})
	}
}
