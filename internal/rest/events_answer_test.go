package rest

import (
	"crypto/tls"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novalink-project/novalink/internal/core"
)

// TestEventAnswerGolden: the bytes of event poll answers, status line
// fields and headers included, are those of the golden file (the feed's
// ID, random, masked): queue events (NEW_CLIENT, MISSING_EVENTS), changes
// whose data is made absolute for the poll's server address, and custom
// events with values that need escaping, for polls with different
// addresses and queries; the same answer twice, as polls woken together
// get it, and nothing (204).
//
//	go test ./internal/rest -run TestEventAnswerGolden -update
func TestEventAnswerGolden(t *testing.T) {
	at := time.Date(2026, 12, 5, 4, 10, 11, 123456789, time.UTC)
	pub := time.Date(2026, 12, 5, 4, 10, 10, 987000000, time.UTC)
	evs := []core.Event{
		{ID: 1796424281945, Type: core.EventNewClient, Published: pub},
		{ID: 1796424281946, Type: core.EventMissing, Published: pub},
		{ID: 1796424281947, Type: core.EventAdd, Data: "/rest/api/uom/ManagedSystem/a7eea7e9-da6f-3553-9d4a-3097132326b2/LogicalPartition/1E6FC741-6253-4B69-B88B-8A44BED92145", Published: pub},
		{ID: 1796424281948, Type: core.EventModify, Data: "/rest/api/uom/ManagedSystem/a7eea7e9-da6f-3553-9d4a-3097132326b2", Detail: "PartitionState,Other", Published: pub},
		{ID: 1796424281949, Type: core.EventCustom, Data: `<&>"' é` + "\r\n\t\x7f", Detail: "a]]>b", Published: pub},
		{ID: 1796424281950, Type: core.EventCustom, Data: "", Detail: "only detail", Published: pub},
		{ID: 1796424281951, Type: core.EventCacheCleared, Published: pub},
	}
	polls := []struct {
		name, host, query string
		tls               bool
		events            []core.Event
	}{
		{"all kinds", "127.0.0.1:12080", "QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=q1", false, evs},
		{"the same again", "127.0.0.1:12080", "QUEUE_CLIENTKEY_METHOD=USE_APPLICATIONID&QUEUE_APPLICATIONID=q1", false, evs},
		{"another address", "novalink.example:12443", "QUEUE_APPLICATIONID=a%20b+c&x=%3C%22", true, evs[2:4]},
		{"no query", "localhost", "", false, evs[4:5]},
		{"nothing", "localhost", "", false, nil},
	}
	var shared eventEntries
	feedID := regexp.MustCompile(`^(<feed [^>]*><id>)[0-9a-f-]{36}(</id>)`)
	var out strings.Builder
	for _, p := range polls {
		target := "/rest/api/uom/Event"
		if p.query != "" {
			target += "?" + p.query
		}
		r := httptest.NewRequest("GET", target, nil)
		r.Host = p.host
		if p.tls {
			r.TLS = &tls.ConnectionState{}
		}
		w := httptest.NewRecorder()
		writeEventAnswer(w, r, &shared, p.events, at)
		res := w.Result()
		out.WriteString("== " + p.name + ": GET http(s)://" + p.host + target + "\n")
		out.WriteString(res.Status + "\n")
		for _, k := range []string{"Content-Type", "Content-Length"} {
			if v, ok := res.Header[k]; ok {
				out.WriteString(k + ": " + strings.Join(v, ",") + "\n")
			}
		}
		if n := len(res.Header); n != 2 && res.StatusCode == http.StatusOK {
			t.Errorf("%s: headers %v, want Content-Type and Content-Length", p.name, res.Header)
		}
		out.WriteString("\n" + feedID.ReplaceAllString(w.Body.String(), "${1}FEED-ID${2}") + "\n")
	}
	golden := filepath.Join("testdata", "events", "answers.golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" { // golden_test.go's flag
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/rest -run TestEventAnswerGolden -update makes it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("event answers differ from %s:\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

// TestConsoleHeaderKeys: the keys setConsoleHeaders sets directly are in
// the canonical form Header.Set would give them (a client reading the
// answer's headers by name finds them either way, and so does net/http
// when it writes them).
func TestConsoleHeaderKeys(t *testing.T) {
	for _, k := range []string{hdrMCType, hdrSchemaVersion, hdrTransactionID, hdrCacheControl} {
		if c := http.CanonicalHeaderKey(k); c != k {
			t.Errorf("header key %q is not canonical (%q)", k, c)
		}
	}
	h := http.Header{}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Transaction-ID", "client-tx-1")
	var next atomic.Uint64
	setConsoleHeaders(h, r, "PVM", &next)
	want := http.Header{}
	want.Set("X-MC-Type", "PVM")
	want.Set("X-HMC-Schema-Version", "V1_3_0")
	want.Set("X-Transaction-ID", "client-tx-1")
	want.Set("Cache-Control", "no-transform, must-revalidate, proxy-revalidate, no-cache=set-cookie")
	if !reflect.DeepEqual(h, want) {
		t.Errorf("headers %v, want %v", h, want)
	}
	h = http.Header{}
	setConsoleHeaders(h, httptest.NewRequest("GET", "/", nil), "HMC", &next)
	if got := h.Get("X-Transaction-ID"); got != "XT1" {
		t.Errorf("a new transaction ID: %q, want XT1 (the counter's next)", got)
	}
	if got := h.Get("X-MC-Type"); got != "HMC" {
		t.Errorf("X-MC-Type %q, want HMC", got)
	}
}
