package rest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
	"github.com/novalink-project/novalink/uom/pcm"
)

// The pcm service (/rest/api/pcm): the managed system's monitoring
// preferences, the long-term and short-term monitors' feeds of raw JSON
// files and the files themselves, and the HMC's processed metrics. A
// monitor that is off has no samples: its feed answers 204 No Content, as
// PowerVM answers for a feed without entries.

const pcmRoot = "/rest/api/pcm"

func (s *Server) pcmRoutes(m *http.ServeMux, auth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	ms := pcmRoot + "/ManagedSystem/{sys}"
	m.HandleFunc("GET "+ms+"/preferences", auth(s.handlePCMPrefGet))
	m.HandleFunc("POST "+ms+"/preferences", auth(s.handlePCMPrefPost))
	m.HandleFunc("GET "+ms+"/RawMetrics/{monitor}", auth(s.handleRawFeed))
	m.HandleFunc("GET "+ms+"/RawMetrics/{monitor}/{file}", auth(s.handleRawFile))
	m.HandleFunc("GET "+ms+"/ProcessedMetrics", auth(s.handleProcessedFeed))
	m.HandleFunc("GET "+ms+"/LogicalPartition/{lpar}/ProcessedMetrics", auth(s.handleProcessedFeed))
	m.HandleFunc("GET "+pcmRoot+"/ProcessedMetrics/{file}", auth(s.handleProcessedFile))
}

// pcmSystem checks the {sys} of a request path.
func (s *Server) pcmSystem(r *http.Request) (*model.ManagedSystem, error) {
	sys := s.core.System()
	if !strings.EqualFold(r.PathValue("sys"), sys.UUID) {
		return nil, errStatus(http.StatusNotFound, "There is no managed system %s; this server manages %s (%s).", r.PathValue("sys"), sys.UUID, sys.Name)
	}
	return sys, nil
}

const prefTitle = "Performance and Capacity Monitoring Preferences"

func pcmLeaf(name, kb, text string) *uom.Element {
	return &uom.Element{Space: uom.NSPCM, Local: name, Text: text, Attrs: []uom.Attr{{Local: "kb", Value: kb}, {Local: "kxe", Value: "false"}}}
}

// prefFeed renders the preferences feed (one ManagedSystemPcmPreference).
func (s *Server) prefFeed(r *http.Request, sys *model.ManagedSystem, p *model.PCMPreference) *uom.Element {
	base := baseURL(r)
	el := &uom.Element{Space: uom.NSPCM, Prefix: "ManagedSystemPcmPreference", Local: "ManagedSystemPcmPreference",
		NSDecls: []uom.Attr{{Local: "ManagedSystemPcmPreference", Value: uom.NSPCM}, {Local: "", Value: uom.NSPCM}, {Local: "ns2", Value: uom.NSK2}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_2_0"}}}
	el.Append(uom.NewElement(uom.NSPCM, "Metadata").Append(uom.NewElement(uom.NSPCM, "Atom").Append(
		&uom.Element{Space: uom.NSPCM, Local: "AtomID", Text: sys.UUID},
		&uom.Element{Space: uom.NSPCM, Local: "AtomCreated", Text: strconv.FormatInt(sys.Created, 10)})))
	el.Append(pcmLeaf("SystemName", "ROR", sys.Name))
	mtms := pcmLeaf("MachineTypeModelSerialNumber", "ROR", "")
	mtms.Attrs = append(mtms.Attrs, uom.Attr{Local: "schemaVersion", Value: "V1_2_0"})
	mtms.Append(uom.NewElement(uom.NSPCM, "Metadata").Append(uom.NewElement(uom.NSPCM, "Atom")),
		pcmLeaf("MachineType", "ROR", sys.Type), pcmLeaf("Model", "ROR", sys.Model), pcmLeaf("SerialNumber", "ROR", sys.Serial))
	el.Append(mtms)
	el.Append(pcmLeaf("LongTermMonitorEnabled", "UOD", strconv.FormatBool(p.LTM)),
		pcmLeaf("AggregationEnabled", "UOD", strconv.FormatBool(p.Aggregation)),
		pcmLeaf("ShortTermMonitorEnabled", "UOD", strconv.FormatBool(p.STM)))
	c := pcmLeaf("ComputeLTMEnabled", "UOD", strconv.FormatBool(p.ComputeLTM))
	c.Attrs = append([]uom.Attr{{Local: "ksv", Value: "V1_1_0"}}, c.Attrs...)
	el.Append(c)
	am := pcmLeaf("AssociatedManagedSystem", "ROO", "")
	am.Attrs = append(am.Attrs, uom.Attr{Local: "href", Value: base + core.SystemPath(sys.UUID)}, uom.Attr{Local: "rel", Value: "related"})
	el.Append(am)
	stamp := sampleStamp(s.core.Clock().Now())
	f := &uom.Feed{ID: sys.UUID, Title: prefTitle, TitleType: "text", SubtitleType: "text",
		Links:        []uom.Link{{Rel: "self", Href: selfURL(r)}},
		GeneratorURI: uom.Generator, GeneratorVersion: "1",
		Entries: []*uom.Entry{{ID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/pcm/preferences")).String(), Updated: stamp,
			Title: prefTitle, TitleType: "text", Published: stamp, Author: uom.Generator, ContentType: "application/xml", Content: el}}}
	return f.Element()
}

func selfURL(r *http.Request) string {
	u := baseURL(r) + r.URL.Path
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

func prefEtag(p *model.PCMPreference) string { return strconv.FormatUint(p.Rev, 10) }

func (s *Server) writePrefFeed(w http.ResponseWriter, r *http.Request, sys *model.ManagedSystem, p *model.PCMPreference) {
	w.Header().Set("ETag", prefEtag(p))
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(s.prefFeed(r, sys, p).Bytes())
}

func (s *Server) handlePCMPrefGet(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.pcmSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	p := s.core.PCMPreference()
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, prefEtag(p)) {
		w.Header().Set("ETag", prefEtag(p))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.writePrefFeed(w, r, sys, p)
}

// prefElements are the elements a ManagedSystemPcmPreference may carry:
// the four settings, and read-only ones a client sends back (ignored).
var prefElements = map[string]string{
	"LongTermMonitorEnabled": "ltm", "AggregationEnabled": "agg", "ShortTermMonitorEnabled": "stm", "ComputeLTMEnabled": "compute",
	"Metadata": "", "SystemName": "", "MachineTypeModelSerialNumber": "", "AssociatedManagedSystem": "", "EnergyMonitorEnabled": "",
}

// handlePCMPrefPost updates the preferences from a ManagedSystemPcmPreference
// (bare, or in an entry) sent with the feed's etag.
func (s *Server) handlePCMPrefPost(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.pcmSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	const typ = "ManagedSystemPcmPreference"
	// pypowervm sends the content type of the entry it read (application/xml).
	ct := strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0])
	if svc, t, ok := uom.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/xml" && (!ok || svc != uom.ServicePCM || t != typ) {
		s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted for %s; send %s or application/xml.",
			r.Header.Get("Content-Type"), typ, uom.MediaType(uom.ServicePCM, typ)), body)
		return
	}
	el, err := uom.DecodeBytes(body)
	if err != nil {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The request body is not valid XML: %v", err), body)
		return
	}
	if el.Space == uom.NSAtom && el.Local == "entry" {
		if c := el.Find("content"); c != nil && len(c.Children) > 0 {
			el = c.Children[0]
		}
	}
	if el.Local != typ || el.Space != uom.NSPCM {
		s.writeError(w, r, errStatus(http.StatusBadRequest, "The request body must be a %s element in namespace %s, not <%s> in %q.", typ, uom.NSPCM, el.Local, el.Space), body)
		return
	}
	set := map[string]bool{}
	for _, c := range el.Children {
		key, known := prefElements[c.Local]
		if !known || c.Space != uom.NSPCM {
			s.writeError(w, r, errStatus(http.StatusBadRequest, "The %s has an element that is not part of its schema: %s.", typ, c.Local), body)
			return
		}
		if key == "" {
			continue
		}
		v, err := strconv.ParseBool(strings.TrimSpace(c.Text))
		if err != nil {
			s.writeError(w, r, model.ErrBadValue(c.Local, c.Text, "true, false"), body)
			return
		}
		set[key] = v
	}
	etag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	if etag == "*" {
		etag = ""
	}
	p, err := s.core.SetPCMPreference(a, etag, func(p *model.PCMPreference) {
		for k, v := range set {
			switch k {
			case "ltm":
				p.LTM = v
			case "agg":
				p.Aggregation = v
			case "stm":
				p.STM = v
			case "compute":
				p.ComputeLTM = v
			}
		}
	})
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	s.writePrefFeed(w, r, sys, p)
}

// parseTS reads a StartTS or EndTS parameter (yyyy-MM-ddTHH:mm:ssZ, or
// with an offset); absent is the zero time.
func parseTS(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	// An offset's "+" sent unescaped arrives as a space.
	v = strings.ReplaceAll(v, " ", "+")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.000Z0700", "20060102T150405Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errStatus(http.StatusBadRequest, "The %s %q is not a time of the form yyyy-MM-ddTHH:mm:ssZ (for example 2026-03-02T10:30:00Z).", name, v)
}

func parseRange(r *http.Request) (from, to time.Time, err error) {
	if from, err = parseTS(r, "StartTS"); err != nil {
		return
	}
	if to, err = parseTS(r, "EndTS"); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = errStatus(http.StatusBadRequest, "The EndTS %s is before the StartTS %s.", r.URL.Query().Get("EndTS"), r.URL.Query().Get("StartTS"))
	}
	return
}

// monitorOf maps the path's monitor to its prefix and feed title.
func monitorOf(name string) (prefix, title string, ok bool) {
	switch name {
	case "LongTermMonitor":
		return pcm.LTM, "LongTermMetrics", true
	case "ShortTermMonitor":
		return pcm.STM, "ShortTermMetrics", true
	}
	return "", "", false
}

// rawFile is one file of a monitor's feed.
type rawFile struct {
	name, category string
	at             time.Time
}

// rawFiles lists the files of a monitor's samples: per sample the
// hypervisor's, each running VIOS's (long-term monitor, unless only the
// compute metrics are on) and, every RMC interval, the partitions'.
func (s *Server) rawFiles(monitor string, from, to time.Time) []rawFile {
	pref := s.core.PCMPreference()
	var files []rawFile
	sys := s.core.System()
	if monitor == pcm.STM {
		for _, smp := range s.core.STMSamples(from, to) {
			files = append(files, rawFile{pcm.FileName(monitor, sys.MTMS(), pcm.CategoryPhyp, smp.At.UTC()), pcm.CategoryPhyp, smp.At})
		}
		return files
	}
	if !pref.LTM && !pref.ComputeLTM {
		return nil
	}
	rmc := map[time.Time]bool{}
	for _, smp := range s.core.RMCSamples(from, to) {
		rmc[smp.At] = true
	}
	for _, smp := range s.core.LTMSamples(from, to) {
		add := func(cat string) {
			files = append(files, rawFile{pcm.FileName(monitor, sys.MTMS(), cat, smp.At.UTC()), cat, smp.At})
		}
		add(pcm.CategoryPhyp)
		if !pref.LTM {
			continue
		}
		for _, tp := range smp.Topo.Parts {
			if tp.P.IsVIOS() && tp.P.State == model.StateRunning {
				add(pcm.CategoryVIOSPrefix + strconv.Itoa(tp.P.ID))
			}
		}
		if rmc[smp.At] {
			add(pcm.CategoryLpar)
		}
	}
	return files
}

func (s *Server) handleRawFeed(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.pcmSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	monitor, title, ok := monitorOf(r.PathValue("monitor"))
	if !ok {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no monitor %s; the raw metrics are LongTermMonitor and ShortTermMonitor.", r.PathValue("monitor")), nil)
		return
	}
	from, to, err := parseRange(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	files := s.rawFiles(monitor, from, to)
	if len(files) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	last := files[len(files)-1].at
	base := baseURL(r) + pcmRoot + "/ManagedSystem/" + sys.UUID + "/RawMetrics/" + r.PathValue("monitor") + "/"
	f := &uom.Feed{ID: sys.UUID, Updated: sampleStamp(last), Title: title, TitleType: "text",
		Subtitle: "ManagedSystem " + sys.UUID, SubtitleType: "text", Links: []uom.Link{{Rel: "self", Href: selfURL(r)}},
		GeneratorURI: uom.Generator, GeneratorVersion: "1"}
	for _, fl := range files {
		stamp := sampleStamp(fl.at)
		f.Entries = append(f.Entries, &uom.Entry{ID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/"+fl.name)).String(),
			Updated: stamp, Title: fl.name, TitleType: "text", Published: stamp,
			Links: []uom.Link{{Type: pcm.MediaTypeJSON, Href: base + fl.name}}, Author: uom.Generator, Categories: []string{fl.category}})
	}
	w.Header().Set("ETag", strconv.FormatInt(last.UnixMilli(), 10))
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(f.Element().Bytes())
}

// jsonCache keeps the last rendered monitor files (a client reads the
// newest ones again and again).
type jsonCache struct {
	mu    sync.Mutex
	m     map[jsonKey][]byte
	order []jsonKey
}

type jsonKey struct {
	smp *core.PCMSample
	doc string
}

const jsonCacheSize = 16

func (c *jsonCache) get(smp *core.PCMSample, doc string, render func() []byte) []byte {
	k := jsonKey{smp, doc}
	c.mu.Lock()
	if b, ok := c.m[k]; ok {
		c.mu.Unlock()
		return b
	}
	c.mu.Unlock()
	b := render()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[jsonKey][]byte{}
	}
	if _, ok := c.m[k]; !ok {
		c.m[k] = b
		c.order = append(c.order, k)
		if len(c.order) > jsonCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
	}
	return b
}

func (s *Server) handleRawFile(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.pcmSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	name := r.PathValue("file")
	monitor, _, ok := monitorOf(r.PathValue("monitor"))
	notFound := func() {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no file %s in the %s (its samples are kept %s).",
			name, r.PathValue("monitor"), keptFor(monitor, s.core.PCMIntervals())), nil)
	}
	if !ok {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no monitor %s; the raw metrics are LongTermMonitor and ShortTermMonitor.", r.PathValue("monitor")), nil)
		return
	}
	fm, mtms, cat, at, err := pcm.ParseFileName(name)
	if err != nil || fm != monitor || mtms != sys.MTMS() {
		notFound()
		return
	}
	var doc []byte
	for _, f := range s.rawFiles(monitor, at, at) {
		if f.name != name {
			continue
		}
		var smp *core.PCMSample
		if cat == pcm.CategoryLpar {
			if l := s.core.RMCSamples(f.at, f.at); len(l) == 1 {
				smp = l[0]
			}
		} else if monitor == pcm.STM {
			if l := s.core.STMSamples(f.at, f.at); len(l) == 1 {
				smp = l[0]
			}
		} else if l := s.core.LTMSamples(f.at, f.at); len(l) == 1 {
			smp = l[0]
		}
		if smp == nil {
			break
		}
		doc = s.json.get(smp, monitor+cat, func() []byte {
			switch {
			case cat == pcm.CategoryPhyp:
				return marshalPCM(phypFile(smp, monitor))
			case cat == pcm.CategoryLpar:
				return marshalPCM(lparFile(smp))
			}
			id, _ := strconv.Atoi(strings.TrimPrefix(cat, pcm.CategoryVIOSPrefix))
			for _, tp := range smp.Topo.Parts {
				if tp.P.IsVIOS() && tp.P.ID == id {
					if v := viosFile(smp, tp, monitor); v != nil {
						return marshalPCM(v)
					}
				}
			}
			return nil
		})
	}
	if doc == nil {
		notFound()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	w.Write(doc)
}

func keptFor(monitor string, ivl core.PCMIntervals) string {
	if monitor == pcm.STM {
		return (time.Duration(core.STMKeep) * ivl.STM).String()
	}
	return (time.Duration(core.LTMKeep) * ivl.LTM).String()
}

// processedWindow picks the long-term samples of a processed request:
// those in [StartTS, EndTS] (the last NoOfSamples of them), each with the
// one before it (the interval's start).
func (s *Server) processedWindow(r *http.Request) ([]interval, error) {
	from, to, err := parseRange(r)
	if err != nil {
		return nil, err
	}
	n := 0
	if v := r.URL.Query().Get("NoOfSamples"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			return nil, errStatus(http.StatusBadRequest, "NoOfSamples %q is not valid: it must be a whole number above 0.", v)
		}
	}
	if !s.core.PCMPreference().Aggregation {
		return nil, nil
	}
	all := s.core.LTMSamples(time.Time{}, time.Time{})
	ivs := intervals(all)
	kept := ivs[:0]
	for _, iv := range ivs {
		if (from.IsZero() || !iv.b.At.Before(from)) && (to.IsZero() || !iv.b.At.After(to)) {
			kept = append(kept, iv)
		}
	}
	if n > 0 && len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return kept, nil
}

func (s *Server) handleProcessedFeed(w http.ResponseWriter, r *http.Request, a core.Actor) {
	sys, err := s.pcmSystem(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	lpar := strings.ToUpper(r.PathValue("lpar"))
	if lpar != "" {
		var p *model.Partition
		s.core.Read(func(st *model.State) { p = st.Partition(lpar) })
		if p == nil || p.IsVIOS() {
			s.writeError(w, r, model.ErrNoPartition(r.PathValue("lpar")), nil)
			return
		}
	}
	ivs, err := s.processedWindow(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if len(ivs) == 0 || (lpar != "" && processedLpar(ivs, lpar) == nil) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	start, end := ivs[0].b.At.UTC(), ivs[len(ivs)-1].b.At.UTC()
	base := baseURL(r)
	kind, id, subtitle := "ManagedSystem", sys.UUID, "ManagedSystem "+sys.UUID
	if lpar != "" {
		kind, id, subtitle = "LogicalPartition", lpar, "LogicalPartition "+lpar
	}
	f := &uom.Feed{ID: id, Updated: sampleStamp(end), Title: "ProcessedMetrics", TitleType: "text", Subtitle: subtitle, SubtitleType: "text",
		Links: []uom.Link{{Rel: "self", Href: selfURL(r)}}, GeneratorURI: uom.Generator, GeneratorVersion: "1"}
	name := pcm.ProcessedFileName(kind, id, start, end)
	f.Entries = append(f.Entries, &uom.Entry{ID: uuid.NewMD5(uuid.NameSpaceOID, []byte(name)).String(), Updated: sampleStamp(end),
		Title: name, TitleType: "text", Published: sampleStamp(start),
		Links: []uom.Link{{Type: "application/json", Href: base + pcmRoot + "/ProcessedMetrics/" + name}}, Author: uom.Generator, Categories: []string{kind}})
	if lpar == "" {
		now := sampleStamp(s.core.Clock().Now())
		q := ""
		if v := r.URL.Query().Get("NoOfSamples"); v != "" {
			q = "?NoOfSamples=" + v
		}
		for _, tp := range ivs[len(ivs)-1].b.Topo.Parts {
			if tp.P.IsVIOS() {
				continue
			}
			f.Entries = append(f.Entries, &uom.Entry{ID: uuid.NewMD5(uuid.NameSpaceOID, []byte(sys.UUID+"/processed/"+tp.P.UUID)).String(),
				Updated: now, Title: "LogicalPartition_" + tp.P.UUID, TitleType: "text", Published: now,
				Links:  []uom.Link{{Type: uom.MediaTypeAtom, Href: base + pcmRoot + "/ManagedSystem/" + sys.UUID + "/LogicalPartition/" + tp.P.UUID + "/ProcessedMetrics" + q}},
				Author: uom.Generator, Categories: []string{"LogicalPartition"}})
		}
	}
	el := f.Element()
	// The JSON file's category carries its frequency.
	for _, e := range el.Children {
		if e.Local != "entry" {
			continue
		}
		for _, c := range e.Children {
			if c.Local == "category" && c.Attr("term") == kind {
				c.SetAttr("frequency", strconv.Itoa(pcm.ProcessedFrequency))
			}
		}
	}
	w.Header().Set("ETag", strconv.FormatInt(end.UnixMilli(), 10))
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(el.Bytes())
}

// handleProcessedFile serves ProcessedMetrics/<kind>_<uuid>_<start>_<end>_30.json.
func (s *Server) handleProcessedFile(w http.ResponseWriter, r *http.Request, a core.Actor) {
	name := r.PathValue("file")
	notFound := func() {
		s.writeError(w, r, errStatus(http.StatusNotFound, "There is no processed metrics file %s (processed metrics are kept %s, while aggregation is enabled).",
			name, (time.Duration(core.LTMKeep)*s.core.PCMIntervals().LTM).String()), nil)
	}
	parts := strings.Split(strings.TrimSuffix(name, ".json"), "_")
	if len(parts) != 5 || parts[4] != strconv.Itoa(pcm.ProcessedFrequency) || !strings.HasSuffix(name, ".json") {
		notFound()
		return
	}
	kind, id := parts[0], parts[1]
	start, err1 := time.Parse(pcm.FileTimeLayout, parts[2])
	end, err2 := time.Parse(pcm.FileTimeLayout, parts[3])
	if err1 != nil || err2 != nil || (kind != "ManagedSystem" && kind != "LogicalPartition") {
		notFound()
		return
	}
	sys := s.core.System()
	if kind == "ManagedSystem" && !strings.EqualFold(id, sys.UUID) {
		notFound()
		return
	}
	if !s.core.PCMPreference().Aggregation {
		notFound()
		return
	}
	var ivs []interval
	for _, iv := range intervals(s.core.LTMSamples(time.Time{}, time.Time{})) {
		if !iv.b.At.Before(start) && !iv.b.At.After(end) {
			ivs = append(ivs, iv)
		}
	}
	if len(ivs) == 0 || !ivs[0].b.At.Equal(start) || !ivs[len(ivs)-1].b.At.Equal(end) {
		notFound()
		return
	}
	var doc []byte
	if kind == "ManagedSystem" {
		doc = marshalPCM(processedSystem(ivs))
	} else if p := processedLpar(ivs, strings.ToUpper(id)); p != nil {
		doc = marshalPCM(p)
	}
	if doc == nil {
		notFound()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(doc)
}
