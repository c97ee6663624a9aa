package ui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"doradash/model"
)

// definitions say in one sentence what each metric measures.
var definitions = [numMetrics]string{
	"How often changes reach production: deployments that shipped (succeeded or were rolled back) per day of the window.",
	"How long a change takes to reach production: from each commit to the first deployment that shipped it, for changes first deployed in the window.",
	"The share of shipped deployments in the window that were rolled back or caused an incident.",
	"How long it takes to restore service: from the start of each incident that began in the window to its resolution.",
}

// seriesNames title the detail chart.
var seriesNames = [numMetrics]string{
	"deployments per day", "median lead time per day", "change failure rate per day", "median time to restore per day",
}

// detail is the screen of one metric: its definition, population,
// statistics, tier thresholds and its daily series as a large chart.
type detail struct {
	c      *common
	metric metricID
}

// view draws the detail screen body, w×h.
func (d *detail) view(w, h int, size sizeClass) []string {
	st := d.c.st
	s := d.c.snap
	if s == nil || h < 3 {
		return blank(w, h)
	}
	iw := w - 4
	hd := s.heads[d.metric]
	var inner []string
	for _, line := range strings.Split(ansi.Wordwrap(definitions[d.metric], iw, ""), "\n") {
		inner = append(inner, st.dim.Render(line))
	}
	head := d.headlineLine(hd, iw)
	switch s.cov {
	case coverageNone:
		head = st.value.Render("—") + "   " + st.warn.Render("no data yet")
	case coveragePartial:
		head = d.headlineLine(hd, iw-len(" partial")) + " " + st.warn.Render("partial")
	}
	inner = append(inner, "", head)
	inner = append(inner, d.figures(s.report)...)
	inner = append(inner, "tiers       "+d.thresholds(hd.tier))
	if chartH := h - 2 - len(inner) - 2; chartH >= 3 {
		inner = append(inner, "", st.title.Render(seriesNames[d.metric]+", "+windowLabel(s.q.Days)))
		inner = append(inner, d.chart(hd.series, s.report.Window, iw, chartH, size)...)
	}
	return st.frame(st.accent.Render(metricNames[d.metric]), "enter records · esc back", inner, w, h, false)
}

// headlineLine is value, tier and the change against the previous window.
func (d *detail) headlineLine(hd headline, w int) string {
	st := d.c.st
	dl := compare(hd.value, hd.prev, higherIsBetter[d.metric])
	line := st.value.Render(hd.text) + "   " + st.tierStyle(hd.tier).Render(tierMarks(hd.tier)+" "+tierWord(hd.tier)) +
		"   " + st.verdictStyle(dl.verdict).Render(dl.text())
	if hd.prev != nil {
		line += st.dim.Render(" vs previous " + strconv.Itoa(d.c.snap.q.Days) + " days (" + metricValue(d.metric, *hd.prev) + ")")
	}
	return fit(line, w)
}

// metricValue formats a headline value of metric id.
func metricValue(id metricID, v float64) string {
	switch id {
	case metricFrequency:
		return formatFrequency(v)
	case metricFailureRate:
		return formatRate(&v)
	}
	return formatSeconds(v)
}

// figures are the population and its statistics.
func (d *detail) figures(r *model.Report) []string {
	row := func(label, text string) string { return d.c.st.dim.Render(fit(label, 12)) + text }
	switch d.metric {
	case metricFrequency:
		df := r.DeploymentFrequency
		md, mn, p90 := seriesStats(intSeries(df.Daily))
		return []string{
			row("population", plural(df.Count, "deployment")+" · "+formatFloat1(df.PerWeek)+" per week · deployed on "+
				strconv.Itoa(df.DeployDays)+" of "+plural(len(df.Daily), "day")),
			row("per day", "median "+formatCount(md)+" · mean "+formatCount(mn)+" · p90 "+formatCount(p90)),
		}
	case metricFailureRate:
		cfr := r.ChangeFailureRate
		md, mn, p90 := seriesStats(r.DailyFailureRate)
		return []string{
			row("population", plural(cfr.Deployments, "deployment")+" · "+strconv.Itoa(cfr.Failures)+" rolled back or caused an incident"),
			row("per day", "median "+formatRate(md)+" · mean "+formatRate(mn)+" · p90 "+formatRate(p90)),
		}
	case metricLeadTime:
		lt := r.LeadTime
		return []string{
			row("population", plural(lt.Count, "change")),
			row("statistics", statsText(lt.Stats)),
		}
	}
	ttr, fdrt := r.TimeToRestore, r.FailedDeploymentRecoveryTime
	return []string{
		row("population", plural(ttr.Count, "resolved incident")),
		row("statistics", statsText(ttr.Stats)),
		row("recovery", "failed deployment recovery "+statsText(fdrt.Stats)+" over "+plural(fdrt.Count, "incident")+
			" ("+tierWord(tierOf(fdrt.Tier))+")"),
	}
}

func statsText(s model.Stats) string {
	return "median " + formatStat(s.Median) + " · mean " + formatStat(s.Mean) + " · p90 " + formatStat(s.P90)
}

// formatCount is a per-day count: "2", "2.5".
func formatCount(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// seriesStats are the median, mean and nearest-rank p90 of the present
// values of a daily series; nil when none is present.
func seriesStats(series []*float64) (md, mean, p90 *float64) {
	var xs []float64
	for _, v := range series {
		if v != nil {
			xs = append(xs, *v)
		}
	}
	if len(xs) == 0 {
		return nil, nil, nil
	}
	st := model.SeriesStats(xs)
	m := math.Round(*st.Mean*100) / 100
	return st.Median, &m, st.P90
}

// thresholds lists the tier thresholds of SPEC §4, the current tier
// marked.
func (d *detail) thresholds(cur model.Tier) string {
	var parts [4]string
	switch d.metric {
	case metricFrequency:
		parts = [4]string{"≥ 1/day", "≥ 1/week", "≥ 1/month", "below"}
	case metricFailureRate:
		parts = [4]string{"≤ 5%", "≤ 10%", "≤ 15%", "above"}
	default:
		b := model.LeadTimeBounds()
		if d.metric == metricRestore {
			b = model.RestoreBounds()
		}
		parts = [4]string{"< " + formatSeconds(b[0]), "< " + formatSeconds(b[1]), "< " + formatSeconds(b[2]), "otherwise"}
	}
	st := d.c.st
	tiers := [4]model.Tier{model.TierElite, model.TierHigh, model.TierMedium, model.TierLow}
	out := make([]string, 4)
	for i, t := range tiers {
		text := string(t) + " " + parts[i]
		if t == cur {
			out[i] = st.tierStyle(t).Render("[" + text + "]")
		} else {
			out[i] = st.dim.Render(text)
		}
	}
	return strings.Join(out, st.dim.Render(" · "))
}

// chart draws the daily series with a value axis on the left and the
// first and last day below, h lines in all.
func (d *detail) chart(series []*float64, win model.Window, w, h int, size sizeClass) []string {
	st := d.c.st
	if len(series) == 0 {
		return nil
	}
	barsH := h - 2
	top := seriesMax(series)
	topLabel, midLabel := d.axisLabel(top), ""
	mid := -1
	if barsH >= 5 {
		// The middle row's top edge sits at half the scale when the
		// rows are even; label the row closest to it.
		mid = barsH / 2
		midLabel = d.axisLabel(top * float64(barsH-mid) / float64(barsH))
	}
	labelW := max(textWidth(topLabel), textWidth(midLabel), 1)
	cw := w - labelW - 1
	maxCol := 6
	if size == sizeWall {
		maxCol = 10
	}
	colW := max(1, min(cw/len(series), maxCol))
	shown := chartLayout(len(series), cw, colW)
	bars := barChart(series, cw, barsH, colW)
	out := make([]string, 0, h)
	for i, line := range bars {
		label := ""
		switch i {
		case 0:
			label = topLabel
		case mid:
			label = midLabel
		case barsH - 1:
			label = "0"
		}
		out = append(out, st.dim.Render(fitRight(label, labelW)+"┤")+st.chart.Render(line))
	}
	out = append(out, st.dim.Render(spaces(labelW)+"└"+strings.Repeat("─", max(0, cw))))
	loc := d.c.now.Location()
	first := win.Start.Add(time.Duration(len(series)-shown+1) * 24 * time.Hour).In(loc).Format("Jan 2")
	last := win.End.In(loc).Format("Jan 2")
	lead := cw - shown*colW
	axis := spaces(labelW+1+lead) + first
	out = append(out, st.dim.Render(spread(axis, last, labelW+1+cw)))
	return out
}

// axisLabel formats the top of the value axis.
func (d *detail) axisLabel(v float64) string {
	switch d.metric {
	case metricFrequency:
		// Counts per day: whole numbers stay whole, a mid-scale value
		// gets one decimal at most.
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	case metricFailureRate:
		return formatRate(&v)
	}
	return formatSeconds(v)
}
