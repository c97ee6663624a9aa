package ui

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"doradash/model"
)

// TestProgramFlow runs the real program: it waits for the headline tiles,
// presses ], s, enter, esc, ? and q, and checks the final model.
func TestProgramFlow(t *testing.T) {
	feed := &fakeFeed{first: demoVersion()}
	m := New(testOptions(feed, termenv.Ascii))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	// Each wait reads the output written since the previous one.
	waitFor := func(what ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range what {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("Deploys", "Lead time", "Failure rate", "Time to restore", "─ Recovery ─")

	tm.Send(keyMsg("]"))
	waitFor("last 90 days")
	tm.Send(keyMsg("s"))
	waitFor("production · auth")
	tm.Send(keyMsg("enter"))
	waitFor("How often changes reach production")
	tm.Send(keyMsg("esc"))
	waitFor("Incidents")
	tm.Send(keyMsg("?"))
	waitFor("shift+tab")
	tm.Send(keyMsg("q"))

	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !ok {
		t.Fatalf("final model is %T", final)
	}
	if final.screen != screenDashboard {
		t.Errorf("final screen %v, want the dashboard", final.screen)
	}
	if !final.help.ShowAll {
		t.Error("full help is not shown after ?")
	}
	s := final.c.snap
	if s == nil || s.q.Days != 90 || s.report.Window.Days != 90 {
		t.Errorf("final window is not 90 days: %+v", s.q)
	}
	if !slices.Equal(s.report.Filters.Services, []string{"auth"}) {
		t.Errorf("final service filter %v, want [auth]", s.report.Filters.Services)
	}
	if final.ctx.Err() == nil {
		t.Error("quitting left the subscription running")
	}
	waitSubscribersGone(t, feed)
}

func waitSubscribersGone(t *testing.T, f *fakeFeed) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		n := len(f.subs)
		f.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Error("the feed still has subscribers after quit")
}

// TestStaleResultsAreDropped: while a computation runs, newer requests
// wait; the superseded result is dropped and the newest query is computed.
func TestStaleResultsAreDropped(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	_, first := m.Update(keyMsg("]")) // 30 → 90
	if first == nil {
		t.Fatal("] started no computation")
	}
	if v := m.View(); !strings.Contains(v, "computing…") || !(strings.Contains(v, "last 90 days") || strings.Contains(v, "90d ·")) {
		t.Error("the header does not show the new window being computed")
	}
	// 90 → 30 → 7, while the first runs.
	for range 2 {
		if _, second := m.Update(keyMsg("[")); second != nil {
			t.Fatal("a second computation started while one runs")
		}
	}
	msg := first()
	res, ok := msg.(computedMsg)
	if !ok {
		t.Fatalf("computation returned %T", msg)
	}
	if res.snap.q.Days != 90 {
		t.Fatalf("first computation was for %d days", res.snap.q.Days)
	}
	_, next := m.Update(res)
	if m.c.snap.q.Days != 30 {
		t.Errorf("the superseded 90-day result was shown (window %d)", m.c.snap.q.Days)
	}
	if next == nil {
		t.Fatal("the pending request was not started")
	}
	settle(t, m, next)
	if got := m.c.snap.report.Window.Days; got != 7 {
		t.Errorf("window after ] [ [ is %d days, want 7", got)
	}
	if m.c.computing {
		t.Error("still computing after the last result")
	}
}

// TestStatusOnlyVersionNeedsNoComputation: a version with the same data
// and new source statuses updates the strip without recomputing.
func TestStatusOnlyVersionNeedsNoComputation(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	v := *m.c.version
	v.Seq++
	v.Sources = slices.Clone(v.Sources)
	v.Sources[1].State = model.SourceOK
	v.Sources[1].OK = true
	v.Sources[1].Error = ""
	v.Sources[1].LastSuccess = testNow
	v.Sources[1].StaleAt = testNow.Add(2*v.Sources[1].Interval + time.Nanosecond)
	_, cmd := m.Update(versionMsg{v: &v})
	if m.inFlight || m.c.computing {
		t.Error("a status-only version started a computation")
	}
	settle(t, m, cmd)
	view := m.View()
	if strings.Contains(view, "failing") || strings.Contains(view, "stale data") {
		t.Error("the view still shows the failing source")
	}
	v2 := v
	v2.Seq++
	v2.Data = model.Merge(&model.Batch{})
	if _, cmd := m.Update(versionMsg{v: &v2}); cmd == nil || !m.inFlight {
		t.Error("a version with new data did not start a computation")
	}
}

// TestSubscription: the feed wait is re-armed after every version and
// ends when the model closes.
func TestSubscription(t *testing.T) {
	feed := &fakeFeed{first: demoVersion()}
	m := New(testOptions(feed, termenv.Ascii))
	m.Init()
	wait := waitVersion(m.ch)
	msg := runBounded(wait)
	vm, ok := msg.(versionMsg)
	if !ok || vm.v.Seq != 1 {
		t.Fatalf("first message %T %+v, want version 1", msg, msg)
	}
	_, cmd := m.Update(vm)
	if cmd == nil {
		t.Fatal("no command after a version")
	}
	// The returned batch holds the re-armed wait: publish and find it.
	second := *feed.first
	second.Seq = 2
	feed.mu.Lock()
	feed.subs[0] <- &second
	feed.mu.Unlock()
	got := false
	for _, c := range cmd().(tea.BatchMsg) {
		if c == nil {
			continue
		}
		if vm, ok := runBounded(c).(versionMsg); ok && vm.v.Seq == 2 {
			got = true
		}
	}
	if !got {
		t.Fatal("the wait was not re-armed after a version")
	}
	m.Close()
	if msg := runBounded(waitVersion(m.ch)); msg != (feedClosedMsg{}) {
		t.Errorf("after Close the wait returned %T, want feedClosedMsg", msg)
	}
	waitSubscribersGone(t, feed)
}

// TestKeys checks focus, detail, window, service, refresh and scrolling.
func TestKeys(t *testing.T) {
	feed := &fakeFeed{}
	o := testOptions(feed, termenv.Ascii)
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)

	tests := []struct {
		keys  []string
		check func() string
	}{
		{[]string{"tab"}, func() string {
			return expect(m.dash.focus == focusID(metricLeadTime), "tab moves focus to the second tile")
		}},
		{[]string{"shift+tab", "shift+tab", "shift+tab"}, func() string {
			return expect(m.dash.focus == focusDeploys, "shift+tab wraps past the health strip to the deployments")
		}},
		{[]string{"enter"}, func() string {
			return expect(m.screen == screenDrill && m.drill.kind == drillDeploys && m.drill.current(),
				"enter on the deployments opens their records")
		}},
		{[]string{"esc"}, func() string { return expect(m.screen == screenDashboard, "esc goes back from the records") }},
		{[]string{"down", "j", "down"}, func() string { return expect(m.dash.depOff == 3, "↓ j ↓ scroll the deployments by 3") }},
		{[]string{"up", "k"}, func() string { return expect(m.dash.depOff == 1, "↑ k scroll back by 2") }},
		{[]string{"tab", "tab", "enter"}, func() string {
			return expect(m.screen == screenDetail && m.detail.metric == metricFrequency, "enter on the first tile opens its detail")
		}},
		{[]string{"esc"}, func() string { return expect(m.screen == screenDashboard, "esc goes back") }},
		{[]string{"["}, func() string { return expect(m.c.snap.report.Window.Days == 7, "[ shortens 30 → 7") }},
		{[]string{"s"}, func() string {
			return expect(slices.Equal(m.c.snap.report.Filters.Services, m.c.snap.services[:1]), "s filters to the first service")
		}},
		{[]string{"s"}, func() string {
			return expect(slices.Equal(m.c.snap.report.Filters.Services, m.c.snap.services[1:2]), "s steps to the second service")
		}},
		{[]string{"r"}, func() string { return expect(feed.refreshes == 1, "r asks the feed to refresh") }},
	}
	for _, tt := range tests {
		press(t, m, tt.keys...)
		if msg := tt.check(); msg != "" {
			t.Errorf("after %v: %s", tt.keys, msg)
		}
	}
}

func expect(ok bool, what string) string {
	if ok {
		return ""
	}
	return "expected: " + what
}

// TestMouseWheelScrollsThePanelUnderThePointer.
func TestMouseWheel(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	l := m.layout()
	wheel := func(x, y int, b tea.MouseButton) {
		m.Update(tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress})
	}
	wheel(l.incidents.x+2, l.incidents.y+2, tea.MouseButtonWheelDown)
	wheel(l.incidents.x+2, l.incidents.y+2, tea.MouseButtonWheelDown)
	if m.dash.incOff != 2 || m.dash.depOff != 0 {
		t.Errorf("wheel over incidents: offsets %d/%d, want 2/0", m.dash.incOff, m.dash.depOff)
	}
	wheel(l.deploys.x+2, l.deploys.y+2, tea.MouseButtonWheelDown)
	wheel(l.incidents.x+2, l.incidents.y+2, tea.MouseButtonWheelUp)
	if m.dash.incOff != 1 || m.dash.depOff != 1 {
		t.Errorf("wheel over both: offsets %d/%d, want 1/1", m.dash.incOff, m.dash.depOff)
	}
	for range 1000 {
		wheel(l.deploys.x+2, l.deploys.y+2, tea.MouseButtonWheelDown)
	}
	if max := m.dash.depLast(l); m.dash.depOff != max {
		t.Errorf("scrolling stops at %d, want the end %d", m.dash.depOff, max)
	}
}

// TestWindowSlidesWithLiveClock: with a moving clock the report is
// recomputed once its end is a minute old, never with a fixed one.
func TestWindowSlidesWithLiveClock(t *testing.T) {
	now := testNow
	m := settledWithClock(t, &now)
	m.Update(tickMsg{t: now})
	if m.inFlight {
		t.Fatal("a tick at the same time started a computation")
	}
	now = now.Add(30 * time.Second)
	m.Update(tickMsg{t: now})
	if m.inFlight {
		t.Fatal("a tick 30 s later started a computation")
	}
	now = now.Add(31 * time.Second)
	m.Update(tickMsg{t: now})
	if !m.inFlight {
		t.Fatal("a tick a minute later did not recompute")
	}
	if strings.Contains(m.View(), "computing…") {
		t.Error("the sliding window shows as computing")
	}
}
