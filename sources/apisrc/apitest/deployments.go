package apitest

import (
	"fmt"
	"strings"
	"time"
)

// Commit is a commit of a fake repository's linear history.
type Commit struct {
	SHA               string
	Author, Committer time.Time
}

// CommitIndex is the index of sha in history, -1 when unknown.
func CommitIndex(history []Commit, sha string) int {
	for i, c := range history {
		if c.SHA == sha {
			return i
		}
	}
	return -1
}

// Shipped is a deployment record a test expects a source to make of a
// fake's deployment.
type Shipped struct {
	ID       int64
	Env, SHA string
	Status   string // success or failed
	Finished time.Time
}

// DeploymentsJSON writes recs as the members of a native document's
// deployments array, by the rules SPEC §8.2 and §8.3 share: id prefix+ID,
// and for a success the commits of history after the sha of the previous
// success of its environment (finished before it, or at the same time
// with a lower id) up to its own, its own commit alone when there is no
// previous success; committed_at the author's date, or the committer's
// when commitTime is "committer".
func DeploymentsJSON(recs []Shipped, history []Commit, prefix, service, commitTime string) string {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	var doc strings.Builder
	for i, r := range recs {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"id":"%s%d","service":%q,"environment":%q,"finished_at":%q,"status":%q,"commits":[`,
			prefix, r.ID, service, r.Env, ts(r.Finished), r.Status)
		if r.Status == "success" {
			var prev *Shipped
			for j := range recs {
				p := &recs[j]
				if p.Status != "success" || p.Env != r.Env {
					continue
				}
				if p.Finished.Before(r.Finished) || (p.Finished.Equal(r.Finished) && p.ID < r.ID) {
					if prev == nil || p.Finished.After(prev.Finished) || (p.Finished.Equal(prev.Finished) && p.ID > prev.ID) {
						prev = p
					}
				}
			}
			hi := CommitIndex(history, r.SHA)
			lo := hi - 1
			if prev != nil {
				lo = CommitIndex(history, prev.SHA)
			}
			for k := lo + 1; k <= hi; k++ {
				c := history[k]
				at := c.Author
				if commitTime == "committer" {
					at = c.Committer
				}
				if k > lo+1 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, `{"sha":%q,"committed_at":%q}`, c.SHA, ts(at))
			}
		}
		doc.WriteString("]}")
	}
	return doc.String()
}
