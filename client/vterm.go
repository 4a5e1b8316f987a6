package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Virtual terminals: pvmd serves a partition's console on its REST port
// as an upgraded HTTP/1.1 stream (GET /rest/api/web/VirtualTerminal/{uuid}
// with Upgrade: pvm-vterm), under the same session as every other
// request. A real NovaLink or HMC serves no such stream: there, consoles
// are opened with their own mkvterm.

// VtermProtocol is the Upgrade token of a virtual terminal stream.
const VtermProtocol = "pvm-vterm"

// Kinds of virtual terminal holders.
const (
	VtermTerminal = "tty" // a terminal (mkvterm)
	VtermVNC      = "vnc" // a VNC server (mkvtermutil)
)

// VtermOptions say who opens a console: the server tells a second opener
// who holds it.
type VtermOptions struct {
	Kind     string // VtermTerminal (default) or VtermVNC
	PID      int    // the holder's process ID
	Port     int    // the VNC port (VtermVNC)
	Codepage string // IBM i console code page ("037" ...), optional
}

// VtermInUse is the answer for a console that another session holds.
type VtermInUse struct {
	Kind     string
	PID      int
	Port     int
	Codepage string
	Message  string
}

func (e *VtermInUse) Error() string { return e.Message }

// OpenVterm opens the console of a partition (LogicalPartition or
// VirtualIOServer UUID) and returns its stream: what is read is what the
// partition prints, what is written is typed on it. ctx bounds the
// opening only. A console already open fails with *VtermInUse, an unknown
// partition with a 404 *Error.
func (c *Client) OpenVterm(ctx context.Context, partitionUUID string, o VtermOptions) (io.ReadWriteCloser, error) {
	if c.Token() == "" {
		if err := c.Logon(ctx); err != nil {
			return nil, err
		}
	}
	rwc, err := c.openVterm(ctx, partitionUUID, o)
	if e, ok := err.(*Error); ok && e.Status == http.StatusUnauthorized {
		c.mu.Lock()
		c.token = ""
		c.mu.Unlock()
		if err := c.Logon(ctx); err != nil {
			return nil, err
		}
		rwc, err = c.openVterm(ctx, partitionUUID, o)
	}
	return rwc, err
}

func (c *Client) openVterm(ctx context.Context, uuid string, o VtermOptions) (io.ReadWriteCloser, error) {
	path := "/rest/api/web/VirtualTerminal/" + uuid
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.resolve(path), nil)
	if err != nil {
		return nil, err
	}
	h := req.Header
	h.Set("Connection", "Upgrade")
	h.Set("Upgrade", VtermProtocol)
	h.Set("X-API-Session", c.Token())
	h.Set("X-Audit-Memento", c.cfg.AuditMemento)
	if o.Kind != "" {
		h.Set("X-PVM-Vterm-Kind", o.Kind)
	}
	if o.PID != 0 {
		h.Set("X-PVM-Vterm-PID", strconv.Itoa(o.PID))
	}
	if o.Port != 0 {
		h.Set("X-PVM-Vterm-Port", strconv.Itoa(o.Port))
	}
	if o.Codepage != "" {
		h.Set("X-PVM-Vterm-Codepage", o.Codepage)
	}
	resp, err := c.streamClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ConnectError{URL: c.base.String(), Err: err}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		rwc, ok := resp.Body.(io.ReadWriteCloser)
		if !ok || !strings.EqualFold(resp.Header.Get("Upgrade"), VtermProtocol) {
			resp.Body.Close()
			return nil, fmt.Errorf("the server switched to %q, not to a virtual terminal", resp.Header.Get("Upgrade"))
		}
		return rwc, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &ConnectError{URL: c.base.String(), Err: err}
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	e := errorFrom(r, http.MethodGet, path)
	if kind := resp.Header.Get("X-PVM-Vterm-Kind"); resp.StatusCode == http.StatusConflict && kind != "" {
		pid, _ := strconv.Atoi(resp.Header.Get("X-PVM-Vterm-PID"))
		port, _ := strconv.Atoi(resp.Header.Get("X-PVM-Vterm-Port"))
		return nil, &VtermInUse{Kind: kind, PID: pid, Port: port, Codepage: resp.Header.Get("X-PVM-Vterm-Codepage"), Message: e.Error()}
	}
	return nil, e
}

// streamClient is an HTTP/1.1 client without a timeout (a stream lives
// as long as the session): the client's transport, with HTTP/2 off.
func (c *Client) streamClient() *http.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream != nil {
		return c.stream
	}
	var tr *http.Transport
	switch t := c.hc.Transport.(type) {
	case *http.Transport:
		tr = t.Clone()
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	default:
		// A transport of the caller's (tests): use it as it is.
		c.stream = &http.Client{Transport: c.hc.Transport}
		return c.stream
	}
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if tr.TLSClientConfig != nil {
		tr.TLSClientConfig = tr.TLSClientConfig.Clone()
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	c.stream = &http.Client{Transport: tr}
	return c.stream
}
