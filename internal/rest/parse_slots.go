package rest

import (
	"strconv"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// A partition update that carries PartitionIOConfiguration/ProfileIOSlots
// says which physical I/O slots the partition owns (pypowervm adds or
// removes ProfileIOSlot elements, each naming its slot by
// AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex, and posts the
// partition back): slots listed that it does not own are attached, slots
// it owns that are not listed are detached.

// profileSlotsOf reads the slots a partition body lists; listed is false
// when the body has no ProfileIOSlots (no change). Slots are named by DRC
// index or, failing that, by DRC name.
func (s *Server) profileSlotsOf(el *uom.Element) (want []int, listed bool, err error) {
	list := el.Find("PartitionIOConfiguration/ProfileIOSlots")
	if list == nil {
		return nil, false, nil
	}
	var byName map[string]int
	for i, ps := range list.ChildrenNamed("ProfileIOSlot") {
		as := ps.Child("AssociatedIOSlot")
		if as == nil {
			return nil, true, model.Invalid("ProfileIOSlot %d has no AssociatedIOSlot naming its slot.", i+1)
		}
		if v, ok := as.FindText("SlotDynamicReconfigurationConnectorIndex"); ok && strings.TrimSpace(v) != "" {
			idx, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || idx < 0 {
				return nil, true, model.Invalid("The value %q of ProfileIOSlot/AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex is not a DRC index.", v)
			}
			want = append(want, idx)
			continue
		}
		name, _ := as.FindText("SlotDynamicReconfigurationConnectorName")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, true, model.Invalid("ProfileIOSlot %d names no slot: give AssociatedIOSlot/SlotDynamicReconfigurationConnectorIndex.", i+1)
		}
		if byName == nil {
			byName = map[string]int{}
			s.core.Read(func(st *model.State) {
				for _, sl := range st.Slots {
					byName[sl.DRCName] = sl.DRCIndex
				}
			})
		}
		idx, ok := byName[name]
		if !ok {
			return nil, true, model.ErrNoObject("IOSlot", name)
		}
		want = append(want, idx)
	}
	return want, true, nil
}
