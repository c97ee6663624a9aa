package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"doradash/model"
)

// longError is longer than any terminal line, so that it must wrap.
var longError = "GET https://incidents.example.com/api/export?page=7&per_page=100: 502 Bad Gateway: " +
	"upstream connect error or disconnect/reset before headers. reset reason: connection termination; " +
	"retried 3 times over 41s, giving up until the next poll \x1b[31m(escape kept out)"

// troubledModel is a demo dashboard whose second version has a source
// failing with a long error, several rejections, and an API source.
func troubledModel(t *testing.T, w, h int) *Model {
	t.Helper()
	m := demoModel(t, termenv.Ascii, w, h)
	v := demoVersion()
	v.Seq = 2
	v.Data = m.c.version.Data
	inc := &v.Sources[1]
	inc.Error = longError
	inc.Rejected = 7
	for i := range 5 {
		inc.Rejections.Add("export.json:" + strconv.Itoa(40+i) + ": incident " + strconv.Itoa(i) +
			": resolved_at before started_at")
	}
	inc.FirstRejection = inc.Rejections[0]
	v.Sources = append(v.Sources, model.SourceStatus{Name: "github", Type: "github", Target: "https://api.github.com/repos/acme/shop",
		State: model.SourceRateLimited, Deployments: 800, LastSuccess: testNow.Add(-time.Hour), LastAttempt: testNow.Add(-time.Minute),
		RateLimitedUntil: testNow.Add(20 * time.Minute), Interval: time.Minute,
		API: &model.APIStats{Requests: 412, Cached: 300, RateLimit: 5000, RateRemaining: 0, RateReset: testNow.Add(20 * time.Minute)}})
	_, cmd := m.Update(versionMsg{v: v})
	settle(t, m, cmd)
	return m
}

// TestGoldenSourceDetail shows the failing source at the desk and wall
// sizes: the full error wrapped, the rejections, the history.
func TestGoldenSourceDetail(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"desk", 100, 30}, {"wall", 160, 45}} {
		t.Run(size.name, func(t *testing.T) {
			m := troubledModel(t, size.w, size.h)
			press(t, m, "shift+tab", "enter")
			if m.screen != screenSource {
				t.Fatalf("screen %d after shift+tab enter, want the source detail", m.screen)
			}
			view := m.View()
			checkFits(t, "source", view, size.w, size.h)
			plain := ansi.Strip(view)
			if !strings.Contains(strings.Join(strings.Fields(plain), " "), "retried 3 times over 41s, giving up until the next poll") {
				t.Error("the error is not on screen in full")
			}
			if strings.Contains(view, "\x1b[31m") {
				t.Error("the error's escape reached the screen")
			}
			for i := range 5 {
				if !strings.Contains(plain, "export.json:"+strconv.Itoa(40+i)) {
					t.Errorf("rejection %d is not on screen", i)
				}
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

// TestSourceDetailKeys: enter on the health strip opens the worst source,
// j/k choose another, esc goes back to the dashboard.
func TestSourceDetailKeys(t *testing.T) {
	m := troubledModel(t, 100, 30)
	press(t, m, "shift+tab")
	if m.dash.focus != focusHealth {
		t.Fatalf("focus %d after shift+tab, want the health strip", m.dash.focus)
	}
	press(t, m, "enter")
	if m.screen != screenSource || m.src.idx != 1 {
		t.Fatalf("enter: screen %d source %d, want the failing source (1)", m.screen, m.src.idx)
	}
	press(t, m, "j")
	if m.src.idx != 2 || !strings.Contains(ansi.Strip(m.View()), "412 requests, 300 answered from the cache") {
		t.Errorf("j: source %d, want the API source with its requests on screen", m.src.idx)
	}
	if !strings.Contains(ansi.Strip(m.View()), "rate limit: 0 of 5000 left") {
		t.Error("the API source's headroom is not on screen")
	}
	press(t, m, "k", "k")
	if m.src.idx != 0 {
		t.Errorf("k k: source %d, want 0", m.src.idx)
	}
	press(t, m, "esc")
	if m.screen != screenDashboard || m.dash.focus != focusHealth {
		t.Errorf("esc: screen %d focus %d, want the dashboard with the strip focused", m.screen, m.dash.focus)
	}
}

// TestSourceHistory keeps the last state changes, not repeats.
func TestSourceHistory(t *testing.T) {
	var s sourceDetail
	v := demoVersion()
	for i := range maxHistory + 5 {
		v.Sources[0].State = []model.SourceState{model.SourceOK, model.SourceStale}[i%2]
		s.observe(v, testNow)
		s.observe(v, testNow) // the same state again: no change
	}
	if h := s.hist["deploys"]; len(h) != maxHistory || h[len(h)-1].state != model.SourceOK {
		t.Errorf("history %v", h)
	}
}
