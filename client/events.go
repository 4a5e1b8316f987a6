package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// Event is one entry of the event feed.
type Event struct {
	Type   string // ADD_URI, MODIFY_URI, DELETE_URI, NEW_CLIENT, MISSING_EVENTS, CUSTOM_CLIENT_EVENT ...
	ID     string
	Data   string // the URI of the object (or a custom event's data)
	Detail string
}

// EventListener polls the event feed under its own application ID, so it
// sees every event once, in order.
type EventListener struct {
	c     *Client
	AppID string
}

// Events returns a listener with a fresh application ID (appID "" makes
// one up).
func (c *Client) Events(appID string) *EventListener {
	if appID == "" {
		b := make([]byte, 16)
		rand.Read(b)
		appID = hex.EncodeToString(b)
	}
	return &EventListener{c: c, AppID: appID}
}

// Poll waits (server side, about 10 s) for events and returns them; an
// empty slice means nothing happened meanwhile.
func (l *EventListener) Poll(ctx context.Context) ([]Event, error) {
	path := "/rest/api/uom/Event?QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=" + url.QueryEscape(l.AppID)
	f, err := l.c.GetFeed(ctx, path, ReadOptions{})
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, e := range f.Entries {
		if e.Content == nil {
			continue
		}
		ev := Event{}
		ev.Type, _ = e.Content.FindText("EventType")
		ev.ID, _ = e.Content.FindText("EventID")
		ev.Data, _ = e.Content.FindText("EventData")
		ev.Detail, _ = e.Content.FindText("EventDetail")
		out = append(out, ev)
	}
	return out, nil
}

// Listen polls until ctx ends, handing each batch to fn (fn returning false
// stops). Errors are retried after a pause, as pypowervm does.
func (l *EventListener) Listen(ctx context.Context, fn func([]Event) bool) error {
	for {
		evs, err := l.Poll(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(2 * time.Second):
			}
			continue
		}
		if len(evs) > 0 && !fn(evs) {
			return nil
		}
	}
}

// SendCustomEvent hands data and detail to every other listener as a
// CUSTOM_CLIENT_EVENT.
func (c *Client) SendCustomEvent(ctx context.Context, data, detail string) error {
	el := &uom.Element{Space: uom.NSUOM, Prefix: "Event", Local: "Event",
		NSDecls: []uom.Attr{{Local: "Event", Value: uom.NSUOM}, {Local: "", Value: uom.NSUOM}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	el.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")))
	if data != "" {
		el.Append(&uom.Element{Space: uom.NSUOM, Local: "EventData", Text: data})
	}
	if detail != "" {
		el.Append(&uom.Element{Space: uom.NSUOM, Local: "EventDetail", Text: detail})
	}
	h := objectHeaders(el, "")
	_, err := c.Do(ctx, http.MethodPut, "/rest/api/uom/Event", h, el.Bytes())
	return err
}
