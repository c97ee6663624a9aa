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

// bucket is a token bucket on a Clock.
type bucket struct {
	clock Clock
	rate  float64 // tokens per second
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(c Clock, rate float64, burst int) *bucket {
	return &bucket{clock: c, rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// take waits until a token is available and takes it; it returns ctx.Err()
// when ctx ends first, without taking one.
func (b *bucket) take(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		if !b.last.IsZero() {
			b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		}
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return ctx.Err()
		}
		wait := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}
