package model

import (
	"fmt"
	"strings"
)

// Storage kinds (see object.go for the others).
const (
	KindPV      ObjKind = "physvols"
	KindVG      ObjKind = "volgroups"
	KindLV      ObjKind = "logvols"
	KindMedia   ObjKind = "vopts"
	KindCluster ObjKind = "clusters"
	KindSSP     ObjKind = "pools"
	KindLU      ObjKind = "lus"
	KindSCSIMap ObjKind = "scsimaps"
	KindFCMap   ObjKind = "fcmaps"
	KindFCPort  ObjKind = "fcports"
	KindFile    ObjKind = "files"
)

// PhysicalVolume is a disk a VIOS sees (hdiskN). A SAN disk zoned to both
// VIOS is two PhysicalVolumes with the same UDID.
type PhysicalVolume struct {
	UUID        string `json:"uuid"`
	VIOS        string `json:"vios"`
	Name        string `json:"name"` // hdiskN
	UDID        string `json:"udid"` // VolumeUniqueID
	PVID        string `json:"pvid"` // 16 hex digits, "none" when unset
	CapacityMB  int    `json:"capacityMB"`
	Location    string `json:"location"`
	Description string `json:"description"`
	FC          bool   `json:"fc,omitempty"` // Fibre Channel backed (SAN)
	// VG is the volume group using the disk ("" for none); Cluster marks
	// a disk of the shared storage pool (or its repository).
	VG      string `json:"vg,omitempty"`
	Cluster bool   `json:"cluster,omitempty"`
	// LUN is the SAN volume (SANLUN UUID) the disk is, for disks of the
	// SAN (Fibre Channel or iSCSI); ISCSI marks one reached by iSCSI.
	LUN   string `json:"lun,omitempty"`
	ISCSI bool   `json:"iscsi,omitempty"`
	// NAA is the page 0x83 NAA designator the disk answers with (SAN
	// disks: their volume's).
	NAA string `json:"naa,omitempty"`
	// ReservePolicy is the disk's reserve_policy attribute (chdev):
	// no_reserve, single_path, PR_exclusive or PR_shared; "" is
	// no_reserve.
	ReservePolicy string `json:"reservePolicy,omitempty"`
	Rev           uint64 `json:"rev"`
}

// VolumeGroup is an LVM volume group on a VIOS.
type VolumeGroup struct {
	UUID   string   `json:"uuid"`
	VIOS   string   `json:"vios"`
	Name   string   `json:"name"`
	PVs    []string `json:"pvs"` // PhysicalVolume UUIDs
	PPSize int      `json:"ppSizeMB"`
	// Repository is the virtual media repository (at most one per VIOS,
	// in rootvg); RepositoryMB 0 means none.
	RepositoryName string `json:"repositoryName,omitempty"`
	RepositoryMB   int    `json:"repositoryMB,omitempty"`
	// ReservedMB is what the VIOS itself uses (rootvg's system LVs).
	ReservedMB int `json:"reservedMB,omitempty"`
	// SerialID is the 32 hex digits of GroupSerialID; a logical volume's
	// UDID is "03" + SerialID + "." + its minor number.
	SerialID string `json:"serialID"`
	Created  int64  `json:"created"`
	Rev      uint64 `json:"rev"`
}

// LogicalVolume is a VirtualDisk: a logical volume in a volume group.
type LogicalVolume struct {
	UUID       string `json:"uuid"`
	VIOS       string `json:"vios"`
	VG         string `json:"vg"` // VolumeGroup UUID
	Name       string `json:"name"`
	CapacityMB int    `json:"capacityMB"`
	Label      string `json:"label,omitempty"`
	UDID       string `json:"udid"`
	Rev        uint64 `json:"rev"`
}

// OpticalMedia is an ISO image in a VIOS's virtual media repository.
type OpticalMedia struct {
	UUID      string `json:"uuid"`
	VIOS      string `json:"vios"`
	Name      string `json:"name"`
	SizeMB    int    `json:"sizeMB"`
	MountType string `json:"mountType"` // ro or rw
	UDID      string `json:"udid"`
	File      string `json:"file,omitempty"` // content under the state directory
	Rev       uint64 `json:"rev"`
}

// Cluster is the VIOS cluster behind a shared storage pool.
type Cluster struct {
	UUID       string   `json:"uuid"`
	Name       string   `json:"name"`
	ID         string   `json:"id"`         // 32 hex digits
	Repository string   `json:"repository"` // UDID of the repository disk
	Nodes      []string `json:"nodes"`      // VIOS UUIDs
	SSP        string   `json:"ssp"`
	Created    int64    `json:"created"`
	Rev        uint64   `json:"rev"`
}

// SharedStoragePool is a cluster's pool of disks, with one tier.
type SharedStoragePool struct {
	UUID     string   `json:"uuid"`
	Name     string   `json:"name"`
	Cluster  string   `json:"cluster"`
	PVs      []string `json:"pvs"` // UDIDs of the pool's disks
	TierUUID string   `json:"tierUUID"`
	TierName string   `json:"tierName"`
	// OverheadMB is what the pool's metadata takes of its disks.
	OverheadMB int    `json:"overheadMB"`
	UDID       string `json:"udid"`
	Created    int64  `json:"created"`
	Rev        uint64 `json:"rev"`
}

// LU types.
const (
	LUDisk  = "VirtualIO_Disk"
	LUImage = "VirtualIO_Image"
)

// LogicalUnit is a virtual disk in a shared storage pool. A thin LU takes
// pool space only for what is written (UsedMB); a thick one all of it.
type LogicalUnit struct {
	UUID       string `json:"uuid"`
	SSP        string `json:"ssp"`
	Name       string `json:"name"`
	CapacityMB int    `json:"capacityMB"`
	UsedMB     int    `json:"usedMB"`
	Thin       bool   `json:"thin"`
	Type       string `json:"type"`
	UDID       string `json:"udid"`       // full REST form: 27/29 + cluster id + LU id
	ClonedFrom string `json:"clonedFrom"` // UDID of the source LU
	Rev        uint64 `json:"rev"`
}

// ShortUDID is the 32 hex digits the VIOS prints (lu -list, lu -create).
func (l *LogicalUnit) ShortUDID() string {
	if len(l.UDID) > 32 {
		return l.UDID[len(l.UDID)-32:]
	}
	return l.UDID
}

// HeldMB is the pool space the LU takes now.
func (l *LogicalUnit) HeldMB() int {
	if l.Thin {
		return l.UsedMB
	}
	return l.CapacityMB
}

// Storage kinds a vSCSI mapping can map.
const (
	BackPV    = "PV"
	BackLV    = "LV"
	BackMedia = "VOPT"
	BackLU    = "LU"
	// BackRBD maps an RBD image of the Ceph pool (BackingID: the
	// RBDImage UUID).
	BackRBD = "RBD"
)

// SCSIMapping maps a storage device of a VIOS, through a server adapter
// (vhostN) and a target device (vtscsiN / vtoptN), to a client partition's
// virtual SCSI client adapter. Mappings of one client share one adapter
// pair; a mapping with no Backing is the adapter pair alone.
type SCSIMapping struct {
	UUID       string `json:"uuid"`
	VIOS       string `json:"vios"`
	Client     string `json:"client"` // partition UUID ("" for none)
	ServerSlot int    `json:"serverSlot"`
	ClientSlot int    `json:"clientSlot"`
	VHost      string `json:"vhost"`
	Backing    string `json:"backing,omitempty"` // PV, LV, VOPT, LU
	BackingID  string `json:"backingID,omitempty"`
	Target     string `json:"target,omitempty"` // vtscsiN, vtoptN
	LUA        string `json:"lua,omitempty"`    // 0x8100000000000000 ...
	Created    int64  `json:"created"`
	Rev        uint64 `json:"rev"`
}

// FCPort is a physical Fibre Channel port of a VIOS (fcsN).
type FCPort struct {
	UUID     string `json:"uuid"`
	VIOS     string `json:"vios"`
	Name     string `json:"name"`
	WWPN     string `json:"wwpn"`
	Location string `json:"location"`
	MaxNPIV  int    `json:"maxNPIV"`
	// Fabric is the SAN fabric the port is cabled to ("" for none).
	Fabric string `json:"fabric,omitempty"`
	Rev    uint64 `json:"rev"`
}

// FCMapping maps a VIOS's vfchost (on a physical port) to a client's
// virtual FC client adapter with its pair of WWPNs.
type FCMapping struct {
	UUID       string   `json:"uuid"`
	VIOS       string   `json:"vios"`
	Client     string   `json:"client"`
	ServerSlot int      `json:"serverSlot"`
	ClientSlot int      `json:"clientSlot"`
	VFCHost    string   `json:"vfchost"`
	Port       string   `json:"port,omitempty"` // fcsN ("" until mapped)
	WWPNs      []string `json:"wwpns"`
	Created    int64    `json:"created"`
	Rev        uint64   `json:"rev"`
}

// File types of the web File service.
const (
	FileISO   = "BROKERED_MEDIA_ISO"
	FileImage = "BROKERED_DISK_IMAGE"
)

// File is an upload: a record made first, then its contents.
type File struct {
	UUID       string `json:"uuid"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	VIOS       string `json:"vios"`
	Expected   int64  `json:"expected"`
	SHA256     string `json:"sha256,omitempty"`
	Size       int64  `json:"size"`
	Path       string `json:"path,omitempty"` // under the state directory
	TargetLU   string `json:"targetLU,omitempty"`
	Complete   bool   `json:"complete,omitempty"`
	Owner      string `json:"owner,omitempty"`
	Created    int64  `json:"created"`
	Rev        uint64 `json:"rev"`
	MediaUUID  string `json:"media,omitempty"`
	Compressed bool   `json:"compressed,omitempty"`
}

// generic accessors

func (o *PhysicalVolume) Kind() ObjKind        { return KindPV }
func (o *PhysicalVolume) Key() string          { return o.UUID }
func (o *PhysicalVolume) Revision() uint64     { return o.Rev }
func (o *PhysicalVolume) SetRevision(r uint64) { o.Rev = r }
func (o *PhysicalVolume) CloneObject() Object  { c := *o; return &c }
func (o *VolumeGroup) Kind() ObjKind           { return KindVG }
func (o *VolumeGroup) Key() string             { return o.UUID }
func (o *VolumeGroup) Revision() uint64        { return o.Rev }
func (o *VolumeGroup) SetRevision(r uint64)    { o.Rev = r }
func (o *VolumeGroup) CloneObject() Object {
	c := *o
	c.PVs = append([]string(nil), o.PVs...)
	return &c
}
func (o *LogicalVolume) Kind() ObjKind        { return KindLV }
func (o *LogicalVolume) Key() string          { return o.UUID }
func (o *LogicalVolume) Revision() uint64     { return o.Rev }
func (o *LogicalVolume) SetRevision(r uint64) { o.Rev = r }
func (o *LogicalVolume) CloneObject() Object  { c := *o; return &c }
func (o *OpticalMedia) Kind() ObjKind         { return KindMedia }
func (o *OpticalMedia) Key() string           { return o.UUID }
func (o *OpticalMedia) Revision() uint64      { return o.Rev }
func (o *OpticalMedia) SetRevision(r uint64)  { o.Rev = r }
func (o *OpticalMedia) CloneObject() Object   { c := *o; return &c }
func (o *Cluster) Kind() ObjKind              { return KindCluster }
func (o *Cluster) Key() string                { return o.UUID }
func (o *Cluster) Revision() uint64           { return o.Rev }
func (o *Cluster) SetRevision(r uint64)       { o.Rev = r }
func (o *Cluster) CloneObject() Object {
	c := *o
	c.Nodes = append([]string(nil), o.Nodes...)
	return &c
}
func (o *SharedStoragePool) Kind() ObjKind        { return KindSSP }
func (o *SharedStoragePool) Key() string          { return o.UUID }
func (o *SharedStoragePool) Revision() uint64     { return o.Rev }
func (o *SharedStoragePool) SetRevision(r uint64) { o.Rev = r }
func (o *SharedStoragePool) CloneObject() Object {
	c := *o
	c.PVs = append([]string(nil), o.PVs...)
	return &c
}
func (o *LogicalUnit) Kind() ObjKind        { return KindLU }
func (o *LogicalUnit) Key() string          { return o.UUID }
func (o *LogicalUnit) Revision() uint64     { return o.Rev }
func (o *LogicalUnit) SetRevision(r uint64) { o.Rev = r }
func (o *LogicalUnit) CloneObject() Object  { c := *o; return &c }
func (o *SCSIMapping) Kind() ObjKind        { return KindSCSIMap }
func (o *SCSIMapping) Key() string          { return o.UUID }
func (o *SCSIMapping) Revision() uint64     { return o.Rev }
func (o *SCSIMapping) SetRevision(r uint64) { o.Rev = r }
func (o *SCSIMapping) CloneObject() Object  { c := *o; return &c }
func (o *FCPort) Kind() ObjKind             { return KindFCPort }
func (o *FCPort) Key() string               { return o.UUID }
func (o *FCPort) Revision() uint64          { return o.Rev }
func (o *FCPort) SetRevision(r uint64)      { o.Rev = r }
func (o *FCPort) CloneObject() Object       { c := *o; return &c }
func (o *FCMapping) Kind() ObjKind          { return KindFCMap }
func (o *FCMapping) Key() string            { return o.UUID }
func (o *FCMapping) Revision() uint64       { return o.Rev }
func (o *FCMapping) SetRevision(r uint64)   { o.Rev = r }
func (o *FCMapping) CloneObject() Object {
	c := *o
	c.WWPNs = append([]string(nil), o.WWPNs...)
	return &c
}
func (o *File) Kind() ObjKind        { return KindFile }
func (o *File) Key() string          { return o.UUID }
func (o *File) Revision() uint64     { return o.Rev }
func (o *File) SetRevision(r uint64) { o.Rev = r }
func (o *File) CloneObject() Object  { c := *o; return &c }

// Storage names and limits.
const (
	MaxMediaName = 37 // characters of a virtual optical media name
	MaxLVName    = 15 // AIX logical volume names
	MaxLUName    = 127
)

// ValidateDeviceName checks an LV, LU or media name: letters, digits and
// _-. only, not empty, at most max characters.
func ValidateDeviceName(what, name string, max int) error {
	if name == "" || len(name) > max {
		return newErr(KindInvalid, "PVME01050401-0080", "The %s name %q is not valid: it must have 1 to %d characters.", what, name, max)
	}
	if strings.Contains(name, "..") || strings.ContainsAny(name, "/\\") {
		return newErr(KindInvalid, "PVME01050401-0081", "The %s name %q is not valid: it may not contain a path.", what, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return newErr(KindInvalid, "PVME01050401-0082", "The %s name %q is not valid: use letters, digits, '_', '-' and '.'.", what, name)
		}
	}
	return nil
}

// ErrNoSpace says a pool or volume group lacks room.
func ErrNoSpace(where string, needMB, freeMB int) *Error {
	return newErr(KindRefused, "PVME01050402-0083", "There is not enough free space in %s: %d MB are needed, %d MB are free.", where, needMB, freeMB)
}

// GB formats megabytes as gigabytes with up to two decimals (as the REST
// API's capacities).
func GB(mb int) string {
	v := float64(mb) / 1024
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		s = "0"
	}
	return s
}
