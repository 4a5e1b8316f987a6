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
	// Partition mobility: MigrationSetup is from a migration's start to
	// its memory copy (the mover service partitions connect, the target
	// reserves the partition's resources and devices); MigrationLinkMBps
	// is the speed the memory crosses between the systems at (MB per
	// second); MigrationSwitch is the pause while the partition is
	// suspended on the source and resumed on the target.
	MigrationSetup    time.Duration
	MigrationLinkMBps int
	MigrationSwitch   time.Duration
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
		// A 4 GB partition's copy takes about 0.3 s: every phase of a
		// migration stays observable.
		MigrationSetup:    100 * time.Millisecond,
		MigrationLinkMBps: 16000,
		MigrationSwitch:   50 * time.Millisecond,
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
		// A 10 Gb/s link between the mover service partitions, about
		// 1.1 GB/s of memory once the protocol's cost is paid.
		MigrationSetup:    20 * time.Second,
		MigrationLinkMBps: 1100,
		MigrationSwitch:   2 * time.Second,
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
