package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/novalink-project/novalink/uom"
)

// UOM returns the path of an object or feed in the uom service:
// UOM("ManagedSystem", id, "LogicalPartition") is
// /rest/api/uom/ManagedSystem/<id>/LogicalPartition.
func UOM(parts ...string) string {
	var b strings.Builder
	b.WriteString("/rest/api/uom")
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// ReadOptions tune a read.
type ReadOptions struct {
	// Groups is the ?group= selection: nil for the server's default (all),
	// []string{"None"} for none, or named extended attribute groups.
	Groups []string
	// IfNoneMatch makes the server answer 304 when the etag still matches;
	// then NotModified is true and the result is nil.
	IfNoneMatch string
}

func withGroups(path string, groups []string) string {
	if groups == nil {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "group=" + strings.Join(groups, ",")
}

func readHeaders(o ReadOptions) http.Header {
	h := http.Header{}
	h.Set("Accept", uom.MediaTypeAtom)
	if o.IfNoneMatch != "" {
		h.Set("If-None-Match", o.IfNoneMatch)
	}
	return h
}

// Feed is a feed with the etag the server gave it.
type Feed struct {
	*uom.Feed
	Etag        string
	NotModified bool
}

// Entry is an entry with its etag.
type Entry struct {
	*uom.Entry
	NotModified bool
}

// GetFeed reads a feed. An empty feed (204) is a Feed with no entries.
func (c *Client) GetFeed(ctx context.Context, path string, o ReadOptions) (*Feed, error) {
	resp, err := c.Do(ctx, http.MethodGet, withGroups(path, o.Groups), readHeaders(o), nil)
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusNotModified:
		return &Feed{Etag: o.IfNoneMatch, NotModified: true}, nil
	case http.StatusNoContent:
		return &Feed{Feed: &uom.Feed{}, Etag: resp.Etag()}, nil
	}
	el, err := uom.DecodeOwned(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if el.Local == "entry" {
		// Some servers answer a one-object "feed" path with the entry.
		e, err := uom.ParseEntry(el)
		if err != nil {
			return nil, err
		}
		return &Feed{Feed: &uom.Feed{Entries: []*uom.Entry{e}}, Etag: resp.Etag()}, nil
	}
	f, err := uom.ParseFeed(el)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return &Feed{Feed: f, Etag: resp.Etag()}, nil
}

// GetEntry reads one object.
func (c *Client) GetEntry(ctx context.Context, path string, o ReadOptions) (*Entry, error) {
	resp, err := c.Do(ctx, http.MethodGet, withGroups(path, o.Groups), readHeaders(o), nil)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNotModified {
		return &Entry{NotModified: true}, nil
	}
	return parseEntryResponse(resp, path)
}

func parseEntryResponse(resp *Response, path string) (*Entry, error) {
	el, err := uom.DecodeOwned(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e, err := uom.ParseEntry(el)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if e.Etag == "" {
		e.Etag = resp.Etag()
	}
	return &Entry{Entry: e}, nil
}

func objectHeaders(obj *uom.Element, etag string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", uom.MediaType(serviceOf(obj), obj.Local))
	h.Set("Accept", uom.MediaTypeAtom)
	if etag != "" {
		h.Set("If-Match", etag)
	}
	return h
}

func serviceOf(obj *uom.Element) string {
	if s := uom.ServiceOf(obj.Space); s != "" {
		return s
	}
	return uom.ServiceUOM
}

// Create PUTs a new object into a feed (e.g. UOM("ManagedSystem", id,
// "LogicalPartition")) and returns the created entry.
func (c *Client) Create(ctx context.Context, feedPath string, obj *uom.Element) (*Entry, error) {
	resp, err := c.Do(ctx, http.MethodPut, feedPath, objectHeaders(obj, ""), obj.Bytes())
	if err != nil {
		return nil, err
	}
	return parseEntryResponse(resp, feedPath)
}

// Update POSTs the whole object (as read, with edits) to its entry path;
// etag protects against concurrent changes (the server answers 412 when it
// is stale).
func (c *Client) Update(ctx context.Context, entryPath, etag string, obj *uom.Element) (*Entry, error) {
	resp, err := c.Do(ctx, http.MethodPost, entryPath, objectHeaders(obj, etag), obj.Bytes())
	if err != nil {
		return nil, err
	}
	return parseEntryResponse(resp, entryPath)
}

// Delete removes an object (etag optional).
func (c *Client) Delete(ctx context.Context, entryPath, etag string) error {
	h := http.Header{}
	if etag != "" {
		h.Set("If-Match", etag)
	}
	_, err := c.Do(ctx, http.MethodDelete, entryPath, h, nil)
	return err
}

// Search reads feedPath/search/(key==value) (or != with negate).
func (c *Client) Search(ctx context.Context, feedPath, key, value string, negate bool, o ReadOptions) (*Feed, error) {
	op := "=="
	if negate {
		op = "!="
	}
	expr := "(" + key + op + "'" + value + "')"
	return c.GetFeed(ctx, feedPath+"/search/"+url.PathEscape(expr), o)
}

// Quick reads one quick property (prop non-empty) or all of them as raw
// JSON: entryPath/quick[/prop].
func (c *Client) Quick(ctx context.Context, entryPath, prop string) (json.RawMessage, error) {
	p := entryPath + "/quick"
	if prop != "" {
		p += "/" + prop
	}
	h := http.Header{}
	h.Set("Accept", "*/*")
	resp, err := c.Do(ctx, http.MethodGet, p, h, nil)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(resp.Body), nil
}
