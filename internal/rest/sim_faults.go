package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// The fault rules' control (/rest/api/sim/Fault) and the busy VIOS
// (/rest/api/sim/VirtualIOServer/{uuid}/Busy, a fault rule made for the
// purpose): see core.Faults and sim.FaultRule.

func (s *Server) simFaultRoutes(m *http.ServeMux, simAuth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	m.HandleFunc("GET "+simRoot+"/Fault", simAuth(s.handleFaultList))
	m.HandleFunc("PUT "+simRoot+"/Fault", simAuth(s.handleFaultAdd))
	m.HandleFunc("DELETE "+simRoot+"/Fault", simAuth(s.handleFaultClear))
	m.HandleFunc("GET "+simRoot+"/Fault/{id}", simAuth(s.handleFaultGet))
	m.HandleFunc("DELETE "+simRoot+"/Fault/{id}", simAuth(s.handleFaultRemove))
	busy := simRoot + "/VirtualIOServer/{uuid}/Busy"
	m.HandleFunc("GET "+busy, simAuth(s.handleBusyGet))
	m.HandleFunc("PUT "+busy, simAuth(s.handleBusyPut))
	m.HandleFunc("DELETE "+busy, simAuth(s.handleBusyDelete))
}

// readJSON decodes a control's JSON body strictly (one object, known
// fields, application/json); it answers the error itself and reports false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted here; send application/json.", ct), body)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The body is not valid JSON of the form %s: %v", example, err), body)
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The body must be one JSON object, with nothing after it."), body)
		return false
	}
	return true
}

type faultList struct {
	Rules []sim.FaultRule `json:"rules"`
}

func (s *Server) handleFaultList(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeJSONValue(w, http.StatusOK, faultList{s.core.Faults().List()})
}

func (s *Server) handleFaultAdd(w http.ResponseWriter, r *http.Request, a core.Actor) {
	var rule sim.FaultRule
	if !s.readJSON(w, r, &rule, `{"job":"PowerOn","target":"name=vm1","jobStatus":"COMPLETED_WITH_ERROR","message":"HSCL...","count":1}`) {
		return
	}
	added, err := s.core.Faults().Add(a, rule)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusCreated, added)
}

func (s *Server) handleFaultGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	rule, ok := s.core.Faults().Get(r.PathValue("id"))
	if !ok {
		s.writeError(w, r, core.ErrNoFaultRule(r.PathValue("id")), nil)
		return
	}
	writeJSONValue(w, http.StatusOK, rule)
}

func (s *Server) handleFaultRemove(w http.ResponseWriter, r *http.Request, a core.Actor) {
	id := r.PathValue("id")
	if _, ok := s.core.Faults().Get(id); !ok {
		s.writeError(w, r, core.ErrNoFaultRule(id), nil)
		return
	}
	gone, err := s.core.Faults().Remove(a, func(f sim.FaultRule) bool { return f.ID != id })
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, faultList{gone})
}

func (s *Server) handleFaultClear(w http.ResponseWriter, r *http.Request, a core.Actor) {
	gone, err := s.core.Faults().Remove(a, nil)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if gone == nil {
		gone = []sim.FaultRule{}
	}
	writeJSONValue(w, http.StatusOK, faultList{gone})
}

// busyVIOS is the body of PUT .../Busy: for how many requests (or with
// what probability, or both) the VIOS answers busy.
type busyVIOS struct {
	Count       int          `json:"count"`
	Probability float64      `json:"probability"`
	TTL         sim.Duration `json:"ttl"`
	Persist     bool         `json:"persist"`
}

// busyMessage is what a busy VIOS answers: the codes pypowervm's
// vios_busy_retry_helper looks for (HSCL3205, VIOS0014) in the text the
// REST server gives.
func busyMessage(name string) string {
	return "HSCL3205 The Virtual I/O Server " + name + " is busy processing some other request and cannot take this one now; " +
		"retry it later. (VIOS0014 The VIOS is busy.)"
}

func (s *Server) viosOf(r *http.Request) (*model.Partition, error) {
	id := strings.ToUpper(r.PathValue("uuid"))
	var p *model.Partition
	s.core.Read(func(st *model.State) { p = st.Partition(id) })
	if p == nil || !p.IsVIOS() {
		return nil, model.ErrNoObject("VirtualIOServer", r.PathValue("uuid"))
	}
	return p, nil
}

func (s *Server) busyRules(uuid string) []sim.FaultRule {
	out := []sim.FaultRule{}
	for _, f := range s.core.Faults().List() {
		if f.Label == "busy" && f.VIOS == uuid {
			out = append(out, f)
		}
	}
	return out
}

func (s *Server) handleBusyGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.viosOf(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, faultList{s.busyRules(p.UUID)})
}

func (s *Server) handleBusyPut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.viosOf(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	var b busyVIOS
	if !s.readJSON(w, r, &b, `{"count":3} or {"probability":0.5}`) {
		return
	}
	if b.Count == 0 && b.Probability == 0 && b.TTL == 0 {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "Say for how long the VIOS is busy: a count of requests, a probability or a time to live (ttl); DELETE ends it."), nil)
		return
	}
	rule, err := s.core.Faults().Add(a, sim.FaultRule{Label: "busy", VIOS: p.UUID, Status: http.StatusInternalServerError,
		Message: busyMessage(p.Name), Count: b.Count, Probability: b.Probability, TTL: b.TTL, Persist: b.Persist})
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusCreated, rule)
}

func (s *Server) handleBusyDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.viosOf(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	gone, err := s.core.Faults().Remove(a, func(f sim.FaultRule) bool { return !(f.Label == "busy" && f.VIOS == p.UUID) })
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if gone == nil {
		gone = []sim.FaultRule{}
	}
	writeJSONValue(w, http.StatusOK, faultList{gone})
}
