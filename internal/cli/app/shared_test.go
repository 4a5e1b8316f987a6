package app

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/novalink-project/novalink/uom"
)

func TestParsePartitionKey(t *testing.T) {
	for _, tc := range []struct {
		in, key, val, err string
	}{
		{"name=vm1", "name", "vm1", ""},
		{" ID = 4 ", "id", "4", ""},
		{"uuid='ABC'", "uuid", "ABC", ""},
		{"vm1", "", "", "[PVME01040123-0043]"},
		{"=vm1", "", "", "[PVME01040123-0043]"},
		{"id=four", "", "", "[PVME01040123-0044]"},
		{"colour=red", "", "", "[PVME01040123-0045] The key colour of -p is not valid"},
	} {
		k, err := ParsePartitionKey("-p", tc.in)
		if tc.err != "" {
			var e *Error
			if !errors.As(err, &e) || e.Code != ExitUsage || len(e.Error()) < len(tc.err) || e.Error()[:len(tc.err)] != tc.err {
				t.Errorf("%q: %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || k.Key != tc.key || k.Value != tc.val {
			t.Errorf("%q: %+v %v", tc.in, k, err)
		}
	}
	part := func(name, id, uuid string) *uom.Entry {
		el := uom.NewElement(uom.NSUOM, "LogicalPartition")
		el.Append(uom.Leaf(uom.NSUOM, "PartitionID", "", id), uom.Leaf(uom.NSUOM, "PartitionName", "", name), uom.Leaf(uom.NSUOM, "PartitionUUID", "", uuid))
		return &uom.Entry{ID: uuid, Content: el}
	}
	e := part("vm1", "4", "1D8C5E3A-0000")
	for in, want := range map[string]bool{"name=vm1": true, "name=VM1": false, "id=4": true, "id=04": true, "id=5": false, "uuid=1d8c5e3a-0000": true} {
		k, _ := ParsePartitionKey("-p", in)
		if got := k.Matches(e); got != want {
			t.Errorf("%s matches: %v", in, got)
		}
	}
}

func TestMemoAndParallel(t *testing.T) {
	a := &App{}
	var calls int32
	jobs := make([]func() error, 20)
	for i := range jobs {
		jobs[i] = func() error {
			v, err := a.Memo("k", func() (any, error) { atomic.AddInt32(&calls, 1); return 42, nil })
			if err != nil || v.(int) != 42 {
				return errors.New("bad memo value")
			}
			return nil
		}
	}
	if err := Parallel(4, jobs); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("computed %d times", calls)
	}
	a.Forget("k")
	a.Memo("k", func() (any, error) { atomic.AddInt32(&calls, 1); return 1, nil })
	if calls != 2 {
		t.Fatal("Forget did not forget")
	}
	first := errors.New("first")
	err := Parallel(2, []func() error{func() error { return nil }, func() error { return first }, func() error { return errors.New("second") }})
	if err != first {
		t.Fatalf("Parallel error %v", err)
	}
}
