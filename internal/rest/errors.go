package rest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// httpError is an error with the HTTP status and reason to answer with.
type httpError struct {
	status int
	reason string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errStatus(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// statusOf maps an error to the HTTP status and the ReasonCode text.
func statusOf(err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		reason := he.reason
		if reason == "" {
			reason = http.StatusText(he.status)
		}
		return he.status, reason
	}
	switch model.KindOf(err) {
	case model.KindInvalid:
		return http.StatusBadRequest, "Bad Request"
	case model.KindNotFound:
		return http.StatusNotFound, "Not Found"
	case model.KindRefused:
		return http.StatusConflict, "Conflict"
	case model.KindStale:
		return http.StatusPreconditionFailed, "Precondition Failed"
	case model.KindBusy:
		return http.StatusServiceUnavailable, "Service Unavailable"
	case model.KindForbidden:
		return http.StatusForbidden, "Forbidden"
	}
	return http.StatusInternalServerError, "Unknown internal error."
}

// writeError answers with an Atom entry holding an HttpErrorResponse, as
// the REST server does for every error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, body []byte) {
	status, reason := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeErrorEntry(w, r, status, reason, err.Error(), body, s.nowStamp())
}

// writeErrorEntry writes the Atom entry of an HttpErrorResponse.
func writeErrorEntry(w http.ResponseWriter, r *http.Request, status int, reason, msg string, body []byte, published string) {
	el := &uom.Element{Space: uom.NSWeb, Prefix: "HttpErrorResponse", Local: "HttpErrorResponse",
		NSDecls: []uom.Attr{{Local: "HttpErrorResponse", Value: uom.NSWeb}, {Local: "", Value: uom.NSWeb}, {Local: "ns2", Value: uom.NSK2}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_2_0"}}}
	el.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
	leaf := func(name, kb, text string) {
		el.Append(&uom.Element{Space: uom.NSWeb, Local: name, Text: text,
			Attrs: []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}})
	}
	leaf("HTTPStatus", "ROR", fmt.Sprint(status))
	leaf("RequestURI", "ROR", r.URL.Path)
	leaf("ReasonCode", "ROR", reason)
	leaf("Message", "ROO", msg)
	if len(body) > 0 && !strings.Contains(r.URL.Path, "/Logon") {
		if len(body) > 4096 {
			body = body[:4096]
		}
		leaf("RequestBody", "ROO", strings.ToValidUTF8(string(body), "?"))
	} else {
		leaf("RequestBody", "ROO", "")
	}
	leaf("RequestHeaders", "ROO", headerSummary(r.Header))
	var b bytes.Buffer
	uom.AppendEntry(&b, &uom.EntryHeader{
		ID: uuid.NewString(), Title: "HttpErrorResponse", Published: published,
		ContentType: uom.MediaType(uom.ServiceWeb, "HttpErrorResponse"),
	}, el.Bytes(), true)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// headerSummary renders request headers the way the REST server echoes
// them, with the session token masked.
func headerSummary(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := strings.Join(h[k], ",")
		if strings.EqualFold(k, "X-API-Session") || strings.EqualFold(k, "Authorization") {
			v = "*******"
		}
		parts = append(parts, k+"="+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
