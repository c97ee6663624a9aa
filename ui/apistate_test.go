package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"doradash/model"
)

// apiVersion is the demo data read by three sources: a file source that is
// fine, a GitHub source in its first full read (412 deployments so far,
// never succeeded) and a PagerDuty source waiting for a rate limit's
// reset at 14:05, its data kept.
func apiVersion() *model.Version {
	v := demoVersion()
	v.Sources = []model.SourceStatus{
		v.Sources[0],
		{Name: "github", Type: "github", Target: "https://api.github.com/repos/acme/checkout", State: model.SourceSyncing,
			Deployments: 412, Progress: "412 deployments, page 5", Interval: time.Minute,
			API: &model.APIStats{Requests: 9, RateLimit: 5000, RateRemaining: 4991}},
		{Name: "pagerduty", Type: "pagerduty", Target: "https://api.pagerduty.com", State: model.SourceRateLimited,
			Incidents: 212, LastSuccess: testNow.Add(-4 * time.Minute), Interval: time.Minute,
			RateLimitedUntil: testNow.Add(100 * time.Second)},
	}
	return v
}

// TestGoldenAPIStates pins every layout while one source syncs and one is
// rate limited (regenerate with go test ./ui/ -update): the strip says
// how far the first read got and until when the limit holds, and the
// figures are marked partial.
func TestGoldenAPIStates(t *testing.T) {
	want := map[string][]string{
		"wall":   {"↻ syncing: github", "↻ github github syncing 412 deployments, page 5", "rate limited until 14:05", "partial"},
		"desk":   {"↻ syncing", "↻ github github syncing 412 deployments, page 5", "rate limited until 14:05", "partial"},
		"glance": {"↻ syncing", "syncing: 412 deployments, page 5", "partial"},
		"tiny":   {"↻ syncing", "partial"},
	}
	for _, s := range namedSizes {
		t.Run(s.name, func(t *testing.T) {
			m := versionModel(t, apiVersion(), s.w, s.h)
			if m.c.snap.cov != coveragePartial {
				t.Errorf("coverage %v while a source syncs, want partial", m.c.snap.cov)
			}
			v := m.View()
			checkFits(t, s.name, v, s.w, s.h)
			// Columns aside: words as they read.
			words := strings.Join(strings.Fields(v), " ")
			for _, w := range want[s.name] {
				if !strings.Contains(words, w) {
					t.Errorf("%s: view lacks %q:\n%s", s.name, w, v)
				}
			}
			// The syncing source has data so far: it is not "no data yet".
			if strings.Contains(v, "no data") {
				t.Errorf("%s: a syncing source reads as having no data:\n%s", s.name, v)
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
	// The glance layout's one-line strip, in full.
	m := versionModel(t, apiVersion(), 80, 24)
	full := "↻ github syncing: 412 deployments, page 5 · ◷ pagerduty rate limited until 14:05"
	if line := m.dash.stripLine(m.c.version.Sources); !strings.Contains(line, full) {
		t.Errorf("one-line strip %q lacks %q", line, full)
	}
}

// TestWriteTextAPIStates: the text report says how far a syncing source
// got, until when a rate-limited one waits, and marks the figures partial.
func TestWriteTextAPIStates(t *testing.T) {
	v := apiVersion()
	r := model.Compute(v.Data, model.Query{End: testNow, Days: 30})
	r.Sources = model.SourceReports(v.Sources)
	var b strings.Builder
	if err := WriteText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{
		"⚠ partial: github syncing (412 deployments, page 5); the figures below lack their records",
		"partial · ",
		"↻ syncing      github     github · syncing: 412 deployments, page 5 · 412 deployments",
		"◷ rate limited pagerduty  pagerduty · rate limited until 2026-11-20 14:05 UTC · 0 deployments · 212 incidents",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
	golden.RequireEqual(t, []byte(out))
}

// TestCoverageOfAPIStates: a source syncing or rate limited during its
// first read has partial data, never none; a rate-limited source that had
// succeeded keeps full coverage.
func TestCoverageOfAPIStates(t *testing.T) {
	src := func(state model.SourceState, success bool, records int) model.SourceStatus {
		s := model.SourceStatus{Name: string(state), State: state, Deployments: records}
		if success {
			s.LastSuccess = testNow
		}
		return s
	}
	for _, c := range []struct {
		name string
		srcs []model.SourceStatus
		want coverage
	}{
		{"syncing alone", []model.SourceStatus{src(model.SourceSyncing, false, 412)}, coveragePartial},
		{"syncing, nothing read yet", []model.SourceStatus{src(model.SourceSyncing, false, 0)}, coveragePartial},
		{"rate limited in the first read", []model.SourceStatus{src(model.SourceRateLimited, false, 80)}, coveragePartial},
		{"rate limited before any record", []model.SourceStatus{src(model.SourceRateLimited, false, 0)}, coverageNone},
		{"rate limited after a success", []model.SourceStatus{src(model.SourceRateLimited, true, 80), src(model.SourceOK, true, 3)}, coverageFull},
		{"pending and syncing", []model.SourceStatus{src(model.SourcePending, false, 0), src(model.SourceSyncing, false, 5)}, coveragePartial},
		{"all ok", []model.SourceStatus{src(model.SourceOK, true, 5)}, coverageFull},
	} {
		if got := coverageOf(&model.Version{Sources: c.srcs}); got != c.want {
			t.Errorf("%s: coverage %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRateLimitedDuringFirstRead: a source rate limited before its first
// read finished keeps what it read; the screen says so rather than "no
// data yet", and marks the figures partial.
func TestRateLimitedDuringFirstRead(t *testing.T) {
	v := apiVersion()
	v.Sources[2].LastSuccess = time.Time{}
	m := versionModel(t, v, 160, 45)
	view := m.View()
	words := strings.Join(strings.Fields(view), " ")
	if !strings.Contains(words, "rate limited until 14:05 · 0 deployments, 212 incidents · first read unfinished") ||
		strings.Contains(view, "no data") || m.c.snap.cov != coveragePartial {
		t.Errorf("view:\n%s", view)
	}
}
