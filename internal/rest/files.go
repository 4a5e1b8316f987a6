package rest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The web File service (file_feed.txt, upload_file.txt): a client makes a
// File record naming what it will upload and where it goes, then sends
// the contents (chunked or not), which land as virtual optical media in a
// VIOS's repository or as the contents of a logical unit or volume (see
// core/files.go).
//
//	GET    /rest/api/web/File                 the records
//	PUT    /rest/api/web/File                 make a record (a File element)
//	GET    /rest/api/web/File/<uuid>          one record
//	DELETE /rest/api/web/File/<uuid>          remove a record
//	PUT    /rest/api/web/File/contents/<uuid> upload its contents (POST: the same)
//	GET    /rest/api/web/File/contents/<uuid> download an uploaded ISO image

// fileMediaType is the InternetMediaType of every upload (the API moves
// bytes; pypowervm always names application/octet-stream).
const fileMediaType = "application/octet-stream"

// uploadDrain bounds what is read and dropped of a refused upload so that
// the client, still sending, gets the answer.
const uploadDrain = 64 << 20

func (s *Server) fileRoutes(m *http.ServeMux, auth func(func(http.ResponseWriter, *http.Request, core.Actor)) http.HandlerFunc) {
	m.HandleFunc("GET /rest/api/web/File", auth(s.handleFileFeed))
	m.HandleFunc("PUT /rest/api/web/File", auth(s.handleFileCreate))
	m.HandleFunc("GET /rest/api/web/File/{id}", auth(s.handleFileEntry))
	m.HandleFunc("DELETE /rest/api/web/File/{id}", auth(s.handleFileDelete))
	m.HandleFunc("PUT /rest/api/web/File/contents/{id}", auth(s.handleFileUpload))
	m.HandleFunc("POST /rest/api/web/File/contents/{id}", auth(s.handleFileUpload))
	m.HandleFunc("GET /rest/api/web/File/contents/{id}", auth(s.handleFileDownload))
}

// renderFile renders a File record (web namespace), in the captures'
// order.
func renderFile(base string, f *model.File) *uom.Element {
	el := &uom.Element{Space: uom.NSWeb, Prefix: "File", Local: "File",
		NSDecls: []uom.Attr{{Local: "File", Value: uom.NSWeb}, {Local: "", Value: uom.NSWeb}, {Local: "ns2", Value: uom.NSK2}},
		Attrs:   []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}}
	atom := uom.NewElement(uom.NSWeb, "Atom").Append(
		&uom.Element{Space: uom.NSWeb, Local: "AtomID", Text: f.UUID},
		&uom.Element{Space: uom.NSWeb, Local: "AtomCreated", Text: strconv.FormatInt(f.Created, 10)})
	el.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(atom))
	el.Append(webLeaf("Filename", "COR", f.Name))
	el.Append(webLeaf("DateModified", "ROR", strconv.FormatInt(f.Created, 10)))
	el.Append(webLeaf("InternetMediaType", "COR", fileMediaType))
	el.Append(webLeaf("FileUUID", "ROR", f.UUID))
	el.Append(&uom.Element{Space: uom.NSWeb, Local: "AssetLink", Attrs: []uom.Attr{{Local: "kb", Value: "ROR"}, {Local: "kxe", Value: "false"},
		{Local: "href", Value: base + "/rest/api/web/File/contents/" + f.UUID}, {Local: "rel", Value: "related"}}})
	if f.SHA256 != "" {
		el.Append(webLeaf("SHA256", "COR", f.SHA256))
	}
	el.Append(webLeaf("ExpectedFileSizeInBytes", "COD", strconv.FormatInt(f.Expected, 10)))
	el.Append(webLeaf("CurrentFileSizeInBytes", "ROR", strconv.FormatInt(f.Size, 10)))
	el.Append(webLeaf("FileEnumType", "COR", f.Type))
	el.Append(webLeaf("TargetVirtualIOServerUUID", "COR", f.VIOS))
	if f.TargetLU != "" {
		el.Append(webLeaf("TargetDeviceUniqueDeviceID", "COR", f.TargetLU))
	}
	return el
}

func (s *Server) fileEntry(b *bytes.Buffer, r *http.Request, f *model.File, root bool) {
	base := baseURL(r)
	uom.AppendEntry(b, &uom.EntryHeader{ID: f.UUID, Title: "File", Published: s.nowStamp(),
		Links: []uom.Link{{Rel: "SELF", Href: base + "/rest/api/web/File/" + f.UUID}},
		Etag:  core.EtagOf(f.Rev), ContentType: uom.MediaType(uom.ServiceWeb, "File")}, renderFile(base, f).Bytes(), root)
}

// fileByID finds a File record whatever the case of its UUID.
func (s *Server) fileByID(id string) *model.File {
	var f *model.File
	s.core.Read(func(st *model.State) { f, _ = getObject(st, model.KindFile, id).(*model.File) })
	return f
}

func (s *Server) handleFileFeed(w http.ResponseWriter, r *http.Request, a core.Actor) {
	var files []*model.File
	s.core.Read(func(st *model.State) {
		st.Each(model.KindFile, func(o model.Object) { files = append(files, o.(*model.File)) })
	})
	if len(files) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	sort.Slice(files, func(i, j int) bool {
		return files[i].Created < files[j].Created || files[i].Created == files[j].Created && files[i].UUID < files[j].UUID
	})
	var b bytes.Buffer
	uom.AppendFeedStart(&b, uuid.NewMD5(uuid.NameSpaceURL, []byte(r.URL.Path)).String(), s.nowStamp(),
		[]uom.Link{{Rel: "SELF", Href: baseURL(r) + r.URL.Path}})
	for _, f := range files {
		s.fileEntry(&b, r, f, false)
	}
	uom.AppendFeedEnd(&b)
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (s *Server) writeFile(w http.ResponseWriter, r *http.Request, f *model.File) {
	var b bytes.Buffer
	s.fileEntry(&b, r, f, true)
	w.Header().Set("ETag", core.EtagOf(f.Rev))
	w.Header().Set("Content-Type", uom.MediaTypeAtom)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (s *Server) handleFileEntry(w http.ResponseWriter, r *http.Request, a core.Actor) {
	f := s.fileByID(r.PathValue("id"))
	if f == nil {
		s.writeError(w, r, model.ErrNoObject("File", r.PathValue("id")), nil)
		return
	}
	s.writeFile(w, r, f)
}

func (s *Server) handleFileDelete(w http.ResponseWriter, r *http.Request, a core.Actor) {
	id := r.PathValue("id")
	if f := s.fileByID(id); f != nil {
		id = f.UUID
	}
	if err := s.core.DeleteFile(a, id); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fileElements are the elements of a File a request may carry; the
// read-only ones are ignored.
var fileElements = map[string]bool{"Metadata": true, "Filename": true, "DateModified": true, "InternetMediaType": true,
	"FileUUID": true, "AssetLink": true, "AssetFile": true, "SHA256": true, "ExpectedFileSizeInBytes": true,
	"CurrentFileSizeInBytes": true, "FileEnumType": true, "TargetVirtualIOServerUUID": true, "TargetDeviceUniqueDeviceID": true}

// fileFromXML reads a File create body.
func (s *Server) fileFromXML(body []byte) (*model.File, error) {
	el, err := decodeBody(body)
	if err != nil {
		return nil, model.Invalid("The request body is not valid XML: %v", err)
	}
	if el.Space == uom.NSAtom && el.Local == "entry" {
		if c := el.Find("content"); c != nil && len(c.Children) > 0 {
			el = c.Children[0]
		}
	}
	if el.Local != "File" || el.Space != uom.NSWeb {
		return nil, model.Invalid("The request body must be a File element in namespace %s, not <%s> in %q.", uom.NSWeb, el.Local, el.Space)
	}
	var unknown []string
	for _, c := range el.Children {
		if !fileElements[c.Local] {
			unknown = append(unknown, "File/"+c.Local)
		}
	}
	if len(unknown) > 0 {
		return nil, model.Invalid("The File has elements that are not part of its schema: %s.", strings.Join(unknown, ", "))
	}
	f := &model.File{}
	f.Name, _ = textOf(el, "Filename")
	if f.Name == "" {
		return nil, model.Invalid("A File needs a Filename.")
	}
	f.Type, _ = textOf(el, "FileEnumType")
	if f.Type == "" {
		return nil, model.Invalid("The File %s needs a FileEnumType (%s or %s).", f.Name, model.FileISO, model.FileImage)
	}
	f.VIOS, _ = textOf(el, "TargetVirtualIOServerUUID")
	if f.VIOS == "" {
		return nil, model.Invalid("The File %s needs a TargetVirtualIOServerUUID.", f.Name)
	}
	if t, ok := textOf(el, "ExpectedFileSizeInBytes"); ok && t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 {
			return nil, model.Invalid("The value %q of ExpectedFileSizeInBytes is not a size in bytes.", t)
		}
		f.Expected = n
	}
	f.SHA256, _ = textOf(el, "SHA256")
	f.TargetLU, _ = textOf(el, "TargetDeviceUniqueDeviceID")
	if t, _ := textOf(el, "InternetMediaType"); t != "" && !strings.Contains(t, "/") {
		return nil, model.Invalid("The value %q of InternetMediaType is not a media type.", t)
	}
	s.core.Read(func(st *model.State) {
		if p := partitionByUUID(st, f.VIOS); p != nil {
			f.VIOS = p.UUID
		}
	})
	return f, nil
}

func (s *Server) handleFileCreate(w http.ResponseWriter, r *http.Request, a core.Actor) {
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	ct := r.Header.Get("Content-Type")
	if svc, typ, ok := uom.ParseMediaType(ct); !ok || svc != uom.ServiceWeb || typ != "File" {
		s.writeError(w, r, errStatus(http.StatusUnsupportedMediaType, "The content type %q is not accepted for a File; send %s.", ct, uom.MediaType(uom.ServiceWeb, "File")), body)
		return
	}
	f, err := s.fileFromXML(body)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	n, err := s.core.CreateFile(a, f)
	if err != nil {
		s.writeError(w, r, err, body)
		return
	}
	if cur := s.fileByID(n.UUID); cur != nil {
		n = cur
	}
	s.writeFile(w, r, n)
}

// handleFileUpload streams a File's contents into the core, which checks
// their size and checksum and lands them; a refused upload leaves
// nothing behind.
func (s *Server) handleFileUpload(w http.ResponseWriter, r *http.Request, a core.Actor) {
	f := s.fileByID(r.PathValue("id"))
	if f == nil {
		s.writeError(w, r, model.ErrNoObject("File", r.PathValue("id")), nil)
		return
	}
	if _, err := s.core.UploadFile(a, f.UUID, r.Body); err != nil {
		// What is left of the upload is read (up to uploadDrain) so the
		// client, still sending, reads the error; a body that fails on
		// the way changes nothing of it.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, uploadDrain))
		s.writeError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// noContents says a File has nothing to download.
func noContents(format string, args ...any) error {
	return &model.Error{ID: "PVME01040101-0041", Kind: model.KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

// handleFileDownload serves the contents of an uploaded ISO image (the
// virtual optical media it became).
func (s *Server) handleFileDownload(w http.ResponseWriter, r *http.Request, a core.Actor) {
	f := s.fileByID(r.PathValue("id"))
	if f == nil {
		s.writeError(w, r, model.ErrNoObject("File", r.PathValue("id")), nil)
		return
	}
	var path string
	s.core.Read(func(st *model.State) {
		if m, _ := st.Get(model.KindMedia, f.MediaUUID).(*model.OpticalMedia); m != nil && f.Complete {
			path = s.core.MediaContentPath(m)
		}
	})
	if path == "" {
		s.writeError(w, r, noContents("The File %s has no contents to download (only uploaded ISO images that are still in the repository can be read back).", f.Name), nil)
		return
	}
	fh, err := os.Open(path)
	if err != nil {
		s.writeError(w, r, noContents("The contents of File %s are gone: %v", f.Name, err), nil)
		return
	}
	defer fh.Close()
	w.Header().Set("Content-Type", fileMediaType)
	if fi, err := fh.Stat(); err == nil {
		w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		if n, err := io.Copy(&progressWriter{w: w, rc: http.NewResponseController(w), stall: s.cfg.StallTimeout}, fh); err != nil {
			// The status is sent: the client sees a short body.
			s.log.Info("download cut", "file", f.Name, "written", n, "err", err)
		}
	}
}

// progressWriter moves the connection's write deadline on as a long
// answer (a download) is written: a reader that keeps reading is fine,
// one that stops for the stall timeout is cut.
type progressWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
	last  time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	if now := time.Now(); now.Sub(p.last) > p.stall/8 {
		if err := deadlineErr(p.rc.SetWriteDeadline(now.Add(p.stall))); err != nil {
			return 0, err
		}
		p.last = now
	}
	return p.w.Write(b)
}
