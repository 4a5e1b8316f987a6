// Command pvmctl is the NovaLink command line: pvmctl OBJECT VERB [options].
// See internal/cli.
package main

import (
	"os"
	"runtime/debug"

	"github.com/novalink-project/novalink/internal/cli"
	"github.com/novalink-project/novalink/internal/cli/app"
)

func main() {
	// pvmctl lives for one command: collecting garbage would only slow it
	// down (large feeds decode into many small objects). The memory limit
	// keeps a very large listing in check.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)
	os.Exit(cli.Main(os.Args[1:], app.StdEnv()))
}
