package rest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// No update is silently ignored. Before a kind's update runs, the request
// is compared with the object as it is rendered now: every element a
// client may set (its schema kb is not read-only) that the request
// changes must be one the kind's update applies (updateRules.applied);
// any other change is refused with the element named, and nothing is
// changed. Elements the request leaves out are not changes.

// updateRules say what a kind's update applies.
type updateRules struct {
	// applied are the element paths (names from the object's root, no
	// positions) whose changes the update makes; a path covers what is
	// below it, except the list items of lists.
	applied []string
	// lists are the lists whose membership the update edits, by the path
	// of their items: the key says which current item a request's item is
	// (new items, with no match, are the update's to check); a matched
	// item's elements are compared like the object's.
	lists map[string]func(*uom.Element) string
	// computed are elements the schema lets a client set but whose value
	// the server keeps moving (a clock, what the OS reports): a client's
	// copy is always a little behind, and is ignored.
	computed []string
}

func (u *updateRules) covers(list []string, path string) bool {
	for _, p := range list {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// ignoredChanges returns the refusal of a request that changes elements
// the update does not apply (nil when there are none).
func ignoredChanges(k *kind, schema *uom.SchemaNode, req, cur *uom.Element, g groupSel) error {
	if schema == nil || cur == nil {
		return nil
	}
	var found []string
	compareElements(k.updates, schema, req, cur, "", g, &found)
	if len(found) == 0 {
		return nil
	}
	more := ""
	if len(found) > 5 {
		more = " (and " + strconv.Itoa(len(found)-5) + " more)"
		found = found[:5]
	}
	return model.Invalid("This server does not change %s: %s%s. Send them as they are (or leave them out).",
		plural(len(found), "this element of "+k.name, "these elements of "+k.name), strings.Join(found, "; "), more)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func compareElements(u *updateRules, schema *uom.SchemaNode, req, cur *uom.Element, prefix string, g groupSel, found *[]string) {
	seen := map[string]int{}
	for _, c := range req.Children {
		if c.Local == "Metadata" {
			continue
		}
		n := seen[c.Local]
		seen[c.Local] = n + 1
		sn := schema.Child(c.Local)
		if sn == nil || sn.ReadOnly() || (sn.Group != "" && !g.has(sn.Group)) {
			continue // unknown (tolerated), read-only, or outside the request's groups
		}
		path := c.Local
		if prefix != "" {
			path = prefix + "/" + c.Local
		}
		if u != nil && (u.covers(u.computed, path)) {
			continue
		}
		if key, isList := u.listKey(path); isList {
			// An item of a list the update edits: its match, if any, is
			// compared; the membership is the update's.
			k := key(c)
			if k == "" {
				continue
			}
			for _, m := range childrenNamed(cur, c.Local) {
				if key(m) == k {
					compareElements(u, sn, c, m, path, g, found)
					break
				}
			}
			continue
		}
		if u != nil && u.covers(u.applied, path) && !u.hasListBelow(path) {
			continue
		}
		m := nthChild(cur, c.Local, n)
		if len(c.Children) > 0 || sn.Complex {
			if m == nil {
				m = &uom.Element{} // what the request adds is compared with nothing
			}
			compareElements(u, sn, c, m, path, g, found)
			continue
		}
		want, have := strings.TrimSpace(c.Text), ""
		if m != nil {
			have = strings.TrimSpace(m.Text)
		}
		if u != nil && u.covers(u.applied, path) {
			continue
		}
		if !sameValue(want, have) {
			*found = append(*found, path+" is "+strconv.Quote(have)+", the request has "+strconv.Quote(want))
		}
	}
}

func (u *updateRules) listKey(path string) (func(*uom.Element) string, bool) {
	if u == nil {
		return nil, false
	}
	k, ok := u.lists[path]
	return k, ok
}

// hasListBelow tells whether a list the update edits is below path (then
// path's other elements are still compared).
func (u *updateRules) hasListBelow(path string) bool {
	for p := range u.lists {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

func childrenNamed(el *uom.Element, name string) []*uom.Element {
	var out []*uom.Element
	for _, c := range el.Children {
		if c.Local == name {
			out = append(out, c)
		}
	}
	return out
}

func nthChild(el *uom.Element, name string, n int) *uom.Element {
	for _, c := range el.Children {
		if c.Local == name {
			if n == 0 {
				return c
			}
			n--
		}
	}
	return nil
}

// sameValue compares two texts as values: booleans whatever their case,
// numbers by value.
func sameValue(a, b string) bool {
	if a == b || strings.EqualFold(a, b) && (strings.EqualFold(a, "true") || strings.EqualFold(a, "false")) {
		return true
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

// checkIgnoredChanges renders o as it is now and refuses a request that
// changes what the kind's update does not apply. A stale etag is left to
// the update (412).
func (s *Server) checkIgnoredChanges(r *http.Request, k *kind, o object, rc *renderCtx, etag string, el *uom.Element, g groupSel) error {
	if etag != "" && etag != core.EtagOf(o.rev) {
		return nil
	}
	if k.aux != nil && o.aux == nil {
		s.core.Read(func(st *model.State) { o.aux = k.aux(st, o) })
	}
	if k.byConsole {
		rc.console = consoleOf(r)
	}
	return ignoredChanges(k, uom.Schema(k.name), el, k.render(rc, o), g)
}

// The update rules of the kinds, next to what their updates read
// (parse_partition.go, parse_network.go, parse_storage.go, parse_slots.go).

var systemUpdates = &updateRules{
	applied:  []string{"SystemName"},
	computed: []string{"SystemTime"},
}

func partitionUpdates(vios bool) *updateRules {
	u := &updateRules{
		applied: []string{"PartitionName", "PartitionID", "PartitionType", "KeylockPosition", "AvailabilityPriority",
			"AllowPerformanceDataCollection", "PowerVMManagementCapable", "AutoStart", "IsServicePartition",
			"SimplifiedRemoteRestartCapable", "PendingProcessorCompatibilityMode",
			"PartitionIOConfiguration/MaximumVirtualIOSlots",
			"PartitionMemoryConfiguration/DesiredMemory", "PartitionMemoryConfiguration/MinimumMemory",
			"PartitionMemoryConfiguration/MaximumMemory", "PartitionMemoryConfiguration/HardwarePageTableRatio",
			"PartitionMemoryConfiguration/ActiveMemoryExpansionEnabled", "PartitionMemoryConfiguration/ActiveMemorySharingEnabled",
			"PartitionMemoryConfiguration/SharedMemoryEnabled",
			"PartitionProcessorConfiguration/HasDedicatedProcessors", "PartitionProcessorConfiguration/SharingMode",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/DesiredProcessingUnits",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/MinimumProcessingUnits",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/MaximumProcessingUnits",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/DesiredVirtualProcessors",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/MinimumVirtualProcessors",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/MaximumVirtualProcessors",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/UncappedWeight",
			"PartitionProcessorConfiguration/SharedProcessorConfiguration/SharedProcessorPoolID",
			"PartitionProcessorConfiguration/DedicatedProcessorConfiguration/DesiredProcessors",
			"PartitionProcessorConfiguration/DedicatedProcessorConfiguration/MinimumProcessors",
			"PartitionProcessorConfiguration/DedicatedProcessorConfiguration/MaximumProcessors",
			// NVRAM, IBM i and the virtual serial number (parse_partition.go).
			"PartitionNVRAM", "PartitionIOConfiguration/TaggedIO", "DesignatedIPLSource",
			"IsRestrictedIOPartition", "VirtualSerialNumber",
		},
		lists: map[string]func(*uom.Element) string{
			// The I/O slots the partition owns, by their slot (as
			// parse_slots.go finds them: the DRC index, else the name).
			"PartitionIOConfiguration/ProfileIOSlots/ProfileIOSlot": func(e *uom.Element) string {
				if k, _ := textOf(e, "AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex"); k != "" {
					return "index " + k
				}
				k, _ := textOf(e, "AssociatedIOSlot/SlotDynamicReconfigurationConnectorName")
				return k
			},
		},
		// What the partition's operating system reports.
		computed: []string{"OperatingSystemVersion", "ResourceMonitoringIPAddress"},
	}
	if vios {
		// The mapping lists are reconciled whole (parse_storage.go).
		u.applied = append(u.applied, "VirtualSCSIMappings", "VirtualFibreChannelMappings")
	}
	return u
}

var switchUpdates = &updateRules{applied: []string{"SwitchName", "SwitchMode", "SwitchID"}}

var adapterUpdates = &updateRules{applied: []string{"VirtualSlotNumber", "MACAddress", "PortVLANID", "TaggedVLANIDs",
	"TaggedVLANSupported", "Enabled", "TrunkPriority", "AssociatedVirtualSwitch",
	// A trunk adapter of the NovaLink partition on an Open vSwitch.
	"DeviceName", "OvsBridge", "OvsPortExternalIds", "ConfiguredMTU"}}

// The pools' settings (kinds_procpool.go), a SCSI bus's storage
// (kinds_clientadapters.go); the console's are in kinds_console.go.
var procPoolUpdates = &updateRules{applied: []string{"PoolName", "MaximumProcessingUnits", "PendingReservedProcessingUnits"},
	// What its partitions hold moves as they start and stop.
	computed: []string{"AvailableProcUnits", "CurrentReservedProcessingUnits"}}

var busUpdates = &updateRules{applied: []string{"AssociatedMappings"}}

// trunkKey is the slot of a trunk adapter of a request (as
// seaFromXML reads it).
func trunkKey(e *uom.Element) string {
	if v, _ := textOf(e, "VirtualSlotNumber"); v != "" {
		return v
	}
	for _, n := range []string{"LocationCode", "DynamicReconfigurationConnectorName"} {
		if v, _ := textOf(e, n); v != "" {
			if s := slotOfLocation(v); s > 0 {
				return strconv.Itoa(s)
			}
		}
	}
	return ""
}

var bridgeUpdates = &updateRules{
	applied: []string{"LoadBalancingEnabled",
		"SharedEthernetAdapters/SharedEthernetAdapter/AssignedVirtualIOServer",
		"SharedEthernetAdapters/SharedEthernetAdapter/DeviceName",
		"SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter/VirtualSlotNumber",
		"SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter/PortVLANID",
		"SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter/TaggedVLANIDs",
		"SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter/TrunkPriority",
	},
	lists: map[string]func(*uom.Element) string{
		"SharedEthernetAdapters/SharedEthernetAdapter": func(e *uom.Element) string {
			d, _ := textOf(e, "DeviceName")
			if c := e.Child("AssignedVirtualIOServer"); c != nil && d != "" {
				return strings.ToUpper(lastSegment(linkHref(c))) + "/" + d
			}
			return ""
		},
		"SharedEthernetAdapters/SharedEthernetAdapter/TrunkAdapters/TrunkAdapter": trunkKey,
	},
}

var poolUpdates = &updateRules{
	applied: []string{"LogicalUnits/LogicalUnit/UnitCapacity"},
	lists: map[string]func(*uom.Element) string{
		"LogicalUnits/LogicalUnit": func(e *uom.Element) string {
			u, _ := textOf(e, "UniqueDeviceID")
			return strings.ToUpper(u)
		},
	},
}

var luUpdates = &updateRules{applied: []string{"UnitCapacity"}}

var vgUpdates = &updateRules{
	applied: []string{"VirtualDisks", "MediaRepositories/VirtualMediaRepository/RepositorySize",
		"MediaRepositories/VirtualMediaRepository/OpticalMedia"},
	lists: map[string]func(*uom.Element) string{
		// A volume group has at most one repository: a request's is it.
		"MediaRepositories/VirtualMediaRepository": func(*uom.Element) string { return "the repository" },
	},
}
