package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"doradash/sources/apisrc"
)

// successChains returns the commit range of every successful deployment
// within history that names its sha (see apisrc.SuccessChains), newest
// first.
func (s *Source) successChains(cutoff time.Time) []apisrc.CommitRange {
	var rs []apisrc.CommitRange
	for _, d := range s.deps {
		if d.status != "success" || d.sha == "" || before(d.created, parseTime(d.updated), cutoff) {
			continue
		}
		rs = append(rs, apisrc.CommitRange{ID: d.id, Env: d.env, SHA: d.sha, Finished: parseTime(text(d.finished))})
	}
	return apisrc.SuccessChains(rs)
}

// readCommits makes sure every successful deployment's commit list is
// known, newest deployments first, so lead time fills in from the present
// backwards during a first sync; lists no deployment needs any more are
// forgotten, so memory follows the history, not the uptime.
func (s *Source) readCommits(ctx context.Context, cutoff time.Time) error {
	rs := s.successChains(cutoff)
	s.commits.Keep(rs)
	fetched := 0
	for _, r := range rs {
		if _, ok := s.commits[r.Key()]; ok {
			continue
		}
		if err := s.fetchCommits(ctx, r); err != nil {
			return err
		}
		if fetched++; fetched%50 == 0 && s.syncing() {
			s.partial(cutoff)
		}
	}
	return nil
}

// fetchCommits reads one range's commit list: from the cache, else the
// comparison from...to, else the commit itself.
func (s *Source) fetchCommits(ctx context.Context, r apisrc.CommitRange) error {
	key := r.Key()
	cacheKey := "commits/" + s.o.Project + "/" + key
	cs, err := apisrc.ReadCommitList(ctx, s.client, cacheKey, r,
		apisrc.CommitReaders{Single: s.fetchCommit, Compare: s.fetchComparison})
	var se *apisrc.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		// A sha GitLab no longer knows (force-pushed away, or the
		// repository was rewritten): the deployment has no commits; not
		// worth failing every poll for. Kept, like a list read.
		cs, err = []apisrc.CommitDates{}, nil
		apisrc.KeepCommitList(s.client, cacheKey, cs)
	}
	if err != nil {
		return err
	}
	s.commits[key] = cs
	return nil
}

// fetchCommit is GET /projects/{id}/repository/commits/{sha}.
func (s *Source) fetchCommit(ctx context.Context, sha string) ([]apisrc.CommitDates, error) {
	resp, err := s.client.Get(ctx, apisrc.Request{
		URL: s.projPath + "/repository/commits/" + url.PathEscape(sha), Compact: apisrc.Compact[apiCommit],
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
	return []apisrc.CommitDates{datesOf(c)}, nil
}

// fetchComparison is GET /projects/{id}/repository/compare?from=&to=, one
// request: GitLab does not page it. A to behind or equal to from has no
// commits.
func (s *Source) fetchComparison(ctx context.Context, from, to string) ([]apisrc.CommitDates, error) {
	q := url.Values{}
	q.Set("from", from)
	q.Set("to", to)
	resp, err := s.client.Get(ctx, apisrc.Request{
		URL: s.projPath + "/repository/compare?" + q.Encode(), Compact: apisrc.Compact[apiComparison],
	})
	if err != nil {
		return nil, err
	}
	var cmp apiComparison
	if err := json.Unmarshal(resp.Body, &cmp); err != nil {
		return nil, fmt.Errorf("decode comparison: %w", err)
	}
	out := []apisrc.CommitDates{}
	if cmp.CompareSameRef {
		return out, nil
	}
	for _, c := range cmp.Commits {
		out = append(out, datesOf(c))
	}
	return out, nil
}

func datesOf(c apiCommit) apisrc.CommitDates {
	return apisrc.CommitDates{SHA: string(c.ID), Author: string(c.AuthoredDate), Committer: string(c.CommittedDate)}
}
