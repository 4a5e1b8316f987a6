package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// Media types the tests send, as pypowervm does.
var (
	typeLogonRequest  = uom.MediaType(uom.ServiceWeb, "LogonRequest")
	typeLogonResponse = uom.MediaType(uom.ServiceWeb, "LogonResponse")
	typeJobRequest    = uom.MediaType(uom.ServiceWeb, "JobRequest")
)

func uomType(kind string) string { return uom.MediaType(uom.ServiceUOM, kind) }

// client is a minimal PowerVM REST client for the tests. Its methods return
// errors (so goroutines can use them); the must* variants fail the test.
type client struct {
	base  string
	hc    *http.Client
	token string
}

func newClient(base string) *client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		MaxIdleConnsPerHost: 16,
		DisableCompression:  true,
	}
	return &client{base: base, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// close drops the client's idle connections.
func (c *client) close() { c.hc.CloseIdleConnections() }

// response is a read HTTP response.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

func (r *response) String() string {
	b := string(r.Body)
	if len(b) > 2000 {
		b = b[:2000] + "..."
	}
	return fmt.Sprintf("%s %s -> %d\n%s", r.Method, r.Path, r.Status, b)
}

// do sends a request. hdr is pairs of header name and value.
func (c *client) do(ctx context.Context, method, path string, body []byte, hdr ...string) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("X-API-Session", c.token)
	}
	req.Header.Set("Accept", uom.MediaTypeAtom)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", method, path, err)
	}
	return &response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func (c *client) get(path string, hdr ...string) (*response, error) {
	return c.do(context.Background(), http.MethodGet, path, nil, hdr...)
}

func (c *client) delete(path string, hdr ...string) (*response, error) {
	return c.do(context.Background(), http.MethodDelete, path, nil, hdr...)
}

// put sends an object (kind names the uom type) to create it.
func (c *client) put(path, kind string, body []byte, hdr ...string) (*response, error) {
	return c.do(context.Background(), http.MethodPut, path, body, append([]string{"Content-Type", uomType(kind)}, hdr...)...)
}

// post sends an object update.
func (c *client) post(path, kind string, body []byte, hdr ...string) (*response, error) {
	return c.do(context.Background(), http.MethodPost, path, body, append([]string{"Content-Type", uomType(kind)}, hdr...)...)
}

// logonBody is the LogonRequest pypowervm sends.
func logonBody(user, password string, file bool) []byte {
	inner := "<Password>" + uom.EscapeString(password) + "</Password>"
	if file {
		inner = "<GenerateX-API-SessionFile>true</GenerateX-API-SessionFile>"
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_0">` + "\n" +
		`    <UserID>` + uom.EscapeString(user) + `</UserID>` + "\n    " + inner + "\n</LogonRequest>")
}

// logonRaw sends a LogonRequest and returns the response.
func (c *client) logonRaw(user, password string, file bool) (*response, error) {
	return c.do(context.Background(), http.MethodPut, "/rest/api/web/Logon", logonBody(user, password, file),
		"Content-Type", typeLogonRequest, "Accept", typeLogonResponse)
}

// logon logs on with a password and keeps the session token.
func (c *client) logon(user, password string) error {
	r, err := c.logonRaw(user, password, false)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("logon: %s", r)
	}
	el, err := uom.DecodeBytes(r.Body)
	if err != nil {
		return fmt.Errorf("logon: decoding the LogonResponse: %v", err)
	}
	if el.Local != "LogonResponse" || el.Space != uom.NSWeb {
		return fmt.Errorf("logon: got <%s> in %q, want a LogonResponse", el.Local, el.Space)
	}
	tok, ok := el.FindText("X-API-Session")
	if !ok || tok == "" {
		return fmt.Errorf("logon: no X-API-Session in %s", r.Body)
	}
	c.token = tok
	return nil
}

// entry parses an Atom entry body.
func (r *response) entry() (*uom.Entry, error) {
	el, err := uom.DecodeBytes(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", r.Method, r.Path, err)
	}
	return uom.ParseEntry(el)
}

// feed parses an Atom feed body.
func (r *response) feed() (*uom.Feed, error) {
	el, err := uom.DecodeBytes(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", r.Method, r.Path, err)
	}
	return uom.ParseFeed(el)
}

// httpError parses the HttpErrorResponse of an error answer.
func (r *response) httpError() (*uom.Element, error) {
	e, err := r.entry()
	if err != nil {
		return nil, err
	}
	if e.Content == nil || e.Content.Local != "HttpErrorResponse" || e.Content.Space != uom.NSWeb {
		return nil, fmt.Errorf("%s %s: the error body is not an HttpErrorResponse: %s", r.Method, r.Path, r.Body)
	}
	return e.Content, nil
}

// tc wraps a client with a test for the must* helpers.
type tc struct {
	*client
	t testing.TB
}

func (c tc) mustLogon() {
	c.t.Helper()
	if err := c.logon("padmin", adminPassword); err != nil {
		c.t.Fatal(err)
	}
}

// expect sends a request and fails the test unless the status is want.
func (c tc) expect(want int, method, path string, body []byte, hdr ...string) *response {
	c.t.Helper()
	r, err := c.do(context.Background(), method, path, body, hdr...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.Status != want {
		c.t.Fatalf("want status %d, got %s", want, r)
	}
	return r
}

func (c tc) mustFeed(path string) *uom.Feed {
	c.t.Helper()
	r := c.expect(http.StatusOK, http.MethodGet, path, nil)
	f, err := r.feed()
	if err != nil {
		c.t.Fatalf("%v\n%s", err, r)
	}
	return f
}

func (c tc) mustEntry(path string) (*uom.Entry, *response) {
	c.t.Helper()
	r := c.expect(http.StatusOK, http.MethodGet, path, nil)
	e, err := r.entry()
	if err != nil {
		c.t.Fatalf("%v\n%s", err, r)
	}
	return e, r
}

// mustHTTPError checks that r is an HttpErrorResponse with the status of
// the response and returns its Message.
func (c tc) mustHTTPError(r *response) string {
	c.t.Helper()
	he, err := r.httpError()
	if err != nil {
		c.t.Fatal(err)
	}
	if s, _ := he.FindText("HTTPStatus"); s != fmt.Sprint(r.Status) {
		c.t.Errorf("%s %s: HttpErrorResponse/HTTPStatus %q, response status %d", r.Method, r.Path, s, r.Status)
	}
	msg, _ := he.FindText("Message")
	return msg
}

// text returns the text at path under el ("" when absent).
func text(el *uom.Element, path string) string {
	s, _ := el.FindText(path)
	return s
}
