package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/fields"
	"github.com/novalink-project/novalink/internal/cli/printer"
	"github.com/novalink-project/novalink/uom"
)

// Def is what an object package gives the root command: the object and
// its verb commands.
type Def struct {
	Object *Object
	Verbs  func(a *App, o *Object) []*cobra.Command
}

// ListCommand is the generic "list" verb: a table of the default columns,
// or -d fields as key=value lines.
func ListCommand(a *App, o *Object) *cobra.Command {
	var ids, display, where []string
	var hideLabel bool
	var delim, output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List " + strings.ToLower(o.Title),
		Long: "List " + strings.ToLower(o.Title) + ": a table of the main fields, -d FIELD... for key=value lines, " +
			"-o json for a JSON array (of the table's fields, or of -d's).",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && !cmd.Flags().Changed("display-fields") {
				return Usage("PVME01040123-0025", "Unexpected argument %q: list takes options only.", args[0])
			}
			if err := CheckOutput(output); err != nil {
				return err
			}
			display = append(display, args...)
			return RunListAs(a, o, ListOptions{IDs: ids, Display: display, Where: where, HideLabel: hideLabel, Delim: delim, Output: output})
		},
	}
	withFieldHelp(cmd, o, "Fields for --display-fields and --where (qualified Section.name or the short name):")
	f := cmd.Flags()
	f.StringArrayVarP(&ids, "object-id", "i", nil, "only the object KEY=VALUE (KEY: "+keyList(o)+")")
	f.StringSliceVarP(&display, "display-fields", "d", nil, "print these fields as key=value (more may follow as arguments)")
	f.BoolVar(&hideLabel, "hide-label", false, "with -d, print values only")
	f.StringVarP(&delim, "field-delim", "f", ",", "with -d, the separator between fields")
	f.StringArrayVarP(&where, "where", "w", nil, "only objects where FIELD=VALUE or FIELD!=VALUE (repeatable; all must hold)")
	OutputFlag(cmd, &output)
	return cmd
}

// ListOptions are the options of a list verb.
type ListOptions struct {
	IDs, Display, Where []string
	HideLabel           bool
	Delim               string
	Output              string // table (default) or json
}

// FieldHelp adds the object's fields to a command's help (intro first),
// computed only when help is asked for.
func FieldHelp(cmd *cobra.Command, o *Object, intro string) { withFieldHelp(cmd, o, intro) }

// SettableFieldHelp adds to an update verb's help the fields --set-fields
// can change on the object.
func SettableFieldHelp(cmd *cobra.Command, o *Object) {
	// The schema is looked up with the help: the schemas are parsed when
	// first asked for, which no command should pay for unless it shows
	// this help.
	withFieldHelpOf(cmd, o, "Fields --set-fields can change (qualified Section.name or the short name):",
		func(f *fields.Field) bool { return f.Settable(uom.Schema(o.Schema)) })
}

// withFieldHelp adds the object's fields to the command's help, computed
// only when help is asked for.
func withFieldHelp(cmd *cobra.Command, o *Object, intro string) {
	withFieldHelpOf(cmd, o, intro, nil)
}

// withFieldHelpOf adds the fields keep accepts (all with nil) to the
// command's help, computed only when help is asked for.
func withFieldHelpOf(cmd *cobra.Command, o *Object, intro string, keep func(*fields.Field) bool) {
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		note := ""
		if o.FieldsNote != "" {
			note = strings.TrimSpace(o.FieldsNote) + "\n"
		}
		list := o.Fields.HelpOf(keep)
		if list == "" {
			list = "  (none)\n"
		}
		c.Long = strings.TrimSpace(c.Long) + "\n\n" + intro + "\n" + note + list
		c.SetHelpFunc(nil)
		c.Parent().HelpFunc()(c, args)
	})
}

// RunList lists the objects of o as a table (or -d key=value lines).
func RunList(a *App, o *Object, ids, display, where []string, hideLabel bool, delim string) error {
	return RunListAs(a, o, ListOptions{IDs: ids, Display: display, Where: where, HideLabel: hideLabel, Delim: delim})
}

// RunListAs lists the objects of o as the options say.
func RunListAs(a *App, o *Object, opt ListOptions) error {
	ids, display, where := opt.IDs, opt.Display, opt.Where
	var idf []*ObjectID
	for _, s := range ids {
		id, err := ParseObjectID(o, s)
		if err != nil {
			return err
		}
		idf = append(idf, id)
	}
	var conds []*Where
	for _, s := range where {
		w, err := ParseWhere(o, s)
		if err != nil {
			return err
		}
		conds = append(conds, w)
	}
	type col struct {
		label  string
		field  *fields.Field
		format func(string) string
	}
	var cols []col
	if len(display) > 0 {
		for _, d := range display {
			for _, name := range strings.Fields(strings.ReplaceAll(d, ",", " ")) {
				f, err := o.Fields.Lookup(name)
				if err != nil {
					return err
				}
				cols = append(cols, col{label: f.Name, field: f})
			}
		}
	} else {
		for _, c := range o.Columns {
			f, err := o.Fields.Lookup(c.Field)
			if err != nil {
				return err
			}
			cols = append(cols, col{label: c.Header, field: f, format: c.Format})
		}
	}
	asJSON := strings.EqualFold(opt.Output, OutputJSON)
	if o.List == nil {
		return NotSupported(o.Name, "list")
	}
	entries, err := o.List(a)
	if err != nil {
		return err
	}
	var rows [][]string
	var cells [][]Cell
	for _, e := range entries {
		obj := e.Content
		if obj == nil {
			continue
		}
		if !allMatch(obj, idf, conds) {
			continue
		}
		row := make([]string, len(cols))
		cr := make([]Cell, len(cols))
		for i, c := range cols {
			row[i] = c.field.Value(obj)
			cr[i] = Cell{Text: row[i], Kind: c.field.Kind}
			if c.format != nil {
				row[i] = c.format(row[i])
			}
		}
		rows = append(rows, row)
		cells = append(cells, cr)
	}
	if len(ids) > 0 && len(rows) == 0 && len(conds) == 0 {
		return NotFound("No %s matches %s.", o.Name, strings.Join(ids, " "))
	}
	if asJSON {
		fs := make([]*fields.Field, len(cols))
		for i, c := range cols {
			fs[i] = c.field
		}
		return a.PrintJSON(JSONKeys(fs), cells)
	}
	labels := make([]string, len(cols))
	for i, c := range cols {
		labels[i] = c.label
	}
	if len(display) > 0 {
		return printer.KV(a.Out(), labels, rows, opt.Delim, opt.HideLabel)
	}
	return printer.Table(a.Out(), o.Title, labels, rows, a.Width())
}

func allMatch(obj *uom.Element, ids []*ObjectID, conds []*Where) bool {
	for _, id := range ids {
		if !id.Matches(obj) {
			return false
		}
	}
	for _, w := range conds {
		if !w.Holds(obj) {
			return false
		}
	}
	return true
}

// TargetFlag adds -i/--object-id to a single-object verb.
func TargetFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "object-id", "i", "", "the object, as KEY=VALUE (name=, id=, uuid=)")
}

// Target resolves the object a single-object verb acts on: -i KEY=VALUE,
// or a lone KEY=VALUE argument.
func Target(a *App, o *Object, flag string, args []string) (*uom.Entry, error) {
	if flag == "" && len(args) == 0 && o.Single {
		entries, err := o.List(a)
		if err != nil {
			return nil, err
		}
		if len(entries) != 1 {
			return nil, NotFound("Expected one %s, found %d.", o.Name, len(entries))
		}
		return entries[0], nil
	}
	if flag == "" {
		if len(args) == 1 && strings.Contains(args[0], "=") {
			flag, args = args[0], nil
		} else {
			return nil, Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (name=, id=, uuid=).")
		}
	}
	if len(args) > 0 {
		return nil, Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	id, err := ParseObjectID(o, flag)
	if err != nil {
		return nil, err
	}
	return FindOne(a, o, id)
}

// UpdateCommand is the generic "update" verb: -i names the object, -s (or
// --set-fields / --set-field, with more pairs as arguments) the changes. It
// reads the object, edits it and posts it back under its etag.
func UpdateCommand(a *App, o *Object) *cobra.Command {
	var target string
	var sets []string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change attributes of a " + strings.ToLower(o.Name),
		Long:  "Change attributes of a " + o.Name + ": --set-fields FIELD=VALUE ...",
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" && len(args) > 0 && !cmd.Flags().Changed("set-fields") {
				return Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
			}
			pairs := append(sets, args...)
			if len(pairs) == 0 {
				return Usage("PVME01040123-0027", "Nothing to change: give --set-fields FIELD=VALUE.")
			}
			changes, err := ParseSetFields(o, pairs)
			if err != nil {
				return err
			}
			if target == "" && !o.Single {
				return Usage("PVME01040123-0026", "The object to act on is missing: give --object-id KEY=VALUE (name=, id=, uuid=).")
			}
			e, err := Target(a, o, target, nil)
			if err != nil {
				return err
			}
			return ApplyFields(a, o, e, changes)
		},
	}
	SettableFieldHelp(cmd, o)
	TargetFlag(cmd, &target)
	cmd.Flags().StringArrayVarP(&sets, "set-fields", "s", nil, "FIELD=VALUE to set (several may follow as arguments)")
	cmd.Flags().StringArrayVar(&sets, "set-field", nil, "same as --set-fields")
	return cmd
}

// ApplyFields edits an entry's object and posts it back.
func ApplyFields(a *App, o *Object, e *uom.Entry, changes []SetField) error {
	obj := e.Content
	schemaName := o.Schema
	if obj != nil && obj.Local != "" {
		schemaName = obj.Local
	}
	schema := uom.Schema(schemaName)
	if o.Adjust != nil {
		changes = o.Adjust(obj, changes)
	}
	for _, ch := range changes {
		if err := ch.Field.Assign(obj, schema, ch.Value); err != nil {
			return err
		}
	}
	c, err := a.Client()
	if err != nil {
		return err
	}
	href := e.SelfLink()
	if href == "" {
		return fmt.Errorf("the %s entry has no SELF link", o.Name)
	}
	_, err = c.Update(a.Context(), href, e.Etag, obj)
	return err
}

// NotSupportedAnnotation marks the verbs of NovaLink's pvmctl this one
// does not support yet (help lists them as such).
const NotSupportedAnnotation = "pvmctl.notSupported"

// NotSupportedCommand is a verb of an object whose backend is not built.
func NotSupportedCommand(o *Object, verb string) *cobra.Command {
	return NotSupportedBecause(o, verb, "")
}

// NotSupportedBecause is a verb NovaLink's pvmctl has and this one does
// not support yet; reason, when given, says why or what to do instead.
// --help describes it; running it fails with exit status 1 and changes
// nothing.
func NotSupportedBecause(o *Object, verb, reason string) *cobra.Command {
	alias := strings.ToLower(o.Name)
	if len(o.Aliases) > 0 {
		alias = o.Aliases[0]
	}
	long := fmt.Sprintf("pvmctl %s %s is a verb of NovaLink's pvmctl that this NovaLink does not support yet: it fails with exit status 1 and changes nothing.", alias, verb)
	if reason != "" {
		long += " " + strings.ToUpper(reason[:1]) + reason[1:] + "."
	}
	return &cobra.Command{
		Use:                verb,
		Short:              verb + " (not supported yet)",
		Long:               long,
		DisableFlagParsing: true,
		Annotations:        map[string]string{NotSupportedAnnotation: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, arg := range args {
				if arg == "-h" || arg == "--help" {
					return cmd.Help()
				}
			}
			e := NotSupported(o.Name, verb)
			if reason != "" {
				e.Msg = strings.TrimSuffix(e.Msg, ".") + ": " + reason + "."
			}
			return e
		},
	}
}

// RunJob runs a job on an entry's object and prints the two progress
// lines pvmctl prints: "<doing>, this may take a few minutes." then
// "<done>" on success (see Job for progress, Ctrl-C and the options).
func RunJob(a *App, e *uom.Entry, op string, params []client.Param, doing, done string) error {
	j := &Job{Object: e, Op: op, Params: params, Doing: doing, Done: done}
	_, err := j.Run(a)
	return err
}

// DeleteCommand is "OBJECT delete -i KEY=VALUE": the object's entry is
// deleted with its etag.
func DeleteCommand(a *App, o *Object, short string) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "delete",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := Target(a, o, target, args)
			if err != nil {
				return err
			}
			c, err := a.Client()
			if err != nil {
				return err
			}
			return c.Delete(a.Context(), e.SelfLink(), e.Etag)
		},
	}
	TargetFlag(cmd, &target)
	return cmd
}

// TargetArg is the object a verb acts on: its --object-id value, else a
// single KEY=VALUE argument in its place ("" when neither is given). Any
// other argument is refused.
func TargetArg(flag string, args []string) (string, error) {
	if flag == "" && len(args) == 1 && strings.Contains(args[0], "=") {
		return args[0], nil
	}
	if len(args) > 0 {
		return "", Usage("PVME01040123-0025", "Unexpected argument %q.", args[0])
	}
	return flag, nil
}
