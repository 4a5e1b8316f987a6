package rest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

func floodAttrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ` a%d="v"`, i)
	}
	return b.String()
}

// TestXMLFloodsRefused: bodies built to make the XML decoder work hard or
// hold much memory (an attribute flood in a logon, before anything is
// authenticated; an element flood in an update) are refused with 400,
// and a logon body larger than a logon ever is with 413.
func TestXMLFloodsRefused(t *testing.T) {
	f := newRestFixture(t)
	lpar := f.partition("lpar10")
	logonCT := uom.MediaType(uom.ServiceWeb, "LogonRequest")
	for _, c := range []struct {
		name, method, path, ct, body, token string
		status                              int
		msg                                 string
	}{
		{"logon with 6,000 attributes", "PUT", "/rest/api/web/Logon", logonCT,
			`<LogonRequest xmlns="` + uom.NSWeb + `"` + floodAttrs(6000) + `><UserID>padmin</UserID><Password>pw</Password></LogonRequest>`, "-",
			http.StatusBadRequest, "too many attributes"},
		{"logon of 1.6 MB", "PUT", "/rest/api/web/Logon", logonCT,
			`<LogonRequest xmlns="` + uom.NSWeb + `"` + floodAttrs(160000) + `><UserID>padmin</UserID><Password>pw</Password></LogonRequest>`, "-",
			http.StatusRequestEntityTooLarge, "larger than"},
		{"event with 100,000 attributes", "PUT", "/rest/api/uom/Event", uom.MediaType(uom.ServiceUOM, "Event"),
			`<Event xmlns="` + uom.NSUOM + `"` + floodAttrs(100000) + `><EventData>x</EventData></Event>`, "",
			http.StatusBadRequest, "too many attributes"},
		{"update with 300,000 elements", "POST", "/rest/api/uom/LogicalPartition/" + lpar.UUID, uom.MediaType(uom.ServiceUOM, "LogicalPartition"),
			`<LogicalPartition xmlns="` + uom.NSUOM + `">` + strings.Repeat("<Metadata/>", 300000) + `</LogicalPartition>`, "",
			http.StatusBadRequest, "too many elements"},
		{"namespace flood", "POST", "/rest/api/uom/LogicalPartition/" + lpar.UUID, uom.MediaType(uom.ServiceUOM, "LogicalPartition"),
			`<LogicalPartition xmlns="` + uom.NSUOM + `">` + strings.Repeat(`<Metadata xmlns:a="u" xmlns:b="u" xmlns:c="u">`, 60) +
				strings.Repeat(`</Metadata>`, 60) + `</LogicalPartition>`, "",
			http.StatusBadRequest, "too many namespace declarations"},
	} {
		rec := f.do(c.method, c.path, c.ct, c.body, c.token)
		if rec.Code != c.status {
			t.Errorf("%s: %d, want %d\n%.600s", c.name, rec.Code, c.status, rec.Body)
			continue
		}
		if _, msg := httpErrorOf(t, rec); !strings.Contains(msg, c.msg) {
			t.Errorf("%s: message %q, want it to say %q", c.name, msg, c.msg)
		}
	}
	if p := f.partition("lpar10"); p.Rev != lpar.Rev {
		t.Error("a refused update changed the partition")
	}
}

// TestBodyBudget: bodies held at once are bounded; one that finds no room
// in time is refused as busy, and room comes back when a request ends.
func TestBodyBudget(t *testing.T) {
	defer func(w time.Duration) { bodyWait = w }(bodyWait)
	bodyWait = 50 * time.Millisecond
	sem := semaphore.NewWeighted(4 * bodyChunk)
	a, b := &bodyHold{sem: sem}, &bodyHold{sem: sem}
	ctx := context.Background()
	if err := a.reserve(ctx, 3*bodyChunk); err != nil {
		t.Fatal(err)
	}
	if err := b.reserve(ctx, 2*bodyChunk); model.KindOf(err) != model.KindBusy {
		t.Fatalf("a body beyond the budget: %v", err)
	}
	a.release()
	if err := b.reserve(ctx, 2*bodyChunk); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	b.release()
	if !sem.TryAcquire(4 * bodyChunk) {
		t.Error("the budget was not given back whole")
	}
}

// TestReadBody: a body is read whole whether it comes with a
// Content-Length or without one (chunked), around the sizes where the
// reader's buffer grows; one beyond the limit is refused with 413 either
// way; what a body holds of the budget covers what it read.
func TestReadBody(t *testing.T) {
	const limit = 3*bodyStep + 100
	for _, size := range []int{0, 1, bodyStep - 1, bodyStep, bodyStep + 1, 2*bodyStep + 7, limit, limit + 1, 5 * bodyStep} {
		for _, withLength := range []bool{true, false} {
			body := make([]byte, size)
			for i := range body {
				body[i] = 'a' + byte(i%26)
			}
			r, err := http.NewRequest("PUT", "http://localhost/x", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			r.ContentLength = int64(size)
			if !withLength {
				r.ContentLength = -1
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body)))
			}
			sem := semaphore.NewWeighted(bodyBudget)
			sb := &stallBody{ReadCloser: r.Body, hold: bodyHold{sem: sem}, stall: time.Minute, rc: http.NewResponseController(httptest.NewRecorder())}
			r.Body = sb
			got, err := readBodyMax(r, limit)
			name := fmt.Sprintf("%d bytes, Content-Length %d", size, r.ContentLength)
			if size > limit {
				if st, _ := statusOf(err); err == nil || st != http.StatusRequestEntityTooLarge {
					t.Errorf("%s: %v, want 413", name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if !bytes.Equal(got, body) {
				t.Errorf("%s: read %d bytes, not the body", name, len(got))
			}
			if sb.hold.held < int64(len(got)) {
				t.Errorf("%s: holds %d bytes of the budget for %d read", name, sb.hold.held, len(got))
			}
		}
	}
}
