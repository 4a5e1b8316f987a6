// Package uom is the PowerVM REST schema as NovaLink and the HMC serve it:
// the Atom feed/entry envelope, the uom/web/pcm namespaces and media types,
// a namespace-aware element tree that round-trips real documents without
// loss, the schema (element order and access attributes) of the objects we
// know, and typed views of those objects.
//
// It depends on nothing else in this module, so any Go program can use it
// against a real NovaLink or HMC.
package uom

import "strings"

// Namespaces of the PowerVM REST API.
const (
	NSAtom = "http://www.w3.org/2005/Atom"
	NSUOM  = "http://www.ibm.com/xmlns/systems/power/firmware/uom/mc/2012_10/"
	NSWeb  = "http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/"
	NSPCM  = "http://www.ibm.com/xmlns/systems/power/firmware/pcm/mc/2012_10/"
	// NSK2 is declared (as ns2) on every object root the REST server sends.
	NSK2 = "http://www.w3.org/XML/1998/namespace/k2"
	// NSOpenSearch and NSXHTML are declared (as ns2/ns3) on every feed and entry.
	NSOpenSearch = "http://a9.com/-/spec/opensearch/1.1/"
	NSXHTML      = "http://www.w3.org/1999/xhtml"
)

// Service names as they appear in paths and media types.
const (
	ServiceUOM = "uom"
	ServiceWeb = "web"
	ServicePCM = "pcm"
)

// MediaTypeAtom is what clients put in Accept to read feeds and entries.
const MediaTypeAtom = "application/atom+xml"

// Generator is the text of <generator> and of the entry author name.
const Generator = "IBM Power Systems Management Console"

// MediaType returns "application/vnd.ibm.powervm.<service>+xml; type=<typ>".
func MediaType(service, typ string) string {
	return "application/vnd.ibm.powervm." + service + "+xml; type=" + typ
}

// ParseMediaType splits a PowerVM media type into its service and type.
// ok is false when s is not of the form MediaType returns (spacing and case
// of the parameter name are forgiven, as servers do).
func ParseMediaType(s string) (service, typ string, ok bool) {
	const prefix = "application/vnd.ibm.powervm."
	s = strings.TrimSpace(s)
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", "", false
	}
	rest := s[len(prefix):]
	plus := strings.Index(rest, "+xml")
	if plus <= 0 {
		return "", "", false
	}
	service = rest[:plus]
	params := rest[plus+len("+xml"):]
	for rest := params; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		p = strings.TrimSpace(p)
		if k, v, found := strings.Cut(p, "="); found && strings.EqualFold(strings.TrimSpace(k), "type") {
			typ = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	if typ == "" {
		return "", "", false
	}
	return service, typ, true
}

// NamespaceOf returns the namespace of a service name.
func NamespaceOf(service string) string {
	switch service {
	case ServiceWeb:
		return NSWeb
	case ServicePCM:
		return NSPCM
	default:
		return NSUOM
	}
}

// ServiceOf returns the service name of a namespace ("" when unknown).
func ServiceOf(ns string) string {
	switch ns {
	case NSUOM:
		return ServiceUOM
	case NSWeb:
		return ServiceWeb
	case NSPCM:
		return ServicePCM
	}
	return ""
}
