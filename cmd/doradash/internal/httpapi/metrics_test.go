package httpapi

import (
	"bytes"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"doradash/model"
)

// documented is every metric of README "Prometheus and Grafana" with its
// labels: nothing else may appear.
var documented = map[string][]string{
	"doradash_deployments":                             {"service", "environment", "team", "window"},
	"doradash_deployments_per_day":                     {"service", "environment", "team", "window"},
	"doradash_lead_time_seconds":                       {"service", "environment", "team", "window"},
	"doradash_change_failures":                         {"service", "environment", "team", "window"},
	"doradash_change_failure_deployments":              {"service", "environment", "team", "window"},
	"doradash_change_failure_ratio":                    {"service", "environment", "team", "window"},
	"doradash_failed_deployment_recovery_time_seconds": {"service", "environment", "team", "window"},
	"doradash_deployment_frequency_tier":               {"service", "environment", "team", "window", "tier"},
	"doradash_lead_time_tier":                          {"service", "environment", "team", "window", "tier"},
	"doradash_change_failure_rate_tier":                {"service", "environment", "team", "window", "tier"},
	"doradash_failed_deployment_recovery_time_tier":    {"service", "environment", "team", "window", "tier"},
	"doradash_time_to_restore_seconds":                 {"service", "team", "window"},
	"doradash_time_to_restore_tier":                    {"service", "team", "window", "tier"},
	"doradash_incidents":                               {"service", "team", "window", "severity"},
	"doradash_downtime_seconds":                        {"service", "team", "window"},
	"doradash_availability_ratio":                      {"service", "team", "window"},
	"doradash_open_incidents":                          {"service", "team"},
	"doradash_source_up":                               {"source"},
	"doradash_source_last_success_timestamp_seconds":   {"source"},
	"doradash_source_rejected_records":                 {"source"},
	"doradash_source_rate_limit_remaining_ratio":       {"source"},
	"doradash_build_info":                              {"version", "goversion"},
}

// scrape fetches /metrics with the Accept header and parses it with the
// Prometheus text parser.
func scrape(t *testing.T, h http.Handler, accept string) map[string]*dto.MetricFamily {
	t.Helper()
	rec := get(h, "/metrics", "Accept", accept)
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body.String())
	}
	format := expfmt.ResponseFormat(rec.Header())
	if format == expfmt.FmtUnknown { // ResponseFormat does not know OpenMetrics
		format = expfmt.Format(rec.Header().Get("Content-Type"))
	}
	if format.FormatType() == expfmt.TypeUnknown {
		t.Fatalf("unknown exposition format %q", rec.Header().Get("Content-Type"))
	}
	dec := expfmt.NewDecoder(bytes.NewReader(rec.Body.Bytes()), format)
	out := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("parse /metrics: %v\n%s", err, rec.Body.String())
		}
		out[mf.GetName()] = &mf
	}
	return out
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}

// find returns the metric of family name whose labels include want.
func find(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	mf, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range mf.GetMetric() {
		l := labelsOf(m)
		match := true
		for k, v := range want {
			if l[k] != v {
				match = false
			}
		}
		if match {
			return m
		}
	}
	t.Fatalf("no %s%v", name, want)
	return nil
}

func metricsServer(t *testing.T) (*fakeFeed, http.Handler) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()),
		model.SourceStatus{Name: "files", OK: true, Rejected: 2, LastSuccess: t0},
		model.SourceStatus{Name: "api", State: model.SourcePending})
	h := newTestServer(t, feed, func(o *Options) {
		o.Base.Environments = []string{"production", "staging"}
		o.Teams = []Team{{Name: "payments", Services: []string{"checkout"}}}
		o.Headroom = func(st model.SourceStatus) (float64, bool) { return 0.25, st.Name == "api" }
	}).Handler()
	return feed, h
}

func TestMetricsOnlyDocumentedNamesAndLabels(t *testing.T) {
	_, h := metricsServer(t)
	for _, accept := range []string{"", "text/plain", "application/openmetrics-text; version=1.0.0", "application/openmetrics-text; version=0.0.1", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"} {
		fams := scrape(t, h, accept)
		for name, mf := range fams {
			labels, ok := documented[name]
			if !ok {
				t.Errorf("Accept %q: undocumented metric %s", accept, name)
				continue
			}
			for _, m := range mf.GetMetric() {
				got := slices.Sorted(maps.Keys(labelsOf(m)))
				if want := slices.Sorted(slices.Values(labels)); !slices.Equal(got, want) {
					t.Errorf("%s has labels %v, documented %v", name, got, want)
				}
			}
		}
		for name := range documented {
			if _, ok := fams[name]; !ok {
				t.Errorf("Accept %q: documented metric %s missing", accept, name)
			}
		}
	}
}

func TestMetricsOpenMetricsNegotiated(t *testing.T) {
	_, h := metricsServer(t)
	rec := get(h, "/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type %q, want OpenMetrics", ct)
	}
	if !strings.HasSuffix(rec.Body.String(), "# EOF\n") {
		t.Error("OpenMetrics output does not end with # EOF")
	}
	rec = get(h, "/metrics")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("without Accept: Content-Type %q, want text/plain", ct)
	}
	if !strings.Contains(rec.Body.String(), "# HELP doradash_lead_time_seconds ") || !strings.Contains(rec.Body.String(), "# TYPE doradash_lead_time_seconds summary") {
		t.Error("no HELP/TYPE lines for the lead time summary")
	}
	rec = get(h, "/metrics", "Accept-Encoding", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Error("/metrics is not compressed when asked")
	}
}

func TestMetricsValues(t *testing.T) {
	feed, h := metricsServer(t)
	fams := scrape(t, h, "")
	v := feed.Latest()
	report := func(svc, env string, days int) *model.Report {
		return model.Compute(v.Data, model.Query{End: t0, Days: days, Environments: []string{env}, Services: []string{svc}})
	}
	l := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, days := range []int{7, 30} {
		w := map[int]string{7: "7d", 30: "30d"}[days]
		for _, svc := range []string{"checkout", "ledger"} {
			team := map[string]string{"checkout": "payments", "ledger": Unassigned}[svc]
			for _, env := range []string{"production", "staging"} {
				r := report(svc, env, days)
				lab := l("service", svc, "environment", env, "team", team, "window", w)
				if g := find(t, fams, "doradash_deployments", lab).GetGauge().GetValue(); g != float64(r.DeploymentFrequency.Count) {
					t.Errorf("deployments %v = %v, want %d", lab, g, r.DeploymentFrequency.Count)
				}
				if g := find(t, fams, "doradash_deployments_per_day", lab).GetGauge().GetValue(); g != r.DeploymentFrequency.PerDay {
					t.Errorf("per day %v = %v, want %v", lab, g, r.DeploymentFrequency.PerDay)
				}
				s := find(t, fams, "doradash_lead_time_seconds", lab).GetSummary()
				if s.GetSampleCount() != uint64(r.LeadTime.Count) {
					t.Errorf("lead time count %v = %d, want %d", lab, s.GetSampleCount(), r.LeadTime.Count)
				}
				if r.LeadTime.Count > 0 {
					if math.Abs(s.GetSampleSum()-*r.LeadTime.Mean*float64(r.LeadTime.Count)) > 1e-6 {
						t.Errorf("lead time sum %v = %v", lab, s.GetSampleSum())
					}
					for _, q := range s.GetQuantile() {
						want := map[float64]float64{0.5: *r.LeadTime.Median, 0.9: *r.LeadTime.P90}[q.GetQuantile()]
						if q.GetValue() != want {
							t.Errorf("lead time quantile %v %v = %v, want %v", q.GetQuantile(), lab, q.GetValue(), want)
						}
					}
				}
				if g := find(t, fams, "doradash_change_failures", lab).GetGauge().GetValue(); g != float64(r.ChangeFailureRate.Failures) {
					t.Errorf("failures %v = %v", lab, g)
				}
				ones := 0
				for _, tier := range []string{"elite", "high", "medium", "low"} {
					g := find(t, fams, "doradash_deployment_frequency_tier", map[string]string{"service": svc, "environment": env, "window": w, "tier": tier}).GetGauge().GetValue()
					if g == 1 {
						ones++
						if r.DeploymentFrequency.Tier == nil || string(*r.DeploymentFrequency.Tier) != tier {
							t.Errorf("tier %s set for %v, report says %v", tier, lab, r.DeploymentFrequency.Tier)
						}
					}
				}
				if (r.DeploymentFrequency.Tier != nil) != (ones == 1) {
					t.Errorf("%v: %d tiers set, report tier %v", lab, ones, r.DeploymentFrequency.Tier)
				}
			}
			r := report(svc, "production", days)
			lab := l("service", svc, "team", team, "window", w)
			for sev, n := range r.Incidents.BySeverity {
				if g := find(t, fams, "doradash_incidents", map[string]string{"service": svc, "window": w, "severity": sev}).GetGauge().GetValue(); g != float64(n) {
					t.Errorf("incidents %s %v = %v, want %d", sev, lab, g, n)
				}
			}
			if g := find(t, fams, "doradash_downtime_seconds", lab).GetGauge().GetValue(); g != r.Incidents.DowntimeSeconds {
				t.Errorf("downtime %v = %v, want %v", lab, g, r.Incidents.DowntimeSeconds)
			}
			if g := find(t, fams, "doradash_open_incidents", l("service", svc)).GetGauge().GetValue(); g != float64(r.Incidents.Open) {
				t.Errorf("open %s = %v, want %d", svc, g, r.Incidents.Open)
			}
		}
	}
	// The org-wide view of the README: sum(_sum)/sum(_count) over services
	// is the mean of the report over all services.
	var sum float64
	var count uint64
	for _, m := range fams["doradash_lead_time_seconds"].GetMetric() {
		if l := labelsOf(m); l["window"] == "30d" && l["environment"] == "production" {
			sum += m.GetSummary().GetSampleSum()
			count += m.GetSummary().GetSampleCount()
		}
	}
	all := model.Compute(v.Data, model.Query{End: t0, Days: 30, Environments: []string{"production"}})
	if count != uint64(all.LeadTime.Count) || math.Abs(sum/float64(count)-*all.LeadTime.Mean) > 1e-6 {
		t.Errorf("org-wide lead time from the summaries: %v over %d, the report says %v over %d", sum/float64(count), count, *all.LeadTime.Mean, all.LeadTime.Count)
	}
	// The sample has a failure linked to an incident: the ratio is there
	// where there were deployments, absent where there were none.
	if g := find(t, fams, "doradash_change_failure_ratio", l("service", "checkout", "environment", "production", "window", "7d")).GetGauge().GetValue(); g != 1 {
		t.Errorf("checkout 7d failure ratio %v, want 1 (a rollback and a deployment that caused an incident)", g)
	}
	for _, m := range fams["doradash_change_failure_ratio"].GetMetric() {
		if l := labelsOf(m); l["environment"] == "staging" && l["service"] == "checkout" {
			t.Errorf("a ratio without deployments: %v", l)
		}
	}
	if g := find(t, fams, "doradash_source_up", l("source", "files")).GetGauge().GetValue(); g != 1 {
		t.Errorf("files up = %v", g)
	}
	if g := find(t, fams, "doradash_source_up", l("source", "api")).GetGauge().GetValue(); g != 0 {
		t.Errorf("api up = %v", g)
	}
	if g := find(t, fams, "doradash_source_rejected_records", l("source", "files")).GetGauge().GetValue(); g != 2 {
		t.Errorf("rejected = %v", g)
	}
	if g := find(t, fams, "doradash_source_last_success_timestamp_seconds", l("source", "files")).GetGauge().GetValue(); g != float64(t0.Unix()) {
		t.Errorf("last success = %v", g)
	}
	if n := len(fams["doradash_source_last_success_timestamp_seconds"].GetMetric()); n != 1 {
		t.Errorf("%d last-success series, want 1 (api never succeeded)", n)
	}
	if g := find(t, fams, "doradash_source_rate_limit_remaining_ratio", l("source", "api")).GetGauge().GetValue(); g != 0.25 || len(fams["doradash_source_rate_limit_remaining_ratio"].GetMetric()) != 1 {
		t.Errorf("headroom = %v", g)
	}
	if find(t, fams, "doradash_build_info", l("version", "test")).GetGauge().GetValue() != 1 {
		t.Error("build_info is not 1")
	}
}

// TestCollectorIsConsistent registers the collector with a pedantic
// registry, which checks every metric against its description.
func TestCollectorIsConsistent(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()), model.SourceStatus{Name: "files", OK: true, LastSuccess: t0})
	s := newTestServer(t, feed, nil)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&collector{s: s})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range fams {
		if !pmodel.UTF8Validation.IsValidMetricName(mf.GetName()) || !pmodel.LegacyValidation.IsValidMetricName(mf.GetName()) {
			t.Errorf("%s is not a legacy-valid metric name", mf.GetName())
		}
	}
}

func TestMetricsEmptyDataset(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge())
	fams := scrape(t, newTestServer(t, feed, nil).Handler(), "")
	for name := range fams {
		if name != "doradash_build_info" {
			t.Errorf("%s without any data or source", name)
		}
	}
}

func TestMetricsComputeOncePerMinute(t *testing.T) {
	feed := &fakeFeed{}
	feed.set(model.Merge(sampleBatch()))
	cc := &countingCompute{}
	h := newTestServer(t, feed, func(o *Options) { o.Compute = cc.compute }).Handler()
	scrape(t, h, "")
	n := cc.n.Load()
	if n != 4 { // 2 services × 1 environment × 2 windows
		t.Errorf("first scrape: %d computations, want 4", n)
	}
	scrape(t, h, "")
	get(h, "/api/v1/snapshot?service=checkout&window=7d") // the same query as a metric's
	if cc.n.Load() != n {
		t.Errorf("a second scrape and a snapshot of the same query computed %d more", cc.n.Load()-n)
	}
}
