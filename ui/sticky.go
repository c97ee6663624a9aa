package ui

import "time"

// Scrolled lists keep their place for the reader: the heading of the
// section the first visible row belongs to stays on the top line (a day of
// the deployments feed, OPEN INCIDENTS, RECENTLY RESOLVED), and a new
// version of the data does not move the rows under the reader: the offset
// follows the record at the top, not its index.

// listView is what a scrolled list shows: the heading pinned on the top
// line (−1: none), then count rows from first.
type listView struct{ head, first, count int }

// viewRows is the listView of a list of total rows scrolled to off in vis
// lines. headOf gives the heading row of row i's section (−1: none); the
// heading is pinned when the first row shown is not itself a heading.
func viewRows(off, vis, total int, headOf func(int) int) listView {
	if vis <= 0 || total <= 0 {
		return listView{head: -1}
	}
	off = max(0, min(off, total-1))
	v := listView{head: -1, first: off, count: vis}
	if off > 0 && vis > 1 {
		if h := headOf(off); h >= 0 && h != off {
			v.head = h
			v.count--
		}
	}
	v.count = max(0, min(v.count, total-off))
	return v
}

// lastOff is the largest useful offset: the one that shows the last row,
// one further when the pinned heading takes a line there.
func lastOff(total, vis int, headOf func(int) int) int {
	off := max(0, total-vis)
	if viewRows(off, vis, total, headOf).head >= 0 {
		off = min(off+1, max(0, total-1))
	}
	return off
}

// note is the frame note of v: what is hidden above and below.
func (v listView) note(total int) string {
	return scrollNote(v.first, v.count, total)
}

// rowKind says what a list row is, for finding it again in new data.
type rowKind int

const (
	rowNone rowKind = iota
	rowDay
	rowDeploy
	rowOpenLabel
	rowOpen
	rowResolvedLabel
	rowResolved
)

// rowKey names a list row independently of its index: what it is, the
// record's id (or service and title for rows without one) and its time.
type rowKey struct {
	kind rowKind
	id   string
	at   time.Time
}

// anchor moves the offsets to the rows that were at the top in the
// previous snapshot, so that new records arriving above them do not move
// what the reader looks at. At offset 0 the list stays at its top and new
// rows appear there.
func (d *dashboard) anchor(prev *snapshot, l layout) {
	s := d.c.snap
	if prev == nil || s == nil || prev == s {
		return
	}
	if d.depOff > 0 && d.depOff < len(prev.items) {
		d.depOff = findDeploy(s, deployKey(prev, d.depOff), d.depOff)
	}
	if d.incOff > 0 {
		old := d.incRows(prev, l)
		if d.incOff < old.total() {
			d.incOff = d.incRows(s, l).find(old.key(d.incOff), d.incOff)
		}
	}
}

// deployKey is the key of feed item i of s.
func deployKey(s *snapshot, i int) rowKey {
	it := s.items[i]
	if it.row < 0 {
		return rowKey{kind: rowDay, at: it.day}
	}
	r := s.deploys[it.row]
	return rowKey{kind: rowDeploy, id: r.id, at: r.at}
}

// findDeploy is the index of k's row in s's feed; where it is gone, the
// first row older than it; fallback when nothing matches.
func findDeploy(s *snapshot, k rowKey, fallback int) int {
	for i := range s.items {
		if deployKey(s, i) == k {
			return i
		}
	}
	for i, it := range s.items {
		if it.row >= 0 && s.deploys[it.row].at.Before(k.at) {
			return i
		}
	}
	return fallback
}

// incRows is the incidents list of one snapshot as a layout shows it.
// With sections its rows are the open label, the open incidents, then
// (when there are any) the resolved label and the recently resolved
// incidents; without, the open incidents only. base rows are not in the
// scrolled list: the open label when the banner shows it (wall layout).
type incRows struct {
	s        *snapshot
	sections bool
	base     int
}

// all is the length of the list, base rows included.
func (r incRows) all() int {
	n := len(r.s.report.OpenIncidents)
	if !r.sections {
		return n
	}
	n++
	if len(r.s.resolved) > 0 {
		n += 1 + len(r.s.resolved)
	}
	return n
}

// total is the length of the scrolled list.
func (r incRows) total() int { return max(0, r.all()-r.base) }

// resolvedLabel is the row of the resolved label (absolute, base rows
// included); −1 without one.
func (r incRows) resolvedLabel() int {
	if !r.sections || len(r.s.resolved) == 0 {
		return -1
	}
	return 1 + len(r.s.report.OpenIncidents)
}

// headOf is the heading of row i's section, in list rows.
func (r incRows) headOf(i int) int {
	if !r.sections {
		return -1
	}
	j := i + r.base
	h := 0
	if rl := r.resolvedLabel(); rl >= 0 && j >= rl {
		h = rl
	}
	if h < r.base {
		return -1 // the banner is the heading
	}
	return h - r.base
}

// key names list row i.
func (r incRows) key(i int) rowKey {
	j := i + r.base
	open := r.s.report.OpenIncidents
	if r.sections {
		if j == 0 {
			return rowKey{kind: rowOpenLabel}
		}
		j--
	}
	if j < len(open) {
		return rowKey{kind: rowOpen, id: open[j].ID, at: open[j].StartedAt}
	}
	j -= len(open)
	if !r.sections || j > len(r.s.resolved) {
		return rowKey{}
	}
	if j == 0 {
		return rowKey{kind: rowResolvedLabel}
	}
	in := r.s.resolved[j-1]
	return rowKey{kind: rowResolved, id: in.service + "\x00" + in.title, at: in.resolved}
}

// find is the list row of k: the same record or label; for a resolved
// incident that is gone, the first one resolved before it; fallback when
// nothing matches.
func (r incRows) find(k rowKey, fallback int) int {
	n := r.total()
	for i := range n {
		if r.key(i) == k {
			return i
		}
	}
	if k.kind == rowResolved {
		for i := range n {
			if ki := r.key(i); ki.kind == rowResolved && ki.at.Before(k.at) {
				return i
			}
		}
	}
	return fallback
}
