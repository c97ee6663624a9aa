package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"doradash/model"
)

// Identity is kept byte for byte (SPEC §1): a service, environment or id
// may hold bytes a terminal acts on. These are such records.
const (
	hostileService = "svc\x1b[2J\u202e"
	hostileEnv     = "prod\u202e\x1b[31m"
	hostileID      = "d\x07\u202e"
)

// hostileVersion is a source whose records carry control and bidi
// characters in every identity field, and whose error and first rejection
// quote them.
func hostileVersion() *model.Version {
	at := func(d time.Duration) model.Stamp { return model.StampOf(testNow.Add(-d)) }
	b := &model.Batch{
		Deployments: []model.Deployment{
			{ID: hostileID, Service: hostileService, Environment: hostileEnv, FinishedAt: at(3 * time.Hour),
				Commits: []model.Commit{{SHA: "a\x1b]0;x\x07", CommittedAt: at(4 * time.Hour)}}},
			{ID: hostileID + "2", Service: hostileService, Environment: hostileEnv, FinishedAt: at(2 * time.Hour),
				Status: model.StatusRolledBack},
		},
		Incidents: []model.Incident{
			{ID: hostileID, Service: hostileService, Severity: 1, StartedAt: at(40 * time.Minute)},
			{ID: hostileID + "r", Service: hostileService, Title: "t\x1b[5m", Severity: 2, StartedAt: at(5 * time.Hour),
				ResolvedAt: at(4 * time.Hour)},
		},
	}
	return &model.Version{
		Seq:  1,
		Data: model.Merge(b),
		Sources: []model.SourceStatus{
			{Name: "events", Type: "file", State: model.SourceFailing, OK: false, Deployments: 2, Incidents: 2,
				LastSuccess: testNow.Add(-time.Minute), Failures: 1, Interval: time.Hour,
				Error: "bad id \"" + hostileID + "\"", Rejected: 1, FirstRejection: "line 3: service " + hostileService},
		},
		Updated: testNow.Add(-time.Minute),
	}
}

// leak names the first character of s a terminal would act on: an escape
// (the monochrome profile draws none of its own), BEL or a bidi control.
func leak(s string) string {
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b"} {
		if strings.Contains(s, bad) {
			return bad
		}
	}
	return ""
}

// TestIdentityIsShownPrintable renders records whose service, environment
// and id hold an escape sequence, BEL and a bidi override in every layout,
// the detail screen, the help and the text report: nothing of them
// reaches the terminal, while the filters still match the raw strings.
func TestIdentityIsShownPrintable(t *testing.T) {
	shown := model.Printable("svc\x1b") // the service as far as any layout fits it
	for _, s := range namedSizes {
		t.Run(s.name, func(t *testing.T) {
			o := testOptions(nil, termenv.Ascii)
			o.Query.Environments = []string{hostileEnv}
			m := New(o)
			m.Update(tea.WindowSizeMsg{Width: s.w, Height: s.h})
			_, cmd := m.Update(versionMsg{v: hostileVersion()})
			settle(t, m, cmd)
			// The s key puts the service, raw, into the exact-match filter.
			press(t, m, "s")
			if got := m.c.q.Services; len(got) != 1 || got[0] != hostileService {
				t.Fatalf("s set the filter to %q, want the raw service", got)
			}
			if n := m.c.snap.report.DeploymentFrequency.Count; n != 2 {
				t.Errorf("the raw filter counts %d deployments, want 2", n)
			}
			screens := map[string]string{"dashboard": m.View()}
			press(t, m, "?")
			screens["help"] = m.View()
			press(t, m, "?", "tab", "enter")
			screens["detail"] = m.View()
			for name, v := range screens {
				checkFits(t, s.name+" "+name, v, s.w, s.h)
				if bad := leak(v); bad != "" {
					t.Errorf("%s %s shows %q raw:\n%s", s.name, name, bad, v)
				}
			}
			if !strings.Contains(screens["dashboard"], shown) {
				t.Errorf("%s: the service is not shown as %q:\n%s", s.name, shown, screens["dashboard"])
			}
		})
	}
	t.Run("text", func(t *testing.T) {
		v := hostileVersion()
		r := model.Compute(v.Data, model.Query{End: testNow, Days: 1,
			Environments: []string{hostileEnv}, Services: []string{hostileService}})
		r.Sources = model.SourceReports(v.Sources)
		var b strings.Builder
		if err := WriteText(&b, r, false); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if bad := leak(out); bad != "" {
			t.Errorf("the text report shows %q raw:\n%s", bad, out)
		}
		for _, want := range []string{model.Printable(hostileService), model.Printable(hostileEnv),
			model.Printable(hostileID), "2 deployments"} {
			if !strings.Contains(out, want) {
				t.Errorf("the text report lacks %q:\n%s", want, out)
			}
		}
	})
}
