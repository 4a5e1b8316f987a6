package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/app"
)

// DocCommand is pvmctl's command tree for generating its man pages and
// shell completions (internal/tools/gendocs); it is never executed.
func DocCommand() *cobra.Command {
	a := app.New(context.Background(), app.Env{Stdout: io.Discard, Stderr: io.Discard})
	root := newRoot(a, Defs())
	root.Use = "pvmctl"
	return root
}
