package core

import (
	"context"
	"sort"
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
//
// Memory is bounded (BusLimits): events and bytes per queue, queues per
// session and in all, bytes in all. Beyond a bound the oldest goes first:
// the least recently polled queue of the session (or of everyone) is
// dropped, and when all queues together hold too much, the backlogs of
// the least recently polled ones are dropped and they get MISSING_EVENTS.
type Bus struct {
	mu     sync.Mutex
	queues map[string]*queue
	nextID int64
	lim    BusLimits
	total  int64 // bytes all queues hold
	idle   time.Duration
	now    func() time.Time
}

// BusLimits bound the memory of the event queues.
type BusLimits struct {
	QueueEvents      int   // events one queue holds
	QueueBytes       int64 // bytes one queue holds
	QueuesPerSession int   // queues one session may have
	Queues           int   // queues in all
	TotalBytes       int64 // bytes all queues hold together
}

// DefaultBusLimits are the bounds of a Bus: a client polling as clients
// do never reaches them; one that makes queues without end, or publishes
// custom events nobody reads, does.
var DefaultBusLimits = BusLimits{QueueEvents: 10000, QueueBytes: 4 << 20, QueuesPerSession: 16, Queues: 256, TotalBytes: 64 << 20}

// MaxCustomEvent bounds the data and detail of a client's custom event.
const MaxCustomEvent = 8 << 10

type queue struct {
	events   []Event
	bytes    int64
	overflow bool
	fresh    bool // not yet told NEW_CLIENT
	owner    string
	lastPoll time.Time
	wake     chan struct{}
}

// eventCost is what a queued event is counted for (its strings may be
// shared between queues: the count is an upper bound).
func eventCost(e *Event) int64 { return 96 + int64(len(e.Data)+len(e.Detail)) }

// NewBus returns a bus whose queues hold at most capacity events and are
// dropped after idle without a poll; the other bounds are
// DefaultBusLimits.
func NewBus(capacity int, idle time.Duration, now func() time.Time) *Bus {
	lim := DefaultBusLimits
	if capacity > 0 {
		lim.QueueEvents = capacity
	}
	return &Bus{queues: map[string]*queue{}, nextID: now().UnixMilli(), lim: lim, idle: idle, now: now}
}

// SetLimits changes the bounds (before the bus is used).
func (b *Bus) SetLimits(l BusLimits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lim = l
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
			b.dropQueue(key, q)
			continue
		}
		added := false
		for i := range evs {
			e := &evs[i]
			if e.Type == EventCustom && e.origin != "" && e.origin == q.owner {
				continue
			}
			if q.overflow {
				continue
			}
			cost := eventCost(e)
			if len(q.events) >= b.lim.QueueEvents || q.bytes+cost > b.lim.QueueBytes {
				b.dropBacklog(q)
				added = true
				continue
			}
			q.events = append(q.events, *e)
			q.bytes += cost
			b.total += cost
			added = true
		}
		if added && q.wake != nil {
			close(q.wake)
			q.wake = nil
		}
	}
	if b.total > b.lim.TotalBytes {
		b.shed()
	}
}

// dropBacklog empties a queue that has to lose its events: its next poll
// gets MISSING_EVENTS.
func (b *Bus) dropBacklog(q *queue) {
	b.total -= q.bytes
	q.events, q.bytes, q.overflow = nil, 0, true
}

func (b *Bus) dropQueue(key string, q *queue) {
	b.total -= q.bytes
	delete(b.queues, key)
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// shed drops the backlogs of the least recently polled queues until all
// of them hold at most three quarters of TotalBytes (so that a flood does
// not make every publish sort the queues).
func (b *Bus) shed() {
	qs := make([]*queue, 0, len(b.queues))
	for _, q := range b.queues {
		if q.bytes > 0 {
			qs = append(qs, q)
		}
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].lastPoll.Before(qs[j].lastPoll) })
	for _, q := range qs {
		if b.total <= b.lim.TotalBytes/4*3 {
			break
		}
		b.dropBacklog(q)
		if q.wake != nil {
			close(q.wake)
			q.wake = nil
		}
	}
}

// makeRoom drops the least recently polled queue of owner when it has as
// many as it may, and the least recently polled of all when there are as
// many as there may be, before a new queue of owner is made.
func (b *Bus) makeRoom(owner string) {
	oldest := func(match func(*queue) bool) (string, *queue, int) {
		var key string
		var old *queue
		n := 0
		for k, q := range b.queues {
			if !match(q) {
				continue
			}
			n++
			if old == nil || q.lastPoll.Before(old.lastPoll) {
				key, old = k, q
			}
		}
		return key, old, n
	}
	if k, q, n := oldest(func(q *queue) bool { return q.owner == owner }); n >= b.lim.QueuesPerSession && q != nil {
		b.dropQueue(k, q)
	}
	if len(b.queues) >= b.lim.Queues {
		if k, q, _ := oldest(func(*queue) bool { return true }); q != nil {
			b.dropQueue(k, q)
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
			b.makeRoom(owner)
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
		b.total -= q.bytes
		q.events, q.bytes = nil, 0
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

// QueuedBytes returns what all queues hold (as counted against
// BusLimits.TotalBytes).
func (b *Bus) QueuedBytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}
