package apisrc

import (
	"context"
	"sync"
	"time"
)

// StepClock is a Clock for tests and benchmarks whose Sleep advances it at
// once, so a wait of an hour for a rate limit takes no time.
type StepClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewStepClock returns a clock standing at t.
func NewStepClock(t time.Time) *StepClock { return &StepClock{t: t} }

// Now returns the clock's time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep advances the clock by d, unless ctx is done.
func (c *StepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the clock forward by d.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	c.mu.Unlock()
}
