package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// sizeClass is the layout family a terminal size gets.
type sizeClass int

const (
	sizeTiny   sizeClass = iota // below about 40×10: the most important lines only
	sizeGlance                  // up to about 80×24: open incidents first, one line per metric
	sizeDesk                    // about 100×30: the full dashboard
	sizeWall                    // about 160×45 and larger: large digits, longer charts
)

// String names the size class as the issue does.
func (s sizeClass) String() string {
	return [...]string{"tiny", "glance", "desk", "wall"}[s]
}

// sizeOf picks the layout for a w×h terminal.
func sizeOf(w, h int) sizeClass {
	switch {
	case w < 40 || h < 10:
		return sizeTiny
	case w >= 160 && h >= 45:
		return sizeWall
	case w >= 100 && h >= 30:
		return sizeDesk
	}
	return sizeGlance
}

// wide says whether l is a wall large enough to grow: larger digits, the
// open incidents in large type.
func (l layout) wide() bool { return l.size == sizeWall && l.w >= wideWallW && l.h >= wideWallH }

// The size from which the wall layout grows.
const (
	wideWallW = 200
	wideWallH = 55
)

// rect is a region of the screen.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// layout is where everything goes on the current screen. It is derived
// from the terminal size and the data, so Update (scrolling, the mouse)
// and View agree on it.
type layout struct {
	size                    sizeClass
	w, h                    int
	headerH, bodyH, footerH int

	// Dashboard regions in screen coordinates. For the glance layout
	// incidents and deploys are the list rows only.
	tiles, incidents, deploys, strip rect
	// glanceOpen is how many open incident rows the glance layout shows.
	glanceOpen int
}

// Heights of the fixed parts of the dashboard.
const (
	deskTileH    = 7
	wallTileH    = 14
	wideTileH    = 19 // the tall digits: tallHeight lines in place of bigHeight
	incStatsH    = 3  // the incidents panel's pinned statistics: a rule and two lines
	glanceFixedH = 7  // open label, four metrics, incident statistics, sources
)

func (m *Model) layout() layout {
	c := m.c
	l := layout{w: c.width, h: c.height, size: sizeOf(c.width, c.height)}
	if l.size == sizeTiny {
		l.bodyH = l.h
		return l
	}
	l.headerH = 1
	if c.demo && c.hint != "" && (l.size != sizeGlance || l.h >= 16) {
		l.headerH = 2
	}
	if l.size != sizeGlance || l.h >= 12 {
		l.footerH = 1
		if m.help.ShowAll {
			l.footerH = min(m.fullHelpHeight(), l.h/3)
		}
	}
	l.bodyH = max(0, l.h-l.headerH-l.footerH)
	if l.size == sizeGlance {
		m.glanceLayout(&l)
	} else {
		m.panelLayout(&l)
	}
	return l
}

// panelLayout places tiles, the two list panels and the source strip of
// the desk and wall layouts.
func (m *Model) panelLayout(l *layout) {
	tileH, maxStrip := deskTileH, 3
	if l.size == sizeWall {
		tileH, maxStrip = wallTileH, 6
	}
	if l.wide() {
		tileH = wideTileH
	}
	stripH := min(max(1, m.sourceCount()), maxStrip)
	y := l.headerH
	l.tiles = rect{0, y, l.w, min(tileH, l.bodyH)}
	y += l.tiles.h
	panelsH := max(0, l.bodyH-l.tiles.h-stripH)
	incW := l.w * 11 / 20
	if l.wide() {
		// The rows are capped: the room left goes to the feed's columns.
		incW = min(incW, maxIncidentRowW+4)
	}
	l.incidents = rect{0, y, incW, panelsH}
	l.deploys = rect{incW, y, l.w - incW, panelsH}
	l.strip = rect{0, y + panelsH, l.w, l.bodyH - l.tiles.h - panelsH}
}

// glanceLayout gives open incidents the rows they need first, then the
// metrics, then the deployments feed whatever is left.
func (m *Model) glanceLayout(l *layout) {
	open := 0
	if s := m.c.snap; s != nil {
		open = len(s.report.OpenIncidents)
	}
	rest := max(0, l.bodyH-glanceFixedH)
	l.glanceOpen = min(open, rest)
	if open == 0 {
		l.glanceOpen = 0
	}
	y := l.headerH + 1
	l.incidents = rect{0, y, l.w, l.glanceOpen}
	rest -= l.glanceOpen
	y += l.glanceOpen + 4 + 1
	if rest >= 2 {
		l.deploys = rect{0, y + 1, l.w, rest - 1}
	}
	l.strip = rect{0, l.headerH + l.bodyH - 1, l.w, 1}
}

func (m *Model) sourceCount() int {
	if m.c.version == nil {
		return 0
	}
	return len(m.c.version.Sources)
}

// fullHelpHeight is the number of lines of the full help.
func (m *Model) fullHelpHeight() int {
	v := m.help.FullHelpView(helpKeys{k: &m.c.keys, screen: m.screen}.FullHelp())
	return strings.Count(v, "\n") + 1
}

// textWidth is the display width of s.
func textWidth(s string) int { return ansi.StringWidth(s) }
