package apisrc

import (
	"context"
	"sync"
	"time"
)

// Request pacing of SPEC §8.1: at most 10 requests a second per source,
// in bursts of at most 10.
const (
	DefaultRate  = 10.0
	DefaultBurst = 10
)

// bucket paces requests with a sliding window: at most burst requests in
// any span of burst/rate (one second at the defaults). A plain token bucket
// of the same rate and burst lets a full bucket plus its refill through in
// one second (up to 20 requests), which breaks "never more than 10 requests
// a second"; the window keeps both halves of the rule.
type bucket struct {
	clock  Clock
	window time.Duration // span in which at most len(sent) requests go

	mu   sync.Mutex
	sent []time.Time // ring of the latest send times, oldest at next
	next int
}

func newBucket(c Clock, rate float64, burst int) *bucket {
	if burst < 1 {
		burst = 1
	}
	return &bucket{
		clock:  c,
		window: time.Duration(float64(burst) / rate * float64(time.Second)),
		sent:   make([]time.Time, burst),
	}
}

// take waits until a request may go and records it; it returns ctx.Err()
// when ctx ends first, without recording one.
func (b *bucket) take(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		oldest := b.sent[b.next]
		if oldest.IsZero() || now.Sub(oldest) >= b.window {
			if err := ctx.Err(); err != nil {
				b.mu.Unlock()
				return err
			}
			b.sent[b.next] = now
			b.next = (b.next + 1) % len(b.sent)
			b.mu.Unlock()
			return nil
		}
		wait := b.window - now.Sub(oldest)
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}
