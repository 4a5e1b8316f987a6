package model

import "encoding/json"

// KindSimRule holds the simulator's fault rules a tester asked to keep
// across restarts (the others live in memory only). They are controls, not
// the simulated system: snapshots and resets leave them alone.
const KindSimRule ObjKind = "simrules"

// ControlKinds are the kinds that belong to the simulator's controls
// rather than to the simulated system (left out of snapshots).
var ControlKinds = map[ObjKind]bool{KindSimRule: true}

// SimRule is a kept fault rule: the rule as the simulator's controls
// write it (JSON, with its counters). Key: the rule ID.
type SimRule struct {
	ID   string          `json:"id"`
	Rule json.RawMessage `json:"rule"`
	Rev  uint64          `json:"rev"`
}

func (r *SimRule) Kind() ObjKind        { return KindSimRule }
func (r *SimRule) Key() string          { return r.ID }
func (r *SimRule) Revision() uint64     { return r.Rev }
func (r *SimRule) SetRevision(v uint64) { r.Rev = v }
func (r *SimRule) CloneObject() Object {
	c := *r
	c.Rule = append(json.RawMessage(nil), r.Rule...)
	return &c
}
