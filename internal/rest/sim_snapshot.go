package rest

import (
	"net/http"

	"github.com/novalink-project/novalink/internal/core"
)

// Snapshots (core.Snapshots) and reset as controls:
// /rest/api/sim/Snapshot[/{name}[/Restore]] and /rest/api/sim/Reset.

func (s *Server) simSnapshotRoutes(m *http.ServeMux, simAuth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	m.HandleFunc("GET "+simRoot+"/Snapshot", simAuth(s.handleSnapshotList))
	m.HandleFunc("PUT "+simRoot+"/Snapshot/{name}", simAuth(s.handleSnapshotSave))
	m.HandleFunc("DELETE "+simRoot+"/Snapshot/{name}", simAuth(s.handleSnapshotDelete))
	m.HandleFunc("POST "+simRoot+"/Snapshot/{name}/Restore", simAuth(s.handleSnapshotRestore))
	m.HandleFunc("POST "+simRoot+"/Reset", simAuth(s.handleReset))
}

func (s *Server) handleSnapshotList(w http.ResponseWriter, r *http.Request, a core.Actor) {
	writeJSONValue(w, http.StatusOK, struct {
		Snapshots []core.SnapshotInfo `json:"snapshots"`
	}{s.core.Snapshots().List()})
}

func (s *Server) handleSnapshotSave(w http.ResponseWriter, r *http.Request, a core.Actor) {
	info, err := s.core.Snapshots().Save(a, r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusCreated, info)
}

func (s *Server) handleSnapshotDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	if err := s.core.Snapshots().Delete(a, r.PathValue("name")); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleSnapshotRestore(w http.ResponseWriter, r *http.Request, a core.Actor) {
	info, err := s.core.Snapshots().Restore(a, r.PathValue("name"))
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, info)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request, a core.Actor) {
	info, err := s.core.Reset(a)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, info)
}
