package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// openFocus opens what enter on the focused panel shows: a metric tile's
// detail screen, the records of the recovery tile or a list panel, or the
// source detail.
func (m *Model) openFocus(f focusID) tea.Cmd {
	if f == focusHealth {
		return m.openSource()
	}
	if kind, ok := focusDrills[f]; ok {
		return m.openDrill(kind, screenDashboard)
	}
	if f >= 0 && f < focusID(numMetrics) {
		m.detail.metric = metricID(f)
		m.screen = screenDetail
	}
	return nil
}

// onDetailKey handles the detail screen's keys: esc back, enter (or tab)
// to the records behind the metric.
func (m *Model) onDetailKey(msg tea.KeyMsg) tea.Cmd {
	k := &m.c.keys
	switch {
	case key.Matches(msg, k.Back):
		m.screen = screenDashboard
	case key.Matches(msg, k.Records):
		return m.openDrill(metricDrills[m.detail.metric], screenDetail)
	}
	return nil
}

// openDrill shows the records of kind and has them built if the newest
// snapshot's are not there yet.
func (m *Model) openDrill(kind drillKind, back screen) tea.Cmd {
	m.drill.open(kind, back)
	m.screen = screenDrill
	return m.requestPopulation()
}

// requestPopulation builds the records of the newest snapshot, off the UI
// goroutine, while a drill-down is open and they are not built yet. One
// build runs at a time; onPopulation starts the next if the snapshot
// changed meanwhile.
func (m *Model) requestPopulation() tea.Cmd {
	if m.screen != screenDrill || m.c.snap == nil || m.drill.current() || m.popBusy {
		return nil
	}
	m.popBusy = true
	return populationCmd(m.reports, m.c.snap)
}

// onPopulation shows the records built, when they are still the newest
// snapshot's (older ones stay on screen, marked computing, until then).
func (m *Model) onPopulation(p *population) tea.Cmd {
	m.popBusy = false
	if m.drill.pop == nil || p.snap == m.c.snap {
		m.drill.pop = p
	}
	return m.requestPopulation()
}

// onMouse scrolls the list under the wheel and opens a clicked tile.
func (m *Model) onMouse(msg tea.MouseMsg) tea.Cmd {
	l := m.layout()
	switch m.screen {
	case screenDrill:
		m.drill.wheel(msg, l.bodyH)
	case screenDashboard:
		if f, ok := m.dash.click(msg, l); ok {
			return m.openFocus(f)
		}
		m.dash.mouse(msg, l)
	}
	return nil
}

// toggleMouse turns mouse reports off, so that the terminal selects text
// (ids to copy), or on again.
func (m *Model) toggleMouse() tea.Cmd {
	m.c.mouseOff = !m.c.mouseOff
	if m.c.mouseOff {
		return tea.DisableMouse
	}
	return tea.EnableMouseCellMotion
}
