package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"doradash/model"
)

// smallReport is a one-day report over a hand-built dataset whose figures
// are easy to check: three shipped deployments (one rolled back), lead
// times of 1 h, 2 h and 3 h, one resolved incident of 30 minutes and one
// open SEV1 incident started 47 minutes before the end.
func smallReport() *model.Report {
	end := testNow
	at := func(d time.Duration) model.Stamp { return model.StampOf(end.Add(-d)) }
	b := &model.Batch{
		Deployments: []model.Deployment{
			{ID: "d1", Service: "checkout", Environment: "production", FinishedAt: at(10 * time.Hour),
				Commits: []model.Commit{{SHA: "a", CommittedAt: at(11 * time.Hour)}}},
			{ID: "d2", Service: "checkout", Environment: "production", FinishedAt: at(6 * time.Hour),
				Commits: []model.Commit{{SHA: "b", CommittedAt: at(8 * time.Hour)}}},
			{ID: "d3", Service: "checkout", Environment: "production", FinishedAt: at(2 * time.Hour), Status: model.StatusRolledBack,
				Commits: []model.Commit{{SHA: "c", CommittedAt: at(5 * time.Hour)}}},
		},
		Incidents: []model.Incident{
			{ID: "INC-1", Service: "checkout", Title: "slow pay", Severity: 3, StartedAt: at(5 * time.Hour),
				DetectedAt: at(5*time.Hour - 4*time.Minute), AcknowledgedAt: at(5*time.Hour - 6*time.Minute),
				ResolvedAt: at(5*time.Hour - 30*time.Minute)},
			{ID: "INC-2", Service: "checkout", Title: "5xx on /pay", Severity: 1, StartedAt: at(47 * time.Minute)},
		},
	}
	r := model.Compute(model.Merge(b), model.Query{End: end, Days: 1})
	r.Sources = model.SourceReports([]model.SourceStatus{
		{Name: "deploys", Type: "file", State: model.SourceOK, OK: true, Deployments: 3, LastSuccess: end.Add(-2 * time.Second)},
		{Name: "incidents", Type: "http", State: model.SourceFailing, Error: "HTTP 503:\nService Unavailable", Failures: 2},
	})
	return r
}

func TestWriteText(t *testing.T) {
	var b strings.Builder
	if err := WriteText(&b, smallReport(), false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	find := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return l
			}
		}
		t.Fatalf("no line starts with %q in:\n%s", prefix, out)
		return ""
	}
	tests := []struct {
		line string
		want []string
	}{
		{"doradash", []string{"last 24 hours", "2026-11-19 14:03 → 2026-11-20 14:03 UTC"}},
		{"environments", []string{"production", "services all"}},
		{"Deployment frequency", []string{"3.0/day", "●●●● elite", "▲ better (was 0.0/month)", "3 deployments", "deployed on 1 of 1 day"}},
		{"Lead time for changes", []string{"2h", "●●●● elite", "median of 3 changes", "mean 2h", "p90 3h"}},
		{"Change failure rate", []string{"33.3%", "●○○○ low", "1 of 3 deployments"}},
		{"Time to restore", []string{"30m", "●●●● elite", "median of 1 incident"}},
		{"Failed deployment recovery", []string{"no data", "no tier"}},
		{"2 incidents started", []string{"1 open", "SEV1 1", "SEV3 1"}},
		{"time to detect", []string{"median 4m", "(1 incident)"}},
		{"time to acknowledge", []string{"median 2m"}},
		{"downtime", []string{"47m", "availability 96.73%"}},
		{"Open incidents (1)", nil},
		{"SEV1", []string{"checkout", "5xx on /pay", "open 47m", "since 2026-11-20 13:16 UTC"}},
		{"● ok", []string{"deploys", "3 deployments", "last success 2026-11-20 14:03:20 UTC"}},
		{"✗ failing", []string{"incidents", "error: HTTP 503: Service Unavailable"}},
	}
	for _, tt := range tests {
		l := find(tt.line)
		for _, w := range tt.want {
			if !strings.Contains(l, w) {
				t.Errorf("line %q lacks %q", l, w)
			}
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("colourless report has escape sequences")
	}
}

func TestWriteTextColour(t *testing.T) {
	r := smallReport()
	var mono, colour strings.Builder
	if err := WriteText(&mono, r, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&colour, r, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colour.String(), "\x1b[") {
		t.Error("colour report has no colour")
	}
	if ansi.Strip(colour.String()) != mono.String() {
		t.Errorf("colour changes the text:\n%s\n---\n%s", ansi.Strip(colour.String()), mono.String())
	}
}

func TestWriteTextDemoGolden(t *testing.T) {
	v := demoVersion()
	r := model.Compute(v.Data, model.Query{End: testNow, Days: 30})
	r.Sources = model.SourceReports(v.Sources)
	var b strings.Builder
	if err := WriteText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, []byte(b.String()))
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteTextErrors(t *testing.T) {
	err := WriteText(failingWriter{}, smallReport(), false)
	if err == nil || !strings.Contains(err.Error(), "write text report") || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v does not say what failed", err)
	}
	if err := WriteText(&strings.Builder{}, nil, false); err == nil {
		t.Error("a nil report gave no error")
	}
}
