package san

import (
	"fmt"
	"strings"
	"time"

	"github.com/novalink-project/novalink/internal/model"
)

// Spec is the SAN of an inventory file (pvmd --config, "san"): fabrics,
// arrays with their hosts, volumes, iSCSI targets with their volumes, RBD
// images, and which fabric each VIOS's physical FC ports are cabled to.
type Spec struct {
	Fabrics []FabricSpec `json:"fabrics,omitempty"`
	Arrays  []ArraySpec  `json:"arrays,omitempty"`
	LUNs    []LUNSpec    `json:"luns,omitempty"`
	Targets []TargetSpec `json:"iscsiTargets,omitempty"`
	RBD     []RBDSpec    `json:"rbd,omitempty"`
	// Cabling puts VIOS ports on fabrics; ports it leaves out are cabled
	// by position: fcsN of every VIOS to the N-th fabric.
	Cabling []CableSpec `json:"cabling,omitempty"`
}

// CableSpec puts a VIOS's physical FC port on a fabric ("" : none) and
// may say how many NPIV connections the port has (0: as installed).
type CableSpec struct {
	VIOS    string `json:"vios"`
	Port    string `json:"port"`
	Fabric  string `json:"fabric"`
	MaxNPIV int    `json:"maxNPIV,omitempty"`
}

// Apply makes the SAN of a spec, in order (fabrics, arrays, targets,
// volumes, images), checked as the controls check them, and cables the
// VIOS ports; the objects' UUIDs derive from seed.
func Apply(tx Tx, spec Spec, seed string) error {
	for _, f := range spec.Fabrics {
		if _, err := CreateFabric(tx, f, seed); err != nil {
			return fmt.Errorf("fabric %s: %w", f.Name, err)
		}
	}
	for _, a := range spec.Arrays {
		if _, err := CreateArray(tx, a, seed); err != nil {
			return fmt.Errorf("array %s: %w", a.Name, err)
		}
	}
	for _, t := range spec.Targets {
		if _, err := CreateTarget(tx, t, seed); err != nil {
			return fmt.Errorf("iSCSI target %s: %w", t.IQN, err)
		}
		for _, l := range t.LUNs {
			l.Target = t.IQN
			if _, err := CreateLUN(tx, l, seed); err != nil {
				return fmt.Errorf("volume %s: %w", l.Name, err)
			}
		}
	}
	for _, l := range spec.LUNs {
		if _, err := CreateLUN(tx, l, seed); err != nil {
			return fmt.Errorf("volume %s: %w", l.Name, err)
		}
	}
	for _, r := range spec.RBD {
		if _, err := CreateRBD(tx, r, seed); err != nil {
			return fmt.Errorf("RBD image %s/%s: %w", r.Pool, r.Name, err)
		}
	}
	return Cable(tx, spec.Cabling)
}

// Cable puts the VIOSes' physical ports on the fabrics: as listed, and the
// others by position (fcsN on the N-th fabric by name, none beyond).
func Cable(tx Tx, specs []CableSpec) error {
	fabrics := Fabrics(tx)
	explicit := map[string]string{} // port UUID -> fabric
	npiv := map[string]int{}        // port UUID -> NPIV connections
	for _, c := range specs {
		v := partitionNamed(tx, c.VIOS)
		if v == nil || !v.IsVIOS() {
			return fmt.Errorf("cabling: %w", model.ErrNoObject("VirtualIOServer", c.VIOS))
		}
		var port *model.FCPort
		tx.Each(model.KindFCPort, func(o model.Object) {
			if p := o.(*model.FCPort); p.VIOS == v.UUID && (p.Name == c.Port || strings.EqualFold(p.WWPN, c.Port) || p.Location == c.Port) {
				port = p
			}
		})
		if port == nil {
			return fmt.Errorf("cabling: %w", model.ErrNoObject("FibreChannelPort", c.Port+" on "+v.Name))
		}
		if c.Fabric != "" && FabricByName(tx, c.Fabric) == nil {
			return fmt.Errorf("cabling: %w", model.ErrNoObject("SAN fabric", c.Fabric))
		}
		if c.MaxNPIV < 0 || c.MaxNPIV > 255 {
			return fmt.Errorf("cabling: %w", model.ErrBadValue("maxNPIV", fmt.Sprint(c.MaxNPIV), "0 to 255 NPIV connections"))
		}
		explicit[port.UUID] = c.Fabric
		if c.MaxNPIV > 0 {
			npiv[port.UUID] = c.MaxNPIV
		}
	}
	var ports []*model.FCPort
	tx.Each(model.KindFCPort, func(o model.Object) { ports = append(ports, o.(*model.FCPort)) })
	for _, p := range ports {
		f, ok := explicit[p.UUID]
		if !ok {
			f = ""
			var n int
			if _, err := fmt.Sscanf(p.Name, "fcs%d", &n); err == nil && n < len(fabrics) {
				f = fabrics[n].Name
			}
		}
		n, set := npiv[p.UUID]
		if f != p.Fabric || set && n != p.MaxNPIV {
			c := p.CloneObject().(*model.FCPort)
			c.Fabric = f
			if set {
				c.MaxNPIV = n
			}
			tx.Put(c)
		}
	}
	return nil
}

// StateTx is a Tx that writes straight into a state being seeded (the one
// direct write: a fresh state file's inventory).
type StateTx struct {
	St *model.State
	At time.Time
}

func (s StateTx) Get(k model.ObjKind, key string) model.Object { return s.St.Get(k, key) }
func (s StateTx) Put(o model.Object, _ ...string)              { s.St.Put(o) }
func (s StateTx) Delete(k model.ObjKind, key string)           { s.St.Delete(k, key) }
func (s StateTx) Each(k model.ObjKind, fn func(model.Object)) {
	// Collected first: fn may change the state.
	var all []model.Object
	s.St.Each(k, func(o model.Object) { all = append(all, o) })
	for _, o := range all {
		fn(o)
	}
}
func (s StateTx) Partition(uuid string) *model.Partition { return s.St.Partition(uuid) }
func (s StateTx) System() *model.ManagedSystem           { return s.St.System }
func (s StateTx) Now() time.Time                         { return s.At }
func (s StateTx) EachBy(ix model.Index, key string, fn func(model.Object)) {
	s.St.EachBy(ix, key, fn)
}

// The default SAN every seeded server has: two open fabrics, one IBM
// 2145 array with two target ports on each and a host per VIOS, and the
// volumes of the seeded SAN disks (hdisk2 to hdisk6 of every VIOS: the
// cluster's repository, the two disks of pool1 and two free ones),
// mapped to every VIOS at LUN 0 to 4.
const (
	DefaultArray = "storwize1"
	FabricA      = "fabricA"
	FabricB      = "fabricB"
)

// DefaultVolumes are the default SAN's volumes, in LUN order (hdisk2 ..
// hdisk6), with their sizes in MB.
var DefaultVolumes = []struct {
	Name   string
	SizeMB int
}{
	{"caarepo", 20480}, {"pool1_data1", 524288}, {"pool1_data2", 524288}, {"shared1", 102400}, {"shared2", 102400},
}

// DefaultSpec is the default SAN of a system with these VIOSes.
func DefaultSpec(sys *model.ManagedSystem, vioses []*model.Partition) Spec {
	spec := Spec{Fabrics: []FabricSpec{{Name: FabricA}, {Name: FabricB}}}
	arr := ArraySpec{Name: DefaultArray, Vendor: "IBM", Product: "2145", Model: "2076"}
	for i := 0; i < 4; i++ {
		fabric := FabricA
		if i%2 == 1 {
			fabric = FabricB
		}
		arr.Ports = append(arr.Ports, model.SANArrayPort{WWPN: strings.ToLower("5005076801" + hexID(6, sys.UUID, "array-port", itoa(i))), Fabric: fabric})
	}
	for _, v := range vioses {
		arr.Hosts = append(arr.Hosts, model.SANHost{Name: sanitize(v.Name), VIOS: v.UUID})
	}
	spec.Arrays = []ArraySpec{arr}
	for n, vol := range DefaultVolumes {
		l := LUNSpec{Name: vol.Name, SizeMB: vol.SizeMB, Array: DefaultArray, Shared: true,
			NAA: "6005076" + hexID(25, sys.UUID, "seed-volume", vol.Name)}
		for _, h := range arr.Hosts {
			l.Hosts = append(l.Hosts, model.SANLUNHost{Host: h.Name, LUN: n})
		}
		spec.LUNs = append(spec.LUNs, l)
	}
	return spec
}
