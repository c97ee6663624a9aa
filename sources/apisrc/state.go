package apisrc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
)

// State is the part of a vendor source that is the same for every vendor:
// its progress (sources.Reporter) and the steps of a Fetch around the
// vendor's reading — holding the cache, stopping at a rate limit with what
// is known, and turning the native document it writes into a Result
// through the native decoder. A vendor source embeds a *State, so its
// Observe and Progress are the State's.
//
// Concurrency: Observe and Progress may be called at any time; Fetch calls
// are serialised by the State.
type State struct {
	client *Client

	mu        sync.Mutex // guards the fields below
	observe   func(sources.Progress, *model.Batch)
	synced    bool      // the first full read is done
	detail    string    // progress of the running first read
	waitUntil time.Time // the reset a running Fetch waits for
	// limitedUntil is the reset the last Fetch stopped at (zero once a
	// Fetch completes).
	limitedUntil time.Time

	fetchMu  sync.Mutex // one Fetch at a time; guards lastHash
	lastHash [sha256.Size]byte
}

// NewState returns the state of a source whose requests c makes; it
// registers itself for c's rate-limit waits.
func NewState(c *Client) *State {
	s := &State{client: c}
	c.OnWait(s.onWait)
	return s
}

// Observe implements sources.Reporter.
func (s *State) Observe(fn func(sources.Progress, *model.Batch)) {
	s.mu.Lock()
	s.observe = fn
	s.mu.Unlock()
}

// Progress implements sources.Reporter.
func (s *State) Progress() sources.Progress {
	st := s.client.Stats()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := sources.Progress{
		Syncing: !s.synced, Detail: s.detail,
		Requests: st.Requests, Cached: st.Cached,
		RateLimit: st.Limit, RateRemaining: st.Remaining, RateReset: st.Reset,
		// Only while a Fetch waits, or when the last one stopped at a
		// limit: a poll that completed is not rate limited.
		RateLimitedUntil: s.waitUntil,
	}
	if s.limitedUntil.After(p.RateLimitedUntil) {
		p.RateLimitedUntil = s.limitedUntil
	}
	if s.synced {
		p.Detail = ""
	}
	return p
}

func (s *State) onWait(until time.Time) {
	s.mu.Lock()
	s.waitUntil = until
	s.mu.Unlock()
	s.report(nil)
}

// report tells the observer the progress and, when set, a partial batch.
func (s *State) report(partial *model.Batch) {
	s.mu.Lock()
	fn := s.observe
	s.mu.Unlock()
	if fn != nil {
		fn(s.Progress(), partial)
	}
}

// SetDetail sets the progress text of the first read ("412 incidents,
// page 5"); it is dropped once the source is synced.
func (s *State) SetDetail(d string) {
	s.mu.Lock()
	s.detail = d
	s.mu.Unlock()
}

// Partial publishes the progress and, while the first read runs, the
// records of doc (a native document of everything known so far; only
// written then).
func (s *State) Partial(doc func() []byte) {
	s.mu.Lock()
	syncing := !s.synced
	s.mu.Unlock()
	if !syncing {
		s.report(nil)
		return
	}
	if b, _, err := sources.Decode(bytes.NewReader(doc()), sources.FormatJSON); err == nil {
		s.report(b)
	}
}

// Fetch runs one poll: read brings the vendor's state up to date, doc then
// writes everything known as a native document (SPEC §1). what names the
// source in errors ("pagerduty"). A rate limit further away than the
// client's MaxWait ends the poll with a *sources.RateLimitedError that
// carries doc's records; an unchanged document is an Unchanged result.
func (s *State) Fetch(ctx context.Context, what string, read func(context.Context) error, doc func() []byte) (sources.Result, error) {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	release := s.client.Cache().Hold()
	defer release()
	s.mu.Lock()
	s.limitedUntil = time.Time{}
	s.mu.Unlock()

	if err := read(ctx); err != nil {
		var rl *sources.RateLimitedError
		if errors.As(err, &rl) {
			s.mu.Lock()
			s.limitedUntil = rl.Until
			s.mu.Unlock()
			b, rej, derr := sources.Decode(bytes.NewReader(doc()), sources.FormatJSON)
			if derr == nil {
				rl.Partial, rl.Rejected, rl.FirstRejection = b, rej.Count, rej.First
			}
			return sources.Result{}, rl
		}
		if ctx.Err() != nil {
			return sources.Result{}, fmt.Errorf("%s: cancelled: %w", what, ctx.Err())
		}
		return sources.Result{}, fmt.Errorf("%s: %w", what, err)
	}
	s.mu.Lock()
	s.synced, s.detail = true, ""
	s.mu.Unlock()

	d := doc()
	h := sha256.Sum256(d)
	if h == s.lastHash {
		return sources.Result{Unchanged: true}, nil
	}
	b, rej, err := sources.Decode(bytes.NewReader(d), sources.FormatJSON)
	if err != nil {
		return sources.Result{}, fmt.Errorf("%s: %w", what, err)
	}
	s.lastHash = h
	return sources.Result{Batch: b, Rejected: rej.Count, FirstRejection: rej.First}, nil
}
