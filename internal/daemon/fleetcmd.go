package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/rest"
)

// runFleetCommand runs `pvmd fleet VERB`: list shows a fleet's systems,
// their addresses, API, state and partitions, from the running fleet's
// HMC, or from its state file when it is stopped.
func runFleetCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		fmt.Fprintln(stderr, "usage: pvmd fleet list [--state-dir DIR] [-o json]")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return flag.ErrHelp
		}
		return fmt.Errorf("fleet %s: the fleet's one verb is list", args[0])
	}
	fs := flag.NewFlagSet("pvmd fleet list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", defaultStateDir, "the fleet's state directory")
	out := fs.String("o", "table", "output: table or json")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *out != "table" && *out != "json" {
		return fmt.Errorf("-o %q: table or json", *out)
	}
	systems, err := listFleet(*stateDir)
	if err != nil {
		return err
	}
	if *out == "json" {
		b, _ := json.MarshalIndent(systems, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSYSTEM\tHTTPS\tHTTP\tAPI\tSTATE\tPARTITIONS\tRUNNING\tCLUSTER")
	for _, s := range systems {
		cl := strings.Join(s.Clusters, ",")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Name, s.System, orDefault(s.HTTPS, "-"), orDefault(s.HTTP, "-"), s.API, s.State,
			s.Partitions, s.Running, orDefault(cl, "-"))
	}
	return tw.Flush()
}

// listFleet asks the running fleet's HMC, or reads the stopped fleet's
// state file.
func listFleet(stateDir string) ([]rest.FleetSystemStatus, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, fleetFileName))
	if err == nil {
		var ff fleetFile
		if err := json.Unmarshal(b, &ff); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(stateDir, fleetFileName), err)
		}
		systems, err := askFleet(stateDir, ff)
		if err == nil {
			return systems, nil
		}
		var ce *client.ConnectError
		if !errors.As(err, &ce) {
			return nil, err
		}
		// Gone without removing its file (killed): read the state file.
	}
	infos, err := core.ReadFleet(filepath.Join(stateDir, "state.db"))
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("%s holds no fleet (start one with pvmd --fleet FILE or --systems N)", stateDir)
	}
	out := make([]rest.FleetSystemStatus, len(infos))
	for i, in := range infos {
		out[i] = rest.FleetSystemStatus{FleetSystemInfo: in, API: "stopped"}
	}
	return out, nil
}

// askFleet lists the systems through the running fleet's HMC, logged on
// as hscroot (PVMD_HMC_PASSWORD, or the generated password's file).
func askFleet(stateDir string, ff fleetFile) ([]rest.FleetSystemStatus, error) {
	pw := os.Getenv("PVMD_HMC_PASSWORD")
	if pw == "" {
		b, err := os.ReadFile(filepath.Join(stateDir, "hscroot.password"))
		if err != nil {
			return nil, fmt.Errorf("the HMC's password: set PVMD_HMC_PASSWORD, or let this user read %s: %w", filepath.Join(stateDir, "hscroot.password"), err)
		}
		pw = strings.TrimSpace(string(b))
	}
	url := "https://" + ff.HMC.HTTPS
	if ff.HMC.HTTPS == "" || ff.HMC.HTTPS == "off" {
		url = "http://" + ff.HMC.HTTP
	}
	c, err := client.New(client.Config{URL: url, User: "hscroot", Password: pw, Insecure: true, Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	resp, err := c.Do(ctx, "GET", "/rest/api/sim/Fleet", nil, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Logoff(ctx) }()
	var body struct {
		Systems []rest.FleetSystemStatus `json:"systems"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return nil, fmt.Errorf("the fleet's HMC answered %s: %w", strconv.Quote(string(resp.Body)), err)
	}
	return body.Systems, nil
}
