package sys

import (
	"testing"

	"github.com/novalink-project/novalink/uom"
)

// TestMasterOf: the master field from the ManagedSystem's co-management
// flags (the HMC's name needs the server: without it, "HMC").
func TestMasterOf(t *testing.T) {
	sys := func(flags ...string) *uom.Element {
		el := uom.NewElement(uom.NSUOM, "ManagedSystem")
		el.Append(uom.Leaf(uom.NSUOM, "SystemName", "ROR", "sys1"))
		for i := 0; i+1 < len(flags); i += 2 {
			el.Append(uom.Leaf(uom.NSUOM, flags[i], "ROO", flags[i+1]))
		}
		return el
	}
	const nl, hmc = "IsManagementPartitionPowerVMManagementMaster", "IsHMCPowerVMManagementMaster"
	for _, c := range []struct {
		el   *uom.Element
		want string
	}{
		{sys(nl, "true", hmc, "false"), "NovaLink"},
		{sys(nl, "false", hmc, "true"), "HMC"},
		{sys(nl, "false", hmc, "false"), "none"},
		{sys(), ""},
	} {
		if got := masterOf(nil, c.el); got != c.want {
			t.Errorf("masterOf(%s) = %q, want %q", c.el, got, c.want)
		}
	}
}
