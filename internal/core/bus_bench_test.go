package core

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkBusPublish: one committed change (two events) published to
// four queues, polled now and then (the hot path of every change).
func BenchmarkBusPublish(b *testing.B) {
	bus := NewBus(10000, time.Hour, time.Now)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		bus.Poll(ctx, fmt.Sprint("app", i), fmt.Sprint("s", i), 0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bus.Publish(Event{Type: EventModify, Data: "/rest/api/uom/ManagedSystem/x/LogicalPartition/y", Detail: "PartitionState"},
			Event{Type: EventModify, Data: "/rest/api/uom/ManagedSystem/x", Detail: "Other"})
		if i%100 == 99 {
			for q := 0; q < 4; q++ {
				bus.Poll(ctx, fmt.Sprint("app", q), fmt.Sprint("s", q), 0)
			}
		}
	}
}

// BenchmarkBusPublishAbandoned: what a change's publication costs the
// writer with one live queue (polled every 100 changes), without and with
// 500 queues that were polled once and never again.
func BenchmarkBusPublishAbandoned(b *testing.B) {
	for _, abandoned := range []int{0, 500} {
		b.Run(fmt.Sprint("abandoned=", abandoned), func(b *testing.B) {
			bus := NewBus(0, time.Hour, time.Now)
			ctx := context.Background()
			for i := 0; i < abandoned; i++ {
				bus.Poll(ctx, fmt.Sprint("gone", i), fmt.Sprint("s", i/16), 0)
			}
			bus.Poll(ctx, "live", "slive", 0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bus.Publish(Event{Type: EventAdd, Data: "/rest/api/uom/ManagedSystem/x/LogicalPartition/y"},
					Event{Type: EventModify, Data: "/rest/api/uom/ManagedSystem/x", Detail: "Other"})
				if i%100 == 99 {
					bus.Poll(ctx, "live", "slive", 0)
				}
			}
		})
	}
}
