package core

import (
	"time"

	"github.com/novalink-project/novalink/internal/sim"
)

// What a fault rule does to a job the client submitted (see Faults): a
// failing end status ends it at once (or after the rule's delay) without
// running anything; a successful one lets the operation run and lays the
// status and results over its end; a delay is how long the job takes (a
// power operation's steps are spread over it; any other job is shown
// running until then). The overlay is applied where clients read jobs
// (Job.Snapshot), so it holds whichever layer runs the job.

// jobFault is a fault rule's overlay of a job.
type jobFault struct {
	status  string  // laid over COMPLETED_OK ("" keeps it)
	results []Param // added to the job's results
	until   int64   // ms: the job is shown running until then (0: no hold)
	now     func() time.Time
}

// JobFault is what a fault rule wants of a job.
type JobFault struct {
	Status   string
	Message  string
	Results  []Param
	Duration time.Duration
}

func (f *jobFault) overlay(v *JobView) {
	if v.Completed == 0 {
		return
	}
	if f.until != 0 {
		if f.now().UnixMilli() < f.until {
			v.Status, v.Completed, v.Results, v.Message = JobRunning, 0, nil, ""
			return
		}
		if v.Completed < f.until {
			v.Completed = f.until
		}
	}
	if f.status != "" && v.Status == JobOK {
		v.Status = f.status
	}
	v.Results = append(v.Results, f.results...)
}

// SetJobFault lays a rule's successful status, results and duration over
// a job that runs its operation.
func (c *Core) SetJobFault(j *Job, f JobFault) {
	jf := &jobFault{results: append([]Param(nil), f.Results...), now: c.clock.Now}
	if sim.JobStatusSucceeds(f.Status) {
		jf.status = f.Status
	}
	j.mu.Lock()
	if f.Duration > 0 {
		jf.until = j.started + f.Duration.Milliseconds()
	}
	j.fault = jf
	j.mu.Unlock()
}

// StartFailedJob registers the job a client (a) submitted and ends it as
// a fault rule says (after its delay), running nothing. It is refused as
// any job of a would be (too many running).
func (c *Core) StartFailedJob(a Actor, r JobRequest, f JobFault) (*Job, error) {
	job, err := c.Jobs.New(a.User, r.Operation, r.Group, r.TargetUUID, r.RequestURL, r.Params)
	if err != nil {
		return nil, err
	}
	results := append([]Param(nil), f.Results...)
	if !hasParam(results, "returnCode") {
		results = append([]Param{{Name: "returnCode", Value: "1"}}, results...)
	}
	if f.Message != "" && !hasParam(results, "result") {
		results = append(results, Param{Name: "result", Value: f.Message})
	}
	end := func() { c.FinishJob(job, f.Status, f.Message, results...) }
	if f.Duration > 0 {
		c.schedule(f.Duration, end)
	} else {
		end()
	}
	return job, nil
}

func hasParam(ps []Param, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// stretch spreads a power plan's steps so that the step that ends its job
// comes at d (the steps after it keep their distance from it).
func stretch(steps []sim.Step, d time.Duration) []sim.Step {
	if d <= 0 {
		return steps
	}
	done := -1
	for i, s := range steps {
		if s.Done {
			done = i
			break
		}
	}
	if done <= 0 || steps[done].At <= 0 {
		return steps
	}
	f := float64(d) / float64(steps[done].At)
	out := make([]sim.Step, len(steps))
	for i, s := range steps {
		if i <= done {
			s.At = time.Duration(float64(s.At) * f)
		} else {
			s.At = d + (s.At - steps[done].At)
		}
		out[i] = s
	}
	return out
}
