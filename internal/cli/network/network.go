// Package network holds what pvmctl's networking objects (vswitch, vnet,
// vea, sea, nbr, lgrp) share: switch lookups, VLAN lists as the command
// line and the REST API write them, links, and new request elements.
package network

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/uom"
)

// Switches returns the virtual switches of the managed system (read once
// per invocation).
func Switches(a *app.App) ([]*uom.Entry, error) { return app.SystemFeed(a, "VirtualSwitch") }

// DisplayName returns a switch's name as pvmctl shows it: HMC-managed
// systems call the default switch "ETHERNET0(Default)" (as pypowervm, we
// show ETHERNET0).
func DisplayName(name string) string {
	if name == "ETHERNET0(Default)" {
		return "ETHERNET0"
	}
	return name
}

// SwitchNames maps switch IDs to names.
func SwitchNames(a *app.App) (map[string]string, error) {
	sws, err := Switches(a)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range sws {
		if e.Content == nil {
			continue
		}
		id, _ := e.Content.FindText("SwitchID")
		name, _ := e.Content.FindText("SwitchName")
		out[id] = DisplayName(name)
	}
	return out, nil
}

// SwitchByName finds a switch by name (exact, else case-insensitive).
func SwitchByName(a *app.App, name string) (*uom.Entry, error) {
	sws, err := Switches(a)
	if err != nil {
		return nil, err
	}
	var fold *uom.Entry
	for _, e := range sws {
		if e.Content == nil {
			continue
		}
		n, _ := e.Content.FindText("SwitchName")
		n = DisplayName(n)
		if n == name {
			return e, nil
		}
		if strings.EqualFold(n, name) && fold == nil {
			fold = e
		}
	}
	if fold != nil {
		return fold, nil
	}
	var names []string
	for _, e := range sws {
		if e.Content != nil {
			n, _ := e.Content.FindText("SwitchName")
			names = append(names, DisplayName(n))
		}
	}
	return nil, app.NotFound("No VirtualSwitch matches name=%s. Virtual switches: %s.", name, strings.Join(names, ", "))
}

// SwitchByID finds a switch by its switch ID.
func SwitchByID(a *app.App, id string) (*uom.Entry, error) {
	sws, err := Switches(a)
	if err != nil {
		return nil, err
	}
	for _, e := range sws {
		if e.Content == nil {
			continue
		}
		if v, _ := e.Content.FindText("SwitchID"); v == id {
			return e, nil
		}
	}
	return nil, app.NotFound("No VirtualSwitch matches id=%s.", id)
}

// Href returns an entry's address without its query (?group=None), as
// links to it are written.
func Href(e *uom.Entry) string {
	h := e.SelfLink()
	if i := strings.IndexByte(h, '?'); i >= 0 {
		h = h[:i]
	}
	return h
}

// HrefUUID returns the last path element of a link (the object's UUID).
func HrefUUID(href string) string {
	if u, err := url.Parse(href); err == nil {
		href = u.Path
	}
	href = strings.TrimRight(href, "/")
	if i := strings.LastIndexByte(href, '/'); i >= 0 {
		href = href[i+1:]
	}
	return href
}

// LinkHref returns the href of el's first <link> child, or el's own href
// attribute (both forms appear in the REST API).
func LinkHref(el *uom.Element) string {
	if el == nil {
		return ""
	}
	if l := el.Child("link"); l != nil {
		return l.Attr("href")
	}
	return el.Attr("href")
}

// MaxVLAN is the highest VLAN ID.
const MaxVLAN = 4094

// ParseVLANs reads a VLAN list of the command line ("10,20" or "10 20");
// flag names the option in messages. An empty list is allowed.
func ParseVLANs(flag, s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, app.Usage("PVME01040123-0046", "The value %q of %s is not valid: give VLAN IDs (1-%d) separated by commas, e.g. 10,20.", s, flag, MaxVLAN)
		}
		if v < 1 || v > MaxVLAN {
			return nil, app.Usage("PVME01040123-0047", "The VLAN ID %d of %s is not valid: VLAN IDs go from 1 to %d.", v, flag, MaxVLAN)
		}
		if seen[v] {
			return nil, app.Usage("PVME01040123-0048", "The VLAN ID %d is listed twice in %s.", v, flag)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}

// RESTVLANs reads a TaggedVLANIDs text (space separated); what is not a
// number is skipped.
func RESTVLANs(text string) []int {
	var out []int
	for _, f := range strings.Fields(strings.ReplaceAll(text, ",", " ")) {
		if v, err := strconv.Atoi(f); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// JoinVLANs writes VLANs with sep between them ("," for pvmctl, " " for
// the REST API).
func JoinVLANs(vs []int, sep string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, sep)
}

// CommaVLANs turns a REST VLAN list ("10 20") into pvmctl's ("10,20").
func CommaVLANs(text string) string { return JoinVLANs(RESTVLANs(text), ",") }

// SortedVLANs returns the VLANs sorted, without duplicates.
func SortedVLANs(vs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Ints(out)
	return out
}

// NewObject starts a request element of a uom type the way clients send
// one: namespace declarations, schemaVersion and an empty Metadata.
func NewObject(typ string) *uom.Element {
	el := &uom.Element{Space: uom.NSUOM, Prefix: typ, Local: typ,
		NSDecls: []uom.Attr{{Local: typ, Value: uom.NSUOM}, {Local: "", Value: uom.NSUOM}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	el.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")))
	return el
}

// NewComplex starts a nested complex element (schemaVersion, Metadata).
func NewComplex(local string) *uom.Element {
	el := &uom.Element{Space: uom.NSUOM, Local: local, Attrs: []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	el.Append(uom.NewElement(uom.NSUOM, "Metadata").Append(uom.NewElement(uom.NSUOM, "Atom")))
	return el
}

// Leaf returns a leaf element in the uom namespace.
func Leaf(local, text string) *uom.Element {
	return &uom.Element{Space: uom.NSUOM, Local: local, Text: text}
}

// LinkTo returns an element holding <link href="href" rel="related"/>.
func LinkTo(local, href string) *uom.Element {
	return uom.NewElement(uom.NSUOM, local).Append(&uom.Element{Space: uom.NSUOM, Local: "link",
		Attrs: []uom.Attr{{Local: "href", Value: href}, {Local: "rel", Value: "related"}}})
}

// NormalizeMAC accepts 12 hex digits with or without ':', '-' or '.'
// separators and returns them upper case ("" when it is not a MAC).
func NormalizeMAC(s string) string {
	s = strings.ToUpper(strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.TrimSpace(s)))
	if len(s) != 12 {
		return ""
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return s
}
