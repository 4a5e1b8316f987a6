package sim

import "time"

// MigrationStep is one point of a partition's memory copy: at At after
// the copy begins, Pct of the whole copy is done, in dirty-page pass Pass.
type MigrationStep struct {
	At   time.Duration
	Pct  int
	Pass int
}

// Dirty-page passes of an active migration: the first pass copies all of
// the partition's memory while it runs; each later pass copies again what
// the running partition wrote meanwhile (DirtyShare of what the pass
// before copied), until what is left fits in the final pause (at most
// DirtyStopMB) or MaxPasses have run.
const (
	DirtyShare  = 0.15
	DirtyStopMB = 64
	MaxPasses   = 6
	// copyChunks is how many progress points each pass reports at most.
	copyChunks = 4
)

// MigrationCopy plans the memory copy of a partition with memMB of memory
// over the timing's link: an inactive partition's memory is not copied
// (one pass of its configuration only). The last step is at 100%; its At
// is the copy's whole duration. The duration follows memory size: each
// pass takes its megabytes over the link speed.
func MigrationCopy(memMB int, active bool, t Timing) []MigrationStep {
	speed := t.MigrationLinkMBps
	if speed <= 0 {
		speed = 1000
	}
	if !active || memMB <= 0 {
		return []MigrationStep{{At: t.MigrationSwitch, Pct: 100, Pass: 1}}
	}
	// The passes' sizes.
	var passes []float64
	left := float64(memMB)
	for len(passes) < MaxPasses {
		passes = append(passes, left)
		left *= DirtyShare
		if left <= DirtyStopMB {
			break
		}
	}
	total := 0.0
	for _, p := range passes {
		total += p
	}
	var out []MigrationStep
	done := 0.0
	var at time.Duration
	for i, p := range passes {
		chunks := copyChunks
		if i > 0 {
			chunks = 1
		}
		for c := 0; c < chunks; c++ {
			mb := p / float64(chunks)
			at += time.Duration(mb / float64(speed) * float64(time.Second))
			done += mb
			pct := int(done / total * 100)
			if pct > 99 {
				pct = 99
			}
			out = append(out, MigrationStep{At: at, Pct: pct, Pass: i + 1})
		}
	}
	out[len(out)-1].Pct = 100
	return out
}
