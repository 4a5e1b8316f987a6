package rest

import (
	"net/http"

	"github.com/novalink-project/novalink/internal/core"
)

// The simulator's controls: /rest/api/sim/..., what a tester sets that a
// real server has no API for (a partition's workload today; faults,
// delays and snapshots build on the same root). They are kept apart from
// the uom, web and pcm services: JSON bodies, every route authenticated,
// refused (403) to every role but pvm_admin, and the whole root answers 404
// when pvmd runs with --no-sim-controls. Each control registers its routes
// in simRoutes through simAuth.

const simRoot = "/rest/api/sim"

// simControl describes a control in the root's index.
type simControl struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Doc  string `json:"doc"`
}

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
	s.simLoadRoutes(m, simAuth)
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
	base := baseURL(r) + simRoot
	writeJSONValue(w, http.StatusOK, struct {
		Controls []simControl `json:"controls"`
	}{[]simControl{
		{Name: "load", Href: base + "/LogicalPartition/{uuid}/Load",
			Doc: "a partition's simulated workload: GET it, PUT {cpu, netRx, netTx, diskRead, diskWrite, mem} (any of them) to set it, DELETE it to go back to the idle OS; GET " + base + "/Load lists the loads set"},
		{Name: "san", Href: base + "/san",
			Doc: "the storage outside the server: GET it; POST Fabric, Array, Array/{name}/Host, LUN, LUN/{name}/Map, ISCSITarget, RBD to make; PUT Fabric/{name}/Zones and LUN/{name} (grow); DELETE LUN/{name}, LUN/{name}/Map/{host}, Array/{name}/Host/{host}, ISCSITarget/{iqn}, RBD/{pool}/{name}; GET Initiator/{wwpn} shows what an initiator sees"},
	}})
}
