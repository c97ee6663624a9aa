package model

import (
	"cmp"
	"slices"
	"time"
)

const nsPerDay = int64(24 * time.Hour)

// filter is a Query resolved against one Dataset: which records pass the
// filters of SPEC §2. It is the only place the query's filters meet the
// records; everything after asks depOK and incOK.
type filter struct {
	depOK []bool // by deployment index: service and environment pass
	incOK []bool // by incident index: service passes
	dms   Severity
}

// newFilter resolves q (normalised) against ds: every distinct service
// and environment is matched once, then every record looks its own up.
func newFilter(ds *Dataset, q Query) filter {
	svcOK := make([]bool, len(ds.services))
	for i, s := range ds.services {
		svcOK[i] = q.MatchService(s)
	}
	envOK := make([]bool, len(ds.envs))
	for i, e := range ds.envs {
		envOK[i] = q.MatchEnvironment(e)
	}
	f := filter{depOK: make([]bool, len(ds.Deployments)), incOK: make([]bool, len(ds.Incidents)),
		dms: Severity(q.DowntimeMaxSeverity)}
	for i := range f.depOK {
		f.depOK[i] = envOK[ds.depEnv[i]] && svcOK[ds.depSvc[i]]
	}
	for i := range f.incOK {
		f.incOK[i] = svcOK[ds.incSvc[i]]
	}
	return f
}

// Compute returns the report of SPEC §5 for ds: every metric and tier of
// SPEC §2–4 over the window of q.Days days ending at q.End (q normalised:
// Query.Normalized), the same metrics over the previous window of equal
// length (as they were at its end), the open incidents, and for the
// window the lists the dashboard's panels show and the populations behind
// every number (Report.Populations). Sources is left empty: the caller
// fills it with SourceReports. Compute does not modify ds and may run
// concurrently with other Computes over the same Dataset. A nil ds is an
// empty dataset.
func Compute(ds *Dataset, q Query) *Report {
	if ds == nil {
		ds = Merge()
	}
	q = q.Normalized()
	end := q.End.UTC()
	f := newFilter(ds, q)
	r := &Report{
		GeneratedAt: end,
		Filters: Filters{
			Environments: slices.Clone(q.Environments),
			Services:     append([]string{}, q.Services...),
		},
		Sources: []SourceReport{},
	}
	lk := newLinks(ds, f, q.LinkWithin)
	ex := &explanation{ds: ds}
	r.Metrics = computeWindow(ds, f, lk, StampOf(end), q.Days, ex)
	prev := computeWindow(ds, f, lk, StampOf(end)-Stamp(int64(q.Days)*nsPerDay), q.Days, nil)
	r.Previous = &prev
	ex.open = openIncidentList(ds, f, StampOf(end))
	r.OpenIncidents = make([]IncidentView, 0, len(ex.open))
	for _, in := range ex.open {
		r.OpenIncidents = append(r.OpenIncidents, incidentView(in, NoStamp, StampOf(end)))
	}
	r.LatestDeployments = ex.latestDeployments()
	r.RecentlyResolved = ex.recentlyResolved()
	r.explain = ex
	return r
}

// incidentView is in as the report lists it, resolved at res (NoStamp:
// open), with its acknowledgement as of end.
func incidentView(in *Incident, res, end Stamp) IncidentView {
	ack := NoStamp
	if in.AcknowledgedAt.IsSet() && in.AcknowledgedAt <= end {
		ack = in.AcknowledgedAt
	}
	return IncidentView{ID: in.ID, Service: in.Service, Title: in.Title, Severity: in.Severity,
		StartedAt: in.StartedAt.Time(), ResolvedAt: timeOrNil(res), DeploymentID: in.DeploymentID,
		AcknowledgedAt: timeOrNil(ack)}
}

// window is one computation's E, S and length.
type window struct {
	end, start Stamp
	days       int
}

func (w window) contains(t Stamp) bool { return t > w.start && t <= w.end }

// dayIndex is the element of a daily series t falls in; t must be in the
// window: element i covers S + i×24h < t ≤ S + (i+1)×24h.
func (w window) dayIndex(t Stamp) int { return int((t.Sub(w.start) - 1) / nsPerDay) }

// asOf returns t, or NoStamp when t is later than E (not happened yet).
func (w window) asOf(t Stamp) Stamp {
	if t > w.end {
		return NoStamp
	}
	return t
}

func newWindow(end Stamp, days int) window {
	return window{end: end, start: end - Stamp(int64(days)*nsPerDay), days: days}
}

// computeWindow computes the metrics of one window. With ex (the report's
// own window, not the previous one) it also keeps in ex the records
// behind them, in the same passes: every rule of SPEC §2–3 is applied
// once, here.
func computeWindow(ds *Dataset, f filter, lk links, end Stamp, days int, ex *explanation) Metrics {
	w := newWindow(end, days)
	if ex != nil {
		ex.w = w
	}
	m := Metrics{Window: Window{Days: days, Start: w.start.Time(), End: w.end.Time()}}
	counted := countedDeployments(ds, f, w, ex)
	m.DeploymentFrequency, m.ChangeFailureRate, m.DailyFailureRate = frequencyAndFailures(ds, lk, counted, w, ex)
	m.LeadTime, m.DailyLeadTimeMedian = leadTime(ds, counted, w, ex)
	m.TimeToRestore, m.FailedDeploymentRecoveryTime, m.DailyRestoreMedian = restore(ds, f, lk, counted, w, ex)
	m.Incidents = incidents(ds, f, w, ex)
	return m
}

// countedDeployments marks the deployments SPEC §2 counts: passing the
// filters, not later than E, and shipped (success or rolled_back). With
// ex it also keeps the newest deployments passing the filters, failed
// ones included, for the deployments panel.
func countedDeployments(ds *Dataset, f filter, w window, ex *explanation) []bool {
	counted := make([]bool, len(ds.Deployments))
	var latest *topN
	if ex != nil {
		latest = newTopN(MaxLatestDeployments, func(a, b int32) bool {
			da, db := &ds.Deployments[a], &ds.Deployments[b]
			return da.FinishedAt > db.FinishedAt || (da.FinishedAt == db.FinishedAt && da.ID > db.ID)
		})
		ex.latest = latest
	}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		passes := d.FinishedAt <= w.end && f.depOK[i]
		counted[i] = passes && d.Status != StatusFailed
		if passes && latest != nil {
			latest.offer(int32(i))
		}
	}
	return counted
}

// failing reports whether deployment i is a failure of the change failure
// rate of w: counted, in the window, and failed as of E.
func failing(ds *Dataset, lk links, counted []bool, w window, i int) bool {
	return counted[i] && w.contains(ds.Deployments[i].FinishedAt) && lk.failed(ds, i, w.end)
}

func frequencyAndFailures(ds *Dataset, lk links, counted []bool, w window, ex *explanation) (DeploymentFrequency, ChangeFailureRate, []*float64) {
	df := DeploymentFrequency{Daily: make([]int, w.days)}
	dailyFail := make([]int, w.days)
	cfr := ChangeFailureRate{}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if !counted[i] || !w.contains(d.FinishedAt) {
			continue
		}
		day := w.dayIndex(d.FinishedAt)
		df.Count++
		df.Daily[day]++
		if ex != nil {
			ex.counted = append(ex.counted, int32(i))
		}
		if failing(ds, lk, counted, w, i) {
			cfr.Failures++
			dailyFail[day]++
			if ex != nil {
				ex.failing = append(ex.failing, int32(i))
			}
		}
	}
	if ex != nil {
		ex.daily = df.Daily
		ex.links = failureLinks(ds, lk, counted, w)
	}
	for _, n := range df.Daily {
		if n > 0 {
			df.DeployDays++
		}
	}
	df.PerDay = float64(df.Count) / float64(w.days)
	df.PerWeek = df.PerDay * 7
	df.Tier = frequencyTier(df.Count, w.days)
	cfr.Deployments = df.Count
	if cfr.Deployments > 0 {
		rate := float64(cfr.Failures) / float64(cfr.Deployments)
		cfr.Rate = &rate
	}
	cfr.Tier = failureTier(cfr.Failures, cfr.Deployments)
	daily := make([]*float64, w.days)
	for i, n := range df.Daily {
		if n > 0 {
			r := float64(dailyFail[i]) / float64(n)
			daily[i] = &r
		}
	}
	return df, cfr, daily
}

// failureLinks lists the incidents (started_at ≤ E) that link a failing
// deployment of w, whatever their service: the reasons of the failures
// that were not (only) rolled back.
func failureLinks(ds *Dataset, lk links, counted []bool, w window) []incDep {
	var out []incDep
	for i := range ds.Incidents {
		di := lk.incDep[i]
		if di >= 0 && ds.Incidents[i].StartedAt <= w.end && failing(ds, lk, counted, w, int(di)) {
			out = append(out, incDep{inc: int32(i), dep: di})
		}
	}
	return out
}

// leadTime implements SPEC §3's lead time for changes: every (service, sha)
// key of the counted deployments up to E, its first deployment and its
// earliest commit time. With ex it keeps every counted change and its
// first deployment (ties: the smaller id).
func leadTime(ds *Dataset, counted []bool, w window, ex *explanation) (TieredStats, []*float64) {
	first := make([]Stamp, ds.nKeys)
	committed := make([]Stamp, ds.nKeys)
	var firstDep []int32
	if ex != nil {
		firstDep = make([]int32, ds.nKeys)
	}
	off := 0
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		n := len(d.Commits)
		if !counted[i] {
			off += n
			continue
		}
		keys := ds.commitKey[off : off+n]
		off += n
		for j, k := range keys {
			if f := first[k]; f == NoStamp || d.FinishedAt < f {
				first[k] = d.FinishedAt
				if firstDep != nil {
					firstDep[k] = int32(i)
				}
			} else if firstDep != nil && d.FinishedAt == f && d.ID < ds.Deployments[firstDep[k]].ID {
				firstDep[k] = int32(i)
			}
			if c := d.Commits[j].CommittedAt; c <= w.end {
				if cur := committed[k]; cur == NoStamp || c < cur {
					committed[k] = c
				}
			}
		}
	}
	// The keys that count first, then their durations and days in lists
	// sized once: a year of a large dataset has millions of changes.
	var keys []int32
	for k, f := range first {
		if f != NoStamp && w.contains(f) && committed[k] != NoStamp && f.Sub(committed[k]) >= 0 {
			keys = append(keys, int32(k))
		}
	}
	durs := make([]int64, len(keys))
	days := make([]int32, len(keys))
	for i, k := range keys {
		durs[i] = first[k].Sub(committed[k])
		days[i] = int32(w.dayIndex(first[k]))
	}
	if ex != nil {
		ex.changes = make([]change, len(keys))
		for i, k := range keys {
			ex.changes[i] = change{key: k, dep: firstDep[k], committed: committed[k]}
		}
	}
	daily := dailyMedians(durs, days, w.days)
	st := durationStats(durs)
	return TieredStats{Stats: st, Tier: durationTier(st.Median, leadTimeBounds)}, daily
}

// restore implements time to restore and failed deployment recovery time;
// an incident's deployment is the one its deployment_id names or, with
// links by time, the one it is linked to.
func restore(ds *Dataset, f filter, lk links, counted []bool, w window, ex *explanation) (TieredStats, TieredStats, []*float64) {
	var ttr, fdrt []int64
	var days []int32
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !f.incOK[i] || !w.contains(in.StartedAt) {
			continue
		}
		res := w.asOf(in.ResolvedAt)
		if res == NoStamp {
			continue
		}
		if d := res.Sub(in.StartedAt); d >= 0 {
			ttr = append(ttr, d)
			days = append(days, int32(w.dayIndex(in.StartedAt)))
			if ex != nil {
				ex.restored = append(ex.restored, record{idx: int32(i), dur: d})
			}
		}
		if di := lk.incDep[i]; di >= 0 && counted[di] {
			if d := res.Sub(ds.Deployments[di].FinishedAt); d >= 0 {
				fdrt = append(fdrt, d)
				if ex != nil {
					ex.recovered = append(ex.recovered, recovery{incDep: incDep{inc: int32(i), dep: di}, dur: d})
				}
			}
		}
	}
	daily := dailyMedians(ttr, days, w.days)
	ts, fs := durationStats(ttr), durationStats(fdrt)
	return TieredStats{Stats: ts, Tier: durationTier(ts.Median, restoreBounds)},
		TieredStats{Stats: fs, Tier: durationTier(fs.Median, restoreBounds)}, daily
}

// detectAck returns an incident's times to detect and to acknowledge as
// of the end of w, each with whether it counts: both ends present by E
// and not negative.
func detectAck(in *Incident, w window) (det int64, detOK bool, ack int64, ackOK bool) {
	d := w.asOf(in.DetectedAt)
	if d == NoStamp {
		return
	}
	if det = d.Sub(in.StartedAt); det >= 0 {
		detOK = true
	}
	if a := w.asOf(in.AcknowledgedAt); a != NoStamp {
		if ack = a.Sub(d); ack >= 0 {
			ackOK = true
		}
	}
	return
}

func incidents(ds *Dataset, f filter, w window, ex *explanation) Incidents {
	out := Incidents{
		BySeverity: map[string]int{"SEV1": 0, "SEV2": 0, "SEV3": 0, "SEV4": 0, "SEV5": 0, "unknown": 0},
		DailyCount: make([]int, w.days),
	}
	var resolved *topN
	if ex != nil {
		resolved = newTopN(MaxRecentlyResolved, func(a, b int32) bool {
			ra, rb := ds.Incidents[a].ResolvedAt, ds.Incidents[b].ResolvedAt
			return ra > rb || (ra == rb && a < b)
		})
		ex.resolved = resolved
	}
	var detect, ack []int64
	var down [][2]Stamp
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !f.incOK[i] || in.StartedAt > w.end {
			continue
		}
		res := w.asOf(in.ResolvedAt)
		if res == NoStamp {
			out.Open++
		} else if resolved != nil && res > w.start {
			resolved.offer(int32(i))
		}
		if in.Severity >= 1 && in.Severity <= f.dms {
			stop := res
			if stop == NoStamp {
				stop = w.end
			}
			lo, hi := max(in.StartedAt, w.start), min(stop, w.end)
			if hi > lo {
				down = append(down, [2]Stamp{lo, hi})
				if ex != nil {
					ex.downtime = append(ex.downtime, interval{idx: int32(i), lo: lo, hi: hi})
				}
			}
		}
		if !w.contains(in.StartedAt) {
			continue
		}
		out.Total++
		out.BySeverity[in.Severity.String()]++
		out.DailyCount[w.dayIndex(in.StartedAt)]++
		if ex != nil {
			ex.incidents = append(ex.incidents, int32(i))
		}
		d, dOK, a, aOK := detectAck(in, w)
		if dOK {
			detect = append(detect, d)
		}
		if aOK {
			ack = append(ack, a)
		}
	}
	out.TimeToDetect = durationStats(detect)
	out.TimeToAcknowledge = durationStats(ack)
	out.DowntimeSeconds = float64(unionLength(down)) / nanosPerSecond
	out.Availability = 1 - out.DowntimeSeconds/(float64(w.days)*86400)
	return out
}

// unionLength returns the total length covered by the intervals, counting
// overlaps once. It sorts iv.
func unionLength(iv [][2]Stamp) int64 {
	slices.SortFunc(iv, func(a, b [2]Stamp) int { return cmp.Compare(a[0], b[0]) })
	var total int64
	var curLo, curHi Stamp
	open := false
	for _, x := range iv {
		if open && x[0] <= curHi {
			curHi = max(curHi, x[1])
			continue
		}
		if open {
			total += int64(curHi - curLo)
		}
		curLo, curHi, open = x[0], x[1], true
	}
	if open {
		total += int64(curHi - curLo)
	}
	return total
}

// dailyMedians groups durations by their day index and returns each day's
// median in seconds (nil for days without any).
func dailyMedians(durs []int64, days []int32, n int) []*float64 {
	out := make([]*float64, n)
	if len(durs) == 0 {
		return out
	}
	// Counting sort by day, so each day's durations are contiguous.
	start := make([]int, n+1)
	for _, d := range days {
		start[d+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	sorted := make([]int64, len(durs))
	next := slices.Clone(start[:n])
	for i, d := range days {
		sorted[next[d]] = durs[i]
		next[d]++
	}
	for i := 0; i < n; i++ {
		if start[i+1] > start[i] {
			out[i] = durationStats(sorted[start[i]:start[i+1]]).Median
		}
	}
	return out
}

// openIncidentList is the open incidents of openIncidents, in its order.
func openIncidentList(ds *Dataset, f filter, end Stamp) []*Incident {
	var open []*Incident
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if f.incOK[i] && in.StartedAt <= end && (in.ResolvedAt == NoStamp || in.ResolvedAt > end) {
			open = append(open, in)
		}
	}
	slices.SortStableFunc(open, func(a, b *Incident) int {
		return cmp.Or(cmp.Compare(a.Severity.Rank(), b.Severity.Rank()),
			cmp.Compare(a.StartedAt, b.StartedAt), cmp.Compare(a.ID, b.ID))
	})
	return open
}

// SourceReports turns the poller's statuses into the report's "sources"
// list.
func SourceReports(st []SourceStatus) []SourceReport {
	out := make([]SourceReport, 0, len(st))
	for _, s := range st {
		sr := SourceReport{Name: s.Name, Type: s.Type, OK: s.OK, State: s.State,
			Deployments: s.Deployments, Incidents: s.Incidents, Rejected: s.Rejected}
		if !s.LastSuccess.IsZero() {
			t := s.LastSuccess.UTC()
			sr.LastSuccess = &t
		}
		if s.Error != "" {
			e := s.Error
			sr.Error = &e
		}
		if s.FirstRejection != "" {
			fr := s.FirstRejection
			sr.FirstRejection = &fr
		}
		sr.Progress = s.Progress
		if !s.RateLimitedUntil.IsZero() && s.State == SourceRateLimited {
			t := s.RateLimitedUntil.UTC()
			sr.RateLimitedUntil = &t
		}
		if s.API != nil {
			a := *s.API
			sr.API = &a
		}
		out = append(out, sr)
	}
	return out
}
