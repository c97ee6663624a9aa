package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"doradash/model"
)

// drillKind names one drill-down: the records behind a number or a list
// panel. metricDrills and focusDrills say which one each screen opens.
type drillKind int

const (
	drillFrequency drillKind = iota
	drillLeadTime
	drillFailure
	drillRestore
	drillRecovery
	drillIncidents
	drillDeploys
	numDrills
)

// metricDrills is the drill-down of each metric, opened from its detail
// screen.
var metricDrills = [numMetrics]drillKind{
	metricFrequency:   drillFrequency,
	metricLeadTime:    drillLeadTime,
	metricFailureRate: drillFailure,
	metricRestore:     drillRestore,
}

// focusDrills is the drill-down enter opens directly on a focused panel
// of the dashboard: the panels without a detail screen.
var focusDrills = map[focusID]drillKind{
	focusRecovery:  drillRecovery,
	focusIncidents: drillIncidents,
	focusDeploys:   drillDeploys,
}

// drillTitles head each drill-down's frame.
var drillTitles = [numDrills]string{
	"Deployment frequency · deployments per day",
	"Lead time for changes · changes",
	"Change failure rate · failing deployments",
	"Time to restore · incidents",
	"Failed deployment recovery time · incidents",
	"Incidents",
	"Deployments · counted in the window",
}

// drillRow is one line of a drill-down list: plain printable text
// (model.Printable), ids in full.
type drillRow struct {
	text string
	key  string  // text in lower case, for the filter
	head bool    // a heading (a day, a section), not a record
	secs float64 // the record's duration, for sorting by it
}

// drillList is one drill-down: a column header and the rows in time order
// and, for lists with durations, longest first.
type drillList struct {
	header string
	rows   []drillRow
	byDur  []drillRow // nil: no duration order
}

// population is every drill-down list of one snapshot, built off the UI
// goroutine. It is immutable.
type population struct {
	snap  *snapshot
	lists [numDrills]drillList
}

// populationMsg brings the population of snap.
type populationMsg struct{ pop *population }

// populationCmd builds the population of s in the command's goroutine, or
// takes the one another dashboard built for the same snapshot view.
func populationCmd(r Reports, s *snapshot) tea.Cmd {
	return func() tea.Msg {
		end := s.report.Window.End
		build := func() any { return buildPopulation(s, end) }
		if r == nil {
			return populationMsg{pop: build().(*population)}
		}
		key := fmt.Sprintf("ui.population|%s|%s", s.q.Key(), end.Location())
		pop, _ := r.Share(s.data, key, end, build).(*population)
		if pop == nil || pop.snap.data != s.data || !pop.snap.q.Equal(s.q) {
			pop = build().(*population)
		}
		// Another session's snapshot of the same view: the lists are the
		// same, the snapshot they belong to is this one.
		if pop.snap != s {
			cp := *pop
			cp.snap = s
			pop = &cp
		}
		return populationMsg{pop: pop}
	}
}

// buildPopulation formats the records behind the numbers of s's report.
func buildPopulation(s *snapshot, end time.Time) *population {
	p := s.report.Populations()
	loc := end.Location()
	pop := &population{snap: s}
	pop.lists[drillFrequency] = frequencyList(p.DeploymentFrequency, loc)
	pop.lists[drillLeadTime] = leadTimeList(p.LeadTime, loc)
	pop.lists[drillFailure] = failureList(p.ChangeFailureRate, loc)
	pop.lists[drillRestore] = restoreList(p.TimeToRestore, loc)
	pop.lists[drillRecovery] = recoveryList(p.FailedDeploymentRecoveryTime, loc)
	pop.lists[drillIncidents] = incidentList(p.Incidents, loc)
	pop.lists[drillDeploys] = deploymentList(p.DeploymentFrequency, loc)
	return pop
}

// stamp is a record's time: "Nov 19 14:05" in the clock's location.
func stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format("Jan 02 15:04") }

// columns lays out cells, each padded to its column's widest cell, the
// last one as it is.
type columns struct {
	cells [][]string
	head  []bool
	secs  []float64
}

func (c *columns) add(secs float64, cells ...string) {
	for i := range cells {
		cells[i] = model.Printable(cells[i])
	}
	c.cells = append(c.cells, cells)
	c.head = append(c.head, false)
	c.secs = append(c.secs, secs)
}

func (c *columns) heading(text string) {
	c.cells = append(c.cells, []string{model.Printable(text)})
	c.head = append(c.head, true)
	c.secs = append(c.secs, 0)
}

// rows pads the columns of the records; headings stay as they are.
func (c *columns) rows(header ...string) (string, []drillRow) {
	var w []int
	for i, row := range append([][]string{header}, c.cells...) {
		if i > 0 && c.head[i-1] {
			continue
		}
		for j, cell := range row {
			if j == len(w) {
				w = append(w, 0)
			}
			w[j] = max(w[j], textWidth(cell))
		}
	}
	join := func(cells []string) string {
		var b strings.Builder
		for j, cell := range cells {
			if j > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cell)
			if j < len(cells)-1 {
				b.WriteString(spaces(w[j] - textWidth(cell)))
			}
		}
		return strings.TrimRight(b.String(), " ")
	}
	out := make([]drillRow, len(c.cells))
	for i, cells := range c.cells {
		text := cells[0]
		if !c.head[i] {
			text = join(cells)
		}
		out[i] = drillRow{text: text, key: strings.ToLower(text), head: c.head[i], secs: c.secs[i]}
	}
	return join(header), out
}

func statusText(status string) string {
	switch status {
	case "rolled_back":
		return "↺ rolled back"
	case "failed":
		return "✗ failed"
	}
	return "✓ " + status
}

func frequencyList(p model.FrequencyPopulation, loc *time.Location) drillList {
	var c columns
	next := 0
	for _, day := range p.Daily {
		c.heading(stamp(day.Start, loc) + " → " + stamp(day.End, loc) + " · " + plural(day.Count, "deployment"))
		for ; next < len(p.Deployments) && !p.Deployments[next].FinishedAt.After(day.End); next++ {
			d := p.Deployments[next]
			c.add(0, "  "+stamp(d.FinishedAt, loc), d.ID, d.Service, d.Environment, statusText(d.Status))
		}
	}
	header, rows := c.rows("  finished", "deployment", "service", "environment", "status")
	return drillList{header: header, rows: rows}
}

func deploymentList(p model.FrequencyPopulation, loc *time.Location) drillList {
	var c columns
	for _, d := range slices.Backward(p.Deployments) {
		c.add(0, stamp(d.FinishedAt, loc), d.ID, d.Service, d.Environment, statusText(d.Status))
	}
	header, rows := c.rows("finished", "deployment", "service", "environment", "status")
	return drillList{header: header, rows: rows}
}

func leadTimeList(p model.LeadTimePopulation, loc *time.Location) drillList {
	var c columns
	for _, ch := range p.Changes {
		c.add(ch.Seconds, formatSeconds(ch.Seconds), ch.Service, ch.SHA, stamp(ch.CommittedAt, loc),
			stamp(ch.DeployedAt, loc), ch.DeploymentID)
	}
	header, rows := c.rows("lead", "service", "sha", "committed", "deployed", "first deployment")
	return drillList{header: header, rows: rows, byDur: longestFirst(rows)}
}

// longestFirst is rows with the records of each section (the rows between
// two headings) longest first; headings stay where they are.
func longestFirst(rows []drillRow) []drillRow {
	out := slices.Clone(rows)
	for start := 0; start < len(out); {
		if out[start].head {
			start++
			continue
		}
		end := start
		for end < len(out) && !out[end].head {
			end++
		}
		slices.SortStableFunc(out[start:end], func(a, b drillRow) int { return cmp.Compare(b.secs, a.secs) })
		start = end
	}
	return out
}

// linkText says which incidents link a failing deployment and how.
func linkText(links []model.FailureLink) string {
	if len(links) == 0 {
		return "rolled back, no incident"
	}
	parts := make([]string, len(links))
	for i, l := range links {
		how := "deployment_id"
		if l.ByTime {
			how = "by time"
		}
		parts[i] = model.Printable(l.IncidentID) + " (" + how + ")"
	}
	return strings.Join(parts, ", ")
}

func failureList(p model.FailurePopulation, loc *time.Location) drillList {
	var c columns
	for _, f := range p.Failures {
		status := "success"
		if f.RolledBack {
			status = "rolled back"
		}
		c.add(0, stamp(f.FinishedAt, loc), f.ID, f.Service, status, linkText(f.Links))
	}
	header, rows := c.rows("finished", "deployment", "service", "status", "linked incidents (how)")
	return drillList{header: header, rows: rows}
}

func restoreList(r model.RestorePopulation, loc *time.Location) drillList {
	var c columns
	c.heading(plural(len(r.Incidents), "resolved incident"))
	for _, in := range r.Incidents {
		c.add(in.Seconds, formatSeconds(in.Seconds), in.ID, sevLabel(in.Severity), in.Service,
			stamp(in.StartedAt, loc), stamp(in.ResolvedAt, loc), in.Title)
	}
	header, rows := c.rows("took", "incident", "sev", "service", "started", "resolved", "title")
	return drillList{header: header, rows: rows, byDur: longestFirst(rows)}
}

// recoveryList is failed deployment recovery time's incidents (SPEC §3):
// each with the deployment it counts from. Most name it by their
// deployment_id; the few linked by time say so in a last column, left
// empty otherwise so that the rows fit a desk terminal.
func recoveryList(f model.RecoveryPopulation, loc *time.Location) drillList {
	var c columns
	c.heading(plural(len(f.Incidents), "incident") + " after a failed deployment · linked by deployment_id unless marked by time")
	for _, in := range f.Incidents {
		how := ""
		if in.ByTime {
			how = "by time"
		}
		c.add(in.Seconds, formatSeconds(in.Seconds), in.ID, in.Service, in.DeploymentID, stamp(in.DeployedAt, loc),
			stamp(in.StartedAt, loc), stamp(in.ResolvedAt, loc), how)
	}
	header, rows := c.rows("took", "incident", "service", "deployment", "deployed", "started", "resolved", "")
	return drillList{header: header, rows: rows, byDur: longestFirst(rows)}
}

// ackText is when an incident was acknowledged, or "not acknowledged".
func ackText(at *time.Time, loc *time.Location) string {
	if at == nil {
		return "not acknowledged"
	}
	return stamp(*at, loc)
}

func incidentList(p model.IncidentPopulation, loc *time.Location) drillList {
	var c columns
	c.heading("OPEN · " + strconv.Itoa(len(p.Open)))
	for _, in := range p.Open {
		c.add(0, in.ID, sevLabel(in.Severity), in.Service, stamp(in.StartedAt, loc), "open", ackText(in.AcknowledgedAt, loc), in.Title)
	}
	c.heading("STARTED IN THE WINDOW · " + plural(len(p.Incidents), "incident"))
	for _, in := range p.Incidents {
		resolved := "open"
		if in.ResolvedAt != nil {
			resolved = stamp(*in.ResolvedAt, loc)
		}
		c.add(0, in.ID, sevLabel(in.Severity), in.Service, stamp(in.StartedAt, loc), resolved, ackText(in.AcknowledgedAt, loc), in.Title)
	}
	header, rows := c.rows("incident", "sev", "service", "started", "resolved", "acknowledged", "title")
	return drillList{header: header, rows: rows}
}
