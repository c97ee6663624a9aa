package ui

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"doradash/model"
)

// Feed rows kept for scrolling; more is never useful on one screen.
const (
	maxDeployRows   = 500
	maxResolvedRows = 200
)

// query is what the dashboard asks for: the window and the filters.
type query struct {
	days     int
	envs     []string
	services []string // empty: all
	dms      int
	link     time.Duration
}

// equal says whether q and o ask for the same thing.
func (q query) equal(o query) bool {
	return q.days == o.days && q.dms == o.dms && q.link == o.link && slices.Equal(q.envs, o.envs) && slices.Equal(q.services, o.services)
}

// at is the model.Query for a window ending at end.
func (q query) at(end time.Time) model.Query {
	return model.Query{End: end, Days: q.days, Environments: q.envs,
		Services: q.services, DowntimeMaxSeverity: q.dms, LinkWithin: q.link}
}

// snapshot is everything the screen shows of one computation: the report
// and the lists, prepared off the UI goroutine. It is immutable.
type snapshot struct {
	q        query
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
	severity, service, title string
	started, resolved        time.Time
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
func buildSnapshot(ds *model.Dataset, q query, end time.Time, cov coverage) *snapshot {
	if ds == nil {
		ds = model.Merge()
	}
	r := model.Compute(ds, q.at(end))
	s := &snapshot{
		q:        q,
		data:     ds,
		report:   r,
		heads:    headlines(r),
		resolved: recentlyResolved(ds, q, r.Window),
		deploys:  latestDeployments(ds, q, r.Window.End),
		services: ds.Services(),
		cov:      cov,
	}
	s.items = groupByDay(s.deploys, end.Location())
	s.acks = openAcks(ds, r.OpenIncidents, r.Window.End)
	return s
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

// serviceOK applies the service filter of SPEC §2.
func serviceOK(services []string, s string) bool {
	return len(services) == 0 || (s != "" && slices.Contains(services, s))
}

// recentlyResolved lists the incidents resolved in the window, newest
// resolution first.
func recentlyResolved(ds *model.Dataset, q query, w model.Window) []resolvedRow {
	start, end := model.StampOf(w.Start), model.StampOf(w.End)
	var rows []resolvedRow
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !serviceOK(q.services, in.Service) || in.StartedAt > end ||
			!in.ResolvedAt.IsSet() || in.ResolvedAt > end || in.ResolvedAt <= start {
			continue
		}
		rows = append(rows, resolvedRow{severity: in.Severity.String(), service: model.Printable(in.Service),
			title: model.Printable(in.Title), started: in.StartedAt.Time(), resolved: in.ResolvedAt.Time()})
	}
	slices.SortStableFunc(rows, func(a, b resolvedRow) int { return b.resolved.Compare(a.resolved) })
	return rows[:min(len(rows), maxResolvedRows)]
}

// latestDeployments lists the deployments passing the filters up to end,
// newest first, failed ones included.
func latestDeployments(ds *model.Dataset, q query, end time.Time) []deployRow {
	envs := q.envs
	if len(envs) == 0 {
		envs = model.DefaultEnvironments
	}
	e := model.StampOf(end)
	idx := make([]int, 0, 64)
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if d.FinishedAt <= e && serviceOK(q.services, d.Service) &&
			slices.ContainsFunc(envs, func(x string) bool { return strings.EqualFold(x, d.Environment) }) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		da, db := &ds.Deployments[a], &ds.Deployments[b]
		return cmp.Or(cmp.Compare(db.FinishedAt, da.FinishedAt), cmp.Compare(db.ID, da.ID))
	})
	idx = idx[:min(len(idx), maxDeployRows)]
	rows := make([]deployRow, len(idx))
	for k, i := range idx {
		d := &ds.Deployments[i]
		rows[k] = deployRow{id: model.Printable(d.ID), service: model.Printable(d.Service), env: model.Printable(d.Environment),
			at: d.FinishedAt.Time(), status: d.Status, lead: commitLead(d, e)}
	}
	return rows
}

// commitLead is the median time from commit to d over d's commits that
// are known as of end.
func commitLead(d *model.Deployment, end model.Stamp) *float64 {
	var secs []float64
	for _, c := range d.Commits {
		if c.CommittedAt.IsSet() && c.CommittedAt <= end && c.CommittedAt <= d.FinishedAt {
			secs = append(secs, time.Duration(d.FinishedAt-c.CommittedAt).Seconds())
		}
	}
	return median(secs)
}

// median of xs (reordered); nil when empty.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	n := len(xs)
	m := xs[n/2]
	if n%2 == 0 {
		m = (xs[n/2-1] + xs[n/2]) / 2
	}
	return &m
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
func computeCmd(r Reports, id uint64, ds *model.Dataset, q query, end time.Time, cov coverage) tea.Cmd {
	return func() tea.Msg {
		if r == nil {
			return computedMsg{id: id, snap: buildSnapshot(ds, q, end, cov)}
		}
		key := fmt.Sprintf("ui.snapshot|%d|%q|%q|%d|%d|%d|%s", q.days, q.envs, q.services, q.dms, q.link, cov, end.Location())
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
