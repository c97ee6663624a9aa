package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// focusID is the panel that has the keyboard: one of the four metric
// tiles (focusID(metricID)), the recovery tile, one of the two lists or
// the source health strip, in tab order.
type focusID int

const (
	focusRecovery focusID = focusID(numMetrics) + iota // desk and wall only: the glance and tiny layouts have no such tile
	focusIncidents
	focusDeploys
	focusHealth // the source health strip: enter opens sourcedetail.go
	numFocus
)

// dashboard is the main screen: tiles, incidents, deployments and source
// health, laid out by terminal size.
type dashboard struct {
	c      *common
	focus  focusID // starts on the first tile
	incOff int     // first incident row shown
	depOff int     // first deployment row shown
	cache  panels
	// seen is the snapshot the offsets refer to: when another arrives,
	// anchor moves them to the same records.
	seen *snapshot
}

// update handles the dashboard's keys. It reports the panel to open when
// enter is pressed on it.
func (d *dashboard) update(msg tea.KeyMsg, l layout) (focusID, bool) {
	k := &d.c.keys
	switch {
	case key.Matches(msg, k.Focus):
		d.step(+1, l)
	case key.Matches(msg, k.FocusBack):
		d.step(-1, l)
	case key.Matches(msg, k.Up):
		d.scroll(d.focus, -1, l)
	case key.Matches(msg, k.Down):
		d.scroll(d.focus, +1, l)
	case key.Matches(msg, k.PageUp):
		d.scroll(d.focus, -d.page(d.focus, l), l)
	case key.Matches(msg, k.PageDown):
		d.scroll(d.focus, +d.page(d.focus, l), l)
	case key.Matches(msg, k.Top):
		d.scrollTo(d.focus, 0, l)
	case key.Matches(msg, k.Bottom):
		// Past the end: clamp makes it the last page.
		d.scrollTo(d.focus, d.incidentRowCount(l)+d.deployRowCount(), l)
	case key.Matches(msg, k.Open):
		return d.focus, true
	}
	return 0, false
}

// step moves the focus to the next (dir +1) or previous (−1) panel the
// layout shows, around the ends.
func (d *dashboard) step(dir int, l layout) {
	for range numFocus {
		d.focus = (d.focus + numFocus + focusID(dir)) % numFocus
		if d.focus != focusRecovery || l.hasRecoveryTile() {
			return
		}
	}
}

// mouse scrolls the list under the pointer with the wheel, or the focused
// list when the pointer is elsewhere.
func (d *dashboard) mouse(msg tea.MouseMsg, l layout) {
	var dir int
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		dir = -1
	case tea.MouseButtonWheelDown:
		dir = +1
	default:
		return
	}
	target := d.focus
	switch {
	case l.incidents.contains(msg.X, msg.Y):
		target = focusIncidents
	case l.deploys.contains(msg.X, msg.Y):
		target = focusDeploys
	}
	d.scroll(target, dir, l)
}

func (d *dashboard) scroll(target focusID, dir int, l layout) {
	switch target {
	case focusIncidents:
		d.incOff += dir
	case focusDeploys:
		d.depOff += dir
	}
	d.clamp(l)
}

// scrollTo sets the first row shown of the target list, within the list.
func (d *dashboard) scrollTo(target focusID, off int, l layout) {
	switch target {
	case focusIncidents:
		d.incOff = off
	case focusDeploys:
		d.depOff = off
	}
	d.clamp(l)
}

// page is how far PgUp and PgDn move the target list: the rows it shows.
func (d *dashboard) page(target focusID, l layout) int {
	switch target {
	case focusIncidents:
		return max(1, d.incidentsVisible(l))
	case focusDeploys:
		return max(1, d.deploysVisible(l)*deployCols(l))
	}
	return 0
}

func (d *dashboard) resetScroll() { d.incOff, d.depOff = 0, 0 }

// clamp keeps the scroll offsets on the records they showed when the
// snapshot changed, and within the lists as they are now shown.
func (d *dashboard) clamp(l layout) {
	if d.seen != d.c.snap {
		d.anchor(d.seen, l)
		d.seen = d.c.snap
	}
	d.incOff = max(0, min(d.incOff, d.incLast(l)))
	d.depOff = max(0, min(d.depOff, d.depLast(l)))
}

// incLast is the last offset of the incidents list: its end in view.
func (d *dashboard) incLast(l layout) int {
	if d.c.snap == nil {
		return 0
	}
	r := d.incRows(d.c.snap, l)
	return lastOff(r.total(), d.incidentsVisible(l), r.headOf)
}

// depLast is the last offset of the deployments feed: its end in view.
func (d *dashboard) depLast(l layout) int {
	if d.c.snap == nil {
		return 0
	}
	total, vis, cols := d.deployRowCount(), d.deploysVisible(l), deployCols(l)
	off := lastOff(total, vis*cols, deployHeadOf(d.c.snap))
	// Each column may pin a heading: one row further for each.
	for range cols {
		if d.deployEnd(off, vis, cols) >= total {
			break
		}
		off++
	}
	return off
}

// incidentsVisible is how many rows of the incidents list fit.
func (d *dashboard) incidentsVisible(l layout) int {
	if l.size == sizeGlance {
		return l.glanceOpen
	}
	h := l.incidents.h - 2 - incStatsH
	if d.banner(d.c.snap, l) {
		h -= bannerH
	}
	return max(0, h)
}

// deploysVisible is how many lines of the deployments feed fit.
func (d *dashboard) deploysVisible(l layout) int {
	if l.size == sizeGlance {
		return l.deploys.h
	}
	return max(0, l.deploys.h-2)
}

// view draws the dashboard body for the desk, wall and glance layouts.
func (d *dashboard) view(l layout) []string {
	if d.c.snap == nil {
		return d.waiting(l.w, l.bodyH)
	}
	if l.size == sizeGlance {
		return d.glance(l)
	}
	lines := make([]string, 0, l.bodyH)
	lines = append(lines, d.tiles(l)...)
	lines = append(lines, d.lists(l)...)
	lines = append(lines, d.strip(l.strip.w, l.strip.h)...)
	return lines
}

// lists are the incidents and deployments panels side by side, joined
// once per change of either.
func (d *dashboard) lists(l layout) []string {
	inc, dep := d.incidentsPanel(l), d.deploysPanel(l)
	if len(inc) > 0 && len(dep) > 0 && d.cache.joined.ok && len(d.cache.joinedFrom) == 2 &&
		&d.cache.joinedFrom[0][0] == &inc[0] && &d.cache.joinedFrom[1][0] == &dep[0] {
		return d.cache.joined.lines
	}
	lines := joinH(inc, dep)
	d.cache.joined = panelCache{lines: lines, ok: true}
	d.cache.joinedFrom = [][]string{inc, dep}
	return lines
}

// waiting fills the body until the first computation arrives.
func (d *dashboard) waiting(w, h int) []string {
	msg := "waiting for data…"
	if d.c.version != nil {
		msg = "computing…"
	}
	lines := blank(w, h)
	if h > 0 {
		lines[h/2] = center(d.c.st.dim.Render(msg), w)
	}
	return lines
}

// glance is the small layout: open incidents first, then one line per
// metric, the incident figures, the latest deployments and the sources.
func (d *dashboard) glance(l layout) []string {
	st, w := d.c.st, l.w
	// Lists keep together on wide screens instead of spreading their
	// columns across the width.
	listW := min(w-2, 100)
	lines := make([]string, 0, l.bodyH)
	lines = append(lines, " "+d.openLabel(true))
	rows := d.incRows(d.c.snap, l)
	for _, line := range d.incidentLines(rows, viewRows(d.incOff, l.glanceOpen, rows.total(), rows.headOf), listW) {
		lines = append(lines, "  "+line)
	}
	for id := range numMetrics {
		lines = append(lines, d.metricLine(id, w))
	}
	// Focus comes here only from a larger layout (tab skips it): mark it
	// on the line that shows recovery time.
	mark := d.focusMark(focusRecovery)
	lines = append(lines, " "+mark+d.glanceSummary(w-2-textWidth(mark)))
	if l.deploys.h > 0 {
		lines = append(lines, " "+d.focusMark(focusDeploys)+st.dim.Render("LATEST DEPLOYMENTS"))
		for _, line := range d.deployLines(d.deployView(d.depOff, l.deploys.h), listW) {
			lines = append(lines, "  "+line)
		}
	}
	body := block(lines, w, l.bodyH-1)
	return append(body, d.strip(w, 1)...)
}

// click reports the tile a left click landed on (desk and wall layouts).
func (d *dashboard) click(msg tea.MouseMsg, l layout) (focusID, bool) {
	if msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft || !l.tiles.contains(msg.X, msg.Y) {
		return 0, false
	}
	x := 0
	ws := tileWidths(l.tiles.w)
	for i := range numTiles {
		x += ws[i]
		if msg.X < x {
			d.focus = tileFocus[i]
			return d.focus, true
		}
	}
	return 0, false
}
