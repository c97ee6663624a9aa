package github

import (
	"strconv"
	"time"

	"doradash/sources/apisrc"
)

// nativeIncident is an issue as the native format writes it (SPEC §1).
// Unlike apisrc.NativeIncident it has no acknowledged_at, and an unknown
// detected_at is written as "".
type nativeIncident struct {
	ID         string  `json:"id"`
	Service    string  `json:"service"`
	Title      string  `json:"title"`
	Severity   string  `json:"severity,omitempty"`
	StartedAt  string  `json:"started_at"`
	DetectedAt string  `json:"detected_at"`
	ResolvedAt *string `json:"resolved_at"`
}

// document writes everything known within history as a native document,
// deployments newest first. A deployment's environment and finished_at
// are always written, "" when GitHub gave none.
func (s *Source) document(cutoff time.Time) []byte {
	bases := apisrc.ChainKeys(s.successChains(cutoff))
	ids := apisrc.NewestFirst(s.deps, func(d *deployment) bool { return d.status != "" && !d.created.Before(cutoff) })
	deps := make([]apisrc.NativeDeployment, 0, len(ids))
	for _, id := range ids {
		d := s.deps[id]
		nd := apisrc.NativeDeployment{
			ID: s.prefix + strconv.FormatInt(id, 10), Service: s.o.Service,
			Environment: &d.env, FinishedAt: &d.finished, Status: d.status,
		}
		if d.run {
			nd.ID = s.prefix + "run/" + strconv.FormatInt(id, 10)
		}
		if key, ok := bases[id]; ok {
			cs, _ := s.commits.get(key)
			nd.Commits = apisrc.NativeCommits(cs, s.o.CommitTime == "committer")
		}
		deps = append(deps, nd)
	}
	return apisrc.Document(deps, s.issues)
}
