package ui

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"doradash/model"
)

// metricID names one of the four headline metrics; the order is the order
// of the tiles.
type metricID int

const (
	metricFrequency metricID = iota
	metricLeadTime
	metricFailureRate
	metricRestore
	numMetrics
)

// metricNames are the full names, as tile titles and in the text report.
var metricNames = [numMetrics]string{
	"Deployment frequency",
	"Lead time for changes",
	"Change failure rate",
	"Time to restore",
}

// metricMedium are the tile titles where the full name does not fit.
var metricMedium = [numMetrics]string{"Deploy frequency", "Lead time", "Change failure rate", "Time to restore"}

// metricShort are the names where a line has little room.
var metricShort = [numMetrics]string{"Deploys", "Lead time", "Failure rate", "Restore"}

// metricTiny are the abbreviations of the tiny layout.
var metricTiny = [numMetrics]string{"DF", "LT", "CFR", "TTR"}

// higherIsBetter says which direction counts as an improvement: only
// deployment frequency improves by going up.
var higherIsBetter = [numMetrics]bool{true, false, false, false}

// headline is one metric's headline figure, prepared for display.
type headline struct {
	value    *float64 // the compared number (per day, median seconds, rate); nil: no data
	big      string   // the value for the block font ("4h 12m", "7.1%", "2.3")
	unit     string   // a unit shown beside big in plain text ("per day"), may be ""
	text     string   // value and unit as one plain string ("2.3/day")
	tier     model.Tier
	prev     *float64
	series   []*float64 // daily series of the window, oldest first
	history  []*float64 // the previous window's series, then series
	popLabel string     // "42 deployments"
}

// headlines extracts the four headline figures of r.
func headlines(r *model.Report) [numMetrics]headline {
	var h [numMetrics]headline
	m := &r.Metrics
	var p *model.Metrics
	if r.Previous != nil {
		p = r.Previous
	}

	df := m.DeploymentFrequency
	h[metricFrequency] = frequencyHeadline(df)
	h[metricFrequency].series = intSeries(df.Daily)
	h[metricFrequency].popLabel = plural(df.Count, "deployment")
	if p != nil {
		h[metricFrequency].prev = frequencyValue(p.DeploymentFrequency)
	}

	h[metricLeadTime] = durationHeadline(m.LeadTime)
	h[metricLeadTime].series = m.DailyLeadTimeMedian
	h[metricLeadTime].popLabel = plural(m.LeadTime.Count, "change")
	if p != nil {
		h[metricLeadTime].prev = p.LeadTime.Median
	}

	cfr := m.ChangeFailureRate
	h[metricFailureRate] = headline{value: cfr.Rate, tier: tierOf(cfr.Tier)}
	h[metricFailureRate].text = formatRate(cfr.Rate)
	h[metricFailureRate].big = h[metricFailureRate].text
	h[metricFailureRate].series = m.DailyFailureRate
	h[metricFailureRate].popLabel = strconv.Itoa(cfr.Failures) + " of " + plural(cfr.Deployments, "deployment")
	if p != nil {
		h[metricFailureRate].prev = p.ChangeFailureRate.Rate
	}

	h[metricRestore] = durationHeadline(m.TimeToRestore)
	h[metricRestore].series = m.DailyRestoreMedian
	h[metricRestore].popLabel = plural(m.TimeToRestore.Count, "incident")
	if p != nil {
		h[metricRestore].prev = p.TimeToRestore.Median
	}

	for id := range numMetrics {
		h[id].history = h[id].series
	}
	if p != nil {
		prev := [numMetrics][]*float64{intSeries(p.DeploymentFrequency.Daily), p.DailyLeadTimeMedian,
			p.DailyFailureRate, p.DailyRestoreMedian}
		for id := range numMetrics {
			h[id].history = append(slices.Clip(prev[id]), h[id].series...)
		}
	}
	return h
}

// frequencyValue is the compared deployment frequency: per day, zero
// included (no deployments is a frequency, unlike a missing median).
func frequencyValue(df model.DeploymentFrequency) *float64 {
	v := df.PerDay
	return &v
}

func frequencyHeadline(df model.DeploymentFrequency) headline {
	h := headline{tier: tierOf(df.Tier)}
	v := df.PerDay
	if df.Count == 0 {
		h.text, h.big, h.unit = "none", "0", "deploys"
		zero := 0.0
		h.value = &zero
		return h
	}
	h.value = &v
	num, unit := frequencyParts(v)
	h.big, h.unit = num, "per "+unit
	h.text = num + "/" + unit
	return h
}

// frequencyParts picks the natural unit of a per-day rate: per day from one
// a day, per week from one a week, else per month.
func frequencyParts(perDay float64) (num, unit string) {
	switch {
	case perDay >= 1:
		return formatFloat1(perDay), "day"
	case perDay*7 >= 1:
		return formatFloat1(perDay * 7), "week"
	default:
		return formatFloat1(perDay * 30), "month"
	}
}

// formatFrequency is a per-day rate in its natural unit: "2.3/day".
func formatFrequency(perDay float64) string {
	num, unit := frequencyParts(perDay)
	return num + "/" + unit
}

// formatFloat1 keeps one decimal below 100 and none above.
func formatFloat1(v float64) string {
	if v >= 99.95 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func durationHeadline(s model.TieredStats) headline {
	h := headline{value: s.Median, tier: tierOf(s.Tier)}
	if s.Median == nil {
		h.text, h.big = "no data", "-"
		return h
	}
	h.text = formatSeconds(*s.Median)
	h.big = h.text
	return h
}

// tierOf dereferences a tier pointer; nil is TierNone.
func tierOf(t *model.Tier) model.Tier {
	if t == nil {
		return model.TierNone
	}
	return *t
}

func intSeries(xs []int) []*float64 {
	out := make([]*float64, len(xs))
	vals := make([]float64, len(xs))
	for i, x := range xs {
		vals[i] = float64(x)
		out[i] = &vals[i]
	}
	return out
}

// formatSeconds is a duration in seconds in natural units: "42s", "4m 12s",
// "47m", "4h 12m", "3d 4h", "45d".
func formatSeconds(sec float64) string {
	if math.IsNaN(sec) || sec < 0 {
		sec = 0
	}
	s := int64(math.Round(sec))
	if s < 60 {
		return strconv.FormatInt(s, 10) + "s"
	}
	if s < 600 {
		return pair(s/60, "m", s%60, "s")
	}
	if m := (s + 30) / 60; m < 60 {
		return strconv.FormatInt(m, 10) + "m"
	} else if m < 24*60 {
		return pair(m/60, "h", m%60, "m")
	}
	if h := (s + 1800) / 3600; h < 10*24 {
		return pair(h/24, "d", h%24, "h")
	}
	return strconv.FormatInt((s+43200)/86400, 10) + "d"
}

// pair formats "4h 12m", dropping a zero second part ("4h").
func pair(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return strconv.FormatInt(a, 10) + ua
	}
	return strconv.FormatInt(a, 10) + ua + " " + strconv.FormatInt(b, 10) + ub
}

// formatDuration is formatSeconds for a time.Duration.
func formatDuration(d time.Duration) string { return formatSeconds(d.Seconds()) }

// formatRate is a ratio as a percentage with one decimal: "7.1%".
func formatRate(r *float64) string {
	if r == nil {
		return "no data"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

// formatAvailability shows two decimals, cut rather than rounded, so that
// any downtime at all never reads as 100%.
func formatAvailability(a float64) string {
	if a >= 1 {
		return "100%"
	}
	if a < 0 {
		a = 0
	}
	return strconv.FormatFloat(math.Floor(a*10000)/100, 'f', 2, 64) + "%"
}

// formatStat formats an optional duration statistic.
func formatStat(v *float64) string {
	if v == nil {
		return "—"
	}
	return formatSeconds(*v)
}

// verdict says whether a change is an improvement.
type verdict int

const (
	verdictNone   verdict = iota // nothing to compare
	verdictSame                  // less than half a percent either way
	verdictBetter                // improved
	verdictWorse                 // got worse
)

// delta is the change of a metric against the previous window.
type delta struct {
	arrow   string // "▲", "▼", "=" or ""
	amount  string // "12%", or a reason there is none; "" from 0, where a percentage means nothing
	verdict verdict
}

// compare computes the change from prev to cur; up says whether higher is
// better.
func compare(cur, prev *float64, up bool) delta {
	switch {
	case cur == nil:
		return delta{amount: "no data"}
	case prev == nil:
		return delta{amount: noPrevious}
	}
	c, p := *cur, *prev
	if p == 0 {
		if c == 0 {
			return delta{arrow: "=", amount: "0%", verdict: verdictSame}
		}
		return delta{arrow: "▲", verdict: judge(true, up)}
	}
	pct := (c - p) / math.Abs(p) * 100
	if math.Abs(pct) < 0.5 {
		return delta{arrow: "=", amount: "0%", verdict: verdictSame}
	}
	d := delta{arrow: "▲", verdict: judge(pct > 0, up)}
	if pct < 0 {
		d.arrow = "▼"
	}
	a := math.Abs(pct)
	if a >= 999.5 {
		d.amount = ">999%"
	} else {
		d.amount = strconv.FormatFloat(a, 'f', 0, 64) + "%"
	}
	return d
}

func judge(rose, up bool) verdict {
	if rose == up {
		return verdictBetter
	}
	return verdictWorse
}

// word is the verdict in words, so that it reads without colour.
func (v verdict) word() string {
	switch v {
	case verdictBetter:
		return "better"
	case verdictWorse:
		return "worse"
	}
	return ""
}

// noPrevious is the delta's text when the previous window has no value.
const noPrevious = "no previous data"

// fit is the longest wording of the delta that fits w cells, dropping
// words rather than cutting the number: "▲ 12% better", else "▲ 12%",
// else "▲" (and "" when not even that fits).
func (d delta) fit(w int) string {
	if t := d.text(); textWidth(t) <= w {
		return t
	}
	short := d
	short.verdict = verdictNone
	if t := short.text(); textWidth(t) <= w {
		return t
	}
	if d.arrow == "" && d.amount == noPrevious {
		for _, t := range []string{"no prev data", "no prev"} {
			if textWidth(t) <= w {
				return t
			}
		}
	}
	if textWidth(d.arrow) <= w {
		return d.arrow
	}
	return ""
}

// text is the whole delta as plain text: "▲ 12% better".
func (d delta) text() string {
	parts := make([]string, 0, 3)
	if d.arrow != "" {
		parts = append(parts, d.arrow)
	}
	if d.amount != "" {
		parts = append(parts, d.amount)
	}
	if w := d.verdict.word(); w != "" {
		parts = append(parts, w)
	}
	return strings.Join(parts, " ")
}

// tierMarks shows a tier as filled dots so that it reads without colour.
func tierMarks(t model.Tier) string {
	switch t {
	case model.TierElite:
		return "●●●●"
	case model.TierHigh:
		return "●●●○"
	case model.TierMedium:
		return "●●○○"
	case model.TierLow:
		return "●○○○"
	}
	return "○○○○"
}

// tierWord is the tier's name, or "no tier".
func tierWord(t model.Tier) string {
	if t == model.TierNone {
		return "no tier"
	}
	return string(t)
}

// plural is "1 change", "3 changes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// windowLabel is "last 30 days" or "last 24 hours".
func windowLabel(days int) string {
	if days == 1 {
		return "last 24 hours"
	}
	return "last " + strconv.Itoa(days) + " days"
}

// ago is how long ago t was, at the resolution the text shows: seconds
// under a minute, minutes under a day, hours under ten days, then days
// ("42s", "1h 59m", "2d 7h", "12d"). Truncated, never rounded, so that the
// text changes exactly at the instants nextAgeChange names.
func ago(now, t time.Time) string {
	return formatDuration(max(0, now.Sub(t)).Truncate(ageStep(now.Sub(t))))
}

// ageStep is the resolution ago shows for an age of d.
func ageStep(d time.Duration) time.Duration {
	switch {
	case d < time.Minute:
		return time.Second
	case d < 24*time.Hour:
		return time.Minute
	case d < 10*24*time.Hour:
		return time.Hour
	}
	return 24 * time.Hour
}

// nextAgeChange is the first instant after now at which ago(·, t) reads
// differently.
func nextAgeChange(now, t time.Time) time.Time {
	d := max(0, now.Sub(t))
	step := ageStep(d)
	return t.Add(d.Truncate(step) + step)
}
