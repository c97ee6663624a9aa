package ui

import (
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// openLabel heads the open incidents: loud when there are some, calm when
// there are none.
// With mark the label shows whether the list has the focus (the glance
// layout has no frames to show it).
func (d *dashboard) openLabel(mark bool) string {
	st := d.c.st
	n := len(d.c.snap.report.OpenIncidents)
	focus := ""
	if mark {
		focus = d.focusMark(focusIncidents)
	}
	if n == 0 {
		if d.c.snap.cov == coverageNone {
			return focus + st.warn.Render("no data yet")
		}
		return focus + st.better.Render("✓ no open incidents") + partialMark(st, d.c.snap.cov)
	}
	label := "OPEN INCIDENTS"
	if n == 1 {
		label = "OPEN INCIDENT"
	}
	return focus + st.bad.Render("▲ "+strconv.Itoa(n)+" "+label)
}

// focusMark marks the label of the focused list in layouts without frames.
func (d *dashboard) focusMark(f focusID) string {
	if d.focus == f {
		return d.c.st.borderFocus.Render("▸ ")
	}
	return ""
}

// serviceCol sizes the service column over every incident listed.
func (d *dashboard) serviceCol() int {
	s := d.c.snap
	n := 3
	for _, in := range s.report.OpenIncidents {
		n = max(n, textWidth(model.Printable(in.Service)))
	}
	for _, in := range s.resolved {
		n = max(n, textWidth(in.service))
	}
	return min(n, 14)
}

// sevLabel is the four-cell severity label: SEV1…SEV5, SEV? for unknown.
func sevLabel(s model.Severity) string {
	if s.Rank() > 5 {
		return "SEV?"
	}
	return s.String()
}

// incidentRow lays out one incident: severity, service, title and, aligned
// right, the live age or the duration. service and title are printable
// (model.Printable) already.
func (d *dashboard) incidentRow(sev model.Severity, service, title, right string, resolved bool, svcW, w int) string {
	st := d.c.st
	rw := max(6, textWidth(right))
	titleW := w - 4 - 1 - svcW - 1 - 1 - rw
	if titleW < 4 {
		// Too narrow for columns: one running line.
		return fit(st.sevStyle(sev).Render(sevLabel(sev))+" "+service+" "+title+" · "+right, w)
	}
	sevText := st.sevStyle(sev).Render(sevLabel(sev))
	rightText := st.text.Render(fitRight(right, rw))
	titleText := fit(title, titleW)
	if resolved {
		sevText = st.dim.Render(sevLabel(sev))
		rightText = st.dim.Render(fitRight(right, rw))
		titleText = st.dim.Render(titleText)
	}
	return sevText + " " + fit(service, svcW) + " " + titleText + " " + rightText
}

// incidentLines formats the rows of v, the heading pinned on top first:
// with sections, a label, the open incidents (with their live age), then
// a label and the recently resolved ones (with how long they lasted and,
// given room, how long ago they ended). Only the rows shown are
// formatted.
func (d *dashboard) incidentLines(r incRows, v listView, w int) []string {
	svcW := d.serviceCol()
	out := make([]string, 0, v.count+1)
	if v.head >= 0 {
		out = append(out, d.incidentLine(r, v.head, svcW, w))
	}
	for i := v.first; i < v.first+v.count; i++ {
		out = append(out, d.incidentLine(r, i, svcW, w))
	}
	return out
}

// incidentLine formats list row i of r.
func (d *dashboard) incidentLine(r incRows, i, svcW, w int) string {
	s, st := r.s, d.c.st
	open := s.report.OpenIncidents
	j := i + r.base
	if r.sections {
		if j == 0 {
			return d.openLabel(false)
		}
		j--
	}
	if j < len(open) {
		in := open[j]
		title := model.Printable(in.Title)
		right := withAck(ago(d.c.now, in.StartedAt), title, s.acks[j], d.c.now, svcW, w)
		return d.incidentRow(in.Severity, model.Printable(in.Service), title, right, false, svcW, w)
	}
	j -= len(open)
	if !r.sections || j > len(s.resolved) {
		return ""
	}
	if j == 0 {
		return st.dim.Render("RECENTLY RESOLVED")
	}
	in := s.resolved[j-1]
	right := formatDuration(in.resolved.Sub(in.started))
	if w >= agesMinWidth {
		right += " · " + ago(d.c.now, in.resolved) + " ago"
	}
	return d.incidentRow(in.severity, in.service, in.title, right, true, svcW, w)
}

// agesMinWidth is the list width from which resolved incidents show how
// long ago they ended.
const agesMinWidth = 70

// resolvedWithAges are the resolved incidents on screen that show how long
// ago they ended: their text changes with the clock.
func (d *dashboard) resolvedWithAges(l layout) []resolvedRow {
	s := d.c.snap
	if s == nil || (l.size != sizeDesk && l.size != sizeWall) || d.incRowW(l) < agesMinWidth {
		return nil
	}
	r := d.incRows(s, l)
	rl := r.resolvedLabel()
	if rl < 0 {
		return nil
	}
	v := d.incView(l)
	// List row of the first resolved incident.
	first := rl + 1 - r.base
	lo := max(0, v.first-first)
	hi := min(len(s.resolved), v.first+v.count-first)
	if lo >= hi {
		return nil
	}
	return s.resolved[lo:hi]
}

// incRows is the incidents list of s as layout l shows it.
func (d *dashboard) incRows(s *snapshot, l layout) incRows {
	r := incRows{s: s, sections: l.size != sizeGlance}
	if d.banner(s, l) {
		r.base = 1
	}
	return r
}

// incView is what the incidents list shows now.
func (d *dashboard) incView(l layout) listView {
	r := d.incRows(d.c.snap, l)
	return viewRows(d.incOff, d.incidentsVisible(l), r.total(), r.headOf)
}

// incidentRowCount is the length of the scrollable incidents list.
func (d *dashboard) incidentRowCount(l layout) int {
	if d.c.snap == nil {
		return 0
	}
	return d.incRows(d.c.snap, l).total()
}

// incidentsPanel is the framed incidents list of the desk and wall
// layouts, with the window's incident figures pinned at the bottom. It is
// rebuilt when its input changed or an age on it ticks over.
func (d *dashboard) incidentsPanel(l layout) []string {
	key := panelKey{snap: d.c.snap, r: l.incidents, size: l.size, focus: d.focus, off: d.incOff}
	return d.cache.incidents.get(key, d.c.now, func() ([]string, time.Time) {
		return d.buildIncidentsPanel(l), d.agesChange(l, d.c.now)
	})
}

// agesChange is the first instant after now at which an age shown in the
// incidents list ticks over; zero when none is shown.
func (d *dashboard) agesChange(l layout, now time.Time) time.Time {
	var next time.Time
	sooner := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	// Every open incident, shown or not: there are few, and an age that
	// changes off screen costs one comparison of an unchanged view.
	for i := range d.c.snap.report.OpenIncidents {
		sooner(nextAgeChange(now, d.c.snap.report.OpenIncidents[i].StartedAt))
	}
	for _, r := range d.resolvedWithAges(l) {
		sooner(nextAgeChange(now, r.resolved))
	}
	return next
}

func (d *dashboard) buildIncidentsPanel(l layout) []string {
	st, r := d.c.st, l.incidents
	iw := r.w - 4
	rows := d.incRows(d.c.snap, l)
	vis := d.incidentsVisible(l)
	v := viewRows(d.incOff, vis, rows.total(), rows.headOf)
	inner := make([]string, 0, r.h)
	if rows.base > 0 {
		inner = append(inner, d.bannerLines(iw)...)
	}
	inner = append(inner, block(d.incidentLines(rows, v, d.incRowW(l)), iw, vis)...)
	a, b := incidentFiguresLines(d.c.snap.report, d.c.snap.cov)
	inner = append(inner, st.faint.Render(strings.Repeat("─", max(0, iw))), st.dim.Render(a), st.dim.Render(b))
	return st.frame(st.title.Render("Incidents"), v.note(rows.total()), inner, r.w, r.h, d.focus == focusIncidents)
}

// maxIncidentRowW caps the incident rows of wide screens, so that a title
// and its duration stay within one reading distance.
const maxIncidentRowW = 110

// incRowW is the width of the incident rows of the framed panel.
func (d *dashboard) incRowW(l layout) int { return min(l.incidents.w-4, maxIncidentRowW) }

// bannerH is the height of the open-incidents banner: the large type and
// a blank line.
const bannerH = bigHeight + 1

// banner says whether the incidents panel opens with the open incidents
// in large type: on wide walls, while there are some.
func (d *dashboard) banner(s *snapshot, l layout) bool {
	if s == nil || !l.wide() || len(s.report.OpenIncidents) == 0 {
		return false
	}
	bw := bigWidth(bannerText(len(s.report.OpenIncidents)), 1)
	return bw >= 0 && bw <= l.incidents.w-4
}

// bannerText is the banner's words.
func bannerText(n int) string {
	if n == 1 {
		return "1 OPEN INCIDENT"
	}
	return strconv.Itoa(n) + " OPEN INCIDENTS"
}

// bannerLines are the open incidents in large type, as large as fits in
// w, then a blank line.
func (d *dashboard) bannerLines(w int) []string {
	st := d.c.st
	text := bannerText(len(d.c.snap.report.OpenIncidents))
	scale := 1
	if bigWidth(text, 2) <= w {
		scale = 2
	}
	glyphs, _ := bigText(text, scale)
	out := make([]string, 0, bannerH)
	for _, g := range glyphs {
		out = append(out, st.bad.Render(g))
	}
	return append(out, "")
}

// scrollNote tells what is hidden above and below a list.
func scrollNote(off, vis, total int) string {
	below := total - off - vis
	switch {
	case below > 0 && off > 0:
		return "↑↓ " + strconv.Itoa(below) + " more"
	case below > 0:
		return "↓ " + strconv.Itoa(below) + " more"
	case off > 0:
		return "↑ " + strconv.Itoa(off) + " more"
	}
	return ""
}

// incidentFiguresLines are the window's incident figures in two lines,
// marked while some source has no data yet; none while no source has.
func incidentFiguresLines(r *model.Report, cov coverage) (string, string) {
	if cov == coverageNone {
		return "incidents —", "downtime — · availability —"
	}
	in := r.Incidents
	a := plural(in.Total, "incident") + " · median detect " + formatStat(in.TimeToDetect.Median) +
		" · ack " + formatStat(in.TimeToAcknowledge.Median)
	b := "downtime " + formatSeconds(in.DowntimeSeconds) + " · availability " + formatAvailability(in.Availability)
	if cov == coveragePartial {
		a += " (partial)"
		b += " (partial)"
	}
	return a, b
}

// incidentFigures is the window's incident figures in one line.
func incidentFigures(r *model.Report, cov coverage, compact bool) string {
	if cov == coverageNone {
		return "incidents — · downtime — · availability —"
	}
	in := r.Incidents
	if compact {
		s := plural(in.Total, "incident") + " · detect " + formatStat(in.TimeToDetect.Median) +
			" · ack " + formatStat(in.TimeToAcknowledge.Median) + " · downtime " + formatSeconds(in.DowntimeSeconds) +
			" · avail " + formatAvailability(in.Availability)
		if cov == coveragePartial {
			s = "partial: " + s
		}
		return s
	}
	a, b := incidentFiguresLines(r, coverageFull)
	if cov == coveragePartial {
		return "partial: " + a + " · " + b
	}
	return a + " · " + b
}

// partialMark is " (partial)" while some source has no data yet.
func partialMark(st *styles, cov coverage) string {
	if cov != coveragePartial {
		return ""
	}
	return st.warn.Render(" (partial)")
}
