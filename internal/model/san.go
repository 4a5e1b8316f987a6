package model

import (
	"fmt"
	"strings"
)

// The storage outside the managed system: a Fibre Channel SAN (fabrics
// with their zoning, storage arrays with target ports, host definitions by
// WWPN and volumes mapped to hosts), iSCSI targets and a Ceph-like RBD
// pool. These objects exist whether or not a VIOS sees them; a VIOS learns
// a volume as an hdisk only through discovery (internal/sim/vios). The
// rules that decide which initiator sees what are in internal/sim/san.

// SAN kinds.
const (
	KindSANFabric   ObjKind = "sanfabrics"
	KindSANArray    ObjKind = "sanarrays"
	KindSANLUN      ObjKind = "sanluns"
	KindISCSITarget ObjKind = "iscsitargets"
	KindRBDImage    ObjKind = "rbdimages"
)

// SANFabric is a Fibre Channel fabric (a switch or a set of them). With no
// zones every port logged in sees every other; with zones, an initiator
// sees a target only when some zone has both.
type SANFabric struct {
	UUID  string    `json:"uuid"`
	Name  string    `json:"name"`
	Zones []SANZone `json:"zones,omitempty"`
	Rev   uint64    `json:"rev"`
}

// SANZone is a zone of a fabric: the WWPNs (lower case, 16 hex digits)
// that see each other.
type SANZone struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// SANArray is a storage array: its target ports on the fabrics and its
// host definitions.
type SANArray struct {
	UUID    string `json:"uuid"`
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`  // IBM, EMC, NETAPP ... (LUARecovery's vendor)
	Product string `json:"product"` // 2145 ... (in the disks' unique IDs)
	// Model is the machine type in the disks' description when it is not
	// the product (a Storwize V7000, 2076, identifies as 2145).
	Model string         `json:"model,omitempty"`
	Ports []SANArrayPort `json:"ports"`
	Hosts []SANHost      `json:"hosts,omitempty"`
	Rev   uint64         `json:"rev"`
}

// SANArrayPort is a target port of an array.
type SANArrayPort struct {
	WWPN   string `json:"wwpn"`
	Fabric string `json:"fabric"` // fabric name
}

// SANHost is a host definition on an array: the initiators that are the
// host. Besides WWPNs it may follow a partition of the managed system:
// VIOS names a Virtual I/O Server (its physical FC ports' WWPNs) and
// Partition a client partition (the WWPNs of its virtual FC adapters, as
// they are now), so an inventory can define hosts before their WWPNs are
// known. Both hold the partition's UUID; Partition holds a name when the
// host was defined before the partition was made.
type SANHost struct {
	Name      string   `json:"name"`
	WWPNs     []string `json:"wwpns,omitempty"`
	VIOS      string   `json:"vios,omitempty"`
	Partition string   `json:"partition,omitempty"`
}

// SANLUN is a volume of the storage, exposed by Fibre Channel (Array and
// the hosts it is mapped to, each with its LUN number) or by iSCSI
// (Target and TargetLUN).
type SANLUN struct {
	UUID   string `json:"uuid"`
	Name   string `json:"name"`
	SizeMB int    `json:"sizeMB"`
	// NAA is the SCSI page 0x83 NAA designator: 32 hex digits, upper case.
	NAA string `json:"naa"`
	// Shared volumes may be mapped to several client partitions at once
	// (a cluster's disks); the others to one partition at a time.
	Shared    bool         `json:"shared,omitempty"`
	Array     string       `json:"array,omitempty"` // SANArray UUID
	Hosts     []SANLUNHost `json:"hosts,omitempty"`
	Target    string       `json:"target,omitempty"` // ISCSITarget IQN
	TargetLUN int          `json:"targetLUN,omitempty"`
	Created   int64        `json:"created"`
	Rev       uint64       `json:"rev"`
}

// SANLUNHost maps a volume to a host of its array with a LUN number.
type SANLUNHost struct {
	Host string `json:"host"`
	LUN  int    `json:"lun"`
}

// ISCSITarget is an iSCSI target: its IQN, the portals it answers on
// (address:port), the CHAP credentials a login needs (none: no
// authentication) and the initiator IQNs it accepts (none: any).
type ISCSITarget struct {
	UUID       string   `json:"uuid"`
	IQN        string   `json:"iqn"`
	Portals    []string `json:"portals"`
	CHAPUser   string   `json:"chapUser,omitempty"`
	CHAPSecret string   `json:"chapSecret,omitempty"`
	Initiators []string `json:"initiators,omitempty"`
	Rev        uint64   `json:"rev"`
}

// RBDImage is an image of a Ceph-like RBD pool.
type RBDImage struct {
	UUID    string `json:"uuid"`
	Pool    string `json:"pool"`
	Name    string `json:"name"`
	SizeMB  int    `json:"sizeMB"`
	Created int64  `json:"created"`
	Rev     uint64 `json:"rev"`
}

// Path is the RBD name clients use: pool/image.
func (r *RBDImage) Path() string { return r.Pool + "/" + r.Name }

// FC tells whether the volume is reached through Fibre Channel.
func (l *SANLUN) FC() bool { return l.Array != "" }

func (o *SANFabric) Kind() ObjKind        { return KindSANFabric }
func (o *SANFabric) Key() string          { return o.UUID }
func (o *SANFabric) Revision() uint64     { return o.Rev }
func (o *SANFabric) SetRevision(r uint64) { o.Rev = r }
func (o *SANFabric) CloneObject() Object {
	c := *o
	c.Zones = make([]SANZone, len(o.Zones))
	for i, z := range o.Zones {
		c.Zones[i] = SANZone{Name: z.Name, Members: append([]string(nil), z.Members...)}
	}
	return &c
}
func (o *SANArray) Kind() ObjKind        { return KindSANArray }
func (o *SANArray) Key() string          { return o.UUID }
func (o *SANArray) Revision() uint64     { return o.Rev }
func (o *SANArray) SetRevision(r uint64) { o.Rev = r }
func (o *SANArray) CloneObject() Object {
	c := *o
	c.Ports = append([]SANArrayPort(nil), o.Ports...)
	c.Hosts = make([]SANHost, len(o.Hosts))
	for i, h := range o.Hosts {
		c.Hosts[i] = h
		c.Hosts[i].WWPNs = append([]string(nil), h.WWPNs...)
	}
	return &c
}
func (o *SANLUN) Kind() ObjKind        { return KindSANLUN }
func (o *SANLUN) Key() string          { return o.UUID }
func (o *SANLUN) Revision() uint64     { return o.Rev }
func (o *SANLUN) SetRevision(r uint64) { o.Rev = r }
func (o *SANLUN) CloneObject() Object {
	c := *o
	c.Hosts = append([]SANLUNHost(nil), o.Hosts...)
	return &c
}
func (o *ISCSITarget) Kind() ObjKind        { return KindISCSITarget }
func (o *ISCSITarget) Key() string          { return o.UUID }
func (o *ISCSITarget) Revision() uint64     { return o.Rev }
func (o *ISCSITarget) SetRevision(r uint64) { o.Rev = r }
func (o *ISCSITarget) CloneObject() Object {
	c := *o
	c.Portals = append([]string(nil), o.Portals...)
	c.Initiators = append([]string(nil), o.Initiators...)
	return &c
}
func (o *RBDImage) Kind() ObjKind        { return KindRBDImage }
func (o *RBDImage) Key() string          { return o.UUID }
func (o *RBDImage) Revision() uint64     { return o.Rev }
func (o *RBDImage) SetRevision(r uint64) { o.Rev = r }
func (o *RBDImage) CloneObject() Object  { c := *o; return &c }

// ---- names and identifiers --------------------------------------------------

// NormalizeWWPN reads a WWPN as clients write it (upper or lower case,
// with or without colons) and returns 16 lower-case hex digits; ok is
// false when it is not one.
func NormalizeWWPN(s string) (string, bool) {
	w := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if len(w) != 16 {
		return "", false
	}
	for _, r := range w {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	return w, true
}

// ValidateSANName checks the name of a fabric, array, host, zone or
// volume: 1 to 63 letters, digits and _-. characters.
func ValidateSANName(what, name string) error {
	if name == "" || len(name) > 63 {
		return newErr(KindInvalid, "PVME01050500-0001", "The %s name %q is not valid: it must have 1 to 63 characters.", what, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return newErr(KindInvalid, "PVME01050500-0002", "The %s name %q is not valid: use letters, digits, '_', '-' and '.'.", what, name)
		}
	}
	return nil
}

// ValidateIQN checks an iSCSI qualified name: iqn.YYYY-MM.reversed.domain[:name]
// (or an eui. name), at most 223 characters, no blanks.
func ValidateIQN(iqn string) error {
	ok := len(iqn) > 0 && len(iqn) <= 223 && !strings.ContainsAny(iqn, " \t\n/\\")
	if ok {
		switch {
		case strings.HasPrefix(iqn, "iqn."):
			rest := iqn[4:]
			ok = len(rest) > 8 && rest[4] == '-' && rest[7] == '.' && isDigits(rest[:4]) && isDigits(rest[5:7])
		case strings.HasPrefix(iqn, "eui."):
			ok = len(iqn) == 20 && isHex(iqn[4:])
		default:
			ok = false
		}
	}
	if !ok {
		return newErr(KindInvalid, "PVME01050500-0003", "The iSCSI name %q is not valid: use iqn.YYYY-MM.reversed.domain[:identifier] or eui. and 16 hex digits.", iqn)
	}
	return nil
}

// ValidatePortal checks an iSCSI portal: address:port (the port defaults
// to 3260 when left out) and returns it with the port.
func ValidatePortal(p string) (string, error) {
	p = strings.TrimSpace(p)
	host, port := p, "3260"
	if i := strings.LastIndexByte(p, ':'); i > 0 && !strings.HasSuffix(p, "]") {
		host, port = p[:i], p[i+1:]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" || strings.ContainsAny(host, " /\\") || !isDigits(port) || len(port) > 5 {
		return "", newErr(KindInvalid, "PVME01050500-0004", "The iSCSI portal %q is not valid: use address:port.", p)
	}
	return host + ":" + port, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// ValidateNAA checks a page 0x83 NAA designator (32 hex digits) and
// returns it in upper case.
func ValidateNAA(s string) (string, error) {
	if len(s) != 32 || !isHex(s) {
		return "", newErr(KindInvalid, "PVME01050500-0005", "The page 83 identifier %q is not valid: it is 32 hex digits (an NAA 6 designator).", s)
	}
	return strings.ToUpper(s), nil
}

// ErrWWPNInUse says a WWPN is taken somewhere on the SAN (a VIOS port, a
// virtual FC adapter or an array port): WWPNs are unique.
func ErrWWPNInUse(w, by string) *Error {
	return newErr(KindInvalid, "PVME01050501-0010", "The WWPN %s is already in use by %s; a WWPN must be unique across the SAN.", w, by)
}

// ErrSAN is a refusal of the SAN's rules.
func ErrSAN(format string, args ...any) *Error {
	return newErr(KindRefused, "PVME01050502-0011", format, args...)
}

// ErrSANInvalid is a SAN definition that is not valid.
func ErrSANInvalid(format string, args ...any) *Error {
	return newErr(KindInvalid, "PVME01050503-0012", format, args...)
}

// SizeText formats megabytes for messages (20 GB, 512 MB).
func SizeText(mb int) string {
	if mb%1024 == 0 {
		return fmt.Sprintf("%d GB", mb/1024)
	}
	return fmt.Sprintf("%d MB", mb)
}
