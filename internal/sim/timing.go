package sim

import (
	"fmt"
	"time"
)

// Timing is how long the simulated server takes for each thing it does.
type Timing struct {
	Name string
	// FirmwareStep is the time spent on each firmware reference code
	// while a partition starts.
	FirmwareStep time.Duration
	// OSBoot is from the last firmware code to the OS running.
	OSBoot time.Duration
	// RMCUp is from the OS running to its RMC connection being active.
	RMCUp time.Duration
	// OSShutdown, VSPShutdown and Immediate are the three ways down.
	OSShutdown  time.Duration
	VSPShutdown time.Duration
	Immediate   time.Duration
	// SystemIPL is a restart of the whole server (a firmware update).
	SystemIPL time.Duration
}

// Profiles by name.
var Profiles = map[string]Timing{
	// fast keeps every transition observable (several reference codes,
	// RMC after boot) while a whole power cycle takes well under a second.
	"fast": {
		Name:         "fast",
		FirmwareStep: 20 * time.Millisecond,
		OSBoot:       60 * time.Millisecond,
		RMCUp:        100 * time.Millisecond,
		OSShutdown:   80 * time.Millisecond,
		VSPShutdown:  50 * time.Millisecond,
		Immediate:    10 * time.Millisecond,
		SystemIPL:    150 * time.Millisecond,
	},
	// realistic is close to a small Linux partition on a POWER8 server.
	"realistic": {
		Name:         "realistic",
		FirmwareStep: 4 * time.Second,
		OSBoot:       45 * time.Second,
		RMCUp:        60 * time.Second,
		OSShutdown:   30 * time.Second,
		VSPShutdown:  12 * time.Second,
		Immediate:    2 * time.Second,
		SystemIPL:    5 * time.Minute,
	},
}

// ProfileByName returns a timing profile.
func ProfileByName(name string) (Timing, error) {
	t, ok := Profiles[name]
	if !ok {
		return Timing{}, fmt.Errorf("unknown timing profile %q (want fast or realistic)", name)
	}
	return t, nil
}
