package app

import (
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/uom"
)

// memo holds what one invocation has read already (the managed system,
// the partitions, the switches ...), so that an object's list and its
// computed fields share one request.
type memo struct {
	mu   sync.Mutex
	vals map[string]*memoVal
}

type memoVal struct {
	once sync.Once
	v    any
	err  error
}

// Memo returns the value computed by fn for key, computing it once per
// invocation (concurrent callers wait for the first).
func (a *App) Memo(key string, fn func() (any, error)) (any, error) {
	a.memo.mu.Lock()
	if a.memo.vals == nil {
		a.memo.vals = map[string]*memoVal{}
	}
	m := a.memo.vals[key]
	if m == nil {
		m = &memoVal{}
		a.memo.vals[key] = m
	}
	a.memo.mu.Unlock()
	m.once.Do(func() { m.v, m.err = fn() })
	return m.v, m.err
}

// Forget drops a memoized value (after a change the invocation made).
func (a *App) Forget(key string) {
	a.memo.mu.Lock()
	delete(a.memo.vals, key)
	a.memo.mu.Unlock()
}

// Parallel runs the jobs at most n at a time and returns the first error
// (in job order).
func Parallel(n int, jobs []func() error) error {
	if n < 1 {
		n = 1
	}
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, job func() error) {
			defer func() { <-sem; wg.Done() }()
			errs[i] = job()
		}(i, job)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Feed reads a feed with ?group=None, once per invocation.
func Feed(a *App, path string) ([]*uom.Entry, error) {
	v, err := a.Memo("feed "+path, func() (any, error) {
		c, err := a.Client()
		if err != nil {
			return nil, err
		}
		f, err := c.GetFeed(a.Context(), path, client.ReadOptions{Groups: []string{"None"}})
		if err != nil {
			return nil, err
		}
		return f.Entries, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]*uom.Entry), nil
}

// System returns the managed system's entry (?group=None), read once per
// invocation.
func System(a *App) (*uom.Entry, error) {
	entries, err := Feed(a, client.UOM("ManagedSystem"))
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 || entries[0].Content == nil {
		return nil, NotFound("The REST server manages no system.")
	}
	return entries[0], nil
}

// SystemFeed reads a feed of the managed system's children
// (ManagedSystem/<uuid>/<kind>) with ?group=None, once per invocation.
func SystemFeed(a *App, kind string) ([]*uom.Entry, error) {
	sys, err := System(a)
	if err != nil {
		return nil, err
	}
	return Feed(a, client.UOM("ManagedSystem", sys.ID, kind))
}

// ListSystemFeed returns a List function reading SystemFeed(kind).
func ListSystemFeed(kind string) func(a *App) ([]*uom.Entry, error) {
	return func(a *App) ([]*uom.Entry, error) { return SystemFeed(a, kind) }
}

// LogOn makes sure the client has a session, so that requests sent
// together do not each log on.
func LogOn(a *App) error {
	c, err := a.Client()
	if err != nil {
		return err
	}
	if c.Token() == "" {
		return c.Logon(a.Context())
	}
	return nil
}

// VIOSes returns the Virtual I/O Servers (?group=None), read once per
// invocation.
func VIOSes(a *App) ([]*uom.Entry, error) { return Feed(a, client.UOM("VirtualIOServer")) }

// Partitions returns the logical partitions then the Virtual I/O Servers
// (?group=None), read once per invocation.
func Partitions(a *App) ([]*uom.Entry, error) {
	var lpars, vioses []*uom.Entry
	if err := LogOn(a); err != nil {
		return nil, err
	}
	err := Parallel(2, []func() error{
		func() (err error) { lpars, err = Feed(a, client.UOM("LogicalPartition")); return },
		func() (err error) { vioses, err = VIOSes(a); return },
	})
	if err != nil {
		return nil, err
	}
	return append(append([]*uom.Entry(nil), lpars...), vioses...), nil
}

// ParentFlag adds -p/--parent-id to a command: the partition (logical
// partition or Virtual I/O Server) the object belongs to.
func ParentFlag(cmd *cobra.Command, dst *string, help string) {
	if help == "" {
		help = "the parent partition (LPAR or VIOS), as KEY=VALUE (name=, id=, uuid=)"
	}
	cmd.Flags().StringVarP(dst, "parent-id", "p", "", help)
}

// PartitionKey is a parsed --parent-id KEY=VALUE naming a partition.
type PartitionKey struct {
	Key, Value string
}

// String returns KEY=VALUE.
func (k *PartitionKey) String() string { return k.Key + "=" + k.Value }

// ParsePartitionKey reads a partition's KEY=VALUE (name=, id=, uuid=);
// flag names the option in messages.
func ParsePartitionKey(flag, s string) (*PartitionKey, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.ToLower(strings.TrimSpace(k))
	v = unquote(strings.TrimSpace(v))
	if !ok || k == "" {
		return nil, Usage("PVME01040123-0043", "The value %q of %s is not valid: use KEY=VALUE with KEY one of name, id, uuid.", s, flag)
	}
	switch k {
	case "name", "uuid":
	case "id":
		if _, err := strconv.Atoi(v); err != nil {
			return nil, Usage("PVME01040123-0044", "The value %q of %s is not valid: a partition id is an integer.", s, flag)
		}
	default:
		return nil, Usage("PVME01040123-0045", "The key %s of %s is not valid: use one of name, id, uuid.", k, flag)
	}
	return &PartitionKey{Key: k, Value: v}, nil
}

// Matches reports whether a partition element (LogicalPartition or
// VirtualIOServer) has the key's value.
func (k *PartitionKey) Matches(e *uom.Entry) bool {
	obj := e.Content
	if obj == nil {
		return false
	}
	switch k.Key {
	case "name":
		v, _ := obj.FindText("PartitionName")
		return v == k.Value
	case "id":
		v, _ := obj.FindText("PartitionID")
		return atoiEq(v, k.Value)
	case "uuid":
		v, _ := obj.FindText("PartitionUUID")
		return strings.EqualFold(v, k.Value) || strings.EqualFold(e.ID, k.Value)
	}
	return false
}

func atoiEq(a, b string) bool {
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	return err1 == nil && err2 == nil && x == y
}

// FindPartition resolves a partition KEY=VALUE (flag names the option in
// messages) among the logical partitions and Virtual I/O Servers.
func FindPartition(a *App, flag, spec string) (*uom.Entry, error) {
	k, err := ParsePartitionKey(flag, spec)
	if err != nil {
		return nil, err
	}
	parts, err := Partitions(a)
	if err != nil {
		return nil, err
	}
	var found []*uom.Entry
	for _, e := range parts {
		if k.Matches(e) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, NotFound("No partition matches %s.", k)
	case 1:
		return found[0], nil
	}
	return nil, Usage("PVME01040123-0024", "%d partitions match %s; name one with id= or uuid=.", len(found), k)
}

// PartitionPath is the REST path of a partition entry (LogicalPartition/
// <uuid> or VirtualIOServer/<uuid>) followed by more parts.
func PartitionPath(e *uom.Entry, more ...string) string {
	typ := "LogicalPartition"
	if e.Content != nil && e.Content.Local != "" {
		typ = e.Content.Local
	}
	return client.UOM(append([]string{typ, e.ID}, more...)...)
}

// TitleBool prints a boolean as pvmctl's tables do (True, False).
func TitleBool(v string) string {
	switch strings.ToLower(v) {
	case "true":
		return "True"
	case "false":
		return "False"
	}
	return v
}
