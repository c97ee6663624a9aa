package ui

import (
	"time"

	"doradash/model"
)

// tiles draws the headline tiles side by side across the full width,
// from the cache when neither the snapshot, the size nor the focus changed.
func (d *dashboard) tiles(l layout) []string {
	key := panelKey{snap: d.c.snap, r: l.tiles, size: l.size, focus: d.focus}
	return d.cache.tiles.get(key, d.c.now, func() ([]string, time.Time) { return d.buildTiles(l), time.Time{} })
}

// numTiles is the number of tiles of the desk and wall layouts: the four
// metrics and failed deployment recovery time.
const numTiles = int(numMetrics) + 1

// recoveryTile is the index of the failed deployment recovery tile.
const recoveryTile = int(numMetrics)

// tileFocus is the focus of each tile, left to right.
var tileFocus = [numTiles]focusID{
	focusID(metricFrequency), focusID(metricLeadTime), focusID(metricFailureRate), focusID(metricRestore), focusRecovery,
}

// hasRecoveryTile reports whether l shows the recovery tile (and so whether
// tab stops on it).
func (l layout) hasRecoveryTile() bool {
	return (l.size == sizeDesk || l.size == sizeWall) && l.tiles.h > 0
}

// Names of the recovery tile, longest first, as metricNames, metricMedium
// and metricShort.
var recoveryNames = [3]string{"Failed deployment recovery", "Deploy recovery time", "Recovery"}

func (d *dashboard) buildTiles(l layout) []string {
	r := l.tiles
	if r.h <= 0 {
		return nil
	}
	ws := tileWidths(r.w)
	blocks := make([][]string, numTiles)
	for i := range numMetrics {
		blocks[i] = d.tile(i, ws[i], r.h, l)
	}
	blocks[recoveryTile] = d.recoveryTile(ws[recoveryTile], r.h, l)
	return joinH(blocks...)
}

// Tile widths: the recovery tile (a short title, no chart) gives up
// columns, down to minRecoveryW, until the metric tiles have
// metricTileW, which fits their full names.
const (
	metricTileW  = 26
	minRecoveryW = 16
)

// tileWidths are the widths of the tiles in a row w wide: equal where
// that leaves every metric tile metricTileW, else the recovery tile
// narrower; the last tiles take the columns left over.
func tileWidths(w int) [numTiles]int {
	var ws [numTiles]int
	rw := w / numTiles
	if rw < metricTileW {
		rw = max(minRecoveryW, min(rw, w-int(numMetrics)*metricTileW))
	}
	rest := w - rw
	for i := range int(numMetrics) {
		ws[i] = rest / int(numMetrics)
		if i >= int(numMetrics)-rest%int(numMetrics) {
			ws[i]++
		}
	}
	ws[recoveryTile] = rw
	return ws
}

// tileTitle is the longest of names that fits a tile w wide.
func tileTitle(names [3]string, w int) string {
	for _, n := range names[:2] {
		if textWidth(n) <= w-6 {
			return n
		}
	}
	return names[2]
}

// tile is one headline: value, tier, change and the daily series. The
// wall layout draws the value in large digits and a taller chart, the
// previous window before a divider.
func (d *dashboard) tile(id metricID, w, h int, l layout) []string {
	hd := d.c.snap.heads[id]
	title := tileTitle([3]string{metricNames[id], metricMedium[id], metricShort[id]}, w)
	inner, ok := d.tileHead(hd, higherIsBetter[id], w, l)
	if !ok {
		return d.c.st.frame(d.c.st.title.Render(title), "", inner, w, h, d.focus == focusID(id))
	}
	iw := w - 4
	chartH := h - 2 - len(inner)
	if l.size == sizeWall {
		// More history: the previous window too, as far as it fits, set
		// apart.
		inner = append(inner, d.splitChart(hd.history[:len(hd.history)-len(hd.series)], hd.series, iw, chartH)...)
	} else {
		for _, line := range barChart(hd.series, iw, chartH, 1) {
			inner = append(inner, d.c.st.chart.Render(line))
		}
	}
	return d.c.st.frame(d.c.st.title.Render(title), d.partialNote(), inner, w, h, d.focus == focusID(id))
}

// partialNote marks a tile while some source has no data yet.
func (d *dashboard) partialNote() string {
	if d.c.snap.cov == coveragePartial {
		return d.c.st.warn.Render("partial")
	}
	return ""
}

// tileHead is the upper part of a tile: value, population, tier (marks
// and word, so it reads without colour) and the change. ok is false while
// no source has data: then it says so, rather than show zeros that read
// as facts.
func (d *dashboard) tileHead(hd headline, up bool, w int, l layout) (inner []string, ok bool) {
	st := d.c.st
	if d.c.snap.cov == coverageNone {
		return []string{st.value.Render("—"), st.warn.Render("no data yet")}, false
	}
	iw := w - 4
	inner = make([]string, 0, 16)
	tier := st.tierStyle(hd.tier).Render(tierMarks(hd.tier) + " " + tierWord(hd.tier))
	if l.size == sizeWall {
		inner = append(inner, d.bigValue(hd, iw, l.wide())...)
		pop := st.dim.Render(hd.popLabel)
		if textWidth(tier)+1+textWidth(pop) <= iw {
			inner = append(inner, "", spread(tier, pop, iw))
		} else {
			// Beside the tier it would be cut: the line above is free.
			inner = append(inner, fitRight(pop, iw), tier)
		}
	} else {
		inner = append(inner, spread(st.value.Render(hd.text), st.dim.Render(hd.popLabel), iw), tier)
	}
	return append(inner, d.deltaText(hd, up, iw)), true
}

// recoveryHeadline is failed deployment recovery time (SPEC §3) as a
// headline: the median, its tier, the incidents behind it.
func recoveryHeadline(r *model.Report) headline {
	fr := r.Metrics.FailedDeploymentRecoveryTime
	h := durationHeadline(fr)
	h.popLabel = plural(fr.Count, "incident")
	if r.Previous != nil {
		h.prev = r.Previous.FailedDeploymentRecoveryTime.Median
	}
	return h
}

// recoveryTile is failed deployment recovery time: the headline of the
// other tiles and, in place of a daily chart (the report has no series
// for it), its mean and 90th percentile.
func (d *dashboard) recoveryTile(w, h int, l layout) []string {
	st := d.c.st
	fr := d.c.snap.report.Metrics.FailedDeploymentRecoveryTime
	hd := recoveryHeadline(d.c.snap.report)
	title := tileTitle(recoveryNames, w)
	inner, ok := d.tileHead(hd, false, w, l)
	if ok && fr.Median != nil {
		inner = append(inner, st.dim.Render("mean "+formatStat(fr.Mean)), st.dim.Render("p90  "+formatStat(fr.P90)))
	}
	return st.frame(st.title.Render(title), d.partialNote(), inner, w, h, d.focus == focusRecovery)
}

// deltaText is the change against the previous window: arrow, percent and
// the verdict in words, coloured green when it improved. Which window it
// compares with is said once, in the header.
func (d *dashboard) deltaText(hd headline, up bool, w int) string {
	dl := compare(hd.value, hd.prev, up)
	return d.c.st.verdictStyle(dl.verdict).Render(dl.fit(w))
}

// bigValue draws the value in the block font, as large as fits, with the
// unit in plain text beside the baseline; plain text when even the small
// font does not fit. On wide walls the font is twice as tall, and the
// lines are always tallHeight, so that the tiles of a row stay aligned.
func (d *dashboard) bigValue(hd headline, w int, wide bool) []string {
	st := d.c.st
	style := st.tierStyle(hd.tier)
	unitW := 0
	if hd.unit != "" {
		unitW = 1 + textWidth(hd.unit)
	}
	height := bigHeight
	if wide {
		height = tallHeight
	}
	type size struct {
		scale int
		tall  bool
	}
	sizes := []size{{2, false}, {1, false}}
	if wide {
		sizes = []size{{3, true}, {2, true}, {2, false}, {1, false}}
	}
	out := make([]string, height)
	for _, sz := range sizes {
		bw := bigWidth(hd.big, sz.scale)
		if bw < 0 || bw+unitW > w {
			continue
		}
		var glyphs []string
		if sz.tall {
			g, _ := tallText(hd.big, sz.scale)
			glyphs = g[:]
		} else {
			g, _ := bigText(hd.big, sz.scale)
			glyphs = g[:]
		}
		top := (height - len(glyphs)) / 2
		for i, g := range glyphs {
			out[top+i] = style.Render(g)
		}
		if hd.unit != "" {
			out[top+len(glyphs)-1] += " " + st.dim.Render(hd.unit)
		}
		return out
	}
	out[height/2] = st.value.Render(hd.text)
	return out
}
