package ui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"doradash/model"
)

// snapshot is everything the screen shows of one computation: the report
// and the lists, prepared off the UI goroutine. It is immutable.
type snapshot struct {
	q        model.Query // End zero: the report's window says when
	data     *model.Dataset
	report   *model.Report
	heads    [numMetrics]headline
	resolved []resolvedRow
	deploys  []deployRow
	items    []deployItem // deploys grouped by day, for display
	services []string     // every service in the dataset, raw, for the s key (an exact-match filter)
	cov      coverage     // how complete data was: figures are marked unless full
	acks     []time.Time  // when each open incident was acknowledged; zero: not (acks.go)
}

// deployItem is one line of the deployments feed: a day heading (row −1)
// or deploys[row].
type deployItem struct {
	day time.Time // midnight of the day in the clock's location
	row int
}

// resolvedRow is a recently resolved incident. Its texts are for display:
// made printable (model.Printable).
type resolvedRow struct {
	severity          model.Severity
	service, title    string
	started, resolved time.Time
}

// deployRow is one line of the deployments feed. Its texts are for
// display: made printable (model.Printable); filters compare the records.
type deployRow struct {
	id, service, env string
	at               time.Time
	status           model.Status
	lead             *float64 // median seconds from commit to this deployment; nil without commits
}

// buildSnapshot computes the report of q over ds as of end, and the feeds.
// It runs in a command goroutine, never on the UI goroutine.
func buildSnapshot(ds *model.Dataset, q model.Query, end time.Time, cov coverage) *snapshot {
	if ds == nil {
		ds = model.Merge()
	}
	at := q
	at.End = end
	r := model.Compute(ds, at)
	s := &snapshot{
		q:        q,
		data:     ds,
		report:   r,
		heads:    headlines(r),
		resolved: resolvedRows(r.RecentlyResolved),
		deploys:  deployRows(r.LatestDeployments),
		services: ds.Services(),
		cov:      cov,
	}
	s.items = groupByDay(s.deploys, end.Location())
	s.acks = make([]time.Time, len(r.OpenIncidents))
	for i, in := range r.OpenIncidents {
		if in.AcknowledgedAt != nil {
			s.acks[i] = *in.AcknowledgedAt
		}
	}
	return s
}

// resolvedRows are the report's recently resolved incidents for display.
func resolvedRows(in []model.IncidentView) []resolvedRow {
	rows := make([]resolvedRow, len(in))
	for i, v := range in {
		rows[i] = resolvedRow{severity: v.Severity, service: model.Printable(v.Service),
			title: model.Printable(v.Title), started: v.StartedAt, resolved: *v.ResolvedAt}
	}
	return rows
}

// deployRows are the report's latest deployments for display.
func deployRows(ds []model.LatestDeployment) []deployRow {
	rows := make([]deployRow, len(ds))
	for i, d := range ds {
		rows[i] = deployRow{id: model.Printable(d.ID), service: model.Printable(d.Service), env: model.Printable(d.Environment),
			at: d.FinishedAt, status: d.Status, lead: d.CommitLead}
	}
	return rows
}

// groupByDay puts a day heading before the first deployment of each day.
func groupByDay(rows []deployRow, loc *time.Location) []deployItem {
	items := make([]deployItem, 0, len(rows)+8)
	var last time.Time
	for i, r := range rows {
		t := r.at.In(loc)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if !day.Equal(last) {
			items = append(items, deployItem{day: day, row: -1})
			last = day
		}
		items = append(items, deployItem{day: day, row: i})
	}
	return items
}

// Messages. Results of computations carry the id of their request so that
// results of superseded requests are dropped.
type (
	versionMsg    struct{ v *model.Version }
	feedClosedMsg struct{}
	computedMsg   struct {
		id   uint64
		snap *snapshot
	}
	tickMsg struct {
		t  time.Time
		at time.Time // the instant it was scheduled for (the model's clock)
	}
)

// waitVersion waits for the next version on ch. The model re-arms it after
// every version; it ends when the feed closes ch, which the feed does once
// the model's context is cancelled.
func waitVersion(ch <-chan *model.Version) tea.Cmd {
	return func() tea.Msg {
		v, ok := <-ch
		if !ok {
			return feedClosedMsg{}
		}
		return versionMsg{v: v}
	}
}

// computeCmd builds the snapshot in the command's own goroutine, or takes
// the one another dashboard built for the same view (r; nil: none). A
// snapshot depends on the data, the query, the end and its location, and
// the coverage; nothing of the session (size, focus, styles) is in it.
func computeCmd(r Reports, id uint64, ds *model.Dataset, q model.Query, end time.Time, cov coverage) tea.Cmd {
	return func() tea.Msg {
		if r == nil {
			return computedMsg{id: id, snap: buildSnapshot(ds, q, end, cov)}
		}
		key := fmt.Sprintf("ui.snapshot|%s|%d|%s", q.Key(), cov, end.Location())
		snap, _ := r.Share(ds, key, end, func() any { return buildSnapshot(ds, q, end, cov) }).(*snapshot)
		if snap == nil { // the sharing failed: compute alone
			snap = buildSnapshot(ds, q, end, cov)
		}
		return computedMsg{id: id, snap: snap}
	}
}

// newTick makes the tick scheduled for at, d from now; tests replace it.
var newTick = tickAfter

// tickAfter fires after d, for the change on screen due at at.
func tickAfter(d time.Duration, at time.Time) tea.Cmd {
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg{t: t, at: at} })
}
