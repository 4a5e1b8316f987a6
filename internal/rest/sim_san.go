package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/internal/sim/san"
	"github.com/novalink-project/novalink/internal/sim/vios"
)

// The SAN control: the storage outside the server a tester plays (the
// backend Cinder would drive), under /rest/api/sim/san:
//
//	GET    /san                                the whole SAN (fabrics, arrays, volumes, targets, images, cabling)
//	POST   /san/Fabric                          {name, zones}
//	PUT    /san/Fabric/{name}/Zones             {zones: [{name, members}]} ([] opens the fabric)
//	POST   /san/Array                           {name, vendor, product, ports, hosts}
//	POST   /san/Array/{name}/Host               {name, wwpns | vios | partition}
//	DELETE /san/Array/{name}/Host/{host}
//	POST   /san/LUN                             {name, sizeMB, array, hosts: [{host, lun}], shared, naa} or {.., target, targetLUN}
//	GET    /san/LUN/{name}
//	PUT    /san/LUN/{name}                      {sizeMB} (grow)
//	DELETE /san/LUN/{name}
//	POST   /san/LUN/{name}/Map                  {host, lun} (lun -1 or absent: the host's lowest free)
//	DELETE /san/LUN/{name}/Map/{host}
//	POST   /san/ISCSITarget                     {iqn, portals, chapUser, chapSecret, initiators, luns}
//	DELETE /san/ISCSITarget/{iqn}
//	POST   /san/RBD                             {pool, name, sizeMB}
//	DELETE /san/RBD/{pool}/{name}
//	GET    /san/Initiator/{wwpn}                what an initiator (a VIOS port or a client's virtual WWPN) sees
//
// Every change goes through the core in one operation, checked as the
// inventory's SAN is (internal/sim/san); a refusal is an
// HttpErrorResponse and changes nothing.

func (s *Server) simSANRoutes(m *http.ServeMux, simAuth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	r := simRoot + "/san"
	m.HandleFunc("GET "+r, simAuth(s.handleSANGet))
	m.HandleFunc("POST "+r+"/Fabric", simAuth(s.sanCreate(func(tx *core.Tx, b []byte) (any, error) {
		var spec san.FabricSpec
		if err := strictJSON(b, &spec); err != nil {
			return nil, err
		}
		f, err := san.CreateFabric(tx, spec)
		return fabricOut(f), err
	})))
	m.HandleFunc("PUT "+r+"/Fabric/{name}/Zones", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		f := san.FabricByName(tx, r.PathValue("name"))
		if f == nil {
			return nil, model.ErrNoObject("SAN fabric", r.PathValue("name"))
		}
		var body struct {
			Zones []model.SANZone `json:"zones"`
		}
		if err := strictJSON(b, &body); err != nil {
			return nil, err
		}
		n, err := san.SetZones(tx, f, body.Zones)
		return fabricOut(n), err
	})))
	m.HandleFunc("POST "+r+"/Array", simAuth(s.sanCreate(func(tx *core.Tx, b []byte) (any, error) {
		var spec san.ArraySpec
		if err := strictJSON(b, &spec); err != nil {
			return nil, err
		}
		a, err := san.CreateArray(tx, spec)
		if err != nil {
			return nil, err
		}
		return arrayOut(tx, a), nil
	})))
	m.HandleFunc("POST "+r+"/Array/{name}/Host", simAuth(s.sanDo(http.StatusCreated, func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		a := san.ArrayByName(tx, r.PathValue("name"))
		if a == nil {
			return nil, model.ErrNoObject("SAN array", r.PathValue("name"))
		}
		var h model.SANHost
		if err := strictJSON(b, &h); err != nil {
			return nil, err
		}
		n, err := san.AddHost(tx, a, h)
		if err != nil {
			return nil, err
		}
		return arrayOut(tx, n), nil
	})))
	m.HandleFunc("DELETE "+r+"/Array/{name}/Host/{host}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		a := san.ArrayByName(tx, r.PathValue("name"))
		if a == nil {
			return nil, model.ErrNoObject("SAN array", r.PathValue("name"))
		}
		n, err := san.RemoveHost(tx, a, r.PathValue("host"))
		if err != nil {
			return nil, err
		}
		return arrayOut(tx, n), nil
	})))
	m.HandleFunc("POST "+r+"/LUN", simAuth(s.sanCreate(func(tx *core.Tx, b []byte) (any, error) {
		var spec san.LUNSpec
		if err := strictJSON(b, &spec); err != nil {
			return nil, err
		}
		l, err := san.CreateLUN(tx, spec)
		if err != nil {
			return nil, err
		}
		return lunOut(tx, l), nil
	})))
	m.HandleFunc("GET "+r+"/LUN/{name}", simAuth(func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		var out any
		var err error
		s.core.ReadSAN(func(tx san.Tx) {
			if l := san.LUNByName(tx, r.PathValue("name")); l != nil {
				out = lunOut(tx, l)
			} else {
				err = model.ErrNoObject("SAN volume", r.PathValue("name"))
			}
		})
		if err != nil {
			s.writeError(w, r, err, nil)
			return
		}
		writeJSONValue(w, http.StatusOK, out)
	}))
	lun := func(tx *core.Tx, r *http.Request) (*model.SANLUN, error) {
		if l := san.LUNByName(tx, r.PathValue("name")); l != nil {
			return l, nil
		}
		return nil, model.ErrNoObject("SAN volume", r.PathValue("name"))
	}
	m.HandleFunc("PUT "+r+"/LUN/{name}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		l, err := lun(tx, r)
		if err != nil {
			return nil, err
		}
		var body struct {
			SizeMB int `json:"sizeMB"`
		}
		if err := strictJSON(b, &body); err != nil {
			return nil, err
		}
		n, err := san.ResizeLUN(tx, l, body.SizeMB)
		if err != nil {
			return nil, err
		}
		return lunOut(tx, n), nil
	})))
	m.HandleFunc("DELETE "+r+"/LUN/{name}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		l, err := lun(tx, r)
		if err != nil {
			return nil, err
		}
		return nil, san.DeleteLUN(tx, l)
	})))
	m.HandleFunc("POST "+r+"/LUN/{name}/Map", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		l, err := lun(tx, r)
		if err != nil {
			return nil, err
		}
		body := struct {
			Host string `json:"host"`
			LUN  *int   `json:"lun"`
		}{}
		if err := strictJSON(b, &body); err != nil {
			return nil, err
		}
		n := -1
		if body.LUN != nil {
			n = *body.LUN
		}
		nl, err := san.MapLUN(tx, l, body.Host, n)
		if err != nil {
			return nil, err
		}
		return lunOut(tx, nl), nil
	})))
	m.HandleFunc("DELETE "+r+"/LUN/{name}/Map/{host}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		l, err := lun(tx, r)
		if err != nil {
			return nil, err
		}
		nl, err := san.UnmapLUN(tx, l, r.PathValue("host"))
		if err != nil {
			return nil, err
		}
		return lunOut(tx, nl), nil
	})))
	m.HandleFunc("POST "+r+"/ISCSITarget", simAuth(s.sanCreate(func(tx *core.Tx, b []byte) (any, error) {
		var spec san.TargetSpec
		if err := strictJSON(b, &spec); err != nil {
			return nil, err
		}
		t, err := san.CreateTarget(tx, spec)
		if err != nil {
			return nil, err
		}
		for _, l := range spec.LUNs {
			l.Target = t.IQN
			if _, err := san.CreateLUN(tx, l); err != nil {
				return nil, err
			}
		}
		return targetOut(tx, t), nil
	})))
	m.HandleFunc("DELETE "+r+"/ISCSITarget/{iqn}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		t := san.TargetByIQN(tx, r.PathValue("iqn"))
		if t == nil {
			return nil, model.ErrNoObject("iSCSI target", r.PathValue("iqn"))
		}
		return nil, san.DeleteTarget(tx, t)
	})))
	m.HandleFunc("POST "+r+"/RBD", simAuth(s.sanCreate(func(tx *core.Tx, b []byte) (any, error) {
		var spec san.RBDSpec
		if err := strictJSON(b, &spec); err != nil {
			return nil, err
		}
		img, err := san.CreateRBD(tx, spec)
		if err != nil {
			return nil, err
		}
		return rbdOut(img), nil
	})))
	m.HandleFunc("DELETE "+r+"/RBD/{pool}/{name}", simAuth(s.sanChange(func(tx *core.Tx, r *http.Request, b []byte) (any, error) {
		img := san.RBDByPath(tx, r.PathValue("pool")+"/"+r.PathValue("name"))
		if img == nil {
			return nil, model.ErrNoObject("RBD image", r.PathValue("pool")+"/"+r.PathValue("name"))
		}
		return nil, san.DeleteRBD(tx, img)
	})))
	m.HandleFunc("GET "+r+"/Initiator/{wwpn}", simAuth(s.handleSANInitiator))
}

// sanCreate answers a POST that makes an object: 201 with it.
func (s *Server) sanCreate(fn func(tx *core.Tx, body []byte) (any, error)) func(http.ResponseWriter, *http.Request, core.Actor) {
	return s.sanDo(http.StatusCreated, func(tx *core.Tx, r *http.Request, b []byte) (any, error) { return fn(tx, b) })
}

// sanChange answers a change: 200 with the object (204 when it went).
func (s *Server) sanChange(fn func(tx *core.Tx, r *http.Request, body []byte) (any, error)) func(http.ResponseWriter, *http.Request, core.Actor) {
	return s.sanDo(http.StatusOK, fn)
}

func (s *Server) sanDo(status int, fn func(tx *core.Tx, r *http.Request, body []byte) (any, error)) func(http.ResponseWriter, *http.Request, core.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a core.Actor) {
		body, err := readBody(r)
		if err != nil {
			s.writeError(w, r, err, nil)
			return
		}
		if r.Method != http.MethodDelete {
			if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
				s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted here; send application/json.", ct), body)
				return
			}
		}
		var out any
		err = s.core.ChangeSAN(a, func(tx *core.Tx) error {
			var err error
			out, err = fn(tx, r, body)
			return err
		})
		if err != nil {
			s.writeError(w, r, err, body)
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSONValue(w, status, out)
	}
}

// strictJSON reads one JSON object with known fields only.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errStatus(http.StatusBadRequest, "The body is not valid JSON for this control: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errStatus(http.StatusBadRequest, "The body must be one JSON object, with nothing after it.")
	}
	return nil
}

// ---- what the control shows --------------------------------------------------------

type sanFabricOut struct {
	Name  string          `json:"name"`
	Zones []model.SANZone `json:"zones"`
}

func fabricOut(f *model.SANFabric) any {
	if f == nil {
		return nil
	}
	z := f.Zones
	if z == nil {
		z = []model.SANZone{}
	}
	return sanFabricOut{Name: f.Name, Zones: z}
}

type sanHostOut struct {
	Name      string   `json:"name"`
	WWPNs     []string `json:"wwpns"`
	VIOS      string   `json:"vios,omitempty"`
	Partition string   `json:"partition,omitempty"`
}

type sanArrayOut struct {
	Name    string               `json:"name"`
	Vendor  string               `json:"vendor"`
	Product string               `json:"product"`
	Model   string               `json:"model,omitempty"`
	Ports   []model.SANArrayPort `json:"ports"`
	Hosts   []sanHostOut         `json:"hosts"`
}

// partitionLabel names a partition a host follows (its name, or what was
// given when it does not exist yet).
func partitionLabel(tx san.Tx, key string) string {
	if key == "" {
		return ""
	}
	if p := tx.Partition(key); p != nil {
		return p.Name
	}
	return key
}

func arrayOut(tx san.Tx, a *model.SANArray) sanArrayOut {
	out := sanArrayOut{Name: a.Name, Vendor: a.Vendor, Product: a.Product, Model: a.Model, Ports: a.Ports, Hosts: []sanHostOut{}}
	for _, h := range a.Hosts {
		w := san.HostWWPNs(tx, h)
		if w == nil {
			w = []string{}
		}
		out.Hosts = append(out.Hosts, sanHostOut{Name: h.Name, WWPNs: w, VIOS: partitionLabel(tx, h.VIOS), Partition: partitionLabel(tx, h.Partition)})
	}
	return out
}

type sanDiskOut struct {
	VIOS string `json:"vios"`
	Disk string `json:"disk"`
	// System is, in a fleet, the managed system of a VIOS that is not
	// this system's (the fleet has one SAN).
	System string `json:"system,omitempty"`
}

type sanLUNOut struct {
	Name      string             `json:"name"`
	SizeMB    int                `json:"sizeMB"`
	NAA       string             `json:"naa"`
	UDID      string             `json:"udid"`
	Shared    bool               `json:"shared"`
	Array     string             `json:"array,omitempty"`
	Hosts     []model.SANLUNHost `json:"hosts,omitempty"`
	Target    string             `json:"target,omitempty"`
	TargetLUN *int               `json:"targetLUN,omitempty"`
	// Disks are the VIOSes that have the volume as an hdisk.
	Disks []sanDiskOut `json:"disks"`
}

func lunOut(tx san.Tx, l *model.SANLUN) sanLUNOut {
	out := sanLUNOut{Name: l.Name, SizeMB: l.SizeMB, NAA: l.NAA, UDID: san.UDID(tx, l), Shared: l.Shared, Hosts: l.Hosts, Disks: []sanDiskOut{}}
	if a, _ := tx.Get(model.KindSANArray, l.Array).(*model.SANArray); a != nil {
		out.Array = a.Name
	}
	if l.Target != "" {
		n := l.TargetLUN
		out.Target, out.TargetLUN = l.Target, &n
	}
	tx.Each(model.KindPV, func(o model.Object) {
		if p := o.(*model.PhysicalVolume); p.LUN == l.UUID {
			out.Disks = append(out.Disks, sanDiskOut{VIOS: partitionLabel(tx, p.VIOS), Disk: p.Name})
		}
	})
	if f, ok := tx.(san.Fleet); ok {
		f.EachPeer(model.KindPV, func(o model.Object, sys *model.ManagedSystem) {
			if p := o.(*model.PhysicalVolume); p.LUN == l.UUID {
				v := p.VIOS
				if q, _ := f.PeerPartition(p.VIOS); q != nil {
					v = q.Name
				}
				out.Disks = append(out.Disks, sanDiskOut{VIOS: v, Disk: p.Name, System: sys.Name})
			}
		})
	}
	sort.Slice(out.Disks, func(i, j int) bool {
		if out.Disks[i].System != out.Disks[j].System {
			return out.Disks[i].System < out.Disks[j].System
		}
		return out.Disks[i].VIOS < out.Disks[j].VIOS
	})
	return out
}

type sanTargetOut struct {
	IQN        string      `json:"iqn"`
	Portals    []string    `json:"portals"`
	CHAPUser   string      `json:"chapUser,omitempty"`
	CHAP       bool        `json:"chap"`
	Initiators []string    `json:"initiators"`
	LUNs       []sanLUNOut `json:"luns"`
}

func targetOut(tx san.Tx, t *model.ISCSITarget) sanTargetOut {
	out := sanTargetOut{IQN: t.IQN, Portals: t.Portals, CHAPUser: t.CHAPUser, CHAP: t.CHAPSecret != "", Initiators: t.Initiators, LUNs: []sanLUNOut{}}
	if out.Initiators == nil {
		out.Initiators = []string{}
	}
	for _, l := range san.TargetLUNs(tx, t.IQN) {
		out.LUNs = append(out.LUNs, lunOut(tx, l))
	}
	return out
}

type sanRBDOut struct {
	Pool   string `json:"pool"`
	Name   string `json:"name"`
	SizeMB int    `json:"sizeMB"`
}

func rbdOut(r *model.RBDImage) sanRBDOut {
	return sanRBDOut{Pool: r.Pool, Name: r.Name, SizeMB: r.SizeMB}
}

type sanCableOut struct {
	VIOS   string `json:"vios"`
	Port   string `json:"port"`
	WWPN   string `json:"wwpn"`
	Fabric string `json:"fabric"`
}

type sanOut struct {
	Fabrics []any          `json:"fabrics"`
	Arrays  []sanArrayOut  `json:"arrays"`
	LUNs    []sanLUNOut    `json:"luns"`
	Targets []sanTargetOut `json:"iscsiTargets"`
	RBD     []sanRBDOut    `json:"rbd"`
	Cabling []sanCableOut  `json:"cabling"`
}

func (s *Server) handleSANGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	out := sanOut{Fabrics: []any{}, Arrays: []sanArrayOut{}, LUNs: []sanLUNOut{}, Targets: []sanTargetOut{}, RBD: []sanRBDOut{}, Cabling: []sanCableOut{}}
	s.core.ReadSAN(func(tx san.Tx) {
		for _, f := range san.Fabrics(tx) {
			out.Fabrics = append(out.Fabrics, fabricOut(f))
		}
		for _, a := range san.Arrays(tx) {
			out.Arrays = append(out.Arrays, arrayOut(tx, a))
		}
		for _, l := range san.LUNs(tx) {
			if l.FC() {
				out.LUNs = append(out.LUNs, lunOut(tx, l))
			}
		}
		for _, t := range san.Targets(tx) {
			out.Targets = append(out.Targets, targetOut(tx, t))
		}
		for _, img := range san.RBDImages(tx) {
			out.RBD = append(out.RBD, rbdOut(img))
		}
		var ports []*model.FCPort
		tx.Each(model.KindFCPort, func(o model.Object) { ports = append(ports, o.(*model.FCPort)) })
		for _, p := range ports {
			out.Cabling = append(out.Cabling, sanCableOut{VIOS: partitionLabel(tx, p.VIOS), Port: p.Name, WWPN: strings.ToLower(p.WWPN), Fabric: p.Fabric})
		}
		sort.Slice(out.Cabling, func(i, j int) bool {
			if out.Cabling[i].VIOS != out.Cabling[j].VIOS {
				return out.Cabling[i].VIOS < out.Cabling[j].VIOS
			}
			return out.Cabling[i].Port < out.Cabling[j].Port
		})
	})
	writeJSONValue(w, http.StatusOK, out)
}

// sanInitiatorOut is what an initiator sees: the fabric it is logged into
// (through its VIOS port), the target ports zoned with it and the
// volumes it reaches.
type sanInitiatorOut struct {
	WWPN     string        `json:"wwpn"`
	Owner    string        `json:"owner"`
	Fabric   string        `json:"fabric"`
	LoggedIn bool          `json:"loggedIn"`
	Targets  []string      `json:"targets"`
	Paths    []sanPathItem `json:"paths"`
}

type sanPathItem struct {
	Volume string `json:"volume"`
	Array  string `json:"array"`
	Target string `json:"target"`
	LUN    int    `json:"lun"`
}

func (s *Server) handleSANInitiator(w http.ResponseWriter, r *http.Request, a core.Actor) {
	wwpn, ok := model.NormalizeWWPN(r.PathValue("wwpn"))
	if !ok {
		s.writeError(w, r, model.ErrBadValue("WWPN", r.PathValue("wwpn"), "16 hex digits"), nil)
		return
	}
	out := sanInitiatorOut{WWPN: wwpn, Targets: []string{}, Paths: []sanPathItem{}}
	s.core.ReadSAN(func(tx san.Tx) {
		out.Owner = san.WWPNOwner(tx, wwpn, "")
		out.Fabric, out.LoggedIn = vios.LoginOf(tx, wwpn)
		if !out.LoggedIn {
			return
		}
		out.Targets = san.TargetsSeen(tx, wwpn, out.Fabric)
		for _, p := range san.FCPaths(tx, wwpn, out.Fabric) {
			out.Paths = append(out.Paths, sanPathItem{Volume: p.LUN.Name, Array: p.Array.Name, Target: p.Target, LUN: p.LUNNumber})
		}
	})
	if out.Owner == "" {
		s.writeError(w, r, model.ErrNoObject("initiator", wwpn+" (no VIOS port or virtual FC adapter has it)"), nil)
		return
	}
	if out.Targets == nil {
		out.Targets = []string{}
	}
	writeJSONValue(w, http.StatusOK, out)
}
