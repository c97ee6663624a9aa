package model

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// failureString renders the failing deployments (Populations) compactly for comparison:
// "id[R]:INC/t,INC/id" (R: rolled back; /t: linked by time, /id: by
// deployment_id).
func failureString(fs []FailingDeployment) string {
	var parts []string
	for _, f := range fs {
		s := f.ID
		if f.RolledBack {
			s += "[R]"
		}
		var ls []string
		for _, l := range f.Links {
			how := "/id"
			if l.ByTime {
				how = "/t"
			}
			ls = append(ls, l.IncidentID+how)
		}
		parts = append(parts, s+":"+strings.Join(ls, ","))
	}
	return strings.Join(parts, " ")
}

func TestLinksByTime(t *testing.T) {
	within := func(d time.Duration) func(*Query) { return func(q *Query) { q.LinkWithin = d } }
	envs := func(e ...string) func(*Query) { return func(q *Query) { q.Environments = e } }
	services := func(s ...string) func(*Query) { return func(q *Query) { q.Services = s } }
	const ns = time.Nanosecond
	cases := []struct {
		name  string
		deps  []Deployment
		incs  []Incident
		q     []func(*Query)
		fails string        // failureString of the window's failures
		fdrt  []float64     // failed deployment recovery times, seconds
		prev  int           // failures of the previous window
		extra func(*Report) // further checks
	}{
		{
			name:  "limit exactly equal links",
			deps:  []Deployment{dep("d1", -3*hour)},
			incs:  []Incident{inc("i1", -hour, resolved(-30*time.Minute))},
			q:     []func(*Query){within(2 * hour)},
			fails: "d1:i1/t", fdrt: []float64{secs(150 * time.Minute)},
		},
		{
			name: "a nanosecond over the limit does not link",
			deps: []Deployment{dep("d1", -3*hour-ns)},
			incs: []Incident{inc("i1", -hour, resolved(-30*time.Minute))},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name:  "finished_at equal to started_at links",
			deps:  []Deployment{dep("d1", -hour)},
			incs:  []Incident{inc("i1", -hour, resolved(0))},
			q:     []func(*Query){within(time.Minute)},
			fails: "d1:i1/t", fdrt: []float64{secs(hour)},
		},
		{
			name: "a deployment finished after the start is not the cause; the one before is",
			deps: []Deployment{dep("before", -2*hour), dep("after", -hour+ns)},
			incs: []Incident{inc("i1", -hour, resolved(0))},
			q:    []func(*Query){within(2 * hour)}, fails: "before:i1/t", fdrt: []float64{secs(2 * hour)},
		},
		{
			name: "ties in finished_at: the later id in string order",
			deps: []Deployment{dep("d-10", -2*hour), dep("d-9", -2*hour), dep("d-1", -2*hour)},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)}, fails: "d-9:i1/t",
		},
		{
			name: "only the latest links, not every deployment within the limit",
			deps: []Deployment{dep("old", -90*time.Minute), dep("new", -80*time.Minute)},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)}, fails: "new:i1/t",
		},
		{
			name: "a failed deployment is not counted: the latest counted one links",
			deps: []Deployment{dep("ok", -90*time.Minute), dep("failed", -70*time.Minute, withStatus(StatusFailed))},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)}, fails: "ok:i1/t",
		},
		{
			name: "a failed deployment is skipped even when no counted one is near",
			deps: []Deployment{dep("ok", -5*hour), dep("failed", -70*time.Minute, withStatus(StatusFailed))},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "the latest counted one rolled back: one failure with both reasons",
			deps: []Deployment{dep("rb", -90*time.Minute, withStatus(StatusRolledBack))},
			incs: []Incident{inc("i1", -hour, resolved(0))},
			q:    []func(*Query){within(2 * hour)}, fails: "rb[R]:i1/t", fdrt: []float64{secs(90 * time.Minute)},
		},
		{
			name: "production filter: a later staging deployment is not counted",
			deps: []Deployment{dep("prod", -90*time.Minute), dep("stg", -70*time.Minute, withEnv("staging"))},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)}, fails: "prod:i1/t",
		},
		{
			name: "staging filter: incidents link staging deployments",
			deps: []Deployment{dep("prod", -70*time.Minute), dep("stg", -90*time.Minute, withEnv("Staging"))},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour), envs("STAGING")}, fails: "stg:i1/t",
		},
		{
			name: "other services never link",
			deps: []Deployment{dep("web", -70*time.Minute, withService("web")), dep("api", -4*hour)},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "service names compare exactly",
			deps: []Deployment{dep("d1", -70*time.Minute, withService("API")), dep("d2", -70*time.Minute, withService("api "))},
			incs: []Incident{inc("i1", -hour)},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "an incident without a service does not link, even to deployments without one",
			deps: []Deployment{dep("d1", -70*time.Minute, withService(""))},
			incs: []Incident{inc("i1", -hour, incService(""))},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "services filter: only the filtered service's incidents link",
			deps: []Deployment{dep("api1", -70*time.Minute), dep("web1", -70*time.Minute, withService("web"))},
			incs: []Incident{inc("i-api", -hour, resolved(0)), inc("i-web", -hour, incService("web"), resolved(0))},
			q:    []func(*Query){within(2 * hour), services("web")}, fails: "web1:i-web/t", fdrt: []float64{secs(70 * time.Minute)},
		},
		{
			name: "an explicit deployment_id naming nothing is not linked by time",
			deps: []Deployment{dep("d1", -70*time.Minute)},
			incs: []Incident{inc("i1", -hour, causedBy("nope"), resolved(0))},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "an explicit deployment_id naming a failed deployment is not linked by time",
			deps: []Deployment{dep("d1", -70*time.Minute), dep("bad", -65*time.Minute, withStatus(StatusFailed))},
			incs: []Incident{inc("i1", -hour, causedBy("bad"), resolved(0))},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "explicit links keep counting for any service; time links add to them",
			deps: []Deployment{dep("d1", -5*hour), dep("d2", -70*time.Minute)},
			incs: []Incident{
				inc("i-explicit", -4*hour, causedBy("d1"), incService("other"), resolved(-3*hour)),
				inc("i-time", -hour, resolved(0)),
				inc("i-both", -50*time.Minute, causedBy("d2"), resolved(0)),
			},
			q:     []func(*Query){within(2 * hour)},
			fails: "d1:i-explicit/id d2:i-time/t,i-both/id",
			fdrt:  []float64{secs(2 * hour), secs(70 * time.Minute), secs(70 * time.Minute)},
		},
		{
			name: "two incidents linking one deployment: one failure, two recovery times",
			deps: []Deployment{dep("d1", -3*hour)},
			incs: []Incident{inc("i1", -2*hour, resolved(-90*time.Minute)), inc("i2", -hour-30*time.Minute, resolved(-hour))},
			q:    []func(*Query){within(2 * hour)}, fails: "d1:i1/t,i2/t", fdrt: []float64{secs(90 * time.Minute), secs(2 * hour)},
		},
		{
			name: "off by default",
			deps: []Deployment{dep("d1", -70*time.Minute)},
			incs: []Incident{inc("i1", -hour, resolved(0))},
		},
		{
			name: "a negative limit is off",
			deps: []Deployment{dep("d1", -70*time.Minute)},
			incs: []Incident{inc("i1", -hour, resolved(0))},
			q:    []func(*Query){within(-2 * hour)},
		},
		{
			name: "as of E: an incident starting after E links nothing yet",
			deps: []Deployment{dep("d1", -10*time.Minute)},
			incs: []Incident{inc("i1", ns, resolved(hour))},
			q:    []func(*Query){within(2 * hour)},
		},
		{
			name: "as of E: resolved after E still fails the deployment, without a recovery time",
			deps: []Deployment{dep("d1", -10*time.Minute)},
			incs: []Incident{inc("i1", -5*time.Minute, resolved(ns))},
			q:    []func(*Query){within(2 * hour)}, fails: "d1:i1/t",
		},
		{
			name: "a deployment before the window, linked from inside it: recovery time, no failure",
			deps: []Deployment{dep("old", -7*day-30*time.Minute)},
			incs: []Incident{inc("i1", -7*day+30*time.Minute, resolved(-7*day+hour))},
			q:    []func(*Query){within(2 * hour)}, fdrt: []float64{secs(90 * time.Minute)},
			// The previous window holds the deployment, but the incident
			// started after its end.
			prev: 0,
		},
		{
			name: "an incident in the previous window fails a deployment of the previous window",
			deps: []Deployment{dep("old", -8*day)},
			incs: []Incident{inc("i1", -8*day+hour, resolved(-8*day+2*hour))},
			q:    []func(*Query){within(2 * hour)}, prev: 1,
			extra: func(r *Report) {
				if r.Previous.FailedDeploymentRecoveryTime.Count != 1 {
					t.Errorf("previous recovery count = %d, want 1", r.Previous.FailedDeploymentRecoveryTime.Count)
				}
			},
		},
		{
			name: "incidents of filtered-out services do not count for recovery time",
			deps: []Deployment{dep("d1", -70*time.Minute)},
			incs: []Incident{inc("i1", -hour, resolved(0))},
			q:    []func(*Query){within(2 * hour), services("web")},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Batch{Deployments: c.deps, Incidents: c.incs}
			q := Query{End: end, Days: 7}
			for _, f := range c.q {
				f(&q)
			}
			ds := Merge(&b)
			r := Compute(ds, q)
			fs := Compute(ds, q).Populations().ChangeFailureRate.Failures
			if got := failureString(fs); got != c.fails {
				t.Errorf("failing deployments = %q, want %q", got, c.fails)
			}
			if r.ChangeFailureRate.Failures != len(fs) {
				t.Errorf("change failure rate failures = %d, but %d failing deployments", r.ChangeFailureRate.Failures, len(fs))
			}
			checkStats(t, "failed deployment recovery time", r.FailedDeploymentRecoveryTime.Stats, c.fdrt)
			if got := r.Previous.ChangeFailureRate.Failures; got != c.prev {
				t.Errorf("previous failures = %d, want %d", got, c.prev)
			}
			if c.extra != nil {
				c.extra(r)
			}
		})
	}
}

// TestLinksAgainstDefinition compares Compute and its failing deployments with
// a direct reading of SPEC §3 (every deployment tried for every incident)
// over random small datasets full of ties, filters and edge times.
func TestLinksAgainstDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 3))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	for round := range 3000 {
		var b Batch
		nd, ni := rng.IntN(12), rng.IntN(10)
		// Times on a coarse grid around E and S, so equalities happen.
		when := func() time.Duration { return time.Duration(rng.IntN(24)-20) * 30 * time.Minute }
		if rng.IntN(3) == 0 {
			when = func() time.Duration { return -7*day + time.Duration(rng.IntN(12)-6)*30*time.Minute }
		}
		for range nd {
			d := dep(fmt.Sprintf("d-%d", rng.IntN(nd*2)), when(), withService(pick("a", "b", "")),
				withEnv(pick("production", "production", "staging")))
			d.Status = Status(rng.IntN(3))
			b.Deployments = append(b.Deployments, d)
		}
		for i := range ni {
			in := inc(fmt.Sprintf("i-%d", i), when(), incService(pick("a", "a", "b", "")))
			if rng.IntN(3) > 0 {
				in.ResolvedAt = in.StartedAt + Stamp(rng.IntN(4))*Stamp(time.Hour)
			}
			switch rng.IntN(5) {
			case 0:
				in.DeploymentID = fmt.Sprintf("d-%d", rng.IntN(nd*2+1))
			case 1:
				in.DeploymentID = "missing"
			}
			b.Incidents = append(b.Incidents, in)
		}
		q := Query{End: end, Days: 7, LinkWithin: time.Duration(rng.IntN(5)) * 30 * time.Minute}
		switch rng.IntN(4) {
		case 0:
			q.Environments = []string{"staging"}
		case 1:
			q.Services = []string{"a"}
		}
		ds := Merge(&b)
		r := Compute(ds, q)
		for _, w := range []struct {
			m   *Metrics
			end Stamp
		}{{&r.Metrics, StampOf(end)}, {r.Previous, StampOf(end) - Stamp(7*day)}} {
			wantFails, wantFDRT := linksByDefinition(ds, q, w.end)
			if w.m.ChangeFailureRate.Failures != len(wantFails) {
				t.Fatalf("round %d, E=%v: failures = %d, want %v\n%+v", round, w.end, w.m.ChangeFailureRate.Failures, wantFails, b)
			}
			checkStats(t, fmt.Sprintf("round %d recovery", round), w.m.FailedDeploymentRecoveryTime.Stats, wantFDRT)
			if w.end == StampOf(end) {
				var got []string
				for _, f := range Compute(ds, q).Populations().ChangeFailureRate.Failures {
					got = append(got, f.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, wantFails) {
					t.Fatalf("round %d: failing deployments %v, want %v", round, got, wantFails)
				}
			}
		}
	}
}

// linksByDefinition returns the ids of the failing deployments (sorted)
// and the failed deployment recovery times (seconds) of the window ending
// at e, straight from the words of SPEC §2–3.
func linksByDefinition(ds *Dataset, q Query, e Stamp) ([]string, []float64) {
	s := e - Stamp(int64(q.Days)*nsPerDay)
	envs := q.Environments
	if len(envs) == 0 {
		envs = DefaultEnvironments
	}
	svcOK := func(svc string) bool { return len(q.Services) == 0 || (svc != "" && slices.Contains(q.Services, svc)) }
	counted := func(d *Deployment) bool {
		return d.FinishedAt <= e && d.Status != StatusFailed && svcOK(d.Service) &&
			slices.ContainsFunc(envs, func(x string) bool { return strings.EqualFold(x, d.Environment) })
	}
	target := func(in *Incident) *Deployment {
		if in.DeploymentID != "" {
			d, _ := ds.DeploymentByID(in.DeploymentID)
			return d
		}
		var best *Deployment
		for i := range ds.Deployments {
			d := &ds.Deployments[i]
			if in.Service == "" || d.Service != in.Service || !counted(d) || d.FinishedAt > in.StartedAt ||
				in.StartedAt.Sub(d.FinishedAt) > int64(q.LinkWithin) || q.LinkWithin <= 0 {
				continue
			}
			if best == nil || cmp.Or(cmp.Compare(d.FinishedAt, best.FinishedAt), strings.Compare(d.ID, best.ID)) > 0 {
				best = d
			}
		}
		return best
	}
	failing := map[string]bool{}
	for i := range ds.Deployments {
		if d := &ds.Deployments[i]; counted(d) && d.FinishedAt > s && d.Status == StatusRolledBack {
			failing[d.ID] = true
		}
	}
	var fdrt []float64
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if in.StartedAt > e {
			continue
		}
		d := target(in)
		if d != nil && counted(d) && d.FinishedAt > s {
			failing[d.ID] = true
		}
		if d != nil && counted(d) && svcOK(in.Service) && in.StartedAt > s && in.ResolvedAt != NoStamp && in.ResolvedAt <= e {
			if x := in.ResolvedAt.Sub(d.FinishedAt); x >= 0 {
				fdrt = append(fdrt, float64(x)/1e9)
			}
		}
	}
	ids := make([]string, 0, len(failing))
	for id := range failing {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, fdrt
}

// TestLinksTimelineSharedAndLazy checks that the timeline is built only
// when a query links by time, and that concurrent Computes over one
// Dataset may build it together (run with -race).
func TestLinksTimelineSharedAndLazy(t *testing.T) {
	b := Batch{Deployments: []Deployment{dep("d1", -70*time.Minute)}, Incidents: []Incident{inc("i1", -hour)}}
	ds := Merge(&b)
	Compute(ds, Query{End: end, Days: 7})
	if ds.lazyTL.tl.depStart != nil {
		t.Fatal("the timeline was built for a query without links by time")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if r := Compute(ds, Query{End: end, Days: 7, LinkWithin: 2 * time.Hour}); r.ChangeFailureRate.Failures != 1 {
				t.Errorf("failures = %d, want 1", r.ChangeFailureRate.Failures)
			}
		})
	}
	wg.Wait()
	// A Dataset not made by Merge still links.
	bare := &Dataset{Deployments: ds.Deployments, Incidents: ds.Incidents}
	bare.byID = ds.byID
	bare.index()
	bare.lazyTL = nil
	if r := Compute(bare, Query{End: end, Days: 7, LinkWithin: 2 * time.Hour}); r.ChangeFailureRate.Failures != 1 {
		t.Errorf("without a lazy timeline: failures = %d, want 1", r.ChangeFailureRate.Failures)
	}
}

// TestSkipOlder compares the galloping search with a linear one.
func TestSkipOlder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		deps := make([]timelineDep, rng.IntN(40))
		for i := range deps {
			deps[i].at = Stamp(rng.IntN(50))
		}
		slices.SortFunc(deps, func(a, b timelineDep) int { return cmp.Compare(a.at, b.at) })
		j := rng.IntN(len(deps) + 1)
		st, limit := Stamp(rng.IntN(60)), time.Duration(rng.IntN(10))
		want := j
		for want < len(deps) && st.Sub(deps[want].at) > int64(limit) {
			want++
		}
		if got := skipOlder(deps, j, st, limit); got != want {
			t.Fatalf("skipOlder(%v, %d, %d, %d) = %d, want %d", deps, j, st, limit, got, want)
		}
	}
}
