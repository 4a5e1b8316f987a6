package app

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

// The output formats of list verbs (-o/--output).
const (
	OutputTable = "table" // the default: a table, or key=value lines with -d
	OutputJSON  = "json"
)

// OutputFlag adds -o/--output to a list verb.
func OutputFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "output", "o", OutputTable,
		"output format: table (a table, or key=value lines with -d) or json (the same fields as a JSON array of objects, for scripts)")
}

// OutputJSONFlag adds -o/--output to a verb that has its own JSON
// switch (--json): -o json sets *asJSON as --json does.
func OutputJSONFlag(cmd *cobra.Command, asJSON *bool) {
	var output string
	OutputFlag(cmd, &output)
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := CheckOutput(output); err != nil {
			return err
		}
		if strings.EqualFold(output, OutputJSON) {
			*asJSON = true
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// CheckOutput verifies an -o value.
func CheckOutput(v string) error {
	switch strings.ToLower(v) {
	case OutputTable, OutputJSON:
		return nil
	}
	return Usage("PVME01040140-0004", "The value %q of --output is not valid. Valid values: table, json.", v)
}

// Cell is one value of a listed object: its text and, for -o json, its
// type.
type Cell struct {
	Text string
	Kind fields.Kind
}

// JSONValue is the value of a cell in -o json: a number, a boolean, a
// string, or null when the object has no value.
func (c Cell) JSONValue() any {
	if c.Text == "" {
		return nil
	}
	switch c.Kind {
	case fields.Int:
		if n, err := strconv.ParseInt(c.Text, 10, 64); err == nil {
			return n
		}
	case fields.Units:
		if f, err := strconv.ParseFloat(c.Text, 64); err == nil {
			return printer.Number(fields.NormalizeUnits(c.Text), f)
		}
	case fields.Bool:
		switch strings.ToLower(c.Text) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return c.Text
}

// JSONKeys returns the keys of the listed fields in -o json: the field
// names as -d prints them, qualified (Section.name) where two listed
// fields share a name.
func JSONKeys(fs []*fields.Field) []string {
	count := map[string]int{}
	for _, f := range fs {
		count[strings.ToLower(f.Name)]++
	}
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.Name
		if count[strings.ToLower(f.Name)] > 1 {
			keys[i] = f.Qualified()
		}
	}
	return keys
}

// PrintJSON writes rows of cells as a JSON array of objects with keys.
func (a *App) PrintJSON(keys []string, rows [][]Cell) error {
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = make([]any, len(r))
		for j, c := range r {
			vals[i][j] = c.JSONValue()
		}
	}
	return printer.JSON(a.Out(), keys, vals)
}
