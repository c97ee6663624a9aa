package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"doradash/model"
)

// partialVersion is the demo data with its incidents source still pending:
// it has never succeeded, so every figure lacks its records.
func partialVersion() *model.Version {
	v := demoVersion()
	v.Sources[1] = model.SourceStatus{Name: "incidents", Type: "http", Target: "https://incidents.example.com/api/export",
		State: model.SourcePending, Interval: 30 * time.Second}
	return v
}

// emptyVersion is what the poller publishes before any poll completes:
// no data, every source pending.
func emptyVersion() *model.Version {
	return &model.Version{Data: model.Merge(), Sources: []model.SourceStatus{
		{Name: "deploys", Type: "file", Target: "deploys.ndjson", State: model.SourcePending, Interval: 5 * time.Second},
		{Name: "incidents", Type: "http", Target: "https://incidents.example.com/api/export", State: model.SourcePending,
			Interval: 30 * time.Second},
	}}
}

// versionModel is a monochrome w×h dashboard showing v, computed.
func versionModel(t testing.TB, v *model.Version, w, h int) *Model {
	t.Helper()
	m := New(testOptions(nil, termenv.Ascii))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	_, cmd := m.Update(versionMsg{v: v})
	settle(t, m, cmd)
	if m.c.snap == nil {
		t.Fatal("no snapshot after the version")
	}
	return m
}

// TestGoldenCoverage pins the screens of every layout while a source has
// no data yet (partial) and while none has (none).
func TestGoldenCoverage(t *testing.T) {
	for _, c := range []struct {
		name string
		v    func() *model.Version
	}{{"partial", partialVersion}, {"none", emptyVersion}} {
		for _, s := range namedSizes {
			t.Run(s.name+"-"+c.name, func(t *testing.T) {
				m := versionModel(t, c.v(), s.w, s.h)
				v := m.View()
				checkFits(t, s.name, v, s.w, s.h)
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// TestPendingSourceMarksFigures: with a source still pending, every layout
// names it in the header and marks the figures that lack it as partial.
func TestPendingSourceMarksFigures(t *testing.T) {
	want := map[string][]string{
		"wall":   {"no data yet: incidents", "partial", "availability", "(partial)"},
		"desk":   {"⚠ no data: incidents", "partial", "(partial)"},
		"glance": {"⚠ no data: incidents", "incidents pending no data yet", "partial"},
		"tiny":   {"no data: incidents", "partial", "DEMO"},
	}
	for _, s := range namedSizes {
		v := versionModel(t, partialVersion(), s.w, s.h).View()
		for _, w := range want[s.name] {
			if !strings.Contains(v, w) {
				t.Errorf("%s: view lacks %q:\n%s", s.name, w, v)
			}
		}
		if strings.Contains(v, "stale") {
			t.Errorf("%s: a source that never succeeded reads as stale:\n%s", s.name, v)
		}
	}
	// Each tile says it, not only the header: four marks at least.
	if v := versionModel(t, partialVersion(), 160, 45).View(); strings.Count(v, "partial") < 5 {
		t.Errorf("wall: %d partial marks, want the four tiles and the incident figures:\n%s", strings.Count(v, "partial"), v)
	}
}

// TestNothingKnownShowsNoFigures: before any source succeeded, no layout
// shows a figure computed from nothing (availability 100%, zero counts).
func TestNothingKnownShowsNoFigures(t *testing.T) {
	for _, s := range namedSizes {
		v := versionModel(t, emptyVersion(), s.w, s.h).View()
		for _, bad := range []string{"100%", "0.0/day", "0 incidents", "no open incidents", "no tier"} {
			if strings.Contains(v, bad) {
				t.Errorf("%s: view shows %q before any data:\n%s", s.name, bad, v)
			}
		}
		if !strings.Contains(v, "—") || !strings.Contains(v, "no data") {
			t.Errorf("%s: view does not say there is no data yet:\n%s", s.name, v)
		}
	}
}

// TestFailingWithoutDataIsNotStale: a source failing since its first poll
// has no data yet; the header says so instead of "stale data".
func TestFailingWithoutDataIsNotStale(t *testing.T) {
	ver := partialVersion()
	ver.Sources[1].State = model.SourceFailing
	ver.Sources[1].Failures = 4
	ver.Sources[1].Error = "connection refused"
	ver.Sources[1].FailingSince = testNow.Add(-10 * time.Minute)
	v := versionModel(t, ver, 150, 40).View()
	if strings.Contains(v, "stale") || !strings.Contains(v, "no data yet: incidents") {
		t.Errorf("view:\n%s", v)
	}
}

// TestTinyShowsDemoMarker: the demo marker survives down to the tiny
// layout.
func TestTinyShowsDemoMarker(t *testing.T) {
	for _, sz := range [][2]int{{30, 8}, {20, 5}, {39, 9}} {
		if v := demoModel(t, termenv.Ascii, sz[0], sz[1]).View(); !strings.Contains(v, "DEMO") {
			t.Errorf("%d×%d: no demo marker:\n%s", sz[0], sz[1], v)
		}
	}
}

// TestCoverageFollowsTheVersion: the marks go once the source succeeds.
func TestCoverageFollowsTheVersion(t *testing.T) {
	m := versionModel(t, partialVersion(), 100, 30)
	if !strings.Contains(m.View(), "partial") {
		t.Fatal("no partial mark")
	}
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	if v := m.View(); strings.Contains(v, "partial") || strings.Contains(v, "no data") {
		t.Errorf("marks stay after every source succeeded:\n%s", v)
	}
}

// TestWriteTextMarksPartialData: the plain-text report says which
// sources have no data yet and marks the figures.
func TestWriteTextMarksPartialData(t *testing.T) {
	for _, c := range []struct {
		name string
		v    *model.Version
		want []string
		bad  []string
	}{
		{"partial", partialVersion(), []string{"⚠ partial: no data yet from incidents", "partial · ", "(partial)"}, nil},
		{"none", emptyVersion(), []string{"no data yet from any source", "—"}, []string{"100%", "0.0/day"}},
	} {
		r := model.Compute(c.v.Data, model.Query{End: testNow, Days: 30})
		r.Sources = model.SourceReports(c.v.Sources)
		var b strings.Builder
		if err := WriteText(&b, r, false); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: report lacks %q:\n%s", c.name, w, out)
			}
		}
		for _, w := range c.bad {
			if strings.Contains(out, w) {
				t.Errorf("%s: report shows %q:\n%s", c.name, w, out)
			}
		}
	}
}
