// Package app is what every pvmctl object command shares: the connection
// to the REST API (with a per-user cached session), the object registry,
// the common options (--object-id, --where, --display-fields,
// --set-fields), the generic list and lookup, and errors with exit codes.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/novalink-project/novalink/client"
)

// Env is the outside world of one pvmctl run (tests replace it).
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Width returns the terminal width (0 when not a terminal).
	Width func() int
	// User is the local user running pvmctl.
	User func() (User, error)
	Now  func() time.Time
	// StderrTerminal says standard error is a terminal (progress is then
	// redrawn in place rather than printed as lines).
	StderrTerminal bool
	// Signals makes the command stop waiting on SIGINT (Ctrl-C) and
	// SIGTERM, saying what goes on without it (commands run from a shell).
	Signals bool
	// Confirm asks the person at the terminal a yes/no question; nil when
	// there is no terminal to ask (then a command that needs a
	// confirmation wants it given in advance).
	Confirm func(question string) (bool, error)
}

// User is a local account.
type User struct {
	Name   string
	UID    int
	Groups []string // group names
}

// App is one pvmctl invocation.
type App struct {
	Env  Env
	ctx  context.Context
	cl   *client.Client
	memo memo
}

// New returns an app for env.
func New(ctx context.Context, env Env) *App { return &App{Env: env, ctx: ctx} }

// Context returns the invocation's context.
func (a *App) Context() context.Context { return a.ctx }

// Out returns standard output.
func (a *App) Out() io.Writer { return a.Env.Stdout }

// Width returns the width tables are fitted to: COLUMNS when set, else
// the terminal's width, else 0 (not a terminal: nothing is cut).
func (a *App) Width() int {
	if w := a.Env.Getenv("COLUMNS"); w != "" {
		var n int
		for _, c := range w {
			if c < '0' || c > '9' {
				n = 0
				break
			}
			n = n*10 + int(c-'0')
		}
		if n > 0 {
			return n
		}
	}
	if a.Env.Width != nil {
		if w := a.Env.Width(); w > 0 {
			return w
		}
	}
	return 0
}

// Client returns the REST client, created on first use: local logon to
// http://localhost:12080 unless PVM_URL names another address and
// PVM_USER/PVM_PASSWORD ask for password logon. The session token is
// cached per user (PVMCTL_SESSION_DIR, else the user's cache directory) in
// a file only the user can read.
func (a *App) Client() (*client.Client, error) {
	if a.cl != nil {
		return a.cl, nil
	}
	get := a.Env.Getenv
	cfg := client.Config{
		URL:      get("PVM_URL"),
		User:     get("PVM_USER"),
		Password: get("PVM_PASSWORD"),
		CAFile:   get("PVM_CA_FILE"),
		Insecure: get("PVM_INSECURE") == "1" || strings.EqualFold(get("PVM_INSECURE"), "true"),
		Timeout:  30 * time.Minute,
	}
	osUser := ""
	if u, err := a.Env.User(); err == nil {
		osUser = u.Name
		cfg.AuditMemento = u.Name
	}
	// A user named without a password is a mistake, not a request for a
	// local logon as someone else.
	if cfg.User != "" && cfg.Password == "" {
		return nil, Usage("PVME01040140-0001", "PVM_USER names the user %s but PVM_PASSWORD is empty: set PVM_PASSWORD to log on as %s, or unset PVM_USER to log on locally as %s.",
			cfg.User, cfg.User, orString(osUser, "the local user"))
	}
	// The cached session is kept per identity: a local logon as the local
	// user, or a password logon as PVM_USER.
	identity := "local " + osUser
	if cfg.Password != "" {
		identity = "password " + cfg.User
	} else {
		cfg.User = osUser
	}
	if cfg.URL == "" {
		cfg.URL = client.DefaultURL
	}
	cache := a.sessionFile(cfg.URL, identity)
	if cache != "" {
		if b, err := os.ReadFile(cache); err == nil {
			cfg.Token = strings.TrimSpace(string(b))
		}
		cfg.OnToken = func(tok string) { writePrivate(cache, tok) }
	}
	cl, err := client.New(cfg)
	if err != nil {
		return nil, Usage("PVME01040123-0011", "%v", err)
	}
	a.cl = cl
	return cl, nil
}

// sessionFile is where the session for (url, identity) is cached (""
// when there is no place for it). The identity is the logon mode and the
// user ("local root", "password hscroot"), so a session is never used for
// another user or made by another kind of logon.
func (a *App) sessionFile(url, identity string) string {
	dir := a.Env.Getenv("PVMCTL_SESSION_DIR")
	if dir == "" {
		if rt := a.Env.Getenv("XDG_RUNTIME_DIR"); rt != "" {
			dir = filepath.Join(rt, "pvmctl")
		} else if home := a.Env.Getenv("HOME"); home != "" {
			dir = filepath.Join(home, ".cache", "pvmctl")
		} else {
			return ""
		}
	}
	if strings.EqualFold(dir, "off") {
		return ""
	}
	sum := sha256.Sum256([]byte(url + "|" + identity))
	return filepath.Join(dir, "session-"+hex.EncodeToString(sum[:8]))
}

// writePrivate writes data to path readable only by its owner (0600 in a
// 0700 directory), atomically.
func writePrivate(path, data string) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".session-")
	if err != nil {
		return
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return
	}
	if _, err := f.WriteString(data + "\n"); err != nil {
		f.Close()
		return
	}
	if f.Close() == nil {
		_ = os.Rename(f.Name(), path) // a cache: without it the next run logs on again
	}
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
