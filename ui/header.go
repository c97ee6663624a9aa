package ui

import (
	"strconv"
	"strings"

	"doradash/model"
)

// header is the name, the window, the filters, the demo marker, a stale
// data warning and the time of the newest data; with two lines, the demo
// hint on how to configure real sources.
func (m *Model) header(w, h int) []string {
	if h <= 0 {
		return nil
	}
	c, st := m.c, m.c.st
	right := "waiting for data"
	if v := c.version; v != nil && !v.Updated.IsZero() {
		// To the minute: new data every few seconds must not redraw it.
		right = v.Updated.In(c.now.Location()).Format("15:04")
		if w >= 60 {
			right = "updated " + right
		}
	}
	// Only a change the reader asked for shows as computing: the window
	// sliding with the clock or new data must not make the header flicker.
	if c.computing && c.snap != nil && !c.snap.q.Equal(c.q) {
		right = "computing… · " + right
	}
	right = st.dim.Render(right)
	if mark := m.rotateMark(c.now).String(); mark != "" {
		right = st.accent.Render(mark) + "  " + right
	}
	// The most detailed left part that fits beside the right one.
	stale := staleSources(c.version, c.now)
	noData := noDataSources(c.version)
	syncing := syncingSources(c.version)
	// The window compared with goes before the markers' full words and
	// names (they say something is wrong; it only says what the changes
	// compare with), but not before the spelled-out window: with no
	// marker, "30d · … · vs prev 30d" says more than "last 30 days · …".
	type variant struct{ compact, names, vs bool }
	variants := []variant{{false, true, true}, {true, true, true}, {true, true, false}, {true, false, false}}
	if len(stale)+len(noData)+len(syncing) > 0 {
		variants = []variant{
			{false, true, true}, {false, true, false}, {false, false, false},
			{true, true, true}, {true, true, false}, {true, false, false},
		}
	}
	var left string
	for _, v := range variants {
		left = m.headerLeft(v.compact, stale, noData, syncing, v.names, v.vs)
		if textWidth(left)+2+textWidth(right) <= w-2 {
			break
		}
	}
	lines := []string{" " + spread(left, right, w-2) + " "}
	if h > 1 {
		lines = append(lines, " "+st.dim.Render(c.hint))
	}
	return block(lines, w, h)
}

// headerLeft is the name, the query, the demo marker, the sources without
// data yet, the sources syncing their first read and the stale data
// warning, with the stale and syncing sources named when names is set and
// the window the changes compare with when vs is.
func (m *Model) headerLeft(compact bool, stale, noData, syncing []string, names, vs bool) string {
	c, st := m.c, m.c.st
	query := st.text.Render(queryLabel(c.q, c.teams, compact))
	if with := comparedWith(c.snap, compact); vs && with != "" {
		query += st.dim.Render(" · " + with)
	}
	demo := ""
	if c.demo {
		demo = st.demo.Render(" DEMO DATA ")
		if compact {
			demo = st.demo.Render(" DEMO ")
		}
	}
	warn := ""
	if len(stale) > 0 {
		warn = "⚠ stale data"
		if compact {
			warn = "⚠ stale"
		}
		if names {
			warn += ": " + strings.Join(stale, ", ")
		}
		warn = st.warn.Render(warn)
	}
	missing := ""
	if len(noData) > 0 {
		missing = "⚠ no data yet"
		if compact {
			missing = "⚠ no data"
		}
		// Always named: which data is missing is the point of the marker.
		missing = st.warn.Render(missing + ": " + strings.Join(noData, ", "))
	}
	sync := ""
	if len(syncing) > 0 {
		sync = "↻ syncing"
		if names {
			sync += ": " + strings.Join(syncing, ", ")
		}
		sync = st.warn.Render(sync)
	}
	// Compact: the markers before the query, so that a cut takes the
	// query and never the demo, no-data, syncing or stale marker.
	parts := []string{st.accent.Render("doradash"), query, demo, missing, sync, warn}
	if compact {
		parts = []string{st.accent.Render("doradash"), demo, missing, sync, warn, query}
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ")
}

// queryLabel is the window and the filters: "last 30 days · production ·
// all services", or "30d · production · all" when compact; a selected
// team names the services (teamLabel).
func queryLabel(q model.Query, t teams, compact bool) string {
	q = q.Normalized()
	svc := "all services"
	if len(q.Services) > 0 {
		svc = printableList(q.Services, ", ")
	}
	if team := teamLabel(t, q.Services, compact); team != "" {
		svc = team
	}
	if compact {
		if len(q.Services) == 0 {
			svc = "all"
		}
		return strconv.Itoa(q.Days) + "d · " + printableList(q.Environments, ",") + " · " + svc
	}
	return windowLabel(q.Days) + " · " + printableList(q.Environments, ", ") + " · " + svc
}

// comparedWith names the window the changes on screen compare with, once
// for every tile: "vs previous 30d" (the window length in force); "" when
// there is nothing to compare (no previous window, no data yet).
func comparedWith(s *snapshot, compact bool) string {
	if s == nil || s.report.Previous == nil || s.cov == coverageNone {
		return ""
	}
	if compact {
		return "vs prev " + strconv.Itoa(s.q.Days) + "d"
	}
	return "vs previous " + strconv.Itoa(s.q.Days) + "d"
}
