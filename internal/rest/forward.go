package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// When pvmd runs as two services, pvm-rest owns the TCP (HTTP and HTTPS)
// connections and forwards each request to pvm-core's handler over a
// local socket only root (or pvmd's own user) can open. What the core
// cannot see from the socket, it is told in these request headers: the
// client's address, whether the request came over TLS, and the local user
// owning the client's end of a loopback connection (local logon needs it).
// Forwarded trusts them only on the core's socket; pvm-rest removes any
// that a client sent.
const (
	HeaderPeerAddr = "X-Pvm-Peer-Addr"
	HeaderPeerTLS  = "X-Pvm-Peer-Tls"
	HeaderPeerUID  = "X-Pvm-Peer-Uid"
	HeaderPeerUser = "X-Pvm-Peer-User"
)

// Peer is what pvm-rest knows of a client's connection.
type Peer struct {
	Addr string // host:port of the client
	TLS  bool   // the request came over HTTPS
	// Known is true when the local user owning the client's socket was
	// found (loopback connections): UID and User are then set.
	Known bool
	UID   int
	User  string
}

// PeerOf reads the client of a request served on a TCP listener.
func PeerOf(r *http.Request) Peer {
	p := Peer{Addr: r.RemoteAddr, TLS: r.TLS != nil}
	p.UID, p.User, p.Known = peerUser(r)
	return p
}

// StripForwarded removes the forwarding headers a client may have sent.
func StripForwarded(h http.Header) {
	for _, k := range []string{HeaderPeerAddr, HeaderPeerTLS, HeaderPeerUID, HeaderPeerUser} {
		h.Del(k)
	}
}

// SetHeaders writes the peer into the headers of the forwarded request.
func (p Peer) SetHeaders(h http.Header) {
	StripForwarded(h)
	h.Set(HeaderPeerAddr, p.Addr)
	if p.TLS {
		h.Set(HeaderPeerTLS, "1")
	}
	if p.Known {
		h.Set(HeaderPeerUID, strconv.Itoa(p.UID))
		h.Set(HeaderPeerUser, p.User)
	}
}

type peerKey struct{}

// Forwarded serves requests that pvm-rest forwarded over the core's
// socket: the peer in the headers becomes the request's remote address
// and the identity local logon checks.
func Forwarded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := Peer{Addr: r.Header.Get(HeaderPeerAddr), TLS: r.Header.Get(HeaderPeerTLS) == "1"}
		if uid, err := strconv.Atoi(r.Header.Get(HeaderPeerUID)); err == nil {
			p.Known, p.UID, p.User = true, uid, r.Header.Get(HeaderPeerUser)
		}
		StripForwarded(r.Header)
		if p.Addr == "" {
			WriteServiceError(w, r, http.StatusBadRequest, "[PVME01040111-0054] The request did not come through pvm-rest.")
			return
		}
		r.RemoteAddr = p.Addr
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, p)))
	})
}

// forwardedPeer is the peer pvm-rest named for a forwarded request.
func forwardedPeer(r *http.Request) (Peer, bool) {
	p, ok := r.Context().Value(peerKey{}).(Peer)
	return p, ok
}

// overTLS reports whether the client's request came over HTTPS (directly
// or through pvm-rest).
func overTLS(r *http.Request) bool {
	if p, ok := forwardedPeer(r); ok {
		return p.TLS
	}
	return r.TLS != nil
}

// WriteServiceError answers with an HttpErrorResponse where there is no
// Server (pvm-rest when pvm-core cannot be reached).
func WriteServiceError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeErrorEntry(w, r, status, http.StatusText(status), msg, nil, time.Now().Format("2006-01-02T15:04:05.000Z07:00"))
}
