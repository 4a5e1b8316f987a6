package client

import (
	"context"
	"io"
	"net/http"

	"github.com/novalink-project/novalink/uom"
)

// DoStream sends one request whose body is read from body as it goes (a
// file's contents: PUT /rest/api/web/File/contents/<uuid>), under the
// session, logging on first when needed. size is the body's length in
// bytes (-1 when unknown: the body is sent chunked). If the server answers
// 401 (the session expired), the client logs on again and resends only
// when body is an io.Seeker (rewound to where it was); otherwise the 401
// is returned. Non-2xx answers become *Error.
func (c *Client) DoStream(ctx context.Context, method, path string, hdr http.Header, body io.Reader, size int64) (*Response, error) {
	if c.Token() == "" {
		if err := c.Logon(ctx); err != nil {
			return nil, err
		}
	}
	seeker, _ := body.(io.Seeker)
	var start int64
	if seeker != nil {
		p, err := seeker.Seek(0, io.SeekCurrent)
		if err != nil {
			seeker = nil
		}
		start = p
	}
	resp, err := c.sendStream(ctx, method, path, hdr, body, size)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized && seeker != nil {
		if _, err := seeker.Seek(start, io.SeekStart); err == nil {
			old := c.Token()
			c.mu.Lock()
			if c.token == old {
				c.token = ""
			}
			c.mu.Unlock()
			if err := c.Logon(ctx); err != nil {
				return nil, err
			}
			if resp, err = c.sendStream(ctx, method, path, hdr, body, size); err != nil {
				return nil, err
			}
		}
	}
	if resp.Status >= 400 {
		return resp, errorFrom(resp, method, path)
	}
	return resp, nil
}

func (c *Client) sendStream(ctx context.Context, method, path string, hdr http.Header, body io.Reader, size int64) (*Response, error) {
	// The transport closes a body that is an io.Closer: keep the
	// caller's file open (it may be resent or closed by the caller).
	req, err := http.NewRequestWithContext(ctx, method, c.resolve(path), io.NopCloser(body))
	if err != nil {
		return nil, err
	}
	if size >= 0 {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
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
	req.Header.Set("X-API-Session", c.Token())
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
