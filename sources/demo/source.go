package demo

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
)

// horizon is how far past the clock a Fetch generates: the events of the
// coming day are generated once, then revealed as the clock reaches them.
const horizon = 24 * time.Hour

// Source is the demo source; it implements sources.Source (Type "demo",
// Target "built-in demo data").
//
// Generating 400 days of events is the expensive part, so a Fetch does not
// do it every poll: the source keeps every event up to a day ahead (cache)
// and the instants at which what Generate(now) returns changes (an event
// happens or ages out, an incident is detected, acknowledged or resolved).
// A Fetch whose clock moved without crossing one of them is Unchanged at
// the cost of a binary search; one that crossed one slices the kept events.
type Source struct {
	name  string
	clock func() time.Time

	mu      sync.Mutex // guards the fields below; Fetch is cheap enough to serialise
	fetched bool
	lastNow time.Time
	last    fingerprint
	cache   *cache // nil until the first Fetch in range
}

// cache is every demo event in (from−History, until], times later than
// until absent, valid for a clock in [from, until].
type cache struct {
	from, until model.Stamp
	all         *model.Batch
	causedBy    map[string]model.Stamp // finished_at of the deployments that caused an incident
	changes     []model.Stamp          // sorted instants in (from, until] at which the batch changes
}

var _ sources.Source = (*Source)(nil)

// New returns a demo source named name that generates up to clock() on
// every Fetch. A nil clock means time.Now.
func New(name string, clock func() time.Time) *Source {
	if clock == nil {
		clock = time.Now
	}
	return &Source{name: name, clock: clock}
}

// Name returns the source's name from the configuration.
func (s *Source) Name() string { return s.name }

// Type returns "demo".
func (s *Source) Type() string { return "demo" }

// Target returns "built-in demo data".
func (s *Source) Target() string { return "built-in demo data" }

// Fetch returns every demo event up to the clock's now: exactly
// Generate(now). It reports Unchanged when nothing changed since the last
// Fetch: the clock has not moved, or it has but no event appeared, aged
// out or changed.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	if err := ctx.Err(); err != nil {
		return sources.Result{}, fmt.Errorf("demo source %q: generate events: %w", s.name, err)
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetched && now.Equal(s.lastNow) {
		return sources.Result{Unchanged: true}, nil
	}
	var b *model.Batch
	switch {
	case !inRange(now):
		b = &model.Batch{}
	case s.cache != nil && s.cache.covers(now) && s.fetched && s.cache.covers(s.lastNow) &&
		!s.cache.changedBetween(s.lastNow, now):
		s.lastNow = now
		return sources.Result{Unchanged: true}, nil
	default:
		if s.cache == nil || !s.cache.covers(now) {
			s.cache = newCache(now)
		}
		b = s.cache.at(model.StampOf(now))
	}
	fp := fingerprintOf(b)
	unchanged := s.fetched && fp == s.last
	s.fetched, s.lastNow, s.last = true, now, fp
	if unchanged {
		return sources.Result{Unchanged: true}, nil
	}
	return sources.Result{Batch: b}, nil
}

// newCache generates the events a clock in [now, now+horizon] can show.
func newCache(now time.Time) *cache {
	until := now.Add(horizon)
	if until.After(maxNow) {
		until = maxNow
	}
	c := &cache{from: model.StampOf(now), until: model.StampOf(until), causedBy: map[string]model.Stamp{}}
	hist := model.Stamp(History)
	c.all = generate(c.from-hist, c.until, c.causedBy)
	add := func(t model.Stamp) {
		if t.IsSet() && t > c.from && t <= c.until {
			c.changes = append(c.changes, t)
		}
	}
	for i := range c.all.Deployments {
		d := &c.all.Deployments[i]
		add(d.FinishedAt)
		add(d.FinishedAt + hist)
	}
	for i := range c.all.Incidents {
		in := &c.all.Incidents[i]
		add(in.StartedAt)
		add(in.StartedAt + hist)
		add(in.DetectedAt)
		add(in.AcknowledgedAt)
		add(in.ResolvedAt)
		if in.DeploymentID != "" {
			add(c.causedBy[in.DeploymentID] + hist) // the incident goes with its deployment
		}
	}
	slices.Sort(c.changes)
	return c
}

// covers reports whether the cache can answer for a clock at t.
func (c *cache) covers(t time.Time) bool {
	if !inRange(t) {
		return false
	}
	st := model.StampOf(t)
	return st >= c.from && st <= c.until
}

// changedBetween reports whether the batch can differ between clocks a
// and b (either order), both covered.
func (c *cache) changedBetween(a, b time.Time) bool {
	lo, hi := model.StampOf(a), model.StampOf(b)
	if lo > hi {
		lo, hi = hi, lo
	}
	// The batch at t holds what happened at or before t: it changes at an
	// instant c for clocks lo < c ≤ hi.
	i, _ := slices.BinarySearch(c.changes, lo+1)
	return i < len(c.changes) && c.changes[i] <= hi
}

// at is Generate(now) from the cache: the deployments are a slice of the
// kept ones (batches are immutable), the incidents a copy with the times
// later than now absent.
func (c *cache) at(now model.Stamp) *model.Batch {
	lo := now - model.Stamp(History)
	deps := c.all.Deployments
	i := sort.Search(len(deps), func(k int) bool { return deps[k].FinishedAt > lo })
	j := sort.Search(len(deps), func(k int) bool { return deps[k].FinishedAt > now })
	b := &model.Batch{Deployments: deps[i:j:j]}
	incs := c.all.Incidents
	i = sort.Search(len(incs), func(k int) bool { return incs[k].StartedAt > lo })
	j = sort.Search(len(incs), func(k int) bool { return incs[k].StartedAt > now })
	b.Incidents = make([]model.Incident, 0, j-i)
	for _, in := range incs[i:j] {
		if in.DeploymentID != "" {
			// Kept only with the deployment that caused it (which finished
			// before the incident started, so never after now).
			if c.causedBy[in.DeploymentID] <= lo {
				continue
			}
		}
		in.DetectedAt = asOf(in.DetectedAt, now)
		in.AcknowledgedAt = asOf(in.AcknowledgedAt, now)
		in.ResolvedAt = asOf(in.ResolvedAt, now)
		b.Incidents = append(b.Incidents, in)
	}
	return b
}

// asOf hides t when it is later than now.
func asOf(t, now model.Stamp) model.Stamp {
	if t > now {
		return model.NoStamp
	}
	return t
}

// fingerprint summarises a generated batch. Since a batch is a pure function
// of its window and the window only slides, two batches differ exactly when
// an event entered (the counts or the newest times change), aged out (the
// oldest times change) or an incident's detection, acknowledgement or
// resolution came to pass (the counts of present times change).
type fingerprint struct {
	deployments, incidents             int
	detected, acknowledged, resolved   int
	oldestDeployment, newestDeployment model.Stamp
	oldestIncident, newestIncident     model.Stamp
}

// fingerprintOf summarises b, whose records are sorted by time.
func fingerprintOf(b *model.Batch) fingerprint {
	fp := fingerprint{deployments: len(b.Deployments), incidents: len(b.Incidents)}
	if n := len(b.Deployments); n > 0 {
		fp.oldestDeployment, fp.newestDeployment = b.Deployments[0].FinishedAt, b.Deployments[n-1].FinishedAt
	}
	if n := len(b.Incidents); n > 0 {
		fp.oldestIncident, fp.newestIncident = b.Incidents[0].StartedAt, b.Incidents[n-1].StartedAt
	}
	for i := range b.Incidents {
		inc := &b.Incidents[i]
		fp.detected += boolInt(inc.DetectedAt.IsSet())
		fp.acknowledged += boolInt(inc.AcknowledgedAt.IsSet())
		fp.resolved += boolInt(inc.ResolvedAt.IsSet())
	}
	return fp
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
