package backup

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/novalink-project/novalink/internal/sim"
)

// Clockwork adapts the project's clock to the clockwork.Clock gocron runs
// on, so that the backup schedule follows the injected clock (a
// sim.FakeClock in tests): every timer, ticker and sleep is made of
// sim.Clock.AfterFunc. gocron itself only calls Now and AfterFunc.
func Clockwork(c sim.Clock) clockwork.Clock { return clockAdapter{c} }

type clockAdapter struct{ c sim.Clock }

func (a clockAdapter) Now() time.Time                  { return a.c.Now() }
func (a clockAdapter) Since(t time.Time) time.Duration { return a.c.Now().Sub(t) }
func (a clockAdapter) Until(t time.Time) time.Duration { return t.Sub(a.c.Now()) }

func (a clockAdapter) After(d time.Duration) <-chan time.Time { return a.NewTimer(d).Chan() }

func (a clockAdapter) Sleep(d time.Duration) { <-a.After(d) }

// AfterFunc runs f in its own goroutine after d; the timer has no channel.
func (a clockAdapter) AfterFunc(d time.Duration, f func()) clockwork.Timer {
	t := &timer{c: a.c, f: f}
	t.Reset(d)
	return t
}

// NewTimer sends the time on its channel after d.
func (a clockAdapter) NewTimer(d time.Duration) clockwork.Timer {
	t := &timer{c: a.c, ch: make(chan time.Time, 1)}
	t.f = func() {
		select {
		case t.ch <- a.c.Now():
		default:
		}
	}
	t.Reset(d)
	return t
}

// NewTicker sends the time on its channel every d (dropping ticks a slow
// reader misses, as time.Ticker does).
func (a clockAdapter) NewTicker(d time.Duration) clockwork.Ticker {
	if d <= 0 {
		panic("backup: non-positive interval for NewTicker")
	}
	tk := &ticker{c: a.c, ch: make(chan time.Time, 1), d: d}
	tk.arm()
	return tk
}

// timer is a one-shot sim timer that can be stopped and reset.
type timer struct {
	c  sim.Clock
	f  func()
	ch chan time.Time

	mu    sync.Mutex
	cur   sim.Timer
	gen   uint64 // which arming is current: an older one that fires does nothing
	armed bool
}

func (t *timer) Chan() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.armed
	if t.cur != nil {
		t.cur.Stop()
	}
	t.armed = false
	t.gen++
	return was
}

func (t *timer) Reset(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.armed
	if t.cur != nil {
		t.cur.Stop()
	}
	t.gen++
	gen := t.gen
	t.armed = true
	t.cur = t.c.AfterFunc(d, func() {
		t.mu.Lock()
		if gen != t.gen || !t.armed {
			t.mu.Unlock()
			return
		}
		t.armed = false
		t.mu.Unlock()
		t.f()
	})
	return was
}

type ticker struct {
	c  sim.Clock
	ch chan time.Time

	mu      sync.Mutex
	d       time.Duration
	cur     sim.Timer
	gen     uint64
	stopped bool
}

func (tk *ticker) Chan() <-chan time.Time { return tk.ch }

// arm schedules the next tick (tk.mu held or not yet shared).
func (tk *ticker) arm() {
	gen := tk.gen
	tk.cur = tk.c.AfterFunc(tk.d, func() {
		tk.mu.Lock()
		defer tk.mu.Unlock()
		if gen != tk.gen || tk.stopped {
			return
		}
		select {
		case tk.ch <- tk.c.Now():
		default:
		}
		tk.arm()
	})
}

func (tk *ticker) Stop() {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.stopped = true
	tk.gen++
	if tk.cur != nil {
		tk.cur.Stop()
	}
}

func (tk *ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("backup: non-positive interval for Ticker.Reset")
	}
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.cur != nil {
		tk.cur.Stop()
	}
	tk.gen++
	tk.stopped = false
	tk.d = d
	tk.arm()
}
