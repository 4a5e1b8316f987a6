// Package pcm is the JSON side of the PowerVM Performance and Capacity
// Monitoring (pcm) service, as NovaLink and the HMC serve it: the raw
// samples the long-term and short-term monitors keep (the hypervisor's
// phyp file, one file per VIOS, the partitions' RMC memory file) and the
// HMC's processed metrics. Fields are declared in the order real servers
// send them, so that encoding/json writes documents in that order.
//
// Like its parent uom it depends on nothing else in this module.
package pcm

import (
	"fmt"
	"strings"
	"time"
)

// Media type of the raw JSON files in the monitors' feeds.
const MediaTypeJSON = "application/vnd.ibm.powervm.pcm.json"

// Categories of the raw monitors' feed entries.
const (
	CategoryPhyp = "phyp"
	CategoryLpar = "lpar"
	// CategoryVIOSPrefix is followed by the VIOS's partition ID.
	CategoryVIOSPrefix = "vios_"
)

// Monitors.
const (
	LTM = "LTM"
	STM = "STM"
)

// FileTimeLayout is the time in file names and in the RMC file's samples:
// 20150430T035300+0000.
const FileTimeLayout = "20060102T150405-0700"

// SampleTimeLayout is the time inside the hypervisor and VIOS files.
const SampleTimeLayout = "2006-01-02T15:04:05-0700"

// FileName is the name of a raw monitor's file: LTM_<mtms>_phyp_<time>.json,
// LTM_<mtms>_vios_<id>_<time>.json, LTM_<mtms>_lpar_<time>.json.
func FileName(monitor, mtms, category string, at time.Time) string {
	return monitor + "_" + mtms + "_" + category + "_" + at.Format(FileTimeLayout) + ".json"
}

// ParseFileName splits a raw monitor's file name into its monitor, MTMS,
// category and time.
func ParseFileName(name string) (monitor, mtms, category string, at time.Time, err error) {
	bad := func() error {
		return fmt.Errorf("%q is not a monitor file name (<LTM|STM>_<mtms>_<category>_<time>.json)", name)
	}
	base, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return "", "", "", time.Time{}, bad()
	}
	monitor, rest, ok := strings.Cut(base, "_")
	if !ok || (monitor != LTM && monitor != STM) {
		return "", "", "", time.Time{}, bad()
	}
	mtms, rest, ok = strings.Cut(rest, "_")
	if !ok {
		return "", "", "", time.Time{}, bad()
	}
	i := strings.LastIndex(rest, "_")
	if i <= 0 {
		return "", "", "", time.Time{}, bad()
	}
	category = rest[:i]
	at, err = time.Parse(FileTimeLayout, rest[i+1:])
	if err != nil {
		return "", "", "", time.Time{}, bad()
	}
	return monitor, mtms, category, at, nil
}

// UtilInfo describes a raw file.
type UtilInfo struct {
	Version        string `json:"version"`
	MetricType     string `json:"metricType"`
	MonitoringType string `json:"monitoringType"`
	MTMS           string `json:"mtms"`
	Name           string `json:"name,omitempty"`
}

// ErrorInfo is an error of a sample.
type ErrorInfo struct {
	ErrID    string `json:"errId"`
	ErrMsg   string `json:"errMsg"`
	UUID     string `json:"uuid,omitempty"`
	Reported string `json:"reportedBy,omitempty"`
	Count    int    `json:"occurrenceCount,omitempty"`
}

// PhypFile is the hypervisor's raw sample (category phyp).
type PhypFile struct {
	SystemUtil PhypSystemUtil `json:"systemUtil"`
}

// PhypSystemUtil is the body of a PhypFile.
type PhypSystemUtil struct {
	UtilInfo   UtilInfo   `json:"utilInfo"`
	UtilSample PhypSample `json:"utilSample"`
}

// PhypSample is one sample of the hypervisor.
type PhypSample struct {
	TimeStamp           string          `json:"timeStamp"`
	Status              int             `json:"status"`
	ErrorInfo           []ErrorInfo     `json:"errorInfo"`
	TimeBasedCycles     float64         `json:"timeBasedCycles"`
	SystemFirmware      SystemFirmware  `json:"systemFirmware"`
	Processor           SystemProcessor `json:"processor"`
	Memory              SystemMemory    `json:"memory"`
	SharedProcessorPool []SharedPool    `json:"sharedProcessorPool"`
	LparsUtil           []PhypLpar      `json:"lparsUtil"`
	ViosUtil            []PhypVIOS      `json:"viosUtil"`
}

// SystemFirmware is the hypervisor's own use.
type SystemFirmware struct {
	UtilizedProcCycles uint64 `json:"utilizedProcCycles"`
	AssignedMem        int    `json:"assignedMem"`
}

// SystemProcessor is the system's processors.
type SystemProcessor struct {
	TotalProcUnits        float64 `json:"totalProcUnits"`
	ConfigurableProcUnits float64 `json:"configurableProcUnits"`
	AvailableProcUnits    float64 `json:"availableProcUnits"`
	ProcCyclesPerSecond   uint64  `json:"procCyclesPerSecond"`
}

// SystemMemory is the system's memory, MB.
type SystemMemory struct {
	TotalMem        int `json:"totalMem"`
	AvailableMem    int `json:"availableMem"`
	ConfigurableMem int `json:"configurableMem"`
}

// SharedPool is a shared processor pool.
type SharedPool struct {
	ID                    int     `json:"id"`
	Name                  string  `json:"name"`
	AssignedProcCycles    float64 `json:"assignedProcCycles"`
	UtilizedPoolCycles    uint64  `json:"utilizedPoolCycles"`
	MaxProcUnits          float64 `json:"maxProcUnits"`
	BorrowedPoolProcUnits float64 `json:"borrowedPoolProcUnits"`
}

// PhypLpar is a client partition in the hypervisor's sample.
type PhypLpar struct {
	ID            int           `json:"id"`
	UUID          string        `json:"uuid"`
	Type          string        `json:"type"`
	Name          string        `json:"name"`
	State         string        `json:"state"`
	AffinityScore int           `json:"affinityScore"`
	Memory        LparMemory    `json:"memory"`
	Processor     LparProcessor `json:"processor"`
	Network       *PhypNetwork  `json:"network,omitempty"`
	Storage       *PhypStorage  `json:"storage,omitempty"`
}

// PhypVIOS is a VIOS in the hypervisor's sample.
type PhypVIOS struct {
	ID            int           `json:"id"`
	UUID          string        `json:"uuid"`
	Name          string        `json:"name"`
	State         string        `json:"state"`
	AffinityScore int           `json:"affinityScore"`
	Memory        VIOSMemory    `json:"memory"`
	Processor     LparProcessor `json:"processor"`
	Network       *PhypNetwork  `json:"network,omitempty"`
}

// LparMemory is a partition's memory, MB.
type LparMemory struct {
	LogicalMem        int `json:"logicalMem"`
	BackedPhysicalMem int `json:"backedPhysicalMem"`
}

// VIOSMemory is a VIOS's memory, MB.
type VIOSMemory struct {
	AssignedMem int `json:"assignedMem"`
}

// LparProcessor is a partition's processor counters, in cycles of the
// time base (ProcCyclesPerSecond).
type LparProcessor struct {
	PoolID                         int     `json:"poolId"`
	Mode                           string  `json:"mode"`
	MaxVirtualProcessors           int     `json:"maxVirtualProcessors"`
	MaxProcUnits                   float64 `json:"maxProcUnits"`
	Weight                         int     `json:"weight"`
	EntitledProcCycles             uint64  `json:"entitledProcCycles"`
	UtilizedCappedProcCycles       uint64  `json:"utilizedCappedProcCycles"`
	UtilizedUnCappedProcCycles     uint64  `json:"utilizedUnCappedProcCycles"`
	IdleProcCycles                 uint64  `json:"idleProcCycles"`
	DonatedProcCycles              uint64  `json:"donatedProcCycles"`
	TimeSpentWaitingForDispatch    uint64  `json:"timeSpentWaitingForDispatch"`
	TotalInstructions              uint64  `json:"totalInstructions"`
	TotalInstructionsExecutionTime uint64  `json:"totalInstructionsExecutionTime"`
}

// PhypNetwork is a partition's virtual Ethernet adapters.
type PhypNetwork struct {
	VirtualEthernetAdapters []PhypVEA `json:"virtualEthernetAdapters"`
}

// PhypVEA is a virtual Ethernet adapter's counters (the Physical ones
// count what went through a SEA to the physical network).
type PhypVEA struct {
	VlanID                  int    `json:"vlanId"`
	VswitchID               int    `json:"vswitchId"`
	PhysicalLocation        string `json:"physicalLocation"`
	IsPortVLANID            bool   `json:"isPortVLANID"`
	ReceivedPackets         uint64 `json:"receivedPackets"`
	SentPackets             uint64 `json:"sentPackets"`
	DroppedPackets          uint64 `json:"droppedPackets"`
	SentBytes               uint64 `json:"sentBytes"`
	ReceivedBytes           uint64 `json:"receivedBytes"`
	ReceivedPhysicalPackets uint64 `json:"receivedPhysicalPackets"`
	SentPhysicalPackets     uint64 `json:"sentPhysicalPackets"`
	DroppedPhysicalPackets  uint64 `json:"droppedPhysicalPackets"`
	SentPhysicalBytes       uint64 `json:"sentPhysicalBytes"`
	ReceivedPhysicalBytes   uint64 `json:"receivedPhysicalBytes"`
}

// PhypStorage points a client's virtual storage adapters at the VIOS
// devices serving them (whose counters are in the VIOS's file).
type PhypStorage struct {
	GenericVirtualAdapters      []PhypVSCSI `json:"genericVirtualAdapters,omitempty"`
	VirtualFiberChannelAdapters []PhypVFC   `json:"virtualFiberChannelAdapters,omitempty"`
}

// PhypVSCSI is a client's virtual SCSI adapter: the VIOS and its server
// adapter's slot.
type PhypVSCSI struct {
	PhysicalLocation  string `json:"physicalLocation"`
	ViosID            int    `json:"viosId"`
	ViosAdapterSlotID int    `json:"viosAdapterSlotId"`
}

// PhypVFC is a client's virtual Fibre Channel adapter with its WWPNs.
type PhypVFC struct {
	PhysicalLocation string   `json:"physicalLocation"`
	ViosID           int      `json:"viosId"`
	WWPNPair         []uint64 `json:"wwpnpair"`
}

// VIOSFile is a VIOS's raw sample (category vios_<id>).
type VIOSFile struct {
	SystemUtil VIOSSystemUtil `json:"systemUtil"`
}

// VIOSSystemUtil is the body of a VIOSFile.
type VIOSSystemUtil struct {
	UtilInfo   UtilInfo   `json:"utilInfo"`
	UtilSample VIOSSample `json:"utilSample"`
}

// VIOSSample is one sample of a VIOS.
type VIOSSample struct {
	TimeStamp string      `json:"timeStamp"`
	ViosUtil  []VIOSUtil  `json:"viosUtil"`
	Status    int         `json:"status"`
	ErrorInfo []ErrorInfo `json:"errorInfo"`
}

// VIOSUtil is the counters a VIOS's operating system keeps.
type VIOSUtil struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Memory  VIOSMemUtil `json:"memory"`
	Network VIOSNetwork `json:"network"`
	Storage VIOSStorage `json:"storage"`
}

// VIOSMemUtil is the VIOS's memory in use, MB.
type VIOSMemUtil struct {
	UtilizedMem *int `json:"utilizedMem,omitempty"`
}

// VIOSNetwork is the VIOS's Ethernet adapters and SEAs.
type VIOSNetwork struct {
	GenericAdapters []VIOSEnt `json:"genericAdapters,omitempty"`
	SharedAdapters  []VIOSSEA `json:"sharedAdapters,omitempty"`
}

// VIOSEnt is an Ethernet adapter of the VIOS (type virtual or physical).
type VIOSEnt struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	PhysicalLocation string `json:"physicalLocation"`
	ReceivedPackets  uint64 `json:"receivedPackets"`
	SentPackets      uint64 `json:"sentPackets"`
	DroppedPackets   uint64 `json:"droppedPackets"`
	ReceivedBytes    uint64 `json:"receivedBytes"`
	SentBytes        uint64 `json:"sentBytes"`
}

// VIOSSEA is a Shared Ethernet Adapter.
type VIOSSEA struct {
	ID               string   `json:"id"`
	Type             string   `json:"type"`
	PhysicalLocation string   `json:"physicalLocation"`
	ReceivedPackets  uint64   `json:"receivedPackets"`
	SentPackets      uint64   `json:"sentPackets"`
	DroppedPackets   uint64   `json:"droppedPackets"`
	ReceivedBytes    uint64   `json:"receivedBytes"`
	SentBytes        uint64   `json:"sentBytes"`
	BridgedAdapters  []string `json:"bridgedAdapters"`
}

// VIOSStorage is the VIOS's storage adapters and pools.
type VIOSStorage struct {
	FiberChannelAdapters    []VIOSFC   `json:"fiberChannelAdapters,omitempty"`
	GenericPhysicalAdapters []VIOSDisk `json:"genericPhysicalAdapters,omitempty"`
	GenericVirtualAdapters  []VIOSDisk `json:"genericVirtualAdapters,omitempty"`
	SharedStoragePools      []VIOSSSP  `json:"sharedStoragePools,omitempty"`
}

// VIOSFC is a physical Fibre Channel port with the NPIV ports on it.
type VIOSFC struct {
	ID               string       `json:"id"`
	WWPN             string       `json:"wwpn"`
	PhysicalLocation string       `json:"physicalLocation"`
	NumOfReads       uint64       `json:"numOfReads"`
	NumOfWrites      uint64       `json:"numOfWrites"`
	ReadBytes        uint64       `json:"readBytes"`
	WriteBytes       uint64       `json:"writeBytes"`
	RunningSpeed     int          `json:"runningSpeed"`
	Ports            []VIOSFCPort `json:"ports"`
}

// VIOSFCPort is a client's NPIV port on a physical port.
type VIOSFCPort struct {
	ID               string `json:"id"`
	WWPN             string `json:"wwpn"`
	NumOfReads       uint64 `json:"numOfReads"`
	NumOfWrites      uint64 `json:"numOfWrites"`
	ReadBytes        uint64 `json:"readBytes"`
	WriteBytes       uint64 `json:"writeBytes"`
	RunningSpeed     int    `json:"runningSpeed"`
	PhysicalLocation string `json:"physicalLocation"`
}

// VIOSDisk is a storage adapter (a physical one such as sissas0, or a
// virtual SCSI server adapter vhostN).
type VIOSDisk struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	PhysicalLocation string `json:"physicalLocation"`
	NumOfReads       uint64 `json:"numOfReads"`
	NumOfWrites      uint64 `json:"numOfWrites"`
	ReadBytes        uint64 `json:"readBytes"`
	WriteBytes       uint64 `json:"writeBytes"`
}

// VIOSSSP is a shared storage pool as the VIOS serves it.
type VIOSSSP struct {
	ID          string   `json:"id"`
	PoolDisks   []string `json:"poolDisks"`
	NumOfReads  uint64   `json:"numOfReads"`
	NumOfWrites uint64   `json:"numOfWrites"`
	TotalSpace  int64    `json:"totalSpace"`
	UsedSpace   int64    `json:"usedSpace"`
	ReadBytes   uint64   `json:"readBytes"`
	WriteBytes  uint64   `json:"writeBytes"`
}

// LparFile is the partitions' memory as their RMC reports it (category
// lpar), taken less often than the other files.
type LparFile struct {
	LparUtil []LparUtil `json:"lparUtil"`
}

// LparUtil is one partition of an LparFile: its memory, or why there is
// none (ErrorInfo, with a null TimeStamp).
type LparUtil struct {
	UUID      string         `json:"uuid"`
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Memory    *LparRMCMemory `json:"memory,omitempty"`
	ErrorInfo *LparError     `json:"errorInfo,omitempty"`
	TimeStamp *string        `json:"timeStamp"`
}

// LparRMCMemory is what the partition's OS says of its memory.
type LparRMCMemory struct {
	PctRealMemAvbl     int   `json:"pctRealMemAvbl"`
	TotalPgSpSizeCount int   `json:"totalPgSpSizeCount"`
	TotalPgSpFreeCount int   `json:"totalPgSpFreeCount"`
	VMActivePgCount    int   `json:"vmActivePgCount"`
	RealMemSizeBytes   int64 `json:"realMemSizeBytes"`
	PctRealMemFree     int   `json:"pctRealMemFree"`
	VMPgInRate         int   `json:"vmPgInRate"`
	VMPgOutRate        int   `json:"vmPgOutRate"`
	VMPgSpInRate       int   `json:"vmPgSpInRate"`
	VMPgSpOutRate      int   `json:"vmPgSpOutRate"`
}

// LparError says why a partition has no RMC data.
type LparError struct {
	ErrorID string `json:"errorId"`
	Message string `json:"message"`
}

// RMC error IDs of the lpar file.
const (
	ErrLparNotRunning = "6001" // Lpar is not in running state on Managed System
	ErrRMCInactive    = "6003" // RMC is INACTIVE on lpar
)
