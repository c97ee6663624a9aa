package github

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"doradash/sources/apisrc"
)

// commitStore holds the commit lists read so far, by comparison
// ("base...head") or single sha; safe for the workers.
type commitStore struct {
	mu sync.Mutex
	m  apisrc.CommitLists
}

func (c *commitStore) get(key string) ([]apisrc.CommitDates, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// keep forgets the lists no range needs any more (see
// apisrc.CommitLists.Keep).
func (c *commitStore) keep(rs []apisrc.CommitRange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m.Keep(rs)
}

func (c *commitStore) set(key string, v []apisrc.CommitDates) {
	c.mu.Lock()
	c.m[key] = v
	c.mu.Unlock()
}

// successChains returns the commit range of every successful deployment
// within history (see apisrc.SuccessChains), newest first.
func (s *Source) successChains(cutoff time.Time) []apisrc.CommitRange {
	var rs []apisrc.CommitRange
	for _, d := range s.deps {
		if d.status != "success" || d.created.Before(cutoff) {
			continue
		}
		rs = append(rs, apisrc.CommitRange{ID: d.id, Env: d.env, SHA: d.sha, Finished: parseTime(d.finished)})
	}
	return apisrc.SuccessChains(rs)
}

// readCommits makes sure every successful deployment's commit list is
// known, newest deployments first, so lead time fills in from the present
// backwards during a first sync.
func (s *Source) readCommits(ctx context.Context, cutoff time.Time) error {
	var todo []apisrc.CommitRange
	rs := s.successChains(cutoff)
	s.commits.keep(rs)
	for _, r := range rs {
		if _, ok := s.commits.get(r.Key()); !ok {
			todo = append(todo, r)
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

// fetchCommits reads one range's commit list: from the cache, else the
// comparison base...head (every page), else the commit itself.
func (s *Source) fetchCommits(ctx context.Context, r apisrc.CommitRange) error {
	key := r.Key()
	cs, err := apisrc.ReadCommitList(ctx, s.client, "commits/"+s.o.Repo+"/"+key, r,
		apisrc.CommitReaders{Single: s.fetchCommit, Compare: s.fetchComparison})
	var se *apisrc.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusUnprocessableEntity) {
		// A sha GitHub no longer knows (force-pushed away): the deployment
		// has no commits; not worth failing every poll for. Not kept: a
		// restart asks again.
		s.commits.set(key, []apisrc.CommitDates{})
		return nil
	}
	if err != nil {
		return err
	}
	s.commits.set(key, cs)
	return nil
}

// fetchCommit is GET /repos/{repo}/commits/{sha}.
func (s *Source) fetchCommit(ctx context.Context, sha string) ([]apisrc.CommitDates, error) {
	resp, err := s.client.Get(ctx, apisrc.Request{URL: s.repoPath + "/commits/" + pathEscape(sha), Compact: apisrc.Compact[apiCommit]})
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
	return []apisrc.CommitDates{datesOf(c)}, nil
}

// fetchComparison reads every page of GET /repos/{repo}/compare/base...head.
func (s *Source) fetchComparison(ctx context.Context, base, head string) ([]apisrc.CommitDates, error) {
	out := []apisrc.CommitDates{}
	first := apisrc.Request{
		URL:     s.repoPath + "/compare/" + pathEscape(base) + "..." + pathEscape(head) + "?per_page=100",
		Compact: apisrc.Compact[apiComparison],
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

func datesOf(c apiCommit) apisrc.CommitDates {
	cd := apisrc.CommitDates{SHA: c.SHA}
	if c.Commit.Author != nil {
		cd.Author = c.Commit.Author.Date
	}
	if c.Commit.Committer != nil {
		cd.Committer = c.Commit.Committer.Date
	}
	return cd
}
