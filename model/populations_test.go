package model_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"doradash/model"
	"doradash/sources"
)

// statsOf is SPEC §3's statistics block straight from its words (sort,
// middle values, nearest rank), over durations taken from the records'
// own times.
func statsOf(ds []time.Duration) model.Stats {
	if len(ds) == 0 {
		return model.Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	var sum float64
	for _, d := range s {
		sum += float64(d)
	}
	mean := sum / float64(n) / 1e9
	med := float64(s[n/2]) / 1e9
	if n%2 == 0 {
		med = (float64(s[n/2-1]) + float64(s[n/2])) / 2 / 1e9
	}
	p90 := float64(s[int(math.Ceil(0.9*float64(n)))-1]) / 1e9
	return model.Stats{Count: n, Median: &med, Mean: &mean, P90: &p90}
}

func sameStats(t *testing.T, what string, got, want model.Stats) {
	t.Helper()
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprint(*p)
	}
	if got.Count != want.Count || f(got.Median) != f(want.Median) || f(got.Mean) != f(want.Mean) || f(got.P90) != f(want.P90) {
		t.Errorf("%s: from the population {%d %s %s %s}, report {%d %s %s %s}", what,
			got.Count, f(got.Median), f(got.Mean), f(got.P90), want.Count, f(want.Median), f(want.Mean), f(want.P90))
	}
}

// checkAgainstReport proves that every number of Compute's window follows
// from Explain's populations.
func checkAgainstReport(t *testing.T, ds *model.Dataset, q model.Query) {
	t.Helper()
	r := model.Compute(ds, q)
	p := model.Explain(ds, q)

	// Deployment frequency: the counted deployments, per day.
	df := r.DeploymentFrequency
	if len(p.DeploymentFrequency.Deployments) != df.Count {
		t.Errorf("deployments: %d listed, report counts %d", len(p.DeploymentFrequency.Deployments), df.Count)
	}
	daily := make([]int, len(p.DeploymentFrequency.Daily))
	for _, d := range p.DeploymentFrequency.Deployments {
		if d.Status == "failed" {
			t.Errorf("deployment %s: failed deployments are not counted", d.ID)
		}
		for i, day := range p.DeploymentFrequency.Daily {
			if d.FinishedAt.After(day.Start) && !d.FinishedAt.After(day.End) {
				daily[i]++
			}
		}
	}
	for i, day := range p.DeploymentFrequency.Daily {
		if day.Count != df.Daily[i] || daily[i] != df.Daily[i] {
			t.Errorf("day %d: population says %d (listed %d), report %d", i, day.Count, daily[i], df.Daily[i])
		}
	}

	// Lead time: one duration per change, from its own times.
	var lt []time.Duration
	for _, c := range p.LeadTime.Changes {
		d := c.DeployedAt.Sub(c.CommittedAt)
		if d.Seconds() != c.Seconds {
			t.Errorf("change %s/%s: seconds %v, times say %v", c.Service, c.SHA, c.Seconds, d.Seconds())
		}
		lt = append(lt, d)
	}
	sameStats(t, "lead time", statsOf(lt), r.LeadTime.Stats)

	// Change failure rate: failures among the counted deployments.
	counted := map[string]bool{}
	for _, d := range p.DeploymentFrequency.Deployments {
		counted[d.ID] = true
	}
	for _, f := range p.ChangeFailureRate.Failures {
		if !counted[f.ID] {
			t.Errorf("failure %s is not a counted deployment", f.ID)
		}
		if !f.RolledBack && len(f.Links) == 0 {
			t.Errorf("failure %s has no reason", f.ID)
		}
	}
	if n := len(p.ChangeFailureRate.Failures); n != r.ChangeFailureRate.Failures {
		t.Errorf("failures: %d listed, report %d", n, r.ChangeFailureRate.Failures)
	}

	// Time to restore and failed deployment recovery time.
	var ttr, fdrt []time.Duration
	for _, in := range p.TimeToRestore.Incidents {
		ttr = append(ttr, in.ResolvedAt.Sub(in.StartedAt))
	}
	sameStats(t, "time to restore", statsOf(ttr), r.TimeToRestore.Stats)
	for _, in := range p.FailedDeploymentRecoveryTime.Incidents {
		if !counted[in.DeploymentID] && in.DeployedAt.After(r.Window.Start) {
			t.Errorf("recovery %s: deployment %s in the window is not counted", in.ID, in.DeploymentID)
		}
		fdrt = append(fdrt, in.ResolvedAt.Sub(in.DeployedAt))
	}
	sameStats(t, "failed deployment recovery time", statsOf(fdrt), r.FailedDeploymentRecoveryTime.Stats)

	// Incidents: total, severities, detect/ack, open, downtime.
	inc := p.Incidents
	if len(inc.Incidents) != r.Incidents.Total {
		t.Errorf("incidents: %d listed, total %d", len(inc.Incidents), r.Incidents.Total)
	}
	bySev := map[string]int{"SEV1": 0, "SEV2": 0, "SEV3": 0, "SEV4": 0, "SEV5": 0, "unknown": 0}
	var det, ack []time.Duration
	for _, in := range inc.Incidents {
		bySev[in.Severity]++
		if in.DetectSeconds != nil {
			det = append(det, in.DetectedAt.Sub(in.StartedAt))
		}
		if in.AcknowledgeSeconds != nil {
			ack = append(ack, in.AcknowledgedAt.Sub(*in.DetectedAt))
		}
	}
	for k, v := range r.Incidents.BySeverity {
		if bySev[k] != v {
			t.Errorf("by_severity %s: %d listed, report %d", k, bySev[k], v)
		}
	}
	sameStats(t, "time to detect", statsOf(det), r.Incidents.TimeToDetect)
	sameStats(t, "time to acknowledge", statsOf(ack), r.Incidents.TimeToAcknowledge)
	if len(inc.Open) != r.Incidents.Open || len(inc.Open) != len(r.OpenIncidents) {
		t.Errorf("open: %d listed, report %d", len(inc.Open), r.Incidents.Open)
	} else {
		for i, o := range inc.Open {
			if o.ID != r.OpenIncidents[i].ID || o.Acknowledged != (o.AcknowledgedAt != nil) {
				t.Errorf("open %d: %+v, report lists %s", i, o, r.OpenIncidents[i].ID)
			}
		}
	}
	if got := unionSeconds(inc.Downtime); got != r.Incidents.DowntimeSeconds {
		t.Errorf("downtime: union of the listed intervals %v s, report %v s", got, r.Incidents.DowntimeSeconds)
	}
}

// unionSeconds is the length of the union of the intervals (sorted by
// From, as Explain lists them).
func unionSeconds(iv []model.DowntimeInterval) float64 {
	var total time.Duration
	var lo, hi time.Time
	for i, x := range iv {
		if i > 0 && !x.From.After(hi) {
			if x.To.After(hi) {
				hi = x.To
			}
			continue
		}
		if i > 0 {
			total += hi.Sub(lo)
		}
		lo, hi = x.From, x.To
	}
	if len(iv) > 0 {
		total += hi.Sub(lo)
	}
	return float64(total) / 1e9
}

func TestPopulationsAgreeOnConformanceData(t *testing.T) {
	root := filepath.Join("..", "testdata", "conformance")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, d := range dirs {
		dir := filepath.Join(root, d.Name())
		raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
		if err != nil {
			continue
		}
		var c struct {
			Now          time.Time
			Days         int
			Files        []string
			Services     []string
			Environments []string
			LinkWithin   int `json:"link_within_seconds"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		var batches []*model.Batch
		for _, name := range c.Files {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := sources.Decode(f, sources.FormatFor(sources.FormatAuto, name))
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			batches = append(batches, b)
		}
		ds := model.Merge(batches...)
		q := model.Query{End: c.Now, Days: c.Days, Services: c.Services, Environments: c.Environments,
			LinkWithin: time.Duration(c.LinkWithin) * time.Second}
		ran++
		t.Run(d.Name(), func(t *testing.T) {
			checkAgainstReport(t, ds, q)
			// Every case has something to explain.
			if p := model.Explain(ds, q); len(p.DeploymentFrequency.Deployments) == 0 {
				t.Error("no counted deployments")
			}
		})
	}
	if ran == 0 {
		t.Fatal("no conformance cases")
	}
}

func TestPopulationsAgreeOnRandomData(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	// Times on a coarse grid around E and S, so equalities happen.
	when := func() model.Stamp {
		return model.StampOf(end.Add(time.Duration(rng.IntN(24*10)-24*8) * 30 * time.Minute))
	}
	opt := func(base model.Stamp) model.Stamp {
		if rng.IntN(4) == 0 {
			return model.NoStamp
		}
		return base + model.Stamp(rng.IntN(12)-2)*model.Stamp(15*time.Minute)
	}
	for round := range 1500 {
		var b model.Batch
		nd, ni := rng.IntN(20), rng.IntN(14)
		for range nd {
			fin := when()
			d := model.Deployment{ID: fmt.Sprintf("d-%d", rng.IntN(nd*2)), Service: pick("a", "b", ""),
				Environment: pick("production", "Production", "staging"), FinishedAt: fin,
				Status: model.Status(rng.IntN(3))}
			for range rng.IntN(3) {
				d.Commits = append(d.Commits, model.Commit{SHA: pick("s1", "s2", "s3", "s4"),
					CommittedAt: fin - model.Stamp(rng.IntN(40)-4)*model.Stamp(time.Hour)})
			}
			b.Deployments = append(b.Deployments, d)
		}
		for i := range ni {
			st := when()
			in := model.Incident{ID: fmt.Sprintf("i-%d", i), Service: pick("a", "a", "b", ""),
				Severity: model.Severity(rng.IntN(6)), StartedAt: st,
				DetectedAt: opt(st), AcknowledgedAt: opt(st + model.Stamp(time.Hour)), ResolvedAt: opt(st + model.Stamp(2*time.Hour))}
			switch rng.IntN(4) {
			case 0:
				in.DeploymentID = fmt.Sprintf("d-%d", rng.IntN(nd*2+1))
			case 1:
				in.DeploymentID = "missing"
			}
			b.Incidents = append(b.Incidents, in)
		}
		q := model.Query{End: end, Days: 1 + rng.IntN(7), LinkWithin: time.Duration(rng.IntN(5)) * 30 * time.Minute,
			DowntimeMaxSeverity: rng.IntN(4)}
		switch rng.IntN(4) {
		case 0:
			q.Environments = []string{"staging"}
		case 1:
			q.Services = []string{"a"}
		}
		ds := model.Merge(&b)
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			checkAgainstReport(t, ds, q)
			if t.Failed() {
				t.Fatalf("query %+v\ndata %+v", q, b)
			}
		})
	}
}

// A change's first deployment is the earliest counted one; a tie goes to
// the smaller id, and a failed deployment never counts.
func TestLeadTimeChangeFirstDeployment(t *testing.T) {
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(h int) model.Stamp { return model.StampOf(end.Add(time.Duration(h) * time.Hour)) }
	c := []model.Commit{{SHA: "abc", CommittedAt: at(-10)}}
	ds := model.Merge(&model.Batch{Deployments: []model.Deployment{
		{ID: "d-9", Service: "api", Environment: "production", FinishedAt: at(-5), Commits: c},
		{ID: "d-2", Service: "api", Environment: "production", FinishedAt: at(-5), Commits: c},
		{ID: "d-1", Service: "api", Environment: "production", FinishedAt: at(-6), Commits: c, Status: model.StatusFailed},
		{ID: "d-3", Service: "web", Environment: "production", FinishedAt: at(-1), Commits: c},
	}})
	p := model.Explain(ds, model.Query{End: end, Days: 1})
	got := fmt.Sprint(p.LeadTime.Changes)
	want := []model.LeadTimeChange{
		{Service: "api", SHA: "abc", CommittedAt: at(-10).Time(), DeploymentID: "d-2", DeployedAt: at(-5).Time(), Seconds: 5 * 3600},
		{Service: "web", SHA: "abc", CommittedAt: at(-10).Time(), DeploymentID: "d-3", DeployedAt: at(-1).Time(), Seconds: 9 * 3600},
	}
	if got != fmt.Sprint(want) {
		t.Errorf("changes\n got %v\nwant %v", got, want)
	}
}
