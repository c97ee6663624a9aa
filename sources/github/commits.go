package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"

	"doradash/sources/apisrc"
)

// commitDates is what the source keeps of one commit.
type commitDates struct {
	SHA       string `json:"sha"`
	Author    string `json:"author,omitempty"`
	Committer string `json:"committer,omitempty"`
}

// commitStore holds the commit lists read so far, by comparison
// ("base...head") or single sha; safe for the workers.
type commitStore struct {
	mu sync.Mutex
	m  map[string][]commitDates
}

func (c *commitStore) get(key string) ([]commitDates, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// keep forgets the lists no job needs any more (deployments that left
// history), so memory follows the history, not the uptime.
func (c *commitStore) keep(jobs []commitJob) {
	need := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		need[j.key()] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if !need[k] {
			delete(c.m, k)
		}
	}
}

func (c *commitStore) set(key string, v []commitDates) {
	c.mu.Lock()
	c.m[key] = v
	c.mu.Unlock()
}

// commitJob is the commit list one successful deployment needs.
type commitJob struct {
	d        *deployment
	base     string // the previous successful deployment's sha; "" for none
	finished time.Time
}

// commitKey names a job's commit list.
func (j commitJob) key() string {
	if j.base == "" {
		return j.d.sha
	}
	return j.base + "..." + j.d.sha
}

// successChains returns, for every successful deployment within history,
// the sha of the latest earlier successful deployment (by finished_at, ties
// by the smaller id) of the same environment, newest first.
func (s *Source) successChains(cutoff time.Time) []commitJob {
	byEnv := map[string][]commitJob{}
	for _, d := range s.deps {
		if d.status != "success" || d.created.Before(cutoff) {
			continue
		}
		t := parseTime(d.finished)
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
		for i := range js {
			if i > 0 {
				js[i].base = js[i-1].d.sha
			}
		}
		jobs = append(jobs, js...)
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].finished.After(jobs[b].finished) })
	return jobs
}

// readCommits makes sure every successful deployment's commit list is
// known, newest deployments first, so lead time fills in from the present
// backwards during a first sync.
func (s *Source) readCommits(ctx context.Context, cutoff time.Time) error {
	var todo []commitJob
	jobs := s.successChains(cutoff)
	s.commits.keep(jobs)
	for _, j := range jobs {
		if _, ok := s.commits.get(j.key()); !ok {
			todo = append(todo, j)
		}
	}
	const batch = 50
	for start := 0; start < len(todo); start += batch {
		part := todo[start:min(start+batch, len(todo))]
		if err := parallel(ctx, part, s.fetchCommits); err != nil {
			return err
		}
		if s.st.Syncing() {
			s.partial(cutoff)
		}
	}
	return nil
}

// fetchCommits reads one job's commit list: from the cache, else the
// comparison base...head (every page), else the commit itself.
func (s *Source) fetchCommits(ctx context.Context, j commitJob) error {
	key := j.key()
	cacheKey := "commits/" + s.o.Repo + "/" + key
	if raw, ok := s.client.Lookup(cacheKey); ok {
		var cs []commitDates
		if json.Unmarshal(raw, &cs) == nil {
			s.commits.set(key, cs)
			return nil
		}
	}
	var cs []commitDates
	var err error
	switch {
	case j.base == j.d.sha:
		cs = []commitDates{} // identical: nothing shipped
	case j.base == "":
		cs, err = s.fetchCommit(ctx, j.d.sha)
	default:
		cs, err = s.fetchComparison(ctx, j.base, j.d.sha)
	}
	var se *apisrc.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusUnprocessableEntity) {
		// A sha GitHub no longer knows (force-pushed away): the deployment
		// has no commits; not worth failing every poll for.
		s.commits.set(key, []commitDates{})
		return nil
	}
	if err != nil {
		return err
	}
	s.commits.set(key, cs)
	if raw, err := json.Marshal(cs); err == nil {
		s.client.Keep(cacheKey, raw)
	}
	return nil
}

// fetchCommit is GET /repos/{repo}/commits/{sha}.
func (s *Source) fetchCommit(ctx context.Context, sha string) ([]commitDates, error) {
	resp, err := s.client.Get(ctx, apisrc.Request{URL: s.repoPath + "/commits/" + pathEscape(sha), Compact: compactObject[apiCommit]})
	if err != nil {
		return nil, err
	}
	var c apiCommit
	if err := decodeJSON("commit", resp.Body, &c); err != nil {
		return nil, err
	}
	if c.SHA == "" {
		c.SHA = sha
	}
	return []commitDates{datesOf(c)}, nil
}

// fetchComparison reads every page of GET /repos/{repo}/compare/base...head.
func (s *Source) fetchComparison(ctx context.Context, base, head string) ([]commitDates, error) {
	out := []commitDates{}
	first := apisrc.Request{
		URL:     s.repoPath + "/compare/" + pathEscape(base) + "..." + pathEscape(head) + "?per_page=100",
		Compact: compactObject[apiComparison],
	}
	err := s.client.Walk(ctx, first, apisrc.LinkPager{}, func(_ int, resp *apisrc.Response) (bool, error) {
		var cmp apiComparison
		if err := decodeJSON("comparison", resp.Body, &cmp); err != nil {
			return false, err
		}
		if cmp.Status == "behind" || cmp.Status == "identical" {
			out = out[:0]
			return false, nil
		}
		for _, c := range cmp.Commits {
			out = append(out, datesOf(c))
		}
		return len(cmp.Commits) > 0, nil
	})
	return out, err
}

func datesOf(c apiCommit) commitDates {
	cd := commitDates{SHA: c.SHA}
	if c.Commit.Author != nil {
		cd.Author = c.Commit.Author.Date
	}
	if c.Commit.Committer != nil {
		cd.Committer = c.Commit.Committer.Date
	}
	return cd
}
