package ui

import (
	"math"
	"strings"
)

// eighths are the bar tops from empty to full.
var eighths = [9]string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// chartLayout says how many of the series' last values a chart of w cells
// shows with colW cells per value.
func chartLayout(n, w, colW int) (shown int) {
	if colW < 1 {
		colW = 1
	}
	return min(n, w/colW)
}

// barChart draws the series as vertical bars h lines tall and exactly w
// cells wide, newest value at the right edge, colW cells per value (bars
// wider than two cells keep a one-cell gap). Missing (nil) and zero values
// leave the column empty; any positive value shows at least a sliver. The
// scale runs from zero to the largest value shown. The lines are plain
// text.
func barChart(series []*float64, w, h, colW int) []string {
	if w <= 0 || h <= 0 {
		return blank(w, h)
	}
	if colW < 1 {
		colW = 1
	}
	shown := chartLayout(len(series), w, colW)
	vals := series[len(series)-shown:]
	top := seriesMax(vals)
	barW := colW
	if colW >= 3 {
		barW = colW - 1
	}
	units := make([]int, len(vals))
	for i, v := range vals {
		if v == nil || *v <= 0 || top <= 0 || math.IsNaN(*v) {
			continue
		}
		units[i] = max(1, int(math.Ceil(*v/top*float64(h*8))))
	}
	lead := w - shown*colW
	out := make([]string, h)
	var b strings.Builder
	for r := range h {
		b.Reset()
		b.WriteString(spaces(lead))
		floor := (h - 1 - r) * 8
		for _, u := range units {
			lvl := min(max(u-floor, 0), 8)
			cell := eighths[lvl]
			for range barW {
				b.WriteString(cell)
			}
			b.WriteString(spaces(colW - barW))
		}
		out[r] = b.String()
	}
	return out
}

// seriesMax is the largest present value, 0 when there is none.
func seriesMax(vals []*float64) float64 {
	top := 0.0
	for _, v := range vals {
		if v != nil && *v > top {
			top = *v
		}
	}
	return top
}

// splitChart draws the previous window's series (prev) and the current
// one (cur) as one chart w wide and h tall on one scale, the previous
// window in the dim shade (not the chart colour) and behind a divider, so that it never reads as
// part of the current window; the current window has priority for the
// room. The lines are styled.
func (d *dashboard) splitChart(prev, cur []*float64, w, h int) []string {
	st := d.c.st
	if w <= 0 || h <= 0 {
		return blank(w, h)
	}
	// The previous window only where at least a week of it fits beside
	// the whole current window and the divider.
	keep := min(len(prev), w-len(cur)-1)
	if keep < 7 {
		keep = 0
	}
	series := make([]*float64, 0, keep+1+len(cur))
	if keep > 0 {
		series = append(series, prev[len(prev)-keep:]...)
		series = append(series, nil) // the divider's column
	}
	series = append(series, cur...)
	lines := barChart(series, w, h, 1)
	if keep == 0 {
		for i, l := range lines {
			lines[i] = st.chart.Render(l)
		}
		return lines
	}
	// Every cell of the plain lines is one rune one cell wide.
	split := w - len(cur) - 1 // the divider's column
	lead := max(0, w-len(series))
	for i, l := range lines {
		r := []rune(l)
		lines[i] = spaces(lead) + st.dim.Render(string(r[lead:split])) + st.dim.Render("│") + st.chart.Render(string(r[split+1:]))
	}
	return lines
}
