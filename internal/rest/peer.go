package rest

import (
	"bufio"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// peerUser finds the local user owning the client end of a loopback TCP
// connection, from /proc/net/tcp{,6} (Linux), or the one pvm-rest found
// for a forwarded request. known is false when the socket table cannot
// tell.
func peerUser(r *http.Request) (uid int, name string, known bool) {
	if p, ok := forwardedPeer(r); ok {
		return p.UID, p.User, p.Known
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return 0, "", false
	}
	rhost, rport, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return 0, "", false
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return 0, "", false
	}
	// The client's socket has the client address as its local end.
	want := sockKey(rhost, rport) + " " + sockKey(lhost, lport)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 8 || fields[0] == "sl" {
				continue
			}
			if normSock(fields[1])+" "+normSock(fields[2]) != want {
				continue
			}
			id, err := strconv.Atoi(fields[7])
			if err != nil {
				continue
			}
			file.Close()
			n := strconv.Itoa(id)
			if u, err := user.LookupId(n); err == nil {
				n = u.Username
			}
			return id, n, true
		}
		file.Close()
	}
	return 0, "", false
}

// sockKey renders host:port the way normSock reads /proc entries.
func sockKey(host, port string) string {
	ip := net.ParseIP(host)
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	p, _ := strconv.Atoi(port)
	return ip.String() + ":" + strconv.Itoa(p)
}

// normSock turns "0100007F:1F90" (little-endian words) into "127.0.0.1:8080".
func normSock(s string) string {
	addr, port, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	raw, err := hex.DecodeString(addr)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return ""
	}
	ip := make(net.IP, len(raw))
	for w := 0; w < len(raw); w += 4 {
		ip[w], ip[w+1], ip[w+2], ip[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
	}
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	p, err := strconv.ParseInt(port, 16, 32)
	if err != nil {
		return ""
	}
	return ip.String() + ":" + strconv.Itoa(int(p))
}

func currentUserName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// userInGroup reports whether a local user belongs to a group.
func userInGroup(name, group string) bool {
	u, err := user.Lookup(name)
	if err != nil {
		return false
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return false
	}
	ids, err := u.GroupIds()
	if err != nil {
		return false
	}
	for _, id := range ids {
		if id == g.Gid {
			return true
		}
	}
	return false
}
