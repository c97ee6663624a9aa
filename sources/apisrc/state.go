package apisrc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

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
	prog   *Tracker

	fetchMu  sync.Mutex // one Fetch at a time; guards lastHash
	lastHash [sha256.Size]byte
}

// NewState returns the state of a source whose requests c makes; it
// registers itself for c's rate-limit waits.
func NewState(c *Client) *State {
	return &State{client: c, prog: NewTracker(c)}
}

// Observe implements sources.Reporter.
func (s *State) Observe(fn func(sources.Progress, *model.Batch)) { s.prog.Observe(fn) }

// Progress implements sources.Reporter.
func (s *State) Progress() sources.Progress { return s.prog.Progress() }

// Syncing reports whether the first full read is still to be done.
func (s *State) Syncing() bool { return s.prog.Syncing() }

// SetDetail sets the progress text of the first read ("412 incidents,
// page 5"); it is dropped once the source is synced.
func (s *State) SetDetail(d string) { s.prog.SetDetail(d) }

// Partial publishes the progress and, while the first read runs, the
// records of doc (a native document of everything known so far; only
// written then).
func (s *State) Partial(doc func() []byte) {
	if !s.prog.Syncing() {
		s.prog.Report(nil)
		return
	}
	if b, _, err := sources.Decode(bytes.NewReader(doc()), sources.FormatJSON); err == nil {
		s.prog.Report(b)
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
	s.prog.BeginFetch()

	if err := read(ctx); err != nil {
		var rl *sources.RateLimitedError
		if errors.As(err, &rl) {
			s.prog.StoppedAt(rl.Until)
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
	s.prog.Synced()

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
