package core

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// Faults are the simulator's fault rules of one managed system (see
// sim.FaultRule): kept in memory, and in the store for the rules asked to
// persist. The REST layer asks Check about every request (and CheckJob
// about every job submission); with no rule that costs one atomic load.
// Each rule draws its probability and jitter from its own generator,
// seeded from the core's seed and the rule's ID, so a run with the same
// seed and the same requests makes the same decisions.
type Faults struct {
	c    *Core
	mu   sync.Mutex // serialises changes of the set
	set  atomic.Pointer[[]*faultRule]
	next int
}

type faultRule struct {
	def    sim.FaultRule // the rule as added (counters in the fields below)
	byUUID bool
	glob   string

	mu      sync.Mutex
	matched int
	fired   int
	done    bool
	rng     *rand.Rand
}

// FaultRequest is what a rule is matched against.
type FaultRequest struct {
	Method string
	Path   string
	// User is the session's user ("" before logon); UserOf, when set, is
	// called instead, only if a rule matches on the user.
	User   string
	UserOf func() string
	// Job is the operation of a job submission and Target its target's
	// UUID (CheckJob only).
	Job    string
	Target string
	// Phase is the phase of a running job (CheckPhase only); Name, when
	// set, is the target's name (not looked up).
	Phase string
	Name  string
}

// FaultOutcome is what the rules that acted want done.
type FaultOutcome struct {
	Delay     time.Duration
	Status    int
	Message   string
	Drop      bool
	JobStatus string
	Results   []Param
	// Rules are the IDs of the rules that acted.
	Rules []string
}

// Acts reports whether any rule acted.
func (o FaultOutcome) Acts() bool { return len(o.Rules) > 0 }

// Active reports whether there is any rule (the cheap test every request
// makes).
func (f *Faults) Active() bool { return len(*f.set.Load()) > 0 }

// Faults returns the core's fault rules.
func (c *Core) Faults() *Faults { return c.faults }

func newFaults(c *Core) *Faults {
	f := &Faults{c: c, next: 1}
	empty := []*faultRule{}
	f.set.Store(&empty)
	return f
}

// load reads the kept rules from the committed view.
func (f *Faults) load() error {
	var rules []*faultRule
	var err error
	f.c.Read(func(st *model.State) {
		st.Each(model.KindSimRule, func(o model.Object) {
			var def sim.FaultRule
			if e := json.Unmarshal(o.(*model.SimRule).Rule, &def); e != nil && err == nil {
				err = fmt.Errorf("state file: fault rule %s: %w", o.Key(), e)
				return
			}
			rules = append(rules, f.newRule(def))
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(rules, func(i, j int) bool { return ruleNum(rules[i].def.ID) < ruleNum(rules[j].def.ID) })
	for _, r := range rules {
		if n := ruleNum(r.def.ID); n >= f.next {
			f.next = n + 1
		}
	}
	f.set.Store(&rules)
	return nil
}

func ruleNum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "f"))
	return n
}

func (f *Faults) newRule(def sim.FaultRule) *faultRule {
	r := &faultRule{def: def, matched: def.Matched, fired: def.Fired, done: def.Done}
	r.byUUID, r.glob, _ = sim.ParseTarget(def.Target)
	h := fnv.New64a()
	h.Write([]byte(def.ID))
	r.rng = rand.New(rand.NewPCG(f.c.randSeed, h.Sum64()))
	return r
}

// JobNames lists every job a rule may name: the core's and those the
// layers above registered (AddJobNames).
func (c *Core) JobNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, ops := range JobOperations {
		for op := range ops {
			if !seen[op] {
				seen[op] = true
				out = append(out, op)
			}
		}
	}
	c.jobNamesMu.Lock()
	for _, op := range c.jobNames {
		if !seen[op] {
			seen[op] = true
			out = append(out, op)
		}
	}
	c.jobNamesMu.Unlock()
	sort.Strings(out)
	return out
}

// AddJobNames registers jobs run above the core (the REST layer's own).
func (c *Core) AddJobNames(names ...string) {
	c.jobNamesMu.Lock()
	c.jobNames = append(c.jobNames, names...)
	c.jobNamesMu.Unlock()
}

// Add validates a rule, gives it its ID and puts it in force (after the
// existing ones). A rule to persist is written to the store first.
func (f *Faults) Add(a Actor, def sim.FaultRule) (sim.FaultRule, error) {
	if err := checkActor(a); err != nil {
		return def, err
	}
	def.ID, def.Matched, def.Fired, def.Done = "", 0, 0, false
	if err := def.Validate(f.c.clock.Now(), f.c.JobNames()); err != nil {
		return def, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	def.ID = "f" + strconv.Itoa(f.next)
	if def.Persist {
		if err := f.c.Apply(a, func(tx *Tx) error {
			tx.simControl = true
			return putRule(tx, def)
		}); err != nil {
			return def, err
		}
	}
	f.next++
	r := f.newRule(def)
	old := *f.set.Load()
	rules := append(append(make([]*faultRule, 0, len(old)+1), old...), r)
	f.set.Store(&rules)
	f.c.log.Info("fault rule added", "rule", def.ID, "what", def.Describe(), "user", a.User)
	return def, nil
}

func putRule(tx *Tx, def sim.FaultRule) error {
	b, err := json.Marshal(def)
	if err != nil {
		return model.Internal("encode fault rule: %v", err)
	}
	tx.Put(&model.SimRule{ID: def.ID, Rule: b})
	return nil
}

// List returns the rules (with their counters), in the order they apply.
func (f *Faults) List() []sim.FaultRule {
	set := *f.set.Load()
	out := make([]sim.FaultRule, 0, len(set))
	for _, r := range set {
		out = append(out, r.snapshot())
	}
	return out
}

// Get returns one rule.
func (f *Faults) Get(id string) (sim.FaultRule, bool) {
	for _, r := range *f.set.Load() {
		if r.def.ID == id {
			return r.snapshot(), true
		}
	}
	return sim.FaultRule{}, false
}

func (r *faultRule) snapshot() sim.FaultRule {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.def
	d.Matched, d.Fired, d.Done = r.matched, r.fired, r.done
	return d
}

// ErrNoFaultRule is returned for a rule ID that is not there.
func ErrNoFaultRule(id string) error {
	return &model.Error{ID: "PVME01050930-0401", Kind: model.KindNotFound, Msg: fmt.Sprintf("There is no fault rule %s.", id)}
}

// Remove takes rules out of force: those keep returns true for (nil: all).
// It returns the rules removed.
func (f *Faults) Remove(a Actor, keep func(sim.FaultRule) bool) ([]sim.FaultRule, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var gone []sim.FaultRule
	var left []*faultRule
	for _, r := range *f.set.Load() {
		if keep != nil && keep(r.snapshot()) {
			left = append(left, r)
			continue
		}
		gone = append(gone, r.snapshot())
	}
	persisted := false
	for _, g := range gone {
		persisted = persisted || g.Persist
	}
	if persisted {
		if err := f.c.Apply(a, func(tx *Tx) error {
			tx.simControl = true
			for _, g := range gone {
				if g.Persist && tx.Get(model.KindSimRule, g.ID) != nil {
					tx.Delete(model.KindSimRule, g.ID)
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if left == nil {
		left = []*faultRule{}
	}
	f.set.Store(&left)
	if len(gone) > 0 {
		f.c.log.Info("fault rules removed", "rules", len(gone), "user", a.User)
	}
	return gone, nil
}

// Check matches a request that is not a job submission against the rules
// without a job; CheckJob matches a job submission against the job rules.
func (f *Faults) Check(q *FaultRequest) FaultOutcome { return f.check(q, false) }

// CheckJob: see Check.
func (f *Faults) CheckJob(q *FaultRequest) FaultOutcome { return f.check(q, true) }

// CheckPhase matches a phase of a running job (job, phase, its target's
// UUID and name) against the rules that name that phase.
func (f *Faults) CheckPhase(job, phase, uuid, name string) FaultOutcome {
	if !f.Active() {
		return FaultOutcome{}
	}
	return f.check(&FaultRequest{Method: http.MethodPut, Job: job, Phase: phase, Target: uuid, Name: name}, true)
}

func (f *Faults) check(q *FaultRequest, jobs bool) FaultOutcome {
	var out FaultOutcome
	set := *f.set.Load()
	if len(set) == 0 {
		return out
	}
	var user string
	userDone := false
	var names map[string]string
	for _, r := range set {
		d := &r.def
		if (d.Job != "") != jobs || d.Phase != q.Phase || (d.Method != "" && d.Method != q.Method) || (jobs && d.Job != q.Job) {
			continue
		}
		if d.Route != "" && !sim.Glob(d.Route, q.Path) {
			continue
		}
		if d.VIOS != "" && !touchesVIOS(q, d.VIOS) {
			continue
		}
		if d.User != "" {
			if !userDone {
				user, userDone = q.User, true
				if q.UserOf != nil {
					user = q.UserOf()
				}
			}
			if !sim.Glob(d.User, user) {
				continue
			}
		}
		if d.Target != "" {
			if names == nil {
				names = f.targetsOf(q)
			}
			if !r.matchesTarget(names) {
				continue
			}
		}
		if d.Expires != nil && !f.c.clock.Now().Before(*d.Expires) {
			r.mu.Lock()
			r.done = true
			r.mu.Unlock()
			continue
		}
		act, delay := r.draw()
		if !act {
			continue
		}
		out.Rules = append(out.Rules, d.ID)
		out.Delay += delay
		if d.Persist {
			if q.Phase != "" {
				// A phase is checked inside the job's Apply: the
				// counters are saved once it is done.
				go f.saveCounters(r)
			} else {
				f.saveCounters(r)
			}
		}
		if d.Status != 0 || d.Drop || d.JobStatus != "" {
			out.Status, out.Message, out.Drop, out.JobStatus = d.Status, d.Message, d.Drop, d.JobStatus
			for _, p := range d.Results {
				out.Results = append(out.Results, Param{Name: p.Name, Value: p.Value})
			}
			break
		}
	}
	return out
}

// draw counts a matching request and decides whether the rule acts on it
// (skip, probability, count), with the delay it adds.
func (r *faultRule) draw() (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return false, 0
	}
	r.matched++
	if r.matched <= r.def.Skip {
		return false, 0
	}
	if p := r.def.Probability; p > 0 && p < 1 && r.rng.Float64() >= p {
		return false, 0
	}
	r.fired++
	if r.def.Count > 0 && r.fired >= r.def.Count {
		r.done = true
	}
	d := time.Duration(r.def.Delay)
	if j := time.Duration(r.def.Jitter); j > 0 {
		d += time.Duration(r.rng.Int64N(int64(2*j)+1)) - j
		if d < 0 {
			d = 0
		}
	}
	return true, d
}

// saveCounters writes a kept rule's counters (after it acted).
func (f *Faults) saveCounters(r *faultRule) {
	err := f.c.Apply(internalActor, func(tx *Tx) error {
		tx.simControl = true
		if tx.Get(model.KindSimRule, r.def.ID) == nil {
			return nil // removed meanwhile
		}
		return putRule(tx, r.snapshot())
	})
	if err != nil {
		f.c.log.Warn("cannot save a fault rule's counters", "rule", r.def.ID, "err", err)
	}
}

// touchesVIOS tells whether a request is about a VIOS: its entry or
// anything under it, a job on it, or a feed of the VIOSes.
func touchesVIOS(q *FaultRequest, uuid string) bool {
	if q.Target != "" && strings.EqualFold(q.Target, uuid) {
		return true
	}
	if containsFold(q.Path, uuid) {
		return true
	}
	return q.Method == http.MethodGet && (strings.HasSuffix(q.Path, "/VirtualIOServer") || strings.HasSuffix(q.Path, "/VirtualIOServer/"))
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// targetsOf returns the UUIDs a request is about (the job's target, or the
// UUIDs in the path) with their names ("" when unknown).
func (f *Faults) targetsOf(q *FaultRequest) map[string]string {
	out := map[string]string{}
	if q.Target != "" && q.Name != "" {
		out[strings.ToUpper(q.Target)] = q.Name
		return out
	}
	if q.Target != "" {
		out[strings.ToUpper(q.Target)] = ""
	} else {
		for _, seg := range strings.Split(q.Path, "/") {
			if isUUID(seg) {
				out[strings.ToUpper(seg)] = ""
			}
		}
	}
	if len(out) == 0 {
		return out
	}
	f.c.Read(func(st *model.State) {
		for u := range out {
			if p := st.Partition(u); p != nil {
				out[u] = p.Name
			} else if strings.EqualFold(st.System.UUID, u) {
				out[u] = st.System.Name
			}
		}
	})
	return out
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func (r *faultRule) matchesTarget(names map[string]string) bool {
	for u, name := range names {
		if r.byUUID && sim.Glob(r.glob, u) || !r.byUUID && name != "" && sim.Glob(r.glob, name) {
			return true
		}
	}
	return false
}

// randomSeed picks a seed when none was given.
func randomSeed() uint64 {
	for {
		if s := rand.Uint64(); s != 0 {
			return s
		}
	}
}
