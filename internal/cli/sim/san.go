package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

// pvmctl sim san: the storage outside the server (the SAN a tester
// plays) over /rest/api/sim/san.

// SAN is the whole SAN as the control shows it.
type SAN struct {
	Fabrics []Fabric  `json:"fabrics"`
	Arrays  []Array   `json:"arrays"`
	LUNs    []Volume  `json:"luns"`
	Targets []Target  `json:"iscsiTargets"`
	RBD     []RBD     `json:"rbd"`
	Cabling []Cabling `json:"cabling"`
}

// Fabric is a fabric and its zones.
type Fabric struct {
	Name  string `json:"name"`
	Zones []Zone `json:"zones"`
}

// Zone is a zone of a fabric.
type Zone struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Array is a storage array.
type Array struct {
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Ports   []struct {
		WWPN   string `json:"wwpn"`
		Fabric string `json:"fabric"`
	} `json:"ports"`
	Hosts []Host `json:"hosts"`
}

// Host is a host definition of an array.
type Host struct {
	Name      string   `json:"name"`
	WWPNs     []string `json:"wwpns"`
	VIOS      string   `json:"vios,omitempty"`
	Partition string   `json:"partition,omitempty"`
}

// Volume is a volume of the SAN.
type Volume struct {
	Name      string `json:"name"`
	SizeMB    int    `json:"sizeMB"`
	NAA       string `json:"naa"`
	UDID      string `json:"udid"`
	Shared    bool   `json:"shared"`
	Array     string `json:"array,omitempty"`
	Hosts     []Map  `json:"hosts,omitempty"`
	Target    string `json:"target,omitempty"`
	TargetLUN *int   `json:"targetLUN,omitempty"`
	Disks     []struct {
		VIOS   string `json:"vios"`
		Disk   string `json:"disk"`
		System string `json:"system,omitempty"` // in a fleet: another system's VIOS
	} `json:"disks"`
}

// Map is a volume's mapping to a host.
type Map struct {
	Host string `json:"host"`
	LUN  int    `json:"lun"`
}

// Target is an iSCSI target.
type Target struct {
	IQN        string   `json:"iqn"`
	Portals    []string `json:"portals"`
	CHAPUser   string   `json:"chapUser,omitempty"`
	CHAP       bool     `json:"chap"`
	Initiators []string `json:"initiators"`
	LUNs       []Volume `json:"luns"`
}

// RBD is an RBD image.
type RBD struct {
	Pool   string `json:"pool"`
	Name   string `json:"name"`
	SizeMB int    `json:"sizeMB"`
}

// Cabling puts a VIOS port on a fabric.
type Cabling struct {
	VIOS   string `json:"vios"`
	Port   string `json:"port"`
	WWPN   string `json:"wwpn"`
	Fabric string `json:"fabric"`
}

// Initiator is what an initiator sees.
type Initiator struct {
	WWPN     string   `json:"wwpn"`
	Owner    string   `json:"owner"`
	Fabric   string   `json:"fabric"`
	LoggedIn bool     `json:"loggedIn"`
	Targets  []string `json:"targets"`
	Paths    []struct {
		Volume string `json:"volume"`
		Array  string `json:"array"`
		Target string `json:"target"`
		LUN    int    `json:"lun"`
	} `json:"paths"`
}

// ParseSizeMB reads a size: megabytes, or a number with M, G or T.
func ParseSizeMB(s string) (int, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(v, "TB"), strings.HasSuffix(v, "T"):
		mult, v = 1024*1024, strings.TrimRight(v, "TB")
	case strings.HasSuffix(v, "GB"), strings.HasSuffix(v, "G"):
		mult, v = 1024, strings.TrimRight(v, "GB")
	case strings.HasSuffix(v, "MB"), strings.HasSuffix(v, "M"):
		v = strings.TrimRight(v, "MB")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f*mult > 1<<40 {
		return 0, fmt.Errorf("%q is not a size (examples: 20G, 512M, 10240)", s)
	}
	return int(math.Ceil(f * mult)), nil
}

// sanCall sends a request to the SAN control and decodes its answer
// into out (nil: none expected).
func sanCall(a *app.App, method, path string, body any, out any) error {
	c, err := a.Client()
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("Accept", "application/json")
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
		h.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(a.Context(), method, Root+"/san"+path, h, b)
	if err != nil {
		return err
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("the server's answer is not what the SAN control sends: %v", err)
		}
	}
	return nil
}

func sizeText(mb int) string {
	if mb%1024 == 0 {
		return strconv.Itoa(mb/1024) + "G"
	}
	return strconv.Itoa(mb) + "M"
}

func sanCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "san",
		Short: "Show and change the simulated SAN: fabrics, arrays, hosts, volumes, iSCSI targets, RBD images",
		Long: "The storage outside the simulated server, as a storage backend (Cinder's) sees it: Fibre Channel\n" +
			"fabrics and their zoning, arrays with target ports and host definitions, volumes mapped to hosts\n" +
			"by LUN number, iSCSI targets with CHAP and LUNs, RBD images. A VIOS learns a volume only by\n" +
			"discovery (LUARecovery, cfgdev, an iSCSI login). Without a subcommand it lists the SAN.\n\n" +
			"In a fleet (pvmd --fleet, --systems) the SAN is the fleet's one SAN: every system's PVM_URL shows\n" +
			"and changes the same fabrics, arrays, volumes, targets and images, each system's VIOS ports are on\n" +
			"its fabrics, and a host may list ports of several systems; a volume's disks are listed with the\n" +
			"managed system of a VIOS that is not PVM_URL's (SYSTEM/VIOS:DISK). The cabling shown is PVM_URL's.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := getSAN(a)
			if err != nil {
				return err
			}
			return printSAN(a, s)
		},
	}
	cmd.AddCommand(sanListCommand(a), lunCommand(a), hostCommand(a), zoneCommand(a), targetCommand(a), rbdCommand(a),
		initiatorCommand(a))
	return cmd
}

func sanListCommand(a *app.App) *cobra.Command {
	return listVerb(a, listOpts{use: "list", short: "List the SAN: volumes, hosts, fabrics and cabling, iSCSI targets, RBD images"},
		func(*client.Client) (SAN, error) { return getSAN(a) }, printSAN)
}

// getSAN reads the whole SAN.
func getSAN(a *app.App) (SAN, error) {
	var s SAN
	err := sanCall(a, http.MethodGet, "", nil, &s)
	return s, err
}

func printSAN(a *app.App, s SAN) error {
	w := a.Width()
	if err := printVolumes(a, s.LUNs); err != nil {
		return err
	}
	var rows [][]string
	for _, arr := range s.Arrays {
		for _, h := range arr.Hosts {
			follows := ""
			switch {
			case h.VIOS != "":
				follows = "VIOS " + h.VIOS
			case h.Partition != "":
				follows = "partition " + h.Partition
			}
			rows = append(rows, []string{arr.Name, h.Name, follows, strings.Join(h.WWPNs, ",")})
		}
	}
	fmt.Fprintln(a.Out())
	if err := printer.Table(a.Out(), "SAN Hosts", []string{"Array", "Host", "Follows", "WWPNs"}, rows, w); err != nil {
		return err
	}
	rows = nil
	for _, arr := range s.Arrays {
		for _, p := range arr.Ports {
			rows = append(rows, []string{"array " + arr.Name, strings.ToLower(p.WWPN), p.Fabric})
		}
	}
	for _, c := range s.Cabling {
		rows = append(rows, []string{c.VIOS + " " + c.Port, c.WWPN, c.Fabric})
	}
	fmt.Fprintln(a.Out())
	if err := printer.Table(a.Out(), "SAN Ports", []string{"Port", "WWPN", "Fabric"}, rows, w); err != nil {
		return err
	}
	rows = nil
	for _, f := range s.Fabrics {
		if len(f.Zones) == 0 {
			rows = append(rows, []string{f.Name, "(open: every port sees every other)", ""})
		}
		for _, z := range f.Zones {
			rows = append(rows, []string{f.Name, z.Name, strings.Join(z.Members, ",")})
		}
	}
	fmt.Fprintln(a.Out())
	if err := printer.Table(a.Out(), "SAN Fabrics", []string{"Fabric", "Zone", "Members"}, rows, w); err != nil {
		return err
	}
	if len(s.Targets) > 0 {
		rows = nil
		for _, t := range s.Targets {
			var luns []string
			for _, l := range t.LUNs {
				luns = append(luns, fmt.Sprintf("%d:%s(%s)", *l.TargetLUN, l.Name, sizeText(l.SizeMB)))
			}
			chap := "none"
			if t.CHAP {
				chap = "CHAP " + t.CHAPUser
			}
			rows = append(rows, []string{t.IQN, strings.Join(t.Portals, ","), chap, strings.Join(luns, " ")})
		}
		fmt.Fprintln(a.Out())
		if err := printer.Table(a.Out(), "iSCSI Targets", []string{"IQN", "Portals", "Auth", "LUNs"}, rows, w); err != nil {
			return err
		}
	}
	if len(s.RBD) > 0 {
		rows = nil
		for _, r := range s.RBD {
			rows = append(rows, []string{r.Pool, r.Name, sizeText(r.SizeMB)})
		}
		fmt.Fprintln(a.Out())
		return printer.Table(a.Out(), "RBD Images", []string{"Pool", "Image", "Size"}, rows, w)
	}
	return nil
}

func printVolumes(a *app.App, vols []Volume) error {
	var rows [][]string
	for _, v := range vols {
		var maps, disks []string
		for _, m := range v.Hosts {
			maps = append(maps, m.Host+":"+strconv.Itoa(m.LUN))
		}
		for _, d := range v.Disks {
			if d.System != "" {
				disks = append(disks, d.System+"/"+d.VIOS+":"+d.Disk)
				continue
			}
			disks = append(disks, d.VIOS+":"+d.Disk)
		}
		where := v.Array
		if v.Target != "" {
			where = v.Target
			maps = []string{"LUN " + strconv.Itoa(*v.TargetLUN)}
		}
		shared := ""
		if v.Shared {
			shared = "yes"
		}
		rows = append(rows, []string{v.Name, sizeText(v.SizeMB), where, strings.Join(maps, " "), shared, v.NAA, strings.Join(disks, " ")})
	}
	return printer.Table(a.Out(), "SAN Volumes", []string{"Name", "Size", "Array", "Hosts:LUN", "Shared", "Page 83 NAA", "Disks"}, rows, a.Width())
}

// hostLUN reads HOST[:LUN] (no LUN: the host's lowest free one).
func hostLUN(s string) (string, *int, error) {
	name, lun, has := strings.Cut(s, ":")
	if name == "" {
		return "", nil, app.Usage("PVME01050505-0020", "The host %q is not valid: give HOST or HOST:LUN.", s)
	}
	if !has {
		return name, nil, nil
	}
	n, err := strconv.Atoi(lun)
	if err != nil || n < 0 {
		return "", nil, app.Usage("PVME01050505-0021", "The LUN number %q of host %s is not valid: give 0 to 16383.", lun, name)
	}
	return name, &n, nil
}

func lunCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{Use: "lun", Short: "Make, list, map, unmap, grow and delete SAN volumes"}
	var name, size, array, naa, target string
	var hosts, wwpns []string
	var shared bool
	var targetLUN int
	create := &cobra.Command{
		Use:   "create",
		Short: "Make a volume on an array and map it to hosts (or behind an iSCSI target)",
		Long: "Make a volume: --size (20G, 512M) on --array (default storwize1), mapped to each --host NAME[:LUN]\n" +
			"(no LUN: the host's lowest free one); --wwpn names initiators instead of a host: the volume goes to the\n" +
			"array's host made of them, defined when the array has none. --target IQN --target-lun N puts it\n" +
			"behind an iSCSI target instead. --shared lets several partitions map it at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || size == "" {
				return app.Usage("PVME01050505-0022", "A volume needs --name and --size.")
			}
			mb, err := ParseSizeMB(size)
			if err != nil {
				return app.Usage("PVME01050505-0023", "The size is not valid: %v.", err)
			}
			spec := map[string]any{"name": name, "sizeMB": mb, "shared": shared}
			if naa != "" {
				spec["naa"] = naa
			}
			if target != "" {
				if len(hosts) > 0 || len(wwpns) > 0 || cmd.Flags().Changed("array") {
					return app.Usage("PVME01050505-0024", "A volume behind an iSCSI target has a LUN number, not --array, --host or --wwpn.")
				}
				spec["target"], spec["targetLUN"] = target, targetLUN
				var v Volume
				if err := sanCall(a, http.MethodPost, "/LUN", spec, &v); err != nil {
					return err
				}
				return printVolumes(a, []Volume{v})
			}
			spec["array"] = array
			var maps []map[string]any
			if len(wwpns) > 0 {
				h, err := hostOf(a, array, wwpns)
				if err != nil {
					return err
				}
				maps = append(maps, map[string]any{"host": h})
			}
			for _, hs := range hosts {
				h, lun, err := hostLUN(hs)
				if err != nil {
					return err
				}
				maps = append(maps, map[string]any{"host": h, "lun": lun})
			}
			// Made unmapped, then mapped host by host (the lowest free LUN
			// is the server's to choose).
			var v Volume
			if err := sanCall(a, http.MethodPost, "/LUN", spec, &v); err != nil {
				return err
			}
			for _, m := range maps {
				if m["lun"] == nil || m["lun"].(*int) == nil {
					delete(m, "lun")
				}
				if err := sanCall(a, http.MethodPost, "/LUN/"+url.PathEscape(name)+"/Map", m, &v); err != nil {
					// Nothing half made: the volume goes again (or the
					// user is told it is left).
					if derr := sanCall(a, http.MethodDelete, "/LUN/"+url.PathEscape(name), nil, nil); derr != nil {
						return errors.Join(err, fmt.Errorf("the volume %s was made without its mappings and could not be deleted again: %v", name, derr))
					}
					return err
				}
			}
			return printVolumes(a, []Volume{v})
		},
	}
	f := create.Flags()
	f.StringVar(&name, "name", "", "the volume's name")
	f.StringVar(&size, "size", "", "its size (20G, 512M, 10240)")
	f.StringVar(&array, "array", "storwize1", "the array it is on")
	f.StringArrayVar(&hosts, "host", nil, "a host to map it to, HOST[:LUN] (repeatable)")
	f.StringArrayVar(&wwpns, "wwpn", nil, "an initiator WWPN of the host to map it to (repeatable)")
	f.BoolVar(&shared, "shared", false, "several partitions may map it at once")
	f.StringVar(&naa, "naa", "", "its page 83 NAA designator (32 hex digits; made when left out)")
	f.StringVar(&target, "target", "", "put it behind this iSCSI target (IQN)")
	f.IntVar(&targetLUN, "target-lun", 0, "its LUN number on the iSCSI target")

	list := listVerb(a, listOpts{use: "list", short: "List the volumes, their hosts and the VIOSes that have them as disks"},
		func(*client.Client) ([]Volume, error) {
			s, err := getSAN(a)
			if err != nil {
				return nil, err
			}
			vols := append([]Volume(nil), s.LUNs...)
			for _, t := range s.Targets {
				vols = append(vols, t.LUNs...)
			}
			sort.Slice(vols, func(i, j int) bool { return vols[i].Name < vols[j].Name })
			return vols, nil
		}, printVolumes)

	var dName string
	del := &cobra.Command{
		Use:   "delete",
		Short: "Delete a volume (refused while a VIOS has it as a disk)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dName == "" {
				return app.Usage("PVME01050505-0025", "Name the volume with --name.")
			}
			return sanCall(a, http.MethodDelete, "/LUN/"+url.PathEscape(dName), nil, nil)
		},
	}
	del.Flags().StringVar(&dName, "name", "", "the volume")

	var mName, mHost string
	mapCmd := &cobra.Command{
		Use:   "map",
		Short: "Map a volume to a host of its array, HOST[:LUN]",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if mName == "" || mHost == "" {
				return app.Usage("PVME01050505-0026", "Give --name and --host HOST[:LUN].")
			}
			h, lun, err := hostLUN(mHost)
			if err != nil {
				return err
			}
			body := map[string]any{"host": h}
			if lun != nil {
				body["lun"] = *lun
			}
			var v Volume
			if err := sanCall(a, http.MethodPost, "/LUN/"+url.PathEscape(mName)+"/Map", body, &v); err != nil {
				return err
			}
			return printVolumes(a, []Volume{v})
		},
	}
	mapCmd.Flags().StringVar(&mName, "name", "", "the volume")
	mapCmd.Flags().StringVar(&mHost, "host", "", "the host, HOST[:LUN]")

	var uName, uHost string
	unmap := &cobra.Command{
		Use:   "unmap",
		Short: "Unmap a volume from a host (a VIOS that has it as a disk keeps the disk)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if uName == "" || uHost == "" {
				return app.Usage("PVME01050505-0027", "Give --name and --host.")
			}
			var v Volume
			if err := sanCall(a, http.MethodDelete, "/LUN/"+url.PathEscape(uName)+"/Map/"+url.PathEscape(uHost), nil, &v); err != nil {
				return err
			}
			return printVolumes(a, []Volume{v})
		},
	}
	unmap.Flags().StringVar(&uName, "name", "", "the volume")
	unmap.Flags().StringVar(&uHost, "host", "", "the host")

	var rName, rSize string
	resize := &cobra.Command{
		Use:   "resize",
		Short: "Grow a volume (the VIOSes see the new size after a rescan)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if rName == "" || rSize == "" {
				return app.Usage("PVME01050505-0028", "Give --name and --size.")
			}
			mb, err := ParseSizeMB(rSize)
			if err != nil {
				return app.Usage("PVME01050505-0023", "The size is not valid: %v.", err)
			}
			var v Volume
			if err := sanCall(a, http.MethodPut, "/LUN/"+url.PathEscape(rName), map[string]any{"sizeMB": mb}, &v); err != nil {
				return err
			}
			return printVolumes(a, []Volume{v})
		},
	}
	resize.Flags().StringVar(&rName, "name", "", "the volume")
	resize.Flags().StringVar(&rSize, "size", "", "its new size")
	cmd.AddCommand(create, list, del, mapCmd, unmap, resize)
	return cmd
}

// hostOf returns the array's host whose initiators are exactly wwpns,
// defining one named after the first WWPN when there is none.
func hostOf(a *app.App, array string, wwpns []string) (string, error) {
	want := map[string]bool{}
	for _, w := range wwpns {
		want[strings.ToLower(strings.ReplaceAll(w, ":", ""))] = true
	}
	var s SAN
	if err := sanCall(a, http.MethodGet, "", nil, &s); err != nil {
		return "", err
	}
	for _, arr := range s.Arrays {
		if arr.Name != array {
			continue
		}
		for _, h := range arr.Hosts {
			if len(h.WWPNs) != len(want) {
				continue
			}
			same := true
			for _, w := range h.WWPNs {
				same = same && want[w]
			}
			if same {
				return h.Name, nil
			}
		}
	}
	name := "host-" + strings.ToLower(strings.ReplaceAll(wwpns[0], ":", ""))
	if err := sanCall(a, http.MethodPost, "/Array/"+url.PathEscape(array)+"/Host", map[string]any{"name": name, "wwpns": wwpns}, nil); err != nil {
		return "", err
	}
	return name, nil
}

func hostCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{Use: "host", Short: "Define and remove the host definitions of an array"}
	var array, name, vios, partition string
	var wwpns []string
	create := &cobra.Command{
		Use:   "create",
		Short: "Define a host on an array: its WWPNs, or a VIOS or partition whose WWPNs it follows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return app.Usage("PVME01050505-0029", "Name the host with --name.")
			}
			var arr Array
			body := map[string]any{"name": name, "wwpns": wwpns, "vios": vios, "partition": partition}
			if err := sanCall(a, http.MethodPost, "/Array/"+url.PathEscape(array)+"/Host", body, &arr); err != nil {
				return err
			}
			var rows [][]string
			for _, h := range arr.Hosts {
				if h.Name == name {
					rows = append(rows, []string{arr.Name, h.Name, strings.Join(h.WWPNs, ",")})
				}
			}
			return printer.Table(a.Out(), "SAN Hosts", []string{"Array", "Host", "WWPNs"}, rows, a.Width())
		},
	}
	create.Flags().StringVar(&array, "array", "storwize1", "the array")
	create.Flags().StringVar(&name, "name", "", "the host's name")
	create.Flags().StringArrayVar(&wwpns, "wwpn", nil, "an initiator WWPN (repeatable)")
	create.Flags().StringVar(&vios, "vios", "", "follow this VIOS's physical ports")
	create.Flags().StringVar(&partition, "partition", "", "follow this partition's virtual FC WWPNs")
	var dArray, dName string
	del := &cobra.Command{
		Use:   "delete",
		Short: "Remove a host definition (refused while volumes are mapped to it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dName == "" {
				return app.Usage("PVME01050505-0029", "Name the host with --name.")
			}
			return sanCall(a, http.MethodDelete, "/Array/"+url.PathEscape(dArray)+"/Host/"+url.PathEscape(dName), nil, nil)
		},
	}
	del.Flags().StringVar(&dArray, "array", "storwize1", "the array")
	del.Flags().StringVar(&dName, "name", "", "the host")
	cmd.AddCommand(create, del)
	return cmd
}

func zoneCommand(a *app.App) *cobra.Command {
	var fabric string
	var zones []string
	var open bool
	cmd := &cobra.Command{
		Use:   "zone",
		Short: "Set a fabric's zoning: --zone NAME=WWPN,WWPN... (repeatable), or --open",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if fabric == "" || open == (len(zones) > 0) {
				return app.Usage("PVME01050505-0030", "Give --fabric and either --zone NAME=WWPN,WWPN... or --open.")
			}
			list := []Zone{}
			for _, z := range zones {
				n, members, ok := strings.Cut(z, "=")
				if !ok || n == "" {
					return app.Usage("PVME01050505-0031", "The zone %q is not valid: give NAME=WWPN,WWPN.", z)
				}
				list = append(list, Zone{Name: n, Members: strings.Split(members, ",")})
			}
			var f Fabric
			if err := sanCall(a, http.MethodPut, "/Fabric/"+url.PathEscape(fabric)+"/Zones", map[string]any{"zones": list}, &f); err != nil {
				return err
			}
			rows := [][]string{}
			for _, z := range f.Zones {
				rows = append(rows, []string{f.Name, z.Name, strings.Join(z.Members, ",")})
			}
			if len(rows) == 0 {
				rows = append(rows, []string{f.Name, "(open: every port sees every other)", ""})
			}
			return printer.Table(a.Out(), "SAN Fabrics", []string{"Fabric", "Zone", "Members"}, rows, a.Width())
		},
	}
	cmd.Flags().StringVar(&fabric, "fabric", "", "the fabric")
	cmd.Flags().StringArrayVar(&zones, "zone", nil, "a zone, NAME=WWPN,WWPN... (repeatable)")
	cmd.Flags().BoolVar(&open, "open", false, "no zoning: every port sees every other")
	return cmd
}

func targetCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{Use: "target", Short: "Make and remove iSCSI targets"}
	var iqn, user, secret string
	var portals, initiators, luns []string
	create := &cobra.Command{
		Use:   "create",
		Short: "Make an iSCSI target with its LUNs (--lun N:SIZE[:NAME], repeatable)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if iqn == "" || len(portals) == 0 {
				return app.Usage("PVME01050505-0032", "A target needs --iqn and --portal ADDRESS[:PORT].")
			}
			spec := map[string]any{"iqn": iqn, "portals": portals, "chapUser": user, "chapSecret": secret, "initiators": initiators}
			var ls []map[string]any
			for i, l := range luns {
				parts := strings.Split(l, ":")
				n, err := strconv.Atoi(parts[0])
				if len(parts) < 2 || err != nil {
					return app.Usage("PVME01050505-0033", "The LUN %q is not valid: give N:SIZE[:NAME].", l)
				}
				mb, err := ParseSizeMB(parts[1])
				if err != nil {
					return app.Usage("PVME01050505-0023", "The size is not valid: %v.", err)
				}
				name := fmt.Sprintf("%s-lun%d", lastPart(iqn), n)
				if len(parts) > 2 {
					name = parts[2]
				}
				_ = i
				ls = append(ls, map[string]any{"name": name, "sizeMB": mb, "targetLUN": n})
			}
			spec["luns"] = ls
			var t Target
			if err := sanCall(a, http.MethodPost, "/ISCSITarget", spec, &t); err != nil {
				return err
			}
			return printVolumes(a, t.LUNs)
		},
	}
	f := create.Flags()
	f.StringVar(&iqn, "iqn", "", "the target's IQN")
	f.StringArrayVar(&portals, "portal", nil, "a portal, ADDRESS[:PORT] (repeatable)")
	f.StringVar(&user, "chap-user", "", "the CHAP user a login needs")
	f.StringVar(&secret, "chap-secret", "", "the CHAP secret (12 to 16 characters)")
	f.StringArrayVar(&initiators, "initiator", nil, "an initiator IQN the target accepts (repeatable; none: any)")
	f.StringArrayVar(&luns, "lun", nil, "a LUN, N:SIZE[:NAME] (repeatable)")
	var dIQN string
	del := &cobra.Command{
		Use:   "delete",
		Short: "Remove an iSCSI target and its volumes (refused while a VIOS has one as a disk)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dIQN == "" {
				return app.Usage("PVME01050505-0032", "Name the target with --iqn.")
			}
			return sanCall(a, http.MethodDelete, "/ISCSITarget/"+url.PathEscape(dIQN), nil, nil)
		},
	}
	del.Flags().StringVar(&dIQN, "iqn", "", "the target's IQN")
	cmd.AddCommand(create, del)
	return cmd
}

func lastPart(iqn string) string {
	if i := strings.LastIndexAny(iqn, ":."); i >= 0 && i+1 < len(iqn) {
		return iqn[i+1:]
	}
	return iqn
}

func rbdCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{Use: "rbd", Short: "Make and delete RBD images"}
	var pool, name, size string
	create := &cobra.Command{
		Use:   "create",
		Short: "Make an RBD image (--pool, --name, --size)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if pool == "" || name == "" || size == "" {
				return app.Usage("PVME01050505-0034", "An RBD image needs --pool, --name and --size.")
			}
			mb, err := ParseSizeMB(size)
			if err != nil {
				return app.Usage("PVME01050505-0023", "The size is not valid: %v.", err)
			}
			var r RBD
			if err := sanCall(a, http.MethodPost, "/RBD", map[string]any{"pool": pool, "name": name, "sizeMB": mb}, &r); err != nil {
				return err
			}
			return printer.Table(a.Out(), "RBD Images", []string{"Pool", "Image", "Size"}, [][]string{{r.Pool, r.Name, sizeText(r.SizeMB)}}, a.Width())
		},
	}
	create.Flags().StringVar(&pool, "pool", "", "the pool")
	create.Flags().StringVar(&name, "name", "", "the image")
	create.Flags().StringVar(&size, "size", "", "its size")
	var dPool, dName string
	del := &cobra.Command{
		Use:   "delete",
		Short: "Delete an RBD image (refused while mapped)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dPool == "" || dName == "" {
				return app.Usage("PVME01050505-0034", "Name the image with --pool and --name.")
			}
			return sanCall(a, http.MethodDelete, "/RBD/"+url.PathEscape(dPool)+"/"+url.PathEscape(dName), nil, nil)
		},
	}
	del.Flags().StringVar(&dPool, "pool", "", "the pool")
	del.Flags().StringVar(&dName, "name", "", "the image")
	cmd.AddCommand(create, del)
	return cmd
}

func initiatorCommand(a *app.App) *cobra.Command {
	var wwpn string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "initiator",
		Short: "Show what an initiator sees: its fabric, login, the targets zoned with it and its volumes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if wwpn == "" {
				return app.Usage("PVME01050505-0035", "Name the initiator with --wwpn.")
			}
			var in Initiator
			if err := sanCall(a, http.MethodGet, "/Initiator/"+url.PathEscape(wwpn), nil, &in); err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, in)
			}
			state := "not logged in"
			if in.LoggedIn {
				state = "logged in"
			}
			fmt.Fprintf(a.Out(), "Initiator %s (%s): fabric %s, %s, %d target ports\n", in.WWPN, in.Owner, orNone(in.Fabric), state, len(in.Targets))
			var rows [][]string
			for _, p := range in.Paths {
				rows = append(rows, []string{p.Volume, p.Array, p.Target, strconv.Itoa(p.LUN)})
			}
			return printer.Table(a.Out(), "Volumes Seen", []string{"Volume", "Array", "Target", "LUN"}, rows, a.Width())
		},
	}
	cmd.Flags().StringVar(&wwpn, "wwpn", "", "the initiator's WWPN")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
