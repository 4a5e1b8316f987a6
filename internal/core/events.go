package core

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
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
// queue's first answer starts with NEW_CLIENT. A queue that falls too far
// behind loses its backlog and gets MISSING_EVENTS (clients then refetch
// everything).
//
// The events are kept once, in one log shared by all queues; a queue is
// only its place in that log. A publish appends to the log and wakes the
// waiting polls (one channel closed), whatever the number of queues, and
// a queue nobody polls any more costs the writers nothing.
//
// Memory is bounded (BusLimits): the log holds at most QueueEvents events
// and QueueBytes (and TotalBytes) bytes, the oldest dropped first; the
// queues whose place was dropped get MISSING_EVENTS, the least recently
// polled first, since they are the furthest behind. Queues are bounded
// per session and in all: beyond, the least recently polled queue of the
// session (or of everyone) is dropped.
type Bus struct {
	// mu is held to read by polls that only read the log (a thousand
	// polls woken at once do not queue up behind each other), and to
	// write by publishes and by polls that make or reset a queue.
	mu     sync.RWMutex
	queues map[string]*queue
	nextID int64
	lim    BusLimits
	idle   time.Duration
	now    func() time.Time
	// forward also gets every event published here (a fleet's systems
	// forward theirs to the HMC's bus); set before the bus is used.
	forward *Bus

	// log holds the events not yet read by every queue: log[i] is event
	// number head+i of the bus; tail() is the number of the next one.
	log   []Event
	head  int64
	bytes int64 // what log holds (eventCost)
	// wake is closed by the next publish (and replaced) when polls
	// wait (waiting counts them).
	wake    chan struct{}
	waiting atomic.Int32
	// The queues are swept (idle ones dropped, what all have read
	// dropped from the log) when the log reaches sweepAt events, and
	// at least every sweepEvery.
	sweepAt   int
	lastSweep time.Time
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
// custom events nobody reads, does. A queue without a backlog is a few
// hundred bytes (the events are shared), so thousands of clients may each
// have theirs.
var DefaultBusLimits = BusLimits{QueueEvents: 10000, QueueBytes: 4 << 20, QueuesPerSession: 16, Queues: 4096, TotalBytes: 64 << 20}

// MaxCustomEvent bounds the data and detail of a client's custom event.
const MaxCustomEvent = 8 << 10

// MaxApplicationID bounds a queue's application ID.
const MaxApplicationID = 256

// A queue's next, lastPoll and owner change under the bus's read lock
// and the queue's own mu (so under the bus's write lock they may be read
// without it).
type queue struct {
	mu       sync.Mutex
	next     int64 // number of the next event the queue reads
	fresh    bool  // not yet told NEW_CLIENT
	owner    string
	lastPoll time.Time
	waiting  atomic.Int32 // polls waiting on the queue
}

// eventCost is what a logged event is counted for.
func eventCost(e *Event) int64 { return 96 + int64(len(e.Data)+len(e.Detail)) }

const sweepEvery = time.Minute

// NewBus returns a bus whose queues hold at most capacity events and are
// dropped after idle without a poll; the other bounds are
// DefaultBusLimits.
func NewBus(capacity int, idle time.Duration, now func() time.Time) *Bus {
	lim := DefaultBusLimits
	if capacity > 0 {
		lim.QueueEvents = capacity
	}
	return &Bus{queues: map[string]*queue{}, nextID: now().UnixMilli(), lim: lim, idle: idle, now: now, sweepAt: 256, wake: make(chan struct{})}
}

// SetLimits changes the bounds (before the bus is used).
func (b *Bus) SetLimits(l BusLimits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lim = l
}

func (b *Bus) tail() int64 { return b.head + int64(len(b.log)) }

// maxBytes is what the log may hold.
func (b *Bus) maxBytes() int64 { return min(b.lim.QueueBytes, b.lim.TotalBytes) }

// Publish appends events to the log for every queue (custom events are
// skipped by the queues of their origin session when read) and wakes the
// waiting polls. Event IDs are assigned here, increasing.
func (b *Bus) Publish(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	if b.forward != nil {
		b.forward.Publish(slices.Clone(evs)...)
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
	if len(b.queues) == 0 { // nobody to tell
		b.dropHead(len(b.log))
		b.head += int64(len(evs))
		return
	}
	for i := range evs {
		b.bytes += eventCost(&evs[i])
	}
	b.log = append(b.log, evs...)
	if n, over := len(b.log), b.bytes-b.maxBytes(); n > b.lim.QueueEvents || over > 0 {
		k := max(0, n-b.lim.QueueEvents)
		for over > 0 && k < n {
			over -= eventCost(&b.log[k])
			k++
		}
		// Dropped several at a time, so that a full log is not
		// shifted on every publish.
		b.dropHead(min(n, k+n/16))
	}
	if len(b.log) >= b.sweepAt || now.Sub(b.lastSweep) >= sweepEvery {
		b.sweep(now)
	}
	if b.waiting.Load() > 0 {
		close(b.wake)
		b.wake = make(chan struct{})
	}
}

// dropHead drops the k oldest events of the log.
func (b *Bus) dropHead(k int) {
	if k <= 0 {
		return
	}
	for i := range b.log[:k] {
		b.bytes -= eventCost(&b.log[i])
	}
	clear(b.log[:k]) // their strings go now
	b.log = b.log[k:]
	b.head += int64(k)
	if len(b.log) == 0 {
		b.log = nil
		b.bytes = 0
	}
}

// sweep drops the queues idle too long (none of their polls waiting) and
// the events every queue has read.
func (b *Bus) sweep(now time.Time) {
	b.lastSweep = now
	low := b.tail()
	for key, q := range b.queues {
		if b.idle > 0 && now.Sub(q.lastPoll) > b.idle && q.waiting.Load() == 0 {
			delete(b.queues, key)
			continue
		}
		low = min(low, q.next)
	}
	b.dropHead(int(low - b.head))
	b.sweepAt = max(256, 2*len(b.log))
}

// dropQueue drops a queue; a poll waiting on it is woken (with every
// other: they wait again) and comes back as a new client.
func (b *Bus) dropQueue(key string, q *queue) {
	delete(b.queues, key)
	if q.waiting.Load() > 0 {
		close(b.wake)
		b.wake = make(chan struct{})
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
	return b.PollAppend(ctx, nil, appID, owner, wait)
}

// PollAppend is Poll appending the events to dst (a poll woken with a
// thousand others allocates nothing of its own when dst has room).
func (b *Bus) PollAppend(ctx context.Context, dst []Event, appID, owner string, wait time.Duration) []Event {
	var deadline *time.Timer // stopped at each return (a defer in the loop would be kept on the heap while the poll waits)
	for {
		out, q, wake := b.take(dst, appID, owner, wait > 0)
		if len(out) > len(dst) || wait <= 0 {
			if deadline != nil {
				deadline.Stop()
			}
			return out
		}
		if deadline == nil {
			deadline = time.NewTimer(wait)
		}
		var end bool
		select {
		case <-wake:
		case <-deadline.C:
			end = true
		case <-ctx.Done():
			end = true
		}
		q.waiting.Add(-1)
		b.waiting.Add(-1)
		if end {
			deadline.Stop()
			return dst
		}
	}
}

// A Wait is a poll waiting for events without a goroutine of its own
// (TakeOrWait): the queue counts it as waiting, as a blocked PollAppend,
// until End.
type Wait struct {
	b    *Bus
	q    *queue
	wake chan struct{}
}

// Woken is closed by the next publish (or by a drop of the queue): the
// poll then takes again.
func (w *Wait) Woken() <-chan struct{} { return w.wake }

// End tells the bus the poll no longer waits (answered, timed out, or its
// client gone). It is called once per Wait that TakeOrWait returned set.
func (w *Wait) End() {
	w.q.waiting.Add(-1)
	w.b.waiting.Add(-1)
	*w = Wait{}
}

// TakeOrWait is a poll that does not block: it appends to dst the events
// queued for appID (NEW_CLIENT for a new one) as PollAppend does; when
// there are none, it sets w, and the queue counts one more waiting poll
// until w.End. A poll woken (w.Woken closed) ends its wait and takes
// again.
func (b *Bus) TakeOrWait(dst []Event, appID, owner string, w *Wait) []Event {
	out, q, wake := b.take(dst, appID, owner, true)
	if len(out) == len(dst) {
		*w = Wait{b: b, q: q, wake: wake}
	}
	return out
}

// Changed returns the channel the next publish closes while polls wait
// (the one their Waits hold, or a newer one if a publish came since): a
// caller watching polls it holds waits on it, and gets it again each time
// it looks at them.
func (b *Bus) Changed() <-chan struct{} {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.wake
}

// take appends to dst what appID's queue has to read; when that is
// nothing and wait is set, the queue counts one more waiting poll, to be
// woken by the channel returned.
func (b *Bus) take(dst []Event, appID, owner string, wait bool) ([]Event, *queue, chan struct{}) {
	// Most polls only read the log: under the read lock.
	b.mu.RLock()
	if q := b.queues[appID]; q != nil && !q.fresh {
		q.mu.Lock()
		if q.next >= b.head {
			q.lastPoll = b.now()
			if q.owner == "" {
				q.owner = owner
			}
			out := b.read(dst, q)
			if len(out) == len(dst) && wait {
				q.waiting.Add(1)
				b.waiting.Add(1)
			}
			q.mu.Unlock()
			wake := b.wake
			b.mu.RUnlock()
			return out, q, wake
		}
		q.mu.Unlock()
	}
	b.mu.RUnlock()
	// A new queue, or one to be told NEW_CLIENT or MISSING_EVENTS.
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[appID]
	if q == nil {
		b.makeRoom(owner)
		q = &queue{fresh: true, owner: owner, next: b.tail()}
		b.queues[appID] = q
	}
	q.lastPoll = b.now()
	if q.owner == "" {
		q.owner = owner
	}
	out := dst
	if q.fresh {
		q.fresh = false
		b.nextID++
		out = append(out, Event{ID: b.nextID, Type: EventNewClient, Published: b.now()})
	}
	if q.next < b.head {
		b.nextID++
		out = append(out, Event{ID: b.nextID, Type: EventMissing, Published: b.now()})
		q.next = b.tail()
	}
	out = b.read(out, q)
	if len(out) == len(dst) && wait {
		q.waiting.Add(1)
		b.waiting.Add(1)
	}
	return out, q, b.wake
}

// read appends the events of the log q has not read (skipping custom
// events of its own session) and moves it to the log's end.
func (b *Bus) read(out []Event, q *queue) []Event {
	for _, e := range b.log[q.next-b.head:] {
		if e.Type == EventCustom && e.origin != "" && e.origin == q.owner {
			continue
		}
		out = append(out, e)
	}
	q.next = b.tail()
	return out
}

// Waiting returns the number of polls waiting for events.
func (b *Bus) Waiting() int { return int(b.waiting.Load()) }

// Queues returns the number of live queues.
func (b *Bus) Queues() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queues)
}

// QueuedBytes returns what the queues hold (the shared log, as counted
// against BusLimits.QueueBytes and TotalBytes).
func (b *Bus) QueuedBytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes
}
