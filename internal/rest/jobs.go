package rest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// jobTarget returns the group (object type) and target UUID of a do/ path.
func (s *Server) jobTarget(r *http.Request) (group, target string, err error) {
	if r.PathValue("cid") != "" {
		k, _, err := s.resolve(r)
		if err != nil {
			return "", "", err
		}
		return k.name, strings.ToUpper(r.PathValue("cid")), nil
	}
	root := r.PathValue("root")
	k := s.kinds[root]
	if k == nil || !k.root {
		if k == nil && s.notImplementedKind(root) {
			return "", "", errNotImplemented("The object type " + root)
		}
		return "", "", errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", root)
	}
	if r.PathValue("id") == "" && core.KindJobs[k.name][r.PathValue("op")] {
		// <root>/do/<op> of an operation on the kind (Cluster/do/Create).
		return k.name, "", nil
	}
	if r.PathValue("id") == "" {
		// <root>/do/<op>: the job runs on the kind's only object.
		var objs []object
		s.core.Read(func(st *model.State) { objs = k.list(st, "") })
		if len(objs) != 1 {
			return "", "", errStatus(http.StatusNotFound, "There are %d %s objects: name the one to run the job on (%s/{uuid}/do/%s).",
				len(objs), k.name, k.name, r.PathValue("op"))
		}
		return k.name, objs[0].uuid, nil
	}
	return k.name, strings.ToUpper(r.PathValue("id")), nil
}

// jobParametersOf returns the parameters an operation of a group takes: the
// core's jobs (core.JobOperations) and the ones this layer runs itself
// (restJobs).
func jobParametersOf(group, op string) ([]string, bool) {
	if p, ok := core.JobOperations[group][op]; ok {
		return p, true
	}
	rj, ok := restJobs[group][op]
	return rj.params, ok
}

// unknownOperation answers a job the group does not have: 501 for a
// PowerVM job this server does not implement, else the core's error.
func unknownOperation(group, op string) error {
	if notImplementedJob(group, op) {
		return errNotImplemented("The job " + op + " of " + group)
	}
	return core.ErrUnknownOperation(group, op)
}

func webLeaf(name, kb, text string) *uom.Element {
	return &uom.Element{Space: uom.NSWeb, Local: name, Text: text,
		Attrs: []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}}
}

func webComplex(name, kb string) *uom.Element {
	el := &uom.Element{Space: uom.NSWeb, Local: name}
	if kb != "" {
		el.Attrs = []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}
	}
	el.Attrs = append(el.Attrs, uom.Attr{Local: "schemaVersion", Value: "V1_0"})
	el.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
	return el
}

func webRoot(typ string) *uom.Element {
	el := &uom.Element{Space: uom.NSWeb, Prefix: typ, Local: typ,
		NSDecls: []uom.Attr{{Local: typ, Value: uom.NSWeb}, {Local: "", Value: uom.NSWeb}, {Local: "ns2", Value: uom.NSK2}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	el.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
	return el
}

func requestedOperation(op, group string) *uom.Element {
	ro := webComplex("RequestedOperation", "CUR")
	ro.Append(webLeaf("OperationName", "ROR", op), webLeaf("GroupName", "ROR", group))
	return ro
}

func jobParameters(params []core.Param) *uom.Element {
	jp := webComplex("JobParameters", "CUR")
	for _, p := range params {
		el := webComplex("JobParameter", "")
		el.Append(webLeaf("ParameterName", "ROR", p.Name), webLeaf("ParameterValue", "CUR", p.Value))
		jp.Append(el)
	}
	return jp
}

func (s *Server) writeWebEntry(w http.ResponseWriter, r *http.Request, typ, id string, links []uom.Link, el *uom.Element) {
	var b bytes.Buffer
	uom.AppendEntry(&b, &uom.EntryHeader{ID: id, Title: typ, Published: s.nowStamp(), Links: links,
		ContentType: uom.MediaType(uom.ServiceWeb, typ)}, el.Bytes(), true)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// handleJobTemplate serves GET <object>/do/<Operation>: the JobRequest a
// client fills in.
func (s *Server) handleJobTemplate(w http.ResponseWriter, r *http.Request, a core.Actor) {
	group, target, err := s.jobTarget(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	op := r.PathValue("op")
	// A job on an object that does not exist answers 404 whatever the
	// operation; an unknown operation on one that exists answers 400
	// (clients read a 404 as "the object is gone").
	if !s.objectExists(group, target) {
		s.writeError(w, r, model.ErrNoObject(group, target), nil)
		return
	}
	if _, ok := jobParametersOf(group, op); !ok {
		s.writeError(w, r, unknownOperation(group, op), nil)
		return
	}
	el := webRoot("JobRequest")
	el.Append(requestedOperation(op, group), jobParameters(nil))
	s.writeWebEntry(w, r, "JobRequest", uuid.NewString(), nil, el)
}

func (s *Server) objectExists(group, id string) bool {
	if id == "" {
		return true // an operation on the kind (see jobTarget)
	}
	k := s.kinds[group]
	if k == nil {
		return false
	}
	var ok bool
	s.core.Read(func(st *model.State) { _, ok = k.get(st, id) })
	return ok
}

// handleJobStart serves PUT <object>/do/<Operation> with a JobRequest.
func (s *Server) handleJobStart(w http.ResponseWriter, r *http.Request, a core.Actor) {
	group, target, err := s.jobTarget(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	op := r.PathValue("op")
	body, err := readBodyMax(r, maxJobRequest(op))
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if !s.objectExists(group, target) {
		s.writeError(w, r, model.ErrNoObject(group, target), body)
		return
	}
	if _, ok := jobParametersOf(group, op); !ok {
		s.writeError(w, r, unknownOperation(group, op), body)
		return
	}
	if svc, typ, ok := uom.ParseMediaType(r.Header.Get("Content-Type")); !ok || svc != uom.ServiceWeb || typ != "JobRequest" {
		s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted for a job; send %s.",
			r.Header.Get("Content-Type"), uom.MediaType(uom.ServiceWeb, "JobRequest")), body)
		return
	}
	params, err := parseJobRequest(body, op, group)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	reqURL := strings.TrimPrefix(r.URL.Path, "/rest/api/uom/")
	req := core.JobRequest{Group: group, Operation: op, TargetUUID: target, Params: params, RequestURL: reqURL}
	var job *core.Job
	if rj, ok := restJobs[group][op]; ok {
		jf, goOn := s.jobFaults(w, r, a, &req)
		if !goOn {
			return
		}
		job, err = rj.run(s, a, req)
		if err == nil && jf != nil {
			s.core.SetJobFault(job, *jf)
		}
	} else {
		jf, goOn := s.jobFaults(w, r, a, &req)
		if !goOn {
			return
		}
		job, err = s.core.StartJob(a, req)
		if err == nil && jf != nil {
			s.core.SetJobFault(job, *jf)
		}
	}
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	s.writeJob(w, r, job.Snapshot())
}

// parseJobRequest reads a JobRequest (bare or in an Atom entry).
func parseJobRequest(body []byte, op, group string) ([]core.Param, error) {
	el, err := decodeBody(body)
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "The JobRequest is not valid XML: %v", err)
	}
	if el.Space == uom.NSAtom && el.Local == "entry" {
		if c := el.Find("content"); c != nil && len(c.Children) > 0 {
			el = c.Children[0]
		}
	}
	if el.Local != "JobRequest" || el.Space != uom.NSWeb {
		return nil, errStatus(http.StatusBadRequest, "Expected a JobRequest in namespace %s, got <%s>.", uom.NSWeb, el.Local)
	}
	for _, c := range el.Children {
		switch c.Local {
		case "Metadata", "RequestedOperation", "JobParameters":
		default:
			return nil, errStatus(http.StatusBadRequest, "The JobRequest has an unknown element <%s>.", c.Local)
		}
	}
	if name, ok := el.FindText("RequestedOperation/OperationName"); ok && name != op {
		return nil, errStatus(http.StatusBadRequest, "The JobRequest is for operation %s but was sent to do/%s.", name, op)
	}
	if g, ok := el.FindText("RequestedOperation/GroupName"); ok && g != group {
		return nil, errStatus(http.StatusBadRequest, "The JobRequest is for group %s but was sent to a %s.", g, group)
	}
	allowed := map[string]bool{}
	names, _ := jobParametersOf(group, op)
	for _, p := range names {
		allowed[p] = true
	}
	var params []core.Param
	seen := map[string]bool{}
	for _, jp := range el.FindAll("JobParameters/JobParameter") {
		name, _ := jp.FindText("ParameterName")
		value, _ := jp.FindText("ParameterValue")
		if !allowed[name] {
			return nil, errStatus(http.StatusBadRequest, "The operation %s has no parameter %q.", op, name)
		}
		if seen[name] {
			return nil, errStatus(http.StatusBadRequest, "The parameter %s of operation %s is given twice.", name, op)
		}
		seen[name] = true
		if max := maxJobParam(name); len(value) > max {
			return nil, errStatus(http.StatusRequestEntityTooLarge, "The value of parameter %s of operation %s has %d bytes; at most %d are accepted.",
				name, op, len(value), max)
		}
		params = append(params, core.Param{Name: name, Value: value})
	}
	return params, nil
}

// maxJobRequest bounds the body of a JobRequest: small (a few parameters
// of maxJobParam) but for the operations that carry a file.
func maxJobRequest(op string) int64 {
	if op == "RestoreProfileData" {
		return MaxBody
	}
	return 2 << 20
}

// maxJobParam bounds a job parameter's value: a few KiB for the values of
// operations (names, modes, a command line), the whole file for the
// profile data a restore sends (the job does not keep it).
func maxJobParam(name string) int {
	switch name {
	case "ProfileData":
		return MaxBody
	case "image":
		return 1 << 20 // a firmware image manifest (ldfware reads up to as much)
	case "cmd":
		return 64 << 10
	}
	return 4 << 10
}

func (s *Server) writeJob(w http.ResponseWriter, r *http.Request, j core.JobView) {
	el := webRoot("JobResponse")
	el.Append(&uom.Element{Space: uom.NSWeb, Local: "RequestURL", Attrs: []uom.Attr{{Local: "kb", Value: "ROR"}, {Local: "kxe", Value: "false"},
		{Local: "href", Value: j.RequestURL}, {Local: "rel", Value: "via"}, {Local: "title", Value: "The URL to which the JobRequest was submitted."}}})
	el.Append(webLeaf("TargetUuid", "ROR", j.TargetUUID))
	el.Append(webLeaf("JobID", "ROR", strconv.FormatInt(j.ID, 10)))
	el.Append(webLeaf("TimeStarted", "ROR", strconv.FormatInt(j.Started, 10)))
	el.Append(webLeaf("TimeCompleted", "ROR", strconv.FormatInt(j.Completed, 10)))
	el.Append(webLeaf("Status", "ROR", j.Status))
	if j.Message != "" && j.Status != core.JobOK {
		ex := &uom.Element{Space: uom.NSWeb, Local: "ResponseException",
			Attrs: []uom.Attr{{Local: "kb", Value: "ROR"}, {Local: "kxe", Value: "false"}, {Local: "schemaVersion", Value: "V1_0"}}}
		ex.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")))
		ex.Append(webLeaf("Message", "ROR", j.Message))
		el.Append(ex)
	}
	inst := webComplex("JobRequestInstance", "ROR")
	inst.Append(requestedOperation(j.Operation, j.Group), jobParameters(j.Params))
	el.Append(inst)
	prog := webComplex("Progress", "ROO")
	tasks := webComplex("CompletedTasks", "ROR")
	for _, m := range j.Progress {
		nls := webComplex("NLSMessage", "")
		nls.Append(webLeaf("UntranslatedMessage", "ROR", m), webLeaf("MessageKey", "ROR", "STARTED"))
		tasks.Append(nls)
	}
	prog.Append(tasks)
	el.Append(prog)
	res := webComplex("Results", "ROR")
	for _, p := range j.Results {
		jp := webComplex("JobParameter", "")
		jp.Append(webLeaf("ParameterName", "ROR", p.Name), webLeaf("ParameterValue", "CUR", p.Value))
		res.Append(jp)
	}
	el.Append(res)
	id := uuid.NewMD5(uuid.NameSpaceOID, []byte("job-"+strconv.FormatInt(j.ID, 10))).String()
	s.writeWebEntry(w, r, "JobResponse", id,
		[]uom.Link{{Rel: "SELF", Href: baseURL(r) + "/rest/api/uom/jobs/" + strconv.FormatInt(j.ID, 10)}}, el)
}

// jobFromPath finds the job of a jobs/<id> path that the caller may see
// and act on (its owner, or an administrator).
func (s *Server) jobFromPath(r *http.Request, a core.Actor) (*core.Job, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errStatus(http.StatusNotFound, "There is no job %q.", r.PathValue("id"))
	}
	j := s.core.Jobs.Get(id)
	if j == nil {
		return nil, errStatus(http.StatusNotFound, "There is no job %d: it was deleted, it ended more than an hour ago, or it was dropped "+
			"because the server keeps at most %d finished jobs (the oldest go first).", id, core.DefaultJobLimits.Finished)
	}
	if err := core.JobAccess(a, j); err != nil {
		return nil, err
	}
	return j, nil
}

func (s *Server) handleJobGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	j, err := s.jobFromPath(r, a)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	s.writeJob(w, r, j.Snapshot())
}

func (s *Server) handleJobDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	j, err := s.jobFromPath(r, a)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	found, running := s.core.Jobs.Delete(j.ID())
	switch {
	case !found:
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no job %d.", j.ID()), nil)
	case running:
		s.writeError(w, r, errStatus(http.StatusConflict, "Job %d is still running; cancel it or wait for it to end before deleting it.", j.ID()), nil)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleJobCancel stops a job's operation (204: the job has ended saying
// what was stopped) or says why it cannot be stopped (409: the job goes
// on, and notes the refusal).
func (s *Server) handleJobCancel(w http.ResponseWriter, r *http.Request, a core.Actor) {
	j, err := s.jobFromPath(r, a)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if err := s.core.CancelJob(a, j); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
