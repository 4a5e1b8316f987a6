package rest

import (
	"net/http"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
)

// The simulator's controls: /rest/api/sim/..., what a tester sets that a
// real server has no API for (a partition's workload today; faults,
// delays and snapshots build on the same root). They are kept apart from
// the uom, web and pcm services: JSON bodies, every route authenticated,
// refused (403) to every role but pvm_admin, and the whole root answers 404
// when pvmd runs with --no-sim-controls. Each control registers its routes
// in simRoutes through simAuth.

const simRoot = "/rest/api/sim"

func (s *Server) simRoutes(m *http.ServeMux, auth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	if s.cfg.NoSimControls {
		m.HandleFunc(simRoot, s.simOff)
		m.HandleFunc(simRoot+"/", s.simOff)
		return
	}
	simAuth := func(h func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc {
		return auth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
			if a.Role != core.RoleAdmin {
				s.writeError(w, r, errStatus(http.StatusForbidden, "[PVME01040129-0300] User %s (role %s) may not use the simulator's controls; the role %s is required.", a.User, a.Role, core.RoleAdmin), nil)
				return
			}
			h(w, r, a)
		})
	}
	m.HandleFunc("GET "+simRoot, simAuth(s.handleSimIndex))
	m.HandleFunc("GET "+simRoot+"/Directory", simAuth(s.handleSimDirectory))
	m.HandleFunc("GET "+simRoot+"/Introspection", simAuth(s.handleIntrospection))
	s.simLoadRoutes(m, simAuth)
	s.simFaultRoutes(m, simAuth)
	s.simStateRoutes(m, simAuth)
	s.simSnapshotRoutes(m, simAuth)
	s.simSANRoutes(m, simAuth)
	m.HandleFunc(simRoot+"/", simAuth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no simulator control at %s %s; GET %s lists them.", r.Method, r.URL.Path, simRoot), nil)
	}))
}

func (s *Server) simOff(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, errStatus(http.StatusNotFound, "The simulator's controls are turned off on this server (pvmd --no-sim-controls): there is no %s.", r.URL.Path), nil)
}

// handleSimIndex lists the controls.
func (s *Server) handleSimIndex(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeJSONValue(w, http.StatusOK, struct {
		Controls []route `json:"controls"`
	}{simControls(baseURL(r) + simRoot)})
}

// simDirectory lists the system and its partitions for the controls'
// clients (pvmctl sim finds its targets here: the uom API may be answering
// with faults the tester set).
type simDirectory struct {
	System     simDirEntry   `json:"system"`
	Partitions []simDirEntry `json:"partitions"`
}

type simDirEntry struct {
	UUID  string `json:"uuid"`
	ID    int    `json:"id,omitempty"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	State string `json:"state"`
}

func (s *Server) handleSimDirectory(w http.ResponseWriter, r *http.Request, a core.Actor) {
	var d simDirectory
	s.core.Read(func(st *model.State) {
		d.System = simDirEntry{UUID: st.System.UUID, Name: st.System.Name, Kind: "ManagedSystem", State: st.System.State}
		for _, p := range st.SortedPartitions(nil) {
			kind := "LogicalPartition"
			if p.IsVIOS() {
				kind = "VirtualIOServer"
			}
			d.Partitions = append(d.Partitions, simDirEntry{UUID: p.UUID, ID: p.ID, Name: p.Name, Kind: kind, State: p.State})
		}
	})
	writeJSONValue(w, http.StatusOK, d)
}
