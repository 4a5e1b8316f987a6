package storage

import (
	"testing"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/uom"
)

func TestFormatGB(t *testing.T) {
	for in, want := range map[string]string{"20": "20.0", "20.000000": "20.0", "1.5": "1.5", "0.0977": "0.0977", "49.88": "49.88",
		"0.000000": "0.0", "": "", "n/a": "n/a", "1.2345678": "1.234568", "3071.25": "3071.25"} {
		if got := FormatGB(in); got != want {
			t.Errorf("FormatGB(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"20480": "20.0", "524288": "512.0", "102400": "100.0", "0": "0.0", "1000": "0.98", "x": "x"} {
		if got := FormatMBAsGB(in); got != want {
			t.Errorf("FormatMBAsGB(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseGB(t *testing.T) {
	for in, want := range map[string]float64{"20": 20, "0.5": 0.5, ".25": 0.25, " 3 ": 3, "1.123456": 1.123456} {
		if got, err := ParseGB("--size", in); err != nil || got != want {
			t.Errorf("ParseGB(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "1e3", "0x10", "NaN", "Inf", "1.1234567", "0", "-1", "0.0"} {
		_, err := ParseGB("--size", in)
		if e := app.Classify(err); err == nil || e.Code != app.ExitUsage {
			t.Errorf("ParseGB(%q) = %v", in, err)
		}
	}
	if got := GBText(20); got != "20.000000" {
		t.Fatal(got)
	}
	if got := GBText(0.1 + 0.2); got != "0.300000" {
		t.Fatal(got)
	}
}

func TestCheckGrow(t *testing.T) {
	if grow, err := CheckGrow("logical unit", "lu1", 20, 30); !grow || err != nil {
		t.Fatal(grow, err)
	}
	if grow, err := CheckGrow("logical unit", "lu1", 20, 20.0000001); grow || err != nil {
		t.Fatal(grow, err)
	}
	if _, err := CheckGrow("logical unit", "lu1", 20, 19.5); err == nil || err.Error() != "[PVME01040123-0106] The logical unit lu1 cannot shrink from 20.0 GB to 19.5 GB." {
		t.Fatal(err)
	}
}

func TestUDIDsAndKeys(t *testing.T) {
	if !SameUDID("296c0975abc", "276c0975ABC") || SameUDID("296c0975abc", "296c0975abd") || !SameUDID("ab", "AB") {
		t.Fatal("SameUDID")
	}
	k, err := ParseDeviceKey("--stor-id", "hdisk5")
	if err != nil || k.String() != "name=hdisk5" {
		t.Fatal(k, err)
	}
	k, err = ParseDeviceKey("--stor-id", " UDID = 0eblank ")
	if err != nil || k.String() != "udid=0eblank" {
		t.Fatal(k, err)
	}
	if _, err := ParseDeviceKey("--stor-id", "id=3"); err == nil {
		t.Fatal("id= accepted")
	}
	vopt := &uom.Element{Local: "VirtualOpticalMedia"}
	vopt.Append(&uom.Element{Local: "MediaName", Text: "a.iso"}, &uom.Element{Local: "MediaUDID", Text: "0ea.iso"})
	d, _ := DeviceByType("VOPT")
	if !(DeviceKey{"name", "a.iso"}).Matches(d, vopt) || !(DeviceKey{"udid", "0EA.ISO"}).Matches(d, vopt) || (DeviceKey{"name", "A.iso"}).Matches(d, vopt) {
		t.Fatal("Matches")
	}
	m := &uom.Element{Local: "VirtualSCSIMapping"}
	m.Append((&uom.Element{Local: "Storage"}).Append(vopt))
	if got, _, ok := StorageOf(m); !ok || got.Type != "vopt" || DeviceName(m) != "a.iso" || DeviceUDID(m) != "0ea.iso" {
		t.Fatal(got, ok)
	}
	if _, _, ok := StorageOf(&uom.Element{Local: "VirtualSCSIMapping"}); ok {
		t.Fatal("no storage")
	}
}
