package rest

import (
	"net"
	"strings"
	"sync"
	"time"
)

// logonThrottle slows password guessing down. Failed logons are counted
// per (user, source address) and per source address; past a few, that
// pair (or source) waits before its next try, the wait doubling with each
// further failure up to throttleMax, and the try is refused at once (429)
// without a password check. A success clears its pair. A source on
// loopback is counted per pair only (the local users share its address).
// Counting per user alone would let anyone lock an account out.
type logonThrottle struct {
	mu  sync.Mutex
	m   map[string]*failures
	now func() time.Time
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

const (
	freePairFailures   = 5
	freeSourceFailures = 20
	throttleWindow     = 15 * time.Minute // failures older than this are forgotten
	throttleMax        = 5 * time.Minute
	throttleEntries    = 10000
)

func newLogonThrottle(now func() time.Time) *logonThrottle {
	return &logonThrottle{m: map[string]*failures{}, now: now}
}

// keys returns the counters of a logon: the pair's, and the source's
// (none on loopback).
func throttleKeys(user, remote string) []string {
	ip := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		ip = h
	}
	keys := []string{"pair\x00" + strings.ToLower(user) + "\x00" + ip}
	if p := net.ParseIP(ip); p == nil || !p.IsLoopback() {
		keys = append(keys, "source\x00"+ip)
	}
	return keys
}

// wait returns how long a logon of user from remote must still wait (0:
// it may try now).
func (t *logonThrottle) wait(user, remote string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var d time.Duration
	for _, k := range throttleKeys(user, remote) {
		if f := t.m[k]; f != nil && f.until.After(now) {
			d = max(d, f.until.Sub(now))
		}
	}
	return d
}

// failed counts a failed logon.
func (t *logonThrottle) failed(user, remote string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.m) >= throttleEntries {
		t.sweepLocked(now)
	}
	for i, k := range throttleKeys(user, remote) {
		f := t.m[k]
		if f == nil || now.Sub(f.last) > throttleWindow {
			f = &failures{}
			t.m[k] = f
		}
		f.n++
		f.last = now
		free := freePairFailures
		if i == 1 {
			free = freeSourceFailures
		}
		if over := f.n - free + 1; over > 0 { // from the free-th failure on
			d := throttleMax
			if over < 20 {
				d = min(throttleMax, time.Second<<(over-1))
			}
			f.until = now.Add(d)
		}
	}
}

// succeeded clears the pair of a logon that went through.
func (t *logonThrottle) succeeded(user, remote string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, throttleKeys(user, remote)[0])
}

// sweepLocked forgets old failures; if that is not enough, it forgets
// some at random (the table stays bounded).
func (t *logonThrottle) sweepLocked(now time.Time) {
	for k, f := range t.m {
		if now.Sub(f.last) > throttleWindow && !f.until.After(now) {
			delete(t.m, k)
		}
	}
	for k := range t.m {
		if len(t.m) < throttleEntries*3/4 {
			break
		}
		delete(t.m, k)
	}
}
