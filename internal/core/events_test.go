package core

import (
	"context"
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
