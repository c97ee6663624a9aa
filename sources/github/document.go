package github

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"
)

// The native records (SPEC §1) the source writes; they pass through the
// same decoder as a file's, so validation and rejections are the same.
type nativeDocument struct {
	Deployments []nativeDeployment `json:"deployments"`
	Incidents   []nativeIncident   `json:"incidents"`
}

type nativeDeployment struct {
	ID          string         `json:"id"`
	Service     string         `json:"service"`
	Environment string         `json:"environment"`
	FinishedAt  string         `json:"finished_at"`
	Status      string         `json:"status"`
	Commits     []nativeCommit `json:"commits,omitempty"`
}

type nativeCommit struct {
	SHA         string `json:"sha"`
	CommittedAt string `json:"committed_at"`
}

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
// deployments newest first.
func (s *Source) document(cutoff time.Time) []byte {
	doc := nativeDocument{Deployments: []nativeDeployment{}, Incidents: s.issues}
	if doc.Incidents == nil {
		doc.Incidents = []nativeIncident{}
	}
	bases := map[int64]string{}
	for _, j := range s.successChains(cutoff) {
		bases[j.d.id] = j.key()
	}
	ids := make([]int64, 0, len(s.deps))
	for id, d := range s.deps {
		if d.status != "" && !d.created.Before(cutoff) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] > ids[b] })
	for _, id := range ids {
		d := s.deps[id]
		nd := nativeDeployment{
			ID: s.prefix + strconv.FormatInt(id, 10), Service: s.o.Service,
			Environment: d.env, FinishedAt: d.finished, Status: d.status,
		}
		if d.run {
			nd.ID = s.prefix + "run/" + strconv.FormatInt(id, 10)
		}
		if key, ok := bases[id]; ok {
			cs, _ := s.commits.get(key)
			for _, c := range cs {
				at := c.Author
				if s.o.CommitTime == "committer" {
					at = c.Committer
				}
				if c.SHA != "" && at != "" {
					nd.Commits = append(nd.Commits, nativeCommit{SHA: c.SHA, CommittedAt: at})
				}
			}
		}
		doc.Deployments = append(doc.Deployments, nd)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return []byte(`{}`) // cannot happen: plain strings only
	}
	return b
}
