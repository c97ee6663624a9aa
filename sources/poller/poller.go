// Package poller schedules doradash's sources: it polls each source on its
// own interval, retries failures with capped exponential backoff, keeps the
// last good data of every source, tracks each source's health and fans
// immutable dataset versions out to any number of subscribers.
package poller

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"doradash/model"
	"doradash/sources"
)

// DefaultInterval is the polling interval of an Entry whose Interval is not
// positive. The cmd package normally fills Entry.Interval from the
// configuration's `refresh`.
const DefaultInterval = 30 * time.Second

// DefaultMinBackoff is the first retry delay after a failure and the floor
// between two requests to the same source (at most one a second).
const DefaultMinBackoff = time.Second

// Entry is one source and its polling interval.
type Entry struct {
	Source   sources.Source
	Interval time.Duration // not positive: DefaultInterval
}

// Options tunes a Poller; the zero value is ready for production use.
type Options struct {
	// Clock gives the times written into statuses (LastSuccess, LastAttempt,
	// FailingSince, Updated) and the "now" of staleness. nil: time.Now. With
	// a fixed clock (--now) the statuses are deterministic and no source
	// ever turns stale. Scheduling always uses the real monotonic clock.
	Clock func() time.Time
	// Logger receives one line per state change of a source (not one per
	// retry). nil: discard.
	Logger *slog.Logger
	// MinBackoff is the first retry delay and the minimum spacing of
	// retries and refreshes. Not positive: DefaultMinBackoff (tests lower it).
	MinBackoff time.Duration
	// Rand returns jitter in [0, 1); it is called from several goroutines
	// at once. nil: math/rand/v2.
	Rand func() float64
}

// Poller polls a fixed set of sources and publishes model.Version values.
//
// Concurrency contract:
//   - Latest, Subscribe and Refresh are safe to call from any goroutine at
//     any time, before, during and after Run.
//   - Run is called at most once; it owns every goroutine it starts and
//     returns only after all of them have ended, once its ctx is cancelled.
//     In-flight Fetch calls see that cancellation through their ctx.
//   - PollOnce may be called from any goroutine, also while Run is running;
//     the poller never calls Fetch on one source concurrently.
//   - Published versions are immutable and shared: readers must not modify
//     a Version, its Dataset or its Sources slice.
type Poller struct {
	srcs       []*sourceState
	now        func() time.Time
	log        *slog.Logger
	minBackoff time.Duration
	rand       func() float64

	// mu guards the mutable fields of every sourceState and the fields
	// below it. It is never held while fetching, merging or sending.
	mu      sync.Mutex
	dirty   bool      // some source delivered new data since the last merge
	updated time.Time // when the newest data arrived

	// pubMu serialises publishing so that Seq grows in publication order;
	// merging happens under pubMu only, never under mu or subsMu.
	pubMu sync.Mutex
	seq   uint64
	data  *model.Dataset

	latest atomic.Pointer[model.Version]

	// subsMu guards subs and orders stores to latest with Subscribe;
	// sending to a subscriber and closing its channel both happen under
	// it, so a send never hits a closed channel.
	subsMu sync.Mutex
	subs   map[*subscriber]struct{}

	// wake is signalled (non-blocking, capacity 1) when a poll completed and
	// a new version should be published by Run's publisher.
	wake    chan struct{}
	started atomic.Bool
}

// sourceState is the poller's view of one source. The fields after fetchMu
// are guarded by Poller.mu.
type sourceState struct {
	src      sources.Source
	name     string
	typ      string
	target   string
	interval time.Duration
	refresh  chan struct{} // capacity 1: a pending Refresh request

	// fetchMu serialises Fetch calls on this source (Run and PollOnce).
	fetchMu sync.Mutex

	batch          *model.Batch // last good batch; nil before any data
	counts         recordCounts // distinct records of batch (SPEC §1: a repeated id is one record)
	rejected       int
	firstRejection string
	rejections     model.Rejections // when the source keeps more than the first
	ok             bool             // the last completed poll succeeded
	polled         bool             // some poll completed
	lastSuccess    time.Time
	lastAttempt    time.Time
	inFlightSince  time.Time // start of the running attempt; zero when idle
	err            string
	failures       int
	failingSince   time.Time
	lastDuration   time.Duration
	state          model.SourceState // last computed state, for logging changes
	// Of API sources (sources.Reporter) only: their last reported
	// progress, and the reset a rate-limited poll ended with.
	reporter     sources.Reporter
	progress     sources.Progress
	limitedUntil time.Time
}

// New returns a Poller for entries, in configuration order (later sources
// win when records collide, SPEC §1). It starts nothing: call Run or
// PollOnce. Latest returns an empty dataset with every source pending until
// the first poll completes.
func New(entries []Entry, o Options) *Poller {
	p := &Poller{
		now:        o.Clock,
		log:        o.Logger,
		minBackoff: o.MinBackoff,
		rand:       o.Rand,
		subs:       map[*subscriber]struct{}{},
		wake:       make(chan struct{}, 1),
		data:       model.Merge(),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.minBackoff <= 0 {
		p.minBackoff = DefaultMinBackoff
	}
	if p.rand == nil {
		p.rand = rand.Float64
	}
	for _, e := range entries {
		iv := e.Interval
		if iv <= 0 {
			iv = DefaultInterval
		}
		st := &sourceState{
			src:      e.Source,
			name:     e.Source.Name(),
			typ:      e.Source.Type(),
			target:   e.Source.Target(),
			interval: iv,
			refresh:  make(chan struct{}, 1),
			state:    model.SourcePending,
		}
		if r, ok := e.Source.(sources.Reporter); ok {
			st.reporter = r
			st.progress = r.Progress()
			r.Observe(func(pr sources.Progress, partial *model.Batch) { p.observe(st, pr, partial) })
		}
		p.srcs = append(p.srcs, st)
	}
	p.latest.Store(&model.Version{Data: p.data, Sources: p.statuses(p.now())})
	return p
}

// Latest returns the newest published version. It is never nil: before the
// first poll it is an empty dataset with every source pending (Seq 0).
func (p *Poller) Latest() *model.Version { return p.latest.Load() }

// Refresh asks every source to poll now. It never blocks; requests made
// while one is pending coalesce, and a source is still polled at most once
// per MinBackoff. Requests made before Run take effect when Run starts.
func (p *Poller) Refresh() {
	for _, s := range p.srcs {
		select {
		case s.refresh <- struct{}{}:
		default:
		}
	}
}

// PollOnce polls every source once, concurrently, waits for all of them,
// publishes one version and returns it. It is what `snapshot` and `check`
// use. When ctx is cancelled the polls in flight end promptly and are not
// counted as failures. Every goroutine it starts has ended when it returns.
func (p *Poller) PollOnce(ctx context.Context) *model.Version {
	var wg sync.WaitGroup
	for _, s := range p.srcs {
		wg.Go(func() { p.poll(ctx, s) })
	}
	wg.Wait()
	return p.publish()
}

// Run polls each source on its own schedule until ctx is cancelled: every
// source is polled at once, then after its interval following a success,
// or after a backoff (MinBackoff doubling per consecutive failure, with
// jitter, capped at the interval) following a failure. A slow or hung
// source delays no other. Versions are published as polls complete, and
// staleness is re-evaluated on a coarse timer so a hung source turns stale
// even though no poll completes.
//
// Run panics when called twice. On return every goroutine it started has
// ended, and sources that have a CloseIdleConnections method (the HTTP
// source) have been asked to drop their idle connections.
func (p *Poller) Run(ctx context.Context) {
	if !p.started.CompareAndSwap(false, true) {
		panic("poller: Run called more than once")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range p.srcs {
		wg.Go(func() { p.loop(ctx, s) })
	}
	wg.Go(func() { p.publisher(ctx) })
	wg.Wait()
	for _, s := range p.srcs {
		if c, ok := s.src.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
}

// loop is the schedule of one source; it returns when ctx is cancelled.
func (p *Poller) loop(ctx context.Context, s *sourceState) {
	timer := time.NewTimer(0) // the first poll happens at once
	defer timer.Stop()
	var lastStart time.Time // monotonic start of the last attempt
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.refresh:
			// Poll now, but never sooner than MinBackoff after the last
			// attempt started.
			wait := p.minBackoff - time.Since(lastStart)
			if lastStart.IsZero() || wait < 0 {
				wait = 0
			}
			timer.Reset(wait)
			continue
		case <-timer.C:
		}
		// This poll answers any refresh requested so far.
		select {
		case <-s.refresh:
		default:
		}
		lastStart = time.Now()
		ok := p.poll(ctx, s)
		if ctx.Err() != nil {
			return
		}
		p.signal()
		var delay time.Duration
		p.mu.Lock()
		until := s.limitedUntil
		p.mu.Unlock()
		if ok {
			delay = s.interval
		} else if !until.IsZero() {
			// Nothing is sent before the reset.
			delay = max(time.Until(until), p.minBackoff)
		} else {
			p.mu.Lock()
			n := s.failures
			p.mu.Unlock()
			delay = Backoff(n, s.interval, p.minBackoff, p.rand())
		}
		timer.Reset(delay)
	}
}

// Backoff returns the delay before the next attempt after the given number
// of consecutive failures (1 or more): floor·2^(failures−1) plus up to half
// of that as jitter (jitter in [0, 1)), capped at interval, and never below
// floor even when interval is shorter.
func Backoff(failures int, interval, floor time.Duration, jitter float64) time.Duration {
	jitter = max(0, min(jitter, 1))
	limit := max(interval, floor)
	d := floor
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	d += time.Duration(jitter * float64(d) / 2)
	return min(d, limit)
}

// signal asks the publisher to publish; it never blocks.
func (p *Poller) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// publisher publishes after polls complete and, on a coarse tick, whenever
// a source's state changed by the clock alone (turned stale).
func (p *Poller) publisher(ctx context.Context) {
	tick := time.NewTicker(p.staleTick())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			p.publish()
		case <-tick.C:
			if p.stateChanged() {
				p.publish()
			}
		}
	}
}

// staleTick is how often staleness is re-evaluated: half the shortest
// interval, between 10ms and 5s.
func (p *Poller) staleTick() time.Duration {
	d := 5 * time.Second
	for _, s := range p.srcs {
		d = min(d, s.interval/2)
	}
	return max(d, 10*time.Millisecond)
}

// poll fetches s once and records the outcome. It reports whether the poll
// succeeded; a poll cut short by ctx is not recorded and reports false.
func (p *Poller) poll(ctx context.Context, s *sourceState) bool {
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	if ctx.Err() != nil {
		return false
	}
	start := p.now()
	p.mu.Lock()
	s.inFlightSince = start
	p.mu.Unlock()

	t0 := time.Now()
	res, err := s.src.Fetch(ctx)
	took := time.Since(t0)
	end := p.now()
	var progress sources.Progress
	if s.reporter != nil {
		progress = s.reporter.Progress()
	}
	var limited *sources.RateLimitedError
	errors.As(err, &limited)
	// Counted before taking the lock: a big batch takes a while.
	var counts recordCounts
	switch {
	case limited != nil && limited.Partial != nil:
		counts = countDistinct(limited.Partial)
	case err == nil && !res.Unchanged:
		counts = countDistinct(res.Batch)
	}

	p.mu.Lock()
	s.inFlightSince = time.Time{}
	if s.reporter != nil {
		s.progress = progress
		s.limitedUntil = time.Time{}
		if limited != nil {
			s.limitedUntil = limited.Until
			if limited.Partial != nil {
				// Everything the source knows, older data included.
				s.batch, s.rejected, s.firstRejection = limited.Partial, limited.Rejected, limited.FirstRejection
				s.counts = counts
				s.rejections = model.Rejections{}
				p.dirty = true
				p.updated = end
			}
		}
	}
	if ctx.Err() != nil {
		// Shutting down: this outcome says nothing about the source.
		p.mu.Unlock()
		return false
	}
	prev := s.state
	s.polled = true
	s.lastAttempt = start
	s.lastDuration = took
	if limited != nil {
		// Not a failure: the source waits for the reset (SPEC §8.1).
		s.ok = false
		s.err = err.Error()
	} else if err != nil {
		s.ok = false
		s.err = err.Error()
		if s.failures == 0 {
			s.failingSince = end
		}
		s.failures++
	} else {
		s.ok = true
		s.err = ""
		s.failures = 0
		s.failingSince = time.Time{}
		s.lastSuccess = end
		if !res.Unchanged {
			b := res.Batch
			if b == nil {
				b = &model.Batch{}
			}
			s.batch = b
			s.counts = counts
			s.rejected = res.Rejected
			s.firstRejection = res.FirstRejection
			s.rejections = res.Rejections
			p.dirty = true
			p.updated = end
		}
	}
	s.state = stateOf(s, end)
	cur, failures, msg := s.state, s.failures, s.err
	p.mu.Unlock()

	p.logChange(s.name, prev, cur, failures, msg)
	return err == nil
}

// stateOf computes the state of s at now; the caller holds Poller.mu.
//
// Rules: failing while the latest completed attempt failed (it wins over
// stale: the error says more than the age); otherwise stale when the last
// success is more than two intervals old (a hung poll); otherwise ok after
// a success and pending before any poll completed. A source that never
// succeeded has no data that could be stale: a hung first attempt stays
// pending (the dashboard reads it as "no data yet").
func stateOf(s *sourceState, now time.Time) model.SourceState {
	// API sources (SPEC §8.7): rate limited wins over everything while
	// the source waits for a reset; syncing while its first full read runs.
	if s.reporter != nil {
		if !s.limitedUntil.IsZero() || !s.progress.RateLimitedUntil.IsZero() {
			return model.SourceRateLimited
		}
		if s.progress.Syncing && !s.inFlightSince.IsZero() && (!s.polled || s.ok) {
			return model.SourceSyncing
		}
	}
	if s.polled && !s.ok {
		return model.SourceFailing
	}
	if at := staleAt(s); !at.IsZero() && !now.Before(at) {
		return model.SourceStale
	}
	if !s.polled {
		return model.SourcePending
	}
	return model.SourceOK
}

// staleAt is the first instant at which the data of s is stale: more than
// two intervals after its last success (SPEC §8.7). Zero: s never
// succeeded, so it has no data that could be stale. This is the one place
// of the rule: the status carries it (SourceStatus.StaleAt) and the
// dashboard compares its clock with it.
func staleAt(s *sourceState) time.Time {
	if s.lastSuccess.IsZero() {
		return time.Time{}
	}
	return s.lastSuccess.Add(2*s.interval + time.Nanosecond)
}

// observe takes an API source's progress and partial data from inside its
// Fetch (sources.Reporter), and asks Run's publisher to show them.
func (p *Poller) observe(s *sourceState, pr sources.Progress, partial *model.Batch) {
	var counts recordCounts
	if partial != nil {
		counts = countDistinct(partial)
	}
	p.mu.Lock()
	s.progress = pr
	if partial != nil {
		s.batch = partial
		s.counts = counts
		p.dirty = true
		p.updated = p.now()
	}
	p.mu.Unlock()
	p.signal()
}

// logChange logs a state transition once.
func (p *Poller) logChange(name string, prev, cur model.SourceState, failures int, msg string) {
	if prev == cur {
		return
	}
	switch cur {
	case model.SourceFailing:
		p.log.Warn("source failing", "source", name, "error", msg, "failures", failures)
	case model.SourceStale:
		p.log.Warn("source stale", "source", name)
	case model.SourceRateLimited:
		p.log.Warn("source rate limited", "source", name, "reason", msg)
	case model.SourceOK:
		if prev != model.SourcePending {
			p.log.Info("source recovered", "source", name, "was", string(prev))
		}
	}
}

// stateChanged re-evaluates every state against the clock and reports
// whether any changed (logging the changes).
func (p *Poller) stateChanged() bool {
	now := p.now()
	type change struct {
		name      string
		prev, cur model.SourceState
	}
	var changes []change
	p.mu.Lock()
	for _, s := range p.srcs {
		if st := stateOf(s, now); st != s.state {
			changes = append(changes, change{s.name, s.state, st})
			s.state = st
		}
	}
	p.mu.Unlock()
	for _, c := range changes {
		p.logChange(c.name, c.prev, c.cur, 0, "")
	}
	return len(changes) > 0
}

// statuses returns a fresh copy of every source's status at now, updating
// the recorded states; the caller must not hold mu.
func (p *Poller) statuses(now time.Time) []model.SourceStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusesLocked(now)
}

func (p *Poller) statusesLocked(now time.Time) []model.SourceStatus {
	out := make([]model.SourceStatus, len(p.srcs))
	for i, s := range p.srcs {
		st := model.SourceStatus{
			Name:           s.name,
			Type:           s.typ,
			Target:         s.target,
			State:          stateOf(s, now),
			OK:             s.polled && s.ok,
			Rejected:       s.rejected,
			FirstRejection: s.firstRejection,
			Rejections:     s.rejections,
			LastSuccess:    s.lastSuccess,
			LastAttempt:    s.lastAttempt,
			Error:          s.err,
			Failures:       s.failures,
			FailingSince:   s.failingSince,
			Interval:       s.interval,
			LastDuration:   s.lastDuration,
		}
		st.Deployments = s.counts.deployments
		st.Incidents = s.counts.incidents
		if s.reporter != nil {
			pr := s.progress
			if pr.Syncing {
				st.Progress = pr.Detail
			}
			st.RateLimitedUntil = s.limitedUntil
			if pr.RateLimitedUntil.After(st.RateLimitedUntil) {
				st.RateLimitedUntil = pr.RateLimitedUntil
			}
			st.API = &model.APIStats{Requests: pr.Requests, Cached: pr.Cached,
				RateLimit: pr.RateLimit, RateRemaining: pr.RateRemaining, RateReset: pr.RateReset}
		}
		switch st.State {
		case model.SourceOK, model.SourceStale, model.SourceFailing:
			// The data ages whether the source is ok or failing; syncing
			// and rate limited sources say what they wait for instead.
			st.StaleAt = staleAt(s)
		}
		out[i] = st
	}
	return out
}

// publish builds, stores and fans out a new version. Merging, when some
// source delivered new data, happens under pubMu only, so Latest and
// Subscribe never wait for it.
func (p *Poller) publish() *model.Version {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()

	now := p.now()
	p.mu.Lock()
	var batches []*model.Batch
	dirty := p.dirty
	if dirty {
		batches = make([]*model.Batch, len(p.srcs))
		for i, s := range p.srcs {
			batches[i] = s.batch
		}
		p.dirty = false
	}
	updated := p.updated
	stats := p.statusesLocked(now)
	var changes [][3]string
	for i, s := range p.srcs {
		if stats[i].State != s.state {
			changes = append(changes, [3]string{s.name, string(s.state), string(stats[i].State)})
			s.state = stats[i].State
		}
	}
	p.mu.Unlock()
	for _, c := range changes {
		p.logChange(c[0], model.SourceState(c[1]), model.SourceState(c[2]), 0, "")
	}

	if dirty {
		p.data = model.Merge(batches...)
	}
	p.seq++
	v := &model.Version{Seq: p.seq, Data: p.data, Sources: stats, Updated: updated}
	p.setLatest(v)
	return v
}

// recordCounts is how many distinct records of each kind a batch holds.
type recordCounts struct{ deployments, incidents int }

// countDistinct counts b's records by id: within a source the same kind
// and id is one record (SPEC §1), so a repeated id counts once.
func countDistinct(b *model.Batch) recordCounts {
	if b == nil {
		return recordCounts{}
	}
	return recordCounts{
		deployments: distinctIDs(b.Deployments, func(d *model.Deployment) string { return d.ID }),
		incidents:   distinctIDs(b.Incidents, func(i *model.Incident) string { return i.ID }),
	}
}

func distinctIDs[T any](recs []T, id func(*T) string) int {
	seen := make(map[string]struct{}, len(recs))
	for i := range recs {
		seen[id(&recs[i])] = struct{}{}
	}
	return len(seen)
}
