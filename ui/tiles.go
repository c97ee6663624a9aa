package ui

import (
	"strconv"
	"time"
)

// tiles draws the four headline tiles side by side across the full width,
// from the cache when neither the snapshot, the size nor the focus changed.
func (d *dashboard) tiles(l layout) []string {
	key := panelKey{snap: d.c.snap, r: l.tiles, size: l.size, focus: d.focus}
	return d.cache.tiles.get(key, d.c.now, func() ([]string, time.Time) { return d.buildTiles(l), time.Time{} })
}

func (d *dashboard) buildTiles(l layout) []string {
	r := l.tiles
	if r.h <= 0 {
		return nil
	}
	blocks := make([][]string, numMetrics)
	for i := range numMetrics {
		blocks[i] = d.tile(i, tileWidth(i, r.w), r.h, l.size == sizeWall)
	}
	return joinH(blocks...)
}

// tileWidth is the width of tile i in a row w wide: the last tiles take
// the columns left over.
func tileWidth(i metricID, w int) int {
	tw := w / int(numMetrics)
	if int(i) >= int(numMetrics)-w%int(numMetrics) {
		tw++
	}
	return tw
}

// tile is one headline: value, tier, change and the daily series. The
// wall layout draws the value in large digits and a taller chart.
func (d *dashboard) tile(id metricID, w, h int, wall bool) []string {
	st := d.c.st
	hd := d.c.snap.heads[id]
	iw := w - 4
	title := metricNames[id]
	if textWidth(title) > w-6 {
		title = metricMedium[id]
	}
	note := ""
	switch d.c.snap.cov {
	case coverageNone:
		// Nothing is known yet: no figure, rather than zeros that read
		// as facts.
		inner := []string{st.value.Render("—"), st.warn.Render("no data yet")}
		return st.frame(st.title.Render(title), "", inner, w, h, d.focus == focusID(id))
	case coveragePartial:
		note = st.warn.Render("partial")
	}
	inner := make([]string, 0, h)
	tier := st.tierStyle(hd.tier).Render(tierMarks(hd.tier) + " " + tierWord(hd.tier))
	if wall {
		inner = append(inner, d.bigValue(hd, iw)...)
		inner = append(inner, "")
		inner = append(inner, spread(tier, st.dim.Render(hd.popLabel), iw))
	} else {
		inner = append(inner, spread(st.value.Render(hd.text), st.dim.Render(hd.popLabel), iw), tier)
	}
	inner = append(inner, d.deltaText(id, hd, iw))
	chartH := h - 2 - len(inner)
	series := hd.series
	if wall {
		// More history: the previous window too, as far as it fits.
		series = hd.history
	}
	for _, line := range barChart(series, iw, chartH, 1) {
		inner = append(inner, st.chart.Render(line))
	}
	return st.frame(st.title.Render(title), note, inner, w, h, d.focus == focusID(id))
}

// deltaText is the change against the previous window: arrow, percent and
// the verdict in words, coloured green when it improved.
func (d *dashboard) deltaText(id metricID, hd headline, w int) string {
	st := d.c.st
	dl := compare(hd.value, hd.prev, higherIsBetter[id])
	text := st.verdictStyle(dl.verdict).Render(dl.fit(w))
	suffix := " vs previous " + strconv.Itoa(d.c.snap.q.Days) + "d"
	if dl.verdict != verdictNone && textWidth(dl.text())+textWidth(suffix) <= w {
		text += st.dim.Render(suffix)
	}
	return text
}

// bigValue draws the value in the block font, as large as fits, with the
// unit in plain text beside the baseline; plain text when even the small
// font does not fit.
func (d *dashboard) bigValue(hd headline, w int) []string {
	st := d.c.st
	style := st.tierStyle(hd.tier)
	unitW := 0
	if hd.unit != "" {
		unitW = 1 + textWidth(hd.unit)
	}
	for _, scale := range []int{2, 1} {
		bw := bigWidth(hd.big, scale)
		if bw < 0 || bw+unitW > w {
			continue
		}
		glyphs, _ := bigText(hd.big, scale)
		out := make([]string, bigHeight)
		for i, g := range glyphs {
			out[i] = style.Render(g)
		}
		if hd.unit != "" {
			out[bigHeight-1] += " " + st.dim.Render(hd.unit)
		}
		return out
	}
	out := make([]string, bigHeight)
	out[bigHeight/2] = st.value.Render(hd.text)
	return out
}
