package rest

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/sim"
)

// The fault rules at work (see core.Faults): every request but the
// simulator's own controls is checked against the rules without a job
// before it is handled (a delay waits on the simulated clock, a status
// answers an HttpErrorResponse, a drop closes the connection); a job
// submission is checked against the job rules once it is known to be
// valid (handleJobStart).

// checkFaults applies the rules to a request; it reports false when the
// request was answered (or dropped) by a rule.
func (s *Server) checkFaults(w http.ResponseWriter, r *http.Request) bool {
	f := s.core.Faults()
	if !f.Active() || strings.HasPrefix(r.URL.Path, simRoot) {
		return true
	}
	out := f.Check(&core.FaultRequest{Method: r.Method, Path: r.URL.Path, UserOf: func() string { return s.sessionUser(r) }})
	if !out.Acts() {
		return true
	}
	return s.actOnFault(w, r, &out)
}

// actOnFault waits for the rules' delay, then drops the connection or
// answers with their status. It reports false when the request is done.
func (s *Server) actOnFault(w http.ResponseWriter, r *http.Request, out *core.FaultOutcome) bool {
	if out.Delay > 0 && !s.waitSim(r.Context(), out.Delay) {
		return false
	}
	if out.Drop {
		s.log.Info("fault rule drops the connection", "rules", out.Rules, "method", r.Method, "path", r.URL.Path)
		panic(http.ErrAbortHandler)
	}
	if out.Status != 0 {
		s.writeError(w, r, errStatus(out.Status, "%s", out.Message), nil)
		return false
	}
	return true
}

// waitSim waits d on the simulated clock (false when the client went).
func (s *Server) waitSim(ctx context.Context, d time.Duration) bool {
	ch := make(chan struct{})
	t := s.core.Clock().AfterFunc(d, func() { close(ch) })
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

// sessionUser is the user of a request's session ("" without one).
func (s *Server) sessionUser(r *http.Request) string {
	tok := r.Header.Get("X-API-Session")
	if tok == "" {
		return ""
	}
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if sess := s.sessions.m[tok]; sess != nil {
		return sess.user
	}
	return ""
}

// jobFaults applies the job rules to a valid job submission. It reports
// false when the request was answered; else req and the returned overlay
// (nil: none) are what to run.
func (s *Server) jobFaults(w http.ResponseWriter, r *http.Request, a core.Actor, req *core.JobRequest) (*core.JobFault, bool) {
	f := s.core.Faults()
	if !f.Active() {
		return nil, true
	}
	out := f.CheckJob(&core.FaultRequest{Method: r.Method, Path: r.URL.Path, User: a.User, Job: req.Operation, Target: req.TargetUUID})
	if !out.Acts() {
		return nil, true
	}
	if out.Drop || out.Status != 0 {
		return nil, s.actOnFault(w, r, &out)
	}
	jf := &core.JobFault{Status: out.JobStatus, Message: out.Message, Results: out.Results, Duration: out.Delay}
	if out.JobStatus != "" && !sim.JobStatusSucceeds(out.JobStatus) {
		s.log.Info("fault rule ends a job", "rules", out.Rules, "job", req.Operation, "target", req.TargetUUID, "status", out.JobStatus)
		job, err := s.core.StartFailedJob(a, *req, *jf)
		if err != nil {
			s.writeError(w, r, err, nil)
			return nil, false
		}
		s.writeJob(w, r, job.Snapshot())
		return nil, false
	}
	req.Duration = out.Delay
	return jf, true
}
