package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// drillState is what a drill-down shows; it is comparable, so that View
// can tell when it changed.
type drillState struct {
	kind    drillKind
	back    screen      // the screen esc returns to
	pop     *population // the newest population; nil before the first
	off     int         // first row shown (of the rows the filter keeps)
	sel     int         // the current match, for n and N (of the rows kept); -1: none
	byDur   bool        // lead time: longest first
	filter  string      // rows kept contain it (case-insensitive); "": all
	editing bool        // keys type into the filter
}

// drill is the screen that lists the records behind a number.
type drill struct {
	c *common
	drillState
}

// open shows the drill-down of kind, returning to back on esc.
func (d *drill) open(kind drillKind, back screen) {
	pop := d.pop
	d.drillState = drillState{kind: kind, back: back, pop: pop, sel: -1}
}

// current reports whether the population shown is the snapshot's.
func (d *drill) current() bool { return d.pop != nil && d.pop.snap == d.c.snap }

// list is the drill-down's list as shown: in the order asked for, and
// only the records the filter keeps, each under its heading (headings
// whose section keeps no record go).
func (d *drill) list() (string, []drillRow) {
	if d.pop == nil {
		return "", nil
	}
	l := d.pop.lists[d.kind]
	rows := l.rows
	if d.byDur && l.byDur != nil {
		rows = l.byDur
	}
	if d.filter == "" {
		return l.header, rows
	}
	f := strings.ToLower(d.filter)
	kept := make([]drillRow, 0, len(rows))
	head := -1 // the heading of the section, until a record of it is kept
	for i, r := range rows {
		switch {
		case r.head:
			head = i
		case strings.Contains(r.key, f):
			if head >= 0 {
				kept = append(kept, rows[head])
				head = -1
			}
			kept = append(kept, r)
		}
	}
	return l.header, kept
}

// records is how many of rows are records, not headings.
func records(rows []drillRow) int {
	n := 0
	for _, r := range rows {
		if !r.head {
			n++
		}
	}
	return n
}

// headOf is, for viewRows, the heading of row i's section in rows (−1:
// none).
func headOf(rows []drillRow) func(int) int {
	return func(i int) int {
		for ; i >= 0; i-- {
			if rows[i].head {
				return i
			}
		}
		return -1
	}
}

// listH is how many lines the rows get in a body of h lines: the frame,
// the column header and the status line take four.
func listH(h int) int { return max(1, h-4) }

// update handles the drill-down's keys; it reports false when the key is
// esc with nothing left to clear (back to the previous screen).
func (d *drill) update(msg tea.KeyMsg, h int) bool {
	if d.editing {
		d.edit(msg)
		return true
	}
	k := &d.c.keys
	_, rows := d.list()
	page := listH(h)
	switch {
	case key.Matches(msg, k.Back):
		if d.filter == "" {
			return false
		}
		d.filter, d.sel, d.off = "", -1, 0
	case key.Matches(msg, k.Filter):
		d.editing, d.filter, d.sel, d.off = true, "", -1, 0
	case key.Matches(msg, k.NextMatch):
		d.step(rows, +1, page)
	case key.Matches(msg, k.PrevMatch):
		d.step(rows, -1, page)
	case key.Matches(msg, k.Order):
		d.byDur = !d.byDur
		d.off, d.sel = 0, -1
	default:
		d.scroll(msg, rows, page)
	}
	return true
}

// scroll moves the list by the list keys.
func (d *drill) scroll(msg tea.KeyMsg, rows []drillRow, page int) {
	n := len(rows)
	k := &d.c.keys
	switch {
	case key.Matches(msg, k.Up):
		d.off--
	case key.Matches(msg, k.Down):
		d.off++
	case key.Matches(msg, k.PageUp):
		d.off -= page
	case key.Matches(msg, k.PageDown):
		d.off += page
	case key.Matches(msg, k.Top):
		d.off = 0
	case key.Matches(msg, k.Bottom):
		d.off = n
	}
	d.off = max(0, min(d.off, lastOff(n, page, headOf(rows))))
}

// step moves the current match to the next (dir +1) or previous record
// kept, around the ends, and scrolls it into view.
func (d *drill) step(rows []drillRow, dir, page int) {
	n := len(rows)
	if records(rows) == 0 {
		return
	}
	if d.sel < 0 {
		d.sel = d.off - min(dir, 0) - 1
	}
	for {
		d.sel = ((d.sel+dir)%n + n) % n
		if !rows[d.sel].head {
			break
		}
	}
	if v := viewRows(d.off, page, n, headOf(rows)); d.sel < v.first || d.sel >= v.first+v.count {
		d.off = max(0, min(d.sel, lastOff(n, page, headOf(rows))))
	}
}

// edit types into the filter: enter keeps it, esc drops it.
func (d *drill) edit(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyEnter:
		d.editing = false
	case tea.KeyEsc:
		d.editing, d.filter = false, ""
	case tea.KeyBackspace:
		if r := []rune(d.filter); len(r) > 0 {
			d.filter = string(r[:len(r)-1])
		}
	case tea.KeyRunes, tea.KeySpace:
		d.filter += string(msg.Runes)
	}
	d.off, d.sel = 0, -1
}

// wheel scrolls the list by the mouse wheel.
func (d *drill) wheel(msg tea.MouseMsg, h int) {
	_, rows := d.list()
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		d.off = max(0, d.off-1)
	case tea.MouseButtonWheelDown:
		d.off = max(0, min(d.off+1, lastOff(len(rows), listH(h), headOf(rows))))
	}
}

// view draws the drill-down body, w×h: the column header, the rows (a row
// wider than the list wraps, so that ids are never cut) and a status line.
func (d *drill) view(w, h int) []string {
	st := d.c.st
	if d.c.snap == nil {
		return blank(w, h)
	}
	iw := w - 4
	header, rows := d.list()
	inner := make([]string, 0, h)
	inner = append(inner, st.dim.Render(fit(header, iw)))
	lh := listH(h)
	// The heading of the first row's section stays on the top line. A
	// list that shrank under the offset (a shorter window, a new
	// population) shows its last page, not blank lines.
	v := viewRows(max(0, min(d.off, lastOff(len(rows), lh, headOf(rows)))), lh, len(rows), headOf(rows))
	var body []string
	if v.head >= 0 {
		body = append(body, d.rowLines(rows[v.head], false, iw)...)
	}
	for i := v.first; i < len(rows) && len(body) < lh; i++ {
		body = append(body, d.rowLines(rows[i], i == d.sel, iw)...)
	}
	switch {
	case d.pop == nil || !d.current():
		body = []string{st.dim.Render("computing…")}
	case len(rows) == 0 && d.filter != "":
		body = []string{st.dim.Render("no record matches " + strconv.Quote(d.filter))}
	case records(rows) == 0: // headings alone (empty days, "0 resolved incidents") say less
		body = []string{st.dim.Render("no records in this window")}
	}
	inner = append(inner, block(body, iw, lh)...)
	inner = append(inner, d.status(records(rows), iw))
	title := st.accent.Render(drillTitles[d.kind] + ", " + windowLabel(d.c.snap.q.Days))
	return st.frame(title, v.note(len(rows)), inner, w, h, false)
}

// rowLines is a row, wrapped to w, the current match marked.
func (d *drill) rowLines(r drillRow, sel bool, w int) []string {
	st := d.c.st
	paint := st.text
	switch {
	case sel:
		paint = st.borderFocus
	case r.head:
		paint = st.title
	}
	text := r.text
	if sel {
		text = "▸ " + text
	}
	lines := strings.Split(ansi.Wrap(text, w, " "), "\n")
	for i, l := range lines {
		if i > 0 {
			l = "    " + l
		}
		lines[i] = paint.Render(fit(l, w))
	}
	return lines
}

// status is the filter as it is typed, or the keys of the list.
func (d *drill) status(n, w int) string {
	st := d.c.st
	switch {
	case d.editing:
		return fit(st.accent.Render("/"+d.filter+"▏")+st.dim.Render("  enter keep · esc clear"), w)
	case d.filter != "":
		return fit(st.accent.Render("/"+d.filter)+st.dim.Render("  "+plural(n, "record")+" kept"+" · n/N next/previous · esc clear"), w)
	}
	hint := "/ filter · j/k pgup/pgdn g/G scroll"
	if d.pop != nil && d.pop.lists[d.kind].byDur != nil {
		if d.byDur {
			hint += " · o time order"
		} else {
			hint += " · o longest first"
		}
	}
	if d.c.mouseOff {
		hint += " · m mouse on"
	} else {
		hint += " · m mouse off (to select text)"
	}
	return st.dim.Render(fit(hint, w))
}
