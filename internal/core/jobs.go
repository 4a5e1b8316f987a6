package core

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// Job statuses as the REST API spells them.
const (
	JobNotStarted   = "NOT_STARTED"
	JobRunning      = "RUNNING"
	JobOK           = "COMPLETED_OK"
	JobWarnings     = "COMPLETED_WITH_WARNINGS"
	JobError        = "COMPLETED_WITH_ERROR"
	JobFailedBefore = "FAILED_BEFORE_COMPLETION"
)

// Param is a job parameter or result.
type Param struct {
	Name  string
	Value string
}

// Job is one job request and its progress. Read it through Snapshot.
type Job struct {
	mu         sync.Mutex
	id         int64
	op         string
	group      string
	target     string
	requestURL string
	params     []Param
	status     string
	started    int64
	completed  int64
	results    []Param
	message    string
	progress   []string
	done       chan struct{}
	// console is the management console that started the job; holds
	// marks an operation in progress that a normal-mode change of
	// master waits for; ended is called once when the job finishes.
	console string
	holds   bool
	ended   func()
	// owner is the user whose session started the job.
	owner string
	// cancel stops the operation of a running job (and ends the job), or
	// says why it cannot be stopped; nil: it cannot.
	cancel func(a Actor) error
	// stopped is the message of a job whose operation a cancel stopped.
	stopped string
	// table is the table the job is in; size is what the job is counted
	// for once finished; gone marks a job no longer in the table.
	table *Jobs
	size  int64
	gone  bool
}

// JobView is a consistent copy of a job.
type JobView struct {
	ID         int64
	Operation  string
	Group      string
	TargetUUID string
	RequestURL string
	Params     []Param
	Status     string
	Started    int64 // ms
	Completed  int64 // ms, 0 while running
	Results    []Param
	Message    string // the failure message, if any
	Progress   []string
}

// Snapshot returns a copy of the job.
func (j *Job) Snapshot() JobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	return JobView{ID: j.id, Operation: j.op, Group: j.group, TargetUUID: j.target, RequestURL: j.requestURL,
		Params: append([]Param(nil), j.params...), Status: j.status, Started: j.started, Completed: j.completed,
		Results: append([]Param(nil), j.results...), Message: j.message, Progress: append([]string(nil), j.progress...)}
}

// Done is closed when the job ends.
func (j *Job) Done() <-chan struct{} { return j.done }

// ID returns the job ID.
func (j *Job) ID() int64 { return j.id }

func (j *Job) note(msg string) {
	j.mu.Lock()
	j.progress = append(j.progress, msg)
	j.mu.Unlock()
}

// Owner returns the user who started the job.
func (j *Job) Owner() string { return j.owner }

// finish ends the job once; later calls do nothing.
func (j *Job) finish(now time.Time, status, message string, results ...Param) bool {
	if !j.end(now, status, message, results...) {
		return false
	}
	j.mu.Lock()
	ended := j.ended
	j.mu.Unlock()
	if ended != nil {
		ended()
	}
	j.retire()
	return true
}

// retire counts a finished job against the table's bounds.
func (j *Job) retire() {
	if j.table != nil {
		j.table.retire(j)
	}
}

// cost is what a finished job is counted for: its strings and a little
// for the rest.
func (j *Job) cost() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := int64(512 + len(j.message) + len(j.requestURL))
	for _, p := range j.params {
		n += int64(64 + len(p.Name) + len(p.Value))
	}
	for _, p := range j.results {
		n += int64(64 + len(p.Name) + len(p.Value))
	}
	for _, m := range j.progress {
		n += int64(16 + len(m))
	}
	return n
}

func (j *Job) end(now time.Time, status, message string, results ...Param) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.completed != 0 {
		return false
	}
	j.status = status
	j.completed = now.UnixMilli()
	if j.completed == 0 {
		j.completed = 1
	}
	j.message = message
	rc := "0"
	if status != JobOK && status != JobWarnings {
		rc = "1"
	}
	j.results = append([]Param{{Name: "returnCode", Value: rc}}, results...)
	if message != "" {
		j.results = append(j.results, Param{Name: "result", Value: message})
	}
	close(j.done)
	return true
}

// Jobs is the table of jobs. Finished jobs stay until deleted or until
// they are older than the retention; beyond JobLimits the oldest finished
// ones are dropped first (a client polling one then gets 404, saying so).
type Jobs struct {
	mu        sync.Mutex
	m         map[int64]*Job
	next      int64
	retention time.Duration
	now       func() time.Time
	lim       JobLimits
	// finished are the finished jobs in the order they ended (some may be
	// gone already); finishedBytes counts those still in the table.
	finished      []*Job
	finishedBytes int64
	finishedN     int
}

// JobLimits bound the memory of the jobs.
type JobLimits struct {
	RunningPerUser int   // jobs one user may have running
	Finished       int   // finished jobs kept
	FinishedBytes  int64 // bytes of finished jobs kept
}

// DefaultJobLimits: far more than clients polling and deleting their jobs
// keep; a client that never deletes them loses its oldest.
var DefaultJobLimits = JobLimits{RunningPerUser: 64, Finished: 1000, FinishedBytes: 64 << 20}

// NewJobs returns an empty table.
func NewJobs(now func() time.Time, retention time.Duration) *Jobs {
	return &Jobs{m: map[int64]*Job{}, next: now().UnixMilli(), now: now, retention: retention, lim: DefaultJobLimits}
}

// offsetIDs moves the IDs of the jobs to come by off (before the table is
// used): a fleet's systems number their jobs in ranges of their own.
func (js *Jobs) offsetIDs(off int64) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.next += off
}

// SetLimits changes the bounds (before the table is used).
func (js *Jobs) SetLimits(l JobLimits) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.lim = l
}

// ErrTooManyJobs refuses a job to a user who has as many running as they
// may.
func ErrTooManyJobs(user string, n int) error {
	return &model.Error{ID: "PVME01040429-0046", Kind: model.KindRefused,
		Msg: fmt.Sprintf("User %s has %d jobs running, as many as a user may have; wait for some of them to end.", user, n)}
}

// New registers a running job of a user (owner).
func (js *Jobs) New(owner, op, group, target, requestURL string, params []Param) (*Job, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.gcLocked()
	if js.lim.RunningPerUser > 0 && owner != internalActor.User {
		n := 0
		for _, j := range js.m {
			if j.owner == owner && j.running() {
				n++
			}
		}
		if n >= js.lim.RunningPerUser {
			return nil, ErrTooManyJobs(owner, n)
		}
	}
	js.next++
	j := &Job{id: js.next, op: op, group: group, target: target, requestURL: requestURL, owner: owner, table: js,
		params: append([]Param(nil), params...), status: JobRunning, started: js.now().UnixMilli(), done: make(chan struct{})}
	js.m[j.id] = j
	return j, nil
}

// retire counts a job that just finished and drops the oldest finished
// jobs beyond the bounds.
func (js *Jobs) retire(j *Job) {
	size := j.cost()
	js.mu.Lock()
	defer js.mu.Unlock()
	if j.gone {
		return
	}
	j.size = size
	js.finished = append(js.finished, j)
	js.finishedBytes += size
	js.finishedN++
	for len(js.finished) > 0 && (js.finishedN > js.lim.Finished || js.finishedBytes > js.lim.FinishedBytes) {
		old := js.finished[0]
		js.finished[0] = nil
		js.finished = js.finished[1:]
		if !old.gone {
			js.removeLocked(old)
		}
	}
	if cap(js.finished) > 64 && len(js.finished) < cap(js.finished)/4 {
		js.finished = append([]*Job(nil), js.finished...)
	}
}

// removeLocked takes a job out of the table.
func (js *Jobs) removeLocked(j *Job) {
	delete(js.m, j.id)
	if j.gone {
		return
	}
	j.gone = true
	if j.size > 0 {
		js.finishedBytes -= j.size
		js.finishedN--
	}
}

// Get returns a job.
func (js *Jobs) Get(id int64) *Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.m[id]
}

// Delete removes a finished job; it reports false for an unknown job and
// running for a running one (which stays).
func (js *Jobs) Delete(id int64) (found, running bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j := js.m[id]
	if j == nil {
		return false, false
	}
	if j.running() {
		return true, true
	}
	js.removeLocked(j)
	return true, false
}

// List returns the jobs, oldest first.
func (js *Jobs) List() []*Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]*Job, 0, len(js.m))
	for _, j := range js.m {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	return out
}

// Stats returns the jobs in the table and what the finished ones are
// counted for.
func (js *Jobs) Stats() (jobs, finished int, finishedBytes int64) {
	js.mu.Lock()
	defer js.mu.Unlock()
	return len(js.m), js.finishedN, js.finishedBytes
}

func (js *Jobs) gcLocked() {
	if js.retention <= 0 {
		return
	}
	cut := js.now().Add(-js.retention).UnixMilli()
	for _, j := range js.m {
		j.mu.Lock()
		old := j.completed != 0 && j.completed < cut
		j.mu.Unlock()
		if old {
			js.removeLocked(j)
		}
	}
}

// JobAccess checks that an actor may see and act on a job: its owner, an
// administrator (pvm_admin acts on every job) or the core itself.
func JobAccess(a Actor, j *Job) error {
	if a.Internal || a.Role == RoleAdmin || a.User == j.owner {
		return nil
	}
	return model.Forbidden("Job %d belongs to user %s; user %s (role %s) may not see or act on it.", j.id, j.owner, a.User, a.Role)
}

// setCancel says how the job's operation is stopped.
func (j *Job) setCancel(f func(a Actor) error) {
	j.mu.Lock()
	j.cancel = f
	j.mu.Unlock()
}

// CancelJob stops a running job's operation and ends the job with an
// error saying what was stopped; an operation that cannot be stopped is
// refused (the job goes on, and notes the refusal). a must be the job's
// owner or an administrator.
func (c *Core) CancelJob(a Actor, j *Job) error {
	if err := JobAccess(a, j); err != nil {
		return err
	}
	if !j.running() {
		v := j.Snapshot()
		return model.Refused("Job %d has already ended (%s); there is nothing to cancel.", v.ID, v.Status)
	}
	j.mu.Lock()
	cancel := j.cancel
	j.mu.Unlock()
	var err error = model.Refused("Job %d (%s) cannot be cancelled: its operation runs to its end.", j.id, j.op)
	if cancel != nil {
		err = cancel(a)
	}
	if err != nil {
		j.note(fmt.Sprintf("A cancel requested by %s was refused: %s", a.User, strings.TrimPrefix(err.Error(), errPrefix(err))))
	}
	return err
}

// errPrefix is the "[PVMEnnnnnnnn-nnnn] " of a model error.
func errPrefix(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return "[" + me.ID + "] "
	}
	return ""
}

// running reports whether the job is still running.
func (j *Job) running() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.completed == 0
}

// holding returns the running jobs of a console that are operations in
// progress.
func (js *Jobs) holding(console string) []*Job {
	var out []*Job
	for _, j := range js.List() {
		j.mu.Lock()
		h := j.holds && j.completed == 0 && j.console == console
		j.mu.Unlock()
		if h {
			out = append(out, j)
		}
	}
	return out
}
