package poller

import (
	"context"
	"errors"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
)

// TestStaleAtIsTheInstantTheStateTurns: the poller publishes the instant
// its data turns stale, and its own state turns at exactly that instant:
// the rule (more than two intervals without a success) lives in staleAt
// alone, and a reader comparing its clock with StaleAt agrees with it.
func TestStaleAtIsTheInstantTheStateTurns(t *testing.T) {
	clk := &fakeClock{t: t0}
	p := New([]Entry{{Source: &fakeSource{name: "s", step: ok(deps("1"))}, Interval: time.Minute}}, Options{Clock: clk.Now})
	v := p.PollOnce(context.Background())
	at := v.Sources[0].StaleAt
	if want := t0.Add(2*time.Minute + time.Nanosecond); !at.Equal(want) {
		t.Fatalf("StaleAt = %v, want %v", at, want)
	}
	clk.Advance(at.Sub(t0) - time.Nanosecond)
	if st := p.publish().Sources[0]; st.State != model.SourceOK || st.DataStale(clk.Now()) {
		t.Errorf("a nanosecond before StaleAt: state %s, stale %v; want ok", st.State, st.DataStale(clk.Now()))
	}
	clk.Advance(time.Nanosecond)
	st := p.publish().Sources[0]
	if st.State != model.SourceStale || !st.DataStale(clk.Now()) || !st.StaleAt.Equal(at) {
		t.Errorf("at StaleAt: state %s, stale %v, StaleAt %v; want stale since %v", st.State, st.DataStale(clk.Now()), st.StaleAt, at)
	}
}

// TestStaleAtOfEachState: a failing source keeps its state, but its data
// ages all the same, so its StaleAt is published; a source that never
// succeeded has no data to go stale, and a rate-limited one says until
// when it waits instead.
func TestStaleAtOfEachState(t *testing.T) {
	clk := &fakeClock{t: t0}
	failing := &fakeSource{name: "failing", step: func(n int) (sources.Result, error) {
		if n == 0 {
			return sources.Result{Batch: deps("1")}, nil
		}
		return sources.Result{}, errors.New("connection refused")
	}}
	never := &fakeSource{name: "never", step: func(int) (sources.Result, error) {
		return sources.Result{}, errors.New("connection refused")
	}}
	limited := &apiSource{fakeSource: fakeSource{name: "limited"}}
	limited.script = func(int, *apiSource) (sources.Result, error) {
		return sources.Result{}, &sources.RateLimitedError{Until: t0.Add(time.Hour), Partial: deps("a")}
	}
	p := New([]Entry{{Source: failing, Interval: time.Minute}, {Source: never, Interval: time.Minute},
		{Source: limited, Interval: time.Minute}}, Options{Clock: clk.Now})
	p.PollOnce(context.Background())
	clk.Advance(10 * time.Minute)
	v := p.PollOnce(context.Background())
	f, n, l := v.Sources[0], v.Sources[1], v.Sources[2]
	if f.State != model.SourceFailing || !f.StaleAt.Equal(t0.Add(2*time.Minute+time.Nanosecond)) || !f.DataStale(clk.Now()) {
		t.Errorf("failing: state %s, StaleAt %v; want failing with stale data since two minutes after t0", f.State, f.StaleAt)
	}
	if n.State != model.SourceFailing || !n.StaleAt.IsZero() || n.DataStale(clk.Now()) {
		t.Errorf("never succeeded: state %s, StaleAt %v; want no StaleAt", n.State, n.StaleAt)
	}
	if l.State != model.SourceRateLimited || !l.StaleAt.IsZero() || l.DataStale(clk.Now()) {
		t.Errorf("rate limited: state %s, StaleAt %v; want no StaleAt", l.State, l.StaleAt)
	}
}
