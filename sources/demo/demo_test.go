package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"time"

	"doradash/model"
)

// base is an arbitrary instant, deliberately not on any slot boundary.
var base = time.Date(2026, 11, 20, 14, 37, 12, 0, time.UTC)

// instants returns n instants spread over about three years, at varied
// phases of the day, of the 4-hour blocks and of the 5-day stretches, plus
// the exact boundaries where a slot begins.
func instants(n int) []time.Time {
	out := []time.Time{
		time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),            // a day and block start
		time.Date(2026, 11, 20, 4, 0, 1, 0, time.UTC),            // a second into a block
		time.Date(2026, 11, 20, 7, 59, 59, 0, time.UTC),          // a second before a block
		time.Unix(int64(lingerPeriod/time.Second)*4109, 0).UTC(), // a 5-day stretch start
		time.Unix(int64(lingerPeriod/time.Second)*4110+3600, 0).UTC(),
		time.Date(2027, 2, 28, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
	}
	for i := 0; len(out) < n; i++ {
		// 421h 13m 7s is prime-ish against days, blocks and stretches.
		out = append(out, time.Date(2025, 1, 3, 9, 0, 0, 0, time.UTC).Add(time.Duration(i)*(421*time.Hour+13*time.Minute+7*time.Second)))
	}
	return out
}

func TestDeterministic(t *testing.T) {
	for _, now := range []time.Time{base, base.Add(time.Nanosecond), time.Date(2031, 6, 1, 3, 0, 0, 0, time.FixedZone("X", 7200))} {
		t.Run(now.String(), func(t *testing.T) {
			a, b := Generate(now), Generate(now)
			if len(a.Deployments) == 0 || len(a.Incidents) == 0 {
				t.Fatalf("empty batch: %d deployments, %d incidents", len(a.Deployments), len(a.Incidents))
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatal("two calls with the same now differ")
			}
			ja, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			jb, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ja, jb) {
				t.Fatal("JSON encodings differ")
			}
			// The same instant in another zone is the same now.
			if c := Generate(now.In(time.FixedZone("Y", -5*3600))); !reflect.DeepEqual(a, c) {
				t.Fatal("the zone of now changes the batch")
			}
		})
	}
}

// deploymentsByID and incidentsByID index a batch by record id.
func deploymentsByID(b *model.Batch) map[string]model.Deployment {
	m := make(map[string]model.Deployment, len(b.Deployments))
	for _, d := range b.Deployments {
		m[d.ID] = d
	}
	return m
}

func incidentsByID(b *model.Batch) map[string]model.Incident {
	m := make(map[string]model.Incident, len(b.Incidents))
	for _, inc := range b.Incidents {
		m[inc.ID] = inc
	}
	return m
}

// laterTime checks a time of an incident seen at t and again at u > t: it
// may only have appeared in between, never changed.
func laterTime(field string, before, after model.Stamp, t, u model.Stamp) error {
	switch {
	case before == after:
		return nil
	case before.IsSet():
		return fmt.Errorf("%s changed from %v to %v", field, before, after)
	case after.IsSet() && after > t && after <= u:
		return nil
	}
	return fmt.Errorf("%s went from %v to %v", field, before, after)
}

func TestStableOverTime(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		step time.Duration
	}{
		{"6h", base, 6 * time.Hour},
		{"1s", base, time.Second},
		{"block edge", time.Date(2026, 11, 20, 3, 59, 0, 0, time.UTC), 2 * time.Minute},
		{"3 days", base.Add(-1000 * time.Hour), 72 * time.Hour},
		{"45 days", base, 45 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.t.Add(tt.step)
			ts, us := model.StampOf(tt.t), model.StampOf(u)
			lo := model.StampOf(u.Add(-History)) // what the later batch still covers
			early, late := Generate(tt.t), Generate(u)
			lateDeps, lateIncs := deploymentsByID(late), incidentsByID(late)
			kept := 0
			for _, d := range early.Deployments {
				if d.FinishedAt <= lo {
					continue
				}
				got, ok := lateDeps[d.ID]
				if !ok {
					t.Fatalf("deployment %s (finished %v) missing at %v", d.ID, d.FinishedAt, u)
				}
				if !reflect.DeepEqual(got, d) {
					t.Fatalf("deployment %s changed:\n%+v\n%+v", d.ID, d, got)
				}
				kept++
			}
			for _, inc := range early.Incidents {
				if inc.StartedAt <= lo {
					continue
				}
				got, ok := lateIncs[inc.ID]
				if !ok {
					t.Fatalf("incident %s (started %v) missing at %v", inc.ID, inc.StartedAt, u)
				}
				for _, err := range []error{
					laterTime("detected_at", inc.DetectedAt, got.DetectedAt, ts, us),
					laterTime("acknowledged_at", inc.AcknowledgedAt, got.AcknowledgedAt, ts, us),
					laterTime("resolved_at", inc.ResolvedAt, got.ResolvedAt, ts, us),
				} {
					if err != nil {
						t.Fatalf("incident %s: %v", inc.ID, err)
					}
				}
				got.DetectedAt, got.AcknowledgedAt, got.ResolvedAt = inc.DetectedAt, inc.AcknowledgedAt, inc.ResolvedAt
				if !reflect.DeepEqual(got, inc) {
					t.Fatalf("incident %s changed:\n%+v\n%+v", inc.ID, inc, got)
				}
				kept++
			}
			if kept == 0 {
				t.Fatal("nothing compared")
			}
			// Nothing appears in the past: what the later batch has up to
			// the earlier now, the earlier batch had too.
			earlyDeps, earlyIncs := deploymentsByID(early), incidentsByID(early)
			for _, d := range late.Deployments {
				if _, ok := earlyDeps[d.ID]; !ok && d.FinishedAt <= ts {
					t.Fatalf("deployment %s finished at %v appeared only at %v", d.ID, d.FinishedAt, u)
				}
			}
			for _, inc := range late.Incidents {
				if _, ok := earlyIncs[inc.ID]; !ok && inc.StartedAt <= ts {
					t.Fatalf("incident %s started at %v appeared only at %v", inc.ID, inc.StartedAt, u)
				}
			}
		})
	}
}

func TestAlwaysAnOpenIncident(t *testing.T) {
	nows := instants(50)
	if len(nows) != 50 {
		t.Fatalf("%d instants", len(nows))
	}
	for _, now := range nows {
		b := Generate(now)
		open := 0
		for _, inc := range b.Incidents {
			if !inc.ResolvedAt.IsSet() {
				open++
			}
		}
		r := model.Compute(model.Merge(b), model.Query{End: now, Days: 30})
		if open == 0 || r.Incidents.Open != open || len(r.OpenIncidents) != open {
			t.Errorf("at %v: %d open incidents in the batch, report says %d (%d listed)",
				now, open, r.Incidents.Open, len(r.OpenIncidents))
		}
	}
}

func TestServices(t *testing.T) {
	if n := len(services); n < 5 || n > 8 {
		t.Fatalf("%d services in the table, want 5–8", n)
	}
	// Incident numbers leave room for 7 services (incFirstOwn + 7×8 ≤ 64);
	// commit numbers leave 5 bits per deployment.
	if (incFirstOwn + len(services)*maxIncidentsPerSlot) > incPerDay {
		t.Fatalf("%d services overflow the incident numbering", len(services))
	}
	for _, p := range services {
		if p.commitsMax >= 31 || p.commitsMin < 1 || p.commitsMin > p.commitsMax {
			t.Errorf("%s: commits %d–%d do not fit the sha numbering", p.name, p.commitsMin, p.commitsMax)
		}
		// Generate looks stagingDays ahead for staging deployments of
		// production deployments still to come.
		if p.stagingMax > stagingDays*24*time.Hour || p.stagingMin <= 0 {
			t.Errorf("%s: staging gap %v–%v outside (0, %d days]", p.name, p.stagingMin, p.stagingMax, stagingDays)
		}
	}
	ds := model.Merge(Generate(base))
	got := ds.Services()
	if len(got) != len(services) {
		t.Fatalf("services %v, want all %d of the table", got, len(services))
	}
}

// tierOf returns the tier or "null".
func tierOf(t *model.Tier) model.Tier {
	if t == nil {
		return "null"
	}
	return *t
}

func TestTierMix(t *testing.T) {
	for _, now := range []time.Time{base, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), time.Date(2027, 8, 15, 22, 30, 0, 0, time.UTC)} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			ds := model.Merge(Generate(now))
			freq := map[model.Tier][]string{}
			failure := map[model.Tier][]string{}
			for _, svc := range ds.Services() {
				r := model.Compute(ds, model.Query{End: now, Days: 30, Services: []string{svc}})
				freq[tierOf(r.DeploymentFrequency.Tier)] = append(freq[tierOf(r.DeploymentFrequency.Tier)], svc)
				failure[tierOf(r.ChangeFailureRate.Tier)] = append(failure[tierOf(r.ChangeFailureRate.Tier)], svc)
			}
			if len(freq) < 2 || len(freq[model.TierElite]) == 0 {
				t.Errorf("deployment frequency tiers by service %v: want several tiers, one of them elite", freq)
			}
			if len(failure[model.TierLow])+len(failure[model.TierMedium]) == 0 {
				t.Errorf("change failure rate tiers by service %v: want a struggling team", failure)
			}
			r := model.Compute(ds, model.Query{End: now, Days: 30})
			org := []model.Tier{tierOf(r.DeploymentFrequency.Tier), tierOf(r.LeadTime.Tier), tierOf(r.ChangeFailureRate.Tier),
				tierOf(r.TimeToRestore.Tier), tierOf(r.FailedDeploymentRecoveryTime.Tier)}
			notElite := 0
			for _, tier := range org {
				if tier != model.TierElite {
					notElite++
				}
			}
			if notElite == 0 {
				t.Errorf("every organisation tier is elite: %v", org)
			}
			if r.DeploymentFrequency.Count == 0 || r.Incidents.Total == 0 {
				t.Errorf("empty 30-day window: %d deployments, %d incidents", r.DeploymentFrequency.Count, r.Incidents.Total)
			}
		})
	}
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{7}$`)

// checkRecords checks every SPEC rule a batch generated at now must keep
// and returns a description of the first broken one.
func checkRecords(b *model.Batch, now time.Time) error {
	lo, e := model.StampOf(now.Add(-History)), model.StampOf(now)
	whole := func(s model.Stamp) bool { return int64(s)%int64(time.Second) == 0 }
	known := map[string]bool{}
	for _, p := range services {
		known[p.name] = true
	}
	deps := map[string]*model.Deployment{}
	for i := range b.Deployments {
		d := &b.Deployments[i]
		switch {
		case d.ID == "" || deps[d.ID] != nil:
			return fmt.Errorf("deployment %d: empty or duplicate id %q", i, d.ID)
		case !known[d.Service]:
			return fmt.Errorf("%s: unknown service %q", d.ID, d.Service)
		case d.Environment != "production" && d.Environment != "staging":
			return fmt.Errorf("%s: environment %q", d.ID, d.Environment)
		case d.FinishedAt <= lo || d.FinishedAt > e || !whole(d.FinishedAt):
			return fmt.Errorf("%s: finished_at %v outside (%v, %v] or fractional", d.ID, d.FinishedAt, lo, e)
		case i > 0 && d.FinishedAt < b.Deployments[i-1].FinishedAt:
			return fmt.Errorf("%s: out of order", d.ID)
		case len(d.Commits) == 0:
			return fmt.Errorf("%s: no commits", d.ID)
		}
		if st, ok := model.ParseStatus(d.Status.String()); !ok || st != d.Status {
			return fmt.Errorf("%s: status %d", d.ID, d.Status)
		}
		shas := map[string]bool{}
		for _, c := range d.Commits {
			if !shaPattern.MatchString(c.SHA) || shas[c.SHA] {
				return fmt.Errorf("%s: bad or repeated sha %q", d.ID, c.SHA)
			}
			shas[c.SHA] = true
			if !c.CommittedAt.IsSet() || c.CommittedAt >= d.FinishedAt || !whole(c.CommittedAt) {
				return fmt.Errorf("%s: commit %s committed at %v, finished at %v", d.ID, c.SHA, c.CommittedAt, d.FinishedAt)
			}
		}
		deps[d.ID] = d
	}
	incs := map[string]bool{}
	for i := range b.Incidents {
		inc := &b.Incidents[i]
		after := func(a, b model.Stamp) bool { return !a.IsSet() || !b.IsSet() || a >= b }
		switch {
		case inc.ID == "" || incs[inc.ID]:
			return fmt.Errorf("incident %d: empty or duplicate id %q", i, inc.ID)
		case !known[inc.Service] || inc.Title == "":
			return fmt.Errorf("%s: service %q, title %q", inc.ID, inc.Service, inc.Title)
		case inc.Severity > 5:
			return fmt.Errorf("%s: severity %d", inc.ID, inc.Severity)
		case inc.StartedAt <= lo || inc.StartedAt > e:
			return fmt.Errorf("%s: started_at %v outside (%v, %v]", inc.ID, inc.StartedAt, lo, e)
		case i > 0 && inc.StartedAt < b.Incidents[i-1].StartedAt:
			return fmt.Errorf("%s: out of order", inc.ID)
		case inc.DetectedAt > e || inc.AcknowledgedAt > e || inc.ResolvedAt > e:
			return fmt.Errorf("%s: a time later than now: %+v", inc.ID, inc)
		case !after(inc.DetectedAt, inc.StartedAt) || !after(inc.AcknowledgedAt, inc.DetectedAt) ||
			!after(inc.AcknowledgedAt, inc.StartedAt) || !after(inc.ResolvedAt, inc.AcknowledgedAt) ||
			(inc.ResolvedAt.IsSet() && inc.ResolvedAt <= inc.StartedAt):
			return fmt.Errorf("%s: times out of order: %+v", inc.ID, inc)
		case !whole(inc.StartedAt) || !whole(inc.DetectedAt) || !whole(inc.AcknowledgedAt) || !whole(inc.ResolvedAt):
			return fmt.Errorf("%s: fractional seconds: %+v", inc.ID, inc)
		}
		if inc.DeploymentID != "" {
			d := deps[inc.DeploymentID]
			if d == nil || d.Environment != "production" || d.Service != inc.Service ||
				d.Status == model.StatusFailed || d.FinishedAt >= inc.StartedAt {
				return fmt.Errorf("%s: deployment_id %q does not name a shipped production deployment of %s before it",
					inc.ID, inc.DeploymentID, inc.Service)
			}
		}
		incs[inc.ID] = true
	}
	return nil
}

func TestRecordsKeepTheSpec(t *testing.T) {
	for _, now := range instants(8) {
		if err := checkRecords(Generate(now), now); err != nil {
			t.Errorf("at %v: %v", now, err)
		}
	}
}

// TestRealism checks that the history has every feature a believable
// organisation shows: the numbers are counted, not assumed.
func TestRealism(t *testing.T) {
	b := Generate(base)
	statuses := map[model.Status]int{}
	envs := map[string]int{}
	shipped := map[string]int{} // production service/sha → deployments listing it
	multiCommit := 0
	var leads []time.Duration
	for _, d := range b.Deployments {
		envs[d.Environment]++
		if d.Environment != "production" {
			continue
		}
		statuses[d.Status]++
		if len(d.Commits) > 1 {
			multiCommit++
		}
		for _, c := range d.Commits {
			shipped[d.Service+"/"+c.SHA]++
			leads = append(leads, time.Duration(d.FinishedAt-c.CommittedAt))
		}
	}
	reshipped := 0
	for _, n := range shipped {
		if n > 1 {
			reshipped++
		}
	}
	severities := map[model.Severity]int{}
	caused, unrelated, noDetect, noAck := 0, 0, 0, 0
	for _, inc := range b.Incidents {
		severities[inc.Severity]++
		if inc.DeploymentID != "" {
			caused++
		} else {
			unrelated++
		}
		if !inc.DetectedAt.IsSet() {
			noDetect++
		}
		if !inc.AcknowledgedAt.IsSet() {
			noAck++
		}
	}
	short, long := 0, 0
	for _, l := range leads {
		if l < time.Hour {
			short++
		}
		if l > 7*24*time.Hour {
			long++
		}
	}
	checks := []struct {
		what string
		n    int
	}{
		{"staging deployments", envs["staging"]},
		{"production deployments", envs["production"]},
		{"failed deployments", statuses[model.StatusFailed]},
		{"rolled back deployments", statuses[model.StatusRolledBack]},
		{"multi-commit deployments", multiCommit},
		{"commits shipped twice", reshipped},
		{"lead times under an hour", short},
		{"lead times over a week", long},
		{"incidents caused by deployments", caused},
		{"unrelated incidents", unrelated},
		{"incidents never detected", noDetect},
		{"incidents never acknowledged", noAck},
	}
	for s := model.Severity(1); s <= 5; s++ {
		checks = append(checks, struct {
			what string
			n    int
		}{s.String() + " incidents", severities[s]})
	}
	for _, c := range checks {
		if c.n == 0 {
			t.Errorf("no %s in 400 days", c.what)
		}
	}
	if statuses[model.StatusSuccess] < 10*(statuses[model.StatusFailed]+statuses[model.StatusRolledBack]) {
		t.Errorf("statuses %v: failures should be occasional", statuses)
	}
}

func TestOutOfRangeNow(t *testing.T) {
	for _, now := range []time.Time{{}, time.Date(1971, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if b := Generate(now); len(b.Deployments)+len(b.Incidents) != 0 {
			t.Errorf("Generate(%v): %d deployments, %d incidents; want none", now, len(b.Deployments), len(b.Incidents))
		}
	}
	if b := Generate(minNow); len(b.Deployments) == 0 {
		t.Errorf("Generate(%v) is empty", minNow)
	}
}

func TestScrambleIsInjective(t *testing.T) {
	seen := make([]uint64, 1<<28/64)
	check := func(x uint32) {
		y := scramble28(x)
		if y >= 1<<28 {
			t.Fatalf("scramble28(%#x) = %#x: out of range", x, y)
		}
		if seen[y/64]&(1<<(y%64)) != 0 {
			t.Fatalf("scramble28(%#x) = %#x collides", x, y)
		}
		seen[y/64] |= 1 << (y % 64)
	}
	// Every sha of two services over 512 days, and then a sparse sweep.
	for x := uint32(0); x < 1<<19; x++ {
		check(x)
	}
	for x := uint32(1 << 19); x < 1<<28; x += 257 {
		check(x)
	}
}

func TestWeekday(t *testing.T) {
	for d := int64(-10); d < 30; d++ {
		if got, want := weekday(d), time.Unix(d*86400, 0).UTC().Weekday(); got != want {
			t.Errorf("weekday(%d) = %v, want %v", d, got, want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	var n int
	for i := 0; b.Loop(); i++ {
		batch := Generate(base.Add(time.Duration(i) * time.Minute))
		n = len(batch.Deployments) + len(batch.Incidents)
	}
	b.ReportMetric(float64(n), "events")
}

// The batch's slices are most of the demo source's memory: they are sized
// once from the profiles' rates, so they never grow (and leave garbage
// behind) and hold little unused capacity.
func TestGenerateSizedOnce(t *testing.T) {
	days := int(History/(24*time.Hour)) + 1
	for _, now := range instants(30) {
		b := Generate(now)
		for _, c := range []struct {
			kind           string
			len, cap, want int
		}{
			{"deployments", len(b.Deployments), cap(b.Deployments), deploymentsPerDay * days},
			{"incidents", len(b.Incidents), cap(b.Incidents), int(incidentsPerDay*float64(days)) + 64},
		} {
			if c.cap != c.want {
				t.Errorf("%v: %s: capacity %d, want the estimate %d (the slice grew)", now, c.kind, c.cap, c.want)
			}
			if c.cap > c.len*5/4 {
				t.Errorf("%v: %s: capacity %d for %d records", now, c.kind, c.cap, c.len)
			}
		}
	}
}
