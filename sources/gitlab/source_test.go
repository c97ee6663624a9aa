package gitlab

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
	"doradash/sources/apisrc/apitest"
	"doradash/sources/gitlab/gitlabtest"
)

// sameBatch fails the test when got and want differ, naming the first
// difference.
func sameBatch(t *testing.T, got, want *model.Batch) {
	t.Helper()
	apitest.SameBatch(t, got, want)
}

func TestFirstSyncMatchesNativeRecordsAndSecondPollCostsOne304PerList(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(250, epoch) // 3 pages
	f.GenerateIncidents(150, epoch)   // 2 pages of incidents among 300 issues
	s := newTestSource(t, f, nil, func(o *Options) { o.Incidents = true })
	res := fetch(t, s)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %s", res.Rejected, res.FirstRejection)
	}
	want := expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:")
	sameBatch(t, res.Batch, want)
	if g, w := metrics(res.Batch), metrics(want); !slices.EqualFunc(g, w, (*model.Report).Equal) {
		t.Fatal("metrics differ from the same events as native records")
	}
	rep := metrics(res.Batch)[0]
	if rep.LeadTime.Count == 0 || rep.Incidents.Total == 0 || rep.DeploymentFrequency.Count == 0 {
		t.Fatalf("empty report: %+v", rep)
	}
	if q := f.BadQueries(); len(q) > 0 {
		t.Errorf("list requests without the right parameters: %q", q)
	}
	first, _ := f.Counts()
	successes := 0
	for _, d := range want.Deployments {
		if d.Status == model.StatusSuccess {
			successes++
		}
	}
	// 3 + 2 list pages, one compare (or commit) per success.
	if wantN := 3 + 2 + successes; first != wantN {
		t.Errorf("first sync made %d requests, want %d", first, wantN)
	}
	if p := s.Progress(); p.Syncing || p.Requests != first || p.RateRemaining != 2000-first || p.RateLimit != 2000 {
		t.Errorf("progress after sync: %+v (server saw %d)", p, first)
	}

	res2 := fetch(t, s)
	total, nm := f.Counts()
	if !res2.Unchanged {
		t.Error("second poll of an unchanged project is not Unchanged")
	}
	if second := total - first; second != 2 || nm != 2 {
		t.Errorf("second poll: %d requests, %d of them 304; want 2 and 2", second, nm)
	}
}

func TestLinkHeaderAlonePaginates(t *testing.T) {
	f := newFake(t)
	f.LinkOnly = true
	f.GenerateDeployments(230, epoch)
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	sameBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))
	if n := f.Kind("deployments"); n != 3 {
		t.Errorf("%d list pages, want 3", n)
	}
}

func TestStatusesAndFallbacks(t *testing.T) {
	f := newFake(t)
	at := func(h int) *time.Time { t := epoch.Add(time.Duration(h) * time.Hour); return &t }
	f.Commits = []gitlabtest.Commit{
		{SHA: "a1", Author: epoch.Add(-30 * time.Hour), Committer: epoch.Add(-29 * time.Hour)},
		{SHA: "a2", Author: epoch.Add(-20 * time.Hour), Committer: epoch.Add(-19 * time.Hour)},
		{SHA: "a3", Author: epoch.Add(-12 * time.Hour), Committer: epoch.Add(-11 * time.Hour)},
	}
	f.Deployments = []*gitlabtest.Deployment{
		{ID: 1, SHA: "a1", Env: "production", Status: "success", Created: *at(-25), Updated: *at(-24), Finished: at(-24), JobFinished: at(-25)},
		{ID: 2, SHA: "a2", Env: "production", Status: "failed", Created: *at(-15), Updated: *at(-14), JobFinished: at(-14)},
		{ID: 3, SHA: "a3", Env: "production", Status: "success", Created: *at(-10), Updated: *at(-8), NoJob: true},
		{ID: 4, SHA: "a3", Env: "production", Status: "running", Created: *at(-2), Updated: *at(-2)},
		{ID: 5, SHA: "a3", Env: "production", Status: "canceled", Created: *at(-3), Updated: *at(-3)},
		{ID: 6, SHA: "a3", Env: "production", Status: "blocked", Created: *at(-3), Updated: *at(-3)},
		{ID: 7, SHA: "a3", Env: "production", Status: "quantum", Created: *at(-3), Updated: *at(-3)},
		// the same sha again: nothing shipped
		{ID: 8, SHA: "a3", Env: "production", Status: "success", Created: *at(-1), Updated: *at(-1), Finished: at(-1)},
		// nulls: no environment (production), no sha (no commits)
		{ID: 9, SHA: "a2", Env: "x", Status: "success", Created: *at(-5), Updated: *at(-5), Finished: at(-5),
			Raw: map[string]any{"environment": nil, "sha": nil}},
	}
	s := newTestSource(t, f, nil, nil)
	res := fetch(t, s)
	if res.Rejected != 0 {
		t.Fatalf("rejected: %s", res.FirstRejection)
	}
	got := map[string]model.Deployment{}
	for _, d := range res.Batch.Deployments {
		got[strings.TrimPrefix(d.ID, "gitlab:group/app:")] = d
	}
	if len(got) != 5 {
		t.Fatalf("records: %+v", res.Batch.Deployments)
	}
	check := func(id string, status model.Status, fin time.Time, shas ...string) {
		t.Helper()
		d := got[id]
		var gs []string
		for _, c := range d.Commits {
			gs = append(gs, c.SHA)
		}
		if d.Status != status || d.FinishedAt != model.StampOf(fin) || strings.Join(gs, ",") != strings.Join(shas, ",") || d.Service != "app" {
			t.Errorf("deployment %s: %+v, commits %v", id, d, gs)
		}
	}
	check("1", model.StatusSuccess, *at(-24), "a1")      // no P: the commit itself
	check("2", model.StatusFailed, *at(-14))             // job's finished_at
	check("3", model.StatusSuccess, *at(-8), "a2", "a3") // updated_at; compare a1..a3
	check("8", model.StatusSuccess, *at(-1))             // same sha as P
	check("9", model.StatusSuccess, *at(-5))             // no sha
	if env := got["9"].Environment; env != "production" {
		t.Errorf("null environment read as %q", env)
	}
	if c := got["1"].Commits; len(c) != 1 || c[0].CommittedAt != model.StampOf(epoch.Add(-30*time.Hour)) {
		t.Errorf("authored_date not used: %+v", c)
	}
	if n := f.Kind("compare") + f.Kind("commit"); n != 2 {
		t.Errorf("%d commit requests, want 2 (one compare, one commit)", n)
	}
}

func TestStatusChangeBetweenPollsIsReadIncrementally(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(400, epoch) // 4 pages
	s := newTestSource(t, f, nil, nil)
	fetch(t, s)
	before, _ := f.Counts()
	// A new deployment runs, then succeeds.
	f.Lock()
	last := f.Commits[len(f.Commits)-1]
	f.Commits = append(f.Commits, gitlabtest.Commit{SHA: "new1", Author: epoch.Add(-20 * time.Minute), Committer: epoch.Add(-20 * time.Minute)})
	d := &gitlabtest.Deployment{ID: 9999, SHA: "new1", Env: "production", Status: "running", Created: epoch.Add(-10 * time.Minute), Updated: epoch.Add(-10 * time.Minute)}
	f.Deployments = append(f.Deployments, d)
	f.Unlock()
	if res := fetch(t, s); !res.Unchanged {
		t.Fatalf("a running deployment changed the records")
	}
	f.Lock()
	fin := epoch.Add(-5 * time.Minute)
	d.Status, d.Updated, d.Finished = "success", fin, &fin
	f.Unlock()
	res := fetch(t, s)
	after, _ := f.Counts()
	// Two polls: a list page each, and one comparison.
	if after-before != 3 {
		t.Errorf("two incremental polls made %d requests, want 3", after-before)
	}
	var dep model.Deployment
	for _, x := range res.Batch.Deployments {
		if x.ID == "gitlab:group/app:9999" {
			dep = x
		}
	}
	// The commits since the previous success: those of the failed
	// deployment before it, then the new one.
	if n := len(dep.Commits); dep.Status != model.StatusSuccess || n < 2 || dep.Commits[n-1].SHA != "new1" || dep.Commits[n-2].SHA != last.SHA {
		t.Fatalf("new deployment: %+v (previous sha %s)", dep, last.SHA)
	}
	sameBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))
}

func TestDeletionsNoticedAtTheHourlyFullRead(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(300, epoch)
	f.GenerateIncidents(300, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.Incidents = true })
	fetch(t, s)
	f.Lock()
	f.Deployments = append(f.Deployments[:10], f.Deployments[11:]...) // an old one, deep down the list
	f.Issues[20].Type = "issue"                                       // no longer an incident
	f.Unlock()
	fetch(t, s) // incremental: first pages unchanged
	f.Clock.Advance(reconcileEvery)
	res := fetch(t, s)
	sameBatch(t, res.Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))
}

func TestHistoryStopsTheWalkAndOlderRecordsAreIgnored(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(400, epoch) // 1200 hours = 50 days
	f.GenerateIncidents(400, epoch)   // 800 hours
	s := newTestSource(t, f, nil, func(o *Options) { o.History = 10 * 24 * time.Hour; o.Incidents = true })
	res := fetch(t, s)
	cutoff := epoch.Add(-10 * 24 * time.Hour)
	sameBatch(t, res.Batch, expectedBatch(t, f, cutoff, "author", "gitlab:group/app:"))
	// 80 deployments and 120 incidents in 10 days: the walk stops at the
	// first page that reaches back before the history.
	if n := f.Kind("deployments"); n != 1 {
		t.Errorf("%d deployment pages read, want 1", n)
	}
	if n := f.Kind("issues"); n != 2 {
		t.Errorf("%d issue pages read, want 2", n)
	}
	// Updated recently, created long ago: still ignored.
	f.Lock()
	f.Deployments[0].Updated = epoch.Add(-time.Minute)
	f.Issues[0].Updated = epoch.Add(-time.Minute)
	f.Unlock()
	res = fetch(t, s)
	if !res.Unchanged {
		t.Errorf("an old record updated lately entered the records")
	}
}

func TestCommitTimeCommitter(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(30, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.CommitTime = "committer" })
	sameBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "committer", "gitlab:group/app:"))
}

func TestNumericProjectID(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(20, epoch)
	f.GenerateIncidents(5, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.Project = "412"; o.Service = "app"; o.Incidents = true })
	sameBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:412:"))
}

func TestNestedGroupPathIsEncoded(t *testing.T) {
	f := newFake(t)
	f.Lock()
	f.Project = "acme/platform/checkout.api"
	f.Unlock()
	f.GenerateDeployments(5, epoch)
	s := newTestSource(t, f, nil, func(o *Options) { o.Project = "acme/platform/checkout.api" })
	res := fetch(t, s)
	if len(res.Batch.Deployments) == 0 || res.Batch.Deployments[0].Service != "checkout.api" ||
		!strings.HasPrefix(res.Batch.Deployments[0].ID, "gitlab:acme/platform/checkout.api:") {
		t.Fatalf("records: %+v", res.Batch.Deployments)
	}
	if want := "/api/v4/projects/acme%2Fplatform%2Fcheckout.api"; !strings.HasSuffix(s.Target(), want) {
		t.Errorf("target %q", s.Target())
	}
}

func TestIncidentsFromIssues(t *testing.T) {
	f := newFake(t)
	at := func(h int) time.Time { return epoch.Add(time.Duration(h) * time.Hour) }
	closed := at(-47)
	stale := at(-4)
	f.Issues = []*gitlabtest.Issue{
		{IID: 1, Title: "checkout down", State: "closed", Severity: "CRITICAL", Created: at(-48), Updated: closed, Closed: &closed},
		{IID: 2, Title: "slow", State: "opened", Severity: "HIGH", Created: at(-6), Updated: at(-6)},
		{IID: 3, Title: "medium", State: "opened", Severity: "MEDIUM", Created: at(-5), Updated: at(-5)},
		{IID: 4, Title: "low", State: "opened", Severity: "LOW", Created: at(-5), Updated: at(-5)},
		{IID: 5, Title: "unknown", State: "opened", Severity: "UNKNOWN", Created: at(-5), Updated: at(-5)},
		{IID: 6, Title: "odd", State: "opened", Severity: "SEV9", Created: at(-5), Updated: at(-5)},
		{IID: 7, Title: "reopened", State: "opened", Severity: "LOW", Created: at(-5), Updated: at(-3), Closed: &stale},
		{IID: 8, Title: "nulls", State: "opened", Created: at(-5), Updated: at(-3), Raw: map[string]any{"severity": nil, "title": nil}},
		{IID: 9, Title: "a bug", State: "opened", Type: "issue", Created: at(-2), Updated: at(-2)},
		{IID: 10, Title: "ancient", State: "closed", Severity: "HIGH", Created: at(-400 * 24), Updated: at(-399 * 24), Closed: &closed},
	}
	s := newTestSource(t, f, nil, func(o *Options) { o.Incidents = true; o.Service = "shop" })
	res := fetch(t, s)
	got := map[string]model.Incident{}
	for _, in := range res.Batch.Incidents {
		got[strings.TrimPrefix(in.ID, "gitlab:group/app:issue/")] = in
	}
	if len(got) != 8 || res.Rejected != 0 {
		t.Fatalf("incidents: %+v (rejected %d)", res.Batch.Incidents, res.Rejected)
	}
	one := got["1"]
	if one.Severity != 1 || one.Title != "checkout down" || one.Service != "shop" ||
		one.StartedAt != model.StampOf(at(-48)) || one.DetectedAt != one.StartedAt || one.ResolvedAt != model.StampOf(closed) {
		t.Errorf("issue 1: %+v", one)
	}
	for id, sev := range map[string]model.Severity{"2": 2, "3": 3, "4": 4, "5": model.SeverityUnknown, "6": model.SeverityUnknown, "8": model.SeverityUnknown} {
		if got[id].Severity != sev {
			t.Errorf("issue %s: severity %v, want %v", id, got[id].Severity, sev)
		}
	}
	if seven := got["7"]; seven.ResolvedAt.IsSet() {
		t.Errorf("reopened issue resolved: %+v", seven)
	}
}

func TestRateLimitHeadersMakeTheSourceWaitForTheReset(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(40, epoch) // 1 page and 34 commit lists
	f.Limit, f.Remaining = 30, 30
	s := newTestSource(t, f, nil, func(o *Options) { o.MaxWait = time.Hour })
	sameBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))
	apitest.Waited(t, &f.Core, epoch, time.Minute) // for the reset at 0 of 30 left
}

func TestTooManyRequestsWithRetryAfter(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(20, epoch)
	f.Throttle["/repository/"] = 1
	s := newTestSource(t, f, nil, func(o *Options) { o.MaxWait = 2 * time.Minute })
	sameBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))
	apitest.Waited(t, &f.Core, epoch, 30*time.Second)

	// With snapshot's 30 s, a longer reset ends the poll as rate limited,
	// keeping what was read, and sends nothing before the reset.
	f2 := newFake(t)
	f2.GenerateDeployments(150, epoch)
	s2 := newTestSource(t, f2, nil, nil)
	fetch(t, s2)
	f2.Lock()
	f2.Remaining = 0
	f2.Reset = f2.Clock.Now().Add(40 * time.Minute)
	reset := time.Unix(f2.Reset.Unix(), 0)
	f2.Unlock()
	_, err := s2.Fetch(context.Background())
	var rl *sources.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("Fetch: %v; want a RateLimitedError", err)
	}
	if rl.Until.Sub(reset).Abs() > time.Second || rl.Partial == nil || len(rl.Partial.Deployments) < 100 {
		t.Errorf("until %v (want %v), partial %v", rl.Until, reset, rl.Partial != nil)
	}
	apitest.NothingBeforeReset(t, &f2.Core, s2)
	f2.Clock.Advance(41 * time.Minute)
	fetch(t, s2)
	apitest.Waited(t, &f2.Core, epoch, 0)
}

func TestServerErrorsAndTimeoutsMidWalkAreRetried(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(150, epoch)
	f.GenerateIncidents(150, epoch)
	f.Fail500["/issues"] = 2
	f.Fail500["/repository/compare"] = 3
	f.Hang["/deployments"] = 1
	s := newTestSource(t, f, nil, func(o *Options) { o.Timeout = 2 * time.Second; o.Incidents = true })
	sameBatch(t, fetch(t, s).Batch, expectedBatch(t, f, epoch.Add(-MinHistory), "author", "gitlab:group/app:"))

	// Four 500s in a row on page 2: the poll fails, the next goes on.
	f.Clock.Advance(reconcileEvery) // a full read, so page 2 is asked for
	apitest.Fails500(t, &f.Core, s, "/deployments", 4)
	fetch(t, s)
}

// A deployment without any time to use is a rejected record, named, and
// the others are kept.
func TestDeploymentWithoutAnyTimeIsRejected(t *testing.T) {
	f := newFake(t)
	f.GenerateDeployments(5, epoch)
	f.Lock()
	f.Deployments[2].Finished, f.Deployments[2].NoJob = nil, true
	f.Deployments[2].Raw = map[string]any{"updated_at": nil, "status": "failed"}
	f.Unlock()
	res := fetch(t, newTestSource(t, f, nil, nil))
	if res.Rejected != 1 || !strings.Contains(res.FirstRejection, "finished_at: missing") || len(res.Batch.Deployments) != 4 {
		t.Fatalf("rejected %d (%q), %d records", res.Rejected, res.FirstRejection, len(res.Batch.Deployments))
	}
}
