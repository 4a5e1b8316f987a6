package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/novalink-project/novalink/client"
	"github.com/novalink-project/novalink/uom"
)

// ExitInterrupted is the exit status after Ctrl-C (128 + SIGINT), as a
// shell reports a command it interrupted.
const ExitInterrupted = 130

// Progress shows how a long operation goes, on standard error: on a
// terminal a spinner (or a bar when the total is known) redrawn in place,
// otherwise plain lines, one per change (and one per tenth of a known
// total).
type Progress struct {
	a        *App
	desc     string
	total    int64
	bar      *progressbar.ProgressBar
	mu       sync.Mutex
	last     string
	done     int64
	lastTick int64
}

// NewProgress starts showing an operation described by desc; total is
// its size in bytes (0 or less: unknown, a spinner).
func (a *App) NewProgress(desc string, total int64) *Progress {
	p := &Progress{a: a, desc: desc, total: total}
	if a.Env.StderrTerminal {
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(a.Env.Stderr),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(20),
		}
		if total > 0 {
			opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowCount())
		} else {
			total = -1
			opts = append(opts, progressbar.OptionSpinnerType(14), progressbar.OptionSetSpinnerChangeInterval(200*time.Millisecond))
		}
		p.bar = progressbar.NewOptions64(total, opts...)
	}
	return p
}

// plainBytesMin is the smallest transfer whose tenths are printed as
// lines when not on a terminal (a smaller one is over at once).
const plainBytesMin = 1 << 20

// Note shows a new state of the operation (a reference code, a step):
// on a terminal beside the spinner, elsewhere as a line when it changed.
func (p *Progress) Note(state string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if state == "" || state == p.last {
		return
	}
	p.last = state
	if p.bar != nil {
		p.bar.Describe(p.desc + ": " + state)
		return
	}
	fmt.Fprintf(p.a.Env.Stderr, "%s: %s\n", p.desc, state)
}

// Add counts n more bytes done.
func (p *Progress) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.bar != nil {
		_ = p.bar.Add64(n) // drawing on the terminal: nothing to do if it fails
		return
	}
	if p.total >= plainBytesMin {
		tick := p.done * 10 / p.total
		if tick > p.lastTick {
			p.lastTick = tick
			fmt.Fprintf(p.a.Env.Stderr, "%s: %d%% (%d of %d bytes)\n", p.desc, tick*10, p.done, p.total)
		}
	}
}

// Close stops showing the operation (the terminal's line is cleared).
func (p *Progress) Close() {
	if p == nil || p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
	p.bar = nil
}

// Reader counts what is read from r as progress.
func (p *Progress) Reader(r io.Reader) io.Reader { return &progressReader{r: r, p: p} }

type progressReader struct {
	r io.Reader
	p *Progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.Add(int64(n))
	return n, err
}

// JobOptions are the options of a verb that runs a long job.
type JobOptions struct {
	// Timeout bounds the wait (0: none): the job goes on in pvmd.
	Timeout time.Duration
	// NoWait returns as soon as pvmd accepted the job.
	NoWait bool
}

// JobFlags adds --timeout and --no-wait to a verb that runs a long job.
func JobFlags(cmd *cobra.Command, o *JobOptions) {
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 0, "stop waiting after this long (e.g. 90s, 5m; the operation goes on in pvmd)")
	cmd.Flags().BoolVar(&o.NoWait, "no-wait", false, "return once pvmd has accepted the operation, without waiting for it to end")
}

// Job is a long operation pvmctl runs as a REST job and follows.
type Job struct {
	// Object is the entry the job runs on (or Path its REST path).
	Object *uom.Entry
	Path   string
	// Quiet leaves out the Doing and Done lines on standard output (the
	// commands that print only their result).
	Quiet bool
	// Op and Params are the job's operation and parameters.
	Op     string
	Params []client.Param
	// Doing is the line printed when the job is accepted ("Powering on
	// partition vm1"); Done the one printed when it succeeded.
	Doing, Done string
	// Follow is a command that shows how the operation goes, for when
	// pvmctl stops following it.
	Follow string
	// Watch, when set, reads the object's state to show as progress
	// (e.g. its reference code).
	Watch   func(ctx context.Context) string
	Options JobOptions
}

// Run starts the job and follows it to its end, showing progress; Ctrl-C
// or --timeout stop the following (the job goes on in pvmd, and the
// message says how to follow it), --no-wait does not follow at all.
func (j *Job) Run(a *App) (*client.Job, error) {
	c, err := a.Client()
	if err != nil {
		return nil, err
	}
	path := j.Path
	if path == "" {
		path = client.UOM(j.Object.Content.Local, j.Object.ID)
	}
	started, err := c.StartJob(a.Context(), path, j.Op, j.Params)
	if err != nil {
		return nil, err
	}
	if started.Done() && started.Status != client.JobOK {
		// Refused at once: say nothing of doing it.
		_ = c.DeleteJob(a.Context(), started.ID) // the refusal is what counts
		return started, &client.JobFailed{Job: started}
	}
	if j.Options.NoWait {
		fmt.Fprintf(a.Out(), "%s: started in pvmd (job %s).\n", j.Doing, started.ID)
		if j.Follow != "" {
			fmt.Fprintf(a.Out(), "Follow it with: %s\n", j.Follow)
		}
		return started, nil
	}
	if !j.Quiet {
		fmt.Fprintln(a.Out(), j.Doing+", this may take a few minutes.")
	}
	ctx := a.Context()
	if j.Options.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.Options.Timeout)
		defer cancel()
	}
	prog := a.NewProgress(strings.TrimSuffix(j.Doing, "."), 0)
	seen := 0
	done, err := c.WaitJob(ctx, started, func(cur *client.Job) {
		for ; seen < len(cur.Progress); seen++ {
			prog.Note(cur.Progress[seen])
		}
		if j.Watch != nil && !cur.Done() {
			prog.Note(j.Watch(ctx))
		}
	})
	prog.Close()
	if err != nil && ctx.Err() != nil {
		return done, j.stopped(a, started, ctx)
	}
	if err != nil {
		return done, err
	}
	if j.Done != "" && !j.Quiet {
		fmt.Fprintln(a.Out(), j.Done)
	}
	return done, nil
}

// stopped is the error when pvmctl stops following a job that goes on.
func (j *Job) stopped(a *App, started *client.Job, ctx context.Context) error {
	follow := ""
	if j.Follow != "" {
		follow = " Follow it with: " + j.Follow
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && a.Context().Err() == nil {
		return &Error{ID: "PVME01040140-0008", Code: ExitFailed,
			Msg: fmt.Sprintf("%s did not end within %s; it goes on in pvmd (job %s).%s", j.Doing, j.Options.Timeout, started.ID, follow)}
	}
	return &Error{ID: "PVME01040140-0009", Code: ExitInterrupted,
		Msg: fmt.Sprintf("Interrupted: stopped waiting, but %s goes on in pvmd (job %s).%s", lowerFirst(j.Doing), started.ID, follow)}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// Interrupted is the error of an operation stopped by Ctrl-C that left
// nothing going on.
func Interrupted(what string) error {
	return &Error{ID: "PVME01040140-0010", Code: ExitInterrupted, Msg: "Interrupted: " + what}
}
