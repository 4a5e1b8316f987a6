// Package sim is pvmctl's simulator object (sim): the controls of the
// simulated server that a real one has no API for, over pvmd's
// /rest/api/sim. load sets a partition's workload and list shows the
// loads set; fault, busy and delay make it misbehave; state flips what no
// API can; timing switches the timing profile; snapshot and reset save and
// bring back its state (controls.go, state.go); san shows and changes the
// storage outside the server (san.go).
package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/cli/app"
	"github.com/novalink-project/novalink/internal/cli/metrics"
	"github.com/novalink-project/novalink/internal/cli/printer"
)

// Root is the simulator's controls' root.
const Root = "/rest/api/sim"

// Load is a partition's simulated load as the control reads it.
type Load struct {
	Partition string  `json:"partition"`
	Name      string  `json:"name"`
	Idle      bool    `json:"idle"`
	CPU       float64 `json:"cpu"`
	NetRx     float64 `json:"netRx"`
	NetTx     float64 `json:"netTx"`
	DiskRead  float64 `json:"diskRead"`
	DiskWrite float64 `json:"diskWrite"`
	Mem       float64 `json:"mem"`
}

// Def is the simulator object.
func Def() app.Def {
	o := &app.Object{
		Name:    "Simulator",
		Aliases: []string{"sim"},
		Title:   "The simulator's controls",
		Verbs:   []string{"list", "load", "fault", "busy", "delay", "state", "timing", "snapshot", "reset", "introspect", "san"},
	}
	return app.Def{Object: o, Verbs: func(a *app.App, o *app.Object) []*cobra.Command {
		return []*cobra.Command{listCommand(a), loadCommand(a), faultCommand(a), busyCommand(a), delayCommand(a),
			stateCommand(a), timingCommand(a), snapshotCommand(a), resetCommand(a), introspectCommand(a), sanCommand(a)}
	}}
}

// ParseRate reads a rate in bytes per second: a number with an optional
// unit (B, KB, MB, GB decimal; KiB, MiB, GiB binary; "/s" optional).
func ParseRate(s string) (float64, error) {
	v := strings.TrimSpace(s)
	v = strings.TrimSuffix(strings.TrimSuffix(v, "/s"), "ps")
	mult := 1.0
	units := []struct {
		suffix string
		m      float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1}}
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(v), strings.ToUpper(u.suffix)) && (u.suffix != "B" || !strings.HasSuffix(strings.ToUpper(v), "IB")) {
			v, mult = strings.TrimSpace(v[:len(v)-len(u.suffix)]), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, fmt.Errorf("%q is not a rate (examples: 20MB/s, 512KiB/s, 1e6)", s)
	}
	return f * mult, nil
}

func loadCommand(a *app.App) *cobra.Command {
	var target, cpu, netRx, netTx, diskRead, diskWrite, mem string
	var idle, asJSON bool
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Show or set a partition's simulated workload",
		Long: "Show or set what a simulated partition's operating system asks of the machine while it runs:\n" +
			"--cpu processing units (the hypervisor gives at most its entitlement, or its virtual processors when\n" +
			"uncapped and the pool has room), --net-rx/--net-tx and --disk-read/--disk-write rates (20MB/s, 512KiB/s,\n" +
			"1e6), --mem the percentage of its memory in use. Options left out keep their value; --idle goes back\n" +
			"to the quiet idle OS. The performance monitor's counters (pvmctl lpar metrics) follow.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := app.TargetArg(target, args)
			if err != nil {
				return err
			}
			if target == "" {
				return app.Usage("PVME01040123-0026", "The partition is missing: give --object-id KEY=VALUE (name=, id=, uuid=).")
			}
			set := map[string]any{}
			num := func(flag, v, key string, rate bool) error {
				if !cmd.Flags().Changed(flag) {
					return nil
				}
				var f float64
				var err error
				if rate {
					f, err = ParseRate(v)
				} else {
					f, err = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
					if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
						err = fmt.Errorf("not a number")
					}
				}
				if err != nil {
					return app.Usage("PVME01040123-0039", "The value %q of --%s is not valid: %v.", v, flag, err)
				}
				set[key] = f
				return nil
			}
			for _, f := range []struct {
				flag, v, key string
				rate         bool
			}{{"cpu", cpu, "cpu", false}, {"net-rx", netRx, "netRx", true}, {"net-tx", netTx, "netTx", true},
				{"disk-read", diskRead, "diskRead", true}, {"disk-write", diskWrite, "diskWrite", true}, {"mem", mem, "mem", false}} {
				if err := num(f.flag, f.v, f.key, f.rate); err != nil {
					return err
				}
			}
			if idle && len(set) > 0 {
				return app.Usage("PVME01040123-0304", "--idle cannot be given with values to set.")
			}
			e, err := app.FindPartition(a, "--object-id", target)
			if err != nil {
				return err
			}
			kind := "LogicalPartition"
			if e.Content != nil && e.Content.Local == "VirtualIOServer" {
				kind = "VirtualIOServer"
			}
			path := Root + "/" + kind + "/" + e.ID + "/Load"
			c, err := a.Client()
			if err != nil {
				return err
			}
			h := http.Header{}
			h.Set("Accept", "application/json")
			var resp *client.Response
			switch {
			case idle:
				resp, err = c.Do(a.Context(), http.MethodDelete, path, h, nil)
			case len(set) > 0:
				body, _ := json.Marshal(set)
				h.Set("Content-Type", "application/json")
				resp, err = c.Do(a.Context(), http.MethodPut, path, h, body)
			default:
				resp, err = c.Do(a.Context(), http.MethodGet, path, h, nil)
			}
			if err != nil {
				return err
			}
			var l Load
			if err := json.Unmarshal(resp.Body, &l); err != nil {
				return fmt.Errorf("the server's answer is not a load: %v", err)
			}
			if asJSON {
				b, _ := json.MarshalIndent(l, "", "  ")
				_, err = fmt.Fprintf(a.Out(), "%s\n", b)
				return err
			}
			return printLoads(a, []Load{l})
		},
	}
	app.TargetFlag(cmd, &target)
	f := cmd.Flags()
	f.StringVar(&cpu, "cpu", "", "processing units the OS asks for")
	f.StringVar(&netRx, "net-rx", "", "bytes per second received (20MB/s, 512KiB/s, 1e6)")
	f.StringVar(&netTx, "net-tx", "", "bytes per second sent")
	f.StringVar(&diskRead, "disk-read", "", "bytes per second read")
	f.StringVar(&diskWrite, "disk-write", "", "bytes per second written")
	f.StringVar(&mem, "mem", "", "percentage of its memory the OS has in use")
	f.BoolVar(&idle, "idle", false, "go back to the quiet idle OS")
	f.BoolVar(&asJSON, "json", false, "print JSON (as -o json)")
	app.OutputJSONFlag(cmd, &asJSON)
	return cmd
}

func printLoads(a *app.App, loads []Load) error {
	var rows [][]string
	for _, l := range loads {
		kind := "set"
		if l.Idle {
			kind = "idle OS"
		}
		rows = append(rows, []string{l.Name, kind, strconv.FormatFloat(l.CPU, 'f', -1, 64), metrics.Short(l.NetRx), metrics.Short(l.NetTx),
			metrics.Short(l.DiskRead), metrics.Short(l.DiskWrite), strconv.FormatFloat(l.Mem, 'f', -1, 64) + "%"})
	}
	return printer.Table(a.Out(), "Simulated loads: processing units, bytes per second, memory in use",
		[]string{"Partition", "Load", "CPU", "Net Rx", "Net Tx", "Disk Rd", "Disk Wr", "Mem"}, rows, a.Width())
}

func listCommand(a *app.App) *cobra.Command {
	return listVerb(a, listOpts{use: "list", short: "List the partitions whose simulated load was set (the others run the idle OS)", output: true},
		func(c *client.Client) ([]Load, error) {
			h := http.Header{}
			h.Set("Accept", "application/json")
			resp, err := c.Do(a.Context(), http.MethodGet, Root+"/Load", h, nil)
			if err != nil {
				return nil, err
			}
			var list struct {
				Loads []Load `json:"loads"`
			}
			if err := json.Unmarshal(resp.Body, &list); err != nil {
				return nil, fmt.Errorf("the server's answer is not a list of loads: %v", err)
			}
			sort.Slice(list.Loads, func(i, j int) bool { return list.Loads[i].Name < list.Loads[j].Name })
			return list.Loads, nil
		}, printLoads)
}
