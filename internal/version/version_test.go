package version

import (
	"regexp"
	"testing"
)

func TestString(t *testing.T) {
	old := Version
	defer func() { Version = old }()
	Version = "v1.2.3"
	if got := String("pvmctl"); !regexp.MustCompile(`^pvmctl \(novalink\) v1\.2\.3 (commit [0-9a-f]{1,12} )?go\S+ \w+/\w+$`).MatchString(got) {
		t.Fatalf("String = %q", got)
	}
	Version = ""
	if v, _ := Get(); v == "" {
		t.Fatal("no version without -ldflags")
	}
}
