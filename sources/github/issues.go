package github

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"doradash/model"
	"doradash/sources/apisrc"
)

// readIssues reads the issues labelled IncidentLabel, newest first, down
// to the first page older than cutoff, as incidents (SPEC §8.2).
func (s *Source) readIssues(ctx context.Context, cutoff time.Time) error {
	q := url.Values{}
	q.Set("labels", s.o.IncidentLabel)
	q.Set("state", "all")
	q.Set("sort", "created")
	q.Set("direction", "desc")
	q.Set("per_page", "100")
	first := apisrc.Request{URL: s.repoPath + "/issues?" + q.Encode(), Conditional: true, Compact: apisrc.Compact[[]apiIssue]}
	incidents := []nativeIncident{}
	err := s.client.Walk(ctx, first, apisrc.LinkPager{}, func(_ int, resp *apisrc.Response) (bool, error) {
		var items []apiIssue
		if err := decodeJSON("issues", resp.Body, &items); err != nil {
			return false, err
		}
		more := len(items) > 0
		for _, it := range items {
			if parseTime(it.CreatedAt).Before(cutoff) {
				more = false
				continue
			}
			if it.PullRequest != nil {
				continue
			}
			incidents = append(incidents, s.incident(it))
		}
		return more, nil
	})
	if err != nil {
		return err
	}
	s.issues = incidents
	return nil
}

// incident maps one issue.
func (s *Source) incident(it apiIssue) nativeIncident {
	in := nativeIncident{
		ID: s.prefix + "issue/" + strconv.FormatInt(it.Number, 10), Service: s.o.Service, Title: it.Title,
		StartedAt: it.CreatedAt, DetectedAt: it.CreatedAt,
	}
	if it.State == "closed" && it.ClosedAt != "" {
		closed := it.ClosedAt
		in.ResolvedAt = &closed
	}
	for _, l := range it.Labels {
		if model.SeverityFromString(l.Name) != model.SeverityUnknown {
			in.Severity = l.Name
			break
		}
	}
	return in
}
