package sim

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
)

// listOpts is a list verb of the simulator's controls.
type listOpts struct {
	use, short string
	// output adds -o json beside --json (the SAN's lists have --json
	// only).
	output bool
}

// listVerb makes a list verb: get reads the simulator's answer through
// the client, show prints it as a table, and --json (-o json) prints it
// as JSON instead.
func listVerb[T any](a *app.App, o listOpts, get func(c *client.Client) (T, error), show func(a *app.App, v T) error) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   o.use,
		Short: o.short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			v, err := get(c)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a, v)
			}
			return show(a, v)
		},
	}
	if o.output {
		cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (as -o json)")
		app.OutputJSONFlag(cmd, &asJSON)
	} else {
		cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	}
	return cmd
}

func printJSON(a *app.App, v any) error {
	b, _ := json.MarshalIndent(v, "", "  ")
	_, err := fmt.Fprintf(a.Out(), "%s\n", b)
	return err
}
