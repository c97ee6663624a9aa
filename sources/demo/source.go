package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"doradash/model"
	"doradash/sources"
)

// Source is the demo source; it implements sources.Source (Type "demo",
// Target "built-in demo data").
type Source struct {
	name  string
	clock func() time.Time

	mu      sync.Mutex // guards the fields below; Fetch is cheap enough to serialise
	fetched bool
	lastNow time.Time
	last    fingerprint
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

// Fetch returns every demo event up to the clock's now. It reports
// Unchanged when nothing changed since the last Fetch: the clock has not
// moved, or it has but no event appeared, aged out or changed.
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
	b := Generate(now)
	fp := fingerprintOf(b)
	unchanged := s.fetched && fp == s.last
	s.fetched, s.lastNow, s.last = true, now, fp
	if unchanged {
		return sources.Result{Unchanged: true}, nil
	}
	return sources.Result{Batch: b}, nil
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
