package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

// drillKeys open each drill-down from the dashboard at the desk and wall
// sizes: metric tiles through their detail screen, the recovery tile and
// the lists directly.
var drillKeys = [numDrills][]string{
	drillFrequency: {"enter", "enter"},
	drillLeadTime:  {"tab", "enter", "enter"},
	drillFailure:   {"tab", "tab", "enter", "enter"},
	drillRestore:   {"tab", "tab", "tab", "enter", "enter"},
	drillRecovery:  {"tab", "tab", "tab", "tab", "enter"},
	drillIncidents: {"tab", "tab", "tab", "tab", "tab", "enter"},
	drillDeploys:   {"shift+tab", "shift+tab", "enter"},
}

var drillNames = [numDrills]string{"frequency", "lead-time", "failure-rate", "restore", "recovery", "incidents", "deployments"}

// TestGoldenDrill compares every drill-down at the desk and wall sizes
// with golden files (regenerate with go test ./ui/ -update).
func TestGoldenDrill(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"desk", 100, 30}, {"wall", 160, 45}} {
		for kind := range numDrills {
			t.Run(size.name+"-"+drillNames[kind], func(t *testing.T) {
				m := demoModel(t, termenv.Ascii, size.w, size.h)
				press(t, m, drillKeys[kind]...)
				if m.screen != screenDrill || m.drill.kind != kind || !m.drill.current() {
					t.Fatalf("keys %v: screen %d, kind %d, current %v", drillKeys[kind], m.screen, m.drill.kind, m.drill.current())
				}
				view := m.View()
				checkFits(t, "drill", view, size.w, size.h)
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

// TestDrillIDsInFull checks that every record's id is on screen whole,
// also where a row is wider than the list (it wraps).
func TestDrillIDsInFull(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 60, 200)
	press(t, m, drillKeys[drillFailure]...)
	pop := m.drill.pop
	failures := len(pop.lists[drillFailure].rows)
	if failures == 0 {
		t.Fatal("no failing deployments in the demo data")
	}
	view := ansi.Strip(m.View())
	for _, r := range pop.lists[drillFailure].rows {
		id := strings.Fields(r.text)[2]
		if !strings.Contains(view, id) {
			t.Errorf("id %q is not on screen in full", id)
		}
	}
}

// TestDrillFilterAndOrder filters the lead-time records, steps through the
// matches and orders them by duration.
func TestDrillFilterAndOrder(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, drillKeys[drillLeadTime]...)
	_, all := m.drill.list()
	press(t, m, "/", "gateway", "enter")
	_, kept := m.drill.list()
	if len(kept) == 0 || len(kept) >= len(all) {
		t.Fatalf("filter gateway kept %d of %d", len(kept), len(all))
	}
	for _, r := range kept {
		if !strings.Contains(r.text, "gateway") {
			t.Errorf("row %q kept by the filter gateway", r.text)
		}
	}
	press(t, m, "n", "n")
	if m.drill.sel != 1 {
		t.Errorf("n n: current match %d, want 1", m.drill.sel)
	}
	press(t, m, "N", "N")
	if m.drill.sel != len(kept)-1 {
		t.Errorf("n n N N: current match %d, want the last, %d", m.drill.sel, len(kept)-1)
	}
	press(t, m, "esc")
	if _, rows := m.drill.list(); m.drill.filter != "" || len(rows) != len(all) || m.screen != screenDrill {
		t.Errorf("esc: filter %q, %d rows, screen %d; want no filter, %d rows, the records", m.drill.filter, len(rows), m.screen, len(all))
	}
	press(t, m, "o")
	_, rows := m.drill.list()
	for i := 1; i < len(rows); i++ {
		if rows[i].secs > rows[i-1].secs {
			t.Fatalf("o: row %d (%v s) after a shorter one (%v s)", i, rows[i].secs, rows[i-1].secs)
		}
	}
	press(t, m, "esc")
	if m.screen != screenDetail {
		t.Errorf("esc without a filter: screen %d, want the detail it came from", m.screen)
	}
}

// TestDrillTypingIsNotCommands checks that keys typed into the filter do
// not act: q does not quit, s does not change the service.
func TestDrillTypingIsNotCommands(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, drillKeys[drillIncidents]...)
	press(t, m, "/", "qs[")
	if m.drill.filter != "qs[" || m.ctx.Err() != nil || len(m.c.q.Services) != 0 || m.c.q.Days != 30 {
		t.Errorf("typing qs[: filter %q, quit %v, services %v, days %d", m.drill.filter, m.ctx.Err() != nil, m.c.q.Services, m.c.q.Days)
	}
}

// TestPopulationOnlyWhileDrilling checks that the records are built only
// while a drill-down is open, and again for a new window.
func TestPopulationOnlyWhileDrilling(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, "[", "tab", "enter")
	if m.drill.pop != nil {
		t.Fatal("records built without a drill-down open")
	}
	press(t, m, "enter")
	first := m.drill.pop
	if !m.drill.current() {
		t.Fatal("no records for the open drill-down")
	}
	press(t, m, "]")
	if !m.drill.current() || m.drill.pop == first || m.drill.pop.snap.q.Days != 30 {
		t.Errorf("after ]: records of %d days, current %v; want the new window's", m.drill.pop.snap.q.Days, m.drill.current())
	}
}

// TestMouseToggle checks that m turns mouse reports off and on, and that a
// click on a tile opens its detail.
func TestMouseToggle(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	_, cmd := m.Update(keyMsg("m"))
	if !m.c.mouseOff || cmd == nil || cmd() != tea.DisableMouse() {
		t.Errorf("m: mouse off %v, command %v; want off and DisableMouse", m.c.mouseOff, cmd)
	}
	_, cmd = m.Update(keyMsg("m"))
	if m.c.mouseOff || cmd == nil || cmd() != tea.EnableMouseCellMotion() {
		t.Errorf("m m: mouse off %v; want on and EnableMouseCellMotion", m.c.mouseOff)
	}
	l := m.layout()
	m.Update(tea.MouseMsg{X: l.tiles.w / 2, Y: l.tiles.y + 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if m.screen != screenDetail || m.detail.metric != metricFailureRate {
		t.Errorf("click on the third tile: screen %d metric %d", m.screen, m.detail.metric)
	}
}

// TestDrillFlow runs the real program: it opens every drill-down, filters
// a list, scrolls with PgDn and types several keys in one message.
func TestDrillFlow(t *testing.T) {
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
	send := func(keys ...string) {
		for _, k := range keys {
			tm.Send(keyMsg(k))
		}
	}
	waitFor("─ Recovery ─", "Deployments")
	for kind := range numDrills {
		send(drillKeys[kind]...)
		// The frame's title with its window: "Incidents" alone is also
		// the dashboard panel's title, and waiting for it could return
		// before the drill-down was drawn.
		waitFor(drillTitles[kind] + ", ")
		send("esc")
		if kind < drillRecovery {
			send("esc") // the detail screen
		}
		waitFor("tab next panel") // the dashboard's help line
		// Focus is back on the panel it came from, the kind-th in tab
		// order: start from the first.
		for range int(kind) {
			send("shift+tab")
		}
	}
	// A click on the recovery tile (the last on the right) opens its records.
	tm.Send(tea.MouseMsg{X: 97, Y: 3, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	waitFor(drillTitles[drillRecovery] + ", ")
	send("esc")
	waitFor("tab next panel")
	for range int(focusRecovery) {
		send("shift+tab")
	}
	send(drillKeys[drillIncidents]...)
	send("/", "checkout", "enter") // "checkout" arrives as one message
	waitFor("/checkout", "records kept")
	send("esc", "pgdown")
	waitFor("↑↓ ")
	send("G")
	waitFor("↑ ")
	send("q")
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if !ok {
		t.Fatalf("final model is %T", final)
	}
	if final.screen != screenDrill || final.drill.filter != "" || final.drill.off == 0 {
		t.Errorf("final: screen %d, filter %q, offset %d; want the records, unfiltered, scrolled", final.screen, final.drill.filter, final.drill.off)
	}
	waitSubscribersGone(t, feed)
}
