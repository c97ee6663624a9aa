package poller

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
)

// apiSource is a scripted sources.Reporter: each Fetch runs its script,
// which may report progress and partial data through the observer.
type apiSource struct {
	fakeSource
	mu       sync.Mutex
	observe  func(sources.Progress, *model.Batch)
	progress sources.Progress
	script   func(n int, a *apiSource) (sources.Result, error)
	n        int
}

func (a *apiSource) Observe(fn func(sources.Progress, *model.Batch)) { a.observe = fn }
func (a *apiSource) Progress() sources.Progress {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.progress
}
func (a *apiSource) set(p sources.Progress, partial *model.Batch) {
	a.mu.Lock()
	a.progress = p
	a.mu.Unlock()
	a.observe(p, partial)
}
func (a *apiSource) Fetch(ctx context.Context) (sources.Result, error) {
	a.n++
	return a.script(a.n-1, a)
}

func TestSyncingShowsPartialDataAndProgress(t *testing.T) {
	var during *model.Version
	var p *Poller
	a := &apiSource{fakeSource: fakeSource{name: "gh"}, progress: sources.Progress{Syncing: true}}
	a.script = func(n int, a *apiSource) (sources.Result, error) {
		a.set(sources.Progress{Syncing: true, Detail: "100 deployments, page 1", Requests: 101}, deps("a"))
		during = p.publish()
		a.set(sources.Progress{Requests: 230, Cached: 4, RateLimit: 5000, RateRemaining: 4770}, nil)
		return sources.Result{Batch: deps("a", "b")}, nil
	}
	p = New([]Entry{{Source: a}}, Options{Clock: fixedClock})
	if st := p.Latest().Sources[0]; st.State != model.SourcePending {
		t.Fatalf("before polling: %s", st.State)
	}
	v := p.PollOnce(context.Background())
	st := during.Sources[0]
	if st.State != model.SourceSyncing || st.Progress != "100 deployments, page 1" || st.Deployments != 1 || len(during.Data.Deployments) != 1 {
		t.Errorf("during the first read: %+v, %d records", st, len(during.Data.Deployments))
	}
	st = v.Sources[0]
	if st.State != model.SourceOK || st.Progress != "" || st.API == nil || st.API.Requests != 230 || st.API.RateRemaining != 4770 {
		t.Errorf("after: %+v %+v", st, st.API)
	}
	r := model.SourceReports(v.Sources)[0]
	if r.API == nil || r.RateLimitedUntil != nil {
		t.Errorf("report: %+v", r)
	}
}

func TestRateLimitedKeepsDataAndWins(t *testing.T) {
	until := t0.Add(40 * time.Minute)
	a := &apiSource{fakeSource: fakeSource{name: "gh"}}
	a.script = func(n int, a *apiSource) (sources.Result, error) {
		if n == 0 {
			return sources.Result{Batch: deps("a")}, nil
		}
		a.set(sources.Progress{Syncing: true, RateLimitedUntil: until}, nil)
		return sources.Result{}, &sources.RateLimitedError{Until: until, Partial: deps("a", "b")}
	}
	p := New([]Entry{{Source: a}}, Options{Clock: fixedClock})
	p.PollOnce(context.Background())
	v := p.PollOnce(context.Background())
	st := v.Sources[0]
	if st.State != model.SourceRateLimited || st.OK || !st.RateLimitedUntil.Equal(until) || st.Failures != 0 {
		t.Fatalf("status: %+v", st)
	}
	if len(v.Data.Deployments) != 2 {
		t.Errorf("partial data not kept: %d records", len(v.Data.Deployments))
	}
	r := model.SourceReports(v.Sources)[0]
	if r.State != model.SourceRateLimited || r.RateLimitedUntil == nil || !r.RateLimitedUntil.Equal(until) {
		t.Errorf("report: %+v", r)
	}
}

func TestRateLimitIsLoggedOnce(t *testing.T) {
	until := t0.Add(time.Hour)
	a := &apiSource{fakeSource: fakeSource{name: "gh"}}
	a.script = func(int, *apiSource) (sources.Result, error) {
		return sources.Result{}, &sources.RateLimitedError{Until: until}
	}
	var log logRecorder
	p := New([]Entry{{Source: a}}, Options{Clock: fixedClock, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	p.PollOnce(context.Background())
	p.PollOnce(context.Background())
	if n := strings.Count(log.String(), "source rate limited"); n != 1 {
		t.Errorf("logged %d times: %s", n, log.String())
	}
	if strings.Contains(log.String(), "source failing") {
		t.Error("a rate limit logged as a failure")
	}
}
