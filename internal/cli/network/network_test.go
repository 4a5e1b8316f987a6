package network

import (
	"reflect"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
)

func TestParseVLANs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  string
	}{
		{"", nil, ""},
		{"10,20", []int{10, 20}, ""},
		{" 10, 20 30 ", []int{10, 20, 30}, ""},
		{"4094,1", []int{4094, 1}, ""},
		{"10,x", nil, "[PVME01040123-0046]"},
		{"10;20", nil, "[PVME01040123-0046]"},
		{"0", nil, "[PVME01040123-0047] The VLAN ID 0 of --v is not valid"},
		{"4095", nil, "[PVME01040123-0047]"},
		{"7,7", nil, "[PVME01040123-0048] The VLAN ID 7 is listed twice in --v."},
	} {
		got, err := ParseVLANs("--v", tc.in)
		if tc.err != "" {
			e := app.Classify(err)
			if err == nil || e.Code != app.ExitUsage || !strings.Contains(e.Error(), tc.err) {
				t.Errorf("%q: error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
	if got := CommaVLANs(" 2207  2210 "); got != "2207,2210" {
		t.Fatalf("CommaVLANs %q", got)
	}
	if got := JoinVLANs(SortedVLANs([]int{30, 10, 30, 20}), " "); got != "10 20 30" {
		t.Fatalf("SortedVLANs %q", got)
	}
}

func TestNormalizeMAC(t *testing.T) {
	for in, want := range map[string]string{
		"0a:f4:e0:00:40:02": "0AF4E0004002", "0AF4E0004002": "0AF4E0004002", "0a-f4-e0-00-40-02": "0AF4E0004002",
		"0AF4.E000.4002": "0AF4E0004002", "0AF4E000400": "", "0AF4E000400G": "", "": "",
	} {
		if got := NormalizeMAC(in); got != want {
			t.Errorf("NormalizeMAC(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHrefUUID(t *testing.T) {
	for in, want := range map[string]string{
		"https://h:12443/rest/api/uom/ManagedSystem/s/VirtualIOServer/3443DB77-AED1?group=None": "3443DB77-AED1",
		"/rest/api/uom/ManagedSystem/s/VirtualSwitch/e1a852cb/":                                 "e1a852cb",
		"e1a852cb": "e1a852cb",
	} {
		if got := HrefUUID(in); got != want {
			t.Errorf("HrefUUID(%q) = %q, want %q", in, got, want)
		}
	}
	if DisplayName("ETHERNET0(Default)") != "ETHERNET0" || DisplayName("VSW1") != "VSW1" {
		t.Fatal("DisplayName")
	}
}
