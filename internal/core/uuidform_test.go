package core

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/novalink-project/novalink/internal/model"
)

// TestPowerVMUUIDAndLogicalSerial: a partition's UUID in PowerVM's form
// and its logical serial number are what upper-casing (the first hex
// digit's top bit cleared) and "%s%02X" give, for UUIDs as made here and
// for any other string.
func TestPowerVMUUIDAndLogicalSerial(t *testing.T) {
	want := func(u string) string {
		u = strings.ToUpper(u)
		if u == "" {
			return u
		}
		if d := strings.IndexByte("0123456789ABCDEF", u[0]); d >= 0 {
			return string("01234567"[d&7]) + u[1:]
		}
		return u
	}
	ins := []string{"", "f", "9abcdef0-1234-4567-89ab-cdef01234567", "G-not-hex", "ß-unicode", "k\u212a", "7FFFFFFF-0000-0000-0000-000000000000", "é"}
	for range 50 {
		ins = append(ins, uuid.NewString())
	}
	for _, in := range ins {
		if got, w := PowerVMUUID(in), want(in); got != w {
			t.Errorf("PowerVMUUID(%q) = %q, want %q", in, got, w)
		}
	}
	for _, serial := range []string{"", "12", "21FAB7E", "ABCDEF12345"} {
		sys := &model.ManagedSystem{Serial: serial}
		for _, id := range []int{0, 1, 15, 16, 255, 256, 4097, 65535, -3} {
			s := serial
			if len(s) > 6 {
				s = s[len(s)-6:]
			}
			if got, w := logicalSerial(sys, id), fmt.Sprintf("%s%02X", s, id%256); got != w {
				t.Errorf("logicalSerial(%q, %d) = %q, want %q", serial, id, got, w)
			}
		}
	}
}
