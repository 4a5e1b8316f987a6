package vom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/storage"
	"github.com/novalink-project/novalink/uom"
)

// File types of the REST API's /web/File.
const fileISO = "BROKERED_MEDIA_ISO"

// octetStream is the contents' media type.
const octetStream = "application/octet-stream"

func (s *state) uploadCommand() *cobra.Command {
	var name, viosSpec, data string
	cmd := &cobra.Command{
		Use:   "upload",
		Short: "Upload an ISO file as virtual optical media",
		Long: "Upload an ISO file (--data) into the virtual media repository of a Virtual I/O Server\n" +
			"(--parent-id or --vios, a name or name=, id=, uuid=) as virtual optical media named\n" +
			"--name (at most 37 characters). The file is sent as it is read, with its size and SHA-256\n" +
			"checksum for the server to check; the bytes sent show on standard error as they go.",
		Example: "  pvmctl media upload --name config_vm1.iso -p name=vios1 --data /tmp/config.iso",
		RunE: func(cmd *cobra.Command, args []string) error {
			a := s.a
			if err := storage.NoArgs(args); err != nil {
				return err
			}
			if err := checkName("--name", name); err != nil {
				return err
			}
			if viosSpec == "" {
				viosSpec = s.parent
			}
			if err := storage.Required("--parent-id", viosSpec, "the Virtual I/O Server"); err != nil {
				return err
			}
			if err := storage.Required("--data", data, "the ISO file to upload"); err != nil {
				return err
			}
			f, size, sum, err := openData(data)
			if err != nil {
				return err
			}
			defer f.Close()
			v, err := storage.FindVIOS(a, "--vios", viosSpec, true)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			rec := uom.NewElement(uom.NSWeb, "File")
			rec.Prefix = "File"
			rec.NSDecls = []uom.Attr{{Local: "File", Value: uom.NSWeb}, {Local: "", Value: uom.NSWeb}}
			rec.Attrs = []uom.Attr{{Local: "schemaVersion", Value: "V1_0"}}
			leaf := func(local, text string) *uom.Element {
				return &uom.Element{Space: uom.NSWeb, Local: local, Text: text}
			}
			rec.Append(uom.NewElement(uom.NSWeb, "Metadata").Append(uom.NewElement(uom.NSWeb, "Atom")),
				leaf("Filename", name), leaf("InternetMediaType", octetStream), leaf("SHA256", sum),
				leaf("ExpectedFileSizeInBytes", fmt.Sprint(size)), leaf("FileEnumType", fileISO),
				leaf("TargetVirtualIOServerUUID", v.ID))
			created, err := c.Create(a.Context(), "/rest/api/web/File", rec)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Out(), "Uploading %s (%d bytes) to %s, this may take a few minutes.\n", data, size, storage.Name(v))
			id := created.ID
			if created.Content != nil {
				if u, ok := created.Content.FindText("FileUUID"); ok && u != "" {
					id = u
				}
			}
			hdr := http.Header{}
			hdr.Set("Content-Type", octetStream)
			hdr.Set("Accept", uom.MediaType(uom.ServiceWeb, "File"))
			prog := a.NewProgress("Uploading "+name, size)
			_, uerr := c.DoStream(a.Context(), http.MethodPut, "/rest/api/web/File/contents/"+id, hdr, prog.Reader(f), size)
			prog.Close()
			// The file record goes whatever happened (NovaLink keeps a
			// limited number of them); the media stays when it landed.
			derr := c.Delete(context.WithoutCancel(a.Context()), "/rest/api/web/File/"+id, "")
			if uerr != nil && a.Context().Err() != nil {
				return app.Interrupted("the upload was stopped before it ended; no media was added.")
			}
			if uerr != nil {
				return uerr
			}
			if derr != nil {
				fmt.Fprintf(a.Env.Stderr, "pvmctl: warning: the file record %s could not be deleted: %v\n", id, derr)
			}
			fmt.Fprintf(a.Out(), "Virtual optical media %s upload successful.\n", name)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "name of the new media, at most 37 characters (required)")
	fl.StringVar(&viosSpec, "vios", "", "the Virtual I/O Server: a name, or name=, id=, uuid= (the same as --parent-id)")
	app.ParentFlag(cmd, &s.parent, "the Virtual I/O Server: name=, id=, uuid= (or --vios; required)")
	fl.StringVar(&data, "data", "", "the ISO file to upload (required)")
	return cmd
}

// openData opens the file to upload and reads it once for its SHA-256;
// the file is left at its start.
func openData(path string) (*os.File, int64, string, error) {
	bad := func(why string) error {
		return app.Usage("PVME01040123-0120", "The file %s of --data cannot be uploaded: %s.", path, why)
	}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, 0, "", bad("it does not exist")
		}
		if os.IsPermission(err) {
			return nil, 0, "", bad("it cannot be read (permission denied)")
		}
		return nil, 0, "", bad(err.Error())
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, "", bad("it is not a regular file")
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, "", bad(err.Error())
	}
	return f, n, hex.EncodeToString(h.Sum(nil)), nil
}
