package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// FailingDeployment is one deployment the change failure rate counts as a
// failure, with why: it was rolled back, or incidents link it.
type FailingDeployment struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Environment string    `json:"environment"`
	FinishedAt  time.Time `json:"finished_at"`
	RolledBack  bool      `json:"rolled_back"`
	// Links are the incidents (started_at ≤ E) that link the deployment,
	// oldest first; empty when only the rollback counts.
	Links []FailureLink `json:"links"`
}

// FailureLink is one incident linking a failing deployment.
type FailureLink struct {
	IncidentID string    `json:"incident_id"`
	StartedAt  time.Time `json:"started_at"`
	// ByTime is true for a link by time (SPEC §3, Query.LinkWithin), false
	// for the incident's own deployment_id.
	ByTime bool `json:"by_time"`
}

// FailingDeployments lists the failures behind the change failure rate of
// the window q asks for (not the previous one), oldest deployment first:
// its length is that window's ChangeFailureRate.Failures.
func FailingDeployments(ds *Dataset, q Query) []FailingDeployment {
	if ds == nil {
		ds = Merge()
	}
	q.Days = min(max(q.Days, 1), MaxDays)
	f := newFilter(ds, q)
	lk := newLinks(ds, f, q.LinkWithin)
	w := newWindow(StampOf(q.End), q.Days)
	counted := countedDeployments(ds, f, w)
	out := []FailingDeployment{}
	at := map[int32]int{} // deployment index → its place in out
	for i := range ds.Deployments {
		d := &ds.Deployments[i]
		if !counted[i] || !w.contains(d.FinishedAt) || !lk.failed(ds, i, w.end) {
			continue
		}
		at[int32(i)] = len(out)
		out = append(out, FailingDeployment{ID: d.ID, Service: d.Service, Environment: d.Environment,
			FinishedAt: d.FinishedAt.Time(), RolledBack: d.Status == StatusRolledBack, Links: []FailureLink{}})
	}
	for i := range ds.Incidents {
		in := &ds.Incidents[i]
		if in.StartedAt > w.end {
			continue
		}
		if k, ok := at[lk.incDep[i]]; ok {
			out[k].Links = append(out[k].Links, FailureLink{IncidentID: in.ID,
				StartedAt: in.StartedAt.Time(), ByTime: in.DeploymentID == ""})
		}
	}
	for k := range out {
		slices.SortFunc(out[k].Links, func(a, b FailureLink) int {
			return cmp.Or(a.StartedAt.Compare(b.StartedAt), strings.Compare(a.IncidentID, b.IncidentID))
		})
	}
	slices.SortStableFunc(out, func(a, b FailingDeployment) int {
		return cmp.Or(a.FinishedAt.Compare(b.FinishedAt), strings.Compare(a.ID, b.ID))
	})
	return out
}
