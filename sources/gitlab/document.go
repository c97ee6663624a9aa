package gitlab

import (
	"strconv"
	"time"

	"doradash/sources/apisrc"
)

// nativeIncident is an issue as the native format writes it (SPEC §1).
// Unlike apisrc.NativeIncident it has no acknowledged_at, and unknown
// values are left out.
type nativeIncident struct {
	ID         string  `json:"id"`
	Service    string  `json:"service"`
	Title      string  `json:"title"`
	Severity   int     `json:"severity,omitempty"`    // 0: unknown
	StartedAt  string  `json:"started_at,omitempty"`  // "": rejected as missing
	DetectedAt string  `json:"detected_at,omitempty"` // "": not known
	ResolvedAt *string `json:"resolved_at"`
}

// document writes everything known within history as a native document,
// newest first. A deployment's environment and finished_at are left out
// when GitLab gave none: production, and rejected as missing.
func (s *Source) document(cutoff time.Time) []byte {
	bases := apisrc.ChainKeys(s.successChains(cutoff))
	ids := apisrc.NewestFirst(s.deps, func(d *deployment) bool {
		return d.status != "" && !before(d.created, parseTime(d.updated), cutoff)
	})
	deps := make([]apisrc.NativeDeployment, 0, len(ids))
	for _, id := range ids {
		d := s.deps[id]
		nd := apisrc.NativeDeployment{
			ID: s.prefix + strconv.FormatInt(id, 10), Service: s.o.Service,
			Environment: apisrc.NonEmpty(&d.env), FinishedAt: apisrc.NonEmpty(&d.finished), Status: d.status,
		}
		if key, ok := bases[id]; ok {
			nd.Commits = apisrc.NativeCommits(s.commits[key], s.o.CommitTime == "committer")
		}
		deps = append(deps, nd)
	}
	iids := apisrc.NewestFirst(s.issues, func(is *issue) bool { return !before(is.created, parseTime(is.updated), cutoff) })
	incidents := make([]nativeIncident, 0, len(iids))
	for _, iid := range iids {
		incidents = append(incidents, s.issues[iid].rec)
	}
	return apisrc.Document(deps, incidents)
}
