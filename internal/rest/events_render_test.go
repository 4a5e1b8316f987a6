package rest

import (
	"testing"

	"github.com/novalink-project/novalink/uom"
)

// TestEventTemplate: an Event's content filled into the template is the
// bytes the element tree renders, for empty values and values that need
// escaping.
func TestEventTemplate(t *testing.T) {
	for _, tc := range []struct{ typ, data, detail string }{
		{"NEW_CLIENT", "", ""},
		{"ADD_URI", "http://h:12080/rest/api/uom/ManagedSystem/a/LogicalPartition/b", ""},
		{"MODIFY_URI", "http://h:12080/rest/api/uom/ManagedSystem/a", "PartitionState,Other"},
		{"CUSTOM_CLIENT_EVENT", `<&>"' é` + "\r\n\t\x7f", `a]]>b`},
		{"CUSTOM_CLIENT_EVENT", "", "only detail"},
	} {
		o := newObject(uom.NSUOM, "Event", "0dd7b09f-2825-4a5f-82ae-86afc1d56baa", 1796424303646, uom.Schema("Event"))
		o.leaf("EventType", tc.typ)
		o.leaf("EventID", "1796424281945")
		o.leaf("EventData", tc.data)
		o.leaf("EventDetail", tc.detail)
		want := string(o.el.Bytes())
		got := string(eventTemplate().fill(nil, "0dd7b09f-2825-4a5f-82ae-86afc1d56baa", "1796424303646", tc.typ, "1796424281945", tc.data, tc.detail))
		if got != want {
			t.Errorf("%s %q %q:\n got %s\nwant %s", tc.typ, tc.data, tc.detail, got, want)
		}
	}
}
