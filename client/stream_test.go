package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/uom"
)

// fileServer accepts logons (a new token each) and file contents; it
// answers 401 to the first contents request when expire is set.
type fileServer struct {
	mu       sync.Mutex
	logons   int
	expire   bool
	bodies   [][]byte
	lengths  []int64
	types    []string
	sessions []string
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/rest/api/web/Logon":
		f.logons++
		fmt.Fprintf(w, `<LogonResponse xmlns="%s" schemaVersion="V1_1_0"><X-API-Session>tok%d</X-API-Session></LogonResponse>`, uom.NSWeb, f.logons)
	case strings.HasPrefix(r.URL.Path, "/rest/api/web/File/contents/"):
		b, _ := io.ReadAll(r.Body)
		if f.expire {
			f.expire = false
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/rest/api/web/File/contents/bad" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<HttpErrorResponse xmlns="%s"><HTTPStatus>400</HTTPStatus><Message>[PVME01050410-0002] The checksum does not match.</Message></HttpErrorResponse>`, uom.NSWeb)
			return
		}
		f.bodies = append(f.bodies, b)
		f.lengths = append(f.lengths, r.ContentLength)
		f.types = append(f.types, r.Header.Get("Content-Type"))
		f.sessions = append(f.sessions, r.Header.Get("X-API-Session"))
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func TestDoStream(t *testing.T) {
	fs := &fileServer{}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	cl, err := client.New(client.Config{URL: srv.URL, User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/octet-stream")
	data := bytes.Repeat([]byte("0123456789"), 100000)

	// Streamed with its length, under the session.
	if _, err := cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/a", hdr, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if len(fs.bodies) != 1 || !bytes.Equal(fs.bodies[0], data) || fs.lengths[0] != int64(len(data)) ||
		fs.types[0] != "application/octet-stream" || fs.sessions[0] != "tok1" {
		t.Fatalf("received %d bodies, length %v, type %v, session %v", len(fs.bodies), fs.lengths, fs.types, fs.sessions)
	}

	// An expired session: a seekable body is sent again, whole, after a
	// new logon.
	fs.expire = true
	r := bytes.NewReader(data)
	if _, err := cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/b", hdr, r, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if len(fs.bodies) != 2 || !bytes.Equal(fs.bodies[1], data) || fs.sessions[1] != "tok2" || fs.logons != 2 {
		t.Fatalf("after re-logon: %d bodies, sessions %v, %d logons", len(fs.bodies), fs.sessions, fs.logons)
	}

	// A body that cannot be read again is not resent.
	fs.expire = true
	_, err = cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/c", hdr, io.MultiReader(bytes.NewReader(data)), -1)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized || len(fs.bodies) != 2 {
		t.Fatalf("unseekable body after 401: %v (%d bodies)", err, len(fs.bodies))
	}

	// The server's refusal comes back as its message.
	_, err = cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/bad", hdr, strings.NewReader("x"), 1)
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest || ce.Message != "[PVME01050410-0002] The checksum does not match." {
		t.Fatalf("refusal: %v", err)
	}

	// An empty body, chunked when the length is unknown.
	if _, err := cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/d", hdr, strings.NewReader(""), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.DoStream(ctx, http.MethodPut, "/rest/api/web/File/contents/e", hdr, strings.NewReader("abc"), -1); err != nil {
		t.Fatal(err)
	}
	if n := len(fs.bodies); n != 4 || len(fs.bodies[2]) != 0 || string(fs.bodies[3]) != "abc" || fs.lengths[3] != -1 {
		t.Fatalf("%d bodies, lengths %v", n, fs.lengths)
	}
}
