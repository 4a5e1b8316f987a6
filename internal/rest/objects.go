package rest

import (
	"bytes"
	"cmp"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// hmcView: the request came through the fleet's HMC.
	hmcView bool
	stamp   string // now, as entries are stamped
	feedLen int    // the entries of the feed being rendered (renderFeed)
	// The entry style of styleOf's entries in this request (entryKey),
	// and its number in the server's styleSet (0: none).
	styleOf       *kind
	style, prefix string
	styleID       uint32
	// tmpls are the templates of the style's entries (kind.write).
	tmpls *tmplSet
	// listed: the feed's objects were listed from the view of revision
	// listedRev.
	listed    bool
	listedRev uint64
}

// published is now as an entry's <published>.
func (rc *renderCtx) published() string {
	if rc.stamp == "" {
		rc.stamp = rc.now.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return rc.stamp
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
	owner func(o object) string
	list  func(st *model.State, parentID string) []object
	get   func(st *model.State, id string) (object, bool)
	// find, when set, is get for a request that only addresses the object
	// as a parent (resolve): without what only its rendering needs.
	find   func(st *model.State, id string) (object, bool)
	render func(rc *renderCtx, o object) *uom.Element
	// write, when set, renders what render builds straight to bytes (see
	// xmlOut), with the groups g; it is used instead of render.
	write func(rc *renderCtx, o object, out *xmlOut, g groupSel)
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
	// updates say what update applies; a request changing anything else
	// is refused (update_check.go).
	updates *updateRules
	media   string // see mediaType; set by New
	// entrySize is about how many bytes an entry of the kind takes (the
	// last ones rendered, averaged).
	entrySize atomic.Int64
	// storedSize is about how many bytes the cache keeps for an entry of
	// the kind (packed), averaged the same way.
	storedSize atomic.Int64
}

// noteEntrySize counts an entry of n bytes into k.entrySize.
func (k *kind) noteEntrySize(n int) {
	old, v := k.entrySize.Load(), int64(n)
	if old != 0 {
		v = (7*old + v) / 8
	}
	k.entrySize.CompareAndSwap(old, v)
}

// noteStoredSize counts an entry the cache kept in n bytes into
// k.storedSize (n 0: it kept none, nothing to count).
func (k *kind) noteStoredSize(n int) {
	if n == 0 {
		return
	}
	old, v := k.storedSize.Load(), int64(n)
	if old != 0 {
		v = (7*old + v) / 8
	}
	k.storedSize.CompareAndSwap(old, v)
}

// mediaType is the content type of the kind's entries.
func (k *kind) mediaType() string { return k.media }

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
			if k == nil && s.notImplementedKind(root) {
				return nil, "", errNotImplemented("The object type " + root)
			}
			return nil, "", errStatus(http.StatusNotFound, "There is no object type %s at the root of the uom API.", root)
		}
		return k, "", nil
	}
	k = s.kinds[child]
	pk := s.kinds[root]
	if k == nil && s.notImplementedKind(child) {
		return nil, "", errNotImplemented("The object type " + child)
	}
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
		po, ok = pk.parent(st, id)
		if ok {
			parentID = po.uuid
		}
		if gk != nil {
			var g object
			g, gpOK = gk.parent(st, gpid)
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

// parent reads the object id of k as a parent of the object a request
// addresses (find, or get).
func (k *kind) parent(st *model.State, id string) (object, bool) {
	if k.find != nil {
		return k.find(st, id)
	}
	return k.get(st, id)
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
func entryPath(r *http.Request, k *kind, o object) string { return entryPathPrefix(r, k) + o.uuid }

// entryPathPrefix is the path of the objects of k as addressed in this
// request style, up to the object's ID.
func entryPathPrefix(r *http.Request, k *kind) string {
	if r.PathValue("child") != "" {
		p := "/rest/api/uom/"
		if gp := r.PathValue("gproot"); gp != "" {
			p += gp + "/" + r.PathValue("gpid") + "/"
		}
		return p + r.PathValue("root") + "/" + r.PathValue("id") + "/" + k.name + "/"
	}
	return "/rest/api/uom/" + k.name + "/"
}

// prepareEntries sets in rc what the entries of k depend on in this
// request besides themselves: the same for every entry of a feed.
func (s *Server) prepareEntries(r *http.Request, k *kind, rc *renderCtx, g groupSel) {
	if rc.styleOf == k {
		return
	}
	root, id, child, gproot, gpid := r.PathValue("root"), r.PathValue("id"), r.PathValue("child"), r.PathValue("gproot"), r.PathValue("gpid")
	if m := s.lastStyle.Load(); m != nil && !k.byConsole && m.k == k && m.base == rc.base && m.gkey == g.key &&
		m.root == root && m.id == id && m.child == child && m.gproot == gproot && m.gpid == gpid {
		rc.styleOf, rc.prefix, rc.style, rc.styleID, rc.tmpls = k, m.prefix, m.style, m.styleID, m.tmpls
		rc.published()
		return
	}
	rc.styleOf, rc.prefix = k, entryPathPrefix(r, k)
	rc.style = k.name + "|" + rc.base + rc.prefix + "|" + g.key
	if k.byConsole {
		rc.console = consoleOf(r)
		rc.style += "|" + rc.console
		if r.PathValue(hmcViewKey) != "" {
			rc.hmcView = true
			rc.style += "|hmc"
		}
	}
	rc.styleID = s.styles.number(rc.style)
	rc.tmpls = nil
	if k.write != nil {
		rc.tmpls = s.cache.templates(rc.style)
	}
	if !k.byConsole {
		s.lastStyle.Store(&styleMemo{k: k, base: rc.base, gkey: g.key, root: root, id: id, child: child, gproot: gproot, gpid: gpid,
			prefix: rc.prefix, style: rc.style, styleID: rc.styleID, tmpls: rc.tmpls})
	}
	rc.published()
}

// styleMemo is a style prepareEntries worked out, with what it was worked
// out from (the kind, the base URL, the path's values, the groups): a
// stream of requests of one style (creates, reads of entries) takes it as
// it is, without building the style again or looking it up. A style's
// number and templates never change once given.
type styleMemo struct {
	k                             *kind
	base, gkey                    string
	root, id, child, gproot, gpid string
	prefix, style                 string
	styleID                       uint32
	tmpls                         *tmplSet
}

// styleSet numbers the entry styles seen (up to a bound: the base URL
// comes from the request), so that a cache key holds a small number
// instead of the style (hashed and compared for every entry of a feed).
type styleSet struct {
	m sync.Map // string -> uint32
	n atomic.Uint32
}

// maxStyles bounds the styles numbered; beyond, number returns 0.
const maxStyles = 1024

// number returns style's number (from 1), or 0 when there are too many.
func (ss *styleSet) number(style string) uint32 {
	if v, ok := ss.m.Load(style); ok {
		return v.(uint32)
	}
	if ss.n.Load() >= maxStyles {
		return 0
	}
	id := ss.n.Add(1) // unique; checked before, so it never wraps
	if id > maxStyles {
		return 0
	}
	v, _ := ss.m.LoadOrStore(style, id) // another may have numbered it
	return v.(uint32)
}

// entryKey returns the cache key of o's entry as this request renders
// it.
func (s *Server) entryKey(r *http.Request, k *kind, o object, rc *renderCtx, g groupSel) cacheKey {
	s.prepareEntries(r, k, rc, g)
	key := cacheKey{uuid: o.uuid, style: rc.styleID, extra: o.extra}
	if rc.styleID == 0 {
		key.extra = rc.style + key.extra
	}
	if k.volatile != nil && k.volatile(o) {
		key.extra += "|" + strconv.FormatInt(rc.now.Unix()/60, 10)
	}
	return key
}

// appendEntryDoc appends o's entry to dst, opening with open ("<entry>",
// or entryRootOpen for a document of its own), from the cache when the
// object has not changed.
func (s *Server) appendEntryDoc(dst []byte, open string, r *http.Request, k *kind, o object, rc *renderCtx, g groupSel) []byte {
	key := s.entryKey(r, k, o, rc, g)
	dst = append(dst, open...)
	if b, ok := s.cache.appendTo(dst, key, o.rev); ok {
		return b
	}
	objs := []object{o}
	cacheable := s.gatherAux(k, objs, nil)[0]
	start := len(dst)
	var stored int
	dst, stored = s.appendEntryCached(dst, k, objs[0], rc, g, key, cacheable, true, nil)
	k.noteStoredSize(stored)
	return append(dst[:start], dst[start+len("<entry>"):]...)
}

// entryBufs are buffers to render one entry into, or to put a response
// together in.
var entryBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// writeObjectEntry answers with o's entry as a document of its own
// (appendEntryDoc), sent with a Content-Length in one write.
func (s *Server) writeObjectEntry(w http.ResponseWriter, r *http.Request, status int, k *kind, o object, rc *renderCtx, g groupSel) {
	buf := entryBufs.Get().(*[]byte)
	b := s.appendEntryDoc((*buf)[:0], entryRootOpen, r, k, o, rc, g)
	writeEntryDoc(w, r, status, b)
	*buf = b[:0]
	entryBufs.Put(buf)
}

// writeEntry answers with an entry document: body is an entry without its
// opening tag, sent with a Content-Length in one write.
func writeEntry(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	buf := entryBufs.Get().(*[]byte)
	b := append(append((*buf)[:0], entryRootOpen...), body...)
	writeEntryDoc(w, r, status, b)
	*buf = b[:0]
	entryBufs.Put(buf)
}

// writeEntryDoc answers with the entry document doc.
func writeEntryDoc(w http.ResponseWriter, r *http.Request, status int, doc []byte) {
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		writeHeld(w, r, doc)
	}
}

// writeHeld writes b, the whole of an answer, with r's connection holding
// its writes (onewrite.go): headers and body leave in one write.
func writeHeld(w http.ResponseWriter, r *http.Request, b []byte) {
	hc := holdWrites(r)
	defer hc.release() // whatever happens, the connection writes again
	w.Write(b)
}

// gatherAux reads what the objects render from besides themselves
// (kind.aux), in one read of the view, and tells for each whether its
// entry may be cached: what it read is what o.rev stands for as long as
// the object has not changed since (the core moves an object's revision
// whenever what it renders from changes); otherwise it is not cached.
// rc, when given, tells which view the objects were listed from.
func (s *Server) gatherAux(k *kind, objs []object, rc *renderCtx) []bool {
	cacheable := make([]bool, len(objs))
	if k.aux == nil {
		for i := range cacheable {
			cacheable[i] = true
		}
		return cacheable
	}
	s.core.ReadRev(func(st *model.State, rev uint64) {
		// The view the objects were listed from: they are current.
		listed := rc != nil && rc.listed && rev == rc.listedRev
		for i := range objs {
			o := &objs[i]
			if o.aux != nil {
				cacheable[i] = true
				continue
			}
			if listed {
				cacheable[i] = true
			} else {
				cur, ok := k.get(st, o.uuid)
				cacheable[i] = ok && cur.rev == o.rev
			}
			o.aux = k.aux(st, *o)
		}
	})
	return cacheable
}

// appendEntryCached renders o's entry, "<entry>" to "</entry>", onto dst
// (o.aux gathered; rc prepared for k) and, when cache says so, caches it
// (put's evict); it returns dst and what the cache stored (put's count).
// Entries that kind.write writes are written against the templates of
// their family (template.go); pk, when given, is storage for their packed
// form, kept between calls.
func (s *Server) appendEntryCached(dst []byte, k *kind, o object, rc *renderCtx, g groupSel, key cacheKey, cache, evict bool, pk *[]byte) ([]byte, int) {
	start := len(dst)
	if k.write == nil {
		dst = s.appendEntry(dst, k, o, rc, g, rc.prefix+o.uuid, false)
		if !cache {
			return dst, 0
		}
		return dst, s.cache.put(key, o.rev, dst[start+len("<entry>"):], rc.style, evict)
	}
	var scratch []byte
	if pk != nil {
		scratch = *pk
	}
	dst, e := appendWritten(append(dst, "<entry>"...), k, o, rc, g, rc.tmpls, scratch)
	n := 0
	if cache {
		n = s.cache.putWritten(key, o.rev, e, dst[start+len("<entry>"):], evict)
	}
	if pk != nil && e.packed != nil {
		*pk = e.packed[:0]
	}
	return dst, n
}

// entryHeader is the Atom header of o's entry at path.
func entryHeader(k *kind, o object, rc *renderCtx, g groupSel, path string) uom.EntryHeader {
	return uom.EntryHeader{
		ID: o.uuid, Title: k.name, Published: rc.published(),
		Links:       []uom.Link{{Rel: "SELF", Href: rc.base + path + g.query()}},
		Etag:        core.EtagOf(o.rev),
		ContentType: k.mediaType(),
	}
}

// appendEntry renders o's entry, "<entry>" to "</entry>", onto dst (o.aux
// gathered); root: as a document of its own (entryRootOpen).
func (s *Server) appendEntry(dst []byte, k *kind, o object, rc *renderCtx, g groupSel, path string, root bool) []byte {
	h := entryHeader(k, o, rc, g, path)
	dst = uom.AppendEntryStart(dst, &h, root)
	if k.write != nil {
		out := xmlOuts.Get().(*xmlOut)
		out.buf = dst
		k.write(rc, o, out, g)
		dst = out.buf
		out.buf = nil
		xmlOuts.Put(out)
	} else {
		el := k.render(rc, o)
		filterGroups(el, g)
		var b bytes.Buffer
		b.Grow(8 << 10)
		el.AppendXML(&b)
		dst = append(dst, b.Bytes()...)
	}
	return append(dst, uom.EntryEnd...)
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
	s.writeObjectEntry(w, r, http.StatusOK, k, o, rc, g)
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
	s.core.ReadRev(func(st *model.State, rev uint64) {
		rc.sys, rc.acct = st.System, st.Accounting()
		objs = s.listings.list(k, parentID, st, rev)
		rc.listed, rc.listedRev = true, rev
	})
	if keep != nil {
		var kept []object // objs may be shared (listings): not filtered in place
		for _, o := range objs {
			if keep(o) {
				kept = append(kept, o)
			}
		}
		objs = kept
	}
	// FNV-1a (64 bits) of the groups, then each object's ID and revision.
	h := fnvAdd(fnvOffset, g.key)
	var num [20]byte
	for _, o := range objs {
		h = fnvAdd(h, o.uuid)
		h = fnvAdd(h, strconv.AppendUint(num[:0], o.rev, 10))
	}
	etag := strconv.FormatUint(h>>33, 10)
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if len(objs) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	self := rc.base + r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	var head bytes.Buffer
	uom.AppendFeedStart(&head, uuid.NewMD5(uuid.NameSpaceURL, []byte(r.URL.Path)).String(),
		rc.published(), []uom.Link{{Rel: "SELF", Href: self}})
	// The entries come rendered (or from the cache) in batches, in order.
	// Up to feedLengthLimit the batches are held and the feed is sent
	// whole with a Content-Length (clients then read it in one buffer);
	// beyond, it is streamed batch by batch, so that a feed of 10,000
	// partitions never sits in memory whole.
	var held []*feedWriter
	size := head.Len() + len("</feed>")
	streaming, gone := false, false
	defer func() {
		for _, fw := range held {
			fw.release()
		}
	}()
	later := s.renderFeed(r, k, objs, rc, g, func(fw *feedWriter) bool {
		if gone {
			fw.release()
			return false
		}
		if !streaming {
			held = append(held, fw)
			// A feed whose first batch says it is twice the limit
			// is streamed from that batch on: holding batches up
			// to the limit would take a buffer more for each.
			size += len(fw.buf)
			if size <= feedLengthLimit && (len(held) > 1 ||
				int64(len(fw.buf))*int64(len(objs)) <= 2*feedLengthLimit*int64(max(len(fw.keys), 1))) {
				return true
			}
			streaming = true
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodHead {
				gone = true
				return false
			}
			w.Write(head.Bytes())
			for _, h := range held {
				if _, err := w.Write(h.buf); err != nil {
					gone = true // the client went away
				}
			}
			for _, h := range held {
				h.release()
			}
			held = held[:0]
			return !gone
		}
		// Held: the chunk's head that net/http's buffer sends leaves
		// with the rest of the batch, in one write.
		hc := holdWrites(r)
		_, err := w.Write(fw.buf)
		hc.release()
		fw.release()
		gone = err != nil
		return !gone
	})
	// The entries rendered are cached once the feed is answered.
	defer s.storeLater(later)
	if gone {
		return
	}
	if streaming {
		w.Write([]byte("</feed>"))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(head.Bytes())
	for _, h := range held {
		if _, err := w.Write(h.buf); err != nil {
			return
		}
	}
	w.Write([]byte("</feed>"))
}

// listings keeps the objects of the large feeds of kinds written
// straight to bytes (partitions) as listed from the view of a revision:
// a feed read again before anything changed is not listed and sorted
// again. The lists are shared: nothing changes them.
type listings struct {
	mu sync.Mutex
	m  map[listingKey]*listing
}

type listingKey struct {
	k      *kind
	parent string
}

type listing struct {
	rev  uint64
	objs []object
}

// minListing is the least number of objects a listing is kept for.
var minListing = 1000

// list returns k.list(st, parentID) for st, the view of revision rev.
func (ls *listings) list(k *kind, parentID string, st *model.State, rev uint64) []object {
	if k.write == nil {
		return k.list(st, parentID)
	}
	key := listingKey{k, parentID}
	ls.mu.Lock()
	l := ls.m[key]
	ls.mu.Unlock()
	if l != nil && l.rev == rev {
		return l.objs
	}
	objs := k.list(st, parentID)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if len(objs) >= minListing {
		if ls.m == nil {
			ls.m = map[listingKey]*listing{}
		}
		ls.m[key] = &listing{rev: rev, objs: objs}
	} else {
		delete(ls.m, key)
	}
	return objs
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

// fnvAdd hashes the bytes of s into h (FNV-1a).
func fnvAdd[T string | []byte](h uint64, s T) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// renderFeed renders the entries of objs in batches of auxBatch and hands
// each batch to emit, in order, until emit returns false. emit owns the
// batch (it releases it). Large feeds are rendered by a worker per CPU
// while emit writes the batches before them. It returns the cache stores
// of the entries rendered, for storeLater once the feed is answered.
func (s *Server) renderFeed(r *http.Request, k *kind, objs []object, rc *renderCtx, g groupSel, emitBatch func(*feedWriter) bool) (later []*laterStores) {
	emit := func(fw *feedWriter) bool {
		if fw.later != nil {
			later = append(later, fw.later)
			fw.later = nil
		}
		return emitBatch(fw)
	}
	s.prepareEntries(r, k, rc, g) // the workers only read rc
	rc.feedLen = len(objs)
	if k.write == nil && int64(len(objs))*k.storedSize.Load() <= s.cache.capacity()/2 {
		s.cache.expect(len(objs)) // (storeLater does for k.write's entries)
	}
	batches := (len(objs) + auxBatch - 1) / auxBatch
	workers := s.feedWorkers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, batches)
	firstCold := false
	if batches >= 4 && workers >= 2 {
		// Batches the cache holds whole are copied here, without the
		// hand-offs to and from the workers (a warm read is mostly
		// copying); the workers take over from the first batch that
		// needed rendering.
		for len(objs) > 0 {
			batch := objs[:min(auxBatch, len(objs))]
			objs = objs[len(batch):]
			fw := newFeedWriter(k, len(batch))
			s.appendEntries(fw, r, k, batch, rc, g)
			rendered := fw.rendered
			firstCold = fw.allMissed
			if !emit(fw) {
				return
			}
			if rendered {
				break
			}
		}
		batches = (len(objs) + auxBatch - 1) / auxBatch
		workers = min(workers, batches)
	}
	if batches < 4 || workers < 2 {
		for i := 0; i < len(objs); i += auxBatch {
			batch := objs[i:min(i+auxBatch, len(objs))]
			fw := newFeedWriter(k, len(batch))
			s.appendEntries(fw, r, k, batch, rc, g)
			if !emit(fw) {
				return
			}
		}
		return
	}
	type job struct {
		objs []object
		done chan *feedWriter
	}
	// order holds the batches in feed order, as many ahead of emit as
	// bound the memory in flight; jobs hands them to the workers.
	order := make(chan *job, 2*workers)
	jobs := make(chan *job, 2*workers)
	stop := make(chan struct{})
	// cold: the last batch rendered had none of its entries cached.
	var cold atomic.Bool
	cold.Store(firstCold)
	var wg sync.WaitGroup
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for i := 0; i < len(objs); i += auxBatch {
			j := &job{objs: objs[i:min(i+auxBatch, len(objs))], done: make(chan *feedWriter, 1)}
			select {
			case order <- j:
			case <-stop:
				return
			}
			jobs <- j
		}
	}()
	for range workers {
		go func() {
			defer wg.Done()
			for j := range jobs {
				fw := newFeedWriter(k, len(j.objs))
				fw.cold = cold.Load()
				select {
				case <-stop:
				default:
					s.appendEntries(fw, r, k, j.objs, rc, g)
					cold.Store(fw.allMissed)
				}
				j.done <- fw
			}
		}()
	}
	stopped := false
	for j := range order {
		fw := <-j.done
		if stopped {
			fw.release()
			continue
		}
		if !emit(fw) {
			stopped = true
			close(stop)
		}
	}
	wg.Wait()
	return later
}

// appendEntries appends the entries of objs to fw.buf: cached ones as they
// are; the others rendered, what they render from read in one go.
func (s *Server) appendEntries(fw *feedWriter, r *http.Request, k *kind, objs []object, rc *renderCtx, g groupSel) {
	fw.keys, fw.miss = fw.keys[:0], fw.miss[:0]
	fw.rendered, fw.allMissed = false, false
	for _, o := range objs {
		fw.keys = append(fw.keys, s.entryKey(r, k, o, rc, g))
	}
	// What the cache has goes in first; fw.hits[i] is where entry i ends
	// in fw.buf (-1: not cached).
	fw.hits = fw.hits[:0]
	// After a batch none of which was cached (a feed read cold), the
	// cache is asked only for the batch's first and last entries: when
	// it has neither, the batch is rendered without asking for the
	// others (a look-up that misses costs a lock and a probe of a large
	// map in memory the caches do not hold).
	skip := fw.cold && len(objs) > 2 && !s.cache.has(fw.keys[0], objs[0].rev) &&
		!s.cache.has(fw.keys[len(objs)-1], objs[len(objs)-1].rev)
	if skip {
		s.cache.misses.Add(uint64(len(objs)))
	}
	for i, o := range objs {
		if skip {
			fw.miss = append(fw.miss, o)
			fw.hits = append(fw.hits, -1)
			continue
		}
		start := len(fw.buf)
		b, ok := s.cache.appendTo(append(fw.buf, "<entry>"...), fw.keys[i], o.rev)
		if ok {
			fw.buf = b
			fw.hits = append(fw.hits, len(b))
		} else {
			fw.buf = b[:start]
			fw.miss = append(fw.miss, o)
			fw.hits = append(fw.hits, -1)
		}
	}
	if len(fw.miss) == 0 {
		return
	}
	fw.rendered = true
	fw.allMissed = len(fw.miss) == len(objs)
	cacheable := s.gatherAux(k, fw.miss, rc)
	// The entries of a feed that would take more than half the cache are
	// rendered, not cached: they would evict each other (and everything
	// else) before the next read, and the copies cost the first read.
	noCache := int64(rc.feedLen)*k.storedSize.Load() > s.cache.capacity()/2
	if len(fw.miss) == len(objs) {
		for m, o := range fw.miss {
			start := len(fw.buf)
			s.appendFeedEntry(fw, k, o, rc, g, fw.keys[m], cacheable[m] && !noCache)
			if m == 0 {
				// Room for the batch, now that an entry's size is
				// known (a kind's first feed had to guess it).
				fw.buf = slices.Grow(fw.buf, (len(objs)-1)*(len(fw.buf)-start)*9/8)
			}
		}
	} else {
		// Some were cached: the batch is put together again, in order.
		hits := fw.buf
		fw.buf = slices.Grow(fw.spare[:0], len(hits)+len(fw.miss)*int(cmp.Or(k.entrySize.Load(), 4<<10)*9/8))
		m, at := 0, 0
		for i, end := range fw.hits {
			if end >= 0 {
				fw.buf = append(fw.buf, hits[at:end]...)
				at = end
				continue
			}
			s.appendFeedEntry(fw, k, fw.miss[m], rc, g, fw.keys[i], cacheable[m] && !noCache)
			m++
		}
		fw.spare = hits
	}
	fw.sizes.note(k)
	clear(fw.miss)
}

// appendFeedEntry renders o's entry onto fw.buf and caches it when cache
// says so and it fits: an entry packed against its family's reference
// once the feed is answered (fw.later), others at once.
func (s *Server) appendFeedEntry(fw *feedWriter, k *kind, o object, rc *renderCtx, g groupSel, key cacheKey, cache bool) {
	start := len(fw.buf)
	var stored int
	if cache && k.write != nil {
		fw.buf, stored = s.appendWrittenLater(fw, k, o, rc, g, key)
	} else {
		fw.buf, stored = s.appendEntryCached(fw.buf, k, o, rc, g, key, cache, false, &fw.packed)
	}
	fw.sizes.add(len(fw.buf)-start, stored)
}

// appendWrittenLater is appendEntryCached for a feed's entry k.write
// writes: its packed form is written in the batch's slab and its store
// left for storeLater; an entry that packs badly, or becomes its
// family's reference, is stored at once. It returns fw.buf and the bytes
// the store will keep.
func (s *Server) appendWrittenLater(fw *feedWriter, k *kind, o object, rc *renderCtx, g groupSel, key cacheKey) ([]byte, int) {
	l := fw.later
	if l == nil {
		l = &laterStores{slab: make([]byte, 0, auxBatch*int(cmp.Or(k.storedSize.Load(), 1<<10))*9/8)}
		fw.later = l
	}
	start, at := len(fw.buf), len(l.slab)
	// The packed form is written in the slab's room when it fits.
	dst, e := appendWritten(append(fw.buf, "<entry>"...), k, o, rc, g, rc.tmpls, l.slab[at:at:cap(l.slab)])
	entry := dst[start+len("<entry>"):]
	if !e.storedPacked(entry) {
		return dst, s.cache.putWritten(key, o.rev, e, entry, false)
	}
	if n := len(e.packed); n <= cap(l.slab)-at && &l.slab[at : at+1][0] == &e.packed[0] {
		l.slab = l.slab[:at+n]
	} else {
		l.slab = append(l.slab, e.packed...) // it outgrew the room
	}
	l.puts = append(l.puts, laterPut{key: key, rev: o.rev, ref: e.ref, start: at, end: len(l.slab)})
	return dst, len(e.packed)
}

// laterStores are the cache stores of a batch of a feed's entries, made
// once the feed is answered (storeLater): the cache's copies and its
// shards' locks and look-ups are not on the way of the answer. The
// entries' packed forms are in one slab a batch.
type laterStores struct {
	puts []laterPut
	slab []byte
}

type laterPut struct {
	key        cacheKey
	rev        uint64
	ref        *packRef
	start, end int // the packed form, in the slab
}

// storeLater stores the entries of later in the cache, in a goroutine
// of its own: a feed's answer ends when its handler returns.
func (s *Server) storeLater(later []*laterStores) {
	if len(later) == 0 {
		return
	}
	c := s.cache
	s.storing.Add(1)
	go func() {
		defer s.storing.Done()
		n := 0
		for _, l := range later {
			n += len(l.puts)
		}
		c.expect(n)
		for _, l := range later {
			for _, p := range l.puts {
				c.putPacked(p.key, p.rev, p.ref, l.slab[p.start:p.end], false)
			}
		}
	}()
}

// batchSizes sums the sizes of a batch's entries as rendered and as
// stored, for the kind's averages: counted once a batch, not once an
// entry (the workers rendering a feed's batches at once would otherwise
// write the kind's averages from two CPUs for every entry).
type batchSizes struct{ rendered, n, stored, nStored int }

func (b *batchSizes) add(rendered, stored int) {
	b.rendered += rendered
	b.n++
	if stored > 0 {
		b.stored += stored
		b.nStored++
	}
}

// note counts the batch into k's averages, as one entry of its mean sizes.
func (b *batchSizes) note(k *kind) {
	if b.n > 0 {
		k.noteEntrySize(b.rendered / b.n)
	}
	if b.nStored > 0 {
		k.noteStoredSize(b.stored / b.nStored)
	}
	*b = batchSizes{}
}

const (
	// feedLengthLimit is the largest feed sent with a Content-Length.
	feedLengthLimit = 8 << 20
	// auxBatch is how many entries' sources are read from the view at a
	// time (one read lock each).
	auxBatch = 64
)

// feedWriter is the reusable state of a feed being written.
type feedWriter struct {
	buf   []byte
	keys  []cacheKey
	hits  []int
	spare []byte // a second buffer, to put a batch together again
	// packed is storage for an entry's packed form (appendEntryCached).
	packed []byte
	// rendered tells whether appendEntries rendered any entry (some
	// were not in the cache), allMissed whether it rendered them all.
	rendered, allMissed bool
	// cold: the batch before was rendered whole (set by renderFeed for
	// appendEntries).
	cold bool
	miss []object
	// sizes of the entries rendered (appendFeedEntry).
	sizes batchSizes
	// later are the batch's cache stores left for storeLater (renderFeed
	// takes them as the batch is emitted).
	later *laterStores
}

// feedWriters are feedWriters free for reuse. Unlike a sync.Pool's, they
// are kept across garbage collections: a large feed's batches reuse
// buffers whose pages are in memory already, instead of new ones the
// kernel must fault in and clear (a fifth of a cold 10,000-partition
// feed's CPU when they were pooled). At most as many as the batches a
// feed holds in flight are kept.
var feedWriters = make(chan *feedWriter, 16)

// newFeedWriter returns a feedWriter with room for n entries of k.
func newFeedWriter(k *kind, n int) *feedWriter {
	var fw *feedWriter
	select {
	case fw = <-feedWriters:
	default:
		fw = &feedWriter{}
	}
	fw.buf = slices.Grow(fw.buf[:0], n*int(cmp.Or(k.entrySize.Load(), 4<<10)*9/8))
	return fw
}

// release makes fw free for reuse.
func (fw *feedWriter) release() {
	clear(fw.keys)
	fw.later = nil
	select {
	case feedWriters <- fw:
	default:
	}
}

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
func readObjectBody(r *http.Request, k *kind, scr *uom.Scratch) (*uom.Element, []byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	ct := r.Header.Get("Content-Type")
	svc, typ, ok := uom.ParseMediaType(ct)
	if !ok || svc != uom.ServiceUOM || typ != k.name {
		return nil, body, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted for %s; send %s.", ct, k.name, uom.MediaType(uom.ServiceUOM, k.name))
	}
	el, err := uom.DecodeOwnedScratch(body, requestLimits, scr) // body is not changed afterwards
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

// scratches are the decoders' memory for request bodies (uom.Scratch):
// the element tree of a create's or update's body is only read while the
// request is handled (the model keeps strings, never elements).
var scratches = sync.Pool{New: func() any { return new(uom.Scratch) }}

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
	// The body's element tree is dropped when the handler returns: its
	// memory goes back to scratches for the next body.
	scr := scratches.Get().(*uom.Scratch)
	defer scratches.Put(scr)
	el, body, err := readObjectBody(r, k, scr)
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
		// object as the view has it, with what it derives from there, read
		// in the same look at the view.
		if cur, ok := k.get(st, o.uuid); ok {
			o = cur
		}
		if k.aux != nil && o.aux == nil {
			o.aux = k.aux(st, o)
		}
	})
	// Rendered for this answer only: the entry of an object just changed
	// is not cached on the chance that someone reads it later (a stream
	// of creates would fill the cache with entries nobody reads). An
	// entry kind.write writes is written against the templates of its
	// family, as the feed's entries and a read's are (a stream of creates
	// replays one).
	buf := entryBufs.Get().(*[]byte)
	if k.write != nil && !k.byConsole {
		s.prepareEntries(r, k, rc, g)
		pk := entryBufs.Get().(*[]byte) // the packed form's storage (not kept)
		var e writtenEntry
		*buf, e = appendWritten(append((*buf)[:0], entryRootOpen...), k, o, rc, g, rc.tmpls, (*pk)[:0])
		if e.packed != nil {
			*pk = e.packed[:0]
		}
		entryBufs.Put(pk)
	} else {
		if k.byConsole {
			rc.console = consoleOf(r)
		}
		*buf = s.appendEntry((*buf)[:0], k, o, rc, g, entryPath(r, k, o), true)
	}
	h := w.Header()
	h["Etag"] = []string{core.EtagOf(o.rev)}
	h["Content-Type"] = atomContentType
	h["Content-Length"] = []string{strconv.Itoa(len(*buf))}
	w.WriteHeader(status)
	writeHeld(w, r, *buf)
	entryBufs.Put(buf)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, a core.Actor) {
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
	if k.readOnly != "" {
		s.writeError(w, r, model.Invalid("%s", k.readOnly), nil)
		return
	}
	if k.update == nil {
		s.writeError(w, r, errStatus(http.StatusMethodNotAllowed, "%s objects cannot be changed.", k.name), nil)
		return
	}
	scr := scratches.Get().(*uom.Scratch) // as handleCreate's
	defer scratches.Put(scr)
	el, body, err := readObjectBody(r, k, scr)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	etag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	if etag == "*" {
		etag = ""
	}
	if err := s.checkIgnoredChanges(r, k, o, rc, etag, el, g); err != nil {
		s.writeError(w, r, err, body)
		return
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
