package rest

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The virtual serial numbers of the system (read only; AddVSN and
// RemoveVSN change them):
//
//	/rest/api/uom/ManagedSystem/<s>/VirtualSerialNumberInformation[/<uuid>]

// vsnView is a serial number with the partition it is assigned to.
type vsnView struct {
	vsn     *model.VirtualSerial
	ownerID int // 0: none
}

func vsnObjects(st *model.State) []object {
	owners := map[string]int{}
	for _, p := range st.Partitions {
		if p.VSN != "" {
			owners[p.VSN] = p.ID
		}
	}
	var out []object
	st.Each(model.KindVSN, func(o model.Object) {
		v := o.(*model.VirtualSerial)
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatUint(v.Rev, 10) + "/" + strconv.Itoa(owners[v.Serial])))
		out = append(out, object{uuid: core.VSNUUID(st.System.UUID, v.Serial), rev: h.Sum64() >> 12, created: v.Created,
			val: &vsnView{vsn: v, ownerID: owners[v.Serial]}})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].val.(*vsnView).vsn.Serial < out[j].val.(*vsnView).vsn.Serial })
	return out
}

func registerVSNKind(ks map[string]*kind) {
	ks["VirtualSerialNumberInformation"] = &kind{
		name:    "VirtualSerialNumberInformation",
		parents: []string{"ManagedSystem"},
		list:    func(st *model.State, _ string) []object { return vsnObjects(st) },
		get: func(st *model.State, id string) (object, bool) {
			for _, o := range vsnObjects(st) {
				if strings.EqualFold(o.uuid, id) {
					return o, true
				}
			}
			return object{}, false
		},
		render:   renderVSN,
		readOnly: "The virtual serial numbers of a system change through its AddVSN and RemoveVSN jobs, and a partition's through its VirtualSerialNumber.",
		search: map[string]func(object) string{
			"VirtualSerialNumber": func(o object) string { return o.val.(*vsnView).vsn.Serial },
		},
	}
}

// renderVSN renders a serial number as vsn.txt has it; 65535 stands for
// no partition.
func renderVSN(rc *renderCtx, o object) *uom.Element {
	v := o.val.(*vsnView)
	b := newObject(uom.NSUOM, "VirtualSerialNumberInformation", o.uuid, 0, uom.Schema("VirtualSerialNumberInformation"))
	b.leaf("VirtualSerialNumber", v.vsn.Serial)
	id := 65535
	if v.ownerID != 0 {
		id = v.ownerID
	}
	b.int("AssociatedPartitionId", id)
	b.bool("IsAutoAssignCapable", v.vsn.AutoAssign)
	return b.el
}
