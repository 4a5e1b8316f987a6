package rest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzQueryValue: queryValue reads a query's value as
// r.URL.Query().Get does, for any query and key.
func FuzzQueryValue(f *testing.F) {
	for _, q := range []string{
		"", "QUEUE_APPLICATIONID=q1", "QUEUE_APPLICATIONID=a%20b+c&timeout=3",
		"QUEUE_APPLICATIONID=x;y&QUEUE_APPLICATIONID=q1", "QUEUE_APPLICATIONID=%zz&QUEUE_APPLICATIONID=q2",
		"QUEUE_APPLICATIONID", "QUEUE_APPLICATIONID=&QUEUE_APPLICATIONID=q3", "&&QUEUE%5FAPPLICATIONID=q4&",
		"timeout=1=2", "a=1&" + strings.Repeat("b=2&", 20) + "QUEUE_APPLICATIONID=last",
	} {
		f.Add(q, "QUEUE_APPLICATIONID")
		f.Add(q, "timeout")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		r := &http.Request{URL: &url.URL{Path: eventPath, RawQuery: raw}}
		if got, want := queryValue(r, raw, key), r.URL.Query().Get(key); got != want {
			t.Fatalf("queryValue(%q, %q) = %q, url.Values.Get %q", raw, key, got, want)
		}
	})
}
