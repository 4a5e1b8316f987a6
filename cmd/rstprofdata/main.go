// Command rstprofdata: see internal/cli/console.
package main

import (
	"os"

	"novalink/internal/cli/app"
	"novalink/internal/cli/console"
)

func main() {
	os.Exit(console.Main("rstprofdata", os.Args[1:], app.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
}
