package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"doradash/sources/apisrc"
)

// commitDates is what the source keeps of one commit.
type commitDates struct {
	SHA       string `json:"sha"`
	Author    string `json:"author,omitempty"`
	Committer string `json:"committer,omitempty"`
}

// commitJob is the commit list one successful deployment needs.
type commitJob struct {
	d        *deployment
	base     string // the previous successful deployment's sha; "" for none
	finished time.Time
}

// key names a job's commit list: "from...to", or the sha alone.
func (j commitJob) key() string {
	if j.base == "" {
		return j.d.sha
	}
	return j.base + "..." + j.d.sha
}

// successChains returns, for every successful deployment within history
// that names its sha, the sha of the latest earlier successful deployment
// (by finished_at, ties by the smaller id) of the same environment, newest
// first.
func (s *Source) successChains(cutoff time.Time) []commitJob {
	byEnv := map[string][]commitJob{}
	for _, d := range s.deps {
		if d.status != "success" || d.sha == "" || before(d.created, parseTime(d.updated), cutoff) {
			continue
		}
		t := parseTime(text(d.finished))
		if t.IsZero() {
			continue // rejected as a record anyway
		}
		byEnv[d.env] = append(byEnv[d.env], commitJob{d: d, finished: t})
	}
	var jobs []commitJob
	for _, js := range byEnv {
		sort.Slice(js, func(a, b int) bool {
			if !js[a].finished.Equal(js[b].finished) {
				return js[a].finished.Before(js[b].finished)
			}
			return js[a].d.id < js[b].d.id
		})
		for i := 1; i < len(js); i++ {
			js[i].base = js[i-1].d.sha
		}
		jobs = append(jobs, js...)
	}
	sort.Slice(jobs, func(a, b int) bool {
		if !jobs[a].finished.Equal(jobs[b].finished) {
			return jobs[a].finished.After(jobs[b].finished)
		}
		return jobs[a].d.id > jobs[b].d.id
	})
	return jobs
}

// readCommits makes sure every successful deployment's commit list is
// known, newest deployments first, so lead time fills in from the present
// backwards during a first sync; lists no deployment needs any more are
// forgotten, so memory follows the history, not the uptime.
func (s *Source) readCommits(ctx context.Context, cutoff time.Time) error {
	jobs := s.successChains(cutoff)
	need := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		need[j.key()] = true
	}
	for k := range s.commits {
		if !need[k] {
			delete(s.commits, k)
		}
	}
	fetched := 0
	for _, j := range jobs {
		if _, ok := s.commits[j.key()]; ok {
			continue
		}
		if err := s.fetchCommits(ctx, j); err != nil {
			return err
		}
		if fetched++; fetched%50 == 0 && s.syncing() {
			s.partial(cutoff)
		}
	}
	return nil
}

// fetchCommits reads one job's commit list: from the cache, else the
// comparison from...to, else the commit itself.
func (s *Source) fetchCommits(ctx context.Context, j commitJob) error {
	key := j.key()
	cacheKey := "commits/" + s.o.Project + "/" + key
	if raw, ok := s.client.Lookup(cacheKey); ok {
		var cs []commitDates
		if json.Unmarshal(raw, &cs) == nil {
			s.commits[key] = cs
			return nil
		}
	}
	var cs []commitDates
	var err error
	switch {
	case j.base == j.d.sha:
		cs = []commitDates{} // the same sha again: nothing shipped
	case j.base == "":
		cs, err = s.fetchCommit(ctx, j.d.sha)
	default:
		cs, err = s.fetchComparison(ctx, j.base, j.d.sha)
	}
	var se *apisrc.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		// A sha GitLab no longer knows (force-pushed away, or the
		// repository was rewritten): the deployment has no commits; not
		// worth failing every poll for.
		cs, err = []commitDates{}, nil
	}
	if err != nil {
		return err
	}
	s.commits[key] = cs
	if raw, err := json.Marshal(cs); err == nil {
		s.client.Keep(cacheKey, raw)
	}
	return nil
}

// fetchCommit is GET /projects/{id}/repository/commits/{sha}.
func (s *Source) fetchCommit(ctx context.Context, sha string) ([]commitDates, error) {
	resp, err := s.client.Get(ctx, apisrc.Request{
		URL: s.projPath + "/repository/commits/" + url.PathEscape(sha), Compact: compactObject[apiCommit],
	})
	if err != nil {
		return nil, err
	}
	var c apiCommit
	if err := json.Unmarshal(resp.Body, &c); err != nil {
		return nil, fmt.Errorf("decode commit: %w", err)
	}
	if c.ID == "" {
		c.ID = text(sha)
	}
	return []commitDates{datesOf(c)}, nil
}

// fetchComparison is GET /projects/{id}/repository/compare?from=&to=, one
// request: GitLab does not page it. A to behind or equal to from has no
// commits.
func (s *Source) fetchComparison(ctx context.Context, from, to string) ([]commitDates, error) {
	q := url.Values{}
	q.Set("from", from)
	q.Set("to", to)
	resp, err := s.client.Get(ctx, apisrc.Request{
		URL: s.projPath + "/repository/compare?" + q.Encode(), Compact: compactObject[apiComparison],
	})
	if err != nil {
		return nil, err
	}
	var cmp apiComparison
	if err := json.Unmarshal(resp.Body, &cmp); err != nil {
		return nil, fmt.Errorf("decode comparison: %w", err)
	}
	out := []commitDates{}
	if cmp.CompareSameRef {
		return out, nil
	}
	for _, c := range cmp.Commits {
		out = append(out, datesOf(c))
	}
	return out, nil
}

func datesOf(c apiCommit) commitDates {
	return commitDates{SHA: string(c.ID), Author: string(c.AuthoredDate), Committer: string(c.CommittedDate)}
}
