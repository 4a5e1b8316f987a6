// Command pvmctl is the NovaLink command line: pvmctl OBJECT VERB [options].
// See internal/cli.
package main

import (
	"os"

	"golang.org/x/term"

	"novalink/internal/cli"
	"novalink/internal/cli/app"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], app.Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Width: func() int {
			if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				return w
			}
			return 0
		},
	}))
}
