package core

import (
	"context"
	"sync"
	"time"
)

// Event types of the PowerVM event feed.
const (
	EventAdd          = "ADD_URI"
	EventModify       = "MODIFY_URI"
	EventDelete       = "DELETE_URI"
	EventInvalid      = "INVALID_URI"
	EventHidden       = "HIDDEN_URI"
	EventVisible      = "VISIBLE_URI"
	EventCacheCleared = "CACHE_CLEARED"
	EventMissing      = "MISSING_EVENTS"
	EventNewClient    = "NEW_CLIENT"
	EventCustom       = "CUSTOM_CLIENT_EVENT"
)

// Event is one entry of the event feed. Data is the object's path under
// the API ("/rest/api/uom/ManagedSystem/<u>/LogicalPartition/<u>"); the
// REST layer makes it absolute for each client. A custom client event
// carries the client's own data and detail.
type Event struct {
	ID     int64
	Type   string
	Data   string
	Detail string
	// Published is when the event entered the bus (for latency figures).
	Published time.Time
	// origin is the session that sent a custom client event; its own
	// queues do not get it back.
	origin string
}

// Bus fans committed changes out to per-application queues. Each queue
// sees every event published after it was created, once, in order; a new
// queue's first answer starts with NEW_CLIENT. A queue that overflows loses
// its backlog and gets MISSING_EVENTS (clients then refetch everything).
type Bus struct {
	mu       sync.Mutex
	queues   map[string]*queue
	nextID   int64
	capacity int
	idle     time.Duration
	now      func() time.Time
}

type queue struct {
	events   []Event
	overflow bool
	fresh    bool // not yet told NEW_CLIENT
	owner    string
	lastPoll time.Time
	wake     chan struct{}
}

// NewBus returns a bus whose queues hold at most capacity events and are
// dropped after idle without a poll.
func NewBus(capacity int, idle time.Duration, now func() time.Time) *Bus {
	if capacity <= 0 {
		capacity = 10000
	}
	return &Bus{queues: map[string]*queue{}, nextID: now().UnixMilli(), capacity: capacity, idle: idle, now: now}
}

// Publish appends events to every queue (custom events skip the queues of
// their origin session). Event IDs are assigned here, increasing.
func (b *Bus) Publish(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	for i := range evs {
		b.nextID++
		evs[i].ID = b.nextID
		if evs[i].Published.IsZero() {
			evs[i].Published = now
		}
	}
	for key, q := range b.queues {
		if b.idle > 0 && now.Sub(q.lastPoll) > b.idle && q.wake == nil {
			delete(b.queues, key)
			continue
		}
		added := false
		for _, e := range evs {
			if e.Type == EventCustom && e.origin != "" && e.origin == q.owner {
				continue
			}
			if q.overflow {
				continue
			}
			if len(q.events) >= b.capacity {
				q.events = nil
				q.overflow = true
				added = true
				continue
			}
			q.events = append(q.events, e)
			added = true
		}
		if added && q.wake != nil {
			close(q.wake)
			q.wake = nil
		}
	}
}

// PublishCustom hands a client's event to every other session's queues.
func (b *Bus) PublishCustom(origin, data, detail string) {
	b.Publish(Event{Type: EventCustom, Data: data, Detail: detail, origin: origin})
}

// Poll returns the events queued for appID, waiting up to wait for the
// first one. owner is the session polling (to recognise its own custom
// events). A new appID gets NEW_CLIENT at once.
func (b *Bus) Poll(ctx context.Context, appID, owner string, wait time.Duration) []Event {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		q := b.queues[appID]
		if q == nil {
			q = &queue{fresh: true, owner: owner}
			b.queues[appID] = q
		}
		q.lastPoll = b.now()
		if q.owner == "" {
			q.owner = owner
		}
		var out []Event
		if q.fresh {
			q.fresh = false
			b.nextID++
			out = append(out, Event{ID: b.nextID, Type: EventNewClient, Published: b.now()})
		}
		if q.overflow {
			q.overflow = false
			b.nextID++
			out = append(out, Event{ID: b.nextID, Type: EventMissing, Published: b.now()})
		}
		out = append(out, q.events...)
		q.events = nil
		if len(out) > 0 {
			b.mu.Unlock()
			return out
		}
		wake := q.wake
		if wake == nil {
			wake = make(chan struct{})
			q.wake = wake
		}
		b.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			b.mu.Lock()
			if q.wake == wake {
				q.wake = nil
			}
			b.mu.Unlock()
			return nil
		case <-ctx.Done():
			b.mu.Lock()
			if q.wake == wake {
				q.wake = nil
			}
			b.mu.Unlock()
			return nil
		}
	}
}

// Queues returns the number of live queues.
func (b *Bus) Queues() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queues)
}
