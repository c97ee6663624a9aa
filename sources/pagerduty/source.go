package pagerduty

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"doradash/sources"
	"doradash/sources/apisrc"
)

// Source is a PagerDuty source. It implements sources.Source and
// sources.Reporter.
//
// Concurrency: Name, Type, Target, Observe and Progress may be called at
// any time. Fetch calls are serialised; each returns promptly once its ctx
// is cancelled and leaves no goroutine behind (requests are made one at a
// time, so nothing is sent once a rate-limit answer arrived). Every poll
// reads the incident list of the whole history again (PagerDuty has no
// conditional requests); the acknowledgement of a resolved incident is
// read once and then kept in the cache.
type Source struct {
	*apisrc.State
	o      Options
	client *apisrc.Client
	target string

	// Guarded by the State's Fetch (one at a time):
	incidents map[string]listed       // the current poll's list
	kept      []apisrc.NativeIncident // what the last complete poll read
	acks      map[string]*string      // resolved incidents' acknowledgement
	pages     int
	cutoff    time.Time // the running poll's: now − history
}

// New checks o (see Options.Validate) and builds the source.
func New(o Options) (*Source, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("pagerduty source %q: %w", o.Name, err)
	}
	h := http.Header{}
	h.Set("Accept", "application/vnd.pagerduty+json;version=2")
	h.Set("Authorization", "Token token="+o.Token)
	c, err := o.Access.Client(apisrc.PagerDutyRateHeaders, h)
	if err != nil {
		return nil, fmt.Errorf("pagerduty source %q: %w", o.Name, err)
	}
	return &Source{
		State: apisrc.NewState(c), o: o, client: c,
		target: c.Target() + "/incidents",
		acks:   map[string]*string{},
	}, nil
}

// Name returns the configured name.
func (s *Source) Name() string { return s.o.Name }

// Type returns "pagerduty".
func (s *Source) Type() string { return "pagerduty" }

// Target returns the incidents' API URL, without secrets.
func (s *Source) Target() string { return s.target }

// CloseIdleConnections ends idle keep-alive connections.
func (s *Source) CloseIdleConnections() { s.client.CloseIdleConnections() }

// Fetch reads the incidents within history (see sources.Source). A rate
// limit whose reset is further away than MaxWait ends it with a
// *sources.RateLimitedError that carries everything known so far.
func (s *Source) Fetch(ctx context.Context) (sources.Result, error) {
	now := s.o.Now()
	cutoff := now.Add(-s.o.History)
	return s.State.Fetch(ctx, "pagerduty", func(ctx context.Context) error {
		return s.read(ctx, cutoff, now)
	}, s.document)
}

// document writes the incidents known as a native document.
func (s *Source) document() []byte { return apisrc.IncidentDocument(s.records(s.cutoff)) }

// read lists the incidents created between cutoff and now, then finds the
// acknowledgement of each resolved one.
func (s *Source) read(ctx context.Context, cutoff, now time.Time) error {
	s.incidents, s.pages, s.cutoff = map[string]listed{}, 0, cutoff
	if err := s.readIncidents(ctx, cutoff, now); err != nil {
		return err
	}
	if err := s.readAcks(ctx, cutoff); err != nil {
		return err
	}
	s.kept = s.mapAll(cutoff)
	s.incidents = nil
	return nil
}

// records are the native records of the last complete poll or, while a
// poll runs, of what it read so far (with the earlier poll's records it has
// not reached yet, so a partial view loses nothing).
func (s *Source) records(cutoff time.Time) []apisrc.NativeIncident {
	if s.incidents == nil {
		return s.kept
	}
	cur := s.mapAll(cutoff)
	have := map[string]bool{}
	for _, in := range cur {
		have[in.ID] = true
	}
	for _, in := range s.kept {
		if !have[in.ID] {
			cur = append(cur, in)
		}
	}
	return cur
}

// mapAll maps the incidents of the running poll, newest first.
func (s *Source) mapAll(cutoff time.Time) []apisrc.NativeIncident {
	list := make([]listed, 0, len(s.incidents))
	for _, it := range s.incidents {
		if it.created.Before(cutoff) && !it.created.IsZero() {
			continue // SPEC §8.1: older than history
		}
		list = append(list, it)
	}
	sort.Slice(list, func(a, b int) bool {
		if !list[a].created.Equal(list[b].created) {
			return list[a].created.After(list[b].created)
		}
		return list[a].ID < list[b].ID
	})
	out := make([]apisrc.NativeIncident, 0, len(list))
	for _, it := range list {
		out = append(out, s.incident(it.apiIncident))
	}
	return out
}

// listed is an incident of the list with its creation time.
type listed struct {
	apiIncident
	created time.Time // zero when created_at is not a timestamp
}

// parseTime reads a PagerDuty timestamp.
func parseTime(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}
