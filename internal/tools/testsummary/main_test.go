package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (-update rewrites it):\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// testdata/stream.jsonl is the real `go test -json ./...` of a small module:
// a passing, a failing, skipped tests (a plain reason, a missing
// dependency, subtests waiting for an issue, one with a two-line reason,
// one without reason) and a package that does not build.
func TestStreamAndReport(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "stream.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := Stream(bytes.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "stream.out", out.String())
	if sum.Passed != 3 || sum.Failed != 1 || sum.PackagesFailed != 2 || len(sum.Skipped) != 5 {
		t.Errorf("counted %+v", sum)
	}
	for _, ci := range []bool{false, true} {
		var rep bytes.Buffer
		status := Report(sum, ci, &rep)
		name := "report.out"
		if ci {
			name = "report-ci.out"
		}
		golden(t, name, rep.String())
		if status != 1 {
			t.Errorf("ci=%v: status %d with failures, want 1", ci, status)
		}
	}
}

func TestReportStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sum    Summary
		ci     bool
		status int
	}{
		{"all passed", Summary{Passed: 3}, true, 0},
		{"plain skip under CI", Summary{Passed: 3, Skipped: []Skip{{"p", "T", "long test"}}}, true, 0},
		{"waiting skip under CI", Summary{Skipped: []Skip{{"p", "T", "waits for issue 10 (PCM)"}}}, true, 0},
		{"missing dependency outside CI", Summary{Skipped: []Skip{{"p", "T", MissingPrefix + " python3-nova"}}}, false, 0},
		{"missing dependency under CI", Summary{Skipped: []Skip{{"p", "T", MissingPrefix + " python3-nova"}}}, true, 1},
		{"a failure", Summary{Passed: 1, Failed: 1}, false, 1},
		{"a package that did not build", Summary{PackagesFailed: 1}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if got := Report(&tc.sum, tc.ci, &out); got != tc.status {
				t.Errorf("status %d, want %d\n%s", got, tc.status, out.String())
			}
			last := strings.TrimSpace(out.String())
			last = last[strings.LastIndex(last, "\n")+1:]
			if !strings.HasPrefix(last, "tests: ") || !strings.Contains(last, " passed, ") {
				t.Errorf("closing line %q", last)
			}
		})
	}
}

func TestSkipReason(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"=== RUN   T\n", "    a_test.go:3: why\n", "--- SKIP: T (0.00s)\n"}, "why"},
		{[]string{"    a_test.go:2: logged first\n", "    a_test.go:3: the reason\n", "        more of it\n", "--- SKIP: T\n"}, "the reason"},
		{[]string{"=== RUN   T\n", "--- SKIP: T (0.00s)\n"}, "(no reason given)"},
	} {
		if got := SkipReason(tc.lines); got != tc.want {
			t.Errorf("SkipReason(%q) = %q, want %q", tc.lines, got, tc.want)
		}
	}
}
