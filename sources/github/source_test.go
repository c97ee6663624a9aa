package github

import (
	"context"
	"errors"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/github/githubtest"
)

func TestFirstSyncMatchesNativeRecordsAndSecondPollCostsOnly304s(t *testing.T) {
	f := newFake(t)
	f.Generate(250, epoch) // 3 pages of deployments
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if res.Rejected != 0 || res.Batch == nil {
		t.Fatalf("rejected %d (%s), batch %v", res.Rejected, res.FirstRejection, res.Batch != nil)
	}
	got := res.Batch
	if len(got.Deployments) != 250 {
		t.Fatalf("%d deployments, want 250", len(got.Deployments))
	}
	apitest.SameBatch(t, got, expectedBatch(t, f, epoch.Add(-MinHistory), "author"), queries...)
	if lt := metrics(got)[0].LeadTime; lt.Count == 0 {
		t.Fatal("no lead time")
	}
	first, _ := f.Counts()
	// 3 list pages + 250 statuses + 225 successes' commits (1 commit + 224 comparisons… minus nothing)
	if first > 3+250+230 {
		t.Errorf("first sync made %d requests", first)
	}
	if p := s.Progress(); p.Syncing || p.Requests != first || p.RateRemaining != 5000-first {
		t.Errorf("progress after sync: %+v (server saw %d)", p, first)
	}

	res2 := fetch(t, s)
	total, nm := f.Counts()
	second := total - first
	if !res2.Unchanged {
		t.Error("second poll of an unchanged repository is not Unchanged")
	}
	if second != nm || second == 0 {
		t.Errorf("second poll: %d requests, %d of them 304", second, nm)
	}
	t.Logf("first sync %d requests, second poll %d (all 304)", first, second)
}

func TestStatusesChangeBetweenPolls(t *testing.T) {
	f := newFake(t)
	f.Commits = []githubtest.Commit{{SHA: "a1", Author: epoch.Add(-3 * time.Hour), Committer: epoch.Add(-3 * time.Hour)}}
	d := &githubtest.Deployment{ID: 7, SHA: "a1", Env: "production", Created: epoch.Add(-2 * time.Hour),
		Statuses: []githubtest.Status{{ID: 1, State: "queued", Created: epoch.Add(-2 * time.Hour)}}}
	f.Deployments = []*githubtest.Deployment{d}
	s := newTestSource(t, f, nil, nil)
	if res := fetch(t, s); len(res.Batch.Deployments) != 0 {
		t.Fatalf("queued deployment made a record: %+v", res.Batch.Deployments)
	}
	f.Lock()
	d.Statuses = append(d.Statuses, githubtest.Status{ID: 2, State: "in_progress", Created: epoch.Add(-110 * time.Minute)})
	f.Unlock()
	if res := fetch(t, s); !res.Unchanged {
		t.Fatalf("in_progress changed the records: %+v", res)
	}
	f.Lock()
	d.Statuses = append(d.Statuses, githubtest.Status{ID: 3, State: "success", Created: epoch.Add(-100 * time.Minute)},
		githubtest.Status{ID: 4, State: "failure", Created: epoch.Add(-90 * time.Minute)})
	f.Unlock()
	res := fetch(t, s)
	if len(res.Batch.Deployments) != 1 {
		t.Fatalf("records: %+v", res.Batch.Deployments)
	}
	dep := res.Batch.Deployments[0]
	if dep.ID != "github:acme/checkout:7" || dep.Status != model.StatusSuccess ||
		dep.FinishedAt != model.StampOf(epoch.Add(-100*time.Minute)) || len(dep.Commits) != 1 || dep.Commits[0].SHA != "a1" {
		t.Fatalf("record: %+v", dep)
	}
	// Final: a later poll does not read its statuses again.
	before := f.Kind("statuses")
	fetch(t, s)
	if f.Kind("statuses") != before {
		t.Error("statuses of a successful deployment read again")
	}
}

func TestHistoryStopsTheWalk(t *testing.T) {
	f := newFake(t)
	f.Generate(400, epoch) // 1200 hours = 50 days
	s := newTestSource(t, f, nil, func(o *Options) { o.History = 10 * 24 * time.Hour })
	res := fetch(t, s)
	cutoff := epoch.Add(-10 * 24 * time.Hour)
	apitest.SameBatch(t, res.Batch, expectedBatch(t, f, cutoff, "author"))
	// 80 deployments in 10 days: the first page holds them and older ones;
	// the walk stops there.
	if n := f.Kind("deployments"); n != 1 {
		t.Errorf("%d list pages read, want 1", n)
	}
}

func TestCommitTimeCommitter(t *testing.T) {
	f := newFake(t)
	f.Generate(30, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.CommitTime = "committer" })
	res := fetch(t, s)
	apitest.SameBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "committer"))
}

func TestComparisonOverSeveralPages(t *testing.T) {
	f := newFake(t)
	for i := range 260 {
		at := epoch.Add(-time.Duration(300-i) * time.Hour)
		f.Commits = append(f.Commits, githubtest.Commit{SHA: "s" + itoa(i), Author: at, Committer: at})
	}
	f.Deployments = []*githubtest.Deployment{
		{ID: 1, SHA: "s000", Env: "production", Created: epoch.Add(-200 * time.Hour), Statuses: []githubtest.Status{{ID: 1, State: "success", Created: epoch.Add(-200 * time.Hour)}}},
		{ID: 2, SHA: "s259", Env: "production", Created: epoch.Add(-2 * time.Hour), Statuses: []githubtest.Status{{ID: 2, State: "success", Created: epoch.Add(-2 * time.Hour)}}},
	}
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	sortBatch(res.Batch)
	if n := len(res.Batch.Deployments[1].Commits); n != 259 {
		t.Fatalf("second deployment has %d commits, want 259 (three pages)", n)
	}
	if n := f.Kind("compare"); n != 3 {
		t.Errorf("%d comparison pages read, want 3", n)
	}
}

func itoa(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

func TestRateLimitCountdownWaitsForTheReset(t *testing.T) {
	f := newFake(t)
	f.Generate(40, epoch)
	f.Limit, f.Remaining = 60, 60
	f.Reset = epoch.Add(20 * time.Minute)
	s := newTestSource(t, f, nil, func(o *Options) { o.MaxWait = time.Hour })
	fetch(t, s)
	apitest.Waited(t, &f.Core, epoch, 20*time.Minute)
}

func TestRateLimited403WaitsAndSendsNothingBeforeReset(t *testing.T) {
	f := newFake(t)
	f.Generate(150, epoch)
	s := newTestSource(t, f, nil, nil) // MaxWait: 30s
	fetch(t, s)
	// Another client spends the budget; new deployments appear.
	f.Lock()
	f.Remaining = 0
	f.Reset = f.Clock.Now().Add(40 * time.Minute)
	reset := time.Unix(f.Reset.Unix(), 0)
	f.Deployments = append(f.Deployments, &githubtest.Deployment{ID: 5000, SHA: f.Commits[len(f.Commits)-1].SHA, Env: "production",
		Created: epoch.Add(-time.Minute), Statuses: []githubtest.Status{{ID: 99999, State: "success", Created: epoch.Add(-time.Minute)}}})
	f.Unlock()

	res, err := s.Fetch(context.Background())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("Fetch: %v, %+v; want a RateLimitedError", err, res)
	}
	if !rl.Until.Equal(reset) {
		t.Errorf("until %v, want %v", rl.Until, reset)
	}
	if rl.Partial == nil || len(rl.Partial.Deployments) < 130 {
		t.Error("rate-limited poll lost the data it had")
	}
	if p := s.Progress(); !p.RateLimitedUntil.Equal(reset) || p.RateRemaining != 0 {
		t.Errorf("progress: %+v", p)
	}
	apitest.NothingBeforeReset(t, &f.Core, s)
	f.Clock.Advance(41 * time.Minute)
	res = fetch(t, s)
	if res.Batch == nil || len(res.Batch.Deployments) != 151 {
		t.Fatalf("after the reset: %+v", res)
	}
	apitest.Waited(t, &f.Core, epoch, 0)
}

func TestSecondaryRateLimit(t *testing.T) {
	f := newFake(t)
	f.Generate(20, epoch)
	f.Secondary["/statuses"] = 1
	s := newTestSource(t, f, nil, func(o *Options) { o.MaxWait = 2 * time.Minute })
	res := fetch(t, s)
	if len(res.Batch.Deployments) != 20 {
		t.Fatalf("%d deployments", len(res.Batch.Deployments))
	}
	apitest.Waited(t, &f.Core, epoch, 60*time.Second)

	// With the 30s limit of snapshot, the same answer ends the poll.
	f2 := newFake(t)
	f2.Generate(20, epoch)
	f2.Secondary["/statuses"] = 1
	s2 := newTestSource(t, f2, nil, nil)
	_, err := s2.Fetch(context.Background())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(epoch.Add(60*time.Second)) {
		t.Fatalf("got %v", err)
	}
}

func TestServerErrorsAndTimeoutsMidWalkAreRetried(t *testing.T) {
	f := newFake(t)
	f.Generate(150, epoch)
	f.Fail500["/deployments/1010/statuses"] = 2
	f.Hang["/compare/"] = 1
	s := newTestSource(t, f, nil, func(o *Options) { o.Timeout = 2 * time.Second })
	res := fetch(t, s)
	apitest.SameBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author"))

	// Four 500s in a row: the poll fails, the data stays with the caller,
	// and the next poll goes on.
	apitest.Fails500(t, &f.Core, s, "/deployments", 4)
	fetch(t, s)
}

func TestLowHeadroomAfterACompletePoll(t *testing.T) {
	probe := newFake(t)
	probe.Generate(20, epoch)
	fetch(t, newTestSource(t, probe, nil, nil))
	need, _ := probe.Counts()

	f := newFake(t)
	f.Generate(20, epoch)
	f.Lock()
	f.Limit, f.Remaining = 100, need+2 // the last answer leaves 2 of 100
	f.Unlock()
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if len(res.Batch.Deployments) != 20 {
		t.Fatalf("%d deployments", len(res.Batch.Deployments))
	}
	if p := s.Progress(); !p.RateLimitedUntil.IsZero() || p.RateRemaining != 2 {
		t.Errorf("a complete poll reports %+v", p)
	}
	rl := apitest.NothingBeforeReset(t, &f.Core, s)
	if p := s.Progress(); !p.RateLimitedUntil.Equal(rl.Until) {
		t.Errorf("progress %+v", p)
	}
}
