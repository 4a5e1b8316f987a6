package rest_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/novalink-project/novalink/uom"
)

// TestEventPollServedAsRouted: event polls are answered before the router
// unless fault rules are active, when the router's route answers them.
// The same polls, one after the other, get the same answers both ways:
// status, headers and body (IDs, times and the server's address masked):
// a new queue's NEW_CLIENT, a custom event from another session, nothing
// (204), the errors of a bad query and of a missing or expired session,
// and queries read as url.ParseQuery reads them.
func TestEventPollServedAsRouted(t *testing.T) {
	type answer struct {
		Status int
		Header map[string]string
		Body   string
	}
	steps := []struct {
		name, query, token string // token: "" the session's, "none", or a literal
		customEvent        string // sent from another session before the poll
	}{
		{name: "new queue", query: "QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=q1"},
		{name: "a custom event", query: "QUEUE_APPLICATIONID=q1", customEvent: "hello"},
		{name: "nothing new", query: "QUEUE_APPLICATIONID=q1&timeout=0"},
		{name: "the session's own queue", query: ""},
		{name: "escaped ID", query: "QUEUE_APPLICATIONID=a%20b+c&timeout=0"},
		{name: "semicolon pair skipped, first value", query: "QUEUE_APPLICATIONID=x;y&QUEUE_APPLICATIONID=q1&QUEUE_APPLICATIONID=q2&timeout=0"},
		{name: "bad escape skipped", query: "QUEUE_APPLICATIONID=%zz&QUEUE_APPLICATIONID=q1&timeout=0"},
		{name: "session ID method", query: "QUEUE_CLIENTKEY_METHOD=USE_SESSIONID&QUEUE_APPLICATIONID=q1&timeout=0"},
		{name: "unknown method", query: "QUEUE_CLIENTKEY_METHOD=USE_MAGIC&QUEUE_APPLICATIONID=q1"},
		{name: "ID too long", query: "QUEUE_APPLICATIONID=" + strings.Repeat("a", 257)},
		{name: "no session", query: "QUEUE_APPLICATIONID=q1", token: "none"},
		{name: "expired session", query: "QUEUE_APPLICATIONID=q1", token: "not-a-session"},
	}
	masks := []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
		{regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)`), "TIME"},
		{regexp.MustCompile(`\d{10,}`), "NUMBER"},
		{regexp.MustCompile(`127\.0\.0\.1:\d+`), "HOST"},
	}
	run := func(faults bool) []answer {
		h := newHarness(t)
		if faults { // a rule on another route: the event polls go through the router
			h.addRule(`{"route":"/rest/api/uom/ManagedSystem","status":503,"message":"not now"}`)
		}
		own := h.token
		h.logon()
		other := h.token
		h.token = own
		var out []answer
		for _, s := range steps {
			if s.customEvent != "" {
				h.token = other
				body := `<Event xmlns="` + uom.NSUOM + `" schemaVersion="V1_0"><Metadata><Atom/></Metadata><EventType>CUSTOM_CLIENT_EVENT</EventType>` +
					`<EventData>` + s.customEvent + `</EventData><EventDetail>d</EventDetail></Event>`
				if resp, data := h.do(http.MethodPut, "/rest/api/uom/Event", uom.MediaType(uom.ServiceUOM, "Event"), body); resp.StatusCode != 200 {
					t.Fatalf("custom event: %s\n%s", resp.Status, data)
				}
				h.token = own
			}
			switch s.token {
			case "none":
				h.token = ""
			case "":
			default:
				h.token = s.token
			}
			path := "/rest/api/uom/Event"
			if s.query != "" {
				path += "?" + s.query
			}
			resp, data := h.do(http.MethodGet, path, "", "")
			h.token = own
			a := answer{Status: resp.StatusCode, Header: map[string]string{}, Body: string(data)}
			for k, v := range resp.Header {
				switch k {
				case "Date", "X-Transaction-Id", "Content-Length":
					if k == "X-Transaction-Id" && (len(v) != 1 || !strings.HasPrefix(v[0], "XT")) {
						t.Errorf("%s: X-Transaction-ID %q", s.name, v)
					}
					continue
				}
				sort.Strings(v)
				a.Header[k] = strings.Join(v, ", ")
			}
			for _, m := range masks {
				a.Body = m.re.ReplaceAllString(a.Body, m.with)
			}
			out = append(out, a)
		}
		return out
	}
	direct, routed := run(false), run(true)
	for i, s := range steps {
		if d := cmp.Diff(routed[i], direct[i]); d != "" {
			t.Errorf("%s: the poll served before the router differs from the router's (-routed +direct):\n%s", s.name, d)
		}
	}
	// The answers are what each step is about.
	want := []int{200, 200, 204, 200, 200, 204, 204, 204, 400, 400, 401, 401}
	for i, s := range steps {
		if direct[i].Status != want[i] {
			t.Errorf("%s: HTTP %d, want %d\n%s", s.name, direct[i].Status, want[i], direct[i].Body)
		}
	}
	for i, part := range map[int]string{0: "NEW_CLIENT", 1: "hello", 3: "NEW_CLIENT", 4: "NEW_CLIENT"} {
		if !strings.Contains(direct[i].Body, part) {
			t.Errorf("%s: the answer has no %s:\n%s", steps[i].name, part, direct[i].Body)
		}
	}
}
