package core

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestBusQueues(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := NewBus(3, time.Minute, clock)
	ctx := context.Background()

	// A new queue starts with NEW_CLIENT and sees only later events.
	b.Publish(Event{Type: EventAdd, Data: "/before"})
	got := b.Poll(ctx, "app1", "s1", 0)
	if len(got) != 1 || got[0].Type != EventNewClient {
		t.Fatalf("first poll: %+v", got)
	}
	b.Publish(Event{Type: EventAdd, Data: "/a"}, Event{Type: EventModify, Data: "/a", Detail: "PartitionState"})
	got = b.Poll(ctx, "app1", "s1", 0)
	if len(got) != 2 || got[0].Data != "/a" || got[1].Detail != "PartitionState" || got[1].ID <= got[0].ID {
		t.Fatalf("second poll: %+v", got)
	}
	// Each application ID is its own queue.
	if got := b.Poll(ctx, "app2", "s2", 0); len(got) != 1 || got[0].Type != EventNewClient {
		t.Fatalf("app2 first poll: %+v", got)
	}
	// Overflow: the backlog goes, MISSING_EVENTS comes, later events follow.
	for i := 0; i < 5; i++ {
		b.Publish(Event{Type: EventModify, Data: "/x"})
	}
	got = b.Poll(ctx, "app1", "s1", 0)
	if len(got) != 1 || got[0].Type != EventMissing {
		t.Fatalf("after overflow: %+v", got)
	}
	b.Publish(Event{Type: EventDelete, Data: "/y"})
	if got = b.Poll(ctx, "app1", "s1", 0); len(got) != 1 || got[0].Type != EventDelete {
		t.Fatalf("after MISSING_EVENTS: %+v", got)
	}
	// Custom events go to the other sessions' queues only.
	b.Poll(ctx, "app2", "s2", 0)
	b.PublishCustom("s1", "hello", "detail")
	if got := b.Poll(ctx, "app1", "s1", 0); len(got) != 0 {
		t.Fatalf("sender got its own custom event: %+v", got)
	}
	if got := b.Poll(ctx, "app2", "s2", 0); len(got) != 1 || got[0].Type != EventCustom || got[0].Data != "hello" {
		t.Fatalf("other session: %+v", got)
	}
}

func TestBusLongPoll(t *testing.T) {
	b := NewBus(100, time.Minute, time.Now)
	ctx := context.Background()
	b.Poll(ctx, "app", "s", 0)
	start := time.Now()
	if got := b.Poll(ctx, "app", "s", 50*time.Millisecond); len(got) != 0 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("empty poll returned %v after %v", got, time.Since(start))
	}
	done := make(chan []Event)
	go func() { done <- b.Poll(ctx, "app", "s", 10*time.Second) }()
	time.Sleep(20 * time.Millisecond)
	b.Publish(Event{Type: EventAdd, Data: "/z"})
	select {
	case got := <-done:
		if len(got) != 1 || got[0].Data != "/z" {
			t.Fatalf("woken poll: %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting poll was not woken by a new event")
	}
	// A cancelled request ends its poll.
	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- b.Poll(cctx, "app", "s", 10*time.Second) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled poll did not return")
	}
}

func TestBusDropsIdleQueues(t *testing.T) {
	now := time.Unix(1700000000, 0)
	b := NewBus(10, time.Minute, func() time.Time { return now })
	b.Poll(context.Background(), "gone", "s", 0)
	now = now.Add(2 * time.Minute)
	b.Publish(Event{Type: EventAdd})
	if b.Queues() != 0 {
		t.Fatalf("idle queue kept: %d", b.Queues())
	}
}

// TestBusFanOut: polls waiting on many queues at once, woken together by
// each publish, each get every event once, in order.
func TestBusFanOut(t *testing.T) {
	b := NewBus(100000, time.Hour, time.Now)
	ctx := context.Background()
	const queues, events = 50, 2000
	for i := 0; i < queues; i++ {
		b.Poll(ctx, fmt.Sprint("q", i), fmt.Sprint("s", i), 0)
	}
	var wg sync.WaitGroup
	got := make([][]Event, queues)
	for i := 0; i < queues; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for len(got[i]) < events {
				evs := b.Poll(ctx, fmt.Sprint("q", i), fmt.Sprint("s", i), 5*time.Second)
				if len(evs) == 0 {
					t.Errorf("queue %d: nothing within 5 s after %d events", i, len(got[i]))
					return
				}
				got[i] = append(got[i], evs...)
			}
		}(i)
	}
	for n := 0; n < events; n++ {
		b.Publish(Event{Type: EventModify, Data: fmt.Sprint("/", n)})
	}
	wg.Wait()
	for i, evs := range got {
		if len(evs) != events {
			t.Fatalf("queue %d got %d events, want %d", i, len(evs), events)
		}
		for n, e := range evs {
			if e.Data != fmt.Sprint("/", n) {
				t.Fatalf("queue %d: event %d is %q", i, n, e.Data)
			}
		}
	}
}

// TestBusAbandonedQueues: queues that stop polling hold no events of
// their own: what the bus holds stays within one queue's bound however
// many there are; the queue that polls gets everything, the abandoned
// ones MISSING_EVENTS when they come back.
func TestBusAbandonedQueues(t *testing.T) {
	b := NewBus(0, time.Hour, time.Now)
	b.SetLimits(BusLimits{QueueEvents: 1000, QueueBytes: 1 << 20, QueuesPerSession: 16, Queues: 4096, TotalBytes: 64 << 20})
	ctx := context.Background()
	for i := 0; i < 500; i++ {
		b.Poll(ctx, fmt.Sprint("gone", i), fmt.Sprint("s", i/16), 0)
	}
	b.Poll(ctx, "live", "slive", 0)
	var live int
	for n := 0; n < 9000; n++ {
		b.Publish(Event{Type: EventAdd, Data: "/rest/api/uom/ManagedSystem/x/LogicalPartition/" + fmt.Sprint(n)})
		if n%100 == 99 {
			live += len(b.Poll(ctx, "live", "slive", 0))
		}
		if q := b.QueuedBytes(); q > 1<<20 {
			t.Fatalf("after %d events the bus holds %d bytes", n+1, q)
		}
	}
	if live != 9000 {
		t.Errorf("the live queue got %d of 9000 events", live)
	}
	if got := b.Poll(ctx, "gone7", "s0", 0); len(got) != 1 || got[0].Type != EventMissing {
		t.Errorf("an abandoned queue back: %d events, first %+v; want MISSING_EVENTS", len(got), got)
	}
}
