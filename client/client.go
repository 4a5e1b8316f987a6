// Package client is a Go client for the PowerVM REST API as NovaLink and
// the HMC serve it: logon by password or by local session file, logoff,
// automatic re-logon once on 401, feeds and entries with etags,
// create/update/delete, search, quick properties, jobs and the event feed.
//
// It depends only on the public uom package and the standard library, so it
// works against a real NovaLink or HMC as well as against pvmd.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// DefaultURL is where a local NovaLink serves plain HTTP.
const DefaultURL = "http://localhost:12080"

// Config says where and how to connect.
type Config struct {
	// URL is scheme://host:port of the REST server (DefaultURL if empty).
	URL string
	// User and Password select password logon. With no Password the client
	// uses local logon: the server writes a session token into a file only
	// the calling user can read (NovaLink only, over loopback HTTP).
	User     string
	Password string
	// CAFile trusts a PEM certificate (chain) for HTTPS; Insecure skips
	// certificate checks (self-signed servers).
	CAFile   string
	Insecure bool
	// AuditMemento is sent as X-Audit-Memento (default: the local user).
	AuditMemento string
	// Timeout bounds each request (default 20 minutes, as pypowervm).
	Timeout time.Duration
	// HTTPClient replaces the transport entirely (tests).
	HTTPClient *http.Client
	// Token starts with an existing session token (e.g. a cached one); it
	// is replaced transparently when the server says it has expired.
	Token string
	// OnToken is called whenever a new session token is obtained.
	OnToken func(token string)
}

// Client is a logged-on (or lazily logging-on) REST API session.
type Client struct {
	cfg    Config
	base   *url.URL
	hc     *http.Client
	mu     sync.Mutex
	token  string
	mcType string
	stream *http.Client // for virtual terminals (vterm.go)
}

// New returns a client. It does not contact the server: the first request
// logs on (unless cfg.Token is set).
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the REST server address %q is not a http:// or https:// URL", cfg.URL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Minute
	}
	if cfg.AuditMemento == "" {
		cfg.AuditMemento = os.Getenv("USER")
		if cfg.AuditMemento == "" {
			cfg.AuditMemento = "default"
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16
		tlsCfg := &tls.Config{InsecureSkipVerify: cfg.Insecure}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read the CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("the CA file %s holds no PEM certificate", cfg.CAFile)
			}
			tlsCfg.RootCAs = pool
		}
		tr.TLSClientConfig = tlsCfg
		hc = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, base: u, hc: hc, token: cfg.Token}, nil
}

// URL returns the server address.
func (c *Client) URL() string { return c.base.String() }

// Token returns the current session token ("" before logon).
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// MCType returns the X-MC-Type the server announced at logon: "PVM" for
// NovaLink, "HMC" otherwise ("" before logon).
func (c *Client) MCType() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mcType
}

// Error is an error answer of the server, from its HttpErrorResponse.
type Error struct {
	Status  int
	Reason  string
	Message string
	URI     string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("HTTP %d %s for %s", e.Status, e.Reason, e.URI)
}

// ConnectError says the server could not be reached at all.
type ConnectError struct {
	URL string
	Err error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("cannot connect to the PowerVM REST server at %s: %s", e.URL, describeNetErr(e.Err))
}

func (e *ConnectError) Unwrap() error { return e.Err }

func describeNetErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		var errno interface{ Error() string }
		if errors.As(op.Err, &errno) {
			msg := errno.Error()
			switch {
			case strings.Contains(msg, "connection refused"):
				return "connection refused (is pvmd / pvm-rest running?)"
			case strings.Contains(msg, "no such host"):
				return "unknown host"
			}
			return msg
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "unknown host " + dns.Name
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

// IsNotFound reports whether err is a 404 from the server.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Etag returns the ETag header without quotes.
func (r *Response) Etag() string { return strings.Trim(r.Header.Get("ETag"), `"`) }

// Do sends one request under the session, logging on first when needed and
// once more if the server answers 401 (the session expired). path is
// relative to the server ("/rest/api/uom/...") or absolute. Non-2xx/304
// answers become *Error.
func (c *Client) Do(ctx context.Context, method, path string, hdr http.Header, body []byte) (*Response, error) {
	if c.Token() == "" {
		if err := c.Logon(ctx); err != nil {
			return nil, err
		}
	}
	resp, err := c.send(ctx, method, path, hdr, body, true)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		old := c.Token()
		c.mu.Lock()
		if c.token == old {
			c.token = ""
		}
		c.mu.Unlock()
		if err := c.Logon(ctx); err != nil {
			return nil, err
		}
		resp, err = c.send(ctx, method, path, hdr, body, true)
		if err != nil {
			return nil, err
		}
	}
	if resp.Status >= 400 {
		return resp, errorFrom(resp, method, path)
	}
	return resp, nil
}

func (c *Client) resolve(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.base.String() + path
}

func (c *Client) send(ctx context.Context, method, path string, hdr http.Header, body []byte, withSession bool) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.resolve(path), rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", uom.MediaTypeAtom)
	}
	req.Header.Set("X-Audit-Memento", c.cfg.AuditMemento)
	if withSession {
		req.Header.Set("X-API-Session", c.Token())
	}
	r, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ConnectError{URL: c.base.String(), Err: err}
	}
	defer r.Body.Close()
	b, err := readAll(r)
	if err != nil {
		return nil, &ConnectError{URL: c.base.String(), Err: err}
	}
	return &Response{Status: r.StatusCode, Header: r.Header, Body: b}, nil
}

// readAll reads a body into a buffer sized from Content-Length when the
// server gives one (feeds are large: no repeated growing).
func readAll(r *http.Response) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n < 1<<30 {
		b := make([]byte, n)
		_, err := io.ReadFull(r.Body, b)
		return b, err
	}
	// Streamed (chunked) feeds: grow by doubling from 64 KB.
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}

// errorFrom turns an error answer into *Error, reading its
// HttpErrorResponse when there is one.
func errorFrom(resp *Response, method, path string) error {
	e := &Error{Status: resp.Status, Reason: http.StatusText(resp.Status), URI: path}
	if el, err := uom.DecodeBytes(resp.Body); err == nil {
		content := el
		if ent, err := uom.ParseEntry(el); err == nil && ent.Content != nil {
			content = ent.Content
		}
		if content.Local == "HttpErrorResponse" {
			e.Message, _ = content.FindText("Message")
			if r, ok := content.FindText("ReasonCode"); ok {
				e.Reason = r
			}
			if u, ok := content.FindText("RequestURI"); ok && u != "" {
				e.URI = u
			}
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("%s %s: HTTP %d %s", method, path, resp.Status, e.Reason)
	}
	return e
}

// Logon creates a session: by password when one is configured, otherwise
// by local session file.
func (c *Client) Logon(ctx context.Context) error {
	user := c.cfg.User
	var body string
	local := c.cfg.Password == ""
	if local {
		if user == "" {
			user = c.cfg.AuditMemento
		}
		body = `<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_1_0"><Metadata><Atom/></Metadata><UserID>` +
			uom.EscapeString(user) + `</UserID><GenerateX-API-SessionFile>true</GenerateX-API-SessionFile></LogonRequest>`
	} else {
		body = `<LogonRequest xmlns="` + uom.NSWeb + `" schemaVersion="V1_1_0"><Metadata><Atom/></Metadata><UserID>` +
			uom.EscapeString(user) + `</UserID><Password>` + uom.EscapeString(c.cfg.Password) + `</Password></LogonRequest>`
	}
	hdr := http.Header{}
	hdr.Set("Content-Type", uom.MediaType(uom.ServiceWeb, "LogonRequest"))
	hdr.Set("Accept", uom.MediaType(uom.ServiceWeb, "LogonResponse"))
	resp, err := c.send(ctx, http.MethodPut, "/rest/api/web/Logon", hdr, []byte(body), false)
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return errorFrom(resp, http.MethodPut, "/rest/api/web/Logon")
	}
	el, err := uom.DecodeBytes(resp.Body)
	if err != nil {
		return fmt.Errorf("logon: the server's LogonResponse is not XML: %w", err)
	}
	var tok string
	if local {
		file, ok := el.FindText("X-API-SessionFile")
		if !ok || file == "" {
			return fmt.Errorf("logon: the server did not name a session file (local logon needs NovaLink)")
		}
		b, err := readSessionFile(file)
		if err != nil {
			return fmt.Errorf("logon: read the session file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	} else {
		tok, _ = el.FindText("X-API-Session")
	}
	if tok == "" {
		return fmt.Errorf("logon: the server returned no session token")
	}
	mc := resp.Header.Get("X-MC-Type")
	if mc == "" {
		mc = "HMC"
	}
	c.mu.Lock()
	c.token = tok
	c.mcType = mc
	c.mu.Unlock()
	if c.cfg.OnToken != nil {
		c.cfg.OnToken(tok)
	}
	return nil
}

// Logoff ends the session.
func (c *Client) Logoff(ctx context.Context) error {
	if c.Token() == "" {
		return nil
	}
	resp, err := c.send(ctx, http.MethodDelete, "/rest/api/web/Logon", nil, nil, true)
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if resp.Status >= 400 && resp.Status != http.StatusUnauthorized {
		return errorFrom(resp, http.MethodDelete, "/rest/api/web/Logon")
	}
	return nil
}

// maxSessionFile bounds what is read of a session file (a token): the
// server names the file, and must not make the client read without end.
const maxSessionFile = 4096

// readSessionFile reads the session file of a local logon: a regular
// file of a few bytes.
func readSessionFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSessionFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSessionFile {
		return nil, fmt.Errorf("%s is larger than a session token (%d bytes)", path, maxSessionFile)
	}
	return b, nil
}
