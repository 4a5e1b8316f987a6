package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/fields"
)

// Exit codes of pvmctl.
const (
	ExitOK         = 0
	ExitFailed     = 1 // anything else (including "not supported yet")
	ExitUsage      = 2 // bad command line: unknown object, verb, flag, field, value
	ExitNotFound   = 3 // the object named does not exist
	ExitRefused    = 4 // the server refused (state, validation, etag)
	ExitServer     = 5 // the server failed or could not be reached
	ExitPermission = 6 // the user may not run pvmctl
)

// Error is a pvmctl error: printed as "[ID] message" with an exit code.
type Error struct {
	ID   string
	Msg  string
	Code int
}

func (e *Error) Error() string {
	if e.ID == "" {
		return e.Msg
	}
	return "[" + e.ID + "] " + e.Msg
}

// Usage returns a usage error.
func Usage(id, format string, args ...any) *Error {
	return &Error{ID: id, Msg: fmt.Sprintf(format, args...), Code: ExitUsage}
}

// NotFound returns a not-found error.
func NotFound(format string, args ...any) *Error {
	return &Error{ID: "PVME01040124-0013", Msg: fmt.Sprintf(format, args...), Code: ExitNotFound}
}

// NotSupported says an object or verb has no backend yet.
func NotSupported(object, verb string) *Error {
	return &Error{ID: "PVME01040125-0014", Code: ExitFailed,
		Msg: fmt.Sprintf("%s %s is not supported yet by this NovaLink.", object, verb)}
}

var pvmeRE = regexp.MustCompile(`^\[(PVME[0-9]{8}-[0-9]{4})\] (.*)$`)

// Classify turns any error into an *Error with its message ID and exit
// code: server errors keep the server's message (which carries its own
// PVME ID when it has one).
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *fields.Error
	if errors.As(err, &fe) {
		return &Error{ID: "PVME01040123-0010", Msg: fe.Msg, Code: ExitUsage}
	}
	var ce *client.ConnectError
	if errors.As(err, &ce) {
		msg := ce.Error()
		var uae x509.UnknownAuthorityError
		var hne x509.HostnameError
		var cie x509.CertificateInvalidError
		var tlsv *tls.CertificateVerificationError
		if errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie) || errors.As(err, &tlsv) {
			msg += ". Trust the server's certificate with PVM_CA_FILE=FILE (pvmd's is <state-dir>/tls/server.crt), or skip the check with PVM_INSECURE=1."
		}
		return &Error{ID: "PVME01040126-0015", Msg: msg, Code: ExitServer}
	}
	var jf *client.JobFailed
	if errors.As(err, &jf) {
		return withHint(withServerID(jf.Error(), "PVME01040127-0016", ExitRefused))
	}
	var se *client.Error
	if errors.As(err, &se) {
		code := ExitRefused
		switch {
		case se.Status == http.StatusNotFound:
			code = ExitNotFound
		case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
			code = ExitPermission
		case se.Status >= 500:
			code = ExitServer
		}
		return withHint(withServerID(se.Message, "PVME01040128-0017", code))
	}
	if errors.Is(err, context.Canceled) {
		return &Error{ID: "PVME01040140-0010", Code: ExitInterrupted, Msg: "Interrupted."}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{ID: "PVME01040126-0018", Msg: "The request timed out.", Code: ExitServer}
	}
	return &Error{ID: "PVME01040199-0019", Msg: err.Error(), Code: ExitFailed}
}

// withServerID keeps a server message's own [PVME...] ID, else adds def.
func withServerID(msg, def string, code int) *Error {
	if m := pvmeRE.FindStringSubmatch(msg); m != nil {
		return &Error{ID: m[1], Msg: m[2], Code: code}
	}
	return &Error{ID: def, Msg: msg, Code: code}
}

// hints complete server messages with what to do on this side, by
// message ID.
var hints = map[string]string{
	// Not the management master: NovaLink takes the role back itself.
	"PVME01050960-0100": "Take it for NovaLink with 'pvmctl sys set-master'.",
	"PVME01050960-0101": "Take it back for NovaLink with 'pvmctl sys set-master' (--force ends the master's operations in progress).",
}

func withHint(e *Error) *Error {
	if h, ok := hints[e.ID]; ok && !strings.Contains(e.Msg, h) {
		e.Msg = strings.TrimSpace(e.Msg) + " " + h
	}
	return e
}
