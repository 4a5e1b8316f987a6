// Command chsyscfg: see internal/cli/console.
package main

import (
	"os"

	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/console"
)

func main() {
	os.Exit(console.Main("chsyscfg", os.Args[1:], app.StdEnv()))
}
