package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// The simulator's controls of a pvmd (/rest/api/sim): what a tester sets
// that a real server has no API for. A real NovaLink or HMC has none of
// them (404), nor has a pvmd started with --no-sim-controls. Durations are
// Go duration texts ("250ms", "30s").

// SimRoot is the root of the simulator's controls.
const SimRoot = "/rest/api/sim"

// SimParam is a job result a fault rule adds.
type SimParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SimFaultRule is a fault rule (see pvmd's README: the match, the effect,
// when it acts; the counters are read only).
type SimFaultRule struct {
	ID          string     `json:"id,omitempty"`
	Label       string     `json:"label,omitempty"`
	Route       string     `json:"route,omitempty"`
	Method      string     `json:"method,omitempty"`
	Job         string     `json:"job,omitempty"`
	Target      string     `json:"target,omitempty"`
	User        string     `json:"user,omitempty"`
	VIOS        string     `json:"vios,omitempty"`
	Phase       string     `json:"phase,omitempty"`
	Status      int        `json:"status,omitempty"`
	Message     string     `json:"message,omitempty"`
	Drop        bool       `json:"drop,omitempty"`
	Delay       string     `json:"delay,omitempty"`
	Jitter      string     `json:"jitter,omitempty"`
	JobStatus   string     `json:"jobStatus,omitempty"`
	Results     []SimParam `json:"results,omitempty"`
	Probability float64    `json:"probability,omitempty"`
	Count       int        `json:"count,omitempty"`
	Skip        int        `json:"skip,omitempty"`
	TTL         string     `json:"ttl,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	Persist     bool       `json:"persist,omitempty"`
	Matched     int        `json:"matched,omitempty"`
	Fired       int        `json:"fired,omitempty"`
	Done        bool       `json:"done,omitempty"`
}

// SimPartitionState is a partition's state as the simulator shows it.
type SimPartitionState struct {
	Partition string `json:"partition"`
	Name      string `json:"name"`
	State     string `json:"state"`
	RefCode   string `json:"refCode"`
	RMC       string `json:"rmc"`
	RMCHeld   string `json:"rmcHeld,omitempty"`
}

// SimPartitionFlip is a change of a partition's state no API can make:
// RMC (active, inactive, none, busy, auto), State (error, not activated)
// and its RefCode.
type SimPartitionFlip struct {
	RMC     string `json:"rmc,omitempty"`
	State   string `json:"state,omitempty"`
	RefCode string `json:"refCode,omitempty"`
}

// SimSystemState is the managed system's state.
type SimSystemState struct {
	System string `json:"system"`
	Name   string `json:"name"`
	State  string `json:"state"`
}

// SimTiming is the timing profile of the simulated server.
type SimTiming struct {
	Profile      string `json:"profile"`
	FirmwareStep string `json:"firmwareStep,omitempty"`
	OSBoot       string `json:"osBoot,omitempty"`
	RMCUp        string `json:"rmcUp,omitempty"`
	OSShutdown   string `json:"osShutdown,omitempty"`
	VSPShutdown  string `json:"vspShutdown,omitempty"`
	Immediate    string `json:"immediate,omitempty"`
	SystemIPL    string `json:"systemIPL,omitempty"`
}

// SimSnapshot describes a saved snapshot.
type SimSnapshot struct {
	Name       string    `json:"name"`
	Created    time.Time `json:"created"`
	Revision   uint64    `json:"revision"`
	Partitions int       `json:"partitions"`
	Objects    int       `json:"objects"`
	Bytes      int64     `json:"bytes"`
}

// SimRestore says what a restore or reset did.
type SimRestore struct {
	Name     string `json:"name"`
	Changed  int    `json:"changed"`
	Events   string `json:"events"`
	Revision uint64 `json:"revision"`
}

// SimJSON sends a JSON control request (in may be nil) and decodes the
// answer into out (may be nil).
func (c *Client) SimJSON(ctx context.Context, method, path string, in, out any) error {
	h := http.Header{}
	h.Set("Accept", "application/json")
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
		h.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(ctx, method, path, h, body)
	if err != nil {
		return err
	}
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not what the simulator sends: %v", method, path, err)
	}
	return nil
}

// SimFaults lists the fault rules.
func (c *Client) SimFaults(ctx context.Context) ([]SimFaultRule, error) {
	var l struct{ Rules []SimFaultRule }
	err := c.SimJSON(ctx, http.MethodGet, SimRoot+"/Fault", nil, &l)
	return l.Rules, err
}

// SimAddFault adds a rule and returns it with its ID.
func (c *Client) SimAddFault(ctx context.Context, r SimFaultRule) (SimFaultRule, error) {
	var out SimFaultRule
	err := c.SimJSON(ctx, http.MethodPut, SimRoot+"/Fault", r, &out)
	return out, err
}

// SimRemoveFault removes one rule ("" removes them all) and returns what
// it removed.
func (c *Client) SimRemoveFault(ctx context.Context, id string) ([]SimFaultRule, error) {
	var l struct{ Rules []SimFaultRule }
	path := SimRoot + "/Fault"
	if id != "" {
		path += "/" + url.PathEscape(id)
	}
	err := c.SimJSON(ctx, http.MethodDelete, path, nil, &l)
	return l.Rules, err
}

// SimBusy makes a VIOS busy for count requests and/or with a probability
// (and/or for a time, ttl).
func (c *Client) SimBusy(ctx context.Context, viosUUID string, count int, probability float64, ttl string) (SimFaultRule, error) {
	var out SimFaultRule
	err := c.SimJSON(ctx, http.MethodPut, SimRoot+"/VirtualIOServer/"+viosUUID+"/Busy",
		struct {
			Count       int     `json:"count,omitempty"`
			Probability float64 `json:"probability,omitempty"`
			TTL         string  `json:"ttl,omitempty"`
		}{count, probability, ttl}, &out)
	return out, err
}

// SimNotBusy ends a VIOS's busy rules.
func (c *Client) SimNotBusy(ctx context.Context, viosUUID string) ([]SimFaultRule, error) {
	var l struct{ Rules []SimFaultRule }
	err := c.SimJSON(ctx, http.MethodDelete, SimRoot+"/VirtualIOServer/"+viosUUID+"/Busy", nil, &l)
	return l.Rules, err
}

// SimPartitionState reads (set nil) or changes the state of a partition
// (kind LogicalPartition or VirtualIOServer).
func (c *Client) SimPartitionState(ctx context.Context, kind, uuid string, set *SimPartitionFlip) (SimPartitionState, error) {
	var out SimPartitionState
	path := SimRoot + "/" + kind + "/" + uuid + "/State"
	var err error
	if set == nil {
		err = c.SimJSON(ctx, http.MethodGet, path, nil, &out)
	} else {
		err = c.SimJSON(ctx, http.MethodPut, path, set, &out)
	}
	return out, err
}

// SimSystemState reads (state "") or sets the managed system's state
// (operating, power off, error, no connection).
func (c *Client) SimSystemState(ctx context.Context, sysUUID, state string) (SimSystemState, error) {
	var out SimSystemState
	path := SimRoot + "/ManagedSystem/" + sysUUID + "/State"
	if state == "" {
		return out, c.SimJSON(ctx, http.MethodGet, path, nil, &out)
	}
	return out, c.SimJSON(ctx, http.MethodPut, path, struct {
		State string `json:"state"`
	}{state}, &out)
}

// SimTiming reads (set nil) or switches the timing profile.
func (c *Client) SimTiming(ctx context.Context, set *SimTiming) (SimTiming, error) {
	var out SimTiming
	if set == nil {
		return out, c.SimJSON(ctx, http.MethodGet, SimRoot+"/Timing", nil, &out)
	}
	return out, c.SimJSON(ctx, http.MethodPut, SimRoot+"/Timing", set, &out)
}

// SimSnapshots lists the snapshots.
func (c *Client) SimSnapshots(ctx context.Context) ([]SimSnapshot, error) {
	var l struct{ Snapshots []SimSnapshot }
	err := c.SimJSON(ctx, http.MethodGet, SimRoot+"/Snapshot", nil, &l)
	return l.Snapshots, err
}

// SimSaveSnapshot saves the system's state under a name.
func (c *Client) SimSaveSnapshot(ctx context.Context, name string) (SimSnapshot, error) {
	var out SimSnapshot
	err := c.SimJSON(ctx, http.MethodPut, SimRoot+"/Snapshot/"+url.PathEscape(name), nil, &out)
	return out, err
}

// SimRestoreSnapshot brings a snapshot back.
func (c *Client) SimRestoreSnapshot(ctx context.Context, name string) (SimRestore, error) {
	var out SimRestore
	err := c.SimJSON(ctx, http.MethodPost, SimRoot+"/Snapshot/"+url.PathEscape(name)+"/Restore", nil, &out)
	return out, err
}

// SimDeleteSnapshot deletes a snapshot.
func (c *Client) SimDeleteSnapshot(ctx context.Context, name string) error {
	return c.SimJSON(ctx, http.MethodDelete, SimRoot+"/Snapshot/"+url.PathEscape(name), nil, nil)
}

// SimReset brings the system back to the inventory it was seeded with.
func (c *Client) SimReset(ctx context.Context) (SimRestore, error) {
	var out SimRestore
	err := c.SimJSON(ctx, http.MethodPost, SimRoot+"/Reset", nil, &out)
	return out, err
}

// SimDirectoryEntry is the system or a partition in the simulator's
// directory.
type SimDirectoryEntry struct {
	UUID  string `json:"uuid"`
	ID    int    `json:"id,omitempty"`
	Name  string `json:"name"`
	Kind  string `json:"kind"` // ManagedSystem, LogicalPartition, VirtualIOServer
	State string `json:"state"`
}

// SimDirectory lists the system and its partitions through the
// simulator's root (which fault rules never touch).
func (c *Client) SimDirectory(ctx context.Context) (system SimDirectoryEntry, partitions []SimDirectoryEntry, err error) {
	var d struct {
		System     SimDirectoryEntry   `json:"system"`
		Partitions []SimDirectoryEntry `json:"partitions"`
	}
	err = c.SimJSON(ctx, http.MethodGet, SimRoot+"/Directory", nil, &d)
	return d.System, d.Partitions, err
}

// SimIntrospection returns the introspection document: what the server
// implements (routes, object types, jobs, quick properties, controls) and
// what of the PowerVM REST API it does not.
func (c *Client) SimIntrospection(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	err := c.SimJSON(ctx, http.MethodGet, SimRoot+"/Introspection", nil, &doc)
	return doc, err
}
