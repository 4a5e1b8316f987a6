package model

import (
	"encoding/json"
	"fmt"
)

// ObjKind names a kind of stored object; it is also the name of its bucket in
// the store.
type ObjKind string

const (
	KindPartition ObjKind = "partitions"
	KindSwitch    ObjKind = "switches"
	KindAdapter   ObjKind = "adapters"
	KindBridge    ObjKind = "bridges"
	KindSlot      ObjKind = "ioslots"
)

// Kinds lists every kind, in the order they are loaded (owners first).
var Kinds = []ObjKind{KindSwitch, KindPartition, KindAdapter, KindBridge, KindSlot,
	KindPV, KindVG, KindLV, KindMedia, KindCluster, KindSSP, KindLU, KindSCSIMap, KindFCPort, KindFCMap, KindFile,
	KindProcPool, KindVSN, KindPCMPref, KindLoad, KindSANFabric, KindSANArray, KindSANLUN, KindISCSITarget, KindRBDImage,
	KindSRIOVAdapter, KindSRIOVLP, KindVNIC, KindSimRule}

// Object is anything the store keeps besides the managed system itself.
// Objects are values: clone, change the clone, put it back.
type Object interface {
	Kind() ObjKind
	// Key is the object's identity within its kind (a UUID; for I/O slots
	// the DRC index).
	Key() string
	Revision() uint64
	SetRevision(uint64)
	// CloneObject returns a copy to change.
	CloneObject() Object
}

// DecodeObject reads a stored object of a kind.
func DecodeObject(k ObjKind, b []byte) (Object, error) {
	var o Object
	switch k {
	case KindPartition:
		o = &Partition{}
	case KindSwitch:
		o = &VirtualSwitch{}
	case KindAdapter:
		o = &EthernetAdapter{}
	case KindBridge:
		o = &NetworkBridge{}
	case KindSlot:
		o = &IOSlot{}
	case KindPV:
		o = &PhysicalVolume{}
	case KindVG:
		o = &VolumeGroup{}
	case KindLV:
		o = &LogicalVolume{}
	case KindMedia:
		o = &OpticalMedia{}
	case KindCluster:
		o = &Cluster{}
	case KindSSP:
		o = &SharedStoragePool{}
	case KindLU:
		o = &LogicalUnit{}
	case KindSCSIMap:
		o = &SCSIMapping{}
	case KindFCPort:
		o = &FCPort{}
	case KindFCMap:
		o = &FCMapping{}
	case KindFile:
		o = &File{}
	case KindProcPool:
		o = &ProcPool{}
	case KindVSN:
		o = &VirtualSerial{}
	case KindSANFabric:
		o = &SANFabric{}
	case KindSANArray:
		o = &SANArray{}
	case KindSANLUN:
		o = &SANLUN{}
	case KindISCSITarget:
		o = &ISCSITarget{}
	case KindRBDImage:
		o = &RBDImage{}
	case KindSRIOVAdapter:
		o = &SRIOVAdapter{}
	case KindSRIOVLP:
		o = &SRIOVLogicalPort{}
	case KindVNIC:
		o = &VirtualNIC{}
	case KindPCMPref:
		o = &PCMPreference{}
	case KindLoad:
		o = &Load{}
	case KindSimRule:
		o = &SimRule{}
	default:
		return nil, fmt.Errorf("unknown object kind %q", k)
	}
	if err := json.Unmarshal(b, o); err != nil {
		return nil, err
	}
	return o, nil
}

func (p *Partition) Kind() ObjKind        { return KindPartition }
func (p *Partition) Key() string          { return p.UUID }
func (p *Partition) Revision() uint64     { return p.Rev }
func (p *Partition) SetRevision(r uint64) { p.Rev = r }
func (p *Partition) CloneObject() Object  { return p.Clone() }
