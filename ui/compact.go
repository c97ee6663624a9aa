package ui

import (
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// metricLine is one metric on one line, for the glance layout: name,
// value, tier, change, "partial" while some source has no data yet and,
// when there is room, a sparkline.
func (d *dashboard) metricLine(id metricID, w int) string {
	st := d.c.st
	hd := d.c.snap.heads[id]
	mark := "  "
	if d.focus == focusID(id) {
		mark = st.borderFocus.Render("▸ ")
	}
	name := " " + mark + st.text.Render(fit(metricShort[id], 13))
	if d.c.snap.cov == coverageNone {
		return fit(name+st.value.Render(fit("—", 10))+" "+st.warn.Render("no data yet"), w)
	}
	dl := compare(hd.value, hd.prev, higherIsBetter[id])
	line := name + st.value.Render(fit(hd.text, 10)) + " " +
		st.tierStyle(hd.tier).Render(fit(tierMarks(hd.tier)+" "+tierWord(hd.tier), 12)) + " " +
		st.verdictStyle(dl.verdict).Render(fit(dl.text(), 15))
	if d.c.snap.cov == coveragePartial {
		line += " " + st.warn.Render("partial")
	}
	if rest := min(w-textWidth(line)-2, len(hd.history)+1); rest >= 8 {
		line += " " + d.splitChart(hd.history[:len(hd.history)-len(hd.series)], hd.series, rest, 1)[0]
	}
	return fit(line, w)
}

// glanceSummary is the glance layout's summary line, w wide: failed
// deployment recovery time with its tier (marks and word, readable
// without colour), then the window's incident figures, as many as fit.
func (d *dashboard) glanceSummary(w int) string {
	st, s := d.c.st, d.c.snap
	if s.cov == coverageNone {
		return st.dim.Render(fit("recovery — · "+incidentFigures(s.report, s.cov, true), w))
	}
	hd := recoveryHeadline(s.report)
	recovery := st.dim.Render("recovery ") + st.value.Render(hd.text) + " " +
		st.tierStyle(hd.tier).Render(tierMarks(hd.tier)+" "+tierWord(hd.tier))
	if s.cov == coveragePartial {
		recovery = st.warn.Render("partial: ") + recovery
	}
	in := s.report.Incidents
	// Most telling first; each is shown only with every one before it.
	// Each is a label and its figure, so that the count of all incidents
	// does not read as the recovery time's own population.
	figures := []string{
		"incidents " + strconv.Itoa(in.Total),
		"downtime " + formatSeconds(in.DowntimeSeconds),
		"avail " + formatAvailability(in.Availability),
		"detect " + formatStat(in.TimeToDetect.Median),
		"ack " + formatStat(in.TimeToAcknowledge.Median),
	}
	if w >= 120 {
		figures[2] = "availability " + formatAvailability(in.Availability)
		figures[3] = "median detect " + formatStat(in.TimeToDetect.Median)
	}
	line := recovery
	for _, f := range figures {
		if textWidth(line)+3+textWidth(f) > w {
			break
		}
		line += st.dim.Render(" · " + f)
	}
	return fit(line, w)
}

// tinyView is the layout below about 40×10: the most important line first
// (the worst open incident, or that there is none), then one short line
// per metric, then the other open incidents and the sources, as far as
// they fit; "terminal too small" when not even that reads.
func (m *Model) tinyView(w, h int) []string {
	st := m.c.st
	if w < 16 {
		return block([]string{"too small"}, w, h)
	}
	s := m.c.snap
	if s == nil {
		return block([]string{"doradash: waiting for data…"}, w, h)
	}
	open := s.report.OpenIncidents
	lines := make([]string, 0, 8+len(open))
	switch {
	case len(open) == 0 && s.cov == coverageNone:
		// No claim about incidents before any data: the no-data line says it.
	case len(open) == 0:
		lines = append(lines, st.better.Render("✓ no open incidents")+partialMark(st, s.cov))
	default:
		count := ""
		if len(open) > 1 {
			count = st.bad.Render("▲"+strconv.Itoa(len(open))) + " "
		}
		lines = append(lines, count+m.tinyIncident(open[0].Severity, open[0].Service, open[0].Title, open[0].StartedAt))
	}
	// The markers share one line: demo data, sources without data yet
	// (named), a first read under way, stale data.
	var marks []string
	if m.c.demo {
		marks = append(marks, st.demo.Render(" DEMO "))
	}
	if names := noDataSources(m.c.version); len(names) > 0 {
		marks = append(marks, st.warn.Render("⚠ no data: "+strings.Join(names, ", ")))
	}
	if names := syncingSources(m.c.version); len(names) > 0 {
		marks = append(marks, st.warn.Render("↻ syncing"))
	}
	if names := staleSources(m.c.version, m.c.now); len(names) > 0 {
		marks = append(marks, st.warn.Render("⚠ stale data"))
	}
	if len(marks) > 0 {
		lines = append(lines, strings.Join(marks, " "))
	}
	for id := range numMetrics {
		lines = append(lines, m.tinyMetric(id, w))
	}
	for _, in := range open[min(1, len(open)):] {
		lines = append(lines, m.tinyIncident(in.Severity, in.Service, in.Title, in.StartedAt))
	}
	if v := m.c.version; v != nil {
		failing := 0
		for _, src := range v.Sources {
			if src.State == model.SourceFailing {
				failing++
			}
		}
		if failing > 0 {
			lines = append(lines, st.bad.Render("✗ "+plural(failing, "source")+" failing"))
		}
	}
	return block(lines, w, h)
}

// tinyMetric is one metric of the tiny layout: abbreviation, value and
// tier, or "partial" in place of the tier while some source has no data
// yet, and "—" while none has.
func (m *Model) tinyMetric(id metricID, w int) string {
	st, s := m.c.st, m.c.snap
	hd := s.heads[id]
	name := st.text.Render(fit(metricTiny[id], 4))
	switch s.cov {
	case coverageNone:
		return name + st.value.Render("—")
	case coveragePartial:
		return name + st.value.Render(fit(hd.text, 8)) + " " + st.warn.Render("partial")
	}
	tier := tierWord(hd.tier)
	if w >= 30 {
		tier = tierMarks(hd.tier) + " " + tier
	}
	return name + st.value.Render(fit(hd.text, 8)) + " " + st.tierStyle(hd.tier).Render(tier)
}

// tinyIncident is an incident in the fewest cells, the age early so that
// a cut keeps it: "SEV1 47m checkout 5xx on /pay".
func (m *Model) tinyIncident(sev model.Severity, service, title string, started time.Time) string {
	st := m.c.st
	return st.sevStyle(sev).Render(sevLabel(sev)) + " " + st.text.Render(ago(m.c.now, started)) + " " +
		model.Printable(service) + " " + model.Printable(title)
}
