package model_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
// from the populations Compute keeps, and that those populations are the
// ones a direct reading of SPEC §2–3 finds (textbookPopulations).
func checkAgainstReport(t *testing.T, ds *model.Dataset, q model.Query) {
	t.Helper()
	r := model.Compute(ds, q)
	p := r.Populations()
	got, _ := json.MarshalIndent(p, "", " ")
	want, _ := json.MarshalIndent(textbookPopulations(ds, q), "", " ")
	if string(got) != string(want) {
		t.Errorf("populations differ from the textbook's\n got %s\nwant %s", got, want)
	}
	checkPanels(t, ds, q, r)

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
		bySev[in.Severity.String()]++
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
// From, as Populations lists them).
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
			if p := model.Compute(ds, q).Populations(); len(p.DeploymentFrequency.Deployments) == 0 {
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
	p := model.Compute(ds, model.Query{End: end, Days: 1}).Populations()
	got := fmt.Sprint(p.LeadTime.Changes)
	want := []model.LeadTimeChange{
		{Service: "api", SHA: "abc", CommittedAt: at(-10).Time(), DeploymentID: "d-2", DeployedAt: at(-5).Time(), Seconds: 5 * 3600},
		{Service: "web", SHA: "abc", CommittedAt: at(-10).Time(), DeploymentID: "d-3", DeployedAt: at(-1).Time(), Seconds: 9 * 3600},
	}
	if got != fmt.Sprint(want) {
		t.Errorf("changes\n got %v\nwant %v", got, want)
	}
}

// textbookPopulations finds the populations of q's window straight from
// the words of SPEC §2–3: every record tried against every rule, no
// indexes, no shared code with Compute but the Query's own normalisation.
func textbookPopulations(ds *model.Dataset, q model.Query) *model.Populations {
	q = q.Normalized()
	e := model.StampOf(q.End)
	s := e - model.Stamp(int64(q.Days)*int64(24*time.Hour))
	inWindow := func(t model.Stamp) bool { return t > s && t <= e }
	asOf := func(t model.Stamp) model.Stamp {
		if t > e {
			return model.NoStamp
		}
		return t
	}
	ptr := func(t model.Stamp) *time.Time {
		if t == model.NoStamp {
			return nil
		}
		v := t.Time()
		return &v
	}
	secs := func(d int64) float64 { return float64(d) / 1e9 }
	svcOK := func(svc string) bool { return len(q.Services) == 0 || (svc != "" && slices.Contains(q.Services, svc)) }
	counted := func(d *model.Deployment) bool {
		return d.FinishedAt <= e && d.Status != model.StatusFailed && svcOK(d.Service) &&
			slices.ContainsFunc(q.Environments, func(x string) bool { return strings.EqualFold(x, d.Environment) })
	}
	byTimeID := func(a, b time.Time, x, y string) int { return cmp.Or(a.Compare(b), strings.Compare(x, y)) }
	target := func(in *model.Incident) *model.Deployment {
		if in.DeploymentID != "" {
			d, _ := ds.DeploymentByID(in.DeploymentID)
			return d
		}
		var best *model.Deployment
		for i := range ds.Deployments {
			d := &ds.Deployments[i]
			if q.LinkWithin <= 0 || in.Service == "" || d.Service != in.Service || !counted(d) ||
				d.FinishedAt > in.StartedAt || in.StartedAt.Sub(d.FinishedAt) > int64(q.LinkWithin) {
				continue
			}
			if best == nil || cmp.Or(cmp.Compare(d.FinishedAt, best.FinishedAt), strings.Compare(d.ID, best.ID)) > 0 {
				best = d
			}
		}
		return best
	}
	p := &model.Populations{}

	// Deployment frequency and change failure rate.
	p.DeploymentFrequency.Deployments = []model.CountedDeployment{}
	p.ChangeFailureRate.Failures = []model.FailingDeployment{}
	for day := range q.Days {
		lo := s + model.Stamp(int64(day)*int64(24*time.Hour))
		hi := lo + model.Stamp(24*time.Hour)
		n := 0
		for i := range ds.Deployments {
			if d := &ds.Deployments[i]; counted(d) && d.FinishedAt > lo && d.FinishedAt <= hi {
				n++
			}
		}
		p.DeploymentFrequency.Daily = append(p.DeploymentFrequency.Daily, model.DayCount{Start: lo.Time(), End: hi.Time(), Count: n})
	}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if !counted(d) || !inWindow(d.FinishedAt) {
			continue
		}
		p.DeploymentFrequency.Deployments = append(p.DeploymentFrequency.Deployments, model.CountedDeployment{
			ID: d.ID, Service: d.Service, Environment: d.Environment, FinishedAt: d.FinishedAt.Time(), Status: d.Status.String()})
		f := model.FailingDeployment{ID: d.ID, Service: d.Service, Environment: d.Environment,
			FinishedAt: d.FinishedAt.Time(), RolledBack: d.Status == model.StatusRolledBack, Links: []model.FailureLink{}}
		for j := range ds.Incidents {
			if in := &ds.Incidents[j]; in.StartedAt <= e && target(in) == d {
				f.Links = append(f.Links, model.FailureLink{IncidentID: in.ID, StartedAt: in.StartedAt.Time(), ByTime: in.DeploymentID == ""})
			}
		}
		slices.SortFunc(f.Links, func(a, b model.FailureLink) int {
			return byTimeID(a.StartedAt, b.StartedAt, a.IncidentID, b.IncidentID)
		})
		if f.RolledBack || len(f.Links) > 0 {
			p.ChangeFailureRate.Failures = append(p.ChangeFailureRate.Failures, f)
		}
	}
	slices.SortFunc(p.DeploymentFrequency.Deployments, func(a, b model.CountedDeployment) int {
		return byTimeID(a.FinishedAt, b.FinishedAt, a.ID, b.ID)
	})
	slices.SortFunc(p.ChangeFailureRate.Failures, func(a, b model.FailingDeployment) int {
		return byTimeID(a.FinishedAt, b.FinishedAt, a.ID, b.ID)
	})

	// Lead time: every (service, sha) of the counted deployments.
	type key struct{ svc, sha string }
	first := map[key]*model.Deployment{}
	committed := map[key]model.Stamp{}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if !counted(d) {
			continue
		}
		for _, c := range d.Commits {
			k := key{d.Service, c.SHA}
			if f := first[k]; f == nil || d.FinishedAt < f.FinishedAt || (d.FinishedAt == f.FinishedAt && d.ID < f.ID) {
				first[k] = d
			}
			if c.CommittedAt != model.NoStamp && c.CommittedAt <= e {
				if cur, ok := committed[k]; !ok || c.CommittedAt < cur {
					committed[k] = c.CommittedAt
				}
			}
		}
	}
	p.LeadTime.Changes = []model.LeadTimeChange{}
	for k, d := range first {
		c, ok := committed[k]
		if !ok || !inWindow(d.FinishedAt) || d.FinishedAt < c {
			continue
		}
		p.LeadTime.Changes = append(p.LeadTime.Changes, model.LeadTimeChange{Service: k.svc, SHA: k.sha,
			CommittedAt: c.Time(), DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(), Seconds: secs(d.FinishedAt.Sub(c))})
	}
	slices.SortFunc(p.LeadTime.Changes, func(a, b model.LeadTimeChange) int {
		return cmp.Or(a.DeployedAt.Compare(b.DeployedAt), strings.Compare(a.Service, b.Service), strings.Compare(a.SHA, b.SHA))
	})

	// Incidents: restore, recovery, the incidents block.
	p.TimeToRestore.Incidents = []model.RestoredIncident{}
	p.FailedDeploymentRecoveryTime.Incidents = []model.RecoveredIncident{}
	p.Incidents = model.IncidentPopulation{Incidents: []model.IncidentRecord{}, Open: []model.OpenIncident{}, Downtime: []model.DowntimeInterval{}}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !svcOK(in.Service) || in.StartedAt > e {
			continue
		}
		res := asOf(in.ResolvedAt)
		if res == model.NoStamp {
			ack := asOf(in.AcknowledgedAt)
			p.Incidents.Open = append(p.Incidents.Open, model.OpenIncident{ID: in.ID, Service: in.Service, Title: in.Title,
				Severity: in.Severity, StartedAt: in.StartedAt.Time(), Acknowledged: ack != model.NoStamp, AcknowledgedAt: ptr(ack)})
		}
		if in.Severity >= 1 && int(in.Severity) <= q.DowntimeMaxSeverity {
			lo, hi := max(in.StartedAt, s), e
			if res != model.NoStamp {
				hi = min(res, e)
			}
			if hi > lo {
				p.Incidents.Downtime = append(p.Incidents.Downtime, model.DowntimeInterval{ID: in.ID, Severity: in.Severity, From: lo.Time(), To: hi.Time()})
			}
		}
		if !inWindow(in.StartedAt) {
			continue
		}
		det, ack := asOf(in.DetectedAt), asOf(in.AcknowledgedAt)
		rec := model.IncidentRecord{ID: in.ID, Service: in.Service, Title: in.Title, Severity: in.Severity,
			StartedAt: in.StartedAt.Time(), DetectedAt: ptr(det), AcknowledgedAt: ptr(ack), ResolvedAt: ptr(res)}
		if det != model.NoStamp && det >= in.StartedAt {
			v := secs(det.Sub(in.StartedAt))
			rec.DetectSeconds = &v
		}
		if det != model.NoStamp && ack != model.NoStamp && ack >= det {
			v := secs(ack.Sub(det))
			rec.AcknowledgeSeconds = &v
		}
		p.Incidents.Incidents = append(p.Incidents.Incidents, rec)
		if res == model.NoStamp {
			continue
		}
		if res >= in.StartedAt {
			p.TimeToRestore.Incidents = append(p.TimeToRestore.Incidents, model.RestoredIncident{ID: in.ID, Service: in.Service,
				Title: in.Title, Severity: in.Severity, StartedAt: in.StartedAt.Time(), ResolvedAt: res.Time(), Seconds: secs(res.Sub(in.StartedAt))})
		}
		if d := target(in); d != nil && counted(d) && res >= d.FinishedAt {
			p.FailedDeploymentRecoveryTime.Incidents = append(p.FailedDeploymentRecoveryTime.Incidents, model.RecoveredIncident{
				ID: in.ID, Service: in.Service, DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(), ByTime: in.DeploymentID == "",
				StartedAt: in.StartedAt.Time(), ResolvedAt: res.Time(), Seconds: secs(res.Sub(d.FinishedAt))})
		}
	}
	slices.SortFunc(p.TimeToRestore.Incidents, func(a, b model.RestoredIncident) int { return byTimeID(a.StartedAt, b.StartedAt, a.ID, b.ID) })
	slices.SortFunc(p.FailedDeploymentRecoveryTime.Incidents, func(a, b model.RecoveredIncident) int {
		return byTimeID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	slices.SortFunc(p.Incidents.Incidents, func(a, b model.IncidentRecord) int { return byTimeID(a.StartedAt, b.StartedAt, a.ID, b.ID) })
	slices.SortFunc(p.Incidents.Downtime, func(a, b model.DowntimeInterval) int { return byTimeID(a.From, b.From, a.ID, b.ID) })
	// Open: worst severity first (unknown last), then oldest, then by id.
	slices.SortStableFunc(p.Incidents.Open, func(a, b model.OpenIncident) int {
		return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()), byTimeID(a.StartedAt, b.StartedAt, a.ID, b.ID))
	})
	return p
}

// checkPanels compares the lists the dashboard's panels show with SPEC
// §2's filters applied record by record and a full sort.
func checkPanels(t *testing.T, ds *model.Dataset, q model.Query, r *model.Report) {
	t.Helper()
	q = q.Normalized()
	e := model.StampOf(q.End)
	s := e - model.Stamp(int64(q.Days)*int64(24*time.Hour))
	svcOK := func(svc string) bool { return len(q.Services) == 0 || (svc != "" && slices.Contains(q.Services, svc)) }
	deps := []model.LatestDeployment{}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if d.FinishedAt > e || !svcOK(d.Service) ||
			!slices.ContainsFunc(q.Environments, func(x string) bool { return strings.EqualFold(x, d.Environment) }) {
			continue
		}
		var lead []time.Duration
		for _, c := range d.Commits {
			if c.CommittedAt != model.NoStamp && c.CommittedAt <= e && c.CommittedAt <= d.FinishedAt {
				lead = append(lead, time.Duration(d.FinishedAt.Sub(c.CommittedAt)))
			}
		}
		deps = append(deps, model.LatestDeployment{ID: d.ID, Service: d.Service, Environment: d.Environment,
			FinishedAt: d.FinishedAt.Time(), Status: d.Status, CommitLead: statsOf(lead).Median})
	}
	slices.SortFunc(deps, func(a, b model.LatestDeployment) int { return -byTime(a.FinishedAt, b.FinishedAt, a.ID, b.ID) })
	deps = deps[:min(len(deps), model.MaxLatestDeployments)]
	if got, want := panelString(r.LatestDeployments), panelString(deps); got != want {
		t.Errorf("latest deployments\n got %s\nwant %s", got, want)
	}
	res := []model.IncidentView{}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if svcOK(in.Service) && in.StartedAt <= e && in.ResolvedAt != model.NoStamp && in.ResolvedAt > s && in.ResolvedAt <= e {
			at := in.ResolvedAt.Time()
			res = append(res, model.IncidentView{ID: in.ID, Service: in.Service, Title: in.Title, Severity: in.Severity,
				StartedAt: in.StartedAt.Time(), ResolvedAt: &at, DeploymentID: in.DeploymentID})
		}
	}
	slices.SortStableFunc(res, func(a, b model.IncidentView) int { return b.ResolvedAt.Compare(*a.ResolvedAt) })
	res = res[:min(len(res), model.MaxRecentlyResolved)]
	if got, want := panelString(r.RecentlyResolved), panelString(res); got != want {
		t.Errorf("recently resolved\n got %s\nwant %s", got, want)
	}
}

func byTime(a, b time.Time, x, y string) int { return cmp.Or(a.Compare(b), strings.Compare(x, y)) }

// panelString renders a panel's rows with the values behind pointers.
func panelString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPanelsAreCapped: the panels' lists keep the newest rows only, in
// order, with many ties.
func TestPanelsAreCapped(t *testing.T) {
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	var b model.Batch
	for i := range 3 * model.MaxLatestDeployments {
		fin := model.StampOf(end.Add(-time.Duration(rng.IntN(200)) * time.Hour))
		b.Deployments = append(b.Deployments, model.Deployment{ID: fmt.Sprintf("d-%d", i), Service: "a",
			Environment: "production", FinishedAt: fin, Status: model.Status(rng.IntN(3)),
			Commits: []model.Commit{{SHA: fmt.Sprint(i), CommittedAt: fin - model.Stamp(rng.IntN(5))*model.Stamp(time.Hour)}}})
	}
	for i := range 3 * model.MaxRecentlyResolved {
		st := model.StampOf(end.Add(-time.Duration(rng.IntN(300)) * time.Hour))
		b.Incidents = append(b.Incidents, model.Incident{ID: fmt.Sprintf("i-%d", i), Service: "a", Severity: 2,
			StartedAt: st, ResolvedAt: st + model.Stamp(rng.IntN(3))*model.Stamp(time.Hour)})
	}
	ds := model.Merge(&b)
	q := model.Query{End: end, Days: 30}
	r := model.Compute(ds, q)
	if len(r.LatestDeployments) != model.MaxLatestDeployments || len(r.RecentlyResolved) != model.MaxRecentlyResolved {
		t.Fatalf("%d deployments, %d resolved", len(r.LatestDeployments), len(r.RecentlyResolved))
	}
	checkPanels(t, ds, q, r)
}

// TestPanelsNotInJSON: the panels' lists and the populations stay out of
// the snapshot JSON.
func TestPanelsNotInJSON(t *testing.T) {
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ds := model.Merge(&model.Batch{Deployments: []model.Deployment{{ID: "d", Service: "a", Environment: "production",
		FinishedAt: model.StampOf(end.Add(-time.Hour))}}})
	r := model.Compute(ds, model.Query{End: end, Days: 1})
	if len(r.LatestDeployments) != 1 || r.Populations() == nil {
		t.Fatal("nothing to hide")
	}
	raw, _ := json.Marshal(r)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"LatestDeployments", "RecentlyResolved", "latest_deployments", "populations"} {
		if _, ok := m[k]; ok {
			t.Errorf("the snapshot JSON has %q", k)
		}
	}
	if (&model.Report{}).Populations() != nil {
		t.Error("a report not made by Compute has populations")
	}
}

// TestReportEqual: two reports of the same records from different
// datasets are Equal; a different population or figure is not; a report
// without populations keeps every figure and list.
func TestReportEqual(t *testing.T) {
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	batch := func(id string) *model.Batch {
		return &model.Batch{Deployments: []model.Deployment{{ID: id, Service: "a", Environment: "production",
			FinishedAt: model.StampOf(end.Add(-time.Hour))}}}
	}
	q := model.Query{End: end, Days: 7}
	a := model.Compute(model.Merge(batch("d1")), q)
	b := model.Compute(model.Merge(batch("d1")), q)
	if !a.Equal(b) {
		t.Fatal("the same records from two datasets are not Equal")
	}
	c := model.Compute(model.Merge(batch("d2")), q) // same figures, another id
	if a.Equal(c) {
		t.Fatal("reports of different deployments are Equal")
	}
	lean := a.WithoutPopulations()
	if lean.Populations() != nil || a.Populations() == nil {
		t.Fatal("WithoutPopulations must drop the populations of the copy only")
	}
	if a.Equal(lean) {
		t.Fatal("a report without populations is Equal to one with")
	}
	l1, _ := json.Marshal(lean)
	a1, _ := json.Marshal(a)
	if string(l1) != string(a1) || len(lean.LatestDeployments) != 1 {
		t.Fatal("WithoutPopulations changed the report's figures or lists")
	}
}

// TestOpenIncidentAcks: the open incidents carry their acknowledgement as
// of E for the dashboard, the same as the incident population says, and
// it stays out of the snapshot JSON.
func TestOpenIncidentAcks(t *testing.T) {
	end := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) model.Stamp { return model.StampOf(end.Add(d)) }
	ds := model.Merge(&model.Batch{Incidents: []model.Incident{
		{ID: "acked", Service: "a", Severity: 2, StartedAt: at(-3 * time.Hour), AcknowledgedAt: at(-2 * time.Hour)},
		{ID: "at-E", Service: "a", Severity: 2, StartedAt: at(-3 * time.Hour), AcknowledgedAt: at(0)},
		{ID: "later", Service: "a", Severity: 2, StartedAt: at(-2 * time.Hour), AcknowledgedAt: at(time.Second)},
		{ID: "never", Service: "a", Severity: 2, StartedAt: at(-time.Hour)},
	}})
	r := model.Compute(ds, model.Query{End: end, Days: 7})
	want := map[string]*time.Time{"acked": ptr(end.Add(-2 * time.Hour)), "at-E": ptr(end), "later": nil, "never": nil}
	if len(r.OpenIncidents) != len(want) {
		t.Fatalf("%d open incidents", len(r.OpenIncidents))
	}
	pop := map[string]*time.Time{}
	for _, o := range r.Populations().Incidents.Open {
		pop[o.ID] = o.AcknowledgedAt
	}
	for _, in := range r.OpenIncidents {
		w := want[in.ID]
		if (in.AcknowledgedAt == nil) != (w == nil) || (w != nil && !in.AcknowledgedAt.Equal(*w)) {
			t.Errorf("%s: acknowledged %v, want %v", in.ID, in.AcknowledgedAt, w)
		}
		if p := pop[in.ID]; (p == nil) != (in.AcknowledgedAt == nil) || (p != nil && !p.Equal(*in.AcknowledgedAt)) {
			t.Errorf("%s: the panel says %v, the population %v", in.ID, in.AcknowledgedAt, p)
		}
	}
	raw, _ := json.Marshal(r.OpenIncidents)
	if strings.Contains(string(raw), "acknowledged") {
		t.Errorf("the snapshot JSON's open incidents carry the acknowledgement: %s", raw)
	}
}

func ptr(t time.Time) *time.Time { return &t }
