package rest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/uom"
)

// handleEventGet serves the event feed: each QUEUE_APPLICATIONID is its own
// queue; the request waits up to EventWait for something to report.
func (s *Server) handleEventGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	q := r.URL.Query()
	appID := q.Get("QUEUE_APPLICATIONID")
	if m := q.Get("QUEUE_CLIENTKEY_METHOD"); m != "" && m != "USE_APPLICATIONID" && m != "USE_SESSIONID" {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "QUEUE_CLIENTKEY_METHOD %q is not supported; use USE_APPLICATIONID.", m), nil)
		return
	}
	if appID == "" {
		appID = "session:" + a.Session
	}
	wait := s.cfg.EventWait
	if v := q.Get("timeout"); v != "" {
		if sec, err := strconv.Atoi(v); err == nil && sec >= 0 && time.Duration(sec)*time.Second < wait {
			wait = time.Duration(sec) * time.Second
		}
	}
	events := s.core.Bus.Poll(r.Context(), appID, a.Session, wait)
	if len(events) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	base := baseURL(r)
	now := s.nowStamp()
	var b bytes.Buffer
	self := base + r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	uom.AppendFeedStart(&b, uuid.NewString(), now, []uom.Link{{Rel: "SELF", Href: self}})
	schema := uom.Schema("Event")
	for _, e := range events {
		id := uuid.NewString()
		data := e.Data
		if strings.HasPrefix(data, "/rest/api/") {
			data = base + data
		}
		o := newObject(uom.NSUOM, "Event", id, e.Published.UnixMilli(), schema)
		o.leaf("EventType", e.Type)
		o.leaf("EventID", strconv.FormatInt(e.ID, 10))
		o.leaf("EventData", data)
		o.leaf("EventDetail", e.Detail)
		b.WriteString("<entry>")
		var inner bytes.Buffer
		uom.AppendEntry(&inner, &uom.EntryHeader{ID: id, Title: "Event", Published: now,
			Links: []uom.Link{{Rel: "SELF", Href: base + "/rest/api/uom/Event/" + id}},
			Etag:  strconv.FormatInt(e.ID, 10), ContentType: uom.MediaType(uom.ServiceUOM, "Event")}, o.el.Bytes(), false)
		b.Write(inner.Bytes()[len("<entry>"):])
	}
	uom.AppendFeedEnd(&b)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// handleEventPut takes a client's Event and hands it to the other sessions'
// queues as CUSTOM_CLIENT_EVENT. Only a user who may change the
// configuration may send one (the events reach every client: on NovaLink
// they come from the compute driver, which runs as an administrator), and
// its data and detail are bounded (core.MaxCustomEvent).
func (s *Server) handleEventPut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	if err := core.MayChange(a); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	k := &kind{name: "Event"}
	el, body, err := s.readObjectBody(r, k)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	if t, ok := el.FindText("EventType"); ok && t != "" && t != core.EventCustom {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "Clients may only send events of type %s, not %s.", core.EventCustom, t), body)
		return
	}
	data, _ := el.FindText("EventData")
	detail, _ := el.FindText("EventDetail")
	if len(data)+len(detail) > core.MaxCustomEvent {
		s.writeError(w, r, errStatus(http.StatusRequestEntityTooLarge, "A custom event may carry at most %d bytes of EventData and EventDetail; this one has %d.",
			core.MaxCustomEvent, len(data)+len(detail)), nil)
		return
	}
	s.core.Bus.PublishCustom(a.Session, data, detail)
	id := uuid.NewString()
	o := newObject(uom.NSUOM, "Event", id, s.core.Clock().Now().UnixMilli(), uom.Schema("Event"))
	o.leaf("EventType", core.EventCustom)
	o.leaf("EventData", data)
	o.leaf("EventDetail", detail)
	var out bytes.Buffer
	uom.AppendEntry(&out, &uom.EntryHeader{ID: id, Title: "Event", Published: s.nowStamp(),
		Links:       []uom.Link{{Rel: "SELF", Href: baseURL(r) + "/rest/api/uom/Event/" + id}},
		ContentType: uom.MediaType(uom.ServiceUOM, "Event")}, o.el.Bytes(), true)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(out.Bytes())
}
