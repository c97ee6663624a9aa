package ui

import (
	"bytes"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// TestListKeys: PgUp/PgDn move the focused list by the rows it shows,
// g/Home and G/End go to its first and last page, and every rune of a
// multi-rune key message acts.
func TestListKeys(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	l := m.layout()
	depTotal, depVis := m.dash.deployRowCount(), m.dash.deploysVisible(l)
	incTotal, incVis := m.dash.incidentRowCount(l), m.dash.incidentsVisible(l)
	// The last offsets: one further than total − visible where a pinned
	// heading takes a line there.
	depEnd, incEnd := m.dash.depLast(l), m.dash.incLast(l)
	if depTotal <= 3*depVis || incTotal <= incVis {
		t.Fatalf("lists too short to page: %d/%d deployments, %d/%d incidents", depTotal, depVis, incTotal, incVis)
	}
	press(t, m, "tab", "tab", "tab", "tab", "tab", "tab") // the deployments, past the recovery tile and the incidents
	steps := []struct {
		key       string
		inc, dep  int
		wantFocus focusID
	}{
		{"jjjjj", 0, 5, focusDeploys},
		{"kk", 0, 3, focusDeploys},
		{"pgdown", 0, 3 + depVis, focusDeploys},
		{"pgdown", 0, 3 + 2*depVis, focusDeploys},
		{"pgup", 0, 3 + depVis, focusDeploys},
		{"G", 0, depEnd, focusDeploys},
		{"pgdown", 0, depEnd, focusDeploys},
		{"g", 0, 0, focusDeploys},
		{"pgup", 0, 0, focusDeploys},
		{"end", 0, depEnd, focusDeploys},
		{"home", 0, 0, focusDeploys},
		{"shift+tab", 0, 0, focusIncidents},
		{"G", incEnd, 0, focusIncidents},
		{"gj", 1, 0, focusIncidents},
	}
	for _, s := range steps {
		press(t, m, s.key)
		if m.dash.focus != s.wantFocus || m.dash.incOff != s.inc || m.dash.depOff != s.dep {
			t.Errorf("after %q: focus %v, incidents at %d, deployments at %d; want %v, %d, %d",
				s.key, m.dash.focus, m.dash.incOff, m.dash.depOff, s.wantFocus, s.inc, s.dep)
		}
	}
	// On a tile there is no list to move.
	press(t, m, "tab", "tab", "pgdown", "G")
	if m.dash.incOff != 1 || m.dash.depOff != 0 {
		t.Errorf("list keys on a tile moved a list: %d, %d", m.dash.incOff, m.dash.depOff)
	}
}

// TestWindowKeys: [ and ] stop at the ends, several in one message each
// act, and a window from the command line is one of the steps.
func TestWindowKeys(t *testing.T) {
	days := func(m *Model) int { return m.c.snap.report.Window.Days }
	m := demoModel(t, termenv.Ascii, 100, 30)
	for _, s := range []struct {
		keys string
		want int
	}{{"]]", 90}, {"]", 90}, {"[[", 7}, {"[[[[", 1}, {"]", 7}} {
		press(t, m, s.keys)
		if days(m) != s.want || m.c.q.Days != s.want {
			t.Errorf("after %q: window %d days, want %d", s.keys, days(m), s.want)
		}
	}
	// At an end a key changes nothing and computes nothing.
	press(t, m, "[")
	gen := m.c.qGen
	if _, cmd := m.Update(keyMsg("[")); cmd != nil || m.c.qGen != gen {
		t.Error("[ at the shortest window asked for a computation")
	}

	o := testOptions(nil, termenv.Ascii)
	o.Query.Days = 14
	m = New(o)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(versionMsg{v: demoVersion()})
	settle(t, m, cmd)
	for _, s := range []struct {
		keys string
		want int
	}{{"]", 30}, {"[", 14}, {"[", 7}, {"]", 14}, {"]]]", 90}, {"[[", 14}} {
		press(t, m, s.keys)
		if days(m) != s.want {
			t.Errorf("--window 14d, after %q: window %d days, want %d", s.keys, days(m), s.want)
		}
	}
}

// TestServiceBack: S steps the service filter backwards, s forwards.
func TestServiceBack(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	all := m.c.snap.services
	n := len(all)
	if n < 3 {
		t.Fatalf("demo has %d services", n)
	}
	for _, s := range []struct {
		keys string
		want []string
	}{{"S", all[n-1:]}, {"S", all[n-2 : n-1]}, {"s", all[n-1:]}, {"s", nil}, {"SS", all[n-2 : n-1]}} {
		press(t, m, s.keys)
		if got := m.c.snap.report.Filters.Services; !slices.Equal(got, s.want) {
			t.Errorf("after %q: services %v, want %v", s.keys, got, s.want)
		}
	}
}

// TestQuitStopsTheRunes: a q among several runes quits; the runes after
// it are not acted on.
func TestQuitStopsTheRunes(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	_, cmd := m.Update(keyMsg("]q["))
	if m.ctx.Err() == nil {
		t.Fatal("q among the runes did not quit")
	}
	if m.c.q.Days != 90 {
		t.Errorf("window %d after ]q[, want 90: ] acts, [ after the quit does not", m.c.q.Days)
	}
	if cmd == nil {
		t.Error("no command returned (want the computation and quit)")
	}
}

// TestPasteIsNotCommands: bracketed paste is text, not keys.
func TestPasteIsNotCommands(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("]q"), Paste: true})
	if cmd != nil || m.ctx.Err() != nil || m.c.q.Days != 30 {
		t.Errorf("a paste acted: quit %v, window %d", m.ctx.Err() != nil, m.c.q.Days)
	}
}

// TestKeyFlow runs the real program with keys as a terminal delivers them
// when typed fast or over a laggy link: several runes in one message.
func TestKeyFlow(t *testing.T) {
	ref := demoModel(t, termenv.Ascii, 100, 30)
	total, vis := ref.dash.deployRowCount(), ref.dash.deploysVisible(ref.layout())
	services := ref.c.snap.services
	more := func(off int) string { return ref.dash.deployView(off, vis).note(total) }

	feed := &fakeFeed{first: demoVersion()}
	tm := teatest.NewTestModel(t, New(testOptions(feed, termenv.Ascii)), teatest.WithInitialTermSize(100, 30))
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
	runes := func(s string) { tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}) }
	waitFor("─ Recovery ─", "Deployments")

	for range 6 { // the deployments
		tm.Send(keyMsg("tab"))
	}
	runes("jjjjj")
	waitFor(more(5))
	tm.Send(keyMsg("pgdown"))
	waitFor(more(5 + vis))
	runes("[[")
	waitFor("last 24 hours")
	runes("]]]]]")
	waitFor("last 90 days")
	// A paste is no command: neither [ nor q acts.
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("[q"), Paste: true})
	runes("S")
	waitFor("· " + services[len(services)-1])
	tm.Send(keyMsg("?"))
	waitFor("previous service")
	runes("q")

	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !ok {
		t.Fatalf("final model is %T", final)
	}
	if final.c.q.Days != 90 {
		t.Errorf("final window %d days, want 90 (]]]]] from 1 stops at 90; the paste's [ is ignored)", final.c.q.Days)
	}
	if !slices.Equal(final.c.q.Services, services[len(services)-1:]) {
		t.Errorf("final services %v, want the last one", final.c.q.Services)
	}
	waitSubscribersGone(t, feed)
}
