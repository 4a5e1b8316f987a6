package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// TestLocalLogon: a LogonRequest with GenerateX-API-SessionFile on the
// local HTTP port answers with a session file only its user can read; the
// HTTPS port refuses it.
func TestLocalLogon(t *testing.T) {
	dir := t.TempDir()
	d := startPVMD(t, dir, startOpts{})
	c := tc{newClient(d.BaseURL()), t}
	defer c.close()

	r, err := c.logonRaw("", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK {
		t.Fatalf("local logon: %s", r)
	}
	if got := r.Header.Get("X-MC-Type"); got != "PVM" {
		t.Errorf("X-MC-Type %q, want PVM (pypowervm refuses file logon on an HMC)", got)
	}
	el, err := uom.DecodeBytes(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if el.Local != "LogonResponse" || el.Space != uom.NSWeb {
		t.Fatalf("want a LogonResponse, got %s", r)
	}
	if _, ok := el.FindText("X-API-Session"); ok {
		t.Errorf("a local logon answered with the token itself: %s", r.Body)
	}
	file := text(el, "X-API-SessionFile")
	if file == "" {
		t.Fatalf("no X-API-SessionFile in %s", r.Body)
	}
	sessDir, err := filepath.EvalSymlinks(filepath.Join(dir, "sessions"))
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		t.Fatalf("session file %s: %v", file, err)
	}
	// <session-dir>/<user>/session-*: the user's own directory, 0700.
	userDir := filepath.Dir(real)
	if filepath.Dir(userDir) != sessDir {
		t.Errorf("session file %s is not in a directory of %s", real, sessDir)
	}
	if ui, err := os.Stat(userDir); err != nil || ui.Mode().Perm() != 0o700 {
		t.Errorf("the user's session directory %s: %v %v, want mode 0700", userDir, ui.Mode(), err)
	}
	if si, err := os.Stat(sessDir); err != nil || si.Mode().Perm() != 0o711 {
		t.Errorf("the session directory %s: %v %v, want mode 0711", sessDir, si.Mode(), err)
	}
	if !filepath.IsAbs(file) {
		t.Errorf("session file path %q is not absolute", file)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
		t.Errorf("session file mode %v, want -rw-------", fi.Mode())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		t.Fatal("the session file is empty")
	}
	c.token = tok
	c.mustFeed(pathMS)

	// A local logon is for local HTTP only.
	tlsc := newClient(d.BaseTLS())
	defer tlsc.close()
	r, err = tlsc.logonRaw("", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("local logon over HTTPS: want 401, got %s", r)
	}
	tc{tlsc, t}.mustHTTPError(r)

	// Log off removes the session file.
	c.expect(http.StatusNoContent, http.MethodDelete, "/rest/api/web/Logon", nil)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("session file still there after logoff (%v)", err)
	}
	c.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
}

// TestSessionExpiryAndLogoff: idle sessions expire; DELETE Logon ends one.
func TestSessionExpiryAndLogoff(t *testing.T) {
	d := startPVMD(t, t.TempDir(), startOpts{Flags: []string{"--session-idle", "1s"}})
	c := tc{newClient(d.BaseURL()), t}
	defer c.close()

	// No session, a bad session.
	r := c.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
	c.mustHTTPError(r)
	c.token = "not-a-session"
	c.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
	// A wrong password.
	if err := c.logon("padmin", "wrong"); err == nil {
		t.Fatal("logon with a wrong password succeeded")
	}
	r, err := c.logonRaw("padmin", "wrong", false)
	if err != nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: want 401, got %v %v", r, err)
	}

	// A local session as well: its file goes when it expires.
	local := newClient(d.BaseURL())
	defer local.close()
	lr, err := local.logonRaw("", "", true)
	if err != nil || lr.Status != http.StatusOK {
		t.Fatalf("local logon: %v %v", lr, err)
	}
	lel, err := uom.DecodeBytes(lr.Body)
	if err != nil {
		t.Fatal(err)
	}
	sessFile := text(lel, "X-API-SessionFile")
	tok, err := os.ReadFile(sessFile)
	if err != nil {
		t.Fatal(err)
	}
	local.token = strings.TrimSpace(string(tok))

	c.mustLogon()
	// Requests keep the session alive.
	for i := 0; i < 3; i++ {
		c.expect(http.StatusOK, http.MethodGet, pathMS, nil)
		time.Sleep(400 * time.Millisecond)
	}
	time.Sleep(1300 * time.Millisecond)
	r = c.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
	c.mustHTTPError(r)
	tc{local, t}.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
	if _, err := os.Stat(sessFile); !os.IsNotExist(err) {
		t.Errorf("the session file of an expired local session is still there (%v)", err)
	}

	c.mustLogon()
	c.expect(http.StatusOK, http.MethodGet, pathMS, nil)
	r, err = c.delete("/rest/api/web/Logon")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusNoContent && r.Status != http.StatusOK {
		t.Fatalf("logoff: %s", r)
	}
	c.expect(http.StatusUnauthorized, http.MethodGet, pathMS, nil)
	c.expect(http.StatusUnauthorized, http.MethodDelete, "/rest/api/web/Logon", nil)
}

// TestHTTPS: the HTTPS port serves the same API with a self-signed
// certificate made under <state-dir>/tls.
func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	d := startPVMD(t, dir, startOpts{})
	c := tc{newClient(d.BaseTLS()), t}
	defer c.close()
	c.mustLogon()
	r := c.expect(http.StatusOK, http.MethodGet, pathMS, nil)
	if r.Header.Get("X-MC-Type") != "PVM" {
		t.Errorf("X-MC-Type %q", r.Header.Get("X-MC-Type"))
	}
	f, err := r.feed()
	if err != nil || len(f.Entries) != 1 {
		t.Fatalf("ManagedSystem over HTTPS: %v %s", err, r)
	}
	if self := f.SelfLink(); !strings.HasPrefix(self, "https://"+d.HTTPS+"/") {
		t.Errorf("feed SELF link %q, want an https URL of this server", self)
	}
	c.mustFeed(pathLPAR)

	// The certificate pvmd serves is the self-signed one in <dir>/tls.
	pemBytes, err := os.ReadFile(filepath.Join(dir, "tls", "server.crt"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatal("tls/server.crt is not PEM")
	}
	onDisk, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := onDisk.CheckSignature(onDisk.SignatureAlgorithm, onDisk.RawTBSCertificate, onDisk.Signature); err != nil ||
		!bytes.Equal(onDisk.RawIssuer, onDisk.RawSubject) {
		t.Errorf("the certificate is not self-signed: %v (issuer %s, subject %s)", err, onDisk.Issuer, onDisk.Subject)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls", "server.key")); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("tls/server.key: %v %v (want no group/other access)", fi.Mode(), err)
	}
	conn, err := tls.Dial("tcp", d.HTTPS, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	served := conn.ConnectionState().PeerCertificates
	conn.Close()
	if len(served) == 0 || !bytes.Equal(served[0].Raw, onDisk.Raw) {
		t.Error("the served certificate is not tls/server.crt")
	}
	// Plain HTTP on the TLS port is not served as the API.
	plain := newClient("http://" + d.HTTPS)
	defer plain.close()
	if r, err := plain.get(pathMS); err == nil && r.Status == http.StatusOK {
		t.Error("the HTTPS port answered plain HTTP with 200")
	}
}

// TestShutdownEndsPolls: SIGTERM ends waiting event polls at once, so
// pvmd exits promptly (0) even with a long --event-wait; the poll is
// answered (204, nothing came) before pvmd exits, not cut off.
func TestShutdownEndsPolls(t *testing.T) {
	d, err := launch(t, t.TempDir(), startOpts{Flags: []string{"--event-wait", "60s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Kill()
	c := tc{newClient(d.BaseURL()), t}
	defer c.close()
	c.mustLogon()
	r := c.expect(http.StatusOK, http.MethodGet, eventPath("e2e-shutdown"), nil)
	if evs, err := parseEvents(r); err != nil || len(evs) == 0 || evs[0].Type != "NEW_CLIENT" {
		t.Fatalf("first poll: %v %+v", err, evs)
	}
	done := make(chan error, 1)
	go func() {
		r, err := c.get(eventPath("e2e-shutdown"))
		if err == nil && r.Status != http.StatusNoContent {
			err = fmt.Errorf("answered %d, want 204", r.Status)
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the poll is waiting
	start := time.Now()
	if err := d.Stop(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("pvmd exited %v after SIGTERM with a poll waiting", time.Since(start).Round(time.Millisecond))
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the waiting event poll: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the waiting event poll did not end after pvmd stopped")
	}
}
