package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/cli"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// TestListJSONCoverage: every list verb of pvmctl (any verb named list or
// list-*) has -o/--output, and testdata/script/json.txtar compares its
// -o json output with a golden file. A list verb added without one fails
// here.
func TestListJSONCoverage(t *testing.T) {
	script, err := os.ReadFile("testdata/script/json.txtar")
	if err != nil {
		t.Fatal(err)
	}
	root := cli.Root(app.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: func(string) string { return "" }})
	n := 0
	for _, obj := range root.Commands() {
		for _, verb := range obj.Commands() {
			if verb.Name() != "list" && !strings.HasPrefix(verb.Name(), "list-") {
				continue
			}
			n++
			if f := verb.Flags().Lookup("output"); f == nil || f.Shorthand != "o" {
				t.Errorf("pvmctl %s %s has no -o/--output", obj.Name(), verb.Name())
			}
			re := regexp.MustCompile(`(?m)^exec pvmctl ` + regexp.QuoteMeta(obj.Name()) + ` ` + regexp.QuoteMeta(verb.Name()) + ` -o json.*\ncmp stdout \S+\.json$`)
			if !re.Match(script) {
				t.Errorf("testdata/script/json.txtar has no golden -o json output of pvmctl %s %s", obj.Name(), verb.Name())
			}
		}
	}
	if n < 19 {
		t.Fatalf("found only %d list verbs", n)
	}
}
