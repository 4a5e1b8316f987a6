package rest

import (
	"net/http"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// Introspection: GET /rest/api/sim/Introspection says what this server
// implements (every route, every job with its parameters, every quick
// property, every simulator control) and what of the PowerVM REST API it
// knows but does not implement. A request for one of those answers 501
// with the HttpErrorResponse of errNotImplemented, which a client can tell
// from a missing object (404).

// route is one route of the API.
type route struct {
	Methods []string `json:"methods"`
	Path    string   `json:"path"`
	Doc     string   `json:"doc"`
}

// staticRoutes are the routes outside the object kinds' grammar (a test
// checks that every pattern the server registers is among them).
var staticRoutes = []route{
	{[]string{"PUT", "DELETE"}, "/rest/api/web/Logon", "log on (password or local session file) and off"},
	{[]string{"GET", "PUT"}, "/rest/api/web/File", "the uploaded files: feed, create a file"},
	{[]string{"GET", "DELETE"}, "/rest/api/web/File/{id}", "one file"},
	{[]string{"GET", "PUT", "POST"}, "/rest/api/web/File/contents/{id}", "a file's contents: download, upload"},
	{[]string{"GET", "PUT"}, "/rest/api/uom/Event", "the event feed: poll (?QUEUE_CLIENTKEY_ID=), send a custom client event"},
	{[]string{"GET", "DELETE"}, "/rest/api/uom/jobs/{id}", "a job's status and results; delete a finished job"},
	{[]string{"POST", "PUT"}, "/rest/api/uom/jobs/{id}/cancel", "cancel a job"},
	{[]string{"GET", "POST"}, "/rest/api/pcm/ManagedSystem/{uuid}/preferences", "performance monitoring preferences"},
	{[]string{"GET"}, "/rest/api/pcm/ManagedSystem/{uuid}/RawMetrics/{monitor}", "LongTermMonitor or ShortTermMonitor feed (?StartTS=&EndTS=)"},
	{[]string{"GET"}, "/rest/api/pcm/ManagedSystem/{uuid}/RawMetrics/{monitor}/{file}", "a monitor's JSON file"},
	{[]string{"GET"}, "/rest/api/pcm/ManagedSystem/{uuid}/ProcessedMetrics", "the system's processed metrics (?NoOfSamples=)"},
	{[]string{"GET"}, "/rest/api/pcm/ManagedSystem/{uuid}/LogicalPartition/{lpar}/ProcessedMetrics", "a partition's processed metrics"},
	{[]string{"GET"}, "/rest/api/pcm/ProcessedMetrics/{file}", "a processed metrics JSON file"},
	{[]string{"GET"}, "/metrics", "the counters in Prometheus' exposition format"},
	{[]string{"GET"}, "/rest/api/web/VirtualTerminal/{id}", "a partition's virtual terminal (an Upgrade to the pvm-vterm stream; mkvterm)"},
}

// simControls are the simulator's controls (the root's index).
func simControls(base string) []route {
	return []route{
		{[]string{"GET"}, base + "/Directory", "the system and its partitions (UUID, ID, name, kind, state)"},
		{[]string{"GET"}, base + "/Introspection", "this document"},
		{[]string{"GET"}, base + "/Load", "the simulated loads set"},
		{[]string{"GET", "PUT", "DELETE"}, base + "/{LogicalPartition|VirtualIOServer}/{uuid}/Load", "a partition's simulated workload: PUT {cpu, netRx, netTx, diskRead, diskWrite, mem} (any of them); DELETE goes back to the idle OS"},
		{[]string{"GET", "PUT", "DELETE"}, base + "/Fault", "fault rules: list, add ({route, method, job, phase, target, user; status, message, drop, delay, jitter, jobStatus, results; probability, count, skip, ttl|expires, persist}), remove them all"},
		{[]string{"GET", "DELETE"}, base + "/Fault/{id}", "one fault rule: read, remove"},
		{[]string{"GET", "PUT", "DELETE"}, base + "/VirtualIOServer/{uuid}/Busy", "a busy VIOS (500, HSCL3205/VIOS0014): PUT {count, probability, ttl, persist}; DELETE ends it"},
		{[]string{"GET", "PUT"}, base + "/{LogicalPartition|VirtualIOServer}/{uuid}/State", "flip a partition's state: PUT {rmc: active|inactive|none|busy|auto} or {state: error|not activated, refCode}"},
		{[]string{"GET", "PUT"}, base + "/ManagedSystem/{uuid}/State", "the managed system's state: PUT {state: operating|power off|error|no connection}"},
		{[]string{"GET", "PUT"}, base + "/Timing", "the timing profile: PUT {profile: fast|realistic} and/or times {firmwareStep, osBoot, rmcUp, osShutdown, vspShutdown, immediate, systemIPL}"},
		{[]string{"GET"}, base + "/Snapshot", "the saved snapshots"},
		{[]string{"PUT", "DELETE"}, base + "/Snapshot/{name}", "save the system's state under a name; delete a snapshot"},
		{[]string{"POST"}, base + "/Snapshot/{name}/Restore", "bring a snapshot back"},
		{[]string{"POST"}, base + "/Reset", "back to the seeded inventory"},
		{[]string{"GET"}, base + "/san", "the storage outside the server (fabrics, arrays, hosts, volumes, iSCSI targets, RBD images)"},
		{[]string{"POST"}, base + "/san/Fabric", "make a fabric"},
		{[]string{"PUT"}, base + "/san/Fabric/{name}/Zones", "a fabric's zoning"},
		{[]string{"POST"}, base + "/san/Array", "make an array"},
		{[]string{"POST"}, base + "/san/Array/{name}/Host", "define a host on an array"},
		{[]string{"DELETE"}, base + "/san/Array/{name}/Host/{host}", "remove a host"},
		{[]string{"POST"}, base + "/san/LUN", "make a volume"},
		{[]string{"GET", "PUT", "DELETE"}, base + "/san/LUN/{name}", "a volume: read, grow, delete"},
		{[]string{"POST"}, base + "/san/LUN/{name}/Map", "map a volume to a host"},
		{[]string{"DELETE"}, base + "/san/LUN/{name}/Map/{host}", "unmap a volume"},
		{[]string{"POST"}, base + "/san/ISCSITarget", "make an iSCSI target"},
		{[]string{"DELETE"}, base + "/san/ISCSITarget/{iqn}", "remove an iSCSI target"},
		{[]string{"POST"}, base + "/san/RBD", "make an RBD image"},
		{[]string{"DELETE"}, base + "/san/RBD/{pool}/{name}", "remove an RBD image"},
		{[]string{"GET"}, base + "/san/Initiator/{wwpn}", "what an initiator sees: its fabric and volumes"},
	}
}

// powerVMJobs are the jobs of the PowerVM REST API that clients use, by
// group: those this server does not implement answer 501.
var powerVMJobs = map[string][]string{
	"LogicalPartition": {"PowerOn", "PowerOff", "Migrate", "MigrateValidate", "MigrateAbort", "MigrateRecover", "CloseVterm",
		"CloneUUID", "PanelFunction", "AddLicense"},
	"VirtualIOServer": {"PowerOn", "PowerOff", "LUARecovery", "RemoveDevice", "RescanVirtualDisk", "ISCSIDiscovery", "ISCSIRemove",
		"RBDExists", "CloseVterm"},
	"ManagedSystem": {"RequestMaster", "ReleaseMaster", "RequestController", "ReleaseController", "GetNextWWPNs", "AddVSN",
		"RemoveVSN", "TransferVSN", "QueryReservedMemoryRequiredForPartition", "GetDPOStatus", "UpdateFirmware",
		"BackupProfileData", "RestoreProfileData"},
	"Cluster":           {"Create", "AddNode", "RemoveNode"},
	"ManagementConsole": {"CLIRunner"},
}

// powerVMKinds are object types of the PowerVM REST API (the uom
// service) beyond those the captures describe (uom/schema).
var powerVMKinds = []string{"ManagedFrame", "PartitionTemplate", "SystemTemplate", "Group", "SharedMemoryPool",
	"SRIOVEthernetLogicalPort", "VirtualNICDedicated", "PowerEnterprisePool", "PowerEnterprisePoolMember",
	"HostChannelAdapter", "SharedProcessorPool", "VirtualSerialNumberInformation", "VirtualSCSIBus",
	"VirtualFibreChannelClientAdapter", "VirtualSCSIClientAdapter", "LoadGroup", "VirtualMediaRepository",
	"PhysicalVolume", "VolumeGroup", "VirtualNetwork", "VirtualSwitch", "NetworkBridge", "ClientNetworkAdapter",
	"SharedStoragePool", "Cluster", "Tier", "LogicalUnit", "ManagementConsole", "ManagedSystem", "LogicalPartition",
	"VirtualIOServer", "Event"}

// notImplementedKind reports whether name is a PowerVM object type this
// server does not serve.
func (s *Server) notImplementedKind(name string) bool {
	if name == "" || s.kinds[name] != nil || name == "Event" || name == "jobs" {
		return false
	}
	for _, k := range powerVMKinds {
		if k == name {
			return true
		}
	}
	return uom.Schema(name) != nil
}

// notImplementedJob reports whether op is a PowerVM job of a group this
// server does not run.
func notImplementedJob(group, op string) bool {
	if _, ok := jobParametersOf(group, op); ok {
		return false
	}
	for _, j := range powerVMJobs[group] {
		if j == op {
			return true
		}
	}
	return false
}

// errNotImplemented is the answer to a route or job of the PowerVM REST
// API this server does not implement (501), distinct from a missing
// object (404).
func errNotImplemented(what string) error {
	return &httpError{status: http.StatusNotImplemented, reason: "Not Implemented",
		msg: "[PVME01040199-0501] " + what + " is part of the PowerVM REST API but not implemented by this server (pvmd); GET " + simRoot + "/Introspection lists what it implements."}
}

type introJob struct {
	Group      string   `json:"group"`
	Operation  string   `json:"operation"`
	Parameters []string `json:"parameters"`
}

type introKind struct {
	Name    string   `json:"name"`
	Root    bool     `json:"root"`
	Parents []string `json:"parents,omitempty"`
	Methods []string `json:"methods"`
	Search  []string `json:"search,omitempty"`
	Quick   []string `json:"quick,omitempty"`
}

type introspection struct {
	Server struct {
		System      string `json:"system"`
		MTMS        string `json:"mtms"`
		Seed        uint64 `json:"seed"`
		Timing      string `json:"timing"`
		SimControls bool   `json:"simControls"`
	} `json:"server"`
	Kinds          []introKind `json:"kinds"`
	Routes         []route     `json:"routes"`
	Jobs           []introJob  `json:"jobs"`
	Controls       []route     `json:"controls"`
	NotImplemented struct {
		Kinds []string   `json:"kinds"`
		Jobs  []introJob `json:"jobs"`
		// Error is what a request for one of them answers.
		Error string `json:"error"`
	} `json:"notImplemented"`
}

func (s *Server) handleIntrospection(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeJSONValue(w, http.StatusOK, s.introspect())
}

func (s *Server) introspect() *introspection {
	var doc introspection
	sys := s.core.System()
	doc.Server.System, doc.Server.MTMS, doc.Server.Seed = sys.Name, sys.MTMS(), s.core.Seed()
	doc.Server.Timing, doc.Server.SimControls = s.core.Timing().Name, !s.cfg.NoSimControls
	names := make([]string, 0, len(s.kinds))
	for n := range s.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k := s.kinds[n]
		ik := introKind{Name: n, Root: k.root, Parents: k.parents}
		ik.Methods = append(ik.Methods, "GET")
		if k.readOnly == "" {
			if k.create != nil {
				ik.Methods = append(ik.Methods, "PUT")
			}
			if k.update != nil {
				ik.Methods = append(ik.Methods, "POST")
			}
			if k.delete != nil {
				ik.Methods = append(ik.Methods, "DELETE")
			}
		}
		for key := range k.search {
			ik.Search = append(ik.Search, key)
		}
		sort.Strings(ik.Search)
		ik.Quick = s.quickNames(k)
		doc.Kinds = append(doc.Kinds, ik)
		uuidOf := "/{uuid}"
		if k.root {
			doc.Routes = append(doc.Routes, route{kindMethods(ik.Methods, true), "/rest/api/uom/" + n, "the " + n + " feed" + createDoc(k)})
			doc.Routes = append(doc.Routes, route{kindMethods(ik.Methods, false), "/rest/api/uom/" + n + uuidOf, "one " + n})
			if len(ik.Search) > 0 {
				doc.Routes = append(doc.Routes, route{[]string{"GET"}, "/rest/api/uom/" + n + "/search/({key}=={value})", "search by " + strings.Join(ik.Search, ", ")})
			}
			if len(ik.Quick) > 0 {
				doc.Routes = append(doc.Routes, route{[]string{"GET"}, "/rest/api/uom/" + n + "/{uuid}/quick[/{property}]", "quick properties"})
			}
		}
		for _, p := range k.parents {
			doc.Routes = append(doc.Routes, route{kindMethods(ik.Methods, true), "/rest/api/uom/" + p + "/{uuid}/" + n, "the " + n + " feed of a " + p + createDoc(k)})
			doc.Routes = append(doc.Routes, route{kindMethods(ik.Methods, false), "/rest/api/uom/" + p + "/{uuid}/" + n + uuidOf, "one " + n + " of a " + p})
		}
	}
	doc.Routes = append(doc.Routes, staticRoutes...)
	groups := map[string]map[string][]string{}
	for g, ops := range core.JobOperations {
		for op, params := range ops {
			if groups[g] == nil {
				groups[g] = map[string][]string{}
			}
			groups[g][op] = params
		}
	}
	for g, ops := range restJobs {
		for op, rj := range ops {
			if groups[g] == nil {
				groups[g] = map[string][]string{}
			}
			groups[g][op] = rj.params
		}
	}
	for g, ops := range groups {
		for op, params := range ops {
			if params == nil {
				params = []string{}
			}
			doc.Jobs = append(doc.Jobs, introJob{g, op, params})
			doc.Routes = append(doc.Routes, route{[]string{"GET", "PUT"}, "/rest/api/uom/" + g + "/{uuid}/do/" + op, "the " + op + " job: its template; run it"})
		}
	}
	sort.Slice(doc.Jobs, func(i, j int) bool {
		if doc.Jobs[i].Group != doc.Jobs[j].Group {
			return doc.Jobs[i].Group < doc.Jobs[j].Group
		}
		return doc.Jobs[i].Operation < doc.Jobs[j].Operation
	})
	sort.SliceStable(doc.Routes, func(i, j int) bool { return doc.Routes[i].Path < doc.Routes[j].Path })
	doc.Controls = simControls(simRoot)
	for _, k := range append(append([]string(nil), powerVMKinds...), uom.SchemaTypes()...) {
		if s.notImplementedKind(k) && !containsString(doc.NotImplemented.Kinds, k) {
			doc.NotImplemented.Kinds = append(doc.NotImplemented.Kinds, k)
		}
	}
	sort.Strings(doc.NotImplemented.Kinds)
	for g, ops := range powerVMJobs {
		for _, op := range ops {
			if notImplementedJob(g, op) {
				doc.NotImplemented.Jobs = append(doc.NotImplemented.Jobs, introJob{g, op, []string{}})
			}
		}
	}
	sort.Slice(doc.NotImplemented.Jobs, func(i, j int) bool {
		a, b := doc.NotImplemented.Jobs[i], doc.NotImplemented.Jobs[j]
		return a.Group+"/"+a.Operation < b.Group+"/"+b.Operation
	})
	doc.NotImplemented.Error = "HTTP 501 Not Implemented, an HttpErrorResponse with message ID PVME01040199-0501 (a missing object is 404)"
	return &doc
}

func kindMethods(all []string, feed bool) []string {
	var out []string
	for _, m := range all {
		switch {
		case m == "GET":
			out = append(out, m)
		case feed && m == "PUT":
			out = append(out, m)
		case !feed && (m == "POST" || m == "DELETE"):
			out = append(out, m)
		}
	}
	return out
}

func createDoc(k *kind) string {
	if k.create != nil && k.readOnly == "" {
		return " (PUT creates one)"
	}
	return ""
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// quickNames lists a root kind's quick properties, read off one of its
// objects (none: the kind has none, or no object to read them from).
func (s *Server) quickNames(k *kind) []string {
	if k.quick == nil || !k.root {
		return nil
	}
	var objs []object
	rc := &renderCtx{now: s.core.Clock().Now()}
	s.core.Read(func(st *model.State) { objs, rc.sys = k.list(st, ""), st.System })
	if len(objs) == 0 {
		return nil
	}
	props := k.quick(rc, objs[0])
	out := make([]string, 0, len(props))
	for n := range props {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
