//go:build unix

package daemon

import (
	"syscall"
	"time"
)

// processCPU is the processor time the process has used so far (user
// and system), for the start's phases in the log.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
