package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// end is the window end of every hand-made case: 2026-06-01T12:00:00Z.
var end = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// at returns E shifted by d (negative: before E).
func at(d time.Duration) Stamp { return StampOf(end.Add(d)) }

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

func dep(id string, finished time.Duration, opts ...func(*Deployment)) Deployment {
	d := Deployment{ID: id, Service: "api", Environment: "production", FinishedAt: at(finished)}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func withCommit(sha string, committed time.Duration) func(*Deployment) {
	return func(d *Deployment) { d.Commits = append(d.Commits, Commit{SHA: sha, CommittedAt: at(committed)}) }
}
func withStatus(s Status) func(*Deployment)  { return func(d *Deployment) { d.Status = s } }
func withEnv(e string) func(*Deployment)     { return func(d *Deployment) { d.Environment = e } }
func withService(s string) func(*Deployment) { return func(d *Deployment) { d.Service = s } }

type incOpt func(*Incident)

func inc(id string, started time.Duration, opts ...incOpt) Incident {
	i := Incident{ID: id, Service: "api", Severity: 1, StartedAt: at(started)}
	for _, o := range opts {
		o(&i)
	}
	return i
}
func resolved(d time.Duration) incOpt { return func(i *Incident) { i.ResolvedAt = at(d) } }
func detected(d time.Duration) incOpt { return func(i *Incident) { i.DetectedAt = at(d) } }
func acked(d time.Duration) incOpt    { return func(i *Incident) { i.AcknowledgedAt = at(d) } }
func sev(s Severity) incOpt           { return func(i *Incident) { i.Severity = s } }
func causedBy(id string) incOpt       { return func(i *Incident) { i.DeploymentID = id } }
func incService(s string) incOpt      { return func(i *Incident) { i.Service = s } }
func secs(d time.Duration) float64    { return d.Seconds() }
func ptr[T any](v T) *T               { return &v }
func tierOf(t *Tier) Tier             { return *cmpOr(t, ptr(TierNone)) }
func cmpOr[T any](p *T, def *T) *T {
	if p == nil {
		return def
	}
	return p
}

func run(days int, b Batch, q ...func(*Query)) *Report {
	query := Query{End: end, Days: days}
	for _, f := range q {
		f(&query)
	}
	return Compute(Merge(&b), query)
}

func checkStats(t *testing.T, name string, got Stats, want []float64) {
	t.Helper()
	if got.Count != len(want) {
		t.Fatalf("%s: count = %d, want %d", name, got.Count, len(want))
	}
	if len(want) == 0 {
		if got.Median != nil || got.Mean != nil || got.P90 != nil {
			t.Fatalf("%s: empty population must have null values, got %+v", name, got)
		}
		return
	}
	s := slices.Clone(want)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	p90 := s[int(math.Ceil(0.9*float64(n)))-1]
	for _, c := range []struct {
		what      string
		got, want float64
	}{{"median", *got.Median, med}, {"mean", *got.Mean, sum / float64(n)}, {"p90", *got.P90, p90}} {
		if math.Abs(c.got-c.want) > 1e-6 {
			t.Errorf("%s: %s = %v, want %v", name, c.what, c.got, c.want)
		}
	}
}

func TestDeploymentFrequencyWindowEdges(t *testing.T) {
	b := Batch{Deployments: []Deployment{
		dep("at-start", -7*day),                         // S itself: outside (S < t)
		dep("just-after-start", -7*day+time.Nanosecond), // day 0
		dep("day0-end", -6*day),                         // S+24h: still day 0
		dep("day1", -6*day+time.Second),                 // day 1
		dep("at-end", 0),                                // E: inside, last day
		dep("future", time.Nanosecond),                  // after E: ignored
		dep("failed", -hour, withStatus(StatusFailed)),
		dep("rolled", -hour, withStatus(StatusRolledBack)),
		dep("staging", -hour, withEnv("staging")),
		dep("upper", -2*hour, withEnv("PRODUCTION")),
	}}
	r := run(7, b)
	df := r.DeploymentFrequency
	if want := []int{2, 1, 0, 0, 0, 0, 3}; !slices.Equal(df.Daily, want) {
		t.Fatalf("daily = %v, want %v", df.Daily, want)
	}
	if df.Count != 6 || df.DeployDays != 3 {
		t.Fatalf("count, deploy_days = %d, %d; want 6, 3", df.Count, df.DeployDays)
	}
	if math.Abs(df.PerDay-6.0/7) > 1e-12 || math.Abs(df.PerWeek-6) > 1e-9 {
		t.Fatalf("per_day, per_week = %v, %v", df.PerDay, df.PerWeek)
	}
	if tierOf(df.Tier) != TierHigh {
		t.Fatalf("tier = %q, want high", tierOf(df.Tier))
	}
	if r.Window.Start != end.Add(-7*day) || r.Window.End != end {
		t.Fatalf("window = %+v", r.Window)
	}
}

func TestFilters(t *testing.T) {
	b := Batch{
		Deployments: []Deployment{
			dep("a", -hour),
			dep("b", -hour, withService("web")),
			dep("c", -hour, withService("")),
			dep("d", -hour, withEnv("Staging")),
		},
		Incidents: []Incident{
			inc("i1", -hour),
			inc("i2", -hour, incService("web")),
			inc("i3", -hour, incService("")),
		},
	}
	cases := []struct {
		name     string
		envs     []string
		services []string
		deps     int
		incs     int
	}{
		{"defaults", nil, nil, 3, 3},
		{"service web", nil, []string{"web"}, 1, 1},
		{"two services", nil, []string{"web", "api"}, 2, 2},
		{"empty service never matches a filter", nil, []string{""}, 0, 0},
		{"environment case-insensitive", []string{"STAGING"}, nil, 1, 3},
		{"two environments", []string{"staging", "production"}, nil, 4, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(1, b, func(q *Query) { q.Environments, q.Services = c.envs, c.services })
			if r.DeploymentFrequency.Count != c.deps || r.Incidents.Total != c.incs {
				t.Fatalf("deployments, incidents = %d, %d; want %d, %d",
					r.DeploymentFrequency.Count, r.Incidents.Total, c.deps, c.incs)
			}
		})
	}
}

func TestLeadTime(t *testing.T) {
	cases := []struct {
		name string
		deps []Deployment
		want []float64 // seconds
	}{
		{"one commit", []Deployment{dep("a", -hour, withCommit("x", -3*hour))}, []float64{secs(2 * hour)}},
		{"commit after its deployment is negative and left out",
			[]Deployment{dep("a", -hour, withCommit("x", -30*time.Minute))}, nil},
		{"zero duration counts", []Deployment{dep("a", -hour, withCommit("x", -hour))}, []float64{0}},
		{"earliest commit time across listings",
			[]Deployment{dep("a", -2*hour, withCommit("x", -3*hour)), dep("b", -hour, withCommit("x", -5*hour))},
			[]float64{secs(3 * hour)}},
		{"first deployment before the window drops the key",
			[]Deployment{dep("old", -3*day, withCommit("x", -4*day)), dep("new", -hour, withCommit("x", -4*day))}, nil},
		{"failed deployments do not count as first deployment",
			[]Deployment{dep("f", -5*hour, withCommit("x", -6*hour), withStatus(StatusFailed)), dep("ok", -hour, withCommit("x", -2*hour))},
			[]float64{secs(hour)}},
		{"rolled back deployments count",
			[]Deployment{dep("rb", -5*hour, withCommit("x", -6*hour), withStatus(StatusRolledBack)), dep("ok", -hour, withCommit("x", -2*hour))},
			[]float64{secs(hour)}},
		{"same sha in two services is two keys",
			[]Deployment{dep("a", -hour, withCommit("x", -2*hour)), dep("b", -hour, withCommit("x", -3*hour), withService("web"))},
			[]float64{secs(hour), secs(2 * hour)}},
		{"commit time later than E is ignored",
			[]Deployment{dep("a", -hour, withCommit("x", -2*hour)), dep("b", -30*time.Minute, withCommit("x", hour))},
			[]float64{secs(hour)}},
		{"deployment after E is ignored",
			[]Deployment{dep("future", hour, withCommit("x", -2*hour))}, nil},
		{"staging deployment is filtered out",
			[]Deployment{dep("s", -hour, withCommit("x", -2*hour), withEnv("staging"))}, nil},
		{"even count median",
			[]Deployment{dep("a", -hour, withCommit("x", -2*hour), withCommit("y", -4*hour))},
			[]float64{secs(hour), secs(3 * hour)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(2, Batch{Deployments: c.deps})
			checkStats(t, "lead_time", r.LeadTime.Stats, c.want)
		})
	}
}

func TestChangeFailureRate(t *testing.T) {
	b := Batch{
		Deployments: []Deployment{
			dep("ok1", -hour), dep("ok2", -hour), dep("ok3", -hour),
			dep("rb", -hour, withStatus(StatusRolledBack)),
			dep("caused", -2*hour),
			dep("caused-later", -2*hour),
			dep("failed", -hour, withStatus(StatusFailed)),
			dep("other-svc", -3*hour, withService("web")),
		},
		Incidents: []Incident{
			inc("i1", -hour, causedBy("caused"), incService("web")), // any service
			inc("i2", hour, causedBy("caused-later")),               // after E: does not count
			inc("i3", -hour, causedBy("failed")),                    // failed deployments are not counted
		},
	}
	r := run(1, b, func(q *Query) { q.Services = []string{"api"} })
	cfr := r.ChangeFailureRate
	if cfr.Deployments != 6 || cfr.Failures != 2 || *cfr.Rate != 2.0/6 {
		t.Fatalf("cfr = %d/%d rate %v, want 2/6", cfr.Failures, cfr.Deployments, *cfr.Rate)
	}
	if tierOf(cfr.Tier) != TierLow {
		t.Fatalf("tier = %q", tierOf(cfr.Tier))
	}
	empty := run(1, Batch{})
	if empty.ChangeFailureRate.Rate != nil || empty.ChangeFailureRate.Tier != nil || empty.DeploymentFrequency.Tier != nil {
		t.Fatalf("no deployments must give null rate and tiers: %+v", empty.ChangeFailureRate)
	}
}

func TestRestoreAndRecovery(t *testing.T) {
	b := Batch{
		Deployments: []Deployment{
			dep("d1", -10*hour),
			dep("d-failed", -10*hour, withStatus(StatusFailed)),
			dep("d-old", -5*day), // counted even though before the window
		},
		Incidents: []Incident{
			inc("plain", -5*hour, resolved(-4*hour)),
			inc("from-d1", -9*hour, resolved(-7*hour), causedBy("d1")),
			inc("from-failed", -9*hour, resolved(-8*hour), causedBy("d-failed")),
			inc("from-old", -20*hour, resolved(-19*hour), causedBy("d-old")),
			inc("unknown-dep", -9*hour, resolved(-8*hour), causedBy("nope")),
			inc("resolves-after-E", -hour, resolved(hour)),
			inc("open", -hour),
			inc("started-before-window", -3*day, resolved(-hour)),
			inc("negative", -hour, resolved(-2*hour)),
		},
	}
	r := run(2, b)
	checkStats(t, "time_to_restore", r.TimeToRestore.Stats,
		[]float64{secs(hour), secs(2 * hour), secs(hour), secs(hour), secs(hour)})
	checkStats(t, "failed_deployment_recovery_time", r.FailedDeploymentRecoveryTime.Stats,
		[]float64{secs(3 * hour), secs(5*day - 19*hour)})
	if tierOf(r.TimeToRestore.Tier) != TierHigh {
		t.Fatalf("ttr tier = %q, want high (median exactly 1h is not < 1h)", tierOf(r.TimeToRestore.Tier))
	}
}

func TestIncidents(t *testing.T) {
	b := Batch{Incidents: []Incident{
		inc("a", -5*hour, sev(1), detected(-4*hour), acked(-3*hour), resolved(-2*hour)),
		inc("b", -5*hour, sev(3), detected(-5*hour-time.Minute)), // negative detect: left out; open
		inc("c", -5*hour, sev(SeverityUnknown), acked(-4*hour)),  // ack without detect: not counted
		inc("d", -5*hour, sev(5), detected(hour), acked(2*hour)), // detection after E: absent
		inc("old-open", -10*day, sev(4)),                         // open, not in the window
		inc("future", hour),                                      // ignored entirely
	}}
	r := run(2, b)
	in := r.Incidents
	if in.Total != 4 || in.Open != 4 {
		t.Fatalf("total, open = %d, %d; want 4, 4", in.Total, in.Open)
	}
	want := map[string]int{"SEV1": 1, "SEV2": 0, "SEV3": 1, "SEV4": 0, "SEV5": 1, "unknown": 1}
	for k, v := range want {
		if in.BySeverity[k] != v {
			t.Errorf("by_severity[%s] = %d, want %d", k, in.BySeverity[k], v)
		}
	}
	if len(in.BySeverity) != 6 {
		t.Errorf("by_severity must have exactly six keys: %v", in.BySeverity)
	}
	checkStats(t, "time_to_detect", in.TimeToDetect, []float64{secs(hour)})
	checkStats(t, "time_to_acknowledge", in.TimeToAcknowledge, []float64{secs(hour)})
	if len(r.OpenIncidents) != 4 || r.OpenIncidents[0].ID != "b" || r.OpenIncidents[1].ID != "old-open" ||
		r.OpenIncidents[3].ID != "c" {
		t.Fatalf("open incidents order = %+v", r.OpenIncidents)
	}
}

func TestDowntime(t *testing.T) {
	cases := []struct {
		name string
		incs []Incident
		dms  int
		want time.Duration
	}{
		{"single", []Incident{inc("a", -5*hour, resolved(-4*hour))}, 0, hour},
		{"overlap counts once", []Incident{inc("a", -5*hour, resolved(-3*hour)), inc("b", -4*hour, sev(2), resolved(-2*hour))}, 0, 3 * hour},
		{"nested", []Incident{inc("a", -5*hour, resolved(-1*hour)), inc("b", -4*hour, resolved(-2*hour))}, 0, 4 * hour},
		{"touching", []Incident{inc("a", -5*hour, resolved(-4*hour)), inc("b", -4*hour, resolved(-3*hour))}, 0, 2 * hour},
		{"open runs to E", []Incident{inc("a", -5*hour)}, 0, 5 * hour},
		{"resolved after E runs to E", []Incident{inc("a", -5*hour, resolved(hour))}, 0, 5 * hour},
		{"cut at S", []Incident{inc("a", -2*day-3*hour, resolved(-2*day+hour))}, 0, hour},
		{"before the window", []Incident{inc("a", -3*day, resolved(-2*day-hour))}, 0, 0},
		{"severity 3 not counted by default", []Incident{inc("a", -5*hour, sev(3), resolved(-4*hour))}, 0, 0},
		{"severity 3 counted with max 3", []Incident{inc("a", -5*hour, sev(3), resolved(-4*hour))}, 3, hour},
		{"unknown severity never counted", []Incident{inc("a", -5*hour, sev(SeverityUnknown), resolved(-4*hour))}, 5, 0},
		{"negative interval ignored", []Incident{inc("a", -5*hour, resolved(-6*hour))}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(2, Batch{Incidents: c.incs}, func(q *Query) { q.DowntimeMaxSeverity = c.dms })
			if got := r.Incidents.DowntimeSeconds; math.Abs(got-c.want.Seconds()) > 1e-9 {
				t.Fatalf("downtime = %v s, want %v", got, c.want.Seconds())
			}
			wantAvail := 1 - c.want.Seconds()/(2*86400)
			if math.Abs(r.Incidents.Availability-wantAvail) > 1e-12 {
				t.Fatalf("availability = %v, want %v", r.Incidents.Availability, wantAvail)
			}
		})
	}
}

func TestMergeDedupe(t *testing.T) {
	first := &Batch{Deployments: []Deployment{
		dep("x", -hour, withStatus(StatusSuccess)),
		dep("y", -hour),
		dep("x", -2*hour, withStatus(StatusRolledBack)), // later in the same source wins
	}, Incidents: []Incident{inc("i", -hour, sev(1))}}
	second := &Batch{Deployments: []Deployment{dep("y", -3*hour, withService("web"))},
		Incidents: []Incident{inc("i", -hour, sev(4))}} // later source wins
	ds := Merge(first, nil, second)
	if len(ds.Deployments) != 2 || len(ds.Incidents) != 1 {
		t.Fatalf("merged %d deployments, %d incidents", len(ds.Deployments), len(ds.Incidents))
	}
	x, _ := ds.DeploymentByID("x")
	y, _ := ds.DeploymentByID("y")
	if x.Status != StatusRolledBack || y.Service != "web" || ds.Incidents[0].Severity != 4 {
		t.Fatalf("wrong winners: x=%+v y=%+v i=%+v", x, y, ds.Incidents[0])
	}
	if got := ds.Services(); !slices.Equal(got, []string{"api", "web"}) {
		t.Fatalf("services = %v", got)
	}
	r := Compute(ds, Query{End: end, Days: 1})
	if r.ChangeFailureRate.Failures != 1 {
		t.Fatalf("failures = %d, want 1 (x rolled back)", r.ChangeFailureRate.Failures)
	}
	if single := Merge(first); len(single.Deployments) != 2 {
		t.Fatalf("dedupe within one batch: %d", len(single.Deployments))
	}
}

func TestSeverityNames(t *testing.T) {
	cases := map[string]Severity{
		"SEV1": 1, "sev2": 2, "Sev5": 5, "P1": 1, "p4": 4, "3": 3, "critical": 1, "HIGH": 2,
		"major": 2, "Medium": 3, "moderate": 3, "low": 4, "minor": 4, "info": 5, "informational": 5,
		"sev6": 0, "p0": 0, "0": 0, "": 0, "urgent": 0, "sev 1": 0, "sev12": 0, "1.0": 0,
	}
	for in, want := range cases {
		if got := SeverityFromString(in); got != want {
			t.Errorf("SeverityFromString(%q) = %d, want %d", in, got, want)
		}
	}
	for n, want := range map[int64]Severity{1: 1, 5: 5, 0: 0, 6: 0, -1: 0} {
		if got := SeverityFromInt(n); got != want {
			t.Errorf("SeverityFromInt(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestTiers(t *testing.T) {
	freq := []struct {
		count, days int
		want        Tier
	}{{0, 30, TierNone}, {30, 30, TierElite}, {29, 30, TierHigh}, {1, 7, TierHigh}, {1, 8, TierMedium},
		{1, 30, TierMedium}, {1, 31, TierLow}, {3, 90, TierMedium}, {2, 90, TierLow}}
	for _, c := range freq {
		if got := tierOf(frequencyTier(c.count, c.days)); got != c.want {
			t.Errorf("frequencyTier(%d, %d) = %q, want %q", c.count, c.days, got, c.want)
		}
	}
	fail := []struct {
		f, d int
		want Tier
	}{{0, 0, TierNone}, {0, 10, TierElite}, {1, 20, TierElite}, {1, 19, TierHigh}, {1, 10, TierHigh},
		{3, 20, TierMedium}, {1, 9, TierMedium}, {4, 20, TierLow}, {1, 6, TierLow}}
	for _, c := range fail {
		if got := tierOf(failureTier(c.f, c.d)); got != c.want {
			t.Errorf("failureTier(%d, %d) = %q, want %q", c.f, c.d, got, c.want)
		}
	}
	dur := []struct {
		m    float64
		b    [3]float64
		want Tier
	}{{86399.9, leadTimeBounds, TierElite}, {86400, leadTimeBounds, TierHigh}, {30*86400 - 1, leadTimeBounds, TierMedium},
		{30 * 86400, leadTimeBounds, TierLow}, {3599, restoreBounds, TierElite}, {3600, restoreBounds, TierHigh},
		{7 * 86400, restoreBounds, TierLow}}
	for _, c := range dur {
		if got := tierOf(durationTier(&c.m, c.b)); got != c.want {
			t.Errorf("durationTier(%v) = %q, want %q", c.m, got, c.want)
		}
	}
	if durationTier(nil, restoreBounds) != nil {
		t.Error("a null median must give a null tier")
	}
}

func TestStatsAgainstSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 10, 11, 17, 18, 100, 1001, 5000} {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = rng.Int64N(50) * 1e9 // many duplicates exercise partitioning
		}
		want := make([]float64, n)
		for i, v := range vals {
			want[i] = float64(v) / 1e9
		}
		checkStats(t, "random", durationStats(vals), want)
	}
}

func TestPreviousWindow(t *testing.T) {
	b := Batch{Deployments: []Deployment{
		dep("now", -hour),
		dep("prev1", -7*day-hour), dep("prev2", -8*day), dep("prev3", -13*day),
		dep("prev-late", -hour, withCommit("x", -8*day)),
	}}
	r := run(7, b)
	if r.Previous == nil || r.Previous.DeploymentFrequency.Count != 3 || r.DeploymentFrequency.Count != 2 {
		t.Fatalf("previous = %+v", r.Previous)
	}
	if !r.Previous.Window.End.Equal(end.Add(-7 * day)) {
		t.Fatalf("previous window end = %v", r.Previous.Window.End)
	}
	// As of the previous window's end, the commit of "prev-late" existed but
	// its deployment did not: no lead time there.
	if r.Previous.LeadTime.Count != 0 || r.LeadTime.Count != 1 {
		t.Fatalf("lead time counts: previous %d, current %d", r.Previous.LeadTime.Count, r.LeadTime.Count)
	}
}

func TestStampSub(t *testing.T) {
	cases := []struct {
		a, b Stamp
		want int64
	}{
		{10, 3, 7}, {3, 10, -7}, {MaxStamp, at(0), math.MaxInt64 - int64(at(0))}, {at(0), MinStamp, math.MaxInt64},
		{MinStamp, at(0), math.MinInt64}, {MaxStamp, MinStamp, math.MaxInt64}, {EpochStamp, NoStamp, -1},
	}
	for _, c := range cases {
		if got := c.a.Sub(c.b); got != c.want {
			t.Errorf("%d.Sub(%d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// Timestamps beyond what a Stamp holds exactly arrive as MinStamp and
// MaxStamp: a "never" resolution keeps an incident open, a far-future
// deployment is ignored, and a commit from long ago gives a saturated but
// positive lead time rather than an overflowed negative one.
func TestExtremeStamps(t *testing.T) {
	b := Batch{
		Deployments: []Deployment{
			{ID: "far", Service: "api", Environment: "production", FinishedAt: MaxStamp},
			{ID: "old-commit", Service: "api", Environment: "production", FinishedAt: at(-hour),
				Commits: []Commit{{SHA: "x", CommittedAt: MinStamp}}},
		},
		Incidents: []Incident{{ID: "never", Service: "api", Severity: 1, StartedAt: at(-2 * hour), ResolvedAt: MaxStamp}},
	}
	r := run(1, b)
	if r.DeploymentFrequency.Count != 1 {
		t.Fatalf("count = %d, want 1 (the far-future deployment is ignored)", r.DeploymentFrequency.Count)
	}
	if r.LeadTime.Count != 1 || *r.LeadTime.Median <= 0 {
		t.Fatalf("lead time = %+v, want one positive duration", r.LeadTime.Stats)
	}
	if r.Incidents.Open != 1 || r.Incidents.DowntimeSeconds != 7200 || r.TimeToRestore.Count != 0 {
		t.Fatalf("incidents = %+v, want the never-resolved incident open with 2h downtime", r.Incidents)
	}
}

func TestDeploymentByID(t *testing.T) {
	b := &Batch{Deployments: []Deployment{dep("a", -hour), dep("b", -2*hour), dep("c", -3*hour)}}
	dup := &Batch{Deployments: []Deployment{dep("b", -4*hour), dep("d", -5*hour)}}
	for name, ds := range map[string]*Dataset{"no duplicates": Merge(b), "duplicates": Merge(b, dup), "empty": Merge()} {
		for _, d := range ds.Deployments {
			got, ok := ds.DeploymentByID(d.ID)
			if !ok || got.ID != d.ID || got.FinishedAt != d.FinishedAt {
				t.Errorf("%s: DeploymentByID(%q) = %+v, %v", name, d.ID, got, ok)
			}
		}
		if _, ok := ds.DeploymentByID("nope"); ok {
			t.Errorf("%s: found a deployment that does not exist", name)
		}
	}
	if d, _ := Merge(b, dup).DeploymentByID("b"); d.FinishedAt != at(-4*hour) {
		t.Errorf("the later batch must win: %+v", d)
	}
}
