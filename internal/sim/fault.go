package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// A fault rule makes the simulated server misbehave on purpose: it matches
// requests (by route, method, job, target, user, or the VIOS they touch)
// and answers them with an HTTP error, a dropped connection, a delay, or
// (for a job) an end status of the tester's choosing. This file is the
// rule itself: its fields, its validation and its matching, with no state;
// the core keeps the rules and their counters (core/faults.go).

// Job end statuses a rule may give a job: the PowerVM vocabulary of
// finished jobs.
var FaultJobStatuses = []string{
	"COMPLETED_OK", "COMPLETED_WITH_WARNINGS", "COMPLETED_WITH_ERROR",
	"FAILED_BEFORE_COMPLETION", "FAILED_BEFORE_COMPLETION_RETRY", "FAILED_TO_START",
	"CANCELED_BEFORE_START", "CANCELED_WHILE_RUNNING",
}

// JobStatusSucceeds reports whether a job status is a success (the
// operation runs; the status and results are laid over its outcome).
func JobStatusSucceeds(s string) bool { return s == "COMPLETED_OK" || s == "COMPLETED_WITH_WARNINGS" }

// MigrationPhases are the phases of a live partition migration, in order
// (core/migrate.go): a job rule on Migrate may name one (Phase).
var MigrationPhases = []string{"validate", "start", "copy", "switch", "complete"}

// PhaseJobs are the jobs whose phases a rule may name, with their phases.
var PhaseJobs = map[string][]string{
	"Migrate":         MigrationPhases,
	"MigrateValidate": {"validate"},
}

// MaxFaultDelay bounds a rule's delay (and a job's duration).
const MaxFaultDelay = 24 * time.Hour

// Duration is a time.Duration written in JSON as Go's duration text
// ("250ms", "30s", "1m30s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"250ms\" or \"30s\"")
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: 250ms, 30s, 2m)", s)
	}
	*d = Duration(v)
	return nil
}

// Param is a job result a rule adds.
type FaultParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FaultRule is one rule: what it matches, what it does, and when.
type FaultRule struct {
	// ID names the rule (assigned when it is added: f1, f2 ...).
	ID string `json:"id"`
	// Label says what made the rule (fault, busy, delay) for listings.
	Label string `json:"label,omitempty"`

	// Match. Empty fields match everything. Route and User are globs
	// (* any run of characters, ? one; case-insensitive); Route is over
	// the request path. Job is an operation name (PowerOn): a job rule
	// matches job submissions only. Target is name=GLOB or uuid=GLOB (a
	// bare GLOB is a name): a partition (or VIOS, or the managed system)
	// the request or job is about; names are looked up when a request
	// comes, so a rule may name a partition that does not exist yet.
	// VIOS is the UUID of a Virtual I/O Server whose requests match (its
	// entry and everything under it, its jobs, the VIOS feeds).
	Route  string `json:"route,omitempty"`
	Method string `json:"method,omitempty"`
	Job    string `json:"job,omitempty"`
	Target string `json:"target,omitempty"`
	User   string `json:"user,omitempty"`
	VIOS   string `json:"vios,omitempty"`
	// Phase (with Job, one of PhaseJobs) matches a phase of the job as it
	// runs, not its submission: a failing JobStatus fails the job in that
	// phase (a migration leaves what a real one failing there leaves), a
	// Delay holds the job in that phase so much longer.
	Phase string `json:"phase,omitempty"`

	// Effects. Status (400-599) answers the request with an
	// HttpErrorResponse carrying Message; Drop closes the connection
	// without an answer; Delay (± Jitter) makes the request wait before
	// it is handled, or, on a job rule, is how long the job takes (a
	// power operation's steps are spread over it). JobStatus (job rules)
	// ends the job so, with Message as its result and Results added; a
	// failing status runs nothing, a successful one runs the operation
	// and lays the status and results over its end.
	Status    int          `json:"status,omitempty"`
	Message   string       `json:"message,omitempty"`
	Drop      bool         `json:"drop,omitempty"`
	Delay     Duration     `json:"delay,omitempty"`
	Jitter    Duration     `json:"jitter,omitempty"`
	JobStatus string       `json:"jobStatus,omitempty"`
	Results   []FaultParam `json:"results,omitempty"`

	// When. Probability (0 < p <= 1; 0 means 1) is drawn for each
	// matching request after the first Skip of them; Count (0: no limit)
	// ends the rule after it acted so many times; Expires ends it at a
	// time (TTL, on input, sets Expires from now). Persist keeps the rule
	// (and its counters) across a restart of pvmd.
	Probability float64    `json:"probability,omitempty"`
	Count       int        `json:"count,omitempty"`
	Skip        int        `json:"skip,omitempty"`
	TTL         Duration   `json:"ttl,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	Persist     bool       `json:"persist,omitempty"`

	// Counters (read only): Matched counts the requests that met the
	// match, Fired those the rule acted on; Done is set once the rule
	// has used its count or expired.
	Matched int  `json:"matched"`
	Fired   int  `json:"fired"`
	Done    bool `json:"done,omitempty"`
}

func faultErr(format string, args ...any) error {
	return &model.Error{ID: "PVME01050930-0400", Kind: model.KindInvalid, Msg: "The fault rule is not valid: " + fmt.Sprintf(format, args...)}
}

// Validate checks a rule as a client sent it and normalises it (upper-case
// method, TTL turned into Expires from now). jobs lists the job names
// that exist, for the error that names them.
func (r *FaultRule) Validate(now time.Time, jobs []string) error {
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	switch r.Method {
	case "", http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead:
	default:
		return faultErr("the method %q is not one of GET, PUT, POST, DELETE, HEAD.", r.Method)
	}
	if r.Route != "" && !strings.HasPrefix(r.Route, "/") && !strings.HasPrefix(r.Route, "*") {
		return faultErr("the route %q is a glob over the request path: it starts with / or *.", r.Route)
	}
	if r.Job != "" {
		known := false
		for _, j := range jobs {
			if j == r.Job {
				known = true
			}
		}
		if !known {
			return faultErr("there is no job %q; the jobs are: %s.", r.Job, strings.Join(jobs, ", "))
		}
		if r.Method != "" && r.Method != http.MethodPut {
			return faultErr("a job rule matches job submissions (PUT .../do/%s), not %s.", r.Job, r.Method)
		}
	}
	if r.Phase != "" {
		r.Phase = strings.ToLower(strings.TrimSpace(r.Phase))
		phases, ok := PhaseJobs[r.Job]
		if !ok {
			var names []string
			for j := range PhaseJobs {
				names = append(names, j)
			}
			sort.Strings(names)
			return faultErr("a phase is a phase of a job that has phases (job %s).", strings.Join(names, " or "))
		}
		known := false
		for _, p := range phases {
			known = known || p == r.Phase
		}
		if !known {
			return faultErr("the job %s has no phase %q; its phases are: %s.", r.Job, r.Phase, strings.Join(phases, ", "))
		}
		if r.Status != 0 || r.Drop || r.Route != "" || r.Method != "" || r.User != "" || r.VIOS != "" {
			return faultErr("a phase rule acts on the job as it runs, not on a request: it matches on the job, phase and target, and fails the phase (a failing job status) or holds it (a delay).")
		}
		if r.JobStatus != "" && JobStatusSucceeds(r.JobStatus) {
			return faultErr("a phase rule fails the phase (a failing job status, such as COMPLETED_WITH_ERROR) or holds it (a delay); %s does neither.", r.JobStatus)
		}
		if r.JobStatus != "" && r.Delay > 0 {
			return faultErr("a phase rule either fails the phase (a job status) or holds it (a delay), not both.")
		}
		if r.JobStatus != "" && r.Message == "" {
			r.Message = fmt.Sprintf("Simulated fault: the %s phase of the job failed by the simulator's fault rule.", r.Phase)
		}
	}
	if r.Target != "" {
		if _, _, err := ParseTarget(r.Target); err != nil {
			return err
		}
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		return faultErr("the HTTP status %d is not an error status (400-599).", r.Status)
	}
	if r.Drop && r.Status != 0 {
		return faultErr("a rule either answers with a status or drops the connection, not both.")
	}
	if r.JobStatus != "" {
		ok := false
		for _, s := range FaultJobStatuses {
			if s == r.JobStatus {
				ok = true
			}
		}
		if !ok {
			return faultErr("the job status %q is not one of %s.", r.JobStatus, strings.Join(FaultJobStatuses, ", "))
		}
		if r.Job == "" {
			return faultErr("a job status needs the job it applies to (job).")
		}
		if r.Status != 0 || r.Drop {
			return faultErr("a job rule either ends the job (jobStatus) or refuses its submission (status, drop), not both.")
		}
	}
	if len(r.Results) > 0 && r.JobStatus == "" {
		return faultErr("job results need a job status (jobStatus).")
	}
	for _, p := range r.Results {
		if strings.TrimSpace(p.Name) == "" {
			return faultErr("a job result needs a name.")
		}
	}
	if r.Delay < 0 || r.Jitter < 0 || time.Duration(r.Delay) > MaxFaultDelay || time.Duration(r.Jitter) > MaxFaultDelay {
		return faultErr("delays and jitter are between 0 and %v.", MaxFaultDelay)
	}
	if r.Jitter > 0 && r.Delay == 0 {
		return faultErr("jitter varies a delay: give the delay too.")
	}
	if r.Status == 0 && !r.Drop && r.JobStatus == "" && r.Delay == 0 {
		return faultErr("it does nothing: give a status, drop, a delay or (with a job) a job status.")
	}
	if r.Probability < 0 || r.Probability > 1 {
		return faultErr("the probability %v is not between 0 and 1.", r.Probability)
	}
	if r.Count < 0 || r.Skip < 0 {
		return faultErr("count and skip are not negative.")
	}
	if r.TTL < 0 {
		return faultErr("the time to live is not negative.")
	}
	if r.TTL > 0 {
		if r.Expires != nil {
			return faultErr("give either a time to live (ttl) or an expiry time (expires).")
		}
		t := now.Add(time.Duration(r.TTL))
		r.Expires = &t
		r.TTL = 0
	}
	if r.Message == "" && r.Status != 0 {
		r.Message = fmt.Sprintf("Simulated fault: the request was refused with HTTP %d by the simulator's fault rule.", r.Status)
	}
	if r.Message == "" && r.JobStatus != "" && !JobStatusSucceeds(r.JobStatus) {
		r.Message = fmt.Sprintf("Simulated fault: the job ended %s by the simulator's fault rule.", r.JobStatus)
	}
	return nil
}

// ParseTarget reads name=GLOB, uuid=GLOB or GLOB (a name).
func ParseTarget(s string) (byUUID bool, glob string, err error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		k, v = "name", s
	}
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "name":
	case "uuid":
		byUUID = true
	default:
		return false, "", faultErr("the target %q is name=GLOB or uuid=GLOB.", s)
	}
	if v == "" {
		return false, "", faultErr("the target %q names nothing.", s)
	}
	return byUUID, v, nil
}

// Glob matches s against a pattern: * is any run of characters (slashes
// too), ? any one character; letters match in either case.
func Glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || foldEq(pattern[p], s[i])):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func foldEq(a, b byte) bool {
	if a == b {
		return true
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// Describe is a one-line summary of a rule for listings.
func (r *FaultRule) Describe() string {
	var m, e []string
	add := func(l *[]string, k, v string) {
		if v != "" {
			*l = append(*l, k+"="+v)
		}
	}
	add(&m, "method", r.Method)
	add(&m, "route", r.Route)
	add(&m, "job", r.Job)
	add(&m, "phase", r.Phase)
	add(&m, "target", r.Target)
	add(&m, "user", r.User)
	add(&m, "vios", r.VIOS)
	if r.Status != 0 {
		add(&e, "status", strconv.Itoa(r.Status))
	}
	if r.Drop {
		e = append(e, "drop")
	}
	if r.Delay > 0 {
		add(&e, "delay", time.Duration(r.Delay).String())
	}
	if r.Jitter > 0 {
		add(&e, "jitter", time.Duration(r.Jitter).String())
	}
	add(&e, "jobStatus", r.JobStatus)
	if len(m) == 0 {
		m = []string{"every request"}
	}
	return strings.Join(m, " ") + " -> " + strings.Join(e, " ")
}
