package rest

import (
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The management console:
//
//	/rest/api/uom/ManagementConsole[/<uuid>]                  read only: NovaLink itself
//	/rest/api/uom/ManagementConsole[/<uuid>]/do/CLIRunner     the command-line job (clirunner.go)
//
// NovaLink is the management console of the one system it runs on: the
// feed has one entry, the NovaLink (management) partition, with the
// managed system's MTMS as its own (as the captured NovaLink feed,
// managementconsole_ssh.txt, shows).

// consoleView is what a ManagementConsole entry renders.
type consoleView struct {
	uuid    string
	name    string // the NovaLink partition's name
	sysUUID string
	typ     string // MTMS of the managed system
	model   string
	serial  string
	// nics are the NovaLink partition's virtual Ethernet adapters, by slot.
	nics []*model.EthernetAdapter
	// publicKey is NovaLink's SSH public key, authorized the keys it trusts.
	publicKey  string
	authorized []string
	sysRev     uint64
}

// consoleUUID is the console's UUID: stable, derived from the system's.
func consoleUUID(sys *model.ManagedSystem) string {
	return uuid.NewMD5(uuid.NameSpaceOID, []byte("ManagementConsole/"+strings.ToLower(sys.UUID))).String()
}

// consoleObjectIn builds the console object of a state. Its revision is
// the NovaLink partition's (a rename or an adapter change moves it; the
// system's UUID and MTMS never change).
func consoleObjectIn(st *model.State) object {
	sys := st.System
	v := &consoleView{uuid: consoleUUID(sys), name: "novalink", sysUUID: sys.UUID, typ: sys.Type, model: sys.Model, serial: sys.Serial,
		publicKey: core.ConsolePublicKey(sys), authorized: sys.AuthorizedKeys, sysRev: sys.Rev}
	o := object{uuid: v.uuid, rev: sys.Rev, created: sys.Created, val: v}
	for _, p := range st.SortedPartitions(func(p *model.Partition) bool { return p.IsMgmt }) {
		v.name = p.Name
		o.rev = max(p.Rev, sys.Rev) // the authorized keys are the system's
		v.nics = append(v.nics, st.AdaptersOf(p.UUID)...)
		sort.Slice(v.nics, func(i, j int) bool { return v.nics[i].Slot < v.nics[j].Slot })
		break
	}
	return o
}

func registerConsoleKinds(ks map[string]*kind) {
	// The ManagedSystem says whether the caller's console is master
	// (IsPowerVMManagementMaster): its entries are rendered per console.
	if ms := ks["ManagedSystem"]; ms != nil {
		ms.byConsole = true
	}
	ks["ManagementConsole"] = &kind{
		name: "ManagementConsole",
		root: true,
		list: func(st *model.State, _ string) []object { return []object{consoleObjectIn(st)} },
		get: func(st *model.State, id string) (object, bool) {
			o := consoleObjectIn(st)
			if strings.EqualFold(id, o.uuid) {
				return o, true
			}
			return object{}, false
		},
		render: func(rc *renderCtx, o object) *uom.Element { return renderConsole(rc, o.val.(*consoleView)) },
		search: map[string]func(object) string{
			"ManagementConsoleName": func(o object) string { return o.val.(*consoleView).name },
		},
		// The one change: the SSH keys it trusts (pypowervm's
		// add_authorized_key). No create or delete: answered 405.
		updates: consoleUpdates,
		update: func(s *Server, a core.Actor, o object, etag string, el *uom.Element, g groupSel) (object, error) {
			v := o.val.(*consoleView)
			base, err := baseEtag(o, etag, v.sysRev, "ManagementConsole "+v.name)
			if err != nil {
				return object{}, err
			}
			var keys []string
			if ak := el.Child("AuthorizedKeys"); ak != nil {
				for _, k := range ak.Children {
					switch k.Local {
					case "AuthorizedKey":
						keys = append(keys, k.Text)
					case "Metadata":
					default:
						return object{}, errStatus(http.StatusBadRequest, "AuthorizedKeys has an unknown element <%s>.", k.Local)
					}
				}
			} else {
				keys = v.authorized // not sent: unchanged
			}
			if err := s.core.SetAuthorizedKeys(a, base, keys); err != nil {
				return object{}, err
			}
			var n object
			s.core.Read(func(st *model.State) { n = consoleObjectIn(st) })
			return n, nil
		},
	}
}

// renderConsole renders the ManagementConsole in schema order.
func renderConsole(rc *renderCtx, v *consoleView) *uom.Element {
	b := newObject(uom.NSUOM, "ManagementConsole", v.uuid, 0, uom.Schema("ManagementConsole"))
	mtms := b.sub("MachineTypeModelAndSerialNumber")
	mtms.leaf("MachineType", v.typ)
	mtms.leaf("Model", v.model)
	mtms.leaf("SerialNumber", v.serial)
	b.empty("ManagedFrames")
	b.links("ManagedSystems", []string{rc.base + "/rest/api/uom/ManagedSystem/" + v.sysUUID})
	b.leaf("ManagementConsoleName", v.name)
	nis := b.sub("NetworkInterfaces")
	host := requestIP(rc.base)
	for i, a := range v.nics {
		var addrs []string
		if i == 0 && host != "" {
			addrs = append(addrs, host)
		}
		if ll := model.LinkLocalFromMAC(a.MAC); ll != "" {
			addrs = append(addrs, ll)
		}
		ni := nis.item("ManagementConsoleNetworkInterface")
		ni.leaf("InterfaceName", "eth"+strconv.Itoa(i))
		ni.leaf("NetworkAddress", strings.Join(addrs, " "))
	}
	b.sub("TemplateObjectModelVersion")
	b.sub("UserObjectModelVersion")
	b.sub("VersionInfo")
	b.sub("WebObjectModelVersion")
	b.empty("PowerEnterprisePools")
	b.leaf("PublicSSHKey", v.publicKey)
	ak := b.sub("AuthorizedKeys")
	for _, k := range v.authorized {
		ak.el.Append(&uom.Element{Space: ak.ns, Local: "AuthorizedKey", Text: k})
	}
	return b.el
}

var consoleUpdates = &updateRules{applied: []string{"AuthorizedKeys"}}

// requestIP is the IP address a client reached the server on ("" when it
// used a host name or a loopback address).
func requestIP(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		return ""
	}
	return ip.String()
}
