package ui

import (
	"time"

	"doradash/model"
)

// deployRowCount is the length of the scrollable deployments feed.
func (d *dashboard) deployRowCount() int {
	if d.c.snap == nil {
		return 0
	}
	return len(d.c.snap.items)
}

// deployHeadOf is the day heading above feed item i of s.
func deployHeadOf(s *snapshot) func(int) int {
	return func(i int) int {
		for j := min(i, len(s.items)-1); j >= 0; j-- {
			if s.items[j].row < 0 {
				return j
			}
		}
		return -1
	}
}

// deployView is what the feed shows scrolled to off in vis lines.
func (d *dashboard) deployView(off, vis int) listView {
	s := d.c.snap
	if s == nil {
		return listView{head: -1}
	}
	return viewRows(off, vis, len(s.items), deployHeadOf(s))
}

// deployLines formats the feed lines of v, each exactly w wide: the day
// heading pinned on top when scrolled within a day, day headings, then per
// deployment its time, service, status (rolled back and failed stand out)
// and the lead time of its changes.
func (d *dashboard) deployLines(v listView, w int) []string {
	s, st := d.c.snap, d.c.st
	items := make([]deployItem, 0, v.count+1)
	if v.head >= 0 {
		items = append(items, s.items[v.head])
	}
	items = append(items, visibleItems(s.items, v.first, v.count)...)
	svcW := 3
	for _, it := range items {
		if it.row >= 0 {
			svcW = max(svcW, textWidth(s.deploys[it.row].service))
		}
	}
	// time 5, status 13, lead 11, three gaps.
	svcW = max(3, min(svcW, 16, w-5-13-11-3))
	today := dayOf(d.c.now)
	lines := make([]string, 0, len(items))
	for _, it := range items {
		if it.row < 0 {
			label := it.day.Format("Mon Jan 2")
			if it.day.Equal(today) {
				label = "Today · " + label
			}
			lines = append(lines, st.dim.Render(fit(label, w)))
			continue
		}
		lines = append(lines, d.deployLine(s.deploys[it.row], svcW, w))
	}
	return lines
}

func (d *dashboard) deployLine(r deployRow, svcW, w int) string {
	st := d.c.st
	at := r.at.In(d.c.now.Location()).Format("15:04")
	var status string
	switch r.status {
	case model.StatusRolledBack:
		status = st.rolled.Render(fit("↺ ROLLED BACK", 13))
	case model.StatusFailed:
		status = st.bad.Render(fit("✗ FAILED", 13))
	default:
		status = st.dim.Render(fit("✓ success", 13))
	}
	lead := ""
	if r.lead != nil && r.status != model.StatusFailed {
		lead = "lead " + formatSeconds(*r.lead)
	}
	line := st.dim.Render(at) + " " + fit(r.service, svcW) + " " + status
	rest := w - textWidth(line) - 1
	if rest <= 0 {
		return fit(line, w)
	}
	return line + " " + st.dim.Render(fitRight(lead, rest))
}

func visibleItems(items []deployItem, off, n int) []deployItem {
	off = max(0, min(off, len(items)))
	return items[off:min(len(items), off+max(0, n))]
}

// dayOf is midnight of t's day in t's location.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// deploysPanel is the framed deployments feed of the desk and wall
// layouts.
func (d *dashboard) deploysPanel(l layout) []string {
	key := panelKey{snap: d.c.snap, r: l.deploys, size: l.size, focus: d.focus, off: d.depOff, day: dayOf(d.c.now)}
	return d.cache.deploys.get(key, d.c.now, func() ([]string, time.Time) { return d.buildDeploysPanel(l), time.Time{} })
}

func (d *dashboard) buildDeploysPanel(l layout) []string {
	st, r := d.c.st, l.deploys
	vis, cols := d.deploysVisible(l), deployCols(l)
	vs := d.deployViews(d.depOff, vis, cols)
	iw := r.w - 4
	colW := (iw - deployColGap*(cols-1)) / cols
	blocks := make([][]string, 0, 2*len(vs))
	for i, v := range vs {
		if i > 0 {
			gap := st.faint.Render(" │ ")
			col := make([]string, vis)
			for j := range col {
				col[j] = gap
			}
			blocks = append(blocks, col)
		}
		blocks = append(blocks, block(d.deployLines(v, min(colW, maxDeployRowW)), colW, vis))
	}
	note := ""
	if len(vs) > 0 {
		last := vs[len(vs)-1]
		note = scrollNote(vs[0].first, last.first+last.count-vs[0].first, d.deployRowCount())
	}
	return st.frame(st.title.Render("Deployments"), note, joinH(blocks...), r.w, r.h, d.focus == focusDeploys)
}

// maxDeployRowW caps the feed's rows on wide screens, so that a
// deployment's lead time stays next to it.
const maxDeployRowW = 72

// The feed is read in columns on wide walls, each at least minDeployColW
// wide, deployColGap apart.
const (
	minDeployColW = 52
	deployColGap  = 3
)

// deployCols is how many columns the framed feed of l has.
func deployCols(l layout) int {
	if !l.wide() {
		return 1
	}
	return max(1, (l.deploys.w-4+deployColGap)/(minDeployColW+deployColGap))
}

// deployViews are the columns of the feed from off, vis lines each: each
// column goes on where the one before it ends.
func (d *dashboard) deployViews(off, vis, cols int) []listView {
	total := d.deployRowCount()
	vs := make([]listView, 0, cols)
	for c := 0; c < cols && off < total && vis > 0; c++ {
		v := d.deployView(off, vis)
		vs = append(vs, v)
		off = v.first + v.count
	}
	return vs
}

// deployEnd is the feed row after the last one shown from off.
func (d *dashboard) deployEnd(off, vis, cols int) int {
	vs := d.deployViews(off, vis, cols)
	if len(vs) == 0 {
		return off
	}
	last := vs[len(vs)-1]
	return last.first + last.count
}
