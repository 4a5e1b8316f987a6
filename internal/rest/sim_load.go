package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim"
)

// The load control: a partition's simulated workload (model.Load), set
// through /rest/api/sim/{LogicalPartition|VirtualIOServer}/{uuid}/Load.

// simLoad is a load as the control reads and writes it. Rates are bytes
// per second, CPU processing units, Mem a percentage of the partition's
// memory.
type simLoad struct {
	Partition string  `json:"partition"`
	Name      string  `json:"name"`
	Idle      bool    `json:"idle"`
	CPU       float64 `json:"cpu"`
	NetRx     float64 `json:"netRx"`
	NetTx     float64 `json:"netTx"`
	DiskRead  float64 `json:"diskRead"`
	DiskWrite float64 `json:"diskWrite"`
	Mem       float64 `json:"mem"`
}

// simLoadSet is the body of a PUT: the fields to change.
type simLoadSet struct {
	CPU       *float64 `json:"cpu"`
	NetRx     *float64 `json:"netRx"`
	NetTx     *float64 `json:"netTx"`
	DiskRead  *float64 `json:"diskRead"`
	DiskWrite *float64 `json:"diskWrite"`
	Mem       *float64 `json:"mem"`
}

func (s *Server) simLoadRoutes(m *http.ServeMux, simAuth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	for _, kind := range []string{"LogicalPartition", "VirtualIOServer"} {
		p := simRoot + "/" + kind + "/{uuid}/Load"
		m.HandleFunc("GET "+p, simAuth(s.handleSimLoadGet))
		m.HandleFunc("PUT "+p, simAuth(s.handleSimLoadPut))
		m.HandleFunc("DELETE "+p, simAuth(s.handleSimLoadDelete))
	}
	m.HandleFunc("GET "+simRoot+"/Load", simAuth(s.handleSimLoadList))
}

// simPartition finds the partition of a load path (a VIOS under
// VirtualIOServer, a client under LogicalPartition).
func (s *Server) simPartition(r *http.Request) (*model.Partition, error) {
	id := strings.ToUpper(r.PathValue("uuid"))
	var p *model.Partition
	s.core.Read(func(st *model.State) { p = st.Partition(id) })
	kind := strings.Split(strings.TrimPrefix(r.URL.Path, simRoot+"/"), "/")[0]
	if p == nil || p.IsVIOS() != (kind == "VirtualIOServer") {
		return nil, model.ErrNoPartition(r.PathValue("uuid"))
	}
	return p, nil
}

func loadOf(p *model.Partition, l *model.Load) simLoad {
	out := simLoad{Partition: p.UUID, Name: p.Name, Idle: l == nil}
	if l == nil {
		l = &sim.IdleLoad
	}
	out.CPU, out.NetRx, out.NetTx, out.DiskRead, out.DiskWrite, out.Mem = l.CPU, l.NetRx, l.NetTx, l.DiskRead, l.DiskWrite, l.MemPct
	return out
}

func (s *Server) handleSimLoadGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.simPartition(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, loadOf(p, s.core.Load(p.UUID)))
}

func (s *Server) handleSimLoadPut(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.simPartition(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted here; send application/json.", ct), body)
		return
	}
	var set simLoadSet
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The load is not valid JSON of the form {\"cpu\":1.5,\"netRx\":2e7,\"netTx\":5e6,\"diskRead\":1e7,\"diskWrite\":2e6,\"mem\":60}: %v", err), body)
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The load must be one JSON object, with nothing after it."), body)
		return
	}
	l, err := s.core.SetLoad(a, p.UUID, false, func(l *model.Load) {
		for _, f := range []struct {
			v   *float64
			dst *float64
		}{{set.CPU, &l.CPU}, {set.NetRx, &l.NetRx}, {set.NetTx, &l.NetTx}, {set.DiskRead, &l.DiskRead}, {set.DiskWrite, &l.DiskWrite}, {set.Mem, &l.MemPct}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
	})
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	writeJSONValue(w, http.StatusOK, loadOf(p, l))
}

func (s *Server) handleSimLoadDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	p, err := s.simPartition(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if _, err := s.core.SetLoad(a, p.UUID, true, nil); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSONValue(w, http.StatusOK, loadOf(p, nil))
}

// handleSimLoadList lists the loads set (partitions not listed run the
// idle OS).
func (s *Server) handleSimLoadList(w http.ResponseWriter, r *http.Request, a core.Actor) {
	out := []simLoad{}
	s.core.Read(func(st *model.State) {
		st.Each(model.KindLoad, func(o model.Object) {
			l := o.(*model.Load)
			if p := st.Partition(l.Partition); p != nil {
				out = append(out, loadOf(p, l))
			}
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSONValue(w, http.StatusOK, struct {
		Loads []simLoad `json:"loads"`
	}{out})
}

func writeJSONValue(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
