// Package pvmdtest runs a whole pvmd inside a Go program's own process,
// for the tests of software that drives the PowerVM REST API: the
// simulated managed system (seeded from an inventory, under a seed), its
// REST API on a loopback port of its own, and the simulator's controls.
//
// The Go API of the controls is the public client's (client.SimAddFault,
// SimBusy, SimPartitionState, SimSystemState, SimTiming, SimSaveSnapshot,
// SimRestoreSnapshot, SimReset, SimIntrospection ...), the same calls that
// drive a pvmd running as its own process and that pvmctl sim makes: a
// test written against an embedded server runs unchanged against a real
// one. What only an embedded server offers is its clock: with ManualClock
// simulated time moves only when the test calls Advance.
//
//	srv := pvmdtest.Start(t, pvmdtest.Options{Seed: 7, ManualClock: true})
//	c := srv.Client(t)
//	c.SimAddFault(ctx, client.SimFaultRule{Job: "PowerOff", Delay: "30s"})
//	job, _ := c.StartJob(ctx, lparPath, "PowerOff", params)
//	srv.Advance(30 * time.Second) // the power-off ends now
package pvmdtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/internal/core"
	"github.com/novalink-project/novalink/internal/rest"
	"github.com/novalink-project/novalink/internal/sim"
)

// Options say what server to run. The zero value is pvmd's default
// system, fast timing, a random seed and the real clock.
type Options struct {
	// Inventory is an inventory (YAML or JSON, as pvmd --inventory
	// reads: see the README); InventoryFile names a file of one. At
	// most one of them; neither is the default system.
	Inventory     []byte
	InventoryFile string
	// Seed seeds the simulator's random choices (new UUIDs and MACs, fault
	// rules' probabilities and jitter, the workload's noise), as pvmd
	// --seed: the same seed and the same requests make the same run. 0
	// picks one (Server.Seed says which).
	Seed uint64
	// Timing is the timing profile: "fast" (the default) or "realistic".
	Timing string
	// ManualClock stops simulated time: it moves only by Advance, from
	// StartTime (default 2026-01-01 00:00 UTC). Jobs, boots, delays of
	// fault rules and expiries of rules wait for it.
	ManualClock bool
	StartTime   time.Time
	// Password is padmin's (default "passw0rd").
	Password string
	// NoSimControls turns the simulator's controls off, as pvmd
	// --no-sim-controls (they answer 404).
	NoSimControls bool
	// StateDir holds the durable state (default: a new temporary
	// directory, removed by Close). A server started again on the same
	// directory finds its state, snapshots and kept fault rules.
	StateDir string
	// EventWait is how long an event poll waits (default 1 s).
	EventWait time.Duration
	// Logger receives pvmd's log (default: discarded).
	Logger *slog.Logger
}

// Server is an embedded pvmd.
type Server struct {
	// URL is the REST API's address (http://127.0.0.1:PORT).
	URL string
	// User and Password are the pvm_admin account's.
	User, Password string
	// StateDir is the durable state's directory.
	StateDir string

	core    *core.Core
	rest    *rest.Server
	http    *httptest.Server
	clock   *sim.FakeClock
	tempDir string
	once    sync.Once
	err     error
}

// New starts a server; Close stops it.
func New(o Options) (*Server, error) {
	if o.Inventory != nil && o.InventoryFile != "" {
		return nil, errors.New("pvmdtest: Inventory and InventoryFile both given")
	}
	if o.Timing == "" {
		o.Timing = "fast"
	}
	prof, err := sim.ProfileByName(o.Timing)
	if err != nil {
		return nil, fmt.Errorf("pvmdtest: %w", err)
	}
	var inv *core.Inventory
	switch {
	case o.Inventory != nil:
		inv, err = core.ParseInventory("inventory", o.Inventory)
	case o.InventoryFile != "":
		inv, err = core.LoadInventory(o.InventoryFile)
	}
	if err != nil {
		return nil, fmt.Errorf("pvmdtest: %w", err)
	}
	s := &Server{User: "padmin", Password: o.Password, StateDir: o.StateDir}
	if s.Password == "" {
		s.Password = "passw0rd"
	}
	if s.StateDir == "" {
		if s.tempDir, err = os.MkdirTemp("", "pvmdtest-"); err != nil {
			return nil, fmt.Errorf("pvmdtest: %w", err)
		}
		s.StateDir = s.tempDir
	}
	fail := func(err error) (*Server, error) {
		if s.tempDir != "" {
			os.RemoveAll(s.tempDir)
		}
		return nil, fmt.Errorf("pvmdtest: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var clk sim.Clock = sim.RealClock{}
	if o.ManualClock {
		start := o.StartTime
		if start.IsZero() {
			start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		s.clock = sim.NewFakeClock(start)
		clk = s.clock
	}
	dirs := map[string]string{}
	for _, d := range []string{"files", "backups", "sessions"} {
		dirs[d] = filepath.Join(s.StateDir, d)
		if err := os.MkdirAll(dirs[d], 0o700); err != nil {
			return fail(err)
		}
	}
	s.core, err = core.Open(core.Config{StatePath: filepath.Join(s.StateDir, "state.db"), Clock: clk, Timing: prof, Inventory: inv,
		Logger: log, FilesDir: dirs["files"], BackupDir: dirs["backups"], Seed: o.Seed})
	if err != nil {
		return fail(err)
	}
	if _, _, err := s.core.EnsureUser(s.User, core.RoleAdmin, s.Password); err != nil {
		s.core.Close()
		return fail(err)
	}
	if o.EventWait == 0 {
		o.EventWait = time.Second
	}
	s.rest = rest.New(s.core, rest.Config{SessionDir: dirs["sessions"], EventWait: o.EventWait, Logger: log,
		NoSimControls: o.NoSimControls})
	s.http = httptest.NewServer(s.rest) // loopback, a free port
	s.URL = s.http.URL
	return s, nil
}

// Start starts a server for the test and stops it when the test ends; it
// fails the test if the server cannot start.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("pvmdtest: close: %v", err)
		}
	})
	return s
}

// NewClient returns a client of the server logged on as its pvm_admin
// user.
func (s *Server) NewClient(ctx context.Context) (*client.Client, error) {
	c, err := client.New(client.Config{URL: s.URL, User: s.User, Password: s.Password})
	if err != nil {
		return nil, err
	}
	if err := c.Logon(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Client is NewClient for a test, which it fails on an error.
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := s.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Seed is the seed the server runs under (the one given, or the one
// picked).
func (s *Server) Seed() uint64 { return s.core.Seed() }

// Now is the server's simulated time.
func (s *Server) Now() time.Time { return s.core.Clock().Now() }

// Advance moves simulated time forward by d under ManualClock: what falls
// due meanwhile (steps of jobs, boots, delayed requests) has happened when
// it returns. Without ManualClock simulated time is the real one, and
// Advance panics.
func (s *Server) Advance(d time.Duration) {
	if s.clock == nil {
		panic("pvmdtest: Advance needs Options.ManualClock")
	}
	s.clock.Advance(d)
}

// Close stops the server: the listener, its connections, then the
// simulated system (its state is durable in StateDir, which is removed if
// it was a temporary one).
func (s *Server) Close() error {
	s.once.Do(func() {
		s.http.CloseClientConnections()
		s.http.Close()
		s.err = s.core.Close()
		s.rest.WaitStreams(2 * time.Second)
		if s.tempDir != "" {
			if err := os.RemoveAll(s.tempDir); err != nil && s.err == nil {
				s.err = err
			}
		}
	})
	return s.err
}
