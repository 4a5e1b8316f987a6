package core

import (
	"sort"
	"sync"
	"time"
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
	// fault is what a fault rule lays over the job's end (fault.go).
	fault *jobFault
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
	v := JobView{ID: j.id, Operation: j.op, Group: j.group, TargetUUID: j.target, RequestURL: j.requestURL,
		Params: append([]Param(nil), j.params...), Status: j.status, Started: j.started, Completed: j.completed,
		Results: append([]Param(nil), j.results...), Message: j.message, Progress: append([]string(nil), j.progress...)}
	if j.fault != nil {
		j.fault.overlay(&v)
	}
	return v
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
	return true
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
// they are older than the retention.
type Jobs struct {
	mu        sync.Mutex
	m         map[int64]*Job
	next      int64
	retention time.Duration
	now       func() time.Time
}

// NewJobs returns an empty table.
func NewJobs(now func() time.Time, retention time.Duration) *Jobs {
	return &Jobs{m: map[int64]*Job{}, next: now().UnixMilli(), now: now, retention: retention}
}

// New registers a running job.
func (js *Jobs) New(op, group, target, requestURL string, params []Param) *Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.gcLocked()
	js.next++
	j := &Job{id: js.next, op: op, group: group, target: target, requestURL: requestURL,
		params: append([]Param(nil), params...), status: JobRunning, started: js.now().UnixMilli(), done: make(chan struct{})}
	js.m[j.id] = j
	return j
}

// Get returns a job.
func (js *Jobs) Get(id int64) *Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.m[id]
}

// Delete removes a finished job; it reports false for an unknown job and
// an error string for a running one.
func (js *Jobs) Delete(id int64) (found, running bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j := js.m[id]
	if j == nil {
		return false, false
	}
	j.mu.Lock()
	r := j.completed == 0
	j.mu.Unlock()
	if r {
		return true, true
	}
	delete(js.m, id)
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

func (js *Jobs) gcLocked() {
	if js.retention <= 0 {
		return
	}
	cut := js.now().Add(-js.retention).UnixMilli()
	for id, j := range js.m {
		j.mu.Lock()
		old := j.completed != 0 && j.completed < cut
		j.mu.Unlock()
		if old {
			delete(js.m, id)
		}
	}
}

// CancelJob ends a running job with an error. The operation it started
// keeps going in the hypervisor (as on a real server, a power-on that has
// begun is not undone), but the job no longer waits for it.
func (c *Core) CancelJob(j *Job) bool {
	j.mu.Lock()
	if j.fault != nil {
		j.fault.until = 0
	}
	j.mu.Unlock()
	return j.finish(c.clock.Now(), JobError, "The job was cancelled at the request of the client.")
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
