package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/novalink-project/novalink/uom"
	"github.com/novalink-project/novalink/uom/pcm"
)

// PCM returns the path of a resource of the pcm service:
// PCM("ManagedSystem", id, "preferences").
func PCM(parts ...string) string {
	var b strings.Builder
	b.WriteString("/rest/api/pcm")
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// PCMPreference is a managed system's monitoring preference.
type PCMPreference struct {
	LTM, STM, Aggregation, ComputeLTM bool
	// Element is the ManagedSystemPcmPreference as read, Etag the feed's.
	Element *uom.Element
	Etag    string
}

// PCMPreference reads a managed system's monitoring preference.
func (c *Client) PCMPreference(ctx context.Context, system string) (*PCMPreference, error) {
	path := PCM("ManagedSystem", system, "preferences")
	resp, err := c.Do(ctx, http.MethodGet, path, readHeaders(ReadOptions{}), nil)
	if err != nil {
		return nil, err
	}
	el, err := uom.DecodeBytes(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	f, err := uom.ParseFeed(el)
	if err != nil || len(f.Entries) != 1 || f.Entries[0].Content == nil {
		return nil, fmt.Errorf("GET %s: not a feed of one ManagedSystemPcmPreference", path)
	}
	p := &PCMPreference{Element: f.Entries[0].Content, Etag: resp.Etag()}
	b := func(name string) bool { v, _ := p.Element.FindText(name); return strings.EqualFold(v, "true") }
	p.LTM, p.STM, p.Aggregation, p.ComputeLTM = b("LongTermMonitorEnabled"), b("ShortTermMonitorEnabled"), b("AggregationEnabled"), b("ComputeLTMEnabled")
	return p, nil
}

// SetPCMPreference sends a preference back (the element read, with its
// four settings replaced) under the etag it was read with.
func (c *Client) SetPCMPreference(ctx context.Context, system string, p *PCMPreference) error {
	set := map[string]bool{"LongTermMonitorEnabled": p.LTM, "ShortTermMonitorEnabled": p.STM, "AggregationEnabled": p.Aggregation, "ComputeLTMEnabled": p.ComputeLTM}
	el := p.Element.Clone()
	for _, ch := range el.Children {
		if v, ok := set[ch.Local]; ok {
			ch.Text = fmt.Sprint(v)
		}
	}
	h := http.Header{}
	h.Set("Content-Type", uom.MediaType(uom.ServicePCM, "ManagedSystemPcmPreference"))
	h.Set("Accept", uom.MediaTypeAtom)
	if p.Etag != "" {
		h.Set("If-Match", p.Etag)
	}
	_, err := c.Do(ctx, http.MethodPost, PCM("ManagedSystem", system, "preferences"), h, el.Bytes())
	return err
}

// RawFile is one file of a monitor's feed.
type RawFile struct {
	Name, Category string
	Time           time.Time
	Href           string
}

// RawMetrics lists the files of a monitor (pcm.LTM or pcm.STM) of a
// managed system, oldest first, in [from, to] (zero times: open ends). A
// monitor that is off has none.
func (c *Client) RawMetrics(ctx context.Context, system, monitor string, from, to time.Time) ([]RawFile, error) {
	name := "LongTermMonitor"
	if monitor == pcm.STM {
		name = "ShortTermMonitor"
	}
	path := PCM("ManagedSystem", system, "RawMetrics", name)
	q := url.Values{}
	if !from.IsZero() {
		q.Set("StartTS", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("EndTS", to.UTC().Format(time.RFC3339))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.Do(ctx, http.MethodGet, path, readHeaders(ReadOptions{}), nil)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNoContent || len(resp.Body) == 0 {
		return nil, nil
	}
	el, err := uom.DecodeBytes(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	f, err := uom.ParseFeed(el)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	var out []RawFile
	for _, e := range f.Entries {
		if len(e.Links) == 0 || len(e.Categories) == 0 {
			continue
		}
		_, _, _, at, err := pcm.ParseFileName(e.Title)
		if err != nil {
			continue
		}
		out = append(out, RawFile{Name: e.Title, Category: e.Categories[0], Time: at, Href: e.Links[0].Href})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// ReadJSON reads a JSON document of the pcm service (a monitor's file)
// into v.
func (c *Client) ReadJSON(ctx context.Context, href string, v any) error {
	h := http.Header{}
	h.Set("Accept", "*/*")
	resp, err := c.Do(ctx, http.MethodGet, href, h, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("GET %s: %v", href, err)
	}
	return nil
}
