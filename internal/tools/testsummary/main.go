// Command testsummary reads `go test -json` and prints what `go test`
// would (package results, the whole output of failed tests), then counts
// the skipped tests by reason. scripts/test.sh uses it:
//
//	go test -json ./... | testsummary -record FILE   # stream, keep the counts
//	testsummary -report [-ci] FILE...                # skips by reason, totals
//
// A skip's reason is the first line of the message the test gave t.Skip.
// With -ci, a skip whose reason starts with "missing dependency:" (a suite
// that needs something outside the repository, which CI provides) fails
// the report: CI must not pass while skipping a suite it is meant to run.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// MissingPrefix starts the skip reason of a test that needs something from
// outside the repository.
const MissingPrefix = "missing dependency:"

func main() {
	record := flag.String("record", "", "stream mode: write the counts to this file")
	report := flag.Bool("report", false, "report mode: print the skips by reason and the totals of the record files named")
	ci := flag.Bool("ci", false, "report mode: fail when a test skipped for a missing dependency")
	flag.Parse()
	if *report {
		os.Exit(runReport(flag.Args(), *ci, os.Stdout))
	}
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "testsummary: unexpected arguments:", flag.Args())
		os.Exit(2)
	}
	sum, err := Stream(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if *record != "" {
		data, _ := json.Marshal(sum)
		if err := os.WriteFile(*record, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(1)
		}
	}
	if sum.Failed > 0 || sum.PackagesFailed > 0 {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output events
}

// Skip is one skipped test.
type Skip struct {
	Package string `json:"package"`
	Test    string `json:"test"`
	Reason  string `json:"reason"`
}

// Summary is what one stream counted.
type Summary struct {
	Passed         int    `json:"passed"`
	Failed         int    `json:"failed"`
	PackagesFailed int    `json:"packagesFailed"`
	Skipped        []Skip `json:"skipped"`
}

// Stream copies the human output of a `go test -json` stream to w and
// counts the tests.
func Stream(r io.Reader, w io.Writer) (*Summary, error) {
	sum := &Summary{}
	out := map[string][]string{} // "pkg\x00test" -> its output lines
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line) // not test2json: pass it on
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch {
		case e.Action == "build-output":
			io.WriteString(w, e.Output)
		case e.Action == "output" && e.Test == "":
			if e.Output != "PASS\n" {
				io.WriteString(w, e.Output)
			}
		case e.Action == "output":
			out[key] = append(out[key], e.Output)
		case e.Test == "" && e.Action == "fail":
			sum.PackagesFailed++
		case e.Test == "":
		case e.Action == "pass":
			sum.Passed++
			delete(out, key)
		case e.Action == "skip":
			sum.Skipped = append(sum.Skipped, Skip{Package: e.Package, Test: e.Test, Reason: SkipReason(out[key])})
			delete(out, key)
		case e.Action == "fail":
			sum.Failed++
			io.WriteString(w, strings.Join(out[key], ""))
			delete(out, key)
		}
	}
	return sum, sc.Err()
}

// logLine is a message a test logged: "    file_test.go:12: text".
var logLine = regexp.MustCompile(`^\s+[\w.\-]+\.go:\d+: (.*)$`)

// SkipReason is the first line of the last message a skipped test logged
// (t.Skip logs its arguments, then stops the test).
func SkipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if m := logLine.FindStringSubmatch(strings.TrimRight(lines[i], "\n")); m != nil {
			if r := strings.TrimSpace(m[1]); r != "" {
				return r
			}
		}
	}
	return "(no reason given)"
}

func runReport(files []string, ci bool, w io.Writer) int {
	total := Summary{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			return 1
		}
		var s Summary
		if err := json.Unmarshal(data, &s); err != nil {
			fmt.Fprintf(os.Stderr, "testsummary: %s: %v\n", f, err)
			return 1
		}
		total.Passed += s.Passed
		total.Failed += s.Failed
		total.PackagesFailed += s.PackagesFailed
		total.Skipped = append(total.Skipped, s.Skipped...)
	}
	return Report(&total, ci, w)
}

// Report prints the skipped tests counted by reason (most first) and the
// closing line; with ci, a missing dependency fails it (status 1).
func Report(s *Summary, ci bool, w io.Writer) int {
	byReason := map[string][]Skip{}
	for _, sk := range s.Skipped {
		byReason[sk.Reason] = append(byReason[sk.Reason], sk)
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := byReason[reasons[i]], byReason[reasons[j]]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return reasons[i] < reasons[j]
	})
	status := 0
	if len(reasons) > 0 {
		fmt.Fprintf(w, "== skipped tests by reason\n")
		for _, r := range reasons {
			fmt.Fprintf(w, "%5d  %s\n", len(byReason[r]), r)
		}
	}
	if ci {
		var missing []string
		for _, r := range reasons {
			if strings.HasPrefix(r, MissingPrefix) {
				for _, sk := range byReason[r] {
					missing = append(missing, sk.Package+" "+sk.Test)
				}
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(w, "== CI runs every suite, but %d tests skipped for a missing dependency:\n", len(missing))
			for _, m := range missing {
				fmt.Fprintf(w, "     %s\n", m)
			}
			status = 1
		}
	}
	if s.Failed > 0 || s.PackagesFailed > 0 {
		status = 1
	}
	fmt.Fprintf(w, "tests: %d passed, %d failed, %d skipped\n", s.Passed, s.Failed, len(s.Skipped))
	return status
}
