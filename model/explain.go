package model

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// The panels' lists are capped: more rows are never useful on one screen.
const (
	// MaxLatestDeployments caps Report.LatestDeployments.
	MaxLatestDeployments = 500
	// MaxRecentlyResolved caps Report.RecentlyResolved.
	MaxRecentlyResolved = 200
)

// LatestDeployment is one row of the deployments panel: a deployment
// passing the filters, failed ones included.
type LatestDeployment struct {
	ID          string
	Service     string
	Environment string
	FinishedAt  time.Time
	Status      Status
	// CommitLead is the median time in seconds from its commits (those
	// committed by E and not after it finished) to this deployment; nil
	// without such commits.
	CommitLead *float64
}

// explanation is what Compute keeps of the records behind the numbers of
// its window, as indexes into the dataset, in the same passes that count
// them. Populations turns it into records on first use, so that a report
// nobody audits costs little more than its numbers.
type explanation struct {
	ds *Dataset
	w  window

	latest   *topN // deployments passing the filters, newest first
	resolved *topN // incidents resolved in the window, newest first

	counted   []int32 // counted deployments in the window, dataset order
	daily     []int   // their count per day
	failing   []int32 // the failures among them
	links     []incDep
	changes   []change
	restored  []record
	recovered []recovery
	incidents []int32 // started in the window
	downtime  []interval
	open      []*Incident // in the report's order

	once sync.Once
	pop  *Populations
}

// incDep is an incident and the deployment it names or is linked to.
type incDep struct{ inc, dep int32 }

// change is a counted lead-time key with its first counted deployment
// and earliest commit time: its lead time is the one from the commit to
// the deployment's finished_at.
type change struct {
	key, dep  int32
	committed Stamp
}

// record is an incident and its duration in nanoseconds.
type record struct {
	idx int32
	dur int64
}

// recovery is an incident, its deployment and the recovery time.
type recovery struct {
	incDep
	dur int64
}

// interval is an incident's part of the downtime.
type interval struct {
	idx    int32
	lo, hi Stamp
}

// Populations returns the records behind every number of r's window (not
// the previous one), built on first use and then shared; nil for a
// report not made by Compute. Safe for concurrent use.
func (r *Report) Populations() *Populations {
	if r.explain == nil {
		return nil
	}
	ex := r.explain
	ex.once.Do(func() { ex.pop = ex.populations() })
	return ex.pop
}

func (ex *explanation) populations() *Populations {
	return &Populations{
		DeploymentFrequency:          ex.frequency(),
		LeadTime:                     ex.leadTime(),
		ChangeFailureRate:            ex.failures(),
		TimeToRestore:                ex.restore(),
		FailedDeploymentRecoveryTime: ex.recovery(),
		Incidents:                    ex.incidentPopulation(),
	}
}

func seconds(ns int64) float64 { return float64(ns) / nanosPerSecond }

// byTimeThenID orders records by a time, then by id.
func byTimeThenID(a, b time.Time, ida, idb string) int {
	return cmp.Or(a.Compare(b), strings.Compare(ida, idb))
}

// timeOrNil is t as a *time.Time, nil for NoStamp.
func timeOrNil(t Stamp) *time.Time {
	if t == NoStamp {
		return nil
	}
	v := t.Time()
	return &v
}

func (ex *explanation) frequency() FrequencyPopulation {
	ds, w := ex.ds, ex.w
	p := FrequencyPopulation{Deployments: make([]CountedDeployment, 0, len(ex.counted)), Daily: make([]DayCount, w.days)}
	for i := range p.Daily {
		p.Daily[i] = DayCount{Start: (w.start + Stamp(int64(i)*nsPerDay)).Time(),
			End: (w.start + Stamp(int64(i+1)*nsPerDay)).Time(), Count: ex.daily[i]}
	}
	for _, i := range ex.counted {
		d := &ds.Deployments[i]
		p.Deployments = append(p.Deployments, CountedDeployment{ID: d.ID, Service: d.Service,
			Environment: d.Environment, FinishedAt: d.FinishedAt.Time(), Status: d.Status.String()})
	}
	slices.SortFunc(p.Deployments, func(a, b CountedDeployment) int {
		return byTimeThenID(a.FinishedAt, b.FinishedAt, a.ID, b.ID)
	})
	return p
}

func (ex *explanation) leadTime() LeadTimePopulation {
	ds := ex.ds
	p := LeadTimePopulation{Changes: make([]LeadTimeChange, 0, len(ex.changes))}
	if len(ex.changes) == 0 {
		return p
	}
	// Where each deployment's commit keys start, to find a key's sha.
	start := make([]int32, len(ds.Deployments)+1)
	for i := range ds.Deployments {
		start[i+1] = start[i] + int32(len(ds.Deployments[i].Commits))
	}
	for _, c := range ex.changes {
		d := &ds.Deployments[c.dep]
		j := slices.Index(ds.commitKey[start[c.dep]:start[c.dep+1]], uint32(c.key))
		p.Changes = append(p.Changes, LeadTimeChange{Service: d.Service, SHA: d.Commits[j].SHA,
			CommittedAt: c.committed.Time(), DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(),
			Seconds: seconds(d.FinishedAt.Sub(c.committed))})
	}
	slices.SortFunc(p.Changes, func(a, b LeadTimeChange) int {
		return cmp.Or(a.DeployedAt.Compare(b.DeployedAt), strings.Compare(a.Service, b.Service),
			strings.Compare(a.SHA, b.SHA))
	})
	return p
}

func (ex *explanation) failures() FailurePopulation {
	ds := ex.ds
	out := make([]FailingDeployment, 0, len(ex.failing))
	at := make(map[int32]int, len(ex.failing)) // deployment index → its place in out
	for _, i := range ex.failing {
		d := &ds.Deployments[i]
		at[i] = len(out)
		out = append(out, FailingDeployment{ID: d.ID, Service: d.Service, Environment: d.Environment,
			FinishedAt: d.FinishedAt.Time(), RolledBack: d.Status == StatusRolledBack, Links: []FailureLink{}})
	}
	for _, l := range ex.links {
		in := &ds.Incidents[l.inc]
		k := at[l.dep]
		out[k].Links = append(out[k].Links, FailureLink{IncidentID: in.ID,
			StartedAt: in.StartedAt.Time(), ByTime: in.DeploymentID == ""})
	}
	for k := range out {
		slices.SortFunc(out[k].Links, func(a, b FailureLink) int {
			return byTimeThenID(a.StartedAt, b.StartedAt, a.IncidentID, b.IncidentID)
		})
	}
	slices.SortStableFunc(out, func(a, b FailingDeployment) int {
		return byTimeThenID(a.FinishedAt, b.FinishedAt, a.ID, b.ID)
	})
	return FailurePopulation{Failures: out}
}

func (ex *explanation) restore() RestorePopulation {
	p := RestorePopulation{Incidents: make([]RestoredIncident, 0, len(ex.restored))}
	for _, r := range ex.restored {
		in := &ex.ds.Incidents[r.idx]
		p.Incidents = append(p.Incidents, RestoredIncident{ID: in.ID, Service: in.Service, Title: in.Title,
			Severity: in.Severity, StartedAt: in.StartedAt.Time(), ResolvedAt: in.ResolvedAt.Time(),
			Seconds: seconds(r.dur)})
	}
	slices.SortFunc(p.Incidents, func(a, b RestoredIncident) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	return p
}

func (ex *explanation) recovery() RecoveryPopulation {
	p := RecoveryPopulation{Incidents: make([]RecoveredIncident, 0, len(ex.recovered))}
	for _, r := range ex.recovered {
		in, d := &ex.ds.Incidents[r.inc], &ex.ds.Deployments[r.dep]
		p.Incidents = append(p.Incidents, RecoveredIncident{ID: in.ID, Service: in.Service,
			DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(), ByTime: in.DeploymentID == "",
			StartedAt: in.StartedAt.Time(), ResolvedAt: in.ResolvedAt.Time(), Seconds: seconds(r.dur)})
	}
	slices.SortFunc(p.Incidents, func(a, b RecoveredIncident) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	return p
}

func (ex *explanation) incidentPopulation() IncidentPopulation {
	ds, w := ex.ds, ex.w
	p := IncidentPopulation{Incidents: make([]IncidentRecord, 0, len(ex.incidents)),
		Open: make([]OpenIncident, 0, len(ex.open)), Downtime: make([]DowntimeInterval, 0, len(ex.downtime))}
	for _, in := range ex.open {
		ack := w.asOf(in.AcknowledgedAt)
		p.Open = append(p.Open, OpenIncident{ID: in.ID, Service: in.Service, Title: in.Title,
			Severity: in.Severity, StartedAt: in.StartedAt.Time(), Acknowledged: ack != NoStamp,
			AcknowledgedAt: timeOrNil(ack)})
	}
	for _, i := range ex.incidents {
		p.Incidents = append(p.Incidents, incidentRecord(&ds.Incidents[i], w))
	}
	for _, iv := range ex.downtime {
		in := &ds.Incidents[iv.idx]
		p.Downtime = append(p.Downtime, DowntimeInterval{ID: in.ID, Severity: in.Severity,
			From: iv.lo.Time(), To: iv.hi.Time()})
	}
	slices.SortFunc(p.Incidents, func(a, b IncidentRecord) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	slices.SortFunc(p.Downtime, func(a, b DowntimeInterval) int { return byTimeThenID(a.From, b.From, a.ID, b.ID) })
	return p
}

// incidentRecord is in as of the end of w, with the durations the
// incidents block counts (detectAck).
func incidentRecord(in *Incident, w window) IncidentRecord {
	r := IncidentRecord{ID: in.ID, Service: in.Service, Title: in.Title, Severity: in.Severity,
		StartedAt: in.StartedAt.Time(), DetectedAt: timeOrNil(w.asOf(in.DetectedAt)),
		AcknowledgedAt: timeOrNil(w.asOf(in.AcknowledgedAt)), ResolvedAt: timeOrNil(w.asOf(in.ResolvedAt))}
	det, detOK, ack, ackOK := detectAck(in, w)
	if detOK {
		s := seconds(det)
		r.DetectSeconds = &s
	}
	if ackOK {
		s := seconds(ack)
		r.AcknowledgeSeconds = &s
	}
	return r
}

// latestDeployments is the deployments panel's list.
func (ex *explanation) latestDeployments() []LatestDeployment {
	idx := ex.latest.sorted()
	out := make([]LatestDeployment, len(idx))
	leads := make([]float64, len(idx)) // CommitLead points into it
	var buf []int64
	for k, i := range idx {
		d := &ex.ds.Deployments[i]
		out[k] = LatestDeployment{ID: d.ID, Service: d.Service, Environment: d.Environment,
			FinishedAt: d.FinishedAt.Time(), Status: d.Status}
		if buf = commitLeads(buf[:0], d, ex.w.end); len(buf) > 0 {
			leads[k], _ = quantiles(buf, nanosPerSecond)
			out[k].CommitLead = &leads[k]
		}
	}
	return out
}

// commitLeads appends to buf the times from commit to d of d's commits
// known as of end and not later than d: CommitLead is their median.
func commitLeads(buf []int64, d *Deployment, end Stamp) []int64 {
	for _, c := range d.Commits {
		if c.CommittedAt != NoStamp && c.CommittedAt <= end && c.CommittedAt <= d.FinishedAt {
			buf = append(buf, d.FinishedAt.Sub(c.CommittedAt))
		}
	}
	return buf
}

// recentlyResolved is the incidents panel's resolved list.
func (ex *explanation) recentlyResolved() []IncidentView {
	idx := ex.resolved.sorted()
	out := make([]IncidentView, len(idx))
	for k, i := range idx {
		in := &ex.ds.Incidents[i]
		out[k] = incidentView(in, in.ResolvedAt, ex.w.end)
	}
	return out
}

// topN keeps the n best of the indexes offered: a heap with the worst
// kept on top, so that most offers cost one comparison.
type topN struct {
	n      int
	better func(a, b int32) bool // a strict order
	h      []int32
}

func newTopN(n int, better func(a, b int32) bool) *topN {
	return &topN{n: n, better: better, h: make([]int32, 0, min(n, 64))}
}

func (t *topN) offer(i int32) {
	h := t.h
	if len(h) < t.n {
		h = append(h, i)
		for c := len(h) - 1; c > 0; {
			p := (c - 1) / 2
			if !t.better(h[p], h[c]) {
				break
			}
			h[p], h[c] = h[c], h[p]
			c = p
		}
		t.h = h
		return
	}
	if t.n == 0 || !t.better(i, h[0]) {
		return
	}
	h[0] = i
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && t.better(h[c], h[c+1]) {
			c++ // the worse child
		}
		if !t.better(h[p], h[c]) {
			break
		}
		h[p], h[c] = h[c], h[p]
		p = c
	}
}

// sorted returns the kept indexes, best first.
func (t *topN) sorted() []int32 {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b int32) int {
		switch {
		case t.better(a, b):
			return -1
		case t.better(b, a):
			return 1
		}
		return 0
	})
	return out
}

// Equal says whether r and o state the same: every field, the panels'
// lists and the populations (compared as records, not by the datasets
// they were computed from).
func (r *Report) Equal(o *Report) bool {
	if r == nil || o == nil {
		return r == o
	}
	a, b := *r, *o
	a.explain, b.explain = nil, nil
	return reflect.DeepEqual(a, b) && reflect.DeepEqual(r.Populations(), o.Populations())
}

// WithoutPopulations returns a copy of r that does not keep the records
// behind its numbers (Populations returns nil): for caches that hold
// many reports and never show a population. The copy shares r's other
// values.
func (r *Report) WithoutPopulations() *Report {
	if r == nil {
		return nil
	}
	c := *r
	c.explain = nil
	return &c
}
