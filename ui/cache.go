package ui

import (
	"time"

	"doradash/model"
)

// A dashboard left running redraws only when something changed, and then
// rebuilds only the panels whose input changed: each panel's lines are
// kept with the inputs they were drawn from (panelKey) and, for panels
// that show ages, the instant their text next changes with the clock.

// panelKey is everything a cached panel's lines depend on besides the
// clock.
type panelKey struct {
	snap   *snapshot
	r      rect
	size   sizeClass
	focus  focusID
	off    int
	day    time.Time // the clock's day, for panels that say "Today"
	metric metricID
	screen screen
	flag   bool // the full help, for the footer
}

// panelCache is one panel's lines, valid for key while the clock is in
// [from, until) (zero until: any time).
type panelCache struct {
	key         panelKey
	from, until time.Time
	lines       []string
	ok          bool
}

// get returns the cached lines for key at now, or builds them with build
// (which reports until when its lines depend on the clock).
func (c *panelCache) get(key panelKey, now time.Time, build func() ([]string, time.Time)) []string {
	if c.ok && c.key == key && !now.Before(c.from) && (c.until.IsZero() || now.Before(c.until)) {
		return c.lines
	}
	lines, until := build()
	*c = panelCache{key: key, from: now, until: until, lines: lines, ok: true}
	return lines
}

// panels are the dashboard's cached panels.
type panels struct {
	tiles, incidents, deploys panelCache
	// joined is incidents and deploys side by side, made from the
	// slices in joinedFrom (compared by identity).
	joined     panelCache
	joinedFrom [][]string
}

// viewKey is everything View's output depends on. View returns the
// previous output when it is unchanged, so that messages that change
// nothing on screen (mouse motion, a status-only version of the same
// second) cost a comparison.
type viewKey struct {
	version   *model.Version
	snap      *snapshot
	w, h      int
	screen    screen
	focus     focusID
	incOff    int
	depOff    int
	help      bool
	metric    metricID
	computing bool
	qGen      uint64
	now       time.Time
	rot       rotateMark
	drill     drillState
	mouseOff  bool
	src       srcState
}
