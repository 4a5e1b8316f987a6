// Package storage holds what pvmctl's storage objects (ssp, lu, pv, lv,
// vmr, vom, scsi, vfc) share: the Virtual I/O Servers read with a storage
// group (?group=ViosStorage, ViosSCSIMapping, ViosFCMapping), their volume
// groups, the shared storage pools with their tiers and logical units,
// lookups by name, sizes in GB as the REST API writes them, and the
// elements a request carries.
package storage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// The VIOS extended attribute groups of the storage objects.
const (
	GroupStorage = "ViosStorage"
	GroupSCSI    = "ViosSCSIMapping"
	GroupFC      = "ViosFCMapping"
)

// fetchers is how many feeds are read at once.
const fetchers = 8

// GroupFeed reads a feed with one extended attribute group (?group=G),
// once per invocation.
func GroupFeed(a *app.App, path, group string) ([]*uom.Entry, error) {
	v, err := a.Memo("feed "+path+"?group="+group, func() (any, error) {
		c, err := a.Client()
		if err != nil {
			return nil, err
		}
		f, err := c.GetFeed(a.Context(), path, client.ReadOptions{Groups: []string{group}})
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

// VIOSEntry reads one VIOS with an extended attribute group, afresh (with
// the etag a change must carry).
func VIOSEntry(a *app.App, vios *uom.Entry, group string) (*uom.Entry, error) {
	c, err := a.Client()
	if err != nil {
		return nil, err
	}
	e, err := c.GetEntry(a.Context(), app.PartitionPath(vios), client.ReadOptions{Groups: []string{group}})
	if err != nil {
		return nil, err
	}
	if e.Entry == nil || e.Content == nil {
		return nil, fmt.Errorf("the REST server sent no VirtualIOServer for %s", vios.ID)
	}
	return e.Entry, nil
}

// VIOSesWith returns the Virtual I/O Servers read with a group: the one
// --parent-id names (parent non-empty), or all of them.
func VIOSesWith(a *app.App, parent, group string) ([]*uom.Entry, error) {
	if parent != "" {
		v, err := FindVIOS(a, "--parent-id", parent, false)
		if err != nil {
			return nil, err
		}
		e, err := VIOSEntry(a, v, group)
		if err != nil {
			return nil, err
		}
		return []*uom.Entry{e}, nil
	}
	return GroupFeed(a, client.UOM("VirtualIOServer"), group)
}

// FindVIOS resolves a Virtual I/O Server named by KEY=VALUE (name=, id=,
// uuid=); with bare, a value without "=" is a name. flag names the option
// in messages.
func FindVIOS(a *app.App, flag, spec string, bare bool) (*uom.Entry, error) {
	if bare && !strings.Contains(spec, "=") {
		spec = "name=" + strings.TrimSpace(spec)
	}
	k, err := app.ParsePartitionKey(flag, spec)
	if err != nil {
		return nil, err
	}
	vioses, err := app.VIOSes(a)
	if err != nil {
		return nil, err
	}
	var found []*uom.Entry
	var names []string
	for _, e := range vioses {
		if e.Content == nil {
			continue
		}
		n, _ := e.Content.FindText("PartitionName")
		names = append(names, n)
		if k.Matches(e) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, app.NotFound("No VirtualIOServer matches %s. Virtual I/O Servers: %s.", k, strings.Join(names, ", "))
	case 1:
		return found[0], nil
	}
	return nil, app.Usage("PVME01040123-0024", "%d Virtual I/O Servers match %s; name one with id= or uuid=.", len(found), k)
}

// Name returns a partition entry's PartitionName.
func Name(e *uom.Entry) string {
	if e == nil || e.Content == nil {
		return ""
	}
	n, _ := e.Content.FindText("PartitionName")
	return n
}

// Partition finds a partition (logical partition or VIOS) by UUID, or by
// ID when the UUID is empty or unknown; nil when neither is known.
func Partition(a *app.App, uuid, id string) *uom.Entry {
	if a == nil {
		return nil
	}
	parts, err := app.Partitions(a)
	if err != nil {
		return nil
	}
	if uuid != "" {
		for _, p := range parts {
			if strings.EqualFold(p.ID, uuid) {
				return p
			}
		}
	}
	if id != "" {
		for _, p := range parts {
			if p.Content == nil {
				continue
			}
			if v, _ := p.Content.FindText("PartitionID"); v == id {
				return p
			}
		}
	}
	return nil
}

// Origin is where a listed element comes from.
type Origin struct {
	VIOS *uom.Entry // the VIOS (pv, lv, vmr, vom, scsi, vfc)
	VG   *uom.Entry // the volume group (lv, vmr, vom)
	Pool *uom.Entry // the shared storage pool (lu)
	Tier *uom.Entry // the tier (lu)
}

// Origins maps the elements a list returned to their origin.
type Origins struct {
	mu sync.Mutex
	m  map[*uom.Element]Origin
}

// Set records an element's origin.
func (o *Origins) Set(el *uom.Element, or Origin) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[*uom.Element]Origin{}
	}
	o.m[el] = or
}

// Get returns an element's origin (zero when unknown).
func (o *Origins) Get(el *uom.Element) Origin {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[el]
}

// VIOSName returns the name of an element's VIOS.
func (o *Origins) VIOSName(el *uom.Element) string { return Name(o.Get(el).VIOS) }

// Entry wraps an element found inside another object's entry as an entry
// of its own (the links and etag of the entry it is in).
func Entry(in *uom.Entry, el *uom.Element, title string) *uom.Entry {
	id, _ := el.FindText("Metadata/Atom/AtomID")
	return &uom.Entry{ID: id, Title: title, Links: in.Links, Etag: in.Etag, Content: el}
}

// ---- volume groups --------------------------------------------------------

// VolumeGroups reads a VIOS's volume groups (?group=None), once per
// invocation.
func VolumeGroups(a *app.App, vios *uom.Entry) ([]*uom.Entry, error) {
	return app.Feed(a, app.PartitionPath(vios, "VolumeGroup"))
}

// VIOSVolumeGroups is the volume groups of one VIOS.
type VIOSVolumeGroups struct {
	VIOS *uom.Entry
	VGs  []*uom.Entry
}

// AllVolumeGroups reads the volume groups of the VIOS --parent-id names
// (parent non-empty), or of every VIOS (several at a time), in VIOS order.
func AllVolumeGroups(a *app.App, parent string) ([]VIOSVolumeGroups, error) {
	var vioses []*uom.Entry
	if parent != "" {
		v, err := FindVIOS(a, "--parent-id", parent, false)
		if err != nil {
			return nil, err
		}
		vioses = []*uom.Entry{v}
	} else {
		all, err := app.VIOSes(a)
		if err != nil {
			return nil, err
		}
		vioses = all
	}
	out := make([]VIOSVolumeGroups, len(vioses))
	var jobs []func() error
	for i, v := range vioses {
		i, v := i, v
		out[i].VIOS = v
		jobs = append(jobs, func() (err error) {
			out[i].VGs, err = VolumeGroups(a, v)
			if err != nil && parent == "" && client.IsNotFound(err) {
				// The VIOS went since the list was read.
				return nil
			}
			return err
		})
	}
	if err := app.Parallel(fetchers, jobs); err != nil {
		return nil, err
	}
	return out, nil
}

// FindVolumeGroup finds a VIOS's volume group by name.
func FindVolumeGroup(a *app.App, vios *uom.Entry, name string) (*uom.Entry, error) {
	vgs, err := VolumeGroups(a, vios)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, vg := range vgs {
		if vg.Content == nil {
			continue
		}
		n, _ := vg.Content.FindText("GroupName")
		if n == name {
			return vg, nil
		}
		names = append(names, n)
	}
	return nil, app.NotFound("No VolumeGroup matches name=%s on %s. Volume groups: %s.", name, Name(vios), strings.Join(names, ", "))
}

// RepositoryVG returns the volume group of a VIOS's virtual media
// repository (nil when it has none).
func RepositoryVG(a *app.App, vios *uom.Entry) (*uom.Entry, error) {
	vgs, err := VolumeGroups(a, vios)
	if err != nil {
		return nil, err
	}
	for _, vg := range vgs {
		if vg.Content != nil && vg.Content.Find("MediaRepositories/VirtualMediaRepository") != nil {
			return vg, nil
		}
	}
	return nil, nil
}

// UpdateVG posts a volume group back (edited) under its etag.
func UpdateVG(a *app.App, vg *uom.Entry) error {
	c, err := a.Client()
	if err != nil {
		return err
	}
	_, err = c.Update(a.Context(), network.Href(vg), vg.Etag, vg.Content)
	return err
}

// Container returns the list element local of obj (e.g. VirtualDisks of a
// VolumeGroup), added where schema (obj's) places it when missing.
func Container(obj *uom.Element, schema *uom.SchemaNode, local string) *uom.Element {
	if c := obj.Child(local); c != nil {
		return c
	}
	c := network.NewComplex(local)
	uom.SetChild(obj, schema, c)
	return c
}

// VGSchema returns the schema of a VolumeGroup (path empty) or of an
// element below it.
func VGSchema(path string) *uom.SchemaNode { return uom.Schema("VolumeGroup").Find(path) }

// RemoveChild removes one child element (by identity) and reports whether
// it was there.
func RemoveChild(parent, child *uom.Element) bool {
	for i, c := range parent.Children {
		if c == child {
			parent.Children = append(parent.Children[:i:i], parent.Children[i+1:]...)
			return true
		}
	}
	return false
}

// ---- shared storage pools ------------------------------------------------

// Pools reads the shared storage pools (?group=None), once per invocation.
func Pools(a *app.App) ([]*uom.Entry, error) { return app.Feed(a, client.UOM("SharedStoragePool")) }

// PoolName returns a pool's StoragePoolName.
func PoolName(e *uom.Entry) string {
	if e == nil || e.Content == nil {
		return ""
	}
	n, _ := e.Content.FindText("StoragePoolName")
	return n
}

// FindPool finds a pool by name; with name empty, the only pool.
func FindPool(a *app.App, flag, name string) (*uom.Entry, error) {
	pools, err := Pools(a)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range pools {
		n := PoolName(p)
		if name != "" && n == name {
			return p, nil
		}
		names = append(names, n)
	}
	if name == "" {
		switch len(pools) {
		case 1:
			return pools[0], nil
		case 0:
			return nil, app.NotFound("There is no shared storage pool.")
		}
		return nil, app.Usage("PVME01040123-0100", "There are several shared storage pools (%s): name one with %s.", strings.Join(names, ", "), flag)
	}
	return nil, app.NotFound("No SharedStoragePool matches name=%s. Shared storage pools: %s.", name, strings.Join(names, ", "))
}

// Tiers reads a pool's tiers, once per invocation.
func Tiers(a *app.App, pool *uom.Entry) ([]*uom.Entry, error) {
	return app.Feed(a, client.UOM("SharedStoragePool", pool.ID, "Tier"))
}

// DefaultTier returns the pool's default tier (the first when none says
// it is the default).
func DefaultTier(a *app.App, pool *uom.Entry) (*uom.Entry, error) {
	tiers, err := Tiers(a, pool)
	if err != nil {
		return nil, err
	}
	for _, t := range tiers {
		if t.Content != nil {
			if d, _ := t.Content.FindText("IsDefault"); d == "true" {
				return t, nil
			}
		}
	}
	if len(tiers) > 0 {
		return tiers[0], nil
	}
	return nil, &app.Error{ID: "PVME01040130-0101", Code: app.ExitRefused, Msg: "The shared storage pool " + PoolName(pool) + " has no tier."}
}

// LU is a logical unit with the pool and tier it is in.
type LU struct {
	Entry      *uom.Entry
	Pool, Tier *uom.Entry
}

// Name returns the LU's UnitName.
func (l *LU) Name() string { n, _ := l.Entry.Content.FindText("UnitName"); return n }

// UDID returns the LU's UniqueDeviceID.
func (l *LU) UDID() string { n, _ := l.Entry.Content.FindText("UniqueDeviceID"); return n }

// LUs reads the logical units of every pool (or of the pool named, when
// pool is not empty) through their tiers, several feeds at a time; they
// come by pool, then by name.
func LUs(a *app.App, pool string) ([]*LU, error) {
	v, err := a.Memo("lus "+pool, func() (any, error) { return readLUs(a, pool) })
	if err != nil {
		return nil, err
	}
	return v.([]*LU), nil
}

func readLUs(a *app.App, poolName string) ([]*LU, error) {
	if err := app.LogOn(a); err != nil {
		return nil, err
	}
	var pools []*uom.Entry
	if poolName != "" {
		p, err := FindPool(a, "--ssp", poolName)
		if err != nil {
			return nil, err
		}
		pools = []*uom.Entry{p}
	} else {
		all, err := Pools(a)
		if err != nil {
			return nil, err
		}
		pools = all
	}
	tiers := make([][]*uom.Entry, len(pools))
	var jobs []func() error
	for i, p := range pools {
		i, p := i, p
		jobs = append(jobs, func() (err error) { tiers[i], err = Tiers(a, p); return })
	}
	if err := app.Parallel(fetchers, jobs); err != nil {
		return nil, err
	}
	type tierOf struct{ pool, tier *uom.Entry }
	var ts []tierOf
	for i, p := range pools {
		for _, t := range tiers[i] {
			ts = append(ts, tierOf{p, t})
		}
	}
	feeds := make([][]*uom.Entry, len(ts))
	jobs = nil
	for i, t := range ts {
		i, t := i, t
		jobs = append(jobs, func() (err error) {
			feeds[i], err = app.Feed(a, client.UOM("Tier", t.tier.ID, "LogicalUnit"))
			return err
		})
	}
	if err := app.Parallel(fetchers, jobs); err != nil {
		return nil, err
	}
	var out []*LU
	for i, t := range ts {
		var these []*LU
		for _, e := range feeds[i] {
			if e.Content != nil {
				these = append(these, &LU{Entry: e, Pool: t.pool, Tier: t.tier})
			}
		}
		sort.SliceStable(these, func(x, y int) bool { return these[x].Name() < these[y].Name() })
		out = append(out, these...)
	}
	return out, nil
}

// SameUDID compares two UDIDs of logical units without their two-digit
// type prefix (a clone's ClonedFrom may carry another prefix than its
// source's UniqueDeviceID).
func SameUDID(a, b string) bool {
	if len(a) <= 2 || len(b) <= 2 {
		return strings.EqualFold(a, b)
	}
	return strings.EqualFold(a[2:], b[2:])
}

// FindLU finds a logical unit by name= or udid= (or uuid=) in the pools
// (or the pool named).
func FindLU(a *app.App, flag, spec, pool string) (*LU, error) {
	k, v, ok := strings.Cut(spec, "=")
	k = strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if !ok {
		k, v = "name", strings.TrimSpace(spec)
	}
	if k != "name" && k != "udid" && k != "uuid" {
		return nil, app.Usage("PVME01040123-0102", "The key %s of %s is not valid for a logical unit: use name=, udid= or uuid=.", k, flag)
	}
	if v == "" {
		return nil, app.Usage("PVME01040123-0103", "The value of %s is empty.", flag)
	}
	lus, err := LUs(a, pool)
	if err != nil {
		return nil, err
	}
	var found []*LU
	for _, l := range lus {
		switch k {
		case "name":
			if l.Name() == v {
				found = append(found, l)
			}
		case "udid":
			if strings.EqualFold(l.UDID(), v) {
				found = append(found, l)
			}
		case "uuid":
			if strings.EqualFold(l.Entry.ID, v) {
				found = append(found, l)
			}
		}
	}
	switch len(found) {
	case 0:
		where := ""
		if pool != "" {
			where = " in shared storage pool " + pool
		}
		return nil, app.NotFound("No LogicalUnit matches %s=%s%s.", k, v, where)
	case 1:
		return found[0], nil
	}
	return nil, app.Usage("PVME01040123-0024", "%d logical units match %s=%s; name the pool with --ssp or use udid=.", len(found), k, v)
}

// ---- sizes ------------------------------------------------------------------

// FormatGB prints a size in GB as pvmctl's tables do: at least one
// decimal (20.0, 1.5, 0.0977); anything not a number is returned as it is.
func FormatGB(v string) string {
	v = strings.TrimSpace(v)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return v
	}
	return gb(f)
}

func gb(f float64) string {
	s := strconv.FormatFloat(math.Round(f*1e6)/1e6, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// FormatMBAsGB prints a size in MB (as physical volumes give it) in GB.
func FormatMBAsGB(v string) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return v
	}
	return gb(math.Round(f/1024*100) / 100)
}

// ParseGB reads a size in GB from the command line: a positive decimal
// number (at most six decimals, as the REST API keeps).
func ParseGB(flag, s string) (float64, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	bad := err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "eExX")
	if !bad {
		if _, frac, ok := strings.Cut(t, "."); ok && len(frac) > 6 {
			bad = true
		}
	}
	if bad {
		return 0, app.Usage("PVME01040123-0104", "The value %q of %s is not valid: give a size in GB, e.g. 20 or 0.5.", s, flag)
	}
	if f <= 0 {
		return 0, app.Usage("PVME01040123-0105", "The value %q of %s is not valid: the size must be greater than 0.", s, flag)
	}
	return f, nil
}

// GBText writes a size in GB as the REST API takes it (six decimals, as
// pypowervm sends them).
func GBText(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

// ElementGB reads a size in GB from an element's child (0 when absent).
func ElementGB(el *uom.Element, path string) float64 {
	t, _ := el.FindText(path)
	f, _ := strconv.ParseFloat(t, 64)
	return f
}

// CheckGrow refuses a new size smaller than the current one (devices grow
// only); it reports whether the size changes at all.
func CheckGrow(what, name string, cur, want float64) (bool, error) {
	if want < cur-1e-7 {
		return false, app.Usage("PVME01040123-0106", "The %s %s cannot shrink from %s GB to %s GB.", what, name, gb(cur), gb(want))
	}
	return want > cur+1e-7, nil
}

// ---- request elements -----------------------------------------------------

// HrefTo returns an element whose href attribute links to an object (as
// AssociatedLogicalPartition is written in mappings).
func HrefTo(local, href string) *uom.Element {
	return &uom.Element{Space: uom.NSUOM, Local: local,
		Attrs: []uom.Attr{{Local: "href", Value: href}, {Local: "rel", Value: "related"}}}
}

// Complex returns a nested complex element with leaves, in order.
func Complex(local string, leaves ...*uom.Element) *uom.Element {
	return network.NewComplex(local).Append(leaves...)
}

// Leaf returns a leaf element in the uom namespace.
func Leaf(local, text string) *uom.Element { return network.Leaf(local, text) }

// NewAdapter is the ClientAdapter or ServerAdapter of a new mapping: the
// server picks the slot (UseNextAvailableSlotID) unless slot > 0.
func NewAdapter(local, side string, slot int, more ...*uom.Element) *uom.Element {
	el := Complex(local, Leaf("AdapterType", side))
	if slot > 0 {
		el.Append(Leaf("UseNextAvailableSlotID", "false"), Leaf("VirtualSlotNumber", strconv.Itoa(slot)))
	} else {
		el.Append(Leaf("UseNextAvailableSlotID", "true"))
	}
	return el.Append(more...)
}

// PartitionHref is the link a mapping gives its client partition: the
// partition's root URI (as pypowervm builds it).
func PartitionHref(c *client.Client, p *uom.Entry) string {
	typ := "LogicalPartition"
	if p.Content != nil && p.Content.Local != "" {
		typ = p.Content.Local
	}
	return c.URL() + client.UOM(typ, p.ID)
}

// UpdateVIOS posts a VIOS read with group back (edited) under its etag,
// to its URI with ?group=G.
func UpdateVIOS(a *app.App, vios *uom.Entry, group string) error {
	c, err := a.Client()
	if err != nil {
		return err
	}
	path := app.PartitionPath(vios) + "?group=" + group
	_, err = c.Update(a.Context(), path, vios.Etag, vios.Content)
	return err
}

// ---- commands ---------------------------------------------------------------

// NotSupportedCommand is a verb this NovaLink does not offer, with the
// reason.
func NotSupportedCommand(o *app.Object, verb, reason string) *cobra.Command {
	return app.NotSupportedBecause(o, verb, reason)
}

// NoArgs refuses positional arguments.
func NoArgs(args []string) error {
	if len(args) > 0 {
		return app.Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	return nil
}

// Required refuses an empty option.
func Required(flag, value, what string) error {
	if strings.TrimSpace(value) == "" {
		return app.Usage("PVME01040123-0107", "The parameter %s is required (%s).", flag, what)
	}
	return nil
}

// TitleBool is app.TitleBool (for columns).
func TitleBool(v string) string { return app.TitleBool(v) }

// FindOne is app.FindOne with the way to narrow the search down when
// several objects match (hint, e.g. "give --parent-id").
func FindOne(a *app.App, o *app.Object, id *app.ObjectID, hint string) (*uom.Entry, error) {
	entries, err := o.List(a)
	if err != nil {
		return nil, err
	}
	var found []*uom.Entry
	for _, e := range entries {
		if e.Content != nil && id.Matches(e.Content) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, app.NotFound("No %s matches %s=%s.", o.Name, id.Key, id.Value)
	case 1:
		return found[0], nil
	}
	return nil, app.Usage("PVME01040123-0024", "%d objects of type %s match %s=%s; %s.", len(found), o.Name, id.Key, id.Value, hint)
}
