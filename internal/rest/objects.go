package rest

import (
	"bufio"
	"bytes"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// object is one addressable object of a kind, as read from the view.
type object struct {
	uuid    string
	rev     uint64
	created int64
	val     any
	// aux is what the renderer needs from the state besides val (a
	// partition's adapters, slots and SEAs): kind.aux gathers it under
	// core.Read, only when the entry is not cached.
	aux any
	// extra is appended to the cache variant: what the rendering depends
	// on that rev does not cover.
	extra string
}

// renderCtx is what a renderer may use besides the object.
type renderCtx struct {
	base string
	sys  *model.ManagedSystem
	acct model.Accounting
	now  time.Time
	// console is the management console the caller works for (NovaLink
	// or HMC), for kinds that render per console (byConsole).
	console string
}

// kind is an object type of the uom API and what can be done with it.
type kind struct {
	name string
	// parents are the kinds a child feed hangs under (none for root-only
	// kinds); root says whether /rest/api/uom/<name> also serves the feed.
	// A child of a kind that is not at the root is addressed under its
	// parent's parent too: /rest/api/uom/<gp>/<id>/<parent>/<id>/<name>.
	parents []string
	root    bool
	// owner returns the ID of the parent object that o belongs to (for
	// children of kinds other than ManagedSystem: there is one system).
	owner  func(o object) string
	list   func(st *model.State, parentID string) []object
	get    func(st *model.State, id string) (object, bool)
	render func(rc *renderCtx, o object) *uom.Element
	// aux gathers what render needs from the state besides o.val (see
	// object.aux); it runs under core.Read.
	aux func(st *model.State, o object) any
	// tolerated are elements a request body may carry although the schema
	// has none (request-only elements such as UseNextAvailableSlotID, or
	// ones we render that the generated schema lacks).
	tolerated map[string]bool
	// readOnly, when set, refuses every write with this message (derived
	// objects).
	readOnly string
	// volatile objects render differently as time passes (Uptime): their
	// cached entries are refreshed every minute.
	volatile func(o object) bool
	create   func(s *Server, a core.Actor, parentID string, el *uom.Element) (object, error)
	update   func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error)
	delete   func(s *Server, a core.Actor, o object, etag string) error
	// quick returns the quick properties (.../{uuid}/quick): values are
	// strings, ints, bools, quickNumber or quickNull.
	quick  func(rc *renderCtx, o object) map[string]any
	search map[string]func(o object) string
	// byConsole kinds render differently for NovaLink's and the HMC's
	// sessions (the ManagedSystem's IsPowerVMManagementMaster).
	byConsole bool
}

// hasParent tells whether the kind hangs under the kind named parent.
func (k *kind) hasParent(parent string) bool {
	for _, p := range k.parents {
		if p == parent {
			return true
		}
	}
	return false
}

// resolve finds the kind and parent ID of a request path. The parent ID is
// the parent object's UUID as the model spells it.
func (s *Server) resolve(r *http.Request) (k *kind, parentID string, err error) {
	root, id, child := r.PathValue("root"), r.PathValue("id"), r.PathValue("child")
	gp, gpid := r.PathValue("gproot"), r.PathValue("gpid")
	if child == "" {
		k = s.kinds[root]
		if k == nil || !k.root {
			return nil, "", errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", root)
		}
		return k, "", nil
	}
	k = s.kinds[child]
	pk := s.kinds[root]
	if pk == nil {
		return nil, "", errStatus(http.StatusNotFound, "There is no object type %s under %s.", child, root)
	}
	if k == nil || !k.hasParent(root) {
		// The parent may exist: then the request is wrong (400), it is
		// not a missing object (clients read a 404 on a partition's
		// path as "the partition is gone").
		if s.objectExists(root, id) {
			return nil, "", errStatus(http.StatusBadRequest, "There is no object type %s under %s.", child, root)
		}
		return nil, "", errStatus(http.StatusNotFound, "There is no object type %s under %s.", child, root)
	}
	var gk *kind
	if gp != "" {
		gk = s.kinds[gp]
		if gk == nil || !pk.hasParent(gp) {
			return nil, "", errStatus(http.StatusNotFound, "There is no object type %s under %s.", root, gp)
		}
	} else if !pk.root {
		return nil, "", errStatus(http.StatusNotFound, "%s objects are addressed under their %s: /rest/api/uom/%s/{uuid}/%s/{uuid}/%s.",
			root, strings.Join(pk.parents, " or "), pk.parents[0], root, child)
	}
	var ok, gpOK bool
	s.core.Read(func(st *model.State) {
		var po object
		po, ok = pk.get(st, id)
		if ok {
			parentID = po.uuid
		}
		if gk != nil {
			var g object
			g, gpOK = gk.get(st, gpid)
			if ok && gpOK && pk.owner != nil && !strings.EqualFold(pk.owner(po), g.uuid) {
				ok = false
			}
		}
	})
	if gk != nil && !gpOK {
		return nil, "", model.ErrNoObject(gp, gpid)
	}
	if !ok {
		return nil, "", model.ErrNoObject(root, id)
	}
	return k, parentID, nil
}

// entryID returns the object ID of an entry request.
func entryID(r *http.Request) string {
	if c := r.PathValue("cid"); c != "" {
		return c
	}
	return r.PathValue("id")
}

// lookup resolves the kind and the object of an entry request.
func (s *Server) lookup(r *http.Request) (*kind, object, *renderCtx, error) {
	var k *kind
	var parentID string
	var err error
	if r.PathValue("cid") != "" || r.PathValue("child") != "" {
		k, parentID, err = s.resolve(r)
	} else {
		k = s.kinds[r.PathValue("root")]
		if k == nil || !k.root {
			err = errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", r.PathValue("root"))
		}
	}
	if err != nil {
		return nil, object{}, nil, err
	}
	id := entryID(r)
	var o object
	var ok bool
	rc := &renderCtx{base: baseURL(r), now: s.core.Clock().Now()}
	s.core.Read(func(st *model.State) {
		o, ok = k.get(st, id)
		rc.sys, rc.acct = st.System, st.Accounting()
		if ok && parentID != "" && k.owner != nil && !strings.EqualFold(k.owner(o), parentID) {
			ok = false
		}
	})
	if !ok {
		return k, o, rc, model.ErrNoObject(k.name, id)
	}
	return k, o, rc, nil
}

// entryPath is the path of an object as addressed in this request style.
func entryPath(r *http.Request, k *kind, o object) string {
	if r.PathValue("child") != "" {
		p := "/rest/api/uom/"
		if gp := r.PathValue("gproot"); gp != "" {
			p += gp + "/" + r.PathValue("gpid") + "/"
		}
		return p + r.PathValue("root") + "/" + r.PathValue("id") + "/" + k.name + "/" + o.uuid
	}
	return "/rest/api/uom/" + k.name + "/" + o.uuid
}

// entryBytes returns the encoded <entry> (without its opening tag) of an
// object, from the cache when the object has not changed.
func (s *Server) entryBytes(r *http.Request, k *kind, o object, rc *renderCtx, g groupSel) []byte {
	path := entryPath(r, k, o)
	variant := rc.base + path + "|" + g.key + o.extra
	if k.byConsole {
		rc.console = consoleOf(r)
		variant += "|" + rc.console
	}
	if k.volatile != nil && k.volatile(o) {
		variant += "|" + strconv.FormatInt(rc.now.Unix()/60, 10)
	}
	key := cacheKey{uuid: k.name + "/" + o.uuid, variant: variant}
	if b, ok := s.cache.get(key, o.rev); ok {
		return b
	}
	cacheable := true
	if k.aux != nil && o.aux == nil {
		// What the object renders from besides itself is read now. It is
		// what o.rev stands for as long as the object has not changed
		// since (the core moves an object's revision whenever what it
		// renders from changes); otherwise the entry is not cached.
		s.core.Read(func(st *model.State) {
			cur, ok := k.get(st, o.uuid)
			if !ok || cur.rev != o.rev {
				cacheable = false
			}
			o.aux = k.aux(st, o)
		})
	}
	el := k.render(rc, o)
	filterGroups(el, g)
	var b bytes.Buffer
	uom.AppendEntry(&b, &uom.EntryHeader{
		ID: o.uuid, Title: k.name, Published: rc.now.Format("2006-01-02T15:04:05.000Z07:00"),
		Links:       []uom.Link{{Rel: "SELF", Href: rc.base + path + g.query()}},
		Etag:        core.EtagOf(o.rev),
		ContentType: uom.MediaType(uom.ServiceUOM, k.name),
	}, el.Bytes(), false)
	out := b.Bytes()[len("<entry>"):]
	if cacheable {
		s.cache.put(key, o.rev, out)
	}
	return out
}

const entryRootOpen = `<entry xmlns="` + uom.NSAtom + `" xmlns:ns2="` + uom.NSOpenSearch + `" xmlns:ns3="` + uom.NSXHTML + `">`

func (s *Server) handleEntry(w http.ResponseWriter, r *http.Request, a core.Actor) {
	g, err := parseGroups(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	k, o, rc, err := s.lookup(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	etag := core.EtagOf(o.rev)
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := s.entryBytes(r, k, o, rc, g)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.Header().Set("Content-Length", strconv.Itoa(len(entryRootOpen)+len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(entryRootOpen))
		w.Write(body)
	}
}

func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request, a core.Actor) {
	k, parentID, err := s.resolve(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	s.writeFeed(w, r, k, parentID, nil)
}

// writeFeed answers with the feed of k (filtered by keep when given).
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, k *kind, parentID string, keep func(object) bool) {
	g, err := parseGroups(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	rc := &renderCtx{base: baseURL(r), now: s.core.Clock().Now()}
	var objs []object
	s.core.Read(func(st *model.State) {
		rc.sys, rc.acct = st.System, st.Accounting()
		objs = k.list(st, parentID)
	})
	if keep != nil {
		kept := objs[:0]
		for _, o := range objs {
			if keep(o) {
				kept = append(kept, o)
			}
		}
		objs = kept
	}
	h := fnv.New64a()
	h.Write([]byte(g.key))
	for _, o := range objs {
		h.Write([]byte(o.uuid))
		h.Write([]byte(strconv.FormatUint(o.rev, 10)))
	}
	etag := strconv.FormatUint(h.Sum64()>>33, 10)
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if len(objs) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var head bytes.Buffer
	self := rc.base + r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	uom.AppendFeedStart(&head, uuid.NewMD5(uuid.NameSpaceURL, []byte(r.URL.Path)).String(),
		rc.now.Format("2006-01-02T15:04:05.000Z07:00"), []uom.Link{{Rel: "SELF", Href: self}})
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	// Up to feedLengthLimit the entries (cached, or rendered into the
	// cache) are gathered first so the answer has a Content-Length (clients
	// then read it in one buffer); a larger feed is streamed entry by entry
	// through a pooled buffer, so a 10,000-partition feed never sits in
	// memory whole.
	const entryOpen = "<entry>"
	size := head.Len() + len("</feed>")
	parts := make([][]byte, 0, len(objs))
	i := 0
	for ; i < len(objs) && size <= feedLengthLimit; i++ {
		e := s.entryBytes(r, k, objs[i], rc, g)
		parts = append(parts, e)
		size += len(entryOpen) + len(e)
	}
	if i == len(objs) && size <= feedLengthLimit {
		w.Header().Set("Content-Length", strconv.Itoa(size))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	bw := feedWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	bw.Write(head.Bytes())
	for _, e := range parts {
		bw.WriteString(entryOpen)
		bw.Write(e)
	}
	parts = nil
	for ; i < len(objs); i++ {
		bw.WriteString(entryOpen)
		bw.Write(s.entryBytes(r, k, objs[i], rc, g))
	}
	bw.WriteString("</feed>")
	bw.Flush()
	bw.Reset(nil)
	feedWriters.Put(bw)
}

// feedLengthLimit is the largest feed sent with a Content-Length.
const feedLengthLimit = 8 << 20

var feedWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// handleSearch serves <feed>/search/(Key==value) and (Key!=value).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, a core.Actor) {
	var k *kind
	var parentID string
	var err error
	if r.PathValue("child") != "" {
		k, parentID, err = s.resolve(r)
	} else {
		k = s.kinds[r.PathValue("root")]
		if k == nil || !k.root {
			err = errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", r.PathValue("root"))
		}
	}
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	q := r.PathValue("q")
	if u, err := url.PathUnescape(q); err == nil {
		q = u
	}
	key, value, neg, err := parseSearch(q)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	get := k.search[key]
	if get == nil {
		keys := make([]string, 0, len(k.search))
		for name := range k.search {
			keys = append(keys, name)
		}
		s.writeError(w, r, errStatus(http.StatusBadRequest, "%s cannot be searched by %s; search keys: %s.", k.name, key, strings.Join(sortedStrings(keys), ", ")), nil)
		return
	}
	s.writeFeed(w, r, k, parentID, func(o object) bool { return (get(o) == value) != neg })
}

// parseSearch reads "(Key==value)" or "(Key!=value)"; the value may be
// quoted with ' or ".
func parseSearch(q string) (key, value string, neg bool, err error) {
	q = strings.TrimSpace(q)
	if !strings.HasPrefix(q, "(") || !strings.HasSuffix(q, ")") {
		return "", "", false, errStatus(http.StatusBadRequest, "The search expression %q is not valid; use (Key==value) or (Key!=value).", q)
	}
	inner := q[1 : len(q)-1]
	op := "=="
	i := strings.Index(inner, "==")
	if j := strings.Index(inner, "!="); j >= 0 && (i < 0 || j < i) {
		i, op, neg = j, "!=", true
	}
	if i <= 0 {
		return "", "", false, errStatus(http.StatusBadRequest, "The search expression %q is not valid; use (Key==value) or (Key!=value).", q)
	}
	key = strings.TrimSpace(inner[:i])
	value = strings.TrimSpace(inner[i+len(op):])
	if len(value) >= 2 && (value[0] == '\'' && value[len(value)-1] == '\'' || value[0] == '"' && value[len(value)-1] == '"') {
		value = value[1 : len(value)-1]
	}
	return key, value, neg, nil
}

func (s *Server) handleQuick(w http.ResponseWriter, r *http.Request, a core.Actor) {
	k, o, rc, err := s.lookup(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if k.quick == nil {
		s.writeError(w, r, errStatus(http.StatusNotFound, "%s has no quick properties.", k.name), nil)
		return
	}
	props := k.quick(rc, o)
	prop := r.PathValue("prop")
	if prop == "" || prop == "All" {
		keys := make([]string, 0, len(props))
		for name := range props {
			keys = append(keys, name)
		}
		var b strings.Builder
		b.WriteString("{")
		for i, name := range sortedStrings(keys) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteJSON(name) + ": " + jsonValue(props[name]))
		}
		b.WriteString("}")
		writeJSON(w, b.String())
		return
	}
	v, ok := props[prop]
	if !ok {
		// The object exists: an unknown property is a bad request, never
		// a 404 (clients read 404 as "the object is gone").
		keys := make([]string, 0, len(props))
		for name := range props {
			keys = append(keys, name)
		}
		s.writeError(w, r, errStatus(http.StatusBadRequest, "%s has no quick property %s; its quick properties: %s.", k.name, prop, strings.Join(sortedStrings(keys), ", ")), nil)
		return
	}
	writeJSON(w, jsonValue(v))
}

// readObjectBody reads and checks a create/update body: the content type
// and root element must name the kind; unknown elements are refused.
func (s *Server) readObjectBody(r *http.Request, k *kind) (*uom.Element, []byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	ct := r.Header.Get("Content-Type")
	svc, typ, ok := uom.ParseMediaType(ct)
	if !ok || svc != uom.ServiceUOM || typ != k.name {
		return nil, body, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted for %s; send %s.", ct, k.name, uom.MediaType(uom.ServiceUOM, k.name))
	}
	el, err := uom.DecodeBytes(body)
	if err != nil {
		return nil, body, errStatus(http.StatusBadRequest, "The request body is not valid XML: %v", err)
	}
	// A client may wrap the object in an Atom entry, as feeds return it.
	if el.Space == uom.NSAtom && el.Local == "entry" {
		if c := el.Find("content"); c != nil && len(c.Children) > 0 {
			el = c.Children[0]
		}
	}
	if el.Local != k.name || el.Space != uom.NSUOM {
		return nil, body, errStatus(http.StatusBadRequest, "The request body must be a %s element in namespace %s, not <%s> in %q.", k.name, uom.NSUOM, el.Local, el.Space)
	}
	unknown := uom.UnknownElements(el, uom.Schema(k.name))
	kept := unknown[:0]
	for _, u := range unknown {
		if !k.tolerated[u[strings.LastIndexByte(u, '/')+1:]] {
			kept = append(kept, u)
		}
	}
	if unknown = kept; len(unknown) > 0 {
		return nil, body, errStatus(http.StatusBadRequest, "The %s has elements that are not part of its schema: %s.", k.name, strings.Join(unknown, ", "))
	}
	return el, body, nil
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, a core.Actor) {
	k, parentID, err := s.resolve(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if k.readOnly != "" {
		s.writeError(w, r, model.Invalid("%s", k.readOnly), nil)
		return
	}
	if k.create == nil {
		s.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "%s objects cannot be created.", k.name), nil)
		return
	}
	el, body, err := s.readObjectBody(r, k)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	o, err := k.create(s, a, parentID, el)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	s.writeObject(w, r, k, o, http.StatusOK)
}

// writeObject answers with the entry of o (after a create or update).
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, k *kind, o object, status int) {
	g, _ := parseGroups(r)
	rc := &renderCtx{base: baseURL(r), now: s.core.Clock().Now()}
	s.core.Read(func(st *model.State) {
		rc.sys, rc.acct = st.System, st.Accounting()
		// The view has the change (Apply returns once it does): render the
		// object as the view has it, with what it derives from there.
		if cur, ok := k.get(st, o.uuid); ok {
			o = cur
		}
	})
	body := s.entryBytes(r, k, o, rc, g)
	w.Header().Set("ETag", core.EtagOf(o.rev))
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(status)
	w.Write([]byte(entryRootOpen))
	w.Write(body)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, a core.Actor) {
	g, err := parseGroups(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	k, o, _, err := s.lookup(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if k.readOnly != "" {
		s.writeError(w, r, model.Invalid("%s", k.readOnly), nil)
		return
	}
	if k.update == nil {
		s.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "%s objects cannot be changed.", k.name), nil)
		return
	}
	el, body, err := s.readObjectBody(r, k)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	etag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	if etag == "*" {
		etag = ""
	}
	n, err := k.update(s, a, o, etag, el, g)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	s.writeObject(w, r, k, n, http.StatusOK)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	k, o, _, err := s.lookup(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if k.readOnly != "" {
		s.writeError(w, r, model.Invalid("%s", k.readOnly), nil)
		return
	}
	if k.delete == nil {
		s.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "%s objects cannot be deleted.", k.name), nil)
		return
	}
	etag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	if etag == "*" {
		etag = ""
	}
	if err := k.delete(s, a, o, etag); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func sortedStrings(in []string) []string {
	out := append([]string(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
