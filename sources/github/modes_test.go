package github

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/github/githubtest"
)

func TestRestartWithTheCacheCostsAFewConditionalRequests(t *testing.T) {
	f := newFake(t)
	f.Generate(500, epoch)
	dir := t.TempDir()
	s := newTestSource(t, f, apisrc.OpenCache(dir, nil), nil)
	first := fetch(t, s)
	n1, _ := f.Counts()

	s2 := newTestSource(t, f, apisrc.OpenCache(dir, nil), nil)
	again := fetch(t, s2)
	n2, nm := f.Counts()
	if n2-n1 > 15 || nm != n2-n1 {
		t.Errorf("restart cost %d requests, %d of them 304", n2-n1, nm)
	}
	sortBatch(first.Batch)
	sortBatch(again.Batch)
	if g, w := metrics(again.Batch), metrics(first.Batch); !slices.EqualFunc(g, w, (*model.Report).Equal) {
		t.Error("restart from the cache changed the metrics")
	}
	if p := s2.Progress(); p.Cached < 400 {
		t.Errorf("progress does not count cached answers: %+v", p)
	}
}

func TestNoCacheFlagEquivalentReadsEverything(t *testing.T) {
	f := newFake(t)
	f.Generate(30, epoch)
	dir := t.TempDir()
	fetch(t, newTestSource(t, f, apisrc.OpenCache(dir, nil), nil))
	n1, _ := f.Counts()
	fetch(t, newTestSource(t, f, apisrc.MemoryCache(), nil))
	if n2, _ := f.Counts(); n2-n1 != n1 {
		t.Errorf("without the cache: %d requests, first run %d", n2-n1, n1)
	}
}

func TestTokenAppearsNowhere(t *testing.T) {
	f := newFake(t)
	f.Generate(60, epoch)
	f.Fail500["/deployments/1010/statuses"] = 9
	dir := t.TempDir()
	s := newTestSource(t, f, apisrc.OpenCache(dir, nil), func(o *Options) { o.Timeout = 2 * time.Second })
	texts := append(apitest.FailingTexts(t, s), apitest.LimitedTexts(&f.Core, s, time.Time{})...)
	texts = append(texts, fmt.Sprintf("%+v", s.Progress()))
	apitest.NoToken(t, testToken, texts, dir, "Bearer")
	if f.BadAuth() != 0 {
		t.Error("requests without the token or GitHub's headers")
	}
}

func TestSyncingPublishesPartialData(t *testing.T) {
	f := newFake(t)
	f.Generate(300, epoch)
	sync := apitest.FirstSync(t, newTestSource(t, f, nil, nil))
	if partial := sync.Deployments; len(partial) < 3 || partial[0] >= 300 || partial[0] == 0 {
		t.Fatalf("partial batches: %v", partial)
	}
	if seen := sync.Seen; seen[0].Detail != "100 deployments, page 1" || !seen[0].Syncing {
		t.Errorf("first progress: %+v", seen[0])
	}
}

func TestIssuesAsIncidents(t *testing.T) {
	f := newFake(t)
	f.Issues = []githubtest.Issue{
		{Number: 1, Title: "checkout down", State: "closed", Created: epoch.Add(-48 * time.Hour), Closed: epoch.Add(-47 * time.Hour), Labels: []string{"incident", "bug", "P2", "sev1"}},
		{Number: 2, Title: "slow", State: "open", Created: epoch.Add(-2 * time.Hour), Labels: []string{"team-a", "incident"}},
		{Number: 3, Title: "reopened", State: "open", Created: epoch.Add(-5 * time.Hour), Closed: epoch.Add(-4 * time.Hour), Labels: []string{"incident", "Critical"}},
		{Number: 4, Title: "a fix", State: "closed", Created: epoch.Add(-3 * time.Hour), Closed: epoch.Add(-time.Hour), Labels: []string{"incident"}, PR: true},
		{Number: 5, Title: "ancient", State: "closed", Created: epoch.Add(-400 * 24 * time.Hour), Closed: epoch.Add(-399 * 24 * time.Hour), Labels: []string{"incident"}},
		{Number: 6, Title: "not ours", State: "open", Created: epoch.Add(-time.Hour), Labels: []string{"bug"}},
	}
	s := newTestSource(t, f, nil, func(o *Options) { o.IncidentLabel = "incident"; o.Service = "shop" })
	res := fetch(t, s)
	sortBatch(res.Batch)
	got := map[string]model.Incident{}
	for _, in := range res.Batch.Incidents {
		got[in.ID] = in
	}
	if len(got) != 3 {
		t.Fatalf("incidents: %+v", res.Batch.Incidents)
	}
	one := got["github:acme/checkout:issue/1"]
	if one.Severity != 2 || one.Title != "checkout down" || one.Service != "shop" ||
		one.StartedAt != model.StampOf(epoch.Add(-48*time.Hour)) || one.DetectedAt != one.StartedAt ||
		one.ResolvedAt != model.StampOf(epoch.Add(-47*time.Hour)) {
		t.Errorf("issue 1: %+v", one)
	}
	if two := got["github:acme/checkout:issue/2"]; two.Severity != model.SeverityUnknown || two.ResolvedAt.IsSet() {
		t.Errorf("issue 2: %+v", two)
	}
	if three := got["github:acme/checkout:issue/3"]; three.Severity != 1 || three.ResolvedAt.IsSet() {
		t.Errorf("reopened issue: %+v", three)
	}
}

func TestWorkflowRunsInDateRangesBelowTheCap(t *testing.T) {
	f := newFake(t)
	// 2,400 runs in 100 days: 720 in some 30-day range would fit, so put
	// 1,500 into 10 days to force a split.
	for i := range 2400 {
		var created time.Time
		if i < 1500 {
			created = epoch.Add(-time.Duration(i) * 9 * time.Minute)
		} else {
			created = epoch.Add(-10*24*time.Hour - time.Duration(i-1500)*2*time.Hour)
		}
		sha := fmt.Sprintf("r%05d", i)
		f.Commits = append([]githubtest.Commit{{SHA: sha, Author: created.Add(-time.Hour), Committer: created.Add(-time.Hour)}}, f.Commits...)
		concl := []string{"success", "success", "failure", "cancelled", "timed_out", "success", "skipped"}[i%7]
		f.Runs = append(f.Runs, githubtest.Run{ID: int64(100000 + i), SHA: sha, Conclusion: concl, Created: created, Updated: created.Add(4 * time.Minute)})
	}
	s := newTestSource(t, f, nil, func(o *Options) { o.Workflow = "deploy.yml"; o.Environment = "prod" })
	res := fetch(t, s)
	want := 0
	for i := range 2400 {
		switch i % 7 {
		case 0, 1, 2, 4, 5:
			want++
		}
	}
	if len(res.Batch.Deployments) != want {
		t.Fatalf("%d run records, want %d", len(res.Batch.Deployments), want)
	}
	d := res.Batch.Deployments[len(res.Batch.Deployments)-1]
	if !strings.HasPrefix(d.ID, "github:acme/checkout:run/") || d.Environment != "prod" {
		t.Errorf("record: %+v", d)
	}
	// Lead time: every success after the first has the commits since the
	// previous success.
	withCommits := 0
	for _, d := range res.Batch.Deployments {
		if len(d.Commits) > 0 {
			withCommits++
		}
	}
	successes := 0
	for i := range 2400 {
		if c := i % 7; c == 0 || c == 1 || c == 5 {
			successes++
		}
	}
	if withCommits != successes {
		t.Errorf("%d runs with commits, want every success (%d)", withCommits, successes)
	}
	if n := f.Kind("runs"); n < 26 {
		t.Errorf("%d run pages: the crowded range was not split", n)
	}
}

func TestFetchCancelledLeavesNoGoroutine(t *testing.T) {
	f := newFake(t)
	f.Generate(200, epoch)
	f.Hang["/statuses"] = 1
	before := runtime.NumGoroutine()
	s := newTestSource(t, f, nil, func(o *Options) { o.Timeout = time.Minute })
	apitest.CancelLeavesNoGoroutine(t, before, s)
}

func TestHistoryMovingOnForgetsOldRecords(t *testing.T) {
	f := newFake(t)
	f.Generate(200, epoch) // 25 days
	now := epoch
	s := newTestSource(t, f, nil, func(o *Options) {
		o.History = 20 * 24 * time.Hour
		o.Now = func() time.Time { return now }
	})
	first := fetch(t, s)
	kept := len(s.commits.m)
	now = epoch.Add(10 * 24 * time.Hour)
	second := fetch(t, s)
	if len(second.Batch.Deployments) >= len(first.Batch.Deployments) || len(s.commits.m) >= kept || len(s.deps) != len(second.Batch.Deployments) {
		t.Errorf("records %d → %d, commit lists %d → %d, deployments tracked %d",
			len(first.Batch.Deployments), len(second.Batch.Deployments), kept, len(s.commits.m), len(s.deps))
	}
	// The oldest one kept has no previous deployment any more: its own
	// commit only (SPEC §8.2).
	sortBatch(second.Batch)
	oldest := second.Batch.Deployments[0]
	if oldest.Status == model.StatusSuccess && len(oldest.Commits) != 1 {
		t.Errorf("oldest kept deployment has %d commits", len(oldest.Commits))
	}
}

func TestSeveralRepositoriesShareOneCache(t *testing.T) {
	dir := t.TempDir()
	cache := apisrc.OpenCache(dir, nil)
	var srcs []*Source
	var fakes []*githubtest.Server
	for i, repo := range []string{"acme/checkout", "acme/search", "other/checkout"} {
		f := newFake(t)
		f.Lock()
		f.Repo = repo
		f.Unlock()
		f.Generate(50+i*40, epoch)
		fakes = append(fakes, f)
		srcs = append(srcs, newTestSource(t, f, cache, func(o *Options) { o.Repo = repo }))
	}
	run := func() []sources.Result {
		out := make([]sources.Result, len(srcs))
		var wg sync.WaitGroup
		for i, s := range srcs {
			wg.Go(func() {
				res, err := s.Fetch(context.Background())
				if err != nil {
					t.Error(err)
				}
				out[i] = res
			})
		}
		wg.Wait()
		return out
	}
	first := run()
	ids := map[string]bool{}
	for i, res := range first {
		if len(res.Batch.Deployments) != 50+i*40 {
			t.Fatalf("repo %d: %d deployments", i, len(res.Batch.Deployments))
		}
		for _, d := range res.Batch.Deployments {
			if ids[d.ID] {
				t.Fatalf("id %s in two repositories", d.ID)
			}
			ids[d.ID] = true
		}
	}
	// A restart of all three from the shared cache: conditional requests only.
	var before []int
	for _, f := range fakes {
		n, _ := f.Counts()
		before = append(before, n)
	}
	cache2 := apisrc.OpenCache(dir, nil)
	for i, s := range srcs {
		repo := s.o.Repo
		srcs[i] = newTestSource(t, fakes[i], cache2, func(o *Options) { o.Repo = repo })
	}
	run()
	for i, f := range fakes {
		n, nm := f.Counts()
		if n-before[i] > 10 || nm == 0 {
			t.Errorf("repo %d: restart cost %d requests", i, n-before[i])
		}
	}
}
