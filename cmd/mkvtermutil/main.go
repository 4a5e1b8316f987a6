// Command mkvtermutil: see internal/cli/vterm.
package main

import (
	"os"

	"github.com/novalink-project/novalink/internal/cli/vterm"
)

func main() {
	os.Exit(vterm.Main("mkvtermutil", os.Args[1:], vterm.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
