package gitlab

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
	Environment string         `json:"environment,omitempty"` // "": production
	FinishedAt  string         `json:"finished_at,omitempty"` // "": rejected as missing
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
	Severity   int     `json:"severity,omitempty"`    // 0: unknown
	StartedAt  string  `json:"started_at,omitempty"`  // "": rejected as missing
	DetectedAt string  `json:"detected_at,omitempty"` // "": not known
	ResolvedAt *string `json:"resolved_at"`
}

// document writes everything known within history as a native document,
// newest first.
func (s *Source) document(cutoff time.Time) []byte {
	doc := nativeDocument{Deployments: []nativeDeployment{}, Incidents: []nativeIncident{}}
	bases := map[int64]string{}
	for _, j := range s.successChains(cutoff) {
		bases[j.d.id] = j.key()
	}
	ids := make([]int64, 0, len(s.deps))
	for id, d := range s.deps {
		if d.status != "" && !before(d.created, parseTime(d.updated), cutoff) {
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
		if key, ok := bases[id]; ok {
			for _, c := range s.commits[key] {
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
	iids := make([]int64, 0, len(s.issues))
	for iid, is := range s.issues {
		if !before(is.created, parseTime(is.updated), cutoff) {
			iids = append(iids, iid)
		}
	}
	sort.Slice(iids, func(a, b int) bool { return iids[a] > iids[b] })
	for _, iid := range iids {
		doc.Incidents = append(doc.Incidents, s.issues[iid].rec)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return []byte(`{}`) // cannot happen: plain strings and numbers only
	}
	return b
}
