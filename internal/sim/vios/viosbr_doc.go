package vios

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// The device configuration a viosbr backup (and a backupios image)
// holds: one XML document named after the VIOS's host name
// (<hostname>.xml), as a real VIOS's backup holds one per node. It records
// what -restore needs to rebuild the VIOS's virtual devices and mappings
// (UUIDs, names, UDIDs, slots, LUAs, WWPNs) and what -view prints.

// docVersion is the version of the document's layout.
const docVersion = 1

type backupDoc struct {
	XMLName     xml.Name        `xml:"vios-config"`
	Version     int             `xml:"version,attr"`
	Node        nodeXML         `xml:"node"`
	Controllers []controllerXML `xml:"controllers>controller"`
	PVs         []pvXML         `xml:"physicalVolumes>pv"`
	VGs         []vgXML         `xml:"storagePools>volumeGroup"`
	Repository  *repoXML        `xml:"opticalRepository"`
	Cluster     *clusterXML     `xml:"cluster"`
	SVSAs       []svsaXML       `xml:"vscsi>svsa"`
	SVFCs       []svfcXML       `xml:"npiv>svfc"`
	SEAs        []seaXML        `xml:"net>sea"`
}

type nodeXML struct {
	Hostname      string `xml:"hostname,attr"`
	PartitionID   int    `xml:"partitionID,attr"`
	PartitionName string `xml:"partitionName,attr"`
	UUID          string `xml:"uuid,attr"`
	MTMS          string `xml:"mtms,attr"`
	IOSLevel      string `xml:"ioslevel,attr"`
	Date          string `xml:"date,attr"` // RFC 3339, UTC
}

type controllerXML struct {
	Name     string `xml:"name,attr"`
	Type     string `xml:"type,attr"` // fc or ent
	Location string `xml:"physloc,attr,omitempty"`
	WWPN     string `xml:"wwpn,attr,omitempty"`
	MaxNPIV  int    `xml:"maxNPIV,attr,omitempty"`
}

type pvXML struct {
	Name        string `xml:"name,attr"`
	UUID        string `xml:"uuid,attr"`
	UDID        string `xml:"udid,attr"`
	PVID        string `xml:"pvid,attr"`
	SizeMB      int    `xml:"sizeMB,attr"`
	Location    string `xml:"physloc,attr,omitempty"`
	Description string `xml:"description,attr,omitempty"`
	VG          string `xml:"vg,attr,omitempty"`
	Cluster     bool   `xml:"cluster,attr,omitempty"`
	FC          bool   `xml:"fc,attr,omitempty"`
}

type vgXML struct {
	Name       string      `xml:"name,attr"`
	UUID       string      `xml:"uuid,attr"`
	PPSizeMB   int         `xml:"ppSizeMB,attr"`
	SerialID   string      `xml:"serialID,attr"`
	ReservedMB int         `xml:"reservedMB,attr,omitempty"`
	Created    int64       `xml:"created,attr,omitempty"`
	Default    bool        `xml:"default,attr,omitempty"`
	Members    []memberXML `xml:"member"`
	LVs        []lvXML     `xml:"lv"`
}

type memberXML struct {
	Name string `xml:"name,attr"`
	UUID string `xml:"uuid,attr"`
}

type lvXML struct {
	Name   string `xml:"name,attr"`
	UUID   string `xml:"uuid,attr"`
	UDID   string `xml:"udid,attr"`
	SizeMB int    `xml:"sizeMB,attr"`
	Label  string `xml:"label,attr,omitempty"`
}

type repoXML struct {
	Name   string     `xml:"name,attr"`
	VG     string     `xml:"parentSP,attr"`
	VGUUID string     `xml:"parentUUID,attr"`
	SizeMB int        `xml:"sizeMB,attr"`
	Media  []mediaXML `xml:"media"`
}

type mediaXML struct {
	Name      string `xml:"name,attr"`
	UUID      string `xml:"uuid,attr"`
	UDID      string `xml:"udid,attr"`
	SizeMB    int    `xml:"sizeMB,attr"`
	MountType string `xml:"access,attr"`
}

type clusterXML struct {
	Name string  `xml:"name,attr"`
	ID   string  `xml:"id,attr"`
	UUID string  `xml:"uuid,attr"`
	Pool poolXML `xml:"pool"`
}

type poolXML struct {
	Name string  `xml:"name,attr"`
	UUID string  `xml:"uuid,attr"`
	UDID string  `xml:"udid,attr"`
	Tier string  `xml:"tier,attr"`
	LUs  []luXML `xml:"lu"`
}

type luXML struct {
	Name       string `xml:"name,attr"`
	UUID       string `xml:"uuid,attr"`
	UDID       string `xml:"udid,attr"`
	SizeMB     int    `xml:"sizeMB,attr"`
	Thin       bool   `xml:"thin,attr"`
	Type       string `xml:"type,attr"`
	ClonedFrom string `xml:"clonedFrom,attr,omitempty"`
}

type svsaXML struct {
	Name       string   `xml:"name,attr"`
	UUID       string   `xml:"uuid,attr,omitempty"` // the adapter pair's own record (no target devices)
	Location   string   `xml:"physloc,attr"`
	ServerSlot int      `xml:"serverSlot,attr"`
	ClientSlot int      `xml:"clientSlot,attr"`
	ClientID   int      `xml:"clientID,attr"`
	ClientName string   `xml:"clientName,attr"`
	ClientUUID string   `xml:"clientUUID,attr"`
	Created    int64    `xml:"created,attr,omitempty"`
	VTDs       []vtdXML `xml:"vtd"`
}

type vtdXML struct {
	Name        string `xml:"name,attr"`
	UUID        string `xml:"uuid,attr"`
	LUA         string `xml:"lun,attr"`
	Backing     string `xml:"backingType,attr"` // PV, LV, VOPT, LU
	BackingUUID string `xml:"backingUUID,attr,omitempty"`
	BackingName string `xml:"backingDevice,attr,omitempty"`
	BackingUDID string `xml:"backingUDID,attr,omitempty"`
	BackingLoc  string `xml:"backingPhysloc,attr,omitempty"`
	Created     int64  `xml:"created,attr,omitempty"`
}

type svfcXML struct {
	Name       string `xml:"name,attr"`
	UUID       string `xml:"uuid,attr"`
	Location   string `xml:"physloc,attr"`
	ServerSlot int    `xml:"serverSlot,attr"`
	ClientSlot int    `xml:"clientSlot,attr"`
	ClientID   int    `xml:"clientID,attr"`
	ClientName string `xml:"clientName,attr"`
	ClientUUID string `xml:"clientUUID,attr"`
	Port       string `xml:"fcAdapter,attr,omitempty"`
	PortLoc    string `xml:"fcPhysloc,attr,omitempty"`
	WWPNs      string `xml:"wwpns,attr"` // the client adapter's pair, comma-separated
	Created    int64  `xml:"created,attr,omitempty"`
}

type seaXML struct {
	Name     string     `xml:"name,attr"`
	Backing  string     `xml:"targetAdapter,attr"`
	Location string     `xml:"physloc,attr,omitempty"`
	PVID     int        `xml:"pvid,attr"`
	SwitchID int        `xml:"switchID,attr"`
	Primary  bool       `xml:"primary,attr"`
	HAMode   string     `xml:"haMode,attr,omitempty"`
	Bridge   string     `xml:"bridgeUUID,attr"`
	Trunks   []trunkXML `xml:"trunk"`
}

type trunkXML struct {
	Name     string `xml:"name,attr"`
	UUID     string `xml:"uuid,attr"`
	Location string `xml:"physloc,attr"`
	Slot     int    `xml:"slot,attr"`
	PVID     int    `xml:"pvid,attr"`
	Tagged   string `xml:"vlans,attr,omitempty"`
	Priority int    `xml:"priority,attr,omitempty"`
}

// docOptions leave parts of the device tree out (backupios -nomedialib,
// -nosvg).
type docOptions struct {
	noMediaLib bool // the media repository and its media
	noSVG      bool // user volume groups (all but rootvg)
}

// hostname is the VIOS's host name (the simulated VIOS is named after
// its partition).
func hostname(v *model.Partition) string { return v.Name }

// buildDoc records the VIOS's devices as they are in the transaction.
func (c *cli) buildDoc(opt docOptions) *backupDoc {
	tx, v := c.tx, c.v
	sys := tx.System()
	d := &backupDoc{Version: docVersion, Node: nodeXML{Hostname: hostname(v), PartitionID: v.ID, PartitionName: v.Name,
		UUID: v.UUID, MTMS: sys.Type + "-" + sys.Model + "*" + sys.Serial, IOSLevel: iosLevel(v),
		Date: tx.Now().UTC().Format(time.RFC3339)}}
	// Controllers: the physical Ethernet ports of the SEAs and the FC ports.
	seen := map[string]bool{}
	for _, b := range bridges(tx) {
		for _, s := range b.SEAs {
			if s.VIOS == v.UUID && s.Backing != "" && !seen[s.Backing] {
				seen[s.Backing] = true
				d.Controllers = append(d.Controllers, controllerXML{Name: s.Backing, Type: "ent", Location: s.Port})
			}
		}
	}
	for _, p := range FCPorts(tx, v.UUID) {
		d.Controllers = append(d.Controllers, controllerXML{Name: p.Name, Type: "fc", Location: p.Location, WWPN: p.WWPN, MaxNPIV: p.MaxNPIV})
	}
	sort.SliceStable(d.Controllers, func(i, j int) bool { return devLess(d.Controllers[i].Name, d.Controllers[j].Name) })
	vgName := map[string]string{}
	for _, vg := range VGs(tx, v.UUID) {
		vgName[vg.UUID] = vg.Name
	}
	for _, p := range PVs(tx, v.UUID) {
		d.PVs = append(d.PVs, pvXML{Name: p.Name, UUID: p.UUID, UDID: p.UDID, PVID: p.PVID, SizeMB: p.CapacityMB,
			Location: p.Location, Description: p.Description, VG: vgName[p.VG], Cluster: p.Cluster, FC: p.FC})
	}
	for _, vg := range VGs(tx, v.UUID) {
		root := vg.Name == "rootvg" || vg.ReservedMB > 0
		if opt.noSVG && !root {
			continue
		}
		x := vgXML{Name: vg.Name, UUID: vg.UUID, PPSizeMB: vg.PPSize, SerialID: vg.SerialID, ReservedMB: vg.ReservedMB,
			Created: vg.Created, Default: root}
		for _, id := range vg.PVs {
			name := id
			if p, _ := tx.Get(model.KindPV, id).(*model.PhysicalVolume); p != nil {
				name = p.Name
			}
			x.Members = append(x.Members, memberXML{Name: name, UUID: id})
		}
		for _, l := range LVs(tx, vg.UUID) {
			x.LVs = append(x.LVs, lvXML{Name: l.Name, UUID: l.UUID, UDID: l.UDID, SizeMB: l.CapacityMB, Label: l.Label})
		}
		d.VGs = append(d.VGs, x)
		if vg.RepositoryMB > 0 && !opt.noMediaLib {
			r := &repoXML{Name: vg.RepositoryName, VG: vg.Name, VGUUID: vg.UUID, SizeMB: vg.RepositoryMB}
			for _, m := range Media(tx, v.UUID) {
				r.Media = append(r.Media, mediaXML{Name: m.Name, UUID: m.UUID, UDID: m.UDID, SizeMB: m.SizeMB, MountType: m.MountType})
			}
			d.Repository = r
		}
	}
	if cl := c.myCluster(); cl != nil {
		if ssp, _ := tx.Get(model.KindSSP, cl.SSP).(*model.SharedStoragePool); ssp != nil {
			x := &clusterXML{Name: cl.Name, ID: cl.ID, UUID: cl.UUID,
				Pool: poolXML{Name: ssp.Name, UUID: ssp.UUID, UDID: ssp.UDID, Tier: ssp.TierName}}
			for _, l := range LUs(tx, ssp.UUID) {
				x.Pool.LUs = append(x.Pool.LUs, luXML{Name: l.Name, UUID: l.UUID, UDID: l.UDID, SizeMB: l.CapacityMB,
					Thin: l.Thin, Type: l.Type, ClonedFrom: l.ClonedFrom})
			}
			d.Cluster = x
		}
	}
	for _, h := range vhosts(tx, v.UUID) {
		client := tx.Partition(h.client)
		x := svsaXML{Name: h.name, Location: c.loc(v.ID, h.server), ServerSlot: h.server, ClientSlot: h.clientSlot,
			ClientUUID: h.client}
		if client != nil {
			x.ClientID, x.ClientName = client.ID, client.Name
		}
		if len(h.maps) == 0 {
			for _, m := range SCSIMappings(tx, v.UUID) {
				if m.ServerSlot == h.server && m.Backing == "" {
					x.UUID, x.Created = m.UUID, m.Created
				}
			}
		}
		for _, m := range h.maps {
			t := vtdXML{Name: m.Target, UUID: m.UUID, LUA: m.LUA, Backing: m.Backing, BackingUUID: m.BackingID, Created: m.Created}
			switch m.Backing {
			case model.BackPV:
				if p, _ := tx.Get(model.KindPV, m.BackingID).(*model.PhysicalVolume); p != nil {
					t.BackingName, t.BackingUDID, t.BackingLoc = p.Name, p.UDID, p.Location
				}
			case model.BackLV:
				if l, _ := tx.Get(model.KindLV, m.BackingID).(*model.LogicalVolume); l != nil {
					t.BackingName, t.BackingUDID = l.Name, l.UDID
				}
			case model.BackMedia:
				if o, _ := tx.Get(model.KindMedia, m.BackingID).(*model.OpticalMedia); o != nil {
					t.BackingName = o.Name
				}
			case model.BackLU:
				if l, _ := tx.Get(model.KindLU, m.BackingID).(*model.LogicalUnit); l != nil {
					t.BackingName, t.BackingUDID = l.Name, l.UDID
				}
			case model.BackRBD:
				if r, _ := tx.Get(model.KindRBDImage, m.BackingID).(*model.RBDImage); r != nil {
					t.BackingName = r.Path()
				}
			}
			x.VTDs = append(x.VTDs, t)
		}
		d.SVSAs = append(d.SVSAs, x)
	}
	ports := map[string]*model.FCPort{}
	for _, p := range FCPorts(tx, v.UUID) {
		ports[p.Name] = p
	}
	fcs := FCMappings(tx, v.UUID)
	sort.SliceStable(fcs, func(i, j int) bool { return devLess(fcs[i].VFCHost, fcs[j].VFCHost) })
	for _, m := range fcs {
		x := svfcXML{Name: m.VFCHost, UUID: m.UUID, Location: c.loc(v.ID, m.ServerSlot), ServerSlot: m.ServerSlot,
			ClientSlot: m.ClientSlot, ClientUUID: m.Client, Port: m.Port, WWPNs: strings.Join(m.WWPNs, ","), Created: m.Created}
		if client := tx.Partition(m.Client); client != nil {
			x.ClientID, x.ClientName = client.ID, client.Name
		}
		if p := ports[m.Port]; p != nil {
			x.PortLoc = p.Location
		}
		d.SVFCs = append(d.SVFCs, x)
	}
	for _, b := range bridges(tx) {
		for _, s := range b.SEAs {
			if s.VIOS != v.UUID {
				continue
			}
			x := seaXML{Name: s.Device, Backing: s.Backing, Location: s.Port, PVID: b.PVID, SwitchID: b.SwitchID,
				Primary: s.Primary, HAMode: s.HAMode, Bridge: b.UUID}
			for _, id := range s.Trunks {
				a, _ := tx.Get(model.KindAdapter, id).(*model.EthernetAdapter)
				if a == nil {
					continue
				}
				x.Trunks = append(x.Trunks, trunkXML{Name: a.Device, UUID: a.UUID, Location: c.loc(v.ID, a.Slot) + "-T1",
					Slot: a.Slot, PVID: a.PVID, Tagged: model.FormatVLANList(a.Tagged), Priority: a.TrunkPriority})
			}
			d.SEAs = append(d.SEAs, x)
		}
	}
	sort.SliceStable(d.SEAs, func(i, j int) bool { return devLess(d.SEAs[i].Name, d.SEAs[j].Name) })
	return d
}

// bridges returns the network bridges by UUID.
func bridges(tx Tx) []*model.NetworkBridge {
	out := collect[*model.NetworkBridge](tx, model.KindBridge, nil)
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out
}

// xmlName is the name of the document in an archive.
func (d *backupDoc) xmlName() string { return d.Node.Hostname + ".xml" }

func (d *backupDoc) encode() ([]byte, error) {
	b, err := xml.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}

// ---- archives ------------------------------------------------------------------

// member is a file of an archive.
type member struct {
	name string
	data []byte
}

// makeArchive writes a tar (gzip-compressed when gz) of the members,
// dated now.
func makeArchive(members []member, now time.Time, gz bool) ([]byte, error) {
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		zw.ModTime = now
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), ModTime: now, Typeflag: tar.TypeReg,
			Uname: "padmin", Gname: "staff", Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(m.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// maxArchive bounds what is read out of an archive.
const maxArchive = 64 << 20

// readArchive reads the members of a tar, gzip-compressed or not.
func readArchive(data []byte) ([]member, error) {
	var r io.Reader = bytes.NewReader(data)
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	tr := tar.NewReader(io.LimitReader(r, maxArchive))
	var out []member
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out = append(out, member{hdr.Name, b})
	}
	if len(out) == 0 {
		return nil, errors.New("the archive holds no file")
	}
	return out, nil
}

// parseBackup reads the device document out of a backup archive.
func parseBackup(data []byte) (*backupDoc, error) {
	members, err := readArchive(data)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if path.Ext(m.name) != ".xml" {
			continue
		}
		var d backupDoc
		if err := xml.Unmarshal(m.data, &d); err != nil {
			return nil, fmt.Errorf("%s: %v", m.name, err)
		}
		if d.Version != docVersion {
			return nil, fmt.Errorf("%s: version %d is not supported (this level reads version %d)", m.name, d.Version, docVersion)
		}
		if d.Node.UUID == "" || d.Node.PartitionID <= 0 {
			return nil, fmt.Errorf("%s: the node's partition ID and UUID are missing", m.name)
		}
		return &d, nil
	}
	return nil, errors.New("the archive holds no device configuration (.xml)")
}

// sizeStr prints megabytes.
func sizeStr(mb int) string { return strconv.Itoa(mb) }
