package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"doradash/model"
)

// WriteText writes the report for a person at a terminal (`doradash snapshot --format text`): each metric with value, natural unit (`2.3/day`, `4h 12m`, `7.1%`), tier, change against the previous window, and the open incidents; colour only when color is true.
func WriteText(w io.Writer, r *model.Report, color bool) error {
	if r == nil {
		return fmt.Errorf("write text report: no report")
	}
	// The 16 basic colours follow the terminal's own palette, so the report
	// reads on light and dark backgrounds alike.
	profile := termenv.Ascii
	if color {
		profile = termenv.ANSI
	}
	re := lipgloss.NewRenderer(io.Discard)
	re.SetColorProfile(profile)
	re.SetHasDarkBackground(true)
	t := textReport{st: newStyles(re), r: r}
	t.write()
	if _, err := io.WriteString(w, t.b.String()); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

// textReport builds the plain-text report.
type textReport struct {
	st      *styles
	r       *model.Report
	b       strings.Builder
	cov     coverage // how complete the data was
	noData  []string // the sources with no data yet
	partial []string // the sources with part of their first read: "github syncing (412 deployments, page 5)"
}

func (t *textReport) line(parts ...string) {
	for _, p := range parts {
		t.b.WriteString(p)
	}
	t.b.WriteByte('\n')
}

func (t *textReport) write() {
	st, r := t.st, t.r
	t.line(st.accent.Render("doradash"), "  ", st.title.Render("DORA metrics, "+windowLabel(r.Window.Days)), "  ",
		st.dim.Render(r.Window.Start.UTC().Format("2006-01-02 15:04")+" → "+r.Window.End.UTC().Format("2006-01-02 15:04")+" UTC"))
	// Compute fills the filters in: the environments in force, the
	// default ones when none were asked for.
	envs := r.Filters.Environments
	svc := "all"
	if len(r.Filters.Services) > 0 {
		svc = printableList(r.Filters.Services, ", ")
	}
	t.line(st.dim.Render("environments " + printableList(envs, ", ") + " · services " + svc))
	t.coverage()
	switch t.cov {
	case coverageNone:
		t.line(st.warn.Render("⚠ no data yet from any source (" + strings.Join(t.noData, ", ") + "): no figures"))
	case coveragePartial:
		var why []string
		if len(t.noData) > 0 {
			why = append(why, "no data yet from "+strings.Join(t.noData, ", "))
		}
		why = append(why, t.partial...)
		t.line(st.warn.Render("⚠ partial: " + strings.Join(why, "; ") + "; the figures below lack their records"))
	}
	t.line()
	t.metrics()
	t.line()
	t.incidents()
	t.line()
	t.open()
	if len(r.Sources) > 0 {
		t.line()
		t.sources()
	}
}

// coverage notes the sources of the report with no data yet and those
// with part of their first read (syncing, or rate limited during it).
func (t *textReport) coverage() {
	for _, s := range t.r.Sources {
		switch {
		case noData(s.LastSuccess == nil, s.State, s.Deployments+s.Incidents):
			t.noData = append(t.noData, s.Name)
		case s.State == model.SourceSyncing && s.Progress != "":
			t.partial = append(t.partial, s.Name+" syncing ("+oneLine(s.Progress)+")")
		case s.State == model.SourceSyncing:
			t.partial = append(t.partial, s.Name+" syncing")
		case s.LastSuccess == nil:
			t.partial = append(t.partial, s.Name+" "+stateWord(s.State)+" during its first read")
		}
	}
	t.cov = coverageFrom(len(t.noData), len(t.noData)+len(t.partial), len(t.r.Sources))
}

// metrics writes one aligned line per metric.
func (t *textReport) metrics() {
	st, r := t.st, t.r
	heads := headlines(r)
	names := [...]string{"Deployment frequency", "Lead time for changes", "Change failure rate", "Time to restore",
		"Failed deployment recovery"}
	type row struct {
		name, value string
		tier        model.Tier
		dl          delta
		prev        string
		detail      string
	}
	rows := make([]row, 0, 5)
	for id := range numMetrics {
		hd := heads[id]
		rw := row{name: names[id], value: hd.text, tier: hd.tier,
			dl: compare(hd.value, hd.prev, higherIsBetter[id]), detail: t.metricDetail(id)}
		if hd.prev != nil {
			rw.prev = metricValue(id, *hd.prev)
		}
		rows = append(rows, rw)
	}
	fd := r.FailedDeploymentRecoveryTime
	fh := durationHeadline(fd)
	frow := row{name: names[4], value: fh.text, tier: fh.tier, detail: "median of " + plural(fd.Count, "incident") + " caused by a deployment"}
	if r.Previous != nil {
		frow.dl = compare(fd.Median, r.Previous.FailedDeploymentRecoveryTime.Median, false)
		if p := r.Previous.FailedDeploymentRecoveryTime.Median; p != nil {
			frow.prev = formatSeconds(*p)
		}
	} else {
		frow.dl = compare(fd.Median, nil, false)
	}
	rows = append(rows, frow)
	for i := range rows {
		switch t.cov {
		case coverageNone:
			rows[i] = row{name: rows[i].name, value: "—", tier: model.TierNone, detail: "no data yet"}
		case coveragePartial:
			rows[i].detail = "partial · " + rows[i].detail
		}
	}

	nameW, valW, tierW, dlW := 0, 0, 0, 0
	for _, rw := range rows {
		nameW = max(nameW, textWidth(rw.name))
		tierW = max(tierW, textWidth(tierMarks(rw.tier)+" "+tierWord(rw.tier)))
		valW = max(valW, textWidth(rw.value))
		dlW = max(dlW, textWidth(changeText(rw.dl, rw.prev)))
	}
	for _, rw := range rows {
		t.line("  ", st.title.Render(fit(rw.name, nameW)), "  ", st.value.Render(fit(rw.value, valW)), "  ",
			st.tierStyle(rw.tier).Render(fit(tierMarks(rw.tier)+" "+tierWord(rw.tier), tierW)), "  ",
			st.verdictStyle(rw.dl.verdict).Render(fit(changeText(rw.dl, rw.prev), dlW)), "  ",
			st.dim.Render(rw.detail))
	}
}

// changeText is the change with the previous value: "▲ 12% better (was
// 2.1/day)".
func changeText(d delta, prev string) string {
	if prev == "" || d.verdict == verdictNone {
		return d.text()
	}
	return d.text() + " (was " + prev + ")"
}

// metricDetail is the population and statistics behind a headline.
func (t *textReport) metricDetail(id metricID) string {
	r := t.r
	switch id {
	case metricFrequency:
		df := r.DeploymentFrequency
		return plural(df.Count, "deployment") + " · " + formatFloat1(df.PerWeek) + "/week · deployed on " +
			strconv.Itoa(df.DeployDays) + " of " + plural(len(df.Daily), "day")
	case metricLeadTime:
		return "median of " + plural(r.LeadTime.Count, "change") + " · mean " + formatStat(r.LeadTime.Mean) +
			" · p90 " + formatStat(r.LeadTime.P90)
	case metricFailureRate:
		return strconv.Itoa(r.ChangeFailureRate.Failures) + " of " + plural(r.ChangeFailureRate.Deployments, "deployment") +
			" rolled back or caused an incident"
	}
	return "median of " + plural(r.TimeToRestore.Count, "incident") + " · mean " + formatStat(r.TimeToRestore.Mean) +
		" · p90 " + formatStat(r.TimeToRestore.P90)
}

// incidents writes the window's incident figures.
func (t *textReport) incidents() {
	st, in := t.st, t.r.Incidents
	t.line(st.title.Render("Incidents"))
	sev := make([]string, 0, 6)
	for _, k := range []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"} {
		sev = append(sev, k+" "+strconv.Itoa(in.BySeverity[k]))
	}
	t.line("  ", plural(in.Total, "incident"), " started in the window, ", strconv.Itoa(in.Open), " open",
		st.dim.Render("  ("+strings.Join(sev, " · ")+")"))
	t.line("  ", st.dim.Render("time to detect       "), statsLine(in.TimeToDetect))
	t.line("  ", st.dim.Render("time to acknowledge  "), statsLine(in.TimeToAcknowledge))
	if t.cov == coverageNone {
		t.line("  ", st.dim.Render("downtime             "), "—", st.dim.Render(" · availability "), "—")
		return
	}
	t.line("  ", st.dim.Render("downtime             "), formatSeconds(in.DowntimeSeconds),
		st.dim.Render(" · availability "), formatAvailability(in.Availability), partialMark(st, t.cov))
}

func statsLine(s model.Stats) string {
	if s.Count == 0 {
		return "no data"
	}
	return statsText(s) + " (" + plural(s.Count, "incident") + ")"
}

// open writes the open incidents with how long they have been open.
func (t *textReport) open() {
	st, r := t.st, t.r
	if len(r.OpenIncidents) == 0 {
		t.line(st.better.Render("No open incidents."))
		return
	}
	t.line(st.bad.Render("Open incidents (" + strconv.Itoa(len(r.OpenIncidents)) + ")"))
	svcW := 0
	for _, in := range r.OpenIncidents {
		svcW = max(svcW, textWidth(model.Printable(in.Service)))
	}
	for _, in := range r.OpenIncidents {
		title := in.Title
		if title == "" {
			title = in.ID
		}
		t.line("  ", st.sevStyle(in.Severity).Render(sevLabel(in.Severity)), "  ", fit(model.Printable(in.Service), svcW), "  ",
			model.Printable(title),
			st.dim.Render("  open "+ago(r.Window.End, in.StartedAt)+" · since "+in.StartedAt.UTC().Format("2006-01-02 15:04 UTC")))
	}
}

// sources writes each source's health.
func (t *textReport) sources() {
	st := t.st
	t.line(st.title.Render("Sources"))
	nameW := 0
	for _, s := range t.r.Sources {
		nameW = max(nameW, textWidth(s.Name))
	}
	stateW := stateWidth(t.r.Sources, func(s *model.SourceReport) model.SourceState { return s.State })
	for _, s := range t.r.Sources {
		state := s.State
		if state == "" {
			state = model.SourceOK
			if !s.OK {
				state = model.SourceFailing
			}
		}
		parts := []string{plural(s.Deployments, "deployment"), plural(s.Incidents, "incident"), strconv.Itoa(s.Rejected) + " rejected"}
		if s.LastSuccess != nil {
			parts = append(parts, "last success "+s.LastSuccess.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		// What the source is doing comes first.
		switch {
		case state == model.SourceSyncing && s.Progress != "":
			parts = append([]string{"syncing: " + oneLine(s.Progress)}, parts...)
		case state == model.SourceRateLimited && s.RateLimitedUntil != nil:
			// UTC, as every time of this report.
			parts = append([]string{"rate limited until " + s.RateLimitedUntil.UTC().Format("2006-01-02 15:04 UTC")}, parts...)
		}
		line := []string{"  ", st.stateStyle(state).Render(stateGlyph(state) + " " + fit(stateWord(state), stateW)), " ",
			fit(s.Name, nameW), "  ", st.dim.Render(s.Type + " · " + strings.Join(parts, " · "))}
		if s.Error != nil {
			line = append(line, st.bad.Render(" · error: "+oneLine(*s.Error)))
		}
		t.line(line...)
		if s.FirstRejection != nil {
			t.line("    ", st.dim.Render(strings.Repeat(" ", nameW+stateW+3)+"first rejected: "+oneLine(*s.FirstRejection)))
		}
	}
}
