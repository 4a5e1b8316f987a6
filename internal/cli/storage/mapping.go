package storage

import (
	"strings"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/network"
	"github.com/novalink-project/novalink/uom"
)

// Mapping helpers shared by the scsi and vfc objects.

// ClientUUID returns the UUID of a mapping's client partition (from its
// AssociatedLogicalPartition link; "" when it has none).
func ClientUUID(m *uom.Element) string {
	return network.HrefUUID(network.LinkHref(m.Child("AssociatedLogicalPartition")))
}

// ClientID returns the partition ID of a mapping's client: the client
// adapter's, else what the server adapter says it serves.
func ClientID(m *uom.Element) string {
	for _, p := range []string{"ClientAdapter/LocalPartitionID", "ServerAdapter/RemoteLogicalPartitionID", "ServerAdapter/ConnectingPartitionID"} {
		if v, ok := m.FindText(p); ok && v != "" {
			return v
		}
	}
	return ""
}

// Client returns a mapping's client partition entry (nil when unknown).
func Client(a *app.App, m *uom.Element) *uom.Entry {
	return Partition(a, ClientUUID(m), ClientID(m))
}

// ClientMatches reports whether a mapping serves the partition p.
func ClientMatches(m *uom.Element, p *uom.Entry) bool {
	if u := ClientUUID(m); u != "" {
		return strings.EqualFold(u, p.ID)
	}
	id := ClientID(m)
	if id == "" || p.Content == nil {
		return false
	}
	pid, _ := p.Content.FindText("PartitionID")
	return pid == id
}

// MappingList returns the mapping elements of a VIOS (local is
// VirtualSCSIMapping or VirtualFibreChannelMapping).
func MappingList(vios *uom.Element, local string) []*uom.Element {
	return vios.FindAll(local + "s/" + local)
}

// MappingContainer returns the VIOS's mapping list element, added in
// schema order (with its group) when missing.
func MappingContainer(vios *uom.Element, local, group string) *uom.Element {
	c := vios.Child(local + "s")
	if c == nil {
		c = network.NewComplex(local + "s")
		c.Attrs = append([]uom.Attr{{Local: "group", Value: group}}, c.Attrs...)
		uom.SetChild(vios, uom.Schema("VirtualIOServer"), c)
	}
	return c
}

// Device is a kind of device a vSCSI mapping maps.
type Device struct {
	Type     string // lu, pv, lv, vopt (pvmctl's --type)
	Element  string // the element in Storage
	NameEl   string // its name
	UDIDEl   string // its unique ID
	Describe string // for messages
}

// Devices are the kinds of vSCSI storage.
var Devices = []Device{
	{"lu", "LogicalUnit", "UnitName", "UniqueDeviceID", "logical unit"},
	{"pv", "PhysicalVolume", "VolumeName", "UniqueDeviceID", "physical volume"},
	{"lv", "VirtualDisk", "DiskName", "UniqueDeviceID", "logical volume"},
	{"vopt", "VirtualOpticalMedia", "MediaName", "MediaUDID", "virtual optical media"},
}

// DeviceByType returns the device kind of a --type value.
func DeviceByType(t string) (Device, bool) {
	for _, d := range Devices {
		if strings.EqualFold(d.Type, t) {
			return d, true
		}
	}
	return Device{}, false
}

// StorageOf returns the device kind and element a mapping maps (ok false
// when it maps none).
func StorageOf(m *uom.Element) (Device, *uom.Element, bool) {
	st := m.Child("Storage")
	if st == nil {
		return Device{}, nil, false
	}
	for _, c := range st.Children {
		for _, d := range Devices {
			if c.Local == d.Element {
				return d, c, true
			}
		}
	}
	return Device{}, nil, false
}

// DeviceName returns the name of the device a mapping maps ("" for none).
func DeviceName(m *uom.Element) string {
	d, el, ok := StorageOf(m)
	if !ok {
		return ""
	}
	n, _ := el.FindText(d.NameEl)
	return n
}

// DeviceUDID returns the unique ID of the device a mapping maps.
func DeviceUDID(m *uom.Element) string {
	d, el, ok := StorageOf(m)
	if !ok {
		return ""
	}
	n, _ := el.FindText(d.UDIDEl)
	return n
}

// DeviceKey is a parsed --stor-id: name= or udid=.
type DeviceKey struct{ Key, Value string }

func (k DeviceKey) String() string { return k.Key + "=" + k.Value }

// ParseDeviceKey reads --stor-id KEY=VALUE (a bare value is a name).
func ParseDeviceKey(flag, s string) (DeviceKey, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		k, v = "name", s
	}
	k = strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if k != "name" && k != "udid" {
		return DeviceKey{}, app.Usage("PVME01040123-0121", "The key %s of %s is not valid: use name= or udid=.", k, flag)
	}
	if v == "" {
		return DeviceKey{}, app.Usage("PVME01040123-0103", "The value of %s is empty.", flag)
	}
	return DeviceKey{k, v}, nil
}

// Matches reports whether a device element (of kind d) has the key.
func (k DeviceKey) Matches(d Device, el *uom.Element) bool {
	if k.Key == "udid" {
		v, _ := el.FindText(d.UDIDEl)
		return strings.EqualFold(v, k.Value)
	}
	v, _ := el.FindText(d.NameEl)
	return v == k.Value
}

// TargetName returns the virtual target device of a vSCSI mapping.
func TargetName(m *uom.Element) string {
	if td := m.Child("TargetDevice"); td != nil && len(td.Children) > 0 {
		n, _ := td.Children[0].FindText("TargetName")
		return n
	}
	return ""
}

// TargetLUA returns the logical unit address of a vSCSI mapping.
func TargetLUA(m *uom.Element) string {
	if td := m.Child("TargetDevice"); td != nil && len(td.Children) > 0 {
		n, _ := td.Children[0].FindText("LogicalUnitAddress")
		return n
	}
	return ""
}

// ListMappings lists the mappings (elements named local, in the VIOS
// group) of every VIOS, or of the one parent names, as entries of their
// own, each remembered in origins with its VIOS; the partitions are read
// alongside (for the client names).
func ListMappings(a *app.App, parent, group, local string, origins *Origins) ([]*uom.Entry, error) {
	if err := app.LogOn(a); err != nil {
		return nil, err
	}
	var vioses []*uom.Entry
	err := app.Parallel(2, []func() error{
		func() (err error) { vioses, err = VIOSesWith(a, parent, group); return },
		func() error { _, err := app.Partitions(a); return err },
	})
	if err != nil {
		return nil, err
	}
	var out []*uom.Entry
	for _, v := range vioses {
		if v.Content == nil {
			continue
		}
		for _, m := range MappingList(v.Content, local) {
			origins.Set(m, Origin{VIOS: v})
			out = append(out, Entry(v, m, local))
		}
	}
	return out, nil
}

// MappingScope reads what a mapping delete works on: the VIOS --parent-id
// names (required) with its mappings of group read fresh, and the client
// partition --lpar names (nil when lpar is empty).
func MappingScope(a *app.App, parent, lpar, group string) (fresh, client *uom.Entry, err error) {
	if err := Required("--parent-id", parent, "the Virtual I/O Server: name=, id=, uuid="); err != nil {
		return nil, nil, err
	}
	if lpar != "" {
		if _, err := app.ParsePartitionKey("--lpar", lpar); err != nil {
			return nil, nil, err
		}
	}
	v, err := FindVIOS(a, "--parent-id", parent, false)
	if err != nil {
		return nil, nil, err
	}
	if lpar != "" {
		if client, err = app.FindPartition(a, "--lpar", lpar); err != nil {
			return nil, nil, err
		}
	}
	if fresh, err = VIOSEntry(a, v, group); err != nil {
		return nil, nil, err
	}
	return fresh, client, nil
}
