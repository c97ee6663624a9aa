package apisrc

import (
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
)

// Tracker is what every API source reports of itself through
// sources.Reporter: whether its first full read is done and how far it got,
// the client's request counters and rate-limit headroom, and the reset a
// running or stopped poll waits for. State and the sources that run their
// own Fetch (github, transform) keep one each.
//
// Concurrency: every method may be called from any goroutine.
type Tracker struct {
	client *Client

	mu        sync.Mutex // guards the fields below
	observe   func(sources.Progress, *model.Batch)
	synced    bool      // the first full read is done
	detail    string    // progress of the running first read
	waitUntil time.Time // the reset a running Fetch waits for
	// limitedUntil is the reset the last Fetch stopped at (zero once a
	// Fetch completes).
	limitedUntil time.Time
}

// NewTracker returns the tracker of a source whose requests c makes; it
// registers itself for c's rate-limit waits.
func NewTracker(c *Client) *Tracker {
	t := &Tracker{client: c}
	c.OnWait(t.onWait)
	return t
}

// Observe implements sources.Reporter.
func (t *Tracker) Observe(fn func(sources.Progress, *model.Batch)) {
	t.mu.Lock()
	t.observe = fn
	t.mu.Unlock()
}

// Progress implements sources.Reporter.
func (t *Tracker) Progress() sources.Progress {
	st := t.client.Stats()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := sources.Progress{
		Syncing: !t.synced, Detail: t.detail,
		Requests: st.Requests, Cached: st.Cached,
		RateLimit: st.Limit, RateRemaining: st.Remaining, RateReset: st.Reset,
		// Only while a Fetch waits, or when the last one stopped at a
		// limit: a poll that completed is not rate limited even when the
		// next one will have to wait (it then ends at once, sending
		// nothing).
		RateLimitedUntil: t.waitUntil,
	}
	if t.limitedUntil.After(p.RateLimitedUntil) {
		p.RateLimitedUntil = t.limitedUntil
	}
	if t.synced {
		p.Detail = ""
	}
	return p
}

func (t *Tracker) onWait(until time.Time) {
	t.mu.Lock()
	t.waitUntil = until
	t.mu.Unlock()
	t.Report(nil)
}

// Report tells the observer the progress and, when set, a partial batch.
func (t *Tracker) Report(partial *model.Batch) {
	t.mu.Lock()
	fn := t.observe
	t.mu.Unlock()
	if fn != nil {
		fn(t.Progress(), partial)
	}
}

// SetDetail sets the progress text of the first read ("412 incidents,
// page 5"); it is dropped once the source is synced.
func (t *Tracker) SetDetail(d string) {
	t.mu.Lock()
	t.detail = d
	t.mu.Unlock()
}

// Syncing reports whether the first full read is still to be done.
func (t *Tracker) Syncing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.synced
}

// BeginFetch forgets the reset the previous Fetch stopped at.
func (t *Tracker) BeginFetch() { t.StoppedAt(time.Time{}) }

// StoppedAt records the reset a Fetch stopped at (SPEC §8.1).
func (t *Tracker) StoppedAt(until time.Time) {
	t.mu.Lock()
	t.limitedUntil = until
	t.mu.Unlock()
}

// Synced records a completed full read: the source is no longer syncing
// and not rate limited.
func (t *Tracker) Synced() {
	t.mu.Lock()
	t.synced, t.detail, t.limitedUntil = true, "", time.Time{}
	t.mu.Unlock()
}
