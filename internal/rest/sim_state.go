package rest

import (
	"net/http"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// The state flips (core.FlipPartition, core.FlipSystem) and the timing
// profile (core.SetTiming) as controls:
// /rest/api/sim/{LogicalPartition|VirtualIOServer}/{uuid}/State,
// /rest/api/sim/ManagedSystem/{uuid}/State and /rest/api/sim/Timing.

func (s *Server) simStateRoutes(m *http.ServeMux, simAuth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	for _, kind := range []string{"LogicalPartition", "VirtualIOServer"} {
		p := simRoot + "/" + kind + "/{uuid}/State"
		m.HandleFunc("GET "+p, simAuth(s.handlePartitionStateGet))
		m.HandleFunc("PUT "+p, simAuth(s.handlePartitionStatePut))
	}
	m.HandleFunc("GET "+simRoot+"/ManagedSystem/{uuid}/State", simAuth(s.handleSystemStateGet))
	m.HandleFunc("PUT "+simRoot+"/ManagedSystem/{uuid}/State", simAuth(s.handleSystemStatePut))
	m.HandleFunc("GET "+simRoot+"/Timing", simAuth(s.handleTimingGet))
	m.HandleFunc("PUT "+simRoot+"/Timing", simAuth(s.handleTimingPut))
}

// simPartitionState is a partition's state as the control shows it.
type simPartitionState struct {
	Partition string `json:"partition"`
	Name      string `json:"name"`
	State     string `json:"state"`
	RefCode   string `json:"refCode"`
	RMC       string `json:"rmc"`
	// RMCHeld is the RMC state held by the control ("" when the
	// simulated OS decides).
	RMCHeld string `json:"rmcHeld,omitempty"`
}

func partitionStateOf(p *model.Partition) simPartitionState {
	return simPartitionState{Partition: p.UUID, Name: p.Name, State: p.State, RefCode: p.RefCode, RMC: p.RMCState, RMCHeld: p.RMCHeld}
}

func (s *Server) handlePartitionStateGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.simPartition(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, partitionStateOf(p))
}

func (s *Server) handlePartitionStatePut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.simPartition(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	var f core.PartitionFlip
	if !s.readJSON(w, r, &f, `{"rmc":"inactive"} or {"state":"error","refCode":"B700F104"}`) {
		return
	}
	n, err := s.core.FlipPartition(a, p.UUID, f)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, partitionStateOf(n))
}

type simSystemState struct {
	System string `json:"system"`
	Name   string `json:"name"`
	State  string `json:"state"`
}

func (s *Server) simSystem(r *http.Request) (*model.ManagedSystem, error) {
	sys := s.core.System()
	if !strings.EqualFold(r.PathValue("uuid"), sys.UUID) {
		return nil, model.ErrNoObject("ManagedSystem", r.PathValue("uuid"))
	}
	return sys, nil
}

func (s *Server) handleSystemStateGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.simSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, simSystemState{sys.UUID, sys.Name, sys.State})
}

func (s *Server) handleSystemStatePut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	if _, err := s.simSystem(r); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	var body struct {
		State string `json:"state"`
	}
	if !s.readJSON(w, r, &body, `{"state":"power off"}`) {
		return
	}
	sys, err := s.core.FlipSystem(a, body.State)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, simSystemState{sys.UUID, sys.Name, sys.State})
}

// simTiming is the timing profile as the control reads and writes it.
type simTiming struct {
	Profile      string       `json:"profile"`
	FirmwareStep sim.Duration `json:"firmwareStep"`
	OSBoot       sim.Duration `json:"osBoot"`
	RMCUp        sim.Duration `json:"rmcUp"`
	OSShutdown   sim.Duration `json:"osShutdown"`
	VSPShutdown  sim.Duration `json:"vspShutdown"`
	Immediate    sim.Duration `json:"immediate"`
	SystemIPL    sim.Duration `json:"systemIPL"`
}

func timingOf(t sim.Timing) simTiming {
	return simTiming{t.Name, sim.Duration(t.FirmwareStep), sim.Duration(t.OSBoot), sim.Duration(t.RMCUp), sim.Duration(t.OSShutdown),
		sim.Duration(t.VSPShutdown), sim.Duration(t.Immediate), sim.Duration(t.SystemIPL)}
}

func (s *Server) handleTimingGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeJSONValue(w, http.StatusOK, timingOf(s.core.Timing()))
}

// handleTimingPut switches the profile: "profile" names fast or
// realistic as the base (default: the profile in use), and each time
// given replaces the base's (the profile is then "custom").
func (s *Server) handleTimingPut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	var body struct {
		Profile      string        `json:"profile"`
		FirmwareStep *sim.Duration `json:"firmwareStep"`
		OSBoot       *sim.Duration `json:"osBoot"`
		RMCUp        *sim.Duration `json:"rmcUp"`
		OSShutdown   *sim.Duration `json:"osShutdown"`
		VSPShutdown  *sim.Duration `json:"vspShutdown"`
		Immediate    *sim.Duration `json:"immediate"`
		SystemIPL    *sim.Duration `json:"systemIPL"`
	}
	if !s.readJSON(w, r, &body, `{"profile":"fast"} or {"osShutdown":"30s"}`) {
		return
	}
	t := s.core.Timing()
	if body.Profile != "" && body.Profile != "custom" {
		var err error
		if t, err = sim.ProfileByName(body.Profile); err != nil {
			s.writeError(w, r, errStatus(http.StatusBadRequest, "%v", err), nil)
			return
		}
	}
	custom := false
	for _, f := range []struct {
		v   *sim.Duration
		dst *time.Duration
	}{{body.FirmwareStep, &t.FirmwareStep}, {body.OSBoot, &t.OSBoot}, {body.RMCUp, &t.RMCUp}, {body.OSShutdown, &t.OSShutdown},
		{body.VSPShutdown, &t.VSPShutdown}, {body.Immediate, &t.Immediate}, {body.SystemIPL, &t.SystemIPL}} {
		if f.v != nil {
			*f.dst, custom = time.Duration(*f.v), true
		}
	}
	if custom {
		t.Name = "custom"
	}
	if err := s.core.SetTiming(a, t); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, timingOf(s.core.Timing()))
}
