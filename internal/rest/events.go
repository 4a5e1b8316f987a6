package rest

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/uom"
)

// eventPath is the event feed.
const eventPath = "/rest/api/uom/Event"

// handleEventGet serves the event feed: each QUEUE_APPLICATIONID is its own
// queue; the request waits up to EventWait for something to report. (A
// poll is served by serveEventPoll instead unless fault rules are
// active.)
func (s *Server) handleEventGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeEventFeed(w, r, s.core.Bus, &s.eventEntries, a.Session, s.cfg.EventWait, s.core.Clock().Now, func(err error) { s.writeError(w, r, err, nil) })
}

// servesEventPoll reports whether serveEventPoll answers r: a GET of the
// event feed without a body, while no fault rule is active (rules are
// applied to every request by the router's path).
func (s *Server) servesEventPoll(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == eventPath && (r.Body == nil || r.Body == http.NoBody) &&
		!s.core.Faults().Active()
}

// serveEventPoll answers an event poll as serve and handleEventGet would
// (the same checks, headers, errors and answers) but without the router,
// so that a poll waiting for events holds as little as it can: it waits
// at a shallow depth of its connection's goroutine, holding its queue and
// the request net/http keeps, not the answer's headers, a parsed query or
// the session; the answer is made and written off that goroutine
// (answerOffStack), so the connection's goroutine keeps the small stack
// it started with through all the polls it serves.
func (s *Server) serveEventPoll(w http.ResponseWriter, r *http.Request) {
	defer s.recoverPanic(w, r)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeWindow())) // a failed connection fails the answer
	if ci, _ := r.Context().Value(connKey{}).(*connInfo); ci != nil {
		ci.busy.Store(true) // as guardBody marks a request without a body
		defer ci.busy.Store(false)
	}
	ep := eventBuffers.Get().(*[]core.Event)
	defer eventBuffers.Put(ep)
	events := (*ep)[:0]
	sess, err := s.session(r)
	if err == nil {
		var appID string
		var wait time.Duration
		if appID, wait, err = parseEventPoll(r, sess.token, s.cfg.EventWait); err == nil {
			var parked bool
			if events, parked = s.pollOrPark(w, r, events, appID, sess.token, wait); parked {
				return // the connection is the lot's (events_park.go)
			}
		}
	}
	answerOffStack(w, func() {
		s.setHeaders(w.Header(), r, false)
		if err != nil {
			s.writeError(w, r, err, nil)
			return
		}
		base := pollBaseOf(r)
		writeEventAnswer(w, &base, &s.eventEntries, events, s.core.Clock().Now())
	})
	clear(events) // their strings go
	if cap(events) <= 1024 {
		*ep = events[:0]
	}
}

// pollOrPark returns the events of appID's queue appended to dst,
// waiting up to wait for some: parked, when there are none and the
// connection can be (then parked is true: the poll is answered from the
// lot), or on this goroutine.
func (s *Server) pollOrPark(w http.ResponseWriter, r *http.Request, dst []core.Event, appID, owner string, wait time.Duration) (events []core.Event, parked bool) {
	if wait <= 0 || !canPark(r) {
		return s.core.Bus.PollAppend(r.Context(), dst, appID, owner, wait), false
	}
	var pw core.Wait
	if events = s.core.Bus.TakeOrWait(dst, appID, owner, &pw); len(events) > len(dst) {
		return events, false
	}
	if s.park(w, r, &pw, appID, owner, wait) {
		return nil, true
	}
	pw.End()
	return s.core.Bus.PollAppend(r.Context(), dst, appID, owner, wait), false
}

// answerOffStack writes an answer (write, then a flush) from another
// goroutine, and waits for it. Writing a status line and headers takes
// net/http deeper than the 4 KB stack a connection's goroutine starts
// with: written from the connection's goroutine, an answer would double
// its stack for good, since the runtime halves a stack only when less
// than a quarter of it is in use, which a goroutine inside net/http's
// connection loop never is. The answer goes to an idle answer writer, or
// to a new one when none is idle. A panic in write is raised again here.
func answerOffStack(w http.ResponseWriter, write func()) {
	j := &answerJob{w: w, write: write, done: make(chan any, 1)}
	select {
	case answerWork <- j:
	default:
		go answerWriter(j)
	}
	if v := <-j.done; v != nil {
		panic(v)
	}
}

// An answerJob is an answer for an answer writer to write to w.
type answerJob struct {
	w     http.ResponseWriter
	write func()
	done  chan any // what write panicked with, or nil
}

func (j *answerJob) run() {
	defer func() { j.done <- recover() }()
	j.write()
	_ = http.NewResponseController(j.w).Flush() // a client gone is net/http's to notice
}

// Answer writers: a goroutine that wrote an answer (its stack grown to
// what that takes) waits for the next one, as one of at most
// maxIdleAnswerWriters, instead of a goroutine being made, and its stack
// grown, for every answer; beyond that number it ends (a thousand polls
// woken at once are answered by a few writers in turn, or by more when
// their clients are slow to take the answers).
var (
	answerWork        = make(chan *answerJob)
	idleAnswerWriters atomic.Int32
)

const maxIdleAnswerWriters = 4

func answerWriter(j *answerJob) {
	for {
		j.run()
		if idleAnswerWriters.Add(1) > maxIdleAnswerWriters {
			idleAnswerWriters.Add(-1)
			return
		}
		j = <-answerWork
		idleAnswerWriters.Add(-1)
	}
}

// writeEventFeed answers an event poll of a session on bus: the events
// of its queue, after waiting up to maxWait for some.
func writeEventFeed(w http.ResponseWriter, r *http.Request, bus *core.Bus, shared *eventEntries, session string, maxWait time.Duration, now func() time.Time, werr func(error)) {
	appID, wait, err := parseEventPoll(r, session, maxWait)
	if err != nil {
		werr(err)
		return
	}
	events := bus.Poll(r.Context(), appID, session, wait)
	base := pollBaseOf(r)
	writeEventAnswer(w, &base, shared, events, now())
}

// parseEventPoll reads an event poll's query: the queue's application ID
// (the session's own queue without one) and how long the poll may wait.
func parseEventPoll(r *http.Request, session string, maxWait time.Duration) (appID string, wait time.Duration, err error) {
	raw := r.URL.RawQuery
	appID = queryValue(r, raw, "QUEUE_APPLICATIONID")
	if m := queryValue(r, raw, "QUEUE_CLIENTKEY_METHOD"); m != "" && m != "USE_APPLICATIONID" && m != "USE_SESSIONID" {
		return "", 0, errStatus(http.StatusBadRequest, "QUEUE_CLIENTKEY_METHOD %q is not supported; use USE_APPLICATIONID.", m)
	}
	if appID == "" {
		appID = "session:" + session
	}
	if len(appID) > core.MaxApplicationID {
		return "", 0, errStatus(http.StatusBadRequest, "QUEUE_APPLICATIONID may have at most %d characters; this one has %d.", core.MaxApplicationID, len(appID))
	}
	wait = maxWait
	if v := queryValue(r, raw, "timeout"); v != "" {
		if sec, err := strconv.Atoi(v); err == nil && sec >= 0 && time.Duration(sec)*time.Second < wait {
			wait = time.Duration(sec) * time.Second
		}
	}
	return appID, wait, nil
}

// queryValue is r.URL.Query().Get(key) for raw, r's query, without making
// the map of the whole query: the first value of key among the pairs
// url.ParseQuery keeps (none with a semicolon, none that does not
// unescape). A query of many pairs is parsed by url.ParseQuery itself
// (which keeps none beyond its bound).
func queryValue(r *http.Request, raw, key string) string {
	if strings.Count(raw, "&") >= 16 {
		return r.URL.Query().Get(key)
	}
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" || strings.Contains(kv, ";") {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != key {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}

// writeEventAnswer answers an event poll: its events, or 204 without any.
func writeEventAnswer(w http.ResponseWriter, base *pollBase, shared *eventEntries, events []core.Event, now time.Time) {
	if len(events) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeEvents(w, base, shared, events, now)
}

// pollBase is what of an event poll its answer names: the server's
// address as the client knows it, and the poll's own path and query (its
// SELF link).
type pollBase struct {
	scheme, host, path, query string
}

func pollBaseOf(r *http.Request) pollBase {
	scheme, host := baseOf(r)
	return pollBase{scheme: scheme, host: host, path: r.URL.Path, query: r.URL.RawQuery}
}

// stampLayout is the layout of the API's times.
const stampLayout = "2006-01-02T15:04:05.000Z07:00"

// writeEvents answers an event poll with its events, in one write with a
// Content-Length: the feed's head (its ID, the time, the poll's own SELF
// link) made for this answer, and each event's entry as shared (the
// entries of a change are rendered once for all the polls it wakes; only
// the time of the answer is put in each).
func writeEvents(w http.ResponseWriter, base *pollBase, shared *eventEntries, events []core.Event, now time.Time) {
	bp := answerBuffers.Get().(*[]byte)
	defer answerBuffers.Put(bp)
	var st [40]byte
	stamp := now.AppendFormat(st[:0], stampLayout)
	scheme, host := base.scheme, base.host
	b := append((*bp)[:0], feedHead...)
	b = appendUUID(b, uuid.New())
	b = append(b, "</id><updated>"...)
	b = append(b, stamp...)
	b = append(b, `</updated><link rel="SELF" href="`...)
	b = append(b, scheme...)
	b = append(b, "://"...)
	b = uom.AppendAttr(b, host)
	b = uom.AppendAttr(b, base.path)
	if base.query != "" {
		b = append(b, '?')
		b = uom.AppendAttr(b, base.query)
	}
	b = append(b, `"/><generator>`+uom.Generator+`</generator>`...)
	for i := range events {
		e := &events[i]
		if e.Type == core.EventNewClient || e.Type == core.EventMissing { // one queue's own: not shared
			b = appendEventEntry(b, scheme+"://"+host, e, string(stamp))
			continue
		}
		p := shared.get(scheme, host, e)
		b = append(b, p.entry[:p.at]...)
		b = append(b, stamp...)
		b = append(b, p.entry[p.at:]...)
	}
	b = append(b, "</feed>"...)
	h := w.Header()
	h["Content-Type"] = atomContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	if cap(b) <= 256<<10 { // a burst's answer is not kept
		*bp = b
	} else {
		*bp = nil
	}
}

// feedHead opens an event feed, up to its ID.
const feedHead = `<feed xmlns="` + uom.NSAtom + `" xmlns:ns2="` + uom.NSOpenSearch + `" xmlns:ns3="` + uom.NSXHTML + `"><id>`

// answerBuffers hold answers being written (a thousand polls answered at
// once share a few).
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// eventBuffers hold the events of polls being answered.
var eventBuffers = sync.Pool{New: func() any { return new([]core.Event) }}

// baseOf is the scheme and host of the server's address as r's client
// knows it (baseURL, without making the string).
func baseOf(r *http.Request) (scheme, host string) {
	scheme = "http"
	if overTLS(r) {
		scheme = "https"
	}
	host = r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme, host
}

// appendUUID appends u in its text form.
func appendUUID(dst []byte, u uuid.UUID) []byte {
	const hexdigits = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return dst
}

var eventMediaType = uom.MediaType(uom.ServiceUOM, "Event")

// eventNamespace names the entries of events: an event's entry ID is
// derived from its event ID (name-based, as NovaLink's are), the same in
// every queue that gets it.
var eventNamespace = uuid.MustParse("5a1e0d7c-6c2b-4b8e-9f3a-0e7d4c9b2a61")

func eventEntryID(id int64) string {
	return uuid.NewMD5(eventNamespace, strconv.AppendInt(nil, id, 10)).String()
}

// appendEventEntry appends the feed entry of e, published at published,
// as a client of the server at base gets it (the data of a change is
// made absolute).
func appendEventEntry(dst []byte, base string, e *core.Event, published string) []byte {
	id := eventEntryID(e.ID)
	eid := strconv.FormatInt(e.ID, 10)
	data := e.Data
	if strings.HasPrefix(data, "/rest/api/") {
		data = base + data
	}
	dst = uom.AppendEntryStart(dst, &uom.EntryHeader{ID: id, Title: "Event", Published: published,
		Links: []uom.Link{{Rel: "SELF", Href: base + "/rest/api/uom/Event/" + id}},
		Etag:  eid, ContentType: eventMediaType}, false)
	dst = eventTemplate().fill(dst, id, strconv.FormatInt(e.Published.UnixMilli(), 10), e.Type, eid, data, e.Detail)
	return append(dst, uom.EntryEnd...)
}

// eventEntries share the entries of recent events among the polls that
// answer them: the entry of an event for one server address, rendered
// once, with the place of its <published> time (the answer's own) left
// out. A small ring, by event ID: a change wakes every waiting poll at
// once and they all answer the same few events; an event the ring no
// longer holds is rendered again.
type eventEntries struct {
	slots [64]atomic.Pointer[sharedEntry]
}

type sharedEntry struct {
	id           int64
	scheme, host string
	entry        []byte // never changed once shared
	at           int    // where the time goes
}

// publishedMark stands for the time in a shared entry while it is made
// (plain text: written as it is, and the entry's first text).
const publishedMark = "@@published@@"

// get returns e's entry for the server at scheme://host.
func (c *eventEntries) get(scheme, host string, e *core.Event) *sharedEntry {
	slot := &c.slots[uint64(e.ID)%uint64(len(c.slots))]
	if p := slot.Load(); p != nil && p.id == e.ID && p.host == host && p.scheme == scheme {
		return p
	}
	entry := appendEventEntry(nil, scheme+"://"+host, e, publishedMark)
	at := bytes.Index(entry, []byte(publishedMark))
	p := &sharedEntry{id: e.ID, scheme: scheme, host: host, at: at,
		entry: append(entry[:at:at], entry[at+len(publishedMark):]...)}
	slot.Store(p)
	return p
}

// eventParts is an Event's content as the element tree renders it, cut
// where its values go (AtomID, AtomCreated, EventType, EventID,
// EventData, EventDetail): rendered once, then filled for each event
// without building a tree, so that the goroutine of a connection that
// waits for events keeps a small stack (the tree's encoder recurses in
// large frames) and answering a thousand polls at once costs little.
type eventParts [7][]byte

var eventTemplate = sync.OnceValue(func() *eventParts {
	markers := []string{"@@AtomID@@", "9999999999999", "@@EventType@@", "@@EventID@@", "@@EventData@@", "@@EventDetail@@"}
	o := newObject(uom.NSUOM, "Event", markers[0], 9999999999999, uom.Schema("Event"))
	o.leaf("EventType", markers[2])
	o.leaf("EventID", markers[3])
	o.leaf("EventData", markers[4])
	o.leaf("EventDetail", markers[5])
	rest := o.el.Bytes()
	var t eventParts
	for i, m := range markers {
		before, after, ok := bytes.Cut(rest, []byte(m))
		if !ok {
			panic("event template: no " + m)
		}
		t[i], rest = before, after
	}
	t[6] = rest
	return &t
})

// fill appends an Event's content with its values (escaped; an empty one
// is an empty element, <X .../>, as the encoder writes it).
func (t *eventParts) fill(b []byte, values ...string) []byte {
	skip := 0 // bytes of the next part already written (an empty value's end tag)
	for i, v := range values {
		part := t[i][skip:]
		skip = 0
		if v == "" && len(part) > 0 && part[len(part)-1] == '>' && bytes.HasPrefix(t[i+1], []byte("</")) {
			b = append(b, part[:len(part)-1]...)
			b = append(b, "/>"...)
			skip = bytes.IndexByte(t[i+1], '>') + 1
			continue
		}
		b = append(b, part...)
		b = uom.AppendText(b, v)
	}
	return append(b, t[6][skip:]...)
}

// handleEventPut takes a client's Event and hands it to the other sessions'
// queues as CUSTOM_CLIENT_EVENT. Only a user who may change the
// configuration may send one (the events reach every client: on NovaLink
// they come from the compute driver, which runs as an administrator), and
// its data and detail are bounded (core.MaxCustomEvent).
func (s *Server) handleEventPut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	acceptCustomEvent(w, r, s.core.Bus, a, s.core.Clock().Now(), func(err error, body []byte) { s.writeError(w, r, err, body) })
}

// acceptCustomEvent takes a client's custom Event onto bus.
func acceptCustomEvent(w http.ResponseWriter, r *http.Request, bus *core.Bus, a core.Actor, now time.Time, werr func(error, []byte)) {
	if err := core.MayChange(a); err != nil {
		werr(err, nil)
		return
	}
	k := &kind{name: "Event"}
	el, body, err := readObjectBody(r, k, nil)
	if err != nil {
		werr(err, body)
		return
	}
	if t, ok := el.FindText("EventType"); ok && t != "" && t != core.EventCustom {
		werr(errStatus(http.StatusBadRequest, "Clients may only send events of type %s, not %s.", core.EventCustom, t), body)
		return
	}
	data, _ := el.FindText("EventData")
	detail, _ := el.FindText("EventDetail")
	if len(data)+len(detail) > core.MaxCustomEvent {
		werr(errStatus(http.StatusRequestEntityTooLarge, "A custom event may carry at most %d bytes of EventData and EventDetail; this one has %d.",
			core.MaxCustomEvent, len(data)+len(detail)), nil)
		return
	}
	bus.PublishCustom(a.Session, data, detail)
	id := uuid.NewString()
	o := newObject(uom.NSUOM, "Event", id, now.UnixMilli(), uom.Schema("Event"))
	o.leaf("EventType", core.EventCustom)
	o.leaf("EventData", data)
	o.leaf("EventDetail", detail)
	var out bytes.Buffer
	uom.AppendEntry(&out, &uom.EntryHeader{ID: id, Title: "Event", Published: now.Format("2006-01-02T15:04:05.000Z07:00"),
		Links:       []uom.Link{{Rel: "SELF", Href: baseURL(r) + "/rest/api/uom/Event/" + id}},
		ContentType: uom.MediaType(uom.ServiceUOM, "Event")}, o.el.Bytes(), true)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(out.Bytes())
}
