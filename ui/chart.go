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
