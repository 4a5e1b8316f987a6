package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

// The simulator's controls beyond loads: fault rules (fault), a busy VIOS
// (busy), delays (delay), state flips (state), the timing profile
// (timing), snapshots (snapshot) and reset, and the introspection
// document (introspect). Each is a thin layer over client/sim.go.

// ruleFlags are the options that describe a fault rule.
type ruleFlags struct {
	route, method, job, target, user  string
	phase                             string
	status                            string
	message, delay, jitter, jobStatus string
	results                           []string
	drop, persist                     bool
	probability                       float64
	count, skip                       int
	ttl                               string
}

func (f *ruleFlags) register(cmd *cobra.Command, effects bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.route, "route", "", "glob over the request path (* any characters, ? one), e.g. '*/LogicalPartition/*'")
	fl.StringVar(&f.method, "method", "", "GET, PUT, POST, DELETE or HEAD (default: any)")
	fl.StringVar(&f.job, "job", "", "a job name (PowerOn, PowerOff ...): the rule matches that job's submissions")
	if effects {
		fl.StringVar(&f.phase, "phase", "", "with --job Migrate: a phase of the migration as it runs (validate, start, copy, switch,\n"+
			"complete; MigrateValidate: validate): --job-status fails the migration there, --delay holds it\n"+
			"there (a flag of ours, not of a PowerVM tool)")
	}
	fl.StringVar(&f.target, "target", "", "name=GLOB or uuid=GLOB: the partition, VIOS or system the request or job is about")
	fl.StringVar(&f.user, "user", "", "glob over the user of the request's session")
	if effects {
		fl.StringVar(&f.status, "status", "", "answer with this HTTP status (400-599) and an HttpErrorResponse; with --job, a job end status\n(COMPLETED_WITH_ERROR ...) is taken as --job-status")
		fl.StringVar(&f.message, "message", "", "the error's message (with --status) or the job's result message (with --job-status)")
		fl.BoolVar(&f.drop, "drop", false, "close the connection without an answer")
		fl.StringVar(&f.jobStatus, "job-status", "", "end the job so (with --job): COMPLETED_WITH_ERROR, FAILED_BEFORE_COMPLETION, COMPLETED_WITH_WARNINGS ...")
		fl.StringArrayVar(&f.results, "result", nil, "a job result NAME=VALUE to add (repeat)")
	}
	fl.StringVar(&f.delay, "delay", "", "wait this long before handling the request (250ms, 30s); with --job, how long the job takes")
	fl.StringVar(&f.jitter, "jitter", "", "vary the delay by up to this much either way")
	fl.Float64Var(&f.probability, "probability", 0, "act on each matching request with this probability (0 < p <= 1)")
	fl.IntVar(&f.count, "count", 0, "act this many times, then stop (default: no limit)")
	fl.IntVar(&f.skip, "skip", 0, "let this many matching requests through first")
	fl.StringVar(&f.ttl, "ttl", "", "stop acting after this long")
	fl.BoolVar(&f.persist, "persist", false, "keep the rule across a restart of pvmd")
}

func (f *ruleFlags) rule() (client.SimFaultRule, error) {
	r := client.SimFaultRule{Route: f.route, Method: f.method, Job: f.job, Phase: f.phase, Target: f.target, User: f.user,
		Message: f.message, Drop: f.drop, Delay: f.delay, Jitter: f.jitter, JobStatus: f.jobStatus, Probability: f.probability,
		Count: f.count, Skip: f.skip, TTL: f.ttl, Persist: f.persist}
	if f.status != "" {
		// --status is an HTTP status, or on a job rule the job's end
		// status (the same as --job-status).
		if n, err := strconv.Atoi(f.status); err == nil {
			r.Status = n
		} else if f.job == "" {
			return r, app.Usage("PVME01040123-0406", "The status %q is not an HTTP status (400-599); a job end status needs --job.", f.status)
		} else if f.jobStatus != "" && !strings.EqualFold(f.jobStatus, f.status) {
			return r, app.Usage("PVME01040123-0407", "Both --status %s and --job-status %s: give the job's end status once.", f.status, f.jobStatus)
		} else {
			r.JobStatus = strings.ToUpper(f.status)
		}
	}
	for _, kv := range f.results {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return r, app.Usage("PVME01040123-0401", "The job result %q is not NAME=VALUE.", kv)
		}
		r.Results = append(r.Results, client.SimParam{Name: k, Value: v})
	}
	return r, nil
}

func faultCommand(a *app.App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "Fault rules: make the simulated server fail requests and jobs on purpose",
		Long: "Fault rules make pvmd misbehave on purpose. A rule matches requests (--route, --method, --user,\n" +
			"--target) or job submissions (--job; a migration's phases with --phase) and answers them with\n" +
			"an HTTP error (--status, --message),\n" +
			"drops the connection (--drop), delays them (--delay, --jitter), or ends the job as asked\n" +
			"(--job-status, --message, --result); --probability, --count, --skip and --ttl say when.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.Usage("PVME01040123-0402", "A fault verb is needed: add, list, remove or clear.")
		},
	}
	var f ruleFlags
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a fault rule",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := f.rule()
			if err != nil {
				return err
			}
			return addRule(a, r)
		},
	}
	f.register(add, true)
	list := listVerb(a, listOpts{use: "list", short: "List the fault rules with their counters", output: true},
		func(c *client.Client) ([]client.SimFaultRule, error) { return c.SimFaults(a.Context()) }, printRules)
	remove := &cobra.Command{
		Use:   "remove ID...",
		Short: "Remove fault rules",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			for _, id := range args {
				if _, err := c.SimRemoveFault(a.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(a.Out(), "Fault rule %s removed.\n", id)
			}
			return nil
		},
	}
	clear := &cobra.Command{
		Use:   "clear",
		Short: "Remove every fault rule",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Client()
			if err != nil {
				return err
			}
			gone, err := c.SimRemoveFault(a.Context(), "")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.Out(), "%d fault rules removed.\n", len(gone))
			return err
		},
	}
	cmd.AddCommand(add, list, remove, clear)
	return cmd
}

func describe(r client.SimFaultRule) string {
	m, e := matchOf(r), effectOf(r)
	if w := whenOf(r); w != "" {
		return m + " -> " + e + " (" + w + ")"
	}
	return m + " -> " + e
}

func matchOf(r client.SimFaultRule) string {
	var m []string
	add := func(k, v string) {
		if v != "" {
			m = append(m, k+"="+v)
		}
	}
	add("method", r.Method)
	add("route", r.Route)
	add("job", r.Job)
	add("phase", r.Phase)
	add("target", r.Target)
	add("user", r.User)
	add("vios", r.VIOS)
	if len(m) == 0 {
		return "every request"
	}
	return strings.Join(m, " ")
}

func effectOf(r client.SimFaultRule) string {
	var e []string
	if r.Status != 0 {
		e = append(e, "status "+strconv.Itoa(r.Status))
	}
	if r.Drop {
		e = append(e, "drop")
	}
	if r.JobStatus != "" {
		e = append(e, r.JobStatus)
	}
	if r.Delay != "" {
		d := "delay " + r.Delay
		if r.Jitter != "" {
			d += "±" + r.Jitter
		}
		e = append(e, d)
	}
	return strings.Join(e, ", ")
}

func whenOf(r client.SimFaultRule) string {
	var w []string
	if r.Skip > 0 {
		w = append(w, "after "+strconv.Itoa(r.Skip))
	}
	if r.Count > 0 {
		w = append(w, strconv.Itoa(r.Count)+" times")
	}
	if r.Probability > 0 && r.Probability < 1 {
		w = append(w, "p="+strconv.FormatFloat(r.Probability, 'g', -1, 64))
	}
	if r.Expires != nil {
		w = append(w, "until "+r.Expires.UTC().Format(time.RFC3339))
	}
	if r.Persist {
		w = append(w, "kept")
	}
	return strings.Join(w, ", ")
}

func printRules(a *app.App, rules []client.SimFaultRule) error {
	var rows [][]string
	for _, r := range rules {
		state := "active"
		if r.Done {
			state = "done"
		}
		rows = append(rows, []string{r.ID, orDash(r.Label), matchOf(r), effectOf(r), orDash(whenOf(r)), strconv.Itoa(r.Matched), strconv.Itoa(r.Fired), state})
	}
	return printer.Table(a.Out(), "Fault rules", []string{"ID", "Kind", "Match", "Effect", "When", "Matched", "Fired", "State"}, rows, a.Width())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func delayCommand(a *app.App) *cobra.Command {
	var f ruleFlags
	cmd := &cobra.Command{
		Use:   "delay",
		Short: "Delay requests or make jobs take longer (a fault rule that only waits)",
		Long: "Delay the requests that match (--route, --method, --target, --user; none: every request) by\n" +
			"--delay (± --jitter), on the simulated clock; with --job, make that job take --delay (a power\n" +
			"operation's steps are spread over it: --job PowerOff --delay 30s makes every power-off take 30 s).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.delay == "" {
				return app.Usage("PVME01040123-0403", "--delay is needed (250ms, 30s, 2m).")
			}
			r, err := f.rule()
			if err != nil {
				return err
			}
			r.Label = "delay"
			return addRule(a, r)
		},
	}
	f.register(cmd, false)
	return cmd
}

func busyCommand(a *app.App) *cobra.Command {
	var target, ttl string
	var count int
	var probability float64
	var off bool
	cmd := &cobra.Command{
		Use:   "busy",
		Short: "Make a VIOS busy (HTTP 500 with HSCL3205/VIOS0014) for some requests",
		Long: "Requests touching the VIOS (its entry and what is under it, its jobs, the VIOS feeds) answer\n" +
			"500 with the message a busy VIOS gives (HSCL3205, VIOS0014), which pypowervm's busy-retry helper\n" +
			"retries: for --count requests, with --probability, or for --ttl. --off ends it.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			if target == "" {
				return app.Usage("PVME01040123-0404", "The VIOS is missing: give --object-id KEY=VALUE (name=, id=, uuid=).")
			}
			if !off && count == 0 && probability == 0 && ttl == "" {
				return app.Usage("PVME01040123-0405", "Say for how long: --count N, --probability P or --ttl DURATION (or --off).")
			}
			e, err := findTarget(a, target)
			if err != nil {
				return err
			}
			if e.Kind != "VirtualIOServer" {
				return app.NotFound("No Virtual I/O Server matches %s.", target)
			}
			name := e.Name
			c, err := a.Client()
			if err != nil {
				return err
			}
			if off {
				gone, err := c.SimNotBusy(a.Context(), e.UUID)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.Out(), "VIOS %s is no longer busy (%d rules removed).\n", name, len(gone))
				return err
			}
			r, err := c.SimBusy(a.Context(), e.UUID, count, probability, ttl)
			if err != nil {
				return err
			}
			w := whenOf(r)
			if w == "" {
				w = "until --off"
			}
			_, err = fmt.Fprintf(a.Out(), "VIOS %s is busy (rule %s: %s).\n", name, r.ID, w)
			return err
		},
	}
	app.TargetFlag(cmd, &target)
	cmd.Flags().IntVar(&count, "count", 0, "for this many requests")
	cmd.Flags().Float64Var(&probability, "probability", 0, "each request with this probability")
	cmd.Flags().StringVar(&ttl, "ttl", "", "for this long")
	cmd.Flags().BoolVar(&off, "off", false, "end it")
	return cmd
}

// addRule adds a fault rule and says what was added (sim fault add, sim
// delay).
func addRule(a *app.App, r client.SimFaultRule) error {
	c, err := a.Client()
	if err != nil {
		return err
	}
	got, err := c.SimAddFault(a.Context(), r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.Out(), "Fault rule %s added: %s.\n", got.ID, describe(got))
	return err
}
