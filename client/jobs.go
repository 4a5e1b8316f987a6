package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/novalink-project/novalink/uom"
)

// Job statuses.
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

// Job is a JobResponse as read.
type Job struct {
	ID        string
	Status    string
	Operation string
	Group     string
	Target    string
	Results   []Param
	// Message is the failure message: the "result" parameter, else the
	// ResponseException message (what pypowervm reports too).
	Message string
	// Progress is what the job reported doing so far (its completed
	// tasks' messages), oldest first.
	Progress []string
}

// Result returns a result parameter.
func (j *Job) Result(name string) string {
	for _, p := range j.Results {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Done reports whether the job has ended.
func (j *Job) Done() bool { return j.Status != JobRunning && j.Status != JobNotStarted }

// JobFailed is a job that ended in anything but COMPLETED_OK.
type JobFailed struct {
	Job *Job
}

func (e *JobFailed) Error() string {
	if e.Job.Message != "" {
		return e.Job.Message
	}
	return fmt.Sprintf("job %s (%s) ended with status %s", e.Job.ID, e.Job.Operation, e.Job.Status)
}

func parseJob(el *uom.Element) *Job {
	j := &Job{}
	j.ID, _ = el.FindText("JobID")
	j.Status, _ = el.FindText("Status")
	j.Target, _ = el.FindText("TargetUuid")
	j.Operation, _ = el.FindText("JobRequestInstance/RequestedOperation/OperationName")
	j.Group, _ = el.FindText("JobRequestInstance/RequestedOperation/GroupName")
	for _, p := range el.FindAll("Results/JobParameter") {
		n, _ := p.FindText("ParameterName")
		// A value is kept as sent: a command's output (CLIRunner's
		// stdOut) keeps its leading blanks and its last newline.
		v := ""
		if pv := p.Find("ParameterValue"); pv != nil {
			v = pv.Text
		}
		j.Results = append(j.Results, Param{Name: n, Value: v})
	}
	for _, m := range el.FindAll("Progress/CompletedTasks/NLSMessage") {
		if t, ok := m.FindText("UntranslatedMessage"); ok && t != "" {
			j.Progress = append(j.Progress, t)
		}
	}
	j.Message = strings.TrimSpace(j.Result("result"))
	if j.Message == "" {
		j.Message, _ = el.FindText("ResponseException/Message")
	}
	return j
}

// StartJob fetches the JobRequest template of op on the object at
// objectPath (e.g. UOM("LogicalPartition", id)), fills in params and
// submits it. It returns the job as the server first reports it.
func (c *Client) StartJob(ctx context.Context, objectPath, op string, params []Param) (*Job, error) {
	tmpl, err := c.GetEntry(ctx, objectPath+"/do/"+op, ReadOptions{})
	if err != nil {
		return nil, err
	}
	req := tmpl.Content
	if req == nil || req.Local != "JobRequest" {
		return nil, fmt.Errorf("%s/do/%s: the server did not return a JobRequest template", objectPath, op)
	}
	jp := req.Child("JobParameters")
	if jp == nil {
		jp = uom.NewElement(uom.NSWeb, "JobParameters")
		req.Append(jp)
	}
	for _, p := range params {
		el := &uom.Element{Space: uom.NSWeb, Local: "JobParameter", Attrs: []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
		el.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")),
			&uom.Element{Space: uom.NSWeb, Local: "ParameterName", Text: p.Name},
			&uom.Element{Space: uom.NSWeb, Local: "ParameterValue", Text: p.Value})
		jp.Append(el)
	}
	h := http.Header{}
	h.Set("Content-Type", uom.MediaType(uom.ServiceWeb, "JobRequest"))
	h.Set("Accept", uom.MediaTypeAtom)
	resp, err := c.Do(ctx, http.MethodPut, objectPath+"/do/"+op, h, req.Bytes())
	if err != nil {
		return nil, err
	}
	e, err := parseEntryResponse(resp, objectPath)
	if err != nil {
		return nil, err
	}
	if e.Content == nil {
		return nil, fmt.Errorf("%s/do/%s: empty JobResponse", objectPath, op)
	}
	return parseJob(e.Content), nil
}

// GetJob reads a job's current state.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	e, err := c.GetEntry(ctx, UOM("jobs", id), ReadOptions{})
	if err != nil {
		return nil, err
	}
	if e.Content == nil {
		return nil, fmt.Errorf("job %s: empty JobResponse", id)
	}
	return parseJob(e.Content), nil
}

// DeleteJob removes a finished job from the server.
func (c *Client) DeleteJob(ctx context.Context, id string) error {
	return c.Delete(ctx, UOM("jobs", id), "")
}

// CancelJob asks the server to cancel a running job.
func (c *Client) CancelJob(ctx context.Context, id string) error {
	_, err := c.Do(ctx, http.MethodPost, UOM("jobs", id, "cancel"), nil, nil)
	return err
}

// PollInterval is how often RunJob polls (pypowervm polls every second).
var PollInterval = time.Second

// CancelTimeout bounds the cancel RunJob asks for when its context ends
// first: the server not answering may be why the caller gave up.
var CancelTimeout = 30 * time.Second

// RunJob starts a job, waits for it (polling), deletes it from the server
// and returns it. A job that does not end COMPLETED_OK returns *JobFailed
// with the server's message. progress, when not nil, is called with each
// status read. When ctx ends first, RunJob asks the server to cancel the
// job, waiting at most CancelTimeout for its answer (WaitJob leaves the
// job running instead).
func (c *Client) RunJob(ctx context.Context, objectPath, op string, params []Param, progress func(*Job)) (*Job, error) {
	j, err := c.StartJob(ctx, objectPath, op, params)
	if err != nil {
		return nil, err
	}
	j, err = c.WaitJob(ctx, j, progress)
	if err != nil && ctx.Err() != nil && j != nil && !j.Done() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CancelTimeout)
		_ = c.CancelJob(cctx, j.ID) // best effort: ctx's error is the one to report
		cancel()
	}
	return j, err
}

// WaitJob polls a started job until it ends, deletes it from the server
// and returns it, as RunJob does. When ctx ends first it returns the job
// as last read and ctx's error, leaving the job running on the server.
func (c *Client) WaitJob(ctx context.Context, j *Job, progress func(*Job)) (*Job, error) {
	interval := PollInterval / 10
	for !j.Done() {
		if progress != nil {
			progress(j)
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(interval):
		}
		if interval < PollInterval {
			interval *= 2
			if interval > PollInterval {
				interval = PollInterval
			}
		}
		next, err := c.GetJob(ctx, j.ID)
		if err != nil {
			if ctx.Err() != nil {
				return j, ctx.Err()
			}
			return nil, err
		}
		j = next
	}
	if progress != nil {
		progress(j)
	}
	_ = c.DeleteJob(ctx, j.ID) // the server drops finished jobs by itself too
	if j.Status != JobOK {
		return j, &JobFailed{Job: j}
	}
	return j, nil
}
