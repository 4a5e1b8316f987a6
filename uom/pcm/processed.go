package pcm

import "time"

// Processed metrics (the HMC's ProcessedMetrics service): rates and
// processing units averaged over each 30 s interval of the long-term
// monitor, every value an array in the order of MetricArrayOrder (["AVG"]
// for processed metrics).

// ProcessedFrequency is the interval of processed samples, seconds.
const ProcessedFrequency = 30

// ProcessedTimeLayout is the time in processed files and their names.
const ProcessedTimeLayout = "2006-01-02T15:04:05-0700"

// ProcessedFileName names a processed file: <kind>_<uuid>_<start>_<end>_30.json
// with kind ManagedSystem or LogicalPartition.
func ProcessedFileName(kind, uuid string, start, end time.Time) string {
	return kind + "_" + uuid + "_" + start.Format(FileTimeLayout) + "_" + end.Format(FileTimeLayout) + "_30.json"
}

// Processed is a processed metrics file.
type Processed struct {
	SystemUtil ProcessedSystemUtil `json:"systemUtil"`
}

// ProcessedSystemUtil is the body of a processed file.
type ProcessedSystemUtil struct {
	UtilInfo    ProcessedInfo     `json:"utilInfo"`
	UtilSamples []ProcessedSample `json:"utilSamples"`
}

// ProcessedInfo describes a processed file.
type ProcessedInfo struct {
	Version          string   `json:"version"`
	MetricType       string   `json:"metricType"`
	Frequency        int      `json:"frequency"`
	StartTimeStamp   string   `json:"startTimeStamp"`
	EndTimeStamp     string   `json:"endTimeStamp"`
	MTMS             string   `json:"mtms"`
	Name             string   `json:"name"`
	UUID             string   `json:"uuid"`
	MetricArrayOrder []string `json:"metricArrayOrder"`
}

// ProcessedSample is one interval: the system's (sampleType ManagedSystem:
// firmware, server and VIOS figures) or a partition's (LogicalPartition:
// LparsUtil).
type ProcessedSample struct {
	SampleType         string          `json:"sampleType"`
	SampleInfo         SampleInfo      `json:"sampleInfo"`
	SystemFirmwareUtil *FirmwareUtil   `json:"systemFirmwareUtil,omitempty"`
	ServerUtil         *ServerUtil     `json:"serverUtil,omitempty"`
	ViosUtil           []ProcessedVIOS `json:"viosUtil,omitempty"`
	LparsUtil          []ProcessedLpar `json:"lparsUtil,omitempty"`
}

// SampleInfo is a processed sample's time and status.
type SampleInfo struct {
	TimeStamp string      `json:"timeStamp"`
	Status    int         `json:"status"`
	ErrorInfo []ErrorInfo `json:"errorInfo,omitempty"`
}

// FirmwareUtil is the hypervisor's own use.
type FirmwareUtil struct {
	UtilizedProcUnits []float64 `json:"utilizedProcUnits"`
	AssignedMem       []float64 `json:"assignedMem"`
}

// ServerUtil is the server's processors, memory and pools.
type ServerUtil struct {
	Processor             ServerProcessor  `json:"processor"`
	Memory                ServerMemory     `json:"memory"`
	PhysicalProcessorPool PoolUtil         `json:"physicalProcessorPool"`
	SharedProcessorPool   []SharedPoolUtil `json:"sharedProcessorPool"`
}

// ServerProcessor is the server's processing units.
type ServerProcessor struct {
	TotalProcUnits        []float64 `json:"totalProcUnits"`
	UtilizedProcUnits     []float64 `json:"utilizedProcUnits"`
	AvailableProcUnits    []float64 `json:"availableProcUnits"`
	ConfigurableProcUnits []float64 `json:"configurableProcUnits"`
}

// ServerMemory is the server's memory, MB.
type ServerMemory struct {
	TotalMem           []float64 `json:"totalMem"`
	AvailableMem       []float64 `json:"availableMem"`
	ConfigurableMem    []float64 `json:"configurableMem"`
	AssignedMemToLpars []float64 `json:"assignedMemToLpars"`
}

// PoolUtil is a processor pool's processing units.
type PoolUtil struct {
	AssignedProcUnits   []float64 `json:"assignedProcUnits"`
	UtilizedProcUnits   []float64 `json:"utilizedProcUnits"`
	AvailableProcUnits  []float64 `json:"availableProcUnits"`
	ConfiguredProcUnits []float64 `json:"configuredProcUnits"`
	BorrowedProcUnits   []float64 `json:"borrowedProcUnits"`
}

// SharedPoolUtil is a shared processor pool's processing units.
type SharedPoolUtil struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	PoolUtil
}

// ProcessedProcessor is a partition's processing units.
type ProcessedProcessor struct {
	PoolID                      *int      `json:"poolId,omitempty"`
	Weight                      int       `json:"weight"`
	Mode                        string    `json:"mode"`
	MaxVirtualProcessors        []float64 `json:"maxVirtualProcessors"`
	CurrentVirtualProcessors    []float64 `json:"currentVirtualProcessors"`
	MaxProcUnits                []float64 `json:"maxProcUnits"`
	EntitledProcUnits           []float64 `json:"entitledProcUnits"`
	UtilizedProcUnits           []float64 `json:"utilizedProcUnits"`
	UtilizedCappedProcUnits     []float64 `json:"utilizedCappedProcUnits"`
	UtilizedUncappedProcUnits   []float64 `json:"utilizedUncappedProcUnits"`
	IdleProcUnits               []float64 `json:"idleProcUnits"`
	DonatedProcUnits            []float64 `json:"donatedProcUnits"`
	TimeSpentWaitingForDispatch []float64 `json:"timeSpentWaitingForDispatch"`
	TimePerInstructionExecution []float64 `json:"timePerInstructionExecution"`
}

// ProcessedVIOS is a VIOS in a processed system sample.
type ProcessedVIOS struct {
	ID            int                `json:"id"`
	UUID          string             `json:"uuid"`
	Name          string             `json:"name"`
	State         string             `json:"state"`
	AffinityScore int                `json:"affinityScore"`
	Memory        ProcessedVIOSMem   `json:"memory"`
	Processor     ProcessedProcessor `json:"processor"`
	Network       ProcessedVIOSNet   `json:"network"`
	Storage       ProcessedVIOSStor  `json:"storage"`
}

// ProcessedVIOSMem is a VIOS's memory, MB.
type ProcessedVIOSMem struct {
	AssignedMem []float64 `json:"assignedMem"`
	UtilizedMem []float64 `json:"utilizedMem"`
}

// ProcessedVIOSNet is a VIOS's Ethernet adapters, SEAs and virtual
// adapters, rates per second.
type ProcessedVIOSNet struct {
	ClientLpars             []string       `json:"clientLpars,omitempty"`
	GenericAdapters         []ProcessedEnt `json:"genericAdapters,omitempty"`
	SharedAdapters          []ProcessedSEA `json:"sharedAdapters,omitempty"`
	VirtualEthernetAdapters []ProcessedVEA `json:"virtualEthernetAdapters,omitempty"`
}

// ProcessedEnt is an Ethernet adapter's rates.
type ProcessedEnt struct {
	ID               string    `json:"id"`
	Type             string    `json:"type"`
	PhysicalLocation string    `json:"physicalLocation"`
	ReceivedPackets  []float64 `json:"receivedPackets"`
	SentPackets      []float64 `json:"sentPackets"`
	DroppedPackets   []float64 `json:"droppedPackets"`
	SentBytes        []float64 `json:"sentBytes"`
	ReceivedBytes    []float64 `json:"receivedBytes"`
	TransferredBytes []float64 `json:"transferredBytes"`
}

// ProcessedSEA is a SEA's rates.
type ProcessedSEA struct {
	ProcessedEnt
	BridgedAdapters []string `json:"bridgedAdapters"`
}

// ProcessedVEA is a virtual Ethernet adapter's rates.
type ProcessedVEA struct {
	PhysicalLocation         string    `json:"physicalLocation"`
	VlanID                   int       `json:"vlanId"`
	VswitchID                int       `json:"vswitchId"`
	IsPortVlanID             bool      `json:"isPortVlanId"`
	ViosID                   *int      `json:"viosId,omitempty"`
	SharedEthernetAdapterID  string    `json:"sharedEthernetAdapterId,omitempty"`
	ReceivedPackets          []float64 `json:"receivedPackets"`
	SentPackets              []float64 `json:"sentPackets"`
	DroppedPackets           []float64 `json:"droppedPackets"`
	SentBytes                []float64 `json:"sentBytes"`
	ReceivedBytes            []float64 `json:"receivedBytes"`
	ReceivedPhysicalPackets  []float64 `json:"receivedPhysicalPackets"`
	SentPhysicalPackets      []float64 `json:"sentPhysicalPackets"`
	DroppedPhysicalPackets   []float64 `json:"droppedPhysicalPackets"`
	SentPhysicalBytes        []float64 `json:"sentPhysicalBytes"`
	ReceivedPhysicalBytes    []float64 `json:"receivedPhysicalBytes"`
	TransferredBytes         []float64 `json:"transferredBytes"`
	TransferredPhysicalBytes []float64 `json:"transferredPhysicalBytes"`
}

// ProcessedVIOSStor is a VIOS's storage adapters' rates.
type ProcessedVIOSStor struct {
	ClientLpars             []string        `json:"clientLpars,omitempty"`
	GenericPhysicalAdapters []ProcessedDisk `json:"genericPhysicalAdapters,omitempty"`
	GenericVirtualAdapters  []ProcessedDisk `json:"genericVirtualAdapters,omitempty"`
	FiberChannelAdapters    []ProcessedFC   `json:"fiberChannelAdapters,omitempty"`
}

// ProcessedDisk is a storage adapter's rates (ViosID set in a partition's
// sample).
type ProcessedDisk struct {
	ID               string    `json:"id"`
	Type             string    `json:"type"`
	ViosID           *int      `json:"viosId,omitempty"`
	PhysicalLocation string    `json:"physicalLocation"`
	NumOfReads       []float64 `json:"numOfReads"`
	NumOfWrites      []float64 `json:"numOfWrites"`
	ReadBytes        []float64 `json:"readBytes"`
	WriteBytes       []float64 `json:"writeBytes"`
	TransmittedBytes []float64 `json:"transmittedBytes"`
}

// ProcessedFC is a physical Fibre Channel port's rates.
type ProcessedFC struct {
	ID               string    `json:"id"`
	WWPN             string    `json:"wwpn"`
	PhysicalLocation string    `json:"physicalLocation"`
	NumOfPorts       int       `json:"numOfPorts"`
	NumOfReads       []float64 `json:"numOfReads"`
	NumOfWrites      []float64 `json:"numOfWrites"`
	ReadBytes        []float64 `json:"readBytes"`
	WriteBytes       []float64 `json:"writeBytes"`
	RunningSpeed     []float64 `json:"runningSpeed"`
	TransmittedBytes []float64 `json:"transmittedBytes"`
}

// ProcessedLpar is a partition in a processed partition sample.
type ProcessedLpar struct {
	ID            int                `json:"id"`
	UUID          string             `json:"uuid"`
	Name          string             `json:"name"`
	State         string             `json:"state"`
	Type          string             `json:"type"`
	OSType        string             `json:"osType"`
	AffinityScore int                `json:"affinityScore"`
	Memory        ProcessedLparMem   `json:"memory"`
	Processor     ProcessedProcessor `json:"processor"`
	Network       ProcessedLparNet   `json:"network"`
	Storage       ProcessedLparStor  `json:"storage"`
}

// ProcessedLparMem is a partition's memory, MB.
type ProcessedLparMem struct {
	LogicalMem        []float64 `json:"logicalMem"`
	BackedPhysicalMem []float64 `json:"backedPhysicalMem"`
}

// ProcessedLparNet is a partition's virtual Ethernet adapters' rates.
type ProcessedLparNet struct {
	VirtualEthernetAdapters []ProcessedVEA `json:"virtualEthernetAdapters,omitempty"`
}

// ProcessedLparStor is a partition's virtual storage adapters' rates.
type ProcessedLparStor struct {
	GenericVirtualAdapters      []ProcessedDisk `json:"genericVirtualAdapters,omitempty"`
	VirtualFiberChannelAdapters []ProcessedVFC  `json:"virtualFiberChannelAdapters,omitempty"`
}

// ProcessedVFC is a client's virtual Fibre Channel adapter's rates.
type ProcessedVFC struct {
	WWPN             string    `json:"wwpn"`
	WWPN2            string    `json:"wwpn2"`
	PhysicalLocation string    `json:"physicalLocation"`
	PhysicalPortWWPN string    `json:"physicalPortWWPN"`
	ViosID           int       `json:"viosId"`
	NumOfReads       []float64 `json:"numOfReads"`
	NumOfWrites      []float64 `json:"numOfWrites"`
	ReadBytes        []float64 `json:"readBytes"`
	WriteBytes       []float64 `json:"writeBytes"`
	RunningSpeed     []float64 `json:"runningSpeed"`
	TransmittedBytes []float64 `json:"transmittedBytes"`
}
