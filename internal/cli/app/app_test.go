package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestProgressPlainLines: without a terminal, progress is plain lines: one
// per new state, one per tenth of a large transfer (none for a small one).
func TestProgressPlainLines(t *testing.T) {
	var errb bytes.Buffer
	a := New(context.Background(), Env{Stderr: &errb})
	p := a.NewProgress("Powering on partition vm1", 0)
	for _, s := range []string{"starting, reference code CA000000", "starting, reference code CA000000", "", "running"} {
		p.Note(s)
	}
	p.Close()
	want := "Powering on partition vm1: starting, reference code CA000000\nPowering on partition vm1: running\n"
	if errb.String() != want {
		t.Fatalf("notes:\n%s", errb.String())
	}
	errb.Reset()
	p = a.NewProgress("Uploading x.iso", 10<<20)
	r := p.Reader(bytes.NewReader(make([]byte, 10<<20)))
	buf := make([]byte, 1<<19)
	for {
		if _, err := r.Read(buf); err != nil {
			break
		}
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 10 || lines[0] != "Uploading x.iso: 10% (1048576 of 10485760 bytes)" || lines[9] != "Uploading x.iso: 100% (10485760 of 10485760 bytes)" {
		t.Fatalf("bytes:\n%s", errb.String())
	}
	errb.Reset()
	p = a.NewProgress("Uploading small.iso", 4000)
	p.Add(4000)
	if errb.Len() != 0 {
		t.Fatalf("a small transfer printed %q", errb.String())
	}
}
