package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// A wall display rotates: every Options.Rotate it shows the next team (or
// the next service when no teams are configured). Rotation runs on the
// dashboard screen of the desk and wall layouts only: the glance layout
// is the on-call view of open incidents and never rotates away from
// them. A key or a click pauses it: the view stays for one period marked
// "paused", then a full period runs before the next switch, so a reader
// gets twice the period after their last key. Rotation moves with the
// model's clock: a fixed one (--now) never rotates.

// rotateCells is the length of the progress mark; it changes rotateCells
// times a period, and the clock wakes the model for those instants only.
const rotateCells = 4

// rotation is the state of the wall rotation.
type rotation struct {
	every time.Duration // 0: off
	// start is when the current period began; zero: not rotating (or not
	// yet); after now: paused until then.
	start time.Time
}

// rotateMark is what the header shows of the rotation, comparable for
// View's key.
type rotateMark struct {
	on     bool
	teams  bool // the stops are teams (else services)
	pos, n int  // 1-based position among n stops; 0: not at a stop
	filled int  // cells of the progress mark filled
	paused bool
}

// rotate runs the rotation after msg: input pauses it, and once a period
// is over the next stop is selected. Update calls it before scheduling
// the next tick, which then includes the rotation's next instant.
func (m *Model) rotate(msg tea.Msg) tea.Cmd {
	r := &m.rot
	if r.every <= 0 {
		return nil
	}
	if isInput(msg) {
		// The key's instant, not the last tick's: the pause is timed from it.
		m.c.now = m.clock()
		r.start = m.c.now.Add(r.every)
		return nil
	}
	if !m.rotating() {
		r.start = time.Time{}
		return nil
	}
	now := m.c.now
	if r.start.IsZero() {
		r.start = now
		return nil
	}
	if now.Before(r.start.Add(r.every)) {
		return nil
	}
	r.start = r.start.Add(r.every)
	if now.Sub(r.start) >= r.every {
		r.start = now // woken late (a suspended laptop): no catching up
	}
	return m.advance()
}

// isInput reports whether msg is someone at the keyboard or the mouse
// (motion aside).
func isInput(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return true
	case tea.MouseMsg:
		return msg.Action == tea.MouseActionPress
	}
	return false
}

// rotating reports whether the rotation runs on the current screen.
func (m *Model) rotating() bool {
	if m.rot.every <= 0 || m.screen != screenDashboard || m.c.snap == nil {
		return false
	}
	if s := sizeOf(m.c.width, m.c.height); s != sizeDesk && s != sizeWall {
		return false
	}
	stops, _ := m.stops()
	return len(stops) >= 2
}

// stops are the selections the rotation visits, and whether they are
// teams (sels) or services (indexes into the dataset's services): each
// team and the unassigned services, or each service.
func (m *Model) stops() ([]int, bool) {
	if len(m.c.teams.list) > 0 {
		cycle := m.c.teams.cycle(m.services())
		return slices.DeleteFunc(cycle, func(sel int) bool { return sel == 0 }), true
	}
	var out []int
	for i, s := range m.services() {
		if s != "" {
			out = append(out, i)
		}
	}
	return out, false
}

// stop is the current selection's index in stops, or −1.
func (m *Model) stop(stops []int, teams bool) int {
	if teams {
		return slices.Index(stops, m.c.teams.sel)
	}
	if len(m.c.q.Services) != 1 {
		return -1
	}
	all := m.services()
	return slices.IndexFunc(stops, func(i int) bool { return all[i] == m.c.q.Services[0] })
}

// advance selects the stop after the current one.
func (m *Model) advance() tea.Cmd {
	stops, teams := m.stops()
	if len(stops) == 0 {
		return nil
	}
	next := stops[(m.stop(stops, teams)+1)%len(stops)]
	if teams {
		return m.selectTeam(next)
	}
	return m.setServices([]string{m.services()[next]})
}

// rotateMark is the rotation's mark at now.
func (m *Model) rotateMark(now time.Time) rotateMark {
	if !m.rotating() || m.rot.start.IsZero() {
		return rotateMark{}
	}
	stops, teams := m.stops()
	mk := rotateMark{on: true, teams: teams, pos: m.stop(stops, teams) + 1, n: len(stops)}
	if now.Before(m.rot.start) {
		mk.paused = true
		return mk
	}
	mk.filled = min(rotateCells, int(now.Sub(m.rot.start)*rotateCells/m.rot.every)+1)
	return mk
}

// rotateChange is the next instant after now at which the rotation's mark
// or view changes: the pause's end, the next cell of the mark, the next
// switch. Zero: none.
func (m *Model) rotateChange(now time.Time) time.Time {
	if !m.rotating() || m.rot.start.IsZero() {
		return time.Time{}
	}
	start, every := m.rot.start, m.rot.every
	if now.Before(start) {
		return start
	}
	i := time.Duration(now.Sub(start)*rotateCells/every) + 1
	// Rounded up, so that at the instant the cell is filled.
	return start.Add((every*i + rotateCells - 1) / rotateCells)
}

// String is the mark as the header shows it: "team 2/5 ▰▰▱▱", "service
// 3/7 paused", or "↻ ▰▱▱▱" while the view is not one of the stops.
func (mk rotateMark) String() string {
	if !mk.on {
		return ""
	}
	var b strings.Builder
	if mk.pos > 0 {
		if mk.teams {
			b.WriteString("team ")
		} else {
			b.WriteString("service ")
		}
		b.WriteString(strconv.Itoa(mk.pos) + "/" + strconv.Itoa(mk.n) + " ")
	} else {
		b.WriteString("↻ ")
	}
	if mk.paused {
		b.WriteString("paused")
		return b.String()
	}
	b.WriteString(strings.Repeat("▰", mk.filled) + strings.Repeat("▱", rotateCells-mk.filled))
	return b.String()
}
