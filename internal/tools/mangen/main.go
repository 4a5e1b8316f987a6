// Command mangen writes the man pages of novalink's commands, generated
// from the commands themselves: pvmctl (a page per object and verb), pvmd
// and the console commands. "make man" runs it into bin/man.
//
//	go run ./internal/tools/mangen -dir DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/novalink-project/novalink/internal/tools/mangen/pages"
)

func main() {
	dir := flag.String("dir", "bin/man/man1", "directory to write the pages (section 1) to")
	flag.Parse()
	n, err := pages.Write(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mangen:", err)
		os.Exit(1)
	}
	fmt.Printf("mangen: %d pages in %s\n", n, *dir)
}
