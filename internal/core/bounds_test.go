package core

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBusBounds: a session making queues without end keeps at most
// QueuesPerSession (its oldest go first, and come back as new clients);
// queues in all are bounded; when all queues hold too much, the least
// recently polled lose their backlog and are told MISSING_EVENTS; a
// well-behaved queue polled often keeps its events.
func TestBusBounds(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tick := func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() }
	b := NewBus(0, time.Hour, clock)
	b.SetLimits(BusLimits{QueueEvents: 100, QueueBytes: 1 << 20, QueuesPerSession: 4, Queues: 10, TotalBytes: 64 << 10})
	ctx := context.Background()

	// Queues per session.
	for i := 0; i < 6; i++ {
		b.Poll(ctx, fmt.Sprint("flood", i), "s1", 0)
		tick()
	}
	if n := b.Queues(); n != 4 {
		t.Fatalf("session s1 has %d queues, want 4", n)
	}
	if got := b.Poll(ctx, "flood0", "s1", 0); len(got) != 1 || got[0].Type != EventNewClient {
		t.Fatalf("a dropped queue polled again: %+v, want NEW_CLIENT", got)
	}
	// Queues in all.
	for i := 0; i < 20; i++ {
		b.Poll(ctx, fmt.Sprint("q", i), fmt.Sprint("session", i), 0)
		tick()
	}
	if n := b.Queues(); n != 10 {
		t.Fatalf("%d queues, want at most 10", n)
	}

	// Bytes in all: a good client polls after each event; the others never.
	b.Poll(ctx, "good", "sgood", 0)
	big := strings.Repeat("d", 1000)
	var good []Event
	for i := 0; i < 200; i++ {
		tick()
		b.Publish(Event{Type: EventCustom, Data: big, origin: "flooder"})
		if b.QueuedBytes() > 64<<10 {
			t.Fatalf("after %d events the queues hold %d bytes, more than 64 KiB", i+1, b.QueuedBytes())
		}
		good = append(good, b.Poll(ctx, "good", "sgood", 0)...)
	}
	if len(good) != 200 {
		t.Errorf("the client that polls got %d of 200 events", len(good))
	}
	for _, e := range good {
		if e.Type != EventCustom {
			t.Errorf("the client that polls got %s", e.Type)
		}
	}
	got := b.Poll(ctx, "q19", "session19", 0)
	if len(got) == 0 || got[0].Type != EventMissing {
		t.Errorf("a queue that lost its backlog: %d events, first %+v; want MISSING_EVENTS", len(got), got)
	}
}

// TestFinishedJobsBounded: the finished jobs kept are bounded in number
// and bytes, the oldest dropped first; running jobs are never dropped; a
// user has a bounded number of jobs running.
func TestFinishedJobsBounded(t *testing.T) {
	now := time.Unix(1700000000, 0)
	js := NewJobs(func() time.Time { return now }, time.Hour)
	js.SetLimits(JobLimits{RunningPerUser: 3, Finished: 5, FinishedBytes: 1 << 20})
	var ids []int64
	running, _ := js.New("u1", "Op", "G", "t", "", nil)
	for i := 0; i < 8; i++ {
		j, err := js.New("u1", "Op", "G", "t", "", []Param{{Name: "p", Value: "v"}})
		if err != nil {
			t.Fatal(err)
		}
		j.finish(now, JobOK, "", Param{Name: "r", Value: "x"})
		ids = append(ids, j.ID())
	}
	for i, id := range ids {
		if kept := js.Get(id) != nil; kept != (i >= 3) {
			t.Errorf("finished job %d (the %dth): kept %v", id, i+1, kept)
		}
	}
	if js.Get(running.ID()) == nil {
		t.Error("the running job was dropped")
	}
	// Bytes: one large result pushes the others out.
	j, _ := js.New("u1", "Op", "G", "t", "", nil)
	j.finish(now, JobOK, "", Param{Name: "big", Value: strings.Repeat("x", 1023<<10)})
	if _, n, bytes := js.Stats(); bytes > 1<<20 || n != 1 {
		t.Errorf("after a 1023 KiB result: %d finished jobs of %d bytes kept", n, bytes)
	}
	// Running jobs per user.
	js.New("u1", "Op", "G", "t", "", nil)
	js.New("u1", "Op", "G", "t", "", nil)
	if _, err := js.New("u1", "Op", "G", "t", "", nil); err == nil || !strings.Contains(err.Error(), "3 jobs running") {
		t.Errorf("a fourth running job: %v", err)
	}
	if _, err := js.New("u2", "Op", "G", "t", "", nil); err != nil {
		t.Errorf("another user's job: %v", err)
	}
}
