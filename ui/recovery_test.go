package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"doradash/model"
)

// TestRecoveryTileFocus checks that tab stops on the recovery tile after
// the four metric tiles where the layout shows it (desk, wall) and skips
// it where it does not (glance, tiny), both ways.
func TestRecoveryTileFocus(t *testing.T) {
	for _, s := range namedSizes {
		t.Run(s.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, s.w, s.h)
			shown := s.size == sizeDesk || s.size == sizeWall
			press(t, m, "tab", "tab", "tab", "tab")
			want := focusIncidents
			if shown {
				want = focusRecovery
			}
			if m.dash.focus != want {
				t.Fatalf("tab ×4: focus %v, want %v", m.dash.focus, want)
			}
			if shown {
				press(t, m, "tab", "shift+tab")
				if m.dash.focus != focusRecovery {
					t.Errorf("tab shift+tab from the recovery tile: focus %v", m.dash.focus)
				}
			} else {
				press(t, m, "shift+tab")
				if m.dash.focus != focusID(metricRestore) {
					t.Errorf("shift+tab from the incidents: focus %v, want the restore tile", m.dash.focus)
				}
			}
			// All the way round: the recovery tile once where shown, never
			// where not.
			seen := 0
			for range numFocus {
				press(t, m, "tab")
				if m.dash.focus == focusRecovery {
					seen++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[shown]; seen != want {
				t.Errorf("a round of tab stops on the recovery tile %d times, want %d", seen, want)
			}
		})
	}
}

// TestRecoveryTileOpens checks that enter and a left click on the
// recovery tile open its own records, marked focused on the dashboard,
// and that esc comes back to it.
func TestRecoveryTileOpens(t *testing.T) {
	for _, s := range namedSizes[:2] { // wall, desk
		t.Run(s.name, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, s.w, s.h)
			press(t, m, "tab", "tab", "tab", "tab")
			if v := m.View(); !strings.Contains(v, "┏━ Recovery") && !strings.Contains(v, "┏━ Failed deployment recovery") {
				t.Errorf("the focused recovery tile is not marked (heavy frame):\n%s", v)
			}
			press(t, m, "enter")
			if m.screen != screenDrill || m.drill.kind != drillRecovery || !m.drill.current() {
				t.Fatalf("enter on the recovery tile: screen %d kind %d", m.screen, m.drill.kind)
			}
			if v := ansi.Strip(m.View()); !strings.Contains(v, drillTitles[drillRecovery]) {
				t.Errorf("no title %q on the recovery records:\n%s", drillTitles[drillRecovery], v)
			}
			press(t, m, "esc")
			if m.screen != screenDashboard || m.dash.focus != focusRecovery {
				t.Errorf("esc: screen %d focus %v, want the dashboard, the recovery tile focused", m.screen, m.dash.focus)
			}

			m = demoModel(t, termenv.Ascii, s.w, s.h)
			l := m.layout()
			m.Update(tea.MouseMsg{X: l.tiles.w - 2, Y: l.tiles.y + 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
			if m.screen != screenDrill || m.drill.kind != drillRecovery || m.dash.focus != focusRecovery {
				t.Errorf("click on the recovery tile: screen %d kind %d focus %v", m.screen, m.drill.kind, m.dash.focus)
			}
			press(t, m, "esc")
			if m.screen != screenDashboard {
				t.Errorf("esc after the click: screen %d, want the dashboard", m.screen)
			}
		})
	}
}

// TestRecoveryFocusAtGlance: focus left on the recovery tile by a resize
// to the glance layout marks the summary line that shows recovery time,
// and tab goes on to the incidents.
func TestRecoveryFocusAtGlance(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, "tab", "tab", "tab", "tab")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "▸ recovery ") {
		t.Errorf("glance with the recovery tile focused: the summary line is not marked:\n%s", v)
	}
	checkFits(t, "glance", m.View(), 80, 24)
	press(t, m, "tab")
	if m.dash.focus != focusIncidents {
		t.Errorf("tab at glance from the recovery focus: %v, want the incidents", m.dash.focus)
	}
}

// TestRecoveryList checks the recovery records: each incident with its
// deployment, a link by time said so, and o ordering the records
// longest first under their heading.
func TestRecoveryList(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	p := model.RecoveryPopulation{Incidents: []model.RecoveredIncident{
		{ID: "INC-1", Service: "api", DeploymentID: "api-7", DeployedAt: at, StartedAt: at.Add(5 * time.Minute),
			ResolvedAt: at.Add(time.Hour), Seconds: 3600},
		{ID: "INC-2", Service: "web", DeploymentID: "web-3", DeployedAt: at.Add(24 * time.Hour), ByTime: true,
			StartedAt: at.Add(25 * time.Hour), ResolvedAt: at.Add(28 * time.Hour), Seconds: 4 * 3600},
	}}
	l := recoveryList(p, time.UTC)
	if len(l.rows) != 3 || !l.rows[0].head {
		t.Fatalf("rows %+v, want a heading and two records", l.rows)
	}
	for i, want := range []struct {
		has    []string
		byTime bool
	}{
		{[]string{"1h", "INC-1", "api", "api-7", "Nov 02 10:00", "Nov 02 10:05", "Nov 02 11:00"}, false},
		{[]string{"4h", "INC-2", "web", "web-3", "Nov 03 10:00", "Nov 03 11:00", "Nov 03 14:00"}, true},
	} {
		r := l.rows[i+1]
		for _, s := range want.has {
			if !strings.Contains(r.text, s) {
				t.Errorf("row %q lacks %q", r.text, s)
			}
		}
		if strings.Contains(r.text, "by time") != want.byTime {
			t.Errorf("row %q: by time shown %v, want %v", r.text, !want.byTime, want.byTime)
		}
	}
	if len(l.byDur) != 3 || !l.byDur[0].head || !strings.Contains(l.byDur[1].text, "INC-2") {
		t.Errorf("longest first: %+v, want the heading, then INC-2", l.byDur)
	}
}

// TestLongestFirst sorts the records of each section, headings in place.
func TestLongestFirst(t *testing.T) {
	rows := []drillRow{{text: "A", head: true}, {text: "a1", secs: 1}, {text: "a3", secs: 3},
		{text: "B", head: true}, {text: "b2", secs: 2}, {text: "b5", secs: 5}, {text: "b4", secs: 4}}
	var got []string
	for _, r := range longestFirst(rows) {
		got = append(got, r.text)
	}
	if want := "A a3 a1 B b5 b4 b2"; strings.Join(got, " ") != want {
		t.Errorf("longestFirst: %v, want %s", got, want)
	}
}

// drillTop is the first line of the drill-down's rows, as shown.
func drillTop(m *Model) string {
	l := m.layout()
	lines := m.drill.view(l.w, l.bodyH)
	// The frame's top edge, the column header, then the rows.
	return strings.Trim(ansi.Strip(lines[2]), "│ ")
}

// TestDrillStickyHeading scrolls the deployments per day into a day and
// checks that the day's heading stays on the top line, also with the
// filter on, and that the end of the list is still reachable.
func TestDrillStickyHeading(t *testing.T) {
	for _, filter := range []string{"", "checkout"} {
		t.Run("filter="+filter, func(t *testing.T) {
			m := demoModel(t, termenv.Ascii, 100, 30)
			press(t, m, drillKeys[drillFrequency]...)
			if filter != "" {
				press(t, m, "/", filter, "enter")
			}
			_, rows := m.drill.list()
			// The second record of the second day.
			heads := 0
			target, head := -1, -1
			for i, r := range rows {
				if r.head {
					heads++
					if heads == 2 {
						head = i
					}
					continue
				}
				if heads == 2 && i >= head+2 {
					target = i
					break
				}
			}
			if target < 0 {
				t.Fatalf("no day with two records in %d rows", len(rows))
			}
			for range target {
				press(t, m, "down")
			}
			if m.drill.off != target {
				t.Fatalf("down ×%d: offset %d", target, m.drill.off)
			}
			if top := drillTop(m); top != strings.TrimSpace(rows[head].text) {
				t.Errorf("scrolled to %q: top line %q, want its day %q", rows[target].text, top, rows[head].text)
			}
			view := ansi.Strip(m.View())
			if !strings.Contains(view, rows[target].text) {
				t.Errorf("the first record scrolled to is not shown under its heading:\n%s", view)
			}
			if filter != "" {
				for _, r := range rows {
					if !r.head && !strings.Contains(r.key, filter) {
						t.Errorf("row %q kept by the filter %q", r.text, filter)
					}
				}
				for range 5 {
					press(t, m, "n")
					if rows[m.drill.sel].head {
						t.Errorf("n stopped on the heading %q", rows[m.drill.sel].text)
					}
				}
				if !strings.Contains(view, "records kept") || strings.Contains(view, plural(len(rows), "record")+" kept") {
					t.Errorf("the count of records kept includes the headings:\n%s", view)
				}
			}
			press(t, m, "G")
			if view := ansi.Strip(m.View()); !strings.Contains(view, rows[len(rows)-1].text) {
				t.Errorf("G: the last row %q is not shown:\n%s", rows[len(rows)-1].text, view)
			}
		})
	}
}

// TestDrillEndWithPinnedHeading: at the end of a long section the pinned
// heading takes a line, and G, PgDn and the wheel still reach the last
// record.
func TestDrillEndWithPinnedHeading(t *testing.T) {
	for _, keys := range [][]string{{"G"}, {"pgdown", "pgdown", "pgdown", "pgdown"}, {"wheel"}} {
		m := demoModel(t, termenv.Ascii, 100, 30)
		press(t, m, drillKeys[drillFrequency]...)
		rows := []drillRow{{text: "THE ONE SECTION", head: true}}
		for i := range 60 {
			rows = append(rows, drillRow{text: fmt.Sprintf("record %02d", i)})
		}
		pop := *m.drill.pop
		pop.lists[drillFrequency] = drillList{header: "record", rows: rows}
		m.drill.pop = &pop
		if keys[0] == "wheel" {
			for range len(rows) {
				m.Update(tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
			}
		} else {
			press(t, m, keys...)
		}
		view := ansi.Strip(m.View())
		if top := drillTop(m); top != "THE ONE SECTION" {
			t.Errorf("%v: top line %q, want the heading", keys, top)
		}
		if !strings.Contains(view, "record 59") {
			t.Errorf("%v: the last record is not shown:\n%s", keys, view)
		}
	}
}

// TestDrillListShrinksUnderTheOffset: scrolled far down a drill-down, a
// shorter list arriving (a shorter window, new data) shows its last page,
// not a page of blank lines under the heading.
func TestDrillListShrinksUnderTheOffset(t *testing.T) {
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, drillKeys[drillFrequency]...)
	setRows := func(n int) {
		rows := []drillRow{{text: "THE ONE SECTION", head: true}}
		for i := range n {
			rows = append(rows, drillRow{text: fmt.Sprintf("record %02d", i)})
		}
		pop := *m.drill.pop
		pop.lists[drillFrequency] = drillList{header: "record", rows: rows}
		m.drill.pop = &pop
	}
	setRows(90)
	press(t, m, "G")
	setRows(30)
	view := ansi.Strip(m.View())
	for _, want := range []string{"record 29", "record 12"} {
		if !strings.Contains(view, want) {
			t.Errorf("%s is not shown after the list shrank:\n%s", want, view)
		}
	}
}

// TestDrillEmpty checks that a drill-down without records says so, also
// where its list has section headings (restore, recovery, incidents) and
// where a filter matches nothing.
func TestDrillEmpty(t *testing.T) {
	for kind := range numDrills {
		t.Run(drillNames[kind], func(t *testing.T) {
			m := New(testOptions(nil, termenv.Ascii))
			m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
			_, cmd := m.Update(versionMsg{v: &model.Version{Seq: 1, Data: model.Merge(), Updated: testNow}})
			settle(t, m, cmd)
			press(t, m, drillKeys[kind]...)
			if m.screen != screenDrill || m.drill.kind != kind || !m.drill.current() {
				t.Fatalf("keys %v: screen %d, kind %d", drillKeys[kind], m.screen, m.drill.kind)
			}
			if view := ansi.Strip(m.View()); !strings.Contains(view, "no records in this window") {
				t.Errorf("an empty drill-down does not say so:\n%s", view)
			}
		})
	}
	m := demoModel(t, termenv.Ascii, 100, 30)
	press(t, m, drillKeys[drillRestore]...)
	press(t, m, "/", "no such incident")
	if view := ansi.Strip(m.View()); !strings.Contains(view, `no record matches "no such incident"`) {
		t.Errorf("a filter matching nothing does not say so:\n%s", view)
	}
}
