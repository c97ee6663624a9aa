package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Populations are the records behind every number of a Report's window
// (not the previous one), so that each number can be audited: counting or
// taking statistics over a population gives exactly the Report's value.
// JSON keys name the metrics as the snapshot does (SPEC §5).
type Populations struct {
	DeploymentFrequency          FrequencyPopulation `json:"deployment_frequency"`
	LeadTime                     LeadTimePopulation  `json:"lead_time"`
	ChangeFailureRate            FailurePopulation   `json:"change_failure_rate"`
	TimeToRestore                RestorePopulation   `json:"time_to_restore"`
	FailedDeploymentRecoveryTime RecoveryPopulation  `json:"failed_deployment_recovery_time"`
	Incidents                    IncidentPopulation  `json:"incidents"`
}

// FrequencyPopulation is the counted deployments in the window, oldest
// first, and their count per day.
type FrequencyPopulation struct {
	Deployments []CountedDeployment `json:"deployments"`
	Daily       []DayCount          `json:"daily"`
}

// CountedDeployment is one deployment SPEC §2 counts.
type CountedDeployment struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Environment string    `json:"environment"`
	FinishedAt  time.Time `json:"finished_at"`
	Status      string    `json:"status"`
}

// DayCount is one element of the daily series: Start < t ≤ End.
type DayCount struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

// LeadTimePopulation is the changes whose lead time is counted.
type LeadTimePopulation struct {
	Changes []LeadTimeChange `json:"changes"`
}

// LeadTimeChange is one (service, sha) key of SPEC §3's lead time: its
// earliest commit time and its first counted deployment.
type LeadTimeChange struct {
	Service      string    `json:"service"`
	SHA          string    `json:"sha"`
	CommittedAt  time.Time `json:"committed_at"`
	DeploymentID string    `json:"deployment_id"`
	DeployedAt   time.Time `json:"deployed_at"`
	Seconds      float64   `json:"seconds"`
}

// FailurePopulation is the failing deployments of the change failure
// rate; the deployments it divides by are DeploymentFrequency's.
type FailurePopulation struct {
	Failures []FailingDeployment `json:"failures"`
}

// RestorePopulation is the incidents behind time to restore.
type RestorePopulation struct {
	Incidents []RestoredIncident `json:"incidents"`
}

// RestoredIncident is one incident of time to restore.
type RestoredIncident struct {
	ID         string    `json:"id"`
	Service    string    `json:"service"`
	Title      string    `json:"title"`
	Severity   string    `json:"severity"`
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	Seconds    float64   `json:"seconds"`
}

// RecoveryPopulation is the incidents behind failed deployment recovery
// time.
type RecoveryPopulation struct {
	Incidents []RecoveredIncident `json:"incidents"`
}

// RecoveredIncident is one incident of failed deployment recovery time
// with the deployment it counts from.
type RecoveredIncident struct {
	ID           string    `json:"id"`
	Service      string    `json:"service"`
	DeploymentID string    `json:"deployment_id"`
	DeployedAt   time.Time `json:"deployed_at"`
	// ByTime is true when a link by time (SPEC §3) names the deployment,
	// false for the incident's own deployment_id.
	ByTime     bool      `json:"by_time"`
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	Seconds    float64   `json:"seconds"`
}

// IncidentPopulation is the incidents block's records: the incidents
// started in the window, the open ones (any start up to E), and the
// downtime intervals before their union is taken.
type IncidentPopulation struct {
	Incidents []IncidentRecord   `json:"incidents"`
	Open      []OpenIncident     `json:"open"`
	Downtime  []DowntimeInterval `json:"downtime"`
}

// IncidentRecord is one incident started in the window with its times as
// of E (nil: not happened yet) and the detect and acknowledge durations
// that count (nil: not counted).
type IncidentRecord struct {
	ID                 string     `json:"id"`
	Service            string     `json:"service"`
	Title              string     `json:"title"`
	Severity           string     `json:"severity"`
	StartedAt          time.Time  `json:"started_at"`
	DetectedAt         *time.Time `json:"detected_at"`
	AcknowledgedAt     *time.Time `json:"acknowledged_at"`
	ResolvedAt         *time.Time `json:"resolved_at"`
	DetectSeconds      *float64   `json:"time_to_detect_seconds"`
	AcknowledgeSeconds *float64   `json:"time_to_acknowledge_seconds"`
}

// OpenIncident is one incident without a resolution as of E, and whether
// and when it was acknowledged.
type OpenIncident struct {
	ID             string     `json:"id"`
	Service        string     `json:"service"`
	Title          string     `json:"title"`
	Severity       string     `json:"severity"`
	StartedAt      time.Time  `json:"started_at"`
	Acknowledged   bool       `json:"acknowledged"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
}

// DowntimeInterval is one incident's part of the downtime, cut to the
// window; overlapping intervals count once in downtime_seconds.
type DowntimeInterval struct {
	ID       string    `json:"id"`
	Severity string    `json:"severity"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// Explain returns the populations behind the numbers Compute(ds, q)
// reports for the window q asks for. It costs about one Compute and is
// separate so that Compute's own cost does not grow. A nil ds is an empty
// dataset.
func Explain(ds *Dataset, q Query) *Populations {
	if ds == nil {
		ds = Merge()
	}
	q.Days = min(max(q.Days, 1), MaxDays)
	f := newFilter(ds, q)
	lk := newLinks(ds, f, q.LinkWithin)
	w := newWindow(StampOf(q.End.UTC()), q.Days)
	counted := countedDeployments(ds, f, w)
	return &Populations{
		DeploymentFrequency:          frequencyPopulation(ds, counted, w),
		LeadTime:                     leadTimePopulation(ds, counted, w),
		ChangeFailureRate:            FailurePopulation{Failures: FailingDeployments(ds, q)},
		TimeToRestore:                restorePopulation(ds, f, w),
		FailedDeploymentRecoveryTime: recoveryPopulation(ds, f, lk, counted, w),
		Incidents:                    incidentPopulation(ds, f, w),
	}
}

func seconds(ns int64) float64 { return float64(ns) / nanosPerSecond }

// byTimeThenID orders records by a time, then by id.
func byTimeThenID(a, b time.Time, ida, idb string) int {
	return cmp.Or(a.Compare(b), strings.Compare(ida, idb))
}

func frequencyPopulation(ds *Dataset, counted []bool, w window) FrequencyPopulation {
	p := FrequencyPopulation{Deployments: []CountedDeployment{}, Daily: make([]DayCount, w.days)}
	for i := range p.Daily {
		p.Daily[i].Start = (w.start + Stamp(int64(i)*nsPerDay)).Time()
		p.Daily[i].End = (w.start + Stamp(int64(i+1)*nsPerDay)).Time()
	}
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if !counted[i] || !w.contains(d.FinishedAt) {
			continue
		}
		p.Daily[w.dayIndex(d.FinishedAt)].Count++
		p.Deployments = append(p.Deployments, CountedDeployment{ID: d.ID, Service: d.Service,
			Environment: d.Environment, FinishedAt: d.FinishedAt.Time(), Status: d.Status.String()})
	}
	slices.SortFunc(p.Deployments, func(a, b CountedDeployment) int {
		return byTimeThenID(a.FinishedAt, b.FinishedAt, a.ID, b.ID)
	})
	return p
}

// leadTimePopulation follows leadTime in compute.go and also keeps, for
// every key, its service, sha and first deployment (ties: the smaller id).
func leadTimePopulation(ds *Dataset, counted []bool, w window) LeadTimePopulation {
	firstDep := make([]int32, ds.nKeys)
	for k := range firstDep {
		firstDep[k] = -1
	}
	committed := make([]Stamp, ds.nKeys)
	sha := make([]string, ds.nKeys)
	off := 0
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		n := len(d.Commits)
		keys := ds.commitKey[off : off+n]
		off += n
		if !counted[i] {
			continue
		}
		for j, k := range keys {
			if fd := firstDep[k]; fd < 0 || earlier(d, &ds.Deployments[fd]) {
				firstDep[k] = int32(i)
				sha[k] = d.Commits[j].SHA
			}
			if c := d.Commits[j].CommittedAt; c <= w.end {
				if cur := committed[k]; cur == NoStamp || c < cur {
					committed[k] = c
				}
			}
		}
	}
	p := LeadTimePopulation{Changes: []LeadTimeChange{}}
	for k, fd := range firstDep {
		if fd < 0 || committed[k] == NoStamp {
			continue
		}
		d := &ds.Deployments[fd]
		if !w.contains(d.FinishedAt) {
			continue
		}
		if dur := d.FinishedAt.Sub(committed[k]); dur >= 0 {
			p.Changes = append(p.Changes, LeadTimeChange{Service: d.Service, SHA: sha[k],
				CommittedAt: committed[k].Time(), DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(),
				Seconds: seconds(dur)})
		}
	}
	slices.SortFunc(p.Changes, func(a, b LeadTimeChange) int {
		return cmp.Or(a.DeployedAt.Compare(b.DeployedAt), strings.Compare(a.Service, b.Service),
			strings.Compare(a.SHA, b.SHA))
	})
	return p
}

// earlier reports whether a finished before b, or at the same instant
// with the smaller id.
func earlier(a, b *Deployment) bool {
	return a.FinishedAt < b.FinishedAt || (a.FinishedAt == b.FinishedAt && a.ID < b.ID)
}

func restorePopulation(ds *Dataset, f filter, w window) RestorePopulation {
	p := RestorePopulation{Incidents: []RestoredIncident{}}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !f.svcOK[ds.incSvc[i]] || !w.contains(in.StartedAt) {
			continue
		}
		res := w.asOf(in.ResolvedAt)
		if res == NoStamp {
			continue
		}
		if d := res.Sub(in.StartedAt); d >= 0 {
			p.Incidents = append(p.Incidents, RestoredIncident{ID: in.ID, Service: in.Service, Title: in.Title,
				Severity: in.Severity.String(), StartedAt: in.StartedAt.Time(), ResolvedAt: res.Time(),
				Seconds: seconds(d)})
		}
	}
	slices.SortFunc(p.Incidents, func(a, b RestoredIncident) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	return p
}

func recoveryPopulation(ds *Dataset, f filter, lk links, counted []bool, w window) RecoveryPopulation {
	p := RecoveryPopulation{Incidents: []RecoveredIncident{}}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !f.svcOK[ds.incSvc[i]] || !w.contains(in.StartedAt) {
			continue
		}
		res := w.asOf(in.ResolvedAt)
		di := lk.incDep[i]
		if res == NoStamp || di < 0 || !counted[di] {
			continue
		}
		d := &ds.Deployments[di]
		if dur := res.Sub(d.FinishedAt); dur >= 0 {
			p.Incidents = append(p.Incidents, RecoveredIncident{ID: in.ID, Service: in.Service,
				DeploymentID: d.ID, DeployedAt: d.FinishedAt.Time(), ByTime: in.DeploymentID == "",
				StartedAt: in.StartedAt.Time(), ResolvedAt: res.Time(), Seconds: seconds(dur)})
		}
	}
	slices.SortFunc(p.Incidents, func(a, b RecoveredIncident) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	return p
}

// timeOrNil is t as a *time.Time, nil for NoStamp.
func timeOrNil(t Stamp) *time.Time {
	if t == NoStamp {
		return nil
	}
	v := t.Time()
	return &v
}

func incidentPopulation(ds *Dataset, f filter, w window) IncidentPopulation {
	p := IncidentPopulation{Incidents: []IncidentRecord{}, Open: []OpenIncident{}, Downtime: []DowntimeInterval{}}
	for _, in := range openIncidentList(ds, f, w.end) {
		ack := w.asOf(in.AcknowledgedAt)
		p.Open = append(p.Open, OpenIncident{ID: in.ID, Service: in.Service, Title: in.Title,
			Severity: in.Severity.String(), StartedAt: in.StartedAt.Time(), Acknowledged: ack != NoStamp,
			AcknowledgedAt: timeOrNil(ack)})
	}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if !f.svcOK[ds.incSvc[i]] || in.StartedAt > w.end {
			continue
		}
		res := w.asOf(in.ResolvedAt)
		if in.Severity >= 1 && in.Severity <= f.dms {
			stop := res
			if stop == NoStamp {
				stop = w.end
			}
			if lo, hi := max(in.StartedAt, w.start), min(stop, w.end); hi > lo {
				p.Downtime = append(p.Downtime, DowntimeInterval{ID: in.ID, Severity: in.Severity.String(),
					From: lo.Time(), To: hi.Time()})
			}
		}
		if w.contains(in.StartedAt) {
			p.Incidents = append(p.Incidents, incidentRecord(in, res, w))
		}
	}
	slices.SortFunc(p.Incidents, func(a, b IncidentRecord) int {
		return byTimeThenID(a.StartedAt, b.StartedAt, a.ID, b.ID)
	})
	slices.SortFunc(p.Downtime, func(a, b DowntimeInterval) int { return byTimeThenID(a.From, b.From, a.ID, b.ID) })
	return p
}

// incidentRecord is in as of the end of w, with the durations the
// incidents block counts (both ends present, not negative).
func incidentRecord(in *Incident, res Stamp, w window) IncidentRecord {
	det, ack := w.asOf(in.DetectedAt), w.asOf(in.AcknowledgedAt)
	r := IncidentRecord{ID: in.ID, Service: in.Service, Title: in.Title, Severity: in.Severity.String(),
		StartedAt: in.StartedAt.Time(), DetectedAt: timeOrNil(det), AcknowledgedAt: timeOrNil(ack),
		ResolvedAt: timeOrNil(res)}
	if det != NoStamp {
		if d := det.Sub(in.StartedAt); d >= 0 {
			s := seconds(d)
			r.DetectSeconds = &s
		}
		if ack != NoStamp {
			if d := ack.Sub(det); d >= 0 {
				s := seconds(d)
				r.AcknowledgeSeconds = &s
			}
		}
	}
	return r
}
